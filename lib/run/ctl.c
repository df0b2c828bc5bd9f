/*
 * Admin protocol framing and command table (ctl.h).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/ctl.h"

/* One word of the command tree: a leaf names its command. */
struct ctl_node {
	const char		*word;
	enum mars_ctl_cmd		 cmd;
	const struct ctl_node	*next;
	const char		*help;
};

static const struct ctl_node t_show[] = {
	{ "members", MARS_CTL_SHOW_MEMBERS, NULL,
	    "registered cluster members and held CMIs" },
	{ "groups", MARS_CTL_SHOW_GROUPS, NULL,
	    "groups with their members and MCSs" },
	{ "mcs", MARS_CTL_SHOW_MCS, NULL, "registered multicast servers" },
	{ "redirect-map", MARS_CTL_SHOW_REDIRECT_MAP, NULL,
	    "the MARS list sent in MARS_REDIRECT_MAP" },
	{ "stats", MARS_CTL_SHOW_STATS, NULL, "counters and table sizes" },
	{ "living-group", MARS_CTL_SHOW_LIVING_GROUP, NULL,
	    "the MARS entities of the cluster, alive or dead, and their roles" },
	{ "election", MARS_CTL_SHOW_ELECTION, NULL,
	    "the Active MARS of each partition and the last election" },
	{ "scsp", MARS_CTL_SHOW_SCSP, NULL,
	    "SCSP peers (Hello and Cache Alignment states) and the cache" },
	{ NULL, MARS_CTL_NONE, NULL, NULL }
};

static const struct ctl_node t_main[] = {
	{ "show", MARS_CTL_NONE, t_show, "show daemon state" },
	{ "fault", MARS_CTL_FAULT, NULL,
	    "switch a fault injection on or off (test labs only)" },
	{ "help", MARS_CTL_HELP, NULL, "list the commands" },
	{ "reload", MARS_CTL_RELOAD, NULL,
	    "reread the cluster file, as SIGHUP does, and say how it went" },
	{ NULL, MARS_CTL_NONE, NULL, NULL }
};

static const char *const cmd_names[MARS_CTL_CMD_MAX] = {
	[MARS_CTL_NONE] = "",
	[MARS_CTL_SHOW_MEMBERS] = "show members",
	[MARS_CTL_SHOW_GROUPS] = "show groups",
	[MARS_CTL_SHOW_MCS] = "show mcs",
	[MARS_CTL_SHOW_REDIRECT_MAP] = "show redirect-map",
	[MARS_CTL_SHOW_STATS] = "show stats",
	[MARS_CTL_SHOW_LIVING_GROUP] = "show living-group",
	[MARS_CTL_SHOW_ELECTION] = "show election",
	[MARS_CTL_SHOW_SCSP] = "show scsp",
	[MARS_CTL_FAULT] = "fault",
	[MARS_CTL_HELP] = "help",
	[MARS_CTL_RELOAD] = "reload",
};

const char *
mars_ctl_cmd_args(enum mars_ctl_cmd cmd)
{
	return cmd == MARS_CTL_FAULT ? "NAME on|off" : "";
}

const char *
mars_ctl_cmd_name(enum mars_ctl_cmd cmd)
{
	if ((int)cmd < 0 || cmd >= MARS_CTL_CMD_MAX)
		return "";
	return cmd_names[cmd];
}

const char *
mars_ctl_cmd_help(enum mars_ctl_cmd cmd)
{
	const struct ctl_node *n;

	for (n = t_show; n->word != NULL; n++)
		if (n->cmd == cmd)
			return n->help;
	for (n = t_main; n->word != NULL; n++)
		if (n->cmd == cmd && cmd != MARS_CTL_NONE)
			return n->help;
	return "";
}

/*
 * Exact match first, else the only word the prefix starts; an ambiguous
 * prefix lists the candidates (ospfctl's match_token, without its
 * first-match pitfall: STYLE.md §4).
 */
