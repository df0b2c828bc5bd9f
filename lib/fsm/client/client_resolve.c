/*
 * Cluster member queries: MARS_REQUEST -> MARS_MULTI / MARS_NAK (RFC 2022
 * §5.1.1, §5.1.2) and MARS_GROUPLIST_REQUEST -> MARS_GROUPLIST_REPLY
 * (§5.3), with multi-part reassembly and its failure rules.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mars/client.h"
#include "mars/err.h"
#include "client_int.h"

static struct client_query *
query_find(struct mars_client *cl, uint8_t op, const uint8_t *min,
    const uint8_t *max, size_t len)
{
	struct client_query *q;
	size_t i;

	for (i = 0; i < MARS_CLIENT_QUERY_MAX; i++) {
		q = &cl->q[i];
		if (q->active && q->op == op && q->min.len == len &&
		    memcmp(q->min.addr, min, len) == 0 &&
		    (max == NULL || memcmp(q->max.addr, max, len) == 0))
			return q;
	}
	return NULL;
}

/* §5.1.2: REQUEST with the group in mar$tpa, null targets; §5.3 pair. */
static void
query_send(struct mars_client *cl, mars_time_t now, struct client_query *q)
{
	uint8_t pair[2 * MARS_CLIENT_PA_MAX];
	struct mars_msg m;

	client_msg_init(cl, &m, q->op);
	if (q->op == MARS_REQUEST) {
		m.tpa.addr = q->min.addr;
		m.tpa.len = q->min.len;
	} else {
		memcpy(pair, q->min.addr, q->min.len);
		memcpy(pair + q->min.len, q->max.addr, q->min.len);
		m.pnum = 1;
		m.grp_len = q->min.len;
		m.list = pair;
	}
	client_send(cl, &cl->cur_vc, &m);
	q->sent++;
	q->next = now + cl->conf.request_timeout;
	q->assembling = false;
	q->broken = false;
	q->truncated = false;
	q->n = 0;
}

static int
query_new(struct mars_client *cl, mars_time_t now, uint8_t op,
    const uint8_t *min, const uint8_t *max, size_t len)
{
	struct client_query *q;
	size_t i;

	if (min == NULL || len == 0 || len > MARS_CLIENT_PA_MAX)
		return MARS_E_INVAL;
	if (query_find(cl, op, min, max, len) != NULL)
		return 0;
	for (i = 0; i < MARS_CLIENT_QUERY_MAX && cl->q[i].active; i++)
		;
	if (i == MARS_CLIENT_QUERY_MAX)
		return MARS_E_NOSPACE;
	q = &cl->q[i];
	q->active = true;
	q->op = op;
	q->min.len = q->max.len = (uint8_t)len;
	memcpy(q->min.addr, min, len);
	memcpy(q->max.addr, max != NULL ? max : min, len);
	q->sent = 0;
	q->next = now;
	q->assembling = false;
	q->n = 0;
	/* §6.1.1: the MARS ignores REQUESTs from unregistered nodes. */
	if (cl->state == MARS_CLIENT_REGISTERED)
		query_send(cl, now, q);
	return 0;
}

int
mars_client_request(struct mars_client *cl, mars_time_t now, const uint8_t *group,
    size_t len)
{
	return query_new(cl, now, MARS_REQUEST, group, NULL, len);
}

int
mars_client_grouplist(struct mars_client *cl, mars_time_t now, const uint8_t *min,
    const uint8_t *max, size_t len)
{
	if (max == NULL)
		return MARS_E_INVAL;
	return query_new(cl, now, MARS_GROUPLIST_REQUEST, min, max, len);
}

static void
emit_query(struct mars_client *cl, int kind, mars_time_t now,
    const struct mars_client_pa *group, uint32_t count,
    const struct mars_msg *m, const char *detail)
{
	client_emit_group(cl, kind, now, group, count, m, detail);
}

/* Retries exhausted: §5.4 counts a failed REQUEST as a MARS failure. */
static void
query_give_up(struct mars_client *cl, mars_time_t now,
    struct client_query *q, const char *why)
{
	struct mars_client_pa group = q->min;

