/*
 * mkfuzzseeds: write the seed corpora of the state-machine harnesses
 * (tests/fuzz/fuzz_server.c, fuzz_client.c, fuzz_node.c) into
 * testdata/fuzz/{server,client,node}: real message sequences, recorded
 * from the machines themselves talking to each other under a virtual
 * clock, in the step format of tests/fuzz/fuzz_seq.h (its delay units).
 *
 *   mkfuzzseeds DIR
 *
 *   server/life, client/life   a member registers, joins two groups,
 *                              resolves one, lists the groups, a second
 *                              member joins, the first leaves one group
 *                              and deregisters (what the MARS receives,
 *                              what the member receives and does)
 *   server/examples            the PROTOCOL.md §8 examples a MARS receives
 *                              (tests/unit/examples.h), then every MARS
 *                              message of the mars corpus from three members
 *   client/failover            the MARS goes silent, the member gives up
 *                              on it and registers with the second MARS
 *                              (RFC 2022 §5.4)
 *   client/redirect            the MARS hard-redirects to the second one
 *   node/align, node/restart   three SCSP servers form adjacencies, align,
 *                              flood CSAs; in the second one a DCS restarts
 *
 * The recorded machine is built exactly as its harness builds it
 * (configuration octet 0), so a replay takes the same path.  Output is
 * deterministic.
 */
#include <err.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mars/client.h"
#include "mars/proto.h"
#include "mars/rng.h"
#include "mars/scsp.h"
#include "mars/scspfsm.h"
#include "mars/server.h"

#include "../fuzz/fuzz_seq.h"
#include "../unit/examples.h"

#define T0		1000	/* the harnesses' start time */
#define LATENCY		1
#define QMAX		4096
#define NCL		3
#define NNODE		3

/* ---- seed files: fuzz_seq.h steps ---- */

struct seed {
	FILE		*f;
	mars_time_t	 last;
};

static void
seed_open(struct seed *s, const char *dir, const char *name)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((s->f = fopen(path, "wb")) == NULL)
		err(1, "%s", path);
	fputc(0, s->f);			/* configuration octet */
	s->last = T0;
}

static void
seed_close(struct seed *s)
{
	if (s->f != NULL && fclose(s->f) != 0)
		err(1, "write");
	s->f = NULL;
}

static void
put_step(struct seed *s, uint8_t dcode, uint8_t op, uint8_t arg,
    const uint8_t *d, size_t len)
{
	fputc(dcode, s->f);
	fputc(op, s->f);
	fputc(arg, s->f);
	fputc((int)(len >> 8), s->f);
	fputc((int)(len & 0xff), s->f);
	if (len > 0)
		fwrite(d, 1, len, s->f);
}

/*
 * A step at time `at`: the delay since the last one is split into wait
 * steps (op 0x7f) so that every delay is exact (fuzz_seq.h units).
 */
static void
record(struct seed *s, mars_time_t at, uint8_t op, uint8_t arg,
    const uint8_t *d, size_t len)
{
	const mars_time_t *unit = fz_units;
	mars_time_t left = at - s->last, k;
	int u;

	if (s->f == NULL)
		return;
	for (;;) {
		for (u = 3; u > 0 && unit[u] > left; u--)
			;
		k = left / unit[u];
		if (k > 63)
			k = 63;
		left -= k * unit[u];
		if (left == 0) {
			put_step(s, (uint8_t)(u << 6 | k), op, arg, d, len);
			break;
		}
		put_step(s, (uint8_t)(u << 6 | k), FZ_OP_WAIT, 0, NULL, 0);
	}
	s->last = at;
}

/* ---- a MARS cluster: servers and members ---- */

/* Addresses as the harnesses use them. */
static void
member_atm(uint8_t *a, unsigned i)
{
	static const uint8_t base[20] = {
		0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x01, 0x00, 0x20, 0x48, 0xaa, 0x00, 0x01, 0x00,
	};

	memcpy(a, base, 20);
	a[18] = (uint8_t)(1 + i);
}

static void
mars_atm(uint8_t *a, unsigned i)
{
	member_atm(a, i);
	a[16] = 0;
}

