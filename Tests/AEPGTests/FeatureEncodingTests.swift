@testable import AEPG
import XCTest

/// How raw rows become inputs, without a database.
final class FeatureEncodingTests: XCTestCase {
    private func encode(_ encoding: FeatureEncoding, _ raw: [Float]) -> [Float] {
        var out = [Float](repeating: -9, count: encoding.inputWidth)
        encoding.encode(raw: raw, into: &out)
        return out
    }

    func testOneHotLabelAndNullIndicators() {
        let color = FeatureEncoding.CategoricalColumn(name: "color", categories: ["blue", "green", "red"])
        let onehot = FeatureEncoding(numeric: ["a", "b"], categorical: [color], method: .onehot, nullIndicators: [1])
        XCTAssertEqual(onehot.inputNames, ["a", "b", "b_is_null", "color=blue", "color=green", "color=red"])
        let row = encode(onehot, [1.5, .nan, 2])
        XCTAssertEqual(row[0], 1.5)
        XCTAssertTrue(row[1].isNaN, "the value stays missing, for the scaler to impute")
        XCTAssertEqual(Array(row[2...]), [1, 0, 0, 1])
        XCTAssertEqual(Array(encode(onehot, [0, 0, -1])[2...]), [0, 0, 0, 0], "unknown or NULL category: no category, no NULL flag")

        let label = FeatureEncoding(numeric: ["a"], categorical: [color], method: .label)
        XCTAssertEqual(label.inputNames, ["a", "color"])
        XCTAssertEqual(encode(label, [3, 1]), [3, 1])
        XCTAssertTrue(encode(label, [3, -1])[1].isNaN, "unknown category with label encoding: missing, imputed later")
        XCTAssertTrue(FeatureEncoding(numeric: ["a"]).isIdentity)
    }

    /// Training numbers categories as first seen, then renumbers them in sorted order; a fixed
    /// set (scoring) counts what it does not know.
    func testCategoryCodes() {
        let growing = CategoryCodes()
        let codes = ["red", "blue", "red", "green"].map { text in Array(text.utf8).withUnsafeBytes { growing.code($0) } }
        XCTAssertEqual(codes, [0, 1, 0, 2])
        XCTAssertEqual(growing.code(nil), -1)
        let (categories, renumbering) = growing.sortedCategories()
        XCTAssertEqual(categories, ["blue", "green", "red"])
        XCTAssertEqual(renumbering, [2, 0, 1])
        let fixed = CategoryCodes(categories: categories)
        XCTAssertEqual(Array("green".utf8).withUnsafeBytes { fixed.code($0) }, 1)
        XCTAssertEqual(Array("purple".utf8).withUnsafeBytes { fixed.code($0) }, -1)
        XCTAssertEqual(fixed.unseen, 1)
    }
}
