import Learn
import XCTest

final class PreprocessingTests: XCTestCase {
    func testStandardizesIgnoresMissingAndSurvivesConstantColumns() {
        // column 0: 1, 3, NaN (mean 2, std 1); column 1: constant 5
        var data = Matrix(rows: 3, columns: 2, values: [1, 5, 3, 5, .nan, 5])
        let scaler = StandardScaler.fit(data)
        XCTAssertEqual(scaler.mean, [2, 5])
        XCTAssertEqual(scaler.scale, [1, 1])
        scaler.transform(&data)
        XCTAssertEqual(data.storage, [-1, 0, 1, 0, 0, 0])
    }

    func testFitsOnlyTheGivenRows() {
        let data = Matrix(rows: 3, columns: 1, values: [0, 10, 1000])
        XCTAssertEqual(StandardScaler.fit(data, rows: [0, 1]).mean, [5])
    }
}
