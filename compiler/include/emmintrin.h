/* ccc's <emmintrin.h>: SSE2 intrinsics written with GCC vector extensions
   and plain C (no __builtin_ia32_* calls). A subset: integer and double
   operations that portable code commonly uses. Missing intrinsics fail to
   compile rather than misbehave. */
#ifndef _EMMINTRIN_H_INCLUDED
#define _EMMINTRIN_H_INCLUDED

#include <xmmintrin.h>

typedef long long __m128i __attribute__((__vector_size__(16), __may_alias__));
typedef double __m128d __attribute__((__vector_size__(16), __may_alias__));
typedef long long __v2di __attribute__((__vector_size__(16)));
typedef unsigned long long __v2du __attribute__((__vector_size__(16)));
typedef double __v2df __attribute__((__vector_size__(16)));
typedef int __v4si __attribute__((__vector_size__(16)));
typedef unsigned int __v4su __attribute__((__vector_size__(16)));
typedef short __v8hi __attribute__((__vector_size__(16)));
typedef unsigned short __v8hu __attribute__((__vector_size__(16)));
typedef signed char __v16qs __attribute__((__vector_size__(16)));
typedef unsigned char __v16qu __attribute__((__vector_size__(16)));

#define __CCC_SSE2_INLINE static __inline __attribute__((__always_inline__, __unused__))

/* ---- set ---- */
__CCC_SSE2_INLINE __m128i _mm_setzero_si128(void) { return (__m128i){0, 0}; }
__CCC_SSE2_INLINE __m128i _mm_set_epi64x(long long __hi, long long __lo) { return (__m128i){__lo, __hi}; }
__CCC_SSE2_INLINE __m128i _mm_set_epi32(int __i3, int __i2, int __i1, int __i0) { return (__m128i)(__v4si){__i0, __i1, __i2, __i3}; }
__CCC_SSE2_INLINE __m128i _mm_set_epi16(short __q7, short __q6, short __q5, short __q4, short __q3, short __q2, short __q1, short __q0) {
  return (__m128i)(__v8hi){__q0, __q1, __q2, __q3, __q4, __q5, __q6, __q7};
}
__CCC_SSE2_INLINE __m128i _mm_set_epi8(char __b15, char __b14, char __b13, char __b12, char __b11, char __b10, char __b9, char __b8,
                                       char __b7, char __b6, char __b5, char __b4, char __b3, char __b2, char __b1, char __b0) {
  return (__m128i)(__v16qs){__b0, __b1, __b2, __b3, __b4, __b5, __b6, __b7, __b8, __b9, __b10, __b11, __b12, __b13, __b14, __b15};
}
__CCC_SSE2_INLINE __m128i _mm_set1_epi64x(long long __a) { return _mm_set_epi64x(__a, __a); }
__CCC_SSE2_INLINE __m128i _mm_set1_epi32(int __a) { return _mm_set_epi32(__a, __a, __a, __a); }
__CCC_SSE2_INLINE __m128i _mm_set1_epi16(short __a) { return _mm_set_epi16(__a, __a, __a, __a, __a, __a, __a, __a); }
__CCC_SSE2_INLINE __m128i _mm_set1_epi8(char __a) {
  return _mm_set_epi8(__a, __a, __a, __a, __a, __a, __a, __a, __a, __a, __a, __a, __a, __a, __a, __a);
}
__CCC_SSE2_INLINE __m128i _mm_setr_epi32(int __i0, int __i1, int __i2, int __i3) { return _mm_set_epi32(__i3, __i2, __i1, __i0); }
__CCC_SSE2_INLINE __m128i _mm_setr_epi16(short __q0, short __q1, short __q2, short __q3, short __q4, short __q5, short __q6, short __q7) {
  return _mm_set_epi16(__q7, __q6, __q5, __q4, __q3, __q2, __q1, __q0);
}
__CCC_SSE2_INLINE __m128i _mm_setr_epi8(char __b0, char __b1, char __b2, char __b3, char __b4, char __b5, char __b6, char __b7,
                                        char __b8, char __b9, char __b10, char __b11, char __b12, char __b13, char __b14, char __b15) {
  return _mm_set_epi8(__b15, __b14, __b13, __b12, __b11, __b10, __b9, __b8, __b7, __b6, __b5, __b4, __b3, __b2, __b1, __b0);
}

