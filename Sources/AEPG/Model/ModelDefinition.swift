/// What a model reads: its source table, key, features and label, plus stored options.
/// One row of `aepg.models`.
public struct ModelDefinition: Equatable, Sendable {
    public var name: ModelName
    /// The source table as PostgreSQL prints a regclass (quoted where needed, e.g. `public."My Table"`).
    public var source: String
    public var keyColumn: String
    /// Explicit feature columns; nil means every numeric and numeric-array column but key, label and `exclude`.
    public var features: [String]?
    public var exclude: [String]
    public var labelColumn: String?
    public var options: TrainOptions
    public var activeVersion: Int?

    public init(name: ModelName, source: String, keyColumn: String, features: [String]? = nil,
                exclude: [String] = [], labelColumn: String? = nil, options: TrainOptions = TrainOptions(),
                activeVersion: Int? = nil) {
        self.name = name
        self.source = source
        self.keyColumn = keyColumn
        self.features = features
        self.exclude = exclude
        self.labelColumn = labelColumn
        self.options = options
        self.activeVersion = activeVersion
    }
}
