import Foundation

/// Runs the built `aepg` executable, as a user would.
public enum CommandLineRunner {
    /// Output of one run.
    public struct Outcome {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The `aepg` binary next to the test bundle (same build configuration), or `$AEPG_BIN`.
    public static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["AEPG_BIN"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("aepg")
    }

    /// Starts `aepg arguments...` without waiting; output goes to files in `directory`, which is
    /// also the working directory when `runIn` is set.
    public static func start(_ arguments: [String], executable: URL = executable, directory: URL, runIn: Bool = false,
                             environment: [String: String] = [:]) throws -> (Process, URL, URL) {
        let process = Process()
        process.executableURL = executable
        if runIn { process.currentDirectoryURL = directory }
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = directory.appendingPathComponent("stdout-\(UUID().uuidString)")
        let err = directory.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return (process, out, err)
    }

    /// Runs `aepg arguments...` to completion (in `directory` when given).
    public static func run(_ arguments: [String], executable: URL = executable, directory: URL? = nil,
                           environment: [String: String] = [:]) throws -> Outcome {
        let (process, out, err) = try start(arguments, executable: executable, directory: directory ?? FileManager.default.temporaryDirectory,
                                            runIn: directory != nil, environment: environment)
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        return Outcome(status: process.terminationStatus,
                       stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}
