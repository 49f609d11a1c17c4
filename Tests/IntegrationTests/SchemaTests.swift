import AEPG
import Foundation
import PGClient
import TestSupport
import XCTest

/// Installing the schema: `aepg init`, `CREATE EXTENSION aepg`, and a connection that dies.
final class SchemaTests: DatabaseTestCase {
    /// The extension files in the server's extension folder (as `make install-extension` puts
    /// them), with the released 0.2.0 install script beside them: written here when the folder is
    /// writable (root), else put there by `make test` with sudo and checked here to be current.
    private func installExtensionFiles() throws {
        let sharedir = try connection.execute("SELECT setting FROM pg_config WHERE name = 'SHAREDIR'").string(0, 0)!
        let extensionDir = URL(fileURLWithPath: sharedir).appendingPathComponent("extension")
        var files = try ExtensionFiles.all()
        files["aepg--0.2.0.sql"] = try Self.fixture("schema-0.2.0.sql")
        if FileManager.default.isWritableFile(atPath: extensionDir.path) {
            for (name, text) in files {
                try text.write(to: extensionDir.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            return
        }
        let stale = files.filter { (try? String(contentsOf: extensionDir.appendingPathComponent($0.key), encoding: .utf8)) != $0.value }
        guard !stale.isEmpty else { return }
        let message = "\(extensionDir.path) is not writable and lacks current \(stale.keys.sorted().joined(separator: ", ")); "
            + "make test installs them with sudo"
        if ProcessInfo.processInfo.environment["AEPG_REQUIRE_DB"] != nil { XCTFail(message); throw CancellationError() }
        throw XCTSkip(message)
    }

    /// CREATE EXTENSION from the files `aepg extension` writes gives the catalog `aepg init` gives;
    /// an extension created at the released 0.2.0 is updated by aepg itself to the same catalog.
    func testCreateExtensionInstallsTheSameSchema() throws {
        try installExtensionFiles()
        let expected = try Self.catalogSummary(connection)

        let fresh = try PGConnection(try TestDatabase.fresh("aepg_extension"))
        defer { TestDatabase.drop("aepg_extension") }
        try fresh.execute("CREATE EXTENSION aepg")
        XCTAssertEqual(try Self.catalogSummary(fresh), expected, "CREATE EXTENSION and aepg init give the same catalog")
        XCTAssertEqual(try fresh.execute("SELECT count(*) FROM aepg.option_keys").int(0, 0), TrainOptionCatalog.all.count)

        let updated = try PGConnection(try TestDatabase.fresh("aepg_extension_update"))
        defer { TestDatabase.drop("aepg_extension_update") }
        try updated.execute("CREATE EXTENSION aepg VERSION '0.2.0'")
        try SchemaInstaller.install(on: updated)
        XCTAssertEqual(try updated.execute("SELECT extversion FROM pg_extension WHERE extname = 'aepg'").string(0, 0), SchemaInstaller.version)
        XCTAssertEqual(try Self.catalogSummary(updated), expected, "an updated extension has the catalog of a new one")
        XCTAssertEqual(try updated.execute("SELECT array_length(extconfig, 1) FROM pg_extension WHERE extname = 'aepg'").int(0, 0), 9,
                       "the catalog tables, jobs, realtime notes and sequences are marked for pg_dump")
        try updated.execute("CREATE TABLE t AS SELECT i AS id, sin(i) AS a, cos(i) AS b FROM generate_series(1, 50) i")
        let name = try ModelName("ext")
        let summary = try TrainPipeline(model: name, definition: ModelDefinition(name: name, source: "t", keyColumn: "id", options: Self.fast),
                                        logger: quiet).run(on: updated)
        XCTAssertEqual(summary.rows, 50)
        XCTAssertEqual(try updated.execute("SELECT count(*) FROM aepg.ext_flags").int(0, 0), 50)
    }

    /// pg_dump and pg_restore of a database with the extension keep the job queue and the
    /// sequences where they were (issue 11, defect 10).
    func testDumpAndRestoreKeepJobsAndSequences() throws {
        try installExtensionFiles()
        let original = try TestDatabase.fresh("aepg_dumped")
        defer { TestDatabase.drop("aepg_dumped"); TestDatabase.drop("aepg_restored") }
        let db = try PGConnection(original)
        try db.execute("CREATE EXTENSION aepg")
        try db.execute("CREATE TABLE t (id int PRIMARY KEY, a float8)")
        try db.execute("SELECT aepg.create_model('m', 't', 'id')")
        try db.execute("SELECT aepg.enqueue('train', 'm')")
        try db.execute("SELECT aepg.enqueue('score', 'm')")
        try db.execute("""
            INSERT INTO aepg.versions (model, version, options, features, preprocessing, threshold, threshold_rule,
                                       loss_history, training_rows, scored_rows, seconds)
            VALUES ('m', 1, '{}', '{a}', '{}', 1, 'sigma:3', '[]', 1, 1, 1)
            """)
        for _ in 0..<3 { try db.execute("INSERT INTO aepg.evaluations (model, version, label, metrics) VALUES ('m', 1, 'l', '{}')") }
        let dump = FileManager.default.temporaryDirectory.appendingPathComponent("aepg-\(UUID().uuidString).dump")
        defer { try? FileManager.default.removeItem(at: dump) }
        let dumped = try PostgresTool.run("pg_dump", ["-Fc", "-f", dump.path, "-d", original])
        XCTAssertEqual(dumped.status, 0, dumped.output)
        let restored = try TestDatabase.fresh("aepg_restored")
        let restoring = try PostgresTool.run("pg_restore", ["-d", restored, dump.path])
        XCTAssertEqual(restoring.status, 0, restoring.output)
        let back = try PGConnection(restored)
        XCTAssertEqual(try back.execute("SELECT count(*) FROM aepg.jobs").int(0, 0), 2)
        XCTAssertEqual(try back.execute("SELECT count(*) FROM aepg.option_keys").int(0, 0), TrainOptionCatalog.all.count)
        try back.execute("INSERT INTO aepg.evaluations (model, version, label, metrics) VALUES ('m', 1, 'l', '{}')")
        XCTAssertEqual(try back.execute("SELECT max(id) FROM aepg.evaluations").int(0, 0), 4, "the sequence went on from 3")
        XCTAssertGreaterThan(try back.execute("SELECT aepg.enqueue('train', 'm')").int(0, 0) ?? 0, 2)
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

    /// A database set up by each released aepg (its install script alone) with a model is upgraded
    /// in place by the next aepg command: `pg_dump --schema-only` of the catalog then equals a
    /// new install's, and the model keeps its results.
    func testUpgradesEveryReleasedSchemaToTheCurrentCatalog() throws {
        let expected = try Self.catalogDump(conninfo)
        for old in ["0.1.0", "0.2.0", "0.3.0"] {
            let database = "aepg_upgrade_" + old.replacingOccurrences(of: ".", with: "_")
            let oldConninfo = try TestDatabase.fresh(database)
            defer { TestDatabase.drop(database) }
            let db = try PGConnection(oldConninfo)
            try db.executeScript(try Self.fixture("schema-\(old).sql"))
            XCTAssertEqual(try db.execute("SELECT value FROM aepg.meta WHERE key = 'schema_version'").string(0, 0), old)
            try SchemaInstaller.ensureInstalled(on: db)  // what train, score and worker do first
            XCTAssertEqual(try db.execute("SELECT value FROM aepg.meta WHERE key = 'schema_version'").string(0, 0), SchemaInstaller.version)
            let dump = try Self.catalogDump(oldConninfo)
            XCTAssertEqual(dump, expected, "schema \(old) upgraded differs from a new install:\n" + Self.difference(dump, expected))

            try db.execute("CREATE TABLE t (id int PRIMARY KEY, a float8)")
            try db.execute("INSERT INTO aepg.models (name, source, key_column) VALUES ('m', 't', 'id')")
            try db.execute("SELECT aepg.new_results('m', 1)")
            try db.execute("INSERT INTO aepg.m_results_1 (id, version, latent, score, confidence) VALUES (1, 1, '{0}', 0.5, 0.9)")
            try db.execute("SELECT aepg.attach_results('m', 1)")
            let withModel = try Self.catalogDump(oldConninfo)
            try SchemaInstaller.install(on: db)  // and again: nothing to do, nothing lost
            XCTAssertEqual(try db.execute("SELECT score FROM aepg.m_results WHERE id = 1").double(0, 0), 0.5)
            XCTAssertEqual(try Self.catalogDump(oldConninfo), withModel, "a second install changes nothing")
        }
    }

    /// A results table made before 0.8.0 (one plain table for every version) becomes the first
    /// partition of a partitioned one when the schema is upgraded: its rows stay, the model's views
    /// move to the new table and a view a user built on them keeps working; it goes once no
    /// version it holds is kept.
    func testAResultsTableFromBeforePartitioningBecomesItsFirstPartition() throws {
        try train()
        try train()
        // The layout 0.7.3 made: one indexed table, the views over it.
        try connection.execute("CREATE TABLE aepg.plain AS SELECT * FROM aepg.pts_results")
        try connection.execute("ALTER TABLE aepg.plain ADD PRIMARY KEY (version, id)")
        try connection.execute("DROP TABLE aepg.pts_results CASCADE")
        try connection.execute("ALTER TABLE aepg.plain RENAME TO pts_results")
        try connection.execute("SELECT aepg.refresh_views('pts')")
        try connection.execute("CREATE VIEW public.pts_report AS SELECT id, flagged FROM aepg.pts_flags")
        defer { _ = try? connection.execute("DROP VIEW IF EXISTS public.pts_report") }
        let flagged = try count("SELECT count(*) FROM public.pts_report WHERE flagged")

        try SchemaInstaller.install(on: connection)
        XCTAssertEqual(try connection.execute("SELECT relkind::text FROM pg_class WHERE oid = 'aepg.pts_results'::regclass").string(0, 0), "p")
        XCTAssertEqual(try partitions(), ["aepg.pts_results_legacy {1,2}"])
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_results"), 800, "both versions' rows stay")
        XCTAssertEqual(try count("SELECT count(*) FROM public.pts_report WHERE flagged"), flagged, "the user's view reads the new table")

        _ = try TrainPipeline(model: ModelName("pts"), logger: quiet).run(on: connection)
        XCTAssertEqual(try partitions(), ["aepg.pts_results_3 {3}", "aepg.pts_results_legacy {1,2}"], "it holds the previous version")
        _ = try TrainPipeline(model: ModelName("pts"), logger: quiet).run(on: connection)
        XCTAssertEqual(try partitions(), ["aepg.pts_results_3 {3}", "aepg.pts_results_4 {4}"])
        XCTAssertEqual(try count("SELECT count(*) FROM public.pts_report"), 400)
    }

    private func partitions() throws -> [String] {
        let result = try connection.execute(
            "SELECT part::text || ' ' || versions::text FROM aepg.results_partitions('aepg.pts_results') ORDER BY 1")
        return (0..<result.rowCount).compactMap { result.string($0, 0) }
    }

    /// A released schema's install script, kept in Tests/Fixtures.
    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("Tests/Fixtures/\(name)"), encoding: .utf8)
    }

    /// `pg_dump --schema-only` of schema aepg, without the catalog rows and the dump's own header.
    static func catalogDump(_ conninfo: String) throws -> String {
        let dump = try PostgresTool.run("pg_dump", ["--schema-only", "--schema=aepg", "--no-owner", "--no-privileges", "-d", conninfo])
        XCTAssertEqual(dump.status, 0, dump.output)
        return dump.output.split(separator: "\n")
            .filter { !$0.hasPrefix("--") && !$0.hasPrefix("\\") }.joined(separator: "\n")
    }

    /// Every object of schema aepg with its definition, for installs pg_dump cannot show (an
    /// extension's objects are dumped as CREATE EXTENSION).
    static func catalogSummary(_ db: PGConnection) throws -> String {
        try db.execute("""
            SELECT string_agg(item, E'\\n' ORDER BY item) FROM (
                SELECT 'function ' || p.oid::regprocedure || ': ' || pg_get_functiondef(p.oid) AS item
                  FROM pg_proc p WHERE p.pronamespace = 'aepg'::regnamespace
                UNION ALL
                SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
                       || coalesce(' -- ' || col_description(c.oid, a.attnum), '')
                  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
                 WHERE c.relnamespace = 'aepg'::regnamespace
                UNION ALL
                SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
                  FROM pg_constraint WHERE connamespace = 'aepg'::regnamespace
                UNION ALL
                SELECT 'index ' || pg_get_indexdef(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                 WHERE c.relnamespace = 'aepg'::regnamespace
                UNION ALL
                SELECT 'view ' || c.relname || ': ' || pg_get_viewdef(c.oid) FROM pg_class c
                 WHERE c.relnamespace = 'aepg'::regnamespace AND c.relkind = 'v'
                UNION ALL
                SELECT 'comment ' || c.relname || ': ' || obj_description(c.oid, 'pg_class') FROM pg_class c
                 WHERE c.relnamespace = 'aepg'::regnamespace AND obj_description(c.oid, 'pg_class') IS NOT NULL
            ) s
            """).string(0, 0) ?? ""
    }

    /// The lines of `a` not in `b` and of `b` not in `a`, for a readable failure.
    static func difference(_ a: String, _ b: String) -> String {
        let left = Set(a.split(separator: "\n")), right = Set(b.split(separator: "\n"))
        return (left.subtracting(right).map { "- \($0)" } + right.subtracting(left).map { "+ \($0)" }).sorted().joined(separator: "\n")
    }
}
