/*
 * mapgen: a capture of a busy redundant cluster for make bench, as a
 * member on the lab transport sees it (LINKTYPE_RAW, IPv4, UDP, the
 * mars-lab(7) shim): three MARS entities, MEMBERS members, GROUPS
 * groups.  The members register, then join and leave groups for ever;
 * the Active relays each on ClusterControlVC with its CSN and sends its
 * redirect map every 500 messages; every 250,000 messages the Active
 * fails, the next one takes over with its own CSN, and the members
 * register with it again keeping their CMIs.  The population is fixed,
 * so a longer capture is more of the same: what the checker keeps must
 * not grow with it.
 *
 *   mapgen [-m MEMBERS] [-g GROUPS] N FILE
 *
 * Deterministic: the same arguments write the same file.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/msg.h"
#include "mars/proto.h"
#include "mars/shim.h"

#define LINKTYPE_RAW	101
#define NMARS		3
#define T0		1767225600u	/* 2026-01-01T00:00:00Z */
#define FAILOVER_EVERY	250000u
#define MAP_EVERY	500u

static FILE *out;
static uint64_t written, usec;

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* One record: IPv4 + UDP + shim + SDU, from port sport to dport. */
static void
record(uint16_t sport, uint16_t dport, uint8_t kind, uint16_t vci,
    bool from_mars, const uint8_t *sdu, size_t len)
{
	uint8_t rec[64 + MARS_MTU], hdr[16];
	struct mars_shim sh;
	size_t n = 20 + 8 + MARS_SHIM_LEN + len;

	memset(rec, 0, 28);
	rec[0] = 0x45;
	rec[2] = (uint8_t)(n >> 8);
	rec[3] = (uint8_t)n;
	rec[8] = 64;
	rec[9] = 17;
	rec[12] = rec[16] = 127;
	rec[15] = rec[19] = 1;
	rec[20] = (uint8_t)(sport >> 8);
	rec[21] = (uint8_t)sport;
	rec[22] = (uint8_t)(dport >> 8);
	rec[23] = (uint8_t)dport;
	rec[24] = (uint8_t)((n - 20) >> 8);
	rec[25] = (uint8_t)(n - 20);
	memset(&sh, 0, sizeof(sh));
	sh.version = MARS_SHIM_VERSION;
	sh.kind = kind;
	sh.vci = vci;
	sh.flags = from_mars ? MARS_SHIM_F_FROM_MARS : 0;
	mars_shim_encode(&sh, rec + 28);
	memcpy(rec + 28 + MARS_SHIM_LEN, sdu, len);
	usec += 100;
	put32(hdr, (uint32_t)(T0 + usec / 1000000u));
	put32(hdr + 4, (uint32_t)(usec % 1000000u));
	put32(hdr + 8, (uint32_t)n);
	put32(hdr + 12, (uint32_t)n);
	fwrite(hdr, 1, sizeof(hdr), out);
	fwrite(rec, 1, n, out);
	written++;
}

static void
atm(uint8_t *a, uint8_t kind, uint32_t id)
{
	static const uint8_t base[MARS_ATM_ADDR_MAX] = {
		0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00, 0xf2,
		0x1a, 0x26, 0xd8, 0x00, 0x20, 0xea, 0x00, 0x00, 0x00, 0x00,
	};

	memcpy(a, base, sizeof(base));
	a[15] = kind;
	a[16] = (uint8_t)(id >> 16);
	a[17] = (uint8_t)(id >> 8);
	a[18] = (uint8_t)id;
}

static size_t
encode(const struct mars_msg *m, uint8_t *buf)
{
	size_t len;

	if (mars_encode(m, buf, MARS_MTU, &len, MARS_ENC_LLC, NULL) != 0) {
		fprintf(stderr, "mapgen: cannot encode\n");
		exit(1);
	}
	return len;
}

static void
base_msg(struct mars_msg *m, uint8_t op, const uint8_t *sha)
{
	memset(m, 0, sizeof(*m));
	m->afn = MARS_AFN_ATM;
	m->pro_type = MARS_PRO_IPV4;
	m->op = op;
	m->sha.addr = sha;
	m->sha.tl = MARS_ATM_ADDR_MAX;
}

