/*
 * Capture layer: link-type adapters on records built in memory, and the
 * libpcap wrapper on temporary files (mkstemp under /tmp, removed after).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <pcap/pcap.h>

#include "mars/capture.h"
#include "mars/err.h"
#include "mars/frame.h"
#include "mars/shim.h"
#include "base/wire.h"

/* A MARS-looking SDU: LLC/SNAP for PID 0x0003 and a few octets. */
static const uint8_t sdu[] = {
	0xaa, 0xaa, 0x03, 0x00, 0x00, 0x5e, 0x00, 0x03,
	0x00, 0x0f, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00,
	0x00, 0x04, 0x14, 0x00,
};

enum mars_link {
	L_EN10MB, L_VLAN, L_SLL, L_SLL2, L_RAW, L_IPV4ONLY, L_IPV6ONLY,
	L_NULL_LE, L_NULL_BE, L_LOOP, L_NLINKS
};

struct recipe {
	enum mars_link	 link;
	int		 ipver;		/* 4 or 6 */
	int		 ipopts;	/* IPv4 option octets (multiple of 4) */
	int		 v6ext;		/* IPv6: hop-by-hop + dest-opts + frag */
	uint16_t	 frag;		/* IPv4 flags/offset, IPv6 frag offlg */
	uint8_t		 proto;		/* 0: UDP */
	bool		 bad_magic;
	size_t		 trailer;	/* Ethernet padding after the packet */
};

struct rec {
	uint8_t		 b[512];
	size_t		 len;
	int		 dlt;
	size_t		 sdu_off;
	size_t		 udp_end;	/* offset just after the UDP header */
};

static int
link_dlt(enum mars_link l)
{
	switch (l) {
	case L_EN10MB: case L_VLAN:	return DLT_EN10MB;
	case L_SLL:			return DLT_LINUX_SLL;
	case L_SLL2:			return DLT_LINUX_SLL2;
	case L_RAW:			return DLT_RAW;
	case L_IPV4ONLY:		return DLT_IPV4;
	case L_IPV6ONLY:		return DLT_IPV6;
	case L_NULL_LE: case L_NULL_BE:	return DLT_NULL;
	case L_LOOP:			return DLT_LOOP;
	default:			return -1;
	}
}

static void
put_le32(struct wire_wr *w, uint32_t v)
{
	wire_put_u8(w, (uint8_t)v);
	wire_put_u8(w, (uint8_t)(v >> 8));
	wire_put_u8(w, (uint8_t)(v >> 16));
	wire_put_u8(w, (uint8_t)(v >> 24));
}

/* Build link header + IP + UDP + shim + sdu[] as the recipe says. */
static void
build(const struct recipe *r, struct rec *out)
{
	struct mars_shim sh = { .kind = MARS_VC_CCVC, .vpi = 7, .vci = 0x1234,
	    .flags = MARS_SHIM_F_FROM_MARS };
	struct wire_wr w;
	size_t udplen = 8 + MARS_SHIM_LEN + sizeof(sdu);
	size_t ext = r->ipver == 6 && r->v6ext ? 24 : 0;
	uint16_t etype = r->ipver == 4 ? 0x0800 : 0x86dd;
	uint8_t shim[MARS_SHIM_LEN];
	int i;

	memset(out, 0, sizeof(*out));
	out->dlt = link_dlt(r->link);
	wire_wr_init(&w, out->b, sizeof(out->b));
	switch (r->link) {
	case L_EN10MB:
	case L_VLAN:
		wire_put_bytes(&w, "\x02\x00\x00\x00\x00\x01", 6);
		wire_put_bytes(&w, "\x02\x00\x00\x00\x00\x02", 6);
		if (r->link == L_VLAN) {
			wire_put_u16(&w, 0x8100);
			wire_put_u16(&w, 42);
		}
		wire_put_u16(&w, etype);
		break;
	case L_SLL:
		wire_put_u16(&w, 0);		/* to us */
		wire_put_u16(&w, 772);		/* ARPHRD_LOOPBACK */
		wire_put_u16(&w, 6);
		wire_put_zero(&w, 8);
		wire_put_u16(&w, etype);
		break;
	case L_SLL2:
		wire_put_u16(&w, etype);
		wire_put_u16(&w, 0);
		wire_put_u32(&w, 1);		/* ifindex */
		wire_put_u16(&w, 772);
		wire_put_u8(&w, 0);
		wire_put_u8(&w, 6);
		wire_put_zero(&w, 8);
		break;
	case L_NULL_LE:
		put_le32(&w, r->ipver == 4 ? 2 : 30);
		break;
	case L_NULL_BE:
	case L_LOOP:
		wire_put_u32(&w, r->ipver == 4 ? 2 : 24);
		break;
	default:
		break;
	}
	if (r->ipver == 4) {
		wire_put_u8(&w, (uint8_t)(0x40 | (5 + r->ipopts / 4)));
		wire_put_u8(&w, 0);
		wire_put_u16(&w, (uint16_t)(20 + r->ipopts + udplen));
		wire_put_u16(&w, 0x1111);
		wire_put_u16(&w, r->frag);
		wire_put_u8(&w, 64);
		wire_put_u8(&w, r->proto ? r->proto : 17);
		wire_put_u16(&w, 0);
		wire_put_bytes(&w, "\x7f\x00\x00\x01\x7f\x00\x00\x02", 8);
		for (i = 0; i < r->ipopts; i++)
			wire_put_u8(&w, 1);	/* NOP options */
	} else {
		wire_put_u32(&w, 0x60000000);
		wire_put_u16(&w, (uint16_t)(ext + udplen));
		wire_put_u8(&w, ext ? 0 : (r->proto ? r->proto : 17));
		wire_put_u8(&w, 64);
		wire_put_zero(&w, 15);
		wire_put_u8(&w, 1);		/* ::1 */
		wire_put_zero(&w, 15);
		wire_put_u8(&w, 1);
		if (ext) {
			/* hop-by-hop (PadN), destination options, fragment */
			wire_put_bytes(&w, "\x3c\x00\x01\x04\x00\x00\x00\x00", 8);
			wire_put_bytes(&w, "\x2c\x00\x01\x04\x00\x00\x00\x00", 8);
			wire_put_u8(&w, r->proto ? r->proto : 17);
			wire_put_u8(&w, 0);
			wire_put_u16(&w, r->frag);
			wire_put_u32(&w, 0xabcd);
		}
	}
	wire_put_u16(&w, 40000);
	wire_put_u16(&w, 5000);
	wire_put_u16(&w, (uint16_t)udplen);
	wire_put_u16(&w, 0);
	out->udp_end = w.off;
	mars_shim_encode(&sh, shim);
	if (r->bad_magic)
		shim[0] = 'X';
	wire_put_bytes(&w, shim, sizeof(shim));
	out->sdu_off = w.off;
	wire_put_bytes(&w, sdu, sizeof(sdu));
	wire_put_zero(&w, r->trailer);
	assert_false(w.failed);
	out->len = w.off;
}

