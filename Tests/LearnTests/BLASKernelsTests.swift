import Foundation
import Learn
import XCTest

final class BLASKernelsTests: XCTestCase {
    /// Kernels older than AVX2 are replaced by the newest the CPU runs, never a user's choice.
    func testReplacesOnlyKernelsOlderThanTheCPU() {
        XCTAssertEqual(BLASKernels.replacement(for: "Prescott", cpu: .avx2, environment: [:]), "Haswell")
        XCTAssertEqual(BLASKernels.replacement(for: "Prescott", cpu: .avx512, environment: [:]), "SkylakeX")
        XCTAssertEqual(BLASKernels.replacement(for: "NEHALEM", cpu: .avx2, environment: [:]), "Haswell")
        XCTAssertNil(BLASKernels.replacement(for: "Prescott", cpu: .older, environment: [:]), "no AVX2, no newer kernels")
        XCTAssertNil(BLASKernels.replacement(for: "Prescott", cpu: .avx512, environment: ["OPENBLAS_CORETYPE": "Prescott"]),
                     "the user's choice stands (and a restarted program does not restart again)")
        XCTAssertNil(BLASKernels.replacement(for: "Haswell", cpu: .avx512, environment: [:]), "OpenBLAS's own AVX2 choice stands")
        XCTAssertNil(BLASKernels.replacement(for: "Zen", cpu: .avx2, environment: [:]))
    }

    /// The CPU check agrees with the flags the kernel reports in /proc/cpuinfo.
    func testTheCPUCheckAgreesWithProcCPUInfo() throws {
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        let expected: BLASKernels.VectorLevel =
            !flags.isSuperset(of: ["avx", "avx2", "fma"]) ? .older
            : flags.isSuperset(of: ["avx512f", "avx512dq", "avx512bw", "avx512vl"]) ? .avx512 : .avx2
        XCTAssertEqual(BLASKernels.cpu, expected, "flags: \(flags.sorted())")
    }
}
