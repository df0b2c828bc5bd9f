/*
 * Replication (RFC 2443 §5, redund.h "Replication"): the records an
 * entity originates for what it holds over its own VCs, kept in step with
 * its server database, and the remote records applied to it.
 *
 * Keeping in step is incremental: the server notes the members and MCSs
 * whose exported state may have changed (mars_server_changes), and a
 * publish re-exports only those, in the order a whole export would list
 * them, then withdraws their records that are no longer exported, in the
 * order of our list.  A whole reconcile (every record of the database
 * looked up among ours) is left for when the notes cannot tell: the first
 * publish, a change of the maps we originate (an election), records of a
 * previous incarnation, a lost note, a withdrawn record due for purging,
 * and every RECONCILE_EVERY as a safety net.  Both ways originate the
 * same records in the same order.
 */
#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mars/err.h"
#include "mars/redund.h"
#include "mars/scspfsm.h"
#include "mars/server.h"

#include "redund_int.h"

/* What a withdrawn record of ours is kept for: the CMI hold (server.h). */
#define HOLD_DEFAULT	(30 * 60 * 1000)
/* The whole reconcile that backs the incremental one up. */
#define RECONCILE_EVERY	(60 * 1000)

static mars_time_t
hold(const struct mars_redund *r)
{
	return r->conf.cmi_hold != 0 ? r->conf.cmi_hold : HOLD_DEFAULT;
}

static void
originate(struct mars_redund *r, struct pub *pb)
{
	size_t len;
	int rc;

	if (!pb->rec.live && pb->gone == MARS_TIME_NEVER)
		pb->gone = r->now;
	else if (pb->rec.live)
		pb->gone = MARS_TIME_NEVER;
	if ((rc = mars_redund_rec_encode(&pb->rec, r->pro, r->body,
	    sizeof(r->body), &len)) != 0) {
		redund_error(r, MARS_REDUND_ERR_ENCODE, rc,
		    "a record of ours does not encode");
		return;
	}
	if ((rc = mars_scsp_originate(r->scsp, r->now, pb->key,
	    sizeof(pb->key), r->body, (uint16_t)len, NULL)) != 0)
		redund_error(r, MARS_REDUND_ERR_ORIGINATE, rc,
		    "SCSP refused to originate a record of ours");
}

static void
withdraw(struct mars_redund *r, struct pub *pb)
{
	int rc;

	if ((rc = mars_scsp_withdraw(r->scsp, r->now, pb->key,
	    sizeof(pb->key))) != 0)
		redund_error(r, MARS_REDUND_ERR_ORIGINATE, rc,
		    "SCSP refused to withdraw a record of ours");
}

static bool
rec_differs(const struct mars_redund_rec *a, const struct mars_redund_rec *b)
{
	return a->live != b->live || a->cmi != b->cmi ||
	    a->layer3grp != b->layer3grp || a->spa_len != b->spa_len ||
	    memcmp(a->spa, b->spa, a->spa_len) != 0 ||
	    memcmp(&a->atm, &b->atm, sizeof(a->atm)) != 0;
}

/*
 * Every publish looks each record of the database up among ours, so
 * the lookup is a hash of the record's identity (what
 * mars_redund_rec_same() compares), not a walk of the list: an entity
 * with thousands of members would otherwise spend its time here.
 */
static uint32_t
mix(uint32_t h, const uint8_t *p, size_t n)
{
	while (n-- > 0)
		h = (h ^ *p++) * 16777619u;	/* FNV-1a */
	return h;
}

/*
 * Members' ATM numbers share their leading octets (one prefix per
 * switch), so the identity is hashed from where they differ: the last
 * octets of the number, and the group for group records.  Records that
 * hash alike are told apart by mars_redund_rec_same().
 */
static uint32_t
rec_hash(const struct mars_redund_rec *rec)
{
	const struct mars_server_atm *a = &rec->atm;
	size_t n = a->tl & MARS_ATM_TL_LEN, tail = n < 8 ? n : 8;
	uint32_t h = 2166136261u ^ rec->cls;

	h = mix(h, a->addr + n - tail, tail);
	switch (rec->cls) {
	case MARS_REDUND_K_GROUP:
	case MARS_REDUND_K_SERVE:
		h = mix(h, rec->min, rec->grp_len);
		break;
	case MARS_REDUND_K_BLOCK:
		h = mix(h, rec->min, rec->grp_len);
		h = mix(h, rec->max, rec->grp_len);
		break;
	case MARS_REDUND_K_MAP:
		h = mix(h, (const uint8_t *)&rec->cmi, sizeof(rec->cmi));
		break;
	default:
		break;
	}
	return h;
}

