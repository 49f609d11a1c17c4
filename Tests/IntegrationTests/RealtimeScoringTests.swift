import AEPG
import PGClient
import TestSupport
import XCTest

/// Realtime scoring where the writers' transactions or the source's shape are out of the ordinary.
final class RealtimeScoringTests: DatabaseTestCase {
    /// The predicate locks `session`'s serializable transaction holds on aepg's tables.
    private func predicateLocksOnAepg(_ session: PGConnection) throws -> Int? {
        try session.execute("""
            SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
             WHERE l.pid = pg_backend_pid() AND l.mode = 'SIReadLock' AND c.relnamespace = 'aepg'::regnamespace
            """).int(0, 0)
    }

    /// Asserts that row `id`'s result (of `version`, or its only one) is the score `aepg.score`
    /// gives the row as it is now.
    private func assertScoredAsItIs(_ id: Int, version: Int? = nil, _ message: String,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try connection.execute(
            "SELECT s.score FROM points p, aepg.score('pts', ARRAY[p.a, p.b, p.c, p.d]) s WHERE p.id = $1", [String(id)]).double(0, 0)!
        let stored = try connection.execute("SELECT score FROM aepg.pts_results WHERE id = $1 AND version = coalesce($2::int, version)",
                                            [String(id), version.map(String.init)]).double(0, 0)!
        XCTAssertEqual(stored, expected, accuracy: 1e-4 * max(abs(expected), 1e-6), message, file: file, line: line)
    }

    /// Runs `sql` in a serializable transaction of `writer`'s, committed unless told not to.
    private func writeSerializably(_ sql: String, on writer: PGConnection, commit: Bool = true) throws {
        try writer.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        try writer.execute(sql)
        if commit { try writer.execute("COMMIT") }
    }

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
        XCTAssertEqual(try predicateLocksOnAepg(v), 0)
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

    /// A row updated in a serializable transaction keeps its old result (the trigger does not
    /// score there, and takes no predicate lock), its key noted; the next `aepg score` scores it
    /// again. A key noted by the trigger on another table (put there by hand) clears nothing.
    func testARowUpdatedInASerializableTransactionIsScoredAgainByAepgScore() throws {
        try train()
        try connection.execute("SELECT aepg.enable_realtime('pts')")
        let old = try connection.execute("SELECT score FROM aepg.pts_results WHERE id = 5").double(0, 0)!
        let writer = try PGConnection(conninfo)
        try writer.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        try writer.execute("UPDATE points SET d = 4 WHERE id = 5")
        XCTAssertEqual(try predicateLocksOnAepg(writer), 0)
        try writer.execute("COMMIT")
        XCTAssertEqual(try connection.execute("SELECT score FROM aepg.pts_results WHERE id = 5").double(0, 0), old, "not scored in the transaction")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_pending WHERE model = 'pts'"), 1)

        try connection.execute("CREATE TABLE other (id bigint PRIMARY KEY, d float8)")
        try connection.execute("INSERT INTO other VALUES (7, 1)")
        try connection.execute("CREATE TRIGGER by_hand AFTER UPDATE ON other FOR EACH ROW EXECUTE FUNCTION aepg.realtime_trigger('pts', 'id')")
        try writer.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        try writer.execute("UPDATE other SET d = 2 WHERE id = 7")
        try writer.execute("COMMIT")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_pending WHERE model = 'pts'"), 2)
        let untouched = try connection.execute("SELECT score FROM aepg.pts_results WHERE id = 7").double(0, 0)

        let expected = try connection.execute(
            "SELECT s.score FROM points p, aepg.score('pts', ARRAY[p.a, p.b, p.c, p.d]) s WHERE p.id = 5").double(0, 0)!
        XCTAssertEqual(try ScorePipeline(model: ModelName("pts"), logger: quiet).run(on: connection, conninfo: conninfo), 1)
        XCTAssertEqual(try connection.execute("SELECT score FROM aepg.pts_results WHERE id = 5").double(0, 0)!, expected,
                       accuracy: 1e-4 * max(expected, 1e-6), "scored again, on the updated row")
        XCTAssertEqual(try connection.execute("SELECT score FROM aepg.pts_results WHERE id = 7").double(0, 0), untouched)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_pending"), 0)
    }

