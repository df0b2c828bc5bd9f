/*
 * marsd settings: the [mars NAME] section of a cluster file
 * (marsd.conf(5)) with the command-line overrides on top, or the command
 * line alone for a single MARS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/atm.h"
#include "mars/config.h"
#include "marsd.h"

static void
atm_to_server(struct mars_server_atm *a, const uint8_t *atm, uint8_t len)
{
	memset(a, 0, sizeof(*a));
	a->tl = len;			/* NSAP form: E.164 bit clear */
	memcpy(a->addr, atm, len);
}

/*
 * The REDIRECT_MAP list for this milestone: a single Active, this entity,
 * then the others in decreasing priority, ties to the lowest ATM address
 * (marsd.conf(5) priority).
 */
static void
redirect_list(struct marsd_settings *s, const struct mars_cluster_conf *c,
    int self)
{
	const struct mars_entity_conf *e;
	bool used[MARS_CONF_MARS_MAX] = { false };
	size_t i, best;
	bool have;

	s->nmars = 0;
	atm_to_server(&s->mars[s->nmars++], s->atm, s->atm_len);
	if (self >= 0)
		used[self] = true;
	while (s->nmars < MARS_SERVER_MARS_MAX) {
		have = false;
		best = 0;
		for (i = 0; i < c->n_mars; i++) {
			if (used[i])
				continue;
			if (!have || c->mars[i].priority > c->mars[best].priority ||
			    (c->mars[i].priority == c->mars[best].priority &&
			    memcmp(c->mars[i].atm, c->mars[best].atm,
			    MARS_ATM_ADDR_MAX) < 0)) {
				best = i;
				have = true;
			}
		}
		if (!have)
			break;
		used[best] = true;
		e = &c->mars[best];
		atm_to_server(&s->mars[s->nmars++], e->atm, e->atm_len);
	}
}

