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
 * Without the MARS's ATM address (-m alone) the member starts with a
 * provisional all-zero one: the registration reply is recognised by our
 * own address (RFC 2022 §5.2.3); the first map from the MARS names it in
 * mar$sha (§5.4.3), and the member registers again knowing it, so that
 * later maps are trusted.
 */
#include <sys/socket.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/client.h"
#include "mars/evloop.h"
#include "mars/link.h"
#include "mars/pdu.h"
#include "mars/rng.h"

#include "marsmap.h"

#define MARS_MAX	MARS_CONF_MARS_MAX
#define TICK_MS		200
#define GRACE_MS	500

/* 13-octet prefix of our NSAP; the ESI holds pid and port. */
static const uint8_t own_prefix[13] = {
	0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00,
	0x6d, 0x6d, 0x61, 0x70,
};

static struct {
	struct mm_run		*r;
	struct mars_evloop	*loop;
	struct mars_link	*link;
	struct mars_client	*cl;
	struct mars_rng		 rng;
	struct mars_client_mars	 mars[MARS_MAX];
	uint32_t		 peer[MARS_MAX];
	struct mars_end		 end[MARS_MAX];
	char			 text[MARS_MAX][80];
	size_t			 nmars;
	bool			 learning;	/* mars[0]'s ATM? */
	struct mars_end		 own_end;
	uint8_t			 own[MARS_ATM_ADDR_MAX];
	mars_timer_id		 client_timer;
	mars_time_t		 client_at;
	bool			 stopping;
	bool			 registered_once;
	uint64_t		 frame;
} M;

static uint64_t
now_us(void)
{
	return mm_wall_us();
}

static void kick(void);

static void
client_timer_cb(struct mars_evloop *loop, void *arg)
{
	M.client_timer = 0;
	if (M.cl == NULL)
		return;
	mars_client_tick(M.cl, mars_evloop_now());
	kick();
}

/* Keep one timer at the client's next deadline. */
static void
kick(void)
{
	mars_time_t next;

	if (M.cl == NULL)
		return;
	next = mars_client_next_deadline(M.cl);
	if (M.client_timer != 0 && next == M.client_at)
		return;
	if (M.client_timer != 0)
		mars_evloop_timer_cancel(M.loop, M.client_timer);
	M.client_timer = 0;
	M.client_at = next;
	if (next != MARS_TIME_NEVER)
		M.client_timer = mars_evloop_timer_at(M.loop, next,
		    client_timer_cb, NULL);
}

static int
index_of_peer(uint32_t peer)
{
	size_t i;

	for (i = 0; i < M.nmars; i++)
		if (M.peer[i] == peer)
			return (int)i;
	return -1;
}

/* A message event for an SDU we sent (tx) or received. */
static void
feed_sdu(const struct mars_vc *vc, uint16_t vpi, uint16_t vci, uint16_t flags,
    const struct mars_end *peer, bool tx, const uint8_t *sdu, size_t len)
{
	struct mars_evt ev;

	mars_evt_init(&ev, MARS_EVT_MESSAGE, mars_evloop_now());
	ev.us = now_us();
	ev.entity = 0;
	ev.entity_name = "marsmap";
	ev.vc = *vc;
	ev.has_label = vpi != 0 || vci != 0;
	ev.vpi = vpi;
	ev.vci = vci;
	ev.dir = tx ? MARS_DIR_TX : MARS_DIR_RX;
	if (tx) {
		ev.src = M.own_end;
		if (peer != NULL)
			ev.dst = *peer;
	} else {
		if (peer != NULL)
			ev.src = *peer;
		ev.dst = M.own_end;
		ev.from_mars = (flags & MARS_SHIM_F_FROM_MARS) != 0;
	}
	ev.frame = ++M.frame;
	ev.sdu = sdu;
	ev.sdu_len = len;
	mm_feed(M.r, &ev);
}

static void
io_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
	struct mars_err e;
	uint16_t vpi = 0, vci = 0;
	int i;

	memset(&e, 0, sizeof(e));
	if (mars_link_send(M.link, vc, sdu, len, &e) != 0 && M.r->o->verbose)
		mm_note(M.r, now_us(), "send: %s", mars_strerror(e.code));
	i = index_of_peer(vc->id);
	if (i >= 0)
		(void)mars_link_peer_vc(M.link, vc->id, &vpi, &vci);
	feed_sdu(vc, vpi, vci, 0, i >= 0 ? &M.end[i] : NULL, true, sdu, len);
}

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

