/*
 * The SCSP cache (RFC 2334 §2.3, §2.4, B.2.0.2): CSA entries keyed by
 * (Originator ID, Cache Key), each with its CSA Sequence Number, hop count
 * and protocol-specific part, kept in a sorted array; plus the owner's
 * calls that originate and purge local entries.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mars/scspfsm.h"
#include "scsp_int.h"

/*
 * RFC 2334 B.2.0.2: the number is signed; "larger" is more recent.  The
 * wrap restarts an entry at -2^31+1 after its purge at 2^31-1: a
 * negative number follows 2^31-1, and 2^31-1 never undoes a restart.
 */
bool
scsp_newer(uint32_t a, uint32_t b)
{
	if (b == MARS_SCSP_SEQ_WRAP && (int32_t)a < 0)
		return true;
	if (a == MARS_SCSP_SEQ_WRAP && (int32_t)b < 0)
		return false;
	return (int32_t)a > (int32_t)b;
}

bool
mars_scsp_seq_newer(uint32_t a, uint32_t b)
{
	return scsp_newer(a, b);
}

int
mars_scsp_id_cmp(const struct mars_scsp_id *a, const struct mars_scsp_id *b)
{
	size_t	 common = a->len < b->len ? a->len : b->len;
	int	 c = common > 0 ? memcmp(a->p, b->p, common) : 0;

	if (c != 0)
		return c;
	return (int)a->len - (int)b->len;
}

static int
bytes_cmp(const uint8_t *a, uint8_t alen, const uint8_t *b, uint8_t blen)
{
	struct mars_scsp_id	 x = { a, alen }, y = { b, blen };

	return mars_scsp_id_cmp(&x, &y);
}

int
scsp_key_cmp(const struct scsp_key *a, const struct scsp_key *b)
{
	int c;

	c = bytes_cmp(a->oid, a->oid_len, b->oid, b->oid_len);
	if (c != 0)
		return c;
	return bytes_cmp(a->key, a->key_len, b->key, b->key_len);
}

/* false when an ID is empty or longer than this implementation keeps. */
bool
scsp_key_from(struct scsp_key *k, const struct mars_scsp_id *oid,
    const struct mars_scsp_id *key)
{
	memset(k, 0, sizeof(*k));
	if (oid->len == 0 || oid->len > MARS_SCSP_ID_MAX ||
	    key->len == 0 || key->len > MARS_SCSP_ID_MAX)
		return false;
	k->oid_len = oid->len;
	memcpy(k->oid, oid->p, oid->len);
	k->key_len = key->len;
	memcpy(k->key, key->p, key->len);
	return true;
}

bool
scsp_key_own(const struct mars_scsp_node *n, const struct scsp_key *k)
{
	return k->oid_len == n->conf.lsid_len &&
	    memcmp(k->oid, n->conf.lsid, k->oid_len) == 0;
}

/* A stand-alone CSAS record (B.2.0.2) naming k at seq; points into k. */
void
scsp_csas_of(struct mars_scsp_csas *r, const struct scsp_key *k, uint32_t seq)
{
	memset(r, 0, sizeof(*r));
	r->hops = 1;
	r->seq = seq;
	r->key.p = k->key;
	r->key.len = k->key_len;
	r->oid.p = k->oid;
	r->oid.len = k->oid_len;
}

