import Foundation

/// Computes one batch's mean loss and its gradient, on one thread or split across several.
///
/// Split mode gives each worker a contiguous share of the batch, its own workspace and
/// single-threaded BLAS, then averages the workers' gradients weighted by their row counts. It
/// synchronises once per step instead of once per matrix product (what OpenBLAS's own threads
/// do), which pays off for wide layers; narrow networks run on one thread (see `BLASThreads`).
public final class GradientStep {
    private let network: Network
    private let loss: Loss
    private let regularization: Regularization
    private let width: Int
    private let workers: [Workspace]
    private let losses: UnsafeMutablePointer<Double>

    /// The gradient of the last `compute` (the first worker's buffer).
    public var gradients: FloatBuffer { workers[0].gradients }
    /// The first worker's workspace, free between steps (e.g. for validation passes).
    public var workspace: Workspace { workers[0] }

    /// A step for batches of up to `batchCapacity` rows, split across `threads` workers;
    /// `seed` drives dropout and variational sampling (each worker its own stream).
    public init(network: Network, loss: Loss, regularization: Regularization = .none, batchCapacity: Int,
                threads: Int, seed: UInt64 = 0) {
        self.network = network
        self.loss = loss
        self.regularization = regularization
        width = network.inputWidth
        let share = (batchCapacity + threads - 1) / threads
        workers = (0..<threads).map { Workspace(network: network, capacity: share, seed: seed &+ UInt64($0) &* 7919) }
        losses = .allocate(capacity: threads)
    }

    deinit { losses.deallocate() }

    /// Threads to use for `network` at `batch` rows: every core for networks with wide layers
    /// (whose products would otherwise go to OpenBLAS's threads), one for narrow ones.
    public static func threads(for network: Network, batch: Int) -> Int {
        BLASThreads.suited(to: network, batch: batch) > 1 && batch >= 64 ? BLASThreads.available : 1
    }

    /// Mean loss (with the regularisation terms) of reconstructing the `count` rows at `target`
    /// from those at `input` (the same rows, or a corrupted copy for a denoising autoencoder);
    /// leaves the gradient in `gradients`.
    public func compute(_ input: UnsafePointer<Float>, target: UnsafePointer<Float>? = nil, count: Int) -> Double {
        let reconstruction = combinedLoss(input, target: target ?? input, count: count)
        return reconstruction + regularization.addWeightPenalty(of: network, to: gradients)
    }

    private func combinedLoss(_ input: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int) -> Double {
        let parts = min(workers.count, count)
        let share = (count + parts - 1) / parts
        let run = { (part: Int) in
            let first = part * share, rows = min(share, count - first)
            let workspace = self.workers[part], x = input + first * self.width
            self.network.forward(x, batch: rows, workspace: workspace, training: self.regularization)
            self.losses[part] = workspace.penalty
                + self.loss.evaluate(prediction: workspace.output, target: target + first * self.width,
                                     count: rows * self.width, gradient: workspace.outputGradient)
            self.network.backward(x, batch: rows, workspace: workspace, training: self.regularization)
        }
        if parts == 1 {
            run(0)
            return losses[0]
        }
        Parallel.forEachPart(parts, run)
        // Each worker's gradient is the mean over its rows: weight by row count.
        var total = 0.0
        let combined = Lanes(workers[0].gradients.pointer)
        let vectors = workers[0].gradients.paddedCount / 8
        for part in 0..<parts {
            let rows = min(share, count - part * share)
            total += losses[part] * Double(rows)
            let weight = SIMD8<Float>(repeating: Float(rows) / Float(count))
            if part == 0 {
                for v in 0..<vectors { combined[v] *= weight }
            } else {
                let other = Lanes(workers[part].gradients.pointer)
                for v in 0..<vectors { combined[v] += weight * other[v] }
            }
        }
        return total / Double(count)
    }
}