static void
io_event(void *ctx, const struct mars_event *fe)
{
	struct mars_evt ev;
	const char *name = happening_name(fe->kind);
	char atm[2 * MARS_ATM_ADDR_MAX + 1] = "";
	size_t k, n = fe->atm != NULL ? (fe->atm_tl & MARS_ATM_TL_LEN) : 0;

	if (fe->kind == MARS_EV_REGISTERED)
		M.registered_once = true;
	mars_evt_init(&ev, fe->kind, fe->when);
	ev.us = now_us();
	ev.entity = 0;
	ev.entity_name = "marsmap";
	ev.cmi = fe->cmi;
	ev.csn = fe->csn;
	ev.hard = fe->hard;
	ev.detail = fe->detail;
	mm_feed(M.r, &ev);
	if (name == NULL)
		return;
	for (k = 0; k < n && k < MARS_ATM_ADDR_MAX; k++)
		snprintf(atm + 2 * k, 3, "%02x", fe->atm[k]);
	if (fe->kind == MARS_EV_REGISTERED)
		mm_note(M.r, ev.us, "member: registered with %s, cmi %u, "
		    "csn %u%s%s", atm, fe->cmi, fe->csn, fe->detail ? ", " : "",
		    fe->detail ? fe->detail : "");
	else
		mm_note(M.r, ev.us, "member: %s %s%s%s%s", name, atm,
		    fe->hard ? " hard" : "", fe->detail ? ", " : "",
		    fe->detail ? fe->detail : "");
	if (M.stopping && (fe->kind == MARS_EV_DEREGISTERED ||
	    fe->kind == MARS_EV_GIVE_UP))
		mars_evloop_stop(M.loop);
}

static int
make_client(struct mars_err *err)
{
	const struct mm_opts *o = M.r->o;
	struct mars_client_conf conf;
	struct mars_io io;

	memset(&conf, 0, sizeof(conf));
	conf.pro_type = o->cluster != NULL && o->cluster->protocol ==
	    MARS_CONF_PROTO_IPV6 ? MARS_PRO_IPV6 : MARS_PRO_IPV4;
	conf.own.tl = MARS_ATM_ADDR_MAX;
	memcpy(conf.own.num, M.own, MARS_ATM_ADDR_MAX);
	conf.mars = M.mars;
	conf.nmars = M.nmars;
	if (o->cluster != NULL) {
		conf.failure_timeout = o->cluster->failure_timeout;
		conf.retransmit_interval = o->cluster->retransmit_interval;
	}
	conf.rng = &M.rng;
	memset(&io, 0, sizeof(io));
	io.send = io_send;
	io.event = io_event;
	return mars_client_new(&M.cl, &conf, &io, err);
}

static void
restart_client(void)
{
	if (M.cl != NULL)
		mars_client_free(M.cl);
	M.cl = NULL;
	if (make_client(NULL) != 0)
		return;
	mars_client_start(M.cl, mars_evloop_now());
	kick();
}

/* §5.4.3: the first map from the MARS names it in mar$sha. */
static void
learn(const struct mars_link_rx *rx)
{
	struct mars_pdu pdu;
	const struct mars_msg *m = &pdu.u.mars;
	size_t n;

	if (rx->peer != M.peer[0] ||
	    mars_pdu_decode(&pdu, rx->sdu, rx->len, 0) != 0 ||
	    pdu.kind != MARS_PDU_MARS || m->op != MARS_REDIRECT_MAP ||
	    (n = m->sha.tl & MARS_ATM_TL_LEN) == 0)
		return;
	memset(&M.mars[0].atm, 0, sizeof(M.mars[0].atm));
	M.mars[0].atm.tl = m->sha.tl;
	memcpy(M.mars[0].atm.num, m->sha.addr, n);
	M.learning = false;
	mm_note(M.r, now_us(), "member: the MARS at %s names itself in its "
	    "map; registering again", M.text[0]);
	restart_client();
}

static void
link_cb(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	static uint8_t buf[MARS_LINK_DGRAM_MAX];
	struct mars_link_rx rx;
	struct mars_err e;
	struct mars_vc vc;
	int i, k, rc;

	for (k = 0; k < 256; k++) {
		rc = mars_link_recv(M.link, buf, sizeof(buf), &rx, &e);
		if (rc == 0)
			break;
		if (rc < 0)
			continue;
		if ((i = index_of_peer(rx.peer)) < 0)
			continue;	/* only the MARSs we know speak */
		feed_sdu(&rx.vc, rx.vpi, rx.vci, rx.flags, &M.end[i], false,
		    rx.sdu, rx.len);
		vc = rx.vc;
		if (vc.kind == MARS_VC_CCVC)
			vc.id = rx.peer;	/* whose ClusterControlVC */
		if (M.learning)
			learn(&rx);
		if (M.cl != NULL) {
			mars_client_input(M.cl, mars_evloop_now(), &vc, rx.sdu,
			    rx.len);
			kick();
		}
	}
}

