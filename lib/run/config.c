/*
 * Cluster file parser (config.h, marsd.conf(5)).
 *
 * One pass over the lines fills struct mars_cluster_conf and remembers on which
 * line each key was set; a second pass checks what needs the whole file
 * (required keys, partitions naming MARS entities defined later, unique
 * ATM addresses and endpoints, disjoint CMI blocks) and reports the line
 * of the key at fault.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/config.h"
#include "mars/endpoint.h"
#include "mars/atm.h"
#include "mars/err.h"

#define LINE_MAX_LEN	1024
#define FILE_MAX_LEN	(1 << 20)
#define DURATION_MAX	(24ull * 60 * 60 * 1000)
#define SUN_PATH_LEN	108		/* sizeof(sockaddr_un.sun_path) */

enum section { SEC_NONE, SEC_CLUSTER, SEC_MARS, SEC_PARTITION };

enum key {
	K_PROTOCOL, K_REDIRECT, K_FAILURE, K_RETRANSMIT, K_HELLO,
	K_DEAD_FACTOR, K_MCS_TIMEOUT, K_FAULT, K_ADMIN,
	K_ATM, K_ENDPOINT, K_PEER_ENDPOINT, K_PRIORITY, K_CMI,
	K_MARS,
	K_MAX
};

static const struct {
	const char	*name;
	enum section	 section;
} keys[K_MAX] = {
	[K_PROTOCOL]	  = { "protocol",		SEC_CLUSTER },
	[K_REDIRECT]	  = { "redirect-interval",	SEC_CLUSTER },
	[K_FAILURE]	  = { "failure-timeout",	SEC_CLUSTER },
	[K_RETRANSMIT]	  = { "retransmit-interval",	SEC_CLUSTER },
	[K_HELLO]	  = { "hello-interval",		SEC_CLUSTER },
	[K_DEAD_FACTOR]	  = { "dead-factor",		SEC_CLUSTER },
	[K_MCS_TIMEOUT]	  = { "mcs-timeout",		SEC_CLUSTER },
	[K_FAULT]	  = { "fault-injection",	SEC_CLUSTER },
	[K_ADMIN]	  = { "admin-socket",		SEC_CLUSTER },
	[K_ATM]		  = { "atm",			SEC_MARS },
	[K_ENDPOINT]	  = { "endpoint",		SEC_MARS },
	[K_PEER_ENDPOINT] = { "peer-endpoint",		SEC_MARS },
	[K_PRIORITY]	  = { "priority",		SEC_MARS },
	[K_CMI]		  = { "cmi",			SEC_MARS },
	[K_MARS]	  = { "mars",			SEC_PARTITION },
};

struct parser {
	const char		*name;		/* file name in messages */
	struct mars_cluster_conf	*conf;
	struct mars_err		*err;
	char			*msg;
	size_t			 msglen;
	size_t			 line_off;	/* byte offset of the line */

	enum section		 section;
	int			 index;		/* current mars/partition */
	char			 where[MARS_CONF_NAME_MAX + 16];	/* "[mars m1]" */
	unsigned		*lines;		/* key lines of this section */

	unsigned		 cluster_line;
	unsigned		 cluster_keys[K_MAX];
	unsigned		 mars_keys[MARS_CONF_MARS_MAX][K_MAX];
	unsigned		 part_keys[MARS_CONF_PARTITION_MAX][K_MAX];
	unsigned		 part_cmi_line[MARS_CONF_PARTITION_MAX];
	char			 part_names[MARS_CONF_PARTITION_MAX][LINE_MAX_LEN];
};

