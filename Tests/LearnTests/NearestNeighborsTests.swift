import Learn
import XCTest

final class NearestNeighborsTests: XCTestCase {
    private func randomMatrix(rows: Int, columns: Int, seed: UInt64) -> Matrix {
        var random = SeededRandom(seed: seed)
        return Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in Float(random.nextGaussian()) })
    }

    /// Every row's neighbours among all rows match the sorted distances, across several blocks of rows.
    func testMatchesTheReferenceOnEveryRow() {
        let data = randomMatrix(rows: 600, columns: 7, seed: 1)
        let fast = NearestNeighbors.table(data, k: 6)
        XCTAssertEqual(fast.k, 6)
        XCTAssertEqual(fast, NearestNeighbors.reference(data, k: 6))
        for row in [0, 255, 256, 599] { XCTAssertFalse(fast.neighbors(of: row).contains(Int32(row)), "a row is not its own neighbour") }
    }

    /// Among candidates, a row that is itself a candidate is still not its own neighbour.
    func testMatchesTheReferenceAmongCandidates() {
        let data = randomMatrix(rows: 300, columns: 5, seed: 2)
        let candidates = Array(stride(from: 3, to: 300, by: 7))
        XCTAssertEqual(NearestNeighbors.table(data, k: 4, candidates: candidates),
                       NearestNeighbors.reference(data, k: 4, candidates: candidates))
    }

    /// The nearest few of a table are its first columns; a small table is searched among every
    /// row, a large one among a seeded sample of `candidateLimit` rows.
    func testNearestFewAndSampledTables() {
        let data = randomMatrix(rows: 300, columns: 3, seed: 4)
        let wide = NearestNeighbors.table(data, k: 6), narrow = NearestNeighbors.table(data, k: 2)
        XCTAssertEqual(wide.nearest(2), narrow)
        XCTAssertEqual(wide.nearest(9), wide)
        XCTAssertEqual(NearestNeighbors.sampledTable(data, k: 6, seed: 1), wide)
        let large = randomMatrix(rows: NearestNeighbors.candidateLimit + 50, columns: 2, seed: 5)
        let sampled = NearestNeighbors.sampledTable(large, k: 3, seed: 1)
        XCTAssertEqual(sampled, NearestNeighbors.sampledTable(large, k: 3, seed: 1), "seeded")
        XCTAssertLessThanOrEqual(Set(sampled.indices).count, NearestNeighbors.candidateLimit)
        XCTAssertNotEqual(sampled, NearestNeighbors.sampledTable(large, k: 3, seed: 2))
    }

    /// Asking for more neighbours than there are other rows gives them all.
    func testCapsKAtTheRowsThereAre() {
        let data = randomMatrix(rows: 3, columns: 2, seed: 3)
        let table = NearestNeighbors.table(data, k: 10)
        XCTAssertEqual(table.k, 2)
        XCTAssertEqual(Set(table.neighbors(of: 1)), [0, 2])
    }

    /// Smoothing averages a row's values with its neighbours', each weighing the same.
    func testAverageOverANeighbourhood() {
        let data = Matrix(rows: 4, columns: 1, values: [0, 1, 10, 12])
        let table = NearestNeighbors.table(data, k: 1)
        XCTAssertEqual(table.indices, [1, 0, 3, 2])
        let values = FloatBuffer([1, 0, 0, 1, 0.5, 0.5, 0, 1])
        let smoothed = FloatBuffer(count: 8)
        table.average(values.pointer, width: 2, into: smoothed.pointer)
        XCTAssertEqual(smoothed.array, [0.5, 0.5, 0.5, 0.5, 0.25, 0.75, 0.25, 0.75])
    }
}
