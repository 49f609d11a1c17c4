import PGClient
import XCTest

/// The binary COPY codec byte by byte, against the format in PostgreSQL's COPY documentation;
/// no server involved.
final class BinaryCopyTests: XCTestCase {
    private let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]

    func testHeaderAndTrailer() {
        var out: [UInt8] = []
        BinaryCopyEncoder().header(into: &out)
        XCTAssertEqual(out, header)
        out.removeAll()
        BinaryCopyEncoder().trailer(into: &out)
        XCTAssertEqual(out, [0xFF, 0xFF])
    }

    func testScalarFieldsInNetworkByteOrder() {
        let e = BinaryCopyEncoder()
        var out: [UInt8] = []
        e.beginRow(fields: 4, into: &out)
        e.int4(-2, into: &out)
        e.float4(1.5, into: &out)
        e.float8(-0.25, into: &out)
        e.null(into: &out)
        XCTAssertEqual(out, [0, 4,
                             0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFE,
                             0, 0, 0, 4, 0x3F, 0xC0, 0, 0,
                             0, 0, 0, 8, 0xBF, 0xD0, 0, 0, 0, 0, 0, 0,
                             0xFF, 0xFF, 0xFF, 0xFF])
    }

    func testArrays() {
        let e = BinaryCopyEncoder()
        var out: [UInt8] = []
        let values: [Float] = [1, -2]
        values.withUnsafeBufferPointer { e.float4Array($0.baseAddress!, count: 2, into: &out) }
        XCTAssertEqual(out, [0, 0, 0, 36,            // field length: 20-byte array header + 2 × (4 + 4)
                             0, 0, 0, 1,             // one dimension
                             0, 0, 0, 0,             // no NULLs
                             0, 0, 2, 0xBC,          // element type float4 (700)
                             0, 0, 0, 2, 0, 0, 0, 1, // length 2, lower bound 1
                             0, 0, 0, 4, 0x3F, 0x80, 0, 0,
                             0, 0, 0, 4, 0xC0, 0, 0, 0])
        out.removeAll()
        let vocabulary = [Array("ab".utf8), Array("c".utf8)]
        let indices: [Int32] = [1, 0]
        indices.withUnsafeBufferPointer { e.textArray(indices: $0.baseAddress!, count: 2, vocabulary: vocabulary, into: &out) }
        XCTAssertEqual(out, [0, 0, 0, 31,
                             0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 2, 0, 0, 0, 1,
                             0, 0, 0, 1, 0x63,
                             0, 0, 0, 2, 0x61, 0x62])
    }

    func testDecoderReadsWhatTheEncoderWrites() throws {
        let e = BinaryCopyEncoder()
        var message: [UInt8] = []
        e.header(into: &message)
        let key: [UInt8] = [0, 0, 0, 7]
        for value in [0.5, -3.0] {
            e.beginRow(fields: 3, into: &message)
            key.withUnsafeBytes { e.raw($0, into: &message) }
            e.float8(value, into: &message)
            e.null(into: &message)
        }
        e.trailer(into: &message)
        var decoder = BinaryCopyDecoder()
        var rows: [(key: [UInt8], value: Double?, missing: Double?)] = []
        let more = try message.withUnsafeBytes { bytes in
            try decoder.decode(bytes) { fields in
                let k = try XCTUnwrap(try fields.next())
                rows.append((Array(k), try fields.nextDouble(), try fields.nextDouble()))
            }
        }
        XCTAssertFalse(more, "the end-of-data marker was seen")
        XCTAssertEqual(rows.map(\.key), [key, key])
        XCTAssertEqual(rows.map(\.value), [0.5, -3.0])
        XCTAssertEqual(rows.map(\.missing), [nil, nil])
    }

    func testDecoderRejectsBrokenData() {
        var decoder = BinaryCopyDecoder()
        XCTAssertThrowsError(try [UInt8](repeating: 0, count: 19).withUnsafeBytes { try decoder.decode($0) { _ in } },
                             "no PGCOPY signature")
        var truncated = header
        truncated += [0, 1, 0, 0, 0, 8, 1, 2]  // one field of 8 bytes, only 2 present
        var fresh = BinaryCopyDecoder()
        XCTAssertThrowsError(try truncated.withUnsafeBytes { try fresh.decode($0) { fields in _ = try fields.next() } })
        var wrongWidth = header
        wrongWidth += [0, 1, 0, 0, 0, 4, 0, 0, 0, 1]  // a 4-byte value read as float8
        var third = BinaryCopyDecoder()
        XCTAssertThrowsError(try wrongWidth.withUnsafeBytes { try third.decode($0) { fields in _ = try fields.nextDouble() } })
    }
}
