/*
 * Conformance cases: the checksum (RFC 2022 §4.3.3) and what a MARS must
 * drop -- a null source (§6), unknown operations and versions (§4.3.5),
 * protocols it does not serve (§6), reserved bits (§5.1.2, §5.2.1),
 * unknown TLVs by their Type.x (§10.2), malformed lengths -- and what it
 * must accept although it looks odd (mar$chksum 0, Type.x 0 and 3, the
 * low bits of mar$extoff).
 *
 * Every drop case has the same shape: a registered member sends a valid
 * group JOIN made wrong in one way, then asks for that group with a
 * MARS_REQUEST.  The MARS handles one VC in order, so the NAK must be
 * the first thing that comes back (the group is empty: the JOIN was
 * dropped), and another registered member must have seen nothing.  The
 * valid JOIN is then sent as it was before the damage, and must be
 * accepted, so that the drop is the damage's doing.
 */
#include <stdio.h>
#include <string.h>

#include "conform_int.h"

#define L		MARS_LLC_SNAP_LEN
#define TLV_Y_EXP	0x3801	/* an experimental Type.y nobody knows */

struct wrong {
	uint8_t		 sdu[MARS_MTU];
	size_t		 len;
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* After patching: the checksum over the new octets (if there is one). */
static void
recksum(struct wrong *w)
{
	uint16_t c;

	if (get16(w->sdu + L + 12) == 0)
		return;
	put16(w->sdu + L + 12, 0);
	c = mars_cksum(w->sdu + L, w->len - L);
	put16(w->sdu + L + 12, c != 0 ? c : 0xffff);
}

/* m's JOIN of <g,g>, layer3grp, encoded with its checksum. */
static int
valid_join(struct cf_run *r, struct cf_member *m, const uint8_t *g,
    struct wrong *w, const struct mars_tlv *tlv, bool tlvs)
{
	uint8_t pairs[2 * CF_PA_MAX];
	struct mars_msg msg;

	cf_msg_join(m, &msg, MARS_JOIN, g, g, MARS_FLAG_LAYER3GRP, pairs);
	if (tlv != NULL) {
		msg.tlv[0] = *tlv;
		msg.ntlv = 1;
	}
	msg.has_tlvs = tlvs || tlv != NULL;
	if (cf_encode(&msg, w->sdu, sizeof(w->sdu), &w->len, false) != 0) {
		snprintf(r->detail, sizeof(r->detail), "cannot encode the JOIN");
		return -1;
	}
	return 0;
}

typedef void (*damage_fn)(struct cf_run *, struct wrong *);

/*
 * The drop case: damage a valid JOIN, send it, expect it dropped, then
 * the valid one accepted.  tlv: the valid JOIN carries it (may be NULL).
 * Several damages (n) are sent in a row before the probe.
 */
static int
drop_case(struct cf_run *r, const damage_fn *dmg, size_t n,
    const struct mars_tlv *tlv, const char *what)
{
	struct cf_member *o, *a;
	struct wrong good, bad;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX];
	size_t i;
	int v;

	if (cf_registered(r, &o) != 0 || cf_registered(r, &a) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	if (valid_join(r, a, g, &good, tlv, false) != 0)
		return cf_skip(r, "%s", r->detail);
	for (i = 0; i < n; i++) {
		bad = good;
		dmg[i](r, &bad);
		if (cf_send(a, bad.sdu, bad.len) != 0)
			return cf_skip(r, "cannot send %s", what);
	}
	if ((v = cf_expect_dropped(r, a, o, g, what)) != MARS_CONFORM_PASS)
		return v;
	if (tlv != NULL && (tlv->type & MARS_TLV_ACTION) != MARS_TLV_SKIP &&
	    (tlv->type & MARS_TLV_ACTION) != MARS_TLV_RESERVED) {
		/* The control is the JOIN without that TLV. */
		if (valid_join(r, a, g, &good, NULL, false) != 0)
			return cf_skip(r, "%s", r->detail);
	}
	if (cf_send_expect_copy(r, a, good.sdu, good.len, MARS_JOIN, g) != 0)
		return cf_skip(r, "cannot tell: the MARS dropped %s, but did "
		    "not accept the same JOIN undamaged either within %llu ms",
		    what, (unsigned long long)r->timeout);
	return MARS_CONFORM_PASS;
}

/* The accept case: the JOIN in w (from a fresh member) must be taken. */
static int
accept_case(struct cf_run *r, const struct mars_tlv *tlv, bool tlvs,
    damage_fn dmg, bool nock, const char *what)
{
	struct cf_member *a;
	struct wrong w;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX];