static int __attribute__((format(printf, 3, 4)))
perr(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->msg != NULL && p->msglen > 0) {
		if (line > 0)
			n = snprintf(p->msg, p->msglen, "%s:%u: ", p->name, line);
		else
			n = snprintf(p->msg, p->msglen, "%s: ", p->name);
		if (n >= 0 && (size_t)n < p->msglen) {
			va_start(ap, fmt);
			vsnprintf(p->msg + n, p->msglen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	if (p->err != NULL) {
		memset(p->err, 0, sizeof(*p->err));
		p->err->code = MARS_E_PARSE;
		p->err->offset = (uint32_t)p->line_off;
		p->err->field = "cluster file";
		p->err->why = p->msg;
	}
	return MARS_E_PARSE;
}

void
mars_config_defaults(struct mars_cluster_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->protocol = MARS_CONF_PROTO_IPV4;
	conf->redirect_interval = MARS_CONF_DEF_REDIRECT;
	conf->failure_timeout = MARS_CONF_DEF_FAILURE;
	conf->retransmit_interval = MARS_CONF_DEF_RETRANSMIT;
	conf->hello_interval = MARS_CONF_DEF_HELLO;
	conf->dead_factor = MARS_CONF_DEF_DEAD_FACTOR;
	conf->mcs_timeout = MARS_CONF_DEF_MCS_TIMEOUT;
	conf->fault_injection = false;
}

/* --- values --- */

static int
dur_fail(struct mars_err *err, size_t off, const char *why)
{
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->code = MARS_E_PARSE;
		err->offset = (uint32_t)off;
		err->field = "duration";
		err->why = why;
	}
	return MARS_E_PARSE;
}

int
mars_config_parse_duration(const char *s, mars_time_t *ms, struct mars_err *err)
{
	static const struct {
		const char	*unit;
		mars_time_t	 scale;
	} units[] = {
		{ "",	1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 },
		{ "h",	60 * 60 * 1000 },
	};
	mars_time_t v = 0;
	size_t i = 0, u;

	if (!isdigit((unsigned char)s[0]))
		return dur_fail(err, 0, "not a number");
	for (; isdigit((unsigned char)s[i]); i++) {
		v = v * 10 + (mars_time_t)(s[i] - '0');
		if (v > DURATION_MAX)
			return dur_fail(err, 0, "longer than 24h");
	}
	for (u = 0; u < sizeof(units) / sizeof(units[0]); u++)
		if (strcmp(s + i, units[u].unit) == 0)
			break;
	if (u == sizeof(units) / sizeof(units[0]))
		return dur_fail(err, i, "unknown unit (use ms, s, m or h)");
	v *= units[u].scale;
	if (v == 0)
		return dur_fail(err, 0, "must be longer than 0");
	if (v > DURATION_MAX)
		return dur_fail(err, 0, "longer than 24h");
	*ms = v;
	return 0;
}

/* Decimal without sign; false if not a number or above max. */
static bool
parse_uint(const char *s, unsigned long max, unsigned long *out, bool *range)
{
	unsigned long v = 0;
	size_t i;

	*range = false;
	if (!isdigit((unsigned char)s[0]))
		return false;
	for (i = 0; isdigit((unsigned char)s[i]); i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max) {
			*range = true;
			while (isdigit((unsigned char)s[i]))
				i++;
			*out = v;
			return false;
		}
	}
	*out = v;
	return s[i] == '\0';
}

/* An NSAP address: 40 hex digits, dots between them ignored. */
static const char *
parse_nsap(const char *s, uint8_t *out)
{
	size_t i, n = 0;
	int h;

	memset(out, 0, MARS_ATM_ADDR_MAX);
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '.')
			continue;
		if ((h = mars_atm_hexval(s[i])) < 0)
			return "invalid character (expected hex digits and dots)";
		if (n == 2 * MARS_ATM_ADDR_MAX)
			return "more than 40 hex digits";
		out[n / 2] |= (uint8_t)(n % 2 == 0 ? h << 4 : h);
		n++;
	}
	if (n != 2 * MARS_ATM_ADDR_MAX)
		return "need 40 hex digits";
	return NULL;
}

