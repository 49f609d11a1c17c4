import Foundation
import Learn
import PGClient

/// What a training read of a stored model, to be found unchanged when it publishes.
struct ReadModel {
    var createdAt: String?
    var sourceOID: UInt32
    var keyColumn: String
    var definedBy: String?

    /// Whether the catalog row `row` (created_at, source, key_column, defined_by) is still this definition.
    func matches(_ row: PGRow) throws -> Bool {
        try row.optionalText("created_at") == createdAt && row.int("source") == Int(sourceOID)
            && row.text("key_column") == keyColumn && row.optionalText("defined_by") == definedBy
    }
}

/// A trained version ready to be written: catalog rows, layers and per-row results, published
/// in one transaction that also switches the model's active version.
struct Publication {
    var model: ModelName
    /// A definition given for this training: saved in the same transaction as the version.
    var definition: ModelDefinition?
    /// The stored definition the training read (nil for a definition given now): a model dropped
    /// and defined again under its name meanwhile, or given another source, key or definer, is
    /// not published into (its scores would be of other rows, or read as someone else).
    var readModel: ReadModel?
    var keyColumn: String
    /// Source columns read (numeric first).
    var features: [String]
    var encoding: FeatureEncoding
    var options: ResolvedOptions
    var scaler: FeatureScaler
    var network: Network
    /// An ensemble's calibrated members (`network` is the first one's); empty for a single network.
    var members: [EnsembleMember]
    var known: KnownAnomalies?
    var history: TrainingHistory
    var trainingRows: Int
    /// The training's realtime window, closed as the version is activated (settling the notes
    /// of writes its read saw).
    var window: RealtimeWindow

    /// Name of the model's results table.
    static func resultsTable(_ model: ModelName) -> String { "aepg." + quoteIdentifier(model.value + "_results") }

    /// What `write` published.
    struct Published {
        var version: Int
        /// The version it replaced as the active one.
        var previous: Int?
        var scores: RowScores
        var metrics: LabelMetrics
        /// Seconds of the write spent scoring the rows.
        var scoringSeconds: Double
    }

    /// Scores every row as it sends it, then writes the version (with the threshold and metrics
    /// the scores give) and activates it. `stages` and `seconds` are the training's timings
    /// before the write; the scoring is counted in with them.
    func write(_ rows: PublishedRows, on connection: PGConnection, stages: [String: Double], seconds: Double) throws -> Published {
        do {
            return try connection.transaction {
                let row = try withRowLockPatience(on: connection) { () throws -> PGResult in
                    if let definition { try Catalog(connection: connection).save(definition) }
                    return try connection.execute("""
                        SELECT active_version, created_at::text AS created_at, source::oid::int8 AS source, key_column, defined_by::text AS defined_by
                          FROM aepg.models WHERE name = $1 FOR NO KEY UPDATE
                        """, [model.value])
                }
                if let readModel, try row.rowCount == 0 || !readModel.matches(row.row(0)) {
                    throw AEPGError(.unknownModel, "model \"\(model)\" was dropped, or redefined (its source, key or definer changed), while it trained; "
                        + "this version is not published: train it again")
                }
                let previous = row.int(0, 0)
                let version = try connection.execute(
                    "SELECT coalesce(max(version), 0) + 1 FROM aepg.versions WHERE model = $1", [model.value]).int(0, 0)!
                // The rows go into a table of their own, indexed once they are all in (rather than
                // row by row) and then attached as the version's partition of the results table.
                let partition = try connection.execute("SELECT aepg.new_results($1, $2)::text", [model.value, String(version)]).string(0, 0)!
                let (scores, scoringSeconds) = try copyResults(version, rows, into: partition, on: connection)
                let fitScores = rows.fitRows.map { $0.map { scores[$0] } } ?? scores
                let scored = RowScores(scores: scores, threshold: options.thresholdRule.threshold(trainingScores: fitScores))
                let metrics = LabelMetrics(labels: rows.labels, scores: scores, threshold: scored.threshold,
                                           clusters: rows.clusters.result.labels)
                var stages = stages
                stages["score", default: 0] += scoringSeconds
                try insertVersion(version, scored, rows.clusters.result, metrics, on: connection, stages: stages,
                                  seconds: seconds + scoringSeconds)
                try insertLayers(version, clusterEncoder: rows.clusters.encoder, on: connection)
                try connection.execute("SELECT aepg.attach_results($1, $2)", [model.value, String(version)])
                // Its views follow the active version (a trigger on aepg.models).
                try connection.execute("UPDATE aepg.models SET active_version = $2, updated_at = now() WHERE name = $1",
                                       [model.value, String(version)])
                try window.close(on: connection)
                return Published(version: version, previous: previous, scores: scored, metrics: metrics, scoringSeconds: scoringSeconds)
            }
        } catch let error as PGError where error.sqlState == PGError.State.uniqueViolation {
            throw AEPGError.duplicateKeys(in: keyColumn)
        } catch let error as PGError {
            throw AEPGError.database(error, while: "publishing the new version of \(model)")
        }
    }

