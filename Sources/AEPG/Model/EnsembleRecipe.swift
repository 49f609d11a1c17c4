import Learn

/// One autoencoder to train: its shape, kind and seed.
public struct MemberSpec: Equatable, Sendable {
    public var hidden: [Int]
    public var latent: Int
    public var activation: Activation
    public var variational: Bool
    /// Scored by the negative ELBO (reconstruction plus β·KL per input) instead of the reconstruction alone.
    public var elbo: Bool
    public var seed: UInt64

    /// How the member reads in logs and `aepg show`.
    public var description: String {
        (variational ? "variational" : "dense") + " " + hidden.map(String.init).joined(separator: ",") + " → \(latent) \(activation.rawValue)"
            + (elbo ? ", ELBO score" : "") + ", seed \(seed)"
    }
}

/// The autoencoders a version trains. `--kind ensemble` (the default) trains four that fail on
/// different data, chosen on the development suite (docs/benchmarks.md): the options' own network
/// (`--hidden`, `--latent`, `--activation`; its latent space is the one written and clustered), a
/// variational network of the same shape scored by its ELBO, and two wider ReLU networks
/// (64,32 → 8), one variational scored by its ELBO and one plain. Every other kind trains the
/// options' network alone.
public enum EnsembleRecipe {
    /// The members for `options`, the first one's latent space being the one clustered.
    public static func members(for options: ResolvedOptions) -> [MemberSpec] {
        let own = MemberSpec(hidden: options.hidden, latent: options.latent, activation: options.activation,
                             variational: options.kind == .variational, elbo: options.score == .elbo, seed: options.seed)
        guard options.kind == .ensemble else { return [own] }
        var variational = own
        variational.variational = true
        variational.elbo = true
        variational.seed = options.seed &+ 1
        let wide = MemberSpec(hidden: [64, 32], latent: 8, activation: .relu, variational: true, elbo: true, seed: options.seed &+ 2)
        let wideDense = MemberSpec(hidden: [64, 32], latent: 8, activation: .relu, variational: false, elbo: false, seed: options.seed &+ 3)
        return [own, variational, wide, wideDense]
    }
}
