/*
 * The fault-tolerance scenarios of draft-armitage-ion-mars-scsp-03 §3,
 * one deterministic simulation each: redund entities as the MARS Group,
 * real cluster members (client.h), asserting what the members see --
 * whom they are registered with, their CMIs, their groups and the
 * redirect maps they received.
 */
#include "redund_lab.h"

#define FAIL_TO		(6 * SEC)

/* Four entities, priorities M1 > M2 > M3 > M4 (§3: M1 Active). */
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
    "priority = 20\n"
    "[mars M4]\n"
    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000004.00\n"
    "endpoint = udp:127.0.0.1:4504\n"
    "priority = 10\n";

static const uint8_t groups[2][4] = {
	{ 224, 1, 0, 1 }, { 224, 1, 0, 2 },
};

static const unsigned all4[4] = { 0, 1, 2, 3 };

/* Boot: every member with M1, both groups joined, map {M1..M4}. */
static void
boot(struct lab *l, unsigned nc, uint64_t seed, uint16_t *cmi,
    unsigned nconf)
{
	unsigned k;

	lab_init(l, ft_conf, nc, seed);
	for (k = 0; k < nc; k++)
		lab_client(l, k, all4, nconf, FAIL_TO);
	lab_run_to(l, 5 * SEC);		/* the Living Group forms */
	for (k = 0; k < nc; k++)
		lab_start_client(l, k, groups, 2);
	lab_run_to(l, 15 * SEC);
	for (k = 0; k < nc; k++) {
		assert_int_equal(lab_current(l, k), 0);
		assert_joined(l, k, 2);
		assert_map(l, k, (const int[]){ 0, 1, 2, 3 }, 4);
		cmi[k] = mars_client_cmi(lab_cl(l, k));
		assert_int_not_equal(cmi[k], 0);
	}
	assert_int_equal(mars_redund_role(l->ent[0].r), MARS_REDUND_ACTIVE);
	for (k = 1; k < l->nm; k++) {
		assert_int_equal(mars_redund_role(l->ent[k].r), MARS_REDUND_BACKUP);
		/* Backups send no periodic map to the cluster (§3.2). */
		assert_int_equal(mars_server_get_stats(lab_srv(l, k))->
		    tx[MARS_REDIRECT_MAP], 0);
	}
}

/* §3.1: the Active fails; members move to M2, map {M2, M3, M4, M1}. */
static void
test_3_1_active_failure(void **state)
{
	struct lab l;
	uint16_t cmi[3];
	unsigned k;

	(void)state;
	boot(&l, 3, 31, cmi, 4);
	lab_kill(&l, 0);
	lab_run_to(&l, 45 * SEC);
	assert_int_equal(mars_redund_role(l.ent[1].r), MARS_REDUND_ACTIVE);
	for (k = 0; k < 3; k++) {
		assert_int_equal(lab_current(&l, k), 1);
		assert_joined(&l, k, 2);
		assert_map(&l, k, (const int[]){ 1, 2, 3, 0 }, 4);
		assert_int_equal(mars_client_cmi(lab_cl(&l, k)), cmi[k]);
	}
	assert_int_equal(mars_server_member_count(lab_srv(&l, 1)), 3);
	/* What the admin socket shows at M2. */
	{
		struct mars_redund_member_info mi;
		struct mars_redund_scsp_info si;

		assert_true(mars_redund_member(l.ent[1].r, 0, &mi));
		assert_string_equal(mi.name, "M1");
		assert_false(mi.alive);
		assert_int_equal(mi.role, MARS_REDUND_DEAD);
		assert_int_equal(mi.priority, 40);
		assert_true(mars_redund_member(l.ent[1].r, 1, &mi));
		assert_true(mi.self);
		assert_int_equal(mi.role, MARS_REDUND_ACTIVE);
		assert_true(mars_redund_member(l.ent[1].r, 2, &mi));
		assert_true(mi.alive && mi.aligned);
		assert_int_equal(mi.role, MARS_REDUND_BACKUP);
		assert_false(mars_redund_member(l.ent[1].r, 4, &mi));
		assert_int_equal(mars_redund_active(l.ent[1].r, -1), 1);
		assert_true(mars_redund_last_election(l.ent[1].r) > 15 * SEC);
		assert_true(mars_redund_elections(l.ent[1].r) >= 2);
		mars_redund_scsp_info(l.ent[1].r, &si);
		assert_int_equal(si.peers, 3);
		assert_int_equal(si.bidir, 2);
		assert_int_equal(si.aligned, 2);
		assert_true(si.cache > si.own);
		assert_int_equal(mars_redund_peer_hello(l.ent[1].r, 1), -1);
	}
	lab_free(&l);
}

