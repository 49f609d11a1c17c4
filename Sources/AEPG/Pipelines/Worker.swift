import Foundation
import Learn
import Logging
import Synchronization
import PGClient

/// A flag that asks long-running loops to stop (set from a signal handler).
public final class StopFlag: Sendable {
    private let stopped = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { stopped.load(ordering: .acquiring) }
    public func set() { stopped.store(true, ordering: .releasing) }
}

/// `aepg worker`: takes jobs from `aepg.jobs` and runs them.
///
/// Each of `concurrency` threads has its own connection (a new one for each job), claims jobs with `aepg.claim_job`
/// (`FOR UPDATE SKIP LOCKED`), sleeps on `LISTEN aepg_jobs` between jobs (waking at least every
/// `pollSeconds`), and on stop finishes the job it is running before it exits. Trainings of one
/// model never overlap (the pipelines' advisory locks); a job that finds its model busy goes back
/// to the queue without using up an attempt.
public struct Worker: Sendable {
    public var conninfo: String
    public var concurrency: Int
    public var pollSeconds: Double
    /// Exit once no job is queued (for tests and one-shot runs).
    public var exitWhenIdle: Bool
    public var logger: Logger

    public init(conninfo: String, concurrency: Int = 1, pollSeconds: Double = 5, exitWhenIdle: Bool = false, logger: Logger) {
        self.conninfo = conninfo
        self.concurrency = concurrency
        self.pollSeconds = pollSeconds
        self.exitWhenIdle = exitWhenIdle
        self.logger = logger
    }

    /// Runs until `stop` is set (or, with `exitWhenIdle`, the queue is empty); returns the jobs run.
    public func run(until stop: StopFlag) throws -> Int {
        // Only this check can fail the worker; once running, threads reconnect instead of failing.
        try SchemaInstaller.ensureInstalled(on: try Session.connect(conninfo))
        var counts = [Int](repeating: 0, count: concurrency)
        counts.withUnsafeMutableBufferPointer { counts in
            Parallel.forEachPart(concurrency) { slot in counts[slot] = loop(slot: slot, stop: stop) }
        }
        return counts.reduce(0, +)
    }

    /// One worker thread: runs sessions until stopped, reconnecting (with backoff up to 30 s)
    /// when the connection is lost. A job that was running then is taken over by the next claim,
    /// since its server process is gone.
    private func loop(slot: Int, stop: StopFlag) -> Int {
        var ran = 0, delay = 1.0
        while !stop.isSet {
            do {
                if try session(slot: slot, stop: stop, ran: &ran) { break }
                delay = 1
            } catch {
                logger.warning("worker \(slot): \(error); reconnecting in \(Int(delay)) s")
                let until = Date().addingTimeInterval(delay)
                while !stop.isSet && Date() < until { Thread.sleep(forTimeInterval: 0.1) }
                delay = min(delay * 2, 30)
            }
        }
        return ran
    }

    /// One connection's worth of waiting for a job and running it; returns true when the worker
    /// should exit (stopped, or idle with `exitWhenIdle`), false after a job.
    private func session(slot: Int, stop: StopFlag, ran: inout Int) throws -> Bool {
        let connection = try Session.connect(conninfo, applicationName: "aepg worker")
        try connection.listen("aepg_jobs")
        let name = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(slot)"
        while !stop.isSet {
            let claimed = try connection.execute("SELECT id, kind, model, args::text AS args FROM aepg.claim_job($1)", [name])
            if let job = claimed.rows.first {
                try runJob(id: try job.int("id"), kind: try job.text("kind"), model: try job.text("model"), args: try job.text("args"),
                           on: connection)
                ran += 1
                // The next job gets a new session: nothing a source's code may have left in this
                // one (a setting, a temporary object) reaches it.
                return false
            }
            if exitWhenIdle, try connection.execute("SELECT count(*) FROM aepg.jobs WHERE status = 'queued'").int(0, 0) == 0 {
                return true
            }
            _ = try connection.waitForNotification(timeout: pollSeconds)
        }
        return true
    }

    /// Runs one claimed job and records how it ended.
    private func runJob(id: Int, kind: String, model: String, args: String, on connection: PGConnection) throws {
        logger.info("job \(id): \(kind) \(model)")
        var result: String?
        var failure: AEPGError?
        do {
            let name = try ModelName(model)
            switch kind {
            case "train":
                let overrides = try TrainOptions.parse(json: args)
                let summary = try TrainPipeline(model: name, overrides: overrides, logger: logger).run(on: connection)
                result = try JSON.encode(["version": summary.version, "rows": summary.rows])
            case "score":
                let options = try JSON.decode(ScoreJobArguments.self, args)
                if let shards = options.shards {
                    let jobs = try ShardedScoring.enqueue(model: name, shards: shards, all: options.all ?? false, on: connection)
                    result = try JSON.encode(["shard_jobs": jobs])
                } else {
                    let rows = try ScorePipeline(model: name, all: options.all ?? false, range: options.range, shard: options.shard,
                                                 logger: logger).run(on: connection, conninfo: conninfo)
                    result = try JSON.encode(["rows": rows])
                }
            case "evaluate":
                let options = try JSON.decode(EvaluateJobArguments.self, args)
                let evaluation = try EvaluatePipeline(model: name, label: options.label).run(on: connection)
                result = try JSON.encode(evaluation.storedMetrics)
            default:
                throw AEPGError(.invalidOption, "unknown job kind \(kind)")
            }
        } catch let error as AEPGError {
            failure = error
        } catch {
            failure = AEPGError(.database, "\(error)")
        }
        guard let failure else {
            try connection.execute("SELECT aepg.finish_job($1, NULL, $2::jsonb)", [String(id), result])
            return
        }
        logger.warning("job \(id) (\(kind) \(model)): \(failure.message)")
        let outcome = failure.code.jobOutcome
        try connection.execute("SELECT aepg.finish_job($1, $2, NULL, $3::interval, $4)",
                               [String(id), failure.message, outcome == .requeue ? "2 seconds" : nil,
                                outcome == .fail ? "true" : "false"])
    }
}

/// Arguments of an `evaluate` job: `{"label": "is_fraud"}` (default: the model's label).
struct EvaluateJobArguments: Codable {
    var label: String?
}
