import Foundation
import Learn
import XCTest

final class BLASKernelsTests: XCTestCase {
    /// Haswell's kernels replace older ones only on a CPU that runs them, and never a user's choice.
    func testReplacesOnlyKernelsOlderThanTheCPU() {
        XCTAssertEqual(BLASKernels.replacement(for: "Prescott", cpuRunsAVX2: true, environment: [:]), "Haswell")
        XCTAssertEqual(BLASKernels.replacement(for: "NEHALEM", cpuRunsAVX2: true, environment: [:]), "Haswell")
        XCTAssertNil(BLASKernels.replacement(for: "Prescott", cpuRunsAVX2: false, environment: [:]), "no AVX2, no Haswell kernels")
        XCTAssertNil(BLASKernels.replacement(for: "Prescott", cpuRunsAVX2: true, environment: ["OPENBLAS_CORETYPE": "Prescott"]),
                     "the user's choice stands (and a restarted program does not restart again)")
        XCTAssertNil(BLASKernels.replacement(for: "SkylakeX", cpuRunsAVX2: true, environment: [:]))
        XCTAssertNil(BLASKernels.replacement(for: "Zen", cpuRunsAVX2: true, environment: [:]))
    }

    /// The CPU check agrees with what the kernel reports in /proc/cpuinfo.
    func testTheCPUCheckAgreesWithProcCPUInfo() throws {
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        XCTAssertEqual(BLASKernels.cpuRunsAVX2, flags.isSuperset(of: ["avx", "avx2", "fma"]), "flags: \(flags.sorted())")
    }
}
