/* ccc's <immintrin.h>: the SSE/SSE2 subset ccc provides (see <emmintrin.h>).
   Wider extensions (AVX...) are not available. */
#ifndef _CCC_IMMINTRIN_H
#define _CCC_IMMINTRIN_H
#include <emmintrin.h>
#endif
