import CLibPQ
import Foundation

/// One libpq connection. Not thread-safe: use it from one thread at a time.
///
/// Statements take their values as text parameters (`$1`, `$2`, ...); SQL text is only ever
/// built from constants and `quoteIdentifier`.
public final class PGConnection {
    let handle: OpaquePointer
    /// What this connection was opened with: another connection like it (a second reader of
    /// the same table) is opened with the same.
    public let conninfo: String
    public let applicationName: String

    /// Connects with a libpq connection string or URI (`postgresql://...`); an empty string
    /// uses the `PG*` environment variables. Unless the string sets `application_name`, the
    /// session shows up in `pg_stat_activity` as `applicationName`.
    public init(_ conninfo: String, applicationName: String = "aepg") throws {
        // expand_dbname = 1: the "dbname" value may itself be a full connection string or URI.
        let keywords = ["dbname", "fallback_application_name"], values = [conninfo, applicationName]
        let connection = withCStrings(keywords) { k in
            withCStrings(values) { v in PQconnectdbParams(k + [nil], v + [nil], 1) }
        }
        guard let conn = connection else {
            throw PGError(kind: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(conn)
            throw PGError(kind: .connectionFailed, message: "could not connect to PostgreSQL: \(message)")
        }
        handle = conn
        self.conninfo = conninfo
        self.applicationName = applicationName
        // Notices (e.g. "relation already exists, skipping") are not errors; keep them off stderr.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// The search path the session had before `pinSearchPath`, nil if it was never pinned: the
    /// path the user's own names (a table they typed) are looked up with.
    public private(set) var searchPathBeforePinning: String?

    /// Sets the session's search path to `path` (e.g. `pg_catalog, pg_temp`), keeping the one it
    /// replaces in `searchPathBeforePinning`, so that no function or operator another role put
    /// in a schema on the user's path (`public`, on PostgreSQL 14 and older) stands in for a
    /// built-in one in the statements run on this connection.
    public func pinSearchPath(to path: String) throws {
        let before = try execute("SELECT pg_catalog.current_setting('search_path')").string(0, 0)
        try setSearchPath(path)
        searchPathBeforePinning = before
    }

    /// Sets the search path for the session, or (`forTransaction`) until the transaction ends.
    public func setSearchPath(_ path: String, forTransaction: Bool = false) throws {
        try execute("SELECT pg_catalog.set_config('search_path', $1, $2::boolean)", [path, forTransaction ? "true" : "false"])
    }

    /// Server version as an integer, e.g. 150018.
    public var serverVersion: Int { Int(PQserverVersion(handle)) }
    /// Process id of the server backend serving this connection.
    public var backendPID: Int { Int(PQbackendPID(handle)) }
    /// Whether the connection is still usable.
    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs one statement with text parameters (nil is NULL) and returns its rows.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws -> PGResult {
        let result = withCStrings(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try check(result, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
    }

    /// Runs a script of several statements without parameters (e.g. the schema install).
    public func executeScript(_ sql: String) throws {
        try check(PQexec(handle, sql), expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY])
    }

    /// Whether a transaction is open (BEGIN without its COMMIT or ROLLBACK yet).
    public var isInTransaction: Bool { PQtransactionStatus(handle) != PQTRANS_IDLE }

    /// Runs `body`; inside a transaction, an error it throws undoes only its own statements (a
    /// savepoint), so the transaction can go on. Outside one it is just `body`.
    public func undoingOnError<T>(_ body: () throws -> T) throws -> T {
        guard isInTransaction else { return try body() }
        try execute("SAVEPOINT pgclient_attempt")
        do {
            let value = try body()
            try execute("RELEASE SAVEPOINT pgclient_attempt")
            return value
        } catch {
            if isHealthy { _ = try? execute("ROLLBACK TO SAVEPOINT pgclient_attempt") }
            throw error
        }
    }

    /// Runs `body` inside BEGIN/COMMIT; rolls back and rethrows if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if isHealthy { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Turns a libpq result into a `PGResult`, or throws the server's error.
    @discardableResult
    func check(_ result: OpaquePointer?, expecting statuses: [ExecStatusType]) throws -> PGResult {
        guard let result else { throw lastError(kind: .queryFailed) }
        let status = PQresultStatus(result)
        guard statuses.contains(status) else {
            let error = errorFrom(result)
            PQclear(result)
            throw error
        }
        return PGResult(handle: result)
    }

    func errorFrom(_ result: OpaquePointer) -> PGError {
        func field(_ code: UInt8) -> String? {
            guard let value = PQresultErrorField(result, Int32(code)) else { return nil }
            return String(cString: value)
        }
        let primary = field(UInt8(ascii: "M")) ?? String(cString: PQresultErrorMessage(result))
        let kind: PGError.Kind = PQstatus(handle) == CONNECTION_BAD ? .connectionLost : .queryFailed
        return PGError(kind: kind, sqlState: field(UInt8(ascii: "C")),
                       message: primary.trimmingCharacters(in: .whitespacesAndNewlines),
                       detail: field(UInt8(ascii: "D")), hint: field(UInt8(ascii: "H")))
    }

    func lastError(kind: PGError.Kind) -> PGError {
        let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
        let resolved: PGError.Kind = PQstatus(handle) == CONNECTION_BAD ? .connectionLost : kind
        return PGError(kind: resolved, message: message.isEmpty ? "unknown libpq error" : message)
    }
}

/// Calls `body` with a C array of C strings (NULL entries for nil), valid only during the call.
func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let duplicates = strings.map { $0.map { strdup($0)! } }
    defer { duplicates.forEach { $0.map { free($0) } } }
    return body(duplicates.map { $0.map { UnsafePointer($0) } })
}
