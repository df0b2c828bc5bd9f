/*
 * Conformance cases: the periodic MARS_REDIRECT_MAP (RFC 2022 §5.4.3,
 * §6.1.3) and, given the cluster file, the MARS Group of the seed draft
 * (draft-armitage-ion-mars-scsp-03 §3.2, §3.3, §3.5).
 *
 * A member registered at the start of the run (the watcher) keeps every
 * map the MARS sends on ClusterControlVC, with its arrival time, so
 * that the map cases, last in the catalogue, wait only for what the run
 * has not already shown: against a MARS sending a map a minute, a whole
 * run lasts about two minutes, not two per case.
 */
#include <stdio.h>
#include <string.h>

#include "mars/config.h"
#include "conform_int.h"

#define MAPS_MAX	64

/* One map as members see it: its parts reassembled (§5.4.3). */
struct map {
	mars_time_t	 at;		/* first part */
	const struct cf_msg *part[8];
	size_t		 nparts;
	bool		 complete;	/* x = 1 seen, parts in order */
	bool		 broken;	/* y out of sequence or 0 */
};

void
cf_watch_start(struct cf_run *r)
{
	struct cf_member *w;

	if (cf_member_new(r, &w, 0) != 0) {
		snprintf(r->watch_why, sizeof(r->watch_why), "%.500s", r->detail);
		return;
	}
	r->watch = w;
	if (cf_register(r, w, NULL) != 0) {
		snprintf(r->watch_why, sizeof(r->watch_why), "%.500s", r->detail);
		r->watch = NULL;
		cf_member_free(w);
		return;
	}
	r->watch_since = cf_now();
	/* From now on only maps: it joins no group, and keeping every
	 * copy of the run would cost memory for nothing. */
	w->keep_maps_only = true;
	cf_flush(w);
}

/* The maps the watcher has seen on ClusterControlVC, oldest first. */
static size_t
maps(const struct cf_run *r, struct map *mp, size_t max)
{
	const struct cf_msg *x;
	const struct mars_msg *mm;
	struct map *cur = NULL;
	size_t n = 0;
	unsigned y;

	for (x = r->watch->head; x != NULL; x = x->next) {
		if (x->kind != MARS_VC_CCVC || (mm = cf_mars(x)) == NULL ||
		    mm->op != MARS_REDIRECT_MAP)
			continue;
		y = mm->seqxy & MARS_SEQ_PART;
		if (cur == NULL || cur->complete || y <= 1 || cur->broken) {
			if (n == max)
				break;
			cur = &mp[n++];
			memset(cur, 0, sizeof(*cur));
			cur->at = x->at;
			cur->broken = y != 1;
		} else if (y != cur->nparts + 1)
			cur->broken = true;
		if (cur->nparts < 8)
			cur->part[cur->nparts++] = x;
		if (mm->seqxy & MARS_SEQ_LAST)
			cur->complete = true;
	}
	return n;
}

static bool
have_maps(void *arg)
{
	struct cf_run *r = arg;
	struct map mp[MAPS_MAX];
	size_t n = maps(r, mp, MAPS_MAX);

	return n >= r->want_maps;
}

/*
 * Wait, until map_wait has passed since the watcher registered, for the
 * watcher to hold `want` maps.  Returns how many it holds.
 */
static size_t
wait_maps(struct cf_run *r, size_t want, struct map *mp)
{
	r->want_maps = want;
	(void)cf_wait(r, r->watch_since + r->map_wait, have_maps, r);
	return maps(r, mp, MAPS_MAX);
}

static int
no_watch(struct cf_run *r)
{
	return cf_skip(r, "no member could stay registered to receive maps: "
	    "%s", r->watch_why);
}

static bool
same_atm(const struct mars_atm *a, const uint8_t *atm, uint8_t tl)
{
	return a->tl == tl && a->addr != NULL &&
	    memcmp(a->addr, atm, tl & MARS_ATM_TL_LEN) == 0;
}

