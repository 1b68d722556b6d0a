/* An object of incomplete type. expect: 3:15: error: */
struct Opaque;
struct Opaque o;
int main(void) { return 0; }
