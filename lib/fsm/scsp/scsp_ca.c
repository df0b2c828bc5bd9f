/*
 * The Cache Alignment FSM, one per DCS (RFC 2334 §2.2, CA format B.2.1):
 * Master/Slave Negotiation, Cache Summarize (CSAS summaries of the whole
 * cache, split over as many CAs as the MTU needs, O bit = more), Update
 * Cache (CSUS for what the DCS has newer, scsp_csu.c) and Aligned.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mars/scspfsm.h"
#include "scsp_int.h"

/* Send a CA and keep a copy: it is retransmitted or resent on duplicates. */
static void
ca_send(struct mars_scsp_node *n, struct scsp_dcs *d, uint16_t flags,
    const struct mars_scsp_csas *recs, size_t count)
{
	struct mars_scsp_msg	 m;
	size_t		 len;

	scsp_msg_init(n, &m, MARS_SCSP_CA, d);
	m.ca_seq = d->ca_seq;
	m.flags = flags;
	m.csas = recs;
	m.nrec = (uint16_t)count;
	if (scsp_send(n, d, &m) != 0)
		return;
	/* scsp_send left the SDU in n->buf. */
	len = n->buf_len;
	free(d->last_ca);
	d->last_ca_len = 0;
	if ((d->last_ca = malloc(len)) == NULL)
		return;
	memcpy(d->last_ca, n->buf, len);
	d->last_ca_len = len;
}

static void
ca_resend(struct mars_scsp_node *n, struct scsp_dcs *d)
{
	struct mars_vc vc = { MARS_VC_SERVER, d->vc_id };

	if (d->last_ca == NULL)
		return;
	n->stats.tx[MARS_SCSP_CA]++;
	if (n->conf.io.send != NULL)
		n->conf.io.send(n->conf.io.ctx, &vc, d->last_ca,
		    d->last_ca_len);
}

/*
 * The next CA of the summary: as many CSAS records as fit, O set when
 * more remain after them (§2.2.1, §2.2.2).
 */
static void
ca_send_chunk(struct mars_scsp_node *n, struct scsp_dcs *d, uint16_t flags)
{
	struct mars_scsp_csas	*recs;
	size_t			 budget = scsp_rec_budget(n, MARS_SCSP_CA), used = 0;
	size_t			 count = 0, len, left;

	left = d->summary.n - d->summary_pos;
	if ((recs = scsp_recs(n, left > 0 ? left : 1)) == NULL)
		left = 0;
	while (count < left && count < UINT16_MAX) {
		const struct scsp_sum *s = &d->summary.v[d->summary_pos + count];

		len = MARS_SCSP_CSAS_LEN + s->k.oid_len + s->k.key_len;
		if (count > 0 && used + len > budget)
			break;
		scsp_csas_of(&recs[count], &s->k, s->seq);
		used += len;
		count++;
	}
	d->summary_pos += count;
	if (d->summary_pos < d->summary.n)
		flags |= MARS_SCSP_CA_O;
	ca_send(n, d, flags, recs, count);
}

static void
snapshot(struct mars_scsp_node *n, struct scsp_dcs *d)
{
	size_t i;

	d->summary.n = 0;
	d->summary_pos = 0;
	for (i = 0; i < n->ncache; i++)
		if (scsp_sumv_push(&d->summary, &n->cache[i].k,
		    n->cache[i].seq) != 0)
			break;
}

static void
enter_negotiate(struct mars_scsp_node *n, struct scsp_dcs *d)
{
	d->cs = MARS_SCSP_CA_NEGOTIATE;
	d->master = false;
	d->summary.n = d->summary_pos = 0;
	d->crl.n = 0;
	d->csus_due = MARS_TIME_NEVER;
	d->keep_until = MARS_TIME_NEVER;
	/* §2.2: a sequence number the DCS has not seen; M = I = O = 1. */
	d->ca_seq = (uint32_t)mars_rng_next(&n->rng);
	ca_send(n, d, MARS_SCSP_CA_M | MARS_SCSP_CA_I | MARS_SCSP_CA_O, NULL, 0);
	d->ca_due = n->now + n->conf.ca_rexmt;
}

void
scsp_ca_up(struct mars_scsp_node *n, struct scsp_dcs *d)
{
	if (d->cs == MARS_SCSP_CA_DOWN)
		enter_negotiate(n, d);
}

