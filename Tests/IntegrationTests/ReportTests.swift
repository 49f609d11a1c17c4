import AEPG
import Foundation
import PGClient
import XCTest

/// `aepg report`: the HTML carries every chart and table, and a real browser (headless
/// Chromium) loads it without errors and lays the charts out.
final class ReportTests: DatabaseTestCase {
    private func writeReport(_ model: String) throws -> URL {
        let html = HTMLReport(data: try ReportPipeline(model: ModelName(model)).run(on: connection)).html
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("aepg-report-\(model)-\(getpid()).html")
        try html.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    func testReportHasEveryChartAndTable() throws {
        try train(options: { var o = Self.fast; o.latent = 3; return o }())  // 3-D latent: drawn as its PCA
        _ = try EvaluatePipeline(model: ModelName("pts")).run(on: connection)
        let file = try writeReport("pts")
        defer { try? FileManager.default.removeItem(at: file) }
        let html = try String(contentsOf: file, encoding: .utf8)
        for id in ["loss-chart", "score-histogram", "latent-scatter", "cluster-profile", "evaluation"] {
            XCTAssertTrue(html.contains("id=\"\(id)\""), id)
        }
        XCTAssertTrue(html.contains("PC 1 of the latent"))
        XCTAssertTrue(html.contains(">anomaly<"), "the histogram is split by the 0/1 label")
        XCTAssertEqual(html.components(separatedBy: "class=\"point marked\"").count - 1, 10, "the 10 labelled outliers are crosses")
        XCTAssertFalse(html.contains("<script"), "self-contained: no scripts")
        XCTAssertFalse(html.contains("src=\"") || html.contains("href=\"http") || html.contains("url("),
                       "self-contained: nothing loaded from elsewhere")
        try renderInChromium(file)
    }

    /// A class label: no histogram split, clustering metrics in the evaluation table.
    func testReportForAClassLabelAndDeepEmbeddedClustering() throws {
        try connection.execute("ALTER TABLE points ADD COLUMN segment int")
        try connection.execute("UPDATE points SET segment = (id % 3)")
        try train("seg", label: "segment", options: { var o = Self.fast; o.cluster = .dec; return o }())
        let file = try writeReport("seg")
        defer { try? FileManager.default.removeItem(at: file) }
        let html = try String(contentsOf: file, encoding: .utf8)
        XCTAssertTrue(html.contains("clustering_accuracy"))
        XCTAssertTrue(html.contains("mean_confidence"))
        XCTAssertFalse(html.contains(">anomaly<"))
    }

    /// Loads the page in headless Chromium: the DOM it builds must hold the three charts with
    /// their marks, the console must stay free of errors, and a screenshot must be produced.
    private func renderInChromium(_ file: URL) throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            if ProcessInfo.processInfo.environment["AEPG_REQUIRE_CHROMIUM"] != nil {
                return XCTFail("Chromium is required (AEPG_REQUIRE_CHROMIUM) but not installed: apt-get install chromium")
            }
            throw XCTSkip("headless Chromium is not installed (scripts/install-deps.sh --tests installs it)")
        }
        let screenshot = file.deletingPathExtension().appendingPathExtension("png")
        defer { try? FileManager.default.removeItem(at: screenshot) }
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]
        let dom = try run(chromium, common + ["--dump-dom", file.absoluteString])
        for id in ["loss-chart", "score-histogram", "latent-scatter"] {
            XCTAssertTrue(dom.output.contains("<svg id=\"\(id)\""), "\(id) is in the rendered DOM")
        }
        XCTAssertTrue(dom.output.contains("<polyline"), "loss curves rendered")
        XCTAssertTrue(dom.output.contains("<rect class=\"bar\""), "histogram bars rendered")
        XCTAssertTrue(dom.output.contains("<circle class=\"point\""), "latent points rendered")
        let consoleErrors = dom.errors.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
        XCTAssertTrue(consoleErrors.isEmpty, consoleErrors.joined(separator: "\n"))
        _ = try run(chromium, common + ["--window-size=1100,2400", "--screenshot=\(screenshot.path)", file.absoluteString])
        let size = (try FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? Int) ?? 0
        XCTAssertGreaterThan(size, 20_000, "a screenshot with content")
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile(), errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, String(decoding: errors, as: UTF8.self))
        return (String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }
}
