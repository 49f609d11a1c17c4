/// The leading principal components of a point cloud, by power iteration on the covariance
/// matrix with deflation: enough for projecting latent vectors to 2-D for a picture.
public struct PrincipalComponents: Sendable {
    /// Column means of the fitted points.
    public var mean: [Double]
    /// Unit-length components, largest variance first (`count x dimensions`).
    public var components: [[Double]]
    /// Variance along each component.
    public var variances: [Double]

    /// Fits `count` components to `points` (each of the same dimension).
    public init(points: [[Double]], count: Int, iterations: Int = 200) {
        let n = Double(max(points.count, 1)), d = points.first?.count ?? 0
        mean = (0..<d).map { j in points.reduce(0) { $0 + $1[j] } / n }
        var covariance = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for p in points {
            for i in 0..<d { for j in 0..<d { covariance[i][j] += (p[i] - mean[i]) * (p[j] - mean[j]) / n } }
        }
        components = []
        variances = []
        for c in 0..<min(count, d) {
            // A deterministic start that is not orthogonal to any axis.
            var v = (0..<d).map { 1 + Double(($0 + c) % 3) * 0.1 }
            var lambda = 0.0
            for _ in 0..<iterations {
                var w = (0..<d).map { i in (0..<d).reduce(0) { $0 + covariance[i][$1] * v[$1] } }
                let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 1e-300 else { break }
                w = w.map { $0 / norm }
                lambda = norm
                v = w
            }
            components.append(v)
            variances.append(lambda)
            for i in 0..<d { for j in 0..<d { covariance[i][j] -= lambda * v[i] * v[j] } }
        }
    }

    /// Coordinates of `point` along the components.
    public func project(_ point: [Double]) -> [Double] {
        components.map { c in c.indices.reduce(0) { $0 + c[$1] * (point[$1] - mean[$1]) } }
    }
}
