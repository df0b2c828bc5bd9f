/*
 * Printers (print.h): one-line, verbose, tree, JSON and hex output for
 * hand-built messages and for the bytes of PROTOCOL.md's worked examples.
 * Times are printed in UTC: 1700000000.123456 is 22:13:20.123456.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "mars/out.h"
#include "mars/pdu.h"
#include "mars/print.h"
#include "mars/scsp.h"
#include "mars/shim.h"

#include "examples.h"

#define CM1	"47009181000000000000000001002048aa000100"
#define CM2	"47009181000000000000000001002048aa000200"
#define CM3	"47009181000000000000000001002048aa000300"
#define M1	"4700918100000000000000000100204800000100"
#define M2	"4700918100000000000000000100204800000200"
#define M3	"4700918100000000000000000100204800000300"
#define T0	"22:13:20.123456"
#define VC	" [0/32 rx ccvc]"
/* The head of every JSON message object, without and with the VC. */
#define JH	"{\"type\":\"message\",\"frame\":7,\"ts\":1700000000.123456," \
		"\"vpi\":null,\"vci\":null,\"dir\":null,\"vc_kind\":null,"
#define JHVC	"{\"type\":\"message\",\"frame\":7,\"ts\":1700000000.123456," \
		"\"vpi\":0,\"vci\":32,\"dir\":\"rx\",\"vc_kind\":\"ccvc\","
/* A message that is neither malformed nor nonconforming. */
#define JOK	"\"malformed\":null,\"nonconforming\":[],"

static const uint8_t cm1[20] = {
	0x47, 0x00, 0x91, 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x20, 0x48,
	0xaa, 0x00, 0x01, 0x00,
};
static const uint8_t m2[20] = {
	0x47, 0x00, 0x91, 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x20, 0x48,
	0x00, 0x00, 0x02, 0x00,
};
static const uint8_t ip_cm3[4] = { 10, 1, 1, 3 };
static const uint8_t grp[4] = { 224, 1, 2, 3 };

static char storage[65536];
static char result[65536];

static void
frame_init(struct mars_frame *fr, bool vc)
{
	memset(fr, 0, sizeof(*fr));
	fr->num = 7;
	fr->ts_sec = 1700000000;
	fr->ts_usec = 123456;
	fr->dir = MARS_DIR_UNKNOWN;
	if (vc) {
		fr->has_vc = true;
		fr->vpi = 0;
		fr->vci = 32;
		fr->dir = MARS_DIR_RX;
		fr->vc_kind = MARS_VC_CCVC;
	}
}

/* A MARS pdu around a hand-built message (no SDU behind it). */
static void
pdu_mars(struct mars_pdu *pdu, const struct mars_msg *m)
{
	memset(pdu, 0, sizeof(*pdu));
	pdu->kind = MARS_PDU_MARS;
	pdu->oui = 0x00005e;
	pdu->pid = 0x0003;
	pdu->u.mars = *m;
}

static void
msg_base(struct mars_msg *m, uint8_t op)
{
	memset(m, 0, sizeof(*m));
	m->afn = MARS_AFN_ATM;
	m->pro_type = MARS_PRO_IPV4;
	m->op = op;
	m->sha.addr = cm1;
	m->sha.tl = 20;
}

static const char *
run(enum mars_print_mode mode, bool vc, const struct mars_pdu *pdu)
{
	struct mars_print_opts po = { .mode = mode };
	struct mars_frame fr;
	struct mars_out ob;

	frame_init(&fr, vc);
	mars_out_init(&ob, -1, storage, sizeof(storage));
	mars_print_frame(&ob, &po, &fr, pdu);
	assert_true(ob.len < sizeof(result));
	memcpy(result, ob.buf, ob.len);
	result[ob.len] = '\0';
	return result;
}

static const char *
line(const struct mars_pdu *pdu)
{
	return run(MARS_PRINT_LINE, false, pdu);
}

static void
decode(struct mars_pdu *pdu, const uint8_t *b, size_t n)
{
	assert_int_equal(mars_pdu_decode(pdu, b, n, 0), 0);
}

/* ------------------------------------------------ a small JSON checker */

struct jp {
	const char	*s;
	int		 depth;
};

static bool j_value(struct jp *p);

static void
j_ws(struct jp *p)
{
	while (*p->s == ' ' || *p->s == '\t' || *p->s == '\r')
		p->s++;
}

static bool
j_string(struct jp *p)
{
	int i;

	if (*p->s++ != '"')
		return false;
	for (;;) {
		unsigned char c = (unsigned char)*p->s++;

		if (c == '"')
			return true;
		if (c < 0x20)
			return false;
		if (c != '\\')
			continue;
		c = (unsigned char)*p->s++;
		if (c == 'u') {
			for (i = 0; i < 4; i++)
				if (strchr("0123456789abcdefABCDEF",
				    *p->s++) == NULL)
					return false;
		} else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0')
			return false;
	}
}

static bool
j_number(struct jp *p)
{
	const char *start = p->s;

	if (*p->s == '-')
		p->s++;
	if (*p->s == '0')
		p->s++;
	else if (*p->s >= '1' && *p->s <= '9')
		while (*p->s >= '0' && *p->s <= '9')
			p->s++;
	else
		return false;
	if (*p->s == '.') {
		p->s++;
		if (!(*p->s >= '0' && *p->s <= '9'))
			return false;
		while (*p->s >= '0' && *p->s <= '9')
			p->s++;
	}
	return p->s > start;
}

static bool
j_word(struct jp *p, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(p->s, w, n) != 0)
		return false;
	p->s += n;
	return true;
}

static bool
j_container(struct jp *p, char close, bool object)
{
	p->s++;
	if (++p->depth > 32)
		return false;
	j_ws(p);
	if (*p->s == close) {
		p->s++;
		p->depth--;
		return true;
	}
	for (;;) {
		j_ws(p);
		if (object) {
			if (!j_string(p))
				return false;
			j_ws(p);
			if (*p->s++ != ':')
				return false;
		}
		if (!j_value(p))
			return false;
		j_ws(p);
		if (*p->s == ',') {
			p->s++;
			continue;
		}
		if (*p->s++ != close)
			return false;
		p->depth--;
		return true;
	}
}

static bool
j_value(struct jp *p)
{
	j_ws(p);
	switch (*p->s) {
	case '{':	return j_container(p, '}', true);
	case '[':	return j_container(p, ']', false);
	case '"':	return j_string(p);
	case 't':	return j_word(p, "true");
	case 'f':	return j_word(p, "false");
	case 'n':	return j_word(p, "null");
	default:	return j_number(p);
	}
}

/* Exactly one JSON object, then one newline, nothing else. */
static void
assert_json_line(const char *s)
{
	struct jp p = { s, 0 };

	assert_int_equal(*s, '{');
	if (!j_value(&p)) {
		print_error("invalid JSON near offset %zu: %s\n",
		    (size_t)(p.s - s), s);
		fail();
	}
	assert_string_equal(p.s, "\n");
}

static const char *
json(const struct mars_pdu *pdu, bool vc)
{
	const char *s = run(MARS_PRINT_JSON, vc, pdu);

	assert_json_line(s);
	return s;
}

static void
test_json_checker(void **state)
{
	struct jp p;
	const char *bad[] = {
		"{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "[1 2]", "{\"a\":\"\x01\"}",
		"{\"a\":01x}", "{\"a\":\"\\q\"}", "{a:1}", "{\"a\":tru}",
	};
	size_t i;

	p.s = "{\"a\":[1,-2.5,true,false,null,{\"b\":\"x\\\"\\u0001\"}],\"c\":{}}";
	p.depth = 0;
	assert_true(j_value(&p));
	assert_int_equal(*p.s, '\0');
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p.s = bad[i];
		p.depth = 0;
		assert_false(j_value(&p) && *p.s == '\0');
	}
}

/* ------------------------------------------------ hand-built MARS */

