/*
 * SCSP codec (RFC 2334 App. B): PROTOCOL.md worked examples 4 and 5, round
 * trips of every type, and the malformed packets a receiver must refuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mars/scsp.h"

/* PROTOCOL.md §8 Example 4: Hello, LSID 10.1.1.250, one DCS heard. */
static const uint8_t ex4[] = {
	0xAA, 0xAA, 0x03, 0x00, 0x00, 0x5E, 0x00, 0x05,
	0x01, 0x05, 0x00, 0x24, 0xE2, 0xD1, 0x00, 0x00,
	0x00, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x04, 0x00, 0x00, 0x0A, 0x01, 0x01, 0xFA,
	0x0A, 0x01, 0x01, 0xFB,
};

/* PROTOCOL.md §8 Example 5: CSU Request, one RFC 2443 State-3 CSA. */
static const uint8_t ex5[] = {
	0xAA, 0xAA, 0x03, 0x00, 0x00, 0x5E, 0x00, 0x05,
	0x01, 0x02, 0x00, 0x64, 0x3E, 0x59, 0x00, 0x00,
	0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x04, 0x00, 0x01, 0x0A, 0x01, 0x01, 0xFA,
	0x0A, 0x01, 0x01, 0xFB, 0x00, 0x03, 0x00, 0x48,
	0x04, 0x04, 0x00, 0x00, 0x80, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x07, 0x0A, 0x01, 0x01, 0xFA,
	0x00, 0x0F, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x03, 0x80, 0x00, 0x00, 0x01,
	0x04, 0x04, 0x14, 0x00, 0x0A, 0x01, 0x01, 0x01,
	0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x20, 0x48,
	0xAA, 0x00, 0x01, 0x00, 0xE0, 0x01, 0x02, 0x03,
	0xE0, 0x01, 0x02, 0x03,
};

static const uint8_t lsid[4] = { 0x0A, 0x01, 0x01, 0xFA };
static const uint8_t dcsid[4] = { 0x0A, 0x01, 0x01, 0xFB };
static const uint8_t cm1[20] = {
	0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x20, 0x48, 0xAA, 0x00, 0x01, 0x00,
};
static const uint8_t grp[4] = { 0xE0, 0x01, 0x02, 0x03 };

/* An independent RFC 1071 sum, to check the library's checksum. */
static uint16_t
ref_cksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Recompute the Checksum of the SCSP packet p after an edit. */
static void
fix_cksum(uint8_t *p)
{
	size_t size = (size_t)(p[2] << 8 | p[3]);
	uint16_t c;

	p[4] = p[5] = 0;
	c = ref_cksum(p, size);
	p[4] = (uint8_t)(c >> 8);
	p[5] = (uint8_t)c;
}

/* A heap copy of exactly n octets, so ASan sees any read past it. */
static uint8_t *
dup(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n > 0 ? n : 1);

	assert_non_null(q);
	if (n > 0)
		memcpy(q, p, n);
	return q;
}

static size_t
encode(const struct mars_scsp_msg *m, uint8_t *out, size_t cap)
{
	struct mars_err err;
	size_t n = 0;

	assert_int_equal(mars_scsp_encode(m, out, cap, &n, 0, &err), 0);
	assert_int_equal((size_t)(out[2] << 8 | out[3]), n);
	assert_int_equal(ref_cksum(out, n), 0);
	return n;
}

/*
 * Decode from an exact-size heap copy.  The view points into the copy, so
 * it lives until the next call.
 */
static int
decode(struct mars_scsp_msg *m, const uint8_t *p, size_t n, struct mars_err *err)
{
	static uint8_t *copy;

	free(copy);
	copy = dup(p, n);
	return mars_scsp_decode(m, copy, n, 0, 0, err);
}

static void
assert_id(const struct mars_scsp_id *id, const uint8_t *p, size_t len)
{
	assert_int_equal(id->len, len);
	if (len > 0)
		assert_memory_equal(id->p, p, len);
}

static void
test_example4(void **state)
{
	const uint8_t *pkt = ex4 + 8;
	struct mars_scsp_msg m, e;
	struct mars_scsp_iter it;
	struct mars_scsp_id id;
	struct mars_err err;
	uint8_t out[64];
	size_t n;

	(void)state;
	assert_int_equal(mars_scsp_decode(&m, pkt, sizeof(ex4) - 8, 8, 0, &err), 0);
	assert_int_equal(m.version, 1);
	assert_int_equal(m.type, MARS_SCSP_HELLO);
	assert_int_equal(m.size, 36);
	assert_int_equal(m.chksum, 0xE2D1);
	assert_int_equal(m.extoff, 0);
	assert_false(m.has_ext);
	assert_int_equal(m.hello_interval, 3);
	assert_int_equal(m.dead_factor, 3);
	assert_int_equal(m.hello_unused, 0);
	assert_int_equal(m.family_id, 0);
	assert_int_equal(m.protocol_id, MARS_SCSP_PROTO_MARS);
	assert_int_equal(m.sgid, 1);
	assert_int_equal(m.mcp_unused, 0);
	assert_int_equal(m.flags, 0);
	assert_id(&m.sender, lsid, 4);
	assert_id(&m.receiver, dcsid, 4);
	assert_ptr_equal(m.sender.p, pkt + 28);
	assert_ptr_equal(m.receiver.p, pkt + 32);
	assert_int_equal(m.nrec, 0);
	assert_int_equal(m.rec_off, 36);
	assert_int_equal(m.rec_len, 0);
	assert_int_equal(m.next, 0);
	assert_int_equal(m.len, 36);
	mars_scsp_iter_init(&m, &it);
	assert_false(mars_scsp_next_id(&it, &id));

	/* Re-encode from a struct filled by hand, LLC included. */
	memset(&e, 0, sizeof(e));
	e.type = MARS_SCSP_HELLO;
	e.hello_interval = 3;
	e.dead_factor = 3;
	e.protocol_id = MARS_SCSP_PROTO_MARS;
	e.sgid = 1;
	e.sender.p = lsid;
	e.sender.len = 4;
	e.receiver.p = dcsid;
	e.receiver.len = 4;
	assert_int_equal(mars_scsp_encode(&e, out, sizeof(out), &n, MARS_SCSP_ENC_LLC,
	    &err), 0);
	assert_int_equal(n, sizeof(ex4));
	assert_memory_equal(out, ex4, sizeof(ex4));

	/* And from the decoded view. */
	assert_int_equal(mars_scsp_encode(&m, out, sizeof(out), &n, 0, &err), 0);
	assert_int_equal(n, 36);
	assert_memory_equal(out, pkt, 36);
}

