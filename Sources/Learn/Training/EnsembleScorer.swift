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

    public init(network: Network, klWeight: Float?, center: Double = 0, scale: Double = 1) {
        self.network = network
        self.klWeight = klWeight
        self.center = center
        self.scale = scale
    }

    /// The median and interquartile range of `scores` (of the training rows), as `center` and
    /// `scale`; a zero range falls back to the mean absolute deviation, then to 1, so a member
    /// that scores every row alike adds a constant instead of dividing by zero.
    public mutating func calibrate(on scores: [Double]) {
        let sorted = scores.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return }
        func quantile(_ q: Double) -> Double {
            let position = q * Double(sorted.count - 1)
            let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
            return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
        }
        center = quantile(0.5)
        let range = quantile(0.75) - quantile(0.25)
        let deviation = sorted.reduce(0) { $0 + abs($1 - center) } / Double(sorted.count)
        scale = range > 0 ? range : (deviation > 0 ? deviation : 1)
    }
}

/// Scores rows with several autoencoders and combines them: a row's score is the mean of its
/// members' robust z-scores; a feature's contribution is its error in each member divided by
/// that member's scale, summed, so `topFeatures` ranks features the way the score weighs them.
/// The latent vector is the first member's.
public final class EnsembleScorer: RowScorer {
    public let chunkSize: Int
    public let topFeatureCount: Int
    public let scores: UnsafeMutablePointer<Double>
    public let topFeatures: UnsafeMutablePointer<Int32>
    private let members: [EnsembleMember]
    private let scorers: [ReconstructionScorer]
    private let contributions: UnsafeMutablePointer<Float>
    private let width: Int

    /// A scorer for `members` (at least one), each scored with `loss`.
    public init(members: [EnsembleMember], loss: Loss, chunkSize: Int = 4096, threads: Int = BLASThreads.available) {
        precondition(!members.isEmpty, "an ensemble needs members")
        self.members = members
        self.chunkSize = chunkSize
        scorers = members.map {
            ReconstructionScorer(network: $0.network, loss: loss, klWeight: $0.klWeight, chunkSize: chunkSize, threads: threads, keepsErrors: true)
        }
        width = members[0].network.inputWidth
        topFeatureCount = scorers[0].topFeatureCount
        scores = .allocate(capacity: chunkSize)
        topFeatures = .allocate(capacity: chunkSize * max(topFeatureCount, 1))
        contributions = .allocate(capacity: chunkSize * width)
    }

    deinit {
        scores.deallocate()
        topFeatures.deallocate()
        contributions.deallocate()
    }

    public var latentWidth: Int { scorers[0].latentWidth }
    public var latent: UnsafeMutablePointer<Float> { scorers[0].latent }

    public func scoreChunk(_ input: UnsafePointer<Float>, count: Int) {
        precondition(count <= chunkSize)
        scores.update(repeating: 0, count: count)
        contributions.update(repeating: 0, count: count * width)
        let share = 1 / Double(members.count)
        for (member, scorer) in zip(members, scorers) {
            scorer.scoreChunk(input, count: count)
            let inverseScale = 1 / member.scale
            for r in 0..<count { scores[r] += (scorer.scores[r] - member.center) * inverseScale * share }
            let errors = scorer.errors!, weight = Float(inverseScale)
            for i in 0..<(count * width) { contributions[i] += errors[i] * weight }
        }
        let k = topFeatureCount
        for r in 0..<count {
            var kept = (Float(-1), Float(-1), Float(-1))
            let row = contributions + r * width
            for j in 0..<width { insertTop(error: row[j], feature: Int32(j), errors: &kept, features: topFeatures + r * k, k: k) }
        }
    }
}
