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

    /// A superuser uses only an `aepg` schema whose owner, functions and operators are
    /// superusers'. Their owner may replace any of them, and aepg calls them by name: a
    /// superuser calling one of someone else's would run that role's code with every right.
    /// (Installing into such a schema is refused by `sql/aepg.sql` itself, for every role.)
    static func checkSchemaOwner(on connection: PGConnection) throws {
        let found = try connection.execute(untrustedSchemaQuery).string(0, 0)
        guard let found else { return }
        throw AEPGError(.environment, "aepg refuses to run as a superuser over code a role that is not one controls "
            + "(\(found)): run aepg as that role, or as a member of aepg_worker or aepg_operator")
    }

    /// What in schema `aepg` a superuser running aepg should not trust, or NULL (also for any
    /// other role, and when there is no schema `aepg`).
    private static let untrustedSchemaQuery = """
        SELECT pg_catalog.string_agg(o.what || ' belongs to ' || o.owner::pg_catalog.regrole::pg_catalog.text, ', ')
          FROM (SELECT 'schema aepg' AS what, n.nspowner AS owner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'aepg'
                UNION ALL
                SELECT 'function ' || p.oid::pg_catalog.regprocedure::pg_catalog.text, p.proowner
                  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'aepg'
                UNION ALL
                SELECT 'operator ' || o.oid::pg_catalog.regoperator::pg_catalog.text, o.oprowner
                  FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace WHERE n.nspname = 'aepg'
               ) AS o
          JOIN pg_catalog.pg_roles owner ON owner.oid = o.owner
         WHERE NOT owner.rolsuper
           AND (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER)
        """
}
