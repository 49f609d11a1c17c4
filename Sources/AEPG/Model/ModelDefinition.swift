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
    /// The role that last wrote the definition (recorded by `aepg.check_model_definition`); nil
    /// before it is saved, and for definitions saved before schema 0.6.0 recorded it.
    public var definedBy: String?
    /// When the model's row was created (as PostgreSQL prints it); nil before it is saved. A
    /// training publishes only into the model it read, not one defined under its name since.
    public var createdAt: String?

    /// The source's OID once aepg has resolved and read it: the definition is saved by it, so a
    /// name taken over between the read and the save (by whoever owns the schema) is not saved.
    public var sourceOID: UInt32?

    /// Whose view of the source a read for this stored definition must not exceed.
    public var definer: SourceViewer { definedBy.map(SourceViewer.role) ?? .unrecorded }

    public init(name: ModelName, source: String, keyColumn: String, features: [String]? = nil,
                exclude: [String] = [], labelColumn: String? = nil, options: TrainOptions = TrainOptions(),
                activeVersion: Int? = nil, definedBy: String? = nil, createdAt: String? = nil) {
        self.name = name
        self.source = source
        self.keyColumn = keyColumn
        self.features = features
        self.exclude = exclude
        self.labelColumn = labelColumn
        self.options = options
        self.activeVersion = activeVersion
        self.definedBy = definedBy
        self.createdAt = createdAt
    }
}
