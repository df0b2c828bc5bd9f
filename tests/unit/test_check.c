/*
 * The check layer (check.h) on synthetic event streams: each rule held
 * on a conforming stream, broken by the one defect it is about (with the
 * frames and section its finding names), and "cannot tell" when the
 * stream cannot decide it -- never a false alarm.  Messages are encoded
 * with the codec and carried in events as a lab capture gives them: the
 * UDP endpoint of each MARS (its endpoint for MARS messages, its peer
 * endpoint for SCSP), the VC kind, a time in microseconds, a frame number.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mars/check.h"
#include "mars/config.h"
#include "mars/msg.h"
#include "mars/proto.h"
#include "mars/scsp.h"
#include "mars/sim.h"

#define MS		1000u		/* us */
#define SEC		1000000u
#define NMARS		3

/*
 * A capture is in time order; the helpers below build a stream piece by
 * piece (the Hellos of a span, then the maps of it), so events wait in
 * `q` and go to the checker sorted by time (frame numbers as assigned)
 * when a verdict is asked for or the stream ends.
 */
struct qev {
	struct mars_event	 ev;
	struct mars_end		 src, dst;
	uint8_t			 sdu[512];
};

struct stream {
	struct mars_check	*c;
	struct mars_check_conf	 conf;
	uint64_t		 frame;
	uint32_t		 csn[NMARS];	/* next CSN of each MARS */
	struct qev		*q;
	size_t			 nq, capq;
};

static void
mars_atm(uint8_t *a, unsigned i)
{
	static const uint8_t base[20] = {
		0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00, 0xf2,
		0x1a, 0x26, 0xd8, 0x00, 0x20, 0xea, 0x00, 0x00, 0x00, 0x00,
	};

	memcpy(a, base, 20);
	a[18] = (uint8_t)(i + 1);
}

static void
member_atm(uint8_t *a, unsigned k)
{
	memset(a, 0x39, 20);
	a[19] = (uint8_t)k;
}

/*
 * Every end a simulator node, numbered by its port -- so that the
 * entities' own happenings (MARS_EV_ALIGNED, MARS_SIM_EV_RESTART), which
 * name a node, find them.
 */
static void
end_of(struct mars_end *e, uint16_t port)
{
	memset(e, 0, sizeof(*e));
	e->kind = MARS_END_NODE;
	e->node = port;
}

/* MARS i: endpoint 4501 + i, peer endpoint 5501 + i; members 6000 + k. */
static void
conf_init(struct mars_check_conf *cf, bool with_file, bool partitions)
{
	unsigned i;

	mars_check_conf_init(cf);
	cf->max_findings = 64;
	if (!with_file)
		return;
	cf->has_cluster = true;
	cf->lsid_by_index = true;
	cf->n_mars = NMARS;
	for (i = 0; i < NMARS; i++) {
		snprintf(cf->mars[i].name, sizeof(cf->mars[i].name), "m%u",
		    i + 1);
		mars_atm(cf->mars[i].atm, i);
		cf->mars[i].atm_len = 20;
		end_of(&cf->mars[i].ends[0], (uint16_t)(4501 + i));
		end_of(&cf->mars[i].ends[1], (uint16_t)(5501 + i));
		cf->mars[i].n_ends = 2;
		cf->mars[i].priority = (uint8_t)(200 - 50 * i);
	}
	cf->redirect_interval = 500;
	cf->hello_interval = 1000;
	cf->dead_factor = 3;
	if (partitions) {
		/* red = m1 m3, blue = m2 m3: m3 a pool of one. */
		cf->n_partitions = 2;
		snprintf(cf->partitions[0].name, 32, "red");
		cf->partitions[0].n_mars = 2;
		cf->partitions[0].mars[0] = 0;
		cf->partitions[0].mars[1] = 2;
		cf->partitions[0].cmi_low = 1;
		cf->partitions[0].cmi_high = 1000;
		snprintf(cf->partitions[1].name, 32, "blue");
		cf->partitions[1].n_mars = 2;
		cf->partitions[1].mars[0] = 1;
		cf->partitions[1].mars[1] = 2;
		cf->partitions[1].cmi_low = 1001;
		cf->partitions[1].cmi_high = 2000;
	}
}

static void
stream_open(struct stream *s, bool with_file, bool partitions)
{
	memset(s, 0, sizeof(*s));
	conf_init(&s->conf, with_file, partitions);
	s->csn[0] = 100;
	s->csn[1] = 5000;
	s->csn[2] = 9000;
	assert_int_equal(mars_check_new(&s->c, &s->conf, NULL), 0);
}

static int
qev_cmp(const void *a, const void *b)
{
	const struct qev *x = a, *y = b;

	if (x->ev.us != y->ev.us)
		return x->ev.us < y->ev.us ? -1 : 1;
	return x->ev.frame < y->ev.frame ? -1 : x->ev.frame > y->ev.frame;
}

/* What waits goes to the checker, in time order. */
static void
flush(struct stream *s)
{
	size_t i;

	qsort(s->q, s->nq, sizeof(s->q[0]), qev_cmp);
	for (i = 0; i < s->nq; i++) {
		s->q[i].ev.src = s->q[i].src;
		s->q[i].ev.dst = s->q[i].dst;
		s->q[i].ev.sdu = s->q[i].sdu;
		if (s->q[i].ev.kind == MARS_EV_ALIGNED &&
		    s->q[i].ev.peer_len != 0)
			s->q[i].ev.peer = s->q[i].sdu;
		mars_check_feed(s->c, &s->q[i].ev);
	}
	s->nq = 0;
}

static void
stream_end(struct stream *s)
{
	flush(s);
	mars_check_end(s->c);
}

static void
stream_close(struct stream *s)
{
	mars_check_free(s->c);
	free(s->q);
}

/* Feed an SDU sent by `from` to `to` on a VC of kind vc at t ms. */
static uint64_t
feed(struct stream *s, uint64_t t, const struct mars_end *from,
    const struct mars_end *to, uint8_t vc, const uint8_t *sdu, size_t len)
{
	struct qev *q;

	if (s->nq == s->capq) {
		s->capq = s->capq ? 2 * s->capq : 256;
		s->q = realloc(s->q, s->capq * sizeof(*s->q));
		assert_non_null(s->q);
	}
	q = &s->q[s->nq++];
	assert_true(len <= sizeof(q->sdu));
	mars_event_init(&q->ev, MARS_EV_MESSAGE, t);
	q->ev.us = 1700000000ull * SEC + t * MS;
	q->ev.vc.kind = vc;
	q->src = *from;
	memset(&q->dst, 0, sizeof(q->dst));
	if (to != NULL)
		q->dst = *to;
	q->ev.frame = ++s->frame;
	memcpy(q->sdu, sdu, len);
	q->ev.sdu_len = len;
	return q->ev.frame;
}

/*
 * MARS i reports at t ms that its cache is aligned with MARS j's
 * (MARS_EV_ALIGNED): the DCS by its SCSP ID, kept in the SDU's room, or
 * with by_index by its DCS index alone (count: every other MARS in
 * file order), as the simulator's log has it.
 */
static void
aligned(struct stream *s, uint64_t t, unsigned i, unsigned j, bool by_index)
{
	static const uint8_t none[1];
	struct mars_end e;
	struct qev *q;

	end_of(&e, (uint16_t)(5501 + i));
	feed(s, t, &e, NULL, 0, none, 0);
	q = &s->q[s->nq - 1];
	q->ev.kind = MARS_EV_ALIGNED;
	q->ev.entity = e.node;
	q->ev.count = j < i ? j : j - 1;
	memset(&q->src, 0, sizeof(q->src));
	memset(q->sdu, 0, 4);
	q->sdu[3] = (uint8_t)(j + 1);
	q->ev.peer_len = by_index ? 0 : 4;
}

/* The simulator restarts MARS i at t ms (MARS_SIM_EV_RESTART). */
static void
restart_of(struct stream *s, uint64_t t, unsigned i)
{
	static const uint8_t none[1];
	struct mars_end e;
	struct qev *q;

	end_of(&e, (uint16_t)(5501 + i));
	feed(s, t, &e, NULL, 0, none, 0);
	q = &s->q[s->nq - 1];
	q->ev.kind = MARS_SIM_EV_RESTART;
	q->ev.entity = e.node;
	memset(&q->src, 0, sizeof(q->src));
}

static size_t
encode(const struct mars_msg *m, uint8_t *out, size_t cap)
{
	size_t len;

	assert_int_equal(mars_encode(m, out, cap, &len, MARS_ENC_LLC, NULL), 0);
	return len;
}