static void
test_example5(void **state)
{
	const uint8_t *pkt = ex5 + 8;
	static const uint8_t key[4] = { 0, 0, 0, 7 };
	struct mars_scsp_msg m, e;
	struct mars_scsp_iter it;
	struct mars_scsp_csas rec, in;
	struct mars_scsp_mars_part mp;
	struct mars_err err;
	uint8_t out[128], body[64];
	size_t n, blen;

	(void)state;
	assert_int_equal(mars_scsp_decode(&m, pkt, sizeof(ex5) - 8, 0, 0, &err), 0);
	assert_int_equal(m.version, 1);
	assert_int_equal(m.type, MARS_SCSP_CSU_REQUEST);
	assert_int_equal(m.size, 100);
	assert_int_equal(m.chksum, 0x3E59);
	assert_int_equal(m.extoff, 0);
	assert_int_equal(m.protocol_id, MARS_SCSP_PROTO_MARS);
	assert_int_equal(m.sgid, 1);
	assert_int_equal(m.mcp_unused, 0);
	assert_int_equal(m.flags, 0);
	assert_id(&m.sender, lsid, 4);
	assert_id(&m.receiver, dcsid, 4);
	assert_int_equal(m.nrec, 1);
	assert_int_equal(m.rec_off, 28);
	assert_int_equal(m.rec_len, 72);
	assert_ptr_equal(m.rec, pkt + 28);

	mars_scsp_iter_init(&m, &it);
	assert_true(mars_scsp_next_csas(&it, &rec));
	assert_int_equal(rec.off, 28);
	assert_int_equal(rec.hops, 3);
	assert_int_equal(rec.reclen, 72);
	assert_false(rec.null);
	assert_int_equal(rec.unused, 0);
	assert_int_equal(rec.seq, MARS_SCSP_SEQ_FIRST);
	assert_id(&rec.key, key, 4);
	assert_id(&rec.oid, lsid, 4);
	assert_ptr_equal(rec.body, pkt + 48);
	assert_int_equal(rec.body_len, 52);
	assert_false(mars_scsp_next_csas(&it, &in));

	assert_int_equal(mars_scsp_mars_decode(&mp, rec.body, rec.body_len, 48,
	    &err), 0);
	assert_int_equal(mp.hw_type, 0x000F);
	assert_int_equal(mp.pro_type, 0x0800);
	assert_memory_equal(mp.snap, "\0\0\0\0\0", 5);
	assert_int_equal(mp.unused, 0);
	assert_int_equal(mp.version, 0);
	assert_int_equal(mp.state, MARS_SCSP_MARS_CLIENT_JOIN);
	assert_int_equal(mp.flags, 0x8000);
	assert_int_equal(mp.cmi, 1);
	assert_int_equal(mp.spa.len, 4);
	assert_memory_equal(mp.spa.addr, "\x0A\x01\x01\x01", 4);
	assert_int_equal(mp.grp_len, 4);
	assert_int_equal(mp.atm.tl, 0x14);
	assert_memory_equal(mp.atm.addr, cm1, 20);
	assert_int_equal(mp.sub.tl, 0);
	assert_null(mp.sub.addr);
	assert_memory_equal(mp.min, grp, 4);
	assert_memory_equal(mp.max, grp, 4);

	/* Re-encode: MARS part, then the packet with LLC. */
	assert_int_equal(mars_scsp_mars_encode(&mp, body, sizeof(body), &blen,
	    &err), 0);
	assert_int_equal(blen, 52);
	assert_memory_equal(body, pkt + 48, 52);
	memset(&in, 0, sizeof(in));
	in.hops = 3;
	in.seq = MARS_SCSP_SEQ_FIRST;
	in.key.p = key;
	in.key.len = 4;
	in.oid.p = lsid;
	in.oid.len = 4;
	in.body = body;
	in.body_len = (uint16_t)blen;
	memset(&e, 0, sizeof(e));
	e.version = 1;
	e.type = MARS_SCSP_CSU_REQUEST;
	e.protocol_id = MARS_SCSP_PROTO_MARS;
	e.sgid = 1;
	e.sender.p = lsid;
	e.sender.len = 4;
	e.receiver.p = dcsid;
	e.receiver.len = 4;
	e.nrec = 1;
	e.csas = &in;
	assert_int_equal(mars_scsp_encode(&e, out, sizeof(out), &n, MARS_SCSP_ENC_LLC,
	    &err), 0);
	assert_int_equal(n, sizeof(ex5));
	assert_memory_equal(out, ex5, sizeof(ex5));
}