/* ---- loads, stores, moves ---- */
__CCC_SSE2_INLINE __m128i _mm_load_si128(const __m128i *__p) { return *__p; }
__CCC_SSE2_INLINE __m128i _mm_loadu_si128(const void *__p) {
  __m128i __r;
  __builtin_memcpy(&__r, __p, 16);
  return __r;
}
__CCC_SSE2_INLINE __m128i _mm_loadl_epi64(const void *__p) {
  long long __v;
  __builtin_memcpy(&__v, __p, 8);
  return _mm_set_epi64x(0, __v);
}
__CCC_SSE2_INLINE void _mm_store_si128(__m128i *__p, __m128i __a) { *__p = __a; }
__CCC_SSE2_INLINE void _mm_storeu_si128(void *__p, __m128i __a) { __builtin_memcpy(__p, &__a, 16); }
__CCC_SSE2_INLINE void _mm_storel_epi64(void *__p, __m128i __a) {
  long long __v = ((__v2di)__a)[0];
  __builtin_memcpy(__p, &__v, 8);
}
__CCC_SSE2_INLINE __m128i _mm_cvtsi32_si128(int __a) { return _mm_set_epi32(0, 0, 0, __a); }
__CCC_SSE2_INLINE __m128i _mm_cvtsi64_si128(long long __a) { return _mm_set_epi64x(0, __a); }
__CCC_SSE2_INLINE int _mm_cvtsi128_si32(__m128i __a) { return ((__v4si)__a)[0]; }
__CCC_SSE2_INLINE long long _mm_cvtsi128_si64(__m128i __a) { return ((__v2di)__a)[0]; }
__CCC_SSE2_INLINE __m128i _mm_move_epi64(__m128i __a) { return _mm_set_epi64x(0, ((__v2di)__a)[0]); }

/* ---- integer arithmetic (wrapping) ---- */
__CCC_SSE2_INLINE __m128i _mm_add_epi8(__m128i __a, __m128i __b) { return (__m128i)((__v16qu)__a + (__v16qu)__b); }
__CCC_SSE2_INLINE __m128i _mm_add_epi16(__m128i __a, __m128i __b) { return (__m128i)((__v8hu)__a + (__v8hu)__b); }
__CCC_SSE2_INLINE __m128i _mm_add_epi32(__m128i __a, __m128i __b) { return (__m128i)((__v4su)__a + (__v4su)__b); }
__CCC_SSE2_INLINE __m128i _mm_add_epi64(__m128i __a, __m128i __b) { return (__m128i)((__v2du)__a + (__v2du)__b); }
__CCC_SSE2_INLINE __m128i _mm_sub_epi8(__m128i __a, __m128i __b) { return (__m128i)((__v16qu)__a - (__v16qu)__b); }
__CCC_SSE2_INLINE __m128i _mm_sub_epi16(__m128i __a, __m128i __b) { return (__m128i)((__v8hu)__a - (__v8hu)__b); }
__CCC_SSE2_INLINE __m128i _mm_sub_epi32(__m128i __a, __m128i __b) { return (__m128i)((__v4su)__a - (__v4su)__b); }
__CCC_SSE2_INLINE __m128i _mm_sub_epi64(__m128i __a, __m128i __b) { return (__m128i)((__v2du)__a - (__v2du)__b); }
__CCC_SSE2_INLINE __m128i _mm_mullo_epi16(__m128i __a, __m128i __b) { return (__m128i)((__v8hu)__a * (__v8hu)__b); }

/* ---- bitwise ---- */
__CCC_SSE2_INLINE __m128i _mm_and_si128(__m128i __a, __m128i __b) { return (__m128i)((__v2du)__a & (__v2du)__b); }
__CCC_SSE2_INLINE __m128i _mm_andnot_si128(__m128i __a, __m128i __b) { return (__m128i)(~(__v2du)__a & (__v2du)__b); }
__CCC_SSE2_INLINE __m128i _mm_or_si128(__m128i __a, __m128i __b) { return (__m128i)((__v2du)__a | (__v2du)__b); }
__CCC_SSE2_INLINE __m128i _mm_xor_si128(__m128i __a, __m128i __b) { return (__m128i)((__v2du)__a ^ (__v2du)__b); }

