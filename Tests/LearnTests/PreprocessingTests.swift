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

final class PrincipalComponentsTests: XCTestCase {
    /// Points stretched along (1, 1, 0)/√2 (variance 4·2 = 8 along it), a little along z.
    func testFindsTheStretchedDirectionFirst() {
        var random = SeededRandom(seed: 5)
        let points: [[Double]] = (0..<2000).map { _ in
            let t = random.nextGaussian() * 2, s = random.nextGaussian() * 0.5
            return [t + 1, t - 2, s]
        }
        let pca = PrincipalComponents(points: points, count: 2)
        XCTAssertEqual(abs(pca.components[0][0]), 0.5.squareRoot(), accuracy: 0.01)
        XCTAssertEqual(abs(pca.components[0][1]), 0.5.squareRoot(), accuracy: 0.01)
        XCTAssertEqual(abs(pca.components[1][2]), 1, accuracy: 0.01)
        XCTAssertEqual(pca.variances[0], 8, accuracy: 0.8)
        XCTAssertEqual(pca.variances[1], 0.25, accuracy: 0.05)
        XCTAssertEqual(pca.project([1, -2, 0])[0], 0, accuracy: 0.2, "the mean projects near 0")
    }
}
