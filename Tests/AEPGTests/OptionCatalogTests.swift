import AEPG
import Foundation
import Learn
import XCTest

/// The option declarations and what derives from them: command-line parsing, messages that name
/// the option as it was written, and the README's generated tables. No database.
final class OptionCatalogTests: XCTestCase {
    func testCommandLineFlagsComeFromTheCatalog() throws {
        let (options, rest) = try TrainOptions.parse(commandLine: [
            "fraud", "--epochs", "3", "--db", "x", "--hidden=64,32", "--no-null-indicators", "--kind", "variational",
            "--time-limit", "90", "--label", "y",
        ])
        XCTAssertEqual(rest, ["fraud", "--db", "x", "--label", "y"], "other flags stay, in order")
        XCTAssertEqual(options.epochs, 3)
        XCTAssertEqual(options.hidden, [64, 32])
        XCTAssertEqual(options.nullIndicators, false)
        XCTAssertEqual(options.kind, .variational)
        XCTAssertEqual(options.timeLimit, 90)
        XCTAssertEqual(try options.resolved().trainingSettings.timeLimit, 90)
        XCTAssertEqual(Set(options.values.keys), ["epochs", "hidden", "null_indicators", "kind", "time_limit"])
    }

    func testEveryOptionHasAFlagAndAKeyAndItsDefaultResolves() throws {
        let keys = TrainOptionCatalog.all.map(\.key)
        XCTAssertEqual(Set(keys).count, keys.count, "keys are unique")
        XCTAssertTrue(keys.contains("time_limit"))
        for spec in TrainOptionCatalog.all {
            XCTAssertEqual(spec.flag, "--" + spec.key.replacingOccurrences(of: "_", with: "-"))
            XCTAssertNil(spec.problem(with: spec.defaultJSON), "\(spec.key)'s default passes its own check")
            XCTAssertNotNil(TrainOptionCatalog.spec(flag: spec.flag))
        }
        XCTAssertEqual(ResolvedOptions.defaults.epochs, 50)
        XCTAssertNil(ResolvedOptions.defaults.timeLimit)
    }

    func testMessagesNameTheOptionAsItWasWritten() {
        XCTAssertThrowsError(try TrainOptions.parse(commandLine: ["--batch-size", "0"])) {
            XCTAssertEqual("\($0)", "--batch-size must be from 1 to 1000000, not 0")
        }
        XCTAssertThrowsError(try TrainOptions.parse(json: #"{"batch_size": 0}"#)) {
            XCTAssertEqual("\($0)", "batch_size must be from 1 to 1000000, not 0")
        }
        XCTAssertThrowsError(try TrainOptions.parse(commandLine: ["--learning-rate", "nan"])) {
            XCTAssertEqual("\($0)", "--learning-rate must be a positive number, not nan")
        }
        XCTAssertThrowsError(try TrainOptions.parse(commandLine: ["--epochs"])) {
            XCTAssertEqual("\($0)", "--epochs needs a value: <int>")
        }
        XCTAssertThrowsError(try TrainOptions.parse(commandLine: ["--kind", "sparse"])) {
            XCTAssertEqual("\($0)", #"--kind takes ensemble|dense|denoising|variational, not "sparse""#)
        }
        XCTAssertThrowsError(try TrainOptions.parse(commandLine: ["--hidden", "20000"])) {
            XCTAssertEqual("\($0)", "--hidden must be widths from 1 to 4096, not 20000")
        }
        XCTAssertThrowsError(try TrainOptions.parse(commandLine: ["--threshold-sigma", "2", "--contamination", "0.1"]))
        // Rules between options name both as written.
        XCTAssertThrowsError(try TrainOptions.parse(commandLine: ["--noise", "mask:0.1", "--kind", "dense"]).options.resolved()) {
            XCTAssertEqual("\($0)", "--noise needs --kind denoising")
        }
        XCTAssertThrowsError(try TrainOptions.parse(json: #"{"score": "elbo"}"#).resolved()) {
            XCTAssertEqual("\($0)", "score elbo needs kind variational")
        }
    }

    func testTheReadmeTablesAreCurrent() throws {
        var root = URL(fileURLWithPath: #filePath)
        while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) { root.deleteLastPathComponent() }
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        for (name, contents) in ReferenceDocs.sections {
            let regenerated = try XCTUnwrap(ReferenceDocs.replacing(section: name, with: contents, in: readme), "README lacks the \(name) markers")
            XCTAssertEqual(regenerated, readme, "README's \(name) is stale: run scripts/generate-docs.sh")
        }
        XCTAssertTrue(readme.contains("`--time-limit`"))
    }

    func testEveryErrorCodeHasAnExitStatusInTheTable() {
        for code in AEPGError.Code.allCases {
            XCTAssertTrue(ReferenceDocs.exitStatusTable.contains("`\(code.name)`"), code.name)
        }
        XCTAssertEqual(AEPGError.Code.invalidOption.exitStatus.rawValue, 64)
        XCTAssertEqual(AEPGError.Code.busy.jobOutcome, .requeue)
        XCTAssertEqual(AEPGError.Code.database.jobOutcome, .retry)
        XCTAssertEqual(AEPGError.Code.badData.jobOutcome, .fail)
    }
}
