/*
 * adminq: a tiny admin-socket client for the tests (ctl.h), until
 * marsctl exists:
 *
 *   adminq SOCKET show members [json | --json]
 *
 * Prints the data lines of the answer (dot-stuffing removed); exits 0 on
 * the end line, 1 on an error line (message on stderr), 2 when the
 * daemon cannot be reached or does not answer within 5 s.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mars/ctl.h"

int
main(int argc, char **argv)
{
	char req[MARS_CTL_REQUEST_MAX], line[1 << 16];
	const char *text;
	struct pollfd pfd;
	struct mars_err err;
	size_t len = 0, used;
	ssize_t n;
	char *nl;
	int fd, i;

	if (argc < 3) {
		fprintf(stderr, "usage: adminq socket word ...\n");
		return 2;
	}
	req[0] = '\0';
	for (i = 2, used = 0; i < argc; i++)
		used += (size_t)snprintf(req + used, sizeof(req) - used > 0 ?
		    sizeof(req) - used : 0, "%s%s", i > 2 ? " " : "",
		    strcmp(argv[i], "--json") == 0 ? "json" : argv[i]);
	if (used + 1 >= sizeof(req)) {
		fprintf(stderr, "adminq: request too long\n");
		return 2;
	}
	req[used++] = '\n';
	if ((fd = mars_ctl_connect(argv[1], &err)) < 0) {
		fprintf(stderr, "adminq: %s: %s\n", argv[1], err.code ==
		    MARS_E_SYS ? strerror(err.sys_errno) : err.why);
		return 2;
	}
	if (write(fd, req, used) != (ssize_t)used) {
		perror("adminq: write");
		return 2;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		while ((nl = memchr(line, '\n', len)) != NULL) {
			*nl = '\0';
			switch (mars_ctl_line_kind(line, &text)) {
			case MARS_CTL_LINE_END:
				return 0;
			case MARS_CTL_LINE_ERROR:
				fprintf(stderr, "adminq: %s\n", text);
				return 1;
			case MARS_CTL_LINE_DATA:
				printf("%s\n", text);
				break;
			}
			len -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, len);
		}
		if (len == sizeof(line)) {
			/* a line longer than the buffer: print it in pieces */
			fwrite(line, 1, len, stdout);
			len = 0;
		}
		if (poll(&pfd, 1, 5000) != 1) {
			fprintf(stderr, "adminq: no answer\n");
			return 2;
		}
		if ((n = read(fd, line + len, sizeof(line) - len)) <= 0) {
			fprintf(stderr, "adminq: connection closed\n");
			return 2;
		}
		len += (size_t)n;
	}
}
