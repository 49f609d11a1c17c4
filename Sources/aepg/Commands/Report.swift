import AEPG
import ArgumentParser
import Foundation

/// `aepg report`: a self-contained HTML report of the active version.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an HTML report of the active version: loss curves, score histogram, latent space, clusters, evaluation.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The model.") var model: String
    @Option(help: "Where to write the report.") var out: String = "report.html"
    @Option(help: "0/1 label column to split scores and mark points by; default: the model's label.") var label: String?

    func run() throws {
        let data = try ReportPipeline(model: try ModelName(model), label: label).run(on: try connection.connect())
        do {
            try HTMLReport(data: data).html.write(toFile: out, atomically: true, encoding: .utf8)
        } catch {
            throw AEPGError(.invalidOption, "cannot write \(out): \(error.localizedDescription)")
        }
        print("wrote \(out)")
    }
}