struct pkt {
	mars_time_t	 at;
	int		 to_srv;	/* server index, or -1 */
	int		 to_cl;		/* member index, or -1 */
	struct mars_vc	 vc;		/* as the receiver sees it */
	uint8_t		*buf;
	size_t		 len;
};

struct cluster;

struct end {
	struct cluster	*c;
	unsigned	 idx;
};

struct cluster {
	mars_time_t		 now;
	struct mars_server	*srv[2];
	bool			 srv_dead[2];
	bool			 leaf[2][NCL];
	struct mars_client	*cl[NCL];
	unsigned		 ncl;
	struct mars_rng		 rng[NCL];
	struct end		 send_end[2], cl_end[NCL];
	struct pkt		 q[QMAX];
	size_t			 nq;
	struct seed		 srv_seed;	/* what server 0 receives */
	struct seed		 cl_seed;	/* what member 0 receives, does */
};

static void
enqueue(struct cluster *c, int to_srv, int to_cl, struct mars_vc vc,
    const uint8_t *p, size_t len)
{
	struct pkt *k;

	if (c->nq == QMAX)
		errx(1, "queue full");
	k = &c->q[c->nq++];
	k->at = c->now + LATENCY;
	k->to_srv = to_srv;
	k->to_cl = to_cl;
	k->vc = vc;
	if ((k->buf = malloc(len)) == NULL)
		err(1, NULL);
	memcpy(k->buf, p, len);
	k->len = len;
}

static void
srv_send(void *ctx, const struct mars_vc *vc, const uint8_t *p, size_t len)
{
	struct end *e = ctx;
	struct cluster *c = e->c;
	unsigned i;

	if (c->srv_dead[e->idx])
		return;
	switch (vc->kind) {
	case MARS_VC_P2P:
		/* peer p is member p - 1; it sees the VC of MARS idx */
		enqueue(c, -1, (int)vc->id - 1, (struct mars_vc){ MARS_VC_P2P,
		    e->idx + 1 }, p, len);
		break;
	case MARS_VC_CCVC:
		for (i = 0; i < c->ncl; i++)
			if (c->leaf[e->idx][i])
				enqueue(c, -1, (int)i, (struct mars_vc){
				    MARS_VC_CCVC, e->idx + 1 }, p, len);
		break;
	}
}

static void
srv_leaf(void *ctx, const struct mars_server_leaf *lf)
{
	struct end *e = ctx;

	if (lf->pmp == MARS_VC_CCVC && lf->peer >= 1 && lf->peer <= NCL)
		e->c->leaf[e->idx][lf->peer - 1] = lf->add;
}

static void
cl_send(void *ctx, const struct mars_vc *vc, const uint8_t *p, size_t len)
{
	struct end *e = ctx;

	/* VC 1 + s reaches server s; the server sees peer 1 + member */
	if (vc->id >= 1 && vc->id <= 2)
		enqueue(e->c, (int)vc->id - 1, -1, (struct mars_vc){
		    MARS_VC_P2P, e->idx + 1 }, p, len);
}

/* Server s as fuzz_server.c builds it (s = 0) or its twin MARS 2. */
static void
make_server(struct cluster *c, unsigned s)
{
	struct mars_server_conf sc;
	struct mars_io io;
	uint8_t self[20];

	mars_atm(self, s);
	mars_server_conf_init(&sc, MARS_PRO_IPV4, self, 20);
	sc.redirect_interval = 1000;
	sc.cmi_hold = 5000;
	sc.leaf = srv_leaf;
	c->send_end[s].c = c;
	c->send_end[s].idx = s;
	memset(&io, 0, sizeof(io));
	io.ctx = &c->send_end[s];
	io.send = srv_send;
	if (mars_server_new(&c->srv[s], &sc, &io, NULL) != 0)
		errx(1, "server");
	mars_server_tick(c->srv[s], c->now);
}

