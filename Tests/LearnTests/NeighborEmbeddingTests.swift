import Foundation
import Learn
import XCTest

final class NeighborEmbeddingTests: XCTestCase {
    private let edges = 4, d = 3

    /// Two ends per edge, and each first end's `negatives` partners among the batch's rows.
    private func batch(seed: UInt64) -> (z: FloatBuffer, partners: [Int32]) {
        var random = SeededRandom(seed: seed)
        let z = FloatBuffer((0..<(2 * edges * d)).map { _ in Float(random.nextGaussian()) })
        let partners = (0..<(edges * NeighborEmbedding.negatives)).map { i in Int32(edges + (i * 3 + 1) % edges) }
        return (z, partners)
    }

    /// The loss is the sum its documentation defines, computed here in Double.
    func testLossMatchesItsDefinition() {
        let (z, partners) = batch(seed: 1)
        let dz = FloatBuffer(count: 2 * edges * d)
        let loss = NeighborEmbedding.loss(z.pointer, edges: edges, dimensions: d, partners: partners, into: dz.pointer)
        func distance(_ a: Int, _ b: Int) -> Double {
            (0..<d).reduce(0.0) { $0 + pow(Double(z[a * d + $1]) - Double(z[b * d + $1]), 2) }
        }
        var expected = 0.0
        for a in 0..<edges {
            expected += log(1 + distance(a, edges + a))
            for r in 0..<NeighborEmbedding.negatives {
                let far = distance(a, Int(partners[a * NeighborEmbedding.negatives + r]))
                expected -= log(far / (1 + far) + 1e-6)
            }
        }
        XCTAssertEqual(loss, expected / Double(edges), accuracy: 1e-5)
    }

    /// Its gradient with respect to every latent vector (both ends and the negative partners)
    /// against finite differences.
    func testGradientAgainstFiniteDifferences() {
        let (z, partners) = batch(seed: 2)
        let dz = FloatBuffer(count: 2 * edges * d), scratch = FloatBuffer(count: 2 * edges * d)
        _ = NeighborEmbedding.loss(z.pointer, edges: edges, dimensions: d, partners: partners, into: dz.pointer)
        let error = relativeFiniteDifferenceError(of: z, analytic: dz.array, step: 1e-2) {
            NeighborEmbedding.loss(z.pointer, edges: edges, dimensions: d, partners: partners, into: scratch.pointer)
        }
        XCTAssertLessThan(error, 1e-2)
    }

