/* RTT statistics (rttstat.h): min/avg/max/mdev as ping reports them, loss. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cli/rttstat.h"

static void
test_empty(void **state)
{
	struct rttstat st;
	struct rttstat_summary s;

	rttstat_init(&st);
	rttstat_summary(&st, &s);
	assert_int_equal(s.n, 0);
	assert_true(s.min_ms == 0 && s.avg_ms == 0 && s.max_ms == 0 &&
	    s.mdev_ms == 0);
}

static void
test_one_sample(void **state)
{
	struct rttstat st;
	struct rttstat_summary s;

	rttstat_init(&st);
	rttstat_add(&st, 210000);		/* 0.21 ms */
	rttstat_summary(&st, &s);
	assert_int_equal(s.n, 1);
	assert_float_equal(s.min_ms, 0.21, 1e-9);
	assert_float_equal(s.avg_ms, 0.21, 1e-9);
	assert_float_equal(s.max_ms, 0.21, 1e-9);
	assert_float_equal(s.mdev_ms, 0, 1e-9);
}

/* 1, 2, 3, 4 ms: mean 2.5, population deviation sqrt(1.25). */
static void
test_several(void **state)
{
	struct rttstat st;
	struct rttstat_summary s;

	rttstat_init(&st);
	rttstat_add(&st, 3000000);
	rttstat_add(&st, 1000000);
	rttstat_add(&st, 4000000);
	rttstat_add(&st, 2000000);
	rttstat_summary(&st, &s);
	assert_int_equal(s.n, 4);
	assert_float_equal(s.min_ms, 1.0, 1e-9);
	assert_float_equal(s.max_ms, 4.0, 1e-9);
	assert_float_equal(s.avg_ms, 2.5, 1e-9);
	assert_float_equal(s.mdev_ms, 1.118033988749895, 1e-9);
}

/* Many equal large samples: no drift, deviation stays 0. */
static void
test_long_run(void **state)
{
	struct rttstat st;
	struct rttstat_summary s;
	int i;

	rttstat_init(&st);
	for (i = 0; i < 1000000; i++)
		rttstat_add(&st, 987654321);
	rttstat_summary(&st, &s);
	assert_float_equal(s.avg_ms, 987.654321, 1e-6);
	assert_float_equal(s.mdev_ms, 0, 1e-6);
}

static void
test_sqrt(void **state)
{
	assert_float_equal(rttstat_sqrt(0), 0, 0);
	assert_float_equal(rttstat_sqrt(-4), 0, 0);
	assert_float_equal(rttstat_sqrt(4), 2, 1e-12);
	assert_float_equal(rttstat_sqrt(0.25), 0.5, 1e-12);
	assert_float_equal(rttstat_sqrt(2), 1.4142135623730951, 1e-12);
	assert_float_equal(rttstat_sqrt(1e18), 1e9, 1e-3);
}

static void
test_loss(void **state)
{
	assert_float_equal(rttstat_loss_pct(0, 0), 0, 0);
	assert_float_equal(rttstat_loss_pct(4, 4), 0, 0);
	assert_float_equal(rttstat_loss_pct(4, 3), 25, 1e-9);
	assert_float_equal(rttstat_loss_pct(3, 0), 100, 1e-9);
	assert_float_equal(rttstat_loss_pct(3, 5), 0, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_one_sample),
		cmocka_unit_test(test_several),
		cmocka_unit_test(test_long_run),
		cmocka_unit_test(test_sqrt),
		cmocka_unit_test(test_loss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
