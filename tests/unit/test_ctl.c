/*
 * Admin protocol (ctl.h): the command table (exact and unique-prefix
 * words, ambiguity, trailing json), reply framing (dot-stuffing, end and
 * error lines) and the bounded reply buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "mars/ctl.h"

static void
test_parse(void **state)
{
	struct mars_ctl_request r;
	char why[128];

	assert_int_equal(mars_ctl_parse("show members", &r, why, sizeof(why)), 0);
	assert_int_equal(r.cmd, MARS_CTL_SHOW_MEMBERS);
	assert_false(r.json);
	assert_int_equal(mars_ctl_parse("  sh  red j\r\n", &r, why, sizeof(why)),
	    0);
	assert_int_equal(r.cmd, MARS_CTL_SHOW_REDIRECT_MAP);
	assert_true(r.json);
	assert_int_equal(mars_ctl_parse("show m", &r, why, sizeof(why)),
	    MARS_E_PARSE);
	assert_string_equal(why, "ambiguous command \"m\": members mcs");
	assert_int_equal(mars_ctl_parse("show mcs", &r, why, sizeof(why)), 0);
	assert_int_equal(r.cmd, MARS_CTL_SHOW_MCS);
	assert_int_equal(mars_ctl_parse("show", &r, why, sizeof(why)),
	    MARS_E_PARSE);
	assert_string_equal(why, "incomplete command");
	assert_int_equal(mars_ctl_parse("", &r, why, sizeof(why)), MARS_E_PARSE);
	assert_string_equal(why, "empty request");
	assert_int_equal(mars_ctl_parse("bogus", &r, why, sizeof(why)),
	    MARS_E_PARSE);
	assert_string_equal(why, "unknown command \"bogus\"");
	assert_int_equal(mars_ctl_parse("show stats json json", &r, why,
	    sizeof(why)), MARS_E_PARSE);
	assert_int_equal(mars_ctl_parse("show stats xml", &r, why, sizeof(why)),
	    MARS_E_PARSE);
	assert_string_equal(mars_ctl_cmd_name(MARS_CTL_SHOW_STATS), "show stats");
}

/* The redundancy commands and the one command with arguments. */
static void
test_parse_cluster(void **state)
{
	struct mars_ctl_request r;
	char why[128];

	assert_int_equal(mars_ctl_parse("show living-group json", &r, why,
	    sizeof(why)), 0);
	assert_int_equal(r.cmd, MARS_CTL_SHOW_LIVING_GROUP);
	assert_true(r.json);
	assert_int_equal(mars_ctl_parse("sh el", &r, why, sizeof(why)), 0);
	assert_int_equal(r.cmd, MARS_CTL_SHOW_ELECTION);
	assert_int_equal(mars_ctl_parse("show scsp", &r, why, sizeof(why)), 0);
	assert_int_equal(r.cmd, MARS_CTL_SHOW_SCSP);
	assert_int_equal(mars_ctl_parse("show s", &r, why, sizeof(why)),
	    MARS_E_PARSE);
	assert_int_equal(mars_ctl_parse("fault omit-dead on", &r, why,
	    sizeof(why)), 0);
	assert_int_equal(r.cmd, MARS_CTL_FAULT);
	assert_string_equal(r.arg, "omit-dead");
	assert_true(r.on);
	assert_int_equal(mars_ctl_parse("fault fresh-cmi off json", &r, why,
	    sizeof(why)), 0);
	assert_string_equal(r.arg, "fresh-cmi");
	assert_false(r.on);
	assert_true(r.json);
	assert_int_equal(mars_ctl_parse("fault omit-dead", &r, why, sizeof(why)),
	    MARS_E_PARSE);
	assert_string_equal(why, "incomplete command: fault NAME on|off");
	assert_int_equal(mars_ctl_parse("fault omit-dead maybe", &r, why,
	    sizeof(why)), MARS_E_PARSE);
	assert_int_equal(mars_ctl_parse("fault x on off", &r, why, sizeof(why)),
	    MARS_E_PARSE);
	assert_int_equal(mars_ctl_parse("fault "
	    "a-name-much-longer-than-thirty-two-octets on", &r, why,
	    sizeof(why)), MARS_E_PARSE);
	assert_string_equal(mars_ctl_cmd_name(MARS_CTL_SHOW_SCSP), "show scsp");
	assert_true(strlen(mars_ctl_cmd_help(MARS_CTL_FAULT)) > 0);
	assert_string_equal(mars_ctl_cmd_args(MARS_CTL_FAULT), "NAME on|off");
}

