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

    /// Training on `theirs` as `role` (nil: the superuser who owns aepg) fails, naming the object.
    private func assertTrainingRefused(as role: String?, naming object: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let trainer = try role.map(connect(as:)) ?? connection!
        let name = try ModelName("theirs_model")
        let definition = ModelDefinition(name: name, source: "theirs", keyColumn: "id", options: Self.fast)
        assertFails(.unsupportedType, containing: object, file: file, line: line) {
            try TrainPipeline(model: name, definition: definition, logger: quiet).run(on: trainer)
        }
    }

    func testNoSourceIsReadWhoseIndexesOrStatisticsRunAnotherRolesCode() throws {
        try makeTheirTable()
        try connection.execute("CREATE INDEX planted ON theirs (id) WHERE public.noted(1)")
        try assertTrainingRefused(as: "t_worker", naming: "index planted uses function noted(integer) (owned by t_viewer)")
        try assertTrainingRefused(as: nil, naming: "index planted")
        try connection.execute("DROP INDEX planted")
        try connection.execute("CREATE STATISTICS planted ON (a * (public.noted(1))::int), b FROM theirs")
        try assertTrainingRefused(as: "t_worker", naming: "statistics object planted uses function noted(integer)")
        XCTAssertEqual(try count("SELECT count(*) FROM ran WHERE who <> 't_viewer'"), 0, "only its owner ran it (building the index)")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models WHERE name = 'theirs_model'"), 0)
        // Indexes and statistics over built-in functions run no one's code: the source is read.
        try connection.execute("DROP STATISTICS planted")
        try connection.execute("CREATE INDEX sums ON theirs ((a + b)) WHERE a > 0")
        try connection.execute("CREATE STATISTICS sums ON (a + b), c FROM theirs")
        let name = try ModelName("theirs_model")
        let definition = ModelDefinition(name: name, source: "theirs", keyColumn: "id", options: Self.fast)
        XCTAssertGreaterThan(try TrainPipeline(model: name, definition: definition, logger: quiet).run(on: connect(as: "t_worker")).rows, 0)
    }

    /// The same code on a table that inherits into the source, or that a view of the worker's reads.
    func testNoSourceIsReadWhoseChildrenOrUnderlyingTablesRunAnotherRolesCode() throws {
        try makeTheirTable()
        try connection.execute("CREATE TABLE their_child () INHERITS (theirs)")
        try connection.execute("ALTER TABLE their_child OWNER TO t_viewer")
        try connection.execute("CREATE INDEX planted ON their_child (id) WHERE public.noted(1)")
        try assertTrainingRefused(as: "t_worker", naming: "index planted uses function noted(integer)")
        // A view the worker owns over their table plans the table's indexes too.
        try connection.execute("GRANT CREATE ON SCHEMA public TO t_worker")
        let worker = try connect(as: "t_worker")
        try worker.execute("CREATE VIEW my_view AS SELECT * FROM theirs")
        let name = try ModelName("viewed_model")
        let definition = ModelDefinition(name: name, source: "my_view", keyColumn: "id", options: Self.fast)
        assertFails(.unsupportedType, containing: "index planted uses function noted(integer)") {
            try TrainPipeline(model: name, definition: definition, logger: quiet).run(on: worker)
        }
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
