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
    /// Score only the keys in this range (a shard); nil scores the whole table.
    public var range: KeyRange?
    /// Which shard this is, for the lock that keeps two runs of one shard apart.
    public var shard: Int?
    public var logger: Logger

    public init(model: ModelName, all: Bool = false, range: KeyRange? = nil, shard: Int? = nil, logger: Logger) {
        self.model = model
        self.all = all
        self.range = range
        self.shard = shard
        self.logger = logger
    }

    /// Scores and returns how many rows were written.
    /// - Parameter conninfo: opens the second (writing) connection.
    public func run(on connection: PGConnection, conninfo: String) throws -> Int {
        try SchemaInstaller.ensureInstalled(on: connection)
        try Catalog(connection: connection).checkMayWriteResults("score", model: model)
        let lock = try ModelLock.acquire(shard.map { "score.\($0)" } ?? "score", model: model, on: connection)
        defer { lock.release() }
        // Scores share the model with each other, not with a training (which takes this lock alone).
        let training = try ModelLock.acquire("train", model: model, shared: true, on: connection)
        defer { training.release() }
        let catalog = Catalog(connection: connection)
        let definition = try catalog.model(model)
        let trained = try catalog.trainedModel(model)
        let source = try SourceTable.resolve(definition.source, on: connection)
        let encoding = trained.encoding
        let numeric = try encoding.numericColumns.map { NumericFeature(column: try source.column($0.name, role: "feature"), length: $0.length) }
        if let wrong = numeric.first(where: { $0.length == nil ? !$0.column.isNumeric : !$0.column.isNumericArray }) {
            throw AEPGError(.unsupportedType,
                "feature column \"\(wrong.column.name)\" of \(source.name) is now \(wrong.column.typeName); retrain the model")
        }
        let query = FeatureQuery(source: source, key: try source.keyColumn(definition.keyColumn), features: numeric,
                                 categorical: try encoding.categorical.map { try source.column($0.name, role: "feature") },
                                 label: nil)
        let results = Publication.resultsTable(model)
        // Rows written in serializable transactions keep their old results (the realtime trigger
        // notes them instead): those results go first, so the rows are scored again below. A
        // shard leaves them to an unsharded run, whose range covers every key.
        if range == nil, let cleared = try connection.execute("SELECT aepg.take_pending($1)", [model.value]).int(0, 0), cleared > 0 {
            logger.info("\(cleared) row(s) of \(model) were written in serializable transactions since they were scored; scoring them again")
        }
        let plan = ScoreStream(model: model, trained: trained, query: query, viewer: definition.definer, results: results, all: all, range: range)
        let outcome: (written: Int, unseen: Int)
        do {
            do {
                outcome = try plan.run(reading: connection, writing: try Session.connect(conninfo), merging: false)
            } catch let error as PGError where error.sqlState == PGError.State.uniqueViolation {
                // Rows of this version were written meanwhile (realtime scoring) or the key is not
                // unique: score again, merging through a staging table, which tells the two apart.
                logger.info("rows of \(model) were written while scoring; scoring again, merging them")
                outcome = try plan.run(reading: connection, writing: try Session.connect(conninfo), merging: true)
            }
        } catch let error as PGError where error.sqlState == PGError.State.cardinalityViolation {
            throw AEPGError.duplicateKeys(in: definition.keyColumn)
        } catch let error as PGError {
            throw AEPGError.database(error, while: "scoring \(model)")
        }
        if outcome.unseen > 0 {
            logger.warning("\(outcome.unseen) categorical value(s) were not seen in training; they were encoded as unknown (no category)")
        }
        logger.info("scored \(outcome.written) row(s) with \(model) version \(trained.version)")
        return outcome.written
    }
}

/// One pass of `aepg score`: rows stream out of the source on one connection (its own thread),
/// are scored, and stream into the results table on another, in one transaction.
private struct ScoreStream {
    let model: ModelName
    let trained: TrainedModel
    let query: FeatureQuery
    /// Whose view of the source the read must not exceed (the model's definer).
    let viewer: SourceViewer
    let results: String
    let all: Bool
    let range: KeyRange?

