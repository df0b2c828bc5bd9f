/*
 * marsdump's diagnostics (diag.h).  Rare paths: formatted with stdio,
 * written in one fprintf per line, never interleaved with the messages
 * on standard output.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"

static bool as_json;

void
diag_json(bool json)
{
	as_json = json;
}

bool
diag_is_json(void)
{
	return as_json;
}

/* A JSON string of s: quotes, backslashes and control characters escaped. */
void
diag_json_str(FILE *fp, const char *s)
{
	unsigned char c;

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

static void
vdiag(const char *type, const char *file, long long offset, const char *field,
    const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fflush(stdout);
	if (!as_json) {
		fprintf(stderr, "marsdump: %s\n", msg);
		return;
	}
	fprintf(stderr, "{\"type\":\"%s\",\"program\":\"marsdump\","
	    "\"message\":", type);
	diag_json_str(stderr, msg);
	fputs(",\"file\":", stderr);
	if (file != NULL)
		diag_json_str(stderr, file);
	else
		fputs("null", stderr);
	fputs(",\"line\":null,\"offset\":", stderr);
	if (offset >= 0)
		fprintf(stderr, "%lld", offset);
	else
		fputs("null", stderr);
	fputs(",\"field\":", stderr);
	if (field != NULL)
		diag_json_str(stderr, field);
	else
		fputs("null", stderr);
	fputs("}\n", stderr);
}

void
diag(const char *type, const char *file, long long offset, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(type, file, offset, field, fmt, ap);
	va_end(ap);
}

void
diag_exit(int status, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag("error", file, -1, NULL, fmt, ap);
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
	diag("error", NULL, -1, NULL, "%s (see marsdump --help)", msg);
	exit(EXIT_USAGE);
}
