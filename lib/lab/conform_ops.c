/*
 * What the conformance suite's members do with the MARS (conform_int.h):
 * register and deregister (RFC 2022 §5.2.3), join and leave and wait for
 * the copy (§5.2.2), ask for a group and collect the MULTI parts or the
 * NAK (§5.1.1), and tell a dropped message from an accepted one.
 */
#include <stdio.h>
#include <string.h>

#include "conform_int.h"

/* After a detail saying what did not come: what came instead. */
static void
came_instead(struct cf_run *r, const struct cf_member *m)
{
	const struct cf_msg *x;
	char d[200];

	for (x = m->head; x != NULL; x = x->next) {
		const struct mars_msg *mm = cf_mars(x);

		if (mm != NULL && mm->op == MARS_REDIRECT_MAP)
			continue;
		cf_describe(x, d, sizeof(d));
		cf_note(r, "; what came instead: %s", d);
		return;
	}
}

/* ---- registration ---- */

static bool
match_reg(const struct cf_msg *x, const void *arg)
{
	const struct cf_member *m = arg;
	const struct mars_msg *mm = cf_mars(x);

	return mm != NULL && mm->op == MARS_JOIN &&
	    (mm->flags & MARS_FLAG_REGISTER) && cf_is_from(mm, m);
}

static void
remember(struct cf_run *r, const struct cf_member *m, uint16_t cmi)
{
	size_t i;

	for (i = 0; i < r->nregs; i++)
		if (r->regs[i].atm_tl == m->atm_tl &&
		    memcmp(r->regs[i].atm, m->atm, MARS_ATM_ADDR_MAX) == 0)
			break;
	if (i == r->nregs) {
		if (r->nregs == CF_REGS_MAX)
			return;
		r->nregs++;
	}
	memcpy(r->regs[i].atm, m->atm, MARS_ATM_ADDR_MAX);
	r->regs[i].atm_tl = m->atm_tl;
	r->regs[i].cmi = cmi;
}

int
cf_register(struct cf_run *r, struct cf_member *m, struct cf_msg **reply)
{
	struct mars_msg msg;
	struct cf_msg *x;
	uint64_t before = m->nrx;

	if (reply != NULL)
		*reply = NULL;
	if (r->silent && !m->elsewhere) {
		snprintf(r->detail, sizeof(r->detail), "%s", r->silent_why);
		return -1;
	}
	cf_msg_register(m, &msg, MARS_JOIN);
	if (cf_send_msg(m, &msg, false) != 0) {
		snprintf(r->detail, sizeof(r->detail), "cannot send the "
		    "registration MARS_JOIN");
		return -1;
	}
	x = cf_take(r, m, cf_deadline(r), match_reg, m);
	if (x == NULL && m->elsewhere) {
		snprintf(r->detail, sizeof(r->detail), "%s",
		    m->unreachable ? "nothing listens there (ICMP port "
		    "unreachable)" : m->nrx == before ? "no answer at all" :
		    "no registration reply");
		return -1;
	}
	if (x == NULL) {
		if (m->unreachable) {
			snprintf(r->silent_why, sizeof(r->silent_why),
			    "nothing listens at the MARS's endpoint (ICMP "
			    "port unreachable)");
			r->silent = true;
		} else if (m->nrx == before) {
			snprintf(r->silent_why, sizeof(r->silent_why),
			    "no answer at all to a registration MARS_JOIN "
			    "within %llu ms", (unsigned long long)r->timeout);
			r->silent = true;
		}
		if (r->silent)
			snprintf(r->detail, sizeof(r->detail), "%s",
			    r->silent_why);
		else
			snprintf(r->detail, sizeof(r->detail), "no "
			    "registration reply (MARS_JOIN with register = 1 "
			    "and our source) within %llu ms; %llu other "
			    "SDUs came", (unsigned long long)r->timeout,
			    (unsigned long long)(m->nrx - before));
		came_instead(r, m);
		return -1;
	}
	m->registered = true;
	m->cmi = x->pdu.u.mars.cmi;
	m->reg_msn = x->pdu.u.mars.msn;
	remember(r, m, m->cmi);
	if (reply != NULL)
		*reply = x;
	else
		cf_msg_free(x);
	return 0;
}

