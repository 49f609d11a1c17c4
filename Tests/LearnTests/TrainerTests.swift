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
        let best = history.epochs.min { $0.validationLoss! < $1.validationLoss! }!
        XCTAssertEqual(history.bestEpoch, best.epoch)
        let workspace = Workspace(network: network, capacity: 64)
        let restored = Trainer.meanLoss(network, data: data, rows: Array(0..<400), loss: .mse, workspace: workspace,
                                        buffer: FloatBuffer(count: 64 * 8))
        XCTAssertTrue(restored.isFinite)
        if history.stoppedEarly { XCTAssertLessThan(history.epochs.count, 60) }
    }

    func testBatchLargerThanTheDataIsCapped() throws {
        let data = Matrix(rows: 3, columns: 2, values: [1, 2, 3, 4, 5, 6])
        let network = Network.autoencoder(inputs: 2, hidden: [], latent: 1, activation: .linear, seed: 1)
        var s = settings(epochs: 2, validation: 0)
        s.batchSize = 1000
        let history = try Trainer.fit(network, data: data, settings: s)
        XCTAssertEqual(history.trainingRows, 3)
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
}
