/*
 * A whole cluster in the simulator (sim.h): one MARS (server.h) and 20
 * cluster members (client.h) in virtual time.  Registration with unique
 * CMIs, group joins, resolution, redirect maps keeping members alive,
 * failure of the MARS detected within failure_timeout (RFC 2022 §5.4),
 * and recovery once the MARS comes back (re-registration, re-joins).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mars/client.h"
#include "mars/server.h"
#include "mars/sim.h"

#define NMEMBERS	20
#define NGROUPS		3
#define FAILURE_TIMEOUT	240000
#define REDIRECT_EVERY	60000
#define MINUTE		60000

static const uint8_t nsap[20] = {
	0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00, 0xf2, 0x1a,
	0x00, 0x00, 0x00, 0x00, 0x20, 0x48, 0x00, 0x00, 0x00,
};
/* Groups: member i joins grp[i % 3] and all. */
static const uint8_t grp[NGROUPS][4] = {
	{ 224, 1, 0, 1 }, { 224, 1, 0, 2 }, { 224, 1, 0, 3 },
};
static const uint8_t all[4] = { 239, 1, 1, 1 };

struct cluster {
	struct mars_sim		*s;
	struct mars_server_conf	 sconf;
	uint32_t		 mars;
	uint32_t		 member[NMEMBERS];
};

static void
mk_atm(uint8_t *out, unsigned id)
{
	memcpy(out, nsap, 20);
	out[18] = (uint8_t)(id >> 8);
	out[19] = (uint8_t)id;
}

static struct mars_server *
new_server(struct cluster *c)
{
	struct mars_server *srv;

	assert_int_equal(mars_server_new(&srv, &c->sconf,
	    mars_sim_node_io(c->s, c->mars), NULL), 0);
	return srv;
}

static struct mars_client *
member(const struct cluster *c, unsigned i)
{
	return mars_sim_node_machine(c->s, c->member[i]);
}

static struct mars_server *
mars(const struct cluster *c)
{
	return mars_sim_node_machine(c->s, c->mars);
}

static void
cluster_init(struct cluster *c, uint64_t seed, const struct mars_sim_net *net)
{
	struct mars_sim_conf sc;
	struct mars_client_conf cc;
	struct mars_client_mars m;
	struct mars_client *cl;
	uint8_t atm[20];
	uint32_t at_member, at_mars;
	unsigned i;
	char name[16];

	memset(c, 0, sizeof(*c));
	memset(&sc, 0, sizeof(sc));
	sc.seed = seed;
	if (net != NULL)
		sc.net = *net;
	assert_int_equal(mars_sim_new(&c->s, &sc, NULL), 0);

	/* The MARS: created from its node's io, leaves through the sim. */
	c->mars = mars_sim_node_add(c->s, "M1", &mars_sim_server_ops, NULL);
	assert_int_not_equal(c->mars, MARS_SIM_NODE_NONE);
	mk_atm(atm, 1);
	mars_server_conf_init(&c->sconf, MARS_PRO_IPV4, atm, 20);
	c->sconf.redirect_interval = REDIRECT_EVERY;
	c->sconf.leaf = mars_sim_server_leaf;
	assert_int_equal(mars_sim_node_set_machine(c->s, c->mars, new_server(c)),
	    0);

	for (i = 0; i < NMEMBERS; i++) {
		snprintf(name, sizeof(name), "C%02u", i);
		c->member[i] = mars_sim_node_add(c->s, name, &mars_sim_client_ops, NULL);
		assert_int_not_equal(c->member[i], MARS_SIM_NODE_NONE);
		assert_int_equal(mars_sim_vc_p2p(c->s, c->member[i], c->mars,
		    &at_member, &at_mars), 0);

		memset(&m, 0, sizeof(m));
		m.atm.tl = 20;
		mk_atm(m.atm.num, 1);
		m.vc.kind = MARS_VC_P2P;
		m.vc.id = at_member;
		m.has_ccvc = true;
		m.ccvc_id = MARS_SIM_PMP_ID(c->mars);

		memset(&cc, 0, sizeof(cc));
		cc.pro_type = MARS_PRO_IPV4;
		cc.own.tl = 20;
		mk_atm(cc.own.num, 100 + i);
		cc.own_pa.len = 4;
		cc.own_pa.addr[0] = 10;
		cc.own_pa.addr[3] = (uint8_t)(1 + i);
		cc.mars = &m;
		cc.nmars = 1;
		cc.failure_timeout = FAILURE_TIMEOUT;
		cc.rng = mars_sim_rng(c->s);
		assert_int_equal(mars_client_new(&cl, &cc,
		    mars_sim_node_io(c->s, c->member[i]), NULL), 0);
		assert_int_equal(mars_sim_node_set_machine(c->s, c->member[i], cl),
		    0);
		assert_int_equal(mars_client_start(cl, 0), 0);
		assert_int_equal(mars_client_join(cl, 0, grp[i % NGROUPS], 4), 0);
		assert_int_equal(mars_client_join(cl, 0, all, 4), 0);
		assert_int_equal(mars_sim_wake(c->s, c->member[i]), 0);
	}
}

