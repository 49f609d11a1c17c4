/// Each row's nearest other rows: the pairs the neighbour embedding pulls together
/// (`NeighborEmbedding`) and the neighbourhoods deep embedded clustering smooths its target over
/// (`DECSettings.neighbors`).
public struct NeighborTable: Equatable, Sendable {
    /// Neighbours per row.
    public let k: Int
    /// `rows x k` row indices, nearest first.
    public let indices: [Int32]

    /// The same rows' nearest `count` neighbours (at most `k`).
    public func nearest(_ count: Int) -> NeighborTable {
        let kept = min(count, k)
        guard kept < k else { return self }
        let rows = indices.count / max(k, 1)
        return NeighborTable(k: kept, indices: (0..<rows).flatMap { indices[($0 * k)..<($0 * k + kept)] })
    }

    /// The neighbours of `row`, nearest first.
    public func neighbors(of row: Int) -> ArraySlice<Int32> { indices[(row * k)..<(row * k + k)] }

    /// Row i of `smoothed` (`rows x width`) becomes the mean of row i of `values` and the rows
    /// of its neighbours.
    public func average(_ values: UnsafePointer<Float>, width: Int, into smoothed: UnsafeMutablePointer<Float>) {
        let rows = indices.count / max(k, 1), share = 1 / Float(k + 1)
        for i in 0..<rows {
            let out = smoothed + i * width
            out.update(from: values + i * width, count: width)
            for j in neighbors(of: i) {
                let other = values + Int(j) * width
                for t in 0..<width { out[t] += other[t] }
            }
            for t in 0..<width { out[t] *= share }
        }
    }
}

/// Exact k-nearest-neighbour search by Euclidean distance, among every row or a set of
/// candidate rows (which bounds the cost on a large table).
public enum NearestNeighbors {
    /// A table of more rows than this searches each row's neighbours among a seeded sample of
    /// this many (`sampledTable`): the search costs rows × candidates distances.
    public static let candidateLimit = 8_192

    /// Rows of one block: its distances to every candidate are one matrix product.
    static let blockRows = 256

    /// The `k` rows of `candidates` (every row when nil) nearest to each row of `data`, the row
    /// itself excluded; ties go to the lower index. `k` is capped at the candidates available.
    ///
    /// Ranks by ‖c‖² − 2 x·c, which orders candidates as ‖x − c‖² does (‖x‖² is the same for
    /// every candidate of x), so the products come from one GEMM per block of rows.
    ///
    /// - Complexity: O(rows · candidates · columns).
    public static func table(_ data: Matrix, k wanted: Int, candidates: [Int]? = nil) -> NeighborTable {
        let pool = candidates ?? Array(0..<data.rows)
        let n = data.rows, m = pool.count, d = data.columns
        let k = max(0, min(wanted, m - (candidates == nil ? 1 : 0)))
        guard k > 0, n > 0 else { return NeighborTable(k: k, indices: []) }
        let points = candidates == nil ? data : data.gatherRows(pool)
        let norms: [Float] = (0..<m).map { j in points.storage[(j * d)..<(j * d + d)].reduce(0) { $0 + $1 * $1 } }
        var indices = [Int32](repeating: 0, count: n * k)
        let blocks = (n + blockRows - 1) / blockRows
        let parts = min(blocks, BLASThreads.available)
        data.storage.withUnsafeBufferPointer { rowsBuffer in
            points.storage.withUnsafeBufferPointer { pointsBuffer in
                indices.withUnsafeMutableBufferPointer { out in
                    let (x, c, result) = (rowsBuffer.baseAddress!, pointsBuffer.baseAddress!, out.baseAddress!)
                    BLASThreads.with(1) {
                        Parallel.forEachPart(parts) { part in
                            let products = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * m)
                            defer { products.deallocate() }
                            var nearest = NearestList(capacity: k)
                            for block in stride(from: part, to: blocks, by: parts) {
                                let first = block * blockRows, count = min(blockRows, n - first)
                                GEMM.multiply(.none, .transposed, m: count, n: m, k: d, a: x + first * d, lda: d,
                                              b: c, ldb: d, c: products, ldc: m)
                                for r in 0..<count {
                                    nearest.reset()
                                    let row = products + r * m
                                    for j in 0..<m where pool[j] != first + r {
                                        nearest.offer(norms[j] - 2 * row[j], index: Int32(pool[j]))
                                    }
                                    nearest.write(into: result + (first + r) * k)
                                }
                            }
                        }
                    }
                }
            }
        }
        return NeighborTable(k: k, indices: indices)
    }

    /// Each row's `k` nearest rows among every row, or among a sample of `candidateLimit` rows
    /// drawn with `seed` on a larger table.
    public static func sampledTable(_ data: Matrix, k: Int, seed: UInt64) -> NeighborTable {
        let limit = candidateLimit
        guard data.rows > limit else { return table(data, k: k) }
        // A stream of its own ("neighbor" in ASCII): other draws from the seed stay as they are.
        var random = SeededRandom(seed: seed ^ 0x6e65_6967_6862_6f72)
        return table(data, k: k, candidates: random.sortedSample(limit, of: Array(0..<data.rows)))
    }

    /// The same table by the definition: every squared distance in Double, sorted; the oracle
    /// for `table` in tests.
    public static func reference(_ data: Matrix, k wanted: Int, candidates: [Int]? = nil) -> NeighborTable {
        let pool = candidates ?? Array(0..<data.rows)
        let k = max(0, min(wanted, pool.count - (candidates == nil ? 1 : 0)))
        var indices: [Int32] = []
        for i in 0..<data.rows {
            let ranked = pool.filter { $0 != i }.map { j -> (Double, Int) in
                let distance = (0..<data.columns).reduce(0.0) { sum, t in
                    let diff = Double(data[i, t]) - Double(data[j, t])
                    return sum + diff * diff
                }
                return (distance, j)
            }.sorted { $0 < $1 }
            indices += ranked.prefix(k).map { Int32($0.1) }
        }
        return NeighborTable(k: k, indices: indices)
    }
}

/// The `capacity` smallest keys offered so far, kept sorted (insertion: k is small).
private struct NearestList {
    private var keys: [Float], indices: [Int32]
    private var count = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        keys = [Float](repeating: 0, count: capacity)
        indices = [Int32](repeating: 0, count: capacity)
    }

    mutating func reset() { count = 0 }

    /// Keeps `(key, index)` if it is among the smallest; an equal key keeps the earlier offer.
    mutating func offer(_ key: Float, index: Int32) {
        if count == capacity {
            guard key < keys[capacity - 1] else { return }
        } else {
            count += 1
        }
        var slot = count - 1
        while slot > 0 && keys[slot - 1] > key {
            keys[slot] = keys[slot - 1]
            indices[slot] = indices[slot - 1]
            slot -= 1
        }
        keys[slot] = key
        indices[slot] = index
    }

    func write(into out: UnsafeMutablePointer<Int32>) {
        for i in 0..<count { out[i] = indices[i] }
    }
}
