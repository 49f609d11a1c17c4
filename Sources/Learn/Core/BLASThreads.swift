import CBLAS

/// How many threads OpenBLAS uses, chosen per network.
///
/// OpenBLAS's worker threads spin (`sched_yield`) between calls; for the small products of a
/// narrow network they cost more than they save (measured on 2 cores: scoring the fraud network
/// runs 1.4x faster on one thread), while DEC-size layers need every core. The crossover sits
/// between a ~15 MFLOP product (faster on one thread) and the DEC net's 64–512 MFLOP ones.
public enum BLASThreads {
    /// Products below this many floating-point operations run faster on one thread.
    public static let multithreadedFLOPs = 32_000_000.0

    /// The thread count OpenBLAS started with (from OPENBLAS_NUM_THREADS or the core count).
    public static let available = Int(openblas_get_num_threads())

    /// Threads for `network` at `batch` rows: one when its largest product is small.
    public static func suited(to network: Network, batch: Int) -> Int {
        let largest = network.layers.map { 2.0 * Double(batch) * Double($0.inputs) * Double($0.outputs) }.max() ?? 0
        return largest < multithreadedFLOPs ? 1 : available
    }

    /// Runs `body` with OpenBLAS set to `threads` threads, then restores the previous setting.
    public static func with<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        let previous = Int(openblas_get_num_threads())
        if threads != previous { openblas_set_num_threads(Int32(threads)) }
        defer { if threads != previous { openblas_set_num_threads(Int32(previous)) } }
        return try body()
    }
}
