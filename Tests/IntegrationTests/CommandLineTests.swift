import AEPG
import Foundation
import Learn
import PGClient
import TestSupport
import XCTest

/// The built `aepg` binary, run the way users and cron run it.
final class CommandLineTests: DatabaseTestCase {
    private func aepg(_ arguments: String..., environment: [String: String] = [:]) throws -> CommandLineRunner.Outcome {
        try CommandLineRunner.run(arguments, environment: environment)
    }

    /// Loads a CSV dataset from ../shared/data beside the checkout, or from the copy in data/.
    private func load(_ file: String, as table: String, label: String) throws {
        let csv = try XCTUnwrap(TestDatabase.dataset(file), "\(file) is needed: it ships in data/")
        try TestDatabase.loadCSV(csv, into: table, label: label, on: connection)
    }

    /// The credit-card sample ships in data/, so this test always runs. The ROC-AUC floor sits
    /// below what the default options measured (0.962, see README); it catches a broken model, not noise.
    func testEndToEndOnTheCreditCardSampleWithIncrementalScoring() throws {
        try load("creditcard_sample.csv", as: "public.card", label: "Class")
        XCTAssertEqual(try aepg("init", "--db", conninfo).status, 0)
        let trained = try aepg("train", "--db", conninfo, "--table", "public.card", "--key", "id", "--exclude", "Time",
                               "--label", "Class", "--name", "card")
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stderr.contains("epoch 1/50"), "progress goes to stderr")
        XCTAssertTrue(trained.stdout.contains("trained card version 1 on 5099 of 5099 rows (29 features"), trained.stdout)
        let auc = try connection.execute("SELECT (metrics->>'roc_auc')::float8 FROM aepg.versions WHERE model = 'card'").double(0, 0)!
        XCTAssertGreaterThan(auc, 0.93, "ROC-AUC on the credit-card sample fell below the measured floor")

        // New rows: copies of existing ones under new keys.
        try connection.execute("CREATE TEMP TABLE extra AS SELECT * FROM public.card WHERE id IN (SELECT id FROM public.card ORDER BY id LIMIT 25)")
        try connection.execute("UPDATE extra SET id = id + 10000000")
        try connection.execute("INSERT INTO public.card SELECT * FROM extra")
        let scored = try aepg("score", "card", environment: ["DATABASE_URL": conninfo])
        XCTAssertEqual(scored.status, 0, scored.stderr)
        XCTAssertEqual(scored.stdout, "scored 25 rows\n")
        // A copied row gets the score its original got at training time.
        let pairs = try connection.execute("""
            SELECT a.score, b.score FROM aepg.card_flags a JOIN aepg.card_flags b ON b.id = a.id + 10000000
            """)
        XCTAssertEqual(pairs.rowCount, 25)
        // Scores are robust z-scores, of order 1 and near 0 for many rows: the tolerance is
        // relative to 1 for those (OpenBLAS may round a row's products differently by where the
        // row sits in a chunk, and the training scored in other chunks than aepg score).
        for i in 0..<pairs.rowCount {
            XCTAssertEqual(pairs.double(i, 0)!, pairs.double(i, 1)!, accuracy: 1e-6 * max(abs(pairs.double(i, 0)!), 1))
        }

