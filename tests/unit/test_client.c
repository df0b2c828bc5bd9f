/*
 * Cluster member machine (client.h) under a fake clock, against a fake
 * MARS written here: it builds its answers with mars_encode() and reads
 * the client's messages back with mars_decode().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mars/client.h"
#include "mars/msg.h"
#include "mars/proto.h"
#include "mars/shim.h"

#define MAX_SENT	256
#define MAX_EV		256

struct sent {
	mars_time_t	 when;
	struct mars_vc	 vc;
	uint8_t		 buf[512];
	size_t		 len;
};

struct rec_ev {
	int		 kind;
	mars_time_t	 when;
	bool		 hard;
	uint16_t	 cmi;
	uint32_t	 csn;
	uint32_t	 count;
	uint8_t		 atm[MARS_ATM_ADDR_MAX];
	uint8_t		 group[4];
	uint8_t		 group_len;
	uint16_t	 nonconf;
	int		 code;
	const char	*detail;	/* the client's are static strings */
};

struct world {
	struct mars_client	*cl;
	struct mars_rng		 rng;
	mars_time_t		 now;
	struct sent		 sent[MAX_SENT];
	size_t			 nsent;
	struct rec_ev		 ev[MAX_EV];
	size_t			 nev;
};

static const struct mars_vc vc_m1 = { MARS_VC_P2P, 1 };
static const struct mars_vc vc_m2 = { MARS_VC_P2P, 2 };
static const struct mars_vc vc_m3 = { MARS_VC_P2P, 3 };
static const struct mars_vc vc_cc = { MARS_VC_CCVC, 0 };

/* PROTOCOL.md §8 example addresses. */
static const uint8_t cm1[20] = { 0x47, 0x00, 0x91, 0x81, 0, 0, 0, 0, 0, 0, 0,
	0, 0x01, 0x00, 0x20, 0x48, 0xaa, 0x00, 0x01, 0x00 };
static const uint8_t cm2[20] = { 0x47, 0x00, 0x91, 0x81, 0, 0, 0, 0, 0, 0, 0,
	0, 0x01, 0x00, 0x20, 0x48, 0xaa, 0x00, 0x02, 0x00 };
static const uint8_t m1[20] = { 0x47, 0x00, 0x91, 0x81, 0, 0, 0, 0, 0, 0, 0,
	0, 0x01, 0x00, 0x20, 0x48, 0x00, 0x00, 0x01, 0x00 };
static const uint8_t m2[20] = { 0x47, 0x00, 0x91, 0x81, 0, 0, 0, 0, 0, 0, 0,
	0, 0x01, 0x00, 0x20, 0x48, 0x00, 0x00, 0x02, 0x00 };
static const uint8_t m3[20] = { 0x47, 0x00, 0x91, 0x81, 0, 0, 0, 0, 0, 0, 0,
	0, 0x01, 0x00, 0x20, 0x48, 0x00, 0x00, 0x03, 0x00 };
static const uint8_t g1[4] = { 224, 1, 2, 3 };
static const uint8_t g2[4] = { 224, 1, 2, 4 };
static const uint8_t g3[4] = { 224, 1, 2, 5 };

static void
on_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
	struct world *w = ctx;
	struct sent *s;

	assert_true(w->nsent < MAX_SENT);
	assert_true(len <= sizeof(s->buf));
	s = &w->sent[w->nsent++];
	s->when = w->now;
	s->vc = *vc;
	memcpy(s->buf, sdu, len);
	s->len = len;
}

static void
on_event(void *ctx, const struct mars_event *ev)
{
	struct world *w = ctx;
	struct rec_ev *r;

	assert_true(w->nev < MAX_EV);
	r = &w->ev[w->nev++];
	memset(r, 0, sizeof(*r));
	r->kind = ev->kind;
	r->when = ev->when;
	r->hard = ev->hard;
	r->cmi = ev->cmi;
	r->csn = ev->csn;
	r->count = ev->count;
	r->nonconf = ev->nonconf;
	r->code = ev->code;
	r->detail = ev->detail;
	if (ev->atm != NULL)
		memcpy(r->atm, ev->atm, ev->atm_tl & MARS_ATM_TL_LEN);
	if (ev->group != NULL && ev->group_len <= sizeof(r->group)) {
		memcpy(r->group, ev->group, ev->group_len);
		r->group_len = ev->group_len;
	}
}

static struct world *
world_new_conf(uint64_t seed, struct mars_client_conf *conf)
{
	static struct mars_client_mars mars[3];
	struct mars_io io;
	struct world *w;

	w = calloc(1, sizeof(*w));
	assert_non_null(w);
	memset(mars, 0, sizeof(mars));
	mars[0].atm.tl = 20;
	memcpy(mars[0].atm.num, m1, 20);
	mars[0].vc = vc_m1;
	mars[1].atm.tl = 20;
	memcpy(mars[1].atm.num, m2, 20);
	mars[1].vc = vc_m2;
	mars[2].atm.tl = 20;
	memcpy(mars[2].atm.num, m3, 20);
	mars[2].vc = vc_m3;
	conf->pro_type = MARS_PRO_IPV4;
	conf->own.tl = 20;
	memcpy(conf->own.num, cm1, 20);
	conf->own_pa.len = 4;
	memcpy(conf->own_pa.addr, (uint8_t[]){ 10, 1, 1, 1 }, 4);
	if (conf->mars == NULL) {
		conf->mars = mars;
		conf->nmars = 3;
	}
	mars_rng_seed(&w->rng, seed);
	conf->rng = &w->rng;
	io.ctx = w;
	io.send = on_send;
	io.event = on_event;
	io.log = NULL;
	assert_int_equal(mars_client_new(&w->cl, conf, &io, NULL), 0);
	return w;
}

static struct world *
world_new(uint64_t seed)
{
	struct mars_client_conf conf;

	memset(&conf, 0, sizeof(conf));
	return world_new_conf(seed, &conf);
}

static void
world_free(struct world *w)
{
	mars_client_free(w->cl);
	free(w);
}

/* Move the clock to t, running every timer due on the way. */
static void
advance(struct world *w, mars_time_t t)
{
	mars_time_t d;

	while ((d = mars_client_next_deadline(w->cl)) <= t) {
		if (d > w->now)
			w->now = d;
		mars_client_tick(w->cl, w->now);
	}
	w->now = t;
}

static void
deliver(struct world *w, const struct mars_vc *vc, const struct mars_msg *m)
{
	uint8_t buf[2048];
	size_t len;

	assert_int_equal(mars_encode(m, buf, sizeof(buf), &len, MARS_ENC_LLC,
	    NULL), 0);
	assert_int_equal(mars_client_input(w->cl, w->now, vc, buf, len), 0);
	mars_client_tick(w->cl, w->now);
}

static void
decode_sent(const struct sent *s, struct mars_msg *m)
{
	assert_true(s->len > MARS_LLC_SNAP_LEN);
	assert_int_equal(mars_decode(m, s->buf + MARS_LLC_SNAP_LEN,
	    s->len - MARS_LLC_SNAP_LEN, MARS_LLC_SNAP_LEN, 0, NULL), 0);
}

static size_t
count_ev(const struct world *w, int kind)
{
	size_t i, n = 0;

	for (i = 0; i < w->nev; i++)
		if (w->ev[i].kind == kind)
			n++;
	return n;
}

static const struct rec_ev *
last_ev(const struct world *w, int kind)
{
	size_t i;

	for (i = w->nev; i > 0; i--)
		if (w->ev[i - 1].kind == kind)
			return &w->ev[i - 1];
	return NULL;
}

/* Sent messages with this op (and register flag), optionally on vc. */
static size_t
count_sent(const struct world *w, uint8_t op, int reg,
    const struct mars_vc *vc)
{
	struct mars_msg m;
	size_t i, n = 0;

	for (i = 0; i < w->nsent; i++) {
		decode_sent(&w->sent[i], &m);
		if (m.op != op)
			continue;
		if (reg >= 0 && !!(m.flags & MARS_FLAG_REGISTER) != reg)
			continue;
		if (vc != NULL && (w->sent[i].vc.kind != vc->kind ||
		    w->sent[i].vc.id != vc->id))
			continue;
		n++;
	}
	return n;
}

/* Fake MARS answers. */

static void
msg_base(struct mars_msg *m, uint8_t op, const uint8_t *src)
{
	memset(m, 0, sizeof(*m));
	m->afn = MARS_AFN_ATM;
	m->pro_type = MARS_PRO_IPV4;
	m->op = op;
	m->sha.addr = src;
	m->sha.tl = 20;
}

/* §5.2.3: the registration JOIN back, copy + register, CMI, CSN. */
static void
mars_reg_reply(struct world *w, const struct mars_vc *vc, uint16_t cmi,
    uint32_t csn)
{
	struct mars_msg m;

	msg_base(&m, MARS_JOIN, cm1);
	m.flags = MARS_FLAG_COPY | MARS_FLAG_REGISTER;
	m.cmi = cmi;
	m.msn = csn;
	deliver(w, vc, &m);
}

/* A JOIN/LEAVE copy for <g,g> from source src. */
static void
mars_copy(struct world *w, const struct mars_vc *vc, uint8_t op,
    const uint8_t *src, const uint8_t *g, uint16_t flags, uint32_t csn)
{
	uint8_t pair[8];
	struct mars_msg m;

	memcpy(pair, g, 4);
	memcpy(pair + 4, g, 4);
	msg_base(&m, op, src);
	m.flags = MARS_FLAG_COPY | MARS_FLAG_LAYER3GRP | flags;
	m.pnum = 1;
	m.grp_len = 4;
	m.list = pair;
	m.cmi = 3;
	m.msn = csn;
	deliver(w, vc, &m);
}