/* Member i; member 0 is built as fuzz_client.c builds it. */
static void
make_member(struct cluster *c, unsigned i)
{
	struct mars_client_mars mars[3];
	struct mars_client_conf cc;
	struct mars_io io;
	unsigned k;

	memset(mars, 0, sizeof(mars));
	for (k = 0; k < 3; k++) {
		mars[k].atm.tl = 20;
		mars_atm(mars[k].atm.num, k);
		mars[k].vc.kind = MARS_VC_P2P;
		mars[k].vc.id = k + 1;
		mars[k].has_ccvc = true;
		mars[k].ccvc_id = k + 1;
	}
	memset(&cc, 0, sizeof(cc));
	cc.pro_type = MARS_PRO_IPV4;
	cc.own.tl = 20;
	member_atm(cc.own.num, i);
	cc.own_pa.len = 4;
	cc.own_pa.addr[0] = 10;
	cc.mars = mars;
	cc.nmars = 3;
	cc.failure_timeout = 2000;
	cc.retransmit_interval = 500;
	cc.request_timeout = 500;
	cc.part_timeout = 500;
	cc.pass_pause = 5000;
	mars_rng_seed(&c->rng[i], i);
	cc.rng = &c->rng[i];
	c->cl_end[i].c = c;
	c->cl_end[i].idx = i;
	memset(&io, 0, sizeof(io));
	io.ctx = &c->cl_end[i];
	io.send = cl_send;
	if (mars_client_new(&c->cl[i], &cc, &io, NULL) != 0)
		errx(1, "member");
	mars_client_start(c->cl[i], c->now);
}

/* Everything due up to t, in time order. */
static void
run_until(struct cluster *c, mars_time_t t)
{
	mars_time_t next, d;
	size_t i, best;
	unsigned k;

	for (;;) {
		next = MARS_TIME_NEVER;
		best = c->nq;
		for (i = 0; i < c->nq; i++)
			if (c->q[i].at < next) {
				next = c->q[i].at;
				best = i;
			}
		for (k = 0; k < 2; k++)
			if (c->srv[k] != NULL && !c->srv_dead[k] &&
			    (d = mars_server_tick(c->srv[k], c->now)) < next) {
				next = d;
				best = c->nq;
			}
		for (k = 0; k < c->ncl; k++)
			if ((d = mars_client_next_deadline(c->cl[k])) < next) {
				next = d;
				best = c->nq;
			}
		if (next > t)
			break;
		if (next > c->now)
			c->now = next;
		if (best < c->nq) {
			struct pkt p = c->q[best];

			c->q[best] = c->q[--c->nq];
			if (p.to_srv >= 0 && !c->srv_dead[p.to_srv]) {
				if (p.to_srv == 0)
					record(&c->srv_seed, c->now, 0,
					    (uint8_t)(p.vc.id - 1), p.buf, p.len);
				mars_server_input(c->srv[p.to_srv], c->now,
				    &p.vc, p.buf, p.len);
			} else if (p.to_cl >= 0) {
				if (p.to_cl == 0)
					record(&c->cl_seed, c->now,
					    p.vc.kind == MARS_VC_P2P ? 0 : 1,
					    (uint8_t)(p.vc.id - 1), p.buf, p.len);
				mars_client_input(c->cl[p.to_cl], c->now, &p.vc,
				    p.buf, p.len);
				mars_client_tick(c->cl[p.to_cl], c->now);
			}
			free(p.buf);
			continue;
		}
		for (k = 0; k < c->ncl; k++)
			if (mars_client_next_deadline(c->cl[k]) <= c->now)
				mars_client_tick(c->cl[k], c->now);
	}
	c->now = t;
}

static void
cluster_free(struct cluster *c)
{
	unsigned k;

	while (c->nq > 0)
		free(c->q[--c->nq].buf);
	for (k = 0; k < 2; k++)
		mars_server_free(c->srv[k]);
	for (k = 0; k < c->ncl; k++)
		mars_client_free(c->cl[k]);
	seed_close(&c->srv_seed);
	seed_close(&c->cl_seed);
	free(c);
}

static struct cluster *
cluster_new(unsigned nsrv, unsigned ncl)
{
	struct cluster *c;
	unsigned k;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		err(1, NULL);
	c->now = T0;
	for (k = 0; k < nsrv; k++)
		make_server(c, k);
	c->ncl = ncl;
	for (k = 0; k < ncl; k++)
		make_member(c, k);
	return c;
}

