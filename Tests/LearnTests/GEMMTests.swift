import Learn
import XCTest

/// The OpenBLAS product against the naive reference, for every transpose combination.
final class GEMMTests: XCTestCase {
    func testMultiplyMatchesReference() {
        var random = SeededRandom(seed: 11)
        for (m, n, k) in [(1, 1, 1), (7, 5, 3), (32, 64, 29), (33, 17, 65)] {
            for ta in [Transpose.none, .transposed] {
                for tb in [Transpose.none, .transposed] {
                    let a = (0..<(m * k)).map { _ in Float(random.nextGaussian()) }
                    let b = (0..<(k * n)).map { _ in Float(random.nextGaussian()) }
                    let c0 = (0..<(m * n)).map { _ in Float(random.nextGaussian()) }
                    var fast = c0, slow = c0
                    let lda = ta == .none ? k : m, ldb = tb == .none ? n : k
                    GEMM.multiply(ta, tb, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 2, c: &fast, ldc: n)
                    GEMM.reference(ta, tb, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 2, c: &slow, ldc: n)
                    for i in 0..<(m * n) {
                        XCTAssertEqual(fast[i], slow[i], accuracy: 1e-4 * max(1, abs(slow[i])), "\(m)x\(n)x\(k) \(ta) \(tb)")
                    }
                }
            }
        }
    }
}