    /// A training reads the rows written in serializable transactions as written, so its new
    /// version settles their notes: they do not pile up where only trainings are scheduled.
    func testATrainingSettlesTheNotesOfTheRowsItRead() throws {
        try train()
        try connection.execute("SELECT aepg.enable_realtime('pts')")
        try writeSerializably("UPDATE points SET d = 4 WHERE id = 5", on: try PGConnection(conninfo))
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_pending WHERE model = 'pts'"), 1)
        let summary = try train()
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_pending WHERE model = 'pts'"), 0, "settled by the new version")
        try assertScoredAsItIs(5, version: summary.version, "the new version scored the row as updated")
    }

    /// Only the notes of transactions committed when the training's read began are settled: one
    /// still open then (its note made in a subtransaction, whose id the snapshot does not list)
    /// or begun after stays for `aepg score`, and another model's notes are not touched.
    func testNotesOfWritesTheReadDidNotSeeStay() throws {
        try train()
        try connection.execute("SELECT aepg.enable_realtime('pts')")
        let open = try PGConnection(conninfo)
        try writeSerializably("UPDATE points SET d = d + 1 WHERE id = 5", on: try PGConnection(conninfo))
        try writeSerializably("UPDATE points SET d = d + 1 WHERE id = 6", on: open, commit: false)
        try connection.execute("INSERT INTO aepg.realtime_pending (model, relid, key_column, key) VALUES ('other', 'points'::regclass, 'id', '9')")
        let snapshot = try connection.execute("SELECT pg_current_snapshot()::text").string(0, 0)!
        try open.execute("COMMIT")
        try writeSerializably("UPDATE points SET d = d + 1 WHERE id = 7", on: try PGConnection(conninfo))
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_pending WHERE model = 'pts'"), 3)
        XCTAssertEqual(try count("SELECT aepg.settle_pending('pts', $1::pg_snapshot)", [snapshot]), 1)
        XCTAssertEqual(try connection.execute("SELECT string_agg(key, ',' ORDER BY key) FROM aepg.realtime_pending").string(0, 0), "6,7,9")
    }

