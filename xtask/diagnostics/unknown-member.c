/* A member that does not exist. expect: 5:13: error: */
struct P { int x, y; };
int f(struct P *p)
{
    return p->z;
}
