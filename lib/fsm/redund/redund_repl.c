/*
 * The server database as RFC 2443 CSA records, and back
 * (draft-armitage-ion-mars-scsp-03 §3.3, §3.6, §4.3, §4.6; RFC 2443 §3,
 * §5).  The Cache Key scheme is described in redund.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/err.h"
#include "mars/proto.h"
#include "mars/redund.h"
#include "mars/scsp.h"

static uint8_t
tlen(uint8_t tl)
{
	return tl & MARS_ATM_TL_LEN;
}

static uint8_t
grp_len_of(uint16_t pro)
{
	return pro == MARS_PRO_IPV6 ? 16 : 4;
}

/* The RFC 2443 §5 state a record of class cls travels in. */
static uint8_t
rec_state(uint8_t cls, bool live)
{
	switch (cls) {
	case MARS_REDUND_K_HEARTBEAT:
	case MARS_REDUND_K_MAP:
		return MARS_SCSP_MARS_REDIRECT;
	case MARS_REDUND_K_MCS:
	case MARS_REDUND_K_SERVE:
		return live ? MARS_SCSP_MARS_MCS_SERVE : MARS_SCSP_MARS_MCS_UNSERVE;
	default:
		return live ? MARS_SCSP_MARS_CLIENT_JOIN : MARS_SCSP_MARS_CLIENT_LEAVE;
	}
}

/* RFC 2443 §3 (field layout) and §5 (per-state rules). */
int
mars_redund_rec_encode(const struct mars_redund_rec *rec, uint16_t pro, uint8_t *out,
    size_t cap, size_t *outlen)
{
	struct mars_scsp_mars_part mp;
	struct mars_err err;
	bool grp;

	if (rec->cls < MARS_REDUND_K_HEARTBEAT || rec->cls > MARS_REDUND_K_SERVE)
		return MARS_E_INVAL;
	memset(&mp, 0, sizeof(mp));
	mp.hw_type = MARS_AFN_ATM;
	mp.pro_type = pro;
	mp.version = 0;
	mp.state = rec_state(rec->cls, rec->live);
	grp = rec->cls == MARS_REDUND_K_GROUP || rec->cls == MARS_REDUND_K_BLOCK ||
	    rec->cls == MARS_REDUND_K_SERVE;
	if (rec->cls == MARS_REDUND_K_REGISTER || rec->cls == MARS_REDUND_K_MCS)
		mp.flags = MARS_FLAG_REGISTER;
	else if (rec->cls == MARS_REDUND_K_GROUP && rec->layer3grp)
		mp.flags = MARS_FLAG_LAYER3GRP;
	if (rec->cls != MARS_REDUND_K_HEARTBEAT && rec->cls != MARS_REDUND_K_MAP &&
	    rec->cls != MARS_REDUND_K_MCS && rec->cls != MARS_REDUND_K_SERVE)
		mp.cmi = rec->cmi;
	if (rec->cls == MARS_REDUND_K_REGISTER && rec->spa_len > 0) {
		mp.spa.addr = rec->spa;
		mp.spa.len = rec->spa_len;
	}
	mp.atm.tl = rec->atm.tl;
	mp.atm.addr = tlen(rec->atm.tl) ? rec->atm.addr : NULL;
	mp.sub.tl = rec->atm.sub_tl;
	mp.sub.addr = tlen(rec->atm.sub_tl) ? rec->atm.sub : NULL;
	if (grp) {
		if (rec->grp_len == 0 || rec->grp_len > MARS_SERVER_PA_MAX)
			return MARS_E_INVAL;
		mp.grp_len = rec->grp_len;
		mp.min = rec->min;
		mp.max = rec->cls == MARS_REDUND_K_BLOCK ? rec->max : rec->min;
	}
	return mars_scsp_mars_encode(&mp, out, cap, outlen, &err);
}

