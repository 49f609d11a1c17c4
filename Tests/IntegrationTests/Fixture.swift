import AEPG
import Logging
import PGClient
import TestSupport
import XCTest

/// A fresh database per test case with the aepg schema and a synthetic table:
/// `public.points(id, a, b, c, d, label)`, 400 rows on a smooth curve, every 40th row an outlier.
class DatabaseTestCase: XCTestCase {
    var conninfo: String!
    var connection: PGConnection!
    let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// The database name: one per test class, so classes can run in any order.
    var databaseName: String { "aepg_" + String(describing: type(of: self)).lowercased() }

    override func setUpWithError() throws {
        conninfo = try TestDatabase.fresh(databaseName)
        connection = try PGConnection(conninfo)
        try SchemaInstaller.install(on: connection)
        try makePoints("public.points", rows: 400)
    }

    override func tearDown() {
        connection = nil
        TestDatabase.drop(databaseName)
    }

    /// Creates a `points`-shaped table with `rows` rows (ids 1...rows).
    func makePoints(_ table: String, rows: Int, key: String = "id") throws {
        try connection.execute("""
            CREATE TABLE \(table) (\(quoteIdentifier(key)) bigint PRIMARY KEY, a float8, b float8, c float8, d float8, label int)
            """)
        try insertPoints(table, from: 1, to: rows, key: key)
    }

    func insertPoints(_ table: String, from: Int, to: Int, key: String = "id") throws {
        try connection.execute("""
            INSERT INTO \(table) (\(quoteIdentifier(key)), a, b, c, d, label)
            SELECT i, sin(i / 10.0), cos(i / 10.0), sin(i / 10.0) + cos(i / 10.0),
                   CASE WHEN i % 40 = 0 THEN 4 ELSE sin(i / 5.0) END,
                   (i % 40 = 0)::int
              FROM generate_series($1::int, $2::int) AS i
            """, [String(from), String(to)])
    }

    /// Trains `model` on `public.points` with small, fast options.
    @discardableResult
    func train(_ model: String = "pts", table: String = "public.points", key: String = "id", features: [String]? = nil,
               label: String? = "label", options: TrainOptions? = nil) throws -> TrainSummary {
        let name = try ModelName(model)
        let definition = ModelDefinition(name: name, source: table, keyColumn: key, features: features,
                                         labelColumn: label, options: options ?? Self.fast)
        return try TrainPipeline(model: name, definition: definition, logger: quiet).run(on: connection)
    }

    /// One small network, trained briefly: the tests of everything but ensembles (EnsembleTests).
    static var fast: TrainOptions {
        var o = TrainOptions()
        o.kind = .dense
        o.hidden = [8]
        o.latent = 2
        o.epochs = 40
        o.batchSize = 32
        o.learningRate = 0.01
        o.clusters = 3
        return o
    }

    func count(_ sql: String, _ parameters: [String?] = []) throws -> Int {
        try connection.execute(sql, parameters).int(0, 0)!
    }

    /// Waits until `condition` holds, for at most `seconds`; past that the test fails.
    func wait(_ seconds: Double, _ what: String, until condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            guard Date() < deadline else { XCTFail("\(what) did not happen within \(seconds) s"); throw CancellationError() }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Starts `aepg train pts` in a process of its own and returns once one of its sessions runs
    /// a statement containing `statement`, waiting for a lock there (or only running it, when not
    /// `waitingForLock`): the test then acts while the training is held at that point.
    func startTraining(epochs: Int, heldAt statement: String, waitingForLock: Bool = true,
                       _ what: String) throws -> (process: Process, stderr: URL) {
        let (process, _, err) = try CommandLineRunner.start(["train", "pts", "--db", conninfo, "--epochs", String(epochs)],
                                                            directory: FileManager.default.temporaryDirectory)
        try wait(60, what) {
            try count("""
                SELECT count(*) FROM pg_stat_activity
                 WHERE query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()
                   AND CASE WHEN $2::boolean THEN wait_event_type = 'Lock' ELSE state = 'active' END
                """, [statement, String(waitingForLock)]) == 1
        }
        return (process, err)
    }

    /// Asserts that `body` throws an AEPGError with `code` whose message contains `fragment`.
    func assertFails<T>(_ code: AEPGError.Code, containing fragment: String, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> T) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let e = error as? AEPGError else { return XCTFail("not an AEPGError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.code, code, e.message, file: file, line: line)
            XCTAssertTrue(e.message.contains(fragment), "\"\(e.message)\" lacks \"\(fragment)\"", file: file, line: line)
        }
    }
}
