import AEPG
import PGClient
import TestSupport
import XCTest

/// A sixth review: planning a read of a table runs the functions of its indexes' expressions and
/// predicates and of its extended statistics (an IMMUTABLE function with constant arguments is
/// called there and then), as whoever plans. A table's owner could act as the worker, or as a
/// superuser training on it. aepg refuses such a source, whoever runs it.
extension RolesTests {
    /// `t_viewer`'s table `theirs` (a copy of points the worker may read) and her IMMUTABLE
    /// function `public.noted(int)`, which records who ran it in `ran`.
    private func makeTheirTable() throws {
        try connection.execute("CREATE TABLE ran (who name)")
        try connection.execute("GRANT INSERT ON ran TO PUBLIC")
        try connection.execute("CREATE FUNCTION public.record_run() RETURNS void LANGUAGE sql AS $$ INSERT INTO public.ran VALUES (current_user) $$")
        // Declared IMMUTABLE, as index predicates require; it calls a volatile function all the same.
        try connection.execute("""
            CREATE FUNCTION public.noted(int) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
            BEGIN PERFORM public.record_run(); RETURN true; END $$
            """)
        try connection.execute("ALTER FUNCTION public.noted(int) OWNER TO t_viewer")
        try connection.execute("ALTER FUNCTION public.record_run() OWNER TO t_viewer")
        try connection.execute("CREATE TABLE theirs AS SELECT * FROM points")
        try connection.execute("ALTER TABLE theirs ADD PRIMARY KEY (id)")
        try connection.execute("ALTER TABLE theirs OWNER TO t_viewer")
        try connection.execute("GRANT SELECT ON theirs TO t_worker")
    }

    /// Training on `source` as `role` (nil: the superuser who owns aepg) fails, naming the object.
    func assertTrainingRefused(on source: String = "public.theirs", as role: String?, naming object: String, features: [String]? = nil,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let trainer = try role.map(connect(as:)) ?? connection!
        let name = try ModelName("refused_model")
        let definition = ModelDefinition(name: name, source: source, keyColumn: "id", features: features, options: Self.fast)
        assertFails(.unsupportedType, containing: object, file: file, line: line) {
            try TrainPipeline(model: name, definition: definition, logger: quiet).run(on: trainer)
        }
    }

    /// Trains `model` on `source` as the worker and expects rows read: what the check lets through.
    func assertWorkerTrains(_ model: String, on source: String, features: [String]? = nil,
                            file: StaticString = #filePath, line: UInt = #line) throws {
        let name = try ModelName(model)
        let definition = ModelDefinition(name: name, source: source, keyColumn: "id", features: features, options: Self.fast)
        let summary = try TrainPipeline(model: name, definition: definition, logger: quiet).run(on: connect(as: "t_worker"))
        XCTAssertGreaterThan(summary.rows, 0, file: file, line: line)
    }

    func testNoSourceIsReadWhoseIndexesOrStatisticsRunAnotherRolesCode() throws {
        try makeTheirTable()
        try connection.execute("CREATE INDEX planted ON theirs (id) WHERE public.noted(1)")
        try assertTrainingRefused(as: "t_worker", naming: "index public.planted uses function public.noted(integer) (owned by t_viewer)")
        try connection.execute("DROP INDEX planted")
        try connection.execute("CREATE STATISTICS planted ON (a * (public.noted(1))::int), b FROM theirs")
        try assertTrainingRefused(as: "t_worker", naming: "statistics object public.planted uses function public.noted(integer)")
        XCTAssertEqual(try count("SELECT count(*) FROM ran WHERE who <> 't_viewer'"), 0, "only its owner ran it (building the index)")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models WHERE name = 'refused_model'"), 0)
        // Indexes and statistics over built-in functions, or a superuser's, run no one's code
        // the reader need fear: the source is read.
        try connection.execute("DROP STATISTICS planted")
        try connection.execute("CREATE FUNCTION public.twice(float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$ SELECT 2 * $1 $$")
        try connection.execute("CREATE INDEX doubled ON theirs (public.twice(a))")
        try connection.execute("CREATE INDEX sums ON theirs ((a + b)) WHERE a > 0")
        try connection.execute("CREATE STATISTICS sums ON (a + b), c FROM theirs")
        try assertWorkerTrains("theirs_model", on: "theirs")
    }

