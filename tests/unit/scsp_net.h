/*
 * A tiny in-memory network of SCSP nodes under a fake clock, for the
 * test_scsp_*.c programs: every node's VC to peer j has id j + 1, SDUs
 * arrive after `delay` ms, and links can be cut one way, nodes killed
 * and restarted.  Header-only so each test program stays one file.
 */
#ifndef SCSP_NET_H
#define SCSP_NET_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mars/proto.h"
#include "mars/scsp.h"
#include "mars/scspfsm.h"
#include "mars/shim.h"

#define NET_MAX		6
#define NET_EV_MAX	(MARS_EV_CACHE_UPDATE + 1)

struct net;

struct net_end {
	struct net	*net;
	unsigned	 idx;
};

struct net_pkt {
	unsigned	 from, to;
	mars_time_t	 at;
	uint8_t		*buf;
	size_t		 len;
};

struct net {
	struct mars_scsp_node *node[NET_MAX];
	struct net_end	 end[NET_MAX];
	struct mars_scsp_conf conf[NET_MAX];
	struct mars_scsp_dcs_conf dcs[NET_MAX][NET_MAX];
	unsigned	 nn;
	mars_time_t	 now;
	uint32_t	 delay;
	bool		 link[NET_MAX][NET_MAX];
	bool		 cut[NET_MAX][NET_MAX];	/* drop from -> to */
	bool		 dead[NET_MAX];
	/* Drop a packet when it returns true (after the cut check). */
	bool		(*drop)(struct net *, unsigned, unsigned,
			    const uint8_t *, size_t);
	void		*drop_ctx;
	struct net_pkt	*q;
	size_t		 nq, qcap;
	/* What was sent: [from][to][SCSP type]; dropped ones too. */
	unsigned	 sent[NET_MAX][NET_MAX][MARS_SCSP_HELLO + 1];
	unsigned	 ev[NET_MAX][NET_EV_MAX];
	unsigned	 upd[NET_MAX][MARS_SCSP_UPD_REMOVED + 1];
	/* MARS_SCSP_UPD_REMOVED that carried the entry's previous body */
	unsigned	 removed_old[NET_MAX];
	struct mars_scsp_update last_upd[NET_MAX];
	/* Optional sniffer: sees every SDU sent. */
	void		(*sniff)(struct net *, unsigned, unsigned,
			    const uint8_t *, size_t);
	void		*sniff_ctx;
};

static inline uint8_t
net_type(const uint8_t *sdu, size_t len)
{
	return len > MARS_LLC_SNAP_LEN + 1 ? sdu[MARS_LLC_SNAP_LEN + 1] : 0;
}

static void
net_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
	struct net_end	*e = ctx;
	struct net	*net = e->net;
	struct net_pkt	*p;
	unsigned	 to = vc->id - 1;
	uint8_t		 type = net_type(sdu, len);

	assert_int_equal(vc->kind, MARS_VC_SERVER);
	assert_true(to < net->nn);
	assert_true(net->link[e->idx][to]);
	if (type <= MARS_SCSP_HELLO)
		net->sent[e->idx][to][type]++;
	if (net->sniff != NULL)
		net->sniff(net, e->idx, to, sdu, len);
	if (net->cut[e->idx][to] || net->dead[to])
		return;
	if (net->drop != NULL && net->drop(net, e->idx, to, sdu, len))
		return;
	if (net->nq == net->qcap) {
		net->qcap = net->qcap ? net->qcap * 2 : 256;
		net->q = realloc(net->q, net->qcap * sizeof(*net->q));
		assert_non_null(net->q);
	}
	p = &net->q[net->nq++];
	p->from = e->idx;
	p->to = to;
	p->at = net->now + net->delay;
	p->buf = malloc(len);
	assert_non_null(p->buf);
	memcpy(p->buf, sdu, len);
	p->len = len;
}

static void
net_event(void *ctx, const struct mars_event *ev)
{
	struct net_end *e = ctx;

	if (ev->kind > 0 && ev->kind < NET_EV_MAX)
		e->net->ev[e->idx][ev->kind]++;
	if (ev->kind >= MARS_EV_PEER_UP) {
		assert_non_null(ev->peer);
		assert_true(ev->peer_len > 0);
	}
}

static void
net_update(void *ctx, const struct mars_scsp_update *u)
{
	struct net_end *e = ctx;

	assert_true(u->kind >= MARS_SCSP_UPD_ADDED && u->kind <= MARS_SCSP_UPD_REMOVED);
	e->net->upd[e->idx][u->kind]++;
	if (u->kind == MARS_SCSP_UPD_REMOVED && u->old_body != NULL &&
	    u->old_body_len > 0)
		e->net->removed_old[e->idx]++;
	e->net->last_upd[e->idx] = *u;
}

static inline void
net_id(uint8_t *id, unsigned i)
{
	id[0] = 10;
	id[1] = 0;
	id[2] = 0;
	id[3] = (uint8_t)(i + 1);
}

