/*
 * marsfail's diagnostics on standard error: "marsfail: FILE:LINE: message"
 * lines, or under --json one mars-json(7) object per diagnostic:
 *
 *   {"type":"error","program":"marsfail","message":"...","file":"x.drill",
 *    "line":12,"offset":null,"field":null}
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "marsfail.h"

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

void
json_str(FILE *fp, const char *s)
{
	unsigned char ch;

	if (s == NULL) {
		fputs("null", fp);
		return;
	}
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
vdiag(const char *type, const char *file, unsigned line, const char *fmt,
    va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fflush(stdout);
	if (!as_json) {
		if (file != NULL && line > 0)
			fprintf(stderr, "marsfail: %s:%u: %s\n", file, line,
			    msg);
		else if (file != NULL)
			fprintf(stderr, "marsfail: %s: %s\n", file, msg);
		else
			fprintf(stderr, "marsfail: %s\n", msg);
		return;
	}
	fprintf(stderr, "{\"type\":\"%s\",\"program\":\"marsfail\","
	    "\"message\":", type);
	json_str(stderr, msg);
	fputs(",\"file\":", stderr);
	json_str(stderr, file);
	if (line > 0)
		fprintf(stderr, ",\"line\":%u", line);
	else
		fputs(",\"line\":null", stderr);
	fputs(",\"offset\":null,\"field\":null}\n", stderr);
}

void
diag_warn(const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag("warning", file, line, fmt, ap);
	va_end(ap);
}

void
diag_exit(int status, const char *file, unsigned line, const char *fmt, ...)
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
	diag_exit(EXIT_USAGE, NULL, 0, "%s (see marsfail --help)", msg);
}
