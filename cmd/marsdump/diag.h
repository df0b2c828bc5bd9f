/*
 * marsdump's diagnostics on standard error: "marsdump: message" lines,
 * or under --json one object per diagnostic as mars-json(7) has it:
 *
 *   {"type":"error","program":"marsdump","message":"...","file":null,
 *    "line":null,"offset":null,"field":null}
 *
 * message is the text printed without --json; file and offset say where
 * when known (offset: a byte in a file, or a position in an expression).
 */
#ifndef MARSDUMP_DIAG_H
#define MARSDUMP_DIAG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_FAIL	1	/* --strict and a bad message; a truncated file */
#define EXIT_USAGE	2	/* bad usage, input, link type or filter */

void	diag_json(bool json);
bool	diag_is_json(void);

/* offset < 0: none.  file NULL: none. */
void	diag(const char *type, const char *file, long long offset,
	    const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
void	diag_exit(int status, const char *file, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4), noreturn));
/* s as a JSON string (quoted, escaped). */
void	diag_json_str(FILE *fp, const char *s);
/* A usage error: one line naming it and pointing to --help; exit 2. */
void	diag_usage(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
