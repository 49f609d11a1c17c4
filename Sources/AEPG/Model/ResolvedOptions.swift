import Foundation
import Learn

/// Every training option with a value: what a version was actually trained with. Read as
/// `options.epochs` through the declarations in `TrainOptionCatalog`; stored as a jsonb object
/// with every key, and read back through `TrainOptions` so keys added later take their defaults.
@dynamicMemberLookup
public struct ResolvedOptions: Codable, Equatable, Sendable {
    /// Every option's value, by JSON key.
    var values: [String: JSONValue]
    /// How the given options were written, so messages name them that way (not stored).
    var origins: [String: OptionOrigin] = [:]

    /// The defaults (how they were chosen: docs/benchmarks.md).
    public static let defaults = ResolvedOptions(
        values: Dictionary(uniqueKeysWithValues: TrainOptionCatalog.all.map { ($0.key, $0.defaultJSON) }))

    private init(values: [String: JSONValue]) {
        self.values = values
    }

    /// The option declared at `path`.
    public subscript<Value>(dynamicMember path: KeyPath<TrainOptionCatalog, OptionSpec<Value>>) -> Value {
        get { TrainOptionCatalog.shared[keyPath: path].value(in: values) }
        set { values[TrainOptionCatalog.shared[keyPath: path].key] = newValue.json }
    }

    public static func == (a: ResolvedOptions, b: ResolvedOptions) -> Bool { a.values == b.values }

    /// The option at `path` named as its author wrote it: `--clusters` from the command line, `clusters` otherwise.
    public func name<Value>(of path: KeyPath<TrainOptionCatalog, OptionSpec<Value>>) -> String {
        let spec = TrainOptionCatalog.shared[keyPath: path]
        return spec.name(for: origins[spec.key] ?? .json)
    }

    public init(from decoder: Decoder) throws {
        var stored = try TrainOptions(from: decoder)
        // A version stored before its members' combination was an option combined them by their mean.
        if stored.combine == nil { stored.combine = .mean }
        self = try stored.resolved()
    }

    public func encode(to encoder: Encoder) throws {
        try values.encode(to: encoder)
    }

    /// The same options as `TrainOptions` with every key set.
    public var asOptions: TrainOptions {
        var options = TrainOptions()
        for spec in TrainOptionCatalog.all { options.setStored(spec.key, values[spec.key] ?? spec.defaultJSON) }
        return options
    }

    /// How the threshold is derived from training scores.
    public var thresholdRule: ThresholdRule {
        if let contamination = self.contamination { return .contamination(contamination) }
        return .sigma(self.thresholdSigma ?? 3)
    }

    /// The threshold rule as stored in `aepg.versions.threshold_rule`, e.g. `sigma:3.0`.
    public var thresholdRuleText: String {
        if let contamination = self.contamination { return "contamination:\(contamination)" }
        return "sigma:\(self.thresholdSigma ?? 3)"
    }

    /// The settings the trainer takes.
    public var trainingSettings: TrainingSettings {
        var settings = TrainingSettings(epochs: self.epochs, batchSize: self.batchSize,
                                        optimizer: OptimizerSettings(kind: self.optimizer, learningRate: Float(self.learningRate)),
                                        loss: self.loss, validationFraction: self.validation, patience: self.patience, seed: self.seed)
        settings.minRelativeProgress = self.minRelProgress
        settings.timeLimit = self.timeLimit
        settings.rowsPerEpoch = self.epochRows > 0 ? self.epochRows : nil
        settings.regularization = Regularization(l1: Float(self.l1), l2: Float(self.l2), latentL1: Float(self.l1Activity),
                                                 dropout: Float(self.dropout), beta: Float(self.beta))
        settings.noise = self.kind == .denoising ? self.noise : nil
        return settings
    }

    /// The weight of the KL term in the score (`--score elbo`), nil when the score is the reconstruction alone.
    public var scoreKLWeight: Float? { self.score == .elbo ? Float(self.beta) : nil }

    /// What fine-tunes an encoder for clustering (the neighbour embedding, DEC): Adam at the
    /// learning rate.
    public var clusteringOptimizer: OptimizerSettings { OptimizerSettings(kind: .adam, learningRate: Float(self.learningRate)) }

    /// The settings of deep embedded clustering.
    public var decSettings: DECSettings {
        DECSettings(updateInterval: self.decUpdateInterval, tolerance: self.decTol, batchSize: self.batchSize,
                    optimizer: clusteringOptimizer, seed: self.seed,
                    neighbors: self.decNeighbors)
    }
}
