import PGClient

/// A range of a table's pages: what one of several connections reading the table at once reads.
/// Each reads its own range, all with one snapshot, so together they read every row once; rows
/// come in the order they are stored, as one sequential scan would give them.
struct BlockRange: Equatable {
    /// The first page.
    var first: Int
    /// The page after the last; nil to the end of the table (pages added meanwhile hold no row
    /// the snapshot sees).
    var end: Int?

    /// The whole table: one connection reads it.
    static let whole = BlockRange(first: 0, end: nil)

    /// Splits `pages` pages into `parts` ranges of about the same size, the last one open-ended.
    static func split(pages: Int, parts: Int) -> [BlockRange] {
        let parts = max(1, min(parts, pages))
        return (0..<parts).map { part in
            BlockRange(first: pages * part / parts, end: part == parts - 1 ? nil : pages * (part + 1) / parts)
        }
    }

    /// SQL that keeps the rows whose `ctid` (in `column`) lies in the range; the bounds come from
    /// the settings `apply` makes. PostgreSQL reads only those pages (a TID range scan).
    func condition(on column: String) -> String {
        let lower = "\(column) >= current_setting('aepg.read_from')::tid"
        return end == nil ? lower : "\(lower) AND \(column) < current_setting('aepg.read_to')::tid"
    }

    /// Sets the settings `condition` reads, as parameters, until the transaction ends.
    func apply(to connection: PGConnection) throws {
        try connection.execute("SELECT set_config('aepg.read_from', $1, true), set_config('aepg.read_to', $2, true)",
                               ["(\(first),0)", end.map { "(\($0),0)" } ?? ""])
    }
}
