import Learn

/// Every training option, declared once. The command-line flag is the key with dashes
/// (`batch_size` → `--batch-size`); `aepg train --help`, validation, the key list that
/// `aepg.create_model` checks, and the README's options table are all made from these lines.
///
/// Adding an option is adding a line here (and using it, as `options.<name>`); its order here is
/// its order in help and docs. Rules that tie two options together live in `TrainOptions.resolved()`.
public struct TrainOptionCatalog: Sendable {
    public let purpose = OptionSpec<Purpose>(
        "purpose", default: .anomalies,
        help: "What the network is for: anomalies (the defaults below), or clustering, which picks one network that clusters well wherever the options given leave it open; its scores are that network's.",
        detail: { "The clustering network: `\(TrainOptionCatalog.clusteringNetwork.flags)`." })
    public let kind = OptionSpec<ModelKind>(
        "kind", default: .ensemble, defaultNote: "ensemble (denoising when --noise is given)",
        help: "Model family: ensemble (five autoencoders combined, see the README), dense, denoising (corrupts the input, see --noise) or variational (see --beta).")
    public let hidden = OptionSpec<[Int]>(
        "hidden", default: [16, 8], .widths(1, TrainOptionCatalog.maximumWidth),
        help: "Encoder layer widths; the decoder mirrors them.")
    public let latent = OptionSpec<Int>(
        "latent", default: 3, .range(1, TrainOptionCatalog.maximumWidth),
        help: "Width of the latent layer (the bottleneck; linear).")
    public let activation = OptionSpec<Activation>(
        "activation", default: .sigmoid, help: "Hidden-layer activation.")
    public let outputActivation = OptionSpec<Activation>(
        "output_activation", default: .linear, defaultNote: "linear (sigmoid with --scale minmax)",
        help: "Output-layer activation.")
    public let optimizer = OptionSpec<OptimizerKind>(
        "optimizer", default: .adam, help: "Optimizer (sgd uses momentum 0.9).")
    public let learningRate = OptionSpec<Double>(
        "learning_rate", default: 0.001, .positive, help: "Optimizer step size.")
    public let batchSize = OptionSpec<Int>(
        "batch_size", default: 256, .range(1, 1_000_000), help: "Rows per optimizer step; capped at the number of training rows.")
    public let epochs = OptionSpec<Int>(
        "epochs", default: 50, .range(1, 100_000), help: "Maximum passes over the data.")
    public let epochRows = OptionSpec<Int>(
        "epoch_rows", default: 0, .range(0, 1_000_000_000), defaultNote: "\(TrainOptionCatalog.ensembleEpochRows) with --kind ensemble (the default), else 0",
        help: "Training rows per epoch at most, a fresh random sample each epoch (a large table trains in bounded time); 0 is every row.")
    /// The ensemble's rows per epoch: on the suite, sampling this many cost its largest sets nothing on average (docs/benchmarks.md).
    public static let ensembleEpochRows = 65_536
    public let timeLimit = OptionSpec<Double?>(
        "time_limit", default: nil, .optional(.positive),
        help: "Seconds of training at most (for a cron window), for all of an ensemble's members together: then training stops and keeps the best weights so far.")
    public let validation = OptionSpec<Double>(
        "validation", default: 0.1, .fraction, help: "Share of rows held out for early stopping; 0 trains on every row.")
    public let patience = OptionSpec<Int>(
        "patience", default: 5, .range(0, 100_000),
        help: "Epochs without improvement before stopping and restoring the best weights; 0 is off.")
    public let minRelProgress = OptionSpec<Double>(
        "min_rel_progress", default: 0, .fraction,
        help: "An epoch must lower the best loss by this fraction to reset the patience (BigQuery ML's min_rel_progress); the best weights are kept either way.")
    public let seed = OptionSpec<UInt64>(
        "seed", default: 42, help: "Seed for initialisation, shuffling, dropout, noise and k-means: same seed, same data, same scores.")
    public let loss = OptionSpec<Loss>(
        "loss", default: .mse, help: "Reconstruction loss, which is also the per-row score (mean of the per-feature errors).")
    public let score = OptionSpec<ScoreMethod>(
        "score", default: .reconstruction, help: "Per-row score; elbo (variational only) adds β·KL per input.")
    public let l1 = OptionSpec<Double>(
        "l1", default: 0, .nonNegative, help: "L1 penalty on every layer's weights (Keras: l1·Σ|w|).")
    public let l2 = OptionSpec<Double>(
        "l2", default: 0, .nonNegative, help: "L2 penalty on every layer's weights (Keras: l2·Σw²).")
    public let l1Activity = OptionSpec<Double>(
        "l1_activity", default: 0, .nonNegative, help: "L1 penalty on the latent activations: a sparse autoencoder.")
    public let dropout = OptionSpec<Double>(
        "dropout", default: 0, .fraction, help: "Dropout rate on the hidden layers while training (not the latent, not the output).")
    public let noise = OptionSpec<InputNoise?>(
        "noise", default: nil, defaultNote: "gaussian:0.2 with --kind denoising",
        help: "Input corruption of a denoising autoencoder: gaussian:σ adds N(0, σ²), mask:p zeroes each input with probability p.")
    public let beta = OptionSpec<Double>(
        "beta", default: 1, .nonNegative, help: "Weight of the KL term of a variational autoencoder.")
    public let scale = OptionSpec<ScalingMethod>(
        "scale", default: .standard, defaultNote: "\(TrainOptionCatalog.ensembleScale.rawValue) with --kind ensemble (the default), else standard", help: "Input scaling: standard (mean 0, sd 1), minmax ([0, 1]), robust (median, IQR), robust-asinh (robust, and a column whose standard deviation exceeds 3 IQRs compressed by asinh) or none.")
    /// The ensemble's input scaling: on the suite over three seeds, robust scaling (median, IQR)
    /// tied standard scaling's develop ROC-AUC and raised its PR-AUC and worst set (docs/benchmarks.md).
    public static let ensembleScale = ScalingMethod.robustAsinh
    public let combine = OptionSpec<MemberCombination>(
        "combine", default: .mean, defaultNote: "\(TrainOptionCatalog.ensembleCombination.rawValue) with --kind ensemble (the default)",
        help: "How an ensemble's member scores (robust z-scores) make a row's score: top-half, the mean of the row's highest half of them (3 of 5), or mean, the mean of all.")
    /// The ensemble's combination: on the suite over three seeds, each row's highest three of
    /// five member scores raised the mean ROC-AUC and PR-AUC of both halves over the mean of all
    /// five (docs/benchmarks.md). Versions stored before the option existed used the mean.
    public static let ensembleCombination = MemberCombination.topHalf
    public let categorical = OptionSpec<CategoricalEncoding>(
        "categorical", default: .onehot, defaultNote: "— (text columns are features only when it is given)",
        help: "Encode text columns as features: onehot or label.")
    public let nullIndicators = OptionSpec<Bool>(
        "null_indicators", default: false, help: "Add a 0/1 input per numeric column that has NULLs in training.")
    public let cluster = OptionSpec<ClusterMethod>(
        "cluster", default: .kmeans, help: "Clustering of the latent vectors: kmeans, or dec (deep embedded clustering).")
    public let clusters = OptionSpec<Int>(
        "clusters", default: 4, .range(1, 10_000), help: "Number of clusters (k-means++, 4 restarts); at most the number of rows.")
    public let clusterEmbedding = OptionSpec<Int>(
        "cluster_embedding", default: 0, .range(0, 1_000),
        help: "Before clustering (k-means or DEC), fine-tune a copy of the encoder for this many passes over each row's \(NeighborEmbedding.neighbors) nearest rows in the scaled inputs, pulling them together and other rows apart (parametric UMAP's loss, Adam at --learning-rate; on a table of over \(NearestNeighbors.candidateLimit) rows, nearest among a sample of that many and a pass over that many rows' pairs); the clusters then live in its latent space. 0 clusters in the autoencoder's own latent space.")
    public let decUpdateInterval = OptionSpec<Int>(
        "dec_update_interval", default: 140, .range(1, 1_000_000), help: "DEC: batches between recomputations of the target distribution.")
    public let decTol = OptionSpec<Double>(
        "dec_tol", default: 0.001, .fraction, help: "DEC: stop when fewer than this share of the rows change cluster between updates.")
    public let decNeighbors = OptionSpec<Int>(
        "dec_neighbors", default: 0, .range(0, 1_000),
        help: "DEC: train each row towards the mean target of itself and its this many nearest rows in the scaled inputs (on a table of over \(NearestNeighbors.candidateLimit) rows, nearest among a sample of that many); 0 is the original DEC.")
    public let thresholdSigma = OptionSpec<Double?>(
        "threshold_sigma", default: 3, .optional(Requirement("a finite number") { $0.isFinite }),
        help: "Flag scores above mean + k·std of the training rows' scores.")
    public let contamination = OptionSpec<Double?>(
        "contamination", default: nil, .optional(Requirement("in (0, 0.5)") { $0 > 0 && $0 < 0.5 }),
        help: "Instead of --threshold-sigma: flag the top q share of training scores, e.g. 0.01.")
    public let trainOn = OptionSpec<TrainOn>(
        "train_on", default: .all, help: "all, or normal: fit only the rows whose label is 0 (needs a label).")
    public let labelUse = OptionSpec<LabelUse>(
        "label_use", default: .off,
        help: "off, or select: rows labelled 1 (a few known anomalies; NULL is unknown) weigh the members and raise the scores of rows near them (needs a label; scored by the worker only).")

