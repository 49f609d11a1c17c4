import AEPG
import ArgumentParser
import Foundation

/// `aepg evaluate`: quality of the active version against a label column.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate the active version against a label column (0/1 anomaly label or a class); stores the metrics in aepg.evaluations.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The model.") var model: String
    @Option(help: "Label column: 0/1 (1 = anomaly) for score metrics, any other values are classes for clustering metrics; default: the model's label.") var label: String?

    func run() throws {
        let e = try EvaluatePipeline(model: try ModelName(model), label: label).run(on: try connection.connect())
        print(EvaluationTable(evaluation: e, model: model).text)
    }
}

/// The table `aepg evaluate` prints.
struct EvaluationTable {
    let evaluation: Evaluation
    let model: String

    private func row(_ name: String, _ value: Double) -> String {
        name.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: "%.4f", value)
    }

    var text: String {
        let e = evaluation
        if let c = e.clustering {
            return """
                \(model) version \(e.version) against \(e.label): \(e.rows) rows, \(c.classes) classes, \(c.clusters) clusters
                \(row("accuracy (Hungarian)", c.accuracy))
                \(row("NMI", c.nmi))
                \(row("ARI", c.ari))
                """
        }
        guard let m = e.metrics else { return "" }
        return """
            \(model) version \(e.version) against \(e.label): \(e.rows) rows, \(e.positives) anomalies, threshold \(String(format: "%.6g", e.threshold))
            \(row("ROC-AUC", m.rocAUC))
            \(row("PR-AUC", m.prAUC))
            \(row("precision", m.precision))
            \(row("recall", m.recall))
            \(row("F1", m.f1))
            \(row("precision @ 1 %", e.precisionAtTop1Percent ?? .nan))
            \(row("precision @ 5 %", e.precisionAtTop5Percent ?? .nan))
            confusion matrix      flagged   not flagged
              anomaly          \(String(format: "%10d %13d", m.truePositives, m.falseNegatives))
              normal           \(String(format: "%10d %13d", m.falsePositives, m.trueNegatives))
            """
    }
}
