/*
 * marsd wiring (DESIGN.md rule 2): every datagram the link accepts goes
 * to mars_server_input() with the VC from the lab shim; fsm_io.send goes to
 * mars_link_send(); the server's leaf changes become link leaves; its
 * deadlines become one event-loop timer; peers the link reports lost
 * (ICMP unreachable, mars_link_lost()) are handed to mars_server_leaf_lost().
 *
 * With several entities in the cluster file the server belongs to a
 * struct mars_redund (cluster.c): datagrams, ticks and lost leaves go to
 * the redund layer instead, and inter-server VCs to it as well.
 *
 * One owner for the REDIRECT_MAP schedule.  A lone MARS: marsd, which
 * calls mars_server_redirect_now() every redirect-interval (the server's own
 * timer is pushed out of the way) so that SIGHUP can change the interval.
 * A redundant MARS: the redund layer, which decides who sends which map
 * (the Active on ClusterControlVC, targeted maps, none at a Backup) on
 * the server's own timer; marsd then runs no map timer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mars/atm.h"
#include "run/log.h"
#include "mars/msg.h"
#include "marsd.h"

#define RX_BATCH	64		/* datagrams per wake-up */
#define MAP_NEVER	(24 * 3600 * 1000)	/* the server's own map timer */

static void	arm_server_timer(struct marsd *d, mars_time_t deadline);
static void	watch_writes(struct marsd *d);

/* --- the server, alone or inside the redund layer --- */

static void
core_input(struct marsd *d, mars_time_t now, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len)
{
	if (d->red != NULL)
		mars_redund_input(d->red, now, vc, sdu, len);
	else
		mars_server_input(d->srv, now, vc, sdu, len);
}

static mars_time_t
core_tick(struct marsd *d, mars_time_t now)
{
	return d->red != NULL ? mars_redund_tick(d->red, now) :
	    mars_server_tick(d->srv, now);
}

static void
core_leaf_lost(struct marsd *d, mars_time_t now, uint32_t peer)
{
	if (d->red != NULL)
		mars_redund_leaf_lost(d->red, now, peer);
	else
		mars_server_leaf_lost(d->srv, now, peer);
}

static void
peer_text(const struct marsd *d, uint32_t peer, char *buf, size_t len)
{
	struct mars_endpoint ep;

	if (peer == 0 || mars_link_peer_endpoint(d->link, peer, &ep) != 0)
		snprintf(buf, len, "-");
	else
		mars_endpoint_format(&ep, buf, len);
}

/* --- fsm_io --- */

static void
io_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
	struct marsd *d = ctx;
	struct mars_err err;

	if (mars_link_send(cluster_link(d, vc->kind), vc, sdu, len, &err) != 0 &&
	    log_enabled(LOG_DEBUG))
		log_debug("send on %s vc %u: %s%s%s", mars_vc_kind_name(vc->kind),
		    vc->id, mars_strerror(err.code),
		    err.code == MARS_E_SYS ? ": " : "",
		    err.code == MARS_E_SYS ? strerror(err.sys_errno) : "");
}

static void
io_event(void *ctx, const struct mars_event *ev)
{
	struct marsd *d = ctx;
	char atm[MARS_ATM_HEX_MAX], grp[MARS_PA_TEXT_MAX], peer[MARS_ENDPOINT_TEXT_MAX];
	int level;

	switch (ev->kind) {
	case MARS_EV_MEMBER_ADDED:
	case MARS_EV_MEMBER_REMOVED:
	case MARS_EV_MCS_ADDED:
	case MARS_EV_MCS_REMOVED:
		level = LOG_INFO;
		break;
	default:
		level = LOG_DEBUG;
		break;
	}
	if (!log_enabled(level))
		return;
	atm[0] = '\0';
	if (ev->atm != NULL)
		mars_atm_hex(atm, ev->atm, ev->atm_tl & MARS_ATM_TL_LEN);
	switch (ev->kind) {
	case MARS_EV_MEMBER_ADDED:
		peer_text(d, ev->count, peer, sizeof(peer));
		log_info("member %s registered: cmi %u from %s", atm, ev->cmi,
		    peer);
		break;
	case MARS_EV_MEMBER_REMOVED:
		log_info("member %s (cmi %u) removed: %s", atm, ev->cmi,
		    ev->detail != NULL ? ev->detail : "deregistered");
		break;
	case MARS_EV_MCS_ADDED:
	case MARS_EV_MCS_REMOVED:
		log_info("mcs %s %s", atm, ev->kind == MARS_EV_MCS_ADDED ?
		    "registered" : "removed");
		break;
	case MARS_EV_GROUP_JOIN:
	case MARS_EV_GROUP_LEAVE:
		grp[0] = '\0';
		if (ev->group != NULL)
			mars_pa_text(grp, ev->group, ev->group_len);
		log_debug("cmi %u %s %s", ev->cmi, ev->kind ==
		    MARS_EV_GROUP_JOIN ? "joined" : "left", grp);
		break;
	case MARS_EV_DROPPED:
		peer_text(d, d->cur_peer, peer, sizeof(peer));
		log_debug("dropped a message from %s: %s", peer,
		    ev->detail != NULL ? ev->detail : "?");
		break;
	default:
		break;
	}
}

