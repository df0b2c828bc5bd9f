/*
 * Cluster member: MARS_REDIRECT_MAP (RFC 2022 §5.4.3) -- reassembly, the
 * MARS list, the failure timer, hard and soft redirects
 * (draft-armitage-ion-mars-scsp-03 §2, §3.2, §3.4).
 */
#include <stdint.h>
#include <string.h>
#include <syslog.h>

#include "mars/client.h"
#include "mars/msg.h"
#include "mars/shim.h"
#include "client_int.h"

/* §5.4.3 trust check: the map came from the current MARS on its VC. */
static bool
map_trusted(const struct mars_client *cl, const struct mars_vc *vc,
    const struct mars_msg *m)
{
	size_t i;

	if (!cl->has_cur || !client_atm_eq(&m->sha, &m->ssa, &cl->cur))
		return false;
	if (client_vc_eq(vc, &cl->cur_vc))
		return true;
	if (vc->kind != MARS_VC_CCVC)
		return false;
	for (i = 0; i < cl->conf.nmars; i++)
		if (client_atm_same(&cl->mars[i].atm, &cl->cur) &&
		    cl->mars[i].has_ccvc)
			return cl->mars[i].ccvc_id == vc->id;
	return true;
}

/*
 * Every map, conforming or not, before it is acted on: warnings that
 * need no trust (client.h).
 *   - A map on the VC of a configured MARS names its sender (§5.4.3:
 *     mar$sha is the MARS that sent it); another name means the address
 *     configured for that MARS is wrong, and none of its maps will be
 *     trusted, so the member will declare it dead.
 *   - Maps from the current MARS further apart than failure_timeout: the
 *     member declares its MARS dead between them (§5.4) and flaps.
 */
void
client_map_seen(struct mars_client *cl, mars_time_t now,
    const struct mars_vc *vc, const struct mars_msg *m)
{
	const struct mars_client_mars *c;
	mars_time_t gap;
	size_t i;

	if ((m->sha.tl & MARS_ATM_TL_LEN) == 0)
		return;
	for (i = 0; i < cl->conf.nmars &&
	    !(cl->warned & CLIENT_WARN_MARS_ADDR); i++) {
		c = &cl->mars[i];
		if (c->provisional || !(client_vc_eq(vc, &c->vc) ||
		    (vc->kind == MARS_VC_CCVC && c->has_ccvc &&
		    c->ccvc_id == vc->id)))
			continue;
		if (!client_atm_eq(&m->sha, &m->ssa, &c->atm))
			client_warn(cl, now, MARS_CLIENT_WARN_MARS_ADDR,
			    CLIENT_WARN_MARS_ADDR, 0, m->sha.addr, m->sha.tl,
			    (uint32_t)i,
			    "REDIRECT_MAP on a configured MARS's VC names "
			    "another MARS: the ATM address configured for it "
			    "looks wrong, and its maps are not trusted "
			    "(RFC 2022 §5.4.3)");
		break;
	}
	if (!cl->has_cur || !client_atm_eq(&m->sha, &m->ssa, &cl->cur))
		return;
	if (cl->has_last_map && (gap = now - cl->last_map_at) >
	    cl->conf.failure_timeout)
		client_warn(cl, now, MARS_CLIENT_WARN_FLAP_SEEN,
		    CLIENT_WARN_FLAP_SEEN, 0, cl->cur.num, cl->cur.tl,
		    (uint32_t)(gap > UINT32_MAX ? UINT32_MAX : gap),
		    "REDIRECT_MAPs from the MARS come further apart than "
		    "the failure timeout: the member declares it dead "
		    "between maps (RFC 2022 §5.4)");
	cl->has_last_map = true;
	cl->last_map_at = now;
}

/*
 * PROTOCOL.md C8: one widely shipped server sends its periodic map with
 * a null mar$shtl (the 20 source octets in place) and mar$seqxy 0,
 * which a conforming member drops (§4.3, §5.1.2) -- and then, hearing no
 * map, declares its MARS dead (§5.4).  Such a map from the current MARS
 * (the source octets name it and it came on its VCs, or, with no source
 * at all, it came on the current MARS's own VC) keeps it alive, with a
 * warning.  Nothing else is taken from it: with y = 0 it does not say
 * which part it is, and its mar$msn is not known to be the CSN.
 */
