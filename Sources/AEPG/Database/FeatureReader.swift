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

    mutating func append(contentsOf other: KeyColumn) {
        let base = bytes.count
        bytes.append(contentsOf: other.bytes)
        offsets.append(contentsOf: other.offsets.dropFirst().lazy.map { $0 + base })
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

/// Streams rows from binary COPY into Float32 features, counting what needs attention:
/// NULL keys, NULL features (to impute, by input), NaN and infinities and arrays of another
/// length (rejected, by column).
final class FeatureReader {
    let query: FeatureQuery
    private(set) var nullKeys = 0
    /// NULL values by numeric input (a NULL array counts for each of its elements).
    private(set) var nullCounts: [Int]
    /// By numeric column: NaN, infinite or beyond-Float values, and arrays of another length.
    private(set) var nanCounts: [Int]
    private(set) var infiniteCounts: [Int]
    private(set) var wrongLengths: [Int]
    /// Codes of the categorical columns' values.
    let categoryCodes: [CategoryCodes]
    private let row: UnsafeMutablePointer<Float>
    /// An array column's elements as decoded, before they become Float inputs.
    private let elements: UnsafeMutablePointer<Double>
    private let starts: [Int]

    /// A reader for `query`; `categories` are a trained model's (nil while training: they grow).
    init(query: FeatureQuery, categories: [[String]]? = nil) {
        self.query = query
        let columns = query.features.count
        nullCounts = Array(repeating: 0, count: query.numericWidth)
        nanCounts = Array(repeating: 0, count: columns)
        infiniteCounts = nanCounts
        wrongLengths = nanCounts
        categoryCodes = query.categorical.indices.map { CategoryCodes(categories: categories?[$0]) }
        row = .allocate(capacity: max(query.numericWidth + query.categorical.count, 1))
        elements = .allocate(capacity: max(query.features.map { $0.length ?? 0 }.max() ?? 0, 1))
        starts = query.features.reduce(into: [0]) { $0.append($0.last! + $1.width) }
    }

    deinit {
        row.deallocate()
        elements.deallocate()
    }

    /// Streams the rows of `sql`; `body` gets each row's key bytes, its raw features (NULL as NaN,
    /// then the category codes; valid only during the call) and its label (nil when NULL or when
    /// there is no label). Unless told not to (`checking`: one part of a read, checked once all
    /// parts are in), throws for what `checkValues` refuses.
    func read(_ connection: PGConnection, sql: String, checking: Bool = true,
              _ body: (UnsafeRawBufferPointer, UnsafeMutablePointer<Float>, Double?) throws -> Void) throws {
        var decoder = BinaryCopyDecoder()
        let numeric = query.numericWidth
        let hasLabel = query.label != nil
        try connection.copyOut(sql) { message in
            try decoder.decode(message) { fields in
                guard let key = try fields.next() else { nullKeys += 1; return }
                for (c, feature) in query.features.enumerated() {
                    if let length = feature.length {
                        try readArray(&fields, column: c, length: length)
                    } else {
                        readScalar(try fields.nextDouble(), column: c)
                    }
                }
                for (c, codes) in categoryCodes.enumerated() { row[numeric + c] = Float(codes.code(try fields.next())) }
                let label = hasLabel ? try fields.nextDouble() : nil
                try body(key, row, label)
            }
        }
        if checking { try checkValues() }
    }

    /// Adds the counts of `other`, which read another part of the same query's rows (text columns
    /// are not read in parts: their codes are numbered in the order values are first seen).
    func absorb(_ other: FeatureReader) {
        precondition(categoryCodes.isEmpty, "a query with text columns is read in one part")
        nullKeys += other.nullKeys
        for i in nullCounts.indices { nullCounts[i] += other.nullCounts[i] }
        for c in nanCounts.indices {
            nanCounts[c] += other.nanCounts[c]
            infiniteCounts[c] += other.infiniteCounts[c]
            wrongLengths[c] += other.wrongLengths[c]
        }
    }

    private func readScalar(_ value: Double?, column c: Int) {
        let input = starts[c]
        guard let value else {
            nullCounts[input] += 1
            row[input] = .nan
            return
        }
        let single = Float(value)
        if value.isNaN { nanCounts[c] += 1 } else if !single.isFinite { infiniteCounts[c] += 1 }
        row[input] = single
    }

    /// A NULL array is NULL in every element; an array of another length is counted (an error at
    /// the end, like NaN). The decoder writes NULL elements as NaN and counts them, so the NaN values that
    /// were sent as such are the NaNs beyond that count.
    private func readArray(_ fields: inout FieldCursor, column c: Int, length: Int) throws {
        let start = starts[c]
        guard let shape = try fields.nextDoubleArray(into: elements, capacity: length) else {
            for i in start..<(start + length) { nullCounts[i] += 1 }
            (row + start).update(repeating: .nan, count: length)
            return
        }
        guard shape.count == length else {
            wrongLengths[c] += 1
            (row + start).update(repeating: .nan, count: length)
            return
        }
        var nans = 0
        for i in 0..<length {
            let value = elements[i]
            let single = Float(value)
            if value.isNaN {
                nans += 1
                nullCounts[start + i] += 1
            } else if !single.isFinite {
                infiniteCounts[c] += 1
            }
            row[start + i] = single
        }
        nanCounts[c] += nans - shape.nulls
    }

    /// Throws `badData` naming every column with NaN or infinite values or arrays of another
    /// length, and for NULL keys.
    func checkValues() throws {
        var problems: [String] = []
        for (c, feature) in query.features.enumerated() where nanCounts[c] + infiniteCounts[c] + wrongLengths[c] > 0 {
            var parts: [String] = []
            if nanCounts[c] > 0 { parts.append("\(nanCounts[c]) NaN value(s)") }
            if infiniteCounts[c] > 0 { parts.append("\(infiniteCounts[c]) infinite or out-of-range value(s)") }
            if wrongLengths[c] > 0, let length = feature.length {
                parts.append("\(wrongLengths[c]) array(s) whose length is not \(length) (the model's, fixed by the first row at training)")
            }
            problems.append("column \"\(feature.column.name)\" has \(parts.joined(separator: " and "))")
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
