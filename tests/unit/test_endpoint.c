/* Endpoint text: parse, format, resolve (endpoint.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <netinet/in.h>

#include "mars/endpoint.h"
#include "mars/err.h"

/* Parses, and formats back to exactly `canon`. */
static void
roundtrip(const char *text, const char *canon)
{
	struct mars_endpoint ep, again;
	struct mars_err err;
	char buf[MARS_ENDPOINT_TEXT_MAX];

	assert_int_equal(mars_endpoint_parse(&ep, text, &err), 0);
	mars_endpoint_format(&ep, buf, sizeof(buf));
	assert_string_equal(buf, canon);
	assert_int_equal(mars_endpoint_parse(&again, buf, &err), 0);
	assert_true(mars_endpoint_equal(&ep, &again));
}

static void
test_udp_good(void **state)
{
	struct mars_endpoint ep;
	struct mars_err err;

	(void)state;
	assert_int_equal(mars_endpoint_parse(&ep, "udp:127.0.0.1:4500", &err), 0);
	assert_int_equal(ep.kind, MARS_ENDPOINT_UDP);
	assert_string_equal(ep.host, "127.0.0.1");
	assert_int_equal(ep.port, 4500);
	assert_false(ep.ipv6_literal);

	assert_int_equal(mars_endpoint_parse(&ep, "udp:[::1]:4500", &err), 0);
	assert_string_equal(ep.host, "::1");
	assert_true(ep.ipv6_literal);
	assert_int_equal(ep.port, 4500);

	assert_int_equal(mars_endpoint_parse(&ep, "udp:0.0.0.0:0", &err), 0);
	assert_int_equal(ep.port, 0);
	assert_int_equal(mars_endpoint_parse(&ep, "udp:localhost:65535", &err), 0);
	assert_int_equal(ep.port, 65535);

	roundtrip("udp:127.0.0.1:4500", "udp:127.0.0.1:4500");
	roundtrip("udp:[::1]:4500", "udp:[::1]:4500");
	roundtrip("udp:[fe80::1%lo]:9", "udp:[fe80::1%lo]:9");
	roundtrip("udp:mars-1.example:7", "udp:mars-1.example:7");
}

static void
test_atm_good(void **state)
{
	struct mars_endpoint ep;
	struct mars_err err;

	(void)state;
	assert_int_equal(mars_endpoint_parse(&ep, "atmpvc:0.5.100", &err), 0);
	assert_int_equal(ep.kind, MARS_ENDPOINT_ATMPVC);
	assert_int_equal(ep.itf, 0);
	assert_int_equal(ep.vpi, 5);
	assert_int_equal(ep.vci, 100);
	roundtrip("atmpvc:1.4095.65535", "atmpvc:1.4095.65535");

	assert_int_equal(mars_endpoint_parse(&ep,
	    "atmsvc:47.0005.80ffe1000000f21a26d8.0020ea000ee0.00", &err), 0);
	assert_int_equal(ep.kind, MARS_ENDPOINT_ATMSVC);
	assert_int_equal(ep.nsap_len, 20);
	assert_int_equal(ep.nsap[0], 0x47);
	assert_int_equal(ep.nsap[19], 0x00);
	assert_int_equal(ep.nsap[18], 0xe0);
	roundtrip("atmsvc:47.0005.80ffe1000000f21a26d8.0020ea000ee0.00",
	    "atmsvc:47000580ffe1000000f21a26d80020ea000ee000");
}

static void
test_bad(void **state)
{
	static const struct {
		const char	*text;
		uint32_t	 offset;
		const char	*why;
	} bad[] = {
		{ "tcp:1.2.3.4:5",	0,	"unknown endpoint type (expected udp:, atmpvc: or atmsvc:)" },
		{ "udp:1.2.3.4",	11,	"expected ':PORT' after the host" },
		{ "udp:1.2.3.4:",	12,	"missing port" },
		{ "udp:1.2.3.4:x1",	12,	"port is not a number" },
		{ "udp:1.2.3.4:65536",	12,	"port out of range (0-65535)" },
		{ "udp:1.2.3.4:80x",	14,	"trailing characters after port" },
		{ "udp::80",		4,	"missing host" },
		{ "udp:::1:80",		4,	"IPv6 addresses must be written in brackets" },
		{ "udp:[::1:80",	4,	"missing ']' after IPv6 address" },
		{ "udp:[]:80",		5,	"empty IPv6 address" },
		{ "udp:[zz::1]:80",	5,	"not an IPv6 address inside the brackets" },
		{ "udp:[::1]80",	9,	"expected ':PORT' after ']'" },
		{ "udp:ho st:80",	6,	"invalid character in host name" },
		{ "atmpvc:0.0",		10,	"expected ITF.VPI.VCI (three decimal numbers)" },
		{ "atmpvc:0.4096.1",	9,	"VPI out of range (0-4095)" },
		{ "atmpvc:0.0.65536",	11,	"VCI out of range (0-65535)" },
		{ "atmpvc:0.0.1.",	12,	"trailing characters after VCI" },
		{ "atmsvc:4700",	11,	"NSAP address needs 40 hex digits" },
		{ "atmsvc:47g0",	9,	"invalid character in NSAP address" },
	};
	struct mars_endpoint ep;
	struct mars_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(mars_endpoint_parse(&ep, bad[i].text, &err),
		    MARS_E_PARSE);
		assert_int_equal(err.code, MARS_E_PARSE);
		assert_non_null(err.why);
		assert_string_equal(err.why, bad[i].why);
		assert_int_equal(err.offset, bad[i].offset);
	}
}

static void
test_resolve(void **state)
{
	struct mars_endpoint ep;
	struct mars_err err;
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	socklen_t len;
	char buf[MARS_ENDPOINT_TEXT_MAX];

	(void)state;
	assert_int_equal(mars_endpoint_parse(&ep, "udp:127.0.0.1:4500", &err), 0);
	assert_int_equal(mars_endpoint_resolve(&ep, AF_UNSPEC, false, &ss, &len,
	    &err), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 4500);
	assert_int_equal(ntohl(s4->sin_addr.s_addr), 0x7f000001);

	assert_int_equal(mars_endpoint_parse(&ep, "udp:[::1]:4501", &err), 0);
	assert_int_equal(mars_endpoint_resolve(&ep, AF_UNSPEC, false, &ss, &len,
	    &err), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(s6->sin6_port), 4501);
	assert_true(IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr));

	/* and back to text */
	assert_int_equal(mars_endpoint_from_sockaddr(&ep, (struct sockaddr *)&ss,
	    len), 0);
	mars_endpoint_format(&ep, buf, sizeof(buf));
	assert_string_equal(buf, "udp:[::1]:4501");

	assert_int_equal(mars_endpoint_parse(&ep, "atmpvc:0.0.100", &err), 0);
	assert_int_equal(mars_endpoint_resolve(&ep, AF_UNSPEC, false, &ss, &len,
	    &err), MARS_E_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_good),
		cmocka_unit_test(test_atm_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
