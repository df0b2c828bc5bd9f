/*
 * The session every marsping mode runs on: one lab link (mars-lab(7)),
 * one event loop, one cluster-member state machine (client.h) registered
 * with the MARS, signals and the -w deadline.  The modes (probe.c,
 * oneshot.c, member.c) see the client's events and the raw datagrams.
 *
 * When the MARS's ATM address is not known (-m without --atm-mars or
 * --cluster), the client starts with a provisional all-zero address: the
 * registration copy is recognised by our own source address and the VC
 * (RFC 2022 §5.2.3), so registration works without it.  The first
 * MARS_REDIRECT_MAP from the MARS's endpoint names it in mar$sha (the
 * originating MARS, §5.4.3); long-running modes then restart the client
 * with that address, so that later maps are trusted and keep the
 * failure timer (§5.4) from expiring.
 *
 * Only the MARS entities of the session are peers of the link: a datagram
 * from anyone else is dropped and its sender forgotten at once, as marsd
 * forgets strangers, so that no stranger holds a place in the peer table.
 * ICMP errors naming a MARS (IP_RECVERR, mars_link_lost()) are reported
 * as ping reports them, and the client hears that the VC is gone.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "mars/atm.h"
#include "mars/pdu.h"

#include "cli/diag.h"
#include "marsping.h"

static char outstore[1 << 14];

/* 13-octet prefix of the default own NSAP; the ESI holds pid and port. */
static const uint8_t own_prefix[13] = {
	0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00,
	0x6d, 0x70, 0x69, 0x6e,
};

uint64_t
mp_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
mp_wall(uint64_t *sec, uint32_t *usec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = (uint64_t)ts.tv_sec;
	*usec = (uint32_t)(ts.tv_nsec / 1000);
}

/* Output helpers. */

/* An ATM number as hex, in a static buffer (diagnostics only). */
static const char *
hexstr(const uint8_t *p, uint8_t tl)
{
	static char buf[2 * MARS_ATM_ADDR_MAX + 1];
	static const char digits[] = "0123456789abcdef";
	size_t i, n = tl & MARS_ATM_TL_LEN;

	for (i = 0; i < n && p != NULL; i++) {
		buf[2 * i] = digits[p[i] >> 4];
		buf[2 * i + 1] = digits[p[i] & 15];
	}
	buf[2 * i] = '\0';
	return buf;
}

void
mp_json_atm(struct mars_out *ob, const struct mars_client_atm *a)
{
	if (a == NULL || (a->tl & MARS_ATM_TL_LEN) == 0) {
		mars_out_puts(ob, "null");
		return;
	}
	mars_out_putc(ob, '"');
	mars_out_hex(ob, a->num, a->tl & MARS_ATM_TL_LEN);
	mars_out_putc(ob, '"');
}

void
mp_text_atm(struct mars_out *ob, const struct mars_client_atm *a)
{
	if (a == NULL || (a->tl & MARS_ATM_TL_LEN) == 0)
		mars_out_puts(ob, "unknown");
	else
		mars_out_hex(ob, a->num, a->tl & MARS_ATM_TL_LEN);
}

void
mp_text_pa(struct mars_out *ob, const uint8_t *p, size_t n)
{
	char buf[MARS_PA_TEXT_MAX];

	mars_pa_text(buf, p, n);
	mars_out_puts(ob, buf);
}

void
mp_json_pa(struct mars_out *ob, const uint8_t *p, size_t n)
{
	char buf[MARS_PA_TEXT_MAX];

	if (p == NULL || n == 0) {
		mars_out_puts(ob, "null");
		return;
	}
	mars_pa_text(buf, p, n);
	mars_out_json_str(ob, buf);
}

void
mp_ms(struct mars_out *ob, double ms)
{
	mars_out_printf(ob, "%.3f", ms);
}

void
mp_ts(struct mars_out *ob)
{
	uint64_t sec;
	uint32_t usec;

	mp_wall(&sec, &usec);
	mars_out_printf(ob, "%llu.%06u", (unsigned long long)sec, usec);
}

/* Lookups. */

