import AEPG
import PGClient
import TestSupport
import XCTest

/// `aepg init --roles`: what readers, operators and workers may and may not do.
final class RolesTests: DatabaseTestCase {
    func connect(as role: String) throws -> PGConnection {
        try PGConnection(conninfo + " user=\(role)")
    }

    /// `sql` fails with SQLSTATE 42501 (insufficient privilege), and a message containing `reason` when given.
    func assertDenied(_ connection: PGConnection, _ sql: String, because reason: String? = nil,
                      file: StaticString = #filePath, line: UInt = #line) {
        assertRefused(connection, sql, sqlState: "42501", containing: reason, file: file, line: line)
    }

    /// `sql` fails, with `sqlState` and a message containing `reason` where given.
    func assertRefused(_ connection: PGConnection, _ sql: String, sqlState: String? = nil, containing reason: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try connection.execute(sql), sql, file: file, line: line) { error in
            if let sqlState { XCTAssertEqual((error as? PGError)?.sqlState, sqlState, "\(error)", file: file, line: line) }
            if let reason { XCTAssertTrue("\(error)".contains(reason), "\(sql): \(error)", file: file, line: line) }
        }
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try train()
        XCTAssertEqual(try CommandLineRunner.run(["init", "--roles", "--db", conninfo]).status, 0)
        for (login, role) in [("t_reader", "aepg_reader"), ("t_operator", "aepg_operator"), ("t_worker", "aepg_worker")] {
            try connection.execute("DROP ROLE IF EXISTS \(login)")
            try connection.execute("CREATE ROLE \(login) LOGIN IN ROLE \(role)")
        }
        // Someone else: the owner of views that aepg must not read.
        try connection.execute("DROP ROLE IF EXISTS t_viewer")
        try connection.execute("CREATE ROLE t_viewer")
        try connection.execute("CREATE TABLE secret (id int PRIMARY KEY, salary float8)")
        try connection.execute("INSERT INTO secret VALUES (1, 100000)")
        try connection.execute("GRANT SELECT ON points TO t_operator, t_worker")
    }

    override func tearDown() {
        TestDatabase.drop(databaseName)
        if let server = try? PGConnection(try TestDatabase.serverConninfo()) {
            for login in ["t_reader", "t_operator", "t_worker", "t_viewer", "t_rival"] { _ = try? server.execute("DROP ROLE IF EXISTS \(login)") }
        }
        connection = nil
    }

    func testReaderReadsAndScoresButChangesNothing() throws {
        let reader = try connect(as: "t_reader")
        // The flags view shows source rows with the reader's own rights on the source.
        assertDenied(reader, "SELECT count(*) FROM aepg.pts_flags")
        try connection.execute("GRANT SELECT ON points TO t_reader")
        XCTAssertEqual(try reader.execute("SELECT count(*) FROM aepg.pts_flags WHERE flagged IS NOT NULL").int(0, 0), 400)
        XCTAssertEqual(try reader.execute("SELECT count(*) FROM aepg.pts_results").int(0, 0), 400)
        XCTAssertNotNil(try reader.execute("SELECT score FROM aepg.score('pts', ARRAY[0, 1, 1, 0]::float8[])").double(0, 0))
        assertDenied(reader, "UPDATE aepg.models SET active_version = 1")
        assertDenied(reader, "DELETE FROM aepg.pts_results")
        assertDenied(reader, "SELECT aepg.drop_model('pts')")
        assertDenied(reader, "SELECT aepg.enqueue('train', 'pts')")
        assertDenied(reader, "SELECT aepg.activate('pts', 1)")
        assertDenied(reader, "SELECT aepg.create_model('spy', 'secret', 'id')")
        assertDenied(reader, "SELECT * FROM secret")
    }

    func testOperatorManagesModelsOnlyOverTablesItCanRead() throws {
        let operatorRole = try connect(as: "t_operator")
        try operatorRole.execute("SELECT aepg.create_model('pts2', 'points', 'id')")
        XCTAssertNotNil(try operatorRole.execute("SELECT aepg.enqueue('train', 'pts2')").int(0, 0))
        assertDenied(operatorRole, "SELECT aepg.create_model('spy', 'secret', 'id')")
        // A job's state is the worker's: an operator sets only its kind, model and arguments.
        assertDenied(operatorRole, "INSERT INTO aepg.jobs (kind, model, status) VALUES ('train', 'pts2', 'done')")
        // Hostile names through the SQL functions: rejected or quoted, never executed.
        XCTAssertThrowsError(try operatorRole.execute("SELECT aepg.create_model('x\"; DROP TABLE points; --', 'points', 'id')"))
        XCTAssertThrowsError(try operatorRole.execute("SELECT aepg.create_model('x', 'points', 'id; DROP TABLE points')"))
        XCTAssertEqual(try count("SELECT count(*) FROM points"), 400)
    }

    func testWorkerRoleTrainsScoresAndRunsJobs() throws {
        let worker = try connect(as: "t_worker")
        let summary = try TrainPipeline(model: ModelName("pts"), logger: quiet).run(on: worker)
        XCTAssertEqual(summary.version, 2)
        try insertPoints("public.points", from: 401, to: 420)
        XCTAssertEqual(try ScorePipeline(model: ModelName("pts"), logger: quiet).run(on: worker, conninfo: conninfo + " user=t_worker"), 20)
        try connection.execute("GRANT SELECT ON points TO t_reader")
        let reader = try connect(as: "t_reader")
        XCTAssertEqual(try reader.execute("SELECT count(*) FROM aepg.pts_flags").int(0, 0), 420, "readers see what the worker wrote")
        assertDenied(worker, "CREATE TABLE aepg.planted (x int)")

        // Jobs an operator queues, a worker logged in as aepg_worker runs.
        let operatorRole = try connect(as: "t_operator")
        try operatorRole.execute("SELECT aepg.create_model('ops', 'points', 'id', options => '{\"epochs\": 2}')")
        try operatorRole.execute("SELECT aepg.enqueue('train', 'ops')")
        try operatorRole.execute("SELECT aepg.enqueue('score', 'ops')")
        let ran = try Worker(conninfo: conninfo + " user=t_worker", pollSeconds: 0.2, exitWhenIdle: true, logger: quiet)
            .run(until: StopFlag())
        XCTAssertEqual(ran, 2)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.jobs WHERE status = 'done'"), 2)
        XCTAssertEqual(try count("SELECT max(version) FROM aepg.versions WHERE model = 'ops'"), 1)
    }

    /// A function an upgrade adds after `aepg init --roles` is not PUBLIC's (a schema's default
    /// privileges cannot take that away), and the worker may call it: it trains and publishes.
    /// Functions others hold through PUBLIC (added by an earlier upgrade) stay theirs.
    func testAFunctionAnUpgradeAddsIsTheWorkersNotPublics() throws {
        try connection.execute("DROP FUNCTION aepg.settle_pending(text, pg_snapshot)")
        try connection.execute("REVOKE EXECUTE ON FUNCTION aepg.has_unique_key(regclass, text) FROM aepg_operator")
        try connection.execute("GRANT EXECUTE ON FUNCTION aepg.has_unique_key(regclass, text) TO PUBLIC")
        try connection.execute("UPDATE aepg.meta SET value = '0.8.0' WHERE key = 'schema_version'")
        try SchemaInstaller.install(on: connection)
        func may(_ role: String, _ function: String) throws -> Bool? {
            try connection.execute("SELECT has_function_privilege($1, $2, 'EXECUTE')", [role, function]).bool(0, 0)
        }
        XCTAssertEqual(try may("public", "aepg.settle_pending(text, pg_snapshot)"), false)
        XCTAssertEqual(try may("aepg_reader", "aepg.settle_pending(text, pg_snapshot)"), false)
        XCTAssertEqual(try may("aepg_operator", "aepg.has_unique_key(regclass, text)"), true, "through PUBLIC, as before")
        XCTAssertEqual(try TrainPipeline(model: ModelName("pts"), logger: quiet).run(on: try connect(as: "t_worker")).version, 2)
    }

    /// Settling the realtime notes never fails a publication: a worker that may not delete them
    /// publishes its version and leaves them for `aepg score`.
    func testAWorkerThatMayNotDeleteNotesStillPublishes() throws {
        try connection.execute("REVOKE DELETE ON aepg.realtime_pending FROM aepg_worker")
        try connection.execute("INSERT INTO aepg.realtime_pending (model, relid, key_column, key) VALUES ('pts', 'points'::regclass, 'id', '5')")
        XCTAssertEqual(try TrainPipeline(model: ModelName("pts"), logger: quiet).run(on: try connect(as: "t_worker")).version, 2)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_pending"), 1)
    }
}