static int
parse_cmi(const char *v, uint16_t *lo, uint16_t *hi)
{
	char *end;
	unsigned long a, b;

	a = strtoul(v, &end, 10);
	if (end == v)
		return -1;
	b = a;
	if (*end == '-') {
		v = end + 1;
		b = strtoul(v, &end, 10);
		if (end == v)
			return -1;
	}
	if (*end != '\0' || a == 0 || b > 65535 || a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int
apply_options(struct marsd_settings *s, const struct marsd_opts *o,
    char *msg, size_t msglen)
{
	struct mars_err err;
	int n;

	if (o->listen != NULL && mars_endpoint_parse(&s->listen, o->listen,
	    &err) != 0) {
		snprintf(msg, msglen, "--listen %s: %s", o->listen,
		    err.why != NULL ? err.why : "bad endpoint");
		return -1;
	}
	if (o->atm != NULL) {
		n = mars_atm_parse_hex(o->atm, s->atm, sizeof(s->atm));
		if (n != MARS_ATM_ADDR_MAX) {
			snprintf(msg, msglen, "--atm %s: not a 20-octet NSAP "
			    "(40 hex digits)", o->atm);
			return -1;
		}
		s->atm_len = MARS_ATM_ADDR_MAX;
		atm_to_server(&s->mars[0], s->atm, s->atm_len);
		if (s->nmars == 0)
			s->nmars = 1;
	}
	if (o->cmi != NULL && parse_cmi(o->cmi, &s->cmi_low,
	    &s->cmi_high) != 0) {
		snprintf(msg, msglen, "--cmi %s: not LOW-HIGH within 1-65535",
		    o->cmi);
		return -1;
	}
	if (o->redirect != NULL && mars_config_parse_duration(o->redirect,
	    &s->redirect_interval, &err) != 0) {
		snprintf(msg, msglen, "--redirect-interval %s: %s", o->redirect,
		    err.why != NULL ? err.why : "bad duration");
		return -1;
	}
	if (o->protocol != NULL) {
		if (strcmp(o->protocol, "ipv4") == 0)
			s->pro = MARS_PRO_IPV4;
		else if (strcmp(o->protocol, "ipv6") == 0)
			s->pro = MARS_PRO_IPV6;
		else {
			snprintf(msg, msglen, "--protocol %s: ipv4 or ipv6",
			    o->protocol);
			return -1;
		}
	}
	return 0;
}

int
settings_build(struct marsd_settings *s, const struct marsd_opts *o,
    const char *conf_path, char *msg, size_t msglen)
{
	struct mars_cluster_conf *c;
	const struct mars_entity_conf *e;
	struct mars_err err;
	int self;

	memset(s, 0, sizeof(*s));
	s->self = -1;
	s->pro = MARS_PRO_IPV4;
	s->redirect_interval = MARS_CONF_DEF_REDIRECT;
	snprintf(s->name, sizeof(s->name), "%s", o->name != NULL ? o->name :
	    "default");
	if (conf_path != NULL) {
		if (mars_config_load_new(&c, conf_path, &err, msg, msglen) != 0)
			return -1;
		if (o->name == NULL && c->n_mars == 1)
			snprintf(s->name, sizeof(s->name), "%s", c->mars[0].name);
		else if (o->name == NULL) {
			snprintf(msg, msglen, "%s: several [mars] sections; "
			    "choose one with -n NAME", conf_path);
			free(c);
			return -1;
		}
		if ((self = mars_config_mars_index(c, s->name)) < 0) {
			snprintf(msg, msglen, "%s: no [mars %s] section",
			    conf_path, s->name);
			free(c);
			return -1;
		}
		e = &c->mars[self];
		s->listen = e->endpoint;
		memcpy(s->atm, e->atm, e->atm_len);
		s->atm_len = e->atm_len;
		if (e->has_cmi) {
			s->cmi_low = e->cmi_low;
			s->cmi_high = e->cmi_high;
		}
		s->pro = c->protocol == MARS_CONF_PROTO_IPV6 ? MARS_PRO_IPV6 :
		    MARS_PRO_IPV4;
		s->redirect_interval = c->redirect_interval;
		s->failure_timeout = c->failure_timeout;
		s->n_mars = c->n_mars;
		s->load_sharing = c->n_partitions > 0;
		if (mars_config_admin_socket(c, s->name, s->admin,
		    sizeof(s->admin)) != 0) {
			snprintf(msg, msglen, "%s: [mars %s]: admin-socket "
			    "longer than %zu characters", conf_path, s->name,
			    sizeof(s->admin) - 1);
			free(c);
			return -1;
		}
		redirect_list(s, c, self);
		s->self = self;
		s->fault_injection = c->fault_injection;
		/* several entities make a redundant MARS, unless --listen
		 * asks for a lone server at another place */
		s->clustered = c->n_mars > 1 && o->listen == NULL;
		free(c);
	}
	if (apply_options(s, o, msg, msglen) != 0)
		return -1;
	if (o->fault_injection) {
		if (conf_path != NULL) {
			snprintf(msg, msglen, "--fault-injection: with a "
			    "cluster file, its fault-injection = yes decides");
			return -2;
		}
		s->fault_injection = true;
	}
	if (o->faults != NULL) {
		if (fault_parse(o->faults, &s->faults, &s->quirks, msg,
		    msglen) != 0)
			return -1;
		if (!s->fault_injection) {
			snprintf(msg, msglen, "--fault refused: %s",
			    conf_path != NULL ? "the cluster file does not "
			    "say fault-injection = yes" : "a MARS without a "
			    "cluster file needs --fault-injection as well");
			return -2;
		}
		if (s->faults != 0 && !s->clustered) {
			snprintf(msg, msglen, "--fault: omit-dead, fresh-cmi "
			    "and skip-sync need a redundant MARS (a cluster "
			    "file with several [mars])");
			return -2;
		}
	}
	if (s->listen.kind == MARS_ENDPOINT_NONE) {
		snprintf(msg, msglen, "no endpoint: give -c FILE or --listen");
		return -1;
	}
	if (s->listen.kind != MARS_ENDPOINT_UDP) {
		snprintf(msg, msglen, "only udp: endpoints are supported "
		    "(ATM sockets backend not built)");
		return -1;
	}
	if (s->atm_len == 0) {
		snprintf(msg, msglen, "no ATM address: give -c FILE or --atm");
		return -1;
	}
	return 0;
}

void
settings_admin(const struct marsd_settings *s, const char *opt, char *buf,
    size_t len)
{
	if (opt != NULL)
		snprintf(buf, len, "%s", opt);
	else if (s->admin[0] != '\0')
		snprintf(buf, len, "%s", s->admin);
	else
		mars_config_default_admin(s->name, buf, len);
}

int
settings_resolve(const struct marsd_settings *s, char *msg, size_t msglen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct mars_err err;
	char text[MARS_ENDPOINT_TEXT_MAX];

	if (mars_endpoint_resolve(&s->listen, AF_UNSPEC, true, &ss, &sslen,
	    &err) == 0)
		return 0;
	mars_endpoint_format(&s->listen, text, sizeof(text));
	snprintf(msg, msglen, "%s: %s", text, err.why != NULL ? err.why :
	    "does not resolve");
	return -1;
}

static void
duration_text(mars_time_t ms, char *buf, size_t len)
{
	if (ms % 60000 == 0)
		snprintf(buf, len, "%llum", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, len, "%llums", (unsigned long long)ms);
}

/*
 * RFC 2022 §5.4: a member declares its MARS failed failure-timeout after
 * the last redirect map.  Maps come every redirect-interval, so a
 * timeout not longer than that makes members fail over, and come back,
 * over and over.
 */
void
settings_warn(const struct marsd_settings *s, const char *conf_path)
{
	char ft[32], ri[32];

	if (s->failure_timeout == 0 ||
	    s->failure_timeout > s->redirect_interval)
		return;
	duration_text(s->failure_timeout, ft, sizeof(ft));
	duration_text(s->redirect_interval, ri, sizeof(ri));
	report_warning("failure-timeout", "%s: failure-timeout %s is not "
	    "longer than redirect-interval %s: members would declare the MARS "
	    "failed between two maps and flap; make it several redirect "
	    "intervals (RFC 2022 §5.4: 4m for 1m)", conf_path, ft, ri);
}
