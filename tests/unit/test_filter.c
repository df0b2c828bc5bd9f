/*
 * Display filter (lib/filter.c): grammar, precedence, error positions, and
 * matching on PDUs built by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mars/filter.h"
#include "mars/msg.h"
#include "mars/pdu.h"
#include "mars/scsp.h"

static const uint8_t nsap1[20] = {
	0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00, 0xf2,
	0x1a, 0x2b, 0x3c, 0x00, 0x20, 0x48, 0x1a, 0x2b, 0x3c, 0x00,
};
static const char nsap1_hex[] =
    "47.0005.80ffe1000000f21a2b3c.0020481a2b3c.00";
static const uint8_t nsap2[20] = {
	0x39, 0x84, 0x0f, 0x80, 0x01, 0xbc, 0x72, 0x00, 0x01, 0x02,
	0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x01,
};
static const uint8_t grp_a[4] = { 224, 1, 2, 3 };
static const uint8_t grp_b[4] = { 239, 255, 0, 1 };
static const uint8_t grp6[16] = {
	0xff, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01,
};
/* JOIN pairs: 224.0.0.0-224.0.0.255 and 232.1.0.0-232.1.255.255. */
static const uint8_t pairs[16] = {
	224, 0, 0, 0, 224, 0, 0, 255,
	232, 1, 0, 0, 232, 1, 255, 255,
};
/* GROUPLIST_REPLY groups. */
static const uint8_t groups[8] = { 225, 9, 9, 9, 226, 0, 0, 1 };

static struct mars_frame
frame_on(uint16_t vpi, uint16_t vci)
{
	struct mars_frame fr;

	memset(&fr, 0, sizeof(fr));
	fr.num = 1;
	fr.has_vc = true;
	fr.vpi = vpi;
	fr.vci = vci;
	fr.dir = MARS_DIR_UNKNOWN;
	return fr;
}

static void
mars_base(struct mars_pdu *pdu, uint8_t op)
{
	memset(pdu, 0, sizeof(*pdu));
	pdu->kind = MARS_PDU_MARS;
	pdu->oui = 0x00005e;
	pdu->pid = 0x0003;
	pdu->u.mars.afn = MARS_AFN_ATM;
	pdu->u.mars.pro_type = MARS_PRO_IPV4;
	pdu->u.mars.op = op;
	pdu->u.mars.sha.addr = nsap1;
	pdu->u.mars.sha.tl = 20;
}

/* REQUEST for 224.1.2.3 (family A). */
static void
mk_request(struct mars_pdu *pdu)
{
	mars_base(pdu, MARS_REQUEST);
	pdu->u.mars.tpa.addr = grp_a;
	pdu->u.mars.tpa.len = 4;
}

/* JOIN from CMI 7 for two ranges (family C). */
static void
mk_join(struct mars_pdu *pdu)
{
	mars_base(pdu, MARS_JOIN);
	pdu->u.mars.cmi = 7;
	pdu->u.mars.flags = MARS_FLAG_COPY;
	pdu->u.mars.msn = 42;
	pdu->u.mars.grp_len = 4;
	pdu->u.mars.pnum = 2;
	pdu->u.mars.list = pairs;
}

/* GROUPLIST_REPLY with two groups (family B'). */
static void
mk_glreply(struct mars_pdu *pdu)
{
	mars_base(pdu, MARS_GROUPLIST_REPLY);
	pdu->u.mars.grp_len = 4;
	pdu->u.mars.tnum = 2;
	pdu->u.mars.list = groups;
}

/* IPv6 MULTI for ff0e::101 (family B). */
static void
mk_multi6(struct mars_pdu *pdu)
{
	mars_base(pdu, MARS_MULTI);
	pdu->u.mars.pro_type = MARS_PRO_IPV6;
	pdu->u.mars.tpa.addr = grp6;
	pdu->u.mars.tpa.len = 16;
	pdu->u.mars.sha.addr = nsap2;
}

