/*
 * Upkeep of a distributed MARS (redund.h) in the simulator
 * (redund_lab.h): every replicated MCS that did not register again is
 * reverted after a takeover, however many there are (draft §3.6);
 * replication errors are counted by kind, not discarded; withdrawn
 * records are purged from the group once the CMI hold has passed, and a
 * purge that arrives in place of a missed leave still applies the leave
 * (RFC 2334 B.2.0.2, RFC 2443 §5).
 */
#include "redund_lab.h"

#include "mars/scspfsm.h"

static const char one_conf[] =
    "[cluster]\n"
    "redirect-interval = 2s\n"
    "hello-interval = 1s\n"
    "mcs-timeout = 10s\n"
    "[mars M1]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000001.00\n"
    "endpoint = udp:127.0.0.1:4501\n";

static const char two_conf[] =
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

static struct mars_server_atm
atm_n(uint8_t kind, uint8_t last)
{
	struct mars_server_atm a;

	memset(&a, 0, sizeof(a));
	a.tl = 20;
	memset(a.addr, 0x39, 20);
	a.addr[18] = kind;
	a.addr[19] = last;
	return a;
}

static struct mars_redund_scsp_info
info(struct lab *l, unsigned i)
{
	struct mars_redund_scsp_info si;

	mars_redund_scsp_info(l->ent[i].r, &si);
	return si;
}

static uint64_t
all_errors(struct lab *l, unsigned i)
{
	struct mars_redund_scsp_info si = info(l, i);
	uint64_t n = 0;
	int k;

	for (k = 0; k < MARS_REDUND_ERR_MAX; k++)
		n += si.errors[k];
	return n;
}

/*
 * draft §3.6 with more MCSs than one revert pass once took (16): 40
 * replicated MCSs, none re-registers, every one is reverted with a
 * MARS_LEAVE for its group.
 */
#define NMCS	40

static void
test_revert_every_mcs(void **state)
{
	struct lab l;
	struct mars_server *s;
	struct mars_server_atm mcs;
	uint8_t g[4] = { 224, 7, 0, 0 };
	unsigned k;

	(void)state;
	lab_init(&l, one_conf, 0, 7);
	lab_run_to(&l, 500);
	s = lab_srv(&l, 0);
	for (k = 0; k < NMCS; k++) {
		mcs = atm_n(0x77, (uint8_t)k);
		g[3] = (uint8_t)(k + 1);
		/* learnt by replication: no VC to this entity */
		assert_int_equal(mars_server_import_mcs(s, 500, &mcs, 0, true),
		    0);
		assert_int_equal(mars_server_import_serve(s, 500, &mcs, g,
		    true), 0);
	}
	assert_int_equal(mars_server_mcs_count(s), NMCS);
	/* Alone, M1 is ready after HelloInterval x DeadFactor (3 s) and
	 * takes over; mcs-timeout (10 s) later the MCSs are reverted. */
	lab_run_to(&l, 12 * SEC);
	assert_int_equal(mars_redund_role(l.ent[0].r), MARS_REDUND_ACTIVE);
	assert_int_equal(mars_server_mcs_count(s), NMCS);
	lab_run_to(&l, 15 * SEC);
	assert_int_equal(mars_server_mcs_count(s), 0);
	assert_int_equal(mars_server_get_stats(s)->tx[MARS_LEAVE], NMCS);
	assert_int_equal(mars_server_group_count(s), 0);
	assert_int_equal(all_errors(&l, 0), 0);
	lab_free(&l);
}

/*
 * A record the other entity's database refuses (its CMI is bound to
 * another member there) is counted as an apply error, not dropped
 * silently.
 */
