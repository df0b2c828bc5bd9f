/*
 * Incremental publishing (redund_publish.c): an entity re-exports only
 * the members and MCSs its server noted as changed, and must originate
 * exactly what a whole reconcile of its database would -- the same
 * records, with the same keys, in the same order.  Each test drives two
 * runs that differ only in the way of publishing (full_always, an
 * internal switch) and compares what they originated.
 */
#include "redund_lab.h"

#include "fsm/redund/redund_int.h"
#include "mars/msg.h"
#include "mars/scsp.h"

/* ---- one entity driven message by message ---- */

#define NMEM	24		/* member addresses */
#define NMCS	3		/* MCS addresses */
#define NGRP	12		/* group addresses */
#define NVC	40		/* point-to-point VCs */
#define HOLD	5000		/* cmi-hold: withdrawn records purged */

static const char one_conf[] =
    "[cluster]\n"
    "redirect-interval = 1s\n"
    "hello-interval = 1s\n"
    "[mars M1]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000001.00\n"
    "endpoint = udp:127.0.0.1:4501\n";

static void
quiet_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu,
    size_t len)
{
	(void)ctx;
	(void)vc;
	(void)sdu;
	(void)len;
}

static struct mars_redund *
one_new(bool full)
{
	struct mars_cluster_conf cc;
	struct mars_redund_conf rc;
	struct mars_io io = { NULL, quiet_send, NULL, NULL };
	struct mars_redund *r;
	struct mars_err err;
	char msg[MARS_CONF_MSG_MAX];

	assert_int_equal(mars_config_parse_text(one_conf, strlen(one_conf),
	    "one.conf", &cc, &err, msg, sizeof(msg)), 0);
	assert_int_equal(mars_config_redund(&cc, 0, &rc, NULL), 0);
	rc.cmi_hold = HOLD;
	assert_int_equal(mars_redund_new(&r, &rc, &io, NULL), 0);
	r->full_always = full;
	mars_redund_start(r, 0);
	return r;
}

static struct mars_server_atm
who(unsigned k, bool mcs)
{
	struct mars_server_atm a;

	memset(&a, 0, sizeof(a));
	a.tl = 20;
	memset(a.addr, mcs ? 0x3a : 0x39, 20);
	a.addr[18] = (uint8_t)(k >> 8);
	a.addr[19] = (uint8_t)k;
	if (k % 5 == 4) {		/* some with a subaddress */
		a.sub_tl = 20;
		memset(a.sub, 0x45, 20);
		a.sub[19] = (uint8_t)k;
	}
	return a;
}

static void
grp(unsigned g, uint8_t *out)
{
	out[0] = 224;
	out[1] = 2;
	out[2] = 0;
	out[3] = (uint8_t)(g + 1);
}

/*
 * One MARS message from a member (or MCS) on p2p VC vc to both runs; a
 * member's carries its protocol address but for every third sender.
 */
static void
deliver(struct mars_redund **r, mars_time_t now, uint32_t vc, uint8_t op,
    uint16_t flags, const struct mars_server_atm *a, const uint8_t *min,
    const uint8_t *max)
{
	struct mars_vc v = { MARS_VC_P2P, vc };
	struct mars_msg m;
	uint8_t buf[512], pairs[8], pa[4] = { 10, 0, 0, 0 };
	size_t n;

	memset(&m, 0, sizeof(m));
	m.afn = MARS_AFN_ATM;
	m.pro_type = MARS_PRO_IPV4;
	m.op = op;
	m.sha.tl = a->tl;
	m.sha.addr = a->addr;
	if (a->sub_tl) {
		m.ssa.tl = a->sub_tl;
		m.ssa.addr = a->sub;
	}
	pa[2] = (uint8_t)(now / 1000 % 3);	/* it changes now and then */
	pa[3] = a->addr[19];
	m.spa.addr = pa;
	m.spa.len = op == MARS_MSERV || op == MARS_UNSERV ||
	    a->addr[19] % 3 == 0 ? 0 : 4;
	if (m.spa.len == 0)
		m.spa.addr = NULL;
	m.grp_len = 4;
	m.flags = flags;
	if (min != NULL) {
		memcpy(pairs, min, 4);
		memcpy(pairs + 4, max, 4);
		m.pnum = 1;
		m.list = pairs;
	}
	assert_int_equal(mars_encode(&m, buf, sizeof(buf), &n, MARS_ENC_LLC,
	    NULL), 0);
	mars_redund_input(r[0], now, &v, buf, n);
	mars_redund_input(r[1], now, &v, buf, n);
}

