/*
 * What marsd tells its user outside the log (marsd(8) DIAGNOSTICS): the
 * error that stops it, warnings about its settings, the verdict of -t
 * and the line that says where it listens.  Text is "marsd: ..." on
 * standard error; under --json each is one mars-json(7) object:
 *
 *   {"type":"error","program":"marsd","message":"...","file":"x.conf",
 *    "line":8,"offset":null,"field":null}            (stderr; "warning" too)
 *   {"type":"check","program":"marsd","file":"x.conf","entity":null,
 *    "ok":true,"entities":3,"load_sharing":false}    (stdout)
 *   {"type":"start","ts":...,"program":"marsd","name":"m1",
 *    "endpoint":"udp:...","peer_endpoint":null,"admin":"/run/...",
 *    "redundant":true,"pid":123}                     (stderr)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mars/config.h"
#include "mars/out.h"
#include "marsd.h"

#define REPORT_MAX	(2 * MARS_CONF_MSG_MAX + MARS_CONF_PATH_MAX)

static bool		 json;
static const char	*conf_user;	/* the cluster file as written */
static const char	*conf_real;	/* as resolved (in parser messages) */

void
report_set_json(bool on)
{
	json = on;
}

bool
report_json(void)
{
	return json;
}

void
report_set_conf(const char *user, const char *real)
{
	conf_user = user;
	conf_real = real;
}

/* Parser messages name the resolved path: show the one the user wrote. */
static void
user_path(char *out, size_t len, const char *msg)
{
	size_t rl = conf_real != NULL ? strlen(conf_real) : 0;

	if (rl > 0 && conf_user != NULL && strncmp(msg, conf_real, rl) == 0 &&
	    (msg[rl] == ':' || msg[rl] == '\0'))
		snprintf(out, len, "%s%s", conf_user, msg + rl);
	else
		snprintf(out, len, "%s", msg);
}

/* "FILE:LINE: ..." or "FILE: ...": where, for the JSON keys. */
static void
where(const char *msg, char *file, size_t flen, long *line)
{
	size_t ul = conf_user != NULL ? strlen(conf_user) : 0;
	char *end;

	file[0] = '\0';
	*line = -1;
	if (ul == 0 || strncmp(msg, conf_user, ul) != 0 || msg[ul] != ':')
		return;
	snprintf(file, flen, "%s", conf_user);
	*line = strtol(msg + ul + 1, &end, 10);
	if (end == msg + ul + 1 || *end != ':')
		*line = -1;
}

static void
put_str_or_null(struct mars_out *ob, const char *s)
{
	if (s == NULL || s[0] == '\0')
		mars_out_puts(ob, "null");
	else
		mars_out_json_str(ob, s);
}

static void
emit(FILE *f, struct mars_out *ob)
{
	fprintf(f, "%.*s\n", (int)ob->len, ob->buf);
	fflush(f);
}

static void
diagnostic(const char *type, const char *msg, const char *field)
{
	char store[2 * REPORT_MAX + 256], text[REPORT_MAX], file[MARS_CONF_PATH_MAX];
	struct mars_out ob;
	long line;

	user_path(text, sizeof(text), msg);
	if (!json) {
		fprintf(stderr, "marsd: %s%s\n", strcmp(type, "warning") == 0 ?
		    "warning: " : "", text);
		return;
	}
	where(text, file, sizeof(file), &line);
	mars_out_init(&ob, -1, store, sizeof(store));
	mars_out_printf(&ob, "{\"type\":\"%s\",\"program\":\"marsd\","
	    "\"message\":", type);
	mars_out_json_str(&ob, text);
	mars_out_puts(&ob, ",\"file\":");
	put_str_or_null(&ob, file);
	if (line >= 0)
		mars_out_printf(&ob, ",\"line\":%ld", line);
	else
		mars_out_puts(&ob, ",\"line\":null");
	mars_out_puts(&ob, ",\"offset\":null,\"field\":");
	put_str_or_null(&ob, field);
	mars_out_putc(&ob, '}');
	emit(stderr, &ob);
}

void
report_error(const char *fmt, ...)
{
	char msg[REPORT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diagnostic("error", msg, NULL);
}

void
report_warning(const char *field, const char *fmt, ...)
{
	char msg[REPORT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diagnostic("warning", msg, field);
}

void
report_usage(const char *fmt, ...)
{
	char msg[REPORT_MAX];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	snprintf(msg + n, sizeof(msg) - n, "; see marsd --help");
	diagnostic("error", msg, NULL);
}

void
report_check(const char *file, const char *entity, size_t entities,
    bool load_sharing, int verbose)
{
	char store[1024];
	struct mars_out ob;

	if (!json) {
		if (verbose == 0)
			return;
		if (entity != NULL)
			printf("%s: ok ([mars %s])\n", file, entity);
		else if (file != NULL)
			printf("%s: ok (%zu MARS entit%s%s)\n", file, entities,
			    entities == 1 ? "y" : "ies", load_sharing ?
			    ", load sharing" : "");
		else
			printf("command line: ok\n");
		return;
	}
	mars_out_init(&ob, -1, store, sizeof(store));
	mars_out_puts(&ob, "{\"type\":\"check\",\"program\":\"marsd\",\"file\":");
	put_str_or_null(&ob, file);
	mars_out_puts(&ob, ",\"entity\":");
	put_str_or_null(&ob, entity);
	mars_out_printf(&ob, ",\"ok\":true,\"entities\":%zu,\"load_sharing\":%s}",
	    entities, load_sharing ? "true" : "false");
	emit(stdout, &ob);
}

void
report_start(const char *name, const char *endpoint, const char *peer_endpoint,
    const char *admin, bool redundant, long pid)
{
	char store[2048];
	struct mars_out ob;
	struct timespec ts;

	if (!json) {
		/* the endpoint first and alone up to a space: scripts cut it */
		fprintf(stderr, "marsd: listening on %s (%s%s%s%s%s)\n",
		    endpoint, peer_endpoint != NULL ? "peers on " : "",
		    peer_endpoint != NULL ? peer_endpoint : "",
		    peer_endpoint != NULL ? ", " : "",
		    admin != NULL ? "admin socket " : "no admin socket",
		    admin != NULL ? admin : "");
		fflush(stderr);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	mars_out_init(&ob, -1, store, sizeof(store));
	mars_out_printf(&ob, "{\"type\":\"start\",\"ts\":%lld.%06ld,"
	    "\"program\":\"marsd\",\"name\":", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000);
	mars_out_json_str(&ob, name);
	mars_out_puts(&ob, ",\"endpoint\":");
	mars_out_json_str(&ob, endpoint);
	mars_out_puts(&ob, ",\"peer_endpoint\":");
	put_str_or_null(&ob, peer_endpoint);
	mars_out_puts(&ob, ",\"admin\":");
	put_str_or_null(&ob, admin);
	mars_out_printf(&ob, ",\"redundant\":%s,\"pid\":%ld}",
	    redundant ? "true" : "false", pid);
	emit(stderr, &ob);
}