/* Index of k, or of where it would go (*found false). */
static size_t
cache_search(const struct mars_scsp_node *n, const struct scsp_key *k,
    bool *found)
{
	size_t	 lo = 0, hi = n->ncache, mid;
	int	 c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = scsp_key_cmp(&n->cache[mid].k, k);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct scsp_entry *
scsp_cache_find(const struct mars_scsp_node *n, const struct scsp_key *k)
{
	bool	 found;
	size_t	 i = cache_search(n, k, &found);

	return found ? &n->cache[i] : NULL;
}

/*
 * Store an instance of k, adding the entry when new.  *kind (may be
 * NULL) tells the owner what changed: MARS_SCSP_UPD_ADDED, _CHANGED,
 * _REMOVED (a tombstone replaced a live entry) or 0 (a tombstone
 * replaced a tombstone or nothing).  With old non-NULL, the body the
 * entry had is handed over in *old and *old_len (the caller frees it).
 * NULL when memory runs out; the cache is then unchanged.
 */
struct scsp_entry *
scsp_cache_put(struct mars_scsp_node *n, const struct scsp_key *k, uint32_t seq,
    uint16_t hops, bool null, const uint8_t *body, uint16_t body_len,
    int *kind, uint8_t **old, uint16_t *old_len)
{
	struct scsp_entry	*e, *grown;
	uint8_t			*copy = NULL;
	size_t			 i, cap;
	bool			 found, was_live;

	if (null)
		body_len = 0;
	if (body_len > 0) {
		if ((copy = malloc(body_len)) == NULL)
			return NULL;
		memcpy(copy, body, body_len);
	}
	i = cache_search(n, k, &found);
	if (!found) {
		if (n->ncache == n->cache_cap) {
			cap = n->cache_cap ? n->cache_cap * 2 : 64;
			grown = realloc(n->cache, cap * sizeof(*grown));
			if (grown == NULL) {
				free(copy);
				return NULL;
			}
			n->cache = grown;
			n->cache_cap = cap;
		}
		memmove(&n->cache[i + 1], &n->cache[i],
		    (n->ncache - i) * sizeof(n->cache[0]));
		n->ncache++;
		e = &n->cache[i];
		memset(e, 0, sizeof(*e));
		e->k = *k;
		e->null = true;
	} else
		e = &n->cache[i];
	was_live = !e->null;
	if (old != NULL) {
		*old = e->body;
		*old_len = e->body_len;
	} else
		free(e->body);
	e->body = copy;
	e->body_len = body_len;
	e->seq = seq;
	e->hops = hops;
	if (null && (was_live || !found)) {
		e->null_since = n->now;
		if (n->now + n->conf.tomb_hold < n->tomb_due)
			n->tomb_due = n->now + n->conf.tomb_hold;
	}
	e->null = null;
	if (kind != NULL) {
		if (null)
			*kind = was_live ? MARS_SCSP_UPD_REMOVED : 0;
		else
			*kind = was_live ? MARS_SCSP_UPD_CHANGED : MARS_SCSP_UPD_ADDED;
	}
	return e;
}

void
scsp_cache_free_all(struct mars_scsp_node *n)
{
	size_t i;

	for (i = 0; i < n->ncache; i++) {
		free(n->cache[i].body);
		free(n->cache[i].pending);
	}
	free(n->cache);
	n->cache = NULL;
	n->ncache = n->cache_cap = 0;
}

/* ---- vectors of summaries (CA snapshot, CRL, retransmit queue) ---- */

int
scsp_sumv_push(struct scsp_sumv *v, const struct scsp_key *k, uint32_t seq)
{
	struct scsp_sum	*grown;
	size_t		 cap;

	if (v->n == v->cap) {
		cap = v->cap ? v->cap * 2 : 16;
		if ((grown = realloc(v->v, cap * sizeof(*grown))) == NULL)
			return MARS_E_SYS;
		v->v = grown;
		v->cap = cap;
	}
	memset(&v->v[v->n], 0, sizeof(v->v[0]));
	v->v[v->n].k = *k;
	v->v[v->n].seq = seq;
	v->n++;
	return 0;
}

struct scsp_sum *
scsp_sumv_find(struct scsp_sumv *v, const struct scsp_key *k)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (scsp_key_cmp(&v->v[i].k, k) == 0)
			return &v->v[i];
	return NULL;
}

/* Order is kept: the queue and the CRL are sent oldest first. */
void
scsp_sumv_del(struct scsp_sumv *v, size_t i)
{
	memmove(&v->v[i], &v->v[i + 1], (v->n - i - 1) * sizeof(v->v[0]));
	v->n--;
}

void
scsp_sumv_free(struct scsp_sumv *v)
{
	free(v->v);
	v->v = NULL;
	v->n = v->cap = 0;
}

/* ---- the owner's side ---- */

static void
view_of(const struct mars_scsp_node *n, const struct scsp_entry *e,
    struct mars_scsp_entry_view *v)
{
	memset(v, 0, sizeof(*v));
	v->oid.p = e->k.oid;
	v->oid.len = e->k.oid_len;
	v->key.p = e->k.key;
	v->key.len = e->k.key_len;
	v->seq = e->seq;
	v->hops = e->hops;
	v->null = e->null;
	v->own = scsp_key_own(n, &e->k);
	v->body = e->body;
	v->body_len = e->body_len;
}

size_t
mars_scsp_cache_len(const struct mars_scsp_node *n)
{
	return n->ncache;
}

bool
mars_scsp_cache_get(const struct mars_scsp_node *n, size_t i, struct mars_scsp_entry_view *v)
{
	if (i >= n->ncache)
		return false;
	view_of(n, &n->cache[i], v);
	return true;
}

bool
mars_scsp_lookup(const struct mars_scsp_node *n, const struct mars_scsp_id *oid,
    const struct mars_scsp_id *key, struct mars_scsp_entry_view *v)
{
	struct scsp_key		 k;
	struct scsp_entry	*e;

	if (!scsp_key_from(&k, oid, key) || (e = scsp_cache_find(n, &k)) == NULL)
		return false;
	view_of(n, e, v);
	return true;
}

