import AEPG
import Foundation
import PGClient
import TestSupport
import XCTest

/// The defects of the SQL surface that show through the command line (issue 11: 6–9, 11), each
/// as a user meets it. The SQL-only ones are in test/sql (SQLRegressionTests).
final class SurfaceDefectTests: DatabaseTestCase {
    private func aepg(_ arguments: String...) throws -> CommandLineRunner.Outcome {
        try CommandLineRunner.run(arguments)
    }

    private func createNaNTable(_ name: String) throws {
        try connection.execute("CREATE TABLE \(name) AS SELECT * FROM points")
        try connection.execute("ALTER TABLE \(name) ADD PRIMARY KEY (id)")
        try connection.execute("UPDATE \(name) SET a = 'NaN' WHERE id = 7")
    }

    /// 7: a redefinition whose training fails leaves the stored definition as it was, and a
    /// failed first training leaves no definition behind.
    func testAFailedTrainingChangesNoDefinition() throws {
        try train()
        try createNaNTable("t_nan")
        let redefined = try aepg("train", "--db", conninfo, "--table", "t_nan", "--key", "id", "--exclude", "label", "--name", "pts")
        XCTAssertEqual(redefined.status, 65, redefined.stderr)
        XCTAssertEqual(try connection.execute("SELECT source::text FROM aepg.models WHERE name = 'pts'").string(0, 0), "points")
        let first = try aepg("train", "--db", conninfo, "--table", "t_nan", "--key", "id", "--name", "fresh")
        XCTAssertEqual(first.status, 65, first.stderr)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models WHERE name = 'fresh'"), 0)
    }

