import Foundation
import Learn
import Logging
import PGClient

/// `aepg train`: reads a table, fits preprocessing and an autoencoder, scores and clusters every
/// row, and publishes the new version in one transaction.
///
/// The work is a sequence of stages, each a method in `TrainPipeline+Stages.swift` named as the
/// stage clock names it (read, preprocess, train, score, cluster, write), each handing one value
/// to the next. The score stage readies the last scoring pass, and the write stage runs it as it
/// sends the rows (`Publication`), so the server takes rows in while later ones are scored. Until
/// the write commits, the previous version stays active and its results stay visible; a failure
/// or a kill at any point leaves nothing half-written.
public struct TrainPipeline {
    /// A new or changed definition (`aepg train --table ...`); nil retrains the stored one.
    public var definition: ModelDefinition?
    /// The model to train.
    public var model: ModelName
    /// Options given for this run; they override the stored ones and are recorded in the version.
    public var overrides: TrainOptions
    public var logger: Logger
    /// Pages (8 KiB each) per connection at least when a table is read over several at once
    /// (`readInParts`): below that, opening another session costs more than it saves.
    public var pagesPerReadPart = 2_048

    public init(model: ModelName, definition: ModelDefinition? = nil, overrides: TrainOptions = TrainOptions(), logger: Logger) {
        self.model = model
        self.definition = definition
        self.overrides = overrides
        self.logger = logger
    }

    /// Trains and publishes a new version.
    public func run(on connection: PGConnection) throws -> TrainSummary {
        try SchemaInstaller.ensureInstalled(on: connection)
        try Catalog(connection: connection).checkMayWriteResults("train", model: model)
        let lock = try ModelLock.acquire("train", model: model, on: connection)
        defer { lock.release() }
        let window = try RealtimeWindow.open(model, on: connection, logger: logger)
        do {
            return try trainAndPublish(on: connection, window: window)
        } catch {
            window.abandon(on: connection)
            throw error
        }
    }

    /// Reads, trains, scores, clusters and publishes, the realtime trigger noting what it scores meanwhile.
    private func trainAndPublish(on connection: PGConnection, window: RealtimeWindow) throws -> TrainSummary {
        var clock = StageClock()
        // One transaction from looking the source up to the end of the read, with the source
        // locked (`SourceTable.pin`): the rows read are those of the relation that was checked.
        var window = window
        let (plan, read) = try connection.transaction { () throws -> (TrainPlan, TrainingTable) in
            let plan = try self.plan(on: connection)
            // Planning reads the source's array lengths; the catalog is looked at again right before the rows.
            try SourceTable.checkNoPlannerCode(plan.source.name, oid: plan.source.oid, on: connection)
            try window.takeReadSnapshot(on: connection)
            let read = try clock.measure("read") { try self.read(plan, on: connection) }
            try plan.source.finishReading(on: connection)
            return (plan, read)
        }
        var table = read
        logger.info("read \(table.raw.rows) rows in \(format(clock.stages.last!.seconds)) s")
        let inputs = try clock.measure("preprocess") { try preprocess(&table, plan) }
        var fitted = try clock.measure("train") { try train(inputs, plan) }
        let pending = try clock.measure("score") { try score(inputs, &fitted, plan, labels: table.labels) }
        var neighborhoods: NeighborTable?
        var clusters = try clock.measure("cluster") {
            neighborhoods = neighborTable(inputs, plan)
            return try cluster(pending.latents, inputs, fitted, plan, neighborhoods: neighborhoods)
        }
        if plan.options.cluster == .dec {
            clusters = clock.measure("dec") { refine(clusters, inputs, fitted, plan, neighborhoods: neighborhoods) }
        }
        let rows = PublishedRows(keys: table.keys, data: inputs.data, scorer: pending.scorer, clusters: clusters,
                                 labels: table.labels, fitRows: inputs.fitRows)
        let publication = Publication(
            model: model, definition: plan.isNew ? plan.definition : nil,
            readModel: plan.isNew ? nil : ReadModel(createdAt: plan.definition.createdAt, sourceOID: plan.source.oid,
                                                    keyColumn: plan.definition.keyColumn, definedBy: plan.definition.definedBy),
            keyColumn: plan.query.key.name, features: plan.featureNames, encoding: inputs.encoding,
            options: plan.options, scaler: inputs.scaler, network: fitted.network, members: fitted.members, known: fitted.known,
            history: fitted.history, trainingRows: inputs.fitRows?.count ?? inputs.data.rows, window: window)
        // The stored timings cover everything up to the write (and the scoring it runs), which
        // cannot time itself.
        let stagesBeforeWrite = clock.dictionary, secondsBeforeWrite = clock.elapsed
        let published = try clock.measure("write") {
            let published = try publication.write(rows, on: connection, stages: stagesBeforeWrite, seconds: secondsBeforeWrite)
            do {
                if let stayed = try Publication.dropOldResults(model, keeping: published.version, published.previous, on: connection) {
                    logger.warning("\(stayed)")
                }
            } catch {
                // The new version is active; the old results stay until a later training.
                logger.warning("the results of older versions of \(model) were not dropped: \(error)")
            }
            return published
        }
        clock.move(published.scoringSeconds, from: "write", to: "score")
        let scores = published.scores, labelMetrics = published.metrics
        var sizes = [Int](repeating: 0, count: plan.options.clusters)
        for label in clusters.result.labels { sizes[Int(label)] += 1 }
        return TrainSummary(
            model: model, version: published.version, previousVersion: published.previous, rows: inputs.data.rows, features: plan.featureNames,
            options: plan.options, history: fitted.history, threshold: scores.threshold,
            flaggedRows: scores.scores.lazy.filter { $0 > scores.threshold }.count, clusterSizes: sizes,
            inertia: clusters.result.inertia, metrics: labelMetrics.binary, clustering: labelMetrics.clustering,
            stages: clock.stages, seconds: clock.elapsed, imputedNulls: inputs.imputed)
    }
}