/*
 * SCSP CSU Request with one CSA whose MARS part (RFC 2443 §3) is a client
 * join of CMI 9 from nsap2 for 239.255.0.1.  Built with the encoder and
 * decoded back, so the iterator walks real records.
 */
static uint8_t scsp_buf[256];
static uint8_t csa_body[64];

static void
mk_csu(struct mars_pdu *pdu)
{
	static const uint8_t id1[4] = { 0, 0, 0, 1 }, id2[4] = { 0, 0, 0, 2 };
	struct mars_scsp_mars_part mp;
	struct mars_scsp_csas rec;
	struct mars_scsp_msg m;
	struct mars_err err;
	size_t blen, len;

	memset(&mp, 0, sizeof(mp));
	mp.hw_type = MARS_AFN_ATM;
	mp.pro_type = MARS_PRO_IPV4;
	mp.state = MARS_SCSP_MARS_CLIENT_JOIN;
	mp.flags = MARS_FLAG_LAYER3GRP;
	mp.cmi = 9;
	mp.atm.addr = nsap2;
	mp.atm.tl = 20;
	mp.grp_len = 4;
	mp.min = grp_b;
	mp.max = grp_b;
	assert_int_equal(mars_scsp_mars_encode(&mp, csa_body, sizeof(csa_body),
	    &blen, &err), 0);

	memset(&rec, 0, sizeof(rec));
	rec.seq = MARS_SCSP_SEQ_FIRST;
	rec.key.p = id1;
	rec.key.len = 4;
	rec.oid.p = id1;
	rec.oid.len = 4;
	rec.body = csa_body;
	rec.body_len = (uint16_t)blen;

	memset(&m, 0, sizeof(m));
	m.type = MARS_SCSP_CSU_REQUEST;
	m.protocol_id = MARS_SCSP_PROTO_MARS;
	m.sgid = 1;
	m.sender.p = id1;
	m.sender.len = 4;
	m.receiver.p = id2;
	m.receiver.len = 4;
	m.nrec = 1;
	m.csas = &rec;
	assert_int_equal(mars_scsp_encode(&m, scsp_buf, sizeof(scsp_buf), &len, 0,
	    &err), 0);

	memset(pdu, 0, sizeof(*pdu));
	pdu->kind = MARS_PDU_SCSP;
	pdu->oui = 0x00005e;
	pdu->pid = 0x0005;
	assert_int_equal(mars_scsp_decode(&pdu->u.scsp, scsp_buf, len, 8, 0, &err),
	    0);
}

static void
mk_hello(struct mars_pdu *pdu)
{
	memset(pdu, 0, sizeof(*pdu));
	pdu->kind = MARS_PDU_SCSP;
	pdu->u.scsp.type = MARS_SCSP_HELLO;
	pdu->u.scsp.protocol_id = MARS_SCSP_PROTO_MARS;
}

static void
mk_nhrp(struct mars_pdu *pdu)
{
	memset(pdu, 0, sizeof(*pdu));
	pdu->kind = MARS_PDU_NHRP;
	pdu->u.nhrp.op_version = 1;
	pdu->u.nhrp.op_type = 1;
}

/* Compile, match once, free. */
static bool
match(const char *expr, const struct mars_frame *fr,
    const struct mars_pdu *pdu)
{
	struct mars_filter *f = NULL;
	struct mars_err err;
	char msg[256];
	bool r;

	if (mars_filter_compile(expr, &f, &err) != 0) {
		mars_filter_error(expr, &err, msg, sizeof(msg));
		fail_msg("\"%s\" did not compile: %s", expr, msg);
	}
	assert_non_null(f);
	r = mars_filter_match(f, fr, pdu);
	mars_filter_free(f);
	return r;
}