/*
 * Encode m, decode the result, check every field against m, encode the
 * decoded view again and expect the same octets.
 */
static void
roundtrip(const struct mars_scsp_msg *m)
{
	struct mars_scsp_csas recs[16], rec;
	struct mars_scsp_id ids[16], id;
	struct mars_scsp_msg d;
	struct mars_scsp_iter it;
	struct mars_err err;
	uint8_t a[2048], b[2048];
	size_t na, nb;
	unsigned i;

	na = encode(m, a, sizeof(a));
	assert_int_equal(decode(&d, a, na, &err), 0);
	assert_int_equal(d.type, m->type);
	assert_int_equal(d.size, na);
	assert_int_equal(d.ca_seq, m->type == MARS_SCSP_CA ? m->ca_seq : 0);
	assert_int_equal(d.hello_interval, m->hello_interval);
	assert_int_equal(d.dead_factor, m->dead_factor);
	assert_int_equal(d.family_id, m->family_id);
	assert_int_equal(d.protocol_id, m->protocol_id);
	assert_int_equal(d.sgid, m->sgid);
	assert_int_equal(d.flags, m->flags);
	assert_int_equal(d.nrec, m->nrec);
	assert_id(&d.sender, m->sender.p, m->sender.len);
	assert_id(&d.receiver, m->receiver.p, m->receiver.len);
	assert_int_equal(d.has_ext, m->has_ext || m->next > 0);
	assert_int_equal(d.next, m->next);
	for (i = 0; i < m->next; i++) {
		assert_int_equal(d.ext[i].type, m->ext[i].type);
		assert_int_equal(d.ext[i].len, m->ext[i].len);
		if (m->ext[i].len > 0)
			assert_memory_equal(d.ext[i].value, m->ext[i].value,
			    m->ext[i].len);
	}

	/* Records: point the encoder at the decoded ones. */
	mars_scsp_iter_init(&d, &it);
	assert_true(m->nrec <= 16);
	for (i = 0; i < m->nrec; i++) {
		if (m->type == MARS_SCSP_HELLO) {
			assert_true(mars_scsp_next_id(&it, &id));
			assert_id(&id, m->ids[i].p, m->ids[i].len);
			ids[i] = id;
			continue;
		}
		assert_true(mars_scsp_next_csas(&it, &rec));
		assert_int_equal(rec.hops, m->csas[i].hops);
		assert_int_equal(rec.null, m->csas[i].null);
		assert_int_equal(rec.seq, m->csas[i].seq);
		assert_int_equal(rec.reclen, 12 + m->csas[i].key.len +
		    m->csas[i].oid.len + m->csas[i].body_len);
		assert_id(&rec.key, m->csas[i].key.p, m->csas[i].key.len);
		assert_id(&rec.oid, m->csas[i].oid.p, m->csas[i].oid.len);
		assert_int_equal(rec.body_len, m->csas[i].body_len);
		if (rec.body_len > 0)
			assert_memory_equal(rec.body, m->csas[i].body,
			    rec.body_len);
		recs[i] = rec;
	}
	assert_false(m->type == MARS_SCSP_HELLO ? mars_scsp_next_id(&it, &id) :
	    mars_scsp_next_csas(&it, &rec));
	d.csas = recs;
	d.ids = ids;
	nb = encode(&d, b, sizeof(b));
	assert_int_equal(nb, na);
	assert_memory_equal(a, b, na);
}

static void
base_msg(struct mars_scsp_msg *m, uint8_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->protocol_id = MARS_SCSP_PROTO_MARS;
	m->sgid = 7;
	m->sender.p = lsid;
	m->sender.len = 4;
	m->receiver.p = dcsid;
	m->receiver.len = 4;
}

static void
make_csas(struct mars_scsp_csas *r, unsigned n, uint16_t hops)
{
	static uint8_t keys[16][4];
	unsigned i;

	for (i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		keys[i][0] = 0xC0;
		keys[i][3] = (uint8_t)i;
		r[i].hops = hops;
		r[i].seq = MARS_SCSP_SEQ_FIRST + i;
		r[i].key.p = keys[i];
		r[i].key.len = 4;
		r[i].oid.p = lsid;
		r[i].oid.len = 4;
	}
}

static void
test_roundtrip_ca(void **state)
{
	static const uint16_t flags[] = {
		0, MARS_SCSP_CA_M, MARS_SCSP_CA_I, MARS_SCSP_CA_O,
		MARS_SCSP_CA_M | MARS_SCSP_CA_I | MARS_SCSP_CA_O, MARS_SCSP_CA_M | MARS_SCSP_CA_O,
		MARS_SCSP_CA_I | MARS_SCSP_CA_O,
	};
	struct mars_scsp_csas recs[4];
	struct mars_scsp_msg m;
	unsigned i, n;

	(void)state;
	make_csas(recs, 4, 1);
	recs[2].seq = 0x7fffffff;
	recs[3].key.len = 1;		/* IDs of other lengths too */
	recs[3].oid.len = 0;
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		for (n = 0; n <= 4; n++) {
			base_msg(&m, MARS_SCSP_CA);
			m.ca_seq = 0x12345678 + i;
			m.flags = flags[i];
			m.nrec = (uint16_t)n;
			m.csas = recs;
			roundtrip(&m);
		}
	}
}

