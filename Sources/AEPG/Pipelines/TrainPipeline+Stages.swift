import Foundation
import Learn
import PGClient

/// The stages of `TrainPipeline.run`, in order.
extension TrainPipeline {
    /// Checks a new definition against its table and resolves the options and the query; the
    /// source table is looked up once, and pinned for the rest of the caller's transaction. A new
    /// definition is saved by the write stage, with the version, so a training that fails leaves
    /// the stored definition as it was.
    func plan(on connection: PGConnection) throws -> TrainPlan {
        let catalog = Catalog(connection: connection)
        var stored: ModelDefinition
        let source: SourceTable
        if var given = definition {
            source = try SourceTable.resolve(given.source, on: connection)
            given.source = source.name
            given.sourceOID = source.oid
            stored = given
        } else {
            stored = try catalog.model(model)
            source = try SourceTable.resolve(stored.source, on: connection)
        }
        let viewer = definition == nil ? stored.definer : SourceViewer.thisRole
        try source.pin(on: connection, for: viewer)
        let merged = stored.options.overridden(by: overrides)
        let options = try merged.resolved()
        let columns = try source.featureColumns(of: stored, categorical: merged.categorical != nil)
        let numeric = try columns.filter(\.isNumericFeature).map {
            NumericFeature(column: $0, length: $0.isNumericArray ? try source.arrayLength(of: $0, on: connection) : nil)
        }
        let query = FeatureQuery(source: source, key: try source.keyColumn(stored.keyColumn), features: numeric,
                                 categorical: columns.filter { !$0.isNumericFeature },
                                 label: try stored.labelColumn.map { try source.column($0, role: "label") })
        try source.checkInputNames(query.inputColumnNames)
        try checkMemory(options, inputs: query.numericWidth + query.categorical.count)
        return TrainPlan(definition: stored, isNew: definition != nil, options: options, source: source, viewer: viewer, query: query)
    }

    /// The most memory a network's training may ask for, checked before any row is read: a batch's
    /// activations and gradients, and the parameters with the optimizer's state.
    static let memoryLimit = 4.0 * 1_073_741_824

    private func checkMemory(_ options: ResolvedOptions, inputs: Int) throws {
        let widths = [inputs] + options.hidden + [options.latent * 2] + options.hidden.reversed() + [inputs]
        let parameters = zip(widths, widths.dropFirst()).reduce(0.0) { $0 + Double($1.0 + 1) * Double($1.1) }
        let batchBytes = Double(options.batchSize) * Double(widths.reduce(0, +)) * 4 * 4
        let bytes = batchBytes + parameters * 4 * 4
        guard bytes <= Self.memoryLimit else {
            throw AEPGError(.invalidOption, String(format: "%@ and %@ would need about %.1f GiB to train (at most 4 GiB); lower them",
                                                   options.name(of: \.batchSize), options.name(of: \.hidden), bytes / 1_073_741_824))
        }
    }

    /// Streams the rows in with binary COPY.
    func read(_ plan: TrainPlan, on connection: PGConnection) throws -> TrainingTable {
        let width = plan.featureNames.count
        logger.info("reading \(plan.source.name): key \(plan.query.key.name), \(width) features\(plan.definition.labelColumn.map { ", label \($0)" } ?? "")")
        // Sized from the planner's estimate, so the matrix is not reallocated (and briefly held twice) while it grows.
        let expectedRows = try plan.source.estimatedRows(on: connection)
        let capacity = expectedRows + expectedRows / 20 + 1024
        // The rows in the table's own order: a parallel scan hands them over in the order its
        // workers happen to finish, and training depends on the order (the same seed must give
        // the same model). On 2 cores the serial read measured no slower.
        try connection.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        let parts = try partsToRead(plan, on: connection)
        let table = parts.count > 1 ? try readInParts(parts, plan, capacity: capacity, on: connection)
                                    : try Self.readRows(plan, sql: plan.query.copySQL(), capacity: capacity, on: connection)
        guard table.raw.rows > 0 else {
            throw AEPGError(.notEnoughRows, "table \(plan.source.name) has no rows to train on")
        }
        guard plan.options.clusters <= table.raw.rows else {
            throw AEPGError(.notEnoughRows, "table \(plan.source.name) has \(table.raw.rows) row(s), fewer than "
                + "\(plan.options.name(of: \.clusters)) \(plan.options.clusters); lower it")
        }
        return table
    }

