/*
 * Redirect maps (RFC 2022 §5.4.3; draft §3.1-§3.5, §4.4-§4.5): the
 * redirect-* rules and backup-hard-redirect.
 *
 * A map from S listing S first is S's own map: S claims to be the Active
 * (active.c).  A soft map listing another entity X first hands over to X
 * (§3.4), which must then take over; a hard one is how a Backup sends a
 * member that registered with it back to the Active (§3.2).  The Active
 * lists the whole MARS Group of its partition (§3.5), living Backups
 * before dead entities; the order changes only when an entity dies or
 * returns or the Active changes; partitions sharing Backups list them in
 * opposite orders (§4.5).
 *
 * A map repeating a violation already reported (the next periodic map
 * with the same content) counts as broken again but makes no new finding.
 */
#include <stdio.h>
#include <string.h>

#include "check_int.h"

/* How long the entity named first in a soft map has to take over. */
static uint64_t
takeover_window(const struct mars_check *c)
{
	uint64_t w = 3 * interval_us(c) + c->dead_us;

	return w > 3000000u ? w : 3000000u;
}

/* How long a Backup may take to send its hard redirect: "immediately". */
static uint64_t
hard_window(const struct mars_check *c)
{
	uint64_t iv = interval_us(c);

	return iv > 2000000u ? iv : 2000000u;
}

static uint32_t
mix(uint32_t h, uint32_t v)
{
	return (h ^ v) * 16777619u;
}

/* The same violation again (the next periodic map): no new finding. */
static void
again(struct mars_check *c, unsigned rule)
{
	c->rule[rule].checked++;
	c->rule[rule].broken++;
}

/* That situation was reported already (first_report). */
static bool
reported(const struct mars_check *c, int e, unsigned rule, uint32_t key)
{
	return c->reported[e][rule] == mix(key, 0x9e3779b9u);
}

/* A question of that rule about sender and peer waits (settle_view). */
static bool
pending(const struct mars_check *c, unsigned rule, int sender, int peer)
{
	size_t i;

	for (i = 0; i < c->nstable; i++)
		if (c->stable[i].rule == rule && c->stable[i].sender ==
		    sender && c->stable[i].peer == peer)
			return true;
	return false;
}

static struct pend_stable *pend_view(struct mars_check *, unsigned, int,
		    uint64_t, uint64_t, uint64_t, const char *);

/* Report once per (entity, rule, situation); true when it is new. */
static bool
first_report(struct mars_check *c, int e, unsigned rule, uint32_t key)
{
	static const uint32_t salt = 0x9e3779b9u;

	key = mix(key, salt);
	if (c->reported[e][rule] == key)
		return false;
	c->reported[e][rule] = key;
	return true;
}

static void
list_text(const struct mars_check *c, const int *ent, size_t n, char *buf,
    size_t len)
{
	char one[64];
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o + 2 < len; i++) {
		ent_label(c, ent[i], one, sizeof(one));
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "",
		    one);
		if (o >= len)
			o = len - 1;
	}
}

static bool
listed_in(const int *ent, size_t n, int e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ent[i] == e)
			return true;
	return false;
}

/* The MARS Group of partition part as entity indices (with the file). */
static size_t
expected_group(const struct mars_check *c, int part, int *out)
{
	const struct mars_check_part_conf *pc;
	size_t i, n = 0;
	int e;

	if (c->conf.n_partitions == 0) {
		for (i = 0; i < c->conf.n_mars; i++)
			out[n++] = (int)i;
		return n;
	}
	pc = &c->conf.partitions[part];
	for (i = 0; i < pc->n_mars; i++) {
		e = pc->mars[i];
		out[n++] = e;
	}
	return n;
}

