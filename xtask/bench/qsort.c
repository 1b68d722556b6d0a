/* Sorting with qsort callbacks and a hand-written merge sort (memory traffic, recursion). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void msort(int *a, int *tmp, int n) {
    if (n < 2) return;
    int h = n / 2;
    msort(a, tmp, h);
    msort(a + h, tmp, n - h);
    int i = 0, j = h, k = 0;
    while (i < h && j < n) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
    while (i < h) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

int main(void) {
    int n = 2000000;
    int *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *t = malloc(n * sizeof *t);
    if (!a || !b || !t) return 1;
    unsigned s = 12345;
    for (int i = 0; i < n; i++) { s = s * 1103515245u + 12345u; a[i] = b[i] = (int)(s >> 1); }
    qsort(a, n, sizeof *a, cmp);
    msort(b, t, n);
    long long sum = 0;
    for (int i = 0; i < n; i += 1000) sum += a[i] ^ b[i];
    printf("%d %d %lld %d\n", a[0], a[n - 1], sum, memcmp(a, b, n * sizeof *a) == 0);
    return 0;
}