    /// The rows `sql` streams, in a matrix with room for `capacity` rows; `checking` as
    /// `FeatureReader.read` takes it.
    static func readRows(_ plan: TrainPlan, sql: String, capacity: Int, checking: Bool = true,
                         on connection: PGConnection) throws -> TrainingTable {
        let width = plan.featureNames.count, hasLabel = plan.query.label != nil
        var table = TrainingTable(raw: Matrix(columns: width, reservingRows: capacity), reader: FeatureReader(query: plan.query))
        try table.reader.read(connection, sql: sql, checking: checking) { key, features, label in
            table.keys.append(key)
            table.raw.appendRow(UnsafeBufferPointer(start: features, count: width))
            if hasLabel { table.labels.append(label ?? .nan) }
        }
        return table
    }

    /// Encodes text columns and NULL indicators, then fits and applies the scaler; the raw
    /// matrix is released as soon as the encoded one exists.
    func preprocess(_ table: inout TrainingTable, _ plan: TrainPlan) throws -> TrainingInputs {
        let fitRows = try trainingRows(plan, labels: table.labels, rowCount: table.raw.rows)
        let encoding = try table.reader.fitEncoding(raw: &table.raw, options: plan.options)
        var data = encoding.encode(table.raw)
        table.raw = Matrix(rows: 0, columns: 0)
        let scaler = FeatureScaler.fit(data, rows: fitRows, method: plan.options.scale)
        scaler.transform(&data)
        let imputed = table.reader.nullCounts.reduce(0, +)
        if imputed > 0 { logger.info("imputed \(imputed) NULL feature value(s) with the training mean") }
        return TrainingInputs(data: data, encoding: encoding, scaler: scaler, fitRows: fitRows, imputed: imputed)
    }

    /// Builds and fits the autoencoder, or each member of an ensemble.
    func train(_ inputs: TrainingInputs, _ plan: TrainPlan) throws -> FittedNetwork {
        let options = plan.options
        let specs = EnsembleRecipe.members(for: options)
        let networks = specs.map {
            Network.autoencoder(inputs: inputs.encoding.inputWidth, hidden: $0.hidden, latent: $0.latent, activation: $0.activation,
                                outputActivation: options.outputActivation, variational: $0.variational, seed: $0.seed)
        }
        var histories = [Result<TrainingHistory, Error>?](repeating: nil, count: specs.count)
        let rows = inputs.fitRows?.count ?? inputs.data.rows
        let memberSettings = specs.map { $0.settings(from: options.trainingSettings) }
        // A narrow network trains on one core (BLASThreads), so an ensemble's narrow members train
        // side by side, the widest first; OpenBLAS stays at one thread for all of them meanwhile.
        let sideBySide = specs.count > 1 && networks.indices.allSatisfy { m in
            let batch = min(memberSettings[m].batchSize, rows)
            return GradientStep.threads(for: networks[m], batch: batch) == 1 && BLASThreads.suited(to: networks[m], batch: batch) == 1
        }
        // --time-limit is one window for all members: they train in rounds of as many as run at
        // once, each round an equal share of the window, and none past the window's end.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let rounds = sideBySide ? (specs.count + cores - 1) / cores : specs.count
        let window = options.timeLimit.map(DispatchTime.inSeconds)
        func fitMember(_ m: Int) -> Result<TrainingHistory, Error> {
            var settings = memberSettings[m]
            if let limit = options.timeLimit, let window {
                // An absolute deadline, so that restarts after a divergence share the member's time.
                settings.timeLimit = nil
                settings.deadline = min(window, .inSeconds(limit / Double(rounds)))
            }
            let name = specs.count > 1 ? "member \(m + 1) (\(specs[m].description)) " : ""
            return Result { try fit(networks[m], inputs, settings: settings, name: name, retries: specs.count > 1 ? 2 : 0) }
        }
        if sideBySide {
            let order = networks.indices.sorted { networks[$0].parameters.count > networks[$1].parameters.count }
            histories.withUnsafeMutableBufferPointer { results in
                let slot = results.baseAddress!
                BLASThreads.with(1) { Parallel.forEachPart(order.count) { part in slot[order[part]] = fitMember(order[part]) } }
            }
        } else {
            for m in specs.indices { histories[m] = fitMember(m) }
        }
        let fitted = try histories.map { try $0!.get() }
        let history = fitted[0]
        if history.stoppedAtTimeLimit {
            logger.info("stopped at the time limit (\(options.name(of: \.timeLimit)) \(options.timeLimit ?? 0)); kept the weights of epoch \(history.bestEpoch)")
        } else if history.stoppedEarly {
            logger.info("stopped early; kept the weights of epoch \(history.bestEpoch)")
        }
        let members = specs.indices.map { EnsembleMember(network: networks[$0], klWeight: specs[$0].elbo ? Float(options.beta) : nil) }
        return FittedNetwork(network: networks[0], history: history, members: specs.count > 1 ? members : [])
    }

