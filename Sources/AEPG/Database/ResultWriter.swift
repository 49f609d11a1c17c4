import PGClient

/// Encodes rows of a model's results table for binary `COPY FROM STDIN`.
struct ResultWriter {
    let table: String
    let keyColumn: String
    let version: Int32
    /// Input names as UTF-8, encoded once, indexed by input position (see `FeatureEncoding.inputNames`).
    let featureNames: [[UInt8]]
    private let encoder = BinaryCopyEncoder()

    /// Whether the COPY freezes its rows (only into a table made in the same transaction).
    let freeze: Bool

    init(table: String, keyColumn: String, version: Int, features: [String], freeze: Bool = false) {
        self.table = table
        self.freeze = freeze
        self.keyColumn = keyColumn
        self.version = Int32(version)
        featureNames = features.map { Array($0.utf8) }
    }

    var copySQL: String {
        "COPY \(table) (\(quoteIdentifier(keyColumn)), version, latent, cluster, distance, confidence, score, top_features) FROM STDIN (FORMAT binary\(freeze ? ", FREEZE" : ""))"
    }

    /// A temporary table shaped like `results`, dropped at commit, to COPY into before `mergeSQL`.
    static func stagingSQL(like results: String) -> String {
        "CREATE TEMP TABLE aepg_staging (LIKE \(results)) ON COMMIT DROP"
    }

    /// Moves the staged rows into `results`, replacing a row the realtime trigger (or anything
    /// else) wrote for the same version and key meanwhile.
    static func mergeSQL(into results: String, keyColumn: String) -> String {
        """
        INSERT INTO \(results) SELECT * FROM pg_temp.aepg_staging
        ON CONFLICT (version, \(quoteIdentifier(keyColumn))) DO UPDATE
           SET latent = EXCLUDED.latent, cluster = EXCLUDED.cluster, distance = EXCLUDED.distance,
               confidence = EXCLUDED.confidence, score = EXCLUDED.score, top_features = EXCLUDED.top_features
        """
    }

    /// Appends one result row; `confidence` is the soft-assignment confidence of the row's cluster
    /// when a fine-tuned encoder holds the clusters (DEC, the neighbour embedding), nil (written as
    /// NULL) for k-means in the autoencoder's latent space.
    func append(key: UnsafeRawBufferPointer, latent: UnsafePointer<Float>, latentWidth: Int,
                cluster: Int32, distance: Float, confidence: Float?, score: Double,
                topFeatures: UnsafePointer<Int32>, topCount: Int, into out: inout [UInt8]) {
        encoder.beginRow(fields: 8, into: &out)
        encoder.raw(key, into: &out)
        encoder.int4(version, into: &out)
        encoder.float4Array(latent, count: latentWidth, into: &out)
        encoder.int4(cluster, into: &out)
        encoder.float4(distance, into: &out)
        if let confidence { encoder.float4(confidence, into: &out) } else { encoder.null(into: &out) }
        encoder.float8(score, into: &out)
        encoder.textArray(indices: topFeatures, count: topCount, vocabulary: featureNames, into: &out)
    }
}
