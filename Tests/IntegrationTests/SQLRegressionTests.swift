import AEPG
import Foundation
import PGClient
import TestSupport
import XCTest

/// The SQL surface in PostgreSQL's own regression style: every `test/sql/NAME.sql` runs through
/// psql (`-X -a -q`, echoing its input) in a fresh database that holds aepg with its roles and a
/// trained model `pts` on `public.points`; the output must equal `test/expected/NAME.out`.
/// A differing run is kept in `test/results/NAME.out`. `AEPG_REGRESS_UPDATE=1` rewrites the
/// expected files instead (read every change before committing it).
final class SQLRegressionTests: DatabaseTestCase {
    func testEverySQLRegressionTestGivesItsExpectedOutput() throws {
        let root = TestDatabase.repositoryRoot.appendingPathComponent("test")
        let tests = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("sql").path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        XCTAssertFalse(tests.isEmpty, "no SQL regression tests in test/sql")
        let update = ProcessInfo.processInfo.environment["AEPG_REGRESS_UPDATE"] != nil
        for file in tests {
            let name = String(file.dropLast(4))
            let output = try run(root.appendingPathComponent("sql/\(file)"))
            let expectedURL = root.appendingPathComponent("expected/\(name).out")
            if update {
                try output.write(to: expectedURL, atomically: true, encoding: .utf8)
                continue
            }
            let expected = (try? String(contentsOf: expectedURL, encoding: .utf8)) ?? ""
            if output != expected {
                let results = root.appendingPathComponent("results")
                try FileManager.default.createDirectory(at: results, withIntermediateDirectories: true)
                try output.write(to: results.appendingPathComponent("\(name).out"), atomically: true, encoding: .utf8)
                XCTFail("test/sql/\(file) differs from test/expected/\(name).out; see test/results/\(name).out:\n"
                        + Self.firstDifference(output, expected))
            }
        }
    }

    /// Runs one file against a fresh database prepared like every other.
    private func run(_ file: URL) throws -> String {
        conninfo = try TestDatabase.fresh("aepg_regress")
        connection = try PGConnection(conninfo)
        defer { connection = nil; TestDatabase.drop("aepg_regress") }
        try SchemaInstaller.install(on: connection)
        try SchemaInstaller.installRoles(on: connection)
        try makePoints("public.points", rows: 400)
        var options = Self.fast
        options.epochs = 5
        try train("pts", options: options)
        return try PostgresTool.run("psql", ["-X", "-a", "-q", "-v", "VERBOSITY=terse", "-d", conninfo], input: file,
                                    environment: ["PGOPTIONS": "-c client_min_messages=notice", "PATH": "/usr/bin:/bin", "LC_ALL": "C"]).output
    }

    /// The first line where two outputs part, with its neighbours.
    static func firstDifference(_ output: String, _ expected: String) -> String {
        let a = output.components(separatedBy: "\n"), b = expected.components(separatedBy: "\n")
        let line = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        let got = a[max(0, line - 2)..<min(a.count, line + 3)].joined(separator: "\n")
        let want = b[max(0, line - 2)..<min(b.count, line + 3)].joined(separator: "\n")
        return "line \(line + 1)\n--- got\n\(got)\n--- expected\n\(want)"
    }
}
