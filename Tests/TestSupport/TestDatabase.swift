import Foundation
import PGClient
import XCTest

/// The PostgreSQL that `scripts/test.sh` starts, reached through `AEPG_TEST_DB`. Each test
/// case gets a database of its own, created fresh and dropped afterwards.
public enum TestDatabase {
    /// Connection string of the server's maintenance database. When unset the test skips, unless
    /// `AEPG_REQUIRE_DB` is set (as `make test` sets it): then it fails, so a run cannot pass by skipping.
    public static func serverConninfo() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        guard let conninfo = environment["AEPG_TEST_DB"], !conninfo.isEmpty else {
            let message = "AEPG_TEST_DB is not set: run the tests with `make test`, which starts a throwaway PostgreSQL"
            if environment["AEPG_REQUIRE_DB"] != nil { throw MissingDatabase(message: message) }
            throw XCTSkip(message)
        }
        return conninfo
    }

    /// The error of a required database that is not there.
    struct MissingDatabase: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Creates an empty database named `name` (dropping any earlier one) and returns its conninfo.
    public static func fresh(_ name: String) throws -> String {
        let server = try PGConnection(try serverConninfo())
        try server.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)")
        try server.execute("CREATE DATABASE \(quoteIdentifier(name))")
        return try serverConninfo() + " dbname=\(name)"
    }

    /// Drops a database made by `fresh`.
    public static func drop(_ name: String) {
        guard let server = try? PGConnection(try serverConninfo()) else { return }
        _ = try? server.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)")
    }

    /// The repository root (where Package.swift is).
    public static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    /// A dataset from `../shared/data` (or the repository's own `data/`), or nil when absent.
    public static func dataset(_ file: String) -> URL? {
        let candidates = [repositoryRoot.appendingPathComponent("../shared/data/\(file)").standardizedFileURL,
                          repositoryRoot.appendingPathComponent("data/\(file)")]
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// Creates `table` from a CSV file: `id` bigint primary key, the label column integer, every
    /// other column double precision; loads the rows with COPY.
    public static func loadCSV(_ url: URL, into table: String, label: String, on connection: PGConnection) throws {
        let data = try Data(contentsOf: url)
        let header = String(decoding: data.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let columns = header.split(separator: ",").map { name -> String in
            let n = String(name)
            let type = n == "id" ? "bigint PRIMARY KEY" : (n == label ? "integer" : "double precision")
            return "\(quoteIdentifier(n)) \(type)"
        }
        try connection.execute("CREATE TABLE \(table) (\(columns.joined(separator: ", ")))")
        try connection.copyIn("COPY \(table) FROM STDIN (FORMAT csv, HEADER)") { copy in
            copy.pending.append(contentsOf: data)
        }
    }
}
