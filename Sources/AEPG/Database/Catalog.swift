import Foundation
import Learn
import PGClient

/// Reads and writes aepg's catalog tables (`aepg.models`, `aepg.versions`, `aepg.layers`).
public struct Catalog {
    let connection: PGConnection

    public init(connection: PGConnection) { self.connection = connection }

    /// Creates the model or replaces its definition (source, key, features, label, options).
    public func save(_ model: ModelDefinition) throws {
        try connection.execute("""
            INSERT INTO aepg.models (name, source, key_column, features, exclude, label_column, options)
            VALUES ($1, coalesce($8::int8::oid, $2::regclass::oid)::regclass, $3, $4::text[], $5::text[], $6, $7::jsonb)
            ON CONFLICT (name) DO UPDATE
               SET source = EXCLUDED.source, key_column = EXCLUDED.key_column, features = EXCLUDED.features,
                   exclude = EXCLUDED.exclude, label_column = EXCLUDED.label_column, options = EXCLUDED.options,
                   updated_at = now()
            """, [model.name.value, model.source, model.keyColumn, model.features.map(PostgresArray.literal),
                  PostgresArray.literal(model.exclude), model.labelColumn, try JSON.encode(model.options), model.sourceOID.map(String.init)])
    }

    /// Fails before any work when this role may not write aepg's versions and results, where
    /// `command` on `model` would otherwise fail only at its end: an operator queues the job for
    /// the worker instead.
    public func checkMayWriteResults(_ command: String, model: ModelName) throws {
        guard try connection.execute("SELECT has_table_privilege('aepg.versions', 'INSERT')").bool(0, 0) != true else { return }
        let role = try connection.execute("SELECT current_user").string(0, 0) ?? "this role"
        throw AEPGError(.database, "\(role) may not write aepg's versions and results, which aepg \(command) does; "
                        + "run it as aepg's worker (a member of aepg_worker) or the schema's owner, "
                        + "or queue it for one: SELECT aepg.enqueue('\(command)', '\(model)')")
    }

    /// The model's definition, or `unknownModel`.
    public func model(_ name: ModelName) throws -> ModelDefinition {
        let r = try connection.execute("""
            SELECT source::text AS source, key_column, features::text AS features, exclude::text AS exclude, label_column,
                   options::text AS options, active_version, defined_by::text AS defined_by, created_at::text AS created_at
              FROM aepg.models WHERE name = $1
            """, [name.value])
        guard r.rowCount == 1 else {
            throw AEPGError(.unknownModel,
                "model \"\(name)\" does not exist; define it with aepg train --table SCHEMA.TABLE --key COLUMN --name \(name)")
        }
        let row = r.row(0)
        return ModelDefinition(
            name: name, source: try row.text("source"), keyColumn: try row.text("key_column"),
            features: try row.optionalText("features").map(PostgresArray.strings),
            exclude: PostgresArray.strings(try row.text("exclude")), labelColumn: try row.optionalText("label_column"),
            options: try JSON.decode(TrainOptions.self, try row.text("options")), activeVersion: try row.optionalInt("active_version"),
            definedBy: try row.optionalText("defined_by"), createdAt: try row.optionalText("created_at"))
    }

    /// Every model with its active version, by name.
    public func models() throws -> [(name: String, source: String, activeVersion: Int?)] {
        let r = try connection.execute("SELECT name, source::text AS source, active_version FROM aepg.models ORDER BY name")
        return try r.rows.map { (try $0.text("name"), try $0.text("source"), try $0.optionalInt("active_version")) }
    }

