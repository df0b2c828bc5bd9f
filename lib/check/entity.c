/*
 * The MARS entities (check.h): the cluster file's, then any the stream
 * reveals.  Who sent a message: the transport end of the datagram (lab
 * captures, the simulator), else mar$sha for the messages only a MARS
 * originates about itself (MARS_REDIRECT_MAP, MARS_MIGRATE, RFC 2022
 * §5.4.3), else nobody we can name.  Liveness: an entity is heard when
 * it sends anything; with inter-server traffic in the stream, silence
 * longer than HelloInterval x DeadFactor (RFC 2334 §2.1) means it died.
 */
#include <stdio.h>
#include <string.h>

#include "mars/atm.h"
#include "mars/sim.h"
#include "check_int.h"

/* The entity i stands for (an entity merged into another is an alias). */
int
ent_canon(const struct mars_check *c, int i)
{
	int n = 0;

	while (i >= 0 && c->ent[i].alias >= 0 && n++ < ENT_MAX)
		i = c->ent[i].alias;
	return i;
}

int
ent_by_end(const struct mars_check *c, const struct mars_end *e)
{
	size_t i, k;

	if (e->kind == MARS_END_NONE)
		return -1;
	for (i = 0; i < c->nshared; i++)
		if (mars_end_equal(&c->shared_end[i], e))
			return -1;
	for (i = 0; i < c->nent; i++)
		for (k = 0; k < c->ent[i].n_ends; k++)
			if (mars_end_equal(&c->ent[i].ends[k], e))
				return ent_canon(c, (int)i);
	return -1;
}

int
ent_by_atm(const struct mars_check *c, const uint8_t *atm, uint8_t len)
{
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < c->nent; i++)
		if (c->ent[i].alias < 0 && c->ent[i].atm_len == len &&
		    memcmp(c->ent[i].atm, atm, len) == 0)
			return (int)i;
	return -1;
}

void
ent_bind_end(struct mars_check *c, int i, const struct mars_end *e)
{
	struct ent *en = &c->ent[i];

	size_t k;

	if (e == NULL || e->kind == MARS_END_NONE || ent_by_end(c, e) >= 0 ||
	    en->n_ends >= sizeof(en->ends) / sizeof(en->ends[0]))
		return;
	for (k = 0; k < c->nshared; k++)
		if (mars_end_equal(&c->shared_end[k], e))
			return;
	en->ends[en->n_ends++] = *e;
}

static bool
end_is_shared(const struct mars_check *c, const struct mars_end *e)
{
	size_t k;

	for (k = 0; k < c->nshared; k++)
		if (mars_end_equal(&c->shared_end[k], e))
			return true;
	return false;
}

/*
 * Two MARS named themselves in maps sent from one end (a capture that
 * does not tell them apart by address): the end names nobody from now
 * on, unless the cluster file says whose it is.
 */
static void
end_shared(struct mars_check *c, int i, const struct mars_end *e)
{
	struct ent *en = &c->ent[i];
	unsigned k;

	for (k = en->n_conf_ends; k < en->n_ends; k++)
		if (mars_end_equal(&en->ends[k], e)) {
			en->ends[k] = en->ends[--en->n_ends];
			break;
		}
	if (c->nshared < sizeof(c->shared_end) / sizeof(c->shared_end[0]))
		c->shared_end[c->nshared++] = *e;
}

static bool
conf_end(const struct ent *en, const struct mars_end *e)
{
	unsigned k;

	for (k = 0; k < en->n_conf_ends; k++)
		if (mars_end_equal(&en->ends[k], e))
			return true;
	return false;
}

int
ent_add(struct mars_check *c, const uint8_t *atm, uint8_t len,
    const struct mars_end *e)
{
	struct ent *en;

	if (c->nent >= ENT_MAX) {
		c->ent_dropped++;
		return -1;
	}
	en = &c->ent[c->nent];
	memset(en, 0, sizeof(*en));
	en->conf = -1;
	en->alias = -1;
	en->own_part = -1;
	if (len > MARS_ATM_ADDR_MAX)
		len = MARS_ATM_ADDR_MAX;
	if (atm != NULL) {
		memcpy(en->atm, atm, len);
		en->atm_len = len;
	}
	c->nent++;
	ent_bind_end(c, (int)(c->nent - 1), e);
	return (int)(c->nent - 1);
}

/*
 * Heard from i at us.  A silence longer than the dead window ends a run
 * of activity: the entity died (or its process did) and came back, and
 * what it numbers starts afresh (csn.c).
 */
void
ent_heard(struct mars_check *c, int i, uint64_t us)
{
	struct ent *en;
	uint64_t gap;

	if (i < 0)
		return;
	en = &c->ent[i];
	if (!en->heard) {
		en->heard = true;
		en->first_us = us;
		en->alive_since = us;
		c->last_change_us = us;
	} else if (us > en->last_us) {
		gap = us - en->last_us;
		if (c->dead_us != 0 && gap > c->dead_us && en->scsp) {
			en->down_us = en->last_us;
			en->alive_since = us;
			c->last_change_us = us;
			ent_forgot(c, i, us);
		}
	}
	if (us > en->last_us)
		en->last_us = us;
}

