/* Calling something that is not a function. expect: 5:12: error: */
int x;
int f(void)
{
    return x();
}
