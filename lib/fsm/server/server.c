/*
 * The MARS server state machine (RFC 2022 §5.2.3, §6; PROTOCOL.md §3),
 * sans-I/O: see server.h for how it is driven.
 *
 * Every reply is built as a struct mars_msg and encoded into one transmit
 * buffer; the only exception is MARS_NAK, which RFC 2022 §5.1.2 wants
 * byte-identical to the REQUEST but for the op code, so it is patched
 * from a copy of the received SDU.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mars/pdu.h"
#include "server_int.h"

#define TX_CAP		(65536 + MARS_LLC_SNAP_LEN)
#define MTU_MIN		256

enum path {
	PATH_PRIVATE,		/* back on the VC the request came in on */
	PATH_CCVC,
	PATH_SCVC,
};

#define EMIT_MCS	0x01	/* private reply to an MCS: carries the SSN */
#define EMIT_NOBUMP	0x02	/* not the last part: keep CSN/SSN */

struct mars_server {
	struct mars_server_conf	 conf;
	struct mars_io		 io;
	struct srv_db		 db;
	uint8_t			 grp_len;
	uint16_t		 mtu;
	uint32_t		 csn;
	uint32_t		 ssn;
	bool			 started;
	mars_time_t		 now;
	mars_time_t		 next_redirect;
	mars_time_t		 next_expiry;
	struct mars_server_atm	 mars[MARS_SERVER_MARS_MAX];
	uint8_t			 nmars;
	bool			 hard;
	struct mars_server_stats	 stats;
	struct mars_pdu		 pdu;
	uint8_t			*tx;
	uint8_t			*list;		/* one part's list, mtu octets */
	const struct mars_server_atm	**atms;		/* MULTI targets */
	uint32_t		 catms;
	struct srv_rset		 ra;		/* hole punching scratch */
	struct srv_rset		 rb;
};

static const char *const drop_names[MARS_SRV_DROP_MAX] = {
	[MARS_SRV_DROP_MALFORMED] = "malformed",
	[MARS_SRV_DROP_CHECKSUM] = "checksum",
	[MARS_SRV_DROP_TLV] = "tlv",
	[MARS_SRV_DROP_NOT_MARS] = "not-mars",
	[MARS_SRV_DROP_UNKNOWN_OP] = "unknown-op",
	[MARS_SRV_DROP_UNEXPECTED_OP] = "unexpected-op",
	[MARS_SRV_DROP_PROTOCOL] = "protocol",
	[MARS_SRV_DROP_UNREGISTERED] = "unregistered",
	[MARS_SRV_DROP_COPY_SET] = "copy-set",
	[MARS_SRV_DROP_PAIRS] = "pairs",
	[MARS_SRV_DROP_WRONG_VC] = "wrong-vc",
	[MARS_SRV_DROP_LIMIT] = "limit",
	[MARS_SRV_DROP_UNSUPPORTED] = "unsupported",
};

const char *
mars_server_drop_name(int reason)
{
	if (reason < 0 || reason >= MARS_SRV_DROP_MAX)
		return "unknown";
	return drop_names[reason];
}

static uint8_t
tl_len(uint8_t tl)
{
	return tl & MARS_ATM_TL_LEN;
}

static struct mars_atm
atm_num(const struct mars_server_atm *a)
{
	struct mars_atm v;

	v.tl = a->tl;
	v.addr = tl_len(a->tl) ? a->addr : NULL;
	return v;
}

static struct mars_atm
atm_sub(const struct mars_server_atm *a)
{
	struct mars_atm v;

	v.tl = a->sub_tl;
	v.addr = tl_len(a->sub_tl) ? a->sub : NULL;
	return v;
}

/* ---- happenings ---- */

static void
event(struct mars_server *s, int kind, const struct mars_server_atm *atm,
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

static void
drop(struct mars_server *s, int reason, const struct mars_msg *m)
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
	ev.detail = drop_names[reason];
	s->io.event(s->io.ctx, &ev);
}

static void
logmsg(struct mars_server *s, int level, const char *msg)
{
	if (s->io.log != NULL)
		s->io.log(s->io.ctx, level, msg);
}

