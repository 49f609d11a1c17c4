/// The outcome of k-means.
public struct KMeansResult: Equatable, Sendable {
    /// `k x dimensions`, row-major.
    public var centroids: Matrix
    /// Cluster of each point.
    public var labels: [Int32]
    /// Euclidean distance of each point to its centroid.
    public var distances: [Float]
    /// Sum of squared distances to the assigned centroids.
    public var inertia: Double
    /// Lloyd iterations of the best restart.
    public var iterations: Int
}

/// Errors for inputs k-means cannot cluster.
public enum KMeansError: Error, Equatable, CustomStringConvertible {
    case tooFewPoints(points: Int, clusters: Int)

    public var description: String {
        switch self {
        case .tooFewPoints(let points, let clusters):
            return "cannot form \(clusters) clusters from \(points) rows; lower the number of clusters to at most \(points)"
        }
    }
}

/// Lloyd's k-means with k-means++ seeding (Arthur & Vassilvitskii, 2007) and restarts;
/// the restart with the lowest inertia wins. Convergence follows scikit-learn: stop when the
/// centroids' total squared shift falls below `tolerance` times the mean feature variance.
public struct KMeans: Sendable {
    public var clusters: Int
    public var restarts: Int
    public var maxIterations: Int
    /// Relative convergence tolerance (scikit-learn's `tol`).
    public var tolerance: Double
    /// Larger inputs fit the centroids on a seeded sample of this many points, then assign every point.
    public var sampleSize: Int
    public var seed: UInt64

    public init(clusters: Int, restarts: Int = 4, maxIterations: Int = 100, tolerance: Double = 1e-4,
                sampleSize: Int = 100_000, seed: UInt64 = 0) {
        self.clusters = clusters
        self.restarts = restarts
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.sampleSize = sampleSize
        self.seed = seed
    }

    /// Clusters the rows of `points`.
    /// - Complexity: O(restarts · iterations · min(n, sampleSize) · k · d + n · k · d).
    public func fit(_ points: Matrix) throws -> KMeansResult {
        guard points.rows >= clusters, clusters >= 1 else {
            throw KMeansError.tooFewPoints(points: points.rows, clusters: clusters)
        }
        var random = SeededRandom(seed: seed)
        var sample = points
        if points.rows > sampleSize {
            var indices = Array(0..<points.rows)
            indices.shuffle(using: &random)
            sample = points.gatherRows(Array(indices.prefix(sampleSize)))
        }
        let threshold = tolerance * Self.meanVariance(sample)
        // The starts are drawn in turn from the one random stream, then refined side by side:
        // Lloyd draws nothing, so the outcome is the same as one restart after the other.
        let starts = (0..<max(restarts, 1)).map { _ in seedCentroids(sample, random: &random) }
        var restarted = [KMeansResult?](repeating: nil, count: starts.count)
        restarted.withUnsafeMutableBufferPointer { results in
            let slot = results.baseAddress!
            Parallel.forEachPart(starts.count) { start in slot[start] = lloyd(sample, initial: starts[start], threshold: threshold) }
        }
        var best = restarted[0]!
        for result in restarted.dropFirst() where result!.inertia < best.inertia { best = result! }
        guard points.rows > sample.rows else { return best }
        var result = best
        var labels = [Int32](repeating: 0, count: points.rows), distances = [Float](repeating: 0, count: points.rows)
        assign(points, centroids: result.centroids, labels: &labels, distances: &distances, parts: BLASThreads.available)
        result.labels = labels
        result.distances = distances
        result.inertia = distances.reduce(0.0) { $0 + Double($1) * Double($1) }
        return result
    }

    /// Mean over columns of each column's variance.
    static func meanVariance(_ points: Matrix) -> Double {
        let n = Double(points.rows), d = points.columns
        var total = 0.0
        for j in 0..<d {
            var sum = 0.0, squares = 0.0
            for i in 0..<points.rows {
                let v = Double(points[i, j])
                sum += v
                squares += v * v
            }
            total += max(squares / n - (sum / n) * (sum / n), 0)
        }
        return total / Double(max(d, 1))
    }

