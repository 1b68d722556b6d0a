/* An include that cannot be found stops compilation. expect: 2:10: fatal error: */
#include "no-such-header-for-ccc.h"
int main(void) { return 0; }
