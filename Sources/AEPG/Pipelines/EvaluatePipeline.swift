import Foundation
import Learn
import Logging
import PGClient

/// What `aepg evaluate` measured for the active version against a 0/1 label column.
public struct Evaluation: Codable, Equatable {
    public var version: Int
    public var label: String
    public var rows: Int
    public var positives: Int
    public var threshold: Double
    public var metrics: BinaryMetrics
    /// Share of anomalies among the 1 % and 5 % highest-scoring rows.
    public var precisionAtTop1Percent: Double
    public var precisionAtTop5Percent: Double
}

/// `aepg evaluate`: scores of the active version against a label column (1 = anomaly,
/// 0 = normal, NULL rows left out); the metrics are stored in `aepg.evaluations`.
public struct EvaluatePipeline {
    public var model: ModelName
    /// The label column; nil uses the model's own label.
    public var label: String?

    public init(model: ModelName, label: String? = nil) {
        self.model = model
        self.label = label
    }

    public func run(on connection: PGConnection) throws -> Evaluation {
        let catalog = Catalog(connection: connection)
        let definition = try catalog.model(model)
        let trained = try catalog.trainedModel(model)
        guard let labelName = label ?? definition.labelColumn else {
            throw AEPGError(.invalidOption, "model \"\(model)\" has no label column; give one with --label COLUMN")
        }
        let source = try SourceTable.resolve(definition.source, on: connection)
        let labelColumn = try source.column(labelName, role: "label")
        guard labelColumn.isNumeric else {
            throw AEPGError(.unsupportedType, "label column \"\(labelName)\" has type \(labelColumn.typeName); it must be 0/1 or boolean")
        }
        let key = quoteIdentifier(definition.keyColumn)
        let rows = try connection.execute("""
            SELECT r.score, \(labelColumn.asDouble)
              FROM \(Publication.resultsTable(model)) r JOIN \(source.name) s ON s.\(key) = r.\(key)
             WHERE r.version = $1 AND \(labelColumn.asDouble) IS NOT NULL
            """, [String(trained.version)])
        guard rows.rowCount > 0 else {
            throw AEPGError(.notEnoughRows, "no scored row of \(source.name) has a \(labelName) value; run aepg score \(model) first")
        }
        let scores = (0..<rows.rowCount).map { rows.double($0, 0)! }
        let labels = (0..<rows.rowCount).map { rows.double($0, 1)! != 0 }
        let ranked = scores.indices.sorted { scores[$0] > scores[$1] }
        func precisionAtTop(_ share: Double) -> Double {
            let count = max(1, Int((Double(ranked.count) * share).rounded(.up)))
            return Double(ranked.prefix(count).filter { labels[$0] }.count) / Double(count)
        }
        let evaluation = Evaluation(
            version: trained.version, label: labelName, rows: scores.count, positives: labels.filter { $0 }.count,
            threshold: trained.threshold,
            metrics: BinaryMetrics.evaluate(scores: scores, labels: labels, threshold: trained.threshold),
            precisionAtTop1Percent: precisionAtTop(0.01), precisionAtTop5Percent: precisionAtTop(0.05))
        try connection.execute("INSERT INTO aepg.evaluations (model, version, label, metrics) VALUES ($1, $2, $3, $4::jsonb)",
                               [model.value, String(trained.version), labelName, try JSON.encode(evaluation.storedMetrics)])
        return evaluation
    }
}

extension Evaluation {
    /// The metrics as stored in `aepg.evaluations.metrics` (NaN, e.g. ROC-AUC with one class, left out).
    var storedMetrics: [String: Double] {
        let m = metrics
        let extra: [String: Double] = [
            "true_positives": Double(m.truePositives), "false_positives": Double(m.falsePositives),
            "true_negatives": Double(m.trueNegatives), "false_negatives": Double(m.falseNegatives),
            "precision_at_1pct": precisionAtTop1Percent, "precision_at_5pct": precisionAtTop5Percent,
            "rows": Double(rows), "positives": Double(positives), "threshold": threshold,
        ]
        return m.storedValues.merging(extra) { $1 }.filter { $0.value.isFinite }
    }
}

extension BinaryMetrics {
    /// The headline metrics under the jsonb keys aepg stores them with (`aepg.versions.metrics`,
    /// `aepg.evaluations.metrics`).
    var storedValues: [String: Double] {
        ["roc_auc": rocAUC, "pr_auc": prAUC, "precision": precision, "recall": recall, "f1": f1]
    }
}