/* §3.5 and §2: the whole MARS Group, and nothing but. */
static void
check_group(struct mars_check *c, struct msgctx *mc, const int *ent,
    size_t n, int part)
{
	int want[ENT_MAX], missing[ENT_MAX], extra[ENT_MAX];
	size_t nw, nm = 0, nx = 0, i;
	char who[64], l1[256], l2[256];
	uint32_t key = 0;
	int s = mc->sender;

	if (c->conf.has_cluster) {
		/* Entities 0..n_mars-1 are the file's, in file order. */
		nw = expected_group(c, part, want);
		for (i = 0; i < nw; i++)
			if (!listed_in(ent, n, want[i])) {
				missing[nm++] = want[i];
				key = mix(key, (uint32_t)want[i]);
			}
		for (i = 0; i < n; i++)
			if (ent[i] < 0 || c->ent[ent[i]].conf < 0)
				extra[nx++] = ent[i];
		if (nm > 0) {
			if (first_report(c, s, MARS_CHECK_REDIRECT_WHOLE_GROUP,
			    key)) {
				list_text(c, ent, n, l1, sizeof(l1));
				list_text(c, missing, nm, l2, sizeof(l2));
				finding(c, MARS_CHECK_REDIRECT_WHOLE_GROUP,
				    mc->us, s, &mc->frame, 1,
				    "redirect map from %s lists %s but not %s "
				    "of the MARS Group%s%s",
				    ent_label(c, s, who, sizeof(who)), l1, l2,
				    c->conf.n_partitions ? " of partition " :
				    "", c->conf.n_partitions ?
				    mars_check_partition_name(c,
				    (size_t)part) : "");
			} else
				again(c, MARS_CHECK_REDIRECT_WHOLE_GROUP);
		} else
			rule_held(c, MARS_CHECK_REDIRECT_WHOLE_GROUP);
		if (nx > 0) {
			key = 0;
			for (i = 0; i < nx; i++)
				key = mix(key, (uint32_t)extra[i]);
			if (first_report(c, s, MARS_CHECK_REDIRECT_ONLY_GROUP,
			    key)) {
				list_text(c, extra, nx, l2, sizeof(l2));
				finding(c, MARS_CHECK_REDIRECT_ONLY_GROUP,
				    mc->us, s, &mc->frame, 1,
				    "redirect map from %s lists %s, not in the "
				    "MARS Group of the cluster file",
				    ent_label(c, s, who, sizeof(who)), l2);
			}
		} else
			rule_held(c, MARS_CHECK_REDIRECT_ONLY_GROUP);
		return;
	}

	rule_unknown(c, MARS_CHECK_REDIRECT_ONLY_GROUP,
	    "the MARS Group is known from the cluster file (-c) only");
	/*
	 * Without the file the MARS Group is what the maps have listed so
	 * far.  The MARS Group does not shrink, so a map leaving out an
	 * entity an earlier map listed is wrong -- when the maps describe
	 * one partition, which they do while one entity at a time claims
	 * to be Active and for long enough to see a second one start.
	 */
	if (c->multi_active) {
		rule_unknown(c, MARS_CHECK_REDIRECT_WHOLE_GROUP,
		    "several entities send maps at once: their partitions "
		    "are known from the cluster file (-c) only");
	} else if (mc->us < c->first_map_us + 2 * interval_us(c) ||
	    interval_us(c) == 0) {
		rule_unknown(c, MARS_CHECK_REDIRECT_WHOLE_GROUP,
		    "too few maps to know the MARS Group without the "
		    "cluster file (-c)");
	} else {
		for (i = 0; i < c->nent; i++)
			if (c->listed[part][i] && c->ent[i].alias < 0 &&
			    !listed_in(ent, n, (int)i)) {
				missing[nm++] = (int)i;
				key = mix(key, (uint32_t)i);
			}
		if (nm == 0)
			rule_held(c, MARS_CHECK_REDIRECT_WHOLE_GROUP);
		else if (first_report(c, s, MARS_CHECK_REDIRECT_WHOLE_GROUP,
		    key)) {
			list_text(c, ent, n, l1, sizeof(l1));
			list_text(c, missing, nm, l2, sizeof(l2));
			finding(c, MARS_CHECK_REDIRECT_WHOLE_GROUP, mc->us, s,
			    &mc->frame, 1, "redirect map from %s lists %s "
			    "but not %s, which earlier maps listed",
			    ent_label(c, s, who, sizeof(who)), l1, l2);
		} else
			again(c, MARS_CHECK_REDIRECT_WHOLE_GROUP);
	}
	for (i = 0; i < n; i++)
		if (ent[i] >= 0)
			c->listed[part][ent[i]] = true;
}

/*
 * §3.5: living Backups before dead entities -- living in the sender's
 * own view (view.c): across a partition, or while it has not yet heard
 * an entity that came back, it rightly lists as dead what others see.
 */
