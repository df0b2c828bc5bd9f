#include "marsfail.h"
int conform_main(const struct fail_opts *o) { (void)o; return 2; }
int complete_main(int argc, char **argv) { (void)argc; (void)argv; return 0; }
