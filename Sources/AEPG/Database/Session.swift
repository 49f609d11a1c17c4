import PGClient

/// The connections aepg works on. Their search path is pinned to `pg_catalog, pg_temp`: a
/// function or operator someone put in a schema on the user's path (`public`, writable by
/// everyone before PostgreSQL 15) would otherwise stand in for a built-in one in aepg's own
/// statements and run with the rights of whoever runs aepg, the worker or the schema's owner.
/// Names the user types (`--table`) are still looked up with their own path (`SourceTable.resolve`).
public enum Session {
    /// The search path of aepg's sessions, and of every read of a source.
    public static let searchPath = "pg_catalog, pg_temp"

    /// Connects with `conninfo`, pins the search path and checks whose `aepg` schema this is
    /// (`checkSchemaOwner`).
    public static func connect(_ conninfo: String, applicationName: String = "aepg") throws -> PGConnection {
        let connection = try PGConnection(conninfo, applicationName: applicationName)
        try connection.pinSearchPath(to: searchPath)
        try checkSchemaOwner(on: connection)
        return connection
    }

    /// A superuser's session uses only an `aepg` schema that superusers alone own, hold objects
    /// in and may create in (`sql/trust.sql`): whoever else did could put code of theirs where
    /// aepg calls or reads by name, and it would run with every right. (`aepg init` runs the same
    /// check for every role before it reads anything in the schema.)
    static func checkSchemaOwner(on connection: PGConnection) throws {
        let session = try connection.execute("""
            SELECT pg_catalog.bool_or(r.rolsuper) AS super, pg_catalog.to_regnamespace('aepg') IS NOT NULL AS installed
              FROM pg_catalog.pg_roles r WHERE r.rolname IN (CURRENT_USER, SESSION_USER)
            """).onlyRow()
        guard try session.bool("super"), try session.bool("installed") else { return }
        do {
            try connection.executeScript(try SchemaInstaller.file("trust.sql"))
        } catch let error as PGError where error.sqlState == PGError.State.insufficientPrivilege {
            throw AEPGError(.environment, "aepg refuses to run as a superuser here: \(error.message); hint: \(error.hint ?? "")")
        }
    }
}