    /// Fits `network`, logging the first epochs, every tenth and the last; `retries` restarts
    /// at a lower learning rate if the loss diverges (`Trainer.fitRestarting`).
    private func fit(_ network: Network, _ inputs: TrainingInputs, settings: TrainingSettings, name: String, retries: Int = 0) throws -> TrainingHistory {
        let epochs = settings.epochs
        do {
            return try Trainer.fitRestarting(network, data: inputs.data, rows: inputs.fitRows, settings: settings, retries: retries,
                                             restarted: { error, rate in
                logger.warning("\(name)diverged (\(error)); training it again at learning rate \(rate)")
            }) { report in
                guard report.epoch <= 3 || report.epoch % 10 == 0 || report.epoch == epochs else { return }
                let validation = report.validationLoss.map { "  validation \(format($0))" } ?? ""
                logger.info("\(name)epoch \(report.epoch)/\(epochs)  loss \(format(report.trainingLoss))\(validation)  \(Int(report.samplesPerSecond)) rows/s")
            }
        } catch let error as TrainingError {
            throw AEPGError(.training, error.description)
        }
    }

    /// Readies the last scoring pass, which the write stage runs as it sends the rows
    /// (`Publication`): an ensemble's members are first put on a common scale by their own
    /// scores of the training rows; with `--label-use select`, the labelled anomalies then weigh
    /// them and join as nearness. Also gives every row's latent vector, which clustering needs
    /// before any row is written, and which needs no score.
    func score(_ inputs: TrainingInputs, _ fitted: inout FittedNetwork, _ plan: TrainPlan, labels: [Double]) throws -> PendingScores {
        let known = plan.options.labelUse == .select ? try labelledAnomalies(labels, plan) : []
        if !known.isEmpty && fitted.members.isEmpty {
            fitted.members = [EnsembleMember(network: fitted.network, klWeight: plan.options.scoreKLWeight)]
        }
        // The labels need every row's member scores; otherwise a large table's members are
        // calibrated on a sample of its training rows, and every row is scored once, as it is written.
        let sample = known.isEmpty ? calibrationSample(inputs, seed: plan.options.seed) : nil
        var memberScores: [[Double]] = []
        if let sample {
            calibrate(&fitted.members, on: sample, inputs, loss: plan.options.loss)
        }
        for m in fitted.members.indices where sample == nil {
            let scores = rowScores(by: fitted.members[m], of: nil, inputs, loss: plan.options.loss)
            fitted.members[m].calibrate(on: inputs.fitRows.map { $0.map { scores[$0] } } ?? scores)
            memberScores.append(scores)
        }
        if !known.isEmpty { guide(&fitted, by: known, memberScores: memberScores, inputs, plan) }
        let scorer = makeRowScorer(network: fitted.network, members: fitted.members, known: fitted.known, options: plan.options)
        return PendingScores(scorer: scorer, latents: scorer.latents(of: inputs.data))
    }

    /// Calibrates each of `members` on its scores of the `sample` rows. Members whose products
    /// suit one BLAS thread are scored side by side, one per core: a member alone takes turns
    /// between gathering a chunk of the sample (one thread) and scoring it (every core).
    private func calibrate(_ members: inout [EnsembleMember], on sample: [Int], _ inputs: TrainingInputs, loss: Loss) {
        let narrow = members.allSatisfy {
            BLASThreads.suited(to: $0.network, batch: ReconstructionScorer.chunkSize(forWidth: $0.network.inputWidth)) == 1
        }
        guard narrow, members.count > 1 else {
            for m in members.indices { members[m].calibrate(on: rowScores(by: members[m], of: sample, inputs, loss: loss)) }
            return
        }
        members.withUnsafeMutableBufferPointer { members in
            let member = members.baseAddress!
            BLASThreads.with(1) {
                Parallel.forEachPart(members.count) { m in
                    member[m].calibrate(on: rowScores(by: member[m], of: sample, inputs, loss: loss, threads: 1))
                }
            }
        }
    }

