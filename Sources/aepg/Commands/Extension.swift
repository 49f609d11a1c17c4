import AEPG
import ArgumentParser
import Foundation

/// `aepg extension --out DIR`: writes the files of `CREATE EXTENSION aepg` (control file, install
/// and update scripts) from the SQL compiled into this binary.
struct Extension: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the PostgreSQL extension files (aepg.control and scripts) into a folder.",
        discussion: #"Install them on the database server: aepg extension --out "$(pg_config --sharedir)/extension""#)

    @Option(help: ArgumentHelp("Folder to write into (created if missing).", valueName: "dir"))
    var out: String

    func run() throws {
        let folder = URL(fileURLWithPath: out)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (name, text) in try ExtensionFiles.all().sorted(by: { $0.key < $1.key }) {
                try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
                print(folder.appendingPathComponent(name).path)
            }
        } catch let error as CocoaError {
            throw AEPGError(.environment, "cannot write the extension files into \(out): \(error.localizedDescription)")
        }
    }
}
