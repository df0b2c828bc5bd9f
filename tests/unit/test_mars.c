/*
 * MARS message codec (lib/mars_msg.c, lib/cksum.c): RFC 2022 §4-§6, §10
 * and the worked examples of PROTOCOL.md §8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mars/err.h"
#include "mars/msg.h"

#include "examples.h"

#define NSAP(esi_hi, esi_lo, sel) { 0x47, 0x00, 0x91, 0x81, 0x00, 0x00, \
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x20, 0x48, \
	esi_hi, 0x00, esi_lo, sel }

static const uint8_t cm1[20] = NSAP(0xaa, 0x01, 0x00);
static const uint8_t cm2[20] = NSAP(0xaa, 0x02, 0x00);
static const uint8_t cm3[20] = NSAP(0xaa, 0x03, 0x00);
static const uint8_t mars1[20] = NSAP(0x00, 0x01, 0x00);
static const uint8_t mars2[20] = NSAP(0x00, 0x02, 0x00);
static const uint8_t mars3[20] = NSAP(0x00, 0x03, 0x00);
/* E.164 numbers, one IA5 digit per octet (example values). */
static const uint8_t e164a[8] = { '4', '4', '2', '0', '7', '1', '2', '3' };
static const uint8_t e164b[8] = { '4', '4', '2', '0', '7', '1', '2', '4' };
static const uint8_t ip_cm3[4] = { 10, 1, 1, 3 };
static const uint8_t grp_a[4] = { 224, 1, 2, 3 };
static const uint8_t pairs4[16] = {
	224, 1, 2, 3, 224, 1, 2, 3, 225, 0, 0, 0, 225, 0, 0, 255
};
static const uint8_t all_classd[8] = { 224, 0, 0, 0, 239, 255, 255, 255 };
static const uint8_t ip6_src[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03
};
static const uint8_t ip6_pairs[64] = {
	0xff, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0xff, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0xff, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x00,
	0xff, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1f, 0xff,
};

static uint8_t out[4096], out2[4096];

static void
base_msg(struct mars_msg *m, uint8_t op)
{
	memset(m, 0, sizeof(*m));
	m->afn = MARS_AFN_ATM;
	m->pro_type = MARS_PRO_IPV4;
	m->op = op;
	m->sha.addr = cm1;
	m->sha.tl = 20;
}

static size_t
encode_ok(const struct mars_msg *m, uint8_t *buf, unsigned flags)
{
	struct mars_err err;
	size_t len = 0;

	assert_int_equal(mars_encode(m, buf, sizeof(out), &len, flags, &err),
	    0);
	assert_true(len > 0);
	return len;
}

/*
 * Every shorter prefix of a message must fail cleanly: the prefix goes in
 * an exact-size heap buffer so that the sanitizers catch any overread.
 */
static void
truncate_all(const uint8_t *msg, size_t len, uint32_t base)
{
	struct mars_msg m;
	struct mars_err err;
	size_t l;
	int rc;

	for (l = 0; l < len; l++) {
		uint8_t *cut = malloc(l ? l : 1);

		assert_non_null(cut);
		memcpy(cut, msg, l);
		memset(&err, 0, sizeof(err));
		rc = mars_decode(&m, cut, l, base, 0, &err);
		free(cut);
		if (rc != MARS_E_TRUNC && rc != MARS_E_LENGTH)
			fail_msg("prefix of %zu/%zu octets: rc %d", l, len, rc);
		assert_int_equal(err.code, rc);
		assert_non_null(err.field);
		assert_true(err.offset >= base);
		assert_true(err.offset - base <= l);
		if (rc == MARS_E_TRUNC) {
			assert_int_equal(err.offset - base + err.have, l);
			assert_true(err.need > err.have);
		}
		/* NULL err must be safe too. */
		cut = malloc(l ? l : 1);
		memcpy(cut, msg, l);
		assert_int_equal(mars_decode(&m, cut, l, base, 0, NULL), rc);
		free(cut);
	}
}

/*
 * encode -> decode -> same fields -> re-encode the same bytes, with and
 * without LLC; then every truncation.  Returns the decode verdict.
 */
static int
roundtrip(const struct mars_msg *m, struct mars_msg *dec, size_t *lenp)
{
	struct mars_msg again;
	struct mars_err err;
	size_t len, len2, llen;
	int rc;

	len = encode_ok(m, out, 0);
	rc = mars_decode(dec, out, len, 0, 0, &err);
	assert_true(rc == 0 || rc == MARS_E_TLV_DROP ||
	    rc == MARS_E_TLV_ERROR);
	assert_true(mars_msg_same(m, dec));
	assert_int_equal(dec->len, len);
	len2 = encode_ok(dec, out2, 0);
	assert_int_equal(len2, len);
	assert_memory_equal(out, out2, len);

	/* With LLC: same message after the 8-octet header, offsets + 8. */
	llen = encode_ok(m, out2, MARS_ENC_LLC);
	assert_int_equal(llen, len + 8);
	assert_memory_equal(out2, "\xaa\xaa\x03\x00\x00\x5e\x00\x03", 8);
	assert_memory_equal(out2 + 8, out, len);
	assert_int_equal(mars_decode(&again, out2 + 8, len, 8, 0, &err), rc);
	assert_true(mars_msg_same(m, &again));

	truncate_all(out, len, 0);
	/* Re-encode once more: truncate_all did not disturb out. */
	len = encode_ok(m, out, 0);
	if (lenp != NULL)
		*lenp = len;
	return rc;
}

/* ------------------------------------------------------ worked examples */

static void
assert_cm_join_header(const struct mars_msg *m)
{
	static const uint8_t zero5[5], zero3[3];

	assert_int_equal(m->afn, 0x000f);
	assert_int_equal(m->pro_type, 0x0800);
	assert_memory_equal(m->pro_snap, zero5, 5);
	assert_memory_equal(m->hdrrsv, zero3, 3);
	assert_int_equal(m->extoff, 0);
	assert_int_equal(m->op_version, 0);
}

static void
test_example1_join(void **state)
{
	struct mars_msg m, enc;
	struct mars_err err;
	size_t len;

	(void)state;
	assert_int_equal(mars_decode(&m, ex1_join + 8, sizeof(ex1_join) - 8,
	    8, 0, &err), 0);
	assert_cm_join_header(&m);
	assert_int_equal(m.chksum, 0x1f22);
	assert_int_equal(m.op, MARS_JOIN);
	assert_int_equal(m.sha.tl, 0x14);
	assert_ptr_equal(m.sha.addr, ex1_join + 40);
	assert_memory_equal(m.sha.addr, cm1, 20);
	assert_int_equal(m.ssa.tl, 0);
	assert_null(m.ssa.addr);
	assert_int_equal(m.spa.len, 0);
	assert_null(m.spa.addr);
	assert_int_equal(m.grp_len, 0);
	assert_int_equal(m.pnum, 0);
	assert_int_equal(m.flags, MARS_FLAG_REGISTER);
	assert_int_equal(m.cmi, 0);
	assert_int_equal(m.msn, 0);
	assert_false(m.has_tlvs);
	assert_int_equal(m.ntlv, 0);
	assert_int_equal(m.len, 52);
	assert_int_equal(mars_list_stride(&m), 0);

	base_msg(&enc, MARS_JOIN);
	enc.flags = MARS_FLAG_REGISTER;
	len = encode_ok(&enc, out, MARS_ENC_LLC);
	assert_int_equal(len, sizeof(ex1_join));
	assert_memory_equal(out, ex1_join, sizeof(ex1_join));
	truncate_all(ex1_join + 8, sizeof(ex1_join) - 8, 8);
}

