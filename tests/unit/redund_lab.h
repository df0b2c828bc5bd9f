/*
 * A lab for the distributed-MARS scenario tests: redund entities (MARS
 * nodes) and real cluster members (client.h) in the simulator (sim.h),
 * built from a cluster file.  Included by test_redund_*.c only.
 */
#ifndef REDUND_LAB_H
#define REDUND_LAB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mars/client.h"
#include "mars/config.h"
#include "mars/redund.h"
#include "mars/sim.h"

#define LAB_M		4
#define LAB_C		8
#define SEC		1000

struct lab;

/* Debugging hook: every SDU of the run (NULL: none). */
static void (*lab_on_msg)(void *ctx, const struct mars_sim_msg *m);
/* Every entity made, before it starts (NULL: none). */
static void (*lab_on_redund)(struct mars_redund *r);

struct ent {
	struct lab		*lab;
	unsigned		 idx;
	struct mars_redund	*r;
	bool			 started;
};

struct lab_cref {
	struct lab		*l;
	unsigned		 k;
};

struct lab {
	struct mars_sim		*s;
	struct lab_cref		 cref[LAB_C];
	struct mars_cluster_conf	 cc;
	unsigned		 nm;
	unsigned		 nc;
	uint32_t		 m[LAB_M];	/* sim nodes */
	uint32_t		 c[LAB_C];
	uint32_t		 svc[LAB_M][LAB_M];	/* server VC id at i to j */
	uint32_t		 cvc[LAB_C][LAB_M];	/* member's p2p VC to j */
	struct ent		 ent[LAB_M];
};

static inline void
ent_input(void *m, mars_time_t now, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len)
{
	struct ent *e = m;

	mars_redund_input(e->r, now, vc, sdu, len);
}

static inline mars_time_t
ent_tick(void *m, mars_time_t now)
{
	struct ent *e = m;

	if (!e->started) {
		e->started = true;
		mars_redund_start(e->r, now);
	}
	return mars_redund_tick(e->r, now);
}

static const struct mars_sim_node_ops ent_ops = {
	.input = ent_input,
	.tick = ent_tick,
};

static inline struct mars_redund *
lab_new_redund(struct lab *l, unsigned i)
{
	struct mars_redund_conf rc;
	struct mars_redund *r;
	unsigned j;

	assert_int_equal(mars_config_redund(&l->cc, i, &rc, NULL), 0);
	for (j = 0; j < l->nm; j++)
		rc.mars[j].vc = l->svc[i][j];
	rc.seed = 1000 + i;
	rc.leaf = mars_sim_server_leaf;
	assert_int_equal(mars_redund_new(&r, &rc,
	    mars_sim_node_io(l->s, l->m[i]), NULL), 0);
	if (lab_on_redund != NULL)
		lab_on_redund(r);
	return r;
}

/* A MARS learnt from a map: the member's p2p VC to it. */
static inline int
lab_vc_lookup(void *ctx, const struct mars_client_atm *mars,
    struct mars_vc *vc)
{
	const struct lab_cref *cr = ctx;
	unsigned j;

	for (j = 0; j < cr->l->nm; j++)
		if (memcmp(mars->num, cr->l->cc.mars[j].atm, 20) == 0) {
			vc->kind = MARS_VC_P2P;
			vc->id = cr->l->cvc[cr->k][j];
			return 0;
		}
	return -1;
}

/*
 * Members C1..Cnc each with a p2p VC to every MARS and the MARS list
 * `order` (indices) as configured; failure timeouts per member.
 */