int
cf_registered(struct cf_run *r, struct cf_member **mp)
{
	*mp = NULL;
	if (r->silent) {
		snprintf(r->detail, sizeof(r->detail), "%s", r->silent_why);
		return -1;
	}
	if (cf_member_new(r, mp, 0) != 0)
		return -1;
	return cf_register(r, *mp, NULL);
}

static bool
match_dereg(const struct cf_msg *x, const void *arg)
{
	const struct cf_member *m = arg;
	const struct mars_msg *mm = cf_mars(x);

	return mm != NULL && mm->op == MARS_LEAVE &&
	    (mm->flags & MARS_FLAG_REGISTER) && cf_is_from(mm, m);
}

int
cf_deregister(struct cf_run *r, struct cf_member *m, struct cf_msg **reply)
{
	struct mars_msg msg;
	struct cf_msg *x;

	if (reply != NULL)
		*reply = NULL;
	cf_msg_register(m, &msg, MARS_LEAVE);
	if (cf_send_msg(m, &msg, false) != 0) {
		snprintf(r->detail, sizeof(r->detail), "cannot send the "
		    "deregistration MARS_LEAVE");
		return -1;
	}
	x = cf_take(r, m, cf_deadline(r), match_dereg, m);
	if (x == NULL) {
		snprintf(r->detail, sizeof(r->detail), "no reply to the "
		    "deregistration MARS_LEAVE (register = 1) within %llu ms",
		    (unsigned long long)r->timeout);
		came_instead(r, m);
		return -1;
	}
	m->registered = false;
	if (reply != NULL)
		*reply = x;
	else
		cf_msg_free(x);
	return 0;
}

/* ---- joins and requests ---- */

struct copy_arg {
	const struct cf_member *m;
	const struct cf_run *r;
	uint8_t		 op;
	const uint8_t	*min;
	const uint8_t	*max;
};

/* RFC 2022 §5.2.2: what makes a received message a copy of ours. */
static bool
match_copy(const struct cf_msg *x, const void *arg)
{
	const struct copy_arg *a = arg;
	const struct mars_msg *mm = cf_mars(x);

	return mm != NULL && mm->op == a->op && cf_is_from(mm, a->m) &&
	    !(mm->flags & MARS_FLAG_REGISTER) &&
	    !(mm->flags & MARS_FLAG_PUNCHED) && mm->pnum >= 1 &&
	    cf_pair_is(a->r, mm, 0, a->min, a->max);
}

int
cf_join(struct cf_run *r, struct cf_member *m, uint8_t op,
    const uint8_t *min, const uint8_t *max, uint16_t flags,
    struct cf_msg **copy)
{
	uint8_t pairs[2 * CF_PA_MAX];
	struct mars_msg msg;
	struct copy_arg a = { m, r, op, min, max };
	struct cf_msg *x;
	char g[64];

	if (copy != NULL)
		*copy = NULL;
	cf_msg_join(m, &msg, op, min, max, flags, pairs);
	if (cf_send_msg(m, &msg, false) != 0) {
		snprintf(r->detail, sizeof(r->detail), "cannot send a %s",
		    mars_op_name(op));
		return -1;
	}
	if ((x = cf_take(r, m, cf_deadline(r), match_copy, &a)) == NULL) {
		cf_group_text(r, min, g, sizeof(g));
		snprintf(r->detail, sizeof(r->detail), "no copy of our %s of "
		    "%s came back (on ClusterControlVC or privately) within "
		    "%llu ms", mars_op_name(op), g,
		    (unsigned long long)r->timeout);
		came_instead(r, m);
		return -1;
	}
	if (copy != NULL)
		*copy = x;
	else
		cf_msg_free(x);
	return 0;
}

