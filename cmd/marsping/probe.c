/*
 * Request mode: MARS_REQUEST for GROUP every -i, answered by MARS_MULTI
 * (possibly in parts) or MARS_NAK (RFC 2022 §5.1.1, §5.1.2), timed like
 * ping.  The client state machine registers us first (§6.1.1: a MARS
 * ignores REQUESTs from unregistered nodes) and keeps us a member; the
 * probes themselves are built and matched here, because a ping must time
 * each request and count a late reply as loss, where the client would
 * retry and, after its retries, declare the MARS failed (§5.4).
 *
 * Replies carry no request identifier: MULTI and NAK copy the REQUEST's
 * source fields and group (§5.1.2), so a reply answers the oldest request
 * still waiting; one arriving when none waits is late and not counted.
 * An ICMP error for a request (the MARS's port is closed) is reported at
 * once and counts as an error, as ping counts them; when it comes before
 * any registration and every MARS is unreachable, there is nobody to ask
 * and the run ends.
 *
 * Every request is the same message, so its checksum is known: a reply
 * that echoes it stale (a server that edits the request into its reply
 * without recomputing, PROTOCOL.md C10) is accepted with a warning;
 * another bad checksum is dropped.  --no-checksum sends 0 (§4.3.3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mars/msg.h"
#include "mars/pdu.h"
#include "cli/rttstat.h"

#include "cli/diag.h"
#include "marsping.h"

#define PENDING_MAX	64	/* requests waiting for a reply */
#define MEMBERS_KEPT	4096	/* member addresses kept for printing */

struct pending {
	uint64_t		 seq;
	uint64_t		 sent_ns;
	mars_timer_id		 timer;
};

static struct {
	uint64_t		 seq;		/* last sent */
	uint64_t		 sent;
	uint64_t		 replies;
	uint64_t		 naks;
	uint64_t		 late;
	uint64_t		 errors;	/* ICMP errors for requests */
	uint16_t		 req_sum;	/* mar$chksum of our REQUEST */
	bool			 echo_warned;
	struct pending		 pend[PENDING_MAX];
	size_t			 npend;
	struct rttstat		 rtt;
	mars_timer_id		 next_timer;
	bool			 started;	/* first probe scheduled */
	bool			 done_sending;
	uint64_t		 first_ns;
	/* MULTI reassembly (§5.1.1). */
	bool			 assembling;
	uint16_t		 next_y;
	uint32_t		 msn;
	bool			 broken;
	uint32_t		 nmembers;
	struct mars_client_atm	 *members;
	size_t			 kept;
} P;

static void	probe_send(struct mars_evloop *, void *);

/* §5.1.2: REQUEST with our source fields and the group in mar$tpa. */
static int
encode_request(struct mp_session *s, uint8_t *buf, size_t cap, size_t *len)
{
	const struct mp_opts *o = s->o;
	struct mars_msg m;
	struct mars_err e;

	memset(&m, 0, sizeof(m));
	m.afn = MARS_AFN_ATM;
	m.pro_type = o->pro_type;
	m.op = MARS_REQUEST;
	m.sha.addr = s->own;
	m.sha.tl = MARS_ATM_ADDR_MAX;
	if (o->own_pa.len != 0) {
		m.spa.addr = o->own_pa.addr;
		m.spa.len = o->own_pa.len;
	}
	m.tpa.addr = o->group.addr;
	m.tpa.len = o->group.len;
	memset(&e, 0, sizeof(e));
	if (mars_encode(&m, buf, cap, len, MARS_ENC_LLC |
	    (o->no_checksum ? MARS_ENC_NOCHKSUM : 0), &e) != 0)
		return -1;
	P.req_sum = (uint16_t)(buf[MARS_LLC_SNAP_LEN + 12] << 8 |
	    buf[MARS_LLC_SNAP_LEN + 13]);
	return 0;
}

static void
print_timeout(struct mp_session *s, uint64_t seq)
{
	struct mars_out *ob = &s->ob;

	if (s->o->quiet)
		return;
	if (s->o->json) {
		mars_out_puts(ob, "{\"type\":\"timeout\",\"seq\":");
		mars_out_u64(ob, seq);
		mars_out_puts(ob, ",\"endpoint\":");
		mars_out_json_str(ob, mp_current_text(s));
		mars_out_puts(ob, ",\"group\":");
		mp_json_pa(ob, s->o->group.addr, s->o->group.len);
		mars_out_puts(ob, ",\"timeout_ms\":");
		mars_out_u64(ob, s->o->timeout);
		mars_out_puts(ob, "}\n");
	} else {
		mars_out_puts(ob, "no reply for ");
		mp_text_pa(ob, s->o->group.addr, s->o->group.len);
		mars_out_puts(ob, " seq=");
		mars_out_u64(ob, seq);
		mars_out_puts(ob, " within ");
		mars_out_u64(ob, s->o->timeout);
		mars_out_puts(ob, " ms\n");
	}
}

