import AEPG
import ArgumentParser
import Foundation

/// `aepg extension --out DIR`: writes the files of `CREATE EXTENSION aepg` (control file, install
/// and update scripts) from the SQL compiled into this binary, and removes older aepg scripts there.
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
            let files = try ExtensionFiles.all()
            for (name, text) in files.sorted(by: { $0.key < $1.key }) {
                try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
                print(folder.appendingPathComponent(name).path)
            }
            // An older aepg's scripts would let CREATE EXTENSION aepg VERSION '...' (or an update
            // to that version) install a schema without this version's checks.
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            where ExtensionFiles.isScriptName(name) && files[name] == nil {
                try FileManager.default.removeItem(at: folder.appendingPathComponent(name))
                print("removed \(folder.appendingPathComponent(name).path) (an older aepg's)")
            }
        } catch let error as CocoaError {
            throw AEPGError(.environment, "cannot write the extension files into \(out): \(error.localizedDescription)")
        }
    }
}
