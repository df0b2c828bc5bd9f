/*
 * The MARS-specific part of an SCSP CSA record (RFC 2443 §3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mars/scsp.h"

/* Example 5's MARS part: State 3, 10.1.1.1, CM1, group 224.1.2.3. */
static const uint8_t join[52] = {
	0x00, 0x0F, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x03, 0x80, 0x00, 0x00, 0x01,
	0x04, 0x04, 0x14, 0x00, 0x0A, 0x01, 0x01, 0x01,
	0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x20, 0x48,
	0xAA, 0x00, 0x01, 0x00, 0xE0, 0x01, 0x02, 0x03,
	0xE0, 0x01, 0x02, 0x03,
};

static int
decode_copy(struct mars_scsp_mars_part *mp, const uint8_t *p, size_t n,
    struct mars_err *err)
{
	uint8_t *q = malloc(n > 0 ? n : 1);
	int rc;

	assert_non_null(q);
	memcpy(q, p, n);
	rc = mars_scsp_mars_decode(mp, q, n, 100, err);
	free(q);
	return rc;
}

static void
test_order(void **state)
{
	struct mars_scsp_mars_part mp;
	struct mars_err err;

	(void)state;
	assert_int_equal(mars_scsp_mars_decode(&mp, join, sizeof(join), 0, &err),
	    0);
	/* Protocol address first, then the ATM number (RFC 2443 order). */
	assert_ptr_equal(mp.spa.addr, join + 20);
	assert_ptr_equal(mp.atm.addr, join + 24);
	assert_null(mp.sub.addr);
	assert_ptr_equal(mp.min, join + 44);
	assert_ptr_equal(mp.max, join + 48);
	assert_string_equal(mars_scsp_mars_state_name(mp.state), "CLIENT_JOIN");
}

/* Every state round-trips, with and without the optional fields. */
static void
test_roundtrip_states(void **state)
{
	static const uint8_t spa[16] = { 0xfe, 0x80, 1, 2, 3 };
	static const uint8_t atm[20] = { 0x47, 0, 0x91, 0x81 };
	static const uint8_t e164[8] = { '1', '2', '3', '4', '5', '6', '7' };
	static const uint8_t lo[16] = { 0xff, 0x02 }, hi[16] = { 0xff, 0x0e };
	struct mars_scsp_mars_part mp, d;
	struct mars_err err;
	uint8_t out[128], again[128];
	size_t n, m;
	uint8_t st;

	(void)state;
	for (st = MARS_SCSP_MARS_REDIRECT; st <= MARS_SCSP_MARS_MCS_UNSERVE; st++) {
		memset(&mp, 0, sizeof(mp));
		mp.hw_type = MARS_AFN_ATM;
		mp.pro_type = MARS_PRO_IPV6;
		mp.state = st;
		mp.flags = st == MARS_SCSP_MARS_REDIRECT ? 0 : MARS_FLAG_REGISTER;
		mp.cmi = (uint16_t)(st * 0x101);
		mp.atm.addr = st == MARS_SCSP_MARS_MCS_SERVE ? e164 : atm;
		mp.atm.tl = st == MARS_SCSP_MARS_MCS_SERVE ? MARS_ATM_TL_E164 | 8 : 20;
		if (st >= MARS_SCSP_MARS_CLIENT_JOIN) {
			mp.spa.addr = spa;
			mp.spa.len = 16;
			mp.sub.addr = atm;
			mp.sub.tl = 20;
			mp.grp_len = 16;
			mp.min = lo;
			mp.max = hi;
		}
		assert_int_equal(mars_scsp_mars_encode(&mp, out, sizeof(out), &n,
		    &err), 0);
		assert_int_equal(n, 20 + mp.spa.len + (mp.atm.tl & 0x3f) +
		    (mp.sub.tl & 0x3f) + 2 * mp.grp_len);
		assert_int_equal(decode_copy(&d, out, n, &err), 0);
		assert_int_equal(mars_scsp_mars_decode(&d, out, n, 0, &err), 0);
		assert_int_equal(d.state, st);
		assert_int_equal(d.flags, mp.flags);
		assert_int_equal(d.cmi, mp.cmi);
		assert_int_equal(d.pro_type, MARS_PRO_IPV6);
		assert_int_equal(d.atm.tl, mp.atm.tl);
		assert_memory_equal(d.atm.addr, mp.atm.addr, mp.atm.tl & 0x3f);
		assert_int_equal(d.spa.len, mp.spa.len);
		assert_int_equal(d.grp_len, mp.grp_len);
		if (mp.grp_len > 0) {
			assert_memory_equal(d.min, lo, 16);
			assert_memory_equal(d.max, hi, 16);
		} else {
			assert_null(d.min);
			assert_null(d.spa.addr);
		}
		assert_int_equal(mars_scsp_mars_encode(&d, again, sizeof(again), &m,
		    &err), 0);
		assert_int_equal(m, n);
		assert_memory_equal(again, out, n);
	}
}

