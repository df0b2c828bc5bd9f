/*
 * What each MARS entity knows of the others: the Living Group as one
 * entity sees it (draft §1, §3.2), from the SCSP Hellos (RFC 2334 §2.1).
 *
 * An entity O has a peer E in its Living Group while its Hello FSM for
 * E is Bidirectional: O received, within E's HelloInterval x DeadFactor,
 * a Hello from E that lists O among its Receiver IDs, and no Hello from
 * E since that does not list O.  A Hello from O to E that does not list
 * E says that O has not heard E lately (Waiting): E is dead for O.
 *
 * Views differ: across a network partition each side sees the other
 * dead while the capture shows everybody talking, and after an entity
 * restarted at once the others see it come back although it never fell
 * silent.  So the rules about what an entity did with its Living Group
 * (redirect-living-first, redirect-stable, single-active) judge it by
 * its own view, not by what the whole stream shows.
 *
 * A Hello is counted as received by the entity the event names as its
 * destination.  Where the capture does not name one (SunATM), a Hello
 * listing O is taken as received by O -- what a capture at the
 * receivers shows -- and one that lists nobody tells nothing.  The
 * verdicts keep a margin of half a HelloInterval either side of every
 * timer, and an entity counts as living for O only a settling time after
 * O began to see it, so that no jitter or processing delay turns an
 * entity that was just changing into a finding.
 */
#include <string.h>

#include "check_int.h"

static bool
in_views(int i)
{
	return i >= 0 && i < VIEW_MAX;
}

/* Half a HelloInterval: the margin around every timer. */
static uint64_t
slack(const struct mars_check *c)
{
	return c->hello_us != 0 ? c->hello_us / 2 : 500000u;
}

/* How long O must have seen E before E counts as living for it. */
static uint64_t
settle(const struct mars_check *c)
{
	return 2 * (c->hello_us != 0 ? c->hello_us : 1000000u);
}

static uint64_t
dead_of(const struct mars_check *c, const struct view *v)
{
	return v->dead_us != 0 ? v->dead_us : c->dead_us;
}

static void
changed(struct mars_check *c, int o, uint64_t us)
{
	if (us > c->ent[o].view_changed_us)
		c->ent[o].view_changed_us = us;
}

/* O received a Hello from E that lists O: Bidirectional. */
static void
saw_bidir(struct mars_check *c, int o, int e, uint64_t us, uint64_t dead)
{
	struct view *v = &c->view[o][e];

	if (v->run_us == 0 || us + slack(c) >= v->bi_us + dead_of(c, v)) {
		/* E (re)enters O's Living Group. */
		v->run_us = us;
		changed(c, o, us);
	}
	v->bi_us = us;
	if (dead != 0)
		v->dead_us = dead;
}

/* E is not Bidirectional for O (a Hello says so). */
static void
saw_off(struct mars_check *c, int o, int e, uint64_t us)
{
	struct view *v = &c->view[o][e];

	if (v->run_us != 0 || v->off_us == 0)
		changed(c, o, us);
	v->run_us = 0;
	v->off_us = us;
}

static void
seen(struct mars_check *c, int o, uint64_t us)
{
	if (c->ent[o].view_since == 0)
		c->ent[o].view_since = us;
	c->ent[o].view_rx++;
}

static bool
id_is(const struct ent *en, const struct mars_scsp_id *id)
{
	return en->lsid_len != 0 && id->len == en->lsid_len &&
	    id->p != NULL && memcmp(id->p, en->lsid, id->len) == 0;
}

/* The entity behind an SCSP ID: learnt, or by index (conf.lsid_by_index). */
int
view_by_lsid(const struct mars_check *c, const struct mars_scsp_id *id)
{
	uint32_t v = 0;
	size_t i;
	uint8_t k;

	if (id->len == 0 || id->p == NULL)
		return -1;
	for (i = 0; i < c->nent; i++)
		if (c->ent[i].alias < 0 && id_is(&c->ent[i], id))
			return (int)i;
	if (!c->conf.lsid_by_index || id->len > 4)
		return -1;
	for (k = 0; k < id->len; k++)
		v = v << 8 | id->p[k];
	if (v == 0 || v > c->conf.n_mars)
		return -1;
	return (int)v - 1;
}

/* Does the Hello list entity r among its Receiver IDs? */
static bool
lists(const struct mars_check *c, const struct mars_scsp_msg *m, int r)
{
	struct mars_scsp_iter it;
	struct mars_scsp_id id;

	if (view_by_lsid(c, &m->receiver) == r)
		return true;
	mars_scsp_iter_init(m, &it);
	while (mars_scsp_next_id(&it, &id))
		if (view_by_lsid(c, &id) == r)
			return true;
	return false;
}

