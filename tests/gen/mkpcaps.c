/*
 * mkpcaps: write the test captures of testdata/pcap, or a large capture of
 * MARS_JOIN messages for benchmarks.
 *
 *   mkpcaps DIR              every test capture (see testdata/pcap/README)
 *   mkpcaps --joins N FILE   N MARS_JOIN copies, LINKTYPE_ATM_RFC1483
 *
 * Every message is built with mars_encode()/mars_scsp_encode(); only NHRP and
 * deliberately broken records are assembled by hand.  Output is fully
 * deterministic: timestamps start at 2026-01-01T00:00:00Z and advance by
 * 1 ms per record in each file, and nothing depends on the host, so a rerun
 * produces byte-identical files and golden outputs stay stable.
 */
#include <err.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "mars/err.h"
#include "mars/msg.h"
#include "mars/proto.h"
#include "mars/scsp.h"
#include "mars/shim.h"
#include "base/wire.h"

#define T0		1767225600	/* 2026-01-01T00:00:00Z */
#define SNAPLEN		65535
#define BUFSZ		(MARS_MTU + 256)
#define LINKTYPE_ATM_RFC1483	100	/* pcapng IDB holds LINKTYPE_ values */
#define LINKTYPE_SUNATM		123
#define SUNATM_LLC		0x02
#define SUNATM_TX		0x80
#define LAB_PORT		4000

/* Addresses: invented ICD NSAPs as in PROTOCOL.md §8, IPv4 10.1.1.x. */
static uint8_t cm[5][MARS_ATM_ADDR_MAX];	/* cm[1..4]: cluster members */
static uint8_t ms[4][MARS_ATM_ADDR_MAX];	/* ms[1..3]: MARS servers */
static uint8_t mcs[MARS_ATM_ADDR_MAX];	/* a multicast server */
static uint8_t cm_ip[5][4], ms_ip[4][4], mcs_ip[4];

static const uint8_t grp_a[4] = { 224, 1, 2, 3 };
static const uint8_t grp_b[4] = { 239, 1, 1, 1 };
static const uint8_t grp_c[4] = { 224, 5, 6, 7 };
static const uint8_t grp_all_min[4] = { 224, 0, 0, 0 };
static const uint8_t grp_all_max[4] = { 239, 255, 255, 255 };

static void
addr_init(void)
{
	static const uint8_t base[MARS_ATM_ADDR_MAX] = {
		0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x01, 0x00, 0x20, 0x48, 0xaa, 0x00, 0x01, 0x00,
	};
	int i;

	for (i = 1; i <= 4; i++) {
		memcpy(cm[i], base, MARS_ATM_ADDR_MAX);
		cm[i][18] = (uint8_t)i;
		memcpy(cm_ip[i], "\x0a\x01\x01\x00", 4);
		cm_ip[i][3] = (uint8_t)i;
	}
	for (i = 1; i <= 3; i++) {
		memcpy(ms[i], base, MARS_ATM_ADDR_MAX);
		ms[i][16] = 0x00;
		ms[i][18] = (uint8_t)i;
		memcpy(ms_ip[i], "\x0a\x01\x01\x00", 4);
		ms_ip[i][3] = (uint8_t)(249 + i);	/* M1 = 10.1.1.250 */
	}
	memcpy(mcs, base, MARS_ATM_ADDR_MAX);
	mcs[16] = 0xbb;
	memcpy(mcs_ip, "\x0a\x01\x01\x64", 4);
}

/* ---- output files --------------------------------------------------- */

/* A VC as seen by the capturing host, which is the MARS M1. */
struct vc {
	uint16_t	 vpi;
	uint16_t	 vci;
	uint8_t		 kind;		/* enum mars_vc_kind */
};

static const struct vc vc_cm1 = { 0, 100, MARS_VC_P2P };
static const struct vc vc_cm2 = { 0, 101, MARS_VC_P2P };
static const struct vc vc_cm3 = { 0, 102, MARS_VC_P2P };
static const struct vc vc_mcs = { 0, 110, MARS_VC_P2P };
static const struct vc vc_ccvc = { 0, 200, MARS_VC_CCVC };
static const struct vc vc_scvc = { 0, 201, MARS_VC_SCVC };
static const struct vc vc_m2 = { 1, 300, MARS_VC_SERVER };

enum lab_ip { LAB_V4, LAB_V6, LAB_ALTERNATE };

struct out {
	const char	*path;
	pcap_t		*dead;
	pcap_dumper_t	*d;
	FILE		*ng;		/* pcapng, written by hand */
	int		 dlt;
	enum lab_ip	 ip;
	uint32_t	 nrec;
};

static void
out_open(struct out *o, const char *dir, const char *name, int dlt)
{
	static char path[4096];

	memset(o, 0, sizeof(*o));
	if (dir != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		o->path = path;
	} else
		o->path = name;
	o->dlt = dlt;
	if ((o->dead = pcap_open_dead(dlt, SNAPLEN)) == NULL)
		errx(1, "pcap_open_dead(%d) failed", dlt);
	if ((o->d = pcap_dump_open(o->dead, o->path)) == NULL)
		errx(1, "%s", pcap_geterr(o->dead));
}

static void
put_le16(FILE *f, uint16_t v)
{
	putc(v & 0xff, f);
	putc(v >> 8, f);
}

static void
put_le32(FILE *f, uint32_t v)
{
	put_le16(f, (uint16_t)v);
	put_le16(f, (uint16_t)(v >> 16));
}

/*
 * pcapng (draft-ietf-opsawg-pcapng): a Section Header Block and one
 * Interface Description Block without options (microsecond timestamps),
 * little-endian, so that the bytes do not depend on the host.
 */
static void
out_open_ng(struct out *o, const char *dir, const char *name, int dlt,
    uint16_t linktype)
{
	static char path[4096];

	memset(o, 0, sizeof(*o));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	o->path = path;
	o->dlt = dlt;
	if ((o->ng = fopen(path, "wb")) == NULL)
		err(1, "%s", path);
	put_le32(o->ng, 0x0a0d0d0a);		/* SHB */
	put_le32(o->ng, 28);
	put_le32(o->ng, 0x1a2b3c4d);		/* byte-order magic */
	put_le16(o->ng, 1);
	put_le16(o->ng, 0);
	put_le32(o->ng, 0xffffffff);		/* section length unknown */
	put_le32(o->ng, 0xffffffff);
	put_le32(o->ng, 28);
	put_le32(o->ng, 1);			/* IDB */
	put_le32(o->ng, 20);
	put_le16(o->ng, linktype);
	put_le16(o->ng, 0);
	put_le32(o->ng, SNAPLEN);
	put_le32(o->ng, 20);
}

static void
out_close(struct out *o)
{
	if (o->ng != NULL) {
		if (fclose(o->ng) != 0)
			err(1, "%s", o->path);
		return;
	}
	if (pcap_dump_flush(o->d) != 0)
		errx(1, "%s: write error", o->path);
	pcap_dump_close(o->d);
	pcap_close(o->dead);
}

/* One record; its timestamp is T0 + nrec ms. */
static void
out_rec(struct out *o, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct pcap_pkthdr h;
	uint64_t us = (uint64_t)T0 * 1000000 + (uint64_t)o->nrec * 1000;
	uint32_t blen, pad;

	o->nrec++;
	if (o->ng != NULL) {
		pad = (4 - caplen % 4) % 4;
		blen = 32 + caplen + pad;
		put_le32(o->ng, 6);		/* Enhanced Packet Block */
		put_le32(o->ng, blen);
		put_le32(o->ng, 0);		/* interface 0 */
		put_le32(o->ng, (uint32_t)(us >> 32));
		put_le32(o->ng, (uint32_t)us);
		put_le32(o->ng, caplen);
		put_le32(o->ng, wirelen);
		fwrite(data, 1, caplen, o->ng);
		fwrite("\0\0\0", 1, pad, o->ng);
		put_le32(o->ng, blen);
		return;
	}
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(us / 1000000);
	h.ts.tv_usec = (suseconds_t)(us % 1000000);
	h.caplen = caplen;
	h.len = wirelen;
	pcap_dump((u_char *)o->d, &h, data);
}