/*
 * Decode the first n octets of rec from a heap copy of exactly n octets,
 * so that the sanitizers see any read past the capture.
 */
static int
decode_cut(const struct rec *rec, size_t n, struct mars_frame *fr,
    struct mars_err *err)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, rec->b, n);
	memset(fr, 0, sizeof(*fr));
	fr->data = copy;
	fr->caplen = (uint32_t)n;
	fr->wirelen = (uint32_t)rec->len;
	memset(err, 0, sizeof(*err));
	rc = mars_cap_decode_link(rec->dlt, fr, err);
	if (fr->sdu != NULL) {
		/* the SDU lies inside the record */
		assert_true(fr->sdu >= copy);
		assert_true(fr->sdu_off + fr->sdu_len <= n);
		assert_ptr_equal(fr->sdu, copy + fr->sdu_off);
	}
	free(copy);
	fr->data = NULL;
	fr->sdu = NULL;
	return rc;
}

static void
check_valid(const struct recipe *r)
{
	struct mars_frame fr;
	struct mars_err err;
	struct rec rec;
	uint8_t *copy;
	int rc;

	build(r, &rec);
	copy = malloc(rec.len);
	assert_non_null(copy);
	memcpy(copy, rec.b, rec.len);
	memset(&fr, 0, sizeof(fr));
	fr.data = copy;
	fr.caplen = fr.wirelen = (uint32_t)rec.len;
	rc = mars_cap_decode_link(rec.dlt, &fr, &err);
	assert_int_equal(rc, 0);
	assert_int_equal(err.code, MARS_OK);
	assert_true(fr.has_vc);
	assert_int_equal(fr.vpi, 7);
	assert_int_equal(fr.vci, 0x1234);
	assert_int_equal(fr.vc_kind, MARS_VC_CCVC);
	assert_int_equal(fr.dir, MARS_DIR_UNKNOWN);
	assert_false(fr.truncated);
	assert_int_equal(fr.sdu_off, rec.sdu_off);
	assert_int_equal(fr.sdu_len, sizeof(sdu));
	assert_ptr_equal(fr.sdu, copy + rec.sdu_off);
	assert_memory_equal(fr.sdu, sdu, sizeof(sdu));
	free(copy);
}

static void
test_lab_every_link_v4_v6(void **state)
{
	struct recipe r;
	int l, v;

	for (l = 0; l < L_NLINKS; l++)
		for (v = 4; v <= 6; v += 2) {
			if ((l == L_IPV4ONLY && v == 6) ||
			    (l == L_IPV6ONLY && v == 4))
				continue;
			memset(&r, 0, sizeof(r));
			r.link = (enum mars_link)l;
			r.ipver = v;
			check_valid(&r);
		}
}

static void
test_lab_ip_options_and_v6_ext(void **state)
{
	struct recipe r = { .link = L_EN10MB, .ipver = 4, .ipopts = 8 };

	check_valid(&r);
	r.ipopts = 40;
	check_valid(&r);
	memset(&r, 0, sizeof(r));
	r.link = L_RAW;
	r.ipver = 6;
	r.v6ext = 1;
	check_valid(&r);
	r.link = L_VLAN;
	check_valid(&r);
}