static void
test_join_register(void **state)
{
	struct mars_msg m;
	struct mars_pdu pdu;

	msg_base(&m, MARS_JOIN);
	m.flags = MARS_FLAG_REGISTER | MARS_FLAG_COPY;
	m.cmi = 1;
	m.msn = 42;
	pdu_mars(&pdu, &m);
	assert_string_equal(line(&pdu),
	    T0 " MARS_JOIN register cmi 1 msn 42 copy sha " CM1 "\n");
	assert_string_equal(run(MARS_PRINT_LINE, true, &pdu),
	    T0 VC " MARS_JOIN register cmi 1 msn 42 copy sha " CM1 "\n");
	assert_string_equal(json(&pdu, false),
	    JH "\"kind\":\"MARS\","
	    "\"op\":\"MARS_JOIN\",\"op_code\":4," JOK "\"afn\":15,\"pro_type\":2048,"
	    "\"pro_snap\":\"0000000000\",\"hdrrsv\":0,\"chksum\":0,"
	    "\"extoff\":0,\"op_version\":0,\"shtl\":20,\"sstl\":0,"
	    "\"sha\":\"" CM1 "\",\"sha_inferred\":false,\"ssa\":null,\"spln\":0,\"spa\":null,"
	    "\"tpln\":0,\"pnum\":0,\"flags\":24576,\"layer3grp\":false,"
	    "\"copy\":true,\"register\":true,\"punched\":false,"
	    "\"sequence\":0,\"cmi\":1,\"msn\":42,\"pairs\":[],\"tlvs\":null}\n");
}

static void
test_join_group(void **state)
{
	static const uint8_t pair[8] = { 224, 1, 2, 3, 224, 1, 2, 3 };
	struct mars_msg m;
	struct mars_pdu pdu;

	msg_base(&m, MARS_JOIN);
	m.flags = MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY;
	m.cmi = 5;
	m.msn = 44;
	m.pnum = 1;
	m.grp_len = 4;
	m.list = pair;
	m.spa.addr = ip_cm3;
	m.spa.len = 4;
	pdu_mars(&pdu, &m);
	assert_string_equal(line(&pdu),
	    T0 " MARS_JOIN 224.1.2.3 cmi 5 msn 44 layer3grp copy sha " CM1
	    "\n");
	assert_string_equal(run(MARS_PRINT_JSON, true, &pdu),
	    JHVC
	    "\"kind\":\"MARS\","
	    "\"op\":\"MARS_JOIN\",\"op_code\":4," JOK "\"afn\":15,\"pro_type\":2048,"
	    "\"pro_snap\":\"0000000000\",\"hdrrsv\":0,\"chksum\":0,"
	    "\"extoff\":0,\"op_version\":0,\"shtl\":20,\"sstl\":0,"
	    "\"sha\":\"" CM1 "\",\"sha_inferred\":false,\"ssa\":null,\"spln\":4,"
	    "\"spa\":\"10.1.1.3\",\"tpln\":4,\"pnum\":1,\"flags\":49152,"
	    "\"layer3grp\":true,\"copy\":true,\"register\":false,"
	    "\"punched\":false,\"sequence\":0,\"cmi\":5,\"msn\":44,"
	    "\"pairs\":[{\"min\":\"224.1.2.3\",\"max\":\"224.1.2.3\"}],"
	    "\"tlvs\":null}\n");
	json(&pdu, true);
}

/* Several pairs, ranges, punched, sequence, reserved bits. */
static void
test_leave_ranges(void **state)
{
	static const uint8_t pairs[16] = {
		224, 0, 0, 0, 224, 0, 0, 255, 225, 1, 1, 1, 225, 1, 1, 1,
	};
	struct mars_msg m;
	struct mars_pdu pdu;
	const char *s;

	msg_base(&m, MARS_LEAVE);
	m.flags = MARS_FLAG_COPY | MARS_FLAG_PUNCHED | 7;
	m.cmi = 5;
	m.msn = 45;
	m.pnum = 2;
	m.grp_len = 4;
	m.list = pairs;
	pdu_mars(&pdu, &m);
	assert_string_equal(line(&pdu),
	    T0 " MARS_LEAVE 224.0.0.0-224.0.0.255,225.1.1.1 cmi 5 msn 45 copy"
	    " punched seq 7 sha " CM1 "\n");
	s = json(&pdu, false);
	assert_non_null(strstr(s, "\"punched\":true,\"sequence\":7,"));
	assert_non_null(strstr(s, "\"pairs\":[{\"min\":\"224.0.0.0\","
	    "\"max\":\"224.0.0.255\"},{\"min\":\"225.1.1.1\","
	    "\"max\":\"225.1.1.1\"}]"));

	m.op = MARS_GROUPLIST_REQUEST;
	m.flags = 0x0100;		/* a reserved bit */
	m.pnum = 1;
	m.list = (const uint8_t []){ 224, 0, 0, 0, 239, 255, 255, 255 };
	pdu_mars(&pdu, &m);
	assert_string_equal(line(&pdu),
	    T0 " MARS_GROUPLIST_REQUEST 224.0.0.0-239.255.255.255 cmi 5"
	    " msn 45 rsvd 0x0100 sha " CM1 "\n");

	m.op = MARS_MSERV;
	m.flags = MARS_FLAG_REGISTER;
	m.pnum = 0;
	m.cmi = 0;
	pdu_mars(&pdu, &m);
	assert_string_equal(line(&pdu),
	    T0 " MARS_MSERV register cmi 0 msn 45 sha " CM1 "\n");
	json(&pdu, false);
}

static void
test_request_nak(void **state)
{
	static const uint8_t sub[4] = { 0xde, 0xad, 0xbe, 0xef };
	struct mars_msg m;
	struct mars_pdu pdu;
	const char *s;

	msg_base(&m, MARS_REQUEST);
	m.sha.addr = (const uint8_t *)"\x47\x00\x91\x81\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\x01\x00\x20\x48\xaa\x00\x03\x00";
	m.spa.addr = ip_cm3;
	m.spa.len = 4;
	m.tpa.addr = grp;
	m.tpa.len = 4;
	pdu_mars(&pdu, &m);
	assert_string_equal(line(&pdu),
	    T0 " MARS_REQUEST 224.1.2.3 from 10.1.1.3 sha " CM3 "\n");

	m.op = MARS_NAK;
	m.ssa.addr = sub;
	m.ssa.tl = 4;
	m.pad[7] = 0x2b;		/* MS-S writes the CSN here (C9) */
	pdu_mars(&pdu, &m);
	assert_string_equal(line(&pdu),
	    T0 " MARS_NAK 224.1.2.3 from 10.1.1.3 sha " CM3 "/deadbeef\n");
	s = json(&pdu, false);
	assert_non_null(strstr(s, "\"op\":\"MARS_NAK\",\"op_code\":6,"));
	assert_non_null(strstr(s, "\"ssa\":\"deadbeef\",\"spln\":4,"
	    "\"spa\":\"10.1.1.3\",\"thtl\":0,\"tstl\":0,\"tpln\":4,"
	    "\"pad\":\"000000000000002b\",\"tpa\":\"224.1.2.3\","
	    "\"tha\":null,\"tsa\":null,\"tlvs\":null}"));
}

/* IPv6 groups print in RFC 5952 form; E.164 numbers as hex too. */
static void
test_request_ipv6_e164(void **state)
{
	static const uint8_t g6[16] = {
		0xff, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x02,
	};
	static const uint8_t e164[8] = { '1', '2', '3', '4', '5', '6', '7', '8' };
	struct mars_msg m;
	struct mars_pdu pdu;

	msg_base(&m, MARS_REQUEST);
	m.pro_type = MARS_PRO_IPV6;
	m.sha.addr = e164;
	m.sha.tl = MARS_ATM_TL_E164 | 8;
	m.tpa.addr = g6;
	m.tpa.len = 16;
	pdu_mars(&pdu, &m);
	assert_string_equal(line(&pdu),
	    T0 " MARS_REQUEST ff0e::1:2 from - sha 3132333435363738\n");
	json(&pdu, false);
}