/*
 * A redirect map from MARS i listing list[n]: on a pt-mpt VC one copy to
 * each of `leaves` leaves, on a point-to-point VC to member `leaves`.
 */
static uint64_t
map_from(struct stream *s, uint64_t t, unsigned i, const unsigned *list,
    size_t n, bool hard, uint8_t vc, unsigned leaves)
{
	uint8_t sha[20], entries[20 * 8], buf[512];
	struct mars_end from, to;
	struct mars_msg m;
	uint64_t fr = 0;
	size_t k, len;

	memset(&m, 0, sizeof(m));
	m.afn = MARS_AFN_ATM;
	m.pro_type = MARS_PRO_IPV4;
	m.op = MARS_REDIRECT_MAP;
	mars_atm(sha, i);
	m.sha.addr = sha;
	m.sha.tl = 20;
	for (k = 0; k < n; k++)
		mars_atm(entries + 20 * k, list[k]);
	m.thtl = 20;
	m.tnum = (uint16_t)n;
	m.list = entries;
	m.seqxy = MARS_SEQ_LAST | 1;
	m.redirf = hard ? MARS_REDIRF_HARD : 0;
	m.msn = s->csn[i];
	len = encode(&m, buf, sizeof(buf));
	end_of(&from, (uint16_t)(4501 + i));
	if (vc == MARS_VC_P2P) {
		/* Private: leaves is the member it goes to. */
		end_of(&to, (uint16_t)(6000 + leaves));
		fr = feed(s, t, &from, &to, vc, buf, len);
	}
	for (k = 0; vc != MARS_VC_P2P && k < (leaves ? leaves : 1); k++) {
		end_of(&to, (uint16_t)(6000 + k));
		fr = feed(s, t, &from, &to, vc, buf, len);
	}
	if (vc == MARS_VC_CCVC)
		s->csn[i]++;
	return fr;
}

/* A JOIN-family message from MARS i about member k, group g (0: none). */
static uint64_t
join_msg(struct stream *s, uint64_t t, unsigned i, uint8_t op, unsigned k,
    uint8_t g, uint16_t flags, uint16_t cmi, uint8_t vc, bool bump)
{
	uint8_t sha[20], grp[8], buf[256];
	struct mars_end from, to;
	struct mars_msg m;
	uint64_t fr;

	memset(&m, 0, sizeof(m));
	m.afn = MARS_AFN_ATM;
	m.pro_type = MARS_PRO_IPV4;
	m.op = op;
	member_atm(sha, k);
	m.sha.addr = sha;
	m.sha.tl = 20;
	m.flags = flags;
	m.cmi = cmi;
	m.msn = s->csn[i];
	if (g != 0) {
		grp[0] = grp[4] = 224;
		grp[1] = grp[5] = 1;
		grp[2] = grp[6] = 2;
		grp[3] = grp[7] = g;
		m.grp_len = 4;
		m.pnum = 1;
		m.list = grp;
		m.flags |= MARS_FLAG_LAYER3GRP;
	}
	end_of(&from, (uint16_t)(4501 + i));
	end_of(&to, (uint16_t)(6000 + k));
	fr = feed(s, t, &from, &to, vc, buf, encode(&m, buf, sizeof(buf)));
	if (bump)
		s->csn[i]++;
	return fr;
}

static uint64_t
join_copy(struct stream *s, uint64_t t, unsigned i, unsigned k, uint8_t g)
{
	return join_msg(s, t, i, MARS_JOIN, k, g, MARS_FLAG_COPY, 0,
	    MARS_VC_CCVC, true);
}

/* MARS i answers member k's registration with cmi. */
static uint64_t
reg_reply(struct stream *s, uint64_t t, unsigned i, unsigned k, uint16_t cmi)
{
	return join_msg(s, t, i, MARS_JOIN, k, 0, MARS_FLAG_COPY |
	    MARS_FLAG_REGISTER, cmi, MARS_VC_P2P, false);
}

static void
scsp_msg(struct stream *s, uint64_t t, unsigned from, unsigned to,
    uint8_t type, uint16_t flags)
{
	uint8_t sid[4] = { 0, 0, 0, (uint8_t)(from + 1) };
	uint8_t rid[4] = { 0, 0, 0, (uint8_t)(to + 1) };
	struct mars_end f, d;
	struct mars_scsp_msg m;
	uint8_t buf[256];
	size_t len;

	memset(&m, 0, sizeof(m));
	m.version = MARS_SCSP_VERSION;
	m.type = type;
	m.protocol_id = MARS_SCSP_PROTO_MARS;
	m.sender.p = sid;
	m.sender.len = 4;
	if (type == MARS_SCSP_HELLO) {
		m.hello_interval = 1;
		m.dead_factor = 3;
		/* flags: the Hello lists its receiver (RFC 2334 §2.1). */
		if (flags != 0) {
			m.receiver.p = rid;
			m.receiver.len = 4;
		}
	} else {
		m.receiver.p = rid;
		m.receiver.len = 4;
		m.flags = flags;
	}
	assert_int_equal(mars_scsp_encode(&m, buf, sizeof(buf), &len,
	    MARS_SCSP_ENC_LLC, NULL), 0);
	end_of(&f, (uint16_t)(5501 + from));
	end_of(&d, (uint16_t)(5501 + to));
	feed(s, t, &f, &d, MARS_VC_SERVER, buf, len);
}

/*
 * MARS from hands member k's registration (CMI cmi) on to MARS to: a CSU
 * Request with its CLIENT_JOIN register record (RFC 2443 §3).
 */
static void
replicate(struct stream *s, uint64_t t, unsigned from, unsigned to,
    unsigned k, uint16_t cmi)
{
	uint8_t sid[4] = { 0, 0, 0, (uint8_t)(from + 1) };
	uint8_t rid[4] = { 0, 0, 0, (uint8_t)(to + 1) };
	uint8_t atm[20], body[128], buf[256];
	struct mars_scsp_mars_part mp;
	struct mars_scsp_csas rec;
	struct mars_scsp_msg m;
	struct mars_end f, d;
	size_t blen, len;

	member_atm(atm, k);
	memset(&mp, 0, sizeof(mp));
	mp.hw_type = MARS_AFN_ATM;
	mp.pro_type = MARS_PRO_IPV4;
	mp.state = MARS_SCSP_MARS_CLIENT_JOIN;
	mp.flags = MARS_FLAG_REGISTER;
	mp.cmi = cmi;
	mp.atm.addr = atm;
	mp.atm.tl = 20;
	assert_int_equal(mars_scsp_mars_encode(&mp, body, sizeof(body), &blen,
	    NULL), 0);
	memset(&rec, 0, sizeof(rec));
	rec.seq = MARS_SCSP_SEQ_FIRST;
	rec.key.p = sid;
	rec.key.len = 4;
	rec.oid.p = sid;
	rec.oid.len = 4;
	rec.body = body;
	rec.body_len = (uint16_t)blen;
	memset(&m, 0, sizeof(m));
	m.version = MARS_SCSP_VERSION;
	m.type = MARS_SCSP_CSU_REQUEST;
	m.protocol_id = MARS_SCSP_PROTO_MARS;
	m.sender.p = sid;
	m.sender.len = 4;
	m.receiver.p = rid;
	m.receiver.len = 4;
	m.nrec = 1;
	m.csas = &rec;
	assert_int_equal(mars_scsp_encode(&m, buf, sizeof(buf), &len,
	    MARS_SCSP_ENC_LLC, NULL), 0);
	end_of(&f, (uint16_t)(5501 + from));
	end_of(&d, (uint16_t)(5501 + to));
	feed(s, t, &f, &d, MARS_VC_SERVER, buf, len);
}

/*
 * Hellos from every MARS in alive[] to every other every second in
 * [from, to) ms, each listing its receiver when that one is alive too
 * (it has heard it: RFC 2334 §2.1).
 */
static void
hellos(struct stream *s, uint64_t from, uint64_t to, const bool *alive)
{
	uint64_t t;
	unsigned i, j;

	for (t = from; t < to; t += 1000)
		for (i = 0; i < NMARS; i++)
			for (j = 0; alive[i] && j < NMARS; j++)
				if (j != i)
					scsp_msg(s, t + i, i, j,
					    MARS_SCSP_HELLO, alive[j]);
}

static int
verdict(struct stream *s, unsigned rule)
{
	flush(s);
	return mars_check_verdict(s->c, rule, NULL, NULL);
}

