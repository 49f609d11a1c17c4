import AEPG
import ArgumentParser

/// `aepg init`: install or upgrade the aepg schema.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Install or upgrade the aepg schema (idempotent).")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Also create the roles aepg_reader, aepg_operator and aepg_worker with their grants.")
    var roles = false

    func run() throws {
        let db = try connection.connect()
        try SchemaInstaller.install(on: db)
        print("aepg schema \(SchemaInstaller.version) is installed")
        if roles {
            try SchemaInstaller.installRoles(on: db)
            print("roles aepg_reader, aepg_operator and aepg_worker are in place; grant them to login roles")
        }
    }
}
