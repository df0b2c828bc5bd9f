/*
 * MARS server state machine (server.h): RFC 2022 §5.2.3 and §6 driven by
 * a fake clock, every sent SDU captured and decoded again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mars/pdu.h"
#include "mars/server.h"

#define MAXSENT		4096

struct sent {
	struct mars_vc	 vc;
	uint8_t		*buf;
	size_t		 len;
};

struct mars_cap {
	struct sent	 sent[MAXSENT];
	unsigned	 nsent;
	unsigned	 nevents[MARS_EV_DROPPED + 1];
	int		 last_event;
	char		 last_detail[32];
	struct mars_server_leaf leaves[64];
	unsigned	 nleaves;
};

static struct mars_cap cap;

static void
cap_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
	struct mars_cap *c = ctx;
	struct sent *s;

	assert_true(c->nsent < MAXSENT);
	s = &c->sent[c->nsent++];
	s->vc = *vc;
	s->buf = malloc(len);
	assert_non_null(s->buf);
	memcpy(s->buf, sdu, len);
	s->len = len;
}

static void
cap_event(void *ctx, const struct mars_event *ev)
{
	struct mars_cap *c = ctx;

	if (ev->kind > 0 && ev->kind <= MARS_EV_DROPPED)
		c->nevents[ev->kind]++;
	c->last_event = ev->kind;
	snprintf(c->last_detail, sizeof(c->last_detail), "%s",
	    ev->detail != NULL ? ev->detail : "");
}

static void
cap_leaf(void *ctx, const struct mars_server_leaf *lf)
{
	struct mars_cap *c = ctx;

	if (c->nleaves < 64) {
		c->leaves[c->nleaves] = *lf;
		c->leaves[c->nleaves].atm = NULL;
		c->nleaves++;
	}
}

static void
cap_reset(void)
{
	unsigned i;

	for (i = 0; i < cap.nsent; i++)
		free(cap.sent[i].buf);
	memset(&cap, 0, sizeof(cap));
}

static const struct mars_io io = {
	.ctx = &cap, .send = cap_send, .event = cap_event, .log = NULL,
};

/* Decode captured SDU i into *p (points into the capture). */
static const struct mars_msg *
sent_msg(unsigned i, struct mars_pdu *p)
{
	assert_true(i < cap.nsent);
	assert_int_equal(mars_pdu_decode(p, cap.sent[i].buf, cap.sent[i].len,
	    0), 0);
	assert_int_equal(p->kind, MARS_PDU_MARS);
	return &p->u.mars;
}

/* ---- addresses and message builders ---- */

static const uint8_t nsap_base[20] = {
	0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x20, 0x48, 0xaa, 0x00, 0x00, 0x00,
};

static void
mk_atm(uint8_t *out, unsigned id)
{
	memcpy(out, nsap_base, 20);
	out[17] = (uint8_t)(id >> 8);
	out[18] = (uint8_t)id;
}

struct node {
	uint8_t		 atm[20];
	uint8_t		 pa[4];
	struct mars_vc	 vc;
};

static void
mk_node(struct node *n, unsigned id)
{
	mk_atm(n->atm, id);
	n->pa[0] = 10;
	n->pa[1] = 1;
	n->pa[2] = (uint8_t)(id >> 8);
	n->pa[3] = (uint8_t)id;
	n->vc.kind = MARS_VC_P2P;
	n->vc.id = 1000 + id;
}

static void
ipv4(uint8_t *out, uint32_t a)
{
	out[0] = (uint8_t)(a >> 24);
	out[1] = (uint8_t)(a >> 16);
	out[2] = (uint8_t)(a >> 8);
	out[3] = (uint8_t)a;
}

#define G(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			    (uint32_t)(c) << 8 | (uint32_t)(d))

static size_t
encode(struct mars_msg *m, uint8_t *buf, size_t cap_)
{
	size_t n;

	assert_int_equal(mars_encode(m, buf, cap_, &n, MARS_ENC_LLC, NULL), 0);
	return n;
}

/* JOIN-family message from n: op, flags, pnum pairs starting at min..max. */
static size_t
mk_c(uint8_t *buf, const struct node *n, uint8_t op, uint16_t flags,
    uint16_t pnum, uint32_t min, uint32_t max)
{
	struct mars_msg m;
	uint8_t pairs[64];
	unsigned i;

	memset(&m, 0, sizeof(m));
	m.afn = MARS_AFN_ATM;
	m.pro_type = MARS_PRO_IPV4;
	m.op = op;
	m.sha.tl = 20;
	m.sha.addr = n->atm;
	m.spa.addr = n->pa;
	m.spa.len = 4;
	m.grp_len = 4;
	m.pnum = pnum;
	m.flags = flags;
	for (i = 0; i < pnum && i < 8; i++) {
		ipv4(pairs + 8 * i, min + 16 * i);
		ipv4(pairs + 8 * i + 4, max + 16 * i);
	}
	m.list = pnum ? pairs : NULL;
	return encode(&m, buf, 512);
}

static size_t
mk_request(uint8_t *buf, const struct node *n, uint32_t group)
{
	struct mars_msg m;
	uint8_t g[4];

	ipv4(g, group);
	memset(&m, 0, sizeof(m));
	m.afn = MARS_AFN_ATM;
	m.pro_type = MARS_PRO_IPV4;
	m.op = MARS_REQUEST;
	m.sha.tl = 20;
	m.sha.addr = n->atm;
	m.spa.addr = n->pa;
	m.spa.len = 4;
	m.tpa.addr = g;
	m.tpa.len = 4;
	return encode(&m, buf, 512);
}

static struct mars_server *
new_server(uint32_t csn)
{
	struct mars_server_conf c;
	struct mars_server *s;
	uint8_t self[20];

	cap_reset();
	memcpy(self, nsap_base, 20);
	self[16] = 0x00;
	self[18] = 0x01;
	mars_server_conf_init(&c, MARS_PRO_IPV4, self, 20);
	c.initial_csn = csn;
	c.initial_ssn = 500;
	c.leaf = cap_leaf;
	c.self_pa[0] = 10;
	c.self_pa[3] = 254;
	c.self_pa_len = 4;
	assert_int_equal(mars_server_new(&s, &c, &io, NULL), 0);
	return s;
}

static void
feed(struct mars_server *s, const struct node *n, const uint8_t *buf,
    size_t len)
{
	mars_server_input(s, 0, &n->vc, buf, len);
}

static uint16_t
do_register(struct mars_server *s, const struct node *n)
{
	struct mars_pdu p;
	const struct mars_msg *m;
	uint8_t buf[512];
	unsigned before = cap.nsent;
	size_t len;

	len = mk_c(buf, n, MARS_JOIN, MARS_FLAG_REGISTER, 0, 0, 0);
	feed(s, n, buf, len);
	assert_int_equal(cap.nsent, before + 1);
	m = sent_msg(before, &p);
	return m->cmi;
}

static void
do_c(struct mars_server *s, const struct node *n, uint8_t op, uint16_t fl,
    uint32_t min, uint32_t max)
{
	uint8_t buf[512];
	size_t len;

	len = mk_c(buf, n, op, fl, 1, min, max);
	feed(s, n, buf, len);
}

/* ---- tests ---- */

/* PROTOCOL.md Example 1: the registration JOIN and its exact reply. */
static void
test_register_example(void **state)
{
	static const uint8_t req[] = {
		0xAA, 0xAA, 0x03, 0x00, 0x00, 0x5E, 0x00, 0x03, 0x00, 0x0F,
		0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x1F, 0x22, 0x00, 0x00, 0x00, 0x04, 0x14, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x01, 0x00, 0x20, 0x48, 0xAA, 0x00, 0x01, 0x00,
	};
	static const uint8_t want[] = {
		0xAA, 0xAA, 0x03, 0x00, 0x00, 0x5E, 0x00, 0x03, 0x00, 0x0F,
		0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xDE, 0xF6, 0x00, 0x00, 0x00, 0x04, 0x14, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x60, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2A,
		0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x01, 0x00, 0x20, 0x48, 0xAA, 0x00, 0x01, 0x00,
	};
	struct mars_server *s = new_server(0x2a);
	struct mars_vc vc = { MARS_VC_P2P, 7 };

	mars_server_input(s, 0, &vc, req, sizeof(req));
	assert_int_equal(cap.nsent, 1);
	assert_int_equal(cap.sent[0].vc.kind, MARS_VC_P2P);
	assert_int_equal(cap.sent[0].vc.id, 7);
	assert_int_equal(cap.sent[0].len, sizeof(want));
	assert_memory_equal(cap.sent[0].buf, want, sizeof(want));
	assert_int_equal(mars_server_csn(s), 0x2a);	/* private: no increment */
	assert_int_equal(mars_server_member_count(s), 1);
	assert_int_equal(cap.nleaves, 1);
	assert_int_equal(cap.leaves[0].pmp, MARS_VC_CCVC);
	assert_true(cap.leaves[0].add);
	assert_int_equal(cap.leaves[0].peer, 7);
	assert_int_equal(cap.nevents[MARS_EV_MEMBER_ADDED], 1);
	mars_server_free(s);
}