static void
maybe_done(struct mp_session *s)
{
	if (P.done_sending && P.npend == 0)
		mp_finish(s, "count");
}

static void
pending_pop(size_t i)
{
	memmove(&P.pend[i], &P.pend[i + 1],
	    (P.npend - i - 1) * sizeof(P.pend[0]));
	P.npend--;
}

static void
timeout_cb(struct mars_evloop *loop, void *arg)
{
	struct mp_session *s = arg;
	uint64_t seq;

	if (P.npend == 0)
		return;
	/* Timers fire in deadline order, which is send order. */
	seq = P.pend[0].seq;
	pending_pop(0);
	print_timeout(s, seq);
	maybe_done(s);
}

static void
schedule_next(struct mp_session *s)
{
	if (s->o->count != 0 && P.sent >= s->o->count) {
		P.done_sending = true;
		maybe_done(s);
		return;
	}
	P.next_timer = mars_evloop_timer_after(s->loop, s->o->interval, probe_send,
	    s);
}

static void
probe_send(struct mars_evloop *loop, void *arg)
{
	struct mp_session *s = arg;
	uint8_t buf[512];
	struct mars_err e;
	size_t len;

	P.next_timer = 0;
	if (s->finished)
		return;
	if (P.npend == PENDING_MAX) {
		/* -W much longer than -i: the oldest counts as lost now. */
		mars_evloop_timer_cancel(loop, P.pend[0].timer);
		timeout_cb(loop, s);
	}
	if (encode_request(s, buf, sizeof(buf), &len) != 0) {
		diag_error("cannot encode MARS_REQUEST");
		s->status = EXIT_USAGE;
		mp_stop(s);
		return;
	}
	P.seq++;
	P.sent++;
	P.pend[P.npend].seq = P.seq;
	P.pend[P.npend].sent_ns = mp_mono_ns();
	if (P.first_ns == 0)
		P.first_ns = P.pend[P.npend].sent_ns;
	P.pend[P.npend].timer = mars_evloop_timer_after(loop, s->o->timeout,
	    timeout_cb, s);
	P.npend++;
	memset(&e, 0, sizeof(e));
	if (mars_link_send(s->link, mp_current_vc(s), buf, len, &e) != 0 &&
	    s->o->verbose > 0)
		mp_diag(&(struct mp_diag){ .warning = true }, "send: %s",
		    e.sys_errno != 0 ? strerror(e.sys_errno) :
		    mars_strerror(e.code));
	schedule_next(s);
}

static void
first_probe(struct mp_session *s)
{
	if (P.started || s->finished)
		return;
	P.started = true;
	if (P.next_timer != 0)
		mars_evloop_timer_cancel(s->loop, P.next_timer);
	P.next_timer = mars_evloop_timer_after(s->loop, 0, probe_send, s);
}

/* Not registered within -W: probe anyway, the losses will show it. */
static void
register_wait_cb(struct mars_evloop *loop, void *arg)
{
	struct mp_session *s = arg;

	if (!P.started) {
		P.next_timer = 0;
		if (!s->o->quiet)
			mp_diag(&(struct mp_diag){ .warning = true,
			    .endpoint = mp_current_text(s) },
			    "no registration with %s yet; asking anyway",
			    mp_current_text(s));
		first_probe(s);
	}
}

static void
probe_start(struct mp_session *s)
{
	rttstat_init(&P.rtt);
	P.members = calloc(MEMBERS_KEPT, sizeof(*P.members));
	if (P.members == NULL)
		diag_fatal(EXIT_USAGE, NULL, 0, "out of memory");
	if (!s->o->quiet && !s->o->json) {
		mars_out_puts(&s->ob, "MARSPING ");
		mp_text_pa(&s->ob, s->o->group.addr, s->o->group.len);
		mars_out_puts(&s->ob, " via ");
		mars_out_puts(&s->ob, s->mi[0].text);
		mars_out_puts(&s->ob, " as ");
		mars_out_hex(&s->ob, s->own, MARS_ATM_ADDR_MAX);
		mars_out_putc(&s->ob, '\n');
	}
	P.next_timer = mars_evloop_timer_after(s->loop, s->o->timeout,
	    register_wait_cb, s);
}

