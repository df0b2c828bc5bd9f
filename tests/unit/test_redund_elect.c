/*
 * Election and MARS_REDIRECT_MAP composition of the distributed MARS
 * (redund.h; draft-armitage-ion-mars-scsp-03 §3.2, §3.4, §3.5, §4.4,
 * §4.5): pure functions over a view of the MARS Group.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "mars/redund.h"

static uint8_t atms[4][20];

/* M1..M4 with the given priorities; ATM addresses ascending M1 < M4. */
static void
group4(struct mars_redund_view *v, const uint8_t *prio)
{
	int i;

	memset(v, 0, 4 * sizeof(*v));
	for (i = 0; i < 4; i++) {
		memset(atms[i], 0x47, 20);
		atms[i][19] = (uint8_t)(i + 1);
		v[i].atm = atms[i];
		v[i].atm_len = 20;
		v[i].priority = prio[i];
		v[i].alive = v[i].ready = true;
	}
}

static void
test_order_priority_then_atm(void **state)
{
	struct mars_redund_view v[4];
	const uint8_t prio[4] = { 10, 30, 30, 20 };
	uint8_t order[4];

	(void)state;
	group4(v, prio);
	mars_redund_elect_order(v, 4, order);
	/* M2 and M3 tie on 30: lowest ATM address (M2) first. */
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 3);
	assert_int_equal(order[3], 0);
	/* Ties broken on the address, not on the index. */
	atms[1][19] = 9;
	mars_redund_elect_order(v, 4, order);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 1);
}

static void
test_active_needs_alive_and_ready(void **state)
{
	struct mars_redund_view v[4];
	const uint8_t prio[4] = { 40, 30, 20, 10 };
	const uint8_t list[4] = { 0, 1, 2, 3 };

	(void)state;
	group4(v, prio);
	assert_int_equal(mars_redund_elect_active(v, list, 4, true), 0);
	v[0].alive = false;			/* §3.1: M1 dies */
	assert_int_equal(mars_redund_elect_active(v, list, 4, true), 1);
	v[0].alive = true;			/* M1 back, not yet aligned */
	v[0].ready = false;
	assert_int_equal(mars_redund_elect_active(v, list, 4, true), 1);
	v[0].ready = true;			/* §3.4: aligned: takes over */
	assert_int_equal(mars_redund_elect_active(v, list, 4, true), 0);
	/* Nobody ready: fall back on the first living one, or none. */
	v[0].ready = v[1].ready = v[2].ready = v[3].ready = false;
	v[0].alive = false;
	assert_int_equal(mars_redund_elect_active(v, list, 4, true), 1);
	assert_int_equal(mars_redund_elect_active(v, list, 4, false), -1);
	v[1].alive = v[2].alive = v[3].alive = false;
	assert_int_equal(mars_redund_elect_active(v, list, 4, true), -1);
}

static void
test_map_whole_group(void **state)
{
	struct mars_redund_view v[4];
	const uint8_t prio[4] = { 40, 30, 20, 10 };
	const uint8_t list[4] = { 0, 1, 2, 3 };
	uint8_t map[4];
	size_t n;

	(void)state;
	group4(v, prio);
	n = mars_redund_compose_map(v, list, 4, 0, false, map);
	assert_int_equal(n, 4);
	assert_memory_equal(map, ((uint8_t[]){ 0, 1, 2, 3 }), 4);
	/* §3.1: M1 dead -> {M2, M3, M4, M1}. */
	v[0].alive = false;
	n = mars_redund_compose_map(v, list, 4, 1, false, map);
	assert_int_equal(n, 4);
	assert_memory_equal(map, ((uint8_t[]){ 1, 2, 3, 0 }), 4);
	/* §3.5: dead ones after every living one, in list order. */
	v[2].alive = false;
	n = mars_redund_compose_map(v, list, 4, 1, false, map);
	assert_memory_equal(map, ((uint8_t[]){ 1, 3, 0, 2 }), 4);
	/* The fault-injection variant drops them. */
	n = mars_redund_compose_map(v, list, 4, 1, true, map);
	assert_int_equal(n, 2);
	assert_memory_equal(map, ((uint8_t[]){ 1, 3 }), 2);
	/* §3.4: soft redirect map from M2, new Active M1 first. */
	v[0].alive = v[2].alive = true;
	n = mars_redund_compose_map(v, list, 4, 0, false, map);
	assert_memory_equal(map, ((uint8_t[]){ 0, 1, 2, 3 }), 4);
	/* No Active known: the whole group, living first. */
	v[1].alive = false;
	n = mars_redund_compose_map(v, list, 4, -1, false, map);
	assert_int_equal(n, 4);
	assert_memory_equal(map, ((uint8_t[]){ 0, 2, 3, 1 }), 4);
}

static void
test_partition_maps(void **state)
{
	struct mars_redund_view v[4];
	const uint8_t prio[4] = { 0, 0, 0, 0 };
	/* §4.5: a shared pool listed in opposite orders. */
	const uint8_t p1[3] = { 0, 2, 3 }, p2[3] = { 1, 3, 2 };
	uint8_t map[4];
	int a1, a2;

	(void)state;
	group4(v, prio);
	assert_int_equal(mars_redund_elect_active(v, p1, 3, true), 0);
	assert_int_equal(mars_redund_elect_active(v, p2, 3, true), 1);
	assert_int_equal(mars_redund_compose_map(v, p1, 3, 0, false, map), 3);
	assert_memory_equal(map, ((uint8_t[]){ 0, 2, 3 }), 3);
	/* M1 fails: M3 takes partition 1 and lists {M3, M4, M1}. */
	v[0].alive = false;
	a1 = mars_redund_elect_active(v, p1, 3, true);
	assert_int_equal(a1, 2);
	mars_redund_compose_map(v, p1, 3, a1, false, map);
	assert_memory_equal(map, ((uint8_t[]){ 2, 3, 0 }), 3);
	/* M1 and M2 both fail: M3 takes P1, M4 takes P2. */
	v[1].alive = false;
	a2 = mars_redund_elect_active(v, p2, 3, true);
	assert_int_equal(a2, 3);
	mars_redund_compose_map(v, p2, 3, a2, false, map);
	assert_memory_equal(map, ((uint8_t[]){ 3, 2, 1 }), 3);
	/* ...and with M4 dead too, M3 serves both partitions. */
	v[3].alive = false;
	assert_int_equal(mars_redund_elect_active(v, p2, 3, true), 2);
	assert_int_equal(mars_redund_elect_active(v, p1, 3, true), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_priority_then_atm),
		cmocka_unit_test(test_active_needs_alive_and_ready),
		cmocka_unit_test(test_map_whole_group),
		cmocka_unit_test(test_partition_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