/* Compile must fail at `pos` with a message equal to `want`. */
static void
fails(const char *expr, unsigned pos, const char *want)
{
	struct mars_filter *f = (struct mars_filter *)&f;	/* must be reset to NULL */
	struct mars_err err;
	char msg[256];

	assert_int_equal(mars_filter_compile(expr, &f, &err), MARS_E_PARSE);
	assert_null(f);
	assert_int_equal(err.code, MARS_E_PARSE);
	assert_int_equal(err.offset, pos);
	assert_non_null(err.why);
	mars_filter_error(expr, &err, msg, sizeof(msg));
	if (want != NULL)
		assert_string_equal(msg, want);
}

static void
test_empty_matches_all(void **state)
{
	struct mars_frame fr = frame_on(0, 32);
	struct mars_pdu pdu;

	(void)state;
	mk_join(&pdu);
	assert_true(match("", &fr, &pdu));
	assert_true(match("   \t", &fr, &pdu));
	assert_true(match("", &fr, NULL));
	assert_true(mars_filter_match(NULL, &fr, &pdu));
}

static void
test_op_mars(void **state)
{
	struct mars_frame fr = frame_on(0, 32);
	struct mars_pdu join, req, csu;

	(void)state;
	mk_join(&join);
	mk_request(&req);
	mk_csu(&csu);
	assert_true(match("op join", &fr, &join));
	assert_true(match("op JOIN", &fr, &join));
	assert_true(match("op MARS_JOIN", &fr, &join));
	assert_true(match("op mars-join", &fr, &join));
	assert_false(match("op leave", &fr, &join));
	assert_false(match("op join", &fr, &req));
	assert_true(match("op request", &fr, &req));
	assert_false(match("op join", &fr, &csu));
	assert_false(match("op join", &fr, NULL));

	mars_base(&req, MARS_REDIRECT_MAP);
	assert_true(match("op MARS_REDIRECT_MAP", &fr, &req));
	assert_true(match("op redirect_map", &fr, &req));
}

static void
test_op_scsp(void **state)
{
	struct mars_frame fr = frame_on(0, 100);
	struct mars_pdu csu, hello, join;

	(void)state;
	mk_csu(&csu);
	mk_hello(&hello);
	mk_join(&join);
	assert_true(match("op csu_request", &fr, &csu));
	assert_true(match("op CSU-Request", &fr, &csu));
	assert_true(match("op scsp_csu_request", &fr, &csu));
	assert_false(match("op csu_reply", &fr, &csu));
	assert_true(match("op hello", &fr, &hello));
	assert_false(match("op hello", &fr, &csu));
	assert_false(match("op hello", &fr, &join));
}

static void
test_kinds(void **state)
{
	struct mars_frame fr = frame_on(0, 32);
	struct mars_pdu join, csu, nhrp;

	(void)state;
	mk_join(&join);
	mk_csu(&csu);
	mk_nhrp(&nhrp);
	assert_true(match("mars", &fr, &join));
	assert_false(match("mars", &fr, &csu));
	assert_false(match("mars", &fr, &nhrp));
	assert_true(match("scsp", &fr, &csu));
	assert_false(match("scsp", &fr, &join));
	assert_true(match("nhrp", &fr, &nhrp));
	assert_false(match("nhrp", &fr, &join));
	assert_false(match("nhrp", &fr, NULL));
	assert_true(match("NHRP", &fr, &nhrp));
}