static void
store16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* UDP checksum with the IPv4 or IPv6 pseudo-header (RFC 768, RFC 8200 §8.1). */
static uint16_t
udp_cksum(const uint8_t *src, const uint8_t *dst, size_t alen,
    const uint8_t *udp, size_t ulen)
{
	static uint8_t tmp[40 + BUFSZ + 64];
	size_t n = 0;
	uint16_t sum;

	memcpy(tmp + n, src, alen);
	n += alen;
	memcpy(tmp + n, dst, alen);
	n += alen;
	if (alen == 4) {
		tmp[n++] = 0;
		tmp[n++] = 17;
		store16(tmp + n, (uint16_t)ulen);
		n += 2;
	} else {
		memset(tmp + n, 0, 4);
		store16(tmp + n + 2, (uint16_t)ulen);
		n += 4;
		memset(tmp + n, 0, 3);
		tmp[n + 3] = 17;
		n += 4;
	}
	memcpy(tmp + n, udp, ulen);
	sum = mars_cksum(tmp, n + ulen);
	return sum == 0 ? 0xffff : sum;
}

/*
 * The lab transport around one SDU (mars-lab(7)): link header, IPv4 or
 * IPv6, UDP, shim.  The MARS is 192.0.2.1 / 2001:db8::1; the peer's
 * address is derived from the VCI so that each VC has its own endpoint.
 */
static size_t
lab_wrap(struct out *o, const struct vc *vc, bool from_mars,
    const uint8_t *sdu, size_t len, uint8_t *buf, size_t cap)
{
	uint8_t mars4[4] = { 192, 0, 2, 1 }, peer4[4] = { 192, 0, 2, 0 };
	uint8_t mars6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint8_t peer6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 1 };
	uint8_t macm[6] = { 2, 0, 0, 0, 0, 1 }, macp[6] = { 2, 0, 0, 0, 1, 0 };
	struct mars_shim sh = { .version = MARS_SHIM_VERSION, .kind = vc->kind,
	    .vpi = vc->vpi, .vci = vc->vci,
	    .flags = from_mars ? MARS_SHIM_F_FROM_MARS : 0 };
	const uint8_t *src, *dst;
	struct wire_wr w;
	size_t ulen = 8 + MARS_SHIM_LEN + len, ip_at, udp_at;
	bool v6;

	peer4[3] = (uint8_t)(10 + vc->vci % 200);
	peer6[15] = (uint8_t)vc->vci;
	macp[5] = (uint8_t)vc->vci;
	v6 = o->ip == LAB_V6 || (o->ip == LAB_ALTERNATE && o->nrec % 2 == 1);
	wire_wr_init(&w, buf, cap);

	switch (o->dlt) {
	case DLT_EN10MB:
		wire_put_bytes(&w, from_mars ? macp : macm, 6);
		wire_put_bytes(&w, from_mars ? macm : macp, 6);
		if (vc->kind == MARS_VC_CCVC) {
			wire_put_u16(&w, 0x8100);	/* lab VLAN 20 */
			wire_put_u16(&w, 20);
		}
		wire_put_u16(&w, v6 ? 0x86dd : 0x0800);
		break;
	case DLT_LINUX_SLL:
		wire_put_u16(&w, from_mars ? 4 : 0);	/* outgoing : to us */
		wire_put_u16(&w, 1);			/* ARPHRD_ETHER */
		wire_put_u16(&w, 6);
		wire_put_bytes(&w, from_mars ? macm : macp, 6);
		wire_put_zero(&w, 2);
		wire_put_u16(&w, v6 ? 0x86dd : 0x0800);
		break;
	case DLT_LINUX_SLL2:
		wire_put_u16(&w, v6 ? 0x86dd : 0x0800);
		wire_put_u16(&w, 0);
		wire_put_u32(&w, 2);			/* ifindex */
		wire_put_u16(&w, 1);
		wire_put_u8(&w, from_mars ? 4 : 0);
		wire_put_u8(&w, 6);
		wire_put_bytes(&w, from_mars ? macm : macp, 6);
		wire_put_zero(&w, 2);
		break;
	case DLT_NULL:
		/* Written little-endian, as a little-endian BSD host would. */
		wire_put_u8(&w, v6 ? 30 : 2);
		wire_put_zero(&w, 3);
		break;
	default:					/* DLT_RAW */
		break;
	}
	ip_at = w.off;
	src = v6 ? (from_mars ? mars6 : peer6) : (from_mars ? mars4 : peer4);
	dst = v6 ? (from_mars ? peer6 : mars6) : (from_mars ? peer4 : mars4);
	if (!v6) {
		wire_put_u8(&w, 0x45);
		wire_put_u8(&w, 0);
		wire_put_u16(&w, (uint16_t)(20 + ulen));
		wire_put_u16(&w, (uint16_t)o->nrec);	/* identification */
		wire_put_u16(&w, 0x4000);		/* DF */
		wire_put_u8(&w, 64);
		wire_put_u8(&w, 17);
		wire_put_u16(&w, 0);
		wire_put_bytes(&w, src, 4);
		wire_put_bytes(&w, dst, 4);
		if (!w.failed)
			store16(buf + ip_at + 10, mars_cksum(buf + ip_at, 20));
	} else {
		wire_put_u32(&w, 0x60000000);
		wire_put_u16(&w, (uint16_t)ulen);
		wire_put_u8(&w, 17);
		wire_put_u8(&w, 64);
		wire_put_bytes(&w, src, 16);
		wire_put_bytes(&w, dst, 16);
	}
	udp_at = w.off;
	wire_put_u16(&w, LAB_PORT);
	wire_put_u16(&w, LAB_PORT);
	wire_put_u16(&w, (uint16_t)ulen);
	wire_put_u16(&w, 0);
	if (wire_reserve(&w, MARS_SHIM_LEN) != NULL)
		mars_shim_encode(&sh, buf + udp_at + 8);
	wire_put_bytes(&w, sdu, len);
	if (w.failed)
		errx(1, "lab frame does not fit");
	store16(buf + udp_at + 6, udp_cksum(src, dst, v6 ? 16 : 4,
	    buf + udp_at, ulen));
	return w.off;
}

/* One SDU on one VC, wrapped for the file's link type. */
static void
emit(struct out *o, const struct vc *vc, bool from_mars, const uint8_t *sdu,
    size_t len)
{
	static uint8_t buf[BUFSZ + 128];
	size_t n;

	switch (o->dlt) {
	case DLT_ATM_RFC1483:
		out_rec(o, sdu, (uint32_t)len, (uint32_t)len);
		return;
	case DLT_SUNATM:
		/* Captured at the MARS: what it sends is Tx. */
		buf[0] = SUNATM_LLC | (from_mars ? SUNATM_TX : 0);
		buf[1] = (uint8_t)vc->vpi;
		store16(buf + 2, vc->vci);
		memcpy(buf + 4, sdu, len);
		n = 4 + len;
		break;
	default:
		n = lab_wrap(o, vc, from_mars, sdu, len, buf, sizeof(buf));
		break;
	}
	out_rec(o, buf, (uint32_t)n, (uint32_t)n);
}

/* ---- messages ------------------------------------------------------- */

struct sdu {
	uint8_t		 b[BUFSZ];
	size_t		 len;
};

static void
msg_init(struct mars_msg *m, uint8_t op, const uint8_t *sha,
    const uint8_t *spa)
{
	memset(m, 0, sizeof(*m));
	m->afn = MARS_AFN_ATM;
	m->pro_type = MARS_PRO_IPV4;
	m->op = op;
	m->sha.addr = sha;
	m->sha.tl = MARS_ATM_ADDR_MAX;
	if (spa != NULL) {
		m->spa.addr = spa;
		m->spa.len = 4;
	}
}

static void
enc(const struct mars_msg *m, struct sdu *s)
{
	struct mars_err e;
	char text[256];

	memset(&e, 0, sizeof(e));
	if (mars_encode(m, s->b, sizeof(s->b), &s->len, MARS_ENC_LLC, &e)
	    != 0) {
		mars_err_format(&e, text, sizeof(text));
		errx(1, "mars_encode %s: %s", mars_op_name(m->op), text);
	}
}