static const struct ctl_node *
match(const struct ctl_node *t, const char *w, size_t wl, char *why,
    size_t whylen)
{
	const struct ctl_node *n, *found = NULL;
	size_t used;
	int nmatch = 0;

	for (n = t; n->word != NULL; n++)
		if (strlen(n->word) == wl && strncmp(n->word, w, wl) == 0)
			return n;
	for (n = t; n->word != NULL; n++)
		if (strncmp(n->word, w, wl) == 0) {
			found = n;
			nmatch++;
		}
	if (nmatch == 1)
		return found;
	if (nmatch == 0) {
		snprintf(why, whylen, "unknown command \"%.*s\"", (int)wl, w);
		return NULL;
	}
	used = (size_t)snprintf(why, whylen, "ambiguous command \"%.*s\":",
	    (int)wl, w);
	for (n = t; n->word != NULL && used < whylen; n++)
		if (strncmp(n->word, w, wl) == 0)
			used += (size_t)snprintf(why + used, whylen - used,
			    " %s", n->word);
	return NULL;
}

int
mars_ctl_parse(const char *line, struct mars_ctl_request *req, char *why, size_t whylen)
{
	const struct ctl_node *t = t_main, *n = NULL;
	const char *w = line;
	size_t wl;
	bool json_seen = false, state_seen = false;

	memset(req, 0, sizeof(*req));
	if (whylen > 0)
		why[0] = '\0';
	for (;;) {
		while (*w == ' ' || *w == '\t' || *w == '\r' || *w == '\n')
			w++;
		if (*w == '\0')
			break;
		wl = strcspn(w, " \t\r\n");
		if (req->cmd == MARS_CTL_FAULT && !state_seen) {
			/* fault NAME on|off: the arguments as written */
			if (req->arg[0] == '\0') {
				if (wl >= sizeof(req->arg)) {
					snprintf(why, whylen, "fault name too "
					    "long");
					return MARS_E_PARSE;
				}
				memcpy(req->arg, w, wl);
				req->arg[wl] = '\0';
			} else if ((wl == 2 && strncmp(w, "on", 2) == 0) ||
			    (wl == 3 && strncmp(w, "off", 3) == 0)) {
				req->on = wl == 2;
				state_seen = true;
			} else {
				snprintf(why, whylen, "expected on or off, not "
				    "\"%.*s\"", (int)wl, w);
				return MARS_E_PARSE;
			}
			w += wl;
			continue;
		}
		if (req->cmd != MARS_CTL_NONE) {
			/* only the output format may follow a command */
			if (!json_seen && wl <= 4 && strncmp("json", w, wl) == 0) {
				req->json = true;
				json_seen = true;
				w += wl;
				continue;
			}
			snprintf(why, whylen, "unexpected \"%.*s\" after \"%s\"",
			    (int)wl, w, mars_ctl_cmd_name(req->cmd));
			return MARS_E_PARSE;
		}
		if (t == NULL || (n = match(t, w, wl, why, whylen)) == NULL) {
			if (t == NULL)
				snprintf(why, whylen, "unknown command \"%.*s\"",
				    (int)wl, w);
			return MARS_E_PARSE;
		}
		req->cmd = n->cmd;
		t = n->next;
		w += wl;
	}
	if (req->cmd == MARS_CTL_NONE) {
		snprintf(why, whylen, n == NULL ? "empty request" :
		    "incomplete command");
		return MARS_E_PARSE;
	}
	if (req->cmd == MARS_CTL_FAULT && !state_seen) {
		snprintf(why, whylen, "incomplete command: fault NAME on|off");
		return MARS_E_PARSE;
	}
	return 0;
}

/* --- reply buffer --- */