const struct mp_mars *
mp_mars_by_peer(const struct mp_session *s, uint32_t peer)
{
	size_t i;

	for (i = 0; i < s->nmars; i++)
		if (s->mi[i].peer == peer)
			return &s->mi[i];
	return NULL;
}

static int
current_index(const struct mp_session *s)
{
	const struct mars_client_atm *cur;
	size_t i;

	if (s->cl == NULL || (cur = mars_client_current_mars(s->cl)) == NULL)
		return 0;
	for (i = 0; i < s->nmars; i++)
		if (s->mars[i].atm.tl == cur->tl &&
		    memcmp(s->mars[i].atm.num, cur->num,
		    cur->tl & MARS_ATM_TL_LEN) == 0)
			return (int)i;
	return 0;
}

const struct mars_vc *
mp_current_vc(const struct mp_session *s)
{
	return &s->mars[current_index(s)].vc;
}

const struct mars_client_atm *
mp_current_atm(const struct mp_session *s)
{
	int i = current_index(s);

	return s->mi[i].atm_known ? &s->mars[i].atm : NULL;
}

const char *
mp_current_text(const struct mp_session *s)
{
	return s->mi[current_index(s)].text;
}

static int
mars_index(const struct mp_session *s, const struct mp_mars *mm)
{
	return (int)(mm - s->mi);
}

bool
mp_all_unreachable(const struct mp_session *s)
{
	return s->nmars < 32 &&
	    s->unreach_mask == (uint32_t)((1u << s->nmars) - 1);
}

static const char *
unreach_text(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return "port unreachable";
	case EHOSTUNREACH:
		return "host unreachable";
	case ENETUNREACH:
		return "network unreachable";
	case EHOSTDOWN:
		return "host down";
	default:
		return "unreachable";
	}
}

/* As ping: "From HOST icmp_seq=N Destination Port Unreachable". */
void
mp_print_unreachable(struct mp_session *s, const struct mp_mars *mm,
    int64_t seq, const char *why)
{
	struct mars_out *ob = &s->ob;

	if (s->o->quiet)
		return;
	if (s->o->json) {
		mars_out_puts(ob, "{\"type\":\"unreachable\",\"ts\":");
		mp_ts(ob);
		mars_out_puts(ob, ",\"endpoint\":");
		mars_out_json_str(ob, mm->text);
		mars_out_puts(ob, ",\"seq\":");
		if (seq >= 0)
			mars_out_u64(ob, (uint64_t)seq);
		else
			mars_out_puts(ob, "null");
		mars_out_puts(ob, ",\"error\":");
		mars_out_json_str(ob, why);
		mars_out_puts(ob, "}\n");
		return;
	}
	mars_out_puts(ob, "From ");
	mars_out_puts(ob, mm->text);
	if (seq >= 0) {
		mars_out_puts(ob, " seq=");
		mars_out_u64(ob, (uint64_t)seq);
	}
	mars_out_puts(ob, ": ");
	mars_out_puts(ob, why);
	mars_out_putc(ob, '\n');
}

/*
 * RFC 2022 gives a member no error for "wrong protocol" or "nobody
 * here": a MARS ignores what it does not serve, and a dead endpoint says
 * nothing (§5.2.3, §5.4).  Say what the session saw.
 */
void
mp_no_answer(struct mp_session *s, const char *what)
{
	const char *ep = mp_current_text(s);
	uint16_t pro = s->cl != NULL ? mars_client_pro_type(s->cl) :
	    s->o->pro_type;

	s->status = EXIT_NOREPLY;
	if (s->unreach_errno != 0)
		diag_error("%s: no answer from %s: %s (ICMP): %s", what, ep,
		    unreach_text(s->unreach_errno),
		    s->unreach_errno == ECONNREFUSED ?
		    "nothing listens on that port; is it the MARS's endpoint?" :
		    "the MARS cannot be reached");
	else if (s->other_pro != 0 && !s->ever_registered)
		diag_error("%s: no answer from %s: it speaks %s (mar$pro.type "
		    "0x%04x), not %s; try --protocol %s", what, ep,
		    s->other_pro == MARS_PRO_IPV6 ? "IPv6" :
		    s->other_pro == MARS_PRO_IPV4 ? "IPv4" : "another protocol",
		    s->other_pro, mp_pro_name(pro),
		    s->other_pro == MARS_PRO_IPV6 ? "ipv6" : "ipv4");
	else if (!s->heard && !s->ever_registered)
		diag_error("%s: no answer from %s (%s%s): is that the MARS's "
		    "endpoint, is the MARS running and reachable%s?", what,
		    ep, s->o->pro_auto ? "IPv4 and IPv6 tried" :
		    mp_pro_name(pro), s->o->pro_auto ? "" : " registration",
		    s->o->pro_auto ? "" : ", does it serve another protocol "
		    "(--protocol)");
	else
		diag_error("%s: no answer from %s", what, ep);
}