/*
 * A network partition cuts M1 off from the other entities (not from the
 * members): each side elects its own Active; once healed and realigned
 * the group converges on M1 again and nobody lost its CMI.
 */
static void
test_network_partition(void **state)
{
	struct lab l;
	uint16_t cmi[3];
	uint32_t a[1], b[3];
	unsigned k;
	int id;

	(void)state;
	boot(&l, 3, 37, cmi, 4);
	a[0] = l.m[0];
	for (k = 0; k < 3; k++)
		b[k] = l.m[k + 1];
	id = mars_sim_partition(l.s, a, 1, b, 3);
	assert_true(id >= 0);
	lab_run_to(&l, 30 * SEC);
	assert_int_equal(mars_redund_role(l.ent[0].r), MARS_REDUND_ACTIVE);
	assert_int_equal(mars_redund_role(l.ent[1].r), MARS_REDUND_ACTIVE);
	assert_int_equal(mars_sim_heal(l.s, id), 0);
	lab_run_to(&l, 50 * SEC);
	for (k = 0; k < l.nm; k++)
		assert_int_equal(mars_redund_active(l.ent[k].r, 0), 0);
	assert_int_equal(mars_redund_role(l.ent[1].r), MARS_REDUND_BACKUP);
	for (k = 0; k < 3; k++) {
		assert_int_equal(lab_current(&l, k), 0);
		assert_int_equal(mars_client_cmi(lab_cl(&l, k)), cmi[k]);
		assert_joined(&l, k, 2);
		assert_map(&l, k, (const int[]){ 0, 1, 2, 3 }, 4);
	}
	lab_free(&l);
}


/* §3.3: the CMI survives failover; the reply carries the new CSN (§2). */
static void
test_3_3_cmi_continuity(void **state)
{
	struct lab l;
	uint16_t cmi[3];
	unsigned k, j;
	uint32_t csn;

	(void)state;
	boot(&l, 3, 33, cmi, 4);
	lab_kill(&l, 0);
	lab_run_to(&l, 45 * SEC);
	csn = mars_server_csn(lab_srv(&l, 1));
	for (k = 0; k < 3; k++) {
		struct mars_server_member_info mi;
		struct mars_server_atm a;

		assert_int_equal(lab_current(&l, k), 1);
		assert_int_equal(mars_client_cmi(lab_cl(&l, k)), cmi[k]);
		for (j = 0; j < k; j++)
			assert_int_not_equal(cmi[j], cmi[k]);
		/* The member's HSN follows M2's CSN, not M1's. */
		assert_true(mars_client_hsn(lab_cl(&l, k)) <= csn);
		assert_true(mars_client_hsn(lab_cl(&l, k)) + 1 >= csn);
		memset(&a, 0, sizeof(a));
		a.tl = 20;
		memset(a.addr, 0x39, 20);
		a.addr[19] = (uint8_t)(0x10 + k);
		assert_true(mars_server_member_find(lab_srv(&l, 1), &a, &mi));
		assert_int_equal(mi.cmi, cmi[k]);
		assert_int_not_equal(mi.vc_id, 0);
	}
	lab_free(&l);
}

/*
 * §3.3 across a restart: the Active restarts at once (no dead interval
 * for the others to notice).  Its new incarnation takes back what the
 * old one replicated -- the members' VCs died with it -- but the
 * members still hold their CMIs and come back for them: every entity
 * keeps each CMI bound to its member (the CMI hold), so a member that
 * re-registers anywhere gets its own again and never another's.  M2,
 * restarted later, learns the bindings from the others.
 */