/* The owner's address alone: what an incremental publish looks up. */
static uint32_t
atm_hash(const struct mars_server_atm *a)
{
	size_t n = a->tl & MARS_ATM_TL_LEN, tail = n < 8 ? n : 8;

	return mix(2166136261u, a->addr + n - tail, tail);
}

/* Index record i by identity (open addressing) and by address (chains). */
static void
index_put(struct mars_redund *r, size_t i)
{
	size_t mask = r->capidx - 1, at = rec_hash(&r->pub[i].rec) & mask;
	uint32_t *head;

	while (r->pidx[at] != 0)
		at = (at + 1) & mask;
	r->pidx[at] = (uint32_t)i + 1;
	head = &r->aidx[atm_hash(&r->pub[i].rec.atm) & mask];
	r->pub[i].anext = *head;
	*head = (uint32_t)i + 1;
}

/* Index every record again: after the list grew or lost records. */
static int
index_rebuild(struct mars_redund *r)
{
	size_t cap = 64, i;
	uint32_t *np, *na;

	while (cap < 2 * r->cappub)
		cap *= 2;
	if (cap != r->capidx) {
		np = calloc(cap, sizeof(*np));
		na = calloc(cap, sizeof(*na));
		if (np == NULL || na == NULL) {
			free(np);
			free(na);
			return MARS_E_NOSPACE;
		}
		free(r->pidx);
		free(r->aidx);
		r->pidx = np;
		r->aidx = na;
		r->capidx = cap;
	} else {
		memset(r->pidx, 0, cap * sizeof(*r->pidx));
		memset(r->aidx, 0, cap * sizeof(*r->aidx));
	}
	for (i = 0; i < r->npub; i++)
		index_put(r, i);
	return 0;
}

static struct pub *
pub_find(struct mars_redund *r, const struct mars_redund_rec *rec)
{
	size_t mask, at;
	uint32_t slot;

	if (r->capidx == 0)
		return NULL;
	mask = r->capidx - 1;
	for (at = rec_hash(rec) & mask; (slot = r->pidx[at]) != 0;
	    at = (at + 1) & mask)
		if (mars_redund_rec_same(&r->pub[slot - 1].rec, rec))
			return &r->pub[slot - 1];
	return NULL;
}

/*
 * A number of ours in use, or a previous incarnation's (redund_on_update):
 * the ones we give are past it, so that no new fact takes its key.
 */
static void
key_past(struct mars_redund *r, uint8_t cls, const uint8_t *key)
{
	uint32_t num = (uint32_t)key[1] << 16 | (uint32_t)key[2] << 8 | key[3];

	if (cls != MARS_REDUND_K_MAP && num >= r->next_key)
		r->next_key = (num + 1) & 0xffffff;
}

static struct pub *
pub_add(struct mars_redund *r, const struct mars_redund_rec *rec,
    const uint8_t *key)
{
	struct pub *np, *pb;
	size_t cap;

	if (r->npub == r->cappub) {
		cap = r->cappub ? r->cappub * 2 : 32;
		if ((np = realloc(r->pub, cap * sizeof(*np))) == NULL)
			return NULL;
		r->pub = np;
		r->cappub = cap;
	}
	if (2 * r->cappub > r->capidx && index_rebuild(r) != 0)
		return NULL;
	pb = &r->pub[r->npub++];
	memset(pb, 0, sizeof(*pb));
	pb->rec = *rec;
	pb->gone = MARS_TIME_NEVER;
	if (key != NULL) {
		memcpy(pb->key, key, sizeof(pb->key));
		key_past(r, rec->cls, key);
	} else {
		pb->key[0] = rec->cls;
		pb->key[1] = (uint8_t)(r->next_key >> 16);
		pb->key[2] = (uint8_t)(r->next_key >> 8);
		pb->key[3] = (uint8_t)r->next_key;
		r->next_key = (r->next_key + 1) & 0xffffff;
	}
	index_put(r, r->npub - 1);
	return pb;
}

