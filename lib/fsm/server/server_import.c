/*
 * What the redundancy layer does to a server (draft-armitage-ion-mars-scsp-03,
 * RFC 2443): apply replicated members, CMIs, groups and MCSs, relay them
 * on ClusterControlVC, set the CMI block and redirect maps, revert
 * MCS-served groups.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "server_int.h"

/* ---- import (replication) ---- */

static bool
atm_ok(const struct mars_server_atm *a)
{
	return a != NULL && tl_len(a->tl) > 0 && tl_len(a->tl) <= MARS_ATM_ADDR_MAX &&
	    tl_len(a->sub_tl) <= MARS_ATM_ADDR_MAX;
}

static struct mars_server_atm
atm_clean(const struct mars_server_atm *a)
{
	struct mars_server_atm c;
	struct mars_atm num = atm_num(a), sub = atm_sub(a);

	srv_atm_load(&c, &num, &sub);
	return c;
}

int
mars_server_import_cmi(struct mars_server *s, mars_time_t now,
    const struct mars_server_atm *atm, uint16_t cmi)
{
	struct srv_db *db = &s->db;
	struct mars_server_atm a;
	uint32_t mi, owner;

	srv_touch(s, now);
	if (!atm_ok(atm) || cmi < s->conf.cmi_low || cmi > s->conf.cmi_high)
		return MARS_E_INVAL;
	a = atm_clean(atm);
	mi = srv_member_find(db, &a);
	if (mi != SRV_NIL && db->mem[mi].cmi == cmi)
		return 0;
	owner = srv_cmi_owner(db, cmi);
	if (owner != SRV_NIL) {
		if (db->mem[owner].state == SRV_REG)
			return MARS_E_INVAL;
		srv_member_release(db, owner);
	}
	if (mi == SRV_NIL) {
		if ((mi = srv_member_create(s, &a, cmi)) == SRV_NIL)
			return MARS_E_NOSPACE;
		srv_expiry_at(s, now + s->conf.cmi_hold);
		return 0;
	}
	srv_cmi_unbind(db, db->mem[mi].cmi);
	srv_cmi_bind(db, cmi);
	db->mem[mi].cmi = cmi;
	srv_note_member(db, mi);
	return 0;
}

int
mars_server_import_member(struct mars_server *s, mars_time_t now,
    const struct mars_server_atm *atm, uint16_t cmi, uint32_t peer)
{
	struct srv_db *db = &s->db;
	struct mars_server_atm a;
	uint32_t mi;
	int rc;

	srv_touch(s, now);
	if (!atm_ok(atm))
		return MARS_E_INVAL;
	a = atm_clean(atm);
	if (cmi != 0 && (rc = mars_server_import_cmi(s, now, &a, cmi)) != 0)
		return rc;
	mi = srv_member_find(db, &a);
	if (mi == SRV_NIL && (mi = srv_member_create(s, &a, 0)) == SRV_NIL)
		return MARS_E_NOSPACE;
	if (db->mem[mi].state == SRV_HELD) {
		if (db->nreg >= s->conf.max_members)
			return MARS_E_NOSPACE;
		srv_member_up(s, mi, peer, false);
	} else if (db->mem[mi].vc_id != peer) {
		db->mem[mi].vc_id = peer;
		srv_note_member(db, mi);
	}
	return 0;
}

int
mars_server_import_deregister(struct mars_server *s, mars_time_t now,
    const struct mars_server_atm *atm)
{
	struct mars_server_atm a;
	uint32_t mi;

	srv_touch(s, now);
	if (!atm_ok(atm))
		return MARS_E_INVAL;
	a = atm_clean(atm);
	mi = srv_member_find(&s->db, &a);
	if (mi != SRV_NIL && s->db.mem[mi].state == SRV_REG)
		srv_member_down(s, mi, false, "imported");
	return 0;
}

static int	group_change(struct mars_server *, mars_time_t,
		    const struct mars_server_atm *, const uint8_t *, const uint8_t *,
		    bool, bool, bool);

int
mars_server_import_group(struct mars_server *s, mars_time_t now,
    const struct mars_server_atm *atm, const uint8_t *min, const uint8_t *max,
    bool layer3grp, bool join)
{
	return group_change(s, now, atm, min, max, layer3grp, join, false);
}

