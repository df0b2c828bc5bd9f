/*
 * The drill language (mars-drill(5)): one directive a line, `#` to the
 * end of the line is a comment.  The head (cluster, clients, seed, net,
 * fault, title) describes the cluster and its members; `start` brings
 * everything up; then faults and expects in order.  Every error names
 * the file and line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mars/redund.h"
#include "mars/simclu.h"

#include "marsfail.h"

#define MAX_WORDS	40

struct parse {
	struct drill	*d;
	const char	*name;
	const char	*dir;
	const char	*cluster_override;
	unsigned	 line;
	char		*msg;
	size_t		 msglen;
	bool		 started;
	bool		 failed;
};

static int
perr(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->failed) {
		va_start(ap, fmt);
		vsnprintf(p->msg, p->msglen, fmt, ap);
		va_end(ap);
		p->failed = true;
	}
	return -1;
}

struct step *
drill_add(struct drill *d, int kind, unsigned line)
{
	struct step *ns;

	if (d->nsteps == d->cap) {
		d->cap = d->cap == 0 ? 16 : d->cap * 2;
		if ((ns = realloc(d->steps, d->cap * sizeof(*ns))) == NULL) {
			fprintf(stderr, "marsfail: no memory\n");
			exit(EXIT_USAGE);
		}
		d->steps = ns;
	}
	ns = &d->steps[d->nsteps++];
	memset(ns, 0, sizeof(*ns));
	ns->kind = kind;
	ns->line = line;
	return ns;
}

int
entity_index(const struct drill *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->cc->n_mars; i++)
		if (strcmp(d->cc->mars[i].name, name) == 0)
			return (int)i;
	for (i = 0; i < d->cc->n_mars; i++)
		if (strcasecmp(d->cc->mars[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
need_cluster(struct parse *p, const char *what)
{
	if (p->d->cc == NULL)
		return perr(p, "%s before `cluster FILE'", what);
	return 0;
}

static int
entity(struct parse *p, const char *name, unsigned *out)
{
	int i;

	if (need_cluster(p, name) != 0)
		return -1;
	if ((i = entity_index(p->d, name)) < 0)
		return perr(p, "no MARS entity \"%s\" in %s", name,
		    p->d->cluster_path);
	*out = (unsigned)i;
	return 0;
}

static int
duration(struct parse *p, const char *word, const char *v, mars_time_t *out)
{
	struct mars_err e;

	memset(&e, 0, sizeof(e));
	if (v == NULL)
		return perr(p, "%s needs a duration (250ms, 2s, 1m)", word);
	if (mars_config_parse_duration(v, out, &e) != 0)
		return perr(p, "bad duration \"%s\" after %s: %s", v, word,
		    e.why);
	return 0;
}

static int
number(struct parse *p, const char *word, const char *v, unsigned long long max,
    unsigned long long *out)
{
	char *end;

	if (v == NULL)
		return perr(p, "%s needs a number", word);
	errno = 0;
	*out = strtoull(v, &end, 0);
	if (!isdigit((unsigned char)v[0]) || *end != '\0' || errno != 0)
		return perr(p, "%s: \"%s\" is not a number", word, v);
	if (*out > max)
		return perr(p, "%s: %s is more than %llu", word, v, max);
	return 0;
}

/* "1%", "0.5%", "250ppm" -> parts per million. */
static int
ratio(struct parse *p, const char *word, const char *v, uint32_t *ppm)
{
	char *end;
	double x;

	if (v == NULL)
		return perr(p, "%s needs a ratio (1%%, 0.5%%, 200ppm)", word);
	x = strtod(v, &end);
	if (end == v || x < 0)
		return perr(p, "%s: \"%s\" is not a ratio", word, v);
	if (strcmp(end, "%") == 0)
		x *= 10000.0;
	else if (strcmp(end, "ppm") != 0)
		return perr(p, "%s: \"%s\": write it with %% or ppm", word, v);
	if (x > 1000000.0)
		return perr(p, "%s: \"%s\" is more than 100%%", word, v);
	*ppm = (uint32_t)(x + 0.5);
	return 0;
}

