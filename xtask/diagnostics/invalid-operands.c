/* Arithmetic on a struct. expect: 5:14: error: */
struct S { int a; };
int f(struct S s)
{
    return s + 1;
}
