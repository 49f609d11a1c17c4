import Foundation
import Learn
import PGClient

/// Reading a large table over several connections at once. One server process sends the rows
/// of one `COPY`, and on the 284,807-row benchmark table it, not aepg, was what the read waited
/// for; two connections, each reading half of the table's pages, read it in about two thirds of
/// the time on 2 cores.
extension TrainPipeline {
    /// Connections reading at once, at most.
    static let maximumParts = 4

    /// The ranges of pages to read the source in, one per connection, or one range (read whole,
    /// on `connection`) for a small table, for a source whose rows have no page of their own (a
    /// view), for a table with inheritance children (their rows would come in another order than
    /// one scan's), for text features (whose codes are numbered in the order values are first
    /// seen), on a server before PostgreSQL 14 (which cannot read a range of pages alone) or on
    /// one core.
    func partsToRead(_ plan: TrainPlan, on connection: PGConnection) throws -> [BlockRange] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard plan.query.categorical.isEmpty, plan.source.rowIDColumn != nil, connection.serverVersion >= 140_000, cores > 1 else {
            return [.whole]
        }
        let table = try connection.execute("""
            SELECT (pg_relation_size(c.oid) / current_setting('block_size')::int8)::int8 AS pages, c.relhassubclass AS parent
              FROM pg_class c WHERE c.oid = $1::int8::oid
            """, [String(plan.source.oid)]).onlyRow()
        guard try !table.bool("parent") else { return [.whole] }
        let pages = try table.optionalInt("pages") ?? 0
        return BlockRange.split(pages: pages, parts: min(cores, Self.maximumParts, pages / max(pagesPerReadPart, 1)))
    }

    /// Reads each range on a session of its own, all at once, with the snapshot `connection`
    /// exports: taken after it locked and checked the source, so every part sees the same rows
    /// of the same relation. Each session pins the source again (`SourceTable.pin`) before it
    /// reads. The parts are put together in page order, as one sequential scan would give them,
    /// in the first part's matrix, which has room for `capacity` rows (all of them).
    /// When a part cannot be read at once (no session to be had, the server's connection limit
    /// say, or the source's lock not to be had at once), the table is read whole on `connection`.
    func readInParts(_ ranges: [BlockRange], _ plan: TrainPlan, capacity: Int, on connection: PGConnection) throws -> TrainingTable {
        // The parts take a while, and this session waits for them inside its transaction: a
        // role's idle_in_transaction_session_timeout would end it meanwhile.
        try connection.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        let snapshot = try connection.execute("SELECT pg_catalog.pg_export_snapshot()").string(0, 0) ?? ""
        let outcomes = PartOutcomes(count: ranges.count)
        let lent = Handover((plan, connection.conninfo, connection.applicationName))
        DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
            let (plan, conninfo, applicationName) = lent.value
            outcomes.set(index, Result {
                do {
                    let session = try Session.connect(conninfo, applicationName: applicationName)
                    return try Self.readPart(ranges[index], plan, snapshot: snapshot,
                                             capacity: index == 0 ? capacity : capacity / ranges.count, on: session)
                } catch let error as PGError where error.kind == .connectionFailed || error.sqlState == PGError.State.lockNotAvailable {
                    throw PartUnavailable(reason: error)
                }
            })
        }
        let parts: [TrainingTable]
        do { parts = try outcomes.all() } catch let failure as PartUnavailable {
            logger.info("reading \(plan.source.name) on one connection: a part could not be read at once (\(failure.reason))")
            return try Self.readRows(plan, sql: plan.query.copySQL(), capacity: capacity, on: connection)
        }
        var table = parts[0]
        for part in parts.dropFirst() {
            table.keys.append(contentsOf: part.keys)
            table.raw.appendRows(of: part.raw)
            table.labels += part.labels
            table.reader.absorb(part.reader)
        }
        try table.reader.checkValues()
        return table
    }

    /// One range's rows, read on `session` with the exported snapshot.
    private static func readPart(_ range: BlockRange, _ plan: TrainPlan, snapshot: String, capacity: Int,
                                 on session: PGConnection) throws -> TrainingTable {
        // SET TRANSACTION SNAPSHOT takes no parameter; the identifier is the server's own
        // (hexadecimal digits and dashes), checked before it goes into the statement.
        guard !snapshot.isEmpty, snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw AEPGError(.database, "the server exported a snapshot aepg does not recognise (\(snapshot.prefix(40)))")
        }
        return try session.transaction {
            try session.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            do {
                try session.execute("SET TRANSACTION SNAPSHOT '\(snapshot)'")
            } catch let error as PGError {
                // Another server (a connection string naming several hosts): read whole instead.
                throw PartUnavailable(reason: error)
            }
            // `connection` holds the source's lock while it waits for the parts. A part whose lock
            // request queued behind someone waiting for an exclusive lock (ALTER TABLE) would wait
            // for ever, for PostgreSQL does not see that `connection` waits for the part; so a
            // part takes the lock at once or not at all, and the table is then read whole.
            try session.execute("SET LOCAL lock_timeout = '1ms'")
            try plan.source.pin(on: session, for: plan.viewer)
            try session.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            try range.apply(to: session)
            let part = try readRows(plan, sql: plan.query.copySQL(blocks: range), capacity: capacity, checking: false, on: session)
            try plan.source.finishReading(on: session)
            return part
        }
    }
}

/// A part could not be read at once.
private struct PartUnavailable: Error {
    let reason: Error
}

/// What each part's reader came back with, set from the reading threads. Every access holds
/// `lock`, which is what makes sharing it between threads safe.
private final class PartOutcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [Result<TrainingTable, Error>?]

    init(count: Int) { outcomes = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ outcome: Result<TrainingTable, Error>) {
        lock.lock()
        outcomes[index] = outcome
        lock.unlock()
    }

    /// The parts in order. Throws the first error of a part that failed while reading, else
    /// `PartUnavailable` when a part could not be read at once.
    func all() throws -> [TrainingTable] {
        lock.lock()
        defer { lock.unlock() }
        let failures = outcomes.compactMap { outcome -> Error? in
            if case .failure(let error) = outcome { return error } else { return nil }
        }
        if let failure = failures.first(where: { !($0 is PartUnavailable) }) ?? failures.first { throw failure }
        return try outcomes.map { try $0!.get() }
    }
}