static void
test_example1_reply(void **state)
{
	struct mars_msg m, enc;
	size_t len;

	(void)state;
	assert_int_equal(mars_decode(&m, ex1_reply + 8,
	    sizeof(ex1_reply) - 8, 8, 0, NULL), 0);
	assert_cm_join_header(&m);
	assert_int_equal(m.chksum, 0xdef6);
	assert_int_equal(m.op, MARS_JOIN);
	assert_memory_equal(m.sha.addr, cm1, 20);
	assert_int_equal(m.flags, MARS_FLAG_COPY | MARS_FLAG_REGISTER);
	assert_int_equal(m.cmi, 1);
	assert_int_equal(m.msn, 0x2a);
	assert_int_equal(m.pnum, 0);
	assert_int_equal(m.len, 52);

	base_msg(&enc, MARS_JOIN);
	enc.flags = 0x6000;
	enc.cmi = 1;
	enc.msn = 0x2a;
	len = encode_ok(&enc, out, MARS_ENC_LLC);
	assert_int_equal(len, sizeof(ex1_reply));
	assert_memory_equal(out, ex1_reply, sizeof(ex1_reply));
}

static void
request_ex2(struct mars_msg *m, uint8_t op)
{
	base_msg(m, op);
	m->sha.addr = cm3;
	m->spa.addr = ip_cm3;
	m->spa.len = 4;
	m->tpa.addr = grp_a;
	m->tpa.len = 4;
}

static void
test_example2_request(void **state)
{
	static const uint8_t zero8[8];
	struct mars_msg m, enc;
	size_t len;

	(void)state;
	assert_int_equal(mars_decode(&m, ex2_request + 8,
	    sizeof(ex2_request) - 8, 8, 0, NULL), 0);
	assert_cm_join_header(&m);
	assert_int_equal(m.chksum, 0x4c18);
	assert_int_equal(m.op, MARS_REQUEST);
	assert_int_equal(mars_op_family(m.op), MARS_FAM_A);
	assert_int_equal(m.sha.tl, 0x14);
	assert_memory_equal(m.sha.addr, cm3, 20);
	assert_int_equal(m.ssa.tl, 0);
	assert_int_equal(m.spa.len, 4);
	assert_ptr_equal(m.spa.addr, ex2_request + 60);
	assert_memory_equal(m.spa.addr, ip_cm3, 4);
	assert_int_equal(m.tpa.len, 4);
	assert_memory_equal(m.tpa.addr, grp_a, 4);
	assert_int_equal(m.tha.tl, 0);
	assert_null(m.tha.addr);
	assert_int_equal(m.tsa.tl, 0);
	assert_null(m.tsa.addr);
	assert_int_equal(m.thtl, 0);
	assert_int_equal(m.tstl, 0);
	assert_memory_equal(m.pad, zero8, 8);
	assert_int_equal(m.msn, 0);
	assert_int_equal(m.len, 60);

	request_ex2(&enc, MARS_REQUEST);
	len = encode_ok(&enc, out, MARS_ENC_LLC);
	assert_int_equal(len, sizeof(ex2_request));
	assert_memory_equal(out, ex2_request, sizeof(ex2_request));
	truncate_all(ex2_request + 8, sizeof(ex2_request) - 8, 8);
}

static void
test_example2_multi(void **state)
{
	struct mars_msg m, enc;
	struct mars_atm tha, tsa;
	uint8_t list[40];
	size_t len;

	(void)state;
	assert_int_equal(mars_decode(&m, ex2_multi + 8, sizeof(ex2_multi) - 8,
	    8, 0, NULL), 0);
	assert_cm_join_header(&m);
	assert_int_equal(m.chksum, 0x813f);
	assert_int_equal(m.op, MARS_MULTI);
	assert_memory_equal(m.sha.addr, cm3, 20);
	assert_int_equal(m.ssa.tl, 0);
	assert_int_equal(m.spa.len, 4);
	assert_memory_equal(m.spa.addr, ip_cm3, 4);
	assert_int_equal(m.tpa.len, 4);
	assert_memory_equal(m.tpa.addr, grp_a, 4);
	assert_int_equal(m.thtl, 0x14);
	assert_int_equal(m.tstl, 0);
	assert_int_equal(m.tnum, 2);
	assert_int_equal(m.seqxy, 0x8001);
	assert_int_equal(m.msn, 0x2b);
	assert_ptr_equal(m.list, ex2_multi + 68);
	assert_int_equal(mars_list_stride(&m), 20);
	mars_target(&m, 0, &tha, &tsa);
	assert_int_equal(tha.tl, 0x14);
	assert_memory_equal(tha.addr, cm1, 20);
	assert_null(tsa.addr);
	mars_target(&m, 1, &tha, &tsa);
	assert_memory_equal(tha.addr, cm2, 20);
	assert_int_equal(tsa.tl, 0);
	assert_int_equal(m.len, 100);

	request_ex2(&enc, MARS_MULTI);
	memcpy(list, cm1, 20);
	memcpy(list + 20, cm2, 20);
	enc.thtl = 0x14;
	enc.tnum = 2;
	enc.seqxy = 0x8001;
	enc.msn = 0x2b;
	enc.list = list;
	len = encode_ok(&enc, out, MARS_ENC_LLC);
	assert_int_equal(len, sizeof(ex2_multi));
	assert_memory_equal(out, ex2_multi, sizeof(ex2_multi));
	truncate_all(ex2_multi + 8, sizeof(ex2_multi) - 8, 8);
}

static void
test_example3_redirect(void **state)
{
	struct mars_msg m, enc;
	struct mars_atm tha, tsa;
	uint8_t list[60];
	size_t len;

	(void)state;
	assert_int_equal(mars_decode(&m, ex3_redirect + 8,
	    sizeof(ex3_redirect) - 8, 8, 0, NULL), 0);
	assert_cm_join_header(&m);
	assert_int_equal(m.chksum, 0x7578);
	assert_int_equal(m.op, MARS_REDIRECT_MAP);
	assert_int_equal(mars_op_family(m.op), MARS_FAM_B2);
	assert_memory_equal(m.sha.addr, mars1, 20);
	assert_int_equal(m.ssa.tl, 0);
	assert_int_equal(m.spa.len, 0);
	assert_int_equal(m.tpa.len, 0);
	assert_int_equal(m.thtl, 0x14);
	assert_int_equal(m.tstl, 0);
	assert_int_equal(m.redirf, 0);
	assert_int_equal(m.tnum, 3);
	assert_int_equal(m.seqxy, 0x8001);
	assert_int_equal(m.msn, 0x2c);
	mars_target(&m, 0, &tha, &tsa);
	assert_memory_equal(tha.addr, mars1, 20);
	mars_target(&m, 1, &tha, &tsa);
	assert_memory_equal(tha.addr, mars2, 20);
	mars_target(&m, 2, &tha, &tsa);
	assert_memory_equal(tha.addr, mars3, 20);
	assert_null(tsa.addr);
	assert_int_equal(m.len, 112);

	base_msg(&enc, MARS_REDIRECT_MAP);
	enc.sha.addr = mars1;
	memcpy(list, mars1, 20);
	memcpy(list + 20, mars2, 20);
	memcpy(list + 40, mars3, 20);
	enc.thtl = 0x14;
	enc.tnum = 3;
	enc.seqxy = 0x8001;
	enc.msn = 0x2c;
	enc.list = list;
	len = encode_ok(&enc, out, MARS_ENC_LLC);
	assert_int_equal(len, sizeof(ex3_redirect));
	assert_memory_equal(out, ex3_redirect, sizeof(ex3_redirect));
	truncate_all(ex3_redirect + 8, sizeof(ex3_redirect) - 8, 8);
}

