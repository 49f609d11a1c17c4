import Learn
import XCTest

final class DeepEmbeddedClusteringTests: XCTestCase {
    /// The KL(P‖Q) gradients with respect to the points and the centroids against finite differences.
    func testKLGradientAgainstFiniteDifferences() {
        var random = SeededRandom(seed: 3)
        let rows = 6, d = 3, k = 4
        let z = FloatBuffer((0..<(rows * d)).map { _ in Float(random.nextGaussian()) })
        let centroids = FloatBuffer((0..<(k * d)).map { _ in Float(random.nextGaussian()) })
        let q = FloatBuffer(count: rows * k), p = FloatBuffer(count: rows * k)
        StudentTAssignment.soft(z.pointer, rows: rows, dimensions: d, centroids: centroids.pointer, k: k, into: q.pointer)
        StudentTAssignment.target(q.pointer, rows: rows, k: k, into: p.pointer)  // held fixed, as in training
        let dz = FloatBuffer(count: rows * d), dc = FloatBuffer(count: k * d), scratch = FloatBuffer(count: rows * k)
        func loss() -> Double {
            let tz = FloatBuffer(count: rows * d), tc = FloatBuffer(count: k * d)
            return StudentTAssignment.klDivergence(z.pointer, target: p.pointer, rows: rows, dimensions: d,
                                                   centroids: centroids.pointer, k: k, scratch: scratch.pointer,
                                                   dz: tz.pointer, dCentroids: tc.pointer)
        }
        _ = StudentTAssignment.klDivergence(z.pointer, target: p.pointer, rows: rows, dimensions: d, centroids: centroids.pointer,
                                            k: k, scratch: scratch.pointer, dz: dz.pointer, dCentroids: dc.pointer)
        XCTAssertLessThan(relativeFiniteDifferenceError(of: z, analytic: dz.array, step: 1e-2, loss: loss), 1e-2)
        XCTAssertLessThan(relativeFiniteDifferenceError(of: centroids, analytic: dc.array, step: 1e-2, loss: loss), 1e-2)
    }

    /// Through the encoder: dKL/d(encoder parameters), the path DEC fine-tunes, for plain and variational encoders.
    func testKLGradientThroughTheEncoder() {
        for variational in [false, true] {
            let encoder = Network.autoencoder(inputs: 5, hidden: [4], latent: 2, activation: .tanh,
                                              variational: variational, seed: 9).encoder()
            var random = SeededRandom(seed: 4)
            let rows = 5, k = 3
            let x = FloatBuffer((0..<(rows * 5)).map { _ in Float(random.nextGaussian()) })
            let centroids = FloatBuffer((0..<(k * 2)).map { _ in Float(random.nextGaussian()) })
            let p = FloatBuffer((0..<(rows * k)).map { i in i % k == 0 ? 0.6 : 0.2 })
            let workspace = Workspace(network: encoder, capacity: rows)
            let scratch = FloatBuffer(count: rows * k), dc = FloatBuffer(count: k * 2)
            func loss() -> Double {
                encoder.forward(x.pointer, batch: rows, workspace: workspace)
                return StudentTAssignment.klDivergence(workspace.latent, target: p.pointer, rows: rows, dimensions: 2,
                                                       centroids: centroids.pointer, k: k, scratch: scratch.pointer,
                                                       dz: workspace.latentGradient, dCentroids: dc.pointer)
            }
            _ = loss()
            encoder.backwardEncoder(x.pointer, batch: rows, workspace: workspace)
            let analytic = workspace.gradients.array
            XCTAssertLessThan(relativeFiniteDifferenceError(of: encoder.parameters, analytic: analytic, step: 1e-2, loss: loss),
                              1e-2, "variational \(variational)")
        }
    }

    /// Three separated blobs: DEC keeps (or finds) them, reports confident assignments and stops
    /// by tolerance, with and without the target smoothed over neighbours.
    func testSeparatesBlobs() throws {
        for neighbors in [0, 5] { try separateBlobs(neighbors: neighbors) }
    }

    private func separateBlobs(neighbors: Int) throws {
        var random = SeededRandom(seed: 1)
        let perBlob = 60, width = 4
        var values: [Float] = [], truth: [Int] = []
        for blob in 0..<3 {
            for _ in 0..<perBlob {
                for j in 0..<width { values.append(Float(blob == j ? 4 : 0) + Float(random.nextGaussian()) * 0.3) }
                truth.append(blob)
            }
        }
        let data = Matrix(rows: 3 * perBlob, columns: width, values: values)
        let network = Network.autoencoder(inputs: width, hidden: [8], latent: 2, activation: .tanh, seed: 2)
        let settings = TrainingSettings(epochs: 60, batchSize: 16, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01),
                                        loss: .mse, validationFraction: 0, patience: 0, seed: 3)
        try Trainer.fit(network, data: data, settings: settings)
        let encoder = network.encoder()
        let initial = try KMeans(clusters: 3, seed: 4).fit(DeepEmbeddedClustering.latents(of: data, by: encoder))
        let decSettings = DECSettings(updateInterval: 10, batchSize: 32, seed: 5, neighbors: neighbors)
        let result = DeepEmbeddedClustering.fit(encoder: encoder, data: data, initial: initial, settings: decSettings,
                                                neighborhoods: neighbors > 0 ? NearestNeighbors.table(data, k: neighbors) : nil)
        let metrics = ClusteringMetrics.evaluate(clusters: result.clusters.labels, classes: truth)
        XCTAssertGreaterThan(metrics.accuracy, 0.95, "\(neighbors) neighbours")
        XCTAssertLessThan(result.iterations, 20_000, "stopped by the tolerance")
        XCTAssertGreaterThan(result.confidence.reduce(0, +) / Float(result.confidence.count), 0.6)
        XCTAssertEqual(result.clusters.labels.count, data.rows)
    }
}
