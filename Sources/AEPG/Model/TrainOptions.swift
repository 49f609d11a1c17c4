import Foundation
import Learn

/// Training options as a user gives them: every field optional, so stored options, command-line
/// overrides and defaults can be layered. Stored as jsonb with snake_case keys; versions store
/// them resolved (every key set), and a key a newer aepg added reads as its default.
public struct TrainOptions: Codable, Equatable, Sendable {
    public var kind: ModelKind?
    public var hidden: [Int]?
    public var latent: Int?
    public var activation: Activation?
    public var outputActivation: Activation?
    public var optimizer: OptimizerKind?
    public var learningRate: Double?
    public var batchSize: Int?
    public var epochs: Int?
    public var validation: Double?
    public var patience: Int?
    public var minRelProgress: Double?
    public var seed: UInt64?
    public var loss: Loss?
    public var score: ScoreMethod?
    public var l1: Double?
    public var l2: Double?
    public var l1Activity: Double?
    public var dropout: Double?
    public var noise: InputNoise?
    public var beta: Double?
    public var scale: ScalingMethod?
    public var categorical: CategoricalEncoding?
    public var nullIndicators: Bool?
    public var cluster: ClusterMethod?
    public var clusters: Int?
    public var decUpdateInterval: Int?
    public var decTol: Double?
    public var thresholdSigma: Double?
    public var contamination: Double?
    public var trainOn: TrainOn?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, hidden, latent, activation, optimizer, epochs, validation, patience, seed, loss, score, l1, l2, dropout
        case noise, beta, scale, categorical, cluster, clusters, contamination
        case outputActivation = "output_activation", learningRate = "learning_rate", batchSize = "batch_size"
        case minRelProgress = "min_rel_progress", l1Activity = "l1_activity", nullIndicators = "null_indicators"
        case decUpdateInterval = "dec_update_interval", decTol = "dec_tol"
        case thresholdSigma = "threshold_sigma", trainOn = "train_on"
    }

    public init() {}

    /// Options from a JSON object given by a user (a job's arguments), rejecting keys that are
    /// not options, so a misspelt one is an error instead of a silent default.
    public static func parse(json: String) throws -> TrainOptions {
        let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        guard let object else { throw AEPGError(.invalidOption, "training options must be a JSON object, not \(json)") }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        let unknown = object.keys.filter { !known.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw AEPGError(.invalidOption, "unknown option(s): \(unknown.joined(separator: ", ")); options are: "
                + CodingKeys.allCases.map(\.rawValue).joined(separator: ", "))
        }
        do { return try JSONDecoder().decode(TrainOptions.self, from: Data(json.utf8)) } catch {
            throw AEPGError(.invalidOption, "bad training options \(json): \(error)")
        }
    }

    /// These options with every option set in `overrides` replacing the stored one. The two
    /// threshold rules exclude each other: setting one clears the other.
    public func overridden(by overrides: TrainOptions) -> TrainOptions {
        // Merged as JSON objects, key by key, so a new option needs no line here.
        func object(_ options: TrainOptions) -> [String: Any] {
            guard let data = try? JSONEncoder().encode(options) else { return [:] }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        }
        var merged = object(self)
        let given = object(overrides)
        if given["threshold_sigma"] != nil { merged["contamination"] = nil }
        if given["contamination"] != nil { merged["threshold_sigma"] = nil }
        merged.merge(given) { $1 }
        guard let data = try? JSONSerialization.data(withJSONObject: merged),
              let result = try? JSONDecoder().decode(TrainOptions.self, from: data) else { return self }
        return result
    }

    /// Every option resolved against the defaults and checked.
    public func resolved() throws -> ResolvedOptions {
        let d = ResolvedOptions.defaults
        let scaling = scale ?? d.scale
        let kind = self.kind ?? (noise != nil ? .denoising : d.kind)
        let r = ResolvedOptions(
            kind: kind, hidden: hidden ?? d.hidden, latent: latent ?? d.latent, activation: activation ?? d.activation,
            outputActivation: outputActivation ?? (scaling == .minmax ? .sigmoid : .linear),
            optimizer: optimizer ?? d.optimizer, learningRate: learningRate ?? d.learningRate,
            batchSize: batchSize ?? d.batchSize, epochs: epochs ?? d.epochs, validation: validation ?? d.validation,
            patience: patience ?? d.patience, minRelProgress: minRelProgress ?? d.minRelProgress, seed: seed ?? d.seed,
            loss: loss ?? d.loss, score: score ?? d.score, l1: l1 ?? d.l1, l2: l2 ?? d.l2, l1Activity: l1Activity ?? d.l1Activity,
            dropout: dropout ?? d.dropout, noise: kind == .denoising ? (noise ?? .gaussian(0.2)) : noise,
            beta: beta ?? d.beta, scale: scaling, categorical: categorical ?? d.categorical,
            nullIndicators: nullIndicators ?? d.nullIndicators,
            cluster: cluster ?? d.cluster, clusters: clusters ?? d.clusters,
            decUpdateInterval: decUpdateInterval ?? d.decUpdateInterval, decTol: decTol ?? d.decTol,
            thresholdSigma: contamination == nil ? (thresholdSigma ?? d.thresholdSigma) : nil,
            contamination: contamination, trainOn: trainOn ?? d.trainOn)
        try r.validate()
        return r
    }
}