/* --------------------------------------------- every operation, round trip */

static void
test_rt_request_nak(void **state)
{
	struct mars_msg m, d;

	(void)state;
	/* REQUEST with an E.164 source and a subaddress. */
	request_ex2(&m, MARS_REQUEST);
	m.sha.addr = e164a;
	m.sha.tl = MARS_ATM_TL_E164 | 8;
	m.ssa.addr = cm2;
	m.ssa.tl = 20;
	assert_int_equal(roundtrip(&m, &d, NULL), 0);
	assert_int_equal(d.sha.tl, 0x48);
	assert_memory_equal(d.ssa.addr, cm2, 20);

	/* NAK: targets filled, non-zero mar$pad kept (PROTOCOL.md C9). */
	request_ex2(&m, MARS_NAK);
	m.tha.addr = e164b;
	m.tha.tl = MARS_ATM_TL_E164 | 8;
	m.tsa.addr = cm3;
	m.tsa.tl = 20;
	memcpy(m.pad, "\0\0\0\0\0\0\0\x2b", 8);
	assert_int_equal(roundtrip(&m, &d, NULL), 0);
	assert_int_equal(d.op, MARS_NAK);
	assert_int_equal(d.thtl, 0x48);
	assert_int_equal(d.tstl, 0x14);
	assert_memory_equal(d.tha.addr, e164b, 8);
	assert_memory_equal(d.tsa.addr, cm3, 20);
	assert_int_equal(d.pad[7], 0x2b);

	/* Odd length (5-octet protocol addresses): checksum pads a zero. */
	request_ex2(&m, MARS_REQUEST);
	m.pro_type = 0x0080;
	memcpy(m.pro_snap, "\x00\x00\x5e\x12\x34", 5);
	m.spa.addr = (const uint8_t *)"abcde";
	m.spa.len = 5;
	m.tpa.addr = (const uint8_t *)"vwxyz";
	m.tpa.len = 5;
	assert_int_equal(roundtrip(&m, &d, NULL), 0);
	assert_int_equal(d.len % 2, 0);
	m.tpa.len = 4;
	assert_int_equal(roundtrip(&m, &d, NULL), 0);
	assert_int_equal(d.len % 2, 1);
	assert_memory_equal(d.pro_snap, "\x00\x00\x5e\x12\x34", 5);
}

static void
test_rt_multi_parts(void **state)
{
	struct mars_msg m, d;
	struct mars_atm tha, tsa;
	uint8_t list[3 * 40];

	(void)state;
	/* Part 1 of 2 (x = 0, y = 1), numbers with subaddresses. */
	request_ex2(&m, MARS_MULTI);
	memcpy(list, cm1, 20);
	memcpy(list + 20, mars1, 20);
	memcpy(list + 40, cm2, 20);
	memcpy(list + 60, mars2, 20);
	memcpy(list + 80, cm3, 20);
	memcpy(list + 100, mars3, 20);
	m.thtl = 0x14;
	m.tstl = 0x14;
	m.tnum = 3;
	m.seqxy = 0x0001;
	m.msn = 7;
	m.list = list;
	assert_int_equal(roundtrip(&m, &d, NULL), 0);
	assert_int_equal(d.seqxy & MARS_SEQ_LAST, 0);
	assert_int_equal(d.seqxy & MARS_SEQ_PART, 1);
	assert_int_equal(mars_list_stride(&d), 40);
	mars_target(&d, 2, &tha, &tsa);
	assert_memory_equal(tha.addr, cm3, 20);
	assert_memory_equal(tsa.addr, mars3, 20);

	/* Part 2, last, E.164 targets only. */
	memcpy(list, e164a, 8);
	memcpy(list + 8, e164b, 8);
	m.thtl = MARS_ATM_TL_E164 | 8;
	m.tstl = 0;
	m.tnum = 2;
	m.seqxy = MARS_SEQ_LAST | 2;
	assert_int_equal(roundtrip(&m, &d, NULL), 0);
	assert_int_equal(d.seqxy, 0x8002);
	mars_target(&d, 1, &tha, &tsa);
	assert_int_equal(tha.tl, 0x48);
	assert_memory_equal(tha.addr, e164b, 8);
	assert_null(tsa.addr);

	/* An empty final part. */
	m.tnum = 0;
	m.list = NULL;
	assert_int_equal(roundtrip(&m, &d, NULL), 0);
	assert_int_equal(d.tnum, 0);
}

static void
test_rt_migrate(void **state)
{
	struct mars_msg m, d;
	struct mars_atm tha, tsa;

	(void)state;
	base_msg(&m, MARS_MIGRATE);
	m.sha.addr = mars1;
	m.spa.addr = (const uint8_t *)"\x0a\x01\x01\xfa";
	m.spa.len = 4;
	m.tpa.addr = grp_a;
	m.tpa.len = 4;
	m.thtl = 0x14;
	m.tnum = 1;
	m.msn = 0x100;
	m.list = cm2;
	assert_int_equal(roundtrip(&m, &d, NULL), 0);
	assert_int_equal(mars_op_family(d.op), MARS_FAM_B);
	assert_int_equal(d.seqxy, 0);
	mars_target(&d, 0, &tha, &tsa);
	assert_memory_equal(tha.addr, cm2, 20);
}

static void
test_rt_join_family(void **state)
{
	static const uint8_t ops[] = {
		MARS_MSERV, MARS_JOIN, MARS_LEAVE, MARS_UNSERV, MARS_SJOIN,
		MARS_SLEAVE, MARS_GROUPLIST_REQUEST
	};
	struct mars_msg m, d;
	const uint8_t *min, *max;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ops); i++) {
		/* Group operation: <X,X> plus a block, IPv4. */
		base_msg(&m, ops[i]);
		m.spa.addr = ip_cm3;
		m.spa.len = 4;
		m.grp_len = 4;
		m.pnum = 2;
		m.list = pairs4;
		m.flags = MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY | 0x5a;
		m.cmi = 0x1234;
		m.msn = 0xdeadbeef;
		assert_int_equal(roundtrip(&m, &d, NULL), 0);
		assert_int_equal(mars_op_family(d.op), MARS_FAM_C);
		assert_int_equal(mars_list_stride(&d), 8);
		mars_pair(&d, 1, &min, &max);
		assert_memory_equal(min, pairs4 + 8, 4);
		assert_memory_equal(max, pairs4 + 12, 4);
		assert_int_equal(d.flags, 0xc05a);
		assert_int_equal(d.cmi, 0x1234);
		assert_int_equal(d.msn, 0xdeadbeef);

		/* Registration: no pairs, null protocol address. */
		base_msg(&m, ops[i]);
		m.flags = MARS_FLAG_REGISTER;
		assert_int_equal(roundtrip(&m, &d, NULL), 0);
		mars_pair(&d, 0, &min, &max);
		assert_null(min);
		assert_null(max);
	}

	/* IPv6 JOIN with a subaddress and two 16-octet pairs. */
	base_msg(&m, MARS_JOIN);
	m.pro_type = MARS_PRO_IPV6;
	m.ssa.addr = cm3;
	m.ssa.tl = 20;
	m.spa.addr = ip6_src;
	m.spa.len = 16;
	m.grp_len = 16;
	m.pnum = 2;
	m.list = ip6_pairs;
	assert_int_equal(roundtrip(&m, &d, NULL), 0);
	assert_int_equal(d.pro_type, 0x86dd);
	assert_int_equal(d.spa.len, 16);
	mars_pair(&d, 1, &min, &max);
	assert_memory_equal(min, ip6_pairs + 32, 16);
	assert_memory_equal(max, ip6_pairs + 48, 16);

	/* GROUPLIST_REQUEST for everything. */
	base_msg(&m, MARS_GROUPLIST_REQUEST);
	m.grp_len = 4;
	m.pnum = 1;
	m.list = all_classd;
	assert_int_equal(roundtrip(&m, &d, NULL), 0);
}

