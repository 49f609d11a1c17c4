import Learn
import XCTest

/// Two steps of each optimizer on one parameter (start 1, gradient 0.5) against the textbook
/// formulas evaluated by hand in Double.
final class OptimizerTests: XCTestCase {
    private func twoSteps(_ kind: OptimizerKind, learningRate: Float) -> [Float] {
        let optimizer = Optimizer(settings: OptimizerSettings(kind: kind, learningRate: learningRate), parameterCount: 1)
        let p = FloatBuffer([1]), g = FloatBuffer([0.5])
        optimizer.update(parameters: p, gradients: g)
        let first = p[0]
        optimizer.update(parameters: p, gradients: g)
        return [first, p[0]]
    }

    func testSGDWithMomentum() {
        // v1 = -0.1·0.5 = -0.05 → 0.95;  v2 = 0.9·(-0.05) - 0.05 = -0.095 → 0.855
        let p = twoSteps(.sgd, learningRate: 0.1)
        XCTAssertEqual(p[0], 0.95, accuracy: 1e-6)
        XCTAssertEqual(p[1], 0.855, accuracy: 1e-6)
    }

    func testAdam() {
        // m̂ = 0.5 and v̂ = 0.25 on both steps, so each step moves by lr·0.5/(0.5+ε) ≈ 0.1.
        let p = twoSteps(.adam, learningRate: 0.1)
        let step = 0.1 * 0.5 / (0.5 + 1e-7)
        XCTAssertEqual(Double(p[0]), 1 - step, accuracy: 1e-6)
        XCTAssertEqual(Double(p[1]), 1 - 2 * step, accuracy: 1e-6)
    }

    func testRMSprop() {
        // s1 = 0.1·0.25 = 0.025;  s2 = 0.9·0.025 + 0.025 = 0.0475
        let p = twoSteps(.rmsprop, learningRate: 0.01)
        let p1 = 1 - 0.01 * 0.5 / (0.025.squareRoot() + 1e-7)
        let p2 = p1 - 0.01 * 0.5 / (0.0475.squareRoot() + 1e-7)
        XCTAssertEqual(Double(p[0]), p1, accuracy: 1e-6)
        XCTAssertEqual(Double(p[1]), p2, accuracy: 1e-6)
    }

    func testAdagrad() {
        // s starts at 0.1 (Keras): s1 = 0.35, s2 = 0.6
        let p = twoSteps(.adagrad, learningRate: 0.1)
        let p1 = 1 - 0.1 * 0.5 / (0.35.squareRoot() + 1e-7)
        let p2 = p1 - 0.1 * 0.5 / (0.6.squareRoot() + 1e-7)
        XCTAssertEqual(Double(p[0]), p1, accuracy: 1e-6)
        XCTAssertEqual(Double(p[1]), p2, accuracy: 1e-6)
    }
}
