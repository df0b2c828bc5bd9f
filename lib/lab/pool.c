/*
 * A pool of emulated cluster members (lab.h): N cluster-member machines
 * (client.h), each with its own UDP lab link, one event loop.  The
 * wiring is marsping's session (cmd/marsping/session.c) once per member:
 * only the MARSs of the cluster file may speak to a member, a datagram
 * on a ClusterControlVC is told apart by the MARS it came from (the
 * §5.4.3 trust check), and the machine's next deadline is one loop timer.
 */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/endpoint.h"
#include "mars/lab.h"
#include "mars/link.h"
#include "mars/rng.h"

#define RX_BURST	64	/* datagrams per member per wakeup */

struct lab_member {
	struct mars_lab_pool	*pool;
	size_t			 idx;
	struct mars_link	*link;
	struct mars_client	*cl;
	struct mars_rng		 rng;
	struct mars_client_mars	 mars[MARS_CONF_MARS_MAX];
	struct mars_alarm	 alarm;
	struct mars_lab_member_info info;
	struct mars_client_pa	 groups[MARS_LAB_GROUPS_MAX];
	size_t			 ngroups;
};

struct mars_lab_pool {
	struct mars_evloop	*loop;
	struct mars_cluster_conf cluster;
	size_t			 nmars;
	uint8_t			 ent[MARS_CONF_MARS_MAX];	/* list -> entity */
	size_t			 grp_len;
	void			(*on_event)(void *, size_t,
				    const struct mars_event *);
	void			*ctx;
	size_t			 n;
	struct lab_member	*m;
	uint8_t			 rxbuf[MARS_LINK_DGRAM_MAX];
};

static const uint8_t default_prefix[13] = {
	0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00,
	0x00, 0x6c, 0x61, 0x62,
};

/* ---- the machine's timer ---- */

static void	kick(struct lab_member *m);

static void
timer_cb(struct mars_evloop *loop, void *arg)
{
	struct lab_member *m = arg;

	mars_alarm_fired(&m->alarm);
	mars_client_tick(m->cl, mars_evloop_now());
	kick(m);
}

/* Re-arm the loop timer on the machine's next deadline. */
static void
kick(struct lab_member *m)
{
	mars_alarm_set(m->pool->loop, &m->alarm,
	    mars_client_next_deadline(m->cl), timer_cb, m);
}

/* ---- the machine's callbacks ---- */

static void
io_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
	struct lab_member *m = ctx;

	/* A full socket buffer drops the SDU, as a congested VC would. */
	(void)mars_link_send(m->link, vc, sdu, len, NULL);
}

/* The cluster entity with this ATM number, -1 if none. */
static int
entity_of(const struct mars_lab_pool *p, const uint8_t *atm, uint8_t tl)
{
	size_t i, n = tl & MARS_ATM_TL_LEN;

	if (atm == NULL)
		return -1;
	for (i = 0; i < p->cluster.n_mars; i++)
		if (p->cluster.mars[i].atm_len == n &&
		    memcmp(p->cluster.mars[i].atm, atm, n) == 0)
			return (int)i;
	return -1;
}

static void
io_event(void *ctx, const struct mars_event *ev)
{
	struct lab_member *m = ctx;
	struct mars_lab_member_info *in = &m->info;

	switch (ev->kind) {
	case MARS_EV_REGISTERED:
		in->registrations++;
		if (in->first_registered == 0) {
			in->first_registered = ev->when;
			in->first_cmi = ev->cmi;
		}
		in->last_registered = ev->when;
		in->cmi = ev->cmi;
		in->mars = entity_of(m->pool, ev->atm, ev->atm_tl);
		break;
	case MARS_EV_MARS_FAILED:
		in->failures++;
		in->last_failure = ev->when;
		break;
	case MARS_EV_REDIRECT:
		in->redirects++;
		break;
	default:
		break;
	}
	if (m->pool->on_event != NULL)
		m->pool->on_event(m->pool->ctx, m->idx, ev);
}

/* ---- receiving ---- */

