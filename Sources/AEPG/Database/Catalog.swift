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
            VALUES ($1, $2::regclass, $3, $4::text[], $5::text[], $6, $7::jsonb)
            ON CONFLICT (name) DO UPDATE
               SET source = EXCLUDED.source, key_column = EXCLUDED.key_column, features = EXCLUDED.features,
                   exclude = EXCLUDED.exclude, label_column = EXCLUDED.label_column, options = EXCLUDED.options,
                   updated_at = now()
            """, [model.name.value, model.source, model.keyColumn, model.features.map(PostgresArray.literal),
                  PostgresArray.literal(model.exclude), model.labelColumn, try JSON.encode(model.options)])
    }

    /// The model's definition, or `unknownModel`.
    public func model(_ name: ModelName) throws -> ModelDefinition {
        let r = try connection.execute("""
            SELECT source::text, key_column, features::text, exclude::text, label_column, options::text, active_version
              FROM aepg.models WHERE name = $1
            """, [name.value])
        guard r.rowCount == 1 else {
            throw AEPGError(.unknownModel,
                "model \"\(name)\" does not exist; define it with aepg train --table SCHEMA.TABLE --key COLUMN --name \(name)")
        }
        return ModelDefinition(
            name: name, source: r.string(0, 0)!, keyColumn: r.string(0, 1)!,
            features: r.string(0, 2).map(PostgresArray.strings), exclude: PostgresArray.strings(r.string(0, 3)!),
            labelColumn: r.string(0, 4), options: try JSON.decode(TrainOptions.self, r.string(0, 5)!),
            activeVersion: r.int(0, 6))
    }

    /// Every model with its active version, by name.
    public func models() throws -> [(name: String, source: String, activeVersion: Int?)] {
        let r = try connection.execute("SELECT name, source::text, active_version FROM aepg.models ORDER BY name")
        return (0..<r.rowCount).map { (r.string($0, 0)!, r.string($0, 1)!, r.int($0, 2)) }
    }

    /// Loads a trained version (the active one when `version` is nil) ready to score.
    public func trainedModel(_ name: ModelName, version: Int? = nil) throws -> TrainedModel {
        let definition = try model(name)
        guard let chosen = version ?? definition.activeVersion else {
            throw AEPGError(.noActiveVersion, "model \"\(name)\" has no trained version yet; run aepg train \(name)")
        }
        let v = try connection.execute("""
            SELECT features::text, preprocessing::text, centroids::text, threshold, options::text
              FROM aepg.versions WHERE model = $1 AND version = $2
            """, [name.value, String(chosen)])
        guard v.rowCount == 1 else { throw AEPGError(.noActiveVersion, "model \"\(name)\" has no version \(chosen)") }
        let options = try JSON.decode(ResolvedOptions.self, v.string(0, 4)!)
        let preprocessing = try JSON.decode(PreprocessingRecord.self, v.string(0, 1)!)
        let layers = try connection.execute("""
            SELECT inputs, outputs, activation, role, weights::text, bias::text
              FROM aepg.layers WHERE model = $1 AND version = $2 ORDER BY layer
            """, [name.value, String(chosen)])
        /// The layers with one of `roles`, as a network.
        func network(roles: Set<String>) throws -> Network? {
            var widths: [Int] = [], activations: [Activation] = [], parameters: [Float] = [], encoderDepth = 0
            for i in 0..<layers.rowCount where roles.contains(layers.string(i, 3)!) {
                if widths.isEmpty { widths.append(layers.int(i, 0)!) }
                widths.append(layers.int(i, 1)!)
                guard let activation = Activation(rawValue: layers.string(i, 2)!) else {
                    throw AEPGError(.database, "layer \(i) of \(name) v\(chosen) has unknown activation \(layers.string(i, 2)!)")
                }
                activations.append(activation)
                if layers.string(i, 3) != "decoder" { encoderDepth += 1 }
                parameters += PostgresArray.floats(layers.string(i, 4)!) + PostgresArray.floats(layers.string(i, 5)!)
            }
            guard !activations.isEmpty else { return nil }
            let variational = options.kind == .variational
            // A variational encoder's last layer is twice the latent width the widths name.
            if variational { widths[encoderDepth] /= 2 }
            return Network(widths: widths, activations: activations, encoderDepth: encoderDepth, variational: variational,
                           parameterValues: parameters)
        }
        guard let autoencoder = try network(roles: ["encoder", "decoder"]) else {
            throw AEPGError(.database, "model \(name) v\(chosen) has no layers")
        }
        let clusterEncoder = try network(roles: ["cluster_encoder"])
        let centroidValues = v.string(0, 2).map(PostgresArray.floats) ?? []
        let latent = autoencoder.latentWidth
        let features = PostgresArray.strings(v.string(0, 0)!)
        return TrainedModel(
            version: chosen, features: features, encoding: preprocessing.encoding ?? FeatureEncoding(numeric: features),
            scaler: preprocessing.scaler, network: autoencoder, clusterEncoder: clusterEncoder,
            centroids: Matrix(rows: centroidValues.count / latent, columns: latent, values: centroidValues),
            threshold: v.double(0, 3)!, options: options)
    }

    /// Drops a model: its results table, views, versions and layers.
    public func drop(_ name: ModelName) throws {
        _ = try model(name)
        try connection.transaction {
            try connection.execute("""
                SELECT aepg.drop_model_objects($1)
                """, [name.value])
            try connection.execute("DELETE FROM aepg.models WHERE name = $1", [name.value])
        }
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