static int
want(void *ctx, const struct mars_redund_rec *rec)
{
	struct mars_redund *r = ctx;
	struct pub *pb;

	if ((pb = pub_find(r, rec)) == NULL) {
		if ((pb = pub_add(r, rec, NULL)) == NULL)
			return MARS_E_NOSPACE;
		pb->mark = true;
		originate(r, pb);
		return 0;
	}
	pb->mark = true;
	if (rec_differs(&pb->rec, rec)) {
		pb->rec = *rec;
		originate(r, pb);
	}
	return 0;
}

/* Heartbeat, and the entries of the maps we send (state 1). */
static void
publish_fixed(struct mars_redund *r)
{
	struct mars_redund_rec rec;
	struct pub *pb;
	size_t p, k;
	int rc;

	memset(&rec, 0, sizeof(rec));
	rec.cls = MARS_REDUND_K_HEARTBEAT;
	rec.live = true;
	rec.atm = redund_entity_atm(r, r->self);
	if ((rc = want(r, &rec)) != 0)
		redund_error(r, MARS_REDUND_ERR_EXPORT, rc, "heartbeat record");
	for (p = 0; p < r->nparts; p++) {
		if (r->active[p] != (int)r->self)
			continue;
		for (k = 0; k < r->maplen[p]; k++) {
			memset(&rec, 0, sizeof(rec));
			rec.cls = MARS_REDUND_K_MAP;
			rec.live = true;
			rec.cmi = (uint16_t)(((p + 1) << 8) | k);
			rec.atm = redund_entity_atm(r, r->map[p][k]);
			if ((pb = pub_find(r, &rec)) == NULL) {
				uint8_t key[4] = { MARS_REDUND_K_MAP,
				    (uint8_t)(p + 1), 0, (uint8_t)k };
				if ((pb = pub_add(r, &rec, key)) == NULL) {
					redund_error(r, MARS_REDUND_ERR_EXPORT,
					    MARS_E_NOSPACE, "map entry record");
					continue;
				}
				originate(r, pb);
			} else if (rec_differs(&pb->rec, &rec)) {
				pb->rec = rec;
				originate(r, pb);
			}
			pb->mark = true;
		}
	}
}

/* The maps publish_fixed() originated, to tell when they change. */
static void
maps_keep(struct mars_redund *r)
{
	memcpy(r->pub_active, r->active, sizeof(r->pub_active));
	memcpy(r->pub_map, r->map, sizeof(r->pub_map));
	memcpy(r->pub_maplen, r->maplen, sizeof(r->pub_maplen));
}

static bool
maps_changed(const struct mars_redund *r)
{
	bool ours, was;
	size_t p;

	for (p = 0; p < r->nparts; p++) {
		ours = r->active[p] == (int)r->self;
		was = r->pub_active[p] == (int)r->self;
		if (ours != was || (ours && (r->maplen[p] != r->pub_maplen[p] ||
		    memcmp(r->map[p], r->pub_map[p], r->maplen[p]) != 0)))
			return true;
	}
	return false;
}

/*
 * The whole reconcile: every record of the database looked up among
 * ours, then each of ours that was not found withdrawn (a map entry
 * dropped), a record of a previous incarnation re-originated, a
 * withdrawn one purged when due.
 */
