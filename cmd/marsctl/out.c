/*
 * Output: text lines or JSON lines (mars-json(7)), collected in c->ob
 * and written by out_flush() around the line being typed, so that
 * asynchronous output never breaks it (shell.c hides and redraws the
 * prompt).  Errors go to standard error and name the command and the
 * argument: "marsctl: join: 300.1.1.1: not a group address", or
 * {"type":"error",...} under --json.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "marsctl.h"

static char outstore[1 << 16];

/* shell.c: hide the prompt and line being typed, then show them again. */
void	shell_hide(struct ctl *c);
void	shell_show(struct ctl *c);

void
out_init(struct ctl *c)
{
	mars_out_init(&c->ob, -1, outstore, sizeof(outstore));
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

void
out_write(struct ctl *c, int fd, const char *p, size_t n)
{
	if (n == 0)
		return;
	shell_hide(c);
	write_all(fd, p, n);
	shell_show(c);
}

void
out_flush(struct ctl *c)
{
	out_write(c, STDOUT_FILENO, c->ob.buf, c->ob.len);
	c->ob.len = 0;
	c->ob.err = false;
}

void
out_line(struct ctl *c, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	mars_out_puts(&c->ob, line);
	mars_out_putc(&c->ob, '\n');
	if (c->ob.len > c->ob.cap / 2)
		out_flush(c);
}

void
out_ts(struct ctl *c)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	mars_out_printf(&c->ob, "%lld.%06ld", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000);
}

/* JSON: {"type":T, then keys, then }\n. */
static bool json_first;

void
out_json_begin(struct ctl *c, const char *type)
{
	mars_out_puts(&c->ob, "{\"type\":");
	mars_out_json_str(&c->ob, type);
	json_first = false;
}

static void
key(struct ctl *c, const char *k)
{
	mars_out_puts(&c->ob, json_first ? "\"" : ",\"");
	mars_out_puts(&c->ob, k);
	mars_out_puts(&c->ob, "\":");
	json_first = false;
}

void
out_json_str(struct ctl *c, const char *k, const char *val)
{
	key(c, k);
	if (val == NULL)
		mars_out_puts(&c->ob, "null");
	else
		mars_out_json_str(&c->ob, val);
}

void
out_json_num(struct ctl *c, const char *k, uint64_t val)
{
	key(c, k);
	mars_out_u64(&c->ob, val);
}

void
out_json_bool(struct ctl *c, const char *k, bool val)
{
	key(c, k);
	mars_out_puts(&c->ob, val ? "true" : "false");
}

void
out_json_raw(struct ctl *c, const char *k, const char *json)
{
	key(c, k);
	mars_out_puts(&c->ob, json != NULL && json[0] != '\0' ? json : "null");
}

void
out_json_end(struct ctl *c)
{
	mars_out_puts(&c->ob, "}\n");
	if (c->ob.len > c->ob.cap / 2)
		out_flush(c);
}

/* The JSON string of s into buf (quoted, escaped); never fails. */
static void
json_quote(char *buf, size_t len, const char *s)
{
	static const char hexd[] = "0123456789abcdef";
	size_t o = 0;

	if (len < 8)
		return;
	buf[o++] = '"';
	for (; *s != '\0' && o + 8 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)ch;
		} else if (ch < 0x20) {
			memcpy(buf + o, "\\u00", 4);
			o += 4;
			buf[o++] = hexd[ch >> 4];
			buf[o++] = hexd[ch & 15];
		} else
			buf[o++] = (char)ch;
	}
	buf[o++] = '"';
	buf[o] = '\0';
}

static void
diag(struct ctl *c, const char *type, const char *arg, const char *msg)
{
	char line[4096], q[4][1200], where[600];
	int n;

	/* whatever the command printed comes first */
	out_flush(c);
	if (c->json) {
		json_quote(q[0], sizeof(q[0]), msg);
		json_quote(q[1], sizeof(q[1]), c->cmd_name);
		json_quote(q[2], sizeof(q[2]), arg != NULL ? arg : "");
		json_quote(q[3], sizeof(q[3]), c->src_file != NULL ?
		    c->src_file : "");
		if (c->src_line != 0)
			snprintf(where, sizeof(where), "%u", c->src_line);
		n = snprintf(line, sizeof(line), "{\"type\":\"%s\","
		    "\"program\":\"marsctl\",\"message\":%s,\"command\":%s,"
		    "\"argument\":%s,\"file\":%s,\"line\":%s,\"offset\":null,"
		    "\"field\":null}\n", type, q[0],
		    c->cmd_name[0] ? q[1] : "null", arg != NULL ? q[2] : "null",
		    c->src_file != NULL ? q[3] : "null",
		    c->src_line != 0 ? where : "null");
	} else {
		where[0] = '\0';
		if (c->src_file != NULL)
			snprintf(where, sizeof(where), "%s:%u: ", c->src_file,
			    c->src_line);
		n = snprintf(line, sizeof(line), "marsctl: %s%s%s%s%s%s%s\n",
		    where, strcmp(type, "warning") == 0 ? "warning: " : "",
		    c->cmd_name, c->cmd_name[0] ? ": " : "",
		    arg != NULL ? arg : "", arg != NULL ? ": " : "", msg);
	}
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	out_write(c, STDERR_FILENO, line, (size_t)n);
}

void
out_error(struct ctl *c, const char *arg, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag(c, "error", arg, msg);
}

void
out_warn(struct ctl *c, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag(c, "warning", NULL, msg);
}