static void
enc_scsp(const struct mars_scsp_msg *m, struct sdu *s)
{
	struct mars_err e;
	char text[256];

	memset(&e, 0, sizeof(e));
	if (mars_scsp_encode(m, s->b, sizeof(s->b), &s->len, MARS_SCSP_ENC_LLC, &e)
	    != 0) {
		mars_err_format(&e, text, sizeof(text));
		errx(1, "scsp_encode type %u: %s", m->type, text);
	}
}

/* Family C: JOIN, LEAVE, MSERV, UNSERV, SJOIN, SLEAVE, GROUPLIST_REQUEST. */
static void
join_msg(struct sdu *s, uint8_t op, const uint8_t *sha, const uint8_t *spa,
    const uint8_t *min, const uint8_t *max, uint16_t flags, uint16_t cmi,
    uint32_t msn)
{
	struct mars_msg m;
	uint8_t pair[8];

	msg_init(&m, op, sha, spa);
	m.flags = flags;
	m.cmi = cmi;
	m.msn = msn;
	if (min != NULL) {
		memcpy(pair, min, 4);
		memcpy(pair + 4, max != NULL ? max : min, 4);
		m.grp_len = 4;
		m.pnum = 1;
		m.list = pair;
	}
	enc(&m, s);
}

/* Family A: REQUEST or NAK for one group. */
static void
request_msg(struct sdu *s, uint8_t op, const uint8_t *sha, const uint8_t *spa,
    const uint8_t *group)
{
	struct mars_msg m;

	msg_init(&m, op, sha, spa);
	m.tpa.addr = group;
	m.tpa.len = 4;
	enc(&m, s);
}

/* Family B: one part of a MULTI (or a MIGRATE) listing n ATM numbers. */
static void
multi_msg(struct sdu *s, uint8_t op, const uint8_t *sha, const uint8_t *spa,
    const uint8_t *group, const uint8_t *const *tha, unsigned n,
    uint16_t seqxy, uint32_t msn)
{
	static uint8_t list[64 * MARS_ATM_ADDR_MAX];
	struct mars_msg m;
	unsigned i;

	msg_init(&m, op, sha, spa);
	m.tpa.addr = group;
	m.tpa.len = 4;
	m.thtl = MARS_ATM_ADDR_MAX;
	m.tnum = (uint16_t)n;
	m.seqxy = seqxy;
	m.msn = msn;
	for (i = 0; i < n; i++)
		memcpy(list + i * MARS_ATM_ADDR_MAX, tha[i], MARS_ATM_ADDR_MAX);
	m.list = list;
	enc(&m, s);
}

/* Family B'': a REDIRECT_MAP from MARS `from` listing servers in order. */
static void
redirect_from(struct sdu *s, int from, const int *order, unsigned n,
    uint8_t redirf, uint32_t msn)
{
	uint8_t list[4 * MARS_ATM_ADDR_MAX];
	struct mars_msg m;
	unsigned i;

	msg_init(&m, MARS_REDIRECT_MAP, ms[from], NULL);
	m.thtl = MARS_ATM_ADDR_MAX;
	m.redirf = redirf;
	m.tnum = (uint16_t)n;
	m.seqxy = MARS_SEQ_LAST | 1;
	m.msn = msn;
	for (i = 0; i < n; i++)
		memcpy(list + i * MARS_ATM_ADDR_MAX, ms[order[i]], MARS_ATM_ADDR_MAX);
	m.list = list;
	enc(&m, s);
}

/* The same from M1. */
static void
redirect_msg(struct sdu *s, const int *order, unsigned n, uint8_t redirf,
    uint32_t msn)
{
	redirect_from(s, 1, order, n, redirf, msn);
}

/* Family B': a GROUPLIST_REPLY listing n groups. */
static void
grouplist_reply_msg(struct sdu *s, const uint8_t *sha, const uint8_t *spa,
    const uint8_t *const *groups, unsigned n, uint16_t seqxy, uint32_t msn)
{
	uint8_t list[16 * 4];
	struct mars_msg m;
	unsigned i;

	msg_init(&m, MARS_GROUPLIST_REPLY, sha, spa);
	m.grp_len = 4;
	m.tnum = (uint16_t)n;
	m.seqxy = seqxy;
	m.msn = msn;
	for (i = 0; i < n; i++)
		memcpy(list + 4 * i, groups[i], 4);
	m.list = list;
	enc(&m, s);
}

/* SCSP between M1 (sender) and M2, Protocol ID 3, SGID 1 (RFC 2443 §2). */
static void
scsp_init(struct mars_scsp_msg *m, uint8_t type, bool from_m1)
{
	memset(m, 0, sizeof(*m));
	m->version = MARS_SCSP_VERSION;
	m->type = type;
	m->protocol_id = MARS_SCSP_PROTO_MARS;
	m->sgid = 1;
	m->sender.p = from_m1 ? ms_ip[1] : ms_ip[2];
	m->sender.len = MARS_SCSP_MARS_ID_LEN;
	m->receiver.p = from_m1 ? ms_ip[2] : ms_ip[1];
	m->receiver.len = MARS_SCSP_MARS_ID_LEN;
}

static void
hello_msg(struct sdu *s, bool from_m1, bool extra_id)
{
	struct mars_scsp_msg m;
	struct mars_scsp_id id = { ms_ip[3], MARS_SCSP_MARS_ID_LEN };

	scsp_init(&m, MARS_SCSP_HELLO, from_m1);
	m.hello_interval = 3;
	m.dead_factor = 3;
	if (extra_id) {
		m.nrec = 1;
		m.ids = &id;
	}
	enc_scsp(&m, s);
}

/* RFC 2443 cache keys: 4 octets, here 0x0000000k. */
static uint8_t keys[8][4];

static void
csas_init(struct mars_scsp_csas *r, unsigned k, uint32_t seq)
{
	memset(r, 0, sizeof(*r));
	memset(keys[k], 0, 4);
	keys[k][3] = (uint8_t)k;
	r->hops = 1;
	r->seq = seq;
	r->key.p = keys[k];
	r->key.len = 4;
	r->oid.p = ms_ip[1];
	r->oid.len = MARS_SCSP_MARS_ID_LEN;
}

/* The MARS part of a CSA in a given state (RFC 2443 §3, §5). */
static size_t
mars_part(uint8_t *out, size_t cap, uint8_t state, bool reg)
{
	struct mars_scsp_mars_part mp;
	struct mars_err e;
	size_t len;

	memset(&mp, 0, sizeof(mp));
	mp.hw_type = MARS_AFN_ATM;
	mp.pro_type = MARS_PRO_IPV4;
	mp.state = state;
	mp.atm.tl = MARS_ATM_ADDR_MAX;
	switch (state) {
	case MARS_SCSP_MARS_REDIRECT:
		mp.atm.addr = ms[1];
		break;
	case MARS_SCSP_MARS_MCS_SERVE:
	case MARS_SCSP_MARS_MCS_UNSERVE:
		mp.atm.addr = mcs;
		mp.spa.addr = mcs_ip;
		mp.spa.len = 4;
		if (reg)
			mp.flags = MARS_FLAG_REGISTER;
		else {
			mp.grp_len = 4;
			mp.min = mp.max = grp_c;
		}
		break;
	default:
		mp.atm.addr = cm[1];
		mp.spa.addr = cm_ip[1];
		mp.spa.len = 4;
		mp.cmi = 1;
		if (reg)
			mp.flags = MARS_FLAG_REGISTER;
		else {
			mp.flags = MARS_FLAG_LAYER3GRP;
			mp.grp_len = 4;
			mp.min = mp.max = grp_a;
		}
		break;
	}
	if (mars_scsp_mars_encode(&mp, out, cap, &len, &e) != 0)
		errx(1, "scsp_mars_encode state %u failed", state);
	return len;
}

