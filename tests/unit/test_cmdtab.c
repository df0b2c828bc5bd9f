/*
 * Command tables (cmdtab.h): exact words and unique prefixes, ambiguous
 * prefixes refused with the candidates, arguments, optional tails,
 * errors naming the command and the word, completion of keywords and
 * arguments, usage lines generated from the tree, word splitting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cli/cmdtab.h"

enum { A_SHOW_MEMBERS = 1, A_SHOW_MCS, A_SHOW_MAP, A_STATUS, A_STATS,
    A_FAULT, A_JOIN, A_GROUPLIST, A_CONNECT, A_CONNECT_CLUSTER, A_QUIT };
enum { K_NAME = 1, K_GROUP, K_FILE, K_RANGE };

static const struct cmdtab t_show[] = {
	{ CMDTAB_KEYWORD, "members", A_SHOW_MEMBERS, 0, NULL, "members" },
	{ CMDTAB_KEYWORD, "mcs", A_SHOW_MCS, 0, NULL, "multicast servers" },
	{ CMDTAB_KEYWORD, "redirect-map", A_SHOW_MAP, 0, NULL, "the map" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_onoff[] = {
	{ CMDTAB_KEYWORD, "on", 0, 0, NULL, "on" },
	{ CMDTAB_KEYWORD, "off", 0, 0, NULL, "off" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_fault[] = {
	{ CMDTAB_ARG, "NAME", 0, K_NAME, t_onoff, "fault" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_groups[] = {
	{ CMDTAB_ARGS, "GROUP", 0, K_GROUP, NULL, "groups" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_range[] = {
	{ CMDTAB_NOTOKEN, NULL, 0, 0, NULL, NULL },
	{ CMDTAB_ARG, "RANGE", 0, K_RANGE, NULL, "range" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_cname[] = {
	{ CMDTAB_NOTOKEN, NULL, 0, 0, NULL, NULL },
	{ CMDTAB_ARG, "NAME", 0, K_NAME, NULL, "entity" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_cfile[] = {
	{ CMDTAB_ARG, "FILE", 0, K_FILE, t_cname, "file" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab t_connect[] = {
	{ CMDTAB_KEYWORD, "--cluster", A_CONNECT_CLUSTER, 0, t_cfile,
	    "cluster" },
	{ CMDTAB_ARG, "ENDPOINT", 0, K_NAME, NULL, "endpoint" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};
static const struct cmdtab root[] = {
	{ CMDTAB_KEYWORD, "show", 0, 0, t_show, "show state" },
	{ CMDTAB_KEYWORD, "status", A_STATUS, 0, NULL, "status" },
	{ CMDTAB_KEYWORD, "stats", A_STATS, 0, NULL, "stats" },
	{ CMDTAB_KEYWORD, "fault", A_FAULT, 0, t_fault, "fault NAME on|off" },
	{ CMDTAB_KEYWORD, "join", A_JOIN, 0, t_groups, "join groups" },
	{ CMDTAB_KEYWORD, "grouplist", A_GROUPLIST, 0, t_range, "grouplist" },
	{ CMDTAB_KEYWORD, "connect", A_CONNECT, 0, t_connect, "connect" },
	{ CMDTAB_KEYWORD, "quit", A_QUIT, 0, NULL, "quit" },
	{ CMDTAB_END, NULL, 0, 0, NULL, NULL }
};

/* Parse a line; returns the action or -1, why in *why. */
static int
parse(const char *line, struct cmdtab_result *r, char *why, size_t whylen)
{
	static char buf[512];
	static char *argv[CMDTAB_WORDS_MAX];
	char w[256];
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = cmdtab_split(buf, argv, CMDTAB_WORDS_MAX, w, sizeof(w));
	assert_true(argc >= 0);
	if (cmdtab_parse(root, argc, argv, r, why, whylen) != 0)
		return -1;
	return r->action;
}

static void
test_exact_and_prefix(void **state)
{
	struct cmdtab_result r;
	char why[256], name[64];

	assert_int_equal(parse("show members", &r, why, sizeof(why)),
	    A_SHOW_MEMBERS);
	assert_int_equal(parse("sh mem", &r, why, sizeof(why)), A_SHOW_MEMBERS);
	assert_int_equal(parse("sho r", &r, why, sizeof(why)), A_SHOW_MAP);
	cmdtab_name(&r, name, sizeof(name));
	assert_string_equal(name, "show redirect-map");
	/* "stat" is a prefix of "status" and "stats", but "stats" exact */
	assert_int_equal(parse("stats", &r, why, sizeof(why)), A_STATS);
	assert_int_equal(parse("statu", &r, why, sizeof(why)), A_STATUS);
	assert_int_equal(parse("q", &r, why, sizeof(why)), A_QUIT);
}

