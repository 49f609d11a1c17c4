import Foundation
import Learn
import Logging
import PGClient

/// `aepg train`: reads a table, fits preprocessing and an autoencoder, scores and clusters every
/// row, and publishes the new version in one transaction.
///
/// Until that transaction commits, the previous version stays active and its results stay
/// visible; a failure or a kill at any point leaves nothing half-written.
public struct TrainPipeline {
    /// A new or changed definition (`aepg train --table ...`); nil retrains the stored one.
    public var definition: ModelDefinition?
    /// The model to train.
    public var model: ModelName
    /// Options given for this run; they override the stored ones and are recorded in the version.
    public var overrides: TrainOptions
    public var logger: Logger

    public init(model: ModelName, definition: ModelDefinition? = nil, overrides: TrainOptions = TrainOptions(), logger: Logger) {
        self.model = model
        self.definition = definition
        self.overrides = overrides
        self.logger = logger
    }

    /// Trains and publishes a new version.
    public func run(on connection: PGConnection) throws -> TrainSummary {
        try SchemaInstaller.ensureInstalled(on: connection)
        let lock = try ModelLock.acquire("train", model: model, on: connection)
        defer { lock.release() }
        let catalog = Catalog(connection: connection)

        var stored: ModelDefinition
        if var given = definition {
            let source = try SourceTable.resolve(given.source, on: connection)
            given.source = source.name
            _ = try source.featureColumns(of: given, categorical: given.options.overridden(by: overrides).categorical != nil)
            try catalog.save(given)
            stored = try catalog.model(model)
        } else {
            stored = try catalog.model(model)
        }
        let merged = stored.options.overridden(by: overrides)
        let options = try merged.resolved()
        var clock = StageClock()

        // Read
        let source = try SourceTable.resolve(stored.source, on: connection)
        let query = FeatureQuery(source: source, key: try source.column(stored.keyColumn, role: "key"),
                                 columns: try source.featureColumns(of: stored, categorical: merged.categorical != nil),
                                 label: try stored.labelColumn.map { try source.column($0, role: "label") })
        let featureNames = (query.features + query.categorical).map(\.name)
        logger.info("reading \(source.name): key \(query.key.name), \(featureNames.count) features\(stored.labelColumn.map { ", label \($0)" } ?? "")")
        // Sized from the planner's estimate, so the matrix is not reallocated (and briefly held twice) while it grows.
        let expectedRows = try source.estimatedRows(on: connection)
        var raw = Matrix(columns: featureNames.count, reservingRows: expectedRows + expectedRows / 20 + 1024)
        var keys = KeyColumn()
        var labels: [Double] = []
        let reader = FeatureReader(query: query)
        try clock.measure("read") {
            try reader.read(connection, sql: query.copySQL()) { key, features, label in
                keys.append(key)
                raw.appendRow(UnsafeBufferPointer(start: features, count: featureNames.count))
                if query.label != nil { labels.append(label ?? .nan) }
            }
        }
        guard raw.rows > 0 else {
            throw AEPGError(.notEnoughRows, "table \(source.name) has no rows to train on")
        }
        guard options.clusters <= raw.rows else {
            throw AEPGError(.notEnoughRows,
                "table \(source.name) has \(raw.rows) row(s), fewer than \(options.name(of: \.clusters)) \(options.clusters); lower it")
        }
        logger.info("read \(raw.rows) rows in \(format(clock.stages.last!.seconds)) s")

        // Preprocess: encode text columns and NULL indicators, then scale.
        let fitRows = try trainingRows(options: options, labels: labels, rowCount: raw.rows, label: stored.labelColumn)
        let encoding = try reader.fitEncoding(raw: &raw, options: options)
        var data = Matrix(rows: 0, columns: 0)
        let scaler = clock.measure("preprocess") { () -> FeatureScaler in
            data = encoding.encode(raw)
            raw = Matrix(rows: 0, columns: 0)  // the encoded copy, if any, is all that is needed now
            let scaler = FeatureScaler.fit(data, rows: fitRows, method: options.scale)
            scaler.transform(&data)
            return scaler
        }
        let imputed = reader.nullCounts.reduce(0, +)
        if imputed > 0 { logger.info("imputed \(imputed) NULL feature value(s) with the training mean") }

        // Train
        let network = Network.autoencoder(inputs: encoding.inputWidth, hidden: options.hidden, latent: options.latent,
                                          activation: options.activation, outputActivation: options.outputActivation,
                                          variational: options.kind == .variational, seed: options.seed)
        let epochs = options.epochs
        let history: TrainingHistory
        do {
            history = try clock.measure("train") {
                try Trainer.fit(network, data: data, rows: fitRows, settings: options.trainingSettings) { report in
                    // The first epochs, every tenth and the last: enough to follow, short enough to read.
                    guard report.epoch <= 3 || report.epoch % 10 == 0 || report.epoch == epochs else { return }
                    let validation = report.validationLoss.map { "  validation \(format($0))" } ?? ""
                    logger.info("epoch \(report.epoch)/\(epochs)  loss \(format(report.trainingLoss))\(validation)  \(Int(report.samplesPerSecond)) rows/s")
                }
            }
        } catch let error as TrainingError {
            throw AEPGError(.training, error.description)
        }
        if history.stoppedEarly { logger.info("stopped early; kept the weights of epoch \(history.bestEpoch)") }

        // Score every row
        let scorer = ReconstructionScorer(network: network, loss: options.loss, klWeight: options.scoreKLWeight)
        let latentWidth = network.latentWidth, topCount = scorer.topFeatureCount
        var scores = [Double](repeating: 0, count: data.rows)
        var latents = Matrix(rows: data.rows, columns: latentWidth)
        var tops = [Int32](repeating: 0, count: data.rows * topCount)
        clock.measure("score") {
            latents.withUnsafeMutableStorage { latentOut in
                scorer.scoreAll(data) { first, count in
                    for r in 0..<count { scores[first + r] = scorer.scores[r] }
                    (latentOut + first * latentWidth).update(from: scorer.latent, count: count * latentWidth)
                    tops.withUnsafeMutableBufferPointer {
                        ($0.baseAddress! + first * topCount).update(from: scorer.topFeatures, count: count * topCount)
                    }
                }
            }
        }
        let fitScores = fitRows.map { $0.map { scores[$0] } } ?? scores
        let threshold = options.thresholdRule.threshold(trainingScores: fitScores)

        // Cluster the latent vectors
        var clusters = try clock.measure("cluster") {
            try KMeans(clusters: options.clusters, seed: options.seed).fit(latents)
        }
        var clusterEncoder: Network?, confidence: [Float]?
        if options.cluster == .dec {
            let encoder = network.encoder()
            let result = clock.measure("dec") {
                DeepEmbeddedClustering.fit(encoder: encoder, data: data, initial: clusters, settings: options.decSettings)
            }
            logger.info("deep embedded clustering: \(result.iterations) batches, last label change \(format((result.changedShares.last ?? 0) * 100)) %")
            clusters = result.clusters
            clusterEncoder = encoder
            confidence = result.confidence
            latents = result.latents
        }

        let labelMetrics = LabelMetrics(labels: labels, scores: scores, threshold: threshold, clusters: clusters.labels)

        // Publish
        let publication = Publication(
            model: model, keyColumn: query.key.name, features: featureNames, encoding: encoding, options: options,
            scaler: scaler, network: network, clusterEncoder: clusterEncoder, clusters: clusters, confidence: confidence,
            threshold: threshold, history: history, metrics: labelMetrics, trainingRows: fitRows?.count ?? data.rows)
        // The stored timings cover everything up to the write, which cannot time itself.
        let stagesBeforeWrite = clock.dictionary, secondsBeforeWrite = clock.elapsed
        let (version, previous) = try clock.measure("write") {
            try publication.write(on: connection, keys: keys, latents: latents, scores: scores, tops: tops,
                                  topCount: topCount, stages: stagesBeforeWrite, seconds: secondsBeforeWrite)
        }
        var sizes = [Int](repeating: 0, count: options.clusters)
        for label in clusters.labels { sizes[Int(label)] += 1 }
        return TrainSummary(
            model: model, version: version, previousVersion: previous, rows: data.rows, features: featureNames,
            options: options, history: history, threshold: threshold,
            flaggedRows: scores.lazy.filter { $0 > threshold }.count, clusterSizes: sizes, inertia: clusters.inertia,
            metrics: labelMetrics.binary, clustering: labelMetrics.clustering, stages: clock.stages, seconds: clock.elapsed, imputedNulls: imputed)
    }

    /// The rows the network and scaler are fitted on: all (nil), or those labelled 0.
    private func trainingRows(options: ResolvedOptions, labels: [Double], rowCount: Int, label: String?) throws -> [Int]? {
        guard options.trainOn == .normal else { return nil }
        guard let label else {
            throw AEPGError(.invalidOption, "\(options.name(of: \.trainOn)) normal needs a label column (--label) to tell normal rows (label 0) apart")
        }
        let normal = labels.indices.filter { labels[$0] == 0 }
        guard !normal.isEmpty else {
            throw AEPGError(.notEnoughRows, "no row has \(label) = 0, so \(options.name(of: \.trainOn)) normal has nothing to train on")
        }
        return normal
    }
}

/// Formats a number for progress lines.
func format(_ value: Double) -> String {
    if value == 0 { return "0" }
    if abs(value) >= 0.01 && abs(value) < 1e5 { return String(format: "%.4f", value) }
    return String(format: "%.4e", value)
}