static void
test_3_3_cmi_kept_across_restart(void **state)
{
	struct lab l;
	uint16_t cmi[3];
	unsigned k, i;

	(void)state;
	boot(&l, 3, 180, cmi, 4);
	lab_restart(&l, 0);
	lab_run_to(&l, 18 * SEC);
	lab_kill(&l, 1);
	lab_run_to(&l, 22 * SEC);
	lab_restart(&l, 1);
	lab_run_to(&l, 60 * SEC);
	for (k = 0; k < 3; k++) {
		assert_int_equal(lab_current(&l, k), 0);
		assert_int_equal(mars_client_cmi(lab_cl(&l, k)), cmi[k]);
	}
	/* Every entity has each member's CMI bound to it. */
	for (i = 0; i < l.nm; i++)
		for (k = 0; k < 3; k++) {
			struct mars_server_member_info mi;
			struct mars_server_atm a;

			memset(&a, 0, sizeof(a));
			a.tl = 20;
			memset(a.addr, 0x39, 20);
			a.addr[19] = (uint8_t)(0x10 + k);
			assert_true(mars_server_member_find(lab_srv(&l, i), &a,
			    &mi));
			assert_int_equal(mi.cmi, cmi[k]);
		}
	lab_free(&l);
}

/*
 * Replication across an entity's restart: M2, Active after M1 died,
 * restarts at once and takes back its previous incarnation's records
 * (state 4) under their Cache Keys; a member registering with it for the
 * first time afterwards must get a key of its own.  Were the number
 * reused, the first member's record, re-originated when it comes back,
 * would overwrite the newcomer's, which would vanish from the others'
 * caches (RFC 2443 §5: one key, one fact).
 */
static void
test_keys_not_reused_after_restart(void **state)
{
	struct mars_redund_scsp_info xi;
	struct lab l;
	uint16_t cmi[3];
	size_t live, dead;
	unsigned k;

	(void)state;
	lab_init(&l, ft_conf, 3, 142);
	for (k = 0; k < 3; k++)
		lab_client(&l, k, all4, 4, FAIL_TO);
	lab_run_to(&l, 5 * SEC);
	for (k = 0; k < 2; k++)
		lab_start_client(&l, k, groups, 2);
	lab_run_to(&l, 15 * SEC);
	for (k = 0; k < 2; k++)
		cmi[k] = mars_client_cmi(lab_cl(&l, k));
	lab_kill(&l, 0);
	lab_run_to(&l, 40 * SEC);
	for (k = 0; k < 2; k++)
		assert_int_equal(lab_current(&l, k), 1);
	lab_restart(&l, 1);
	lab_run_to(&l, 45 * SEC);
	lab_start_client(&l, 2, groups, 1);	/* new to M2 */
	lab_run_to(&l, 90 * SEC);
	for (k = 0; k < 3; k++) {
		assert_int_equal(lab_current(&l, k), 1);
		if (k < 2)
			assert_int_equal(mars_client_cmi(lab_cl(&l, k)), cmi[k]);
	}
	/* Every record M2 keeps has its own entry, at M2 and at M3. */
	mars_redund_scsp_info(l.ent[1].r, &xi);
	mars_redund_cache_origin(l.ent[1].r, 1, &live, &dead);
	assert_int_equal(live + dead, xi.own);
	mars_redund_cache_origin(l.ent[2].r, 1, &live, &dead);
	assert_int_equal(live + dead, xi.own);
	lab_free(&l);
}

/*
 * §3.3 right after a restart: M1 restarts at once and, before the others'
 * next Hellos reach it, hears nobody.  It is not alone for all that: it
 * must not answer a registration before its cache is aligned (or a dead
 * interval has passed), or the CMI it gives may be one a member holds.
 */
