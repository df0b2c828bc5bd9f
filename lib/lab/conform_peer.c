/*
 * The conformance suite's members (conform_int.h): one UDP lab link each
 * (mars-lab(7): one emulated VC to the MARS, and the leaf end of
 * ClusterControlVC once registered, since the MARS fans that VC out to
 * its leaves), the SDUs they receive queued in arrival order and
 * decoded, messages built with the codec, and every wait bounded.  What
 * members do with the MARS (register, join, ask) is conform_ops.c.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform_int.h"

/* 47.0005.80ffe1.0000.00, then "cf", the run's tag, the member's number. */
static const uint8_t nsap_prefix[9] = {
	0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00,
};
#define RCVBUF_WANT	(1 << 20)	/* capped by the kernel's rmem_max */

const struct mars_msg *
cf_mars(const struct cf_msg *x)
{
	if (x == NULL || x->pdu.kind != MARS_PDU_MARS ||
	    !mars_err_parsed(x->verdict))
		return NULL;
	return &x->pdu.u.mars;
}

mars_time_t
cf_now(void)
{
	return mars_evloop_now();
}

mars_time_t
cf_deadline(const struct cf_run *r)
{
	return cf_now() + r->timeout;
}

/* ---- receive queues ---- */

void
cf_msg_free(struct cf_msg *x)
{
	free(x);
}

void
cf_flush(struct cf_member *m)
{
	struct cf_msg *x;

	while ((x = m->head) != NULL) {
		m->head = x->next;
		free(x);
	}
	m->tail = &m->head;
	m->nq = 0;
}

static void
enqueue(struct cf_member *m, const struct mars_link_rx *rx)
{
	struct cf_msg *x;

	m->nrx++;
	/* Bulk members keep only what carries their own source: their
	 * registration reply and the copies of their joins. */
	if (m->discard && (rx->len < MARS_LLC_SNAP_LEN + MARS_HDR_LEN +
	    MARS_ATM_ADDR_MAX || rx->sdu[MARS_LLC_SNAP_LEN + 18] != m->atm_tl ||
	    memcmp(rx->sdu + MARS_LLC_SNAP_LEN + MARS_HDR_LEN, m->atm,
	    m->atm_tl & MARS_ATM_TL_LEN) != 0))
		return;
	if (m->keep_maps_only && (rx->len < MARS_LLC_SNAP_LEN + 18 ||
	    rx->sdu[MARS_LLC_SNAP_LEN + 17] != MARS_REDIRECT_MAP))
		return;
	if (m->nq >= CF_QUEUE_MAX || (x = malloc(sizeof(*x) +
	    rx->len)) == NULL) {
		m->overflow++;
		return;
	}
	memset(x, 0, sizeof(*x));
	x->at = cf_now();
	x->kind = rx->vc.kind;
	x->len = rx->len;
	memcpy(x->sdu, rx->sdu, rx->len);
	x->verdict = mars_pdu_decode(&x->pdu, x->sdu, x->len,
	    MARS_PDU_DEC_NOCHKSUM);
	x->cksum_ok = true;
	if (x->pdu.kind == MARS_PDU_MARS && x->len >= MARS_LLC_SNAP_LEN +
	    MARS_FIXED_LEN && (x->sdu[MARS_LLC_SNAP_LEN + 12] != 0 ||
	    x->sdu[MARS_LLC_SNAP_LEN + 13] != 0))
		x->cksum_ok = mars_cksum(x->sdu + MARS_LLC_SNAP_LEN,
		    x->len - MARS_LLC_SNAP_LEN) == 0;
	*m->tail = x;
	m->tail = &x->next;
	m->nq++;
}

static void
readable(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	struct cf_member *m = arg;
	struct cf_run *r = m->run;
	struct mars_link_rx rx;
	uint32_t peer;
	int rc, n;

	(void)loop;
	(void)fd;
	if (revents & MARS_EVLOOP_ERROR)
		while (mars_link_lost(m->link, &peer) == 1)
			if (peer == m->mars_peer)
				m->unreachable = true;
	for (n = 0; n < 256; n++) {
		rc = mars_link_recv(m->link, r->rxbuf, sizeof(r->rxbuf), &rx,
		    NULL);
		if (rc == 0)
			break;
		/* Only what the MARS sends counts; a broken datagram
		 * (bad shim) is not its message. */
		if (rc == 1 && rx.peer == m->mars_peer)
			enqueue(m, &rx);
	}
	/* Reports of a lost peer come with POLLERR; drain them too. */
	while (mars_link_lost(m->link, &peer) == 1)
		if (peer == m->mars_peer)
			m->unreachable = true;
}

/* ---- members ---- */

