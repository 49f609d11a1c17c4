import Learn

/// Everything needed to score rows with one trained version: the features it reads, their
/// encoding and scaling, the network, the cluster centroids and the anomaly threshold.
public struct TrainedModel {
    public var version: Int
    /// Source columns, numeric ones first (the order they are read in).
    public var features: [String]
    public var encoding: FeatureEncoding
    public var scaler: FeatureScaler
    public var network: Network
    /// An ensemble's members (the first one's network is `network`); empty for a single network.
    public var members: [EnsembleMember] = []
    /// The labelled anomalies of a `--label-use select` version.
    public var known: KnownAnomalies?
    /// The encoder fine-tuned by DEC or as a neighbour embedding, whose latent space the
    /// centroids live in; nil when clusters come from k-means on `network`'s latent space.
    public var clusterEncoder: Network?
    /// `clusters x latent`.
    public var centroids: Matrix
    public var threshold: Double
    public var options: ResolvedOptions
}

/// The scorer of a version: its network alone, or its ensemble's members combined.
func makeRowScorer(network: Network, members: [EnsembleMember], known: KnownAnomalies?, options: ResolvedOptions) -> any RowScorer {
    members.isEmpty ? ReconstructionScorer(network: network, loss: options.loss, klWeight: options.scoreKLWeight)
                    : EnsembleScorer(members: members, known: known, loss: options.loss, combination: options.combine)
}

/// An ensemble member as stored in `aepg.versions.members`: a network (its layers are the
/// `aepg.layers` rows with its index) with whether it is variational, its score's KL weight, its
/// scale and weight; or, last, the labelled anomalies (`known_anomalies`, scaled inputs) with
/// the scale of their nearness.
struct MemberRecord: Codable {
    var variational: Bool?
    var kl_weight: Float?
    var center: Double
    var scale: Double
    var weight: Double?
    var known_anomalies: [[Float]]?
}

/// Preprocessing parameters as stored in `aepg.versions.preprocessing`:
/// `{"method":"standard","center":[...],"scale":[...],"fill":[...],"compressed":[...],"inputs":[...],"encoding":{...}}`.
/// Versions written by aepg 0.1 have `mean` instead of `center` and no `fill` (0), `inputs` or `encoding`.
struct PreprocessingRecord: Codable {
    var method: ScalingMethod
    var center: [Double]?
    var mean: [Double]?
    var scale: [Double]
    var fill: [Double]?
    /// Absent when no input is compressed (and in versions before compression existed).
    var compressed: [Bool]?
    var inputs: [String]?
    var encoding: FeatureEncoding?

    init(scaler: FeatureScaler, encoding: FeatureEncoding) {
        method = scaler.method
        center = scaler.center
        scale = scaler.scale
        fill = scaler.fill
        compressed = scaler.compressed.isEmpty ? nil : scaler.compressed
        inputs = encoding.inputNames
        self.encoding = encoding
    }

    /// The scaler, from either layout.
    var scaler: FeatureScaler {
        let center = self.center ?? mean ?? []
        return FeatureScaler(method: method, center: center, scale: scale,
                             fill: fill ?? [Double](repeating: 0, count: center.count), compressed: compressed ?? [])
    }
}

/// One epoch of `aepg.versions.loss_history`.
struct LossRecord: Codable {
    var epoch: Int
    var training: Double
    var validation: Double?
    var seconds: Double
}
