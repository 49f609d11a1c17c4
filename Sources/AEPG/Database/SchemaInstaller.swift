import PGClient

/// Installs or upgrades the `aepg` schema from `sql/aepg--<version>.sql`.
public enum SchemaInstaller {
    /// The schema version this binary writes.
    public static let version = "0.1.0"

    /// Installs the schema (idempotent). When the database has aepg as an extension
    /// (`CREATE EXTENSION aepg`) it is left to the extension machinery.
    /// Serialised with an advisory lock, so concurrent `aepg init`s do not collide.
    public static func install(on connection: PGConnection) throws {
        let script = try ResourceLocator.text("sql/aepg--\(version).sql")
        // psql meta-commands (the `\echo ... \quit` guard for extension scripts) are not SQL.
        let sql = script.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("\\") }.joined(separator: "\n")
        do {
            try connection.transaction {
                try connection.execute("SELECT pg_advisory_xact_lock(hashtext('aepg.init'))")
                let ext = try connection.execute("SELECT extversion FROM pg_extension WHERE extname = 'aepg'")
                if ext.rowCount > 0 { return }
                try connection.executeScript(sql)
            }
        } catch let error as PGError {
            throw AEPGError.database(error, while: "installing the aepg schema")
        }
    }

    /// Creates or updates the roles aepg_reader, aepg_operator and aepg_worker and their grants
    /// (`sql/aepg-roles.sql`); run by `aepg init --roles` as the schema's owner.
    public static func installRoles(on connection: PGConnection) throws {
        let script = try ResourceLocator.text("sql/aepg-roles.sql")
        do {
            try connection.transaction {
                try connection.execute("SELECT pg_advisory_xact_lock(hashtext('aepg.init'))")
                try connection.executeScript(script)
            }
        } catch let error as PGError {
            throw AEPGError.database(error, while: "creating the aepg roles")
        }
    }

    /// Whether the catalog tables exist.
    public static func isInstalled(on connection: PGConnection) throws -> Bool {
        try connection.execute("SELECT to_regclass('aepg.models') IS NOT NULL").bool(0, 0) ?? false
    }

    /// Installs the schema when it is missing (first `aepg train` on a fresh database).
    public static func ensureInstalled(on connection: PGConnection) throws {
        if try !isInstalled(on: connection) { try install(on: connection) }
    }
}
