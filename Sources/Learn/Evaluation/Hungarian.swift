/// The assignment problem: a one-to-one matching of rows to columns of minimum total cost.
public enum Hungarian {
    /// For an `n x m` cost matrix (`n <= m`), the column matched to each row, minimising the
    /// total cost (Kuhn–Munkres with potentials, O(n² m)).
    public static func minimumCostAssignment(_ cost: [[Double]]) -> [Int] {
        let n = cost.count
        guard n > 0 else { return [] }
        let m = cost[0].count
        precondition(n <= m, "Hungarian: more rows than columns; transpose the matrix")
        // 1-based arrays, column 0 a sentinel (the classic formulation).
        var u = [Double](repeating: 0, count: n + 1), v = [Double](repeating: 0, count: m + 1)
        var matchedRow = [Int](repeating: 0, count: m + 1), way = [Int](repeating: 0, count: m + 1)
        for row in 1...n {
            matchedRow[0] = row
            var column = 0
            var minimum = [Double](repeating: .infinity, count: m + 1)
            var used = [Bool](repeating: false, count: m + 1)
            repeat {
                used[column] = true
                let r = matchedRow[column]
                var delta = Double.infinity, next = 0
                for j in 1...m where !used[j] {
                    let reduced = cost[r - 1][j - 1] - u[r] - v[j]
                    if reduced < minimum[j] { minimum[j] = reduced; way[j] = column }
                    if minimum[j] < delta { delta = minimum[j]; next = j }
                }
                for j in 0...m {
                    if used[j] { u[matchedRow[j]] += delta; v[j] -= delta } else { minimum[j] -= delta }
                }
                column = next
            } while matchedRow[column] != 0
            repeat {
                let previous = way[column]
                matchedRow[column] = matchedRow[previous]
                column = previous
            } while column != 0
        }
        var assignment = [Int](repeating: -1, count: n)
        for j in 1...m where matchedRow[j] != 0 { assignment[matchedRow[j] - 1] = j - 1 }
        return assignment
    }
}