/* CSU Request with one CSA of every RFC 2443 state (and both flavours). */
static void
csu_request_msg(struct sdu *s, uint32_t seq0)
{
	static const struct { uint8_t state; bool reg; } recs[] = {
		{ MARS_SCSP_MARS_REDIRECT, false },
		{ MARS_SCSP_MARS_MCS_SERVE, true },
		{ MARS_SCSP_MARS_MCS_SERVE, false },
		{ MARS_SCSP_MARS_CLIENT_JOIN, true },
		{ MARS_SCSP_MARS_CLIENT_JOIN, false },
		{ MARS_SCSP_MARS_CLIENT_LEAVE, false },
		{ MARS_SCSP_MARS_MCS_UNSERVE, false },
	};
	static uint8_t body[8][128];
	struct mars_scsp_csas csa[8];
	struct mars_scsp_msg m;
	unsigned i, n = sizeof(recs) / sizeof(recs[0]);

	scsp_init(&m, MARS_SCSP_CSU_REQUEST, true);
	for (i = 0; i < n; i++) {
		csas_init(&csa[i], i + 1, seq0 + i);
		csa[i].hops = 2;
		csa[i].body = body[i];
		csa[i].body_len = (uint16_t)mars_part(body[i],
		    sizeof(body[i]), recs[i].state, recs[i].reg);
	}
	m.nrec = (uint16_t)n;
	m.csas = csa;
	enc_scsp(&m, s);
}

/* A message of CSAS records only: CA, CSU Reply or CSUS. */
static void
csas_msg(struct sdu *s, uint8_t type, bool from_m1, unsigned n, uint32_t seq0,
    uint16_t flags, uint32_t ca_seq)
{
	struct mars_scsp_csas r[8];
	struct mars_scsp_msg m;
	unsigned i;

	scsp_init(&m, type, from_m1);
	m.flags = flags;
	m.ca_seq = ca_seq;
	for (i = 0; i < n; i++)
		csas_init(&r[i], i + 1, seq0 + i);
	m.nrec = (uint16_t)n;
	m.csas = n > 0 ? r : NULL;
	enc_scsp(&m, s);
}

/* ---- the files ------------------------------------------------------ */

/*
 * A short cluster conversation seen at M1, used for every link type:
 * registration, a group join and its copy on the ClusterControlVC, a
 * request answered by a MULTI, redirect maps on both control VCs and an
 * SCSP Hello exchange with M2.
 */
static void
conversation(struct out *o)
{
	static const int order[] = { 1, 2, 3 };
	const uint8_t *const two[] = { cm[1], cm[2] };
	struct sdu s;

	join_msg(&s, MARS_JOIN, cm[1], NULL, NULL, NULL, MARS_FLAG_REGISTER,
	    0, 0);
	emit(o, &vc_cm1, false, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[1], NULL, NULL, NULL,
	    MARS_FLAG_REGISTER | MARS_FLAG_COPY, 1, 0x2a);
	emit(o, &vc_cm1, true, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[1], cm_ip[1], grp_a, NULL,
	    MARS_FLAG_LAYER3GRP, 1, 0);
	emit(o, &vc_cm1, false, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[1], cm_ip[1], grp_a, NULL,
	    MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY, 1, 0x2a);
	emit(o, &vc_ccvc, true, s.b, s.len);
	request_msg(&s, MARS_REQUEST, cm[3], cm_ip[3], grp_a);
	emit(o, &vc_cm3, false, s.b, s.len);
	multi_msg(&s, MARS_MULTI, cm[3], cm_ip[3], grp_a, two, 2,
	    MARS_SEQ_LAST | 1, 0x2b);
	emit(o, &vc_cm3, true, s.b, s.len);
	redirect_msg(&s, order, 3, 0, 0x2b);
	emit(o, &vc_ccvc, true, s.b, s.len);
	redirect_msg(&s, order, 3, 0, 7);
	emit(o, &vc_scvc, true, s.b, s.len);
	hello_msg(&s, true, false);
	emit(o, &vc_m2, true, s.b, s.len);
	hello_msg(&s, false, false);
	emit(o, &vc_m2, false, s.b, s.len);
}

static void
file_conversation(const char *dir, const char *name, int dlt, enum lab_ip ip)
{
	struct out o;

	out_open(&o, dir, name, dlt);
	o.ip = ip;
	conversation(&o);
	out_close(&o);
}

