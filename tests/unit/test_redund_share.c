/*
 * Multicast Servers across failover (draft-armitage-ion-mars-scsp-03
 * §3.6) and the load-sharing models (§4.3, §4.4, §4.5, §4.6): redund
 * entities and real cluster members in the simulator, asserting what the
 * members see and what each entity sends on its ClusterControlVC.
 */
#include "redund_lab.h"

#include "mars/msg.h"
#include "mars/pdu.h"

#define FAIL_TO		(6 * SEC)

static const uint8_t g1[1][4] = { { 224, 1, 0, 1 } };
static const uint8_t g2[1][4] = { { 224, 1, 0, 2 } };
static const uint8_t g12[2][4] = { { 224, 1, 0, 1 }, { 224, 1, 0, 2 } };

/* What the entities sent on their ClusterControlVCs (one copy each). */
struct ccmsg {
	mars_time_t	 t;
	uint32_t	 from;
	uint8_t		 op;
	uint8_t		 sha_last;	/* last octet of mar$sha */
	uint8_t		 group[4];
	uint32_t	 msn;
	uint8_t		 vc_kind;
};

static struct ccmsg cap[4096];
static unsigned ncap;

static void
capture(void *ctx, const struct mars_sim_msg *m)
{
	static struct mars_pdu pdu;
	const struct mars_msg *mm = &pdu.u.mars;
	const uint8_t *min, *max;
	struct ccmsg *c;

	(void)ctx;
	if ((m->vc_from.kind != MARS_VC_CCVC && m->vc_from.kind !=
	    MARS_VC_SCVC) || m->vc_from.id != 0 || ncap >= 4096)
		return;
	/* pt-mpt: one record per send, whatever the number of leaves. */
	if (ncap > 0 && cap[ncap - 1].t == m->sent &&
	    cap[ncap - 1].from == m->from && m->duplicate)
		return;
	if (mars_pdu_decode(&pdu, m->sdu, m->len, 0) != 0 ||
	    pdu.kind != MARS_PDU_MARS)
		return;
	c = &cap[ncap++];
	memset(c, 0, sizeof(*c));
	c->t = m->sent;
	c->from = m->from;
	c->op = mm->op;
	c->vc_kind = m->vc_from.kind;
	c->msn = mm->msn;
	c->sha_last = mm->sha.tl ? mm->sha.addr[(mm->sha.tl & 0x3f) - 1] : 0;
	if (mars_op_family(mm->op) == MARS_FAM_C && mm->pnum > 0 &&
	    mm->grp_len == 4) {
		mars_pair(mm, 0, &min, &max);
		memcpy(c->group, min, 4);
	}
}

/* Distinct sends of op on kind from node about group in [from, to). */
static unsigned
sent(uint32_t node, uint8_t kind, uint8_t op, const uint8_t *group,
    int sha_last, mars_time_t from, mars_time_t to)
{
	unsigned i, n = 0;
	uint32_t last_msn = UINT32_MAX;

	for (i = 0; i < ncap; i++) {
		const struct ccmsg *c = &cap[i];

		if (c->from != node || c->vc_kind != kind || c->op != op ||
		    c->t < from || c->t >= to ||
		    (group != NULL && memcmp(c->group, group, 4) != 0) ||
		    (sha_last >= 0 && c->sha_last != sha_last))
			continue;
		if (c->msn == last_msn)
			continue;	/* another leaf's copy */
		last_msn = c->msn;
		n++;
	}
	return n;
}

static void
lab_capture_init(struct lab *l, const char *conf, unsigned nc, uint64_t seed)
{
	ncap = 0;
	lab_on_msg = capture;
	lab_init(l, conf, nc, seed);
}

/* ---- §3.6 ---- */

static const char ft2_conf[] =
    "[cluster]\n"
    "redirect-interval = 2s\n"
    "hello-interval = 1s\n"
    "mcs-timeout = 10s\n"
    "[mars M1]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000001.00\n"
    "endpoint = udp:127.0.0.1:4501\n"
    "priority = 40\n"
    "[mars M2]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000002.00\n"
    "endpoint = udp:127.0.0.1:4502\n"
    "priority = 30\n";

