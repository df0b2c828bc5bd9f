/*
 * The rules of check.h on a simulated cluster: the redund entities and
 * real members of redund_lab.h, every SDU the simulator delivers turned
 * into an event (mars_sim_msg_event()) and fed to the checker -- the
 * very rules marsmap applies to captures.  The draft's §3.1/§3.4
 * failover and hand-back holds every rule it exercises; each fault
 * switch of the redundancy breaks the rule it is about.
 */
#include "redund_lab.h"

#include "mars/check.h"

#define FAIL_TO		(6 * SEC)

static const char ft_conf[] =
    "[cluster]\n"
    "redirect-interval = 2s\n"
    "hello-interval = 1s\n"
    "dead-factor = 3\n"
    "mcs-timeout = 10s\n"
    "fault-injection = yes\n"
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

static const uint8_t groups[2][4] = {
	{ 224, 1, 0, 1 }, { 224, 1, 0, 2 },
};
static const unsigned all3[3] = { 0, 1, 2 };

static struct lab *cur_lab;
static struct mars_check *cur_chk;
static uint64_t delivered;

/* Every SDU delivered is a message event, as a capture would show it. */
static void
on_msg(void *ctx, const struct mars_sim_msg *m)
{
	struct mars_event ev;

	if (m->fate != MARS_SIM_DELIVERED || cur_chk == NULL)
		return;
	mars_sim_msg_event(cur_lab->s, m, &ev);
	ev.frame = ++delivered;
	mars_check_feed(cur_chk, &ev);
}

/*
 * The checker for the lab: the cluster file's entities, reached at their
 * simulator nodes (MARS_END_NODE).
 */
static struct mars_check *
checker(struct lab *l)
{
	struct mars_check_conf cf;
	struct mars_check *c;
	unsigned i;

	mars_check_conf_init(&cf);
	assert_int_equal(mars_check_conf_cluster(&cf, &l->cc, NULL), 0);
	for (i = 0; i < l->nm; i++) {
		memset(&cf.mars[i].ends, 0, sizeof(cf.mars[i].ends));
		cf.mars[i].ends[0].kind = MARS_END_NODE;
		cf.mars[i].ends[0].node = l->m[i];
		cf.mars[i].n_ends = 1;
	}
	assert_int_equal(mars_check_new(&c, &cf, NULL), 0);
	return c;
}

/*
 * The simulator's log is events of the same type: the machines'
 * happenings and the simulator's own, each at its node and virtual time.
 */
static void
feed_log(struct lab *l, struct mars_check *c)
{
	const struct mars_event *e;
	size_t cur = 0;
	uint64_t n = 0;

	while ((e = mars_sim_log_next(l->s, &cur)) != NULL) {
		assert_int_not_equal(e->kind, MARS_EV_MESSAGE);
		assert_int_equal(e->us, (uint64_t)e->when * 1000u);
		if (e->kind == MARS_SIM_EV_KILL)
			assert_string_equal(e->entity_name, "M1");
		mars_check_feed(c, e);
		n++;
	}
	assert_true(n > 0);
	assert_int_equal(mars_check_stats(c)->happenings, n);
}


/*
 * Boot three entities and three members with M1 Active; kill M1, run
 * until M2 serves everyone, restart M1 (the faults on every entity),
 * run until it took over again; then the log's happenings, and the
 * stream ends.
 */
static struct mars_check *
failover_and_back(struct lab *l, unsigned faults, uint64_t seed)
{
	unsigned k;

	lab_on_msg = on_msg;
	delivered = 0;
	lab_init(l, ft_conf, 3, seed);
	cur_lab = l;
	cur_chk = checker(l);
	for (k = 0; k < l->nm; k++)
		assert_int_equal(mars_redund_set_faults(l->ent[k].r, faults), 0);
	for (k = 0; k < 3; k++)
		lab_client(l, k, all3, 3, FAIL_TO);
	lab_run_to(l, 5 * SEC);
	for (k = 0; k < 3; k++)
		lab_start_client(l, k, groups, 2);
	lab_run_to(l, 15 * SEC);
	for (k = 0; k < 3; k++)
		assert_int_equal(lab_current(l, k), 0);
	lab_kill(l, 0);
	lab_run_to(l, 45 * SEC);
	for (k = 0; k < 3; k++)
		assert_int_equal(lab_current(l, k), 1);
	lab_restart(l, 0);
	assert_int_equal(mars_redund_set_faults(l->ent[0].r, faults), 0);
	lab_run_to(l, 75 * SEC);
	feed_log(l, cur_chk);
	mars_check_end(cur_chk);
	return cur_chk;
}

static void
done(struct lab *l, struct mars_check *c)
{
	cur_chk = NULL;
	mars_check_free(c);
	lab_free(l);
	lab_on_msg = NULL;
}

