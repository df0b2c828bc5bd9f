/* Cluster file parser (config.h): the examples, the broken files, values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mars/config.h"
#include "mars/endpoint.h"
#include "mars/err.h"

#define DIR	"testdata/cluster/"

static struct mars_cluster_conf conf;

static void
load_ok(const char *path)
{
	struct mars_err err;
	char msg[MARS_CONF_MSG_MAX];
	int rc;

	rc = mars_config_load(path, &conf, &err, msg, sizeof(msg));
	if (rc != 0)
		fail_msg("%s", msg);
}

static void
ep_is(const struct mars_endpoint *ep, const char *text)
{
	char buf[MARS_ENDPOINT_TEXT_MAX];

	mars_endpoint_format(ep, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

static void
test_single(void **state)
{
	const struct mars_entity_conf *m;

	(void)state;
	load_ok(DIR "single.conf");
	assert_int_equal(conf.protocol, MARS_CONF_PROTO_IPV4);
	assert_int_equal(conf.redirect_interval, 60000);
	assert_int_equal(conf.failure_timeout, 240000);
	assert_int_equal(conf.retransmit_interval, 10000);
	assert_int_equal(conf.hello_interval, 3000);
	assert_int_equal(conf.dead_factor, 3);
	assert_int_equal(conf.mcs_timeout, 120000);
	assert_false(conf.fault_injection);
	assert_string_equal(conf.admin_socket, "");
	assert_int_equal(conf.n_mars, 1);
	assert_int_equal(conf.n_partitions, 0);
	m = mars_config_find_mars(&conf, "m1");
	assert_non_null(m);
	assert_int_equal(m->atm_len, 20);
	assert_int_equal(m->atm[0], 0x47);
	assert_int_equal(m->atm[17], 0x0e);
	assert_int_equal(m->atm[18], 0xe0);
	ep_is(&m->endpoint, "udp:127.0.0.1:4500");
	assert_false(m->has_peer_endpoint);
	assert_int_equal(m->priority, 0);
	assert_false(m->has_cmi);
	assert_null(mars_config_find_mars(&conf, "m2"));
}

static void
test_redundant(void **state)
{
	const struct mars_entity_conf *m;

	(void)state;
	load_ok(DIR "redundant.conf");
	assert_true(conf.fault_injection);
	/* no admin-socket: each entity takes marsd's default for its name */
	assert_string_equal(conf.admin_socket, "");
	assert_int_equal(conf.n_mars, 3);
	assert_int_equal(mars_config_mars_index(&conf, "m3"), 2);
	m = mars_config_find_mars(&conf, "m2");
	assert_non_null(m);
	assert_int_equal(m->priority, 100);
	assert_int_equal(m->atm[18], 0x02);
	ep_is(&m->endpoint, "udp:127.0.0.1:4502");
	assert_true(m->has_peer_endpoint);
	ep_is(&m->peer_endpoint, "udp:127.0.0.1:5502");
	assert_int_equal(conf.mars[0].priority, 200);
	assert_int_equal(conf.mars[2].priority, 50);
}

static void
test_loadshare(void **state)
{
	const struct mars_partition_conf *p;

	(void)state;
	load_ok(DIR "loadshare.conf");
	assert_int_equal(conf.protocol, MARS_CONF_PROTO_IPV6);
	assert_int_equal(conf.redirect_interval, 250);
	assert_int_equal(conf.hello_interval, 500);
	assert_int_equal(conf.failure_timeout, 2000);
	assert_int_equal(conf.retransmit_interval, 1000);
	assert_int_equal(conf.dead_factor, 4);
	assert_int_equal(conf.mcs_timeout, 120000);
	assert_int_equal(conf.n_mars, 4);
	assert_int_equal(conf.n_partitions, 2);
	p = &conf.partitions[1];
	assert_string_equal(p->name, "blue");
	assert_int_equal(p->n_mars, 2);
	assert_string_equal(conf.mars[p->mars[0]].name, "b1");
	assert_string_equal(conf.mars[p->mars[1]].name, "b2");
	assert_int_equal(p->cmi_low, 1001);
	assert_int_equal(p->cmi_high, 2000);
	assert_string_equal(conf.mars[conf.partitions[0].mars[0]].name, "a1");
	ep_is(&conf.mars[3].endpoint, "udp:[::1]:4604");
}

