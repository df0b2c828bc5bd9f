/* Address text forms (lib/atm.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mars/atm.h"

static const uint8_t cm1[20] = {
	0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x20, 0x48, 0xaa, 0x00, 0x01, 0x00
};

static void
test_hex_out(void **state)
{
	char buf[MARS_ATM_HEX_MAX];

	(void)state;
	assert_int_equal(mars_atm_hex(buf, cm1, 20), 40);
	assert_string_equal(buf, "47009181000000000000000001002048aa000100");
	assert_int_equal(mars_atm_hex(buf, (const uint8_t *)"\xde\xad\xBE\xef", 4),
	    8);
	assert_string_equal(buf, "deadbeef");
	assert_int_equal(mars_atm_hex(buf, cm1, 0), 0);
	assert_string_equal(buf, "");
}

static void
test_hex_in(void **state)
{
	uint8_t out[20];

	(void)state;
	memset(out, 0, sizeof(out));
	assert_int_equal(mars_atm_parse_hex(
	    "47.0091.81000000000000000001.002048AA0001.00", out,
	    sizeof(out)), 20);
	assert_memory_equal(out, cm1, 20);
	assert_int_equal(mars_atm_parse_hex(
	    "47009181000000000000000001002048aa000100", out, sizeof(out)), 20);
	assert_memory_equal(out, cm1, 20);
	assert_int_equal(mars_atm_parse_hex("de:ad-BE.ef", out, sizeof(out)), 4);
	assert_memory_equal(out, "\xde\xad\xbe\xef", 4);
	assert_int_equal(mars_atm_parse_hex("", out, sizeof(out)), 0);
	/* Odd digit count, bad character, too long for the buffer. */
	assert_int_equal(mars_atm_parse_hex("abc", out, sizeof(out)), -1);
	assert_int_equal(mars_atm_parse_hex("a.b.c", out, sizeof(out)), -1);
	assert_int_equal(mars_atm_parse_hex("zz", out, sizeof(out)), -1);
	assert_int_equal(mars_atm_parse_hex("12 34", out, sizeof(out)), -1);
	assert_int_equal(mars_atm_parse_hex("0x12", out, sizeof(out)), -1);
	assert_int_equal(mars_atm_parse_hex("112233", out, 2), -1);
	assert_int_equal(mars_atm_parse_hex("1122", out, 2), 2);
}

static void
expect_pa(const char *hexaddr, const char *want)
{
	uint8_t a[64];
	char buf[MARS_PA_TEXT_MAX];
	int n = mars_atm_parse_hex(hexaddr, a, sizeof(a));

	assert_true(n >= 0);
	assert_int_equal(mars_pa_text(buf, a, (size_t)n), strlen(want));
	assert_string_equal(buf, want);
}

static void
test_pa_text(void **state)
{
	char buf[MARS_PA_TEXT_MAX];
	uint8_t big[40];

	(void)state;
	expect_pa("0a010103", "10.1.1.3");
	expect_pa("e0010203", "224.1.2.3");
	expect_pa("ffffffff", "255.255.255.255");
	/* RFC 5952. */
	expect_pa("20010db8000000000000000000000001", "2001:db8::1");
	expect_pa("00000000000000000000000000000000", "::");
	expect_pa("00000000000000000000000000000001", "::1");
	expect_pa("ff0e0000000000000000000000000101", "ff0e::101");
	expect_pa("20010db8000000010000000000000001", "2001:db8:0:1::1");
	expect_pa("20010db8000000000001000000000001", "2001:db8::1:0:0:1");
	expect_pa("20010db8000100010001000100010000", "2001:db8:1:1:1:1:1:0");
	expect_pa("20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1");
	expect_pa("00000000000000000000ffff0a010103", "::ffff:10.1.1.3");
	expect_pa("fe800000000000000000000000000000", "fe80::");
	expect_pa("ABCD000000000000000000000000abcd", "abcd::abcd");
	/* Other lengths: hex. */
	expect_pa("0102", "0102");
	expect_pa("00005e123456", "00005e123456");
	/* Null. */
	assert_int_equal(mars_pa_text(buf, NULL, 4), 1);
	assert_string_equal(buf, "-");
	assert_int_equal(mars_pa_text(buf, (const uint8_t *)"x", 0), 1);
	assert_string_equal(buf, "-");
	/* Too long for MARS_PA_TEXT_MAX as hex: cut with a marker. */
	memset(big, 0xab, sizeof(big));
	assert_true(mars_pa_text(buf, big, sizeof(big)) < MARS_PA_TEXT_MAX);
	assert_int_equal(strlen(buf), 44);
	assert_string_equal(buf + 42, "..");
	assert_int_equal(mars_pa_text(buf, big, 22), 44);
	assert_null(strchr(buf, '.'));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_out),
		cmocka_unit_test(test_hex_in),
		cmocka_unit_test(test_pa_text),
	};

	return cmocka_run_group_tests_name("atm", tests, NULL, NULL);
}