/* A warning of the client (client.h), said once per session. */
static void
client_warning(struct mp_session *s, const struct mars_event *ev)
{
	struct mars_client_atm atm;
	struct mp_diag d;
	uint32_t key = (uint32_t)ev->code << 16 | ev->nonconf;
	char from[MARS_ENDPOINT_TEXT_MAX + 8] = "";
	size_t i;

	for (i = 0; i < s->nwarned; i++)
		if (s->warned[i] == key)
			return;
	if (s->nwarned < sizeof(s->warned) / sizeof(s->warned[0]))
		s->warned[s->nwarned++] = key;
	memset(&d, 0, sizeof(d));
	memset(&atm, 0, sizeof(atm));
	d.warning = true;
	d.nonconf = ev->nonconf;
	if (ev->atm != NULL && (ev->atm_tl & MARS_ATM_TL_LEN) != 0) {
		atm.tl = ev->atm_tl;
		memcpy(atm.num, ev->atm, ev->atm_tl & MARS_ATM_TL_LEN);
		d.mars = &atm;
	}
	switch (ev->code) {
	case MARS_CLIENT_WARN_FLAP_CONF:
		mp_diag(&d, "failure timeout %llu ms is not longer than the "
		    "redirect interval %u ms: the member will declare its "
		    "MARS dead between two maps and register again and "
		    "again; use a failure timeout of several intervals "
		    "(RFC 2022 §5.4)", (unsigned long long)s->failure_ms,
		    ev->count);
		return;
	case MARS_CLIENT_WARN_FLAP_SEEN:
		d.endpoint = mp_current_text(s);
		mp_diag(&d, "redirect maps from %s come %u ms apart, more than "
		    "the failure timeout %llu ms: the member declares its "
		    "MARS dead between maps; use --failure-timeout of "
		    "several intervals (RFC 2022 §5.4)", d.endpoint,
		    ev->count, (unsigned long long)s->failure_ms);
		return;
	case MARS_CLIENT_WARN_MARS_ADDR:
		if (ev->count < s->nmars) {
			d.endpoint = s->mi[ev->count].text;
			mp_diag(&d, "redirect maps from %s name MARS %s, not "
			    "the address given for it (%s): its maps are not "
			    "trusted and it will be declared dead; check the "
			    "ATM address (RFC 2022 §5.4.3)", d.endpoint,
			    hexstr(ev->atm, ev->atm_tl), s->o->cluster != NULL ?
			    "cluster file" : "--atm-mars");
			return;
		}
		break;
	default:
		d.endpoint = mp_current_text(s);
		snprintf(from, sizeof(from), "%s: ", d.endpoint);
		if (ev->nonconf == MARS_NC_CHECKSUM) {
			mp_diag(&d, "%sreplies echo the mar$chksum of our "
			    "messages without recomputing it: accepted "
			    "(--no-checksum avoids it)", from);
			return;
		}
		break;
	}
	mp_diag(&d, "%s%s", from, ev->detail != NULL ? ev->detail : "");
}

/* The client's timer. */

static void
client_timer_cb(struct mars_evloop *loop, void *arg)
{
	struct mp_session *s = arg;

	mars_alarm_fired(&s->client_alarm);
	if (s->cl == NULL)
		return;
	mars_client_tick(s->cl, mars_evloop_now());
	mp_kick(s);
}

