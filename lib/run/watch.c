/*
 * A live cluster member as an event producer (watch.h): link, client
 * machine and timers on the caller's loop; every SDU and happening goes
 * out as a struct mars_event.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mars/client.h"
#include "mars/link.h"
#include "mars/pdu.h"
#include "mars/rng.h"
#include "mars/watch.h"

#define WATCH_MARS_MAX	MARS_CONF_MARS_MAX
#define WATCH_TEXT_MAX	80
#define WATCH_HEARD_MAX	MARS_CONF_MARS_MAX	/* mars_watch_peer_add() */
#define WATCH_GROUPS_MAX	1024	/* carried over a re-registration */

/* 13-octet prefix of the member's NSAP; the ESI holds pid and port. */
static const uint8_t own_prefix[13] = {
	0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00,
	0x6d, 0x6d, 0x61, 0x70,
};

struct mars_watch {
	struct mars_watch_conf	 conf;
	struct mars_evloop	*loop;
	struct mars_link	*link;
	struct mars_client	*cl;
	struct mars_client_conf	 cconf;		/* timers, protocol: every
						   machine of the member's */
	struct mars_rng		 rng;
	struct mars_client_mars	 mars[WATCH_MARS_MAX];
	uint32_t		 peer[WATCH_MARS_MAX];
	struct mars_end		 end[WATCH_MARS_MAX];
	int			 entity[WATCH_MARS_MAX];
	char			 text[WATCH_MARS_MAX][WATCH_TEXT_MAX];
	size_t			 nmars;
	uint32_t		 heard[WATCH_HEARD_MAX];	/* other peers */
	struct mars_end		 heard_end[WATCH_HEARD_MAX];
	size_t			 nheard;
	bool			 learning;	/* mars[0]'s address unknown */
	struct mars_end		 own_end;
	uint8_t			 own[MARS_ATM_ADDR_MAX];
	struct mars_alarm	 client_alarm;
	mars_timer_id		 grace_timer;
	bool			 stopping;
	bool			 ever_registered;
	void			(*done)(void *ctx);
	void			*done_ctx;
	uint8_t			 buf[MARS_LINK_DGRAM_MAX];
};

static uint64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
emit(struct mars_watch *w, struct mars_event *ev)
{
	ev->us = wall_us();
	ev->entity = 0;
	ev->entity_name = "member";
	if (w->conf.on_event != NULL)
		w->conf.on_event(w->conf.ctx, ev);
}

static void
note(struct mars_watch *w, int code, const char *text)
{
	struct mars_event ev;

	mars_event_init(&ev, MARS_EV_NOTE, mars_evloop_now());
	ev.detail = text;
	ev.code = code;
	emit(w, &ev);
}

static void kick(struct mars_watch *w);

static void
client_timer_cb(struct mars_evloop *loop, void *arg)
{
	struct mars_watch *w = arg;

	mars_alarm_fired(&w->client_alarm);
	if (w->cl == NULL)
		return;
	mars_client_tick(w->cl, mars_evloop_now());
	kick(w);
}

/* One timer at the client's next deadline. */
static void
kick(struct mars_watch *w)
{
	if (w->cl != NULL)
		mars_alarm_set(w->loop, &w->client_alarm,
		    mars_client_next_deadline(w->cl), client_timer_cb, w);
}

static int
index_of_peer(const struct mars_watch *w, uint32_t peer)
{
	size_t i;

	for (i = 0; i < w->nmars; i++)
		if (w->peer[i] == peer)
			return (int)i;
	return -1;
}

/* A message event for an SDU sent (tx) or received. */
static void
sdu_event(struct mars_watch *w, const struct mars_vc *vc, uint16_t vpi,
    uint16_t vci, uint16_t flags, const struct mars_end *peer, bool tx,
    const uint8_t *sdu, size_t len)
{
	struct mars_event ev;

	mars_event_init(&ev, MARS_EV_MESSAGE, mars_evloop_now());
	ev.vc = *vc;
	ev.has_label = vpi != 0 || vci != 0;
	ev.vpi = vpi;
	ev.vci = vci;
	ev.dir = tx ? MARS_DIR_TX : MARS_DIR_RX;
	if (tx) {
		ev.src = w->own_end;
		if (peer != NULL)
			ev.dst = *peer;
	} else {
		if (peer != NULL)
			ev.src = *peer;
		ev.dst = w->own_end;
		ev.from_mars = (flags & MARS_SHIM_F_FROM_MARS) != 0;
	}
	ev.sdu = sdu;
	ev.sdu_len = len;
	emit(w, &ev);
}

