/*
 * One MARS entity of a distributed MARS (draft-armitage-ion-mars-scsp-03
 * §3, §4; RFC 2443): an RFC 2022 server and an SCSP node, the Living
 * Group, the election, the redirect maps and the replication of the
 * server database.  The choices are described in redund.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mars/err.h"
#include "mars/pdu.h"
#include "mars/proto.h"
#include "mars/redund.h"
#include "mars/scspfsm.h"
#include "mars/shim.h"

#define BODY_MAX	256

struct pub {
	struct mars_redund_rec rec;
	uint8_t		 key[MARS_SCSP_MARS_ID_LEN];
	bool		 mark;
	bool		 dirty;		/* to originate at the next publish */
};

struct mars_redund {
	struct mars_redund_conf conf;
	const struct mars_cluster_conf *cc;
	struct mars_io	 io;
	struct mars_server *srv;
	struct mars_scsp_node *scsp;
	struct mars_scsp_dcs_conf dcs[MARS_REDUND_MAX];
	int		 dcs_of[MARS_REDUND_MAX];	/* entity -> DCS index */
	unsigned	 self;
	unsigned	 n;
	uint16_t	 pro;
	mars_time_t	 now;
	mars_time_t	 start;
	mars_time_t	 dead_ms;
	bool		 started;
	bool		 ready;
	unsigned	 faults;
	uint64_t	 dropped_unready;	/* registrations before ready */

	struct mars_redund_view view[MARS_REDUND_MAX];
	size_t		 nparts;
	uint8_t		 plist[MARS_REDUND_PART_MAX][MARS_REDUND_MAX];
	size_t		 plen[MARS_REDUND_PART_MAX];
	uint16_t	 pcmi_lo[MARS_REDUND_PART_MAX];
	uint16_t	 pcmi_hi[MARS_REDUND_PART_MAX];
	int		 active[MARS_REDUND_PART_MAX];
	uint8_t		 map[MARS_REDUND_PART_MAX][MARS_REDUND_MAX];
	size_t		 maplen[MARS_REDUND_PART_MAX];
	unsigned	 nactive;
	bool		 elected;
	mars_time_t	 last_elect;
	unsigned	 elections;
	mars_time_t	 mcs_deadline;
	mars_time_t	 next_pmap;

	struct pub	*pub;
	size_t		 npub;
	size_t		 cappub;
	uint32_t	 next_key;
	bool		 in_update;

	struct mars_pdu	 pdu;
	uint8_t		 body[BODY_MAX];
};

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static struct mars_server_atm
entity_atm(const struct mars_redund *r, unsigned i)
{
	struct mars_server_atm a;
	const struct mars_entity_conf *e = &r->cc->mars[i];

	memset(&a, 0, sizeof(a));
	a.tl = e->atm_len & MARS_ATM_TL_LEN;
	memcpy(a.addr, e->atm, e->atm_len);
	return a;
}

static bool
in_block(const struct mars_redund *r, size_t p, uint16_t cmi)
{
	return r->pcmi_hi[p] == 0 ||
	    (cmi >= r->pcmi_lo[p] && cmi <= r->pcmi_hi[p]);
}

/* The partition a member with that CMI belongs to, among those we serve
 * (active_only) or among all; -1 when there is none. */
static int
member_part(const struct mars_redund *r, uint16_t cmi, bool active_only)
{
	size_t p;
	int first = -1;

	for (p = 0; p < r->nparts; p++) {
		if (active_only && r->active[p] != (int)r->self)
			continue;
		if (in_block(r, p, cmi))
			return (int)p;
	}
	for (p = 0; p < r->nparts && first < 0; p++) {
		if (active_only ? r->active[p] == (int)r->self :
		    memchr(r->plist[p], (int)r->self, r->plen[p]) != NULL)
			first = (int)p;
	}
	return first >= 0 ? first : 0;
}

static size_t
map_atms(const struct mars_redund *r, size_t p, struct mars_server_atm *out)
{
	size_t i;

	for (i = 0; i < r->maplen[p] && i < MARS_SERVER_MARS_MAX; i++)
		out[i] = entity_atm(r, r->map[p][i]);
	return i;
}

