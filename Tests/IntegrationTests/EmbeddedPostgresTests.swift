import AEPG
import Foundation
import XCTest

final class EmbeddedPostgresTests: XCTestCase {
    func testSocketFolderIsShortAndTheSameOnEveryRun() {
        XCTAssertEqual(EmbeddedPostgres(home: URL(fileURLWithPath: "/srv/aepg")).socketDirectory.path, "/srv/aepg/run")
        let deep = URL(fileURLWithPath: "/" + Array(repeating: "a-rather-long-folder-name", count: 5).joined(separator: "/"))
        // FNV-1a computed here independently: a per-process seeded hash would not match it.
        let fnv = (deep.path + "/run").utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }
        XCTAssertEqual(EmbeddedPostgres(home: deep).socketDirectory.path, "/tmp/aepg-" + String(fnv, radix: 16))
    }
}

extension EmbeddedPostgresTests {
    /// As root, a home inside a folder the postgres user cannot enter moves to a stable /tmp folder.
    func testAnUnreachableHomeMovesToAStableFolderUnderTmp() throws {
        guard getuid() == 0, FileManager.default.fileExists(atPath: "/usr/sbin/runuser") else {
            throw XCTSkip("only root runs the server as the postgres user")
        }
        let privateFolder = FileManager.default.temporaryDirectory.appendingPathComponent("aepg-private-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: privateFolder, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: privateFolder) }
        let requested = privateFolder.appendingPathComponent("checkout/.aepg")
        let postgres = EmbeddedPostgres(home: requested)
        XCTAssertEqual(postgres.requestedHome, requested)
        XCTAssertTrue(postgres.home.path.hasPrefix("/tmp/aepg-home-"), postgres.home.path)
        XCTAssertEqual(EmbeddedPostgres(home: requested).home, postgres.home, "the same folder on every run")
        XCTAssertEqual(EmbeddedPostgres(home: URL(fileURLWithPath: "/srv/aepg")).home.path, "/srv/aepg")
    }
}
