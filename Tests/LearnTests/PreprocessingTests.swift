import Learn
import XCTest

final class PreprocessingTests: XCTestCase {
    func testStandardizesIgnoresMissingAndSurvivesConstantColumns() {
        // column 0: 1, 3, NaN (mean 2, std 1); column 1: constant 5
        var data = Matrix(rows: 3, columns: 2, values: [1, 5, 3, 5, .nan, 5])
        let scaler = FeatureScaler.fit(data)
        XCTAssertEqual(scaler.center, [2, 5])
        XCTAssertEqual(scaler.scale, [1, 1])
        scaler.transform(&data)
        XCTAssertEqual(data.storage, [-1, 0, 1, 0, 0, 0])
    }

    func testFitsOnlyTheGivenRows() {
        let data = Matrix(rows: 3, columns: 1, values: [0, 10, 1000])
        XCTAssertEqual(FeatureScaler.fit(data, rows: [0, 1]).center, [5])
    }

    func testMinMaxMapsTrainingRangeToUnitIntervalAndMissingToTheMean() {
        var data = Matrix(rows: 4, columns: 1, values: [2, 4, 10, .nan])
        let scaler = FeatureScaler.fit(data, method: .minmax)
        scaler.transform(&data)
        // mean of 2, 4, 10 is 16/3, which is (16/3 - 2) / 8 = 5/12 of the range.
        XCTAssertEqual(data.storage, [0, 0.25, 1, Float(5.0 / 12)])
    }

    func testRobustUsesMedianAndInterquartileRange() {
        // 1, 2, 3, 4, 100: median 3, quartiles 2 and 4 (NumPy's linear interpolation).
        let data = Matrix(rows: 5, columns: 1, values: [100, 1, 3, 2, 4])
        let scaler = FeatureScaler.fit(data, method: .robust)
        XCTAssertEqual(scaler.center, [3])
        XCTAssertEqual(scaler.scale, [2])
        XCTAssertEqual(FeatureScaler.fit(data, method: .none).scale, [1])
        XCTAssertEqual(FeatureScaler.fit(data, method: .none).center, [0])
    }
}