/* ---- comparisons: all-ones lanes where true ---- */
__CCC_SSE2_INLINE __m128i _mm_cmpeq_epi8(__m128i __a, __m128i __b) { return (__m128i)((__v16qs)__a == (__v16qs)__b); }
__CCC_SSE2_INLINE __m128i _mm_cmpeq_epi16(__m128i __a, __m128i __b) { return (__m128i)((__v8hi)__a == (__v8hi)__b); }
__CCC_SSE2_INLINE __m128i _mm_cmpeq_epi32(__m128i __a, __m128i __b) { return (__m128i)((__v4si)__a == (__v4si)__b); }
__CCC_SSE2_INLINE __m128i _mm_cmpgt_epi8(__m128i __a, __m128i __b) { return (__m128i)((__v16qs)__a > (__v16qs)__b); }
__CCC_SSE2_INLINE __m128i _mm_cmpgt_epi16(__m128i __a, __m128i __b) { return (__m128i)((__v8hi)__a > (__v8hi)__b); }
__CCC_SSE2_INLINE __m128i _mm_cmpgt_epi32(__m128i __a, __m128i __b) { return (__m128i)((__v4si)__a > (__v4si)__b); }
__CCC_SSE2_INLINE __m128i _mm_cmplt_epi8(__m128i __a, __m128i __b) { return (__m128i)((__v16qs)__a < (__v16qs)__b); }
__CCC_SSE2_INLINE __m128i _mm_cmplt_epi16(__m128i __a, __m128i __b) { return (__m128i)((__v8hi)__a < (__v8hi)__b); }
__CCC_SSE2_INLINE __m128i _mm_cmplt_epi32(__m128i __a, __m128i __b) { return (__m128i)((__v4si)__a < (__v4si)__b); }

/* ---- min/max, saturating arithmetic (bitwise select on a mask) ---- */
#define __CCC_SELECT(m, a, b) (((m) & (a)) | (~(m) & (b)))
__CCC_SSE2_INLINE __m128i _mm_min_epu8(__m128i __a, __m128i __b) {
  __v16qs __m = (__v16qu)__a < (__v16qu)__b;
  return (__m128i)__CCC_SELECT(__m, (__v16qs)__a, (__v16qs)__b);
}
__CCC_SSE2_INLINE __m128i _mm_max_epu8(__m128i __a, __m128i __b) {
  __v16qs __m = (__v16qu)__a > (__v16qu)__b;
  return (__m128i)__CCC_SELECT(__m, (__v16qs)__a, (__v16qs)__b);
}
__CCC_SSE2_INLINE __m128i _mm_min_epi16(__m128i __a, __m128i __b) {
  __v8hi __m = (__v8hi)__a < (__v8hi)__b;
  return (__m128i)__CCC_SELECT(__m, (__v8hi)__a, (__v8hi)__b);
}
__CCC_SSE2_INLINE __m128i _mm_max_epi16(__m128i __a, __m128i __b) {
  __v8hi __m = (__v8hi)__a > (__v8hi)__b;
  return (__m128i)__CCC_SELECT(__m, (__v8hi)__a, (__v8hi)__b);
}
/* a -sat b = max(a, b) - b;  a +sat b = a + min(b, ~a). */
__CCC_SSE2_INLINE __m128i _mm_subs_epu8(__m128i __a, __m128i __b) { return _mm_sub_epi8(_mm_max_epu8(__a, __b), __b); }
__CCC_SSE2_INLINE __m128i _mm_adds_epu8(__m128i __a, __m128i __b) {
  return _mm_add_epi8(__a, _mm_min_epu8(__b, (__m128i)~(__v2du)__a));
}
__CCC_SSE2_INLINE __m128i _mm_subs_epu16(__m128i __a, __m128i __b) {
  __v8hi __m = (__v8hu)__a > (__v8hu)__b;
  return (__m128i)((__v8hi)((__v8hu)__a - (__v8hu)__b) & __m);
}
__CCC_SSE2_INLINE __m128i _mm_avg_epu8(__m128i __a, __m128i __b) {
  __v16qu __x = (__v16qu)__a;
  __v16qu __y = (__v16qu)__b;
  __v16qu __r;
  for (int __i = 0; __i < 16; __i++)
    __r[__i] = (unsigned char)(((unsigned)__x[__i] + __y[__i] + 1) >> 1);
  return (__m128i)__r;
}
__CCC_SSE2_INLINE __m128i _mm_sad_epu8(__m128i __a, __m128i __b) {
  __v16qu __x = (__v16qu)__a;
  __v16qu __y = (__v16qu)__b;
  unsigned long long __s0 = 0, __s1 = 0;
  for (int __i = 0; __i < 8; __i++) {
    __s0 += __x[__i] > __y[__i] ? __x[__i] - __y[__i] : __y[__i] - __x[__i];
    __s1 += __x[__i + 8] > __y[__i + 8] ? __x[__i + 8] - __y[__i + 8] : __y[__i + 8] - __x[__i + 8];
  }
  return (__m128i)(__v2du){__s0, __s1};
}

