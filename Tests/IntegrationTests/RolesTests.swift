import AEPG
import PGClient
import TestSupport
import XCTest

/// `aepg init --roles`: what readers, operators and workers may and may not do.
final class RolesTests: DatabaseTestCase {
    private func connect(as role: String) throws -> PGConnection {
        try PGConnection(conninfo + " user=\(role)")
    }

    private func assertDenied(_ connection: PGConnection, _ sql: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try connection.execute(sql), sql, file: file, line: line) { error in
            XCTAssertEqual((error as? PGError)?.sqlState, "42501", "\(error)", file: file, line: line)
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
        try connection.execute("CREATE TABLE secret (id int PRIMARY KEY, salary float8)")
        try connection.execute("INSERT INTO secret VALUES (1, 100000)")
        try connection.execute("GRANT SELECT ON points TO t_operator, t_worker")
    }

    override func tearDown() {
        TestDatabase.drop(databaseName)
        if let server = try? PGConnection(try TestDatabase.serverConninfo()) {
            for login in ["t_reader", "t_operator", "t_worker"] { _ = try? server.execute("DROP ROLE IF EXISTS \(login)") }
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
        XCTAssertNotNil(try operatorRole.execute("SELECT aepg.enqueue('train', 'pts')").int(0, 0))
        try operatorRole.execute("SELECT aepg.create_model('pts2', 'points', 'id')")
        try operatorRole.execute("SELECT aepg.activate('pts', 1)")
        assertDenied(operatorRole, "SELECT aepg.create_model('spy', 'secret', 'id')")
        assertDenied(operatorRole, "INSERT INTO aepg.jobs (kind, model) VALUES ('train', 'pts')")
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
        try operatorRole.execute("SELECT aepg.enqueue('train', 'pts', '{\"epochs\": 2}')")
        try operatorRole.execute("SELECT aepg.enqueue('score', 'pts')")
        let ran = try Worker(conninfo: conninfo + " user=t_worker", pollSeconds: 0.2, exitWhenIdle: true, logger: quiet)
            .run(until: StopFlag())
        XCTAssertEqual(ran, 2)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.jobs WHERE status = 'done'"), 2)
        XCTAssertEqual(try count("SELECT max(version) FROM aepg.versions WHERE model = 'pts'"), 3)
    }
}
