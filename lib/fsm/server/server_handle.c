/*
 * The server's message handlers (RFC 2022 §5.2.3, §6): registration and
 * deregistration, JOIN/LEAVE of groups and blocks, MSERV/UNSERV and
 * SJOIN/SLEAVE of MCSs, MARS_REQUEST and MARS_GROUPLIST_REQUEST.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "server_int.h"

/* ---- message handlers ---- */

/* RFC 2022 §5.2.3, §6.1.2: registration JOIN. */
static void
handle_register(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *m)
{
	struct srv_db *db = &s->db;
	struct mars_server_atm a;
	struct srv_member *mb;
	struct mars_msg r;
	uint32_t mi;

	srv_atm_load(&a, &m->sha, &m->ssa);
	mi = srv_member_find(db, &a);
	if ((mi == SRV_NIL || db->mem[mi].state != SRV_REG) &&
	    db->nreg >= s->conf.max_members) {
		srv_drop(s, MARS_SRV_DROP_LIMIT, m);
		return;
	}
	if (mi == SRV_NIL && (mi = srv_member_create(s, &a, 0)) == SRV_NIL) {
		srv_drop(s, MARS_SRV_DROP_LIMIT, m);
		return;
	}
	mb = &db->mem[mi];
	if (mb->state == SRV_HELD)
		srv_member_up(s, mi, vc->id, true);
	else if (mb->vc_id != vc->id) {
		/* Re-registration over a new VC: move the CCVC leaf. */
		srv_leaf(s, MARS_VC_CCVC, false, mb->vc_id, &mb->atm);
		srv_leaf(s, MARS_VC_CCVC, true, vc->id, &mb->atm);
		mb->vc_id = vc->id;
		srv_note_member(db, mi);
	}
	mb = &db->mem[mi];
	if (m->spa.len > 0 && m->spa.len <= MARS_SERVER_PA_MAX) {
		srv_note_member(db, mi);
		memcpy(mb->spa, m->spa.addr, m->spa.len);
		mb->spa_len = m->spa.len;
	}
	r = *m;
	r.flags = (uint16_t)((m->flags | MARS_FLAG_COPY) & ~MARS_FLAG_PUNCHED);
	r.cmi = wire_cmi(s, mb->cmi);
	srv_emit(s, vc, &r, PATH_PRIVATE, 0);
}

/* RFC 2022 §5.2.3, §6.1.2: deregistration LEAVE, answered privately. */
static void
handle_deregister(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *m)
{
	struct mars_msg r;
	uint32_t mi;

	mi = srv_member_lookup(&s->db, &m->sha, &m->ssa);
	if (mi != SRV_NIL && s->db.mem[mi].state == SRV_REG)
		srv_member_down(s, mi, true, "deregistered");
	r = *m;
	r.flags = (uint16_t)((m->flags | MARS_FLAG_COPY) & ~MARS_FLAG_PUNCHED);
	/* A retransmitted LEAVE after the reply was lost is answered again. */
	r.cmi = mi != SRV_NIL ? wire_cmi(s, s->db.mem[mi].cmi) : 0;
	srv_emit(s, vc, &r, PATH_PRIVATE, 0);
}

/* RFC 2022 §6.1.2, §6.2.4: JOIN/LEAVE of one group <X,X>. */
static void
handle_single(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *m, uint32_t mi, const uint8_t *addr)
{
	bool join = m->op == MARS_JOIN, changed;
	uint32_t gi;

	if (srv_single_apply(s, mi, addr, (m->flags & MARS_FLAG_LAYER3GRP) != 0,
	    join, &changed, &gi) == -1) {
		srv_drop(s, MARS_SRV_DROP_LIMIT, m);
		return;
	}
	if (changed && gi != SRV_NIL && s->db.grp[gi].nmcs > 0) {
		/* §6.2.4: MCS-served: tell the MCSs, confirm privately. */
		srv_emit_copy(s, vc, m, join ? MARS_SJOIN : MARS_SLEAVE, 0,
		    MARS_FLAG_PUNCHED, PATH_SCVC, 0);
		srv_emit_copy(s, vc, m, m->op, 0, MARS_FLAG_PUNCHED, PATH_PRIVATE,
		    0);
	} else
		srv_emit_copy(s, vc, m, m->op, 0, MARS_FLAG_PUNCHED,
		    changed ? PATH_CCVC : PATH_PRIVATE, 0);
	if (!join && gi != SRV_NIL)
		srv_group_gc(&s->db, gi);
}

