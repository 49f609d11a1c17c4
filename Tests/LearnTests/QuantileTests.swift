import Learn
import XCTest

/// `Quantile.selecting` against its reference, `Quantile.of(sorted:)` on a sorted copy.
final class QuantileTests: XCTestCase {
    func testSelectionMatchesTheSortedReference() {
        var random = SeededRandom(seed: 11)
        let shapes: [(String, [Double])] = [
            ("one value", [4]),
            ("two values", [9, -1]),
            ("all equal", Array(repeating: 2.5, count: 300)),
            ("ascending", (0..<257).map(Double.init)),
            ("descending", (0..<257).reversed().map(Double.init)),
            ("mostly zeros", (0..<5_000).map { _ in random.nextUnit() < 0.9 ? 0 : random.nextGaussian() }),
            ("few distinct", (0..<4_001).map { _ in Double(random.nextIndex(below: 3)) }),
            ("gaussian", (0..<10_007).map { _ in random.nextGaussian() }),
            ("heavy tail", (0..<3_000).map { _ in Foundation.exp(4 * random.nextGaussian()) }),
        ]
        for (name, values) in shapes {
            let sorted = values.sorted()
            var scratch = values
            for q in [0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 1] {
                XCTAssertEqual(Quantile.selecting(&scratch, q), Quantile.of(sorted: sorted, q), "\(name), q = \(q)")
            }
            XCTAssertEqual(scratch.sorted(), sorted, "\(name): selection only reorders")
        }
    }

    func testInterpolatesBetweenOrderStatisticsAsNumPyDoes() {
        // numpy.quantile([1, 2, 3, 4], [0.25, 0.5, 0.9]) = 1.75, 2.5, 3.7
        var values: [Double] = [4, 1, 3, 2]
        XCTAssertEqual(Quantile.selecting(&values, 0.25), 1.75, accuracy: 1e-12)
        XCTAssertEqual(Quantile.selecting(&values, 0.5), 2.5, accuracy: 1e-12)
        XCTAssertEqual(Quantile.selecting(&values, 0.9), 3.7, accuracy: 1e-12)
    }
}
