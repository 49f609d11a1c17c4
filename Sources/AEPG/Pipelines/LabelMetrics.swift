import Learn

/// Quality against a label column, whichever kind it is: a 0/1 anomaly label gives binary
/// metrics of the scores; any other numeric label is a class, compared with the clusters.
struct LabelMetrics {
    var binary: BinaryMetrics?
    var clustering: ClusteringMetrics?

    /// Whether every known label is 0 or 1 (an anomaly label rather than a class).
    static func isAnomalyLabel(_ labels: [Double]) -> Bool {
        labels.allSatisfy { $0.isNaN || $0 == 0 || $0 == 1 }
    }

    init(binary: BinaryMetrics?, clustering: ClusteringMetrics?) {
        self.binary = binary
        self.clustering = clustering
    }

    /// Metrics for the rows whose label is known (not NaN); none when there are no labels.
    init(labels: [Double], scores: [Double], threshold: Double, clusters: [Int32]) {
        let known = labels.indices.filter { !labels[$0].isNaN }
        guard !known.isEmpty else { return }
        if Self.isAnomalyLabel(labels) {
            binary = BinaryMetrics.evaluate(scores: known.map { scores[$0] }, labels: known.map { labels[$0] != 0 },
                                            threshold: threshold)
        } else {
            clustering = ClusteringMetrics.evaluate(clusters: known.map { clusters[$0] }, classes: known.map { labels[$0] })
        }
    }

    /// The values stored in `aepg.versions.metrics` / `aepg.evaluations.metrics`.
    var storedValues: [String: Double] {
        var values = binary?.storedValues ?? [:]
        if let c = clustering {
            values.merge(["clustering_accuracy": c.accuracy, "nmi": c.nmi, "ari": c.ari,
                          "clusters": Double(c.clusters), "classes": Double(c.classes)]) { $1 }
        }
        return values
    }
}
