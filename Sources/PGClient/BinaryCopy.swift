/// PostgreSQL's binary COPY format (https://www.postgresql.org/docs/current/sql-copy.html):
/// an 11-byte signature, int32 flags, int32 extension length, then per row an int16 field
/// count and per field an int32 length (-1 for NULL) and the value in network byte order;
/// an int16 -1 ends the data.
public enum BinaryCopy {
    static let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]

    /// Type OIDs used for array elements.
    public enum ElementType: UInt32 {
        case int4 = 23, text = 25, float4 = 700, float8 = 701
    }
}

/// Walks binary COPY OUT messages (one row per message; the first also carries the header).
public struct BinaryCopyDecoder {
    private var sawHeader = false

    public init() {}

    /// Decodes one message; calls `row` with a cursor over the fields of each row it holds.
    /// Returns false once the end-of-data marker has been seen.
    @discardableResult
    public mutating func decode(_ message: UnsafeRawBufferPointer, row: (inout FieldCursor) throws -> Void) throws -> Bool {
        var offset = 0
        if !sawHeader {
            guard message.count >= 19, message.prefix(11).elementsEqual(BinaryCopy.signature) else {
                throw PGError(kind: .protocolViolation, message: "binary COPY data does not start with the PGCOPY signature")
            }
            let extensionLength = Int(message.loadBigEndian(Int32.self, at: 15))
            offset = 19 + extensionLength
            sawHeader = true
        }
        while offset + 2 <= message.count {
            let fields = Int(message.loadBigEndian(Int16.self, at: offset))
            offset += 2
            if fields == -1 { return false }
            var cursor = FieldCursor(message: message, offset: offset, fieldCount: fields)
            try row(&cursor)
            offset = try cursor.skipRemaining()
        }
        return true
    }
}

/// Reads the fields of one binary COPY row in order.
public struct FieldCursor {
    let message: UnsafeRawBufferPointer
    /// Byte offset of the next field.
    public private(set) var offset: Int
    /// Number of fields in the row.
    public let fieldCount: Int
    private var consumed = 0

    init(message: UnsafeRawBufferPointer, offset: Int, fieldCount: Int) {
        self.message = message
        self.offset = offset
        self.fieldCount = fieldCount
    }

    /// The next field's raw bytes, or nil when it is NULL.
    public mutating func next() throws -> UnsafeRawBufferPointer? {
        guard consumed < fieldCount, offset + 4 <= message.count else {
            throw PGError(kind: .protocolViolation, message: "binary COPY row ended early")
        }
        let length = Int(message.loadBigEndian(Int32.self, at: offset))
        offset += 4
        consumed += 1
        if length < 0 { return nil }
        guard offset + length <= message.count else {
            throw PGError(kind: .protocolViolation, message: "binary COPY field overruns its message")
        }
        defer { offset += length }
        return UnsafeRawBufferPointer(rebasing: message[offset..<(offset + length)])
    }

    /// The next field as a float8, or nil when it is NULL.
    public mutating func nextDouble() throws -> Double? {
        guard let bytes = try next() else { return nil }
        guard bytes.count == 8 else {
            throw PGError(kind: .protocolViolation, message: "expected an 8-byte float8, got \(bytes.count) bytes")
        }
        return Double(bitPattern: bytes.loadBigEndian(UInt64.self, at: 0))
    }

    mutating func skipRemaining() throws -> Int {
        while consumed < fieldCount { _ = try next() }
        return offset
    }
}

extension UnsafeRawBufferPointer {
    /// Loads a big-endian integer at a byte offset with no alignment requirement.
    func loadBigEndian<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

/// Appends binary COPY data to a byte buffer; no intermediate strings.
public struct BinaryCopyEncoder {
    public init() {}

    /// The signature, flags and extension length that open the data.
    public func header(into out: inout [UInt8]) {
        out.append(contentsOf: BinaryCopy.signature)
        appendInteger(Int32(0), to: &out)
        appendInteger(Int32(0), to: &out)
    }

    /// The end-of-data marker.
    public func trailer(into out: inout [UInt8]) { appendInteger(Int16(-1), to: &out) }

    /// Starts a row of `fields` fields.
    public func beginRow(fields: Int, into out: inout [UInt8]) { appendInteger(Int16(fields), to: &out) }

    /// A NULL field.
    public func null(into out: inout [UInt8]) { appendInteger(Int32(-1), to: &out) }