/* A Hello from s (RFC 2334 §2.1, B.2.5). */
void
view_hello(struct mars_check *c, struct msgctx *mc, int s)
{
	const struct mars_scsp_msg *m = &mc->pdu->u.scsp;
	struct mars_scsp_iter it;
	struct mars_scsp_id id;
	struct ent *en = &c->ent[s];
	uint64_t dead = (uint64_t)m->hello_interval * m->dead_factor *
	    1000000u;
	bool empty, listed;
	int r = -1;

	/* Learn s's Local Server ID, so that others' lists name it. */
	if (en->lsid_len == 0 && m->sender.len > 0 &&
	    m->sender.len <= sizeof(en->lsid) && m->sender.p != NULL) {
		memcpy(en->lsid, m->sender.p, m->sender.len);
		en->lsid_len = m->sender.len;
	}
	/*
	 * A Hello to r that does not list r after one that did: s lost r,
	 * or -- what no silence shows -- restarted at once (its Hello
	 * FSMs start afresh, RFC 2334 §2.1) and numbers its CSN afresh.
	 * Without the destination: a Hello listing nobody after one that
	 * listed somebody.
	 */
	empty = m->receiver.len == 0 && m->nrec == 0;
	if (mc->ev->dst.kind != MARS_END_NONE)
		r = ent_by_end(c, &mc->ev->dst);
	if (r < 0) {
		if (empty && en->hello_listed)
			ent_reset(c, s, mc->us);
		en->hello_listed = !empty;
	}
	if (!in_views(s))
		return;
	if (r >= 0) {
		if (!in_views(r) || r == s)
			return;
		seen(c, r, mc->us);
		listed = lists(c, m, r);
		if (!listed && c->view[s][r].listed_by)
			ent_reset(c, s, mc->us);
		c->view[s][r].listed_by = listed;
		if (listed)
			saw_bidir(c, r, s, mc->us, dead);
		else {
			/* r hears s without being heard; s hears not r. */
			saw_off(c, r, s, mc->us);
			saw_off(c, s, r, mc->us);
		}
		return;
	}
	/* No destination: a Hello listing r reached r (see above). */
	if ((r = view_by_lsid(c, &m->receiver)) >= 0 && in_views(r) &&
	    r != s) {
		seen(c, r, mc->us);
		saw_bidir(c, r, s, mc->us, dead);
	}
	mars_scsp_iter_init(m, &it);
	while (mars_scsp_next_id(&it, &id))
		if ((r = view_by_lsid(c, &id)) >= 0 && in_views(r) && r != s) {
			seen(c, r, mc->us);
			saw_bidir(c, r, s, mc->us, dead);
		}
}

/* The stream shows what o receives of the others' Hellos. */
bool
view_visible(const struct mars_check *c, int o)
{
	return in_views(o) && c->ent[o].view_rx > 0 && c->dead_us != 0;
}

/* e is in o's Living Group at us, and has been for a while. */
bool
view_alive(const struct mars_check *c, int o, int e, uint64_t us)
{
	const struct view *v;

	if (!view_visible(c, o) || !in_views(e) || o == e)
		return false;
	v = &c->view[o][e];
	return v->run_us != 0 && us + slack(c) < v->bi_us + dead_of(c, v) &&
	    us >= v->run_us + settle(c);
}

/* e is not in o's Living Group at us, and was not a moment before. */
bool
view_dead(const struct mars_check *c, int o, int e, uint64_t us)
{
	const struct view *v;

	if (!view_visible(c, o) || !in_views(e) || o == e)
		return false;
	v = &c->view[o][e];
	if (v->run_us != 0)
		return us > v->bi_us + dead_of(c, v) + slack(c);
	if (v->off_us != 0)
		return us > v->off_us + slack(c);
	/* Never Bidirectional while we watched o for a dead window. */
	return us > c->ent[o].view_since + dead_of(c, v) + slack(c);
}

/*
 * Did o's Living Group change (an entity enter or leave it) at or after
 * since, up to now?  A death is the dead window after the last Hello.
 */
bool
view_changed(const struct mars_check *c, int o, uint64_t since)
{
	const struct view *v;
	uint64_t t;
	size_t e;

	if (!in_views(o))
		return false;
	if (c->ent[o].view_changed_us + slack(c) >= since)
		return true;
	for (e = 0; e < VIEW_MAX && e < c->nent; e++) {
		v = &c->view[o][e];
		if (v->run_us == 0)
			continue;
		t = v->bi_us + dead_of(c, v);
		if (t + slack(c) >= since && t <= c->now + slack(c))
			return true;
	}
	return false;
}

/*
 * a and b each have the other in their Living Group at us; *since gets
 * from when.  False when either view is not in the stream or either
 * does not see the other.
 */
bool
view_mutual(const struct mars_check *c, int a, int b, uint64_t us,
    uint64_t *since)
{
	const struct view *ab, *ba;

	if (!view_visible(c, a) || !view_visible(c, b) || !in_views(b) ||
	    a == b)
		return false;
	ab = &c->view[a][b];
	ba = &c->view[b][a];
	if (ab->run_us == 0 || ba->run_us == 0 ||
	    us > ab->bi_us + dead_of(c, ab) ||
	    us > ba->bi_us + dead_of(c, ba))
		return false;
	*since = ab->run_us > ba->run_us ? ab->run_us : ba->run_us;
	return true;
}
