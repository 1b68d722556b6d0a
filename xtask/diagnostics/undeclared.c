/* Use of an undeclared identifier. expect: 4:12: error: */
int main(void)
{
    return counter;
}
