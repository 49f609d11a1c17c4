import Foundation

/// How to fit a network: epochs, batches, optimizer, validation and early stopping.
public struct TrainingSettings: Equatable, Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerSettings
    public var loss: Loss
    /// Share of the rows held out to measure validation loss (0 uses every row for training).
    public var validationFraction: Double
    /// Epochs without improvement before stopping; 0 turns early stopping off.
    public var patience: Int
    /// An epoch counts as an improvement only when it lowers the best loss by at least this
    /// fraction of it (BigQuery ML's `min_rel_progress`); 0 counts any decrease.
    public var minRelativeProgress: Double = 0
    /// Penalties, dropout and the variational KL weight.
    public var regularization: Regularization = .none
    /// Corruption of the training input for a denoising autoencoder; nil trains on clean input.
    public var noise: InputNoise?
    /// Seconds of training at most; when spent, training stops mid-epoch and keeps the best weights so far.
    public var timeLimit: Double?
    /// A moment after which training stops as at the time limit, whichever comes first: several
    /// networks trained one after another (an ensemble's members) share one window this way.
    public var deadline: DispatchTime?
    /// Training rows per epoch at most: each epoch trains on the first this-many of that epoch's
    /// shuffle, a fresh random sample; nil trains on every training row. The validation loss is
    /// then measured on as many of the held-out rows (at least 8,192), the same ones every epoch.
    public var rowsPerEpoch: Int?
    public var seed: UInt64

    public init(epochs: Int, batchSize: Int, optimizer: OptimizerSettings, loss: Loss,
                validationFraction: Double, patience: Int, seed: UInt64) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.loss = loss
        self.validationFraction = validationFraction
        self.patience = patience
        self.seed = seed
    }
}

/// What happened in one epoch.
public struct EpochReport: Codable, Equatable, Sendable {
    public var epoch: Int
    public var trainingLoss: Double
    public var validationLoss: Double?
    public var seconds: Double
    public var samplesPerSecond: Double
}

/// What a training run did.
public struct TrainingHistory: Codable, Equatable, Sendable {
    public var epochs: [EpochReport]
    /// The epoch whose weights were kept (1-based).
    public var bestEpoch: Int
    public var stoppedEarly: Bool
    /// Training ran out of its time limit (the last epoch may be partial).
    public var stoppedAtTimeLimit: Bool = false
    public var trainingRows: Int
    /// Rows held out from training (a sampled epoch measures its loss on some of them).
    public var validationRows: Int
}

extension DispatchTime {
    /// The moment `seconds` from now; a time limit of more than 10⁹ seconds counts as 10⁹.
    public static func inSeconds(_ seconds: Double) -> DispatchTime {
        now() + .nanoseconds(Int(min(seconds, 1e9) * 1e9))
    }
}

/// Errors raised before any training starts.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case noRows
    case nonFinite(epoch: Int)

    public var description: String {
        switch self {
        case .noRows: return "there are no rows to train on"
        case .nonFinite(let epoch):
            return "the loss became NaN or infinite in epoch \(epoch); lower the learning rate or check the data for extreme values"
        }
    }
}

/// Mini-batch training of an autoencoder to reconstruct its input.
public enum Trainer {
    /// Rows per forward pass when measuring the validation loss, at most (but a training batch's
    /// when that is more).
    static let validationBatchRows = 1_024
    /// Held-out rows a sampled epoch (`rowsPerEpoch`) measures its validation loss on, at least.
    static let validationSampleFloor = 8_192

