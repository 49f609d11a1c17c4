import Learn
import XCTest

final class MetricsTests: XCTestCase {
    func testROCAndAveragePrecisionMatchScikitLearnExample() {
        // scikit-learn's docs: roc_auc_score = 0.75, average_precision_score = 0.8333...
        let m = BinaryMetrics.evaluate(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true], threshold: 0.3)
        XCTAssertEqual(m.rocAUC, 0.75, accuracy: 1e-12)
        XCTAssertEqual(m.prAUC, 5.0 / 6.0, accuracy: 1e-12)
        // Flagged: 0.4, 0.35, 0.8 → TP 2, FP 1, FN 0.
        XCTAssertEqual([m.truePositives, m.falsePositives, m.falseNegatives, m.trueNegatives], [2, 1, 0, 1])
        XCTAssertEqual(m.precision, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(m.recall, 1)
        XCTAssertEqual(m.f1, 0.8, accuracy: 1e-12)
    }

    func testPerfectReversedAndTiedRankings() {
        let labels = [false, false, true, true]
        XCTAssertEqual(BinaryMetrics.evaluate(scores: [1, 2, 3, 4], labels: labels, threshold: 0).rocAUC, 1)
        XCTAssertEqual(BinaryMetrics.evaluate(scores: [4, 3, 2, 1], labels: labels, threshold: 0).rocAUC, 0)
        let tied = BinaryMetrics.evaluate(scores: [1, 1, 1, 1], labels: labels, threshold: 0)
        XCTAssertEqual(tied.rocAUC, 0.5)
        XCTAssertEqual(tied.prAUC, 0.5)
    }

    func testThresholdRules() {
        let scores: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        // mean 5.5, population std √8.25
        XCTAssertEqual(ThresholdRule.sigma(1).threshold(trainingScores: scores), 5.5 + 8.25.squareRoot(), accuracy: 1e-12)
        // numpy.quantile(scores, 0.9) = 9.1
        XCTAssertEqual(ThresholdRule.contamination(0.1).threshold(trainingScores: scores), 9.1, accuracy: 1e-12)
    }
}
