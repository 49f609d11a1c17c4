import AEPG
import ArgumentParser

/// `aepg init`: install or upgrade the aepg schema.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Install or upgrade the aepg schema (idempotent).")

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        try SchemaInstaller.install(on: try connection.connect())
        print("aepg schema \(SchemaInstaller.version) is installed")
    }
}