void
mp_kick(struct mp_session *s)
{
	if (s->cl != NULL)
		mars_alarm_set(s->loop, &s->client_alarm,
		    mars_client_next_deadline(s->cl), client_timer_cb, s);
}

static void
defer_cb(struct mars_evloop *loop, void *arg)
{
	struct mp_session *s = arg;
	void (*fns[8])(struct mp_session *);
	size_t i, n = s->ndeferred;

	s->defer_timer = 0;
	memcpy(fns, s->deferred, n * sizeof(fns[0]));
	s->ndeferred = 0;
	for (i = 0; i < n; i++)
		fns[i](s);
	mp_kick(s);
}

void
mp_defer(struct mp_session *s, void (*fn)(struct mp_session *))
{
	size_t i;

	for (i = 0; i < s->ndeferred; i++)
		if (s->deferred[i] == fn)
			return;
	if (s->ndeferred == sizeof(s->deferred) / sizeof(s->deferred[0]))
		return;
	s->deferred[s->ndeferred++] = fn;
	if (s->defer_timer == 0)
		s->defer_timer = mars_evloop_timer_after(s->loop, 0, defer_cb, s);
}

/* Stopping. */

static void
grace_cb(struct mars_evloop *loop, void *arg)
{
	struct mp_session *s = arg;

	s->grace_timer = 0;
	mars_evloop_stop(loop);
}

/*
 * RFC 2022 §5.2.3: leave the cluster.  The client deregisters from every
 * MARS that may hold the registration -- also in the middle of a hard
 * redirect, when the Backup that registered us holds it and the Active
 * does not yet.  Run from the loop: the client may be in a callback.
 */
static void
stop_now(struct mp_session *s)
{
	mars_time_t grace = s->o->timeout > 200 ? s->o->timeout : 200;

	if (s->cl == NULL || mars_client_deregister(s->cl,
	    mars_evloop_now()) != 0) {
		mars_evloop_stop(s->loop);
		return;
	}
	mp_kick(s);
	s->grace_timer = mars_evloop_timer_after(s->loop, grace, grace_cb, s);
}

void
mp_stop(struct mp_session *s)
{
	if (s->stopping) {
		mars_evloop_stop(s->loop);
		return;
	}
	s->stopping = true;
	mp_defer(s, stop_now);
}

void
mp_finish(struct mp_session *s, const char *why)
{
	if (s->finished) {
		mp_stop(s);
		return;
	}
	s->finished = true;
	s->ops->finish(s, why);
}

static void
signal_cb(struct mars_evloop *loop, int signo, void *arg)
{
	struct mp_session *s = arg;

	if (s->finished) {
		/* A second ^C: leave at once. */
		mars_evloop_stop(loop);
		return;
	}
	mp_finish(s, signo == SIGINT ? "interrupted" : "terminated");
}

static void
deadline_cb(struct mars_evloop *loop, void *arg)
{
	mp_finish(arg, "deadline");
}

/* The client's callbacks. */

static void
io_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
	struct mp_session *s = ctx;
	struct mars_err e;

	memset(&e, 0, sizeof(e));
	s->last_send_ns = mp_mono_ns();
	if (mars_link_send(s->link, vc, sdu, len, &e) != 0 && s->o->verbose > 0)
		mp_diag(&(struct mp_diag){ .warning = true }, "send: %s",
		    e.sys_errno != 0 ? strerror(e.sys_errno) :
		    mars_strerror(e.code));
}

static void
io_event(void *ctx, const struct mars_event *ev)
{
	struct mp_session *s = ctx;

	if (ev->kind == MARS_EV_REGISTERED)
		s->ever_registered = true;
	if (ev->kind == MARS_EV_WARNING) {
		client_warning(s, ev);
		return;
	}
	s->ops->event(s, ev);
	if (s->stopping && (ev->kind == MARS_EV_DEREGISTERED ||
	    (ev->kind == MARS_EV_GIVE_UP && s->cl != NULL &&
	    mars_client_state(s->cl) == MARS_CLIENT_IDLE)))
		mars_evloop_stop(s->loop);
}

