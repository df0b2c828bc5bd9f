/*
 * marsd's admin socket (ctl.h, marsd(8) ADMIN COMMANDS): show, fault,
 * reload and requests as written.  The daemon sends records and JSON
 * documents; we print either as they come (mars-json(7)).
 *
 * One request at a time, each on a connection of its own, so that a
 * marsd restarted by the lab is reached again without ceremony; answers
 * are read without blocking the event loop and bounded in size and time.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/ctl.h"
#include "mars/lab.h"

#include "marsctl.h"

#define ADMIN_QUEUE	16
#define ANSWER_MAX	(4u << 20)
#define ROLE_EVERY	3000	/* ms between role queries at the prompt */
#define HELP_WAIT	300	/* ms a completion waits for marsd's help */
#define HELP_RETRY	5000	/* ms before asking a silent marsd again */

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

/*
 * The answer: marsd's records as they are, or under --json its JSON
 * documents as they are (one a line, "type" first: members, stats,
 * reload ... as marsd(8) JSON OUTPUT lists them), so that a script
 * reads the same objects from marsctl as from marsd -C --json.  A line
 * that is not a JSON object (a marsd that ignored "json") is wrapped as
 * {"type":"admin_text","request":...,"text":...}.
 */
static void
answer_cb(struct ctl *c, void *arg, int status, const char *text, size_t len)
{
	const char *request = arg, *p, *nl, *end = text + len;
	char *line;

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
	for (p = text; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl == p)
			continue;
		if (*p == '{') {
			mars_out_write(&c->ob, p, (size_t)(nl - p));
			mars_out_putc(&c->ob, '\n');
			continue;
		}
		if ((line = strndup(p, (size_t)(nl - p))) == NULL)
			break;
		out_json_begin(c, "admin_text");
		out_json_str(c, "request", request);
		out_json_str(c, "text", line);
		out_json_end(c);
		free(line);
	}
	job_end(c, 0);
}

static void
answer_cancel(struct ctl *c)
{
	admin_cancel(c, answer_cb);
	job_end(c, EXIT_FAIL);
}

static char request_text[MARS_CTL_REQUEST_MAX];

/*
 * A request as written, answered as records or, under --json, with
 * marsd's JSON (a trailing "json" added unless the request has it).
 */
static int
ask(struct ctl *c, const char *request)
{
	char req[MARS_CTL_REQUEST_MAX + 8];
	const char *last = strrchr(request, ' ');

	if (!need_admin(c))
		return EXIT_FAIL;
	last = last != NULL ? last + 1 : request;
	snprintf(request_text, sizeof(request_text), "%s", request);
	snprintf(req, sizeof(req), "%s%s", request_text, c->json &&
	    strcmp(last, "json") != 0 ? " json" : "");
	job_begin(c, 0, NULL, answer_cancel);
	admin_request(c, c->admin_path, req, answer_cb, request_text);
	return CMD_ASYNC;
}

int
cmd_show(struct ctl *c, const struct cmdtab_result *r)
{
	char req[MARS_CTL_REQUEST_MAX];
	const char *what = cmdtab_arg(r, 0);

	/* a keyword of the table, or a word marsd's help offered */
	if (what != NULL)
		snprintf(req, sizeof(req), "show %s", what);
	else
		cmdtab_name(r, req, sizeof(req));
	return ask(c, req);
}

int
cmd_fault(struct ctl *c, const struct cmdtab_result *r)
{
	char req[MARS_CTL_REQUEST_MAX];

	snprintf(req, sizeof(req), "fault %s %s", cmdtab_arg(r, 0),
	    cmdtab_keyword(r, 2));
	return ask(c, req);
}

/* reload: marsd's admin reload, answered once marsd has reread its file. */
int
cmd_reload(struct ctl *c, const struct cmdtab_result *r)
{
	return ask(c, "reload");
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
		if (n < 0 || (size_t)n >= sizeof(req) - used - 5) {
			out_error(c, NULL, "request longer than %d octets",
			    MARS_CTL_REQUEST_MAX - 6);
			return EXIT_USAGE;
		}
		used += (size_t)n;
	}
	return ask(c, req);
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

/* --- completion from marsd's own help --- */

/* The help of the socket talked to: asked once, kept for completion. */
static struct {
	char		 path[MARS_CONF_PATH_MAX];
	char		 text[8192];
	bool		 have;
	mars_time_t	 asked;
} H;

static bool
help_known(struct ctl *c)
{
	mars_time_t now = mars_evloop_now();

	if (c->admin_path[0] == '\0')
		return false;
	if (strcmp(H.path, c->admin_path) == 0 && (H.have ||
	    now - H.asked < HELP_RETRY))
		return H.have;
	snprintf(H.path, sizeof(H.path), "%s", c->admin_path);
	H.asked = now;
	/* a short synchronous question: completion is the user waiting */
	H.have = mars_lab_admin_query(c->admin_path, "help", H.text,
	    sizeof(H.text), NULL, HELP_WAIT, NULL) == 0;
	return H.have;
}

/* word k (0, 1) of a help line "show members   registered ..." */
static size_t
help_word(const char *line, size_t k, const char **w)
{
	size_t n;

	for (;;) {
		line += strspn(line, " ");
		n = strcspn(line, " \n");
		if (k-- == 0 || n == 0) {
			*w = line;
			return n;
		}
		line += n;
	}
}

size_t
admin_complete(struct ctl *c, const char *after, const char *prefix,
    const struct cmdtab *skip, cmdtab_add_fn add, void *actx)
{
	const struct cmdtab *t;
	const char *line, *w, *w0;
	char word[64], seen[32][64];
	size_t n, n0, k, pl = strlen(prefix), count = 0;

	if (!help_known(c))
		return 0;
	for (line = H.text; *line != '\0'; line += strcspn(line, "\n") +
	    (line[strcspn(line, "\n")] != '\0')) {
		if (*line == '(')
			continue;	/* the closing remark */
		n0 = help_word(line, 0, &w0);
		if (after != NULL) {
			/* after as written: a prefix of the word */
			if (n0 < strlen(after) || strncmp(w0, after,
			    strlen(after)) != 0)
				continue;
			n = help_word(line, 1, &w);
		} else {
			n = n0;
			w = w0;
		}
		if (n == 0 || n >= sizeof(word) || !isalpha((unsigned char)*w))
			continue;
		memcpy(word, w, n);
		word[n] = '\0';
		if (strncmp(word, prefix, pl) != 0)
			continue;
		for (t = skip; t != NULL && t->type != CMDTAB_END; t++)
			if (t->type == CMDTAB_KEYWORD && strcmp(t->word,
			    word) == 0)
				break;
		if (t != NULL && t->type != CMDTAB_END)
			continue;	/* the table offers it already */
		for (k = 0; k < count && strcmp(seen[k], word) != 0; k++)
			;
		if (k < count || count == sizeof(seen) / sizeof(seen[0]))
			continue;	/* "show" of every show line, once */
		memcpy(seen[count++], word, n + 1);
		add(actx, word);
	}
	return count;
}