/* Member 0's own calls, recorded with the fuzz_client.c op codes. */
static void
cl_join(struct cluster *c, unsigned i, const uint8_t *g, bool join)
{
	if (i == 0)
		record(&c->cl_seed, c->now, join ? 2 : 3, 0, g, 4);
	if (join)
		mars_client_join(c->cl[i], c->now, g, 4);
	else
		mars_client_leave(c->cl[i], c->now, g, 4);
}

static const uint8_t g1[4] = { 224, 1, 2, 3 };
static const uint8_t g2[4] = { 224, 1, 2, 4 };

static void
scenario_life(const char *dir)
{
	struct cluster *c = cluster_new(1, 2);

	seed_open(&c->srv_seed, dir, "server/life");
	seed_open(&c->cl_seed, dir, "client/life");
	cl_join(c, 0, g1, true);
	cl_join(c, 0, g2, true);
	run_until(c, 3000);
	record(&c->cl_seed, c->now, 4, 0, g1, 4);
	mars_client_request(c->cl[0], c->now, g1, 4);
	run_until(c, 3500);
	record(&c->cl_seed, c->now, 5, 0, g1, 4);
	mars_client_grouplist(c->cl[0], c->now, g1,
	    (const uint8_t[]){ 224, 1, 2, 0xff }, 4);
	run_until(c, 4000);
	cl_join(c, 1, g1, true);
	run_until(c, 5000);
	record(&c->cl_seed, c->now, 4, 0, g1, 4);
	mars_client_request(c->cl[0], c->now, g1, 4);
	run_until(c, 6000);
	cl_join(c, 0, g2, false);
	run_until(c, 8000);
	record(&c->cl_seed, c->now, 6, 0, NULL, 0);
	mars_client_deregister(c->cl[0], c->now);
	run_until(c, 10000);
	cluster_free(c);
}

static void
scenario_failover(const char *dir)
{
	struct cluster *c = cluster_new(2, 1);

	seed_open(&c->cl_seed, dir, "client/failover");
	cl_join(c, 0, g1, true);
	run_until(c, 4000);
	c->srv_dead[0] = true;
	run_until(c, 30000);
	if (!mars_client_registered(c->cl[0]) ||
	    mars_client_current_mars(c->cl[0])->num[18] != 2)
		errx(1, "failover: the member did not move to MARS 2");
	cluster_free(c);
}

static void
scenario_redirect(const char *dir)
{
	struct cluster *c = cluster_new(2, 1);
	struct mars_server_atm list[2];

	seed_open(&c->cl_seed, dir, "client/redirect");
	cl_join(c, 0, g1, true);
	run_until(c, 4000);
	memset(list, 0, sizeof(list));
	list[0].tl = list[1].tl = 20;
	mars_atm(list[0].addr, 1);
	mars_atm(list[1].addr, 0);
	mars_server_set_redirect_map(c->srv[0], list, 2, true);
	mars_server_redirect_now(c->srv[0], c->now);
	run_until(c, 18000);
	cluster_free(c);
}

/* ---- SCSP: three servers, node 0 as fuzz_node.c builds it ---- */

struct snet;

struct send {
	struct snet	*net;
	unsigned	 idx;
};

struct snet {
	mars_time_t		 now;
	struct mars_scsp_node	*n[NNODE];
	struct mars_scsp_dcs_conf dcs[NNODE][NNODE];
	struct send		 end[NNODE];
	bool			 down[NNODE];
	struct pkt		 q[QMAX];
	size_t			 nq;
	struct seed		 seed;
};

/* Node i's DCS on VC v is node peer_of(i, v). */
static unsigned
peer_of(unsigned i, uint32_t vc)
{
	unsigned k = (unsigned)vc - 1;

	return k < i ? k : k + 1;
}

static uint32_t
vc_to(unsigned i, unsigned peer)
{
	return peer < i ? peer + 1 : peer;
}