static void
io_log(void *ctx, int level, const char *msg)
{
	struct mp_session *s = ctx;

	if (s->o->verbose >= 2)
		mp_log(level, msg);
}

/* Building the client. */

static int
make_client(struct mp_session *s, struct mars_err *err)
{
	const struct mp_opts *o = s->o;
	struct mars_client_conf conf;
	struct mars_client *cl;
	struct mars_io io;
	size_t i;

	memset(&conf, 0, sizeof(conf));
	conf.pro_type = o->pro_type;
	if (o->pro_auto && s->cl != NULL && s->ever_registered)
		/* A restart keeps what the first registration found. */
		conf.pro_type = mars_client_pro_type(s->cl);
	else if (o->pro_auto)
		conf.pro_type_alt = MARS_PRO_IPV6;
	conf.no_checksum = o->no_checksum;
	conf.own.tl = MARS_ATM_ADDR_MAX;
	memcpy(conf.own.num, s->own, MARS_ATM_ADDR_MAX);
	conf.own_pa = o->own_pa;
	conf.mars = s->mars;
	conf.nmars = s->nmars;
	if (o->failure_timeout != 0)
		conf.failure_timeout = o->failure_timeout;
	else if (o->cluster != NULL)
		conf.failure_timeout = o->cluster->failure_timeout;
	if (o->retransmit_interval != 0)
		conf.retransmit_interval = o->retransmit_interval;
	else if (o->cluster != NULL)
		conf.retransmit_interval = o->cluster->retransmit_interval;
	else if (o->mode != MODE_JOIN)
		/* A probe should not wait 10 s to retry its registration. */
		conf.retransmit_interval = o->timeout;
	conf.request_timeout = o->timeout;
	conf.request_retries = 2;
	conf.rng = &s->rng;
	if (o->cluster != NULL)
		conf.redirect_interval = o->cluster->redirect_interval;
	s->failure_ms = conf.failure_timeout != 0 ? conf.failure_timeout :
	    240000;
	for (i = 0; i < s->nmars; i++)
		s->mars[i].provisional = !s->mi[i].atm_known;

	memset(&io, 0, sizeof(io));
	io.ctx = s;
	io.send = io_send;
	io.event = io_event;
	io.log = io_log;
	if (mars_client_new(&cl, &conf, &io, err) != 0)
		return -1;
	if (s->cl != NULL)
		mars_client_free(s->cl);
	s->cl = cl;
	return 0;
}

int
mp_restart(struct mp_session *s)
{
	if (make_client(s, NULL) != 0)
		return -1;
	mars_client_start(s->cl, mars_evloop_now());
	mp_kick(s);
	return 0;
}

/* §5.4.3: a REDIRECT_MAP's mar$sha is the MARS that sent it. */
static void
learn(struct mp_session *s, const struct mars_link_rx *rx)
{
	struct mars_pdu pdu;
	const struct mars_msg *m = &pdu.u.mars;

	int rc;

	if (mp_mars_by_peer(s, rx->peer) != &s->mi[0])
		return;
	rc = mars_pdu_decode(&pdu, rx->sdu, rx->len, 0);
	/* PROTOCOL.md C8: a null mar$shtl over source octets still names it. */
	if ((rc != 0 && (rc != MARS_E_NONCONF || (m->nonconf &
	    ~(MARS_NC_NULL_SOURCE | MARS_NC_SEQXY)) != 0)) ||
	    pdu.kind != MARS_PDU_MARS || m->op != MARS_REDIRECT_MAP ||
	    (m->sha.tl & MARS_ATM_TL_LEN) == 0)
		return;
	memset(&s->mars[0].atm, 0, sizeof(s->mars[0].atm));
	s->mars[0].atm.tl = m->sha.tl;
	memcpy(s->mars[0].atm.num, m->sha.addr, m->sha.tl & MARS_ATM_TL_LEN);
	if ((m->ssa.tl & MARS_ATM_TL_LEN) != 0) {
		s->mars[0].atm.stl = m->ssa.tl;
		memcpy(s->mars[0].atm.sub, m->ssa.addr, m->ssa.tl & MARS_ATM_TL_LEN);
	}
	s->mi[0].atm_known = true;
	s->learning = false;
	if (s->ops->learned != NULL)
		s->ops->learned(s);
}

