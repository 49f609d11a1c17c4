import AEPG
import PGClient
import TestSupport
import XCTest

/// Whose `aepg` schema aepg installs into and uses. The owner of the schema may replace any
/// function in it, and aepg's SECURITY DEFINER functions call them by name: a role that made the
/// schema before `aepg init` (any role that may create schemas in the database) would become
/// whoever runs aepg next, a superuser included.
final class SchemaOwnerTests: XCTestCase {
    let databaseName = "aepg_schemaownertests"
    /// Made for each test, dropped after its database (which holds their grants).
    static let roles = ["t_mallory", "t_admin", "t_other", "t_group"]
    var conninfo: String!
    var connection: PGConnection!

    override func setUpWithError() throws {
        conninfo = try TestDatabase.fresh(databaseName)
        connection = try PGConnection(conninfo)
        for role in Self.roles {
            try connection.execute("DROP ROLE IF EXISTS \(role)")
            try connection.execute("CREATE ROLE \(role) LOGIN")
        }
    }

    override func tearDown() {
        connection = nil
        TestDatabase.drop(databaseName)
        if let server = try? PGConnection(try TestDatabase.serverConninfo()) {
            for role in Self.roles { _ = try? server.execute("DROP ROLE IF EXISTS \(role)") }
        }
    }

    func connect(as role: String) throws -> PGConnection {
        try PGConnection(conninfo + " user=\(role)")
    }

    /// Lets `roles` create schemas in the test's database.
    func grantCreate(to roles: String...) throws {
        try connection.execute("GRANT CREATE ON DATABASE \(databaseName) TO \(roles.joined(separator: ", "))")
    }

    /// As t_mallory: schema `mal` with `mal.pwn()`, which counts its calls on `mal.calls` (a
    /// sequence: a rolled-back transaction does not undo it) and returns `returning`.
    func plantCallCounter(returning type: String) throws {
        try connect(as: "t_mallory").executeScript("""
            CREATE SCHEMA mal;
            CREATE SEQUENCE mal.calls;
            GRANT USAGE ON SCHEMA mal TO PUBLIC;
            GRANT USAGE, UPDATE ON SEQUENCE mal.calls TO PUBLIC;
            CREATE FUNCTION mal.pwn() RETURNS \(type) LANGUAGE sql AS $$ SELECT (nextval('mal.calls') > 0)::\(type) $$;
            GRANT EXECUTE ON FUNCTION mal.pwn() TO PUBLIC;
            """)
    }

    /// Whether `mal.pwn()` ever ran.
    var plantedCodeRan: Bool {
        get throws { try connection.execute("SELECT is_called FROM mal.calls").bool(0, 0) ?? true }
    }