/* Partition p's map privately to each of its members attached to us. */
static void
private_maps(struct mars_redund *r, int p, bool hard)
{
	struct mars_server_atm list[MARS_SERVER_MARS_MAX];
	struct mars_server_member_info mi;
	struct mars_vc vc;
	uint32_t cur = 0, *vcs = NULL;
	int *parts = NULL;
	size_t n = 0, cap = 0, i, k;

	/* Collect first: sending may not change the database, but be safe. */
	while (mars_server_member_next(r->srv, &cur, &mi)) {
		if (!mi.registered || mi.vc_id == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			vcs = realloc(vcs, cap * sizeof(*vcs));
			parts = realloc(parts, cap * sizeof(*parts));
			if (vcs == NULL || parts == NULL)
				goto out;
		}
		vcs[n] = mi.vc_id;
		parts[n] = member_part(r, mi.cmi, p < 0);
		n++;
	}
	for (i = 0; i < n; i++) {
		if (p >= 0 && parts[i] != p)
			continue;
		k = map_atms(r, (size_t)parts[i], list);
		vc.kind = MARS_VC_P2P;
		vc.id = vcs[i];
		mars_server_send_redirect(r->srv, r->now, &vc, list, k, hard);
	}
out:
	free(vcs);
	free(parts);
}

/* ---- the Living Group and the election ---- */

static bool
peer_alive(const struct mars_redund *r, unsigned j)
{
	return r->dcs_of[j] >= 0 && mars_scsp_hello_state(r->scsp,
	    (unsigned)r->dcs_of[j]) == MARS_SCSP_HS_BIDIR;
}

static bool
peer_aligned(const struct mars_redund *r, unsigned j)
{
	return r->dcs_of[j] >= 0 && mars_scsp_ca_state(r->scsp,
	    (unsigned)r->dcs_of[j]) == MARS_SCSP_CA_ALIGNED;
}

/*
 * The Active of partition p.  Without a living current Active, a living
 * entity that is not ready yet but comes before every ready one is waited
 * for (it is aligning): the group does not elect a lesser entity for a
 * moment, as it would while booting.  It is only pointed to.
 */
static int
choose(const struct mars_redund *r, size_t p, int cur)
{
	int a;
	size_t i;

	a = mars_redund_elect_active(r->view, r->plist[p], r->plen[p], false);
	if (a < 0)
		return mars_redund_elect_active(r->view, r->plist[p], r->plen[p],
		    true);
	if (cur >= 0 && r->view[cur].alive && r->view[cur].ready)
		return a;
	for (i = 0; i < r->plen[p] && r->plist[p][i] != a; i++)
		if (r->view[r->plist[p][i]].alive)
			return r->plist[p][i];
	return a;
}