/*
 * The link asks for ICMP errors (IP_RECVERR): poll(2) reports POLLERR
 * until they are read.  One naming a MARS is reported at once, as ping
 * does, and the client learns that the VC is gone (§5.4: a registration
 * outstanding on it fails now, not after its retransmissions).
 */
static void
lost_peers(struct mp_session *s)
{
	const struct mp_mars *mm;
	struct mars_vc vc;
	uint32_t peer;
	int i;

	while (mars_link_lost(s->link, &peer) == 1) {
		if ((mm = mp_mars_by_peer(s, peer)) == NULL)
			continue;
		s->unreachable++;
		s->unreach_errno = mars_link_lost_errno(s->link);
		i = mars_index(s, mm);
		if (i < 32)
			s->unreach_mask |= 1u << i;
		if (s->ops->unreachable != NULL)
			s->ops->unreachable(s, mm,
			    unreach_text(s->unreach_errno));
		else
			mp_print_unreachable(s, mm, -1,
			    unreach_text(s->unreach_errno));
		if (s->cl != NULL) {
			vc.kind = MARS_VC_P2P;
			vc.id = peer;
			(void)mars_client_vc_lost(s->cl, mars_evloop_now(), &vc);
			mp_kick(s);
		}
	}
}

/* Before the first registration: does the MARS speak another protocol? */
static void
note_protocol(struct mp_session *s, const struct mars_link_rx *rx)
{
	struct mars_pdu pdu;
	uint16_t pro;

	if (s->cl == NULL || mars_pdu_decode(&pdu, rx->sdu, rx->len, 0) ==
	    MARS_E_NOTOURS || pdu.kind != MARS_PDU_MARS)
		return;
	pro = pdu.u.mars.pro_type;
	if (pro != mars_client_pro_type(s->cl) && !(s->o->pro_auto &&
	    pro == MARS_PRO_IPV6))
		s->other_pro = pro;
}

static void
link_cb(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	struct mp_session *s = arg;
	static uint8_t buf[MARS_LINK_DGRAM_MAX];
	struct mars_link_rx rx;
	struct mars_err e;
	struct mars_vc vc;
	uint64_t ns;
	int i, rc;

	if (revents & MARS_EVLOOP_ERROR)
		lost_peers(s);
	for (i = 0; i < 256; i++) {
		rc = mars_link_recv(s->link, buf, sizeof(buf), &rx, &e);
		if (rc == 0)
			break;
		if (rc < 0)
			continue;
		ns = mp_mono_ns();
		/* Only the MARSs we know may speak to us; forget others. */
		if (mp_mars_by_peer(s, rx.peer) == NULL) {
			(void)mars_link_peer_del(s->link, rx.peer);
			s->strangers++;
			continue;
		}
		s->heard = true;
		if (!s->ever_registered)
			note_protocol(s, &rx);
		vc = rx.vc;
		if (vc.kind == MARS_VC_CCVC)
			vc.id = rx.peer;	/* which MARS's CCVC */
		if (s->learning)
			learn(s, &rx);
		if (s->cl != NULL) {
			mars_client_input(s->cl, mars_evloop_now(), &vc, rx.sdu, rx.len);
			mp_kick(s);
		}
		if (s->ops->rx != NULL)
			s->ops->rx(s, &rx, ns);
	}
}