static const struct mars_check_finding *
find(struct stream *s, unsigned rule, const char *text)
{
	const struct mars_check_finding *f;
	size_t i;

	for (i = 0; (f = mars_check_finding(s->c, i)) != NULL; i++)
		if (f->rule == rule && strstr(f->message, text) != NULL)
			return f;
	return NULL;
}

static const unsigned m123[] = { 0, 1, 2 }, m231[] = { 1, 2, 0 },
    m23[] = { 1, 2 }, m213[] = { 1, 0, 2 }, m132[] = { 0, 2, 1 };

/* m1 Active for 3 s with members 1-3 registered and joined. */
static uint64_t
boot(struct stream *s, const bool *alive)
{
	uint64_t t;
	unsigned k;

	if (alive != NULL)
		hellos(s, 0, 3000, alive);
	for (t = 0; t < 3000; t += 500)
		map_from(s, t + 10, 0, m123, 3, false, MARS_VC_CCVC, 3);
	for (k = 1; k <= 3; k++) {
		reg_reply(s, 3000 + 10 * k, 0, k, (uint16_t)k);
		join_copy(s, 3005 + 10 * k, 0, k, (uint8_t)k);
	}
	return 3100;
}

/* ---- the conforming stream ---- */

static void
test_conforming_failover(void **state)
{
	static const bool all[3] = { true, true, true },
	    no_m1[3] = { false, true, true };
	struct stream s;
	uint64_t t;
	unsigned k, r;

	stream_open(&s, true, false);
	t = boot(&s, all);
	hellos(&s, 3000, 4000, all);
	/* m1 dies at 4 s; m2 is Active at 8 s, members come with CMIs. */
	hellos(&s, 4000, 12000, no_m1);
	for (t = 8000; t < 12000; t += 500) {
		map_from(&s, t, 1, m231, 3, false, MARS_VC_CCVC, 3);
		for (k = 1; t == 8000 && k <= 3; k++)
			reg_reply(&s, 8100 + 100 * k, 1, k, (uint16_t)k);
	}
	stream_end(&s);
	assert_int_equal(mars_check_finding_total(s.c), 0);
	for (r = 0; r < MARS_CHECK_NRULES; r++)
		assert_int_not_equal(verdict(&s, r), MARS_CHECK_BROKEN);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_WHOLE_GROUP),
	    MARS_CHECK_HELD);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_LIVING_FIRST),
	    MARS_CHECK_HELD);
	assert_int_equal(verdict(&s, MARS_CHECK_CMI_CONTINUITY),
	    MARS_CHECK_HELD);
	assert_int_equal(verdict(&s, MARS_CHECK_CSN_SEQUENCE), MARS_CHECK_HELD);
	assert_int_equal(verdict(&s, MARS_CHECK_SINGLE_ACTIVE), MARS_CHECK_HELD);
	assert_int_equal(verdict(&s, MARS_CHECK_REGISTRATION_CSN),
	    MARS_CHECK_HELD);
	/* Two epochs: m1, then m2; the copies were recognised. */
	assert_int_equal(mars_check_epoch_count(s.c), 2);
	assert_true(mars_check_stats(s.c)->copies > 0);
	stream_close(&s);
}

/* ---- redirect maps ---- */

static void
test_whole_group(void **state)
{
	const struct mars_check_finding *f;
	struct stream s;
	uint64_t t, fr = 0;

	stream_open(&s, true, false);
	boot(&s, NULL);
	for (t = 8000; t < 10000; t += 500) {
		uint64_t x = map_from(&s, t, 1, m23, 2, false, MARS_VC_CCVC, 1);
		if (fr == 0)
			fr = x;
	}
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_WHOLE_GROUP),
	    MARS_CHECK_BROKEN);
	assert_non_null(f = find(&s, MARS_CHECK_REDIRECT_WHOLE_GROUP,
	    "from m2 lists m2,m3 but not m1"));
	assert_int_equal(f->frames[0], fr);
	assert_int_equal(f->severity, MARS_CHECK_ERROR);
	/* The repeated map is no new finding. */
	assert_int_equal(mars_check_finding_total(s.c), 1);
	stream_close(&s);

	/* Without the file, earlier maps tell the MARS Group. */
	stream_open(&s, false, false);
	boot(&s, NULL);
	for (t = 8000; t < 10000; t += 500)
		map_from(&s, t, 1, m23, 2, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_non_null(find(&s, MARS_CHECK_REDIRECT_WHOLE_GROUP,
	    "which earlier maps listed"));
	stream_close(&s);

	/* A capture that starts with the short map: nothing to compare. */
	stream_open(&s, false, false);
	for (t = 0; t < 3000; t += 500)
		map_from(&s, t, 1, m23, 2, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_WHOLE_GROUP),
	    MARS_CHECK_HELD);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_ONLY_GROUP),
	    MARS_CHECK_CANNOT_TELL);
	stream_close(&s);
}

static void
test_only_group(void **state)
{
	static const unsigned with_stranger[] = { 0, 1, 2, 7 };
	struct stream s;

	stream_open(&s, true, false);
	map_from(&s, 10, 0, with_stranger, 4, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_ONLY_GROUP),
	    MARS_CHECK_BROKEN);
	assert_non_null(find(&s, MARS_CHECK_REDIRECT_ONLY_GROUP,
	    "not in the MARS Group of the cluster file"));
	stream_close(&s);
}

static void
test_sender_first(void **state)
{
	struct stream s;
	uint64_t t, u;

	/* m1 names m2 first, and m2 takes over: a hand-over. */
	stream_open(&s, true, false);
	boot(&s, NULL);
	map_from(&s, 3500, 0, m213, 3, false, MARS_VC_CCVC, 1);
	for (t = 3600; t < 6000; t += 500)
		map_from(&s, t, 1, m213, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_SENDER_FIRST),
	    MARS_CHECK_HELD);
	stream_close(&s);

	/* m1 keeps naming m2 first, which never speaks: broken. */
	stream_open(&s, true, false);
	boot(&s, NULL);
	for (t = 3500; t < 12000; t += 500)
		map_from(&s, t, 0, m213, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_SENDER_FIRST),
	    MARS_CHECK_BROKEN);
	assert_non_null(find(&s, MARS_CHECK_REDIRECT_SENDER_FIRST,
	    "m1's soft map names m2 first, but m2 did not take over"));
	stream_close(&s);

	/*
	 * m3, Active on its side of a partition, hands over to m2 as the
	 * partition heals; m2 has already seen m1, which the election
	 * prefers, and leaves the role to it: m1 takes over, not m2.
	 */
	for (t = 0; t < 3; t++) {
		stream_open(&s, t != 2, false);
		for (u = 3000; u < 6000; u += 500) {
			map_from(&s, u, 2, (const unsigned[]){ 2, 0, 1 }, 3,
			    false, MARS_VC_CCVC, 1);
			map_from(&s, u + 1, 0, m123, 3, false, MARS_VC_CCVC,
			    1);
		}
		map_from(&s, 6000, 2, m213, 3, false, MARS_VC_CCVC, 1);
		/* t 1: m3 goes on as the Active instead: broken. */
		for (u = 6001; u < 14000; u += 500)
			map_from(&s, u, t == 1 ? 2 : 0, t == 1 ?
			    (const unsigned[]){ 2, 1, 0 } : m123, 3, false,
			    MARS_VC_CCVC, 1);
		stream_end(&s);
		/* t 2, no cluster file: which one the election prefers is
		 * unknown, so no finding either. */
		assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_SENDER_FIRST),
		    t == 1 ? MARS_CHECK_BROKEN : MARS_CHECK_HELD);
		assert_true((find(&s, MARS_CHECK_REDIRECT_SENDER_FIRST,
		    "did not take over") != NULL) == (t == 1));
		stream_close(&s);
	}

	/*
	 * m1 hands over to m2, which dies at once (its Hellos stop): m1
	 * goes on as the Active.  Whether m2 would have taken over cannot
	 * be told.
	 */
	for (u = 0; u < 2; u++) {
		/* u 1: m2 comes back (restarted) before the window ends. */
		stream_open(&s, true, false);
		hellos(&s, 0, 4000, (const bool[]){ true, true, true });
		hellos(&s, 4000, u ? 8500 : 14000,
		    (const bool[]){ true, false, true });
		if (u)
			hellos(&s, 8500, 14000,
			    (const bool[]){ true, true, true });
		for (t = 10; t < 3500; t += 500)
			map_from(&s, t, 0, m123, 3, false, MARS_VC_CCVC, 1);
		map_from(&s, 3500, 0, m213, 3, false, MARS_VC_CCVC, 1);
		for (t = 4010; t < 14000; t += 500)
			map_from(&s, t, 0, m132, 3, false, MARS_VC_CCVC, 1);
		stream_end(&s);
		assert_int_not_equal(verdict(&s,
		    MARS_CHECK_REDIRECT_SENDER_FIRST), MARS_CHECK_BROKEN);
		stream_close(&s);
	}

	/* The stream ends right after: cannot tell. */
	stream_open(&s, true, false);
	map_from(&s, 10, 0, m213, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_SENDER_FIRST),
	    MARS_CHECK_CANNOT_TELL);
	stream_close(&s);
}

