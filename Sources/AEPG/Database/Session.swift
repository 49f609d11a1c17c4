import PGClient

/// The connections aepg works on. Their search path is pinned to `pg_catalog, pg_temp`: a
/// function or operator someone put in a schema on the user's path (`public`, writable by
/// everyone before PostgreSQL 15) would otherwise stand in for a built-in one in aepg's own
/// statements and run with the rights of whoever runs aepg, the worker or the schema's owner.
/// Names the user types (`--table`) are still looked up with their own path (`SourceTable.resolve`).
public enum Session {
    /// The search path of aepg's sessions, and of every read of a source.
    public static let searchPath = "pg_catalog, pg_temp"

    /// Connects with `conninfo`, pins the search path, checks that this session may trust the
    /// `aepg` schema (`SchemaInstaller.checkTrusted`) before anything else runs, and keeps
    /// aepg's transactions out of serializable checks.
    public static func connect(_ conninfo: String, applicationName: String = "aepg") throws -> PGConnection {
        let connection = try PGConnection(conninfo, applicationName: applicationName)
        try connection.pinSearchPath(to: searchPath)
        try SchemaInstaller.checkTrusted(on: connection)
        // Where serializable is the database's default, aepg's long reads of a source would take
        // predicate locks, and serializable writers of that source could then fail at COMMIT.
        // aepg needs no more than one consistent statement per read (or asks for more itself).
        try connection.execute("SET default_transaction_isolation = 'read committed'")
        return connection
    }
}