static void
test_3_3_no_answer_before_ready(void **state)
{
	struct lab l;
	uint16_t cmi[4];
	unsigned k, j;

	(void)state;
	lab_init(&l, ft_conf, 4, 81);
	for (k = 0; k < 4; k++)
		lab_client(&l, k, all4, 4, FAIL_TO);
	lab_run_to(&l, 5 * SEC);
	for (k = 0; k < 3; k++)
		lab_start_client(&l, k, groups, 2);
	lab_run_to(&l, 15 * SEC + 100);
	for (k = 0; k < 3; k++)
		cmi[k] = mars_client_cmi(lab_cl(&l, k));
	lab_restart(&l, 0);
	lab_run_to(&l, 15 * SEC + 150);
	lab_start_client(&l, 3, groups, 1);	/* asks M1 at once */
	lab_run_to(&l, 60 * SEC);
	cmi[3] = mars_client_cmi(lab_cl(&l, 3));
	for (k = 0; k < 4; k++) {
		assert_int_equal(lab_current(&l, k), 0);
		if (k < 3)
			assert_int_equal(mars_client_cmi(lab_cl(&l, k)), cmi[k]);
		for (j = 0; j < k; j++)
			assert_int_not_equal(cmi[j], cmi[k]);
	}
	lab_free(&l);
}

/*
 * §3.3 when two entities restart together: M2 and M3 come back at once
 * and align with each other in a moment, while the Hellos of M1 and M4,
 * which hold the database, take longer to reach M2.  Aligned with an
 * entity as empty as itself, M2 knows nothing yet: it must not answer a
 * registration (C4 asks it first) with a CMI a member holds.
 */
static void
test_3_3_two_restart_together(void **state)
{
	static const struct mars_sim_net far = { .delay = 300 };
	static const unsigned m2first[4] = { 1, 0, 2, 3 };
	const struct mars_event *e;
	struct lab l;
	uint16_t cmi[4];
	size_t cur = 0;
	unsigned k, j;

	(void)state;
	lab_init(&l, ft_conf, 4, 123563);
	for (k = 0; k < 3; k++)
		lab_client(&l, k, all4, 4, FAIL_TO);
	lab_client(&l, 3, m2first, 4, FAIL_TO);
	lab_run_to(&l, 5 * SEC);
	for (k = 0; k < 3; k++)
		lab_start_client(&l, k, groups, 2);
	lab_run_to(&l, 15 * SEC + 100);
	for (k = 0; k < 3; k++)
		cmi[k] = mars_client_cmi(lab_cl(&l, k));
	assert_int_equal(mars_sim_vc_net(l.s, l.m[1], l.svc[1][0], &far), 0);
	assert_int_equal(mars_sim_vc_net(l.s, l.m[1], l.svc[1][3], &far), 0);
	lab_restart(&l, 1);
	lab_restart(&l, 2);
	lab_run_to(&l, 15 * SEC + 150);
	lab_start_client(&l, 3, groups, 1);	/* asks M2 */
	lab_run_to(&l, 60 * SEC);
	cmi[3] = mars_client_cmi(lab_cl(&l, 3));
	/* Not even for a moment did C4 hold another member's CMI. */
	while ((e = mars_sim_log_next(l.s, &cur)) != NULL)
		if (e->entity == l.c[3] && e->kind == MARS_EV_REGISTERED)
			for (j = 0; j < 3; j++)
				assert_int_not_equal(e->cmi, cmi[j]);
	for (k = 0; k < 4; k++) {
		assert_int_equal(lab_current(&l, k), 0);
		if (k < 3)
			assert_int_equal(mars_client_cmi(lab_cl(&l, k)), cmi[k]);
		for (j = 0; j < k; j++)
			assert_int_not_equal(cmi[j], cmi[k]);
	}
	lab_free(&l);
}

/* Time of the first event of kind at node since from. */
static mars_time_t
first_event(const struct lab *l, uint32_t node, int kind, mars_time_t from,
    int hard)
{
	const struct mars_event *e;
	size_t cur = 0;

	while ((e = mars_sim_log_next(l->s, &cur)) != NULL)
		if (e->entity == node && e->kind == kind && e->when >= from &&
		    (hard < 0 || e->hard == (hard != 0)))
			return e->when;
	return MARS_TIME_NEVER;
}

/*
 * §3.4: M1 comes back after M2 took over; once aligned it is re-elected
 * and M2 soft-redirects every member to it (no re-joins).
 */
