/* The #error directive. expect: 3:2: error: */
#if 1
#error stop here
#endif
