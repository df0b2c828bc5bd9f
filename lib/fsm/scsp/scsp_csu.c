/*
 * Cache State Update (RFC 2334 §2.3, formats B.2.2-B.2.4): flooding of
 * newer CSAs with per-DCS retransmit queues, CSU Replies (with the
 * cached CSAS for older instances), implicit acknowledgement, and the
 * CSA Request List solicited with CSUS (§2.2.3), answered with CSU
 * Requests (null records for entries not held).
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mars/scspfsm.h"
#include "scsp_int.h"

static bool
updating(const struct scsp_dcs *d)
{
	return d->cs == MARS_SCSP_CA_UPDATE || d->cs == MARS_SCSP_CA_ALIGNED;
}

/* A CSA record (B.2.2.1) for a cache entry; points into the entry. */
static void
csa_of(struct mars_scsp_csas *r, const struct scsp_entry *e, uint16_t hops)
{
	scsp_csas_of(r, &e->k, e->seq);
	r->hops = hops;
	r->null = e->null;
	r->body = e->body;
	r->body_len = e->body_len;
}

/* Put the newest instance of e on d's retransmit queue, due now. */
static void
enqueue(struct mars_scsp_node *n, struct scsp_dcs *d, const struct scsp_entry *e)
{
	/* Only the most up-to-date instance may sit on the queue. */
	(void)scsp_queue_put(&d->queue, &e->k, e->seq, n->now);
}

/*
 * §2.3: put e on the retransmit queue of every DCS but `except` whose
 * CAFSM is up; a DCS still negotiating or summarising gets it when it
 * reaches Update Cache.  A hop count spent stops it.
 */
void
scsp_flood(struct mars_scsp_node *n, const struct scsp_entry *e,
    const struct scsp_dcs *except)
{
	unsigned i;

	if (e->hops == 0)
		return;
	for (i = 0; i < n->ndcs; i++)
		if (&n->dcs[i] != except && n->dcs[i].cs != MARS_SCSP_CA_DOWN)
			enqueue(n, &n->dcs[i], e);
}

/* Same (originator, key, number) but not the same content? */
static bool
csa_differs(const struct scsp_entry *e, const struct mars_scsp_csas *rec)
{
	return e->null != rec->null || e->body_len != rec->body_len ||
	    (e->body_len > 0 && memcmp(e->body, rec->body, e->body_len) != 0);
}

/*
 * Two instances with one sequence number and different contents (a
 * restarted server re-used a number its previous incarnation had
 * spent).  Every server keeps the same one, the "larger" (live over
 * null, longer, then octet order), so the group agrees on it; the
 * originator, seeing a conflict on its own entry, numbers its entry past
 * it (RFC 2334 B.2.0.2 after-restart rule).
 */
static bool
csa_wins(const struct mars_scsp_csas *rec, const struct scsp_entry *e)
{
	if (rec->null != e->null)
		return e->null;
	if (rec->body_len != e->body_len)
		return rec->body_len > e->body_len;
	return rec->body_len > 0 &&
	    memcmp(rec->body, e->body, rec->body_len) > 0;
}

static void
crl_remove_key(struct scsp_dcs *d, const struct scsp_key *k)
{
	size_t i;

	for (i = 0; i < d->crl.n; i++)
		if (scsp_key_cmp(&d->crl.v[i].k, k) == 0) {
			scsp_sumv_del(&d->crl, i);
			return;
		}
}

/*
 * The DCS holds the instance `rec` summarises (a CA record, or a CSU
 * Reply newer than what we queued).  If it is more up to date than our
 * cache (§2.4) it goes on the CRL, unless it is an older incarnation's
 * instance of one of our own live entries: then ours is re-numbered past
 * it and flooded instead.
 */
void
scsp_consider(struct mars_scsp_node *n, struct scsp_dcs *d,
    const struct mars_scsp_csas *rec)
{
	struct scsp_key		 k;
	struct scsp_entry	*e;
	struct scsp_sum		*s;

	if (!scsp_key_from(&k, &rec->oid, &rec->key) ||
	    rec->seq == MARS_SCSP_SEQ_RESERVED)
		return;
	e = scsp_cache_find(n, &k);
	/*
	 * Our own entry at the number d has: send ours, so that d can tell
	 * whether it holds the same content (see csa_wins()).
	 */
	if (e != NULL && e->local && e->seq == rec->seq) {
		if (e->hops > 0)
			enqueue(n, d, e);
		return;
	}
	if (e != NULL && !scsp_newer(rec->seq, e->seq))
		return;
	if (e != NULL && e->local) {
		scsp_bump_local(n, e, rec->seq);
		return;
	}
	if ((s = scsp_sumv_find(&d->crl, &k)) != NULL) {
		if (scsp_newer(rec->seq, s->seq))
			s->seq = rec->seq;
		return;
	}
	(void)scsp_sumv_push(&d->crl, &k, rec->seq);
}

