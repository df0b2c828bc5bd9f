/*
 * Conformance cases: MARS_REQUEST answered by MARS_MULTI (in parts when
 * the group is large, by address type) or MARS_NAK (RFC 2022 §5.1.1,
 * §5.1.2, §6.1.1), and MARS_GROUPLIST_REQUEST (§5.3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conform_int.h"

/*
 * A group larger than one MULTI can hold on the lab transport: its VC
 * MTU is MARS_MTU (9180, mars-lab(7)), so with 20-octet NSAPs, IPv4 and
 * no subaddresses a part holds at most (9180 - 8 - 60) / 20 = 455
 * members (the §5.1.2 example: 456 without the LLC/SNAP header).
 */
#define BULK_MEMBERS	470
#define BULK_WINDOW	32

static bool
not_map(const struct cf_msg *x, const void *arg)
{
	const struct mars_msg *m = cf_mars(x);

	(void)arg;
	return m == NULL || m->op != MARS_REDIRECT_MAP;
}

/*
 * The parts of a MULTI answer: y = 1, 2, ..., x on the last only, one
 * mar$msn, each part of one address type.  0, or the verdict.
 */
static int
check_parts(struct cf_run *r, const struct cf_answer *a)
{
	const struct mars_msg *mm, *m0 = &a->part[0]->pdu.u.mars;
	size_t i;
	unsigned y, x;

	for (i = 0; i < a->nparts; i++) {
		mm = &a->part[i]->pdu.u.mars;
		y = mm->seqxy & MARS_SEQ_PART;
		x = (mm->seqxy & MARS_SEQ_LAST) != 0;
		if (y != i + 1)
			return cf_fail(r, "part %zu of the MULTI has y = %u "
			    "(mar$seqxy 0x%04x): parts count from 1 up",
			    i + 1, y, mm->seqxy);
		if (x != (i + 1 == a->nparts))
			return cf_fail(r, "part %zu of %zu has x = %u "
			    "(mar$seqxy 0x%04x): x marks the last part only",
			    i + 1, a->nparts, x, mm->seqxy);
		if (mm->msn != m0->msn)
			return cf_fail(r, "mar$msn changed between the parts "
			    "of one MULTI (%u, then %u)", m0->msn, mm->msn);
		if (a->part[i]->kind != MARS_VC_P2P)
			return cf_fail(r, "part %zu of the MULTI came on %s, "
			    "not on the requester's VC", i + 1,
			    mars_vc_kind_name(a->part[i]->kind));
	}
	return 0;
}

/* RFC 2022 §5.1.2: the MULTI's source fields are the requester's. */
static int
check_source(struct cf_run *r, const struct cf_answer *a,
    const struct cf_member *req)
{
	const struct mars_msg *mm;
	size_t i;

	for (i = 0; i < a->nparts; i++) {
		mm = &a->part[i]->pdu.u.mars;
		if (!cf_is_from(mm, req) || mm->spa.len != r->grp_len ||
		    memcmp(mm->spa.addr, req->pa, r->grp_len) != 0)
			return cf_fail(r, "part %zu of the MULTI does not carry "
			    "the requester's source ATM and protocol "
			    "addresses (they are copied from the REQUEST)",
			    i + 1);
	}
	return 0;
}

