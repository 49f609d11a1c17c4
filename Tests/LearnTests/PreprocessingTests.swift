import Foundation
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

    /// With `robust-asinh`, a column whose standard deviation exceeds three interquartile ranges
    /// is compressed by asinh after robust scaling; a normal one, and every column of the other
    /// methods (plain `robust` too), is not.
    func testRobustCompressesOnlyHeavyTailedColumns() {
        var random = SeededRandom(seed: 3)
        // Column 0: normal. Column 1: log-normal with a long tail. Column 2: missing in one row.
        var values: [Float] = []
        for i in 0..<1000 {
            let g = random.nextGaussian()
            values += [Float(g), Float(exp(3 * random.nextGaussian())), i == 7 ? .nan : Float(exp(3 * g))]
        }
        var data = Matrix(rows: 1000, columns: 3, values: values)
        let raw = data
        let scaler = FeatureScaler.fit(data, method: .robustAsinh)
        XCTAssertEqual(scaler.compressed, [false, true, true])
        XCTAssertEqual(FeatureScaler.fit(data, method: .robust).compressed, [])
        XCTAssertEqual(FeatureScaler.fit(data, method: .robust).center, scaler.center)
        XCTAssertEqual(FeatureScaler.fit(data, method: .standard).compressed, [])
        scaler.transform(&data)
        for i in [0, 7, 500, 999] {
            for j in 0..<3 {
                let x = Double(raw[i, j])
                let z = x.isNaN ? scaler.fill[j] : (x - scaler.center[j]) / scaler.scale[j]
                XCTAssertEqual(Double(data[i, j]), j == 0 ? z : asinh(z), accuracy: 1e-5 * max(1, abs(z)), "row \(i), column \(j)")
            }
        }
        // Compression tames the tail: no compressed value is more than about 10 from the median.
        XCTAssertLessThan((0..<1000).map { abs(data[$0, 1]) }.max()!, 12)
    }

    /// A table large enough to be scaled a block of rows per core gets the values that scaling
    /// one row at a time gives.
    func testScalingManyRowsMatchesScalingEachRow() {
        var random = SeededRandom(seed: 5)
        let rows = 9_001
        var data = Matrix(rows: rows, columns: 2, values: (0..<(rows * 2)).map { $0 == 11 ? .nan : Float(exp(2 * random.nextGaussian())) })
        let scaler = FeatureScaler.fit(data, method: .robustAsinh)
        var expected = data
        expected.withUnsafeMutableStorage { p in
            for r in 0..<rows { scaler.transform(row: p + r * 2) }
        }
        scaler.transform(&data)
        XCTAssertEqual(data.storage, expected.storage)
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