static void
test_living_first(void **state)
{
	static const bool no_m1[3] = { false, true, true },
	    all[3] = { true, true, true };
	struct stream s;
	uint64_t t;

	/* m1 dead since 0 s: m2 lists it before the living m3. */
	stream_open(&s, true, false);
	hellos(&s, 0, 10000, no_m1);
	for (t = 5000; t < 8000; t += 500)
		map_from(&s, t, 1, m213, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_LIVING_FIRST),
	    MARS_CHECK_BROKEN);
	assert_non_null(find(&s, MARS_CHECK_REDIRECT_LIVING_FIRST,
	    "lists m1, dead for it, before m3"));
	stream_close(&s);

	/* All alive: any order of Backups is fine for this rule. */
	stream_open(&s, true, false);
	hellos(&s, 0, 10000, all);
	for (t = 5000; t < 8000; t += 500)
		map_from(&s, t, 1, m213, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_LIVING_FIRST),
	    MARS_CHECK_HELD);
	stream_close(&s);

	/*
	 * m2 dies at 2 s and m1 is cut from m3, which goes on talking: for
	 * m1 both are dead, and listing them in election order is right,
	 * whatever the rest of the stream shows of m3.
	 */
	stream_open(&s, true, false);
	hellos(&s, 0, 2000, all);
	for (t = 2000; t < 10000; t += 1000) {
		scsp_msg(&s, t + 1, 0, 1, MARS_SCSP_HELLO, 0);
		scsp_msg(&s, t + 2, 0, 2, MARS_SCSP_HELLO, 0);
		scsp_msg(&s, t + 3, 2, 1, MARS_SCSP_HELLO, 0);
	}
	for (t = 500; t < 10000; t += 500)
		map_from(&s, t, 0, m123, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(mars_check_finding_total(s.c), 0);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_LIVING_FIRST),
	    MARS_CHECK_HELD);
	stream_close(&s);

	/* No inter-server traffic: liveness is unknown. */
	stream_open(&s, true, false);
	for (t = 5000; t < 8000; t += 500)
		map_from(&s, t, 1, m213, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_LIVING_FIRST),
	    MARS_CHECK_CANNOT_TELL);
	stream_close(&s);
}

/* m1 sends maps from 2 s to `to` ms, Hellos of alive[] each second. */
static void
maps_and_hellos(struct stream *s, uint64_t to, const bool *alive_before,
    const bool *alive_after, uint64_t change)
{
	uint64_t t;

	for (t = 0; t < to; t += 500) {
		if (t % 1000 == 0)
			hellos(s, t, t + 1, t < change ? alive_before :
			    alive_after);
		if (t >= 2000)
			map_from(s, t + 10, 0, m123, 3, false, MARS_VC_CCVC, 1);
	}
}

/* Hellos of a network partition m1 | m2 m3 in [from, to). */
static void
cut_hellos(struct stream *s, uint64_t from, uint64_t to)
{
	uint64_t t;

	for (t = from; t < to; t += 1000) {
		scsp_msg(s, t + 1, 1, 2, MARS_SCSP_HELLO, 1);
		scsp_msg(s, t + 2, 2, 1, MARS_SCSP_HELLO, 1);
	}
}

/*
 * m1 Active all along, cut from m2 and m3 from 2 s to 12 s (its maps list
 * them as dead, in election order); with heal, m3 is heard again at
 * 12.003 s and m2 at 12.5 s, and m1's maps follow.
 */
static void
stable_heal(struct stream *s, bool heal)
{
	static const bool all[3] = { true, true, true };
	uint64_t t;

	hellos(s, 0, 2000, all);
	cut_hellos(s, 2000, heal ? 12000 : 16000);
	for (t = 10; t < 12000; t += 500)
		map_from(s, t, 0, m123, 3, false, MARS_VC_CCVC, 1);
	if (heal) {
		scsp_msg(s, 12003, 2, 0, MARS_SCSP_HELLO, 1);
		scsp_msg(s, 12500, 1, 0, MARS_SCSP_HELLO, 1);
		hellos(s, 13000, 16000, all);
	}
	map_from(s, 12010, 0, m132, 3, false, MARS_VC_CCVC, 1);
	for (t = 12510; t < 16000; t += 500)
		map_from(s, t, 0, heal ? m123 : m132, 3, false, MARS_VC_CCVC,
		    1);
}

static void
test_stable(void **state)
{
	static const bool all[3] = { true, true, true },
	    no_m2[3] = { true, false, true };
	struct stream s;
	uint64_t fr;

	stream_open(&s, true, false);
	maps_and_hellos(&s, 12000, all, all, 0);
	fr = map_from(&s, 12010, 0, m132, 3, false, MARS_VC_CCVC, 1);
	/* Decided once m1's next Hellos show its view unchanged. */
	hellos(&s, 12000, 15000, all);
	map_from(&s, 12510, 0, m132, 3, false, MARS_VC_CCVC, 1);
	map_from(&s, 14010, 0, m132, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_STABLE),
	    MARS_CHECK_BROKEN);
	assert_non_null(find(&s, MARS_CHECK_REDIRECT_STABLE,
	    "from m1,m2,m3 to m1,m3,m2"));
	assert_int_equal(mars_check_finding(s.c, 0)->frames[0], fr);
	assert_int_equal(mars_check_finding(s.c, 0)->nframes, 2);
	stream_close(&s);

	/* The same change after m2 died is the map following the group. */
	stream_open(&s, true, false);
	maps_and_hellos(&s, 9000, all, no_m2, 6000);
	map_from(&s, 9010, 0, m132, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_STABLE),
	    MARS_CHECK_HELD);
	stream_close(&s);

	/*
	 * A network partition m1 | m2 m3 heals: m1 hears m3 again first
	 * and lists it before m2, then m2 too.  The stream showed m2 and
	 * m3 talking all along; for m1 they returned (view.c).
	 */
	stream_open(&s, true, false);
	stable_heal(&s, true);
	stream_end(&s);
	assert_int_equal(mars_check_finding_total(s.c), 0);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_STABLE),
	    MARS_CHECK_HELD);
	stream_close(&s);

	/*
	 * m1 drops m2 on its own (a CSA m2 never acknowledged, RFC 2334
	 * §2.1) and reorders; its next Hello to m2 no longer lists m2.
	 */
	stream_open(&s, true, false);
	maps_and_hellos(&s, 12000, all, all, 0);
	map_from(&s, 12010, 0, m132, 3, false, MARS_VC_CCVC, 1);
	scsp_msg(&s, 12400, 0, 1, MARS_SCSP_HELLO, 0);
	map_from(&s, 14010, 0, m132, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_STABLE),
	    MARS_CHECK_HELD);
	stream_close(&s);

	/*
	 * m1 drops m2 on its own and hears it again at its next Hello, all
	 * within a second: its map flaps and comes back, no Hello showing
	 * why.  Not held against it; staying reordered would be.
	 */
	for (fr = 0; fr < 2; fr++) {
		uint64_t t;

		stream_open(&s, true, false);
		maps_and_hellos(&s, 12000, all, all, 0);
		map_from(&s, 12010, 0, m132, 3, false, MARS_VC_CCVC, 1);
		hellos(&s, 12000, 16000, all);
		for (t = 12600; t < 16000; t += 500)
			map_from(&s, t, 0, fr == 0 ? m123 : m132, 3, false,
			    MARS_VC_CCVC, 1);
		stream_end(&s);
		assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_STABLE),
		    fr == 0 ? MARS_CHECK_HELD : MARS_CHECK_BROKEN);
		stream_close(&s);
	}

	/* Still cut, nothing changes for m1: its reorder is broken. */
	stream_open(&s, true, false);
	stable_heal(&s, false);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_STABLE),
	    MARS_CHECK_BROKEN);
	stream_close(&s);
}

