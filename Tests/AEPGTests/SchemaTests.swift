import AEPG
import Foundation
import PGClient
import TestSupport
import XCTest

/// Installing the schema: `aepg init`, `CREATE EXTENSION aepg`, and a connection that dies.
final class SchemaTests: DatabaseTestCase {
    func testCreateExtensionInstallsTheSameSchema() throws {
        let sharedir = try connection.execute("SELECT setting FROM pg_config WHERE name = 'SHAREDIR'").string(0, 0)!
        let extensionDir = URL(fileURLWithPath: sharedir).appendingPathComponent("extension")
        guard FileManager.default.isWritableFile(atPath: extensionDir.path) else {
            throw XCTSkip("\(extensionDir.path) is not writable; `make install-extension` as root installs the extension files")
        }
        for file in ["aepg.control", "aepg--0.1.0.sql", "aepg--0.1.0--0.2.0.sql"] {
            let target = extensionDir.appendingPathComponent(file)
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(at: TestDatabase.repositoryRoot.appendingPathComponent("sql/\(file)"), to: target)
        }
        let fresh = try PGConnection(try TestDatabase.fresh("aepg_extension"))
        defer { TestDatabase.drop("aepg_extension") }
        // Created at the old version, then updated by aepg itself, as an existing installation would be.
        try fresh.execute("CREATE EXTENSION aepg VERSION '0.1.0'")
        try SchemaInstaller.install(on: fresh)
        XCTAssertEqual(try fresh.execute("SELECT extversion FROM pg_extension WHERE extname = 'aepg'").string(0, 0), "0.2.0")
        XCTAssertEqual(try fresh.execute("SELECT array_length(extconfig, 1) FROM pg_extension WHERE extname = 'aepg'").int(0, 0), 4,
                       "the catalog tables are marked for pg_dump")
        try SchemaInstaller.install(on: fresh)  // aepg init leaves an up-to-date extension alone
        try fresh.execute("CREATE TABLE t AS SELECT i AS id, sin(i) AS a, cos(i) AS b FROM generate_series(1, 50) i")
        let name = try ModelName("ext")
        let summary = try TrainPipeline(model: name, definition: ModelDefinition(name: name, source: "t", keyColumn: "id", options: Self.fast),
                                        logger: quiet).run(on: fresh)
        XCTAssertEqual(summary.rows, 50)
        XCTAssertEqual(try fresh.execute("SELECT count(*) FROM aepg.ext_flags").int(0, 0), 50)
    }

    func testADroppedConnectionGivesAClearErrorAndChangesNothing() throws {
        try train()
        let victim = try PGConnection(conninfo)
        try connection.execute("SELECT pg_terminate_backend($1)", [String(victim.backendPID)])
        XCTAssertThrowsError(try TrainPipeline(model: ModelName("pts"), logger: quiet).run(on: victim)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("terminat") || text.contains("connection"), text)
        }
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.versions"), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_flags"), 400)
    }

    /// A database set up by aepg 0.1 (its script alone) with a trained model is upgraded in
    /// place by the next aepg command: the model keeps its results and gains the new column.
    func testUpgradesA010Schema() throws {
        let old = try PGConnection(try TestDatabase.fresh("aepg_upgrade"))
        defer { TestDatabase.drop("aepg_upgrade") }
        let script = try String(contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("sql/aepg--0.1.0.sql"), encoding: .utf8)
        try old.executeScript(script.split(separator: "\n").filter { !$0.hasPrefix("\\") }.joined(separator: "\n"))
        try old.execute("CREATE TABLE t (id int PRIMARY KEY, a float8)")
        try old.execute("INSERT INTO aepg.models (name, source, key_column) VALUES ('m', 't', 'id')")
        try old.execute("SELECT aepg.prepare_results('m')")
        try old.execute("INSERT INTO aepg.m_results (id, version, latent, score) VALUES (1, 1, '{0}', 0.5)")
        XCTAssertEqual(try old.execute("SELECT value FROM aepg.meta WHERE key = 'schema_version'").string(0, 0), "0.1.0")

        try SchemaInstaller.ensureInstalled(on: old)  // what train, score and worker do first
        XCTAssertEqual(try old.execute("SELECT value FROM aepg.meta WHERE key = 'schema_version'").string(0, 0), "0.2.0")
        XCTAssertEqual(try old.execute("SELECT score FROM aepg.m_results WHERE id = 1").double(0, 0), 0.5)
        XCTAssertEqual(try old.execute("SELECT count(*) FROM pg_attribute WHERE attrelid = 'aepg.m_results'::regclass AND attname = 'confidence'").int(0, 0), 1)
        try SchemaInstaller.install(on: old)  // and again: nothing to do, nothing breaks
    }
}
