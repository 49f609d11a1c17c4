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
