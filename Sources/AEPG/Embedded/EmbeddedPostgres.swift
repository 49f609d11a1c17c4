import Foundation

/// A private PostgreSQL cluster under a local folder, for `aepg demo`: created with initdb on
/// first use, reached over a unix socket only (no TCP port), reused on later runs.
///
/// When run as root, the server runs as the `postgres` system user (PostgreSQL refuses root).
public struct EmbeddedPostgres {
    /// The folder that holds the cluster (`pgdata/`), its log and, when the path is short, its socket.
    public let home: URL
    /// The folder asked for; differs from `home` when the `postgres` user cannot reach it.
    public let requestedHome: URL
    public let port = 5432

    /// A cluster under `home`. As root, when the `postgres` user cannot reach that folder (a
    /// checkout inside a private directory, say), the cluster goes to `/tmp/aepg-home-<hash>`
    /// instead: the same place for the same request on every run, so `--stop` finds it.
    public init(home: URL) {
        requestedHome = home
        if Self.isRoot && !Self.serverUserCanReach(home) {
            self.home = URL(fileURLWithPath: "/tmp/aepg-home-" + String(Self.stableHash(home.path), radix: 16))
        } else {
            self.home = home
        }
    }

    /// Whether the `postgres` user can traverse every folder down to the nearest existing
    /// ancestor of `folder` (resolving a path needs search permission on each component).
    static func serverUserCanReach(_ folder: URL) -> Bool {
        var existing = folder
        while !FileManager.default.fileExists(atPath: existing.path) && existing.path != "/" {
            existing.deleteLastPathComponent()
        }
        let check = try? Subprocess.run("/usr/sbin/runuser", ["-u", "postgres", "--", "/usr/bin/test", "-x", existing.path])
        return check?.status == 0
    }

    var dataDirectory: URL { home.appendingPathComponent("pgdata") }
    var logFile: URL { home.appendingPathComponent("postgres.log") }

    /// Where the server's unix socket lives. Socket paths are limited to ~107 bytes, so a long
    /// home puts it under /tmp, in a folder named after a stable hash of the home.
    public var socketDirectory: URL {
        let local = home.appendingPathComponent("run")
        if local.path.utf8.count < 80 { return local }
        return URL(fileURLWithPath: "/tmp/aepg-" + String(Self.stableHash(local.path), radix: 16))
    }

    /// FNV-1a of the path: the same folder on every run (`hashValue` is seeded per process).
    private static func stableHash(_ text: String) -> UInt32 {
        text.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }
    }

    /// libpq connection string for the cluster.
    public var conninfo: String {
        "host=\(socketDirectory.path) port=\(port) user=postgres dbname=postgres"
    }

    private static var isRoot: Bool { getuid() == 0 }

    /// Starts the cluster (creating it if needed) and returns its connection string.
    public func start() throws -> String {
        let bin = try Self.serverBinaries()
        let fm = FileManager.default
        try fm.createDirectory(at: home, withIntermediateDirectories: true)
        try fm.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        if Self.isRoot {
            for url in [home, socketDirectory] { try run("/bin/chown", ["-R", "postgres:postgres", url.path], asServerUser: false) }
            guard (try? run("/usr/bin/test", ["-w", home.path])) != nil else {
                throw AEPGError(.environment,
                    "the postgres user cannot write to \(home.path) (a parent folder is not accessible); set AEPG_HOME to a folder such as /tmp/aepg")
            }
        }
        if !fm.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) {
            try run(bin.appendingPathComponent("initdb").path,
                    ["-D", dataDirectory.path, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"])
        }
        if !isRunning(bin) {
            let options = "-c listen_addresses='' -p \(port) -k \(socketDirectory.path) -c fsync=off -c synchronous_commit=off"
            try run(bin.appendingPathComponent("pg_ctl").path,
                    ["-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "60", "-o", options, "start"])
        }
        return conninfo
    }

    /// Stops the cluster if it runs; its data stays for the next start.
    public func stop() throws {
        let bin = try Self.serverBinaries()
        guard isRunning(bin) else { return }
        try run(bin.appendingPathComponent("pg_ctl").path, ["-D", dataDirectory.path, "-m", "fast", "-w", "stop"])
    }

    private func isRunning(_ bin: URL) -> Bool {
        guard FileManager.default.fileExists(atPath: dataDirectory.path) else { return false }
        return (try? run(bin.appendingPathComponent("pg_ctl").path, ["-D", dataDirectory.path, "status"])) != nil
    }

    /// The folder with initdb and pg_ctl: `$AEPG_PG_BIN`, or the newest /usr/lib/postgresql/N/bin.
    static func serverBinaries() throws -> URL {
        if let bin = ProcessInfo.processInfo.environment["AEPG_PG_BIN"], !bin.isEmpty { return URL(fileURLWithPath: bin) }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted()
        for version in versions.reversed() {
            let bin = URL(fileURLWithPath: "\(root)/\(version)/bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path) { return bin }
        }
        throw AEPGError(.environment,
            "no PostgreSQL server found under /usr/lib/postgresql; install it (apt-get install -y postgresql) or set AEPG_PG_BIN")
    }

    /// Runs a program (as the postgres user when we are root); throws with its output on failure.
    @discardableResult
    private func run(_ program: String, _ arguments: [String], asServerUser: Bool = true) throws -> String {
        let (status, output) = Self.isRoot && asServerUser
            ? try Subprocess.run("/usr/sbin/runuser", ["-u", "postgres", "--", program] + arguments)
            : try Subprocess.run(program, arguments)
        guard status == 0 else {
            throw AEPGError(.environment, "\((program as NSString).lastPathComponent) failed: \(output.suffix(600))")
        }
        return output
    }
}