    /// 8a: a row the realtime trigger (or anyone) writes while `aepg score` runs is not a
    /// duplicate key: the score notices, and scores again around it.
    func testScoringMergesWithRowsWrittenMeanwhile() throws {
        try train()
        try insertPoints("public.points", from: 401, to: 410)
        let other = try PGConnection(conninfo)
        try other.execute("BEGIN")
        try other.execute("""
            INSERT INTO aepg.pts_results (id, version, latent, score) VALUES (401, 1, '{0,0}', 123)
            """)
        let (process, out, err) = try CommandLineRunner.start(["score", "pts", "--db", conninfo],
                                                              directory: FileManager.default.temporaryDirectory)
        // Wait until the score waits for the uncommitted row, then let it go.
        try wait(60, "the score waiting for the other writer") {
            try count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") > 0
        }
        try other.execute("COMMIT")
        process.waitUntilExit()
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationStatus, 0, stderr)
        // The row written meanwhile stands (as a realtime score would); the other nine are scored.
        XCTAssertEqual((try? String(contentsOf: out, encoding: .utf8)) ?? "", "scored 9 rows\n")
        XCTAssertTrue(stderr.contains("were written while scoring; scoring again"), stderr)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_results WHERE id BETWEEN 401 AND 410 AND version = 1"), 10)
    }

    /// 8b: a model whose catalog row was deleted while its results table stayed trains again.
    func testAModelDeletedBehindItsResultsTrainsAgain() throws {
        try train()
        try connection.execute("DELETE FROM aepg.models WHERE name = 'pts'")
        XCTAssertEqual(try train().version, 1)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_flags"), 400)
    }

    /// 9: names that collide with aepg's own are settled before training: renamed in the views,
    /// or refused with the reason (exit 64) before any row is read.
    func testNameCollisionsAreSettledBeforeTraining() throws {
        try connection.execute("CREATE TABLE clash AS SELECT id, a AS score, b AS cluster, c AS flagged, d FROM points")
        try connection.execute("ALTER TABLE clash ADD PRIMARY KEY (id)")
        let clash = try aepg("train", "--db", conninfo, "--table", "clash", "--key", "id", "--name", "clash", "--epochs", "2")
        XCTAssertEqual(clash.status, 0, clash.stderr)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.clash_flags WHERE source_score IS NOT NULL AND score IS NOT NULL"), 400)

        try connection.execute("CREATE TABLE versioned AS SELECT id AS version, a, b FROM points")
        let key = try aepg("train", "--db", conninfo, "--table", "versioned", "--key", "version", "--name", "versioned")
        XCTAssertEqual(key.status, 64, key.stderr)
        XCTAssertTrue(key.stderr.contains("a name the results table uses itself"), key.stderr)

        let twice = try aepg("train", "--db", conninfo, "--table", "points", "--key", "id", "--features", "a,a,b", "--name", "twice")
        XCTAssertEqual(twice.status, 64, twice.stderr)
        XCTAssertTrue(twice.stderr.contains("features name a column more than once: a"), twice.stderr)

        let label = try aepg("train", "--db", conninfo, "--table", "points", "--key", "id", "--features", "a,label",
                             "--label", "label", "--name", "peek")
        XCTAssertEqual(label.status, 64, label.stderr)
        XCTAssertTrue(label.stderr.contains("cannot be both a feature and the label"), label.stderr)

        let long = String(repeating: "x", count: 61)
        try connection.execute("CREATE TABLE longnames AS SELECT id, a AS \(long)_1, b AS \(long)_2 FROM points")
        try connection.execute("ALTER TABLE longnames ADD PRIMARY KEY (id)")
        let prefix = try aepg("train", "--db", conninfo, "--table", "longnames", "--key", "id", "--name", "longnames", "--epochs", "2")
        XCTAssertEqual(prefix.status, 0, prefix.stderr)
        XCTAssertEqual(try count("""
            SELECT count(*) FROM information_schema.columns
             WHERE table_schema = 'aepg' AND table_name = 'longnames_cluster_profile' AND column_name LIKE 'mean_x%'
            """), 2)

        let columns = (1...1_598).map { "c\($0) float8" }.joined(separator: ", ")
        try connection.execute("CREATE TABLE wide (id int PRIMARY KEY, \(columns))")
        let wide = try aepg("train", "--db", conninfo, "--table", "wide", "--key", "id", "--name", "wide")
        XCTAssertEqual(wide.status, 64, wide.stderr)
        XCTAssertTrue(wide.stderr.contains("1598 feature columns are more than aepg takes (1590)"), wide.stderr)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models WHERE name IN ('versioned', 'twice', 'peek', 'wide')"), 0)
    }

    /// 11: the smaller ones, each with its exit status.
    func testSmallerDefectsExitAsTheReadmeSays() throws {
        try train()
        // A score while the model trains: busy (75).
        let trainer = try PGConnection(conninfo)
        XCTAssertEqual(try trainer.execute("SELECT pg_try_advisory_lock(hashtext('aepg.train:pts'))").bool(0, 0), true)
        let busy = try aepg("score", "pts", "--db", conninfo)
        XCTAssertEqual(busy.status, 75, busy.stderr)
        XCTAssertTrue(busy.stderr.contains("is already being trained"), busy.stderr)
        try trainer.execute("SELECT pg_advisory_unlock_all()")

        // A text label: a clear usage error before any work.
        try connection.execute("CREATE TABLE texty AS SELECT id, a, b, CASE WHEN label = 1 THEN 'bad' ELSE 'good' END AS kind FROM points")
        let text = try aepg("train", "--db", conninfo, "--table", "texty", "--key", "id", "--label", "kind", "--name", "texty")
        XCTAssertEqual(text.status, 64, text.stderr)
        XCTAssertTrue(text.stderr.contains("label column \"kind\" of public.texty has type text"), text.stderr)

        // --train-on normal needs a 0/1 label, not classes.
        try connection.execute("CREATE TABLE classes AS SELECT id, a, b, (id % 3) AS class FROM points")
        let classes = try aepg("train", "--db", conninfo, "--table", "classes", "--key", "id", "--label", "class",
                               "--train-on", "normal", "--name", "classes")
        XCTAssertEqual(classes.status, 64, classes.stderr)
        XCTAssertTrue(classes.stderr.contains("--train-on normal needs a 0/1 label"), classes.stderr)

        // A worker that cannot connect, and a bad width: 69 and 64.
        let worker = try aepg("worker", "--db", "host=/nonexistent port=1", "--exit-when-idle")
        XCTAssertEqual(worker.status, 69, worker.stderr)
        let wide = try aepg("train", "pts", "--db", conninfo, "--hidden", "20000")
        XCTAssertEqual(wide.status, 64, wide.stderr)
        XCTAssertTrue(wide.stderr.contains("--hidden must be widths from 1 to 4096, not 20000"), wide.stderr)
        let huge = try aepg("train", "pts", "--db", conninfo, "--hidden", "4096,4096", "--batch-size", "1000000")
        XCTAssertEqual(huge.status, 64, huge.stderr)
        XCTAssertTrue(huge.stderr.contains("--batch-size and --hidden would need about"), huge.stderr)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.versions WHERE model = 'pts'"), 1, "nothing was trained")
    }
}
