import Foundation
import AEPG
import ArgumentParser
import Logging

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
        version: "0.2.0",
        subcommands: [Demo.self, Init.self, Train.self, Score.self, Evaluate.self, Report.self, Worker.self, List.self, Show.self, Drop.self])

    static func main() {
        LoggingSystem.bootstrap(PlainLogHandler.init)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as AEPGError {
            printError(error.description)
            Foundation.exit(ExitStatus.code(for: error))
        } catch {
            exit(withError: error)
        }
    }
}

/// Exit statuses scripts can branch on (sysexits.h values).
enum ExitStatus {
    /// 64 usage, 65 bad data, 69 unavailable (database), 75 busy (try again later), 1 otherwise.
    static func code(for error: AEPGError) -> Int32 {
        switch error.code {
        case .invalidName, .invalidOption, .unknownTable, .unknownColumn, .unsupportedType, .unknownModel: return 64
        case .badData, .notEnoughRows: return 65
        case .database, .schemaMissing: return 69
        case .busy: return 75
        default: return 1
        }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}