static void
test_group(void **state)
{
	struct mars_frame fr = frame_on(0, 32);
	struct mars_pdu req, join, gl, m6, csu, hello;

	(void)state;
	mk_request(&req);
	mk_join(&join);
	mk_glreply(&gl);
	mk_multi6(&m6);
	mk_csu(&csu);
	mk_hello(&hello);

	/* Family A: the target group. */
	assert_true(match("group 224.1.2.3", &fr, &req));
	assert_true(match("group 224.1.2.3/32", &fr, &req));
	assert_true(match("group 224.0.0.0/8", &fr, &req));
	assert_true(match("group 0.0.0.0/0", &fr, &req));
	assert_false(match("group 224.1.2.4", &fr, &req));
	assert_false(match("group 224.1.2.0/31", &fr, &req));

	/* Family C: any <min, max> pair overlapping the prefix. */
	assert_true(match("group 224.0.0.5", &fr, &join));
	assert_true(match("group 224.0.0.0/16", &fr, &join));
	assert_true(match("group 232.1.128.0/17", &fr, &join));
	assert_true(match("group 232.0.0.0/8", &fr, &join));
	assert_false(match("group 224.0.1.0", &fr, &join));
	assert_false(match("group 232.2.0.0/16", &fr, &join));
	join.u.mars.pnum = 0;		/* a registration carries no group */
	assert_false(match("group 0.0.0.0/0", &fr, &join));

	/* Family B': every listed group. */
	assert_true(match("group 225.9.9.9", &fr, &gl));
	assert_true(match("group 226.0.0.1", &fr, &gl));
	assert_false(match("group 226.0.0.2", &fr, &gl));

	/* IPv6, and no cross-family matches. */
	assert_true(match("group ff0e::101", &fr, &m6));
	assert_true(match("group ff0e::/16", &fr, &m6));
	assert_true(match("group ff00::/8", &fr, &m6));
	assert_false(match("group ff0e::102", &fr, &m6));
	assert_false(match("group 0.0.0.0/0", &fr, &m6));
	assert_false(match("group ::/0", &fr, &req));

	/* SCSP: the CSA's min/max. */
	assert_true(match("group 239.255.0.1", &fr, &csu));
	assert_true(match("group 239.0.0.0/8", &fr, &csu));
	assert_false(match("group 224.1.2.3", &fr, &csu));
	assert_false(match("group 0.0.0.0/0", &fr, &hello));

	/* A malformed view is not searched. */
	req.verdict = MARS_E_TRUNC;
	assert_false(match("group 224.1.2.3", &fr, &req));
	req.verdict = MARS_E_CHKSUM;	/* complete, must-drop */
	assert_true(match("group 224.1.2.3", &fr, &req));
	assert_false(match("group 224.1.2.3", &fr, NULL));
}

static void
test_cmi(void **state)
{
	struct mars_frame fr = frame_on(0, 32);
	struct mars_pdu join, req, csu;

	(void)state;
	mk_join(&join);
	mk_request(&req);
	mk_csu(&csu);
	assert_true(match("cmi 7", &fr, &join));
	assert_true(match("cmi 0x7", &fr, &join));
	assert_false(match("cmi 8", &fr, &join));
	assert_false(match("cmi 0", &fr, &req));	/* REQUEST has no CMI */
	assert_true(match("cmi 9", &fr, &csu));
	assert_false(match("cmi 7", &fr, &csu));
}