/*
 * §2.2.3: one CSUS outstanding; it carries what is still unanswered and
 * then what was not asked yet, as much as one packet holds.
 */
void
scsp_csus_send(struct mars_scsp_node *n, struct scsp_dcs *d)
{
	struct mars_scsp_csas	*recs;
	size_t			 budget = scsp_rec_budget(n, MARS_SCSP_CSUS);
	size_t			 i, count = 0, used = 0, len;
	int			 pass;

	if (!updating(d) || d->crl.n == 0) {
		d->csus_due = MARS_TIME_NEVER;
		return;
	}
	if ((recs = scsp_recs(n, d->crl.n)) == NULL)
		return;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < d->crl.n; i++) {
			struct scsp_sum *s = &d->crl.v[i];

			if (s->asked != (pass == 0))
				continue;
			len = MARS_SCSP_CSAS_LEN + s->k.oid_len + s->k.key_len;
			if (count > 0 && used + len > budget)
				break;
			s->asked = true;
			scsp_csas_of(&recs[count++], &s->k, s->seq);
			used += len;
		}
	}
	scsp_send_records(n, d, MARS_SCSP_CSUS, recs, count);
	d->csus_due = n->now + n->conf.csus_rexmt;
}

/*
 * Drop CRL entries the cache now satisfies; start the next CSUS when the
 * outstanding one is fully answered; Update Cache -> Aligned when the
 * CRL is empty.
 */
void
scsp_crl_check(struct mars_scsp_node *n, struct scsp_dcs *d)
{
	struct scsp_entry	*e;
	size_t			 i;
	bool			 asked = false;

	for (i = 0; i < d->crl.n; ) {
		e = scsp_cache_find(n, &d->crl.v[i].k);
		if (e != NULL && !scsp_newer(d->crl.v[i].seq, e->seq)) {
			scsp_sumv_del(&d->crl, i);
			continue;
		}
		asked = asked || d->crl.v[i].asked;
		i++;
	}
	if (d->crl.n == 0) {
		d->csus_due = MARS_TIME_NEVER;
		if (d->cs == MARS_SCSP_CA_UPDATE) {
			char name[2 * MARS_SCSP_ID_MAX + 1];

			d->cs = MARS_SCSP_CA_ALIGNED;
			scsp_logf(n, LOG_INFO, "scsp: DCS %s aligned",
			    scsp_dcs_name(d, name));
			scsp_event(n, MARS_EV_ALIGNED, d, 0, "aligned");
		}
		return;
	}
	if (!asked && updating(d))
		scsp_csus_send(n, d);
}

static void
report(struct mars_scsp_node *n, const struct scsp_dcs *d,
    const struct scsp_entry *e, int kind, const uint8_t *old,
    uint16_t old_len)
{
	struct mars_scsp_update u;

	if (kind == 0)
		return;
	memset(&u, 0, sizeof(u));
	u.kind = kind;
	u.oid.p = e->k.oid;
	u.oid.len = e->k.oid_len;
	u.key.p = e->k.key;
	u.key.len = e->k.key_len;
	u.seq = e->seq;
	u.body = e->body;
	u.body_len = e->body_len;
	u.own = scsp_key_own(n, &e->k);
	u.dcs = d->idx;
	u.old_body = old;
	u.old_body_len = old_len;
	scsp_event(n, MARS_EV_CACHE_UPDATE, d, e->seq,
	    kind == MARS_SCSP_UPD_ADDED ? "added" :
	    kind == MARS_SCSP_UPD_CHANGED ? "changed" : "removed");
	if (n->conf.on_update != NULL)
		n->conf.on_update(n->conf.update_ctx, &u);
}

