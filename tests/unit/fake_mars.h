/*
 * A MARS on the test's event loop: a server machine (server.h) on a lab
 * link of 127.0.0.1, and a cluster file naming it, for the tests of the
 * members that run on that loop (test_lab.c, test_watch.c).  Include
 * after cmocka.h.
 */
#ifndef TEST_FAKE_MARS_H
#define TEST_FAKE_MARS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mars/config.h"
#include "mars/endpoint.h"
#include "mars/evloop.h"
#include "mars/link.h"
#include "mars/server.h"

struct fake_mars {
	struct mars_evloop	*loop;
	struct mars_link	*link;
	struct mars_server	*srv;
	mars_timer_id		 timer;
	uint8_t			 buf[MARS_LINK_DGRAM_MAX];
};

static const uint8_t mars_atm[20] = {
	0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00, 0xf2,
	0x1a, 0x26, 0xd8, 0x00, 0x20, 0xea, 0x00, 0x00, 0x01, 0x00,
};

static void
fm_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
	struct fake_mars *f = ctx;

	(void)mars_link_send(f->link, vc, sdu, len, NULL);
}

static void
fm_leaf(void *ctx, const struct mars_server_leaf *lf)
{
	struct fake_mars *f = ctx;

	if (lf->add)
		mars_link_leaf_add(f->link, lf->pmp, lf->peer);
	else
		mars_link_leaf_del(f->link, lf->pmp, lf->peer);
}

static void	fm_kick(struct fake_mars *f);

static void
fm_timer(struct mars_evloop *loop, void *arg)
{
	struct fake_mars *f = arg;

	f->timer = 0;
	fm_kick(f);
}

static void
fm_kick(struct fake_mars *f)
{
	mars_time_t next = mars_server_tick(f->srv, mars_evloop_now());

	if (f->timer != 0)
		mars_evloop_timer_cancel(f->loop, f->timer);
	f->timer = mars_evloop_timer_at(f->loop, next, fm_timer, f);
}

static void
fm_read(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	struct fake_mars *f = arg;
	struct mars_link_rx rx;

	while (mars_link_recv(f->link, f->buf, sizeof(f->buf), &rx, NULL) == 1)
		if (rx.vc.kind == MARS_VC_P2P)
			mars_server_input(f->srv, mars_evloop_now(), &rx.vc,
			    rx.sdu, rx.len);
	fm_kick(f);
}

/* A MARS on 127.0.0.1 and a cluster file naming it. */
static void
fm_open(struct fake_mars *f, struct mars_evloop *loop,
    struct mars_cluster_conf *cc)
{
	struct mars_server_conf sc;
	struct mars_endpoint ep;
	struct mars_io io;

	memset(f, 0, sizeof(*f));
	f->loop = loop;
	assert_int_equal(mars_endpoint_parse(&ep, "udp:127.0.0.1:0", NULL), 0);
	assert_int_equal(mars_link_open(&f->link, &ep, MARS_LINK_F_MARS, NULL), 0);
	mars_server_conf_init(&sc, MARS_PRO_IPV4, mars_atm, 20);
	sc.redirect_interval = 200;
	sc.leaf = fm_leaf;
	memset(&io, 0, sizeof(io));
	io.ctx = f;
	io.send = fm_send;
	assert_int_equal(mars_server_new(&f->srv, &sc, &io, NULL), 0);
	assert_int_equal(mars_evloop_fd_add(loop, mars_link_fd(f->link),
	    MARS_EVLOOP_READ, fm_read, f), 0);
	fm_kick(f);

	mars_config_defaults(cc);
	cc->n_mars = 1;
	snprintf(cc->mars[0].name, sizeof(cc->mars[0].name), "m1");
	memcpy(cc->mars[0].atm, mars_atm, 20);
	cc->mars[0].atm_len = 20;
	assert_int_equal(mars_link_local(f->link, &cc->mars[0].endpoint,
	    NULL), 0);
	cc->failure_timeout = 2000;
	cc->retransmit_interval = 300;
}

static void
fm_close(struct fake_mars *f)
{
	if (f->timer != 0)
		mars_evloop_timer_cancel(f->loop, f->timer);
	mars_evloop_fd_del(f->loop, mars_link_fd(f->link));
	mars_link_close(f->link);
	mars_server_free(f->srv);
}

/* Run the loop until cond(arg) or 5 s. */
static bool
run_until(struct mars_evloop *loop, bool (*cond)(void *), void *arg)
{
	mars_time_t until = mars_evloop_now() + 5000;

	while (!cond(arg)) {
		if (mars_evloop_now() >= until)
			return false;
		mars_evloop_run_once(loop, 50, NULL);
	}
	return true;
}

#endif
