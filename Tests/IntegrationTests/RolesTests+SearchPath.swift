import AEPG
import PGClient
import TestSupport
import XCTest

/// A ninth review: on PostgreSQL 14 and older anyone may create in `public`, and a function there
/// with an exact signature is picked over a built-in one that needs a coercion or is polymorphic.
/// aepg's sessions (the command line and the worker) pin their search path (`Session`), so none
/// of these runs, whoever runs aepg.
extension RolesTests {
    func testFunctionsPutInPublicDoNotStandInForBuiltInOnes() throws {
        try connection.execute("CREATE TABLE ran (who name, what text)")
        try connection.execute("GRANT INSERT ON ran TO PUBLIC")
        try connection.execute("GRANT CREATE ON SCHEMA public TO t_viewer")
        try connection.execute("SET ROLE t_viewer")
        // Each records who ran it, then does what the built-in one would.
        for (name, signature, result) in [
            ("pg_try_advisory_lock", "(key integer) RETURNS boolean", "pg_catalog.pg_try_advisory_lock(key::int8)"),
            ("pg_advisory_xact_lock", "(key integer) RETURNS boolean", "pg_catalog.pg_try_advisory_xact_lock(key::int8)"),
            ("make_interval", "(secs integer) RETURNS interval", "pg_catalog.make_interval(secs => secs::float8)"),
            ("cardinality", "(v double precision[]) RETURNS integer", "pg_catalog.cardinality(v)"),
        ] {
            try connection.execute("""
                CREATE FUNCTION public.\(name)\(signature) LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO public.ran VALUES (current_user, '\(name)'); RETURN \(result); END $$
                """)
        }
        try connection.execute("RESET ROLE")
        try connection.execute("ALTER TABLE points ADD COLUMN arr float8[] DEFAULT '{1,2}'")
        // The command line, as the owner: init, train (an array feature's length), score.
        XCTAssertEqual(try CommandLineRunner.run(["init", "--db", conninfo]).status, 0)
        let trained = try CommandLineRunner.run(["train", "--db", conninfo, "--table", "points", "--key", "id", "--name", "arrays",
                                                 "--epochs", "2", "--exclude", "label"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertEqual(try CommandLineRunner.run(["score", "arrays", "--db", conninfo, "--all"]).status, 0)
        // The worker, on an operator's jobs (each finished job runs finish_job's make_interval).
        let operatorRole = try connect(as: "t_operator")
        try operatorRole.execute("SELECT aepg.create_model('ops', 'points', 'id', options => '{\"epochs\": 2}')")
        try operatorRole.execute("SELECT aepg.enqueue('train', 'ops')")
        try connection.execute("GRANT SELECT ON points TO t_worker")
        XCTAssertEqual(try Worker(conninfo: conninfo + " user=t_worker", pollSeconds: 0.2, exitWhenIdle: true, logger: quiet).run(until: StopFlag()), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.jobs WHERE status = 'done'"), 1)
        XCTAssertEqual(try connection.execute("SELECT string_agg(DISTINCT who || ' ran ' || what, ', ') FROM ran").string(0, 0), nil)
    }

    /// A column of an enum type on the user's path (not a feature), and an index whose predicate
    /// names one of its values, stop neither the worker nor scoring in a session whose path is
    /// pinned (the enum prints as public.mood there, and runs no one's code).
    func testAnEnumColumnAndAnIndexOnItStopNobody() throws {
        try connection.execute("CREATE TYPE public.mood AS ENUM ('ok', 'bad')")
        try connection.execute("ALTER TYPE public.mood OWNER TO t_viewer")
        try connection.execute("REVOKE USAGE ON TYPE public.mood FROM PUBLIC")  // the worker reads no column of it
        try connection.execute("ALTER TABLE points ADD COLUMN m public.mood DEFAULT 'ok'")
        try connection.execute("CREATE INDEX calm ON points (id) WHERE m = 'ok'")
        try connection.execute("GRANT SELECT ON points TO t_worker")
        XCTAssertEqual(try TrainPipeline(model: ModelName("pts"), logger: quiet).run(on: connect(as: "t_worker")).version, 2)
        for command in [["score", "pts", "--all"], ["evaluate", "pts"]] {
            let outcome = try CommandLineRunner.run(command + ["--db", conninfo])
            XCTAssertEqual(outcome.status, 0, "\(command): \(outcome.stderr)")
        }
    }
}

/// A twelfth review: renaming a schema locks none of its tables, so its owner could swap a view
/// of theirs in under a source's name after aepg checked it. Reads go through a temporary view
/// bound to the checked relation, and a new definition is saved by that relation, not its name.
extension RolesTests {
    func testADefinitionIsSavedByTheRelationAepgRead() throws {
        try connection.execute("CREATE SCHEMA s")
        try connection.execute("CREATE TABLE s.t AS SELECT * FROM points")
        let read = try count("SELECT 's.t'::regclass::oid::int8")
        try connection.execute("ALTER SCHEMA s RENAME TO s_before")
        try connection.execute("CREATE SCHEMA s")
        try connection.execute("CREATE VIEW s.t AS SELECT * FROM points")
        var definition = ModelDefinition(name: try ModelName("bound"), source: "s.t", keyColumn: "id", options: Self.fast)
        definition.sourceOID = UInt32(read)
        try Catalog(connection: connection).save(definition)
        XCTAssertEqual(try count("SELECT source::oid::int8 FROM aepg.models WHERE name = 'bound'"), read)
    }

    func testReadsGoThroughAViewBoundToTheCheckedRelation() throws {
        let source = try SourceTable.resolve("public.points", on: connection)
        let (rows, reads) = try source.reading(on: connection, for: .thisRole) {
            (try connection.execute("SELECT count(*) FROM \(source.readName)").int(0, 0), try connection.execute("""
                SELECT array_agg(DISTINCT d.refobjid::regclass::text) FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
                 WHERE r.ev_class = '\(source.readName)'::regclass AND d.refobjid <> r.ev_class AND d.refclassid = 'pg_class'::regclass
                """).string(0, 0))
        }
        XCTAssertEqual(rows, 400)
        XCTAssertEqual(reads, "{public.points}")
        // Gone once read: it would hold up changes to the source's columns.
        XCTAssertEqual(try count("SELECT count(*) FROM pg_class WHERE relname = 'aepg_source_\(source.oid)'"), 0)
    }
}
