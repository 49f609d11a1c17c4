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

    func run() throws {
        let pipeline = ScorePipeline(model: try ModelName(model), all: all, logger: Logger(label: "aepg"))
        let count = try pipeline.run(on: try connection.connect(), conninfo: connection.conninfo)
        print("scored \(count) rows")
    }
}