void
client_map_keepalive(struct mars_client *cl, mars_time_t now,
    const struct mars_vc *vc, const struct mars_msg *m)
{
	struct mars_event ev;
	bool ok;

	if (cl->state != MARS_CLIENT_REGISTERED)
		ok = false;
	else if ((m->sha.tl & MARS_ATM_TL_LEN) != 0)
		ok = map_trusted(cl, vc, m);
	else
		ok = client_vc_is_cur(cl, vc);
	if (!ok) {
		mars_event_init(&ev, MARS_EV_DROPPED, now);
		ev.atm = m->sha.addr;
		ev.atm_tl = m->sha.tl;
		ev.msg = m;
		ev.nonconf = m->nonconf;
		ev.detail = "nonconforming REDIRECT_MAP not from the current "
		    "MARS";
		client_emit(cl, &ev);
		return;
	}
	cl->fail_at = now + cl->conf.failure_timeout;
	client_warn(cl, now, MARS_CLIENT_WARN_NONCONF, CLIENT_WARN_MAP_SOURCE,
	    m->nonconf & (MARS_NC_NULL_SOURCE | MARS_NC_SEQXY), cl->cur.num,
	    cl->cur.tl, 0,
	    "REDIRECT_MAP with a null source or part number 0 taken as a "
	    "keep-alive; its list is ignored");
}

/* Between leaving the current MARS and registering again (§5.4.1). */
static bool
left_cur(const struct mars_client *cl)
{
	return cl->state == MARS_CLIENT_WAITING || (cl->state ==
	    MARS_CLIENT_REGISTERING && cl->recovering);
}

/* A map from the current MARS, installed: follow it (§5.4.3). */
static void
map_act(struct mars_client *cl, mars_time_t now, const struct mars_msg *m)
{
	const struct mars_client_atm *head = &cl->map[0];
	struct mars_event ev;

	if (cl->state == MARS_CLIENT_REGISTERED)
		cl->fail_at = now + cl->conf.failure_timeout;
	if (cl->state != MARS_CLIENT_REGISTERED || cl->nmap == 0 ||
	    client_atm_same(head, &cl->cur))
		return;
	if (cl->map_hard) {
		/* Hard: re-register with the head as after a failure. */
		cl->state = MARS_CLIENT_WAITING;
		cl->recovering = true;
		cl->reg.active = false;
		cl->fail_at = MARS_TIME_NEVER;
		cl->walk_idx = 0;
		cl->walk_tries = 0;
		cl->wait_until = now + client_rand(cl, cl->conf.reregister_min,
		    cl->conf.reregister_max);
		client_log(cl, LOG_NOTICE, "hard redirect");
		mars_event_init(&ev, MARS_EV_REDIRECT, now);
		ev.atm = head->num;
		ev.atm_tl = head->tl;
		ev.hard = true;
		ev.msg = m;
		ev.detail = "hard redirect";
		client_emit(cl, &ev);
		client_resolve_abort(cl, now, "hard redirect");
		return;
	}
	if (cl->reg.active && cl->reg.soft && client_atm_same(&cl->reg.mars, head))
		return;
	client_log(cl, LOG_NOTICE, "soft redirect");
	mars_event_init(&ev, MARS_EV_REDIRECT, now);
	ev.atm = head->num;
	ev.atm_tl = head->tl;
	ev.hard = false;
	ev.msg = m;
	ev.detail = "soft redirect";
	client_emit(cl, &ev);
	if (cl->state == MARS_CLIENT_REGISTERED)
		client_reg_begin(cl, now, head, true);
}

/*
 * Reassemble (§5.4.3 "in the same manner as a multi-part MARS_MULTI";
 * a lost part, a timeout or an msn jump discards the whole map), then
 * install it at the top of the MARS list and act on it.
 */
