import Learn

/// Which rows the autoencoder is fitted on.
public enum TrainOn: String, Codable, CaseIterable, Sendable {
    /// Every row.
    case all
    /// Only rows whose label is 0 (needs a label column); every row is still scored.
    case normal
}

/// Training options as a user gives them: every field optional, so stored options, command-line
/// overrides and defaults can be layered. Stored as jsonb with snake_case keys.
public struct TrainOptions: Codable, Equatable, Sendable {
    public var hidden: [Int]?
    public var latent: Int?
    public var activation: Activation?
    public var optimizer: OptimizerKind?
    public var learningRate: Double?
    public var batchSize: Int?
    public var epochs: Int?
    public var validation: Double?
    public var patience: Int?
    public var seed: UInt64?
    public var clusters: Int?
    public var thresholdSigma: Double?
    public var contamination: Double?
    public var trainOn: TrainOn?

    enum CodingKeys: String, CodingKey {
        case hidden, latent, activation, optimizer, epochs, validation, patience, seed, clusters, contamination
        case learningRate = "learning_rate", batchSize = "batch_size", thresholdSigma = "threshold_sigma"
        case trainOn = "train_on"
    }

    public init() {}

    /// These options with every option set in `overrides` replacing the stored one. The two
    /// threshold rules exclude each other: setting one clears the other.
    public func overridden(by overrides: TrainOptions) -> TrainOptions {
        var merged = self
        func take<T>(_ path: WritableKeyPath<TrainOptions, T?>) {
            if let value = overrides[keyPath: path] { merged[keyPath: path] = value }
        }
        take(\.hidden); take(\.latent); take(\.activation); take(\.optimizer); take(\.learningRate)
        take(\.batchSize); take(\.epochs); take(\.validation); take(\.patience); take(\.seed)
        take(\.clusters); take(\.trainOn)
        if let sigma = overrides.thresholdSigma { merged.thresholdSigma = sigma; merged.contamination = nil }
        if let share = overrides.contamination { merged.contamination = share; merged.thresholdSigma = nil }
        return merged
    }

    /// Every option resolved against the defaults and checked.
    public func resolved() throws -> ResolvedOptions {
        let d = ResolvedOptions.defaults
        let r = ResolvedOptions(
            hidden: hidden ?? d.hidden, latent: latent ?? d.latent, activation: activation ?? d.activation,
            optimizer: optimizer ?? d.optimizer, learningRate: learningRate ?? d.learningRate,
            batchSize: batchSize ?? d.batchSize, epochs: epochs ?? d.epochs, validation: validation ?? d.validation,
            patience: patience ?? d.patience, seed: seed ?? d.seed, clusters: clusters ?? d.clusters,
            thresholdSigma: contamination == nil ? (thresholdSigma ?? d.thresholdSigma) : nil,
            contamination: contamination, trainOn: trainOn ?? d.trainOn)
        try r.validate()
        return r
    }
}

/// Every training option with a value: what a version was actually trained with.
public struct ResolvedOptions: Codable, Equatable, Sendable {
    public var hidden: [Int]
    public var latent: Int
    public var activation: Activation
    public var optimizer: OptimizerKind
    public var learningRate: Double
    public var batchSize: Int
    public var epochs: Int
    public var validation: Double
    public var patience: Int
    public var seed: UInt64
    public var clusters: Int
    public var thresholdSigma: Double?
    public var contamination: Double?
    public var trainOn: TrainOn

    enum CodingKeys: String, CodingKey {
        case hidden, latent, activation, optimizer, epochs, validation, patience, seed, clusters, contamination
        case learningRate = "learning_rate", batchSize = "batch_size", thresholdSigma = "threshold_sigma"
        case trainOn = "train_on"
    }

    /// The defaults, chosen from measurements on the datasets in `shared/data` (see README).
    public static let defaults = ResolvedOptions(
        hidden: [16, 8], latent: 3, activation: .sigmoid, optimizer: .adam, learningRate: 0.001,
        batchSize: 256, epochs: 50, validation: 0.1, patience: 5, seed: 42, clusters: 4,
        thresholdSigma: 3, contamination: nil, trainOn: .all)

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
        TrainingSettings(epochs: epochs, batchSize: batchSize,
                         optimizer: OptimizerSettings(kind: optimizer, learningRate: Float(learningRate)),
                         loss: .mse, validationFraction: validation, patience: patience, seed: seed)
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
    }
}