static void
run_3_4(struct lab *l, unsigned faults, mars_time_t *aligned,
    mars_time_t *redirect)
{
	uint16_t cmi[3];
	unsigned k;

	boot(l, 3, 34, cmi, 4);
	lab_kill(l, 0);
	lab_run_to(l, 45 * SEC);
	for (k = 0; k < 3; k++)
		assert_int_equal(lab_current(l, k), 1);
	for (k = 0; k < l->nm; k++)
		assert_int_equal(mars_redund_set_faults(l->ent[k].r, faults), 0);
	lab_restart(l, 0);
	assert_int_equal(mars_redund_set_faults(l->ent[0].r, faults), 0);
	lab_run_to(l, 75 * SEC);
	*aligned = first_event(l, l->m[0], MARS_EV_ALIGNED, 45 * SEC, -1);
	*redirect = MARS_TIME_NEVER;
	for (k = 0; k < 3; k++) {
		mars_time_t t = first_event(l, l->c[k], MARS_EV_REDIRECT,
		    45 * SEC, 0);
		if (t < *redirect)
			*redirect = t;
		assert_int_equal(lab_count(l, l->c[k], MARS_EV_REDIRECT,
		    45 * SEC, 1), 0);
		assert_int_equal(lab_current(l, k), 0);
		assert_joined(l, k, 2);
		assert_map(l, k, (const int[]){ 0, 1, 2, 3 }, 4);
		if (faults == 0) {
			assert_int_equal(mars_client_cmi(lab_cl(l, k)), cmi[k]);
			assert_int_equal(lab_count(l, l->c[k], MARS_EV_REJOINED,
			    45 * SEC, -1), 0);
		}
	}
	assert_int_equal(mars_redund_role(l->ent[0].r), MARS_REDUND_ACTIVE);
	assert_int_equal(mars_redund_role(l->ent[1].r), MARS_REDUND_BACKUP);
}

static void
test_3_4_reintroduction(void **state)
{
	struct lab l;
	mars_time_t aligned, redirect;

	(void)state;
	run_3_4(&l, 0, &aligned, &redirect);
	assert_int_not_equal(redirect, MARS_TIME_NEVER);
	assert_int_not_equal(aligned, MARS_TIME_NEVER);
	assert_true(aligned <= redirect);	/* sync before redirect */
	lab_free(&l);
}

/*
 * §3.4 with two entities back at once: M1 and M2 die, M3 serves the
 * cluster, then both restart together.  M3 hands the cluster straight to
 * M1, the preferred one, once it is aligned -- not first to M2, which
 * aligns a moment earlier but would at once defer to M1 and send the
 * members on again with a hard redirect (a second, disruptive move).
 */
static void
test_3_4_two_back_at_once(void **state)
{
	static const struct mars_sim_net slow = { .delay = 5 };
	struct lab l;
	uint16_t cmi[3];
	mars_time_t back;
	unsigned k;

	(void)state;
	boot(&l, 3, 10, cmi, 4);
	lab_kill(&l, 0);
	lab_kill(&l, 1);
	lab_run_to(&l, 60 * SEC);
	for (k = 0; k < 3; k++)
		assert_int_equal(lab_current(&l, k), 2);
	/* M1 is farther from the others: M2 aligns with them first. */
	for (k = 2; k < l.nm; k++)
		assert_int_equal(mars_sim_vc_net(l.s, l.m[0], l.svc[0][k],
		    &slow), 0);
	back = mars_sim_now(l.s);
	lab_restart(&l, 1);
	lab_restart(&l, 0);
	lab_run_to(&l, 90 * SEC);
	for (k = 0; k < 3; k++) {
		assert_int_equal(lab_current(&l, k), 0);
		assert_int_equal(mars_client_cmi(lab_cl(&l, k)), cmi[k]);
		/* One soft redirect, to M1; no hard one from M2. */
		assert_int_equal(lab_count(&l, l.c[k], MARS_EV_REDIRECT, back,
		    0), 1);
		assert_int_equal(lab_count(&l, l.c[k], MARS_EV_REDIRECT, back,
		    1), 0);
	}
	assert_int_equal(mars_redund_role(l.ent[0].r), MARS_REDUND_ACTIVE);
	lab_free(&l);
}