/* The two runs originated the same entries: keys, sequence numbers,
 * bodies, tombstones. */
static void
assert_same_cache(struct mars_redund **r)
{
	struct mars_scsp_entry_view a, b;
	size_t i;

	assert_int_equal(mars_scsp_cache_len(r[0]->scsp),
	    mars_scsp_cache_len(r[1]->scsp));
	assert_int_equal(r[0]->npub, r[1]->npub);
	for (i = 0; mars_scsp_cache_get(r[0]->scsp, i, &a); i++) {
		assert_true(mars_scsp_cache_get(r[1]->scsp, i, &b));
		assert_int_equal(mars_scsp_id_cmp(&a.key, &b.key), 0);
		assert_int_equal(a.seq, b.seq);
		assert_int_equal(a.null, b.null);
		assert_int_equal(a.body_len, b.body_len);
		if (a.body_len > 0)
			assert_memory_equal(a.body, b.body, a.body_len);
	}
}

struct want_set {
	struct mars_redund_rec rec[1024];
	bool seen[1024];
	size_t n;
};

static int
collect(void *ctx, const struct mars_redund_rec *rec)
{
	struct want_set *w = ctx;

	assert_true(w->n < 1024);
	w->seen[w->n] = false;
	w->rec[w->n++] = *rec;
	return 0;
}

/*
 * What the incremental run holds live of classes 3-7 is exactly what its
 * database exports, field for field: a check that does not lean on the
 * whole reconcile being right.
 */
static void
assert_live_is_export(struct mars_redund *r)
{
	static struct want_set w;
	struct mars_scsp_entry_view v;
	struct mars_redund_rec rec;
	size_t i, k;

	w.n = 0;
	assert_int_equal(mars_redund_rec_export(mars_redund_server_const(r),
	    collect, &w), 0);
	for (i = 0; mars_scsp_cache_get(r->scsp, i, &v); i++) {
		if (v.null || v.key.p[0] < MARS_REDUND_K_REGISTER)
			continue;
		assert_int_equal(mars_redund_rec_decode(&rec, v.key.p[0], v.body,
		    v.body_len), 0);
		if (!rec.live)
			continue;
		for (k = 0; k < w.n; k++)
			if (!w.seen[k] && mars_redund_rec_same(&w.rec[k], &rec))
				break;
		assert_true(k < w.n);		/* not a stale record */
		w.seen[k] = true;
		assert_int_equal(rec.cmi, w.rec[k].cls == MARS_REDUND_K_MCS ||
		    w.rec[k].cls == MARS_REDUND_K_SERVE ? 0 : w.rec[k].cmi);
		assert_int_equal(rec.layer3grp, w.rec[k].layer3grp);
		assert_int_equal(rec.spa_len, w.rec[k].spa_len);
		assert_memory_equal(rec.spa, w.rec[k].spa, rec.spa_len);
	}
	for (k = 0; k < w.n; k++)
		assert_true(w.seen[k]);		/* none missing */
}

static uint32_t
rnd(uint64_t *s, uint32_t n)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33) % n;
}

/*
 * Random joins, leaves, block joins, registrations over old and new VCs,
 * deregistrations, lost VCs, MCS registrations and served groups,
 * replicated imports (a member moving to another entity among them), a
 * forgotten member, the passing of time (withdrawn records purged):
 * after every step both runs hold the same cache, and it is the export.
 */
