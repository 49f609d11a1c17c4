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

    private func assertTwoSteps(_ kind: OptimizerKind, learningRate: Float, _ expected: (Double, Double),
                                file: StaticString = #filePath, line: UInt = #line) {
        let p = twoSteps(kind, learningRate: learningRate)
        XCTAssertEqual(Double(p[0]), expected.0, accuracy: 1e-6, "\(kind) step 1", file: file, line: line)
        XCTAssertEqual(Double(p[1]), expected.1, accuracy: 1e-6, "\(kind) step 2", file: file, line: line)
    }

    func testSGDWithMomentum() {
        // v1 = -0.1·0.5 = -0.05 → 0.95;  v2 = 0.9·(-0.05) - 0.05 = -0.095 → 0.855
        assertTwoSteps(.sgd, learningRate: 0.1, (0.95, 0.855))
    }

    func testAdam() {
        // m̂ = 0.5 and v̂ = 0.25 on both steps, so each step moves by lr·0.5/(0.5+ε) ≈ 0.1.
        let step = 0.1 * 0.5 / (0.5 + 1e-7)
        assertTwoSteps(.adam, learningRate: 0.1, (1 - step, 1 - 2 * step))
    }

    func testRMSprop() {
        // s1 = 0.1·0.25 = 0.025;  s2 = 0.9·0.025 + 0.025 = 0.0475
        let p1 = 1 - 0.01 * 0.5 / (0.025.squareRoot() + 1e-7)
        assertTwoSteps(.rmsprop, learningRate: 0.01, (p1, p1 - 0.01 * 0.5 / (0.0475.squareRoot() + 1e-7)))
    }

    func testAdagrad() {
        // s starts at 0.1 (Keras): s1 = 0.35, s2 = 0.6
        let p1 = 1 - 0.1 * 0.5 / (0.35.squareRoot() + 1e-7)
        assertTwoSteps(.adagrad, learningRate: 0.1, (p1, p1 - 0.1 * 0.5 / (0.6.squareRoot() + 1e-7)))
    }
}
