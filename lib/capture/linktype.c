/*
 * Link-type adapters: one capture record -> VC and AAL5 SDU (capture.h).
 *
 * Pure functions over the record bytes; every read goes through the
 * wire.h cursor, so a record cut short by the snap length yields
 * MARS_E_TRUNC naming the header that was cut, never a read past the end.
 * Offsets in errors count from the first octet of the record.
 *
 * ATM link types carry the SDU directly (RFC 2684 §4, LLC first).  Every
 * link type that carries IP is searched for the lab transport instead:
 * IPv4 or IPv6, then UDP (any port), then a valid lab shim (shim.h), then
 * the SDU.  Anything else is MARS_E_NOTOURS, which callers skip quietly.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/capture.h"
#include "mars/err.h"
#include "mars/frame.h"
#include "mars/shim.h"
#include "base/wire.h"

/*
 * DLT_ values as the libpcap API reports them.  Spelled out rather than
 * taken from <pcap/dlt.h> because several differ between platforms (RAW is
 * 12 or 14, LOOP is 108 or 12) and this file must not depend on which one
 * libpcap was built for.  LINKTYPE_ values that libpcap maps to a DLT_ are
 * accepted too, for callers that hand us a file header's value directly.
 */
#define LT_NULL			0
#define LT_EN10MB		1
#define LT_ATM_RFC1483		11	/* LINKTYPE_ATM_RFC1483 100 in files */
#define LT_RAW_A		12	/* DLT_RAW on most systems */
#define LT_RAW_B		14	/* DLT_RAW on OpenBSD and BSD/OS */
#define LT_ATM_CLIP		19	/* Linux CLIP: LLC first like RFC1483 */
#define LT_FILE_ATM_RFC1483	100
#define LT_FILE_RAW		101
#define LT_LOOP			108
#define LT_LINUX_SLL		113
#define LT_SUNATM		123
#define LT_IPV4			228
#define LT_IPV6			229
#define LT_LINUX_SLL2		276

#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_IPV6		0x86dd
#define ETHERTYPE_VLAN		0x8100
#define ETHERTYPE_QINQ		0x88a8
#define ARPHRD_ATM_LINUX	19
#define IPPROTO_UDP_NUM		17
#define UDP_HDR_LEN		8

/* SunATM pseudo-header, octet 0 (libpcap sunatmpos.h, tcpdump). */
#define SUNATM_DIR_TX		0x80
#define SUNATM_TYPE_MASK	0x0f
#define SUNATM_TYPE_LANE	0x01
#define SUNATM_TYPE_ILMI	0x05
#define SUNATM_TYPE_QSAAL	0x06

static int
not_ours(struct wire_rd *rd, const char *field, const char *why)
{
	return wire_fail(rd, MARS_E_NOTOURS, field, why);
}

static void
frame_reset(struct mars_frame *fr)
{
	fr->has_vc = false;
	fr->vpi = 0;
	fr->vci = 0;
	fr->dir = MARS_DIR_UNKNOWN;
	fr->vc_kind = MARS_VC_UNKNOWN;
	fr->sdu = NULL;
	fr->sdu_len = 0;
	fr->sdu_off = 0;
	fr->truncated = fr->caplen < fr->wirelen;
	fr->ip_ver = 0;
	fr->lab_flags = 0;
}

/* The rest of the reader is the SDU. */
static int
take_sdu(struct wire_rd *rd, struct mars_frame *fr)
{
	if (rd->buf == NULL)
		return 0;		/* empty record: no SDU at all */
	fr->sdu = rd->buf + rd->off;
	fr->sdu_len = (uint32_t)wire_left(rd);
	fr->sdu_off = rd->base + (uint32_t)rd->off;
	return 0;
}

/*
 * Limit the payload to what the enclosing header claims (an Ethernet
 * trailer or padding must not become part of the SDU), and remember when
 * the capture holds less than the claim.
 */
