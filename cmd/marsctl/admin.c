/*
 * marsd's admin socket (ctl.h, marsd(8) ADMIN COMMANDS): show, fault,
 * reload and requests as written.  The daemon sends records and JSON
 * documents; we print records as they come and, under --json, wrap the
 * daemon's document in an object of type "admin" (mars-json(7)).
 *
 * One request at a time, each on a connection of its own, so that a
 * marsd restarted by the lab is reached again without ceremony; answers
 * are read without blocking the event loop and bounded in size and time.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/ctl.h"

#include "marsctl.h"

#define ADMIN_QUEUE	16
#define ANSWER_MAX	(4u << 20)
#define ROLE_EVERY	3000	/* ms between role queries at the prompt */

struct areq {
	char		 path[MARS_CONF_PATH_MAX];
	char		 line[MARS_CTL_REQUEST_MAX];
	admin_cb	 cb;
	void		*arg;
};

struct admin {
	struct areq	 q[ADMIN_QUEUE];
	size_t		 n;
	int		 fd;		/* of q[0] when in flight, else -1 */
	char		*in;
	size_t		 inlen, incap;
	char		*data;
	size_t		 dlen, dcap;
	mars_timer_id	 timer;
	mars_timer_id	 role_timer;
	bool		 role_pending;
};

static void	start_next(struct ctl *c);

int
admin_init(struct ctl *c)
{
	if ((c->adm = calloc(1, sizeof(*c->adm))) == NULL)
		return -1;
	c->adm->fd = -1;
	return 0;
}

static bool
grow(char **p, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 4096;
	char *np;

	if (need <= *cap)
		return true;
	while (ncap < need)
		ncap *= 2;
	if (ncap > ANSWER_MAX + 1)
		return false;
	if ((np = realloc(*p, ncap)) == NULL)
		return false;
	*p = np;
	*cap = ncap;
	return true;
}

/* The request in flight is over: tell its caller, go on with the next. */
static void
complete(struct ctl *c, int status, const char *text, size_t len)
{
	struct admin *a = c->adm;
	struct areq r = a->q[0];

	if (a->fd >= 0) {
		mars_evloop_fd_del(c->loop, a->fd);
		close(a->fd);
		a->fd = -1;
	}
	if (a->timer != 0)
		mars_evloop_timer_cancel(c->loop, a->timer);
	a->timer = 0;
	memmove(&a->q[0], &a->q[1], (a->n - 1) * sizeof(a->q[0]));
	a->n--;
	a->inlen = 0;
	a->dlen = 0;
	if (r.cb != NULL)
		r.cb(c, r.arg, status, text, len);
	if (a->n > 0 && a->fd < 0)
		start_next(c);
}

