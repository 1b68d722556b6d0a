/* ccc's <xmmintrin.h>: SSE intrinsics written with GCC vector extensions
   and plain C (no __builtin_ia32_* calls). Only a subset is provided;
   anything missing fails to compile rather than misbehaving. */
#ifndef _XMMINTRIN_H_INCLUDED
#define _XMMINTRIN_H_INCLUDED

#if !defined(__x86_64__) && !defined(__i386__)
#error "<xmmintrin.h> is only available on x86"
#endif

typedef float __m128 __attribute__((__vector_size__(16), __may_alias__));
typedef float __m128_u __attribute__((__vector_size__(16), __may_alias__, __aligned__(1)));
typedef float __v4sf __attribute__((__vector_size__(16)));
typedef int __v4si_x __attribute__((__vector_size__(16)));

#define __CCC_SSE_INLINE static __inline __attribute__((__always_inline__, __unused__))

__CCC_SSE_INLINE __m128 _mm_setzero_ps(void) { return (__m128){0.0f, 0.0f, 0.0f, 0.0f}; }
__CCC_SSE_INLINE __m128 _mm_set1_ps(float __f) { return (__m128){__f, __f, __f, __f}; }
__CCC_SSE_INLINE __m128 _mm_set_ps1(float __f) { return _mm_set1_ps(__f); }
__CCC_SSE_INLINE __m128 _mm_set_ps(float __z, float __y, float __x, float __w) { return (__m128){__w, __x, __y, __z}; }
__CCC_SSE_INLINE __m128 _mm_setr_ps(float __z, float __y, float __x, float __w) { return (__m128){__z, __y, __x, __w}; }
__CCC_SSE_INLINE __m128 _mm_set_ss(float __f) { return (__m128){__f, 0.0f, 0.0f, 0.0f}; }

__CCC_SSE_INLINE __m128 _mm_load_ps(const float *__p) { return *(const __m128 *)__p; }
__CCC_SSE_INLINE __m128 _mm_loadu_ps(const float *__p) {
  __m128 __r;
  __builtin_memcpy(&__r, __p, 16);
  return __r;
}
__CCC_SSE_INLINE __m128 _mm_load1_ps(const float *__p) { return _mm_set1_ps(*__p); }
__CCC_SSE_INLINE __m128 _mm_load_ps1(const float *__p) { return _mm_set1_ps(*__p); }
__CCC_SSE_INLINE __m128 _mm_load_ss(const float *__p) { return _mm_set_ss(*__p); }
__CCC_SSE_INLINE void _mm_store_ps(float *__p, __m128 __a) { *(__m128 *)__p = __a; }
__CCC_SSE_INLINE void _mm_storeu_ps(float *__p, __m128 __a) { __builtin_memcpy(__p, &__a, 16); }
__CCC_SSE_INLINE void _mm_store_ss(float *__p, __m128 __a) { *__p = ((__v4sf)__a)[0]; }
__CCC_SSE_INLINE float _mm_cvtss_f32(__m128 __a) { return ((__v4sf)__a)[0]; }

__CCC_SSE_INLINE __m128 _mm_add_ps(__m128 __a, __m128 __b) { return (__m128)((__v4sf)__a + (__v4sf)__b); }
__CCC_SSE_INLINE __m128 _mm_sub_ps(__m128 __a, __m128 __b) { return (__m128)((__v4sf)__a - (__v4sf)__b); }
__CCC_SSE_INLINE __m128 _mm_mul_ps(__m128 __a, __m128 __b) { return (__m128)((__v4sf)__a * (__v4sf)__b); }
__CCC_SSE_INLINE __m128 _mm_div_ps(__m128 __a, __m128 __b) { return (__m128)((__v4sf)__a / (__v4sf)__b); }

__CCC_SSE_INLINE __m128 _mm_and_ps(__m128 __a, __m128 __b) { return (__m128)((__v4si_x)__a & (__v4si_x)__b); }
__CCC_SSE_INLINE __m128 _mm_andnot_ps(__m128 __a, __m128 __b) { return (__m128)(~(__v4si_x)__a & (__v4si_x)__b); }
__CCC_SSE_INLINE __m128 _mm_or_ps(__m128 __a, __m128 __b) { return (__m128)((__v4si_x)__a | (__v4si_x)__b); }
__CCC_SSE_INLINE __m128 _mm_xor_ps(__m128 __a, __m128 __b) { return (__m128)((__v4si_x)__a ^ (__v4si_x)__b); }