/* Store a CSA from d, tell the owner, flood it to the other DCSs. */
static bool
csa_take(struct mars_scsp_node *n, struct scsp_dcs *d, const struct scsp_key *k,
    const struct mars_scsp_csas *rec)
{
	struct scsp_entry	*e;
	uint8_t			*old = NULL;
	uint16_t		 old_len = 0;
	int			 kind;

	e = scsp_cache_put(n, k, rec->seq,
	    rec->hops > 0 ? (uint16_t)(rec->hops - 1) : 0, rec->null,
	    rec->body, rec->body_len, &kind, &old, &old_len);
	if (e == NULL)
		return false;
	report(n, d, e, kind, old, old_len);
	free(old);
	/* on_update may have changed the cache: find the entry again. */
	if ((e = scsp_cache_find(n, k)) != NULL)
		scsp_flood(n, e, d);
	return true;
}

/*
 * One CSA from d (§2.3, §2.4).  *ack receives the sequence number to
 * acknowledge; false when the record is not acknowledged (unusable, or
 * no memory to keep it).
 */
static bool
csa_input(struct mars_scsp_node *n, struct scsp_dcs *d, const struct mars_scsp_csas *rec,
    uint32_t *ack)
{
	struct scsp_key		 k;
	struct scsp_entry	*e;
	struct scsp_sum		*q, *s;

	if (!scsp_key_from(&k, &rec->oid, &rec->key) ||
	    rec->seq == MARS_SCSP_SEQ_RESERVED)
		return false;
	e = scsp_cache_find(n, &k);
	/* An identical CSA queued for d is implicitly acknowledged. */
	if (e != NULL && e->seq == rec->seq && !csa_differs(e, rec) &&
	    (q = scsp_queue_find(&d->queue, &k)) != NULL && q->seq == rec->seq)
		scsp_queue_del(&d->queue, q);
	*ack = rec->seq;
	if (e == NULL || scsp_newer(rec->seq, e->seq)) {
		if (e != NULL && e->local)
			scsp_bump_local(n, e, rec->seq);
		else if (!csa_take(n, d, &k, rec))
			return false;
	} else if (e->seq != rec->seq) {
		*ack = e->seq;		/* older: the cached CSAS answers */
	} else if (csa_differs(e, rec)) {
		if (e->local)
			scsp_bump_local(n, e, rec->seq);
		else if (csa_wins(rec, e)) {
			if (!csa_take(n, d, &k, rec))
				return false;
		} else
			enqueue(n, d, e);	/* d learns the one kept */
	}
	/*
	 * Whatever d sends for a key we solicited is its answer (§2.2.3
	 * "corresponding" CSA), a null record included: asking again for a
	 * number it does not have would go on for ever.
	 */
	if ((s = scsp_sumv_find(&d->crl, &k)) != NULL && s->asked)
		crl_remove_key(d, &k);
	return true;
}

struct scsp_ack {
	struct scsp_key	 k;
	uint32_t	 seq;
};

void
scsp_csu_request_input(struct mars_scsp_node *n, struct scsp_dcs *d,
    const struct mars_scsp_msg *m)
{
	struct mars_scsp_iter	 it;
	struct mars_scsp_csas	 rec, *out;
	struct scsp_ack		*acks;
	size_t			 i, count = 0;

	/*
	 * The acknowledgements are kept by value: on_update may change the
	 * cache (and the node's scratch records) while we go.
	 */
	if (m->nrec == 0 || (acks = calloc(m->nrec, sizeof(*acks))) == NULL)
		return;
	mars_scsp_iter_init(m, &it);
	while (mars_scsp_next_csas(&it, &rec)) {
		if (!csa_input(n, d, &rec, &acks[count].seq))
			continue;
		(void)scsp_key_from(&acks[count].k, &rec.oid, &rec.key);
		count++;
	}
	/* §2.3: the CSU Reply goes to the sender, whatever the Receiver ID. */
	if (count > 0 && d->hs == MARS_SCSP_HS_BIDIR && updating(d) &&
	    (out = scsp_recs(n, count)) != NULL) {
		for (i = 0; i < count; i++)
			scsp_csas_of(&out[i], &acks[i].k, acks[i].seq);
		scsp_send_records(n, d, MARS_SCSP_CSU_REPLY, out, count);
	}
	free(acks);
	scsp_crl_check(n, d);
}

