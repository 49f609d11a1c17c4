import Learn

/// Everything needed to score rows with one trained version: the features it reads, their
/// preprocessing, the network, the cluster centroids and the anomaly threshold.
public struct TrainedModel {
    public var version: Int
    public var features: [String]
    public var scaler: StandardScaler
    public var network: Network
    /// `clusters x latent`.
    public var centroids: Matrix
    public var threshold: Double
    public var options: ResolvedOptions
}

/// Preprocessing parameters as stored in `aepg.versions.preprocessing`.
struct PreprocessingRecord: Codable {
    var method: String
    var mean: [Double]
    var scale: [Double]
}

/// One epoch of `aepg.versions.loss_history`.
struct LossRecord: Codable {
    var epoch: Int
    var training: Double
    var validation: Double?
    var seconds: Double
}