void
mars_ctl_buf_init(struct mars_ctl_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
mars_ctl_buf_free(struct mars_ctl_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void
mars_ctl_buf_reset(struct mars_ctl_buf *b)
{
	b->len = 0;
	b->overflow = false;
}

static bool
reserve(struct mars_ctl_buf *b, size_t n)
{
	size_t cap;
	char *np;

	if (b->overflow)
		return false;
	if (n > b->max - b->len) {
		b->overflow = true;
		return false;
	}
	if (b->len + n <= b->cap)
		return true;
	cap = b->cap ? b->cap : 1024;
	while (cap < b->len + n)
		cap *= 2;
	if (cap > b->max)
		cap = b->max;
	if ((np = realloc(b->p, cap)) == NULL) {
		b->overflow = true;
		return false;
	}
	b->p = np;
	b->cap = cap;
	return true;
}

void
mars_ctl_buf_put(struct mars_ctl_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void
mars_ctl_buf_puts(struct mars_ctl_buf *b, const char *s)
{
	mars_ctl_buf_put(b, s, strlen(s));
}

void
mars_ctl_buf_printf(struct mars_ctl_buf *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	mars_ctl_buf_put(b, line, (size_t)n < sizeof(line) ? (size_t)n :
	    sizeof(line) - 1);
}

void
mars_ctl_buf_json_str(struct mars_ctl_buf *b, const char *s)
{
	static const char hexd[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	const unsigned char *c;

	mars_ctl_buf_put(b, "\"", 1);
	for (c = (const unsigned char *)s; *c != '\0'; c++) {
		if (*c == '"' || *c == '\\') {
			mars_ctl_buf_put(b, "\\", 1);
			mars_ctl_buf_put(b, (const char *)c, 1);
		} else if (*c < 0x20) {
			esc[4] = hexd[*c >> 4];
			esc[5] = hexd[*c & 15];
			mars_ctl_buf_put(b, esc, sizeof(esc));
		} else
			mars_ctl_buf_put(b, (const char *)c, 1);
	}
	mars_ctl_buf_put(b, "\"", 1);
}

void
mars_ctl_buf_hex(struct mars_ctl_buf *b, const unsigned char *p, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	char two[2];
	size_t i;

	for (i = 0; i < n; i++) {
		two[0] = hexd[p[i] >> 4];
		two[1] = hexd[p[i] & 15];
		mars_ctl_buf_put(b, two, 2);
	}
}

void
mars_ctl_buf_end_line(struct mars_ctl_buf *b, size_t mark)
{
	if (mark < b->len && b->p[mark] == '.' && reserve(b, 1)) {
		memmove(b->p + mark + 1, b->p + mark, b->len - mark);
		b->len++;
	}
	mars_ctl_buf_put(b, "\n", 1);
}

void
mars_ctl_buf_end_ok(struct mars_ctl_buf *b)
{
	mars_ctl_buf_put(b, ".\n", 2);
}

void
mars_ctl_buf_end_error(struct mars_ctl_buf *b, const char *fmt, ...)
{
	char msg[MARS_CTL_REQUEST_MAX + 128];
	char *nl;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	while ((nl = strchr(msg, '\n')) != NULL)
		*nl = ' ';
	mars_ctl_buf_puts(b, ".error ");
	mars_ctl_buf_puts(b, msg);
	mars_ctl_buf_put(b, "\n", 1);
}

enum mars_ctl_line
mars_ctl_line_kind(const char *line, const char **text)
{
	if (line[0] == '.' && line[1] == '.') {
		*text = line + 1;
		return MARS_CTL_LINE_DATA;
	}
	if (line[0] == '.' && line[1] == '\0') {
		*text = line + 1;
		return MARS_CTL_LINE_END;
	}
	if (strncmp(line, ".error", 6) == 0) {
		*text = line[6] == ' ' ? line + 7 : line + 6;
		return MARS_CTL_LINE_ERROR;
	}
	*text = line;
	return MARS_CTL_LINE_DATA;
}

int
mars_ctl_connect(const char *path, struct mars_err *err)
{
	struct sockaddr_un sa_un;
	int fd;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	memset(&sa_un, 0, sizeof(sa_un));
	sa_un.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa_un.sun_path)) {
		if (err != NULL) {
			err->code = MARS_E_INVAL;
			err->field = "path";
			err->why = "socket path too long";
		}
		return MARS_E_INVAL;
	}
	memcpy(sa_un.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa_un, sizeof(sa_un)) == -1) {
		if (err != NULL) {
			err->code = MARS_E_SYS;
			err->field = fd == -1 ? "socket" : "connect";
			err->sys_errno = errno;
		}
		if (fd != -1)
			close(fd);
		return MARS_E_SYS;
	}
	return fd;
}