/// What a training run reads and how: the definition, its resolved options and the query.
struct TrainPlan {
    var definition: ModelDefinition
    /// The definition was given for this run (`--table`): it is saved when the version is.
    var isNew: Bool
    var options: ResolvedOptions
    var source: SourceTable
    /// Whose view of the source's rows the read must not exceed.
    var viewer: SourceViewer
    var query: FeatureQuery
    /// Names of the raw inputs read: numeric ones (array elements one by one), then the text columns.
    var featureNames: [String] { query.inputColumnNames }
}

/// The rows as read: keys, raw features (text columns as category codes) and labels.
struct TrainingTable {
    var keys = KeyColumn()
    var raw: Matrix
    var labels: [Double] = []
    let reader: FeatureReader
}

/// The network's inputs: encoded and scaled rows, and how they were made.
struct TrainingInputs {
    var data: Matrix
    var encoding: FeatureEncoding
    var scaler: FeatureScaler
    /// The rows the scaler and network are fitted on; nil for all.
    var fitRows: [Int]?
    /// NULL feature values replaced by the training mean.
    var imputed: Int
}

/// The fitted autoencoder and how its training went; for an ensemble, every member (the first
/// one's network is `network`, and its history `history`).
struct FittedNetwork {
    var network: Network
    var history: TrainingHistory
    /// The members of an ensemble, calibrated by the score stage; empty for a single network.
    var members: [EnsembleMember] = []
    /// The labelled anomalies (`--label-use select`), set by the score stage.
    var known: KnownAnomalies?
}

/// The last scoring pass, ready to run, and what clustering needs first.
struct PendingScores {
    /// Scores a chunk of rows at a time: the write stage runs it on each chunk just before it
    /// sends the chunk's rows, so the server takes in one chunk while the next is scored.
    var scorer: any RowScorer
    /// Every row's latent vector (rows × latent width), the scorer's own.
    var latents: Matrix
}

/// Every row's score and the threshold, as the write stage scored them.
struct RowScores {
    var scores: [Double]
    var threshold: Double
}

/// The clusters of the rows' latent vectors.
struct RowClusters {
    var result: KMeansResult
    /// The latent vectors written back: the autoencoder's, or the fine-tuned encoder's.
    var latents: Matrix
    /// Each row's largest soft assignment, and the encoder whose latent space the clusters live
    /// in: a copy fine-tuned by `--cluster-embedding` or DEC; nil for the autoencoder's own.
    var confidence: [Float]?
    var encoder: Network?
}

/// Everything per row that the write stage publishes: the keys, the clusters, and the rows
/// themselves with the scorer that scores them as they are written.
struct PublishedRows {
    var keys: KeyColumn
    /// The network's inputs, encoded and scaled.
    var data: Matrix
    var scorer: any RowScorer
    var clusters: RowClusters
    /// The label column (NaN where NULL), empty without one: for the metrics stored with the version.
    var labels: [Double]
    /// The training rows, whose scores set the threshold; nil for all.
    var fitRows: [Int]?
}

/// Formats a number for progress lines.
func format(_ value: Double) -> String {
    if value == 0 { return "0" }
    if abs(value) >= 0.01 && abs(value) < 1e5 { return String(format: "%.4f", value) }
    return String(format: "%.4e", value)
}
