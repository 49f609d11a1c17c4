import Foundation

/// The soft cluster assignment of deep embedded clustering (Xie et al., 2016): a Student-t
/// kernel with one degree of freedom, `q_ij ∝ 1 / (1 + ‖z_i − μ_j‖²)`, and the sharpened target
/// `p_ij ∝ q_ij² / Σ_i q_ij` it is trained towards.
public enum StudentTAssignment {
    /// Writes the soft assignments of `rows` points (`rows x dimensions`) to `k` centroids into `q` (`rows x k`).
    public static func soft(_ z: UnsafePointer<Float>, rows: Int, dimensions d: Int, centroids: UnsafePointer<Float>,
                            k: Int, into q: UnsafeMutablePointer<Float>) {
        for i in 0..<rows {
            let point = z + i * d, out = q + i * k
            var total: Float = 0
            for j in 0..<k {
                out[j] = 1 / (1 + squaredDistance(point, centroids + j * d, dimensions: d))
                total += out[j]
            }
            for j in 0..<k { out[j] /= total }
        }
    }

    /// The largest soft assignment of one point: how sure its cluster label is (1/k to 1).
    public static func confidence(_ point: UnsafePointer<Float>, dimensions d: Int, centroids: UnsafePointer<Float>, k: Int) -> Float {
        var total: Float = 0, best: Float = 0
        for j in 0..<k {
            let weight = 1 / (1 + squaredDistance(point, centroids + j * d, dimensions: d))
            total += weight
            best = max(best, weight)
        }
        return best / total
    }

    /// The largest soft assignment of every row of `points` (`rows x dimensions`) to `centroids`
    /// (`k x dimensions`).
    public static func confidences(of points: Matrix, centroids: Matrix) -> [Float] {
        centroids.storage.withUnsafeBufferPointer { c in
            points.storage.withUnsafeBufferPointer { p in
                (0..<points.rows).map { row in
                    confidence(p.baseAddress! + row * points.columns, dimensions: points.columns, centroids: c.baseAddress!, k: centroids.rows)
                }
            }
        }
    }

    /// The target distribution `p` (`rows x k`) from soft assignments `q` over every row.
    public static func target(_ q: UnsafePointer<Float>, rows: Int, k: Int, into p: UnsafeMutablePointer<Float>) {
        var frequency = [Double](repeating: 0, count: k)
        for i in 0..<rows { for j in 0..<k { frequency[j] += Double(q[i * k + j]) } }
        for i in 0..<rows {
            var total = 0.0
            for j in 0..<k {
                let v = Double(q[i * k + j]) * Double(q[i * k + j]) / max(frequency[j], 1e-12)
                p[i * k + j] = Float(v)
                total += v
            }
            for j in 0..<k { p[i * k + j] = Float(Double(p[i * k + j]) / total) }
        }
    }

    /// Mean over rows of KL(p_i ‖ q_i), with its gradient with respect to the points (into `dz`,
    /// `rows x dimensions`) and the centroids (into `dCentroids`, `k x dimensions`, overwritten).
    ///
    /// With `w_ij = 1 / (1 + ‖z_i − μ_j‖²)`: ∂/∂z_i = (2/n) Σ_j (p_ij − q_ij) w_ij (z_i − μ_j), and
    /// ∂/∂μ_j = −(2/n) Σ_i (p_ij − q_ij) w_ij (z_i − μ_j). `q` is scratch (`rows x k`).
    public static func klDivergence(_ z: UnsafePointer<Float>, target p: UnsafePointer<Float>, rows: Int, dimensions d: Int,
                                    centroids: UnsafePointer<Float>, k: Int, scratch q: UnsafeMutablePointer<Float>,
                                    dz: UnsafeMutablePointer<Float>, dCentroids: UnsafeMutablePointer<Float>) -> Double {
        soft(z, rows: rows, dimensions: d, centroids: centroids, k: k, into: q)
        dCentroids.update(repeating: 0, count: k * d)
        let scale = 2 / Float(rows)
        var loss = 0.0
        for i in 0..<rows {
            let point = z + i * d, gradient = dz + i * d
            gradient.update(repeating: 0, count: d)
            for j in 0..<k {
                let pij = p[i * k + j], qij = q[i * k + j]
                if pij > 0 { loss += Double(pij) * (log(Double(pij)) - log(Double(qij))) }
                let center = centroids + j * d
                let coefficient = scale * (pij - qij) / (1 + squaredDistance(point, center, dimensions: d))
                for t in 0..<d {
                    let g = coefficient * (point[t] - center[t])
                    gradient[t] += g
                    dCentroids[j * d + t] -= g
                }
            }
        }
        return loss / Double(rows)
    }
}
