import Learn
import XCTest

final class TrainerTests: XCTestCase {
    /// 400 rows of 8 features that lie on a 2-D plane, plus a little noise.
    private func planeData(seed: UInt64) -> Matrix {
        var random = SeededRandom(seed: seed)
        var values: [Float] = []
        for _ in 0..<400 {
            let a = random.nextGaussian(), b = random.nextGaussian()
            for j in 0..<8 { values.append(Float(a * Double(j % 3) - b * Double(j % 2) + 0.01 * random.nextGaussian())) }
        }
        return Matrix(rows: 400, columns: 8, values: values)
    }

    private func settings(epochs: Int = 30, patience: Int = 0, validation: Double = 0.2) -> TrainingSettings {
        TrainingSettings(epochs: epochs, batchSize: 32, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01),
                         loss: .mse, validationFraction: validation, patience: patience, seed: 1)
    }

    func testLearnsToReconstructLowRankData() throws {
        let data = planeData(seed: 1)
        let network = Network.autoencoder(inputs: 8, hidden: [16], latent: 2, activation: .elu, seed: 1)
        let history = try Trainer.fit(network, data: data, settings: settings())
        XCTAssertEqual(history.validationRows, 80)
        XCTAssertLessThan(history.epochs.last!.validationLoss!, history.epochs.first!.trainingLoss / 10)
    }

    func testSameSeedGivesIdenticalWeights() throws {
        let data = planeData(seed: 2)
        let a = Network.autoencoder(inputs: 8, hidden: [6], latent: 2, activation: .relu, seed: 3)
        let b = Network.autoencoder(inputs: 8, hidden: [6], latent: 2, activation: .relu, seed: 3)
        try Trainer.fit(a, data: data, settings: settings(epochs: 3))
        try Trainer.fit(b, data: data, settings: settings(epochs: 3))
        XCTAssertEqual(a.parameters.array, b.parameters.array)
    }

    func testEarlyStoppingRestoresTheBestEpoch() throws {
        let data = planeData(seed: 3)
        let network = Network.autoencoder(inputs: 8, hidden: [4], latent: 2, activation: .tanh, seed: 1)
        // A learning rate this high makes the validation loss bounce, so patience triggers.
        var s = settings(epochs: 60, patience: 2)
        s.optimizer = OptimizerSettings(kind: .sgd, learningRate: 0.2)
        let history = try Trainer.fit(network, data: data, settings: s)
        XCTAssertTrue(history.stoppedEarly, "the settings are chosen so that patience runs out")
        XCTAssertLessThan(history.epochs.count, 60)
        XCTAssertGreaterThan(history.epochs.count - history.bestEpoch, 1, "the last epochs were worse than the best")
        let best = history.epochs.min { $0.validationLoss! < $1.validationLoss! }!
        XCTAssertEqual(history.bestEpoch, best.epoch)
        XCTAssertLessThan(best.validationLoss!, history.epochs.last!.validationLoss!)
        // The network holds the best epoch's weights, not the last epoch's.
        let restored = trainerValidationLoss(network, data: data, settings: s, rows: history.validationRows)
        XCTAssertEqual(restored, best.validationLoss!, accuracy: 1e-7 * best.validationLoss!)
    }

    func testAnEpochCanTrainOnASampleOfTheRows() throws {
        let data = planeData(seed: 4)
        func trained(rowsPerEpoch: Int?, epochs: Int) throws -> (Network, TrainingHistory) {
            let network = Network.autoencoder(inputs: 8, hidden: [16], latent: 2, activation: .elu, seed: 1)
            var s = settings(epochs: epochs)
            s.rowsPerEpoch = rowsPerEpoch
            return (network, try Trainer.fit(network, data: data, settings: s))
        }
        let (every, _) = try trained(rowsPerEpoch: nil, epochs: 3)
        let (capped, _) = try trained(rowsPerEpoch: 320, epochs: 3)
        XCTAssertEqual(capped.parameters.array, every.parameters.array, "a cap above the 320 training rows changes nothing")
        let (_, history) = try trained(rowsPerEpoch: 64, epochs: 60)
        let (short, _) = try trained(rowsPerEpoch: 64, epochs: 3)
        XCTAssertNotEqual(short.parameters.array, every.parameters.array, "64 rows an epoch is fewer steps")
        XCTAssertLessThan(history.epochs.last!.validationLoss!, history.epochs.first!.trainingLoss / 5, "and still learns")
    }

    func testASampledEpochMeasuresItsValidationLossOnAsManyHeldOutRows() throws {
        // 10,000 rows with 90 % held out: 9,000 held-out rows, more than the 8,192 a sampled epoch
        // measures at least.
        var random = SeededRandom(seed: 5)
        let data = Matrix(rows: 10_000, columns: 4, values: (0..<40_000).map { _ in Float(random.nextGaussian()) })
        func measured(rowsPerEpoch: Int?) throws -> (measured: Double, held: Int, expected: (Int) -> Double) {
            let network = Network.autoencoder(inputs: 4, hidden: [3], latent: 2, activation: .tanh, seed: 1)
            var s = settings(epochs: 1, validation: 0.9)
            s.rowsPerEpoch = rowsPerEpoch
            let history = try Trainer.fit(network, data: data, settings: s)
            return (history.epochs[0].validationLoss!, history.validationRows,
                    { trainerValidationLoss(network, data: data, settings: s, rows: $0) })
        }
        let floor = try measured(rowsPerEpoch: 100)
        XCTAssertEqual(floor.held, 9_000, "the held-out rows are as before")
        XCTAssertEqual(floor.measured, floor.expected(8_192), accuracy: 1e-7 * floor.measured)
        XCTAssertNotEqual(floor.measured, floor.expected(9_000), accuracy: 1e-7 * floor.measured)
        let epochSized = try measured(rowsPerEpoch: 8_500)
        XCTAssertEqual(epochSized.measured, epochSized.expected(8_500), accuracy: 1e-7 * epochSized.measured)
        let every = try measured(rowsPerEpoch: nil)
        XCTAssertEqual(every.measured, every.expected(9_000), accuracy: 1e-7 * every.measured)
    }

    func testBatchLargerThanTheDataIsCapped() throws {
        let data = Matrix(rows: 3, columns: 2, values: [1, 2, 3, 4, 5, 6])
        func weights(batch: Int) throws -> [Float] {
            let network = Network.autoencoder(inputs: 2, hidden: [], latent: 1, activation: .linear, seed: 1)
            var s = settings(epochs: 2, validation: 0)
            s.batchSize = batch
            let history = try Trainer.fit(network, data: data, settings: s)
            XCTAssertEqual(history.trainingRows, 3)
            return network.parameters.array
        }
        // A batch of 1,000 on 3 rows trains exactly as a batch of 3 (one step an epoch), not as smaller ones.
        XCTAssertEqual(try weights(batch: 1000), try weights(batch: 3))
        XCTAssertNotEqual(try weights(batch: 1000), try weights(batch: 1))
    }

    /// A row scores the same alone as in the middle of a chunk (scores are batch-independent).
    func testScoresDoNotDependOnTheChunk() {
        let data = planeData(seed: 4)
        let network = Network.autoencoder(inputs: 8, hidden: [16, 8], latent: 3, activation: .elu, seed: 2)
        let scorer = ReconstructionScorer(network: network, loss: .mse, chunkSize: 400)
        var together = [Double](repeating: 0, count: 400)
        scorer.scoreAll(data) { first, count in for r in 0..<count { together[first + r] = scorer.scores[r] } }
        for row in [0, 17, 399] {
            data.row(row).withUnsafeBufferPointer { scorer.scoreChunk($0.baseAddress!, count: 1) }
            XCTAssertEqual(scorer.scores[0], together[row], accuracy: 1e-6 * max(1, together[row]))
        }
    }

    func testWideInputsScoreInSmallerChunks() {
        XCTAssertEqual(ReconstructionScorer.chunkSize(forWidth: 30), 4096)
        XCTAssertEqual(ReconstructionScorer.chunkSize(forWidth: 1536), 341, "about 2 MiB of input-wide floats")
        XCTAssertEqual(ReconstructionScorer.chunkSize(forWidth: 100_000), 256, "never below 256 rows")
        let wide = Network.autoencoder(inputs: 2000, hidden: [8], latent: 2, activation: .relu, seed: 1)
        XCTAssertEqual(ReconstructionScorer(network: wide, loss: .mse).chunkSize, 262)
    }

    /// Plain SGD on a linear autoencoder diverges above a learning rate set by the data's scale
    /// and converges below it: the first attempt overflows, the restart at a quarter does not.
    func testADivergingFitStartsAgainAtAQuarterOfTheLearningRate() throws {
        let restartRate: Float = 0.32  // 0.16 and below converge on this data
        let data = planeData(seed: 4)
        var sgd = settings(epochs: 20, validation: 0)
        sgd.optimizer = OptimizerSettings(kind: .sgd, learningRate: restartRate)
        sgd.optimizer.momentum = 0
        let plain = Network.autoencoder(inputs: 8, hidden: [4], latent: 2, activation: .linear, seed: 5)
        XCTAssertThrowsError(try Trainer.fit(plain, data: data, settings: sgd)) {
            guard case TrainingError.nonFinite = $0 else { return XCTFail("\($0)") }
        }
        let network = Network.autoencoder(inputs: 8, hidden: [4], latent: 2, activation: .linear, seed: 5)
        var rates: [Float] = []
        let history = try Trainer.fitRestarting(network, data: data, settings: sgd, retries: 2) { _, rate in rates.append(rate) }
        XCTAssertEqual(rates, [restartRate / 4])
        XCTAssertLessThan(history.epochs.last!.trainingLoss, history.epochs.first!.trainingLoss)

        sgd.optimizer.learningRate = 1_000
        rates = []
        XCTAssertThrowsError(try Trainer.fitRestarting(network, data: data, settings: sgd, retries: 2) { _, rate in rates.append(rate) })
        XCTAssertEqual(rates, [250, 62.5], "two restarts, then the failure")
    }
}