static void
test_broken_files(void **state)
{
	static const struct {
		const char	*file;
		const char	*msg;
	} bad[] = {
		{ "bad-unknown-key.conf", ":8: unknown key \"priorty\" in [mars m2]" },
		{ "bad-dup-section.conf", ":5: duplicate section [mars m1] (first at line 1)" },
		{ "bad-dup-key.conf", ":4: duplicate key \"atm\" in [mars m1] (first at line 2)" },
		{ "bad-missing-atm.conf", ":1: missing key \"atm\" in [mars m1]" },
		{ "bad-missing-endpoint.conf", ":1: missing key \"endpoint\" in [mars m1]" },
		{ "bad-duration.conf", ":2: bad duration \"3x\" for hello-interval in [cluster]: unknown unit (use ms, s, m or h)" },
		{ "bad-cmi-overlap.conf", ":7: CMI block 400-900 in [partition p2] overlaps 1-500 in [partition p1] (line 3)" },
		{ "bad-unknown-mars.conf", ":2: unknown MARS \"m9\" in [partition p1]" },
		{ "bad-cmi-zero.conf", ":4: CMI 0 not allowed in [mars m1]" },
		{ "bad-dup-atm.conf", ":6: duplicate atm address in [mars m2] (same as [mars m1])" },
		{ "bad-dup-endpoint.conf", ":7: duplicate endpoint \"udp:127.0.0.1:4500\" in [mars m2] (same as [mars m1])" },
		{ "bad-priority-range.conf", ":4: priority 300 out of range (0-255) in [mars m1]" },
		{ "bad-unterminated.conf", ":4: unterminated section header" },
	};
	struct mars_err err;
	char msg[MARS_CONF_MSG_MAX], path[256], want[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), DIR "%s", bad[i].file);
		snprintf(want, sizeof(want), "%s%s", path, bad[i].msg);
		memset(msg, 0, sizeof(msg));
		assert_int_equal(mars_config_load(path, &conf, &err, msg,
		    sizeof(msg)), MARS_E_PARSE);
		assert_string_equal(msg, want);
		assert_int_equal(err.code, MARS_E_PARSE);
		assert_ptr_equal(err.why, msg);
	}
}

static int
parse(const char *text, char *msg)
{
	struct mars_err err;

	return mars_config_parse_text(text, strlen(text), "c.conf", &conf, &err,
	    msg, MARS_CONF_MSG_MAX);
}

#define M1 "[mars m1]\natm = 4700000000000000000000000000000000000001\n" \
	"endpoint = udp:127.0.0.1:4500\n"

static void
test_text_errors(void **state)
{
	static const struct {
		const char	*text;
		const char	*msg;
	} bad[] = {
		{ "", "c.conf: no [mars] section" },
		{ "# only a comment\n\n", "c.conf: no [mars] section" },
		{ "atm = 1\n", "c.conf:1: key \"atm\" outside any section" },
		{ "[clusters]\n", "c.conf:1: unknown section [clusters]" },
		{ "[mars]\n", "c.conf:1: [mars] needs a name" },
		{ "[cluster x]\n", "c.conf:1: [cluster] takes no name" },
		{ "[cluster]\n[cluster]\n", "c.conf:2: duplicate section [cluster] (first at line 1)" },
		{ "[cluster]\nprotocol\n", "c.conf:2: expected \"key = value\" or [section]" },
		{ "[cluster]\nprotocol = ipx\n", "c.conf:2: bad protocol \"ipx\" in [cluster]: expected ipv4 or ipv6" },
		{ "[cluster]\nprotocol =\n", "c.conf:2: empty value for \"protocol\" in [cluster]" },
		{ "[cluster]\ndead-factor = 0\n", "c.conf:2: dead-factor 0 out of range (1-100) in [cluster]" },
		{ "[cluster]\nfault-injection = maybe\n", "c.conf:2: bad value \"maybe\" for fault-injection in [cluster]: expected yes or no" },
		{ "[cluster]\nmcs-timeout = 0s\n", "c.conf:2: bad duration \"0s\" for mcs-timeout in [cluster]: must be longer than 0" },
		{ "[cluster]\natm = 1\n", "c.conf:2: unknown key \"atm\" in [cluster]" },
		{ M1 "cmi = 10-5\n", "c.conf:4: CMI block 10-5 in [mars m1] is empty (low end above high end)" },
		{ M1 "cmi = 1-70000\n", "c.conf:4: CMI out of range (1-65535) in [mars m1]" },
		{ M1 "priority = high\n", "c.conf:4: bad number \"high\" for priority in [mars m1]" },
		{ M1 "peer-endpoint = udp:127.0.0.1:0\n", "c.conf:4: peer-endpoint \"udp:127.0.0.1:0\" in [mars m1]: port 0 is not allowed here" },
		{ M1 "peer-endpoint = udp:127.0.0.1\n", "c.conf:4: bad peer-endpoint \"udp:127.0.0.1\" in [mars m1]: expected ':PORT' after the host" },
		{ "[mars m1]\natm = 47.00\n", "c.conf:2: bad atm address \"47.00\" in [mars m1]: need 40 hex digits" },
		{ M1 "[partition p]\nmars = m1 m1\ncmi = 1-2\n", "c.conf:5: MARS \"m1\" listed twice in [partition p]" },
		{ M1 "[partition p]\ncmi = 1-2\n", "c.conf:4: missing key \"mars\" in [partition p]" },
		{ M1 "cmi = 1-9\n[partition p]\nmars = m1\ncmi = 10-20\n", "c.conf:6: MARS \"m1\" in [partition p] has its own cmi (line 4); a partition's MARS use the partition's block" },
		{ "[mars bad/name]\n", "c.conf:1: bad name in [mars bad/name]: use up to 31 letters, digits, '-', '_' or '.'" },
		{ "[mars m1] x\n", "c.conf:1: text after section header" },
		{ "[cluster]\nadmin-socket = /run/m.%s.sock\n", "c.conf:2: bad admin-socket \"/run/m.%s.sock\" in [cluster]: only %n (the entity's name) and %% may follow %" },
		{ M1 "admin-socket = /a\nadmin-socket = /b\n", "c.conf:5: duplicate key \"admin-socket\" in [mars m1] (first at line 4)" },
	};
	char msg[MARS_CONF_MSG_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].text, msg), MARS_E_PARSE);
		assert_string_equal(msg, bad[i].msg);
	}
}