/* A MARS part for each RFC 2443 state, with the §5 field conventions. */
static size_t
mars_body(uint8_t state, uint8_t *out, size_t cap)
{
	static const uint8_t spa[4] = { 10, 1, 1, 1 };
	struct mars_scsp_mars_part mp;
	struct mars_err err;
	size_t n;

	memset(&mp, 0, sizeof(mp));
	mp.hw_type = MARS_AFN_ATM;
	mp.pro_type = MARS_PRO_IPV4;
	mp.state = state;
	mp.atm.addr = cm1;
	mp.atm.tl = 20;
	switch (state) {
	case MARS_SCSP_MARS_REDIRECT:
		break;
	case MARS_SCSP_MARS_MCS_SERVE:
	case MARS_SCSP_MARS_MCS_UNSERVE:
		mp.flags = MARS_FLAG_REGISTER;
		mp.cmi = 0x0101;
		break;
	default:
		mp.flags = MARS_FLAG_LAYER3GRP | 0x0005;
		mp.cmi = 3;
		mp.spa.addr = spa;
		mp.spa.len = 4;
		mp.sub.addr = cm1;
		mp.sub.tl = 20;
		mp.grp_len = 4;
		mp.min = grp;
		mp.max = grp;
		break;
	}
	assert_int_equal(mars_scsp_mars_encode(&mp, out, cap, &n, &err), 0);
	return n;
}

static void
test_roundtrip_csu_request(void **state)
{
	uint8_t bodies[6][96];
	struct mars_scsp_csas recs[6];
	struct mars_scsp_mars_part mp;
	struct mars_scsp_msg m;
	struct mars_err err;
	unsigned i;

	(void)state;
	make_csas(recs, 6, 3);
	for (i = 0; i < 5; i++) {
		recs[i].body_len = (uint16_t)mars_body((uint8_t)(i + 1),
		    bodies[i], sizeof(bodies[i]));
		recs[i].body = bodies[i];
		assert_int_equal(mars_scsp_mars_decode(&mp, bodies[i],
		    recs[i].body_len, 0, &err), 0);
		assert_int_equal(mp.state, i + 1);
	}
	/* A null record answering a CSUS: N set, no MARS part. */
	recs[5].null = true;
	recs[5].hops = 1;
	base_msg(&m, MARS_SCSP_CSU_REQUEST);
	m.nrec = 6;
	m.csas = recs;
	roundtrip(&m);

	/* Every state alone. */
	for (i = 0; i < 5; i++) {
		m.nrec = 1;
		m.csas = &recs[i];
		roundtrip(&m);
	}
	/* To every DCS (all-ones Receiver ID). */
	m.receiver.p = (const uint8_t *)"\xff\xff\xff\xff";
	m.nrec = 6;
	m.csas = recs;
	roundtrip(&m);
}

static void
test_roundtrip_reply_csus(void **state)
{
	struct mars_scsp_csas recs[5];
	struct mars_scsp_msg m;
	unsigned n;

	(void)state;
	make_csas(recs, 5, 1);
	recs[1].null = true;
	for (n = 0; n <= 5; n++) {
		base_msg(&m, MARS_SCSP_CSU_REPLY);
		m.nrec = (uint16_t)n;
		m.csas = recs;
		roundtrip(&m);
		m.type = MARS_SCSP_CSUS;
		roundtrip(&m);
	}
}

static void
test_roundtrip_hello(void **state)
{
	static const uint8_t r2[4] = { 10, 1, 1, 252 };
	static const uint8_t r3[2] = { 0xBE, 0xEF };
	static const uint8_t r4[7] = { 1, 2, 3, 4, 5, 6, 7 };
	struct mars_scsp_id ids[3];
	struct mars_scsp_msg m;
	struct mars_err err;
	uint8_t out[128];
	size_t n;

	(void)state;
	ids[0].p = r2;
	ids[0].len = 4;
	ids[1].p = r3;
	ids[1].len = 2;
	ids[2].p = r4;
	ids[2].len = 7;

	/* Nobody heard: Recvr ID Len 0, no records. */
	base_msg(&m, MARS_SCSP_HELLO);
	m.hello_interval = 3;
	m.dead_factor = 3;
	m.family_id = 0x0102;
	m.receiver.p = NULL;
	m.receiver.len = 0;
	roundtrip(&m);
	n = encode(&m, out, sizeof(out));
	assert_int_equal(n, 8 + 8 + 12 + 4);
	assert_int_equal(out[25], 0);

	/* One DCS heard, then three (first in the MCP). */
	base_msg(&m, MARS_SCSP_HELLO);
	m.hello_interval = 10;
	m.dead_factor = 4;
	roundtrip(&m);
	m.nrec = 1;
	m.ids = ids;
	roundtrip(&m);
	m.nrec = 3;
	roundtrip(&m);
	n = encode(&m, out, sizeof(out));
	assert_int_equal(n, 36 + 5 + 3 + 8);
	assert_int_equal(out[36], 4);
	assert_int_equal(out[41], 2);
	assert_int_equal(out[44], 7);

	/* Odd length: the checksum pads with a zero octet. */
	m.sender.len = 3;
	n = encode(&m, out, sizeof(out));
	assert_int_equal(n % 2, 1);
	assert_int_equal(mars_scsp_decode(&m, out, n, 0, 0, &err), 0);
}