static void
grace_cb(struct mars_evloop *loop, void *arg)
{
	mars_evloop_stop(loop);
}

static void
stop(void)
{
	if (M.stopping || M.cl == NULL || !mars_client_registered(M.cl) ||
	    mars_client_deregister(M.cl, mars_evloop_now()) != 0) {
		mars_evloop_stop(M.loop);
		return;
	}
	M.stopping = true;
	kick();
	mars_evloop_timer_after(M.loop, GRACE_MS, grace_cb, NULL);
}

static void
signal_cb(struct mars_evloop *loop, int signo, void *arg)
{
	M.r->stop = true;
	if (M.stopping)
		mars_evloop_stop(loop);
	else
		stop();
}

static void
tick_cb(struct mars_evloop *loop, void *arg)
{
	uint64_t now = now_us();

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
	if (mm_tui_poll(M.r, now_us())) {
		M.r->stop = true;
		stop();
	}
}

static void
add_mars(const struct mars_endpoint *ep, const uint8_t *atm)
{
	struct sockaddr_storage ss;
	struct mars_err e;
	socklen_t sslen;
	size_t i = M.nmars;

	if (i >= MARS_MAX)
		return;
	memset(&M.mars[i], 0, sizeof(M.mars[i]));
	M.mars[i].atm.tl = MARS_ATM_ADDR_MAX;
	if (atm != NULL)
		memcpy(M.mars[i].atm.num, atm, MARS_ATM_ADDR_MAX);
	mars_endpoint_format(ep, M.text[i], sizeof(M.text[i]));
	memset(&e, 0, sizeof(e));
	if (mars_endpoint_resolve(ep, AF_UNSPEC, false, &ss, &sslen, &e) != 0)
		diag_exit(EXIT_USAGE, NULL, 0, "%s: cannot resolve", M.text[i]);
	(void)mars_end_from_sockaddr(&M.end[i], (const struct sockaddr *)&ss);
	if (mars_link_peer_add(M.link, ep, &M.peer[i], &e) != 0)
		diag_exit(EXIT_USAGE, NULL, 0, "%s: %s", M.text[i],
		    mars_strerror(e.code));
	M.mars[i].vc.kind = MARS_VC_P2P;
	M.mars[i].vc.id = M.peer[i];
	M.mars[i].has_ccvc = true;
	M.mars[i].ccvc_id = M.peer[i];
	M.nmars++;
}

/* The cluster's entities by decreasing priority (the map order). */
static void
mars_from_cluster(const struct mm_opts *o)
{
	const struct mars_cluster_conf *c = o->cluster;
	bool used[MARS_CONF_MARS_MAX] = { false };
	size_t i, k, best;

	if (o->mars_ep_text != NULL) {
		for (i = 0; i < c->n_mars; i++)
			if (mars_endpoint_equal(&c->mars[i].endpoint,
			    &o->mars_ep))
				break;
		if (i == c->n_mars)
			diag_exit(EXIT_USAGE, o->cfile, 0, "-m %s: no MARS "
			    "with that endpoint in %s", o->mars_ep_text,
			    o->cfile);
		add_mars(&c->mars[i].endpoint, c->mars[i].atm);
		used[i] = true;
	}
	for (k = 0; k < c->n_mars; k++) {
		best = c->n_mars;
		for (i = 0; i < c->n_mars; i++)
			if (!used[i] && (best == c->n_mars ||
			    c->mars[i].priority > c->mars[best].priority))
				best = i;
		if (best == c->n_mars)
			break;
		used[best] = true;
		add_mars(&c->mars[best].endpoint, c->mars[best].atm);
	}
}