int
mars_server_import_mcs(struct mars_server *s, mars_time_t now,
    const struct mars_server_atm *atm, uint32_t peer, bool add)
{
	struct mars_server_atm a;
	uint32_t ci;

	srv_touch(s, now);
	if (!atm_ok(atm))
		return MARS_E_INVAL;
	a = atm_clean(atm);
	ci = srv_mcs_find(&s->db, &a);
	if (!add) {
		if (ci != SRV_NIL)
			srv_mcs_down(s, ci, false, "imported");
		return 0;
	}
	if (ci == SRV_NIL) {
		if ((ci = srv_mcs_new(&s->db, &a)) == SRV_NIL)
			return MARS_E_NOSPACE;
		s->db.mcs[ci].since = now;
		srv_event(s, MARS_EV_MCS_ADDED, &a, 0, NULL, peer, NULL, "imported");
	}
	if (s->db.mcs[ci].vc_id != peer) {
		s->db.mcs[ci].vc_id = peer;
		srv_note_mcs(&s->db, ci);
	}
	return 0;
}

int
mars_server_import_serve(struct mars_server *s, mars_time_t now,
    const struct mars_server_atm *mcs, const uint8_t *group, bool serve)
{
	struct srv_db *db = &s->db;
	uint8_t addr[MARS_SERVER_PA_MAX];
	struct mars_server_atm a;
	uint32_t ci, gi;

	srv_touch(s, now);
	if (!atm_ok(mcs) || group == NULL)
		return MARS_E_INVAL;
	a = atm_clean(mcs);
	if ((ci = srv_mcs_find(db, &a)) == SRV_NIL)
		return MARS_E_INVAL;
	srv_addr_load(addr, group, s->grp_len);
	gi = srv_group_find(db, addr);
	if (!serve) {
		if (gi != SRV_NIL && srv_serves(db, ci, gi)) {
			srv_serve_del(db, ci, gi);
			srv_group_gc(db, gi);
		}
		return 0;
	}
	if (gi != SRV_NIL && srv_serves(db, ci, gi))
		return 0;
	if ((gi = srv_group_add(db, addr)) == SRV_NIL)
		return MARS_E_NOSPACE;
	if (srv_serve_add(db, ci, gi) == -1) {
		srv_group_gc(db, gi);
		return MARS_E_NOSPACE;
	}
	return 0;
}

/* ---- redundancy hooks (draft-armitage-ion-mars-scsp-03) ---- */

int
mars_server_set_cmi_block(struct mars_server *s, uint16_t low, uint16_t high)
{
	if (low == 0 && high == 0) {
		s->db.alloc_low = s->db.alloc_high = 0;
		return 0;
	}
	if (low > high || low < s->conf.cmi_low || high > s->conf.cmi_high)
		return MARS_E_INVAL;
	s->db.alloc_low = low;
	s->db.alloc_high = high;
	s->db.cmi_next = low;
	return 0;
}

void
mars_server_redirect_stop(struct mars_server *s)
{
	s->next_redirect = MARS_TIME_NEVER;
}

/* RFC 2022 §5.4.3: a REDIRECT_MAP, here sent privately on one VC. */
void
mars_server_send_redirect(struct mars_server *s, mars_time_t now,
    const struct mars_vc *vc, const struct mars_server_atm *list, size_t n,
    bool hard)
{
	const struct mars_server_atm *l[MARS_SERVER_MARS_MAX];
	struct mars_msg r;
	size_t i;

	srv_touch(s, now);
	if (vc == NULL || n > MARS_SERVER_MARS_MAX || (n > 0 && list == NULL))
		return;
	for (i = 0; i < n; i++)
		l[i] = &list[i];
	if (n == 0) {
		l[0] = &s->conf.self;
		n = 1;
	}
	memset(&r, 0, sizeof(r));
	r.pro_type = s->conf.pro_type;
	r.op = MARS_REDIRECT_MAP;
	r.sha = atm_num(&s->conf.self);
	r.ssa = atm_sub(&s->conf.self);
	r.redirf = hard ? MARS_REDIRF_HARD : 0;
	srv_emit_targets(s, vc, &r, l, (uint32_t)n, PATH_PRIVATE, 0);
}

