import AEPG
import Learn
import PGClient
import XCTest

/// Every model family and option end to end on a real PostgreSQL: trained, published, rescored
/// by `aepg score`, and scored in SQL by `aepg.score` with the same results as the worker.
final class ModelFamilyTests: DatabaseTestCase {
    private func options(_ change: (inout TrainOptions) -> Void) -> TrainOptions {
        var o = Self.fast
        change(&o)
        return o
    }

    /// The worker's scores and clusters against `aepg.score` in SQL, and a rescore by `aepg score --all`.
    private func assertSQLAndRescoreAgree(_ model: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let rows = try connection.execute("""
            SELECT r.score, s.score, r.cluster = s.cluster
              FROM aepg.\(model)_results r JOIN points p ON p.id = r.id
              CROSS JOIN LATERAL aepg.score('\(model)', ARRAY[p.a, p.b, p.c, p.d]) s
             WHERE r.version = (SELECT active_version FROM aepg.models WHERE name = '\(model)')
            """)
        XCTAssertEqual(rows.rowCount, 400, file: file, line: line)
        var sameCluster = 0
        for i in 0..<rows.rowCount {
            XCTAssertEqual(rows.double(i, 1)!, rows.double(i, 0)!, accuracy: 1e-4 * max(rows.double(i, 0)!, 1e-4),
                           "\(model) row \(i)", file: file, line: line)
            if rows.bool(i, 2) == true { sameCluster += 1 }
        }
        XCTAssertGreaterThanOrEqual(sameCluster, 396, "\(model): clusters agree but for near-ties", file: file, line: line)
        let before = try connection.execute("SELECT array_agg(score ORDER BY id) FROM aepg.\(model)_results").string(0, 0)
        _ = try ScorePipeline(model: ModelName(model), all: true, logger: quiet).run(on: connection, conninfo: conninfo)
        let after = try connection.execute("SELECT array_agg(score ORDER BY id) FROM aepg.\(model)_results").string(0, 0)
        XCTAssertEqual(before, after, "\(model): aepg score reproduces the training scores", file: file, line: line)
    }

    func testDenoisingAutoencoders() throws {
        for (model, noise) in [("gauss", "gaussian:0.2"), ("masked", "mask:0.2")] {
            let summary = try train(model, options: options { $0.kind = .denoising; $0.noise = InputNoise(noise) })
            XCTAssertEqual(summary.options.noise?.description, noise)
            XCTAssertGreaterThan(summary.metrics!.rocAUC, 0.9, model)
            try assertSQLAndRescoreAgree(model)
        }
        XCTAssertEqual(try train("dflt", options: options { $0.kind = .denoising }).options.noise, .gaussian(0.2))
        assertFails(.invalidOption, containing: "noise needs kind denoising") {
            try train("bad", options: options { $0.kind = .dense; $0.noise = .mask(0.1) })
        }
    }

    func testVariationalAutoencoderWritesTheMeanAndScoresInSQL() throws {
        let summary = try train("vae", options: options { $0.kind = .variational; $0.beta = 0.5 })
        XCTAssertGreaterThan(summary.metrics!.rocAUC, 0.8)
        let layer = try connection.execute("SELECT outputs FROM aepg.layers WHERE model = 'vae' AND role = 'encoder' ORDER BY layer DESC LIMIT 1")
        XCTAssertEqual(layer.int(0, 0), 4, "the last encoder layer outputs mean and log-variance")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.vae_results WHERE array_length(latent, 1) = 2"), 400)
        try assertSQLAndRescoreAgree("vae")

        // The same network scored by its ELBO: the reconstruction score plus β·KL per input, never less.
        try train("vae_elbo", options: options { $0.kind = .variational; $0.beta = 0.5; $0.score = .elbo })
        try assertSQLAndRescoreAgree("vae_elbo")
        let gaps = try connection.execute("""
            SELECT count(*) FILTER (WHERE e.score > r.score), count(*) FILTER (WHERE e.score < r.score - 1e-9)
              FROM aepg.vae_results r JOIN aepg.vae_elbo_results e USING (id)
            """)
        XCTAssertEqual(gaps.int(0, 0), 400, "the KL term adds to every row's score")
        XCTAssertEqual(gaps.int(0, 1), 0)
        assertFails(.invalidOption, containing: "score elbo needs kind variational") {
            try train("bad", options: options { $0.score = .elbo })
        }
    }

