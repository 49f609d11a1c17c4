import AEPG
import PGClient
import TestSupport
import XCTest

/// Realtime scoring where the writers' transactions or the source's shape are out of the ordinary.
final class RealtimeScoringTests: DatabaseTestCase {
    /// Two serializable writers that share no rows: each commits. Had the trigger read aepg's
    /// catalog and written results and notes in their transactions, the predicate locks it took
    /// would tie them together and fail the second COMMIT (40001), where the trigger cannot catch
    /// it, and the rows would be lost. Their rows are left for `aepg score`.
    func testSerializableWritersAreNotFailedByScoring() throws {
        try train()
        try connection.execute("SELECT aepg.enable_realtime('pts')")
        let v = try PGConnection(conninfo), w = try PGConnection(conninfo)
        for writer in [v, w] { try writer.execute("BEGIN ISOLATION LEVEL SERIALIZABLE") }
        try v.execute("INSERT INTO points VALUES (7031, 0.1, 0.2, 0.3, 0.4, 0)")
        try w.execute("INSERT INTO points VALUES (7041, 0.1, 0.2, 0.3, 0.4, 0)")
        try v.execute("INSERT INTO points VALUES (7032, 'NaN', 0.2, 0.3, 0.4, 0)")
        try w.execute("INSERT INTO points VALUES (7042, 'NaN', 0.2, 0.3, 0.4, 0)")
        XCTAssertEqual(try v.execute("""
            SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
             WHERE l.pid = pg_backend_pid() AND l.mode = 'SIReadLock' AND c.relnamespace = 'aepg'::regnamespace
            """).int(0, 0), 0, "predicate locks on aepg's tables")
        try v.execute("COMMIT")
        XCTAssertNoThrow(try w.execute("COMMIT"))
        XCTAssertEqual(try count("SELECT count(*) FROM points WHERE id IN (7031, 7032, 7041, 7042)"), 4)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_results WHERE id > 7000"), 0, "left for aepg score")
        try connection.execute("DELETE FROM points WHERE id IN (7032, 7042)")  // aepg score refuses NaN
        _ = try ScorePipeline(model: ModelName("pts"), logger: quiet).run(on: connection, conninfo: conninfo)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_results WHERE id IN (7031, 7041)"), 2)
        // Outside serializable transactions the trigger scores at once, as before.
        try connection.execute("INSERT INTO points VALUES (7051, 0.1, 0.2, 0.3, 0.4, 0)")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_results WHERE id = 7051"), 1)
    }

    /// A partitioned source: the trigger runs as a clone on each partition and scores rows that
    /// land in any of them (it used to see the partition, not the source, and do nothing).
    func testRealtimeScoringCoversEveryPartitionOfAPartitionedSource() throws {
        try connection.execute("""
            CREATE TABLE parts (id int, a float8, b float8, c float8, d float8, label int, PRIMARY KEY (id)) PARTITION BY RANGE (id)
            """)
        try connection.execute("CREATE TABLE parts_low PARTITION OF parts FOR VALUES FROM (MINVALUE) TO (1000)")
        try connection.execute("CREATE TABLE parts_high PARTITION OF parts FOR VALUES FROM (1000) TO (MAXVALUE)")
        try connection.execute("INSERT INTO parts SELECT * FROM points")
        _ = try train("prt", table: "public.parts")
        try connection.execute("SELECT aepg.enable_realtime('prt')")
        try connection.execute("INSERT INTO parts VALUES (0, 0.5, 0.8, 1.3, 25, 1), (1001, 0.5, 0.8, 1.3, 0.2, 0)")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.prt_results r JOIN aepg.models m ON m.name = 'prt' AND r.version = m.active_version WHERE id IN (0, 1001)"), 2)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_failures"), 0)
        // A table that is not a partition of the source still does nothing, trigger or not.
        try connection.execute("CREATE TABLE stray (LIKE parts)")
        try connection.execute("CREATE TRIGGER t AFTER INSERT ON stray FOR EACH ROW EXECUTE FUNCTION aepg.realtime_trigger('prt')")
        try connection.execute("INSERT INTO stray VALUES (2002, 0.5, 0.8, 1.3, 0.2, 0)")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.prt_results WHERE id = 2002"), 0)
    }
}