static void
probe_event(struct mp_session *s, const struct mars_event *ev)
{
	if (ev->kind == MARS_EV_REGISTERED)
		mp_defer(s, first_probe);
}

static void
print_reply(struct mp_session *s, const struct mars_msg *m, uint64_t seq,
    double ms, const char *from)
{
	const struct mp_opts *o = s->o;
	struct mars_out *ob = &s->ob;
	bool nak = m->op == MARS_NAK;
	size_t i;

	if (o->quiet)
		return;
	if (o->json) {
		mars_out_puts(ob, "{\"type\":\"reply\",\"op\":");
		mars_out_json_str(ob, nak ? "MARS_NAK" : "MARS_MULTI");
		mars_out_puts(ob, ",\"seq\":");
		mars_out_u64(ob, seq);
		mars_out_puts(ob, ",\"endpoint\":");
		mars_out_json_str(ob, from);
		mars_out_puts(ob, ",\"mars\":");
		mp_json_atm(ob, mp_current_atm(s));
		mars_out_puts(ob, ",\"group\":");
		mp_json_pa(ob, o->group.addr, o->group.len);
		mars_out_puts(ob, ",\"tnum\":");
		mars_out_u64(ob, nak ? 0 : P.nmembers);
		mars_out_puts(ob, ",\"members\":[");
		for (i = 0; !nak && i < P.kept; i++) {
			if (i > 0)
				mars_out_putc(ob, ',');
			mp_json_atm(ob, &P.members[i]);
		}
		/* A NAK carries no mar$msn (§5.1.2): null, not 0. */
		mars_out_puts(ob, "],\"csn\":");
		if (nak)
			mars_out_puts(ob, "null");
		else
			mars_out_u64(ob, m->msn);
		mars_out_puts(ob, ",\"incomplete\":");
		mars_out_puts(ob, !nak && P.broken ? "true" : "false");
		mars_out_puts(ob, ",\"rtt_ms\":");
		mp_ms(ob, ms);
		mars_out_puts(ob, "}\n");
		return;
	}
	mars_out_puts(ob, nak ? "NAK from " : "MULTI from ");
	mars_out_puts(ob, from);
	mars_out_puts(ob, ": ");
	mp_text_pa(ob, o->group.addr, o->group.len);
	if (nak)
		mars_out_puts(ob, " no members");
	else {
		mars_out_puts(ob, " -> ");
		mars_out_u64(ob, P.nmembers);
		mars_out_puts(ob, P.nmembers == 1 ? " member" : " members");
		if (P.broken)
			mars_out_puts(ob, " (incomplete)");
	}
	mars_out_puts(ob, " seq=");
	mars_out_u64(ob, seq);
	mars_out_puts(ob, " time=");
	mp_ms(ob, ms);
	mars_out_puts(ob, " ms\n");
	for (i = 0; o->verbose > 0 && !nak && i < P.kept; i++) {
		mars_out_puts(ob, "    ");
		mp_text_atm(ob, &P.members[i]);
		mars_out_putc(ob, '\n');
	}
}

static void
reply_done(struct mp_session *s, const struct mars_msg *m, uint64_t ns,
    uint32_t peer)
{
	const struct mp_mars *mm = mp_mars_by_peer(s, peer);
	uint64_t rtt;

	if (P.npend == 0) {
		P.late++;
		return;
	}
	rtt = ns > P.pend[0].sent_ns ? ns - P.pend[0].sent_ns : 0;
	mars_evloop_timer_cancel(s->loop, P.pend[0].timer);
	P.replies++;
	if (m->op == MARS_NAK)
		P.naks++;
	rttstat_add(&P.rtt, rtt);
	print_reply(s, m, P.pend[0].seq, (double)rtt / 1e6,
	    mm != NULL ? mm->text : "?");
	pending_pop(0);
	maybe_done(s);
}