static void
own_numbers(struct cf_run *r, struct cf_member *m, uint32_t idx, bool e164)
{
	unsigned i;

	if (e164) {
		/* 15 IA5 digits: "99" then the tag and index in decimal,
		 * as the ATM Forum's native E.164 form carries them. */
		char d[32];

		snprintf(d, sizeof(d), "99%06u%07u", r->tag % 1000000u,
		    idx % 10000000u);
		for (i = 0; i < 15; i++)
			m->atm[i] = (uint8_t)d[i];
		m->atm_tl = MARS_ATM_TL_E164 | 15;
	} else {
		memcpy(m->atm, nsap_prefix, sizeof(nsap_prefix));
		m->atm[9] = 'c';
		m->atm[10] = 'f';
		m->atm[11] = (uint8_t)(r->tag >> 24);
		m->atm[12] = (uint8_t)(r->tag >> 16);
		m->atm[13] = (uint8_t)(r->tag >> 8);
		m->atm[14] = (uint8_t)r->tag;
		m->atm[15] = (uint8_t)(idx >> 16);
		m->atm[16] = (uint8_t)(idx >> 8);
		m->atm[17] = (uint8_t)idx;
		m->atm[18] = 0;
		m->atm[19] = 0;
		m->atm_tl = MARS_ATM_ADDR_MAX;
	}
	memset(m->pa, 0, sizeof(m->pa));
	if (r->grp_len == 4) {
		m->pa[0] = 10;
		m->pa[1] = (uint8_t)(idx >> 16);
		m->pa[2] = (uint8_t)(idx >> 8);
		m->pa[3] = (uint8_t)idx;
	} else {
		m->pa[0] = 0xfd;
		m->pa[1] = 0x63;	/* 'c' */
		m->pa[2] = 0x66;	/* 'f' */
		m->pa[12] = (uint8_t)(r->tag >> 8);
		m->pa[13] = (uint8_t)r->tag;
		m->pa[14] = (uint8_t)(idx >> 8);
		m->pa[15] = (uint8_t)idx;
	}
}

static int
open_link(struct cf_run *r, struct cf_member *m, const struct mars_endpoint *ep)
{
	struct mars_endpoint bind;
	struct mars_err err;
	int fd, want = RCVBUF_WANT;

	if (mars_endpoint_parse(&bind, r->family == AF_INET6 ? "udp:[::]:0" :
	    "udp:0.0.0.0:0", &err) != 0 ||
	    mars_link_open(&m->link, &bind, 0, &err) != 0 ||
	    mars_link_peer_add(m->link, ep, &m->mars_peer, &err) != 0) {
		snprintf(r->detail, sizeof(r->detail), "cannot open a link: "
		    "%s%s%s", err.field != NULL ? err.field : "",
		    err.field != NULL ? ": " : "", err.sys_errno != 0 ?
		    strerror(err.sys_errno) : mars_strerror(err.code));
		return -1;
	}
	fd = mars_link_fd(m->link);
	if (!m->discard)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want,
		    sizeof(want));
	if (mars_evloop_fd_add(r->loop, fd, MARS_EVLOOP_READ, readable,
	    m) != 0) {
		snprintf(r->detail, sizeof(r->detail), "event loop: no room");
		return -1;
	}
	return 0;
}

static void
close_member(struct cf_member *m)
{
	struct cf_run *r = m->run;
	struct cf_member **pp;

	for (pp = &r->members; *pp != NULL; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	if (m->link != NULL) {
		mars_evloop_fd_del(r->loop, mars_link_fd(m->link));
		mars_link_close(m->link);
	}
	cf_flush(m);
	free(m);
}

int
cf_member_new(struct cf_run *r, struct cf_member **mp, unsigned flags)
{
	return cf_member_new_at(r, mp, flags, &r->mars);
}

int
cf_member_new_at(struct cf_run *r, struct cf_member **mp, unsigned flags,
    const struct mars_endpoint *ep)
{
	struct cf_member *m;

	*mp = NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(r->detail, sizeof(r->detail), "out of memory");
		return -1;
	}
	m->run = r;
	m->tail = &m->head;
	m->elsewhere = ep != &r->mars;
	m->discard = (flags & CF_M_DISCARD) != 0;
	own_numbers(r, m, ++r->nmembers, (flags & CF_M_E164) != 0);
	m->next = r->members;
	r->members = m;
	if (open_link(r, m, ep) != 0) {
		close_member(m);
		return -1;
	}
	*mp = m;
	return 0;
}

int
cf_member_clone(struct cf_run *r, const struct cf_member *of,
    struct cf_member **mp)
{
	struct cf_member *m;

	if (cf_member_new(r, &m, 0) != 0)
		return -1;
	memcpy(m->atm, of->atm, sizeof(m->atm));
	m->atm_tl = of->atm_tl;
	memcpy(m->pa, of->pa, sizeof(m->pa));
	*mp = m;
	return 0;
}

