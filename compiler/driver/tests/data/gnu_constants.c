/* GNU constants the kernel relies on, compared with GCC -O2's output:
   __builtin_object_size of objects the front end sees, and a scalar compound
   literal in a static initializer (the kernel's STM32 clock tables). */
#include <stdio.h>
struct in { int a; char name[10]; };
struct S { int x; char buf[64]; struct in in; char tail[8]; };
struct F { int n; char data[4]; };
char g[100];
struct gate { int x; };
struct gate g1;
struct cfg { int id; void *p; long v; };
static const struct cfg tab[] = { { 1, (struct gate *){ &g1 }, (long){ 5 } }, { 2, (void *)0, 3 } };

int main(void) {
    struct S s;
    struct S *p = &s;
    struct F *f = 0;
    printf("%zu %zu %zu\n", __builtin_object_size(g, 0), __builtin_object_size(g + 10, 1), __builtin_object_size(&g[20], 2));
    printf("%zu %zu %zu %zu\n", __builtin_object_size(s.buf, 1), __builtin_object_size(s.buf, 0), __builtin_object_size(&s.buf[3], 1), __builtin_object_size(&s.in, 1));
    printf("%zu %zu %zu\n", __builtin_object_size(p->buf, 1), __builtin_object_size(f->data, 1), __builtin_object_size(f->data, 3));
    printf("%zu %zu %zu %zu\n", __builtin_object_size("hello", 0), __builtin_object_size(s.tail, 1), __builtin_object_size(&s, 0), __builtin_object_size((char *)&s + 4, 0));
    printf("%d %d %ld\n", tab[0].p == &g1, tab[1].id, tab[0].v);
    return 0;
}
