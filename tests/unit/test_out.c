/* Output buffer (out.h): appends, number/hex conversion, flushing, escaping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mars/err.h"
#include "mars/out.h"

/* The buffer's contents as a C string (tests only). */
static const char *
text(struct mars_out *ob)
{
	static char s[8192];
	size_t n = ob->len < sizeof(s) - 1 ? ob->len : sizeof(s) - 1;

	memcpy(s, ob->buf, n);
	s[n] = '\0';
	return s;
}

/* Everything readable from a pipe without blocking. */
static size_t
drain(int fd, char *dst, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap && (n = read(fd, dst + got, cap - got)) > 0)
		got += (size_t)n;
	return got;
}

static void
test_numbers(void **state)
{
	char st[128];
	struct mars_out ob;

	mars_out_init(&ob, -1, st, sizeof(st));
	mars_out_u64(&ob, 0);
	mars_out_putc(&ob, ' ');
	mars_out_u64(&ob, 7);
	mars_out_putc(&ob, ' ');
	mars_out_u64(&ob, 1234567890);
	mars_out_putc(&ob, ' ');
	mars_out_u64(&ob, UINT64_MAX);
	assert_string_equal(text(&ob), "0 7 1234567890 18446744073709551615");
	assert_false(ob.err);
}

static void
test_hex_and_puts(void **state)
{
	static const uint8_t b[] = { 0x00, 0x0f, 0xa5, 0xff };
	char st[64];
	struct mars_out ob;

	mars_out_init(&ob, -1, st, sizeof(st));
	mars_out_puts(&ob, "x=");
	mars_out_hex(&ob, b, sizeof(b));
	mars_out_hex(&ob, b, 0);
	mars_out_write(&ob, "!?", 1);
	assert_string_equal(text(&ob), "x=000fa5ff!");
}

/* Memory only: the buffer stops growing, nothing is written anywhere. */
static void
test_memory_only_caps(void **state)
{
	char st[8];
	struct mars_out ob;

	mars_out_init(&ob, -1, st, sizeof(st));
	mars_out_puts(&ob, "abcdef");
	mars_out_puts(&ob, "ghij");
	assert_int_equal(ob.len, 8);
	assert_memory_equal(ob.buf, "abcdefgh", 8);
	mars_out_putc(&ob, 'z');
	mars_out_u64(&ob, 99);
	mars_out_hex(&ob, (const uint8_t *)"\x12", 1);
	assert_int_equal(ob.len, 8);
	assert_int_equal(mars_out_flush(&ob), 0);
	assert_int_equal(ob.len, 8);		/* flush keeps memory output */
	assert_false(ob.err);
}