/* Fault injection: the soft redirect precedes synchronisation. */
static void
test_3_4_fault_skip_sync(void **state)
{
	struct lab l;
	mars_time_t aligned, redirect;

	(void)state;
	run_3_4(&l, MARS_REDUND_FI_SKIP_SYNC, &aligned, &redirect);
	assert_int_not_equal(redirect, MARS_TIME_NEVER);
	assert_true(redirect < aligned);
	lab_free(&l);
}

/*
 * §3.5: every MARS dies in turn; the members' last map (from M4) still
 * lists the whole group, so they find M2 when it alone restarts.
 */
static void
run_3_5(struct lab *l, unsigned faults)
{
	uint16_t cmi[3];
	unsigned k, i;

	/* Only M1 configured: the members know the others from maps. */
	boot(l, 3, 35, cmi, 1);
	for (i = 0; i < l->nm; i++)
		assert_int_equal(mars_redund_set_faults(l->ent[i].r, faults), 0);
	for (i = 0; i < 3; i++) {
		lab_kill(l, i);
		lab_run_to(l, mars_sim_now(l->s) + 30 * SEC);
		for (k = 0; k < 3; k++)
			assert_int_equal(lab_current(l, k), (int)i + 1);
	}
	lab_kill(l, 3);
	lab_run_to(l, mars_sim_now(l->s) + 20 * SEC);
	lab_restart(l, 1);
	lab_run_to(l, mars_sim_now(l->s) + 60 * SEC);
}

static void
test_3_5_whole_group_maps(void **state)
{
	struct lab l;
	unsigned k;

	(void)state;
	run_3_5(&l, 0);
	for (k = 0; k < 3; k++) {
		assert_int_equal(lab_current(&l, k), 1);
		assert_joined(&l, k, 2);
		/* Alone: itself first, then the dead in election order. */
		assert_map(&l, k, (const int[]){ 1, 0, 2, 3 }, 4);
	}
	lab_free(&l);
}

static void
test_3_5_fault_omit_dead(void **state)
{
	struct lab l;
	int map[8];
	bool hard;
	unsigned k;

	(void)state;
	run_3_5(&l, MARS_REDUND_FI_OMIT_DEAD);
	for (k = 0; k < 3; k++) {
		/* The last map named M4 alone: M2's return goes unseen. */
		assert_int_equal(lab_map(&l, k, map, &hard), 1);
		assert_int_equal(map[0], 3);
		assert_int_equal(lab_current(&l, k), -1);
	}
	lab_free(&l);
}

/*
 * §3.2: M1 fails and M2 fails transiently; C1 lands on M3, C2 and C3 on
 * M2 once it is back.  The Living Group elects one Active and everyone
 * ends there; a member that registers with a Backup (C4 tries M4 first)
 * is accepted and hard-redirected to the Active.
 */