static void
test_truncation(void **state)
{
	struct mars_scsp_mars_part mp;
	struct mars_err err;
	size_t cut;

	(void)state;
	for (cut = 0; cut < sizeof(join); cut++) {
		assert_int_equal(decode_copy(&mp, join, cut, &err),
		    MARS_E_TRUNC);
		assert_int_equal(err.code, MARS_E_TRUNC);
		assert_true(err.offset >= 100 && err.offset <= 100 + cut);
	}
	assert_int_equal(decode_copy(&mp, join, 51, &err), MARS_E_TRUNC);
	assert_string_equal(err.field, "Maximum Multicast Group Address");
	assert_int_equal(err.offset, 148);
	assert_int_equal(err.need, 4);
	assert_int_equal(err.have, 3);
}

static void
test_trailing(void **state)
{
	struct mars_scsp_mars_part mp;
	struct mars_err err;
	uint8_t buf[60];

	(void)state;
	memcpy(buf, join, sizeof(join));
	memset(buf + sizeof(join), 0x5a, sizeof(buf) - sizeof(join));
	assert_int_equal(decode_copy(&mp, buf, sizeof(buf), &err), 0);
	assert_memory_equal(mp.max, join + 48, 4);
}

static void
expect_field(size_t at, uint8_t val, const char *field)
{
	struct mars_scsp_mars_part mp;
	struct mars_err err;
	uint8_t buf[sizeof(join)];

	memcpy(buf, join, sizeof(buf));
	buf[at] = val;
	assert_int_equal(decode_copy(&mp, buf, sizeof(buf), &err),
	    MARS_E_FIELD);
	assert_string_equal(err.field, field);
	assert_int_equal(err.offset, 100 + at);
}

static void
test_bad_fields(void **state)
{
	(void)state;
	expect_field(11, 0, "State");
	expect_field(11, 6, "State");
	expect_field(11, 0xff, "State");
	expect_field(10, 1, "Version");
	expect_field(10, 0xff, "Version");
	expect_field(18, 0x80 | 20, "ATM Addr T/L");
	expect_field(19, 0x80, "ATM SubAddr T/L");
}

static void
test_encode_errors(void **state)
{
	struct mars_scsp_mars_part mp, ok;
	struct mars_err err;
	uint8_t out[64];
	size_t n, cap;

	(void)state;
	assert_int_equal(mars_scsp_mars_decode(&ok, join, sizeof(join), 0, &err),
	    0);
	mp = ok;
	mp.state = 0;
	assert_int_equal(mars_scsp_mars_encode(&mp, out, sizeof(out), &n, &err),
	    MARS_E_INVAL);
	assert_string_equal(err.field, "state");
	mp = ok;
	mp.version = 1;
	assert_int_equal(mars_scsp_mars_encode(&mp, out, sizeof(out), &n, &err),
	    MARS_E_INVAL);
	mp = ok;
	mp.atm.tl |= 0x80;
	assert_int_equal(mars_scsp_mars_encode(&mp, out, sizeof(out), &n, &err),
	    MARS_E_INVAL);
	assert_string_equal(err.field, "atm.tl");
	mp = ok;
	mp.max = NULL;
	assert_int_equal(mars_scsp_mars_encode(&mp, out, sizeof(out), &n, &err),
	    MARS_E_INVAL);
	assert_string_equal(err.field, "max");
	mp = ok;
	mp.spa.addr = NULL;
	assert_int_equal(mars_scsp_mars_encode(&mp, out, sizeof(out), &n, &err),
	    MARS_E_INVAL);
	for (cap = 0; cap < sizeof(join); cap++)
		assert_int_equal(mars_scsp_mars_encode(&ok, out, cap, &n, &err),
		    MARS_E_NOSPACE);
	assert_int_equal(mars_scsp_mars_encode(&ok, out, sizeof(join), &n, &err),
	    0);
	assert_memory_equal(out, join, sizeof(join));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_roundtrip_states),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_encode_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
