/// A stack of dense layers whose parameters live in one contiguous vector.
///
/// An autoencoder is a `Network` whose first `encoderDepth` layers form the encoder: the
/// output of layer `encoderDepth - 1` is the latent vector.
public final class Network {
    /// The layers, input to output.
    public let layers: [DenseLayer]
    /// How many layers belong to the encoder.
    public let encoderDepth: Int
    /// Every weight and bias, layer after layer.
    public let parameters: FloatBuffer

    /// Width of the input.
    public var inputWidth: Int { layers[0].inputs }
    /// Width of the output.
    public var outputWidth: Int { layers[layers.count - 1].outputs }
    /// Width of the latent (encoder output).
    public var latentWidth: Int { layers[encoderDepth - 1].outputs }

    /// A network with the given layer widths, activations and initial parameters.
    ///
    /// - Parameters:
    ///   - widths: `[input, hidden..., output]`, at least two entries.
    ///   - activations: one per layer (`widths.count - 1`).
    ///   - encoderDepth: number of leading layers that form the encoder.
    ///   - parameterValues: existing parameters (e.g. loaded from the database); when nil,
    ///     weights are drawn from a scaled normal distribution with `seed` and biases are zero.
    public init(widths: [Int], activations: [Activation], encoderDepth: Int,
                parameterValues: [Float]? = nil, seed: UInt64 = 0) {
        precondition(widths.count >= 2 && activations.count == widths.count - 1)
        precondition(encoderDepth >= 1 && encoderDepth <= activations.count)
        var built: [DenseLayer] = []
        var offset = 0
        for i in 0..<(widths.count - 1) {
            let layer = DenseLayer(inputs: widths[i], outputs: widths[i + 1], activation: activations[i], offset: offset)
            built.append(layer)
            offset += layer.parameterCount
        }
        layers = built
        self.encoderDepth = encoderDepth
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
    /// Hidden layers use `activation`; the latent and output layers are linear, which suits
    /// standardized inputs and keeps the latent space free for k-means.
    public static func autoencoder(inputs: Int, hidden: [Int], latent: Int, activation: Activation,
                                   seed: UInt64) -> Network {
        let widths = [inputs] + hidden + [latent] + hidden.reversed() + [inputs]
        let acts = Array(repeating: activation, count: hidden.count) + [.linear]
            + Array(repeating: activation, count: hidden.count) + [.linear]
        return Network(widths: widths, activations: acts, encoderDepth: hidden.count + 1, seed: seed)
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
    public func forward(_ input: UnsafePointer<Float>, batch: Int, workspace: Workspace) {
        precondition(batch <= workspace.capacity, "batch \(batch) exceeds workspace \(workspace.capacity)")
        var x = input
        for (i, layer) in layers.enumerated() {
            let y = workspace.outputs[i].pointer
            layer.forward(x, batch: batch, parameters: parameters.pointer, into: y)
            x = UnsafePointer(y)
        }
    }

    /// Backpropagates `workspace.outputGradient` (dLoss/d output, filled by the caller after
    /// `forward`) and writes dLoss/d parameters into `workspace.gradients`.
    public func backward(_ input: UnsafePointer<Float>, batch: Int, workspace: Workspace) {
        var dy = workspace.deltas[layers.count - 1].pointer
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let x = i == 0 ? input : UnsafePointer(workspace.outputs[i - 1].pointer)
            let dx: UnsafeMutablePointer<Float>? = i == 0 ? nil : workspace.deltas[i - 1].pointer
            layers[i].backward(x: x, y: workspace.outputs[i].pointer, dy: dy, batch: batch,
                               parameters: parameters.pointer, gradients: workspace.gradients.pointer, dx: dx)
            if let dx { dy = dx }
        }
    }
}

/// Scratch buffers for one network at a fixed maximum batch size, reused across batches.
public final class Workspace {
    /// Maximum rows per forward/backward call.
    public let capacity: Int
    /// Output of each layer (`capacity x outputs`).
    public let outputs: [FloatBuffer]
    /// Gradient with respect to each layer's output (`capacity x outputs`).
    public let deltas: [FloatBuffer]
    /// Gradient with respect to every parameter.
    public let gradients: FloatBuffer

    /// Allocates buffers for `network` at `capacity` rows.
    public init(network: Network, capacity: Int) {
        self.capacity = capacity
        outputs = network.layers.map { FloatBuffer(count: capacity * $0.outputs) }
        deltas = network.layers.map { FloatBuffer(count: capacity * $0.outputs) }
        gradients = FloatBuffer(count: network.parameters.count)
    }

    /// The network's final output.
    public var output: UnsafeMutablePointer<Float> { outputs[outputs.count - 1].pointer }
    /// Where the caller writes dLoss/d output before `backward`.
    public var outputGradient: UnsafeMutablePointer<Float> { deltas[deltas.count - 1].pointer }
    /// The latent layer's output for an autoencoder.
    public func latent(of network: Network) -> UnsafeMutablePointer<Float> { outputs[network.encoderDepth - 1].pointer }
}
