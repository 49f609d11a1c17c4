import PGClient

/// An error a user can act on: what went wrong, with the table, column or model it concerns.
///
/// `description` never contains connection strings, passwords or feature values, so it is
/// safe to print and log.
public struct AEPGError: Error, CustomStringConvertible, Equatable {
    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// A unique violation on a results table: the source key is not unique.
    public static func duplicateKeys(in column: String) -> AEPGError {
        AEPGError(.badData, "key column \"\(column)\" has duplicate values; the key must identify each row uniquely")
    }

    /// Wraps a database error, keeping the server's message (never the connection string).
    public static func database(_ error: PGError, while doing: String) -> AEPGError {
        AEPGError(.database, "\(doing) failed: \(error)")
    }
}

/// The process exit statuses of `aepg` (sysexits.h values where one fits).
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    case failure = 1
    case usage = 64
    case dataError = 65
    case unavailable = 69
    case tryAgain = 75

    /// What the status tells a script.
    public var meaning: String {
        switch self {
        case .success: return "done"
        case .failure: return "anything else (a bug, or the machine): read the message"
        case .usage: return "the command, an option, a name, a table or a column is wrong: fix the command"
        case .dataError: return "the data cannot be trained on or scored as it is: fix the data"
        case .unavailable: return "the database refused or failed: check the connection and the server"
        case .tryAgain: return "the model is busy with another train or score: run again later"
        }
    }
}

/// What a worker does with a job that failed with an error.
public enum JobOutcome: String, Sendable {
    /// Retried with back-off while attempts remain (the database may come back).
    case retry
    /// Queued again in 2 seconds without counting an attempt (another job holds the model).
    case requeue
    /// Failed for good: the same job would fail the same way.
    case fail
}

extension AEPGError {
    /// A stable category: the exit status and the fate of a job follow from it, decided here only
    /// (the switches are exhaustive, so a new code cannot go without either).
    public enum Code: String, CaseIterable, Sendable, CustomStringConvertible {
        case invalidName, invalidOption, unknownTable, unknownColumn, unsupportedType, unknownModel, noActiveVersion
        case badData, notEnoughRows, busy, schemaMissing, database, environment, training

        public var name: String { rawValue }
        public var description: String { rawValue }

        /// The process exit status for this error.
        public var exitStatus: ExitStatus {
            switch self {
            case .invalidName, .invalidOption, .unknownTable, .unknownColumn, .unsupportedType, .unknownModel: return .usage
            case .badData, .notEnoughRows: return .dataError
            case .schemaMissing, .database: return .unavailable
            case .busy: return .tryAgain
            case .noActiveVersion, .environment, .training: return .failure
            }
        }

        /// What a worker does with a job that failed with it.
        public var jobOutcome: JobOutcome {
            switch self {
            case .invalidName, .invalidOption, .unknownTable, .unknownColumn, .unsupportedType, .unknownModel,
                 .noActiveVersion, .badData, .notEnoughRows: return .fail
            case .busy: return .requeue
            case .schemaMissing, .database, .environment, .training: return .retry
            }
        }
    }
}