/* One MULTI part: gather the members until the last part (§5.1.1). */
static bool
multi_part(const struct mars_msg *m)
{
	struct mars_atm tha, tsa;
	uint16_t y = m->seqxy & MARS_SEQ_PART;
	unsigned i;

	if (y == 1 || !P.assembling) {
		P.assembling = true;
		P.broken = y != 1;
		P.nmembers = 0;
		P.kept = 0;
		P.msn = m->msn;
	} else if (y != P.next_y || m->msn != P.msn)
		P.broken = true;
	P.next_y = (uint16_t)(y + 1);
	for (i = 0; i < m->tnum; i++) {
		P.nmembers++;
		if (P.kept == MEMBERS_KEPT)
			continue;
		mars_target(m, i, &tha, &tsa);
		memset(&P.members[P.kept], 0, sizeof(P.members[0]));
		P.members[P.kept].tl = tha.tl;
		if ((tha.tl & MARS_ATM_TL_LEN) != 0)
			memcpy(P.members[P.kept].num, tha.addr,
			    tha.tl & MARS_ATM_TL_LEN);
		P.kept++;
	}
	if (!(m->seqxy & MARS_SEQ_LAST))
		return false;
	P.assembling = false;
	return true;
}

/* PROTOCOL.md C10: our REQUEST's checksum, echoed; said once. */
static bool
stale_echo(struct mp_session *s, int rc, const struct mars_msg *m)
{
	if (rc != MARS_E_CHKSUM || m->nonconf != MARS_NC_CHECKSUM ||
	    m->chksum == 0 || m->chksum != P.req_sum)
		return false;
	if (!P.echo_warned) {
		P.echo_warned = true;
		mp_diag(&(struct mp_diag){ .warning = true,
		    .nonconf = MARS_NC_CHECKSUM, .mars = mp_current_atm(s),
		    .endpoint = mp_current_text(s) },
		    "%s: replies echo the mar$chksum of our MARS_REQUEST "
		    "without recomputing it: accepted (--no-checksum avoids it)",
		    mp_current_text(s));
	}
	return true;
}

static void
probe_rx(struct mp_session *s, const struct mars_link_rx *rx, uint64_t ns)
{
	const struct mp_opts *o = s->o;
	struct mars_pdu pdu;
	const struct mars_msg *m = &pdu.u.mars;
	int rc;

	if (s->finished)
		return;
	/* §5.1.1: replies come back on the VC the question went on. */
	if (rx->vc.kind != MARS_VC_P2P)
		return;
	rc = mars_pdu_decode(&pdu, rx->sdu, rx->len, 0);
	if (pdu.kind != MARS_PDU_MARS || (rc != 0 && !stale_echo(s, rc, m)) ||
	    (m->op != MARS_MULTI && m->op != MARS_NAK))
		return;
	/* §5.1.2: our source address and our group, copied back. */
	if ((m->sha.tl & MARS_ATM_TL_LEN) != MARS_ATM_ADDR_MAX ||
	    memcmp(m->sha.addr, s->own, MARS_ATM_ADDR_MAX) != 0 ||
	    m->tpa.len != o->group.len ||
	    memcmp(m->tpa.addr, o->group.addr, o->group.len) != 0)
		return;
	if (m->op == MARS_NAK) {
		P.nmembers = 0;
		P.kept = 0;
		P.broken = false;
		reply_done(s, m, ns, rx->peer);
	} else if (multi_part(m))
		reply_done(s, m, ns, rx->peer);
}

