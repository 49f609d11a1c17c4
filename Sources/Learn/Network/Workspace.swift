/// Scratch buffers for one network at a fixed maximum batch size, reused across batches.
///
/// Buffers only some trainings need (dropout masks, the variational sample) are allocated on
/// first use, so scoring workspaces stay as small as the network allows.
public final class Workspace {
    /// Maximum rows per forward/backward call.
    public let capacity: Int
    /// Output of each layer (`capacity x outputs`).
    public let outputs: [FloatBuffer]
    /// Gradient with respect to each layer's output (`capacity x outputs`).
    public let deltas: [FloatBuffer]
    /// Gradient with respect to every parameter.
    public let gradients: FloatBuffer
    /// The regularisation terms of the last training forward pass (KL, latent sparsity),
    /// already scaled like the reconstruction loss, to be added to it.
    public internal(set) var penalty: Double = 0
    /// Draws dropout masks and the variational noise.
    var random: SeededRandom

    /// What was fed into each layer in the last forward pass (`fed[0]` is unused: the input).
    var fed: [UnsafeMutablePointer<Float>?]
    /// Dropout masks (0 or `1 / (1 - rate)`) of the layers whose output was dropped.
    var masks: [FloatBuffer?]
    /// Masked copies of those outputs, fed to the next layer.
    var dropped: [FloatBuffer?]
    /// Variational networks: the latent sample `z` (the mean outside training), the noise
    /// drawn for it (zero outside training) and the gradient arriving at `z`.
    let sample: FloatBuffer?
    let noise: FloatBuffer?
    let sampleGradient: FloatBuffer?
    private let network: Network

    /// Allocates buffers for `network` at `capacity` rows; `seed` drives dropout and sampling.
    public init(network: Network, capacity: Int, seed: UInt64 = 0) {
        self.capacity = capacity
        self.network = network
        outputs = network.layers.map { FloatBuffer(count: capacity * $0.outputs) }
        deltas = network.layers.map { FloatBuffer(count: capacity * $0.outputs) }
        gradients = FloatBuffer(count: network.parameters.count)
        random = SeededRandom(seed: seed)
        fed = Array(repeating: nil, count: network.layers.count)
        masks = Array(repeating: nil, count: network.layers.count)
        dropped = masks
        let latentCells = network.variational ? capacity * network.latentWidth : 0
        sample = network.variational ? FloatBuffer(count: latentCells) : nil
        noise = network.variational ? FloatBuffer(count: latentCells) : nil
        sampleGradient = network.variational ? FloatBuffer(count: latentCells) : nil
    }

    /// Restarts the random stream behind dropout and sampling.
    public func reseed(_ seed: UInt64) { random = SeededRandom(seed: seed) }

    /// The network's final output.
    public var output: UnsafeMutablePointer<Float> { outputs[outputs.count - 1].pointer }
    /// Where the caller writes dLoss/d output before `backward`.
    public var outputGradient: UnsafeMutablePointer<Float> { deltas[deltas.count - 1].pointer }
    /// The latent vectors of the last forward pass (`batch x latentWidth`): the encoder's
    /// output, or for a variational network the sample (the mean outside training).
    public var latent: UnsafeMutablePointer<Float> { sample?.pointer ?? outputs[network.encoderDepth - 1].pointer }
    /// Where the caller writes dLoss/d latent before `backwardEncoder` (`batch x latentWidth`).
    public var latentGradient: UnsafeMutablePointer<Float> { sampleGradient?.pointer ?? deltas[network.encoderDepth - 1].pointer }

    /// The dropout mask and masked-output buffers of layer `index`, allocated on first use.
    func dropoutBuffers(_ index: Int) -> (mask: FloatBuffer, dropped: FloatBuffer) {
        if masks[index] == nil {
            masks[index] = FloatBuffer(count: outputs[index].count)
            dropped[index] = FloatBuffer(count: outputs[index].count)
        }
        return (masks[index]!, dropped[index]!)
    }
}
