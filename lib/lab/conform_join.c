/*
 * Conformance cases: MARS_JOIN and MARS_LEAVE of groups and blocks
 * (RFC 2022 §5.2.1, §5.2.2, §6.1.2, Appendix A).
 */
#include <stdio.h>
#include <string.h>

#include "conform_int.h"

#define SEQ_MARK	0x5a	/* a mar$flags.sequence the MARS must keep */

static bool
not_map(const struct cf_msg *x, const void *arg)
{
	const struct mars_msg *m = cf_mars(x);

	(void)arg;
	return m == NULL || m->op != MARS_REDIRECT_MAP;
}

struct from_arg {
	const struct cf_run	*r;
	const struct cf_member	*m;
	uint8_t			 op;
	const uint8_t		*g;
};

/* A JOIN-family message of op from member m whose first pair starts at g. */
static bool
match_from(const struct cf_msg *x, const void *arg)
{
	const struct from_arg *a = arg;
	const struct mars_msg *mm = cf_mars(x);
	const uint8_t *min, *max;

	if (mm == NULL || mm->op != a->op || !cf_is_from(mm, a->m) ||
	    mm->pnum == 0 || mm->grp_len != a->r->grp_len)
		return false;
	mars_pair(mm, 0, &min, &max);
	return memcmp(min, a->g, a->r->grp_len) == 0;
}

/* Two registered members: the actor a and the observer o. */
static int
two(struct cf_run *r, struct cf_member **o, struct cf_member **a)
{
	if (cf_registered(r, o) != 0 || cf_registered(r, a) != 0)
		return -1;
	return 0;
}

/*
 * The copy o sees of a's op on <g,g>: on ClusterControlVC, copy = 1,
 * punched = 0, register = 0, the pair and the sequence field unchanged.
 */
static int
check_copy(struct cf_run *r, struct cf_member *o, struct cf_member *a,
    uint8_t op, const uint8_t *g, uint16_t seq)
{
	struct from_arg fa = { r, a, op, g };
	struct cf_msg *x;
	const struct mars_msg *mm;
	char d[200], gt[64];
	int v = MARS_CONFORM_PASS;

	cf_group_text(r, g, gt, sizeof(gt));
	if ((x = cf_take(r, o, cf_deadline(r), match_from, &fa)) == NULL)
		return cf_fail(r, "another registered member got no copy of "
		    "the %s of %s within %llu ms", mars_op_name(op), gt,
		    (unsigned long long)r->timeout);
	mm = cf_mars(x);
	cf_describe(x, d, sizeof(d));
	if (x->kind != MARS_VC_CCVC)
		v = cf_fail(r, "the copy came on %s, not ClusterControlVC: %s",
		    mars_vc_kind_name(x->kind), d);
	else if (!(mm->flags & MARS_FLAG_COPY))
		v = cf_fail(r, "the copy has copy = 0: %s", d);
	else if (mm->flags & (MARS_FLAG_PUNCHED | MARS_FLAG_REGISTER))
		v = cf_fail(r, "the copy has punched or register set: %s", d);
	else if ((mm->flags & MARS_FLAG_SEQUENCE) != seq)
		v = cf_fail(r, "mar$flags.sequence was 0x%02x and came back "
		    "0x%02x (must pass unmodified): %s", seq,
		    mm->flags & MARS_FLAG_SEQUENCE, d);
	else if (mm->pnum != 1 || !cf_pair_is(r, mm, 0, g, g))
		v = cf_fail(r, "the copy does not carry the one pair <%s,%s>: "
		    "%s", gt, gt, d);
	cf_msg_free(x);
	return v;
}

/* RFC 2022 §6.1.2, §5.2.1 (sequence), §5.2.2 (the source's copy). */
int
cf_case_join_copy(struct cf_run *r)
{
	struct cf_member *o, *a;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX];

	if (two(r, &o, &a) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	if (cf_join(r, a, MARS_JOIN, g, g, MARS_FLAG_LAYER3GRP | SEQ_MARK,
	    NULL) != 0)
		return cf_fail(r, "%.900s", r->detail);
	return check_copy(r, o, a, MARS_JOIN, g, SEQ_MARK);
}