static void
test_multi_with_subaddresses_and_tlv(void **state)
{
	uint8_t list[2 * 22];
	struct mars_msg m;
	struct mars_pdu pdu;
	const char *s;

	memcpy(list, cm1, 20);
	list[20] = 0x11;
	list[21] = 0x22;
	memcpy(list + 22, m2, 20);
	list[42] = 0x33;
	list[43] = 0x44;
	msg_base(&m, MARS_MULTI);
	m.tpa.addr = grp;
	m.tpa.len = 4;
	m.thtl = 20;
	m.tstl = 2;
	m.tnum = 2;
	m.seqxy = 0x0003;		/* part 3, not the last */
	m.msn = 43;
	m.list = list;
	m.has_tlvs = true;
	m.ntlv = 1;
	m.ntlv_total = 1;
	m.tlv[0].type = MARS_TLV_MULTI_IS_MCS;
	pdu_mars(&pdu, &m);
	assert_string_equal(line(&pdu),
	    T0 " MARS_MULTI 224.1.2.3 msn 43 part 3 tnum 2: " CM1 "/1122 "
	    M2 "/3344 tlv 0x3a00\n");
	s = json(&pdu, false);
	assert_non_null(strstr(s, "\"seqxy\":3,\"seq_x\":false,\"seq_y\":3,"
	    "\"msn\":43,\"tpa\":\"224.1.2.3\",\"tha\":[\"" CM1 "\",\"" M2
	    "\"],\"tsa\":[\"1122\",\"3344\"],\"tlvs\":[{\"type\":14848,"
	    "\"length\":0,\"value\":null}],\"tlvs_total\":1}\n"));
}

static void
test_redirect_map_hard(void **state)
{
	uint8_t list[40];
	struct mars_msg m;
	struct mars_pdu pdu;
	const char *s;

	memcpy(list, m2, 20);
	memcpy(list + 20, cm1, 20);
	msg_base(&m, MARS_REDIRECT_MAP);
	m.thtl = 20;
	m.redirf = MARS_REDIRF_HARD;
	m.tnum = 2;
	m.seqxy = 0x8001;
	m.msn = 44;
	m.list = list;
	pdu_mars(&pdu, &m);
	assert_string_equal(line(&pdu),
	    T0 " MARS_REDIRECT_MAP hard msn 44 part 1 last from " CM1 ": "
	    M2 " " CM1 "\n");
	s = json(&pdu, false);
	assert_non_null(strstr(s, "\"redirf\":128,\"redirect\":\"hard\","));
	assert_null(strstr(s, "\"spa\""));	/* no mar$spa in REDIRECT_MAP */
}

static void
test_grouplist_reply(void **state)
{
	static const uint8_t groups[12] = {
		224, 1, 1, 1, 224, 1, 1, 2, 224, 1, 1, 3,
	};
	struct mars_msg m;
	struct mars_pdu pdu;
	const char *s;

	msg_base(&m, MARS_GROUPLIST_REPLY);
	m.grp_len = 4;
	m.tnum = 3;
	m.seqxy = 0x8001;
	m.msn = 45;
	m.list = groups;
	pdu_mars(&pdu, &m);
	assert_string_equal(line(&pdu),
	    T0 " MARS_GROUPLIST_REPLY msn 45 part 1 last tnum 3: 224.1.1.1"
	    " 224.1.1.2 224.1.1.3\n");
	s = json(&pdu, false);
	assert_non_null(strstr(s, "\"tpln\":4,\"tnum\":3,\"seqxy\":32769,"
	    "\"seq_x\":true,\"seq_y\":1,\"msn\":45,\"mgrp\":[\"224.1.1.1\","
	    "\"224.1.1.2\",\"224.1.1.3\"],\"tlvs\":null}"));
}

static void
test_migrate(void **state)
{
	struct mars_msg m;
	struct mars_pdu pdu;
	const char *s;

	msg_base(&m, MARS_MIGRATE);
	m.tpa.addr = grp;
	m.tpa.len = 4;
	m.thtl = 20;
	m.tnum = 1;
	m.msn = 46;
	m.list = m2;
	pdu_mars(&pdu, &m);
	assert_string_equal(line(&pdu),
	    T0 " MARS_MIGRATE 224.1.2.3 msn 46 to " M2 "\n");
	s = json(&pdu, false);
	assert_non_null(strstr(s, "\"tnum\":1,\"resv\":0,\"msn\":46,"));
	assert_null(strstr(s, "seq_x"));
}

static void
test_nhrp_and_llc(void **state)
{
	struct mars_pdu pdu;

	memset(&pdu, 0, sizeof(pdu));
	pdu.kind = MARS_PDU_NHRP;
	pdu.oui = 0x00005e;
	pdu.pid = 0x0003;
	pdu.len = 60;
	pdu.u.nhrp.afn = 1;
	pdu.u.nhrp.pro_type = 0x0800;
	pdu.u.nhrp.pktsz = 52;
	pdu.u.nhrp.op_version = 1;
	pdu.u.nhrp.op_type = 1;
	assert_string_equal(line(&pdu), T0 " NHRP op 1 version 1 afn 0x0001"
	    " pro 0x0800 pktsz 52 (not MARS)\n");
	assert_string_equal(json(&pdu, false),
	    JH "\"kind\":\"NHRP\"," JOK
	    "\"op_version\":1,\"op_type\":1,\"afn\":1,\"pro_type\":2048,"
	    "\"pro_snap\":\"0000000000\",\"hopcnt\":0,\"pktsz\":52,"
	    "\"chksum\":0,\"extoff\":0,\"shtl\":0,\"sstl\":0}\n");
	assert_non_null(strstr(run(MARS_PRINT_TREE, false, &pdu),
	    "\t[24] ar$op.version 1\n"));

	memset(&pdu, 0, sizeof(pdu));
	pdu.kind = MARS_PDU_LLC_OTHER;
	pdu.verdict = MARS_E_NOTOURS;
	pdu.oui = 0x00005e;
	pdu.pid = 0x0001;
	pdu.len = 120;
	assert_string_equal(line(&pdu),
	    T0 " LLC oui 0x00005e pid 0x0001 len 120\n");
	assert_string_equal(json(&pdu, false),
	    JH "\"kind\":\"LLC\"," JOK
	    "\"oui\":94,\"pid\":1,\"len\":120}\n");
}

/* A hand-built verdict: the line names reason, offset and field. */
static void
test_malformed_handbuilt(void **state)
{
	struct mars_pdu pdu;
	struct mars_print_opts po = { .mode = MARS_PRINT_LINE };
	struct mars_frame fr;
	struct mars_out ob;
	const char *s;

	memset(&pdu, 0, sizeof(pdu));
	pdu.kind = MARS_PDU_MARS;
	pdu.verdict = MARS_E_TRUNC;
	pdu.err.code = MARS_E_TRUNC;
	pdu.err.offset = 36;
	pdu.err.field = "mar$sha";
	pdu.err.need = 20;
	pdu.err.have = 12;
	/* pdu.len 0: the operation was not read. */
	assert_string_equal(run(MARS_PRINT_LINE, true, &pdu), T0 VC
	    " MARS MALFORMED truncated at offset 36 (mar$sha): need 20, have"
	    " 12\n");
	/* -v and -vv print no fields for a partial view. */
	assert_string_equal(run(MARS_PRINT_TREE, false, &pdu), T0
	    " MARS MALFORMED truncated at offset 36 (mar$sha): need 20, have"
	    " 12\n");
	assert_string_equal(json(&pdu, false),
	    JH "\"kind\":\"MARS\",\"op\":null,\"op_code\":null,"
	    "\"malformed\":{\"reason\":\"truncated\",\"offset\":36,"
	    "\"field\":\"mar$sha\",\"detail\":\"truncated mar$sha at offset"
	    " 36: need 20, have 12\"},\"nonconforming\":[]}\n");

	pdu.verdict = pdu.err.code = MARS_E_FIELD;
	pdu.err.offset = 26;
	pdu.err.field = "mar$shtl";
	pdu.err.why = "reserved \"bit\" 7 set";
	assert_string_equal(line(&pdu), T0 " MARS MALFORMED bad-field at offset"
	    " 26 (mar$shtl): reserved \"bit\" 7 set\n");
	s = json(&pdu, false);
	assert_non_null(strstr(s, "reserved \\\"bit\\\" 7 set\"},"
	    "\"nonconforming\":[]}"));

	/* mars_print_frame_error: no SDU at all. */
	frame_init(&fr, false);
	mars_out_init(&ob, -1, storage, sizeof(storage));
	mars_print_frame_error(&ob, &po, &fr, &pdu.err);
	assert_int_equal(ob.len, strlen(T0 " MALFORMED bad-field at offset 26"
	    " (mar$shtl): reserved \"bit\" 7 set\n"));
	po.mode = MARS_PRINT_JSON;
	mars_out_init(&ob, -1, storage, sizeof(storage));
	mars_print_frame_error(&ob, &po, &fr, &pdu.err);
	storage[ob.len] = '\0';
	assert_json_line(storage);
	assert_non_null(strstr(storage, "\"kind\":null,\"malformed\":"
	    "{\"reason\":\"bad-field\",\"offset\":26"));
}