static void
test_apply_error_counted(void **state)
{
	struct lab l;
	struct mars_server_atm x = atm_n(1, 1), y = atm_n(1, 2);
	struct mars_server_member_info mi;
	struct mars_redund_scsp_info si;

	(void)state;
	lab_init(&l, two_conf, 0, 8);
	lab_run_to(&l, 8 * SEC);
	assert_int_equal(mars_redund_role(l.ent[0].r), MARS_REDUND_ACTIVE);
	/* Y is registered with CMI 5 at M2 (no VC: not replicated). */
	assert_int_equal(mars_server_import_member(lab_srv(&l, 1), 8 * SEC,
	    &y, 5, 0), 0);
	/* X registers with M1 over a VC and gets CMI 5 there. */
	assert_int_equal(mars_server_import_member(lab_srv(&l, 0), 8 * SEC,
	    &x, 5, 77), 0);
	lab_run_to(&l, 10 * SEC);
	si = info(&l, 1);
	assert_int_equal(si.errors[MARS_REDUND_ERR_APPLY], 1);
	assert_int_equal(all_errors(&l, 1), 1);
	assert_string_equal(mars_redund_err_name(MARS_REDUND_ERR_APPLY),
	    "apply");
	assert_string_equal(mars_redund_err_name(-1), "unknown");
	/* M2 kept its own binding; M1 saw nothing wrong. */
	assert_true(mars_server_member_find(lab_srv(&l, 1), &y, &mi));
	assert_int_equal(mi.cmi, 5);
	assert_false(mars_server_member_find(lab_srv(&l, 1), &x, &mi));
	assert_int_equal(all_errors(&l, 0), 0);
	lab_free(&l);
}

static size_t
cache_len(struct lab *l, unsigned i)
{
	return info(l, i).cache;
}

/*
 * A deregistered member's records (state 4) are purged from the group
 * after the CMI hold (30 min), and their tombstones later dropped: the
 * caches come back to what they held before the member came.
 */
static void
test_withdrawn_records_purged(void **state)
{
	static const uint8_t g1[4] = { 224, 1, 1, 1 };
	struct lab l;
	struct mars_server_atm x = atm_n(1, 1);
	struct mars_server_member_info mi;
	size_t base0, base1;

	(void)state;
	lab_init(&l, two_conf, 0, 9);
	lab_run_to(&l, 8 * SEC);
	base0 = cache_len(&l, 0);
	base1 = cache_len(&l, 1);
	assert_int_equal(base0, base1);
	assert_int_equal(mars_server_import_member(lab_srv(&l, 0), 8 * SEC,
	    &x, 0, 77), 0);
	assert_int_equal(mars_server_import_group(lab_srv(&l, 0), 8 * SEC,
	    &x, g1, g1, true, true), 0);
	lab_run_to(&l, 10 * SEC);
	assert_int_equal(cache_len(&l, 1), base1 + 2);
	assert_true(mars_server_member_find(lab_srv(&l, 1), &x, &mi));
	assert_true(mi.registered);
	/* X leaves: state 4 records, M2 holds its CMI. */
	assert_int_equal(mars_server_import_deregister(lab_srv(&l, 0),
	    10 * SEC, &x), 0);
	lab_run_to(&l, 12 * SEC);
	assert_true(mars_server_member_find(lab_srv(&l, 1), &x, &mi));
	assert_false(mi.registered);
	assert_int_equal(cache_len(&l, 1), base1 + 2);
	assert_int_equal(all_errors(&l, 1), 0);
	/* 30 min later they are purged (N bit), 5 min later forgotten. */
	lab_run_to(&l, 31 * 60 * SEC);
	assert_int_equal(info(&l, 0).purged, 2);
	lab_run_to(&l, 37 * 60 * SEC);
	assert_int_equal(cache_len(&l, 0), base0);
	assert_int_equal(cache_len(&l, 1), base1);
	assert_true(info(&l, 1).tombstones_purged >= 2);
	assert_int_equal(all_errors(&l, 0), 0);
	assert_int_equal(all_errors(&l, 1), 0);
	lab_free(&l);
}

/*
 * M2 is cut off while X leaves at M1 and stays cut past the CMI hold:
 * it never sees the state 4 record, only, once healed, the purge.  The
 * purge of a record it held live is the leave.
 */
