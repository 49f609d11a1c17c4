import Logging
import PGClient

/// The window between a training's read and its publication, as the realtime trigger sees it
/// (`aepg.trainings`): while it is open, the trigger notes every row it scores in
/// `aepg.realtime_pending`, for the new version has the row as the training read it. Closing it
/// as the version is published settles the notes of writes the read saw (`aepg.settle_pending`,
/// serializable writers' too); `aepg score` scores the others again.
struct RealtimeWindow {
    let model: ModelName
    /// Whether the training is registered: a role without rights on `aepg.trainings` (one set up
    /// by hand, not by `aepg init --roles`) trains as before 0.8.1, with a warning.
    let isOpen: Bool
    /// The server's snapshot taken before the source was read (`takeReadSnapshot`): the notes of
    /// writers it shows as committed were read as written. Nil settles nothing.
    private(set) var readSnapshot: String?

    /// How long a training waits at most for the transactions writing when it registered.
    static let writerPatience = "10s"

    /// Registers the training (committed at once, so that writers see it), then waits for the
    /// transactions that were writing at that moment (`aepg.wait_for_writers`): a writer whose
    /// trigger ran before it noted nothing, and must be in the read. Call outside a transaction.
    static func open(_ model: ModelName, on connection: PGConnection, logger: Logger) throws -> RealtimeWindow {
        do {
            try connection.execute("INSERT INTO aepg.trainings (model) VALUES ($1) ON CONFLICT (model) DO UPDATE SET since = now()",
                                   [model.value])
        } catch let error as PGError where error.sqlState == PGError.State.insufficientPrivilege {
            logger.warning("""
                this role may not register in aepg.trainings (\(error.message)); rows written to the source while \(model) trains \
                may keep an older score in the new version until aepg score \(model) --all
                """)
            return RealtimeWindow(model: model, isOpen: false, readSnapshot: nil)
        }
        // Registered: from here on nothing fails the training, which would leave the registration.
        var waited = false, reason = "stayed open for \(writerPatience)"
        do {
            waited = try connection.execute("SELECT aepg.wait_for_writers($1, $2::interval)", [model.value, writerPatience]).bool(0, 0) ?? false
        } catch let error as PGError {
            reason = "could not be waited for (\(error.message))"
        }
        if !waited {
            logger.warning("""
                transactions writing to the source of \(model) when it began training \(reason); rows they wrote \
                may keep an older score in the new version until aepg score \(model) --all
                """)
        }
        return RealtimeWindow(model: model, isOpen: true, readSnapshot: nil)
    }

    /// Takes the snapshot the notes are settled by: in the read's transaction, before the rows
    /// are read, so that every transaction committed by then is in the read.
    mutating func takeReadSnapshot(on connection: PGConnection) throws {
        readSnapshot = try connection.execute("SELECT pg_catalog.pg_current_snapshot()::text").string(0, 0)
    }

    /// Closes the window and settles the notes the read saw: the last statements of the
    /// transaction that activates the new version.
    func close(on connection: PGConnection) throws {
        try unregister(on: connection)
        guard let readSnapshot else { return }
        // A role's statement_timeout, meant for its own statements, must not end a training here
        // (the notes are scanned whole); the transaction ends right after.
        try connection.execute("SELECT pg_catalog.set_config('statement_timeout', '0', true)")
        try connection.execute("SELECT aepg.settle_pending($1, $2::pg_snapshot)", [model.value, readSnapshot])
    }

    /// Closes the window after a training that publishes nothing; a failure to (a lost
    /// connection) leaves it open until the model's next training publishes.
    func abandon(on connection: PGConnection) {
        try? unregister(on: connection)
    }

    private func unregister(on connection: PGConnection) throws {
        guard isOpen else { return }
        try connection.execute("DELETE FROM aepg.trainings WHERE model = $1", [model.value])
    }
}