static void
check_living(struct mars_check *c, struct msgctx *mc, const int *ent,
    size_t n)
{
	char who[64], d[64], a[64];
	size_t i, j;
	int s = mc->sender;

	if (!liveness_visible(c) || !view_visible(c, s)) {
		rule_unknown(c, MARS_CHECK_REDIRECT_LIVING_FIRST,
		    "liveness needs the inter-server (SCSP) traffic the "
		    "map's sender receives in the stream");
		return;
	}
	for (i = 1; i < n; i++) {
		if (ent[i] < 0 || !view_dead(c, s, ent[i], mc->us))
			continue;
		for (j = i + 1; j < n; j++)
			if (ent[j] >= 0 && view_alive(c, s, ent[j], mc->us))
				break;
		if (j == n)
			continue;
		if (reported(c, s, MARS_CHECK_REDIRECT_LIVING_FIRST,
		    (uint32_t)(ent[i] << 8 | ent[j])))
			again(c, MARS_CHECK_REDIRECT_LIVING_FIRST);
		else if (!pending(c, MARS_CHECK_REDIRECT_LIVING_FIRST, s,
		    ent[j])) {
			char text[MARS_CHECK_MSG_MAX];
			struct pend_stable *p;

			if (snprintf(text, sizeof(text), "redirect map from %s "
			    "lists %s, dead for it, before %s, which it has "
			    "seen alive for %.1f s", ent_label(c, s, who,
			    sizeof(who)), ent_label(c, ent[i], d, sizeof(d)),
			    ent_label(c, ent[j], a, sizeof(a)),
			    (double)(mc->us - c->view[s][ent[j]].run_us) /
			    1e6) < 0)
				text[0] = '\0';
			if ((p = pend_view(c, MARS_CHECK_REDIRECT_LIVING_FIRST,
			    s, mc->us, mc->frame, 0, text)) != NULL) {
				p->peer = ent[j];
				p->dead = ent[i];
				p->key = (uint32_t)(ent[i] << 8 | ent[j]);
			}
		}
		return;
	}
	rule_held(c, MARS_CHECK_REDIRECT_LIVING_FIRST);
}

/*
 * Did an entity die or return, or the Active change, since us?  Deaths
 * and returns as the whole stream shows them, and as the map's sender
 * saw them (view.c: a partition heals, an entity restarts at once).
 */
static bool
changed_since(const struct mars_check *c, int part, int sender, uint64_t us)
{
	size_t i;
	uint64_t t;

	if (c->changed_us[part] >= us)
		return true;
	if (view_changed(c, sender, us))
		return true;
	if (c->last_change_us >= us)
		return true;
	for (i = 0; i < c->nent; i++) {
		/* A death is seen a dead window after the last word. */
		t = c->ent[i].last_us + c->dead_us;
		if (c->ent[i].heard && t >= us && t <= c->now)
			return true;
	}
	return false;
}

/* §3.4: a partition's map changes order only with the cluster. */
static void
check_stable(struct mars_check *c, struct msgctx *mc, const int *ent,
    size_t n, int part)
{
	const struct mars_check_map_info *prev = &c->map[part];
	struct pend_stable *p;
	char who[64], l1[256], l2[256], text[MARS_CHECK_MSG_MAX];
	size_t i;
	bool same;

	if (!c->has_map[part] || prev->sender != mc->sender || prev->hard)
		return;
	same = prev->n == n;
	for (i = 0; same && i < n; i++)
		same = prev->entries[i] == ent[i];
	if (same) {
		rule_held(c, MARS_CHECK_REDIRECT_STABLE);
		return;
	}
	/* Detection lags: look back one dead window and interval. */
	if (changed_since(c, part, mc->sender, prev->us > c->dead_us +
	    interval_us(c) ?
	    prev->us - c->dead_us - interval_us(c) : 0)) {
		rule_held(c, MARS_CHECK_REDIRECT_STABLE);
		return;
	}
	if (!liveness_visible(c)) {
		rule_unknown(c, MARS_CHECK_REDIRECT_STABLE,
		    "a map changed order, and whether an entity died or "
		    "returned needs the inter-server (SCSP) traffic");
		return;
	}
	list_text(c, prev->entries, prev->n, l1, sizeof(l1));
	list_text(c, ent, n, l2, sizeof(l2));
	/* A longer message is cut, as finding() would. */
	if (snprintf(text, sizeof(text), "%s changes its map from %s to %s "
	    "with no entity dying or returning and no election",
	    ent_label(c, mc->sender, who, sizeof(who)), l1, l2) < 0)
		text[0] = '\0';
	if ((p = pend_view(c, MARS_CHECK_REDIRECT_STABLE, mc->sender, mc->us,
	    mc->frame, prev->frame, text)) != NULL) {
		memcpy(p->prev, prev->entries, prev->n * sizeof(p->prev[0]));
		p->nprev = prev->n;
	}
}

/*
 * A map that breaks redirect-stable or redirect-living-first by what the
 * stream shows of its sender's view.  But an entity also drops a peer
 * on its own (RFC 2334 §2.1: a CSA unacknowledged too often, a malformed
 * message -- back to Waiting): its next Hello to that peer may show it,
 * or, when the peer's next Hello brings it straight back, only the
 * sender's next map, back as it was.  Decided a HelloInterval and a half
 * on (settle_view, view_flap).
 */