/* mars-<op>.pcap: one file per RFC 2022 operation, LINKTYPE_ATM_RFC1483. */
static void
files_per_op(const char *dir)
{
	static const int order[] = { 1, 2, 3 }, hard[] = { 2, 1, 3 };
	const uint8_t *const two[] = { cm[1], cm[2] };
	const uint8_t *const one_mcs[] = { mcs };
	const uint8_t *seven[7];
	const uint8_t *groups[3] = { grp_a, grp_c, grp_b };
	static uint8_t extra[4][MARS_ATM_ADDR_MAX];
	struct sdu s;
	struct out o;
	int i;

	out_open(&o, dir, "mars-request.pcap", DLT_ATM_RFC1483);
	request_msg(&s, MARS_REQUEST, cm[3], cm_ip[3], grp_a);
	emit(&o, NULL, false, s.b, s.len);
	request_msg(&s, MARS_REQUEST, cm[2], cm_ip[2], grp_b);
	emit(&o, NULL, false, s.b, s.len);
	out_close(&o);

	/* A single-part MULTI and a 3-part MULTI (3 + 3 + 1 members). */
	for (i = 0; i < 4; i++) {
		memcpy(extra[i], cm[1], MARS_ATM_ADDR_MAX);
		extra[i][17] = (uint8_t)(0x10 + i);
	}
	seven[0] = cm[1];
	seven[1] = cm[2];
	seven[2] = cm[4];
	for (i = 0; i < 4; i++)
		seven[3 + i] = extra[i];
	out_open(&o, dir, "mars-multi.pcap", DLT_ATM_RFC1483);
	multi_msg(&s, MARS_MULTI, cm[3], cm_ip[3], grp_a, two, 2,
	    MARS_SEQ_LAST | 1, 0x2b);
	emit(&o, NULL, true, s.b, s.len);
	multi_msg(&s, MARS_MULTI, cm[3], cm_ip[3], grp_b, seven, 3, 1, 0x2c);
	emit(&o, NULL, true, s.b, s.len);
	multi_msg(&s, MARS_MULTI, cm[3], cm_ip[3], grp_b, seven + 3, 3, 2,
	    0x2c);
	emit(&o, NULL, true, s.b, s.len);
	multi_msg(&s, MARS_MULTI, cm[3], cm_ip[3], grp_b, seven + 6, 1,
	    MARS_SEQ_LAST | 3, 0x2c);
	emit(&o, NULL, true, s.b, s.len);
	out_close(&o);

	/* MCS registration, its reply, a group serve and its SCVC copy. */
	out_open(&o, dir, "mars-mserv.pcap", DLT_ATM_RFC1483);
	join_msg(&s, MARS_MSERV, mcs, mcs_ip, NULL, NULL, MARS_FLAG_REGISTER,
	    0, 0);
	emit(&o, NULL, false, s.b, s.len);
	join_msg(&s, MARS_MSERV, mcs, mcs_ip, NULL, NULL,
	    MARS_FLAG_REGISTER | MARS_FLAG_COPY, 0, 7);
	emit(&o, NULL, true, s.b, s.len);
	join_msg(&s, MARS_MSERV, mcs, mcs_ip, grp_c, NULL, 0, 0, 0);
	emit(&o, NULL, false, s.b, s.len);
	join_msg(&s, MARS_MSERV, mcs, mcs_ip, grp_c, NULL, MARS_FLAG_COPY,
	    0, 7);
	emit(&o, NULL, true, s.b, s.len);
	out_close(&o);

	/* Registration JOIN and its reply (PROTOCOL.md Example 1), a group
	 * JOIN, its copy, and an RFC 1112 router's whole-range JOIN. */
	out_open(&o, dir, "mars-join.pcap", DLT_ATM_RFC1483);
	join_msg(&s, MARS_JOIN, cm[1], NULL, NULL, NULL, MARS_FLAG_REGISTER,
	    0, 0);
	emit(&o, NULL, false, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[1], NULL, NULL, NULL,
	    MARS_FLAG_REGISTER | MARS_FLAG_COPY, 1, 0x2a);
	emit(&o, NULL, true, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[1], cm_ip[1], grp_a, NULL,
	    MARS_FLAG_LAYER3GRP, 1, 0);
	emit(&o, NULL, false, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[1], cm_ip[1], grp_a, NULL,
	    MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY, 1, 0x2a);
	emit(&o, NULL, true, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[2], cm_ip[2], grp_all_min, grp_all_max,
	    0, 2, 0);
	emit(&o, NULL, false, s.b, s.len);
	out_close(&o);

	out_open(&o, dir, "mars-leave.pcap", DLT_ATM_RFC1483);
	join_msg(&s, MARS_LEAVE, cm[1], cm_ip[1], grp_a, NULL,
	    MARS_FLAG_LAYER3GRP, 1, 0);
	emit(&o, NULL, false, s.b, s.len);
	join_msg(&s, MARS_LEAVE, cm[1], cm_ip[1], grp_a, NULL,
	    MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY, 1, 0x2d);
	emit(&o, NULL, true, s.b, s.len);
	join_msg(&s, MARS_LEAVE, cm[1], NULL, NULL, NULL, MARS_FLAG_REGISTER,
	    1, 0);
	emit(&o, NULL, false, s.b, s.len);
	join_msg(&s, MARS_LEAVE, cm[1], NULL, NULL, NULL,
	    MARS_FLAG_REGISTER | MARS_FLAG_COPY, 1, 0x2e);
	emit(&o, NULL, true, s.b, s.len);
	out_close(&o);

	/* NAK = the REQUEST with op 6 (RFC 2022 §5.1.2). */
	out_open(&o, dir, "mars-nak.pcap", DLT_ATM_RFC1483);
	request_msg(&s, MARS_REQUEST, cm[3], cm_ip[3], grp_c);
	emit(&o, NULL, false, s.b, s.len);
	request_msg(&s, MARS_NAK, cm[3], cm_ip[3], grp_c);
	emit(&o, NULL, true, s.b, s.len);
	out_close(&o);

	out_open(&o, dir, "mars-unserv.pcap", DLT_ATM_RFC1483);
	join_msg(&s, MARS_UNSERV, mcs, mcs_ip, grp_c, NULL, 0, 0, 0);
	emit(&o, NULL, false, s.b, s.len);
	join_msg(&s, MARS_UNSERV, mcs, mcs_ip, grp_c, NULL, MARS_FLAG_COPY,
	    0, 8);
	emit(&o, NULL, true, s.b, s.len);
	join_msg(&s, MARS_UNSERV, mcs, mcs_ip, NULL, NULL, MARS_FLAG_REGISTER,
	    0, 0);
	emit(&o, NULL, false, s.b, s.len);
	out_close(&o);

	out_open(&o, dir, "mars-sjoin.pcap", DLT_ATM_RFC1483);
	join_msg(&s, MARS_SJOIN, cm[2], cm_ip[2], grp_c, NULL,
	    MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY, 2, 9);
	emit(&o, NULL, true, s.b, s.len);
	out_close(&o);

	out_open(&o, dir, "mars-sleave.pcap", DLT_ATM_RFC1483);
	join_msg(&s, MARS_SLEAVE, cm[2], cm_ip[2], grp_c, NULL,
	    MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY, 2, 10);
	emit(&o, NULL, true, s.b, s.len);
	out_close(&o);

	out_open(&o, dir, "mars-grouplist-request.pcap", DLT_ATM_RFC1483);
	join_msg(&s, MARS_GROUPLIST_REQUEST, cm[4], cm_ip[4], grp_all_min,
	    grp_all_max, 0, 4, 0);
	emit(&o, NULL, false, s.b, s.len);
	out_close(&o);

	out_open(&o, dir, "mars-grouplist-reply.pcap", DLT_ATM_RFC1483);
	grouplist_reply_msg(&s, cm[4], cm_ip[4], groups, 3,
	    MARS_SEQ_LAST | 1, 0x2f);
	emit(&o, NULL, true, s.b, s.len);
	out_close(&o);

	/* Soft map with M1 first (PROTOCOL.md Example 3), then a hard one. */
	out_open(&o, dir, "mars-redirect-map.pcap", DLT_ATM_RFC1483);
	redirect_msg(&s, order, 3, 0, 0x30);
	emit(&o, NULL, true, s.b, s.len);
	redirect_msg(&s, hard, 3, MARS_REDIRF_HARD, 0x31);
	emit(&o, NULL, true, s.b, s.len);
	out_close(&o);

	out_open(&o, dir, "mars-migrate.pcap", DLT_ATM_RFC1483);
	multi_msg(&s, MARS_MIGRATE, ms[1], ms_ip[1], grp_c, one_mcs, 1, 0,
	    0x32);
	emit(&o, NULL, true, s.b, s.len);
	out_close(&o);
}

static void
files_scsp(const char *dir)
{
	struct sdu s;
	struct out o;

	out_open(&o, dir, "scsp-hello.pcap", DLT_ATM_RFC1483);
	hello_msg(&s, true, false);
	emit(&o, NULL, true, s.b, s.len);
	hello_msg(&s, false, true);
	emit(&o, NULL, false, s.b, s.len);
	out_close(&o);

	/* CA exchange: master with I/M/O, slave summary, empty closing CA. */
	out_open(&o, dir, "scsp-ca.pcap", DLT_ATM_RFC1483);
	csas_msg(&s, MARS_SCSP_CA, true, 0, 0,
	    MARS_SCSP_CA_M | MARS_SCSP_CA_I | MARS_SCSP_CA_O, 100);
	emit(&o, NULL, true, s.b, s.len);
	csas_msg(&s, MARS_SCSP_CA, false, 3, MARS_SCSP_SEQ_FIRST, MARS_SCSP_CA_O, 100);
	emit(&o, NULL, false, s.b, s.len);
	csas_msg(&s, MARS_SCSP_CA, true, 0, 0, MARS_SCSP_CA_M, 101);
	emit(&o, NULL, true, s.b, s.len);
	out_close(&o);

	out_open(&o, dir, "scsp-csu-request.pcap", DLT_ATM_RFC1483);
	csu_request_msg(&s, MARS_SCSP_SEQ_FIRST);
	emit(&o, NULL, true, s.b, s.len);
	out_close(&o);

	out_open(&o, dir, "scsp-csu-reply.pcap", DLT_ATM_RFC1483);
	csas_msg(&s, MARS_SCSP_CSU_REPLY, false, 7, MARS_SCSP_SEQ_FIRST, 0, 0);
	emit(&o, NULL, false, s.b, s.len);
	out_close(&o);

	out_open(&o, dir, "scsp-csus.pcap", DLT_ATM_RFC1483);
	csas_msg(&s, MARS_SCSP_CSUS, false, 2, MARS_SCSP_SEQ_FIRST + 1, 0, 0);
	emit(&o, NULL, false, s.b, s.len);
	out_close(&o);
}

/*
 * NHRP (RFC 2332 §5) shares LLC/SNAP PID 0x0003 with MARS; only
 * ar$op.version = 1 tells them apart.  A Resolution Request and its Reply
 * with one Client Information Entry, assembled by hand.
 */