static void
node_send(void *ctx, const struct mars_vc *vc, const uint8_t *p, size_t len)
{
	struct send *e = ctx;
	struct snet *net = e->net;
	unsigned to = peer_of(e->idx, vc->id);
	struct pkt *k;

	if (net->down[e->idx] || to >= NNODE || net->down[to])
		return;
	if (net->nq == QMAX)
		errx(1, "queue full");
	k = &net->q[net->nq++];
	k->at = net->now + LATENCY;
	k->to_srv = (int)to;
	k->vc.kind = MARS_VC_SERVER;
	k->vc.id = vc_to(to, e->idx);
	if ((k->buf = malloc(len)) == NULL)
		err(1, NULL);
	memcpy(k->buf, p, len);
	k->len = len;
}

static void
make_node(struct snet *net, unsigned i)
{
	struct mars_scsp_conf c;
	unsigned k;

	for (k = 0; k + 1 < NNODE; k++) {
		memset(&net->dcs[i][k], 0, sizeof(net->dcs[i][k]));
		net->dcs[i][k].vc_id = k + 1;
		net->dcs[i][k].id_len = 4;
		memcpy(net->dcs[i][k].id, (const uint8_t[]){ 10, 0, 0,
		    (uint8_t)(peer_of(i, k + 1) + 1) }, 4);
	}
	memset(&c, 0, sizeof(c));
	memcpy(c.lsid, (const uint8_t[]){ 10, 0, 0, (uint8_t)(i + 1) }, 4);
	c.lsid_len = 4;
	c.protocol_id = MARS_SCSP_PROTO_MARS;
	c.sgid = 1;
	c.dcs = net->dcs[i];
	c.ndcs = NNODE - 1;
	if (i == 0) {
		/* fuzz_node.c's third DCS: ID learnt, nobody there */
		c.ndcs = NNODE;
		net->dcs[0][2].id_len = 0;
		net->dcs[0][2].vc_id = 3;
	}
	c.hello_interval = 1;
	c.ca_rexmt = 500;
	c.csus_rexmt = 500;
	c.csu_rexmt = 300;
	c.seed = i;
	net->end[i].net = net;
	net->end[i].idx = i;
	c.io.ctx = &net->end[i];
	c.io.send = node_send;
	if (mars_scsp_node_new(&net->n[i], &c, NULL) != 0)
		errx(1, "scsp node");
	mars_scsp_start(net->n[i], net->now);
}

static void
snet_run(struct snet *net, mars_time_t t)
{
	mars_time_t next, d;
	size_t i, best;
	unsigned k;

	for (;;) {
		next = MARS_TIME_NEVER;
		best = net->nq;
		for (i = 0; i < net->nq; i++)
			if (net->q[i].at < next) {
				next = net->q[i].at;
				best = i;
			}
		for (k = 0; k < NNODE; k++)
			if (!net->down[k] &&
			    (d = mars_scsp_tick(net->n[k], net->now)) < next) {
				next = d;
				best = net->nq;
			}
		if (next > t)
			break;
		if (next > net->now)
			net->now = next;
		if (best < net->nq) {
			struct pkt p = net->q[best];

			net->q[best] = net->q[--net->nq];
			if (!net->down[p.to_srv]) {
				if (p.to_srv == 0)
					record(&net->seed, net->now, 0,
					    (uint8_t)(p.vc.id - 1), p.buf, p.len);
				mars_scsp_input(net->n[p.to_srv], net->now,
				    &p.vc, p.buf, p.len);
			}
			free(p.buf);
		}
	}
	net->now = t;
}

/* An RFC 2443 §3 MARS Client Join/Register record of member m with cmi. */
static size_t
member_body(uint8_t *out, size_t cap, unsigned m, uint16_t cmi)
{
	struct mars_scsp_mars_part mp;
	uint8_t atm[20], pa[4] = { 10, 1, 1, 0 };
	size_t n;

	member_atm(atm, m);
	pa[3] = (uint8_t)(m + 1);
	memset(&mp, 0, sizeof(mp));
	mp.hw_type = MARS_AFN_ATM;
	mp.pro_type = MARS_PRO_IPV4;
	mp.state = MARS_SCSP_MARS_CLIENT_JOIN;
	mp.flags = MARS_FLAG_REGISTER;
	mp.cmi = cmi;
	mp.spa.addr = pa;
	mp.spa.len = 4;
	mp.atm.addr = atm;
	mp.atm.tl = 20;
	if (mars_scsp_mars_encode(&mp, out, cap, &n, NULL) != 0)
		errx(1, "scsp: MARS part");
	return n;
}

