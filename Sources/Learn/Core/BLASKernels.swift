import CBLAS
import Foundation

/// Which of OpenBLAS's kernels run, mended where its CPU detection falls short.
///
/// OpenBLAS picks its kernels by CPU model when it is loaded. Debian 12's 0.3.21 does not know
/// recent Xeons as a hypervisor presents them and falls back to "Prescott", its SSE3 kernels of
/// 2004, on CPUs with AVX-512. Measured on such a machine (2 cores, `aepg train` on 284,807
/// rows, docs/benchmarks.md): training and scoring take about 40 % less time with the kernels
/// the CPU runs. `OPENBLAS_CORETYPE` overrides the choice, but only when the library is loaded.
/// `aepg --version` names the kernels in use.
public enum BLASKernels {
    /// The environment variable OpenBLAS reads its kernel choice from.
    public static let overrideVariable = "OPENBLAS_CORETYPE"

    /// The kernels OpenBLAS chose (`openblas_get_corename`), e.g. "Haswell".
    public static var current: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// The newest vector instructions this CPU and operating system run.
    public enum VectorLevel: Int, Sendable {
        /// Older than AVX2 and FMA (or not x86-64).
        case older = 0
        /// AVX2 and FMA.
        case avx2 = 2
        /// AVX2, FMA and AVX-512 (F, DQ, BW, VL).
        case avx512 = 3
    }

    /// This machine's level, from `cpuid` and `xgetbv`.
    public static var cpu: VectorLevel { VectorLevel(rawValue: Int(aepg_cpu_vector_level())) ?? .older }

    /// Kernel sets of CPUs without AVX2 that OpenBLAS falls back to (lower case).
    public static let olderThanAVX2: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "sandybridge", "katmai",
                                             "coppermine", "northwood", "banias", "barcelona", "opteron", "opteron_sse3"]

    /// The kernels to ask for instead of `chosen`, or nil to keep them: when OpenBLAS chose
    /// kernels older than AVX2 on a CPU that runs AVX2, the newest the CPU runs (SkylakeX with
    /// AVX-512, which trained the DEC-size network about 35 % faster than Haswell's here; else
    /// Haswell), unless the user chose already.
    public static func replacement(for chosen: String, cpu: VectorLevel, environment: [String: String]) -> String? {
        guard environment[overrideVariable] == nil, olderThanAVX2.contains(chosen.lowercased()) else { return nil }
        switch cpu {
        case .older: return nil
        case .avx2: return "Haswell"
        case .avx512: return "SkylakeX"
        }
    }

    /// Starts this program again (same process, same arguments) with the suited kernels when
    /// OpenBLAS chose older ones than the CPU runs; returns when nothing needs mending (or the
    /// restart failed, leaving OpenBLAS's choice). Call first thing in `main`, before any thread
    /// or file is opened. The restarted program finds the variable set and does not restart.
    public static func restartWithSuitedKernelsIfNeeded() {
        guard let kernels = replacement(for: current, cpu: cpu, environment: ProcessInfo.processInfo.environment) else { return }
        setenv(overrideVariable, kernels, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