    /// A row written (read committed) while the model trains, after its read: the trigger scores
    /// it into the version then active and notes it, the new version keeps the note (its read did
    /// not see the write), and the next `aepg score` scores the row again under the new version.
    func testARowWrittenWhileTheModelTrainsIsScoredAgainUnderTheNewVersion() throws {
        try train()
        try connection.execute("SELECT aepg.enable_realtime('pts')")
        let blocker = try PGConnection(conninfo)
        try blocker.execute("BEGIN")
        try blocker.execute("SELECT 1 FROM aepg.models WHERE name = 'pts' FOR UPDATE")
        let (process, err) = try startTraining(epochs: 2, heldAt: "FOR NO KEY UPDATE", "the publication waiting for the model's row")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.trainings WHERE model = 'pts'"), 1, "registered while it trains")
        try connection.execute("UPDATE points SET d = 4 WHERE id = 5")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_pending WHERE model = 'pts'"), 1, "noted while the model trains")
        try blocker.execute("COMMIT")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.trainings"), 0, "closed as version 2 was activated")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_pending WHERE model = 'pts'"), 1, "the read did not see the write")

        XCTAssertEqual(try ScorePipeline(model: ModelName("pts"), logger: quiet).run(on: connection, conninfo: conninfo), 1)
        try assertScoredAsItIs(5, version: 2, "scored again, as updated, by version 2")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_pending"), 0)
    }

    /// A training waits for the transactions writing to the source when it registered (their
    /// triggers noted nothing), for a model with realtime scoring on, and for them alone: the
    /// new version has the row as such a writer left it.
    func testATrainingWaitsForTheSourcesWritersOpenWhenItRegistered() throws {
        try train()
        func waited(_ patience: String) throws -> Bool? {
            try connection.execute("SELECT aepg.wait_for_writers('pts', $1::interval)", [patience]).bool(0, 0)
        }
        let writer = try PGConnection(conninfo)
        try writer.execute("BEGIN")
        try writer.execute("UPDATE points SET d = 7 WHERE id = 6")
        XCTAssertEqual(try waited("0.1s"), true, "realtime scoring is off: nothing to wait for")
        try writer.execute("ROLLBACK")
        try connection.execute("SELECT aepg.enable_realtime('pts')")
        let elsewhere = try PGConnection(conninfo)
        try elsewhere.execute("BEGIN")
        try elsewhere.execute("CREATE TABLE unrelated (x int)")
        XCTAssertEqual(try waited("0.1s"), true, "a transaction that does not write the source is not waited for")
        try writer.execute("BEGIN")
        try writer.execute("UPDATE points SET d = 7 WHERE id = 6")
        XCTAssertEqual(try waited("0.1s"), false, "the source's writer is still open")

        let (process, err) = try startTraining(epochs: 1, heldAt: "aepg.wait_for_writers", waitingForLock: false,
                                               "the training waiting for the writer")
        try writer.execute("COMMIT")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        try elsewhere.execute("ROLLBACK")
        try assertScoredAsItIs(6, version: 2, "read as the writer left it")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_pending"), 0)
    }

    /// A REPEATABLE READ writer's rows are scored and noted (its snapshot may predate a
    /// training's registration, and so show neither it nor the version it publishes); a training
    /// that read them settles the notes.
    func testRepeatableReadWritersAreNotedAndSettledByATraining() throws {
        try train()
        try connection.execute("SELECT aepg.enable_realtime('pts')")
        let writer = try PGConnection(conninfo)
        try writer.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        try writer.execute("UPDATE points SET d = 4 WHERE id = 5")
        try writer.execute("COMMIT")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_pending WHERE model = 'pts' AND key = '5'"), 1)
        try assertScoredAsItIs(5, "scored at once as well")
        try train()
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_pending"), 0)
    }

    /// `aepg init` on an installed schema does not wait for a serializable writer noting a row
    /// (a lock on the notes that would hold up every other writer's note behind it).
    func testInitDoesNotWaitForAWriterNotingARow() throws {
        try train()
        try connection.execute("SELECT aepg.enable_realtime('pts')")
        let writer = try PGConnection(conninfo)
        try writeSerializably("UPDATE points SET d = 4 WHERE id = 5", on: writer, commit: false)
        try connection.execute("SET lock_timeout = '500ms'")
        XCTAssertNoThrow(try SchemaInstaller.install(on: connection))
        try connection.execute("RESET lock_timeout")
        try writer.execute("COMMIT")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_pending WHERE model = 'pts'"), 1)
    }

    /// Under SERIALIZABLE a key deleted and inserted again is noted too (its old result would
    /// otherwise stand), a trigger put on the source by hand naming another column as the key
    /// notes nothing that counts, a lock on the notes does not hold up the write, and the notes
    /// are the owner's and the worker's alone.
    func testSerializableNotesCoverReinsertedKeysAndOnlyTheModelsKey() throws {
        try train()
        try connection.execute("SELECT aepg.enable_realtime('pts')")
        try connection.execute("CREATE TRIGGER by_hand AFTER UPDATE ON points FOR EACH ROW EXECUTE FUNCTION aepg.realtime_trigger('pts', 'label')")
        let writer = try PGConnection(conninfo)
        try writer.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        try writer.execute("DELETE FROM points WHERE id = 6")
        try writer.execute("INSERT INTO points VALUES (6, 0.5, 0.5, 1, 4, 0)")
        try writer.execute("UPDATE points SET d = 4 WHERE id = 40")  // label 1: the hand-made trigger notes key '1'
        try writer.execute("COMMIT")

        let blocker = try PGConnection(conninfo)
        try blocker.execute("BEGIN")
        try blocker.execute("LOCK TABLE aepg.realtime_pending IN SHARE MODE")
        try writer.execute("SET statement_timeout = '5s'")
        try writer.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        XCTAssertNoThrow(try writer.execute("UPDATE points SET c = c WHERE id = 7"), "the note waits 200 ms at most")
        XCTAssertNoThrow(try writer.execute("COMMIT"))
        try blocker.execute("ROLLBACK")

        let expected = try connection.execute(
            "SELECT s.score FROM points p, aepg.score('pts', ARRAY[p.a, p.b, p.c, p.d]) s WHERE p.id = 6").double(0, 0)!
        XCTAssertEqual(try ScorePipeline(model: ModelName("pts"), logger: quiet).run(on: connection, conninfo: conninfo), 2,
                       "rows 6 and 40, not row 1")
        XCTAssertEqual(try connection.execute("SELECT score FROM aepg.pts_results WHERE id = 6").double(0, 0)!, expected,
                       accuracy: 1e-4 * max(expected, 1e-6))
        try connection.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        XCTAssertThrowsError(try connection.execute("SELECT aepg.take_pending('pts')"))
        try connection.execute("ROLLBACK")
    }

    /// A source whose key has no unique index: a writer could insert a row under another row's
    /// key, and the trigger would overwrite that row's score (a flagged row made to look normal).
    /// Realtime scoring is refused; switched on by hand, it leaves such rows unscored, noted.
    func testRealtimeScoringNeedsAUniqueKey() throws {
        try connection.execute("CREATE TABLE loose (id bigint, a float8, b float8, c float8, d float8, label int)")
        try connection.execute("INSERT INTO loose SELECT * FROM points")
        _ = try train("lse", table: "public.loose")
        XCTAssertThrowsError(try connection.execute("SELECT aepg.enable_realtime('lse')")) {
            XCTAssertTrue("\($0)".contains("needs a unique index on its key column"), "\($0)")
        }
        try connection.execute("UPDATE aepg.models SET realtime = true WHERE name = 'lse'")
        try connection.execute("CREATE TRIGGER by_hand AFTER INSERT ON loose FOR EACH ROW EXECUTE FUNCTION aepg.realtime_trigger('lse')")
        let flagged = "SELECT score FROM aepg.lse_results WHERE id = 40"
        let before = try connection.execute(flagged).double(0, 0)
        try connection.execute("INSERT INTO loose VALUES (40, sin(4.1), cos(4.1), sin(4.1) + cos(4.1), sin(8.2), 0)")
        XCTAssertEqual(try connection.execute(flagged).double(0, 0), before, "row 40's score was overwritten")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_failures WHERE key = '40' AND reason LIKE '%no unique index%'"), 1)
        try connection.execute("DROP TRIGGER by_hand ON loose")
        try connection.execute("DELETE FROM loose WHERE id = 40 AND label = 0")
        try connection.execute("CREATE UNIQUE INDEX ON loose (id)")
        try connection.execute("SELECT aepg.enable_realtime('lse')")
        try connection.execute("INSERT INTO loose VALUES (401, 0.1, 0.2, 0.3, 0.4, 0)")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.lse_results WHERE id = 401"), 1)
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

extension RealtimeScoringTests {
    /// A row's note carries its key as text, written the same way whatever the writer's date,
    /// time zone and byte settings: the note a row got under one writer's settings is cleared
    /// when another writer fixes the row.
    func testANoteIsClearedWhateverTheWritersSettings() throws {
        try connection.execute("CREATE TABLE dated (at timestamptz PRIMARY KEY, a float8, b float8, c float8, d float8)")
        try connection.execute("INSERT INTO dated SELECT timestamptz '2026-01-01 00:00 UTC' + id * interval '1 hour', a, b, c, d FROM points")
        _ = try train("dtd", table: "public.dated", key: "at", label: nil)
        try connection.execute("SELECT aepg.enable_realtime('dtd')")
        let writer = try PGConnection(conninfo)
        try writer.execute("SET DateStyle = 'SQL, DMY'")
        try writer.execute("SET TimeZone = 'America/New_York'")
        try writer.execute("INSERT INTO dated VALUES ('2027-03-04 05:06:07 UTC', 'NaN', 0, 0, 0)")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_failures WHERE model = 'dtd'"), 1)
        try connection.execute("SET DateStyle = 'ISO, MDY'")
        try connection.execute("UPDATE dated SET a = 0.1 WHERE at = '2027-03-04 05:06:07 UTC'")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_failures WHERE model = 'dtd'"), 0, "the note stayed")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.dtd_results WHERE at = '2027-03-04 05:06:07 UTC'"), 1)
    }
}