    /// `member`'s own score of each of `rows` of the inputs (every row when nil), in that order,
    /// split across `threads` threads.
    private func rowScores(by member: EnsembleMember, of rows: [Int]?, _ inputs: TrainingInputs, loss: Loss,
                           threads: Int = BLASThreads.available) -> [Double] {
        let scorer = ReconstructionScorer(network: member.network, loss: loss, klWeight: member.klWeight, topFeatureCount: 0,
                                          threads: threads)
        var scores = [Double](repeating: 0, count: rows?.count ?? inputs.data.rows)
        func keep(_ first: Int, _ count: Int) { for r in 0..<count { scores[first + r] = scorer.scores[r] } }
        if let rows { scorer.scoreRows(inputs.data, rows: rows, body: keep) } else { scorer.scoreAll(inputs.data, body: keep) }
        return scores
    }

    /// Training rows an ensemble member's scores are calibrated on, at most.
    static let calibrationRows = 65_536

    /// A seeded sample of `calibrationRows` training rows, in table order, when there are more of
    /// them; nil when the members are calibrated on every training row. The median and the
    /// interquartile range of 65,536 scores are within a fraction of a percent of every row's,
    /// and a member no longer scores every row twice (once to calibrate, once in the ensemble).
    private func calibrationSample(_ inputs: TrainingInputs, seed: UInt64) -> [Int]? {
        let trainingRows = inputs.fitRows ?? Array(0..<inputs.data.rows)
        guard trainingRows.count > Self.calibrationRows else { return nil }
        var random = SeededRandom(seed: seed)
        return random.sortedSample(Self.calibrationRows, of: trainingRows)
    }

    /// The rows labelled 1, for `--label-use select` (which needs a 0/1 label); none is a warning.
    private func labelledAnomalies(_ labels: [Double], _ plan: TrainPlan) throws -> [Int] {
        let options = plan.options
        guard let label = plan.definition.labelColumn else {
            throw AEPGError(.invalidOption, "\(options.name(of: \.labelUse)) select needs a label column (--label) marking known anomalies with 1")
        }
        if let other = labels.first(where: { !$0.isNaN && $0 != 0 && $0 != 1 }) {
            throw AEPGError(.invalidOption, "\(options.name(of: \.labelUse)) select needs a 0/1 label (1 = anomaly), but \(label) has the value \(other)")
        }
        let known = labels.indices.filter { labels[$0] == 1 }
        if known.isEmpty { logger.warning("no row has \(label) = 1, so \(options.name(of: \.labelUse)) select has nothing to use") }
        return known
    }

    /// Weighs each member by how high it ranks the labelled anomalies (their mean percentile
    /// above one half; a member that ranks them no better than chance keeps a trace of weight)
    /// and keeps up to `KnownAnomalies.maximumPoints` of them, calibrated on the training rows.
    private func guide(_ fitted: inout FittedNetwork, by known: [Int], memberScores: [[Double]], _ inputs: TrainingInputs, _ plan: TrainPlan) {
        let rows = inputs.data.rows
        for m in fitted.members.indices {
            let scores = memberScores[m]
            let order = scores.indices.sorted { scores[$0] < scores[$1] }
            var percentile = [Double](repeating: 0, count: rows)
            for (position, row) in order.enumerated() { percentile[row] = Double(position + 1) / Double(rows) }
            let mean = known.reduce(0) { $0 + percentile[$1] } / Double(known.count)
            fitted.members[m].weight = max(mean - 0.5, 0) + 1e-6
        }
        var random = SeededRandom(seed: plan.options.seed)
        let kept = known.count > KnownAnomalies.maximumPoints
            ? random.sortedSample(KnownAnomalies.maximumPoints, of: known) : known
        var points = Matrix(columns: inputs.data.columns, reservingRows: kept.count)
        for row in kept { inputs.data.row(row).withUnsafeBufferPointer { points.appendRow($0) } }
        var nearness = KnownAnomalies(points: points)
        var values = [Double](repeating: 0, count: rows)
        let chunk = 4096
        let products = UnsafeMutablePointer<Float>.allocate(capacity: chunk * kept.count)
        defer { products.deallocate() }
        inputs.data.storage.withUnsafeBufferPointer { data in
            values.withUnsafeMutableBufferPointer { out in
                for first in stride(from: 0, to: rows, by: chunk) {
                    nearness.nearness(data.baseAddress! + first * inputs.data.columns, count: min(chunk, rows - first),
                                      into: out.baseAddress! + first, products: products)
                }
            }
        }
        if let (center, scale) = robustScale(of: inputs.fitRows.map { $0.map { values[$0] } } ?? values) {
            nearness.center = center
            nearness.scale = scale
        }
        fitted.known = nearness
        let weights = fitted.members.map { String(format: "%.3f", $0.weight) }.joined(separator: ", ")
        logger.info("\(known.count) labelled anomalies: member weights \(weights); nearness to \(kept.count) of them added")
    }

