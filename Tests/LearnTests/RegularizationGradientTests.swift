import Learn
import XCTest

/// ‖g − g_fd‖ / ‖g + g_fd‖ for the analytic gradient `analytic` of `loss` with respect to
/// `values`, by central differences of size `step`.
func relativeFiniteDifferenceError(of values: FloatBuffer, analytic: [Float], step: Float,
                                   loss: () -> Double) -> Double {
    var difference = 0.0, sum = 0.0
    for i in 0..<values.count {
        let saved = values[i]
        values[i] = saved + step
        let up = loss()
        values[i] = saved - step
        let down = loss()
        values[i] = saved
        let numeric = (up - down) / (2 * Double(step))
        difference += (Double(analytic[i]) - numeric) * (Double(analytic[i]) - numeric)
        sum += (Double(analytic[i]) + numeric) * (Double(analytic[i]) + numeric)
    }
    return (difference / max(sum, 1e-30)).squareRoot()
}

/// Finite-difference checks of every training term beyond the plain reconstruction: weight
/// penalties, latent sparsity, dropout, the variational sample and KL term, denoising targets.
final class RegularizationGradientTests: XCTestCase {
    private let batch = 7

    private func input(width: Int, seed: UInt64) -> FloatBuffer {
        var random = SeededRandom(seed: seed)
        return FloatBuffer((0..<(batch * width)).map { _ in Float(random.nextGaussian()) })
    }

    /// The gradient a `GradientStep` computes against finite differences of the loss it reports.
    /// The random stream is restarted before every evaluation, so dropout masks and variational
    /// noise are the same in each.
    private func stepError(_ network: Network, _ regularization: Regularization, loss: Loss = .mse,
                           target: FloatBuffer? = nil) -> Double {
        let x = input(width: network.inputWidth, seed: 5)
        let step = GradientStep(network: network, loss: loss, regularization: regularization, batchCapacity: batch, threads: 1)
        func evaluate() -> Double {
            step.workspace.reseed(11)
            return step.compute(x.pointer, target: target?.pointer, count: batch)
        }
        _ = evaluate()
        let analytic = step.gradients.array
        return relativeFiniteDifferenceError(of: network.parameters, analytic: analytic, step: 1e-3, loss: evaluate)
    }

    func testWeightPenalties() {
        let network = Network.autoencoder(inputs: 5, hidden: [4], latent: 2, activation: .tanh, seed: 1)
        XCTAssertLessThan(stepError(network, Regularization(l1: 0.01, l2: 0.02)), 1e-2)
    }

    func testLatentSparsityPenalty() {
        let network = Network.autoencoder(inputs: 5, hidden: [4], latent: 3, activation: .sigmoid, seed: 2)
        XCTAssertLessThan(stepError(network, Regularization(latentL1: 0.05)), 1e-2)
    }

    func testDropout() {
        let network = Network.autoencoder(inputs: 6, hidden: [8, 5], latent: 2, activation: .tanh, seed: 3)
        XCTAssertLessThan(stepError(network, Regularization(dropout: 0.3)), 1e-2)
    }

    func testVariationalSampleAndKLTerm() {
        for beta: Float in [1, 0.25] {
            let network = Network.autoencoder(inputs: 6, hidden: [5], latent: 2, activation: .elu, variational: true, seed: 4)
            XCTAssertLessThan(stepError(network, Regularization(latentL1: 0.01, beta: beta)), 1e-2, "beta \(beta)")
        }
    }

    func testDenoisingTargetsAndMAE() {
        let network = Network.autoencoder(inputs: 5, hidden: [4], latent: 2, activation: .tanh, seed: 6)
        let clean = input(width: 5, seed: 9)
        XCTAssertLessThan(stepError(network, .none, loss: .mae, target: clean), 2e-2)
    }

    /// The KL term alone, on a network whose decoder output is ignored (β large, loss tiny).
    func testKLTermValueIsTheClosedForm() {
        let network = Network(widths: [2, 1, 2], activations: [.linear, .linear], encoderDepth: 1, variational: true,
                              parameterValues: [0, 0, 0, 0, 0.5, -1, 0, 0, 0, 0], seed: 0)
        // Encoder output: mean 0.5, log-variance -1 for every row.
        let workspace = Workspace(network: network, capacity: 1)
        let zeros = FloatBuffer([0, 0])
        network.forward(zeros.pointer, batch: 1, workspace: workspace, training: Regularization(beta: 2))
        withExtendedLifetime(zeros) {}
        let kl = -0.5 * (1 - 1 - 0.25 - exp(-1.0))
        XCTAssertEqual(workspace.penalty, 2 * kl / 2, accuracy: 1e-6)
    }

    /// A log-variance far past the bound (an extreme row) counts as the bound: a finite KL term and
    /// sample instead of an overflow, and no gradient into the clamped log-variance.
    func testLogVarianceBeyondTheBoundIsClamped() {
        // Encoder output: mean 0.5, log-variance 200 for every row.
        let network = Network(widths: [2, 1, 2], activations: [.linear, .linear], encoderDepth: 1, variational: true,
                              parameterValues: [0, 0, 0, 0, 0.5, 200, 0, 0, 0, 0], seed: 0)
        let workspace = Workspace(network: network, capacity: 1)
        let zeros = FloatBuffer([0, 0]), row = FloatBuffer([0.3, -0.2])
        network.forward(zeros.pointer, batch: 1, workspace: workspace, training: Regularization(beta: 2))
        let bound = Double(Network.logVarianceLimit)
        let kl = -0.5 * (1 + bound - 0.25 - exp(bound))
        XCTAssertEqual(workspace.penalty, 2 * kl / 2, accuracy: kl * 1e-5)
        XCTAssertTrue(workspace.latent[0].isFinite)

        let step = GradientStep(network: network, loss: .mse, regularization: Regularization(beta: 2), batchCapacity: 1, threads: 1)
        let loss = step.compute(row.pointer, target: nil, count: 1)
        withExtendedLifetime((zeros, row)) {}
        XCTAssertTrue(loss.isFinite)
        // Parameters: encoder weights (2 x 2), encoder biases (mean, log-variance), then the decoder.
        XCTAssertEqual(step.gradients[5], 0, "the log-variance bias gets no gradient past the bound")
        XCTAssertNotEqual(step.gradients[4], 0, "the mean's bias still learns")
    }
}