/* cmi = LOW-HIGH (or one number): a block of mar$cmi values, RFC 2022 §5.2.3. */
static int
parse_cmi(struct parser *p, unsigned line, const char *v, uint16_t *lo,
    uint16_t *hi)
{
	unsigned long a, b;
	const char *dash = strchr(v, '-');
	char first[32];
	bool range;
	size_t n;

	n = dash != NULL ? (size_t)(dash - v) : strlen(v);
	if (n == 0 || n >= sizeof(first))
		return perr(p, line, "bad CMI block \"%s\" in %s: expected "
		    "LOW-HIGH", v, p->where);
	memcpy(first, v, n);
	first[n] = '\0';
	if (!parse_uint(first, 65535, &a, &range) ||
	    (dash != NULL && !parse_uint(dash + 1, 65535, &b, &range))) {
		if (range)
			return perr(p, line, "CMI out of range (1-65535) in %s",
			    p->where);
		return perr(p, line, "bad CMI block \"%s\" in %s: expected "
		    "LOW-HIGH", v, p->where);
	}
	if (dash == NULL)
		b = a;
	if (a == 0)
		return perr(p, line, "CMI 0 not allowed in %s", p->where);
	if (a > b)
		return perr(p, line, "CMI block %lu-%lu in %s is empty "
		    "(low end above high end)", a, b, p->where);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int
set_duration(struct parser *p, unsigned line, const char *key, const char *v,
    mars_time_t *out)
{
	struct mars_err e;

	if (mars_config_parse_duration(v, out, &e) != 0)
		return perr(p, line, "bad duration \"%s\" for %s in %s: %s", v,
		    key, p->where, e.why);
	return 0;
}

static int
set_endpoint(struct parser *p, unsigned line, const char *key, const char *v,
    struct mars_endpoint *ep)
{
	struct mars_err e;

	if (mars_endpoint_parse(ep, v, &e) != 0)
		return perr(p, line, "bad %s \"%s\" in %s: %s", key, v, p->where,
		    e.why);
	if (ep->kind == MARS_ENDPOINT_UDP && ep->port == 0)
		return perr(p, line, "%s \"%s\" in %s: port 0 is not allowed "
		    "here", key, v, p->where);
	return 0;
}

/* admin-socket: "%n" (the entity's name) and "%%" are the only escapes. */
static const char *
admin_template_bad(const char *v)
{
	for (; *v != '\0'; v++)
		if (v[0] == '%') {
			if (v[1] != 'n' && v[1] != '%')
				return "only %n (the entity's name) and %% may "
				    "follow %";
			v++;
		}
	return NULL;
}

static int
set_value(struct parser *p, unsigned line, enum key k, const char *v)
{
	struct mars_cluster_conf *c = p->conf;
	struct mars_entity_conf *m = &c->mars[p->index];
	struct mars_partition_conf *pt = &c->partitions[p->index];
	const char *why;
	unsigned long n;
	bool range;

	switch (k) {
	case K_PROTOCOL:
		if (strcmp(v, "ipv4") == 0)
			c->protocol = MARS_CONF_PROTO_IPV4;
		else if (strcmp(v, "ipv6") == 0)
			c->protocol = MARS_CONF_PROTO_IPV6;
		else
			return perr(p, line, "bad protocol \"%s\" in %s: "
			    "expected ipv4 or ipv6", v, p->where);
		return 0;
	case K_REDIRECT:
		return set_duration(p, line, keys[k].name, v, &c->redirect_interval);
	case K_FAILURE:
		return set_duration(p, line, keys[k].name, v, &c->failure_timeout);
	case K_RETRANSMIT:
		return set_duration(p, line, keys[k].name, v,
		    &c->retransmit_interval);
	case K_HELLO:
		return set_duration(p, line, keys[k].name, v, &c->hello_interval);
	case K_MCS_TIMEOUT:
		return set_duration(p, line, keys[k].name, v, &c->mcs_timeout);
	case K_DEAD_FACTOR:
		if (!parse_uint(v, 100, &n, &range) && !range)
			return perr(p, line, "bad number \"%s\" for dead-factor "
			    "in %s", v, p->where);
		if (range || n == 0)
			return perr(p, line, "dead-factor %s out of range "
			    "(1-100) in %s", v, p->where);
		c->dead_factor = (unsigned)n;
		return 0;
	case K_FAULT:
		if (strcmp(v, "yes") == 0)
			c->fault_injection = true;
		else if (strcmp(v, "no") == 0)
			c->fault_injection = false;
		else
			return perr(p, line, "bad value \"%s\" for "
			    "fault-injection in %s: expected yes or no", v,
			    p->where);
		return 0;
	case K_ADMIN:
		if (strlen(v) >= SUN_PATH_LEN)
			return perr(p, line, "admin-socket path in %s is longer "
			    "than %d characters", p->where, SUN_PATH_LEN - 1);
		if ((why = admin_template_bad(v)) != NULL)
			return perr(p, line, "bad admin-socket \"%s\" in %s: %s",
			    v, p->where, why);
		snprintf(p->section == SEC_MARS ? m->admin_socket :
		    c->admin_socket, MARS_CONF_PATH_MAX, "%s", v);
		return 0;
	case K_ATM:
		if ((why = parse_nsap(v, m->atm)) != NULL)
			return perr(p, line, "bad atm address \"%s\" in %s: %s",
			    v, p->where, why);
		m->atm_len = MARS_ATM_ADDR_MAX;
		return 0;
	case K_ENDPOINT:
		return set_endpoint(p, line, keys[k].name, v, &m->endpoint);
	case K_PEER_ENDPOINT:
		m->has_peer_endpoint = true;
		return set_endpoint(p, line, keys[k].name, v, &m->peer_endpoint);
	case K_PRIORITY:
		if (!parse_uint(v, 255, &n, &range)) {
			if (range)
				return perr(p, line, "priority %s out of range "
				    "(0-255) in %s", v, p->where);
			return perr(p, line, "bad number \"%s\" for priority "
			    "in %s", v, p->where);
		}
		m->priority = (uint8_t)n;
		return 0;
	case K_CMI:
		if (p->section == SEC_PARTITION) {
			p->part_cmi_line[p->index] = line;
			return parse_cmi(p, line, v, &pt->cmi_low, &pt->cmi_high);
		}
		m->has_cmi = true;
		return parse_cmi(p, line, v, &m->cmi_low, &m->cmi_high);
	case K_MARS:
		/* names are resolved once every [mars] section is known */
		snprintf(p->part_names[p->index], LINE_MAX_LEN, "%s", v);
		return 0;
	case K_MAX:
		break;
	}
	return 0;
}

/* --- lines --- */

static bool
name_ok(const char *s)
{
	size_t i;

	if (s[0] == '\0' || strlen(s) >= MARS_CONF_NAME_MAX)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
section_header(struct parser *p, unsigned line, char *s)
{
	struct mars_cluster_conf *c = p->conf;
	char *end = strchr(s, ']'), *type, *name, *extra;
	size_t i;

	if (end == NULL || end[1] != '\0')
		return perr(p, line, end == NULL ? "unterminated section header" :
		    "text after section header");
	*end = '\0';
	type = strtok(s + 1, " \t");
	name = type != NULL ? strtok(NULL, " \t") : NULL;
	extra = name != NULL ? strtok(NULL, " \t") : NULL;
	if (type == NULL)
		return perr(p, line, "empty section header");
	if (strcmp(type, "cluster") == 0) {
		if (name != NULL)
			return perr(p, line, "[cluster] takes no name");
		if (p->cluster_line != 0)
			return perr(p, line, "duplicate section [cluster] "
			    "(first at line %u)", p->cluster_line);
		p->cluster_line = line;
		p->section = SEC_CLUSTER;
		p->lines = p->cluster_keys;
		snprintf(p->where, sizeof(p->where), "[cluster]");
		return 0;
	}
	if (strcmp(type, "mars") != 0 && strcmp(type, "partition") != 0)
		return perr(p, line, "unknown section [%s]", type);
	if (name == NULL)
		return perr(p, line, "[%s] needs a name", type);
	if (extra != NULL || !name_ok(name))
		return perr(p, line, "bad name in [%s %s%s%s]: use up to %d "
		    "letters, digits, '-', '_' or '.'", type, name,
		    extra != NULL ? " " : "", extra != NULL ? extra : "",
		    MARS_CONF_NAME_MAX - 1);
	if (strcmp(type, "mars") == 0) {
		for (i = 0; i < c->n_mars; i++)
			if (strcmp(c->mars[i].name, name) == 0)
				return perr(p, line, "duplicate section [mars %s] "
				    "(first at line %u)", name, c->mars[i].line);
		if (c->n_mars == MARS_CONF_MARS_MAX)
			return perr(p, line, "more than %d [mars] sections",
			    MARS_CONF_MARS_MAX);
		p->index = (int)c->n_mars++;
		snprintf(c->mars[p->index].name, MARS_CONF_NAME_MAX, "%s", name);
		c->mars[p->index].line = line;
		c->mars[p->index].priority = MARS_CONF_DEF_PRIORITY;
		p->section = SEC_MARS;
		p->lines = p->mars_keys[p->index];
	} else {
		for (i = 0; i < c->n_partitions; i++)
			if (strcmp(c->partitions[i].name, name) == 0)
				return perr(p, line, "duplicate section [partition "
				    "%s] (first at line %u)", name,
				    c->partitions[i].line);
		if (c->n_partitions == MARS_CONF_PARTITION_MAX)
			return perr(p, line, "more than %d [partition] sections",
			    MARS_CONF_PARTITION_MAX);
		p->index = (int)c->n_partitions++;
		snprintf(c->partitions[p->index].name, MARS_CONF_NAME_MAX, "%s", name);
		c->partitions[p->index].line = line;
		p->section = SEC_PARTITION;
		p->lines = p->part_keys[p->index];
	}
	snprintf(p->where, sizeof(p->where), "[%s %s]", type, name);
	return 0;
}

static int
key_value(struct parser *p, unsigned line, char *s)
{
	char *eq = strchr(s, '='), *key, *val;
	int k;

	if (eq == NULL)
		return perr(p, line, "expected \"key = value\" or [section]");
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (*key == '\0')
		return perr(p, line, "missing key before '='");
	if (p->section == SEC_NONE)
		return perr(p, line, "key \"%s\" outside any section", key);
	for (k = 0; k < K_MAX; k++)
		if (strcmp(keys[k].name, key) == 0 &&
		    (keys[k].section == p->section ||
		    (k == K_CMI && p->section == SEC_PARTITION) ||
		    (k == K_ADMIN && p->section == SEC_MARS)))
			break;
	if (k == K_MAX)
		return perr(p, line, "unknown key \"%s\" in %s", key, p->where);
	if (p->lines[k] != 0)
		return perr(p, line, "duplicate key \"%s\" in %s (first at line "
		    "%u)", key, p->where, p->lines[k]);
	p->lines[k] = line;
	if (*val == '\0')
		return perr(p, line, "empty value for \"%s\" in %s", key,
		    p->where);
	return set_value(p, line, (enum key)k, val);
}

/* Cut a comment: '#' or ';' at the start or after white space. */
static void
strip_comment(char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((s[i] == '#' || s[i] == ';') &&
		    (i == 0 || isspace((unsigned char)s[i - 1]))) {
			s[i] = '\0';
			return;
		}
}

/* --- whole-file checks --- */

static int
resolve_partition(struct parser *p, size_t pi)
{
	struct mars_cluster_conf *c = p->conf;
	struct mars_partition_conf *pt = &c->partitions[pi];
	unsigned line = p->part_keys[pi][K_MARS];
	char *names = p->part_names[pi], *tok, *save = NULL;
	size_t j;
	int mi;

	snprintf(p->where, sizeof(p->where), "[partition %s]", pt->name);
	if (line == 0)
		return perr(p, pt->line, "missing key \"mars\" in %s", p->where);
	if (p->part_keys[pi][K_CMI] == 0)
		return perr(p, pt->line, "missing key \"cmi\" in %s", p->where);
	for (tok = strtok_r(names, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		if ((mi = mars_config_mars_index(c, tok)) < 0)
			return perr(p, line, "unknown MARS \"%s\" in %s", tok,
			    p->where);
		for (j = 0; j < pt->n_mars; j++)
			if (pt->mars[j] == mi)
				return perr(p, line, "MARS \"%s\" listed twice in "
				    "%s", tok, p->where);
		if (c->mars[mi].has_cmi)
			return perr(p, line, "MARS \"%s\" in %s has its own cmi "
			    "(line %u); a partition's MARS use the partition's "
			    "block", tok, p->where, p->mars_keys[mi][K_CMI]);
		pt->mars[pt->n_mars++] = (uint8_t)mi;
	}
	if (pt->n_mars == 0)
		return perr(p, line, "no MARS named in %s", p->where);
	return 0;
}

struct cmi_block {
	uint16_t	 lo, hi;
	unsigned	 line;
	char		 where[MARS_CONF_NAME_MAX + 16];
};

static int
check_cmi_blocks(struct parser *p)
{
	struct mars_cluster_conf *c = p->conf;
	struct cmi_block b[MARS_CONF_MARS_MAX + MARS_CONF_PARTITION_MAX], t;
	size_t n = 0, i, j;

	for (i = 0; i < c->n_mars; i++)
		if (c->mars[i].has_cmi) {
			b[n] = (struct cmi_block){ c->mars[i].cmi_low,
			    c->mars[i].cmi_high, p->mars_keys[i][K_CMI], "" };
			snprintf(b[n++].where, sizeof(b[0].where), "[mars %s]",
			    c->mars[i].name);
		}
	for (i = 0; i < c->n_partitions; i++) {
		b[n] = (struct cmi_block){ c->partitions[i].cmi_low,
		    c->partitions[i].cmi_high, p->part_cmi_line[i], "" };
		snprintf(b[n++].where, sizeof(b[0].where), "[partition %s]",
		    c->partitions[i].name);
	}
	/* in file order, so the later of two overlapping blocks is blamed */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && b[j - 1].line > b[j].line; j--) {
			t = b[j];
			b[j] = b[j - 1];
			b[j - 1] = t;
		}
	for (i = 1; i < n; i++)
		for (j = 0; j < i; j++)
			if (b[i].lo <= b[j].hi && b[j].lo <= b[i].hi)
				return perr(p, b[i].line, "CMI block %u-%u in %s "
				    "overlaps %u-%u in %s (line %u)", b[i].lo,
				    b[i].hi, b[i].where, b[j].lo, b[j].hi,
				    b[j].where, b[j].line);
	return 0;
}

static int
check_endpoints(struct parser *p)
{
	struct mars_cluster_conf *c = p->conf;
	const struct mars_endpoint *ei, *ej;
	char text[MARS_ENDPOINT_TEXT_MAX];
	size_t i, j;
	int a, b;

	for (i = 0; i < c->n_mars; i++)
		for (a = 0; a < 2; a++) {
			ei = a == 0 ? &c->mars[i].endpoint : &c->mars[i].peer_endpoint;
			if (a == 1 && !c->mars[i].has_peer_endpoint)
				continue;
			for (j = 0; j < i; j++)
				for (b = 0; b < 2; b++) {
					ej = b == 0 ? &c->mars[j].endpoint :
					    &c->mars[j].peer_endpoint;
					if (b == 1 && !c->mars[j].has_peer_endpoint)
						continue;
					if (!mars_endpoint_equal(ei, ej))
						continue;
					mars_endpoint_format(ei, text, sizeof(text));
					return perr(p, p->mars_keys[i][a == 0 ?
					    K_ENDPOINT : K_PEER_ENDPOINT],
					    "duplicate endpoint \"%s\" in [mars "
					    "%s] (same as [mars %s])", text,
					    c->mars[i].name, c->mars[j].name);
				}
		}
	return 0;
}

static int
check_file(struct parser *p)
{
	struct mars_cluster_conf *c = p->conf;
	struct mars_entity_conf *m;
	size_t i, j;
	int rc;

	p->line_off = 0;
	if (c->n_mars == 0)
		return perr(p, 0, "no [mars] section");
	for (i = 0; i < c->n_mars; i++) {
		m = &c->mars[i];
		if (p->mars_keys[i][K_ATM] == 0)
			return perr(p, m->line, "missing key \"atm\" in [mars %s]",
			    m->name);
		if (p->mars_keys[i][K_ENDPOINT] == 0)
			return perr(p, m->line, "missing key \"endpoint\" in "
			    "[mars %s]", m->name);
		for (j = 0; j < i; j++)
			if (memcmp(m->atm, c->mars[j].atm, MARS_ATM_ADDR_MAX) == 0)
				return perr(p, p->mars_keys[i][K_ATM],
				    "duplicate atm address in [mars %s] (same as "
				    "[mars %s])", m->name, c->mars[j].name);
	}
	if ((rc = check_endpoints(p)) != 0)
		return rc;
	for (i = 0; i < c->n_partitions; i++)
		if ((rc = resolve_partition(p, i)) != 0)
			return rc;
	return check_cmi_blocks(p);
}

int
mars_config_parse_text(const char *text, size_t len, const char *name,
    struct mars_cluster_conf *conf, struct mars_err *err, char *msg, size_t msglen)
{
	struct parser *p;
	char buf[LINE_MAX_LEN], *s;
	size_t pos = 0, n;
	unsigned line = 0;
	int rc = 0;

	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	mars_config_defaults(conf);
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		if (err != NULL) {
			memset(err, 0, sizeof(*err));
			err->code = MARS_E_SYS;
			err->sys_errno = errno;
			err->field = "cluster file";
		}
		return MARS_E_SYS;
	}
	p->name = name;
	p->conf = conf;
	p->err = err;
	p->msg = msg;
	p->msglen = msglen;
	while (pos < len && rc == 0) {
		line++;
		p->line_off = pos;
		for (n = 0; pos + n < len && text[pos + n] != '\n'; n++)
			;
		if (n >= sizeof(buf)) {
			rc = perr(p, line, "line longer than %d characters",
			    LINE_MAX_LEN - 1);
			break;
		}
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos += n + 1;
		if (memchr(buf, '\0', n) != NULL) {
			rc = perr(p, line, "NUL character in line");
			break;
		}
		strip_comment(buf);
		s = trim(buf);
		if (*s == '\0')
			continue;
		if (*s == '[')
			rc = section_header(p, line, s);
		else
			rc = key_value(p, line, s);
	}
	if (rc == 0)
		rc = check_file(p);
	free(p);
	return rc;
}

int
mars_config_load_new(struct mars_cluster_conf **cp, const char *path,
    struct mars_err *err, char *msg, size_t msglen)
{
	struct mars_cluster_conf *c;
	int rv;

	*cp = NULL;
	if ((c = malloc(sizeof(*c))) == NULL) {
		snprintf(msg, msglen, "%s: out of memory", path);
		return mars_err_set(err, MARS_E_NOSPACE, path, "no memory");
	}
	if ((rv = mars_config_load(path, c, err, msg, msglen)) != 0) {
		free(c);
		return rv;
	}
	*cp = c;
	return 0;
}

int
mars_config_load(const char *path, struct mars_cluster_conf *conf, struct mars_err *err,
    char *msg, size_t msglen)
{
	char *text = NULL, *nt;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, rc, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		goto sys;
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 8192;
			if (cap > FILE_MAX_LEN + 1) {
				errno = EFBIG;
				goto sys;
			}
			if ((nt = realloc(text, cap)) == NULL)
				goto sys;
			text = nt;
		}
		n = read(fd, text + len, cap - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto sys;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	rc = mars_config_parse_text(text, len, path, conf, err, msg, msglen);
	free(text);
	return rc;
sys:
	saved = errno;
	if (fd != -1)
		close(fd);
	free(text);
	if (msg != NULL && msglen > 0)
		snprintf(msg, msglen, "%s: %s", path, strerror(saved));
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->code = MARS_E_SYS;
		err->sys_errno = saved;
		err->field = path;
		err->why = msg;
	}
	return MARS_E_SYS;
}

