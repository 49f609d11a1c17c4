import PGClient
import TestSupport
import XCTest

/// libpq wrapper against a real PostgreSQL (started by `make test`).
final class ConnectionTests: XCTestCase {
    var connection: PGConnection!

    override func setUpWithError() throws {
        connection = try PGConnection(try TestDatabase.fresh("pgclient_tests"))
    }

    override func tearDown() {
        connection = nil
        TestDatabase.drop("pgclient_tests")
    }

    func testParametersTravelSeparatelyFromSQL() throws {
        let hostile = "'); DROP TABLE x; --"
        let r = try connection.execute("SELECT $1::text, $2::int + 1, $3::text IS NULL", [hostile, "41", nil])
        XCTAssertEqual(r.string(0, 0), hostile)
        XCTAssertEqual(r.int(0, 1), 42)
        XCTAssertEqual(r.bool(0, 2), true)
    }

    func testServerErrorsCarrySQLStateAndConnectionStaysUsable() throws {
        XCTAssertThrowsError(try connection.execute("SELECT * FROM no_such_table")) { error in
            let e = error as! PGError
            XCTAssertEqual(e.sqlState, PGError.State.undefinedTable)
            XCTAssertTrue(e.description.contains("no_such_table"))
        }
        XCTAssertEqual(try connection.execute("SELECT 1").int(0, 0), 1)
    }

    func testConnectionFailureNeverEchoesThePassword() {
        XCTAssertThrowsError(try PGConnection("host=/nonexistent port=1 user=u password=s3cr3t-value")) { error in
            XCTAssertFalse("\(error)".contains("s3cr3t-value"))
            XCTAssertEqual((error as? PGError)?.kind, .connectionFailed)
        }
    }

    func testBinaryCopyOutStreamsValuesAndNulls() throws {
        var decoder = BinaryCopyDecoder()
        var values: [Double?] = []
        try connection.copyOut("COPY (SELECT x::float8 FROM (VALUES (1.5), (NULL), ('NaN'), ('-Infinity')) v(x)) TO STDOUT (FORMAT binary)") { message in
            try decoder.decode(message) { row in values.append(try row.nextDouble()) }
        }
        XCTAssertEqual(values.count, 4)
        XCTAssertEqual(values[0], 1.5)
        XCTAssertNil(values[1])
        XCTAssertTrue(values[2]!.isNaN)
        XCTAssertEqual(values[3], -.infinity)
    }

    func testBinaryCopyInWritesArraysAndRawKeys() throws {
        try connection.execute("CREATE TABLE t (k text, v real[], names text[], d float8, c int)")
        let encoder = BinaryCopyEncoder()
        let vocabulary = [Array("alpha".utf8), Array("b\"e t".utf8)]
        try connection.copyIn("COPY t FROM STDIN (FORMAT binary)") { copy in
            encoder.header(into: &copy.pending)
            encoder.beginRow(fields: 5, into: &copy.pending)
            Array("key-1".utf8).withUnsafeBytes { encoder.raw($0, into: &copy.pending) }
            let v: [Float] = [0.5, -2, 1e-7]
            encoder.float4Array(v, count: 3, into: &copy.pending)
            let indices: [Int32] = [1, 0]
            encoder.textArray(indices: indices, count: 2, vocabulary: vocabulary, into: &copy.pending)
            encoder.float8(.pi, into: &copy.pending)
            encoder.int4(3, into: &copy.pending)
            encoder.trailer(into: &copy.pending)
        }
        let r = try connection.execute("SELECT k, v::text, names[1], names[2], d, c FROM t")
        XCTAssertEqual(r.string(0, 0), "key-1")
        XCTAssertEqual(r.string(0, 1), "{0.5,-2,1e-07}")
        XCTAssertEqual(r.string(0, 2), "b\"e t")
        XCTAssertEqual(r.string(0, 3), "alpha")
        XCTAssertEqual(r.double(0, 4), .pi)
        XCTAssertEqual(r.int(0, 5), 3)
    }

    func testAbortedCopyInKeepsNothingAndFailedCopyOutKeepsTheConnection() throws {
        struct Stop: Error {}
        try connection.execute("CREATE TABLE t (x int)")
        XCTAssertThrowsError(try connection.copyIn("COPY t FROM STDIN (FORMAT csv)") { copy in
            copy.pending.append(contentsOf: Array("1\n2\n".utf8))
            try copy.flush()
            throw Stop()
        })
        XCTAssertEqual(try connection.execute("SELECT count(*) FROM t").int(0, 0), 0)
        XCTAssertThrowsError(try connection.copyOut("COPY (SELECT generate_series(1, 100000)) TO STDOUT") { _ in throw Stop() }) {
            XCTAssertTrue($0 is Stop)
        }
        XCTAssertEqual(try connection.execute("SELECT 2").int(0, 0), 2)
    }

    func testTransactionRollsBackOnError() throws {
        struct Stop: Error {}
        try connection.execute("CREATE TABLE t (x int)")
        XCTAssertThrowsError(try connection.transaction {
            try connection.execute("INSERT INTO t VALUES (1)")
            throw Stop()
        })
        XCTAssertEqual(try connection.execute("SELECT count(*) FROM t").int(0, 0), 0)
    }

    /// PostgreSQL's own binary arrays decode as the codec's byte-level tests say: every numeric
    /// element type through `::float8[]`, two dimensions row-major, NULL elements and NULL arrays.
    func testBinaryArraysFromTheServer() throws {
        let connection = try PGConnection(try TestDatabase.fresh("aepg_arrays"))
        defer { TestDatabase.drop("aepg_arrays") }
        let sql = """
            COPY (VALUES (ARRAY[1.5, -2]::real[]::float8[]), ('{{1,2,3},{4,5,6}}'::int2[]::float8[]),
                         (ARRAY[0.1, NULL]::numeric[]::float8[]), (NULL::float8[]), ('{}'::float8[])) TO STDOUT (FORMAT binary)
            """
        var decoder = BinaryCopyDecoder()
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 8)
        defer { buffer.deallocate() }
        var rows: [(DoubleArrayShape?, [Double])] = []
        try connection.copyOut(sql) { message in
            try decoder.decode(message) { fields in
                let shape = try fields.nextDoubleArray(into: buffer, capacity: 8)
                rows.append((shape, Array(UnsafeBufferPointer(start: buffer, count: shape?.count ?? 0))))
            }
        }
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(rows[0].1, [1.5, -2])
        XCTAssertEqual(rows[1].0?.dimensions, [2, 3])
        XCTAssertEqual(rows[1].1, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(rows[2].0?.nulls, 1)
        XCTAssertEqual(rows[2].1.first, 0.1)
        XCTAssertNil(rows[3].0)
        XCTAssertEqual(rows[4].0?.count, 0)
    }
}