/* RFC 2022 §6.1.2. */
int
cf_case_leave_copy(struct cf_run *r)
{
	struct cf_member *o, *a;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX];

	if (two(r, &o, &a) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	if (cf_join(r, a, MARS_JOIN, g, g, MARS_FLAG_LAYER3GRP, NULL) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	if (cf_join(r, a, MARS_LEAVE, g, g, MARS_FLAG_LAYER3GRP | SEQ_MARK,
	    NULL) != 0)
		return cf_fail(r, "%.900s", r->detail);
	return check_copy(r, o, a, MARS_LEAVE, g, SEQ_MARK);
}

/*
 * a's op on g changes nothing: the copy comes back privately (copy = 1,
 * punched = 0), and o's next message, after a joins g2, is that join.
 */
static int
redundant(struct cf_run *r, struct cf_member *o, struct cf_member *a,
    uint8_t op, const uint8_t *g, const uint8_t *g2)
{
	struct from_arg fa = { r, a, MARS_JOIN, g2 };
	struct cf_msg *x;
	const struct mars_msg *mm;
	char d[200];
	int v = MARS_CONFORM_PASS;

	if (cf_join(r, a, op, g, g, MARS_FLAG_LAYER3GRP, &x) != 0)
		return cf_fail(r, "%.900s", r->detail);
	mm = cf_mars(x);
	cf_describe(x, d, sizeof(d));
	if (x->kind != MARS_VC_P2P)
		v = cf_fail(r, "the redundant %s came back on %s, not "
		    "privately: %s", mars_op_name(op),
		    mars_vc_kind_name(x->kind), d);
	else if (!(mm->flags & MARS_FLAG_COPY))
		v = cf_fail(r, "the private reply has copy = 0: %s", d);
	cf_msg_free(x);
	if (v != MARS_CONFORM_PASS)
		return v;
	if (cf_join(r, a, MARS_JOIN, g2, g2, MARS_FLAG_LAYER3GRP, NULL) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	while ((x = cf_take(r, o, cf_deadline(r), not_map, NULL)) != NULL) {
		if (match_from(x, &fa)) {
			cf_msg_free(x);
			return MARS_CONFORM_PASS;
		}
		cf_describe(x, d, sizeof(d));
		cf_msg_free(x);
		return cf_fail(r, "another member received the redundant %s: "
		    "%s", mars_op_name(op), d);
	}
	return cf_skip(r, "cannot tell: the observer got no copy of a later "
	    "JOIN within %llu ms", (unsigned long long)r->timeout);
}

/* RFC 2022 §6.1.2: "If the joining (leaving) node was already (is still)
 * considered a member ... the message is retransmitted privately". */
int
cf_case_join_redundant(struct cf_run *r)
{
	struct cf_member *o, *a;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX], g2[CF_PA_MAX];

	if (two(r, &o, &a) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	cf_group_at(r, base, 2, g2);
	if (cf_join(r, a, MARS_JOIN, g, g, MARS_FLAG_LAYER3GRP, NULL) != 0 ||
	    cf_await(r, o, a, MARS_JOIN, g, true) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	return redundant(r, o, a, MARS_JOIN, g, g2);
}

int
cf_case_leave_redundant(struct cf_run *r)
{
	struct cf_member *o, *a;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX], g2[CF_PA_MAX];

	if (two(r, &o, &a) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	cf_group_at(r, base, 2, g2);
	cf_flush(o);
	return redundant(r, o, a, MARS_LEAVE, g, g2);
}

static bool
match_grouplist(const struct cf_msg *x, const void *arg)
{
	const struct mars_msg *mm = cf_mars(x);

	(void)arg;
	return mm != NULL && mm->op == MARS_GROUPLIST_REPLY;
}

/*
 * RFC 2022 §6.1.2: a block without holes goes out on ClusterControlVC
 * unchanged; §5.2.1: layer3grp is treated as reset for a block, so a
 * GROUPLIST of the block (§5.3) names none of its groups.
 */
int
cf_case_join_block(struct cf_run *r)
{
	struct cf_member *o, *a;
	struct from_arg fa;
	struct cf_msg *x;
	const struct mars_msg *mm;
	uint8_t base[CF_PA_MAX], lo[CF_PA_MAX], hi[CF_PA_MAX];
	uint8_t pairs[2 * CF_PA_MAX];
	struct mars_msg gl;
	char d[200];
	int v = MARS_CONFORM_PASS;

	if (two(r, &o, &a) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 0x10, lo);
	cf_group_at(r, base, 0x1f, hi);
	if (cf_join(r, a, MARS_JOIN, lo, hi, MARS_FLAG_LAYER3GRP, NULL) != 0)
		return cf_fail(r, "%.900s", r->detail);
	fa.r = r;
	fa.m = a;
	fa.op = MARS_JOIN;
	fa.g = lo;
	if ((x = cf_take(r, o, cf_deadline(r), match_from, &fa)) == NULL)
		return cf_fail(r, "another member got no copy of the block "
		    "JOIN within %llu ms", (unsigned long long)r->timeout);
	mm = cf_mars(x);
	cf_describe(x, d, sizeof(d));
	if (x->kind != MARS_VC_CCVC)
		v = cf_fail(r, "the block JOIN came on %s, not "
		    "ClusterControlVC: %s", mars_vc_kind_name(x->kind), d);
	else if ((mm->flags & MARS_FLAG_PUNCHED) || mm->pnum != 1 ||
	    !cf_pair_is(r, mm, 0, lo, hi))
		v = cf_fail(r, "a block without holes was not copied "
		    "unchanged (punched = 0, the one pair): %s", d);
	cf_msg_free(x);
	if (v != MARS_CONFORM_PASS)
		return v;
	cf_msg_join(o, &gl, MARS_GROUPLIST_REQUEST, lo, hi, 0, pairs);
	if (cf_send_msg(o, &gl, false) != 0 ||
	    (x = cf_take(r, o, cf_deadline(r), match_grouplist, NULL)) == NULL)
		return MARS_CONFORM_PASS;	/* grouplist judges that */
	mm = cf_mars(x);
	if (mm->tnum != 0) {
		cf_describe(x, d, sizeof(d));
		cf_msg_free(x);
		return cf_fail(r, "the block was joined with layer3grp set, "
		    "which the MARS must treat as reset, yet a GROUPLIST of "
		    "the block names %u groups: %s", mm->tnum, d);
	}
	cf_msg_free(x);
	return MARS_CONFORM_PASS;
}

/*
 * RFC 2022 §6.1.2, Appendix A: a block join over a group the member
 * already joined singly: the original goes back privately with punched
 * = 0, the copy on ClusterControlVC carries the hole-punched pairs with
 * punched = 1.
 */
int
cf_case_join_block_punch(struct cf_run *r)
{
	struct cf_member *o, *a;
	struct from_arg fa;
	struct cf_msg *x;
	const struct mars_msg *mm;
	uint8_t base[CF_PA_MAX], lo[CF_PA_MAX], hi[CF_PA_MAX], g[CF_PA_MAX];
	uint8_t l1[CF_PA_MAX], h1[CF_PA_MAX], l2[CF_PA_MAX], h2[CF_PA_MAX];
	char d[200];
	int v = MARS_CONFORM_PASS;

	if (two(r, &o, &a) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 0x10, lo);
	cf_group_at(r, base, 0x1f, hi);
	cf_group_at(r, base, 0x15, g);
	cf_group_at(r, base, 0x10, l1);
	cf_group_at(r, base, 0x14, h1);
	cf_group_at(r, base, 0x16, l2);
	cf_group_at(r, base, 0x1f, h2);
	if (cf_join(r, a, MARS_JOIN, g, g, MARS_FLAG_LAYER3GRP, NULL) != 0 ||
	    cf_await(r, o, a, MARS_JOIN, g, true) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	/* cf_join waits for the unpunched copy: the private original. */
	if (cf_join(r, a, MARS_JOIN, lo, hi, 0, &x) != 0)
		return cf_fail(r, "%.900s", r->detail);
	cf_describe(x, d, sizeof(d));
	if (x->kind != MARS_VC_P2P)
		v = cf_fail(r, "the original of a hole-punched block JOIN "
		    "came on %s, not privately: %s",
		    mars_vc_kind_name(x->kind), d);
	cf_msg_free(x);
	if (v != MARS_CONFORM_PASS)
		return v;
	fa.r = r;
	fa.m = a;
	fa.op = MARS_JOIN;
	fa.g = l1;
	if ((x = cf_take(r, o, cf_deadline(r), match_from, &fa)) == NULL)
		return cf_fail(r, "no hole-punched copy reached another member "
		    "within %llu ms", (unsigned long long)r->timeout);
	mm = cf_mars(x);
	cf_describe(x, d, sizeof(d));
	if (x->kind != MARS_VC_CCVC)
		v = cf_fail(r, "the hole-punched copy came on %s: %s",
		    mars_vc_kind_name(x->kind), d);
	else if (!(mm->flags & MARS_FLAG_PUNCHED))
		v = cf_fail(r, "the hole-punched copy has punched = 0: %s", d);
	else if (mm->pnum != 2 || !cf_pair_is(r, mm, 0, l1, h1) ||
	    !cf_pair_is(r, mm, 1, l2, h2))
		v = cf_fail(r, "the hole-punched copy does not carry the block "
		    "less the joined group (two pairs around it): %s", d);
	cf_msg_free(x);
	return v;
}

/* RFC 2022 §6.1.2: more than one pair: silently dropped. */
int
cf_case_join_pairs(struct cf_run *r)
{
	struct cf_member *o, *a;
	uint8_t base[CF_PA_MAX], g1[CF_PA_MAX], g2[CF_PA_MAX];
	uint8_t pairs[4 * CF_PA_MAX];
	struct mars_msg msg;
	size_t z = r->grp_len;

	if (two(r, &o, &a) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g1);
	cf_group_at(r, base, 3, g2);
	cf_msg_join(a, &msg, MARS_JOIN, g1, g1, MARS_FLAG_LAYER3GRP, pairs);
	memcpy(pairs + 2 * z, g2, z);
	memcpy(pairs + 3 * z, g2, z);
	msg.pnum = 2;
	if (cf_send_msg(a, &msg, false) != 0)
		return cf_skip(r, "cannot send the JOIN");
	return cf_expect_dropped(r, a, o, g1, "a JOIN with two pairs");
}

/* RFC 2022 §6.1.2: "MUST arrive at the MARS with mar$flags.copy set to
 * 0, otherwise the message is silently ignored". */
int
cf_case_join_copy_set(struct cf_run *r)
{
	struct cf_member *o, *a;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX];
	uint8_t pairs[2 * CF_PA_MAX];
	struct mars_msg msg;

	if (two(r, &o, &a) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	cf_msg_join(a, &msg, MARS_JOIN, g, g, MARS_FLAG_LAYER3GRP |
	    MARS_FLAG_COPY, pairs);
	if (cf_send_msg(a, &msg, false) != 0)
		return cf_skip(r, "cannot send the JOIN");
	return cf_expect_dropped(r, a, o, g, "a JOIN with copy = 1");
}

/* RFC 2022 §6.1.2: "Non-registration MARS_JOIN and MARS_LEAVE messages
 * are ignored if they arrive from a node that is not registered". */
int
cf_case_join_unregistered(struct cf_run *r)
{
	struct cf_member *o, *u;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX];
	uint8_t pairs[2 * CF_PA_MAX];
	struct mars_msg msg;
	struct cf_msg *x;
	char d[200];
	int v;

	if (cf_registered(r, &o) != 0)
		return cf_skip_unregistered(r);
	if (cf_member_new(r, &u, 0) != 0)
		return cf_skip(r, "%s", r->detail);
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	cf_msg_join(u, &msg, MARS_JOIN, g, g, MARS_FLAG_LAYER3GRP, pairs);
	if (cf_send_msg(u, &msg, false) != 0)
		return cf_skip(r, "cannot send the JOIN");
	/* Same VC, same order: anything for that JOIN comes before the
	 * registration reply. */
	if (cf_register(r, u, NULL) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	if ((x = cf_take(r, u, cf_now(), not_map, NULL)) != NULL) {
		cf_describe(x, d, sizeof(d));
		cf_msg_free(x);
		return cf_fail(r, "a JOIN from a node not registered was "
		    "answered: %s", d);
	}
	v = cf_expect_dropped(r, o, NULL, g, "a JOIN from a node that was "
	    "not registered");
	return v;
}
