import Foundation

/// How each input column is scaled before it reaches the network.
public enum ScalingMethod: String, Codable, CaseIterable, Sendable {
    /// `(x - mean) / standard deviation`.
    case standard
    /// `(x - min) / (max - min)`, into [0, 1] on the training rows.
    case minmax
    /// `(x - median) / interquartile range` (scikit-learn's RobustScaler), for heavy tails.
    case robust
    /// `robust`, and a column with a very heavy tail (standard deviation over
    /// `FeatureScaler.heavyTail` IQRs) compressed, `asinh((x - median) / IQR)`, so that its
    /// extremes do not drown the other inputs.
    case robustAsinh = "robust-asinh"
    /// The values as they are.
    case none
}

/// Per-column scaling `z = (x - center) / scale`, fitted on training rows and stored with the model;
/// `z = asinh((x - center) / scale)` for the columns `robust-asinh` compresses (`compressed`).
///
/// Missing values (NaN, which is how NULLs arrive) are ignored when fitting and become the
/// training mean, scaled (`fill`), when transforming: 0 for standard scaling. A constant column
/// gets scale 1, so it maps to a constant instead of dividing by zero.
public struct FeatureScaler: Codable, Equatable, Sendable {
    public var method: ScalingMethod
    /// Subtracted from each column.
    public var center: [Double]
    /// Each column is divided by this (never 0).
    public var scale: [Double]
    /// What a missing value becomes: the training mean, scaled (before any compression).
    public var fill: [Double]
    /// Columns whose scaled value is compressed by asinh (empty: none).
    public var compressed: [Bool]

    /// `robust-asinh` compresses a column whose standard deviation exceeds this many interquartile
    /// ranges. A normal distribution's is 0.74; fault's pixel areas reach 7, where their normal
    /// rows' extremes (200 IQRs out) hid the anomalies (docs/benchmarks.md).
    public static let heavyTail = 3.0

    /// A scaler with explicit parameters (e.g. loaded from the database).
    public init(method: ScalingMethod, center: [Double], scale: [Double], fill: [Double], compressed: [Bool] = []) {
        self.method = method
        self.center = center
        self.scale = scale
        self.fill = fill
        self.compressed = compressed.contains(true) ? compressed : []
    }

    /// Fits `method` on `rows` of `data` (all rows when nil), ignoring NaN; the columns are
    /// fitted side by side on the available cores.
    /// - Complexity: O(rows · columns), also for `robust` (its quantiles are selected, not sorted).
    public static func fit(_ data: Matrix, rows: [Int]? = nil, method: ScalingMethod = .standard) -> FeatureScaler {
        let d = data.columns
        let selected = rows ?? Array(0..<data.rows)
        var fitted = [(center: Double, scale: Double, mean: Double, heavy: Bool)](repeating: (0, 1, 0, false), count: d)
        let parts = min(d, BLASThreads.available)
        // Each part gathers a few neighbouring columns per pass over the rows, so a row's values
        // come from one cache line rather than one line per column; at most about 16 MiB a part.
        let block = max(1, min(8, (1 << 22) / max(selected.count, 1)))
        fitted.withUnsafeMutableBufferPointer { out in
            let slot = out.baseAddress!
            Parallel.forEachPart(parts) { part in
                var columns = [[Float]](repeating: [], count: block)
                for b in columns.indices { columns[b].reserveCapacity(selected.count) }
                var first = d * part / parts
                let end = d * (part + 1) / parts
                data.storage.withUnsafeBufferPointer { storage in
                    while first < end {
                        let width = min(block, end - first)
                        for b in 0..<width { columns[b].removeAll(keepingCapacity: true) }
                        for r in selected {
                            let row = storage.baseAddress! + r * d + first
                            for b in 0..<width where !row[b].isNaN { columns[b].append(row[b]) }
                        }
                        for b in 0..<width { slot[first + b] = fitColumn(columns[b], method: method) }
                        first += width
                    }
                }
            }
        }
        let fill = fitted.map { ($0.mean - $0.center) / $0.scale }
        return FeatureScaler(method: method, center: fitted.map(\.center), scale: fitted.map(\.scale), fill: fill,
                             compressed: fitted.map(\.heavy))
    }

    /// One column's center, scale (never 0), mean and whether it is compressed, from its
    /// non-missing values.
    private static func fitColumn(_ column: [Float], method: ScalingMethod) -> (center: Double, scale: Double, mean: Double, heavy: Bool) {
        guard !column.isEmpty else { return (0, 1, 0, false) }
        let mean = column.reduce(0) { $0 + Double($1) } / Double(column.count)
        /// Computed only where a method needs it.
        func deviation() -> Double { (column.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(column.count)).squareRoot() }
        var center = 0.0, scale = 1.0, heavy = false
        switch method {
        case .standard:
            center = mean
            scale = deviation()
        case .minmax:
            center = Double(column.min()!)
            scale = Double(column.max()!) - center
        case .robust, .robustAsinh:
            let spread = method == .robustAsinh ? deviation() : 0
            let quartiles = Quantile.of(column, [0.25, 0.5, 0.75])
            center = quartiles[1]
            scale = quartiles[2] - quartiles[0]
            heavy = method == .robustAsinh && scale > 0 && spread > heavyTail * scale
        case .none:
            break
        }
        if !(scale > 1e-12 * max(1, abs(center))) { scale = 1 }
        return (center, scale, mean, heavy)
    }

    /// Scales one row of `center.count` values in place; NaN becomes `fill`.
    public func transform(row: UnsafeMutablePointer<Float>) {
        for j in 0..<center.count {
            let x = Double(row[j])
            let z = x.isNaN ? fill[j] : (x - center[j]) / scale[j]
            row[j] = Float(compressed.isEmpty || !compressed[j] ? z : asinh(z))
        }
    }

    /// Scales every row of `data` in place, a block of rows per core (rows are independent, so
    /// the result does not depend on the split).
    public func transform(_ data: inout Matrix) {
        let d = data.columns, n = data.rows
        let parts = n >= 4096 ? BLASThreads.available : 1
        data.withUnsafeMutableStorage { p in
            Parallel.forEachPart(parts) { part in
                for r in (n * part / parts)..<(n * (part + 1) / parts) { transform(row: p + r * d) }
            }
        }
    }
}