/* Every cut inside the headers is an error, never a crash. */
static void
test_every_cut_is_an_error(void **state)
{
	struct mars_frame fr;
	struct mars_err err;
	struct recipe r;
	struct rec rec;
	size_t n;
	int l, v, rc;

	for (l = 0; l < L_NLINKS; l++)
		for (v = 4; v <= 6; v += 2) {
			if ((l == L_IPV4ONLY && v == 6) ||
			    (l == L_IPV6ONLY && v == 4))
				continue;
			memset(&r, 0, sizeof(r));
			r.link = (enum mars_link)l;
			r.ipver = v;
			r.ipopts = 4;
			r.v6ext = 1;
			build(&r, &rec);
			for (n = 0; n < rec.sdu_off; n++) {
				rc = decode_cut(&rec, n, &fr, &err);
				assert_true(fr.truncated);
				/*
				 * Nothing of the shim captured: any UDP
				 * datagram could look like this one.
				 */
				if (n == rec.udp_end) {
					assert_int_equal(rc, MARS_E_NOTOURS);
					continue;
				}
				assert_int_equal(rc, MARS_E_TRUNC);
				assert_int_equal(err.code, MARS_E_TRUNC);
				assert_non_null(err.field);
				assert_true(err.offset <= n);
				assert_true(fr.truncated);
				if (n >= rec.udp_end)
					assert_string_equal(err.field,
					    "lab shim");
			}
			/* Cut inside the SDU: the SDU is what is left. */
			for (n = rec.sdu_off; n <= rec.len; n++) {
				rc = decode_cut(&rec, n, &fr, &err);
				assert_int_equal(rc, 0);
				assert_int_equal(fr.sdu_len, n - rec.sdu_off);
				assert_int_equal(fr.truncated, n < rec.len);
			}
		}
}

static void
test_trunc_field_names(void **state)
{
	struct recipe r = { .link = L_EN10MB, .ipver = 4 };
	struct mars_frame fr;
	struct mars_err err;
	struct rec rec;

	build(&r, &rec);
	assert_int_equal(decode_cut(&rec, 10, &fr, &err), MARS_E_TRUNC);
	assert_string_equal(err.field, "Ethernet header");
	assert_int_equal(decode_cut(&rec, 14 + 19, &fr, &err), MARS_E_TRUNC);
	assert_string_equal(err.field, "IPv4 header");
	assert_int_equal(err.offset, 14);
	assert_int_equal(err.need, 20);
	assert_int_equal(err.have, 19);
	assert_int_equal(decode_cut(&rec, 14 + 20 + 7, &fr, &err),
	    MARS_E_TRUNC);
	assert_string_equal(err.field, "UDP header");
	assert_int_equal(err.offset, 34);
	assert_int_equal(decode_cut(&rec, 14 + 20 + 8 + 5, &fr, &err),
	    MARS_E_TRUNC);
	assert_string_equal(err.field, "lab shim");
	assert_int_equal(err.offset, 42);

	r.ipver = 6;
	build(&r, &rec);
	assert_int_equal(decode_cut(&rec, 14 + 39, &fr, &err), MARS_E_TRUNC);
	assert_string_equal(err.field, "IPv6 header");
	r.link = L_SLL;
	build(&r, &rec);
	assert_int_equal(decode_cut(&rec, 15, &fr, &err), MARS_E_TRUNC);
	assert_string_equal(err.field, "Linux cooked header");
	r.link = L_SLL2;
	build(&r, &rec);
	assert_int_equal(decode_cut(&rec, 19, &fr, &err), MARS_E_TRUNC);
	assert_string_equal(err.field, "Linux cooked v2 header");
	r.link = L_LOOP;
	build(&r, &rec);
	assert_int_equal(decode_cut(&rec, 3, &fr, &err), MARS_E_TRUNC);
	assert_string_equal(err.field, "loopback header");
	r.link = L_VLAN;
	build(&r, &rec);
	assert_int_equal(decode_cut(&rec, 16, &fr, &err), MARS_E_TRUNC);
	assert_string_equal(err.field, "802.1Q tag");
	assert_int_equal(err.offset, 14);
	assert_int_equal(err.need, 4);
	assert_int_equal(err.have, 2);
}

static int
decode_whole(const struct rec *rec, struct mars_frame *fr,
    struct mars_err *err)
{
	return decode_cut(rec, rec->len, fr, err);
}

static void
test_not_ours(void **state)
{
	struct recipe r;
	struct mars_frame fr;
	struct mars_err err;
	struct rec rec;

	/* TCP, ICMP */
	memset(&r, 0, sizeof(r));
	r.link = L_EN10MB;
	r.ipver = 4;
	r.proto = 6;
	build(&r, &rec);
	assert_int_equal(decode_whole(&rec, &fr, &err), MARS_E_NOTOURS);
	assert_int_equal(err.code, MARS_E_NOTOURS);
	assert_null(fr.sdu);
	r.ipver = 6;
	r.proto = 58;
	build(&r, &rec);
	assert_int_equal(decode_whole(&rec, &fr, &err), MARS_E_NOTOURS);
	r.v6ext = 1;
	build(&r, &rec);
	assert_int_equal(decode_whole(&rec, &fr, &err), MARS_E_NOTOURS);

	/* UDP that is not lab traffic, v4 and v6 */
	memset(&r, 0, sizeof(r));
	r.link = L_SLL;
	r.ipver = 4;
	r.bad_magic = true;
	build(&r, &rec);
	assert_int_equal(decode_whole(&rec, &fr, &err), MARS_E_NOTOURS);
	assert_false(fr.has_vc);
	r.ipver = 6;
	build(&r, &rec);
	assert_int_equal(decode_whole(&rec, &fr, &err), MARS_E_NOTOURS);
	/* ... even when cut inside what would be the shim */
	assert_int_equal(decode_cut(&rec, rec.udp_end + 3, &fr, &err),
	    MARS_E_NOTOURS);

	/* ARP on Ethernet; an unknown loopback family */
	memset(&r, 0, sizeof(r));
	r.link = L_EN10MB;
	r.ipver = 4;
	build(&r, &rec);
	rec.b[12] = 0x08;
	rec.b[13] = 0x06;
	assert_int_equal(decode_whole(&rec, &fr, &err), MARS_E_NOTOURS);
	r.link = L_LOOP;
	build(&r, &rec);
	rec.b[3] = 17;
	assert_int_equal(decode_whole(&rec, &fr, &err), MARS_E_NOTOURS);

	/* raw IP with a version nibble that is neither 4 nor 6 */
	r.link = L_RAW;
	build(&r, &rec);
	rec.b[0] = 0x55;
	assert_int_equal(decode_whole(&rec, &fr, &err), MARS_E_NOTOURS);

	/* IPv6 on the IPv4-only link type */
	r.link = L_IPV4ONLY;
	r.ipver = 6;
	build(&r, &rec);
	rec.dlt = DLT_IPV4;
	assert_int_equal(decode_whole(&rec, &fr, &err), MARS_E_NOTOURS);
}