static void
test_src(void **state)
{
	struct mars_frame fr = frame_on(0, 32);
	struct mars_pdu join, m6, csu;
	char hex2[41], expr[80];
	unsigned i;

	(void)state;
	mk_join(&join);
	mk_multi6(&m6);
	mk_csu(&csu);
	for (i = 0; i < 20; i++)
		snprintf(hex2 + 2 * i, 3, "%02x", nsap2[i]);

	snprintf(expr, sizeof(expr), "src %s", nsap1_hex);
	assert_true(match(expr, &fr, &join));
	assert_false(match(expr, &fr, &m6));
	assert_false(match(expr, &fr, &csu));
	snprintf(expr, sizeof(expr), "src %s", hex2);
	assert_true(match(expr, &fr, &m6));
	assert_true(match(expr, &fr, &csu));
	assert_false(match(expr, &fr, &join));

	/*
	 * Fewer than 40 digits select every number that begins with them
	 * (marsdump(1)), down to a single digit; separators do not count.
	 */
	assert_true(match("src 4700", &fr, &join));
	assert_true(match("src 47.0005", &fr, &join));
	assert_true(match("src 47.0005.80ffe1000000f21a2b3c", &fr, &join));
	assert_true(match("src 470", &fr, &join));	/* odd: by digit */
	assert_true(match("src 4", &fr, &join));
	assert_false(match("src 471", &fr, &join));
	assert_false(match("src 4701", &fr, &join));
	assert_false(match("src 4700", &fr, &m6));
	assert_true(match("src 39", &fr, &m6));
	assert_true(match("src 398", &fr, &csu));	/* a CSA's ATM address */
	assert_false(match("src 4700", &fr, &csu));
	/* 40 digits that differ in the last one. */
	snprintf(expr, sizeof(expr), "src %.38s02", hex2);
	assert_false(match(expr, &fr, &m6));
	/* A prefix longer than a short (E.164) number does not match it. */
	join.u.mars.sha.tl = MARS_ATM_TL_E164 | 2;
	assert_true(match("src 4700", &fr, &join));
	assert_false(match("src 470005", &fr, &join));
	assert_true(match("src 47", &fr, &join));
}

static void
test_vc(void **state)
{
	struct mars_frame fr = frame_on(0, 32), novc;
	struct mars_pdu join;

	(void)state;
	mk_join(&join);
	memset(&novc, 0, sizeof(novc));
	assert_true(match("vc 0/32", &fr, &join));
	assert_true(match("vc 0.32", &fr, &join));
	assert_false(match("vc 0/33", &fr, &join));
	assert_false(match("vc 1/32", &fr, &join));
	assert_false(match("vc 0/0", &novc, &join));
	assert_true(match("vc 0/32", &fr, NULL));
}

static void
test_malformed(void **state)
{
	struct mars_frame fr = frame_on(0, 32);
	struct mars_pdu join, other;

	(void)state;
	mk_join(&join);
	assert_false(match("malformed", &fr, &join));
	assert_true(match("not malformed", &fr, &join));
	assert_true(match("malformed", &fr, NULL));

	/* Another LLC/SNAP payload is not ours, but not malformed either. */
	memset(&other, 0, sizeof(other));
	other.kind = MARS_PDU_LLC_OTHER;
	other.verdict = MARS_E_NOTOURS;
	assert_false(match("malformed", &fr, &other));
	assert_false(match("mars or scsp or nhrp", &fr, &other));
	/* No LLC/SNAP header at all is. */
	other.kind = MARS_PDU_NONE;
	assert_true(match("malformed", &fr, &other));

	/* Cut short after mar$op: the op is still known. */
	join.verdict = MARS_E_TRUNC;
	join.err.code = MARS_E_TRUNC;
	join.err.offset = 40;
	join.len = 48;
	assert_true(match("malformed", &fr, &join));
	assert_true(match("op join and malformed", &fr, &join));
	assert_false(match("nonconforming", &fr, &join));
	/* Cut short inside the fixed header: it is not. */
	join.err.offset = 12;
	join.len = 20;
	assert_false(match("op join", &fr, &join));
	assert_true(match("mars and malformed", &fr, &join));
	/* A bad mar$op.version: the op was never read. */
	join.verdict = join.err.code = MARS_E_FIELD;
	join.err.offset = 8 + 16;
	join.len = 48;
	assert_false(match("op join", &fr, &join));
}

/*
 * Nonconforming: parsed, complete, but a receiver would drop it.  It is
 * not malformed, its fields still match, and "nonconforming NAME" picks
 * one reason.
 */
