import CLibPQ

/// One row of a result, read by column name with checked, typed accessors: a missing column, a
/// NULL where a value is required, or a value of another type is an error, never a crash.
public struct PGRow {
    let result: PGResult
    /// The row's position in the result.
    public let index: Int

    /// The column's position; throws when the query returned no such column.
    private func column(_ name: String) throws -> Int {
        let position = Int(PQfnumber(result.handle, "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""))
        guard position >= 0 else { throw PGError(kind: .protocolViolation, message: "the result has no column \"\(name)\"") }
        return position
    }

    private func value<T>(_ name: String, _ parse: (String) -> T?) throws -> T? {
        let position = try column(name)
        guard let text = result.string(index, position) else { return nil }
        guard let value = parse(text) else {
            throw PGError(kind: .protocolViolation, message: "column \"\(name)\" holds \(T.self == Int.self ? "a non-integer" : "an unexpected value")")
        }
        return value
    }

    private func required<T>(_ name: String, _ parse: (String) -> T?) throws -> T {
        guard let value = try value(name, parse) else {
            throw PGError(kind: .protocolViolation, message: "column \"\(name)\" is NULL where a value is required")
        }
        return value
    }

    /// The column as text; NULL is an error.
    public func text(_ name: String) throws -> String { try required(name) { $0 } }
    /// The column as text, nil for NULL.
    public func optionalText(_ name: String) throws -> String? { try value(name) { $0 } }
    /// The column as an integer; NULL is an error.
    public func int(_ name: String) throws -> Int { try required(name) { Int($0) } }
    /// The column as an integer, nil for NULL.
    public func optionalInt(_ name: String) throws -> Int? { try value(name) { Int($0) } }
    /// The column as a Double; NULL is an error.
    public func double(_ name: String) throws -> Double { try required(name) { Double($0) } }
    /// The column as a Double, nil for NULL.
    public func optionalDouble(_ name: String) throws -> Double? { try value(name) { Double($0) } }
    /// The column as a boolean; NULL is an error.
    public func bool(_ name: String) throws -> Bool { try required(name) { $0 == "t" ? true : $0 == "f" ? false : nil } }
}

extension PGResult {
    /// The row at `index`.
    public func row(_ index: Int) -> PGRow { PGRow(result: self, index: index) }

    /// Every row, in order.
    public var rows: [PGRow] { (0..<rowCount).map(row) }

    /// The only row; throws when there is none or more than one.
    public func onlyRow() throws -> PGRow {
        guard rowCount == 1 else { throw PGError(kind: .protocolViolation, message: "expected one row, got \(rowCount)") }
        return row(0)
    }
}
