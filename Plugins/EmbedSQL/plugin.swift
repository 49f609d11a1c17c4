import Foundation
import PackagePlugin

/// Compiles the package's `sql/` folder into the target as Swift string constants
/// (`EmbeddedSQL.files`), so the `aepg` binary carries its schema and needs no share folder.
@main
struct EmbedSQL: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "sql")
        let files = try sqlFiles(under: folder)
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSQL.swift")
        return [.buildCommand(displayName: "Embedding sql/ into \(target.name)",
                              executable: try context.tool(named: "embed-sql").url,
                              arguments: [output.path, folder.path] + files.map(\.path),
                              inputFiles: files, outputFiles: [output])]
    }

    /// Every `.sql` file under `folder`, sorted by path.
    private func sqlFiles(under folder: URL) throws -> [URL] {
        guard let walk = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        return walk.compactMap { $0 as? URL }.filter { $0.pathExtension == "sql" }.sorted { $0.path < $1.path }
    }
}