static void
test_partition(void **state)
{
	static const unsigned red[] = { 0, 2 }, blue[] = { 1, 2 },
	    red_wrong[] = { 0, 2, 1 };
	struct stream s;
	uint64_t t;

	stream_open(&s, true, true);
	for (t = 0; t < 3000; t += 500) {
		map_from(&s, t, 0, red, 2, false, MARS_VC_CCVC, 1);
		map_from(&s, t + 1, 1, blue, 2, false, MARS_VC_CCVC, 1);
	}
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_PARTITION),
	    MARS_CHECK_HELD);
	assert_int_equal(verdict(&s, MARS_CHECK_SINGLE_ACTIVE), MARS_CHECK_HELD);
	assert_int_equal(mars_check_partition_count(s.c), 2);
	assert_int_equal(mars_check_finding_total(s.c), 0);
	stream_close(&s);

	/* red's Active lists blue's m2. */
	stream_open(&s, true, true);
	map_from(&s, 10, 0, red_wrong, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_PARTITION),
	    MARS_CHECK_BROKEN);
	assert_non_null(find(&s, MARS_CHECK_REDIRECT_PARTITION,
	    "map for partition red lists m2"));
	stream_close(&s);
}

/* A shared pool of two Backups listed in the same order: broken. */
static void
test_partition_pool_order(void **state)
{
	struct mars_check_conf cf;
	struct mars_check *c;
	struct stream s;
	static const unsigned red[] = { 0, 2, 3 }, blue_same[] = { 1, 2, 3 },
	    blue_opposite[] = { 1, 3, 2 };
	unsigned i, round;

	for (round = 0; round < 2; round++) {
		conf_init(&cf, true, true);
		cf.n_mars = 4;
		snprintf(cf.mars[3].name, sizeof(cf.mars[3].name), "m4");
		mars_atm(cf.mars[3].atm, 3);
		cf.mars[3].atm_len = 20;
		cf.mars[3].n_ends = 0;
		cf.partitions[0].n_mars = 3;
		cf.partitions[0].mars[2] = 3;
		cf.partitions[1].n_mars = 3;
		cf.partitions[1].mars[1] = round == 0 ? 2 : 3;
		cf.partitions[1].mars[2] = round == 0 ? 3 : 2;
		assert_int_equal(mars_check_new(&c, &cf, NULL), 0);
		memset(&s, 0, sizeof(s));
		s.c = c;
		for (i = 0; i < 4; i++) {
			map_from(&s, 500 * i, 0, red, 3, false, MARS_VC_CCVC, 1);
			map_from(&s, 500 * i + 1, 1, round == 0 ? blue_same :
			    blue_opposite, 3, false, MARS_VC_CCVC, 1);
		}
		stream_end(&s);
		if (round == 0) {
			assert_int_equal(verdict(&s,
			    MARS_CHECK_REDIRECT_PARTITION), MARS_CHECK_BROKEN);
			assert_non_null(find(&s, MARS_CHECK_REDIRECT_PARTITION,
			    "in the same order"));
		} else
			assert_int_equal(verdict(&s,
			    MARS_CHECK_REDIRECT_PARTITION), MARS_CHECK_HELD);
		stream_close(&s);
	}
}

static void
test_hard_redirects(void **state)
{
	struct stream s;
	int t;

	/* m2, a Backup, answers member 9 and sends it m1's map, hard. */
	stream_open(&s, true, false);
	boot(&s, NULL);
	reg_reply(&s, 3200, 1, 9, 9);
	map_from(&s, 3201, 1, m123, 3, true, MARS_VC_P2P, 9);
	map_from(&s, 3500, 0, m123, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_HARD_FROM_BACKUP),
	    MARS_CHECK_HELD);
	assert_int_equal(verdict(&s, MARS_CHECK_BACKUP_HARD_REDIRECT),
	    MARS_CHECK_HELD);
	stream_close(&s);

	/* m2 answers and sends nothing: broken after the window. */
	stream_open(&s, true, false);
	boot(&s, NULL);
	reg_reply(&s, 3200, 1, 9, 9);
	map_from(&s, 3500, 0, m123, 3, false, MARS_VC_CCVC, 1);
	map_from(&s, 6000, 0, m123, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_BACKUP_HARD_REDIRECT),
	    MARS_CHECK_BROKEN);
	assert_non_null(find(&s, MARS_CHECK_BACKUP_HARD_REDIRECT,
	    "m2, a Backup, answered the registration of"));
	stream_close(&s);

	/*
	 * m2, resumed from a hang, thinks itself Active a moment (its own
	 * maps), answers member 9 as the Active would, then hands over to
	 * m1 with a soft map: it owed no hard redirect.
	 */
	stream_open(&s, true, false);
	boot(&s, NULL);
	map_from(&s, 3300, 1, m231, 3, false, MARS_VC_CCVC, 1);
	map_from(&s, 3310, 0, m123, 3, false, MARS_VC_CCVC, 1);
	reg_reply(&s, 3320, 1, 9, 9);
	map_from(&s, 3400, 1, m123, 3, false, MARS_VC_CCVC, 1);
	for (t = 3500; t < 7000; t += 500)
		map_from(&s, t, 0, m123, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_null(find(&s, MARS_CHECK_BACKUP_HARD_REDIRECT, "a Backup"));
	stream_close(&s);

	/* The Active itself redirects hard; a Backup points elsewhere. */
	stream_open(&s, true, false);
	boot(&s, NULL);
	map_from(&s, 3200, 0, m213, 3, true, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_non_null(find(&s, MARS_CHECK_REDIRECT_HARD_FROM_BACKUP,
	    "m1, the Active of partition cluster, sends a hard redirect"));
	stream_close(&s);
	/*
	 * m2 points to m3 while m1, in its Living Group, is the Active:
	 * broken.  Across a partition that keeps m1 from it, m2 points to
	 * the Active of its side: cannot tell.
	 */
	for (t = 0; t < 2; t++) {
		stream_open(&s, true, false);
		boot(&s, t == 0 ? (const bool[]){ true, true, true } : NULL);
		if (t == 0)
			hellos(&s, 3000, 4000,
			    (const bool[]){ true, true, true });
		else
			cut_hellos(&s, 0, 4000);
		map_from(&s, 3200, 1, (const unsigned[]){ 2, 0, 1 }, 3, true,
		    MARS_VC_P2P, 9);
		stream_end(&s);
		assert_true((find(&s, MARS_CHECK_REDIRECT_HARD_FROM_BACKUP,
		    "hard redirect from m2 points to m3, but the Active is "
		    "m1") != NULL) == (t == 0));
		stream_close(&s);
	}

	/*
	 * m3, Active on its side of a healed partition, hands over to m2;
	 * m2 has seen m1, which the election prefers, and as a Backup sends
	 * a member on to m1, hard: m2 was named, never Active.  Once m2 has
	 * sent maps of its own, the same hard redirect is the Active's.
	 */
	for (t = 0; t < 2; t++) {
		stream_open(&s, true, false);
		map_from(&s, 3000, 2, (const unsigned[]){ 2, 1, 0 }, 3, false,
		    MARS_VC_CCVC, 1);
		map_from(&s, 3500, 2, m213, 3, false, MARS_VC_CCVC, 1);
		if (t == 1)
			map_from(&s, 3600, 1, m213, 3, false, MARS_VC_CCVC, 1);
		map_from(&s, 3700, 1, m123, 3, true, MARS_VC_P2P, 9);
		stream_end(&s);
		assert_int_equal(verdict(&s,
		    MARS_CHECK_REDIRECT_HARD_FROM_BACKUP), t == 0 ?
		    MARS_CHECK_CANNOT_TELL : MARS_CHECK_BROKEN);
		stream_close(&s);
	}
}

static void
test_soft_after_sync(void **state)
{
	static const bool no_m1[3] = { false, true, true },
	    all[3] = { true, true, true };
	struct stream s;
	uint64_t t;
	int round;

	for (round = 0; round < 3; round++) {
		stream_open(&s, true, false);
		hellos(&s, 0, 10000, no_m1);
		for (t = 2000; t < 10000; t += 500)
			map_from(&s, t, 1, m231, 3, false, MARS_VC_CCVC, 1);
		/* m1 comes back at 10 s. */
		hellos(&s, 10000, 12000, all);
		if (round != 2)
			scsp_msg(&s, 10010, 1, 0, MARS_SCSP_CA,
			    MARS_SCSP_CA_M | MARS_SCSP_CA_I | MARS_SCSP_CA_O);
		if (round == 1) {
			/* The summaries both ways: aligned. */
			scsp_msg(&s, 10011, 0, 1, MARS_SCSP_CA, MARS_SCSP_CA_M);
			scsp_msg(&s, 10012, 1, 0, MARS_SCSP_CA, 0);
		}
		map_from(&s, 10020, 1, m123, 3, false, MARS_VC_CCVC, 1);
		for (t = 10500; t < 12000; t += 500)
			map_from(&s, t, 0, m123, 3, false, MARS_VC_CCVC, 1);
		stream_end(&s);
		if (round == 1)
			assert_int_equal(verdict(&s, MARS_CHECK_SOFT_AFTER_SYNC),
			    MARS_CHECK_HELD);
		else {
			/* Alignment only begun, or not at all. */
			assert_int_equal(verdict(&s, MARS_CHECK_SOFT_AFTER_SYNC),
			    MARS_CHECK_BROKEN);
			assert_non_null(find(&s, MARS_CHECK_SOFT_AFTER_SYNC,
			    "m2 soft-redirects to m1 before their caches are "
			    "aligned"));
		}
		assert_int_equal(verdict(&s, MARS_CHECK_REDIRECT_SENDER_FIRST),
		    MARS_CHECK_HELD);
		stream_close(&s);
	}

	/*
	 * m1 comes back, begins to align with m2 and dies half-way; back
	 * again 3.5 s later it aligns afresh, and m2 soft-redirects to it:
	 * that is after synchronisation, whatever the first attempt did.
	 */
	stream_open(&s, true, false);
	hellos(&s, 0, 10000, no_m1);
	for (t = 2000; t < 18000; t += 500)
		map_from(&s, t, 1, m231, 3, false, MARS_VC_CCVC, 1);
	hellos(&s, 10000, 10001, all);
	scsp_msg(&s, 10010, 1, 0, MARS_SCSP_CA,
	    MARS_SCSP_CA_M | MARS_SCSP_CA_I | MARS_SCSP_CA_O);
	scsp_msg(&s, 10011, 0, 1, MARS_SCSP_CA, MARS_SCSP_CA_M);
	hellos(&s, 11000, 13500, no_m1);
	hellos(&s, 13500, 18500, all);
	scsp_msg(&s, 13510, 1, 0, MARS_SCSP_CA,
	    MARS_SCSP_CA_M | MARS_SCSP_CA_I | MARS_SCSP_CA_O);
	scsp_msg(&s, 13511, 0, 1, MARS_SCSP_CA, MARS_SCSP_CA_M);
	scsp_msg(&s, 13512, 1, 0, MARS_SCSP_CA, 0);
	map_from(&s, 18020, 1, m123, 3, false, MARS_VC_CCVC, 1);
	for (t = 18500; t < 20000; t += 500)
		map_from(&s, t, 0, m123, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_SOFT_AFTER_SYNC),
	    MARS_CHECK_HELD);
	stream_close(&s);

	/* Without SCSP in the stream: cannot tell. */
	stream_open(&s, true, false);
	for (t = 2000; t < 10000; t += 500)
		map_from(&s, t, 1, m231, 3, false, MARS_VC_CCVC, 1);
	map_from(&s, 10020, 1, m123, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_SOFT_AFTER_SYNC),
	    MARS_CHECK_CANNOT_TELL);
	stream_close(&s);
}