/*
 * RFC 2022 §6.1.2, §6.2.4, App. A: JOIN/LEAVE of a block <min,max>.  The
 * copy on ClusterControlVC covers only groups whose membership changed
 * and that no MCS serves; when that is not the whole block the original
 * goes back privately and the punched copy (punched = 1) goes on CCVC.
 * MCSs get an SJOIN/SLEAVE with the changed set when the block touches a
 * served group.
 */
static void
handle_block(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *m, uint32_t mi, const uint8_t *min,
    const uint8_t *max)
{
	bool join = m->op == MARS_JOIN, served;
	uint16_t clear = MARS_FLAG_PUNCHED | MARS_FLAG_LAYER3GRP;

	if (srv_block_apply(s, mi, min, max, join) == -1) {
		srv_drop(s, MARS_SRV_DROP_LIMIT, m);
		return;
	}
	/* s->ra: changed set; s->rb: changed set less served groups. */
	served = srv_punch_served(s, min, max, NULL);
	if (served && s->ra.n > 0)
		srv_emit_pairs(s, vc, m, join ? MARS_SJOIN : MARS_SLEAVE,
		    srv_rset_is(&s->ra, min, max) ? 0 : MARS_FLAG_PUNCHED,
		    srv_rset_is(&s->ra, min, max) ? clear :
		    MARS_FLAG_LAYER3GRP, &s->ra, PATH_SCVC);
	if (srv_rset_copy(&s->rb, &s->ra) == -1) {
		s->stats.encode_errors++;
		return;
	}
	if (served)
		srv_punch_served(s, min, max, &s->rb);
	if (srv_rset_is(&s->rb, min, max)) {
		srv_emit_copy(s, vc, m, m->op, 0, clear, PATH_CCVC, 0);
		return;
	}
	srv_emit_copy(s, vc, m, m->op, 0, clear, PATH_PRIVATE, 0);
	if (s->rb.n > 0)
		srv_emit_pairs(s, vc, m, m->op, MARS_FLAG_PUNCHED,
		    MARS_FLAG_LAYER3GRP, &s->rb, PATH_CCVC);
}

/* Reads pair 0 into zero-padded min/max; false when min > max. */
static bool
first_pair(struct mars_server *s, const struct mars_msg *m, uint8_t *min,
    uint8_t *max)
{
	const uint8_t *pmin, *pmax;

	mars_pair(m, 0, &pmin, &pmax);
	srv_addr_load(min, pmin, s->grp_len);
	srv_addr_load(max, pmax, s->grp_len);
	return srv_addr_cmp(min, max) <= 0;
}

void
srv_handle_join_leave(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *m)
{
	uint8_t min[MARS_SERVER_PA_MAX], max[MARS_SERVER_PA_MAX];
	uint32_t mi;

	if (m->flags & MARS_FLAG_COPY) {
		srv_drop(s, MARS_SRV_DROP_COPY_SET, m);
		return;
	}
	if (m->pnum > 1) {
		srv_drop(s, MARS_SRV_DROP_PAIRS, m);
		return;
	}
	if (m->flags & MARS_FLAG_REGISTER) {
		if (m->op == MARS_JOIN)
			handle_register(s, vc, m);
		else
			handle_deregister(s, vc, m);
		return;
	}
	if (m->pnum == 0) {
		srv_drop(s, MARS_SRV_DROP_PAIRS, m);
		return;
	}
	if (m->grp_len != s->grp_len || !first_pair(s, m, min, max)) {
		srv_drop(s, MARS_SRV_DROP_MALFORMED, m);
		return;
	}
	mi = srv_member_lookup(&s->db, &m->sha, &m->ssa);
	if (mi == SRV_NIL || s->db.mem[mi].state != SRV_REG) {
		srv_drop(s, MARS_SRV_DROP_UNREGISTERED, m);
		return;
	}
	if (m->spa.len > 0 && m->spa.len <= MARS_SERVER_PA_MAX) {
		srv_note_member(&s->db, mi);
		memcpy(s->db.mem[mi].spa, m->spa.addr, m->spa.len);
		s->db.mem[mi].spa_len = m->spa.len;
	}
	if (srv_addr_cmp(min, max) == 0)
		handle_single(s, vc, m, mi, min);
	else
		handle_block(s, vc, m, mi, min, max);
}

