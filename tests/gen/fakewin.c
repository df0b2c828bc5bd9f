/*
 * fakewin: a MARS that behaves as the Windows 2000 IP/ATM server does on
 * the wire (PROTOCOL.md C8-C10, C18), for the tests of the member's side
 * until marsd emulates it.  It builds every reply by editing a copy of the
 * received message, as that server does, and so:
 *
 *   - echoes the member's mar$chksum stale (C10): it never recomputes it;
 *   - hands out CMIs from 0 (C18): the first member gets CMI 0;
 *   - writes the CSN into the last 4 octets of mar$pad in a NAK (C9);
 *   - sends its periodic MARS_REDIRECT_MAP with mar$shtl 0 although its
 *     20 source octets follow, and mar$seqxy 0 (C8), checksum 0.
 *
 *   fakewin [-i MS] [-a ATMHEX] LISTEN
 *
 * LISTEN is udp:HOST:PORT (port 0: any).  It prints "listening on
 * udp:HOST:PORT", then one line per message it answers ("register cmi=0",
 * "deregister", "join", "leave", "request") and per map ("map N"), and
 * runs until killed.  It answers every REQUEST with a NAK and keeps no
 * group database: enough to register, join, be asked and stay alive.
 */
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
#include "mars/proto.h"

#define L	MARS_LLC_SNAP_LEN

static struct mars_link *link_;
static uint8_t self[MARS_ATM_ADDR_MAX] = {
	0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00, 0xf2,
	0x1a, 0x26, 0xd8, 0x00, 0x20, 0xea, 0x00, 0x00, 0x0f, 0x00,
};
static uint16_t next_cmi;	/* C18: from 0 */
static uint32_t csn = 1;	/* C18: only the CSN starts at 1 */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void
send_vc(uint8_t kind, uint32_t peer, const uint8_t *sdu, size_t len)
{
	struct mars_vc vc = { kind, peer };

	(void)mars_link_send(link_, &vc, sdu, len, NULL);
}

/* The copy of a JOIN/LEAVE as that server makes it: flags, cmi, msn. */
static void
answer_join(const struct mars_link_rx *rx, const struct mars_msg *m)
{
	uint8_t out[MARS_LINK_DGRAM_MAX];
	bool reg = (m->flags & MARS_FLAG_REGISTER) != 0;
	uint16_t cmi = m->cmi;

	memcpy(out, rx->sdu, rx->len);
	put16(out + L + 24, (uint16_t)(m->flags | MARS_FLAG_COPY));
	if (reg && m->op == MARS_JOIN) {
		cmi = next_cmi++;
		(void)mars_link_leaf_add(link_, MARS_VC_CCVC, rx->peer);
		printf("register cmi=%u\n", cmi);
	} else if (reg) {
		(void)mars_link_leaf_del(link_, MARS_VC_CCVC, rx->peer);
		printf("deregister\n");
	} else
		printf("%s\n", m->op == MARS_JOIN ? "join" : "leave");
	put16(out + L + 26, cmi);
	put32(out + L + 28, reg ? csn : ++csn);
	/* Registration answers go back privately, group copies to all. */
	if (reg)
		send_vc(MARS_VC_P2P, rx->peer, out, rx->len);
	else
		send_vc(MARS_VC_CCVC, 0, out, rx->len);
}

/* C9: the NAK is the REQUEST with op 6 and the CSN in mar$pad. */
static void
answer_request(const struct mars_link_rx *rx)
{
	uint8_t out[MARS_LINK_DGRAM_MAX];

	memcpy(out, rx->sdu, rx->len);
	out[L + 17] = MARS_NAK;
	put32(out + L + 28, csn);
	printf("request\n");
	send_vc(MARS_VC_P2P, rx->peer, out, rx->len);
}

