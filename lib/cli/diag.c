/*
 * Diagnostics of the programs (diag.h).  Rare paths: formatted with
 * stdio, one line per diagnostic, never mixed into standard output.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "cli/diag.h"

#define EXIT_USAGE	2	/* every program's usage status */

static const char *prog = "mars";
static bool as_json;

void
diag_init(const char *program, int argc, char *const *argv)
{
	int i;

	prog = program;
	as_json = false;
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			as_json = true;
}

void
diag_set_json(bool json)
{
	as_json = json;
}

bool
diag_is_json(void)
{
	return as_json;
}

const char *
diag_program(void)
{
	return prog;
}

void
diag_json_str(FILE *fp, const char *s)
{
	unsigned char c;

	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	putc('"', fp);
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20)
			fprintf(fp, "\\u%04x", c);
		else
			putc(c, fp);
	}
	putc('"', fp);
}

/*
 * Text: "PROG: FILE:LINE: [warning: ]message", or "PROG: FILE: ..."
 * without a line unless the message already starts with the file
 * (libpcap's and the cluster file's messages name it themselves).
 */
void
diag_write(const char *type, const char *file, long line, long long offset,
    const char *field, const char *msg,
    void (*extra)(void *ctx, FILE *text, FILE *json), void *ctx)
{
	fflush(stdout);
	if (!as_json) {
		fprintf(stderr, "%s: ", prog);
		if (file != NULL && line > 0)
			fprintf(stderr, "%s:%ld: ", file, line);
		else if (file != NULL && strncmp(msg, file, strlen(file)) != 0)
			fprintf(stderr, "%s: ", file);
		if (strcmp(type, "warning") == 0)
			fputs("warning: ", stderr);
		fputs(msg, stderr);
		if (extra != NULL)
			extra(ctx, stderr, NULL);
		putc('\n', stderr);
		return;
	}
	fprintf(stderr, "{\"type\":\"%s\",\"program\":", type);
	diag_json_str(stderr, prog);
	fputs(",\"message\":", stderr);
	diag_json_str(stderr, msg);
	fputs(",\"file\":", stderr);
	diag_json_str(stderr, file);
	if (line > 0)
		fprintf(stderr, ",\"line\":%ld", line);
	else
		fputs(",\"line\":null", stderr);
	if (offset >= 0)
		fprintf(stderr, ",\"offset\":%lld", offset);
	else
		fputs(",\"offset\":null", stderr);
	fputs(",\"field\":", stderr);
	diag_json_str(stderr, field);
	if (extra != NULL)
		extra(ctx, NULL, stderr);
	fputs("}\n", stderr);
}

static void
vdiag(const char *type, const char *file, long line, long long offset,
    const char *field, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	diag_write(type, file, line, offset, field, msg, NULL, NULL);
}

void
diag_at(const char *type, const char *file, long line, long long offset,
    const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(type, file, line, offset, field, fmt, ap);
	va_end(ap);
}

void
diag_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag("error", NULL, 0, -1, NULL, fmt, ap);
	va_end(ap);
}

void
diag_warn(const char *file, long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag("warning", file, line, -1, NULL, fmt, ap);
	va_end(ap);
}

void
diag_fatal(int status, const char *file, long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag("error", file, line, -1, NULL, fmt, ap);
	va_end(ap);
	exit(status);
}

void
diag_usage(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_fatal(EXIT_USAGE, NULL, 0, "%s (see %s --help)", msg, prog);
}

void
diag_bad_option(int ch, char *const *argv)
{
	char opt[3] = { '-', (char)optopt, '\0' };
	const char *name = optopt != 0 ? opt : argv[optind - 1];

	if (ch == ':')
		diag_usage("option needs an argument: %s", name);
	diag_usage("unknown option: %s", name);
}

void
diag_drop_privileges(const char *user)
{
	struct passwd *pw;

	if ((pw = getpwnam(user)) == NULL)
		diag_fatal(EXIT_USAGE, NULL, 0, "-Z %s: no such user", user);
	if (geteuid() != 0) {
		if (pw->pw_uid != getuid())
			diag_fatal(EXIT_USAGE, NULL, 0,
			    "-Z %s: changing user needs root", user);
		return;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
	    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
		diag_fatal(EXIT_USAGE, NULL, 0, "-Z %s: %s", user,
		    strerror(errno));
	/* A process that could become root again has dropped nothing. */
	if (pw->pw_uid != 0 && setuid(0) == 0)
		diag_fatal(EXIT_USAGE, NULL, 0,
		    "-Z %s: could still regain root", user);
}
