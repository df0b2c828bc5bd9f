/*
 * udpecho: the null server marsd is measured against (bench/b_marsd.sh):
 * every datagram goes straight back to its sender, shim and all.
 * Prints its endpoint ("udp:127.0.0.1:PORT") on stdout, runs until killed
 * or for at most 600 s.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main(void)
{
	struct sockaddr_in sin, from;
	socklen_t len = sizeof(sin), flen;
	struct pollfd pfd;
	unsigned char buf[9216];
	time_t end = time(NULL) + 600;
	ssize_t n;
	int fd, sz = 1 << 20;

	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return 1;
	printf("udp:127.0.0.1:%u\n", ntohs(sin.sin_port));
	fflush(stdout);
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* poll then read, as marsd's event loop does */
	while (time(NULL) < end) {
		if (poll(&pfd, 1, 1000) != 1)
			continue;
		flen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		    &flen);
		if (n > 0)
			(void)sendto(fd, buf, (size_t)n, 0,
			    (struct sockaddr *)&from, flen);
	}
	return 0;
}
