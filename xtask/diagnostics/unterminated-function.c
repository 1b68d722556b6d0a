/* End of file inside a function body. expect: 4:5: error: */
int f(void)
{
    return 0;
