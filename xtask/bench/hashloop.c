/* Hashing and bit manipulation over a large buffer (loads, shifts, multiplies, calls). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v * 0x9e3779b97f4a7c15ull;
    h = (h << 27) | (h >> 37);
    return h * 0xbf58476d1ce4e5b9ull + 0x94d049bb133111ebull;
}

int main(void) {
    size_t n = 1 << 22;
    uint32_t *buf = malloc(n * sizeof *buf);
    if (!buf) return 1;
    uint32_t x = 1;
    for (size_t i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; buf[i] = x; }
    uint64_t h = 0;
    for (int round = 0; round < 20; round++)
        for (size_t i = 0; i < n; i++) h = mix(h, buf[i] + (uint64_t)round);
    unsigned pop = 0;
    for (size_t i = 0; i < n; i++) pop += __builtin_popcount(buf[i]);
    printf("%016llx %u\n", (unsigned long long)h, pop);
    free(buf);
    return 0;
}
