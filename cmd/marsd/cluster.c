/*
 * marsd as one entity of a redundant MARS (draft-armitage-ion-mars-scsp-03,
 * RFC 2443 over RFC 2334; marsd(8) REDUNDANCY AND LOAD SHARING): the
 * cluster file's entities become inter-server VCs on the lab transport
 * (mars-lab(7): MARS_VC_SERVER, labels from 0/34) and a struct mars_redund
 * drives the server.  The redund layer is sans-I/O; this file only gives
 * it VCs and tells it when one is lost or back.
 *
 * The inter-server VCs leave from our peer-endpoint (its own socket) or,
 * without one, from our endpoint, and go to each other entity's
 * peer-endpoint, else its endpoint (marsd.conf(5)).  A VC is "lost" when
 * the link reports the peer unreachable (ICMP, mars_link_lost()): SCSP then
 * takes the peer down at once instead of after HelloInterval x
 * DeadFactor.  The next datagram from it brings the VC back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run/log.h"
#include "marsd.h"

/*
 * The VCI of the inter-server VC between entities i and j: the same at
 * both ends, 0/34 upwards below the point-to-point labels (mars-lab(7));
 * 0 (keep the link's default) past room for them.
 */
static uint16_t
pair_vci(unsigned i, unsigned j)
{
	unsigned lo = i < j ? i : j, hi = i < j ? j : i, v;

	v = MARS_LINK_VCI_SERVER + hi * (hi - 1) / 2 + lo;
	return v < MARS_LINK_VCI_P2P_BASE ? (uint16_t)v : 0;
}

static const struct mars_endpoint *
peer_side(const struct mars_entity_conf *e)
{
	return e->has_peer_endpoint ? &e->peer_endpoint : &e->endpoint;
}

/* What marsd's options changed about this entity goes into the file's
 * description the redund layer reads. */
static void
apply_settings(struct mars_cluster_conf *c, const struct marsd_settings *s)
{
	struct mars_entity_conf *me = &c->mars[s->self];

	memcpy(me->atm, s->atm, s->atm_len);
	me->atm_len = s->atm_len;
	if (s->cmi_low != 0) {
		me->has_cmi = true;
		me->cmi_low = s->cmi_low;
		me->cmi_high = s->cmi_high;
	}
	c->redirect_interval = s->redirect_interval;
	c->protocol = s->pro == MARS_PRO_IPV6 ? MARS_CONF_PROTO_IPV6 :
	    MARS_CONF_PROTO_IPV4;
}

static void
no_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
}

/* What start would do with ep: bind to it (own) or send to it. */
static int
resolves(const struct mars_endpoint *ep, bool own, const char *conf_path,
    const char *name, char *msg, size_t msglen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct mars_err err;
	char text[MARS_ENDPOINT_TEXT_MAX];

	if (mars_endpoint_resolve(ep, AF_UNSPEC, own, &ss, &sslen, &err) == 0)
		return 0;
	mars_endpoint_format(ep, text, sizeof(text));
	snprintf(msg, msglen, "%s: [mars %s]: %s: %s", conf_path, name, text,
	    err.why != NULL ? err.why : "does not resolve");
	return -1;
}

int
cluster_check(const struct marsd_settings *s, const char *conf_path,
    char *msg, size_t msglen)
{
	struct mars_cluster_conf *c;
	struct mars_redund_conf rc;
	struct mars_redund *r;
	struct mars_io io = { .send = no_send };
	struct mars_err err;
	char why[128];
	size_t i;
	int rv = 0;

	if (mars_config_load_new(&c, conf_path, &err, msg, msglen) != 0)
		return -1;
	apply_settings(c, s);
	for (i = 0; i < c->n_mars && rv == 0; i++) {
		if (peer_side(&c->mars[i])->kind != MARS_ENDPOINT_UDP) {
			snprintf(msg, msglen, "%s: [mars %s]: only udp: "
			    "endpoints are supported (ATM sockets backend not "
			    "built)", conf_path, c->mars[i].name);
			rv = -1;
		} else if (resolves(peer_side(&c->mars[i]), i == (size_t)s->self &&
		    c->mars[i].has_peer_endpoint, conf_path, c->mars[i].name,
		    msg, msglen) != 0)
			rv = -1;
	}
	if (rv == 0 && (mars_config_redund(c, (unsigned)s->self, &rc,
	    &err) != 0 || mars_redund_new(&r, &rc, &io, &err) != 0)) {
		mars_err_format(&err, why, sizeof(why));
		snprintf(msg, msglen, "%s: [mars %s]: the redundancy layer "
		    "refuses this cluster: %s", conf_path, s->name, why);
		rv = -1;
	} else if (rv == 0)
		mars_redund_free(r);
	free(c);
	return rv;
}

struct mars_link *
cluster_link(struct marsd *d, uint8_t vc_kind)
{
	return vc_kind == MARS_VC_SERVER && d->plink != NULL ? d->plink :
	    d->link;
}