#define MCS_LAST	0x77

struct mcs {
	uint32_t	 node;
	uint32_t	 vc[LAB_M];
};

static void
mcs_input(void *m, mars_time_t now, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len)
{
	(void)m;
	(void)now;
	(void)vc;
	(void)sdu;
	(void)len;
}

static mars_time_t
mcs_tick(void *m, mars_time_t now)
{
	(void)m;
	(void)now;
	return MARS_TIME_NEVER;
}

static const struct mars_sim_node_ops mcs_ops = {
	.input = mcs_input,
	.tick = mcs_tick,
};

/* RFC 2022 §6.2: MARS_MSERV (register, or one group) to MARS j. */
static void
mcs_send(struct lab *l, struct mcs *mc, unsigned j, const uint8_t *group)
{
	uint8_t atm[20], buf[256], pair[8];
	struct mars_msg m;
	struct mars_err err;
	struct mars_vc vc = { MARS_VC_P2P, mc->vc[j] };
	const struct mars_io *io = mars_sim_node_io(l->s, mc->node);
	size_t n;

	memset(atm, 0x39, 20);
	atm[19] = MCS_LAST;
	memset(&m, 0, sizeof(m));
	m.afn = MARS_AFN_ATM;
	m.pro_type = MARS_PRO_IPV4;
	m.op = MARS_MSERV;
	m.sha.addr = atm;
	m.sha.tl = 20;
	m.grp_len = 4;
	if (group == NULL)
		m.flags = MARS_FLAG_REGISTER;
	else {
		memcpy(pair, group, 4);
		memcpy(pair + 4, group, 4);
		m.pnum = 1;
		m.list = pair;
	}
	assert_int_equal(mars_encode(&m, buf, sizeof(buf), &n, MARS_ENC_LLC,
	    &err), 0);
	io->send(io->ctx, &vc, buf, n);
}

static void
mcs_add(struct lab *l, struct mcs *mc)
{
	uint32_t other;
	unsigned j;

	mc->node = mars_sim_node_add(l->s, "MCS", &mcs_ops, mc);
	for (j = 0; j < l->nm; j++)
		assert_int_equal(mars_sim_vc_p2p(l->s, mc->node, l->m[j],
		    &mc->vc[j], &other), 0);
}

static void
run_3_6(struct lab *l, struct mcs *mc, bool mcs_returns)
{
	static const unsigned order[2] = { 0, 1 };
	struct mars_server_group_info gi;
	unsigned k;

	lab_capture_init(l, ft2_conf, 4, 36);
	for (k = 0; k < 4; k++)
		lab_client(l, k, order, 2, FAIL_TO);
	mcs_add(l, mc);
	lab_run_to(l, 5 * SEC);
	for (k = 0; k < 3; k++)
		lab_start_client(l, k, g12, 2);
	lab_run_to(l, 12 * SEC);
	mcs_send(l, mc, 0, NULL);
	lab_run_to(l, 13 * SEC);
	mcs_send(l, mc, 0, g1[0]);
	lab_run_to(l, 20 * SEC);
	/* M1 migrated G1 to the MCS; M2 knows the group is MCS-served. */
	assert_int_equal(sent(l->m[0], MARS_VC_CCVC, MARS_MIGRATE, NULL, -1, 0,
	    20 * SEC), 1);
	assert_true(mars_server_group_find(lab_srv(l, 1), g1[0], &gi));
	assert_int_equal(gi.nmcs, 1);

	lab_kill(l, 0);
	lab_run_to(l, 26 * SEC);
	assert_int_equal(mars_redund_role(l->ent[1].r), MARS_REDUND_ACTIVE);
	/* A new member joins G1 with the new Active. */
	lab_start_client(l, 3, g12, 2);
	if (mcs_returns) {
		mcs_send(l, mc, 1, NULL);
		lab_run_to(l, 27 * SEC);
		mcs_send(l, mc, 1, g1[0]);
	}
	lab_run_to(l, 60 * SEC);
	for (k = 0; k < 4; k++) {
		assert_int_equal(lab_current(l, k), 1);
		assert_joined(l, k, 2);
	}
}

