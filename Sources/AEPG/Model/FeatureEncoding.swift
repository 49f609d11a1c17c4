import Learn

/// How a model's source columns become the network's inputs: numeric columns as they are (an
/// array column as one input per element, `column[i]`), optionally a 0/1 "was NULL" input per
/// numeric input, and text columns one-hot or label encoded with the categories seen in training.
///
/// A raw row is the numeric inputs (NULL as NaN) followed by one category code per text
/// column (its index in `categories`, or -1 for NULL and for categories not seen in training).
/// Unknown and NULL categories encode as "none of the known ones": all zeros one-hot, or a
/// missing value (imputed with the training mean) with label encoding.
public struct FeatureEncoding: Codable, Equatable, Sendable {
    /// A text column and its categories, sorted (LabelEncoder's order).
    public struct CategoricalColumn: Codable, Equatable, Sendable {
        public var name: String
        public var categories: [String]
    }

    /// More categories than this in one column is an error with one-hot encoding: an identifier
    /// or free-text column would otherwise become thousands of inputs.
    public static let maximumOneHotCategories = 1000

    /// An array column: `length` consecutive numeric inputs from position `start`, named
    /// `name[1]` to `name[length]` (row-major when it has several dimensions).
    public struct ArrayColumn: Codable, Equatable, Sendable {
        public var name: String
        public var length: Int
        public var start: Int

        public init(name: String, length: Int, start: Int) {
            self.name = name
            self.length = length
            self.start = start
        }

        /// The names of its inputs, as `top_features` reports them (1-based, as SQL indexes arrays).
        public static func elementNames(of name: String, length: Int) -> [String] {
            (0..<length).map { "\(name)[\($0 + 1)]" }
        }
    }

    /// Names of the numeric inputs: a scalar column's name, or an array column's element names.
    public var numeric: [String]
    /// The array columns among the numeric inputs, in order.
    public var arrays: [ArrayColumn]
    public var categorical: [CategoricalColumn]
    public var method: CategoricalEncoding
    /// Positions (in `numeric`) of the inputs with a NULL indicator input.
    public var nullIndicators: [Int]

    public init(numeric: [String], arrays: [ArrayColumn] = [], categorical: [CategoricalColumn] = [],
                method: CategoricalEncoding = .onehot, nullIndicators: [Int] = []) {
        self.numeric = numeric
        self.arrays = arrays
        self.categorical = categorical
        self.method = method
        self.nullIndicators = nullIndicators
    }

    private enum CodingKeys: String, CodingKey { case numeric, arrays, categorical, method, nullIndicators }

    /// Reads encodings stored before array columns existed (no `arrays`) too.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        numeric = try container.decode([String].self, forKey: .numeric)
        arrays = try container.decodeIfPresent([ArrayColumn].self, forKey: .arrays) ?? []
        categorical = try container.decode([CategoricalColumn].self, forKey: .categorical)
        method = try container.decode(CategoricalEncoding.self, forKey: .method)
        nullIndicators = try container.decode([Int].self, forKey: .nullIndicators)
    }

    /// The numeric source columns in order, each with its array length (nil for a scalar column).
    public var numericColumns: [(name: String, length: Int?)] {
        var columns: [(name: String, length: Int?)] = []
        var position = 0
        var pending = arrays[...]
        while position < numeric.count {
            if let array = pending.first, array.start == position {
                columns.append((array.name, array.length))
                position += array.length
                pending = pending.dropFirst()
            } else {
                columns.append((numeric[position], nil))
                position += 1
            }
        }
        return columns
    }

    /// Width of a raw row.
    public var rawWidth: Int { numeric.count + categorical.count }
    /// Whether inputs are the raw numeric values unchanged (no copy needed).
    public var isIdentity: Bool { categorical.isEmpty && nullIndicators.isEmpty }

    /// Names of the network's inputs, as `top_features` reports them: a numeric column's name,
    /// `column_is_null`, `column=category` (one-hot) or the text column's name (label).
    public var inputNames: [String] {
        var names = numeric + nullIndicators.map { numeric[$0] + "_is_null" }
        for column in categorical {
            switch method {
            case .onehot: names += column.categories.map { "\(column.name)=\($0)" }
            case .label: names.append(column.name)
            }
        }
        return names
    }

    /// Width of the network's input.
    public var inputWidth: Int {
        numeric.count + nullIndicators.count
            + (method == .label ? categorical.count : categorical.reduce(0) { $0 + $1.categories.count })
    }

    /// Encodes one raw row into `inputWidth` inputs (before scaling).
    public func encode(raw: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        out.update(from: raw, count: numeric.count)
        var o = numeric.count
        for i in nullIndicators {
            out[o] = raw[i].isNaN ? 1 : 0
            o += 1
        }
        for (c, column) in categorical.enumerated() {
            let code = Int(raw[numeric.count + c])
            switch method {
            case .onehot:
                (out + o).update(repeating: 0, count: column.categories.count)
                if code >= 0 { out[o + code] = 1 }
                o += column.categories.count
            case .label:
                out[o] = code >= 0 ? Float(code) : .nan
                o += 1
            }
        }
    }

    /// Encodes every raw row of `raw`.
    public func encode(_ raw: Matrix) -> Matrix {
        if isIdentity { return raw }
        var encoded = Matrix(rows: raw.rows, columns: inputWidth)
        encoded.withUnsafeMutableStorage { out in
            raw.storage.withUnsafeBufferPointer { source in
                for r in 0..<raw.rows { encode(raw: source.baseAddress! + r * rawWidth, into: out + r * inputWidth) }
            }
        }
        return encoded
    }
}

/// Category codes of one text column while reading: fixed (scoring) or growing (training,
/// first-seen order, renumbered in sorted order by `sortedCategories`).
final class CategoryCodes {
    private var codes: [[UInt8]: Int32] = [:]
    private var names: [[UInt8]] = []
    private let growing: Bool
    private(set) var unseen = 0

    /// Codes for a trained model's categories (unknown ones get -1), or empty and growing.
    init(categories: [String]? = nil) {
        growing = categories == nil
        for (i, name) in (categories ?? []).enumerated() { codes[Array(name.utf8)] = Int32(i); names.append(Array(name.utf8)) }
    }

    /// Reused for lookups, so a known category costs no allocation.
    private var scratch: [UInt8] = []

    /// The code of a category's UTF-8 bytes; -1 for NULL (nil) or an unknown category.
    func code(_ bytes: UnsafeRawBufferPointer?) -> Int32 {
        guard let bytes else { return -1 }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: bytes)
        if let code = codes[scratch] { return code }
        guard growing else { unseen += 1; return -1 }
        let code = Int32(names.count)
        codes[scratch] = code
        names.append(scratch)
        return code
    }

    /// The categories in sorted order and, for each first-seen code, its sorted position.
    func sortedCategories() -> (categories: [String], renumbering: [Int32]) {
        let strings = names.map { String(decoding: $0, as: UTF8.self) }
        let order = strings.indices.sorted { strings[$0] < strings[$1] }
        var renumbering = [Int32](repeating: -1, count: strings.count)
        for (position, original) in order.enumerated() { renumbering[original] = Int32(position) }
        return (order.map { strings[$0] }, renumbering)
    }
}
