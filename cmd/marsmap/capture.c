/*
 * -r FILE and -i IFACE: every capture record becomes an event
 * (mars_cap_event(), event.h) for the checker.  A live capture drops
 * root after opening the device (-Z USER, as marsdump and tcpdump do),
 * and its idle hook -- the kernel has nothing more for now -- settles the
 * checker's time windows and runs the live view.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/capture.h"
#include "mars/pdu.h"

#include "marsmap.h"

static struct mars_cap *volatile capture;
static volatile sig_atomic_t stopped;
static struct mm_run *run;

static void
on_signal(int sig)
{
	(void)sig;
	stopped = 1;
	mm_interrupted = 1;
	if (capture != NULL)
		mars_cap_breakloop(capture);
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void
on_idle(void *arg)
{
	struct mm_run *r = arg;
	uint64_t now = mm_wall_us();

	mm_idle(r, now);
	if (r->o->deadline_ms != 0 && now >= r->deadline_us)
		r->stop = true;
	if (r->stop && capture != NULL)
		mars_cap_breakloop(capture);
}

static struct mars_cap *
open_input(struct mm_run *r)
{
	const struct mm_opts *o = r->o;
	struct mars_cap_live_opts lo;
	struct mars_cap *c;
	char errbuf[MARS_CAP_ERRBUF_SIZE];

	if (o->mode == MM_READ) {
		if (mars_cap_open_file(&c, o->rfile, errbuf) != 0)
			diag_fatal(EXIT_USAGE, o->rfile, 0, "%s", errbuf);
		return c;
	}
	memset(&lo, 0, sizeof(lo));
	if (mars_cap_open_live_opts(&c, o->iface, &lo, errbuf) != 0)
		diag_fatal(EXIT_USAGE, NULL, 0, "%s", errbuf);
	if (o->bpf != NULL && mars_cap_set_filter(c, o->bpf, errbuf) != 0)
		diag_fatal(EXIT_USAGE, NULL, 0, "%s", errbuf);
	if (o->user != NULL)
		diag_drop_privileges(o->user);
	return c;
}

int
mm_capture(struct mm_run *r)
{
	const struct mm_opts *o = r->o;
	struct mars_cap_stat cs;
	struct mars_frame fr;
	struct mars_pdu pdu;
	struct mars_event ev;
	struct mars_err e;
	uint64_t last_idle = 0, now;
	int rc;

	run = r;
	capture = open_input(r);
	catch_signals();
	if (o->tui && mm_tui_open(r) != 0)
		diag_fatal(EXIT_USAGE, NULL, 0, "--tui: not a terminal");
	if (o->mode == MM_LIVE) {
		r->deadline_us = o->deadline_ms != 0 ?
		    mm_wall_us() + o->deadline_ms * 1000u : 0;
		mars_cap_set_idle(capture, on_idle, r);
		if (r->tui == NULL)
			diag_at("listening", NULL, 0, -1, NULL, "listening on %s, link-type "
			    "%s", o->iface, mars_cap_linktype_name(capture));
	}
	while (!stopped && !r->stop &&
	    (rc = mars_cap_next(capture, &fr, &e)) != 0) {
		if (rc < 0) {
			diag_at("error", o->rfile, 0, -1, NULL, "%s: %s", r->source,
			    e.why != NULL ? e.why : mars_strerror(rc));
			r->status = EXIT_USAGE;
			break;
		}
		if (fr.sdu != NULL)
			mars_pdu_decode(&pdu, fr.sdu, fr.sdu_len, 0);
		else if (e.code == MARS_E_NOTOURS)
			continue;
		mars_cap_event(&ev, &fr, fr.sdu != NULL ? &pdu : NULL);
		mm_feed(r, &ev);
		/* Keep the view alive under a steady stream too. */
		if (r->tui != NULL && (fr.num & 255) == 0) {
			now = mm_wall_us();
			if (now >= last_idle + 50000) {
				last_idle = now;
				if (o->mode == MM_LIVE)
					on_idle(r);
				else if (mm_tui_poll(r, now))
					r->stop = true;
			}
		}
	}
	if (o->mode == MM_LIVE && mars_cap_stats_ex(capture, &cs) == 0)
		r->cap_dropped = cs.dropped;
	if (r->cap_dropped != 0)
		diag_at("warning", NULL, 0, -1, NULL, "the kernel dropped %llu packets: "
		    "gaps may be the capture's", (unsigned long long)
		    r->cap_dropped);
	if (stopped)
		r->stop = true;
	mars_cap_close(capture);
	capture = NULL;
	return mm_finish(r);
}
