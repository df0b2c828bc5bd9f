/*
 * SDU dispatch (lib/pdu.c): LLC/SNAP, MARS vs NHRP on PID 0x0003 by
 * op.version (RFC 2022 §4.3.5, PROTOCOL.md §1.3), SCSP on PID 0x0005,
 * anything else.  Offsets count from the first LLC octet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mars/pdu.h"

#include "examples.h"

/*
 * An NHRP Resolution Request (RFC 2332 §5.1 fixed header, op.version 1),
 * ar$afn 0x000F, hop count 16, packet size 40: only the fixed header
 * matters here, the rest is filler.
 */
static const uint8_t nhrp_req[] = {
	0xaa, 0xaa, 0x03, 0x00, 0x00, 0x5e, 0x00, 0x03,
	0x00, 0x0f, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x10, 0x00, 0x28, 0x12, 0x34, 0x00, 0x00,
	0x01, 0x01, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* ATMARP request header start (RFC 2225 §8.8): SNAP 00-00-00 / 08-06. */
static const uint8_t atmarp[] = {
	0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x06,
	0x00, 0x13, 0x08, 0x00, 0x14, 0x00, 0x00, 0x01,
};

static void
test_mars_example(void **state)
{
	struct mars_pdu pdu;

	(void)state;
	assert_int_equal(mars_pdu_decode(&pdu, ex1_join, sizeof(ex1_join), 0),
	    0);
	assert_int_equal(pdu.kind, MARS_PDU_MARS);
	assert_int_equal(pdu.oui, MARS_LLC_OUI_IANA);
	assert_int_equal(pdu.pid, MARS_LLC_PID_MARS_CTL);
	assert_int_equal(pdu.verdict, 0);
	assert_ptr_equal(pdu.sdu, ex1_join);
	assert_int_equal(pdu.len, sizeof(ex1_join));
	assert_int_equal(pdu.u.mars.op, MARS_JOIN);
	assert_int_equal(pdu.u.mars.flags, MARS_FLAG_REGISTER);
	assert_ptr_equal(pdu.u.mars.sha.addr, ex1_join + 40);
	assert_int_equal(pdu.u.mars.len, 52);

	assert_int_equal(mars_pdu_decode(&pdu, ex3_redirect,
	    sizeof(ex3_redirect), 0), 0);
	assert_int_equal(pdu.kind, MARS_PDU_MARS);
	assert_int_equal(pdu.u.mars.op, MARS_REDIRECT_MAP);
	assert_int_equal(pdu.u.mars.tnum, 3);
}

static void
test_mars_errors_from_llc(void **state)
{
	struct mars_pdu pdu;
	uint8_t buf[128];

	(void)state;
	/* Offsets count from the first LLC octet. */
	assert_int_equal(mars_pdu_decode(&pdu, ex2_multi, 70, 0),
	    MARS_E_TRUNC);
	assert_int_equal(pdu.kind, MARS_PDU_MARS);
	assert_int_equal(pdu.verdict, MARS_E_TRUNC);
	assert_int_equal(pdu.err.offset, 68);
	assert_string_equal(pdu.err.field, "mar$tha");
	assert_int_equal(pdu.err.need, 40);
	assert_int_equal(pdu.err.have, 2);

	memcpy(buf, ex1_join, sizeof(ex1_join));
	buf[21] ^= 0x01;
	assert_int_equal(mars_pdu_decode(&pdu, buf, sizeof(ex1_join), 0),
	    MARS_E_CHKSUM);
	assert_int_equal(pdu.err.offset, 20);
	assert_string_equal(pdu.err.field, "mar$chksum");
	assert_int_equal(pdu.u.mars.op, MARS_JOIN);
	assert_int_equal(mars_pdu_decode(&pdu, buf, sizeof(ex1_join),
	    MARS_PDU_DEC_NOCHKSUM), 0);

	/* op.version other than 0 and 1: MARS, and a bad field. */
	memcpy(buf, ex1_join, sizeof(ex1_join));
	buf[24] = 0x02;
	assert_int_equal(mars_pdu_decode(&pdu, buf, sizeof(ex1_join), 0),
	    MARS_E_FIELD);
	assert_int_equal(pdu.kind, MARS_PDU_MARS);
	assert_int_equal(pdu.err.offset, 24);
	assert_string_equal(pdu.err.field, "mar$op.version");
}

static void
test_nhrp(void **state)
{
	struct mars_pdu pdu;
	size_t l;

	(void)state;
	assert_int_equal(mars_pdu_decode(&pdu, nhrp_req, sizeof(nhrp_req), 0),
	    0);
	assert_int_equal(pdu.kind, MARS_PDU_NHRP);
	assert_int_equal(pdu.u.nhrp.afn, 0x000f);
	assert_int_equal(pdu.u.nhrp.pro_type, 0x0800);
	assert_int_equal(pdu.u.nhrp.hopcnt, 0x10);
	assert_int_equal(pdu.u.nhrp.pktsz, 40);
	assert_int_equal(pdu.u.nhrp.chksum, 0x1234);
	assert_int_equal(pdu.u.nhrp.extoff, 0);
	assert_int_equal(pdu.u.nhrp.op_version, 1);
	assert_int_equal(pdu.u.nhrp.op_type, 1);
	assert_int_equal(pdu.u.nhrp.shtl, 0x14);
	assert_int_equal(pdu.u.nhrp.sstl, 0);

	/* Cut inside the NHRP header, after op.version: NHRP, truncated. */
	assert_int_equal(mars_pdu_decode(&pdu, nhrp_req, 26, 0),
	    MARS_E_TRUNC);
	assert_int_equal(pdu.kind, MARS_PDU_NHRP);
	assert_int_equal(pdu.err.offset, 26);
	assert_string_equal(pdu.err.field, "ar$shtl");

	/* Never decoded as MARS, whatever follows the header. */
	for (l = 25; l <= sizeof(nhrp_req); l++) {
		mars_pdu_decode(&pdu, nhrp_req, l, 0);
		assert_int_equal(pdu.kind, MARS_PDU_NHRP);
	}
}

static void
test_mars_never_nhrp(void **state)
{
	static const struct {
		const uint8_t	*p;
		size_t		 len;
	} ex[] = {
		{ ex1_join, sizeof(ex1_join) },
		{ ex2_multi, sizeof(ex2_multi) },
		{ ex3_redirect, sizeof(ex3_redirect) },
	};
	struct mars_pdu pdu;
	size_t i, l;

	(void)state;
	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++)
		for (l = 8; l <= ex[i].len; l++) {
			uint8_t *cut = malloc(l);

			memcpy(cut, ex[i].p, l);
			mars_pdu_decode(&pdu, cut, l, 0);
			free(cut);
			assert_int_equal(pdu.kind, MARS_PDU_MARS);
			assert_int_equal(pdu.verdict == 0, l == ex[i].len);
			if (pdu.verdict != 0)
				assert_true(pdu.err.offset >= 8 &&
				    pdu.err.offset <= l);
		}
}