static void
mars_map(struct world *w, const struct mars_vc *vc, const uint8_t *src,
    const uint8_t *const *list, uint16_t n, bool hard, uint32_t csn)
{
	uint8_t buf[20 * 8];
	struct mars_msg m;
	uint16_t i;

	for (i = 0; i < n; i++)
		memcpy(buf + 20 * i, list[i], 20);
	msg_base(&m, MARS_REDIRECT_MAP, src);
	m.thtl = 20;
	m.redirf = hard ? MARS_REDIRF_HARD : 0;
	m.tnum = n;
	m.seqxy = MARS_SEQ_LAST | 1;
	m.msn = csn;
	m.list = buf;
	deliver(w, vc, &m);
}

static void
mars_multi(struct world *w, const uint8_t *g, const uint8_t *const *members,
    uint16_t n, uint16_t seqxy, uint32_t csn)
{
	uint8_t buf[20 * 8];
	struct mars_msg m;
	uint16_t i;

	for (i = 0; i < n; i++)
		memcpy(buf + 20 * i, members[i], 20);
	msg_base(&m, MARS_MULTI, cm1);
	m.spa.addr = (const uint8_t[]){ 10, 1, 1, 1 };
	m.spa.len = 4;
	m.tpa.addr = g;
	m.tpa.len = 4;
	m.thtl = 20;
	m.tnum = n;
	m.seqxy = seqxy;
	m.msn = csn;
	m.list = buf;
	deliver(w, &vc_m1, &m);
}

/* Start and register with M1: cmi 7, CSN 42. */
static struct world *
registered(uint64_t seed)
{
	struct world *w = world_new(seed);

	assert_int_equal(mars_client_start(w->cl, 0), 0);
	mars_reg_reply(w, &vc_m1, 7, 42);
	assert_true(mars_client_registered(w->cl));
	w->nsent = 0;
	w->nev = 0;
	return w;
}

/* Register, then join g with its copy on CCVC. */
static void
join_ok(struct world *w, const uint8_t *g, uint32_t csn)
{
	assert_int_equal(mars_client_join(w->cl, w->now, g, 4), 0);
	mars_copy(w, &vc_cc, MARS_JOIN, cm1, g, 0, csn);
}

/* Tests. */

static void
test_register(void **state)
{
	struct world *w = world_new(1);
	const struct rec_ev *ev;
	struct mars_msg m;

	assert_int_equal(mars_client_state(w->cl), MARS_CLIENT_IDLE);
	assert_int_equal(mars_client_start(w->cl, 0), 0);
	assert_int_equal(mars_client_start(w->cl, 0), MARS_E_INVAL);
	assert_int_equal(w->nsent, 1);
	assert_int_equal(w->sent[0].vc.id, vc_m1.id);
	decode_sent(&w->sent[0], &m);
	/* §5.2.3 / PROTOCOL.md Example 1. */
	assert_int_equal(m.op, MARS_JOIN);
	assert_int_equal(m.flags, MARS_FLAG_REGISTER);
	assert_int_equal(m.pnum, 0);
	assert_int_equal(m.cmi, 0);
	assert_int_equal(m.msn, 0);
	assert_int_equal(m.sha.tl, 20);
	assert_memory_equal(m.sha.addr, cm1, 20);
	assert_int_equal(m.spa.len, 0);
	assert_int_equal(w->sent[0].len, 60);
	assert_int_equal(mars_client_state(w->cl), MARS_CLIENT_REGISTERING);

	/* A copy arriving on another VC is not a registration. */
	mars_reg_reply(w, &vc_m2, 7, 42);
	assert_false(mars_client_registered(w->cl));

	mars_reg_reply(w, &vc_m1, 7, 0x2a);
	assert_true(mars_client_registered(w->cl));
	assert_int_equal(mars_client_cmi(w->cl), 7);
	assert_int_equal(mars_client_hsn(w->cl), 0x2a);
	assert_int_equal(mars_client_current_index(w->cl), 0);
	ev = last_ev(w, MARS_EV_REGISTERED);
	assert_non_null(ev);
	assert_int_equal(ev->cmi, 7);
	assert_int_equal(ev->csn, 0x2a);
	assert_memory_equal(ev->atm, m1, 20);
	assert_int_equal(count_ev(w, MARS_EV_CSN_GAP), 0);
	/* No more registration JOINs once registered. */
	advance(w, 100000);
	assert_int_equal(w->nsent, 1);
	world_free(w);
}

static void
test_register_retransmit_then_fail(void **state)
{
	struct world *w = world_new(2);
	const struct rec_ev *ev;
	size_t i;

	mars_client_start(w->cl, 0);
	advance(w, 59999);
	/* §5.2.2: first send and 5 retransmissions, 10 s apart. */
	assert_int_equal(w->nsent, 6);
	for (i = 0; i < 6; i++) {
		assert_int_equal(w->sent[i].when, 10000 * i);
		assert_int_equal(w->sent[i].vc.id, vc_m1.id);
	}
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 0);
	advance(w, 60000);
	ev = last_ev(w, MARS_EV_MARS_FAILED);
	assert_non_null(ev);
	assert_int_equal(ev->when, 60000);
	assert_memory_equal(ev->atm, m1, 20);
	assert_int_equal(mars_client_state(w->cl), MARS_CLIENT_WAITING);
	/* §5.4.2: next MARS after a random 1-10 s. */
	advance(w, 70000);
	assert_int_equal(w->nsent, 7);
	assert_int_equal(w->sent[6].vc.id, vc_m2.id);
	assert_true(w->sent[6].when >= 61000 && w->sent[6].when <= 70000);
	mars_reg_reply(w, &vc_m2, 9, 100);
	assert_true(mars_client_registered(w->cl));
	assert_int_equal(mars_client_current_index(w->cl), 1);
	assert_int_equal(mars_client_hsn(w->cl), 100);
	world_free(w);
}

static void
test_full_pass_pauses(void **state)
{
	struct world *w = world_new(3);
	size_t i;

	mars_client_start(w->cl, 0);
	/* M1, M2, M3 fail in turn; then at least a minute before M1 again. */
	advance(w, 400000);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED) >= 3, 1);
	for (i = 0; i + 1 < w->nsent; i++)
		if (w->sent[i].vc.id == vc_m3.id &&
		    w->sent[i + 1].vc.id == vc_m1.id)
			break;
	assert_true(i + 1 < w->nsent);
	/* M3's last retransmission at T, failure at T+10 s, pause >= 60 s. */
	assert_true(w->sent[i + 1].when - w->sent[i].when >= 70000);
	world_free(w);
}

static void
test_join_retransmit_until_copy(void **state)
{
	struct world *w = registered(4);
	struct mars_msg m;
	const uint8_t *min, *max;
	enum mars_client_group_state st;

	assert_int_equal(mars_client_join(w->cl, 0, g1, 4), 0);
	assert_int_equal(w->nsent, 1);
	decode_sent(&w->sent[0], &m);
	/* §5.2.1.1: one pair <G,G>, layer3grp, no copy/register. */
	assert_int_equal(m.op, MARS_JOIN);
	assert_int_equal(m.flags, MARS_FLAG_LAYER3GRP);
	assert_int_equal(m.pnum, 1);
	assert_int_equal(m.cmi, 0);
	assert_int_equal(m.msn, 0);
	mars_pair(&m, 0, &min, &max);
	assert_memory_equal(min, g1, 4);
	assert_memory_equal(max, g1, 4);
	assert_int_equal(w->sent[0].vc.id, vc_m1.id);
	advance(w, 25000);
	assert_int_equal(w->nsent, 3);
	mars_client_group(w->cl, 0, &st);
	assert_int_equal(st, MARS_CLIENT_GRP_JOINING);

	/* Not copies: punched, another source, another op. */
	mars_copy(w, &vc_cc, MARS_JOIN, cm1, g1, MARS_FLAG_PUNCHED, 42);
	mars_copy(w, &vc_cc, MARS_JOIN, cm2, g1, 0, 43);
	mars_copy(w, &vc_cc, MARS_LEAVE, cm1, g1, 0, 44);
	mars_copy(w, &vc_cc, MARS_JOIN, cm1, g2, 0, 45);
	assert_int_equal(count_ev(w, MARS_EV_JOINED), 0);

	mars_copy(w, &vc_cc, MARS_JOIN, cm1, g1, 0, 46);
	assert_int_equal(count_ev(w, MARS_EV_JOINED), 1);
	assert_memory_equal(last_ev(w, MARS_EV_JOINED)->group, g1, 4);
	mars_client_group(w->cl, 0, &st);
	assert_int_equal(st, MARS_CLIENT_GRP_JOINED);
	advance(w, 100000);
	assert_int_equal(count_sent(w, MARS_JOIN, 0, NULL), 3);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 0);
	world_free(w);
}

static void
test_join_private_copy(void **state)
{
	struct world *w = registered(5);

	mars_client_join(w->cl, 0, g1, 4);
	/* A redundant join is echoed privately (§6.1.2). */
	mars_copy(w, &vc_m1, MARS_JOIN, cm1, g1, 0, 42);
	assert_int_equal(count_ev(w, MARS_EV_JOINED), 1);
	/* Joining again is a no-op. */
	assert_int_equal(mars_client_join(w->cl, 0, g1, 4), 0);
	assert_int_equal(w->nsent, 1);
	world_free(w);
}

static void
test_join_limit_is_mars_failure(void **state)
{
	struct world *w = registered(6);

	w->now = 1000;
	mars_client_join(w->cl, 1000, g1, 4);
	advance(w, 60999);
	assert_int_equal(w->nsent, 6);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 0);
	advance(w, 61000);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 1);
	assert_false(mars_client_registered(w->cl));
	world_free(w);
}