static struct pend_stable *
pend_view(struct mars_check *c, unsigned rule, int sender, uint64_t us,
    uint64_t f0, uint64_t f1, const char *text)
{
	struct pend_stable *p;

	if (c->nstable >= PEND_STABLE) {
		rule_unknown(c, rule, "too many maps waiting to be judged");
		return NULL;
	}
	p = &c->stable[c->nstable++];
	memset(p, 0, sizeof(*p));
	p->rule = rule;
	p->sender = sender;
	p->peer = p->dead = -1;
	p->us = us;
	p->frames[0] = f0;
	p->frames[1] = f1;
	snprintf(p->text, sizeof(p->text), "%s", text);
	return p;
}

static size_t
pos_in(const int *ent, size_t n, int e)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ent[i] == e)
			return i;
	return n;
}

/*
 * The sender's next own map undoes the questioned one at once: its view
 * flapped (a peer dropped and back), which no Hello showed.  True when
 * a reorder was undone: the map undoing it is no reorder to judge.
 */
static bool
view_flap(struct mars_check *c, int s, const int *ent, size_t n)
{
	struct pend_stable *p;
	size_t i;
	bool back, undone = false;

	for (i = 0; i < c->nstable; i++) {
		p = &c->stable[i];
		if (p->sender != s)
			continue;
		if (p->rule == MARS_CHECK_REDIRECT_STABLE)
			back = p->nprev == n && memcmp(p->prev, ent,
			    n * sizeof(ent[0])) == 0;
		else
			back = pos_in(ent, n, p->peer) < pos_in(ent, n,
			    p->dead);
		if (!back)
			continue;
		undone |= p->rule == MARS_CHECK_REDIRECT_STABLE;
		rule_held(c, p->rule);
		c->stable[i] = c->stable[--c->nstable];
		i--;
	}
	return undone;
}

/* Did the sender's view change around p's map (the peer's, for one)? */
static bool
view_moved(const struct mars_check *c, const struct pend_stable *p)
{
	uint64_t since = p->us > c->hello_us / 2 ? p->us - c->hello_us / 2 :
	    0;
	const struct view *v;

	if (p->peer < 0 || p->sender >= VIEW_MAX || p->peer >= VIEW_MAX)
		return view_changed(c, p->sender, since);
	v = &c->view[p->sender][p->peer];
	return v->off_us >= since || v->run_us > p->us;
}

/* The questions a HelloInterval (and a half) old, or all at the end. */
static void
settle_view(struct mars_check *c, uint64_t us, bool end)
{
	uint64_t wait = c->hello_us * 3 / 2;
	struct pend_stable *p;
	size_t i;

	for (i = 0; i < c->nstable; i++) {
		p = &c->stable[i];
		if (view_moved(c, p))
			rule_held(c, p->rule);
		else if (us > p->us + wait) {
			if (p->rule == MARS_CHECK_REDIRECT_LIVING_FIRST)
				(void)first_report(c, p->sender, p->rule,
				    p->key);
			finding(c, p->rule, p->us, p->sender, p->frames,
			    p->frames[1] != 0 ? 2 : 1, "%s", p->text);
		} else if (end)
			rule_unknown(c, p->rule, "the stream ends right after "
			    "the map");
		else
			continue;
		c->stable[i] = c->stable[--c->nstable];
		i--;
	}
}

