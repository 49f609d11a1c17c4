import Learn
import XCTest

/// The ensemble's combination against a plain reference computed from each member alone.
final class EnsembleScorerTests: XCTestCase {
    private func data(rows: Int = 300, width: Int = 6, seed: UInt64 = 3) -> Matrix {
        var random = SeededRandom(seed: seed)
        return Matrix(rows: rows, columns: width, values: (0..<(rows * width)).map { _ in Float(random.nextGaussian()) })
    }

    func testCalibrationIsTheMedianAndInterquartileRangeWithFallbacks() {
        var member = EnsembleMember(network: Network.autoencoder(inputs: 2, hidden: [], latent: 1, activation: .linear, seed: 1), klWeight: nil)
        member.calibrate(on: [5, 1, 3, 2, 4])  // sorted 1...5: quartiles 2 and 4
        XCTAssertEqual(member.center, 3)
        XCTAssertEqual(member.scale, 2)
        member.calibrate(on: [1, 1, 1, 1, 9])  // no spread between the quartiles: mean absolute deviation
        XCTAssertEqual(member.center, 1)
        XCTAssertEqual(member.scale, 8.0 / 5, accuracy: 1e-12)
        member.calibrate(on: [2, 2, 2])  // no spread at all
        XCTAssertEqual(member.scale, 1)
        member.calibrate(on: [.nan, 4])  // non-finite scores are left out
        XCTAssertEqual(member.center, 4)
    }

    /// Score = mean over members of (member score - center) / scale; top features = the largest
    /// sums of error / scale; latent = the first member's.
    func testCombinesMembersAsTheReferenceDoes() {
        let x = data()
        var members = [
            EnsembleMember(network: Network.autoencoder(inputs: 6, hidden: [8], latent: 2, activation: .sigmoid, seed: 1), klWeight: nil),
            EnsembleMember(network: Network.autoencoder(inputs: 6, hidden: [8], latent: 2, activation: .relu, variational: true, seed: 2),
                           klWeight: 0.5),
        ]
        var memberScores: [[Double]] = []
        var memberErrors: [[Float]] = []
        var firstLatent: [Float] = []
        for m in members.indices {
            let alone = ReconstructionScorer(network: members[m].network, loss: .mse, klWeight: members[m].klWeight, chunkSize: 300,
                                             keepsErrors: true)
            alone.scoreChunk(x.storage, count: 300)
            memberScores.append((0..<300).map { alone.scores[$0] })
            memberErrors.append(Array(UnsafeBufferPointer(start: alone.errors!, count: 300 * 6)))
            if m == 0 { firstLatent = Array(UnsafeBufferPointer(start: alone.latent, count: 300 * 2)) }
            members[m].calibrate(on: memberScores[m])
        }
        let ensemble = EnsembleScorer(members: members, loss: .mse, chunkSize: 128)
        var scores: [Double] = [], tops: [Int32] = [], latents: [Float] = []
        ensemble.scoreAll(x) { _, count in
            scores += (0..<count).map { ensemble.scores[$0] }
            tops += UnsafeBufferPointer(start: ensemble.topFeatures, count: count * 3)
            latents += UnsafeBufferPointer(start: ensemble.latent, count: count * 2)
        }
        for r in 0..<300 {
            let expected = (0..<2).reduce(0.0) { $0 + (memberScores[$1][r] - members[$1].center) / members[$1].scale } / 2
            XCTAssertEqual(scores[r], expected, accuracy: 1e-9 * max(1, abs(expected)), "row \(r)")
            let contribution = (0..<6).map { j in (0..<2).reduce(0.0) { $0 + Double(memberErrors[$1][r * 6 + j]) / members[$1].scale } }
            let order = (0..<6).sorted { contribution[$0] > contribution[$1] }
            XCTAssertEqual(tops[r * 3..<(r * 3 + 3)].map(Int.init), Array(order.prefix(3)), "row \(r)")
        }
        XCTAssertEqual(latents, firstLatent)
    }

