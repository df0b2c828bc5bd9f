/*
 * Conformance cases: registration and deregistration of cluster members
 * (RFC 2022 §5.2.3, §6.1.2) and the Cluster Sequence Number (§5.1.4.2,
 * §6.1.4).
 */
#include <stdio.h>
#include <string.h>

#include "conform_int.h"

static bool
not_map(const struct cf_msg *x, const void *arg)
{
	const struct mars_msg *m = cf_mars(x);

	(void)arg;
	return m == NULL || m->op != MARS_REDIRECT_MAP;
}

static bool
on_ccvc(const struct cf_msg *x, const void *arg)
{
	(void)arg;
	return x->kind == MARS_VC_CCVC;
}

/* RFC 2022 §5.2.3, §6.1.2. */
int
cf_case_register_cmi(struct cf_run *r)
{
	struct cf_member *m;
	struct cf_msg *x;
	const struct mars_msg *mm;
	char d[200], a[48];
	size_t i;
	int v = MARS_CONFORM_PASS;

	if (cf_member_new(r, &m, 0) != 0)
		return cf_skip(r, "%s", r->detail);
	if (cf_register(r, m, &x) != 0) {
		char why[CF_DETAIL_MAX];

		snprintf(why, sizeof(why), "%s", r->detail);
		return cf_fail(r, "%s", why);
	}
	mm = cf_mars(x);
	cf_describe(x, d, sizeof(d));
	if (x->kind != MARS_VC_P2P)
		v = cf_fail(r, "the reply came on %s, not privately on the "
		    "member's VC: %s", mars_vc_kind_name(x->kind), d);
	else if (!(mm->flags & MARS_FLAG_COPY))
		v = cf_fail(r, "the reply has copy = 0 (a MARS sets it): %s",
		    d);
	else if (mm->flags & MARS_FLAG_PUNCHED)
		v = cf_fail(r, "the reply has punched = 1: %s", d);
	else if (mm->cmi == 0)
		v = cf_fail(r, "the registration reply carries mar$cmi 0 "
		    "(must be non-zero): %s", d);
	cf_msg_free(x);
	if (v != MARS_CONFORM_PASS)
		return v;
	/* Every registration of the run so far (the first a MARS ever
	 * answers is where a server counting from 0 shows it). */
	for (i = 0; i < r->nregs; i++)
		if (r->regs[i].cmi == 0) {
			cf_hex(r->regs[i].atm, r->regs[i].atm_tl &
			    MARS_ATM_TL_LEN, a, sizeof(a));
			return cf_fail(r, "the registration of member %s was "
			    "answered with mar$cmi 0 (must be non-zero)", a);
		}
	return MARS_CONFORM_PASS;
}

/*
 * RFC 2022 §6.1.2: "The retransmitted registration MARS_JOIN must NOT be
 * sent on ClusterControlVC."  A registered observer watches CCVC while
 * another member registers, then joins a group so that something comes.
 */