/// Every training option with a value: what a version was actually trained with. Stored (and
/// read back) as `TrainOptions` with every key set.
public struct ResolvedOptions: Codable, Equatable, Sendable {
    public var kind: ModelKind
    public var hidden: [Int]
    public var latent: Int
    public var activation: Activation
    public var outputActivation: Activation
    public var optimizer: OptimizerKind
    public var learningRate: Double
    public var batchSize: Int
    public var epochs: Int
    public var validation: Double
    public var patience: Int
    public var minRelProgress: Double
    public var seed: UInt64
    public var loss: Loss
    public var score: ScoreMethod
    public var l1: Double
    public var l2: Double
    public var l1Activity: Double
    public var dropout: Double
    public var noise: InputNoise?
    public var beta: Double
    public var scale: ScalingMethod
    public var categorical: CategoricalEncoding
    public var nullIndicators: Bool
    public var cluster: ClusterMethod
    public var clusters: Int
    public var decUpdateInterval: Int
    public var decTol: Double
    public var thresholdSigma: Double?
    public var contamination: Double?
    public var trainOn: TrainOn

    /// The defaults, chosen from measurements on the datasets in `shared/data` (see README).
    public static let defaults = ResolvedOptions(
        kind: .dense, hidden: [16, 8], latent: 3, activation: .sigmoid, outputActivation: .linear, optimizer: .adam,
        learningRate: 0.001, batchSize: 256, epochs: 50, validation: 0.1, patience: 5, minRelProgress: 0, seed: 42,
        loss: .mse, score: .reconstruction, l1: 0, l2: 0, l1Activity: 0, dropout: 0, noise: nil, beta: 1, scale: .standard,
        categorical: .onehot, nullIndicators: false, cluster: .kmeans, clusters: 4, decUpdateInterval: 140,
        decTol: 0.001, thresholdSigma: 3, contamination: nil, trainOn: .all)

    public func encode(to encoder: Encoder) throws {
        try asOptions.encode(to: encoder)
    }

    /// The same options as `TrainOptions` with every key set.
    public var asOptions: TrainOptions {
        var o = TrainOptions()
        o.kind = kind; o.hidden = hidden; o.latent = latent; o.activation = activation
        o.outputActivation = outputActivation; o.optimizer = optimizer; o.learningRate = learningRate
        o.batchSize = batchSize; o.epochs = epochs; o.validation = validation; o.patience = patience
        o.minRelProgress = minRelProgress; o.seed = seed; o.loss = loss; o.score = score; o.l1 = l1; o.l2 = l2
        o.l1Activity = l1Activity; o.dropout = dropout; o.noise = noise; o.beta = beta; o.scale = scale
        o.categorical = categorical; o.nullIndicators = nullIndicators; o.cluster = cluster; o.clusters = clusters
        o.decUpdateInterval = decUpdateInterval; o.decTol = decTol; o.thresholdSigma = thresholdSigma
        o.contamination = contamination; o.trainOn = trainOn
        return o
    }