    /// Scores the rows; with `merging`, COPY goes to a staging table merged with `ON CONFLICT`
    /// (slower: used only when rows were written meanwhile). Returns the rows written and the
    /// text values not seen in training.
    func run(reading connection: PGConnection, writing output: PGConnection, merging: Bool) throws -> (Int, Int) {
        let encoding = trained.encoding
        let keyColumn = query.key.name
        let writer = ResultWriter(table: merging ? "pg_temp.aepg_staging" : results, keyColumn: keyColumn,
                                  version: trained.version, features: encoding.inputNames)
        let scorer = ChunkScorer(model: trained)
        let handoff = ChunkHandoff(chunks: (0..<3).map { _ in RowChunk(capacity: scorer.chunkSize, width: encoding.inputWidth) })
        var written = 0
        try connection.execute("SELECT set_config('aepg.version', $1, false)", [String(trained.version)])
        try range?.apply(to: connection)
        try range?.apply(to: output)
        // Reading runs on its own thread, so COPY OUT, scoring and COPY IN overlap. The reading
        // connection and the model are the reading thread's until it calls `handoff.finish`;
        // this thread waits for that (`takeFull`, `cancelAndWait`) before it touches them again.
        let lent = Handover((connection, trained))
        let readSQL = query.copySQL(skipScoredIn: all ? nil : results, range: range)
        let query = self.query, viewer = self.viewer
        let reading = Thread { [handoff] in
            let (connection, trained) = lent.value
            let reader = FeatureReader(query: query, categories: encoding.categorical.map(\.categories))
            do {
                var chunk = try handoff.takeFree()
                try query.source.reading(on: connection, for: viewer) {
                    try reader.read(connection, sql: readSQL) { key, row, _ in
                        chunk.add(key: key, raw: row, encoding: encoding, scaler: trained.scaler)
                        if chunk.isFull {
                            handoff.publish(chunk)
                            chunk = try handoff.takeFree()
                        }
                    }
                }
                handoff.publish(chunk)
                handoff.finish(nil, unseenCategories: reader.categoryCodes.reduce(0) { $0 + $1.unseen })
            } catch {
                handoff.finish(error)
            }
        }
        reading.start()
        do {
            try output.transaction {
                if all {
                    let inRange = range?.condition(on: "\(results).\(quoteIdentifier(keyColumn))", typeName: query.key.typeName) ?? "TRUE"
                    try output.execute("DELETE FROM \(results) WHERE version = $1 AND \(inRange)", [String(trained.version)])
                }
                if merging { try output.execute(ResultWriter.stagingSQL(like: results)) }
                try output.copyInBinary(writer.copySQL) { copy in
                    while let chunk = try handoff.takeFull() {
                        written += scorer.encode(chunk, with: writer, into: &copy.pending)
                        handoff.recycle(chunk)
                        try copy.flushIfNeeded()
                    }
                }
                if merging { try output.execute(ResultWriter.mergeSQL(into: results, keyColumn: keyColumn)) }
            }
        } catch {
            handoff.cancelAndWait()
            throw error
        }
        return (written, handoff.unseenCategories)
    }
}

/// Scores chunks of rows and encodes their results: reconstruction score, latent vector,
/// nearest centroid (with its soft-assignment confidence when a fine-tuned encoder holds the
/// clusters) and top
/// features, reusing one scorer's buffers for every chunk.
final class ChunkScorer {
    private let model: TrainedModel
    private let scorer: any RowScorer
    private let clusterWorkspace: Workspace?

    init(model: TrainedModel) {
        self.model = model
        scorer = makeRowScorer(network: model.network, members: model.members, known: model.known, options: model.options)
        let chunkSize = scorer.chunkSize
        clusterWorkspace = model.clusterEncoder.map { Workspace(network: $0, capacity: chunkSize) }
    }

    var chunkSize: Int { scorer.chunkSize }

    /// Scores the chunk's rows and appends their result rows; returns the row count.
    func encode(_ chunk: RowChunk, with writer: ResultWriter, into out: inout [UInt8]) -> Int {
        let count = chunk.count
        guard count > 0 else { return 0 }
        scorer.scoreChunk(chunk.features.pointer, count: count)
        let latentWidth = scorer.latentWidth, topCount = scorer.topFeatureCount
        let k = model.centroids.rows
        var latents = scorer.latent
        if let encoder = model.clusterEncoder, let workspace = clusterWorkspace {
            encoder.forward(chunk.features.pointer, batch: count, workspace: workspace)
            latents = workspace.latent
        }
        model.centroids.storage.withUnsafeBufferPointer { centroids in
            let lanes = CentroidLanes(centroids.baseAddress!, k: k, dimensions: latentWidth)
            for r in 0..<count {
                let latent = latents + r * latentWidth
                let (cluster, distance) = lanes.nearest(latent)
                let confidence = clusterWorkspace == nil ? nil
                    : StudentTAssignment.confidence(latent, dimensions: latentWidth, centroids: centroids.baseAddress!, k: k)
                chunk.keys.withKey(r) { key in
                    writer.append(key: key, latent: latent, latentWidth: latentWidth, cluster: cluster, distance: distance,
                                  confidence: confidence, score: scorer.scores[r], topFeatures: scorer.topFeatures + r * topCount,
                                  topCount: topCount, into: &out)
                }
            }
        }
        return count
    }
}
