/*
 * One MARS entity of a distributed MARS (draft-armitage-ion-mars-scsp-03
 * §3, §4; RFC 2443): an RFC 2022 server and an SCSP node, driven as one
 * machine.  The choices are described in redund.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mars/err.h"
#include "mars/pdu.h"
#include "mars/proto.h"
#include "mars/redund.h"
#include "mars/scspfsm.h"
#include "mars/shim.h"

#include "redund_int.h"

static const char *const err_names[MARS_REDUND_ERR_MAX] = {
	[MARS_REDUND_ERR_ENCODE] = "encode",
	[MARS_REDUND_ERR_ORIGINATE] = "originate",
	[MARS_REDUND_ERR_EXPORT] = "export",
	[MARS_REDUND_ERR_DECODE] = "decode",
	[MARS_REDUND_ERR_APPLY] = "apply",
	[MARS_REDUND_ERR_REVERT] = "revert",
	[MARS_REDUND_ERR_SERVER] = "server",
};

const char *
mars_redund_err_name(int kind)
{
	if (kind < 0 || kind >= MARS_REDUND_ERR_MAX)
		return "unknown";
	return err_names[kind];
}

/*
 * A replication error: counted by kind and logged, the first of a kind
 * and then at every power of two, so that a storm (a full database
 * refusing every record) stays readable.
 */
void
redund_error(struct mars_redund *r, int kind, int rc, const char *what)
{
	char line[192];
	uint64_t n;

	if (kind < 0 || kind >= MARS_REDUND_ERR_MAX)
		return;
	n = ++r->errors[kind];
	if (r->io.log == NULL || (n & (n - 1)) != 0)
		return;
	snprintf(line, sizeof(line), "redund: replication error (%s): %s: %s "
	    "(%llu so far)", err_names[kind], what, mars_strerror(rc),
	    (unsigned long long)n);
	r->io.log(r->io.ctx, LOG_WARNING, line);
}

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The checks mars_redund_new() makes of c; 0 or MARS_E_INVAL. */
static int
conf_check(const struct mars_redund_conf *c, struct mars_err *err)
{
	const struct mars_redund_partition *pc;
	size_t p, i;

	if (c->n_mars == 0 || c->n_mars > MARS_REDUND_MAX)
		return mars_err_set(err, MARS_E_INVAL, "n_mars",
		    "not 1 to MARS_REDUND_MAX");
	if (c->self >= c->n_mars)
		return mars_err_set(err, MARS_E_INVAL, "self",
		    "not an entity of mars[]");
	for (i = 0; i < c->n_mars; i++)
		if ((c->mars[i].atm_len & MARS_ATM_TL_LEN) == 0 ||
		    c->mars[i].atm_len > MARS_ATM_ADDR_MAX)
			return mars_err_set(err, MARS_E_INVAL, "mars[].atm_len",
			    "an entity without an ATM address");
	if (c->n_partitions > MARS_REDUND_PART_MAX)
		return mars_err_set(err, MARS_E_INVAL, "n_partitions",
		    "more than MARS_REDUND_PART_MAX");
	for (p = 0; p < c->n_partitions; p++) {
		pc = &c->partitions[p];
		if (pc->n_mars == 0 || pc->n_mars > c->n_mars)
			return mars_err_set(err, MARS_E_INVAL,
			    "partitions[].n_mars", "not 1 to n_mars");
		for (i = 0; i < pc->n_mars; i++)
			if (pc->mars[i] >= c->n_mars)
				return mars_err_set(err, MARS_E_INVAL,
				    "partitions[].mars", "not an entity");
	}
	if (c->pro != MARS_PRO_IPV4 && c->pro != MARS_PRO_IPV6)
		return mars_err_set(err, MARS_E_INVAL, "pro",
		    "neither IPv4 nor IPv6");
	return 0;
}