static void
test_leave(void **state)
{
	struct world *w = registered(7);
	struct mars_msg m;

	join_ok(w, g1, 43);
	w->nsent = 0;
	assert_int_equal(mars_client_leave(w->cl, 0, g2, 4), MARS_E_INVAL);
	assert_int_equal(mars_client_leave(w->cl, 0, g1, 4), 0);
	assert_int_equal(w->nsent, 1);
	decode_sent(&w->sent[0], &m);
	assert_int_equal(m.op, MARS_LEAVE);
	assert_int_equal(m.flags, MARS_FLAG_LAYER3GRP);
	assert_int_equal(m.pnum, 1);
	advance(w, 10000);
	assert_int_equal(w->nsent, 2);
	mars_copy(w, &vc_m1, MARS_LEAVE, cm1, g1, 0, 44);
	assert_int_equal(count_ev(w, MARS_EV_LEFT), 1);
	assert_int_equal(mars_client_group_count(w->cl), 0);
	advance(w, 100000);
	assert_int_equal(w->nsent, 2);
	world_free(w);
}

static void
test_csn_gap_revalidate(void **state)
{
	struct world *w = registered(8);
	const struct rec_ev *ev;

	/* HSN 42: +1 and 0 are in step. */
	mars_copy(w, &vc_cc, MARS_JOIN, cm2, g1, 0, 43);
	mars_copy(w, &vc_cc, MARS_JOIN, cm2, g2, 0, 43);
	mars_copy(w, &vc_cc, MARS_LEAVE, cm2, g2, 0, 44);
	assert_int_equal(count_ev(w, MARS_EV_CSN_GAP), 0);
	assert_int_equal(mars_client_hsn(w->cl), 44);

	w->now = 5000;
	mars_copy(w, &vc_cc, MARS_JOIN, cm2, g3, 0, 51);
	ev = last_ev(w, MARS_EV_CSN_GAP);
	assert_non_null(ev);
	assert_int_equal(ev->count, 7);
	assert_int_equal(ev->csn, 51);
	assert_int_equal(mars_client_hsn(w->cl), 51);
	assert_int_equal(count_ev(w, MARS_EV_REVALIDATE), 0);
	advance(w, 15000);
	ev = last_ev(w, MARS_EV_REVALIDATE);
	assert_non_null(ev);
	assert_true(ev->when >= 6000 && ev->when <= 15000);
	assert_int_equal(count_ev(w, MARS_EV_REVALIDATE), 1);

	/* Going backwards is a jump too (a new MARS with a lower CSN). */
	mars_copy(w, &vc_cc, MARS_JOIN, cm2, g3, 0, 10);
	assert_int_equal(count_ev(w, MARS_EV_CSN_GAP), 2);
	world_free(w);
}

static void
test_csn_wraps(void **state)
{
	struct world *w = world_new(9);

	mars_client_start(w->cl, 0);
	mars_reg_reply(w, &vc_m1, 7, 0xffffffffu);
	mars_copy(w, &vc_cc, MARS_JOIN, cm2, g1, 0, 0);
	mars_copy(w, &vc_cc, MARS_JOIN, cm2, g2, 0, 1);
	assert_int_equal(count_ev(w, MARS_EV_CSN_GAP), 0);
	assert_int_equal(mars_client_hsn(w->cl), 1);
	world_free(w);
}

static void
test_request_single_multi(void **state)
{
	struct world *w = registered(10);
	const uint8_t *const two[] = { cm1, cm2 };
	const struct mars_client_atm *mem;
	const struct rec_ev *ev;
	struct mars_msg m;
	size_t n;

	assert_int_equal(mars_client_request(w->cl, 0, g1, 4), 0);
	assert_int_equal(w->nsent, 1);
	decode_sent(&w->sent[0], &m);
	/* §5.1.2 / PROTOCOL.md Example 2. */
	assert_int_equal(m.op, MARS_REQUEST);
	assert_int_equal(m.tpa.len, 4);
	assert_memory_equal(m.tpa.addr, g1, 4);
	assert_int_equal(m.tha.tl, 0);
	assert_int_equal(m.spa.len, 4);
	assert_int_equal(w->sent[0].len, 68);

	w->now = 100;
	mars_multi(w, g1, two, 2, MARS_SEQ_LAST | 1, 43);
	ev = last_ev(w, MARS_EV_MULTI);
	assert_non_null(ev);
	assert_int_equal(ev->count, 2);
	assert_memory_equal(ev->group, g1, 4);
	mem = mars_client_members(w->cl, &n);
	assert_int_equal(n, 2);
	assert_memory_equal(mem[0].num, cm1, 20);
	assert_memory_equal(mem[1].num, cm2, 20);
	assert_int_equal(mars_client_hsn(w->cl), 43);
	/* Answered: no retry. */
	advance(w, 60000);
	assert_int_equal(w->nsent, 1);
	world_free(w);
}

static void
test_request_three_parts(void **state)
{
	struct world *w = registered(11);
	const uint8_t *const p1[] = { m1, m2 }, *const p2[] = { m3 },
	    *const p3[] = { cm1, cm2 };
	const struct mars_client_atm *mem;
	size_t n;

	mars_client_request(w->cl, 0, g1, 4);
	mars_multi(w, g1, p1, 2, 1, 50);
	mars_multi(w, g1, p2, 1, 2, 50);
	/* §5.1.4.2: HSN waits for the last part. */
	assert_int_equal(mars_client_hsn(w->cl), 42);
	assert_int_equal(count_ev(w, MARS_EV_MULTI), 0);
	mars_multi(w, g1, p3, 2, MARS_SEQ_LAST | 3, 50);
	assert_int_equal(count_ev(w, MARS_EV_MULTI), 1);
	assert_int_equal(last_ev(w, MARS_EV_MULTI)->count, 5);
	mem = mars_client_members(w->cl, &n);
	assert_int_equal(n, 5);
	assert_memory_equal(mem[2].num, m3, 20);
	assert_memory_equal(mem[4].num, cm2, 20);
	assert_int_equal(mars_client_hsn(w->cl), 50);
	/* The jump 42 -> 50 is seen, this group exempt (§5.1.5.2). */
	assert_int_equal(count_ev(w, MARS_EV_CSN_GAP), 1);
	assert_memory_equal(last_ev(w, MARS_EV_CSN_GAP)->group, g1, 4);
	world_free(w);
}

static void
test_request_nak(void **state)
{
	struct world *w = registered(12);
	struct mars_msg m;

	mars_client_request(w->cl, 0, g1, 4);
	/* §5.1.2: the NAK is the REQUEST with op 6. */
	decode_sent(&w->sent[0], &m);
	m.op = MARS_NAK;
	deliver(w, &vc_m1, &m);
	assert_int_equal(count_ev(w, MARS_EV_NAK), 1);
	assert_memory_equal(last_ev(w, MARS_EV_NAK)->group, g1, 4);
	advance(w, 60000);
	assert_int_equal(w->nsent, 1);
	world_free(w);
}

static void
test_request_part_jump_rerequests(void **state)
{
	struct world *w = registered(13);
	const uint8_t *const one[] = { cm2 };

	mars_client_request(w->cl, 0, g1, 4);
	mars_multi(w, g1, one, 1, 1, 43);
	/* Part 2 lost: wait for the last, then discard and ask again. */
	mars_multi(w, g1, one, 1, 3, 43);
	assert_int_equal(w->nsent, 1);
	mars_multi(w, g1, one, 1, MARS_SEQ_LAST | 4, 43);
	assert_int_equal(count_ev(w, MARS_EV_MULTI), 0);
	assert_int_equal(count_sent(w, MARS_REQUEST, -1, &vc_m1), 2);
	assert_int_equal(mars_client_hsn(w->cl), 42);

	/* An msn change between parts is discarded as well. */
	mars_multi(w, g1, one, 1, 1, 43);
	mars_multi(w, g1, one, 1, MARS_SEQ_LAST | 2, 44);
	assert_int_equal(count_ev(w, MARS_EV_MULTI), 0);
	assert_int_equal(count_sent(w, MARS_REQUEST, -1, &vc_m1), 3);

	mars_multi(w, g1, one, 1, MARS_SEQ_LAST | 1, 43);
	assert_int_equal(count_ev(w, MARS_EV_MULTI), 1);
	assert_int_equal(last_ev(w, MARS_EV_MULTI)->count, 1);
	world_free(w);
}

static void
test_request_part_timeout_and_give_up(void **state)
{
	struct world *w = registered(14);
	const uint8_t *const one[] = { cm2 };

	mars_client_request(w->cl, 0, g1, 4);
	w->now = 1000;
	mars_multi(w, g1, one, 1, 1, 43);
	/* No last part within 10 s: ask again. */
	advance(w, 10999);
	assert_int_equal(w->nsent, 1);
	advance(w, 11000);
	assert_int_equal(w->nsent, 2);
	/* Then silence: retries run out, a MARS failure (§5.4). */
	advance(w, 50000);
	assert_int_equal(count_ev(w, MARS_EV_GIVE_UP), 1);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 1);
	assert_int_equal(count_sent(w, MARS_REQUEST, -1, NULL), 4);
	world_free(w);
}

static void
test_grouplist(void **state)
{
	struct world *w = registered(15);
	uint8_t lo[4] = { 224, 0, 0, 0 }, hi[4] = { 239, 255, 255, 255 };
	uint8_t groups[8];
	const struct mars_client_pa *gl;
	struct mars_msg m;
	size_t n;

	assert_int_equal(mars_client_grouplist(w->cl, 0, lo, hi, 4), 0);
	decode_sent(&w->sent[0], &m);
	assert_int_equal(m.op, MARS_GROUPLIST_REQUEST);
	assert_int_equal(m.pnum, 1);
	memcpy(groups, g1, 4);
	memcpy(groups + 4, g2, 4);
	msg_base(&m, MARS_GROUPLIST_REPLY, cm1);
	m.grp_len = 4;
	m.tnum = 2;
	m.seqxy = MARS_SEQ_LAST | 1;
	m.msn = 42;
	m.list = groups;
	deliver(w, &vc_m1, &m);
	assert_int_equal(count_ev(w, MARS_EV_GROUPLIST), 1);
	gl = mars_client_grouplist_groups(w->cl, &n);
	assert_int_equal(n, 2);
	assert_memory_equal(gl[1].addr, g2, 4);
	world_free(w);
}

