/*
 * The version of libmars, the one place it is written: the GNUmakefile
 * reads the three numbers below for the shared library's file name and
 * soname (libmars.so.MAJOR), pkg-config and --version of the programs.
 *
 * MARS_VERSION_STRING is the version of the headers a program was
 * compiled with, mars_version() that of the library it runs with.
 */
#ifndef MARS_VERSION_H
#define MARS_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

#define MARS_VERSION_MAJOR	0
#define MARS_VERSION_MINOR	1
#define MARS_VERSION_PATCH	0

/* "MAJOR.MINOR.PATCH", spelled from the numbers above. */
#define MARS_VERSION_STR_(n)	#n
#define MARS_VERSION_XSTR_(n)	MARS_VERSION_STR_(n)
#define MARS_VERSION_STRING						\
	MARS_VERSION_XSTR_(MARS_VERSION_MAJOR) "."			\
	MARS_VERSION_XSTR_(MARS_VERSION_MINOR) "."			\
	MARS_VERSION_XSTR_(MARS_VERSION_PATCH)

/* The library's version, e.g. "0.1.0". */
const char	*mars_version(void);

#ifdef __cplusplus
}
#endif

#endif
