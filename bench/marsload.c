/*
 * marsload: drive a MARS (or the null echo server) over the lab
 * transport for bench/b_marsd.sh.
 *
 *   marsload [-a admin-socket -p pid] [-g groups] [-m members]
 *            [-s seconds] [-w window] TARGET
 *
 * Registers -m members (default 1000) from one socket; has each join -g
 * groups shared by all (default 0) and then one group of its own, and
 * reports the memory per (member, group) membership of both phases (db
 * octets from `show stats` of the admin socket, RSS of pid); then measures
 * MARS_REQUEST round trips per second and MARS_JOIN/MARS_LEAVE per second
 * (each answered by one datagram: MULTI or NAK, the JOIN/LEAVE copy on
 * ClusterControlVC) with -w messages in flight (default 8).  The
 * requests ask for the members' own groups: a MULTI of one member.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mars/ctl.h"
#include "mars/endpoint.h"
#include "mars/link.h"
#include "mars/msg.h"
#include "mars/shim.h"

static int	fd;
static unsigned	window = 8;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Shim + LLC + message of op from member id about group g. */
static size_t
build(uint8_t *dg, uint8_t op, unsigned id, uint32_t g, uint16_t flags)
{
	static const struct mars_shim sh = { MARS_SHIM_VERSION, MARS_VC_P2P,
	    0, 0, 0 };
	struct mars_msg m;
	uint8_t atm[MARS_ATM_ADDR_MAX] = { 0x47, 0x00, 0x05, 0x80, 0xff, 0xe1 };
	uint8_t pa[4], grp[8];
	uint32_t v;
	size_t n;

	atm[16] = (uint8_t)(id >> 16);
	atm[17] = (uint8_t)(id >> 8);
	atm[18] = (uint8_t)id;
	v = htonl(0x0a000000u | id);
	memcpy(pa, &v, 4);
	v = htonl(g);
	memcpy(grp, &v, 4);
	memcpy(grp + 4, &v, 4);
	memset(&m, 0, sizeof(m));
	m.afn = MARS_AFN_ATM;
	m.pro_type = MARS_PRO_IPV4;
	m.op = op;
	m.sha.tl = MARS_ATM_ADDR_MAX;
	m.sha.addr = atm;
	m.spa.addr = pa;
	m.spa.len = 4;
	if (op == MARS_REQUEST) {
		m.tpa.addr = grp;
		m.tpa.len = 4;
	} else {
		m.grp_len = 4;
		m.flags = flags;
		m.pnum = (flags & MARS_FLAG_REGISTER) ? 0 : 1;
		m.list = m.pnum ? grp : NULL;
	}
	mars_shim_encode(&sh, dg);
	if (mars_encode(&m, dg + MARS_SHIM_LEN, MARS_MTU, &n, MARS_ENC_LLC,
	    NULL) != 0)
		exit(2);
	return MARS_SHIM_LEN + n;
}

/*
 * Send count messages made by gen(i), at most `window` unanswered; every
 * datagram received is an answer.  Returns the messages per second.
 */
static double
run(unsigned long count, double seconds,
    size_t (*gen)(uint8_t *, unsigned long))
{
	static uint8_t dg[MARS_LINK_DGRAM_MAX], rx[MARS_LINK_DGRAM_MAX];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned long sent = 0, got = 0;
	double t0 = now_s(), t;
	size_t n;

	for (;;) {
		while (sent - got < window && (count == 0 || sent < count)) {
			n = gen(dg, sent);
			if (send(fd, dg, n, 0) == (ssize_t)n)
				sent++;
			else
				break;
		}
		if (count != 0 && got >= count)
			break;
		t = now_s();
		/* timed phases stop at `seconds`, counted ones at 30 s */
		if (t - t0 >= (seconds > 0 ? seconds : 30)) {
			if (count != 0)
				fprintf(stderr, "marsload: phase stopped after "
				    "30 s with %lu of %lu answered\n", got,
				    count);
			break;
		}
		if (poll(&pfd, 1, 1000) != 1) {
			got = sent;	/* lost: go on */
			continue;
		}
		while (recv(fd, rx, sizeof(rx), MSG_DONTWAIT) > 0)
			got++;
	}
	/* let the answers in flight arrive */
	while (poll(&pfd, 1, 100) == 1 && recv(fd, rx, sizeof(rx), 0) > 0)
		;
	return (double)got / (now_s() - t0);
}

static unsigned	members = 1000, groups;

static size_t
gen_register(uint8_t *dg, unsigned long i)
{
	return build(dg, MARS_JOIN, (unsigned)i + 1, 0, MARS_FLAG_REGISTER);
}

/* Every member joins the same g groups 224.1.0.0 ...: memberships only. */
static size_t
gen_shared_join(uint8_t *dg, unsigned long i)
{
	return build(dg, MARS_JOIN, (unsigned)(i / groups) + 1,
	    0xe0010000u + (uint32_t)(i % groups), 0);
}

