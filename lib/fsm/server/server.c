/*
 * The MARS server state machine (RFC 2022 §5.2.3, §6; PROTOCOL.md §3),
 * sans-I/O: see server.h for how it is driven.  This file holds its entry
 * points; the rest of the folder: server_handle.c (message handlers),
 * server_tx.c (what it sends), server_state.c (happenings and database
 * changes), server_db.c (the tables), server_info.c (accessors),
 * server_import.c (redundancy hooks).
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mars/pdu.h"
#include "server_int.h"

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
	[MARS_SRV_DROP_NONCONF] = "nonconforming",
};

const char *
mars_server_drop_name(int reason)
{
	if (reason < 0 || reason >= MARS_SRV_DROP_MAX)
		return "unknown";
	return drop_names[reason];
}

/* ---- entry points ---- */

void
srv_touch(struct mars_server *s, mars_time_t now)
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

	srv_touch(s, now);
	if (vc == NULL || (sdu == NULL && len > 0)) {
		srv_drop(s, MARS_SRV_DROP_MALFORMED, NULL);
		return;
	}
	if (vc->kind != MARS_VC_P2P) {
		srv_drop(s, MARS_SRV_DROP_WRONG_VC, NULL);
		return;
	}
	v = mars_pdu_decode(&s->pdu, sdu, len,
	    s->conf.no_verify ? MARS_PDU_DEC_NOCHKSUM : 0);
	if (s->pdu.kind != MARS_PDU_MARS) {
		srv_drop(s, s->pdu.kind == MARS_PDU_NONE ? MARS_SRV_DROP_MALFORMED :
		    MARS_SRV_DROP_NOT_MARS, NULL);
		return;
	}
	switch (v) {
	case 0:
		break;
	case MARS_E_CHKSUM:
		srv_drop(s, MARS_SRV_DROP_CHECKSUM, m);
		return;
	case MARS_E_TLV_DROP:
	case MARS_E_TLV_ERROR:
		srv_drop(s, MARS_SRV_DROP_TLV, m);
		return;
	case MARS_E_OP:
		srv_drop(s, MARS_SRV_DROP_UNKNOWN_OP, NULL);
		return;
	case MARS_E_NONCONF:
		srv_drop(s, MARS_SRV_DROP_NONCONF, m);
		return;
	default:
		srv_drop(s, MARS_SRV_DROP_MALFORMED, NULL);
		return;
	}
	/* §6: no source ATM number -> discarded before anything else. */
	if (m->afn != MARS_AFN_ATM || tl_len(m->sha.tl) == 0 ||
	    m->op > MARS_OP_MAX) {
		srv_drop(s, MARS_SRV_DROP_MALFORMED, m);
		return;
	}
	s->stats.rx[m->op]++;
	if (m->pro_type != s->conf.pro_type) {
		srv_drop(s, MARS_SRV_DROP_PROTOCOL, m);
		return;
	}
	s->in_request = true;
	s->req_chksum = m->chksum;
	switch (m->op) {
	case MARS_REQUEST:
		srv_handle_request(s, vc, sdu, len, m);
		break;
	case MARS_JOIN:
	case MARS_LEAVE:
		srv_handle_join_leave(s, vc, m);
		break;
	case MARS_MSERV:
	case MARS_UNSERV:
		srv_handle_serve(s, vc, m);
		break;
	case MARS_GROUPLIST_REQUEST:
		srv_handle_grouplist(s, vc, m);
		break;
	default:
		srv_drop(s, MARS_SRV_DROP_UNEXPECTED_OP, m);
		break;
	}
	s->in_request = false;
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
	srv_touch(s, now);
	if (now >= s->next_redirect) {
		srv_send_redirect(s);
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
	srv_touch(s, now);
	srv_send_redirect(s);
	s->next_redirect = now + s->conf.redirect_interval;
}

void
mars_server_leaf_lost(struct mars_server *s, mars_time_t now, uint32_t peer)
{
	struct srv_db *db = &s->db;
	uint32_t i;

	srv_touch(s, now);
	for (i = 0; i < db->nmem; i++)
		if (db->mem[i].state == SRV_REG && db->mem[i].vc_id == peer)
			srv_member_down(s, i, true, "leaf lost");
	for (i = 0; i < db->nmcs; i++)
		if (db->mcs[i].state == SRV_REG && db->mcs[i].vc_id == peer)
			srv_mcs_down(s, i, true, "leaf lost");
}

int
mars_server_set_quirks(struct mars_server *s, unsigned quirks)
{
	if (quirks & ~MARS_SERVER_Q_WIN2000)
		return MARS_E_INVAL;
	s->conf.quirks = quirks;
	return 0;
}

unsigned
mars_server_quirks(const struct mars_server *s)
{
	return s->conf.quirks;
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
	if (c->quirks & ~MARS_SERVER_Q_WIN2000)
		return mars_err_set(err, MARS_E_INVAL, "quirks",
		    "unknown MARS_SERVER_Q_* bits");
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