/* ---- registrations ---- */

static void
test_cmi(void **state)
{
	struct stream s;
	unsigned k;
	int t;

	/* Member 1 comes back to m2 with another CMI. */
	stream_open(&s, true, false);
	boot(&s, NULL);
	reg_reply(&s, 9000, 1, 1, 77);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_CMI_CONTINUITY),
	    MARS_CHECK_BROKEN);
	assert_non_null(find(&s, MARS_CHECK_CMI_CONTINUITY,
	    "registers again with m2 and gets CMI 77, not the CMI 1 it had"));
	assert_int_equal(mars_check_finding(s.c, 0)->severity,
	    MARS_CHECK_WARNING);
	stream_close(&s);

	/* After deregistering, a new CMI is fine; a taken one is not. */
	stream_open(&s, true, false);
	boot(&s, NULL);
	join_msg(&s, 4000, 0, MARS_LEAVE, 1, 0, MARS_FLAG_COPY |
	    MARS_FLAG_REGISTER, 1, MARS_VC_P2P, false);
	reg_reply(&s, 5000, 0, 1, 50);
	reg_reply(&s, 5100, 0, 4, 2);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_CMI_CONTINUITY),
	    MARS_CHECK_CANNOT_TELL);
	assert_int_equal(verdict(&s, MARS_CHECK_CMI_UNIQUE), MARS_CHECK_BROKEN);
	assert_non_null(find(&s, MARS_CHECK_CMI_UNIQUE, "gives CMI 2 to member"));
	stream_close(&s);

	/*
	 * Every entity falls silent for longer than the dead window and
	 * comes back: the database is gone with them, and RFC 2022 members
	 * register afresh -- new CMIs, even ones other members held before,
	 * cannot be held against m1.  With m2 living throughout, holding
	 * what m1 replicated to it, and m1 aligned with it since it came
	 * back, they can.
	 */
	/*
	 * Where the entities report their alignments themselves
	 * (MARS_EV_ALIGNED), the summaries passing (t == 2) are not yet
	 * every entry fetched -- under loss the fetch may still be under way
	 * when m1 answers; m1's own report (t == 3, the DCS by index) is.
	 */
	for (t = 0; t < 4; t++) {
		static const bool all[3] = { true, true, true },
		    m2only[3] = { false, true, false };
		bool told = t == 1 || t == 3;

		stream_open(&s, true, false);
		boot(&s, all);
		for (k = 1; k <= 3; k++)
			replicate(&s, 3050 + k, 0, 1, k, (uint16_t)k);
		if (t >= 1)
			hellos(&s, 4000, 9000, m2only);
		hellos(&s, 9000, 12000, all);
		if (t >= 1) {
			scsp_msg(&s, 9100, 1, 0, MARS_SCSP_CA,
			    MARS_SCSP_CA_M | MARS_SCSP_CA_I | MARS_SCSP_CA_O);
			scsp_msg(&s, 9101, 0, 1, MARS_SCSP_CA, MARS_SCSP_CA_M);
			scsp_msg(&s, 9102, 1, 0, MARS_SCSP_CA, 0);
		}
		if (t >= 2)
			aligned(&s, 500, 1, 2, false);
		if (t == 3)
			aligned(&s, 9104, 0, 1, true);
		reg_reply(&s, 9500, 0, 1, 2);
		stream_end(&s);
		assert_int_equal(verdict(&s, MARS_CHECK_CMI_CONTINUITY),
		    told ? MARS_CHECK_BROKEN : MARS_CHECK_CANNOT_TELL);
		assert_int_equal(verdict(&s, MARS_CHECK_CMI_UNIQUE),
		    told ? MARS_CHECK_BROKEN : MARS_CHECK_HELD);
		stream_close(&s);
	}
}

/*
 * A binding binds only the MARS it reached: m1 registers member 1 and
 * dies; m2, which never got the registration (its CSU Request lost, m1
 * dead before sending it again), gives another CMI -- cannot tell.  Got
 * it replicated (t == 1), or aligned with m3 that got it (t == 2, the
 * entities reporting their alignments), m2 must keep it.  A restart of
 * m2 after it got it (t == 3) loses it again.
 */
static void
test_cmi_replicated(void **state)
{
	static const bool all[3] = { true, true, true },
	    no_m1[3] = { false, true, true };
	struct stream s;
	int t;

	for (t = 0; t < 4; t++) {
		stream_open(&s, true, false);
		boot(&s, all);
		hellos(&s, 3000, 4000, all);
		if (t == 1 || t == 3)
			replicate(&s, 3020, 0, 1, 1, 1);
		if (t == 2) {
			aligned(&s, 100, 2, 0, false);
			replicate(&s, 3020, 0, 2, 1, 1);
			aligned(&s, 3500, 1, 2, false);
		}
		if (t == 3) {
			aligned(&s, 100, 2, 0, false);
			hellos(&s, 4000, 9000, no_m1);
			restart_of(&s, 5000, 1);
		} else
			hellos(&s, 4000, 9000, no_m1);
		reg_reply(&s, 8000, 1, 1, 77);
		stream_end(&s);
		assert_int_equal(verdict(&s, MARS_CHECK_CMI_CONTINUITY),
		    t == 1 || t == 2 ? MARS_CHECK_BROKEN :
		    MARS_CHECK_CANNOT_TELL);
		stream_close(&s);
	}
}

