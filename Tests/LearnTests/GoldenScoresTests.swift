import Learn
import XCTest

/// Guards every optimisation: a fixed seed and configuration must keep giving the scores recorded
/// before the kernels were optimised (to 1e-5 relative). When a change moves them, it changed
/// the arithmetic, not just the speed.
final class GoldenScoresTests: XCTestCase {
    /// 512 rows x 12 features with low-rank structure, from the seeded generator.
    static func data() -> Matrix {
        var random = SeededRandom(seed: 2024)
        var values: [Float] = []
        for _ in 0..<512 {
            let a = random.nextGaussian(), b = random.nextGaussian(), c = random.nextGaussian()
            for j in 0..<12 {
                values.append(Float(a * sin(Double(j)) + b * cos(Double(j)) + c * Double(j % 3) / 3 + 0.05 * random.nextGaussian()))
            }
        }
        return Matrix(rows: 512, columns: 12, values: values)
    }

    static func scores(activation: Activation, optimizer: OptimizerKind, batch: Int) throws -> [Double] {
        let data = data()
        let network = Network.autoencoder(inputs: 12, hidden: [16, 8], latent: 3, activation: activation, seed: 9)
        let settings = TrainingSettings(epochs: 4, batchSize: batch,
                                        optimizer: OptimizerSettings(kind: optimizer, learningRate: 0.01),
                                        loss: .mse, validationFraction: 0.1, patience: 0, seed: 3)
        try Trainer.fit(network, data: data, settings: settings)
        let scorer = ReconstructionScorer(network: network, loss: .mse)
        var out: [Double] = []
        scorer.scoreAll(data) { _, _ in out = (0..<6).map { scorer.scores[$0 * 50] } }
        return out
    }

    private func assertMatches(_ actual: [Double], _ golden: [Double], file: StaticString = #filePath, line: UInt = #line) {
        for (a, g) in zip(actual, golden) {
            XCTAssertEqual(a, g, accuracy: 1e-5 * abs(g), "scores moved: \(actual)", file: file, line: line)
        }
    }

    func testSigmoidRMSpropBatch32() throws {
        assertMatches(try Self.scores(activation: .sigmoid, optimizer: .rmsprop, batch: 32), Self.goldenSigmoid)
    }

    func testReluAdamBatch256() throws {
        assertMatches(try Self.scores(activation: .relu, optimizer: .adam, batch: 256), Self.goldenRelu)
    }

    // Recorded from the BLAS-only implementation (before any hand-written kernel).
    static let goldenSigmoid: [Double] = [0.44889208241753903, 0.0659234840895806, 0.12191873728685702,
                                          0.8944902929166952, 0.8344726063757358, 0.1484507385563726]
    static let goldenRelu: [Double] = [0.6486870902153896, 0.6245758558313051, 0.6392686148756184,
                                       1.1866599319813151, 1.2762149817620714, 0.25385195047905046]
}