    /// Drops the results of versions older than `previous` (the new version and the one it
    /// replaced keep theirs: an instant roll-back), after the publication committed. It takes no
    /// lock that anyone holds: old results a reader is using stay until a later training, and
    /// what stayed, and why, is returned (nil when all went).
    static func dropOldResults(_ model: ModelName, keeping version: Int, _ previous: Int?, on connection: PGConnection) throws -> String? {
        try connection.execute("SELECT aepg.drop_old_results($1, ARRAY[$2::int, $3::int])",
                               [model.value, String(version), previous.map(String.init)]).string(0, 0)
    }

    /// How long publishing waits for the model's catalog row when the session sets no limit of
    /// its own: an operator may update (and so lock) it, and a lock held in an open transaction
    /// would otherwise hold the training's publication, and the model's next trainings, for ever.
    static let rowLockPatience = "30s"

    /// Runs `body` (saving the definition, locking the model's catalog row FOR NO KEY UPDATE:
    /// a realtime trigger's note, whose foreign key locks the row FOR KEY SHARE, goes on) waiting
    /// `rowLockPatience` at most for a lock, unless the session says less.
    private func withRowLockPatience<T>(on connection: PGConnection, _ body: () throws -> T) throws -> T {
        let patience = try connection.execute("SELECT pg_catalog.current_setting('lock_timeout')").string(0, 0) ?? "0"
        if patience == "0" { try connection.execute("SELECT pg_catalog.set_config('lock_timeout', $1, true)", [Self.rowLockPatience]) }
        do {
            let value = try body()
            try connection.execute("SELECT pg_catalog.set_config('lock_timeout', $1, true)", [patience])
            return value
        } catch let error as PGError where error.sqlState == PGError.State.lockNotAvailable {
            throw AEPGError(.database, "the catalog row of model \(model) (aepg.models) stayed locked by another session for \(patience == "0" ? Self.rowLockPatience : patience); "
                + "this version is not published: find the session in pg_locks and pg_stat_activity, end its transaction and train again")
        }
    }

    private func insertVersion(_ version: Int, _ scored: RowScores, _ clusters: KMeansResult, _ metrics: LabelMetrics,
                               on connection: PGConnection, stages: [String: Double], seconds: Double) throws {
        let losses = history.epochs.map {
            LossRecord(epoch: $0.epoch, training: $0.trainingLoss, validation: $0.validationLoss, seconds: $0.seconds)
        }
        var metricValues: [String: Double] = ["inertia": clusters.inertia, "best_epoch": Double(history.bestEpoch)]
        metricValues.merge(metrics.storedValues) { $1 }
        let finiteMetrics = metricValues.filter { $0.value.isFinite }
        try connection.execute("""
            INSERT INTO aepg.versions (model, version, options, features, preprocessing, threshold, threshold_rule,
                                       centroids, inertia, loss_history, metrics, training_rows, scored_rows,
                                       seconds, stage_seconds, members)
            VALUES ($1, $2, $3::jsonb, $4::text[], $5::jsonb, $6, $7, $8::real[], $9, $10::jsonb, $11::jsonb,
                    $12, $13, $14, $15::jsonb, $16::jsonb)
            """, [model.value, String(version), try JSON.encode(options), PostgresArray.literal(features),
                  try JSON.encode(PreprocessingRecord(scaler: scaler, encoding: encoding)),
                  String(scored.threshold), options.thresholdRuleText, Self.centroidsLiteral(clusters.centroids),
                  String(clusters.inertia), try JSON.encode(losses), try JSON.encode(finiteMetrics), String(trainingRows), String(scored.scores.count),
                  String(seconds), try JSON.encode(stages),
                  members.isEmpty ? nil : try JSON.encode(memberRecords)])
    }

    /// The members as stored in `aepg.versions.members`, the labelled anomalies last.
    private var memberRecords: [MemberRecord] {
        var records = members.map {
            MemberRecord(variational: $0.network.variational, kl_weight: $0.klWeight, center: $0.center, scale: $0.scale, weight: $0.weight)
        }
        if let known {
            records.append(MemberRecord(center: known.center, scale: known.scale,
                                        known_anomalies: (0..<known.points.rows).map { known.points.row($0) }))
        }
        return records
    }

    /// `{{c11,c12},{c21,c22}}`: the centroids as a clusters x latent array.
    private static func centroidsLiteral(_ c: Matrix) -> String {
        return "{" + (0..<c.rows).map { PostgresArray.literal(c.row($0)) }.joined(separator: ",") + "}"
    }

    /// Weights and biases per `INSERT` into `aepg.layers`, at most (but one layer's): about 64 MB
    /// of text at 16 characters a value.
    static let layerBatchValues = 4_000_000

