/* Member events printed (print.h): the kinds' names, the one JSON object. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mars/print.h"

static char store[4096];

static const char *
printed(const struct mars_event *ev, const struct mars_print_member *m)
{
	static char s[4096];
	struct mars_out ob;

	mars_out_init(&ob, -1, store, sizeof(store));
	mars_print_member_event(&ob, ev, m);
	memcpy(s, ob.buf, ob.len);
	s[ob.len] = '\0';
	return s;
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(mars_print_event_name(MARS_EV_REGISTERED),
	    "registered");
	assert_string_equal(mars_print_event_name(MARS_EV_REDIRECT_MAP),
	    "redirect_map");
	assert_string_equal(mars_print_event_name(MARS_EV_CSN_GAP), "csn_gap");
	assert_string_equal(mars_print_event_name(MARS_EV_WARNING), "warning");
	assert_string_equal(mars_print_event_name(MARS_EV_MESSAGE), "message");
	assert_string_equal(mars_print_event_name(MARS_EV_NOTE), "note");
	assert_string_equal(mars_print_event_name(0), "unknown");
	assert_string_equal(mars_print_event_name(-3), "unknown");
	assert_string_equal(mars_print_event_name(200), "unknown");
}

/* Registered: the event's CMI, every key present, nulls for the rest. */
static void
test_registered(void **state)
{
	static const uint8_t atm[20] = { 0x47, 0x00, 0x05 };
	struct mars_print_atm mars = { 20, { 0x47, 0x00, 0x05 } };
	struct mars_print_member m;
	struct mars_event ev;

	(void)state;
	mars_event_init(&ev, MARS_EV_REGISTERED, 5);
	ev.us = 1795389109186336ull;
	ev.atm = atm;
	ev.atm_tl = 20;
	ev.cmi = 3;
	ev.csn = 7;
	memset(&m, 0, sizeof(m));
	m.mars = &mars;
	m.name = "m1";
	m.endpoint = "udp:127.0.0.1:4501";
	m.cmi = 9;
	assert_string_equal(printed(&ev, &m), "{\"type\":\"event\","
	    "\"event\":\"registered\",\"ts\":1795389109.186336,"
	    "\"mars\":\"4700050000000000000000000000000000000000\","
	    "\"name\":\"m1\",\"endpoint\":\"udp:127.0.0.1:4501\",\"cmi\":3,"
	    "\"csn\":7,\"group\":null,\"hard\":null,\"list\":null,"
	    "\"gap\":null,\"groups\":null,\"detail\":null}\n");
}

/* A map: hard and the list; the member's CMI; unknown names are null. */
static void
test_map_gap_rejoined(void **state)
{
	struct mars_print_atm list[2] = { { 2, { 0xaa, 0xbb } }, { 0, { 0 } } };
	static const uint8_t group[4] = { 224, 1, 2, 3 };
	struct mars_print_member m;
	struct mars_event ev;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.cmi = 4;
	m.list = list;
	m.nlist = 2;
	mars_event_init(&ev, MARS_EV_REDIRECT_MAP, 0);
	ev.us = 1000001;
	ev.hard = true;
	ev.csn = 12;
	assert_string_equal(printed(&ev, &m), "{\"type\":\"event\","
	    "\"event\":\"redirect_map\",\"ts\":1.000001,\"mars\":null,"
	    "\"name\":null,\"endpoint\":null,\"cmi\":4,\"csn\":12,"
	    "\"group\":null,\"hard\":true,\"list\":[\"aabb\",null],"
	    "\"gap\":null,\"groups\":null,\"detail\":null}\n");

	mars_event_init(&ev, MARS_EV_CSN_GAP, 0);
	ev.us = 2000000;
	ev.csn = 20;
	ev.count = 5;
	ev.group = group;
	ev.group_len = 4;
	ev.detail = "a \"gap\"";
	assert_string_equal(printed(&ev, &m), "{\"type\":\"event\","
	    "\"event\":\"csn_gap\",\"ts\":2.000000,\"mars\":null,"
	    "\"name\":null,\"endpoint\":null,\"cmi\":4,\"csn\":20,"
	    "\"group\":\"224.1.2.3\",\"hard\":null,\"list\":null,\"gap\":5,"
	    "\"groups\":null,\"detail\":\"a \\\"gap\\\"\"}\n");

	mars_event_init(&ev, MARS_EV_REJOINED, 0);
	ev.us = 3000000;
	ev.count = 2;
	m.event = "rejoined_all";
	assert_non_null(strstr(printed(&ev, &m), "\"event\":\"rejoined_all\","));
	assert_non_null(strstr(printed(&ev, &m), "\"gap\":null,\"groups\":2,"));
}

/* Without a time stamp the wall clock stands in. */
static void
test_now(void **state)
{
	struct mars_print_member m;
	struct mars_event ev;
	const char *s;

	(void)state;
	memset(&m, 0, sizeof(m));
	mars_event_init(&ev, MARS_EV_GIVE_UP, 10);
	s = printed(&ev, &m);
	assert_null(strstr(s, "\"ts\":0."));
	assert_non_null(strstr(s, "\"event\":\"give_up\",\"ts\":1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_registered),
		cmocka_unit_test(test_map_gap_rejoined),
		cmocka_unit_test(test_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