static inline void
lab_client(struct lab *l, unsigned k, const unsigned *order, unsigned n,
    mars_time_t failure_timeout)
{
	struct mars_client_mars mm[LAB_M];
	struct mars_client_conf cc;
	struct mars_client *cl;
	unsigned j;

	memset(mm, 0, sizeof(mm));
	for (j = 0; j < n; j++) {
		mm[j].atm.tl = l->cc.mars[order[j]].atm_len;
		memcpy(mm[j].atm.num, l->cc.mars[order[j]].atm, 20);
		mm[j].vc.kind = MARS_VC_P2P;
		mm[j].vc.id = l->cvc[k][order[j]];
		mm[j].has_ccvc = true;
		mm[j].ccvc_id = MARS_SIM_PMP_ID(l->m[order[j]]);
	}
	memset(&cc, 0, sizeof(cc));
	cc.pro_type = MARS_PRO_IPV4;
	cc.own.tl = 20;
	memset(cc.own.num, 0x39, 20);
	cc.own.num[19] = (uint8_t)(0x10 + k);
	cc.own_pa.len = 4;
	cc.own_pa.addr[0] = 10;
	cc.own_pa.addr[3] = (uint8_t)(k + 1);
	cc.mars = mm;
	cc.nmars = n;
	cc.vc_lookup = lab_vc_lookup;
	l->cref[k].l = l;
	l->cref[k].k = k;
	cc.vc_ctx = &l->cref[k];
	cc.failure_timeout = failure_timeout;
	cc.retransmit_interval = 1 * SEC;
	cc.retransmit_limit = 3;
	cc.request_timeout = 1 * SEC;
	cc.reregister_min = 500;
	cc.reregister_max = 1500;
	cc.revalidate_min = 500;
	cc.revalidate_max = 1000;
	cc.rejoin_min = 100;
	cc.rejoin_max = 300;
	cc.pass_pause = 3 * SEC;
	cc.rng = mars_sim_rng(l->s);
	assert_int_equal(mars_client_new(&cl, &cc,
	    mars_sim_node_io(l->s, l->c[k]), NULL), 0);
	assert_int_equal(mars_sim_node_set_machine(l->s, l->c[k], cl), 0);
}

static inline void
lab_init(struct lab *l, const char *conf, unsigned nc, uint64_t seed)
{
	struct mars_sim_conf sc;
	struct mars_err err;
	char msg[MARS_CONF_MSG_MAX], name[16];
	uint32_t a, b;
	unsigned i, j;

	memset(l, 0, sizeof(*l));
	assert_int_equal(mars_config_parse_text(conf, strlen(conf), "lab.conf",
	    &l->cc, &err, msg, sizeof(msg)), 0);
	l->nm = (unsigned)l->cc.n_mars;
	l->nc = nc;
	memset(&sc, 0, sizeof(sc));
	sc.seed = seed;
	sc.net.delay = 1;
	sc.max_events = 5000000;	/* a run that would not end fails */
	sc.on_msg = lab_on_msg;
	assert_int_equal(mars_sim_new(&l->s, &sc, NULL), 0);
	for (i = 0; i < l->nm; i++) {
		l->m[i] = mars_sim_node_add(l->s, l->cc.mars[i].name, &ent_ops,
		    NULL);
		assert_int_not_equal(l->m[i], MARS_SIM_NODE_NONE);
	}
	for (i = 0; i < l->nm; i++)
		for (j = i + 1; j < l->nm; j++) {
			assert_int_equal(mars_sim_vc_server(l->s, l->m[i], l->m[j],
			    &a, &b), 0);
			l->svc[i][j] = a;
			l->svc[j][i] = b;
		}
	for (i = 0; i < nc; i++) {
		snprintf(name, sizeof(name), "C%u", i + 1);
		l->c[i] = mars_sim_node_add(l->s, name, &mars_sim_client_ops, NULL);
		for (j = 0; j < l->nm; j++)
			assert_int_equal(mars_sim_vc_p2p(l->s, l->c[i], l->m[j],
			    &l->cvc[i][j], &a), 0);
	}
	for (i = 0; i < l->nm; i++) {
		l->ent[i].lab = l;
		l->ent[i].idx = i;
		l->ent[i].r = lab_new_redund(l, i);
		assert_int_equal(mars_sim_node_set_machine(l->s, l->m[i],
		    &l->ent[i]), 0);
	}
}

