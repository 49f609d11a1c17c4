@testable import AEPG
import Foundation
import XCTest

/// What aepg sends and reads as SQL text, without a database: array literals, the compiled-in
/// schema and the extension scripts made from it.
final class SQLTextTests: XCTestCase {
    func testArrayLiteralsRoundTrip() {
        let floats: [Float] = [1.5, -2, 3e-05, .leastNormalMagnitude, 123_456.79]
        XCTAssertEqual(PostgresArray.literal(floats), "{1.5,-2.0,3e-05,1.1754944e-38,123456.79}")
        XCTAssertEqual(PostgresArray.floats(PostgresArray.literal(floats)), floats)
        XCTAssertEqual(PostgresArray.floats("{{1,2},{3,4.5}}"), [1, 2, 3, 4.5], "two dimensions flatten row by row")
        XCTAssertEqual(PostgresArray.literal([3, -1, 0]), "{3,-1,0}")
        let names = ["plain", "with space", #"quo"te"#, #"back\slash"#, "comma,inside", ""]
        XCTAssertEqual(PostgresArray.literal(names), #"{"plain","with space","quo\"te","back\\slash","comma,inside",""}"#)
        XCTAssertEqual(PostgresArray.strings(PostgresArray.literal(names)), names)
        XCTAssertEqual(PostgresArray.strings("{a,b}"), ["a", "b"], "unquoted elements, as PostgreSQL prints them")
        XCTAssertEqual(PostgresArray.strings("{}"), [])
    }

    func testTheSchemaIsCompiledIn() throws {
        let schema = try SchemaInstaller.file("aepg.sql")
        XCTAssertTrue(schema.contains("CREATE TABLE IF NOT EXISTS aepg.option_keys"))
        XCTAssertNotNil(EmbeddedSQL.files["aepg-roles.sql"])
        XCTAssertNotNil(EmbeddedSQL.files["upgrades/0.1.0--0.2.0.sql"])
        let trust = try SchemaInstaller.file("trust.sql")
        XCTAssertEqual(try SchemaInstaller.script(from: nil), trust + "\n" + schema, "a new install: whose schema it is, then the schema")
        XCTAssertTrue(try SchemaInstaller.script(from: "0.1.0").hasPrefix(trust + "\n" + EmbeddedSQL.files["upgrades/0.1.0--0.2.0.sql"]!),
                      "an upgrade checks whose schema it is, then runs the deltas")
        XCTAssertThrowsError(try SchemaInstaller.script(from: "9.9.9")) { XCTAssertEqual(($0 as? AEPGError)?.code, .schemaMissing) }
        // Versions go in release order, compared as numbers (0.10.0 after 0.9.0), and the deltas run oldest first.
        XCTAssertEqual(SchemaInstaller.history, SchemaInstaller.history.sorted { $0.compare($1, options: .numeric) == .orderedAscending })
        let fromFirst = try SchemaInstaller.script(from: "0.1.0")
        let first = try XCTUnwrap(fromFirst.range(of: EmbeddedSQL.files["upgrades/0.1.0--0.2.0.sql"]!))
        let second = try XCTUnwrap(fromFirst.range(of: EmbeddedSQL.files["upgrades/0.2.0--0.3.0.sql"]!))
        XCTAssertLessThan(first.lowerBound, second.lowerBound)
        XCTAssertFalse(try SchemaInstaller.script(from: "0.2.0").contains(EmbeddedSQL.files["upgrades/0.1.0--0.2.0.sql"]!))
    }

    func testExtensionFilesCarryTheVersionAndEveryOptionKey() throws {
        let files = try ExtensionFiles.all()
        let version = SchemaInstaller.version
        XCTAssertEqual(Set(files.keys), Set(["aepg.control", "aepg--\(version).sql"]
            + SchemaInstaller.history.dropLast().map { "aepg--\($0)--\(version).sql" }))
        XCTAssertTrue(files["aepg.control"]!.contains("default_version = '\(version)'"))
        let install = files["aepg--\(version).sql"]!
        XCTAssertTrue(install.hasPrefix(#"\echo Use "CREATE EXTENSION aepg""#), "psql refuses to run it by accident")
        XCTAssertTrue(install.contains("INSERT INTO aepg.meta VALUES ('schema_version', '\(version)')"))
        let json = try XCTUnwrap(install.components(separatedBy: "$json$").dropFirst().first)
        let rows = try JSONDecoder().decode([[String: JSONValue]].self, from: Data(json.utf8))
        XCTAssertEqual(rows.compactMap { if case .string(let key) = $0["key"] { return key } else { return nil } },
                       TrainOptionCatalog.all.map(\.key))
        XCTAssertEqual(ExtensionFiles.dollarQuoted("a $json$ b"), "$json6$a $json$ b$json6$")
    }
}
