/*
 * labsend: send SDUs to a MARS over the lab transport (mars-lab(7)) and
 * print what comes back, for the integration tests.
 *
 *   labsend [-H] [-w ms] TARGET SPEC ...
 *
 * TARGET is udp:HOST:PORT.  Each SPEC is sent in order from one socket,
 * then replies are printed for -w ms (default 300), one line each:
 *
 *   rx p2p 0/101 JOIN cmi=1 msn=0 flags=0x6000
 *   rx p2p 0/101 MULTI tnum=2 msn=3
 *   rx p2p 0/101 JOIN cmi=0 msn=0 flags=0x6000 nonconf=cmi-zero
 *
 * (nonconf= names what a conforming member would drop the reply for.)
 * SPECs (ATM: a member number 1-65535 turned into an NSAP; GROUP: an
 * IPv4 address):
 *   register:ATM        registration MARS_JOIN (RFC 2022 §5.2.3)
 *   deregister:ATM      deregistration MARS_LEAVE
 *   join:ATM:GROUP      MARS_JOIN of one group (§5.3)
 *   leave:ATM:GROUP     MARS_LEAVE of one group
 *   request:ATM:GROUP   MARS_REQUEST (§5.1)
 *   trunc:ATM           a MARS_REQUEST cut to 20 octets of message
 *   badop:ATM           a MARS_REQUEST with mar$op.type 42, valid checksum
 *   badsum:ATM          a MARS_REQUEST with a wrong mar$chksum
 *   big                 a 9300-octet SDU behind a valid shim
 *   garbage             a datagram without the lab shim
 *   sdu:HEX             this SDU behind a p2p shim
 *   raw:HEX             this datagram as it is
 * -H keeps receiving and printing after the last SPEC until killed (a
 * member that stays registered).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mars/atm.h"
#include "mars/endpoint.h"
#include "mars/link.h"
#include "mars/msg.h"
#include "mars/pdu.h"
#include "mars/shim.h"

static void
mk_atm(uint8_t *out, unsigned id)
{
	static const uint8_t base[MARS_ATM_ADDR_MAX] = {
		0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00, 0xf2,
		0x1a, 0x26, 0xd8, 0x00, 0x20, 0x48, 0x00, 0x00, 0x00, 0x00,
	};

	memcpy(out, base, sizeof(base));
	out[17] = (uint8_t)(id >> 8);
	out[18] = (uint8_t)id;
}

/* A MARS message of op from member id for group (0 = none): LLC + msg. */
static size_t
build(uint8_t *out, size_t cap, uint8_t op, unsigned id, uint32_t group,
    uint16_t flags)
{
	struct mars_msg m;
	uint8_t atm[MARS_ATM_ADDR_MAX], pa[4], g[8];
	uint32_t spa = htonl(0x0a010000u | (id & 0xffff));
	size_t n;

	mk_atm(atm, id);
	memcpy(pa, &spa, 4);
	group = htonl(group);
	memcpy(g, &group, 4);
	memcpy(g + 4, &group, 4);
	memset(&m, 0, sizeof(m));
	m.afn = MARS_AFN_ATM;
	m.pro_type = MARS_PRO_IPV4;
	m.op = op;
	m.sha.tl = MARS_ATM_ADDR_MAX;
	m.sha.addr = atm;
	m.spa.addr = pa;
	m.spa.len = 4;
	if (op == MARS_REQUEST) {
		m.tpa.addr = g;
		m.tpa.len = 4;
	} else {
		m.grp_len = 4;
		m.flags = flags;
		m.pnum = flags & MARS_FLAG_REGISTER ? 0 : 1;
		m.list = m.pnum ? g : NULL;
	}
	if (mars_encode(&m, out, cap, &n, MARS_ENC_LLC, NULL) != 0) {
		fprintf(stderr, "labsend: cannot encode\n");
		exit(2);
	}
	return n;
}

static int
hexdecode(const char *s, uint8_t *out, size_t cap)
{
	return mars_atm_parse_hex(s, out, cap);
}