static void
io_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
	struct mars_watch *w = ctx;
	struct mars_err e;
	uint16_t vpi = 0, vci = 0;
	int i;

	memset(&e, 0, sizeof(e));
	(void)mars_link_send(w->link, vc, sdu, len, &e);
	if ((i = index_of_peer(w, vc->id)) >= 0)
		(void)mars_link_peer_vc(w->link, vc->id, &vpi, &vci);
	sdu_event(w, vc, vpi, vci, 0, i >= 0 ? &w->end[i] : NULL, true, sdu,
	    len);
}

static void
finish(struct mars_watch *w)
{
	void (*done)(void *) = w->done;

	w->done = NULL;
	if (w->grace_timer != 0)
		mars_evloop_timer_cancel(w->loop, w->grace_timer);
	w->grace_timer = 0;
	if (done != NULL)
		done(w->done_ctx);
}

/* The member's happenings (client.h): already events of the one type. */
static void
io_event(void *ctx, const struct mars_event *fe)
{
	struct mars_watch *w = ctx;
	struct mars_event ev = *fe;

	if (fe->kind == MARS_EV_REGISTERED)
		w->ever_registered = true;
	emit(w, &ev);
	if (w->stopping && (fe->kind == MARS_EV_DEREGISTERED ||
	    fe->kind == MARS_EV_GIVE_UP))
		finish(w);
}

/* What every machine of the member takes from conf (read once). */
static void
client_template(struct mars_watch *w, const struct mars_watch_conf *wc)
{
	const struct mars_cluster_conf *cc = wc->cluster;
	struct mars_client_conf *conf = &w->cconf;

	if (wc->timers != NULL)
		*conf = *wc->timers;
	else {
		memset(conf, 0, sizeof(*conf));
		if (cc != NULL) {
			conf->failure_timeout = cc->failure_timeout;
			conf->retransmit_interval = cc->retransmit_interval;
		}
	}
	conf->pro_type = cc != NULL && cc->protocol == MARS_CONF_PROTO_IPV6 ?
	    MARS_PRO_IPV6 : MARS_PRO_IPV4;
	conf->pro_type_alt = 0;
	memset(&conf->own_pa, 0, sizeof(conf->own_pa));
	conf->vc_lookup = NULL;
	conf->vc_ctx = NULL;
}

static int
make_client(struct mars_watch *w, struct mars_err *err)
{
	struct mars_client_conf conf = w->cconf;
	struct mars_io io;

	memset(&conf.own, 0, sizeof(conf.own));
	conf.own.tl = MARS_ATM_ADDR_MAX;
	memcpy(conf.own.num, w->own, MARS_ATM_ADDR_MAX);
	conf.mars = w->mars;
	conf.nmars = w->nmars;
	conf.rng = &w->rng;
	memset(&io, 0, sizeof(io));
	io.ctx = w;
	io.send = io_send;
	io.event = io_event;
	return mars_client_new(&w->cl, &conf, &io, err);
}

/*
 * A new machine in place of the old one (which is freed, nothing sent);
 * started, with the old one's groups, when start.
 */
static void
restart_client(struct mars_watch *w, bool start)
{
	static struct mars_client_pa groups[WATCH_GROUPS_MAX];
	enum mars_client_group_state st;
	const struct mars_client_pa *g;
	size_t i, n = 0;

	for (i = 0; start && w->cl != NULL &&
	    i < mars_client_group_count(w->cl) && n < WATCH_GROUPS_MAX; i++)
		if ((g = mars_client_group(w->cl, i, &st)) != NULL &&
		    st != MARS_CLIENT_GRP_LEAVING)
			groups[n++] = *g;
	mars_alarm_cancel(w->loop, &w->client_alarm);
	mars_client_free(w->cl);
	w->cl = NULL;
	if (make_client(w, NULL) != 0 || !start)
		return;
	mars_client_start(w->cl, mars_evloop_now());
	for (i = 0; i < n; i++)
		(void)mars_client_join(w->cl, mars_evloop_now(),
		    groups[i].addr, groups[i].len);
	kick(w);
}