    /// `top-half` with three weighted members: each row counts its two highest z-scores, weighted
    /// by their share of those two members' weights; top features weigh their errors alike.
    func testTopHalfCountsEachRowsHighestMembersAsTheReferenceDoes() {
        let x = data(rows: 400, width: 5, seed: 9)
        var members = (0..<3).map { m in
            EnsembleMember(network: Network.autoencoder(inputs: 5, hidden: [7], latent: 2, activation: m == 1 ? .relu : .tanh,
                                                        seed: UInt64(10 + m)), klWeight: nil, weight: [1, 2, 0.5][m])
        }
        var z: [[Double]] = [], errors: [[Float]] = []
        for m in members.indices {
            let alone = ReconstructionScorer(network: members[m].network, loss: .mse, klWeight: nil, chunkSize: 400, keepsErrors: true)
            alone.scoreChunk(x.storage, count: 400)
            let raw = (0..<400).map { alone.scores[$0] }
            members[m].calibrate(on: raw)
            z.append(raw.map { ($0 - members[m].center) / members[m].scale })
            errors.append(Array(UnsafeBufferPointer(start: alone.errors!, count: 400 * 5)))
        }
        XCTAssertEqual(MemberCombination.topHalf.kept(of: 3), 2)
        XCTAssertEqual(MemberCombination.topHalf.kept(of: 5), 3)
        XCTAssertEqual(MemberCombination.mean.kept(of: 5), 5)
        let ensemble = EnsembleScorer(members: members, loss: .mse, combination: .topHalf, chunkSize: 150)
        var scores: [Double] = [], tops: [Int32] = []
        ensemble.scoreAll(x) { _, count in
            scores += (0..<count).map { ensemble.scores[$0] }
            tops += UnsafeBufferPointer(start: ensemble.topFeatures, count: count * 3)
        }
        var differs = 0
        for r in 0..<400 {
            let chosen = (0..<3).sorted { z[$0][r] > z[$1][r] || (z[$0][r] == z[$1][r] && $0 < $1) }.prefix(2)
            let weight = chosen.reduce(0.0) { $0 + members[$1].weight }
            let expected = chosen.reduce(0.0) { $0 + z[$1][r] * members[$1].weight / weight }
            XCTAssertEqual(scores[r], expected, accuracy: 1e-9 * max(1, abs(expected)), "row \(r)")
            let all = (0..<3).reduce(0.0) { $0 + z[$1][r] * members[$1].weight } / 3.5
            if abs(all - expected) > 1e-6 { differs += 1 }
            let contribution = (0..<5).map { j in
                chosen.reduce(0.0) { $0 + Double(errors[$1][r * 5 + j]) * members[$1].weight / weight / members[$1].scale }
            }
            let order = (0..<5).sorted { contribution[$0] > contribution[$1] }
            XCTAssertEqual(tops[r * 3..<(r * 3 + 3)].map(Int.init), Array(order.prefix(3)), "row \(r)")
        }
        XCTAssertGreaterThan(differs, 300, "the highest half is not the weighted mean of all")
    }

    /// A chunk split across shards (threads) scores every row as one shard does.
    func testShardsScoreAsOneThreadDoes() {
        let x = data(rows: 2_000, width: 6, seed: 5)
        var members = [
            EnsembleMember(network: Network.autoencoder(inputs: 6, hidden: [8], latent: 2, activation: .relu, seed: 3), klWeight: nil),
            EnsembleMember(network: Network.autoencoder(inputs: 6, hidden: [8], latent: 3, activation: .tanh, variational: true, seed: 4),
                           klWeight: 1),
        ]
        members[1].calibrate(on: [0.5, 1, 2])
        func run(threads: Int) -> (scores: [Double], tops: [Int32], latents: [Float]) {
            let scorer = EnsembleScorer(members: members, loss: .mse, chunkSize: 1_024, threads: threads)
            var result: (scores: [Double], tops: [Int32], latents: [Float]) = ([], [], [])
            scorer.scoreAll(x) { _, count in
                result.scores += (0..<count).map { scorer.scores[$0] }
                result.tops += UnsafeBufferPointer(start: scorer.topFeatures, count: count * 3)
                result.latents += UnsafeBufferPointer(start: scorer.latent, count: count * 2)
            }
            return result
        }
        let one = run(threads: 1), split = run(threads: 4)
        XCTAssertEqual(split.scores.count, 2_000)
        for r in 0..<2_000 {
            XCTAssertEqual(split.scores[r], one.scores[r], accuracy: 1e-6 * max(1, abs(one.scores[r])), "row \(r)")
        }
        XCTAssertEqual(split.tops, one.tops)
        for (a, b) in zip(split.latents, one.latents) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
    }

