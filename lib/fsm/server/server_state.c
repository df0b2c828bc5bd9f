/*
 * The server's happenings (events, drops, log lines, pt-mpt leaves) and
 * the changes of its database that come with them: members created,
 * attached and detached, MCSs gone, single and block joins applied, holes
 * punched for MCS-served groups (RFC 2022 §6.2).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "server_int.h"

/* ---- happenings ---- */

void
srv_event(struct mars_server *s, int kind, const struct mars_server_atm *atm,
    uint16_t cmi, const uint8_t *group, uint32_t count,
    const struct mars_msg *m, const char *detail)
{
	struct mars_event ev;

	if (s->io.event == NULL)
		return;
	mars_event_init(&ev, kind, s->now);
	if (atm != NULL) {
		ev.atm = atm->addr;
		ev.atm_tl = atm->tl;
	}
	ev.cmi = cmi;
	ev.csn = s->csn;
	ev.group = group;
	ev.group_len = group != NULL ? s->grp_len : 0;
	ev.count = count;
	ev.msg = m;
	ev.detail = detail;
	s->io.event(s->io.ctx, &ev);
}

void
srv_drop(struct mars_server *s, int reason, const struct mars_msg *m)
{
	struct mars_event ev;

	s->stats.dropped[reason]++;
	if (s->io.event == NULL)
		return;
	mars_event_init(&ev, MARS_EV_DROPPED, s->now);
	ev.csn = s->csn;
	if (m != NULL) {
		ev.atm = m->sha.addr;
		ev.atm_tl = m->sha.tl;
	}
	ev.msg = m;
	ev.detail = mars_server_drop_name(reason);
	s->io.event(s->io.ctx, &ev);
}

void
srv_logmsg(struct mars_server *s, int level, const char *msg)
{
	if (s->io.log != NULL)
		s->io.log(s->io.ctx, level, msg);
}

void
srv_leaf(struct mars_server *s, uint8_t pmp, bool add, uint32_t peer,
    const struct mars_server_atm *atm)
{
	struct mars_server_leaf lf;

	if (s->conf.leaf == NULL)
		return;
	lf.pmp = pmp;
	lf.add = add;
	lf.peer = peer;
	lf.atm = atm;
	s->conf.leaf(s->io.ctx, &lf);
}

/* ---- database helpers with their happenings ---- */

static void
ensure_atms(struct mars_server *s, uint32_t n)
{
	const struct mars_server_atm **p;
	uint32_t c;

	if (n <= s->catms)
		return;
	c = s->catms == 0 ? 64 : s->catms;
	while (c < n)
		c *= 2;
	p = realloc(s->atms, (size_t)c * sizeof(*p));
	if (p == NULL)
		return;
	s->atms = p;
	s->catms = c;
}

/* The host map of a group: single joins plus covering block joins. */
uint32_t
srv_collect_hosts(struct mars_server *s, uint32_t gi, const uint8_t *addr)
{
	struct srv_db *db = &s->db;
	uint32_t n = 0, i, mi, stamp, need;

	need = db->nblockers + (gi != SRV_NIL ? db->grp[gi].nmem : 0);
	ensure_atms(s, need);
	if (need > s->catms)
		return 0;
	if (++db->mark_gen == 0) {
		for (i = 0; i < db->nmem; i++)
			db->mem[i].mark = 0;
		db->mark_gen = 1;
	}
	stamp = db->mark_gen;
	if (gi != SRV_NIL) {
		for (i = 0; i < db->grp[gi].nmem; i++) {
			mi = db->grp[gi].mem[i] & SRV_SLOT;
			db->mem[mi].mark = stamp;
			s->atms[n++] = &db->mem[mi].atm;
		}
	}
	for (i = 0; i < db->nblockers; i++) {
		mi = db->blockers[i];
		if (db->mem[mi].mark != stamp && db->mem[mi].state == SRV_REG &&
		    srv_member_covers(db, mi, addr))
			s->atms[n++] = &db->mem[mi].atm;
	}
	return n;
}

uint32_t
srv_collect_servers(struct mars_server *s, uint32_t gi)
{
	struct srv_db *db = &s->db;
	uint32_t i;

	ensure_atms(s, db->grp[gi].nmcs);
	if (db->grp[gi].nmcs > s->catms)
		return 0;
	for (i = 0; i < db->grp[gi].nmcs; i++)
		s->atms[i] = &db->mcs[db->grp[gi].mcs[i]].atm;
	return db->grp[gi].nmcs;
}

void
srv_expiry_at(struct mars_server *s, mars_time_t t)
{
	if (t < s->next_expiry)
		s->next_expiry = t;
}