static bool
dereg_answered(void *arg)
{
	struct cf_member **v = arg;
	struct cf_msg *x;
	const struct mars_msg *mm;
	size_t i;

	for (i = 0; v[i] != NULL; i++) {
		if (!v[i]->registered || v[i]->unreachable)
			continue;
		for (x = v[i]->head; x != NULL; x = x->next)
			if ((mm = cf_mars(x)) != NULL && mm->op == MARS_LEAVE &&
			    (mm->flags & MARS_FLAG_REGISTER) &&
			    cf_is_from(mm, v[i]))
				break;
		if (x == NULL)
			return false;
		v[i]->registered = false;
	}
	return true;
}

/*
 * Deregister the members in v (NULL-terminated) a window at a time, so
 * that the MARS's receive buffer never overflows, then forget them.
 */
static void
release(struct cf_run *r, struct cf_member **v, size_t n)
{
	struct cf_member *win[65];
	struct mars_msg msg;
	size_t i, k, w;

	for (i = 0; i < n; i += w) {
		w = n - i < 64 ? n - i : 64;
		for (k = 0; k < w; k++) {
			win[k] = v[i + k];
			win[k]->keep_maps_only = false;
			win[k]->discard = false;
			if (win[k]->registered && (!r->silent ||
			    win[k]->elsewhere) && !win[k]->unreachable) {
				cf_msg_register(win[k], &msg, MARS_LEAVE);
				(void)cf_send_msg(win[k], &msg, false);
			}
		}
		win[w] = NULL;
		if (!r->silent)
			(void)cf_wait(r, cf_deadline(r), dereg_answered, win);
	}
	for (i = 0; i < n; i++)
		close_member(v[i]);
}

void
cf_member_free(struct cf_member *m)
{
	if (m != NULL)
		release(m->run, &m, 1);
}

void
cf_members_release(struct cf_run *r, struct cf_member *mark)
{
	struct cf_member *m, **v;
	size_t n = 0, i = 0;

	for (m = r->members; m != NULL && m != mark; m = m->next)
		if (m != r->watch)
			n++;
	if (n == 0)
		return;
	if ((v = calloc(n, sizeof(*v))) == NULL) {
		while (r->members != NULL && r->members != mark &&
		    r->members != r->watch)
			close_member(r->members);
		return;
	}
	for (m = r->members; m != NULL && m != mark; m = m->next)
		if (m != r->watch)
			v[i++] = m;
	release(r, v, n);
	free(v);
}

/* ---- sending and building ---- */

int
cf_send(struct cf_member *m, const uint8_t *sdu, size_t len)
{
	struct mars_vc vc = { MARS_VC_P2P, m->mars_peer };

	return mars_link_send(m->link, &vc, sdu, len, NULL);
}

int
cf_encode(const struct mars_msg *msg, uint8_t *buf, size_t cap, size_t *len,
    bool nock)
{
	return mars_encode(msg, buf, cap, len, MARS_ENC_LLC |
	    (nock ? MARS_ENC_NOCHKSUM : 0), NULL);
}

int
cf_send_msg(struct cf_member *m, const struct mars_msg *msg, bool nock)
{
	uint8_t buf[MARS_MTU];
	size_t len;
	int rc;

	if ((rc = cf_encode(msg, buf, sizeof(buf), &len, nock)) != 0)
		return rc;
	return cf_send(m, buf, len);
}

static void
header(const struct cf_member *m, struct mars_msg *msg, uint8_t op)
{
	memset(msg, 0, sizeof(*msg));
	msg->afn = MARS_AFN_ATM;
	msg->pro_type = m->run->pro;
	msg->op = op;
	msg->sha.addr = m->atm;
	msg->sha.tl = m->atm_tl;
}

/* RFC 2022 §5.2.1: a member's JOIN/LEAVE, one pair, copy 0, msn 0. */
void
cf_msg_join(const struct cf_member *m, struct mars_msg *msg, uint8_t op,
    const uint8_t *min, const uint8_t *max, uint16_t flags, uint8_t *pairs)
{
	size_t z = m->run->grp_len;

	header(m, msg, op);
	msg->spa.addr = m->pa;
	msg->spa.len = (uint8_t)z;
	msg->grp_len = (uint8_t)z;
	msg->pnum = 1;
	msg->flags = flags;
	memcpy(pairs, min, z);
	memcpy(pairs + z, max, z);
	msg->list = pairs;
}

/*
 * RFC 2022 §5.2.3: (de)registration, register = 1, no pairs (pnum 0,
 * PROTOCOL.md C3), a null source protocol address (allowed).
 */
void
cf_msg_register(const struct cf_member *m, struct mars_msg *msg, uint8_t op)
{
	header(m, msg, op);
	msg->grp_len = m->run->grp_len;
	msg->flags = MARS_FLAG_REGISTER;
}

