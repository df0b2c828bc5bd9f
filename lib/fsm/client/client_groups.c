/*
 * Cluster member group membership: MARS_JOIN / MARS_LEAVE for one group,
 * retransmission until a copy returns, re-joining after a failure.
 * RFC 2022 §5.2.1, §5.2.1.1, §5.2.2, §5.4.1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mars/client.h"
#include "mars/err.h"
#include "client_int.h"

/*
 * Make room for one more element in *arr (capacity *cap, n in use), never
 * beyond max elements: NULL when n reached max or memory ran out.
 */
void *
client_grow(void *arr, size_t *cap, size_t n, size_t size, size_t max)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return arr;
	if (n >= max)
		return NULL;
	ncap = *cap == 0 ? 8 : 2 * *cap;
	if (ncap > max)
		ncap = max;
	if ((p = reallocarray(arr, ncap, size)) == NULL)
		return NULL;
	*cap = ncap;
	return p;
}

struct mars_client_group *
client_group_find(struct mars_client *cl, const uint8_t *addr, size_t len)
{
	size_t i;

	for (i = 0; i < cl->ngroups; i++)
		if (cl->groups[i].pa.len == len &&
		    memcmp(cl->groups[i].pa.addr, addr, len) == 0)
			return &cl->groups[i];
	return NULL;
}

static struct mars_client_group *
group_add(struct mars_client *cl, const uint8_t *addr, size_t len)
{
	struct mars_client_group *g, *arr;

	/* Groups come from the caller, not the wire. */
	arr = client_grow(cl->groups, &cl->capgroups, cl->ngroups, sizeof(*g),
	    SIZE_MAX / sizeof(*g));
	if (arr == NULL)
		return NULL;
	cl->groups = arr;
	g = &cl->groups[cl->ngroups++];
	memset(g, 0, sizeof(*g));
	g->pa.len = (uint8_t)len;
	memcpy(g->pa.addr, addr, len);
	return g;
}

static void
group_remove(struct mars_client *cl, struct mars_client_group *g)
{
	size_t i = (size_t)(g - cl->groups);

	memmove(g, g + 1, (cl->ngroups - i - 1) * sizeof(*g));
	cl->ngroups--;
}

/* §5.2.1.1: a single group X is the pair <X,X> with layer3grp set. */
static void
group_send(struct mars_client *cl, mars_time_t now, struct mars_client_group *g)
{
	uint8_t pair[2 * MARS_CLIENT_PA_MAX];
	struct mars_msg m;

	memcpy(pair, g->pa.addr, g->pa.len);
	memcpy(pair + g->pa.len, g->pa.addr, g->pa.len);
	client_msg_init(cl, &m, g->op);
	m.flags = MARS_FLAG_LAYER3GRP;
	m.pnum = 1;
	m.grp_len = g->pa.len;
	m.list = pair;
	client_send(cl, &cl->cur_vc, &m);
	g->sent++;
	g->next = now + cl->conf.retransmit_interval;
}

static void
emit_group(struct mars_client *cl, int kind, mars_time_t now,
    const struct mars_client_pa *pa, const struct mars_msg *m)
{
	client_emit_group(cl, kind, now, pa, 0, m, NULL);
}

/* §5.4.1: the re-join round ends when every re-join was confirmed. */
static void
rejoin_check(struct mars_client *cl, mars_time_t now)
{
	struct mars_event ev;
	size_t i, n = 0;

	if (!cl->rejoining)
		return;
	for (i = 0; i < cl->ngroups; i++) {
		if (cl->groups[i].rejoin)
			return;
		if (cl->groups[i].joined)
			n++;
	}
	cl->rejoining = false;
	client_log(cl, LOG_INFO, "re-joined %zu groups", n);
	mars_event_init(&ev, MARS_EV_REJOINED, now);
	ev.atm = cl->cur.num;
	ev.atm_tl = cl->cur.tl;
	ev.cmi = cl->cmi;
	ev.csn = cl->hsn;
	ev.count = (uint32_t)n;
	client_emit(cl, &ev);
}

int
mars_client_join(struct mars_client *cl, mars_time_t now, const uint8_t *group,
    size_t len)
{
	struct mars_client_group *g;

	if (group == NULL || len == 0 || len > MARS_CLIENT_PA_MAX)
		return MARS_E_INVAL;
	if ((g = client_group_find(cl, group, len)) != NULL) {
		if (g->op == MARS_JOIN || (g->op == 0 && g->joined))
			return 0;
	} else if ((g = group_add(cl, group, len)) == NULL)
		return MARS_E_NOSPACE;
	g->op = MARS_JOIN;
	g->sent = 0;
	g->next = now;
	if (cl->state == MARS_CLIENT_REGISTERED)
		group_send(cl, now, g);
	return 0;
}