    /// The network `--purpose clustering` picks where the given options leave it open (chosen on
    /// digits over seeds 1–5: docs/benchmarks.md, benchmarks/clustering.sh).
    public static let clusteringNetwork: TrainOptions = {
        var network = TrainOptions()
        network.kind = .dense
        network.hidden = [256, 128]
        network.latent = 10
        network.activation = .relu
        network.scale = .minmax
        network.batchSize = 32
        network.epochs = 200
        network.patience = 10
        network.decUpdateInterval = 30
        network.decTol = 0.0001
        network.decNeighbors = 10
        network.clusterEmbedding = 20
        return network
    }()

    /// The widest layer accepted: a wider one would need gigabytes for a batch's activations.
    public static let maximumWidth = 4_096

    /// The catalog's one instance; options are read through key paths into it.
    public static let shared = TrainOptionCatalog()

    /// Every option in declaration order.
    public static let all: [any AnyOptionSpec] = Mirror(reflecting: shared).children.compactMap { $0.value as? any AnyOptionSpec }

    /// The option with this JSON key.
    public static func spec(key: String) -> (any AnyOptionSpec)? { all.first { $0.key == key } }

    /// The option with this flag (`--batch-size`).
    public static func spec(flag: String) -> (any AnyOptionSpec)? { all.first { $0.flag == flag } }
}