/*
 * i may have started afresh at us although it never fell silent (view.c:
 * its Hellos stopped listing a peer they listed): a restart the dead
 * window cannot show -- or only a peer lost.  What it numbers may start
 * afresh (csn.c); liveness is not touched.
 */
void
ent_reset(struct mars_check *c, int i, uint64_t us)
{
	if (i >= 0 && us > c->ent[i].reset_us)
		c->ent[i].reset_us = us;
}

/*
 * i may have lost its database at us: it restarted (or may have).  Until
 * it aligns with an entity that kept one (ent_learnt), the CMIs members
 * held before are not its to know (cmi.c).
 */
void
ent_forgot(struct mars_check *c, int i, uint64_t us)
{
	if (i < 0)
		return;
	cmi_forgot(c, i);
	c->ent[i].amnesic = true;
	if (us > c->ent[i].amnesic_us)
		c->ent[i].amnesic_us = us;
}

/*
 * a and b aligned their caches, as the CAs in the stream show: what one
 * knows, both know.  Where the entities report their alignments
 * themselves (ent_happening), only those count: both summaries passing
 * is not yet every entry fetched.
 */
void
ent_learnt(struct mars_check *c, int a, int b)
{
	if (a < 0 || b < 0 || c->aligned_events)
		return;
	cmi_learnt(c, a, b);
	cmi_learnt(c, b, a);
	if (c->ent[a].amnesic != c->ent[b].amnesic)
		c->ent[a].amnesic = c->ent[b].amnesic = false;
}

/*
 * Happenings about an entity: the simulator's (sim.h) -- a restart is a
 * fresh machine, its database gone, whatever the silence before it --
 * and an entity's own MARS_EV_ALIGNED, its cache now holding all its
 * peer's: the peer by its SCSP ID, or where the producer kept no ID (the
 * simulator's log drops it), by the DCS index in count -- marsd numbers
 * its DCSs in cluster-file order, itself left out, as it numbers LSIDs.
 */
void
ent_happening(struct mars_check *c, const struct mars_event *ev)
{
	struct mars_end e;
	struct mars_scsp_id id;
	int i, p;

	if ((ev->kind != MARS_SIM_EV_RESTART && ev->kind != MARS_EV_ALIGNED) ||
	    ev->entity == MARS_EVENT_ENTITY_NONE)
		return;
	memset(&e, 0, sizeof(e));
	e.kind = MARS_END_NODE;
	e.node = ev->entity;
	if ((i = ent_by_end(c, &e)) < 0)
		return;
	if (ev->kind == MARS_EV_ALIGNED) {
		id.p = ev->peer;
		id.len = ev->peer_len;
		if (id.len != 0)
			p = view_by_lsid(c, &id);
		else if (c->conf.lsid_by_index && c->ent[i].conf >= 0 &&
		    (size_t)ev->count + 1 < c->conf.n_mars)
			p = (int)ev->count < c->ent[i].conf ? (int)ev->count :
			    (int)ev->count + 1;
		else
			p = -1;
		if (p < 0 || p == i)
			return;
		c->aligned_events = true;
		cmi_learnt(c, i, p);
		if (!c->ent[p].amnesic)
			c->ent[i].amnesic = false;
		return;
	}
	ent_forgot(c, i, mars_event_us(ev));
	if (mars_event_us(ev) > c->ent[i].reset_us)
		c->ent[i].reset_us = mars_event_us(ev);
}

const char *
ent_label(const struct mars_check *c, int i, char *buf, size_t len)
{
	const struct ent *en;
	char end[64];
	size_t k, o;

	if (i < 0 || (size_t)i >= c->nent) {
		snprintf(buf, len, "an unknown MARS");
		return buf;
	}
	en = &c->ent[i];
	if (en->name[0] != '\0')
		snprintf(buf, len, "%s", en->name);
	else if (en->atm_len > 0) {
		o = 0;
		for (k = 0; k < en->atm_len && o + 3 < len; k++)
			o += (size_t)snprintf(buf + o, len - o, "%02x",
			    en->atm[k]);
	} else if (en->n_ends > 0) {
		mars_end_format(&en->ends[0], end, sizeof(end));
		snprintf(buf, len, "the MARS at %s", end);
	} else
		snprintf(buf, len, "MARS #%d", i);
	return buf;
}

/*
 * Liveness can be told only when the entities talk to each other in the
 * stream (SCSP Hellos every HelloInterval) and the dead window is known.
 */
bool
liveness_visible(const struct mars_check *c)
{
	return c->st.scsp_visible && c->dead_us != 0;
}

/*
 * Known alive: heard within the dead window, and for long enough that
 * the Active has seen it too (two Hello intervals after it came back).
 */
bool
ent_known_alive(const struct mars_check *c, int i, uint64_t us)
{
	const struct ent *en = &c->ent[i];

	if (!liveness_visible(c) || !en->scsp || !en->heard)
		return false;
	return us <= en->last_us + c->dead_us &&
	    us >= en->alive_since + 2 * c->hello_us;
}