/* ------------------------------------------------ PROTOCOL.md examples */

static void
test_example1_join(void **state)
{
	struct mars_pdu pdu;

	decode(&pdu, ex1_join, sizeof(ex1_join));
	assert_string_equal(run(MARS_PRINT_LINE, true, &pdu),
	    T0 VC " MARS_JOIN register cmi 0 msn 0 sha " CM1 "\n");
	assert_string_equal(run(MARS_PRINT_VERBOSE, false, &pdu),
	    T0 " MARS_JOIN register cmi 0 msn 0 sha " CM1 "\n"
	    "\tllc aaaa03 snap.oui 0x00005e snap.pid 0x0003\n"
	    "\tmar$afn 0x000f mar$pro.type 0x0800 mar$pro.snap 0000000000"
	    " mar$hdrrsv 000000 mar$chksum 0x1f22 mar$extoff 0\n"
	    "\tmar$op.version 0 mar$op.type 4 mar$shtl 0x14 mar$sstl 0x00\n"
	    "\tmar$spln 0 mar$tpln 0 mar$pnum 0 mar$flags 0x2000 mar$cmi 0"
	    " mar$msn 0\n"
	    "\tmar$sha " CM1 " mar$ssa - mar$spa -\n");
	assert_string_equal(run(MARS_PRINT_TREE, false, &pdu),
	    T0 " MARS_JOIN register cmi 0 msn 0 sha " CM1 "\n"
	    "\t[0] llc aaaa03\n"
	    "\t[3] snap.oui 0x00005e\n"
	    "\t[6] snap.pid 0x0003\n"
	    "\t[8] mar$afn 0x000f\n"
	    "\t[10] mar$pro.type 0x0800\n"
	    "\t[12] mar$pro.snap 0000000000\n"
	    "\t[17] mar$hdrrsv 000000\n"
	    "\t[20] mar$chksum 0x1f22\n"
	    "\t[22] mar$extoff 0\n"
	    "\t[24] mar$op.version 0\n"
	    "\t[25] mar$op.type 4 (MARS_JOIN)\n"
	    "\t[26] mar$shtl 0x14 (nsap, 20)\n"
	    "\t[27] mar$sstl 0x00\n"
	    "\t[28] mar$spln 0\n"
	    "\t[29] mar$tpln 0\n"
	    "\t[30] mar$pnum 0\n"
	    "\t[32] mar$flags 0x2000\n"
	    "\t\t[32] layer3grp 0\n"
	    "\t\t[32] copy 0\n"
	    "\t\t[32] register 1\n"
	    "\t\t[32] punched 0\n"
	    "\t\t[32] reserved 0x0\n"
	    "\t\t[33] sequence 0\n"
	    "\t[34] mar$cmi 0\n"
	    "\t[36] mar$msn 0\n"
	    "\t[40] mar$sha " CM1 "\n"
	    "\t[60] mar$ssa -\n"
	    "\t[60] mar$spa -\n");
	assert_string_equal(json(&pdu, false),
	    JH "\"kind\":\"MARS\","
	    "\"op\":\"MARS_JOIN\",\"op_code\":4," JOK "\"afn\":15,\"pro_type\":2048,"
	    "\"pro_snap\":\"0000000000\",\"hdrrsv\":0,\"chksum\":7970,"
	    "\"extoff\":0,\"op_version\":0,\"shtl\":20,\"sstl\":0,"
	    "\"sha\":\"" CM1 "\",\"sha_inferred\":false,\"ssa\":null,\"spln\":0,\"spa\":null,"
	    "\"tpln\":0,\"pnum\":0,\"flags\":8192,\"layer3grp\":false,"
	    "\"copy\":false,\"register\":true,\"punched\":false,"
	    "\"sequence\":0,\"cmi\":0,\"msn\":0,\"pairs\":[],\"tlvs\":null}\n");

	decode(&pdu, ex1_reply, sizeof(ex1_reply));
	assert_string_equal(line(&pdu),
	    T0 " MARS_JOIN register cmi 1 msn 42 copy sha " CM1 "\n");
	json(&pdu, true);
}

static void
test_example2_request_multi(void **state)
{
	struct mars_pdu pdu;

	decode(&pdu, ex2_request, sizeof(ex2_request));
	assert_string_equal(line(&pdu),
	    T0 " MARS_REQUEST 224.1.2.3 from 10.1.1.3 sha " CM3 "\n");
	assert_string_equal(json(&pdu, false),
	    JH "\"kind\":\"MARS\","
	    "\"op\":\"MARS_REQUEST\",\"op_code\":1," JOK "\"afn\":15,"
	    "\"pro_type\":2048,\"pro_snap\":\"0000000000\",\"hdrrsv\":0,"
	    "\"chksum\":19480,\"extoff\":0,\"op_version\":0,\"shtl\":20,"
	    "\"sstl\":0,\"sha\":\"" CM3 "\",\"sha_inferred\":false,\"ssa\":null,\"spln\":4,"
	    "\"spa\":\"10.1.1.3\",\"thtl\":0,\"tstl\":0,\"tpln\":4,"
	    "\"pad\":\"0000000000000000\",\"tpa\":\"224.1.2.3\",\"tha\":null,"
	    "\"tsa\":null,\"tlvs\":null}\n");
	assert_non_null(strstr(run(MARS_PRINT_TREE, false, &pdu),
	    "\t[60] mar$spa 10.1.1.3\n\t[64] mar$tpa 224.1.2.3\n"
	    "\t[68] mar$tha -\n\t[68] mar$tsa -\n"));

	decode(&pdu, ex2_multi, sizeof(ex2_multi));
	assert_string_equal(line(&pdu),
	    T0 " MARS_MULTI 224.1.2.3 msn 43 part 1 last tnum 2: " CM1 " "
	    CM2 "\n");
	assert_string_equal(run(MARS_PRINT_VERBOSE, false, &pdu),
	    T0 " MARS_MULTI 224.1.2.3 msn 43 part 1 last tnum 2: " CM1 " "
	    CM2 "\n"
	    "\tllc aaaa03 snap.oui 0x00005e snap.pid 0x0003\n"
	    "\tmar$afn 0x000f mar$pro.type 0x0800 mar$pro.snap 0000000000"
	    " mar$hdrrsv 000000 mar$chksum 0x813f mar$extoff 0\n"
	    "\tmar$op.version 0 mar$op.type 2 mar$shtl 0x14 mar$sstl 0x00\n"
	    "\tmar$spln 4 mar$thtl 0x14 mar$tstl 0x00 mar$tpln 4 mar$tnum 2"
	    " mar$seqxy 0x8001 mar$msn 43\n"
	    "\tmar$sha " CM3 " mar$ssa - mar$spa 10.1.1.3 mar$tpa 224.1.2.3\n"
	    "\tmar$tha.1 " CM1 " mar$tha.2 " CM2 "\n");
	assert_non_null(strstr(run(MARS_PRINT_TREE, false, &pdu),
	    "\t[34] mar$seqxy 0x8001\n\t\t[34] x 1\n\t\t[34] y 1\n"
	    "\t[36] mar$msn 43\n"));
	assert_non_null(strstr(run(MARS_PRINT_TREE, false, &pdu),
	    "\t[68] mar$tha.1 " CM1 "\n\t[88] mar$tha.2 " CM2 "\n"));
	assert_string_equal(json(&pdu, false),
	    JH "\"kind\":\"MARS\","
	    "\"op\":\"MARS_MULTI\",\"op_code\":2," JOK "\"afn\":15,"
	    "\"pro_type\":2048,\"pro_snap\":\"0000000000\",\"hdrrsv\":0,"
	    "\"chksum\":33087,\"extoff\":0,\"op_version\":0,\"shtl\":20,"
	    "\"sstl\":0,\"sha\":\"" CM3 "\",\"sha_inferred\":false,\"ssa\":null,\"spln\":4,"
	    "\"spa\":\"10.1.1.3\",\"thtl\":20,\"tstl\":0,\"tpln\":4,"
	    "\"tnum\":2,\"seqxy\":32769,\"seq_x\":true,\"seq_y\":1,"
	    "\"msn\":43,\"tpa\":\"224.1.2.3\",\"tha\":[\"" CM1 "\",\"" CM2
	    "\"],\"tlvs\":null}\n");
}

