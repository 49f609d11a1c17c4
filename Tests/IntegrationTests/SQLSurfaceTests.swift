import Foundation
import AEPG
import PGClient
import XCTest

/// The SQL functions: models managed and scored from SQL, with no worker involved.
final class SQLSurfaceTests: DatabaseTestCase {
    func testScoreInSQLAgreesWithTheWorkerOnEveryRow() throws {
        try train()
        let rows = try connection.execute("""
            SELECT r.score, s.score, r.cluster, s.cluster, r.top_features::text, s.top_features::text,
                   (SELECT max(abs(a - b)) FROM unnest(r.latent, s.latent) AS t(a, b))
              FROM aepg.pts_results r
              JOIN points p ON p.id = r.id
              CROSS JOIN LATERAL aepg.score('pts', ARRAY[p.a, p.b, p.c, p.d]) s
             WHERE r.version = 1
            """)
        XCTAssertEqual(rows.rowCount, 400)
        var sameCluster = 0, sameTop = 0
        for i in 0..<rows.rowCount {
            let worker = rows.double(i, 0)!, sql = rows.double(i, 1)!
            XCTAssertEqual(sql, worker, accuracy: 1e-4 * max(worker, 1e-6), "row \(i)")
            XCTAssertLessThan(rows.double(i, 6)!, 1e-4)
            if rows.int(i, 2) == rows.int(i, 3) { sameCluster += 1 }
            if rows.string(i, 4) == rows.string(i, 5) { sameTop += 1 }
        }
        XCTAssertGreaterThanOrEqual(sameCluster, 398, "clusters agree except, at most, at near-ties")
        XCTAssertGreaterThanOrEqual(sameTop, 390, "top features agree except near-ties")

        let byRow = try connection.execute("""
            SELECT s.score, j.score FROM points p, aepg.score('pts', ARRAY[p.a, p.b, p.c, p.d]) s,
                   aepg.score_row('pts', to_jsonb(p)) j WHERE p.id = 40
            """)
        XCTAssertEqual(byRow.double(0, 0)!, byRow.double(0, 1)!, accuracy: 1e-12)
        let outlier = try connection.execute("SELECT flagged FROM aepg.score_row('pts', to_jsonb((SELECT p FROM points p WHERE id = 40)))")
        XCTAssertEqual(outlier.bool(0, 0), try connection.execute("SELECT flagged FROM aepg.pts_flags WHERE id = 40").bool(0, 0))
    }

    func testScoreInSQLRejectsBadInput() throws {
        try train()
        XCTAssertThrowsError(try connection.execute("SELECT * FROM aepg.score('pts', ARRAY[1, 2]::float8[])")) {
            XCTAssertTrue("\($0)".contains("expects 4 features (a, b, c, d), not 2"), "\($0)")
        }
        XCTAssertThrowsError(try connection.execute("SELECT * FROM aepg.score('nope', ARRAY[1]::float8[])")) {
            XCTAssertTrue("\($0)".contains("does not exist or has no trained version"), "\($0)")
        }
        XCTAssertThrowsError(try connection.execute("SELECT * FROM aepg.score('pts', ARRAY[1, 'NaN', 3, 4]::float8[])")) {
            XCTAssertEqual(($0 as? PGError)?.sqlState, "22023", "\($0)")  // invalid_parameter_value
            XCTAssertTrue("\($0)".contains("feature \"b\" is NaN"), "\($0)")
        }
        // A NULL feature is imputed with its training mean: the same score as giving the mean itself.
        let mean = try XCTUnwrap(connection.execute("""
            SELECT (preprocessing->'center'->>0)::float8 FROM aepg.versions WHERE model = 'pts'
            """).double(0, 0))
        let imputed = try XCTUnwrap(connection.execute("SELECT score FROM aepg.score('pts', ARRAY[NULL, 0.3, 0.2, 0.1]::float8[])").double(0, 0))
        let given = try XCTUnwrap(connection.execute("SELECT score FROM aepg.score('pts', ARRAY[$1::float8, 0.3, 0.2, 0.1])", [String(mean)]).double(0, 0))
        XCTAssertEqual(imputed, given, accuracy: 1e-9 * given)
        let other = try XCTUnwrap(connection.execute("SELECT score FROM aepg.score('pts', ARRAY[$1::float8 + 1, 0.3, 0.2, 0.1])", [String(mean)]).double(0, 0))
        XCTAssertNotEqual(imputed, other, accuracy: 1e-9 * given)
    }

