import Foundation
import Learn
import Logging
import PGClient

/// What `aepg evaluate` measured for the active version against a label column: binary
/// metrics of the scores for a 0/1 label, clustering metrics for any other (class) label.
public struct Evaluation: Codable, Equatable {
    public var version: Int
    public var label: String
    public var rows: Int
    /// Rows labelled 1 (binary labels).
    public var positives: Int
    public var threshold: Double
    public var metrics: BinaryMetrics?
    /// Share of anomalies among the 1 % and 5 % highest-scoring rows.
    public var precisionAtTop1Percent: Double?
    public var precisionAtTop5Percent: Double?
    public var clustering: ClusteringMetrics?
}

/// `aepg evaluate`: the active version's results against a label column (NULL rows left out);
/// the metrics are stored in `aepg.evaluations`.
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
        let labelColumn = try source.evaluationLabel(labelName)
        let labelValue = labelColumn.isNumeric ? labelColumn.asDouble : labelColumn.asText
        let key = quoteIdentifier(try source.keyColumn(definition.keyColumn).name)
        let rows = try source.reading(on: connection, for: definition.definer) { try connection.execute("""
            SELECT r.score, r.cluster, \(labelValue)::text AS label
              FROM \(Publication.resultsTable(model)) r JOIN \(source.readName) s ON s.\(key) = r.\(key)
             WHERE r.version = $1 AND \(labelValue) IS NOT NULL
            """, [String(trained.version)]) }
        guard rows.rowCount > 0 else {
            throw AEPGError(.notEnoughRows, "no scored row of \(source.name) has a \(labelName) value; run aepg score \(model) first")
        }
        let scores = try rows.rows.map { try $0.double("score") }
        let texts = try rows.rows.map { try $0.text("label") }
        let numbers = labelColumn.isNumeric ? texts.map { Double($0) ?? .nan } : nil
        var evaluation = Evaluation(version: trained.version, label: labelName, rows: scores.count, positives: 0,
                                    threshold: trained.threshold)
        if let numbers, LabelMetrics.isAnomalyLabel(numbers) {
            let labels = numbers.map { $0 != 0 }
            let ranked = scores.indices.sorted { scores[$0] > scores[$1] }
            func precisionAtTop(_ share: Double) -> Double {
                let count = max(1, Int((Double(ranked.count) * share).rounded(.up)))
                return Double(ranked.prefix(count).filter { labels[$0] }.count) / Double(count)
            }
            evaluation.positives = labels.filter { $0 }.count
            evaluation.metrics = BinaryMetrics.evaluate(scores: scores, labels: labels, threshold: trained.threshold)
            evaluation.precisionAtTop1Percent = precisionAtTop(0.01)
            evaluation.precisionAtTop5Percent = precisionAtTop(0.05)
        } else {
            let clusters = (0..<rows.rowCount).map { rows.int($0, 1) ?? -1 }
            evaluation.clustering = ClusteringMetrics.evaluate(clusters: clusters, classes: texts)
        }
        try connection.execute("INSERT INTO aepg.evaluations (model, version, label, metrics) VALUES ($1, $2, $3, $4::jsonb)",
                               [model.value, String(trained.version), labelName, try JSON.encode(evaluation.storedMetrics)])
        return evaluation
    }
}

extension Evaluation {
    /// The metrics as stored in `aepg.evaluations.metrics` (NaN, e.g. ROC-AUC with one class, left out).
    var storedMetrics: [String: Double] {
        var values: [String: Double] = ["rows": Double(rows), "threshold": threshold]
        values.merge(LabelMetrics(binary: metrics, clustering: clustering).storedValues) { $1 }
        if let m = metrics {
            values.merge([
                "true_positives": Double(m.truePositives), "false_positives": Double(m.falsePositives),
                "true_negatives": Double(m.trueNegatives), "false_negatives": Double(m.falseNegatives),
                "precision_at_1pct": precisionAtTop1Percent ?? .nan, "precision_at_5pct": precisionAtTop5Percent ?? .nan,
                "positives": Double(positives),
            ]) { $1 }
        }
        return values.filter { $0.value.isFinite }
    }
}

extension BinaryMetrics {
    /// The headline metrics under the jsonb keys aepg stores them with (`aepg.versions.metrics`,
    /// `aepg.evaluations.metrics`).
    var storedValues: [String: Double] {
        ["roc_auc": rocAUC, "pr_auc": prAUC, "precision": precision, "recall": recall, "f1": f1]
    }
}
