import Foundation

/// Row scoring as the pipelines use it: one network (`ReconstructionScorer`) or several combined
/// (`EnsembleScorer`), chunk by chunk through reused buffers.
public protocol RowScorer: AnyObject {
    /// Rows processed per call of `scoreChunk`.
    var chunkSize: Int { get }
    /// Top contributing features reported per row.
    var topFeatureCount: Int { get }
    /// Width of a latent vector.
    var latentWidth: Int { get }
    /// Per-row scores of the last chunk.
    var scores: UnsafeMutablePointer<Double> { get }
    /// Feature indices, `topFeatureCount` per row, of the last chunk (largest first).
    var topFeatures: UnsafeMutablePointer<Int32> { get }
    /// Latent vectors of the last chunk (`rows x latentWidth`).
    var latent: UnsafeMutablePointer<Float> { get }
    /// Scores `count <= chunkSize` preprocessed rows at `input`.
    func scoreChunk(_ input: UnsafePointer<Float>, count: Int)
    /// Every row's latent vector, bit for bit what `scoreChunk` gives, by the encoder alone:
    /// for clustering before the rows are scored.
    func latents(of data: Matrix) -> Matrix
}

extension RowScorer {
    /// Scores every row of `data`, calling `body(firstRow, count)` after each chunk.
    public func scoreAll(_ data: Matrix, body: (Int, Int) throws -> Void) rethrows {
        try data.storage.withUnsafeBufferPointer { source in
            var start = 0
            while start < data.rows {
                let count = min(chunkSize, data.rows - start)
                scoreChunk(source.baseAddress! + start * data.columns, count: count)
                try body(start, count)
                start += count
            }
        }
    }

    /// Scores the rows of `data` at the indices `rows`, gathered a chunk at a time into one
    /// reused buffer, calling `body(firstPosition, count)` after each chunk (positions in `rows`).
    public func scoreRows(_ data: Matrix, rows: [Int], body: (Int, Int) throws -> Void) rethrows {
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: chunkSize * data.columns)
        defer { buffer.deallocate() }
        var start = 0
        while start < rows.count {
            let count = min(chunkSize, rows.count - start)
            Trainer.gather(data, rows: rows[start..<(start + count)], into: buffer)
            scoreChunk(buffer, count: count)
            try body(start, count)
            start += count
        }
    }
}

/// How a scorer splits a chunk of rows across threads. Rows are independent, so each part
/// scores a contiguous share with its own buffers and single-threaded BLAS (one hand-off per
/// chunk); a chunk that fits one share stays on the calling thread.
struct ChunkSplit {
    /// Parts to allocate buffers for: one per thread, none for fewer than 256 rows of the chunk.
    let parts: Int
    /// Rows per part at most.
    let share: Int

    init(chunkSize: Int, threads: Int) {
        parts = max(1, min(threads, chunkSize / 256))
        share = (chunkSize + parts - 1) / parts
    }

    /// Calls `body(part, first, count)` for each part of a `count`-row chunk: side by side with
    /// BLAS at one thread when it spans several parts, else once, on this thread, with BLAS at
    /// `blasThreads`.
    func run(count: Int, blasThreads: @autoclosure () -> Int, _ body: (_ part: Int, _ first: Int, _ count: Int) -> Void) {
        let used = min(parts, (count + share - 1) / share)
        guard used > 1 else {
            BLASThreads.with(blasThreads()) { body(0, 0, count) }
            return
        }
        BLASThreads.with(1) {
            Parallel.forEachPart(used) { part in
                let first = part * share
                body(part, first, min(share, count - first))
            }
        }
    }
}

/// The most top contributing features a scorer reports per row (what `insertTop` can keep).
let maximumTopFeatures = 3

/// Keeps the `k <= 3` largest errors seen so far, in descending order. Most errors are smaller
/// than the third kept one, so that comparison comes first.
@inline(__always)
func insertTop(error: Float, feature: Int32, errors: inout (Float, Float, Float),
               features: UnsafeMutablePointer<Int32>, k: Int) {
    let smallestKept = k == 3 ? errors.2 : (k == 2 ? errors.1 : errors.0)
    guard error > smallestKept else { return }
    if k >= 1 && error > errors.0 {
        if k >= 3 { errors.2 = errors.1; features[2] = features[1] }
        if k >= 2 { errors.1 = errors.0; features[1] = features[0] }
        errors.0 = error; features[0] = feature
    } else if k >= 2 && error > errors.1 {
        if k >= 3 { errors.2 = errors.1; features[2] = features[1] }
        errors.1 = error; features[1] = feature
    } else if k >= 3 {
        errors.2 = error; features[2] = feature
    }
}
