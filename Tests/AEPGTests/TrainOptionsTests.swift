import AEPG
import Learn
import XCTest

/// Layering and checking of training options, without a database.
final class TrainOptionsTests: XCTestCase {
    func testJobArgumentsRejectMisspeltOptions() throws {
        XCTAssertEqual(try TrainOptions.parse(json: #"{"kind": "variational", "beta": 0.5}"#).beta, 0.5)
        XCTAssertThrowsError(try TrainOptions.parse(json: #"{"kinds": "dense", "epoch": 3}"#)) {
            XCTAssertTrue("\($0)".contains("unknown option(s): epoch, kinds"), "\($0)")
        }
        XCTAssertThrowsError(try TrainOptions.parse(json: "[1]"))
        XCTAssertThrowsError(try TrainOptions.parse(json: #"{"noise": "salt:0.1"}"#))
    }

    func testDefaultsThatDependOnOtherOptions() throws {
        var o = TrainOptions()
        o.scale = .minmax
        XCTAssertEqual(try o.resolved().outputActivation, .sigmoid, "min-max data gets a sigmoid output")
        o.outputActivation = .linear
        XCTAssertEqual(try o.resolved().outputActivation, .linear, "unless asked otherwise")
        var noisy = TrainOptions()
        noisy.noise = .mask(0.3)
        XCTAssertEqual(try noisy.resolved().kind, .denoising, "--noise alone means a denoising autoencoder")
        XCTAssertEqual(try noisy.resolved().trainingSettings.noise, .mask(0.3))
        XCTAssertNil(try TrainOptions().resolved().trainingSettings.noise)
        XCTAssertEqual(try TrainOptions().resolved().trainingSettings.rowsPerEpoch, 65_536, "the ensemble samples its epochs")
        XCTAssertEqual(try TrainOptions().resolved().scale, .robustAsinh, "the ensemble scales by median and IQR, heavy tails compressed")
        var dense = TrainOptions()
        dense.kind = .dense
        XCTAssertNil(try dense.resolved().trainingSettings.rowsPerEpoch, "one network trains on every row")
        XCTAssertEqual(try dense.resolved().scale, .standard, "and scales to mean 0, sd 1")
        var everyRow = TrainOptions()
        everyRow.epochRows = 0
        XCTAssertNil(try everyRow.resolved().trainingSettings.rowsPerEpoch, "0 is every row, for the ensemble too")
    }

    func testTheEnsembleMembersTakeTheirOwnLimitsWithinTheOptions() throws {
        let members = EnsembleRecipe.members(for: try TrainOptions().resolved())
        XCTAssertEqual(members.map(\.latent), [3, 3, 8, 8, 32])
        XCTAssertEqual(members.map(\.seed), [42, 43, 44, 45, 46])
        let base = try TrainOptions().resolved().trainingSettings
        let wideLatent = members[4].settings(from: base)
        XCTAssertEqual([wideLatent.batchSize, wideLatent.epochs], [32, 10])
        XCTAssertEqual(wideLatent.rowsPerEpoch, 8_192, "a sampled epoch of 256 steps, as the options' network's")
        var everyRow = TrainOptions()
        everyRow.epochRows = 0
        XCTAssertNil(members[2].settings(from: try everyRow.resolved().trainingSettings).rowsPerEpoch, "--epoch-rows 0: every row, for them too")
        XCTAssertEqual(wideLatent.regularization.dropout, 0.2)
        XCTAssertEqual(wideLatent.seed, 46)
        XCTAssertEqual(members[0].settings(from: base).batchSize, 256, "the options' network keeps the options' batch")
        var small = TrainOptions()
        small.batchSize = 8
        small.epochs = 3
        let limited = members[4].settings(from: try small.resolved().trainingSettings)
        XCTAssertEqual([limited.batchSize, limited.epochs], [8, 3], "a member's limits are upper bounds on the options'")
        var dense = TrainOptions()
        dense.kind = .dense
        XCTAssertEqual(EnsembleRecipe.members(for: try dense.resolved()).count, 1)
    }

    func testAClusteringJobPicksTheClusteringNetworkWhereTheOptionsLeaveItOpen() throws {
        var dec = TrainOptions()
        dec.cluster = .dec
        XCTAssertEqual(try dec.resolved().kind, .ensemble, "DEC alone keeps the anomaly network: its scores are the model's")
        dec.purpose = .clustering
        let resolved = try dec.resolved()
        XCTAssertEqual(resolved.kind, .dense)
        XCTAssertEqual(resolved.hidden, [256, 128])
        XCTAssertEqual(resolved.latent, 10)
        XCTAssertEqual(resolved.activation, .relu)
        XCTAssertEqual(resolved.scale, .minmax)
        XCTAssertEqual(resolved.outputActivation, .sigmoid, "the min-max rule follows the network's scaling")
        XCTAssertEqual(resolved.decUpdateInterval, 30)
        XCTAssertEqual(resolved.decNeighbors, 10)
        XCTAssertEqual(resolved.decSettings.neighbors, 10, "the option reaches DEC")
        XCTAssertEqual(try TrainOptions().resolved().decNeighbors, 0, "Xie et al.'s DEC otherwise")
        XCTAssertEqual(resolved.clusterEmbedding, 20, "the clustering job clusters in a neighbour embedding")
        XCTAssertEqual(try TrainOptions().resolved().clusterEmbedding, 0)

        var narrower = dec
        narrower.hidden = [64]
        narrower.scale = .robust
        let given = try narrower.resolved()
        XCTAssertEqual(given.hidden, [64], "options given win over the clustering network")
        XCTAssertEqual(given.scale, .robust)
        XCTAssertEqual(given.outputActivation, .linear)
        XCTAssertEqual(given.activation, .relu)

        var kmeans = TrainOptions()
        kmeans.purpose = .clustering
        XCTAssertEqual(try kmeans.resolved().hidden, [256, 128], "--purpose clustering works with k-means too")
        XCTAssertEqual(try TrainOptions().resolved().purpose, .anomalies)
    }

    func testOverridesLayerKeyByKeyAndThresholdRulesExcludeEachOther() throws {
        var stored = TrainOptions()
        stored.kind = .variational
        stored.contamination = 0.01
        var given = TrainOptions()
        given.epochs = 7
        given.thresholdSigma = 2
        let merged = stored.overridden(by: given)
        XCTAssertEqual(merged.kind, .variational)
        XCTAssertEqual(merged.epochs, 7)
        XCTAssertEqual(merged.thresholdSigma, 2)
        XCTAssertNil(merged.values["contamination"])
    }

    func testStoredOptionsRoundTripAndOldOnesTakeDefaults() throws {
        var options = ResolvedOptions.defaults
        options.kind = .denoising
        options.noise = .gaussian(0.1)
        options.cluster = .dec
        let decoded = try JSONDecoder().decode(ResolvedOptions.self, from: JSONEncoder().encode(options))
        XCTAssertEqual(decoded, options)
        // What aepg 0.1 stored: no kind, scale, loss, cluster...
        let old = #"{"hidden":[16,8],"latent":3,"activation":"sigmoid","optimizer":"adam","learning_rate":0.001,"batch_size":256,"epochs":50,"validation":0.1,"patience":5,"seed":42,"clusters":4,"threshold_sigma":3,"train_on":"all"}"#
        var expected = try TrainOptions().resolved()
        XCTAssertEqual(expected.combine, .topHalf, "a new ensemble counts each row's highest half of its members")
        expected.combine = .mean  // a version stored before the option combined its members by their mean
        XCTAssertEqual(try JSONDecoder().decode(ResolvedOptions.self, from: Data(old.utf8)), expected)
    }

    func testRejectsOutOfRangeValues() {
        for change: (inout TrainOptions) -> Void in [
            { $0.dropout = 1 }, { $0.l2 = -1 }, { $0.minRelProgress = 1 }, { $0.decTol = -0.1 },
            { $0.decUpdateInterval = 0 }, { $0.kind = .variational; $0.noise = .gaussian(0.1) },
        ] {
            var o = TrainOptions()
            change(&o)
            XCTAssertThrowsError(try o.resolved())
        }
    }
}