    /// The same code on a table that inherits into the source, or that a view of the worker's reads.
    func testNoSourceIsReadWhoseChildrenOrUnderlyingTablesRunAnotherRolesCode() throws {
        try makeTheirTable()
        try connection.execute("CREATE TABLE their_child () INHERITS (theirs)")
        try connection.execute("ALTER TABLE their_child OWNER TO t_viewer")
        try connection.execute("CREATE INDEX planted ON their_child (id) WHERE public.noted(1)")
        try assertTrainingRefused(as: "t_worker", naming: "index public.planted uses function public.noted(integer)")
        // A view the worker owns over their table plans the table's indexes too.
        try connection.execute("GRANT CREATE ON SCHEMA public TO t_worker")
        let worker = try connect(as: "t_worker")
        try worker.execute("CREATE VIEW my_view AS SELECT * FROM theirs")
        let name = try ModelName("viewed_model")
        let definition = ModelDefinition(name: name, source: "my_view", keyColumn: "id", options: Self.fast)
        assertFails(.unsupportedType, containing: "index public.planted uses function public.noted(integer)") {
            try TrainPipeline(model: name, definition: definition, logger: quiet).run(on: worker)
        }
        XCTAssertEqual(try count("SELECT count(*) FROM ran WHERE who <> 't_viewer'"), 0, "only its owner ran it (building the index)")
    }
}

/// A seventh review, of the check above: code reached through a type (a range type's
/// `subtype_diff`, which estimating a partial index's predicate calls), code a role added to an
/// extension it owns, and code that hides the catalog from the check made after the read.
extension RolesTests {
    func testNoSourceIsReadWhoseIndexesRunAnotherRolesCodeThroughATypeOrAnExtension() throws {
        try makeTheirTable()
        try connection.execute("""
            CREATE FUNCTION public.diff(float8, float8) RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS $$
            BEGIN PERFORM public.record_run(); RETURN $1 - $2; END $$
            """)
        try connection.execute("CREATE TYPE public.frange AS RANGE (subtype = float8, subtype_diff = public.diff)")
        try connection.execute("ALTER FUNCTION public.diff(float8, float8) OWNER TO t_viewer")
        try connection.execute("ALTER TYPE public.frange OWNER TO t_viewer")
        try connection.execute("ALTER TABLE theirs ADD COLUMN arr float8[] DEFAULT '{1,2}', ADD COLUMN span public.frange DEFAULT '[0,1)'")
        try connection.execute("ANALYZE theirs")
        // An array feature's length is read with cardinality(arr) > 0, which makes this index usable.
        try connection.execute("CREATE INDEX planted ON theirs (id) WHERE cardinality(arr) > 0 OR span && '[1,2)'::public.frange")
        try assertTrainingRefused(as: "t_worker", naming: "index public.planted uses type public.frange (owned by t_viewer)", features: ["a", "b", "arr"])
        try connection.execute("DROP INDEX planted")
        // A function its owner added to an extension of hers is still hers (seg: a trusted
        // extension among PostgreSQL's own, which Debian's postgresql package ships).
        try connection.execute("GRANT CREATE ON DATABASE \(databaseName) TO t_viewer")
        try connection.execute("GRANT CREATE ON SCHEMA public TO t_viewer")
        try connection.execute("SET ROLE t_viewer")
        try connection.execute("CREATE EXTENSION seg")
        try connection.execute("ALTER EXTENSION seg ADD FUNCTION public.noted(int)")
        try connection.execute("RESET ROLE")
        try connection.execute("CREATE INDEX planted ON theirs (id) WHERE public.noted(1)")
        try assertTrainingRefused(as: "t_worker", naming: "index public.planted uses function public.noted(integer) (owned by t_viewer)")
        XCTAssertEqual(try count("SELECT count(*) FROM ran WHERE who <> 't_viewer'"), 0, "only its owner ran it (building the index)")
    }

    /// The check reads the catalog itself, whatever the session's search path says: code that
    /// ran during a read cannot put empty views in front of it.
    func testTheCheckSeesThroughASearchPathThatHidesTheCatalog() throws {
        try makeTheirTable()
        try connection.execute("CREATE INDEX planted ON theirs (id) WHERE public.noted(1)")
        try connection.execute("CREATE SCHEMA blind")
        for catalog in ["pg_depend", "pg_index", "pg_inherits", "pg_statistic_ext", "pg_constraint"] {
            try connection.execute("CREATE VIEW blind.\(catalog) AS SELECT * FROM pg_catalog.\(catalog) WHERE false")
        }
        try connection.execute("GRANT USAGE ON SCHEMA blind TO PUBLIC")
        try connection.execute("GRANT SELECT ON ALL TABLES IN SCHEMA blind TO PUBLIC")
        try connection.execute("ALTER ROLE t_worker SET search_path = blind, pg_catalog, public")
        try assertTrainingRefused(as: "t_worker", naming: "index public.planted uses function public.noted(integer)")
        try connection.execute("ALTER ROLE t_worker RESET search_path")
    }
}