static void
test_scsp_routed(void **state)
{
	struct mars_pdu pdu;

	(void)state;
	assert_int_equal(mars_pdu_decode(&pdu, ex4_hello, sizeof(ex4_hello),
	    0), 0);
	assert_int_equal(pdu.kind, MARS_PDU_SCSP);
	assert_int_equal(pdu.pid, MARS_LLC_PID_SCSP);
	assert_int_equal(pdu.u.scsp.type, MARS_SCSP_HELLO);
	/* SCSP errors count from the LLC octet too. */
	assert_int_not_equal(mars_pdu_decode(&pdu, ex4_hello, 20, 0), 0);
	assert_int_equal(pdu.kind, MARS_PDU_SCSP);
	assert_true(pdu.err.offset >= 8);
}

static void
test_other_llc(void **state)
{
	struct mars_pdu pdu;
	uint8_t buf[64];

	(void)state;
	assert_int_equal(mars_pdu_decode(&pdu, atmarp, sizeof(atmarp), 0),
	    MARS_E_NOTOURS);
	assert_int_equal(pdu.kind, MARS_PDU_LLC_OTHER);
	assert_int_equal(pdu.oui, 0);
	assert_int_equal(pdu.pid, 0x0806);

	/* IANA OUI, Type #1 multicast data (PID 0x0001). */
	memcpy(buf, ex1_join, sizeof(ex1_join));
	buf[7] = 0x01;
	assert_int_equal(mars_pdu_decode(&pdu, buf, sizeof(ex1_join), 0),
	    MARS_E_NOTOURS);
	assert_int_equal(pdu.kind, MARS_PDU_LLC_OTHER);
	assert_int_equal(pdu.pid, MARS_LLC_PID_MARS_DATA1);

	/* PID 0x0003 under another OUI is not MARS. */
	memcpy(buf, ex1_join, sizeof(ex1_join));
	buf[5] = 0x00;
	assert_int_equal(mars_pdu_decode(&pdu, buf, sizeof(ex1_join), 0),
	    MARS_E_NOTOURS);
	assert_int_equal(pdu.kind, MARS_PDU_LLC_OTHER);
}

