/*
 * Cluster member machine (client.h): registration, HSN tracking,
 * failure detection and recovery, timers, accessors.  RFC 2022 §5.1.4.2,
 * §5.2.3, §5.4; draft-armitage-ion-mars-scsp-03 §2-§3.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mars/client.h"
#include "mars/err.h"
#include "mars/msg.h"
#include "mars/shim.h"
#include "client_int.h"

/* RFC 2022 §4.2: LLC/SNAP header of MARS control messages. */
static const uint8_t llc_mars[MARS_LLC_SNAP_LEN] = {
	0xaa, 0xaa, 0x03, 0x00, 0x00, 0x5e, 0x00, 0x03
};

/* Helpers shared with client_groups.c and client_resolve.c. */

void
client_log(struct mars_client *cl, int level, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (cl->io.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cl->io.log(cl->io.ctx, level, buf);
}

void
client_emit(struct mars_client *cl, struct mars_event *ev)
{
	if (cl->io.event != NULL)
		cl->io.event(cl->io.ctx, ev);
}

/*
 * An event about a group (joined, left, MULTI, NAK, grouplist...): the
 * current MARS, our CMI, and the msn of the message behind it (else HSN).
 */
void
client_emit_group(struct mars_client *cl, int kind, mars_time_t now,
    const struct mars_client_pa *group, uint32_t count,
    const struct mars_msg *m, const char *detail)
{
	struct mars_event ev;

	mars_event_init(&ev, kind, now);
	ev.atm = cl->cur.num;
	ev.atm_tl = cl->cur.tl;
	ev.cmi = cl->cmi;
	ev.csn = m != NULL ? m->msn : cl->hsn;
	ev.group = group->addr;
	ev.group_len = group->len;
	ev.count = count;
	ev.msg = m;
	ev.detail = detail;
	client_emit(cl, &ev);
}

static void
emit_mars(struct mars_client *cl, int kind, mars_time_t now,
    const struct mars_client_atm *mars, const char *detail)
{
	struct mars_event ev;

	mars_event_init(&ev, kind, now);
	if (mars != NULL) {
		ev.atm = mars->num;
		ev.atm_tl = mars->tl;
	}
	ev.cmi = cl->cmi;
	ev.csn = cl->hsn;
	ev.detail = detail;
	client_emit(cl, &ev);
}

mars_time_t
client_rand(struct mars_client *cl, mars_time_t lo, mars_time_t hi)
{
	if (hi <= lo)
		return lo;
	return mars_rng_range(&cl->rng, lo, hi);
}

void
client_min(mars_time_t *t, mars_time_t v)
{
	if (v < *t)
		*t = v;
}

bool
client_vc_eq(const struct mars_vc *a, const struct mars_vc *b)
{
	return a->kind == b->kind && a->id == b->id;
}

/* ATM number + subaddress of a message against a stored address (§5.1.2). */
bool
client_atm_eq(const struct mars_atm *num, const struct mars_atm *sub,
    const struct mars_client_atm *a)
{
	size_t nl = num->tl & MARS_ATM_TL_LEN, sl = sub->tl & MARS_ATM_TL_LEN;

	if (nl != (size_t)(a->tl & MARS_ATM_TL_LEN) ||
	    sl != (size_t)(a->stl & MARS_ATM_TL_LEN))
		return false;
	if (nl != 0 && (num->tl != a->tl || memcmp(num->addr, a->num, nl) != 0))
		return false;
	if (sl != 0 && (sub->tl != a->stl || memcmp(sub->addr, a->sub, sl) != 0))
		return false;
	return true;
}

void
client_atm_set(struct mars_client_atm *a, const struct mars_atm *num,
    const struct mars_atm *sub)
{
	memset(a, 0, sizeof(*a));
	a->tl = num->tl;
	if ((num->tl & MARS_ATM_TL_LEN) != 0)
		memcpy(a->num, num->addr, num->tl & MARS_ATM_TL_LEN);
	if (sub != NULL && (sub->tl & MARS_ATM_TL_LEN) != 0) {
		a->stl = sub->tl;
		memcpy(a->sub, sub->addr, sub->tl & MARS_ATM_TL_LEN);
	}
}

bool
client_atm_same(const struct mars_client_atm *a, const struct mars_client_atm *b)
{
	struct mars_atm num = { b->num, b->tl }, sub = { b->sub, b->stl };

	return client_atm_eq(&num, &sub, a);
}

/* §5.1.2, §5.2.1: our own messages are told apart by their source fields. */
bool
client_is_own(const struct mars_client *cl, const struct mars_msg *m)
{
	return client_atm_eq(&m->sha, &m->ssa, &cl->conf.own);
}

/* Fixed header and source fields of a message we send (§4.3, §5.2.1). */
void
client_msg_init(struct mars_client *cl, struct mars_msg *m, uint8_t op)
{
	memset(m, 0, sizeof(*m));
	m->afn = MARS_AFN_ATM;
	m->pro_type = cl->conf.pro_type;
	m->op = op;
	m->sha.addr = cl->conf.own.num;
	m->sha.tl = cl->conf.own.tl;
	if ((cl->conf.own.stl & MARS_ATM_TL_LEN) != 0) {
		m->ssa.addr = cl->conf.own.sub;
		m->ssa.tl = cl->conf.own.stl;
	}
	if (cl->conf.own_pa.len != 0) {
		m->spa.addr = cl->conf.own_pa.addr;
		m->spa.len = cl->conf.own_pa.len;
	}
}

int
client_send(struct mars_client *cl, const struct mars_vc *vc,
    const struct mars_msg *m)
{
	uint8_t buf[512];
	struct mars_err err;
	size_t len;
	int rc;

	memset(&err, 0, sizeof(err));
	if ((rc = mars_encode(m, buf, sizeof(buf), &len, MARS_ENC_LLC,
	    &err)) != 0) {
		client_log(cl, LOG_ERR, "cannot encode %s: %s (%s)",
		    mars_op_short(m->op), mars_strerror(rc),
		    err.field != NULL ? err.field : "?");
		return rc;
	}
	if (cl->io.send != NULL)
		cl->io.send(cl->io.ctx, vc, buf, len);
	return 0;
}

/*
 * §5.1.4.2: diff = msn - HSN (unsigned 32 bit), HSN = msn; a diff other
 * than 0 or 1 means ClusterControlVC traffic was missed, so every group
 * is revalidated at a random time 1-10 s later (§5.1.5).  exempt names
 * the group whose MULTI revealed the jump (§5.1.5.2).
 */
void
client_track_msn(struct mars_client *cl, mars_time_t now, uint32_t msn,
    const struct mars_client_pa *exempt)
{
	struct mars_event ev;
	uint32_t diff = msn - cl->hsn;

	cl->hsn = msn;
	if (diff == 0 || diff == 1)
		return;
	client_log(cl, LOG_INFO, "CSN jump of %u (msn %u): revalidating",
	    diff, msn);
	if (cl->revalidate_at == MARS_TIME_NEVER)
		cl->revalidate_at = now + client_rand(cl,
		    cl->conf.revalidate_min, cl->conf.revalidate_max);
	mars_event_init(&ev, MARS_EV_CSN_GAP, now);
	ev.atm = cl->cur.num;
	ev.atm_tl = cl->cur.tl;
	ev.csn = msn;
	ev.count = diff;
	if (exempt != NULL && exempt->len != 0) {
		ev.group = exempt->addr;
		ev.group_len = exempt->len;
	}
	client_emit(cl, &ev);
}

/* The MARS list: the last map first, then configured MARSs (§5.4.3). */
void
client_list_rebuild(struct mars_client *cl)
{
	size_t i, j;

	cl->nlist = 0;
	for (i = 0; i < cl->nmap + cl->conf.nmars; i++) {
		const struct mars_client_atm *a = i < cl->nmap ?
		    &cl->map[i] : &cl->mars[i - cl->nmap].atm;

		for (j = 0; j < cl->nlist; j++)
			if (client_atm_same(&cl->list[j], a))
				break;
		if (j == cl->nlist && cl->nlist < MARS_CLIENT_MARS_MAX)
			cl->list[cl->nlist++] = *a;
	}
	if (cl->walk_idx >= cl->nlist)
		cl->walk_idx = 0;
}

static int
list_find(const struct mars_client *cl, const struct mars_client_atm *a)
{
	size_t i;

	for (i = 0; i < cl->nlist; i++)
		if (client_atm_same(&cl->list[i], a))
			return (int)i;
	return -1;
}

/* The point-to-point VC to a MARS: configured, else asked of the caller. */
static int
vc_of_mars(struct mars_client *cl, const struct mars_client_atm *a,
    struct mars_vc *vc)
{
	size_t i;

	for (i = 0; i < cl->conf.nmars; i++)
		if (client_atm_same(&cl->mars[i].atm, a)) {
			*vc = cl->mars[i].vc;
			return 0;
		}
	if (cl->conf.vc_lookup != NULL)
		return cl->conf.vc_lookup(cl->conf.vc_ctx, a, vc);
	return -1;
}

static bool
atm_valid(const struct mars_client_atm *a, bool need)
{
	if ((a->tl & MARS_ATM_TL_RESERVED) || (a->stl & MARS_ATM_TL_RESERVED) ||
	    (a->tl & MARS_ATM_TL_LEN) > MARS_ATM_ADDR_MAX ||
	    (a->stl & MARS_ATM_TL_LEN) > MARS_ATM_ADDR_MAX)
		return false;
	return !need || (a->tl & MARS_ATM_TL_LEN) != 0;
}

#define DEFAULT(f, v)	do { if (c->f == 0) c->f = (v); } while (0)

static void
conf_defaults(struct mars_client_conf *c)
{
	/* RFC 2022 App. E. */
	DEFAULT(pro_type, MARS_PRO_IPV4);
	DEFAULT(failure_timeout, 240000);
	DEFAULT(retransmit_interval, 10000);
	DEFAULT(retransmit_limit, 5);
	DEFAULT(request_timeout, 10000);
	DEFAULT(request_retries, 3);
	DEFAULT(part_timeout, 10000);
	DEFAULT(reregister_min, 1000);
	DEFAULT(reregister_max, 10000);
	DEFAULT(revalidate_min, 1000);
	DEFAULT(revalidate_max, 10000);
	DEFAULT(rejoin_min, 1000);
	DEFAULT(rejoin_max, 10000);
	DEFAULT(pass_pause, 60000);
}

int
mars_client_new(struct mars_client **clp, const struct mars_client_conf *conf,
    const struct mars_io *io, struct mars_err *err)
{
	struct mars_client *cl;
	size_t i;

	*clp = NULL;
	if (conf == NULL)
		return mars_err_set(err, MARS_E_INVAL, "conf", "missing");
	if (conf->nmars == 0 || conf->mars == NULL)
		return mars_err_set(err, MARS_E_INVAL, "mars",
		    "no MARS to register with");
	if (!atm_valid(&conf->own, true))
		return mars_err_set(err, MARS_E_INVAL, "own",
		    "no ATM address, or one longer than 20 octets");
	if (conf->own_pa.len > MARS_CLIENT_PA_MAX)
		return mars_err_set(err, MARS_E_INVAL, "own_pa",
		    "longer than MARS_CLIENT_PA_MAX");
	for (i = 0; i < conf->nmars; i++)
		if (!atm_valid(&conf->mars[i].atm, true))
			return mars_err_set(err, MARS_E_INVAL, "mars[].atm",
			    "a MARS without a valid ATM address");
	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		return mars_err_set(err, MARS_E_NOSPACE, "client", "no memory");
	if ((cl->mars = calloc(conf->nmars, sizeof(*cl->mars))) == NULL) {
		free(cl);
		return mars_err_set(err, MARS_E_NOSPACE, "client", "no memory");
	}
	memcpy(cl->mars, conf->mars, conf->nmars * sizeof(*cl->mars));
	cl->conf = *conf;
	cl->conf.mars = cl->mars;
	cl->conf.rng = NULL;
	conf_defaults(&cl->conf);
	if (io != NULL)
		cl->io = *io;
	mars_rng_seed(&cl->rng, conf->rng != NULL ? mars_rng_next(conf->rng) :
	    0);
	cl->state = MARS_CLIENT_IDLE;
	cl->wait_until = cl->fail_at = cl->revalidate_at = MARS_TIME_NEVER;
	cl->dereg_next = cl->masm_deadline = MARS_TIME_NEVER;
	client_list_rebuild(cl);
	*clp = cl;
	return 0;
}

void
mars_client_free(struct mars_client *cl)
{
	if (cl == NULL)
		return;
	client_resolve_free(cl);
	free(cl->groups);
	free(cl->members);
	free(cl->glist);
	free(cl->mars);
	free(cl);
}

/* Registration (§5.2.3). */

static void
reg_send(struct mars_client *cl, mars_time_t now)
{
	struct mars_msg m;

	/* §5.2.3, PROTOCOL.md 3.4: register=1, no pairs, cmi 0, msn 0. */
	client_msg_init(cl, &m, MARS_JOIN);
	m.spa.addr = NULL;
	m.spa.len = 0;
	m.flags = MARS_FLAG_REGISTER;
	client_send(cl, &cl->reg.vc, &m);
	cl->reg.sent++;
	cl->reg.next = now + cl->conf.retransmit_interval;
}

/* §5.4.2: the attempt failed; walk on, pausing after a full pass. */
static void
reg_attempt_failed(struct mars_client *cl, mars_time_t now,
    const struct mars_client_atm *mars, const char *why)
{
	mars_time_t delay;

	cl->reg.active = false;
	cl->state = MARS_CLIENT_WAITING;
	cl->walk_idx = (cl->walk_idx + 1) % cl->nlist;
	if (++cl->walk_tries >= cl->nlist) {
		cl->walk_tries = 0;
		delay = cl->conf.pass_pause;
	} else
		delay = client_rand(cl, cl->conf.reregister_min,
		    cl->conf.reregister_max);
	cl->wait_until = now + delay;
	client_log(cl, LOG_WARNING, "registration failed (%s); next attempt "
	    "in %llu ms", why, (unsigned long long)delay);
	emit_mars(cl, MARS_EV_MARS_FAILED, now, mars, why);
}

void
client_reg_begin(struct mars_client *cl, mars_time_t now,
    const struct mars_client_atm *mars, bool soft)
{
	struct mars_event ev;
	struct mars_vc vc;

	if (vc_of_mars(cl, mars, &vc) != 0) {
		if (!soft) {
			reg_attempt_failed(cl, now, mars, "no VC to the MARS");
			return;
		}
		mars_event_init(&ev, MARS_EV_GIVE_UP, now);
		ev.atm = mars->num;
		ev.atm_tl = mars->tl;
		ev.detail = "soft redirect: no VC to the new MARS";
		client_emit(cl, &ev);
		return;
	}
	cl->reg.active = true;
	cl->reg.soft = soft;
	cl->reg.mars = *mars;
	cl->reg.vc = vc;
	cl->reg.sent = 0;
	if (!soft)
		cl->state = MARS_CLIENT_REGISTERING;
	reg_send(cl, now);
}

/* §5.2.3: our registration JOIN came back; draft §2: HSN := its msn. */
static void
reg_done(struct mars_client *cl, mars_time_t now, const struct mars_msg *m)
{
	struct mars_event ev;
	bool soft = cl->reg.soft, recovering = cl->recovering;

	cl->reg.active = false;
	cl->cur = cl->reg.mars;
	cl->cur_vc = cl->reg.vc;
	cl->has_cur = true;
	cl->cmi = m->cmi;
	cl->hsn = m->msn;
	cl->state = MARS_CLIENT_REGISTERED;
	cl->fail_at = now + cl->conf.failure_timeout;
	cl->walk_tries = 0;
	cl->recovering = false;
	if (recovering && cl->revalidate_at == MARS_TIME_NEVER)
		cl->revalidate_at = now + client_rand(cl,
		    cl->conf.revalidate_min, cl->conf.revalidate_max);
	client_log(cl, LOG_INFO, "registered, cmi %u csn %u%s", m->cmi,
	    m->msn, soft ? " (soft redirect)" : "");
	mars_event_init(&ev, MARS_EV_REGISTERED, now);
	ev.atm = cl->cur.num;
	ev.atm_tl = cl->cur.tl;
	ev.cmi = cl->cmi;
	ev.csn = m->msn;
	ev.msg = m;
	ev.detail = soft ? "soft redirect" : recovering ? "recovery" : NULL;
	client_emit(cl, &ev);
	/* §5.4.3: a soft redirect neither re-joins nor revalidates. */
	if (!soft && cl->state == MARS_CLIENT_REGISTERED)
		client_groups_registered(cl, now, recovering);
	if (cl->state == MARS_CLIENT_REGISTERED)
		client_resolve_tick(cl, now);
}

/* Is m our (de)registration coming back (§5.2.2 copy rules, §5.2.3)? */
static bool
is_reg_copy(const struct mars_client *cl, const struct mars_msg *m,
    uint8_t op)
{
	return m->op == op && m->pnum == 0 &&
	    (m->flags & (MARS_FLAG_REGISTER | MARS_FLAG_COPY |
	    MARS_FLAG_PUNCHED | MARS_FLAG_SEQUENCE)) ==
	    (MARS_FLAG_REGISTER | MARS_FLAG_COPY) && client_is_own(cl, m);
}

int
mars_client_start(struct mars_client *cl, mars_time_t now)
{
	if (cl->state != MARS_CLIENT_IDLE)
		return MARS_E_INVAL;
	cl->recovering = false;
	cl->walk_idx = 0;
	cl->walk_tries = 0;
	client_reg_begin(cl, now, &cl->list[0], false);
	return 0;
}

int
mars_client_deregister(struct mars_client *cl, mars_time_t now)
{
	struct mars_msg m;

	if (cl->state != MARS_CLIENT_REGISTERED)
		return MARS_E_INVAL;
	cl->reg.active = false;
	cl->state = MARS_CLIENT_DEREGISTERING;
	cl->fail_at = MARS_TIME_NEVER;
	client_resolve_abort(cl, now, "deregistering");
	/* §5.2.3: LEAVE with register=1, null protocol address allowed. */
	client_msg_init(cl, &m, MARS_LEAVE);
	m.spa.addr = NULL;
	m.spa.len = 0;
	m.flags = MARS_FLAG_REGISTER;
	client_send(cl, &cl->cur_vc, &m);
	cl->dereg_sent = 1;
	cl->dereg_next = now + cl->conf.retransmit_interval;
	return 0;
}

static void
dereg_done(struct mars_client *cl, mars_time_t now, const char *detail)
{
	int kind = detail == NULL ? MARS_EV_DEREGISTERED : MARS_EV_GIVE_UP;

	cl->state = MARS_CLIENT_IDLE;
	cl->dereg_next = MARS_TIME_NEVER;
	client_groups_clear(cl);
	emit_mars(cl, kind, now, &cl->cur, detail);
	cl->cmi = 0;
}

/*
 * §5.4: the current MARS failed (no map, JOIN/LEAVE or REQUEST retries
 * exhausted).  §5.4.1: wait 1-10 s, then re-register; the draft (§2, §3.1)
 * steps to the next MARS of the last REDIRECT_MAP.
 */
void
client_mars_failed(struct mars_client *cl, mars_time_t now, const char *why)
{
	int idx;

	if (cl->state != MARS_CLIENT_REGISTERED)
		return;
	cl->state = MARS_CLIENT_WAITING;
	cl->recovering = true;
	cl->reg.active = false;
	cl->fail_at = MARS_TIME_NEVER;
	cl->masm_active = false;
	cl->masm_deadline = MARS_TIME_NEVER;
	idx = list_find(cl, &cl->cur);
	cl->walk_idx = idx < 0 ? 0 : ((size_t)idx + 1) % cl->nlist;
	cl->walk_tries = 0;
	cl->wait_until = now + client_rand(cl, cl->conf.reregister_min,
	    cl->conf.reregister_max);
	client_log(cl, LOG_WARNING, "MARS failed: %s", why);
	emit_mars(cl, MARS_EV_MARS_FAILED, now, &cl->cur, why);
	client_resolve_abort(cl, now, "MARS failed");
}

/* Input. */

int
mars_client_input(struct mars_client *cl, mars_time_t now, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len)
{
	struct mars_msg m;
	struct mars_err err;
	struct mars_event ev;
	bool from_cur, from_reg, member;
	int rc;

	if (len < MARS_LLC_SNAP_LEN || memcmp(sdu, llc_mars, MARS_LLC_SNAP_LEN) != 0)
		return MARS_E_NOTOURS;
	memset(&err, 0, sizeof(err));
	rc = mars_decode(&m, sdu + MARS_LLC_SNAP_LEN, len - MARS_LLC_SNAP_LEN,
	    MARS_LLC_SNAP_LEN, 0, &err);
	/* A registration reply with CMI 0 is looked at below. */
	if (rc == MARS_E_NONCONF && m.nonconf == MARS_NC_CMI_ZERO)
		rc = 0;
	if (rc == 0 && (m.afn != MARS_AFN_ATM ||
	    m.pro_type != cl->conf.pro_type))
		rc = MARS_E_NOTOURS;
	if (rc != 0) {
		mars_event_init(&ev, MARS_EV_DROPPED, now);
		ev.detail = rc == MARS_E_NOTOURS ? "other protocol" :
		    mars_err_reason(rc);
		client_emit(cl, &ev);
		return rc;
	}
	member = cl->state == MARS_CLIENT_REGISTERED ||
	    cl->state == MARS_CLIENT_DEREGISTERING;
	from_cur = member && client_vc_eq(vc, &cl->cur_vc);
	from_reg = cl->reg.active && client_vc_eq(vc, &cl->reg.vc);

	/* §5.2.3: the registration copy comes back privately only. */
	if (from_reg && is_reg_copy(cl, &m, MARS_JOIN)) {
		if (m.cmi == 0) {
			client_log(cl, LOG_WARNING,
			    "registration copy with mar$cmi 0 ignored");
			return 0;
		}
		reg_done(cl, now, &m);
		return 0;
	}
	if (m.op == MARS_REDIRECT_MAP) {
		client_map_input(cl, now, vc, &m);
		return 0;
	}
	if (!member || (vc->kind != MARS_VC_CCVC && !from_cur))
		return 0;

	switch (m.op) {
	case MARS_JOIN:
	case MARS_LEAVE:
		if (cl->state == MARS_CLIENT_DEREGISTERING && from_cur &&
		    is_reg_copy(cl, &m, MARS_LEAVE)) {
			cl->hsn = m.msn;
			dereg_done(cl, now, NULL);
			return 0;
		}
		if (!(m.flags & MARS_FLAG_REGISTER))
			client_groups_input(cl, now, &m);
		client_track_msn(cl, now, m.msn, NULL);
		break;
	case MARS_MULTI:
	case MARS_NAK:
	case MARS_GROUPLIST_REPLY:
		/* §5.1.1: replies come back on the VC the question went on. */
		if (from_cur)
			client_resolve_input(cl, now, &m);
		break;
	case MARS_MIGRATE:
		/* §5.1.6: the data VCs are the caller's; we track the CSN. */
		client_track_msn(cl, now, m.msn, NULL);
		break;
	default:
		break;
	}
	return 0;
}

/* Timers. */

mars_time_t
mars_client_next_deadline(const struct mars_client *cl)
{
	mars_time_t t = cl->revalidate_at;

	if (cl->reg.active)
		client_min(&t, cl->reg.next);
	if (cl->masm_active)
		client_min(&t, cl->masm_deadline);
	switch (cl->state) {
	case MARS_CLIENT_WAITING:
		client_min(&t, cl->wait_until);
		break;
	case MARS_CLIENT_REGISTERED:
		client_min(&t, cl->fail_at);
		client_min(&t, client_groups_next(cl));
		client_min(&t, client_resolve_next(cl));
		break;
	case MARS_CLIENT_DEREGISTERING:
		client_min(&t, cl->dereg_next);
		break;
	default:
		break;
	}
	return t;
}

static void
tick_once(struct mars_client *cl, mars_time_t now)
{
	struct mars_event ev;

	if (cl->reg.active && cl->reg.next <= now) {
		if (cl->reg.sent > cl->conf.retransmit_limit) {
			if (cl->reg.soft) {
				/* Stay with the current MARS. */
				cl->reg.active = false;
				emit_mars(cl, MARS_EV_GIVE_UP, now,
				    &cl->reg.mars, "soft redirect: no answer");
			} else
				reg_attempt_failed(cl, now, &cl->reg.mars,
				    "no answer to registration");
		} else
			reg_send(cl, now);
	}
	if (cl->state == MARS_CLIENT_WAITING && cl->wait_until <= now) {
		cl->wait_until = MARS_TIME_NEVER;
		client_reg_begin(cl, now, &cl->list[cl->walk_idx], false);
	}
	if (cl->state == MARS_CLIENT_REGISTERED && cl->fail_at <= now)
		client_mars_failed(cl, now, "no MARS_REDIRECT_MAP");
	if (cl->state == MARS_CLIENT_DEREGISTERING && cl->dereg_next <= now) {
		struct mars_msg m;

		if (cl->dereg_sent > cl->conf.retransmit_limit)
			dereg_done(cl, now, "deregistration: no answer");
		else {
			client_msg_init(cl, &m, MARS_LEAVE);
			m.spa.addr = NULL;
			m.spa.len = 0;
			m.flags = MARS_FLAG_REGISTER;
			client_send(cl, &cl->cur_vc, &m);
			cl->dereg_sent++;
			cl->dereg_next = now + cl->conf.retransmit_interval;
		}
	}
	if (cl->revalidate_at <= now) {
		cl->revalidate_at = MARS_TIME_NEVER;
		mars_event_init(&ev, MARS_EV_REVALIDATE, now);
		ev.atm = cl->cur.num;
		ev.atm_tl = cl->cur.tl;
		ev.csn = cl->hsn;
		client_emit(cl, &ev);
	}
	if (cl->masm_active && cl->masm_deadline <= now) {
		cl->masm_active = false;
		cl->masm_deadline = MARS_TIME_NEVER;
		client_log(cl, LOG_INFO, "REDIRECT_MAP discarded (timeout)");
	}
	if (cl->state == MARS_CLIENT_REGISTERED)
		client_groups_tick(cl, now);
	if (cl->state == MARS_CLIENT_REGISTERED)
		client_resolve_tick(cl, now);
}

mars_time_t
mars_client_tick(struct mars_client *cl, mars_time_t now)
{
	int guard;

	/* A step may make another due at the same instant (zero delays). */
	for (guard = 0; guard < 64 && mars_client_next_deadline(cl) <= now; guard++)
		tick_once(cl, now);
	return mars_client_next_deadline(cl);
}

/* Accessors. */

enum mars_client_state
mars_client_state(const struct mars_client *cl)
{
	return cl->state;
}

const char *
mars_client_state_name(enum mars_client_state st)
{
	switch (st) {
	case MARS_CLIENT_IDLE:		return "idle";
	case MARS_CLIENT_REGISTERING:	return "registering";
	case MARS_CLIENT_REGISTERED:		return "registered";
	case MARS_CLIENT_WAITING:		return "waiting";
	case MARS_CLIENT_DEREGISTERING:	return "deregistering";
	}
	return "?";
}

bool
mars_client_registered(const struct mars_client *cl)
{
	return cl->state == MARS_CLIENT_REGISTERED;
}

const struct mars_client_atm *
mars_client_current_mars(const struct mars_client *cl)
{
	return cl->has_cur ? &cl->cur : NULL;
}

int
mars_client_current_index(const struct mars_client *cl)
{
	return cl->has_cur ? list_find(cl, &cl->cur) : -1;
}

const struct mars_client_atm *
mars_client_mars_list(const struct mars_client *cl, size_t *n)
{
	*n = cl->nlist;
	return cl->list;
}

uint16_t
mars_client_cmi(const struct mars_client *cl)
{
	return cl->cmi;
}

uint32_t
mars_client_hsn(const struct mars_client *cl)
{
	return cl->hsn;
}

const struct mars_client_atm *
mars_client_redirect_map(const struct mars_client *cl, size_t *n, bool *hard)
{
	*n = cl->nmap;
	if (hard != NULL)
		*hard = cl->map_hard;
	return cl->map;
}

const struct mars_client_atm *
mars_client_members(const struct mars_client *cl, size_t *n)
{
	*n = cl->nmembers;
	return cl->members;
}

const struct mars_client_pa *
mars_client_grouplist_groups(const struct mars_client *cl, size_t *n)
{
	*n = cl->nglist;
	return cl->glist;
}