static void
test_roundtrip_extensions(void **state)
{
	static const uint8_t auth[20] = {
		0, 0, 1, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8,
		9, 10, 11, 12,
	};
	static const uint8_t vend[7] = { 0x00, 0x00, 0x5e, 'm', 'a', 'r', 's' };
	struct mars_scsp_csas recs[2];
	struct mars_scsp_msg m, d;
	struct mars_err err;
	uint8_t out[256];
	size_t n;

	(void)state;
	make_csas(recs, 2, 1);
	base_msg(&m, MARS_SCSP_CSUS);
	m.nrec = 2;
	m.csas = recs;
	m.next = 2;
	m.ext[0].type = MARS_SCSP_EXT_AUTH;
	m.ext[0].len = sizeof(auth);
	m.ext[0].value = auth;
	m.ext[1].type = MARS_SCSP_EXT_VENDOR;
	m.ext[1].len = sizeof(vend);
	m.ext[1].value = vend;
	roundtrip(&m);
	n = encode(&m, out, sizeof(out));
	assert_int_equal(out[6] << 8 | out[7], 20 + 8 + 2 * 20);
	assert_memory_equal(out + n - 4, "\0\0\0\0", 4);
	assert_int_equal(mars_scsp_decode(&d, out, n, 0, 0, &err), 0);
	assert_int_equal(d.extoff, 68);
	assert_int_equal(d.next_total, 2);

	/* Only End Of Extensions. */
	m.next = 0;
	m.has_ext = true;
	roundtrip(&m);
	n = encode(&m, out, sizeof(out));
	assert_int_equal(n, 68 + 4);

	/* Hello and CA carry them too; a zero-length extension. */
	base_msg(&m, MARS_SCSP_HELLO);
	m.next = 1;
	m.ext[0].type = 0x1234;
	roundtrip(&m);
	base_msg(&m, MARS_SCSP_CA);
	m.next = 1;
	m.ext[0].type = MARS_SCSP_EXT_VENDOR;
	m.ext[0].len = sizeof(vend);
	m.ext[0].value = vend;
	roundtrip(&m);
}

/* More extensions than the view keeps: validated, counted. */
static void
test_many_extensions(void **state)
{
	struct mars_scsp_msg m, d;
	struct mars_err err;
	uint8_t out[256];
	size_t n;
	unsigned i;

	(void)state;
	base_msg(&m, MARS_SCSP_CSU_REPLY);
	m.next = MARS_SCSP_EXT_MAX;
	for (i = 0; i < MARS_SCSP_EXT_MAX; i++)
		m.ext[i].type = (uint16_t)(0x100 + i);
	n = encode(&m, out, sizeof(out));
	/* Append two more before the End marker by hand. */
	memcpy(out + n - 4, "\x02\x00\x00\x01\x55\x02\x01\x00\x00\0\0\0\0", 13);
	n += 9;
	out[2] = (uint8_t)(n >> 8);
	out[3] = (uint8_t)n;
	fix_cksum(out);
	assert_int_equal(decode(&d, out, n, &err), 0);
	assert_int_equal(d.next, MARS_SCSP_EXT_MAX);
	assert_int_equal(d.next_total, MARS_SCSP_EXT_MAX + 2);
	assert_int_equal(d.ext[3].type, 0x103);

	/* End Of Extensions cut short by one octet. */
	n -= 1;
	out[3] = (uint8_t)n;
	fix_cksum(out);
	assert_int_equal(decode(&d, out, n, &err), MARS_E_LENGTH);
	assert_string_equal(err.field, "End Of Extensions");
}

/* Each type, built once, for the truncation and corruption tests. */
static size_t
sample(uint8_t type, uint8_t *out, size_t cap)
{
	static uint8_t body[96];
	static const uint8_t vend[4] = { 0, 0, 0x5e, 1 };
	static struct mars_scsp_csas recs[3];
	static struct mars_scsp_id ids[2];
	struct mars_scsp_msg m;

	make_csas(recs, 3, type == MARS_SCSP_CSU_REQUEST ? 3 : 1);
	if (type == MARS_SCSP_CSU_REQUEST) {
		recs[0].body_len = (uint16_t)mars_body(MARS_SCSP_MARS_CLIENT_JOIN,
		    body, sizeof(body));
		recs[0].body = body;
		recs[1].body = body;
		recs[1].body_len = recs[0].body_len;
		recs[2].null = true;
	}
	ids[0].p = lsid;
	ids[0].len = 4;
	ids[1].p = dcsid;
	ids[1].len = 3;
	base_msg(&m, type);
	m.ca_seq = 99;
	m.nrec = type == MARS_SCSP_HELLO ? 2 : 3;
	m.csas = recs;
	m.ids = ids;
	m.next = 1;
	m.ext[0].type = MARS_SCSP_EXT_VENDOR;
	m.ext[0].len = sizeof(vend);
	m.ext[0].value = vend;
	return encode(&m, out, cap);
}

static void
test_truncation(void **state)
{
	struct mars_scsp_msg m;
	struct mars_err err;
	uint8_t pkt[512];
	size_t n, cut;
	uint8_t type;

	(void)state;
	for (type = MARS_SCSP_CA; type <= MARS_SCSP_HELLO; type++) {
		n = sample(type, pkt, sizeof(pkt));
		assert_int_equal(decode(&m, pkt, n, &err), 0);
		for (cut = 0; cut < n; cut++) {
			assert_int_equal(decode(&m, pkt, cut, &err),
			    MARS_E_TRUNC);
			assert_int_equal(err.code, MARS_E_TRUNC);
			assert_non_null(err.field);
		}
	}
	/* The worked examples too. */
	for (cut = 0; cut < sizeof(ex5) - 8; cut++)
		assert_int_equal(decode(&m, ex5 + 8, cut, &err), MARS_E_TRUNC);
	for (cut = 0; cut < sizeof(ex4) - 8; cut++)
		assert_int_equal(decode(&m, ex4 + 8, cut, &err), MARS_E_TRUNC);
}