/* ---- shifts by an immediate count ---- */
__CCC_SSE2_INLINE __m128i _mm_slli_epi16(__m128i __a, int __n) { return __n > 15 ? _mm_setzero_si128() : (__m128i)((__v8hu)__a << __n); }
__CCC_SSE2_INLINE __m128i _mm_slli_epi32(__m128i __a, int __n) { return __n > 31 ? _mm_setzero_si128() : (__m128i)((__v4su)__a << __n); }
__CCC_SSE2_INLINE __m128i _mm_slli_epi64(__m128i __a, int __n) { return __n > 63 ? _mm_setzero_si128() : (__m128i)((__v2du)__a << __n); }
__CCC_SSE2_INLINE __m128i _mm_srli_epi16(__m128i __a, int __n) { return __n > 15 ? _mm_setzero_si128() : (__m128i)((__v8hu)__a >> __n); }
__CCC_SSE2_INLINE __m128i _mm_srli_epi32(__m128i __a, int __n) { return __n > 31 ? _mm_setzero_si128() : (__m128i)((__v4su)__a >> __n); }
__CCC_SSE2_INLINE __m128i _mm_srli_epi64(__m128i __a, int __n) { return __n > 63 ? _mm_setzero_si128() : (__m128i)((__v2du)__a >> __n); }
__CCC_SSE2_INLINE __m128i _mm_srai_epi16(__m128i __a, int __n) { return (__m128i)((__v8hi)__a >> (__n > 15 ? 15 : __n)); }
__CCC_SSE2_INLINE __m128i _mm_srai_epi32(__m128i __a, int __n) { return (__m128i)((__v4si)__a >> (__n > 31 ? 31 : __n)); }

/* Whole-register byte shifts. */
__CCC_SSE2_INLINE __m128i _mm_slli_si128(__m128i __a, int __n) {
  __v16qu __x = (__v16qu)__a;
  __v16qu __r;
  for (int __i = 0; __i < 16; __i++)
    __r[__i] = __i >= __n ? __x[__i - __n] : 0;
  return (__m128i)__r;
}
__CCC_SSE2_INLINE __m128i _mm_srli_si128(__m128i __a, int __n) {
  __v16qu __x = (__v16qu)__a;
  __v16qu __r;
  for (int __i = 0; __i < 16; __i++)
    __r[__i] = __i + __n < 16 ? __x[__i + __n] : 0;
  return (__m128i)__r;
}
#define _mm_bslli_si128 _mm_slli_si128
#define _mm_bsrli_si128 _mm_srli_si128

/* ---- masks, shuffles, packing ---- */
__CCC_SSE2_INLINE int _mm_movemask_epi8(__m128i __a) {
  __v16qs __v = (__v16qs)__a;
  int __m = 0;
  for (int __i = 0; __i < 16; __i++)
    __m |= (__v[__i] < 0) << __i;
  return __m;
}
__CCC_SSE2_INLINE __m128i __ccc_shuffle_epi32(__m128i __a, int __imm) {
  __v4si __x = (__v4si)__a;
  return (__m128i)(__v4si){__x[__imm & 3], __x[(__imm >> 2) & 3], __x[(__imm >> 4) & 3], __x[(__imm >> 6) & 3]};
}
#define _mm_shuffle_epi32(a, imm) __ccc_shuffle_epi32((a), (imm))