int
mars_client_leave(struct mars_client *cl, mars_time_t now, const uint8_t *group,
    size_t len)
{
	struct mars_client_pa pa;
	struct mars_client_group *g;

	if (group == NULL || len == 0 || len > MARS_CLIENT_PA_MAX ||
	    (g = client_group_find(cl, group, len)) == NULL)
		return MARS_E_INVAL;
	if (g->op == MARS_LEAVE)
		return 0;
	if (g->rejoin) {
		g->rejoin = false;
		rejoin_check(cl, now);
		if ((g = client_group_find(cl, group, len)) == NULL)
			return 0;
	}
	if (!g->joined && g->sent == 0) {
		/* The MARS never heard of it: nothing to retract. */
		pa = g->pa;
		group_remove(cl, g);
		emit_group(cl, MARS_EV_LEFT, now, &pa, NULL);
		return 0;
	}
	g->op = MARS_LEAVE;
	g->sent = 0;
	g->next = now;
	if (cl->state == MARS_CLIENT_REGISTERED)
		group_send(cl, now, g);
	return 0;
}

/*
 * §5.2.2: a copy matches mar$op, register and sequence flags, mar$pnum,
 * the source ATM address and the first pair, and has copy = 1,
 * punched = 0.  It may come on ClusterControlVC or privately.
 */
void
client_groups_input(struct mars_client *cl, mars_time_t now,
    const struct mars_msg *m)
{
	struct mars_client_pa pa;
	struct mars_client_group *g;
	const uint8_t *min, *max;
	bool rejoin;

	if ((m->flags & (MARS_FLAG_COPY | MARS_FLAG_PUNCHED |
	    MARS_FLAG_REGISTER | MARS_FLAG_SEQUENCE)) != MARS_FLAG_COPY ||
	    m->pnum != 1 || m->grp_len == 0 || !client_is_own(cl, m))
		return;
	mars_pair(m, 0, &min, &max);
	if (min == NULL || memcmp(min, max, m->grp_len) != 0 ||
	    (g = client_group_find(cl, min, m->grp_len)) == NULL ||
	    g->op != m->op)
		return;
	pa = g->pa;
	if (m->op == MARS_JOIN) {
		g->op = 0;
		g->joined = true;
		rejoin = g->rejoin;
		g->rejoin = false;
		emit_group(cl, MARS_EV_JOINED, now, &pa, m);
		if (rejoin)
			rejoin_check(cl, now);
	} else {
		group_remove(cl, g);
		emit_group(cl, MARS_EV_LEFT, now, &pa, m);
	}
}

/* §5.2.2: resend every interval; after the limit the MARS has failed. */
void
client_groups_tick(struct mars_client *cl, mars_time_t now)
{
	struct mars_client_group *g;
	size_t i;

	for (i = 0; i < cl->ngroups && cl->state == MARS_CLIENT_REGISTERED; i++) {
		g = &cl->groups[i];
		if (g->op == 0 || g->next > now)
			continue;
		if (g->sent > cl->conf.retransmit_limit) {
			client_mars_failed(cl, now, g->op == MARS_JOIN ?
			    "MARS_JOIN not confirmed" :
			    "MARS_LEAVE not confirmed");
			return;
		}
		group_send(cl, now, g);
	}
}

mars_time_t
client_groups_next(const struct mars_client *cl)
{
	mars_time_t t = MARS_TIME_NEVER;
	size_t i;

	for (i = 0; i < cl->ngroups; i++)
		if (cl->groups[i].op != 0)
			client_min(&t, cl->groups[i].next);
	return t;
}

/*
 * Registration succeeded.  First registration: send what was queued.
 * After a failure or a hard redirect (§5.4.1): re-join every group, with
 * a random 1-10 s delay before each JOIN.
 */
void
client_groups_registered(struct mars_client *cl, mars_time_t now,
    bool recovering)
{
	struct mars_client_group *g;
	mars_time_t t = now;
	size_t i;

	if (!recovering) {
		/* Queued operations are due since they were asked for. */
		client_groups_tick(cl, now);
		return;
	}
	for (i = 0; i < cl->ngroups; i++) {
		g = &cl->groups[i];
		if (g->joined || g->op == MARS_JOIN) {
			g->op = MARS_JOIN;
			g->joined = false;
			g->rejoin = true;
		}
		t += client_rand(cl, cl->conf.rejoin_min, cl->conf.rejoin_max);
		g->sent = 0;
		g->next = t;
	}
	cl->rejoining = true;
	rejoin_check(cl, now);
}

void
client_groups_clear(struct mars_client *cl)
{
	cl->ngroups = 0;
	cl->rejoining = false;
}

size_t
mars_client_group_count(const struct mars_client *cl)
{
	return cl->ngroups;
}

const struct mars_client_pa *
mars_client_group(const struct mars_client *cl, size_t i,
    enum mars_client_group_state *st)
{
	const struct mars_client_group *g;

	if (i >= cl->ngroups)
		return NULL;
	g = &cl->groups[i];
	if (st != NULL)
		*st = g->op == MARS_LEAVE ? MARS_CLIENT_GRP_LEAVING :
		    g->op == MARS_JOIN ? MARS_CLIENT_GRP_JOINING : MARS_CLIENT_GRP_JOINED;
	return &g->pa;
}