/* Whether the map lists the ATM number atm/tl. */
static bool
map_lists(const struct map *m, const uint8_t *atm, uint8_t tl)
{
	struct mars_atm tha, tsa;
	const struct mars_msg *mm;
	size_t i;
	unsigned k;

	for (i = 0; i < m->nparts; i++) {
		mm = &m->part[i]->pdu.u.mars;
		for (k = 0; k < mm->tnum; k++) {
			mars_target(mm, k, &tha, &tsa);
			if (same_atm(&tha, atm, tl))
				return true;
		}
	}
	return false;
}

static size_t
map_count(const struct map *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->nparts; i++)
		n += m->part[i]->pdu.u.mars.tnum;
	return n;
}

/*
 * RFC 2022 §5.4.3: the source "MUST identify the originating MARS", the
 * parts are numbered as a MULTI's (§5.1.2: y from 1, x on the last);
 * §6.1.3: with no backups, its own address is the only entry -- in any
 * case the list names the sender, the MARS Group it belongs to.
 */
static int
judge_map(struct cf_run *r, const struct map *m, size_t i)
{
	const struct mars_msg *mm = &m->part[0]->pdu.u.mars;
	char d[200], a[48];
	size_t k;

	cf_describe(m->part[0], d, sizeof(d));
	for (k = 0; k < m->nparts; k++) {
		const struct mars_msg *p = &m->part[k]->pdu.u.mars;

		if (p->nonconf & MARS_NC_NULL_SOURCE)
			return cf_fail(r, "map %zu has a null mar$shtl (with "
			    "20 source octets in place): the source must "
			    "identify the originating MARS: %s", i + 1, d);
		if (p->nonconf & MARS_NC_SEQXY)
			return cf_fail(r, "map %zu has mar$seqxy 0x%04x: part "
			    "numbers y start at 1, a map in one part is "
			    "0x8001: %s", i + 1, p->seqxy, d);
		if (!m->part[k]->cksum_ok)
			return cf_fail(r, "map %zu's mar$chksum does not verify: "
			    "%s", i + 1, d);
	}
	if (m->broken)
		return cf_fail(r, "map %zu's parts are not numbered 1, 2, ... "
		    "(mar$seqxy 0x%04x first): %s", i + 1, mm->seqxy, d);
	if (mm->sha.tl == 0)
		return cf_fail(r, "map %zu has no source: %s", i + 1, d);
	if (mm->thtl == 0 || map_count(m) == 0)
		return cf_fail(r, "map %zu lists no MARS: %s", i + 1, d);
	if (!map_lists(m, mm->sha.addr, mm->sha.tl)) {
		cf_hex(mm->sha.addr, mm->sha.tl & MARS_ATM_TL_LEN, a, sizeof(a));
		return cf_fail(r, "map %zu, from %s, does not list its sender "
		    "(§6.1.3: a MARS with no backups is the only entry; with "
		    "backups it is one of them): %s", i + 1, a, d);
	}
	return 0;
}

int
cf_case_redirect_map(struct cf_run *r)
{
	struct map mp[MAPS_MAX];
	size_t n, i;
	int v;

	if (r->watch == NULL)
		return no_watch(r);
	if ((n = wait_maps(r, 1, mp)) == 0)
		return cf_fail(r, "no MARS_REDIRECT_MAP came on "
		    "ClusterControlVC in the %llu ms after registering (it "
		    "MUST come at least every 2 minutes)",
		    (unsigned long long)(cf_now() - r->watch_since));
	for (i = 0; i < n; i++)
		if ((v = judge_map(r, &mp[i], i)) != 0)
			return v;
	if (!mp[n - 1].complete)
		(void)wait_maps(r, n + 1, mp);
	return MARS_CONFORM_PASS;
}