    /// A field with the given raw value bytes (e.g. a key copied from COPY OUT unchanged).
    public func raw(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        appendInteger(Int32(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    /// An int4 field.
    public func int4(_ value: Int32, into out: inout [UInt8]) {
        appendInteger(Int32(4), to: &out)
        appendInteger(value, to: &out)
    }

    /// A float4 field.
    public func float4(_ value: Float, into out: inout [UInt8]) {
        appendInteger(Int32(4), to: &out)
        appendInteger(value.bitPattern, to: &out)
    }

    /// A float8 field.
    public func float8(_ value: Double, into out: inout [UInt8]) {
        appendInteger(Int32(8), to: &out)
        appendInteger(value.bitPattern, to: &out)
    }

    /// A one-dimensional `real[]` field.
    public func float4Array(_ values: UnsafePointer<Float>, count: Int, into out: inout [UInt8]) {
        appendInteger(Int32(20 + count * 8), to: &out)
        arrayHeader(count: count, element: .float4, into: &out)
        for i in 0..<count {
            appendInteger(Int32(4), to: &out)
            appendInteger(values[i].bitPattern, to: &out)
        }
    }

    /// A one-dimensional `text[]` field whose elements are `vocabulary[indices[i]]`
    /// (UTF-8 bytes encoded once, so a row costs no allocation).
    public func textArray(indices: UnsafePointer<Int32>, count: Int, vocabulary: [[UInt8]], into out: inout [UInt8]) {
        var payload = 0
        for i in 0..<count { payload += 4 + vocabulary[Int(indices[i])].count }
        appendInteger(Int32(20 + payload), to: &out)
        arrayHeader(count: count, element: .text, into: &out)
        for i in 0..<count {
            let value = vocabulary[Int(indices[i])]
            appendInteger(Int32(value.count), to: &out)
            out.append(contentsOf: value)
        }
    }

    private func arrayHeader(count: Int, element: BinaryCopy.ElementType, into out: inout [UInt8]) {
        appendInteger(Int32(1), to: &out)               // dimensions
        appendInteger(Int32(0), to: &out)               // no NULL elements
        appendInteger(element.rawValue, to: &out)
        appendInteger(Int32(count), to: &out)           // length of the dimension
        appendInteger(Int32(1), to: &out)               // lower bound
    }

    private func appendInteger<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }
}

/// A `float8[]` value of any number of dimensions, as binary COPY sends it (read row-major).
public struct DoubleArrayShape: Equatable, Sendable {
    /// Length of each dimension (empty for an empty array).
    public var dimensions: [Int]
    /// Elements that were NULL (written as NaN).
    public var nulls: Int
    /// Number of elements.
    public var count: Int { dimensions.isEmpty ? 0 : dimensions.reduce(1, *) }

    public init(dimensions: [Int], nulls: Int) {
        self.dimensions = dimensions
        self.nulls = nulls
    }
}

extension FieldCursor {
    /// The next field as a `float8[]` (a query casts other numeric arrays with `::float8[]`):
    /// its elements in row-major order into `values` (NULL elements as NaN, at most `capacity`),
    /// and its shape; nil when the field is NULL. An array of more than `capacity` elements comes
    /// back as its shape alone, nothing written (the caller counts it as the wrong length); an
    /// array of another element type is an error naming what it found.
    public mutating func nextDoubleArray(into values: UnsafeMutablePointer<Double>, capacity: Int) throws -> DoubleArrayShape? {
        guard let bytes = try next() else { return nil }
        func fail(_ what: String) -> PGError { PGError(kind: .protocolViolation, message: "binary array: \(what)") }
        guard bytes.count >= 12 else { throw fail("\(bytes.count) bytes are too few for a header") }
        let dimensionCount = Int(bytes.loadBigEndian(Int32.self, at: 0))
        let elementType = bytes.loadBigEndian(UInt32.self, at: 8)
        guard dimensionCount >= 0 && dimensionCount <= 6 else { throw fail("\(dimensionCount) dimensions") }
        guard dimensionCount == 0 || elementType == BinaryCopy.ElementType.float8.rawValue else {
            throw fail("elements of type \(elementType), expected float8 (\(BinaryCopy.ElementType.float8.rawValue))")
        }
        var offset = 12
        var dimensions: [Int] = []
        for _ in 0..<dimensionCount {
            guard offset + 8 <= bytes.count else { throw fail("header ends early") }
            dimensions.append(Int(bytes.loadBigEndian(Int32.self, at: offset)))  // then the lower bound, which order ignores
            offset += 8
        }
        var shape = DoubleArrayShape(dimensions: dimensions, nulls: 0)
        guard shape.count <= capacity else { return shape }
        for i in 0..<shape.count {
            guard offset + 4 <= bytes.count else { throw fail("ends after \(i) of \(shape.count) elements") }
            let length = Int(bytes.loadBigEndian(Int32.self, at: offset))
            offset += 4
            if length == -1 {
                values[i] = .nan
                shape.nulls += 1
                continue
            }
            guard length == 8, offset + 8 <= bytes.count else { throw fail("element \(i + 1) has \(length) bytes") }
            values[i] = Double(bitPattern: bytes.loadBigEndian(UInt64.self, at: offset))
            offset += 8
        }
        return shape
    }
}
