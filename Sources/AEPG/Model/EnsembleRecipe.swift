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
    /// Rows per optimizer step at most (the options' batch size when smaller); nil is the options'.
    /// A sampled epoch (`--epoch-rows`) then holds as many steps as the options' network's.
    public var batchSize: Int? = nil
    /// Epochs at most (the options' when fewer); nil is the options'.
    public var epochs: Int? = nil
    /// Dropout on the hidden layers while training; nil is the options'.
    public var dropout: Double? = nil

    /// How the member reads in logs and `aepg show`.
    public var description: String {
        (variational ? "variational" : "dense") + " " + hidden.map(String.init).joined(separator: ",") + " → \(latent) \(activation.rawValue)"
            + (elbo ? ", ELBO score" : "") + (batchSize.map { ", batch \($0)" } ?? "") + (epochs.map { ", \($0) epochs" } ?? "")
            + (dropout.map { ", dropout \($0)" } ?? "") + ", seed \(seed)"
    }

    /// The training settings of this member: the options' (`base`), with the member's own limits.
    public func settings(from base: TrainingSettings) -> TrainingSettings {
        var settings = base
        settings.seed = seed
        if let batchSize, batchSize < settings.batchSize {
            // A sampled epoch (--epoch-rows) holds as many steps as the options' network's, not
            // more rows: the smaller batch is for small tables' sake, and a large table would pay
            // for it eightfold. With every row each epoch (--epoch-rows 0), every row it is.
            settings.rowsPerEpoch = settings.rowsPerEpoch.map { max(batchSize, $0 / settings.batchSize * batchSize) }
            settings.batchSize = batchSize
        }
        if let epochs { settings.epochs = min(settings.epochs, epochs) }
        if let dropout { settings.regularization.dropout = Float(dropout) }
        return settings
    }
}

/// The autoencoders a version trains. `--kind ensemble` (the default) trains five that fail on
/// different data, chosen on the development suite (docs/benchmarks.md):
/// - the options' own network (`--hidden`, `--latent`, `--activation`; its latent space is the
///   one written and clustered), and a variational network of the same shape scored by its ELBO;
/// - two wider ReLU networks (64,32 → 8), one variational scored by its ELBO and one plain, at
///   32 rows a step: a small table then still gets hundreds of steps, where 256 gave it a few dozen;
/// - a wide-latent ReLU network (64,32 → 32) with dropout 0.2, 10 epochs at 32 rows a step, the
///   shape and training of PyOD's AutoEncoder: it catches the local anomalies the narrow ones miss.
/// Every other kind trains the options' network alone.
public enum EnsembleRecipe {
    /// Rows per step of the wider members.
    static let smallBatch = 32

    /// The members for `options`, the first one's latent space being the one clustered.
    public static func members(for options: ResolvedOptions) -> [MemberSpec] {
        let own = MemberSpec(hidden: options.hidden, latent: options.latent, activation: options.activation,
                             variational: options.kind == .variational, elbo: options.score == .elbo, seed: options.seed)
        guard options.kind == .ensemble else { return [own] }
        var variational = own
        variational.variational = true
        variational.elbo = true
        variational.seed = options.seed &+ 1
        var wide = MemberSpec(hidden: [64, 32], latent: 8, activation: .relu, variational: true, elbo: true, seed: options.seed &+ 2)
        wide.batchSize = smallBatch
        var wideDense = wide
        wideDense.variational = false
        wideDense.elbo = false
        wideDense.seed = options.seed &+ 3
        var wideLatent = wideDense
        wideLatent.latent = 32
        wideLatent.epochs = 10
        wideLatent.dropout = 0.2
        wideLatent.seed = options.seed &+ 4
        return [own, variational, wide, wideDense, wideLatent]
    }
}