static void
publish_full(struct mars_redund *r)
{
	struct pub *pb;
	size_t i;
	bool removed = false;
	int rc;

	for (i = 0; i < r->npub; i++)
		r->pub[i].mark = false;
	publish_fixed(r);
	if ((rc = mars_redund_rec_export(r->srv, want, r)) != 0)
		redund_error(r, MARS_REDUND_ERR_EXPORT, rc,
		    "our database could not be listed");
	r->next_purge = MARS_TIME_NEVER;
	for (i = 0; i < r->npub; ) {
		pb = &r->pub[i];
		if (pb->dirty) {
			pb->dirty = false;
			originate(r, pb);
		}
		if (!pb->mark && !pb->rec.live && pb->gone != MARS_TIME_NEVER) {
			/*
			 * RFC 2334 B.2.0.2: a record withdrawn (state 4/5)
			 * long enough ago that every entity applied it and
			 * the CMI hold ran out is purged from the group (N
			 * bit); SCSP then drops the tombstone (scspfsm.h).
			 */
			if (r->now - pb->gone >= hold(r)) {
				withdraw(r, pb);
				r->purged++;
				r->pub[i] = r->pub[--r->npub];
				removed = true;
				continue;
			}
			if (pb->gone + hold(r) < r->next_purge)
				r->next_purge = pb->gone + hold(r);
		}
		if (pb->mark || !pb->rec.live) {
			i++;
			continue;
		}
		if (pb->rec.cls == MARS_REDUND_K_MAP) {
			withdraw(r, pb);
			r->pub[i] = r->pub[--r->npub];
			removed = true;
			continue;
		}
		pb->rec.live = false;
		originate(r, pb);
		if (pb->gone + hold(r) < r->next_purge)
			r->next_purge = pb->gone + hold(r);
		i++;
	}
	/* Records moved in the list: their slots in the index are stale. */
	if (removed && index_rebuild(r) != 0)
		redund_error(r, MARS_REDUND_ERR_EXPORT, MARS_E_NOSPACE,
		    "the index of our records");
	maps_keep(r);
	mars_server_changes_clear(r->srv);
	r->full = false;
	r->next_full = r->now + RECONCILE_EVERY;
}

static bool
same_atm(const struct mars_server_atm *a, const struct mars_server_atm *b)
{
	size_t n = a->tl & MARS_ATM_TL_LEN, m = a->sub_tl & MARS_ATM_TL_LEN;

	return a->tl == b->tl && a->sub_tl == b->sub_tl &&
	    memcmp(a->addr, b->addr, n) == 0 && memcmp(a->sub, b->sub, m) == 0;
}

/* Record i is one of the owner's: its registration or one of its joins
 * (a member), its registration or a served group (an MCS). */
static bool
owned(const struct mars_redund *r, size_t i, const struct owner *o)
{
	uint8_t cls = r->pub[i].rec.cls;

	if (o->mcs ? cls != MARS_REDUND_K_MCS && cls != MARS_REDUND_K_SERVE :
	    cls != MARS_REDUND_K_REGISTER && cls != MARS_REDUND_K_GROUP &&
	    cls != MARS_REDUND_K_BLOCK)
		return false;
	return same_atm(&r->pub[i].rec.atm, &o->atm);
}

/* Members before MCSs, each in the server's order: a whole export's. */
static int
owner_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	if (x->mcs != y->mcs)
		return x->mcs ? 1 : -1;
	if (x->handle != y->handle)
		return x->handle < y->handle ? -1 : 1;
	return memcmp(&x->atm, &y->atm, sizeof(x->atm));
}

static int
index_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The noted owners, sorted and each once; -1 when out of memory. */
static ssize_t
owners(struct mars_redund *r)
{
	const struct mars_server_change *ch;
	struct mars_server_member_info mi;
	struct mars_server_mcs_info ci;
	struct owner *o;
	size_t n, i, k;
	uint32_t cur;
	bool lost;
	void *np;

	n = mars_server_changes(r->srv, &ch, &lost);
	if (lost)
		return -1;
	if (n > r->capown) {
		if ((np = realloc(r->own, n * sizeof(*r->own))) == NULL)
			return -1;
		r->own = np;
		r->capown = n;
	}
	for (i = 0; i < n; i++) {
		o = &r->own[i];
		o->atm = ch[i].atm;
		o->mcs = ch[i].mcs;
		o->handle = UINT32_MAX;
		if (!o->mcs) {
			if (mars_server_member_find(r->srv, &o->atm, &mi))
				o->handle = mi.handle;
			continue;
		}
		cur = 0;
		while (mars_server_mcs_next(r->srv, &cur, &ci))
			if (same_atm(ci.atm, &o->atm)) {
				o->handle = ci.handle;
				break;
			}
	}
	if (n > 1)
		qsort(r->own, n, sizeof(*r->own), owner_cmp);
	for (i = k = 0; i < n; i++)
		if (k == 0 || owner_cmp(&r->own[k - 1], &r->own[i]) != 0)
			r->own[k++] = r->own[i];
	return (ssize_t)k;
}

/*
 * The incremental reconcile: only the noted owners are exported again;
 * their records that were not found are withdrawn (state 4/5), in the
 * order of our list, as publish_full() would.
 */
