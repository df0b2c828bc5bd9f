/* Event loop (evloop.h): timers, fds, signals, run_once; and the rng. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <signal.h>
#include <unistd.h>

#include "mars/evloop.h"
#include "mars/fsm.h"

struct record {
	int	 order[16];
	int	 n;
};

struct tag {
	struct record	*rec;
	int		 id;
};

static void
note(struct mars_evloop *loop, void *arg)
{
	struct tag *t = arg;

	(void)loop;
	if (t->rec->n < 16)
		t->rec->order[t->rec->n++] = t->id;
}

static void
test_timers_in_order(void **state)
{
	struct mars_evloop *loop;
	struct record rec = { .n = 0 };
	struct tag tags[5];
	mars_time_t now;
	int i, guard = 0;

	(void)state;
	assert_int_equal(mars_evloop_new(&loop, NULL), 0);
	for (i = 0; i < 5; i++)
		tags[i] = (struct tag){ &rec, i };
	now = mars_evloop_now();
	/* 3 and 4 share a deadline: set order decides */
	assert_int_not_equal(mars_evloop_timer_at(loop, now + 30, note, &tags[0]), 0);
	assert_int_not_equal(mars_evloop_timer_at(loop, now + 10, note, &tags[1]), 0);
	assert_int_not_equal(mars_evloop_timer_at(loop, now + 20, note, &tags[2]), 0);
	assert_int_not_equal(mars_evloop_timer_at(loop, now, note, &tags[3]), 0);
	assert_int_not_equal(mars_evloop_timer_at(loop, now, note, &tags[4]), 0);
	assert_int_equal(mars_evloop_next_deadline(loop), now);
	while (rec.n < 5 && guard++ < 100)
		assert_true(mars_evloop_run_once(loop, 100, NULL) >= 0);
	assert_int_equal(rec.n, 5);
	assert_int_equal(rec.order[0], 3);
	assert_int_equal(rec.order[1], 4);
	assert_int_equal(rec.order[2], 1);
	assert_int_equal(rec.order[3], 2);
	assert_int_equal(rec.order[4], 0);
	assert_true(mars_evloop_now() >= now + 30);
	assert_int_equal(mars_evloop_next_deadline(loop), MARS_TIME_NEVER);
	mars_evloop_free(loop);
}

/* ---- mars_alarm: one timer on a moving deadline ---- */

struct alarmed {
	struct mars_alarm	 a;
	int			 fired;
};

static void
alarm_cb(struct mars_evloop *loop, void *arg)
{
	struct alarmed *x = arg;

	(void)loop;
	mars_alarm_fired(&x->a);
	x->fired++;
}

static void
test_alarm(void **state)
{
	struct mars_evloop *loop;
	struct alarmed x;
	mars_timer_id id;
	mars_time_t now;
	int guard = 0;

	(void)state;
	memset(&x, 0, sizeof(x));
	assert_int_equal(mars_evloop_new(&loop, NULL), 0);
	now = mars_evloop_now();
	mars_alarm_set(loop, &x.a, now + 5000, alarm_cb, &x);
	id = x.a.id;
	assert_int_not_equal(id, 0);
	/* the same deadline again: the same timer */
	mars_alarm_set(loop, &x.a, now + 5000, alarm_cb, &x);
	assert_int_equal(x.a.id, id);
	/* an earlier one: the old timer goes, the loop sees the new one */
	mars_alarm_set(loop, &x.a, now + 10, alarm_cb, &x);
	assert_int_not_equal(x.a.id, id);
	assert_false(mars_evloop_timer_cancel(loop, id));
	assert_int_equal(mars_evloop_next_deadline(loop), now + 10);
	while (x.fired == 0 && guard++ < 100)
		assert_true(mars_evloop_run_once(loop, 100, NULL) >= 0);
	assert_int_equal(x.fired, 1);
	assert_int_equal(x.a.id, 0);
	assert_int_equal(mars_evloop_next_deadline(loop), MARS_TIME_NEVER);
	/* fired: the same deadline arms it again */
	mars_alarm_set(loop, &x.a, now + 10, alarm_cb, &x);
	assert_int_not_equal(x.a.id, 0);
	/* never disarms; cancel of a disarmed alarm is a no-op */
	mars_alarm_set(loop, &x.a, MARS_TIME_NEVER, alarm_cb, &x);
	assert_int_equal(x.a.id, 0);
	assert_int_equal(mars_evloop_next_deadline(loop), MARS_TIME_NEVER);
	mars_alarm_cancel(loop, &x.a);
	assert_int_equal(mars_evloop_run_once(loop, 20, NULL) >= 0, 1);
	assert_int_equal(x.fired, 1);
	mars_evloop_free(loop);
}