/* §5.4.3: the first map from the MARS names it in mar$sha. */
static void
learn(struct mars_watch *w, const struct mars_link_rx *rx)
{
	struct mars_pdu pdu;
	const struct mars_msg *m = &pdu.u.mars;
	char text[WATCH_TEXT_MAX + 64];
	size_t n;

	if (rx->peer != w->peer[0] || w->cl == NULL ||
	    !mars_client_registered(w->cl) ||
	    mars_pdu_decode(&pdu, rx->sdu, rx->len, 0) != 0 ||
	    pdu.kind != MARS_PDU_MARS || m->op != MARS_REDIRECT_MAP ||
	    (n = m->sha.tl & MARS_ATM_TL_LEN) == 0 || m->sha.addr == NULL)
		return;
	memset(&w->mars[0].atm, 0, sizeof(w->mars[0].atm));
	w->mars[0].atm.tl = m->sha.tl;
	memcpy(w->mars[0].atm.num, m->sha.addr, n);
	w->learning = false;
	snprintf(text, sizeof(text), "the MARS at %s names itself in its map; "
	    "registering again", w->text[0]);
	note(w, MARS_WATCH_NOTE_LEARNED, text);
	restart_client(w, true);
}

static void
link_cb(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	struct mars_watch *w = arg;
	struct mars_link_rx rx;
	struct mars_err e;
	struct mars_vc vc;
	uint32_t lost;
	size_t h;
	int i, k, rc;

	/* ICMP reports of MARSs gone: drained, or the socket polls again */
	if (revents & MARS_EVLOOP_ERROR)
		while (mars_link_lost(w->link, &lost) == 1)
			;
	for (k = 0; k < 256; k++) {
		rc = mars_link_recv(w->link, w->buf, sizeof(w->buf), &rx, &e);
		if (rc == 0)
			break;
		if (rc < 0)
			continue;
		if ((i = index_of_peer(w, rx.peer)) < 0) {
			/* only the MARSs we know speak, and those we hear */
			for (h = 0; h < w->nheard; h++)
				if (w->heard[h] == rx.peer)
					sdu_event(w, &rx.vc, rx.vpi, rx.vci,
					    rx.flags, &w->heard_end[h], false,
					    rx.sdu, rx.len);
			continue;
		}
		sdu_event(w, &rx.vc, rx.vpi, rx.vci, rx.flags, &w->end[i],
		    false, rx.sdu, rx.len);
		vc = rx.vc;
		if (vc.kind == MARS_VC_CCVC)
			vc.id = rx.peer;	/* whose ClusterControlVC */
		if (w->learning)
			learn(w, &rx);
		if (w->cl != NULL) {
			mars_client_input(w->cl, mars_evloop_now(), &vc,
			    rx.sdu, rx.len);
			kick(w);
		}
	}
}

static int
add_mars(struct mars_watch *w, const struct mars_endpoint *ep,
    const uint8_t *atm, int entity, struct mars_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	size_t i = w->nmars;

	if (i >= WATCH_MARS_MAX)
		return mars_err_set(err, MARS_E_INVAL, "mars", "too many");
	w->entity[i] = entity;
	memset(&w->mars[i], 0, sizeof(w->mars[i]));
	w->mars[i].atm.tl = MARS_ATM_ADDR_MAX;
	if (atm != NULL)
		memcpy(w->mars[i].atm.num, atm, MARS_ATM_ADDR_MAX);
	mars_endpoint_format(ep, w->text[i], sizeof(w->text[i]));
	if (mars_endpoint_resolve(ep, AF_UNSPEC, false, &ss, &sslen, err) != 0)
		return mars_err_set(err, MARS_E_INVAL, "mars",
		    "cannot resolve the MARS's endpoint");
	(void)mars_end_from_sockaddr(&w->end[i], (const struct sockaddr *)&ss);
	if (mars_link_peer_add(w->link, ep, &w->peer[i], err) != 0)
		return mars_err_set(err, MARS_E_INVAL, "mars",
		    "cannot reach the MARS's endpoint");
	w->mars[i].vc.kind = MARS_VC_P2P;
	w->mars[i].vc.id = w->peer[i];
	w->mars[i].has_ccvc = true;
	w->mars[i].ccvc_id = w->peer[i];
	w->nmars++;
	return 0;
}

