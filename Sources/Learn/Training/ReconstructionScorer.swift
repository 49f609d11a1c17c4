/// Per-row results of running an autoencoder over data: anomaly score, latent vector and
/// the features that contributed most to the score.
///
/// Scoring walks the rows in fixed-size chunks through one reused workspace, so memory stays
/// constant and a row gets the same score whether it is scored with the training data or alone.
public final class ReconstructionScorer {
    /// Rows processed per forward pass.
    public let chunkSize: Int
    /// How many top contributing features to report per row (at most 3).
    public let topFeatureCount: Int
    private let network: Network
    private let loss: Loss
    private let workspace: Workspace
    private let blasThreads: Int

    /// Per-row score (mean element loss) of the last chunk.
    public let scores: UnsafeMutablePointer<Double>
    /// Feature indices, `topFeatureCount` per row, of the last chunk (largest error first).
    public let topFeatures: UnsafeMutablePointer<Int32>

    /// A scorer for `network` using `loss` as the per-row score.
    public init(network: Network, loss: Loss, chunkSize: Int = 4096, topFeatureCount: Int = 3) {
        self.network = network
        self.loss = loss
        self.chunkSize = chunkSize
        self.topFeatureCount = min(topFeatureCount, 3, network.inputWidth)
        workspace = Workspace(network: network, capacity: chunkSize)
        blasThreads = BLASThreads.suited(to: network, batch: chunkSize)
        scores = .allocate(capacity: chunkSize)
        topFeatures = .allocate(capacity: chunkSize * max(self.topFeatureCount, 1))
    }

    deinit {
        scores.deallocate()
        topFeatures.deallocate()
    }

    /// Latent vectors of the last chunk (`rows x latentWidth`).
    public var latent: UnsafeMutablePointer<Float> { workspace.latent(of: network) }
    /// Width of a latent vector.
    public var latentWidth: Int { network.latentWidth }

    /// Scores `count <= chunkSize` rows at `input` (preprocessed, `count x inputWidth`); results
    /// are in `scores`, `topFeatures` and `latent` until the next call.
    public func scoreChunk(_ input: UnsafePointer<Float>, count: Int) {
        precondition(count <= chunkSize)
        BLASThreads.with(blasThreads) { network.forward(input, batch: count, workspace: workspace) }
        let width = network.inputWidth
        let output = workspace.output
        let k = topFeatureCount
        for r in 0..<count {
            let x = input + r * width, y = output + r * width
            let top = topFeatures + r * k
            var topErrors = (Float(-1), Float(-1), Float(-1))
            var total: Double = 0
            for j in 0..<width {
                let e = loss.elementLoss(y[j] - x[j])
                total += Double(e)
                insertTop(error: e, feature: Int32(j), errors: &topErrors, features: top, k: k)
            }
            scores[r] = total / Double(width)
        }
    }

    /// Scores every row of `data`, calling `body(firstRow, count)` after each chunk.
    public func scoreAll(_ data: Matrix, body: (Int, Int) throws -> Void) rethrows {
        try data.storage.withUnsafeBufferPointer { source in
            var start = 0
            while start < data.rows {
                let count = min(chunkSize, data.rows - start)
                scoreChunk(source.baseAddress! + start * data.columns, count: count)
                try body(start, count)
                start += count
            }
        }
    }

    /// Keeps the `k <= 3` largest errors seen so far, in descending order.
    @inline(__always)
    private func insertTop(error: Float, feature: Int32, errors: inout (Float, Float, Float),
                           features: UnsafeMutablePointer<Int32>, k: Int) {
        if k >= 1 && error > errors.0 {
            if k >= 3 { errors.2 = errors.1; features[2] = features[1] }
            if k >= 2 { errors.1 = errors.0; features[1] = features[0] }
            errors.0 = error; features[0] = feature
        } else if k >= 2 && error > errors.1 {
            if k >= 3 { errors.2 = errors.1; features[2] = features[1] }
            errors.1 = error; features[1] = feature
        } else if k >= 3 && error > errors.2 {
            errors.2 = error; features[2] = feature
        }
    }
}