static void
test_random_sequences(void **state)
{
	struct mars_redund *r[2];
	struct mars_server_atm a;
	struct mars_server *s[2];
	uint8_t g1[4], g2[4];
	uint64_t seed;
	mars_time_t now = 0;
	uint32_t vcof[NMEM + NMCS];
	unsigned step, k, op, i, runs;
	uint16_t fl;

	(void)state;
	for (runs = 0; runs < 6; runs++) {
		seed = 0x5eed0000u + runs;
		r[0] = one_new(false);
		r[1] = one_new(true);
		s[0] = mars_redund_server(r[0]);
		s[1] = mars_redund_server(r[1]);
		for (k = 0; k < NMEM + NMCS; k++)
			vcof[k] = 1 + k % NVC;
		for (step = 0; step < 1500; step++) {
			op = rnd(&seed, 17);
			k = rnd(&seed, NMEM);
			a = who(k, false);
			grp(rnd(&seed, NGRP), g1);
			grp(rnd(&seed, NGRP), g2);
			if (memcmp(g1, g2, 4) > 0) {
				uint8_t t[4];

				memcpy(t, g1, 4);
				memcpy(g1, g2, 4);
				memcpy(g2, t, 4);
			}
			fl = rnd(&seed, 3) == 0 ? MARS_FLAG_LAYER3GRP : 0;
			switch (op) {
			case 0:
			case 1:		/* registration (maybe a new VC) */
				if (rnd(&seed, 4) == 0)
					vcof[k] = 1 + rnd(&seed, NVC);
				deliver(r, now, vcof[k], MARS_JOIN,
				    MARS_FLAG_REGISTER, &a, NULL, NULL);
				break;
			case 2:
			case 3:
			case 4:		/* one group */
				deliver(r, now, vcof[k], MARS_JOIN, fl, &a, g1,
				    g1);
				break;
			case 5:
				deliver(r, now, vcof[k], MARS_LEAVE, 0, &a, g1,
				    g1);
				break;
			case 6:		/* a block, joined or left */
				deliver(r, now, vcof[k], rnd(&seed, 2) ?
				    MARS_JOIN : MARS_LEAVE, 0, &a, g1, g2);
				break;
			case 7:		/* deregistration */
				deliver(r, now, vcof[k], MARS_LEAVE,
				    MARS_FLAG_REGISTER, &a, NULL, NULL);
				break;
			case 8:		/* a VC lost */
				i = 1 + rnd(&seed, NVC);
				mars_redund_leaf_lost(r[0], now, i);
				mars_redund_leaf_lost(r[1], now, i);
				break;
			case 9:		/* an MCS and the groups it serves */
				k = rnd(&seed, NMCS);
				a = who(k, true);
				switch (rnd(&seed, 4)) {
				case 0:
					deliver(r, now, vcof[NMEM + k],
					    MARS_MSERV, MARS_FLAG_REGISTER, &a,
					    NULL, NULL);
					break;
				case 1:
					deliver(r, now, vcof[NMEM + k],
					    MARS_MSERV, 0, &a, g1, g1);
					break;
				case 2:
					deliver(r, now, vcof[NMEM + k],
					    MARS_UNSERV, 0, &a, g1, g1);
					break;
				default:
					deliver(r, now, vcof[NMEM + k],
					    MARS_UNSERV, MARS_FLAG_REGISTER, &a,
					    NULL, NULL);
					break;
				}
				break;
			case 10:	/* replicated: registered elsewhere */
				for (i = 0; i < 2; i++) {
					(void)mars_server_import_member(s[i],
					    now, &a, 0, 0);
					(void)mars_server_import_group(s[i],
					    now, &a, g1, g1, false, true);
					mars_redund_tick(r[i], now);
				}
				break;
			case 11:	/* replicated leave, deregistration */
				fl = (uint16_t)rnd(&seed, 2);
				for (i = 0; i < 2; i++) {
					if (fl == 0)
						(void)mars_server_import_group(
						    s[i], now, &a, g1, g2,
						    false, false);
					else
						(void)mars_server_import_deregister(
						    s[i], now, &a);
					mars_redund_tick(r[i], now);
				}
				break;
			case 12:	/* a replicated CMI binding, an MCS
					   (registered here or elsewhere) */
				i = rnd(&seed, NMCS);
				fl = (uint16_t)rnd(&seed, 3);
				for (k = 0; k < 2; k++) {
					struct mars_server_atm c = who(i, true);

					(void)mars_server_import_cmi(s[k], now,
					    &a, (uint16_t)(200 + step % 50));
					if (fl == 2)
						(void)mars_server_import_serve(
						    s[k], now, &c, g1, true);
					else
						(void)mars_server_import_mcs(
						    s[k], now, &c, 0, fl == 0);
					mars_redund_tick(r[k], now);
				}
				break;
			case 13:	/* fault injection: a fresh binding */
				for (i = 0; i < 2; i++) {
					(void)mars_server_forget_member(s[i],
					    now, &a);
					mars_redund_tick(r[i], now);
				}
				break;
			case 14:	/* a burst of replicated joins and
					   leaves about our own members, as
					   one SCSP message brings them */
				for (i = 0; i < 2; i++) {
					uint64_t s2 = seed;
					unsigned j, b;

					for (j = 0; j < 4; j++) {
						b = rnd(&s2, NMEM);
						grp(rnd(&s2, NGRP), g1);
						a = who(b, false);
						(void)mars_server_import_group(
						    s[i], now, &a, g1, g1,
						    false, rnd(&s2, 3) != 0);
					}
					mars_redund_tick(r[i], now);
					if (i == 1)
						seed = s2;
				}
				break;
			default:	/* time passes */
				now += rnd(&seed, 1500);
				mars_redund_tick(r[0], now);
				mars_redund_tick(r[1], now);
				break;
			}
			assert_same_cache(r);
			assert_live_is_export(r[0]);
		}
		/* The run did what it is meant to. */
		assert_true(r[0]->purged > 0);
		assert_true(mars_server_member_count(s[0]) > 0);
		assert_int_equal(r[0]->purged, r[1]->purged);
		mars_redund_free(r[0]);
		mars_redund_free(r[1]);
	}
}