    /// `body` throws an error whose text contains `fragment`.
    func assertRefused(_ fragment: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(fragment), "\(error)", file: file, line: line)
        }
    }

    /// The attack of the third review: a role creates schema aepg, a superuser installs aepg in
    /// it, the role swaps `aepg.object_name` for its own, and the next training runs that as the
    /// superuser. Now the install is refused and nothing is created in the schema.
    func testNoRoleInstallsIntoASchemaAnotherRoleMade() throws {
        try connection.execute("CREATE SCHEMA aepg AUTHORIZATION t_mallory")
        assertRefused("the schema (t_mallory)") { try SchemaInstaller.install(on: self.connection) }
        try grantCreate(to: "t_other")
        // (A role without USAGE on the schema is stopped before the script runs.)
        assertRefused("schema aepg") { try SchemaInstaller.install(on: try self.connect(as: "t_other")) }
        XCTAssertEqual(try connection.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'aepg'::regnamespace").int(0, 0), 0)
        // A superuser's session refuses it before any command runs.
        assertRefused("the schema (t_mallory)") { _ = try Session.connect(self.conninfo) }
        // Its owner may install into it: that role only runs its own code.
        try grantCreate(to: "t_mallory")
        try SchemaInstaller.install(on: try connect(as: "t_mallory"))
    }

    /// A schema of the installing role's, but with a function someone else put in it (with a
    /// CREATE grant on the schema), is refused too, naming the function.
    func testAnInstallRefusesAnotherRolesObjectInTheSchema() throws {
        try connection.execute("CREATE SCHEMA aepg")
        try connection.execute("GRANT CREATE, USAGE ON SCHEMA aepg TO t_mallory")
        try connect(as: "t_mallory").execute("""
            CREATE FUNCTION aepg.object_name(p_model text, p_suffix text) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$
            """)
        assertRefused("aepg.object_name(text,text) (t_mallory)") { try SchemaInstaller.install(on: self.connection) }
        try connection.execute("DROP FUNCTION aepg.object_name(text, text)")
        assertRefused("a grant to create in it (t_mallory)") { try SchemaInstaller.install(on: self.connection) }
        try connection.execute("REVOKE CREATE ON SCHEMA aepg FROM t_mallory")
        try SchemaInstaller.install(on: connection)
    }

    /// The check comes before anything in the schema is read: a policy on a planted `aepg.meta`
    /// (which the installer reads to learn the installed version) never runs. Its function
    /// counts its calls on a sequence, which a rolled-back transaction does not undo.
    func testAnInstallReadsNothingInASchemaAnotherRoleMade() throws {
        try grantCreate(to: "t_mallory")
        try plantCallCounter(returning: "boolean")
        try connect(as: "t_mallory").executeScript("""
            CREATE SCHEMA aepg;
            GRANT USAGE ON SCHEMA aepg TO PUBLIC;
            CREATE TABLE aepg.models (name text);
            CREATE TABLE aepg.meta (key text PRIMARY KEY, value text);
            INSERT INTO aepg.meta VALUES ('schema_version', '0.2.0');
            GRANT SELECT, UPDATE ON aepg.meta, aepg.models TO PUBLIC;
            ALTER TABLE aepg.meta ENABLE ROW LEVEL SECURITY;
            CREATE POLICY p ON aepg.meta USING (mal.pwn());
            """)
        assertRefused("the schema (t_mallory)") { try SchemaInstaller.install(on: self.connection) }
        try grantCreate(to: "t_other")
        assertRefused("the schema (t_mallory)") { try SchemaInstaller.install(on: try self.connect(as: "t_other")) }
        XCTAssertFalse(try plantedCodeRan, "the planted policy ran")
    }

    /// A role that may create objects in the schema could make a model's results table before
    /// aepg does, with a trigger of its own: a grant to create in it is refused like an object.
    func testASchemaOthersMayCreateInIsRefused() throws {
        try SchemaInstaller.install(on: connection)
        try connection.execute("GRANT CREATE ON SCHEMA aepg TO t_mallory")
        assertRefused("a grant to create in it (t_mallory)") { _ = try Session.connect(self.conninfo) }
        assertRefused("a grant to create in it (t_mallory)") { try SchemaInstaller.install(on: self.connection) }
        try connection.execute("REVOKE CREATE ON SCHEMA aepg FROM t_mallory")
        XCTAssertNoThrow(try Session.connect(conninfo))
    }

    /// CREATE granted to PUBLIC counts like a grant to any role: everyone could plant a results
    /// table or view that an elevated function then reads.
    func testACreateGrantToPublicIsRefused() throws {
        try SchemaInstaller.install(on: connection)
        try connection.execute("GRANT CREATE ON SCHEMA aepg TO PUBLIC")
        assertRefused("a grant to create in it (public or none)") { _ = try Session.connect(self.conninfo) }
        assertRefused("a grant to create in it (public or none)") { try SchemaInstaller.install(on: self.connection) }
    }

    /// Taking a planted schema over (changing its owners) keeps what the stranger made: a trigger
    /// calling a function of theirs on a table aepg writes is refused whoever owns the table.
    func testATriggerAepgDidNotMakeIsRefusedAfterATakeOver() throws {
        try grantCreate(to: "t_mallory")
        try connect(as: "t_mallory").executeScript("""
            CREATE SCHEMA mal;
            CREATE FUNCTION mal.pwn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
            CREATE SCHEMA aepg;
            CREATE TABLE aepg.meta (key text PRIMARY KEY, value text NOT NULL);
            CREATE TRIGGER zz AFTER INSERT OR UPDATE ON aepg.meta FOR EACH ROW EXECUTE FUNCTION mal.pwn();
            """)
        try connection.execute("ALTER SCHEMA aepg OWNER TO CURRENT_USER")
        try connection.execute("ALTER TABLE aepg.meta OWNER TO CURRENT_USER")
        assertRefused("trigger zz on aepg.meta (public or none)") { try SchemaInstaller.install(on: self.connection) }
        // A default (or a constraint, an index, a view) that calls a stranger's function, too.
        try connection.execute("DROP TRIGGER zz ON aepg.meta")
        try connection.execute("CREATE FUNCTION mal.value() RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$")
        try connection.execute("ALTER TABLE aepg.meta ALTER COLUMN value SET DEFAULT mal.value()")
        assertRefused("which uses function mal.value()") { try SchemaInstaller.install(on: self.connection) }
        try connection.execute("ALTER TABLE aepg.meta ALTER COLUMN value DROP DEFAULT")
        // A column of a stranger's type: a domain's check runs on every write.
        try connection.execute("CREATE DOMAIN mal.checked AS text CHECK (VALUE <> '')")
        try connection.execute("ALTER TABLE aepg.meta ALTER COLUMN value TYPE mal.checked")
        assertRefused("which uses type mal.checked") { try SchemaInstaller.install(on: self.connection) }
        try connection.execute("ALTER TABLE aepg.meta ALTER COLUMN value TYPE text")
        // A partition elsewhere: writes through it reach the table, its triggers fire on them.
        try connection.execute("CREATE TABLE aepg.parted (key text) PARTITION BY LIST (key)")
        try connection.execute("CREATE TABLE mal.part PARTITION OF aepg.parted DEFAULT")
        assertRefused("mal.part, which inherits from aepg.parted") { try SchemaInstaller.install(on: self.connection) }
        try connection.execute("DROP TABLE aepg.parted")
        try SchemaInstaller.install(on: connection)
    }

    /// A function someone put in the schema, taken over by an administrator (REASSIGN OWNED)
    /// instead of dropped, passes the owners' check, but its body may call anything, and an
    /// overload like this one is found where a caller passes integers. The install drops every
    /// function in aepg that it did not just make.
    func testAnInstallDropsFunctionsAepgDoesNotDefine() throws {
        try grantCreate(to: "t_mallory")
        try connect(as: "t_mallory").executeScript("""
            CREATE SCHEMA aepg;
            CREATE FUNCTION aepg.score(p_model text, p_features integer[]) RETURNS float8 LANGUAGE plpgsql
            AS $$ BEGIN RETURN 0; END $$;
            """)
        try connection.execute("REASSIGN OWNED BY t_mallory TO CURRENT_USER")
        try SchemaInstaller.install(on: connection)
        XCTAssertNil(try connection.execute("SELECT to_regprocedure('aepg.score(text, integer[])')::text").string(0, 0))
        XCTAssertNotNil(try connection.execute("SELECT to_regprocedure('aepg.score(text, double precision[])')::text").string(0, 0))
    }

    /// Being a member of a role is no reason to trust it: whoever holds ADMIN on a role makes
    /// anyone its member, unasked. A group that made the schema, then enrolled the installer.
    func testMembershipInTheSchemasOwnerIsNoTrust() throws {
        try connection.execute("GRANT t_group TO t_mallory WITH ADMIN OPTION")
        try grantCreate(to: "t_group", "t_admin")
        try connect(as: "t_mallory").executeScript("GRANT t_group TO t_admin; SET ROLE t_group; CREATE SCHEMA aepg;")
        assertRefused("the schema (t_group)") { try SchemaInstaller.install(on: try self.connect(as: "t_admin")) }
        assertRefused("the schema (t_group)") { _ = try Session.connect(self.conninfo + " user=t_admin") }
        try connection.execute("DROP SCHEMA aepg")
    }

    /// A role that is not a superuser, using aepg where a stranger made the schema (the first
    /// `aepg train` of a database installs aepg): refused before anything in it is read, so a
    /// view planted as `aepg.meta` never runs with that role's rights.
    func testAUserReadsNothingInAStrangersSchema() throws {
        try grantCreate(to: "t_mallory")
        try plantCallCounter(returning: "text")
        try connect(as: "t_mallory").executeScript("""
            CREATE SCHEMA aepg;
            GRANT USAGE ON SCHEMA aepg TO PUBLIC;
            CREATE TABLE aepg.models (x int);
            CREATE VIEW aepg.meta AS SELECT 'schema_version'::text AS key, mal.pwn() AS value;
            GRANT SELECT ON aepg.meta, aepg.models TO PUBLIC;
            """)
        let alice = try connect(as: "t_admin")
        assertRefused("the schema (t_mallory)") { try SchemaInstaller.ensureInstalled(on: alice) }
        assertRefused("the schema (t_mallory)") { _ = try Session.connect(self.conninfo + " user=t_admin") }
        XCTAssertFalse(try plantedCodeRan, "the planted view ran")
    }

    /// aepg installed by a role that is not a superuser: that role and its grantees use it, and
    /// a superuser's session refuses to, since the owner could swap any function for its own.
    func testASuperuserDoesNotUseASchemaARoleOwns() throws {
        try grantCreate(to: "t_admin")
        try SchemaInstaller.install(on: try connect(as: "t_admin"))
        XCTAssertNoThrow(try Session.connect(conninfo + " user=t_admin"))
        assertRefused("the schema (t_admin)") { _ = try Session.connect(self.conninfo) }
        assertRefused("the schema (t_admin)") { try SchemaInstaller.install(on: self.connection) }
        // A superuser who logs in as that role is still a superuser: any code can SET ROLE back.
        assertRefused("the schema (t_admin)") { _ = try Session.connect(self.conninfo + " options='-c role=t_admin'") }
        XCTAssertEqual(try CommandLineRunner.run(["list", "--db", conninfo]).status, AEPGError.Code.environment.exitStatus.rawValue)
    }
}
