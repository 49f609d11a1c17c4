import CLibPQ

/// A completed query's rows, in text format. Owns the libpq result and frees it.
public final class PGResult {
    let handle: OpaquePointer

    init(handle: OpaquePointer) { self.handle = handle }
    deinit { PQclear(handle) }

    /// Number of rows.
    public var rowCount: Int { Int(PQntuples(handle)) }
    /// Number of columns.
    public var columnCount: Int { Int(PQnfields(handle)) }
    /// Rows affected by INSERT/UPDATE/DELETE (0 when not applicable).
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    /// Column names, in order.
    public var columnNames: [String] { (0..<columnCount).map { String(cString: PQfname(handle, Int32($0))) } }

    /// Whether the value at (`row`, `column`) is NULL.
    public func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(handle, Int32(row), Int32(column)) == 1 }

    /// The value at (`row`, `column`) as text, or nil for NULL.
    public func string(_ row: Int, _ column: Int) -> String? {
        isNull(row, column) ? nil : String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    /// The value as an integer, or nil for NULL or non-integers.
    public func int(_ row: Int, _ column: Int) -> Int? { string(row, column).flatMap { Int($0) } }

    /// The value as a Double, or nil for NULL or non-numbers.
    public func double(_ row: Int, _ column: Int) -> Double? { string(row, column).flatMap { Double($0) } }

    /// The value as a boolean (`t`/`f`), or nil for NULL.
    public func bool(_ row: Int, _ column: Int) -> Bool? { string(row, column).map { $0 == "t" } }
}
