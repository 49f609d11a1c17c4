/// A dense row-major matrix of `Float`: `rows` samples by `columns` features.
///
/// The training data lives in one of these, once, in Float32.
public struct Matrix: Equatable, Sendable {
    /// Number of rows (samples).
    public private(set) var rows: Int
    /// Number of columns (features).
    public let columns: Int
    /// Row-major storage, `rows * columns` elements.
    public private(set) var storage: [Float]

    /// A matrix of zeros.
    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        storage = [Float](repeating: 0, count: rows * columns)
    }

    /// A matrix from row-major values; `values.count` must equal `rows * columns`.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "Matrix: \(values.count) values for \(rows)x\(columns)")
        self.rows = rows
        self.columns = columns
        storage = values
    }

    /// An empty matrix with room reserved for `capacity` rows; grow it with `appendRow`.
    public init(columns: Int, reservingRows capacity: Int) {
        self.rows = 0
        self.columns = columns
        storage = []
        storage.reserveCapacity(capacity * columns)
    }

    /// Element access.
    public subscript(row: Int, column: Int) -> Float {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// Appends one row given as a buffer of `columns` values.
    public mutating func appendRow(_ values: UnsafeBufferPointer<Float>) {
        precondition(values.count == columns)
        storage.append(contentsOf: values)
        rows += 1
    }

    /// Appends every row of `other`, which has as many columns.
    public mutating func appendRows(of other: Matrix) {
        precondition(other.columns == columns)
        storage.append(contentsOf: other.storage)
        rows += other.rows
    }

    /// One row as an array (a copy).
    public func row(_ index: Int) -> [Float] {
        Array(storage[(index * columns)..<((index + 1) * columns)])
    }

    /// The rows at `indices`, in that order.
    public func gatherRows(_ indices: [Int]) -> Matrix {
        var out = Matrix(rows: indices.count, columns: columns)
        storage.withUnsafeBufferPointer { src in
            out.storage.withUnsafeMutableBufferPointer { dst in
                for (i, r) in indices.enumerated() {
                    (dst.baseAddress! + i * columns).update(from: src.baseAddress! + r * columns, count: columns)
                }
            }
        }
        return out
    }

    /// Gives mutable access to the row-major storage.
    public mutating func withUnsafeMutableStorage<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
    }
}