/* A JOIN-family message about a member or MCS, as the MARS sends it. */
static void
relay_msg(struct mars_server *s, struct mars_msg *r, uint8_t op,
    const struct mars_server_atm *atm, const uint8_t *spa, uint8_t spa_len,
    uint16_t cmi, uint16_t flags, const uint8_t *min, const uint8_t *max)
{
	memset(r, 0, sizeof(*r));
	r->pro_type = s->conf.pro_type;
	r->op = op;
	r->sha = atm_num(atm);
	r->ssa = atm_sub(atm);
	r->spa.addr = spa_len > 0 ? spa : NULL;
	r->spa.len = spa_len;
	r->grp_len = s->grp_len;
	r->flags = (uint16_t)(flags | MARS_FLAG_COPY);
	r->cmi = wire_cmi(s, cmi);
	r->pnum = 1;
	memcpy(s->list, min, s->grp_len);
	memcpy(s->list + s->grp_len, max, s->grp_len);
	r->list = s->list;
}

/*
 * A replicated membership change of a registered member: applied to the
 * tables and, when relay is set and something changed, re-sent on this
 * entity's own ClusterControlVC (or as SJOIN/SLEAVE on ServerControlVC
 * for MCS-served groups), as the draft's §4.3 load sharing wants.
 */
static int
group_change(struct mars_server *s, mars_time_t now,
    const struct mars_server_atm *atm, const uint8_t *min, const uint8_t *max,
    bool layer3grp, bool join, bool relay)
{
	uint8_t lo[MARS_SERVER_PA_MAX], hi[MARS_SERVER_PA_MAX];
	struct mars_server_atm a;
	struct srv_member *mb;
	struct mars_msg r;
	uint32_t mi, gi;
	bool changed, served;

	srv_touch(s, now);
	if (!atm_ok(atm) || min == NULL || max == NULL)
		return MARS_E_INVAL;
	a = atm_clean(atm);
	mi = srv_member_find(&s->db, &a);
	if (mi == SRV_NIL || s->db.mem[mi].state != SRV_REG)
		return MARS_E_INVAL;
	srv_addr_load(lo, min, s->grp_len);
	srv_addr_load(hi, max, s->grp_len);
	if (srv_addr_cmp(lo, hi) > 0)
		return MARS_E_INVAL;
	if (srv_addr_cmp(lo, hi) == 0) {
		if (srv_single_apply(s, mi, lo, layer3grp, join, &changed,
		    &gi) == -1)
			return MARS_E_NOSPACE;
		served = gi != SRV_NIL && s->db.grp[gi].nmcs > 0;
	} else {
		if (srv_block_apply(s, mi, lo, hi, join) == -1)
			return MARS_E_NOSPACE;
		changed = s->ra.n > 0;
		served = relay && srv_punch_served(s, lo, hi, NULL);
		gi = SRV_NIL;
		layer3grp = false;
	}
	if (relay && changed) {
		mb = &s->db.mem[mi];
		relay_msg(s, &r, join ? MARS_JOIN : MARS_LEAVE, &mb->atm,
		    mb->spa, mb->spa_len, mb->cmi,
		    layer3grp ? MARS_FLAG_LAYER3GRP : 0, lo, hi);
		if (served) {
			r.op = join ? MARS_SJOIN : MARS_SLEAVE;
			srv_emit(s, NULL, &r, PATH_SCVC, 0);
		} else
			srv_emit(s, NULL, &r, PATH_CCVC, 0);
	}
	if (!join && gi != SRV_NIL)
		srv_group_gc(&s->db, gi);
	return 0;
}

int
mars_server_relay_group(struct mars_server *s, mars_time_t now,
    const struct mars_server_atm *atm, const uint8_t *min, const uint8_t *max,
    bool layer3grp, bool join)
{
	return group_change(s, now, atm, min, max, layer3grp, join, true);
}