int
mars_redund_new(struct mars_redund **rp, const struct mars_redund_conf *c,
    const struct mars_io *io, struct mars_err *err)
{
	struct mars_redund *r;
	struct mars_server_conf sc;
	struct mars_scsp_conf xc;
	const struct mars_redund_entity *me;
	uint8_t order[MARS_REDUND_MAX];
	unsigned j, k = 0;
	size_t p, i;
	int rv;

	*rp = NULL;
	if (c == NULL)
		return mars_err_set(err, MARS_E_INVAL, "conf", "missing");
	if (io == NULL || io->send == NULL)
		return mars_err_set(err, MARS_E_INVAL, "io.send", "missing");
	if ((rv = conf_check(c, err)) != 0)
		return rv;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return mars_err_set(err, MARS_E_NOSPACE, "redund", "no memory");
	r->conf = *c;
	r->io = *io;
	r->self = c->self;
	r->n = (unsigned)c->n_mars;
	r->pro = c->pro;
	r->next_pmap = r->mcs_deadline = r->next_purge = MARS_TIME_NEVER;
	me = &c->mars[r->self];

	mars_server_conf_init(&sc, r->pro, me->atm, me->atm_len & MARS_ATM_TL_LEN);
	sc.redirect_interval = c->redirect_interval;
	sc.cmi_hold = c->cmi_hold;
	sc.leaf = c->leaf;
	if ((rv = mars_server_new(&r->srv, &sc, io, err)) != 0)
		goto fail;

	for (j = 0; j < r->n; j++) {
		r->view[j].atm = r->conf.mars[j].atm;
		r->view[j].atm_len = r->conf.mars[j].atm_len;
		r->view[j].priority = r->conf.mars[j].priority;
		r->dcs_of[j] = -1;
		r->active[j] = -1;
		if (j == r->self)
			continue;
		be32(r->dcs[k].id, j + 1);
		r->dcs[k].id_len = 4;
		r->dcs[k].vc_id = c->mars[j].vc ? c->mars[j].vc : j + 1;
		r->dcs_of[j] = (int)k++;
	}
	memset(&xc, 0, sizeof(xc));
	be32(xc.lsid, r->self + 1);
	xc.lsid_len = 4;
	xc.protocol_id = MARS_SCSP_PROTO_MARS;
	xc.dcs = r->dcs;
	xc.ndcs = k;
	xc.hello_interval = (uint16_t)(c->hello_interval >= 1000 ?
	    c->hello_interval / 1000 : 1);
	xc.dead_factor = (uint16_t)(c->dead_factor ? c->dead_factor : 3);
	xc.seed = c->seed ^ (r->self + 1);
	xc.io = *io;
	xc.on_update = redund_on_update;
	xc.update_ctx = r;
	r->dead_ms = (mars_time_t)xc.hello_interval * 1000 * xc.dead_factor;
	r->hello_ms = (mars_time_t)xc.hello_interval * 1000;
	if ((rv = mars_scsp_node_new(&r->scsp, &xc, err)) != 0)
		goto fail;

	if (c->n_partitions == 0) {
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
		r->nparts = c->n_partitions;
		for (p = 0; p < r->nparts; p++) {
			r->plen[p] = c->partitions[p].n_mars;
			for (i = 0; i < r->plen[p]; i++)
				r->plist[p][i] = c->partitions[p].mars[i];
			r->pcmi_lo[p] = c->partitions[p].cmi_low;
			r->pcmi_hi[p] = c->partitions[p].cmi_high;
		}
	}
	for (p = 0; p < MARS_REDUND_PART_MAX; p++)
		r->active[p] = -1;
	*rp = r;
	return 0;
fail:
	mars_redund_free(r);
	return rv;
}

void
mars_redund_free(struct mars_redund *r)
{
	if (r == NULL)
		return;
	mars_server_free(r->srv);
	mars_scsp_node_free(r->scsp);
	redund_publish_free(r);
	free(r);
}

static void
settle(struct mars_redund *r)
{
	redund_elect(r);
	redund_publish(r);
}