static void
test_register_fields_and_cmis(void **state)
{
	struct mars_server *s = new_server(100);
	struct mars_pdu p;
	const struct mars_msg *m;
	struct node n[50];
	uint16_t cmi[50];
	unsigned i, j;

	for (i = 0; i < 50; i++) {
		mk_node(&n[i], i + 1);
		cmi[i] = do_register(s, &n[i]);
		m = sent_msg(cap.nsent - 1, &p);
		assert_int_equal(m->op, MARS_JOIN);
		assert_int_equal(m->flags & (MARS_FLAG_COPY |
		    MARS_FLAG_REGISTER | MARS_FLAG_PUNCHED),
		    MARS_FLAG_COPY | MARS_FLAG_REGISTER);
		assert_int_equal(m->msn, 100);
		assert_int_equal(m->pnum, 0);
		assert_memory_equal(m->sha.addr, n[i].atm, 20);
		assert_int_equal(cap.sent[cap.nsent - 1].vc.kind, MARS_VC_P2P);
		assert_int_equal(cap.sent[cap.nsent - 1].vc.id, n[i].vc.id);
		assert_int_not_equal(cmi[i], 0);
		for (j = 0; j < i; j++)
			assert_int_not_equal(cmi[i], cmi[j]);
	}
	/* Re-registration (retransmission) keeps the CMI, sends privately. */
	assert_int_equal(do_register(s, &n[3]), cmi[3]);
	assert_int_equal(mars_server_member_count(s), 50);
	assert_int_equal(mars_server_csn(s), 100);
	for (i = 0; i < cap.nsent; i++)
		assert_int_not_equal(cap.sent[i].vc.kind, MARS_VC_CCVC);
	mars_server_free(s);
}

static void
test_deregister_keeps_binding(void **state)
{
	struct mars_server *s = new_server(1);
	struct mars_server_member_info mi;
	struct mars_server_group_info gi;
	struct mars_pdu p;
	const struct mars_msg *m;
	struct node a, b;
	uint8_t buf[512], g[4];
	uint16_t ca, cb, again;
	size_t len;

	mk_node(&a, 1);
	mk_node(&b, 2);
	ca = do_register(s, &a);
	cb = do_register(s, &b);
	do_c(s, &a, MARS_JOIN, MARS_FLAG_LAYER3GRP, G(224, 1, 1, 1),
	    G(224, 1, 1, 1));
	cap_reset();
	len = mk_c(buf, &a, MARS_LEAVE, MARS_FLAG_REGISTER, 0, 0, 0);
	feed(s, &a, buf, len);
	assert_int_equal(cap.nsent, 1);
	m = sent_msg(0, &p);
	assert_int_equal(m->op, MARS_LEAVE);
	assert_true(m->flags & MARS_FLAG_COPY);
	assert_true(m->flags & MARS_FLAG_REGISTER);
	assert_int_equal(m->cmi, ca);
	assert_int_equal(cap.sent[0].vc.kind, MARS_VC_P2P);
	assert_int_equal(mars_server_member_count(s), 1);
	ipv4(g, G(224, 1, 1, 1));
	assert_false(mars_server_group_find(s, g, &gi));
	assert_int_equal(cap.nleaves, 1);
	assert_false(cap.leaves[0].add);
	assert_int_equal(cap.nevents[MARS_EV_MEMBER_REMOVED], 1);
	assert_int_equal(cap.nevents[MARS_EV_GROUP_LEAVE], 1);

	/* The binding is held: same CMI on return, no one else gets it. */
	{
		struct mars_server_atm sa;

		memset(&sa, 0, sizeof(sa));
		sa.tl = 20;
		memcpy(sa.addr, a.atm, 20);
		assert_true(mars_server_member_find(s, &sa, &mi));
		assert_false(mi.registered);
		assert_int_equal(mi.cmi, ca);
	}
	again = do_register(s, &a);
	assert_int_equal(again, ca);
	assert_int_not_equal(again, cb);
	/* After cmi_hold the binding expires and the CMI may be reused. */
	feed(s, &a, buf, len);
	mars_server_tick(s, 31 * 60000);
	assert_int_equal(mars_server_member_count(s), 1);
	{
		uint32_t cur = 0, n = 0;

		while (mars_server_member_next(s, &cur, &mi))
			n++;
		assert_int_equal(n, 1);
	}
	mars_server_free(s);
}

static void
test_join_leave_propagation(void **state)
{
	struct mars_server *s = new_server(0xfffffffe);
	struct mars_pdu p;
	const struct mars_msg *m;
	struct node a, b;
	uint32_t csn;

	mk_node(&a, 1);
	mk_node(&b, 2);
	do_register(s, &a);
	do_register(s, &b);
	cap_reset();
	csn = mars_server_csn(s);

	do_c(s, &a, MARS_JOIN, MARS_FLAG_LAYER3GRP, G(224, 1, 2, 3),
	    G(224, 1, 2, 3));
	assert_int_equal(cap.nsent, 1);
	assert_int_equal(cap.sent[0].vc.kind, MARS_VC_CCVC);
	m = sent_msg(0, &p);
	assert_int_equal(m->op, MARS_JOIN);
	assert_int_equal(m->msn, csn);
	assert_int_equal(m->flags, MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY);
	assert_int_equal(m->pnum, 1);
	assert_int_equal(mars_server_csn(s), csn + 1);

	do_c(s, &b, MARS_JOIN, MARS_FLAG_LAYER3GRP, G(224, 1, 2, 3),
	    G(224, 1, 2, 3));
	m = sent_msg(1, &p);
	assert_int_equal(cap.sent[1].vc.kind, MARS_VC_CCVC);
	assert_int_equal(m->msn, csn + 1);	/* wraps to 0 next */
	assert_int_equal(mars_server_csn(s), 0);

	/* Redundant join: private only, current CSN, no increment. */
	do_c(s, &a, MARS_JOIN, MARS_FLAG_LAYER3GRP, G(224, 1, 2, 3),
	    G(224, 1, 2, 3));
	assert_int_equal(cap.nsent, 3);
	assert_int_equal(cap.sent[2].vc.kind, MARS_VC_P2P);
	assert_int_equal(cap.sent[2].vc.id, a.vc.id);
	m = sent_msg(2, &p);
	assert_int_equal(m->msn, 0);
	assert_true(m->flags & MARS_FLAG_COPY);
	assert_int_equal(mars_server_csn(s), 0);

	/* Leave on CCVC, then a redundant leave privately. */
	do_c(s, &a, MARS_LEAVE, MARS_FLAG_LAYER3GRP, G(224, 1, 2, 3),
	    G(224, 1, 2, 3));
	assert_int_equal(cap.sent[3].vc.kind, MARS_VC_CCVC);
	m = sent_msg(3, &p);
	assert_int_equal(m->op, MARS_LEAVE);
	assert_int_equal(m->msn, 0);
	do_c(s, &a, MARS_LEAVE, MARS_FLAG_LAYER3GRP, G(224, 1, 2, 3),
	    G(224, 1, 2, 3));
	assert_int_equal(cap.sent[4].vc.kind, MARS_VC_P2P);
	assert_int_equal(mars_server_csn(s), 1);
	assert_int_equal(cap.nevents[MARS_EV_GROUP_JOIN], 2);
	assert_int_equal(cap.nevents[MARS_EV_GROUP_LEAVE], 1);
	mars_server_free(s);
}