	if (cf_registered(r, &a) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	if (valid_join(r, a, g, &w, tlv, tlvs) != 0)
		return cf_skip(r, "%s", r->detail);
	if (nock)
		put16(w.sdu + L + 12, 0);
	if (dmg != NULL)
		dmg(r, &w);
	if (cf_send_expect_copy(r, a, w.sdu, w.len, MARS_JOIN, g) != 0)
		return cf_fail(r, "%s was not accepted: no copy came back "
		    "within %llu ms", what, (unsigned long long)r->timeout);
	return MARS_CONFORM_PASS;
}

/* ---- checksum, §4.3.3 ---- */

/* The name of a reply and whether its checksum verifies. */
static int
judge_ck(struct cf_run *r, const struct cf_msg *x, const char *what)
{
	char d[200];

	if (x == NULL || x->cksum_ok)
		return 0;
	cf_describe(x, d, sizeof(d));
	return cf_fail(r, "%s carries mar$chksum 0x%04x, which does not "
	    "verify over its octets (replies built from a request must get "
	    "a new checksum, or 0): %s", what, get16(x->sdu + L + 12), d);
}

/*
 * RFC 2022 §4.3.3: "If no checksum is calculated these bits MUST be
 * reset before transmission."  Every message from the MARS in answer to
 * checksummed requests -- registration reply, a JOIN copy on
 * ClusterControlVC, a MULTI, a NAK, a deregistration reply -- carries
 * either 0 or a checksum that verifies.
 */
int
cf_case_checksum_reply(struct cf_run *r)
{
	struct cf_member *o, *a;
	struct cf_msg *x, *y;
	struct cf_answer an;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX], e[CF_PA_MAX];
	int v;