static void
reclaim_oldest_held(struct mars_server *s)
{
	struct srv_db *db = &s->db;
	uint32_t i, best = SRV_NIL;

	for (i = 0; i < db->nmem; i++)
		if (db->mem[i].state == SRV_HELD && (best == SRV_NIL ||
		    db->mem[i].since < db->mem[best].since))
			best = i;
	if (best != SRV_NIL)
		srv_member_release(db, best);
}

/*
 * A new binding for a: with CMI `want` when non-zero (must be free), else
 * the next free CMI.  Held bindings are reclaimed oldest first when the
 * CMI space or the table is full.  Returns the slot, held.
 */
uint32_t
srv_member_create(struct mars_server *s, const struct mars_server_atm *a,
    uint16_t want)
{
	struct srv_db *db = &s->db;
	uint16_t cmi;
	uint32_t mi;

	if (db->nreg + db->nheld >= 2 * s->conf.max_members)
		reclaim_oldest_held(s);
	if (db->nreg + db->nheld >= 2 * s->conf.max_members)
		return SRV_NIL;
	if (want != 0) {
		if (srv_cmi_bound(db, want))
			return SRV_NIL;
		srv_cmi_bind(db, want);
		cmi = want;
	} else if ((cmi = srv_cmi_alloc(db)) == 0) {
		reclaim_oldest_held(s);
		if ((cmi = srv_cmi_alloc(db)) == 0)
			return SRV_NIL;
	}
	if ((mi = srv_member_new(db, a)) == SRV_NIL) {
		srv_cmi_unbind(db, cmi);
		return SRV_NIL;
	}
	db->mem[mi].cmi = cmi;
	db->mem[mi].since = s->now;
	return mi;
}

void
srv_member_up(struct mars_server *s, uint32_t mi, uint32_t peer, bool notify)
{
	struct srv_member *m = &s->db.mem[mi];

	srv_note_member(&s->db, mi);
	m->state = SRV_REG;
	m->vc_id = peer;
	m->since = s->now;
	s->db.nheld--;
	s->db.nreg++;
	if (notify)
		srv_leaf(s, MARS_VC_CCVC, true, peer, &m->atm);
	srv_event(s, MARS_EV_MEMBER_ADDED, &m->atm, m->cmi, NULL, peer, NULL,
	    NULL);
}

/*
 * RFC 2022 §5.2.3, §6.1.2: remove a member from every group and from
 * ClusterControlVC; its CMI stays bound to its address for cmi_hold.
 */
void
srv_member_down(struct mars_server *s, uint32_t mi, bool notify,
    const char *why)
{
	struct srv_db *db = &s->db;
	struct srv_member *m = &db->mem[mi];
	struct srv_rset none = { NULL, 0, 0 };
	uint32_t gi, peer = m->vc_id;

	while (m->ngroups > 0) {
		gi = m->groups[m->ngroups - 1];
		srv_event(s, MARS_EV_GROUP_LEAVE, &m->atm, m->cmi, db->grp[gi].addr,
		    1, NULL, why);
		srv_single_del(db, mi, gi);
		srv_group_gc(db, gi);
		m = &db->mem[mi];
	}
	if (m->blocks.n > 0) {
		srv_event(s, MARS_EV_GROUP_LEAVE, &m->atm, m->cmi, m->blocks.r[0].min,
		    m->blocks.n, NULL, why);
		(void)srv_member_set_blocks(db, mi, &none);
		srv_rset_free(&m->blocks);
	}
	srv_note_member(db, mi);
	m->state = SRV_HELD;
	m->since = s->now;
	m->vc_id = 0;
	db->nreg--;
	db->nheld++;
	srv_expiry_at(s, s->now + s->conf.cmi_hold);
	if (notify)
		srv_leaf(s, MARS_VC_CCVC, false, peer, &m->atm);
	srv_event(s, MARS_EV_MEMBER_REMOVED, &m->atm, m->cmi, NULL, peer, NULL,
	    why);
}

/* RFC 2022 §6.2.3: forget an MCS and every server map it is in. */
void
srv_mcs_down(struct mars_server *s, uint32_t ci, bool notify, const char *why)
{
	struct srv_db *db = &s->db;
	uint32_t gi, peer = db->mcs[ci].vc_id;

	while (db->mcs[ci].ngroups > 0) {
		gi = db->mcs[ci].groups[db->mcs[ci].ngroups - 1];
		srv_event(s, MARS_EV_MCS_REMOVED, &db->mcs[ci].atm, 0,
		    db->grp[gi].addr, peer, NULL, why);
		srv_serve_del(db, ci, gi);
		srv_group_gc(db, gi);
	}
	if (notify)
		srv_leaf(s, MARS_VC_SCVC, false, peer, &db->mcs[ci].atm);
	srv_event(s, MARS_EV_MCS_REMOVED, &db->mcs[ci].atm, 0, NULL, peer, NULL,
	    why);
	srv_mcs_release(db, ci);
}

