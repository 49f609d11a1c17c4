import Foundation

/// PostgreSQL's client programs (psql, pg_dump, pg_restore) from the server's own folder
/// (`$AEPG_PG_BIN`, which `make test` sets), or /usr/bin.
public enum PostgresTool {
    /// What a run printed (standard output and error together) and its exit status.
    public struct Outcome {
        public var status: Int32
        public var output: String
    }

    /// Runs `tool arguments...`, with `input` as its standard input and only `environment` as its
    /// environment when given.
    public static func run(_ tool: String, _ arguments: [String], input: URL? = nil,
                           environment: [String: String]? = nil) throws -> Outcome {
        let folder = ProcessInfo.processInfo.environment["AEPG_PG_BIN"] ?? "/usr/bin"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: folder).appendingPathComponent(tool)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let input { process.standardInput = try FileHandle(forReadingFrom: input) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}
