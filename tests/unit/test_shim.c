/* Lab UDP shim codec (shim.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "mars/shim.h"

static void
test_encode_bytes(void **state)
{
	static const uint8_t want[MARS_SHIM_LEN] = {
		0x4d, 0x4c, 0x41, 0x42, 0x01, 0x02, 0x00, 0x05,
		0x01, 0x2c, 0x00, 0x01,
	};
	struct mars_shim sh = {
		.kind = MARS_VC_CCVC, .vpi = 5, .vci = 300,
		.flags = MARS_SHIM_F_FROM_MARS,
	};
	uint8_t out[MARS_SHIM_LEN + 1];

	memset(out, 0xee, sizeof(out));
	mars_shim_encode(&sh, out);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(out[MARS_SHIM_LEN], 0xee);	/* writes 12, no more */
}

static void
test_round_trip(void **state)
{
	struct mars_shim in, out;
	uint8_t buf[MARS_SHIM_LEN + 4];
	unsigned kind;

	for (kind = 0; kind <= MARS_VC_KIND_MAX + 1; kind++) {
		memset(&in, 0, sizeof(in));
		in.version = MARS_SHIM_VERSION;
		in.kind = (uint8_t)kind;
		in.vpi = (uint16_t)(0xfe00 + kind);
		in.vci = (uint16_t)(0x8000 | kind);
		in.flags = (uint16_t)(kind & 1);
		mars_shim_encode(&in, buf);
		memset(&out, 0x55, sizeof(out));
		assert_true(mars_shim_decode(&out, buf, sizeof(buf)));
		assert_int_equal(out.version, MARS_SHIM_VERSION);
		assert_int_equal(out.kind, in.kind);
		assert_int_equal(out.vpi, in.vpi);
		assert_int_equal(out.vci, in.vci);
		assert_int_equal(out.flags, in.flags);
	}
}

static void
test_exact_length_ok(void **state)
{
	struct mars_shim in = { .kind = MARS_VC_P2P, .vpi = 0, .vci = 32 };
	struct mars_shim out;
	uint8_t buf[MARS_SHIM_LEN];

	mars_shim_encode(&in, buf);
	assert_true(mars_shim_decode(&out, buf, MARS_SHIM_LEN));
	assert_int_equal(out.vci, 32);
}

static void
test_rejects_short(void **state)
{
	struct mars_shim in = { .kind = MARS_VC_P2P, .vci = 32 };
	struct mars_shim out;
	uint8_t buf[MARS_SHIM_LEN];
	size_t n;

	mars_shim_encode(&in, buf);
	for (n = 0; n < MARS_SHIM_LEN; n++)
		assert_false(mars_shim_decode(&out, buf, n));
	assert_false(mars_shim_decode(&out, NULL, 0));
}

static void
test_rejects_bad_magic(void **state)
{
	struct mars_shim in = { .kind = MARS_VC_P2P, .vci = 32 };
	struct mars_shim out;
	uint8_t buf[MARS_SHIM_LEN];
	int i;

	for (i = 0; i < 4; i++) {
		mars_shim_encode(&in, buf);
		buf[i] ^= 0x20;		/* "mLAB", "MlAB", ... */
		assert_false(mars_shim_decode(&out, buf, sizeof(buf)));
	}
}

static void
test_rejects_bad_version(void **state)
{
	struct mars_shim in = { .kind = MARS_VC_P2P, .vci = 32 };
	struct mars_shim out;
	uint8_t buf[MARS_SHIM_LEN];

	in.version = 2;
	mars_shim_encode(&in, buf);
	assert_int_equal(buf[4], 2);
	assert_false(mars_shim_decode(&out, buf, sizeof(buf)));
	buf[4] = 0;
	assert_false(mars_shim_decode(&out, buf, sizeof(buf)));
	buf[4] = 1;
	assert_true(mars_shim_decode(&out, buf, sizeof(buf)));
}

static void
test_kind_names(void **state)
{
	assert_string_equal(mars_vc_kind_name(MARS_VC_P2P), "p2p");
	assert_string_equal(mars_vc_kind_name(MARS_VC_CCVC), "ccvc");
	assert_string_equal(mars_vc_kind_name(MARS_VC_SCVC), "scvc");
	assert_string_equal(mars_vc_kind_name(MARS_VC_SERVER), "server");
	assert_string_equal(mars_vc_kind_name(MARS_VC_UNKNOWN), "unknown");
	assert_string_equal(mars_vc_kind_name(200), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_bytes),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_exact_length_ok),
		cmocka_unit_test(test_rejects_short),
		cmocka_unit_test(test_rejects_bad_magic),
		cmocka_unit_test(test_rejects_bad_version),
		cmocka_unit_test(test_kind_names),
	};

	return cmocka_run_group_tests_name("shim", tests, NULL, NULL);
}