/* A 3-octet buffer still delivers every byte, in order. */
static void
test_flush_tiny_capacity(void **state)
{
	static const uint8_t bytes[] = { 0xde, 0xad, 0xbe, 0xef, 0x01 };
	char st[3], got[512], want[512];
	struct mars_out ob;
	int p[2], i;
	size_t n;

	assert_int_equal(pipe(p), 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	mars_out_init(&ob, p[1], st, sizeof(st));
	want[0] = '\0';
	for (i = 0; i < 20; i++) {
		mars_out_puts(&ob, "line ");
		mars_out_u64(&ob, (uint64_t)i * 1000003);
		mars_out_putc(&ob, ' ');
		mars_out_hex(&ob, bytes, sizeof(bytes));
		mars_out_putc(&ob, '\n');
		n = strlen(want);
		snprintf(want + n, sizeof(want) - n, "line %d deadbeef01\n",
		    i * 1000003);
	}
	mars_out_printf(&ob, "%s-%d\n", "end", 42);
	strcat(want, "end-42\n");
	assert_int_equal(mars_out_flush(&ob), 0);
	assert_int_equal(ob.len, 0);
	n = drain(p[0], got, sizeof(got) - 1);
	got[n] = '\0';
	assert_string_equal(got, want);
	assert_false(ob.err);
	close(p[0]);
	close(p[1]);
}

/* Nothing reaches the fd before the buffer fills or mars_out_flush() runs. */
static void
test_buffers_until_full(void **state)
{
	char st[16], got[64];
	struct mars_out ob;
	int p[2];

	assert_int_equal(pipe(p), 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	mars_out_init(&ob, p[1], st, sizeof(st));
	mars_out_puts(&ob, "0123456789\n");
	assert_int_equal(drain(p[0], got, sizeof(got)), 0);
	mars_out_puts(&ob, "abcdefghij");		/* 21 octets: one flush */
	assert_int_equal(drain(p[0], got, sizeof(got)), 16);
	assert_memory_equal(got, "0123456789\nabcde", 16);
	assert_int_equal(ob.len, 5);
	close(p[0]);
	close(p[1]);
}

/* line_flush: each completed line goes out at once (live captures). */
static void
test_line_flush(void **state)
{
	char st[256], got[64];
	struct mars_out ob;
	int p[2];
	size_t n;

	assert_int_equal(pipe(p), 0);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	mars_out_init(&ob, p[1], st, sizeof(st));
	ob.line_flush = true;
	mars_out_puts(&ob, "partial");
	assert_int_equal(drain(p[0], got, sizeof(got)), 0);
	mars_out_putc(&ob, '\n');
	n = drain(p[0], got, sizeof(got));
	assert_int_equal(n, 8);
	assert_memory_equal(got, "partial\n", 8);
	mars_out_puts(&ob, "two\nthree");
	n = drain(p[0], got, sizeof(got));
	assert_int_equal(n, 9);
	assert_int_equal(ob.len, 0);
	close(p[0]);
	close(p[1]);
}

/* A failing write sets err, drops the buffer and discards later output. */
static void
test_write_error(void **state)
{
	char st[8];
	struct mars_out ob;
	int p[2];

	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	mars_out_init(&ob, p[1], st, sizeof(st));
	mars_out_puts(&ob, "hello");
	assert_false(ob.err);
	assert_int_equal(mars_out_flush(&ob), MARS_E_SYS);
	assert_true(ob.err);
	assert_int_equal(ob.len, 0);
	mars_out_puts(&ob, "more output than fits");
	assert_int_equal(ob.len, 0);
	assert_int_equal(mars_out_flush(&ob), MARS_E_SYS);
	close(p[1]);

	/* A descriptor that is not open: the overflow write fails. */
	mars_out_init(&ob, 1000, st, sizeof(st));
	mars_out_puts(&ob, "0123456789");
	assert_true(ob.err);
}

static void
test_printf(void **state)
{
	char st[1024], big[600];
	struct mars_out ob;

	mars_out_init(&ob, -1, st, sizeof(st));
	mars_out_printf(&ob, "%04x|%-3s|%d", 0x1f, "ab", -5);
	assert_string_equal(text(&ob), "001f|ab |-5");

	/* Longer than the internal stack block. */
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mars_out_init(&ob, -1, st, sizeof(st));
	mars_out_printf(&ob, "<%s>", big);
	assert_int_equal(ob.len, sizeof(big) - 1 + 2);
	assert_int_equal(ob.buf[0], '<');
	assert_int_equal(ob.buf[ob.len - 1], '>');
	assert_int_equal(ob.buf[300], 'q');
}

static void
test_json_escaping(void **state)
{
	char st[256];
	struct mars_out ob;

	mars_out_init(&ob, -1, st, sizeof(st));
	mars_out_json_str(&ob, "plain");
	mars_out_putc(&ob, ' ');
	mars_out_json_str(&ob, "q\"b\\s/\n\r\t\b\f\x01\x1f end");
	mars_out_putc(&ob, ' ');
	mars_out_json_str(&ob, "");
	assert_string_equal(text(&ob),
	    "\"plain\" \"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u001f end\" \"\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_hex_and_puts),
		cmocka_unit_test(test_memory_only_caps),
		cmocka_unit_test(test_flush_tiny_capacity),
		cmocka_unit_test(test_buffers_until_full),
		cmocka_unit_test(test_line_flush),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_json_escaping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