    func testRegularisedSparseAndDropoutModelsWithOtherScalersAndLosses() throws {
        let variants: [(String, (inout TrainOptions) -> Void)] = [
            ("sparse", { $0.l1Activity = 1e-3; $0.l1 = 1e-5; $0.l2 = 1e-4 }),
            ("dropped", { $0.hidden = [16]; $0.dropout = 0.2 }),
            ("minmax", { $0.scale = .minmax }),
            ("robust", { $0.scale = .robust; $0.loss = .mae; $0.activation = .selu }),
            ("unscaled", { $0.scale = ScalingMethod.none; $0.activation = .relu6; $0.optimizer = .adagrad; $0.minRelProgress = 0.05 }),
        ]
        for (model, change) in variants {
            let summary = try train(model, options: options(change))
            XCTAssertGreaterThan(summary.metrics!.rocAUC, 0.75, model)
            try assertSQLAndRescoreAgree(model)
        }
        let minmax = try connection.execute("SELECT activation FROM aepg.layers WHERE model = 'minmax' ORDER BY layer DESC LIMIT 1")
        XCTAssertEqual(minmax.string(0, 0), "sigmoid", "min-max scaled data gets a sigmoid output by default")
        let stored = try connection.execute("SELECT preprocessing->>'method', options->>'loss' FROM aepg.versions WHERE model = 'robust'")
        XCTAssertEqual(stored.string(0, 0), "robust")
        XCTAssertEqual(stored.string(0, 1), "mae")
    }

    func testDeepEmbeddedClusteringStoresItsEncoderAndConfidence() throws {
        let summary = try train("dec", options: options { $0.cluster = .dec; $0.decUpdateInterval = 5; $0.purpose = .clustering })
        XCTAssertEqual(summary.clusterSizes.reduce(0, +), 400)
        XCTAssertGreaterThan(try count("SELECT count(*) FROM aepg.layers WHERE model = 'dec' AND role = 'cluster_encoder'"), 0)
        // A clustering job: the clustering network fills what the options left open.
        let stored = try connection.execute("SELECT options->>'purpose', options->>'activation', preprocessing->>'method' FROM aepg.versions WHERE model = 'dec'")
        XCTAssertEqual([stored.string(0, 0), stored.string(0, 1), stored.string(0, 2)], ["clustering", "relu", "minmax"])
        try assertConfidenceIsTheLargestSoftAssignment("dec")
        XCTAssertEqual(try count("""
            SELECT count(*) FROM aepg.dec_cluster_profile p
              JOIN (SELECT cluster, avg(confidence) AS mean FROM aepg.dec_results GROUP BY cluster) r USING (cluster)
             WHERE abs(p.mean_confidence - r.mean) < 1e-9
            """), 3)
        try assertSQLAndRescoreAgree("dec")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.dec_results WHERE confidence IS NULL"), 0)
        try train("km")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.km_results WHERE confidence IS NULL"), 400, "k-means has no confidence")
    }

    /// A clustering job's k-means runs in a neighbour embedding (`--cluster-embedding`): that
    /// encoder is stored, each row gets the confidence of its cluster, and SQL and a rescore
    /// give the same clusters.
    func testKMeansInANeighbourEmbeddingStoresItsEncoder() throws {
        let summary = try train("kme", options: options { $0.purpose = .clustering })
        XCTAssertEqual(summary.options.clusterEmbedding, 20)
        XCTAssertEqual(summary.clusterSizes.reduce(0, +), 400)
        XCTAssertGreaterThan(try count("SELECT count(*) FROM aepg.layers WHERE model = 'kme' AND role = 'cluster_encoder'"), 0)
        try assertConfidenceIsTheLargestSoftAssignment("kme")
        let clusters = "SELECT array_agg(cluster ORDER BY id)::text || array_agg(round(confidence::numeric, 4) ORDER BY id)::text FROM aepg.kme_results"
        let before = try connection.execute(clusters).string(0, 0)
        try assertSQLAndRescoreAgree("kme")
        XCTAssertEqual(try connection.execute(clusters).string(0, 0), before, "a rescore gives every row its cluster and confidence again")
    }