/* The cluster's entities by decreasing priority (the map order). */
static int
mars_from_cluster(struct mars_watch *w, struct mars_err *err)
{
	const struct mars_cluster_conf *c = w->conf.cluster;
	bool used[MARS_CONF_MARS_MAX] = { false };
	size_t i, k, best;
	int rc;

	if (w->conf.has_mars) {
		for (i = 0; i < c->n_mars; i++)
			if (mars_endpoint_equal(&c->mars[i].endpoint,
			    &w->conf.mars))
				break;
		if (i == c->n_mars)
			return mars_err_set(err, MARS_E_INVAL, "mars",
			    "no MARS of the cluster file has that endpoint");
		if ((rc = add_mars(w, &c->mars[i].endpoint, c->mars[i].atm,
		    (int)i, err)) != 0)
			return rc;
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
		if ((rc = add_mars(w, &c->mars[best].endpoint,
		    c->mars[best].atm, (int)best, err)) != 0)
			return rc;
	}
	return 0;
}

/* Bind an ephemeral port of the family of the first MARS. */
static int
open_link(struct mars_watch *w, struct mars_err *err)
{
	const struct mars_endpoint *first = w->conf.has_mars ? &w->conf.mars :
	    &w->conf.cluster->mars[0].endpoint;
	struct mars_endpoint bind, local;
	struct sockaddr_storage ss;
	socklen_t sslen;
	uint32_t pid = (uint32_t)getpid();
	bool v6 = false;

	if (mars_endpoint_resolve(first, AF_UNSPEC, false, &ss, &sslen,
	    err) == 0)
		v6 = ss.ss_family == AF_INET6;
	(void)mars_endpoint_parse(&bind, v6 ? "udp:[::]:0" : "udp:0.0.0.0:0",
	    err);
	if (mars_link_open(&w->link, &bind, 0, err) != 0 ||
	    mars_link_local(w->link, &local, err) != 0)
		return MARS_E_SYS;
	if (mars_endpoint_resolve(&local, AF_UNSPEC, true, &ss, &sslen,
	    err) == 0)
		(void)mars_end_from_sockaddr(&w->own_end,
		    (const struct sockaddr *)&ss);
	memcpy(w->own, own_prefix, sizeof(own_prefix));
	if (memcmp(w->conf.atm_prefix, (uint8_t[13]){ 0 }, 13) != 0)
		memcpy(w->own, w->conf.atm_prefix, 13);
	w->own[13] = (uint8_t)(pid >> 24);
	w->own[14] = (uint8_t)(pid >> 16);
	w->own[15] = (uint8_t)(pid >> 8);
	w->own[16] = (uint8_t)pid;
	w->own[17] = (uint8_t)(local.port >> 8);
	w->own[18] = (uint8_t)local.port;
	w->own[19] = 0;
	return 0;
}

int
mars_watch_new(struct mars_watch **wp, struct mars_evloop *loop,
    const struct mars_watch_conf *conf, struct mars_err *err)
{
	struct mars_watch *w;
	int rc;

	*wp = NULL;
	if (conf->cluster == NULL && !conf->has_mars)
		return mars_err_set(err, MARS_E_INVAL, "mars", "no MARS");
	if (conf->cluster != NULL && conf->cluster->n_mars == 0)
		return mars_err_set(err, MARS_E_INVAL, "cluster",
		    "no MARS in the cluster file");
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return mars_err_set(err, MARS_E_NOSPACE, "watch", "no memory");
	w->conf = *conf;
	w->loop = loop;
	if ((rc = open_link(w, err)) != 0)
		goto fail;
	if (conf->cluster != NULL)
		rc = mars_from_cluster(w, err);
	else {
		rc = add_mars(w, &conf->mars, NULL, -1, err);
		w->learning = true;
	}
	if (rc != 0)
		goto fail;
	mars_rng_seed(&w->rng, conf->seed);
	client_template(w, conf);
	/* the caller's cluster and timers are not read after this */
	w->conf.cluster = NULL;
	w->conf.timers = NULL;
	if ((rc = make_client(w, err)) != 0)
		goto fail;
	if (mars_evloop_fd_add(loop, mars_link_fd(w->link), MARS_EVLOOP_READ,
	    link_cb, w) != 0) {
		rc = mars_err_set(err, MARS_E_SYS, "watch", "event loop");
		goto fail;
	}
	if (!conf->manual)
		mars_client_start(w->cl, mars_evloop_now());
	kick(w);
	*wp = w;
	return 0;
fail:
	mars_watch_free(w);
	return rc;
}