static bool
from_mars(const struct lab_member *m, uint32_t peer)
{
	size_t i;

	for (i = 0; i < m->pool->nmars; i++)
		if (m->mars[i].vc.id == peer)
			return true;
	return false;
}

static void
link_cb(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	struct lab_member *m = arg;
	struct mars_lab_pool *p = m->pool;
	struct mars_link_rx rx;
	struct mars_vc vc;
	uint32_t lost;
	int i, rc;

	/*
	 * ICMP errors of a MARS that went away stay queued and keep the
	 * descriptor readable for errors; drain them (the failure timer of
	 * RFC 2022 §5.4 tells the member what happened).
	 */
	if (revents & MARS_EVLOOP_ERROR)
		for (i = 0; i < RX_BURST && mars_link_lost(m->link, &lost) == 1;
		    i++)
			;
	for (i = 0; i < RX_BURST; i++) {
		rc = mars_link_recv(m->link, p->rxbuf, sizeof(p->rxbuf), &rx,
		    NULL);
		if (rc == 0)
			break;
		if (rc < 0 || !from_mars(m, rx.peer))
			continue;
		vc = rx.vc;
		if (vc.kind == MARS_VC_CCVC)
			vc.id = rx.peer;	/* whose ClusterControlVC */
		mars_client_input(m->cl, mars_evloop_now(), &vc, rx.sdu, rx.len);
	}
	kick(m);
}

/* ---- building ---- */

/* Entities by decreasing priority, ties in file order (marsd.conf(5)). */
static void
order_mars(struct mars_lab_pool *p)
{
	bool used[MARS_CONF_MARS_MAX] = { false };
	size_t k, i, best;

	for (k = 0; k < p->cluster.n_mars; k++) {
		best = p->cluster.n_mars;
		for (i = 0; i < p->cluster.n_mars; i++)
			if (!used[i] && (best == p->cluster.n_mars ||
			    p->cluster.mars[i].priority >
			    p->cluster.mars[best].priority))
				best = i;
		used[best] = true;
		p->ent[k] = (uint8_t)best;
	}
	p->nmars = p->cluster.n_mars;
}

static int
open_member(struct mars_lab_pool *p, struct lab_member *m, int family,
    const struct mars_lab_pool_conf *conf, struct mars_err *err)
{
	struct mars_endpoint bind, local;
	struct mars_client_conf cc;
	struct mars_io io;
	const struct mars_entity_conf *e;
	uint32_t tag = conf->tag != 0 ? conf->tag : (uint32_t)getpid();
	size_t k;
	int rc;

	if ((rc = mars_endpoint_parse(&bind, conf->bind != NULL ? conf->bind :
	    family == AF_INET6 ? "udp:[::1]:0" : "udp:127.0.0.1:0",
	    err)) != 0 ||
	    (rc = mars_link_open(&m->link, &bind, 0, err)) != 0 ||
	    (rc = mars_link_local(m->link, &local, err)) != 0)
		return rc;
	m->info.port = local.port;
	for (k = 0; k < p->nmars; k++) {
		e = &p->cluster.mars[p->ent[k]];
		if ((rc = mars_link_peer_add(m->link, &e->endpoint,
		    &m->mars[k].vc.id, err)) != 0)
			return rc;
		m->mars[k].atm.tl = e->atm_len;
		memcpy(m->mars[k].atm.num, e->atm, e->atm_len);
		m->mars[k].vc.kind = MARS_VC_P2P;
		m->mars[k].has_ccvc = true;
		m->mars[k].ccvc_id = m->mars[k].vc.id;
	}

	memcpy(m->info.atm, conf->atm_prefix, 13);
	if (memcmp(m->info.atm, (uint8_t[13]){ 0 }, 13) == 0)
		memcpy(m->info.atm, default_prefix, 13);
	m->info.atm[13] = (uint8_t)(tag >> 24);
	m->info.atm[14] = (uint8_t)(tag >> 16);
	m->info.atm[15] = (uint8_t)(tag >> 8);
	m->info.atm[16] = (uint8_t)tag;
	m->info.atm[17] = (uint8_t)(m->idx >> 8);
	m->info.atm[18] = (uint8_t)m->idx;
	m->info.atm[19] = 0;
	m->info.mars = -1;

	if (conf->timers != NULL)
		cc = *conf->timers;
	else {
		memset(&cc, 0, sizeof(cc));
		cc.failure_timeout = p->cluster.failure_timeout;
		cc.retransmit_interval = p->cluster.retransmit_interval;
	}
	cc.pro_type = p->cluster.protocol == MARS_CONF_PROTO_IPV6 ?
	    MARS_PRO_IPV6 : MARS_PRO_IPV4;
	memset(&cc.own, 0, sizeof(cc.own));
	cc.own.tl = MARS_ATM_ADDR_MAX;
	memcpy(cc.own.num, m->info.atm, MARS_ATM_ADDR_MAX);
	memset(&cc.own_pa, 0, sizeof(cc.own_pa));
	cc.mars = m->mars;
	cc.nmars = p->nmars;
	cc.vc_lookup = NULL;
	cc.vc_ctx = NULL;
	mars_rng_seed(&m->rng, conf->seed ^
	    ((uint64_t)(m->idx + 1) * 0x9e3779b97f4a7c15ull));
	cc.rng = &m->rng;
	memset(&io, 0, sizeof(io));
	io.ctx = m;
	io.send = io_send;
	io.event = io_event;
	if ((rc = mars_client_new(&m->cl, &cc, &io, err)) != 0)
		return rc;
	return mars_evloop_fd_add(p->loop, mars_link_fd(m->link),
	    MARS_EVLOOP_READ, link_cb, m) == 0 ? 0 :
	    mars_err_set(err, MARS_E_NOSPACE, "loop", "cannot watch a link");
}