/* RFC 2022 §5.1.1, §5.1.2, §6.1.1. */
int
cf_case_request_multi(struct cf_run *r)
{
	struct cf_member *a, *b, *c;
	struct cf_answer an;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX];
	char d[200];
	int v;

	if (cf_registered(r, &a) != 0 || cf_registered(r, &b) != 0 ||
	    cf_registered(r, &c) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	if (cf_join(r, a, MARS_JOIN, g, g, MARS_FLAG_LAYER3GRP, NULL) != 0 ||
	    cf_join(r, b, MARS_JOIN, g, g, MARS_FLAG_LAYER3GRP, NULL) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	if (cf_request(r, c, g, &an) != 0)
		return cf_fail(r, "%.900s", r->detail);
	if (an.nak != NULL) {
		cf_describe(an.nak, d, sizeof(d));
		cf_answer_free(&an);
		return cf_fail(r, "a group with two members drew a NAK: %s", d);
	}
	if ((v = check_parts(r, &an)) != 0 || (v = check_source(r, &an, c)))
		goto out;
	if (an.nparts != 1)
		v = cf_fail(r, "two members came in %zu MULTI parts, not one "
		    "(§5.1.1: as many as fit in each)", an.nparts);
	else if (cf_answer_count(&an) != 2 || !cf_answer_lists(&an, a) ||
	    !cf_answer_lists(&an, b))
		v = cf_fail(r, "the MULTI lists %zu addresses; the group's two "
		    "members are%s listed", cf_answer_count(&an),
		    cf_answer_lists(&an, a) && cf_answer_lists(&an, b) ? "" :
		    " not both");
	else if (an.part[0]->pdu.u.mars.thtl != a->atm_tl)
		v = cf_fail(r, "the MULTI's mar$thtl is 0x%02x for 20-octet "
		    "NSAPs", an.part[0]->pdu.u.mars.thtl);
out:
	cf_answer_free(&an);
	return v;
}

/*
 * RFC 2022 §5.1.2: "MARS_NAK is the MARS_REQUEST returned with operation
 * type value of 6.  All other fields are left unchanged".  The checksum
 * may be recomputed (checksum-reply judges it).
 */
int
cf_case_request_nak(struct cf_run *r)
{
	struct cf_member *c;
	struct cf_answer an;
	struct mars_msg msg;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX], other[CF_PA_MAX], req[512];
	size_t len, i;
	const uint8_t *nak;
	char d[200], want[16], got[16];
	int v = MARS_CONFORM_PASS;

	if (cf_registered(r, &c) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	cf_group_at(r, base, 2, other);
	/* Move the CSN first, so that a NAK that carries it somewhere
	 * (PROTOCOL.md C9) cannot hide behind a CSN of 0. */
	if (cf_join(r, c, MARS_JOIN, other, other, MARS_FLAG_LAYER3GRP,
	    NULL) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	cf_msg_request(c, &msg, g);
	if (cf_encode(&msg, req, sizeof(req), &len, false) != 0)
		return cf_skip(r, "cannot encode the REQUEST");
	if (cf_request(r, c, g, &an) != 0)
		return cf_fail(r, "%.900s", r->detail);
	if (an.nak == NULL) {
		cf_describe(an.part[0], d, sizeof(d));
		cf_answer_free(&an);
		return cf_fail(r, "an empty group drew no NAK but %s", d);
	}
	nak = an.nak->sdu;
	if (an.nak->kind != MARS_VC_P2P)
		v = cf_fail(r, "the NAK came on %s, not on the requester's VC",
		    mars_vc_kind_name(an.nak->kind));
	else if (an.nak->len != len)
		v = cf_fail(r, "the NAK is %zu octets, the REQUEST was %zu",
		    an.nak->len, len);
	else {
		for (i = MARS_LLC_SNAP_LEN; i < len; i++) {
			if (i == MARS_LLC_SNAP_LEN + 12 ||
			    i == MARS_LLC_SNAP_LEN + 13 ||
			    i == MARS_LLC_SNAP_LEN + 17)
				continue;	/* chksum, op.type */
			if (nak[i] != req[i])
				break;
		}
		if (i < len) {
			size_t o = i - MARS_LLC_SNAP_LEN, k = o & ~(size_t)3;

			cf_hex(req + MARS_LLC_SNAP_LEN + k, 4, want,
			    sizeof(want));
			cf_hex(nak + MARS_LLC_SNAP_LEN + k, 4, got,
			    sizeof(got));
			v = cf_fail(r, "the NAK differs from the REQUEST at "
			    "message offset %zu%s: octets %zu-%zu were %s, "
			    "came back %s", o, o >= 24 && o < 32 ?
			    " (mar$pad)" : "", k, k + 3, want, got);
		} else if (nak[MARS_LLC_SNAP_LEN + 17] != MARS_NAK)
			v = cf_fail(r, "mar$op.type is %u",
			    nak[MARS_LLC_SNAP_LEN + 17]);
	}
	cf_answer_free(&an);
	return v;
}

/* Every member of v registered and saw the copy of its group JOIN. */
static bool
bulk_done(void *arg)
{
	struct cf_member **v = arg;
	struct cf_msg *x;
	const struct mars_msg *mm;
	bool reg, join;
	size_t i;

	for (i = 0; v[i] != NULL; i++) {
		if (v[i]->joined)
			continue;
		reg = v[i]->registered;
		join = false;
		for (x = v[i]->head; x != NULL; x = x->next) {
			if ((mm = cf_mars(x)) == NULL || !cf_is_from(mm, v[i]))
				continue;
			if (mm->op == MARS_JOIN && (mm->flags &
			    MARS_FLAG_REGISTER))
				reg = true;
			else if (mm->op == MARS_JOIN)
				join = true;
		}
		if (reg)
			v[i]->registered = true;
		if (!reg || !join)
			return false;
		v[i]->joined = true;
		cf_flush(v[i]);
	}
	return true;
}

/* Register the members of v[0..n) and join g, a window at a time. */
static int
bulk_join(struct cf_run *r, struct cf_member **v, size_t n, const uint8_t *g)
{
	struct cf_member *win[BULK_WINDOW + 1];
	struct mars_msg reg, join;
	uint8_t pairs[2 * CF_PA_MAX];
	size_t i, k, w;
	int tries;

	for (i = 0; i < n; i += w) {
		w = n - i < BULK_WINDOW ? n - i : BULK_WINDOW;
		for (k = 0; k < w; k++)
			win[k] = v[i + k];
		win[w] = NULL;
		for (tries = 0; tries < 3 && !bulk_done(win); tries++) {
			for (k = 0; k < w; k++) {
				if (win[k]->joined)
					continue;
				cf_msg_register(win[k], &reg, MARS_JOIN);
				cf_msg_join(win[k], &join, MARS_JOIN, g, g,
				    MARS_FLAG_LAYER3GRP, pairs);
				if (!win[k]->registered)
					(void)cf_send_msg(win[k], &reg, false);
				(void)cf_send_msg(win[k], &join, false);
			}
			(void)cf_wait(r, cf_deadline(r), bulk_done, win);
		}
		if (!bulk_done(win))
			return -1;
	}
	return 0;
}

/*
 * RFC 2022 §5.1.1: "A MARS MUST minimise the number of MARS_MULTIs
 * transmitted by placing as many group members' addresses in a single
 * MARS_MULTI as possible.  The limit ... MUST be the MTU of the
 * underlying VC"; §5.1.2 mar$seqxy; §5.1.4.2 one mar$msn in every part.
 */
int
cf_case_request_parts(struct cf_run *r)
{
	struct cf_member **v, *c;
	struct cf_answer an;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX];
	size_t i, n = BULK_MEMBERS, esz = MARS_ATM_ADDR_MAX, per, over, want;
	const struct mars_msg *mm;
	int rv;

	if (cf_registered(r, &c) != 0)
		return cf_skip_unregistered(r);
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return cf_skip(r, "out of memory");
	for (i = 0; i < n; i++)
		if (cf_member_new(r, &v[i], CF_M_DISCARD) != 0) {
			rv = cf_skip(r, "cannot open the links of %zu members "
			    "(%zu opened: %.600s)", n, i, r->detail);
			free(v);
			return rv;
		}
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	if (bulk_join(r, v, n, g) != 0) {
		free(v);
		return cf_skip(r, "cannot tell: %zu members could not all "
		    "register and join one group", n);
	}
	if (cf_request(r, c, g, &an) != 0) {
		free(v);
		return cf_fail(r, "%.900s", r->detail);
	}
	rv = MARS_CONFORM_PASS;
	if (an.nak != NULL) {
		rv = cf_fail(r, "a group of %zu members drew a NAK", n);
		goto out;
	}
	if ((rv = check_parts(r, &an)) != 0 ||
	    (rv = check_source(r, &an, c)) != 0)
		goto out;
	mm = &an.part[0]->pdu.u.mars;
	over = MARS_LLC_SNAP_LEN + MARS_HDR_LEN + (c->atm_tl &
	    MARS_ATM_TL_LEN) + 2 * (size_t)r->grp_len;
	per = (MARS_MTU - over) / esz;
	want = (n + per - 1) / per;
	if (cf_answer_count(&an) != n) {
		rv = cf_fail(r, "the %zu MULTI parts list %zu addresses for a "
		    "group of %zu members", an.nparts, cf_answer_count(&an), n);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (!cf_answer_lists(&an, v[i])) {
			rv = cf_fail(r, "member %zu of %zu is missing from the "
			    "MULTI parts", i + 1, n);
			goto out;
		}
	if (an.nparts != want) {
		rv = cf_fail(r, "%zu members came in %zu parts; with this VC's "
		    "MTU of %d octets, %zu per part, %zu parts suffice (§5.1.1: "
		    "as many addresses per MULTI as possible)", n, an.nparts,
		    MARS_MTU, per, want);
		goto out;
	}
	(void)mm;
out:
	cf_answer_free(&an);
	free(v);
	return rv;
}

/*
 * RFC 2022 §5.1.1: "each MARS_MULTI message may only return ATM
 * addresses of the same type and length ... grouped according to type
 * and returned in a sequence of separate MARS_MULTI parts".
 */
int
cf_case_request_types(struct cf_run *r)
{
	struct cf_member *m[4], *c;
	struct cf_answer an;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX];
	struct mars_atm tha, tsa;
	const struct mars_msg *mm;
	size_t i;
	unsigned k;
	int rv;

	for (i = 0; i < 4; i++) {
		if (cf_member_new(r, &m[i], i < 2 ? 0 : CF_M_E164) != 0)
			return cf_skip(r, "%s", r->detail);
		if (cf_register(r, m[i], NULL) != 0)
			return i < 2 ? cf_skip_unregistered(r) :
			    cf_skip(r, "cannot tell: a member with a native "
			    "E.164 number cannot register: %.800s", r->detail);
	}
	if (cf_registered(r, &c) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	/* Interleaved, so that a MARS listing in join order mixes them. */
	for (i = 0; i < 4; i++)
		if (cf_join(r, m[(i % 2) * 2 + i / 2], MARS_JOIN, g, g,
		    MARS_FLAG_LAYER3GRP, NULL) != 0)
			return cf_skip(r, "cannot tell: %.900s", r->detail);
	if (cf_request(r, c, g, &an) != 0)
		return cf_fail(r, "%.900s", r->detail);
	rv = MARS_CONFORM_PASS;
	if (an.nak != NULL) {
		rv = cf_fail(r, "a group of four members drew a NAK");
		goto out;
	}
	if ((rv = check_parts(r, &an)) != 0)
		goto out;
	for (i = 0; i < an.nparts; i++) {
		mm = &an.part[i]->pdu.u.mars;
		for (k = 0; k < mm->tnum; k++) {
			mars_target(mm, k, &tha, &tsa);
			if (tha.tl != mm->thtl) {
				rv = cf_fail(r, "part %zu mixes address types",
				    i + 1);
				goto out;
			}
		}
		if (mm->thtl != m[0]->atm_tl && mm->thtl != m[2]->atm_tl) {
			rv = cf_fail(r, "part %zu has mar$thtl 0x%02x, the "
			    "type of none of the members", i + 1, mm->thtl);
			goto out;
		}
	}
	if (an.nparts < 2)
		rv = cf_fail(r, "members with NSAP (mar$thtl 0x%02x) and native "
		    "E.164 (0x%02x) numbers came in one part", m[0]->atm_tl,
		    m[2]->atm_tl);
	else if (cf_answer_count(&an) != 4)
		rv = cf_fail(r, "the parts list %zu addresses for 4 members",
		    cf_answer_count(&an));
	else
		for (i = 0; i < 4; i++)
			if (!cf_answer_lists(&an, m[i])) {
				rv = cf_fail(r, "a member with %s number is "
				    "missing", i < 2 ? "an NSAP" :
				    "a native E.164");
				break;
			}
out:
	cf_answer_free(&an);
	return rv;
}

/* RFC 2022 §6.1.1: "if a MARS_REQUEST arrives whose source ATM address
 * does not match that of any registered Cluster member the message MUST
 * be dropped and ignored". */
int
cf_case_request_unregistered(struct cf_run *r)
{
	struct cf_member *a, *u;
	struct mars_msg msg;
	struct cf_msg *x;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX];
	char d[200];

	if (cf_registered(r, &a) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	if (cf_join(r, a, MARS_JOIN, g, g, MARS_FLAG_LAYER3GRP, NULL) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	if (cf_member_new(r, &u, 0) != 0)
		return cf_skip(r, "%s", r->detail);
	cf_msg_request(u, &msg, g);
	if (cf_send_msg(u, &msg, false) != 0)
		return cf_skip(r, "cannot send the REQUEST");
	/* Same VC, same order: an answer would come before this reply. */
	if (cf_register(r, u, NULL) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	if ((x = cf_take(r, u, cf_now(), not_map, NULL)) != NULL) {
		cf_describe(x, d, sizeof(d));
		cf_msg_free(x);
		return cf_fail(r, "a REQUEST from a node not registered was "
		    "answered: %s", d);
	}
	return MARS_CONFORM_PASS;
}

static bool
match_glreply(const struct cf_msg *x, const void *arg)
{
	const struct mars_msg *mm = cf_mars(x);

	(void)arg;
	return mm != NULL && mm->op == MARS_GROUPLIST_REPLY;
}

/*
 * RFC 2022 §5.3: the reply lists "the multicast groups within the
 * specified <min,max> block that have Layer 3 members", on the VC the
 * request came on, in parts as a MULTI.
 */
int
cf_case_grouplist(struct cf_run *r)
{
	struct cf_member *a, *b, *c;
	struct mars_msg msg;
	struct cf_msg *x;
	const struct mars_msg *mm;
	uint8_t base[CF_PA_MAX], out[CF_PA_MAX], lo[CF_PA_MAX], hi[CF_PA_MAX];
	uint8_t g1[CF_PA_MAX], g2[CF_PA_MAX], g3[CF_PA_MAX], g4[CF_PA_MAX];
	uint8_t pairs[2 * CF_PA_MAX];
	const uint8_t *p;
	bool seen1 = false, seen2 = false, last = false;
	char gt[64], d[200];
	unsigned k, y = 0;
	int rv = MARS_CONFORM_PASS;

	if (cf_registered(r, &a) != 0 || cf_registered(r, &b) != 0 ||
	    cf_registered(r, &c) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_range(r, out);
	cf_group_at(r, base, 0, lo);
	cf_group_at(r, base, 255, hi);
	cf_group_at(r, base, 10, g1);
	cf_group_at(r, base, 20, g2);
	cf_group_at(r, base, 30, g3);
	cf_group_at(r, out, 10, g4);
	if (cf_join(r, a, MARS_JOIN, g1, g1, MARS_FLAG_LAYER3GRP, NULL) != 0 ||
	    cf_join(r, a, MARS_JOIN, g2, g2, MARS_FLAG_LAYER3GRP, NULL) != 0 ||
	    cf_join(r, b, MARS_JOIN, g2, g2, 0, NULL) != 0 ||
	    cf_join(r, b, MARS_JOIN, g3, g3, 0, NULL) != 0 ||
	    cf_join(r, b, MARS_JOIN, g4, g4, MARS_FLAG_LAYER3GRP, NULL) != 0 ||
	    cf_await(r, c, b, MARS_JOIN, g4, true) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	cf_msg_join(c, &msg, MARS_GROUPLIST_REQUEST, lo, hi, 0, pairs);
	if (cf_send_msg(c, &msg, false) != 0)
		return cf_skip(r, "cannot send the GROUPLIST_REQUEST");
	while (!last) {
		if ((x = cf_take(r, c, cf_deadline(r), match_glreply,
		    NULL)) == NULL)
			return cf_fail(r, "no%s MARS_GROUPLIST_REPLY within "
			    "%llu ms (the MARS MUST support GROUPLIST)",
			    y > 0 ? " final" : "",
			    (unsigned long long)r->timeout);
		mm = cf_mars(x);
		cf_describe(x, d, sizeof(d));
		y++;
		last = (mm->seqxy & MARS_SEQ_LAST) != 0;
		if (x->kind != MARS_VC_P2P)
			rv = cf_fail(r, "the reply came on %s, not on the VC "
			    "of the request: %s", mars_vc_kind_name(x->kind),
			    d);
		else if ((mm->seqxy & MARS_SEQ_PART) != y)
			rv = cf_fail(r, "reply part %u has mar$seqxy 0x%04x", y,
			    mm->seqxy);
		else if (mm->grp_len != r->grp_len)
			rv = cf_fail(r, "the reply's mar$tpln is %u", mm->grp_len);
		for (k = 0; rv == MARS_CONFORM_PASS && k < mm->tnum; k++) {
			p = mars_group(mm, k);
			cf_group_text(r, p, gt, sizeof(gt));
			if (memcmp(p, g1, r->grp_len) == 0)
				seen1 = true;
			else if (memcmp(p, g2, r->grp_len) == 0)
				seen2 = true;
			else if (memcmp(p, g3, r->grp_len) == 0)
				rv = cf_fail(r, "%s is listed although no join "
				    "of it had layer3grp set", gt);
			else if (memcmp(p, lo, r->grp_len) < 0 ||
			    memcmp(p, hi, r->grp_len) > 0)
				rv = cf_fail(r, "%s is listed, outside the "
				    "requested block", gt);
		}
		cf_msg_free(x);
		if (rv != MARS_CONFORM_PASS)
			return rv;
	}
	if (!seen1 || !seen2)
		return cf_fail(r, "a group joined with layer3grp set is not "
		    "listed (%s%s)", seen1 ? "" : "the first",
		    seen1 || seen2 ? "" : " nor the second");
	return MARS_CONFORM_PASS;
}

/* RFC 2022 §5.3: "A request with mar$pnum = 0 will be ignored." */
int
cf_case_grouplist_pnum0(struct cf_run *r)
{
	struct cf_member *a, *c;
	struct mars_msg msg;
	uint8_t base[CF_PA_MAX], lo[CF_PA_MAX], hi[CF_PA_MAX], g[CF_PA_MAX];
	uint8_t e[CF_PA_MAX], pairs[2 * CF_PA_MAX];

	if (cf_registered(r, &a) != 0 || cf_registered(r, &c) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 0, lo);
	cf_group_at(r, base, 255, hi);
	cf_group_at(r, base, 10, g);
	cf_group_at(r, base, 11, e);
	if (cf_join(r, a, MARS_JOIN, g, g, MARS_FLAG_LAYER3GRP, NULL) != 0 ||
	    cf_await(r, c, a, MARS_JOIN, g, true) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	cf_msg_join(c, &msg, MARS_GROUPLIST_REQUEST, lo, hi, 0, pairs);
	msg.pnum = 0;
	if (cf_send_msg(c, &msg, false) != 0)
		return cf_skip(r, "cannot send the GROUPLIST_REQUEST");
	return cf_expect_dropped(r, c, NULL, e, "a GROUPLIST_REQUEST with "
	    "mar$pnum 0");
}