static void
test_ambiguous(void **state)
{
	struct cmdtab_result r;
	char why[256];

	assert_int_equal(parse("stat", &r, why, sizeof(why)), -1);
	assert_string_equal(why, "ambiguous command \"stat\": status, stats");
	assert_int_equal(parse("s", &r, why, sizeof(why)), -1);
	assert_string_equal(why,
	    "ambiguous command \"s\": show, status, stats");
	/* at a lower level the command is named */
	assert_int_equal(parse("show m", &r, why, sizeof(why)), -1);
	assert_string_equal(why,
	    "show: ambiguous argument \"m\": members, mcs");
}

static void
test_errors_name_command_and_word(void **state)
{
	struct cmdtab_result r;
	char why[256];

	assert_int_equal(parse("frobnicate", &r, why, sizeof(why)), -1);
	assert_string_equal(why, "unknown command \"frobnicate\"");
	assert_int_equal(parse("show frob", &r, why, sizeof(why)), -1);
	assert_string_equal(why, "show: unknown argument \"frob\"; expected "
	    "members|mcs|redirect-map");
	assert_int_equal(parse("show", &r, why, sizeof(why)), -1);
	assert_string_equal(why, "show: incomplete command; expected "
	    "members|mcs|redirect-map");
	assert_int_equal(parse("fault omit-dead", &r, why, sizeof(why)), -1);
	assert_string_equal(why, "fault: incomplete command; expected on|off");
	assert_int_equal(parse("fault omit-dead maybe", &r, why, sizeof(why)),
	    -1);
	assert_string_equal(why, "fault: unknown argument \"maybe\"; expected "
	    "on|off");
	assert_int_equal(parse("quit now", &r, why, sizeof(why)), -1);
	assert_string_equal(why, "quit: unexpected \"now\" at the end");
	assert_int_equal(parse("", &r, why, sizeof(why)), -1);
	assert_string_equal(why, "empty command");
	assert_int_equal(parse("join", &r, why, sizeof(why)), -1);
	assert_string_equal(why, "join: incomplete command; expected GROUP");
}

static void
test_arguments(void **state)
{
	struct cmdtab_result r;
	char why[256];

	assert_int_equal(parse("fault omit-dead of", &r, why, sizeof(why)),
	    A_FAULT);
	assert_int_equal(cmdtab_nargs(&r), 1);
	assert_string_equal(cmdtab_arg(&r, 0), "omit-dead");
	assert_string_equal(cmdtab_keyword(&r, 2), "off");
	assert_null(cmdtab_keyword(&r, 1));

	assert_int_equal(parse("join 224.1.1.1 224.1.1.2-224.1.1.4 ff05::1",
	    &r, why, sizeof(why)), A_JOIN);
	assert_int_equal(cmdtab_nargs(&r), 3);
	assert_string_equal(cmdtab_arg(&r, 1), "224.1.1.2-224.1.1.4");
	assert_string_equal(cmdtab_arg(&r, 2), "ff05::1");
	assert_null(cmdtab_arg(&r, 3));

	/* optional tails */
	assert_int_equal(parse("grouplist", &r, why, sizeof(why)), A_GROUPLIST);
	assert_int_equal(cmdtab_nargs(&r), 0);
	assert_int_equal(parse("gr 224.0.0.0-224.0.0.255", &r, why,
	    sizeof(why)), A_GROUPLIST);
	assert_string_equal(cmdtab_arg(&r, 0), "224.0.0.0-224.0.0.255");

	/* a keyword sets its own action; an argument keeps it */
	assert_int_equal(parse("connect --cluster c.conf m2", &r, why,
	    sizeof(why)), A_CONNECT_CLUSTER);
	assert_string_equal(cmdtab_arg(&r, 1), "m2");
	assert_int_equal(parse("connect udp:127.0.0.1:4500", &r, why,
	    sizeof(why)), A_CONNECT);
	assert_int_equal(parse("connect --cl c.conf", &r, why, sizeof(why)),
	    A_CONNECT_CLUSTER);
}

struct cands {
	char	 c[32][64];
	size_t	 n;
};

static void
add(void *actx, const char *cand)
{
	struct cands *k = actx;

	if (k->n < 32)
		snprintf(k->c[k->n++], sizeof(k->c[0]), "%s", cand);
}

static size_t
arg_fn(void *ctx, int kind, const struct cmdtab_result *sofar,
    const char *prefix, cmdtab_add_fn addf, void *actx)
{
	static const char *const names[] = { "m1", "m2", "omit-dead", NULL };
	size_t i, n = 0;

	if (kind != K_NAME)
		return 0;
	for (i = 0; names[i] != NULL; i++)
		if (strncmp(names[i], prefix, strlen(prefix)) == 0) {
			addf(actx, names[i]);
			n++;
		}
	return n;
}

static size_t
complete(const char *line, const char *prefix, struct cands *k)
{
	static char buf[512];
	static char *argv[CMDTAB_WORDS_MAX];
	char why[64];
	int argc;

	memset(k, 0, sizeof(*k));
	snprintf(buf, sizeof(buf), "%s", line);
	argc = cmdtab_split(buf, argv, CMDTAB_WORDS_MAX, why, sizeof(why));
	assert_true(argc >= 0);
	return cmdtab_complete(root, argc, argv, prefix, arg_fn, NULL, add, k);
}