static void
test_cmi_block(void **state)
{
	static const unsigned red[] = { 0, 2 }, blue[] = { 1, 2 };
	struct stream s;

	stream_open(&s, true, true);
	map_from(&s, 0, 0, red, 2, false, MARS_VC_CCVC, 1);
	map_from(&s, 1, 1, blue, 2, false, MARS_VC_CCVC, 1);
	reg_reply(&s, 100, 0, 1, 5);		/* red: 1-1000 */
	reg_reply(&s, 110, 1, 2, 1005);	/* blue: 1001-2000 */
	reg_reply(&s, 120, 1, 3, 7);		/* blue hands out red's */
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_CMI_BLOCK), MARS_CHECK_BROKEN);
	assert_non_null(find(&s, MARS_CHECK_CMI_BLOCK,
	    "m2, Active, gives 3939393939393939393939393939393939393903 the "
	    "new CMI 7, outside its block 1001-2000 (blue)"));
	assert_int_equal(mars_check_finding_total(s.c), 1);
	stream_close(&s);
}

/* ---- CSN ---- */

static void
test_csn(void **state)
{
	const struct mars_check_finding *f;
	struct stream s;
	uint64_t a, b;

	stream_open(&s, true, false);
	boot(&s, NULL);
	a = join_copy(&s, 4000, 0, 1, 9);
	s.csn[0] += 2;				/* two lost */
	b = join_copy(&s, 4010, 0, 2, 9);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_CSN_SEQUENCE), MARS_CHECK_BROKEN);
	assert_non_null(f = find(&s, MARS_CHECK_CSN_SEQUENCE,
	    "m1's CSN jumps from 109 to 112 on ClusterControlVC: 2 messages "
	    "missing"));
	assert_int_equal(f->nframes, 2);
	assert_int_equal(f->frames[0], a);
	assert_int_equal(f->frames[1], b);
	stream_close(&s);

	/* Two different messages with one CSN. */
	stream_open(&s, true, false);
	boot(&s, NULL);
	join_copy(&s, 4000, 0, 1, 9);
	s.csn[0]--;
	join_copy(&s, 4010, 0, 2, 9);
	stream_end(&s);
	assert_non_null(find(&s, MARS_CHECK_CSN_SEQUENCE,
	    "sends two different messages with CSN"));
	stream_close(&s);

	/* A restart after a long silence starts a sequence afresh. */
	stream_open(&s, true, false);
	boot(&s, NULL);
	s.csn[0] = 1;
	map_from(&s, 30000, 0, m123, 3, false, MARS_VC_CCVC, 1);
	map_from(&s, 30500, 0, m123, 3, false, MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_CSN_SEQUENCE), MARS_CHECK_HELD);
	stream_close(&s);

	/*
	 * A restart at once, no silence: m1's Hellos stop listing the
	 * peers they listed (its Hello FSMs start afresh, RFC 2334 §2.1),
	 * then its CSN starts again.  Without that sign it is a CSN going
	 * back.
	 */
	for (a = 0; a < 2; a++) {
		static const bool all[3] = { true, true, true };

		stream_open(&s, true, false);
		hellos(&s, 0, 3000, all);
		boot(&s, NULL);
		if (a == 0) {
			scsp_msg(&s, 3500, 0, 1, MARS_SCSP_HELLO, 0);
			scsp_msg(&s, 3500, 0, 2, MARS_SCSP_HELLO, 0);
		}
		s.csn[0] = 1;
		map_from(&s, 3600, 0, m123, 3, false, MARS_VC_CCVC, 1);
		map_from(&s, 4100, 0, m123, 3, false, MARS_VC_CCVC, 1);
		stream_end(&s);
		assert_int_equal(verdict(&s, MARS_CHECK_CSN_SEQUENCE), a == 0 ?
		    MARS_CHECK_HELD : MARS_CHECK_BROKEN);
		if (a == 1)
			assert_non_null(find(&s, MARS_CHECK_CSN_SEQUENCE,
			    "m1's CSN goes back"));
		stream_close(&s);
	}
}

static void
test_registration_csn(void **state)
{
	struct stream s;

	/* m2 answers with m1's CSN instead of its own. */
	stream_open(&s, true, false);
	boot(&s, NULL);
	map_from(&s, 4000, 1, m231, 3, false, MARS_VC_CCVC, 1);
	s.csn[1] = 107;
	reg_reply(&s, 4100, 1, 1, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REGISTRATION_CSN),
	    MARS_CHECK_BROKEN);
	assert_non_null(find(&s, MARS_CHECK_REGISTRATION_CSN,
	    "registration reply from m2 carries CSN 107, but its "
	    "ClusterControlVC is at 5000"));
	stream_close(&s);

	/* Answered before any map of the MARS: decided by the next one. */
	stream_open(&s, true, false);
	reg_reply(&s, 100, 2, 1, 1);
	map_from(&s, 200, 2, (const unsigned[]){ 2, 0, 1 }, 3, false,
	    MARS_VC_CCVC, 1);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_REGISTRATION_CSN),
	    MARS_CHECK_HELD);
	stream_close(&s);
}

/* ---- MCS ---- */

static void
test_mcs(void **state)
{
	struct stream s;

	stream_open(&s, true, false);
	boot(&s, NULL);
	/* An MCS serves 224.1.2.9 (its MARS_MSERV, copied). */
	join_msg(&s, 3500, 0, MARS_MSERV, 200, 9, MARS_FLAG_COPY, 0,
	    MARS_VC_SCVC, false);
	join_copy(&s, 3600, 0, 1, 8);		/* mesh group: fine */
	/* m2 takes over and relays a re-join of the MCS group. */
	map_from(&s, 8000, 1, m231, 3, false, MARS_VC_CCVC, 1);
	join_copy(&s, 8100, 1, 2, 9);
	join_copy(&s, 8200, 1, 3, 9);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_MCS_JOIN_SUPPRESSED),
	    MARS_CHECK_BROKEN);
	assert_non_null(find(&s, MARS_CHECK_MCS_JOIN_SUPPRESSED,
	    "m2 sends a MARS_JOIN for 224.1.2.9, an MCS-supported group"));
	assert_int_equal(mars_check_finding_total(s.c), 1);
	assert_int_equal(mars_check_mcs_group_count(s.c), 1);
	stream_close(&s);

	/* Once unserved, the group's joins go on ClusterControlVC. */
	stream_open(&s, true, false);
	boot(&s, NULL);
	join_msg(&s, 3500, 0, MARS_MSERV, 200, 9, MARS_FLAG_COPY, 0,
	    MARS_VC_SCVC, false);
	join_msg(&s, 3550, 0, MARS_UNSERV, 200, 9, MARS_FLAG_COPY, 0,
	    MARS_VC_SCVC, false);
	join_copy(&s, 3600, 0, 1, 9);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_MCS_JOIN_SUPPRESSED),
	    MARS_CHECK_CANNOT_TELL);
	stream_close(&s);
}

/* ---- Actives ---- */

/* m1 and m2 both send maps as the Active, every 500 ms in [from, to). */
static void
two_actives(struct stream *s, uint64_t from, uint64_t to)
{
	uint64_t t;

	for (t = from; t < to; t += 500) {
		map_from(s, t, 0, m123, 3, false, MARS_VC_CCVC, 1);
		map_from(s, t + 7, 1, m231, 3, false, MARS_VC_CCVC, 1);
	}
}

/* a and b align their caches at t ms (RFC 2334 §2.2): I, then summaries. */
static void
align(struct stream *s, uint64_t t, unsigned a, unsigned b)
{
	scsp_msg(s, t, a, b, MARS_SCSP_CA,
	    MARS_SCSP_CA_M | MARS_SCSP_CA_I | MARS_SCSP_CA_O);
	scsp_msg(s, t + 1, b, a, MARS_SCSP_CA, 0);
	scsp_msg(s, t + 2, a, b, MARS_SCSP_CA, MARS_SCSP_CA_M);
}

