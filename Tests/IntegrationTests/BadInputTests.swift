import AEPG
import PGClient
import XCTest

/// Every kind of bad input gets a clear error, or a documented behaviour, and loses nothing.
final class BadInputTests: DatabaseTestCase {
    func testUnknownTableAndColumns() throws {
        assertFails(.unknownTable, containing: "public.nope") { try train(table: "public.nope") }
        assertFails(.unknownColumn, containing: "no key column \"ident\"") { try train(key: "ident") }
        assertFails(.unknownColumn, containing: "(columns: id, a, b, c, d, label)") { try train(features: ["a", "zz"]) }
        assertFails(.unknownColumn, containing: "no label column") { try train(label: "missing") }
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models"), 0, "a failed definition is not stored")
    }

    func testNonNumericFeatureIsNamedWithItsType() throws {
        try connection.execute("ALTER TABLE points ADD COLUMN note text DEFAULT 'x'")
        assertFails(.unsupportedType, containing: "\"note\" of points has type text") { try train(features: ["a", "note"]) }
        // Without --features, text columns are simply not features.
        XCTAssertEqual(try train().features, ["a", "b", "c", "d"])
    }

    func testNaNAndInfinityAreRejectedByColumnWithCounts() throws {
        try connection.execute("UPDATE points SET b = 'NaN' WHERE id IN (1, 2)")
        try connection.execute("UPDATE points SET c = 'Infinity' WHERE id = 3")
        assertFails(.badData, containing: "column \"b\" has 2 NaN value(s); column \"c\" has 1 infinite") { try train() }
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.versions"), 0)
    }

    func testNullFeaturesAreImputedWithTheTrainingMean() throws {
        try connection.execute("UPDATE points SET a = NULL WHERE id <= 10")
        let summary = try train()
        XCTAssertEqual(summary.imputedNulls, 10)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_results WHERE score = 'NaN' OR score IS NULL"), 0)
    }

    func testEmptyOneRowAndTooFewRowsForClusters() throws {
        try connection.execute("CREATE TABLE empty (id int PRIMARY KEY, a float8, b float8)")
        assertFails(.notEnoughRows, containing: "has no rows") { try train(table: "empty", label: nil) }
        try connection.execute("CREATE TABLE one (id int PRIMARY KEY, a float8, b float8)")
        try connection.execute("INSERT INTO one VALUES (1, 2, 3)")
        assertFails(.notEnoughRows, containing: "fewer than clusters 3") { try train(table: "one", label: nil) }
        var options = Self.fast
        options.clusters = 1
        let summary = try train(table: "one", label: nil, options: options)
        XCTAssertEqual(summary.rows, 1, "one row trains with one cluster (the batch size is capped at the row count)")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_flags"), 1)
    }

    func testConstantColumnIsHarmless() throws {
        try connection.execute("UPDATE points SET c = 7")
        try train()
        let r = try connection.execute("SELECT max(score) < 'Infinity' AND min(score) >= 0 FROM aepg.pts_results")
        XCTAssertEqual(r.bool(0, 0), true)
        let scale = try connection.execute("SELECT preprocessing->'scale'->>2 FROM aepg.versions").string(0, 0)
        XCTAssertEqual(scale.flatMap(Double.init), 1)
    }

    func testNullAndDuplicateKeysAreRejectedAndThePreviousVersionSurvives() throws {
        try train()
        try connection.execute("CREATE TABLE dup (id bigint, a float8, b float8, c float8, d float8, label int)")
        try connection.execute("INSERT INTO dup SELECT * FROM points")
        try connection.execute("INSERT INTO dup SELECT * FROM points WHERE id = 5")
        assertFails(.badData, containing: "duplicate values") { try train("dupm", table: "dup") }
        try connection.execute("UPDATE dup SET id = NULL WHERE a > 0.99")
        assertFails(.badData, containing: "is NULL in") { try train("dupm", table: "dup") }

        // Retraining pts on a broken table fails and leaves version 1 active and whole.
        try connection.execute("UPDATE points SET a = 'NaN' WHERE id = 1")
        XCTAssertThrowsError(try TrainPipeline(model: ModelName("pts"), logger: quiet).run(on: connection))
        XCTAssertEqual(try count("SELECT active_version FROM aepg.models WHERE name = 'pts'"), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.versions WHERE model = 'pts'"), 1)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_flags"), 400)
    }

    func testUnsafeModelNamesAreRejected() {
        for bad in ["Fraud", "a b", "x;drop", "1abc", "", String(repeating: "a", count: 41), "naïve", "a\"b"] {
            XCTAssertThrowsError(try ModelName(bad), bad)
        }
        XCTAssertNoThrow(try ModelName("fraud_v2"))
    }

    func testQuotesSpacesAndCapitalsInTableAndColumnNames() throws {
        try connection.execute("CREATE SCHEMA \"Risk Data\"")
        try makePoints("\"Risk Data\".\"Card \"\"Txns\"\"\"", rows: 120, key: "Txn Id")
        try connection.execute("ALTER TABLE \"Risk Data\".\"Card \"\"Txns\"\"\" RENAME COLUMN a TO \"Amount (€)\"")
        let summary = try train("odd", table: "\"Risk Data\".\"Card \"\"Txns\"\"\"", key: "Txn Id")
        XCTAssertEqual(summary.features.first, "Amount (€)")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.odd_flags"), 120)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.odd_cluster_profile WHERE \"mean_Amount (€)\" IS NOT NULL"), 3)
        // A bare name with a space resolves too.
        try connection.execute("CREATE TABLE \"My Table\" AS SELECT * FROM points")
        XCTAssertEqual(try train("mine", table: "My Table").rows, 400)
    }

    func testTwoTrainingsOfOneModelAtOnceFailFast() throws {
        try train()
        let other = try PGConnection(conninfo)
        XCTAssertEqual(try other.execute("SELECT pg_try_advisory_lock(hashtext('aepg.train:pts'))").bool(0, 0), true)
        assertFails(.busy, containing: "already being trained") {
            try TrainPipeline(model: ModelName("pts"), logger: quiet).run(on: connection)
        }
        try other.execute("SELECT pg_advisory_unlock_all()")
        XCTAssertEqual(try TrainPipeline(model: ModelName("pts"), logger: quiet).run(on: connection).version, 2)
    }

    func testInvalidOptionsAreRejectedBeforeReadingData() {
        var options = Self.fast
        options.validation = 1.5
        assertFails(.invalidOption, containing: "validation must be in [0, 1), not 1.5") { try train(options: options) }
        options = Self.fast
        options.trainOn = .normal
        assertFails(.invalidOption, containing: "train_on normal needs a label column") { try train(label: nil, options: options) }
    }
}

extension BadInputTests {
    /// Reading and writing run on two threads while scoring; a bad value found by the reader
    /// must still abort the whole run and write nothing.
    func testBadValuesAtScoringTimeFailCleanlyAndWriteNothing() throws {
        try train()
        try insertPoints("public.points", from: 401, to: 9000)
        try connection.execute("UPDATE points SET b = 'Infinity' WHERE id = 8999")
        XCTAssertThrowsError(try ScorePipeline(model: ModelName("pts"), logger: quiet).run(on: connection, conninfo: conninfo)) {
            XCTAssertTrue("\($0)".contains("column \"b\" has 1 infinite"), "\($0)")
        }
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_results"), 400, "no partial results")
        try connection.execute("UPDATE points SET b = 0 WHERE id = 8999")
        XCTAssertEqual(try ScorePipeline(model: ModelName("pts"), logger: quiet).run(on: connection, conninfo: conninfo), 8600)
    }
}
