import AEPG
import Foundation
import PGClient
import TestSupport
import XCTest

/// Array columns as feature groups: each element one input, named `column[i]` (issue 14).
final class ArrayFeatureTests: DatabaseTestCase {
    private func train(_ model: String, table: String, features: [String]? = nil, exclude: [String] = [],
                       label: String? = nil, options: TrainOptions) throws -> TrainSummary {
        let name = try ModelName(model)
        let definition = ModelDefinition(name: name, source: table, keyColumn: "id", features: features, exclude: exclude,
                                         labelColumn: label, options: options)
        return try TrainPipeline(model: name, definition: definition, logger: quiet).run(on: connection)
    }

    /// `../shared/data/digits.csv` as 64 columns and as one 8 × 8 `real[]` image: the image's
    /// elements are read row-major, so they are the same inputs in the same order, and the same
    /// seed and flags give the same scores, clusters and accuracy; the SQL scorer reads the image too.
    func testDigitsAsAnImageArrayTrainLikeTheirSixtyFourColumns() throws {
        let csv = try XCTUnwrap(TestDatabase.dataset("digits.csv"), "digits.csv is needed: it ships in data/")
        try TestDatabase.loadCSV(csv, into: "digits_wide", label: "digit", on: connection)
        let rows = (0..<8).map { r in "ARRAY[" + (0..<8).map { "p\(r * 8 + $0)" }.joined(separator: ", ") + "]" }
        try connection.executeScript("""
            CREATE TABLE digits (id bigint PRIMARY KEY, pixels real[], digit integer);
            INSERT INTO digits SELECT id, ARRAY[\(rows.joined(separator: ", "))]::real[], digit FROM digits_wide ORDER BY id
            """)
        XCTAssertEqual(try count("SELECT count(*) FROM digits WHERE array_ndims(pixels) = 2 AND cardinality(pixels) = 64"), 1797)
        var options = TrainOptions()
        options.hidden = [32]
        options.latent = 10
        options.epochs = 15
        options.clusters = 10
        options.seed = 3
        let wide = try train("digits_wide", table: "digits_wide", label: "digit", options: options)
        let image = try train("digits_image", table: "digits", label: "digit", options: options)
        XCTAssertEqual(image.features, (1...64).map { "pixels[\($0)]" })
        let a = try XCTUnwrap(wide.clustering), b = try XCTUnwrap(image.clustering)
        XCTAssertEqual(b.accuracy, a.accuracy, accuracy: 1e-9, "the same accuracy as the 64-column table")
        XCTAssertEqual(b.nmi, a.nmi, accuracy: 1e-9)
        // Row by row: the same score, cluster, and top features (p<j> is pixels[j + 1]).
        let pairs = try connection.execute("""
            SELECT w.score AS wide_score, i.score AS image_score, w.cluster = i.cluster AS same_cluster,
                   ARRAY(SELECT 'pixels[' || (substr(f, 2)::int + 1) || ']' FROM unnest(w.top_features) AS f) = i.top_features AS same_top
              FROM aepg.digits_wide_results w JOIN aepg.digits_image_results i USING (id)
            """)
        XCTAssertEqual(pairs.rowCount, 1797)
        for row in pairs.rows {
            let w = try row.double("wide_score"), i = try row.double("image_score")
            XCTAssertEqual(i, w, accuracy: 1e-5 * max(abs(w), 0.05))
            XCTAssertTrue(try row.bool("same_cluster"))
            XCTAssertTrue(try row.bool("same_top"))
        }
        // In SQL: score_row on to_jsonb of the row (a nested JSON array) and score on the flat vector
        // give the worker's score, cluster and top features.
        let sql = try connection.execute("""
            SELECT count(*) FILTER (WHERE abs(j.score - r.score) <= 1e-4 * greatest(abs(r.score), 0.05) AND j.cluster = r.cluster
                                      AND j.top_features = r.top_features) AS by_row,
                   count(*) FILTER (WHERE abs(v.score - r.score) <= 1e-4 * greatest(abs(r.score), 0.05)) AS by_vector,
                   count(*) AS total
              FROM (SELECT * FROM digits ORDER BY id LIMIT 60) d
              JOIN aepg.digits_image_results r USING (id),
                   aepg.score_row('digits_image', to_jsonb(d)) AS j,
                   aepg.score('digits_image', ARRAY(SELECT unnest(d.pixels))::float8[]) AS v
            """).onlyRow()
        XCTAssertEqual(try sql.int("by_row"), 60)
        XCTAssertEqual(try sql.int("by_vector"), 60)
        // Realtime scoring reads the array column by name too.
        try connection.execute("SELECT aepg.enable_realtime('digits_image')")
        try connection.execute("INSERT INTO digits SELECT id + 100000, pixels, digit FROM digits WHERE id = 7")
        let failure = try connection.execute("SELECT reason FROM aepg.realtime_failures").string(0, 0)
        XCTAssertNil(failure)
        XCTAssertEqual(try count("""
            SELECT count(*) FROM aepg.digits_image_results a JOIN aepg.digits_image_results b ON b.id = a.id + 100000
             WHERE a.id = 7 AND abs(a.score - b.score) <= 1e-4 * greatest(abs(a.score), 0.05) AND a.version = b.version
            """), 1, "the realtime trigger scored the new image")
    }

