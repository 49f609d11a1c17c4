@testable import AEPG
import PGClient
import TestSupport
import XCTest

/// A large table is read over several connections at once, each its own range of pages, all with
/// one snapshot (`TrainPipeline.readInParts`); what is trained is what one read would give.
final class ReadInPartsTests: DatabaseTestCase {
    /// 3,000 rows of about 450 bytes: some 170 pages, read in parts of 8 pages or more.
    override func setUpWithError() throws {
        try super.setUpWithError()
        try connection.execute("CREATE TABLE public.wide (id int PRIMARY KEY, a float8, b float8, c float8, note text)")
        try connection.execute("""
            INSERT INTO public.wide SELECT i, sin(i / 10.0), cos(i / 10.0), CASE WHEN i % 97 = 0 THEN 5 ELSE sin(i / 5.0) END,
                                           repeat('x', 400)
              FROM generate_series(1, 3000) AS i
            """)
        // Updated rows move to the end of the table: the stored order is not the key order.
        try connection.execute("UPDATE public.wide SET a = a + 0.01 WHERE id % 5 = 0")
    }

    private func pipeline(_ model: String, features: [String] = ["a", "b", "c"], options: TrainOptions = fast,
                          pagesPerPart: Int) throws -> TrainPipeline {
        let name = try ModelName(model)
        var pipeline = TrainPipeline(model: name, definition: ModelDefinition(name: name, source: "public.wide", keyColumn: "id",
                                                                              features: features, options: options),
                                     logger: quiet)
        pipeline.pagesPerReadPart = pagesPerPart
        return pipeline
    }

    private func parts(_ pipeline: TrainPipeline) throws -> Int {
        try connection.transaction {
            let plan = try pipeline.plan(on: connection)
            return try pipeline.partsToRead(plan, on: connection).count
        }
    }

    func testReadingInPartsTrainsWhatOneReadTrains() throws {
        let inParts = try pipeline("parts", pagesPerPart: 8), whole = try pipeline("whole", pagesPerPart: .max)
        XCTAssertEqual(try parts(inParts), min(ProcessInfo.processInfo.activeProcessorCount, TrainPipeline.maximumParts))
        XCTAssertEqual(try parts(whole), 1)
        XCTAssertEqual(try inParts.run(on: connection).rows, 3000)
        XCTAssertEqual(try whole.run(on: connection).rows, 3000)
        XCTAssertEqual(try count("""
            SELECT count(*) FROM aepg.parts_results p JOIN aepg.whole_results w USING (id)
             WHERE p.score = w.score AND p.latent = w.latent AND p.cluster = w.cluster
            """), 3000, "the same rows in the same order: the same model, row for row")
    }

    /// NaN and NULL keys are counted over every part, and refused as from one read.
    func testValuesAepgRefusesAreCountedOverEveryPart() throws {
        try connection.execute("UPDATE public.wide SET b = 'NaN' WHERE id IN (3, 2998)")
        XCTAssertThrowsError(try pipeline("parts", pagesPerPart: 8).run(on: connection)) { error in
            XCTAssertTrue("\(error)".contains("column \"b\" has 2 NaN value(s)"), "\(error)")
        }
    }

    /// Text features (numbered in the order values are first seen) and views (whose rows have no
    /// page of their own) are read whole.
    func testTextFeaturesAndViewsAreReadWhole() throws {
        var labelled = Self.fast
        labelled.categorical = .label
        XCTAssertEqual(try parts(try pipeline("notes", features: ["a", "note"], options: labelled, pagesPerPart: 8)), 1)
        try connection.execute("CREATE VIEW public.wide_view AS SELECT * FROM public.wide")
        let name = try ModelName("viewed")
        var overView = TrainPipeline(model: name, definition: ModelDefinition(name: name, source: "public.wide_view", keyColumn: "id",
                                                                              features: ["a", "b"], options: Self.fast), logger: quiet)
        overView.pagesPerReadPart = 8
        XCTAssertEqual(try parts(overView), 1)
        XCTAssertEqual(try overView.run(on: connection).rows, 3000)
    }

