import Foundation
import Learn
import PGClient

/// `aepg report`: gathers the active version's training history, score distribution, a sample
/// of latent vectors, the cluster profile and the evaluation, for `HTMLReport`.
public struct ReportPipeline {
    public var model: ModelName
    /// The label to split scores and mark points by; nil uses the model's own label.
    public var label: String?
    /// Rows drawn in the latent picture (a deterministic sample when the table is larger).
    public var sampleSize = 2000
    /// Bins of the score histogram.
    public var bins = 40

    public init(model: ModelName, label: String? = nil) {
        self.model = model
        self.label = label
    }

    public func run(on connection: PGConnection) throws -> ReportData {
        let catalog = Catalog(connection: connection)
        let definition = try catalog.model(model)
        guard let version = definition.activeVersion else {
            throw AEPGError(.noActiveVersion, "model \"\(model)\" has no trained version yet; run aepg train \(model)")
        }
        let v = try connection.execute("""
            SELECT options::text AS options, features::text AS features, threshold, threshold_rule,
                   loss_history::text AS loss_history, scored_rows, to_char(trained_at, 'YYYY-MM-DD HH24:MI TZ') AS trained_at
              FROM aepg.versions WHERE model = $1 AND version = $2
            """, [model.value, String(version)])
        let stored = try v.onlyRow()
        let options = try JSON.decode(ResolvedOptions.self, try stored.text("options"))
        let losses = try JSON.decode([LossRecord].self, try stored.text("loss_history"))
        let source = try SourceTable.resolve(definition.source, on: connection)
        let labelName = label ?? definition.labelColumn
        let labelColumn = try labelName.map { try source.column($0, role: "label") }
        let results = Publication.resultsTable(model), key = quoteIdentifier(try source.keyColumn(definition.keyColumn).name)
        let join = "FROM \(results) r JOIN \(source.readName) s ON s.\(key) = r.\(key) WHERE r.version = \(version)"
        // Only a 0/1 label splits the histogram and marks points; a class label would be noise there.
        // Its values come back with the histogram, so the join is read once for both.
        let labelValue = labelColumn.flatMap { $0.isNumeric ? $0.asDouble : nil } ?? "NULL"
        // The source is read three times (histogram, latent sample, cluster profile) in one
        // transaction with it pinned once.
        let (counted, binary, sample, profile) = try source.reading(on: connection, for: definition.definer) {
            let counted = try connection.execute("""
                WITH scored AS (SELECT log(greatest(r.score, 1e-12)) AS x, (\(labelValue))::float8 AS y \(join)),
                     span AS (SELECT min(x) AS low, greatest(max(x), min(x) + 1e-6) AS high FROM scored)
                SELECT span.low, span.high, least(width_bucket(scored.x, span.low, span.high, $1), $1) - 1, scored.y, count(*)
                  FROM scored, span GROUP BY 1, 2, 3, 4
                """, [String(bins)])
            let rowLabels = (0..<counted.rowCount).compactMap { counted.double($0, 3) }
            let binary = labelValue != "NULL" && rowLabels.allSatisfy { $0 == 0 || $0 == 1 }
            let sample = try connection.execute("""
                SELECT r.latent::text, r.cluster, \(binary ? "(\(labelValue)) = 1" : "false") \(join) ORDER BY md5(r.\(key)::text) LIMIT \(sampleSize)
                """)
            let profile = try connection.execute("SELECT * FROM aepg.\(quoteIdentifier(model.value + "_cluster_profile"))")
            return (counted, binary, sample, profile)
        }
        let low = counted.rowCount > 0 ? counted.double(0, 0)! : 0
        let high = counted.rowCount > 0 ? counted.double(0, 1)! : 1
        var counts: [String: [Int]] = [:]
        for i in 0..<counted.rowCount {
            let group = binary ? (counted.double(i, 3) == 1 ? "anomaly" : "normal") : "all"
            counts[group, default: [Int](repeating: 0, count: bins)][max(0, counted.int(i, 2)!)] += counted.int(i, 4)!
        }

        let vectors = (0..<sample.rowCount).map { PostgresArray.floats(sample.string($0, 0)!).map(Double.init) }
        var axes = ("latent 1", "latent 2")
        var planar = vectors.map { $0.count >= 2 ? [$0[0], $0[1]] : [$0.first ?? 0, 0] }
        if let width = vectors.first?.count, width > 2 {
            let pca = PrincipalComponents(points: vectors, count: 2)
            planar = vectors.map(pca.project)
            axes = ("PC 1 of the latent", "PC 2 of the latent")
        } else if vectors.first?.count == 1 {
            axes = ("latent 1", "(one-dimensional latent)")
        }
        let latent = planar.indices.map {
            ReportData.LatentPoint(x: planar[$0][0], y: planar[$0][1], cluster: sample.int($0, 1) ?? 0,
                                   anomaly: sample.bool($0, 2) ?? false)
        }

        let columns = profile.columnNames
        let profileRows = (0..<profile.rowCount).map { r in
            (0..<profile.columnCount).map { c -> String in
                guard let text = profile.string(r, c) else { return "" }
                if let number = Double(text), text.contains(".") { return String(format: "%.4g", number) }
                return text
            }
        }

        let evaluation = try connection.execute("""
            SELECT metrics::text AS metrics, label, to_char(at, 'YYYY-MM-DD HH24:MI') AS at FROM aepg.evaluations
             WHERE model = $1 AND version = $2 ORDER BY at DESC, id DESC LIMIT 1
            """, [model.value, String(version)])
        let metricsText: String, evaluationSource: String
        if let latest = evaluation.rows.first {
            metricsText = try latest.text("metrics")
            evaluationSource = "From aepg evaluate against \(try latest.text("label")) at \(try latest.text("at"))."
        } else {
            metricsText = try connection.execute("SELECT metrics::text FROM aepg.versions WHERE model = $1 AND version = $2",
                                                 [model.value, String(version)]).string(0, 0) ?? "{}"
            evaluationSource = "Measured at training time against \(definition.labelColumn ?? "no label")."
        }
        let metrics = try JSON.decode([String: Double].self, metricsText)
        let shown = ["roc_auc", "pr_auc", "precision", "recall", "f1", "precision_at_1pct", "precision_at_5pct",
                     "true_positives", "false_positives", "true_negatives", "false_negatives",
                     "clustering_accuracy", "nmi", "ari"]
        let evaluationRows = shown.compactMap { name in metrics[name].map { (name, $0) } }

        return ReportData(
            model: model.value, version: version, source: source.name, trainedAt: try stored.text("trained_at"),
            options: options, features: PostgresArray.strings(try stored.text("features")), rows: try stored.int("scored_rows"),
            label: binary ? labelName : nil, threshold: try stored.double("threshold"), thresholdRule: try stored.text("threshold_rule"),
            epochs: losses.map { .init(epoch: $0.epoch, training: $0.training, validation: $0.validation) },
            histogram: .init(low: low, high: high, bins: bins, counts: counts), latent: latent, latentAxes: axes,
            clusterProfile: (columns, profileRows), evaluation: evaluationRows, evaluationSource: evaluationSource)
    }
}
