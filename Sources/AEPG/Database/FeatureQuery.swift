import PGClient

/// A numeric feature column as the network's inputs: a scalar column is one input; an array
/// column is `length` inputs (its elements in row-major order), its length fixed at training.
public struct NumericFeature: Equatable, Sendable {
    public var column: SourceColumn
    /// The number of elements of an array column; nil for a scalar column.
    public var length: Int?

    public init(column: SourceColumn, length: Int? = nil) {
        self.column = column
        self.length = length
    }

    /// Number of inputs.
    public var width: Int { length ?? 1 }

    /// Names of its inputs: the column's, or `column[1]` ... `column[length]`.
    public var inputNames: [String] {
        length.map { FeatureEncoding.ArrayColumn.elementNames(of: column.name, length: $0) } ?? [column.name]
    }
}

/// The query that streams a model's rows: key, numeric features as float8 (arrays as float8[]),
/// categorical ones as text, then the label if any.
struct FeatureQuery {
    var source: SourceTable
    var key: SourceColumn
    var features: [NumericFeature]
    var categorical: [SourceColumn] = []
    var label: SourceColumn?

    init(source: SourceTable, key: SourceColumn, features: [NumericFeature], categorical: [SourceColumn] = [],
         label: SourceColumn?) {
        self.source = source
        self.key = key
        self.features = features
        self.categorical = categorical
        self.label = label
    }

    /// Number of numeric inputs (an array column counts its elements).
    var numericWidth: Int { features.reduce(0) { $0 + $1.width } }

    /// Names of the columns read as inputs: numeric inputs (array elements one by one), then the categorical columns.
    var inputColumnNames: [String] { features.flatMap(\.inputNames) + categorical.map(\.name) }

    /// The array columns among the numeric inputs, where their elements start.
    var arrayColumns: [FeatureEncoding.ArrayColumn] {
        var start = 0
        var arrays: [FeatureEncoding.ArrayColumn] = []
        for feature in features {
            if let length = feature.length { arrays.append(.init(name: feature.column.name, length: length, start: start)) }
            start += feature.width
        }
        return arrays
    }

    /// `COPY (SELECT ...) TO STDOUT (FORMAT binary)`; with `skipScoredIn`, only rows that have
    /// no result yet for the version in the session setting `aepg.version`; with `range`, only
    /// keys in that range (its bounds set on the session with `KeyRange.apply`); with `blocks`,
    /// only the rows stored in that range of pages (`BlockRange.apply`).
    func copySQL(skipScoredIn results: String? = nil, range: KeyRange? = nil, blocks: BlockRange? = nil) -> String {
        let keyColumn = "s.\(quoteIdentifier(key.name))"
        let columns = [keyColumn] + features.map(\.column.asDouble) + categorical.map(\.asText) + (label.map { [$0.asDouble] } ?? [])
        var conditions: [String] = []
        if let results {
            conditions.append("NOT EXISTS (SELECT 1 FROM \(results) r WHERE r.version = current_setting('aepg.version')::int"
                + " AND r.\(quoteIdentifier(key.name)) = \(keyColumn))")
        }
        if let range { conditions.append(range.condition(on: keyColumn, typeName: key.typeName)) }
        if let blocks, let rowID = source.rowIDColumn { conditions.append(blocks.condition(on: "s.\(quoteIdentifier(rowID))")) }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return "COPY (SELECT \(columns.joined(separator: ", ")) FROM \(source.readName) s\(filter)) TO STDOUT (FORMAT binary)"
    }
}