void
scsp_ca_down(struct mars_scsp_node *n, struct scsp_dcs *d)
{
	d->cs = MARS_SCSP_CA_DOWN;
	d->master = false;
	free(d->last_ca);
	d->last_ca = NULL;
	d->last_ca_len = 0;
	d->ca_due = d->keep_until = d->csus_due = MARS_TIME_NEVER;
	d->summary.n = d->summary_pos = 0;
	d->crl.n = 0;
	/* A new alignment will carry everything; nothing is owed now. */
	scsp_queue_clear(&d->queue);
}

/* §2.2.3: Update Cache; straight to Aligned when the CRL is empty. */
static void
enter_update(struct mars_scsp_node *n, struct scsp_dcs *d)
{
	d->cs = MARS_SCSP_CA_UPDATE;
	d->ca_due = MARS_TIME_NEVER;
	d->summary.n = d->summary_pos = 0;
	if (!d->master)
		d->keep_until = n->now + n->conf.ca_rexmt;
	/* Changes held back while summarising go out now (scsp_csu.c). */
	scsp_queue_all_due(&d->queue, n->now);
	scsp_crl_check(n, d);
}

/* §2.2.2.1 "CA message processing": the CRL gets what the DCS has newer. */
static void
ca_process(struct mars_scsp_node *n, struct scsp_dcs *d, const struct mars_scsp_msg *m)
{
	struct mars_scsp_iter	 it;
	struct mars_scsp_csas	 rec;

	mars_scsp_iter_init(m, &it);
	while (mars_scsp_next_csas(&it, &rec))
		scsp_consider(n, d, &rec);
}

static int
ca_negotiate_input(struct mars_scsp_node *n, struct scsp_dcs *d,
    const struct mars_scsp_msg *m)
{
	struct mars_scsp_id	 lsid = { n->conf.lsid, n->conf.lsid_len };
	uint16_t	 mio = MARS_SCSP_CA_M | MARS_SCSP_CA_I | MARS_SCSP_CA_O;
	int		 cmp = mars_scsp_id_cmp(&m->sender, &lsid);

	if ((m->flags & mio) == mio && m->nrec == 0 && cmp > 0) {
		/* §2.2.1 (1): the DCS is master; adopt its number. */
		d->cs = MARS_SCSP_CA_SUMMARIZE;
		d->master = false;
		d->ca_due = MARS_TIME_NEVER;
		d->ca_seq = m->ca_seq;
		snapshot(n, d);
		ca_send_chunk(n, d, 0);
		return 0;
	}
	if ((m->flags & (MARS_SCSP_CA_M | MARS_SCSP_CA_I)) == 0 && cmp < 0) {
		/* §2.2.1 (2): we are master. */
		d->cs = MARS_SCSP_CA_SUMMARIZE;
		d->master = true;
		snapshot(n, d);
		ca_process(n, d, m);
		d->ca_seq++;
		ca_send_chunk(n, d, MARS_SCSP_CA_M);
		d->ca_due = n->now + n->conf.ca_rexmt;
		return 0;
	}
	/*
	 * (3) ignored.  But the DCS's own negotiation CA tells us it has just
	 * become ready, so ours goes again now rather than at the next
	 * CAReXmtInterval.
	 */
	if ((m->flags & mio) == mio && cmp < 0 && d->cs == MARS_SCSP_CA_NEGOTIATE)
		ca_resend(n, d);
	return -1;
}

static void
ca_summarize_input(struct mars_scsp_node *n, struct scsp_dcs *d,
    const struct mars_scsp_msg *m)
{
	bool	 rx_o = (m->flags & MARS_SCSP_CA_O) != 0;

	if (d->master) {
		if (m->ca_seq == d->ca_seq - 1)
			return;		/* §2.2.2 (2): duplicate */
		if (m->ca_seq != d->ca_seq) {
			n->stats.ignored++;
			return;
		}
		/* (3) */
		ca_process(n, d, m);
		d->ca_seq++;
		if (d->summary_pos >= d->summary.n && !rx_o) {
			enter_update(n, d);
			return;
		}
		ca_send_chunk(n, d, MARS_SCSP_CA_M);
		d->ca_due = n->now + n->conf.ca_rexmt;
		return;
	}
	if (m->ca_seq == d->ca_seq) {
		ca_resend(n, d);	/* (4): duplicate */
		return;
	}
	if (m->ca_seq != d->ca_seq + 1) {
		enter_negotiate(n, d);	/* (6) */
		return;
	}
	/* (5) */
	ca_process(n, d, m);
	d->ca_seq = m->ca_seq;
	ca_send_chunk(n, d, 0);
	if (d->summary_pos >= d->summary.n && !rx_o)
		enter_update(n, d);
}

