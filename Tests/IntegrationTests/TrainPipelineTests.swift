import AEPG
import Learn
import PGClient
import TestSupport
import XCTest

/// What `aepg train` and `aepg score` leave in the database.
final class TrainPipelineTests: DatabaseTestCase {
    func testTrainingWritesCatalogResultsAndViews() throws {
        let summary = try train()
        XCTAssertEqual(summary.version, 1)
        XCTAssertEqual(summary.rows, 400)
        XCTAssertEqual(summary.features, ["a", "b", "c", "d"], "label and key are not features")
        XCTAssertEqual(try count("SELECT active_version FROM aepg.models WHERE name = 'pts'"), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.layers WHERE model = 'pts' AND version = 1"), 4)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_results"), 400)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_flags"), 400)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_clusters"), 400)
        XCTAssertEqual(try count("SELECT sum(rows) FROM aepg.pts_cluster_profile"), 400)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_cluster_profile"), 3)

        let v = try connection.execute("""
            SELECT jsonb_array_length(loss_history), training_rows, threshold_rule, array_length(centroids, 1),
                   array_length(centroids, 2), options->>'latent', preprocessing->>'method',
                   stage_seconds ? 'read' AND stage_seconds ? 'train' AND stage_seconds ? 'cluster'
              FROM aepg.versions WHERE model = 'pts'
            """)
        XCTAssertGreaterThan(v.int(0, 0)!, 0)
        XCTAssertEqual(v.int(0, 1), 400)
        XCTAssertEqual(v.string(0, 2), "sigma:3.0")
        XCTAssertEqual(v.int(0, 3), 3)
        XCTAssertEqual(v.int(0, 4), 2)
        XCTAssertEqual(v.string(0, 5), "2")
        XCTAssertEqual(v.string(0, 6), "standard")
        XCTAssertEqual(v.bool(0, 7), true)

        // The flags view has every source column plus score, flagged and cluster.
        let columns = try connection.execute("SELECT * FROM aepg.pts_flags LIMIT 1").columnNames
        XCTAssertEqual(columns, ["id", "a", "b", "c", "d", "label", "score", "flagged", "cluster"])
        let r = try connection.execute("SELECT array_length(latent, 1), array_length(top_features, 1) FROM aepg.pts_results LIMIT 1")
        XCTAssertEqual(r.int(0, 0), 2)
        XCTAssertEqual(r.int(0, 1), 3)

        // The outliers (every 40th row) are what the model flags first.
        XCTAssertGreaterThan(summary.metrics!.rocAUC, 0.9)
        let flagged = try count("SELECT count(*) FROM aepg.pts_flags WHERE flagged AND label = 1")
        XCTAssertGreaterThan(flagged, 5)
    }

    func testIncrementalScoringScoresOnlyNewRowsAndAgreesWithTraining() throws {
        try train()
        try connection.execute("CREATE TEMP TABLE trained AS SELECT id, score, cluster FROM aepg.pts_results")
        try insertPoints("public.points", from: 401, to: 450)
        let scored = try ScorePipeline(model: ModelName("pts"), logger: quiet).run(on: connection, conninfo: conninfo)
        XCTAssertEqual(scored, 50)
        XCTAssertEqual(try ScorePipeline(model: ModelName("pts"), logger: quiet).run(on: connection, conninfo: conninfo), 0,
                       "a second run finds nothing new")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_flags"), 450)

        // Rescoring everything gives every row the score it got at training time.
        XCTAssertEqual(try ScorePipeline(model: ModelName("pts"), all: true, logger: quiet).run(on: connection, conninfo: conninfo), 450)
        XCTAssertEqual(try count("""
            SELECT count(*) FROM aepg.pts_results r JOIN trained t USING (id)
             WHERE abs(r.score - t.score) <= 1e-5 * greatest(abs(t.score), 1e-3) AND r.cluster = t.cluster
            """), 400, "every training row rescored to its training-time score and cluster")
        // Rows 401... continue the same curve: their typical score is that of the training rows
        // (a scorer that skipped the scaling, say, would be off by orders of magnitude).
        let medians = try connection.execute("""
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.score) FILTER (WHERE r.id > 400) AS new,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY r.score) FILTER (WHERE r.id <= 400) AS old
              FROM aepg.pts_results r JOIN points p USING (id) WHERE p.label = 0
            """).row(0)
        let ratio = try medians.double("new") / medians.double("old")
        XCTAssertTrue(ratio > 1.0 / 3 && ratio < 3, "median score of new rows / training rows = \(ratio)")
    }

    func testRetrainingKeepsDefinitionAppliesOverridesAndSwitchesAtomically() throws {
        try train()
        var overrides = TrainOptions()
        overrides.clusters = 2
        overrides.contamination = 0.05
        let second = try TrainPipeline(model: ModelName("pts"), overrides: overrides, logger: quiet).run(on: connection)
        XCTAssertEqual(second.version, 2)
        XCTAssertEqual(second.previousVersion, 1)
        XCTAssertEqual(second.options.clusters, 2)
        XCTAssertEqual(second.options.hidden, [8], "stored options stay unless overridden")
        XCTAssertEqual(second.flaggedRows, 20, "contamination 0.05 flags 5 % of 400 rows")
        XCTAssertEqual(try connection.execute("SELECT options->>'clusters' FROM aepg.models").string(0, 0), "3",
                       "overrides are recorded in the version, not in the stored definition")
        XCTAssertEqual(try connection.execute("SELECT threshold_rule FROM aepg.versions WHERE version = 2").string(0, 0),
                       "contamination:0.05")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_cluster_profile"), 2)
        XCTAssertEqual(try count("SELECT count(DISTINCT version) FROM aepg.pts_results"), 2, "previous results kept for a roll-back")

        try connection.execute("SELECT aepg.activate('pts', 1)")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_cluster_profile"), 3, "views follow the active version")

        _ = try retrain()
        XCTAssertEqual(try count("SELECT count(DISTINCT version) FROM aepg.pts_results"), 2, "older results are dropped")
    }

    /// Retraining neither waits for nor cancels a vacuum of the results table, which autovacuum
    /// often starts on a version's partition after it was loaded. Another session holds the lock
    /// a vacuum holds; retraining under a 2 s lock timeout passes.
    func testRetrainingDoesNotWaitForAVacuumOfTheResultsTable() throws {
        try train()
        // Autovacuum visits the partitions (one per version), never the partitioned table itself.
        let vacuum = try openTransaction("LOCK TABLE aepg.pts_results_1 IN SHARE UPDATE EXCLUSIVE MODE")
        defer { _ = try? vacuum.execute("ROLLBACK") }
        try failLockWaitsAfterTwoSeconds()
        XCTAssertEqual(try retrain(), 2)
    }

    /// Nor for a transaction that read the model's views (a long report): views that stay as they
    /// are are not replaced, which would take a lock that waits for the report and holds up every
    /// reader after it. The report's next statement sees the new version.
    func testRetrainingDoesNotWaitForReadersOfTheViews() throws {
        try train()
        let report = try openTransaction("SELECT count(*) FROM aepg.pts_flags", "SELECT count(*) FROM aepg.pts_clusters",
                                         "SELECT count(*) FROM aepg.pts_cluster_profile")
        defer { _ = try? report.execute("ROLLBACK") }
        try failLockWaitsAfterTwoSeconds()
        var overrides = TrainOptions()
        overrides.contamination = 0.05
        XCTAssertEqual(try retrain(overrides), 2)
        XCTAssertEqual(try report.execute("SELECT count(*) FROM aepg.pts_flags WHERE flagged").int(0, 0), 20, "the new version's flags")
        try connection.execute("SELECT aepg.activate('pts', 1)")
    }

    /// Each version's results are a partition of the results table. Dropping an old one takes
    /// the table's exclusive lock, so while a report reads the views the old results stay (and
    /// nothing waits); a later training drops them.
    func testOldResultsGoWithALaterTrainingWhenAReportHoldsThem() throws {
        try train()
        try train()
        let report = try openTransaction("SELECT count(*) FROM aepg.pts_flags")
        try failLockWaitsAfterTwoSeconds()
        XCTAssertEqual(try retrain(), 3)
        XCTAssertEqual(try versionsWithResults(), [1, 2, 3], "version 1 stays while the report is open")
        try report.execute("ROLLBACK")
        XCTAssertEqual(try retrain(), 4)
        XCTAssertEqual(try versionsWithResults(), [3, 4])
        XCTAssertEqual(try count("SELECT count(*) FROM pg_inherits WHERE inhparent = 'aepg.pts_results'::regclass"), 2,
                       "one partition per version kept")
    }

    /// A reader's view on an old version's partition, held in an open transaction, neither stops
    /// a training nor makes it wait (dropping the partition would wait for the view's lock): the
    /// partition is emptied and stays, and a later training drops it. Something beyond views built
    /// on one old partition (a function taking its rows) keeps that one alone, emptied.
    func testOldResultsThatCannotGoAreEmptiedAndNothingWaits() throws {
        try train()
        try train()
        let reader = try PGConnection(conninfo)
        try reader.execute("CREATE TEMPORARY VIEW held AS SELECT * FROM aepg.pts_results_1")
        try reader.execute("BEGIN")
        try reader.execute("COMMENT ON VIEW pg_temp.held IS 'a lock on the view alone'")
        try failLockWaitsAfterTwoSeconds()
        XCTAssertEqual(try retrain(), 3)
        XCTAssertEqual(try partitionVersions(), [[1], [2], [3]])
        XCTAssertEqual(try versionsWithResults(), [2, 3], "version 1's partition stays, emptied")
        try reader.execute("ROLLBACK")

        try connection.execute("CREATE FUNCTION public.takes_old_rows(aepg.pts_results_2) RETURNS int LANGUAGE sql AS 'SELECT 1'")
        XCTAssertEqual(try retrain(), 4)
        XCTAssertEqual(try partitionVersions(), [[2], [3], [4]], "version 1 went; version 2 stays for the function")
        XCTAssertEqual(try versionsWithResults(), [3, 4])
    }

    /// A version activated between a training's publication and its clean-up keeps its results.
    func testTheActiveVersionKeepsItsResultsWhateverTheCleanUpIsTold() throws {
        try train()
        try train()
        try connection.execute("SELECT aepg.activate('pts', 1)")
        XCTAssertNil(try connection.execute("SELECT aepg.drop_old_results('pts', ARRAY[3, 2])").string(0, 0))
        XCTAssertEqual(try versionsWithResults(), [1, 2])
        // With the model's row locked it does nothing, says so, and leaves the caller's lock_timeout.
        let holder = try openTransaction("SELECT 1 FROM aepg.models WHERE name = 'pts' FOR UPDATE")
        try connection.execute("BEGIN")
        try connection.execute("SET LOCAL lock_timeout = '5s'")
        XCTAssertNotNil(try connection.execute("SELECT aepg.drop_old_results('pts', ARRAY[2])").string(0, 0))
        XCTAssertEqual(try connection.execute("SHOW lock_timeout").string(0, 0), "5s")
        try connection.execute("COMMIT")
        try holder.execute("ROLLBACK")
        XCTAssertThrowsError(try connection.execute("SELECT aepg.new_results('pts', -1)")) { error in
            XCTAssertEqual((error as? PGError)?.sqlState, "22023", "\(error)")
        }
        // A bound below zero prints quoted: ('-1').
        try connection.execute("CREATE TABLE aepg.pts_results_below PARTITION OF aepg.pts_results FOR VALUES IN (-1)")
        XCTAssertEqual(try partitionVersions().first, [-1])
    }

    /// Publishing locks the model's catalog row FOR NO KEY UPDATE: a session holding it FOR KEY
    /// SHARE (as a foreign key does) holds nothing up; one holding it FOR SHARE makes the
    /// training fail with what to do, after the session's lock timeout, instead of waiting.
    func testALockedCatalogRowFailsThePublicationInsteadOfHoldingIt() throws {
        try train()
        let other = try openTransaction("SELECT name FROM aepg.models WHERE name = 'pts' FOR KEY SHARE")
        try failLockWaitsAfterTwoSeconds()
        XCTAssertEqual(try retrain(), 2)
        try other.execute("ROLLBACK")
        try other.execute("BEGIN")
        _ = try other.execute("SELECT name FROM aepg.models WHERE name = 'pts' FOR SHARE")
        XCTAssertThrowsError(try TrainPipeline(model: ModelName("pts"), logger: quiet).run(on: connection)) { error in
            XCTAssertTrue("\(error)".contains("stayed locked by another session for 2s"), "\(error)")
        }
        try other.execute("ROLLBACK")
        XCTAssertEqual(try count("SELECT active_version FROM aepg.models WHERE name = 'pts'"), 2)
    }

    /// The results' COPY stays open while the rows are scored, which is aepg's work: a session's
    /// statement_timeout, which every statement here passes with room (few columns to read, a
    /// small network to store), does not end the training because scoring 30,000 rows with two
    /// 256-wide layers outlasts it; and it is the session's again afterwards.
    func testAStatementTimeoutDoesNotCutTheScoringShort() throws {
        try connection.execute("""
            CREATE TABLE many_rows AS SELECT i AS id, sin(i / 97.0) AS a, cos(i / 89.0) AS b, sin(i / 13.0) AS c, cos(i / 7.0) AS d
              FROM generate_series(1, 30000) AS i
            """)
        try connection.execute("ALTER TABLE many_rows ADD PRIMARY KEY (id)")
        var options = TrainOptions()
        options.kind = .dense
        options.hidden = [256, 256]
        options.latent = 4
        options.epochs = 1
        options.epochRows = 256
        options.validation = 0
        options.clusters = 2
        try connection.execute("SET statement_timeout = '400ms'")
        let summary = try train("many", table: "public.many_rows", label: nil, options: options)
        XCTAssertEqual(summary.rows, 30_000)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.many_results"), 30_000)
        XCTAssertEqual(try connection.execute("SHOW statement_timeout").string(0, 0), "400ms")
    }

    private func partitionVersions() throws -> [[Int]] {
        let result = try connection.execute("SELECT array_to_string(versions, ',') FROM aepg.results_partitions('aepg.pts_results') ORDER BY versions")
        return (0..<result.rowCount).map { (result.string($0, 0) ?? "").split(separator: ",").compactMap { Int($0) } }
    }

    /// Trains the stored model `pts` again (with `overrides`) and returns the new version.
    private func retrain(_ overrides: TrainOptions = TrainOptions()) throws -> Int {
        try TrainPipeline(model: ModelName("pts"), overrides: overrides, logger: quiet).run(on: connection).version
    }

    /// Another session, with a transaction open in which `statements` ran: it holds what they
    /// locked until it ends.
    private func openTransaction(_ statements: String...) throws -> PGConnection {
        let session = try PGConnection(conninfo)
        try session.execute("BEGIN")
        for statement in statements { _ = try session.execute(statement) }
        return session
    }

    /// The test's session gives up a lock wait after 2 s, for the rest of the test: a training
    /// that would wait fails instead of hanging the test.
    private func failLockWaitsAfterTwoSeconds() throws {
        try connection.execute("SET lock_timeout = '2s'")
    }

    private func versionsWithResults() throws -> [Int] {
        let result = try connection.execute("SELECT DISTINCT version FROM aepg.pts_results ORDER BY 1")
        return (0..<result.rowCount).compactMap { result.int($0, 0) }
    }

    /// Same seed, same data: the same score, cluster and latent vector on every row, with the
    /// random parts of training (dropout, input noise) switched on too, and with the server
    /// set to scan even this small table in parallel (whose workers return rows in any order).
    func testSameSeedSameScores() throws {
        try connection.execute("SET parallel_setup_cost = 0")
        try connection.execute("SET parallel_tuple_cost = 0")
        try connection.execute("SET min_parallel_table_scan_size = 0")
        try connection.execute("SET parallel_leader_participation = off")
        var options = Self.fast
        options.kind = .denoising
        options.noise = .mask(0.2)
        options.dropout = 0.1
        let a = try train(options: options)
        let b = try train(options: options)
        XCTAssertEqual(a.threshold, b.threshold)
        XCTAssertEqual(try count("""
            SELECT count(*) FROM aepg.pts_results x JOIN aepg.pts_results y ON y.id = x.id AND y.version = 2
             WHERE x.version = 1 AND x.score = y.score AND x.cluster = y.cluster AND x.latent = y.latent
            """), 400)
        options.seed = 7
        _ = try train(options: options)
        XCTAssertLessThan(try count("""
            SELECT count(*) FROM aepg.pts_results x JOIN aepg.pts_results y ON y.id = x.id AND y.version = 3
             WHERE x.version = 2 AND x.score = y.score
            """), 400, "another seed gives other scores, so the comparison above can fail")
    }

    func testTrainOnNormalFitsLabelZeroRowsButScoresAll() throws {
        var options = Self.fast
        options.trainOn = .normal
        let summary = try train(options: options)
        XCTAssertEqual(summary.history.trainingRows + summary.history.validationRows, 390)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_results"), 400)
        XCTAssertEqual(try count("SELECT training_rows FROM aepg.versions"), 390)
    }

    func testDroppingAModelRemovesItsObjects() throws {
        try train()
        try Catalog(connection: connection).drop(ModelName("pts"))
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models"), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.versions"), 0)
        XCTAssertNil(try connection.execute("SELECT to_regclass('aepg.pts_results')").string(0, 0))
        XCTAssertNil(try connection.execute("SELECT to_regclass('aepg.pts_flags')").string(0, 0))
    }

    func testInitIsIdempotent() throws {
        try train()
        try SchemaInstaller.install(on: connection)
        try SchemaInstaller.install(on: connection)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_results"), 400, "reinstalling keeps the data")
    }
}