static void
test_3_6_mcs_survives_failover(void **state)
{
	struct lab l;
	struct mcs mc;
	struct mars_server_group_info gi;
	mars_time_t leave;
	unsigned i;

	(void)state;
	run_3_6(&l, &mc, false);
	/* The MCS never came back: M2 reverted G1 with a MARS_LEAVE. */
	assert_int_equal(sent(l.m[1], MARS_VC_CCVC, MARS_LEAVE, g1[0],
	    MCS_LAST, 20 * SEC, 60 * SEC), 1);
	leave = MARS_TIME_NEVER;
	for (i = 0; i < ncap; i++)
		if (cap[i].from == l.m[1] && cap[i].op == MARS_LEAVE &&
		    cap[i].sha_last == MCS_LAST) {
			leave = cap[i].t;
			break;
		}
	/* Not before mcs-timeout after the takeover (M1 died at 20 s). */
	assert_true(leave >= 30 * SEC);
	assert_true(leave < 40 * SEC);
	/* Until then, no JOIN storm for G1 on the new ClusterControlVC... */
	assert_int_equal(sent(l.m[1], MARS_VC_CCVC, MARS_JOIN, g1[0], -1,
	    20 * SEC, leave), 0);
	/* ...C4's join went to the MCS, as SJOIN on ServerControlVC
	 * (which has no leaf: the MCS is gone). */
	assert_true(mars_server_get_stats(lab_srv(&l, 1))->tx[MARS_SJOIN] >= 1);
	/* G2 is a mesh: C4's join went out on ClusterControlVC. */
	assert_int_equal(sent(l.m[1], MARS_VC_CCVC, MARS_JOIN, g2[0], 0x13,
	    20 * SEC, 60 * SEC), 1);
	assert_true(mars_server_group_find(lab_srv(&l, 1), g1[0], &gi));
	assert_int_equal(gi.nmcs, 0);
	assert_int_equal(gi.nmembers, 4);
	lab_free(&l);
}

static void
test_3_6_mcs_reregisters(void **state)
{
	struct lab l;
	struct mcs mc;
	struct mars_server_group_info gi;

	(void)state;
	run_3_6(&l, &mc, true);
	assert_int_equal(sent(l.m[1], MARS_VC_CCVC, MARS_LEAVE, NULL, MCS_LAST,
	    20 * SEC, 60 * SEC), 0);
	assert_int_equal(sent(l.m[1], MARS_VC_CCVC, MARS_JOIN, g1[0], -1,
	    20 * SEC, 60 * SEC), 0);
	assert_true(mars_server_group_find(lab_srv(&l, 1), g1[0], &gi));
	assert_int_equal(gi.nmcs, 1);
	lab_free(&l);
}

/* ---- §4.3 ---- */

static const char ls2_conf[] =
    "[cluster]\n"
    "redirect-interval = 2s\n"
    "hello-interval = 1s\n"
    "[mars M1]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000001.00\n"
    "endpoint = udp:127.0.0.1:4501\n"
    "[mars M2]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000002.00\n"
    "endpoint = udp:127.0.0.1:4502\n"
    "[partition P1]\n"
    "mars = M1\n"
    "cmi = 1-100\n"
    "[partition P2]\n"
    "mars = M2\n"
    "cmi = 101-200\n";