/* -v: what the link saw, last. */
static void
print_stats(struct mp_session *s)
{
	struct mars_link_stats st;
	struct mars_out *ob = &s->ob;

	mars_link_get_stats(s->link, &st);
	if (s->o->json) {
		mars_out_puts(ob, "{\"type\":\"stats\",\"peers\":");
		mars_out_u64(ob, mars_link_peer_count(s->link));
		mars_out_puts(ob, ",\"strangers\":");
		mars_out_u64(ob, s->strangers);
		mars_out_puts(ob, ",\"rx\":");
		mars_out_u64(ob, st.rx_dgrams);
		mars_out_puts(ob, ",\"tx\":");
		mars_out_u64(ob, st.tx_dgrams);
		mars_out_puts(ob, ",\"tx_errors\":");
		mars_out_u64(ob, st.tx_errors);
		mars_out_puts(ob, ",\"unreachable\":");
		mars_out_u64(ob, s->unreachable);
		mars_out_puts(ob, "}\n");
		return;
	}
	mars_out_puts(ob, "link: ");
	mars_out_u64(ob, mars_link_peer_count(s->link));
	mars_out_puts(ob, mars_link_peer_count(s->link) == 1 ? " peer, " :
	    " peers, ");
	mars_out_u64(ob, st.rx_dgrams);
	mars_out_puts(ob, " datagrams received (");
	mars_out_u64(ob, s->strangers);
	mars_out_puts(ob, " from strangers, dropped), ");
	mars_out_u64(ob, st.tx_dgrams);
	mars_out_puts(ob, " sent, ");
	mars_out_u64(ob, st.tx_errors);
	mars_out_puts(ob, " send errors, ");
	mars_out_u64(ob, s->unreachable);
	mars_out_puts(ob, " unreachable\n");
}

/* Setup. */

static void __attribute__((noreturn))
die(const char *what, const struct mars_err *e)
{
	char buf[256];

	if (e->code == MARS_E_SYS && e->sys_errno != 0)
		snprintf(buf, sizeof(buf), "%s%s%s", e->field != NULL ?
		    e->field : "", e->field != NULL ? ": " : "",
		    strerror(e->sys_errno));
	else if (e->why != NULL)
		snprintf(buf, sizeof(buf), "%s", e->why);
	else
		snprintf(buf, sizeof(buf), "%s", mars_strerror(e->code));
	diag_fatal(EXIT_USAGE, NULL, 0, "%s: %s", what, buf);
}

static void
add_mars(struct mp_session *s, const struct mars_endpoint *ep, const uint8_t *atm)
{
	size_t i = s->nmars++;

	s->mi[i].ep = *ep;
	mars_endpoint_format(ep, s->mi[i].text, sizeof(s->mi[i].text));
	memset(&s->mars[i], 0, sizeof(s->mars[i]));
	s->mars[i].atm.tl = MARS_ATM_ADDR_MAX;
	if (atm != NULL) {
		memcpy(s->mars[i].atm.num, atm, MARS_ATM_ADDR_MAX);
		s->mi[i].atm_known = true;
	}
}

/* Cluster entities by decreasing priority (the map order, marsd.conf(5)). */
static void
mars_from_cluster(struct mp_session *s)
{
	const struct mp_opts *o = s->o;
	const struct mars_cluster_conf *c = o->cluster;
	bool used[MARS_CONF_MARS_MAX] = { false };
	size_t i, k, best;

	if (o->has_mars_ep) {
		for (i = 0; i < c->n_mars; i++)
			if (mars_endpoint_equal(&c->mars[i].endpoint, &o->mars_ep))
				break;
		if (i == c->n_mars)
			diag_fatal(EXIT_USAGE, NULL, 0, "-m: no MARS with that endpoint in %s",
			    o->cluster_path);
		add_mars(s, &c->mars[i].endpoint, c->mars[i].atm);
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
		add_mars(s, &c->mars[best].endpoint, c->mars[best].atm);
	}
}

