/* A declaration without its semicolon. expect: 5:5: error: */
int main(void)
{
    int x = 1
    return x;
}
