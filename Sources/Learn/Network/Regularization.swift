/// Training-time terms that shape a network without being part of the reconstruction: weight
/// penalties, a sparsity penalty on the latent layer, dropout and the variational KL weight.
///
/// The reconstruction loss is a mean over every element of a batch, as in Keras; the terms
/// below are added to it with Keras's conventions, so a setting means what it means there:
/// - `l1`, `l2`: `l1 · Σ|W| + l2 · Σ W²` over every layer's weights (not biases);
/// - `latentL1`: `latentL1 · Σ|z| / batch`, the activity regulariser on the latent layer that
///   turns an autoencoder into a sparse one;
/// - `dropout`: each hidden unit (not the latent, not the output) is zeroed with this
///   probability during training and the survivors scaled by `1 / (1 - dropout)`;
/// - `beta`: weight of the KL divergence of a variational network's latent distribution from
///   N(0, I), per row and divided by the input width, so that `beta = 1` gives the standard ELBO
///   (summed reconstruction error + KL) divided by the number of elements.
public struct Regularization: Codable, Equatable, Sendable {
    public var l1: Float
    public var l2: Float
    public var latentL1: Float
    public var dropout: Float
    public var beta: Float

    /// No penalties, no dropout, `beta = 1`.
    public static let none = Regularization()

    public init(l1: Float = 0, l2: Float = 0, latentL1: Float = 0, dropout: Float = 0, beta: Float = 1) {
        self.l1 = l1
        self.l2 = l2
        self.latentL1 = latentL1
        self.dropout = dropout
        self.beta = beta
    }

    /// Adds the weight penalties' gradient to `gradients` and returns their value.
    public func addWeightPenalty(of network: Network, to gradients: FloatBuffer) -> Double {
        guard l1 != 0 || l2 != 0 else { return 0 }
        var total = 0.0
        let p = network.parameters.pointer, g = gradients.pointer
        for layer in network.layers {
            for i in layer.weightOffset..<(layer.weightOffset + layer.inputs * layer.outputs) {
                let w = p[i]
                total += Double(l1 * abs(w) + l2 * w * w)
                g[i] += l1 * (w > 0 ? 1 : (w < 0 ? -1 : 0)) + 2 * l2 * w
            }
        }
        return total
    }
}