void
cf_answer_free(struct cf_answer *a)
{
	size_t i;

	cf_msg_free(a->nak);
	for (i = 0; i < a->nparts; i++)
		cf_msg_free(a->part[i]);
	memset(a, 0, sizeof(*a));
}

struct ans_arg {
	const struct cf_member *m;
	const struct cf_run *r;
	const uint8_t	*group;
};

/* A MULTI or NAK answering our request for group (source ours). */
static bool
match_answer(const struct cf_msg *x, const void *arg)
{
	const struct ans_arg *a = arg;
	const struct mars_msg *mm = cf_mars(x);

	if (mm == NULL || (mm->op != MARS_MULTI && mm->op != MARS_NAK))
		return false;
	return cf_is_from(mm, a->m) && mm->tpa.len == a->r->grp_len &&
	    memcmp(mm->tpa.addr, a->group, a->r->grp_len) == 0;
}

int
cf_request(struct cf_run *r, struct cf_member *m, const uint8_t *group,
    struct cf_answer *a)
{
	struct mars_msg msg;
	struct ans_arg aa = { m, r, group };
	struct cf_msg *x;
	const struct mars_msg *mm;
	char g[64];

	memset(a, 0, sizeof(*a));
	cf_msg_request(m, &msg, group);
	if (cf_send_msg(m, &msg, false) != 0) {
		snprintf(r->detail, sizeof(r->detail), "cannot send a "
		    "MARS_REQUEST");
		return -1;
	}
	while (!a->complete) {
		if ((x = cf_take(r, m, cf_deadline(r), match_answer,
		    &aa)) == NULL)
			break;
		mm = cf_mars(x);
		if (mm->op == MARS_NAK) {
			a->nak = x;
			a->complete = true;
		} else if (a->nparts == CF_PARTS_MAX) {
			cf_msg_free(x);
			break;
		} else {
			a->part[a->nparts++] = x;
			a->complete = (mm->seqxy & MARS_SEQ_LAST) != 0;
		}
	}
	if (!a->complete) {
		cf_group_text(r, group, g, sizeof(g));
		snprintf(r->detail, sizeof(r->detail), "no complete answer "
		    "to a MARS_REQUEST for %s within %llu ms (%zu MULTI parts "
		    "came, none with x = 1)", g,
		    (unsigned long long)r->timeout, a->nparts);
		came_instead(r, m);
		return -1;
	}
	return 0;
}

bool
cf_answer_lists(const struct cf_answer *a, const struct cf_member *m)
{
	struct mars_atm tha, tsa;
	const struct mars_msg *mm;
	size_t i, n = m->atm_tl & MARS_ATM_TL_LEN;
	unsigned k;

	for (i = 0; i < a->nparts; i++) {
		mm = &a->part[i]->pdu.u.mars;
		for (k = 0; k < mm->tnum; k++) {
			mars_target(mm, k, &tha, &tsa);
			if (tha.tl == m->atm_tl && tsa.tl == 0 &&
			    memcmp(tha.addr, m->atm, n) == 0)
				return true;
		}
	}
	return false;
}

size_t
cf_answer_count(const struct cf_answer *a)
{
	size_t i, n = 0;

	for (i = 0; i < a->nparts; i++)
		n += a->part[i]->pdu.u.mars.tnum;
	return n;
}

/* ---- dropped or accepted ---- */

static bool
not_map_msg(const struct cf_msg *x, const void *arg)
{
	const struct mars_msg *mm = cf_mars(x);

	(void)arg;
	return mm == NULL || mm->op != MARS_REDIRECT_MAP;
}

/*
 * After m sent something the MARS must drop (what), having nothing to
 * do with group g: m's REQUEST for g is answered by a NAK (g is empty),
 * nothing else came to m before it, and the observer o (NULL: none) saw
 * nothing but maps.  The MARS handles one VC's messages in order, so an
 * answer to the dropped message would have come before the NAK.
 */
