/// An error reported by libpq or the server.
///
/// `description` is safe for logs: it carries the server's message and SQLSTATE but never the
/// connection string, password or query parameters.
public struct PGError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, in broad strokes.
    public enum Kind: String, Sendable {
        case connectionFailed, connectionLost, queryFailed, copyFailed, protocolViolation
    }

    public var kind: Kind
    /// Five-character SQLSTATE from the server, when it sent one (e.g. "23505" unique violation).
    public var sqlState: String?
    /// The primary message.
    public var message: String
    public var detail: String?
    public var hint: String?

    public init(kind: Kind, sqlState: String? = nil, message: String, detail: String? = nil, hint: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    public var description: String {
        var text = message
        if let detail { text += " (\(detail))" }
        if let hint { text += "; hint: \(hint)" }
        if let sqlState { text += " [SQLSTATE \(sqlState)]" }
        return text
    }

    /// Well-known SQLSTATE codes that callers branch on.
    public enum State {
        public static let uniqueViolation = "23505"
        /// ON CONFLICT DO UPDATE met the same key twice in one statement.
        public static let cardinalityViolation = "21000"
        public static let notNullViolation = "23502"
        public static let undefinedTable = "42P01"
        public static let undefinedColumn = "42703"
        public static let lockNotAvailable = "55P03"
        public static let queryCanceled = "57014"
        public static let insufficientPrivilege = "42501"
    }
}
