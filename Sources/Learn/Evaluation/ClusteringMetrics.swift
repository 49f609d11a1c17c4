import Foundation

/// How well cluster labels agree with known classes.
public struct ClusteringMetrics: Codable, Equatable, Sendable {
    /// Share of rows whose cluster maps to their class under the best one-to-one mapping
    /// of clusters to classes (found with the Hungarian algorithm).
    public var accuracy: Double
    /// Normalized mutual information, normalized by the arithmetic mean of the two entropies
    /// (scikit-learn's default).
    public var nmi: Double
    /// Adjusted Rand index (Hubert & Arabie, 1985).
    public var ari: Double
    public var clusters: Int
    public var classes: Int
    public var rows: Int

    /// Compares `clusters[i]` with `classes[i]` (any hashable labels).
    public static func evaluate<C: Hashable, L: Hashable>(clusters: [C], classes: [L]) -> ClusteringMetrics {
        precondition(clusters.count == classes.count)
        let n = clusters.count
        let clusterIndex = Dictionary(uniqueKeysWithValues: Array(Set(clusters)).enumerated().map { ($1, $0) })
        let classIndex = Dictionary(uniqueKeysWithValues: Array(Set(classes)).enumerated().map { ($1, $0) })
        let a = clusterIndex.count, b = classIndex.count
        var table = [[Double]](repeating: [Double](repeating: 0, count: b), count: a)
        for i in 0..<n { table[clusterIndex[clusters[i]]!][classIndex[classes[i]]!] += 1 }
        return ClusteringMetrics(accuracy: accuracy(table, rows: n), nmi: nmi(table, rows: n), ari: ari(table, rows: n),
                                 clusters: a, classes: b, rows: n)
    }

    /// Best one-to-one matching of the contingency table's rows and columns, as a share of rows.
    static func accuracy(_ table: [[Double]], rows n: Int) -> Double {
        guard n > 0 else { return 0 }
        // The Hungarian algorithm minimises, over the shorter side: maximise matches instead.
        let transposed = table.count > table[0].count
        let t = transposed ? (0..<table[0].count).map { j in table.map { $0[j] } } : table
        let largest = t.flatMap { $0 }.max() ?? 0
        let assignment = Hungarian.minimumCostAssignment(t.map { $0.map { largest - $0 } })
        let matched = assignment.enumerated().reduce(0.0) { $0 + t[$1.offset][$1.element] }
        return matched / Double(n)
    }

    static func nmi(_ table: [[Double]], rows n: Int) -> Double {
        let total = Double(n)
        let rowSums = table.map { $0.reduce(0, +) }
        let columnSums = (0..<table[0].count).map { j in table.reduce(0) { $0 + $1[j] } }
        func entropy(_ counts: [Double]) -> Double {
            counts.reduce(0) { $1 > 0 ? $0 - ($1 / total) * Foundation.log($1 / total) : $0 }
        }
        var mutual = 0.0
        for (i, row) in table.enumerated() {
            for (j, count) in row.enumerated() where count > 0 {
                mutual += count / total * Foundation.log(count * total / (rowSums[i] * columnSums[j]))
            }
        }
        let hu = entropy(rowSums), hv = entropy(columnSums)
        if hu == 0 && hv == 0 { return 1 }  // one cluster and one class: identical partitions
        return max(0, mutual / ((hu + hv) / 2))
    }

    static func ari(_ table: [[Double]], rows n: Int) -> Double {
        func pairs(_ x: Double) -> Double { x * (x - 1) / 2 }
        let index = table.reduce(0) { $0 + $1.reduce(0) { $0 + pairs($1) } }
        let rowPairs = table.reduce(0) { $0 + pairs($1.reduce(0, +)) }
        let columnPairs = (0..<table[0].count).reduce(0) { sum, j in sum + pairs(table.reduce(0) { $0 + $1[j] }) }
        let expected = rowPairs * columnPairs / pairs(Double(n))
        let maximum = (rowPairs + columnPairs) / 2
        if maximum == expected { return 1 }  // both trivial partitions (scikit-learn's convention)
        return (index - expected) / (maximum - expected)
    }
}
