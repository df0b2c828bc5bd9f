/*
 * The live member (watch.h) against a MARS server machine on the same
 * event loop (fake_mars.h): registering at once or on command, every SDU
 * an event, the MARS's address learnt from its map with the groups kept,
 * a reset, a peer heard beside the MARSs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mars/watch.h"

#include "fake_mars.h"

struct seen {
	unsigned	 registered;
	unsigned	 joined;
	unsigned	 learned;
	unsigned	 tx, rx;
	unsigned	 heard;		/* SDUs from the extra peer */
	struct mars_end	 heard_src;
	struct mars_end	 own;
	bool		 from_mars;
};

static struct mars_watch *W;

static void
on_event(void *ctx, const struct mars_event *ev)
{
	struct seen *s = ctx;
	struct mars_watch_mars wm;

	switch (ev->kind) {
	case MARS_EV_REGISTERED:
		s->registered++;
		break;
	case MARS_EV_JOINED:
		s->joined++;
		break;
	case MARS_EV_NOTE:
		if (ev->code == MARS_WATCH_NOTE_LEARNED)
			s->learned++;
		break;
	case MARS_EV_MESSAGE:
		if (ev->dir == MARS_DIR_TX) {
			s->tx++;
			s->own = ev->src;
			break;
		}
		assert_true(mars_watch_mars(W, 0, &wm));
		if (ev->vc.kind == MARS_VC_P2P && ev->vc.id != wm.peer) {
			s->heard++;
			s->heard_src = ev->src;
			break;
		}
		s->rx++;
		if (ev->vc.kind == MARS_VC_CCVC)
			s->from_mars = ev->from_mars;
		break;
	}
}

static void
run_for(struct mars_evloop *loop, mars_time_t ms)
{
	mars_time_t until = mars_evloop_now() + ms;

	while (mars_evloop_now() < until)
		mars_evloop_run_once(loop, 50, NULL);
}

static bool
registered(void *arg)
{
	return mars_watch_registered(arg);
}

static bool
joined_twice(void *arg)
{
	return ((struct seen *)arg)->joined >= 2;
}

static bool
heard(void *arg)
{
	return ((struct seen *)arg)->heard > 0;
}

static bool
mapped(void *arg)
{
	return ((struct seen *)arg)->rx >= 3;
}

/* A loop with a MARS on it, and the member's conf to be completed. */
static struct mars_evloop *
setup(struct fake_mars *f, struct mars_cluster_conf *cc, struct seen *s,
    struct mars_watch_conf *wc)
{
	struct mars_evloop *loop;

	memset(s, 0, sizeof(*s));
	assert_int_equal(mars_evloop_new(&loop, NULL), 0);
	fm_open(f, loop, cc);
	memset(wc, 0, sizeof(*wc));
	wc->seed = 3;
	wc->on_event = on_event;
	wc->ctx = s;
	return loop;
}

/* With the cluster file: registering at once, every SDU an event. */
static void
test_registers_at_once(void **state)
{
	struct mars_evloop *loop;
	struct mars_cluster_conf cc;
	struct mars_watch_conf wc;
	struct mars_watch_mars wm;
	struct fake_mars f;
	struct seen s;

	(void)state;
	loop = setup(&f, &cc, &s, &wc);
	wc.cluster = &cc;
	assert_int_equal(mars_watch_new(&W, loop, &wc, NULL), 0);
	assert_true(run_until(loop, registered, W));
	assert_true(run_until(loop, mapped, &s));
	assert_int_equal(s.registered, 1);
	assert_true(s.tx >= 1);
	assert_true(s.from_mars);
	assert_int_equal(s.own.kind, MARS_END_UDP4);
	assert_true(mars_watch_mars(W, 0, &wm));
	assert_int_equal(wm.entity, 0);
	assert_true(wm.atm_known);
	assert_memory_equal(wm.atm, mars_atm, 20);
	assert_false(mars_watch_mars(W, 1, &wm));
	/* the default prefix: "mmap" */
	assert_memory_equal(mars_watch_own_atm(W) + 9, "mmap", 4);
	mars_watch_free(W);
	fm_close(&f);
	mars_evloop_free(loop);
}

/*
 * On command, without the MARS's address: nothing before start; the map
 * names the MARS, the member registers again with its group; a reset
 * forgets it all without a word.
 */