/// An eighth review: a function put on the search path by another role stood in for a built-in
/// one in aepg's queries on a source (on PostgreSQL 14 and older anyone may create in `public`),
/// and the check refused a materialized view, whose tables are not planned when it is read.
extension RolesTests {
    func testNoFunctionOnTheSearchPathStandsInForABuiltInOne() throws {
        try makeTheirTable()
        try connection.execute("ALTER TABLE theirs ADD COLUMN arr float8[] DEFAULT '{1,2}'")
        try connection.execute("GRANT CREATE ON SCHEMA public TO t_viewer")
        try connection.execute("SET ROLE t_viewer")
        // An exact match for cardinality(float8[]), which aepg's query for an array's length calls.
        try connection.execute("""
            CREATE FUNCTION public.cardinality(double precision[]) RETURNS int LANGUAGE plpgsql AS $$
            BEGIN PERFORM public.record_run(); RETURN pg_catalog.cardinality($1); END $$
            """)
        try connection.execute("RESET ROLE")
        try assertWorkerTrains("theirs_model", on: "public.theirs", features: ["a", "b", "arr"])
        XCTAssertEqual(try count("SELECT count(*) FROM ran"), 0, "their cardinality never ran")
    }

    func testAMaterializedViewIsReadWhateverItsTablesIndexesUse() throws {
        try makeTheirTable()
        try connection.execute("CREATE MATERIALIZED VIEW snapshot AS SELECT id, a, b FROM theirs")
        try connection.execute("CREATE INDEX planted ON theirs (id) WHERE public.noted(1)")
        try connection.execute("GRANT SELECT ON snapshot TO t_worker")
        try assertWorkerTrains("snapshot_model", on: "public.snapshot")
        XCTAssertEqual(try count("SELECT count(*) FROM ran WHERE who <> 't_viewer'"), 0, "only its owner ran it (building the index)")
    }
}

/// The same review: a rule on a view over a model's views is not part of that view. Dropping the
/// model would have dropped the rule (and the guard it was) with the model's views.
extension RolesTests {
    func testARuleOnAViewOverAModelKeepsTheModel() throws {
        try connection.execute("CREATE TABLE orders (id bigint, amount float8)")
        try connection.execute("CREATE VIEW orders_in AS SELECT * FROM orders")
        try connection.execute("""
            CREATE RULE guard AS ON INSERT TO orders_in DO INSTEAD
                INSERT INTO orders SELECT NEW.id, NEW.amount
                 WHERE NOT EXISTS (SELECT FROM aepg.pts_flags f WHERE f.flagged AND f.id = NEW.id)
            """)
        assertRefused(connection, "SELECT aepg.drop_model('pts')", containing: "rule guard on view public.orders_in")
        XCTAssertEqual(try count("SELECT count(*) FROM pg_rules WHERE rulename = 'guard'"), 1)
        try connection.execute("DROP RULE guard ON orders_in")
        try connection.execute("SELECT aepg.drop_model('pts')")
    }
}

/// The stall the eighth review found (planning held up by a lock on an index while a statistics
/// object is added) cannot be ruled out for a role that may only read the source, and a lock that
/// would rule it out stops writers. A superuser, whom it would give everything, reads only
/// relations superusers own.
extension RolesTests {
    func testASuperuserReadsOnlyWhatSuperusersOwn() throws {
        try makeTheirTable()
        try assertTrainingRefused(as: nil, naming: "table public.theirs is owned by t_viewer, who is not a superuser")
        // Nor through a view of its own over their materialized view.
        try connection.execute("CREATE MATERIALIZED VIEW their_snapshot AS SELECT id, a, b FROM theirs")
        try connection.execute("ALTER MATERIALIZED VIEW their_snapshot OWNER TO t_viewer")
        try connection.execute("CREATE VIEW my_view AS SELECT * FROM their_snapshot")
        try assertTrainingRefused(on: "public.my_view", as: nil, naming: "materialized view public.their_snapshot is owned by t_viewer")
        // The worker reads them; the superuser reads its own.
        try connection.execute("GRANT SELECT ON their_snapshot TO t_worker")
        try assertWorkerTrains("snapshot_model", on: "public.their_snapshot")
        XCTAssertGreaterThan(try train().rows, 0)
    }
}