/// `timeLimit`: training stops when the budget is spent and keeps the best weights seen.
final class TrainerTimeLimitTests: XCTestCase {
    func testStopsWithinTheTimeLimitAndKeepsTheBestWeights() throws {
        var random = SeededRandom(seed: 9)
        let rows = 20_000
        let data = Matrix(rows: rows, columns: 32, values: (0..<(rows * 32)).map { _ in Float(random.nextGaussian()) })
        var settings = TrainingSettings(epochs: 100_000, batchSize: 16, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.001),
                                        loss: .mse, validationFraction: 0.1, patience: 0, seed: 1)
        settings.timeLimit = 0.3
        let network = Network.autoencoder(inputs: 32, hidden: [64], latent: 4, activation: .relu, seed: 1)
        let history = try Trainer.fit(network, data: data, settings: settings)
        XCTAssertTrue(history.stoppedAtTimeLimit)
        XCTAssertLessThan(history.epochs.count, 100_000)
        let best = history.epochs[history.bestEpoch - 1].validationLoss!
        XCTAssertEqual(best, history.epochs.compactMap(\.validationLoss).min()!, "the kept epoch is the best one")
        // The network holds the kept epoch's weights: on the validation rows they give the best loss recorded.
        // (Summed over other batch sizes: OpenBLAS may round a product's rows differently by where
        // they sit in it, a few units in the ninth digit; another epoch's weights differ by far more.)
        let loss = trainerValidationLoss(network, data: data, settings: settings, rows: history.validationRows)
        XCTAssertEqual(loss, best, accuracy: 1e-7 * best)
        XCTAssertLessThan(best, history.epochs[0].validationLoss! + 1e-12)
    }

    /// A deadline already passed (an ensemble member that waited for a core past the window)
    /// stops training after its first batch, keeping those weights.
    func testAPassedDeadlineStopsAfterTheFirstBatch() throws {
        var random = SeededRandom(seed: 4)
        let data = Matrix(rows: 100, columns: 4, values: (0..<400).map { _ in Float(random.nextGaussian()) })
        var settings = TrainingSettings(epochs: 50, batchSize: 10, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01),
                                        loss: .mse, validationFraction: 0.1, patience: 0, seed: 1)
        settings.timeLimit = 3_600
        settings.deadline = .now()
        let history = try Trainer.fit(Network.autoencoder(inputs: 4, hidden: [3], latent: 2, activation: .tanh, seed: 1),
                                      data: data, settings: settings)
        XCTAssertTrue(history.stoppedAtTimeLimit)
        XCTAssertEqual(history.epochs.count, 1)
        XCTAssertEqual(history.epochs[0].samplesPerSecond * history.epochs[0].seconds, 10, accuracy: 1e-6, "one batch of 10 rows")
    }

    func testWithoutALimitTrainingRunsEveryEpoch() throws {
        var random = SeededRandom(seed: 3)
        let data = Matrix(rows: 100, columns: 4, values: (0..<400).map { _ in Float(random.nextGaussian()) })
        let settings = TrainingSettings(epochs: 7, batchSize: 10, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01),
                                        loss: .mse, validationFraction: 0.1, patience: 0, seed: 1)
        let history = try Trainer.fit(Network.autoencoder(inputs: 4, hidden: [3], latent: 2, activation: .tanh, seed: 1),
                                      data: data, settings: settings)
        XCTAssertFalse(history.stoppedAtTimeLimit)
        XCTAssertEqual(history.epochs.count, 7)
    }
}

/// The trainer's validation loss of `network`: on the rows its seeded split holds out, computed
/// again here from the seed.
func trainerValidationLoss(_ network: Network, data: Matrix, settings: TrainingSettings, rows: Int) -> Double {
    var split = SeededRandom(seed: settings.seed)
    var order = Array(0..<data.rows)
    order.shuffle(using: &split)
    let workspace = Workspace(network: network, capacity: settings.batchSize)
    return Trainer.meanLoss(network, data: data, rows: Array(order[0..<rows]), loss: settings.loss, workspace: workspace,
                            buffer: FloatBuffer(count: settings.batchSize * data.columns))
}
