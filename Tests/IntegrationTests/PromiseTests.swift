import AEPG
import Foundation
import PGClient
import TestSupport
import XCTest

/// What the README promises and no other test held it to (issue 13), each at the level the README
/// states it: through the binary where it speaks of commands and exit statuses.
final class PromiseTests: DatabaseTestCase {
    private func aepg(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandLineRunner.Outcome {
        try CommandLineRunner.run(arguments, environment: environment)
    }

    /// A kill inside the publishing transaction: a concurrent reader keeps seeing the previous
    /// version while it waits, and after the kill nothing of the new version is left.
    func testAKillInsideThePublishingTransactionLeavesThePreviousVersion() throws {
        try train()
        let reader = try PGConnection(conninfo)
        try reader.execute("BEGIN")
        let before = try reader.execute("SELECT count(*), sum(score) FROM aepg.pts_flags").row(0)
        // A lock that keeps writers out of the results table (readers of it take none such) stops
        // the publication inside its transaction, attaching the results, after writing the version row.
        try reader.execute("LOCK TABLE aepg.pts_results IN SHARE MODE")
        let (process, err) = try startTraining(epochs: 2, heldAt: "aepg.attach_results", "the publication waiting for the reader")
        XCTAssertEqual(try count("SELECT count(DISTINCT pid) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.query LIKE '%aepg.attach_results%' AND l.locktype = 'transactionid'"), 1,
                       "the training is inside its publishing transaction")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let during = try reader.execute("SELECT count(*), sum(score) FROM aepg.pts_flags").row(0)
        XCTAssertEqual(try during.int("count"), try before.int("count"))
        XCTAssertEqual(try during.double("sum"), try before.double("sum"))
        try reader.execute("COMMIT")
        try wait(10, "the killed backend going away") {
            try count("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%aepg.attach_results%' AND pid <> pg_backend_pid()") == 0
        }
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.versions"), 1, (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.layers WHERE version = 2"), 0)
        XCTAssertEqual(try count("SELECT active_version FROM aepg.models"), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_flags"), 400)
    }

    /// A model redefined on another source while it trains: the version trained on the old
    /// source is not published under the new definition (its scores would be of other rows).
    /// The redefinition holds the model's row until it commits, so the training waits for it.
    func testAVersionIsNotPublishedIntoAModelRedefinedWhileItTrained() throws {
        try train()
        try makePoints("public.points_too", rows: 300)
        let redefine = try PGConnection(conninfo)
        try redefine.execute("BEGIN")
        try redefine.execute("UPDATE aepg.models SET source = 'public.points_too' WHERE name = 'pts'")
        let (process, err) = try startTraining(epochs: 2, heldAt: "FOR NO KEY UPDATE", "the publication waiting for the redefinition")
        try redefine.execute("COMMIT")
        process.waitUntilExit()
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        XCTAssertNotEqual(process.terminationStatus, 0)
        XCTAssertTrue(stderr.contains("redefined (its source, key or definer changed), while it trained"), stderr)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.versions"), 1, "nothing published")
    }

    /// 69: a database error on a working connection (here: a role with no rights in aepg).
    func testADatabaseErrorWhileConnectedExits69() throws {
        try train()
        try connection.execute("DROP ROLE IF EXISTS aepg_nobody")
        try connection.execute("CREATE ROLE aepg_nobody LOGIN")
        defer { _ = try? connection.execute("DROP ROLE IF EXISTS aepg_nobody") }
        let refused = try aepg(["list", "--db", conninfo + " user=aepg_nobody"])
        XCTAssertEqual(refused.status, 69, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("permission denied for schema aepg"), refused.stderr)
    }

    /// `aepg drop`, and the libpq ways to say where the database is: PG* variables and URIs.
    func testDropAndEveryWayToNameTheDatabase() throws {
        try train()
        // The last of a repeated key counts, as in libpq.
        let parts = Dictionary(conninfo.split(separator: " ").compactMap { pair -> (String, String)? in
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            return kv.count == 2 ? (kv[0], kv[1]) : nil
        }, uniquingKeysWith: { $1 })
        let variables = ["PGHOST": parts["host"]!, "PGPORT": parts["port"]!, "PGUSER": parts["user"]!, "PGDATABASE": parts["dbname"]!]
        let byVariables = try aepg(["list"], environment: variables.merging(["DATABASE_URL": ""]) { $1 })
        XCTAssertEqual(byVariables.status, 0, byVariables.stderr)
        XCTAssertTrue(byVariables.stdout.contains("pts\tpublic.points\tversion 1"), byVariables.stdout)
        let uri = "postgresql://\(parts["user"]!)@/\(parts["dbname"]!)?host=\(parts["host"]!)&port=\(parts["port"]!)"
        let byURI = try aepg(["list", "--db", uri])
        XCTAssertEqual(byURI.status, 0, byURI.stderr)
        XCTAssertEqual(byURI.stdout, byVariables.stdout)
        let byURL = try aepg(["show", "pts"], environment: ["DATABASE_URL": uri])
        XCTAssertEqual(byURL.status, 0, byURL.stderr)

        let dropped = try aepg(["drop", "pts", "--db", uri])
        XCTAssertEqual(dropped.status, 0, dropped.stderr)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models"), 0)
        XCTAssertNil(try connection.execute("SELECT to_regclass('aepg.pts_results')").string(0, 0))
        XCTAssertNil(try connection.execute("SELECT to_regclass('aepg.pts_flags')").string(0, 0))
        let again = try aepg(["drop", "pts", "--db", uri])
        XCTAssertEqual(again.status, 64, again.stderr)
    }

