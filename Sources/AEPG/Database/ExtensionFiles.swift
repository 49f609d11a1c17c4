import Foundation

/// The files of `CREATE EXTENSION aepg`, made from the same compiled-in SQL as `aepg init` runs:
/// the control file, the install script of the current version, and an update script from each
/// older version. `aepg extension --out "$(pg_config --sharedir)/extension"` writes them.
public enum ExtensionFiles {
    /// File name → contents.
    public static func all() throws -> [String: String] {
        let version = SchemaInstaller.version
        var files = ["aepg.control": """
            # aepg: autoencoder models, scores, clusters and anomaly flags for PostgreSQL tables
            comment = 'autoencoder anomaly scores, latent vectors and clusters trained by the aepg worker'
            default_version = '\(version)'
            relocatable = false
            superuser = false

            """]
        files["aepg--\(version).sql"] = try script(from: nil)
        for old in SchemaInstaller.history.dropLast() {
            files["aepg--\(old)--\(version).sql"] = try script(from: old)
        }
        return files
    }

    /// Whether a file name is that of an aepg extension script (`aepg--0.8.0.sql`, `aepg--0.7.3--0.8.0.sql`).
    public static func isScriptName(_ name: String) -> Bool {
        name.hasPrefix("aepg--") && name.hasSuffix(".sql")
    }

    /// One script: psql's guard, the schema (with the deltas after `installed`), the option keys
    /// and the version, as `SchemaInstaller.install` runs them.
    static func script(from installed: String?) throws -> String {
        let guardLine = installed == nil
            ? #"\echo Use "CREATE EXTENSION aepg" to load this file. \quit"#
            : #"\echo Use "ALTER EXTENSION aepg UPDATE" to load this file. \quit"#
        return [
            guardLine,
            try SchemaInstaller.script(from: installed),
            "SELECT aepg.set_option_keys(\(try dollarQuoted(SchemaInstaller.optionKeysJSON()))::jsonb);",
            "INSERT INTO aepg.meta VALUES ('schema_version', '\(SchemaInstaller.version)')",
            "    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;",
            "",
        ].joined(separator: "\n")
    }

    /// `text` as a dollar-quoted SQL literal whose tag does not occur in it.
    static func dollarQuoted(_ text: String) -> String {
        var tag = "$json$"
        while text.contains(tag) { tag = "$json" + String(tag.count) + "$" }
        return tag + text + tag
    }
}