static void
test_example3_redirect_map(void **state)
{
	struct mars_pdu pdu;
	const char *s;

	decode(&pdu, ex3_redirect, sizeof(ex3_redirect));
	assert_string_equal(line(&pdu),
	    T0 " MARS_REDIRECT_MAP soft msn 44 part 1 last from " M1 ": " M1
	    " " M2 " " M3 "\n");
	s = run(MARS_PRINT_TREE, false, &pdu);
	assert_non_null(strstr(s, "\t[31] mar$redirf 0x00\n\t\t[31] hard 0\n"
	    "\t[32] mar$tnum 3\n"));
	assert_non_null(strstr(s, "\t[40] mar$sha " M1 "\n\t[60] mar$ssa -\n"
	    "\t[60] mar$tha.1 " M1 "\n\t[80] mar$tha.2 " M2 "\n"
	    "\t[100] mar$tha.3 " M3 "\n"));
	assert_null(strstr(s, "mar$spa"));
	s = json(&pdu, false);
	assert_non_null(strstr(s, "\"spln\":0,\"thtl\":20,\"tstl\":0,"
	    "\"redirf\":0,\"redirect\":\"soft\",\"tnum\":3,\"seqxy\":32769,"
	    "\"seq_x\":true,\"seq_y\":1,\"msn\":44,\"tha\":[\"" M1 "\",\"" M2
	    "\",\"" M3 "\"],\"tlvs\":null}\n"));
}

static void
test_example4_hello(void **state)
{
	struct mars_pdu pdu;

	decode(&pdu, ex4_hello, sizeof(ex4_hello));
	assert_string_equal(line(&pdu), T0 " SCSP HELLO MARS sgid 1 sender"
	    " 0a0101fa receivers 0a0101fb interval 3 dead 3\n");
	assert_string_equal(run(MARS_PRINT_VERBOSE, false, &pdu), T0 " SCSP HELLO"
	    " MARS sgid 1 sender 0a0101fa receivers 0a0101fb interval 3"
	    " dead 3\n"
	    "\tllc aaaa03 snap.oui 0x00005e snap.pid 0x0005\n"
	    "\tVersion 1 Type Code 5 Packet Size 36 Checksum 0xe2d1"
	    " Start Of Extensions 0\n"
	    "\tHelloInterval 3 DeadFactor 3 unused 0 Family ID 0\n"
	    "\tProtocol ID 3 Server Group ID 1 unused 0 Flags 0x0000"
	    " Sender ID Len 4 Recvr ID Len 4 Number of Records 0"
	    " Sender ID 0a0101fa Receiver ID 0a0101fb\n");
	assert_string_equal(run(MARS_PRINT_TREE, false, &pdu), T0 " SCSP HELLO"
	    " MARS sgid 1 sender 0a0101fa receivers 0a0101fb interval 3"
	    " dead 3\n"
	    "\t[0] llc aaaa03\n"
	    "\t[3] snap.oui 0x00005e\n"
	    "\t[6] snap.pid 0x0005\n"
	    "\t[8] Version 1\n"
	    "\t[9] Type Code 5 (HELLO)\n"
	    "\t[10] Packet Size 36\n"
	    "\t[12] Checksum 0xe2d1\n"
	    "\t[14] Start Of Extensions 0\n"
	    "\t[16] HelloInterval 3\n"
	    "\t[18] DeadFactor 3\n"
	    "\t[20] unused 0\n"
	    "\t[22] Family ID 0\n"
	    "\t[24] Protocol ID 3 (MARS)\n"
	    "\t[26] Server Group ID 1\n"
	    "\t[28] unused 0\n"
	    "\t[30] Flags 0x0000\n"
	    "\t[32] Sender ID Len 4\n"
	    "\t[33] Recvr ID Len 4\n"
	    "\t[34] Number of Records 0\n"
	    "\t[36] Sender ID 0a0101fa\n"
	    "\t[40] Receiver ID 0a0101fb\n");
	assert_string_equal(json(&pdu, true),
	    JHVC
	    "\"kind\":\"SCSP\","
	    "\"scsp_type\":\"HELLO\",\"type_code\":5," JOK "\"version\":1,"
	    "\"packet_size\":36,\"checksum\":58065,\"extoff\":0,"
	    "\"protocol_id\":3,\"protocol\":\"MARS\",\"sgid\":1,\"flags\":0,"
	    "\"sender_id\":\"0a0101fa\",\"receiver_id\":\"0a0101fb\","
	    "\"num_records\":0,\"hello_interval\":3,\"dead_factor\":3,"
	    "\"family_id\":0,\"receiver_ids\":[\"0a0101fb\"],"
	    "\"extensions\":null}\n");
}

static void
test_example5_csu_request(void **state)
{
	struct mars_pdu pdu;
	const char *s;

	decode(&pdu, ex5_csu, sizeof(ex5_csu));
	assert_string_equal(line(&pdu), T0 " SCSP CSU_REQUEST MARS sgid 1"
	    " sender 0a0101fa receiver 0a0101fb csa 1: CLIENT_JOIN cmi 1"
	    " 224.1.2.3 atm " CM1 " seq 0x80000001\n");
	s = run(MARS_PRINT_TREE, false, &pdu);
	assert_non_null(strstr(s,
	    "\t[36] CSA Record.1\n"
	    "\t\t[36] Hop Count 3\n"
	    "\t\t[38] Record Length 72\n"
	    "\t\t[40] Cache Key Len 4\n"
	    "\t\t[41] Orig ID Len 4\n"
	    "\t\t[42] N 0\n"
	    "\t\t[44] CSA Sequence Number 0x80000001\n"
	    "\t\t[48] Cache Key 00000007\n"
	    "\t\t[52] Originator ID 0a0101fa\n"
	    "\t\t[56] MARS Part\n"
	    "\t\t\t[56] Hardware Type 0x000f\n"
	    "\t\t\t[58] Protocol Type 0x0800\n"
	    "\t\t\t[60] SNAP 0000000000\n"
	    "\t\t\t[65] Unused 0\n"
	    "\t\t\t[66] Version 0\n"
	    "\t\t\t[67] State 3 (CLIENT_JOIN)\n"
	    "\t\t\t[68] Flags 0x8000\n"
	    "\t\t\t\t[68] layer3grp 1\n"
	    "\t\t\t\t[68] register 0\n"
	    "\t\t\t\t[69] sequence 0\n"
	    "\t\t\t[70] Cluster Member ID 1\n"
	    "\t\t\t[72] Src Addr Len 4\n"
	    "\t\t\t[73] Group Addr Len 4\n"
	    "\t\t\t[74] ATM Addr T/L 0x14 (nsap, 20)\n"
	    "\t\t\t[75] ATM SubAddr T/L 0x00\n"
	    "\t\t\t[76] Source Protocol Address 10.1.1.1\n"
	    "\t\t\t[80] Source ATM Address " CM1 "\n"
	    "\t\t\t[100] Source ATM SubAddress -\n"
	    "\t\t\t[100] Minimum Multicast Group Address 224.1.2.3\n"
	    "\t\t\t[104] Maximum Multicast Group Address 224.1.2.3\n"));
	/* The tree ends with the last field of the record. */
	assert_int_equal(strlen(s) - (size_t)(strstr(s, "[104] Max") - s),
	    strlen("[104] Maximum Multicast Group Address 224.1.2.3\n"));
	s = run(MARS_PRINT_VERBOSE, false, &pdu);
	assert_non_null(strstr(s, "\n\tCSA Record.1 Hop Count 3 Record Length"
	    " 72 Cache Key Len 4 Orig ID Len 4 N 0 CSA Sequence Number"
	    " 0x80000001 Cache Key 00000007 Originator ID 0a0101fa\n"
	    "\tMARS Part Hardware Type 0x000f"));
	assert_string_equal(json(&pdu, false),
	    JH "\"kind\":\"SCSP\","
	    "\"scsp_type\":\"CSU_REQUEST\",\"type_code\":2," JOK "\"version\":1,"
	    "\"packet_size\":100,\"checksum\":15961,\"extoff\":0,"
	    "\"protocol_id\":3,\"protocol\":\"MARS\",\"sgid\":1,\"flags\":0,"
	    "\"sender_id\":\"0a0101fa\",\"receiver_id\":\"0a0101fb\","
	    "\"num_records\":1,\"records\":[{\"hop_count\":3,"
	    "\"record_length\":72,\"cache_key\":\"00000007\","
	    "\"originator_id\":\"0a0101fa\",\"seq\":-2147483647,"
	    "\"null\":false,\"mars_error\":null,"
	    "\"mars\":{\"state\":\"CLIENT_JOIN\","
	    "\"state_code\":3,\"hw_type\":15,\"pro_type\":2048,\"version\":0,"
	    "\"flags\":32768,\"layer3grp\":true,\"register\":false,"
	    "\"sequence\":0,\"cmi\":1,\"spa\":\"10.1.1.1\",\"atm\":\"" CM1
	    "\",\"subaddr\":null,\"min\":\"224.1.2.3\","
	    "\"max\":\"224.1.2.3\"}}],\"extensions\":null}\n");
}

