/*
 * A DCS retransmit queue (RFC 2334 §2.3, scsp_csu.c): the CSAs sent to
 * one DCS and not yet acknowledged, in the order they were queued, which
 * is the order they go out in.
 *
 * A busy entity has thousands of CSAs in flight (a thousand members
 * registering at once), and the queue is consulted for every record
 * received and every record originated, and looked at on every tick: so
 * entries are found by a hash of their key, and what is due is known
 * without a walk.  Every entry is in one of two places: the fresh list,
 * entries queued (or requeued) since the last send, due at once; or the
 * sent list, entries waiting for their retransmission time.  Each send
 * gives its entries the same interval from the same clock, so the sent
 * list, appended to at each send, stays ordered by due time: what is due
 * is a prefix of it.  A stamp taken when an entry joins the queue gives
 * the queue's order.
 */
#include <stdlib.h>
#include <string.h>

#include "mars/err.h"
#include "scsp_int.h"

#define NIL	0u		/* links are slot + 1 */

static uint32_t
key_hash(const struct scsp_key *k)
{
	uint32_t h = 2166136261u;
	uint8_t i;

	for (i = 0; i < k->oid_len; i++)
		h = (h ^ k->oid[i]) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (i = 0; i < k->key_len; i++)
		h = (h ^ k->key[i]) * 16777619u;
	return h;
}

static struct scsp_qent *
at(const struct scsp_queue *q, uint32_t link)
{
	return &q->e[link - 1];
}

static void
sent_unlink(struct scsp_queue *q, uint32_t link)
{
	struct scsp_qent *e = at(q, link);

	if (e->prev != NIL)
		at(q, e->prev)->next = e->next;
	else
		q->shead = e->next;
	if (e->next != NIL)
		at(q, e->next)->prev = e->prev;
	else
		q->stail = e->prev;
	e->prev = e->next = NIL;
}

static bool
fresh_live(const struct scsp_queue *q, const struct scsp_qref *r)
{
	const struct scsp_qent *e = at(q, r->link);

	return e->used && e->fresh && e->stamp == r->stamp;
}

static int
fresh_add(struct scsp_queue *q, uint32_t link)
{
	struct scsp_qref *np;
	size_t cap, i, k;

	if (q->nfresh == q->capfresh && q->nfresh >= 2 * q->n + 16) {
		/* references left by entries gone since: drop them */
		for (i = k = 0; i < q->nfresh; i++)
			if (fresh_live(q, &q->fresh[i]))
				q->fresh[k++] = q->fresh[i];
		q->nfresh = k;
	}
	if (q->nfresh == q->capfresh) {
		cap = q->capfresh ? q->capfresh * 2 : 16;
		if ((np = realloc(q->fresh, cap * sizeof(*np))) == NULL)
			return MARS_E_SYS;
		q->fresh = np;
		q->capfresh = cap;
	}
	q->fresh[q->nfresh].link = link;
	q->fresh[q->nfresh].stamp = at(q, link)->stamp;
	q->nfresh++;
	at(q, link)->fresh = true;
	return 0;
}

/* The hash index, sized for cap slots. */
static int
rehash(struct scsp_queue *q, size_t cap)
{
	uint32_t *nb, h;
	size_t nbucket = 16, i;

	while (nbucket < cap)
		nbucket *= 2;
	if ((nb = calloc(nbucket, sizeof(*nb))) == NULL)
		return MARS_E_SYS;
	free(q->bucket);
	q->bucket = nb;
	q->nbucket = nbucket;
	for (i = 0; i < q->nslot; i++) {
		if (!q->e[i].used)
			continue;
		h = key_hash(&q->e[i].s.k) & (uint32_t)(nbucket - 1);
		q->e[i].hnext = nb[h];
		nb[h] = (uint32_t)i + 1;
	}
	return 0;
}

struct scsp_sum *
scsp_queue_find(const struct scsp_queue *q, const struct scsp_key *k)
{
	uint32_t link;

	if (q->n == 0)
		return NULL;
	link = q->bucket[key_hash(k) & (uint32_t)(q->nbucket - 1)];
	for (; link != NIL; link = at(q, link)->hnext)
		if (scsp_key_cmp(&at(q, link)->s.k, k) == 0)
			return &at(q, link)->s;
	return NULL;
}

/* The entry holding s (from scsp_queue_find). */
static uint32_t
link_of(const struct scsp_queue *q, const struct scsp_sum *s)
{
	return (uint32_t)((const struct scsp_qent *)(const void *)s - q->e) + 1;
}

/*
 * Queue k (instance seq) at the end, or requeue it where it is: due now,
 * not sent yet (§2.3, only the newest instance sits on the queue).
 */
int
scsp_queue_put(struct scsp_queue *q, const struct scsp_key *k, uint32_t seq,
    mars_time_t now)
{
	struct scsp_qent *e, *grown;
	struct scsp_sum *s;
	uint32_t link, h;
	size_t cap;

	if ((s = scsp_queue_find(q, k)) != NULL) {
		link = link_of(q, s);
		e = at(q, link);
		e->s.seq = seq;
		e->s.sent = 0;
		if (!e->fresh) {
			if (fresh_add(q, link) != 0)
				return MARS_E_SYS;	/* goes at its time */
			sent_unlink(q, link);
		}
		e->s.due = now;
		return 0;
	}
	if (q->free == NIL && q->nslot == q->cap) {
		cap = q->cap ? q->cap * 2 : 16;
		if ((grown = realloc(q->e, cap * sizeof(*grown))) == NULL)
			return MARS_E_SYS;
		q->e = grown;
		q->cap = cap;
	}
	if (q->nbucket < q->cap && rehash(q, q->cap) != 0)
		return MARS_E_SYS;
	if (q->free != NIL) {
		link = q->free;
		q->free = at(q, link)->hnext;
	} else
		link = (uint32_t)++q->nslot;
	e = at(q, link);
	memset(e, 0, sizeof(*e));
	e->used = true;
	e->stamp = ++q->stamp;
	if (fresh_add(q, link) != 0) {
		e->used = false;
		e->hnext = q->free;
		q->free = link;
		return MARS_E_SYS;
	}
	e->s.k = *k;
	e->s.seq = seq;
	e->s.due = now;
	h = key_hash(k) & (uint32_t)(q->nbucket - 1);
	e->hnext = q->bucket[h];
	q->bucket[h] = link;
	q->n++;
	return 0;
}

