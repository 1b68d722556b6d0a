/* SSE/SSE2 intrinsics of compiler/include, exercised on pseudo-random data.
   sse2.expected is the output of this program built by GCC 12 with GCC's own
   headers, so it checks that our headers compute what GCC's do. */
#include <emmintrin.h>
#include <stdio.h>
#include <string.h>
static unsigned char in[4][16];
static void p(const char *n, __m128i v) { unsigned char b[16]; memcpy(b, &v, 16); printf("%-14s", n); for (int i = 0; i < 16; i++) printf("%02x", b[i]); printf("\n"); }
static void pf(const char *n, __m128 v) { float f[4]; memcpy(f, &v, 16); printf("%-14s %g %g %g %g\n", n, f[0], f[1], f[2], f[3]); }
static void pd(const char *n, __m128d v) { double f[2]; memcpy(f, &v, 16); printf("%-14s %g %g\n", n, f[0], f[1]); }
int main(void) {
  unsigned s = 12345;
  for (int k = 0; k < 4; k++) for (int i = 0; i < 16; i++) { s = s * 1103515245 + 12345; in[k][i] = (unsigned char)(s >> 16); }
  in[1][3] = in[0][3]; in[1][7] = in[0][7];
  for (int r = 0; r < 3; r++) {
    __m128i a = _mm_loadu_si128(in[r]); __m128i b = _mm_loadu_si128(in[r + 1]);
    p("add8", _mm_add_epi8(a, b)); p("add16", _mm_add_epi16(a, b)); p("add32", _mm_add_epi32(a, b)); p("add64", _mm_add_epi64(a, b));
    p("sub8", _mm_sub_epi8(a, b)); p("sub16", _mm_sub_epi16(a, b)); p("sub32", _mm_sub_epi32(a, b)); p("sub64", _mm_sub_epi64(a, b));
    p("mullo16", _mm_mullo_epi16(a, b)); p("and", _mm_and_si128(a, b)); p("andnot", _mm_andnot_si128(a, b)); p("or", _mm_or_si128(a, b)); p("xor", _mm_xor_si128(a, b));
    p("cmpeq8", _mm_cmpeq_epi8(a, b)); p("cmpeq16", _mm_cmpeq_epi16(a, b)); p("cmpeq32", _mm_cmpeq_epi32(a, b));
    p("cmpgt8", _mm_cmpgt_epi8(a, b)); p("cmpgt16", _mm_cmpgt_epi16(a, b)); p("cmpgt32", _mm_cmpgt_epi32(a, b));
    p("cmplt8", _mm_cmplt_epi8(a, b)); p("cmplt16", _mm_cmplt_epi16(a, b)); p("cmplt32", _mm_cmplt_epi32(a, b));
    p("minu8", _mm_min_epu8(a, b)); p("maxu8", _mm_max_epu8(a, b)); p("min16", _mm_min_epi16(a, b)); p("max16", _mm_max_epi16(a, b));
    p("subsu8", _mm_subs_epu8(a, b)); p("addsu8", _mm_adds_epu8(a, b)); p("subsu16", _mm_subs_epu16(a, b)); p("avgu8", _mm_avg_epu8(a, b)); p("sad", _mm_sad_epu8(a, b));
    p("slli16", _mm_slli_epi16(a, 3)); p("slli32", _mm_slli_epi32(a, 31)); p("slli64", _mm_slli_epi64(a, 17)); p("slli16big", _mm_slli_epi16(a, 16));
    p("srli16", _mm_srli_epi16(a, 5)); p("srli32", _mm_srli_epi32(a, 1)); p("srli64", _mm_srli_epi64(a, 63)); p("srli64big", _mm_srli_epi64(a, 64));
    p("srai16", _mm_srai_epi16(a, 4)); p("srai32", _mm_srai_epi32(a, 40)); p("slli128", _mm_slli_si128(a, 5)); p("srli128", _mm_srli_si128(a, 3)); p("srli128z", _mm_srli_si128(a, 16));
    printf("movemask %x\n", _mm_movemask_epi8(a));
    p("shuf32", _mm_shuffle_epi32(a, 0x1b)); p("shuf32b", _mm_shuffle_epi32(a, _MM_SHUFFLE(2, 2, 0, 1)));
    p("unlo8", _mm_unpacklo_epi8(a, b)); p("unhi8", _mm_unpackhi_epi8(a, b)); p("unlo16", _mm_unpacklo_epi16(a, b)); p("unhi16", _mm_unpackhi_epi16(a, b));
    p("unlo32", _mm_unpacklo_epi32(a, b)); p("unhi32", _mm_unpackhi_epi32(a, b)); p("unlo64", _mm_unpacklo_epi64(a, b)); p("unhi64", _mm_unpackhi_epi64(a, b));
    p("packus16", _mm_packus_epi16(a, b)); p("packs16", _mm_packs_epi16(a, b)); p("packs32", _mm_packs_epi32(a, b));
    printf("extract16 %x %x\n", _mm_extract_epi16(a, 1), _mm_extract_epi16(a, 7));
    p("set8", _mm_set_epi8(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,-16)); p("setr8", _mm_setr_epi8(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,-16));
    p("set16", _mm_set_epi16(1,2,3,4,5,6,7,-8)); p("setr16", _mm_setr_epi16(1,2,3,4,5,6,7,-8)); p("set32", _mm_set_epi32(1,2,3,-4)); p("setr32", _mm_setr_epi32(1,2,3,-4));
    p("set64", _mm_set_epi64x(1, -2)); p("set1_8", _mm_set1_epi8((char)0x9c)); p("set1_16", _mm_set1_epi16(-3)); p("set1_32", _mm_set1_epi32(7)); p("set1_64", _mm_set1_epi64x(-9));
    p("cvt32", _mm_cvtsi32_si128(-5)); p("cvt64", _mm_cvtsi64_si128(-5)); printf("cvtback %d %lld\n", _mm_cvtsi128_si32(a), _mm_cvtsi128_si64(a));
    p("loadl", _mm_loadl_epi64(in[r])); p("move", _mm_move_epi64(a)); p("zero", _mm_setzero_si128());
    unsigned char out[16]; _mm_storeu_si128(out, b); p("store", _mm_loadu_si128(out)); memset(out, 0, 16); _mm_storel_epi64(out, a); p("storel", _mm_loadu_si128(out));
    __m128 fa = _mm_setr_ps(1.5f, -2.0f, (float)r, 0.25f); __m128 fb = _mm_set_ps(3.0f, -2.0f, 1.0f, 0.5f);
    pf("addps", _mm_add_ps(fa, fb)); pf("subps", _mm_sub_ps(fa, fb)); pf("mulps", _mm_mul_ps(fa, fb)); pf("divps", _mm_div_ps(fa, fb));
    pf("minps", _mm_min_ps(fa, fb)); pf("maxps", _mm_max_ps(fa, fb)); p("cmpltps", _mm_castps_si128(_mm_cmplt_ps(fa, fb))); p("cmpeqps", _mm_castps_si128(_mm_cmpeq_ps(fa, fb)));
    printf("movemaskps %x\n", _mm_movemask_ps(_mm_cmpge_ps(fa, fb))); pf("shufps", _mm_shuffle_ps(fa, fb, _MM_SHUFFLE(0, 3, 2, 1)));
    pf("unlops", _mm_unpacklo_ps(fa, fb)); pf("unhips", _mm_unpackhi_ps(fa, fb)); pf("xorps", _mm_xor_ps(fa, _mm_set1_ps(-0.0f))); pf("andnps", _mm_andnot_ps(_mm_set1_ps(-0.0f), fa));
    pf("set1", _mm_set1_ps(2.5f)); pf("setss", _mm_set_ss(4.0f)); printf("cvtss %g\n", _mm_cvtss_f32(fa));
    __m128d da = _mm_set_pd(1.5, -3.0); __m128d db = _mm_setr_pd(0.5, 4.0);
    pd("addpd", _mm_add_pd(da, db)); pd("subpd", _mm_sub_pd(da, db)); pd("mulpd", _mm_mul_pd(da, db)); pd("divpd", _mm_div_pd(da, db)); printf("cvtsd %g\n", _mm_cvtsd_f64(da));
    pd("xorpd", _mm_xor_pd(da, _mm_set1_pd(-0.0))); pd("set1pd", _mm_set1_pd(7.0)); pd("zero", _mm_setzero_pd());
  }
  _mm_lfence(); _mm_mfence(); _mm_sfence(); _mm_pause(); _mm_clflush(in);
  return 0;
}