static int
parse_net(struct parse *p, char **w, size_t n, struct mars_sim_net *net)
{
	size_t i;

	memset(net, 0, sizeof(*net));
	if (n < 2)
		return perr(p, "net needs delay, jitter, loss or dup");
	for (i = 1; i < n; i += 2) {
		if (strcmp(w[i], "delay") == 0) {
			if (strcmp(w[i + 1 < n ? i + 1 : i], "0") == 0)
				net->delay = 0;
			else if (duration(p, "delay", i + 1 < n ? w[i + 1] :
			    NULL, &net->delay) != 0)
				return -1;
		} else if (strcmp(w[i], "jitter") == 0) {
			if (duration(p, "jitter", i + 1 < n ? w[i + 1] : NULL,
			    &net->jitter) != 0)
				return -1;
		} else if (strcmp(w[i], "loss") == 0) {
			if (ratio(p, "loss", i + 1 < n ? w[i + 1] : NULL,
			    &net->loss_ppm) != 0)
				return -1;
		} else if (strcmp(w[i], "dup") == 0) {
			if (ratio(p, "dup", i + 1 < n ? w[i + 1] : NULL,
			    &net->dup_ppm) != 0)
				return -1;
		} else
			return perr(p, "net: unknown \"%s\" (delay, jitter, "
			    "loss, dup)", w[i]);
	}
	return 0;
}

static int
parse_faults(struct parse *p, const char *v, unsigned *mask)
{
	char buf[FAIL_LINE_MAX], *tok, *save;

	*mask = 0;
	if (v == NULL)
		return perr(p, "fault needs omit-dead, fresh-cmi or skip-sync");
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "omit-dead") == 0)
			*mask |= MARS_REDUND_FI_OMIT_DEAD;
		else if (strcmp(tok, "fresh-cmi") == 0)
			*mask |= MARS_REDUND_FI_FRESH_CMI;
		else if (strcmp(tok, "skip-sync") == 0)
			*mask |= MARS_REDUND_FI_SKIP_SYNC;
		else
			return perr(p, "fault: unknown \"%s\" (omit-dead, "
			    "fresh-cmi, skip-sync)", tok);
	}
	return 0;
}

const char *
fault_names(unsigned mask, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s",
	    mask & MARS_REDUND_FI_OMIT_DEAD ? "omit-dead" : "",
	    (mask & MARS_REDUND_FI_OMIT_DEAD) &&
	    (mask & (MARS_REDUND_FI_FRESH_CMI | MARS_REDUND_FI_SKIP_SYNC)) ?
	    "," : "",
	    mask & MARS_REDUND_FI_FRESH_CMI ? "fresh-cmi" : "",
	    (mask & MARS_REDUND_FI_FRESH_CMI) &&
	    (mask & MARS_REDUND_FI_SKIP_SYNC) ? "," : "",
	    mask & MARS_REDUND_FI_SKIP_SYNC ? "skip-sync" : "");
	return buf;
}

/* The rules behind `redirect-order': every rule about maps. */
#define REDIRECT_RULES ( \
	(1u << MARS_CHECK_REDIRECT_WHOLE_GROUP) | \
	(1u << MARS_CHECK_REDIRECT_ONLY_GROUP) | \
	(1u << MARS_CHECK_REDIRECT_SENDER_FIRST) | \
	(1u << MARS_CHECK_REDIRECT_LIVING_FIRST) | \
	(1u << MARS_CHECK_REDIRECT_STABLE) | \
	(1u << MARS_CHECK_REDIRECT_PARTITION) | \
	(1u << MARS_CHECK_REDIRECT_HARD_FROM_BACKUP) | \
	(1u << MARS_CHECK_BACKUP_HARD_REDIRECT))

