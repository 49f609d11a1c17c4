/// How each input column is scaled before it reaches the network.
public enum ScalingMethod: String, Codable, CaseIterable, Sendable {
    /// `(x - mean) / standard deviation`.
    case standard
    /// `(x - min) / (max - min)`, into [0, 1] on the training rows.
    case minmax
    /// `(x - median) / interquartile range` (scikit-learn's RobustScaler), for heavy tails.
    case robust
    /// The values as they are.
    case none
}

/// Per-column scaling `z = (x - center) / scale`, fitted on training rows and stored with the model.
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
    /// What a missing value becomes: the training mean, scaled.
    public var fill: [Double]

    /// A scaler with explicit parameters (e.g. loaded from the database).
    public init(method: ScalingMethod, center: [Double], scale: [Double], fill: [Double]) {
        self.method = method
        self.center = center
        self.scale = scale
        self.fill = fill
    }

    /// Fits `method` on `rows` of `data` (all rows when nil), ignoring NaN.
    /// - Complexity: O(rows · columns), plus a sort per column for `robust`.
    public static func fit(_ data: Matrix, rows: [Int]? = nil, method: ScalingMethod = .standard) -> FeatureScaler {
        let d = data.columns
        let selected = rows ?? Array(0..<data.rows)
        var center = [Double](repeating: 0, count: d), scale = [Double](repeating: 1, count: d)
        var mean = [Double](repeating: 0, count: d)
        var column = [Double]()
        column.reserveCapacity(selected.count)
        for j in 0..<d {
            column.removeAll(keepingCapacity: true)
            for r in selected {
                let x = Double(data[r, j])
                if !x.isNaN { column.append(x) }
            }
            guard !column.isEmpty else { continue }
            let m = column.reduce(0, +) / Double(column.count)
            mean[j] = m
            switch method {
            case .standard:
                center[j] = m
                scale[j] = (column.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(column.count)).squareRoot()
            case .minmax:
                let low = column.min()!, high = column.max()!
                center[j] = low
                scale[j] = high - low
            case .robust:
                column.sort()
                center[j] = quantile(column, 0.5)
                scale[j] = quantile(column, 0.75) - quantile(column, 0.25)
            case .none:
                break
            }
            if !(scale[j] > 1e-12 * max(1, abs(center[j]))) { scale[j] = 1 }
        }
        let fill = (0..<d).map { (mean[$0] - center[$0]) / scale[$0] }
        return FeatureScaler(method: method, center: center, scale: scale, fill: fill)
    }

    /// Linear interpolation between order statistics (NumPy's default), of sorted values.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let low = Int(position), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }

    /// Scales one row of `center.count` values in place; NaN becomes `fill`.
    public func transform(row: UnsafeMutablePointer<Float>) {
        for j in 0..<center.count {
            let x = Double(row[j])
            row[j] = Float(x.isNaN ? fill[j] : (x - center[j]) / scale[j])
        }
    }

    /// Scales every row of `data` in place.
    public func transform(_ data: inout Matrix) {
        let d = data.columns, n = data.rows
        data.withUnsafeMutableStorage { p in
            for r in 0..<n { transform(row: p + r * d) }
        }
    }
}