    /// Element types, --features and --exclude, NULL arrays and NULL elements (imputed), and the
    /// errors: arrays of another length, NaN elements, a column named like an element.
    func testArrayColumnsMixWithScalarsAndRefuseWhatScalarsRefuse() throws {
        try connection.executeScript("""
            CREATE TABLE emb (id int PRIMARY KEY, a float8, v real[], w integer[], n numeric[], s smallint[], note text);
            INSERT INTO emb SELECT i, sin(i), ARRAY[sin(i), cos(i), sin(2 * i)], ARRAY[i % 5, i % 3],
                                   ARRAY[(i % 7)::numeric / 3], ARRAY[(i % 2)::smallint], 'x'
              FROM generate_series(1, 300) AS i;
            UPDATE emb SET v = NULL WHERE id = 5;
            UPDATE emb SET v[2] = NULL WHERE id = 6;
            """)
        var options = Self.fast
        options.epochs = 5
        let all = try train("emb_all", table: "emb", options: options)
        XCTAssertEqual(all.features, ["a", "v[1]", "v[2]", "v[3]", "w[1]", "w[2]", "n[1]", "s[1]"])
        XCTAssertEqual(all.rows, 300)
        let chosen = try train("emb_some", table: "emb", features: ["w", "a"], options: options)
        XCTAssertEqual(chosen.features, ["w[1]", "w[2]", "a"])
        let excluded = try train("emb_ex", table: "emb", exclude: ["v", "n"], options: options)
        XCTAssertEqual(excluded.features, ["a", "w[1]", "w[2]", "s[1]"])
        // In SQL, a NULL array is imputed like a NULL column; another length is an error naming the column.
        XCTAssertNotNil(try connection.execute("SELECT (aepg.score_row('emb_all', to_jsonb(e))).score FROM emb e WHERE id = 5").double(0, 0))
        XCTAssertThrowsError(try connection.execute("""
            SELECT aepg.score_row('emb_all', jsonb_set(to_jsonb(e), '{v}', '[1, 2]')) FROM emb e WHERE id = 1
            """)) { XCTAssertTrue("\($0)".contains("array feature \"v\" has 2 elements; the model was trained with 3"), "\($0)") }

        try connection.execute("UPDATE emb SET v = ARRAY[1, 2] WHERE id IN (10, 11)")
        assertFails(.badData, containing: "column \"v\" has 2 array(s) whose length is not 3") {
            try self.train("emb_bad", table: "emb", options: options)
        }
        // Scoring reads with the model's length: the same rows are refused there too, nothing written.
        let scoring = try ScorePipeline(model: ModelName("emb_all"), all: true, logger: quiet)
        XCTAssertThrowsError(try scoring.run(on: connection, conninfo: conninfo)) {
            XCTAssertTrue("\($0)".contains("whose length is not 3"), "\($0)")
        }
        try connection.execute("UPDATE emb SET v = '{1, NaN, 3}' WHERE id IN (10, 11)")
        assertFails(.badData, containing: "column \"v\" has 2 NaN value(s)") {
            try self.train("emb_bad", table: "emb", options: options)
        }
        try connection.execute("UPDATE emb SET v = ARRAY[1, 2, 3] WHERE id IN (10, 11)")
        try connection.execute("ALTER TABLE emb ADD COLUMN \"v[2]\" float8 DEFAULT 0")
        assertFails(.invalidName, containing: "would be called \"v[2]\"") {
            try self.train("emb_bad", table: "emb", options: options)
        }
        try connection.executeScript("CREATE TABLE empty_arrays (id int PRIMARY KEY, v float8[]); INSERT INTO empty_arrays VALUES (1, '{}'), (2, NULL)")
        assertFails(.badData, containing: "array column \"v\" of empty_arrays has no non-empty array") {
            try self.train("emb_bad", table: "empty_arrays", options: options)
        }
    }

    /// More inputs than a table may have columns: one 2,000-wide array trains and scores in SQL.
    func testATwoThousandWideArrayTrains() throws {
        try connection.execute("""
            CREATE TABLE wide AS
            SELECT i AS id, ARRAY(SELECT sin(i * 0.01 * j) FROM generate_series(1, 2000) AS j)::real[] AS v
              FROM generate_series(1, 200) AS i
            """)
        var options = Self.fast
        options.epochs = 3
        options.hidden = [16]
        let summary = try train("wide", table: "wide", options: options)
        XCTAssertEqual(summary.features.count, 2000)
        XCTAssertEqual(summary.features.last, "v[2000]")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.wide_results"), 200)
        XCTAssertEqual(try count("""
            SELECT count(*) FROM wide w JOIN aepg.wide_results r USING (id), aepg.score_row('wide', to_jsonb(w)) AS s
             WHERE w.id <= 3 AND abs(s.score - r.score) <= 1e-4 * r.score
            """), 3)
    }
}