/* Comparisons give all-ones lanes where true (vector extension semantics). */
__CCC_SSE_INLINE __m128 _mm_cmpeq_ps(__m128 __a, __m128 __b) { return (__m128)((__v4sf)__a == (__v4sf)__b); }
__CCC_SSE_INLINE __m128 _mm_cmplt_ps(__m128 __a, __m128 __b) { return (__m128)((__v4sf)__a < (__v4sf)__b); }
__CCC_SSE_INLINE __m128 _mm_cmple_ps(__m128 __a, __m128 __b) { return (__m128)((__v4sf)__a <= (__v4sf)__b); }
__CCC_SSE_INLINE __m128 _mm_cmpgt_ps(__m128 __a, __m128 __b) { return (__m128)((__v4sf)__a > (__v4sf)__b); }
__CCC_SSE_INLINE __m128 _mm_cmpge_ps(__m128 __a, __m128 __b) { return (__m128)((__v4sf)__a >= (__v4sf)__b); }
__CCC_SSE_INLINE __m128 _mm_cmpneq_ps(__m128 __a, __m128 __b) { return (__m128)((__v4sf)__a != (__v4sf)__b); }

/* minps/maxps: the second operand when the comparison is false (NaNs). */
__CCC_SSE_INLINE __m128 _mm_min_ps(__m128 __a, __m128 __b) {
  __v4si_x __m = (__v4sf)__a < (__v4sf)__b;
  return (__m128)((__m & (__v4si_x)__a) | (~__m & (__v4si_x)__b));
}
__CCC_SSE_INLINE __m128 _mm_max_ps(__m128 __a, __m128 __b) {
  __v4si_x __m = (__v4sf)__a > (__v4sf)__b;
  return (__m128)((__m & (__v4si_x)__a) | (~__m & (__v4si_x)__b));
}

__CCC_SSE_INLINE int _mm_movemask_ps(__m128 __a) {
  __v4si_x __v = (__v4si_x)__a;
  int __m = 0;
  for (int __i = 0; __i < 4; __i++)
    __m |= (__v[__i] < 0) << __i;
  return __m;
}

#define _MM_SHUFFLE(z, y, x, w) (((z) << 6) | ((y) << 4) | ((x) << 2) | (w))

__CCC_SSE_INLINE __m128 __ccc_shuffle_ps(__m128 __a, __m128 __b, int __imm) {
  __v4sf __x = (__v4sf)__a;
  __v4sf __y = (__v4sf)__b;
  return (__m128){__x[__imm & 3], __x[(__imm >> 2) & 3], __y[(__imm >> 4) & 3], __y[(__imm >> 6) & 3]};
}
#define _mm_shuffle_ps(a, b, imm) __ccc_shuffle_ps((a), (b), (imm))

__CCC_SSE_INLINE __m128 _mm_unpacklo_ps(__m128 __a, __m128 __b) {
  __v4sf __x = (__v4sf)__a;
  __v4sf __y = (__v4sf)__b;
  return (__m128){__x[0], __y[0], __x[1], __y[1]};
}
__CCC_SSE_INLINE __m128 _mm_unpackhi_ps(__m128 __a, __m128 __b) {
  __v4sf __x = (__v4sf)__a;
  __v4sf __y = (__v4sf)__b;
  return (__m128){__x[2], __y[2], __x[3], __y[3]};
}

__CCC_SSE_INLINE void _mm_sfence(void) { __asm__ __volatile__("sfence" ::: "memory"); }
__CCC_SSE_INLINE void _mm_pause(void) { __asm__ __volatile__("pause"); }

#define _MM_HINT_T0 3
#define _MM_HINT_T1 2
#define _MM_HINT_T2 1
#define _MM_HINT_NTA 0
#define _mm_prefetch(p, hint) __builtin_prefetch((const void *)(p), 0, (hint) & 3)

#endif