static void
test_rt_grouplist_reply(void **state)
{
	static const uint8_t groups[12] = {
		224, 1, 2, 3, 224, 1, 2, 4, 239, 9, 9, 9
	};
	struct mars_msg m, d;
	size_t len;

	(void)state;
	base_msg(&m, MARS_GROUPLIST_REPLY);
	m.spa.addr = ip_cm3;
	m.spa.len = 4;
	m.grp_len = 4;
	m.tnum = 3;
	m.seqxy = 0x8001;
	m.msn = 99;
	m.list = groups;
	assert_int_equal(roundtrip(&m, &d, &len), 0);
	assert_int_equal(mars_op_family(d.op), MARS_FAM_B1);
	assert_int_equal(len, 32 + 20 + 4 + 12);
	/* §5.3: thtl, tstl unused and zero; tpln is the group length. */
	assert_int_equal(out[21], 0);
	assert_int_equal(out[22], 0);
	assert_int_equal(out[23], 4);
	assert_int_equal(d.tpa.len, 0);
	assert_int_equal(mars_list_stride(&d), 4);
	assert_memory_equal(mars_group(&d, 2), groups + 8, 4);
	assert_memory_equal(mars_group(&d, 0), groups, 4);
}

static void
test_rt_redirect_map(void **state)
{
	uint8_t list[2 * 28];
	struct mars_msg m, d;
	struct mars_atm tha, tsa;
	size_t len;

	(void)state;
	/* Hard redirect, E.164 numbers with NSAP subaddresses. */
	base_msg(&m, MARS_REDIRECT_MAP);
	m.sha.addr = e164a;
	m.sha.tl = MARS_ATM_TL_E164 | 8;
	memcpy(list, e164b, 8);
	memcpy(list + 8, mars2, 20);
	memcpy(list + 28, e164a, 8);
	memcpy(list + 36, mars1, 20);
	m.thtl = MARS_ATM_TL_E164 | 8;
	m.tstl = 20;
	m.redirf = MARS_REDIRF_HARD;
	m.tnum = 2;
	m.seqxy = 0x8001;
	m.msn = 0x2d;
	m.list = list;
	assert_int_equal(roundtrip(&m, &d, &len), 0);
	assert_int_equal(len, 32 + 8 + 56);
	assert_int_equal(out[20], 0);		/* mar$spln reserved */
	assert_int_equal(out[23], 0x80);
	assert_int_equal(d.redirf, 0x80);
	mars_target(&d, 1, &tha, &tsa);
	assert_memory_equal(tha.addr, e164a, 8);
	assert_memory_equal(tsa.addr, mars1, 20);
}

/* ------------------------------------------------------------------ TLVs */

static void
multi_one(struct mars_msg *m)
{
	request_ex2(m, MARS_MULTI);
	m->thtl = 0x14;
	m->tnum = 1;
	m->seqxy = 0x8001;
	m->list = cm1;
}

static void
test_tlv_multi_is_mcs(void **state)
{
	struct mars_msg m, d;
	size_t len;

	(void)state;
	multi_one(&m);
	m.ntlv = 1;
	m.tlv[0].type = MARS_TLV_MULTI_IS_MCS;
	assert_int_equal(roundtrip(&m, &d, &len), 0);
	/* 80 octets of message, then 3A 00 00 00 and the NULL TLV. */
	assert_int_equal(len, 88);
	assert_int_equal(out[14], 0);
	assert_int_equal(out[15], 80);
	assert_memory_equal(out + 80, "\x3a\x00\x00\x00\x00\x00\x00\x00", 8);
	assert_true(d.has_tlvs);
	assert_int_equal(d.extoff, 80);
	assert_int_equal(d.ntlv, 1);
	assert_int_equal(d.ntlv_total, 1);
	assert_int_equal(d.tlv[0].type, 0x3a00);
	assert_int_equal(d.tlv[0].len, 0);
}

static void
test_tlv_skip_padding_and_alignment(void **state)
{
	struct mars_msg m, d;
	size_t len;

	(void)state;
	/* spa of 5 octets: addresses end at 61, TLVs start at 64. */
	request_ex2(&m, MARS_REQUEST);
	m.spa.addr = (const uint8_t *)"\x0a\x01\x01\x03\x99";
	m.spa.len = 5;
	m.ntlv = 3;
	m.tlv[0].type = 0x0123;		/* Type.x 0: skip */
	m.tlv[0].len = 5;
	m.tlv[0].value = (const uint8_t *)"hello";
	m.tlv[1].type = 0xc456;		/* Type.x 3: treat as skip */
	m.tlv[1].len = 2;
	m.tlv[1].value = (const uint8_t *)"hi";
	m.tlv[2].type = 0x3801;
	m.tlv[2].len = 4;
	m.tlv[2].value = (const uint8_t *)"abcd";
	assert_int_equal(roundtrip(&m, &d, &len), 0);
	assert_int_equal(len, 64 + 12 + 8 + 8 + 4);
	assert_int_equal(d.extoff, 64);
	assert_memory_equal(out + 61, "\0\0\0", 3);
	assert_memory_equal(out + 64, "\x01\x23\x00\x05hello\0\0\0", 12);
	assert_memory_equal(out + 76, "\xc4\x56\x00\x02hi\0\0", 8);
	assert_int_equal(d.ntlv, 3);
	assert_memory_equal(d.tlv[0].value, "hello", 5);
	assert_int_equal(d.tlv[1].type, 0xc456);

	/* has_tlvs with no TLV: a lone NULL TLV. */
	request_ex2(&m, MARS_REQUEST);
	m.has_tlvs = true;
	assert_int_equal(roundtrip(&m, &d, &len), 0);
	assert_int_equal(len, 64);
	assert_int_equal(d.extoff, 60);
	assert_true(d.has_tlvs);
	assert_int_equal(d.ntlv, 0);
}

