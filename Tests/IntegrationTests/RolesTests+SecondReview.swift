import AEPG
import Foundation
import PGClient
import TestSupport
import XCTest

/// What a second independent review found: code of an operator's run by the worker or by a
/// superuser (a label's cast, a view owned by someone else, a table swapped for a view while the
/// worker waited for it), rows hidden by row-level security reaching the results, and a
/// statement_timeout turning realtime scoring into a rejected write. Each is refused or kept now.
extension RolesTests {
    /// An enum type whose cast to text records who ran it, and a label column of that type.
    private func plantLabelCast() throws {
        try connection.execute("CREATE TABLE ran (who name)")
        try connection.execute("CREATE TYPE public.mood AS ENUM ('ok', 'bad')")
        try connection.execute("""
            CREATE FUNCTION public.noted(public.mood) RETURNS text LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO ran VALUES (current_user); RETURN $1::name::text; END $$
            """)
        try connection.execute("CREATE CAST (public.mood AS text) WITH FUNCTION public.noted(public.mood)")
        try connection.execute("ALTER TABLE points ADD COLUMN lab public.mood DEFAULT 'ok'")
    }

    func testALabelOfSomeonesTypeIsNeitherStoredNorRead() throws {
        try plantLabelCast()
        let operatorRole = try connect(as: "t_operator")
        try operatorRole.execute("SELECT aepg.create_model('labelled', 'points', 'id')")
        assertRefused(operatorRole, "UPDATE aepg.models SET label_column = 'lab' WHERE name = 'labelled'", containing: "which is not built in")
        assertFails(.unsupportedType, containing: "which is not built in") {
            try EvaluatePipeline(model: ModelName("pts"), label: "lab").run(on: try connect(as: "t_worker"))
        }
        assertFails(.unsupportedType, containing: "which is not built in") {
            try EvaluatePipeline(model: ModelName("pts"), label: "lab").run(on: connection)
        }
        XCTAssertEqual(try count("SELECT count(*) FROM ran"), 0, "the label's cast ran")
    }

    func testASuperuserReadsNoViewOwnedBySomeoneElse() throws {
        try connection.execute("GRANT SELECT ON points TO t_viewer")
        try connection.execute("CREATE VIEW their_view AS SELECT id, a, b, c, d FROM points")
        try connection.execute("ALTER VIEW their_view OWNER TO t_viewer")
        try assertTrainingRefused(on: "their_view", as: nil, naming: "is a view owned by t_viewer")
    }

    func testNoModelIsDefinedOverRowsHiddenFromItsDefiner() throws {
        try connection.execute("CREATE TABLE hidden AS SELECT * FROM points")
        try connection.execute("ALTER TABLE hidden ADD PRIMARY KEY (id)")
        try connection.execute("ALTER TABLE hidden ENABLE ROW LEVEL SECURITY")
        try connection.execute("CREATE POLICY visible ON hidden USING (id <= 40)")
        try connection.execute("GRANT SELECT ON hidden TO t_operator")
        let operatorRole = try connect(as: "t_operator")
        XCTAssertEqual(try operatorRole.execute("SELECT count(*) FROM hidden").int(0, 0), 40)
        assertRefused(operatorRole, "SELECT aepg.create_model('peek', 'hidden', 'id')", containing: "hides rows from you")
        XCTAssertThrowsError(try operatorRole.execute("UPDATE aepg.models SET source = 'hidden' WHERE name = 'pts'"))
        // Its owner sees every row, so it may.
        try connection.execute("SELECT aepg.create_model('whole', 'hidden', 'id')")
    }

    /// Row-level security enabled after an operator defined a model: the worker, which bypasses
    /// it, reads the source no further than the operator may see it, that is not at all.
    func testRowLevelSecurityAddedAfterTheDefinitionStillBindsTheWorker() throws {
        try connection.execute("CREATE TABLE later AS SELECT * FROM points")
        try connection.execute("ALTER TABLE later ADD PRIMARY KEY (id)")
        try connection.execute("GRANT SELECT ON later TO t_operator, t_worker")
        try connection.execute("ALTER ROLE t_worker BYPASSRLS")
        try connect(as: "t_operator").execute("SELECT aepg.create_model('later', 'later', 'id')")
        XCTAssertEqual(try connection.execute("SELECT defined_by::text FROM aepg.models WHERE name = 'later'").string(0, 0), "t_operator")
        try connection.execute("ALTER TABLE later ENABLE ROW LEVEL SECURITY")
        try connection.execute("CREATE POLICY visible ON later USING (id <= 40)")
        assertFails(.unsupportedType, containing: "may hide rows from t_operator, who defined the model") {
            try TrainPipeline(model: ModelName("later"), logger: quiet).run(on: try connect(as: "t_worker"))
        }
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.versions WHERE model = 'later'"), 0)
        // Nor once the definer may no longer read the source at all.
        try connection.execute("ALTER TABLE later DISABLE ROW LEVEL SECURITY")
        try connection.execute("REVOKE SELECT ON later FROM t_operator")
        assertFails(.unsupportedType, containing: "t_operator, who defined the model, may no longer read") {
            try TrainPipeline(model: ModelName("later"), logger: quiet).run(on: try connect(as: "t_worker"))
        }
        // Redefined by the owner, who sees every row, it trains.
        try connection.execute("SELECT aepg.create_model('later', 'later', 'id', options => '{\"kind\": \"dense\", \"epochs\": 2}')")
        XCTAssertEqual(try TrainPipeline(model: ModelName("later"), logger: quiet).run(on: try connect(as: "t_worker")).version, 1)
    }

