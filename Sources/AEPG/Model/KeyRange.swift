import PGClient

/// A slice of a table by key: `after < key <= upTo`, either end open. Bounds are the keys'
/// text forms and are cast back to the key's type by the server, so any sortable key works.
public struct KeyRange: Codable, Equatable, Sendable {
    /// Exclusive lower bound (nil: from the first key).
    public var after: String?
    /// Inclusive upper bound (nil: to the last key).
    public var upTo: String?

    enum CodingKeys: String, CodingKey {
        case after
        case upTo = "up_to"
    }

    public init(after: String?, upTo: String?) {
        self.after = after
        self.upTo = upTo
    }

    /// `count` ranges holding about equal numbers of rows of `table`, from the key's quantiles.
    public static func split(_ table: SourceTable, key: SourceColumn, into count: Int, on connection: PGConnection) throws -> [KeyRange] {
        guard count > 1 else { return [KeyRange(after: nil, upTo: nil)] }
        let fractions = (1..<count).map { String(Double($0) / Double(count)) }
        let bounds = try connection.execute("""
            SELECT unnest(percentile_disc($1::float8[]) WITHIN GROUP (ORDER BY s.\(quoteIdentifier(key.name))))::text
              FROM \(table.readName) s
            """, ["{" + fractions.joined(separator: ",") + "}"])
        let cuts = (0..<bounds.rowCount).compactMap { bounds.string($0, 0) }
        var ranges: [KeyRange] = []
        var previous: String?
        for cut in cuts where cut != previous {
            ranges.append(KeyRange(after: previous, upTo: cut))
            previous = cut
        }
        ranges.append(KeyRange(after: previous, upTo: nil))
        return ranges
    }

    /// SQL conditions on `column` (qualified and quoted) of type `typeName` (as `format_type`
    /// prints it). The bounds are read from the session settings that `apply(to:)` sets, because
    /// COPY takes no parameters.
    func condition(on column: String, typeName: String) -> String {
        let lower = after == nil ? "TRUE" : "\(column) > current_setting('aepg.key_after')::\(typeName)"
        let upper = upTo == nil ? "TRUE" : "\(column) <= current_setting('aepg.key_up_to')::\(typeName)"
        return "\(lower) AND \(upper)"
    }

    /// Sets the session settings `condition` reads, as parameters.
    func apply(to connection: PGConnection) throws {
        try connection.execute("SELECT set_config('aepg.key_after', $1, false), set_config('aepg.key_up_to', $2, false)",
                               [after ?? "", upTo ?? ""])
    }
}
