import Foundation
import PGClient

/// Installs or upgrades the `aepg` schema: `sql/aepg--0.1.0.sql`, then each upgrade script
/// `sql/aepg--<from>--<to>.sql` in turn (as `CREATE EXTENSION` does when it has no script for
/// the newest version).
public enum SchemaInstaller {
    /// The schema version this binary writes.
    public static let version = "0.2.0"
    /// The base script's version and the upgrade steps after it, oldest first.
    static let base = "0.1.0"
    static let upgrades = ["0.2.0"]

    /// Installs or upgrades the schema (idempotent). When the database has aepg as an extension
    /// (`CREATE EXTENSION aepg`) it is updated with `ALTER EXTENSION aepg UPDATE`.
    /// Serialised with an advisory lock, so concurrent `aepg init`s do not collide.
    public static func install(on connection: PGConnection) throws {
        do {
            try connection.transaction {
                try connection.execute("SELECT pg_advisory_xact_lock(hashtext('aepg.init'))")
                let ext = try connection.execute("SELECT extversion FROM pg_extension WHERE extname = 'aepg'")
                if let installed = ext.string(0, 0) {
                    if installed != version { try connection.execute("ALTER EXTENSION aepg UPDATE TO '\(version)'") }
                    return
                }
                var current: String
                if let installed = try installedVersion(on: connection) {
                    current = installed
                } else {
                    try connection.executeScript(try script("sql/aepg--\(base).sql"))
                    current = base
                }
                // Numeric comparison, so that 0.10.0 comes after 0.9.0.
                for next in upgrades where next.compare(current, options: .numeric) == .orderedDescending {
                    try connection.executeScript(try script("sql/aepg--\(current)--\(next).sql"))
                    current = next
                }
            }
        } catch let error as PGError {
            throw AEPGError.database(error, while: "installing the aepg schema")
        }
    }

    /// A script without its psql meta-commands (the `\echo ... \quit` guard for extension scripts).
    private static func script(_ path: String) throws -> String {
        try ResourceLocator.text(path).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("\\") }.joined(separator: "\n")
    }

    /// The schema version recorded in `aepg.meta`, nil when aepg is not installed.
    static func installedVersion(on connection: PGConnection) throws -> String? {
        guard try isInstalled(on: connection) else { return nil }
        return try connection.execute("SELECT value FROM aepg.meta WHERE key = 'schema_version'").string(0, 0) ?? base
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

    /// Installs the schema when it is missing (first `aepg train` on a fresh database) or
    /// older than this binary's.
    public static func ensureInstalled(on connection: PGConnection) throws {
        if try installedVersion(on: connection) != version { try install(on: connection) }
    }
}