static void
test_4_3_simple_load_sharing(void **state)
{
	static const unsigned o1[1] = { 0 }, o2[1] = { 1 };
	static const uint8_t lo[4] = { 224, 0, 0, 0 };
	static const uint8_t hi[4] = { 239, 255, 255, 255 };
	struct lab l;
	const struct mars_client_atm *mem;
	size_t n;
	unsigned k;
	uint16_t c;

	(void)state;
	lab_capture_init(&l, ls2_conf, 4, 43);
	for (k = 0; k < 4; k++)
		lab_client(&l, k, k < 2 ? o1 : o2, 1, FAIL_TO);
	lab_run_to(&l, 5 * SEC);
	lab_start_client(&l, 0, g1, 1);
	lab_start_client(&l, 1, g2, 1);
	lab_start_client(&l, 2, g1, 1);
	lab_start_client(&l, 3, g2, 1);
	lab_run_to(&l, 15 * SEC);
	for (k = 0; k < 4; k++) {
		c = mars_client_cmi(lab_cl(&l, k));
		assert_int_equal(lab_current(&l, k), k < 2 ? 0 : 1);
		assert_true(k < 2 ? (c >= 1 && c <= 100) :
		    (c >= 101 && c <= 200));
		assert_joined(&l, k, 1);
		/* No backups: each Active Sub-MARS lists only itself. */
		assert_map(&l, k, (const int[]){ k < 2 ? 0 : 1 }, 1);
		assert_int_equal(lab_count(&l, l.c[k], MARS_EV_CSN_GAP, 0, -1),
		    0);
	}
	/* C1's JOIN reached partition 2 as M2's own JOIN, and back. */
	assert_int_equal(sent(l.m[1], MARS_VC_CCVC, MARS_JOIN, g1[0], 0x10,
	    0, 15 * SEC), 1);
	assert_int_equal(sent(l.m[0], MARS_VC_CCVC, MARS_JOIN, g1[0], 0x12,
	    0, 15 * SEC), 1);
	/* Cluster-wide answers from either Active Sub-MARS. */
	assert_int_equal(mars_client_request(lab_cl(&l, 2), mars_sim_now(l.s), g2[0], 4),
	    0);
	assert_int_equal(mars_client_grouplist(lab_cl(&l, 0), mars_sim_now(l.s), lo, hi,
	    4), 0);
	mars_sim_wake(l.s, l.c[2]);
	mars_sim_wake(l.s, l.c[0]);
	lab_run_to(&l, 17 * SEC);
	mem = mars_client_members(lab_cl(&l, 2), &n);
	assert_int_equal(n, 2);
	assert_true((mem[0].num[19] == 0x11 && mem[1].num[19] == 0x13) ||
	    (mem[0].num[19] == 0x13 && mem[1].num[19] == 0x11));
	assert_non_null(mars_client_grouplist_groups(lab_cl(&l, 0), &n));
	assert_int_equal(n, 2);
	/* A leave in partition 2 too. */
	assert_int_equal(mars_client_leave(lab_cl(&l, 3), mars_sim_now(l.s), g2[0], 4),
	    0);
	mars_sim_wake(l.s, l.c[3]);
	lab_run_to(&l, 20 * SEC);
	assert_int_equal(sent(l.m[0], MARS_VC_CCVC, MARS_LEAVE, g2[0], 0x13,
	    17 * SEC, 20 * SEC), 1);
	lab_free(&l);
}

/* ---- §4.4 ---- */

static const char ls4_conf[] =
    "[cluster]\n"
    "redirect-interval = 2s\n"
    "hello-interval = 1s\n"
    "[mars M1]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000001.00\n"
    "endpoint = udp:127.0.0.1:4501\n"
    "[mars M2]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000002.00\n"
    "endpoint = udp:127.0.0.1:4502\n"
    "[mars M3]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000003.00\n"
    "endpoint = udp:127.0.0.1:4503\n"
    "[mars M4]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000004.00\n"
    "endpoint = udp:127.0.0.1:4504\n"
    "[partition P1]\n"
    "mars = M1 M3\n"
    "cmi = 1-100\n"
    "[partition P2]\n"
    "mars = M2 M4\n"
    "cmi = 101-200\n";

