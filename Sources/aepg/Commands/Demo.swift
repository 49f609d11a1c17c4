import AEPG
import ArgumentParser
import Foundation
import Logging

/// `aepg demo`: the whole product on a private PostgreSQL and the bundled credit-card sample.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a private PostgreSQL, load a credit-card sample, train and show the flagged rows.",
        discussion: TrainFlags.help)

    @Option(help: "Folder for the private PostgreSQL (default: $AEPG_HOME or ./.aepg).")
    var home: String?
    @Flag(help: "Stop the private PostgreSQL and exit.")
    var stop = false
    @OptionGroup var flags: TrainFlags

    func run() throws {
        let folder = home ?? ProcessInfo.processInfo.environment["AEPG_HOME"] ?? ".aepg"
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        let demo = AEPG.Demo(home: url, overrides: try flags.options, logger: Logger(label: "aepg"))
        if stop {
            try demo.postgres.stop()
            print("stopped the PostgreSQL under \(demo.postgres.home.path)")
        } else {
            try demo.run()
        }
    }
}
