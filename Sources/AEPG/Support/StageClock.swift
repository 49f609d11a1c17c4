import Foundation

/// Times the named stages of a pipeline (read, preprocess, train, ...) for reports.
public struct StageClock {
    private(set) var stages: [(name: String, seconds: Double)] = []
    private let started = DispatchTime.now().uptimeNanoseconds

    public init() {}

    /// Runs `body` as the stage `name` and records how long it took.
    public mutating func measure<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { stages.append((name, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)) }
        return try body()
    }

    /// Counts `seconds` of the last stage named `from` (at most all of it) as the last stage
    /// named `to` instead: for work one stage runs on another's behalf (the write stage scores
    /// the rows it sends).
    public mutating func move(_ seconds: Double, from: String, to: String) {
        guard let source = stages.lastIndex(where: { $0.name == from }),
              let target = stages.lastIndex(where: { $0.name == to }) else { return }
        let moved = min(seconds, stages[source].seconds)
        stages[source].seconds -= moved
        stages[target].seconds += moved
    }

    /// Seconds since the clock was made.
    public var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }

    /// The stages as a name → seconds dictionary.
    public var dictionary: [String: Double] { Dictionary(stages.map { ($0.name, $0.seconds) }, uniquingKeysWith: +) }
}

/// Facts about this process, for reports.
public enum ProcessStats {
    /// Peak resident set size in bytes (VmHWM), or nil where /proc is unavailable.
    public static var peakResidentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first
            return kb.map { $0 * 1024 }
        }
        return nil
    }
}
