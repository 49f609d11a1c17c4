import AEPG
import ArgumentParser
import Logging

/// `aepg score`: score rows inserted since the active version last scored (or all rows).
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score rows the active version has not scored yet (--all: every row).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The model.") var model: String
    @Flag(help: "Rescore every row.") var all = false
    @Option(help: "Split into this many key-range jobs for `aepg worker`s to run in parallel (enqueues them and returns).")
    var shards: Int?

    func run() throws {
        if let shards {
            let jobs = try ShardedScoring.enqueue(model: try ModelName(model), shards: shards, all: all, on: try connection.connect())
            print("enqueued \(jobs.count) score job(s): \(jobs.map(String.init).joined(separator: ", ")); aepg worker runs them")
            return
        }
        let pipeline = ScorePipeline(model: try ModelName(model), all: all, logger: Logger(label: "aepg"))
        let count = try pipeline.run(on: try connection.connect(), conninfo: connection.conninfo)
        print("scored \(count) rows")
    }
}