static void	fail(struct ctl *c, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

static void
fail(struct ctl *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	complete(c, 2, msg, strlen(msg));
}

static void
timer_cb(struct mars_evloop *loop, void *arg)
{
	struct ctl *c = arg;

	c->adm->timer = 0;
	fail(c, "%s: no answer", c->adm->q[0].path);
}

static void
read_cb(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	struct ctl *c = arg;
	struct admin *a = c->adm;
	const char *text;
	char *nl, *line;
	size_t used;
	ssize_t n;

	if (!grow(&a->in, &a->incap, a->inlen + 4096)) {
		fail(c, "%s: answer too large", a->q[0].path);
		return;
	}
	n = read(fd, a->in + a->inlen, a->incap - a->inlen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		fail(c, "%s: connection closed before the answer ended",
		    a->q[0].path);
		return;
	}
	a->inlen += (size_t)n;
	line = a->in;
	while ((nl = memchr(line, '\n', a->inlen - (size_t)(line - a->in))) !=
	    NULL) {
		*nl = '\0';
		switch (mars_ctl_line_kind(line, &text)) {
		case MARS_CTL_LINE_END:
			if (!grow(&a->data, &a->dcap, a->dlen + 1)) {
				fail(c, "%s: answer too large", a->q[0].path);
				return;
			}
			a->data[a->dlen] = '\0';
			complete(c, 0, a->data, a->dlen);
			return;
		case MARS_CTL_LINE_ERROR:
			complete(c, 1, text, strlen(text));
			return;
		case MARS_CTL_LINE_DATA:
			used = strlen(text);
			if (!grow(&a->data, &a->dcap, a->dlen + used + 2)) {
				fail(c, "%s: answer too large", a->q[0].path);
				return;
			}
			memcpy(a->data + a->dlen, text, used);
			a->dlen += used;
			a->data[a->dlen++] = '\n';
			break;
		}
		line = nl + 1;
	}
	used = (size_t)(line - a->in);
	memmove(a->in, line, a->inlen - used);
	a->inlen -= used;
}

static void
start_next(struct ctl *c)
{
	struct admin *a = c->adm;
	struct mars_err e;
	char req[MARS_CTL_REQUEST_MAX + 1];
	size_t len;
	int fd;

	if (a->n == 0 || a->fd >= 0)
		return;
	if ((fd = mars_ctl_connect(a->q[0].path, &e)) < 0) {
		fail(c, "%s: %s", a->q[0].path, e.code == MARS_E_SYS ?
		    strerror(e.sys_errno) : "socket path too long");
		return;
	}
	len = (size_t)snprintf(req, sizeof(req), "%s\n", a->q[0].line);
	if (write(fd, req, len) != (ssize_t)len) {
		close(fd);
		fail(c, "%s: cannot send the request", a->q[0].path);
		return;
	}
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (mars_evloop_fd_add(c->loop, fd, MARS_EVLOOP_READ, read_cb, c) != 0) {
		close(fd);
		fail(c, "%s: event loop full", a->q[0].path);
		return;
	}
	a->fd = fd;
	a->timer = mars_evloop_timer_after(c->loop, c->timeout, timer_cb, c);
}

void
admin_request(struct ctl *c, const char *path, const char *request,
    admin_cb cb, void *arg)
{
	struct admin *a = c->adm;
	struct areq *r;

	if (a->n == ADMIN_QUEUE) {
		cb(c, arg, 2, "too many requests", 17);
		return;
	}
	if (strlen(request) + 1 >= MARS_CTL_REQUEST_MAX) {
		cb(c, arg, 2, "request too long", 16);
		return;
	}
	r = &a->q[a->n++];
	snprintf(r->path, sizeof(r->path), "%s", path);
	snprintf(r->line, sizeof(r->line), "%s", request);
	r->cb = cb;
	r->arg = arg;
	start_next(c);
}

void
admin_cancel(struct ctl *c, admin_cb cb)
{
	struct admin *a = c->adm;
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->q[i].cb == cb)
			a->q[i].cb = NULL;
}

void
admin_free(struct ctl *c)
{
	struct admin *a = c->adm;

	if (a == NULL)
		return;
	while (a->n > 0) {
		a->q[0].cb = NULL;
		complete(c, 2, "", 0);
	}
	if (a->role_timer != 0)
		mars_evloop_timer_cancel(c->loop, a->role_timer);
	free(a->in);
	free(a->data);
	free(a);
	c->adm = NULL;
}

/* --- commands --- */

static bool
need_admin(struct ctl *c)
{
	if (c->admin_path[0] != '\0')
		return true;
	out_error(c, NULL, "no admin socket: connect to a marsd first "
	    "(connect --cluster FILE NAME, connect ENDPOINT --admin PATH)");
	return false;
}

static void
answer_cb(struct ctl *c, void *arg, int status, const char *text, size_t len)
{
	const char *request = arg;
	char *doc;
	size_t n = len;

	if (status != 0) {
		out_error(c, NULL, "%.*s", (int)len, text);
		job_end(c, EXIT_FAIL);
		return;
	}
	if (!c->json) {
		if (len > 0)
			mars_out_write(&c->ob, text, len);
		job_end(c, 0);
		return;
	}
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	if ((doc = strndup(text, n)) == NULL) {
		job_end(c, EXIT_FAIL);
		return;
	}
	out_json_begin(c, "admin");
	out_json_str(c, "request", request);
	out_json_str(c, "mars", c->target[0] ? c->target : NULL);
	out_json_raw(c, "answer", doc);
	out_json_end(c);
	free(doc);
	job_end(c, 0);
}

static void
answer_cancel(struct ctl *c)
{
	admin_cancel(c, answer_cb);
	job_end(c, EXIT_FAIL);
}

static char request_text[MARS_CTL_REQUEST_MAX];

/* request (no "json"): answered as records, or as JSON under --json */
static int
ask(struct ctl *c, const char *request)
{
	char req[MARS_CTL_REQUEST_MAX + 8];

	if (!need_admin(c))
		return EXIT_FAIL;
	snprintf(request_text, sizeof(request_text), "%s", request);
	snprintf(req, sizeof(req), "%s%s", request_text, c->json ? " json" : "");
	job_begin(c, 0, NULL, answer_cancel);
	admin_request(c, c->admin_path, req, answer_cb, request_text);
	return CMD_ASYNC;
}

int
cmd_show(struct ctl *c, const struct cmdtab_result *r)
{
	char name[64];

	cmdtab_name(r, name, sizeof(name));
	return ask(c, name);
}