/* n nodes, no links yet; conf defaults except as the test changes them. */
static inline void
net_init(struct net *net, unsigned n)
{
	unsigned i;

	memset(net, 0, sizeof(*net));
	assert_true(n <= NET_MAX);
	net->nn = n;
	net->delay = 1;
	net->now = 1000;
	for (i = 0; i < n; i++) {
		struct mars_scsp_conf *c = &net->conf[i];

		net->end[i].net = net;
		net->end[i].idx = i;
		net_id(c->lsid, i);
		c->lsid_len = 4;
		c->protocol_id = MARS_SCSP_PROTO_MARS;
		c->sgid = 1;
		c->seed = 0x5eed0000u + i;
		c->io.ctx = &net->end[i];
		c->io.send = net_send;
		c->io.event = net_event;
		c->on_update = net_update;
		c->update_ctx = &net->end[i];
	}
}

static inline void
net_link(struct net *net, unsigned a, unsigned b)
{
	net->link[a][b] = net->link[b][a] = true;
}

static inline void
net_mesh(struct net *net)
{
	unsigned a, b;

	for (a = 0; a < net->nn; a++)
		for (b = a + 1; b < net->nn; b++)
			net_link(net, a, b);
}

static inline void
net_line(struct net *net)
{
	unsigned a;

	for (a = 0; a + 1 < net->nn; a++)
		net_link(net, a, a + 1);
}

/* Build node i from net->conf[i] and its links (not started). */
static inline void
net_make(struct net *net, unsigned i)
{
	struct mars_scsp_conf	*c = &net->conf[i];
	unsigned		 j, k = 0;

	for (j = 0; j < net->nn; j++) {
		if (!net->link[i][j])
			continue;
		net_id(net->dcs[i][k].id, j);
		net->dcs[i][k].id_len = 4;
		net->dcs[i][k].vc_id = j + 1;
		k++;
	}
	c->dcs = net->dcs[i];
	c->ndcs = k;
	assert_int_equal(mars_scsp_node_new(&net->node[i], c, NULL), 0);
}

static inline void
net_build(struct net *net)
{
	unsigned i;

	for (i = 0; i < net->nn; i++)
		net_make(net, i);
}

static inline void
net_start(struct net *net)
{
	unsigned i;

	for (i = 0; i < net->nn; i++)
		if (!net->dead[i])
			mars_scsp_start(net->node[i], net->now);
}

static inline void
net_free(struct net *net)
{
	size_t i;

	for (i = 0; i < net->nq; i++)
		free(net->q[i].buf);
	free(net->q);
	for (i = 0; i < net->nn; i++)
		mars_scsp_node_free(net->node[i]);
	memset(net, 0, sizeof(*net));
}

/* Deliver everything due by now, oldest first. */
static inline bool
net_deliver(struct net *net)
{
	struct net_pkt	 p;
	struct mars_vc	 vc;
	size_t		 i, best = SIZE_MAX;

	for (i = 0; i < net->nq; i++)
		if (net->q[i].at <= net->now &&
		    (best == SIZE_MAX || net->q[i].at < net->q[best].at))
			best = i;
	if (best == SIZE_MAX)
		return false;
	p = net->q[best];
	memmove(&net->q[best], &net->q[best + 1],
	    (net->nq - best - 1) * sizeof(net->q[0]));
	net->nq--;
	if (!net->dead[p.to] && !net->cut[p.from][p.to]) {
		vc.kind = MARS_VC_SERVER;
		vc.id = p.from + 1;
		mars_scsp_input(net->node[p.to], net->now, &vc, p.buf, p.len);
	}
	free(p.buf);
	return true;
}

/* Run the network until `until` (absolute ms). */
static inline void
net_run_until(struct net *net, mars_time_t until)
{
	mars_time_t	 next, t;
	size_t		 i;
	unsigned	 guard = 0;

	for (;;) {
		while (net_deliver(net))
			assert_true(++guard < 5000000);
		next = MARS_TIME_NEVER;
		for (i = 0; i < net->nn; i++) {
			if (net->dead[i])
				continue;
			t = mars_scsp_tick(net->node[i], net->now);
			if (t < next)
				next = t;
		}
		for (i = 0; i < net->nq; i++)
			if (net->q[i].at < next)
				next = net->q[i].at;
		if (next <= net->now) {
			/* Something is due right now: go round again. */
			assert_true(++guard < 5000000);
			if (net->nq > 0)
				continue;
			next = net->now + 1;
		}
		if (next > until) {
			net->now = until;
			return;
		}
		net->now = next;
	}
}

static inline void
net_run(struct net *net, mars_time_t ms)
{
	net_run_until(net, net->now + ms);
}

/* Index of peer j among node i's DCSs. */
static inline unsigned
net_dcs(struct net *net, unsigned i, unsigned j)
{
	uint8_t		 id[4];
	struct mars_scsp_id	 sid = { id, 4 };
	int		 k;

	net_id(id, j);
	k = mars_scsp_dcs_find(net->node[i], &sid);
	assert_true(k >= 0);
	return (unsigned)k;
}

