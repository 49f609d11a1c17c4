import Foundation
import Logging

/// A log handler that writes bare messages to standard error: progress for people and for
/// cron mail alike, without timestamps or labels (cron and journald add their own).
public struct PlainLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public init(label: String) {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let prefix = event.level >= .warning ? "\(event.level): " : ""
        FileHandle.standardError.write(Data((prefix + "\(event.message)\n").utf8))
    }
}
