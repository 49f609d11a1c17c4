import Learn
import PGClient

/// Keys of the rows read, kept as the raw binary COPY bytes of the key column: they go back
/// into the results table unchanged, whatever the key's type (bigint, text, uuid, ...).
public struct KeyColumn {
    private(set) var bytes: [UInt8] = []
    private(set) var offsets: [Int] = [0]

    public init() {}

    /// Number of keys.
    public var count: Int { offsets.count - 1 }

    mutating func append(_ key: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: key)
        offsets.append(bytes.count)
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        offsets.append(0)
    }

    /// Calls `body` with the bytes of key `index`.
    func withKey<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[offsets[index]..<offsets[index + 1]]))
        }
    }
}

/// The query that streams a model's rows: key, numeric features as float8, categorical ones
/// as text, then the label if any.
struct FeatureQuery {
    var source: SourceTable
    var key: SourceColumn
    var features: [SourceColumn]
    var categorical: [SourceColumn] = []
    var label: SourceColumn?

    init(source: SourceTable, key: SourceColumn, features: [SourceColumn], categorical: [SourceColumn] = [],
         label: SourceColumn?) {
        self.source = source
        self.key = key
        self.features = features
        self.categorical = categorical
        self.label = label
    }

    /// A query for `columns`, numeric ones first, then the others as categorical.
    init(source: SourceTable, key: SourceColumn, columns: [SourceColumn], label: SourceColumn?) {
        self.init(source: source, key: key, features: columns.filter(\.isNumeric),
                  categorical: columns.filter { !$0.isNumeric }, label: label)
    }

    /// `COPY (SELECT ...) TO STDOUT (FORMAT binary)`; with `skipScoredIn`, only rows that have
    /// no result yet for the version in the session setting `aepg.version`; with `range`, only
    /// keys in that range (its bounds set on the session with `KeyRange.apply`).
    func copySQL(skipScoredIn results: String? = nil, range: KeyRange? = nil) -> String {
        let keyColumn = "s.\(quoteIdentifier(key.name))"
        let columns = [keyColumn] + features.map(\.asDouble) + categorical.map(\.asText) + (label.map { [$0.asDouble] } ?? [])
        var conditions: [String] = []
        if let results {
            conditions.append("NOT EXISTS (SELECT 1 FROM \(results) r WHERE r.version = current_setting('aepg.version')::int"
                + " AND r.\(quoteIdentifier(key.name)) = \(keyColumn))")
        }
        if let range { conditions.append(range.condition(on: keyColumn, typeName: key.typeName)) }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return "COPY (SELECT \(columns.joined(separator: ", ")) FROM \(source.name) s\(filter)) TO STDOUT (FORMAT binary)"
    }
}

/// Streams rows from binary COPY into Float32 features, counting what needs attention:
/// NULL keys, NULL features (to impute), NaN and infinities (rejected, by column).
final class FeatureReader {
    let query: FeatureQuery
    private(set) var nullKeys = 0
    private(set) var nullCounts: [Int]
    private(set) var nanCounts: [Int]
    private(set) var infiniteCounts: [Int]
    /// Codes of the categorical columns' values.
    let categoryCodes: [CategoryCodes]
    private let row: UnsafeMutablePointer<Float>

    /// A reader for `query`; `categories` are a trained model's (nil while training: they grow).
    init(query: FeatureQuery, categories: [[String]]? = nil) {
        self.query = query
        let n = query.features.count
        nullCounts = Array(repeating: 0, count: n)
        nanCounts = nullCounts
        infiniteCounts = nullCounts
        categoryCodes = query.categorical.indices.map { CategoryCodes(categories: categories?[$0]) }
        row = .allocate(capacity: max(n + query.categorical.count, 1))
    }

    deinit { row.deallocate() }

    /// Streams the rows of `sql`; `body` gets each row's key bytes, its raw features (NULL as NaN,
    /// then the category codes; valid only during the call) and its label (nil when NULL or when
    /// there is no label).
    func read(_ connection: PGConnection, sql: String,
              _ body: (UnsafeRawBufferPointer, UnsafeMutablePointer<Float>, Double?) throws -> Void) throws {
        var decoder = BinaryCopyDecoder()
        let n = query.features.count
        let hasLabel = query.label != nil
        try connection.copyOut(sql) { message in
            try decoder.decode(message) { fields in
                guard let key = try fields.next() else { nullKeys += 1; return }
                for j in 0..<n {
                    guard let value = try fields.nextDouble() else {
                        nullCounts[j] += 1
                        row[j] = .nan
                        continue
                    }
                    let single = Float(value)
                    if value.isNaN { nanCounts[j] += 1 } else if !single.isFinite { infiniteCounts[j] += 1 }
                    row[j] = single
                }
                for (c, codes) in categoryCodes.enumerated() { row[n + c] = Float(codes.code(try fields.next())) }
                let label = hasLabel ? try fields.nextDouble() : nil
                try body(key, row, label)
            }
        }
        try checkValues()
    }

    /// Throws `badData` naming every column with NaN or infinite values, and for NULL keys.
    func checkValues() throws {
        var problems: [String] = []
        for (j, column) in query.features.enumerated() where nanCounts[j] + infiniteCounts[j] > 0 {
            var parts: [String] = []
            if nanCounts[j] > 0 { parts.append("\(nanCounts[j]) NaN") }
            if infiniteCounts[j] > 0 { parts.append("\(infiniteCounts[j]) infinite or out-of-range") }
            problems.append("column \"\(column.name)\" has \(parts.joined(separator: " and ")) value(s)")
        }
        if !problems.isEmpty {
            throw AEPGError(.badData, problems.joined(separator: "; ")
                + "; aepg cannot learn from them: fix or filter those rows (for example train on a view of your own that excludes them)")
        }
        if nullKeys > 0 {
            throw AEPGError(.badData,
                "key column \"\(query.key.name)\" is NULL in \(nullKeys) row(s); the key must be unique and not NULL")
        }
    }
}