/* Events of kind at node in [from, to]. */
static unsigned
count(const struct mars_sim *s, uint32_t node, int kind, mars_time_t from,
    mars_time_t to)
{
	const struct mars_event *e;
	size_t cur = 0;
	unsigned n = 0;

	while ((e = mars_sim_log_next(s, &cur)) != NULL)
		if (e->entity == node && e->kind == kind && e->when >= from &&
		    e->when <= to)
			n++;
	return n;
}

static mars_time_t
first(const struct mars_sim *s, uint32_t node, int kind, mars_time_t from)
{
	const struct mars_event *e;
	size_t cur = 0;

	while ((e = mars_sim_log_next(s, &cur)) != NULL)
		if (e->entity == node && e->kind == kind && e->when >= from)
			return e->when;
	return MARS_TIME_NEVER;
}

static void
assert_members_in(const struct cluster *c, unsigned ngroup_each)
{
	struct mars_server_group_info gi;
	enum mars_client_group_state st;
	struct mars_client *cl;
	unsigned i, j, k;

	for (i = 0; i < NMEMBERS; i++) {
		cl = member(c, i);
		assert_true(mars_client_registered(cl));
		assert_int_not_equal(mars_client_cmi(cl), 0);
		for (j = 0; j < i; j++)
			assert_int_not_equal(mars_client_cmi(cl),
			    mars_client_cmi(member(c, j)));
		assert_int_equal(mars_client_group_count(cl), ngroup_each);
		for (k = 0; k < ngroup_each; k++) {
			assert_non_null(mars_client_group(cl, k, &st));
			assert_int_equal(st, MARS_CLIENT_GRP_JOINED);
		}
	}
	assert_int_equal(mars_server_member_count(mars(c)), NMEMBERS);
	assert_int_equal(mars_sim_pmp_leaf_count(c->s, c->mars, MARS_VC_CCVC),
	    NMEMBERS);
	assert_true(mars_server_group_find(mars(c), all, &gi));
	assert_int_equal(gi.nmembers, NMEMBERS);
	for (k = 0; k < NGROUPS; k++) {
		assert_true(mars_server_group_find(mars(c), grp[k], &gi));
		assert_int_equal(gi.nmembers, (NMEMBERS - k + NGROUPS - 1) /
		    NGROUPS);
	}
}

static void
ask(struct mars_sim *s, void *arg)
{
	struct cluster *c = arg;

	assert_int_equal(mars_client_request(member(c, 0), mars_sim_now(s), all, 4), 0);
}

static void
ask_grp(struct mars_sim *s, void *arg)
{
	struct cluster *c = arg;

	assert_int_equal(mars_client_request(member(c, 5), mars_sim_now(s), grp[1], 4),
	    0);
}

static void
kill_mars(struct mars_sim *s, void *arg)
{
	struct cluster *c = arg;

	mars_sim_note(s, MARS_SIM_NODE_NONE, "drill: kill M1");
	assert_int_equal(mars_sim_kill(s, c->mars), 0);
}

static void
restart_mars(struct mars_sim *s, void *arg)
{
	struct cluster *c = arg;

	mars_sim_note(s, MARS_SIM_NODE_NONE, "drill: restart M1");
	assert_int_equal(mars_sim_restart(s, c->mars, new_server(c)), 0);
}

