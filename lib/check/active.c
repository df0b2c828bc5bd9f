/*
 * Who is Active, partition by partition, and the epochs that makes
 * (draft §2, §3.2, §4.4): an entity that sends soft maps listing itself
 * first claims to be the Active MARS (Active Sub-MARS) of the partition
 * the map describes.  Rule single-active: one partition never has two
 * such claimants for longer than the election window.
 *
 * The partition of a map: with the cluster file, the partition whose
 * `mars =` list the map matches best (the whole MARS Group in the
 * fault-tolerant model).  Without it, maps that share an entity belong
 * together; when two entities claim one such set at once, the stream is
 * a load-sharing cluster whose partitions only the file can tell apart.
 */
#include <stdio.h>
#include <string.h>

#include "check_int.h"

uint64_t
interval_us(const struct mars_check *c)
{
	return c->interval_us;
}

/*
 * The typical gap between an entity's periodic maps: the median of the
 * last few (a hand-over or a restart makes a short one now and then).
 */
static uint64_t
median_gap(const struct ent *en)
{
	uint64_t v[GAPS_KEPT], t;
	unsigned n = en->ngaps < GAPS_KEPT ? en->ngaps : GAPS_KEPT, i, j;

	memcpy(v, en->gaps, n * sizeof(v[0]));
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n > 0 ? v[n / 2] : 0;
}

/* How long a claim lasts without a new map: 2.5 redirect intervals. */
static uint64_t
claim_life(const struct mars_check *c)
{
	uint64_t iv = interval_us(c);

	return iv != 0 ? iv * 5 / 2 : 150000000u;
}

/*
 * How long two Actives may overlap: the old one learns of the new one
 * within a dead window, then hands over at its next map.
 */
static uint64_t
election_window(const struct mars_check *c)
{
	uint64_t w = 2 * interval_us(c) + c->dead_us;

	return w > 1000000u ? w : 1000000u;
}

static bool
in_list(const uint8_t *list, size_t n, int conf)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == conf)
			return true;
	return false;
}

static bool
lists(const struct mars_check_map_info *m, int e)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->entries[i] == e)
			return true;
	return false;
}

/*
 * Without the file, partitions are lineages of Actives: a map belongs to
 * the partition its head is Active of (a Backup's hard map, an Active's
 * own map), else to the one its sender is Active of (a hand-over), else
 * -- a new claimant -- to a partition whose last map listed it, the one
 * whose Active is gone first (it took over), else to a new partition.
 * A claimant listed only by partitions whose Active is alive is a second
 * Active or a load-sharing pool's entity: only the file can tell.
 */
static int
inferred_partition(struct mars_check *c, int sender, int head, uint64_t us)
{
	size_t p;
	int alive = -1, gone = -1;

	for (p = 0; p < c->nparts; p++)
		if (active_of(c, (int)p, us) == head)
			return (int)p;
	for (p = 0; p < c->nparts; p++)
		if (active_of(c, (int)p, us) == sender)
			return (int)p;
	for (p = 0; p < c->nparts; p++) {
		if (!c->has_map[p] || !lists(&c->map[p], head))
			continue;
		if (active_of(c, (int)p, us) < 0) {
			if (gone < 0)
				gone = (int)p;
		} else if (alive < 0)
			alive = (int)p;
	}
	if (gone >= 0)
		return gone;
	if (alive >= 0) {
		/*
		 * What single-active held so far assumed one lineage; now
		 * the stream cannot tell.
		 */
		if (!c->multi_active)
			c->rule[MARS_CHECK_SINGLE_ACTIVE].checked =
			    c->rule[MARS_CHECK_SINGLE_ACTIVE].broken;
		c->multi_active = true;
		return alive;
	}
	if (c->nparts < MARS_CHECK_PART_MAX)
		c->nparts++;
	return (int)c->nparts - 1;
}

int
map_partition(struct mars_check *c, int sender, const int *ent, size_t n,
    uint64_t us)
{
	const struct mars_check_part_conf *pc;
	int best = 0, score, best_score = -1000;
	size_t p, i;

	if (n == 0)
		return 0;
	if (!c->conf.has_cluster)
		return inferred_partition(c, sender, ent[0], us);
	if (c->conf.n_partitions == 0)
		return 0;
	for (p = 0; p < c->conf.n_partitions; p++) {
		pc = &c->conf.partitions[p];
		score = 0;
		for (i = 0; i < n; i++) {
			if (ent[i] < 0 || c->ent[ent[i]].conf < 0 ||
			    !in_list(pc->mars, pc->n_mars, c->ent[ent[i]].conf))
				score -= 1;
			else
				score += i == 0 ? 100 : 2;
		}
		if (score > best_score) {
			best_score = score;
			best = (int)p;
		}
	}
	return best;
}

