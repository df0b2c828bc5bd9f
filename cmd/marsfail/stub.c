#include "marsfail.h"
int lab_backend(struct fail_run *r, struct backend *b) { (void)r; (void)b; return MARS_E_INVAL; }
int conform_main(const struct fail_opts *o) { (void)o; return 2; }
int complete_main(int argc, char **argv) { (void)argc; (void)argv; return 0; }
int report_html(const char *path, struct fail_run *r) { (void)path; (void)r; return -1; }