int
mars_lab_pool_new(struct mars_lab_pool **pp,
    const struct mars_lab_pool_conf *conf, struct mars_evloop *loop,
    struct mars_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct mars_lab_pool *p;
	size_t i;
	int rc;

	*pp = NULL;
	if (conf == NULL || conf->cluster == NULL)
		return mars_err_set(err, MARS_E_INVAL, "cluster", "missing");
	if (conf->cluster->n_mars == 0)
		return mars_err_set(err, MARS_E_INVAL, "cluster",
		    "no MARS entity");
	if (conf->nmembers == 0 || conf->nmembers > MARS_LAB_MEMBERS_MAX)
		return mars_err_set(err, MARS_E_INVAL, "nmembers",
		    "not in 1..MARS_LAB_MEMBERS_MAX");
	if (loop == NULL)
		return mars_err_set(err, MARS_E_INVAL, "loop", "missing");
	for (i = 0; i < conf->cluster->n_mars; i++)
		if (conf->cluster->mars[i].endpoint.kind != MARS_ENDPOINT_UDP)
			return mars_err_set(err, MARS_E_INVAL, "cluster",
			    "a MARS endpoint is not udp:");
	if ((rc = mars_endpoint_resolve(&conf->cluster->mars[0].endpoint,
	    AF_UNSPEC, false, &ss, &sslen, err)) != 0)
		return rc;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->m = calloc(conf->nmembers, sizeof(*p->m))) == NULL) {
		free(p);
		return mars_err_set(err, MARS_E_NOSPACE, "pool", "no memory");
	}
	p->loop = loop;
	p->cluster = *conf->cluster;
	p->grp_len = p->cluster.protocol == MARS_CONF_PROTO_IPV6 ? 16 : 4;
	p->on_event = conf->on_event;
	p->ctx = conf->ctx;
	order_mars(p);
	for (i = 0; i < conf->nmembers; i++) {
		p->m[i].pool = p;
		p->m[i].idx = i;
		p->n = i + 1;
		if ((rc = open_member(p, &p->m[i], ss.ss_family, conf,
		    err)) != 0) {
			mars_lab_pool_free(p);
			return rc;
		}
	}
	*pp = p;
	return 0;
}

