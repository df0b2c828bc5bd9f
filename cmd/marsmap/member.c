/*
 * -m ENDPOINT and --cluster FILE: marsmap as a registered cluster member
 * (client.h over the lab transport, mars-lab(7)).  It registers, joins
 * no group, and watches what a member sees: ClusterControlVC (joins,
 * leaves, the periodic redirect maps with their CSNs) and its own VC to
 * the MARS (registration replies, private hard redirects), through
 * failovers and redirects as a member lives them (RFC 2022 §5.4).  Every
 * SDU it receives or sends is an event for the checker, with both UDP
 * endpoints as its ends, and the member's own happenings go to the log.
 *
 * The member itself is the library's (watch.h): marsmap runs it on its
 * event loop beside the live view and a tick that settles the checker's
 * time windows.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/client.h"
#include "mars/evloop.h"
#include "mars/watch.h"

#include "marsmap.h"

#define TICK_MS		200
#define GRACE_MS	500

static struct {
	struct mm_run		*r;
	struct mars_evloop	*loop;
	struct mars_watch	*w;
	bool			 stopping;
	uint64_t		 frame;
} M;

static const char *
happening_name(int kind)
{
	switch (kind) {
	case MARS_EV_REGISTERED:	return "registered";
	case MARS_EV_DEREGISTERED:	return "deregistered";
	case MARS_EV_REDIRECT:		return "redirect";
	case MARS_EV_MARS_FAILED:	return "mars failed";
	case MARS_EV_REJOINED:		return "rejoined";
	case MARS_EV_CSN_GAP:		return "csn gap";
	case MARS_EV_REVALIDATE:	return "revalidate";
	case MARS_EV_GIVE_UP:		return "give up";
	case MARS_EV_DROPPED:		return "dropped";
	}
	return NULL;
}

/* The member's events: messages to the checker, happenings to the log. */
static void
on_event(void *ctx, const struct mars_event *ev)
{
	struct mars_event e = *ev;
	char atm[2 * MARS_ATM_ADDR_MAX + 1] = "";
	const char *name;
	size_t k, n;

	if (e.kind == MARS_EV_MESSAGE)
		e.frame = ++M.frame;
	mm_feed(M.r, &e);
	if (e.kind == MARS_EV_NOTE) {
		mm_note(M.r, e.us, "member: %s", e.detail);
		return;
	}
	if ((name = happening_name(e.kind)) == NULL)
		return;
	n = e.atm != NULL ? (e.atm_tl & MARS_ATM_TL_LEN) : 0;
	for (k = 0; k < n && k < MARS_ATM_ADDR_MAX; k++)
		snprintf(atm + 2 * k, 3, "%02x", e.atm[k]);
	if (e.kind == MARS_EV_REGISTERED)
		mm_note(M.r, e.us, "member: registered with %s, cmi %u, "
		    "csn %u%s%s", atm, e.cmi, e.csn, e.detail ? ", " : "",
		    e.detail ? e.detail : "");
	else
		mm_note(M.r, e.us, "member: %s %s%s%s%s", name, atm,
		    e.hard ? " hard" : "", e.detail ? ", " : "",
		    e.detail ? e.detail : "");
}

static void
left(void *ctx)
{
	mars_evloop_stop(M.loop);
}

static void
stop(void)
{
	if (M.stopping) {
		mars_evloop_stop(M.loop);
		return;
	}
	M.stopping = true;
	mars_watch_stop(M.w, GRACE_MS, left, NULL);
}

static void
signal_cb(struct mars_evloop *loop, int signo, void *arg)
{
	M.r->stop = true;
	stop();
}

static void
tick_cb(struct mars_evloop *loop, void *arg)
{
	uint64_t now = mm_wall_us();

	mm_idle(M.r, now);
	if (M.r->deadline_us != 0 && now >= M.r->deadline_us)
		M.r->stop = true;
	if (M.r->stop)
		stop();
	else
		mars_evloop_timer_after(loop, TICK_MS, tick_cb, NULL);
}

static void
tui_cb(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	if (mm_tui_poll(M.r, mm_wall_us())) {
		M.r->stop = true;
		stop();
	}
}

int
mm_member(struct mm_run *r)
{
	const struct mm_opts *o = r->o;
	struct mars_watch_conf wc;
	struct mars_err e;
	char why[160];
	int status;

	memset(&M, 0, sizeof(M));
	M.r = r;
	memset(&e, 0, sizeof(e));
	if (mars_evloop_new(&M.loop, &e) != 0)
		diag_fatal(EXIT_USAGE, NULL, 0, "event loop: %s",
		    mars_strerror(e.code));
	memset(&wc, 0, sizeof(wc));
	wc.cluster = o->cluster;
	wc.has_mars = o->mars_ep_text != NULL;
	wc.mars = o->mars_ep;
	wc.seed = o->has_seed ? o->seed : ((uint64_t)getpid() << 32) ^
	    mm_wall_us();
	wc.on_event = on_event;
	if (mars_evloop_signal_add(M.loop, SIGINT, signal_cb, NULL) != 0 ||
	    mars_evloop_signal_add(M.loop, SIGTERM, signal_cb, NULL) != 0)
		diag_fatal(EXIT_USAGE, NULL, 0, "event loop setup failed");
	if (o->tui) {
		if (mm_tui_open(r) != 0)
			diag_fatal(EXIT_USAGE, NULL, 0, "--tui: not a terminal");
		(void)mars_evloop_fd_add(M.loop, mm_tui_fd(r), MARS_EVLOOP_READ,
		    tui_cb, NULL);
	}
	if (mars_watch_new(&M.w, M.loop, &wc, &e) != 0) {
		mm_tui_close(r);
		mars_err_format(&e, why, sizeof(why));
		diag_fatal(EXIT_USAGE, o->cfile, 0, "cluster member: %s", why);
	}
	r->deadline_us = o->deadline_ms != 0 ? mm_wall_us() +
	    o->deadline_ms * 1000u : 0;
	mars_evloop_timer_after(M.loop, TICK_MS, tick_cb, NULL);
	if (r->tui == NULL)
		diag_at("listening", NULL, 0, -1, NULL, "member of the cluster at %s",
		    mars_watch_first_mars(M.w));
	if (mars_evloop_run(M.loop, &e) != 0)
		r->status = EXIT_USAGE;
	if (!mars_watch_ever_registered(M.w))
		diag_at("warning", NULL, 0, -1, NULL, "no MARS answered the registration "
		    "(%s)", mars_watch_first_mars(M.w));
	r->stop = true;
	status = mm_finish(r);
	mars_watch_free(M.w);
	mars_evloop_free(M.loop);
	return status;
}