/*
 * Apply a single-group join or leave to the database.  *changed tells
 * whether the member's effective membership changed (RFC 2022 §6.1.2
 * "already (still) considered a member"): a member covered by one of its
 * block joins stays a member.  Returns 0 or -1 (limit / memory).
 */
int
srv_single_apply(struct mars_server *s, uint32_t mi, const uint8_t *addr,
    bool l3, bool join, bool *changed, uint32_t *gip)
{
	struct srv_db *db = &s->db;
	bool single, block;
	uint32_t gi;

	gi = srv_group_find(db, addr);
	single = gi != SRV_NIL && srv_single_index(db, mi, gi) >= 0;
	block = srv_member_covers(db, mi, addr);
	*changed = false;
	if (join) {
		if (single) {
			if (l3)
				srv_single_set_l3(db, mi, gi);
		} else {
			if ((gi = srv_group_add(db, addr)) == SRV_NIL)
				return -1;
			if (srv_single_add(db, mi, gi, l3) == -1) {
				srv_group_gc(db, gi);
				return -1;
			}
			*changed = !block;
			srv_event(s, MARS_EV_GROUP_JOIN, &db->mem[mi].atm,
			    db->mem[mi].cmi, db->grp[gi].addr, 1, NULL, NULL);
		}
	} else if (single) {
		srv_event(s, MARS_EV_GROUP_LEAVE, &db->mem[mi].atm, db->mem[mi].cmi,
		    db->grp[gi].addr, 1, NULL, NULL);
		srv_single_del(db, mi, gi);
		*changed = !block;
	}
	*gip = gi;
	return 0;
}

/*
 * Apply a block join or leave of <min,max> (RFC 2022 §5.2.1.1; layer3grp
 * is treated as reset) and leave in s->ra the groups whose membership
 * actually changed: the block less the member's single joins and, for a
 * join, less what its other blocks already cover; for a leave, only what
 * its blocks covered.  Returns 0 or -1.
 */
int
srv_block_apply(struct mars_server *s, uint32_t mi, const uint8_t *min,
    const uint8_t *max, bool join)
{
	struct srv_db *db = &s->db;
	struct srv_member *m = &db->mem[mi];
	const uint8_t *a;
	uint32_t i;

	srv_rset_clear(&s->ra);
	if (join) {
		if (srv_rset_add(&s->ra, min, max, s->grp_len) == -1)
			return -1;
		for (i = 0; i < m->blocks.n; i++)
			if (srv_rset_sub(&s->ra, m->blocks.r[i].min,
			    m->blocks.r[i].max, s->grp_len) == -1)
				return -1;
	} else {
		if (srv_rset_copy(&s->ra, &m->blocks) == -1)
			return -1;
		srv_rset_clip(&s->ra, min, max);
	}
	for (i = 0; i < m->ngroups; i++) {
		a = db->grp[m->groups[i]].addr;
		if (srv_addr_cmp(a, min) >= 0 && srv_addr_cmp(a, max) <= 0 &&
		    srv_rset_sub(&s->ra, a, a, s->grp_len) == -1)
			return -1;
	}

	/* The member's new block list, checked against the limit. */
	if (srv_rset_copy(&s->rb, &m->blocks) == -1)
		return -1;
	if (join) {
		if (srv_rset_add(&s->rb, min, max, s->grp_len) == -1)
			return -1;
	} else if (srv_rset_sub(&s->rb, min, max, s->grp_len) == -1)
		return -1;
	if (s->rb.n > s->conf.max_blocks)
		return -1;
	if (srv_member_set_blocks(db, mi, &s->rb) == -1)
		return -1;
	srv_event(s, join ? MARS_EV_GROUP_JOIN : MARS_EV_GROUP_LEAVE,
	    &db->mem[mi].atm, db->mem[mi].cmi, min, s->ra.n, NULL, "block");
	return 0;
}

/* True when any group in <min,max> has a server map; punches them from rs. */
bool
srv_punch_served(struct mars_server *s, const uint8_t *min, const uint8_t *max,
    struct srv_rset *rs)
{
	struct srv_db *db = &s->db;
	const struct srv_group *g;
	bool any = false;
	uint32_t i;

	for (i = srv_group_lower(db, min); i < db->nsorted; i++) {
		g = &db->grp[db->sorted[i]];
		if (srv_addr_cmp(g->addr, max) > 0)
			break;
		if (g->nmcs == 0)
			continue;
		any = true;
		if (rs != NULL)
			(void)srv_rset_sub(rs, g->addr, g->addr, s->grp_len);
	}
	return any;
}

