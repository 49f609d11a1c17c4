import Learn
import XCTest

final class KMeansTests: XCTestCase {
    /// Three well-separated blobs in 2-D, 50 points each.
    func blobs(seed: UInt64) -> (Matrix, [Int]) {
        var random = SeededRandom(seed: seed)
        let centers: [(Float, Float)] = [(0, 0), (10, 10), (-10, 8)]
        var values: [Float] = [], truth: [Int] = []
        for (c, center) in centers.enumerated() {
            for _ in 0..<50 {
                values += [center.0 + Float(random.nextGaussian()) * 0.5, center.1 + Float(random.nextGaussian()) * 0.5]
                truth.append(c)
            }
        }
        return (Matrix(rows: 150, columns: 2, values: values), truth)
    }

    func testSeparableBlobsAreRecoveredExactly() throws {
        let (points, truth) = blobs(seed: 1)
        let result = try KMeans(clusters: 3, seed: 5).fit(points)
        // Each true blob maps to exactly one cluster, and different blobs to different clusters.
        var mapping: [Int: Int32] = [:]
        for (i, t) in truth.enumerated() {
            if let m = mapping[t] { XCTAssertEqual(result.labels[i], m) } else { mapping[t] = result.labels[i] }
        }
        XCTAssertEqual(Set(mapping.values).count, 3)
        XCTAssertLessThan(result.inertia, 150 * 2 * 0.5)  // about n·d·σ² for tight blobs
        for i in 0..<points.rows {
            let c = Int(result.labels[i])
            let dx = points[i, 0] - result.centroids[c, 0], dy = points[i, 1] - result.centroids[c, 1]
            XCTAssertEqual(result.distances[i], (dx * dx + dy * dy).squareRoot(), accuracy: 1e-4)
        }
    }

    func testSameSeedSameClusters() throws {
        let (points, _) = blobs(seed: 2)
        let a = try KMeans(clusters: 4, seed: 9).fit(points)
        let b = try KMeans(clusters: 4, seed: 9).fit(points)
        XCTAssertEqual(a, b)
    }

    func testMoreClustersThanPointsIsAnError() {
        let points = Matrix(rows: 2, columns: 2, values: [0, 0, 1, 1])
        XCTAssertThrowsError(try KMeans(clusters: 3).fit(points)) { error in
            XCTAssertEqual(error as? KMeansError, .tooFewPoints(points: 2, clusters: 3))
        }
    }

    func testIdenticalPointsDoNotBreakSeeding() throws {
        let points = Matrix(rows: 5, columns: 2, values: Array(repeating: 3, count: 10))
        let result = try KMeans(clusters: 2).fit(points)
        XCTAssertEqual(result.inertia, 0, accuracy: 1e-9)
    }
}

extension KMeansTests {
    /// Past `sampleSize` the centroids come from a sample, but every point is still assigned.
    func testLargeInputsFitOnASampleAndAssignEveryPoint() throws {
        let (points, truth) = blobs(seed: 6)
        let result = try KMeans(clusters: 3, sampleSize: 40, seed: 1).fit(points)
        XCTAssertEqual(result.labels.count, 150)
        var mapping: [Int: Int32] = [:]
        for (i, t) in truth.enumerated() {
            if let m = mapping[t] { XCTAssertEqual(result.labels[i], m) } else { mapping[t] = result.labels[i] }
        }
        XCTAssertEqual(Set(mapping.values).count, 3)
    }
    /// The eight-at-a-time search agrees bit for bit with its scalar reference, ties included
    /// (a repeated centroid), for cluster counts below, at and past a multiple of eight.
    func testCentroidLanesFindWhatTheScalarReferenceFinds() {
        var random = SeededRandom(seed: 3)
        for (k, d) in [(1, 3), (3, 1), (4, 3), (8, 3), (9, 10), (17, 2)] {
            var centroids = (0..<(k * d)).map { _ in Float(random.nextGaussian()) }
            if k > 2 { for t in 0..<d { centroids[2 * d + t] = centroids[t] } }
            let points = (0..<(200 * d)).map { _ in Float(random.nextGaussian()) } + Array(centroids.prefix(d))
            centroids.withUnsafeBufferPointer { c in
                let lanes = CentroidLanes(c.baseAddress!, k: k, dimensions: d)
                points.withUnsafeBufferPointer { p in
                    for i in 0..<(points.count / d) {
                        let fast = lanes.nearest(p.baseAddress! + i * d)
                        let reference = KMeans.nearest(p.baseAddress! + i * d, centroids: c.baseAddress!, k: k, dimensions: d)
                        XCTAssertEqual(fast.0, reference.0, "k \(k), d \(d), point \(i)")
                        XCTAssertEqual(fast.1.bitPattern, reference.1.bitPattern, "k \(k), d \(d), point \(i)")
                    }
                }
            }
        }
    }
}