static void
test_map_keeps_mars_alive(void **state)
{
	struct world *w = registered(16);
	const uint8_t *const list[] = { m1, m2, m3 };
	const struct mars_client_atm *map;
	mars_time_t t;
	uint32_t csn = 42;
	size_t n;
	bool hard = true;

	for (t = 60000; t <= 600000; t += 60000) {
		advance(w, t);
		mars_map(w, &vc_cc, m1, list, 3, false, ++csn);
	}
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 0);
	assert_int_equal(count_ev(w, MARS_EV_REDIRECT_MAP), 10);
	assert_int_equal(count_ev(w, MARS_EV_REDIRECT), 0);
	assert_int_equal(count_ev(w, MARS_EV_CSN_GAP), 0);
	map = mars_client_redirect_map(w->cl, &n, &hard);
	assert_int_equal(n, 3);
	assert_false(hard);
	assert_memory_equal(map[1].num, m2, 20);
	/* A map from another MARS does not keep the current one alive. */
	advance(w, 700000);
	mars_map(w, &vc_cc, m2, list, 3, false, 1000);
	advance(w, 839999);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 0);
	advance(w, 840000);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 1);
	assert_int_equal(last_ev(w, MARS_EV_MARS_FAILED)->when, 840000);
	world_free(w);
}

static void
test_failover_walks_map_and_rejoins(void **state)
{
	struct world *w = registered(17);
	const uint8_t *const list[] = { m1, m3, m2 };
	const struct rec_ev *ev;
	struct mars_msg m;
	const uint8_t *min, *max;
	size_t i, first;
	mars_time_t t0, tg1, tg2;

	join_ok(w, g1, 43);
	join_ok(w, g2, 44);
	/* The map orders M3 before M2: the walk follows the map. */
	mars_map(w, &vc_cc, m1, list, 3, false, 45);
	assert_int_equal(count_ev(w, MARS_EV_REDIRECT), 0);
	w->nsent = 0;
	advance(w, 240000);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 1);
	advance(w, 250000);
	/* Next after M1 in the map is M3 (configured order: M2). */
	assert_int_equal(w->nsent, 1);
	assert_int_equal(w->sent[0].vc.id, vc_m3.id);
	t0 = w->sent[0].when;
	assert_true(t0 >= 241000 && t0 <= 250000);
	w->now = t0 + 5;
	mars_reg_reply(w, &vc_m3, 7, 5000);
	ev = last_ev(w, MARS_EV_REGISTERED);
	assert_memory_equal(ev->atm, m3, 20);
	assert_int_equal(mars_client_hsn(w->cl), 5000);
	assert_int_equal(count_ev(w, MARS_EV_REJOINED), 0);
	/* §5.4.1: every group re-joined, 1-10 s apart, on the new VC. */
	first = w->nsent;
	advance(w, w->now + 20000);
	tg1 = tg2 = 0;
	for (i = first; i < w->nsent; i++) {
		assert_int_equal(w->sent[i].vc.id, vc_m3.id);
		decode_sent(&w->sent[i], &m);
		assert_int_equal(m.op, MARS_JOIN);
		assert_int_equal(m.flags, MARS_FLAG_LAYER3GRP);
		mars_pair(&m, 0, &min, &max);
		if (memcmp(min, g1, 4) == 0 && tg1 == 0)
			tg1 = w->sent[i].when;
		if (memcmp(min, g2, 4) == 0 && tg2 == 0)
			tg2 = w->sent[i].when;
	}
	assert_true(tg1 >= t0 + 5 + 1000 && tg1 <= t0 + 5 + 10000);
	assert_true(tg2 - tg1 >= 1000 && tg2 - tg1 <= 10000);
	mars_copy(w, &vc_cc, MARS_JOIN, cm1, g1, 0, 5000);
	assert_int_equal(count_ev(w, MARS_EV_REJOINED), 0);
	mars_copy(w, &vc_cc, MARS_JOIN, cm1, g2, 0, 5001);
	assert_int_equal(count_ev(w, MARS_EV_REJOINED), 1);
	assert_int_equal(last_ev(w, MARS_EV_REJOINED)->count, 2);
	/* §5.4.1: revalidation follows a recovery. */
	advance(w, w->now + 10000);
	assert_int_equal(count_ev(w, MARS_EV_REVALIDATE), 1);
	assert_int_equal(mars_client_group_count(w->cl), 2);
	world_free(w);
}

static void
test_failover_skips_dead_backup(void **state)
{
	struct world *w = registered(18);
	const uint8_t *const list[] = { m1, m2, m3 };

	mars_map(w, &vc_cc, m1, list, 3, false, 43);
	w->nsent = 0;
	advance(w, 240000);
	/* M2 does not answer either: after its 6 sends, M3. */
	advance(w, 320000);
	assert_int_equal(count_sent(w, MARS_JOIN, 1, &vc_m2), 6);
	assert_int_equal(count_sent(w, MARS_JOIN, 1, &vc_m3), 1);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 2);
	world_free(w);
}

static void
test_hard_redirect(void **state)
{
	struct world *w = registered(19);
	const uint8_t *const list[] = { m2, m1 };
	const struct rec_ev *ev;

	join_ok(w, g1, 43);
	w->nsent = 0;
	w->now = 1000;
	mars_map(w, &vc_cc, m1, list, 2, true, 44);
	ev = last_ev(w, MARS_EV_REDIRECT);
	assert_non_null(ev);
	assert_true(ev->hard);
	assert_memory_equal(ev->atm, m2, 20);
	advance(w, 11000);
	assert_int_equal(count_sent(w, MARS_JOIN, 1, &vc_m2), 1);
	mars_reg_reply(w, &vc_m2, 7, 900);
	advance(w, w->now + 10000);
	assert_int_equal(count_sent(w, MARS_JOIN, 0, &vc_m2), 1);
	mars_copy(w, &vc_cc, MARS_JOIN, cm1, g1, 0, 901);
	assert_int_equal(count_ev(w, MARS_EV_REJOINED), 1);
	assert_int_equal(mars_client_current_index(w->cl), 0);
	assert_memory_equal(mars_client_current_mars(w->cl)->num, m2, 20);
	world_free(w);
}

/*
 * Load sharing (draft-armitage-ion-mars-scsp-03 §3.2, §4): the Active of
 * another partition hard-redirects us, and its periodic map for its own
 * partition, itself first, still reaches us on its CCVC before we have
 * re-registered.  That map must not send us back to it.
 */
static void
test_hard_redirect_outlives_old_map(void **state)
{
	struct world *w = registered(31);
	const uint8_t *const hard[] = { m2, m1 };
	const uint8_t *const own[] = { m1, m3 };

	join_ok(w, g1, 43);
	w->nsent = 0;
	w->now = 1000;
	mars_map(w, &vc_cc, m1, hard, 2, true, 44);
	assert_true(last_ev(w, MARS_EV_REDIRECT)->hard);
	w->now = 1500;
	mars_map(w, &vc_cc, m1, own, 2, false, 45);
	assert_int_equal(count_ev(w, MARS_EV_REDIRECT), 1);
	assert_memory_equal(mars_client_current_mars(w->cl)->num, m1, 20);
	advance(w, 11000);
	assert_int_equal(count_sent(w, MARS_JOIN, 1, &vc_m2), 1);
	assert_int_equal(count_sent(w, MARS_JOIN, 1, &vc_m1), 0);
	mars_reg_reply(w, &vc_m2, 7, 900);
	assert_memory_equal(mars_client_current_mars(w->cl)->num, m2, 20);
	world_free(w);
}

static void
test_soft_redirect(void **state)
{
	struct world *w = registered(20);
	const uint8_t *const list[] = { m2, m1 };
	const struct rec_ev *ev;

	join_ok(w, g1, 43);
	w->nsent = 0;
	mars_map(w, &vc_cc, m1, list, 2, false, 44);
	ev = last_ev(w, MARS_EV_REDIRECT);
	assert_non_null(ev);
	assert_false(ev->hard);
	/* At once, on a VC to the new MARS, while staying registered. */
	assert_int_equal(count_sent(w, MARS_JOIN, 1, &vc_m2), 1);
	assert_true(mars_client_registered(w->cl));
	mars_reg_reply(w, &vc_m2, 7, 300);
	assert_memory_equal(mars_client_current_mars(w->cl)->num, m2, 20);
	assert_int_equal(mars_client_hsn(w->cl), 300);
	/* §5.4.3: no re-join, no revalidation. */
	advance(w, 100000);
	assert_int_equal(count_sent(w, MARS_JOIN, 0, NULL), 0);
	assert_int_equal(count_ev(w, MARS_EV_REJOINED), 0);
	assert_int_equal(count_ev(w, MARS_EV_REVALIDATE), 0);
	/* The new MARS's VC now carries our messages. */
	mars_client_join(w->cl, w->now, g2, 4);
	assert_int_equal(count_sent(w, MARS_JOIN, 0, &vc_m2), 1);
	world_free(w);
}