static void
claim_payload(struct wire_rd *rd, struct wire_rd *sub, size_t claim,
    struct mars_frame *fr)
{
	size_t left = wire_left(rd);

	if (claim > left) {
		fr->truncated = true;
		claim = left;
	}
	(void)wire_sub(rd, sub, claim, NULL);
}

/*
 * The lab shim at the start of a UDP payload (mars-lab(7)).  `claim` is the
 * payload length the UDP header announces; when the capture stops inside
 * the shim and what it holds still matches the magic, the frame is lab
 * traffic cut short rather than someone else's datagram.
 */
static int
lab_shim(struct wire_rd *rd, size_t claim, struct mars_frame *fr)
{
	static const uint8_t magic[4] = { 0x4d, 0x4c, 0x41, 0x42 };
	struct mars_shim sh;
	size_t left = wire_left(rd), n;

	if (left < MARS_SHIM_LEN) {
		n = left < sizeof(magic) ? left : sizeof(magic);
		if (claim >= MARS_SHIM_LEN && n > 0 &&
		    memcmp(rd->buf + rd->off, magic, n) == 0) {
			(void)wire_need(rd, MARS_SHIM_LEN, "lab shim");
			return MARS_E_TRUNC;
		}
		return not_ours(rd, "lab shim", "UDP payload is not lab traffic");
	}
	if (!mars_shim_decode(&sh, rd->buf + rd->off, left))
		return not_ours(rd, "lab shim", "UDP payload is not lab traffic");
	rd->off += MARS_SHIM_LEN;
	fr->has_vc = true;
	fr->vpi = sh.vpi;
	fr->vci = sh.vci;
	fr->vc_kind = sh.kind;
	fr->lab_flags = sh.flags;
	/* FROM_MARS tells which end of the VC sent it, not rx/tx here. */
	fr->dir = MARS_DIR_UNKNOWN;
	return take_sdu(rd, fr);
}

/* UDP header, RFC 768. */
static int
udp(struct wire_rd *rd, struct mars_frame *fr)
{
	struct wire_rd pl;
	uint16_t ulen;

	if (!wire_need(rd, UDP_HDR_LEN, "UDP header"))
		return MARS_E_TRUNC;
	fr->udp_off = rd->base + (uint32_t)rd->off;
	(void)wire_u32(rd, "UDP header");	/* ports: any port may carry the lab */
	ulen = wire_u16(rd, "UDP header");
	(void)wire_u16(rd, "UDP header");	/* checksum */
	if (ulen < UDP_HDR_LEN)
		return not_ours(rd, "UDP length", "shorter than its header");
	claim_payload(rd, &pl, ulen - UDP_HDR_LEN, fr);
	return lab_shim(&pl, ulen - UDP_HDR_LEN, fr);
}

/*
 * IPv4, RFC 791 §3.1.  Options are skipped by IHL; only the first
 * fragment holds the UDP header, later fragments are not ours.
 */
static int
ipv4(struct wire_rd *rd, struct mars_frame *fr)
{
	struct wire_rd pl;
	size_t start = rd->off, hlen;
	uint16_t totlen, frag;
	uint8_t vihl, proto;

	if (!wire_need(rd, 20, "IPv4 header"))
		return MARS_E_TRUNC;
	vihl = wire_u8(rd, "IPv4 header");
	if (vihl >> 4 != 4)
		return not_ours(rd, "IPv4 version", "not IPv4");
	hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < 20)
		return not_ours(rd, "IPv4 IHL", "header length below 20");
	(void)wire_u8(rd, "IPv4 header");		/* DSCP/ECN */
	totlen = wire_u16(rd, "IPv4 header");
	(void)wire_u16(rd, "IPv4 header");		/* identification */
	frag = wire_u16(rd, "IPv4 header");
	(void)wire_u8(rd, "IPv4 header");		/* TTL */
	proto = wire_u8(rd, "IPv4 header");
	rd->off = start + 20;
	if (wire_bytes(rd, hlen - 20, "IPv4 header") == NULL)
		return MARS_E_TRUNC;
	if (proto != IPPROTO_UDP_NUM)
		return not_ours(rd, "IPv4 protocol", "not UDP");
	fr->ip_ver = 4;
	fr->ip_off = rd->base + (uint32_t)start;
	if ((frag & 0x1fff) != 0)
		return not_ours(rd, "IPv4 fragment offset",
		    "not the first fragment");
	if (frag & 0x2000)
		fr->truncated = true;		/* the datagram goes on elsewhere */
	/* Total length 0 happens in captures of TSO sends: trust the record. */
	if (totlen == 0)
		claim_payload(rd, &pl, wire_left(rd), fr);
	else if (totlen < hlen)
		return not_ours(rd, "IPv4 total length", "below header length");
	else
		claim_payload(rd, &pl, totlen - hlen, fr);
	return udp(&pl, fr);
}

