/*
 * The conformance suite's members (conform_int.h): one UDP lab link each
 * (mars-lab(7): one emulated VC to the MARS, and the leaf end of
 * ClusterControlVC once registered, since the MARS fans that VC out to
 * its leaves), the SDUs they receive queued in arrival order and
 * decoded, messages built with the codec, and every wait bounded.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform_int.h"

/* 47.0005.80ffe1.0000.00 "conf": the suite's own NSAP prefix. */
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

/* ---- verdicts and details ---- */

static int
vset(struct cf_run *r, int verdict, const char *fmt, va_list ap)
{
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	return verdict;
}

int
cf_fail(struct cf_run *r, const char *fmt, ...)
{
	va_list ap;
	int v;

	va_start(ap, fmt);
	v = vset(r, MARS_CONFORM_FAIL, fmt, ap);
	va_end(ap);
	return v;
}

int
cf_skip(struct cf_run *r, const char *fmt, ...)
{
	va_list ap;
	int v;

	va_start(ap, fmt);
	v = vset(r, MARS_CONFORM_SKIP, fmt, ap);
	va_end(ap);
	return v;
}

void
cf_note(struct cf_run *r, const char *fmt, ...)
{
	size_t n = strlen(r->detail);
	va_list ap;

	if (n + 1 >= sizeof(r->detail))
		return;
	va_start(ap, fmt);
	vsnprintf(r->detail + n, sizeof(r->detail) - n, fmt, ap);
	va_end(ap);
}

int
cf_skip_unregistered(struct cf_run *r)
{
	char why[CF_DETAIL_MAX];

	snprintf(why, sizeof(why), "%s", r->detail);
	return cf_skip(r, "cannot register a member: %s", why);
}

void
cf_hex(const uint8_t *p, size_t n, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o + 3 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", p[i]);
}

void
cf_group_text(const struct cf_run *r, const uint8_t *g, char *buf, size_t len)
{
	if (r->grp_len == 4)
		snprintf(buf, len, "%u.%u.%u.%u", g[0], g[1], g[2], g[3]);
	else
		cf_hex(g, r->grp_len, buf, len);
}

static const char *
kind_name(uint8_t kind)
{
	return mars_vc_kind_name(kind);
}

