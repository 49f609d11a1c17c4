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

/// Arrays as binary COPY sends them (`float8[]`, read row-major), byte by byte.
final class BinaryArrayTests: XCTestCase {
    /// One binary COPY message of a single row holding `field` (nil for NULL).
    private func message(_ field: [UInt8]?) -> [UInt8] {
        var out: [UInt8] = []
        BinaryCopyEncoder().header(into: &out)
        BinaryCopyEncoder().beginRow(fields: 1, into: &out)
        if let field { field.withUnsafeBytes { BinaryCopyEncoder().raw($0, into: &out) } } else { BinaryCopyEncoder().null(into: &out) }
        return out
    }

    private func int32(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }
    private func float8(_ v: Double) -> [UInt8] { withUnsafeBytes(of: v.bitPattern.bigEndian, Array.init) }

    /// The array's binary form: dimensions, lower bounds 1, float8 elements (nil for NULL).
    private func array(_ dims: [Int32], _ elements: [Double?], type: UInt32 = 701) -> [UInt8] {
        var out = int32(Int32(dims.count)) + int32(elements.contains { $0 == nil } ? 1 : 0) + withUnsafeBytes(of: type.bigEndian, Array.init)
        for d in dims { out += int32(d) + int32(1) }
        for e in elements { out += e.map { int32(8) + float8($0) } ?? int32(-1) }
        return out
    }

    private func decode(_ bytes: [UInt8], capacity: Int = 16) throws -> (DoubleArrayShape?, [Double]) {
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var shape: DoubleArrayShape?
        var decoder = BinaryCopyDecoder()
        try message(bytes).withUnsafeBytes { raw in
            try decoder.decode(raw) { fields in shape = try fields.nextDoubleArray(into: buffer, capacity: capacity) }
        }
        return (shape, Array(UnsafeBufferPointer(start: buffer, count: shape?.count ?? 0)))
    }

    func testOneAndTwoDimensionsRowMajorWithNulls() throws {
        let (flat, values) = try decode(array([3], [1.5, -2, 0.25]))
        XCTAssertEqual(flat, DoubleArrayShape(dimensions: [3], nulls: 0))
        XCTAssertEqual(values, [1.5, -2, 0.25])
        let (grid, cells) = try decode(array([2, 2], [1, 2, 3, nil]))
        XCTAssertEqual(grid, DoubleArrayShape(dimensions: [2, 2], nulls: 1))
        XCTAssertEqual(Array(cells.prefix(3)), [1, 2, 3])
        XCTAssertTrue(cells[3].isNaN)
        let (empty, _) = try decode(array([], [], type: 701))
        XCTAssertEqual(empty?.count, 0)
    }

    func testRefusesOtherElementTypesAndTruncatedData() throws {
        XCTAssertThrowsError(try decode(array([1], [1], type: 700))) { XCTAssertTrue("\($0)".contains("expected float8"), "\($0)") }
        XCTAssertThrowsError(try decode(Array(array([3], [1, 2, 3]).dropLast(8))))
    }

    func testALongerArrayComesBackAsItsShapeAlone() throws {
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 2)
        defer { buffer.deallocate() }
        buffer.update(repeating: -7, count: 2)
        var shape: DoubleArrayShape?
        var decoder = BinaryCopyDecoder()
        try message(array([4, 5], Array(repeating: 1, count: 20))).withUnsafeBytes { raw in
            try decoder.decode(raw) { fields in shape = try fields.nextDoubleArray(into: buffer, capacity: 2) }
        }
        XCTAssertEqual(shape, DoubleArrayShape(dimensions: [4, 5], nulls: 0))
        XCTAssertEqual(Array(UnsafeBufferPointer(start: buffer, count: 2)), [-7, -7], "nothing written")
    }

    func testANullArrayIsNil() throws {
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 1)
        defer { buffer.deallocate() }
        var decoder = BinaryCopyDecoder()
        var shape: DoubleArrayShape? = DoubleArrayShape(dimensions: [9], nulls: 0)
        try message(nil).withUnsafeBytes { raw in
            try decoder.decode(raw) { fields in shape = try fields.nextDoubleArray(into: buffer, capacity: 1) }
        }
        XCTAssertNil(shape)
    }
}