/// What an independent review found after the first fixes: ways to run one's code as the worker
/// or as aepg's owner, and to stall writes through a lock. Each is refused now.
extension RolesTests {
    func testTheWorkerReadsNoSourceThatWouldRunSomeoneElsesCode() throws {
        let worker = try connect(as: "t_worker")
        // A view whose owner is not the worker: its functions would run as the worker.
        try connection.execute("GRANT SELECT ON points TO t_viewer")
        try connection.execute("CREATE VIEW their_view AS SELECT * FROM points")
        try connection.execute("ALTER VIEW their_view OWNER TO t_viewer")
        try connection.execute("GRANT SELECT ON their_view TO t_worker")
        /// Training `model` on `source` as the worker fails with `reason`.
        func assertRefused(_ model: String, on source: String, because reason: String) throws {
            let name = try ModelName(model)
            let definition = ModelDefinition(name: name, source: source, keyColumn: "id", options: Self.fast)
            assertFails(.unsupportedType, containing: reason) {
                try TrainPipeline(model: name, definition: definition, logger: quiet).run(on: worker)
            }
        }
        try assertRefused("viewed", on: "their_view", because: "is a view owned by t_viewer")
        // A table with row-level security the worker does not bypass: its policies would run as the worker.
        try connection.execute("CREATE TABLE policed AS SELECT * FROM points")
        try connection.execute("ALTER TABLE policed ADD PRIMARY KEY (id)")
        try connection.execute("ALTER TABLE policed ENABLE ROW LEVEL SECURITY")
        try connection.execute("CREATE POLICY everything ON policed USING (true)")
        try connection.execute("GRANT SELECT ON policed TO t_worker")
        try assertRefused("policed", on: "policed", because: "has row-level security")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models WHERE name IN ('viewed', 'policed')"), 0)
    }