/*
 * IPv6, RFC 8200 §3-§4: the fixed header, then the common extension
 * headers up to UDP.  A fragment header with a non-zero offset means a
 * later fragment, not ours.
 */
static int
ipv6(struct wire_rd *rd, struct mars_frame *fr)
{
	struct wire_rd pl;
	uint32_t vtf;
	uint16_t plen, offlg;
	uint8_t nh, elen;
	int hops;

	if (!wire_need(rd, 40, "IPv6 header"))
		return MARS_E_TRUNC;
	fr->ip_ver = 6;
	fr->ip_off = rd->base + (uint32_t)rd->off;
	vtf = wire_u32(rd, "IPv6 header");
	if (vtf >> 28 != 6)
		return not_ours(rd, "IPv6 version", "not IPv6");
	plen = wire_u16(rd, "IPv6 header");
	nh = wire_u8(rd, "IPv6 header");
	(void)wire_bytes(rd, 1 + 32, "IPv6 header");	/* hop limit, addresses */
	/* Payload length 0 is a jumbogram or a TSO send: trust the record. */
	claim_payload(rd, &pl, plen != 0 ? plen : wire_left(rd), fr);

	for (hops = 0; hops < 8; hops++) {
		switch (nh) {
		case IPPROTO_UDP_NUM:
			return udp(&pl, fr);
		case 0:		/* hop-by-hop options */
		case 43:	/* routing */
		case 60:	/* destination options */
			nh = wire_u8(&pl, "IPv6 extension header");
			elen = wire_u8(&pl, "IPv6 extension header");
			if (wire_bytes(&pl, (size_t)elen * 8 + 6,
			    "IPv6 extension header") == NULL)
				return MARS_E_TRUNC;
			break;
		case 44:	/* fragment */
			nh = wire_u8(&pl, "IPv6 fragment header");
			(void)wire_u8(&pl, "IPv6 fragment header");
			offlg = wire_u16(&pl, "IPv6 fragment header");
			(void)wire_u32(&pl, "IPv6 fragment header");
			if (pl.failed)
				return MARS_E_TRUNC;
			if ((offlg & 0xfff8) != 0)
				return not_ours(&pl, "IPv6 fragment offset",
				    "not the first fragment");
			if (offlg & 0x0001)
				fr->truncated = true;
			break;
		case 51:	/* authentication header, RFC 4302 §2.2 */
			nh = wire_u8(&pl, "IPv6 authentication header");
			elen = wire_u8(&pl, "IPv6 authentication header");
			if (wire_bytes(&pl, (size_t)elen * 4 + 6,
			    "IPv6 authentication header") == NULL)
				return MARS_E_TRUNC;
			break;
		default:
			return not_ours(&pl, "IPv6 next header", "not UDP");
		}
	}
	return not_ours(&pl, "IPv6 next header", "too many extension headers");
}

