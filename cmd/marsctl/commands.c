/*
 * The command table (STYLE.md §3.1): the one tree that argv, the shell,
 * help, readline completion and `marsctl __complete` (the bash and zsh
 * completions) all read.  A command is a row here, an action in
 * marsctl.h and a handler in the dispatch below.
 */
#include <sys/stat.h>

#include <arpa/inet.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mars/config.h"

#include "marsctl.h"

/* connect */
static const struct cmdtab t_admin_path[] = {
	{ CMDTAB_ARG, "PATH", 0, K_FILE, NULL, "the admin socket" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_connect_opt[] = {
	{ CMDTAB_NOTOKEN, NULL, 0, 0, NULL, NULL },
	{ CMDTAB_KEYWORD, "--admin", 0, 0, t_admin_path,
	    "the MARS's admin socket" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_cluster_name[] = {
	{ CMDTAB_NOTOKEN, NULL, 0, 0, NULL, NULL },
	{ CMDTAB_ARG, "NAME", 0, K_NAME, NULL, "the entity to talk to" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_cluster_file[] = {
	{ CMDTAB_ARG, "FILE", 0, K_FILE, t_cluster_name, "cluster file" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_connect[] = {
	{ CMDTAB_KEYWORD, "--cluster", A_CONNECT_CLUSTER, 0, t_cluster_file,
	    "every MARS of a cluster file, entity NAME first" },
	{ CMDTAB_KEYWORD, "--admin", A_CONNECT_ADMIN, 0, t_admin_path,
	    "only the admin socket of a marsd" },
	{ CMDTAB_ARG, "ENDPOINT", 0, K_ENDPOINT, t_connect_opt,
	    "udp:HOST:PORT, or an entity of the cluster loaded" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};

/* member */
static const struct cmdtab t_groups[] = {
	{ CMDTAB_ARGS, "GROUP[-GROUP]", 0, K_GROUP, NULL, "groups" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_group[] = {
	{ CMDTAB_ARG, "GROUP", 0, K_GROUP, NULL, "a group address" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_range[] = {
	{ CMDTAB_NOTOKEN, NULL, 0, 0, NULL, NULL },
	{ CMDTAB_ARG, "RANGE", 0, K_RANGE, NULL, "MIN-MAX" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_duration[] = {
	{ CMDTAB_NOTOKEN, NULL, 0, 0, NULL, NULL },
	{ CMDTAB_ARG, "DURATION", 0, K_DURATION, NULL, "how long" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};

/* admin socket */
static const struct cmdtab t_show[] = {
	{ CMDTAB_KEYWORD, "members", A_SHOW, 0, NULL,
	    "registered cluster members and held CMIs" },
	{ CMDTAB_KEYWORD, "groups", A_SHOW, 0, NULL,
	    "groups with their members and MCSs" },
	{ CMDTAB_KEYWORD, "mcs", A_SHOW, 0, NULL,
	    "registered multicast servers" },
	{ CMDTAB_KEYWORD, "redirect-map", A_SHOW, 0, NULL,
	    "the MARS list sent in MARS_REDIRECT_MAP" },
	{ CMDTAB_KEYWORD, "living-group", A_SHOW, 0, NULL,
	    "the MARS entities, alive or dead, and their roles" },
	{ CMDTAB_KEYWORD, "election", A_SHOW, 0, NULL,
	    "the Active MARS of each partition" },
	{ CMDTAB_KEYWORD, "scsp", A_SHOW, 0, NULL,
	    "SCSP peers and the cache" },
	{ CMDTAB_KEYWORD, "stats", A_SHOW, 0, NULL,
	    "counters and table sizes" },
	{ CMDTAB_ARG, "WHAT", A_SHOW, K_SHOW, NULL,
	    "another show command the marsd talked to knows (its help)" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_onoff[] = {
	{ CMDTAB_KEYWORD, "on", 0, 0, NULL, "inject the fault" },
	{ CMDTAB_KEYWORD, "off", 0, 0, NULL, "stop injecting it" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_fault[] = {
	{ CMDTAB_ARG, "NAME", 0, K_FAULT, t_onoff, "a fault of marsd(8)" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_request[] = {
	{ CMDTAB_ARGS, "REQUEST", 0, K_REQUEST, NULL, "request words" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};

/* crafting */
static const struct cmdtab t_fields[] = {
	{ CMDTAB_NOTOKEN, NULL, 0, 0, NULL, NULL },
	{ CMDTAB_ARGS, "FIELD=VALUE", 0, K_FIELD, NULL, "fields" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_op[] = {
	{ CMDTAB_ARG, "OP", 0, K_OP, t_fields, "a MARS or SCSP operation" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_hex[] = {
	{ CMDTAB_ARGS, "HEX", 0, K_HEX, NULL, "octets of an AAL5 SDU" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};

/* lab */
static const struct cmdtab t_lab_file[] = {
	{ CMDTAB_ARG, "CLUSTERFILE", 0, K_FILE, NULL, "cluster file" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_lab_name[] = {
	{ CMDTAB_ARG, "NAME", 0, K_NAME, NULL, "an entity of the lab" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_lab[] = {
	{ CMDTAB_KEYWORD, "up", A_LAB_UP, 0, t_lab_file,
	    "start a marsd for every entity of a cluster file" },
	{ CMDTAB_KEYWORD, "down", A_LAB_DOWN, 0, NULL,
	    "stop every marsd of the lab" },
	{ CMDTAB_KEYWORD, "kill", A_LAB_KILL, 0, t_lab_name,
	    "kill an entity with SIGKILL" },
	{ CMDTAB_KEYWORD, "hang", A_LAB_HANG, 0, t_lab_name,
	    "stop an entity with SIGSTOP" },
	{ CMDTAB_KEYWORD, "resume", A_LAB_RESUME, 0, t_lab_name,
	    "continue a hung entity with SIGCONT" },
	{ CMDTAB_KEYWORD, "restart", A_LAB_RESTART, 0, t_lab_name,
	    "kill an entity if it runs, and start it again" },
	{ CMDTAB_KEYWORD, "status", A_LAB_STATUS, 0, NULL,
	    "the lab's entities and their processes" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};

/* capture */
static const struct cmdtab t_cap_file[] = {
	{ CMDTAB_ARG, "FILE", 0, K_FILE, NULL, "pcap file to write" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_capture[] = {
	{ CMDTAB_KEYWORD, "start", A_CAPTURE_START, 0, t_cap_file,
	    "write what marsctl sends and receives to a pcap file" },
	{ CMDTAB_KEYWORD, "stop", A_CAPTURE_STOP, 0, NULL,
	    "close the capture file" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};

static const struct cmdtab t_help[] = {
	{ CMDTAB_NOTOKEN, NULL, 0, 0, NULL, NULL },
	{ CMDTAB_ARGS, "COMMAND", 0, K_COMMAND, NULL, "command words" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};

const struct cmdtab cmd_root[] = {
	{ CMDTAB_KEYWORD, "connect", A_CONNECT, 0, t_connect,
	    "talk to a MARS: as a member over the lab transport, and to "
	    "its admin socket" },
	{ CMDTAB_KEYWORD, "disconnect", A_DISCONNECT, 0, NULL,
	    "deregister and close the connection" },
	{ CMDTAB_KEYWORD, "status", A_STATUS, 0, NULL,
	    "connection, registration, CMI, HSN and CSN, redirect map" },
	{ CMDTAB_KEYWORD, "register", A_REGISTER, 0, NULL,
	    "register as a cluster member (RFC 2022 5.2.3)" },
	{ CMDTAB_KEYWORD, "deregister", A_DEREGISTER, 0, NULL,
	    "deregister (RFC 2022 5.2.3)" },
	{ CMDTAB_KEYWORD, "join", A_JOIN, 0, t_groups,
	    "join groups, a range counting one group each (5.2.1)" },
	{ CMDTAB_KEYWORD, "leave", A_LEAVE, 0, t_groups,
	    "leave groups (5.2.2)" },
	{ CMDTAB_KEYWORD, "request", A_REQUEST, 0, t_group,
	    "resolve a group: MARS_MULTI or MARS_NAK (5.1.1)" },
	{ CMDTAB_KEYWORD, "grouplist", A_GROUPLIST, 0, t_range,
	    "groups with members in a range (5.3)" },
	{ CMDTAB_KEYWORD, "watch", A_WATCH, 0, t_duration,
	    "print ClusterControlVC traffic and events until Ctrl-C" },
	{ CMDTAB_KEYWORD, "show", 0, 0, t_show, "show marsd state" },
	{ CMDTAB_KEYWORD, "fault", A_FAULT, 0, t_fault,
	    "switch a fault injection of marsd (labs only)" },
	{ CMDTAB_KEYWORD, "reload", A_RELOAD, 0, NULL,
	    "make marsd reread its cluster file" },
	{ CMDTAB_KEYWORD, "admin", A_ADMIN, 0, t_request,
	    "send a request to the admin socket as written" },
	{ CMDTAB_KEYWORD, "send", A_SEND, 0, t_op,
	    "build a MARS or SCSP message, right or wrong, and send it" },
	{ CMDTAB_KEYWORD, "raw", A_RAW, 0, t_hex,
	    "send octets as they are" },
	{ CMDTAB_KEYWORD, "lab", 0, 0, t_lab, "run marsd entities" },
	{ CMDTAB_KEYWORD, "capture", 0, 0, t_capture, "pcap of the traffic" },
	{ CMDTAB_KEYWORD, "help", A_HELP, 0, t_help,
	    "commands and what they do" },
	{ CMDTAB_KEYWORD, "quit", A_QUIT, 0, NULL, "leave marsctl" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};

/* --- shared parsers --- */

int
parse_group(const char *s, uint8_t *out)
{
	if (inet_pton(AF_INET, s, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, out) == 1)
		return 16;
	return -1;
}

int
parse_range(const char *s, uint8_t *lo, uint8_t *hi, int *len)
{
	char a[64];
	const char *dash;
	int l1, l2;

	if ((dash = strchr(s, '-')) == NULL) {
		if ((l1 = parse_group(s, lo)) < 0)
			return -1;
		memcpy(hi, lo, (size_t)l1);
		*len = l1;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(a))
		return -1;
	memcpy(a, s, (size_t)(dash - s));
	a[dash - s] = '\0';
	if ((l1 = parse_group(a, lo)) < 0 || (l2 = parse_group(dash + 1,
	    hi)) < 0 || l1 != l2 || memcmp(lo, hi, (size_t)l1) > 0)
		return -1;
	*len = l1;
	return 0;
}

int
parse_duration(const char *s, mars_time_t *ms)
{
	struct mars_err e;

	return mars_config_parse_duration(s, ms, &e) == 0 ? 0 : -1;
}

void
note_group(struct ctl *c, const char *text)
{
	size_t i;

	for (i = 0; i < c->ngroups_seen; i++)
		if (strcmp(c->groups_seen[i], text) == 0)
			return;
	if (c->ngroups_seen == CTL_GROUPS_SEEN) {
		memmove(c->groups_seen[0], c->groups_seen[1],
		    sizeof(c->groups_seen[0]) * (CTL_GROUPS_SEEN - 1));
		c->ngroups_seen--;
	}
	snprintf(c->groups_seen[c->ngroups_seen++], sizeof(c->groups_seen[0]),
	    "%s", text);
}

/* --- completion of arguments --- */

static size_t
add_if(const char *cand, const char *prefix, cmdtab_add_fn add, void *actx)
{
	if (strncmp(cand, prefix, strlen(prefix)) != 0)
		return 0;
	add(actx, cand);
	return 1;
}

/* Files and directories (with a slash) starting with prefix. */
static size_t
complete_file(const char *prefix, cmdtab_add_fn add, void *actx)
{
	char dir[1024], cand[2048];
	const char *base, *slash = strrchr(prefix, '/');
	struct dirent *de;
	struct stat st;
	size_t n = 0, bl;
	DIR *d;

	if (slash != NULL) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - prefix + 1),
		    prefix);
		base = slash + 1;
	} else {
		dir[0] = '\0';
		base = prefix;
	}
	bl = strlen(base);
	if ((d = opendir(dir[0] ? dir : ".")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < 1000) {
		if (strncmp(de->d_name, base, bl) != 0 ||
		    strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    (de->d_name[0] == '.' && base[0] != '.'))
			continue;
		snprintf(cand, sizeof(cand), "%s%s", dir, de->d_name);
		if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode))
			strncat(cand, "/", sizeof(cand) - strlen(cand) - 1);
		add(actx, cand);
		n++;
	}
	closedir(d);
	return n;
}

static size_t
complete_names(struct ctl *c, const char *prefix, cmdtab_add_fn add, void *actx)
{
	size_t i, n = 0;

	if (c->cluster != NULL) {
		for (i = 0; i < c->cluster->n_mars; i++)
			n += add_if(c->cluster->mars[i].name, prefix, add, actx);
		return n;
	}
	return lab_complete(c, prefix, add, actx);
}

/* marsd(8) FAULT INJECTION (t_marsctl checks the two agree). */
static const char *const fault_names[] = {
	"omit-dead", "fresh-cmi", "skip-sync", "unsynced-soft-redirect",
	"stale-checksum", "cmi-zero", "nak-csn", "null-map", "win2000", NULL
};

/* The file named after --cluster in the words so far, for NAME. */
static void
cluster_of(struct ctl *c, const struct cmdtab_result *r)
{
	struct mars_cluster_conf *cc;
	char msg[MARS_CONF_MSG_MAX];
	struct mars_err e;
	size_t i;

	for (i = 0; i + 1 < r->nwords; i++)
		if (r->tok[i]->type == CMDTAB_KEYWORD &&
		    strcmp(r->tok[i]->word, "--cluster") == 0) {
			if (strcmp(c->cluster_path, r->word[i + 1]) == 0)
				return;
			if (mars_config_load_new(&cc, r->word[i + 1], &e, msg,
			    sizeof(msg)) != 0)
				return;
			free(c->cluster);
			c->cluster = cc;
			snprintf(c->cluster_path, sizeof(c->cluster_path), "%s",
			    r->word[i + 1]);
		}
}

static size_t
complete_arg(void *ctx, int kind, const struct cmdtab_result *sofar,
    const char *prefix, cmdtab_add_fn add, void *actx)
{
	struct ctl *c = ctx;
	size_t i, n = 0;
	const char *const *f;
	const char *op;

	switch (kind) {
	case K_FILE:
		return complete_file(prefix, add, actx);
	case K_NAME:
		cluster_of(c, sofar);
		if (sofar->nwords > 0 && sofar->tok[0]->action == 0 &&
		    strcmp(sofar->tok[0]->word, "lab") == 0)
			return lab_complete(c, prefix, add, actx);
		return complete_names(c, prefix, add, actx);
	case K_ENDPOINT:
		n = complete_names(c, prefix, add, actx);
		n += add_if("udp:127.0.0.1:", prefix, add, actx);
		n += add_if("udp:[::1]:", prefix, add, actx);
		return n;
	case K_GROUP:
	case K_RANGE:
		for (i = 0; i < c->ngroups_seen; i++)
			n += add_if(c->groups_seen[i], prefix, add, actx);
		if (kind == K_RANGE)
			n += add_if("224.0.0.0-239.255.255.255", prefix, add,
			    actx);
		return n;
	case K_FAULT:
		for (f = fault_names; *f != NULL; f++)
			n += add_if(*f, prefix, add, actx);
		return n;
	case K_OP:
		return craft_complete_op(prefix, add, actx);
	case K_FIELD:
		op = cmdtab_arg(sofar, 0);
		return op != NULL ? craft_complete_field(op, prefix, add, actx) :
		    0;
	case K_COMMAND: {
		char *words[CMDTAB_WORDS_MAX] = { NULL };
		size_t k, nw = 0;

		/* help's words are command words: complete them as such */
		for (k = 1; k < sofar->nwords && nw < CMDTAB_WORDS_MAX; k++)
			words[nw++] = (char *)(uintptr_t)sofar->word[k];
		return cmdtab_complete(cmd_root, (int)nw, words, prefix, NULL,
		    NULL, add, actx);
	}
	case K_SHOW:
		return admin_complete(c, "show", prefix, t_show, add, actx);
	case K_REQUEST:
		/* admin WORD...: marsd's words, then what follows "show" */
		if (sofar->nwords == 1)
			return admin_complete(c, NULL, prefix, NULL, add, actx);
		if (sofar->nwords == 2)
			return admin_complete(c, sofar->word[1], prefix, NULL,
			    add, actx);
		return 0;
	case K_DURATION:
		n += add_if("5s", prefix, add, actx);
		n += add_if("30s", prefix, add, actx);
		n += add_if("1m", prefix, add, actx);
		return n;
	default:
		return 0;
	}
}

size_t
cmd_complete(struct ctl *c, int argc, char *const argv[], const char *prefix,
    cmdtab_add_fn add, void *actx)
{
	return cmdtab_complete(cmd_root, argc, argv, prefix, complete_arg, c,
	    add, actx);
}

/* --- help --- */

struct help_ctx {
	struct ctl	*c;
	int		 width;
	size_t		 n;
};

/* A line of help; under --json an entry of the one object marsd's help
 * answers with too: {"type":"help","commands":[{"command","help"}...]}. */
static void
help_line(void *arg, const char *usage, const char *help)
{
	struct help_ctx *h = arg;
	struct ctl *c = h->c;

	if (c->json) {
		mars_out_puts(&c->ob, h->n++ > 0 ? ",{\"command\":" :
		    "{\"command\":");
		mars_out_json_str(&c->ob, usage);
		mars_out_puts(&c->ob, ",\"help\":");
		mars_out_json_str(&c->ob, help);
		mars_out_putc(&c->ob, '}');
	} else if ((int)strlen(usage) < h->width)
		out_line(c, "%-*s %s", h->width, usage, help);
	else
		out_line(c, "%s\n%-*s %s", usage, h->width, "", help);
}

static void
usage_width(void *arg, const char *usage, const char *help)
{
	(void)arg;
	(void)usage;
	(void)help;
}

static int
cmd_help(struct ctl *c, const struct cmdtab_result *r)
{
	struct help_ctx h = { c, 36, 0 };
	char *words[CMDTAB_WORDS_MAX] = { NULL }, why[256];
	size_t k, nw = 0;

	for (k = 1; k < r->nwords; k++)
		words[nw++] = (char *)(uintptr_t)r->word[k];
	if (cmdtab_usage(cmd_root, (int)nw, words, usage_width, NULL, why,
	    sizeof(why)) < 0) {
		out_error(c, nw > 0 ? words[0] : NULL, "%s", why);
		return EXIT_USAGE;
	}
	if (c->json)
		mars_out_puts(&c->ob, "{\"type\":\"help\",\"commands\":[");
	cmdtab_usage(cmd_root, (int)nw, words, help_line, &h, why, sizeof(why));
	if (c->json)
		mars_out_puts(&c->ob, "]}\n");
	return 0;
}

static int
cmd_quit(struct ctl *c, const struct cmdtab_result *r)
{
	c->quitting = true;
	return 0;
}

/* --- dispatch --- */

static int (*const handlers[])(struct ctl *, const struct cmdtab_result *) = {
	[A_CONNECT] = cmd_connect,
	[A_CONNECT_CLUSTER] = cmd_connect,
	[A_CONNECT_ADMIN] = cmd_connect,
	[A_DISCONNECT] = cmd_disconnect,
	[A_STATUS] = cmd_status,
	[A_REGISTER] = cmd_register,
	[A_DEREGISTER] = cmd_deregister,
	[A_JOIN] = cmd_join,
	[A_LEAVE] = cmd_join,
	[A_REQUEST] = cmd_request,
	[A_GROUPLIST] = cmd_grouplist,
	[A_WATCH] = cmd_watch,
	[A_SHOW] = cmd_show,
	[A_ADMIN] = cmd_admin,
	[A_FAULT] = cmd_fault,
	[A_RELOAD] = cmd_reload,
	[A_SEND] = cmd_send,
	[A_RAW] = cmd_raw,
	[A_LAB_UP] = cmd_lab,
	[A_LAB_DOWN] = cmd_lab,
	[A_LAB_KILL] = cmd_lab,
	[A_LAB_HANG] = cmd_lab,
	[A_LAB_RESUME] = cmd_lab,
	[A_LAB_RESTART] = cmd_lab,
	[A_LAB_STATUS] = cmd_lab,
	[A_CAPTURE_START] = cmd_capture_start,
	[A_CAPTURE_STOP] = cmd_capture_stop,
	[A_HELP] = cmd_help,
	[A_QUIT] = cmd_quit,
};

/*
 * Parse and run one command.  Returns its status, or CMD_ASYNC when it
 * waits for something and will call job_end().
 */
int
cmd_execute(struct ctl *c, int argc, char **argv)
{
	struct cmdtab_result r;
	char why[512];

	snprintf(c->cmd_name, sizeof(c->cmd_name), "%s", argc > 0 ? argv[0] :
	    "");
	if (cmdtab_parse(cmd_root, argc, argv, &r, why, sizeof(why)) != 0) {
		/* the message names the command itself */
		c->cmd_name[0] = '\0';
		out_error(c, NULL, "%s", why);
		return EXIT_USAGE;
	}
	cmdtab_name(&r, c->cmd_name, sizeof(c->cmd_name));
	if (r.action <= A_NONE || (size_t)r.action >=
	    sizeof(handlers) / sizeof(handlers[0]) ||
	    handlers[r.action] == NULL) {
		out_error(c, NULL, "not implemented");
		return EXIT_FAIL;
	}
	return handlers[r.action](c, &r);
}
