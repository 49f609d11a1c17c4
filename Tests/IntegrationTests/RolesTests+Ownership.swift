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
        assertRefused(operatorRole, "SELECT aepg.drop_model_objects('pts')", sqlState: "42883")  // undefined_function
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_results"), 400)
        try connection.execute("DELETE FROM aepg.models WHERE name = 'pts'")
        XCTAssertEqual(try count("""
            SELECT count(*) FROM (VALUES ('aepg.pts_results'), ('aepg.pts_flags'), ('aepg.pts_clusters'),
                                         ('aepg.pts_cluster_profile')) AS o(name)
             WHERE to_regclass(o.name) IS NOT NULL
            """), 0)
    }

    /// A third review's findings: jobs queued ahead for a name, a realtime trigger left behind and
    /// re-armed, views of others blocking a model, notes written through someone else's trigger.
    func testNoJobIsQueuedForAModelThatDoesNotExistNorOutlivesItsModel() throws {
        let operatorRole = try connect(as: "t_operator")
        for sql in ["SELECT aepg.enqueue('train', 'later')", "INSERT INTO aepg.jobs (kind, model) VALUES ('train', 'later')"] {
            assertRefused(operatorRole, sql, containing: "does not exist")
        }
        try operatorRole.execute("SELECT aepg.create_model('later', 'points', 'id')")
        try operatorRole.execute("SELECT aepg.enqueue('train', 'later')")
        try operatorRole.execute("SELECT aepg.drop_model('later')")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.jobs WHERE model = 'later' AND status = 'failed' AND error = 'the model was dropped'"), 1)
    }

    func testRealtimeScoringIsSwitchedOnOnlyByWhoMayPutTriggersOnTheSource() throws {
        let operatorRole = try connect(as: "t_operator")
        let refusal = "takes the right to put triggers on public.points"
        assertDenied(operatorRole, "INSERT INTO aepg.models (name, source, key_column, realtime) VALUES ('armed', 'points', 'id', true)",
                     because: refusal)
        try operatorRole.execute("SELECT aepg.create_model('armed', 'points', 'id')")
        assertDenied(operatorRole, "UPDATE aepg.models SET realtime = true WHERE name = 'armed'", because: refusal)
        try connection.execute("GRANT TRIGGER ON points TO t_operator")
        try operatorRole.execute("UPDATE aepg.models SET realtime = true WHERE name = 'armed'")
    }

    /// Views others build on a model's views neither keep it from being retrained (its views are
    /// replaced in place and theirs keep working) nor from being dropped (theirs go with it).
    func testViewsOthersBuildOnAModelDoNotBlockIt() throws {
        try connection.execute("GRANT SELECT ON points TO t_reader")
        try connection.execute("CREATE SCHEMA reports AUTHORIZATION t_reader")
        let reader = try connect(as: "t_reader")
        try reader.execute("CREATE VIEW reports.flagged AS SELECT id, score FROM aepg.pts_flags WHERE flagged")
        try train()
        XCTAssertEqual(try reader.execute("SELECT count(*) FROM reports.flagged").int(0, 0),
                       try count("SELECT count(*) FROM aepg.pts_flags WHERE flagged"))
        try connection.execute("SELECT aepg.activate('pts', 1)")
        try connection.execute("SELECT aepg.drop_model('pts')")
        XCTAssertNil(try connection.execute("SELECT to_regclass('reports.flagged')::text").string(0, 0))
    }

    /// The realtime trigger put on another table by someone writes no note against the model,
    /// even when it fails before it can tell the table is not the model's.
    func testATriggerOnSomeoneElsesTableWritesNoNotesForTheModel() throws {
        try connection.execute("CREATE TABLE other (id bigint PRIMARY KEY, a float8, b float8, c float8, d float8)")
        try connection.execute("CREATE TRIGGER planted AFTER INSERT ON other FOR EACH ROW EXECUTE FUNCTION aepg.realtime_trigger('pts')")
        let locker = try connect(as: "t_operator")
        try locker.execute("BEGIN")
        try locker.execute("LOCK TABLE aepg.models IN ACCESS EXCLUSIVE MODE")
        try connection.execute("INSERT INTO other VALUES (1, 0, 0, 0, 0)")  // the trigger's catalog read times out
        try locker.execute("ROLLBACK")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.realtime_failures"), 0)
    }

    /// A fourth review's findings: a model renamed away from its queued jobs, a dropped model's
    /// running job requeued by its worker, a drop that took others' policies with it, and views
    /// rebuilt (and locked) by any operator.
    func testAModelKeepsItsNameAndItsJobsEndWithIt() throws {
        let operatorRole = try connect(as: "t_operator")
        try operatorRole.execute("SELECT aepg.create_model('named', 'points', 'id')")
        assertRefused(operatorRole, "UPDATE aepg.models SET name = 'renamed' WHERE name = 'named'", containing: "cannot be renamed")
        try connection.execute("INSERT INTO aepg.jobs (kind, model, status, attempts) VALUES ('train', 'named', 'running', 1)")
        try operatorRole.execute("SELECT aepg.drop_model('named')")
        let job = try count("SELECT id FROM aepg.jobs WHERE model = 'named'")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.jobs WHERE id = \(job) AND status = 'failed'"), 1)
        // Its worker, finishing with a retryable error, does not bring it back.
        try connection.execute("SELECT aepg.finish_job(\(job), 'publishing failed', NULL, '1 second')")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.jobs WHERE id = \(job) AND status = 'failed'"), 1)
        // The creation time, which a training compares to publish only into the model it read, is not writable.
        try operatorRole.execute("INSERT INTO aepg.models (name, source, key_column, created_at) VALUES ('named', 'points', 'id', '2001-01-01')")
        try operatorRole.execute("UPDATE aepg.models SET created_at = '2001-01-01' WHERE name = 'named'")
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.models WHERE name = 'named' AND created_at > now() - interval '1 hour'"), 1)
    }

    /// Dropping a model drops the views built on its views, and nothing else: a policy built on
    /// them keeps the model (the drop fails, naming it) and stays in force.
    func testDroppingAModelTakesNoPolicyWithIt() throws {
        try connection.execute("CREATE TABLE payments (id bigint PRIMARY KEY)")
        try connection.execute("INSERT INTO payments SELECT generate_series(1, 400)")
        try connection.execute("ALTER TABLE payments ENABLE ROW LEVEL SECURITY")
        try connection.execute("CREATE POLICY unflagged ON payments USING (id NOT IN (SELECT f.id FROM aepg.pts_flags f WHERE f.flagged))")
        try connection.execute("CREATE VIEW flagged_ids AS SELECT id FROM aepg.pts_flags WHERE flagged")
        // Nor a column of an array of its row type, nor one of a view built on it.
        try connection.execute("CREATE TABLE kept (x aepg.pts_results[], y flagged_ids[])")
        assertRefused(connection, "SELECT aepg.drop_model('pts')", containing: "column y of table public.kept")
        try connection.execute("DROP TABLE kept")
        assertRefused(connection, "SELECT aepg.drop_model('pts')", containing: "policy unflagged on table public.payments")
        XCTAssertEqual(try count("SELECT count(*) FROM pg_policy WHERE polname = 'unflagged'"), 1)
        try connection.execute("DROP POLICY unflagged ON payments")
        try connection.execute("CREATE TABLE kept (x aepg.pts_results[])")
        assertRefused(connection, "SELECT aepg.drop_model('pts')", containing: "column x of table public.kept")
        try connection.execute("DROP TABLE kept")
        try connection.execute("SELECT aepg.drop_model('pts')")
        XCTAssertNil(try connection.execute("SELECT to_regclass('flagged_ids')::text").string(0, 0), "views over it go with it")
    }

    /// Views follow the active version through a trigger; operators cannot rebuild (and lock)
    /// any model's views themselves. A retraining whose columns change replaces views others built.
    func testViewsFollowTheActiveVersionAndOperatorsCannotRebuildThem() throws {
        let operatorRole = try connect(as: "t_operator")
        assertDenied(operatorRole, "SELECT aepg.refresh_views('pts')")
        try connection.execute("CREATE VIEW wide AS SELECT * FROM aepg.pts_cluster_profile")
        try train(features: ["a", "b", "c"])  // the profile loses its column mean_d: views over it go
        XCTAssertNil(try connection.execute("SELECT to_regclass('wide')::text").string(0, 0))
        XCTAssertEqual(try count("SELECT count(*) FROM aepg.pts_flags"), 400)
        try connection.execute("SELECT aepg.activate('pts', 1)")
        XCTAssertEqual(try count("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'aepg' AND table_name = 'pts_cluster_profile' AND column_name = 'mean_d'"), 1,
                       "activating version 1 brings its columns back")
    }
}
