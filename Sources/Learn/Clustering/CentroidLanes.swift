/// k-means centroids laid out to measure a point against eight of them at once: lane `l` of
/// vector `(g, t)` holds coordinate `t` of centroid `8g + l`.
///
/// Each lane adds the same squared differences in the same order as `KMeans.nearest`, its
/// reference, and ties go to the earlier centroid as there, so the two agree bit for bit; with a
/// few dimensions (a latent space of 3) the scalar loop spent its time on loop overhead.
public struct CentroidLanes {
    public let clusters: Int
    public let dimensions: Int
    private var lanes: [SIMD8<Float>]

    /// Lays out `k` centroids of `dimensions` coordinates (`k x dimensions`, row-major).
    public init(_ centroids: UnsafePointer<Float>, k: Int, dimensions d: Int) {
        clusters = k
        dimensions = d
        let groups = (k + 7) / 8
        lanes = [SIMD8<Float>](repeating: .zero, count: groups * d)
        for c in 0..<k {
            for t in 0..<d { lanes[(c / 8) * d + t][c % 8] = centroids[c * d + t] }
        }
    }

    /// Index of the nearest centroid to `point` and the Euclidean distance to it.
    @inline(__always)
    public func nearest(_ point: UnsafePointer<Float>) -> (Int32, Float) {
        var bestIndex = 0
        var bestDistance = Float.infinity
        let d = dimensions
        lanes.withUnsafeBufferPointer { lanes in
            var group = 0, first = 0
            while first < clusters {
                var sum = SIMD8<Float>.zero
                for t in 0..<d {
                    let diff = SIMD8(repeating: point[t]) - lanes[group * d + t]
                    sum += diff * diff
                }
                for lane in 0..<min(8, clusters - first) where sum[lane] < bestDistance {
                    bestDistance = sum[lane]
                    bestIndex = first + lane
                }
                group += 1
                first += 8
            }
        }
        return (Int32(bestIndex), bestDistance.squareRoot())
    }
}
