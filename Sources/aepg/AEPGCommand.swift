import Foundation
import AEPG
import Learn
import ArgumentParser
import Logging
import PGClient

/// The `aepg` command line: argument parsing, progress output and exit codes; the work is in AEPG.
@main
struct AEPGCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aepg",
        abstract: "Train autoencoders on PostgreSQL tables; write latents, clusters, anomaly scores and flag views back.",
        discussion: """
            Connect with --db CONNINFO, DATABASE_URL, or the libpq PG* variables.
            Start with `aepg demo`, which needs no database.
            """,
        version: "\(SchemaInstaller.version) (OpenBLAS kernels: \(BLASKernels.current))",
        subcommands: [Demo.self, Init.self, Train.self, Score.self, Evaluate.self, Report.self, Worker.self, List.self, Show.self, Drop.self,
                      Extension.self, Docs.self])

    static func main() {
        BLASKernels.restartWithSuitedKernelsIfNeeded()
        LoggingSystem.bootstrap(PlainLogHandler.init)
        do {
            var command = try parseAsRoot(try TrainFlags.carry(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let error as AEPGError {
            printError(error.description)
            Foundation.exit(error.code.exitStatus.rawValue)
        } catch let error as PGError {
            // A database error no stage put in words of its own: still the database's.
            printError(error.description)
            Foundation.exit(AEPGError.Code.database.exitStatus.rawValue)
        } catch {
            exit(withError: error)
        }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}