static void
test_tlv_drop_verdicts(void **state)
{
	struct mars_msg m, d;
	struct mars_err err;
	size_t len;

	(void)state;
	multi_one(&m);
	m.ntlv = 2;
	m.tlv[0].type = MARS_TLV_MULTI_IS_MCS;
	m.tlv[1].type = 0x4321;		/* Type.x 1: drop silently */
	m.tlv[1].len = 1;
	m.tlv[1].value = (const uint8_t *)"x";
	assert_int_equal(roundtrip(&m, &d, &len), MARS_E_TLV_DROP);
	assert_int_equal(mars_decode(&d, out, len, 8, 0, &err),
	    MARS_E_TLV_DROP);
	assert_int_equal(err.code, MARS_E_TLV_DROP);
	assert_int_equal(err.offset, 8 + 84);
	assert_string_equal(err.field, "TLV type");
	/* The view is complete. */
	assert_true(mars_msg_same(&m, &d));
	assert_int_equal(d.len, len);

	m.tlv[1].type = 0x8321;		/* Type.x 2: drop and log */
	assert_int_equal(roundtrip(&m, &d, &len), MARS_E_TLV_ERROR);
	assert_int_equal(mars_decode(&d, out, len, 0, 0, &err),
	    MARS_E_TLV_ERROR);
	assert_int_equal(err.offset, 84);
	assert_non_null(err.why);

	/* The known TLV type never drops, whatever its Type.x. */
	m.tlv[1].type = 0x4000 | MARS_TLV_MULTI_IS_MCS;
	assert_int_equal(roundtrip(&m, &d, &len), 0);

	/* A bad checksum outranks the TLV verdict. */
	m.tlv[1].type = 0x4321;
	len = encode_ok(&m, out, 0);
	out[13] ^= 1;
	assert_int_equal(mars_decode(&d, out, len, 0, 0, &err), MARS_E_CHKSUM);
}

static void
test_tlv_many(void **state)
{
	struct mars_msg m, d;
	uint8_t buf[256];
	size_t len, i, off;

	(void)state;
	multi_one(&m);
	len = encode_ok(&m, buf, MARS_ENC_NOCHKSUM);
	/* Append ten skip TLVs by hand, then the NULL TLV. */
	buf[14] = 0;
	buf[15] = (uint8_t)len;
	off = len;
	for (i = 0; i < 10; i++) {
		memcpy(buf + off, "\x01\x00\x00\x01", 4);
		buf[off + 4] = (uint8_t)i;
		memset(buf + off + 5, 0, 3);
		off += 8;
	}
	memset(buf + off, 0, 4);
	off += 4;
	assert_int_equal(mars_decode(&d, buf, off, 0, 0, NULL), 0);
	assert_int_equal(d.ntlv, MARS_TLV_MAX);
	assert_int_equal(d.ntlv_total, 10);
	assert_int_equal(d.tlv[7].value[0], 7);
	assert_int_equal(d.len, off);
}

static void
test_tlv_malformed(void **state)
{
	struct mars_msg m, d;
	struct mars_err err;
	uint8_t buf[256];
	size_t len;

	(void)state;
	multi_one(&m);
	m.ntlv = 1;
	m.tlv[0].type = 0x0123;
	m.tlv[0].len = 1;
	m.tlv[0].value = (const uint8_t *)"x";
	len = encode_ok(&m, buf, MARS_ENC_NOCHKSUM);
	assert_int_equal(len, 80 + 8 + 4);

	/* Non-zero padding. */
	buf[86] = 1;
	assert_int_equal(mars_decode(&d, buf, len, 0, 0, &err), MARS_E_FIELD);
	assert_string_equal(err.field, "TLV padding");
	assert_int_equal(err.offset, 86);
	buf[86] = 0;

	/* NULL TLV with a length. */
	buf[91] = 4;
	assert_int_equal(mars_decode(&d, buf, len, 0, 0, &err), MARS_E_FIELD);
	assert_int_equal(err.offset, 90);
	buf[91] = 0;

	/* TLV length running past the message. */
	buf[83] = 200;
	assert_int_equal(mars_decode(&d, buf, len, 0, 0, &err), MARS_E_TRUNC);
	assert_string_equal(err.field, "TLV value");
	assert_int_equal(err.offset, 84);
	assert_int_equal(err.need, 200);
	buf[83] = 1;

	/* No NULL TLV. */
	assert_int_equal(mars_decode(&d, buf, len - 4, 0, 0, &err),
	    MARS_E_TRUNC);
	assert_string_equal(err.field, "TLV type");
	assert_int_equal(err.offset, 88);

	/* mar$extoff inside the address area, and past the end. */
	buf[15] = 76;
	assert_int_equal(mars_decode(&d, buf, len, 8, 0, &err),
	    MARS_E_LENGTH);
	assert_string_equal(err.field, "mar$extoff");
	assert_int_equal(err.offset, 8 + 14);
	buf[15] = 8;
	assert_int_equal(mars_decode(&d, buf, len, 0, 0, &err),
	    MARS_E_LENGTH);
	buf[14] = 1;
	buf[15] = 0;
	assert_int_equal(mars_decode(&d, buf, len, 0, 0, &err),
	    MARS_E_LENGTH);
	buf[14] = 0;
	buf[15] = (uint8_t)len;
	assert_int_equal(mars_decode(&d, buf, len, 0, 0, &err),
	    MARS_E_LENGTH);

	/* The two low bits are masked off (§10.1). */
	buf[15] = 80 | 3;
	assert_int_equal(mars_decode(&d, buf, len, 0, 0, &err), 0);
	assert_int_equal(d.extoff, 83);
	assert_int_equal(d.ntlv, 1);
	/* ...and extoff 1..3 means no list. */
	buf[15] = 2;
	assert_int_equal(mars_decode(&d, buf, len, 0, 0, &err), 0);
	assert_false(d.has_tlvs);
	assert_int_equal(d.len, 80);

	/* A TLV list starting later than the first boundary is accepted. */
	memmove(buf + 84, buf + 80, 12);
	memset(buf + 80, 0xee, 4);
	buf[15] = 84;
	assert_int_equal(mars_decode(&d, buf, len + 4, 0, 0, &err), 0);
	assert_int_equal(d.ntlv, 1);
	assert_int_equal(d.len, len + 4);
}

/* --------------------------------------------------------- bad headers */

static size_t
ex_copy(uint8_t *buf, const uint8_t *ex, size_t n)
{
	memcpy(buf, ex + 8, n - 8);
	return n - 8;
}

static void
expect_err(const uint8_t *buf, size_t len, int code, uint32_t offset,
    const char *field)
{
	struct mars_msg m;
	struct mars_err err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(mars_decode(&m, buf, len, 8, MARS_DEC_NOCHKSUM,
	    &err), code);
	assert_int_equal(err.code, code);
	assert_int_equal(err.offset, offset + 8);
	assert_string_equal(err.field, field);
}

/* The message parsed, and nonconf holds exactly these reasons. */
static void
expect_nonconf(const uint8_t *buf, size_t len, unsigned bits)
{
	struct mars_msg m;

	assert_true(mars_err_parsed(mars_decode(&m, buf, len, 8,
	    MARS_DEC_NOCHKSUM, NULL)));
	assert_int_equal(m.nonconf, bits);
}

