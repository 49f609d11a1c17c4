import Foundation
import PGClient

/// Installs or upgrades the `aepg` schema from the SQL compiled into the binary (`sql/`, see
/// `EmbeddedSQL`): the deltas in `sql/upgrades/` from the installed version on, then
/// `sql/aepg.sql` (the current schema, every statement safe to rerun), then the option keys and
/// the version. `ExtensionFiles` wraps the same parts into CREATE EXTENSION's scripts.
public enum SchemaInstaller {
    /// Every released schema version, oldest first. `sql/upgrades/<a>--<b>.sql` holds what changed
    /// between neighbours beyond what `aepg.sql` says idempotently; it is absent when nothing did.
    public static let history = ["0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.7.1", "0.7.2", "0.7.3", "0.8.0", "0.8.1"]

    /// The schema version this binary writes.
    public static var version: String { history[history.count - 1] }

    /// Installs or upgrades the schema (idempotent). When the database has aepg as an extension
    /// (`CREATE EXTENSION aepg`) it is updated with `ALTER EXTENSION aepg UPDATE`.
    /// Serialised with an advisory lock, so concurrent `aepg init`s do not collide.
    public static func install(on connection: PGConnection) throws {
        do {
            try connection.transaction {
                try connection.execute("SELECT pg_advisory_xact_lock(hashtext('aepg.init')::int8)")
                // A new schema is made here, without IF NOT EXISTS, so that one someone else makes
                // meanwhile fails this install instead of being installed into.
                if try connection.execute("SELECT pg_catalog.to_regnamespace('aepg') IS NULL").bool(0, 0) == true {
                    try connection.execute("CREATE SCHEMA aepg")
                }
                // Before anything in the schema is read (aepg.meta, an upgrade's statements): its
                // tables and functions may be someone else's code.
                try checkTrusted(on: connection)
                let ext = try connection.execute("SELECT extversion FROM pg_extension WHERE extname = 'aepg'")
                if let installed = ext.string(0, 0) {
                    guard installed != version else { return }
                    try connection.execute("ALTER EXTENSION aepg UPDATE TO '\(version)'")
                } else {
                    try connection.executeScript(try script(from: try installedVersion(on: connection)))
                    try connection.execute("SELECT aepg.set_option_keys($1::jsonb)", [try optionKeysJSON()])
                    try connection.execute("""
                        INSERT INTO aepg.meta VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                        """, [version])
                }
                // Outside the extension script, so the objects it recreates are not the extension's.
                try connection.execute("SELECT aepg.upgrade_model_objects()")
            }
        } catch let error as PGError {
            throw AEPGError.database(error, while: "installing the aepg schema")
        }
    }

    /// Whose schema `aepg` is (`sql/trust.sql`), the deltas after `installed` (none for a new
    /// install), then the current schema.
    static func script(from installed: String?) throws -> String {
        var parts = [try file("trust.sql")]
        if let installed {
            guard let start = history.firstIndex(of: installed) else {
                throw AEPGError(.schemaMissing, "the database has aepg schema \(installed), which this aepg (schema \(version)) does not know; use a newer aepg")
            }
            for (from, to) in zip(history[start...], history[(start + 1)...]) {
                if let delta = EmbeddedSQL.files["upgrades/\(from)--\(to).sql"] { parts.append(delta) }
            }
        }
        parts.append(try file("aepg.sql"))
        return parts.joined(separator: "\n")
    }

    /// A file of `sql/` as compiled in.
    static func file(_ path: String) throws -> String {
        guard let text = EmbeddedSQL.files[path] else { throw AEPGError(.environment, "this aepg was built without sql/\(path)") }
        return text
    }

    /// The training options for `aepg.option_keys`, as the JSON array `aepg.set_option_keys` takes.
    static func optionKeysJSON() throws -> String {
        struct Row: Encodable { let key: String, flag: String, default_value: JSONValue?, help: String }
        let rows = TrainOptionCatalog.all.map {
            Row(key: $0.key, flag: $0.flag, default_value: $0.dependsOnOthers ? nil : $0.defaultJSON, help: $0.help)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(rows), as: UTF8.self)
    }

    /// Refuses a schema `aepg` this session may not trust (`sql/trust.sql`): someone else's code
    /// could sit where aepg reads or calls by name. Reads the system catalog alone.
    public static func checkTrusted(on connection: PGConnection) throws {
        do {
            try connection.executeScript(try file("trust.sql"))
        } catch let error as PGError where error.sqlState == PGError.State.insufficientPrivilege {
            throw AEPGError(.environment, error.message + (error.hint.map { "; \($0)" } ?? ""))
        }
    }

    /// The schema version recorded in `aepg.meta`, nil when aepg is not installed.
    static func installedVersion(on connection: PGConnection) throws -> String? {
        guard try isInstalled(on: connection) else { return nil }
        // aepg.meta is read only once the schema is known to be trusted (it could be a view).
        try checkTrusted(on: connection)
        return try connection.execute("SELECT value FROM aepg.meta WHERE key = 'schema_version'").string(0, 0) ?? history[0]
    }

    /// Creates or updates the roles aepg_reader, aepg_operator and aepg_worker and their grants
    /// (`sql/aepg-roles.sql`); run by `aepg init --roles` as the schema's owner.
    public static func installRoles(on connection: PGConnection) throws {
        let script = try file("aepg-roles.sql")
        do {
            try connection.transaction {
                try connection.execute("SELECT pg_advisory_xact_lock(hashtext('aepg.init')::int8)")
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