static void
open_link(const struct mm_opts *o)
{
	struct mars_endpoint bind, local;
	struct sockaddr_storage ss;
	struct mars_err e;
	socklen_t sslen;
	bool v6 = false;
	uint32_t pid = (uint32_t)getpid();

	if (o->cluster != NULL) {
		if (o->cluster->n_mars > 0 && mars_endpoint_resolve(
		    &o->cluster->mars[0].endpoint, AF_UNSPEC, false, &ss,
		    &sslen, &e) == 0)
			v6 = ss.ss_family == AF_INET6;
	} else if (mars_endpoint_resolve(&o->mars_ep, AF_UNSPEC, false, &ss,
	    &sslen, &e) == 0)
		v6 = ss.ss_family == AF_INET6;
	memset(&e, 0, sizeof(e));
	(void)mars_endpoint_parse(&bind, v6 ? "udp:[::]:0" : "udp:0.0.0.0:0",
	    &e);
	if (mars_link_open(&M.link, &bind, 0, &e) != 0)
		diag_exit(EXIT_USAGE, NULL, 0, "socket: %s",
		    mars_strerror(e.code));
	if (mars_link_local(M.link, &local, &e) != 0)
		diag_exit(EXIT_USAGE, NULL, 0, "socket: %s",
		    mars_strerror(e.code));
	if (mars_endpoint_resolve(&local, AF_UNSPEC, true, &ss, &sslen,
	    &e) == 0)
		(void)mars_end_from_sockaddr(&M.own_end,
		    (const struct sockaddr *)&ss);
	memcpy(M.own, own_prefix, sizeof(own_prefix));
	M.own[13] = (uint8_t)(pid >> 24);
	M.own[14] = (uint8_t)(pid >> 16);
	M.own[15] = (uint8_t)(pid >> 8);
	M.own[16] = (uint8_t)pid;
	M.own[17] = (uint8_t)(local.port >> 8);
	M.own[18] = (uint8_t)local.port;
	M.own[19] = 0;
}

/* -m with -c: the file may know the MARS's ATM address. */
static void
known_atm(const struct mm_opts *o)
{
	const struct mars_cluster_conf *cc = o->cluster;
	size_t i;

	for (i = 0; i < cc->n_mars; i++)
		if (mars_endpoint_equal(&cc->mars[i].endpoint, &o->mars_ep)) {
			memcpy(M.mars[0].atm.num, cc->mars[i].atm,
			    MARS_ATM_ADDR_MAX);
			M.learning = false;
		}
}

int
mm_member(struct mm_run *r)
{
	const struct mm_opts *o = r->o;
	struct mars_err e;
	char why[160];
	int status;

	memset(&M, 0, sizeof(M));
	M.r = r;
	open_link(o);
	if (o->cluster != NULL && o->member_cluster != NULL)
		mars_from_cluster(o);
	else {
		add_mars(&o->mars_ep, NULL);
		M.learning = true;
		/* With -c, the file may know this MARS's address. */
		if (o->cluster != NULL)
			known_atm(o);
	}
	mars_rng_seed(&M.rng, o->has_seed ? o->seed :
	    ((uint64_t)getpid() << 32) ^ mm_wall_us());
	memset(&e, 0, sizeof(e));
	if (mars_evloop_new(&M.loop, &e) != 0)
		diag_exit(EXIT_USAGE, NULL, 0, "event loop: %s",
		    mars_strerror(e.code));
	if (mars_evloop_fd_add(M.loop, mars_link_fd(M.link), MARS_EVLOOP_READ,
	    link_cb, NULL) != 0 ||
	    mars_evloop_signal_add(M.loop, SIGINT, signal_cb, NULL) != 0 ||
	    mars_evloop_signal_add(M.loop, SIGTERM, signal_cb, NULL) != 0)
		diag_exit(EXIT_USAGE, NULL, 0, "event loop setup failed");
	if (o->tui) {
		if (mm_tui_open(r) != 0)
			diag_exit(EXIT_USAGE, NULL, 0, "--tui: not a terminal");
		(void)mars_evloop_fd_add(M.loop, mm_tui_fd(r), MARS_EVLOOP_READ,
		    tui_cb, NULL);
	}
	r->deadline_us = o->deadline_ms != 0 ? mm_wall_us() +
	    o->deadline_ms * 1000u : 0;
	mars_evloop_timer_after(M.loop, TICK_MS, tick_cb, NULL);
	if (make_client(&e) != 0) {
		mars_err_format(&e, why, sizeof(why));
		diag_exit(EXIT_USAGE, NULL, 0, "cluster member: %s", why);
	}
	mars_client_start(M.cl, mars_evloop_now());
	kick();
	if (r->tui == NULL)
		diag("listening", NULL, 0, "member of the cluster at %s",
		    M.text[0]);
	if (mars_evloop_run(M.loop, &e) != 0)
		r->status = EXIT_USAGE;
	if (!M.registered_once)
		diag("warning", NULL, 0, "no MARS answered the registration "
		    "(%s)", M.text[0]);
	r->stop = true;
	status = mm_finish(r);
	mars_client_free(M.cl);
	mars_evloop_free(M.loop);
	mars_link_close(M.link);
	return status;
}