/* PROTOCOL.md Example 2: CM3's REQUEST and the exact 2-member MULTI. */
static void
test_request_multi_example(void **state)
{
	static const uint8_t req[] = {
		0xAA, 0xAA, 0x03, 0x00, 0x00, 0x5E, 0x00, 0x03, 0x00, 0x0F,
		0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x4C, 0x18, 0x00, 0x00, 0x00, 0x01, 0x14, 0x00, 0x04, 0x00,
		0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x01, 0x00, 0x20, 0x48, 0xAA, 0x00, 0x03, 0x00,
		0x0A, 0x01, 0x01, 0x03, 0xE0, 0x01, 0x02, 0x03,
	};
	static const uint8_t want[] = {
		0xAA, 0xAA, 0x03, 0x00, 0x00, 0x5E, 0x00, 0x03, 0x00, 0x0F,
		0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x81, 0x3F, 0x00, 0x00, 0x00, 0x02, 0x14, 0x00, 0x04, 0x14,
		0x00, 0x04, 0x00, 0x02, 0x80, 0x01, 0x00, 0x00, 0x00, 0x2B,
		0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x01, 0x00, 0x20, 0x48, 0xAA, 0x00, 0x03, 0x00,
		0x0A, 0x01, 0x01, 0x03, 0xE0, 0x01, 0x02, 0x03, 0x47, 0x00,
		0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x20, 0x48, 0xAA, 0x00, 0x01, 0x00, 0x47, 0x00,
		0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x20, 0x48, 0xAA, 0x00, 0x02, 0x00,
	};
	struct mars_server *s = new_server(0x29);
	struct node cm[3];
	unsigned i;

	for (i = 0; i < 3; i++) {
		memcpy(cm[i].atm, req + 40, 20);
		cm[i].atm[18] = (uint8_t)(i + 1);
		memcpy(cm[i].pa, req + 60, 4);
		cm[i].vc.kind = MARS_VC_P2P;
		cm[i].vc.id = 20 + i;
		do_register(s, &cm[i]);
	}
	do_c(s, &cm[0], MARS_JOIN, MARS_FLAG_LAYER3GRP, G(224, 1, 2, 3),
	    G(224, 1, 2, 3));
	do_c(s, &cm[1], MARS_JOIN, MARS_FLAG_LAYER3GRP, G(224, 1, 2, 3),
	    G(224, 1, 2, 3));
	assert_int_equal(mars_server_csn(s), 0x2b);
	cap_reset();
	mars_server_input(s, 0, &cm[2].vc, req, sizeof(req));
	assert_int_equal(cap.nsent, 1);
	assert_int_equal(cap.sent[0].vc.id, cm[2].vc.id);
	assert_int_equal(cap.sent[0].len, sizeof(want));
	assert_memory_equal(cap.sent[0].buf, want, sizeof(want));

	/* Nobody in 224.9.9.9: the NAK is the REQUEST with op 6. */
	{
		uint8_t r2[sizeof(req)];

		memcpy(r2, req, sizeof(req));
		r2[8 + 12] = r2[8 + 13] = 0;	/* no checksum */
		r2[67] = 9;
		r2[66] = 9;
		mars_server_input(s, 0, &cm[2].vc, r2, sizeof(r2));
		assert_int_equal(cap.nsent, 2);
		assert_int_equal(cap.sent[1].len, sizeof(r2));
		r2[8 + 17] = MARS_NAK;
		assert_memory_equal(cap.sent[1].buf, r2, sizeof(r2));
	}
	mars_server_free(s);
}

static void
test_nak_checksum(void **state)
{
	struct mars_server *s = new_server(5);
	struct mars_pdu p;
	const struct mars_msg *m;
	struct node a;
	uint8_t buf[512];
	size_t len;

	mk_node(&a, 1);
	do_register(s, &a);
	cap_reset();
	len = mk_request(buf, &a, G(230, 0, 0, 1));
	assert_int_not_equal(buf[20] | buf[21], 0);	/* has a checksum */
	feed(s, &a, buf, len);
	assert_int_equal(cap.nsent, 1);
	m = sent_msg(0, &p);	/* decodes, so the checksum verifies */
	assert_int_equal(m->op, MARS_NAK);
	assert_int_equal(cap.sent[0].len, len);
	assert_memory_equal(cap.sent[0].buf, buf, 20);
	assert_memory_equal(cap.sent[0].buf + 22, buf + 22, 3);
	assert_memory_equal(cap.sent[0].buf + 26, buf + 26, len - 26);
	mars_server_free(s);
}

static void
test_multi_600(void **state)
{
	struct mars_server *s = new_server(77);
	static struct node n[601];
	struct mars_pdu p;
	const struct mars_msg *m;
	uint8_t buf[512], seen[601];
	struct mars_atm tha, tsa;
	unsigned i, k, part;
	size_t len;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 601; i++) {
		mk_node(&n[i], i + 1);
		do_register(s, &n[i]);
		if (i < 600)
			do_c(s, &n[i], MARS_JOIN, MARS_FLAG_LAYER3GRP,
			    G(225, 0, 0, 7), G(225, 0, 0, 7));
	}
	cap_reset();
	len = mk_request(buf, &n[600], G(225, 0, 0, 7));
	feed(s, &n[600], buf, len);
	assert_true(cap.nsent >= 2);
	for (part = 0; part < cap.nsent; part++) {
		assert_true(cap.sent[part].len <= MARS_MTU);
		assert_int_equal(cap.sent[part].vc.id, n[600].vc.id);
		m = sent_msg(part, &p);
		assert_int_equal(m->op, MARS_MULTI);
		assert_int_equal(m->msn, mars_server_csn(s));
		assert_int_equal(m->seqxy & MARS_SEQ_PART, part + 1);
		assert_int_equal(!!(m->seqxy & MARS_SEQ_LAST),
		    part + 1 == cap.nsent);
		assert_memory_equal(m->tpa.addr, buf + 8 + 56, 4);
		for (k = 0; k < m->tnum; k++) {
			mars_target(m, k, &tha, &tsa);
			assert_int_equal(tha.tl, 20);
			i = (unsigned)(tha.addr[17] << 8 | tha.addr[18]);
			assert_true(i >= 1 && i <= 600);
			assert_int_equal(seen[i], 0);
			seen[i] = 1;
		}
	}
	for (i = 1; i <= 600; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(cap.nsent, (600 + 447) / 448);	/* 448 per 9180 */
	mars_server_free(s);
}

static void
test_grouplist(void **state)
{
	struct mars_server *s = new_server(9);
	struct mars_pdu p;
	const struct mars_msg *m;
	struct node a, b, r;
	uint8_t buf[512];
	size_t len;

	mk_node(&a, 1);
	mk_node(&b, 2);
	mk_node(&r, 3);
	do_register(s, &a);
	do_register(s, &b);
	do_register(s, &r);
	do_c(s, &a, MARS_JOIN, MARS_FLAG_LAYER3GRP, G(226, 0, 0, 2),
	    G(226, 0, 0, 2));
	do_c(s, &b, MARS_JOIN, MARS_FLAG_LAYER3GRP, G(224, 0, 0, 9),
	    G(224, 0, 0, 9));
	do_c(s, &b, MARS_JOIN, 0, G(227, 0, 0, 1), G(227, 0, 0, 1));
	do_c(s, &b, MARS_JOIN, MARS_FLAG_LAYER3GRP, G(239, 1, 1, 1),
	    G(239, 1, 1, 1));
	/* A router's block join never lists groups (layer3grp reset). */
	do_c(s, &r, MARS_JOIN, MARS_FLAG_LAYER3GRP, G(224, 0, 0, 0),
	    G(239, 255, 255, 255));
	cap_reset();
	len = mk_c(buf, &r, MARS_GROUPLIST_REQUEST, 0, 1, G(224, 0, 0, 0),
	    G(238, 255, 255, 255));
	feed(s, &r, buf, len);
	assert_int_equal(cap.nsent, 1);
	assert_int_equal(cap.sent[0].vc.id, r.vc.id);
	m = sent_msg(0, &p);
	assert_int_equal(m->op, MARS_GROUPLIST_REPLY);
	assert_int_equal(m->seqxy, 0x8001);
	assert_int_equal(m->tnum, 2);
	assert_int_equal(m->thtl, 0);
	assert_int_equal(m->msn, mars_server_csn(s));
	assert_memory_equal(mars_group(m, 0), "\xe0\x00\x00\x09", 4);
	assert_memory_equal(mars_group(m, 1), "\xe2\x00\x00\x02", 4);
	/* pnum = 0 is ignored. */
	len = mk_c(buf, &r, MARS_GROUPLIST_REQUEST, 0, 0, 0, 0);
	feed(s, &r, buf, len);
	assert_int_equal(cap.nsent, 1);
	assert_int_equal(mars_server_get_stats(s)->dropped[MARS_SRV_DROP_PAIRS], 1);
	mars_server_free(s);
}