static void
cache_remove(struct mars_scsp_node *n, size_t i)
{
	free(n->cache[i].body);
	free(n->cache[i].pending);
	memmove(&n->cache[i], &n->cache[i + 1],
	    (n->ncache - i - 1) * sizeof(n->cache[0]));
	n->ncache--;
}

bool
mars_scsp_forget(struct mars_scsp_node *n, const struct mars_scsp_id *oid,
    const struct mars_scsp_id *key)
{
	struct scsp_key	 k;
	bool		 found;
	size_t		 i;

	if (!scsp_key_from(&k, oid, key))
		return false;
	i = cache_search(n, &k, &found);
	if (!found || !n->cache[i].null || n->cache[i].wrapping)
		return false;
	cache_remove(n, i);
	return true;
}

/* The content a wrapping entry takes once its purge is acknowledged. */
static int
set_pending(struct scsp_entry *e, bool null, const uint8_t *body,
    uint16_t body_len)
{
	uint8_t *copy = NULL;

	if (!null && body_len > 0) {
		if ((copy = malloc(body_len)) == NULL)
			return MARS_E_SYS;
		memcpy(copy, body, body_len);
	}
	free(e->pending);
	e->pending = copy;
	e->pending_len = null ? 0 : body_len;
	e->pending_null = null;
	return 0;
}

/*
 * B.2.0.2: an entry at 2^31-2 that must change is first purged from the
 * group at 2^31-1; scsp_cache_tick() restarts it at -2^31+1 with the
 * content kept here once every DCS has acknowledged the purge.
 */
static int
wrap_start(struct mars_scsp_node *n, struct scsp_entry *e, bool null,
    const uint8_t *body, uint16_t body_len)
{
	struct scsp_key k = e->k;
	int rc;

	if ((rc = set_pending(e, null, body, body_len)) != 0)
		return rc;
	if ((e = scsp_cache_put(n, &k, MARS_SCSP_SEQ_WRAP, n->conf.hops, true,
	    NULL, 0, NULL, NULL, NULL)) == NULL)
		return MARS_E_SYS;
	e->local = true;
	if (!e->wrapping)
		n->wraps++;
	e->wrapping = true;
	scsp_logf(n, LOG_INFO, "scsp: entry at sequence number 2^31-2: "
	    "purged at 2^31-1 before it restarts (RFC 2334 B.2.0.2)");
	scsp_flood(n, e, NULL);
	return 0;
}

/*
 * RFC 2334 B.2.0.2: a local entry starts at 0x80000001 and each change
 * takes the next number; a previous incarnation's entry (learned from a
 * DCS after a restart) is continued from, which keeps the number unique.
 * Past 2^31-2 the entry wraps (wrap_start()).
 */
static int
local_put(struct mars_scsp_node *n, mars_time_t now, const uint8_t *key,
    uint8_t key_len, bool null, const uint8_t *body, uint16_t body_len,
    uint32_t *seqp)
{
	struct scsp_key		 k;
	struct mars_scsp_id		 oid = { n->conf.lsid, n->conf.lsid_len };
	struct mars_scsp_id		 kid = { key, key_len };
	struct scsp_entry	*e;
	uint32_t		 seq = MARS_SCSP_SEQ_FIRST;
	int			 rc;

	if (key == NULL || !scsp_key_from(&k, &oid, &kid) ||
	    (body_len > 0 && body == NULL))
		return MARS_E_INVAL;
	n->now = now;
	if ((e = scsp_cache_find(n, &k)) != NULL) {
		if (e->wrapping) {
			/* the purge is still out: the newest content waits */
			if (seqp != NULL)
				*seqp = e->seq;
			return set_pending(e, null, body, body_len);
		}
		if (e->seq == MARS_SCSP_SEQ_WRAP)
			seq = MARS_SCSP_SEQ_FIRST;	/* a purge: restart */
		else if ((int32_t)e->seq >= (int32_t)(MARS_SCSP_SEQ_WRAP - 1)) {
			if ((rc = wrap_start(n, e, null, body, body_len)) != 0)
				return rc;
			if (seqp != NULL)
				*seqp = MARS_SCSP_SEQ_WRAP;
			goto sent;
		} else
			seq = e->seq + 1;
	}
	e = scsp_cache_put(n, &k, seq, n->conf.hops, null, body, body_len,
	    NULL, NULL, NULL);
	if (e == NULL)
		return MARS_E_SYS;
	e->local = true;
	if (seqp != NULL)
		*seqp = seq;
	scsp_flood(n, e, NULL);
sent:
	/* From on_update the input in progress sends it when done. */
	if (n->busy == 0)
		(void)mars_scsp_tick(n, now);
	return 0;
}