extension RealtimeScoringTests {
    /// A unique index that does not hold at every row is not enough: a deferrable key lets a
    /// transaction hold two rows with the same key until it commits.
    func testADeferrableKeyIsNotAUniqueKey() throws {
        try connection.execute("CREATE TABLE deferred (id bigint PRIMARY KEY DEFERRABLE, a float8, b float8, c float8, d float8)")
        try connection.execute("INSERT INTO deferred SELECT id, a, b, c, d FROM points")
        _ = try train("dfr", table: "public.deferred", label: nil)
        XCTAssertThrowsError(try connection.execute("SELECT aepg.enable_realtime('dfr')")) {
            XCTAssertTrue("\($0)".contains("needs a unique index on its key column"), "\($0)")
        }
    }
}

extension RealtimeScoringTests {
    /// Where serializable is the database's default, aepg's own sessions still read committed:
    /// their long reads would otherwise take predicate locks that fail serializable writers.
    func testAepgSessionsTakeNoPartInSerializableChecks() throws {
        try connection.execute("ALTER DATABASE \(databaseName) SET default_transaction_isolation = 'serializable'")
        let session = try Session.connect(conninfo)
        let level = try session.transaction { try session.execute("SHOW transaction_isolation").string(0, 0) }
        XCTAssertEqual(level, "read committed")
        XCTAssertEqual(try PGConnection(conninfo).execute("SHOW transaction_isolation").string(0, 0), "serializable",
                       "the database's default, which the assertion above would otherwise see")
    }
}
