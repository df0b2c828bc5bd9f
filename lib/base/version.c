/*
 * The version of the library the program runs with (version.h), which
 * can differ from the headers it was compiled with once libmars is a
 * shared library.
 */
#include "mars/version.h"

const char *
mars_version(void)
{
	return MARS_VERSION_STRING;
}