/* §4.1, §4.5: per-partition maps; shared Backups in opposite orders. */
static void
check_partition(struct mars_check *c, struct msgctx *mc, const int *ent,
    size_t n, int part)
{
	const struct mars_check_part_conf *pc, *qc;
	const struct mars_check_map_info *q;
	int shared_p[ENT_MAX], shared_q[ENT_MAX];
	size_t i, k, np, nq;
	char who[64], l1[256], a[64], b[64];
	uint64_t fr[2];
	uint32_t bit;

	if (!c->conf.has_cluster || c->conf.n_partitions == 0) {
		rule_unknown(c, MARS_CHECK_REDIRECT_PARTITION,
		    c->conf.has_cluster ? "the cluster file has no partitions" :
		    "partitions are known from the cluster file (-c) only");
		return;
	}
	pc = &c->conf.partitions[part];
	for (i = 0; i < n; i++)
		if (ent[i] >= 0 && c->ent[ent[i]].conf >= 0 &&
		    !memchr(pc->mars, c->ent[ent[i]].conf, pc->n_mars))
			break;
	if (i < n) {
		if (first_report(c, mc->sender, MARS_CHECK_REDIRECT_PARTITION,
		    (uint32_t)ent[i]))
			finding(c, MARS_CHECK_REDIRECT_PARTITION, mc->us,
			    mc->sender, &mc->frame, 1, "%s's map for partition "
			    "%s lists %s, which is not in that partition",
			    ent_label(c, mc->sender, who, sizeof(who)),
			    pc->name, ent_label(c, ent[i], a, sizeof(a)));
		return;
	}
	rule_held(c, MARS_CHECK_REDIRECT_PARTITION);
	/* Opposite orders: compare with every other partition's map once. */
	for (k = 0; k < c->nparts; k++) {
		if ((int)k == part || !c->has_map[k] || c->map[k].hard)
			continue;
		bit = 1u << k;
		if (c->part_pair_done[part] & bit)
			continue;
		qc = &c->conf.partitions[k];
		q = &c->map[k];
		np = nq = 0;
		for (i = 1; i < n; i++)
			if (ent[i] >= 0 && c->ent[ent[i]].conf >= 0 &&
			    memchr(qc->mars, c->ent[ent[i]].conf, qc->n_mars) &&
			    !view_dead(c, mc->sender, ent[i], mc->us) &&
			    !ent_known_dead(c, ent[i], mc->us))
				shared_p[np++] = ent[i];
		for (i = 1; i < q->n; i++)
			if (q->entries[i] >= 0 &&
			    listed_in(shared_p, np, q->entries[i]))
				shared_q[nq++] = q->entries[i];
		if (np < 2 || nq != np)
			continue;
		c->part_pair_done[part] |= bit;
		c->part_pair_done[k] |= 1u << part;
		if (shared_p[0] != shared_q[0]) {
			rule_held(c, MARS_CHECK_REDIRECT_PARTITION);
			continue;
		}
		fr[0] = mc->frame;
		fr[1] = q->frame;
		list_text(c, shared_p, np, l1, sizeof(l1));
		finding(c, MARS_CHECK_REDIRECT_PARTITION, mc->us, mc->sender,
		    fr, 2, "partitions %s (map from %s) and %s (map from %s) "
		    "list their shared Backups %s in the same order: both "
		    "would fail over to %s", pc->name,
		    ent_label(c, mc->sender, who, sizeof(who)), qc->name,
		    ent_label(c, q->sender, a, sizeof(a)), l1,
		    ent_label(c, shared_p[0], b, sizeof(b)));
	}
}

/* §3.2, §3.4: hard maps come from Backups and name the Active. */
static void
check_hard(struct mars_check *c, struct msgctx *mc, const int *ent,
    size_t n, int part)
{
	char who[64], h[64], a[64];
	int act = active_of(c, part, mc->us), s = mc->sender;
	size_t i;

	if (act < 0) {
		rule_unknown(c, MARS_CHECK_REDIRECT_HARD_FROM_BACKUP,
		    "no Active was known when a hard redirect was sent");
	} else if (!c->claimed[part] && (act == s || (n > 0 && ent[0] != act))) {
		/*
		 * The Active is only named, by another's soft map: it may
		 * have seen a better entity the handing one had not and
		 * left the role to it, as a Backup sending members there.
		 */
		rule_unknown(c, MARS_CHECK_REDIRECT_HARD_FROM_BACKUP,
		    "a hard redirect came while the entity a soft map named "
		    "had sent no map of its own");
	} else if (act == s) {
		if (first_report(c, s, MARS_CHECK_REDIRECT_HARD_FROM_BACKUP, 1))
			finding(c, MARS_CHECK_REDIRECT_HARD_FROM_BACKUP, mc->us,
			    s, &mc->frame, 1, "%s, the Active of partition %s, "
			    "sends a hard redirect; the Active hands over with "
			    "a soft one", ent_label(c, s, who, sizeof(who)),
			    mars_check_partition_name(c, (size_t)part));
	} else if (n > 0 && ent[0] != act && !(ent[0] ==
	    c->prev_active[part] && mc->us <= c->changed_us[part] +
	    takeover_window(c)) && !view_alive(c, s, act, mc->us)) {
		/*
		 * The Active is not (yet, or no longer) in the sender's
		 * Living Group -- a partition, a death it has not seen the
		 * end of: it points to the Active of its own view.
		 */
		rule_unknown(c, MARS_CHECK_REDIRECT_HARD_FROM_BACKUP,
		    "a hard redirect named another entity than the Active, "
		    "which the sender did not see alive");
	} else if (n > 0 && ent[0] != act && !(ent[0] ==
	    c->prev_active[part] && mc->us <= c->changed_us[part] +
	    takeover_window(c))) {
		if (first_report(c, s, MARS_CHECK_REDIRECT_HARD_FROM_BACKUP,
		    (uint32_t)(ent[0] << 8 | act)))
			finding(c, MARS_CHECK_REDIRECT_HARD_FROM_BACKUP, mc->us,
			    s, &mc->frame, 1, "hard redirect from %s points to "
			    "%s, but the Active is %s",
			    ent_label(c, s, who, sizeof(who)),
			    ent_label(c, ent[0], h, sizeof(h)),
			    ent_label(c, act, a, sizeof(a)));
	} else
		rule_held(c, MARS_CHECK_REDIRECT_HARD_FROM_BACKUP);

	/* It answers a pending backup-hard-redirect question. */
	for (i = 0; i < c->nhard; i++) {
		struct pend_hard *p = &c->hard[i];

		if (p->mars != s)
			continue;
		if (mc->ev->dst.kind != MARS_END_NONE ?
		    !mars_end_equal(&p->to, &mc->ev->dst) :
		    p->vc != mc->ev->vc.id)
			continue;
		rule_held(c, MARS_CHECK_BACKUP_HARD_REDIRECT);
		c->hard[i] = c->hard[--c->nhard];
		i--;
	}
}

