import Foundation
import Learn

/// Rows read from the source, waiting to be scored: raw keys and standardized features.
/// A fixed set of chunks circulates between the reading thread and the scoring one, so memory
/// stays constant and nothing is allocated per chunk once the key buffers have grown.
final class RowChunk {
    let capacity: Int
    let width: Int
    let features: FloatBuffer
    private(set) var keys = KeyColumn()
    var count: Int { keys.count }
    var isFull: Bool { keys.count == capacity }

    init(capacity: Int, width: Int) {
        self.capacity = capacity
        self.width = width
        features = FloatBuffer(count: capacity * width)
    }

    /// Adds one row (raw values as `FeatureReader` gives them), encoded and scaled.
    func add(key: UnsafeRawBufferPointer, raw row: UnsafeMutablePointer<Float>, encoding: FeatureEncoding, scaler: FeatureScaler) {
        let destination = features.pointer + keys.count * width
        if encoding.isIdentity { destination.update(from: row, count: width) } else { encoding.encode(raw: row, into: destination) }
        scaler.transform(row: destination)
        keys.append(key)
    }

    func clear() { keys.removeAll() }
}

/// Hands chunks from the thread that reads (COPY OUT) to the thread that scores and writes
/// (COPY IN), so the two connections work at the same time. Bounded: the reader waits for a
/// free chunk when the scorer falls behind. Every stored property is read and written under
/// `condition`, which is what makes sharing it between the two threads safe.
final class ChunkHandoff: @unchecked Sendable {
    private let condition = NSCondition()
    private var free: [RowChunk]
    private var full: [RowChunk] = []
    private var finished = false
    private var failure: Error?
    private var cancelled = false
    private var unseen = 0

    struct Cancelled: Error {}

    init(chunks: [RowChunk]) { free = chunks }

    /// Reader: an empty chunk to fill; throws `Cancelled` once the scorer has given up.
    func takeFree() throws -> RowChunk {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        return free.removeLast()
    }

    /// Reader: a filled chunk is ready.
    func publish(_ chunk: RowChunk) {
        condition.lock()
        full.append(chunk)
        condition.signal()
        condition.unlock()
    }

    /// Reader: no more chunks; `error` is why, if reading failed. `unseenCategories` counts the
    /// text values the model did not see in training.
    func finish(_ error: Error?, unseenCategories: Int = 0) {
        condition.lock()
        finished = true
        failure = error
        unseen = unseenCategories
        condition.broadcast()
        condition.unlock()
    }

    /// Scorer: the next filled chunk, nil at the end; rethrows the reader's error.
    func takeFull() throws -> RowChunk? {
        condition.lock()
        defer { condition.unlock() }
        while full.isEmpty && !finished { condition.wait() }
        if !full.isEmpty { return full.removeFirst() }
        if let failure, !(failure is Cancelled) { throw failure }
        return nil
    }

    /// Scorer, after `takeFull` returned nil: what the reader reported with `finish`.
    var unseenCategories: Int {
        condition.lock()
        defer { condition.unlock() }
        return unseen
    }

    /// Scorer: a chunk is scored and can be refilled.
    func recycle(_ chunk: RowChunk) {
        chunk.clear()
        condition.lock()
        free.append(chunk)
        condition.signal()
        condition.unlock()
    }

    /// Scorer: stop the reader (it fails its next `takeFree`) and wait until it has finished.
    func cancelAndWait() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