int
cmd_fault(struct ctl *c, const struct cmdtab_result *r)
{
	char req[MARS_CTL_REQUEST_MAX];

	snprintf(req, sizeof(req), "fault %s %s", cmdtab_arg(r, 0),
	    cmdtab_keyword(r, 2));
	return ask(c, req);
}

int
cmd_admin(struct ctl *c, const struct cmdtab_result *r)
{
	char req[MARS_CTL_REQUEST_MAX];
	size_t i, used = 0;
	const char *w;
	int n;

	for (i = 0; (w = cmdtab_arg(r, i)) != NULL; i++) {
		n = snprintf(req + used, sizeof(req) - used, "%s%s",
		    i ? " " : "", w);
		if (n < 0 || (size_t)n >= sizeof(req) - used) {
			out_error(c, NULL, "request longer than %d octets",
			    MARS_CTL_REQUEST_MAX - 1);
			return EXIT_USAGE;
		}
		used += (size_t)n;
	}
	if (!need_admin(c))
		return EXIT_FAIL;
	snprintf(request_text, sizeof(request_text), "%s", req);
	job_begin(c, 0, NULL, answer_cancel);
	admin_request(c, c->admin_path, req, answer_cb, request_text);
	return CMD_ASYNC;
}

/*
 * reload: marsd rereads its cluster file on SIGHUP (marsd(8) SIGNALS).
 * A marsd that knows an admin "reload" request is asked so; otherwise
 * the process behind the admin socket (SO_PEERCRED, checked to be a
 * marsd) gets SIGHUP, and its reload counters say whether it worked.
 */
static struct {
	unsigned long long	 reloads;
	unsigned long long	 errors;
	mars_time_t		 until;
	mars_timer_id		 poll;
} RL;

static void	reload_poll_cb(struct mars_evloop *, void *);

static bool
counter(const char *text, const char *key, unsigned long long *v)
{
	const char *p = text;
	size_t kl = strlen(key);

	while ((p = strstr(p, key)) != NULL) {
		if ((p == text || p[-1] == ' ' || p[-1] == '\n' ||
		    p[-1] == ',' || p[-1] == '"') && (p[kl] == '=' ||
		    (p[kl] == '"' && p[kl + 1] == ':'))) {
			p += kl + (p[kl] == '=' ? 1 : 2);
			*v = strtoull(p, NULL, 10);
			return true;
		}
		p += kl;
	}
	return false;
}

static void
reload_stats_cb(struct ctl *c, void *arg, int status, const char *text,
    size_t len)
{
	unsigned long long rl = 0, er = 0;

	if (status != 0 || !counter(text, "reloads", &rl)) {
		out_error(c, NULL, "%s", status != 0 ? text :
		    "show stats: no reloads counter");
		job_end(c, EXIT_FAIL);
		return;
	}
	(void)counter(text, "reload_errors", &er);
	if (rl > RL.reloads || er > RL.errors) {
		if (er > RL.errors) {
			out_error(c, NULL, "marsd kept its settings: the "
			    "cluster file has an error (see marsd's log)");
			job_end(c, EXIT_FAIL);
			return;
		}
		if (c->json) {
			out_json_begin(c, "reload");
			out_json_str(c, "mars", c->target[0] ? c->target : NULL);
			out_json_num(c, "reloads", rl);
			out_json_end(c);
		} else
			out_line(c, "reloaded (%llu reloads)", rl);
		job_end(c, 0);
		return;
	}
	if (mars_evloop_now() >= RL.until) {
		out_error(c, NULL, "marsd did not reload within %llu ms",
		    (unsigned long long)c->timeout);
		job_end(c, EXIT_FAIL);
		return;
	}
	RL.poll = mars_evloop_timer_after(c->loop, 100, reload_poll_cb, c);
}

static void
reload_poll_cb(struct mars_evloop *loop, void *arg)
{
	struct ctl *c = arg;

	RL.poll = 0;
	admin_request(c, c->admin_path, "show stats", reload_stats_cb, NULL);
}

/* The marsd behind the admin socket: its pid, or -1. */
static pid_t
admin_peer_pid(struct ctl *c, char *why, size_t whylen)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct mars_err e;
	char path[64], comm[64];
	ssize_t n;
	int fd;

	if ((fd = mars_ctl_connect(c->admin_path, &e)) < 0) {
		snprintf(why, whylen, "%s: cannot connect", c->admin_path);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		snprintf(why, whylen, "%s: the daemon's process is unknown",
		    c->admin_path);
		close(fd);
		return -1;
	}
	close(fd);
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)cred.pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    (n = read(fd, comm, sizeof(comm) - 1)) <= 0) {
		if (fd >= 0)
			close(fd);
		snprintf(why, whylen, "the process that opened %s is gone "
		    "(a marsd started with -d: send it SIGHUP)", c->admin_path);
		return -1;
	}
	close(fd);
	comm[n] = '\0';
	if (strncmp(comm, "marsd", 5) != 0) {
		snprintf(why, whylen, "process %ld behind %s is not marsd",
		    (long)cred.pid, c->admin_path);
		return -1;
	}
	return cred.pid;
}