static int
publish_changes(struct mars_redund *r)
{
	ssize_t nown;
	size_t i, k, nstale = 0, mask;
	uint32_t at, *np;
	struct pub *pb;
	int rc;

	if ((nown = owners(r)) < 0)
		return MARS_E_NOSPACE;
	publish_fixed(r);
	for (k = 0; k < (size_t)nown; k++) {
		mask = r->capidx - 1;
		at = r->aidx[atm_hash(&r->own[k].atm) & mask];
		for (; at != 0; at = r->pub[at - 1].anext)
			if (owned(r, at - 1, &r->own[k]))
				r->pub[at - 1].mark = false;
		if ((rc = mars_redund_rec_export_one(r->srv, &r->own[k].atm,
		    r->own[k].mcs, want, r)) != 0)
			redund_error(r, MARS_REDUND_ERR_EXPORT, rc,
			    "our database could not be listed");
		mask = r->capidx - 1;		/* want() may have grown it */
		at = r->aidx[atm_hash(&r->own[k].atm) & mask];
		for (; at != 0; at = r->pub[at - 1].anext) {
			pb = &r->pub[at - 1];
			if (pb->mark || !pb->rec.live || !owned(r, at - 1,
			    &r->own[k]))
				continue;
			if (nstale == r->capstale) {
				np = realloc(r->stale, (r->capstale ?
				    r->capstale * 2 : 64) * sizeof(*np));
				if (np == NULL)
					return MARS_E_NOSPACE;
				r->stale = np;
				r->capstale = r->capstale ? r->capstale * 2 : 64;
			}
			r->stale[nstale++] = at - 1;
		}
	}
	if (nstale > 1)
		qsort(r->stale, nstale, sizeof(*r->stale), index_cmp);
	for (i = 0; i < nstale; i++) {
		pb = &r->pub[r->stale[i]];
		pb->rec.live = false;
		originate(r, pb);
		if (pb->gone + hold(r) < r->next_purge)
			r->next_purge = pb->gone + hold(r);
	}
	mars_server_changes_clear(r->srv);
	return 0;
}

/* Make what we originate match what we hold (redund.h, Replication). */
void
redund_publish(struct mars_redund *r)
{
	if (!r->started || r->in_update)
		return;
	if (!r->tracking) {
		mars_server_track_changes(r->srv, true);
		r->tracking = true;
		r->full = true;
	}
	if (r->full || r->full_always || maps_changed(r) ||
	    r->now >= r->next_full || r->now >= r->next_purge ||
	    publish_changes(r) != 0)
		publish_full(r);
}

void
redund_publish_free(struct mars_redund *r)
{
	free(r->pub);
	free(r->pidx);
	free(r->aidx);
	free(r->own);
	free(r->stale);
}

/*
 * Another live record for the same fact (a leave is then not applied):
 * another originator's, or the same originator's under another key -- a
 * restarted entity's record of the fact beside its previous
 * incarnation's withdrawn one, which may come after it.  A registration
 * is also held by another originator's live join of the member: the join
 * says the member is registered there (mars_redund_rec_apply), and its
 * registration record may come later in the same CSU, after the join
 * was applied -- a deregistration now would take that membership with it.
 */
static bool
held_elsewhere(const struct mars_redund *r, const struct mars_redund_rec *rec,
    const struct mars_scsp_id *oid, const struct mars_scsp_id *key)
{
	struct mars_scsp_entry_view v;
	struct mars_redund_rec o;
	size_t i;
	bool other, by_join;

	for (i = 0; mars_scsp_cache_get(r->scsp, i, &v); i++) {
		if (v.null || v.key.len != MARS_SCSP_MARS_ID_LEN)
			continue;
		other = mars_scsp_id_cmp(&v.oid, oid) != 0;
		by_join = rec->cls == MARS_REDUND_K_REGISTER &&
		    v.key.p[0] == MARS_REDUND_K_GROUP && other;
		if ((v.key.p[0] != rec->cls && !by_join) ||
		    (!other && mars_scsp_id_cmp(&v.key, key) == 0))
			continue;
		if (mars_redund_rec_decode(&o, v.key.p[0], v.body,
		    v.body_len) != 0 || !o.live)
			continue;
		if (by_join ? mars_redund_rec_same_member(&o, rec) :
		    mars_redund_rec_same(&o, rec))
			return true;
	}
	return false;
}