int
mars_scsp_originate(struct mars_scsp_node *n, mars_time_t now, const uint8_t *key,
    uint8_t key_len, const uint8_t *body, uint16_t body_len, uint32_t *seq)
{
	return local_put(n, now, key, key_len, false, body, body_len, seq);
}

int
mars_scsp_withdraw(struct mars_scsp_node *n, mars_time_t now, const uint8_t *key,
    uint8_t key_len)
{
	struct scsp_key	 k;
	struct mars_scsp_id	 oid = { n->conf.lsid, n->conf.lsid_len };
	struct mars_scsp_id	 kid = { key, key_len };

	if (key == NULL || !scsp_key_from(&k, &oid, &kid) ||
	    scsp_cache_find(n, &k) == NULL)
		return MARS_E_INVAL;
	return local_put(n, now, key, key_len, true, NULL, 0, NULL);
}

/*
 * A DCS holds a newer instance of one of our own local entries (a
 * previous incarnation's): ours wins with the next number after it, or
 * by a wrap when that number would pass 2^31-2.
 */
void
scsp_bump_local(struct mars_scsp_node *n, struct scsp_entry *e, uint32_t theirs)
{
	if (e->wrapping)
		return;		/* our purge at 2^31-1 answers it */
	if (theirs == MARS_SCSP_SEQ_WRAP ||
	    (int32_t)theirs >= (int32_t)(MARS_SCSP_SEQ_WRAP - 1)) {
		(void)wrap_start(n, e, e->null, e->body, e->body_len);
		return;
	}
	e->seq = theirs + 1;
	e->hops = n->conf.hops;
	scsp_flood(n, e, NULL);
}

static bool
queued_anywhere(const struct mars_scsp_node *n, const struct scsp_key *k)
{
	unsigned i;

	for (i = 0; i < n->ndcs; i++)
		if (scsp_queue_find(&n->dcs[i].queue, k) != NULL)
			return true;
	return false;
}

/* The purge of a wrapping entry is acknowledged: restart it (B.2.0.2). */
static void
wrap_finish(struct mars_scsp_node *n, size_t i)
{
	struct scsp_entry *e = &n->cache[i];
	uint8_t *body = e->pending;
	uint16_t len = e->pending_len;
	bool null = e->pending_null;
	struct scsp_key k = e->k;

	e->pending = NULL;
	e->pending_len = 0;
	e->wrapping = false;
	n->wraps--;
	n->stats.seq_wraps++;
	if (null) {
		/* withdrawn meanwhile: the purge is the last word */
		e->null_since = n->now;
		if (n->now + n->conf.tomb_hold < n->tomb_due)
			n->tomb_due = n->now + n->conf.tomb_hold;
		free(body);
		return;
	}
	e = scsp_cache_put(n, &k, MARS_SCSP_SEQ_FIRST, n->conf.hops, null,
	    body, len, NULL, NULL, NULL);
	free(body);
	if (e == NULL)
		return;		/* no memory: the purge stands */
	e->local = true;
	scsp_flood(n, e, NULL);
}

/*
 * Cache housekeeping: wraps whose purge every DCS acknowledged restart,
 * tombstones older than conf.tomb_hold that no DCS still waits for are
 * dropped.  Returns when to look again.
 */
mars_time_t
scsp_cache_tick(struct mars_scsp_node *n, mars_time_t now)
{
	mars_time_t next = MARS_TIME_NEVER, t;
	struct scsp_entry *e;
	size_t i;

	/* The walk is O(cache): only when something may be due. */
	if (n->wraps == 0 && now < n->tomb_due)
		return n->tomb_due;
	for (i = 0; i < n->ncache; ) {
		e = &n->cache[i];
		if (!e->null) {
			i++;
			continue;
		}
		if (e->wrapping) {
			if (!queued_anywhere(n, &e->k))
				wrap_finish(n, i);
			i++;
			continue;
		}
		t = e->null_since + n->conf.tomb_hold;
		if (now < t) {
			if (t < next)
				next = t;
			i++;
			continue;
		}
		if (queued_anywhere(n, &e->k)) {
			/* retransmission settles it: look again later */
			if (now + n->conf.csu_rexmt < next)
				next = now + n->conf.csu_rexmt;
			i++;
			continue;
		}
		cache_remove(n, i);
		n->stats.tombstones_purged++;
	}
	n->tomb_due = next;
	/* a wrap waits for acknowledgements; look again with them */
	if (n->wraps > 0 && now + n->conf.csu_rexmt < next)
		next = now + n->conf.csu_rexmt;
	return next;
}