    /// Three clouds of unequal spread in eight dimensions: after the embedding a row's input
    /// neighbours lie far closer to it in the latent space than other rows do, and its nearest
    /// latent neighbour is from its own cloud.
    func testPullsNeighboursTogetherAndPushesOtherRowsApart() throws {
        var random = SeededRandom(seed: 3)
        var values: [Float] = [], truth: [Int] = []
        for (cloud, (x, spread)) in [(0, 2), (8, 0.15), (8.8, 0.15)].enumerated() {
            for _ in 0..<100 {
                values.append(Float((x + random.nextGaussian() * spread) / 10))
                for _ in 1..<8 { values.append(Float(random.nextGaussian() * spread / 10)) }
                truth.append(cloud)
            }
        }
        let data = Matrix(rows: truth.count, columns: 8, values: values)
        let neighbors = NearestNeighbors.table(data, k: 10)
        let encoder = Network.autoencoder(inputs: 8, hidden: [32], latent: 2, activation: .tanh, seed: 4).encoder()

        /// Mean latent distance to a row's neighbours over mean distance to every row.
        func closeness() -> Double {
            let z = DeepEmbeddedClustering.latents(of: data, by: encoder)
            func distance(_ a: Int, _ b: Int) -> Double { Double(hypot(z[a, 0] - z[b, 0], z[a, 1] - z[b, 1])) }
            var near = 0.0, all = 0.0
            for a in 0..<data.rows {
                near += neighbors.neighbors(of: a).reduce(0) { $0 + distance(a, Int($1)) } / Double(neighbors.k)
                all += (0..<data.rows).reduce(0) { $0 + distance(a, $1) } / Double(data.rows)
            }
            return near / all
        }
        /// Rows whose nearest row in the latent space is from their own cloud.
        func ownCloud() -> Int {
            let nearest = NearestNeighbors.table(DeepEmbeddedClustering.latents(of: data, by: encoder), k: 1)
            return (0..<data.rows).filter { truth[Int(nearest.neighbors(of: $0).first!)] == truth[$0] }.count
        }
        let before = closeness(), ownBefore = ownCloud()
        XCTAssertLessThan(ownBefore, data.rows * 85 / 100, "the untrained encoder mixes the clouds")
        let losses = NeighborEmbedding.fit(encoder: encoder, data: data, neighbors: neighbors, epochs: 30,
                                           optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01), seed: 5)
        XCTAssertEqual(losses.count, 30)
        XCTAssertLessThan(losses.last!, losses.first! / 2, "\(losses)")
        XCTAssertLessThan(closeness(), before * 0.6, "before: \(before)")
        XCTAssertGreaterThanOrEqual(ownCloud(), data.rows * 95 / 100, "before: \(ownBefore)")
    }

    /// Every negative partner is a second end of the same batch, each round a permutation of
    /// them, also for a short batch after a full one (the last batch of a pass).
    func testNegativePartnersAreRowsOfTheBatch() {
        var random = SeededRandom(seed: 8)
        var pool = [Int](repeating: 0, count: NeighborEmbedding.batchEdges)
        var partners = [Int32](repeating: 0, count: NeighborEmbedding.batchEdges * NeighborEmbedding.negatives)
        for edges in [NeighborEmbedding.batchEdges, 50, 1] {
            NeighborEmbedding.drawPartners(edges: edges, random: &random, pool: &pool, into: &partners)
            for r in 0..<NeighborEmbedding.negatives {
                let round = (0..<edges).map { partners[$0 * NeighborEmbedding.negatives + r] }
                XCTAssertEqual(round.sorted(), (edges..<(2 * edges)).map(Int32.init), "\(edges) edges, round \(r)")
            }
        }
    }

    /// A table over `candidateLimit` rows draws each pass's edges at random (bounded time and
    /// memory) and still trains the encoder.
    func testALargeTableDrawsItsEdges() {
        var random = SeededRandom(seed: 9)
        let rows = NearestNeighbors.candidateLimit + 100
        let data = Matrix(rows: rows, columns: 2, values: (0..<(rows * 2)).map { _ in Float(random.nextGaussian()) })
        let encoder = Network.autoencoder(inputs: 2, hidden: [4], latent: 2, activation: .tanh, seed: 10).encoder()
        let before = encoder.parameters.array
        let losses = NeighborEmbedding.fit(encoder: encoder, data: data, neighbors: NearestNeighbors.sampledTable(data, k: 3, seed: 11),
                                           epochs: 2, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01), seed: 12)
        XCTAssertEqual(losses.count, 2)
        XCTAssertTrue(losses.allSatisfy(\.isFinite), "\(losses)")
        XCTAssertNotEqual(encoder.parameters.array, before)
    }

    /// No passes leave the encoder as it was.
    func testNoPassesLeaveTheEncoderAlone() {
        let encoder = Network.autoencoder(inputs: 2, hidden: [4], latent: 2, activation: .tanh, seed: 6).encoder()
        let before = encoder.parameters.array
        let data = Matrix(rows: 3, columns: 2, values: [0, 0, 1, 1, 2, 2])
        XCTAssertEqual(NeighborEmbedding.fit(encoder: encoder, data: data, neighbors: NearestNeighbors.table(data, k: 1), epochs: 0,
                                             optimizer: OptimizerSettings(kind: .adam, learningRate: 0.01), seed: 7), [])
        XCTAssertEqual(encoder.parameters.array, before)
    }
}