    /// Runs `body` on another thread while `table` is locked; once `body` waits for the lock,
    /// `change` alters the table in the locking transaction, which then commits. Returns what
    /// `body` threw, or nil.
    private func errorOf(_ body: @escaping @Sendable () throws -> Void, whenWaitingFor table: String,
                         meanwhile change: (PGConnection) throws -> Void) throws -> Error? {
        let changer = try PGConnection(conninfo)
        try changer.execute("BEGIN")
        try changer.execute("LOCK TABLE \(table) IN ACCESS EXCLUSIVE MODE")
        let outcome = Lent<Error?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            do { try body() } catch { outcome.value = error }
            done.signal()
        }.start()
        try wait(30, "the command waiting for \(table)") {
            try count("SELECT count(*) FROM pg_locks WHERE relation = $1::regclass AND NOT granted", [table]) > 0
        }
        try change(changer)
        try changer.execute("COMMIT")
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        return outcome.value
    }

    /// The worker waits for a lock on its source; meanwhile the table is renamed and a view of
    /// someone else's takes its name. The worker reads neither.
    func testASourceSwappedForAViewWhileTheWorkerWaitedIsNotRead() throws {
        try connection.execute("CREATE TABLE swapped AS SELECT * FROM points")
        try connection.execute("ALTER TABLE swapped ADD PRIMARY KEY (id)")
        try connection.execute("GRANT SELECT ON swapped TO t_worker, t_viewer")
        let worker = Lent(try connect(as: "t_worker"))
        let name = try ModelName("swapped")
        let definition = ModelDefinition(name: name, source: "swapped", keyColumn: "id", options: Self.fast)
        let logger = quiet
        let error = try errorOf({ _ = try TrainPipeline(model: name, definition: definition, logger: logger).run(on: worker.value) },
                                whenWaitingFor: "swapped") { swapper in
            try swapper.execute("ALTER TABLE swapped RENAME TO swapped_table")
            try swapper.execute("CREATE VIEW swapped AS SELECT * FROM swapped_table")
            try swapper.execute("ALTER VIEW swapped OWNER TO t_viewer")
            try swapper.execute("GRANT SELECT ON swapped TO t_worker")
        }
        XCTAssertTrue("\(error.map { "\($0)" } ?? "no error")".contains("was replaced by another relation"), "\(String(describing: error))")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models WHERE name = 'swapped'"), 0)
    }

    /// The same with a column: the label is text when checked, and of someone's type with their
    /// cast when read. The evaluation reads neither.
    func testAColumnRetypedWhileAnEvaluationWaitedIsNotRead() throws {
        try plantLabelCast()
        try connection.execute("ALTER TABLE points DROP COLUMN lab")
        try connection.execute("ALTER TABLE points ADD COLUMN tag text DEFAULT 'ok'")
        let superuser = Lent(try PGConnection(conninfo))
        let error = try errorOf({ _ = try EvaluatePipeline(model: ModelName("pts"), label: "tag").run(on: superuser.value) },
                                whenWaitingFor: "points") { changer in
            try changer.execute("ALTER TABLE points RENAME COLUMN tag TO tag_before")
            try changer.execute("ALTER TABLE points ADD COLUMN tag public.mood DEFAULT 'ok'")
        }
        XCTAssertTrue("\(error.map { "\($0)" } ?? "no error")".contains("its columns changed"), "\(String(describing: error))")
        XCTAssertEqual(try count("SELECT count(*) FROM ran"), 0, "the label's cast ran")
    }

    /// The realtime trigger writes a row's result under its own key, whatever the writer's
    /// output settings: a float key printed with fewer digits must not land on a nearby row.
    func testARealtimeResultLandsOnItsOwnFloatKey() throws {
        try connection.execute("CREATE TABLE floats (id float8 PRIMARY KEY, a float8, b float8, c float8, d float8)")
        try connection.execute("INSERT INTO floats SELECT id, a, b, c, d FROM points")
        _ = try train("flt", table: "public.floats", label: nil)
        try connection.execute("SELECT aepg.enable_realtime('flt')")
        let before = try connection.execute("SELECT score FROM aepg.flt_results WHERE id = 1").double(0, 0)
        let writer = try PGConnection(conninfo)
        try writer.execute("SET extra_float_digits = -15")
        try writer.execute("INSERT INTO floats VALUES (1.0000000001, 100, -100, 0, 0)")
        XCTAssertEqual(try connection.execute("SELECT score FROM aepg.flt_results WHERE id = 1").double(0, 0), before, "row 1's score was overwritten")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.flt_results WHERE id = 1.0000000001"), 1)
    }

    /// A statement_timeout that strikes during realtime scoring leaves the write in place; the
    /// rows it did not score are noted for `aepg score`.
    ///
    /// The timeout may also strike between two rows' triggers, outside aepg's code, and then it
    /// cancels the statement as it would without aepg (README, "Realtime scoring"); most of the
    /// statement's time is scoring, so that is rare. Up to three statements are tried: one kept
    /// write shows the guarantee; a trigger that let the timeout through would lose all three.
    /// The timeout that struck is spent for the rest of the statement, so lock waits get its
    /// length as their limit until the transaction ends: a row lock met later would otherwise be
    /// waited for for ever.
    func testATimeoutWhileScoringInRealtimeKeepsTheWrite() throws {
        try connection.execute("SELECT aepg.enable_realtime('pts')")
        let writer = try PGConnection(conninfo)
        try writer.execute("SET statement_timeout = '300ms'")
        var first = 0
        for attempt in 0..<3 {
            first = 10_001 + attempt * 10_000
            do {
                try writer.execute("BEGIN")
                try writer.execute("""
                    INSERT INTO points (id, a, b, c, d, label) SELECT i, 0.1, 0.2, 0.3, 0.4, 0 FROM generate_series($1::int, $1::int + 1999) i
                    """, [String(first)])
                XCTAssertEqual(try writer.execute("SHOW lock_timeout").string(0, 0), "300ms", "lock waits bounded by the spent timeout")
                try writer.execute("COMMIT")
                break
            } catch let error as PGError where error.sqlState == "57014" && attempt < 2 {
                try writer.execute("ROLLBACK")
                continue
            }
        }
        XCTAssertEqual(try writer.execute("SHOW lock_timeout").string(0, 0), "0", "the transaction's end restores it")
        // Within the transaction, the trigger's next statement restores it.
        for attempt in 0..<3 {
            try writer.execute("BEGIN")
            do {
                try writer.execute("INSERT INTO points (id, a, b, c, d, label) SELECT i, 0.1, 0.2, 0.3, 0.4, 0 FROM generate_series($1::int, $1::int + 1999) i",
                                   [String(-10_000 - attempt * 3_000)])
            } catch let error as PGError where error.sqlState == "57014" && attempt < 2 {
                try writer.execute("ROLLBACK")
                continue
            }
            try writer.execute("SET LOCAL statement_timeout = 0")
            try writer.execute("INSERT INTO points VALUES (-1, 0.1, 0.2, 0.3, 0.4, 0)")
            XCTAssertEqual(try writer.execute("SHOW lock_timeout").string(0, 0), "0", "back once the timed-out statement is over")
            try writer.execute("COMMIT")
            break
        }
        XCTAssertEqual(try count("SELECT count(*) FROM points WHERE id >= $1", [String(first)]), 2000)
        let noted = try count("SELECT count(*) FROM aepg.realtime_failures WHERE model = 'pts' AND reason LIKE 'not scored:%statement_timeout%'")
        let scored = try count("SELECT count(*) FROM aepg.pts_results WHERE id >= $1", [String(first)])
        XCTAssertGreaterThan(noted, 0)
        XCTAssertGreaterThanOrEqual(noted + scored, 1999, "every row but the one the timeout struck is scored or noted")
        // A cancel that is not the timeout still cancels.
        try writer.execute("SET statement_timeout = 0")
        let canceller = Lent(try PGConnection(conninfo))
        let pid = writer.backendPID
        Thread {
            Thread.sleep(forTimeInterval: 0.3)
            _ = try? canceller.value.execute("SELECT pg_cancel_backend($1)", [String(pid)])
        }.start()
        XCTAssertThrowsError(try writer.execute("""
            INSERT INTO points (id, a, b, c, d, label) SELECT i, 0.1, 0.2, 0.3, 0.4, 0 FROM generate_series(40001, 420000) i
            """)) { XCTAssertEqual(($0 as? PGError)?.sqlState, "57014", "\($0)") }
        XCTAssertEqual(try count("SELECT count(*) FROM points WHERE id > 40000"), 0)
    }
}

/// A value handed to another thread: set before the thread starts or read after it signals.
private final class Lent<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
