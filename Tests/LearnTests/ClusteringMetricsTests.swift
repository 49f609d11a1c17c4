import Learn
import XCTest

final class ClusteringMetricsTests: XCTestCase {
    /// Worked by hand: contingency {c0: class0 × 2}, {c1: class1 × 1, class2 × 1}.
    /// ARI = (1 − 1/3) / (3/2 − 1/3) = 4/7; NMI = ln2 / ((ln2 + 1.5 ln2) / 2) = 0.8; ACC = 3/4.
    func testHandComputedValues() {
        let m = ClusteringMetrics.evaluate(clusters: [0, 0, 1, 1], classes: ["a", "a", "b", "c"])
        XCTAssertEqual(m.ari, 4.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(m.nmi, 0.8, accuracy: 1e-12)
        XCTAssertEqual(m.accuracy, 0.75, accuracy: 1e-12)
        XCTAssertEqual(m.clusters, 2)
        XCTAssertEqual(m.classes, 3)
    }

    /// Crossed partitions: every pair agreement is chance or worse. ARI = (0 − 2/3) / (2 − 2/3) = −1/2.
    func testIndependentPartitions() {
        let m = ClusteringMetrics.evaluate(clusters: [0, 1, 0, 1], classes: [0, 0, 1, 1])
        XCTAssertEqual(m.ari, -0.5, accuracy: 1e-12)
        XCTAssertEqual(m.nmi, 0, accuracy: 1e-12)
        XCTAssertEqual(m.accuracy, 0.5, accuracy: 1e-12)
    }

    func testRelabelledPartitionIsPerfect() {
        let m = ClusteringMetrics.evaluate(clusters: [2, 2, 0, 0, 1], classes: [7, 7, 3, 3, 5])
        XCTAssertEqual(m.ari, 1, accuracy: 1e-12)
        XCTAssertEqual(m.nmi, 1, accuracy: 1e-12)
        XCTAssertEqual(m.accuracy, 1)
    }

    /// The Hungarian assignment against every permutation, on random small matrices (square and wide).
    func testHungarianMatchesBruteForce() {
        var random = SeededRandom(seed: 12)
        func permutations(_ items: [Int], choose k: Int) -> [[Int]] {
            guard k > 0 else { return [[]] }
            return items.flatMap { first in
                permutations(items.filter { $0 != first }, choose: k - 1).map { [first] + $0 }
            }
        }
        for trial in 0..<40 {
            let n = 1 + trial % 5, m = n + (trial % 3)
            let cost = (0..<n).map { _ in (0..<m).map { _ in Double(random.nextIndex(below: 20)) } }
            let assignment = Hungarian.minimumCostAssignment(cost)
            XCTAssertEqual(Set(assignment).count, n, "one-to-one")
            let found = assignment.enumerated().reduce(0.0) { $0 + cost[$1.offset][$1.element] }
            let best = permutations(Array(0..<m), choose: n)
                .map { p in p.enumerated().reduce(0.0) { $0 + cost[$1.offset][$1.element] } }.min()!
            XCTAssertEqual(found, best, "trial \(trial): \(cost)")
        }
    }

    /// More clusters than classes: accuracy counts only the matched clusters.
    func testMoreClustersThanClasses() {
        let m = ClusteringMetrics.evaluate(clusters: [0, 0, 1, 2, 2, 2], classes: [0, 0, 0, 1, 1, 1])
        XCTAssertEqual(m.accuracy, 5.0 / 6, accuracy: 1e-12)
    }

    /// Unequal random partitions against scikit-learn 1.x's normalized_mutual_info_score and
    /// adjusted_rand_score on the same labels (values computed there).
    func testAgreesWithScikitLearnOnRandomPartitions() {
        let clusters = [3, 2, 2, 1, 1, 0, 0, 0, 0, 3, 2, 3, 2, 2, 3, 2, 2, 2, 2, 3, 1, 3, 2, 0, 1, 3, 2, 0, 3, 2, 3, 0, 0, 3, 0, 2, 0, 1, 1, 1]
        let classes = [1, 0, 0, 0, 0, 2, 1, 1, 0, 1, 2, 1, 1, 2, 2, 2, 1, 2, 2, 1, 2, 2, 2, 1, 2, 0, 1, 2, 2, 1, 1, 0, 1, 1, 2, 2, 0, 2, 1, 1]
        let m = ClusteringMetrics.evaluate(clusters: clusters, classes: classes)
        XCTAssertEqual(m.nmi, 0.04101750713162482, accuracy: 1e-12)
        XCTAssertEqual(m.ari, -0.011851573155246202, accuracy: 1e-12)
    }
}