/* Packet Size shrunk at every octet (buffer too): never accepted. */
static void
test_short_packet_size(void **state)
{
	struct mars_scsp_msg m;
	struct mars_err err;
	uint8_t pkt[512], cp[512];
	size_t n, size;
	uint8_t type;
	int rc;

	(void)state;
	for (type = MARS_SCSP_CA; type <= MARS_SCSP_HELLO; type++) {
		n = sample(type, pkt, sizeof(pkt));
		for (size = 0; size < n; size++) {
			memcpy(cp, pkt, n);
			cp[2] = (uint8_t)(size >> 8);
			cp[3] = (uint8_t)size;
			rc = decode(&m, cp, n, &err);
			assert_true(rc == MARS_E_LENGTH || rc == MARS_E_FIELD);
		}
	}
}

static void
test_trailing_octets(void **state)
{
	struct mars_scsp_msg m;
	struct mars_err err;
	uint8_t buf[64];

	(void)state;
	memcpy(buf, ex4 + 8, 36);
	memset(buf + 36, 0xEE, 5);
	assert_int_equal(decode(&m, buf, 41, &err), 0);
	assert_int_equal(m.len, 36);
}

static void
test_checksum(void **state)
{
	struct mars_scsp_msg m;
	struct mars_err err;
	struct mars_scsp_iter it;
	struct mars_scsp_csas rec;
	uint8_t buf[128];
	uint8_t *heap;

	(void)state;
	memcpy(buf, ex5 + 8, 100);
	buf[5] ^= 0x01;
	assert_int_equal(decode(&m, buf, 100, &err), MARS_E_CHKSUM);
	assert_int_equal(err.code, MARS_E_CHKSUM);
	assert_int_equal(err.offset, 4);
	assert_string_equal(err.field, "Checksum");
	assert_int_equal(err.have, 0x3E58);
	assert_int_equal(err.need, 0x3E59);
	/* The struct is complete. */
	assert_int_equal(m.nrec, 1);
	assert_int_equal(m.chksum, 0x3E58);
	heap = dup(buf, 100);
	assert_int_equal(mars_scsp_decode(&m, heap, 100, 0, 0, &err), MARS_E_CHKSUM);
	mars_scsp_iter_init(&m, &it);
	assert_true(mars_scsp_next_csas(&it, &rec));
	assert_int_equal(rec.body_len, 52);
	assert_int_equal(mars_scsp_decode(&m, heap, 100, 0, MARS_SCSP_DEC_NOCHKSUM, &err),
	    0);
	free(heap);

	/* A flipped data octet; zero is not exempt (RFC 2334 B.1). */
	memcpy(buf, ex5 + 8, 100);
	buf[99] ^= 0x10;
	assert_int_equal(decode(&m, buf, 100, &err), MARS_E_CHKSUM);
	memcpy(buf, ex5 + 8, 100);
	buf[4] = buf[5] = 0;
	assert_int_equal(decode(&m, buf, 100, &err), MARS_E_CHKSUM);
	assert_int_equal(err.need, 0x3E59);
}

/* Edit a copy of example 5, fix the checksum, expect code and field. */
static void
expect_ex5(size_t at, uint8_t val, int code, const char *field,
    uint32_t offset)
{
	struct mars_scsp_msg m;
	struct mars_err err;
	uint8_t buf[128];
	uint8_t *heap;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, ex5 + 8, 100);
	buf[at] = val;
	fix_cksum(buf);
	heap = dup(buf, 100);
	assert_int_equal(mars_scsp_decode(&m, heap, 100, 8, 0, &err), code);
	free(heap);
	assert_int_equal(err.code, code);
	assert_string_equal(err.field, field);
	assert_int_equal(err.offset, offset + 8);
}

static void
test_malformed(void **state)
{
	(void)state;
	/* Fixed part. */
	expect_ex5(0, 2, MARS_E_FIELD, "Version", 0);
	expect_ex5(1, 6, MARS_E_OP, "Type Code", 1);
	expect_ex5(1, 0, MARS_E_OP, "Type Code", 1);
	expect_ex5(3, 101, MARS_E_TRUNC, "Packet Size", 2);
	expect_ex5(3, 19, MARS_E_LENGTH, "Packet Size", 2);
	/* Number of Records overrunning, or too small. */
	expect_ex5(19, 2, MARS_E_LENGTH, "Number of Records", 18);
	expect_ex5(19, 0, MARS_E_LENGTH, "Number of Records", 18);
	/* IDs past the packet. */
	expect_ex5(16, 0xF0, MARS_E_LENGTH, "Sender ID", 20);
	expect_ex5(17, 0xF0, MARS_E_LENGTH, "Receiver ID", 24);
	/* Record Length too small / past the end / short by one. */
	expect_ex5(31, 19, MARS_E_LENGTH, "CSAS Record Length", 30);
	expect_ex5(31, 73, MARS_E_LENGTH, "CSAS Record Length", 30);
	expect_ex5(30, 1, MARS_E_LENGTH, "CSAS Record Length", 30);
	expect_ex5(31, 71, MARS_E_LENGTH, "Maximum Multicast Group Address",
	    96);
	/* Key length past the record. */
	expect_ex5(32, 0x50, MARS_E_LENGTH, "CSAS Record Length", 30);
	/* MARS part: State, Version, T/L, addresses overrunning the body. */
	expect_ex5(59, 6, MARS_E_FIELD, "State", 59);
	expect_ex5(59, 0, MARS_E_FIELD, "State", 59);
	expect_ex5(58, 1, MARS_E_FIELD, "Version", 58);
	expect_ex5(66, 0x94, MARS_E_FIELD, "ATM Addr T/L", 66);
	expect_ex5(67, 0x81, MARS_E_FIELD, "ATM SubAddr T/L", 67);
	expect_ex5(65, 5, MARS_E_LENGTH, "Maximum Multicast Group Address",
	    97);
	expect_ex5(64, 40, MARS_E_LENGTH, "Source Protocol Address", 68);
	/* Start Of Extensions outside the packet or inside the MCP. */
	expect_ex5(7, 200, MARS_E_LENGTH, "Start Of Extensions", 6);
	expect_ex5(7, 10, MARS_E_LENGTH, "Start Of Extensions", 6);
	expect_ex5(7, 97, MARS_E_LENGTH, "Start Of Extensions", 6);
	/* Extensions at 96 cut the record short. */
	expect_ex5(7, 96, MARS_E_LENGTH, "CSAS Record Length", 30);
}