/* Truncated and checksum-failing copies of the examples. */
static void
test_examples_malformed(void **state)
{
	uint8_t bad[sizeof(ex1_join)];
	struct mars_pdu pdu;
	const char *s;

	assert_int_not_equal(mars_pdu_decode(&pdu, ex1_join, 48, 0), 0);
	/* Malformed, but the operation was read: it is named. */
	assert_string_equal(run(MARS_PRINT_LINE, true, &pdu), T0 VC " MARS_JOIN"
	    " MALFORMED truncated at offset 40 (mar$sha): need 20, have 8\n");
	assert_string_equal(json(&pdu, false),
	    JH "\"kind\":\"MARS\",\"op\":\"MARS_JOIN\",\"op_code\":4,"
	    "\"malformed\":{\"reason\":\"truncated\",\"offset\":40,"
	    "\"field\":\"mar$sha\",\"detail\":\"truncated mar$sha at offset"
	    " 40: need 20, have 8\"},\"nonconforming\":[]}\n");

	memcpy(bad, ex1_join, sizeof(bad));
	bad[21] ^= 0x01;
	assert_int_equal(mars_pdu_decode(&pdu, bad, sizeof(bad), 0),
	    MARS_E_CHKSUM);
	/* Nonconforming: the whole message, then the rule it breaks. */
	assert_string_equal(line(&pdu), T0 " MARS_JOIN register cmi 0 msn 0"
	    " sha " CM1 " NONCONFORMING checksum (RFC 2022 \u00a74.3.3)\n");
	/* The view is complete: -v still shows the fields, and why. */
	s = run(MARS_PRINT_VERBOSE, false, &pdu);
	assert_non_null(strstr(s, "mar$chksum 0x1f23"));
	assert_non_null(strstr(s, "\tnonconforming checksum (RFC 2022"
	    " \u00a74.3.3): mar$chksum does not verify, received 0x1f23,"
	    " computed 0x1f22\n"));
	s = json(&pdu, false);
	assert_non_null(strstr(s, "\"kind\":\"MARS\",\"op\":\"MARS_JOIN\","
	    "\"op_code\":4,\"malformed\":null,\"nonconforming\":["
	    "{\"reason\":\"checksum\",\"ref\":\"RFC 2022 \u00a74.3.3\","
	    "\"text\":\"mar$chksum does not verify\"}],\"afn\":15,"));

	/* Not checked when asked: the same bytes print normally. */
	assert_int_equal(mars_pdu_decode(&pdu, bad, sizeof(bad),
	    MARS_PDU_DEC_NOCHKSUM), 0);
	assert_string_equal(line(&pdu),
	    T0 " MARS_JOIN register cmi 0 msn 0 sha " CM1 "\n");

	assert_int_not_equal(mars_pdu_decode(&pdu, ex4_hello, 40, 0), 0);
	s = line(&pdu);
	assert_true(strncmp(s, T0 " SCSP HELLO MALFORMED ",
	    strlen(T0) + 22) == 0);
	json(&pdu, false);

	/* Not even LLC/SNAP. */
	mars_pdu_decode(&pdu, (const uint8_t *)"\x01\x02\x03\x04", 4, 0);
	assert_string_equal(line(&pdu), T0 " MALFORMED no-llc at offset 0"
	    " (LLC): no LLC/SNAP header\n");
	assert_non_null(strstr(json(&pdu, false), "\"kind\":null,"
	    "\"malformed\":{\"reason\":\"no-llc\",\"offset\":0,"
	    "\"field\":\"LLC\""));
}

/*
 * An SCSP packet whose Checksum does not verify is nonconforming as a
 * MARS message is (RFC 2334 B.1): printed whole, the reason after it.
 */
static void
test_scsp_checksum_nonconforming(void **state)
{
	uint8_t bad[sizeof(ex4_hello)];
	struct mars_pdu pdu;
	const char *s;

	memcpy(bad, ex4_hello, sizeof(bad));
	bad[8 + 5] ^= 0x01;			/* the Checksum's low octet */
	assert_int_equal(mars_pdu_decode(&pdu, bad, sizeof(bad), 0),
	    MARS_E_CHKSUM);
	assert_false(mars_pdu_malformed(&pdu));
	assert_int_equal(mars_pdu_nonconf(&pdu), MARS_NC_CHECKSUM);
	assert_string_equal(line(&pdu), T0 " SCSP HELLO MARS sgid 1 sender"
	    " 0a0101fa receivers 0a0101fb interval 3 dead 3 NONCONFORMING"
	    " checksum (RFC 2334 B.1)\n");
	s = run(MARS_PRINT_VERBOSE, false, &pdu);
	assert_non_null(strstr(s, "\tnonconforming checksum (RFC 2334 B.1):"
	    " Checksum does not verify, received 0xe2d0, computed 0xe2d1\n"));
	s = json(&pdu, false);
	assert_non_null(strstr(s, "\"scsp_type\":\"HELLO\",\"type_code\":5,"
	    "\"malformed\":null,\"nonconforming\":[{\"reason\":\"checksum\","
	    "\"ref\":\"RFC 2334 B.1\",\"text\":\"Checksum does not verify\"}],"
	    "\"version\":1,"));
}

/*
 * The periodic REDIRECT_MAP of the Windows 2000 server (PROTOCOL.md C8):
 * mar$shtl 0 with the 20 source octets in place, mar$seqxy 0.  Every
 * field is shown, mar$shtl as it came, the source as read in place.
 */
static void
test_null_source_map(void **state)
{
	uint8_t b[sizeof(ex3_redirect)];
	struct mars_pdu pdu;
	const char *s;

	memcpy(b, ex3_redirect, sizeof(b));
	b[8 + 18] = 0;				/* mar$shtl */
	b[8 + 26] = b[8 + 27] = 0;		/* mar$seqxy */
	b[8 + 12] = b[8 + 13] = 0;		/* no checksum */
	assert_int_equal(mars_pdu_decode(&pdu, b, sizeof(b), 0),
	    MARS_E_NONCONF);
	assert_true(pdu.u.mars.sha_inferred);
	assert_string_equal(line(&pdu), T0 " MARS_REDIRECT_MAP soft msn 44"
	    " part 0 from " M1 ": " M1 " " M2 " " M3 " NONCONFORMING"
	    " null-source (RFC 2022 \u00a74.3), seqxy (RFC 2022 \u00a75.1.2)\n");
	s = run(MARS_PRINT_TREE, false, &pdu);
	assert_non_null(strstr(s, "\t[26] mar$shtl 0x00 (null; mar$sha read"
	    " from the 20 octets in place)\n"));
	assert_non_null(strstr(s, "\t[40] mar$sha " M1 "\n"));
	assert_non_null(strstr(s, "\tnonconforming null-source (RFC 2022"
	    " \u00a74.3): null source ATM number (mar$shtl 0)\n"
	    "\tnonconforming seqxy (RFC 2022 \u00a75.1.2): "));
	s = json(&pdu, false);
	assert_non_null(strstr(s, "\"op\":\"MARS_REDIRECT_MAP\","
	    "\"op_code\":12,\"malformed\":null,\"nonconforming\":["
	    "{\"reason\":\"null-source\","));
	assert_non_null(strstr(s, "\"shtl\":0,\"sstl\":0,\"sha\":\"" M1
	    "\",\"sha_inferred\":true,"));
}