/* §5.4.3, §6.1.3: "it MUST be transmitted at least every 2 minutes". */
int
cf_case_redirect_interval(struct cf_run *r)
{
	struct map mp[MAPS_MAX];
	mars_time_t gap, worst = 0, since;
	size_t n, i;

	if (r->watch == NULL)
		return no_watch(r);
	n = wait_maps(r, 2, mp);
	if (n == 0)
		return cf_fail(r, "no MARS_REDIRECT_MAP at all in the %llu ms "
		    "after registering", (unsigned long long)(cf_now() -
		    r->watch_since));
	if (mp[0].at - r->watch_since > CF_MAP_MAX_GAP)
		return cf_fail(r, "the first map came %llu ms after the member "
		    "registered (at most 2 minutes apart)",
		    (unsigned long long)(mp[0].at - r->watch_since));
	for (i = 1; i < n; i++) {
		gap = mp[i].at - mp[i - 1].at;
		if (gap > worst)
			worst = gap;
	}
	if (worst > CF_MAP_MAX_GAP)
		return cf_fail(r, "two maps came %llu ms apart (at most 2 "
		    "minutes)", (unsigned long long)worst);
	since = cf_now() - mp[n - 1].at;
	if (since > CF_MAP_MAX_GAP)
		return cf_fail(r, "no map for %llu ms since the last one",
		    (unsigned long long)since);
	if (n < 2)
		return cf_skip(r, "one map in the %llu ms waited: an interval "
		    "needs two (raise the map wait)",
		    (unsigned long long)(cf_now() - r->watch_since));
	return MARS_CONFORM_PASS;
}

/* ---- the MARS Group ---- */

struct group {
	const struct mars_cluster_conf *cc;
	int		 self;		/* entity of the MARS under test */
	size_t		 n;
	uint8_t		 ent[MARS_CONF_MARS_MAX];	/* the map must list */
};

/*
 * The MARS under test in the cluster file (by the sender of its maps,
 * else by endpoint) and the entities its map must name: all of them
 * (draft §3.5), or its partition's list under load sharing (§4.4).
 */
static int
group_of(struct cf_run *r, const struct map *m, struct group *g)
{
	const struct mars_cluster_conf *cc = r->conf->cluster;
	const struct mars_msg *mm;
	size_t i, k, p;

	memset(g, 0, sizeof(*g));
	g->cc = cc;
	g->self = -1;
	if (cc == NULL)
		return cf_skip(r, "no cluster file: the MARS Group is unknown");
	mm = m != NULL ? &m->part[0]->pdu.u.mars : NULL;
	for (i = 0; i < cc->n_mars && g->self < 0; i++)
		if (mm != NULL && same_atm(&mm->sha, cc->mars[i].atm,
		    cc->mars[i].atm_len))
			g->self = (int)i;
	for (i = 0; i < cc->n_mars && g->self < 0; i++)
		if (mars_endpoint_equal(&cc->mars[i].endpoint, &r->mars))
			g->self = (int)i;
	if (g->self < 0)
		return cf_skip(r, "the MARS under test is not an entity of the "
		    "cluster file (neither its ATM number nor its endpoint)");
	if (cc->n_partitions == 0) {
		g->n = cc->n_mars;
		for (i = 0; i < cc->n_mars; i++)
			g->ent[i] = (uint8_t)i;
		return 0;
	}
	for (p = 0; p < cc->n_partitions; p++)
		for (k = 0; k < cc->partitions[p].n_mars; k++)
			if (cc->partitions[p].mars[k] == g->self &&
			    (k == 0 || g->n == 0)) {
				g->n = cc->partitions[p].n_mars;
				memcpy(g->ent, cc->partitions[p].mars, g->n);
			}
	if (g->n == 0)
		return cf_skip(r, "the MARS under test is in no partition");
	return 0;
}

static int
cluster_map(struct cf_run *r, struct map *mp, size_t *n)
{
	if (r->conf->cluster == NULL)
		return cf_skip(r, "no cluster file: the MARS Group is unknown");
	if (r->watch == NULL)
		return no_watch(r);
	if ((*n = wait_maps(r, 1, mp)) == 0)
		return cf_skip(r, "cannot tell: no map in %llu ms",
		    (unsigned long long)(cf_now() - r->watch_since));
	return 0;
}

/* Draft §3.5: "MARS_REDIRECT_MAPs contain the entire MARS Group rather
 * than just the Living Group." */