/* RFC 2022 §6.2.2: MCS starts serving one group. */
static void
serve_group(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *m, uint32_t ci, const uint8_t *addr)
{
	struct srv_db *db = &s->db;
	struct mars_msg r;
	const struct mars_server_atm *mcs;
	uint32_t gi, hosts;
	bool first;

	gi = srv_group_find(db, addr);
	if (gi != SRV_NIL && srv_serves(db, ci, gi)) {
		srv_emit_copy(s, vc, m, m->op, 0, MARS_FLAG_LAYER3GRP,
		    PATH_PRIVATE, EMIT_MCS);
		return;
	}
	if ((gi = srv_group_add(db, addr)) == SRV_NIL ||
	    srv_serve_add(db, ci, gi) == -1) {
		if (gi != SRV_NIL)
			srv_group_gc(db, gi);
		srv_drop(s, MARS_SRV_DROP_LIMIT, m);
		return;
	}
	first = db->grp[gi].nmcs == 1;
	mcs = &db->mcs[ci].atm;
	srv_event(s, MARS_EV_MCS_ADDED, mcs, 0, db->grp[gi].addr, db->mcs[ci].vc_id,
	    m, "serve");
	srv_emit_copy(s, vc, m, m->op, 0, 0, PATH_SCVC, 0);
	if (!first) {
		srv_emit_copy(s, vc, m, MARS_JOIN, 0, MARS_FLAG_LAYER3GRP |
		    MARS_FLAG_REGISTER | MARS_FLAG_PUNCHED, PATH_CCVC, 0);
		return;
	}
	hosts = srv_collect_hosts(s, gi, db->grp[gi].addr);
	if (hosts == 0)
		return;		/* no mesh to migrate */
	memset(&r, 0, sizeof(r));
	r.pro_type = s->conf.pro_type;
	r.op = MARS_MIGRATE;
	r.sha = atm_num(&s->conf.self);
	r.ssa = atm_sub(&s->conf.self);
	r.spa.addr = s->conf.self_pa_len ? s->conf.self_pa : NULL;
	r.spa.len = s->conf.self_pa_len;
	r.tpa.addr = db->grp[gi].addr;
	r.tpa.len = s->grp_len;
	r.thtl = mcs->tl;
	r.tstl = mcs->sub_tl;
	r.tnum = 1;
	memcpy(s->list, mcs->addr, tl_len(mcs->tl));
	memcpy(s->list + tl_len(mcs->tl), mcs->sub, tl_len(mcs->sub_tl));
	r.list = s->list;
	srv_event(s, MARS_EV_MIGRATE, mcs, 0, db->grp[gi].addr, hosts, NULL, NULL);
	srv_emit(s, NULL, &r, PATH_CCVC, 0);
}

/* RFC 2022 §6.2.2: MCS stops serving one group. */
static void
unserve_group(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *m, uint32_t ci, const uint8_t *addr)
{
	struct srv_db *db = &s->db;
	uint32_t gi;

	gi = srv_group_find(db, addr);
	if (gi == SRV_NIL || !srv_serves(db, ci, gi)) {
		srv_emit_copy(s, vc, m, m->op, 0, MARS_FLAG_LAYER3GRP,
		    PATH_PRIVATE, EMIT_MCS);
		return;
	}
	srv_event(s, MARS_EV_MCS_REMOVED, &db->mcs[ci].atm, 0, db->grp[gi].addr,
	    db->mcs[ci].vc_id, m, "unserve");
	srv_serve_del(db, ci, gi);
	srv_emit_copy(s, vc, m, m->op, 0, 0, PATH_SCVC, 0);
	srv_emit_copy(s, vc, m, MARS_LEAVE, 0, MARS_FLAG_LAYER3GRP |
	    MARS_FLAG_REGISTER | MARS_FLAG_PUNCHED, PATH_CCVC, 0);
	srv_group_gc(db, gi);
}

