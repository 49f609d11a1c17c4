import AEPG
import ArgumentParser
import Foundation
import PGClient

/// `--db`, falling back to DATABASE_URL and then to libpq's PG* variables.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("libpq connection string or postgresql:// URI.", valueName: "conninfo"))
    var db: String?

    /// The connection string to use ("" lets libpq read PGHOST, PGDATABASE, ...).
    var conninfo: String {
        db ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    }

    func connect() throws -> PGConnection {
        do { return try Session.connect(conninfo) } catch let error as PGError {
            throw AEPGError(.database, error.description)
        }
    }
}