int
mars_redund_rec_decode(struct mars_redund_rec *rec, uint8_t cls, const uint8_t *body,
    size_t len)
{
	struct mars_scsp_mars_part mp;
	struct mars_err err;
	int rc;

	memset(rec, 0, sizeof(*rec));
	if (cls < MARS_REDUND_K_HEARTBEAT || cls > MARS_REDUND_K_SERVE)
		return MARS_E_INVAL;
	if ((rc = mars_scsp_mars_decode(&mp, body, len, 0, &err)) != 0)
		return rc;
	rec->cls = cls;
	if (mp.state == rec_state(cls, true))
		rec->live = true;
	else if (mp.state != rec_state(cls, false))
		return MARS_E_INVAL;
	if (tlen(mp.atm.tl) == 0 || tlen(mp.atm.tl) > MARS_ATM_ADDR_MAX ||
	    tlen(mp.sub.tl) > MARS_ATM_ADDR_MAX || mp.spa.len > MARS_SERVER_PA_MAX ||
	    mp.grp_len > MARS_SERVER_PA_MAX)
		return MARS_E_INVAL;
	rec->atm.tl = mp.atm.tl;
	memcpy(rec->atm.addr, mp.atm.addr, tlen(mp.atm.tl));
	rec->atm.sub_tl = mp.sub.tl;
	if (tlen(mp.sub.tl))
		memcpy(rec->atm.sub, mp.sub.addr, tlen(mp.sub.tl));
	rec->cmi = mp.cmi;
	rec->layer3grp = (mp.flags & MARS_FLAG_LAYER3GRP) != 0;
	rec->spa_len = mp.spa.len;
	if (mp.spa.len)
		memcpy(rec->spa, mp.spa.addr, mp.spa.len);
	rec->grp_len = mp.grp_len;
	if (cls == MARS_REDUND_K_GROUP || cls == MARS_REDUND_K_BLOCK ||
	    cls == MARS_REDUND_K_SERVE) {
		if (mp.grp_len == 0)
			return MARS_E_INVAL;
		memcpy(rec->min, mp.min, mp.grp_len);
		memcpy(rec->max, mp.max, mp.grp_len);
		if (cls != MARS_REDUND_K_BLOCK && memcmp(rec->min, rec->max,
		    mp.grp_len) != 0)
			return MARS_E_INVAL;
	}
	return 0;
}

static bool
atm_eq(const struct mars_server_atm *a, const struct mars_server_atm *b)
{
	return a->tl == b->tl && a->sub_tl == b->sub_tl &&
	    memcmp(a->addr, b->addr, tlen(a->tl)) == 0 &&
	    memcmp(a->sub, b->sub, tlen(a->sub_tl)) == 0;
}

bool
mars_redund_rec_same_member(const struct mars_redund_rec *a,
    const struct mars_redund_rec *b)
{
	return atm_eq(&a->atm, &b->atm);
}

bool
mars_redund_rec_same(const struct mars_redund_rec *a, const struct mars_redund_rec *b)
{
	if (a->cls != b->cls || !atm_eq(&a->atm, &b->atm))
		return false;
	switch (a->cls) {
	case MARS_REDUND_K_GROUP:
	case MARS_REDUND_K_SERVE:
		return a->grp_len == b->grp_len &&
		    memcmp(a->min, b->min, a->grp_len) == 0;
	case MARS_REDUND_K_BLOCK:
		return a->grp_len == b->grp_len &&
		    memcmp(a->min, b->min, a->grp_len) == 0 &&
		    memcmp(a->max, b->max, a->grp_len) == 0;
	case MARS_REDUND_K_MAP:
		return a->cmi == b->cmi;	/* partition/position */
	default:
		return true;
	}
}