    /// Loads a trained version (the active one when `version` is nil) ready to score.
    public func trainedModel(_ name: ModelName, version: Int? = nil) throws -> TrainedModel {
        let definition = try model(name)
        guard let chosen = version ?? definition.activeVersion else {
            throw AEPGError(.noActiveVersion, "model \"\(name)\" has no trained version yet; run aepg train \(name)")
        }
        let v = try connection.execute("""
            SELECT features::text AS features, preprocessing::text AS preprocessing, centroids::text AS centroids,
                   threshold, options::text AS options, members::text AS members
              FROM aepg.versions WHERE model = $1 AND version = $2
            """, [name.value, String(chosen)])
        guard v.rowCount == 1 else { throw AEPGError(.noActiveVersion, "model \"\(name)\" has no version \(chosen)") }
        let stored = v.row(0)
        let options = try JSON.decode(ResolvedOptions.self, try stored.text("options"))
        let preprocessing = try JSON.decode(PreprocessingRecord.self, try stored.text("preprocessing"))
        let records = try stored.optionalText("members").map { try JSON.decode([MemberRecord].self, $0) } ?? []
        let layers = try connection.execute("""
            SELECT inputs, outputs, activation, role, weights::text AS weights, bias::text AS bias, member
              FROM aepg.layers WHERE model = $1 AND version = $2 ORDER BY layer
            """, [name.value, String(chosen)])
        /// The layers of `member` with one of `roles`, as a network.
        func network(roles: Set<String>, member: Int = 0) throws -> Network? {
            var widths: [Int] = [], activations: [Activation] = [], parameters: [Float] = [], encoderDepth = 0
            for layer in layers.rows where try roles.contains(layer.text("role")) && layer.int("member") == member {
                if widths.isEmpty { widths.append(try layer.int("inputs")) }
                widths.append(try layer.int("outputs"))
                let activationName = try layer.text("activation")
                guard let activation = Activation(rawValue: activationName) else {
                    throw AEPGError(.database, "layer \(layer.index) of \(name) v\(chosen) has unknown activation \(activationName)")
                }
                activations.append(activation)
                if try layer.text("role") != "decoder" { encoderDepth += 1 }
                parameters += PostgresArray.floats(try layer.text("weights")) + PostgresArray.floats(try layer.text("bias"))
            }
            guard !activations.isEmpty else { return nil }
            let variational = records.isEmpty ? options.kind == .variational : records[member].variational ?? false
            // A variational encoder's last layer is twice the latent width the widths name.
            if variational { widths[encoderDepth] /= 2 }
            return Network(widths: widths, activations: activations, encoderDepth: encoderDepth, variational: variational,
                           parameterValues: parameters)
        }
        guard let autoencoder = try network(roles: ["encoder", "decoder"]) else {
            throw AEPGError(.database, "model \(name) v\(chosen) has no layers")
        }
        let clusterEncoder = try network(roles: ["cluster_encoder"])
        let members = try records.enumerated().filter { $0.element.known_anomalies == nil }.map { member, record in
            guard let net = try network(roles: ["encoder", "decoder"], member: member) else {
                throw AEPGError(.database, "model \(name) v\(chosen) has no layers for ensemble member \(member)")
            }
            return EnsembleMember(network: net, klWeight: record.kl_weight, center: record.center, scale: record.scale,
                                  weight: record.weight ?? 1)
        }
        let known = records.first { $0.known_anomalies != nil }.map { record in
            let points = record.known_anomalies ?? []
            return KnownAnomalies(points: Matrix(rows: points.count, columns: points.first?.count ?? 0, values: points.flatMap { $0 }),
                                  center: record.center, scale: record.scale)
        }
        let centroidValues = try stored.optionalText("centroids").map(PostgresArray.floats) ?? []
        let latent = autoencoder.latentWidth
        let features = PostgresArray.strings(try stored.text("features"))
        return TrainedModel(
            version: chosen, features: features, encoding: preprocessing.encoding ?? FeatureEncoding(numeric: features),
            scaler: preprocessing.scaler, network: autoencoder, members: members, known: known, clusterEncoder: clusterEncoder,
            centroids: Matrix(rows: centroidValues.count / latent, columns: latent, values: centroidValues),
            threshold: try stored.double("threshold"), options: options)
    }

    /// Drops a model: its results table, views, versions and layers.
    public func drop(_ name: ModelName) throws {
        _ = try model(name)
        try connection.execute("SELECT aepg.drop_model($1)", [name.value])
    }
}

/// JSON for jsonb columns.
enum JSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(text.utf8)) } catch {
            throw AEPGError(.database, "cannot read stored \(type): \(error)")
        }
    }
}