static size_t
nhrp_msg(uint8_t *out, size_t cap, uint8_t type, uint32_t reqid)
{
	static const uint8_t llc[8] = { 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x5e,
	    0x00, 0x03 };
	static const uint8_t dst_ip[4] = { 10, 1, 2, 9 };
	struct wire_wr w;
	uint8_t *msg;
	size_t len;

	wire_wr_init(&w, out, cap);
	wire_put_bytes(&w, llc, sizeof(llc));
	msg = out + w.off;
	wire_put_u16(&w, 0x0003);		/* ar$afn: NSAP */
	wire_put_u16(&w, MARS_PRO_IPV4);
	wire_put_zero(&w, 5);			/* ar$pro.snap */
	wire_put_u8(&w, 16);			/* ar$hopcnt */
	wire_put_u16(&w, 0);			/* ar$pktsz, below */
	wire_put_u16(&w, 0);			/* ar$chksum, below */
	wire_put_u16(&w, 0);			/* ar$extoff */
	wire_put_u8(&w, MARS_OPVER_NHRP);
	wire_put_u8(&w, type);			/* 1 request, 2 reply */
	wire_put_u8(&w, MARS_ATM_ADDR_MAX);		/* ar$shtl */
	wire_put_u8(&w, 0);			/* ar$sstl */
	/* Common header of the mandatory part, §5.2.0.1. */
	wire_put_u8(&w, 4);			/* src proto len */
	wire_put_u8(&w, 4);			/* dst proto len */
	wire_put_u16(&w, type == 1 ? 0x8000 : 0xc000);	/* Q, A bits */
	wire_put_u32(&w, reqid);
	wire_put_bytes(&w, cm[1], MARS_ATM_ADDR_MAX);
	wire_put_bytes(&w, cm_ip[1], 4);
	wire_put_bytes(&w, dst_ip, 4);
	if (type == 2) {
		/* CIE, §5.2.0.1: code, prefix, unused, MTU, holding time,
		 * T/Ls, proto len, preference, then the addresses. */
		wire_put_u8(&w, 0);
		wire_put_u8(&w, 32);
		wire_put_u16(&w, 0);
		wire_put_u16(&w, MARS_MTU);
		wire_put_u16(&w, 1200);
		wire_put_u8(&w, MARS_ATM_ADDR_MAX);
		wire_put_u8(&w, 0);
		wire_put_u8(&w, 4);
		wire_put_u8(&w, 0);
		wire_put_bytes(&w, cm[4], MARS_ATM_ADDR_MAX);
		wire_put_bytes(&w, dst_ip, 4);
	}
	if (w.failed)
		errx(1, "NHRP message does not fit");
	len = w.off - sizeof(llc);
	store16(msg + 10, (uint16_t)len);
	store16(msg + 12, mars_cksum(msg, len));
	return w.off;
}

static void
file_nhrp(const char *dir)
{
	uint8_t buf[256];
	struct sdu s;
	struct out o;
	size_t n;

	out_open(&o, dir, "nhrp.pcap", DLT_ATM_RFC1483);
	n = nhrp_msg(buf, sizeof(buf), 1, 1);
	emit(&o, NULL, false, buf, n);
	join_msg(&s, MARS_JOIN, cm[1], NULL, NULL, NULL, MARS_FLAG_REGISTER,
	    0, 0);
	emit(&o, NULL, false, s.b, s.len);
	n = nhrp_msg(buf, sizeof(buf), 2, 1);
	emit(&o, NULL, true, buf, n);
	request_msg(&s, MARS_REQUEST, cm[3], cm_ip[3], grp_a);
	emit(&o, NULL, false, s.b, s.len);
	out_close(&o);
}

/* Recompute mar$chksum after a deliberate edit (RFC 2022 §4.3.3). */
static void
refix_mars(struct sdu *s)
{
	uint8_t *msg = s->b + MARS_LLC_SNAP_LEN;
	size_t len = s->len - MARS_LLC_SNAP_LEN;

	store16(msg + 12, 0);
	store16(msg + 12, mars_cksum(msg, len));
}

/* Recompute the SCSP checksum (RFC 2334 B.1). */
static void
refix_scsp(struct sdu *s)
{
	uint8_t *p = s->b + MARS_LLC_SNAP_LEN;
	size_t len = s->len - MARS_LLC_SNAP_LEN;

	store16(p + 4, 0);
	store16(p + 4, mars_cksum(p, len));
}

/*
 * malformed.pcap: one defect per record, in this order (the README lists
 * them too): truncated message, bad checksum, unknown op, reserved T/L
 * bit, unknown TLV with Type.x 1, with Type.x 2, extoff beyond the
 * message, SCSP with a bad Record Length, a record cut by the snap length
 * (caplen < wirelen), an ATMARP frame (other LLC), a frame without LLC,
 * a valid JOIN with a skippable unknown TLV.
 */
static void
file_malformed(const char *dir)
{
	const uint8_t *const two[] = { cm[1], cm[2] };
	static const int order[] = { 1, 2, 3 };
	static const uint8_t atmarp[] = { 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00,
	    0x08, 0x06, 0x00, 0x13, 0x08, 0x00, 0x00, 0x08 };
	static const uint8_t junk[] = { 0xfe, 0xfe, 0x03, 0x81, 0x00, 0x01 };
	static const uint8_t tlv_val[4] = { 1, 2, 3, 4 };
	struct mars_msg m;
	struct sdu s;
	struct out o;

	out_open(&o, dir, "malformed.pcap", DLT_ATM_RFC1483);

	/* 1: a MULTI that ends inside mar$tha.2 (whole record captured). */
	multi_msg(&s, MARS_MULTI, cm[3], cm_ip[3], grp_a, two, 2,
	    MARS_SEQ_LAST | 1, 0x2b);
	emit(&o, NULL, true, s.b, s.len - 12);

	/* 2: bad checksum. */
	join_msg(&s, MARS_JOIN, cm[1], NULL, NULL, NULL, MARS_FLAG_REGISTER,
	    0, 0);
	s.b[MARS_LLC_SNAP_LEN + 13] ^= 0x01;
	emit(&o, NULL, false, s.b, s.len);

	/* 3: unknown op 42. */
	join_msg(&s, MARS_JOIN, cm[1], NULL, NULL, NULL, MARS_FLAG_REGISTER,
	    0, 0);
	s.b[MARS_LLC_SNAP_LEN + 17] = 42;
	refix_mars(&s);
	emit(&o, NULL, false, s.b, s.len);

	/* 4: reserved bit 7 set in mar$shtl. */
	join_msg(&s, MARS_JOIN, cm[1], NULL, NULL, NULL, MARS_FLAG_REGISTER,
	    0, 0);
	s.b[MARS_LLC_SNAP_LEN + 18] |= MARS_ATM_TL_RESERVED;
	refix_mars(&s);
	emit(&o, NULL, false, s.b, s.len);

	/* 5, 6: unknown TLVs with Type.x = 1 (drop) and 2 (drop, report). */
	msg_init(&m, MARS_REQUEST, cm[3], cm_ip[3]);
	m.tpa.addr = grp_a;
	m.tpa.len = 4;
	m.ntlv = 1;
	m.tlv[0].type = MARS_TLV_DROP | 0x0123;
	m.tlv[0].len = sizeof(tlv_val);
	m.tlv[0].value = tlv_val;
	enc(&m, &s);
	emit(&o, NULL, false, s.b, s.len);
	m.tlv[0].type = MARS_TLV_DROP_ERR | 0x0123;
	enc(&m, &s);
	emit(&o, NULL, false, s.b, s.len);

	/* 7: mar$extoff pointing past the end of the message. */
	request_msg(&s, MARS_REQUEST, cm[3], cm_ip[3], grp_a);
	store16(s.b + MARS_LLC_SNAP_LEN + 14, 0x0400);
	refix_mars(&s);
	emit(&o, NULL, false, s.b, s.len);

	/* 8: SCSP CSU Reply whose first Record Length runs past the end. */
	csas_msg(&s, MARS_SCSP_CSU_REPLY, false, 2, MARS_SCSP_SEQ_FIRST, 0, 0);
	store16(s.b + MARS_LLC_SNAP_LEN + 28 + 2, 0x0200);
	refix_scsp(&s);
	emit(&o, NULL, false, s.b, s.len);

	/* 9: a REDIRECT_MAP captured with a 40-octet snap length. */
	redirect_msg(&s, order, 3, 0, 0x30);
	out_rec(&o, s.b, 40, (uint32_t)s.len);

	/* 10, 11: not control traffic at all. */
	emit(&o, NULL, false, atmarp, sizeof(atmarp));
	emit(&o, NULL, false, junk, sizeof(junk));

	/* 12: valid; an unknown TLV with Type.x = 0 is skipped. */
	msg_init(&m, MARS_JOIN, cm[2], cm_ip[2]);
	m.flags = MARS_FLAG_REGISTER;
	m.ntlv = 1;
	m.tlv[0].type = MARS_TLV_SKIP | 0x0123;
	m.tlv[0].len = 3;
	m.tlv[0].value = tlv_val;
	enc(&m, &s);
	emit(&o, NULL, false, s.b, s.len);

	out_close(&o);
}