/*
 * Another originator says it serves a member or MCS attached to us.  A
 * Backup (or an Active of other partitions) lets it go: it moved there.
 * The Active of its partition keeps it: that record is older news.
 */
static bool
keeps_own(const struct mars_redund *r, const struct mars_redund_rec *rec)
{
	struct mars_server_member_info mi;
	struct mars_server_mcs_info ci;
	uint32_t cur = 0;

	if (rec->cls == MARS_REDUND_K_REGISTER)
		return mars_server_member_find(r->srv, &rec->atm, &mi) &&
		    mi.registered && mi.vc_id != 0 &&
		    r->active[redund_member_part(r, mi.cmi, false)] == (int)r->self;
	if (rec->cls != MARS_REDUND_K_MCS || r->nactive == 0)
		return false;
	while (mars_server_mcs_next(r->srv, &cur, &ci))
		if (memcmp(ci.atm, &rec->atm, sizeof(rec->atm)) == 0)
			return ci.vc_id != 0;
	return false;
}

void
redund_on_update(void *ctx, const struct mars_scsp_update *u)
{
	struct mars_redund *r = ctx;
	struct mars_server_member_info mi;
	struct mars_redund_rec rec;
	struct pub *pb;
	bool held;
	int rc;

	if (u->key.len != MARS_SCSP_MARS_ID_LEN)
		return;
	if (u->kind == MARS_SCSP_UPD_REMOVED) {
		/*
		 * Purged (N bit) while we held it live: we missed the
		 * state 4/5 record (partitioned, say), so the purge is the
		 * leave.  A purged state 4/5 record was applied already.
		 */
		if (u->own || u->old_body == NULL ||
		    mars_redund_rec_decode(&rec, u->key.p[0], u->old_body,
		    u->old_body_len) != 0 || !rec.live ||
		    rec.cls == MARS_REDUND_K_HEARTBEAT ||
		    rec.cls == MARS_REDUND_K_MAP)
			return;
		rec.live = false;
	} else if (u->body == NULL)
		return;
	else if ((rc = mars_redund_rec_decode(&rec, u->key.p[0], u->body,
	    u->body_len)) != 0) {
		redund_error(r, MARS_REDUND_ERR_DECODE, rc,
		    "a received record does not decode");
		return;
	}
	if (rec.cls == MARS_REDUND_K_MAP)	/* partition and position: the key */
		rec.cmi = (uint16_t)(u->key.p[1] << 8 | u->key.p[3]);
	if (u->own) {
		/*
		 * A previous incarnation's record: take it back (state 4/5,
		 * or withdrawn for a map entry) at the next redund_publish(), not
		 * from inside the SCSP node's callback.  Its member lost its
		 * VC with that incarnation but still holds its CMI: we keep
		 * the CMI bound to it, as every entity does (§3.3).
		 */
		if (rec.cls == MARS_REDUND_K_REGISTER && rec.cmi != 0 &&
		    !mars_server_member_find(r->srv, &rec.atm, &mi))
			(void)mars_server_import_cmi(r->srv, r->now, &rec.atm,
			    rec.cmi);
		key_past(r, rec.cls, u->key.p);	/* withdrawn ones too */
		if (!rec.live || rec.cls == MARS_REDUND_K_HEARTBEAT ||
		    pub_find(r, &rec) != NULL)
			return;
		if (rec.cls != MARS_REDUND_K_MAP)
			rec.live = false;
		if ((pb = pub_add(r, &rec, u->key.p)) != NULL)
			pb->dirty = rec.cls != MARS_REDUND_K_MAP;
		r->full = true;		/* it is not in the server's notes */
		return;
	}
	if (rec.live && keeps_own(r, &rec))
		return;
	held = !rec.live && held_elsewhere(r, &rec, &u->oid, &u->key);
	r->in_update = true;
	if ((rc = mars_redund_rec_apply(r->srv, r->now, &rec, r->nactive > 0,
	    held)) != 0)
		redund_error(r, MARS_REDUND_ERR_APPLY, rc,
		    "a received record was refused by our database");
	r->in_update = false;
}
