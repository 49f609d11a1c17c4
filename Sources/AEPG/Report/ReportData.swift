/// Everything the HTML report shows, gathered from the catalog and the results table.
public struct ReportData {
    public struct Epoch {
        public var epoch: Int
        public var training: Double
        public var validation: Double?
    }

    /// Counts of log10(score) in equal-width bins, per label group ("all", or "normal" and "anomaly").
    public struct Histogram {
        public var low: Double
        public var high: Double
        public var bins: Int
        public var counts: [String: [Int]]
    }

    /// One sampled row in the 2-D latent picture.
    public struct LatentPoint {
        public var x: Double
        public var y: Double
        public var cluster: Int
        /// Whether its label marks it as an anomaly (binary labels).
        public var anomaly: Bool
    }

    public var model: String
    public var version: Int
    public var source: String
    public var trainedAt: String
    public var options: ResolvedOptions
    public var features: [String]
    public var rows: Int
    public var label: String?
    public var threshold: Double
    public var thresholdRule: String
    public var epochs: [Epoch]
    public var histogram: Histogram
    public var latent: [LatentPoint]
    /// "latent 1" and "latent 2", or "PC 1" and "PC 2" when the latent was projected.
    public var latentAxes: (String, String)
    public var clusterProfile: (columns: [String], rows: [[String]])
    /// Metric name and value, from the latest `aepg evaluate` of this version or its training.
    public var evaluation: [(String, Double)]
    public var evaluationSource: String
}