static void
elect(struct mars_redund *r)
{
	struct mars_server_atm list[MARS_SERVER_MARS_MAX];
	int old[MARS_REDUND_PART_MAX];
	uint8_t oldmap[MARS_REDUND_PART_MAX][MARS_REDUND_MAX];
	size_t oldlen[MARS_REDUND_PART_MAX], p, k;
	unsigned j, oldn = r->nactive, any_alive = 0, any_aligned = 0;
	bool changed = false, skip = (r->faults & MARS_REDUND_FI_SKIP_SYNC) != 0;
	const struct mars_entity_conf *me;
	int first = -1;

	if (!r->started)
		return;
	for (j = 0; j < r->n; j++) {
		if (j == r->self)
			continue;
		r->view[j].alive = peer_alive(r, j);
		r->view[j].ready = r->view[j].alive &&
		    (skip || peer_aligned(r, j));
		any_alive += r->view[j].alive;
		any_aligned += r->view[j].alive && peer_aligned(r, j);
	}
	if (!r->ready && (any_aligned > 0 || (skip && any_alive > 0) ||
	    (any_alive == 0 && r->now >= r->start + r->dead_ms)))
		r->ready = true;
	/* An entity that is not ready never points members at itself. */
	r->view[r->self].alive = r->ready;
	r->view[r->self].ready = r->ready;

	memcpy(old, r->active, sizeof(old));
	memcpy(oldmap, r->map, sizeof(oldmap));
	memcpy(oldlen, r->maplen, sizeof(oldlen));
	r->nactive = 0;
	for (p = 0; p < r->nparts; p++) {
		r->active[p] = choose(r, p, old[p]);
		r->view[r->self].alive = true;
		r->maplen[p] = mars_redund_compose_map(r->view, r->plist[p],
		    r->plen[p], r->active[p],
		    (r->faults & MARS_REDUND_FI_OMIT_DEAD) != 0, r->map[p]);
		if (r->active[p] == (int)r->self) {
			r->nactive++;
			if (first < 0)
				first = (int)p;
		}
		if (old[p] != r->active[p])
			changed = true;
		r->view[r->self].alive = r->ready;
	}
	r->view[r->self].alive = true;
	if (changed || !r->elected) {
		r->elections++;
		r->last_elect = r->now;
		r->elected = true;
	}

	/* §3.4: we lost a partition to a living entity: soft redirect. */
	for (p = 0; p < r->nparts; p++) {
		if (old[p] != (int)r->self || r->active[p] == (int)r->self ||
		    r->active[p] < 0)
			continue;
		if (oldn == 1) {
			k = map_atms(r, p, list);
			(void)mars_server_set_redirect_map(r->srv, list, k, false);
			mars_server_redirect_now(r->srv, r->now);
		} else
			private_maps(r, (int)p, false);
	}
	if (r->nactive == 0) {
		mars_server_redirect_stop(r->srv);
		/* A Backup registers members from its own [mars] cmi range. */
		me = &r->cc->mars[r->self];
		(void)mars_server_set_cmi_block(r->srv, me->has_cmi ? me->cmi_low :
		    0, me->has_cmi ? me->cmi_high : 0);
		r->next_pmap = MARS_TIME_NEVER;
		r->mcs_deadline = MARS_TIME_NEVER;
		return;
	}
	(void)mars_server_set_cmi_block(r->srv, r->pcmi_lo[first],
	    r->pcmi_hi[first]);
	if (oldn == 0) {
		/* Takeover: §3.6 clock for MCSs that must re-register. */
		r->mcs_deadline = r->now + r->cc->mcs_timeout;
	}
	if (r->nactive == 1) {
		r->next_pmap = MARS_TIME_NEVER;
		k = map_atms(r, (size_t)first, list);
		(void)mars_server_set_redirect_map(r->srv, list, k, false);
		if (oldn != 1 || old[first] != (int)r->self ||
		    oldlen[first] != r->maplen[first] ||
		    memcmp(oldmap[first], r->map[first], r->maplen[first]) != 0)
			mars_server_redirect_now(r->srv, r->now);
	} else {
		mars_server_redirect_stop(r->srv);
		if (oldn < 2 || memcmp(oldmap, r->map, sizeof(oldmap)) != 0)
			r->next_pmap = r->now;
	}
}

/* ---- replication ---- */

static void
originate(struct mars_redund *r, struct pub *pb)
{
	size_t len;

	if (mars_redund_rec_encode(&pb->rec, r->pro, r->body, sizeof(r->body),
	    &len) != 0)
		return;
	(void)mars_scsp_originate(r->scsp, r->now, pb->key, sizeof(pb->key),
	    r->body, (uint16_t)len, NULL);
}

static bool
rec_differs(const struct mars_redund_rec *a, const struct mars_redund_rec *b)
{
	return a->live != b->live || a->cmi != b->cmi ||
	    a->layer3grp != b->layer3grp || a->spa_len != b->spa_len ||
	    memcmp(a->spa, b->spa, a->spa_len) != 0 ||
	    memcmp(&a->atm, &b->atm, sizeof(a->atm)) != 0;
}