static void
test_fragments(void **state)
{
	struct recipe r = { .link = L_EN10MB, .ipver = 4 };
	struct mars_frame fr;
	struct mars_err err;
	struct rec rec;

	r.frag = 0x0010;		/* offset 16*8, a later fragment */
	build(&r, &rec);
	assert_int_equal(decode_whole(&rec, &fr, &err), MARS_E_NOTOURS);
	assert_string_equal(err.field, "IPv4 fragment offset");
	r.frag = 0x2000 | 0x0010;
	build(&r, &rec);
	assert_int_equal(decode_whole(&rec, &fr, &err), MARS_E_NOTOURS);

	/* first fragment: decoded, but known to be incomplete */
	r.frag = 0x2000;
	build(&r, &rec);
	assert_int_equal(decode_whole(&rec, &fr, &err), 0);
	assert_true(fr.truncated);
	r.frag = 0x4000;		/* DF only */
	build(&r, &rec);
	assert_int_equal(decode_whole(&rec, &fr, &err), 0);
	assert_false(fr.truncated);

	memset(&r, 0, sizeof(r));
	r.link = L_RAW;
	r.ipver = 6;
	r.v6ext = 1;
	r.frag = 0x0008;		/* offset 1 */
	build(&r, &rec);
	assert_int_equal(decode_whole(&rec, &fr, &err), MARS_E_NOTOURS);
	assert_string_equal(err.field, "IPv6 fragment offset");
	r.frag = 0x0001;		/* first fragment, more follow */
	build(&r, &rec);
	assert_int_equal(decode_whole(&rec, &fr, &err), 0);
	assert_true(fr.truncated);
}

/* Ethernet padding after a short packet is not part of the SDU. */
static void
test_ethernet_trailer(void **state)
{
	struct recipe r = { .link = L_VLAN, .ipver = 4, .trailer = 18 };
	struct mars_frame fr;
	struct mars_err err;
	struct rec rec;

	build(&r, &rec);
	assert_int_equal(decode_whole(&rec, &fr, &err), 0);
	assert_int_equal(fr.sdu_len, sizeof(sdu));
	r.ipver = 6;
	build(&r, &rec);
	assert_int_equal(decode_whole(&rec, &fr, &err), 0);
	assert_int_equal(fr.sdu_len, sizeof(sdu));
}

static void
test_raw_dlt_values(void **state)
{
	static const int raws[] = { 12, 14, 101 };
	struct recipe r = { .link = L_RAW, .ipver = 4 };
	struct mars_frame fr;
	struct mars_err err;
	struct rec rec;
	size_t i;

	for (i = 0; i < sizeof(raws) / sizeof(raws[0]); i++) {
		build(&r, &rec);
		rec.dlt = raws[i];
		assert_true(mars_cap_linktype_supported(rec.dlt));
		assert_int_equal(decode_whole(&rec, &fr, &err), 0);
		assert_int_equal(fr.vci, 0x1234);
	}
}

static void
test_atm_rfc1483(void **state)
{
	struct mars_frame fr;
	struct mars_err err;
	static const int dlts[] = { DLT_ATM_RFC1483, 100, DLT_ATM_CLIP };
	size_t i;

	for (i = 0; i < sizeof(dlts) / sizeof(dlts[0]); i++) {
		memset(&fr, 0, sizeof(fr));
		fr.data = sdu;
		fr.caplen = fr.wirelen = sizeof(sdu);
		assert_int_equal(mars_cap_decode_link(dlts[i], &fr, &err), 0);
		assert_false(fr.has_vc);
		assert_int_equal(fr.dir, MARS_DIR_UNKNOWN);
		assert_ptr_equal(fr.sdu, sdu);
		assert_int_equal(fr.sdu_len, sizeof(sdu));
		assert_int_equal(fr.sdu_off, 0);
		assert_false(fr.truncated);
	}
	fr.caplen = 10;
	assert_int_equal(mars_cap_decode_link(DLT_ATM_RFC1483, &fr, &err), 0);
	assert_int_equal(fr.sdu_len, 10);
	assert_true(fr.truncated);
	fr.data = NULL;
	fr.caplen = 0;
	assert_int_equal(mars_cap_decode_link(DLT_ATM_RFC1483, &fr, &err), 0);
	assert_null(fr.sdu);
}

