#include <cblas.h>

/// The newest vector instructions this CPU runs and the operating system saves the registers
/// of: 0 none of those below, 2 AVX2 and FMA (OpenBLAS's Haswell kernels), 3 also AVX-512 F, DQ,
/// BW and VL (its SkylakeX kernels).
#if defined(__x86_64__)
#include <cpuid.h>
static inline int aepg_cpu_vector_level(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if ((c & (fma | osxsave | avx)) != (fma | osxsave | avx)) return 0;
    unsigned xcr0, high;
    __asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(high) : "c"(0));
    if ((xcr0 & 0x6u) != 0x6u) return 0;  // SSE and AVX state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 5))) return 0;  // AVX2
    const unsigned avx512 = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);  // F, DQ, BW, VL
    return (b & avx512) == avx512 && (xcr0 & 0xE0u) == 0xE0u ? 3 : 2;  // opmask and ZMM state
}
#else
static inline int aepg_cpu_vector_level(void) { return 0; }
#endif