/*
 * mixed.pcap (LINKTYPE_SUNATM, seen at M1): three members register and
 * join; every message on the ClusterControlVC carries the next CSN except
 * one jump (0x66 -> 0x68) that should make members revalidate (RFC 2022
 * §5.1.4.2); requests answered by MULTI and NAK; an MCS; periodic redirect
 * maps; SCSP Hello, CA and CSU with M2.
 */
static void
file_mixed(const char *dir)
{
	static const int order[] = { 1, 2, 3 };
	const uint8_t *const two[] = { cm[1], cm[2] };
	const struct vc *p2p[4] = { NULL, &vc_cm1, &vc_cm2, &vc_cm3 };
	const uint8_t *groups[2] = { grp_a, grp_b };
	uint32_t csn = 0x64, ssn = 5;
	struct sdu s;
	struct out o;
	int i;

	out_open(&o, dir, "mixed.pcap", DLT_SUNATM);

	hello_msg(&s, true, false);
	emit(&o, &vc_m2, true, s.b, s.len);
	hello_msg(&s, false, false);
	emit(&o, &vc_m2, false, s.b, s.len);
	csas_msg(&s, MARS_SCSP_CA, true, 0, 0, MARS_SCSP_CA_M | MARS_SCSP_CA_I | MARS_SCSP_CA_O,
	    1);
	emit(&o, &vc_m2, true, s.b, s.len);
	csas_msg(&s, MARS_SCSP_CA, false, 0, 0, 0, 1);
	emit(&o, &vc_m2, false, s.b, s.len);

	for (i = 1; i <= 3; i++) {
		join_msg(&s, MARS_JOIN, cm[i], NULL, NULL, NULL,
		    MARS_FLAG_REGISTER, 0, 0);
		emit(&o, p2p[i], false, s.b, s.len);
		join_msg(&s, MARS_JOIN, cm[i], NULL, NULL, NULL,
		    MARS_FLAG_REGISTER | MARS_FLAG_COPY, (uint16_t)i, csn);
		emit(&o, p2p[i], true, s.b, s.len);
	}
	redirect_msg(&s, order, 3, 0, csn++);
	emit(&o, &vc_ccvc, true, s.b, s.len);

	for (i = 1; i <= 2; i++) {
		join_msg(&s, MARS_JOIN, cm[i], cm_ip[i], grp_a, NULL,
		    MARS_FLAG_LAYER3GRP, (uint16_t)i, 0);
		emit(&o, p2p[i], false, s.b, s.len);
		join_msg(&s, MARS_JOIN, cm[i], cm_ip[i], grp_a, NULL,
		    MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY, (uint16_t)i, csn++);
		emit(&o, &vc_ccvc, true, s.b, s.len);
	}
	csu_request_msg(&s, MARS_SCSP_SEQ_FIRST);
	emit(&o, &vc_m2, true, s.b, s.len);
	csas_msg(&s, MARS_SCSP_CSU_REPLY, false, 7, MARS_SCSP_SEQ_FIRST, 0, 0);
	emit(&o, &vc_m2, false, s.b, s.len);

	request_msg(&s, MARS_REQUEST, cm[3], cm_ip[3], grp_a);
	emit(&o, &vc_cm3, false, s.b, s.len);
	multi_msg(&s, MARS_MULTI, cm[3], cm_ip[3], grp_a, two, 2,
	    MARS_SEQ_LAST | 1, csn);
	emit(&o, &vc_cm3, true, s.b, s.len);
	request_msg(&s, MARS_REQUEST, cm[3], cm_ip[3], grp_b);
	emit(&o, &vc_cm3, false, s.b, s.len);
	request_msg(&s, MARS_NAK, cm[3], cm_ip[3], grp_b);
	emit(&o, &vc_cm3, true, s.b, s.len);

	/* The CSN gap: one CCVC transmission was lost. */
	csn++;
	join_msg(&s, MARS_JOIN, cm[3], cm_ip[3], grp_b, NULL,
	    MARS_FLAG_LAYER3GRP, 3, 0);
	emit(&o, &vc_cm3, false, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[3], cm_ip[3], grp_b, NULL,
	    MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY, 3, csn++);
	emit(&o, &vc_ccvc, true, s.b, s.len);

	join_msg(&s, MARS_MSERV, mcs, mcs_ip, NULL, NULL, MARS_FLAG_REGISTER,
	    0, 0);
	emit(&o, &vc_mcs, false, s.b, s.len);
	join_msg(&s, MARS_MSERV, mcs, mcs_ip, NULL, NULL,
	    MARS_FLAG_REGISTER | MARS_FLAG_COPY, 0, ssn);
	emit(&o, &vc_mcs, true, s.b, s.len);
	redirect_msg(&s, order, 3, 0, ssn++);
	emit(&o, &vc_scvc, true, s.b, s.len);

	join_msg(&s, MARS_GROUPLIST_REQUEST, cm[2], cm_ip[2], grp_all_min,
	    grp_all_max, 0, 2, 0);
	emit(&o, &vc_cm2, false, s.b, s.len);
	grouplist_reply_msg(&s, cm[2], cm_ip[2], groups, 2, MARS_SEQ_LAST | 1,
	    csn);
	emit(&o, &vc_cm2, true, s.b, s.len);

	join_msg(&s, MARS_LEAVE, cm[1], cm_ip[1], grp_a, NULL,
	    MARS_FLAG_LAYER3GRP, 1, 0);
	emit(&o, &vc_cm1, false, s.b, s.len);
	join_msg(&s, MARS_LEAVE, cm[1], cm_ip[1], grp_a, NULL,
	    MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY, 1, csn++);
	emit(&o, &vc_ccvc, true, s.b, s.len);
	redirect_msg(&s, order, 3, 0, csn++);
	emit(&o, &vc_ccvc, true, s.b, s.len);
	hello_msg(&s, true, false);
	emit(&o, &vc_m2, true, s.b, s.len);
	hello_msg(&s, false, false);
	emit(&o, &vc_m2, false, s.b, s.len);
	out_close(&o);
}

/* mar$chksum as a sender writes it by hand (RFC 2022 §4.3.3). */
static void
set_chksum(struct sdu *s, uint16_t v)
{
	store16(s->b + MARS_LLC_SNAP_LEN + 12, v);
}

/*
 * nonconforming.pcap (LINKTYPE_ATM_RFC1483): what the one widely shipped
 * MARS, the Windows 2000 IP/ATM server, sends (PROTOCOL.md C8-C10, C18),
 * beside what its clients send.  The server is M1, the members CM1
 * (its own client: mar$chksum 0, as §4.3.3 allows) and CM2 (computes
 * checksums):
 *   1 periodic REDIRECT_MAP: mar$shtl 0 with the 20 source octets in
 *     place, mar$seqxy 0, mar$chksum 0 (C8)
 *   2 CM1's registration JOIN, 3 its reply with CMI 0 (C18)
 *   4 CM1's REQUEST, 5 the NAK with the CSN in mar$pad (C9, tolerated)
 *   6 CM2's REQUEST with a checksum, 7 the MULTI echoing that checksum
 *     unchanged, stale for the reply (C10)
 */