static void
test_no_llc(void **state)
{
	static const uint8_t ipv4[] = { 0x45, 0x00, 0x00, 0x14, 0, 0, 0, 0 };
	struct mars_pdu pdu;

	(void)state;
	assert_int_equal(mars_pdu_decode(&pdu, ipv4, sizeof(ipv4), 0),
	    MARS_E_NOTOURS);
	assert_int_equal(pdu.kind, MARS_PDU_NONE);
	assert_int_equal(pdu.verdict, MARS_E_NOTOURS);
	assert_int_equal(mars_pdu_decode(&pdu, ipv4, 0, 0), MARS_E_NOTOURS);
	assert_int_equal(pdu.kind, MARS_PDU_NONE);
	assert_int_equal(mars_pdu_decode(&pdu, ex1_join + 1, 2, 0),
	    MARS_E_NOTOURS);
	/* The message without its LLC header. */
	assert_int_equal(mars_pdu_decode(&pdu, ex1_join + 8,
	    sizeof(ex1_join) - 8, 0), MARS_E_NOTOURS);
	assert_int_equal(pdu.kind, MARS_PDU_NONE);

	/* LLC present but the SNAP header is cut short. */
	assert_int_equal(mars_pdu_decode(&pdu, ex1_join, 6, 0), MARS_E_TRUNC);
	assert_int_equal(pdu.kind, MARS_PDU_NONE);
	assert_int_equal(pdu.err.offset, 6);
	assert_string_equal(pdu.err.field, "SNAP PID");
	assert_int_equal(mars_pdu_decode(&pdu, ex1_join, 4, 0), MARS_E_TRUNC);
	assert_int_equal(pdu.err.offset, 3);
	assert_string_equal(pdu.err.field, "SNAP OUI");
}

static void
test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(mars_pdu_kind_name(MARS_PDU_MARS), "MARS");
	assert_string_equal(mars_pdu_kind_name(MARS_PDU_SCSP), "SCSP");
	assert_string_equal(mars_pdu_kind_name(MARS_PDU_NHRP), "NHRP");
	assert_string_equal(mars_pdu_kind_name(MARS_PDU_LLC_OTHER), "LLC");
	assert_string_equal(mars_pdu_kind_name(MARS_PDU_NONE), "none");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mars_example),
		cmocka_unit_test(test_mars_errors_from_llc),
		cmocka_unit_test(test_nhrp),
		cmocka_unit_test(test_mars_never_nhrp),
		cmocka_unit_test(test_scsp_routed),
		cmocka_unit_test(test_other_llc),
		cmocka_unit_test(test_no_llc),
		cmocka_unit_test(test_kind_names),
	};

	return cmocka_run_group_tests_name("pdu", tests, NULL, NULL);
}