void
mars_lab_pool_free(struct mars_lab_pool *p)
{
	struct lab_member *m;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		m = &p->m[i];
		mars_alarm_cancel(p->loop, &m->alarm);
		if (m->link != NULL) {
			mars_evloop_fd_del(p->loop, mars_link_fd(m->link));
			mars_link_close(m->link);
		}
		mars_client_free(m->cl);
	}
	free(p->m);
	free(p);
}

size_t
mars_lab_pool_size(const struct mars_lab_pool *p)
{
	return p->n;
}

int
mars_lab_pool_join(struct mars_lab_pool *p, size_t i, const uint8_t *group,
    size_t len)
{
	struct lab_member *m;
	int rc;

	if (i >= p->n || group == NULL || len != p->grp_len)
		return MARS_E_INVAL;
	m = &p->m[i];
	if (m->ngroups == MARS_LAB_GROUPS_MAX)
		return MARS_E_NOSPACE;
	if ((rc = mars_client_join(m->cl, mars_evloop_now(), group, len)) != 0)
		return rc;
	m->groups[m->ngroups].len = (uint8_t)len;
	memcpy(m->groups[m->ngroups].addr, group, len);
	m->ngroups++;
	kick(m);
	return 0;
}

int
mars_lab_pool_start(struct mars_lab_pool *p, struct mars_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < p->n; i++) {
		if ((rc = mars_client_start(p->m[i].cl, mars_evloop_now())) != 0)
			return mars_err_set(err, rc, "member", "already started");
		kick(&p->m[i]);
	}
	return 0;
}

void
mars_lab_pool_deregister(struct mars_lab_pool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (mars_client_registered(p->m[i].cl)) {
			(void)mars_client_deregister(p->m[i].cl,
			    mars_evloop_now());
			kick(&p->m[i]);
		}
}

size_t
mars_lab_pool_registered(const struct mars_lab_pool *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++)
		if (mars_client_registered(p->m[i].cl) ||
		    mars_client_state(p->m[i].cl) == MARS_CLIENT_DEREGISTERING)
			n++;
	return n;
}

int
mars_lab_member_get(const struct mars_lab_pool *p, size_t i,
    struct mars_lab_member_info *out)
{
	const struct lab_member *m;
	enum mars_client_group_state st;
	size_t k;

	if (i >= p->n || out == NULL)
		return MARS_E_INVAL;
	m = &p->m[i];
	*out = m->info;
	out->state = mars_client_state(m->cl);
	out->registered = mars_client_registered(m->cl);
	if (!out->registered) {
		out->mars = -1;
		out->cmi = 0;
	}
	out->ngroups = m->ngroups;
	out->njoined = 0;
	for (k = 0; k < mars_client_group_count(m->cl); k++)
		if (mars_client_group(m->cl, k, &st) != NULL &&
		    st == MARS_CLIENT_GRP_JOINED)
			out->njoined++;
	return 0;
}

bool
mars_lab_member_group(const struct mars_lab_pool *p, size_t i, size_t k,
    const uint8_t **group, size_t *len, bool *joined)
{
	const struct lab_member *m;
	const struct mars_client_pa *pa;
	enum mars_client_group_state st;
	size_t j;

	if (i >= p->n || k >= p->m[i].ngroups)
		return false;
	m = &p->m[i];
	*group = m->groups[k].addr;
	*len = m->groups[k].len;
	*joined = false;
	for (j = 0; j < mars_client_group_count(m->cl); j++) {
		pa = mars_client_group(m->cl, j, &st);
		if (pa != NULL && pa->len == m->groups[k].len &&
		    memcmp(pa->addr, m->groups[k].addr, pa->len) == 0)
			*joined = st == MARS_CLIENT_GRP_JOINED;
	}
	return true;
}

const struct mars_client *
mars_lab_member_client(const struct mars_lab_pool *p, size_t i)
{
	return i < p->n ? p->m[i].cl : NULL;
}
