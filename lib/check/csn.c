/*
 * Cluster Sequence Numbers (RFC 2022 §5.1.4.2, §6.1.4, §6.2.5): every
 * message a MARS sends on ClusterControlVC carries its CSN in mar$msn,
 * one more than the one before; ServerControlVC has its own SSN.  Rules
 * csn-sequence and registration-csn (draft §2: the registration reply
 * carries the answering MARS's own CSN, which the member adopts).
 *
 * Each MARS keeps its own sequence, so they are kept per MARS and VC: a
 * new Active starts its own, which is no gap, and so does a MARS that was
 * silent for longer than its dead window (it restarted).  The lab fans a
 * pt-mpt VC out into one datagram per leaf, so a capture may hold the
 * same message several times: the same mar$msn with the same octets is a
 * copy, recognised here so that no rule sees a message twice.
 *
 * Without the transport's word on the sender (SunATM captures), a
 * message belongs to the sequence it continues, else to the one used
 * last, as marsdump --stats counts them.
 */
#include <stdio.h>
#include <string.h>

#include "check_int.h"

static bool
msn_family(uint8_t op)
{
	enum mars_family f = mars_op_family(op);

	return f != MARS_FAM_A && f != MARS_FAM_UNKNOWN;
}

/* The VC of a message: its label when the capture has one, else its kind. */
static uint32_t
seq_key(const struct msgctx *mc)
{
	if (mc->ev->has_label)
		return 0x80000000u | (uint32_t)mc->ev->vpi << 16 | mc->ev->vci;
	return mc->vc;
}

/* Entity e's sequence on that VC; create: a free slot or the oldest. */
static struct seq *
seq_of(struct mars_check *c, int e, uint32_t key, uint8_t kind, bool create)
{
	struct ent *en = &c->ent[e];
	struct seq *old = NULL;
	unsigned k;

	for (k = 0; k < ENT_SEQS; k++) {
		if (en->seq[k].has && en->seq[k].key == key)
			return &en->seq[k];
		if (old == NULL || !en->seq[k].has ||
		    (old->has && en->seq[k].last_us < old->last_us))
			old = &en->seq[k];
	}
	if (!create)
		return NULL;
	memset(old, 0, sizeof(*old));
	old->key = key;
	old->kind = kind;
	return old;
}

/* The ClusterControlVC sequence of e: the busiest, when several. */
struct seq *
ccvc_seq(const struct mars_check *c, int e)
{
	const struct ent *en = &c->ent[e];
	const struct seq *best = NULL;
	unsigned k;

	for (k = 0; k < ENT_SEQS; k++)
		if (en->seq[k].has && en->seq[k].kind == MARS_VC_CCVC &&
		    (best == NULL || en->seq[k].msgs > best->msgs))
			best = &en->seq[k];
	return (struct seq *)(uintptr_t)best;
}

static bool
follows(uint32_t last, uint32_t msn)
{
	return msn - last <= 1;
}

/*
 * Silence long enough that the entity must have stopped: longer than its
 * dead window, or -- when the stream does not show the inter-server
 * traffic -- two and a half redirect intervals, since an Active sends a
 * map every interval.
 */
static bool
restarted(const struct mars_check *c, int e, const struct seq *s,
    uint64_t us)
{
	const struct ent *en = &c->ent[e];
	uint64_t iv = interval_us(c);

	if (en->alive_since > s->last_us || en->reset_us > s->last_us)
		return true;
	if (iv != 0 && us > s->last_us + iv * 5 / 2)
		return true;
	return iv == 0 && us > s->last_us + 30000000u;
}

static bool
continues(struct mars_check *c, int e, uint32_t key, uint32_t msn)
{
	struct seq *s = seq_of(c, e, key, 0, false);

	return s != NULL && follows(s->last, msn);
}

/* The entity a message without a named sender belongs to. */
static int
guess_sender(struct mars_check *c, uint32_t key, uint32_t msn)
{
	size_t i;

	if (c->seq_cur >= 0 && continues(c, c->seq_cur, key, msn))
		return c->seq_cur;
	for (i = 0; i < c->nent; i++)
		if (c->ent[i].alias < 0 && continues(c, (int)i, key, msn))
			return (int)i;
	if (c->seq_cur >= 0)
		return c->seq_cur;
	return ent_add(c, NULL, 0, NULL);
}

