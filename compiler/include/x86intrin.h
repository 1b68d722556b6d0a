/* ccc's <x86intrin.h>: the SSE/SSE2 subset ccc provides (see <emmintrin.h>).
   Wider extensions (AVX...) are not available. */
#ifndef _CCC_X86INTRIN_H
#define _CCC_X86INTRIN_H
#include <emmintrin.h>
#endif