/* The Active's map, itself first, the others in order. */
static void
map(unsigned active, uint32_t msn)
{
	uint8_t sha[20], list[20 * NMARS], buf[512];
	struct mars_msg m;
	unsigned k;

	atm(sha, 0xaa, active);
	base_msg(&m, MARS_REDIRECT_MAP, sha);
	for (k = 0; k < NMARS; k++)
		atm(list + 20 * k, 0xaa, (active + k) % NMARS);
	m.thtl = 20;
	m.tnum = NMARS;
	m.list = list;
	m.seqxy = MARS_SEQ_LAST | 1;
	m.msn = msn;
	record((uint16_t)(4501 + active), 40000, MARS_VC_CCVC, 32, true, buf,
	    encode(&m, buf));
}

static void
join(unsigned active, uint32_t member, uint32_t group, bool leave,
    uint16_t flags, uint16_t cmi, uint32_t msn, bool ccvc)
{
	uint8_t sha[20], grp[8], buf[256];
	struct mars_msg m;

	atm(sha, 0xbb, member);
	base_msg(&m, leave ? MARS_LEAVE : MARS_JOIN, sha);
	m.flags = flags;
	m.cmi = cmi;
	m.msn = msn;
	if (!(flags & MARS_FLAG_REGISTER)) {
		grp[0] = grp[4] = 224;
		grp[1] = grp[5] = (uint8_t)(group >> 16);
		grp[2] = grp[6] = (uint8_t)(group >> 8);
		grp[3] = grp[7] = (uint8_t)group;
		m.grp_len = 4;
		m.pnum = 1;
		m.list = grp;
		m.flags |= MARS_FLAG_LAYER3GRP;
	}
	record((uint16_t)(4501 + active), 40000, ccvc ? MARS_VC_CCVC :
	    MARS_VC_P2P, ccvc ? 32 : 100, true, buf, encode(&m, buf));
}

int
main(int argc, char **argv)
{
	static const uint8_t ghdr[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, LINKTYPE_RAW, 0, 0, 0,
	};
	uint32_t members = 1000, groups = 100, csn[NMARS] = { 1, 5001, 9001 };
	uint64_t n, i = 0, round;
	unsigned active = 0;
	uint32_t k, step = 0;
	bool started = false;
	int ch;

	while ((ch = getopt(argc, argv, "m:g:")) != -1) {
		switch (ch) {
		case 'm':
			members = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'g':
			groups = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2 || members == 0 || groups == 0 ||
	    members > 65535)
		goto usage;
	n = strtoull(argv[optind], NULL, 0);
	if ((out = fopen(argv[optind + 1], "wb")) == NULL) {
		perror(argv[optind + 1]);
		return 1;
	}
	fwrite(ghdr, 1, sizeof(ghdr), out);
	while (written < n) {
		/* A new Active: its map, then every member registers. */
		if (!started || written / FAILOVER_EVERY != step) {
			step = (uint32_t)(written / FAILOVER_EVERY);
			if (started)
				active = (active + 1) % NMARS;
			started = true;
			map(active, csn[active]++);
			for (k = 0; k < members && written < n; k++)
				join(active, k, 0, false, MARS_FLAG_REGISTER |
				    MARS_FLAG_COPY, (uint16_t)(k + 1),
				    csn[active], false);
		}
		if (written % MAP_EVERY == 0)
			map(active, csn[active]++);
		else {
			/* Round r: every member joins a group, then leaves it
			   in round r + 1. */
			k = (uint32_t)(i % members);
			round = i / members;
			join(active, k, (uint32_t)((round / 2 + k) % groups),
			    round % 2 == 1, MARS_FLAG_COPY, 0, csn[active]++,
			    true);
			i++;
		}
	}
	if (fclose(out) != 0) {
		perror(argv[optind + 1]);
		return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: mapgen [-m MEMBERS] [-g GROUPS] N FILE\n");
	return 2;
}