__CCC_SSE2_INLINE __m128i _mm_unpacklo_epi8(__m128i __a, __m128i __b) {
  __v16qs __x = (__v16qs)__a;
  __v16qs __y = (__v16qs)__b;
  __v16qs __r;
  for (int __i = 0; __i < 8; __i++) {
    __r[2 * __i] = __x[__i];
    __r[2 * __i + 1] = __y[__i];
  }
  return (__m128i)__r;
}
__CCC_SSE2_INLINE __m128i _mm_unpackhi_epi8(__m128i __a, __m128i __b) {
  __v16qs __x = (__v16qs)__a;
  __v16qs __y = (__v16qs)__b;
  __v16qs __r;
  for (int __i = 0; __i < 8; __i++) {
    __r[2 * __i] = __x[__i + 8];
    __r[2 * __i + 1] = __y[__i + 8];
  }
  return (__m128i)__r;
}
__CCC_SSE2_INLINE __m128i _mm_unpacklo_epi16(__m128i __a, __m128i __b) {
  __v8hi __x = (__v8hi)__a;
  __v8hi __y = (__v8hi)__b;
  return (__m128i)(__v8hi){__x[0], __y[0], __x[1], __y[1], __x[2], __y[2], __x[3], __y[3]};
}
__CCC_SSE2_INLINE __m128i _mm_unpackhi_epi16(__m128i __a, __m128i __b) {
  __v8hi __x = (__v8hi)__a;
  __v8hi __y = (__v8hi)__b;
  return (__m128i)(__v8hi){__x[4], __y[4], __x[5], __y[5], __x[6], __y[6], __x[7], __y[7]};
}
__CCC_SSE2_INLINE __m128i _mm_unpacklo_epi32(__m128i __a, __m128i __b) {
  __v4si __x = (__v4si)__a;
  __v4si __y = (__v4si)__b;
  return (__m128i)(__v4si){__x[0], __y[0], __x[1], __y[1]};
}
__CCC_SSE2_INLINE __m128i _mm_unpackhi_epi32(__m128i __a, __m128i __b) {
  __v4si __x = (__v4si)__a;
  __v4si __y = (__v4si)__b;
  return (__m128i)(__v4si){__x[2], __y[2], __x[3], __y[3]};
}
__CCC_SSE2_INLINE __m128i _mm_unpacklo_epi64(__m128i __a, __m128i __b) { return (__m128i){((__v2di)__a)[0], ((__v2di)__b)[0]}; }
__CCC_SSE2_INLINE __m128i _mm_unpackhi_epi64(__m128i __a, __m128i __b) { return (__m128i){((__v2di)__a)[1], ((__v2di)__b)[1]}; }

__CCC_SSE2_INLINE __m128i _mm_packus_epi16(__m128i __a, __m128i __b) {
  __v8hi __x = (__v8hi)__a;
  __v8hi __y = (__v8hi)__b;
  __v16qu __r;
  for (int __i = 0; __i < 8; __i++) {
    __r[__i] = __x[__i] < 0 ? 0 : __x[__i] > 255 ? 255 : (unsigned char)__x[__i];
    __r[__i + 8] = __y[__i] < 0 ? 0 : __y[__i] > 255 ? 255 : (unsigned char)__y[__i];
  }
  return (__m128i)__r;
}
__CCC_SSE2_INLINE __m128i _mm_packs_epi16(__m128i __a, __m128i __b) {
  __v8hi __x = (__v8hi)__a;
  __v8hi __y = (__v8hi)__b;
  __v16qs __r;
  for (int __i = 0; __i < 8; __i++) {
    __r[__i] = __x[__i] < -128 ? -128 : __x[__i] > 127 ? 127 : (signed char)__x[__i];
    __r[__i + 8] = __y[__i] < -128 ? -128 : __y[__i] > 127 ? 127 : (signed char)__y[__i];
  }
  return (__m128i)__r;
}
__CCC_SSE2_INLINE __m128i _mm_packs_epi32(__m128i __a, __m128i __b) {
  __v4si __x = (__v4si)__a;
  __v4si __y = (__v4si)__b;
  __v8hi __r;
  for (int __i = 0; __i < 4; __i++) {
    __r[__i] = __x[__i] < -32768 ? -32768 : __x[__i] > 32767 ? 32767 : (short)__x[__i];
    __r[__i + 4] = __y[__i] < -32768 ? -32768 : __y[__i] > 32767 ? 32767 : (short)__y[__i];
  }
  return (__m128i)__r;
}
__CCC_SSE2_INLINE int __ccc_extract_epi16(__m128i __a, int __i) { return (unsigned short)((__v8hi)__a)[__i & 7]; }
#define _mm_extract_epi16(a, i) __ccc_extract_epi16((a), (i))

