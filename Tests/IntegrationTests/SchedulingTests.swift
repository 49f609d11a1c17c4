import AEPG
import Foundation
import PGClient
import TestSupport
import XCTest

/// Scheduling as the README documents it: cron lines, and pg_cron queueing jobs for workers.
final class SchedulingTests: DatabaseTestCase {
    /// cron runs commands with `sh -c`, a bare PATH and no terminal: the README's lines must work so.
    func testTheDocumentedCronLinesWorkUnderCronsBareEnvironment() throws {
        try train()
        try insertPoints("public.points", from: 401, to: 410)
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("aepg-cron-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let aepg = CommandLineRunner.executable.path
        let line = "\(aepg) train pts >> \(log.path) 2>&1 && \(aepg) score pts >> \(log.path) 2>&1"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["-i", "PATH=/usr/bin:/bin", "DATABASE_URL=\(conninfo!)", "/bin/sh", "-c", line]
        try process.run()
        process.waitUntilExit()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("trained pts version 2"), text)
        XCTAssertTrue(text.contains("scored 0 rows"), "the new version scored every row when it was trained: \(text)")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_flags"), 410)
    }

    /// pg_cron (loaded by `make test` when postgresql-NN-cron installs) calls aepg.enqueue on its
    /// schedule; a worker runs the job. pg_cron 1.4 schedules by the minute, so this waits up to 75 s.
    func testPgCronQueuesJobsThatAWorkerRuns() throws {
        let server = try PGConnection(try TestDatabase.serverConninfo())
        let preload = try server.execute("SHOW shared_preload_libraries").string(0, 0) ?? ""
        guard preload.contains("pg_cron") else {
            // make test sets AEPG_REQUIRE_PG_CRON where pg_cron is installed: then it must be loaded.
            XCTAssertNil(ProcessInfo.processInfo.environment["AEPG_REQUIRE_PG_CRON"], "pg_cron is installed but not loaded")
            throw XCTSkip("pg_cron is not installed here (this distribution has no package for it)")
        }
        try train()
        try server.execute("CREATE EXTENSION IF NOT EXISTS pg_cron")
        let job = try server.execute("SELECT cron.schedule_in_database($1, '* * * * *', $2, $3)",
                                     ["aepg_test_\(databaseName)", "SELECT aepg.enqueue('score', 'pts', '{\"all\": true}')", databaseName]).int(0, 0)!
        defer { _ = try? server.execute("SELECT cron.unschedule($1::bigint)", [String(job)]) }
        let deadline = Date().addingTimeInterval(75)
        while try count("SELECT count(*) FROM aepg.jobs") == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 1) }
        XCTAssertGreaterThan(try count("SELECT count(*) FROM aepg.jobs"), 0, "pg_cron did not queue a job within 75 s")
        _ = try server.execute("SELECT cron.unschedule($1::bigint)", [String(job)])
        let worker = try CommandLineRunner.run(["worker", "--exit-when-idle", "--db", conninfo])
        XCTAssertEqual(worker.status, 0, worker.stderr)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.jobs WHERE status <> 'done'"), 0)
    }
}
