import PGClient

/// A session-level advisory lock that keeps two workers from training (or scoring) one model
/// at once. It is released when the connection closes, including when the process is killed.
struct ModelLock {
    let connection: PGConnection
    let key: String

    /// Takes the lock or fails at once with `busy`, naming the process that holds it.
    static func acquire(_ purpose: String, model: ModelName, on connection: PGConnection) throws -> ModelLock {
        let key = "aepg.\(purpose):\(model.value)"
        let taken = try connection.execute("SELECT pg_try_advisory_lock(hashtext($1))", [key]).bool(0, 0) ?? false
        guard taken else {
            let holder = try? connection.execute("""
                SELECT pid FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND objid = (hashtext($1)::bigint & 4294967295)::oid
                 LIMIT 1
                """, [key]).int(0, 0)
            let who = holder.flatMap { $0 }.map { " (server process \($0))" } ?? ""
            throw AEPGError(.busy,
                "model \"\(model)\" is already being \(purpose == "train" ? "trained" : "scored") by another aepg\(who); wait for it to finish and try again")
        }
        return ModelLock(connection: connection, key: key)
    }

    func release() {
        _ = try? connection.execute("SELECT pg_advisory_unlock(hashtext($1))", [key])
    }
}
