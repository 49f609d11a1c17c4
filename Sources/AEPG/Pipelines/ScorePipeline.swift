import Foundation
import Learn
import Logging
import PGClient

/// `aepg score`: scores rows the active version has not scored yet (or all rows), streaming.
///
/// One connection streams the source rows out (binary COPY), a second streams results in
/// (binary COPY) inside one transaction; memory holds one chunk of rows, whatever the table's size.
public struct ScorePipeline {
    public var model: ModelName
    /// Rescore every row instead of only the unscored ones.
    public var all: Bool
    public var logger: Logger

    public init(model: ModelName, all: Bool = false, logger: Logger) {
        self.model = model
        self.all = all
        self.logger = logger
    }

    /// Scores and returns how many rows were written.
    /// - Parameter conninfo: opens the second (writing) connection.
    public func run(on connection: PGConnection, conninfo: String) throws -> Int {
        try SchemaInstaller.ensureInstalled(on: connection)
        let lock = try ModelLock.acquire("score", model: model, on: connection)
        defer { lock.release() }
        let catalog = Catalog(connection: connection)
        let definition = try catalog.model(model)
        let trained = try catalog.trainedModel(model)
        let source = try SourceTable.resolve(definition.source, on: connection)
        let features = try trained.features.map { try source.column($0, role: "feature") }
        if let wrong = features.first(where: { !$0.isNumeric }) {
            throw AEPGError(.unsupportedType, "feature column \"\(wrong.name)\" of \(source.name) is now \(wrong.typeName); retrain the model")
        }
        let query = FeatureQuery(source: source, key: try source.column(definition.keyColumn, role: "key"),
                                 features: features, label: nil)
        let results = Publication.resultsTable(model)
        let writer = ResultWriter(table: results, keyColumn: definition.keyColumn, version: trained.version, features: trained.features)
        let chunk = ScoringChunk(model: trained)
        let reader = FeatureReader(query: query)
        let output = try PGConnection(conninfo)
        var written = 0
        do {
            try connection.execute("SELECT set_config('aepg.version', $1, false)", [String(trained.version)])
            try output.transaction {
                if all { try output.execute("DELETE FROM \(results) WHERE version = $1", [String(trained.version)]) }
                try output.copyIn(writer.copySQL) { copy in
                    writer.header(&copy.pending)
                    try reader.read(connection, sql: query.copySQL(skipScoredIn: all ? nil : results)) { key, row, _ in
                        chunk.add(key: key, features: row)
                        if chunk.isFull {
                            written += chunk.flush(writer, into: &copy.pending)
                            try copy.flushIfNeeded()
                        }
                    }
                    written += chunk.flush(writer, into: &copy.pending)
                    writer.trailer(&copy.pending)
                }
            }
        } catch let error as PGError where error.sqlState == PGError.State.uniqueViolation {
            throw AEPGError(.badData, "key column \"\(definition.keyColumn)\" has duplicate values; the key must identify each row uniquely")
        } catch let error as PGError {
            throw AEPGError.database(error, while: "scoring \(model)")
        }
        logger.info("scored \(written) row(s) with \(model) version \(trained.version)")
        return written
    }
}

/// A chunk of rows waiting to be scored: raw keys and standardized features, reused across chunks.
final class ScoringChunk {
    private let model: TrainedModel
    private let scorer: ReconstructionScorer
    private let features: FloatBuffer
    private var keys = KeyColumn()
    private let width: Int

    init(model: TrainedModel) {
        self.model = model
        scorer = ReconstructionScorer(network: model.network, loss: .mse)
        width = model.features.count
        features = FloatBuffer(count: scorer.chunkSize * width)
    }

    var isFull: Bool { keys.count == scorer.chunkSize }

    /// Adds one row (raw feature values; NULL as NaN).
    func add(key: UnsafeRawBufferPointer, features row: UnsafeMutablePointer<Float>) {
        let destination = features.pointer + keys.count * width
        destination.update(from: row, count: width)
        model.scaler.transform(row: destination)
        keys.append(key)
    }

    /// Scores the pending rows, encodes their results, empties the chunk; returns the row count.
    func flush(_ writer: ResultWriter, into out: inout [UInt8]) -> Int {
        let count = keys.count
        guard count > 0 else { return 0 }
        scorer.scoreChunk(features.pointer, count: count)
        let latentWidth = scorer.latentWidth, topCount = scorer.topFeatureCount
        let k = model.centroids.rows
        model.centroids.storage.withUnsafeBufferPointer { centroids in
            for r in 0..<count {
                let latent = scorer.latent + r * latentWidth
                let (cluster, distance) = KMeans.nearest(latent, centroids: centroids.baseAddress!, k: k, dimensions: latentWidth)
                keys.withKey(r) { key in
                    writer.append(key: key, latent: latent, latentWidth: latentWidth, cluster: cluster, distance: distance,
                                  score: scorer.scores[r], topFeatures: scorer.topFeatures + r * topCount,
                                  topCount: topCount, into: &out)
                }
            }
        }
        keys.removeAll()
        return count
    }
}
