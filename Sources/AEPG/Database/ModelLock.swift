import PGClient

/// A session-level advisory lock that keeps two workers from training (or scoring) one model
/// at once. It is released when the connection closes, including when the process is killed.
struct ModelLock {
    let connection: PGConnection
    let key: String
    let shared: Bool

    /// Takes the lock (`shared`: alongside other shared holders, not an exclusive one) or fails at
    /// once with `busy`, naming the process that holds it.
    static func acquire(_ purpose: String, model: ModelName, shared: Bool = false, on connection: PGConnection) throws -> ModelLock {
        let key = "aepg.\(purpose):\(model.value)"
        let function = shared ? "pg_try_advisory_lock_shared" : "pg_try_advisory_lock"
        let taken = try connection.execute("SELECT \(function)(hashtext($1)::int8)", [key]).bool(0, 0) ?? false
        guard taken else {
            let holder = try? connection.execute("""
                SELECT pid FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND objid = (hashtext($1)::bigint & 4294967295)::oid
                 LIMIT 1
                """, [key]).int(0, 0)
            let who = holder.flatMap { $0 }.map { " (server process \($0))" } ?? ""
            let activity = purpose != "train" ? "scored" : shared ? "trained" : "trained or scored"
            throw AEPGError(.busy,
                "model \"\(model)\" is already being \(activity) by another aepg\(who); wait for it to finish and try again")
        }
        return ModelLock(connection: connection, key: key, shared: shared)
    }

    func release() {
        _ = try? connection.execute("SELECT \(shared ? "pg_advisory_unlock_shared" : "pg_advisory_unlock")(hashtext($1)::int8)", [key])
    }
}
