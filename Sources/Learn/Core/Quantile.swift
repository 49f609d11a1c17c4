/// Quantiles with linear interpolation between order statistics (NumPy's default): the
/// `q`-quantile of `n` values is the value at position `q · (n - 1)` in sorted order,
/// interpolated between the two order statistics around it. Every quantile in aepg (robust
/// scaling, the ensemble's score calibration, the contamination threshold) is this one.
public enum Quantile {
    /// The `q`-quantile of `sorted` (ascending, not empty).
    public static func of(sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }

    /// The `q`-quantile of `values` (not empty, no NaN) by selection instead of a full sort:
    /// average O(n), which matters for robust scaling's columns of hundreds of thousands of rows.
    /// Reorders `values`; further calls on the same array stay correct.
    public static func selecting(_ values: inout [Double], _ q: Double) -> Double {
        let position = q * Double(values.count - 1)
        let low = Int(position.rounded(.down))
        select(&values, low)
        let lowValue = values[low]
        guard low + 1 < values.count else { return lowValue }
        // After selection everything past `low` is at least values[low]: the next order
        // statistic is the smallest of them.
        let next = values[(low + 1)...].min()!
        return lowValue + (next - lowValue) * (position - Double(low))
    }

    /// Rearranges `values` so that `values[k]` holds the k-th smallest (from 0), with no larger
    /// value before it and no smaller one after it (C++'s `nth_element`): Hoare's quickselect
    /// with a median-of-three pivot, sorting what is left once the range is small or the
    /// partitions keep coming out lopsided.
    static func select(_ values: inout [Double], _ k: Int) {
        values.withUnsafeMutableBufferPointer { a in
            var low = 0, high = a.count - 1
            var budget = 2 * (Int.bitWidth - a.count.leadingZeroBitCount) + 8
            while high > low {
                if high - low < 16 || budget == 0 {
                    var rest = UnsafeMutableBufferPointer(rebasing: a[low...high])
                    rest.sort()
                    return
                }
                budget -= 1
                let mid = low + (high - low) / 2
                if a[mid] < a[low] { a.swapAt(mid, low) }
                if a[high] < a[low] { a.swapAt(high, low) }
                if a[high] < a[mid] { a.swapAt(high, mid) }
                // a[low] <= pivot <= a[high]: both scans stop inside the range.
                let pivot = a[mid]
                var i = low, j = high
                while i <= j {
                    while a[i] < pivot { i += 1 }
                    while a[j] > pivot { j -= 1 }
                    if i <= j {
                        a.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                // Now a[low...j] <= pivot <= a[i...high], and anything between equals the pivot.
                if k <= j {
                    high = j
                } else if k >= i {
                    low = i
                } else {
                    return
                }
            }
        }
    }
}