    /// Sharded scoring splits text and uuid keys as it splits integers: every row once.
    func testShardedScoringOnTextAndUUIDKeys() throws {
        for (table, key) in [("texts", "md5(i::text)"), ("uuids", "md5(i::text)::uuid")] {
            try connection.execute("""
                CREATE TABLE \(table) AS SELECT \(key) AS k, sin(i / 10.0) AS a, cos(i / 10.0) AS b FROM generate_series(1, 2000) AS i
                """)
            try connection.execute("ALTER TABLE \(table) ADD PRIMARY KEY (k)")
            var options = Self.fast
            options.epochs = 2
            try train(table, table: table, key: "k", label: nil, options: options)
            try connection.execute("CREATE TEMP TABLE \(table)_whole AS SELECT k, score FROM aepg.\(table)_results")
            try connection.execute("DELETE FROM aepg.\(table)_results")
            let enqueued = try aepg(["score", table, "--shards", "3", "--db", conninfo])
            XCTAssertEqual(enqueued.status, 0, enqueued.stderr)
            let ran = try Worker(conninfo: conninfo, pollSeconds: 0.2, exitWhenIdle: true, logger: quiet).run(until: StopFlag())
            XCTAssertEqual(ran, 3)
            XCTAssertEqual(try count("""
                SELECT count(*) FROM aepg.\(table)_results r JOIN \(table)_whole w USING (k)
                 WHERE abs(r.score - w.score) <= 1e-6 * greatest(abs(w.score), 0.05)
                """), 2000, "\(table): every row scored once, as by an unsharded run")
            XCTAssertEqual(try count("SELECT count(*) FROM aepg.jobs WHERE model = '\(table)' AND (result->>'rows')::int BETWEEN 400 AND 900"), 3,
                           "\(table): shards hold about equal shares")
        }
    }

    /// SIGTERM while a job runs: the worker finishes the job, records it, and exits 0.
    func testSigtermLetsTheRunningJobFinish() throws {
        try train()
        try connection.execute("SELECT aepg.enqueue('train', 'pts', '{\"epochs\": 400, \"patience\": 0}')")
        let (worker, _, err) = try CommandLineRunner.start(["worker", "--db", conninfo, "--poll-seconds", "0.2"],
                                                           directory: FileManager.default.temporaryDirectory)
        try wait(60, "the job starting") { try count("SELECT count(*) FROM aepg.jobs WHERE status = 'running'") == 1 }
        kill(worker.processIdentifier, SIGTERM)
        worker.waitUntilExit()
        XCTAssertEqual(worker.terminationStatus, 0, (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        XCTAssertEqual(try connection.execute("SELECT status FROM aepg.jobs").string(0, 0), "done")
        XCTAssertEqual(try count("SELECT max(version) FROM aepg.versions"), 2)
    }

    /// A job that finds its model busy goes back to the queue without using an attempt, and runs
    /// once the model is free.
    func testABusyJobIsRequeuedWithoutUsingAnAttempt() throws {
        try train()
        let holder = try PGConnection(conninfo)
        XCTAssertEqual(try holder.execute("SELECT pg_try_advisory_lock(hashtext('aepg.train:pts'))").bool(0, 0), true)
        try connection.execute("SELECT aepg.enqueue('train', 'pts', '{\"epochs\": 2}')")
        let stop = StopFlag()
        let worker = Worker(conninfo: conninfo, pollSeconds: 0.2, logger: quiet)
        let finished = DispatchSemaphore(value: 0)
        Thread { _ = try? worker.run(until: stop); finished.signal() }.start()
        defer { stop.set(); finished.wait() }
        try wait(30, "the job being found busy") {
            try count("SELECT count(*) FROM aepg.jobs WHERE status = 'queued' AND error LIKE '%already being trained%'") == 1
        }
        XCTAssertEqual(try count("SELECT attempts FROM aepg.jobs"), 0, "a busy model costs no attempt")
        try holder.execute("SELECT pg_advisory_unlock_all()")
        try wait(30, "the job running once the model is free") { try count("SELECT count(*) FROM aepg.jobs WHERE status = 'done'") == 1 }
        XCTAssertEqual(try count("SELECT attempts FROM aepg.jobs"), 1)
        XCTAssertEqual(try count("SELECT max(version) FROM aepg.versions"), 2)
    }

    /// `aepg demo` on a private PostgreSQL it starts itself, then `aepg demo --stop`. (Run through
    /// sh, whose exit status lands in a file: the demo leaves a server running, and waiting on a
    /// process whose descendants outlive it is not reliable in Foundation on Linux.)
    func testDemoRunsAndStops() throws {
        let home = URL(fileURLWithPath: "/tmp/aepg-demo-test-\(getpid())")
        let out = home.path + ".out", status = home.path + ".status"
        defer {
            _ = try? aepg(["demo", "--stop", "--home", home.path])
            for path in [home.path, out, status] { try? FileManager.default.removeItem(atPath: path) }
        }
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "'\(CommandLineRunner.executable.path)' demo --home '\(home.path)' --epochs 5 > '\(out)' 2>&1; echo $? > '\(status)'"]
        try shell.run()
        try wait(300, "the demo finishing") { FileManager.default.fileExists(atPath: status) }
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        XCTAssertEqual(try String(contentsOfFile: status, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), "0", text)
        XCTAssertTrue(text.contains("highest-scoring transactions"), text)
        XCTAssertTrue(text.contains("ROC-AUC"), text)
        let stopped = try aepg(["demo", "--stop", "--home", home.path])
        XCTAssertEqual(stopped.status, 0, stopped.stderr)
        XCTAssertTrue(stopped.stdout.contains("stopped the PostgreSQL under"), stopped.stdout)
    }
}