    /// The training's session waits for its parts inside its transaction: a role's
    /// idle_in_transaction_session_timeout does not end it meanwhile.
    func testAnIdleInTransactionTimeoutDoesNotEndTheReadingSession() throws {
        let pipeline = try self.pipeline("parts", pagesPerPart: 8)
        try connection.execute("BEGIN")
        let plan = try pipeline.plan(on: connection)
        try connection.execute("SET LOCAL idle_in_transaction_session_timeout = '15ms'")
        let table = try pipeline.readInParts(try pipeline.partsToRead(plan, on: connection), plan, capacity: 3000, on: connection)
        XCTAssertEqual(table.raw.rows, 3000)
        XCTAssertNoThrow(try connection.execute("COMMIT"))
    }

    /// A table with inheritance children is read whole: their rows would come in another order.
    func testATableWithInheritanceChildrenIsReadWhole() throws {
        try connection.execute("CREATE TABLE public.wide_child () INHERITS (public.wide)")
        XCTAssertEqual(try parts(try pipeline("parts", pagesPerPart: 8)), 1)
    }

    /// A role that may open one connection only trains all the same: the table is read whole.
    func testAnotherConnectionRefusedMeansOneRead() throws {
        XCTAssertEqual(try CommandLineRunner.run(["init", "--roles", "--db", conninfo]).status, 0)
        try connection.execute("DROP ROLE IF EXISTS t_single")
        try connection.execute("CREATE ROLE t_single LOGIN CONNECTION LIMIT 1 IN ROLE aepg_worker")
        defer { _ = try? connection.execute("DROP ROLE IF EXISTS t_single") }
        try connection.execute("GRANT SELECT ON public.wide TO t_single")
        let single = try Session.connect(conninfo + " user=t_single")
        XCTAssertEqual(try pipeline("single", pagesPerPart: 8).run(on: single).rows, 3000)
    }
}

extension ReadInPartsTests {
    /// The training's session holds the source's lock while its parts are read. When someone
    /// queues for an exclusive lock on the source meanwhile (ALTER TABLE), a part would queue
    /// behind them, and they behind the training: a wait PostgreSQL cannot see through. The
    /// parts give way, and the table is read whole on the training's session.
    func testPartsGiveWayToOneReadWhenAnExclusiveLockIsQueued() throws {
        let pipeline = try self.pipeline("parts", pagesPerPart: 8)
        try connection.execute("BEGIN")
        let plan = try pipeline.plan(on: connection)  // pins (locks) public.wide
        let alter = AlterInBackground(conninfo: conninfo)
        // Seen from another session: inside a transaction, pg_stat_activity keeps its first answer.
        let monitor = try PGConnection(conninfo)
        let alterWaits = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'ALTER TABLE public.wide%'"
        try wait(20, "the ALTER TABLE queueing for its lock") { try monitor.execute(alterWaits).int(0, 0) == 1 }
        let table = try pipeline.readInParts(try pipeline.partsToRead(plan, on: connection), plan, capacity: 3000, on: connection)
        XCTAssertEqual(table.raw.rows, 3000)
        XCTAssertEqual(try monitor.execute(alterWaits).int(0, 0), 1, "the ALTER TABLE still waits: nothing waited for it to give up")
        try connection.execute("COMMIT")
        XCTAssertNil(alter.finish(), "the ALTER TABLE runs once the training's read is over")
    }
}

/// An ALTER TABLE of public.wide run on a thread of its own (it waits for the training's lock),
/// with a lock timeout long enough for the test and short enough not to hang it.
private final class AlterInBackground: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var failure: Error?

    init(conninfo: String) {
        Thread { [self] in
            do {
                let session = try PGConnection(conninfo)
                try session.execute("SET lock_timeout = '30s'")
                try session.execute("ALTER TABLE public.wide ADD COLUMN extra int")
            } catch {
                failure = error
            }
            done.signal()
        }.start()
    }

    /// Waits for the ALTER TABLE; its error, if it failed.
    func finish() -> Error? {
        done.wait()
        return failure
    }
}