static void
test_block_hole_punch(void **state)
{
	struct mars_server *s = new_server(40);
	struct mars_pdu p;
	const struct mars_msg *m;
	const uint8_t *mn, *mx;
	struct node a, r;

	mk_node(&a, 1);
	mk_node(&r, 2);
	do_register(s, &a);
	do_register(s, &r);
	/* r already joined 224.0.0.5 singly: the block copy punches it. */
	do_c(s, &r, MARS_JOIN, MARS_FLAG_LAYER3GRP, G(224, 0, 0, 5),
	    G(224, 0, 0, 5));
	cap_reset();
	do_c(s, &r, MARS_JOIN, 0, G(224, 0, 0, 0), G(239, 255, 255, 255));
	assert_int_equal(cap.nsent, 2);
	assert_int_equal(cap.sent[0].vc.kind, MARS_VC_P2P);
	m = sent_msg(0, &p);
	assert_int_equal(m->flags & MARS_FLAG_PUNCHED, 0);
	assert_int_equal(m->pnum, 1);
	assert_int_equal(cap.sent[1].vc.kind, MARS_VC_CCVC);
	m = sent_msg(1, &p);
	assert_true(m->flags & MARS_FLAG_PUNCHED);
	assert_true(m->flags & MARS_FLAG_COPY);
	assert_int_equal(m->pnum, 2);
	mars_pair(m, 0, &mn, &mx);
	assert_memory_equal(mn, "\xe0\x00\x00\x00", 4);
	assert_memory_equal(mx, "\xe0\x00\x00\x04", 4);
	mars_pair(m, 1, &mn, &mx);
	assert_memory_equal(mn, "\xe0\x00\x00\x06", 4);
	assert_memory_equal(mx, "\xef\xff\xff\xff", 4);
	assert_int_equal(m->msn, 41);		/* the single join used 40 */
	assert_int_equal(mars_server_csn(s), 42);

	/* The router is now in every group's host map, listed once. */
	do_c(s, &a, MARS_JOIN, MARS_FLAG_LAYER3GRP, G(224, 0, 0, 5),
	    G(224, 0, 0, 5));
	cap_reset();
	{
		uint8_t buf[512];
		size_t len = mk_request(buf, &a, G(224, 0, 0, 5));

		feed(s, &a, buf, len);
		m = sent_msg(0, &p);
		assert_int_equal(m->op, MARS_MULTI);
		assert_int_equal(m->tnum, 2);
		len = mk_request(buf, &a, G(231, 0, 0, 5));
		feed(s, &a, buf, len);
		m = sent_msg(1, &p);
		assert_int_equal(m->op, MARS_MULTI);
		assert_int_equal(m->tnum, 1);
	}
	/* A second identical block join is redundant: private only. */
	cap_reset();
	do_c(s, &r, MARS_JOIN, 0, G(224, 0, 0, 0), G(239, 255, 255, 255));
	assert_int_equal(cap.nsent, 1);
	assert_int_equal(cap.sent[0].vc.kind, MARS_VC_P2P);
	/* A single leave of a group inside the block: still a member. */
	cap_reset();
	do_c(s, &r, MARS_LEAVE, 0, G(224, 0, 0, 5), G(224, 0, 0, 5));
	assert_int_equal(cap.nsent, 1);
	assert_int_equal(cap.sent[0].vc.kind, MARS_VC_P2P);
	/* Block leave without holes: the original goes on CCVC. */
	cap_reset();
	do_c(s, &r, MARS_LEAVE, 0, G(224, 0, 0, 0), G(239, 255, 255, 255));
	assert_int_equal(cap.nsent, 1);
	assert_int_equal(cap.sent[0].vc.kind, MARS_VC_CCVC);
	m = sent_msg(0, &p);
	assert_int_equal(m->flags & MARS_FLAG_PUNCHED, 0);
	mars_server_free(s);
}