static void
originate(struct snet *net, unsigned i, uint8_t key, unsigned m, uint16_t cmi)
{
	uint8_t body[128];
	size_t n = member_body(body, sizeof(body), m, cmi);

	if (i == 0)
		record(&net->seed, net->now, 4, (uint8_t)(key - 1), body, n);
	mars_scsp_originate(net->n[i], net->now, &key, 1, body, (uint16_t)n,
	    NULL);
}

static struct snet *
snet_new(const char *dir, const char *name)
{
	struct snet *net;
	unsigned k;

	if ((net = calloc(1, sizeof(*net))) == NULL)
		err(1, NULL);
	net->now = T0;
	seed_open(&net->seed, dir, name);
	for (k = 0; k < NNODE; k++)
		make_node(net, k);
	return net;
}

static void
snet_free(struct snet *net)
{
	unsigned k;

	while (net->nq > 0)
		free(net->q[--net->nq].buf);
	for (k = 0; k < NNODE; k++)
		mars_scsp_node_free(net->n[k]);
	seed_close(&net->seed);
	free(net);
}

static void
scenario_align(const char *dir, bool restart)
{
	struct snet *net = snet_new(dir, restart ? "node/restart" : "node/align");

	originate(net, 1, 1, 1, 1);
	snet_run(net, 5000);
	if (mars_scsp_ca_state(net->n[0], 0) != MARS_SCSP_CA_ALIGNED)
		errx(1, "scsp: node 0 did not align with node 1 (%s %s)", mars_scsp_hello_state_name(mars_scsp_hello_state(net->n[0], 0)), mars_scsp_ca_state_name(mars_scsp_ca_state(net->n[0], 0)));
	originate(net, 0, 2, 2, 2);
	originate(net, 2, 3, 3, 3);
	snet_run(net, 7000);
	if (restart) {
		net->down[1] = true;
		snet_run(net, 12000);
		mars_scsp_node_free(net->n[1]);
		net->down[1] = false;
		make_node(net, 1);
		originate(net, 1, 1, 1, 7);
		snet_run(net, 20000);
	} else {
		record(&net->seed, net->now, 5, 1, NULL, 0);
		mars_scsp_withdraw(net->n[0], net->now, (const uint8_t[]){ 2 }, 1);
		snet_run(net, 10000);
	}
	snet_free(net);
}

/* What a MARS receives: the §8 examples, then the mars corpus's SDUs. */
static void
scenario_examples(const char *dir)
{
	static const char *const names[] = {
		"ex1_join", "ex2_request", "grouplist_request", "join_tlv_drop",
		"leave", "mserv", "sjoin", "sleave", "unserv", "request_tlvs",
	};
	struct seed s;
	uint8_t buf[MARS_MTU];
	char path[1024];
	mars_time_t t = T0;
	size_t i, n;
	FILE *f;

	seed_open(&s, dir, "server/examples");
	record(&s, t += 1, 0, 0, ex1_join, sizeof(ex1_join));
	record(&s, t += 1, 0, 0, ex2_request, sizeof(ex2_request));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/mars/%s", dir, names[i]);
		if ((f = fopen(path, "rb")) == NULL)
			err(1, "%s", path);
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		record(&s, t += 50, 0, (uint8_t)(i % 3), buf, n);
	}
	seed_close(&s);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkfuzzseeds DIR\n");
		return 2;
	}
	scenario_examples(argv[1]);
	scenario_life(argv[1]);
	scenario_failover(argv[1]);
	scenario_redirect(argv[1]);
	scenario_align(argv[1], false);
	scenario_align(argv[1], true);
	return 0;
}
