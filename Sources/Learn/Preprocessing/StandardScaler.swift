/// Standardization `z = (x - mean) / scale`, fitted on training rows and stored with the model.
///
/// Missing values (NaN, which is how NULLs arrive) are ignored when fitting and become the
/// training mean (z = 0) when transforming. A constant column gets scale 1, so it maps to 0
/// instead of dividing by zero.
public struct StandardScaler: Codable, Equatable, Sendable {
    /// Per-column mean of the non-missing training values.
    public var mean: [Double]
    /// Per-column standard deviation (population), or 1 where it is 0 or undefined.
    public var scale: [Double]

    /// A scaler with explicit parameters (e.g. loaded from the database).
    public init(mean: [Double], scale: [Double]) {
        self.mean = mean
        self.scale = scale
    }

    /// Fits on `rows` of `data` (all rows when nil), ignoring NaN.
    /// - Complexity: O(rows · columns), one pass (Welford).
    public static func fit(_ data: Matrix, rows: [Int]? = nil) -> StandardScaler {
        let d = data.columns
        var count = [Double](repeating: 0, count: d)
        var mean = [Double](repeating: 0, count: d)
        var m2 = [Double](repeating: 0, count: d)
        func visit(_ r: Int) {
            for j in 0..<d {
                let x = Double(data[r, j])
                guard !x.isNaN else { continue }
                count[j] += 1
                let delta = x - mean[j]
                mean[j] += delta / count[j]
                m2[j] += delta * (x - mean[j])
            }
        }
        if let rows { rows.forEach(visit) } else { (0..<data.rows).forEach(visit) }
        var scale = [Double](repeating: 1, count: d)
        for j in 0..<d where count[j] > 0 {
            let sd = (m2[j] / count[j]).squareRoot()
            scale[j] = sd > 1e-12 * max(1, abs(mean[j])) ? sd : 1
        }
        return StandardScaler(mean: mean, scale: scale)
    }

    /// Standardizes one row of `mean.count` values in place; NaN becomes 0.
    public func transform(row: UnsafeMutablePointer<Float>) {
        for j in 0..<mean.count {
            let x = Double(row[j])
            row[j] = x.isNaN ? 0 : Float((x - mean[j]) / scale[j])
        }
    }

    /// Standardizes every row of `data` in place.
    public func transform(_ data: inout Matrix) {
        let d = data.columns, n = data.rows
        data.withUnsafeMutableStorage { p in
            for r in 0..<n { transform(row: p + r * d) }
        }
    }
}