/* ---- a whole cluster, twice ---- */

static const char ft_conf[] =
    "[cluster]\n"
    "redirect-interval = 2s\n"
    "hello-interval = 1s\n"
    "dead-factor = 3\n"
    "mcs-timeout = 10s\n"
    "[mars M1]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000001.00\n"
    "endpoint = udp:127.0.0.1:4501\n"
    "priority = 40\n"
    "[mars M2]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000002.00\n"
    "endpoint = udp:127.0.0.1:4502\n"
    "priority = 30\n"
    "[mars M3]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000003.00\n"
    "endpoint = udp:127.0.0.1:4503\n"
    "priority = 20\n";

static bool	publish_full;
static uint64_t	trace_hash;
static uint64_t	trace_count;

static void
set_mode(struct mars_redund *r)
{
	r->full_always = publish_full;
}

/* Every SDU of the run, its fate and time, folded into one hash. */
static void
trace(void *ctx, const struct mars_sim_msg *m)
{
	uint64_t h = trace_hash;
	size_t i;

	(void)ctx;
	h = (h ^ (uint64_t)m->time) * 1099511628211ull;
	h = (h ^ ((uint64_t)m->from << 32 | m->to)) * 1099511628211ull;
	h = (h ^ (uint64_t)m->fate) * 1099511628211ull;
	for (i = 0; i < m->len; i++)
		h = (h ^ m->sdu[i]) * 1099511628211ull;
	trace_hash = h;
	trace_count++;
}

static const uint8_t groups[3][4] = {
	{ 224, 1, 0, 1 }, { 224, 1, 0, 2 }, { 224, 1, 0, 3 },
};

/*
 * Members register, join, leave and deregister, the Active is killed
 * and restarted (its previous incarnation's records come back to it),
 * a Backup hangs: the same run, SDU for SDU, whichever way the entities
 * publish.
 */
static uint64_t
cluster_run(bool full, uint64_t *count)
{
	static const unsigned order[3] = { 0, 1, 2 };
	struct lab l;
	unsigned k;

	publish_full = full;
	trace_hash = 1469598103934665603ull;
	trace_count = 0;
	lab_on_redund = set_mode;
	lab_on_msg = trace;
	lab_init(&l, ft_conf, 6, 7);
	for (k = 0; k < 6; k++)
		lab_client(&l, k, order, 3, 6 * SEC);
	lab_run_to(&l, 5 * SEC);
	for (k = 0; k < 6; k++)
		lab_start_client(&l, k, groups, 1 + k % 3);
	lab_run_to(&l, 12 * SEC);
	assert_int_equal(mars_client_leave(lab_cl(&l, 1), mars_sim_now(l.s),
	    groups[0], 4), 0);
	assert_int_equal(mars_client_deregister(lab_cl(&l, 2),
	    mars_sim_now(l.s)), 0);
	for (k = 0; k < 6; k++)
		(void)mars_sim_wake(l.s, l.c[k]);
	lab_run_to(&l, 16 * SEC);
	lab_kill(&l, 0);
	lab_run_to(&l, 40 * SEC);
	assert_int_equal(mars_redund_role(l.ent[1].r), MARS_REDUND_ACTIVE);
	lab_restart(&l, 0);
	lab_run_to(&l, 60 * SEC);
	assert_int_equal(mars_sim_hang(l.s, l.m[2]), 0);
	lab_run_to(&l, 64 * SEC);
	assert_int_equal(mars_sim_resume(l.s, l.m[2]), 0);
	lab_run_to(&l, 90 * SEC);
	for (k = 0; k < 6; k++)
		if (k != 2)
			assert_true(mars_client_registered(lab_cl(&l, k)));
	lab_free(&l);
	lab_on_redund = NULL;
	lab_on_msg = NULL;
	*count = trace_count;
	return trace_hash;
}

static void
test_cluster_same_wire(void **state)
{
	uint64_t a, b, na, nb;

	(void)state;
	a = cluster_run(false, &na);
	b = cluster_run(true, &nb);
	assert_true(na > 1000);
	assert_int_equal(na, nb);
	assert_int_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_sequences),
		cmocka_unit_test(test_cluster_same_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