/* Take s (from scsp_queue_find) off the queue; the others keep their order. */
void
scsp_queue_del(struct scsp_queue *q, struct scsp_sum *s)
{
	uint32_t link = link_of(q, s), *pp;
	struct scsp_qent *e = at(q, link);

	pp = &q->bucket[key_hash(&e->s.k) & (uint32_t)(q->nbucket - 1)];
	while (*pp != link)
		pp = &at(q, *pp)->hnext;
	*pp = e->hnext;
	if (!e->fresh)
		sent_unlink(q, link);
	/* a fresh entry's place in fresh[] is left: its stamp no longer
	 * matches once the slot is gone or reused */
	e->used = false;
	e->fresh = false;
	e->stamp = 0;
	e->hnext = q->free;
	q->free = link;
	q->n--;
}

void
scsp_queue_clear(struct scsp_queue *q)
{
	q->n = 0;
	q->nslot = 0;
	q->free = NIL;
	q->shead = q->stail = NIL;
	q->nfresh = 0;
	if (q->bucket != NULL)
		memset(q->bucket, 0, q->nbucket * sizeof(*q->bucket));
}

void
scsp_queue_free(struct scsp_queue *q)
{
	free(q->e);
	free(q->bucket);
	free(q->fresh);
	free(q->due);
	memset(q, 0, sizeof(*q));
}

/* Every entry due now (§2.2.3: changes held back while summarising). */
void
scsp_queue_all_due(struct scsp_queue *q, mars_time_t now)
{
	uint32_t i;

	for (i = 0; i < q->nslot; i++) {
		if (!q->e[i].used)
			continue;
		q->e[i].s.due = now;
		if (!q->e[i].fresh && fresh_add(q, i + 1) == 0)
			sent_unlink(q, i + 1);
	}
}

static int
stamp_cmp(const void *a, const void *b)
{
	const struct scsp_qref *x = a, *y = b;

	return x->stamp < y->stamp ? -1 : x->stamp > y->stamp;
}

/*
 * The entries due at now, in queue order, in q->due[] (q->ndue of them,
 * valid until the queue next changes); MARS_E_SYS without memory.
 */
int
scsp_queue_due(struct scsp_queue *q, mars_time_t now)
{
	struct scsp_qref *np;
	uint32_t link;
	size_t need = q->nfresh, cap, i;

	for (link = q->shead; link != NIL && at(q, link)->s.due <= now;
	    link = at(q, link)->next)
		need++;
	if (need > q->capdue) {
		cap = q->capdue ? q->capdue : 16;
		while (cap < need)
			cap *= 2;
		if ((np = realloc(q->due, cap * sizeof(*np))) == NULL)
			return MARS_E_SYS;
		q->due = np;
		q->capdue = cap;
	}
	q->ndue = 0;
	for (i = 0; i < q->nfresh; i++)
		if (fresh_live(q, &q->fresh[i]) &&
		    at(q, q->fresh[i].link)->s.due <= now)
			q->due[q->ndue++] = q->fresh[i];
	for (link = q->shead; link != NIL && at(q, link)->s.due <= now;
	    link = at(q, link)->next) {
		q->due[q->ndue].link = link;
		q->due[q->ndue].stamp = at(q, link)->stamp;
		q->ndue++;
	}
	if (q->ndue > 1)
		qsort(q->due, q->ndue, sizeof(*q->due), stamp_cmp);
	return 0;
}

/* Entry i of q->due[]. */
struct scsp_sum *
scsp_queue_due_at(struct scsp_queue *q, size_t i)
{
	return &at(q, q->due[i].link)->s;
}

/* s was sent: due again at due, the latest of all (the sent list's end). */
void
scsp_queue_sent(struct scsp_queue *q, struct scsp_sum *s, mars_time_t due)
{
	uint32_t link = link_of(q, s);
	struct scsp_qent *e = at(q, link);

	if (!e->fresh)
		sent_unlink(q, link);
	e->fresh = false;
	e->s.due = due;
	e->prev = q->stail;
	e->next = NIL;
	if (q->stail != NIL)
		at(q, q->stail)->next = link;
	else
		q->shead = link;
	q->stail = link;
}

/* After a send: fresh entries were all sent or taken off. */
void
scsp_queue_sent_all(struct scsp_queue *q)
{
	size_t i;

	for (i = 0; i < q->nfresh; i++)
		if (fresh_live(q, &q->fresh[i]))
			return;		/* one was not due: keep the list */
	q->nfresh = 0;
}

/* The earliest retransmission, NEVER when nothing waits. */
mars_time_t
scsp_queue_next(const struct scsp_queue *q)
{
	return q->shead != NIL ? at(q, q->shead)->s.due : MARS_TIME_NEVER;
}
