import Foundation

/// One autoencoder of an ensemble and how its scores are put on the common scale: a row's
/// member score `s` counts as `(s - center) / scale`, a robust z-score against the training rows
/// (their median and interquartile range).
public struct EnsembleMember {
    public var network: Network
    /// Weight of the KL term in the member's score (variational members scored by ELBO), or nil.
    public var klWeight: Float?
    public var center: Double
    public var scale: Double
    /// The member's share of the combined score, relative to the others' (`--label-use select`
    /// weighs members by how high they rank the labelled anomalies; 1 otherwise).
    public var weight: Double

    public init(network: Network, klWeight: Float?, center: Double = 0, scale: Double = 1, weight: Double = 1) {
        self.network = network
        self.klWeight = klWeight
        self.center = center
        self.scale = scale
        self.weight = weight
    }

    /// The median and interquartile range of `scores` (of the training rows), as `center` and
    /// `scale`; a zero range falls back to the mean absolute deviation, then to 1, so a member
    /// that scores every row alike adds a constant instead of dividing by zero.
    public mutating func calibrate(on scores: [Double]) {
        (center, scale) = robustScale(of: scores) ?? (center, scale)
    }
}

/// The median and interquartile range of the finite `scores` (the mean absolute deviation when
/// the range is 0, then 1); nil when none is finite.
public func robustScale(of scores: [Double]) -> (center: Double, scale: Double)? {
    let sorted = scores.filter(\.isFinite).sorted()
    guard !sorted.isEmpty else { return nil }
    func quantile(_ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }
    let center = quantile(0.5)
    let range = quantile(0.75) - quantile(0.25)
    let deviation = sorted.reduce(0) { $0 + abs($1 - center) } / Double(sorted.count)
    return (center, range > 0 ? range : (deviation > 0 ? deviation : 1))
}

/// Scores rows with several autoencoders and combines them: a row's score is the (weighted) mean
/// of its members' robust z-scores, plus, with labelled anomalies, its nearness to them as a
/// robust z-score; a feature's contribution is its error in each member times the member's
/// weight over its scale, summed, so `topFeatures` ranks features the way the members weigh
/// them. The latent vector is the first member's.
public final class EnsembleScorer: RowScorer {
    public let chunkSize: Int
    public let topFeatureCount: Int
    public let scores: UnsafeMutablePointer<Double>
    public let topFeatures: UnsafeMutablePointer<Int32>
    private let members: [EnsembleMember]
    private let known: KnownAnomalies?
    private let scorers: [ReconstructionScorer]
    private let contributions: UnsafeMutablePointer<Float>
    private let nearness: UnsafeMutablePointer<Double>
    private let products: UnsafeMutablePointer<Float>
    private let width: Int

    /// A scorer for `members` (at least one), each scored with `loss`, and the labelled anomalies if any.
    public init(members: [EnsembleMember], known: KnownAnomalies? = nil, loss: Loss, chunkSize: Int? = nil,
                threads: Int = BLASThreads.available) {
        precondition(!members.isEmpty, "an ensemble needs members")
        self.members = members
        self.known = known
        let chunkSize = chunkSize ?? ReconstructionScorer.chunkSize(forWidth: members[0].network.inputWidth)
        self.chunkSize = chunkSize
        // The members rank no features of their own: the ensemble ranks the combined errors.
        scorers = members.map {
            ReconstructionScorer(network: $0.network, loss: loss, klWeight: $0.klWeight, chunkSize: chunkSize, topFeatureCount: 0,
                                 threads: threads, keepsErrors: true)
        }
        width = members[0].network.inputWidth
        topFeatureCount = min(maximumTopFeatures, width)
        scores = .allocate(capacity: chunkSize)
        topFeatures = .allocate(capacity: chunkSize * max(topFeatureCount, 1))
        contributions = .allocate(capacity: chunkSize * width)
        nearness = .allocate(capacity: chunkSize)
        products = .allocate(capacity: chunkSize * max(known?.points.rows ?? 0, 1))
    }

    deinit {
        scores.deallocate()
        topFeatures.deallocate()
        contributions.deallocate()
        nearness.deallocate()
        products.deallocate()
    }

    public var latentWidth: Int { scorers[0].latentWidth }
    public var latent: UnsafeMutablePointer<Float> { scorers[0].latent }

    public func scoreChunk(_ input: UnsafePointer<Float>, count: Int) {
        precondition(count <= chunkSize)
        scores.update(repeating: 0, count: count)
        contributions.update(repeating: 0, count: count * width)
        let totalWeight = members.reduce(0) { $0 + $1.weight }
        for (member, scorer) in zip(members, scorers) {
            scorer.scoreChunk(input, count: count)
            let factor = member.weight / totalWeight / member.scale
            for r in 0..<count { scores[r] += (scorer.scores[r] - member.center) * factor }
            let errors = scorer.errors!, weight = Float(factor)
            for i in 0..<(count * width) { contributions[i] += errors[i] * weight }
        }
        if let known {
            known.nearness(input, count: count, into: nearness, products: products)
            for r in 0..<count { scores[r] += (nearness[r] - known.center) / known.scale }
        }
        let k = topFeatureCount
        for r in 0..<count {
            var kept = (Float(-1), Float(-1), Float(-1))
            let row = contributions + r * width
            for j in 0..<width { insertTop(error: row[j], feature: Int32(j), errors: &kept, features: topFeatures + r * k, k: k) }
        }
    }
}