    func testModelsManagedFromSQL() throws {
        try connection.execute("SELECT aepg.create_model('from_sql', 'points', 'id', exclude => ARRAY['d'], label => 'label', options => '{\"hidden\": [6], \"latent\": 2, \"epochs\": 5, \"clusters\": 2}')")
        let summary = try TrainPipeline(model: ModelName("from_sql"), logger: quiet).run(on: connection)
        XCTAssertEqual(summary.features, ["a", "b", "c"])
        XCTAssertEqual(summary.options.hidden, [6])
        let listed = try connection.execute("SELECT name, active_version, roc_auc IS NOT NULL FROM aepg.model_list")
        XCTAssertEqual(listed.string(0, 0), "from_sql")
        XCTAssertEqual(listed.int(0, 1), 1)
        XCTAssertEqual(listed.bool(0, 2), true)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.version_list WHERE active AND epochs = 5"), 1)

        for (call, message) in [
            ("SELECT aepg.create_model('Bad Name', 'points', 'id')", "model name \"Bad Name\" is not allowed"),
            ("SELECT aepg.create_model('x', 'points', 'nokey')", "has no column \"nokey\""),
            ("SELECT aepg.create_model('x', 'no_such_table', 'id')", "does not exist"),
        ] {
            XCTAssertThrowsError(try connection.execute(call)) { XCTAssertTrue("\($0)".contains(message), "\($0)") }
        }
        try connection.execute("ALTER TABLE points ADD COLUMN note text")
        XCTAssertThrowsError(try connection.execute("SELECT aepg.create_model('x', 'points', 'id', features => ARRAY['a', 'note'])")) {
            XCTAssertTrue("\($0)".contains("feature column \"note\" of public.points has type text"), "\($0)")
        }
        try connection.execute(#"SELECT aepg.create_model('texts', 'points', 'id', features => ARRAY['a', 'note'], options => '{"categorical": "onehot"}')"#)
        XCTAssertThrowsError(try connection.execute(#"SELECT aepg.create_model('x', 'points', 'id', options => '{"kinds": "dense"}')"#)) {
            XCTAssertTrue("\($0)".contains("unknown option(s): kinds"), "\($0)")
        }
        // Every option aepg writes is one create_model accepts (the two lists cannot drift apart).
        var every = ResolvedOptions.defaults
        every.contamination = 0.01
        every.noise = .mask(0.1)
        let all = String(decoding: try JSONEncoder().encode(every), as: UTF8.self)
        XCTAssertGreaterThanOrEqual(all.components(separatedBy: "\":").count - 1, 30)
        try connection.execute("SELECT aepg.create_model('every', 'points', 'id', options => $1::jsonb)", [all])

        try connection.execute("SELECT aepg.drop_model('from_sql')")
        try connection.execute("SELECT aepg.drop_model('texts')")
        try connection.execute("SELECT aepg.drop_model('every')")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models"), 0)
        XCTAssertNil(try connection.execute("SELECT to_regclass('aepg.from_sql_flags')").string(0, 0))
    }
}

extension SQLSurfaceTests {
    func testRealtimeScoringFlagsAnInsertedRowAtOnce() throws {
        try train()
        try connection.execute("SELECT aepg.enable_realtime('pts')")
        try connection.execute("INSERT INTO points VALUES (1001, 0.5, 0.8, 1.3, 25, 1)")  // d far off the curve
        let row = try connection.execute("SELECT flagged, score > 0 FROM aepg.pts_flags WHERE id = 1001")
        XCTAssertEqual(row.rowCount, 1, "scored by the trigger, no worker run")
        XCTAssertEqual(row.bool(0, 0), true)
        // The trigger's score equals what the worker gives the same row.
        let viaTrigger = try connection.execute("SELECT score FROM aepg.pts_results WHERE id = 1001").double(0, 0)!
        XCTAssertEqual(try ScorePipeline(model: ModelName("pts"), all: true, logger: quiet).run(on: connection, conninfo: conninfo), 401)
        let viaWorker = try connection.execute("SELECT score FROM aepg.pts_results WHERE id = 1001").double(0, 0)!
        XCTAssertEqual(viaTrigger, viaWorker, accuracy: 1e-4 * viaWorker)
        // Updates rescore; disabling stops it.
        try connection.execute("UPDATE points SET d = sin(1001 / 5.0) WHERE id = 1001")
        XCTAssertEqual(try connection.execute("SELECT flagged FROM aepg.pts_flags WHERE id = 1001").bool(0, 0), false)
        try connection.execute("SELECT aepg.disable_realtime('pts')")
        try connection.execute("INSERT INTO points VALUES (1002, 0, 0, 0, 0, 0)")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_results WHERE id = 1002"), 0)
    }
}

extension SQLSurfaceTests {
    /// In-SQL scoring runs with its own search path: a function someone put on the caller's path
    /// that matches an argument type exactly (the built-in `array_length` takes any array) is not
    /// called, whatever path the caller (a superuser, say) has set.
    func testScoringInSQLIgnoresLookalikeFunctionsOnTheCallersPath() throws {
        try train()
        try connection.execute("CREATE SEQUENCE lookalike_calls")
        try connection.execute("""
            CREATE FUNCTION public.array_length(real[], integer) RETURNS integer LANGUAGE sql
            AS $$ SELECT nextval('lookalike_calls')::int * 0 + pg_catalog.array_length($1, $2) $$
            """)
        try connection.execute("SET search_path = public, pg_catalog")
        defer { _ = try? connection.execute("RESET search_path") }
        XCTAssertNotNil(try connection.execute("SELECT score FROM aepg.score('pts', ARRAY[0.5, 0.5, 1.0, 0.2]::float8[])").double(0, 0))
        XCTAssertEqual(try connection.execute("SELECT is_called FROM lookalike_calls").bool(0, 0), false, "the lookalike ran")
    }
}