static void
test_nonconforming(void **state)
{
	struct mars_frame fr = frame_on(0, 32);
	struct mars_pdu join, csu;

	(void)state;
	mk_join(&join);
	assert_false(match("nonconforming", &fr, &join));
	join.verdict = join.err.code = MARS_E_NONCONF;
	join.u.mars.nonconf = MARS_NC_NULL_SOURCE | MARS_NC_SEQXY;
	assert_true(match("nonconforming", &fr, &join));
	assert_false(match("malformed", &fr, &join));
	assert_true(match("nonconforming null-source", &fr, &join));
	assert_true(match("nonconforming seqxy and op join", &fr, &join));
	assert_true(match("NONCONFORMING SEQXY", &fr, &join));
	assert_false(match("nonconforming checksum", &fr, &join));
	assert_true(match("not nonconforming checksum", &fr, &join));
	assert_true(match("nonconforming and cmi 7 and group 224.0.0.1",
	    &fr, &join));
	assert_true(match("(nonconforming) or malformed", &fr, &join));
	assert_true(match("nonconforming or mars", &fr, &join));
	assert_true(match("nonconforming && mars", &fr, &join));

	join.verdict = join.err.code = MARS_E_CHKSUM;
	join.u.mars.nonconf = MARS_NC_CHECKSUM;
	assert_true(match("nonconforming checksum", &fr, &join));

	/* SCSP: a Checksum that does not verify. */
	mk_csu(&csu);
	assert_false(match("nonconforming", &fr, &csu));
	csu.verdict = csu.err.code = MARS_E_CHKSUM;
	assert_true(match("nonconforming checksum and cmi 9", &fr, &csu));
	assert_false(match("malformed", &fr, &csu));
	assert_false(match("nonconforming", &fr, NULL));

	fails("nonconforming bogus", 14,
	    "expected a nonconformity (checksum, null-source, "
	    "reserved-bits, seqxy, cmi-zero, tlv-drop, tlv-error) after "
	    "\"nonconforming\" at position 14, got \"bogus\"");
	fails("nonconforming mars", 14, NULL);
	fails("nonconforming (", 14, NULL);
}

static void
test_operators(void **state)
{
	struct mars_frame fr = frame_on(0, 32);
	struct mars_pdu join, csu, nhrp;

	(void)state;
	mk_join(&join);
	mk_csu(&csu);
	mk_nhrp(&nhrp);

	assert_true(match("mars and op join", &fr, &join));
	assert_true(match("mars && op join", &fr, &join));
	assert_false(match("mars and op leave", &fr, &join));
	assert_true(match("op leave or op join", &fr, &join));
	assert_true(match("op leave || op join", &fr, &join));
	assert_false(match("op leave or scsp", &fr, &join));
	assert_false(match("not mars", &fr, &join));
	assert_false(match("!mars", &fr, &join));
	assert_true(match("! ! mars", &fr, &join));
	assert_true(match("not not mars", &fr, &join));
	assert_true(match("NOT scsp AND Mars", &fr, &join));
	assert_true(match("op join&&vc 0/32", &fr, &join));
	assert_true(match("(op join)", &fr, &join));
	assert_true(match("((op join))", &fr, &join));
}

static void
test_precedence(void **state)
{
	struct mars_frame fr = frame_on(0, 32);
	struct mars_pdu join, csu;

	(void)state;
	mk_join(&join);
	mk_csu(&csu);

	/* and binds tighter than or: mars or (scsp and nhrp). */
	assert_true(match("mars or scsp and nhrp", &fr, &join));
	/* Parentheses override: (mars or scsp) and nhrp. */
	assert_false(match("(mars or scsp) and nhrp", &fr, &join));
	/* (scsp and nhrp) or mars, written the other way round. */
	assert_true(match("scsp and nhrp or mars", &fr, &join));
	/* not binds tighter than and: (not mars) and scsp. */
	assert_false(match("not mars and scsp", &fr, &join));
	assert_true(match("not mars and scsp", &fr, &csu));
	assert_true(match("not (mars and scsp)", &fr, &join));
	/* not binds tighter than or: (not scsp) or nhrp. */
	assert_true(match("not scsp or nhrp", &fr, &join));
	assert_false(match("not (scsp or mars)", &fr, &join));
	assert_true(match("!(scsp||nhrp)&&(vc 0/32||vc 0/33)", &fr, &join));
	assert_false(match("!(scsp||nhrp)&&(vc 0/31||vc 0/33)", &fr, &join));
}