static struct pub *
pub_find(struct mars_redund *r, const struct mars_redund_rec *rec)
{
	size_t i;

	for (i = 0; i < r->npub; i++)
		if (mars_redund_rec_same(&r->pub[i].rec, rec))
			return &r->pub[i];
	return NULL;
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
	pb = &r->pub[r->npub++];
	memset(pb, 0, sizeof(*pb));
	pb->rec = *rec;
	if (key != NULL)
		memcpy(pb->key, key, sizeof(pb->key));
	else {
		pb->key[0] = rec->cls;
		pb->key[1] = (uint8_t)(r->next_key >> 16);
		pb->key[2] = (uint8_t)(r->next_key >> 8);
		pb->key[3] = (uint8_t)r->next_key;
		r->next_key = (r->next_key + 1) & 0xffffff;
	}
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

/* Make what we originate match what we hold (redund.h, Replication). */
static void
publish(struct mars_redund *r)
{
	struct mars_redund_rec rec;
	struct pub *pb;
	size_t i, p, k;

	if (!r->started || r->in_update)
		return;
	for (i = 0; i < r->npub; i++)
		r->pub[i].mark = false;
	memset(&rec, 0, sizeof(rec));
	rec.cls = MARS_REDUND_K_HEARTBEAT;
	rec.live = true;
	rec.atm = entity_atm(r, r->self);
	(void)want(r, &rec);
	for (p = 0; p < r->nparts; p++) {
		if (r->active[p] != (int)r->self)
			continue;
		for (k = 0; k < r->maplen[p]; k++) {
			memset(&rec, 0, sizeof(rec));
			rec.cls = MARS_REDUND_K_MAP;
			rec.live = true;
			rec.cmi = (uint16_t)(((p + 1) << 8) | k);
			rec.atm = entity_atm(r, r->map[p][k]);
			if ((pb = pub_find(r, &rec)) == NULL) {
				uint8_t key[4] = { MARS_REDUND_K_MAP,
				    (uint8_t)(p + 1), 0, (uint8_t)k };
				if ((pb = pub_add(r, &rec, key)) == NULL)
					continue;
				originate(r, pb);
			} else if (rec_differs(&pb->rec, &rec)) {
				pb->rec = rec;
				originate(r, pb);
			}
			pb->mark = true;
		}
	}
	(void)mars_redund_rec_export(r->srv, want, r);
	for (i = 0; i < r->npub; ) {
		pb = &r->pub[i];
		if (pb->dirty) {
			pb->dirty = false;
			originate(r, pb);
		}
		if (pb->mark || !pb->rec.live) {
			i++;
			continue;
		}
		if (pb->rec.cls == MARS_REDUND_K_MAP) {
			(void)mars_scsp_withdraw(r->scsp, r->now, pb->key,
			    sizeof(pb->key));
			r->pub[i] = r->pub[--r->npub];
			continue;
		}
		pb->rec.live = false;
		originate(r, pb);
		i++;
	}
}

/* Another originator's live record for the same fact (a leave is then
 * not applied). */
static bool
held_elsewhere(const struct mars_redund *r, const struct mars_redund_rec *rec,
    const struct mars_scsp_id *oid)
{
	struct mars_scsp_entry_view v;
	struct mars_redund_rec o;
	size_t i;

	for (i = 0; mars_scsp_cache_get(r->scsp, i, &v); i++) {
		if (v.null || v.key.len != MARS_SCSP_MARS_ID_LEN ||
		    v.key.p[0] != rec->cls || mars_scsp_id_cmp(&v.oid, oid) == 0)
			continue;
		if (mars_redund_rec_decode(&o, v.key.p[0], v.body, v.body_len) == 0 &&
		    o.live && mars_redund_rec_same(&o, rec))
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
		    r->active[member_part(r, mi.cmi, false)] == (int)r->self;
	if (rec->cls != MARS_REDUND_K_MCS || r->nactive == 0)
		return false;
	while (mars_server_mcs_next(r->srv, &cur, &ci))
		if (memcmp(ci.atm, &rec->atm, sizeof(rec->atm)) == 0)
			return ci.vc_id != 0;
	return false;
}

static void
on_update(void *ctx, const struct mars_scsp_update *u)
{
	struct mars_redund *r = ctx;
	struct mars_redund_rec rec;
	struct pub *pb;
	bool held;

	if (u->kind == MARS_SCSP_UPD_REMOVED || u->key.len != MARS_SCSP_MARS_ID_LEN ||
	    u->body == NULL)
		return;
	if (mars_redund_rec_decode(&rec, u->key.p[0], u->body, u->body_len) != 0)
		return;
	if (rec.cls == MARS_REDUND_K_MAP)	/* partition and position: the key */
		rec.cmi = (uint16_t)(u->key.p[1] << 8 | u->key.p[3]);
	if (u->own) {
		/*
		 * A previous incarnation's record: take it back (state 4/5,
		 * or withdrawn for a map entry) at the next publish(), not
		 * from inside the SCSP node's callback.
		 */
		if (!rec.live || rec.cls == MARS_REDUND_K_HEARTBEAT ||
		    pub_find(r, &rec) != NULL)
			return;
		if (rec.cls != MARS_REDUND_K_MAP)
			rec.live = false;
		if ((pb = pub_add(r, &rec, u->key.p)) != NULL)
			pb->dirty = rec.cls != MARS_REDUND_K_MAP;
		return;
	}
	if (rec.live && keeps_own(r, &rec))
		return;
	held = !rec.live && held_elsewhere(r, &rec, &u->oid);
	r->in_update = true;
	(void)mars_redund_rec_apply(r->srv, r->now, &rec, r->nactive > 0, held);
	r->in_update = false;
}

/* ---- the entity ---- */

struct mars_redund *
mars_redund_new(const struct mars_redund_conf *c, const struct mars_io *io)
{
	const struct mars_cluster_conf *cc;
	struct mars_redund *r;
	struct mars_server_conf sc;
	struct mars_scsp_conf xc;
	const struct mars_entity_conf *me;
	uint8_t order[MARS_REDUND_MAX];
	unsigned j, k = 0;
	size_t p, i;

	if (c == NULL || io == NULL || io->send == NULL ||
	    (cc = c->cluster) == NULL || c->self >= cc->n_mars ||
	    cc->n_mars > MARS_REDUND_MAX || cc->n_partitions > MARS_REDUND_PART_MAX)
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->conf = *c;
	r->cc = cc;
	r->io = *io;
	r->self = c->self;
	r->n = (unsigned)cc->n_mars;
	r->pro = cc->protocol == MARS_CONF_PROTO_IPV6 ? MARS_PRO_IPV6 :
	    MARS_PRO_IPV4;
	r->next_pmap = r->mcs_deadline = MARS_TIME_NEVER;
	me = &cc->mars[r->self];

	mars_server_conf_init(&sc, r->pro, me->atm, me->atm_len & MARS_ATM_TL_LEN);
	sc.redirect_interval = cc->redirect_interval;
	sc.cmi_hold = c->cmi_hold;
	sc.leaf = c->leaf;
	if ((r->srv = mars_server_new(&sc, io)) == NULL)
		goto fail;

	for (j = 0; j < r->n; j++) {
		r->view[j].atm = cc->mars[j].atm;
		r->view[j].atm_len = cc->mars[j].atm_len;
		r->view[j].priority = cc->mars[j].priority;
		r->dcs_of[j] = -1;
		r->active[j] = -1;
		if (j == r->self)
			continue;
		be32(r->dcs[k].id, j + 1);
		r->dcs[k].id_len = 4;
		r->dcs[k].vc_id = c->peer_vc[j] ? c->peer_vc[j] : j + 1;
		r->dcs_of[j] = (int)k++;
	}
	memset(&xc, 0, sizeof(xc));
	be32(xc.lsid, r->self + 1);
	xc.lsid_len = 4;
	xc.protocol_id = MARS_SCSP_PROTO_MARS;
	xc.dcs = r->dcs;
	xc.ndcs = k;
	xc.hello_interval = (uint16_t)(cc->hello_interval >= 1000 ?
	    cc->hello_interval / 1000 : 1);
	xc.dead_factor = (uint16_t)(cc->dead_factor ? cc->dead_factor : 3);
	xc.seed = c->seed ^ (r->self + 1);
	xc.io = *io;
	xc.on_update = on_update;
	xc.update_ctx = r;
	r->dead_ms = (mars_time_t)xc.hello_interval * 1000 * xc.dead_factor;
	if ((r->scsp = mars_scsp_node_new(&xc)) == NULL)
		goto fail;

	if (cc->n_partitions == 0) {
		/* Fault-tolerant model: one "partition" in election order. */
		mars_redund_elect_order(r->view, r->n, order);
		r->nparts = 1;
		memcpy(r->plist[0], order, r->n);
		r->plen[0] = r->n;
		if (me->has_cmi) {
			r->pcmi_lo[0] = me->cmi_low;
			r->pcmi_hi[0] = me->cmi_high;
		}
	} else {
		r->nparts = cc->n_partitions;
		for (p = 0; p < r->nparts; p++) {
			r->plen[p] = cc->partitions[p].n_mars;
			for (i = 0; i < r->plen[p]; i++)
				r->plist[p][i] = cc->partitions[p].mars[i];
			r->pcmi_lo[p] = cc->partitions[p].cmi_low;
			r->pcmi_hi[p] = cc->partitions[p].cmi_high;
		}
	}
	for (p = 0; p < MARS_REDUND_PART_MAX; p++)
		r->active[p] = -1;
	return r;
fail:
	mars_redund_free(r);
	return NULL;
}

void
mars_redund_free(struct mars_redund *r)
{
	if (r == NULL)
		return;
	mars_server_free(r->srv);
	mars_scsp_node_free(r->scsp);
	free(r->pub);
	free(r);
}

static void
settle(struct mars_redund *r)
{
	elect(r);
	publish(r);
}

void
mars_redund_start(struct mars_redund *r, mars_time_t now)
{
	r->now = r->start = now;
	r->started = true;
	mars_scsp_start(r->scsp, now);
	settle(r);
}

static bool
any_peer_alive(const struct mars_redund *r)
{
	unsigned j;

	for (j = 0; j < r->n; j++)
		if (j != r->self && peer_alive(r, j))
			return true;
	return false;
}

/* draft §3.2: registration JOIN (register = 1, copy = 0). */
static bool
is_registration(struct mars_redund *r, const uint8_t *sdu, size_t len,
    struct mars_server_atm *who)
{
	const struct mars_msg *m = &r->pdu.u.mars;

	if (mars_pdu_decode(&r->pdu, sdu, len, MARS_PDU_DEC_NOCHKSUM) != 0 ||
	    r->pdu.kind != MARS_PDU_MARS || m->op != MARS_JOIN ||
	    (m->flags & (MARS_FLAG_REGISTER | MARS_FLAG_COPY)) !=
	    MARS_FLAG_REGISTER || (m->sha.tl & MARS_ATM_TL_LEN) == 0)
		return false;
	memset(who, 0, sizeof(*who));
	who->tl = m->sha.tl;
	memcpy(who->addr, m->sha.addr, m->sha.tl & MARS_ATM_TL_LEN);
	who->sub_tl = m->ssa.tl;
	if (m->ssa.tl & MARS_ATM_TL_LEN)
		memcpy(who->sub, m->ssa.addr, m->ssa.tl & MARS_ATM_TL_LEN);
	return true;
}

/* Fault injection: forget the member's CMI and bind it to another one. */
static void
fresh_cmi(struct mars_redund *r, const struct mars_server_atm *who, uint16_t old)
{
	uint16_t c = old;
	int i;

	(void)mars_server_forget_member(r->srv, r->now, who);
	for (i = 0; i < 64; i++) {
		c = (uint16_t)(c % 0xfff0 + 0x101);
		if (mars_server_import_cmi(r->srv, r->now, who, c) == 0)
			return;
	}
}

void
mars_redund_input(struct mars_redund *r, mars_time_t now, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len)
{
	struct mars_server_atm list[MARS_SERVER_MARS_MAX], who;
	struct mars_server_member_info mi;
	bool reg;
	size_t k;
	int p;

	r->now = now;
	if (vc == NULL)
		return;
	if (vc->kind == MARS_VC_SERVER || (len >= MARS_LLC_SNAP_LEN &&
	    sdu[6] == 0x00 && sdu[7] == MARS_LLC_PID_SCSP)) {
		mars_scsp_input(r->scsp, now, vc, sdu, len);
		settle(r);
		return;
	}
	reg = vc->kind == MARS_VC_P2P && is_registration(r, sdu, len, &who);
	if (reg && !r->ready && !(r->faults & MARS_REDUND_FI_SKIP_SYNC) &&
	    any_peer_alive(r)) {
		/*
		 * §3.3, §3.4: not synchronised yet, so a CMI given now could
		 * be one the cluster already bound to another member.  The
		 * member retransmits (RFC 2022 §5.2.2) and is answered once
		 * our cache is aligned.  An old Active sees us ready as soon
		 * as its side of the alignment is done, while ours may still
		 * be fetching entries: its soft redirect can come first.
		 */
		r->dropped_unready++;
		return;
	}
	if (reg && (r->faults & MARS_REDUND_FI_FRESH_CMI) && r->nactive > 0 &&
	    mars_server_member_find(r->srv, &who, &mi) && mi.vc_id != vc->id)
		fresh_cmi(r, &who, mi.cmi);
	mars_server_input(r->srv, now, vc, sdu, len);
	if (reg && mars_server_member_find(r->srv, &who, &mi) && mi.registered) {
		/* §3.2: a Backup (or the Active of other partitions) sends
		 * the member on, hard, to the Active of its partition. */
		p = member_part(r, mi.cmi, false);
		k = map_atms(r, (size_t)p, list);
		if (r->active[p] >= 0 && r->active[p] != (int)r->self)
			mars_server_send_redirect(r->srv, now, vc, list, k, true);
		else if (r->active[p] == (int)r->self && r->nparts > 1)
			/*
			 * §4: our own member learns its partition's map at
			 * once, not a redirect-interval later: should we die
			 * before then it must step to our Backup, not to
			 * the first MARS it was configured with (possibly
			 * another partition's Active).
			 */
			mars_server_send_redirect(r->srv, now, vc, list, k, false);
	}
	settle(r);
}

static void
mcs_revert_due(struct mars_redund *r)
{
	struct mars_server_mcs_info ci;
	struct mars_server_atm gone[16];
	uint32_t cur = 0;
	size_t n = 0, i;

	while (mars_server_mcs_next(r->srv, &cur, &ci) && n < 16)
		if (ci.vc_id == 0)
			gone[n++] = *ci.atm;
	for (i = 0; i < n; i++)
		(void)mars_server_mcs_revert(r->srv, r->now, &gone[i]);
}

mars_time_t
mars_redund_tick(struct mars_redund *r, mars_time_t now)
{
	mars_time_t next, t;

	r->now = now;
	if (!r->started)
		return MARS_TIME_NEVER;
	next = mars_scsp_tick(r->scsp, now);
	settle(r);
	if (r->nactive > 0 && now >= r->mcs_deadline) {
		r->mcs_deadline = MARS_TIME_NEVER;
		mcs_revert_due(r);
		publish(r);
	}
	if (r->nactive > 1 && now >= r->next_pmap) {
		private_maps(r, -1, false);
		r->next_pmap = now + r->cc->redirect_interval;
	}
	t = mars_server_tick(r->srv, now);
	if (t < next)
		next = t;
	if (r->mcs_deadline < next)
		next = r->mcs_deadline;
	if (r->next_pmap < next)
		next = r->next_pmap;
	if (!r->ready && r->start + r->dead_ms > now &&
	    r->start + r->dead_ms < next)
		next = r->start + r->dead_ms;
	return next;
}

void
mars_redund_leaf_lost(struct mars_redund *r, mars_time_t now, uint32_t peer)
{
	r->now = now;
	mars_server_leaf_lost(r->srv, now, peer);
	settle(r);
}

void
mars_redund_peer_vc(struct mars_redund *r, mars_time_t now, uint32_t vc_id,
    bool up)
{
	r->now = now;
	if (up)
		mars_scsp_vc_up(r->scsp, now, vc_id);
	else
		mars_scsp_vc_down(r->scsp, now, vc_id);
	settle(r);
}

int
mars_redund_set_faults(struct mars_redund *r, unsigned mask)
{
	if (mask != 0 && !r->cc->fault_injection)
		return MARS_E_INVAL;
	r->faults = mask;
	settle(r);
	return 0;
}

/* ---- accessors ---- */

struct mars_server *
mars_redund_server(struct mars_redund *r)
{
	return r->srv;
}

const struct mars_server *
mars_redund_server_const(const struct mars_redund *r)
{
	return r->srv;
}

bool
mars_redund_member(const struct mars_redund *r, unsigned i,
    struct mars_redund_member_info *out)
{
	size_t p;

	if (i >= r->n)
		return false;
	memset(out, 0, sizeof(*out));
	out->name = r->cc->mars[i].name;
	out->self = i == r->self;
	out->alive = r->view[i].alive;
	out->aligned = r->view[i].ready;
	out->priority = r->view[i].priority;
	out->role = out->alive ? MARS_REDUND_BACKUP : MARS_REDUND_DEAD;
	for (p = 0; p < r->nparts; p++)
		if (r->active[p] == (int)i)
			out->role = MARS_REDUND_ACTIVE;
	return true;
}

int
mars_redund_role(const struct mars_redund *r)
{
	return r->nactive > 0 ? MARS_REDUND_ACTIVE : MARS_REDUND_BACKUP;
}

int
mars_redund_active(const struct mars_redund *r, int p)
{
	if (p < 0) {
		for (p = 0; p < (int)r->nparts; p++)
			if (r->active[p] == (int)r->self)
				return (int)r->self;
		return r->nparts > 0 ? r->active[0] : -1;
	}
	return (size_t)p < r->nparts ? r->active[p] : -1;
}

unsigned
mars_redund_active_count(const struct mars_redund *r)
{
	return r->nactive;
}

mars_time_t
mars_redund_last_election(const struct mars_redund *r)
{
	return r->last_elect;
}

unsigned
mars_redund_elections(const struct mars_redund *r)
{
	return r->elections;
}

size_t
mars_redund_map(const struct mars_redund *r, unsigned p, uint8_t *idx, size_t cap)
{
	size_t n;

	if (p >= r->nparts)
		return 0;
	n = r->maplen[p] < cap ? r->maplen[p] : cap;
	memcpy(idx, r->map[p], n);
	return n;
}

void
mars_redund_scsp_info(const struct mars_redund *r, struct mars_redund_scsp_info *out)
{
	unsigned d;

	memset(out, 0, sizeof(*out));
	out->peers = mars_scsp_dcs_count(r->scsp);
	for (d = 0; d < out->peers; d++) {
		out->bidir += mars_scsp_hello_state(r->scsp, d) == MARS_SCSP_HS_BIDIR;
		out->aligned += mars_scsp_ca_state(r->scsp, d) == MARS_SCSP_CA_ALIGNED;
	}
	out->cache = mars_scsp_cache_len(r->scsp);
	out->own = r->npub;
	out->unready_drops = r->dropped_unready;
}

int
mars_redund_peer_hello(const struct mars_redund *r, unsigned i)
{
	return i < r->n && r->dcs_of[i] >= 0 ?
	    mars_scsp_hello_state(r->scsp, (unsigned)r->dcs_of[i]) : -1;
}

int
mars_redund_peer_ca(const struct mars_redund *r, unsigned i)
{
	return i < r->n && r->dcs_of[i] >= 0 ?
	    mars_scsp_ca_state(r->scsp, (unsigned)r->dcs_of[i]) : -1;
}

unsigned
mars_redund_partitions(const struct mars_redund *r)
{
	return (unsigned)r->nparts;
}

size_t
mars_redund_order(const struct mars_redund *r, unsigned p, uint8_t *idx,
    size_t cap)
{
	size_t n;

	if (p >= r->nparts)
		return 0;
	n = r->plen[p] < cap ? r->plen[p] : cap;
	memcpy(idx, r->plist[p], n);
	return n;
}

/* The LSID of entity i is the 4-octet i + 1 (see "Identities"). */
void
mars_redund_cache_origin(const struct mars_redund *r, unsigned i, size_t *live,
    size_t *dead)
{
	struct mars_scsp_entry_view v;
	size_t k, n = mars_scsp_cache_len(r->scsp);
	uint32_t id;

	*live = *dead = 0;
	for (k = 0; k < n; k++) {
		if (!mars_scsp_cache_get(r->scsp, k, &v) || v.oid.len != 4)
			continue;
		id = (uint32_t)v.oid.p[0] << 24 | (uint32_t)v.oid.p[1] << 16 |
		    (uint32_t)v.oid.p[2] << 8 | v.oid.p[3];
		if (id != i + 1)
			continue;
		if (v.null)
			(*dead)++;
		else
			(*live)++;
	}
}