    /// The autoencoder's layers (roles `encoder`, `decoder`; an ensemble's members one after the
    /// other, each with its index), then the encoder the clusters live in, if any (DEC's or the
    /// neighbour embedding's; role
    /// `cluster_encoder`, member 0), numbered on.
    private func insertLayers(_ version: Int, clusterEncoder: Network?, on connection: PGConnection) throws {
        let networks = members.isEmpty ? [network] : members.map(\.network)
        var rows: [(net: Network, member: Int, index: Int, role: String)] = []
        for (member, net) in networks.enumerated() {
            rows += net.layers.indices.map { (net, member, $0, $0 < net.encoderDepth ? "encoder" : "decoder") }
        }
        if let clusterEncoder { rows += clusterEncoder.layers.indices.map { (clusterEncoder, 0, $0, "cluster_encoder") } }
        // Several layers per statement (an ensemble has forty, and a round trip each cost more
        // than the rows), up to about `layerBatchValues` weights: a statement's parameters must
        // stay well under PostgreSQL's 1 GB message limit.
        let allLayers = rows.map { $0.net.layers[$0.index] }
        var first = 0
        while first < rows.count {
            var end = first + 1, values = allLayers[first].parameterCount
            while end < rows.count, values + allLayers[end].parameterCount <= Self.layerBatchValues {
                values += allLayers[end].parameterCount
                end += 1
            }
            let batch = rows[first..<end], layers = allLayers[first..<end]
            try connection.execute("""
                INSERT INTO aepg.layers (model, version, layer, role, inputs, outputs, activation, weights, bias, member)
                SELECT $1, $2, l.layer, l.role, l.inputs, l.outputs, l.activation, l.weights::real[], l.bias::real[], l.member
                  FROM unnest($3::int[], $4::text[], $5::int[], $6::int[], $7::text[], $8::text[], $9::text[], $10::int[])
                       AS l(layer, role, inputs, outputs, activation, weights, bias, member)
                """, [model.value, String(version), PostgresArray.literal(Array(first..<end)), PostgresArray.literal(batch.map(\.role)),
                      PostgresArray.literal(layers.map(\.inputs)), PostgresArray.literal(layers.map(\.outputs)),
                      PostgresArray.literal(layers.map(\.activation.rawValue)),
                      PostgresArray.literal(batch.map { PostgresArray.literal($0.net.weights(ofLayer: $0.index)) }),
                      PostgresArray.literal(batch.map { PostgresArray.literal($0.net.bias(ofLayer: $0.index)) }),
                      PostgresArray.literal(batch.map(\.member))])
            first = end
        }
    }

    /// Scores every row and loads its result into `partition`, a table made in this transaction:
    /// rows are scored on threads of their own (`BackgroundScoring`) while this one encodes those
    /// already scored and the COPY's own thread sends them. FREEZE writes the rows as already
    /// visible to all (no vacuum has to visit them later). Returns every row's score and the
    /// seconds spent scoring.
    private func copyResults(_ version: Int, _ rows: PublishedRows, into partition: String,
                             on connection: PGConnection) throws -> (scores: [Double], seconds: Double) {
        let writer = ResultWriter(table: partition, keyColumn: keyColumn, version: version, features: encoding.inputNames, freeze: true)
        let keys = rows.keys, latents = rows.clusters.latents, clusters = rows.clusters.result, confidence = rows.clusters.confidence
        let width = latents.columns
        precondition(rows.data.rows == keys.count, "a key per row to score")
        // The COPY stays open while the rows are scored, which is aepg's work rather than the
        // server's: a role's statement_timeout, meant for statements, would otherwise end a long
        // training at its last step. The setting is the session's again once the rows are in.
        let timeout = try connection.execute("SELECT pg_catalog.current_setting('statement_timeout')").string(0, 0) ?? "0"
        try connection.execute("SELECT pg_catalog.set_config('statement_timeout', '0', true)")
        let scoring = BackgroundScoring(scorer: rows.scorer, data: rows.data)
        let topCount = scoring.topCount, scores = scoring.scores.baseAddress!, tops = scoring.tops.baseAddress!
        var seconds = 0.0
        do {
            defer { seconds = scoring.finish() }
            try connection.copyInBinary(writer.copySQL) { copy in
                try latents.storage.withUnsafeBufferPointer { latent in
                    var row = 0
                    while row < keys.count {
                        let ready = scoring.waitForRows(after: row)
                        while row < ready {
                            keys.withKey(row) { key in
                                writer.append(key: key, latent: latent.baseAddress! + row * width, latentWidth: width,
                                              cluster: clusters.labels[row], distance: clusters.distances[row],
                                              confidence: confidence?[row], score: scores[row],
                                              topFeatures: tops + row * topCount, topCount: topCount,
                                              into: &copy.pending)
                            }
                            try copy.flushIfNeeded()
                            row += 1
                        }
                    }
                }
            }
        }
        try connection.execute("SELECT pg_catalog.set_config('statement_timeout', $1, true)", [timeout])
        return (Array(scoring.scores), seconds)
    }
}