/* A soft map naming another entity first: a hand-over (§3.4). */
static void
handover(struct mars_check *c, struct msgctx *mc, int head, int part)
{
	struct pend_soft *p;
	char who[64], h[64];
	bool known;

	/* soft-after-sync: the new Active's database is synchronised. */
	if (sync_done(c, mc->sender, head, &known)) {
		rule_held(c, MARS_CHECK_SOFT_AFTER_SYNC);
	} else if (!known) {
		rule_unknown(c, MARS_CHECK_SOFT_AFTER_SYNC,
		    "the Cache Alignment of the entities a soft redirect "
		    "moved members between is not in the stream");
	} else if (first_report(c, mc->sender, MARS_CHECK_SOFT_AFTER_SYNC,
	    (uint32_t)head)) {
		finding(c, MARS_CHECK_SOFT_AFTER_SYNC, mc->us, mc->sender,
		    &mc->frame, 1, "%s soft-redirects to %s before their "
		    "caches are aligned (no summary exchanged both ways since "
		    "%s came back)", ent_label(c, mc->sender, who, sizeof(who)),
		    ent_label(c, head, h, sizeof(h)),
		    ent_label(c, head, h, sizeof(h)));
	} else
		again(c, MARS_CHECK_SOFT_AFTER_SYNC);

	active_handover(c, mc, part, head);
	/* redirect-sender-first: head has to take over. */
	for (size_t i = 0; i < c->nsoft; i++)
		if (c->soft[i].sender == mc->sender && c->soft[i].head == head)
			return;
	if (c->nsoft >= PEND_SOFT)
		return;
	p = &c->soft[c->nsoft++];
	p->sender = mc->sender;
	p->head = head;
	p->part = part;
	p->us = mc->us;
	p->frame = mc->frame;
}

/*
 * Does a come before b in partition part's preference (draft §3.4): the
 * `mars =` list of a [partition], else the election order of redund.h
 * -- higher priority, then the lower ATM address.  -1 when the cluster
 * file does not say.
 */
static int
preferred(const struct mars_check *c, int part, int a, int b)
{
	const struct mars_check_part_conf *pc;
	const struct mars_check_mars_conf *x, *y;
	int ca, cb, k;
	size_t i;

	if (!c->conf.has_cluster || a < 0 || b < 0 ||
	    (ca = c->ent[a].conf) < 0 || (cb = c->ent[b].conf) < 0)
		return -1;
	if (c->conf.n_partitions > 0) {
		if (part < 0 || (size_t)part >= c->conf.n_partitions)
			return -1;
		pc = &c->conf.partitions[part];
		for (i = 0; i < pc->n_mars; i++) {
			if (pc->mars[i] == ca)
				return 1;
			if (pc->mars[i] == cb)
				return 0;
		}
		return -1;
	}
	x = &c->conf.mars[ca];
	y = &c->conf.mars[cb];
	if (x->priority != y->priority)
		return x->priority > y->priority;
	k = memcmp(x->atm, y->atm, x->atm_len < y->atm_len ? x->atm_len :
	    y->atm_len);
	if (k != 0)
		return k < 0;
	return x->atm_len != y->atm_len ? x->atm_len < y->atm_len : ca < cb;
}

/*
 * Entity e sent its own map for partition part: a pending hand-over to
 * it is done, and a registration it answered just before was not a
 * Backup's.  A hand-over to another entity is settled too when e comes
 * before that one: the handing entity had not heard e yet (a partition
 * healing, an entity coming back), the one it named saw e and, as it
 * must, left the role to e -- an election, not a map naming the wrong
 * entity.
 */