static void
test_sunatm(void **state)
{
	uint8_t rec[4 + sizeof(sdu)];
	struct mars_frame fr;
	struct mars_err err;
	size_t n;

	memcpy(rec, "\x82\x05\x01\x02", 4);
	memcpy(rec + 4, sdu, sizeof(sdu));
	memset(&fr, 0, sizeof(fr));
	fr.data = rec;
	fr.caplen = fr.wirelen = sizeof(rec);
	assert_int_equal(mars_cap_decode_link(DLT_SUNATM, &fr, &err), 0);
	assert_true(fr.has_vc);
	assert_int_equal(fr.dir, MARS_DIR_TX);
	assert_int_equal(fr.vpi, 5);
	assert_int_equal(fr.vci, 0x0102);
	assert_int_equal(fr.sdu_off, 4);
	assert_int_equal(fr.sdu_len, sizeof(sdu));
	assert_memory_equal(fr.sdu, sdu, sizeof(sdu));

	rec[0] = 0x02;
	assert_int_equal(mars_cap_decode_link(DLT_SUNATM, &fr, &err), 0);
	assert_int_equal(fr.dir, MARS_DIR_RX);

	rec[0] = 0x05;			/* ILMI */
	assert_int_equal(mars_cap_decode_link(DLT_SUNATM, &fr, &err),
	    MARS_E_NOTOURS);
	assert_null(fr.sdu);
	rec[0] = 0x02;

	for (n = 0; n < 4; n++) {
		struct rec r;

		memset(&r, 0, sizeof(r));
		memcpy(r.b, rec, sizeof(rec));
		r.len = sizeof(rec);
		r.dlt = DLT_SUNATM;
		assert_int_equal(decode_cut(&r, n, &fr, &err), MARS_E_TRUNC);
		assert_string_equal(err.field, "SunATM pseudo-header");
		assert_int_equal(err.offset, 0);
		assert_false(fr.has_vc);
	}
}

static void
test_unsupported_dlt(void **state)
{
	struct mars_frame fr;
	struct mars_err err;

	memset(&fr, 0, sizeof(fr));
	fr.data = sdu;
	fr.caplen = fr.wirelen = sizeof(sdu);
	assert_int_equal(mars_cap_decode_link(DLT_IEEE802_11, &fr, &err),
	    MARS_E_LINKTYPE);
	assert_int_equal(err.code, MARS_E_LINKTYPE);
	assert_null(fr.sdu);
	assert_false(mars_cap_linktype_supported(DLT_IEEE802_11));
	assert_false(mars_cap_linktype_supported(DLT_EN3MB));
	assert_true(mars_cap_linktype_supported(DLT_SUNATM));
	/* err may be NULL */
	assert_int_equal(mars_cap_decode_link(DLT_EN3MB, &fr, NULL),
	    MARS_E_LINKTYPE);
}

/* --- files ------------------------------------------------------------ */

