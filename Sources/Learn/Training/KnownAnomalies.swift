import Foundation

/// Rows labelled as anomalies (`--label-use select`), as scaled inputs: a row's nearness to the
/// closest of them, put on a robust z scale like an ensemble member's score, raises its score.
/// Anomalies of one kind tend to sit together, so a few labelled ones find their neighbours
/// where reconstruction error alone does not.
public struct KnownAnomalies {
    /// `count x width` scaled inputs.
    public let points: Matrix
    public var center: Double
    public var scale: Double
    /// |a|² of every point.
    private let squaredNorms: [Double]

    public init(points: Matrix, center: Double = 0, scale: Double = 1) {
        self.points = points
        self.center = center
        self.scale = scale
        squaredNorms = (0..<points.rows).map { p in points.row(p).reduce(0.0) { $0 + Double($1) * Double($1) } }
    }

    /// Most labelled rows kept: the distance of every scored row to each costs one product.
    public static let maximumPoints = 1000

    /// `-distance` to the nearest point, per row of `input` (`count x width`), into `out`:
    /// higher means nearer. Distances come from one matrix product (|x|² + |a|² - 2 x·a).
    public func nearness(_ input: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Double>,
                         products: UnsafeMutablePointer<Float>) {
        let k = points.rows, width = points.columns
        points.storage.withUnsafeBufferPointer { a in
            GEMM.multiply(.none, .transposed, m: count, n: k, k: width, a: input, lda: width, b: a.baseAddress!, ldb: width,
                          c: products, ldc: k)
            for r in 0..<count {
                var own: Double = 0
                for j in 0..<width { own += Double(input[r * width + j]) * Double(input[r * width + j]) }
                var nearest = Double.infinity
                for p in 0..<k {
                    let d = own + squaredNorms[p] - 2 * Double(products[r * k + p])
                    nearest = min(nearest, d)
                }
                out[r] = -max(nearest, 0).squareRoot()
            }
        }
    }
}