/* ------------------------------------------------ SCSP built with the encoder */

static void
encode_decode(struct mars_pdu *pdu, const struct mars_scsp_msg *m, uint8_t *buf,
    size_t cap)
{
	size_t len;

	assert_int_equal(mars_scsp_encode(m, buf, cap, &len, MARS_SCSP_ENC_LLC, NULL), 0);
	decode(pdu, buf, len);
	assert_int_equal(pdu->kind, MARS_PDU_SCSP);
}

static void
test_scsp_ca_and_csu_reply(void **state)
{
	static const uint8_t lsid[4] = { 10, 1, 1, 250 }, dcs[4] = { 10, 1, 1, 251 };
	static const uint8_t key[4] = { 0, 0, 0, 7 }, key2[4] = { 0, 0, 0, 8 };
	struct mars_scsp_csas recs[2];
	struct mars_scsp_msg m;
	struct mars_pdu pdu;
	uint8_t buf[512];
	const char *s;

	memset(recs, 0, sizeof(recs));
	recs[0].hops = 1;
	recs[0].key.p = key;
	recs[0].key.len = 4;
	recs[0].oid.p = lsid;
	recs[0].oid.len = 4;
	recs[0].seq = 0x80000001u;
	recs[1] = recs[0];
	recs[1].key.p = key2;
	recs[1].seq = 0x00000005u;
	recs[1].null = true;

	memset(&m, 0, sizeof(m));
	m.type = MARS_SCSP_CA;
	m.ca_seq = 12345;
	m.protocol_id = MARS_SCSP_PROTO_MARS;
	m.sgid = 1;
	m.flags = MARS_SCSP_CA_M | MARS_SCSP_CA_I | MARS_SCSP_CA_O;
	m.sender.p = lsid;
	m.sender.len = 4;
	m.receiver.p = dcs;
	m.receiver.len = 4;
	m.nrec = 2;
	m.csas = recs;
	encode_decode(&pdu, &m, buf, sizeof(buf));
	assert_string_equal(line(&pdu), T0 " SCSP CA MARS sgid 1 sender"
	    " 0a0101fa receiver 0a0101fb seq 12345 M I O csas 2\n");
	s = json(&pdu, false);
	assert_non_null(strstr(s, "\"scsp_type\":\"CA\",\"type_code\":1,"));
	assert_non_null(strstr(s, "\"flags\":57344,\"m\":true,\"i\":true,"
	    "\"o\":true,\"ca_seq\":12345,"));
	assert_non_null(strstr(s, "\"records\":[{\"hop_count\":1,"
	    "\"record_length\":20,\"cache_key\":\"00000007\","
	    "\"originator_id\":\"0a0101fa\",\"seq\":-2147483647,"
	    "\"null\":false,\"mars_error\":null,\"mars\":null},"
	    "{\"hop_count\":1,\"record_length\":20,"
	    "\"cache_key\":\"00000008\",\"originator_id\":\"0a0101fa\","
	    "\"seq\":5,\"null\":true,\"mars_error\":null,\"mars\":null}],"
	    "\"extensions\":null}\n"));
	s = run(MARS_PRINT_TREE, false, &pdu);
	assert_non_null(strstr(s, "\t[16] CA Sequence Number 12345\n"
	    "\t[20] Protocol ID 3 (MARS)\n"));
	assert_non_null(strstr(s, "\t[26] Flags 0xe000\n\t\t[26] M 1\n"
	    "\t\t[26] I 1\n\t\t[26] O 1\n"));
	assert_non_null(strstr(s, "\t[40] CSAS Record.1\n\t\t[40] Hop Count 1"
	    "\n"));
	assert_non_null(strstr(s, "\t[60] CSAS Record.2\n"));
	assert_non_null(strstr(s, "\t\t[66] N 1\n"));

	m.type = MARS_SCSP_CSU_REPLY;
	m.flags = 0;
	m.nrec = 1;
	encode_decode(&pdu, &m, buf, sizeof(buf));
	assert_string_equal(line(&pdu), T0 " SCSP CSU_REPLY MARS sgid 1 sender"
	    " 0a0101fa receiver 0a0101fb csas 1: key 00000007 orig 0a0101fa"
	    " seq 0x80000001\n");
	json(&pdu, false);

	m.type = MARS_SCSP_CSUS;
	m.nrec = 2;
	encode_decode(&pdu, &m, buf, sizeof(buf));
	assert_string_equal(line(&pdu), T0 " SCSP CSUS MARS sgid 1 sender"
	    " 0a0101fa receiver 0a0101fb csas 2: key 00000007 orig 0a0101fa"
	    " seq 0x80000001; key 00000008 orig 0a0101fa seq 0x00000005"
	    " null\n");
	json(&pdu, false);
}

/* Hello with additional receivers, a Family ID and an extension. */
static void
test_scsp_hello_receivers(void **state)
{
	static const uint8_t lsid[4] = { 10, 1, 1, 250 }, dcs[4] = { 10, 1, 1, 251 };
	static const uint8_t more[2][4] = { { 10, 1, 1, 252 }, { 10, 1, 1, 253 } };
	static const uint8_t vendor[5] = { 0x00, 0x00, 0x5e, 0xab, 0xcd };
	struct mars_scsp_id ids[2];
	struct mars_scsp_msg m;
	struct mars_pdu pdu;
	uint8_t buf[512];
	const char *s;

	ids[0].p = more[0];
	ids[0].len = 4;
	ids[1].p = more[1];
	ids[1].len = 4;
	memset(&m, 0, sizeof(m));
	m.type = MARS_SCSP_HELLO;
	m.hello_interval = 3;
	m.dead_factor = 4;
	m.family_id = 9;
	m.protocol_id = MARS_SCSP_PROTO_MARS;
	m.sgid = 2;
	m.sender.p = lsid;
	m.sender.len = 4;
	m.receiver.p = dcs;
	m.receiver.len = 4;
	m.nrec = 2;
	m.ids = ids;
	m.next = 1;
	m.ext[0].type = MARS_SCSP_EXT_VENDOR;
	m.ext[0].len = sizeof(vendor);
	m.ext[0].value = vendor;
	encode_decode(&pdu, &m, buf, sizeof(buf));
	assert_string_equal(line(&pdu), T0 " SCSP HELLO MARS sgid 2 sender"
	    " 0a0101fa receivers 0a0101fb 0a0101fc 0a0101fd interval 3 dead 4"
	    " family 9 ext 2\n");
	s = json(&pdu, false);
	assert_non_null(strstr(s, "\"family_id\":9,\"receiver_ids\":"
	    "[\"0a0101fb\",\"0a0101fc\",\"0a0101fd\"],\"extensions\":"
	    "[{\"type\":2,\"length\":5,\"value\":\"00005eabcd\"}]}\n"));
	s = run(MARS_PRINT_TREE, false, &pdu);
	assert_non_null(strstr(s, "\t[44] Receiver ID Record.1\n"
	    "\t\t[44] Rec ID Len 4\n\t\t[45] Receiver ID 0a0101fc\n"
	    "\t[49] Receiver ID Record.2\n"));
	assert_non_null(strstr(s, "\t[54] Extension.1\n\t\t[54] Type 2\n"
	    "\t\t[56] Length 5\n\t\t[58] Value 00005eabcd\n"));
}