	q->active = false;
	emit_query(cl, MARS_EV_GIVE_UP, now, &group, 0, NULL, why);
	client_mars_failed(cl, now, why);
}

static void
query_retry(struct mars_client *cl, mars_time_t now, struct client_query *q,
    const char *why)
{
	if (q->sent > cl->conf.request_retries) {
		query_give_up(cl, now, q, q->op == MARS_REQUEST ?
		    "MARS_REQUEST not answered" :
		    "MARS_GROUPLIST_REQUEST not answered");
		return;
	}
	client_log(cl, LOG_INFO, "%s: asking again", why);
	query_send(cl, now, q);
}

/*
 * Append the entries of one part, at most list_max in all (the rest are
 * counted out: q->truncated); false when the part is unusable or memory
 * runs short.  Nothing here is sized by a wire count alone: the codec
 * bounds each part's entries by its length, this bounds their sum.
 */
static bool
query_append(struct mars_client *cl, struct client_query *q,
    const struct mars_msg *m)
{
	struct mars_atm tha, tsa;
	const uint8_t *g;
	void *p;
	unsigned i;

	for (i = 0; i < m->tnum; i++) {
		if (q->n >= cl->conf.list_max) {
			q->truncated = true;
			return true;
		}
		if (q->op == MARS_REQUEST) {
			if ((p = client_grow(q->atm, &q->atm_cap, q->n,
			    sizeof(*q->atm), cl->conf.list_max)) == NULL)
				return false;
			q->atm = p;
			mars_target(m, i, &tha, &tsa);
			client_atm_set(&q->atm[q->n++], &tha, &tsa);
		} else {
			if (m->grp_len > MARS_CLIENT_PA_MAX ||
			    (g = mars_group(m, i)) == NULL)
				return false;
			if ((p = client_grow(q->grp, &q->grp_cap, q->n,
			    sizeof(*q->grp), cl->conf.list_max)) == NULL)
				return false;
			q->grp = p;
			q->grp[q->n].len = m->grp_len;
			memcpy(q->grp[q->n++].addr, g, m->grp_len);
		}
	}
	return true;
}

/* The reply is whole: hand the list over, then track the CSN. */
static void
query_done(struct mars_client *cl, mars_time_t now, struct client_query *q,
    const struct mars_msg *m)
{
	struct mars_client_pa group = q->min;
	bool truncated = q->truncated;
	size_t cap;
	void *p;
	int kind;

	if (q->op == MARS_REQUEST) {
		p = cl->members;
		cap = cl->capmembers;
		cl->members = q->atm;
		cl->capmembers = q->atm_cap;
		cl->nmembers = q->n;
		q->atm = p;
		q->atm_cap = cap;
		kind = MARS_EV_MULTI;
	} else {
		p = cl->glist;
		cap = cl->capglist;
		cl->glist = q->grp;
		cl->capglist = q->grp_cap;
		cl->nglist = q->n;
		q->grp = p;
		q->grp_cap = cap;
		kind = MARS_EV_GROUPLIST;
	}
	q->active = false;
	q->n = 0;
	q->truncated = false;
	emit_query(cl, kind, now, &group,
	    (uint32_t)(kind == MARS_EV_MULTI ? cl->nmembers : cl->nglist), m,
	    truncated ? "truncated: more entries than the client keeps" : NULL);
	/* §5.1.4.2: HSN moves only once every part arrived; §5.1.5.2. */
	if (cl->state == MARS_CLIENT_REGISTERED)
		client_track_msn(cl, now, m->msn,
		    kind == MARS_EV_MULTI ? &group : NULL);
}

/*
 * §5.1.1: parts are (x,y), y from 1; a jump in y or a change of mar$msn
 * means wait for the last part, discard and ask again.
 */