int
cluster_entity(const struct marsd *d, const struct mars_link *l, uint32_t peer)
{
	size_t i;

	if (d->red == NULL || peer == 0 ||
	    l != (d->plink != NULL ? d->plink : d->link))
		return -1;
	for (i = 0; i < d->cluster->n_mars; i++)
		if (d->peer_id[i] == peer)
			return (int)i;
	return -1;
}

void
cluster_peer_seen(struct marsd *d, mars_time_t now, int e)
{
	if (e < 0 || !d->peer_down[e])
		return;
	d->peer_down[e] = false;
	log_info("MARS %s: inter-server VC back", d->cluster->mars[e].name);
	mars_redund_peer_vc(d->red, now, d->peer_id[e], true);
}

void
cluster_peer_lost(struct marsd *d, mars_time_t now, int e)
{
	if (e < 0 || d->peer_down[e])
		return;
	d->peer_down[e] = true;
	d->peer_losses++;
	log_info("MARS %s unreachable: inter-server VC lost",
	    d->cluster->mars[e].name);
	mars_redund_peer_vc(d->red, now, d->peer_id[e], false);
}

static int
open_peer_link(struct marsd *d, const struct mars_endpoint *ep, char *msg,
    size_t msglen)
{
	struct mars_err err;
	char text[MARS_ENDPOINT_TEXT_MAX];

	if (mars_link_open(&d->plink, ep, MARS_LINK_F_MARS, &err) != 0) {
		mars_endpoint_format(ep, text, sizeof(text));
		snprintf(msg, msglen, "peer-endpoint %s: %s%s%s", text,
		    err.why != NULL ? err.why : mars_strerror(err.code),
		    err.code == MARS_E_SYS ? ": " : "",
		    err.code == MARS_E_SYS ? strerror(err.sys_errno) : "");
		d->plink = NULL;
		return -1;
	}
	if (mars_link_local(d->plink, &d->plocal, &err) != 0)
		d->plocal = *ep;
	return 0;
}

int
cluster_start(struct marsd *d, const struct mars_io *io,
    void (*leaf)(void *, const struct mars_server_leaf *), char *msg,
    size_t msglen)
{
	const struct mars_entity_conf *me;
	struct mars_redund_conf rc;
	struct mars_err err;
	struct mars_link *l;
	unsigned i, self = (unsigned)d->set.self;
	uint16_t vci;
	char text[MARS_ENDPOINT_TEXT_MAX];

	if ((d->cluster = malloc(sizeof(*d->cluster))) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	if (mars_config_load(d->conf_real, d->cluster, &err, msg, msglen) != 0)
		return -1;
	apply_settings(d->cluster, &d->set);
	me = &d->cluster->mars[self];
	if (me->has_peer_endpoint && open_peer_link(d, &me->peer_endpoint,
	    msg, msglen) != 0)
		return -1;
	l = d->plink != NULL ? d->plink : d->link;

	if (mars_config_redund(d->cluster, self, &rc, &err) != 0) {
		mars_err_format(&err, text, sizeof(text));
		snprintf(msg, msglen, "%s", text);
		return -1;
	}
	rc.seed = (uint64_t)time(NULL) << 16 ^ (uint64_t)getpid();
	rc.leaf = leaf;
	for (i = 0; i < d->cluster->n_mars; i++) {
		if (i == self)
			continue;
		if (mars_link_peer_add(l, peer_side(&d->cluster->mars[i]),
		    &d->peer_id[i], &err) != 0) {
			mars_endpoint_format(peer_side(&d->cluster->mars[i]), text,
			    sizeof(text));
			snprintf(msg, msglen, "[mars %s] %s: %s",
			    d->cluster->mars[i].name, text, err.why != NULL ?
			    err.why : mars_strerror(err.code));
			return -1;
		}
		if ((vci = pair_vci(self, i)) != 0)
			(void)mars_link_peer_set_vc(l, d->peer_id[i], 0, vci);
		rc.mars[i].vc = d->peer_id[i];
	}
	if (mars_redund_new(&d->red, &rc, io, &err) != 0) {
		mars_err_format(&err, text, sizeof(text));
		snprintf(msg, msglen, "cannot start the redundant MARS: %s",
		    text);
		return -1;
	}
	d->srv = mars_redund_server(d->red);
	if ((d->set.faults != 0 && mars_redund_set_faults(d->red,
	    d->set.faults) != 0) || mars_server_set_quirks(d->srv,
	    d->set.quirks) != 0) {
		snprintf(msg, msglen, "fault injection refused");
		return -1;
	}
	return 0;
}

void
cluster_stop(struct marsd *d)
{
	mars_redund_free(d->red);
	d->red = NULL;
	d->srv = NULL;
	if (d->plink != NULL) {
		mars_link_close(d->plink);
		d->plink = NULL;
	}
	free(d->cluster);
	d->cluster = NULL;
}