void
scsp_csu_reply_input(struct mars_scsp_node *n, struct scsp_dcs *d,
    const struct mars_scsp_msg *m)
{
	struct mars_scsp_iter	 it;
	struct mars_scsp_csas	 rec;
	struct scsp_key		 k;
	struct scsp_sum		*q;

	mars_scsp_iter_init(m, &it);
	while (mars_scsp_next_csas(&it, &rec)) {
		if (!scsp_key_from(&k, &rec.oid, &rec.key) ||
		    (q = scsp_queue_find(&d->queue, &k)) == NULL)
			continue;
		if (q->seq == rec.seq) {
			scsp_queue_del(&d->queue, q);
			continue;
		}
		if (scsp_newer(q->seq, rec.seq))
			continue;	/* (2a) ours is newer: ignore */
		/* (2b) the DCS has newer: dequeue and solicit it. */
		scsp_queue_del(&d->queue, q);
		scsp_consider(n, d, &rec);
	}
	scsp_crl_check(n, d);
}

/*
 * §2.3: a CSUS is answered with CSU Requests holding the cached CSAs, or
 * the CSUS's own CSAS with the N bit for an entry no longer held.  They
 * carry the configured hop count rather than B.2.0.2's suggested 1, so
 * that what the solicitor learns still floods on to its other DCSs.
 */
void
scsp_csus_input(struct mars_scsp_node *n, struct scsp_dcs *d,
    const struct mars_scsp_msg *m)
{
	struct mars_scsp_iter	 it;
	struct mars_scsp_csas	 rec, *out;
	struct scsp_key		 k;
	struct scsp_entry	*e;
	size_t			 count = 0;

	/* The master got our last CA: the slave's copy can go (§2.2.2). */
	if (d->keep_until != MARS_TIME_NEVER) {
		d->keep_until = n->now;
	}
	if ((out = scsp_recs(n, m->nrec > 0 ? m->nrec : 1)) == NULL)
		return;
	mars_scsp_iter_init(m, &it);
	while (mars_scsp_next_csas(&it, &rec)) {
		if (!scsp_key_from(&k, &rec.oid, &rec.key))
			continue;
		if ((e = scsp_cache_find(n, &k)) != NULL)
			csa_of(&out[count], e, n->conf.hops);
		else {
			out[count] = rec;
			out[count].null = true;
			out[count].body = NULL;
			out[count].body_len = 0;
			if (out[count].seq == MARS_SCSP_SEQ_RESERVED)
				continue;
		}
		count++;
	}
	if (count > 0)
		scsp_send_records(n, d, MARS_SCSP_CSU_REQUEST, out, count);
}

/*
 * §2.3 retransmission: every queued CSA whose timer ran out goes again
 * (the first send is just a timer at `now`), in queue order; one sent
 * 1 + limit times and still unacknowledged is an abnormal event.
 */
mars_time_t
scsp_csu_tick(struct mars_scsp_node *n, struct scsp_dcs *d, mars_time_t now)
{
	struct mars_scsp_csas	*recs;
	struct scsp_entry	*e;
	struct scsp_sum		*q;
	mars_time_t		 next = MARS_TIME_NEVER, t;
	size_t			 i, count = 0;

	if (!updating(d))
		return next;
	if (d->csus_due != MARS_TIME_NEVER && now >= d->csus_due)
		scsp_csus_send(n, d);
	next = d->csus_due;
	if (scsp_queue_due(&d->queue, now) != 0)
		return next;
	for (i = 0; i < d->queue.ndue; i++) {
		q = scsp_queue_due_at(&d->queue, i);
		if (q->sent > n->conf.csu_rexmt_limit) {
			scsp_abnormal(n, d,
			    "scsp: CSA not acknowledged, retransmit limit");
			return MARS_TIME_NEVER;
		}
	}
	if ((recs = scsp_recs(n, d->queue.ndue > 0 ? d->queue.ndue : 1)) ==
	    NULL)
		return next;
	for (i = 0; i < d->queue.ndue; i++) {
		q = scsp_queue_due_at(&d->queue, i);
		e = scsp_cache_find(n, &q->k);
		if (e == NULL) {		/* forgotten meanwhile */
			scsp_queue_del(&d->queue, q);
			continue;
		}
		q->seq = e->seq;
		if (q->sent > 0)
			n->stats.csa_rexmt++;
		q->sent++;
		scsp_queue_sent(&d->queue, q, now + n->conf.csu_rexmt);
		csa_of(&recs[count++], e, e->hops);
	}
	scsp_queue_sent_all(&d->queue);
	if ((t = scsp_queue_next(&d->queue)) < next)
		next = t;
	if (count > 0)
		scsp_send_records(n, d, MARS_SCSP_CSU_REQUEST, recs, count);
	return next;
}