static int
rule_mask(struct parse *p, const char *name, uint32_t *mask)
{
	int r;

	if (strcmp(name, "redirect-order") == 0) {
		*mask = REDIRECT_RULES;
		return 0;
	}
	if (strcmp(name, "all-rules") == 0) {
		*mask = MARS_CHECK_ALL_RULES;
		return 0;
	}
	if ((r = mars_check_rule_lookup(name)) < 0)
		return perr(p, "expect: unknown \"%s\" (active, reregistered, "
		    "membership-intact, no-dual-active, no-findings, "
		    "redirect-order, broken RULE, or a rule of marsmap -l)",
		    name);
	*mask = 1u << r;
	return 0;
}

static int
parse_within(struct parse *p, char **w, size_t n, size_t i, struct step *st)
{
	if (i == n)
		return 0;
	if (strcmp(w[i], "within") != 0 || i + 2 != n)
		return perr(p, "expect %s: expected `within DURATION' after it",
		    w[1]);
	st->has_within = true;
	return duration(p, "within", w[i + 1], &st->dur);
}

static int
parse_expect(struct parse *p, char **w, size_t n, struct step *st)
{
	if (n < 2)
		return perr(p, "expect needs what to expect");
	if (!p->started)
		return perr(p, "expect before start");
	if (strcmp(w[1], "active") == 0) {
		st->ex = EX_ACTIVE;
		if (n < 3)
			return perr(p, "expect active needs a MARS entity");
		if (entity(p, w[2], &st->ent) != 0)
			return -1;
		return parse_within(p, w, n, 3, st);
	}
	if (strcmp(w[1], "reregistered") == 0) {
		st->ex = EX_REREGISTERED;
		return parse_within(p, w, n, 2, st);
	}
	if (n > 2 && strcmp(w[1], "broken") != 0 &&
	    strcmp(w[1], "membership-intact") != 0)
		return perr(p, "expect %s: unexpected \"%s\"", w[1], w[2]);
	if (strcmp(w[1], "membership-intact") == 0) {
		st->ex = EX_MEMBERSHIP;
		return parse_within(p, w, n, 2, st);
	}
	else if (strcmp(w[1], "no-dual-active") == 0) {
		st->ex = EX_NO_DUAL;
		st->rules = 1u << MARS_CHECK_SINGLE_ACTIVE;
	} else if (strcmp(w[1], "no-findings") == 0)
		st->ex = EX_NO_FINDINGS;
	else if (strcmp(w[1], "broken") == 0) {
		st->ex = EX_BROKEN;
		if (n != 3)
			return perr(p, "expect broken needs one rule");
		return rule_mask(p, w[2], &st->rules);
	} else {
		st->ex = EX_RULES;
		return rule_mask(p, w[1], &st->rules);
	}
	return 0;
}

static int
parse_partition(struct parse *p, char **w, size_t n, struct step *st)
{
	uint32_t *set = &st->seta;
	unsigned e;
	size_t i;
	int side = 1;
	bool bar = false;

	for (i = 1; i < n; i++) {
		if (strcmp(w[i], "|") == 0) {
			if (bar)
				return perr(p, "partition: one `|' only");
			bar = true;
			set = &st->setb;
			side = 2;
			continue;
		}
		if (strcmp(w[i], "members") == 0) {
			if (st->members_with != 0)
				return perr(p, "partition: members on one side "
				    "only");
			st->members_with = side;
			continue;
		}
		if (entity(p, w[i], &e) != 0)
			return -1;
		if ((st->seta | st->setb) & (1u << e))
			return perr(p, "partition: %s on both sides or twice",
			    w[i]);
		*set |= 1u << e;
	}
	if (!bar || st->seta == 0 || st->setb == 0)
		return perr(p, "partition needs MARS entities on both sides "
		    "of `|' (partition M1 M2 | M3)");
	return 0;
}