int
cf_case_cluster_map_group(struct cf_run *r)
{
	struct map mp[MAPS_MAX];
	struct group g;
	const struct mars_cluster_conf *cc;
	struct mars_atm tha, tsa;
	const struct mars_msg *mm;
	size_t n, i, k, q;
	unsigned t;
	bool known;
	int v;

	if ((v = cluster_map(r, mp, &n)) != 0 || (v = group_of(r, &mp[0],
	    &g)) != 0)
		return v;
	cc = g.cc;
	for (i = 0; i < n; i++) {
		if (!mp[i].complete)
			continue;
		for (k = 0; k < g.n; k++)
			if (!map_lists(&mp[i], cc->mars[g.ent[k]].atm,
			    cc->mars[g.ent[k]].atm_len))
				return cf_fail(r, "map %zu from %s lists %zu "
				    "entities but not %s (dead entities stay "
				    "in the map, after the living)", i + 1,
				    cc->mars[g.self].name, map_count(&mp[i]),
				    cc->mars[g.ent[k]].name);
		for (q = 0; q < mp[i].nparts; q++) {
			mm = &mp[i].part[q]->pdu.u.mars;
			for (t = 0; t < mm->tnum; t++) {
				mars_target(mm, t, &tha, &tsa);
				known = false;
				for (k = 0; k < g.n; k++)
					if (same_atm(&tha, cc->mars[g.ent[k]]
					    .atm, cc->mars[g.ent[k]].atm_len))
						known = true;
				if (!known)
					return cf_fail(r, "map %zu from %s lists "
					    "a MARS that is not of its MARS "
					    "Group", i + 1,
					    cc->mars[g.self].name);
			}
		}
	}
	return MARS_CONFORM_PASS;
}

/* Draft §3.2: "The elected Active MARS will be listed first in the
 * MARS_REDIRECT_MAP"; §3.4: it stays first until it hands over. */
int
cf_case_cluster_map_first(struct cf_run *r)
{
	struct map mp[MAPS_MAX];
	struct group g;
	struct mars_atm tha, tsa;
	const struct mars_msg *mm;
	size_t n, i;
	int v;

	if ((v = cluster_map(r, mp, &n)) != 0 || (v = group_of(r, &mp[0],
	    &g)) != 0)
		return v;
	for (i = 0; i < n; i++) {
		mm = &mp[i].part[0]->pdu.u.mars;
		if (mm->tnum == 0)
			continue;
		mars_target(mm, 0, &tha, &tsa);
		if (!same_atm(&tha, mm->sha.addr, mm->sha.tl))
			return cf_fail(r, "map %zu from %s lists another MARS "
			    "first (a redirect away from the Active, or an "
			    "Active not listing itself first)", i + 1,
			    g.cc->mars[g.self].name);
	}
	return MARS_CONFORM_PASS;
}

/* The Active, as the first entry of the MARS under test's last map. */
static bool
active_of(const struct map *m, struct mars_atm *act)
{
	struct mars_atm tsa;
	const struct mars_msg *mm = &m->part[0]->pdu.u.mars;

	if (mm->tnum == 0)
		return false;
	mars_target(mm, 0, act, &tsa);
	return true;
}

static bool
match_map(const struct cf_msg *x, const void *arg)
{
	const struct mars_msg *mm = cf_mars(x);

	(void)arg;
	return mm != NULL && mm->op == MARS_REDIRECT_MAP &&
	    x->kind == MARS_VC_P2P;
}

/*
 * Draft §3.2: "Clients that attempt to register with a Backup MARS will
 * temporarily succeed.  However, the Backup MARS will immediately issue
 * its MARS_REDIRECT_MAP (with bit 7 of the mar$redirf flag set)" -- to
 * the elected Active, listed first.
 */