/* RFC 2022 §6.2.2, §6.2.3: MARS_MSERV and MARS_UNSERV. */
void
srv_handle_serve(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *m)
{
	struct srv_db *db = &s->db;
	uint8_t min[MARS_SERVER_PA_MAX], max[MARS_SERVER_PA_MAX];
	struct mars_server_atm a;
	struct mars_msg r;
	uint32_t ci;

	if (m->flags & MARS_FLAG_COPY) {
		srv_drop(s, MARS_SRV_DROP_COPY_SET, m);
		return;
	}
	if (m->pnum > 1) {
		srv_drop(s, MARS_SRV_DROP_PAIRS, m);
		return;
	}
	srv_atm_load(&a, &m->sha, &m->ssa);
	ci = srv_mcs_find(db, &a);
	if (m->flags & MARS_FLAG_REGISTER) {
		if (m->op == MARS_MSERV) {
			if (ci == SRV_NIL) {
				if ((ci = srv_mcs_new(db, &a)) == SRV_NIL) {
					srv_drop(s, MARS_SRV_DROP_LIMIT, m);
					return;
				}
				db->mcs[ci].vc_id = vc->id;
				db->mcs[ci].since = s->now;
				srv_note_mcs(db, ci);
				srv_leaf(s, MARS_VC_SCVC, true, vc->id, &a);
				srv_event(s, MARS_EV_MCS_ADDED, &a, 0, NULL, vc->id,
				    m, NULL);
			} else if (db->mcs[ci].vc_id != vc->id) {
				srv_leaf(s, MARS_VC_SCVC, false, db->mcs[ci].vc_id,
				    &a);
				srv_leaf(s, MARS_VC_SCVC, true, vc->id, &a);
				db->mcs[ci].vc_id = vc->id;
				srv_note_mcs(db, ci);
			}
		} else if (ci != SRV_NIL)
			srv_mcs_down(s, ci, true, "deregistered");
		r = *m;
		r.flags = (uint16_t)((m->flags | MARS_FLAG_COPY) &
		    ~MARS_FLAG_PUNCHED);
		r.cmi = 0;		/* §6.2.3 */
		srv_emit(s, vc, &r, PATH_PRIVATE, EMIT_MCS);
		return;
	}
	if (m->pnum == 0) {
		srv_drop(s, MARS_SRV_DROP_PAIRS, m);
		return;
	}
	if (m->grp_len != s->grp_len || !first_pair(s, m, min, max)) {
		srv_drop(s, MARS_SRV_DROP_MALFORMED, m);
		return;
	}
	if (ci == SRV_NIL) {
		srv_drop(s, MARS_SRV_DROP_UNREGISTERED, m);
		return;
	}
	if (srv_addr_cmp(min, max) != 0) {
		srv_drop(s, MARS_SRV_DROP_UNSUPPORTED, m);
		return;
	}
	if (m->op == MARS_MSERV)
		serve_group(s, vc, m, ci, min);
	else
		unserve_group(s, vc, m, ci, min);
}

