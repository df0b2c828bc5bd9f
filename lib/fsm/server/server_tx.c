/*
 * What the server sends (RFC 2022 §5.1.4.2, §6.1.4, §6.2.5): every reply
 * is built as a struct mars_msg and encoded into one transmit buffer; the
 * only exception is MARS_NAK, which §5.1.2 wants byte-identical to the
 * REQUEST but for the op code, so it is patched from a copy of the
 * received SDU.  Large MULTIs are split into parts that fit the MTU.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "server_int.h"

/* ---- transmission (RFC 2022 §5.1.4.2, §6.1.4, §6.2.5) ---- */

#define CHKSUM_AT	(MARS_LLC_SNAP_LEN + 12)	/* mar$chksum */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* mar$chksum over the n octets in s->tx, as an encoder would put it. */
static void
rechecksum(struct mars_server *s, size_t n)
{
	if (s->tx[CHKSUM_AT] == 0 && s->tx[CHKSUM_AT + 1] == 0)
		return;		/* sent unchecked: stays so */
	put16(s->tx + CHKSUM_AT, 0);
	put16(s->tx + CHKSUM_AT, mars_cksum(s->tx + MARS_LLC_SNAP_LEN,
	    n - MARS_LLC_SNAP_LEN));
}

/*
 * Emulated quirks (server.h MARS_SERVER_Q_*), applied to an encoded
 * message in s->tx: what the Windows 2000 server does to its output.
 */
static void
quirk_patch(struct mars_server *s, size_t n, unsigned flags)
{
	if ((flags & EMIT_NULLSRC) && (s->conf.quirks & MARS_SERVER_Q_NULL_MAP)) {
		/* C8: the header template's null mar$shtl and seqxy 0 */
		s->tx[MARS_LLC_SNAP_LEN + 18] = 0;
		put16(s->tx + MARS_LLC_SNAP_LEN + 26, 0);
		rechecksum(s, n);
	}
	/* C10: a reply edited from the request keeps its checksum */
	if ((s->conf.quirks & MARS_SERVER_Q_STALE_CHKSUM) && s->in_request)
		put16(s->tx + CHKSUM_AT, s->req_chksum);
}

/*
 * Encode and send m.  On ClusterControlVC (ServerControlVC) mar$msn is the
 * CSN (SSN), incremented after the transmission; private replies carry
 * the current CSN, or the SSN when they go to an MCS.  Every message from
 * the MARS is version 0 and carries no TLVs.
 */
void
srv_emit(struct mars_server *s, const struct mars_vc *vc, struct mars_msg *m,
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
		srv_logmsg(s, LOG_ERR, "server: cannot encode a reply");
		return;
	}
	if (s->conf.quirks != 0)
		quirk_patch(s, n, flags);
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
void
srv_emit_copy(struct mars_server *s, const struct mars_vc *vc,
    const struct mars_msg *orig, uint8_t op, uint16_t set, uint16_t clear,
    enum path path, unsigned flags)
{
	struct mars_msg r = *orig;

	r.op = op;
	r.flags = (uint16_t)((orig->flags | MARS_FLAG_COPY | set) & ~clear);
	srv_emit(s, vc, &r, path, flags);
}

/*
 * Send orig with its pair list replaced by the blocks of rs, split over
 * as many messages as the MTU needs (each one a transmission of its own).
 */
void
srv_emit_pairs(struct mars_server *s, const struct mars_vc *vc,
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
		srv_emit(s, vc, &r, path, 0);
	}
}

/* RFC 2022 §5.1.2: the NAK is the REQUEST with mar$op.type = 6. */
void
srv_send_nak(struct mars_server *s, const struct mars_vc *vc, const uint8_t *sdu,
    size_t len, const struct mars_msg *req)
{
	uint16_t c;

	if (len > TX_CAP || len < MARS_LLC_SNAP_LEN + MARS_HDR_LEN) {
		s->stats.encode_errors++;
		return;
	}
	memcpy(s->tx, sdu, len);
	s->tx[MARS_LLC_SNAP_LEN + 17] = MARS_NAK;
	if (s->conf.quirks & MARS_SERVER_Q_NAK_CSN) {
		/* C9: the CSN in the last 4 octets of mar$pad */
		s->tx[MARS_LLC_SNAP_LEN + 28] = (uint8_t)(s->csn >> 24);
		s->tx[MARS_LLC_SNAP_LEN + 29] = (uint8_t)(s->csn >> 16);
		s->tx[MARS_LLC_SNAP_LEN + 30] = (uint8_t)(s->csn >> 8);
		s->tx[MARS_LLC_SNAP_LEN + 31] = (uint8_t)s->csn;
	}
	/* C10: the request's checksum stays, now stale */
	if (req->chksum != 0 && !(s->conf.quirks & MARS_SERVER_Q_STALE_CHKSUM)) {
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
void
srv_emit_targets(struct mars_server *s, const struct mars_vc *vc,
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
		srv_emit(s, vc, r, path, flags | (i == n ? 0 : EMIT_NOBUMP));
	}
}

void
srv_send_multi(struct mars_server *s, const struct mars_vc *vc,
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
	srv_emit_targets(s, vc, &r, s->atms, n, PATH_PRIVATE,
	    to_mcs ? EMIT_MCS : 0);
}

/* RFC 2022 §5.4.3, §6.1.3, §6.2: the periodic map on CCVC and SCVC. */
void
srv_send_redirect(struct mars_server *s)
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
	srv_emit_targets(s, NULL, &r, list, n, PATH_CCVC, EMIT_NULLSRC);
	if (s->db.nmcs_reg > 0)
		srv_emit_targets(s, NULL, &r, list, n, PATH_SCVC, EMIT_NULLSRC);
}

