import Foundation

/// Finds the demo's data (`data/`: the credit-card sample and its table), the one thing aepg
/// does not carry in its binary (the schema is compiled in, see `EmbeddedSQL`).
///
/// Looked for, in order: `$AEPG_SHARE`; the first ancestor of the executable's folder that holds
/// `data/creditcard_sample.sql` (a source checkout, `.build/release/aepg`); `<prefix>/share/aepg`
/// for an executable in `<prefix>/bin` (the Docker image, `make install`).
public enum ResourceLocator {
    private static let marker = "data/creditcard_sample.sql"

    /// The folder that holds `data/`.
    public static func shareDirectory() throws -> URL {
        let fm = FileManager.default
        func holdsData(_ url: URL) -> Bool { fm.fileExists(atPath: url.appendingPathComponent(marker).path) }
        if let override = ProcessInfo.processInfo.environment["AEPG_SHARE"], !override.isEmpty {
            let url = URL(fileURLWithPath: override)
            if holdsData(url) { return url }
            throw AEPGError(.environment, "AEPG_SHARE=\(override) does not contain \(marker)")
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        let installed = folder.deletingLastPathComponent().appendingPathComponent("share/aepg")
        while folder.path != "/" {
            if holdsData(folder) { return folder }
            folder = folder.deletingLastPathComponent()
        }
        if holdsData(installed) { return installed }
        throw AEPGError(.environment,
            "cannot find the demo's data/ folder near \(executable.path); set AEPG_SHARE to the folder that contains data/ (a checkout of aepg)")
    }

    /// Contents of a file under the share folder, e.g. `data/creditcard_sample.sql`.
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
