import Learn
import XCTest

/// Finite-difference checks of backpropagation: every activation (in every layer of a small
/// autoencoder, so dense-layer weights, biases and input gradients are all exercised) and every loss.
final class GradientTests: XCTestCase {
    /// Mean loss of `network` reconstructing `input` (`batch x width`).
    private func loss(_ network: Network, _ input: FloatBuffer, batch: Int, _ loss: Loss, _ workspace: Workspace) -> Double {
        network.forward(input.pointer, batch: batch, workspace: workspace)
        return loss.value(prediction: workspace.output, target: input.pointer, count: batch * network.outputWidth)
    }

    /// Compares the analytic gradient with central differences; returns ‖g − g_fd‖ / ‖g + g_fd‖.
    private func relativeGradientError(activation: Activation, loss lossKind: Loss, step: Float) -> Double {
        let widths = [6, 5, 3, 5, 6]
        let network = Network(widths: widths, activations: Array(repeating: activation, count: 4), encoderDepth: 2, seed: 7)
        let batch = 9
        var random = SeededRandom(seed: 3)
        let input = FloatBuffer(count: batch * 6)
        for i in 0..<input.count { input[i] = Float(random.nextGaussian()) * (activation == .relu6 ? 4 : 1) }
        let workspace = Workspace(network: network, capacity: batch)

        network.forward(input.pointer, batch: batch, workspace: workspace)
        _ = lossKind.evaluate(prediction: workspace.output, target: input.pointer, count: batch * 6, gradient: workspace.outputGradient)
        network.backward(input.pointer, batch: batch, workspace: workspace)
        let analytic = workspace.gradients.array

        var difference = 0.0, sum = 0.0
        for i in 0..<network.parameters.count {
            let saved = network.parameters[i]
            network.parameters[i] = saved + step
            let up = loss(network, input, batch: batch, lossKind, workspace)
            network.parameters[i] = saved - step
            let down = loss(network, input, batch: batch, lossKind, workspace)
            network.parameters[i] = saved
            let numeric = (up - down) / (2 * Double(step))
            difference += (Double(analytic[i]) - numeric) * (Double(analytic[i]) - numeric)
            sum += (Double(analytic[i]) + numeric) * (Double(analytic[i]) + numeric)
        }
        return (difference / max(sum, 1e-30)).squareRoot()
    }

    func testEveryActivationWithMSE() {
        for activation in Activation.allCases {
            // Piecewise-linear activations need a step small enough not to cross their kinks.
            let piecewise = activation == .relu || activation == .relu6
            let error = relativeGradientError(activation: activation, loss: .mse, step: piecewise ? 1e-3 : 1e-2)
            XCTAssertLessThan(error, 1e-2, "gradient of \(activation) disagrees with finite differences")
        }
    }

    func testEveryLossWithLinearAndTanhLayers() {
        for loss in Loss.allCases {
            for activation in [Activation.linear, .tanh] {
                let error = relativeGradientError(activation: activation, loss: loss, step: 1e-3)
                XCTAssertLessThan(error, 2e-2, "gradient of \(loss) loss (\(activation) layers) disagrees with finite differences")
            }
        }
    }

    /// The loss gradient alone against finite differences on the prediction.
    func testLossGradientAgainstFiniteDifferences() {
        let target: [Float] = [0.5, -1, 2, 0.25]
        for loss in Loss.allCases {
            var prediction: [Float] = [0.1, -0.3, 2.7, 1.0]
            var gradient = [Float](repeating: 0, count: 4)
            _ = loss.evaluate(prediction: prediction, target: target, count: 4, gradient: &gradient)
            for i in 0..<4 {
                let saved = prediction[i]
                prediction[i] = saved + 1e-3
                let up = loss.value(prediction: prediction, target: target, count: 4)
                prediction[i] = saved - 1e-3
                let down = loss.value(prediction: prediction, target: target, count: 4)
                prediction[i] = saved
                XCTAssertEqual(Double(gradient[i]), (up - down) / 2e-3, accuracy: 1e-3, "\(loss) element \(i)")
            }
        }
    }

    /// Each activation's derivative-from-output against finite differences of the activation.
    func testActivationDerivativesFromOutputs() {
        let xs: [Float] = [-2.5, -0.7, -0.1, 0.2, 0.9, 3.0, 5.5, 7.0]
        for activation in Activation.allCases {
            for x in xs {
                var y = [x], up = [x + 1e-3], down = [x - 1e-3]
                activation.apply(&y, count: 1)
                activation.apply(&up, count: 1)
                activation.apply(&down, count: 1)
                var gradient: [Float] = [1]
                activation.backpropagate(&gradient, outputs: y, count: 1)
                XCTAssertEqual(gradient[0], (up[0] - down[0]) / 2e-3, accuracy: 2e-2, "\(activation) at \(x)")
            }
        }
    }
}

extension GradientTests {
    /// A batch split across threads gives the gradient of the whole batch (up to rounding).
    func testSplitBatchGradientEqualsTheSingleThreadOne() {
        let network = Network.autoencoder(inputs: 10, hidden: [24, 12], latent: 4, activation: .elu, seed: 4)
        var random = SeededRandom(seed: 8)
        let batch = 37  // odd, so the workers get unequal shares
        let input = FloatBuffer((0..<(batch * 10)).map { _ in Float(random.nextGaussian()) })
        let single = GradientStep(network: network, loss: .mse, batchCapacity: batch, threads: 1)
        let split = GradientStep(network: network, loss: .mse, batchCapacity: batch, threads: 2)
        let loss1 = single.compute(input.pointer, count: batch)
        let loss2 = split.compute(input.pointer, count: batch)
        XCTAssertEqual(loss1, loss2, accuracy: 1e-6 * loss1)
        let a = single.gradients.array, b = split.gradients.array
        let scale = a.map { abs($0) }.max()!
        for i in 0..<a.count { XCTAssertEqual(a[i], b[i], accuracy: 1e-5 * scale, "parameter \(i)") }
    }
}