/* Raw IP: the version nibble tells IPv4 from IPv6. */
static int
raw_ip(struct wire_rd *rd, struct mars_frame *fr)
{
	if (!wire_need(rd, 1, "IP header"))
		return MARS_E_TRUNC;
	switch (rd->buf[rd->off] >> 4) {
	case 4:
		return ipv4(rd, fr);
	case 6:
		return ipv6(rd, fr);
	}
	return not_ours(rd, "IP version", "neither IPv4 nor IPv6");
}

static int
by_ethertype(struct wire_rd *rd, uint16_t type, struct mars_frame *fr)
{
	switch (type) {
	case ETHERTYPE_IPV4:
		return ipv4(rd, fr);
	case ETHERTYPE_IPV6:
		return ipv6(rd, fr);
	}
	return not_ours(rd, "EtherType", "not IP");
}

/* Ethernet II, with at most two VLAN tags (IEEE 802.1Q, 802.1ad). */
static int
en10mb(struct wire_rd *rd, struct mars_frame *fr)
{
	uint16_t type;
	int tags;

	if (!wire_need(rd, 14, "Ethernet header"))
		return MARS_E_TRUNC;
	(void)wire_bytes(rd, 12, "Ethernet header");	/* addresses */
	type = wire_u16(rd, "Ethernet header");
	for (tags = 0; tags < 2 &&
	    (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ); tags++) {
		if (!wire_need(rd, 4, "802.1Q tag"))
			return MARS_E_TRUNC;
		(void)wire_u16(rd, "802.1Q tag");
		type = wire_u16(rd, "802.1Q tag");
	}
	return by_ethertype(rd, type, fr);
}

/*
 * Linux cooked captures also see CLIP/ATM interfaces (ARPHRD_ATM); when
 * such a payload starts with an LLC/SNAP header it is the SDU itself.
 */
static int
cooked(struct wire_rd *rd, uint16_t hatype, uint16_t proto,
    struct mars_frame *fr)
{
	static const uint8_t llc[3] = { 0xaa, 0xaa, 0x03 };

	if (hatype == ARPHRD_ATM_LINUX && wire_left(rd) >= sizeof(llc) &&
	    memcmp(rd->buf + rd->off, llc, sizeof(llc)) == 0)
		return take_sdu(rd, fr);
	return by_ethertype(rd, proto, fr);
}

/* pcap/sll.h: type 2, ARPHRD 2, address length 2, address 8, protocol 2. */
static int
linux_sll(struct wire_rd *rd, struct mars_frame *fr)
{
	uint16_t hatype, proto;

	if (!wire_need(rd, 16, "Linux cooked header"))
		return MARS_E_TRUNC;
	(void)wire_u16(rd, "Linux cooked header");
	hatype = wire_u16(rd, "Linux cooked header");
	(void)wire_bytes(rd, 10, "Linux cooked header");
	proto = wire_u16(rd, "Linux cooked header");
	if (rd->failed)
		return MARS_E_TRUNC;
	return cooked(rd, hatype, proto, fr);
}

/*
 * pcap/sll.h v2: protocol 2, reserved 2, ifindex 4, ARPHRD 2, packet type
 * 1, address length 1, address 8.
 */
static int
linux_sll2(struct wire_rd *rd, struct mars_frame *fr)
{
	uint16_t hatype, proto;

	if (!wire_need(rd, 20, "Linux cooked v2 header"))
		return MARS_E_TRUNC;
	proto = wire_u16(rd, "Linux cooked v2 header");
	(void)wire_bytes(rd, 6, "Linux cooked v2 header");
	hatype = wire_u16(rd, "Linux cooked v2 header");
	(void)wire_bytes(rd, 10, "Linux cooked v2 header");
	if (rd->failed)
		return MARS_E_TRUNC;
	return cooked(rd, hatype, proto, fr);
}

static uint32_t
swap32(uint32_t v)
{
	return (v >> 24) | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | (v << 24);
}

/*
 * BSD loopback: a 4-octet address family, in the writer's byte order for
 * DLT_NULL and in network order for DLT_LOOP.  AF_INET is 2 everywhere;
 * AF_INET6 is 10 (Linux), 23 (Windows), 24 (Net/OpenBSD), 28 (FreeBSD) or
 * 30 (macOS).
 */