static void
boot_ls(struct lab *l, const char *conf, const unsigned *o1,
    const unsigned *o2, unsigned n, uint64_t seed, uint16_t *cmi)
{
	unsigned k;

	lab_capture_init(l, conf, 4, seed);
	for (k = 0; k < 4; k++)
		lab_client(l, k, k < 2 ? o1 : o2, n, FAIL_TO);
	lab_run_to(l, 5 * SEC);
	for (k = 0; k < 4; k++)
		lab_start_client(l, k, k % 2 ? g2 : g1, 1);
	lab_run_to(l, 15 * SEC);
	for (k = 0; k < 4; k++) {
		assert_int_equal(lab_current(l, k), k < 2 ? 0 : 1);
		cmi[k] = mars_client_cmi(lab_cl(l, k));
		assert_int_not_equal(cmi[k], 0);
	}
}

/*
 * §4.4: a member whose configured list puts the other partition's Active
 * before its own Backup gets its partition's map on registering, so an
 * Active dying before its first periodic map sends the member straight
 * to the Backup, not on a detour through the other partition.
 */
static void
test_4_4_map_on_registration(void **state)
{
	static const unsigned order[3] = { 0, 1, 2 };
	struct lab l;
	mars_time_t t, killed;

	(void)state;
	lab_capture_init(&l, ls4_conf, 1, 44);
	lab_client(&l, 0, order, 3, FAIL_TO);
	lab_run_to(&l, 5 * SEC);
	lab_start_client(&l, 0, g1, 1);
	for (t = 5 * SEC; lab_current(&l, 0) != 0 && t < 10 * SEC; t += 5)
		lab_run_to(&l, t);
	assert_int_equal(lab_current(&l, 0), 0);
	assert_map(&l, 0, (const int[]){ 0, 2 }, 2);
	killed = mars_sim_now(l.s);
	lab_kill(&l, 0);
	lab_run_to(&l, killed + 30 * SEC);
	assert_int_equal(lab_current(&l, 0), 2);
	assert_int_equal(lab_count(&l, l.c[0], MARS_EV_REGISTERED, killed, -1),
	    1);
	lab_free(&l);
}

static void
test_4_4_intra_partition_fault_tolerance(void **state)
{
	static const unsigned o1[2] = { 0, 2 }, o2[2] = { 1, 3 };
	struct lab l;
	uint16_t cmi[4];
	unsigned k;

	(void)state;
	boot_ls(&l, ls4_conf, o1, o2, 2, 44, cmi);
	assert_map(&l, 0, (const int[]){ 0, 2 }, 2);
	assert_map(&l, 2, (const int[]){ 1, 3 }, 2);
	lab_kill(&l, 0);
	lab_run_to(&l, 45 * SEC);
	for (k = 0; k < 4; k++) {
		assert_int_equal(lab_current(&l, k), k < 2 ? 2 : 1);
		assert_int_equal(mars_client_cmi(lab_cl(&l, k)), cmi[k]);
		assert_joined(&l, k, 1);
		if (k < 2)
			assert_map(&l, k, (const int[]){ 2, 0 }, 2);
		else
			assert_map(&l, k, (const int[]){ 1, 3 }, 2);
	}
	/* M3 joined the Active Sub-MARS Group: it relays partition 2. */
	assert_int_equal(mars_redund_role(l.ent[2].r), MARS_REDUND_ACTIVE);
	assert_int_equal(mars_redund_role(l.ent[3].r), MARS_REDUND_BACKUP);
	lab_free(&l);
}

/* ---- §4.5 ---- */

static const char ls5_conf_fmt[] =
    "[cluster]\n"
    "redirect-interval = 2s\n"
    "hello-interval = 1s\n"
    "[mars M1]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000001.00\n"
    "endpoint = udp:127.0.0.1:4501\n"
    "[mars M2]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000002.00\n"
    "endpoint = udp:127.0.0.1:4502\n"
    "[mars M3]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000003.00\n"
    "endpoint = udp:127.0.0.1:4503\n"
    "[mars M4]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000004.00\n"
    "endpoint = udp:127.0.0.1:4504\n"
    "[partition P1]\n"
    "mars = M1 M3 M4\n"
    "cmi = 1-100\n"
    "[partition P2]\n"
    "mars = M2 %s\n"
    "cmi = 101-200\n";

