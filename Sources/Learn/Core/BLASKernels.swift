import CBLAS
import Foundation

/// Which of OpenBLAS's kernels run, mended where its CPU detection falls short.
///
/// OpenBLAS picks its kernels by CPU model when it is loaded. Debian 12's 0.3.21 does not know
/// recent Xeons as a hypervisor presents them and falls back to "Prescott", its SSE3 kernels of
/// 2004, on CPUs with AVX-512. Measured on such a machine (2 cores, `aepg train` on 284,807
/// rows, docs/benchmarks.md): training and scoring take about 40 % less time with its Haswell
/// kernels. `OPENBLAS_CORETYPE` overrides the choice, but only when the library is loaded.
/// `aepg --version` names the kernels in use.
public enum BLASKernels {
    /// The environment variable OpenBLAS reads its kernel choice from.
    public static let overrideVariable = "OPENBLAS_CORETYPE"

    /// The kernels OpenBLAS chose (`openblas_get_corename`), e.g. "Haswell".
    public static var current: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// Whether this CPU and operating system run AVX2 and FMA code.
    public static var cpuRunsAVX2: Bool { aepg_cpu_runs_avx2() != 0 }

    /// Kernel sets of CPUs without AVX2 that OpenBLAS falls back to.
    static let olderThanAVX2: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "sandybridge", "katmai",
                                             "coppermine", "northwood", "banias", "barcelona", "opteron", "opteron_sse3"]

    /// The kernels to ask for instead of `chosen`, or nil to keep them: Haswell's (AVX2, FMA)
    /// when OpenBLAS chose older ones on a CPU that runs AVX2, unless the user chose already.
    public static func replacement(for chosen: String, cpuRunsAVX2: Bool, environment: [String: String]) -> String? {
        guard environment[overrideVariable] == nil, cpuRunsAVX2, olderThanAVX2.contains(chosen.lowercased()) else { return nil }
        return "Haswell"
    }

    /// Starts this program again (same process, same arguments) with the suited kernels when
    /// OpenBLAS chose older ones than the CPU runs; returns when nothing needs mending (or the
    /// restart failed, leaving OpenBLAS's choice). Call first thing in `main`, before any thread
    /// or file is opened. The restarted program finds the variable set and does not restart.
    public static func restartWithSuitedKernelsIfNeeded() {
        guard let kernels = replacement(for: current, cpuRunsAVX2: cpuRunsAVX2, environment: ProcessInfo.processInfo.environment)
        else { return }
        setenv(overrideVariable, kernels, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