static void
test_3_2_active_and_backup_failure(void **state)
{
	static const unsigned m4first[4] = { 3, 0, 1, 2 };
	struct lab l;
	uint16_t cmi[3];
	unsigned k, i;
	int act;

	(void)state;
	lab_init(&l, ft_conf, 4, 32);
	lab_client(&l, 0, all4, 4, 5 * SEC);
	lab_client(&l, 1, all4, 4, 14 * SEC);
	lab_client(&l, 2, all4, 4, 14 * SEC);
	lab_client(&l, 3, m4first, 4, 14 * SEC);
	lab_run_to(&l, 5 * SEC);
	for (k = 0; k < 3; k++)
		lab_start_client(&l, k, groups, 2);
	lab_run_to(&l, 15 * SEC);
	for (k = 0; k < 3; k++) {
		assert_int_equal(lab_current(&l, k), 0);
		cmi[k] = mars_client_cmi(lab_cl(&l, k));
	}
	assert_int_equal(mars_sim_hang(l.s, l.m[1]), 0);
	lab_kill(&l, 0);
	lab_run_to(&l, 25 * SEC);
	/* C1 gave up on M1 and the hung M2, and registered with M3. */
	assert_int_equal(lab_current(&l, 0), 2);
	assert_int_equal(mars_sim_resume(l.s, l.m[1]), 0);
	lab_run_to(&l, 40 * SEC);
	lab_start_client(&l, 3, groups, 1);
	lab_run_to(&l, 80 * SEC);
	act = mars_redund_active(l.ent[2].r, 0);
	assert_true(act == 1 || act == 2);
	for (i = 1; i < l.nm; i++)
		assert_int_equal(mars_redund_active(l.ent[i].r, 0), act);
	for (k = 0; k < 4; k++) {
		assert_int_equal(lab_current(&l, k), act);
		assert_joined(&l, k, k < 3 ? 2 : 1);
		if (k < 3)
			assert_int_equal(mars_client_cmi(lab_cl(&l, k)), cmi[k]);
	}
	/* C4 was accepted by the Backup M4, then sent on, hard. */
	assert_true(first_event(&l, l.c[3], MARS_EV_REGISTERED, 40 * SEC, -1) <=
	    first_event(&l, l.c[3], MARS_EV_REDIRECT, 40 * SEC, 1));
	assert_int_not_equal(first_event(&l, l.c[3], MARS_EV_REDIRECT,
	    40 * SEC, 1), MARS_TIME_NEVER);
	lab_free(&l);
}

/* Fault injection: a re-registering member gets a fresh CMI (§3.3). */
static void
test_3_3_fault_fresh_cmi(void **state)
{
	struct lab l;
	uint16_t cmi[3];
	unsigned k, changed = 0;

	(void)state;
	boot(&l, 3, 33, cmi, 4);
	for (k = 0; k < l.nm; k++)
		assert_int_equal(mars_redund_set_faults(l.ent[k].r,
		    MARS_REDUND_FI_FRESH_CMI), 0);
	lab_kill(&l, 0);
	lab_run_to(&l, 45 * SEC);
	for (k = 0; k < 3; k++) {
		assert_int_equal(lab_current(&l, k), 1);
		changed += mars_client_cmi(lab_cl(&l, k)) != cmi[k];
	}
	assert_int_equal(changed, 3);
	lab_free(&l);
}

static void
test_faults_refused_without_lab(void **state)
{
	static const char conf[] =
	    "[mars M1]\n"
	    "atm = 47.0005.80ffe1000000f21a26d8.0020ea000001.00\n"
	    "endpoint = udp:127.0.0.1:4501\n";
	struct lab l;

	(void)state;
	lab_init(&l, conf, 0, 1);
	assert_int_equal(mars_redund_set_faults(l.ent[0].r, MARS_REDUND_FI_OMIT_DEAD),
	    MARS_E_INVAL);
	assert_int_equal(mars_redund_set_faults(l.ent[0].r, 0), 0);
	lab_run_to(&l, 5 * SEC);
	assert_int_equal(mars_redund_role(l.ent[0].r), MARS_REDUND_BACKUP);
	/* Alone: ready after the dead interval (3 s x 3), then Active. */
	lab_run_to(&l, 10 * SEC);
	assert_int_equal(mars_redund_role(l.ent[0].r), MARS_REDUND_ACTIVE);
	lab_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faults_refused_without_lab),
		cmocka_unit_test(test_3_1_active_failure),
		cmocka_unit_test(test_3_2_active_and_backup_failure),
		cmocka_unit_test(test_3_3_cmi_continuity),
		cmocka_unit_test(test_3_3_fault_fresh_cmi),
		cmocka_unit_test(test_3_3_cmi_kept_across_restart),
		cmocka_unit_test(test_keys_not_reused_after_restart),
		cmocka_unit_test(test_3_3_no_answer_before_ready),
		cmocka_unit_test(test_3_3_two_restart_together),
		cmocka_unit_test(test_3_4_reintroduction),
		cmocka_unit_test(test_3_4_fault_skip_sync),
		cmocka_unit_test(test_3_4_two_back_at_once),
		cmocka_unit_test(test_3_5_whole_group_maps),
		cmocka_unit_test(test_3_5_fault_omit_dead),
		cmocka_unit_test(test_network_partition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