static void
test_mcs_flows(void **state)
{
	struct mars_server *s = new_server(10);
	struct mars_pdu p;
	const struct mars_msg *m;
	struct mars_atm tha, tsa;
	struct node a, b, c1, c2;
	const uint8_t *mn, *mx;
	uint8_t buf[512];
	size_t len;

	mk_node(&a, 1);
	mk_node(&b, 2);
	mk_node(&c1, 101);
	mk_node(&c2, 102);
	do_register(s, &a);
	do_register(s, &b);
	do_c(s, &a, MARS_JOIN, MARS_FLAG_LAYER3GRP, G(228, 0, 0, 1),
	    G(228, 0, 0, 1));
	cap_reset();

	/* MCS registration: private, SSN, cmi 0, leaf of SCVC. */
	len = mk_c(buf, &c1, MARS_MSERV, MARS_FLAG_REGISTER, 0, 0, 0);
	feed(s, &c1, buf, len);
	assert_int_equal(cap.nsent, 1);
	m = sent_msg(0, &p);
	assert_int_equal(cap.sent[0].vc.id, c1.vc.id);
	assert_int_equal(m->op, MARS_MSERV);
	assert_int_equal(m->msn, 500);
	assert_int_equal(m->cmi, 0);
	assert_true(m->flags & MARS_FLAG_COPY);
	assert_int_equal(cap.leaves[cap.nleaves - 1].pmp, MARS_VC_SCVC);
	assert_int_equal(mars_server_mcs_count(s), 1);

	/* First MCS for a group with members: SCVC copy + MIGRATE. */
	cap_reset();
	do_c(s, &c1, MARS_MSERV, 0, G(228, 0, 0, 1), G(228, 0, 0, 1));
	assert_int_equal(cap.nsent, 2);
	assert_int_equal(cap.sent[0].vc.kind, MARS_VC_SCVC);
	m = sent_msg(0, &p);
	assert_int_equal(m->op, MARS_MSERV);
	assert_int_equal(m->msn, 500);
	assert_int_equal(mars_server_ssn(s), 501);
	assert_int_equal(cap.sent[1].vc.kind, MARS_VC_CCVC);
	m = sent_msg(1, &p);
	assert_int_equal(m->op, MARS_MIGRATE);
	assert_int_equal(m->msn, 11);		/* a's join used 10 */
	assert_int_equal(m->tnum, 1);
	assert_memory_equal(m->tpa.addr, "\xe4\x00\x00\x01", 4);
	assert_int_equal(m->spa.len, 4);
	mars_target(m, 0, &tha, &tsa);
	assert_memory_equal(tha.addr, c1.atm, 20);
	assert_int_equal(cap.nevents[MARS_EV_MIGRATE], 1);
	/* Redundant MSERV: privately, no second MIGRATE. */
	do_c(s, &c1, MARS_MSERV, 0, G(228, 0, 0, 1), G(228, 0, 0, 1));
	assert_int_equal(cap.nsent, 3);
	assert_int_equal(cap.sent[2].vc.kind, MARS_VC_P2P);
	assert_int_equal(cap.nevents[MARS_EV_MIGRATE], 1);

	/* Second MCS: SCVC copy + MSERV relabelled JOIN on CCVC. */
	len = mk_c(buf, &c2, MARS_MSERV, MARS_FLAG_REGISTER, 0, 0, 0);
	feed(s, &c2, buf, len);
	cap_reset();
	do_c(s, &c2, MARS_MSERV, MARS_FLAG_LAYER3GRP, G(228, 0, 0, 1),
	    G(228, 0, 0, 1));
	assert_int_equal(cap.nsent, 2);
	assert_int_equal(cap.sent[1].vc.kind, MARS_VC_CCVC);
	m = sent_msg(1, &p);
	assert_int_equal(m->op, MARS_JOIN);
	assert_int_equal(m->flags & (MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY |
	    MARS_FLAG_REGISTER), MARS_FLAG_COPY);

	/* A member joins the served group: SJOIN on SCVC + private. */
	cap_reset();
	do_c(s, &b, MARS_JOIN, MARS_FLAG_LAYER3GRP, G(228, 0, 0, 1),
	    G(228, 0, 0, 1));
	assert_int_equal(cap.nsent, 2);
	assert_int_equal(cap.sent[0].vc.kind, MARS_VC_SCVC);
	m = sent_msg(0, &p);
	assert_int_equal(m->op, MARS_SJOIN);
	assert_int_equal(m->msn, mars_server_ssn(s) - 1);
	assert_true(m->flags & MARS_FLAG_COPY);
	assert_int_equal(cap.sent[1].vc.kind, MARS_VC_P2P);
	m = sent_msg(1, &p);
	assert_int_equal(m->op, MARS_JOIN);
	assert_int_equal(m->flags & MARS_FLAG_PUNCHED, 0);

	/* REQUEST from a member -> the MCSs; from a serving MCS -> hosts. */
	cap_reset();
	len = mk_request(buf, &b, G(228, 0, 0, 1));
	feed(s, &b, buf, len);
	m = sent_msg(0, &p);
	assert_int_equal(m->op, MARS_MULTI);
	assert_int_equal(m->tnum, 2);
	assert_int_equal(m->msn, mars_server_csn(s));
	mars_target(m, 0, &tha, &tsa);
	assert_memory_equal(tha.addr, c1.atm, 20);
	len = mk_request(buf, &c1, G(228, 0, 0, 1));
	feed(s, &c1, buf, len);
	m = sent_msg(1, &p);
	assert_int_equal(m->tnum, 2);
	assert_int_equal(m->msn, mars_server_ssn(s));
	mars_target(m, 0, &tha, &tsa);
	assert_memory_equal(tha.addr, a.atm, 20);

	/* A router's block join punches the served group from CCVC. */
	{
		struct node r;

		mk_node(&r, 3);
		do_register(s, &r);
		cap_reset();
		do_c(s, &r, MARS_JOIN, 0, G(224, 0, 0, 0),
		    G(239, 255, 255, 255));
		assert_int_equal(cap.nsent, 3);
		assert_int_equal(cap.sent[0].vc.kind, MARS_VC_SCVC);
		m = sent_msg(0, &p);
		assert_int_equal(m->op, MARS_SJOIN);
		assert_int_equal(m->pnum, 1);
		assert_int_equal(cap.sent[1].vc.kind, MARS_VC_P2P);
		assert_int_equal(cap.sent[2].vc.kind, MARS_VC_CCVC);
		m = sent_msg(2, &p);
		assert_true(m->flags & MARS_FLAG_PUNCHED);
		assert_int_equal(m->pnum, 2);
		mars_pair(m, 0, &mn, &mx);
		assert_memory_equal(mx, "\xe4\x00\x00\x00", 4);
		mars_pair(m, 1, &mn, &mx);
		assert_memory_equal(mn, "\xe4\x00\x00\x02", 4);
	}

	/* UNSERV: SCVC copy + LEAVE relabel on CCVC. */
	cap_reset();
	do_c(s, &c2, MARS_UNSERV, 0, G(228, 0, 0, 1), G(228, 0, 0, 1));
	assert_int_equal(cap.nsent, 2);
	assert_int_equal(cap.sent[0].vc.kind, MARS_VC_SCVC);
	m = sent_msg(1, &p);
	assert_int_equal(cap.sent[1].vc.kind, MARS_VC_CCVC);
	assert_int_equal(m->op, MARS_LEAVE);
	assert_int_equal(m->flags & (MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY |
	    MARS_FLAG_REGISTER), MARS_FLAG_COPY);
	/* MCS deregistration: private; the group reverts to a mesh. */
	cap_reset();
	len = mk_c(buf, &c1, MARS_UNSERV, MARS_FLAG_REGISTER, 0, 0, 0);
	feed(s, &c1, buf, len);
	assert_int_equal(cap.nsent, 1);
	assert_int_equal(cap.sent[0].vc.kind, MARS_VC_P2P);
	assert_false(cap.leaves[cap.nleaves - 1].add);
	len = mk_request(buf, &b, G(228, 0, 0, 1));
	feed(s, &b, buf, len);
	m = sent_msg(1, &p);
	assert_int_equal(m->tnum, 3);	/* a, b and the router */
	/* MSERV for a group from an unregistered MCS is dropped. */
	do_c(s, &c1, MARS_MSERV, 0, G(228, 0, 0, 1), G(228, 0, 0, 1));
	assert_int_equal(cap.nsent, 2);
	assert_int_equal(mars_server_get_stats(s)->dropped[MARS_SRV_DROP_UNREGISTERED],
	    1);
	mars_server_free(s);
}

static void
test_redirect_map(void **state)
{
	struct mars_server *s = new_server(300);
	struct mars_server_atm list[3];
	struct mars_pdu p;
	const struct mars_msg *m;
	struct mars_atm tha, tsa;
	struct node c;
	uint8_t buf[512];
	mars_time_t next;
	unsigned i;
	size_t len;

	next = mars_server_tick(s, 1000);
	assert_int_equal(next, 61000);
	assert_int_equal(cap.nsent, 0);
	next = mars_server_tick(s, 61000);
	assert_int_equal(next, 121000);
	assert_int_equal(cap.nsent, 1);
	assert_int_equal(cap.sent[0].vc.kind, MARS_VC_CCVC);
	m = sent_msg(0, &p);
	assert_int_equal(m->op, MARS_REDIRECT_MAP);
	assert_int_equal(m->msn, 300);
	assert_int_equal(m->seqxy, 0x8001);
	assert_int_equal(m->tnum, 1);
	assert_int_equal(m->redirf, 0);
	mars_target(m, 0, &tha, &tsa);
	assert_memory_equal(tha.addr, m->sha.addr, 20);
	assert_int_equal(mars_server_csn(s), 301);
	mars_server_tick(s, 121000);
	m = sent_msg(1, &p);
	assert_int_equal(m->msn, 301);

	/* With an MCS the map also goes on SCVC with the SSN. */
	mk_node(&c, 200);
	len = mk_c(buf, &c, MARS_MSERV, MARS_FLAG_REGISTER, 0, 0, 0);
	feed(s, &c, buf, len);
	memset(list, 0, sizeof(list));
	for (i = 0; i < 3; i++) {
		list[i].tl = 20;
		mk_atm(list[i].addr, 0x900 + i);
	}
	assert_int_equal(mars_server_set_redirect_map(s, list, 3, true), 0);
	cap_reset();
	mars_server_tick(s, 181000);
	assert_int_equal(cap.nsent, 2);
	assert_int_equal(cap.sent[0].vc.kind, MARS_VC_CCVC);
	assert_int_equal(cap.sent[1].vc.kind, MARS_VC_SCVC);
	m = sent_msg(0, &p);
	assert_int_equal(m->msn, 302);
	assert_int_equal(m->redirf, MARS_REDIRF_HARD);
	assert_int_equal(m->tnum, 3);
	for (i = 0; i < 3; i++) {
		mars_target(m, i, &tha, &tsa);
		assert_memory_equal(tha.addr, list[i].addr, 20);
	}
	m = sent_msg(1, &p);
	assert_int_equal(m->msn, 500);	/* private MSERV reply: no bump */
	assert_int_equal(mars_server_ssn(s), 501);
	mars_server_redirect_now(s, 182000);
	assert_int_equal(cap.nsent, 4);
	assert_int_equal(mars_server_tick(s, 182001), 242000);
	mars_server_free(s);
}

