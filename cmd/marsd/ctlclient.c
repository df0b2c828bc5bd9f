/*
 * marsd -C: one request to a running marsd's admin socket (ctl.h line
 * protocol), its answer on standard output, for scripts and operators
 * without marsctl(8).  The words of the command are the operands
 * ("show members"); --json asks for the JSON answer.  Exit status: 0
 * answered, 1 the daemon answered with an error or could not be reached
 * or did not answer in time.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mars/ctl.h"
#include "marsd.h"

#define ANSWER_WAIT_MS	10000
#define LINE_MAX_LEN	(1 << 16)

static int
request(char *req, size_t cap, int argc, char **argv, bool json)
{
	size_t used = 0;
	int i, n;
	bool has_json = false;

	for (i = 0; i < argc; i++) {
		n = snprintf(req + used, cap - used, "%s%s", i ? " " : "",
		    argv[i]);
		if (n < 0 || (size_t)n >= cap - used)
			return -1;
		used += (size_t)n;
		has_json = strcmp(argv[i], "json") == 0;
	}
	if (json && !has_json) {
		n = snprintf(req + used, cap - used, " json");
		if (n < 0 || (size_t)n >= cap - used)
			return -1;
		used += (size_t)n;
	}
	if (used + 1 >= cap)
		return -1;
	req[used++] = '\n';
	req[used] = '\0';
	return (int)used;
}

int
ctl_client(const char *path, int argc, char **argv, bool json)
{
	static char line[LINE_MAX_LEN];
	char req[MARS_CTL_REQUEST_MAX + 1];
	const char *text;
	struct pollfd pfd;
	struct mars_err err;
	size_t len = 0;
	ssize_t n;
	char *nl;
	int fd, rl;

	if (argc == 0) {
		report_usage("-C: no command (try: marsd -C help)");
		return 2;
	}
	if ((rl = request(req, sizeof(req), argc, argv, json)) < 0) {
		report_usage("-C: command longer than %d octets",
		    MARS_CTL_REQUEST_MAX - 1);
		return 2;
	}
	if ((fd = mars_ctl_connect(path, &err)) < 0) {
		report_error("admin socket %s: %s (is marsd running? --admin "
		    "or -c/-n name the socket)", path, err.code == MARS_E_SYS ?
		    strerror(err.sys_errno) : err.why);
		return 1;
	}
	if (write(fd, req, (size_t)rl) != rl) {
		report_error("admin socket %s: %s", path, strerror(errno));
		close(fd);
		return 1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		while ((nl = memchr(line, '\n', len)) != NULL) {
			*nl = '\0';
			switch (mars_ctl_line_kind(line, &text)) {
			case MARS_CTL_LINE_END:
				close(fd);
				return fflush(stdout) == 0 ? 0 : 1;
			case MARS_CTL_LINE_ERROR:
				report_error("%s", text);
				close(fd);
				return 1;
			case MARS_CTL_LINE_DATA:
				printf("%s\n", text);
				break;
			}
			len -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, len);
		}
		if (len == sizeof(line)) {
			/* a line longer than the buffer: pass it on in pieces */
			fwrite(line, 1, len, stdout);
			len = 0;
		}
		if (poll(&pfd, 1, ANSWER_WAIT_MS) != 1) {
			report_error("admin socket %s: no answer within %d s",
			    path, ANSWER_WAIT_MS / 1000);
			close(fd);
			return 1;
		}
		if ((n = read(fd, line + len, sizeof(line) - len)) <= 0) {
			report_error("admin socket %s: closed before the end "
			    "of the answer", path);
			close(fd);
			return 1;
		}
		len += (size_t)n;
	}
}