/* Member m joins a group of its own, 224.2.x.y: a group per membership. */
static size_t
gen_private_join(uint8_t *dg, unsigned long i)
{
	return build(dg, MARS_JOIN, (unsigned)i + 1, 0xe0020000u + (uint32_t)i,
	    0);
}

static size_t
gen_request(uint8_t *dg, unsigned long i)
{
	/* a member's own group: a MULTI of one, as small as the request */
	return build(dg, MARS_REQUEST, (unsigned)(i % members) + 1,
	    0xe0020000u + (uint32_t)((i * 7919) % members), 0);
}

static size_t
gen_joinleave(uint8_t *dg, unsigned long i)
{
	return build(dg, (i & 1) ? MARS_LEAVE : MARS_JOIN,
	    (unsigned)((i / 2) % members) + 1, 0xef000001u, 0);
}

/* A numeric field of `show stats` (0 when not reachable). */
static unsigned long long
stat_field(const char *sock, const char *key)
{
	char buf[8192], pat[64], *p;
	struct pollfd pfd;
	ssize_t n;
	size_t len = 0;
	int s;

	if (sock == NULL || (s = mars_ctl_connect(sock, NULL)) < 0)
		return 0;
	if (write(s, "show stats\n", 11) != 11) {
		close(s);
		return 0;
	}
	pfd.fd = s;
	pfd.events = POLLIN;
	/* a daemon that does not answer within 2 s reads as 0 */
	while (len < sizeof(buf) - 1 && poll(&pfd, 1, 2000) == 1 &&
	    (n = read(s, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\n.\n") != NULL)
			break;
	}
	close(s);
	buf[len] = '\0';
	snprintf(pat, sizeof(pat), " %s=", key);
	if ((p = strstr(buf, pat)) == NULL)
		return 0;
	return strtoull(p + strlen(pat), NULL, 10);
}

static unsigned long long
rss_kb(long pid)
{
	char path[64], line[256];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %llu", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Run a join phase; report the octets per membership it added. */
static void
memory(const char *what, unsigned long count,
    size_t (*gen)(uint8_t *, unsigned long), const char *admin, long pid)
{
	unsigned long long db0, db1, m0, m1, r0, r1;
	double rate;

	db0 = stat_field(admin, "db_octets");
	m0 = stat_field(admin, "memberships");
	r0 = pid ? rss_kb(pid) : 0;
	rate = run(count, 0, gen);
	db1 = stat_field(admin, "db_octets");
	m1 = stat_field(admin, "memberships");
	r1 = pid ? rss_kb(pid) : 0;
	printf("%s joins: %lu at %.0f/s\n", what, count, rate);
	if (m1 > m0)
		printf("memory per %s membership: db %.1f octets, rss %.1f "
		    "octets (%llu memberships)\n", what,
		    (double)(db1 - db0) / (double)(m1 - m0),
		    (double)(r1 - r0) * 1024.0 / (double)(m1 - m0), m1 - m0);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct mars_endpoint ep;
	socklen_t sslen;
	const char *admin = NULL;
	double seconds = 1, rate;
	long pid = 0;
	int ch, sz = 1 << 20;

	while ((ch = getopt(argc, argv, "a:g:m:p:s:w:")) != -1) {
		switch (ch) {
		case 'a': admin = optarg; break;
		case 'g': groups = (unsigned)atoi(optarg); break;
		case 'm': members = (unsigned)atoi(optarg); break;
		case 'p': pid = atol(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'w': window = (unsigned)atoi(optarg); break;
		default:
			fprintf(stderr, "usage: marsload [-a sock -p pid] [-g n] "
			    "[-m n] [-s sec] [-w n] target\n");
			return 2;
		}
	}
	if (optind + 1 != argc || members == 0 || window == 0 ||
	    mars_endpoint_parse(&ep, argv[optind], NULL) != 0 ||
	    mars_endpoint_resolve(&ep, AF_UNSPEC, false, &ss, &sslen, NULL) != 0) {
		fprintf(stderr, "marsload: bad arguments\n");
		return 2;
	}
	if ((fd = socket(ss.ss_family, SOCK_DGRAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&ss, sslen) == -1)
		return 2;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));

	rate = run(members, 0, gen_register);
	printf("register %u members: %.0f/s\n", members, rate);
	if (groups > 0)
		memory("shared", (unsigned long)members * groups,
		    gen_shared_join, admin, pid);
	memory("private", members, gen_private_join, admin, pid);
	printf("request round trips: %.0f/s\n",
	    run(0, seconds, gen_request));
	printf("join/leave: %.0f/s\n", run(0, seconds, gen_joinleave));
	return 0;
}