/* RFC 2022 §5.1.2, §6.1.1, §6.2.1: MARS_REQUEST. */
void
srv_handle_request(struct mars_server *s, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len, const struct mars_msg *m)
{
	struct srv_db *db = &s->db;
	uint8_t addr[MARS_SERVER_PA_MAX];
	uint32_t ci, mi, gi, n;
	bool from_mcs;

	if (m->tpa.len != s->grp_len) {
		srv_drop(s, MARS_SRV_DROP_MALFORMED, m);
		return;
	}
	srv_addr_load(addr, m->tpa.addr, s->grp_len);
	ci = srv_mcs_lookup(db, &m->sha, &m->ssa);
	mi = srv_member_lookup(db, &m->sha, &m->ssa);
	from_mcs = ci != SRV_NIL;
	if (!from_mcs && (mi == SRV_NIL || db->mem[mi].state != SRV_REG)) {
		srv_drop(s, MARS_SRV_DROP_UNREGISTERED, m);
		return;
	}
	gi = srv_group_find(db, addr);
	if (gi != SRV_NIL && db->grp[gi].nmcs > 0 &&
	    !(from_mcs && srv_serves(db, ci, gi)))
		n = srv_collect_servers(s, gi);
	else
		n = srv_collect_hosts(s, gi, addr);
	if (n == 0)
		srv_send_nak(s, vc, sdu, len, m);
	else
		srv_send_multi(s, vc, m, n, from_mcs);
}

/* Index of the next group at or after i, up to max, with a layer3grp member. */
static uint32_t
next_l3(const struct mars_server *s, uint32_t i, const uint8_t *max)
{
	const struct srv_db *db = &s->db;
	const struct srv_group *g;

	for (; i < db->nsorted; i++) {
		g = &db->grp[db->sorted[i]];
		if (srv_addr_cmp(g->addr, max) > 0)
			return db->nsorted;
		if (g->nl3 > 0)
			return i;
	}
	return db->nsorted;
}

/* RFC 2022 §5.3: MARS_GROUPLIST_REQUEST -> MARS_GROUPLIST_REPLY parts. */
void
srv_handle_grouplist(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *m)
{
	struct srv_db *db = &s->db;
	uint8_t min[MARS_SERVER_PA_MAX], max[MARS_SERVER_PA_MAX], *p;
	struct mars_msg r;
	size_t over, per, k;
	uint32_t ci, mi, i, y = 1;
	bool from_mcs;

	if (m->pnum == 0) {
		srv_drop(s, MARS_SRV_DROP_PAIRS, m);
		return;
	}
	if (m->grp_len != s->grp_len || !first_pair(s, m, min, max)) {
		srv_drop(s, MARS_SRV_DROP_MALFORMED, m);
		return;
	}
	ci = srv_mcs_lookup(db, &m->sha, &m->ssa);
	mi = srv_member_lookup(db, &m->sha, &m->ssa);
	from_mcs = ci != SRV_NIL;
	if (!from_mcs && (mi == SRV_NIL || db->mem[mi].state != SRV_REG)) {
		srv_drop(s, MARS_SRV_DROP_UNREGISTERED, m);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.pro_type = m->pro_type;
	memcpy(r.pro_snap, m->pro_snap, sizeof(r.pro_snap));
	r.op = MARS_GROUPLIST_REPLY;
	r.sha = m->sha;
	r.ssa = m->ssa;
	r.spa = m->spa;
	r.grp_len = s->grp_len;
	over = MARS_LLC_SNAP_LEN + MARS_HDR_LEN + tl_len(m->sha.tl) +
	    tl_len(m->ssa.tl) + m->spa.len;
	if (over + s->grp_len > s->mtu) {
		s->stats.encode_errors++;
		return;
	}
	per = (s->mtu - over) / s->grp_len;
	i = next_l3(s, srv_group_lower(db, min), max);
	do {
		p = s->list;
		for (k = 0; k < per && i < db->nsorted; k++) {
			memcpy(p, db->grp[db->sorted[i]].addr, s->grp_len);
			p += s->grp_len;
			i = next_l3(s, i + 1, max);
		}
		r.tnum = (uint16_t)k;
		r.list = s->list;
		r.seqxy = (uint16_t)((i >= db->nsorted ? MARS_SEQ_LAST : 0) |
		    (y++ & MARS_SEQ_PART));
		srv_emit(s, vc, &r, PATH_PRIVATE, from_mcs ? EMIT_MCS : 0);
	} while (i < db->nsorted);
}