static int
load_cluster(struct parse *p, const char *file)
{
	struct drill *d = p->d;
	struct mars_err e;
	char msg[MARS_CONF_MSG_MAX];

	if (d->cc != NULL)
		return perr(p, "cluster given twice");
	if (p->cluster_override != NULL)
		snprintf(d->cluster_path, sizeof(d->cluster_path), "%s",
		    p->cluster_override);
	else if (file[0] == '/' || p->dir == NULL || p->dir[0] == '\0')
		snprintf(d->cluster_path, sizeof(d->cluster_path), "%s", file);
	else
		snprintf(d->cluster_path, sizeof(d->cluster_path), "%s/%s",
		    p->dir, file);
	d->cluster_line = p->line;
	memset(&e, 0, sizeof(e));
	if (mars_config_load_new(&d->cc, d->cluster_path, &e, msg,
	    sizeof(msg)) != 0)
		return perr(p, "cluster %s: %s", file, msg);
	if (d->cc->n_mars == 0)
		return perr(p, "cluster %s: no [mars] section", file);
	if (d->cc->n_mars > 32)
		return perr(p, "cluster %s: more than 32 entities", file);
	return 0;
}

static int
head_only(struct parse *p, const char *word)
{
	if (p->started)
		return perr(p, "%s after start: it describes the cluster, "
		    "before start", word);
	return 0;
}

/* The directives that make a step, and their kinds. */
static const struct {
	const char	*word;
	int		 kind;
} directives[] = {
	{ "start",	ST_START },
	{ "wait",	ST_WAIT },
	{ "kill",	ST_KILL },
	{ "hang",	ST_HANG },
	{ "resume",	ST_RESUME },
	{ "restart",	ST_RESTART },
	{ "partition",	ST_PARTITION },
	{ "heal",	ST_HEAL },
	{ "net",	ST_NET },
	{ "mcs",	ST_MCS },
	{ "expect",	ST_EXPECT },
};

