/*
 * A program's diagnostics on standard error, as mars-json(7)
 * "Diagnostics" has them: "PROGRAM: [FILE:LINE: ]message" lines, or under
 * --json one object per diagnostic:
 *
 *   {"type":"error","program":"marsdump","message":"...","file":null,
 *    "line":null,"offset":null,"field":null}
 *
 * message is the text printed without --json; file, line, offset (a byte
 * in a file or a position in an expression) and field say where, when
 * known.  Standard output is flushed first so the two streams stay in
 * order on a terminal.  Internal to the programs (cli layer).
 */
#ifndef CLI_DIAG_H
#define CLI_DIAG_H

#include <stdbool.h>
#include <stdio.h>

/*
 * The program's name for every line; JSON when argv holds --json before
 * any "--" (known before options are parsed, so usage errors are JSON
 * too).
 */
void	diag_init(const char *program, int argc, char *const *argv);
void	diag_set_json(bool json);
bool	diag_is_json(void);
const char *diag_program(void);

/*
 * One diagnostic of type ("error", "warning"): file and line (0: none),
 * offset (-1: none) and field say where; any may be absent.
 */
void	diag_at(const char *type, const char *file, long line,
	    long long offset, const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
void	diag_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	diag_warn(const char *file, long line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* An error, then exit(status). */
void	diag_fatal(int status, const char *file, long line, const char *fmt,
	    ...) __attribute__((format(printf, 4, 5), noreturn));
/*
 * The general form: extra, when not NULL, adds after the message in text
 * (text != NULL) or more ",key:value" members in JSON (json != NULL) --
 * marsping's warnings name the rules a MARS broke.
 */
void	diag_write(const char *type, const char *file, long line,
	    long long offset, const char *field, const char *msg,
	    void (*extra)(void *ctx, FILE *text, FILE *json), void *ctx);
/* A usage error: one line naming it, "(see PROGRAM --help)"; exit(2). */
void	diag_usage(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/*
 * getopt_long(3) returned ch, ':' (an option without its argument) or
 * '?' (an unknown one): a usage error naming it -- getopt leaves optopt 0
 * for long options, so they are named from argv.  Needs opterr = 0 and an
 * optstring that starts with ':'.
 */
void	diag_bad_option(int ch, char *const *argv)
	    __attribute__((noreturn));
/* Like tcpdump -Z: leave root for user once what needed it is open. */
void	diag_drop_privileges(const char *user);
/* s as a JSON string (quoted, escaped), or null for NULL. */
void	diag_json_str(FILE *fp, const char *s);

#endif