int
cf_case_register_private(struct cf_run *r)
{
	struct cf_member *o, *a;
	struct cf_msg *x;
	const struct mars_msg *mm;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX];
	char d[200];

	if (cf_registered(r, &o) != 0 || cf_registered(r, &a) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	if (cf_join(r, a, MARS_JOIN, g, g, MARS_FLAG_LAYER3GRP, NULL) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	while ((x = cf_take(r, o, cf_deadline(r), not_map, NULL)) != NULL) {
		mm = cf_mars(x);
		cf_describe(x, d, sizeof(d));
		if (mm != NULL && (mm->flags & MARS_FLAG_REGISTER) &&
		    cf_is_from(mm, a)) {
			cf_msg_free(x);
			return cf_fail(r, "another member saw the registration "
			    "reply: %s", d);
		}
		if (mm != NULL && mm->op == MARS_JOIN && cf_is_from(mm, a) &&
		    cf_pair_is(r, mm, 0, g, g)) {
			cf_msg_free(x);
			return MARS_CONFORM_PASS;
		}
		cf_msg_free(x);
	}
	return cf_skip(r, "cannot tell: the observer saw no copy of the "
	    "other member's JOIN within %llu ms",
	    (unsigned long long)r->timeout);
}

/* RFC 2022 §6.1.2: "its existing CMI is simply copied into the MARS_JOIN". */
int
cf_case_register_again(struct cf_run *r)
{
	struct cf_member *m;
	struct cf_msg *x;
	uint16_t first;
	int v = MARS_CONFORM_PASS;

	if (cf_registered(r, &m) != 0)
		return cf_skip_unregistered(r);
	first = m->cmi;
	if (cf_register(r, m, &x) != 0)
		return cf_fail(r, "registering again: %.900s", r->detail);
	if (x->kind != MARS_VC_P2P)
		v = cf_fail(r, "the second registration reply came on %s",
		    mars_vc_kind_name(x->kind));
	else if (m->cmi != first)
		v = cf_fail(r, "registered with CMI %u, registering again "
		    "gave CMI %u", first, m->cmi);
	cf_msg_free(x);
	return v;
}

/*
 * RFC 2022 §6.1.2 again, over a new VC: an ATM member whose VC to the
 * MARS was released and set up again registers once more; it is the same
 * member (its ATM address), so it keeps its CMI -- what the seed draft
 * §3.3 requires across a failover, and what a MARS that treats a known
 * member on a new VC as new (marsd --fault fresh-cmi) breaks.
 */
int
cf_case_register_new_vc(struct cf_run *r)
{
	struct cf_member *m, *m2;
	uint16_t first;

	if (cf_registered(r, &m) != 0)
		return cf_skip_unregistered(r);
	first = m->cmi;
	if (cf_member_clone(r, m, &m2) != 0)
		return cf_skip(r, "%s", r->detail);
	if (cf_register(r, m2, NULL) != 0)
		return cf_fail(r, "registering again over a new VC: %.900s",
		    r->detail);
	if (m2->cmi != first)
		return cf_fail(r, "registered with CMI %u; the same ATM "
		    "number registering again over a new VC got CMI %u",
		    first, m2->cmi);
	/* The old VC is gone for the MARS: deregister over the new one. */
	m->registered = false;
	return MARS_CONFORM_PASS;
}

/* RFC 2022 §5.2.3: "The CMI uniquely identifies each endpoint". */
int
cf_case_register_unique(struct cf_run *r)
{
	struct cf_member *m[4];
	uint16_t cmi[5];
	size_t i, j, n = 0;

	for (i = 0; i < 4; i++) {
		if (cf_registered(r, &m[i]) != 0)
			return cf_skip_unregistered(r);
		cmi[n++] = m[i]->cmi;
	}
	if (r->watch != NULL && r->watch->registered)
		cmi[n++] = r->watch->cmi;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (cmi[i] == cmi[j])
				return cf_fail(r, "two members registered at "
				    "the same time share CMI %u", cmi[i]);
	return MARS_CONFORM_PASS;
}

/*
 * RFC 2022 §5.1.4.2: "the HSN will be correctly updated to the current
 * CSN value when the endpoint receives the copy of its MARS_JOIN back";
 * §6.1.4: the CSN is incremented after every transmission on
 * ClusterControlVC.  So the first CCVC message after the registration
 * reply carries the very mar$msn of the reply.
 */
int
cf_case_register_csn(struct cf_run *r)
{
	struct cf_member *o, *a;
	struct cf_msg *x;
	uint8_t base[CF_PA_MAX], g[CF_PA_MAX];
	char d[200];
	uint32_t s;
	int v = MARS_CONFORM_PASS;

	if (cf_registered(r, &o) != 0 || cf_registered(r, &a) != 0)
		return cf_skip_unregistered(r);
	s = o->reg_msn;
	cf_range(r, base);
	cf_group_at(r, base, 1, g);
	if (cf_join(r, a, MARS_JOIN, g, g, MARS_FLAG_LAYER3GRP, NULL) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	if ((x = cf_take(r, o, cf_deadline(r), on_ccvc, NULL)) == NULL)
		return cf_skip(r, "cannot tell: nothing came on "
		    "ClusterControlVC within %llu ms",
		    (unsigned long long)r->timeout);
	cf_describe(x, d, sizeof(d));
	if (cf_mars(x) == NULL)
		v = cf_fail(r, "the first ClusterControlVC message does not "
		    "decode: %s", d);
	else if (cf_mars(x)->msn != s)
		v = cf_fail(r, "the registration reply carried mar$msn %u, "
		    "but the next ClusterControlVC message carries %u: %s",
		    s, cf_mars(x)->msn, d);
	cf_msg_free(x);
	return v;
}

struct seq {
	uint32_t	 msn[64];
	size_t		 n;
};

/* The CCVC messages o has received, in order, into sq (maps too). */
static void
collect_ccvc(struct cf_member *o, struct seq *sq)
{
	struct cf_msg *x;
	const struct mars_msg *mm;

	for (x = o->head; x != NULL; x = x->next)
		if (x->kind == MARS_VC_CCVC && (mm = cf_mars(x)) != NULL &&
		    sq->n < 64)
			sq->msn[sq->n++] = mm->msn;
}

static void
seq_text(const struct seq *sq, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < sq->n && o + 12 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%u", i ? "," : "",
		    sq->msn[i]);
}

/* RFC 2022 §5.1.4.2, §6.1.4: +1 per ClusterControlVC transmission. */
int
cf_case_csn_increment(struct cf_run *r)
{
	struct cf_member *o, *a;
	uint8_t base[CF_PA_MAX], g1[CF_PA_MAX], g2[CF_PA_MAX];
	struct seq sq = { { 0 }, 0 };
	char t[400];
	size_t i;

	if (cf_registered(r, &o) != 0 || cf_registered(r, &a) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g1);
	cf_group_at(r, base, 2, g2);
	if (cf_join(r, a, MARS_JOIN, g1, g1, MARS_FLAG_LAYER3GRP, NULL) != 0 ||
	    cf_join(r, a, MARS_JOIN, g2, g2, MARS_FLAG_LAYER3GRP, NULL) != 0 ||
	    cf_join(r, a, MARS_LEAVE, g1, g1, MARS_FLAG_LAYER3GRP, NULL) != 0 ||
	    cf_join(r, a, MARS_LEAVE, g2, g2, MARS_FLAG_LAYER3GRP, NULL) != 0 ||
	    cf_await(r, o, a, MARS_LEAVE, g2, false) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	collect_ccvc(o, &sq);
	seq_text(&sq, t, sizeof(t));
	if (sq.n < 4)
		return cf_skip(r, "cannot tell: the observer saw %zu "
		    "ClusterControlVC messages for 4 changes (mar$msn %s)",
		    sq.n, t);
	for (i = 1; i < sq.n; i++)
		if ((uint32_t)(sq.msn[i] - sq.msn[i - 1]) != 1)
			return cf_fail(r, "mar$msn on ClusterControlVC went "
			    "%u -> %u (sequence %s): not +1 per message",
			    sq.msn[i - 1], sq.msn[i], t);
	return MARS_CONFORM_PASS;
}

static bool
in_seq(const struct seq *sq, uint32_t v)
{
	size_t i;

	for (i = 0; i < sq->n; i++)
		if (sq->msn[i] == v)
			return true;
	return false;
}

/*
 * RFC 2022 §6.1.4: "The current CSN is copied into the mar$msn field of
 * MARS messages being sent to cluster members, whether out
 * ClusterControlVC or on a private VC", and only CCVC transmissions move
 * it.  A private reply with mar$msn p therefore follows a CCVC message
 * p - 1, and a CCVC message p comes after it.  (Periodic maps may come
 * in between; they are CCVC messages like any other.)
 */
int
cf_case_csn_private(struct cf_run *r)
{
	struct cf_member *o, *a;
	struct cf_msg *x;
	struct cf_answer an;
	uint8_t base[CF_PA_MAX], g1[CF_PA_MAX], g2[CF_PA_MAX];
	struct seq sq = { { 0 }, 0 };
	uint32_t p[2];
	const char *what[2] = { "the private reply to a redundant JOIN",
	    "the MULTI" };
	char t[400];
	size_t i;

	if (cf_registered(r, &o) != 0 || cf_registered(r, &a) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g1);
	cf_group_at(r, base, 2, g2);
	if (cf_join(r, a, MARS_JOIN, g1, g1, MARS_FLAG_LAYER3GRP, NULL) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	if (cf_join(r, a, MARS_JOIN, g1, g1, MARS_FLAG_LAYER3GRP, &x) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	p[0] = cf_mars(x)->msn;
	cf_msg_free(x);
	if (cf_request(r, a, g1, &an) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	p[1] = an.nparts > 0 ? an.part[0]->pdu.u.mars.msn : 0;
	cf_answer_free(&an);
	if (cf_join(r, a, MARS_JOIN, g2, g2, MARS_FLAG_LAYER3GRP, NULL) != 0 ||
	    cf_await(r, o, a, MARS_JOIN, g2, false) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	collect_ccvc(o, &sq);
	seq_text(&sq, t, sizeof(t));
	for (i = 0; i < 2; i++) {
		if (i == 1 && p[1] == 0)
			break;		/* a NAK: no mar$msn */
		if (!in_seq(&sq, p[i] - 1))
			return cf_fail(r, "%s carries mar$msn %u, but no "
			    "ClusterControlVC message carried %u before it "
			    "(ClusterControlVC: %s)", what[i], p[i], p[i] - 1,
			    t);
		if (!in_seq(&sq, p[i]))
			return cf_fail(r, "%s carries mar$msn %u, but the "
			    "next ClusterControlVC message did not "
			    "(ClusterControlVC: %s): the private reply moved "
			    "the CSN or did not carry it", what[i], p[i], t);
	}
	return MARS_CONFORM_PASS;
}

/*
 * RFC 2022 §5.2.3, §6.1.2: a deregistration LEAVE is answered privately;
 * the MARS drops the member from ClusterControlVC and from every group;
 * §6.1.1: its REQUESTs are then dropped.
 */
int
cf_case_deregister(struct cf_run *r)
{
	struct cf_member *o, *a, *b;
	struct cf_msg *x;
	const struct mars_msg *mm;
	struct cf_answer an;
	struct mars_msg req;
	uint8_t base[CF_PA_MAX], g1[CF_PA_MAX], g2[CF_PA_MAX];
	char d[200];
	int v = MARS_CONFORM_PASS;

	if (cf_registered(r, &o) != 0 || cf_registered(r, &a) != 0 ||
	    cf_registered(r, &b) != 0)
		return cf_skip_unregistered(r);
	cf_range(r, base);
	cf_group_at(r, base, 1, g1);
	cf_group_at(r, base, 2, g2);
	if (cf_join(r, a, MARS_JOIN, g1, g1, MARS_FLAG_LAYER3GRP, NULL) != 0 ||
	    cf_await(r, o, a, MARS_JOIN, g1, true) != 0 ||
	    cf_await(r, b, a, MARS_JOIN, g1, true) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	cf_flush(a);
	if (cf_deregister(r, a, &x) != 0)
		return cf_fail(r, "%.900s", r->detail);
	mm = cf_mars(x);
	cf_describe(x, d, sizeof(d));
	if (x->kind != MARS_VC_P2P)
		v = cf_fail(r, "the deregistration reply came on %s, not "
		    "privately: %s", mars_vc_kind_name(x->kind), d);
	else if (!(mm->flags & MARS_FLAG_COPY))
		v = cf_fail(r, "the deregistration reply has copy = 0: %s", d);
	cf_msg_free(x);
	if (v != MARS_CONFORM_PASS)
		return v;
	/* Something on ClusterControlVC: b joins g2. */
	if (cf_join(r, b, MARS_JOIN, g2, g2, MARS_FLAG_LAYER3GRP, NULL) != 0)
		return cf_skip(r, "cannot tell: %.900s", r->detail);
	while ((x = cf_take(r, o, cf_deadline(r), not_map, NULL)) != NULL) {
		mm = cf_mars(x);
		cf_describe(x, d, sizeof(d));
		if (mm != NULL && mm->op == MARS_LEAVE && cf_is_from(mm, a) &&
		    (mm->flags & MARS_FLAG_REGISTER)) {
			cf_msg_free(x);
			return cf_fail(r, "the deregistration went on "
			    "ClusterControlVC: %s", d);
		}
		if (mm != NULL && mm->op == MARS_JOIN && cf_is_from(mm, b)) {
			cf_msg_free(x);
			break;
		}
		cf_msg_free(x);
	}
	cf_settle(r, 50);
	if ((x = cf_take(r, a, cf_now(), not_map, NULL)) != NULL) {
		cf_describe(x, d, sizeof(d));
		cf_msg_free(x);
		return cf_fail(r, "the deregistered member still receives "
		    "ClusterControlVC: %s", d);
	}
	if ((x = cf_take(r, a, cf_now(), on_ccvc, NULL)) != NULL) {
		cf_describe(x, d, sizeof(d));
		cf_msg_free(x);
		return cf_fail(r, "the deregistered member still receives "
		    "ClusterControlVC: %s", d);
	}
	/* The member left its groups. */
	if (cf_request(r, o, g1, &an) != 0)
		return cf_fail(r, "after the deregistration: %.900s",
		    r->detail);
	if (an.nak == NULL && cf_answer_lists(&an, a)) {
		cf_answer_free(&an);
		return cf_fail(r, "the deregistered member is still listed "
		    "in the MULTI of a group it had joined");
	}
	cf_answer_free(&an);
	/* §6.1.1: its REQUEST is dropped.  It then registers again: the
	 * first answer it gets must be that registration's. */
	cf_msg_request(a, &req, g2);
	(void)cf_send_msg(a, &req, false);
	if (cf_register(r, a, NULL) != 0)
		return cf_skip(r, "cannot tell: registering again: %.900s",
		    r->detail);
	if ((x = cf_take_op(r, a, cf_now(), MARS_MULTI, 0)) != NULL ||
	    (x = cf_take_op(r, a, cf_now(), MARS_NAK, 0)) != NULL) {
		cf_describe(x, d, sizeof(d));
		cf_msg_free(x);
		return cf_fail(r, "a MARS_REQUEST from the deregistered "
		    "member was answered: %s", d);
	}
	return MARS_CONFORM_PASS;
}