static void
test_timer_cancel(void **state)
{
	struct mars_evloop *loop;
	struct record rec = { .n = 0 };
	struct tag a = { &rec, 1 }, b = { &rec, 2 }, c = { &rec, 3 };
	mars_timer_id ta, tb, tc;
	mars_time_t now;

	(void)state;
	assert_int_equal(mars_evloop_new(&loop, NULL), 0);
	now = mars_evloop_now();
	ta = mars_evloop_timer_at(loop, now, note, &a);
	tb = mars_evloop_timer_at(loop, now + 1, note, &b);
	tc = mars_evloop_timer_at(loop, now + 2, note, &c);
	assert_true(mars_evloop_timer_cancel(loop, tb));
	assert_false(mars_evloop_timer_cancel(loop, tb));	/* twice */
	assert_false(mars_evloop_timer_cancel(loop, 0));
	assert_false(mars_evloop_timer_cancel(loop, 12345));
	while (rec.n < 2)
		assert_true(mars_evloop_run_once(loop, 50, NULL) >= 0);
	assert_int_equal(rec.n, 2);
	assert_int_equal(rec.order[0], 1);
	assert_int_equal(rec.order[1], 3);
	/* fired timers cannot be cancelled, even once their slot is reused */
	assert_false(mars_evloop_timer_cancel(loop, ta));
	tb = mars_evloop_timer_after(loop, 1000, note, &b);
	assert_false(mars_evloop_timer_cancel(loop, tc));
	assert_false(mars_evloop_timer_cancel(loop, ta));
	assert_true(mars_evloop_timer_cancel(loop, tb));
	assert_int_equal(mars_evloop_run_once(loop, 0, NULL), 0);
	assert_int_equal(rec.n, 2);
	mars_evloop_free(loop);
}

/* Many timers, cancelled in a scattered order: the heap stays sorted. */
struct heap_run {
	mars_time_t	 deadline[200];
	mars_time_t	 fired[200];
	int		 n;
};

static struct heap_run hr;

static void
note_deadline(struct mars_evloop *loop, void *arg)
{
	(void)loop;
	hr.fired[hr.n++] = hr.deadline[(intptr_t)arg];
}

static void
test_timer_heap(void **state)
{
	struct mars_evloop *loop;
	mars_timer_id ids[200];
	struct mars_rng rng;
	intptr_t i;

	(void)state;
	memset(&hr, 0, sizeof(hr));
	assert_int_equal(mars_evloop_new(&loop, NULL), 0);
	mars_rng_seed(&rng, 7);
	/* deadlines 1..51 ms after boot: all already due */
	for (i = 0; i < 200; i++) {
		hr.deadline[i] = 1 + mars_rng_range(&rng, 0, 50);
		ids[i] = mars_evloop_timer_at(loop, hr.deadline[i], note_deadline,
		    (void *)i);
	}
	for (i = 0; i < 200; i += 3)
		assert_true(mars_evloop_timer_cancel(loop, ids[i]));
	assert_int_equal(mars_evloop_run_once(loop, 0, NULL), 200 - 67);
	assert_int_equal(hr.n, 200 - 67);
	for (i = 1; i < hr.n; i++)
		assert_true(hr.fired[i - 1] <= hr.fired[i]);
	mars_evloop_free(loop);
}

static void
on_readable(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	int *got = arg;
	char c;

	(void)loop;
	if ((revents & MARS_EVLOOP_READ) && read(fd, &c, 1) == 1)
		*got = c;
}