static void
test_leaf_lost(void **state)
{
	struct mars_server *s = new_server(3);
	struct mars_server_group_info gi;
	struct mars_pdu p;
	const struct mars_msg *m;
	struct node a, b;
	uint8_t buf[512], g[4];
	uint16_t ca;
	size_t len;

	mk_node(&a, 1);
	mk_node(&b, 2);
	ca = do_register(s, &a);
	do_register(s, &b);
	do_c(s, &a, MARS_JOIN, MARS_FLAG_LAYER3GRP, G(229, 1, 1, 1),
	    G(229, 1, 1, 1));
	cap_reset();
	mars_server_leaf_lost(s, 10, a.vc.id);
	assert_int_equal(cap.nsent, 0);
	assert_int_equal(mars_server_member_count(s), 1);
	ipv4(g, G(229, 1, 1, 1));
	assert_false(mars_server_group_find(s, g, &gi));
	assert_int_equal(cap.nevents[MARS_EV_MEMBER_REMOVED], 1);
	len = mk_request(buf, &b, G(229, 1, 1, 1));
	feed(s, &b, buf, len);
	m = sent_msg(0, &p);
	assert_int_equal(m->op, MARS_NAK);
	/* a's group JOIN is now from an unregistered node. */
	do_c(s, &a, MARS_JOIN, MARS_FLAG_LAYER3GRP, G(229, 1, 1, 1),
	    G(229, 1, 1, 1));
	assert_int_equal(cap.nsent, 1);
	assert_int_equal(do_register(s, &a), ca);
	mars_server_free(s);
}

static void
expect_drop(struct mars_server *s, const struct node *n, const uint8_t *buf,
    size_t len, int reason)
{
	const struct mars_server_stats *st = mars_server_get_stats(s);
	uint64_t before = st->dropped[reason];
	unsigned sent = cap.nsent;

	mars_server_input(s, 0, &n->vc, buf, len);
	assert_int_equal(cap.nsent, sent);
	assert_int_equal(st->dropped[reason], before + 1);
	assert_int_equal(cap.last_event, MARS_EV_DROPPED);
	assert_string_equal(cap.last_detail, mars_server_drop_name(reason));
}

static void
test_drop_reasons(void **state)
{
	struct mars_server *s = new_server(1);
	struct node a, u, ccvc;
	uint8_t buf[512];
	size_t len;

	mk_node(&a, 1);
	mk_node(&u, 2);
	do_register(s, &a);
	cap_reset();

	len = mk_c(buf, &a, MARS_JOIN, MARS_FLAG_LAYER3GRP, 1,
	    G(224, 1, 1, 1), G(224, 1, 1, 1));
	expect_drop(s, &a, buf, len - 3, MARS_SRV_DROP_MALFORMED);
	buf[len - 1] ^= 0x55;
	expect_drop(s, &a, buf, len, MARS_SRV_DROP_CHECKSUM);
	buf[len - 1] ^= 0x55;
	buf[8 + 17] = 99;
	expect_drop(s, &a, buf, len, MARS_SRV_DROP_UNKNOWN_OP);

	len = mk_c(buf, &u, MARS_JOIN, MARS_FLAG_LAYER3GRP, 1,
	    G(224, 1, 1, 1), G(224, 1, 1, 1));
	expect_drop(s, &u, buf, len, MARS_SRV_DROP_UNREGISTERED);
	len = mk_request(buf, &u, G(224, 1, 1, 1));
	expect_drop(s, &u, buf, len, MARS_SRV_DROP_UNREGISTERED);
	len = mk_c(buf, &a, MARS_JOIN, MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY,
	    1, G(224, 1, 1, 1), G(224, 1, 1, 1));
	expect_drop(s, &a, buf, len, MARS_SRV_DROP_COPY_SET);
	len = mk_c(buf, &a, MARS_JOIN, MARS_FLAG_LAYER3GRP, 2,
	    G(224, 1, 1, 1), G(224, 1, 1, 1));
	expect_drop(s, &a, buf, len, MARS_SRV_DROP_PAIRS);
	len = mk_c(buf, &a, MARS_LEAVE, 0, 0, 0, 0);
	expect_drop(s, &a, buf, len, MARS_SRV_DROP_PAIRS);
	len = mk_c(buf, &a, MARS_JOIN, 0, 1, G(224, 1, 1, 9),
	    G(224, 1, 1, 1));
	expect_drop(s, &a, buf, len, MARS_SRV_DROP_MALFORMED);

	len = mk_c(buf, &a, MARS_JOIN, MARS_FLAG_REGISTER, 0, 0, 0);
	buf[8 + 2] = 0x86;		/* IPv6 to an IPv4 server */
	buf[8 + 3] = 0xdd;
	buf[8 + 12] = buf[8 + 13] = 0;
	expect_drop(s, &a, buf, len, MARS_SRV_DROP_PROTOCOL);

	len = mk_c(buf, &a, MARS_SJOIN, 0, 1, G(224, 1, 1, 1),
	    G(224, 1, 1, 1));
	expect_drop(s, &a, buf, len, MARS_SRV_DROP_UNEXPECTED_OP);
	len = mk_c(buf, &a, MARS_JOIN, MARS_FLAG_REGISTER, 0, 0, 0);
	buf[7] = 0x05;			/* SCSP PID */
	expect_drop(s, &a, buf, len, MARS_SRV_DROP_NOT_MARS);
	expect_drop(s, &a, (const uint8_t *)"\x01\x02", 2, MARS_SRV_DROP_MALFORMED);
	ccvc = a;
	ccvc.vc.kind = MARS_VC_CCVC;
	len = mk_c(buf, &a, MARS_JOIN, MARS_FLAG_REGISTER, 0, 0, 0);
	expect_drop(s, &ccvc, buf, len, MARS_SRV_DROP_WRONG_VC);
	/* Unknown TLV with Type.x = 1: silently dropped. */
	{
		struct mars_msg m;
		struct mars_pdu p;

		assert_int_equal(mars_pdu_decode(&p, buf, len, 0), 0);
		m = p.u.mars;
		m.ntlv = 1;
		m.tlv[0].type = 0x4123;
		m.tlv[0].len = 0;
		m.tlv[0].value = NULL;
		len = encode(&m, buf + 256, 256);
		expect_drop(s, &a, buf + 256, len, MARS_SRV_DROP_TLV);
	}
	/* Block MSERV from a registered MCS is not supported. */
	len = mk_c(buf, &u, MARS_MSERV, MARS_FLAG_REGISTER, 0, 0, 0);
	feed(s, &u, buf, len);
	len = mk_c(buf, &u, MARS_MSERV, 0, 1, G(224, 0, 0, 0),
	    G(224, 0, 0, 255));
	expect_drop(s, &u, buf, len, MARS_SRV_DROP_UNSUPPORTED);
	assert_int_equal(mars_server_get_stats(s)->encode_errors, 0);
	mars_server_free(s);
}

