import AEPG
import PGClient
import TestSupport
import XCTest

/// Rules that Swift checks before it reaches the database and SQL checks again for callers who
/// use SQL directly: both sides must say the same, whoever asks.
final class RuleAgreementTests: DatabaseTestCase {
    func testModelNamesAreJudgedAlikeBySwiftAndByTheCatalog() throws {
        try connection.execute("CREATE TABLE t (id int PRIMARY KEY, a float8)")
        let names = ["fraud", "_x", "a1_b2", String(repeating: "m", count: 40), String(repeating: "m", count: 41),
                     "Fraud", "1abc", "", "a-b", "a b", "x; DROP TABLE t", "é", "model_", "_", "a\nb"]
        for name in names {
            let swiftAccepts = (try? ModelName(name)) != nil
            let sqlAccepts: Bool
            do {
                try connection.execute("SELECT aepg.create_model($1, 't', 'id')", [name])
                sqlAccepts = true
            } catch let error as PGError {
                XCTAssertEqual(error.sqlState, "42602", "\(name): \(error)")  // invalid_name
                sqlAccepts = false
            }
            XCTAssertEqual(swiftAccepts, sqlAccepts, "\"\(name)\": Swift says \(swiftAccepts), SQL says \(sqlAccepts)")
        }
    }

    func testFeatureTypesAreJudgedAlikeBySwiftAndByCreateModel() throws {
        let types = ["boolean", "smallint", "integer", "bigint", "real", "double precision", "numeric(10,2)", "numeric",
                     "text", "varchar(5)", "char(2)", "date", "timestamptz", "money", "interval", "oid", "jsonb", "bytea",
                     "float4[]", "int4[]", "uuid", "bit(3)", "\"char\"", "float8[]", "numeric(6,2)[]", "int2[]", "int8[]",
                     "real[][]", "boolean[]", "text[]", "date[]", "jsonb[]"]
        let columns = types.enumerated().map { "c\($0.offset) \($0.element)" }.joined(separator: ", ")
        try connection.execute("CREATE TABLE typed (id int PRIMARY KEY, \(columns))")
        let source = try SourceTable.resolve("typed", on: connection)
        for (i, type) in types.enumerated() {
            let swiftAccepts = try source.column("c\(i)", role: "feature").isNumericFeature
            let sqlAccepts: Bool
            do {
                try connection.execute("SELECT aepg.create_model('typed_m', 'typed', 'id', ARRAY[$1])", ["c\(i)"])
                sqlAccepts = true
            } catch let error as PGError {
                XCTAssertEqual(error.sqlState, "42804", "\(type): \(error)")  // datatype_mismatch
                sqlAccepts = false
            }
            XCTAssertEqual(swiftAccepts, sqlAccepts, "\(type): Swift says numeric or numeric array = \(swiftAccepts), create_model says \(sqlAccepts)")
        }
    }
}