int
cf_expect_dropped(struct cf_run *r, struct cf_member *m, struct cf_member *o,
    const uint8_t *g, const char *what)
{
	struct cf_answer an;
	struct cf_msg *x;
	char d[200], gt[64];

	r->acted = false;
	if (cf_request(r, m, g, &an) != 0) {
		char why[CF_DETAIL_MAX];

		snprintf(why, sizeof(why), "%s", r->detail);
		return cf_fail(r, "after %s the MARS did not answer a valid "
		    "MARS_REQUEST (%.700s)", what, why);
	}
	cf_group_text(r, g, gt, sizeof(gt));
	if (an.nak == NULL) {
		bool listed = cf_answer_lists(&an, m);

		cf_answer_free(&an);
		r->acted = true;
		return cf_fail(r, "the MARS acted on %s: %s now has %s member "
		    "in a MULTI", what, gt, listed ? "the sender as" : "a");
	}
	cf_answer_free(&an);
	cf_settle(r, 10);
	if ((x = cf_take(r, m, cf_now(), not_map_msg, NULL)) != NULL ||
	    (o != NULL && (x = cf_take(r, o, cf_now(), not_map_msg,
	    NULL)) != NULL)) {
		cf_describe(x, d, sizeof(d));
		cf_msg_free(x);
		r->acted = true;
		return cf_fail(r, "the MARS answered %s: %s", what, d);
	}
	return MARS_CONFORM_PASS;
}

/*
 * m sends sdu, a JOIN (op) of <g,g> from m in some form; 0 when its
 * copy comes back (the MARS accepted it), -1 otherwise.
 */
int
cf_send_expect_copy(struct cf_run *r, struct cf_member *m, const uint8_t *sdu,
    size_t len, uint8_t op, const uint8_t *g)
{
	struct copy_arg a = { m, r, op, g, g };
	struct cf_msg *x;

	if (cf_send(m, sdu, len) != 0)
		return -1;
	if ((x = cf_take(r, m, cf_deadline(r), match_copy, &a)) == NULL)
		return -1;
	cf_msg_free(x);
	return 0;
}

struct await_arg {
	const struct cf_run	*r;
	const struct cf_member	*from;
	uint8_t			 op;
	const uint8_t		*g;
};

/* A JOIN-family message of op from `from` whose first pair starts at g. */
static bool
match_await(const struct cf_msg *x, const void *arg)
{
	const struct await_arg *a = arg;
	const struct mars_msg *mm = cf_mars(x);
	const uint8_t *min, *max;

	if (mm == NULL || mm->op != a->op || !cf_is_from(mm, a->from) ||
	    mm->pnum == 0 || mm->grp_len != a->r->grp_len)
		return false;
	mars_pair(mm, 0, &min, &max);
	return memcmp(min, a->g, a->r->grp_len) == 0;
}

struct await_pred {
	struct cf_member	*o;
	struct await_arg	 a;
};

static bool
await_pred(void *arg)
{
	struct await_pred *p = arg;
	const struct cf_msg *x;

	for (x = p->o->head; x != NULL; x = x->next)
		if (match_await(x, &p->a))
			return true;
	return false;
}

int
cf_await(struct cf_run *r, struct cf_member *o, const struct cf_member *from,
    uint8_t op, const uint8_t *g, bool flush)
{
	struct await_pred p = { o, { r, from, op, g } };
	char gt[64];

	if (!cf_wait(r, cf_deadline(r), await_pred, &p)) {
		cf_group_text(r, g, gt, sizeof(gt));
		snprintf(r->detail, sizeof(r->detail), "another member got no "
		    "copy of the %s of %s within %llu ms", mars_op_name(op), gt,
		    (unsigned long long)r->timeout);
		return -1;
	}
	if (flush)
		cf_flush(o);
	return 0;
}
