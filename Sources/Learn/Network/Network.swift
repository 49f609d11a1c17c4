import Foundation

/// A stack of dense layers whose parameters live in one contiguous vector.
///
/// An autoencoder is a `Network` whose first `encoderDepth` layers form the encoder: the
/// output of layer `encoderDepth - 1` is the latent vector. A *variational* network's last
/// encoder layer is twice as wide: it outputs a mean and a log-variance per latent dimension,
/// and the decoder reads a sample `mean + ε · exp(logVariance / 2)` in training and the mean
/// otherwise (Kingma & Welling, 2014).
public final class Network {
    /// The layers, input to output.
    public let layers: [DenseLayer]
    /// How many layers belong to the encoder.
    public let encoderDepth: Int
    /// Whether the encoder outputs a distribution (mean, log-variance) instead of a point.
    public let variational: Bool
    /// Every weight and bias, layer after layer.
    public let parameters: FloatBuffer

    /// Width of the input.
    public var inputWidth: Int { layers[0].inputs }
    /// Width of the output.
    public var outputWidth: Int { layers[layers.count - 1].outputs }
    /// Width of the latent vector the decoder reads.
    public var latentWidth: Int { variational ? layers[encoderDepth - 1].outputs / 2 : layers[encoderDepth - 1].outputs }

    /// A network with the given layer widths, activations and initial parameters.
    ///
    /// - Parameters:
    ///   - widths: `[input, hidden..., output]`, at least two entries; `widths[encoderDepth]` is
    ///     the latent width (a variational encoder's last layer outputs twice that).
    ///   - activations: one per layer (`widths.count - 1`).
    ///   - encoderDepth: number of leading layers that form the encoder.
    ///   - variational: whether the encoder outputs a mean and a log-variance.
    ///   - parameterValues: existing parameters (e.g. loaded from the database); when nil,
    ///     weights are drawn from a scaled normal distribution with `seed` and biases are zero.
    public init(widths: [Int], activations: [Activation], encoderDepth: Int, variational: Bool = false,
                parameterValues: [Float]? = nil, seed: UInt64 = 0) {
        precondition(widths.count >= 2 && activations.count == widths.count - 1)
        precondition(encoderDepth >= 1 && encoderDepth < widths.count)
        var built: [DenseLayer] = []
        var offset = 0
        for i in 0..<(widths.count - 1) {
            let outputs = variational && i == encoderDepth - 1 ? 2 * widths[i + 1] : widths[i + 1]
            let layer = DenseLayer(inputs: widths[i], outputs: outputs, activation: activations[i], offset: offset)
            built.append(layer)
            offset += layer.parameterCount
        }
        layers = built
        self.encoderDepth = encoderDepth
        self.variational = variational
        if let parameterValues {
            precondition(parameterValues.count == offset, "Network: \(parameterValues.count) parameters for \(offset)")
            parameters = FloatBuffer(parameterValues)
        } else {
            parameters = FloatBuffer(count: offset)
            var random = SeededRandom(seed: seed)
            for layer in built {
                let scale = layer.activation.initialScale(fanIn: layer.inputs, fanOut: layer.outputs)
                for i in 0..<(layer.inputs * layer.outputs) {
                    parameters[layer.weightOffset + i] = Float(random.nextGaussian() * scale)
                }
            }
        }
    }

    /// A mirrored autoencoder: `inputs -> hidden... -> latent -> reversed(hidden)... -> inputs`.
    ///
    /// Hidden layers use `activation`; the latent layer is linear, which keeps the latent space
    /// free for k-means; the output layer uses `outputActivation` (linear suits standardized
    /// inputs, sigmoid inputs scaled to [0, 1]).
    public static func autoencoder(inputs: Int, hidden: [Int], latent: Int, activation: Activation,
                                   outputActivation: Activation = .linear, variational: Bool = false,
                                   seed: UInt64) -> Network {
        let widths = [inputs] + hidden + [latent] + hidden.reversed() + [inputs]
        let acts = Array(repeating: activation, count: hidden.count) + [.linear]
            + Array(repeating: activation, count: hidden.count) + [outputActivation]
        return Network(widths: widths, activations: acts, encoderDepth: hidden.count + 1, variational: variational, seed: seed)
    }

    /// Weights of layer `index` (`inputs x outputs`, row-major).
    public func weights(ofLayer index: Int) -> [Float] {
        let l = layers[index]
        return Array(UnsafeBufferPointer(start: parameters.pointer + l.weightOffset, count: l.inputs * l.outputs))
    }