static void
test_cluster_failover(void **state)
{
	struct cluster c;
	const struct mars_client_atm *mem;
	const mars_time_t t_kill = 10 * MINUTE + 30000;
	const mars_time_t t_restart = t_kill + FAILURE_TIMEOUT + 5000;
	struct mars_sim_net net = { .delay = 1, .jitter = 4 };
	mars_time_t t;
	size_t n;
	unsigned i;

	cluster_init(&c, 2022, &net);

	/* Registration and joins. */
	assert_int_equal(mars_sim_run_until(c.s, 20000), 0);
	assert_members_in(&c, 2);
	for (i = 0; i < NMEMBERS; i++) {
		assert_int_equal(count(c.s, c.member[i], MARS_EV_REGISTERED, 0,
		    20000), 1);
		assert_int_equal(count(c.s, c.member[i], MARS_EV_JOINED, 0,
		    20000), 2);
	}
	assert_int_equal(count(c.s, c.mars, MARS_EV_MEMBER_ADDED, 0, 20000),
	    NMEMBERS);

	/* Resolution: MULTI with every member of the group. */
	assert_int_equal(mars_sim_at(c.s, 21000, ask, &c), 0);
	assert_int_equal(mars_sim_run_until(c.s, 22000), 0);
	assert_int_equal(count(c.s, c.member[0], MARS_EV_MULTI, 21000, 22000),
	    1);
	mem = mars_client_members(member(&c, 0), &n);
	assert_non_null(mem);
	assert_int_equal(n, NMEMBERS);
	assert_int_equal(mars_sim_at(c.s, 23000, ask_grp, &c), 0);
	assert_int_equal(mars_sim_run_until(c.s, 24000), 0);
	assert_int_equal(count(c.s, c.member[5], MARS_EV_MULTI, 23000, 24000),
	    1);
	(void)mars_client_members(member(&c, 5), &n);
	assert_int_equal(n, 7);			/* members 1, 4, ... 19 */

	/* Ten minutes of redirect maps: nobody gives up on the MARS. */
	assert_int_equal(mars_sim_run_until(c.s, 10 * MINUTE + 1000), 0);
	for (i = 0; i < NMEMBERS; i++) {
		assert_int_equal(count(c.s, c.member[i], MARS_EV_MARS_FAILED, 0,
		    MARS_TIME_NEVER), 0);
		assert_true(count(c.s, c.member[i], MARS_EV_REDIRECT_MAP, 0,
		    MARS_TIME_NEVER) >= 9);
		assert_true(mars_client_registered(member(&c, i)));
	}

	/* Kill the MARS: every member notices within failure_timeout. */
	assert_int_equal(mars_sim_at(c.s, t_kill, kill_mars, &c), 0);
	assert_int_equal(mars_sim_at(c.s, t_restart, restart_mars, &c), 0);
	assert_int_equal(mars_sim_run_until(c.s, t_kill + FAILURE_TIMEOUT), 0);
	assert_int_equal(mars_sim_node_state(c.s, c.mars), MARS_SIM_NODE_DEAD);
	for (i = 0; i < NMEMBERS; i++) {
		t = first(c.s, c.member[i], MARS_EV_MARS_FAILED, t_kill);
		assert_true(t != MARS_TIME_NEVER);
		assert_true(t <= t_kill + FAILURE_TIMEOUT);
		/* Not before the map after the kill would have been due. */
		assert_true(t >= 11 * MINUTE + FAILURE_TIMEOUT - REDIRECT_EVERY);
		assert_false(mars_client_registered(member(&c, i)));
	}

	/* Restart it: members register again and re-join their groups. */
	assert_int_equal(mars_sim_run_until(c.s, t_restart + 5 * MINUTE), 0);
	assert_members_in(&c, 2);
	for (i = 0; i < NMEMBERS; i++) {
		assert_true(count(c.s, c.member[i], MARS_EV_REGISTERED,
		    t_restart, MARS_TIME_NEVER) >= 1);
		assert_true(count(c.s, c.member[i], MARS_EV_REJOINED,
		    t_restart, MARS_TIME_NEVER) >= 1);
	}
	assert_int_equal(count(c.s, c.mars, MARS_SIM_EV_RESTART, 0,
	    MARS_TIME_NEVER), 1);
	mars_sim_free(c.s);
}

/* The same drill on a lossy network twice: byte-identical logs. */
static size_t
lossy_run(uint64_t seed, char *buf, size_t cap)
{
	struct mars_sim_net net = { .delay = 2, .jitter = 8, .loss_ppm = 20000 };
	struct cluster c;
	struct mars_out ob;

	cluster_init(&c, seed, &net);
	assert_int_equal(mars_sim_at(c.s, 21000, ask, &c), 0);
	assert_int_equal(mars_sim_at(c.s, 3 * MINUTE, kill_mars, &c), 0);
	assert_int_equal(mars_sim_at(c.s, 4 * MINUTE, restart_mars, &c), 0);
	assert_int_equal(mars_sim_run_until(c.s, 12 * MINUTE), 0);
	mars_out_init(&ob, -1, buf, cap);
	mars_sim_log_print(c.s, &ob, true);
	assert_true(ob.len < cap);
	mars_sim_free(c.s);
	return ob.len;
}

static void
test_cluster_reproducible(void **state)
{
	static char b1[1 << 20], b2[1 << 20], b3[1 << 20];
	size_t n1, n2, n3;

	n1 = lossy_run(7, b1, sizeof(b1));
	n2 = lossy_run(7, b2, sizeof(b2));
	n3 = lossy_run(8, b3, sizeof(b3));
	assert_true(n1 > 10000);
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1);
	assert_true(n1 != n3 || memcmp(b1, b3, n1) != 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cluster_failover),
		cmocka_unit_test(test_cluster_reproducible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