int
active_of(const struct mars_check *c, int part, uint64_t us)
{
	if (part < 0 || (size_t)part >= c->nparts || c->active[part] < 0)
		return -1;
	if (us > c->active_us[part] + claim_life(c))
		return -1;
	return c->active[part];
}

bool
is_active_anywhere(const struct mars_check *c, int e, uint64_t us)
{
	size_t p;

	for (p = 0; p < c->nparts; p++)
		if (active_of(c, (int)p, us) == e)
			return true;
	return false;
}

/*
 * e itself claims to be an Active at us: its own maps come, though
 * another claimant may have sent the latest (two Actives within the
 * election window, an entity resumed after a hang, say).
 */
bool
ent_claims(const struct mars_check *c, int e, uint64_t us)
{
	const struct ent *en = &c->ent[e];

	return en->last_own_us != 0 && en->last_own_us >= en->handed_us &&
	    us <= en->last_own_us + claim_life(c);
}

int
current_epoch(const struct mars_check *c, int part)
{
	if (part < 0 || (size_t)part >= c->nparts)
		return -1;
	return c->cur_epoch[part];
}

static void
new_epoch(struct mars_check *c, int part, int e, uint64_t us, uint64_t frame)
{
	struct epoch *ep;

	c->prev_active[part] = c->active[part];
	c->changed_us[part] = us;
	c->active[part] = e;
	if (c->nepoch >= EPOCH_MAX) {
		c->epoch_dropped++;
		c->cur_epoch[part] = -1;
		return;
	}
	ep = &c->epoch[c->nepoch];
	memset(ep, 0, sizeof(*ep));
	ep->part = part;
	ep->active = e;
	ep->start_us = us;
	ep->end_us = us;
	ep->frame = frame;
	c->cur_epoch[part] = (int)c->nepoch++;
}

/*
 * A soft map on a pt-mpt or private VC that names its sender first: the
 * sender claims partition part.
 */
void
active_claim(struct mars_check *c, struct msgctx *mc, int part)
{
	struct ent *en = &c->ent[mc->sender], *o;
	uint64_t us = mc->us, gap, start, since, fr[2];
	char a[64], b[64];
	size_t i;
	int e = mc->sender;

	if (part < 0 || (size_t)part >= c->nparts)
		return;
	/*
	 * The redirect interval, when the file does not give it: the
	 * shortest gap between two periodic maps (ClusterControlVC; private
	 * maps go out at registrations, whenever).
	 */
	if (mc->vc == MARS_VC_CCVC && en->last_ccvc_us != 0 &&
	    us > en->last_ccvc_us + 50000) {
		gap = us - en->last_ccvc_us;
		en->gaps[en->ngaps++ % GAPS_KEPT] = gap;
		en->own_gap_us = median_gap(en);
		if (c->conf.redirect_interval == 0 &&
		    en->own_gap_us > c->interval_us)
			c->interval_us = en->own_gap_us;
	}
	if (en->last_own_us == 0 || us > en->last_own_us + claim_life(c))
		en->own_run_us = us;
	en->last_own_us = us;
	if (mc->vc == MARS_VC_CCVC)
		en->last_ccvc_us = us;
	en->own_part = part;
	if (c->first_map_us == 0)
		c->first_map_us = us;

	/* single-active: anybody else claiming the same partition now? */
	for (i = 0; i < c->nent; i++) {
		o = &c->ent[i];
		if ((int)i == e || o->alias >= 0 || o->own_part != part ||
		    o->last_own_us == 0 || o->last_own_us + claim_life(c) < us)
			continue;
		if (!c->conf.has_cluster)
			continue;	/* map_partition() said */
		start = o->own_run_us > en->own_run_us ? o->own_run_us :
		    en->own_run_us;
		if (us - start <= election_window(c) ||
		    c->single_warned[i] == e + 1)
			continue;
		/*
		 * Two Actives that cannot see each other are the two sides
		 * of a network partition, each alone with its members
		 * (redund.h): the election can only begin once each has the
		 * other in its Living Group (view.c).
		 */
		if (!view_visible(c, e) || !view_visible(c, (int)i)) {
			rule_unknown(c, MARS_CHECK_SINGLE_ACTIVE, "two "
			    "entities send maps as the Active at once, and "
			    "whether they could see each other needs the "
			    "inter-server (SCSP) traffic they receive");
			continue;
		}
		if (!view_mutual(c, e, (int)i, us, &since))
			continue;
		if (since > start)
			start = since;
		/*
		 * The loser hands over once their caches are aligned (§3.4),
		 * which loss may hold up for CA retransmissions: the window
		 * runs from the alignment, when the stream shows it.
		 */
		if (liveness_visible(c) && (since = sync_done_at(c, e,
		    (int)i)) != 0 && since > start)
			start = since;
		else if (liveness_visible(c) && since == 0) {
			rule_unknown(c, MARS_CHECK_SINGLE_ACTIVE, "two "
			    "Actives see each other but have not finished "
			    "aligning their caches");
			continue;
		}
		if (us - start <= election_window(c))
			continue;
		c->single_warned[i] = e + 1;
		c->single_warned[e] = (int)i + 1;
		fr[0] = mc->frame;
		fr[1] = 0;
		finding(c, MARS_CHECK_SINGLE_ACTIVE, us, e, fr, 1,
		    "%s and %s both send maps as the Active of partition %s "
		    "for %.1f s", ent_label(c, (int)i, a, sizeof(a)),
		    ent_label(c, e, b, sizeof(b)),
		    mars_check_partition_name(c, (size_t)part),
		    (double)(us - start) / 1e6);
	}
	if (c->multi_active)
		rule_unknown(c, MARS_CHECK_SINGLE_ACTIVE, "several entities "
		    "send maps at once: the cluster file (-c) tells a "
		    "load-sharing cluster's partitions apart");
	else
		rule_held(c, MARS_CHECK_SINGLE_ACTIVE);

	if (c->active[part] != e)
		new_epoch(c, part, e, us, mc->frame);
	c->claimed[part] = true;
	c->active_us[part] = us;
	if (c->cur_epoch[part] >= 0) {
		c->epoch[c->cur_epoch[part]].end_us = us;
		c->epoch[c->cur_epoch[part]].maps++;
	}
}

