import PGClient
import XCTest

final class IdentifierTests: XCTestCase {
    func testQuotesAndEscapesEmbeddedQuotes() {
        XCTAssertEqual(quoteIdentifier("plain"), "\"plain\"")
        XCTAssertEqual(quoteIdentifier("My Table"), "\"My Table\"")
        XCTAssertEqual(quoteIdentifier("a\"; DROP TABLE x; --"), "\"a\"\"; DROP TABLE x; --\"")
        XCTAssertEqual(quoteQualified(schema: "s", name: "t"), "\"s\".\"t\"")
    }

    func testEncoderOutputDecodesBack() throws {
        let encoder = BinaryCopyEncoder()
        var bytes: [UInt8] = []
        encoder.header(into: &bytes)
        encoder.beginRow(fields: 3, into: &bytes)
        encoder.float8(2.5, into: &bytes)
        encoder.null(into: &bytes)
        encoder.int4(-7, into: &bytes)
        encoder.trailer(into: &bytes)
        var decoder = BinaryCopyDecoder()
        var seen: [String] = []
        let more = try bytes.withUnsafeBytes { message in
            try decoder.decode(message) { row in
                seen.append("\(try row.nextDouble()!)")
                seen.append(try row.next() == nil ? "NULL" : "value")
                let int = try row.next()!
                seen.append("\(Int32(bigEndian: int.loadUnaligned(as: Int32.self)))")
            }
        }
        XCTAssertEqual(seen, ["2.5", "NULL", "-7"])
        XCTAssertFalse(more, "the trailer ends the data")
    }

    func testDecoderRejectsDataWithoutSignature() {
        var decoder = BinaryCopyDecoder()
        let junk = [UInt8](repeating: 1, count: 30)
        XCTAssertThrowsError(try junk.withUnsafeBytes { try decoder.decode($0) { _ in } })
    }
}