static void
test_bad_header(void **state)
{
	uint8_t buf[256];
	size_t len;

	(void)state;
	len = ex_copy(buf, ex2_multi, sizeof(ex2_multi));

	buf[16] = 1;
	expect_err(buf, len, MARS_E_FIELD, 16, "mar$op.version");
	buf[16] = 0xff;
	expect_err(buf, len, MARS_E_FIELD, 16, "mar$op.version");
	buf[16] = 0;

	buf[17] = 0;
	expect_err(buf, len, MARS_E_OP, 17, "mar$op.type");
	buf[17] = 14;
	expect_err(buf, len, MARS_E_OP, 17, "mar$op.type");
	buf[17] = 18;
	expect_err(buf, len, MARS_E_OP, 17, "mar$op.type");
	buf[17] = MARS_MULTI;

	/* Reserved bit 7 and a null source: nonconforming, yet parsed. */
	buf[18] = 0x94;
	expect_err(buf, len, MARS_E_NONCONF, 18, "mar$shtl");
	expect_nonconf(buf, len, MARS_NC_RESERVED);
	buf[18] = 0x15;
	expect_err(buf, len, MARS_E_FIELD, 18, "mar$shtl");
	buf[18] = 0x00;
	expect_err(buf, len, MARS_E_NONCONF, 18, "mar$shtl");
	expect_nonconf(buf, len, MARS_NC_NULL_SOURCE);
	buf[18] = 0x40;			/* E.164 bit, length 0: still null */
	expect_err(buf, len, MARS_E_NONCONF, 18, "mar$shtl");
	buf[18] = 0x14;

	buf[19] = 0x80;
	expect_err(buf, len, MARS_E_NONCONF, 19, "mar$sstl");
	expect_nonconf(buf, len, MARS_NC_RESERVED);
	buf[19] = 0x3f;
	expect_err(buf, len, MARS_E_FIELD, 19, "mar$sstl");
	buf[19] = 0;

	buf[21] = 0x94;
	expect_err(buf, len, MARS_E_NONCONF, 21, "mar$thtl");
	buf[21] = 0x14;
	buf[22] = 0x21;
	expect_err(buf, len, MARS_E_FIELD, 22, "mar$tstl");
	buf[22] = 0;

	/* Counts that overrun: 3 targets announced, 2 present. */
	buf[25] = 3;
	expect_err(buf, len, MARS_E_TRUNC, 60, "mar$tha");
	buf[25] = 2;
	/* A subaddress length that makes the list too long. */
	buf[22] = 0x01;
	expect_err(buf, len, MARS_E_TRUNC, 60, "mar$tha");
	buf[22] = 0;
	/* A source address longer than the message. */
	buf[20] = 200;
	expect_err(buf, len, MARS_E_TRUNC, 52, "mar$spa");
	buf[20] = 4;

	/* REQUEST target T/L octets. */
	len = ex_copy(buf, ex2_request, sizeof(ex2_request));
	buf[21] = 0x80;			/* reserved bit: nonconforming */
	expect_err(buf, len, MARS_E_NONCONF, 21, "mar$thtl");
	buf[21] = 0x80 | 20;		/* ... and 20 octets that are not there */
	expect_err(buf, len, MARS_E_TRUNC, 60, "mar$tha");
	buf[21] = 0x3f;
	expect_err(buf, len, MARS_E_FIELD, 21, "mar$thtl");
	buf[21] = 20;
	expect_err(buf, len, MARS_E_TRUNC, 60, "mar$tha");
	buf[21] = 0;
	buf[22] = 0x55;
	expect_err(buf, len, MARS_E_FIELD, 22, "mar$tstl");
	buf[22] = 0;

	/* JOIN pairs and GROUPLIST_REPLY groups that overrun. */
	len = ex_copy(buf, ex1_join, sizeof(ex1_join));
	buf[21] = 4;
	buf[23] = 1;
	expect_err(buf, len, MARS_E_TRUNC, 52, "mar$min");
	buf[17] = MARS_GROUPLIST_REPLY;
	buf[22] = 0;
	buf[23] = 0;
	buf[25] = 1;
	buf[23] = 4;
	expect_err(buf, len, MARS_E_TRUNC, 52, "mar$mgrp");

	/* REDIRECT_MAP list overrun. */
	len = ex_copy(buf, ex3_redirect, sizeof(ex3_redirect));
	buf[25] = 4;
	expect_err(buf, len, MARS_E_TRUNC, 52, "mar$tha");
}

/*
 * Nonconforming but parseable (DESIGN.md rule 1): the decoder reports
 * every reason and keeps every field.  The first case is the periodic
 * MARS_REDIRECT_MAP of a widely shipped server (PROTOCOL.md C8): null
 * mar$shtl with the 20 source octets in place, mar$seqxy 0.
 */
static void
test_nonconforming(void **state)
{
	uint8_t buf[256];
	struct mars_msg m, ref;
	struct mars_err err;
	size_t len;

	(void)state;
	len = ex_copy(buf, ex3_redirect, sizeof(ex3_redirect));
	assert_int_equal(mars_decode(&ref, buf, len, 8, 0, NULL), 0);
	buf[18] = 0;
	buf[26] = buf[27] = 0;
	buf[12] = buf[13] = 0;			/* no checksum (§4.3.3) */
	assert_int_equal(mars_decode(&m, buf, len, 8, 0, &err),
	    MARS_E_NONCONF);
	assert_true(mars_err_parsed(MARS_E_NONCONF));
	assert_int_equal(m.nonconf, MARS_NC_NULL_SOURCE | MARS_NC_SEQXY);
	assert_true(m.sha_inferred);
	assert_int_equal(m.sha.tl & MARS_ATM_TL_LEN, 20);
	assert_memory_equal(m.sha.addr, ref.sha.addr, 20);
	assert_int_equal(m.tnum, ref.tnum);
	assert_memory_equal(m.list, ref.list, ref.tnum * mars_list_stride(&ref));
	assert_string_equal(err.field, "mar$shtl");
	assert_int_equal(err.offset, 18 + 8);

	/* The same with the checksum left stale: checksum outranks. */
	buf[12] = 0x12;
	assert_int_equal(mars_decode(&m, buf, len, 8, 0, &err),
	    MARS_E_CHKSUM);
	assert_int_equal(m.nonconf, MARS_NC_CHECKSUM | MARS_NC_NULL_SOURCE |
	    MARS_NC_SEQXY);

	/* A registration reply with CMI 0; reserved mar$flags bits. */
	len = ex_copy(buf, ex1_join, sizeof(ex1_join));
	buf[24] = (MARS_FLAG_REGISTER | MARS_FLAG_COPY) >> 8;
	buf[26] = buf[27] = 0;
	assert_int_equal(mars_decode(&m, buf, len, 8, MARS_DEC_NOCHKSUM,
	    &err), MARS_E_NONCONF);
	assert_int_equal(m.nonconf, MARS_NC_CMI_ZERO);
	assert_string_equal(err.field, "mar$cmi");
	buf[27] = 7;
	assert_int_equal(mars_decode(&m, buf, len, 8, MARS_DEC_NOCHKSUM,
	    NULL), 0);
	buf[24] |= 0x01;
	assert_int_equal(mars_decode(&m, buf, len, 8, MARS_DEC_NOCHKSUM,
	    &err), MARS_E_NONCONF);
	assert_int_equal(m.nonconf, MARS_NC_RESERVED);

	/* Names and references for every bit. */
	for (unsigned bit = 1; bit & MARS_NC_ALL; bit <<= 1) {
		assert_non_null(mars_nonconf_name(bit));
		assert_non_null(mars_nonconf_ref(bit));
		assert_non_null(mars_nonconf_text(bit));
		assert_int_equal(mars_nonconf_lookup(mars_nonconf_name(bit)),
		    bit);
	}
	assert_null(mars_nonconf_name(0x8000));
	assert_int_equal(mars_nonconf_lookup("no-such"), 0);
	assert_false(mars_err_parsed(MARS_E_TRUNC));
}