    /// Recomputed from the stored latents and centroids (Student-t, α = 1): each row's confidence
    /// is its largest soft assignment, and its cluster the one that takes it.
    private func assertConfidenceIsTheLargestSoftAssignment(_ model: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try count("""
            WITH c AS (SELECT centroids FROM aepg.versions WHERE model = '\(model)'),
                 q AS (SELECT r.id, r.cluster, r.confidence, j - 1 AS k,
                              1 / (1 + (SELECT sum((r.latent[d] - c.centroids[j][d]) ^ 2)
                                          FROM generate_series(1, array_length(r.latent, 1)) AS d)) AS w
                         FROM aepg.\(model)_results r, c, generate_series(1, array_length(c.centroids, 1)) AS j),
                 per_row AS (SELECT id, max(cluster) AS cluster, max(confidence) AS confidence,
                                    max(w) / sum(w) AS expected, (array_agg(k ORDER BY w DESC))[1] AS nearest
                               FROM q GROUP BY id)
            SELECT count(*) FROM per_row WHERE abs(confidence - expected) < 1e-4 AND cluster = nearest
            """), 400, file: file, line: line)
    }

    /// A class label (not 0/1) gives clustering metrics, at training time and from `aepg evaluate`.
    func testClassLabelsGiveClusteringMetrics() throws {
        try connection.execute("ALTER TABLE points ADD COLUMN segment int")
        try connection.execute("UPDATE points SET segment = CASE WHEN a > 0.5 THEN 2 WHEN a < -0.5 THEN 0 ELSE 1 END")
        let summary = try train("seg", label: "segment")
        XCTAssertNil(summary.metrics)
        let c = try XCTUnwrap(summary.clustering)
        XCTAssertEqual(c.classes, 3)
        // The accuracy under the best one-to-one mapping, found here by trying all six.
        let counts = try connection.execute("""
            SELECT r.cluster, p.segment, count(*) FROM aepg.seg_results r JOIN points p USING (id) GROUP BY 1, 2
            """)
        var table = [[Int]](repeating: [0, 0, 0], count: 3)
        for row in counts.rows { table[try row.int("cluster")][try row.int("segment")] = try row.int("count") }
        let best = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
            .map { mapping in (0..<3).reduce(0) { $0 + table[$1][mapping[$1]] } }.max()!
        XCTAssertEqual(c.accuracy, Double(best) / 400, accuracy: 1e-12)
        let evaluation = try EvaluatePipeline(model: ModelName("seg")).run(on: connection)
        XCTAssertEqual(evaluation.clustering?.accuracy ?? -1, c.accuracy, accuracy: 1e-12)
        let stored = try connection.execute("SELECT (metrics->>'nmi')::float8, (metrics->>'ari')::float8 FROM aepg.evaluations WHERE model = 'seg'")
        XCTAssertEqual(stored.double(0, 0)!, c.nmi, accuracy: 1e-12)
        XCTAssertEqual(stored.double(0, 1)!, c.ari, accuracy: 1e-12)
    }

    func testCategoricalColumnsAndNullIndicators() throws {
        try connection.execute("ALTER TABLE points ADD COLUMN color text, ADD COLUMN size varchar(8)")
        try connection.execute("UPDATE points SET color = CASE WHEN id % 40 = 0 THEN 'red' WHEN id % 2 = 0 THEN 'blue' ELSE 'green' END, size = CASE WHEN id % 3 = 0 THEN NULL ELSE 'L' END")
        try connection.execute("UPDATE points SET b = NULL WHERE id % 7 = 0")
        assertFails(.unsupportedType, containing: "--categorical") {
            try train("plain", features: ["a", "color"])
        }
        let onehot = try train("onehot", options: options { $0.categorical = .onehot; $0.nullIndicators = true })
        XCTAssertEqual(onehot.features, ["a", "b", "c", "d", "color", "size"])
        let inputs = try connection.execute("SELECT preprocessing->'inputs' FROM aepg.versions WHERE model = 'onehot'").string(0, 0)
        XCTAssertEqual(inputs, #"["a", "b", "c", "d", "b_is_null", "color=blue", "color=green", "color=red", "size=L"]"#)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.onehot_flags WHERE flagged AND color = 'red'"), 10,
                       "the rare category is what makes the outliers stand out")
        let label = try train("labelled", options: options { $0.categorical = .label })
        XCTAssertEqual(label.features.count, 6)
        XCTAssertEqual(try connection.execute("SELECT preprocessing->'encoding'->'categorical'->0->>'categories' FROM aepg.versions WHERE model = 'labelled'").string(0, 0),
                       #"["blue", "green", "red"]"#, "label encoding numbers categories in sorted order")

        // Unseen categories at scoring time: scored as "no known category", never an error.
        try connection.execute("INSERT INTO points (id, a, b, c, d, label, color, size) VALUES (1001, 0, 1, 1, 0, 0, 'purple', 'XL')")
        for model in ["onehot", "labelled"] {
            XCTAssertEqual(try ScorePipeline(model: ModelName(model), logger: quiet).run(on: connection, conninfo: conninfo), 1)
            XCTAssertEqual(try count("SELECT count(*) FROM aepg.\(model)_flags WHERE id = 1001"), 1)
        }
        XCTAssertThrowsError(try connection.execute("SELECT * FROM aepg.score('onehot', ARRAY[0, 1, 1, 0, 0, 0]::float8[])")) {
            XCTAssertTrue("\($0)".contains("only the worker encodes"), "\($0)")
        }

        // A free-text column is not a category: one input per value would be absurd.
        try connection.execute("ALTER TABLE points ADD COLUMN note text")
        try connection.execute("UPDATE points SET note = 'note ' || id")
        try connection.execute("INSERT INTO points (id, a, b, c, d, label, note) SELECT i, 0, 0, 0, 0, 0, 'n' || i FROM generate_series(2000, 2700) i")
        assertFails(.unsupportedType, containing: "has 1102 distinct values; one-hot encoding takes at most 1000") {
            try train("notes", options: options { $0.categorical = .onehot })
        }
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models WHERE name = 'notes' AND active_version IS NOT NULL"), 0)
    }
}
