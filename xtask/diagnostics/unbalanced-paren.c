/* A missing closing parenthesis. expect: 5:21: error: */
int g(int);
int f(int a)
{
    return g((a + 1);
}