    /// How the threshold is derived from training scores.
    public var thresholdRule: ThresholdRule {
        if let contamination { return .contamination(contamination) }
        return .sigma(thresholdSigma ?? 3)
    }

    /// The threshold rule as stored in `aepg.versions.threshold_rule`, e.g. `sigma:3`.
    public var thresholdRuleText: String {
        if let contamination { return "contamination:\(contamination)" }
        return "sigma:\(thresholdSigma ?? 3)"
    }

    /// The settings the trainer takes.
    public var trainingSettings: TrainingSettings {
        var settings = TrainingSettings(epochs: epochs, batchSize: batchSize,
                                        optimizer: OptimizerSettings(kind: optimizer, learningRate: Float(learningRate)),
                                        loss: loss, validationFraction: validation, patience: patience, seed: seed)
        settings.minRelativeProgress = minRelProgress
        settings.regularization = Regularization(l1: Float(l1), l2: Float(l2), latentL1: Float(l1Activity),
                                                 dropout: Float(dropout), beta: Float(beta))
        settings.noise = kind == .denoising ? noise : nil
        return settings
    }

    /// The weight of the KL term in the score (`--score elbo`), nil when the score is the reconstruction alone.
    public var scoreKLWeight: Float? { score == .elbo ? Float(beta) : nil }

    /// The settings of deep embedded clustering.
    public var decSettings: DECSettings {
        DECSettings(updateInterval: decUpdateInterval, tolerance: decTol, batchSize: batchSize,
                    optimizer: OptimizerSettings(kind: .adam, learningRate: Float(learningRate)), seed: seed)
    }

    func validate() throws {
        func fail(_ message: String) -> AEPGError { AEPGError(.invalidOption, message) }
        guard hidden.allSatisfy({ $0 >= 1 && $0 <= 65_536 }) else {
            throw fail("--hidden takes positive layer widths, e.g. --hidden 64,32")
        }
        guard latent >= 1 && latent <= 65_536 else { throw fail("--latent must be at least 1") }
        guard learningRate > 0 && learningRate.isFinite else { throw fail("--learning-rate must be a positive number") }
        guard batchSize >= 1 else { throw fail("--batch-size must be at least 1") }
        guard epochs >= 1 else { throw fail("--epochs must be at least 1") }
        guard validation >= 0 && validation < 1 else { throw fail("--validation must be in [0, 1), e.g. 0.1") }
        guard patience >= 0 else { throw fail("--patience must be 0 (off) or more") }
        guard clusters >= 1 else { throw fail("--clusters must be at least 1") }
        if let s = thresholdSigma, !(s.isFinite) { throw fail("--threshold-sigma must be a number") }
        if let q = contamination, !(q > 0 && q < 0.5) { throw fail("--contamination must be in (0, 0.5), e.g. 0.01") }
        guard minRelProgress >= 0 && minRelProgress < 1 else { throw fail("--min-rel-progress must be in [0, 1), e.g. 0.01") }
        for (flag, value) in [("--l1", l1), ("--l2", l2), ("--l1-activity", l1Activity), ("--beta", beta)]
            where !(value >= 0 && value.isFinite) {
            throw fail("\(flag) must be 0 or a positive number")
        }
        guard dropout >= 0 && dropout < 1 else { throw fail("--dropout must be in [0, 1), e.g. 0.2") }
        if noise != nil && kind != .denoising { throw fail("--noise needs --kind denoising") }
        if score == .elbo && kind != .variational { throw fail("--score elbo needs --kind variational") }
        guard decUpdateInterval >= 1 else { throw fail("--dec-update-interval must be at least 1 batch") }
        guard decTol >= 0 && decTol < 1 else { throw fail("--dec-tol must be in [0, 1), e.g. 0.001") }
    }
}

extension ResolvedOptions {
    /// Reads stored options as `TrainOptions`, so keys added by later versions take their defaults.
    public init(from decoder: Decoder) throws {
        self = try TrainOptions(from: decoder).resolved()
    }
}