static void
test_complete(void **state)
{
	struct cands k;

	assert_int_equal(complete("", "st", &k), 2);
	assert_string_equal(k.c[0], "status");
	assert_string_equal(k.c[1], "stats");
	assert_int_equal(complete("", "", &k), 8);
	assert_int_equal(complete("show", "", &k), 3);
	assert_int_equal(complete("sh", "re", &k), 1);
	assert_string_equal(k.c[0], "redirect-map");
	/* arguments come from the program */
	assert_int_equal(complete("fault", "om", &k), 1);
	assert_string_equal(k.c[0], "omit-dead");
	assert_int_equal(complete("fault omit-dead", "o", &k), 2);
	assert_string_equal(k.c[0], "on");
	assert_string_equal(k.c[1], "off");
	assert_int_equal(complete("connect --cluster c.conf", "m", &k), 2);
	assert_int_equal(complete("connect", "--", &k), 1);
	assert_string_equal(k.c[0], "--cluster");
	/* nothing after a command that ends, nothing after a bad word */
	assert_int_equal(complete("quit", "", &k), 0);
	assert_int_equal(complete("frob", "", &k), 0);
	assert_int_equal(complete("s", "", &k), 0);
}

struct lines {
	char	 u[32][128];
	char	 h[32][64];
	size_t	 n;
};

static void
line(void *ctx, const char *usage, const char *help)
{
	struct lines *l = ctx;

	if (l->n < 32) {
		snprintf(l->u[l->n], sizeof(l->u[0]), "%s", usage);
		snprintf(l->h[l->n++], sizeof(l->h[0]), "%s", help);
	}
}

static void
test_usage(void **state)
{
	struct lines l;
	char why[128], *argv[1] = { (char *)"sh" };

	memset(&l, 0, sizeof(l));
	assert_int_equal(cmdtab_usage(root, 0, NULL, line, &l, why,
	    sizeof(why)), 11);
	assert_string_equal(l.u[0], "show members");
	assert_string_equal(l.h[0], "members");
	assert_string_equal(l.u[2], "show redirect-map");
	assert_string_equal(l.u[3], "status");
	assert_string_equal(l.u[5], "fault NAME on|off");
	assert_string_equal(l.u[6], "join GROUP...");
	assert_string_equal(l.u[7], "grouplist [RANGE]");
	assert_string_equal(l.u[8], "connect --cluster FILE [NAME]");
	assert_string_equal(l.h[8], "cluster");
	assert_string_equal(l.u[9], "connect ENDPOINT");
	assert_string_equal(l.u[10], "quit");

	memset(&l, 0, sizeof(l));
	assert_int_equal(cmdtab_usage(root, 1, argv, line, &l, why,
	    sizeof(why)), 3);
	assert_string_equal(l.u[1], "show mcs");
	argv[0] = (char *)"nope";
	assert_int_equal(cmdtab_usage(root, 1, argv, line, &l, why,
	    sizeof(why)), -1);
	assert_string_equal(why, "unknown command \"nope\"");
}

static void
test_split(void **state)
{
	char buf[256], *argv[8], why[64];

	snprintf(buf, sizeof(buf), "  send join  'a b' \"c \\\"d\\\"\" e\\ f # x");
	assert_int_equal(cmdtab_split(buf, argv, 8, why, sizeof(why)), 5);
	assert_string_equal(argv[0], "send");
	assert_string_equal(argv[1], "join");
	assert_string_equal(argv[2], "a b");
	assert_string_equal(argv[3], "c \"d\"");
	assert_string_equal(argv[4], "e f");

	snprintf(buf, sizeof(buf), "a#b");
	assert_int_equal(cmdtab_split(buf, argv, 8, why, sizeof(why)), 1);
	assert_string_equal(argv[0], "a#b");
	snprintf(buf, sizeof(buf), "say 'unterminated");
	assert_int_equal(cmdtab_split(buf, argv, 8, why, sizeof(why)), -1);
	assert_string_equal(why, "unterminated ' quote");
	snprintf(buf, sizeof(buf), "a b c d");
	assert_int_equal(cmdtab_split(buf, argv, 3, why, sizeof(why)), -1);
	snprintf(buf, sizeof(buf), "   # only a comment");
	assert_int_equal(cmdtab_split(buf, argv, 8, why, sizeof(why)), 0);
}

static void
test_next_command(void **state)
{
	char buf[256], *cmd, *rest;

	snprintf(buf, sizeof(buf), "show members; join 'a;b' \"c;d\"; quit "
	    "# x; y");
	rest = cmdtab_next_command(buf);
	assert_string_equal(buf, "show members");
	cmd = rest;
	rest = cmdtab_next_command(cmd);
	assert_string_equal(cmd, " join 'a;b' \"c;d\"");
	cmd = rest;
	rest = cmdtab_next_command(cmd);
	assert_null(rest);
	assert_string_equal(cmd, " quit ");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_and_prefix),
		cmocka_unit_test(test_ambiguous),
		cmocka_unit_test(test_errors_name_command_and_word),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_next_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