static void
test_fd_callback(void **state)
{
	struct mars_evloop *loop;
	int p[2], got = 0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(mars_evloop_new(&loop, NULL), 0);
	assert_int_equal(mars_evloop_fd_add(loop, p[0], MARS_EVLOOP_READ, on_readable,
	    &got), 0);
	assert_int_equal(mars_evloop_fd_add(loop, p[0], MARS_EVLOOP_READ, on_readable,
	    &got), MARS_E_INVAL);
	assert_int_equal(mars_evloop_run_once(loop, 0, NULL), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(mars_evloop_run_once(loop, 1000, NULL), 1);
	assert_int_equal(got, 'x');

	/* idle registration: data waits */
	got = 0;
	assert_int_equal(mars_evloop_fd_mod(loop, p[0], 0), 0);
	assert_int_equal(write(p[1], "y", 1), 1);
	assert_int_equal(mars_evloop_run_once(loop, 20, NULL), 0);
	assert_int_equal(got, 0);
	assert_int_equal(mars_evloop_fd_mod(loop, p[0], MARS_EVLOOP_READ), 0);
	assert_int_equal(mars_evloop_run_once(loop, 1000, NULL), 1);
	assert_int_equal(got, 'y');

	/* removed: no callback */
	mars_evloop_fd_del(loop, p[0]);
	assert_int_equal(write(p[1], "z", 1), 1);
	assert_int_equal(mars_evloop_run_once(loop, 20, NULL), 0);
	assert_int_equal(mars_evloop_fd_add(loop, p[0], MARS_EVLOOP_READ, on_readable,
	    &got), 0);

	/* writer closed: HUP reported */
	close(p[1]);
	assert_true(mars_evloop_run_once(loop, 1000, NULL) >= 1);
	assert_int_equal(got, 'z');
	mars_evloop_free(loop);
	close(p[0]);
}

static void
on_signal(struct mars_evloop *loop, int signo, void *arg)
{
	int *got = arg;

	(void)loop;
	*got = signo;
}

static void
test_signal(void **state)
{
	struct mars_evloop *loop, *other;
	int got = 0, i;

	(void)state;
	assert_int_equal(mars_evloop_new(&loop, NULL), 0);
	assert_int_equal(mars_evloop_signal_add(loop, SIGUSR1, on_signal, &got), 0);
	assert_int_equal(mars_evloop_signal_add(loop, SIGUSR1, on_signal, &got),
	    MARS_E_INVAL);
	assert_int_equal(mars_evloop_signal_add(loop, SIGKILL, on_signal, &got),
	    MARS_E_INVAL);
	assert_int_equal(mars_evloop_new(&other, NULL), 0);
	assert_int_equal(mars_evloop_signal_add(other, SIGUSR2, on_signal, &got),
	    MARS_E_INVAL);
	mars_evloop_free(other);

	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(got, 0);		/* not in the handler */
	for (i = 0; i < 10 && got == 0; i++)
		assert_true(mars_evloop_run_once(loop, 100, NULL) >= 0);
	assert_int_equal(got, SIGUSR1);

	/* two arrivals before an iteration: one callback */
	got = 0;
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(mars_evloop_run_once(loop, 100, NULL), 1);
	assert_int_equal(got, SIGUSR1);

	/* del restores the old disposition (ignore, set here) */
	mars_evloop_signal_del(loop, SIGUSR1);
	signal(SIGUSR1, SIG_IGN);
	assert_int_equal(mars_evloop_signal_add(loop, SIGUSR1, on_signal, &got), 0);
	mars_evloop_free(loop);
	got = 0;
	assert_int_equal(raise(SIGUSR1), 0);	/* ignored, not fatal */
	assert_int_equal(got, 0);
	signal(SIGUSR1, SIG_DFL);
}

static void
test_run_once_timeout(void **state)
{
	struct mars_evloop *loop;
	mars_time_t t0, t1;

	(void)state;
	assert_int_equal(mars_evloop_new(&loop, NULL), 0);
	t0 = mars_evloop_now();
	assert_int_equal(mars_evloop_run_once(loop, 50, NULL), 0);
	t1 = mars_evloop_now();
	assert_true(t1 - t0 >= 49);
	assert_true(t1 - t0 < 1000);

	/* a timer further away than the timeout does not hold it up */
	assert_int_not_equal(mars_evloop_timer_after(loop, 5000, note, NULL), 0);
	t0 = mars_evloop_now();
	assert_int_equal(mars_evloop_run_once(loop, 30, NULL), 0);
	assert_true(mars_evloop_now() - t0 < 1000);
	mars_evloop_free(loop);
}

static void
stop_it(struct mars_evloop *loop, void *arg)
{
	int *n = arg;

	if (++*n == 3)
		mars_evloop_stop(loop);
	else
		mars_evloop_timer_after(loop, 1, stop_it, arg);
}

static void
test_run_until_stop(void **state)
{
	struct mars_evloop *loop;
	int n = 0;

	(void)state;
	assert_int_equal(mars_evloop_new(&loop, NULL), 0);
	mars_evloop_timer_after(loop, 1, stop_it, &n);
	assert_int_equal(mars_evloop_run(loop, NULL), 0);
	assert_int_equal(n, 3);
	mars_evloop_free(loop);
}

static void
test_rng(void **state)
{
	struct mars_rng a, b;
	uint64_t v, seen_lo = 0, seen_hi = 0;
	int i;

	(void)state;
	/* splitmix64 reference values for seed 0 */
	mars_rng_seed(&a, 0);
	assert_true(mars_rng_next(&a) == 0xe220a8397b1dcdafull);
	assert_true(mars_rng_next(&a) == 0x6e789e6aa1b965f4ull);
	mars_rng_seed(&a, 42);
	mars_rng_seed(&b, 42);
	for (i = 0; i < 1000; i++) {
		v = mars_rng_range(&a, 1, 10);
		assert_true(v == mars_rng_range(&b, 1, 10));
		assert_true(v >= 1 && v <= 10);
		seen_lo |= v == 1;
		seen_hi |= v == 10;
	}
	assert_true(seen_lo && seen_hi);
	assert_true(mars_rng_range(&a, 5, 5) == 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_in_order),
		cmocka_unit_test(test_timer_cancel),
		cmocka_unit_test(test_alarm),
		cmocka_unit_test(test_timer_heap),
		cmocka_unit_test(test_fd_callback),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_run_once_timeout),
		cmocka_unit_test(test_run_until_stop),
		cmocka_unit_test(test_rng),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