static void
io_log(void *ctx, int level, const char *line)
{
	log_line(level, line);
}

/*
 * Leaves follow the server; a peer that stops being a leaf is forgotten
 * once the server is done with the message in hand (its reply may still
 * have to go out on the peer's VC).
 */
static void
io_leaf(void *ctx, const struct mars_server_leaf *lf)
{
	struct marsd *d = ctx;
	uint32_t *n;
	size_t cap;

	if (lf->add) {
		if (mars_link_leaf_add(d->link, lf->pmp, lf->peer) != 0)
			log_warnx("cannot add peer %u to %s", lf->peer,
			    mars_vc_kind_name(lf->pmp));
		return;
	}
	(void)mars_link_leaf_del(d->link, lf->pmp, lf->peer);
	if (d->ngone == d->capgone) {
		cap = d->capgone ? 2 * d->capgone : 16;
		if ((n = realloc(d->gone, cap * sizeof(*n))) == NULL)
			return;		/* the peer lingers; harmless */
		d->gone = n;
		d->capgone = cap;
	}
	d->gone[d->ngone++] = lf->peer;
}

/* Members and strangers are forgotten; the other MARS entities never. */
static void
forget_peer(struct marsd *d, uint32_t peer)
{
	if (peer != 0 && cluster_entity(d, d->link, peer) < 0 &&
	    mars_link_peer_leaves(d->link, peer) == 0)
		(void)mars_link_peer_del(d->link, peer);
}

static void
forget_gone(struct marsd *d)
{
	size_t i;

	for (i = 0; i < d->ngone; i++)
		forget_peer(d, d->gone[i]);
	d->ngone = 0;
}

/* --- timers --- */

static void
server_timer(struct mars_evloop *loop, void *arg)
{
	struct marsd *d = arg;

	mars_alarm_fired(&d->srv_alarm);
	arm_server_timer(d, core_tick(d, mars_evloop_now()));
	forget_gone(d);
	watch_writes(d);
}

static void
arm_server_timer(struct marsd *d, mars_time_t deadline)
{
	mars_alarm_set(d->loop, &d->srv_alarm, deadline, server_timer, d);
}

static void
map_timer(struct mars_evloop *loop, void *arg)
{
	struct marsd *d = arg;

	mars_server_redirect_now(d->srv, mars_evloop_now());
	forget_gone(d);
	watch_writes(d);
	d->map_timer = mars_evloop_timer_after(d->loop, d->set.redirect_interval,
	    map_timer, d);
}

/*
 * Private replies refused for a full socket buffer wait on the link's
 * retry queue (link.h): poll for writing while it holds any.
 */
static void
watch_writes(struct marsd *d)
{
	bool want = mars_link_pending(d->link) > 0;

	if (want == d->writing)
		return;
	if (mars_evloop_fd_mod(d->loop, mars_link_fd(d->link), MARS_EVLOOP_READ |
	    (want ? MARS_EVLOOP_WRITE : 0)) == 0)
		d->writing = want;
}

/* --- datagrams --- */

static void
lost_peers(struct marsd *d, struct mars_link *l, mars_time_t now)
{
	char peer[MARS_ENDPOINT_TEXT_MAX];
	uint32_t id;
	int e;

	while (mars_link_lost(l, &id) == 1) {
		if ((e = cluster_entity(d, l, id)) >= 0) {
			cluster_peer_lost(d, now, e);
			continue;
		}
		if (l != d->link)
			continue;
		d->peers_lost++;
		if (mars_link_peer_leaves(d->link, id) == 0)
			continue;
		peer_text(d, id, peer, sizeof(peer));
		log_info("peer %s unreachable: its VC is gone", peer);
		core_leaf_lost(d, now, id);
		forget_gone(d);
		forget_peer(d, id);
	}
}

/*
 * A datagram on the inter-server link, or from an entity on the shared
 * one: SCSP for the redund layer.  Returns false when it is a member's.
 */
