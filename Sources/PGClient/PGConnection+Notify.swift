import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

extension PGConnection {
    /// Subscribes this session to NOTIFY on `channel`.
    public func listen(_ channel: String) throws {
        try execute("LISTEN \(quoteIdentifier(channel))")
    }

    /// Waits up to `timeout` seconds for a notification on a channel this session listens to;
    /// returns its payload, or nil when the time ran out.
    public func waitForNotification(timeout: Double) throws -> String? {
        guard PQconsumeInput(handle) == 1 else { throw lastError(kind: .connectionLost) }
        if let payload = nextNotification() { return payload }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(max(timeout, 0) * 1000))
        guard ready > 0 else { return nil }
        guard PQconsumeInput(handle) == 1 else { throw lastError(kind: .connectionLost) }
        return nextNotification()
    }

    private func nextNotification() -> String? {
        guard let notification = PQnotifies(handle) else { return nil }
        defer { PQfreemem(notification) }
        return String(cString: notification.pointee.extra)
    }
}
