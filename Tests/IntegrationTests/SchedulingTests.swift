import AEPG
import Foundation
import PGClient
import TestSupport
import XCTest

/// Scheduling as the README documents it: cron lines, and pg_cron queueing jobs for workers.
final class SchedulingTests: DatabaseTestCase {
    /// The README's cron lines, read from the README itself, run as cron runs them: `sh -c`, a
    /// bare PATH, no terminal, DATABASE_URL from the crontab. Only the binary's path, the log
    /// file and the database differ.
    func testTheDocumentedCronLinesWorkUnderCronsBareEnvironment() throws {
        try train("payments")
        try insertPoints("public.points", from: 401, to: 410)
        let readme = try String(contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let block = try XCTUnwrap(readme.components(separatedBy: "```cron\n").dropFirst().first?.components(separatedBy: "```").first)
        let commands = block.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.contains("=") }.map { line in
            // minute hour day month weekday user command
            line.split(separator: " ", maxSplits: 6, omittingEmptySubsequences: true).last.map(String.init) ?? ""
        }
        XCTAssertEqual(commands.count, 2, block)
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("aepg-cron-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        for command in commands {
            let local = command.replacingOccurrences(of: "/usr/local/bin/aepg", with: CommandLineRunner.executable.path)
                .replacingOccurrences(of: "/var/log/aepg.log", with: log.path)
            XCTAssertNotEqual(local, command, "the README's line names /usr/local/bin/aepg and /var/log/aepg.log")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["-i", "PATH=/usr/bin:/bin", "DATABASE_URL=\(conninfo!)", "/bin/sh", "-c", local]
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        XCTAssertTrue(text.contains("trained payments version 2"), text)
        XCTAssertTrue(text.contains("scored 0 rows"), "the new version scored every row when it was trained: \(text)")
        XCTAssertEqual(try connection.execute("SELECT options->>'time_limit' FROM aepg.versions WHERE version = 2").string(0, 0), "1800")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.payments_flags"), 410)
    }

    /// pg_cron (loaded by `make test` when postgresql-NN-cron installs) calls aepg.enqueue on its
    /// schedule; a worker runs the job. pg_cron 1.4 schedules by the minute, so this waits up to 75 s.
    func testPgCronQueuesJobsThatAWorkerRuns() throws {
        let server = try PGConnection(try TestDatabase.serverConninfo())
        let preload = try server.execute("SHOW shared_preload_libraries").string(0, 0) ?? ""
        guard preload.contains("pg_cron") else {
            // Under make test only a distribution with no pg_cron package may skip this (test.sh
            // says so with AEPG_PG_CRON_UNAVAILABLE); anywhere else an unloaded pg_cron fails.
            let environment = ProcessInfo.processInfo.environment
            if environment["AEPG_REQUIRE_DB"] != nil && environment["AEPG_PG_CRON_UNAVAILABLE"] == nil {
                XCTFail("pg_cron is not loaded in the test cluster")
                throw CancellationError()
            }
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
