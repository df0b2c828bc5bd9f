/*
 * marsmap's diagnostics on standard error: "marsmap: message" lines, or
 * under --json one mars-json(7) object per diagnostic:
 *
 *   {"type":"error","program":"marsmap","message":"...","file":null,
 *    "line":null,"offset":null,"field":null}
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "marsmap.h"

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

static void
json_str(FILE *fp, const char *s)
{
	unsigned char ch;

	putc('"', fp);
	for (; (ch = (unsigned char)*s) != '\0'; s++) {
		if (ch == '"' || ch == '\\')
			fprintf(fp, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(fp, "\\u%04x", ch);
		else
			putc(ch, fp);
	}
	putc('"', fp);
}

static void
vdiag(const char *type, const char *file, long long line, const char *fmt,
    va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fflush(stdout);
	if (!as_json) {
		fprintf(stderr, "marsmap: %s\n", msg);
		return;
	}
	fprintf(stderr, "{\"type\":\"%s\",\"program\":\"marsmap\","
	    "\"message\":", type);
	json_str(stderr, msg);
	fputs(",\"file\":", stderr);
	if (file != NULL)
		json_str(stderr, file);
	else
		fputs("null", stderr);
	if (line > 0)
		fprintf(stderr, ",\"line\":%lld", line);
	else
		fputs(",\"line\":null", stderr);
	fputs(",\"offset\":null,\"field\":null}\n", stderr);
}

void
diag(const char *type, const char *file, long long line, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(type, file, line, fmt, ap);
	va_end(ap);
}

void
diag_exit(int status, const char *file, long long line, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag("error", file, line, fmt, ap);
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
	diag("error", NULL, 0, "%s (see marsmap --help)", msg);
	exit(EXIT_USAGE);
}