/* ---- double precision ---- */
__CCC_SSE2_INLINE __m128d _mm_setzero_pd(void) { return (__m128d){0.0, 0.0}; }
__CCC_SSE2_INLINE __m128d _mm_set1_pd(double __d) { return (__m128d){__d, __d}; }
__CCC_SSE2_INLINE __m128d _mm_set_pd(double __hi, double __lo) { return (__m128d){__lo, __hi}; }
__CCC_SSE2_INLINE __m128d _mm_setr_pd(double __lo, double __hi) { return (__m128d){__lo, __hi}; }
__CCC_SSE2_INLINE __m128d _mm_load_pd(const double *__p) { return *(const __m128d *)__p; }
__CCC_SSE2_INLINE __m128d _mm_loadu_pd(const double *__p) {
  __m128d __r;
  __builtin_memcpy(&__r, __p, 16);
  return __r;
}
__CCC_SSE2_INLINE void _mm_store_pd(double *__p, __m128d __a) { *(__m128d *)__p = __a; }
__CCC_SSE2_INLINE void _mm_storeu_pd(double *__p, __m128d __a) { __builtin_memcpy(__p, &__a, 16); }
__CCC_SSE2_INLINE double _mm_cvtsd_f64(__m128d __a) { return ((__v2df)__a)[0]; }
__CCC_SSE2_INLINE __m128d _mm_add_pd(__m128d __a, __m128d __b) { return (__m128d)((__v2df)__a + (__v2df)__b); }
__CCC_SSE2_INLINE __m128d _mm_sub_pd(__m128d __a, __m128d __b) { return (__m128d)((__v2df)__a - (__v2df)__b); }
__CCC_SSE2_INLINE __m128d _mm_mul_pd(__m128d __a, __m128d __b) { return (__m128d)((__v2df)__a * (__v2df)__b); }
__CCC_SSE2_INLINE __m128d _mm_div_pd(__m128d __a, __m128d __b) { return (__m128d)((__v2df)__a / (__v2df)__b); }
__CCC_SSE2_INLINE __m128d _mm_and_pd(__m128d __a, __m128d __b) { return (__m128d)((__v2du)__a & (__v2du)__b); }
__CCC_SSE2_INLINE __m128d _mm_or_pd(__m128d __a, __m128d __b) { return (__m128d)((__v2du)__a | (__v2du)__b); }
__CCC_SSE2_INLINE __m128d _mm_xor_pd(__m128d __a, __m128d __b) { return (__m128d)((__v2du)__a ^ (__v2du)__b); }

/* ---- casts (no conversion) ---- */
__CCC_SSE2_INLINE __m128 _mm_castsi128_ps(__m128i __a) { return (__m128)__a; }
__CCC_SSE2_INLINE __m128i _mm_castps_si128(__m128 __a) { return (__m128i)__a; }
__CCC_SSE2_INLINE __m128d _mm_castsi128_pd(__m128i __a) { return (__m128d)__a; }
__CCC_SSE2_INLINE __m128i _mm_castpd_si128(__m128d __a) { return (__m128i)__a; }
__CCC_SSE2_INLINE __m128 _mm_castpd_ps(__m128d __a) { return (__m128)__a; }
__CCC_SSE2_INLINE __m128d _mm_castps_pd(__m128 __a) { return (__m128d)__a; }

/* ---- fences ---- */
__CCC_SSE2_INLINE void _mm_lfence(void) { __asm__ __volatile__("lfence" ::: "memory"); }
__CCC_SSE2_INLINE void _mm_mfence(void) { __asm__ __volatile__("mfence" ::: "memory"); }
__CCC_SSE2_INLINE void _mm_clflush(const void *__p) { __asm__ __volatile__("clflush %0" : : "m"(*(const volatile char *)__p) : "memory"); }

#endif
