/* ccc's <stddef.h> (C17 7.19). Supports glibc's __need_* protocol: when a
   header defines __need_size_t (etc.) only that definition is provided. */

#if !defined(__need_size_t) && !defined(__need_ptrdiff_t) && !defined(__need_wchar_t) \
    && !defined(__need_NULL) && !defined(__need_wint_t)
#define __ccc_stddef_all 1
#define __need_size_t
#define __need_ptrdiff_t
#define __need_wchar_t
#define __need_NULL
#ifndef _STDDEF_H
#define _STDDEF_H
#define _STDDEF_H_
#define _ANSI_STDDEF_H
#endif
#endif

#ifdef __need_ptrdiff_t
#if !defined(_PTRDIFF_T) && !defined(_PTRDIFF_T_DEFINED)
#define _PTRDIFF_T
#define _PTRDIFF_T_DEFINED
typedef __PTRDIFF_TYPE__ ptrdiff_t;
#endif
#undef __need_ptrdiff_t
#endif

#ifdef __need_size_t
#if !defined(_SIZE_T) && !defined(_SIZE_T_DEFINED)
#define _SIZE_T
#define _SIZE_T_DEFINED
#define _SIZE_T_DECLARED
#define __size_t__
typedef __SIZE_TYPE__ size_t;
#endif
#undef __need_size_t
#endif

#ifdef __need_wchar_t
#if !defined(_WCHAR_T) && !defined(_WCHAR_T_DEFINED)
#define _WCHAR_T
#define _WCHAR_T_DEFINED
#define __wchar_t__
typedef __WCHAR_TYPE__ wchar_t;
#endif
#undef __need_wchar_t
#endif

#ifdef __need_wint_t
#if !defined(_WINT_T)
#define _WINT_T
typedef __WINT_TYPE__ wint_t;
#endif
#undef __need_wint_t
#endif

#ifdef __need_NULL
#undef NULL
#define NULL ((void *)0)
#undef __need_NULL
#endif

#ifdef __ccc_stddef_all
#undef __ccc_stddef_all
#ifndef offsetof
#define offsetof(TYPE, MEMBER) __builtin_offsetof(TYPE, MEMBER)
#endif
#if (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L) || !defined(__STRICT_ANSI__)
#ifndef _GCC_MAX_ALIGN_T
#define _GCC_MAX_ALIGN_T
/* The most aligned scalar types, as GCC lays max_align_t out. */
typedef struct {
  long long __ccc_max_align_ll __attribute__((__aligned__(__alignof__(long long))));
  long double __ccc_max_align_ld __attribute__((__aligned__(__alignof__(long double))));
} max_align_t;
#endif
#endif
#if defined(__STDC_VERSION__) && __STDC_VERSION__ > 201710L
#ifndef unreachable
#define unreachable() (__builtin_unreachable())
#endif
#endif
#endif