int
mars_server_relay_serve(struct mars_server *s, mars_time_t now,
    const struct mars_server_atm *mcs, const uint8_t *group, bool serve)
{
	struct srv_db *db = &s->db;
	uint8_t addr[MARS_SERVER_PA_MAX];
	struct mars_server_atm a;
	struct mars_msg r;
	uint32_t ci, gi, hosts;
	bool had;
	int rc;

	srv_touch(s, now);
	if (!atm_ok(mcs) || group == NULL)
		return MARS_E_INVAL;
	a = atm_clean(mcs);
	srv_addr_load(addr, group, s->grp_len);
	gi = srv_group_find(db, addr);
	ci = srv_mcs_find(db, &a);
	had = gi != SRV_NIL && ci != SRV_NIL && srv_serves(db, ci, gi);
	if (had == serve)
		return 0;
	if ((rc = mars_server_import_serve(s, now, &a, addr, serve)) != 0)
		return rc;
	gi = srv_group_find(db, addr);
	if (!serve) {
		if (gi != SRV_NIL && db->grp[gi].nmcs > 0)
			return 0;	/* another MCS still serves it */
		relay_msg(s, &r, MARS_LEAVE, &a, NULL, 0, 0,
		    0, addr, addr);
		srv_emit(s, NULL, &r, PATH_CCVC, 0);
		return 0;
	}
	if (gi == SRV_NIL || db->grp[gi].nmcs != 1)
		return 0;
	hosts = srv_collect_hosts(s, gi, db->grp[gi].addr);
	if (hosts == 0)
		return 0;
	memset(&r, 0, sizeof(r));
	r.pro_type = s->conf.pro_type;
	r.op = MARS_MIGRATE;
	r.sha = atm_num(&s->conf.self);
	r.ssa = atm_sub(&s->conf.self);
	r.spa.addr = s->conf.self_pa_len ? s->conf.self_pa : NULL;
	r.spa.len = s->conf.self_pa_len;
	r.tpa.addr = db->grp[gi].addr;
	r.tpa.len = s->grp_len;
	r.thtl = a.tl;
	r.tstl = a.sub_tl;
	r.tnum = 1;
	memcpy(s->list, a.addr, tl_len(a.tl));
	memcpy(s->list + tl_len(a.tl), a.sub, tl_len(a.sub_tl));
	r.list = s->list;
	srv_event(s, MARS_EV_MIGRATE, &a, 0, db->grp[gi].addr, hosts, NULL,
	    "relayed");
	srv_emit(s, NULL, &r, PATH_CCVC, 0);
	return 0;
}

int
mars_server_mcs_revert(struct mars_server *s, mars_time_t now,
    const struct mars_server_atm *mcs)
{
	struct srv_db *db = &s->db;
	uint8_t addr[MARS_SERVER_PA_MAX];
	struct mars_server_atm a;
	struct mars_msg r;
	uint32_t ci, gi;

	srv_touch(s, now);
	if (!atm_ok(mcs))
		return MARS_E_INVAL;
	a = atm_clean(mcs);
	if ((ci = srv_mcs_find(db, &a)) == SRV_NIL)
		return 0;
	while (db->mcs[ci].ngroups > 0) {
		gi = db->mcs[ci].groups[db->mcs[ci].ngroups - 1];
		memcpy(addr, db->grp[gi].addr, sizeof(addr));
		srv_event(s, MARS_EV_MCS_REMOVED, &db->mcs[ci].atm, 0, addr,
		    db->mcs[ci].vc_id, NULL, "mcs-timeout");
		srv_serve_del(db, ci, gi);
		if (db->grp[gi].nmcs == 0) {
			relay_msg(s, &r, MARS_LEAVE, &a, NULL, 0, 0,
			    0, addr, addr);
			srv_emit(s, NULL, &r, PATH_CCVC, 0);
		}
		srv_group_gc(db, gi);
	}
	srv_mcs_down(s, ci, db->mcs[ci].vc_id != 0, "mcs-timeout");
	return 0;
}

int
mars_server_forget_member(struct mars_server *s, mars_time_t now,
    const struct mars_server_atm *atm)
{
	struct mars_server_atm a;
	uint32_t mi;

	srv_touch(s, now);
	if (!atm_ok(atm))
		return MARS_E_INVAL;
	a = atm_clean(atm);
	if ((mi = srv_member_find(&s->db, &a)) == SRV_NIL)
		return 0;
	if (s->db.mem[mi].state == SRV_REG)
		srv_member_down(s, mi, s->db.mem[mi].vc_id != 0, "forgotten");
	srv_member_release(&s->db, mi);
	return 0;
}

/* ---- change notes (server.h) ---- */

void
mars_server_track_changes(struct mars_server *s, bool on)
{
	struct srv_db *db = &s->db;

	if (db->tracking == on)
		return;
	db->tracking = on;
	srv_notes_clear(db);
}

size_t
mars_server_changes(const struct mars_server *s,
    const struct mars_server_change **list, bool *lost)
{
	*list = s->db.notes;
	*lost = s->db.notes_lost;
	return s->db.nnotes;
}

void
mars_server_changes_clear(struct mars_server *s)
{
	srv_notes_clear(&s->db);
}