static void
leaf(struct mars_server *s, uint8_t pmp, bool add, uint32_t peer,
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

/* ---- transmission (RFC 2022 §5.1.4.2, §6.1.4, §6.2.5) ---- */

/*
 * Encode and send m.  On ClusterControlVC (ServerControlVC) mar$msn is the
 * CSN (SSN), incremented after the transmission; private replies carry
 * the current CSN, or the SSN when they go to an MCS.  Every message from
 * the MARS is version 0 and carries no TLVs.
 */
static void
emit(struct mars_server *s, const struct mars_vc *vc, struct mars_msg *m,
    enum path path, unsigned flags)
{
	static const struct mars_vc ccvc = { MARS_VC_CCVC, 0 };
	static const struct mars_vc scvc = { MARS_VC_SCVC, 0 };
	struct mars_err err;
	size_t n;

	switch (path) {
	case PATH_CCVC:
		m->msn = s->csn;
		vc = &ccvc;
		break;
	case PATH_SCVC:
		m->msn = s->ssn;
		vc = &scvc;
		break;
	case PATH_PRIVATE:
		m->msn = (flags & EMIT_MCS) ? s->ssn : s->csn;
		break;
	}
	m->afn = MARS_AFN_ATM;
	m->op_version = MARS_OPVER_MARS;
	m->has_tlvs = false;
	m->ntlv = 0;
	if (mars_encode(m, s->tx, s->mtu, &n, MARS_ENC_LLC |
	    (s->conf.no_checksum ? MARS_ENC_NOCHKSUM : 0), &err) != 0) {
		s->stats.encode_errors++;
		logmsg(s, LOG_ERR, "server: cannot encode a reply");
		return;
	}
	s->io.send(s->io.ctx, vc, s->tx, n);
	if (m->op <= MARS_OP_MAX)
		s->stats.tx[m->op]++;
	switch (path) {
	case PATH_CCVC:
		s->stats.tx_ccvc++;
		if (!(flags & EMIT_NOBUMP))
			s->csn++;
		break;
	case PATH_SCVC:
		s->stats.tx_scvc++;
		if (!(flags & EMIT_NOBUMP))
			s->ssn++;
		break;
	case PATH_PRIVATE:
		s->stats.tx_private++;
		break;
	}
}

/* A JOIN-family message as the MARS retransmits it: copy = 1. */
static void
emit_copy(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *orig, uint8_t op, uint16_t set, uint16_t clear,
    enum path path, unsigned flags)
{
	struct mars_msg r = *orig;

	r.op = op;
	r.flags = (uint16_t)((orig->flags | MARS_FLAG_COPY | set) & ~clear);
	emit(s, vc, &r, path, flags);
}

/*
 * Send orig with its pair list replaced by the blocks of rs, split over
 * as many messages as the MTU needs (each one a transmission of its own).
 */
static void
emit_pairs(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *orig, uint8_t op, uint16_t set, uint16_t clear,
    const struct srv_rset *rs, enum path path)
{
	struct mars_msg r = *orig;
	size_t over, per, k;
	uint32_t i = 0;
	uint8_t *p;

	over = MARS_LLC_SNAP_LEN + MARS_HDR_LEN + tl_len(orig->sha.tl) +
	    tl_len(orig->ssa.tl) + orig->spa.len;
	if (over + 2 * (size_t)s->grp_len > s->mtu) {
		s->stats.encode_errors++;
		return;
	}
	per = (s->mtu - over) / (2 * (size_t)s->grp_len);
	r.op = op;
	r.flags = (uint16_t)((orig->flags | MARS_FLAG_COPY | set) & ~clear);
	r.grp_len = s->grp_len;
	while (i < rs->n) {
		p = s->list;
		for (k = 0; k < per && i < rs->n; k++, i++) {
			memcpy(p, rs->r[i].min, s->grp_len);
			memcpy(p + s->grp_len, rs->r[i].max, s->grp_len);
			p += 2 * s->grp_len;
		}
		r.pnum = (uint16_t)k;
		r.list = s->list;
		emit(s, vc, &r, path, 0);
	}
}

/* RFC 2022 §5.1.2: the NAK is the REQUEST with mar$op.type = 6. */
static void
send_nak(struct mars_server *s, const struct mars_vc *vc, const uint8_t *sdu,
    size_t len, const struct mars_msg *req)
{
	uint16_t c;

	if (len > TX_CAP || len < MARS_LLC_SNAP_LEN + MARS_HDR_LEN) {
		s->stats.encode_errors++;
		return;
	}
	memcpy(s->tx, sdu, len);
	s->tx[MARS_LLC_SNAP_LEN + 17] = MARS_NAK;
	if (req->chksum != 0) {
		s->tx[MARS_LLC_SNAP_LEN + 12] = 0;
		s->tx[MARS_LLC_SNAP_LEN + 13] = 0;
		c = mars_cksum(s->tx + MARS_LLC_SNAP_LEN, len - MARS_LLC_SNAP_LEN);
		s->tx[MARS_LLC_SNAP_LEN + 12] = (uint8_t)(c >> 8);
		s->tx[MARS_LLC_SNAP_LEN + 13] = (uint8_t)c;
	}
	s->io.send(s->io.ctx, vc, s->tx, len);
	s->stats.tx[MARS_NAK]++;
	s->stats.tx_private++;
}

static int
class_cmp(const void *a, const void *b)
{
	const struct mars_server_atm *x = *(const struct mars_server_atm *const *)a;
	const struct mars_server_atm *y = *(const struct mars_server_atm *const *)b;

	if (x->tl != y->tl)
		return x->tl < y->tl ? -1 : 1;
	if (x->sub_tl != y->sub_tl)
		return x->sub_tl < y->sub_tl ? -1 : 1;
	return memcmp(x, y, sizeof(*x));
}

/*
 * Send the n targets in s->atms as MARS_MULTI parts (RFC 2022 §5.1.1,
 * §5.1.2) or, for MIGRATE-less map lists, the parts of any list message
 * of family B/B": every part holds entries of one T/L class only and at
 * most what fits in the MTU; parts are numbered from 1, the last has x.
 */
static void
emit_targets(struct mars_server *s, const struct mars_vc *vc,
    struct mars_msg *r, const struct mars_server_atm *const *atms, uint32_t n,
    enum path path, unsigned flags)
{
	size_t over, per, esz, k;
	uint32_t i = 0, y = 1;
	uint8_t tl, stl, *p;

	over = MARS_LLC_SNAP_LEN + MARS_HDR_LEN + tl_len(r->sha.tl) +
	    tl_len(r->ssa.tl) + r->spa.len + r->tpa.len;
	while (i < n) {
		tl = atms[i]->tl;
		stl = atms[i]->sub_tl;
		esz = (size_t)tl_len(tl) + tl_len(stl);
		if (esz == 0 || over + esz > s->mtu) {
			s->stats.encode_errors++;
			return;
		}
		per = (s->mtu - over) / esz;
		p = s->list;
		for (k = 0; k < per && i < n && atms[i]->tl == tl &&
		    atms[i]->sub_tl == stl; k++, i++) {
			memcpy(p, atms[i]->addr, tl_len(tl));
			p += tl_len(tl);
			memcpy(p, atms[i]->sub, tl_len(stl));
			p += tl_len(stl);
		}
		r->thtl = tl;
		r->tstl = stl;
		r->tnum = (uint16_t)k;
		r->list = s->list;
		r->seqxy = (uint16_t)((i == n ? MARS_SEQ_LAST : 0) |
		    (y & MARS_SEQ_PART));
		y++;
		emit(s, vc, r, path, flags | (i == n ? 0 : EMIT_NOBUMP));
	}
}

static void
send_multi(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *req, uint32_t n, bool to_mcs)
{
	struct mars_msg r;
	uint32_t i;

	for (i = 1; i < n; i++) {
		if (s->atms[i]->tl != s->atms[0]->tl ||
		    s->atms[i]->sub_tl != s->atms[0]->sub_tl) {
			qsort(s->atms, n, sizeof(*s->atms), class_cmp);
			break;
		}
	}
	memset(&r, 0, sizeof(r));
	r.pro_type = req->pro_type;
	memcpy(r.pro_snap, req->pro_snap, sizeof(r.pro_snap));
	r.op = MARS_MULTI;
	r.sha = req->sha;
	r.ssa = req->ssa;
	r.spa = req->spa;
	r.tpa = req->tpa;
	emit_targets(s, vc, &r, s->atms, n, PATH_PRIVATE,
	    to_mcs ? EMIT_MCS : 0);
}

/* RFC 2022 §5.4.3, §6.1.3, §6.2: the periodic map on CCVC and SCVC. */
static void
send_redirect(struct mars_server *s)
{
	const struct mars_server_atm *list[MARS_SERVER_MARS_MAX];
	struct mars_msg r;
	uint32_t i, n;

	n = s->nmars;
	for (i = 0; i < n; i++)
		list[i] = &s->mars[i];
	if (n == 0) {
		list[0] = &s->conf.self;
		n = 1;
	}
	memset(&r, 0, sizeof(r));
	r.pro_type = s->conf.pro_type;
	r.op = MARS_REDIRECT_MAP;
	r.sha = atm_num(&s->conf.self);
	r.ssa = atm_sub(&s->conf.self);
	r.redirf = s->hard ? MARS_REDIRF_HARD : 0;
	emit_targets(s, NULL, &r, list, n, PATH_CCVC, 0);
	if (s->db.nmcs_reg > 0)
		emit_targets(s, NULL, &r, list, n, PATH_SCVC, 0);
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
static uint32_t
collect_hosts(struct mars_server *s, uint32_t gi, const uint8_t *addr)
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

static uint32_t
collect_servers(struct mars_server *s, uint32_t gi)
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

static void
expiry_at(struct mars_server *s, mars_time_t t)
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
static uint32_t
member_create(struct mars_server *s, const struct mars_server_atm *a,
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

static void
member_up(struct mars_server *s, uint32_t mi, uint32_t peer, bool notify)
{
	struct srv_member *m = &s->db.mem[mi];

	m->state = SRV_REG;
	m->vc_id = peer;
	m->since = s->now;
	s->db.nheld--;
	s->db.nreg++;
	if (notify)
		leaf(s, MARS_VC_CCVC, true, peer, &m->atm);
	event(s, MARS_EV_MEMBER_ADDED, &m->atm, m->cmi, NULL, peer, NULL,
	    NULL);
}

/*
 * RFC 2022 §5.2.3, §6.1.2: remove a member from every group and from
 * ClusterControlVC; its CMI stays bound to its address for cmi_hold.
 */
static void
member_down(struct mars_server *s, uint32_t mi, bool notify,
    const char *why)
{
	struct srv_db *db = &s->db;
	struct srv_member *m = &db->mem[mi];
	struct srv_rset none = { NULL, 0, 0 };
	uint32_t gi, peer = m->vc_id;

	while (m->ngroups > 0) {
		gi = m->groups[m->ngroups - 1];
		event(s, MARS_EV_GROUP_LEAVE, &m->atm, m->cmi, db->grp[gi].addr,
		    1, NULL, why);
		srv_single_del(db, mi, gi);
		srv_group_gc(db, gi);
		m = &db->mem[mi];
	}
	if (m->blocks.n > 0) {
		event(s, MARS_EV_GROUP_LEAVE, &m->atm, m->cmi, m->blocks.r[0].min,
		    m->blocks.n, NULL, why);
		(void)srv_member_set_blocks(db, mi, &none);
		srv_rset_free(&m->blocks);
	}
	m->state = SRV_HELD;
	m->since = s->now;
	m->vc_id = 0;
	db->nreg--;
	db->nheld++;
	expiry_at(s, s->now + s->conf.cmi_hold);
	if (notify)
		leaf(s, MARS_VC_CCVC, false, peer, &m->atm);
	event(s, MARS_EV_MEMBER_REMOVED, &m->atm, m->cmi, NULL, peer, NULL,
	    why);
}

/* RFC 2022 §6.2.3: forget an MCS and every server map it is in. */
static void
mcs_down(struct mars_server *s, uint32_t ci, bool notify, const char *why)
{
	struct srv_db *db = &s->db;
	uint32_t gi, peer = db->mcs[ci].vc_id;

	while (db->mcs[ci].ngroups > 0) {
		gi = db->mcs[ci].groups[db->mcs[ci].ngroups - 1];
		event(s, MARS_EV_MCS_REMOVED, &db->mcs[ci].atm, 0,
		    db->grp[gi].addr, peer, NULL, why);
		srv_serve_del(db, ci, gi);
		srv_group_gc(db, gi);
	}
	if (notify)
		leaf(s, MARS_VC_SCVC, false, peer, &db->mcs[ci].atm);
	event(s, MARS_EV_MCS_REMOVED, &db->mcs[ci].atm, 0, NULL, peer, NULL,
	    why);
	srv_mcs_release(db, ci);
}

/*
 * Apply a single-group join or leave to the database.  *changed tells
 * whether the member's effective membership changed (RFC 2022 §6.1.2
 * "already (still) considered a member"): a member covered by one of its
 * block joins stays a member.  Returns 0 or -1 (limit / memory).
 */
static int
single_apply(struct mars_server *s, uint32_t mi, const uint8_t *addr,
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
			event(s, MARS_EV_GROUP_JOIN, &db->mem[mi].atm,
			    db->mem[mi].cmi, db->grp[gi].addr, 1, NULL, NULL);
		}
	} else if (single) {
		event(s, MARS_EV_GROUP_LEAVE, &db->mem[mi].atm, db->mem[mi].cmi,
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
static int
block_apply(struct mars_server *s, uint32_t mi, const uint8_t *min,
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
	event(s, join ? MARS_EV_GROUP_JOIN : MARS_EV_GROUP_LEAVE,
	    &db->mem[mi].atm, db->mem[mi].cmi, min, s->ra.n, NULL, "block");
	return 0;
}

/* True when any group in <min,max> has a server map; punches them from rs. */
static bool
punch_served(struct mars_server *s, const uint8_t *min, const uint8_t *max,
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
		drop(s, MARS_SRV_DROP_LIMIT, m);
		return;
	}
	if (mi == SRV_NIL && (mi = member_create(s, &a, 0)) == SRV_NIL) {
		drop(s, MARS_SRV_DROP_LIMIT, m);
		return;
	}
	mb = &db->mem[mi];
	if (mb->state == SRV_HELD)
		member_up(s, mi, vc->id, true);
	else if (mb->vc_id != vc->id) {
		/* Re-registration over a new VC: move the CCVC leaf. */
		leaf(s, MARS_VC_CCVC, false, mb->vc_id, &mb->atm);
		leaf(s, MARS_VC_CCVC, true, vc->id, &mb->atm);
		mb->vc_id = vc->id;
	}
	mb = &db->mem[mi];
	if (m->spa.len > 0 && m->spa.len <= MARS_SERVER_PA_MAX) {
		memcpy(mb->spa, m->spa.addr, m->spa.len);
		mb->spa_len = m->spa.len;
	}
	r = *m;
	r.flags = (uint16_t)((m->flags | MARS_FLAG_COPY) & ~MARS_FLAG_PUNCHED);
	r.cmi = mb->cmi;
	emit(s, vc, &r, PATH_PRIVATE, 0);
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
		member_down(s, mi, true, "deregistered");
	r = *m;
	r.flags = (uint16_t)((m->flags | MARS_FLAG_COPY) & ~MARS_FLAG_PUNCHED);
	/* A retransmitted LEAVE after the reply was lost is answered again. */
	r.cmi = mi != SRV_NIL ? s->db.mem[mi].cmi : 0;
	emit(s, vc, &r, PATH_PRIVATE, 0);
}

/* RFC 2022 §6.1.2, §6.2.4: JOIN/LEAVE of one group <X,X>. */
static void
handle_single(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *m, uint32_t mi, const uint8_t *addr)
{
	bool join = m->op == MARS_JOIN, changed;
	uint32_t gi;

	if (single_apply(s, mi, addr, (m->flags & MARS_FLAG_LAYER3GRP) != 0,
	    join, &changed, &gi) == -1) {
		drop(s, MARS_SRV_DROP_LIMIT, m);
		return;
	}
	if (changed && gi != SRV_NIL && s->db.grp[gi].nmcs > 0) {
		/* §6.2.4: MCS-served: tell the MCSs, confirm privately. */
		emit_copy(s, vc, m, join ? MARS_SJOIN : MARS_SLEAVE, 0,
		    MARS_FLAG_PUNCHED, PATH_SCVC, 0);
		emit_copy(s, vc, m, m->op, 0, MARS_FLAG_PUNCHED, PATH_PRIVATE,
		    0);
	} else
		emit_copy(s, vc, m, m->op, 0, MARS_FLAG_PUNCHED,
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

	if (block_apply(s, mi, min, max, join) == -1) {
		drop(s, MARS_SRV_DROP_LIMIT, m);
		return;
	}
	/* s->ra: changed set; s->rb: changed set less served groups. */
	served = punch_served(s, min, max, NULL);
	if (served && s->ra.n > 0)
		emit_pairs(s, vc, m, join ? MARS_SJOIN : MARS_SLEAVE,
		    srv_rset_is(&s->ra, min, max) ? 0 : MARS_FLAG_PUNCHED,
		    srv_rset_is(&s->ra, min, max) ? clear :
		    MARS_FLAG_LAYER3GRP, &s->ra, PATH_SCVC);
	if (srv_rset_copy(&s->rb, &s->ra) == -1) {
		s->stats.encode_errors++;
		return;
	}
	if (served)
		punch_served(s, min, max, &s->rb);
	if (srv_rset_is(&s->rb, min, max)) {
		emit_copy(s, vc, m, m->op, 0, clear, PATH_CCVC, 0);
		return;
	}
	emit_copy(s, vc, m, m->op, 0, clear, PATH_PRIVATE, 0);
	if (s->rb.n > 0)
		emit_pairs(s, vc, m, m->op, MARS_FLAG_PUNCHED,
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

static void
handle_join_leave(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *m)
{
	uint8_t min[MARS_SERVER_PA_MAX], max[MARS_SERVER_PA_MAX];
	uint32_t mi;

	if (m->flags & MARS_FLAG_COPY) {
		drop(s, MARS_SRV_DROP_COPY_SET, m);
		return;
	}
	if (m->pnum > 1) {
		drop(s, MARS_SRV_DROP_PAIRS, m);
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
		drop(s, MARS_SRV_DROP_PAIRS, m);
		return;
	}
	if (m->grp_len != s->grp_len || !first_pair(s, m, min, max)) {
		drop(s, MARS_SRV_DROP_MALFORMED, m);
		return;
	}
	mi = srv_member_lookup(&s->db, &m->sha, &m->ssa);
	if (mi == SRV_NIL || s->db.mem[mi].state != SRV_REG) {
		drop(s, MARS_SRV_DROP_UNREGISTERED, m);
		return;
	}
	if (m->spa.len > 0 && m->spa.len <= MARS_SERVER_PA_MAX) {
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
		emit_copy(s, vc, m, m->op, 0, MARS_FLAG_LAYER3GRP,
		    PATH_PRIVATE, EMIT_MCS);
		return;
	}
	if ((gi = srv_group_add(db, addr)) == SRV_NIL ||
	    srv_serve_add(db, ci, gi) == -1) {
		if (gi != SRV_NIL)
			srv_group_gc(db, gi);
		drop(s, MARS_SRV_DROP_LIMIT, m);
		return;
	}
	first = db->grp[gi].nmcs == 1;
	mcs = &db->mcs[ci].atm;
	event(s, MARS_EV_MCS_ADDED, mcs, 0, db->grp[gi].addr, db->mcs[ci].vc_id,
	    m, "serve");
	emit_copy(s, vc, m, m->op, 0, 0, PATH_SCVC, 0);
	if (!first) {
		emit_copy(s, vc, m, MARS_JOIN, 0, MARS_FLAG_LAYER3GRP |
		    MARS_FLAG_REGISTER | MARS_FLAG_PUNCHED, PATH_CCVC, 0);
		return;
	}
	hosts = collect_hosts(s, gi, db->grp[gi].addr);
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
	event(s, MARS_EV_MIGRATE, mcs, 0, db->grp[gi].addr, hosts, NULL, NULL);
	emit(s, NULL, &r, PATH_CCVC, 0);
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
		emit_copy(s, vc, m, m->op, 0, MARS_FLAG_LAYER3GRP,
		    PATH_PRIVATE, EMIT_MCS);
		return;
	}
	event(s, MARS_EV_MCS_REMOVED, &db->mcs[ci].atm, 0, db->grp[gi].addr,
	    db->mcs[ci].vc_id, m, "unserve");
	srv_serve_del(db, ci, gi);
	emit_copy(s, vc, m, m->op, 0, 0, PATH_SCVC, 0);
	emit_copy(s, vc, m, MARS_LEAVE, 0, MARS_FLAG_LAYER3GRP |
	    MARS_FLAG_REGISTER | MARS_FLAG_PUNCHED, PATH_CCVC, 0);
	srv_group_gc(db, gi);
}

/* RFC 2022 §6.2.2, §6.2.3: MARS_MSERV and MARS_UNSERV. */
static void
handle_serve(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *m)
{
	struct srv_db *db = &s->db;
	uint8_t min[MARS_SERVER_PA_MAX], max[MARS_SERVER_PA_MAX];
	struct mars_server_atm a;
	struct mars_msg r;
	uint32_t ci;

	if (m->flags & MARS_FLAG_COPY) {
		drop(s, MARS_SRV_DROP_COPY_SET, m);
		return;
	}
	if (m->pnum > 1) {
		drop(s, MARS_SRV_DROP_PAIRS, m);
		return;
	}
	srv_atm_load(&a, &m->sha, &m->ssa);
	ci = srv_mcs_find(db, &a);
	if (m->flags & MARS_FLAG_REGISTER) {
		if (m->op == MARS_MSERV) {
			if (ci == SRV_NIL) {
				if ((ci = srv_mcs_new(db, &a)) == SRV_NIL) {
					drop(s, MARS_SRV_DROP_LIMIT, m);
					return;
				}
				db->mcs[ci].vc_id = vc->id;
				db->mcs[ci].since = s->now;
				leaf(s, MARS_VC_SCVC, true, vc->id, &a);
				event(s, MARS_EV_MCS_ADDED, &a, 0, NULL, vc->id,
				    m, NULL);
			} else if (db->mcs[ci].vc_id != vc->id) {
				leaf(s, MARS_VC_SCVC, false, db->mcs[ci].vc_id,
				    &a);
				leaf(s, MARS_VC_SCVC, true, vc->id, &a);
				db->mcs[ci].vc_id = vc->id;
			}
		} else if (ci != SRV_NIL)
			mcs_down(s, ci, true, "deregistered");
		r = *m;
		r.flags = (uint16_t)((m->flags | MARS_FLAG_COPY) &
		    ~MARS_FLAG_PUNCHED);
		r.cmi = 0;		/* §6.2.3 */
		emit(s, vc, &r, PATH_PRIVATE, EMIT_MCS);
		return;
	}
	if (m->pnum == 0) {
		drop(s, MARS_SRV_DROP_PAIRS, m);
		return;
	}
	if (m->grp_len != s->grp_len || !first_pair(s, m, min, max)) {
		drop(s, MARS_SRV_DROP_MALFORMED, m);
		return;
	}
	if (ci == SRV_NIL) {
		drop(s, MARS_SRV_DROP_UNREGISTERED, m);
		return;
	}
	if (srv_addr_cmp(min, max) != 0) {
		drop(s, MARS_SRV_DROP_UNSUPPORTED, m);
		return;
	}
	if (m->op == MARS_MSERV)
		serve_group(s, vc, m, ci, min);
	else
		unserve_group(s, vc, m, ci, min);
}

/* RFC 2022 §5.1.2, §6.1.1, §6.2.1: MARS_REQUEST. */
static void
handle_request(struct mars_server *s, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len, const struct mars_msg *m)
{
	struct srv_db *db = &s->db;
	uint8_t addr[MARS_SERVER_PA_MAX];
	uint32_t ci, mi, gi, n;
	bool from_mcs;

	if (m->tpa.len != s->grp_len) {
		drop(s, MARS_SRV_DROP_MALFORMED, m);
		return;
	}
	srv_addr_load(addr, m->tpa.addr, s->grp_len);
	ci = srv_mcs_lookup(db, &m->sha, &m->ssa);
	mi = srv_member_lookup(db, &m->sha, &m->ssa);
	from_mcs = ci != SRV_NIL;
	if (!from_mcs && (mi == SRV_NIL || db->mem[mi].state != SRV_REG)) {
		drop(s, MARS_SRV_DROP_UNREGISTERED, m);
		return;
	}
	gi = srv_group_find(db, addr);
	if (gi != SRV_NIL && db->grp[gi].nmcs > 0 &&
	    !(from_mcs && srv_serves(db, ci, gi)))
		n = collect_servers(s, gi);
	else
		n = collect_hosts(s, gi, addr);
	if (n == 0)
		send_nak(s, vc, sdu, len, m);
	else
		send_multi(s, vc, m, n, from_mcs);
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
static void
handle_grouplist(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *m)
{
	struct srv_db *db = &s->db;
	uint8_t min[MARS_SERVER_PA_MAX], max[MARS_SERVER_PA_MAX], *p;
	struct mars_msg r;
	size_t over, per, k;
	uint32_t ci, mi, i, y = 1;
	bool from_mcs;

	if (m->pnum == 0) {
		drop(s, MARS_SRV_DROP_PAIRS, m);
		return;
	}
	if (m->grp_len != s->grp_len || !first_pair(s, m, min, max)) {
		drop(s, MARS_SRV_DROP_MALFORMED, m);
		return;
	}
	ci = srv_mcs_lookup(db, &m->sha, &m->ssa);
	mi = srv_member_lookup(db, &m->sha, &m->ssa);
	from_mcs = ci != SRV_NIL;
	if (!from_mcs && (mi == SRV_NIL || db->mem[mi].state != SRV_REG)) {
		drop(s, MARS_SRV_DROP_UNREGISTERED, m);
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
		emit(s, vc, &r, PATH_PRIVATE, from_mcs ? EMIT_MCS : 0);
	} while (i < db->nsorted);
}

/* ---- entry points ---- */

static void
touch(struct mars_server *s, mars_time_t now)
{
	s->now = now;
	if (!s->started) {
		s->started = true;
		s->next_redirect = now + s->conf.redirect_interval;
	}
}

void
mars_server_input(struct mars_server *s, mars_time_t now, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len)
{
	const struct mars_msg *m = &s->pdu.u.mars;
	int v;

	touch(s, now);
	if (vc == NULL || (sdu == NULL && len > 0)) {
		drop(s, MARS_SRV_DROP_MALFORMED, NULL);
		return;
	}
	if (vc->kind != MARS_VC_P2P) {
		drop(s, MARS_SRV_DROP_WRONG_VC, NULL);
		return;
	}
	v = mars_pdu_decode(&s->pdu, sdu, len,
	    s->conf.no_verify ? MARS_PDU_DEC_NOCHKSUM : 0);
	if (s->pdu.kind != MARS_PDU_MARS) {
		drop(s, s->pdu.kind == MARS_PDU_NONE ? MARS_SRV_DROP_MALFORMED :
		    MARS_SRV_DROP_NOT_MARS, NULL);
		return;
	}
	switch (v) {
	case 0:
		break;
	case MARS_E_CHKSUM:
		drop(s, MARS_SRV_DROP_CHECKSUM, m);
		return;
	case MARS_E_TLV_DROP:
	case MARS_E_TLV_ERROR:
		drop(s, MARS_SRV_DROP_TLV, m);
		return;
	case MARS_E_OP:
		drop(s, MARS_SRV_DROP_UNKNOWN_OP, NULL);
		return;
	default:
		drop(s, MARS_SRV_DROP_MALFORMED, NULL);
		return;
	}
	/* §6: no source ATM number -> discarded before anything else. */
	if (m->afn != MARS_AFN_ATM || tl_len(m->sha.tl) == 0 ||
	    m->op > MARS_OP_MAX) {
		drop(s, MARS_SRV_DROP_MALFORMED, m);
		return;
	}
	s->stats.rx[m->op]++;
	if (m->pro_type != s->conf.pro_type) {
		drop(s, MARS_SRV_DROP_PROTOCOL, m);
		return;
	}
	switch (m->op) {
	case MARS_REQUEST:
		handle_request(s, vc, sdu, len, m);
		break;
	case MARS_JOIN:
	case MARS_LEAVE:
		handle_join_leave(s, vc, m);
		break;
	case MARS_MSERV:
	case MARS_UNSERV:
		handle_serve(s, vc, m);
		break;
	case MARS_GROUPLIST_REQUEST:
		handle_grouplist(s, vc, m);
		break;
	default:
		drop(s, MARS_SRV_DROP_UNEXPECTED_OP, m);
		break;
	}
}

static void
expire(struct mars_server *s)
{
	struct srv_db *db = &s->db;
	mars_time_t next = MARS_TIME_NEVER, t;
	uint32_t i;

	for (i = 0; i < db->nmem; i++) {
		if (db->mem[i].state != SRV_HELD)
			continue;
		t = db->mem[i].since + s->conf.cmi_hold;
		if (t <= s->now)
			srv_member_release(db, i);
		else if (t < next)
			next = t;
	}
	s->next_expiry = next;
}

mars_time_t
mars_server_tick(struct mars_server *s, mars_time_t now)
{
	touch(s, now);
	if (now >= s->next_redirect) {
		send_redirect(s);
		s->next_redirect = now + s->conf.redirect_interval;
	}
	if (now >= s->next_expiry)
		expire(s);
	return s->next_redirect < s->next_expiry ? s->next_redirect :
	    s->next_expiry;
}

void
mars_server_redirect_now(struct mars_server *s, mars_time_t now)
{
	touch(s, now);
	send_redirect(s);
	s->next_redirect = now + s->conf.redirect_interval;
}

void
mars_server_leaf_lost(struct mars_server *s, mars_time_t now, uint32_t peer)
{
	struct srv_db *db = &s->db;
	uint32_t i;

	touch(s, now);
	for (i = 0; i < db->nmem; i++)
		if (db->mem[i].state == SRV_REG && db->mem[i].vc_id == peer)
			member_down(s, i, true, "leaf lost");
	for (i = 0; i < db->nmcs; i++)
		if (db->mcs[i].state == SRV_REG && db->mcs[i].vc_id == peer)
			mcs_down(s, i, true, "leaf lost");
}

int
mars_server_set_redirect_map(struct mars_server *s, const struct mars_server_atm *list,
    size_t n, bool hard)
{
	size_t i;

	if (n > MARS_SERVER_MARS_MAX || (n > 0 && list == NULL))
		return MARS_E_INVAL;
	for (i = 0; i < n; i++)
		if (tl_len(list[i].tl) == 0 || tl_len(list[i].tl) >
		    MARS_ATM_ADDR_MAX || tl_len(list[i].sub_tl) > MARS_ATM_ADDR_MAX)
			return MARS_E_INVAL;
	for (i = 0; i < n; i++)
		s->mars[i] = list[i];
	s->nmars = (uint8_t)n;
	s->hard = hard;
	return 0;
}

void
mars_server_conf_init(struct mars_server_conf *c, uint16_t pro, const uint8_t *atm,
    uint8_t atm_tl)
{
	memset(c, 0, sizeof(*c));
	c->pro_type = pro;
	c->self.tl = atm_tl;
	if (atm != NULL)
		memcpy(c->self.addr, atm, tl_len(atm_tl) > MARS_ATM_ADDR_MAX ?
		    MARS_ATM_ADDR_MAX : tl_len(atm_tl));
}

int
mars_server_new(struct mars_server **sp, const struct mars_server_conf *c,
    const struct mars_io *io, struct mars_err *err)
{
	struct mars_server *s;
	uint8_t grp_len;

	*sp = NULL;
	if (c == NULL)
		return mars_err_set(err, MARS_E_INVAL, "conf", "missing");
	if (io == NULL || io->send == NULL)
		return mars_err_set(err, MARS_E_INVAL, "io.send", "missing");
	if (c->pro_type == MARS_PRO_IPV4)
		grp_len = 4;
	else if (c->pro_type == MARS_PRO_IPV6)
		grp_len = 16;
	else
		return mars_err_set(err, MARS_E_INVAL, "pro_type",
		    "neither IPv4 nor IPv6");
	if (tl_len(c->self.tl) == 0 || tl_len(c->self.tl) > MARS_ATM_ADDR_MAX ||
	    (c->self.tl & MARS_ATM_TL_RESERVED) ||
	    tl_len(c->self.sub_tl) > MARS_ATM_ADDR_MAX)
		return mars_err_set(err, MARS_E_INVAL, "self",
		    "no ATM address, or one longer than 20 octets");
	if (c->self_pa_len > MARS_SERVER_PA_MAX)
		return mars_err_set(err, MARS_E_INVAL, "self_pa_len",
		    "longer than MARS_SERVER_PA_MAX");
	if (c->nmars > MARS_SERVER_MARS_MAX)
		return mars_err_set(err, MARS_E_INVAL, "nmars",
		    "more than MARS_SERVER_MARS_MAX");
	if (c->mtu != 0 && c->mtu < MTU_MIN)
		return mars_err_set(err, MARS_E_INVAL, "mtu", "too small");
	if (c->cmi_low > c->cmi_high || (c->cmi_low == 0 && c->cmi_high != 0))
		return mars_err_set(err, MARS_E_INVAL, "cmi_low",
		    "not a range 1 <= low <= high");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return mars_err_set(err, MARS_E_NOSPACE, "server", "no memory");
	s->conf = *c;
	s->io = *io;
	if (s->conf.cmi_high == 0) {
		s->conf.cmi_low = 1;
		s->conf.cmi_high = 0xffff;
	}
	if (s->conf.redirect_interval == 0)
		s->conf.redirect_interval = 60000;
	if (s->conf.cmi_hold == 0)
		s->conf.cmi_hold = 30 * 60000;
	if (s->conf.mtu == 0)
		s->conf.mtu = MARS_MTU;
	if (s->conf.max_members == 0)
		s->conf.max_members = 65535;
	if (s->conf.max_groups == 0)
		s->conf.max_groups = 1u << 20;
	if (s->conf.max_mcs == 0)
		s->conf.max_mcs = 256;
	if (s->conf.max_blocks == 0)
		s->conf.max_blocks = 32;
	s->grp_len = grp_len;
	s->mtu = s->conf.mtu;
	s->csn = c->initial_csn;
	s->ssn = c->initial_ssn;
	s->next_expiry = MARS_TIME_NEVER;
	s->next_redirect = MARS_TIME_NEVER;
	memcpy(s->mars, c->mars, sizeof(s->mars));
	s->nmars = c->nmars;
	s->hard = c->redirect_hard;
	s->tx = malloc(TX_CAP);
	s->list = malloc(s->mtu);
	if (s->tx == NULL || s->list == NULL ||
	    srv_db_init(&s->db, grp_len, s->conf.cmi_low, s->conf.cmi_high,
	    s->conf.max_members, s->conf.max_groups, s->conf.max_mcs) == -1) {
		free(s->tx);
		free(s->list);
		free(s);
		return mars_err_set(err, MARS_E_NOSPACE, "server", "no memory");
	}
	*sp = s;
	return 0;
}

void
mars_server_free(struct mars_server *s)
{
	if (s == NULL)
		return;
	srv_db_free(&s->db);
	srv_rset_free(&s->ra);
	srv_rset_free(&s->rb);
	free(s->atms);
	free(s->tx);
	free(s->list);
	free(s);
}

/* ---- read-only accessors ---- */

uint16_t
mars_server_pro_type(const struct mars_server *s)
{
	return s->conf.pro_type;
}

uint32_t
mars_server_csn(const struct mars_server *s)
{
	return s->csn;
}

uint32_t
mars_server_ssn(const struct mars_server *s)
{
	return s->ssn;
}

const struct mars_server_stats *
mars_server_get_stats(const struct mars_server *s)
{
	return &s->stats;
}

uint32_t
mars_server_member_count(const struct mars_server *s)
{
	return s->db.nreg;
}

uint32_t
mars_server_group_count(const struct mars_server *s)
{
	return s->db.nsorted;
}

uint32_t
mars_server_mcs_count(const struct mars_server *s)
{
	return s->db.nmcs_reg;
}

size_t
mars_server_mem_usage(const struct mars_server *s)
{
	return srv_db_bytes(&s->db);
}

bool
mars_server_member_get(const struct mars_server *s, uint32_t handle,
    struct mars_server_member_info *out)
{
	const struct srv_member *m;

	if (handle >= s->db.nmem || s->db.mem[handle].state == SRV_FREE)
		return false;
	m = &s->db.mem[handle];
	out->handle = handle;
	out->atm = &m->atm;
	out->spa = m->spa;
	out->spa_len = m->spa_len;
	out->cmi = m->cmi;
	out->registered = m->state == SRV_REG;
	out->vc_id = m->vc_id;
	out->since = m->since;
	out->ngroups = m->ngroups;
	out->nblocks = m->blocks.n;
	return true;
}

bool
mars_server_member_next(const struct mars_server *s, uint32_t *cursor,
    struct mars_server_member_info *out)
{
	while (*cursor < s->db.nmem)
		if (mars_server_member_get(s, (*cursor)++, out))
			return true;
	return false;
}

bool
mars_server_member_find(const struct mars_server *s, const struct mars_server_atm *atm,
    struct mars_server_member_info *out)
{
	uint32_t mi = srv_member_find(&s->db, atm);

	return mi != SRV_NIL && mars_server_member_get(s, mi, out);
}

bool
mars_server_member_group(const struct mars_server *s, uint32_t handle, uint32_t i,
    const uint8_t **group, bool *layer3grp)
{
	const struct srv_group *g;
	uint32_t k;

	if (handle >= s->db.nmem || i >= s->db.mem[handle].ngroups)
		return false;
	g = &s->db.grp[s->db.mem[handle].groups[i]];
	*group = g->addr;
	if (layer3grp != NULL) {
		*layer3grp = false;
		for (k = 0; k < g->nmem; k++)
			if ((g->mem[k] & SRV_SLOT) == handle)
				*layer3grp = (g->mem[k] & SRV_L3) != 0;
	}
	return true;
}

bool
mars_server_member_block(const struct mars_server *s, uint32_t handle, uint32_t i,
    const uint8_t **min, const uint8_t **max)
{
	if (handle >= s->db.nmem || i >= s->db.mem[handle].blocks.n)
		return false;
	*min = s->db.mem[handle].blocks.r[i].min;
	*max = s->db.mem[handle].blocks.r[i].max;
	return true;
}

static void
group_info(const struct mars_server *s, uint32_t gi,
    struct mars_server_group_info *out)
{
	const struct srv_group *g = &s->db.grp[gi];

	out->handle = gi;
	out->addr = g->addr;
	out->len = s->grp_len;
	out->nmembers = g->nmem;
	out->nlayer3 = g->nl3;
	out->nmcs = g->nmcs;
}

bool
mars_server_group_next(const struct mars_server *s, uint32_t *cursor,
    struct mars_server_group_info *out)
{
	if (*cursor >= s->db.nsorted)
		return false;
	group_info(s, s->db.sorted[(*cursor)++], out);
	return true;
}

bool
mars_server_group_find(const struct mars_server *s, const uint8_t *addr,
    struct mars_server_group_info *out)
{
	uint8_t a[MARS_SERVER_PA_MAX];
	uint32_t gi;

	srv_addr_load(a, addr, s->grp_len);
	if ((gi = srv_group_find(&s->db, a)) == SRV_NIL)
		return false;
	group_info(s, gi, out);
	return true;
}

bool
mars_server_group_member(const struct mars_server *s, uint32_t ghandle, uint32_t i,
    uint32_t *mhandle, bool *layer3grp)
{
	const struct srv_group *g;

	if (ghandle >= s->db.ngrp || !s->db.grp[ghandle].used ||
	    i >= s->db.grp[ghandle].nmem)
		return false;
	g = &s->db.grp[ghandle];
	*mhandle = g->mem[i] & SRV_SLOT;
	if (layer3grp != NULL)
		*layer3grp = (g->mem[i] & SRV_L3) != 0;
	return true;
}

bool
mars_server_group_mcs(const struct mars_server *s, uint32_t ghandle, uint32_t i,
    uint32_t *mcs_handle)
{
	if (ghandle >= s->db.ngrp || !s->db.grp[ghandle].used ||
	    i >= s->db.grp[ghandle].nmcs)
		return false;
	*mcs_handle = s->db.grp[ghandle].mcs[i];
	return true;
}

bool
mars_server_mcs_get(const struct mars_server *s, uint32_t handle,
    struct mars_server_mcs_info *out)
{
	const struct srv_mcs *c;

	if (handle >= s->db.nmcs || s->db.mcs[handle].state != SRV_REG)
		return false;
	c = &s->db.mcs[handle];
	out->handle = handle;
	out->atm = &c->atm;
	out->vc_id = c->vc_id;
	out->since = c->since;
	out->ngroups = c->ngroups;
	return true;
}

bool
mars_server_mcs_next(const struct mars_server *s, uint32_t *cursor,
    struct mars_server_mcs_info *out)
{
	while (*cursor < s->db.nmcs)
		if (mars_server_mcs_get(s, (*cursor)++, out))
			return true;
	return false;
}

bool
mars_server_mcs_group(const struct mars_server *s, uint32_t handle, uint32_t i,
    const uint8_t **group)
{
	if (handle >= s->db.nmcs || s->db.mcs[handle].state != SRV_REG ||
	    i >= s->db.mcs[handle].ngroups)
		return false;
	*group = s->db.grp[s->db.mcs[handle].groups[i]].addr;
	return true;
}

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

	touch(s, now);
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
		if ((mi = member_create(s, &a, cmi)) == SRV_NIL)
			return MARS_E_NOSPACE;
		expiry_at(s, now + s->conf.cmi_hold);
		return 0;
	}
	srv_cmi_unbind(db, db->mem[mi].cmi);
	srv_cmi_bind(db, cmi);
	db->mem[mi].cmi = cmi;
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

	touch(s, now);
	if (!atm_ok(atm))
		return MARS_E_INVAL;
	a = atm_clean(atm);
	if (cmi != 0 && (rc = mars_server_import_cmi(s, now, &a, cmi)) != 0)
		return rc;
	mi = srv_member_find(db, &a);
	if (mi == SRV_NIL && (mi = member_create(s, &a, 0)) == SRV_NIL)
		return MARS_E_NOSPACE;
	if (db->mem[mi].state == SRV_HELD) {
		if (db->nreg >= s->conf.max_members)
			return MARS_E_NOSPACE;
		member_up(s, mi, peer, false);
	} else
		db->mem[mi].vc_id = peer;
	return 0;
}

int
mars_server_import_deregister(struct mars_server *s, mars_time_t now,
    const struct mars_server_atm *atm)
{
	struct mars_server_atm a;
	uint32_t mi;

	touch(s, now);
	if (!atm_ok(atm))
		return MARS_E_INVAL;
	a = atm_clean(atm);
	mi = srv_member_find(&s->db, &a);
	if (mi != SRV_NIL && s->db.mem[mi].state == SRV_REG)
		member_down(s, mi, false, "imported");
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

	touch(s, now);
	if (!atm_ok(atm))
		return MARS_E_INVAL;
	a = atm_clean(atm);
	ci = srv_mcs_find(&s->db, &a);
	if (!add) {
		if (ci != SRV_NIL)
			mcs_down(s, ci, false, "imported");
		return 0;
	}
	if (ci == SRV_NIL) {
		if ((ci = srv_mcs_new(&s->db, &a)) == SRV_NIL)
			return MARS_E_NOSPACE;
		s->db.mcs[ci].since = now;
		event(s, MARS_EV_MCS_ADDED, &a, 0, NULL, peer, NULL, "imported");
	}
	s->db.mcs[ci].vc_id = peer;
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

	touch(s, now);
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

	touch(s, now);
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
	emit_targets(s, vc, &r, l, (uint32_t)n, PATH_PRIVATE, 0);
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
	r->cmi = cmi;
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

	touch(s, now);
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
		if (single_apply(s, mi, lo, layer3grp, join, &changed,
		    &gi) == -1)
			return MARS_E_NOSPACE;
		served = gi != SRV_NIL && s->db.grp[gi].nmcs > 0;
	} else {
		if (block_apply(s, mi, lo, hi, join) == -1)
			return MARS_E_NOSPACE;
		changed = s->ra.n > 0;
		served = relay && punch_served(s, lo, hi, NULL);
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
			emit(s, NULL, &r, PATH_SCVC, 0);
		} else
			emit(s, NULL, &r, PATH_CCVC, 0);
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

	touch(s, now);
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
		emit(s, NULL, &r, PATH_CCVC, 0);
		return 0;
	}
	if (gi == SRV_NIL || db->grp[gi].nmcs != 1)
		return 0;
	hosts = collect_hosts(s, gi, db->grp[gi].addr);
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
	event(s, MARS_EV_MIGRATE, &a, 0, db->grp[gi].addr, hosts, NULL,
	    "relayed");
	emit(s, NULL, &r, PATH_CCVC, 0);
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

	touch(s, now);
	if (!atm_ok(mcs))
		return MARS_E_INVAL;
	a = atm_clean(mcs);
	if ((ci = srv_mcs_find(db, &a)) == SRV_NIL)
		return 0;
	while (db->mcs[ci].ngroups > 0) {
		gi = db->mcs[ci].groups[db->mcs[ci].ngroups - 1];
		memcpy(addr, db->grp[gi].addr, sizeof(addr));
		event(s, MARS_EV_MCS_REMOVED, &db->mcs[ci].atm, 0, addr,
		    db->mcs[ci].vc_id, NULL, "mcs-timeout");
		srv_serve_del(db, ci, gi);
		if (db->grp[gi].nmcs == 0) {
			relay_msg(s, &r, MARS_LEAVE, &a, NULL, 0, 0,
			    0, addr, addr);
			emit(s, NULL, &r, PATH_CCVC, 0);
		}
		srv_group_gc(db, gi);
	}
	mcs_down(s, ci, db->mcs[ci].vc_id != 0, "mcs-timeout");
	return 0;
}

int
mars_server_forget_member(struct mars_server *s, mars_time_t now,
    const struct mars_server_atm *atm)
{
	struct mars_server_atm a;
	uint32_t mi;

	touch(s, now);
	if (!atm_ok(atm))
		return MARS_E_INVAL;
	a = atm_clean(atm);
	if ((mi = srv_member_find(&s->db, &a)) == SRV_NIL)
		return 0;
	if (s->db.mem[mi].state == SRV_REG)
		member_down(s, mi, s->db.mem[mi].vc_id != 0, "forgotten");
	srv_member_release(&s->db, mi);
	return 0;
}