/* Edits that do not matter to a well-formed packet. */
static void
test_tolerated(void **state)
{
	struct mars_scsp_msg m;
	struct mars_err err;
	uint8_t buf[128];

	(void)state;
	/* State 6 is only an error for Protocol ID 3. */
	memcpy(buf, ex5 + 8, 100);
	buf[59] = 6;
	buf[9] = MARS_SCSP_PROTO_NHRP;
	fix_cksum(buf);
	assert_int_equal(decode(&m, buf, 100, &err), 0);
	/* Nor in a null record (no MARS part is read). */
	memcpy(buf, ex5 + 8, 100);
	buf[59] = 6;
	buf[34] = 0x80;
	fix_cksum(buf);
	assert_int_equal(decode(&m, buf, 100, &err), 0);
	/* Nor as trailing body octets: the MARS part is shorter. */
	memcpy(buf, ex5 + 8, 100);
	buf[65] = 0;
	fix_cksum(buf);
	assert_int_equal(decode(&m, buf, 100, &err), 0);
}

/* Extensions built by hand: End missing, End with a Length. */
static void
test_extension_errors(void **state)
{
	struct mars_scsp_msg m;
	struct mars_err err;
	uint8_t buf[128];
	size_t n;

	(void)state;
	/* Example 4 + vendor extension, no End. */
	memcpy(buf, ex4 + 8, 36);
	memcpy(buf + 36, "\x00\x02\x00\x04\x00\x00\x5e\x01", 8);
	n = 44;
	buf[3] = (uint8_t)n;
	buf[7] = 36;
	fix_cksum(buf);
	assert_int_equal(decode(&m, buf, n, &err), MARS_E_LENGTH);
	assert_string_equal(err.field, "End Of Extensions");
	assert_int_equal(err.offset, 44);

	/* End present: accepted. */
	memset(buf + 44, 0, 4);
	n = 48;
	buf[3] = (uint8_t)n;
	fix_cksum(buf);
	assert_int_equal(decode(&m, buf, n, &err), 0);
	assert_int_equal(m.next, 1);
	assert_int_equal(m.ext[0].type, MARS_SCSP_EXT_VENDOR);
	assert_int_equal(m.ext[0].len, 4);
	assert_memory_equal(m.ext[0].value, "\x00\x00\x5e\x01", 4);

	/* A value running past Packet Size. */
	buf[39] = 9;
	fix_cksum(buf);
	assert_int_equal(decode(&m, buf, n, &err), MARS_E_LENGTH);
	assert_string_equal(err.field, "Extension Length");
	assert_int_equal(err.offset, 38);
	buf[39] = 4;

	/* End with a non-zero Length. */
	buf[47] = 1;
	fix_cksum(buf);
	assert_int_equal(decode(&m, buf, n, &err), MARS_E_FIELD);
	assert_string_equal(err.field, "End Of Extensions");

	/* Octets after End inside Packet Size. */
	buf[47] = 0;
	buf[48] = buf[49] = 0;
	n = 50;
	buf[3] = (uint8_t)n;
	fix_cksum(buf);
	assert_int_equal(decode(&m, buf, n, &err), MARS_E_LENGTH);
	assert_string_equal(err.field, "Packet Size");

	/* Start Of Extensions with room for less than one header. */
	memcpy(buf, ex4 + 8, 36);
	buf[7] = 34;
	fix_cksum(buf);
	assert_int_equal(decode(&m, buf, 36, &err), MARS_E_LENGTH);
	assert_string_equal(err.field, "Start Of Extensions");
}

static void
test_hello_records(void **state)
{
	struct mars_scsp_msg m;
	struct mars_err err;
	uint8_t buf[64];

	(void)state;
	/* Number of Records 1 but no record. */
	memcpy(buf, ex4 + 8, 36);
	buf[27] = 1;
	fix_cksum(buf);
	assert_int_equal(decode(&m, buf, 36, &err), MARS_E_LENGTH);
	assert_string_equal(err.field, "Number of Records");
	assert_int_equal(err.offset, 26);

	/* One record whose Rec ID Len runs past the packet. */
	buf[36] = 4;
	memcpy(buf + 37, "\x0a\x01\x01", 3);
	buf[3] = 40;
	fix_cksum(buf);
	assert_int_equal(decode(&m, buf, 40, &err), MARS_E_LENGTH);
	assert_string_equal(err.field, "Receiver ID");

	/* A zero-length additional ID is one octet. */
	buf[36] = 0;
	buf[3] = 37;
	fix_cksum(buf);
	assert_int_equal(decode(&m, buf, 37, &err), 0);
	assert_int_equal(m.rec_len, 1);
}