static void
test_text_syntax(void **state)
{
	char msg[MARS_CONF_MSG_MAX];

	(void)state;
	/* comments, blanks, spacing around '=', CRLF, inline comments */
	assert_int_equal(parse("; head\r\n  [ mars   m1 ]  \r\n"
	    "atm=4700000000000000000000000000000000000001 # the NSAP\r\n"
	    "\tendpoint\t=\tudp:[::1]:4500 ; here\r\n"
	    "cmi = 7\r\n", msg), 0);
	assert_int_equal(conf.n_mars, 1);
	assert_string_equal(conf.mars[0].name, "m1");
	assert_int_equal(conf.mars[0].atm[19], 1);
	ep_is(&conf.mars[0].endpoint, "udp:[::1]:4500");
	assert_true(conf.mars[0].has_cmi);
	assert_int_equal(conf.mars[0].cmi_low, 7);
	assert_int_equal(conf.mars[0].cmi_high, 7);
	assert_int_equal(conf.redirect_interval, MARS_CONF_DEF_REDIRECT);

	/* a file that does not exist */
	assert_int_equal(mars_config_load(DIR "no-such.conf", &conf, NULL, msg,
	    sizeof(msg)), MARS_E_SYS);
	assert_string_equal(msg, DIR "no-such.conf: No such file or directory");
}

/* admin-socket: [cluster]'s with %n for each name, or an entity's own. */
static void
test_admin_socket(void **state)
{
	char msg[MARS_CONF_MSG_MAX], path[MARS_CONF_PATH_MAX];

	(void)state;
	assert_int_equal(parse("[cluster]\nadmin-socket = /run/m.%n.%%.sock\n"
	    M1 "[mars m2]\natm = 4700000000000000000000000000000000000002\n"
	    "endpoint = udp:127.0.0.1:4501\nadmin-socket = /tmp/two\n", msg),
	    0);
	assert_int_equal(mars_config_admin_socket(&conf, "m1", path,
	    sizeof(path)), 0);
	assert_string_equal(path, "/run/m.m1.%.sock");
	assert_int_equal(mars_config_admin_socket(&conf, "m2", path,
	    sizeof(path)), 0);
	assert_string_equal(path, "/tmp/two");
	assert_int_equal(mars_config_admin_socket(&conf, "m1", path, 8),
	    MARS_E_NOSPACE);
	/* none given: "" (the daemon's default applies) */
	assert_int_equal(parse(M1, msg), 0);
	assert_int_equal(mars_config_admin_socket(&conf, "m1", path,
	    sizeof(path)), 0);
	assert_string_equal(path, "");
}

static void
test_durations(void **state)
{
	static const struct {
		const char	*text;
		mars_time_t	 ms;
	} good[] = {
		{ "250ms", 250 }, { "2s", 2000 }, { "1m", 60000 },
		{ "1h", 3600000 }, { "7", 7000 }, { "24h", 86400000 },
		{ "1500ms", 1500 },
	};
	static const char *bad[] = {
		"", "s", "-1s", "1 s", "1d", "2sec", "0", "0ms", "25h",
		"99999999999999999999", "1.5s",
	};
	struct mars_err err;
	mars_time_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(mars_config_parse_duration(good[i].text, &ms, &err), 0);
		assert_int_equal(ms, good[i].ms);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mars_config_parse_duration(bad[i], &ms, &err),
		    MARS_E_PARSE);
		assert_non_null(err.why);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_redundant),
		cmocka_unit_test(test_loadshare),
		cmocka_unit_test(test_broken_files),
		cmocka_unit_test(test_text_errors),
		cmocka_unit_test(test_text_syntax),
		cmocka_unit_test(test_admin_socket),
		cmocka_unit_test(test_durations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