static void
test_trailing_octets(void **state)
{
	uint8_t buf[256];
	struct mars_msg m;
	size_t len;

	(void)state;
	len = ex_copy(buf, ex1_join, sizeof(ex1_join));
	memcpy(buf + len, "\0\0\0\0", 4);	/* AAL5-style padding */
	assert_int_equal(mars_decode(&m, buf, len + 4, 0, 0, NULL), 0);
	assert_int_equal(m.len, len);
	/* Checksum covers the whole buffer: non-zero junk breaks it. */
	buf[len] = 1;
	assert_int_equal(mars_decode(&m, buf, len + 4, 0, 0, NULL),
	    MARS_E_CHKSUM);
	assert_int_equal(mars_decode(&m, buf, len + 4, 0, MARS_DEC_NOCHKSUM,
	    NULL), 0);
}

/* ------------------------------------------------------------ checksum */

static void
test_checksum(void **state)
{
	uint8_t buf[256];
	struct mars_msg m;
	struct mars_err err;
	char text[128];
	size_t len;

	(void)state;
	len = ex_copy(buf, ex1_join, sizeof(ex1_join));
	assert_int_equal(mars_cksum(buf, len), 0);
	buf[12] = 0x1f;
	buf[13] = 0x23;
	assert_int_equal(mars_decode(&m, buf, len, 8, 0, &err),
	    MARS_E_CHKSUM);
	assert_int_equal(err.offset, 20);
	assert_string_equal(err.field, "mar$chksum");
	assert_int_equal(err.have, 0x1f23);
	assert_int_equal(err.need, 0x1f22);
	assert_non_null(err.why);
	/* Complete view on a checksum verdict. */
	assert_int_equal(m.op, MARS_JOIN);
	assert_int_equal(m.flags, MARS_FLAG_REGISTER);
	assert_memory_equal(m.sha.addr, cm1, 20);
	assert_int_equal(m.len, 52);
	mars_err_format(&err, text, sizeof(text));
	assert_non_null(strstr(text, "0x1f23"));
	assert_non_null(strstr(text, "0x1f22"));

	/* A corrupted body is caught too. */
	buf[12] = 0x1f;
	buf[13] = 0x22;
	buf[45] ^= 0x10;
	assert_int_equal(mars_decode(&m, buf, len, 0, 0, &err),
	    MARS_E_CHKSUM);
	assert_int_equal(mars_decode(&m, buf, len, 0, MARS_DEC_NOCHKSUM,
	    &err), 0);

	/* mar$chksum = 0 is never checked. */
	buf[12] = 0;
	buf[13] = 0;
	assert_int_equal(mars_decode(&m, buf, len, 0, 0, &err), 0);

	/* NOCHKSUM encodes 0. */
	base_msg(&m, MARS_JOIN);
	len = encode_ok(&m, buf, MARS_ENC_NOCHKSUM);
	assert_int_equal(buf[12], 0);
	assert_int_equal(buf[13], 0);
}

/* The plain RFC 1071 loop, for comparison. */
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

