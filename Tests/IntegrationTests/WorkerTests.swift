import AEPG
import Foundation
import PGClient
import TestSupport
import XCTest

/// The job queue and `aepg worker`, with real worker processes.
final class WorkerTests: DatabaseTestCase {
    private func startWorkers(_ count: Int, extra: [String] = ["--exit-when-idle"]) throws -> [Process] {
        try (0..<count).map { _ in
            try CommandLineRunner.start(["worker", "--db", conninfo, "--poll-seconds", "0.5"] + extra,
                                        directory: FileManager.default.temporaryDirectory).0
        }
    }

    func testThreeWorkersRunTwentyJobsEachExactlyOnce() throws {
        var options = Self.fast
        options.epochs = 2
        for m in 1...4 { try train("m\(m)", options: options) }
        for m in 1...4 {
            try connection.execute("SELECT aepg.enqueue('train', $1, '{\"epochs\": 2}')", ["m\(m)"])
            for _ in 1...4 { try connection.execute("SELECT aepg.enqueue('score', $1, '{\"all\": true}')", ["m\(m)"]) }
        }
        let workers = try startWorkers(3)
        for worker in workers { worker.waitUntilExit() }
        for worker in workers { XCTAssertEqual(worker.terminationStatus, 0) }

        let jobs = try connection.execute("SELECT status, attempts, result IS NOT NULL, error FROM aepg.jobs ORDER BY id")
        XCTAssertEqual(jobs.rowCount, 20)
        for i in 0..<jobs.rowCount {
            XCTAssertEqual(jobs.string(i, 0), "done", jobs.string(i, 3) ?? "")
            XCTAssertEqual(jobs.int(i, 1), 1, "job \(i) ran more than once")
            XCTAssertEqual(jobs.bool(i, 2), true)
        }
        // Each model was trained exactly once more (version 2) and scored.
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models WHERE active_version = 2"), 4)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.versions"), 8)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.m1_flags"), 400)
    }

    func testAJobThatCannotSucceedFailsOnceWithItsReasonAndNoSecrets() throws {
        try train()
        try connection.execute("UPDATE points SET a = 'NaN' WHERE id = 3")
        try connection.execute("SELECT aepg.enqueue('train', 'pts')")
        XCTAssertThrowsError(try connection.execute("SELECT aepg.enqueue('train', 'no_such_model')"))
        let worker = try startWorkers(1)[0]
        worker.waitUntilExit()
        let job = try connection.execute("SELECT status, attempts, error FROM aepg.jobs")
        XCTAssertEqual(job.string(0, 0), "failed")
        XCTAssertEqual(job.int(0, 1), 1, "bad data is not retried")
        XCTAssertTrue(job.string(0, 2)!.contains("column \"a\" has 1 NaN"), job.string(0, 2)!)
        XCTAssertFalse(job.string(0, 2)!.contains(conninfo), "no connection string in aepg.jobs")
        XCTAssertEqual(try count("SELECT active_version FROM aepg.models"), 1)
    }

    func testSigtermStopsAnIdleWorkerCleanly() throws {
        let worker = try startWorkers(1, extra: [])[0]
        Thread.sleep(forTimeInterval: 1)
        XCTAssertTrue(worker.isRunning, "a worker without --exit-when-idle waits for jobs")
        kill(worker.processIdentifier, SIGTERM)
        worker.waitUntilExit()
        XCTAssertEqual(worker.terminationReason, .exit)
        XCTAssertEqual(worker.terminationStatus, 0)
    }
}

extension WorkerTests {
    func testShardedScoringOverThreeWorkersEqualsAnUnshardedRun() throws {
        try train()
        try insertPoints("public.points", from: 401, to: 3000)
        // Through the binary, as the workers score (the test process runs OpenBLAS's own choice
        // of kernels, the binary the ones it mends that to).
        let scored = try CommandLineRunner.run(["score", "pts", "--db", conninfo])
        XCTAssertEqual(scored.status, 0, scored.stderr)
        XCTAssertEqual(scored.stdout, "scored 2600 rows\n")
        let unsharded = try connection.execute("SELECT id, score, cluster FROM aepg.pts_results WHERE version = 1 ORDER BY id")

        try connection.execute("DELETE FROM aepg.pts_results")
        let enqueued = try CommandLineRunner.run(["score", "pts", "--shards", "4", "--db", conninfo])
        XCTAssertEqual(enqueued.status, 0, enqueued.stderr)
        XCTAssertTrue(enqueued.stdout.hasPrefix("enqueued 4 score job(s)"), enqueued.stdout)
        let workers = try startWorkers(3)
        for worker in workers { worker.waitUntilExit() }

        let jobs = try connection.execute("SELECT status, attempts, (result->>'rows')::int FROM aepg.jobs ORDER BY id")
        XCTAssertEqual(jobs.rowCount, 4)
        var total = 0
        for i in 0..<jobs.rowCount {
            XCTAssertEqual(jobs.string(i, 0), "done")
            XCTAssertEqual(jobs.int(i, 1), 1)
            total += jobs.int(i, 2)!
            XCTAssertGreaterThan(jobs.int(i, 2)!, 500, "shards hold about equal shares")
        }
        XCTAssertEqual(total, 3000, "every row in exactly one shard")
        let sharded = try connection.execute("SELECT id, score, cluster FROM aepg.pts_results WHERE version = 1 ORDER BY id")
        XCTAssertEqual(sharded.rowCount, unsharded.rowCount)
        for i in 0..<sharded.rowCount {
            XCTAssertEqual(sharded.string(i, 0), unsharded.string(i, 0))
            // Float32: OpenBLAS's AVX-512 kernels do not round a row's products alike in every chunk
            // size, so a row's score moves in its sixth digit (2e-6 measured) with its shard's chunks.
            XCTAssertEqual(sharded.double(i, 1)!, unsharded.double(i, 1)!, accuracy: 1e-5 * unsharded.double(i, 1)!)
            XCTAssertEqual(sharded.int(i, 2), unsharded.int(i, 2))
        }

        // A score job asking for shards splits itself into shard jobs.
        try connection.execute("SELECT aepg.enqueue('score', 'pts', '{\"shards\": 2, \"all\": true}')")
        for worker in try startWorkers(2) { worker.waitUntilExit() }
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.jobs WHERE status = 'done'"), 7)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_results WHERE version = 1"), 3000)
    }
}

extension WorkerTests {
    /// The worker's connection is cut (server restart, failover, idle timeout): it reconnects and
    /// goes on running jobs.
    func testAWorkerReconnectsAfterItsConnectionIsCut() throws {
        try train()
        let worker = try startWorkers(1, extra: [])[0]
        defer { if worker.isRunning { kill(worker.processIdentifier, SIGKILL) } }
        func workerBackends() throws -> Int {
            try count("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'aepg worker' AND datname = current_database()")
        }
        var deadline = Date().addingTimeInterval(20)
        while try workerBackends() == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertEqual(try workerBackends(), 1)
        try connection.execute("""
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE application_name = 'aepg worker' AND datname = current_database()
            """)
        try connection.execute("SELECT aepg.enqueue('score', 'pts', '{\"all\": true}')")
        deadline = Date().addingTimeInterval(30)
        while try count("SELECT count(*) FROM aepg.jobs WHERE status = 'done'") == 0 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.jobs WHERE status = 'done'"), 1, "the reconnected worker ran the job")
        XCTAssertTrue(worker.isRunning)
        kill(worker.processIdentifier, SIGTERM)
        worker.waitUntilExit()
        XCTAssertEqual(worker.terminationStatus, 0)
    }
}