static void
test_soft_redirect_untrusted(void **state)
{
	struct world *w = registered(21);
	const uint8_t *const own[] = { m1, m3 }, *const list[] = { m2, m1 };
	const struct mars_client_atm *map;
	size_t n;
	bool hard;

	mars_map(w, &vc_cc, m1, own, 2, false, 43);
	/* Sent by M3, not the current MARS. */
	mars_map(w, &vc_cc, m3, list, 2, false, 44);
	/* Claims to be M1 but on M2's point-to-point VC. */
	mars_map(w, &vc_m2, m1, list, 2, false, 44);
	assert_int_equal(count_ev(w, MARS_EV_REDIRECT), 0);
	assert_int_equal(count_ev(w, MARS_EV_DROPPED), 1);
	assert_int_equal(w->nsent, 0);
	assert_memory_equal(mars_client_current_mars(w->cl)->num, m1, 20);
	/*
	 * §5.4.3: only the current MARS's list goes at the top of ours --
	 * M3's (another partition's, say) would send us the wrong way at
	 * the next failover.
	 */
	map = mars_client_redirect_map(w->cl, &n, &hard);
	assert_int_equal(n, 2);
	assert_memory_equal(map[0].num, m1, 20);
	assert_memory_equal(map[1].num, m3, 20);
	world_free(w);
}

static void
test_soft_redirect_ccvc_id(void **state)
{
	struct mars_client_mars mars[2];
	struct mars_client_conf conf;
	const uint8_t *const list[] = { m2, m1 };
	const struct mars_vc cc_m1 = { MARS_VC_CCVC, 11 };
	struct world *w;

	memset(mars, 0, sizeof(mars));
	mars[0].atm.tl = mars[1].atm.tl = 20;
	memcpy(mars[0].atm.num, m1, 20);
	memcpy(mars[1].atm.num, m2, 20);
	mars[0].vc = vc_m1;
	mars[1].vc = vc_m2;
	mars[0].has_ccvc = true;
	mars[0].ccvc_id = 11;
	memset(&conf, 0, sizeof(conf));
	conf.mars = mars;
	conf.nmars = 2;
	w = world_new_conf(22, &conf);
	mars_client_start(w->cl, 0);
	mars_reg_reply(w, &vc_m1, 7, 42);
	/* Right source, wrong ClusterControlVC. */
	mars_map(w, &vc_cc, m1, list, 2, false, 43);
	assert_int_equal(count_ev(w, MARS_EV_REDIRECT), 0);
	mars_map(w, &cc_m1, m1, list, 2, false, 44);
	assert_int_equal(count_ev(w, MARS_EV_REDIRECT), 1);
	world_free(w);
}

static void
test_deregister(void **state)
{
	struct world *w = registered(23);
	struct mars_msg m;

	join_ok(w, g1, 43);
	w->nsent = 0;
	assert_int_equal(mars_client_deregister(w->cl, 0), 0);
	decode_sent(&w->sent[0], &m);
	assert_int_equal(m.op, MARS_LEAVE);
	assert_int_equal(m.flags, MARS_FLAG_REGISTER);
	assert_int_equal(m.pnum, 0);
	msg_base(&m, MARS_LEAVE, cm1);
	m.flags = MARS_FLAG_REGISTER | MARS_FLAG_COPY;
	m.cmi = 7;
	m.msn = 44;
	deliver(w, &vc_m1, &m);
	assert_int_equal(count_ev(w, MARS_EV_DEREGISTERED), 1);
	assert_int_equal(mars_client_state(w->cl), MARS_CLIENT_IDLE);
	assert_int_equal(mars_client_group_count(w->cl), 0);
	advance(w, 1000000);
	assert_int_equal(w->nsent, 1);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 0);
	world_free(w);
}

static void
test_join_before_registration_is_queued(void **state)
{
	struct world *w = world_new(24);

	mars_client_join(w->cl, 0, g1, 4);
	mars_client_request(w->cl, 0, g2, 4);
	assert_int_equal(w->nsent, 0);
	mars_client_start(w->cl, 0);
	assert_int_equal(w->nsent, 1);
	mars_reg_reply(w, &vc_m1, 7, 42);
	assert_int_equal(count_sent(w, MARS_JOIN, 0, &vc_m1), 1);
	assert_int_equal(count_sent(w, MARS_REQUEST, -1, &vc_m1), 1);
	assert_int_equal(count_ev(w, MARS_EV_REJOINED), 0);
	world_free(w);
}

/* A drill: failure, recovery on M2, three groups re-joined. */
static void
drill(uint64_t seed, struct world **out)
{
	struct world *w = registered(seed);
	const uint8_t *const list[] = { m1, m2, m3 };
	struct mars_msg m;
	const uint8_t *min, *max;
	size_t i, done;

	join_ok(w, g1, 43);
	join_ok(w, g2, 44);
	join_ok(w, g3, 45);
	mars_map(w, &vc_cc, m1, list, 3, false, 46);
	advance(w, 260000);
	mars_reg_reply(w, &vc_m2, 7, 9000);
	/* The fake MARS answers each re-join 50 ms after it is sent. */
	for (done = w->nsent; w->now < 400000;) {
		advance(w, w->now + 50);
		for (i = done; i < w->nsent; i++) {
			decode_sent(&w->sent[i], &m);
			if (m.op != MARS_JOIN || m.pnum != 1)
				continue;
			mars_pair(&m, 0, &min, &max);
			mars_copy(w, &vc_cc, MARS_JOIN, cm1, min, 0,
			    mars_client_hsn(w->cl) + 1);
		}
		done = w->nsent;
	}
	*out = w;
}

static void
test_determinism(void **state)
{
	struct world *a, *b, *c;
	size_t i;
	bool differ = false;

	drill(77, &a);
	drill(77, &b);
	drill(78, &c);
	assert_int_equal(count_ev(a, MARS_EV_REJOINED), 1);
	assert_int_equal(a->nev, b->nev);
	assert_int_equal(a->nsent, b->nsent);
	for (i = 0; i < a->nev; i++) {
		assert_int_equal(a->ev[i].kind, b->ev[i].kind);
		assert_int_equal(a->ev[i].when, b->ev[i].when);
	}
	for (i = 0; i < a->nsent; i++) {
		assert_int_equal(a->sent[i].when, b->sent[i].when);
		assert_int_equal(a->sent[i].vc.id, b->sent[i].vc.id);
		assert_int_equal(a->sent[i].len, b->sent[i].len);
		assert_memory_equal(a->sent[i].buf, b->sent[i].buf,
		    a->sent[i].len);
	}
	if (a->nsent != c->nsent)
		differ = true;
	for (i = 0; !differ && i < a->nsent; i++)
		if (a->sent[i].when != c->sent[i].when)
			differ = true;
	assert_true(differ);
	world_free(a);
	world_free(b);
	world_free(c);
}

static void
test_bad_input(void **state)
{
	struct world *w = registered(25);
	uint8_t junk[12] = { 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x5e, 0x00, 0x03,
	    0x00, 0x0f, 0x08, 0x00 };
	const uint8_t *const list[] = { m1 };

	assert_int_equal(mars_client_input(w->cl, 0, &vc_cc, junk, 4),
	    MARS_E_NOTOURS);
	assert_true(mars_client_input(w->cl, 0, &vc_cc, junk, sizeof(junk)) < 0);
	assert_int_equal(count_ev(w, MARS_EV_DROPPED), 1);
	/* A map listing only the current MARS: nothing to do. */
	mars_map(w, &vc_cc, m1, list, 1, true, 43);
	assert_int_equal(count_ev(w, MARS_EV_REDIRECT), 0);
	assert_true(mars_client_registered(w->cl));
	world_free(w);
}

static void
test_soft_redirect_no_answer(void **state)
{
	struct world *w = registered(26);
	const uint8_t *const list[] = { m2, m1 };
	const uint8_t *const again[] = { m1, m2 };
	const struct rec_ev *ev;

	mars_map(w, &vc_cc, m1, list, 2, false, 43);
	/* M1 keeps the client alive while M2 stays silent. */
	advance(w, 50000);
	mars_map(w, &vc_cc, m1, again, 2, false, 44);
	advance(w, 60000);
	assert_int_equal(count_sent(w, MARS_JOIN, 1, &vc_m2), 6);
	ev = last_ev(w, MARS_EV_GIVE_UP);
	assert_non_null(ev);
	assert_memory_equal(ev->atm, m2, 20);
	assert_true(mars_client_registered(w->cl));
	assert_memory_equal(mars_client_current_mars(w->cl)->num, m1, 20);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 0);
	world_free(w);
}

/* draft-armitage-ion-mars-scsp-03 §3.2: a Backup sends wayward clients home. */
static void
test_backup_hard_redirects_back(void **state)
{
	struct world *w = world_new(27);
	const uint8_t *const list[] = { m1, m2, m3 };

	mars_client_start(w->cl, 0);
	/* M1 silent: after the sixth send and a wait, M2. */
	advance(w, 70000);
	mars_reg_reply(w, &vc_m2, 7, 500);
	assert_memory_equal(mars_client_current_mars(w->cl)->num, m2, 20);
	mars_map(w, &vc_cc, m2, list, 3, true, 501);
	assert_int_equal(count_ev(w, MARS_EV_REDIRECT), 1);
	assert_true(last_ev(w, MARS_EV_REDIRECT)->hard);
	advance(w, w->now + 10000);
	assert_int_equal(count_sent(w, MARS_JOIN, 1, &vc_m1), 7);
	mars_reg_reply(w, &vc_m1, 7, 42);
	assert_memory_equal(mars_client_current_mars(w->cl)->num, m1, 20);
	/* No groups: the re-join round is over at once. */
	assert_int_equal(count_ev(w, MARS_EV_REJOINED), 1);
	assert_int_equal(last_ev(w, MARS_EV_REJOINED)->count, 0);
	world_free(w);
}