static void
tmp_path(char *path, size_t len)
{
	int fd;

	snprintf(path, len, "/tmp/test_capture.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

/* Write n records of link type dlt; record i is i+20 octets of sdu-ish. */
static void
write_file(const char *path, int dlt, int n, bool cut_last)
{
	struct pcap_pkthdr h;
	pcap_dumper_t *d;
	uint8_t buf[128];
	pcap_t *p;
	int i, j;

	p = pcap_open_dead(dlt, 65535);
	assert_non_null(p);
	d = pcap_dump_open(p, path);
	assert_non_null(d);
	for (i = 0; i < n; i++) {
		memcpy(buf, sdu, sizeof(sdu));
		for (j = sizeof(sdu); j < (int)sizeof(buf); j++)
			buf[j] = (uint8_t)(i + j);
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = 1767225600 + i;
		h.ts.tv_usec = 1000 * i;
		h.caplen = h.len = (bpf_u_int32)(sizeof(sdu) + i);
		if (cut_last && i == n - 1)
			h.len += 100;
		pcap_dump((u_char *)d, &h, buf);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

static void
test_open_missing(void **state)
{
	char errbuf[MARS_CAP_ERRBUF_SIZE] = "";
	struct mars_cap *c = (struct mars_cap *)1;
	int rc;

	rc = mars_cap_open_file(&c, "/nonexistent/dir/x.pcap", errbuf);
	assert_true(rc < 0);
	assert_null(c);
	assert_non_null(strstr(errbuf, "/nonexistent/dir/x.pcap"));
	assert_non_null(strstr(errbuf, "No such file"));
}

static void
test_open_not_a_capture(void **state)
{
	char path[64], errbuf[MARS_CAP_ERRBUF_SIZE] = "";
	struct mars_cap *c;
	FILE *f;

	tmp_path(path, sizeof(path));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not a capture file at all\n", f);
	fclose(f);
	assert_true(mars_cap_open_file(&c, path, errbuf) < 0);
	assert_null(c);
	assert_true(errbuf[0] != '\0');
	unlink(path);
}

static void
test_open_unsupported_linktype(void **state)
{
	char path[64], errbuf[MARS_CAP_ERRBUF_SIZE] = "";
	struct mars_cap *c;

	tmp_path(path, sizeof(path));
	write_file(path, DLT_IEEE802_11, 1, false);
	assert_int_equal(mars_cap_open_file(&c, path, errbuf), MARS_E_LINKTYPE);
	assert_null(c);
	assert_non_null(strstr(errbuf, "IEEE802_11"));
	assert_non_null(strstr(errbuf, "unsupported link type"));
	unlink(path);
}

struct saved {
	int64_t		 sec;
	uint32_t	 usec;
	uint32_t	 caplen, wirelen;
	uint8_t		 data[128];
};

static int
read_all(const char *path, struct saved *s, int max, int *dlt)
{
	char errbuf[MARS_CAP_ERRBUF_SIZE];
	struct mars_frame fr;
	struct mars_err err;
	struct mars_cap *c;
	int n = 0, rc;

	assert_int_equal(mars_cap_open_file(&c, path, errbuf), 0);
	*dlt = mars_cap_linktype(c);
	while ((rc = mars_cap_next(c, &fr, &err)) == 1) {
		assert_true(n < max);
		assert_int_equal(fr.num, (uint64_t)n + 1);
		assert_int_equal(err.code, MARS_OK);
		assert_non_null(fr.sdu);	/* ATM: SDU is the record */
		assert_int_equal(fr.sdu_len, fr.caplen);
		s[n].sec = fr.ts_sec;
		s[n].usec = fr.ts_usec;
		s[n].caplen = fr.caplen;
		s[n].wirelen = fr.wirelen;
		assert_true(fr.caplen <= sizeof(s[n].data));
		memcpy(s[n].data, fr.data, fr.caplen);
		n++;
	}
	assert_int_equal(rc, 0);
	mars_cap_close(c);
	return n;
}

static void
test_dump_round_trip(void **state)
{
	char in[64], out[64], errbuf[MARS_CAP_ERRBUF_SIZE];
	struct saved a[8], b[8];
	struct mars_cap_dump *d;
	struct mars_frame fr;
	struct mars_err err;
	struct mars_cap *c;
	int na, nb, dlt, i;

	tmp_path(in, sizeof(in));
	tmp_path(out, sizeof(out));
	write_file(in, DLT_ATM_RFC1483, 5, true);

	assert_int_equal(mars_cap_open_file(&c, in, errbuf), 0);
	assert_int_equal(mars_cap_linktype(c), DLT_ATM_RFC1483);
	assert_string_equal(mars_cap_linktype_name(c), "ATM_RFC1483");
	assert_int_equal(mars_cap_fd(c), -1);
	assert_int_equal(mars_cap_dump_open(&d, c, out, errbuf), 0);
	while (mars_cap_next(c, &fr, &err) == 1) {
		assert_int_equal(fr.truncated, fr.num == 5);
		assert_int_equal(mars_cap_dump_write(d, &fr), 0);
	}
	assert_int_equal(mars_cap_dump_close(d), 0);
	mars_cap_close(c);

	na = read_all(in, a, 8, &dlt);
	assert_int_equal(dlt, DLT_ATM_RFC1483);
	nb = read_all(out, b, 8, &dlt);
	assert_int_equal(dlt, DLT_ATM_RFC1483);
	assert_int_equal(na, 5);
	assert_int_equal(nb, 5);
	for (i = 0; i < na; i++) {
		assert_int_equal(a[i].sec, 1767225600 + i);
		assert_int_equal(a[i].usec, 1000 * i);
		assert_int_equal(a[i].sec, b[i].sec);
		assert_int_equal(a[i].usec, b[i].usec);
		assert_int_equal(a[i].caplen, b[i].caplen);
		assert_int_equal(a[i].wirelen, b[i].wirelen);
		assert_memory_equal(a[i].data, b[i].data, a[i].caplen);
	}
	assert_true(b[4].wirelen > b[4].caplen);
	unlink(in);
	unlink(out);
}

/* A file written with an explicit link type (e.g. converted to SunATM). */
static void
test_dump_open_dlt(void **state)
{
	char path[64], errbuf[MARS_CAP_ERRBUF_SIZE];
	uint8_t rec[4 + sizeof(sdu)];
	struct mars_cap_dump *d;
	struct mars_frame fr, got;
	struct mars_err err;
	struct mars_cap *c;

	memcpy(rec, "\x02\x00\x00\x20", 4);
	memcpy(rec + 4, sdu, sizeof(sdu));
	memset(&fr, 0, sizeof(fr));
	fr.ts_sec = 1767225600;
	fr.ts_usec = 1;
	fr.data = rec;
	fr.caplen = fr.wirelen = sizeof(rec);
	tmp_path(path, sizeof(path));
	assert_int_equal(mars_cap_dump_open_dlt(&d, DLT_SUNATM, 0, path, errbuf),
	    0);
	assert_int_equal(mars_cap_dump_write(d, &fr), 0);
	assert_int_equal(mars_cap_dump_flush(d), 0);
	assert_int_equal(mars_cap_dump_close(d), 0);

	assert_int_equal(mars_cap_open_file(&c, path, errbuf), 0);
	assert_int_equal(mars_cap_linktype(c), DLT_SUNATM);
	assert_int_equal(mars_cap_next(c, &got, &err), 1);
	assert_true(got.has_vc);
	assert_int_equal(got.vci, 32);
	assert_int_equal(got.dir, MARS_DIR_RX);
	assert_int_equal(got.ts_usec, 1);
	assert_memory_equal(got.sdu, sdu, sizeof(sdu));
	assert_int_equal(mars_cap_next(c, &got, &err), 0);
	mars_cap_close(c);
	unlink(path);
}

/* A file that ends inside a record: good records, then MARS_E_TRUNC. */
static void
test_truncated_file(void **state)
{
	char path[64], errbuf[MARS_CAP_ERRBUF_SIZE];
	struct mars_frame fr;
	struct mars_err err;
	struct mars_cap *c;
	long size;
	FILE *f;
	int n = 0, rc;

	tmp_path(path, sizeof(path));
	write_file(path, DLT_ATM_RFC1483, 3, false);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	assert_int_equal(truncate(path, size - 5), 0);

	assert_int_equal(mars_cap_open_file(&c, path, errbuf), 0);
	while ((rc = mars_cap_next(c, &fr, &err)) == 1)
		n++;
	assert_int_equal(n, 2);
	assert_int_equal(rc, MARS_E_TRUNC);
	assert_int_equal(err.code, MARS_E_TRUNC);
	assert_non_null(err.why);
	assert_non_null(strstr(mars_cap_geterr(c), "truncated"));
	/* The record cut short is named, as "truncated dump file" is not. */
	assert_true(strncmp(err.why, "record 3: ", 10) == 0);
	mars_cap_close(c);
	unlink(path);
}

static void
test_filter(void **state)
{
	char path[64], errbuf[MARS_CAP_ERRBUF_SIZE];
	struct mars_frame fr;
	struct mars_err err;
	struct mars_cap *c;
	int n = 0;

	tmp_path(path, sizeof(path));
	write_file(path, DLT_ATM_RFC1483, 6, false);
	assert_int_equal(mars_cap_open_file(&c, path, errbuf), 0);
	assert_int_equal(mars_cap_set_filter(c, "nonsense ((", errbuf),
	    MARS_E_PARSE);
	assert_non_null(strstr(errbuf, "nonsense"));
	assert_int_equal(mars_cap_set_filter(c, "len >= 31", errbuf), 0);
	while (mars_cap_next(c, &fr, &err) == 1) {
		assert_true(fr.caplen >= 31);
		n++;
	}
	assert_int_equal(n, 3);		/* lengths 28..33 */
	mars_cap_close(c);
	unlink(path);
}

/* Lab traffic on Ethernet: non-lab records come back as NOTOURS. */
static void
test_next_lab_file(void **state)
{
	char path[64], errbuf[MARS_CAP_ERRBUF_SIZE];
	struct recipe r = { .link = L_EN10MB, .ipver = 4 };
	struct pcap_pkthdr h;
	struct mars_frame fr;
	struct mars_err err;
	pcap_dumper_t *d;
	struct rec rec;
	struct mars_cap *c;
	pcap_t *p;
	uint64_t recv, drop;

	tmp_path(path, sizeof(path));
	p = pcap_open_dead(DLT_EN10MB, 65535);
	d = pcap_dump_open(p, path);
	assert_non_null(d);
	memset(&h, 0, sizeof(h));
	build(&r, &rec);
	h.caplen = h.len = (bpf_u_int32)rec.len;
	pcap_dump((u_char *)d, &h, rec.b);
	r.bad_magic = true;
	build(&r, &rec);
	pcap_dump((u_char *)d, &h, rec.b);
	pcap_dump_close(d);
	pcap_close(p);

	assert_int_equal(mars_cap_open_file(&c, path, errbuf), 0);
	assert_int_equal(mars_cap_next(c, &fr, &err), 1);
	assert_int_equal(err.code, MARS_OK);
	assert_int_equal(fr.vc_kind, MARS_VC_CCVC);
	assert_memory_equal(fr.sdu, sdu, sizeof(sdu));
	assert_int_equal(mars_cap_next(c, &fr, &err), 1);
	assert_int_equal(fr.num, 2);
	assert_int_equal(err.code, MARS_E_NOTOURS);
	assert_null(fr.sdu);
	assert_int_equal(mars_cap_next(c, &fr, &err), 0);
	assert_int_equal(mars_cap_stats(c, &recv, &drop), MARS_E_INVAL);
	mars_cap_close(c);
	unlink(path);
}

/* A small pcapng file (SHB, IDB, EPB), read like a pcap. */
static void
test_pcapng(void **state)
{
	static const uint8_t hdr[] = {
		/* SHB: type, length 28, BOM, v1.0, section length -1 */
		0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0,
		0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0,
		/* IDB: LINKTYPE_SUNATM, snaplen 65535 */
		1, 0, 0, 0, 20, 0, 0, 0, 123, 0, 0, 0, 0xff, 0xff, 0, 0,
		20, 0, 0, 0,
	};
	char path[64], errbuf[MARS_CAP_ERRBUF_SIZE];
	uint8_t epb[28 + 4 + sizeof(sdu) + 4];
	struct mars_frame fr;
	struct mars_err err;
	struct wire_wr w;
	uint64_t ts = 1767225600ull * 1000000 + 7;
	uint32_t blen = sizeof(epb);
	struct mars_cap *c;
	FILE *f;

	wire_wr_init(&w, epb, sizeof(epb));
	put_le32(&w, 6);
	put_le32(&w, blen);
	put_le32(&w, 0);
	put_le32(&w, (uint32_t)(ts >> 32));
	put_le32(&w, (uint32_t)ts);
	put_le32(&w, 4 + sizeof(sdu));
	put_le32(&w, 4 + sizeof(sdu));
	wire_put_bytes(&w, "\x82\x00\x00\x10", 4);
	wire_put_bytes(&w, sdu, sizeof(sdu));
	put_le32(&w, blen);
	assert_false(w.failed);
	assert_int_equal(w.off, sizeof(epb));

	tmp_path(path, sizeof(path));
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(hdr, 1, sizeof(hdr), f);
	fwrite(epb, 1, sizeof(epb), f);
	fclose(f);

	assert_int_equal(mars_cap_open_file(&c, path, errbuf), 0);
	assert_int_equal(mars_cap_linktype(c), DLT_SUNATM);
	assert_int_equal(mars_cap_next(c, &fr, &err), 1);
	assert_int_equal(fr.ts_sec, 1767225600);
	assert_int_equal(fr.ts_usec, 7);
	assert_int_equal(fr.vci, 16);
	assert_int_equal(fr.dir, MARS_DIR_TX);
	assert_memory_equal(fr.sdu, sdu, sizeof(sdu));
	assert_int_equal(mars_cap_next(c, &fr, &err), 0);
	mars_cap_close(c);
	unlink(path);
}

static void
test_live_no_such_interface(void **state)
{
	char errbuf[MARS_CAP_ERRBUF_SIZE] = "";
	struct mars_cap *c = (struct mars_cap *)1;
	struct mars_cap_live_opts lo = { .buffer_kib = 0x7fffffff };

	assert_true(mars_cap_open_live(&c, "nosuchif9", 256, false, errbuf) < 0);
	assert_null(c);
	assert_true(strncmp(errbuf, "nosuchif9: ", 11) == 0);
	assert_true(strlen(errbuf) > 11);

	/* A buffer libpcap cannot be asked for is refused up front. */
	c = (struct mars_cap *)1;
	assert_int_equal(mars_cap_open_live_opts(&c, "lo", &lo, errbuf),
	    MARS_E_INVAL);
	assert_null(c);
	assert_non_null(strstr(errbuf, "too large"));
}

static struct mars_cap *live_cap;
static int idle_calls;

static void
count_idle(void *arg)
{
	(void)arg;
	idle_calls++;
}

static void
on_alarm(int sig)
{
	if (live_cap != NULL)
		mars_cap_breakloop(live_cap);
}

/*
 * Live capture on the loopback interface: one lab datagram between two
 * ephemeral ports on 127.0.0.1 comes back as a frame with its VC.
 * Skipped where capturing is not permitted.  alarm() bounds the wait.
 */
static void
test_live_loopback(void **state)
{
	char errbuf[MARS_CAP_ERRBUF_SIZE], filter[64];
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	struct mars_shim sh = { .kind = MARS_VC_SCVC, .vpi = 3, .vci = 77 };
	uint8_t dgram[MARS_SHIM_LEN + sizeof(sdu)];
	struct mars_frame fr;
	struct mars_err err;
	int rx, tx, rc;

	struct mars_cap_live_opts lo = { .buffer_kib = 4096 };

	if (mars_cap_open_live_opts(&live_cap, "lo", &lo, errbuf) != 0) {
		print_message("live capture not possible: %s\n", errbuf);
		skip();
	}
	assert_true(mars_cap_fd(live_cap) >= 0);
	idle_calls = 0;
	mars_cap_set_idle(live_cap, count_idle, NULL);
	rx = socket(AF_INET, SOCK_DGRAM, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(rx >= 0 && tx >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(rx, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(rx, (struct sockaddr *)&sa, &salen), 0);
	snprintf(filter, sizeof(filter), "udp dst port %u",
	    (unsigned)ntohs(sa.sin_port));
	assert_int_equal(mars_cap_set_filter(live_cap, filter, errbuf), 0);

	mars_shim_encode(&sh, dgram);
	memcpy(dgram + MARS_SHIM_LEN, sdu, sizeof(sdu));
	assert_int_equal(sendto(tx, dgram, sizeof(dgram), 0,
	    (struct sockaddr *)&sa, sizeof(sa)), (ssize_t)sizeof(dgram));

	signal(SIGALRM, on_alarm);
	alarm(5);
	rc = mars_cap_next(live_cap, &fr, &err);
	alarm(0);
	assert_int_equal(rc, 1);
	assert_int_equal(err.code, MARS_OK);
	assert_int_equal(fr.num, 1);
	assert_true(fr.has_vc);
	assert_int_equal(fr.vc_kind, MARS_VC_SCVC);
	assert_int_equal(fr.vpi, 3);
	assert_int_equal(fr.vci, 77);
	assert_int_equal(fr.sdu_len, sizeof(sdu));
	assert_memory_equal(fr.sdu, sdu, sizeof(sdu));

	/*
	 * Nothing more comes: the idle hook runs before every wait, and
	 * mars_cap_breakloop() ends the wait.
	 */
	alarm(1);
	assert_int_equal(mars_cap_next(live_cap, &fr, &err), 0);
	alarm(0);
	assert_true(idle_calls > 0);
	signal(SIGALRM, SIG_DFL);
	close(rx);
	close(tx);
	mars_cap_close(live_cap);
	live_cap = NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lab_every_link_v4_v6),
		cmocka_unit_test(test_lab_ip_options_and_v6_ext),
		cmocka_unit_test(test_every_cut_is_an_error),
		cmocka_unit_test(test_trunc_field_names),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_ethernet_trailer),
		cmocka_unit_test(test_raw_dlt_values),
		cmocka_unit_test(test_atm_rfc1483),
		cmocka_unit_test(test_sunatm),
		cmocka_unit_test(test_unsupported_dlt),
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_open_not_a_capture),
		cmocka_unit_test(test_open_unsupported_linktype),
		cmocka_unit_test(test_dump_round_trip),
		cmocka_unit_test(test_dump_open_dlt),
		cmocka_unit_test(test_truncated_file),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_next_lab_file),
		cmocka_unit_test(test_pcapng),
		cmocka_unit_test(test_live_no_such_interface),
		cmocka_unit_test(test_live_loopback),
	};

	return cmocka_run_group_tests_name("capture", tests, NULL, NULL);
}
