/*
 * freeport: print N UDP ports on 127.0.0.1 that are free right now, one
 * per line, for scripts that must write them into a cluster file
 * (marsd.conf(5) forbids port 0).  All N are bound at once and the kernel
 * picks each, so they differ and are not in use; they are released on
 * exit, so a script should still retry if a daemon then fails to bind.
 *
 *   freeport [N]            N defaults to 1, at most 64
 *   freeport -c PORT ...    exit 0 when every PORT can be bound now
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PORTS_MAX	64

static int
bind_port(unsigned port, struct sockaddr_in *sin)
{
	int fd;

	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return -1;
	*sin = (struct sockaddr_in){ .sin_family = AF_INET };
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons((unsigned short)port);
	if (bind(fd, (struct sockaddr *)sin, sizeof(*sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
check_ports(int argc, char **argv)
{
	struct sockaddr_in sin;
	int fds[PORTS_MAX], i, rc = 0;
	long p;

	for (i = 0; i < argc && i < PORTS_MAX; i++) {
		p = strtol(argv[i], NULL, 10);
		if (p <= 0 || p > 65535 ||
		    (fds[i] = bind_port((unsigned)p, &sin)) == -1) {
			rc = 1;
			break;
		}
	}
	while (--i >= 0)
		close(fds[i]);
	return rc;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	socklen_t len;
	int fds[PORTS_MAX], n = 1, i;

	if (argc > 1 && strcmp(argv[1], "-c") == 0)
		return check_ports(argc - 2, argv + 2);

	if (argc > 1)
		n = atoi(argv[1]);
	if (argc > 2 || n < 1 || n > PORTS_MAX) {
		fprintf(stderr, "usage: freeport [1-%d]\n", PORTS_MAX);
		return 2;
	}
	for (i = 0; i < n; i++) {
		len = sizeof(sin);
		if ((fds[i] = bind_port(0, &sin)) == -1 ||
		    getsockname(fds[i], (struct sockaddr *)&sin, &len) == -1) {
			perror("freeport: bind");
			return 1;
		}
		printf("%u\n", (unsigned)ntohs(sin.sin_port));
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	return 0;
}