static void
test_multi_part_map(void **state)
{
	struct world *w = registered(28);
	const struct mars_client_atm *map;
	struct mars_msg m;
	size_t n;

	msg_base(&m, MARS_REDIRECT_MAP, m1);
	m.thtl = 20;
	m.tnum = 1;
	m.list = m1;
	m.seqxy = 1;
	m.msn = 43;
	deliver(w, &vc_cc, &m);
	assert_int_equal(count_ev(w, MARS_EV_REDIRECT_MAP), 0);
	m.list = m3;
	m.seqxy = MARS_SEQ_LAST | 2;
	m.msn = 44;
	deliver(w, &vc_cc, &m);
	assert_int_equal(count_ev(w, MARS_EV_REDIRECT_MAP), 1);
	map = mars_client_redirect_map(w->cl, &n, NULL);
	assert_int_equal(n, 2);
	assert_memory_equal(map[1].num, m3, 20);
	/* A lost part discards the whole map (§5.4.3). */
	m.list = m2;
	m.seqxy = 1;
	m.msn = 45;
	deliver(w, &vc_cc, &m);
	m.seqxy = MARS_SEQ_LAST | 3;
	m.msn = 46;
	deliver(w, &vc_cc, &m);
	assert_int_equal(count_ev(w, MARS_EV_REDIRECT_MAP), 1);
	assert_int_equal(count_ev(w, MARS_EV_CSN_GAP), 0);
	map = mars_client_redirect_map(w->cl, &n, NULL);
	assert_memory_equal(map[1].num, m3, 20);
	world_free(w);
}

static void
join_on_registered(void *ctx, const struct mars_event *ev)
{
	struct world *w = ctx;

	on_event(ctx, ev);
	if (ev->kind == MARS_EV_REGISTERED)
		assert_int_equal(mars_client_join(w->cl, w->now, g1, 4), 0);
}

static void
test_join_from_callback(void **state)
{
	struct mars_client_conf conf;
	struct mars_io io;
	struct world *w = world_new(29);

	mars_client_free(w->cl);
	memset(&conf, 0, sizeof(conf));
	conf.own.tl = 20;
	memcpy(conf.own.num, cm1, 20);
	conf.mars = (struct mars_client_mars[]){
		{ .atm = { .tl = 20 }, .vc = { MARS_VC_P2P, 1 } } };
	memcpy(((struct mars_client_mars *)conf.mars)[0].atm.num, m1, 20);
	conf.nmars = 1;
	io.ctx = w;
	io.send = on_send;
	io.event = join_on_registered;
	io.log = NULL;
	assert_int_equal(mars_client_new(&w->cl, &conf, &io, NULL), 0);
	mars_client_start(w->cl, 0);
	mars_reg_reply(w, &vc_m1, 7, 42);
	assert_int_equal(count_sent(w, MARS_JOIN, 0, &vc_m1), 1);
	world_free(w);
}

/* --- Living with a nonconforming MARS (PROTOCOL.md C8, C10, C18) --- */

#define L	MARS_LLC_SNAP_LEN

static size_t
encode_llc(const struct mars_msg *m, uint8_t *buf, size_t cap)
{
	size_t len;

	assert_int_equal(mars_encode(m, buf, cap, &len, MARS_ENC_LLC, NULL), 0);
	return len;
}

static int
deliver_raw(struct world *w, const struct mars_vc *vc, const uint8_t *buf,
    size_t len)
{
	int rc = mars_client_input(w->cl, w->now, vc, buf, len);

	mars_client_tick(w->cl, w->now);
	return rc;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t
count_warn(const struct world *w, uint16_t nonconf)
{
	size_t i, n = 0;

	for (i = 0; i < w->nev; i++)
		if (w->ev[i].kind == MARS_EV_WARNING &&
		    w->ev[i].nonconf == nonconf)
			n++;
	return n;
}

/* C18: the first member gets CMI 0; accepted, with one warning. */
static void
test_cmi_zero_accepted_with_warning(void **state)
{
	struct world *w = world_new(40);
	const struct rec_ev *ev;

	mars_client_start(w->cl, 0);
	mars_reg_reply(w, &vc_m1, 0, 1);
	assert_true(mars_client_registered(w->cl));
	assert_int_equal(mars_client_cmi(w->cl), 0);
	ev = last_ev(w, MARS_EV_WARNING);
	assert_non_null(ev);
	assert_int_equal(ev->nonconf, MARS_NC_CMI_ZERO);
	assert_int_equal(ev->code, MARS_CLIENT_WARN_NONCONF);
	assert_memory_equal(ev->atm, m1, 20);
	assert_non_null(strstr(ev->detail, "CMI 0"));
	/* It is still this MARS's registration: deregistration works. */
	assert_int_equal(mars_client_deregister(w->cl, w->now), 0);
	assert_int_equal(count_sent(w, MARS_LEAVE, 1, &vc_m1), 1);
	world_free(w);
}

/* A map as that server sends it: mar$shtl 0 over 20 source octets, y = 0. */
static size_t
map_c8(uint8_t *buf, size_t cap, const uint8_t *src, bool cut_source)
{
	uint8_t list[40];
	struct mars_msg m;
	size_t len;

	memcpy(list, src, 20);
	memcpy(list + 20, m2, 20);
	msg_base(&m, MARS_REDIRECT_MAP, src);
	m.thtl = 20;
	m.tnum = 2;
	m.seqxy = MARS_SEQ_LAST | 1;
	m.msn = 1;
	m.list = list;
	len = encode_llc(&m, buf, cap);
	buf[L + 12] = buf[L + 13] = 0;
	buf[L + 18] = 0;
	put16(buf + L + 26, 0);
	if (cut_source) {
		memmove(buf + L + 32, buf + L + 52, len - (L + 52));
		len -= 20;
	}
	return len;
}

static void
test_null_source_map_keepalive(void **state)
{
	struct mars_client_conf conf;
	struct world *w;
	uint8_t buf[256];
	size_t len;
	mars_time_t t;

	memset(&conf, 0, sizeof(conf));
	conf.failure_timeout = 10000;
	w = world_new_conf(41, &conf);
	mars_client_start(w->cl, 0);
	mars_reg_reply(w, &vc_m1, 7, 1);
	/* Every 6 s for a minute: never declared dead, one warning. */
	len = map_c8(buf, sizeof(buf), m1, false);
	for (t = 6000; t <= 60000; t += 6000) {
		advance(w, t);
		assert_int_equal(deliver_raw(w, &vc_cc, buf, len), 0);
	}
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 0);
	assert_int_equal(count_warn(w, MARS_NC_NULL_SOURCE | MARS_NC_SEQXY),
	    1);
	/* Its list is not installed. */
	assert_int_equal(count_ev(w, MARS_EV_REDIRECT_MAP), 0);
	/* With no source octets at all, on the current MARS's own VC. */
	len = map_c8(buf, sizeof(buf), m1, true);
	advance(w, 66000);
	assert_int_equal(deliver_raw(w, &vc_m1, buf, len), 0);
	advance(w, 75999);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 0);
	/* ... but not on a CCVC that cannot say whose it is. */
	assert_int_equal(deliver_raw(w, &vc_cc, buf, len), 0);
	assert_int_equal(last_ev(w, MARS_EV_DROPPED)->nonconf,
	    MARS_NC_NULL_SOURCE | MARS_NC_SEQXY);
	/* One from another MARS keeps nothing alive. */
	len = map_c8(buf, sizeof(buf), m2, false);
	assert_int_equal(deliver_raw(w, &vc_cc, buf, len), 0);
	advance(w, 76000);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 1);
	world_free(w);
}

/*
 * C10: that server edits our JOIN into its reply and keeps our checksum.
 * Accepted when it is the checksum we sent; a checksum that is merely
 * wrong is still a drop.
 */
static void
test_stale_checksum_echo(void **state)
{
	struct world *w = world_new(42);
	uint8_t buf[512];
	size_t len;
	uint16_t sum;

	mars_client_start(w->cl, 0);
	assert_int_equal(w->nsent, 1);
	len = w->sent[0].len;
	memcpy(buf, w->sent[0].buf, len);
	sum = (uint16_t)(buf[L + 12] << 8 | buf[L + 13]);
	assert_int_not_equal(sum, 0);
	put16(buf + L + 24, MARS_FLAG_REGISTER | MARS_FLAG_COPY);
	put16(buf + L + 26, 9);			/* mar$cmi */
	buf[L + 31] = 5;			/* mar$msn */
	/* Not our checksum: dropped. */
	put16(buf + L + 12, (uint16_t)(sum ^ 0x0101));
	assert_int_equal(deliver_raw(w, &vc_m1, buf, len), MARS_E_CHKSUM);
	assert_false(mars_client_registered(w->cl));
	assert_int_equal(last_ev(w, MARS_EV_DROPPED)->nonconf,
	    MARS_NC_CHECKSUM);
	/* Ours, echoed: registered, with a warning. */
	put16(buf + L + 12, sum);
	assert_int_equal(deliver_raw(w, &vc_m1, buf, len), 0);
	assert_true(mars_client_registered(w->cl));
	assert_int_equal(mars_client_cmi(w->cl), 9);
	assert_int_equal(count_warn(w, MARS_NC_CHECKSUM), 1);
	/* A stale echo of a JOIN is no answer to a REQUEST. */
	memcpy(buf, w->sent[0].buf, len);
	buf[L + 17] = MARS_LEAVE;
	put16(buf + L + 24, MARS_FLAG_REGISTER | MARS_FLAG_COPY);
	assert_int_equal(deliver_raw(w, &vc_m1, buf, len), MARS_E_CHKSUM);
	world_free(w);
}

/* §4.3.3: with no_checksum every message goes out with mar$chksum 0. */
static void
test_no_checksum(void **state)
{
	struct mars_client_conf conf;
	struct world *w;
	struct mars_msg m;

	memset(&conf, 0, sizeof(conf));
	conf.no_checksum = true;
	w = world_new_conf(43, &conf);
	mars_client_start(w->cl, 0);
	mars_reg_reply(w, &vc_m1, 7, 1);
	mars_client_join(w->cl, w->now, g1, 4);
	assert_int_equal(w->nsent, 2);
	decode_sent(&w->sent[0], &m);
	assert_int_equal(m.chksum, 0);
	decode_sent(&w->sent[1], &m);
	assert_int_equal(m.chksum, 0);
	world_free(w);
}