	if (cf_registered(r, &o) != 0 || cf_member_new(r, &a, 0) != 0)
		return cf_skip_unregistered(r);
	if (cf_register(r, a, &x) != 0)
		return cf_skip_unregistered(r);
	v = judge_ck(r, x, "the registration reply");
	cf_msg_free(x);
	if (v != 0)
		return v;
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	cf_group_at(r, base, 2, e);
	if (cf_join(r, a, MARS_JOIN, g, g, MARS_FLAG_LAYER3GRP, &x) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	y = cf_take_op(r, o, cf_deadline(r), MARS_JOIN, MARS_VC_CCVC);
	v = judge_ck(r, x, "the JOIN copy") || judge_ck(r, y, "the JOIN copy "
	    "on ClusterControlVC");
	cf_msg_free(x);
	cf_msg_free(y);
	if (v != 0)
		return MARS_CONFORM_FAIL;
	if (cf_request(r, a, g, &an) == 0) {
		v = judge_ck(r, an.nparts > 0 ? an.part[0] : an.nak,
		    "the answer to a MARS_REQUEST");
		cf_answer_free(&an);
		if (v != 0)
			return v;
	}
	if (cf_request(r, a, e, &an) == 0) {
		v = judge_ck(r, an.nak != NULL ? an.nak : an.part[0],
		    "the answer to a MARS_REQUEST for an empty group");
		cf_answer_free(&an);
		if (v != 0)
			return v;
	}
	if (cf_deregister(r, a, &x) == 0) {
		v = judge_ck(r, x, "the deregistration reply");
		cf_msg_free(x);
		if (v != 0)
			return v;
	}
	return MARS_CONFORM_PASS;
}

/* §4.3.3: "Messages arriving with mar$chksum of 0 are always valid." */
int
cf_case_checksum_zero(struct cf_run *r)
{
	return accept_case(r, NULL, false, NULL, true,
	    "a JOIN with mar$chksum 0");
}

static void
dmg_checksum(struct cf_run *r, struct wrong *w)
{
	(void)r;
	put16(w->sdu + L + 12, get16(w->sdu + L + 12) ^ 0x5a5a);
}

/*
 * §4.3.3: a MARS that validates checksums drops a message whose
 * checksum does not verify; one that does not validate ignores the field
 * (allowed): that is a SKIP, not a failure.
 */
int
cf_case_checksum_bad(struct cf_run *r)
{
	static const damage_fn d[] = { dmg_checksum };
	int v;

	v = drop_case(r, d, 1, NULL, "a JOIN whose mar$chksum does not "
	    "verify");
	if (v == MARS_CONFORM_FAIL && r->acted)
		return cf_skip(r, "the MARS does not validate checksums, "
		    "which RFC 2022 §4.3.3 allows (it took a JOIN whose "
		    "mar$chksum does not verify)");
	return v;
}

/* ---- what a MARS drops ---- */

static void
dmg_null_source(struct cf_run *r, struct wrong *w)
{
	size_t n = w->sdu[L + 18] & MARS_ATM_TL_LEN;

	(void)r;
	memmove(w->sdu + L + 32, w->sdu + L + 32 + n, w->len - L - 32 - n);
	w->len -= n;
	w->sdu[L + 18] = 0;
	recksum(w);
}

/* §6: "Messages that arrive with an empty ATM Number field are silently
 * discarded prior to any other processing by the MARS." */
int
cf_case_drop_null_source(struct cf_run *r)
{
	static const damage_fn d[] = { dmg_null_source };

	return drop_case(r, d, 1, NULL, "a JOIN with a null source ATM "
	    "number");
}

static void
dmg_op14(struct cf_run *r, struct wrong *w)
{
	(void)r;
	w->sdu[L + 17] = MARS_OP_MAX + 1;
	recksum(w);
}

static void
dmg_op0(struct cf_run *r, struct wrong *w)
{
	(void)r;
	w->sdu[L + 17] = 0;
	recksum(w);
}

static void
dmg_op255(struct cf_run *r, struct wrong *w)
{
	(void)r;
	w->sdu[L + 17] = 0xff;
	recksum(w);
}

/* §4.3.5, §11: operation codes 1-13 only. */
int
cf_case_drop_unknown_op(struct cf_run *r)
{
	static const damage_fn d[] = { dmg_op14, dmg_op0, dmg_op255 };

	return drop_case(r, d, 3, NULL, "a JOIN with mar$op.type 14, 0 and "
	    "255");
}

static void
dmg_ver1(struct cf_run *r, struct wrong *w)
{
	(void)r;
	w->sdu[L + 16] = 0x01;
	recksum(w);
}

static void
dmg_ver2(struct cf_run *r, struct wrong *w)
{
	(void)r;
	w->sdu[L + 16] = 0x02;
	recksum(w);
}

static void
dmg_verff(struct cf_run *r, struct wrong *w)
{
	(void)r;
	w->sdu[L + 16] = 0xff;
	recksum(w);
}

/* §4.3.5: mar$op.version 0 is this protocol; 1 is NHRP, 2-0xef IETF,
 * 0xff experimental: none of them is a MARS_JOIN. */
int
cf_case_drop_op_version(struct cf_run *r)
{
	static const damage_fn d[] = { dmg_ver1, dmg_ver2, dmg_verff };

	return drop_case(r, d, 3, NULL, "a JOIN with mar$op.version 1, 2 "
	    "and 0xff");
}

static void
dmg_protocol(struct cf_run *r, struct wrong *w)
{
	(void)r;
	put16(w->sdu + L + 2, 0x88b5);	/* IEEE local experimental */
	recksum(w);
}

/* §6: "If a MARS receives messages with a mar$pro that it does not
 * support, the message is dropped"; and no protocol's tables touch
 * another's (§6, §9). */
int
cf_case_drop_protocol(struct cf_run *r)
{
	static const damage_fn d[] = { dmg_protocol };

	return drop_case(r, d, 1, NULL, "a JOIN with mar$pro.type 0x88b5");
}

static void
dmg_flags(struct cf_run *r, struct wrong *w)
{
	(void)r;
	put16(w->sdu + L + 24, get16(w->sdu + L + 24) | 0x0100);
	recksum(w);
}

/* §5.2.1: "Bits 8 to 11 are reserved and MUST be zero." */
int
cf_case_drop_reserved_flags(struct cf_run *r)
{
	static const damage_fn d[] = { dmg_flags };

	return drop_case(r, d, 1, NULL, "a JOIN with mar$flags bit 8 "
	    "(reserved) set");
}

static void
dmg_tl(struct cf_run *r, struct wrong *w)
{
	(void)r;
	w->sdu[L + 18] |= MARS_ATM_TL_RESERVED;
	recksum(w);
}

/* §5.1.2: the type-and-length octet's "most significant bit is reserved
 * and MUST be set to zero". */
int
cf_case_drop_reserved_tl(struct cf_run *r)
{
	static const damage_fn d[] = { dmg_tl };

	return drop_case(r, d, 1, NULL, "a JOIN whose mar$shtl has bit 7 "
	    "(reserved) set");
}

/* ---- TLVs, §10 ---- */

/* §10.4: the NULL TLV "MAY be the only TLV present". */
int
cf_case_tlv_null(struct cf_run *r)
{
	return accept_case(r, NULL, true, NULL, false,
	    "a JOIN with a lone NULL TLV");
}

static void
dmg_extoff_bits(struct cf_run *r, struct wrong *w)
{
	(void)r;
	put16(w->sdu + L + 14, get16(w->sdu + L + 14) | 0x0003);
	recksum(w);
}

/* §10.1: "A receiver MUST mask off these two bits". */
int
cf_case_tlv_extoff_bits(struct cf_run *r)
{
	return accept_case(r, NULL, true, dmg_extoff_bits, false,
	    "a JOIN whose mar$extoff has its two low bits set");
}

static const uint8_t tlv_value[5] = { 'c', 'o', 'n', 'f', '!' };

static struct mars_tlv
exp_tlv(uint16_t x)
{
	struct mars_tlv t;

	t.type = (uint16_t)(x | TLV_Y_EXP);
	t.len = sizeof(tlv_value);
	t.value = tlv_value;
	return t;
}

/* §10.2: "Type.x = 0   Skip the TLV, continue processing the list." */
int
cf_case_tlv_skip(struct cf_run *r)
{
	struct mars_tlv t = exp_tlv(MARS_TLV_SKIP);

	return accept_case(r, &t, true, NULL, false,
	    "a JOIN with an unknown TLV of Type.x 0");
}

static void
dmg_none(struct cf_run *r, struct wrong *w)
{
	(void)r;
	(void)w;
}

/* §10.2: "Type.x = 1   Stop processing, silently drop the MARS message." */
int
cf_case_tlv_drop(struct cf_run *r)
{
	static const damage_fn d[] = { dmg_none };
	struct mars_tlv t = exp_tlv(MARS_TLV_DROP);

	return drop_case(r, d, 1, &t, "a JOIN with an unknown TLV of Type.x "
	    "1");
}

/*
 * §10.2: "Type.x = 2   Stop processing, drop message, give error
 * indication" -- locally logged, so the drop is what a member can see.
 */
int
cf_case_tlv_drop_log(struct cf_run *r)
{
	static const damage_fn d[] = { dmg_none };
	struct mars_tlv t = exp_tlv(MARS_TLV_DROP_ERR);

	return drop_case(r, d, 1, &t, "a JOIN with an unknown TLV of Type.x "
	    "2");
}

/* §10.2: "Type.x = 3   Reserved. (currently treat as x = 0)". */
int
cf_case_tlv_reserved(struct cf_run *r)
{
	struct mars_tlv t = exp_tlv(MARS_TLV_RESERVED);

	return accept_case(r, &t, true, NULL, false,
	    "a JOIN with an unknown TLV of Type.x 3");
}

/* ---- malformed lengths ---- */

static void
dmg_truncate(struct cf_run *r, struct wrong *w)
{
	(void)r;
	w->len -= 2;		/* inside mar$max.1 */
	recksum(w);
}

int
cf_case_length_truncated(struct cf_run *r)
{
	static const damage_fn d[] = { dmg_truncate };

	return drop_case(r, d, 1, NULL, "a JOIN two octets short (cut "
	    "inside mar$max.1)");
}

static void
dmg_shtl(struct cf_run *r, struct wrong *w)
{
	(void)r;
	w->sdu[L + 18] = MARS_ATM_TL_LEN;	/* 63 octets */
	recksum(w);
}

int
cf_case_length_shtl(struct cf_run *r)
{
	static const damage_fn d[] = { dmg_shtl };

	return drop_case(r, d, 1, NULL, "a JOIN whose mar$shtl claims 63 "
	    "octets");
}

static void
dmg_pnum(struct cf_run *r, struct wrong *w)
{
	(void)r;
	put16(w->sdu + L + 22, 3);
	recksum(w);
}

int
cf_case_length_pnum(struct cf_run *r)
{
	static const damage_fn d[] = { dmg_pnum };

	return drop_case(r, d, 1, NULL, "a JOIN whose mar$pnum counts 3 "
	    "pairs with one present");
}

static void
dmg_extoff(struct cf_run *r, struct wrong *w)
{
	(void)r;
	put16(w->sdu + L + 14, (uint16_t)((w->len - L + 8) & ~(size_t)3));
	recksum(w);
}

int
cf_case_length_extoff(struct cf_run *r)
{
	static const damage_fn d[] = { dmg_extoff };

	return drop_case(r, d, 1, NULL, "a JOIN whose mar$extoff points past "
	    "its end");
}

/* The first TLV's Length, in a JOIN that carries a Type.x 0 TLV. */
static void
dmg_tlvlen(struct cf_run *r, struct wrong *w)
{
	size_t at = get16(w->sdu + L + 14) & 0xfffc;

	(void)r;
	put16(w->sdu + L + at + 2, 200);
	recksum(w);
}

int
cf_case_length_tlv(struct cf_run *r)
{
	static const damage_fn d[] = { dmg_tlvlen };
	struct mars_tlv t = exp_tlv(MARS_TLV_SKIP);

	return drop_case(r, d, 1, &t, "a JOIN whose TLV's Length (200) runs "
	    "past the message");
}