static inline void
lab_free(struct lab *l)
{
	unsigned i;

	mars_sim_free(l->s);
	for (i = 0; i < l->nm; i++)
		mars_redund_free(l->ent[i].r);
}

static inline struct mars_client *
lab_cl(struct lab *l, unsigned k)
{
	return mars_sim_node_machine(l->s, l->c[k]);
}

static inline void
lab_start_client(struct lab *l, unsigned k, const uint8_t (*groups)[4],
    unsigned ng)
{
	struct mars_client *cl = lab_cl(l, k);
	mars_time_t now = mars_sim_now(l->s);
	unsigned g;

	assert_int_equal(mars_client_start(cl, now), 0);
	for (g = 0; g < ng; g++)
		assert_int_equal(mars_client_join(cl, now, groups[g], 4), 0);
	assert_int_equal(mars_sim_wake(l->s, l->c[k]), 0);
}

/* Index of the MARS entity with that ATM number, or -1. */
static inline int
lab_mars_index(const struct lab *l, const struct mars_client_atm *a)
{
	unsigned j;

	if (a == NULL)
		return -1;
	for (j = 0; j < l->nm; j++)
		if (memcmp(a->num, l->cc.mars[j].atm, 20) == 0)
			return (int)j;
	return -1;
}

/* The MARS member k is registered with (-1 when not registered). */
static inline int
lab_current(struct lab *l, unsigned k)
{
	struct mars_client *cl = lab_cl(l, k);

	if (!mars_client_registered(cl))
		return -1;
	return lab_mars_index(l, mars_client_current_mars(cl));
}

/* The last map member k received, as entity indices; returns the count. */
static inline size_t
lab_map(struct lab *l, unsigned k, int *idx, bool *hard)
{
	const struct mars_client_atm *m;
	size_t n, i;

	m = mars_client_redirect_map(lab_cl(l, k), &n, hard);
	for (i = 0; i < n; i++)
		idx[i] = lab_mars_index(l, &m[i]);
	return n;
}

static inline void
assert_map(struct lab *l, unsigned k, const int *want, size_t n)
{
	int got[MARS_CLIENT_MARS_MAX];
	bool hard;
	size_t i;

	assert_int_equal(lab_map(l, k, got, &hard), n);
	for (i = 0; i < n; i++)
		assert_int_equal(got[i], want[i]);
}

static inline void
assert_joined(struct lab *l, unsigned k, unsigned ng)
{
	enum mars_client_group_state st;
	unsigned g;

	assert_int_equal(mars_client_group_count(lab_cl(l, k)), ng);
	for (g = 0; g < ng; g++) {
		assert_non_null(mars_client_group(lab_cl(l, k), g, &st));
		assert_int_equal(st, MARS_CLIENT_GRP_JOINED);
	}
}

static inline void
lab_kill(struct lab *l, unsigned i)
{
	assert_int_equal(mars_sim_kill(l->s, l->m[i]), 0);
}

static inline void
lab_restart(struct lab *l, unsigned i)
{
	mars_redund_free(l->ent[i].r);
	l->ent[i].r = lab_new_redund(l, i);
	l->ent[i].started = false;
	assert_int_equal(mars_sim_restart(l->s, l->m[i], &l->ent[i]), 0);
}

static inline void
lab_run_to(struct lab *l, mars_time_t t)
{
	assert_int_equal(mars_sim_run_until(l->s, t), 0);
}

/* Events of kind at node since `from`; hard: only those with ev.hard. */
static inline unsigned
lab_count(const struct lab *l, uint32_t node, int kind, mars_time_t from,
    int hard)
{
	const struct mars_event *e;
	size_t cur = 0;
	unsigned n = 0;

	while ((e = mars_sim_log_next(l->s, &cur)) != NULL)
		if (e->entity == node && e->kind == kind && e->when >= from &&
		    (hard < 0 || e->hard == (hard != 0)))
			n++;
	return n;
}

static inline struct mars_server *
lab_srv(struct lab *l, unsigned i)
{
	return mars_redund_server(l->ent[i].r);
}

#endif