/* §5.4: a failure timeout not longer than the map interval flaps. */
static void
test_flap_warning_at_start(void **state)
{
	struct mars_client_conf conf;
	struct world *w;
	const struct rec_ev *ev;

	memset(&conf, 0, sizeof(conf));
	conf.failure_timeout = 5000;
	conf.redirect_interval = 10000;
	w = world_new_conf(44, &conf);
	mars_client_start(w->cl, 0);
	ev = last_ev(w, MARS_EV_WARNING);
	assert_non_null(ev);
	assert_int_equal(ev->code, MARS_CLIENT_WARN_FLAP_CONF);
	assert_int_equal(ev->count, 10000);
	assert_int_equal(ev->nonconf, 0);
	world_free(w);

	memset(&conf, 0, sizeof(conf));
	conf.failure_timeout = 30000;
	conf.redirect_interval = 10000;
	w = world_new_conf(44, &conf);
	mars_client_start(w->cl, 0);
	assert_int_equal(count_ev(w, MARS_EV_WARNING), 0);
	world_free(w);
}

/* Interval unknown: the maps show it, once. */
static void
test_flap_warning_from_maps(void **state)
{
	struct mars_client_conf conf;
	const uint8_t *const list[] = { m1, m2 };
	struct world *w;
	const struct rec_ev *ev;

	memset(&conf, 0, sizeof(conf));
	conf.failure_timeout = 5000;
	w = world_new_conf(45, &conf);
	mars_client_start(w->cl, 0);
	mars_reg_reply(w, &vc_m1, 7, 1);
	advance(w, 1000);
	mars_map(w, &vc_cc, m1, list, 2, false, 1);
	advance(w, 4000);
	mars_map(w, &vc_cc, m1, list, 2, false, 1);
	assert_int_equal(count_ev(w, MARS_EV_WARNING), 0);
	/* 10 s later: dead at 9 s, and the map says why. */
	advance(w, 14000);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 1);
	mars_map(w, &vc_cc, m1, list, 2, false, 1);
	ev = last_ev(w, MARS_EV_WARNING);
	assert_non_null(ev);
	assert_int_equal(ev->code, MARS_CLIENT_WARN_FLAP_SEEN);
	assert_int_equal(ev->count, 10000);
	assert_memory_equal(ev->atm, m1, 20);
	advance(w, 40000);
	mars_map(w, &vc_cc, m1, list, 2, false, 1);
	assert_int_equal(count_ev(w, MARS_EV_WARNING), 1);
	world_free(w);
}

/* Maps on a configured MARS's VC in another name: its address is wrong. */
static void
test_wrong_mars_address_warning(void **state)
{
	struct mars_client_mars mars[1];
	struct mars_client_conf conf;
	const uint8_t *const list[] = { m3 };
	const struct mars_vc cc = { MARS_VC_CCVC, 9 };
	const struct rec_ev *ev;
	struct world *w;
	int provisional;

	for (provisional = 0; provisional < 2; provisional++) {
		memset(mars, 0, sizeof(mars));
		mars[0].atm.tl = 20;
		memcpy(mars[0].atm.num, m1, 20);
		mars[0].vc = vc_m1;
		mars[0].has_ccvc = true;
		mars[0].ccvc_id = 9;
		mars[0].provisional = provisional != 0;
		memset(&conf, 0, sizeof(conf));
		conf.mars = mars;
		conf.nmars = 1;
		w = world_new_conf(46, &conf);
		mars_client_start(w->cl, 0);
		mars_reg_reply(w, &vc_m1, 7, 1);
		mars_map(w, &cc, m3, list, 1, false, 2);
		mars_map(w, &cc, m3, list, 1, false, 3);
		if (provisional) {
			assert_int_equal(count_ev(w, MARS_EV_WARNING), 0);
		} else {
			assert_int_equal(count_ev(w, MARS_EV_WARNING), 1);
			ev = last_ev(w, MARS_EV_WARNING);
			assert_int_equal(ev->code, MARS_CLIENT_WARN_MARS_ADDR);
			assert_memory_equal(ev->atm, m3, 20);
			assert_int_equal(ev->count, 0);
		}
		world_free(w);
	}
}

/* --- VC lost (ICMP unreachable in the lab) --- */

static void
test_vc_lost(void **state)
{
	struct world *w = world_new(47);
	const struct rec_ev *ev;

	assert_int_equal(mars_client_vc_lost(w->cl, 0, &vc_m1), MARS_E_INVAL);
	mars_client_start(w->cl, 0);
	/* Registration outstanding: fails at once, M2 next. */
	w->now = 5;
	assert_int_equal(mars_client_vc_lost(w->cl, w->now, &vc_m2),
	    MARS_E_INVAL);
	assert_int_equal(mars_client_vc_lost(w->cl, w->now, &vc_m1), 0);
	ev = last_ev(w, MARS_EV_MARS_FAILED);
	assert_non_null(ev);
	assert_int_equal(ev->when, 5);
	assert_memory_equal(ev->atm, m1, 20);
	advance(w, 10005);
	assert_int_equal(count_sent(w, MARS_JOIN, 1, &vc_m2), 1);
	mars_reg_reply(w, &vc_m2, 7, 1);
	assert_true(mars_client_registered(w->cl));
	/* Registered: the current MARS has failed. */
	assert_int_equal(mars_client_vc_lost(w->cl, w->now, &vc_m2), 0);
	assert_int_equal(count_ev(w, MARS_EV_MARS_FAILED), 2);
	assert_int_equal(mars_client_state(w->cl), MARS_CLIENT_WAITING);
	world_free(w);
}

/* --- Deregistration from whichever MARS holds the registration --- */

static void
leave_copy(struct world *w, const struct mars_vc *vc)
{
	struct mars_msg m;

	msg_base(&m, MARS_LEAVE, cm1);
	m.flags = MARS_FLAG_REGISTER | MARS_FLAG_COPY;
	m.cmi = 7;
	m.msn = 50;
	deliver(w, vc, &m);
}

static void
test_deregister_after_hard_redirect(void **state)
{
	struct world *w = registered(48);
	const uint8_t *const list[] = { m2, m1 };

	/* M1 (a Backup) registered us and sends us to M2, hard. */
	w->now = 1000;
	mars_map(w, &vc_m1, m1, list, 2, true, 44);
	assert_int_equal(mars_client_state(w->cl), MARS_CLIENT_WAITING);
	/* Leaving before the new registration: M1 holds it. */
	w->nsent = 0;
	assert_int_equal(mars_client_deregister(w->cl, w->now), 0);
	assert_int_equal(count_sent(w, MARS_LEAVE, 1, &vc_m1), 1);
	assert_int_equal(w->nsent, 1);
	assert_int_equal(mars_client_deregister(w->cl, w->now), MARS_E_INVAL);
	leave_copy(w, &vc_m1);
	assert_int_equal(count_ev(w, MARS_EV_DEREGISTERED), 1);
	assert_int_equal(mars_client_state(w->cl), MARS_CLIENT_IDLE);
	/* No registration left anywhere: nothing to do, nothing sent. */
	advance(w, 100000);
	assert_int_equal(w->nsent, 1);
	assert_int_equal(mars_client_deregister(w->cl, w->now), MARS_E_INVAL);
	world_free(w);
}

static void
test_deregister_every_holder(void **state)
{
	struct world *w = registered(49);
	const uint8_t *const list[] = { m2, m1 };
	size_t i;

	w->now = 1000;
	mars_map(w, &vc_m1, m1, list, 2, true, 44);
	/* The registration with M2 is outstanding: M2 may hold it too. */
	advance(w, 11000);
	assert_int_equal(mars_client_state(w->cl), MARS_CLIENT_REGISTERING);
	w->nsent = 0;
	assert_int_equal(mars_client_deregister(w->cl, w->now), 0);
	assert_int_equal(count_sent(w, MARS_LEAVE, 1, &vc_m1), 1);
	assert_int_equal(count_sent(w, MARS_LEAVE, 1, &vc_m2), 1);
	/* M2's copy; M1 says nothing and is asked again until the limit. */
	leave_copy(w, &vc_m2);
	assert_int_equal(mars_client_state(w->cl), MARS_CLIENT_DEREGISTERING);
	advance(w, w->now + 100000);
	assert_int_equal(count_sent(w, MARS_LEAVE, 1, &vc_m1), 6);
	assert_int_equal(count_sent(w, MARS_LEAVE, 1, &vc_m2), 1);
	assert_int_equal(count_ev(w, MARS_EV_DEREGISTERED), 1);
	world_free(w);

	/* None answers: GIVE_UP.  A lost VC stops the wait for its MARS. */
	w = registered(50);
	w->now = 1000;
	mars_map(w, &vc_m1, m1, list, 2, true, 44);
	advance(w, 11000);
	assert_int_equal(mars_client_deregister(w->cl, w->now), 0);
	assert_int_equal(mars_client_vc_lost(w->cl, w->now, &vc_m2), 0);
	assert_int_equal(mars_client_state(w->cl), MARS_CLIENT_DEREGISTERING);
	assert_int_equal(mars_client_vc_lost(w->cl, w->now, &vc_m1), 0);
	assert_int_equal(mars_client_state(w->cl), MARS_CLIENT_IDLE);
	assert_int_equal(count_ev(w, MARS_EV_DEREGISTERED), 0);
	assert_int_equal(count_ev(w, MARS_EV_GIVE_UP), 1);
	for (i = 0; i < w->nev; i++)
		assert_int_not_equal(w->ev[i].kind, MARS_EV_REGISTERED);
	world_free(w);
}