/* "help" is a command (not an error), as is any unique prefix of it. */
static void
test_parse_help(void **state)
{
	struct mars_ctl_request r;
	char why[128];
	int c;

	assert_int_equal(mars_ctl_parse("help", &r, why, sizeof(why)), 0);
	assert_int_equal(r.cmd, MARS_CTL_HELP);
	assert_false(r.json);
	assert_int_equal(mars_ctl_parse("he json", &r, why, sizeof(why)), 0);
	assert_int_equal(r.cmd, MARS_CTL_HELP);
	assert_true(r.json);
	assert_int_equal(mars_ctl_parse("help me", &r, why, sizeof(why)),
	    MARS_E_PARSE);
	/* reload takes nothing but json */
	assert_int_equal(mars_ctl_parse("rel json", &r, why, sizeof(why)), 0);
	assert_int_equal(r.cmd, MARS_CTL_RELOAD);
	assert_true(r.json);
	assert_int_equal(mars_ctl_parse("reload now", &r, why, sizeof(why)),
	    MARS_E_PARSE);
	/* every command has a name and a help line */
	for (c = MARS_CTL_NONE + 1; c < MARS_CTL_CMD_MAX; c++) {
		assert_true(strlen(mars_ctl_cmd_name(c)) > 0);
		assert_true(strlen(mars_ctl_cmd_help(c)) > 0);
	}
}

static void
test_framing(void **state)
{
	struct mars_ctl_buf b;
	const char *text;
	size_t mark;

	mars_ctl_buf_init(&b, 1024);
	mark = b.len;
	mars_ctl_buf_puts(&b, ".hidden");
	mars_ctl_buf_end_line(&b, mark);
	mark = b.len;
	mars_ctl_buf_printf(&b, "member cmi=%u", 7u);
	mars_ctl_buf_end_line(&b, mark);
	mars_ctl_buf_end_ok(&b);
	assert_int_equal(b.len, strlen("..hidden\nmember cmi=7\n.\n"));
	assert_memory_equal(b.p, "..hidden\nmember cmi=7\n.\n", b.len);
	assert_int_equal(mars_ctl_line_kind("..hidden", &text), MARS_CTL_LINE_DATA);
	assert_string_equal(text, ".hidden");
	assert_int_equal(mars_ctl_line_kind("member", &text), MARS_CTL_LINE_DATA);
	assert_int_equal(mars_ctl_line_kind(".", &text), MARS_CTL_LINE_END);
	mars_ctl_buf_reset(&b);
	mars_ctl_buf_end_error(&b, "bad\nthing %d", 1);
	assert_memory_equal(b.p, ".error bad thing 1\n", b.len);
	assert_int_equal(mars_ctl_line_kind(".error bad thing 1", &text),
	    MARS_CTL_LINE_ERROR);
	assert_string_equal(text, "bad thing 1");
	mars_ctl_buf_reset(&b);
	mars_ctl_buf_json_str(&b, "a\"b\\c\n");
	assert_memory_equal(b.p, "\"a\\\"b\\\\c\\u000a\"", b.len);
	mars_ctl_buf_free(&b);
}

static void
test_bounded(void **state)
{
	struct mars_ctl_buf b;
	char chunk[100];
	int i;

	memset(chunk, 'x', sizeof(chunk));
	mars_ctl_buf_init(&b, 1000);
	for (i = 0; i < 20; i++)
		mars_ctl_buf_put(&b, chunk, sizeof(chunk));
	assert_true(b.overflow);
	assert_true(b.len <= 1000);
	mars_ctl_buf_reset(&b);
	assert_false(b.overflow);
	mars_ctl_buf_end_ok(&b);
	assert_int_equal(b.len, 2);
	mars_ctl_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_cluster),
		cmocka_unit_test(test_parse_help),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
