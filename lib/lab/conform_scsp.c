/*
 * Conformance case: no soft redirect to an entity whose cache is not
 * aligned (draft-armitage-ion-mars-scsp-03 §3.4: "the new Active MARS
 * must have synchronized its database with the previous Active MARS
 * prior to the redirection").
 *
 * A member cannot see alignment, so the suite makes the situation
 * itself: it comes up as an entity of the MARS Group that ranks above
 * the MARS under test and is not running (its inter-server endpoint is
 * free), says SCSP Hello (RFC 2334 §2.1, B.2.5) until the MARS under
 * test takes it for alive -- it starts Cache Alignment (§2.2) -- and
 * never answers a single CA message, so its cache is never aligned.  A
 * conforming Active keeps its place; one that counts living peers as
 * ready hands its members over with a soft redirect naming the newcomer
 * first, which the run's watcher sees on ClusterControlVC.
 *
 * RFC 2443 leaves the SCSP identifiers open; the suite uses the ones
 * the cluster file implies in marsd(8): Local Server ID = the entity's
 * place in the file counted from 1, four octets; Server Group ID and
 * Family ID 0; Protocol ID 3.  Under load sharing it skips.
 */
#include <stdio.h>
#include <string.h>

#include "mars/config.h"
#include "mars/redund.h"
#include "mars/scsp.h"
#include "conform_int.h"

struct pose {
	struct cf_run	*r;
	struct mars_link *link;
	uint32_t	 peer;		/* the MARS under test's peer side */
	uint8_t		 own[4];	/* Local Server IDs */
	uint8_t		 its[4];
	uint16_t	 hello_s;
	uint16_t	 dead_factor;
	bool		 ca_seen;	/* it started Cache Alignment with us */
	uint64_t	 scsp_in;
	const uint8_t	*atm;		/* the entity we pose as */
	uint8_t		 atm_len;
	mars_time_t	 since;
	char		 redirect[200];	/* the map that named us first */
};

static const struct mars_endpoint *
peer_side(const struct mars_entity_conf *e)
{
	return e->has_peer_endpoint ? &e->peer_endpoint : &e->endpoint;
}

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
pose_read(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	struct pose *ps = arg;
	struct mars_link_rx rx;
	struct mars_pdu pdu;
	uint32_t lost;
	int n, rc;

	(void)loop;
	(void)fd;
	(void)revents;
	for (n = 0; n < 64; n++) {
		rc = mars_link_recv(ps->link, ps->r->rxbuf,
		    sizeof(ps->r->rxbuf), &rx, NULL);
		if (rc == 0)
			break;
		if (rc < 0 || rx.peer != ps->peer)
			continue;
		(void)mars_pdu_decode(&pdu, rx.sdu, rx.len, 0);
		if (pdu.kind != MARS_PDU_SCSP)
			continue;
		ps->scsp_in++;
		if (pdu.u.scsp.type == MARS_SCSP_CA)
			ps->ca_seen = true;
	}
	while (mars_link_lost(ps->link, &lost) == 1)
		;
}

/* RFC 2334 B.2.5: a Hello that hears the MARS under test. */
static void
hello(struct pose *ps)
{
	struct mars_scsp_msg m;
	uint8_t buf[128];
	struct mars_vc vc = { MARS_VC_SERVER, ps->peer };
	size_t len;

	memset(&m, 0, sizeof(m));
	m.version = MARS_SCSP_VERSION;
	m.type = MARS_SCSP_HELLO;
	m.hello_interval = ps->hello_s;
	m.dead_factor = ps->dead_factor;
	m.protocol_id = MARS_SCSP_PROTO_MARS;
	m.sender.p = ps->own;
	m.sender.len = 4;
	m.receiver.p = ps->its;
	m.receiver.len = 4;
	if (mars_scsp_encode(&m, buf, sizeof(buf), &len, MARS_SCSP_ENC_LLC,
	    NULL) == 0)
		(void)mars_link_send(ps->link, &vc, buf, len, NULL);
}

/* A map on ClusterControlVC, since we came up, naming us first. */
static bool
redirected(void *arg)
{
	struct pose *ps = arg;
	const struct cf_msg *x;
	const struct mars_msg *mm;
	struct mars_atm tha, tsa;

	for (x = ps->r->watch->head; x != NULL; x = x->next) {
		if (x->at < ps->since || x->kind != MARS_VC_CCVC ||
		    (mm = cf_mars(x)) == NULL || mm->tnum == 0)
			continue;
		mars_target(mm, 0, &tha, &tsa);
		if (tha.tl == ps->atm_len && tha.addr != NULL &&
		    memcmp(tha.addr, ps->atm, ps->atm_len) == 0) {
			cf_describe(x, ps->redirect, sizeof(ps->redirect));
			return true;
		}
	}
	return false;
}

