/*
 * labburst: send a burst of lab datagrams (mars-lab(7)) as fast as the
 * socket takes them, for the live-capture tests and measurements.
 *
 *   labburst TARGET COUNT
 *
 * TARGET is udp:HOST:PORT; nothing needs to listen there (the datagrams
 * are sent from an unconnected socket, so ICMP port unreachable does not
 * turn into send errors).  Each datagram is a MARS_JOIN copy on
 * ClusterControlVC 0/32 as a MARS relays it (RFC 2022 §5.2.1), from
 * member i % 1000 + 1 for group 224.x.y.z, with mar$msn 1000 + i: a
 * capture of the whole burst has no CSN gap.  A send the kernel refuses
 * for lack of buffer space (ENOBUFS, EAGAIN) is retried after a short
 * pause, so exactly COUNT datagrams leave.  Prints "sent COUNT" at the end.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mars/endpoint.h"
#include "mars/msg.h"
#include "mars/proto.h"
#include "mars/shim.h"

#define CCVC_VCI	32

static size_t
datagram(uint8_t *dg, size_t cap, unsigned long i)
{
	static const uint8_t base[MARS_ATM_ADDR_MAX] = {
		0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00, 0xf2,
		0x1a, 0x26, 0xd8, 0x00, 0x20, 0x48, 0x00, 0x00, 0x00, 0x00,
	};
	struct mars_shim sh = { MARS_SHIM_VERSION, MARS_VC_CCVC, 0, CCVC_VCI,
	    MARS_SHIM_F_FROM_MARS };
	uint8_t atm[MARS_ATM_ADDR_MAX], spa[4], pair[8];
	unsigned id = (unsigned)(i % 1000) + 1;
	struct mars_msg m;
	size_t n;

	memcpy(atm, base, sizeof(atm));
	atm[17] = (uint8_t)(id >> 8);
	atm[18] = (uint8_t)id;
	spa[0] = 10;
	spa[1] = 1;
	spa[2] = (uint8_t)(id >> 8);
	spa[3] = (uint8_t)id;
	pair[0] = 224 + (uint8_t)(i % 16);
	pair[1] = (uint8_t)(i >> 16);
	pair[2] = (uint8_t)(i >> 8);
	pair[3] = (uint8_t)i;
	memcpy(pair + 4, pair, 4);
	memset(&m, 0, sizeof(m));
	m.afn = MARS_AFN_ATM;
	m.pro_type = MARS_PRO_IPV4;
	m.op = MARS_JOIN;
	m.sha.tl = MARS_ATM_ADDR_MAX;
	m.sha.addr = atm;
	m.spa.addr = spa;
	m.spa.len = 4;
	m.grp_len = 4;
	m.pnum = 1;
	m.list = pair;
	m.flags = MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY;
	m.cmi = (uint16_t)id;
	m.msn = (uint32_t)(1000 + i);
	if (mars_encode(&m, dg + MARS_SHIM_LEN, cap - MARS_SHIM_LEN, &n,
	    MARS_ENC_LLC, NULL) != 0) {
		fprintf(stderr, "labburst: cannot encode\n");
		exit(2);
	}
	mars_shim_encode(&sh, dg);
	return MARS_SHIM_LEN + n;
}

int
main(int argc, char **argv)
{
	const struct timespec pause = { 0, 200000 };	/* 0.2 ms */
	struct sockaddr_storage ss;
	struct mars_endpoint ep;
	struct mars_err err;
	socklen_t sslen;
	uint8_t dg[512];
	unsigned long count, i;
	char *end;
	size_t n;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: labburst udp:HOST:PORT COUNT\n");
		return 2;
	}
	count = strtoul(argv[2], &end, 10);
	if (*argv[2] < '0' || *argv[2] > '9' || *end != '\0') {
		fprintf(stderr, "labburst: %s: not a count\n", argv[2]);
		return 2;
	}
	if (mars_endpoint_parse(&ep, argv[1], &err) != 0 ||
	    mars_endpoint_resolve(&ep, AF_UNSPEC, false, &ss, &sslen,
	    &err) != 0) {
		fprintf(stderr, "labburst: %s: bad target\n", argv[1]);
		return 2;
	}
	if ((fd = socket(ss.ss_family, SOCK_DGRAM, 0)) == -1) {
		perror("labburst: socket");
		return 2;
	}
	for (i = 0; i < count; i++) {
		n = datagram(dg, sizeof(dg), i);
		while (sendto(fd, dg, n, 0, (struct sockaddr *)&ss, sslen) !=
		    (ssize_t)n) {
			if (errno != ENOBUFS && errno != EAGAIN &&
			    errno != EINTR) {
				perror("labburst: sendto");
				return 1;
			}
			nanosleep(&pause, NULL);
		}
	}
	printf("sent %lu\n", count);
	return 0;
}