static void
test_encode_errors(void **state)
{
	struct mars_scsp_csas recs[2];
	struct mars_scsp_msg m;
	struct mars_err err;
	uint8_t out[256];
	size_t n, need, cap;

	(void)state;
	base_msg(&m, 0);
	assert_int_equal(mars_scsp_encode(&m, out, sizeof(out), &n, 0, &err),
	    MARS_E_INVAL);
	assert_string_equal(err.field, "type");
	base_msg(&m, 9);
	assert_int_equal(mars_scsp_encode(&m, out, sizeof(out), &n, 0, &err),
	    MARS_E_INVAL);

	base_msg(&m, MARS_SCSP_CA);
	m.nrec = 1;
	assert_int_equal(mars_scsp_encode(&m, out, sizeof(out), &n, 0, &err),
	    MARS_E_INVAL);
	assert_string_equal(err.field, "csas");
	base_msg(&m, MARS_SCSP_HELLO);
	m.nrec = 2;
	assert_int_equal(mars_scsp_encode(&m, out, sizeof(out), &n, 0, &err),
	    MARS_E_INVAL);
	assert_string_equal(err.field, "ids");

	make_csas(recs, 2, 1);
	recs[1].seq = MARS_SCSP_SEQ_RESERVED;
	base_msg(&m, MARS_SCSP_CSUS);
	m.nrec = 2;
	m.csas = recs;
	assert_int_equal(mars_scsp_encode(&m, out, sizeof(out), &n, 0, &err),
	    MARS_E_INVAL);
	assert_string_equal(err.field, "csas[].seq");

	make_csas(recs, 2, 1);
	recs[0].body_len = 3;
	assert_int_equal(mars_scsp_encode(&m, out, sizeof(out), &n, 0, &err),
	    MARS_E_INVAL);
	assert_string_equal(err.field, "csas[].body");

	base_msg(&m, MARS_SCSP_CSUS);
	m.sender.p = NULL;
	assert_int_equal(mars_scsp_encode(&m, out, sizeof(out), &n, 0, &err),
	    MARS_E_INVAL);
	assert_string_equal(err.field, "sender");

	base_msg(&m, MARS_SCSP_CSUS);
	m.next = 1;
	m.ext[0].type = MARS_SCSP_EXT_END;
	assert_int_equal(mars_scsp_encode(&m, out, sizeof(out), &n, 0, &err),
	    MARS_E_INVAL);
	m.next = MARS_SCSP_EXT_MAX + 1;
	assert_int_equal(mars_scsp_encode(&m, out, sizeof(out), &n, 0, &err),
	    MARS_E_INVAL);

	/* Too small at every capacity. */
	make_csas(recs, 2, 1);
	base_msg(&m, MARS_SCSP_CSU_REPLY);
	m.nrec = 2;
	m.csas = recs;
	assert_int_equal(mars_scsp_encode(&m, out, sizeof(out), &need,
	    MARS_SCSP_ENC_LLC, &err), 0);
	for (cap = 0; cap < need; cap++)
		assert_int_equal(mars_scsp_encode(&m, out, cap, &n, MARS_SCSP_ENC_LLC,
		    &err), MARS_E_NOSPACE);
	assert_int_equal(mars_scsp_encode(&m, out, need, &n, MARS_SCSP_ENC_LLC, &err),
	    0);
	assert_int_equal(n, need);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(mars_scsp_type_name(MARS_SCSP_CA), "CA");
	assert_string_equal(mars_scsp_type_name(MARS_SCSP_CSU_REQUEST), "CSU_REQUEST");
	assert_string_equal(mars_scsp_type_name(MARS_SCSP_CSU_REPLY), "CSU_REPLY");
	assert_string_equal(mars_scsp_type_name(MARS_SCSP_CSUS), "CSUS");
	assert_string_equal(mars_scsp_type_name(MARS_SCSP_HELLO), "HELLO");
	assert_null(mars_scsp_type_name(0));
	assert_null(mars_scsp_type_name(6));
	assert_string_equal(mars_scsp_protocol_name(3), "MARS");
	assert_string_equal(mars_scsp_protocol_name(1), "ATMARP");
	assert_string_equal(mars_scsp_protocol_name(5), "LNNI");
	assert_null(mars_scsp_protocol_name(0));
	assert_null(mars_scsp_protocol_name(6));
	assert_string_equal(mars_scsp_mars_state_name(1), "REDIRECT");
	assert_string_equal(mars_scsp_mars_state_name(3), "CLIENT_JOIN");
	assert_string_equal(mars_scsp_mars_state_name(5), "MCS_UNSERVE");
	assert_null(mars_scsp_mars_state_name(0));
	assert_null(mars_scsp_mars_state_name(6));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example4),
		cmocka_unit_test(test_example5),
		cmocka_unit_test(test_roundtrip_ca),
		cmocka_unit_test(test_roundtrip_csu_request),
		cmocka_unit_test(test_roundtrip_reply_csus),
		cmocka_unit_test(test_roundtrip_hello),
		cmocka_unit_test(test_roundtrip_extensions),
		cmocka_unit_test(test_many_extensions),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_short_packet_size),
		cmocka_unit_test(test_trailing_octets),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tolerated),
		cmocka_unit_test(test_extension_errors),
		cmocka_unit_test(test_hello_records),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