static void
query_part(struct mars_client *cl, mars_time_t now, struct client_query *q,
    const struct mars_msg *m)
{
	uint16_t y = m->seqxy & MARS_SEQ_PART;

	if (!q->assembling) {
		q->assembling = true;
		q->broken = y != 1;
		q->truncated = false;
		q->msn = m->msn;
		q->n = 0;
	} else if (y != q->next_y || m->msn != q->msn)
		q->broken = true;
	q->next_y = (uint16_t)(y + 1);
	if (!q->broken && !query_append(cl, q, m))
		q->broken = true;
	if (!(m->seqxy & MARS_SEQ_LAST)) {
		q->next = now + cl->conf.part_timeout;
		return;
	}
	if (q->broken) {
		query_retry(cl, now, q, "multi-part reply lost a part");
		return;
	}
	query_done(cl, now, q, m);
}

void
client_resolve_input(struct mars_client *cl, mars_time_t now,
    const struct mars_msg *m)
{
	struct mars_client_pa group;
	struct client_query *q = NULL;
	size_t i;

	/* §5.1.2: MULTI and NAK carry the requester's source fields. */
	if (!client_is_own(cl, m))
		return;
	switch (m->op) {
	case MARS_NAK:
		if ((q = query_find(cl, MARS_REQUEST, m->tpa.addr, NULL,
		    m->tpa.len)) == NULL)
			return;
		group = q->min;
		q->active = false;
		emit_query(cl, MARS_EV_NAK, now, &group, 0, m, NULL);
		return;
	case MARS_MULTI:
		if (m->tpa.len == 0 || (q = query_find(cl, MARS_REQUEST,
		    m->tpa.addr, NULL, m->tpa.len)) == NULL)
			return;
		break;
	case MARS_GROUPLIST_REPLY:
		for (i = 0; i < MARS_CLIENT_QUERY_MAX && q == NULL; i++)
			if (cl->q[i].active &&
			    cl->q[i].op == MARS_GROUPLIST_REQUEST &&
			    (m->tnum == 0 || cl->q[i].min.len == m->grp_len))
				q = &cl->q[i];
		if (q == NULL)
			return;
		break;
	default:
		return;
	}
	query_part(cl, now, q, m);
}

void
client_resolve_tick(struct mars_client *cl, mars_time_t now)
{
	struct client_query *q;
	size_t i;

	for (i = 0; i < MARS_CLIENT_QUERY_MAX && cl->state == MARS_CLIENT_REGISTERED;
	    i++) {
		q = &cl->q[i];
		if (!q->active || q->next > now)
			continue;
		if (q->sent == 0)
			query_send(cl, now, q);
		else
			query_retry(cl, now, q, q->assembling ?
			    "no next part in time" : "no reply in time");
	}
}

mars_time_t
client_resolve_next(const struct mars_client *cl)
{
	mars_time_t t = MARS_TIME_NEVER;
	size_t i;

	for (i = 0; i < MARS_CLIENT_QUERY_MAX; i++)
		if (cl->q[i].active)
			client_min(&t, cl->q[i].next);
	return t;
}

void
client_resolve_abort(struct mars_client *cl, mars_time_t now, const char *why)
{
	struct mars_client_pa group;
	size_t i;

	for (i = 0; i < MARS_CLIENT_QUERY_MAX; i++) {
		if (!cl->q[i].active)
			continue;
		group = cl->q[i].min;
		cl->q[i].active = false;
		emit_query(cl, MARS_EV_GIVE_UP, now, &group, 0, NULL, why);
	}
}

void
client_resolve_free(struct mars_client *cl)
{
	size_t i;

	for (i = 0; i < MARS_CLIENT_QUERY_MAX; i++) {
		free(cl->q[i].atm);
		free(cl->q[i].grp);
	}
}

/* Heap octets of the queries' reassembly and the last results. */
size_t
client_resolve_memory(const struct mars_client *cl)
{
	size_t i, n = 0;

	for (i = 0; i < MARS_CLIENT_QUERY_MAX; i++)
		n += cl->q[i].atm_cap * sizeof(*cl->q[i].atm) +
		    cl->q[i].grp_cap * sizeof(*cl->q[i].grp);
	return n + cl->capmembers * sizeof(*cl->members) +
	    cl->capglist * sizeof(*cl->glist);
}