static int
parse_line(struct parse *p, char **w, size_t n)
{
	struct drill *d = p->d;
	struct step *st;
	unsigned long long v;
	size_t i;
	int kind;

	if (strcmp(w[0], "cluster") == 0) {
		if (n != 2)
			return perr(p, "cluster needs one file name");
		if (head_only(p, w[0]) != 0)
			return -1;
		return load_cluster(p, w[1]);
	}
	if (strcmp(w[0], "title") == 0) {
		d->title[0] = '\0';
		for (i = 1; i < n; i++) {
			strncat(d->title, w[i], sizeof(d->title) -
			    strlen(d->title) - 2);
			if (i + 1 < n)
				strcat(d->title, " ");
		}
		return 0;
	}
	if (strcmp(w[0], "clients") == 0) {
		if (head_only(p, w[0]) != 0 ||
		    number(p, "clients", n > 1 ? w[1] : NULL,
		    MARS_SIMCLU_MEMBERS_MAX, &v) != 0)
			return -1;
		d->clients = (size_t)v;
		for (i = 2; i < n; i += 2) {
			if (strcmp(w[i], "groups") == 0) {
				if (number(p, "groups", i + 1 < n ? w[i + 1] :
				    NULL, MARS_SIMCLU_GROUPS_MAX, &v) != 0)
					return -1;
				d->groups = (size_t)v;
			} else if (strcmp(w[i], "each") == 0) {
				if (number(p, "each", i + 1 < n ? w[i + 1] :
				    NULL, MARS_SIMCLU_GROUPS_EACH_MAX, &v) != 0)
					return -1;
				d->groups_each = (size_t)v;
			} else
				return perr(p, "clients: unknown \"%s\" "
				    "(groups G, each E)", w[i]);
		}
		if (d->groups_each > d->groups)
			d->groups_each = d->groups;
		return 0;
	}
	if (strcmp(w[0], "seed") == 0) {
		if (head_only(p, w[0]) != 0 || n != 2 ||
		    number(p, "seed", w[1], UINT64_MAX, &v) != 0)
			return n != 2 ? perr(p, "seed needs a number") : -1;
		d->seed = v;
		d->has_seed = true;
		return 0;
	}
	if (strcmp(w[0], "fault") == 0) {
		if (head_only(p, w[0]) != 0 || n != 2)
			return n != 2 ? perr(p, "fault needs a list") : -1;
		return parse_faults(p, w[1], &d->faults);
	}
	if (strcmp(w[0], "net") == 0 && !p->started)
		return parse_net(p, w, n, &d->net);
	if (strcmp(w[0], "mcs") == 0 && !p->started) {
		/* Before start: the MCS serves before the members join. */
		if (n != 3 || strcmp(w[1], "serve") != 0)
			return perr(p, "mcs needs `serve GROUP' (1..groups)");
		if (number(p, "mcs serve", w[2], MARS_SIMCLU_GROUPS_MAX,
		    &v) != 0)
			return -1;
		if (v == 0 || v > d->groups)
			return perr(p, "mcs serve %llu: groups are 1..%zu", v,
			    d->groups);
		d->mcs_first = (size_t)v;
		d->uses_mcs = true;
		return 0;
	}

	for (i = 0; i < sizeof(directives) / sizeof(directives[0]); i++)
		if (strcmp(w[0], directives[i].word) == 0)
			break;
	if (i == sizeof(directives) / sizeof(directives[0]))
		return perr(p, "unknown directive \"%s\"", w[0]);
	kind = directives[i].kind;
	if (need_cluster(p, w[0]) != 0)
		return -1;
	if (kind == ST_START) {
		if (p->started)
			return perr(p, "start given twice");
		p->started = true;
	} else if (!p->started && kind != ST_EXPECT)
		return perr(p, "%s before start", w[0]);
	st = drill_add(d, kind, p->line);
	switch (kind) {
	case ST_START:
		if (n == 3 && strcmp(w[1], "within") == 0) {
			st->has_within = true;
			return duration(p, "within", w[2], &st->dur);
		}
		if (n != 1)
			return perr(p, "start takes only `within DURATION'");
		return 0;
	case ST_WAIT:
		if (n != 2)
			return perr(p, "wait needs one duration");
		return duration(p, "wait", w[1], &st->dur);
	case ST_KILL:
	case ST_RESUME:
	case ST_RESTART:
		if (n != 2)
			return perr(p, "%s needs one MARS entity", w[0]);
		return entity(p, w[1], &st->ent);
	case ST_HANG:
		if (n != 2 && n != 3)
			return perr(p, "hang needs a MARS entity and may have "
			    "a duration");
		if (entity(p, w[1], &st->ent) != 0)
			return -1;
		return n == 3 ? duration(p, "hang", w[2], &st->dur) : 0;
	case ST_PARTITION:
		return parse_partition(p, w, n, st);
	case ST_HEAL:
		return n == 1 ? 0 : perr(p, "heal takes nothing");
	case ST_NET:
		return parse_net(p, w, n, &st->net);
	case ST_MCS:
		if (n != 3 || strcmp(w[1], "serve") != 0)
			return perr(p, "mcs needs `serve GROUP' (1..groups)");
		if (number(p, "mcs serve", w[2], MARS_SIMCLU_GROUPS_MAX,
		    &v) != 0)
			return -1;
		if (v == 0 || v > d->groups)
			return perr(p, "mcs serve %llu: groups are 1..%zu", v,
			    d->groups);
		st->group = (size_t)v - 1;
		d->uses_mcs = true;
		return 0;
	default:
		return parse_expect(p, w, n, st);
	}
}

static void
step_text(struct step *st, char **w, size_t n)
{
	size_t i;

	st->text[0] = '\0';
	for (i = 0; i < n; i++) {
		strncat(st->text, w[i], sizeof(st->text) - strlen(st->text) - 2);
		if (i + 1 < n)
			strcat(st->text, " ");
	}
}