void
client_map_input(struct mars_client *cl, mars_time_t now, const struct mars_vc *vc,
    const struct mars_msg *m)
{
	struct mars_atm tha, tsa;
	struct mars_event ev;
	uint16_t y = m->seqxy & MARS_SEQ_PART;
	bool trusted = map_trusted(cl, vc, m);
	bool from_cur = cl->has_cur && client_atm_eq(&m->sha, &m->ssa,
	    &cl->cur);
	unsigned i;

	if (vc->kind != MARS_VC_CCVC && !client_vc_eq(vc, &cl->cur_vc))
		return;
	if (from_cur && left_cur(cl)) {
		/*
		 * §5.4.1, draft §3.2: we left this MARS (it failed, or hard-
		 * redirected us) but may still be a leaf of its CCVC.  Its
		 * maps no longer speak for us: one putting itself first
		 * would undo the hard redirect before we re-register.
		 */
		mars_event_init(&ev, MARS_EV_DROPPED, now);
		ev.atm = m->sha.addr;
		ev.atm_tl = m->sha.tl;
		ev.msg = m;
		ev.detail = "REDIRECT_MAP from a MARS we have left";
		client_emit(cl, &ev);
		return;
	}
	if (!trusted) {
		/*
		 * §5.4.3: the list at the top of ours is the one the
		 * current MARS broadcasts.  Another MARS's map -- we may
		 * still be a leaf of its ClusterControlVC, after a soft
		 * redirect away from it, and with load sharing (draft §4)
		 * it lists another partition -- would send us, at our next
		 * failover, through the wrong entities.
		 */
		mars_event_init(&ev, MARS_EV_DROPPED, now);
		ev.atm = m->sha.addr;
		ev.atm_tl = m->sha.tl;
		ev.msg = m;
		ev.detail = "REDIRECT_MAP not from the current MARS";
		client_emit(cl, &ev);
		return;
	}
	if (from_cur && (cl->state == MARS_CLIENT_REGISTERED ||
	    cl->state == MARS_CLIENT_DEREGISTERING))
		client_track_msn(cl, now, m->msn, NULL);
	if (y == 1 || !cl->masm_active) {
		cl->masm_active = true;
		cl->masm_broken = y != 1;
		cl->nmasm = 0;
	} else if (y != cl->masm_next_y || m->msn - cl->masm_msn > 1)
		cl->masm_broken = true;
	cl->masm_next_y = (uint16_t)(y + 1);
	cl->masm_msn = m->msn;
	cl->masm_deadline = now + cl->conf.part_timeout;
	for (i = 0; i < m->tnum && !cl->masm_broken; i++) {
		if (cl->nmasm == MARS_CLIENT_MARS_MAX)
			break;
		mars_target(m, i, &tha, &tsa);
		if ((tha.tl & MARS_ATM_TL_LEN) == 0)
			continue;
		client_atm_set(&cl->masm[cl->nmasm++], &tha, &tsa);
	}
	if (!(m->seqxy & MARS_SEQ_LAST))
		return;
	cl->masm_active = false;
	cl->masm_deadline = MARS_TIME_NEVER;
	if (cl->masm_broken || cl->nmasm == 0) {
		client_log(cl, LOG_INFO, "REDIRECT_MAP discarded (%s)",
		    cl->nmasm == 0 ? "empty" : "part lost");
		return;
	}
	memcpy(cl->map, cl->masm, cl->nmasm * sizeof(cl->map[0]));
	cl->nmap = cl->nmasm;
	cl->map_hard = (m->redirf & MARS_REDIRF_HARD) != 0;
	client_list_rebuild(cl);
	mars_event_init(&ev, MARS_EV_REDIRECT_MAP, now);
	ev.atm = m->sha.addr;
	ev.atm_tl = m->sha.tl;
	ev.csn = m->msn;
	ev.count = (uint32_t)cl->nmap;
	ev.hard = cl->map_hard;
	ev.msg = m;
	client_emit(cl, &ev);
	map_act(cl, now, m);
}
