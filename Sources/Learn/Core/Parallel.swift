import Foundation

/// Runs the parts of a split computation on concurrent threads.
///
/// Training and scoring split a batch into row ranges, each with its own workspace and its own
/// slice of the output buffers, so the parts never write the same memory. The compiler cannot see
/// that through the raw pointers, so the one unchecked promise lives here rather than at each call.
public enum Parallel {
    /// Calls `body(part)` for every part in `0..<parts`, concurrently, and returns when all are done.
    /// `body` must touch only memory that belongs to its part (or that no part writes).
    public static func forEachPart(_ parts: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            let shared = PartsBody(run: body)
            DispatchQueue.concurrentPerform(iterations: parts) { shared.run($0) }
        }
    }
}

/// A body whose parts write disjoint memory (see `Parallel.forEachPart`).
private struct PartsBody: @unchecked Sendable {
    let run: (Int) -> Void
}