static bool
server_datagram(struct marsd *d, struct mars_link *l, mars_time_t now,
    const struct mars_link_rx *rx)
{
	int e = cluster_entity(d, l, rx->peer);

	if (e < 0 && l == d->link && rx->vc.kind != MARS_VC_SERVER)
		return false;
	if (e < 0 || rx->vc.kind != MARS_VC_SERVER) {
		if (log_enabled(LOG_DEBUG))
			log_debug("dropped a %s datagram from %s",
			    mars_vc_kind_name(rx->vc.kind), e < 0 ?
			    "a stranger" : "a MARS entity");
		if (e < 0 && l != d->link)
			(void)mars_link_peer_del(l, rx->peer);
		else if (e < 0)
			forget_peer(d, rx->peer);
		return true;
	}
	cluster_peer_seen(d, now, e);
	mars_redund_input(d->red, now, &rx->vc, rx->sdu, rx->len);
	return true;
}

static void
link_ready(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	struct marsd *d = arg;
	struct mars_link *l = d->plink != NULL && fd == mars_link_fd(d->plink) ?
	    d->plink : d->link;
	struct mars_link_rx rx;
	struct mars_err err;
	mars_time_t now = mars_evloop_now();
	int i, rc;

	if (revents & MARS_EVLOOP_ERROR)
		lost_peers(d, l, now);
	if ((revents & MARS_EVLOOP_WRITE) && l == d->link)
		(void)mars_link_flush(l);
	for (i = 0; i < RX_BATCH; i++) {
		rc = mars_link_recv(l, d->rxbuf, sizeof(d->rxbuf), &rx, &err);
		if (rc == 0)
			break;
		if (rc < 0) {
			if (log_enabled(LOG_DEBUG))
				log_debug("dropped a datagram: %s (%s)",
				    err.why != NULL ? err.why :
				    mars_strerror(rc), err.field != NULL ?
				    err.field : "");
			continue;
		}
		if (d->red != NULL && server_datagram(d, l, now, &rx))
			continue;
		d->cur_peer = rx.peer;
		core_input(d, now, &rx.vc, rx.sdu, rx.len);
		d->cur_peer = 0;
		if (d->ngone > 0)
			forget_gone(d);
		forget_peer(d, rx.peer);
	}
	lost_peers(d, l, now);
	if (d->ngone > 0)
		forget_gone(d);
	arm_server_timer(d, core_tick(d, now));
	watch_writes(d);
}

/* --- start, stop, reload --- */

static void
server_conf_from(struct mars_server_conf *c, const struct marsd_settings *s)
{
	mars_server_conf_init(c, s->pro, s->atm, s->atm_len);
	c->cmi_low = s->cmi_low;
	c->cmi_high = s->cmi_high;
	c->redirect_interval = MAP_NEVER;
	memcpy(c->mars, s->mars, sizeof(c->mars));
	c->nmars = s->nmars;
	c->leaf = io_leaf;
	c->quirks = s->quirks;
}

int
serve_start(struct marsd *d, char *msg, size_t msglen)
{
	struct mars_server_conf sc;
	struct mars_io io = {
		.ctx = d, .send = io_send, .event = io_event, .log = io_log,
	};
	struct mars_err err;
	char ep[MARS_ENDPOINT_TEXT_MAX], why[128];

	if (mars_link_open(&d->link, &d->set.listen, MARS_LINK_F_MARS |
	    MARS_LINK_F_RETRY, &err) != 0) {
		mars_endpoint_format(&d->set.listen, ep, sizeof(ep));
		snprintf(msg, msglen, "%s: %s%s%s", ep, err.why != NULL ?
		    err.why : mars_strerror(err.code),
		    err.code == MARS_E_SYS ? ": " : "",
		    err.code == MARS_E_SYS ? strerror(err.sys_errno) : "");
		return -1;
	}
	if (mars_link_local(d->link, &d->local, &err) != 0)
		d->local = d->set.listen;
	if (d->set.clustered) {
		if (cluster_start(d, &io, io_leaf, msg, msglen) != 0)
			return -1;
		if (d->plink != NULL && mars_evloop_fd_add(d->loop,
		    mars_link_fd(d->plink), MARS_EVLOOP_READ, link_ready, d) != 0) {
			snprintf(msg, msglen, "cannot watch the peer socket");
			return -1;
		}
	} else {
		server_conf_from(&sc, &d->set);
		if (mars_server_new(&d->srv, &sc, &io, &err) != 0) {
			mars_err_format(&err, why, sizeof(why));
			snprintf(msg, msglen, "cannot start the MARS server: %s",
			    why);
			mars_link_close(d->link);
			d->link = NULL;
			return -1;
		}
	}
	if (mars_evloop_fd_add(d->loop, mars_link_fd(d->link), MARS_EVLOOP_READ, link_ready,
	    d) != 0) {
		snprintf(msg, msglen, "cannot watch the socket");
		return -1;
	}
	d->started = mars_evloop_now();
	if (d->red != NULL) {
		mars_redund_start(d->red, d->started);
		arm_server_timer(d, core_tick(d, d->started));
		return 0;
	}
	arm_server_timer(d, mars_server_tick(d->srv, d->started));
	d->map_timer = mars_evloop_timer_after(d->loop, d->set.redirect_interval,
	    map_timer, d);
	return 0;
}