void
mars_config_default_admin(const char *name, char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		snprintf(buf, len, "/run/marsd.%s.sock", name);
	else if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, len, "%s/marsd.%s.sock", xdg, name);
	else
		snprintf(buf, len, "/tmp/marsd.%u.%s.sock",
		    (unsigned)geteuid(), name);
}

int
mars_config_admin_socket(const struct mars_cluster_conf *c, const char *name,
    char *buf, size_t len)
{
	const struct mars_entity_conf *e = mars_config_find_mars(c, name);
	const char *t = e != NULL && e->admin_socket[0] != '\0' ?
	    e->admin_socket : c->admin_socket;
	size_t used = 0, n;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	for (; *t != '\0' && used + 1 < len; t++) {
		if (t[0] == '%' && t[1] == 'n') {
			n = strlen(name);
			if (used + n >= len)
				break;
			memcpy(buf + used, name, n);
			used += n;
			t++;
			continue;
		}
		if (t[0] == '%' && t[1] == '%')
			t++;
		buf[used++] = *t;
	}
	buf[used] = '\0';
	return *t == '\0' ? 0 : MARS_E_NOSPACE;
}

int
mars_config_mars_index(const struct mars_cluster_conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->n_mars; i++)
		if (strcmp(conf->mars[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct mars_entity_conf *
mars_config_find_mars(const struct mars_cluster_conf *conf, const char *name)
{
	int i = mars_config_mars_index(conf, name);

	return i < 0 ? NULL : &conf->mars[i];
}
