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
    let finite = scores.filter(\.isFinite)
    guard !finite.isEmpty else { return nil }
    let quartiles = Quantile.of(finite, [0.25, 0.5, 0.75])
    let center = quartiles[1], range = quartiles[2] - quartiles[0]
    let deviation = finite.reduce(0) { $0 + abs($1 - center) } / Double(finite.count)
    return (center, range > 0 ? range : (deviation > 0 ? deviation : 1))
}

/// How an ensemble's member scores (each a robust z-score) make a row's score.
public enum MemberCombination: String, Codable, CaseIterable, Sendable {
    /// The (weighted) mean of every member's.
    case mean
    /// The (weighted) mean of the row's highest half of them, rounded up (3 of 5): a member that
    /// reconstructs an anomaly well, having learned it among the training rows, does not pull
    /// its score back. Ties go to the earlier member.
    case topHalf = "top-half"

    /// How many of `members` scores count for a row.
    public func kept(of members: Int) -> Int { self == .topHalf ? (members + 1) / 2 : members }
}

/// Scores rows with several autoencoders and combines them: a row's score is the (weighted) mean
/// of its members' robust z-scores (all, or each row's highest half: `MemberCombination`), plus, with labelled anomalies, its nearness to them as a
/// robust z-score; a feature's contribution is its error in each member times the member's
/// weight over its scale, summed, so `topFeatures` ranks features the way the members weigh
/// them. The latent vector is the first member's.
///
/// A chunk is split across `threads` shards (`ChunkSplit`), each running every member and the
/// combination on its own rows: the combination runs in parallel too (splitting each member's
/// product instead left it on one thread).
public final class EnsembleScorer: RowScorer {
    public let chunkSize: Int
    public let topFeatureCount: Int
    public let scores: UnsafeMutablePointer<Double>
    public let topFeatures: UnsafeMutablePointer<Int32>
    public let latent: UnsafeMutablePointer<Float>
    public let latentWidth: Int
    private let shards: [EnsembleShard]
    private let split: ChunkSplit
    /// The member with the most parameters: it decides how many threads BLAS gets for a chunk
    /// left on one thread.
    private let widest: Network
    /// The member whose latent space is written and clustered.
    private let first: Network

    /// A scorer for `members` (at least one), each scored with `loss`, combined by `combination`,
    /// and the labelled anomalies if any.
    public init(members: [EnsembleMember], known: KnownAnomalies? = nil, loss: Loss, combination: MemberCombination = .mean,
                chunkSize: Int? = nil, threads: Int = BLASThreads.available) {
        precondition(!members.isEmpty, "an ensemble needs members")
        let chunkSize = chunkSize ?? ReconstructionScorer.chunkSize(forWidth: members[0].network.inputWidth)
        self.chunkSize = chunkSize
        let width = members[0].network.inputWidth
        topFeatureCount = min(maximumTopFeatures, width)
        latentWidth = members[0].network.latentWidth
        widest = members.map(\.network).max { $0.parameters.count < $1.parameters.count }!
        first = members[0].network
        let split = ChunkSplit(chunkSize: chunkSize, threads: threads)
        self.split = split
        shards = (0..<split.parts).map { [topFeatureCount] _ in
            EnsembleShard(members: members, known: known, loss: loss, combination: combination, capacity: split.share,
                          topFeatureCount: topFeatureCount)
        }
        scores = .allocate(capacity: chunkSize)
        topFeatures = .allocate(capacity: chunkSize * max(topFeatureCount, 1))
        latent = .allocate(capacity: chunkSize * latentWidth)
    }

    deinit {
        scores.deallocate()
        topFeatures.deallocate()
        latent.deallocate()
    }

    /// The first member's latent vectors, in this scorer's shards and with its BLAS threads.
    public func latents(of data: Matrix) -> Matrix {
        first.latents(of: data, chunkSize: chunkSize, split: split, blasNetwork: widest)
    }