static void
print_summary(struct mp_session *s)
{
	const struct mp_opts *o = s->o;
	struct mars_out *ob = &s->ob;
	struct rttstat_summary sum;
	double loss = rttstat_loss_pct(P.sent, P.replies);
	uint64_t total = P.first_ns != 0 ? mp_mono_ns() - P.first_ns : 0;

	rttstat_summary(&P.rtt, &sum);
	if (o->json) {
		mars_out_puts(ob, "{\"type\":\"summary\",\"group\":");
		mp_json_pa(ob, o->group.addr, o->group.len);
		mars_out_puts(ob, ",\"endpoint\":");
		mars_out_json_str(ob, mp_current_text(s));
		mars_out_puts(ob, ",\"mars\":");
		mp_json_atm(ob, mp_current_atm(s));
		mars_out_puts(ob, ",\"sent\":");
		mars_out_u64(ob, P.sent);
		mars_out_puts(ob, ",\"replies\":");
		mars_out_u64(ob, P.replies);
		mars_out_puts(ob, ",\"naks\":");
		mars_out_u64(ob, P.naks);
		mars_out_puts(ob, ",\"late\":");
		mars_out_u64(ob, P.late);
		mars_out_puts(ob, ",\"errors\":");
		mars_out_u64(ob, P.errors);
		mars_out_puts(ob, ",\"loss_pct\":");
		mars_out_printf(ob, "%.1f", loss);
		mars_out_puts(ob, ",\"time_ms\":");
		mars_out_u64(ob, total / 1000000);
		if (sum.n > 0) {
			mars_out_puts(ob, ",\"min_ms\":");
			mp_ms(ob, sum.min_ms);
			mars_out_puts(ob, ",\"avg_ms\":");
			mp_ms(ob, sum.avg_ms);
			mars_out_puts(ob, ",\"max_ms\":");
			mp_ms(ob, sum.max_ms);
			mars_out_puts(ob, ",\"mdev_ms\":");
			mp_ms(ob, sum.mdev_ms);
		} else
			mars_out_puts(ob, ",\"min_ms\":null,\"avg_ms\":null,"
			    "\"max_ms\":null,\"mdev_ms\":null");
		mars_out_puts(ob, "}\n");
		return;
	}
	mars_out_puts(ob, "\n--- ");
	mp_text_pa(ob, o->group.addr, o->group.len);
	mars_out_puts(ob, " marsping statistics ---\n");
	mars_out_u64(ob, P.sent);
	mars_out_puts(ob, P.sent == 1 ? " request sent, " : " requests sent, ");
	mars_out_u64(ob, P.replies);
	mars_out_puts(ob, P.replies == 1 ? " reply (" : " replies (");
	mars_out_u64(ob, P.naks);
	mars_out_puts(ob, P.naks == 1 ? " NAK), " : " NAKs), ");
	if (P.errors > 0) {
		mars_out_putc(ob, '+');
		mars_out_u64(ob, P.errors);
		mars_out_puts(ob, P.errors == 1 ? " error, " : " errors, ");
	}
	mars_out_printf(ob, "%g%% loss, time ", loss);
	mars_out_u64(ob, total / 1000000);
	mars_out_puts(ob, " ms\n");
	if (sum.n > 0) {
		mars_out_puts(ob, "rtt min/avg/max/mdev = ");
		mp_ms(ob, sum.min_ms);
		mars_out_putc(ob, '/');
		mp_ms(ob, sum.avg_ms);
		mars_out_putc(ob, '/');
		mp_ms(ob, sum.max_ms);
		mars_out_putc(ob, '/');
		mp_ms(ob, sum.mdev_ms);
		mars_out_puts(ob, " ms\n");
	}
}

static void
probe_finish(struct mp_session *s, const char *why)
{
	size_t i;

	if (P.next_timer != 0)
		mars_evloop_timer_cancel(s->loop, P.next_timer);
	P.next_timer = 0;
	/* Still waiting at a deadline or ^C: those are lost too. */
	for (i = 0; i < P.npend; i++)
		mars_evloop_timer_cancel(s->loop, P.pend[i].timer);
	P.npend = 0;
	print_summary(s);
	s->status = P.replies > 0 ? 0 : EXIT_NOREPLY;
	free(P.members);
	P.members = NULL;
	P.kept = 0;
	mp_stop(s);
}

/*
 * ICMP for the MARS: the newest request still waiting bounced (ping's
 * "Destination Port Unreachable"); before any registration it was the
 * registration, and with every MARS unreachable nobody can answer.
 */
static void
probe_unreachable(struct mp_session *s, const struct mp_mars *mm,
    const char *why)
{
	size_t i;

	if (s->finished)
		return;
	if (P.npend > 0) {
		i = P.npend - 1;
		mars_evloop_timer_cancel(s->loop, P.pend[i].timer);
		mp_print_unreachable(s, mm, (int64_t)P.pend[i].seq, why);
		P.errors++;
		pending_pop(i);
		maybe_done(s);
		return;
	}
	if (s->ever_registered)
		return;
	mp_print_unreachable(s, mm, -1, why);
	if (mp_all_unreachable(s)) {
		mp_no_answer(s, "registration");
		mp_finish(s, "unreachable");
	}
}

/* The MARS named itself: restart the member with its address. */
static void
probe_learned(struct mp_session *s)
{
	mp_restart(s);
}

const struct mp_mode_ops probe_ops = {
	.start = probe_start,
	.event = probe_event,
	.rx = probe_rx,
	.finish = probe_finish,
	.learned = probe_learned,
	.unreachable = probe_unreachable,
};