/*
 * Known dead: silent for longer than the dead window and a Hello interval
 * more, while the stream shows the others talking -- or never heard at
 * all although the stream has run that long.
 */
bool
ent_known_dead(const struct mars_check *c, int i, uint64_t us)
{
	const struct ent *en = &c->ent[i];
	uint64_t w;

	if (!liveness_visible(c))
		return false;
	w = c->dead_us + c->hello_us;
	if (!en->heard)
		return us > c->st.first_us + w;
	return us > en->last_us + w;
}

static void
seq_take(struct ent *to, const struct seq *from)
{
	unsigned k, free_k = ENT_SEQS;

	if (!from->has)
		return;
	for (k = 0; k < ENT_SEQS; k++) {
		if (to->seq[k].has && to->seq[k].key == from->key) {
			if (from->last_us > to->seq[k].last_us)
				to->seq[k] = *from;
			return;
		}
		if (!to->seq[k].has && free_k == ENT_SEQS)
			free_k = k;
	}
	if (free_k < ENT_SEQS)
		to->seq[free_k] = *from;
}

/*
 * Entity p was known by its end only (it sent copies or replies before
 * any map named it) and turns out to be e: what p gathered moves to e,
 * and p becomes an alias of e.
 */
void
ent_merge(struct mars_check *c, int p, int e)
{
	struct ent *from = &c->ent[p], *to = &c->ent[e];
	unsigned k;

	for (k = 0; k < from->n_ends; k++)
		if (to->n_ends < sizeof(to->ends) / sizeof(to->ends[0]))
			to->ends[to->n_ends++] = from->ends[k];
	from->n_ends = 0;
	if (from->heard) {
		if (!to->heard || from->first_us < to->first_us) {
			to->first_us = from->first_us;
			to->alive_since = from->alive_since;
		}
		if (from->last_us > to->last_us)
			to->last_us = from->last_us;
		to->heard = true;
	}
	to->scsp |= from->scsp;
	for (k = 0; k < ENT_SEQS; k++)
		seq_take(to, &from->seq[k]);
	to->ccvc_msgs += from->ccvc_msgs;
	if (to->sequences < from->sequences)
		to->sequences = from->sequences;
	to->maps += from->maps;
	for (k = 0; k < from->npend_reg && to->npend_reg < PEND_REG; k++)
		to->pend_reg[to->npend_reg++] = from->pend_reg[k];
	from->npend_reg = 0;
	from->alias = e;
}

/* Operations only a MARS sends (RFC 2022 §5, §6): replies and copies. */
static bool
mars_originated(const struct mars_msg *m)
{
	switch (m->op) {
	case MARS_MULTI:
	case MARS_NAK:
	case MARS_GROUPLIST_REPLY:
	case MARS_REDIRECT_MAP:
	case MARS_MIGRATE:
		return true;
	case MARS_JOIN:
	case MARS_LEAVE:
	case MARS_MSERV:
	case MARS_UNSERV:
	case MARS_SJOIN:
	case MARS_SLEAVE:
		return (m->flags & MARS_FLAG_COPY) != 0;
	}
	return false;
}

/* Who sent the message of mc (see the top of this file); -1: nobody known. */
int
sender_of(struct mars_check *c, struct msgctx *mc)
{
	const struct mars_pdu *pdu = mc->pdu;
	const struct mars_msg *m = &pdu->u.mars;
	const struct mars_event *ev = mc->ev;
	int i = -1, j;
	uint8_t len;

	if (ev->src.kind != MARS_END_NONE)
		i = ent_by_end(c, &ev->src);
	if (pdu->kind != MARS_PDU_MARS)
		return i;
	len = m->sha.tl & MARS_ATM_TL_LEN;
	if ((m->op == MARS_REDIRECT_MAP || m->op == MARS_MIGRATE) && len > 0 &&
	    m->sha.addr != NULL) {
		j = ent_by_atm(c, m->sha.addr, len);
		if (i >= 0 && c->ent[i].atm_len != 0 && i != j &&
		    !conf_end(&c->ent[i], &ev->src)) {
			/* Another MARS behind the same end. */
			end_shared(c, i, &ev->src);
			i = -1;
		}
		if (i >= 0 && j >= 0 && i != j) {
			if (c->ent[i].atm_len == 0) {
				ent_merge(c, i, j);
				return j;
			}
			return i;	/* the file says whose end it is */
		}
		if (i >= 0 && j < 0) {
			if (c->ent[i].atm_len == 0) {
				memcpy(c->ent[i].atm, m->sha.addr, len);
				c->ent[i].atm_len = len;
			}
			return i;
		}
		if (i < 0 && j >= 0) {
			ent_bind_end(c, j, &ev->src);
			return j;
		}
		if (i < 0)
			i = ent_add(c, m->sha.addr, len, &ev->src);
		return i;
	}
	if (i < 0 && ev->src.kind != MARS_END_NONE && mars_originated(m) &&
	    !end_is_shared(c, &ev->src))
		i = ent_add(c, NULL, 0, &ev->src);
	return i;
}
