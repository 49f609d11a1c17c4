/// Quantiles with linear interpolation between order statistics (NumPy's default): the
/// `q`-quantile of `n` values is the value at position `q · (n - 1)` in sorted order,
/// interpolated between the two order statistics around it. Every quantile in aepg (robust
/// scaling, the ensemble's score calibration, the contamination threshold) is this one.
public enum Quantile {
    /// The `q`-quantile of `sorted` (ascending, not empty): the reference the selection is tested against.
    public static func of(sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }

    /// The `qs`-quantiles of `values` (not empty, no NaN), without sorting them: the order
    /// statistics around each position are found by radix selection (`RadixSelection`), a few
    /// passes over the values whatever their order, where sorting hundreds of thousands of rows
    /// per column (robust scaling) or per member (calibration) cost more than the rest of
    /// preprocessing.
    public static func of<Value: RadixOrdered>(_ values: [Value], _ qs: [Double]) -> [Double] {
        precondition(!values.isEmpty, "a quantile of no values")
        let positions = qs.map { $0 * Double(values.count - 1) }
        let lows = positions.map { Int($0.rounded(.down)) }
        let ranks = lows + lows.map { min($0 + 1, values.count - 1) }
        let statistics = values.withUnsafeBufferPointer { RadixSelection.orderStatistics(of: $0, ranks: ranks) }.map { Double($0) }
        return positions.indices.map { i in
            let low = statistics[i], high = statistics[i + qs.count]
            return low + (high - low) * (positions[i] - Double(lows[i]))
        }
    }
}