static void
open_link(struct mp_session *s)
{
	struct sockaddr_storage ss;
	struct mars_endpoint bind, local;
	struct mars_err e;
	socklen_t sslen;
	bool v6 = false;
	size_t i;

	for (i = 0; i < s->nmars; i++) {
		if (s->mi[i].ep.kind != MARS_ENDPOINT_UDP)
			continue;
		memset(&e, 0, sizeof(e));
		if (mars_endpoint_resolve(&s->mi[i].ep, AF_UNSPEC, false, &ss,
		    &sslen, &e) != 0)
			die(s->mi[i].text, &e);
		if (ss.ss_family == AF_INET6)
			v6 = true;
	}
	memset(&e, 0, sizeof(e));
	if (mars_endpoint_parse(&bind, v6 ? "udp:[::]:0" : "udp:0.0.0.0:0",
	    &e) != 0)
		die("bind", &e);
	if (mars_link_open(&s->link, &bind, 0, &e) != 0)
		die(s->mi[0].ep.kind == MARS_ENDPOINT_UDP ? "socket" : s->mi[0].text,
		    &e);
	for (i = 0; i < s->nmars; i++) {
		memset(&e, 0, sizeof(e));
		if (mars_link_peer_add(s->link, &s->mi[i].ep, &s->mi[i].peer,
		    &e) != 0)
			die(s->mi[i].text, &e);
		s->mars[i].vc.kind = MARS_VC_P2P;
		s->mars[i].vc.id = s->mi[i].peer;
		s->mars[i].has_ccvc = true;
		s->mars[i].ccvc_id = s->mi[i].peer;
	}
	if (s->o->has_own)
		memcpy(s->own, s->o->own, MARS_ATM_ADDR_MAX);
	else {
		/* Deterministic, and distinct for each running marsping. */
		uint32_t pid = (uint32_t)getpid();

		if (mars_link_local(s->link, &local, &e) != 0)
			die("socket", &e);
		memcpy(s->own, own_prefix, sizeof(own_prefix));
		s->own[13] = (uint8_t)(pid >> 24);
		s->own[14] = (uint8_t)(pid >> 16);
		s->own[15] = (uint8_t)(pid >> 8);
		s->own[16] = (uint8_t)pid;
		s->own[17] = (uint8_t)(local.port >> 8);
		s->own[18] = (uint8_t)local.port;
		s->own[19] = 0;
	}
}

int
mp_run(const struct mp_opts *o, const struct mp_mode_ops *ops)
{
	static struct mp_session sess;
	struct mp_session *s = &sess;
	struct mars_err e;
	char why[128];
	uint64_t seed;

	s->o = o;
	s->ops = ops;
	s->status = EXIT_NOREPLY;
	mars_out_init(&s->ob, STDOUT_FILENO, outstore, sizeof(outstore));
	s->ob.line_flush = true;

	if (o->cluster != NULL)
		mars_from_cluster(s);
	else {
		add_mars(s, &o->mars_ep, o->has_mars_atm ? o->mars_atm : NULL);
		s->learning = !o->has_mars_atm;
	}
	open_link(s);

	seed = o->has_seed ? o->seed : ((uint64_t)getpid() << 32) ^
	    mp_mono_ns();
	mars_rng_seed(&s->rng, seed);
	memset(&e, 0, sizeof(e));
	if (mars_evloop_new(&s->loop, &e) != 0)
		die("event loop", &e);
	if (mars_evloop_fd_add(s->loop, mars_link_fd(s->link), MARS_EVLOOP_READ, link_cb,
	    s) != 0 ||
	    mars_evloop_signal_add(s->loop, SIGINT, signal_cb, s) != 0 ||
	    mars_evloop_signal_add(s->loop, SIGTERM, signal_cb, s) != 0)
		diag_fatal(EXIT_USAGE, NULL, 0, "event loop setup failed");
	if (o->deadline != 0)
		mars_evloop_timer_after(s->loop, o->deadline, deadline_cb, s);

	if (make_client(s, &e) != 0) {
		mars_err_format(&e, why, sizeof(why));
		diag_fatal(EXIT_USAGE, NULL, 0, "cannot set up the cluster member: %s", why);
	}
	s->start_ns = mp_mono_ns();
	mars_client_start(s->cl, mars_evloop_now());
	ops->start(s);
	mp_kick(s);

	if (mars_evloop_run(s->loop, &e) != 0) {
		diag_error("poll: %s", strerror(e.sys_errno));
		s->status = EXIT_USAGE;
	}
	if (o->verbose > 0)
		print_stats(s);
	if (mars_out_flush(&s->ob) != 0 && s->status == 0)
		s->status = EXIT_USAGE;
	mars_client_free(s->cl);
	s->cl = NULL;
	mars_evloop_free(s->loop);
	mars_link_close(s->link);
	free(o->cluster);
	return s->status;
}