/* Build the datagram for one SPEC into dg; returns its length. */
static size_t
datagram(const char *spec, uint8_t *dg, size_t cap)
{
	struct mars_shim sh = { MARS_SHIM_VERSION, MARS_VC_P2P, 0, 0, 0 };
	uint8_t *sdu = dg + MARS_SHIM_LEN;
	size_t scap = cap - MARS_SHIM_LEN, n = 0;
	unsigned id = 0, a, b, c, d;
	uint32_t grp = 0;
	const char *arg = strchr(spec, ':');
	int k;

	if (arg != NULL) {
		id = (unsigned)strtoul(arg + 1, NULL, 10);
		if ((arg = strchr(arg + 1, ':')) != NULL &&
		    sscanf(arg + 1, "%u.%u.%u.%u", &a, &b, &c, &d) == 4)
			grp = a << 24 | b << 16 | c << 8 | d;
		arg = strchr(spec, ':');
	}
	if (strncmp(spec, "register:", 9) == 0)
		n = build(sdu, scap, MARS_JOIN, id, 0, MARS_FLAG_REGISTER);
	else if (strncmp(spec, "deregister:", 11) == 0)
		n = build(sdu, scap, MARS_LEAVE, id, 0, MARS_FLAG_REGISTER);
	else if (strncmp(spec, "join:", 5) == 0)
		n = build(sdu, scap, MARS_JOIN, id, grp, 0);
	else if (strncmp(spec, "leave:", 6) == 0)
		n = build(sdu, scap, MARS_LEAVE, id, grp, 0);
	else if (strncmp(spec, "request:", 8) == 0)
		n = build(sdu, scap, MARS_REQUEST, id, grp, 0);
	else if (strncmp(spec, "trunc:", 6) == 0)
		n = MARS_LLC_SNAP_LEN + 20 + 0 * build(sdu, scap, MARS_REQUEST, id,
		    0xe0000001u, 0);
	else if (strncmp(spec, "badop:", 6) == 0 ||
	    strncmp(spec, "badsum:", 7) == 0) {
		n = build(sdu, scap, MARS_REQUEST, id, 0xe0000001u, 0);
		if (spec[3] == 'o') {
			/* mar$op.type at message offset 17, §4.3 */
			sdu[MARS_LLC_SNAP_LEN + 17] = 42;
			sdu[MARS_LLC_SNAP_LEN + 12] = sdu[MARS_LLC_SNAP_LEN + 13] = 0;
			k = mars_cksum(sdu + MARS_LLC_SNAP_LEN, n - MARS_LLC_SNAP_LEN);
			sdu[MARS_LLC_SNAP_LEN + 12] = (uint8_t)(k >> 8);
			sdu[MARS_LLC_SNAP_LEN + 13] = (uint8_t)k;
		} else
			sdu[MARS_LLC_SNAP_LEN + 13] ^= 0x5a;
	} else if (strcmp(spec, "big") == 0) {
		n = 9300;
		memset(sdu, 0xaa, n);
	} else if (strcmp(spec, "garbage") == 0) {
		memcpy(dg, "hello, not a lab shim", 21);
		return 21;
	} else if (strncmp(spec, "sdu:", 4) == 0) {
		if ((k = hexdecode(spec + 4, sdu, scap)) < 0)
			goto bad;
		n = (size_t)k;
	} else if (strncmp(spec, "raw:", 4) == 0) {
		if ((k = hexdecode(spec + 4, dg, cap)) < 0)
			goto bad;
		return (size_t)k;
	} else
		goto bad;
	mars_shim_encode(&sh, dg);
	return MARS_SHIM_LEN + n;
bad:
	fprintf(stderr, "labsend: bad spec \"%s\"\n", spec);
	exit(2);
}

static void
print_reply(const uint8_t *p, size_t n)
{
	struct mars_shim sh;
	struct mars_pdu pdu;
	const struct mars_msg *m = &pdu.u.mars;
	const char *sep;
	unsigned bit;
	int rc;

	if (!mars_shim_decode(&sh, p, n)) {
		printf("rx no-shim len=%zu\n", n);
		return;
	}
	printf("rx %s %u/%u", mars_vc_kind_name(sh.kind), sh.vpi, sh.vci);
	rc = mars_pdu_decode(&pdu, p + MARS_SHIM_LEN, n - MARS_SHIM_LEN, 0);
	if (!mars_err_parsed(rc) || pdu.kind != MARS_PDU_MARS) {
		printf(" undecodable len=%zu\n", n - MARS_SHIM_LEN);
		return;
	}
	printf(" %s", mars_op_short(m->op) != NULL ? mars_op_short(m->op) :
	    "?");
	switch (mars_op_family(m->op)) {
	case MARS_FAM_C:
		printf(" cmi=%u msn=%u flags=0x%04x", m->cmi, m->msn, m->flags);
		break;
	case MARS_FAM_B:
	case MARS_FAM_B1:
	case MARS_FAM_B2:
		printf(" tnum=%u msn=%u", m->tnum, m->msn);
		break;
	default:
		break;
	}
	/* parsed, but a conforming member would drop it (msg.h MARS_NC_*) */
	for (bit = 1, sep = " nonconf="; bit <= MARS_NC_ALL; bit <<= 1)
		if ((m->nonconf & bit) && mars_nonconf_name(bit) != NULL) {
			printf("%s%s", sep, mars_nonconf_name(bit));
			sep = ",";
		}
	printf("\n");
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Print replies for ms milliseconds in all: a deadline, not a gap, so that
 * periodic redirect maps coming faster than ms do not keep us here.
 */
static void
drain(int fd, int ms)
{
	uint8_t buf[MARS_LINK_DGRAM_MAX];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long end = now_ms() + ms, left;
	ssize_t n;

	while ((left = end - now_ms()) > 0 &&
	    poll(&pfd, 1, (int)left) == 1) {
		if ((n = recv(fd, buf, sizeof(buf), 0)) < 0)
			continue;	/* an ICMP error: ignore */
		print_reply(buf, (size_t)n);
		fflush(stdout);
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct mars_endpoint ep;
	struct mars_err err;
	socklen_t sslen;
	static uint8_t dg[16384];
	size_t n;
	int ch, fd, i, wait_ms = 300;
	int hold = 0;

	while ((ch = getopt(argc, argv, "Hw:")) != -1) {
		switch (ch) {
		case 'H':
			hold = 1;
			break;
		case 'w':
			wait_ms = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: labsend [-H] [-w ms] target "
			    "spec ...\n");
			return 2;
		}
	}
	if (optind + 1 >= argc + (hold ? 1 : 0) || optind >= argc) {
		fprintf(stderr, "usage: labsend [-H] [-w ms] target spec ...\n");
		return 2;
	}
	if (mars_endpoint_parse(&ep, argv[optind], &err) != 0 ||
	    mars_endpoint_resolve(&ep, AF_UNSPEC, false, &ss, &sslen, &err) != 0) {
		fprintf(stderr, "labsend: %s: bad target\n", argv[optind]);
		return 2;
	}
	if ((fd = socket(ss.ss_family, SOCK_DGRAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&ss, sslen) == -1) {
		perror("labsend");
		return 2;
	}
	for (i = optind + 1; i < argc; i++) {
		n = datagram(argv[i], dg, sizeof(dg));
		if (send(fd, dg, n, 0) != (ssize_t)n)
			perror("labsend: send");
		drain(fd, wait_ms);
	}
	while (hold)
		drain(fd, 1000);
	return 0;
}