/* registration-csn questions waiting for the next message of e. */
static void
settle_reg(struct mars_check *c, int e, uint32_t msn, uint64_t frame,
    uint64_t us)
{
	struct ent *en = &c->ent[e];
	char who[64];
	unsigned k;

	for (k = 0; k < en->npend_reg; k++) {
		struct pend_reg *p = &en->pend_reg[k];
		uint64_t fr[2] = { p->frame, frame };

		if (msn - p->msn <= 1)
			rule_held(c, MARS_CHECK_REGISTRATION_CSN);
		else
			finding(c, MARS_CHECK_REGISTRATION_CSN, p->us, e, fr, 2,
			    "registration reply from %s carries CSN %u, but "
			    "its next ClusterControlVC message carries %u",
			    ent_label(c, e, who, sizeof(who)), p->msn, msn);
	}
	en->npend_reg = 0;
}

/* Questions the previous incarnation left open are no longer ours. */
static void
drop_stale(struct ent *en)
{
	unsigned k, n = 0;

	for (k = 0; k < en->npend_reg; k++)
		if (en->pend_reg[k].us >= en->alive_since &&
		    en->pend_reg[k].us >= en->reset_us)
			en->pend_reg[n++] = en->pend_reg[k];
	en->npend_reg = n;
}

/*
 * A message on ClusterControlVC or ServerControlVC: sequence it.  Returns
 * true for a per-leaf copy, which the caller then ignores.
 */
bool
csn_message(struct mars_check *c, struct msgctx *mc)
{
	const struct mars_msg *m = &mc->pdu->u.mars;
	struct seq *s;
	struct ent *en;
	char who[64];
	uint64_t fr[2];
	uint32_t msn = m->msn, key;
	int e;

	if (mc->pdu->kind != MARS_PDU_MARS || !msn_family(m->op) ||
	    (mc->vc != MARS_VC_CCVC && mc->vc != MARS_VC_SCVC))
		return false;
	key = seq_key(mc);
	if ((e = mc->sender) < 0) {
		if ((e = guess_sender(c, key, msn)) < 0)
			return false;
		mc->sender = e;
	} else if (seq_of(c, e, key, 0, false) == NULL && c->seq_cur >= 0 &&
	    c->seq_cur != e && c->ent[c->seq_cur].atm_len == 0 &&
	    c->ent[c->seq_cur].n_ends == 0 &&
	    continues(c, c->seq_cur, key, msn)) {
		/* A map names the anonymous sequence it continues. */
		ent_merge(c, c->seq_cur, e);
	}
	en = &c->ent[e];
	s = seq_of(c, e, key, mc->vc, true);
	if (mc->vc == MARS_VC_CCVC)
		c->seq_cur = e;
	if (s->has && msn == s->last) {
		if (mc->hash == s->last_hash) {
			c->st.copies++;
			return true;
		}
		fr[0] = s->last_frame;
		fr[1] = mc->frame;
		if (!restarted(c, e, s, mc->us))
			finding(c, MARS_CHECK_CSN_SEQUENCE, mc->us, e, fr, 2,
			    "%s sends two different messages with %s %u "
			    "on %s", ent_label(c, e, who, sizeof(who)),
			    mc->vc == MARS_VC_SCVC ? "SSN" : "CSN", msn,
			    mc->vc == MARS_VC_SCVC ? "ServerControlVC" :
			    "ClusterControlVC");
	} else if (s->has && msn == s->last + 1) {
		rule_held(c, MARS_CHECK_CSN_SEQUENCE);
	} else if (s->has && !restarted(c, e, s, mc->us)) {
		fr[0] = s->last_frame;
		fr[1] = mc->frame;
		s->gaps++;
		if (msn - s->last < 0x80000000u)
			finding(c, MARS_CHECK_CSN_SEQUENCE, mc->us, e, fr, 2,
			    "%s's %s jumps from %u to %u on %s: %u message%s "
			    "missing", ent_label(c, e, who, sizeof(who)),
			    mc->vc == MARS_VC_SCVC ? "SSN" : "CSN", s->last,
			    msn, mc->vc == MARS_VC_SCVC ? "ServerControlVC" :
			    "ClusterControlVC", msn - s->last - 1,
			    msn - s->last - 1 == 1 ? "" : "s");
		else
			finding(c, MARS_CHECK_CSN_SEQUENCE, mc->us, e, fr, 2,
			    "%s's %s goes back from %u to %u on %s",
			    ent_label(c, e, who, sizeof(who)),
			    mc->vc == MARS_VC_SCVC ? "SSN" : "CSN", s->last,
			    msn, mc->vc == MARS_VC_SCVC ? "ServerControlVC" :
			    "ClusterControlVC");
	} else {
		/* The first message, or the first after a restart. */
		if (s->has && mc->vc == MARS_VC_CCVC)
			drop_stale(en);
		s->first = msn;
		if (mc->vc == MARS_VC_CCVC)
			en->sequences++;
		s->has = true;
	}
	if (mc->vc == MARS_VC_CCVC) {
		en->ccvc_msgs++;
		settle_reg(c, e, msn, mc->frame, mc->us);
	}
	s->last = msn;
	s->last_hash = mc->hash;
	s->last_frame = mc->frame;
	s->last_us = mc->us;
	s->msgs++;
	return false;
}