void
mars_redund_start(struct mars_redund *r, mars_time_t now)
{
	r->now = r->start = now;
	r->started = true;
	mars_scsp_start(r->scsp, now);
	settle(r);
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
	int i, rc;

	if ((rc = mars_server_forget_member(r->srv, r->now, who)) != 0)
		redund_error(r, MARS_REDUND_ERR_SERVER, rc,
		    "fresh-cmi: forgetting the member");
	for (i = 0; i < 64; i++) {
		c = (uint16_t)(c % 0xfff0 + 0x101);
		if (mars_server_import_cmi(r->srv, r->now, who, c) == 0)
			return;
	}
	redund_error(r, MARS_REDUND_ERR_SERVER, MARS_E_NOSPACE,
	    "fresh-cmi: no free CMI");
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
	    r->n > 1) {
		/*
		 * §3.3, §3.4: not synchronised yet, so a CMI given now could
		 * be one the cluster already bound to another member.  The
		 * member retransmits (RFC 2022 §5.2.2) and is answered once
		 * our cache is aligned.  An old Active sees us ready as soon
		 * as its side of the alignment is done, while ours may still
		 * be fetching entries: its soft redirect can come first.
		 * Hearing no peer yet is no sign of being alone: after a
		 * restart the others' next Hellos may be a HelloInterval
		 * away, so we wait to be ready (aligned, or alone for a dead
		 * interval) all the same.
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
		p = redund_member_part(r, mi.cmi, false);
		k = redund_map_atms(r, (size_t)p, list);
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

/* MCSs known only from replication (no VC to us): not re-registered. */
static size_t
mcs_gone(struct mars_redund *r, struct mars_server_atm *out, size_t cap)
{
	struct mars_server_mcs_info ci;
	uint32_t cur = 0;
	size_t n = 0;

	while (mars_server_mcs_next(r->srv, &cur, &ci))
		if (ci.vc_id == 0) {
			if (n < cap)
				out[n] = *ci.atm;
			n++;
		}
	return n;
}

/*
 * §3.6: every MCS that did not register again is reverted.  A revert
 * changes the database (cursors are void after it), so the MCSs are
 * taken a batch at a time from a fresh walk until none is left; a walk
 * that finds no fewer than the last one (a revert that failed) ends it.
 */
#define REVERT_BATCH	16

static void
mcs_revert_due(struct mars_redund *r)
{
	struct mars_server_atm gone[REVERT_BATCH];
	size_t n, left, last = SIZE_MAX, i;
	int rc;

	while ((left = mcs_gone(r, gone, REVERT_BATCH)) > 0 && left < last) {
		last = left;
		n = left < REVERT_BATCH ? left : REVERT_BATCH;
		for (i = 0; i < n; i++)
			if ((rc = mars_server_mcs_revert(r->srv, r->now,
			    &gone[i])) != 0)
				redund_error(r, MARS_REDUND_ERR_REVERT, rc,
				    "MCS revert after failover");
	}
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
		redund_publish(r);
	}
	if (r->nactive > 1 && now >= r->next_pmap) {
		redund_private_maps(r, -1, false);
		r->next_pmap = now + r->conf.redirect_interval;
	}
	t = mars_server_tick(r->srv, now);
	if (t < next)
		next = t;
	if (r->mcs_deadline < next)
		next = r->mcs_deadline;
	if (r->next_pmap < next)
		next = r->next_pmap;
	if (r->next_purge < next)
		next = r->next_purge;
	if (!r->ready && r->start + r->dead_ms > now &&
	    r->start + r->dead_ms < next)
		next = r->start + r->dead_ms;
	if (!r->ready && r->start + 2 * r->hello_ms > now &&
	    r->start + 2 * r->hello_ms < next)
		next = r->start + 2 * r->hello_ms;

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
	if (mask != 0 && !r->conf.fault_injection)
		return MARS_E_INVAL;
	r->faults = mask;
	settle(r);
	return 0;
}
