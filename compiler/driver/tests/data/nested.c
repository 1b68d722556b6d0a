/* GNU nested functions: captures, recursion, trampolines, VLA sizes,
   deeper nesting, non-local goto and &&label of an enclosing label. */
#include <stdio.h>
#include <stdlib.h>

static int apply(int (*f)(int), int x) { return f(x); }

static void call_back(void (*f)(void)) { f(); }

static int jump_out(int n) {
  __label__ out;
  void leave(void) { goto out; }
  if (n > 0)
    call_back(leave);
  return 0;
out:
  return n * 100;
}

static void scribble(void) {
  volatile char junk[512];
  for (int i = 0; i < 512; i++)
    junk[i] = 0x77;
}

/* A VLA allocated before the jump back must survive it. */
static int vla_then_jump(int n) {
  __label__ out;
  char vla[n];
  for (int i = 0; i < n; i++)
    vla[i] = 1;
  void leave(void) { goto out; }
  call_back(leave);
  return -1;
out:
  scribble();
  int s = 0;
  for (int i = 0; i < n; i++)
    s += vla[i];
  return s;
}

static void *pick(int k) {
  __label__ one, two;
  void *which(void) { return k ? &&one : &&two; }
  goto *which();
one:
  return "one";
two:
  return "two";
}

int main(void) {
  int base = 10, calls = 0;
  int arr[6] = {5, 3, 9, 1, 7, 2};
  int add(int x) { calls++; return x + base; }
  int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
  int cmp(const void *a, const void *b) { calls++; return *(const int *)a - *(const int *)b; }
  auto int twice(int);
  int twice(int x) { return add(add(x)); }
  printf("%d %d %d\n", add(1), fact(6), twice(1));
  qsort(arr, 6, sizeof arr[0], cmp);
  for (int i = 0; i < 6; i++)
    printf("%d ", arr[i]);
  printf("%d\n", calls > 6);
  printf("%d\n", apply(add, 100));
  int n = 3, m = 4;
  int grid[n][m];
  int fill(void) {
    for (int i = 0; i < n; i++)
      for (int j = 0; j < m; j++)
        grid[i][j] = i * 10 + j;
    return sizeof grid + sizeof grid[0];
  }
  int filled = fill();
  printf("%d %d\n", filled, grid[2][3]);
  int outer(int k) {
    int deep(int j) { return j + k + n + (int)sizeof grid[0]; }
    return deep(k) + apply(add, k);
  }
  printf("%d\n", outer(3));
  int bump(int a[2][++n]) { return sizeof a[0]; }
  int b1 = bump(0);
  int b2 = bump(0);
  printf("%d %d %d\n", b1, b2, n);
  printf("%d %d %s %s\n", jump_out(0), jump_out(7), (char *)pick(1), (char *)pick(0));
  printf("%d\n", vla_then_jump(64));
  return 0;
}
