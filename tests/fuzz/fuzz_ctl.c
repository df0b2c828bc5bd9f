/*
 * libFuzzer harness for the admin protocol (ctl.h): the input is what a
 * client writes on the admin socket.  It is cut into lines as marsd's
 * control.c does and each line goes through mars_ctl_parse(); the answer
 * is framed with the reply buffer (data lines carrying the line's words,
 * dot-stuffed, and a JSON string of the whole line) and read back with
 * mars_ctl_line_kind(), as adminq and marsctl read it.
 *
 * Invariants: a parsed request names a command of the table with its
 * name and help, a refused one says why in a NUL-terminated message; the
 * framing is lossless (every data line reads back as written, whatever it
 * begins with, and the answer ends with exactly one end or error line);
 * a JSON string holds no raw control character and ends with its quote.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/ctl.h"

#include "fuzz_seq.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LINES_MAX	32

/* Read the framed answer in b back, checking each data line. */
static void
read_back(const struct mars_ctl_buf *b, char lines[][MARS_CTL_REQUEST_MAX],
    size_t nlines, bool error)
{
	const char *p = b->p, *end = b->p + b->len, *text, *nl;
	char line[8 * MARS_CTL_REQUEST_MAX];	/* "\u00XX" per octet at worst */
	size_t i = 0, n;
	bool done = false;
	enum mars_ctl_line kind;

	while (p < end) {
		FZ_CHECK(!done);
		nl = memchr(p, '\n', (size_t)(end - p));
		FZ_CHECK(nl != NULL);
		n = (size_t)(nl - p);
		FZ_CHECK(n < sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		kind = mars_ctl_line_kind(line, &text);
		if (kind == MARS_CTL_LINE_DATA && i < nlines) {
			FZ_CHECK(strcmp(text, lines[i]) == 0);
			i++;
		} else if (kind == MARS_CTL_LINE_DATA) {
			/* the JSON string line */
			FZ_CHECK(text[0] == '"' && n >= 2 && line[n - 1] == '"');
			for (; *text != '\0'; text++)
				FZ_CHECK((unsigned char)*text >= 0x20);
		} else {
			FZ_CHECK(kind == (error ? MARS_CTL_LINE_ERROR :
			    MARS_CTL_LINE_END));
			done = true;
		}
		p = nl + 1;
	}
	FZ_CHECK(done && i == (error ? 0 : nlines));
}

static void
one_line(struct mars_ctl_buf *b, const char *line)
{
	static char words[LINES_MAX][MARS_CTL_REQUEST_MAX];
	struct mars_ctl_request req;
	char why[MARS_CTL_REQUEST_MAX + 64];
	const char *w = line;
	size_t nw = 0, wl, mark;
	int rc;

	mars_ctl_buf_reset(b);
	rc = mars_ctl_parse(line, &req, why, sizeof(why));
	if (rc != 0) {
		FZ_CHECK(rc == MARS_E_PARSE);
		FZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL && why[0] != '\0');
		mars_ctl_buf_end_error(b, "%s", why);
		read_back(b, words, 0, true);
		return;
	}
	FZ_CHECK(req.cmd > MARS_CTL_NONE && req.cmd < MARS_CTL_CMD_MAX);
	FZ_CHECK(mars_ctl_cmd_name(req.cmd)[0] != '\0');
	FZ_CHECK(mars_ctl_cmd_help(req.cmd) != NULL);
	FZ_CHECK(memchr(req.arg, '\0', sizeof(req.arg)) != NULL);
	FZ_CHECK(req.cmd != MARS_CTL_FAULT || req.arg[0] != '\0');
	/* Echo the words as data lines, then the line as a JSON string. */
	while (nw < LINES_MAX) {
		w += strspn(w, " \t\r");
		if (*w == '\0')
			break;
		wl = strcspn(w, " \t\r");
		memcpy(words[nw], w, wl);
		words[nw][wl] = '\0';
		mark = b->len;
		mars_ctl_buf_put(b, w, wl);
		mars_ctl_buf_end_line(b, mark);
		nw++;
		w += wl;
	}
	mark = b->len;
	mars_ctl_buf_json_str(b, line);
	mars_ctl_buf_end_line(b, mark);
	mars_ctl_buf_end_ok(b);
	FZ_CHECK(!b->overflow);
	read_back(b, words, nw, false);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mars_ctl_buf b;
	static bool init;
	char line[MARS_CTL_REQUEST_MAX];
	const uint8_t *p = data, *nl, *end = data + size;
	size_t n, lines = 0;

	if (!init) {
		mars_ctl_buf_init(&b, 1 << 16);
		init = true;
	}
	/* marsd answers a request of at most MARS_CTL_REQUEST_MAX octets. */
	while (p < end && lines++ < LINES_MAX) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			/* a NUL ends the request where marsd sees it end */
			one_line(&b, line);
		}
		p += n + 1;
	}
	return 0;
}