static void
reload_base_cb(struct ctl *c, void *arg, int status, const char *text,
    size_t len)
{
	char why[512];
	pid_t pid;

	if (status != 0 || !counter(text, "reloads", &RL.reloads)) {
		out_error(c, NULL, "%.*s", (int)len, status != 0 ? text :
		    "show stats: no reloads counter");
		job_end(c, EXIT_FAIL);
		return;
	}
	(void)counter(text, "reload_errors", &RL.errors);
	if ((pid = admin_peer_pid(c, why, sizeof(why))) < 0) {
		out_error(c, NULL, "%s", why);
		job_end(c, EXIT_FAIL);
		return;
	}
	if (kill(pid, SIGHUP) != 0) {
		out_error(c, NULL, "SIGHUP to marsd %ld: %s", (long)pid,
		    strerror(errno));
		job_end(c, EXIT_FAIL);
		return;
	}
	RL.until = mars_evloop_now() + c->timeout;
	admin_request(c, c->admin_path, "show stats", reload_stats_cb, NULL);
}

static void
reload_req_cb(struct ctl *c, void *arg, int status, const char *text,
    size_t len)
{
	if (status == 0) {
		mars_out_write(&c->ob, text, len);
		job_end(c, 0);
		return;
	}
	if (status == 1 && strstr(text, "unknown command") != NULL) {
		/* an older marsd: SIGHUP it */
		admin_request(c, c->admin_path, "show stats", reload_base_cb,
		    NULL);
		return;
	}
	out_error(c, NULL, "%.*s", (int)len, text);
	job_end(c, EXIT_FAIL);
}

static void
reload_cancel(struct ctl *c)
{
	admin_cancel(c, reload_req_cb);
	admin_cancel(c, reload_base_cb);
	admin_cancel(c, reload_stats_cb);
	if (RL.poll != 0)
		mars_evloop_timer_cancel(c->loop, RL.poll);
	RL.poll = 0;
	job_end(c, EXIT_FAIL);
}

int
cmd_reload(struct ctl *c, const struct cmdtab_result *r)
{
	if (!need_admin(c))
		return EXIT_FAIL;
	job_begin(c, 0, NULL, reload_cancel);
	admin_request(c, c->admin_path, "reload", reload_req_cb, NULL);
	return CMD_ASYNC;
}

/* --- the role in the prompt --- */

static void
role_timer_cb(struct mars_evloop *loop, void *arg)
{
	struct ctl *c = arg;

	c->adm->role_timer = 0;
	admin_refresh_role(c);
}

static void
role_cb(struct ctl *c, void *arg, int status, const char *text, size_t len)
{
	char role[sizeof(c->role)];
	const char *p;
	size_t n;

	c->adm->role_pending = false;
	role[0] = '\0';
	if (status == 0 && (p = strstr(text, " role=")) != NULL) {
		p += 6;
		n = strcspn(p, " \n");
		snprintf(role, sizeof(role), "%.*s", (int)n, p);
	} else if (status == 1 && strstr(text, "not a redundant") != NULL)
		snprintf(role, sizeof(role), "single");
	else if (status == 1)
		role[0] = '\0';
	else
		snprintf(role, sizeof(role), "down");
	if (strcmp(role, c->role) != 0) {
		memcpy(c->role, role, sizeof(role));
		shell_prompt_changed(c);
	}
	if (c->interactive && c->adm->role_timer == 0)
		c->adm->role_timer = mars_evloop_timer_after(c->loop, ROLE_EVERY,
		    role_timer_cb, c);
}

void
admin_refresh_role(struct ctl *c)
{
	struct admin *a = c->adm;

	if (!c->interactive || a->role_pending)
		return;
	if (c->admin_path[0] == '\0') {
		if (c->role[0] != '\0') {
			c->role[0] = '\0';
			shell_prompt_changed(c);
		}
		return;
	}
	if (a->role_timer != 0) {
		mars_evloop_timer_cancel(c->loop, a->role_timer);
		a->role_timer = 0;
	}
	a->role_pending = true;
	admin_request(c, c->admin_path, "show election", role_cb, NULL);
}