/* A member's records: its registration, then its joins (RFC 2443 §5). */
static int
export_member(const struct mars_server *s, const struct mars_server_member_info *mi,
    int (*fn)(void *ctx, const struct mars_redund_rec *rec), void *ctx)
{
	struct mars_redund_rec rec;
	const uint8_t *g, *max;
	uint8_t gl = grp_len_of(mars_server_pro_type(s));
	uint32_t i;
	bool l3;
	int rc;

	if (!mi->registered || mi->vc_id == 0)
		return 0;
	memset(&rec, 0, sizeof(rec));
	rec.cls = MARS_REDUND_K_REGISTER;
	rec.live = true;
	rec.atm = *mi->atm;
	rec.cmi = mi->cmi;
	rec.spa_len = mi->spa_len;
	if (mi->spa_len)
		memcpy(rec.spa, mi->spa, mi->spa_len);
	if ((rc = fn(ctx, &rec)) != 0)
		return rc;
	rec.spa_len = 0;
	rec.grp_len = gl;
	for (i = 0; mars_server_member_group(s, mi->handle, i, &g, &l3); i++) {
		rec.cls = MARS_REDUND_K_GROUP;
		rec.layer3grp = l3;
		memcpy(rec.min, g, gl);
		memcpy(rec.max, g, gl);
		if ((rc = fn(ctx, &rec)) != 0)
			return rc;
	}
	rec.layer3grp = false;
	for (i = 0; mars_server_member_block(s, mi->handle, i, &g, &max); i++) {
		rec.cls = MARS_REDUND_K_BLOCK;
		memcpy(rec.min, g, gl);
		memcpy(rec.max, max, gl);
		if ((rc = fn(ctx, &rec)) != 0)
			return rc;
	}
	return 0;
}

/* An MCS's records: its registration, then the groups it serves. */
static int
export_mcs(const struct mars_server *s, const struct mars_server_mcs_info *ci,
    int (*fn)(void *ctx, const struct mars_redund_rec *rec), void *ctx)
{
	struct mars_redund_rec rec;
	const uint8_t *g;
	uint8_t gl = grp_len_of(mars_server_pro_type(s));
	uint32_t i;
	int rc;

	if (ci->vc_id == 0)
		return 0;
	memset(&rec, 0, sizeof(rec));
	rec.cls = MARS_REDUND_K_MCS;
	rec.live = true;
	rec.atm = *ci->atm;
	if ((rc = fn(ctx, &rec)) != 0)
		return rc;
	rec.cls = MARS_REDUND_K_SERVE;
	rec.grp_len = gl;
	for (i = 0; mars_server_mcs_group(s, ci->handle, i, &g); i++) {
		memcpy(rec.min, g, gl);
		memcpy(rec.max, g, gl);
		if ((rc = fn(ctx, &rec)) != 0)
			return rc;
	}
	return 0;
}

int
mars_redund_rec_export(const struct mars_server *s,
    int (*fn)(void *ctx, const struct mars_redund_rec *rec), void *ctx)
{
	struct mars_server_member_info mi;
	struct mars_server_mcs_info ci;
	uint32_t cur = 0;
	int rc;

	while (mars_server_member_next(s, &cur, &mi))
		if ((rc = export_member(s, &mi, fn, ctx)) != 0)
			return rc;
	cur = 0;
	while (mars_server_mcs_next(s, &cur, &ci))
		if ((rc = export_mcs(s, &ci, fn, ctx)) != 0)
			return rc;
	return 0;
}

int
mars_redund_rec_export_one(const struct mars_server *s,
    const struct mars_server_atm *atm, bool mcs,
    int (*fn)(void *ctx, const struct mars_redund_rec *rec), void *ctx)
{
	struct mars_server_member_info mi;
	struct mars_server_mcs_info ci;
	uint32_t cur = 0;

	if (!mcs)
		return mars_server_member_find(s, atm, &mi) ?
		    export_member(s, &mi, fn, ctx) : 0;
	while (mars_server_mcs_next(s, &cur, &ci))
		if (atm_eq(ci.atm, atm))
			return export_mcs(s, &ci, fn, ctx);
	return 0;
}

/* A member registered with us over a VC of ours. */
static bool
member_local(const struct mars_server *s, const struct mars_server_atm *atm)
{
	struct mars_server_member_info mi;

	return mars_server_member_find(s, atm, &mi) && mi.registered &&
	    mi.vc_id != 0;
}

