/*
 * Daemon logging: level filter and the --json line format on stderr.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "run/log.h"

/* Run fn with stderr sent to a temporary file; return what it wrote. */
static char *
capture_stderr(void (*fn)(void))
{
	char path[] = "/tmp/test_log.XXXXXX";
	static char got[4096];
	int fd, saved;
	ssize_t n;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	got[n > 0 ? n : 0] = '\0';
	return got;
}

static void
write_plain(void)
{
	log_init("marsd", false, 0);
	log_set_json(false);
	log_info("not shown at verbosity 0");
	log_msg(LOG_NOTICE, "member %u registered", 7u);
}

static void
write_json(void)
{
	log_init("marsd", false, 1);
	log_set_json(true);
	log_info("quote \" and\ttab");
	log_debug("not shown at verbosity 1");
	log_set_json(false);
}

static void
test_plain(void **state)
{
	assert_string_equal(capture_stderr(write_plain),
	    "marsd: member 7 registered\n");
}

static void
test_json(void **state)
{
	const char *got = capture_stderr(write_json);

	/* mars-json(7): "type" first */
	assert_int_equal(strncmp(got, "{\"type\":\"log\",\"ts\":",
	    strlen("{\"type\":\"log\",\"ts\":")), 0);
	assert_non_null(strstr(got, ",\"program\":\"marsd\",\"level\":"
	    "\"info\",\"message\":\"quote \\\" and\\ttab\"}\n"));
	assert_null(strstr(got, "not shown"));
	assert_int_equal(strchr(got, '\n') - got + 1, (long)strlen(got));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
