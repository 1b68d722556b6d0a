/* A string literal that never ends. expect: 2:17: error: */
const char *s = "abc;
int main(void) { return 0; }