    /// Bias of layer `index`.
    public func bias(ofLayer index: Int) -> [Float] {
        let l = layers[index]
        return Array(UnsafeBufferPointer(start: parameters.pointer + l.biasOffset, count: l.outputs))
    }

    /// Runs the network on `batch` rows of `input`; every layer's output lands in `workspace`.
    ///
    /// - Parameters:
    ///   - training: the regularisation in force when training (dropout, variational sampling,
    ///     penalties into `workspace.penalty`); nil for the deterministic pass used to score.
    ///   - layerCount: run only the first layers (`encoderDepth` gives the latent alone).
    public func forward(_ input: UnsafePointer<Float>, batch: Int, workspace: Workspace,
                        training: Regularization? = nil, layerCount: Int? = nil) {
        precondition(batch <= workspace.capacity, "batch \(batch) exceeds workspace \(workspace.capacity)")
        let last = (layerCount ?? layers.count) - 1
        let latentLayer = encoderDepth - 1
        workspace.penalty = 0
        var x = input
        for i in 0...last {
            let layer = layers[i]
            let y = workspace.outputs[i].pointer
            layer.forward(x, batch: batch, parameters: parameters.pointer, into: y)
            var next = y
            if i == latentLayer {
                if variational { next = sampleLatent(batch: batch, workspace: workspace, training: training) }
                if let training, training.latentL1 > 0 {
                    // On the latent layer's output: the mean, for a variational network.
                    var total: Float = 0
                    for r in 0..<batch { for j in 0..<latentWidth { total += abs(y[r * layer.outputs + j]) } }
                    workspace.penalty += Double(training.latentL1 * total / Float(batch))
                }
            } else if let rate = training?.dropout, rate > 0, i < layers.count - 1 {
                next = drop(layer: i, rate: rate, batch: batch, workspace: workspace)
            }
            if i < layers.count - 1 { workspace.fed[i + 1] = next }
            x = UnsafePointer(next)
        }
    }

    /// Backpropagates `workspace.outputGradient` (dLoss/d output, filled by the caller after
    /// a `forward` with the same `training`) and writes dLoss/d parameters into `workspace.gradients`.
    public func backward(_ input: UnsafePointer<Float>, batch: Int, workspace: Workspace,
                         training: Regularization? = nil) {
        propagate(from: layers.count - 1, input, batch: batch, workspace: workspace, training: training)
    }

    /// Backpropagates dLoss/d latent, written by the caller into `workspace.latentGradient` after
    /// a deterministic `forward` of the encoder, through the encoder alone (as deep embedded
    /// clustering fine-tunes it). Decoder gradients are left untouched.
    public func backwardEncoder(_ input: UnsafePointer<Float>, batch: Int, workspace: Workspace) {
        if variational {
            splitSampleGradient(batch: batch, workspace: workspace)
        }
        propagate(from: encoderDepth - 1, input, batch: batch, workspace: workspace, training: nil)
    }

    private func propagate(from start: Int, _ input: UnsafePointer<Float>, batch: Int, workspace: Workspace,
                           training: Regularization?) {
        let latentLayer = encoderDepth - 1
        for i in stride(from: start, through: 0, by: -1) {
            let dy = workspace.deltas[i].pointer
            if i == latentLayer && start > latentLayer, let training {
                addLatentPenaltyGradient(dy, batch: batch, workspace: workspace, training: training)
            }
            let x = i == 0 ? input : UnsafePointer(workspace.fed[i]!)
            let dx: UnsafeMutablePointer<Float>?
            if i == 0 { dx = nil } else if variational && i == encoderDepth { dx = workspace.sampleGradient!.pointer } else { dx = workspace.deltas[i - 1].pointer }
            layers[i].backward(x: x, y: workspace.outputs[i].pointer, dy: dy, batch: batch,
                               parameters: parameters.pointer, gradients: workspace.gradients.pointer, dx: dx)
            guard i > 0 else { break }
            if variational && i == encoderDepth {
                splitSampleGradient(batch: batch, workspace: workspace)
            } else if let rate = training?.dropout, rate > 0, let mask = workspace.masks[i - 1] {
                let g = workspace.deltas[i - 1].pointer, m = mask.pointer
                for v in 0..<(batch * layers[i - 1].outputs) { g[v] *= m[v] }
            }
        }
    }
}