static void
test_single_active(void **state)
{
	static const bool all[3] = { true, true, true };
	struct stream s;
	int k;

	/* Two Actives that see each other and are aligned, 8 s: broken. */
	stream_open(&s, true, false);
	hellos(&s, 0, 8000, all);
	align(&s, 100, 0, 1);
	two_actives(&s, 0, 8000);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_SINGLE_ACTIVE),
	    MARS_CHECK_BROKEN);
	assert_non_null(find(&s, MARS_CHECK_SINGLE_ACTIVE,
	    "both send maps as the Active of partition cluster"));
	stream_close(&s);

	/*
	 * The same, but their Cache Alignment does not finish (CAs lost),
	 * or a lost CA is sent again at 4 s: the loser may hand over only
	 * once aligned (§3.4).
	 */
	for (k = 0; k < 2; k++) {
		stream_open(&s, true, false);
		hellos(&s, 0, 8000, all);
		if (k == 1) {
			align(&s, 100, 0, 1);
			scsp_msg(&s, 4000, 1, 0, MARS_SCSP_CA, 0);
		}
		two_actives(&s, 0, 8000);
		stream_end(&s);
		assert_int_not_equal(verdict(&s, MARS_CHECK_SINGLE_ACTIVE),
		    MARS_CHECK_BROKEN);
		stream_close(&s);
	}

	/*
	 * A network partition m1 | m2 m3 from 2 s: m2 takes over on its
	 * side while m1 stays Active on its own, each with the other dead
	 * in its Living Group (redund.h).  That is not two Actives of one
	 * Living Group ...
	 */
	stream_open(&s, true, false);
	hellos(&s, 0, 2000, all);
	cut_hellos(&s, 2000, 16000);
	map_from(&s, 10, 0, m123, 3, false, MARS_VC_CCVC, 1);
	two_actives(&s, 5500, 16000);
	stream_end(&s);
	assert_int_equal(mars_check_finding_total(s.c), 0);
	assert_int_equal(verdict(&s, MARS_CHECK_SINGLE_ACTIVE),
	    MARS_CHECK_HELD);
	stream_close(&s);

	/* ... but once healed and aligned, they must settle on one. */
	stream_open(&s, true, false);
	hellos(&s, 0, 2000, all);
	cut_hellos(&s, 2000, 16000);
	hellos(&s, 16000, 30000, all);
	align(&s, 16100, 0, 1);
	map_from(&s, 10, 0, m123, 3, false, MARS_VC_CCVC, 1);
	two_actives(&s, 5500, 30000);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_SINGLE_ACTIVE),
	    MARS_CHECK_BROKEN);
	assert_true(find(&s, MARS_CHECK_SINGLE_ACTIVE, "both send maps")->us >
	    1700000000ull * SEC + 16000 * MS);
	stream_close(&s);

	/* Without the inter-server traffic, a partition cannot be told. */
	stream_open(&s, true, false);
	two_actives(&s, 0, 8000);
	stream_end(&s);
	assert_int_not_equal(verdict(&s, MARS_CHECK_SINGLE_ACTIVE),
	    MARS_CHECK_BROKEN);
	assert_int_equal(mars_check_finding_total(s.c), 0);
	stream_close(&s);

	/* Without the file two at once may be load sharing: cannot tell. */
	stream_open(&s, false, false);
	hellos(&s, 0, 8000, all);
	two_actives(&s, 0, 8000);
	stream_end(&s);
	assert_int_equal(verdict(&s, MARS_CHECK_SINGLE_ACTIVE),
	    MARS_CHECK_CANNOT_TELL);
	assert_int_equal(mars_check_finding_total(s.c), 0);
	stream_close(&s);
}

/* ---- the registry, the configuration, the bounds ---- */

static void
test_rules_parse(void **state)
{
	struct mars_err err;
	uint32_t m;

	assert_int_equal(mars_check_rules_parse("all", &m, NULL), 0);
	assert_int_equal(m, MARS_CHECK_ALL_RULES);
	assert_int_equal(mars_check_rules_parse("csn-sequence,cmi-unique", &m,
	    NULL), 0);
	assert_int_equal(m, (1u << MARS_CHECK_CSN_SEQUENCE) |
	    (1u << MARS_CHECK_CMI_UNIQUE));
	assert_int_equal(mars_check_rules_parse("-csn-sequence", &m, NULL), 0);
	assert_int_equal(m, MARS_CHECK_ALL_RULES &
	    ~(1u << MARS_CHECK_CSN_SEQUENCE));
	memset(&err, 0, sizeof(err));
	assert_int_equal(mars_check_rules_parse("cmi-unique,nope", &m, &err),
	    MARS_E_PARSE);
	assert_string_equal(err.field, "nope");
	assert_int_equal(err.offset, 11);
	assert_int_equal(mars_check_rules_parse("all,-all", &m, NULL),
	    MARS_E_PARSE);
	assert_int_equal(mars_check_rule_lookup("single-active"),
	    MARS_CHECK_SINGLE_ACTIVE);
	assert_int_equal(mars_check_rule_lookup("single"), -1);
	assert_null(mars_check_rule_info(MARS_CHECK_NRULES));
	assert_string_equal(mars_check_rule_info(
	    MARS_CHECK_REDIRECT_WHOLE_GROUP)->ref,
	    "draft-armitage-ion-mars-scsp-03 §3.5");
}

static void
test_conf_cluster(void **state)
{
	static const char text[] =
	    "[cluster]\nredirect-interval = 250ms\nhello-interval = 1s\n"
	    "[partition red]\nmars = a b\ncmi = 1-10\n"
	    "[mars a]\natm = 47.0005.80ffe1000000f21a26d8.0020ea000001.00\n"
	    "endpoint = udp:127.0.0.1:4601\npeer-endpoint = udp:[::1]:5601\n"
	    "[mars b]\natm = 47.0005.80ffe1000000f21a26d8.0020ea000002.00\n"
	    "endpoint = udp:127.0.0.1:4602\n";
	struct mars_cluster_conf cc;
	struct mars_check_conf cf;
	struct mars_err err;
	char msg[MARS_CONF_MSG_MAX];

	assert_int_equal(mars_config_parse_text(text, strlen(text), "t.conf",
	    &cc, &err, msg, sizeof(msg)), 0);
	mars_check_conf_init(&cf);
	assert_int_equal(mars_check_conf_cluster(&cf, &cc, NULL), 0);
	assert_true(cf.has_cluster);
	assert_int_equal(cf.n_mars, 2);
	assert_string_equal(cf.mars[0].name, "a");
	assert_int_equal(cf.mars[0].n_ends, 2);
	assert_int_equal(cf.mars[0].ends[0].kind, MARS_END_UDP4);
	assert_int_equal(cf.mars[0].ends[0].port, 4601);
	assert_int_equal(cf.mars[0].ends[1].kind, MARS_END_UDP6);
	assert_int_equal(cf.mars[1].n_ends, 1);
	assert_int_equal(cf.n_partitions, 1);
	assert_int_equal(cf.partitions[0].cmi_high, 10);
	assert_int_equal(cf.redirect_interval, 250);
}

/* Memory follows members and groups, never the length of the stream. */
static void
test_bounded(void **state)
{
	struct mars_check_conf cf;
	struct stream s;
	uint64_t t;
	unsigned i;

	conf_init(&cf, false, false);
	cf.max_findings = 10;
	cf.max_members = 50;
	memset(&s, 0, sizeof(s));
	assert_int_equal(mars_check_new(&s.c, &cf, NULL), 0);
	s.csn[0] = 1;
	/* 20000 joins of 100 members to 10 groups, a CSN gap every 100. */
	for (i = 0, t = 0; i < 20000; i++, t += 1) {
		if (i % 100 == 99)
			s.csn[0]++;
		join_copy(&s, t, 0, i % 100, (uint8_t)(1 + i % 10));
	}
	stream_end(&s);
	assert_int_equal(mars_check_member_count(s.c), 50);
	assert_int_equal(mars_check_stats(s.c)->members_dropped, 10000);
	assert_int_equal(mars_check_finding_count(s.c), 10);
	assert_int_equal(mars_check_finding_total(s.c), 200);
	stream_close(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conforming_failover),
		cmocka_unit_test(test_whole_group),
		cmocka_unit_test(test_only_group),
		cmocka_unit_test(test_sender_first),
		cmocka_unit_test(test_living_first),
		cmocka_unit_test(test_stable),
		cmocka_unit_test(test_partition),
		cmocka_unit_test(test_partition_pool_order),
		cmocka_unit_test(test_hard_redirects),
		cmocka_unit_test(test_soft_after_sync),
		cmocka_unit_test(test_cmi),
		cmocka_unit_test(test_cmi_replicated),
		cmocka_unit_test(test_cmi_block),
		cmocka_unit_test(test_csn),
		cmocka_unit_test(test_registration_csn),
		cmocka_unit_test(test_mcs),
		cmocka_unit_test(test_single_active),
		cmocka_unit_test(test_rules_parse),
		cmocka_unit_test(test_conf_cluster),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