int
cf_case_cluster_backup_redirect(struct cf_run *r)
{
	struct map mp[MAPS_MAX];
	struct group g;
	struct mars_atm act, tha, tsa;
	struct cf_member *b;
	struct cf_msg *x;
	const struct mars_msg *mm;
	char dead[256] = "", d[200];
	size_t n, k, living = 0;
	int e, v;

	if ((v = cluster_map(r, mp, &n)) != 0 || (v = group_of(r, &mp[n - 1],
	    &g)) != 0)
		return v;
	if (!active_of(&mp[n - 1], &act) || !same_atm(&act,
	    g.cc->mars[g.self].atm, g.cc->mars[g.self].atm_len))
		return cf_skip(r, "the MARS under test is not the Active (its "
		    "map lists another first)");
	for (k = 0; k < g.n; k++) {
		e = g.ent[k];
		if (e == g.self)
			continue;
		if (cf_member_new_at(r, &b, 0, &g.cc->mars[e].endpoint) != 0)
			return cf_skip(r, "%s", r->detail);
		if (cf_register(r, b, NULL) != 0) {
			snprintf(dead + strlen(dead), sizeof(dead) -
			    strlen(dead), "%s%s (%.100s)", dead[0] ? ", " : "",
			    g.cc->mars[e].name, r->detail);
			continue;
		}
		living++;
		if ((x = cf_take(r, b, cf_deadline(r), match_map,
		    NULL)) == NULL)
			return cf_fail(r, "the Backup %s took a registration "
			    "and sent no redirect map within %llu ms",
			    g.cc->mars[e].name,
			    (unsigned long long)r->timeout);
		mm = cf_mars(x);
		cf_describe(x, d, sizeof(d));
		v = MARS_CONFORM_PASS;
		if (mm->tnum > 0)
			mars_target(mm, 0, &tha, &tsa);
		if (!(mm->redirf & MARS_REDIRF_HARD))
			v = cf_fail(r, "the Backup %s's redirect has mar$redirf "
			    "0x%02x: a soft redirect, not a hard one: %s",
			    g.cc->mars[e].name, mm->redirf, d);
		else if (mm->tnum == 0 || !same_atm(&tha, act.addr, act.tl))
			v = cf_fail(r, "the Backup %s's redirect does not list "
			    "the Active %s first: %s", g.cc->mars[e].name,
			    g.cc->mars[g.self].name, d);
		cf_msg_free(x);
		if (v != MARS_CONFORM_PASS)
			return v;
	}
	if (living == 0)
		return cf_skip(r, "no Backup of the MARS Group answered a "
		    "registration: %s", dead[0] ? dead : "there is none");
	return MARS_CONFORM_PASS;
}

/*
 * Draft §3.3: "the Active MARS MUST ensure that the Backup MARSs are
 * aware of the ATM addresses and CMIs of every cluster member", so that
 * a member registering with a Backup gets the CMI the Active gave it.
 */
int
cf_case_cluster_backup_cmi(struct cf_run *r)
{
	struct map mp[MAPS_MAX];
	struct group g;
	struct cf_member *a, *b;
	char dead[256] = "";
	size_t n, k, living = 0;
	int e, v;

	if ((v = cluster_map(r, mp, &n)) != 0 || (v = group_of(r, &mp[n - 1],
	    &g)) != 0)
		return v;
	if (cf_registered(r, &a) != 0)
		return cf_skip_unregistered(r);
	/* Replication to the Backups (RFC 2443) takes a moment. */
	cf_settle(r, r->timeout / 2);
	for (k = 0; k < g.n; k++) {
		e = g.ent[k];
		if (e == g.self)
			continue;
		if (cf_member_new_at(r, &b, 0, &g.cc->mars[e].endpoint) != 0)
			return cf_skip(r, "%s", r->detail);
		memcpy(b->atm, a->atm, sizeof(b->atm));
		b->atm_tl = a->atm_tl;
		if (cf_register(r, b, NULL) != 0) {
			snprintf(dead + strlen(dead), sizeof(dead) -
			    strlen(dead), "%s%s (%.100s)", dead[0] ? ", " : "",
			    g.cc->mars[e].name, r->detail);
			continue;
		}
		living++;
		if (b->cmi != a->cmi)
			return cf_fail(r, "the member registered with %s under "
			    "CMI %u; registering with the Backup %s it got CMI "
			    "%u", g.cc->mars[g.self].name, a->cmi,
			    g.cc->mars[e].name, b->cmi);
	}
	if (living == 0)
		return cf_skip(r, "no Backup of the MARS Group answered a "
		    "registration: %s", dead[0] ? dead : "there is none");
	return MARS_CONFORM_PASS;
}