    /// `latents(of:)` runs the encoder alone, yet gives bit for bit the latents scoring gives:
    /// the same chunks, shares and BLAS threads. Wide inputs are the test, since OpenBLAS's sums
    /// there depend on its thread count; the ensemble's widest member decides that, not its first.
    func testLatentsAloneAreTheScorersBitForBit() {
        for (width, rows) in [(6, 2_345), (300, 2_100), (2_100, 700)] {
            let x = data(rows: rows, width: width, seed: UInt64(width))
            let members = [
                EnsembleMember(network: Network.autoencoder(inputs: width, hidden: [16, 8], latent: 3, activation: .sigmoid, seed: 1), klWeight: nil),
                EnsembleMember(network: Network.autoencoder(inputs: width, hidden: [64, 32], latent: 8, activation: .relu, variational: true, seed: 2),
                               klWeight: 1),
            ]
            let scorers: [any RowScorer] = [
                EnsembleScorer(members: members, loss: .mse),
                ReconstructionScorer(network: members[1].network, loss: .mse),
            ]
            for scorer in scorers {
                var scored: [Float] = []
                scorer.scoreAll(x) { _, count in scored += UnsafeBufferPointer(start: scorer.latent, count: count * scorer.latentWidth) }
                let alone = scorer.latents(of: x)
                XCTAssertEqual(alone.storage.map(\.bitPattern), scored.map(\.bitPattern), "\(type(of: scorer)), \(width) inputs")
            }
        }
    }

    /// Scoring chosen rows (gathered a chunk at a time) gives each the score it gets in place.
    func testScoringChosenRowsMatchesScoringEveryRow() {
        let x = data(rows: 1_000, width: 6, seed: 6)
        let scorer = ReconstructionScorer(network: Network.autoencoder(inputs: 6, hidden: [5], latent: 2, activation: .elu, seed: 7),
                                          loss: .mse, chunkSize: 256, threads: 1)
        var every = [Double](repeating: .nan, count: 1_000)
        scorer.scoreAll(x) { first, count in for r in 0..<count { every[first + r] = scorer.scores[r] } }
        let chosen = Array(stride(from: 3, to: 1_000, by: 7)) + [999]
        var scores = [Double](repeating: .nan, count: chosen.count)
        scorer.scoreRows(x, rows: chosen) { first, count in for r in 0..<count { scores[first + r] = scorer.scores[r] } }
        for (position, row) in chosen.enumerated() {
            XCTAssertEqual(scores[position], every[row], accuracy: 1e-9 * max(1, abs(every[row])), "row \(row)")
        }
    }

    /// Nearness by one matrix product against the plain loop over every labelled row.
    func testNearnessIsMinusTheDistanceToTheNearestLabelledRow() {
        let x = data(rows: 50, width: 5, seed: 8), points = data(rows: 4, width: 5, seed: 9)
        let known = KnownAnomalies(points: points)
        let out = UnsafeMutablePointer<Double>.allocate(capacity: 50), products = UnsafeMutablePointer<Float>.allocate(capacity: 50 * 4)
        defer { out.deallocate(); products.deallocate() }
        known.nearness(x.storage, count: 50, into: out, products: products)
        for r in 0..<50 {
            let nearest = (0..<4).map { p in
                (0..<5).reduce(0.0) { $0 + pow(Double(x.row(r)[$1]) - Double(points.row(p)[$1]), 2) }.squareRoot()
            }.min()!
            XCTAssertEqual(out[r], -nearest, accuracy: 1e-4 * max(1, nearest), "row \(r)")
        }
    }
}
