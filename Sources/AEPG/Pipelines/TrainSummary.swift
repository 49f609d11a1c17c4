import Learn

/// What `aepg train` did, for printing and for tests.
public struct TrainSummary {
    public var model: ModelName
    public var version: Int
    public var previousVersion: Int?
    public var rows: Int
    public var features: [String]
    public var options: ResolvedOptions
    public var history: TrainingHistory
    public var threshold: Double
    public var flaggedRows: Int
    public var clusterSizes: [Int]
    public var inertia: Double
    /// Quality against the label column, when the model has one.
    public var metrics: BinaryMetrics?
    /// Agreement of the clusters with a class label column, when the label is not 0/1.
    public var clustering: ClusteringMetrics?
    public var stages: [(name: String, seconds: Double)]
    public var seconds: Double
    public var imputedNulls: Int
}