/* RFC 2022 §5.1.2: target hardware address null, mar$tpln the group's. */
void
cf_msg_request(const struct cf_member *m, struct mars_msg *msg,
    const uint8_t *group)
{
	header(m, msg, MARS_REQUEST);
	msg->spa.addr = m->pa;
	msg->spa.len = m->run->grp_len;
	msg->tpa.addr = group;
	msg->tpa.len = m->run->grp_len;
}

void
cf_range(struct cf_run *r, uint8_t *base)
{
	uint32_t n = r->nranges++;

	memset(base, 0, r->grp_len);
	if (r->grp_len == 4) {
		/* 239.128/9, organisation-local scope (RFC 2365) */
		base[0] = 239;
		base[1] = (uint8_t)(128 + ((r->tag + (n >> 8)) & 0x7f));
		base[2] = (uint8_t)n;
	} else {
		base[0] = 0xff;
		base[1] = 0x18;		/* organisation-local */
		base[10] = (uint8_t)(r->tag >> 8);
		base[11] = (uint8_t)r->tag;
		base[12] = (uint8_t)(n >> 16);
		base[13] = (uint8_t)(n >> 8);
		base[14] = (uint8_t)n;
	}
}

void
cf_group_at(const struct cf_run *r, const uint8_t *base, unsigned k,
    uint8_t *g)
{
	memcpy(g, base, r->grp_len);
	g[r->grp_len - 1] = (uint8_t)k;
}

bool
cf_is_from(const struct mars_msg *msg, const struct cf_member *m)
{
	size_t n = m->atm_tl & MARS_ATM_TL_LEN;

	return msg->sha.tl == m->atm_tl && msg->sha.addr != NULL &&
	    memcmp(msg->sha.addr, m->atm, n) == 0 && msg->ssa.tl == 0;
}

bool
cf_pair_is(const struct cf_run *r, const struct mars_msg *msg, unsigned i,
    const uint8_t *min, const uint8_t *max)
{
	const uint8_t *a, *b;

	if (mars_op_family(msg->op) != MARS_FAM_C || i >= msg->pnum ||
	    msg->grp_len != r->grp_len)
		return false;
	mars_pair(msg, i, &a, &b);
	return memcmp(a, min, r->grp_len) == 0 &&
	    memcmp(b, max, r->grp_len) == 0;
}

/* ---- waiting ---- */

bool
cf_wait(struct cf_run *r, mars_time_t deadline, bool (*pred)(void *),
    void *arg)
{
	mars_time_t now;

	for (;;) {
		if (pred != NULL && pred(arg))
			return true;
		now = cf_now();
		if (now >= deadline)
			return pred == NULL;
		if (mars_evloop_run_once(r->loop, (int)(deadline - now >
		    1000 ? 1000 : deadline - now), NULL) < 0)
			return false;
	}
}

void
cf_settle(struct cf_run *r, mars_time_t ms)
{
	(void)cf_wait(r, cf_now() + ms, NULL, NULL);
}

struct take_arg {
	struct cf_member *m;
	bool		(*match)(const struct cf_msg *, const void *);
	const void	*arg;
	struct cf_msg	*found;
	struct cf_msg	**at;
};

static bool
take_pred(void *arg)
{
	struct take_arg *t = arg;
	struct cf_msg **pp;

	for (pp = &t->m->head; *pp != NULL; pp = &(*pp)->next)
		if (t->match == NULL || t->match(*pp, t->arg)) {
			t->found = *pp;
			t->at = pp;
			return true;
		}
	return t->m->unreachable;
}

struct cf_msg *
cf_take(struct cf_run *r, struct cf_member *m, mars_time_t deadline,
    bool (*match)(const struct cf_msg *, const void *), const void *arg)
{
	struct take_arg t = { m, match, arg, NULL, NULL };
	struct cf_msg *x;

	if (!cf_wait(r, deadline, take_pred, &t) || t.found == NULL)
		return NULL;
	x = t.found;
	*t.at = x->next;
	if (m->tail == &x->next)
		m->tail = t.at;
	m->nq--;
	x->next = NULL;
	return x;
}

struct cf_msg *
cf_first(struct cf_run *r, struct cf_member *m, mars_time_t deadline)
{
	return cf_take(r, m, deadline, NULL, NULL);
}

struct op_arg {
	uint8_t	 op;
	uint8_t	 kind;
};

static bool
match_op(const struct cf_msg *x, const void *arg)
{
	const struct op_arg *a = arg;
	const struct mars_msg *m = cf_mars(x);

	return m != NULL && m->op == a->op && (a->kind == 0 ||
	    x->kind == a->kind);
}

struct cf_msg *
cf_take_op(struct cf_run *r, struct cf_member *m, mars_time_t deadline,
    uint8_t op, uint8_t kind)
{
	struct op_arg a = { op, kind };

	return cf_take(r, m, deadline, match_op, &a);
}
