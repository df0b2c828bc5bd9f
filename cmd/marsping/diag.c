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

#include "cli/diag.h"
#include "marsping.h"

/* What a warning adds: the rules broken, the MARS and its endpoint. */
static void
warning_extra(void *ctx, FILE *text, FILE *json)
{
	const struct mp_diag *d = ctx;
	char store[256];
	struct mars_out ob;
	unsigned bit;
	bool first = true;

	if (text != NULL) {
		for (bit = 1; bit <= MARS_NC_ALL; bit <<= 1) {
			if (!(d->nonconf & bit) || mars_nonconf_name(bit) == NULL)
				continue;
			fprintf(text, "%s%s (%s)", first ? " [" : "; ",
			    mars_nonconf_name(bit), mars_nonconf_ref(bit));
			first = false;
		}
		if (!first)
			putc(']', text);
		return;
	}
	fputs(",\"reasons\":[", json);
	for (bit = 1; bit <= MARS_NC_ALL; bit <<= 1) {
		if (!(d->nonconf & bit) || mars_nonconf_name(bit) == NULL)
			continue;
		if (!first)
			putc(',', json);
		diag_json_str(json, mars_nonconf_name(bit));
		first = false;
	}
	fputs("],\"mars\":", json);
	mars_out_init(&ob, -1, store, sizeof(store));
	mp_json_atm(&ob, d->mars);
	fwrite(ob.buf, 1, ob.len, json);
	fputs(",\"endpoint\":", json);
	diag_json_str(json, d->endpoint);
}

void
mp_diag(const struct mp_diag *d, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_write(d->warning ? "warning" : "error", d->file, d->line, -1,
	    d->field, msg, d->warning ? warning_extra : NULL, (void *)d);
}

void
mp_log(int level, const char *msg)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err",
	    "warning", "notice", "info", "debug" };

	fflush(stdout);
	if (!diag_is_json()) {
		fprintf(stderr, "marsping: client: %s\n", msg);
		return;
	}
	fputs("{\"type\":\"log\",\"program\":\"marsping\",\"level\":\"",
	    stderr);
	fputs(names[level >= 0 && level < 8 ? level : 6], stderr);
	fputs("\",\"message\":", stderr);
	diag_json_str(stderr, msg);
	fputs("}\n", stderr);
}
