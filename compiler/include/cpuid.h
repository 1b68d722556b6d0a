/* ccc's <cpuid.h>: the x86 CPUID instruction and feature bits (Intel
   SDM vol. 2A, "CPUID"; AMD APM vol. 3), with GCC's interface. */
#ifndef _CPUID_H_INCLUDED
#define _CPUID_H_INCLUDED

#if !defined(__x86_64__) && !defined(__i386__)
#error "<cpuid.h> is only available on x86"
#endif

/* CPUID leaf 1, %ecx */
#define bit_SSE3 (1u << 0)
#define bit_PCLMUL (1u << 1)
#define bit_SSSE3 (1u << 9)
#define bit_FMA (1u << 12)
#define bit_CMPXCHG16B (1u << 13)
#define bit_SSE4_1 (1u << 19)
#define bit_SSE4_2 (1u << 20)
#define bit_MOVBE (1u << 22)
#define bit_POPCNT (1u << 23)
#define bit_AES (1u << 25)
#define bit_XSAVE (1u << 26)
#define bit_OSXSAVE (1u << 27)
#define bit_AVX (1u << 28)
#define bit_F16C (1u << 29)
#define bit_RDRND (1u << 30)

/* CPUID leaf 1, %edx */
#define bit_CMPXCHG8B (1u << 8)
#define bit_CMOV (1u << 15)
#define bit_MMX (1u << 23)
#define bit_FXSAVE (1u << 24)
#define bit_SSE (1u << 25)
#define bit_SSE2 (1u << 26)

/* CPUID leaf 0x80000001, %ecx */
#define bit_LAHF_LM (1u << 0)
#define bit_ABM (1u << 5)
#define bit_SSE4a (1u << 6)
#define bit_PRFCHW (1u << 8)
#define bit_XOP (1u << 11)
#define bit_LWP (1u << 15)
#define bit_FMA4 (1u << 16)
#define bit_TBM (1u << 21)
#define bit_MWAITX (1u << 29)

/* CPUID leaf 0x80000001, %edx */
#define bit_MMXEXT (1u << 22)
#define bit_LM (1u << 29)
#define bit_3DNOWP (1u << 30)
#define bit_3DNOW (1u << 31)

/* CPUID leaf 7, %ebx */
#define bit_FSGSBASE (1u << 0)
#define bit_BMI (1u << 3)
#define bit_HLE (1u << 4)
#define bit_AVX2 (1u << 5)
#define bit_BMI2 (1u << 8)
#define bit_RTM (1u << 11)
#define bit_AVX512F (1u << 16)
#define bit_AVX512DQ (1u << 17)
#define bit_RDSEED (1u << 18)
#define bit_ADX (1u << 19)
#define bit_AVX512IFMA (1u << 21)
#define bit_CLFLUSHOPT (1u << 23)
#define bit_CLWB (1u << 24)
#define bit_AVX512PF (1u << 26)
#define bit_AVX512ER (1u << 27)
#define bit_AVX512CD (1u << 28)
#define bit_SHA (1u << 29)
#define bit_AVX512BW (1u << 30)
#define bit_AVX512VL (1u << 31)

/* CPUID leaf 7, %ecx */
#define bit_PREFETCHWT1 (1u << 0)
#define bit_AVX512VBMI (1u << 1)
#define bit_PKU (1u << 3)
#define bit_OSPKE (1u << 4)
#define bit_WAITPKG (1u << 5)
#define bit_AVX512VBMI2 (1u << 6)
#define bit_SHSTK (1u << 7)
#define bit_GFNI (1u << 8)
#define bit_VAES (1u << 9)
#define bit_VPCLMULQDQ (1u << 10)
#define bit_AVX512VNNI (1u << 11)
#define bit_AVX512BITALG (1u << 12)
#define bit_AVX512VPOPCNTDQ (1u << 14)
#define bit_RDPID (1u << 22)

/* CPUID leaf 7, %edx */
#define bit_AVX5124VNNIW (1u << 2)
#define bit_AVX5124FMAPS (1u << 3)
#define bit_SERIALIZE (1u << 14)

/* CPUID leaf 0xd sub-leaf 1, %eax */
#define bit_XSAVEOPT (1u << 0)
#define bit_XSAVEC (1u << 1)
#define bit_XSAVES (1u << 3)

/* Signatures (%ebx of leaf 0). */
#define signature_INTEL_ebx 0x756e6547
#define signature_INTEL_ecx 0x6c65746e
#define signature_INTEL_edx 0x49656e69
#define signature_AMD_ebx 0x68747541
#define signature_AMD_ecx 0x444d4163
#define signature_AMD_edx 0x69746e65

#define __cpuid(level, a, b, c, d) \
  __asm__ __volatile__("cpuid\n\t" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "0"(level))

#define __cpuid_count(level, count, a, b, c, d) \
  __asm__ __volatile__("cpuid\n\t" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "0"(level), "2"(count))

/* Highest supported leaf of the basic (ext = 0) or extended
   (ext = 0x80000000) range; stores the vendor's %ebx in *sig. */
static __inline unsigned int __get_cpuid_max(unsigned int __ext, unsigned int *__sig) {
  unsigned int __eax, __ebx, __ecx, __edx;
  __cpuid(__ext, __eax, __ebx, __ecx, __edx);
  if (__sig)
    *__sig = __ebx;
  return __eax;
}

static __inline int __get_cpuid(unsigned int __leaf, unsigned int *__eax, unsigned int *__ebx,
                                unsigned int *__ecx, unsigned int *__edx) {
  unsigned int __max = __get_cpuid_max(__leaf & 0x80000000u, 0);
  if (__max == 0 || __max < __leaf)
    return 0;
  __cpuid(__leaf, *__eax, *__ebx, *__ecx, *__edx);
  return 1;
}

static __inline int __get_cpuid_count(unsigned int __leaf, unsigned int __subleaf, unsigned int *__eax,
                                      unsigned int *__ebx, unsigned int *__ecx, unsigned int *__edx) {
  unsigned int __max = __get_cpuid_max(__leaf & 0x80000000u, 0);
  if (__max == 0 || __max < __leaf)
    return 0;
  __cpuid_count(__leaf, __subleaf, *__eax, *__ebx, *__ecx, *__edx);
  return 1;
}

#endif
