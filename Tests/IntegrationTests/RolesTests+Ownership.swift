import AEPG
import PGClient
import TestSupport
import XCTest

/// A model belongs to the role that defined it: another operator can neither change, retrain,
/// activate, drop nor switch realtime scoring of it (F6 of the second review), and no function
/// drops another's results.
extension RolesTests {
    func testAnOperatorCannotTouchAModelAnotherRoleDefined() throws {
        let owner = try connect(as: "t_operator")
        try owner.execute("SELECT aepg.create_model('mine', 'points', 'id')")
        try connection.execute("CREATE ROLE t_rival LOGIN IN ROLE aepg_operator")
        try connection.execute("GRANT SELECT ON points TO t_rival")
        let rival = try connect(as: "t_rival")
        let refusal = "belongs to t_operator"
        assertDenied(rival, "SELECT aepg.create_model('mine', 'points', 'id', options => '{\"contamination\": 0.5}')", because: refusal)
        assertDenied(rival, "UPDATE aepg.models SET options = '{\"contamination\": 0.5}' WHERE name = 'mine'", because: refusal)
        assertDenied(rival, "SELECT aepg.enqueue('train', 'mine')", because: refusal)
        assertDenied(rival, "INSERT INTO aepg.jobs (kind, model) VALUES ('train', 'mine')", because: refusal)
        assertDenied(rival, "SELECT aepg.disable_realtime('mine')", because: refusal)
        assertDenied(rival, "SELECT aepg.drop_model('mine')", because: refusal)
        assertDenied(rival, "DELETE FROM aepg.models WHERE name = 'mine'", because: refusal)
        // The fixture's model, trained by the test's own role: no operator may roll it back.
        let trainer = try connection.execute("SELECT current_user").string(0, 0) ?? ""
        assertDenied(rival, "SELECT aepg.activate('pts', 1)", because: "belongs to \(trainer)")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.jobs"), 0)
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models WHERE name = 'mine' AND options = '{}' AND defined_by = 't_operator'"), 1)

        // A member of the defining role may.
        try connection.execute("GRANT t_operator TO t_rival")
        try rival.execute("SELECT aepg.enqueue('train', 'mine')")
        try rival.execute("UPDATE aepg.models SET options = '{\"epochs\": 2}' WHERE name = 'mine'")
        // Options are not part of what the definer vouches for (the source it may read): the owner stays.
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models WHERE name = 'mine' AND defined_by = 't_operator'"), 1)
        try rival.execute("UPDATE aepg.models SET exclude = '{x}' WHERE name = 'mine'")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models WHERE name = 'mine' AND defined_by = 't_rival'"), 1)
        try rival.execute("SELECT aepg.drop_model('mine')")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models WHERE name = 'mine'"), 0)
    }

    /// `aepg train` and `aepg score` by a role that may not publish fail at once, not after the work.
    func testAnOperatorRunningTrainOrScoreIsToldToQueueIt() throws {
        let operatorRole = try connect(as: "t_operator")
        assertFails(.database, containing: "SELECT aepg.enqueue('train', 'pts')") {
            try TrainPipeline(model: ModelName("pts"), logger: quiet).run(on: operatorRole)
        }
        assertFails(.database, containing: "SELECT aepg.enqueue('score', 'pts')") {
            try ScorePipeline(model: ModelName("pts"), logger: quiet).run(on: operatorRole, conninfo: conninfo + " user=t_operator")
        }
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.versions WHERE model = 'pts'"), 1)
    }

    /// Deleting a model's row drops its results and views, however it is deleted; the function
    /// that dropped any model's results on request is gone.
    func testDeletingAModelDropsItsResultsAndNoFunctionDropsAnothers() throws {
        let operatorRole = try connect(as: "t_operator")
        XCTAssertThrowsError(try operatorRole.execute("SELECT aepg.drop_model_objects('pts')")) {
            XCTAssertEqual(($0 as? PGError)?.sqlState, "42883", "\($0)")  // undefined_function
        }
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_results"), 400)
        try connection.execute("DELETE FROM aepg.models WHERE name = 'pts'")
        XCTAssertEqual(try count("""
            SELECT count(*) FROM (VALUES ('aepg.pts_results'), ('aepg.pts_flags'), ('aepg.pts_clusters'),
                                         ('aepg.pts_cluster_profile')) AS o(name)
             WHERE to_regclass(o.name) IS NOT NULL
            """), 0)
    }
}
