/* Two incompatible declarations of one name. expect: 3:7: error: */
int a;
float a;