static void
took_over(struct mars_check *c, int e, int part)
{
	size_t i;
	int pref = 1;

	for (i = 0; i < c->nhard; i++)
		if (c->hard[i].mars == e) {
			c->hard[i] = c->hard[--c->nhard];
			i--;
		}

	for (i = 0; i < c->nsoft; i++) {
		if (c->soft[i].head != e) {
			if (c->soft[i].part != part || c->soft[i].sender == e ||
			    (pref = preferred(c, part, e, c->soft[i].head)) == 0)
				continue;
			if (pref < 0)
				rule_unknown(c, MARS_CHECK_REDIRECT_SENDER_FIRST,
				    "another entity took over from the one a "
				    "soft map named, and which of them the "
				    "election prefers needs the cluster file "
				    "(-c)");
		}
		if (c->soft[i].head == e || pref > 0)
			rule_held(c, MARS_CHECK_REDIRECT_SENDER_FIRST);
		c->soft[i] = c->soft[--c->nsoft];
		i--;
	}
}

void
redirect_map(struct mars_check *c, struct msgctx *mc)
{
	const struct mars_msg *m = &mc->pdu->u.mars;
	struct mars_check_map_info *mi;
	struct mars_atm tha, tsa;
	int ent[MARS_CHECK_MAP_MAX];
	size_t n = 0, i;
	bool hard = (m->redirf & MARS_REDIRF_HARD) != 0, priv, flapped;
	uint8_t len;
	int part, s = mc->sender;

	if (s < 0)
		return;
	c->ent[s].maps++;
	/*
	 * Maps of more than one part are not put together: up to 32
	 * entities fit in one.  mar$seqxy 0 is the one part of the Windows
	 * 2000 server's maps (nonconforming, RFC 2022 §5.1.2, but whole).
	 */
	if (m->seqxy != 0 && ((m->seqxy & MARS_SEQ_PART) != 1 ||
	    !(m->seqxy & MARS_SEQ_LAST))) {
		rule_unknown(c, MARS_CHECK_REDIRECT_WHOLE_GROUP,
		    "a redirect map came in several parts");
		return;
	}
	for (i = 0; i < m->tnum && n < MARS_CHECK_MAP_MAX; i++) {
		mars_target(m, (unsigned)i, &tha, &tsa);
		len = tha.tl & MARS_ATM_TL_LEN;
		if (len == 0 || tha.addr == NULL)
			continue;
		if ((ent[n] = ent_by_atm(c, tha.addr, len)) < 0)
			ent[n] = ent_add(c, tha.addr, len, NULL);
		if (ent[n] >= 0)
			n++;
	}
	if (n == 0)
		return;
	priv = mc->vc == MARS_VC_P2P || (!mc->vc_known && hard);
	part = map_partition(c, s, ent, n, mc->us);

	if (rule_on(c, MARS_CHECK_REDIRECT_WHOLE_GROUP) ||
	    rule_on(c, MARS_CHECK_REDIRECT_ONLY_GROUP))
		check_group(c, mc, ent, n, part);
	flapped = !hard && ent[0] == s && mc->vc != MARS_VC_SCVC &&
	    view_flap(c, s, ent, n);
	if (!hard || ent[0] == s)
		check_living(c, mc, ent, n);
	if (mc->vc == MARS_VC_SCVC)
		return;		/* the same map again, for the MCSs */

	if (hard) {
		check_hard(c, mc, ent, n, part);
		return;
	}
	if (ent[0] == s) {
		active_claim(c, mc, part);
		took_over(c, s, part);
		rule_held(c, MARS_CHECK_REDIRECT_SENDER_FIRST);
		if (!priv && !flapped)
			check_stable(c, mc, ent, n, part);
		if (!priv)
			check_partition(c, mc, ent, n, part);
	} else
		handover(c, mc, ent[0], part);
	if (priv && ent[0] == s && c->has_map[part] &&
	    c->map[part].sender == s && !c->map[part].private_vc)
		return;	/* keep the ClusterControlVC map on show */
	mi = &c->map[part];
	memset(mi, 0, sizeof(*mi));
	mi->sender = s;
	mi->partition = part;
	mi->hard = hard;
	mi->private_vc = priv;
	mi->us = mc->us;
	mi->frame = mc->frame;
	mi->msn = m->msn;
	mi->n = n;
	memcpy(mi->entries, ent, n * sizeof(ent[0]));
	c->has_map[part] = true;
}

/*
 * A registration answered by s (cmi.c): a Backup must send the member
 * the Active's map, hard, at once (§3.2).
 */