        let retrained = try aepg("train", "card", "--db", conninfo, "--epochs", "3", "--contamination", "0.1")
        XCTAssertEqual(retrained.status, 0, retrained.stderr)
        XCTAssertTrue(retrained.stdout.contains("version 2 is active (was 1)"), retrained.stdout)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.card_flags WHERE flagged"),
                       try count("SELECT count(*) FROM aepg.card_results r JOIN aepg.versions v ON v.model = 'card' AND v.version = 2 AND r.version = 2 WHERE r.score > v.threshold"))

        let list = try aepg("list", "--db", conninfo)
        XCTAssertTrue(list.stdout.contains("card\tpublic.card\tversion 2"), list.stdout)
        let show = try aepg("show", "card", "--db", conninfo)
        XCTAssertTrue(show.stdout.contains("label     Class"), show.stdout)
    }

    /// Default options on cardio (from ../shared/data) measured ROC-AUC 0.934; the floor is below it.
    func testDefaultsClearTheMeasuredFloorOnCardio() throws {
        try load("cardio.csv", as: "public.cardio", label: "label")
        let trained = try aepg("train", "--db", conninfo, "--table", "public.cardio", "--key", "id", "--label", "label", "--name", "cardio")
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let auc = try connection.execute("SELECT (metrics->>'roc_auc')::float8 FROM aepg.versions WHERE model = 'cardio'").double(0, 0)!
        XCTAssertGreaterThan(auc, 0.88, "ROC-AUC on cardio fell below the measured floor")
    }

    func testUsageErrorsAndHostileNamesExitWithClearMessages() throws {
        let badName = try aepg("train", "--db", conninfo, "--table", "points", "--key", "id", "--name", "x; DROP TABLE points")
        XCTAssertEqual(badName.status, 64)
        XCTAssertTrue(badName.stderr.contains("error: model name \"x; DROP TABLE points\" is not allowed"), badName.stderr)
        let missing = try aepg("train", "--db", conninfo, "--table", "points\"; DROP TABLE points; --", "--key", "id", "--name", "m")
        XCTAssertEqual(missing.status, 64)
        XCTAssertTrue(missing.stderr.contains("does not exist"), missing.stderr)
        XCTAssertEqual(try count("SELECT count(*) FROM points"), 400, "nothing was dropped")
        let both = try aepg("train", "m", "--db", conninfo, "--threshold-sigma", "2", "--contamination", "0.1")
        XCTAssertEqual(both.status, 64)
        XCTAssertTrue(both.stderr.contains("either --threshold-sigma or --contamination"), both.stderr)
        let unknown = try aepg("score", "nosuchmodel", "--db", conninfo)
        XCTAssertEqual(unknown.status, 64)
        XCTAssertTrue(unknown.stderr.contains("model \"nosuchmodel\" does not exist"), unknown.stderr)
        let noServer = try aepg("list", "--db", "host=/nonexistent port=1 password=hunter2-secret")
        XCTAssertEqual(noServer.status, 69)
        XCTAssertFalse(noServer.stderr.contains("hunter2-secret"))
    }

    func testHelpListsEveryTrainingFlag() throws {
        let help = try aepg("train", "--help")
        let definitionFlags = ["--table", "--key", "--features", "--exclude", "--name", "--label", "--db"]
        for flag in definitionFlags + TrainOptionCatalog.all.map(\.flag) {
            XCTAssertTrue(help.stdout.contains(flag + " "), "aepg train --help lacks \(flag)")
        }
        XCTAssertEqual(TrainOptionCatalog.all.count, 38)
    }

    /// The binary carries its SQL: copied alone into an empty folder it installs the schema,
    /// trains and scores, with no sql/ folder anywhere near it.
    func testTheBinaryRunsAloneFromAnEmptyFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aepg-alone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let binary = folder.appendingPathComponent("aepg")
        try FileManager.default.copyItem(at: CommandLineRunner.executable, to: binary)
        func alone(_ arguments: String...) throws -> CommandLineRunner.Outcome {
            try CommandLineRunner.run(arguments, executable: binary, directory: folder, environment: ["AEPG_SHARE": ""])
        }
        let initialized = try alone("init", "--db", conninfo)
        XCTAssertEqual(initialized.status, 0, initialized.stderr)
        XCTAssertEqual(initialized.stdout, "aepg schema \(SchemaInstaller.version) is installed\n")
        let trained = try alone("train", "--db", conninfo, "--table", "points", "--key", "id", "--exclude", "label",
                                "--name", "alone", "--epochs", "2", "--time-limit", "60")
        XCTAssertEqual(trained.status, 0, trained.stderr)
        try connection.execute("INSERT INTO points SELECT id + 100000, a, b, c, d, label FROM points WHERE id <= 10")
        let scored = try alone("score", "alone", "--db", conninfo)
        XCTAssertEqual(scored.status, 0, scored.stderr)
        XCTAssertEqual(scored.stdout, "scored 10 rows\n")
        XCTAssertEqual(try connection.execute("SELECT options->>'time_limit' FROM aepg.versions WHERE model = 'alone'").string(0, 0), "60")
    }

    /// `aepg extension --out` writes this version's scripts and removes an older aepg's (which
    /// would install a schema without this version's checks), and nothing else.
    func testExtensionFilesReplaceAnOlderAepgsScripts() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aepg-extension-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["aepg--0.6.0.sql", "aepg--0.5.0--0.6.0.sql", "other--1.0.sql"] {
            try "-- \(name)".write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let written = try CommandLineRunner.run(["extension", "--out", folder.path])
        XCTAssertEqual(written.status, 0, written.stderr)
        XCTAssertTrue(written.stdout.contains("removed \(folder.appendingPathComponent("aepg--0.6.0.sql").path)"), written.stdout)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        XCTAssertEqual(left, Set(try ExtensionFiles.all().keys).union(["other--1.0.sql"]))
    }

    /// OpenBLAS runs the newest kernels the CPU can (it takes some CPUs it does not know for a
    /// Pentium 4), and `OPENBLAS_CORETYPE` still chooses when set; `--version` names the kernels.
    func testOpenBLASRunsKernelsSuitedToTheCPU() throws {
        let version = try aepg("--version")
        XCTAssertEqual(version.status, 0, version.stderr)
        XCTAssertTrue(version.stdout.hasPrefix("\(SchemaInstaller.version) (OpenBLAS kernels: "), version.stdout)
        if let chosen = ProcessInfo.processInfo.environment[BLASKernels.overrideVariable] {
            XCTAssertTrue(version.stdout.lowercased().contains(chosen.lowercased()), version.stdout)
        } else if BLASKernels.cpu != .older {
            let kernels = version.stdout.split(separator: ":").last?.trimmingCharacters(in: CharacterSet(charactersIn: " )\n")) ?? ""
            XCTAssertFalse(kernels.isEmpty || BLASKernels.olderThanAVX2.contains(kernels.lowercased()), "this CPU runs AVX2: \(version.stdout)")
        }
        let forced = try aepg("--version", environment: [BLASKernels.overrideVariable: "Prescott"])
        XCTAssertTrue(forced.stdout.contains("Prescott"), "a kernel choice in the environment stands: \(forced.stdout)")
    }

    /// Starts a long training and waits until it has finished `epochs` epochs.
    private func startLongTraining(_ model: String, until epochs: Int) throws -> (Process, URL) {
        let (process, _, err) = try CommandLineRunner.start(
            ["train", model, "--db", conninfo, "--epochs", "100000", "--patience", "0"],
            directory: FileManager.default.temporaryDirectory)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let text = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            if text.contains("epoch \(epochs)/") { return (process, err) }
            XCTAssertTrue(process.isRunning, "training ended early: \(text)")
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("training did not reach epoch \(epochs) within 120 s")
        process.terminate()
        throw CancellationError()
    }

    func testSigkillMidTrainingLeavesThePreviousVersionActiveAndWhole() throws {
        try train()
        let before = try connection.execute("SELECT string_agg(score::text, ',' ORDER BY id) FROM aepg.pts_flags").string(0, 0)
        let (process, _) = try startLongTraining("pts", until: 3)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try count("SELECT active_version FROM aepg.models WHERE name = 'pts'"), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.versions"), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.layers"), 4)
        XCTAssertEqual(try connection.execute("SELECT string_agg(score::text, ',' ORDER BY id) FROM aepg.pts_flags").string(0, 0), before)
        // The killed process's lock went with its connection: the next training runs.
        let next = try aepg("train", "pts", "--db", conninfo, "--epochs", "2")
        XCTAssertEqual(next.status, 0, next.stderr)
        XCTAssertEqual(try count("SELECT active_version FROM aepg.models WHERE name = 'pts'"), 2)
    }

    func testASecondTrainingOfTheSameModelFailsFastWhileTheFirstRuns() throws {
        try train()
        let (first, _) = try startLongTraining("pts", until: 1)
        defer { first.terminate(); first.waitUntilExit() }
        let second = try aepg("train", "pts", "--db", conninfo, "--epochs", "1")
        XCTAssertEqual(second.status, 75, "EX_TEMPFAIL tells cron to try later")
        XCTAssertTrue(second.stderr.contains("model \"pts\" is already being trained or scored by another aepg (server process"), second.stderr)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.versions"), 1)
    }
}