static void
test_manual_learns_keeps_groups(void **state)
{
	static const uint8_t prefix[13] = { 0x47, 1, 2, 3, 4, 5, 6, 7, 8,
	    'm', 'c', 't', 'l' };
	static const uint8_t grp[4] = { 224, 9, 9, 9 };
	struct mars_client_conf timers;
	struct mars_evloop *loop;
	struct mars_cluster_conf cc;
	struct mars_watch_conf wc;
	struct mars_watch_mars wm;
	struct mars_client *cl;
	struct fake_mars f;
	struct seen s;

	(void)state;
	loop = setup(&f, &cc, &s, &wc);
	wc.has_mars = true;
	wc.mars = cc.mars[0].endpoint;
	wc.manual = true;
	memcpy(wc.atm_prefix, prefix, 13);
	memset(&timers, 0, sizeof(timers));
	timers.request_timeout = 700;
	wc.timers = &timers;
	assert_int_equal(mars_watch_new(&W, loop, &wc, NULL), 0);
	memset(&timers, 0xff, sizeof(timers));	/* read once: not after */
	assert_memory_equal(mars_watch_own_atm(W), prefix, 13);
	assert_true(mars_watch_mars(W, 0, &wm));
	assert_int_equal(wm.entity, -1);
	assert_false(wm.atm_known);
	run_for(loop, 300);
	assert_int_equal(s.tx, 0);
	assert_false(mars_watch_registered(W));

	assert_int_equal(mars_watch_start(W), 0);
	assert_int_equal(mars_watch_start(W), MARS_E_INVAL);
	assert_true(run_until(loop, registered, W));
	cl = mars_watch_client(W);
	assert_int_equal(mars_client_join(cl, mars_evloop_now(), grp, 4), 0);
	mars_watch_kick(W);
	/* joined, then the map, a new registration and the join again */
	assert_true(run_until(loop, joined_twice, &s));
	assert_int_equal(s.learned, 1);
	assert_int_equal(s.registered, 2);
	assert_true(mars_watch_mars(W, 0, &wm));
	assert_true(wm.atm_known);
	assert_memory_equal(wm.atm, mars_atm, 20);
	cl = mars_watch_client(W);
	assert_int_equal(mars_client_group_count(cl), 1);

	mars_watch_reset(W);
	assert_false(mars_watch_registered(W));
	assert_int_equal(mars_client_state(mars_watch_client(W)),
	    MARS_CLIENT_IDLE);
	assert_int_equal(mars_client_group_count(mars_watch_client(W)), 0);
	mars_watch_free(W);
	fm_close(&f);
	mars_evloop_free(loop);
}

/* A peer added is heard; a stranger is not. */
static void
test_peer_heard(void **state)
{
	static const uint8_t sdu[12] = { 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x5e,
	    0x00, 0x03 };
	struct mars_evloop *loop;
	struct mars_cluster_conf cc;
	struct mars_watch_conf wc;
	struct mars_endpoint ep, local, wl;
	struct mars_link *peer, *stranger;
	struct mars_vc vc = { MARS_VC_P2P, 0 };
	struct fake_mars f;
	struct seen s;
	uint32_t id, to;

	(void)state;
	loop = setup(&f, &cc, &s, &wc);
	wc.cluster = &cc;
	wc.manual = true;
	assert_int_equal(mars_watch_new(&W, loop, &wc, NULL), 0);
	assert_int_equal(mars_endpoint_parse(&ep, "udp:127.0.0.1:0", NULL), 0);
	assert_int_equal(mars_link_open(&peer, &ep, 0, NULL), 0);
	assert_int_equal(mars_link_open(&stranger, &ep, 0, NULL), 0);
	assert_int_equal(mars_link_local(peer, &local, NULL), 0);
	assert_int_equal(mars_watch_peer_add(W, &local, &id, NULL), 0);
	assert_int_not_equal(id, 0);
	assert_int_equal(mars_link_local(mars_watch_link(W), &wl, NULL), 0);
	snprintf(wl.host, sizeof(wl.host), "127.0.0.1");

	assert_int_equal(mars_link_peer_add(stranger, &wl, &to, NULL), 0);
	vc.id = to;
	assert_int_equal(mars_link_send(stranger, &vc, sdu, sizeof(sdu),
	    NULL), 0);
	assert_int_equal(mars_link_peer_add(peer, &wl, &to, NULL), 0);
	vc.id = to;
	assert_int_equal(mars_link_send(peer, &vc, sdu, sizeof(sdu), NULL), 0);
	assert_true(run_until(loop, heard, &s));
	assert_int_equal(s.heard, 1);
	assert_int_equal(s.heard_src.kind, MARS_END_UDP4);
	assert_int_equal(s.heard_src.port, local.port);
	/* the member's machine saw none of it */
	assert_int_equal(s.registered, 0);

	mars_link_close(peer);
	mars_link_close(stranger);
	mars_watch_free(W);
	fm_close(&f);
	mars_evloop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registers_at_once),
		cmocka_unit_test(test_manual_learns_keeps_groups),
		cmocka_unit_test(test_peer_heard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