    /// Index of the nearest centroid and the Euclidean distance to it: the reference of
    /// `CentroidLanes.nearest`, which `fit` uses.
    public static func nearest(_ point: UnsafePointer<Float>, centroids: UnsafePointer<Float>, k: Int, dimensions d: Int) -> (Int32, Float) {
        var bestIndex = 0
        var bestDistance = Float.infinity
        for c in 0..<k {
            let sum = squaredDistance(point, centroids + c * d, dimensions: d)
            if sum < bestDistance {
                bestDistance = sum
                bestIndex = c
            }
        }
        return (Int32(bestIndex), bestDistance.squareRoot())
    }

    private func seedCentroids(_ points: Matrix, random: inout SeededRandom) -> Matrix {
        let n = points.rows, d = points.columns
        var centroids = Matrix(rows: clusters, columns: d)
        var minDistance = [Double](repeating: .infinity, count: n)
        var chosen = random.nextIndex(below: n)
        for c in 0..<clusters {
            for j in 0..<d { centroids[c, j] = points[chosen, j] }
            var total = 0.0
            for i in 0..<n {
                var sum = 0.0
                for j in 0..<d {
                    let diff = Double(points[i, j] - centroids[c, j])
                    sum += diff * diff
                }
                minDistance[i] = min(minDistance[i], sum)
                total += minDistance[i]
            }
            guard c + 1 < clusters else { break }
            if total <= 0 {
                chosen = random.nextIndex(below: n)  // every point coincides with a centroid
                continue
            }
            var target = random.nextUnit() * total
            chosen = n - 1
            for i in 0..<n {
                target -= minDistance[i]
                if target <= 0 { chosen = i; break }
            }
        }
        return centroids
    }

    private func lloyd(_ points: Matrix, initial: Matrix, threshold: Double) -> KMeansResult {
        let n = points.rows, d = points.columns, k = clusters
        var centroids = initial
        var labels = [Int32](repeating: 0, count: n)
        var distances = [Float](repeating: 0, count: n)
        var iterations = 0
        var sums = [Double](repeating: 0, count: k * d)
        var counts = [Int](repeating: 0, count: k)
        while iterations < maxIterations {
            iterations += 1
            assign(points, centroids: centroids, labels: &labels, distances: &distances)
            for i in 0..<(k * d) { sums[i] = 0 }
            for c in 0..<k { counts[c] = 0 }
            points.storage.withUnsafeBufferPointer { p in
                sums.withUnsafeMutableBufferPointer { sums in
                    for i in 0..<n {
                        let c = Int(labels[i])
                        counts[c] += 1
                        let row = p.baseAddress! + i * d, sum = sums.baseAddress! + c * d
                        for j in 0..<d { sum[j] += Double(row[j]) }
                    }
                }
            }
            var shift = 0.0
            for c in 0..<k where counts[c] > 0 {
                for j in 0..<d {
                    let updated = Float(sums[c * d + j] / Double(counts[c]))
                    let diff = Double(updated - centroids[c, j])
                    shift += diff * diff
                    centroids[c, j] = updated
                }
            }
            if shift <= threshold { break }
        }
        assign(points, centroids: centroids, labels: &labels, distances: &distances)
        let inertia = distances.reduce(0.0) { $0 + Double($1) * Double($1) }
        return KMeansResult(centroids: centroids, labels: labels, distances: distances, inertia: inertia, iterations: iterations)
    }

    /// Sets each point's nearest centroid and distance, a block of points per part.
    private func assign(_ points: Matrix, centroids: Matrix, labels: inout [Int32], distances: inout [Float], parts: Int = 1) {
        let d = points.columns, k = clusters, n = points.rows
        let lanes = centroids.storage.withUnsafeBufferPointer { CentroidLanes($0.baseAddress!, k: k, dimensions: d) }
        points.storage.withUnsafeBufferPointer { p in
            labels.withUnsafeMutableBufferPointer { labels in
                distances.withUnsafeMutableBufferPointer { distances in
                    let labelOut = labels.baseAddress!, distanceOut = distances.baseAddress!
                    Parallel.forEachPart(parts) { part in
                        for i in (n * part / parts)..<(n * (part + 1) / parts) {
                            (labelOut[i], distanceOut[i]) = lanes.nearest(p.baseAddress! + i * d)
                        }
                    }
                }
            }
        }
    }
}