/* Protocol unknown: the registration offers IPv4 and IPv6 in turn. */
static void
test_protocol_alternates(void **state)
{
	struct mars_client_conf conf;
	struct world *w;
	struct mars_msg m;

	memset(&conf, 0, sizeof(conf));
	conf.pro_type_alt = MARS_PRO_IPV6;
	w = world_new_conf(51, &conf);
	mars_client_start(w->cl, 0);
	advance(w, 10000);
	assert_int_equal(w->nsent, 2);
	decode_sent(&w->sent[0], &m);
	assert_int_equal(m.pro_type, MARS_PRO_IPV4);
	decode_sent(&w->sent[1], &m);
	assert_int_equal(m.pro_type, MARS_PRO_IPV6);
	msg_base(&m, MARS_JOIN, cm1);
	m.pro_type = MARS_PRO_IPV6;
	m.flags = MARS_FLAG_COPY | MARS_FLAG_REGISTER;
	m.cmi = 4;
	deliver(w, &vc_m1, &m);
	assert_true(mars_client_registered(w->cl));
	assert_int_equal(mars_client_pro_type(w->cl), MARS_PRO_IPV6);
	/* Settled: IPv4 from now on is another protocol. */
	{
		uint8_t buf[256];
		size_t len;

		m.pro_type = MARS_PRO_IPV4;
		len = encode_llc(&m, buf, sizeof(buf));
		assert_int_equal(deliver_raw(w, &vc_m1, buf, len),
		    MARS_E_NOTOURS);
	}
	assert_string_equal(last_ev(w, MARS_EV_DROPPED)->detail,
	    "other protocol");
	w->nsent = 0;
	assert_int_equal(mars_client_deregister(w->cl, w->now), 0);
	decode_sent(&w->sent[0], &m);
	assert_int_equal(m.pro_type, MARS_PRO_IPV6);
	world_free(w);
}

/* --- Item: no allocation sized by a wire count without a cap --- */

/* A MULTI part for g1 with n targets (all distinct), not the last. */
static size_t
multi_part(uint8_t *buf, size_t cap, uint16_t n, uint16_t y, bool last)
{
	static uint8_t list[450 * 20];
	struct mars_msg m;
	uint16_t i;

	for (i = 0; i < n; i++) {
		memcpy(list + 20 * i, cm2, 20);
		list[20 * i + 16] = (uint8_t)(y >> 8);
		list[20 * i + 17] = (uint8_t)y;
		list[20 * i + 18] = (uint8_t)(i >> 8);
		list[20 * i + 19] = (uint8_t)i;
	}
	msg_base(&m, MARS_MULTI, cm1);
	m.spa.addr = (const uint8_t[]){ 10, 1, 1, 1 };
	m.spa.len = 4;
	m.tpa.addr = g1;
	m.tpa.len = 4;
	m.thtl = 20;
	m.tnum = n;
	m.seqxy = (uint16_t)((last ? MARS_SEQ_LAST : 0) | y);
	m.msn = 42;
	m.list = list;
	return encode_llc(&m, buf, cap);
}

static void
test_multi_reassembly_capped(void **state)
{
	static uint8_t buf[10000];
	struct mars_client_conf conf;
	struct world *w;
	const struct rec_ev *ev;
	size_t len, base, peak = 0, n;
	uint16_t y;

	memset(&conf, 0, sizeof(conf));
	conf.list_max = 1000;
	w = world_new_conf(52, &conf);
	mars_client_start(w->cl, 0);
	mars_reg_reply(w, &vc_m1, 7, 42);
	base = mars_client_memory(w->cl);
	assert_int_equal(mars_client_request(w->cl, w->now, g1, 4), 0);
	/* 100 parts of 440 members each: 44,000 claimed. */
	for (y = 1; y <= 100; y++) {
		len = multi_part(buf, sizeof(buf), 440, y, y == 100);
		assert_true(len > 8800);
		assert_int_equal(deliver_raw(w, &vc_m1, buf, len), 0);
		if (mars_client_memory(w->cl) > peak)
			peak = mars_client_memory(w->cl);
	}
	/* At most list_max entries held, whatever the parts claim. */
	assert_true(peak - base <= 1000 * sizeof(struct mars_client_atm));
	ev = last_ev(w, MARS_EV_MULTI);
	assert_non_null(ev);
	assert_int_equal(ev->count, 1000);
	assert_non_null(strstr(ev->detail, "truncated"));
	mars_client_members(w->cl, &n);
	assert_int_equal(n, 1000);

	/* The datagram of the review: 65,535 null targets in 60 octets. */
	assert_int_equal(mars_client_request(w->cl, w->now, g2, 4), 0);
	len = multi_part(buf, sizeof(buf), 1, 1, false);
	put16(buf + L + 12, 0);
	buf[L + 21] = 0;
	put16(buf + L + 24, 0xffff);
	base = mars_client_memory(w->cl);
	for (y = 0; y < 100; y++)
		assert_int_equal(deliver_raw(w, &vc_m1, buf, L + 60),
		    MARS_E_LENGTH);
	assert_int_equal(mars_client_memory(w->cl), base);

	/* The largest list_max is the CMI space. */
	world_free(w);
	memset(&conf, 0, sizeof(conf));
	conf.list_max = MARS_CLIENT_LIST_LIMIT + 1;
	conf.own.tl = 20;
	memcpy(conf.own.num, cm1, 20);
	conf.mars = (struct mars_client_mars[]){
		{ .atm = { .tl = 20 }, .vc = { MARS_VC_P2P, 1 } } };
	conf.nmars = 1;
	{
		struct mars_client *cl;
		struct mars_err e;

		assert_int_equal(mars_client_new(&cl, &conf, NULL, &e),
		    MARS_E_INVAL);
		assert_string_equal(e.field, "list_max");
	}
}

/* GROUPLIST_REPLY parts: the same cap. */
static void
test_grouplist_reassembly_capped(void **state)
{
	static uint8_t buf[10000], groups[2000 * 4];
	struct mars_client_conf conf;
	struct world *w;
	struct mars_msg m;
	size_t len, base, n;
	uint16_t y, i;

	memset(&conf, 0, sizeof(conf));
	conf.list_max = 500;
	w = world_new_conf(53, &conf);
	mars_client_start(w->cl, 0);
	mars_reg_reply(w, &vc_m1, 7, 42);
	base = mars_client_memory(w->cl);
	assert_int_equal(mars_client_grouplist(w->cl, w->now,
	    (const uint8_t[]){ 224, 0, 0, 0 },
	    (const uint8_t[]){ 239, 255, 255, 255 }, 4), 0);
	for (i = 0; i < 2000; i++) {
		groups[4 * i] = 225;
		groups[4 * i + 2] = (uint8_t)(i >> 8);
		groups[4 * i + 3] = (uint8_t)i;
	}
	for (y = 1; y <= 50; y++) {
		msg_base(&m, MARS_GROUPLIST_REPLY, cm1);
		m.spa.addr = (const uint8_t[]){ 10, 1, 1, 1 };
		m.spa.len = 4;
		m.grp_len = 4;
		m.tnum = 2000;
		m.seqxy = (uint16_t)((y == 50 ? MARS_SEQ_LAST : 0) | y);
		m.msn = 42;
		m.list = groups;
		len = encode_llc(&m, buf, sizeof(buf));
		assert_int_equal(deliver_raw(w, &vc_m1, buf, len), 0);
		assert_true(mars_client_memory(w->cl) - base <=
		    500 * sizeof(struct mars_client_pa));
	}
	assert_int_equal(last_ev(w, MARS_EV_GROUPLIST)->count, 500);
	mars_client_grouplist_groups(w->cl, &n);
	assert_int_equal(n, 500);
	world_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_register_retransmit_then_fail),
		cmocka_unit_test(test_full_pass_pauses),
		cmocka_unit_test(test_join_retransmit_until_copy),
		cmocka_unit_test(test_join_private_copy),
		cmocka_unit_test(test_join_limit_is_mars_failure),
		cmocka_unit_test(test_leave),
		cmocka_unit_test(test_csn_gap_revalidate),
		cmocka_unit_test(test_csn_wraps),
		cmocka_unit_test(test_request_single_multi),
		cmocka_unit_test(test_request_three_parts),
		cmocka_unit_test(test_request_nak),
		cmocka_unit_test(test_request_part_jump_rerequests),
		cmocka_unit_test(test_request_part_timeout_and_give_up),
		cmocka_unit_test(test_grouplist),
		cmocka_unit_test(test_map_keeps_mars_alive),
		cmocka_unit_test(test_failover_walks_map_and_rejoins),
		cmocka_unit_test(test_failover_skips_dead_backup),
		cmocka_unit_test(test_hard_redirect),
		cmocka_unit_test(test_hard_redirect_outlives_old_map),
		cmocka_unit_test(test_soft_redirect),
		cmocka_unit_test(test_soft_redirect_untrusted),
		cmocka_unit_test(test_soft_redirect_ccvc_id),
		cmocka_unit_test(test_deregister),
		cmocka_unit_test(test_join_before_registration_is_queued),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_soft_redirect_no_answer),
		cmocka_unit_test(test_backup_hard_redirects_back),
		cmocka_unit_test(test_multi_part_map),
		cmocka_unit_test(test_join_from_callback),
		cmocka_unit_test(test_cmi_zero_accepted_with_warning),
		cmocka_unit_test(test_null_source_map_keepalive),
		cmocka_unit_test(test_stale_checksum_echo),
		cmocka_unit_test(test_no_checksum),
		cmocka_unit_test(test_flap_warning_at_start),
		cmocka_unit_test(test_flap_warning_from_maps),
		cmocka_unit_test(test_wrong_mars_address_warning),
		cmocka_unit_test(test_vc_lost),
		cmocka_unit_test(test_deregister_after_hard_redirect),
		cmocka_unit_test(test_deregister_every_holder),
		cmocka_unit_test(test_protocol_alternates),
		cmocka_unit_test(test_multi_reassembly_capped),
		cmocka_unit_test(test_grouplist_reassembly_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