    public func scoreChunk(_ input: UnsafePointer<Float>, count: Int) {
        precondition(count <= chunkSize)
        split.run(count: count, blasThreads: BLASThreads.suited(to: widest, batch: count)) { part, first, rows in
            shards[part].score(input + first * shards[part].width, count: rows, scores: scores + first,
                               topFeatures: topFeatures + first * topFeatureCount, latent: latent + first * latentWidth)
        }
    }
}

/// One thread's share of an `EnsembleScorer`: every member's scorer and the combination's
/// buffers, for up to `capacity` rows.
private final class EnsembleShard {
    let width: Int
    private let members: [EnsembleMember]
    private let known: KnownAnomalies?
    private let scorers: [ReconstructionScorer]
    private let topFeatureCount: Int
    /// How many members' scores count for a row (`MemberCombination.kept`).
    private let kept: Int
    private let contributions: UnsafeMutablePointer<Float>
    private let nearness: UnsafeMutablePointer<Double>
    private let products: UnsafeMutablePointer<Float>
    /// Each row's member z-scores (`capacity x members`), and which members count for the row at hand.
    private let zScores: UnsafeMutablePointer<Double>
    private var counted: [Bool]

    init(members: [EnsembleMember], known: KnownAnomalies?, loss: Loss, combination: MemberCombination, capacity: Int,
         topFeatureCount: Int) {
        self.members = members
        self.known = known
        self.topFeatureCount = topFeatureCount
        kept = combination.kept(of: members.count)
        zScores = .allocate(capacity: capacity * members.count)
        counted = [Bool](repeating: true, count: members.count)
        width = members[0].network.inputWidth
        // The members rank no features of their own: the ensemble ranks the combined errors.
        scorers = members.map {
            ReconstructionScorer(network: $0.network, loss: loss, klWeight: $0.klWeight, chunkSize: capacity, topFeatureCount: 0,
                                 threads: 1, keepsErrors: true)
        }
        contributions = .allocate(capacity: capacity * width)
        nearness = .allocate(capacity: capacity)
        products = .allocate(capacity: capacity * max(known?.points.rows ?? 0, 1))
    }

    deinit {
        contributions.deallocate()
        nearness.deallocate()
        products.deallocate()
        zScores.deallocate()
    }

    /// Scores `count` rows at `input` into `scores`, `topFeatures` and `latent` (the caller's
    /// slices of the chunk's outputs), with BLAS threads as the caller set them.
    func score(_ input: UnsafePointer<Float>, count: Int, scores: UnsafeMutablePointer<Double>,
               topFeatures: UnsafeMutablePointer<Int32>, latent: UnsafeMutablePointer<Float>) {
        scores.update(repeating: 0, count: count)
        contributions.update(repeating: 0, count: count * width)
        let n = members.count
        for (m, (member, scorer)) in zip(members, scorers).enumerated() {
            scorer.scoreOnThisThread(input, count: count)
            for r in 0..<count { zScores[r * n + m] = (scorer.scores[r] - member.center) / member.scale }
        }
        for r in 0..<count {
            let z = zScores + r * n
            if kept < n { chooseHighest(z) }
            var weight = 0.0
            for m in 0..<n where counted[m] { weight += members[m].weight }
            // In member order, so that the mean of all sums as it always did.
            let row = contributions + r * width
            for m in 0..<n where counted[m] {
                let share = members[m].weight / weight
                scores[r] += z[m] * share
                let errors = scorers[m].errors! + r * width, factor = Float(share / members[m].scale)
                for j in 0..<width { row[j] += errors[j] * factor }
            }
        }
        latent.update(from: scorers[0].latent, count: count * scorers[0].latentWidth)
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

private extension EnsembleShard {
    /// Marks in `counted` the `kept` members with the highest of the `z` scores (the earlier
    /// member on a tie).
    func chooseHighest(_ z: UnsafePointer<Double>) {
        let n = members.count
        for m in 0..<n {
            var above = 0
            for other in 0..<n where z[other] > z[m] || (z[other] == z[m] && other < m) { above += 1 }
            counted[m] = above < kept
        }
    }
}