/* C8: the periodic map, mar$shtl 0 over 20 source octets, seqxy 0. */
static void
send_map(unsigned n)
{
	uint8_t out[256];
	struct mars_msg m;
	size_t len;

	memset(&m, 0, sizeof(m));
	m.afn = MARS_AFN_ATM;
	m.pro_type = MARS_PRO_IPV4;
	m.op = MARS_REDIRECT_MAP;
	m.sha.addr = self;
	m.sha.tl = MARS_ATM_ADDR_MAX;
	m.thtl = MARS_ATM_ADDR_MAX;
	m.tnum = 1;
	m.seqxy = MARS_SEQ_LAST | 1;
	m.msn = csn;
	m.list = self;
	if (mars_encode(&m, out, sizeof(out), &len, MARS_ENC_LLC |
	    MARS_ENC_NOCHKSUM, NULL) != 0)
		return;
	out[L + 18] = 0;
	put16(out + L + 26, 0);
	send_vc(MARS_VC_CCVC, 0, out, len);
	printf("map %u\n", n);
}

static void
input(const struct mars_link_rx *rx)
{
	struct mars_msg m;
	int rc;

	if (rx->len < L)
		return;
	/* That server does not check checksums either (C10). */
	rc = mars_decode(&m, rx->sdu + L, rx->len - L, L, MARS_DEC_NOCHKSUM,
	    NULL);
	if (rc != 0 && rc != MARS_E_NONCONF)
		return;
	switch (m.op) {
	case MARS_JOIN:
	case MARS_LEAVE:
		if (!(m.flags & MARS_FLAG_COPY))
			answer_join(rx, &m);
		break;
	case MARS_REQUEST:
		answer_request(rx);
		break;
	default:
		break;
	}
}

int
main(int argc, char **argv)
{
	static uint8_t buf[MARS_LINK_DGRAM_MAX];
	struct mars_endpoint ep, local;
	struct mars_link_rx rx;
	struct mars_err err;
	struct pollfd pfd;
	char text[MARS_ENDPOINT_TEXT_MAX];
	uint64_t interval = 1000, next;
	unsigned maps = 0;
	uint32_t peer;
	int ch, rc, wait;

	while ((ch = getopt(argc, argv, "i:a:")) != -1) {
		switch (ch) {
		case 'i':
			interval = strtoull(optarg, NULL, 10);
			break;
		case 'a':
			if (mars_atm_parse_hex(optarg, self, sizeof(self)) !=
			    MARS_ATM_ADDR_MAX) {
				fprintf(stderr, "fakewin: -a: 40 hex digits\n");
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: fakewin [-i ms] [-a atm] "
			    "udp:HOST:PORT\n");
			return 2;
		}
	}
	if (optind + 1 != argc || interval == 0 ||
	    mars_endpoint_parse(&ep, argv[optind], &err) != 0 ||
	    mars_link_open(&link_, &ep, MARS_LINK_F_MARS, &err) != 0 ||
	    mars_link_local(link_, &local, &err) != 0) {
		fprintf(stderr, "fakewin: cannot listen on %s\n",
		    optind < argc ? argv[optind] : "?");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mars_endpoint_format(&local, text, sizeof(text));
	printf("listening on %s\n", text);
	next = now_ms() + interval;
	pfd.fd = mars_link_fd(link_);
	pfd.events = POLLIN;
	for (;;) {
		wait = next > now_ms() ? (int)(next - now_ms()) : 0;
		if (poll(&pfd, 1, wait) > 0) {
			/* A member gone (ICMP): off the ClusterControlVC. */
			while (mars_link_lost(link_, &peer) == 1)
				(void)mars_link_leaf_del(link_, MARS_VC_CCVC,
				    peer);
			while ((rc = mars_link_recv(link_, buf, sizeof(buf),
			    &rx, &err)) != 0)
				if (rc > 0)
					input(&rx);
		}
		if (now_ms() >= next) {
			send_map(++maps);
			next += interval;
		}
	}
}