/*
 * A soft map from the partition's Active naming another entity first
 * hands the partition over (draft §3.4): the named one is the Active to
 * be, even before its first map.
 */
void
active_handover(struct mars_check *c, struct msgctx *mc, int part, int to)
{
	if (part < 0 || (size_t)part >= c->nparts || to < 0)
		return;
	if (mc->sender >= 0)
		c->ent[mc->sender].handed_us = mc->us;
	if (active_of(c, part, mc->us) != mc->sender)
		return;
	new_epoch(c, part, to, mc->us, mc->frame);
	c->claimed[part] = false;
	c->active_us[part] = mc->us;
}

size_t
mars_check_epoch_count(const struct mars_check *c)
{
	return c->nepoch;
}

bool
mars_check_epoch(const struct mars_check *c, size_t i,
    struct mars_check_epoch_info *out)
{
	const struct epoch *ep;

	if (i >= c->nepoch)
		return false;
	ep = &c->epoch[i];
	memset(out, 0, sizeof(*out));
	out->partition = ep->part;
	out->active = ent_canon(c, ep->active);
	out->start_us = ep->start_us;
	out->end_us = ep->end_us;
	out->first_frame = ep->frame;
	out->maps = ep->maps;
	return true;
}

size_t
mars_check_partition_count(const struct mars_check *c)
{
	return c->nparts;
}

const char *
mars_check_partition_name(const struct mars_check *c, size_t p)
{
	static const char *const inferred[] = {
		"cluster", "2", "3", "4", "5", "6", "7", "8",
	};

	if (c->conf.has_cluster && c->conf.n_partitions > 0)
		return p < c->conf.n_partitions ? c->conf.partitions[p].name :
		    "?";
	if (c->conf.has_cluster || c->nparts == 1)
		return "cluster";
	if (p < sizeof(inferred) / sizeof(inferred[0]))
		return p == 0 ? "1" : inferred[p];
	return "?";
}

bool
mars_check_current_map(const struct mars_check *c, size_t p,
    struct mars_check_map_info *out)
{
	size_t i;

	if (p >= c->nparts || !c->has_map[p])
		return false;
	*out = c->map[p];
	out->sender = out->sender >= 0 ? ent_canon(c, out->sender) : -1;
	for (i = 0; i < out->n; i++)
		out->entries[i] = out->entries[i] >= 0 ?
		    ent_canon(c, out->entries[i]) : -1;
	return true;
}