/* The first entity above self in the election order whose inter-server
 * endpoint is free (it is not running), -1 if none. */
static int
newcomer(const struct mars_cluster_conf *cc, int self, struct mars_link **lp)
{
	struct mars_redund_view v[MARS_CONF_MARS_MAX];
	uint8_t order[MARS_CONF_MARS_MAX];
	size_t i;

	memset(v, 0, sizeof(v));
	for (i = 0; i < cc->n_mars; i++) {
		v[i].atm = cc->mars[i].atm;
		v[i].atm_len = cc->mars[i].atm_len;
		v[i].priority = cc->mars[i].priority;
	}
	mars_redund_elect_order(v, cc->n_mars, order);
	for (i = 0; i < cc->n_mars && order[i] != self; i++)
		if (mars_link_open(lp, peer_side(&cc->mars[order[i]]), 0,
		    NULL) == 0)
			return order[i];
	return -1;
}

int
cf_case_cluster_soft_after_sync(struct cf_run *r)
{
	const struct mars_cluster_conf *cc = r->conf->cluster;
	struct mars_link *link = NULL;
	struct pose ps;
	mars_time_t deadline, next, step;
	int self = -1, k;
	bool ca_noted = false;
	size_t i;

	if (cc == NULL)
		return cf_skip(r, "no cluster file: the MARS Group is unknown");
	if (cc->n_partitions != 0)
		return cf_skip(r, "load sharing: this case poses as a Backup of "
		    "the fault-tolerant model only");
	if (r->watch == NULL)
		return cf_skip(r, "no member could stay registered to receive "
		    "maps: %s", r->watch_why);
	for (i = 0; i < cc->n_mars; i++)
		if (mars_endpoint_equal(&cc->mars[i].endpoint, &r->mars))
			self = (int)i;
	if (self < 0)
		return cf_skip(r, "the MARS under test is not an entity of the "
		    "cluster file (by its endpoint)");
	if ((k = newcomer(cc, self, &link)) < 0)
		return cf_skip(r, "no entity ranks above %s and is down (its "
		    "inter-server endpoint free) for the suite to pose as",
		    cc->mars[self].name);
	memset(&ps, 0, sizeof(ps));
	ps.r = r;
	ps.link = link;
	ps.atm = cc->mars[k].atm;
	ps.atm_len = cc->mars[k].atm_len;
	be32(ps.own, (uint32_t)k + 1);
	be32(ps.its, (uint32_t)self + 1);
	ps.hello_s = (uint16_t)(cc->hello_interval >= 1000 ?
	    cc->hello_interval / 1000 : 1);
	ps.dead_factor = (uint16_t)(cc->dead_factor != 0 ? cc->dead_factor : 3);
	if (mars_link_peer_add(link, peer_side(&cc->mars[self]), &ps.peer,
	    NULL) != 0 || mars_evloop_fd_add(r->loop, mars_link_fd(link),
	    MARS_EVLOOP_READ, pose_read, &ps) != 0) {
		mars_link_close(link);
		return cf_skip(r, "cannot reach %s's inter-server endpoint",
		    cc->mars[self].name);
	}
	ps.since = cf_now();
	/* Alive within one Hello; a soft redirect comes at once with the
	 * election.  Watch a few Hello intervals beyond. */
	step = (mars_time_t)ps.hello_s * 1000 / 2;
	deadline = ps.since + 4 * (mars_time_t)ps.hello_s * 1000 + r->timeout;
	while (cf_now() < deadline) {
		/* Taken for alive (CA begun): the election that follows is
		 * immediate; one more Hello interval is plenty. */
		if (ps.ca_seen && !ca_noted) {
			ca_noted = true;
			if (cf_now() + 2 * step < deadline)
				deadline = cf_now() + 2 * step;
		}
		hello(&ps);
		next = cf_now() + step;
		if (cf_wait(r, next < deadline ? next : deadline, redirected,
		    &ps))
			break;
	}
	mars_evloop_fd_del(r->loop, mars_link_fd(link));
	mars_link_close(link);
	if (ps.redirect[0] != '\0')
		return cf_fail(r, "posing as %s (ranked above %s) with Hellos "
		    "only, its cache never aligned, %s redirected the cluster "
		    "to it: %s", cc->mars[k].name, cc->mars[self].name,
		    cc->mars[self].name, ps.redirect);
	if (!ps.ca_seen)
		return cf_skip(r, "cannot tell: posing as %s, %s never started "
		    "Cache Alignment (%llu SCSP messages came): it did not "
		    "take the Hellos", cc->mars[k].name, cc->mars[self].name,
		    (unsigned long long)ps.scsp_in);
	return MARS_CONFORM_PASS;
}
