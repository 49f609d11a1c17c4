import PGClient

/// An error a user can act on: what went wrong, with the table, column or model it concerns.
///
/// `description` never contains connection strings, passwords or feature values, so it is
/// safe to print and log.
public struct AEPGError: Error, CustomStringConvertible, Equatable {
    /// A stable category, for exit codes and tests.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }

        public static let invalidName = Code(name: "invalidName")
        public static let invalidOption = Code(name: "invalidOption")
        public static let unknownTable = Code(name: "unknownTable")
        public static let unknownColumn = Code(name: "unknownColumn")
        public static let unsupportedType = Code(name: "unsupportedType")
        public static let unknownModel = Code(name: "unknownModel")
        public static let noActiveVersion = Code(name: "noActiveVersion")
        public static let badData = Code(name: "badData")
        public static let notEnoughRows = Code(name: "notEnoughRows")
        public static let busy = Code(name: "busy")
        public static let schemaMissing = Code(name: "schemaMissing")
        public static let database = Code(name: "database")
        public static let environment = Code(name: "environment")
        public static let training = Code(name: "training")
    }

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