    /// A key retyped to a domain after its model was defined: the owner's functions refuse it
    /// instead of running the domain's check.
    func testAKeyRetypedToADomainIsRefusedByTheOwnersFunctions() throws {
        try connection.execute("CREATE TABLE ran (who name)")
        try connection.execute("CREATE FUNCTION public.noted(v bigint) RETURNS boolean LANGUAGE sql AS $$ INSERT INTO ran VALUES (current_user) RETURNING true $$")
        try connection.execute("CREATE DOMAIN public.watched AS bigint CHECK (public.noted(VALUE))")
        try connection.execute("DROP TABLE aepg.pts_results CASCADE")
        try connection.execute("ALTER TABLE points ALTER COLUMN id TYPE public.watched")
        assertRefused(connection, "SELECT aepg.prepare_results('pts')", containing: "is not of a built-in type")
        XCTAssertEqual(try count("SELECT count(*) FROM ran WHERE who <> current_user"), 0)
    }

    /// An operator holding a lock on aepg's catalog delays a realtime-scored write by a moment at
    /// most; the write is kept.
    func testALockOnTheCatalogDoesNotHoldUpWrites() throws {
        try connection.execute("SELECT aepg.enable_realtime('pts')")
        let operatorRole = try connect(as: "t_operator")
        try operatorRole.execute("BEGIN")
        try operatorRole.execute("LOCK TABLE aepg.models IN ACCESS EXCLUSIVE MODE")
        let writer = try PGConnection(conninfo)
        try writer.execute("SET statement_timeout = '10s'")
        let started = Date()
        try writer.execute("INSERT INTO points VALUES (5001, 0.1, 0.2, 0.3, 0.4, 0)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the write waited for the lock")
        try operatorRole.execute("ROLLBACK")
        XCTAssertEqual(try count("SELECT count(*) FROM points WHERE id = 5001"), 1)
    }
}