static int
loopback(struct wire_rd *rd, bool host_order, struct mars_frame *fr)
{
	uint32_t af;

	if (!wire_need(rd, 4, "loopback header"))
		return MARS_E_TRUNC;
	af = wire_u32(rd, "loopback header");
	if (host_order && af > 0xffff)
		af = swap32(af);
	switch (af) {
	case 2:
		return ipv4(rd, fr);
	case 10: case 23: case 24: case 28: case 30:
		return ipv6(rd, fr);
	}
	return not_ours(rd, "address family", "not IP");
}

/*
 * SunATM pseudo-header (libpcap sunatmpos.h): flags (0x80 = sent by this
 * host, low nibble = traffic type), VPI (8 bits), VCI (16 bits).  LANE,
 * ILMI and signalling cells are not control SDUs; LLC (2) and unknown (0)
 * traffic are handed on and the LLC decoder decides.
 */
static int
sunatm(struct wire_rd *rd, struct mars_frame *fr)
{
	uint8_t flags, type;

	if (!wire_need(rd, 4, "SunATM pseudo-header"))
		return MARS_E_TRUNC;
	flags = wire_u8(rd, "SunATM pseudo-header");
	fr->vpi = wire_u8(rd, "SunATM pseudo-header");
	fr->vci = wire_u16(rd, "SunATM pseudo-header");
	fr->has_vc = true;
	fr->dir = (flags & SUNATM_DIR_TX) ? MARS_DIR_TX : MARS_DIR_RX;
	type = flags & SUNATM_TYPE_MASK;
	if (type == SUNATM_TYPE_LANE || type == SUNATM_TYPE_ILMI ||
	    type == SUNATM_TYPE_QSAAL)
		return not_ours(rd, "SunATM traffic type",
		    "LANE, ILMI or signalling");
	return take_sdu(rd, fr);
}

bool
mars_cap_linktype_supported(int dlt)
{
	switch (dlt) {
	case LT_NULL:
	case LT_EN10MB:
	case LT_ATM_RFC1483:
	case LT_RAW_A:
	case LT_RAW_B:
	case LT_ATM_CLIP:
	case LT_FILE_ATM_RFC1483:
	case LT_FILE_RAW:
	case LT_LOOP:
	case LT_LINUX_SLL:
	case LT_SUNATM:
	case LT_IPV4:
	case LT_IPV6:
	case LT_LINUX_SLL2:
		return true;
	}
	return false;
}

int
mars_cap_decode_link(int dlt, struct mars_frame *fr, struct mars_err *err)
{
	struct wire_rd rd;

	frame_reset(fr);
	if (err != NULL)
		err->code = MARS_OK;
	wire_rd_init(&rd, fr->data, fr->data != NULL ? fr->caplen : 0, 0, err);

	switch (dlt) {
	case LT_ATM_RFC1483:
	case LT_FILE_ATM_RFC1483:
	case LT_ATM_CLIP:
		return take_sdu(&rd, fr);
	case LT_SUNATM:
		return sunatm(&rd, fr);
	case LT_EN10MB:
		return en10mb(&rd, fr);
	case LT_LINUX_SLL:
		return linux_sll(&rd, fr);
	case LT_LINUX_SLL2:
		return linux_sll2(&rd, fr);
	case LT_RAW_A:
	case LT_RAW_B:
	case LT_FILE_RAW:
		return raw_ip(&rd, fr);
	case LT_IPV4:
		return ipv4(&rd, fr);
	case LT_IPV6:
		return ipv6(&rd, fr);
	case LT_NULL:
		return loopback(&rd, true, fr);
	case LT_LOOP:
		return loopback(&rd, false, fr);
	}
	return wire_fail(&rd, MARS_E_LINKTYPE, "link type",
	    "unsupported link type");
}