void
redirect_registration(struct mars_check *c, struct msgctx *mc,
    const struct member *m)
{
	struct pend_hard *p;
	size_t part, i;
	bool any = false, backup = false;
	int s = mc->sender;

	if (!rule_on(c, MARS_CHECK_BACKUP_HARD_REDIRECT))
		return;
	if (s < 0) {
		rule_unknown(c, MARS_CHECK_BACKUP_HARD_REDIRECT,
		    "the MARS answering a registration could not be named");
		return;
	}
	for (part = 0; part < c->nparts; part++)
		if (active_of(c, (int)part, mc->us) >= 0)
			any = true;
	if (!any) {
		rule_unknown(c, MARS_CHECK_BACKUP_HARD_REDIRECT,
		    "no Active was known when a registration was answered");
		return;
	}
	/*
	 * An Active answers for itself -- also one whose claim overlaps
	 * another's (single-active judges that): it owes no hard redirect.
	 */
	if (is_active_anywhere(c, s, mc->us) || ent_claims(c, s, mc->us))
		return;
	/* A Backup: listed after the head in a living Active's map. */
	for (part = 0; part < c->nparts; part++) {
		if (active_of(c, (int)part, mc->us) < 0 || !c->has_map[part])
			continue;
		for (i = 1; i < c->map[part].n; i++)
			if (c->map[part].entries[i] == s)
				backup = true;
	}
	if (!backup) {
		rule_unknown(c, MARS_CHECK_BACKUP_HARD_REDIRECT,
		    "a registration was answered by an entity no map showed "
		    "as a Backup");
		return;
	}
	if (c->nhard >= PEND_HARD)
		return;
	p = &c->hard[c->nhard++];
	memset(p, 0, sizeof(*p));
	p->mars = s;
	p->to = mc->ev->dst;
	p->vc = mc->ev->vc.id;
	memcpy(p->atm, m->atm, m->atm_len);
	p->atm_len = m->atm_len;
	p->us = mc->us;
	p->frame = mc->frame;
}

/* Questions whose window has passed (or every open one at the end). */
void
redirect_settle(struct mars_check *c, uint64_t us, bool end)
{
	char who[64], h[64], mem[48];
	size_t i, k;

	settle_view(c, us, end);
	for (i = 0; i < c->nsoft; i++) {
		struct pend_soft *p = &c->soft[i];

		if (!end && us <= p->us + takeover_window(c))
			continue;
		if (view_dead(c, p->sender, p->head, us) ||
		    ent_known_dead(c, p->head, us) ||
		    c->ent[p->head].alive_since > p->us ||
		    c->ent[p->head].amnesic_us > p->us)
			rule_unknown(c, MARS_CHECK_REDIRECT_SENDER_FIRST,
			    "the entity a soft map named died (or restarted) "
			    "before it could take over");
		else if (us > p->us + takeover_window(c))
			finding(c, MARS_CHECK_REDIRECT_SENDER_FIRST, p->us,
			    p->sender, &p->frame, 1, "%s's soft map names %s "
			    "first, but %s did not take over within %.1f s",
			    ent_label(c, p->sender, who, sizeof(who)),
			    ent_label(c, p->head, h, sizeof(h)),
			    ent_label(c, p->head, h, sizeof(h)),
			    (double)takeover_window(c) / 1e6);
		else
			rule_unknown(c, MARS_CHECK_REDIRECT_SENDER_FIRST,
			    "the stream ends before the entity a soft map "
			    "names first could take over");
		c->soft[i] = c->soft[--c->nsoft];
		i--;
	}
	for (i = 0; i < c->nhard; i++) {
		struct pend_hard *p = &c->hard[i];

		if (!end && us <= p->us + hard_window(c))
			continue;
		if (us > p->us + hard_window(c)) {
			for (k = 0; k < p->atm_len && 2 * k + 2 < sizeof(mem);
			    k++)
				snprintf(mem + 2 * k, 3, "%02x", p->atm[k]);
			mem[2 * k] = '\0';
			finding(c, MARS_CHECK_BACKUP_HARD_REDIRECT, p->us,
			    p->mars, &p->frame, 1, "%s, a Backup, answered the "
			    "registration of %s but sent it no hard redirect "
			    "within %.1f s", ent_label(c, p->mars, who,
			    sizeof(who)), mem, (double)hard_window(c) / 1e6);
		} else
			rule_unknown(c, MARS_CHECK_BACKUP_HARD_REDIRECT,
			    "the stream ends right after a Backup answered a "
			    "registration");
		c->hard[i] = c->hard[--c->nhard];
		i--;
	}
}