/*
 * Back to Master/Slave Negotiation because of m (§2.2.2 (1), Fig. 2).  m
 * is processed as a negotiation CA first: when it settles the roles at
 * once, no CA of our own is needed, which keeps two servers from
 * restarting each other's negotiation for ever.
 */
static void
renegotiate(struct mars_scsp_node *n, struct scsp_dcs *d, const struct mars_scsp_msg *m)
{
	free(d->last_ca);
	d->last_ca = NULL;
	d->last_ca_len = 0;
	d->cs = MARS_SCSP_CA_NEGOTIATE;
	d->master = false;
	d->summary.n = d->summary_pos = 0;
	d->crl.n = 0;
	d->csus_due = MARS_TIME_NEVER;
	d->keep_until = MARS_TIME_NEVER;
	if (ca_negotiate_input(n, d, m) == 0)
		return;
	enter_negotiate(n, d);
}

void
scsp_ca_input(struct mars_scsp_node *n, struct scsp_dcs *d,
    const struct mars_scsp_msg *m)
{
	uint16_t mio = MARS_SCSP_CA_M | MARS_SCSP_CA_I | MARS_SCSP_CA_O;
	bool	 m_bit = (m->flags & MARS_SCSP_CA_M) != 0;
	bool	 i_bit = (m->flags & MARS_SCSP_CA_I) != 0;

	switch (d->cs) {
	case MARS_SCSP_CA_NEGOTIATE:
		if (ca_negotiate_input(n, d, m) != 0)
			n->stats.ignored++;
		return;
	case MARS_SCSP_CA_SUMMARIZE:
	case MARS_SCSP_CA_UPDATE:
	case MARS_SCSP_CA_ALIGNED:
		break;
	default:
		n->stats.ignored++;
		return;
	}
	if (i_bit) {
		/*
		 * A repeat of the negotiation CA we already answered as
		 * slave: a duplicate (§2.2.2 (4)), answered again.
		 */
		if (!d->master && d->cs == MARS_SCSP_CA_SUMMARIZE &&
		    (m->flags & mio) == mio && m->ca_seq == d->ca_seq) {
			ca_resend(n, d);
			return;
		}
		renegotiate(n, d, m);
		return;
	}
	if (d->cs == MARS_SCSP_CA_SUMMARIZE) {
		/* §2.2.2 (1): M bit wrong -> negotiate again. */
		if (m_bit == d->master) {
			renegotiate(n, d, m);
			return;
		}
		ca_summarize_input(n, d, m);
		return;
	}
	/* Update Cache / Aligned: the master lost our last CA. */
	if (!d->master && m_bit && m->ca_seq == d->ca_seq &&
	    d->last_ca != NULL) {
		ca_resend(n, d);
		return;
	}
	n->stats.ignored++;
}

mars_time_t
scsp_ca_tick(struct mars_scsp_node *n, struct scsp_dcs *d, mars_time_t now)
{
	mars_time_t next = MARS_TIME_NEVER;

	if (d->cs == MARS_SCSP_CA_DOWN)
		return next;
	/* §2.2: CAReXmtInterval while a CA of ours is unanswered. */
	if (d->ca_due != MARS_TIME_NEVER && now >= d->ca_due) {
		ca_resend(n, d);
		d->ca_due = now + n->conf.ca_rexmt;
	}
	/* §2.2.2 note: the slave's copy of its last CA expires. */
	if (d->keep_until != MARS_TIME_NEVER && now >= d->keep_until) {
		d->keep_until = MARS_TIME_NEVER;
		if (d->cs == MARS_SCSP_CA_UPDATE || d->cs == MARS_SCSP_CA_ALIGNED) {
			free(d->last_ca);
			d->last_ca = NULL;
			d->last_ca_len = 0;
		}
	}
	if (d->ca_due < next)
		next = d->ca_due;
	if (d->keep_until < next)
		next = d->keep_until;
	return next;
}