/*
 * A registration reply (RFC 2022 §5.2.3): its mar$msn must be the
 * answering MARS's current CSN -- the last it sent on ClusterControlVC
 * or the next it will send (implementations differ; both keep a member
 * from missing a message).  Decided at once when the MARS's sequence is
 * known and current, else by its next ClusterControlVC message.
 */
void
csn_registration(struct mars_check *c, struct msgctx *mc)
{
	const struct mars_msg *m = &mc->pdu->u.mars;
	struct ent *en;
	struct seq *s;
	char who[64];
	uint64_t fr[2];
	int e = mc->sender;

	if (!rule_on(c, MARS_CHECK_REGISTRATION_CSN))
		return;
	if (e < 0) {
		rule_unknown(c, MARS_CHECK_REGISTRATION_CSN,
		    "the MARS answering a registration could not be named "
		    "(no transport addresses in the capture)");
		return;
	}
	en = &c->ent[e];
	s = ccvc_seq(c, e);
	if (s != NULL && !restarted(c, e, s, mc->us)) {
		fr[0] = mc->frame;
		fr[1] = s->last_frame;
		if (m->msn - s->last <= 1)
			rule_held(c, MARS_CHECK_REGISTRATION_CSN);
		else
			finding(c, MARS_CHECK_REGISTRATION_CSN, mc->us, e, fr,
			    2, "registration reply from %s carries CSN %u, but "
			    "its ClusterControlVC is at %u",
			    ent_label(c, e, who, sizeof(who)), m->msn,
			    s->last);
		return;
	}
	if (en->npend_reg < PEND_REG) {
		en->pend_reg[en->npend_reg].msn = m->msn;
		en->pend_reg[en->npend_reg].frame = mc->frame;
		en->pend_reg[en->npend_reg].us = mc->us;
		en->npend_reg++;
	}
}

void
csn_end(struct mars_check *c)
{
	size_t i;

	for (i = 0; i < c->nent; i++)
		if (c->ent[i].npend_reg > 0) {
			rule_unknown(c, MARS_CHECK_REGISTRATION_CSN,
			    "no ClusterControlVC message of the answering MARS "
			    "after its registration reply");
			c->ent[i].npend_reg = 0;
		}
}

bool
mars_check_seq(const struct mars_check *c, size_t i,
    struct mars_check_seq_info *out)
{
	const struct seq *s;
	size_t e, k, n = 0;

	for (e = 0; e < c->nent; e++) {
		if (c->ent[e].alias >= 0)
			continue;
		for (k = 0; k < ENT_SEQS; k++) {
			s = &c->ent[e].seq[k];
			if (!s->has || n++ != i)
				continue;
			memset(out, 0, sizeof(*out));
			out->mars = (int)e;
			out->vc = s->kind;
			out->has_label = (s->key & 0x80000000u) != 0;
			out->vpi = (uint16_t)(s->key >> 16 & 0x7fff);
			out->vci = (uint16_t)s->key;
			out->first = s->first;
			out->last = s->last;
			out->messages = s->msgs;
			out->gaps = s->gaps;
			return true;
		}
	}
	return false;
}
