import Foundation

/// Finds the files aepg ships beside its binary: `sql/` (the schema) and `data/` (the demo sample).
///
/// Looked for, in order: `$AEPG_SHARE`; the first ancestor of the executable's folder that holds
/// `sql/aepg.control` (a source checkout, `.build/release/aepg`); `<prefix>/share/aepg` for
/// an executable in `<prefix>/bin` (the Docker image, `make install`).
public enum ResourceLocator {
    /// The folder that holds `sql/` and `data/`.
    public static func shareDirectory() throws -> URL {
        let fm = FileManager.default
        func holdsSchema(_ url: URL) -> Bool { fm.fileExists(atPath: url.appendingPathComponent("sql/aepg.control").path) }
        if let override = ProcessInfo.processInfo.environment["AEPG_SHARE"], !override.isEmpty {
            let url = URL(fileURLWithPath: override)
            if holdsSchema(url) { return url }
            throw AEPGError(.environment, "AEPG_SHARE=\(override) does not contain sql/aepg.control")
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        let installed = folder.deletingLastPathComponent().appendingPathComponent("share/aepg")
        while folder.path != "/" {
            if holdsSchema(folder) { return folder }
            folder = folder.deletingLastPathComponent()
        }
        if holdsSchema(installed) { return installed }
        throw AEPGError(.environment,
            "cannot find aepg's sql/ folder next to \(executable.path); set AEPG_SHARE to the folder that contains sql/ and data/")
    }

    /// Contents of a file under the share folder, e.g. `sql/aepg--0.1.0.sql`.
    public static func text(_ relativePath: String) throws -> String {
        let url = try shareDirectory().appendingPathComponent(relativePath)
        do { return try String(contentsOf: url, encoding: .utf8) } catch {
            throw AEPGError(.environment, "cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    /// URL of a file under the share folder.
    public static func url(_ relativePath: String) throws -> URL {
        try shareDirectory().appendingPathComponent(relativePath)
    }
}