/* Shared pool listed in opposite orders: M1, M2 die together. */
static void
test_4_5_shared_pool_opposite_orders(void **state)
{
	static const unsigned o1[3] = { 0, 2, 3 }, o2[3] = { 1, 3, 2 };
	char conf[1024];
	struct lab l;
	uint16_t cmi[4];
	unsigned k;

	(void)state;
	snprintf(conf, sizeof(conf), ls5_conf_fmt, "M4 M3");
	boot_ls(&l, conf, o1, o2, 3, 45, cmi);
	assert_map(&l, 0, (const int[]){ 0, 2, 3 }, 3);
	assert_map(&l, 2, (const int[]){ 1, 3, 2 }, 3);
	lab_kill(&l, 0);
	lab_kill(&l, 1);
	lab_run_to(&l, 45 * SEC);
	for (k = 0; k < 4; k++) {
		assert_int_equal(lab_current(&l, k), k < 2 ? 2 : 3);
		assert_int_equal(mars_client_cmi(lab_cl(&l, k)), cmi[k]);
		assert_joined(&l, k, 1);
		if (k < 2)
			assert_map(&l, k, (const int[]){ 2, 3, 0 }, 3);
		else
			assert_map(&l, k, (const int[]){ 3, 2, 1 }, 3);
	}
	lab_free(&l);
}

/*
 * Same order in both lists: M3 is the first living entity of both and
 * serves both partitions, each member getting its own partition's map;
 * when M1 returns, only partition 1 is redirected back to it.
 */
static void
test_4_5_backup_serves_two_partitions(void **state)
{
	static const unsigned o1[3] = { 0, 2, 3 }, o2[3] = { 1, 2, 3 };
	char conf[1024];
	struct lab l;
	uint16_t cmi[4];
	unsigned k;

	(void)state;
	snprintf(conf, sizeof(conf), ls5_conf_fmt, "M3 M4");
	boot_ls(&l, conf, o1, o2, 3, 46, cmi);
	lab_kill(&l, 0);
	lab_kill(&l, 1);
	lab_run_to(&l, 45 * SEC);
	assert_int_equal(mars_redund_active_count(l.ent[2].r), 2);
	for (k = 0; k < 4; k++) {
		assert_int_equal(lab_current(&l, k), 2);
		assert_int_equal(mars_client_cmi(lab_cl(&l, k)), cmi[k]);
		assert_joined(&l, k, 1);
		if (k < 2)
			assert_map(&l, k, (const int[]){ 2, 3, 0 }, 3);
		else
			assert_map(&l, k, (const int[]){ 2, 3, 1 }, 3);
	}
	lab_restart(&l, 0);
	lab_run_to(&l, 75 * SEC);
	assert_int_equal(mars_redund_active_count(l.ent[2].r), 1);
	for (k = 0; k < 4; k++) {
		assert_int_equal(lab_current(&l, k), k < 2 ? 0 : 2);
		assert_int_equal(mars_client_cmi(lab_cl(&l, k)), cmi[k]);
		assert_joined(&l, k, 1);
		if (k < 2) {
			assert_map(&l, k, (const int[]){ 0, 2, 3 }, 3);
			assert_int_equal(lab_count(&l, l.c[k], MARS_EV_REDIRECT,
			    45 * SEC, 1), 0);
		} else
			assert_map(&l, k, (const int[]){ 2, 3, 1 }, 3);
	}
	lab_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_3_6_mcs_survives_failover),
		cmocka_unit_test(test_3_6_mcs_reregisters),
		cmocka_unit_test(test_4_3_simple_load_sharing),
		cmocka_unit_test(test_4_4_intra_partition_fault_tolerance),
		cmocka_unit_test(test_4_4_map_on_registration),
		cmocka_unit_test(test_4_5_shared_pool_opposite_orders),
		cmocka_unit_test(test_4_5_backup_serves_two_partitions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