static void
test_errors(void **state)
{
	char deep[200];

	(void)state;
	fails("group foo", 6,
	    "expected a group address after \"group\" at position 6, "
	    "got \"foo\"");
	fails("foo", 0, "unknown keyword at position 0, got \"foo\"");
	fails("mars and bogus", 9,
	    "unknown keyword at position 9, got \"bogus\"");
	fails("op", 2,
	    "expected an operation name after \"op\" at position 2, "
	    "got end of expression");
	fails("op frobnicate", 3,
	    "expected an operation name after \"op\" at position 3, "
	    "got \"frobnicate\"");
	fails("op (", 3, NULL);
	fails("group", 5, NULL);
	fails("group 224.1.2.300", 6, NULL);
	fails("group 224.1.2.3/33", 6,
	    "bad prefix length in the address after \"group\" at position 6, "
	    "got \"224.1.2.3/33\"");
	fails("group ff0e::/129", 6, NULL);
	fails("group 224.1.2.3/x", 6, NULL);
	fails("cmi", 3, NULL);
	fails("cmi 65536", 4, NULL);
	fails("cmi -1", 4, NULL);
	fails("cmi seven", 4, NULL);
	fails("src", 3, NULL);
	fails("src 4700zz", 4, NULL);
	fails("src .", 4, NULL);			/* no digit */
	fails("src 47000580ffe1000000f21a2b3c0020481a2b3c001", 4,
	    NULL);					/* 41 digits */
	fails("vc", 2, NULL);
	fails("vc 32", 3, "expected VPI/VCI after \"vc\" at position 3, "
	    "got \"32\"");
	fails("vc 0/x", 3, NULL);
	fails("vc 0/70000", 3, NULL);

	/* Operators without operands. */
	fails("mars and", 8, NULL);
	fails("or mars", 0, NULL);
	fails("not", 3, NULL);
	fails("mars or or scsp", 8, NULL);

	/* Parentheses. */
	fails("(mars", 5, "expected \")\" at position 5, "
	    "got end of expression");
	fails("((mars) or scsp", 15, NULL);
	fails("mars)", 4, "unbalanced \")\" at position 4, got \")\"");
	fails("()", 1, NULL);
	fails(")", 0, NULL);

	/* Trailing garbage. */
	fails("mars scsp", 5, "expected \"and\", \"or\" or the end at "
	    "position 5, got \"scsp\"");
	fails("op join leave", 8, NULL);
	fails("mars & scsp", 5, NULL);
	fails("mars | scsp", 5, NULL);

	memset(deep, '(', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	fails(deep, 64, NULL);
}

/*
 * mars_filter_error(): an offset past the text reads as its end, and an error
 * that is not a parse error is rendered by mars_err_format().
 */
static void
test_error_text(void **state)
{
	struct mars_err err;
	char msg[128];

	(void)state;
	memset(&err, 0, sizeof(err));
	err.code = MARS_E_PARSE;
	err.offset = 99;
	err.have = 3;
	err.why = "problem";
	mars_filter_error("short", &err, msg, sizeof(msg));
	assert_string_equal(msg,
	    "problem at position 99, got end of expression");

	memset(&err, 0, sizeof(err));
	err.code = MARS_E_SYS;
	err.sys_errno = 12;
	err.field = "filter";
	mars_filter_error("mars", &err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "filter: "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_matches_all),
		cmocka_unit_test(test_op_mars),
		cmocka_unit_test(test_op_scsp),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_cmi),
		cmocka_unit_test(test_src),
		cmocka_unit_test(test_vc),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_nonconforming),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
