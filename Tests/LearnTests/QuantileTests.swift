import Foundation
import Learn
import XCTest

/// `Quantile.of(_:_:)` (radix selection) against its reference, `Quantile.of(sorted:)` on a sorted
/// copy; `RadixSort` against the standard library's sort.
final class QuantileTests: XCTestCase {
    static let levels = [0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 1]

    /// Value shapes that stress selection: ties, runs, signs, a tail spanning many exponents,
    /// and sizes on both sides of the point where selection sorts instead of counting.
    static func shapes() -> [(String, [Double])] {
        var random = SeededRandom(seed: 11)
        return [
            ("one value", [4]),
            ("two values", [9, -1]),
            ("all equal", Array(repeating: 2.5, count: 300)),
            ("ascending", (0..<257).map(Double.init)),
            ("descending", (0..<257).reversed().map(Double.init)),
            ("mostly zeros", (0..<5_000).map { _ in random.nextUnit() < 0.9 ? 0 : random.nextGaussian() }),
            ("signed zeros and extremes", (0..<3_000).map { i in [0.0, -0.0, 1e30, -1e30, 1, -1][i % 6] }),
            ("few distinct", (0..<4_001).map { _ in Double(random.nextIndex(below: 3)) }),
            ("gaussian", (0..<10_007).map { _ in random.nextGaussian() }),
            ("heavy tail", (0..<3_000).map { _ in Foundation.exp(4 * random.nextGaussian()) }),
            ("close together", (0..<20_000).map { _ in 1e6 + random.nextUnit() * 1e-9 }),
        ]
    }

    func testDoublesMatchTheSortedReference() {
        for (name, values) in Self.shapes() {
            let sorted = values.sorted()
            let selected = Quantile.of(values, Self.levels)
            for (q, value) in zip(Self.levels, selected) {
                XCTAssertEqual(value, Quantile.of(sorted: sorted, q), "\(name), q = \(q)")
            }
        }
    }

    func testFloatsMatchTheSortedReference() {
        for (name, doubles) in Self.shapes() {
            let values = doubles.map { Float($0) }
            let sorted = values.map(Double.init).sorted()
            let selected = Quantile.of(values, Self.levels)
            for (q, value) in zip(Self.levels, selected) {
                XCTAssertEqual(value, Quantile.of(sorted: sorted, q), "\(name), q = \(q)")
            }
        }
    }

    func testOrderStatisticsAreTheSortedValuesAtEveryRank() {
        var random = SeededRandom(seed: 5)
        let values = (0..<1_000).map { _ in Float(random.nextIndex(below: 700)) - 350 }
        let sorted = values.sorted()
        let ranks = Array(0..<values.count).shuffled(using: &random)
        let found = values.withUnsafeBufferPointer { RadixSelection.orderStatistics(of: $0, ranks: ranks) }
        XCTAssertEqual(found, ranks.map { sorted[$0] })
    }

    func testInterpolatesBetweenOrderStatisticsAsNumPyDoes() {
        // numpy.quantile([1, 2, 3, 4], [0.25, 0.5, 0.9]) = 1.75, 2.5, 3.7
        let quantiles = Quantile.of([4.0, 1, 3, 2], [0.25, 0.5, 0.9])
        XCTAssertEqual(quantiles[0], 1.75, accuracy: 1e-12)
        XCTAssertEqual(quantiles[1], 2.5, accuracy: 1e-12)
        XCTAssertEqual(quantiles[2], 3.7, accuracy: 1e-12)
    }
    /// The radix sort orders as the standard library's stable sort does, ties in their first
    /// order (the payload tells), for keys that share their high digits and keys that do not.
    func testRadixSortMatchesAStableComparisonSort() {
        var random = SeededRandom(seed: 8)
        for (name, doubles) in Self.shapes() + [("empty", [])] {
            var keys = doubles.map(\.radixKey), payload = Array(doubles.indices)
            let expected = zip(keys, payload).enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }
            RadixSort.sort(&keys, carrying: &payload)
            XCTAssertEqual(keys, expected.map(\.element.0), name)
            XCTAssertEqual(payload, expected.map(\.element.1), "\(name): ties keep their order")
        }
        var small = (0..<5_000).map { _ in UInt32(random.nextIndex(below: 40)) }, order = Array(small.indices)
        let expected = small.indices.sorted { (small[$0], $0) < (small[$1], $1) }
        RadixSort.sort(&small, carrying: &order)
        XCTAssertEqual(order, expected, "a few distinct 32-bit keys: most passes are skipped")
    }
}
