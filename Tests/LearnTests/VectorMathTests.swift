import Foundation
import Learn
import XCTest

/// The vectorised kernels against Foundation's scalar functions.
final class VectorMathTests: XCTestCase {
    func testExpMatchesFoundationAcrossTheRange() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0131 })
            let fast = VectorMath.exp(lanes)
            for j in 0..<8 {
                let exact = Foundation.exp(Double(lanes[j]))
                worst = max(worst, Float(abs(Double(fast[j]) - exact) / exact))
            }
            x += 0.37
        }
        XCTAssertLessThan(worst, 3e-7)
    }

    /// Outside the range the input is clamped, NaN to the lower end (as the standard library's
    /// pointwiseMax did before the clamp became blends): a diverged network's NaN reads as 0.
    func testExpClampsOutOfRangeInputsAndNaN() {
        let edges = VectorMath.exp(SIMD8<Float>(repeating: -87.3)), top = VectorMath.exp(SIMD8<Float>(repeating: 88.7))
        let out = VectorMath.exp(SIMD8<Float>(.nan, -.infinity, -1_000, 1_000, .infinity, -87.3, 88.7, 0))
        for lane in [0, 1, 2, 5] { XCTAssertEqual(out[lane].bitPattern, edges[0].bitPattern, "lane \(lane)") }
        for lane in [3, 4, 6] { XCTAssertEqual(out[lane].bitPattern, top[0].bitPattern, "lane \(lane)") }
        XCTAssertEqual(out[7], 1)
        XCTAssertEqual(top[0], .infinity, "the scaling by 2^128 overflows: large inputs give infinity")
    }

    func testActivationsMatchTheirDefinitions() {
        let xs: [Float] = (0..<37).map { Float($0) * 0.61 - 11 }  // 37 values: four vectors and a tail
        let reference: [Activation: (Double) -> Double] = [
            .sigmoid: { 1 / (1 + Foundation.exp(-$0)) }, .tanh: { Foundation.tanh($0) },
            .elu: { $0 < 0 ? Foundation.expm1($0) : $0 },
            .selu: { 1.050_701 * ($0 > 0 ? $0 : 1.673_263_2 * Foundation.expm1($0)) },
            .relu: { max($0, 0) }, .relu6: { min(max($0, 0), 6) }, .linear: { $0 },
        ]
        for activation in Activation.allCases {
            var values = xs
            activation.apply(&values, count: values.count)
            for (x, y) in zip(xs, values) {
                XCTAssertEqual(Double(y), reference[activation]!(Double(x)), accuracy: 1e-6, "\(activation)(\(x))")
            }
        }
    }
}
