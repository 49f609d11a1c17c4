import Foundation
import AEPG
import ArgumentParser
import Learn

extension Activation: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension TrainOn: ExpressibleByArgument {}
extension ModelKind: ExpressibleByArgument {}
extension ClusterMethod: ExpressibleByArgument {}
extension CategoricalEncoding: ExpressibleByArgument {}
extension ScalingMethod: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension ScoreMethod: ExpressibleByArgument {}
extension InputNoise: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// The training options shared by `aepg train` and `aepg demo`; unset flags keep stored values or defaults.
struct TrainFlags: ParsableArguments {
    @Option(help: "dense, denoising (with --noise) or variational (with --beta) (default dense).")
    var kind: ModelKind?
    @Option(help: ArgumentHelp("Encoder layer widths; the decoder mirrors them (default 16,8).", valueName: "w1,w2,..."))
    var hidden: String?
    @Option(help: "Width of the latent layer (default 3).")
    var latent: Int?
    @Option(help: "Hidden-layer activation: relu, relu6, elu, selu, sigmoid, tanh, linear (default sigmoid).")
    var activation: Activation?
    @Option(name: .customLong("output-activation"),
            help: "Output-layer activation (default linear; sigmoid with --scale minmax).")
    var outputActivation: Activation?
    @Option(help: "adam, rmsprop, sgd (with momentum 0.9), adagrad (default adam).")
    var optimizer: OptimizerKind?
    @Option(name: .customLong("learning-rate"), help: "Optimizer step size (default 0.001).")
    var learningRate: Double?
    @Option(name: .customLong("batch-size"), help: "Rows per optimizer step (default 256; capped at the row count).")
    var batchSize: Int?
    @Option(help: "Maximum passes over the data (default 50).")
    var epochs: Int?
    @Option(help: "Share of rows held out for early stopping; 0 trains on every row (default 0.1).")
    var validation: Double?
    @Option(help: "Epochs without improvement before stopping and restoring the best weights; 0 is off (default 5).")
    var patience: Int?
    @Option(name: .customLong("min-rel-progress"),
            help: "An epoch must lower the best loss by this fraction to reset --patience (default 0: any decrease).")
    var minRelProgress: Double?
    @Option(help: "Seed for initialisation, shuffling, dropout, noise and k-means (default 42).")
    var seed: UInt64?
    @Option(help: "Reconstruction loss, also the per-row score: mse or mae (default mse).")
    var loss: Loss?
    @Option(help: "Per-row score: reconstruction, or elbo (--kind variational: plus β·KL per input) (default reconstruction).")
    var score: ScoreMethod?
    @Option(help: "L1 penalty on every layer's weights (default 0).")
    var l1: Double?
    @Option(help: "L2 penalty on every layer's weights (default 0).")
    var l2: Double?
    @Option(name: .customLong("l1-activity"), help: "L1 penalty on the latent activations: a sparse autoencoder (default 0).")
    var l1Activity: Double?
    @Option(help: "Dropout rate on hidden layers during training (default 0).")
    var dropout: Double?
    @Option(help: ArgumentHelp("Input corruption for --kind denoising (default gaussian:0.2).", valueName: "gaussian:σ|mask:p"))
    var noise: InputNoise?
    @Option(help: "Weight of the KL term for --kind variational (default 1).")
    var beta: Double?
    @Option(help: "Input scaling: standard, minmax, robust or none (default standard).")
    var scale: ScalingMethod?
    @Option(help: "Encode text columns as features: onehot or label (default: text columns are not features).")
    var categorical: CategoricalEncoding?
    @Flag(name: .customLong("null-indicators"), inversion: .prefixedNo,
          help: "Add a 0/1 input per numeric column that has NULLs in training (default off).")
    var nullIndicators: Bool?
    @Option(help: "Clustering of the latent vectors: kmeans or dec (deep embedded clustering) (default kmeans).")
    var cluster: ClusterMethod?
    @Option(help: "Number of clusters (default 4).")
    var clusters: Int?
    @Option(name: .customLong("dec-update-interval"), help: "DEC: batches between target updates (default 140).")
    var decUpdateInterval: Int?
    @Option(name: .customLong("dec-tol"), help: "DEC: stop when fewer than this share of labels change (default 0.001).")
    var decTol: Double?
    @Option(name: .customLong("threshold-sigma"), help: "Flag scores above mean + k·std of training scores (default 3).")
    var thresholdSigma: Double?
    @Option(help: "Instead: flag the top q share of training scores, e.g. 0.01.")
    var contamination: Double?
    @Option(name: .customLong("train-on"), help: "all, or normal: fit only rows whose --label is 0 (default all).")
    var trainOn: TrainOn?

    func validate() throws {
        if thresholdSigma != nil && contamination != nil {
            throw ValidationError("give either --threshold-sigma or --contamination, not both")
        }
        if let hidden, parsedHidden(hidden) == nil {
            throw ValidationError("--hidden takes comma-separated positive widths, e.g. 64,32 (or an empty string for none)")
        }
    }

    private func parsedHidden(_ text: String) -> [Int]? {
        if text.trimmingCharacters(in: .whitespaces).isEmpty { return [] }
        let widths = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard widths.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return widths.map { $0! }
    }

    /// The flags as options (only those given).
    var options: TrainOptions {
        var o = TrainOptions()
        o.kind = kind
        o.outputActivation = outputActivation
        o.minRelProgress = minRelProgress
        o.loss = loss
        o.score = score
        o.l1 = l1
        o.l2 = l2
        o.l1Activity = l1Activity
        o.dropout = dropout
        o.noise = noise
        o.beta = beta
        o.scale = scale
        o.categorical = categorical
        o.nullIndicators = nullIndicators
        o.cluster = cluster
        o.decUpdateInterval = decUpdateInterval
        o.decTol = decTol
        o.hidden = hidden.flatMap(parsedHidden)
        o.latent = latent
        o.activation = activation
        o.optimizer = optimizer
        o.learningRate = learningRate
        o.batchSize = batchSize
        o.epochs = epochs
        o.validation = validation
        o.patience = patience
        o.seed = seed
        o.clusters = clusters
        o.thresholdSigma = thresholdSigma
        o.contamination = contamination
        o.trainOn = trainOn
        return o
    }
}
