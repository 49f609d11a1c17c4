#include <cblas.h>

#if defined(__x86_64__)
#include <cpuid.h>
/// 1 when the CPU has AVX, AVX2 and FMA and the operating system saves the AVX registers
/// (XCR0 bits 1 and 2): where OpenBLAS's Haswell kernels can run.
static inline int aepg_cpu_runs_avx2(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if ((c & (fma | osxsave | avx)) != (fma | osxsave | avx)) return 0;
    unsigned low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    if ((low & 6u) != 6u) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 5) & 1u;
}
#else
static inline int aepg_cpu_runs_avx2(void) { return 0; }
#endif
