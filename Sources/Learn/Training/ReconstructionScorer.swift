import Foundation

/// Per-row results of running an autoencoder over data: anomaly score, latent vector and
/// the features that contributed most to the score.
///
/// Scoring walks the rows in fixed-size chunks through reused workspaces, so memory stays
/// constant and a row gets the same score whether it is scored with the training data or alone.
/// A chunk is split across `threads` workers (each with single-threaded BLAS): rows are
/// independent, so this is the cheapest parallelism there is.
public final class ReconstructionScorer: RowScorer {
    /// Rows processed per call of `scoreChunk`.
    public let chunkSize: Int
    /// How many top contributing features to report per row (at most 3).
    public let topFeatureCount: Int
    private let network: Network
    private let loss: Loss
    /// Weight of the variational KL term in the score (`β` for an ELBO score), nil for none.
    private let klWeight: Float?
    private let workers: [Workspace]
    private let split: ChunkSplit

    /// Per-row score (mean element loss) of the last chunk.
    public let scores: UnsafeMutablePointer<Double>
    /// Feature indices, `topFeatureCount` per row, of the last chunk (largest error first).
    public let topFeatures: UnsafeMutablePointer<Int32>
    /// Latent vectors of the last chunk (`rows x latentWidth`).
    public let latent: UnsafeMutablePointer<Float>
    /// With `keepsErrors`: every element's loss of the last chunk (`rows x inputWidth`), before
    /// the KL term, for an ensemble to combine per feature.
    public let errors: UnsafeMutablePointer<Float>?

    /// A scorer for `network` using `loss` as the per-row score, on `threads` threads
    /// (default: as many as OpenBLAS would use). With `klWeight` (variational networks only),
    /// the score is the negative ELBO per element instead: the reconstruction error of the mean
    /// plus `klWeight · KL(q(z|x) ‖ N(0, I)) / width`, the loss the network was trained on.
    public init(network: Network, loss: Loss, klWeight: Float? = nil, chunkSize: Int? = nil, topFeatureCount: Int = 3,
                threads: Int = BLASThreads.available, keepsErrors: Bool = false) {
        precondition(klWeight == nil || network.variational, "an ELBO score needs a variational network")
        self.network = network
        self.loss = loss
        self.klWeight = klWeight
        let chunkSize = chunkSize ?? Self.chunkSize(forWidth: network.inputWidth)
        self.chunkSize = chunkSize
        self.topFeatureCount = min(topFeatureCount, maximumTopFeatures, network.inputWidth)
        let split = ChunkSplit(chunkSize: chunkSize, threads: threads)
        self.split = split
        workers = (0..<split.parts).map { _ in Workspace(network: network, capacity: split.share) }
        scores = .allocate(capacity: chunkSize)
        topFeatures = .allocate(capacity: chunkSize * max(self.topFeatureCount, 1))
        latent = .allocate(capacity: chunkSize * network.latentWidth)
        errors = keepsErrors ? .allocate(capacity: chunkSize * network.inputWidth) : nil
    }

    deinit {
        scores.deallocate()
        topFeatures.deallocate()
        latent.deallocate()
        errors?.deallocate()
    }

    /// Width of a latent vector.
    public var latentWidth: Int { network.latentWidth }

    /// Rows per chunk for inputs `width` wide: 4,096, and fewer for wide inputs, so that a chunk's
    /// input-wide buffers (several per network, and an ensemble has several networks) stay near
    /// 2 MiB each instead of growing with the width.
    public static func chunkSize(forWidth width: Int) -> Int {
        max(256, min(4096, (1 << 19) / max(width, 1)))
    }

    /// Scores `count <= chunkSize` rows at `input` (preprocessed, `count x inputWidth`); results
    /// are in `scores`, `topFeatures` and `latent` until the next call.
    public func scoreChunk(_ input: UnsafePointer<Float>, count: Int) {
        precondition(count <= chunkSize)
        split.run(count: count, blasThreads: BLASThreads.suited(to: network, batch: count)) { part, first, rows in
            scoreRows(input, first: first, count: rows, workspace: workers[part])
        }
    }

    public func latents(of data: Matrix) -> Matrix {
        network.latents(of: data, chunkSize: chunkSize, split: split, blasNetwork: network)
    }

    /// Scores `count <= chunkSize` rows on the calling thread, leaving BLAS's threads as they
    /// are: for a caller that already splits the work across threads (`EnsembleScorer`).
    func scoreOnThisThread(_ input: UnsafePointer<Float>, count: Int) {
        precondition(count <= split.share)
        scoreRows(input, first: 0, count: count, workspace: workers[0])
    }

    /// Scores rows `first ..< first + count` of the chunk with one workspace.
    private func scoreRows(_ input: UnsafePointer<Float>, first: Int, count: Int, workspace: Workspace) {
        let width = network.inputWidth, latentWidth = network.latentWidth
        let x0 = input + first * width
        network.forward(x0, batch: count, workspace: workspace)
        (latent + first * latentWidth).update(from: workspace.latent, count: count * latentWidth)
        let output = workspace.output
        let k = topFeatureCount
        for r in 0..<count {
            let x = x0 + r * width, y = output + r * width
            let top = topFeatures + (first + r) * k
            var topErrors = (Float(-1), Float(-1), Float(-1))
            var total: Double = 0
            let kept = errors.map { $0 + (first + r) * width }
            for j in 0..<width {
                let e = loss.elementLoss(y[j] - x[j])
                kept?[j] = e
                total += Double(e)
                if k > 0 { insertTop(error: e, feature: Int32(j), errors: &topErrors, features: top, k: k) }
            }
            scores[first + r] = total / Double(width)
        }
        if let klWeight { addKL(weight: klWeight, first: first, count: count, workspace: workspace) }
    }

    /// Adds `weight · KL / width` of each row, from the encoder's means and log-variances.
    private func addKL(weight: Float, first: Int, count: Int, workspace: Workspace) {
        let stats = workspace.outputs[network.encoderDepth - 1].pointer, rowWidth = 2 * network.latentWidth
        for r in 0..<count {
            scores[first + r] += Double(weight) * network.latentKL(row: stats + r * rowWidth) / Double(network.inputWidth)
        }
    }
}