static inline int
net_hs(struct net *net, unsigned i, unsigned j)
{
	return mars_scsp_hello_state(net->node[i], net_dcs(net, i, j));
}

static inline int
net_cs(struct net *net, unsigned i, unsigned j)
{
	return mars_scsp_ca_state(net->node[i], net_dcs(net, i, j));
}

static inline void
net_partition(struct net *net, unsigned a, unsigned b, bool on)
{
	net->cut[a][b] = net->cut[b][a] = on;
}

static inline void
net_kill(struct net *net, unsigned i)
{
	net->dead[i] = true;
}

/* A fresh node (empty cache) in i's place, started now. */
static inline void
net_restart(struct net *net, unsigned i)
{
	mars_scsp_node_free(net->node[i]);
	net->conf[i].seed += 0x100;
	net_make(net, i);
	net->dead[i] = false;
	mars_scsp_start(net->node[i], net->now);
}

static inline bool
net_all_aligned(struct net *net)
{
	unsigned i, k;

	for (i = 0; i < net->nn; i++) {
		if (net->dead[i])
			continue;
		for (k = 0; k < mars_scsp_dcs_count(net->node[i]); k++)
			if (mars_scsp_ca_state(net->node[i], k) != MARS_SCSP_CA_ALIGNED)
				return false;
	}
	return true;
}

/* Same entries, sequence numbers, N bits and bodies in a and b. */
static inline bool
net_same_cache(struct net *net, unsigned a, unsigned b)
{
	struct mars_scsp_entry_view	 x, y;
	size_t			 i;

	if (mars_scsp_cache_len(net->node[a]) != mars_scsp_cache_len(net->node[b]))
		return false;
	for (i = 0; mars_scsp_cache_get(net->node[a], i, &x); i++) {
		if (!mars_scsp_cache_get(net->node[b], i, &y))
			return false;
		if (mars_scsp_id_cmp(&x.oid, &y.oid) != 0 ||
		    mars_scsp_id_cmp(&x.key, &y.key) != 0 || x.seq != y.seq ||
		    x.null != y.null || x.body_len != y.body_len ||
		    (x.body_len > 0 &&
		    memcmp(x.body, y.body, x.body_len) != 0))
			return false;
	}
	return true;
}

/*
 * An RFC 2443 §3 body (state 3, client join of group 224.1.2.<g>), so
 * that the codec's MARS-part check passes; returns its length.
 */
static inline uint16_t
net_body(uint8_t *out, size_t cap, uint16_t cmi, uint8_t g)
{
	static const uint8_t atm[20] = {
		0x47, 0x00, 0x91, 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x00, 0x20, 0x48, 0xaa, 0x00, 0x01, 0x00
	};
	uint8_t			 spa[4] = { 10, 1, 1, 1 };
	uint8_t			 grp[4] = { 224, 1, 2, 0 };
	struct mars_scsp_mars_part	 mp;
	struct mars_err		 err;
	size_t			 len;

	grp[3] = g;
	spa[3] = (uint8_t)cmi;
	memset(&mp, 0, sizeof(mp));
	mp.hw_type = 0x000f;
	mp.pro_type = 0x0800;
	mp.state = MARS_SCSP_MARS_CLIENT_JOIN;
	mp.flags = MARS_FLAG_LAYER3GRP;
	mp.cmi = cmi;
	mp.spa.addr = spa;
	mp.spa.len = 4;
	mp.atm.addr = atm;
	mp.atm.tl = 20;
	mp.grp_len = 4;
	mp.min = grp;
	mp.max = grp;
	assert_int_equal(mars_scsp_mars_encode(&mp, out, cap, &len, &err), 0);
	return (uint16_t)len;
}

/* Originate key k (4 octets, big-endian number) with a body on node i. */
static inline uint32_t
net_originate(struct net *net, unsigned i, uint32_t k, uint8_t g)
{
	uint8_t		 key[4] = { (uint8_t)(k >> 24), (uint8_t)(k >> 16),
			    (uint8_t)(k >> 8), (uint8_t)k };
	uint8_t		 body[128];
	uint16_t	 blen = net_body(body, sizeof(body), (uint16_t)k, g);
	uint32_t	 seq = 0;

	assert_int_equal(mars_scsp_originate(net->node[i], net->now, key, 4, body,
	    blen, &seq), 0);
	return seq;
}

/* Look up (originator node o, key k) in node i. */
static inline bool
net_lookup(struct net *net, unsigned i, unsigned o, uint32_t k,
    struct mars_scsp_entry_view *v)
{
	uint8_t		 oid[4];
	uint8_t		 key[4] = { (uint8_t)(k >> 24), (uint8_t)(k >> 16),
			    (uint8_t)(k >> 8), (uint8_t)k };
	struct mars_scsp_id	 o_id = { oid, 4 }, k_id = { key, 4 };

	net_id(oid, o);
	return mars_scsp_lookup(net->node[i], &o_id, &k_id, v);
}

#endif