static void
file_nonconforming(const char *dir)
{
	static const int order[] = { 1, 2 };
	const uint8_t *const one[] = { cm[1] };
	struct mars_msg m;
	struct sdu s;
	struct out o;
	uint16_t sum;

	out_open(&o, dir, "nonconforming.pcap", DLT_ATM_RFC1483);

	redirect_msg(&s, order, 2, 0, 0x64);
	s.b[MARS_LLC_SNAP_LEN + 18] = 0;		/* mar$shtl */
	store16(s.b + MARS_LLC_SNAP_LEN + 26, 0);	/* mar$seqxy */
	set_chksum(&s, 0);
	emit(&o, NULL, true, s.b, s.len);

	join_msg(&s, MARS_JOIN, cm[1], cm_ip[1], NULL, NULL,
	    MARS_FLAG_REGISTER, 0, 0);
	set_chksum(&s, 0);
	emit(&o, NULL, false, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[1], cm_ip[1], NULL, NULL,
	    MARS_FLAG_REGISTER | MARS_FLAG_COPY, 0, 0x65);
	set_chksum(&s, 0);
	emit(&o, NULL, true, s.b, s.len);

	request_msg(&s, MARS_REQUEST, cm[1], cm_ip[1], grp_b);
	set_chksum(&s, 0);
	emit(&o, NULL, false, s.b, s.len);
	msg_init(&m, MARS_NAK, cm[1], cm_ip[1]);
	m.tpa.addr = grp_b;
	m.tpa.len = 4;
	m.pad[7] = 0x65;				/* the CSN */
	enc(&m, &s);
	set_chksum(&s, 0);
	emit(&o, NULL, true, s.b, s.len);

	request_msg(&s, MARS_REQUEST, cm[2], cm_ip[2], grp_a);
	sum = (uint16_t)(s.b[MARS_LLC_SNAP_LEN + 12] << 8 |
	    s.b[MARS_LLC_SNAP_LEN + 13]);
	emit(&o, NULL, false, s.b, s.len);
	multi_msg(&s, MARS_MULTI, cm[2], cm_ip[2], grp_a, one, 1,
	    MARS_SEQ_LAST | 1, 0x65);
	set_chksum(&s, sum);
	emit(&o, NULL, true, s.b, s.len);

	out_close(&o);
}

/*
 * failover.pcap, failover-gap.pcap (lab transport over Linux cooked v1,
 * as tcpdump -i lo writes it): the Active MARS M1 and, after it dies,
 * M2, each on a ClusterControlVC labelled 0/32 as the lab transport and
 * the simulator label every MARS's.  M1 numbers its CCVC messages from
 * 100; M2 takes over with its own CSN from 5000, sends its map at once
 * and takes CM1's registration again (CMI 1 kept).  In failover-gap.pcap
 * one of M2's CCVC messages (CSN 5002) is missing.
 */
static const struct vc vc_lab_ccvc = { 0, 32, MARS_VC_CCVC };
static const struct vc vc_lab_m1 = { 0, 100, MARS_VC_P2P };
static const struct vc vc_lab_m2 = { 0, 101, MARS_VC_P2P };

static void
file_failover(const char *dir, const char *name, bool gap)
{
	static const int m1_first[] = { 1, 2 }, m2_alone[] = { 2 };
	struct sdu s;
	struct out o;

	out_open(&o, dir, name, DLT_LINUX_SLL);
	o.ip = LAB_V4;

	join_msg(&s, MARS_JOIN, cm[1], cm_ip[1], NULL, NULL,
	    MARS_FLAG_REGISTER, 0, 0);
	emit(&o, &vc_lab_m1, false, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[1], cm_ip[1], NULL, NULL,
	    MARS_FLAG_REGISTER | MARS_FLAG_COPY, 1, 100);
	emit(&o, &vc_lab_m1, true, s.b, s.len);
	redirect_from(&s, 1, m1_first, 2, 0, 100);
	emit(&o, &vc_lab_ccvc, true, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[1], cm_ip[1], grp_a, NULL,
	    MARS_FLAG_LAYER3GRP, 1, 0);
	emit(&o, &vc_lab_m1, false, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[1], cm_ip[1], grp_a, NULL,
	    MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY, 1, 101);
	emit(&o, &vc_lab_ccvc, true, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[2], cm_ip[2], grp_a, NULL,
	    MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY, 2, 102);
	emit(&o, &vc_lab_ccvc, true, s.b, s.len);
	redirect_from(&s, 1, m1_first, 2, 0, 103);
	emit(&o, &vc_lab_ccvc, true, s.b, s.len);

	/* M1 is gone; M2, the new Active, redirects at once. */
	redirect_from(&s, 2, m2_alone, 1, 0, 5000);
	emit(&o, &vc_lab_ccvc, true, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[1], cm_ip[1], NULL, NULL,
	    MARS_FLAG_REGISTER, 1, 0);
	emit(&o, &vc_lab_m2, false, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[1], cm_ip[1], NULL, NULL,
	    MARS_FLAG_REGISTER | MARS_FLAG_COPY, 1, 5000);
	emit(&o, &vc_lab_m2, true, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[1], cm_ip[1], grp_a, NULL,
	    MARS_FLAG_LAYER3GRP, 1, 0);
	emit(&o, &vc_lab_m2, false, s.b, s.len);
	join_msg(&s, MARS_JOIN, cm[1], cm_ip[1], grp_a, NULL,
	    MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY, 1, 5001);
	emit(&o, &vc_lab_ccvc, true, s.b, s.len);
	if (!gap) {
		join_msg(&s, MARS_JOIN, cm[2], cm_ip[2], grp_a, NULL,
		    MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY, 2, 5002);
		emit(&o, &vc_lab_ccvc, true, s.b, s.len);
	}
	redirect_from(&s, 2, m2_alone, 1, 0, 5003);
	emit(&o, &vc_lab_ccvc, true, s.b, s.len);
	out_close(&o);
}

static void
all_files(const char *dir)
{
	struct out o;

	files_per_op(dir);
	files_scsp(dir);
	file_nhrp(dir);
	file_malformed(dir);
	file_mixed(dir);
	file_nonconforming(dir);
	file_failover(dir, "failover.pcap", false);
	file_failover(dir, "failover-gap.pcap", true);
	file_conversation(dir, "sunatm.pcap", DLT_SUNATM, LAB_V4);
	file_conversation(dir, "lab-en10mb.pcap", DLT_EN10MB, LAB_ALTERNATE);
	file_conversation(dir, "lab-sll.pcap", DLT_LINUX_SLL, LAB_V4);
	file_conversation(dir, "lab-sll2.pcap", DLT_LINUX_SLL2, LAB_V6);
	file_conversation(dir, "lab-raw.pcap", DLT_RAW, LAB_ALTERNATE);
	file_conversation(dir, "lab-null.pcap", DLT_NULL, LAB_ALTERNATE);
	out_open_ng(&o, dir, "sunatm.pcapng", DLT_SUNATM, LINKTYPE_SUNATM);
	conversation(&o);
	out_close(&o);
}

/*
 * The benchmark capture: n copies of group JOINs as the MARS relays them
 * on the ClusterControlVC, each with its own member, group and CSN.
 */
static void
joins(unsigned long n, const char *path)
{
	uint8_t sha[MARS_ATM_ADDR_MAX], spa[4], grp[4];
	unsigned long i;
	struct sdu s;
	struct out o;

	out_open(&o, NULL, path, DLT_ATM_RFC1483);
	memcpy(sha, cm[1], MARS_ATM_ADDR_MAX);
	memcpy(spa, cm_ip[1], 4);
	for (i = 0; i < n; i++) {
		sha[17] = (uint8_t)(i >> 8);
		sha[18] = (uint8_t)i;
		spa[2] = (uint8_t)(i >> 8);
		spa[3] = (uint8_t)i;
		grp[0] = 224 + (uint8_t)(i % 16);
		grp[1] = (uint8_t)(i >> 16);
		grp[2] = (uint8_t)(i >> 8);
		grp[3] = (uint8_t)i;
		join_msg(&s, MARS_JOIN, sha, spa, grp, NULL,
		    MARS_FLAG_LAYER3GRP | MARS_FLAG_COPY,
		    (uint16_t)(1 + i % 1000), (uint32_t)(1000 + i));
		out_rec(&o, s.b, (uint32_t)s.len, (uint32_t)s.len);
	}
	out_close(&o);
}

static void
usage(void)
{
	fprintf(stderr, "usage: mkpcaps DIR\n"
	    "       mkpcaps --joins N FILE\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	unsigned long n;
	char *end;

	addr_init();
	if (argc == 4 && strcmp(argv[1], "--joins") == 0) {
		errno = 0;
		n = strtoul(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || end == argv[2])
			errx(2, "--joins: not a count: %s", argv[2]);
		joins(n, argv[3]);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-')
		usage();
	all_files(argv[1]);
	return 0;
}