void
cf_describe(const struct cf_msg *x, char *buf, size_t len)
{
	const struct mars_msg *m = cf_mars(x);
	const char *op;
	char e[128];

	if (m == NULL) {
		if (x->pdu.kind != MARS_PDU_MARS)
			snprintf(buf, len, "a %zu-octet %s SDU on %s", x->len,
			    mars_pdu_kind_name(x->pdu.kind), kind_name(x->kind));
		else {
			mars_err_format(&x->pdu.err, e, sizeof(e));
			snprintf(buf, len, "a malformed MARS message on %s "
			    "(%s)", kind_name(x->kind), e);
		}
		return;
	}
	op = mars_op_name(m->op);
	switch (mars_op_family(m->op)) {
	case MARS_FAM_C:
		snprintf(buf, len, "%s on %s (copy=%d register=%d punched=%d "
		    "pnum=%u cmi=%u msn=%u)", op, kind_name(x->kind),
		    (m->flags & MARS_FLAG_COPY) != 0,
		    (m->flags & MARS_FLAG_REGISTER) != 0,
		    (m->flags & MARS_FLAG_PUNCHED) != 0, m->pnum, m->cmi,
		    m->msn);
		break;
	case MARS_FAM_B:
	case MARS_FAM_B1:
	case MARS_FAM_B2:
		snprintf(buf, len, "%s on %s (tnum=%u seqxy=0x%04x msn=%u)",
		    op, kind_name(x->kind), m->tnum, m->seqxy, m->msn);
		break;
	default:
		snprintf(buf, len, "%s on %s", op != NULL ? op : "?",
		    kind_name(x->kind));
		break;
	}
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

/* ---- registration ---- */

static bool
match_reg(const struct cf_msg *x, const void *arg)
{
	const struct cf_member *m = arg;
	const struct mars_msg *mm = cf_mars(x);

	return mm != NULL && mm->op == MARS_JOIN &&
	    (mm->flags & MARS_FLAG_REGISTER) && cf_is_from(mm, m);
}

static void
remember(struct cf_run *r, const struct cf_member *m, uint16_t cmi)
{
	size_t i;

	for (i = 0; i < r->nregs; i++)
		if (r->regs[i].atm_tl == m->atm_tl &&
		    memcmp(r->regs[i].atm, m->atm, MARS_ATM_ADDR_MAX) == 0)
			break;
	if (i == r->nregs) {
		if (r->nregs == CF_REGS_MAX)
			return;
		r->nregs++;
	}
	memcpy(r->regs[i].atm, m->atm, MARS_ATM_ADDR_MAX);
	r->regs[i].atm_tl = m->atm_tl;
	r->regs[i].cmi = cmi;
}

int
cf_register(struct cf_run *r, struct cf_member *m, struct cf_msg **reply)
{
	struct mars_msg msg;
	struct cf_msg *x;
	uint64_t before = m->nrx;

	if (reply != NULL)
		*reply = NULL;
	if (r->silent && !m->elsewhere) {
		snprintf(r->detail, sizeof(r->detail), "%s", r->silent_why);
		return -1;
	}
	cf_msg_register(m, &msg, MARS_JOIN);
	if (cf_send_msg(m, &msg, false) != 0) {
		snprintf(r->detail, sizeof(r->detail), "cannot send the "
		    "registration MARS_JOIN");
		return -1;
	}
	x = cf_take(r, m, cf_deadline(r), match_reg, m);
	if (x == NULL && m->elsewhere) {
		snprintf(r->detail, sizeof(r->detail), "%s",
		    m->unreachable ? "nothing listens there (ICMP port "
		    "unreachable)" : m->nrx == before ? "no answer at all" :
		    "no registration reply");
		return -1;
	}
	if (x == NULL) {
		if (m->unreachable) {
			snprintf(r->silent_why, sizeof(r->silent_why),
			    "nothing listens at the MARS's endpoint (ICMP "
			    "port unreachable)");
			r->silent = true;
		} else if (m->nrx == before) {
			snprintf(r->silent_why, sizeof(r->silent_why),
			    "no answer at all to a registration MARS_JOIN "
			    "within %llu ms", (unsigned long long)r->timeout);
			r->silent = true;
		}
		if (r->silent)
			snprintf(r->detail, sizeof(r->detail), "%s",
			    r->silent_why);
		else
			snprintf(r->detail, sizeof(r->detail), "no "
			    "registration reply (MARS_JOIN with register = 1 "
			    "and our source) within %llu ms; %llu other "
			    "SDUs came", (unsigned long long)r->timeout,
			    (unsigned long long)(m->nrx - before));
		return -1;
	}
	m->registered = true;
	m->cmi = x->pdu.u.mars.cmi;
	m->reg_msn = x->pdu.u.mars.msn;
	remember(r, m, m->cmi);
	if (reply != NULL)
		*reply = x;
	else
		cf_msg_free(x);
	return 0;
}

int
cf_registered(struct cf_run *r, struct cf_member **mp)
{
	*mp = NULL;
	if (r->silent) {
		snprintf(r->detail, sizeof(r->detail), "%s", r->silent_why);
		return -1;
	}
	if (cf_member_new(r, mp, 0) != 0)
		return -1;
	return cf_register(r, *mp, NULL);
}

static bool
match_dereg(const struct cf_msg *x, const void *arg)
{
	const struct cf_member *m = arg;
	const struct mars_msg *mm = cf_mars(x);

	return mm != NULL && mm->op == MARS_LEAVE &&
	    (mm->flags & MARS_FLAG_REGISTER) && cf_is_from(mm, m);
}

int
cf_deregister(struct cf_run *r, struct cf_member *m, struct cf_msg **reply)
{
	struct mars_msg msg;
	struct cf_msg *x;

	if (reply != NULL)
		*reply = NULL;
	cf_msg_register(m, &msg, MARS_LEAVE);
	if (cf_send_msg(m, &msg, false) != 0) {
		snprintf(r->detail, sizeof(r->detail), "cannot send the "
		    "deregistration MARS_LEAVE");
		return -1;
	}
	x = cf_take(r, m, cf_deadline(r), match_dereg, m);
	if (x == NULL) {
		snprintf(r->detail, sizeof(r->detail), "no reply to the "
		    "deregistration MARS_LEAVE (register = 1) within %llu ms",
		    (unsigned long long)r->timeout);
		return -1;
	}
	m->registered = false;
	if (reply != NULL)
		*reply = x;
	else
		cf_msg_free(x);
	return 0;
}

/* ---- joins and requests ---- */

struct copy_arg {
	const struct cf_member *m;
	const struct cf_run *r;
	uint8_t		 op;
	const uint8_t	*min;
	const uint8_t	*max;
};

/* RFC 2022 §5.2.2: what makes a received message a copy of ours. */
static bool
match_copy(const struct cf_msg *x, const void *arg)
{
	const struct copy_arg *a = arg;
	const struct mars_msg *mm = cf_mars(x);

	return mm != NULL && mm->op == a->op && cf_is_from(mm, a->m) &&
	    !(mm->flags & MARS_FLAG_REGISTER) &&
	    !(mm->flags & MARS_FLAG_PUNCHED) && mm->pnum >= 1 &&
	    cf_pair_is(a->r, mm, 0, a->min, a->max);
}

int
cf_join(struct cf_run *r, struct cf_member *m, uint8_t op,
    const uint8_t *min, const uint8_t *max, uint16_t flags,
    struct cf_msg **copy)
{
	uint8_t pairs[2 * CF_PA_MAX];
	struct mars_msg msg;
	struct copy_arg a = { m, r, op, min, max };
	struct cf_msg *x;
	char g[64];

	if (copy != NULL)
		*copy = NULL;
	cf_msg_join(m, &msg, op, min, max, flags, pairs);
	if (cf_send_msg(m, &msg, false) != 0) {
		snprintf(r->detail, sizeof(r->detail), "cannot send a %s",
		    mars_op_name(op));
		return -1;
	}
	if ((x = cf_take(r, m, cf_deadline(r), match_copy, &a)) == NULL) {
		cf_group_text(r, min, g, sizeof(g));
		snprintf(r->detail, sizeof(r->detail), "no copy of our %s of "
		    "%s came back (on ClusterControlVC or privately) within "
		    "%llu ms", mars_op_name(op), g,
		    (unsigned long long)r->timeout);
		return -1;
	}
	if (copy != NULL)
		*copy = x;
	else
		cf_msg_free(x);
	return 0;
}

void
cf_answer_free(struct cf_answer *a)
{
	size_t i;

	cf_msg_free(a->nak);
	for (i = 0; i < a->nparts; i++)
		cf_msg_free(a->part[i]);
	memset(a, 0, sizeof(*a));
}

struct ans_arg {
	const struct cf_member *m;
	const struct cf_run *r;
	const uint8_t	*group;
};

/* A MULTI or NAK answering our request for group (source ours). */
static bool
match_answer(const struct cf_msg *x, const void *arg)
{
	const struct ans_arg *a = arg;
	const struct mars_msg *mm = cf_mars(x);

	if (mm == NULL || (mm->op != MARS_MULTI && mm->op != MARS_NAK))
		return false;
	return cf_is_from(mm, a->m) && mm->tpa.len == a->r->grp_len &&
	    memcmp(mm->tpa.addr, a->group, a->r->grp_len) == 0;
}

int
cf_request(struct cf_run *r, struct cf_member *m, const uint8_t *group,
    struct cf_answer *a)
{
	struct mars_msg msg;
	struct ans_arg aa = { m, r, group };
	struct cf_msg *x;
	const struct mars_msg *mm;
	char g[64];

	memset(a, 0, sizeof(*a));
	cf_msg_request(m, &msg, group);
	if (cf_send_msg(m, &msg, false) != 0) {
		snprintf(r->detail, sizeof(r->detail), "cannot send a "
		    "MARS_REQUEST");
		return -1;
	}
	while (!a->complete) {
		if ((x = cf_take(r, m, cf_deadline(r), match_answer,
		    &aa)) == NULL)
			break;
		mm = cf_mars(x);
		if (mm->op == MARS_NAK) {
			a->nak = x;
			a->complete = true;
		} else if (a->nparts == CF_PARTS_MAX) {
			cf_msg_free(x);
			break;
		} else {
			a->part[a->nparts++] = x;
			a->complete = (mm->seqxy & MARS_SEQ_LAST) != 0;
		}
	}
	if (!a->complete) {
		cf_group_text(r, group, g, sizeof(g));
		snprintf(r->detail, sizeof(r->detail), "no complete answer "
		    "to a MARS_REQUEST for %s within %llu ms (%zu MULTI parts "
		    "came, none with x = 1)", g,
		    (unsigned long long)r->timeout, a->nparts);
		return -1;
	}
	return 0;
}

bool
cf_answer_lists(const struct cf_answer *a, const struct cf_member *m)
{
	struct mars_atm tha, tsa;
	const struct mars_msg *mm;
	size_t i, n = m->atm_tl & MARS_ATM_TL_LEN;
	unsigned k;

	for (i = 0; i < a->nparts; i++) {
		mm = &a->part[i]->pdu.u.mars;
		for (k = 0; k < mm->tnum; k++) {
			mars_target(mm, k, &tha, &tsa);
			if (tha.tl == m->atm_tl && tsa.tl == 0 &&
			    memcmp(tha.addr, m->atm, n) == 0)
				return true;
		}
	}
	return false;
}

size_t
cf_answer_count(const struct cf_answer *a)
{
	size_t i, n = 0;

	for (i = 0; i < a->nparts; i++)
		n += a->part[i]->pdu.u.mars.tnum;
	return n;
}

/* ---- dropped or accepted ---- */

static bool
not_map_msg(const struct cf_msg *x, const void *arg)
{
	const struct mars_msg *mm = cf_mars(x);

	(void)arg;
	return mm == NULL || mm->op != MARS_REDIRECT_MAP;
}

/*
 * After m sent something the MARS must drop (what), having nothing to
 * do with group g: m's REQUEST for g is answered by a NAK (g is empty),
 * nothing else came to m before it, and the observer o (NULL: none) saw
 * nothing but maps.  The MARS handles one VC's messages in order, so an
 * answer to the dropped message would have come before the NAK.
 */
int
cf_expect_dropped(struct cf_run *r, struct cf_member *m, struct cf_member *o,
    const uint8_t *g, const char *what)
{
	struct cf_answer an;
	struct cf_msg *x;
	char d[200], gt[64];

	r->acted = false;
	if (cf_request(r, m, g, &an) != 0) {
		char why[CF_DETAIL_MAX];

		snprintf(why, sizeof(why), "%s", r->detail);
		return cf_fail(r, "after %s the MARS did not answer a valid "
		    "MARS_REQUEST (%.700s)", what, why);
	}
	cf_group_text(r, g, gt, sizeof(gt));
	if (an.nak == NULL) {
		bool listed = cf_answer_lists(&an, m);

		cf_answer_free(&an);
		r->acted = true;
		return cf_fail(r, "the MARS acted on %s: %s now has %s member "
		    "in a MULTI", what, gt, listed ? "the sender as" : "a");
	}
	cf_answer_free(&an);
	cf_settle(r, 10);
	if ((x = cf_take(r, m, cf_now(), not_map_msg, NULL)) != NULL ||
	    (o != NULL && (x = cf_take(r, o, cf_now(), not_map_msg,
	    NULL)) != NULL)) {
		cf_describe(x, d, sizeof(d));
		cf_msg_free(x);
		r->acted = true;
		return cf_fail(r, "the MARS answered %s: %s", what, d);
	}
	return MARS_CONFORM_PASS;
}

/*
 * m sends sdu, a JOIN (op) of <g,g> from m in some form; 0 when its
 * copy comes back (the MARS accepted it), -1 otherwise.
 */
int
cf_send_expect_copy(struct cf_run *r, struct cf_member *m, const uint8_t *sdu,
    size_t len, uint8_t op, const uint8_t *g)
{
	struct copy_arg a = { m, r, op, g, g };
	struct cf_msg *x;

	if (cf_send(m, sdu, len) != 0)
		return -1;
	if ((x = cf_take(r, m, cf_deadline(r), match_copy, &a)) == NULL)
		return -1;
	cf_msg_free(x);
	return 0;
}

struct await_arg {
	const struct cf_run	*r;
	const struct cf_member	*from;
	uint8_t			 op;
	const uint8_t		*g;
};

/* A JOIN-family message of op from `from` whose first pair starts at g. */
static bool
match_await(const struct cf_msg *x, const void *arg)
{
	const struct await_arg *a = arg;
	const struct mars_msg *mm = cf_mars(x);
	const uint8_t *min, *max;

	if (mm == NULL || mm->op != a->op || !cf_is_from(mm, a->from) ||
	    mm->pnum == 0 || mm->grp_len != a->r->grp_len)
		return false;
	mars_pair(mm, 0, &min, &max);
	return memcmp(min, a->g, a->r->grp_len) == 0;
}

struct await_pred {
	struct cf_member	*o;
	struct await_arg	 a;
};

static bool
await_pred(void *arg)
{
	struct await_pred *p = arg;
	const struct cf_msg *x;

	for (x = p->o->head; x != NULL; x = x->next)
		if (match_await(x, &p->a))
			return true;
	return false;
}

int
cf_await(struct cf_run *r, struct cf_member *o, const struct cf_member *from,
    uint8_t op, const uint8_t *g, bool flush)
{
	struct await_pred p = { o, { r, from, op, g } };
	char gt[64];

	if (!cf_wait(r, cf_deadline(r), await_pred, &p)) {
		cf_group_text(r, g, gt, sizeof(gt));
		snprintf(r->detail, sizeof(r->detail), "another member got no "
		    "copy of the %s of %s within %llu ms", mars_op_name(op), gt,
		    (unsigned long long)r->timeout);
		return -1;
	}
	if (flush)
		cf_flush(o);
	return 0;
}