/* ------------------------------------------------ time, VC, hex */

static void
test_time_cache_and_abs(void **state)
{
	struct mars_print_opts po = { .mode = MARS_PRINT_LINE };
	struct mars_frame fr;
	struct mars_pdu pdu;
	struct mars_out ob;

	decode(&pdu, ex1_join, sizeof(ex1_join));
	frame_init(&fr, false);
	mars_out_init(&ob, -1, storage, sizeof(storage));
	mars_print_frame(&ob, &po, &fr, &pdu);
	fr.ts_usec = 7;
	mars_print_frame(&ob, &po, &fr, &pdu);	/* same second: cached */
	fr.ts_sec += 3661;
	fr.ts_usec = 999999;
	mars_print_frame(&ob, &po, &fr, &pdu);	/* next: recomputed */
	fr.ts_sec = 0;
	fr.ts_usec = 0;
	po.abs_time = true;
	mars_print_frame(&ob, &po, &fr, &pdu);
	fr.ts_sec = 1700000000;
	fr.ts_usec = 5;
	mars_print_frame(&ob, &po, &fr, &pdu);
	storage[ob.len] = '\0';
	assert_string_equal(storage,
	    "22:13:20.123456 MARS_JOIN register cmi 0 msn 0 sha " CM1 "\n"
	    "22:13:20.000007 MARS_JOIN register cmi 0 msn 0 sha " CM1 "\n"
	    "23:14:21.999999 MARS_JOIN register cmi 0 msn 0 sha " CM1 "\n"
	    "0.000000 MARS_JOIN register cmi 0 msn 0 sha " CM1 "\n"
	    "1700000000.000005 MARS_JOIN register cmi 0 msn 0 sha " CM1 "\n");
}

static void
test_vc_bracket(void **state)
{
	struct mars_print_opts po = { .mode = MARS_PRINT_LINE };
	struct mars_frame fr;
	struct mars_pdu pdu;
	struct mars_out ob;

	decode(&pdu, ex1_join, sizeof(ex1_join));
	frame_init(&fr, true);
	fr.vpi = 1;
	fr.vci = 100;
	fr.dir = MARS_DIR_TX;
	fr.vc_kind = MARS_VC_UNKNOWN;
	mars_out_init(&ob, -1, storage, sizeof(storage));
	mars_print_frame(&ob, &po, &fr, &pdu);
	fr.dir = MARS_DIR_UNKNOWN;
	fr.vc_kind = MARS_VC_SERVER;
	mars_print_frame(&ob, &po, &fr, &pdu);
	po.numeric = true;
	mars_print_frame(&ob, &po, &fr, &pdu);
	po.numeric = false;
	fr.vc_kind = 77;
	mars_print_frame(&ob, &po, &fr, &pdu);
	storage[ob.len] = '\0';
	assert_string_equal(storage,
	    T0 " [1/100 tx] MARS_JOIN register cmi 0 msn 0 sha " CM1 "\n"
	    T0 " [1/100 server] MARS_JOIN register cmi 0 msn 0 sha " CM1 "\n"
	    T0 " [1/100 kind 4] MARS_JOIN register cmi 0 msn 0 sha " CM1 "\n"
	    T0 " [1/100 kind 77] MARS_JOIN register cmi 0 msn 0 sha " CM1
	    "\n");
	po.mode = MARS_PRINT_JSON;
	mars_out_init(&ob, -1, storage, sizeof(storage));
	mars_print_frame(&ob, &po, &fr, &pdu);
	storage[ob.len] = '\0';
	assert_json_line(storage);
	assert_non_null(strstr(storage, "\"vpi\":1,\"vci\":100,\"dir\":"));
	assert_non_null(strstr(storage, ",\"vc_kind\":77,\"kind\":\"MARS\""));
}

static void
test_hex_dump(void **state)
{
	struct mars_print_opts po = { .mode = MARS_PRINT_LINE, .hex = true };
	struct mars_frame fr;
	struct mars_pdu pdu;
	struct mars_out ob;

	decode(&pdu, ex1_join, sizeof(ex1_join));
	frame_init(&fr, false);
	mars_out_init(&ob, -1, storage, sizeof(storage));
	mars_print_frame(&ob, &po, &fr, &pdu);
	storage[ob.len] = '\0';
	assert_string_equal(storage,
	    T0 " MARS_JOIN register cmi 0 msn 0 sha " CM1 "\n"
	    "\t0x0000:  aaaa 0300 005e 0003 000f 0800 0000 0000\n"
	    "\t0x0010:  0000 0000 1f22 0000 0004 1400 0000 0000\n"
	    "\t0x0020:  2000 0000 0000 0000 4700 9181 0000 0000\n"
	    "\t0x0030:  0000 0000 0100 2048 aa00 0100\n");

	/* Odd length; JSON mode never adds the dump. */
	mars_out_init(&ob, -1, storage, sizeof(storage));
	mars_print_hex(&ob, ex4_hello, 19);
	storage[ob.len] = '\0';
	assert_string_equal(storage,
	    "\t0x0000:  aaaa 0300 005e 0005 0105 0024 e2d1 0000\n"
	    "\t0x0010:  0003 00\n");
	po.mode = MARS_PRINT_JSON;
	mars_out_init(&ob, -1, storage, sizeof(storage));
	mars_print_frame(&ob, &po, &fr, &pdu);
	storage[ob.len] = '\0';
	assert_null(strstr(storage, "0x0000"));
	assert_json_line(storage);
}

/* Output through a tiny buffer and a pipe equals output into memory. */
static void
test_print_through_tiny_buffer(void **state)
{
	struct mars_print_opts po = { .mode = MARS_PRINT_TREE, .hex = true };
	struct mars_frame fr;
	struct mars_pdu pdu;
	struct mars_out ob;
	char tiny[5], *want, *got;
	FILE *tmp;
	size_t wantlen, n;

	decode(&pdu, ex5_csu, sizeof(ex5_csu));
	frame_init(&fr, true);
	mars_out_init(&ob, -1, storage, sizeof(storage));
	mars_print_frame(&ob, &po, &fr, &pdu);
	wantlen = ob.len;
	want = malloc(wantlen);
	got = malloc(wantlen + 1);
	assert_non_null(want);
	assert_non_null(got);
	memcpy(want, storage, wantlen);

	tmp = tmpfile();
	assert_non_null(tmp);
	mars_out_init(&ob, fileno(tmp), tiny, sizeof(tiny));
	mars_print_frame(&ob, &po, &fr, &pdu);
	assert_int_equal(mars_out_flush(&ob), 0);
	assert_false(ob.err);
	rewind(tmp);
	n = fread(got, 1, wantlen + 1, tmp);
	assert_int_equal(n, wantlen);
	assert_memory_equal(got, want, wantlen);
	fclose(tmp);
	free(want);
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_checker),
		cmocka_unit_test(test_join_register),
		cmocka_unit_test(test_join_group),
		cmocka_unit_test(test_leave_ranges),
		cmocka_unit_test(test_request_nak),
		cmocka_unit_test(test_request_ipv6_e164),
		cmocka_unit_test(test_multi_with_subaddresses_and_tlv),
		cmocka_unit_test(test_redirect_map_hard),
		cmocka_unit_test(test_grouplist_reply),
		cmocka_unit_test(test_migrate),
		cmocka_unit_test(test_nhrp_and_llc),
		cmocka_unit_test(test_malformed_handbuilt),
		cmocka_unit_test(test_example1_join),
		cmocka_unit_test(test_example2_request_multi),
		cmocka_unit_test(test_example3_redirect_map),
		cmocka_unit_test(test_example4_hello),
		cmocka_unit_test(test_example5_csu_request),
		cmocka_unit_test(test_examples_malformed),
		cmocka_unit_test(test_scsp_ca_and_csu_reply),
		cmocka_unit_test(test_scsp_hello_receivers),
		cmocka_unit_test(test_time_cache_and_abs),
		cmocka_unit_test(test_vc_bracket),
		cmocka_unit_test(test_scsp_checksum_nonconforming),
		cmocka_unit_test(test_null_source_map),
		cmocka_unit_test(test_hex_dump),
		cmocka_unit_test(test_print_through_tiny_buffer),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