static bool
found(const struct mars_check *c, unsigned rule, const char *text)
{
	const struct mars_check_finding *f;
	size_t i;

	for (i = 0; (f = mars_check_finding(c, i)) != NULL; i++)
		if (f->rule == rule && strstr(f->message, text) != NULL)
			return true;
	return false;
}

static void
test_sim_conforming(void **state)
{
	static const unsigned held[] = {
		MARS_CHECK_REDIRECT_WHOLE_GROUP, MARS_CHECK_REDIRECT_ONLY_GROUP,
		MARS_CHECK_REDIRECT_SENDER_FIRST,
		MARS_CHECK_REDIRECT_LIVING_FIRST, MARS_CHECK_REDIRECT_STABLE,
		MARS_CHECK_SOFT_AFTER_SYNC, MARS_CHECK_CMI_CONTINUITY,
		MARS_CHECK_CMI_UNIQUE, MARS_CHECK_REGISTRATION_CSN,
		MARS_CHECK_CSN_SEQUENCE, MARS_CHECK_SINGLE_ACTIVE,
	};
	struct mars_check_epoch_info ep;
	struct mars_check *c;
	struct lab l;
	unsigned i;

	(void)state;
	c = failover_and_back(&l, 0, 34);
	for (i = 0; i < MARS_CHECK_NRULES; i++)
		assert_int_not_equal(mars_check_verdict(c, i, NULL, NULL),
		    MARS_CHECK_BROKEN);
	for (i = 0; i < sizeof(held) / sizeof(held[0]); i++)
		assert_int_equal(mars_check_verdict(c, held[i], NULL, NULL),
		    MARS_CHECK_HELD);
	assert_int_equal(mars_check_finding_total(c), 0);
	/* The epochs: M1, M2 after the failover, M1 after the hand-back. */
	assert_int_equal(mars_check_epoch_count(c), 3);
	assert_true(mars_check_epoch(c, 0, &ep) && ep.active == 0);
	assert_true(mars_check_epoch(c, 1, &ep) && ep.active == 1);
	assert_true(mars_check_epoch(c, 2, &ep) && ep.active == 0);
	/* The per-leaf copies of ClusterControlVC were told apart. */
	assert_true(mars_check_stats(c)->copies > 0);
	assert_true(mars_check_stats(c)->scsp_visible);
	assert_int_equal(mars_check_member_count(c), 3);
	done(&l, c);
}

static void
test_sim_omit_dead(void **state)
{
	struct mars_check *c;
	struct lab l;

	(void)state;
	c = failover_and_back(&l, MARS_REDUND_FI_OMIT_DEAD, 34);
	assert_int_equal(mars_check_verdict(c, MARS_CHECK_REDIRECT_WHOLE_GROUP,
	    NULL, NULL), MARS_CHECK_BROKEN);
	assert_true(found(c, MARS_CHECK_REDIRECT_WHOLE_GROUP,
	    "from M2 lists M2,M3 but not M1"));
	assert_int_equal(mars_check_verdict(c, MARS_CHECK_CMI_CONTINUITY, NULL,
	    NULL), MARS_CHECK_HELD);
	done(&l, c);
}

static void
test_sim_fresh_cmi(void **state)
{
	struct mars_check *c;
	struct lab l;

	(void)state;
	c = failover_and_back(&l, MARS_REDUND_FI_FRESH_CMI, 34);
	assert_int_equal(mars_check_verdict(c, MARS_CHECK_CMI_CONTINUITY, NULL,
	    NULL), MARS_CHECK_BROKEN);
	assert_true(found(c, MARS_CHECK_CMI_CONTINUITY,
	    "registers again with M2 and gets CMI"));
	assert_int_equal(mars_check_verdict(c, MARS_CHECK_REDIRECT_WHOLE_GROUP,
	    NULL, NULL), MARS_CHECK_HELD);
	done(&l, c);
}

static void
test_sim_skip_sync(void **state)
{
	struct mars_check *c;
	struct lab l;

	(void)state;
	c = failover_and_back(&l, MARS_REDUND_FI_SKIP_SYNC, 34);
	assert_int_equal(mars_check_verdict(c, MARS_CHECK_SOFT_AFTER_SYNC, NULL,
	    NULL), MARS_CHECK_BROKEN);
	assert_true(found(c, MARS_CHECK_SOFT_AFTER_SYNC,
	    "M2 soft-redirects to M1 before their caches are aligned"));
	done(&l, c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_conforming),
		cmocka_unit_test(test_sim_omit_dead),
		cmocka_unit_test(test_sim_fresh_cmi),
		cmocka_unit_test(test_sim_skip_sync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