static bool
member_known(const struct mars_server *s, const struct mars_server_atm *atm)
{
	struct mars_server_member_info mi;

	return mars_server_member_find(s, atm, &mi);
}

static bool
member_registered(const struct mars_server *s, const struct mars_server_atm *atm)
{
	struct mars_server_member_info mi;

	return mars_server_member_find(s, atm, &mi) && mi.registered;
}

/* The MCS, when known: *local tells whether it is attached to us. */
static bool
mcs_known(const struct mars_server *s, const struct mars_server_atm *atm,
    bool *local)
{
	struct mars_server_mcs_info ci;
	uint32_t cur = 0;

	while (mars_server_mcs_next(s, &cur, &ci))
		if (atm_eq(ci.atm, atm)) {
			*local = ci.vc_id != 0;
			return true;
		}
	*local = false;
	return false;
}

/* RFC 2443 §5: what a received record does to the local database. */
int
mars_redund_rec_apply(struct mars_server *s, mars_time_t now,
    const struct mars_redund_rec *rec, bool relay, bool held)
{
	bool local;

	switch (rec->cls) {
	case MARS_REDUND_K_REGISTER:
		if (rec->live)	/* also: the member moved there from us */
			return mars_server_import_member(s, now, &rec->atm,
			    rec->cmi, 0);
		if (held || member_local(s, &rec->atm))
			return 0;
		if (rec->cmi != 0 && !member_known(s, &rec->atm)) {
			/*
			 * §3.3: a member we never had deregistered (its
			 * entity restarted and lost its VC, say).  It may
			 * come back for its CMI, so the CMI stays bound to
			 * it here as where it was registered (server.h, the
			 * CMI hold), never handed to another member.
			 */
			(void)mars_server_import_cmi(s, now, &rec->atm, rec->cmi);
			return 0;
		}
		return mars_server_import_deregister(s, now, &rec->atm);
	case MARS_REDUND_K_GROUP:
	case MARS_REDUND_K_BLOCK:
		if (!rec->live && (held || member_local(s, &rec->atm)))
			return 0;
		/* A member no longer registered here has left every group
		 * (its deregistration came first). */
		if (!rec->live && !member_registered(s, &rec->atm))
			return 0;
		/*
		 * A join can come before its member's registration record
		 * (another CSU, another order): it says the member is
		 * registered with its originator, with that CMI.
		 */
		if (rec->live && rec->cmi != 0 &&
		    !member_registered(s, &rec->atm)) {
			int rc;

			if ((rc = mars_server_import_member(s, now, &rec->atm,
			    rec->cmi, 0)) != 0)
				return rc;
		}
		if (relay)
			return mars_server_relay_group(s, now, &rec->atm, rec->min,
			    rec->max, rec->layer3grp, rec->live);
		return mars_server_import_group(s, now, &rec->atm, rec->min,
		    rec->max, rec->layer3grp, rec->live);
	case MARS_REDUND_K_MCS:
		if (rec->live)
			return mars_server_import_mcs(s, now, &rec->atm, 0, true);
		if (held || (mcs_known(s, &rec->atm, &local) && local))
			return 0;
		return mars_server_import_mcs(s, now, &rec->atm, 0, false);
	case MARS_REDUND_K_SERVE:
		if (!mcs_known(s, &rec->atm, &local)) {
			if (!rec->live)
				return 0;
			if (mars_server_import_mcs(s, now, &rec->atm, 0, true) != 0)
				return MARS_E_NOSPACE;
		}
		if (!rec->live && (held || local))
			return 0;
		if (relay)
			return mars_server_relay_serve(s, now, &rec->atm, rec->min,
			    rec->live);
		return mars_server_import_serve(s, now, &rec->atm, rec->min,
		    rec->live);
	default:
		return 0;	/* state 1: the entity keeps it (redund.c) */
	}
}
