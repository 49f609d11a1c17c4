import Dispatch
import CLibPQ

extension PGConnection {
    /// Runs a `COPY ... TO STDOUT` statement and hands every data message to `body` as it
    /// arrives (streamed: memory does not grow with the table).
    ///
    /// If `body` throws, the server is asked to cancel the COPY, the rest is drained, and the
    /// error is rethrown; the connection stays usable.
    public func copyOut(_ sql: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try check(PQexec(handle, sql), expecting: [PGRES_COPY_OUT])
        var failure: Error?
        var buffer: UnsafeMutablePointer<CChar>?
        while true {
            let length = PQgetCopyData(handle, &buffer, 0)
            if length > 0, let data = buffer {
                if failure == nil {
                    do { try body(UnsafeRawBufferPointer(start: data, count: Int(length))) } catch {
                        failure = error
                        cancelRunningQuery()
                    }
                }
                PQfreemem(data)
            } else if length == -1 {
                break
            } else {
                throw lastError(kind: .copyFailed)
            }
        }
        let outcome = Result { try drainResults() }
        if let failure { throw failure }
        try outcome.get()
    }

    /// Runs a `COPY ... FROM STDIN` statement; `body` writes the data through the writer.
    ///
    /// If `body` throws, the COPY is aborted on the server (nothing it sent is kept) and the
    /// error is rethrown.
    public func copyIn(_ sql: String, _ body: (CopyInWriter) throws -> Void) throws {
        try check(PQexec(handle, sql), expecting: [PGRES_COPY_IN])
        let writer = CopyInWriter(connection: self)
        do {
            try body(writer)
            try writer.flush()
            try writer.waitForSend()
        } catch {
            _ = try? writer.waitForSend()
            PQputCopyEnd(handle, "aborted by aepg")
            _ = try? drainResults()
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw lastError(kind: .copyFailed) }
        try drainResults()
    }

    /// Sends raw COPY data to the server.
    func putCopyData(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        let sent = bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        guard sent == 1 else { throw lastError(kind: .copyFailed) }
    }

    /// Asks the server to cancel the statement this connection is running.
    public func cancelRunningQuery() {
        guard let cancel = PQgetCancel(handle) else { return }
        var message = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &message, Int32(message.count))
        PQfreeCancel(cancel)
    }

    /// Reads results until libpq has none left; throws the first error.
    private func drainResults() throws {
        var firstError: PGError?
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            if status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && firstError == nil {
                firstError = errorFrom(result)
            }
            PQclear(result)
        }
        if let firstError { throw firstError }
        if PQstatus(handle) == CONNECTION_BAD { throw lastError(kind: .connectionLost) }
    }
}

/// Buffers COPY FROM STDIN data and sends it in large messages, on a thread of its own: the
/// caller encodes the next buffer while the last one is on its way. (Sent from the encoding
/// thread, a buffer had to be taken in by the server almost whole before encoding could go on,
/// so the server waited for each buffer and the encoder for each send: the two times added up.)
///
/// Only one buffer is in flight at a time; the connection is the sending thread's while it is,
/// and `flush` and `waitForSend` wait for it, so the connection is never used by two threads at
/// once. That discipline is what makes the unchecked `Sendable` safe.
public final class CopyInWriter: @unchecked Sendable {
    private unowned let connection: PGConnection
    /// Bytes waiting to be sent; encoders append to it.
    public var pending: [UInt8] = []
    /// The buffer being sent; the sending thread's until `sent` is signalled.
    private var inFlight: [UInt8] = []
    private var sendFailure: Error?
    private var sending = false
    private let sent = DispatchSemaphore(value: 0)
    private let sender = DispatchQueue(label: "aepg.copy-in")
    private let flushThreshold = 1 << 20

    init(connection: PGConnection) {
        self.connection = connection
        pending.reserveCapacity(flushThreshold + 4096)
        inFlight.reserveCapacity(flushThreshold + 4096)
    }

    /// Sends the buffer if it has grown past the threshold (1 MiB).
    public func flushIfNeeded() throws {
        if pending.count >= flushThreshold { try flush() }
    }

    /// Hands whatever is buffered to the sending thread (after the previous send has finished).
    public func flush() throws {
        try waitForSend()
        guard !pending.isEmpty else { return }
        swap(&pending, &inFlight)
        pending.removeAll(keepingCapacity: true)
        sending = true
        sender.async { [self] in
            do {
                try inFlight.withUnsafeBytes { try connection.putCopyData($0) }
            } catch {
                sendFailure = error
            }
            sent.signal()
        }
    }

    /// Waits until the buffer in flight has been sent; throws if sending it failed.
    func waitForSend() throws {
        if sending {
            sent.wait()
            sending = false
        }
        if let failure = sendFailure {
            sendFailure = nil
            throw failure
        }
    }
}

extension PGConnection {
    /// Runs a `COPY ... FROM STDIN (FORMAT binary)` statement: writes the binary header, lets
    /// `body` append rows (with `BinaryCopyEncoder`), then writes the end-of-data marker.
    public func copyInBinary(_ sql: String, _ body: (CopyInWriter) throws -> Void) throws {
        let encoder = BinaryCopyEncoder()
        try copyIn(sql) { copy in
            encoder.header(into: &copy.pending)
            try body(copy)
            encoder.trailer(into: &copy.pending)
        }
    }
}