    /// Each row's nearest rows in the scaled inputs, as many as the neighbour embedding or DEC's
    /// target smoothing uses (one search serves both); nil when neither does.
    func neighborTable(_ inputs: TrainingInputs, _ plan: TrainPlan) -> NeighborTable? {
        let options = plan.options
        let k = max(options.clusterEmbedding > 0 ? NeighborEmbedding.neighbors : 0, options.cluster == .dec ? options.decNeighbors : 0)
        return k > 0 ? NearestNeighbors.sampledTable(inputs.data, k: k, seed: options.seed) : nil
    }

    /// k-means on the latent vectors: the autoencoder's, or those of a copy of its encoder
    /// fine-tuned as a neighbour embedding (`--cluster-embedding`), whose rows then also get the
    /// Student-t confidence of their cluster.
    func cluster(_ latents: Matrix, _ inputs: TrainingInputs, _ fitted: FittedNetwork, _ plan: TrainPlan,
                 neighborhoods: NeighborTable?) throws -> RowClusters {
        let kmeans = KMeans(clusters: plan.options.clusters, seed: plan.options.seed)
        guard let encoder = embed(inputs, fitted, plan, neighborhoods: neighborhoods) else {
            return RowClusters(result: try kmeans.fit(latents), latents: latents)
        }
        let embedded = DeepEmbeddedClustering.latents(of: inputs.data, by: encoder)
        let result = try kmeans.fit(embedded)
        return RowClusters(result: result, latents: embedded,
                           confidence: StudentTAssignment.confidences(of: embedded, centroids: result.centroids), encoder: encoder)
    }

    /// A copy of the encoder fine-tuned as a neighbour embedding; nil when `--cluster-embedding` is 0.
    private func embed(_ inputs: TrainingInputs, _ fitted: FittedNetwork, _ plan: TrainPlan, neighborhoods: NeighborTable?) -> Network? {
        let options = plan.options
        guard options.clusterEmbedding > 0, let neighborhoods else { return nil }
        let encoder = fitted.network.encoder()
        let losses = NeighborEmbedding.fit(encoder: encoder, data: inputs.data, neighbors: neighborhoods.nearest(NeighborEmbedding.neighbors),
                                           epochs: options.clusterEmbedding, optimizer: options.clusteringOptimizer, seed: options.seed)
        logger.info("neighbour embedding: \(losses.count) passes, loss \(format(losses.first ?? 0)) → \(format(losses.last ?? 0))")
        return encoder
    }

    /// Deep embedded clustering: a copy of the encoder (the embedded one, if any) and the
    /// centroids fine-tuned together.
    func refine(_ clusters: RowClusters, _ inputs: TrainingInputs, _ fitted: FittedNetwork, _ plan: TrainPlan,
                neighborhoods: NeighborTable?) -> RowClusters {
        let encoder = clusters.encoder ?? fitted.network.encoder(), settings = plan.options.decSettings
        let result = DeepEmbeddedClustering.fit(encoder: encoder, data: inputs.data, initial: clusters.result, settings: settings,
                                                neighborhoods: settings.neighbors > 0 ? neighborhoods?.nearest(settings.neighbors) : nil)
        logger.info("deep embedded clustering: \(result.iterations) batches, last label change \(format((result.changedShares.last ?? 0) * 100)) %")
        return RowClusters(result: result.clusters, latents: result.latents, confidence: result.confidence, encoder: encoder)
    }

    /// The rows the network and scaler are fitted on: all (nil), or those labelled 0.
    private func trainingRows(_ plan: TrainPlan, labels: [Double], rowCount: Int) throws -> [Int]? {
        let options = plan.options
        guard options.trainOn == .normal else { return nil }
        guard let label = plan.definition.labelColumn else {
            throw AEPGError(.invalidOption, "\(options.name(of: \.trainOn)) normal needs a label column (--label) to tell normal rows (label 0) apart")
        }
        if let other = labels.first(where: { !$0.isNaN && $0 != 0 && $0 != 1 }) {
            throw AEPGError(.invalidOption, "\(options.name(of: \.trainOn)) normal needs a 0/1 label (1 = anomaly), but \(label) has the value \(other)")
        }
        let normal = labels.indices.filter { labels[$0] == 0 }
        guard !normal.isEmpty else {
            throw AEPGError(.notEnoughRows, "no row has \(label) = 0, so \(options.name(of: \.trainOn)) normal has nothing to train on")
        }
        return normal
    }
}
