/*
 * Inter-server traffic (RFC 2334 over RFC 2443): who is alive, and
 * whether two entities have aligned their caches -- rule soft-after-sync
 * (draft §3.4: "the new Active MARS must have synchronized its database
 * with the previous Active MARS prior to the redirection").
 *
 * Cache Alignment (RFC 2334 §2.2) begins with CA messages carrying the
 * I bit (master/slave negotiation) and goes on with CA messages without
 * it, which carry the CSA summaries.  A soft redirect from S to X is
 * after synchronisation when, since X last came back, S and X have each
 * sent the other a summary CA.  The Hellos give HelloInterval and
 * DeadFactor (RFC 2334 §2.1), hence the dead window used for liveness.
 */
#include <string.h>

#include "check_int.h"

static struct sync_pair *
pair(struct mars_check *c, int a, int b, bool create)
{
	struct sync_pair *free_slot = NULL;
	size_t i;
	int t;

	if (a > b) {
		t = a;
		a = b;
		b = t;
	}
	for (i = 0; i < SYNC_MAX; i++) {
		if (c->sync[i].used && c->sync[i].a == a && c->sync[i].b == b)
			return &c->sync[i];
		if (!c->sync[i].used && free_slot == NULL)
			free_slot = &c->sync[i];
	}
	if (!create || free_slot == NULL)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->a = a;
	free_slot->b = b;
	return free_slot;
}

void
sync_scsp(struct mars_check *c, struct msgctx *mc)
{
	const struct mars_scsp_msg *m = &mc->pdu->u.scsp;
	struct sync_pair *p;
	size_t i, talkers = 0;
	uint64_t d;
	int s = mc->sender, r = -1;

	if (s < 0)
		s = view_by_lsid(c, &m->sender);
	if (s < 0)
		return;
	s = ent_canon(c, s);
	if (!c->ent[s].scsp) {
		c->ent[s].scsp = true;
		for (i = 0; i < c->nent; i++)
			talkers += c->ent[i].scsp;
		if (talkers >= 2)
			c->st.scsp_visible = true;
	}
	ent_heard(c, s, mc->us);
	switch (m->type) {
	case MARS_SCSP_HELLO:
		if (m->hello_interval > 0 && m->dead_factor > 0) {
			d = (uint64_t)m->hello_interval * m->dead_factor *
			    1000000u;
			if (d > c->dead_us)
				c->dead_us = d;
			d = (uint64_t)m->hello_interval * 1000000u;
			if (d > c->hello_us)
				c->hello_us = d;
			c->st.dead_window_us = c->dead_us;
		}
		view_hello(c, mc, s);
		return;
	case MARS_SCSP_CA:
	case MARS_SCSP_CSU_REQUEST:
		break;
	default:
		return;
	}
	if (mc->ev->dst.kind != MARS_END_NONE)
		r = ent_by_end(c, &mc->ev->dst);
	if (r < 0)
		r = view_by_lsid(c, &m->receiver);
	if (r < 0 || r == s)
		return;
	r = ent_canon(c, r);
	if (m->type == MARS_SCSP_CSU_REQUEST) {
		cmi_replicated(c, m, r);
		return;
	}
	if ((p = pair(c, s, r, true)) == NULL)
		return;
	p->last_ca_us = mc->us;
	if (m->flags & MARS_SCSP_CA_I) {
		/*
		 * A new alignment, unless this is the one under way -- not
		 * when either entity came back since that one began (it
		 * died half-way, say).
		 */
		if (!p->negotiated || (p->summary_ab && p->summary_ba) ||
		    mc->us > p->start_us + c->dead_us + 1000000u ||
		    c->ent[p->a].alive_since > p->start_us ||
		    c->ent[p->b].alive_since > p->start_us) {
			p->negotiated = true;
			p->summary_ab = p->summary_ba = false;
			p->done_us = 0;
			p->start_us = mc->us;
		}
		return;
	}
	if (!p->negotiated)
		return;
	if (s == p->a)
		p->summary_ab = true;
	else
		p->summary_ba = true;
	if (p->summary_ab && p->summary_ba) {
		if (p->done_us == 0)
			p->done_us = mc->us;
		ent_learnt(c, p->a, p->b);
	}
}

/*
 * When a and b last finished aligning their caches, 0 if not (yet): both
 * summaries seen, and the last CA between them -- a lost one is sent
 * again, and the alignment is under way until the CAs stop (CSUs then
 * are every change's, not the alignment's alone).
 */
uint64_t
sync_done_at(const struct mars_check *c, int a, int b)
{
	const struct sync_pair *p;
	size_t i;
	int x = a < b ? a : b, y = a < b ? b : a;

	for (i = 0; i < SYNC_MAX; i++) {
		p = &c->sync[i];
		if (p->used && p->a == x && p->b == y)
			return p->summary_ab && p->summary_ba ?
			    (p->last_ca_us > p->done_us ? p->last_ca_us :
			    p->done_us) : 0;
	}
	return 0;
}

/*
 * Are a and b aligned?  *known is false when the stream shows nothing of
 * their alignment (it happened before the capture, or no SCSP in it).
 */
bool
sync_done(const struct mars_check *c, int a, int b, bool *known)
{
	const struct sync_pair *p;
	size_t i;
	int x = a < b ? a : b, y = a < b ? b : a;

	*known = false;
	if (a < 0 || b < 0)
		return false;
	for (i = 0; i < SYNC_MAX; i++) {
		p = &c->sync[i];
		if (!p->used || p->a != x || p->b != y)
			continue;
		/* b came back after this alignment began: it is stale. */
		if (c->ent[b].alive_since > p->start_us) {
			*known = liveness_visible(c);
			return false;
		}
		*known = true;
		return p->summary_ab && p->summary_ba;
	}
	/* No alignment seen: fine if the stream began with them aligned. */
	if (liveness_visible(c) && c->ent[b].heard &&
	    c->ent[b].alive_since > c->st.first_us + c->dead_us)
		*known = true;	/* b came back in the stream, no CA */
	return false;
}