/* splitmix64, so the flood is the same on every run. */
static uint64_t
rnd(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
test_garbage_flood(void **state)
{
	struct mars_server *s = new_server(1);
	struct node n[8];
	uint8_t good[8][512], buf[1024];
	size_t glen[8], len, k;
	uint64_t seed = 42;
	unsigned i, j;

	for (i = 0; i < 8; i++) {
		mk_node(&n[i], i + 1);
		do_register(s, &n[i]);
	}
	glen[0] = mk_c(good[0], &n[0], MARS_JOIN, MARS_FLAG_LAYER3GRP, 1,
	    G(224, 0, 0, 1), G(224, 0, 0, 1));
	glen[1] = mk_c(good[1], &n[1], MARS_JOIN, 0, 1, G(224, 0, 0, 0),
	    G(239, 255, 255, 255));
	glen[2] = mk_request(good[2], &n[2], G(224, 0, 0, 1));
	glen[3] = mk_c(good[3], &n[3], MARS_MSERV, MARS_FLAG_REGISTER, 0, 0, 0);
	glen[4] = mk_c(good[4], &n[3], MARS_MSERV, 0, 1, G(224, 0, 0, 1),
	    G(224, 0, 0, 1));
	glen[5] = mk_c(good[5], &n[5], MARS_GROUPLIST_REQUEST, 0, 1,
	    G(224, 0, 0, 0), G(239, 0, 0, 0));
	glen[6] = mk_c(good[6], &n[1], MARS_LEAVE, 0, 1, G(224, 0, 0, 0),
	    G(230, 0, 0, 0));
	glen[7] = mk_c(good[7], &n[3], MARS_UNSERV, MARS_FLAG_REGISTER, 0, 0,
	    0);
	for (i = 0; i < 6000; i++) {
		j = (unsigned)(rnd(&seed) % 8);
		if (i % 3 == 0) {
			/* Pure noise, sometimes behind a MARS LLC header. */
			len = (size_t)(rnd(&seed) % 200);
			for (k = 0; k < len; k++)
				buf[k] = (uint8_t)rnd(&seed);
			if (len > 8 && (i & 1))
				memcpy(buf, good[0], 18);
		} else {
			/* A valid message with a few bytes changed. */
			len = glen[j];
			memcpy(buf, good[j], len);
			for (k = rnd(&seed) % 4; k > 0; k--)
				buf[8 + rnd(&seed) % (len - 8)] =
				    (uint8_t)rnd(&seed);
			if (rnd(&seed) & 1) {
				buf[8 + 12] = buf[8 + 13] = 0;
			}
			if ((rnd(&seed) & 7) == 0)
				len = (size_t)(rnd(&seed) % len);
		}
		mars_server_input(s, (mars_time_t)i * 10, &n[j].vc, buf, len);
		if (i % 500 == 0)
			mars_server_tick(s, (mars_time_t)i * 10);
		if (i % 997 == 0)
			mars_server_leaf_lost(s, (mars_time_t)i * 10, n[j].vc.id);
		if (cap.nsent > MAXSENT - 64)
			cap_reset();
	}
	for (i = 0; i < cap.nsent; i++) {
		struct mars_pdu p;

		assert_true(cap.sent[i].len <= MARS_MTU);
		assert_int_equal(mars_pdu_decode(&p, cap.sent[i].buf,
		    cap.sent[i].len, 0), 0);
	}
	assert_int_equal(mars_server_get_stats(s)->encode_errors, 0);
	mars_server_free(s);
}

static void
test_memory_per_membership(void **state)
{
	struct mars_server *s = new_server(1);
	static struct node n[1000];
	struct mars_server_group_info gi;
	size_t before, after;
	double per;
	unsigned i, k;
	uint32_t cur = 0, groups = 0;

	before = mars_server_mem_usage(s);
	for (i = 0; i < 1000; i++) {
		mk_node(&n[i], i + 1);
		do_register(s, &n[i]);
		for (k = 0; k < 10; k++)
			do_c(s, &n[i], MARS_JOIN, MARS_FLAG_LAYER3GRP,
			    G(224, 5, 0, (i + k * 7) % 100),
			    G(224, 5, 0, (i + k * 7) % 100));
		if (cap.nsent > MAXSENT - 64)
			cap_reset();
	}
	after = mars_server_mem_usage(s);
	while (mars_server_group_next(s, &cur, &gi)) {
		groups++;
		assert_int_equal(gi.nmembers, 100);
	}
	assert_int_equal(groups, 100);
	per = (double)(after - before) / 10000.0;
	print_message("server: %zu octets for 1000 members x 10 groups "
	    "(10000 memberships): %.1f octets per membership\n",
	    after - before, per);
	assert_true(per <= 128.0);
	mars_server_free(s);
}

/*
 * The member table grows its hash by doubling while registrations
 * arrive; every member must still be found afterwards (a re-registration
 * is a lookup), with its own CMI, across several growth steps.
 */
static void
test_register_many_rehash(void **state)
{
	struct mars_server *s = new_server(1);
	static struct node n[700];
	static uint16_t cmi[700];
	unsigned i, j;

	for (i = 0; i < 700; i++) {
		mk_node(&n[i], 5000 + i * 37);
		cmi[i] = do_register(s, &n[i]);
		assert_int_not_equal(cmi[i], 0);
		if (cap.nsent > MAXSENT - 64)
			cap_reset();
	}
	for (i = 0; i < 700; i++) {
		assert_int_equal(do_register(s, &n[i]), cmi[i]);
		if (cap.nsent > MAXSENT - 64)
			cap_reset();
	}
	for (i = 0; i < 700; i += 50)
		for (j = i + 1; j < 700; j++)
			assert_int_not_equal(cmi[i], cmi[j]);
	mars_server_free(s);
}

static void
test_import_export(void **state)
{
	struct mars_server *s = new_server(1);
	struct mars_server_member_info mi;
	struct mars_server_mcs_info ci;
	struct mars_server_atm a, c;
	struct node na;
	const uint8_t *grp;
	uint8_t g[4];
	bool l3;
	uint32_t cur = 0;

	mk_node(&na, 5);
	memset(&a, 0, sizeof(a));
	a.tl = 20;
	memcpy(a.addr, na.atm, 20);
	assert_int_equal(mars_server_import_cmi(s, 0, &a, 4242), 0);
	assert_int_equal(do_register(s, &na), 4242);
	ipv4(g, G(224, 7, 7, 7));
	assert_int_equal(mars_server_import_group(s, 0, &a, g, g, true, true), 0);
	assert_true(mars_server_member_next(s, &cur, &mi));
	assert_int_equal(mi.cmi, 4242);
	assert_true(mi.registered);
	assert_int_equal(mi.vc_id, na.vc.id);
	assert_int_equal(mi.ngroups, 1);
	assert_int_equal(mi.spa_len, 4);
	assert_true(mars_server_member_group(s, mi.handle, 0, &grp, &l3));
	assert_memory_equal(grp, g, 4);
	assert_true(l3);
	/* A CMI bound to a registered member cannot be imported again. */
	memset(&c, 0, sizeof(c));
	c.tl = 20;
	mk_atm(c.addr, 77);
	assert_int_equal(mars_server_import_cmi(s, 0, &c, 4242), MARS_E_INVAL);
	assert_int_equal(mars_server_import_mcs(s, 0, &c, 0, true), 0);
	assert_int_equal(mars_server_import_serve(s, 0, &c, g, true), 0);
	cur = 0;
	assert_true(mars_server_mcs_next(s, &cur, &ci));
	assert_int_equal(ci.ngroups, 1);
	assert_true(mars_server_mcs_group(s, ci.handle, 0, &grp));
	assert_memory_equal(grp, g, 4);
	assert_int_equal(cap.nsent, 1);		/* imports send nothing */
	mars_server_free(s);
}

/* ---- the Windows 2000 server's quirks (server.h MARS_SERVER_Q_*) ---- */

static struct mars_server *
new_quirky(uint32_t csn, unsigned quirks)
{
	struct mars_server *s = new_server(csn);

	assert_int_equal(mars_server_set_quirks(s, quirks), 0);
	assert_int_equal(mars_server_quirks(s), quirks);
	return s;
}

/* Decode captured SDU i, expecting verdict rc (parsed either way). */
static const struct mars_msg *
sent_verdict(unsigned i, struct mars_pdu *p, int rc)
{
	assert_true(i < cap.nsent);
	assert_int_equal(mars_pdu_decode(p, cap.sent[i].buf, cap.sent[i].len,
	    0), rc);
	assert_true(mars_err_parsed(rc));
	assert_int_equal(p->kind, MARS_PDU_MARS);
	return &p->u.mars;
}

/* C10: the registration reply keeps the request's mar$chksum. */
static void
test_quirk_stale_checksum(void **state)
{
	static const uint8_t req[] = {
		0xAA, 0xAA, 0x03, 0x00, 0x00, 0x5E, 0x00, 0x03, 0x00, 0x0F,
		0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x1F, 0x22, 0x00, 0x00, 0x00, 0x04, 0x14, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x01, 0x00, 0x20, 0x48, 0xAA, 0x00, 0x01, 0x00,
	};
	/* Example 1's reply with the request's checksum left in place. */
	static const uint8_t want[] = {
		0xAA, 0xAA, 0x03, 0x00, 0x00, 0x5E, 0x00, 0x03, 0x00, 0x0F,
		0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x1F, 0x22, 0x00, 0x00, 0x00, 0x04, 0x14, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x60, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2A,
		0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x01, 0x00, 0x20, 0x48, 0xAA, 0x00, 0x01, 0x00,
	};
	struct mars_server *s = new_quirky(0x2a, MARS_SERVER_Q_STALE_CHKSUM);
	struct mars_vc vc = { MARS_VC_P2P, 7 };
	const struct mars_msg *m;
	struct mars_pdu p;
	struct node n;
	uint8_t buf[512];
	size_t len;

	mars_server_input(s, 0, &vc, req, sizeof(req));
	assert_int_equal(cap.nsent, 1);
	assert_int_equal(cap.sent[0].len, sizeof(want));
	assert_memory_equal(cap.sent[0].buf, want, sizeof(want));
	m = sent_verdict(0, &p, MARS_E_CHKSUM);
	assert_true(m->nonconf & MARS_NC_CHECKSUM);
	assert_int_equal(m->cmi, 1);
	/* A request sent unchecked (0) gets 0 back: valid by §4.3.3. */
	mk_node(&n, 2);
	len = mk_c(buf, &n, MARS_JOIN, MARS_FLAG_REGISTER, 0, 0, 0);
	buf[MARS_LLC_SNAP_LEN + 12] = buf[MARS_LLC_SNAP_LEN + 13] = 0;
	feed(s, &n, buf, len);
	m = sent_verdict(1, &p, 0);
	assert_int_equal(m->chksum, 0);
	/* The periodic map is not a reply: its checksum is right. */
	mars_server_redirect_now(s, 0);
	(void)sent_verdict(2, &p, 0);
	mars_server_free(s);
}

/* C18: the first member gets CMI 0, the next 1; copies keep them. */
static void
test_quirk_cmi_zero(void **state)
{
	struct mars_server *s = new_quirky(5, MARS_SERVER_Q_CMI_ZERO);
	struct mars_server_member_info mi;
	const struct mars_msg *m;
	struct mars_pdu p;
	struct node n1, n2;
	uint8_t buf[512];
	size_t len;

	mk_node(&n1, 1);
	mk_node(&n2, 2);
	len = mk_c(buf, &n1, MARS_JOIN, MARS_FLAG_REGISTER, 0, 0, 0);
	feed(s, &n1, buf, len);
	m = sent_verdict(0, &p, MARS_E_NONCONF);
	assert_int_equal(m->cmi, 0);
	assert_int_equal(m->nonconf, MARS_NC_CMI_ZERO);
	len = mk_c(buf, &n2, MARS_JOIN, MARS_FLAG_REGISTER, 0, 0, 0);
	feed(s, &n2, buf, len);
	m = sent_verdict(1, &p, 0);
	assert_int_equal(m->cmi, 1);
	/* The server tracks CMIs 1 and 2: replication stays conforming. */
	assert_true(mars_server_member_get(s, 0, &mi));
	assert_int_equal(mi.cmi, 1);
	/* Deregistration answers with the CMI handed out. */
	len = mk_c(buf, &n1, MARS_LEAVE, MARS_FLAG_REGISTER, 0, 0, 0);
	feed(s, &n1, buf, len);
	m = sent_verdict(2, &p, 0);
	assert_int_equal(m->op, MARS_LEAVE);
	assert_int_equal(m->cmi, 0);
	mars_server_free(s);
}

/* C9: a NAK carries the CSN in the last four octets of mar$pad. */
static void
test_quirk_nak_csn(void **state)
{
	struct mars_server *s = new_quirky(0x01020304, MARS_SERVER_Q_NAK_CSN);
	const struct mars_msg *m;
	struct mars_pdu p;
	struct node n;
	uint8_t buf[512];
	size_t len;

	mk_node(&n, 1);
	(void)do_register(s, &n);
	len = mk_request(buf, &n, G(224, 9, 9, 9));
	feed(s, &n, buf, len);
	assert_int_equal(cap.nsent, 2);
	assert_int_equal(cap.sent[1].len, len);
	assert_int_equal(cap.sent[1].buf[MARS_LLC_SNAP_LEN + 17], MARS_NAK);
	assert_int_equal(cap.sent[1].buf[MARS_LLC_SNAP_LEN + 28], 0x01);
	assert_int_equal(cap.sent[1].buf[MARS_LLC_SNAP_LEN + 29], 0x02);
	assert_int_equal(cap.sent[1].buf[MARS_LLC_SNAP_LEN + 30], 0x03);
	assert_int_equal(cap.sent[1].buf[MARS_LLC_SNAP_LEN + 31], 0x04);
	/* The checksum covers the pad (recomputed without C10)... */
	m = sent_verdict(1, &p, 0);
	assert_int_equal(m->op, MARS_NAK);
	assert_int_equal(m->pad[4], 0x01);
	assert_int_equal(m->pad[7], 0x04);
	/* ...and is stale with it, as that server sends it. */
	assert_int_equal(mars_server_set_quirks(s, MARS_SERVER_Q_WIN2000), 0);
	feed(s, &n, buf, len);
	m = sent_verdict(2, &p, MARS_E_CHKSUM);
	assert_true(m->nonconf & MARS_NC_CHECKSUM);
	assert_memory_equal(cap.sent[2].buf + MARS_LLC_SNAP_LEN + 12,
	    buf + MARS_LLC_SNAP_LEN + 12, 2);
	mars_server_free(s);
}

/* C8: the periodic map with mar$shtl 0 (source octets in place), seqxy 0. */
static void
test_quirk_null_map(void **state)
{
	struct mars_server *s = new_quirky(9, MARS_SERVER_Q_NULL_MAP);
	struct mars_server_atm other;
	const struct mars_msg *m;
	struct mars_pdu p;
	struct mars_vc vc = { MARS_VC_P2P, 3 };
	const uint8_t *b;

	memset(&other, 0, sizeof(other));
	other.tl = 20;
	mk_atm(other.addr, 99);
	mars_server_redirect_now(s, 0);
	assert_int_equal(cap.nsent, 1);
	assert_int_equal(cap.sent[0].vc.kind, MARS_VC_CCVC);
	b = cap.sent[0].buf + MARS_LLC_SNAP_LEN;
	assert_int_equal(b[17], MARS_REDIRECT_MAP);
	assert_int_equal(b[18], 0);			/* mar$shtl */
	assert_int_equal(b[26], 0);			/* mar$seqxy */
	assert_int_equal(b[27], 0);
	assert_int_equal(cap.sent[0].len, MARS_LLC_SNAP_LEN + 32 + 20 + 20);
	m = sent_verdict(0, &p, MARS_E_NONCONF);
	assert_int_equal(m->nonconf, MARS_NC_NULL_SOURCE | MARS_NC_SEQXY);
	assert_true(m->sha_inferred);
	assert_int_equal(m->tnum, 1);
	assert_int_equal(m->msn, 9);
	assert_int_equal(mars_server_csn(s), 10);
	/* A targeted map is not the periodic one: conforming. */
	mars_server_send_redirect(s, 0, &vc, &other, 1, true);
	(void)sent_verdict(1, &p, 0);
	mars_server_free(s);
}

static void
test_quirks_refused(void **state)
{
	struct mars_server *s = new_server(1);
	struct mars_server_conf c;
	struct mars_server *t;
	struct mars_err err;
	uint8_t self[20];

	assert_int_equal(mars_server_set_quirks(s, 0x100), MARS_E_INVAL);
	assert_int_equal(mars_server_quirks(s), 0);
	mars_server_free(s);
	memcpy(self, nsap_base, 20);
	mars_server_conf_init(&c, MARS_PRO_IPV4, self, 20);
	c.quirks = 0x80;
	assert_int_equal(mars_server_new(&t, &c, &io, &err), MARS_E_INVAL);
	assert_string_equal(err.field, "quirks");
	cap_reset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_example),
		cmocka_unit_test(test_register_fields_and_cmis),
		cmocka_unit_test(test_deregister_keeps_binding),
		cmocka_unit_test(test_join_leave_propagation),
		cmocka_unit_test(test_request_multi_example),
		cmocka_unit_test(test_nak_checksum),
		cmocka_unit_test(test_multi_600),
		cmocka_unit_test(test_grouplist),
		cmocka_unit_test(test_block_hole_punch),
		cmocka_unit_test(test_mcs_flows),
		cmocka_unit_test(test_redirect_map),
		cmocka_unit_test(test_leaf_lost),
		cmocka_unit_test(test_drop_reasons),
		cmocka_unit_test(test_garbage_flood),
		cmocka_unit_test(test_memory_per_membership),
		cmocka_unit_test(test_register_many_rehash),
		cmocka_unit_test(test_import_export),
		cmocka_unit_test(test_quirk_stale_checksum),
		cmocka_unit_test(test_quirk_cmi_zero),
		cmocka_unit_test(test_quirk_nak_csn),
		cmocka_unit_test(test_quirk_null_map),
		cmocka_unit_test(test_quirks_refused),
	};
	int rc;

	rc = cmocka_run_group_tests_name("server", tests, NULL, NULL);
	cap_reset();
	return rc;
}