static void
test_purge_applies_missed_leave(void **state)
{
	struct lab l;
	struct mars_server_atm x = atm_n(1, 1);
	struct mars_server_member_info mi;
	uint32_t a[1], b[1];
	int cut;

	(void)state;
	lab_init(&l, two_conf, 0, 10);
	lab_run_to(&l, 8 * SEC);
	assert_int_equal(mars_server_import_member(lab_srv(&l, 0), 8 * SEC,
	    &x, 0, 77), 0);
	lab_run_to(&l, 10 * SEC);
	assert_true(mars_server_member_find(lab_srv(&l, 1), &x, &mi));
	assert_true(mi.registered);
	a[0] = l.m[0];
	b[0] = l.m[1];
	cut = mars_sim_partition(l.s, a, 1, b, 1);
	assert_true(cut >= 0);
	assert_int_equal(mars_server_import_deregister(lab_srv(&l, 0),
	    10 * SEC, &x), 0);
	lab_run_to(&l, 31 * 60 * SEC);
	assert_int_equal(info(&l, 0).purged, 1);
	/* M2 still believes X registered. */
	assert_true(mars_server_member_find(lab_srv(&l, 1), &x, &mi));
	assert_true(mi.registered);
	assert_int_equal(mars_sim_heal(l.s, cut), 0);
	lab_run_to(&l, 32 * 60 * SEC);
	assert_true(mars_server_member_find(lab_srv(&l, 1), &x, &mi));
	assert_false(mi.registered);
	assert_int_equal(all_errors(&l, 1), 0);
	lab_free(&l);
}

/*
 * One originator, two keys for one fact: X leaves M2, which restarts
 * alone (cut off) and, X back, numbers X's records afresh before it can
 * learn the old, withdrawn ones.  M1, restarted after the heal, learns
 * X's registration and join live under the new keys and withdrawn under
 * the old: the withdrawn ones must not undo the live ones, whatever the
 * order they come in (RFC 2443 §5).
 */
static void
test_same_originator_two_keys(void **state)
{
	static const uint8_t g[4] = { 224, 1, 2, 3 };
	struct lab l;
	struct mars_server_atm x = atm_n(2, 9), y;
	struct mars_server_member_info mi;
	struct mars_server_group_info gi;
	uint32_t a[1], b[1];
	unsigned k;
	int cut;

	(void)state;
	lab_init(&l, two_conf, 0, 11);
	lab_run_to(&l, 8 * SEC);
	/* M2 serves Y1..Y6 first, then X: X's numbers come last. */
	for (k = 0; k < 6; k++) {
		y = atm_n(3, (uint8_t)k);
		assert_int_equal(mars_server_import_member(lab_srv(&l, 1),
		    8 * SEC, &y, 0, 70 + k), 0);
	}
	assert_int_equal(mars_server_import_member(lab_srv(&l, 1), 8 * SEC,
	    &x, 0, 77), 0);
	assert_int_equal(mars_server_import_group(lab_srv(&l, 1), 8 * SEC, &x,
	    g, g, true, true), 0);
	lab_run_to(&l, 9 * SEC);
	mars_redund_leaf_lost(l.ent[1].r, 9 * SEC, 77);	/* X leaves */
	lab_run_to(&l, 10 * SEC);
	a[0] = l.m[0];
	b[0] = l.m[1];
	cut = mars_sim_partition(l.s, a, 1, b, 1);
	assert_true(cut >= 0);
	lab_restart(&l, 1);
	lab_run_to(&l, 20 * SEC);		/* alone, ready */
	assert_int_equal(mars_server_import_member(lab_srv(&l, 1), 20 * SEC,
	    &x, 0, 77), 0);
	assert_int_equal(mars_server_import_group(lab_srv(&l, 1), 20 * SEC, &x,
	    g, g, true, true), 0);
	lab_run_to(&l, 22 * SEC);
	assert_int_equal(mars_sim_heal(l.s, cut), 0);
	lab_run_to(&l, 30 * SEC);
	lab_restart(&l, 0);
	lab_run_to(&l, 40 * SEC);
	assert_true(mars_server_member_find(lab_srv(&l, 0), &x, &mi));
	assert_true(mi.registered);
	assert_true(mars_server_group_find(lab_srv(&l, 0), g, &gi));
	lab_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_revert_every_mcs),
		cmocka_unit_test(test_apply_error_counted),
		cmocka_unit_test(test_withdrawn_records_purged),
		cmocka_unit_test(test_purge_applies_missed_leave),
		cmocka_unit_test(test_same_originator_two_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
