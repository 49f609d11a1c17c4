import Foundation
import Learn

/// Scores every row of a matrix on a thread of its own, into buffers that another thread reads
/// as rows become ready: the write stage encodes and sends the scored rows while later ones are
/// scored, so scoring (on every core) and encoding (on one) do not take turns.
///
/// The buffers are written only by the scoring thread, and a row only before `ready` passes it;
/// the reader reads only rows below what `waitForRows` returned, which it learns under the same
/// lock: that ordering is what makes sharing them safe.
final class BackgroundScoring: @unchecked Sendable {
    /// Every row's score, valid below what `waitForRows` returned.
    let scores: UnsafeMutableBufferPointer<Double>
    /// Every row's `topCount` worst-reconstructed inputs, largest error first.
    let tops: UnsafeMutableBufferPointer<Int32>
    let topCount: Int
    private let condition = NSCondition()
    private var ready = 0
    private var finished = false
    private var cancelled = false
    private var elapsed = 0.0

    /// Starts scoring the rows of `data` with `scorer`, which this object uses alone from now on.
    init(scorer: any RowScorer, data: Matrix) {
        topCount = scorer.topFeatureCount
        scores = .allocate(capacity: data.rows)
        tops = .allocate(capacity: max(data.rows * topCount, 1))
        let lent = Handover((scorer, data))
        Thread { [self] in score(lent.value.0, lent.value.1) }.start()
    }

    deinit {
        scores.deallocate()
        tops.deallocate()
    }

    private func score(_ scorer: any RowScorer, _ data: Matrix) {
        let started = DispatchTime.now().uptimeNanoseconds
        let scores = scores.baseAddress!, tops = tops.baseAddress!, topCount = topCount
        try? scorer.scoreAll(data) { first, count in
            (scores + first).update(from: scorer.scores, count: count)
            (tops + first * topCount).update(from: scorer.topFeatures, count: count * topCount)
            condition.lock()
            ready = first + count
            let stop = cancelled
            condition.broadcast()
            condition.unlock()
            if stop { throw Cancelled() }
        }
        condition.lock()
        finished = true
        elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        condition.broadcast()
        condition.unlock()
    }

    private struct Cancelled: Error {}

    /// Waits until more than `row` rows are scored (or all are) and returns how many are.
    func waitForRows(after row: Int) -> Int {
        condition.lock()
        defer { condition.unlock() }
        while ready <= row && !finished { condition.wait() }
        return ready
    }

    /// Stops scoring after the current chunk (if it has not finished) and waits for the thread to
    /// end; returns the seconds it spent scoring. Call before the buffers go.
    func finish() -> Double {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        while !finished { condition.wait() }
        return elapsed
    }
}