extension TrainPipelineTests {
    func testEvaluateStoresMetricsAgainstTheLabel() throws {
        try train()
        let e = try EvaluatePipeline(model: ModelName("pts")).run(on: connection)
        XCTAssertEqual(e.rows, 400)
        XCTAssertEqual(e.positives, 10)
        XCTAssertGreaterThan(e.metrics!.rocAUC, 0.9)
        XCTAssertEqual(e.metrics!.truePositives + e.metrics!.falseNegatives, 10)
        XCTAssertEqual(e.precisionAtTop1Percent, 1, "the 4 top-scoring rows are the outliers")
        let stored = try connection.execute("SELECT version, label, (metrics->>'roc_auc')::float8 FROM aepg.evaluations")
        XCTAssertEqual(stored.int(0, 0), 1)
        XCTAssertEqual(stored.string(0, 1), "label")
        XCTAssertEqual(stored.double(0, 2)!, e.metrics!.rocAUC, accuracy: 1e-12)

        let cli = try CommandLineRunner.run(["evaluate", "pts", "--db", conninfo])
        XCTAssertEqual(cli.status, 0, cli.stderr)
        XCTAssertTrue(cli.stdout.contains("pts version 1 against label: 400 rows, 10 anomalies"), cli.stdout)
        XCTAssertTrue(cli.stdout.contains("confusion matrix"), cli.stdout)
        try connection.execute("SELECT aepg.enqueue('evaluate', 'pts')")
        XCTAssertEqual(try CommandLineRunner.run(["worker", "--exit-when-idle", "--db", conninfo]).status, 0)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.jobs WHERE status = 'done' AND result ? 'roc_auc'"), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.evaluations"), 3)

        try connection.execute("ALTER TABLE points ADD COLUMN note text")
        XCTAssertThrowsError(try EvaluatePipeline(model: ModelName("pts"), label: "note").run(on: connection))
    }
}