static void
test_cksum_reference(void **state)
{
	uint8_t buf[300];
	size_t i, len, at;
	uint32_t x = 12345;

	(void)state;
	for (i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (at = 0; at < 8; at++)
		for (len = 0; len + at <= sizeof(buf); len++)
			assert_int_equal(mars_cksum(buf + at, len),
			    ref_cksum(buf + at, len));
	memset(buf, 0xff, sizeof(buf));
	for (len = 0; len < sizeof(buf); len++)
		assert_int_equal(mars_cksum(buf, len), ref_cksum(buf, len));
	assert_int_equal(mars_cksum(buf, 0), 0xffff);
	assert_int_equal(mars_cksum((const uint8_t *)"\x01", 1), 0xfeff);
}

/* -------------------------------------------------------------- encoder */

static void
expect_inval(const struct mars_msg *m, const char *field)
{
	struct mars_err err;
	size_t len = 0;

	assert_int_equal(mars_encode(m, out, sizeof(out), &len, 0, &err),
	    MARS_E_INVAL);
	assert_int_equal(err.code, MARS_E_INVAL);
	assert_string_equal(err.field, field);
	assert_int_equal(mars_encode(m, out, sizeof(out), &len, 0, NULL),
	    MARS_E_INVAL);
}

/*
 * A list whose entries have a null address is malformed, whatever the
 * count: 65,535 MULTI targets of zero length in 60 octets (RFC 2022
 * §5.1.2: every target is an ATM address) must not parse, nor a
 * subaddress-only target list, a GROUPLIST_REPLY of zero-length groups
 * or JOIN pairs of zero-length addresses; the encoder refuses them too.
 */
static void
test_null_list_entries(void **state)
{
	struct mars_msg m, enc;
	struct mars_err err;
	uint8_t list[40];
	size_t len;
	int rc;

	(void)state;
	multi_one(&enc);
	enc.thtl = 0;
	enc.list = list;
	assert_int_equal(mars_encode(&enc, out, sizeof(out), &len, 0, &err),
	    MARS_E_INVAL);
	enc.tstl = 20;
	assert_int_equal(mars_encode(&enc, out, sizeof(out), &len, 0, &err),
	    MARS_E_INVAL);

	/* A valid one-target MULTI, then patched as a hostile sender would. */
	multi_one(&enc);
	len = encode_ok(&enc, out, 0);
	assert_int_equal(len, 20 + 32 + 8 + 20);
	out[12] = out[13] = 0;		/* no checksum */
	out[21] = 0;			/* mar$thtl: null */
	out[24] = 0xff;			/* mar$tnum 65535 */
	out[25] = 0xff;
	memset(&err, 0, sizeof(err));
	rc = mars_decode(&m, out, 60, 0, 0, &err);
	assert_int_equal(rc, MARS_E_LENGTH);
	assert_false(mars_err_parsed(rc));
	assert_int_equal(err.offset, 21);
	assert_string_equal(err.field, "mar$thtl");
	/* Subaddress only: still no ATM number per entry. */
	out[22] = 20;
	rc = mars_decode(&m, out, len, 0, 0, &err);
	assert_int_equal(rc, MARS_E_LENGTH);
	/* The same with a count of 0 is a valid empty MULTI. */
	out[22] = 0;
	out[24] = out[25] = 0;
	assert_int_equal(mars_decode(&m, out, 60, 0, 0, &err), 0);
	assert_int_equal(m.tnum, 0);

	/* REDIRECT_MAP, family B": same rule. */
	base_msg(&enc, MARS_REDIRECT_MAP);
	enc.thtl = 20;
	enc.tnum = 1;
	enc.seqxy = 0x8001;
	enc.list = mars1;
	len = encode_ok(&enc, out, 0);
	out[12] = out[13] = 0;
	out[21] = 0;
	assert_int_equal(mars_decode(&m, out, len, 0, 0, &err),
	    MARS_E_LENGTH);

	/* GROUPLIST_REPLY with mar$tpln 0 and groups counted. */
	base_msg(&enc, MARS_GROUPLIST_REPLY);
	enc.grp_len = 4;
	enc.tnum = 1;
	enc.seqxy = 0x8001;
	enc.list = grp_a;
	len = encode_ok(&enc, out, 0);
	out[12] = out[13] = 0;
	out[23] = 0;
	memset(&err, 0, sizeof(err));
	assert_int_equal(mars_decode(&m, out, len, 0, 0, &err),
	    MARS_E_LENGTH);
	assert_string_equal(err.field, "mar$tpln");

	/* JOIN with a pair of zero-length groups. */
	base_msg(&enc, MARS_JOIN);
	enc.pnum = 1;
	enc.grp_len = 4;
	memcpy(list, grp_a, 4);
	memcpy(list + 4, grp_a, 4);
	enc.list = list;
	len = encode_ok(&enc, out, 0);
	out[12] = out[13] = 0;
	out[21] = 0;
	assert_int_equal(mars_decode(&m, out, len, 0, 0, &err),
	    MARS_E_LENGTH);
	enc.grp_len = 0;
	assert_int_equal(mars_encode(&enc, out, sizeof(out), &len, 0, &err),
	    MARS_E_INVAL);
}

static void
test_encode_refusals(void **state)
{
	struct mars_msg m;
	struct mars_err err;
	size_t len = 0;

	(void)state;
	base_msg(&m, 0);
	expect_inval(&m, "op");
	base_msg(&m, 14);
	expect_inval(&m, "op");

	base_msg(&m, MARS_JOIN);
	m.sha.tl = 0;
	expect_inval(&m, "sha");
	m.sha.tl = MARS_ATM_TL_E164;
	expect_inval(&m, "sha");
	m.sha.tl = 0x80 | 20;
	expect_inval(&m, "sha");
	m.sha.tl = 21;
	expect_inval(&m, "sha");
	m.sha.tl = 20;
	m.sha.addr = NULL;
	expect_inval(&m, "sha");

	base_msg(&m, MARS_JOIN);
	m.ssa.tl = 20;
	expect_inval(&m, "ssa");
	base_msg(&m, MARS_JOIN);
	m.spa.len = 4;
	expect_inval(&m, "spa");
	base_msg(&m, MARS_JOIN);
	m.pnum = 1;
	m.grp_len = 4;
	expect_inval(&m, "list");

	request_ex2(&m, MARS_REQUEST);
	m.tpa.addr = NULL;
	expect_inval(&m, "tpa");
	request_ex2(&m, MARS_NAK);
	m.tha.tl = 0x20;
	m.tha.addr = cm1;
	expect_inval(&m, "tha");
	request_ex2(&m, MARS_NAK);
	m.tsa.tl = 4;
	expect_inval(&m, "tsa");

	multi_one(&m);
	m.thtl = 0x94;
	expect_inval(&m, "thtl");
	multi_one(&m);
	m.tstl = 0x3f;
	expect_inval(&m, "tstl");
	multi_one(&m);
	m.list = NULL;
	expect_inval(&m, "list");

	multi_one(&m);
	m.ntlv = 1;
	m.tlv[0].type = 0x0123;
	m.tlv[0].len = 3;
	expect_inval(&m, "tlv");
	m.tlv[0].type = MARS_TLV_NULL;
	m.tlv[0].len = 0;
	expect_inval(&m, "tlv");
	m.ntlv = MARS_TLV_MAX + 1;
	expect_inval(&m, "ntlv");

	/* Over 65535 octets. */
	base_msg(&m, MARS_JOIN);
	m.grp_len = 16;
	m.pnum = 3000;
	m.list = out2;
	expect_inval(&m, "len");

	/* Short output buffer. */
	base_msg(&m, MARS_JOIN);
	assert_int_equal(mars_encode(&m, out, 51, &len, 0, &err),
	    MARS_E_NOSPACE);
	assert_int_equal(err.need, 52);
	assert_int_equal(err.have, 51);
	assert_int_equal(mars_encode(&m, out, 59, &len, MARS_ENC_LLC, &err),
	    MARS_E_NOSPACE);
	assert_int_equal(mars_encode(&m, out, 60, &len, MARS_ENC_LLC, &err),
	    0);
	assert_int_equal(len, 60);
}

static void
test_encode_zero_checksum(void **state)
{
	uint8_t buf[64];
	struct mars_msg m, d;
	size_t len;
	uint16_t c;

	(void)state;
	/* Pick msn so that the computed checksum would be 0x0000. */
	base_msg(&m, MARS_JOIN);
	len = encode_ok(&m, buf, 0);
	c = (uint16_t)(buf[12] << 8 | buf[13]);
	m.msn = c;		/* adds c to the sum: result 0xffff -> 0 */
	len = encode_ok(&m, buf, 0);
	assert_int_equal(buf[12], 0xff);
	assert_int_equal(buf[13], 0xff);
	assert_int_equal(mars_decode(&d, buf, len, 0, 0, NULL), 0);
}

/* ------------------------------------------------------------- op names */

static void
test_op_names(void **state)
{
	int op;

	(void)state;
	assert_string_equal(mars_op_name(MARS_JOIN), "MARS_JOIN");
	assert_string_equal(mars_op_short(MARS_JOIN), "JOIN");
	assert_string_equal(mars_op_name(MARS_GROUPLIST_REPLY),
	    "MARS_GROUPLIST_REPLY");
	assert_string_equal(mars_op_short(MARS_MIGRATE), "MIGRATE");
	assert_null(mars_op_name(0));
	assert_null(mars_op_name(14));
	assert_null(mars_op_short(255));
	for (op = 1; op <= MARS_OP_MAX; op++) {
		assert_int_equal(mars_op_lookup(mars_op_name((uint8_t)op)), op);
		assert_int_equal(mars_op_lookup(mars_op_short((uint8_t)op)),
		    op);
		assert_int_not_equal(mars_op_family((uint8_t)op),
		    MARS_FAM_UNKNOWN);
	}
	assert_int_equal(mars_op_lookup("mars_redirect_map"), 12);
	assert_int_equal(mars_op_lookup("sjoin"), 8);
	assert_int_equal(mars_op_lookup("Nak"), 6);
	assert_int_equal(mars_op_lookup("JOINX"), -1);
	assert_int_equal(mars_op_lookup(""), -1);
	assert_int_equal(mars_op_lookup(NULL), -1);
	assert_int_equal(mars_op_family(0), MARS_FAM_UNKNOWN);
	assert_int_equal(mars_op_family(14), MARS_FAM_UNKNOWN);
	assert_int_equal(mars_op_family(MARS_NAK), MARS_FAM_A);
	assert_int_equal(mars_op_family(MARS_MIGRATE), MARS_FAM_B);
	assert_int_equal(mars_op_family(MARS_SLEAVE), MARS_FAM_C);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example1_join),
		cmocka_unit_test(test_example1_reply),
		cmocka_unit_test(test_example2_request),
		cmocka_unit_test(test_example2_multi),
		cmocka_unit_test(test_example3_redirect),
		cmocka_unit_test(test_rt_request_nak),
		cmocka_unit_test(test_rt_multi_parts),
		cmocka_unit_test(test_rt_migrate),
		cmocka_unit_test(test_rt_join_family),
		cmocka_unit_test(test_rt_grouplist_reply),
		cmocka_unit_test(test_rt_redirect_map),
		cmocka_unit_test(test_tlv_multi_is_mcs),
		cmocka_unit_test(test_tlv_skip_padding_and_alignment),
		cmocka_unit_test(test_tlv_drop_verdicts),
		cmocka_unit_test(test_tlv_many),
		cmocka_unit_test(test_tlv_malformed),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_nonconforming),
		cmocka_unit_test(test_trailing_octets),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_cksum_reference),
		cmocka_unit_test(test_null_list_entries),
		cmocka_unit_test(test_encode_refusals),
		cmocka_unit_test(test_encode_zero_checksum),
		cmocka_unit_test(test_op_names),
	};

	return cmocka_run_group_tests_name("mars", tests, NULL, NULL);
}