    /// Fits `network` to reproduce the rows `rows` of `data` (all rows when nil).
    ///
    /// The rows are split once (seeded) into training and validation parts; each epoch
    /// shuffles the training part. With `patience > 0` training stops when the monitored loss
    /// (validation, or training when there is no validation part) has not improved for
    /// `patience` epochs, and the best weights are restored.
    ///
    /// - Complexity: O(epochs · rows · parameters).
    @discardableResult
    public static func fit(_ network: Network, data: Matrix, rows: [Int]? = nil, settings: TrainingSettings,
                           progress: (EpochReport) -> Void = { _ in }) throws -> TrainingHistory {
        var random = SeededRandom(seed: settings.seed)
        var order = rows ?? Array(0..<data.rows)
        guard !order.isEmpty else { throw TrainingError.noRows }
        order.shuffle(using: &random)
        var validationCount = Int((Double(order.count) * settings.validationFraction).rounded())
        if validationCount >= order.count { validationCount = 0 }
        var training = Array(order[validationCount...])
        // With `rowsPerEpoch` set, the validation loss is measured on as many held-out rows as an
        // epoch trains on, and never fewer than `validationSampleFloor`: on a large table a member
        // training on 8,192 rows an epoch spent more on its validation loss than on its training.
        // The held-out rows come shuffled, so their first ones are a random sample, the same every
        // epoch. (The history's `validationRows` counts every held-out row.)
        let measured = settings.rowsPerEpoch.map { min(validationCount, max($0, validationSampleFloor)) } ?? validationCount
        let validation = Array(order[0..<measured])

        let width = data.columns
        let batchSize = max(1, min(settings.batchSize, training.count))
        let threads = GradientStep.threads(for: network, batch: batchSize)
        let step = GradientStep(network: network, loss: settings.loss, regularization: settings.regularization,
                                batchCapacity: batchSize, threads: threads, seed: settings.seed)
        let input = FloatBuffer(count: batchSize * width)
        let corrupted = settings.noise == nil ? nil : FloatBuffer(count: batchSize * width)
        // Validation runs the network forward only, in batches of its own: at a small training
        // batch (32 rows) the validation rows cost more in per-call overhead than in arithmetic.
        // Up to `validationBatchRows`, and 4M values of layer outputs: a wide network's extra
        // workspace stays small beside its training's. (The mean loss then adds up per larger
        // batch, which can differ from the 32-row sums in the last bits.)
        let rowValues = network.layers.reduce(width) { $0 + $1.outputs }
        let validationBatch = min(validation.count, max(batchSize, min(validationBatchRows, (1 << 22) / rowValues)))
        let validationSpace = validation.isEmpty ? nil : Workspace(network: network, capacity: validationBatch)
        let validationInput = validation.isEmpty ? nil : FloatBuffer(count: validationBatch * width)
        let optimizer = Optimizer(settings: settings.optimizer, parameterCount: network.parameters.count)
        let best = FloatBuffer(count: network.parameters.count)
        best.copy(from: network.parameters)
        var bestLoss = Double.infinity, bestEpoch = 0, stale = 0
        var history: [EpochReport] = []
        var stoppedEarly = false, stoppedAtTimeLimit = false
        let deadline = [settings.timeLimit.map(DispatchTime.inSeconds), settings.deadline].compactMap { $0 }.min()?.uptimeNanoseconds

        // Narrow networks train faster with single-threaded BLAS (see BLASThreads); wide ones
        // split each batch across threads, each with single-threaded BLAS (see GradientStep).
        let blasThreads = threads > 1 ? 1 : BLASThreads.suited(to: network, batch: batchSize)
        return try BLASThreads.with(blasThreads) {
            try runEpochs()
        }

        func runEpochs() throws -> TrainingHistory {
            for epoch in 1...max(settings.epochs, 1) {
                let started = DispatchTime.now().uptimeNanoseconds
                training.shuffle(using: &random)
                var lossSum = 0.0
                var start = 0
                let epochRows = min(training.count, settings.rowsPerEpoch ?? training.count)
                while start < epochRows {
                    let count = min(batchSize, epochRows - start)
                    gather(data, rows: training[start..<(start + count)], into: input.pointer)
                    let loss: Double
                    if let noise = settings.noise, let corrupted {
                        noise.corrupt(input.pointer, into: corrupted.pointer, count: count * width, random: &random)
                        loss = step.compute(corrupted.pointer, target: input.pointer, count: count)
                    } else {
                        loss = step.compute(input.pointer, count: count)
                    }
                    optimizer.update(parameters: network.parameters, gradients: step.gradients)
                    lossSum += loss * Double(count)
                    start += count
                    if let deadline, DispatchTime.now().uptimeNanoseconds >= deadline {
                        stoppedAtTimeLimit = true
                        break
                    }
                }
                let trainingLoss = lossSum / Double(start)
                let validationLoss = validationSpace.map { workspace in
                    meanLoss(network, data: data, rows: validation, loss: settings.loss, workspace: workspace, buffer: validationInput!)
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                let report = EpochReport(epoch: epoch, trainingLoss: trainingLoss, validationLoss: validationLoss,
                                         seconds: seconds, samplesPerSecond: Double(start) / max(seconds, 1e-9))
                history.append(report)
                progress(report)
                let monitored = validationLoss ?? trainingLoss
                guard monitored.isFinite else { throw TrainingError.nonFinite(epoch: epoch) }
                // The best weights are always kept; only enough progress resets the patience.
                let enoughProgress = monitored < bestLoss * (1 - settings.minRelativeProgress)
                if monitored < bestLoss {
                    bestLoss = monitored
                    bestEpoch = epoch
                    best.copy(from: network.parameters)
                }
                if stoppedAtTimeLimit { break }
                if enoughProgress {
                    stale = 0
                } else {
                    stale += 1
                    if settings.patience > 0 && stale >= settings.patience {
                        stoppedEarly = epoch < settings.epochs
                        break
                    }
                }
            }
            network.parameters.copy(from: best)
            return TrainingHistory(epochs: history, bestEpoch: bestEpoch, stoppedEarly: stoppedEarly,
                                   stoppedAtTimeLimit: stoppedAtTimeLimit,
                                   trainingRows: training.count, validationRows: validationCount)
        }
    }

    /// Mean reconstruction loss of `network` on the given rows.
    public static func meanLoss(_ network: Network, data: Matrix, rows: [Int], loss: Loss,
                                workspace: Workspace, buffer: FloatBuffer) -> Double {
        let width = data.columns
        var total = 0.0
        var start = 0
        while start < rows.count {
            let count = min(workspace.capacity, rows.count - start)
            gather(data, rows: rows[start..<(start + count)], into: buffer.pointer)
            network.forward(buffer.pointer, batch: count, workspace: workspace)
            total += loss.value(prediction: workspace.output, target: buffer.pointer, count: count * width) * Double(count)
            start += count
        }
        return total / Double(rows.count)
    }

    /// Copies the selected rows of `data` into consecutive rows at `destination`.
    static func gather(_ data: Matrix, rows: ArraySlice<Int>, into destination: UnsafeMutablePointer<Float>) {
        let width = data.columns
        data.storage.withUnsafeBufferPointer { source in
            var out = destination
            for r in rows {
                out.update(from: source.baseAddress! + r * width, count: width)
                out += width
            }
        }
    }
}
