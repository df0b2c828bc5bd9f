/*
 * marsping's diagnostics on standard error: "marsping: ..." lines, or
 * under --json one object per line as mars-json(7) says, so that every
 * line marsping writes is JSON then:
 *
 *   {"type":"error","program":"marsping","message":"...","file":null,
 *    "line":null,"offset":null,"field":null}
 *
 * A warning has the same keys with type "warning", and three more that
 * say what it is about: "reasons" (the RFC 2022 rules the MARS broke, by
 * their names in marsdump(1), [] for none), "mars" (its ATM address) and
 * "endpoint" (its transport endpoint), null when not known.  The client's
 * log (-vv) is "marsping: client: ..." or an object of type "log":
 *
 *   {"type":"log","program":"marsping","level":"info","message":"..."}
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/msg.h"

#include "marsping.h"

static bool diag_json;

void
mp_diag_json(bool on)
{
	diag_json = on;
}

bool
mp_diag_is_json(void)
{
	return diag_json;
}

static void
json_str_or_null(struct mars_out *ob, const char *s)
{
	if (s == NULL)
		mars_out_puts(ob, "null");
	else
		mars_out_json_str(ob, s);
}

void
mp_diag(const struct mp_diag *d, const char *fmt, ...)
{
	char msg[1024], store[4096];
	struct mars_out ob;
	va_list ap;
	unsigned bit;
	bool first = true;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mars_out_init(&ob, STDERR_FILENO, store, sizeof(store));
	if (!diag_json) {
		mars_out_puts(&ob, "marsping: ");
		if (d->warning)
			mars_out_puts(&ob, "warning: ");
		mars_out_puts(&ob, msg);
		for (bit = 1; bit <= MARS_NC_ALL; bit <<= 1) {
			if (!(d->nonconf & bit) || mars_nonconf_name(bit) == NULL)
				continue;
			mars_out_puts(&ob, first ? " [" : "; ");
			mars_out_puts(&ob, mars_nonconf_name(bit));
			mars_out_puts(&ob, " (");
			mars_out_puts(&ob, mars_nonconf_ref(bit));
			mars_out_putc(&ob, ')');
			first = false;
		}
		if (!first)
			mars_out_putc(&ob, ']');
		mars_out_putc(&ob, '\n');
		mars_out_flush(&ob);
		return;
	}
	mars_out_puts(&ob, d->warning ? "{\"type\":\"warning\"" :
	    "{\"type\":\"error\"");
	mars_out_puts(&ob, ",\"program\":\"marsping\",\"message\":");
	mars_out_json_str(&ob, msg);
	mars_out_puts(&ob, ",\"file\":");
	json_str_or_null(&ob, d->file);
	mars_out_puts(&ob, ",\"line\":");
	if (d->line > 0)
		mars_out_u64(&ob, (uint64_t)d->line);
	else
		mars_out_puts(&ob, "null");
	mars_out_puts(&ob, ",\"offset\":null,\"field\":");
	json_str_or_null(&ob, d->field);
	if (d->warning) {
		mars_out_puts(&ob, ",\"reasons\":[");
		for (bit = 1; bit <= MARS_NC_ALL; bit <<= 1) {
			if (!(d->nonconf & bit) || mars_nonconf_name(bit) == NULL)
				continue;
			if (!first)
				mars_out_putc(&ob, ',');
			mars_out_json_str(&ob, mars_nonconf_name(bit));
			first = false;
		}
		mars_out_puts(&ob, "],\"mars\":");
		mp_json_atm(&ob, d->mars);
		mars_out_puts(&ob, ",\"endpoint\":");
		json_str_or_null(&ob, d->endpoint);
	}
	mars_out_puts(&ob, "}\n");
	mars_out_flush(&ob);
}

void
mp_error(const char *fmt, ...)
{
	struct mp_diag d;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memset(&d, 0, sizeof(d));
	mp_diag(&d, "%s", msg);
}

void
mp_fatal(const char *fmt, ...)
{
	struct mp_diag d;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memset(&d, 0, sizeof(d));
	mp_diag(&d, "%s", msg);
	exit(EXIT_USAGE);
}

void
mp_log(int level, const char *msg)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err",
	    "warning", "notice", "info", "debug" };
	char store[1024];
	struct mars_out ob;

	mars_out_init(&ob, STDERR_FILENO, store, sizeof(store));
	if (!diag_json) {
		mars_out_puts(&ob, "marsping: client: ");
		mars_out_puts(&ob, msg);
	} else {
		mars_out_puts(&ob, "{\"type\":\"log\",\"program\":"
		    "\"marsping\",\"level\":\"");
		mars_out_puts(&ob, names[level >= 0 && level < 8 ? level : 6]);
		mars_out_puts(&ob, "\",\"message\":");
		mars_out_json_str(&ob, msg);
		mars_out_putc(&ob, '}');
	}
	mars_out_putc(&ob, '\n');
	mars_out_flush(&ob);
}
