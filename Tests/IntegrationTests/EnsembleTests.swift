import AEPG
import Foundation
import PGClient
import TestSupport
import XCTest

/// The default model kind: five autoencoders in one version, scored alike by the worker, by a
/// rescore and by `aepg.score` in SQL.
final class EnsembleTests: DatabaseTestCase {
    func testTheDefaultEnsembleScoresAlikeInTheWorkerARescoreAndSQL() throws {
        // The outliers of d a hundred times further out: a heavy tail, which robust scaling compresses.
        try connection.execute("UPDATE points SET d = d * 100 WHERE id % 40 = 0")
        var options = TrainOptions()
        options.epochs = 10
        let summary = try train("ens", options: options)
        XCTAssertEqual(try connection.execute("SELECT preprocessing->>'compressed' FROM aepg.versions WHERE model = 'ens'").string(0, 0),
                       "[false, false, false, true]")
        XCTAssertEqual(summary.options.kind, .ensemble, "the default kind")
        XCTAssertGreaterThan(summary.metrics!.rocAUC, 0.9)
        // Five members' layers, one record each with its scale; the first member is the options' network.
        XCTAssertEqual(try count("SELECT count(DISTINCT member) FROM aepg.layers WHERE model = 'ens'"), 5)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.layers WHERE model = 'ens' AND member = 0"), 6)
        XCTAssertEqual(try count("SELECT jsonb_array_length(members) FROM aepg.versions WHERE model = 'ens'"), 5)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.versions, jsonb_array_elements(members) AS m WHERE (m->>'scale')::float8 > 0"), 5)
        let trained = try Catalog(connection: connection).trainedModel(ModelName("ens"))
        XCTAssertEqual(trained.members.count, 5)
        XCTAssertEqual(trained.members.map { $0.network.variational }, [false, true, true, false, false])
        XCTAssertEqual(trained.members.map { $0.klWeight != nil }, [false, true, true, false, false])

        // The scores are z-scores (about 0 for a typical row), so they are compared in those units.
        func agreement(_ sql: String) throws -> (score: Int, cluster: Int, top: Int) {
            let rows = try connection.execute(sql)
            XCTAssertEqual(rows.rowCount, 400)
            var score = 0, cluster = 0, top = 0
            for row in rows.rows {
                if abs(try row.double("a") - row.double("b")) <= 1e-5 * max(abs(try row.double("a")), 1) { score += 1 }
                if try row.bool("same_cluster") { cluster += 1 }
                if try row.bool("same_top") { top += 1 }
            }
            return (score, cluster, top)
        }
        let inSQL = try agreement("""
            SELECT r.score AS a, s.score AS b, r.cluster = s.cluster AS same_cluster, r.top_features = s.top_features AS same_top
              FROM aepg.ens_results r JOIN points p USING (id), aepg.score('ens', ARRAY[p.a, p.b, p.c, p.d]) AS s
            """)
        XCTAssertEqual(inSQL.score, 400, "aepg.score gives the worker's score on every row")
        XCTAssertGreaterThanOrEqual(inSQL.cluster, 398, "clusters agree except, at most, at near-ties")
        XCTAssertGreaterThanOrEqual(inSQL.top, 390, "top features agree except near-ties")

        try connection.execute("CREATE TABLE trained_scores AS SELECT id, score, cluster, top_features FROM aepg.ens_results")
        XCTAssertEqual(try ScorePipeline(model: ModelName("ens"), all: true, logger: quiet).run(on: connection, conninfo: conninfo), 400)
        let rescored = try agreement("""
            SELECT r.score AS a, t.score AS b, r.cluster = t.cluster AS same_cluster, r.top_features = t.top_features AS same_top
              FROM aepg.ens_results r JOIN trained_scores t USING (id)
            """)
        XCTAssertEqual(rescored.score, 400, "aepg score --all gives the training run's scores")
        XCTAssertEqual(rescored.cluster, 400)
        XCTAssertGreaterThanOrEqual(rescored.top, 398)
        // The threshold applies to the combined score: the view flags what the threshold says.
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.ens_flags WHERE flagged"), summary.flaggedRows)
    }

    /// A version trained before ensembles (no members) still scores, in the worker and in SQL.
    func testASingleNetworkVersionHasNoMembers() throws {
        try train("one")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.versions WHERE model = 'one' AND members IS NULL"), 1)
        XCTAssertEqual(try count("SELECT count(DISTINCT member) FROM aepg.layers WHERE model = 'one'"), 1)
        XCTAssertTrue(try Catalog(connection: connection).trainedModel(ModelName("one")).members.isEmpty)
    }

    /// `--label-use select` with two of the ten outliers labelled: the members are weighed and
    /// the labelled rows' neighbours raised; the worker rescores alike; SQL says to use the worker.
    func testAFewLabelsWeighTheMembersAndRaiseTheirNeighbours() throws {
        try connection.execute("ALTER TABLE points ADD COLUMN known int")
        try connection.execute("UPDATE points SET known = 1 WHERE id IN (40, 80)")
        var options = TrainOptions()
        options.epochs = 10
        options.labelUse = .select
        let name = try ModelName("guided")
        let definition = ModelDefinition(name: name, source: "points", keyColumn: "id", exclude: ["label"], labelColumn: "known", options: options)
        _ = try TrainPipeline(model: name, definition: definition, logger: quiet).run(on: connection)
        let trained = try Catalog(connection: connection).trainedModel(name)
        XCTAssertEqual(trained.known?.points.rows, 2)
        XCTAssertEqual(trained.members.count, 5)
        XCTAssertTrue(trained.members.allSatisfy { $0.weight > 0 })
        // The labelled rows are the nearest to themselves: they get the highest nearness there is.
        let ranks = try connection.execute("""
            SELECT id, rank() OVER (ORDER BY score DESC) AS rank FROM aepg.guided_results ORDER BY id
            """)
        XCTAssertLessThanOrEqual(try ranks.rows.first { try $0.int("id") == 40 }!.int("rank"), 10)
        let evaluation = try EvaluatePipeline(model: name, label: "label").run(on: connection)
        XCTAssertGreaterThan(evaluation.metrics?.rocAUC ?? 0, 0.9)

        try connection.execute("CREATE TABLE trained_scores AS SELECT id, score FROM aepg.guided_results")
        _ = try ScorePipeline(model: name, all: true, logger: quiet).run(on: connection, conninfo: conninfo)
        XCTAssertEqual(try count("""
            SELECT count(*) FROM aepg.guided_results r JOIN trained_scores t USING (id) WHERE abs(r.score - t.score) <= 1e-5 * greatest(abs(t.score), 1)
            """), 400, "aepg score --all gives the training run's scores")
        XCTAssertThrowsError(try connection.execute("SELECT aepg.score('guided', ARRAY[0.1, 0.2, 0.3, 0.4])")) {
            XCTAssertEqual(($0 as? PGError)?.sqlState, "0A000", "\($0)")  // feature_not_supported: the worker scores it
        }

        var unlabelled = options
        unlabelled.epochs = 1
        assertFails(.invalidOption, containing: "select needs a label column") {
            try self.train("nolabel", label: nil, options: unlabelled)
        }
        try connection.execute("UPDATE points SET known = 2 WHERE id = 1")
        assertFails(.invalidOption, containing: "needs a 0/1 label") {
            try self.train("classes", label: "known", options: unlabelled)
        }
    }
}