int
drill_parse_text(struct drill *d, const char *text, const char *name,
    const char *dir, const char *cluster_override, char *msg, size_t msglen,
    unsigned *errline)
{
	struct parse p;
	char line[4096], *w[MAX_WORDS], *s, *hash, *save;
	const char *nl, *base;
	size_t n, len, before;

	memset(&p, 0, sizeof(p));
	p.d = d;
	p.name = name;
	p.dir = dir;
	p.cluster_override = cluster_override;
	p.msg = msg;
	p.msglen = msglen;
	snprintf(d->path, sizeof(d->path), "%s", name);
	base = strrchr(name, '/');
	snprintf(d->name, sizeof(d->name), "%s", base != NULL ? base + 1 :
	    name);
	if ((s = strstr(d->name, ".drill")) != NULL)
		*s = '\0';
	d->clients = 10;
	d->groups = 4;
	d->groups_each = 2;
	d->net.delay = 1;	/* a VC is never instantaneous */
	while (*text != '\0') {
		p.line++;
		nl = strchr(text, '\n');
		len = nl != NULL ? (size_t)(nl - text) : strlen(text);
		if (len >= sizeof(line)) {
			perr(&p, "line longer than %zu characters",
			    sizeof(line) - 1);
			break;
		}
		memcpy(line, text, len);
		line[len] = '\0';
		text += len + (nl != NULL ? 1 : 0);
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		for (s = line; *s != '\0'; s++)
			if (((unsigned char)*s < 0x20 && *s != '\t') ||
			    *s == 0x7f) {
				perr(&p, "a control character in the line");
				break;
			}
		if (p.failed)
			break;
		n = 0;
		for (s = strtok_r(line, " \t\r", &save); s != NULL;
		    s = strtok_r(NULL, " \t\r", &save)) {
			if (n == MAX_WORDS) {
				perr(&p, "more than %d words", MAX_WORDS);
				break;
			}
			w[n++] = s;
		}
		if (p.failed)
			break;
		if (n == 0)
			continue;
		before = d->nsteps;
		if (parse_line(&p, w, n) != 0)
			break;
		if (d->nsteps > before)
			step_text(&d->steps[d->nsteps - 1], w, n);
	}
	if (!p.failed && d->cc == NULL) {
		p.line = 0;
		perr(&p, "no `cluster FILE' line");
	}
	if (!p.failed && !p.started) {
		p.line = 0;
		perr(&p, "no `start' line");
	}
	if (p.failed) {
		*errline = p.line;
		return -1;
	}
	if (d->faults != 0 && !d->cc->fault_injection) {
		snprintf(msg, msglen, "fault: %s does not say fault-injection "
		    "= yes", d->cluster_path);
		*errline = 0;
		return -1;
	}
	return 0;
}

void
drill_load(struct drill *d, const char *path, const char *cluster_override)
{
	char msg[1024], dir[FAIL_PATH_MAX], *slash, *text;
	unsigned line = 0;
	FILE *fp;
	size_t len = 0, cap = 0, got;

	memset(d, 0, sizeof(*d));
	if ((fp = fopen(path, "r")) == NULL)
		diag_fatal(EXIT_USAGE, path, 0, "%s", strerror(errno));
	text = NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap == 0 ? 8192 : cap * 2;
			if (cap > (1u << 24))
				diag_fatal(EXIT_USAGE, path, 0,
				    "larger than 16 MiB");
			if ((text = realloc(text, cap)) == NULL)
				diag_fatal(EXIT_USAGE, path, 0, "no memory");
		}
		got = fread(text + len, 1, 4096, fp);
		len += got;
		if (got < 4096)
			break;
	}
	if (ferror(fp))
		diag_fatal(EXIT_USAGE, path, 0, "%s", strerror(errno));
	fclose(fp);
	text[len] = '\0';
	if (memchr(text, '\0', len) != NULL)
		diag_fatal(EXIT_USAGE, path, 0, "a NUL byte: not a drill file");
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (drill_parse_text(d, text, path, dir, cluster_override, msg,
	    sizeof(msg), &line) != 0) {
		free(text);
		diag_fatal(EXIT_USAGE, path, line, "%s", msg);
	}
	free(text);
}

void
drill_free(struct drill *d)
{
	free(d->steps);
	free(d->cc);
	d->steps = NULL;
	d->cc = NULL;
	d->nsteps = d->cap = 0;
}

void
drill_step_text(const struct drill *d, const struct step *st, char *buf,
    size_t len)
{
	(void)d;
	snprintf(buf, len, "%s", st->text);
}