void
serve_stop(struct marsd *d)
{
	if (d->link != NULL) {
		mars_evloop_fd_del(d->loop, mars_link_fd(d->link));
		mars_link_close(d->link);
		d->link = NULL;
	}
	if (d->plink != NULL)
		mars_evloop_fd_del(d->loop, mars_link_fd(d->plink));
	if (d->set.clustered)
		cluster_stop(d);
	else
		mars_server_free(d->srv);
	d->srv = NULL;
	free(d->gone);
	d->gone = NULL;
	d->ngone = d->capgone = 0;
}

/*
 * SIGHUP and the admin reload command: re-read the cluster file.  A lone
 * MARS: the redirect list and interval change at once; the endpoint,
 * ATM address, protocol, CMI block and admin socket need a restart
 * (marsd(8)) and are kept.  A redundant MARS: the file is checked and
 * the running settings kept, since every entity must agree on the
 * cluster (election order, map composition, timers); restarting the
 * entities one by one applies a change without losing the service.
 * Everything is logged; msg says the same in one line for the admin
 * answer.
 */
enum reload_result
serve_reload(struct marsd *d, char *msg, size_t msglen)
{
	struct marsd_settings ns;
	char why[MARS_CONF_MSG_MAX];

	d->reloads++;
	if (d->opts.conf_path == NULL) {
		snprintf(msg, msglen, "no cluster file to reload");
		log_info("reload: %s", msg);
		return RELOAD_FAILED;
	}
	if (settings_build(&ns, &d->opts, d->conf_real, why,
	    sizeof(why)) != 0) {
		d->reload_errors++;
		snprintf(msg, msglen, "reload failed, keeping the running "
		    "settings: %s", why);
		log_warnx("%s", msg);
		return RELOAD_FAILED;
	}
	if (d->set.clustered || ns.clustered) {
		if (ns.clustered != d->set.clustered)
			log_warnx("reload: going from one MARS to several "
			    "(or back) needs a restart; kept");
		else if (cluster_check(&ns, d->conf_real, why,
		    sizeof(why)) != 0) {
			d->reload_errors++;
			snprintf(msg, msglen, "reload: %s; keeping the running "
			    "settings", why);
			log_warnx("%s", msg);
			return RELOAD_FAILED;
		}
		snprintf(msg, msglen, "reloaded %s: checked; a redundant MARS "
		    "keeps its cluster until restarted", d->conf_real);
		log_info("%s", msg);
		return RELOAD_CHECKED;
	}
	if (!mars_endpoint_equal(&ns.listen, &d->set.listen) ||
	    ns.atm_len != d->set.atm_len ||
	    memcmp(ns.atm, d->set.atm, ns.atm_len) != 0 ||
	    ns.pro != d->set.pro || ns.cmi_low != d->set.cmi_low ||
	    ns.cmi_high != d->set.cmi_high ||
	    strcmp(ns.admin, d->set.admin) != 0)
		log_warnx("reload: endpoint, atm, protocol, cmi and "
		    "admin-socket changes need a restart; kept");
	if (mars_server_set_redirect_map(d->srv, ns.mars, ns.nmars, false) != 0) {
		d->reload_errors++;
		snprintf(msg, msglen, "reload: redirect list refused");
		log_warnx("%s", msg);
		return RELOAD_FAILED;
	}
	memcpy(d->set.mars, ns.mars, sizeof(ns.mars));
	d->set.nmars = ns.nmars;
	if (ns.redirect_interval != d->set.redirect_interval) {
		d->set.redirect_interval = ns.redirect_interval;
		if (d->map_timer != 0)
			mars_evloop_timer_cancel(d->loop, d->map_timer);
		d->map_timer = mars_evloop_timer_after(d->loop,
		    d->set.redirect_interval, map_timer, d);
	}
	snprintf(msg, msglen, "reloaded %s: %u MARS in the redirect map, "
	    "interval %llu ms", d->conf_real, (unsigned)d->set.nmars,
	    (unsigned long long)d->set.redirect_interval);
	log_info("%s", msg);
	return RELOAD_APPLIED;
}