static void
grace_cb(struct mars_evloop *loop, void *arg)
{
	struct mars_watch *w = arg;

	w->grace_timer = 0;
	finish(w);
}

void
mars_watch_stop(struct mars_watch *w, mars_time_t grace_ms,
    void (*done)(void *ctx), void *ctx)
{
	w->done = done;
	w->done_ctx = ctx;
	if (w->stopping)
		return;
	w->stopping = true;
	if (w->cl == NULL || !mars_client_registered(w->cl) ||
	    mars_client_deregister(w->cl, mars_evloop_now()) != 0) {
		finish(w);
		return;
	}
	kick(w);
	w->grace_timer = mars_evloop_timer_after(w->loop, grace_ms, grace_cb,
	    w);
}

void
mars_watch_free(struct mars_watch *w)
{
	if (w == NULL)
		return;
	mars_alarm_cancel(w->loop, &w->client_alarm);
	if (w->grace_timer != 0)
		mars_evloop_timer_cancel(w->loop, w->grace_timer);
	if (w->link != NULL) {
		mars_evloop_fd_del(w->loop, mars_link_fd(w->link));
		mars_link_close(w->link);
	}
	mars_client_free(w->cl);
	free(w);
}

bool
mars_watch_registered(const struct mars_watch *w)
{
	return w->cl != NULL && mars_client_registered(w->cl);
}

bool
mars_watch_ever_registered(const struct mars_watch *w)
{
	return w->ever_registered;
}

const char *
mars_watch_first_mars(const struct mars_watch *w)
{
	return w->nmars > 0 ? w->text[0] : "";
}

int
mars_watch_start(struct mars_watch *w)
{
	if (w->cl == NULL || mars_client_state(w->cl) != MARS_CLIENT_IDLE)
		return MARS_E_INVAL;
	mars_client_start(w->cl, mars_evloop_now());
	kick(w);
	return 0;
}

void
mars_watch_reset(struct mars_watch *w)
{
	restart_client(w, false);
}

struct mars_client *
mars_watch_client(struct mars_watch *w)
{
	return w->cl;
}

void
mars_watch_kick(struct mars_watch *w)
{
	kick(w);
}

struct mars_link *
mars_watch_link(struct mars_watch *w)
{
	return w->link;
}

int
mars_watch_peer_add(struct mars_watch *w, const struct mars_endpoint *ep,
    uint32_t *peer, struct mars_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int rc;

	if (w->nheard == WATCH_HEARD_MAX)
		return mars_err_set(err, MARS_E_NOSPACE, "peer", "too many");
	if ((rc = mars_endpoint_resolve(ep, AF_UNSPEC, false, &ss, &sslen,
	    err)) != 0 || (rc = mars_link_peer_add(w->link, ep, peer,
	    err)) != 0)
		return rc;
	(void)mars_end_from_sockaddr(&w->heard_end[w->nheard],
	    (const struct sockaddr *)&ss);
	w->heard[w->nheard++] = *peer;
	return 0;
}

bool
mars_watch_mars(const struct mars_watch *w, size_t i,
    struct mars_watch_mars *out)
{
	if (i >= w->nmars)
		return false;
	out->entity = w->entity[i];
	out->endpoint = w->text[i];
	out->peer = w->peer[i];
	out->atm_known = i > 0 || !w->learning;
	out->atm = w->mars[i].atm.num;
	return true;
}

const uint8_t *
mars_watch_own_atm(const struct mars_watch *w)
{
	return w->own;
}
