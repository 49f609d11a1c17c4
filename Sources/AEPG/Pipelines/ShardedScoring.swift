import PGClient

/// Splits a model's scoring into key-range jobs that workers run in parallel.
public enum ShardedScoring {
    /// Enqueues one `score` job per key range (about equal row counts); returns their ids.
    public static func enqueue(model: ModelName, shards: Int, all: Bool, on connection: PGConnection) throws -> [Int] {
        guard shards >= 1 && shards <= 1024 else { throw AEPGError(.invalidOption, "--shards must be between 1 and 1024") }
        try SchemaInstaller.ensureInstalled(on: connection)
        let definition = try Catalog(connection: connection).model(model)
        let source = try SourceTable.resolve(definition.source, on: connection)
        let key = try source.keyColumn(definition.keyColumn)
        let ranges = try source.reading(on: connection, for: definition.definer) { try KeyRange.split(source, key: key, into: shards, on: connection) }
        return try connection.transaction {
            try ranges.enumerated().map { index, range in
                let args = ScoreJobArguments(all: all, shard: index, after: range.after, upTo: range.upTo)
                return try connection.execute("SELECT aepg.enqueue('score', $1, $2::jsonb)",
                                              [model.value, try JSON.encode(args)]).int(0, 0)!
            }
        }
    }
}

/// Arguments of a `score` job: `{"all": true}`, `{"shards": 4}` (split into shard jobs), or one
/// shard `{"shard": 2, "after": "...", "up_to": "..."}`.
struct ScoreJobArguments: Codable {
    var all: Bool?
    var shards: Int?
    var shard: Int?
    var after: String?
    var upTo: String?

    enum CodingKeys: String, CodingKey {
        case all, shards, shard, after
        case upTo = "up_to"
    }

    init(all: Bool? = nil, shards: Int? = nil, shard: Int? = nil, after: String? = nil, upTo: String? = nil) {
        self.all = all
        self.shards = shards
        self.shard = shard
        self.after = after
        self.upTo = upTo
    }

    /// The key range of a shard job, nil for a whole-table job.
    var range: KeyRange? { shard == nil ? nil : KeyRange(after: after, upTo: upTo) }
}
