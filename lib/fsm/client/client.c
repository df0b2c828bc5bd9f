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

/*
 * A warning (client.h): once per `once` bit (0: every time), logged and
 * reported as MARS_EV_WARNING.
 */
void
client_warn(struct mars_client *cl, mars_time_t now, int code, unsigned once,
    uint16_t nonconf, const uint8_t *atm, uint8_t atm_tl, uint32_t count,
    const char *detail)
{
	struct mars_event ev;

	if (once != 0 && (cl->warned & once) != 0)
		return;
	cl->warned |= once;
	client_log(cl, LOG_WARNING, "%s", detail);
	mars_event_init(&ev, MARS_EV_WARNING, now);
	ev.atm = atm;
	ev.atm_tl = atm != NULL ? atm_tl : 0;
	ev.cmi = cl->cmi;
	ev.csn = cl->hsn;
	ev.count = count;
	ev.nonconf = nonconf;
	ev.code = code;
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

/*
 * The VC alone says the current MARS sent it: its point-to-point VC, or
 * its ClusterControlVC when the transport tells CCVCs apart.
 */
bool
client_vc_is_cur(const struct mars_client *cl, const struct mars_vc *vc)
{
	size_t i;

	if (!cl->has_cur)
		return false;
	if (client_vc_eq(vc, &cl->cur_vc))
		return true;
	if (vc->kind != MARS_VC_CCVC)
		return false;
	for (i = 0; i < cl->conf.nmars; i++)
		if (client_atm_same(&cl->mars[i].atm, &cl->cur) &&
		    cl->mars[i].has_ccvc)
			return cl->mars[i].ccvc_id == vc->id;
	return false;
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

/*
 * Encode and send.  §4.3.3: the checksum is optional, 0 meaning "not
 * computed" (conf.no_checksum); a computed one is remembered, so that a
 * reply echoing it stale can be told from a corrupted one (C10).
 */
int
client_send(struct mars_client *cl, const struct mars_vc *vc,
    const struct mars_msg *m)
{
	uint8_t buf[512];
	struct mars_err err;
	size_t len;
	unsigned i;
	int rc;

	memset(&err, 0, sizeof(err));
	if ((rc = mars_encode(m, buf, sizeof(buf), &len, MARS_ENC_LLC |
	    (cl->conf.no_checksum ? MARS_ENC_NOCHKSUM : 0), &err)) != 0) {
		client_log(cl, LOG_ERR, "cannot encode %s: %s (%s)",
		    mars_op_short(m->op), mars_strerror(rc),
		    err.field != NULL ? err.field : "?");
		return rc;
	}
	if (!cl->conf.no_checksum) {
		i = cl->echo_next++ % MARS_CLIENT_ECHO_MAX;
		cl->echo[i].op = m->op;
		cl->echo[i].sum = (uint16_t)(buf[MARS_LLC_SNAP_LEN + 12] << 8 |
		    buf[MARS_LLC_SNAP_LEN + 13]);
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
	DEFAULT(list_max, MARS_CLIENT_LIST_MAX);
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
	if (conf->list_max > MARS_CLIENT_LIST_LIMIT)
		return mars_err_set(err, MARS_E_INVAL, "list_max",
		    "more than MARS_CLIENT_LIST_LIMIT");
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
	if (cl->conf.pro_type_alt != cl->conf.pro_type)
		cl->pro_alt = cl->conf.pro_type_alt;
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
	/* Protocol unknown: every other transmission offers the other one. */
	if (cl->pro_alt != 0 && (cl->reg.sent & 1) != 0)
		m.pro_type = cl->pro_alt;
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

/* A MARS that may hold our registration (§5.2.3). */
static void
holder_add(struct mars_client *cl, const struct mars_client_atm *atm,
    const struct mars_vc *vc)
{
	struct client_holder *h;
	size_t i;

	for (i = 0; i < cl->nholders; i++)
		if (client_atm_same(&cl->holders[i].atm, atm)) {
			cl->holders[i].vc = *vc;
			return;
		}
	if (cl->nholders == MARS_CLIENT_MARS_MAX)
		return;
	h = &cl->holders[cl->nholders++];
	memset(h, 0, sizeof(*h));
	h->atm = *atm;
	h->vc = *vc;
}

/* §5.2.3: our registration JOIN came back; draft §2: HSN := its msn. */
static void
reg_done(struct mars_client *cl, mars_time_t now, const struct mars_msg *m)
{
	struct mars_event ev;
	bool soft = cl->reg.soft, recovering = cl->recovering;

	cl->reg.active = false;
	if (!cl->has_cur || !client_atm_same(&cl->cur, &cl->reg.mars)) {
		/* Another MARS: its own warnings, its own map timing. */
		cl->warned &= ~(unsigned)CLIENT_WARN_PER_MARS;
		cl->has_last_map = false;
	}
	cl->cur = cl->reg.mars;
	cl->cur_vc = cl->reg.vc;
	cl->has_cur = true;
	holder_add(cl, &cl->reg.mars, &cl->reg.vc);
	if (cl->pro_alt != 0) {
		if (m->pro_type == cl->pro_alt)
			cl->conf.pro_type = cl->pro_alt;
		cl->pro_alt = 0;
	}
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
	/*
	 * §5.4: a member that hears no map for failure_timeout declares
	 * its MARS dead; maps come every redirect interval, so a timeout
	 * that is not longer makes it fail between two maps, again and
	 * again.
	 */
	if (cl->conf.redirect_interval != 0 &&
	    cl->conf.failure_timeout <= cl->conf.redirect_interval)
		client_warn(cl, now, MARS_CLIENT_WARN_FLAP_CONF,
		    CLIENT_WARN_FLAP_CONF, 0, NULL, 0,
		    (uint32_t)cl->conf.redirect_interval,
		    "failure timeout not longer than the redirect interval: "
		    "the member will declare its MARS dead between maps "
		    "(RFC 2022 §5.4)");
	cl->recovering = false;
	cl->walk_idx = 0;
	cl->walk_tries = 0;
	client_reg_begin(cl, now, &cl->list[0], false);
	return 0;
}

/* §5.2.3: LEAVE with register=1, null protocol address allowed. */
static void
dereg_send(struct mars_client *cl, mars_time_t now)
{
	struct mars_msg m;
	size_t i;

	client_msg_init(cl, &m, MARS_LEAVE);
	m.spa.addr = NULL;
	m.spa.len = 0;
	m.flags = MARS_FLAG_REGISTER;
	for (i = 0; i < cl->nholders; i++)
		if (!cl->holders[i].done)
			client_send(cl, &cl->holders[i].vc, &m);
	cl->dereg_sent++;
	cl->dereg_next = now + cl->conf.retransmit_interval;
}

int
mars_client_deregister(struct mars_client *cl, mars_time_t now)
{
	size_t i;

	if (cl->state == MARS_CLIENT_DEREGISTERING)
		return MARS_E_INVAL;
	/* A registration still outstanding may have been granted. */
	if (cl->reg.active)
		holder_add(cl, &cl->reg.mars, &cl->reg.vc);
	if (cl->nholders == 0)
		return MARS_E_INVAL;
	cl->reg.active = false;
	cl->state = MARS_CLIENT_DEREGISTERING;
	cl->recovering = false;
	cl->fail_at = cl->wait_until = MARS_TIME_NEVER;
	cl->masm_active = false;
	cl->masm_deadline = MARS_TIME_NEVER;
	client_resolve_abort(cl, now, "deregistering");
	for (i = 0; i < cl->nholders; i++)
		cl->holders[i].done = cl->holders[i].answered = false;
	cl->dereg_sent = 0;
	dereg_send(cl, now);
	return 0;
}

static void
dereg_done(struct mars_client *cl, mars_time_t now, const char *detail)
{
	int kind = detail == NULL ? MARS_EV_DEREGISTERED : MARS_EV_GIVE_UP;

	cl->state = MARS_CLIENT_IDLE;
	cl->dereg_next = MARS_TIME_NEVER;
	cl->nholders = 0;
	client_groups_clear(cl);
	emit_mars(cl, kind, now, &cl->cur, detail);
	cl->cmi = 0;
}

/* Every holder answered or was given up on: done, well if one answered. */
static void
dereg_check(struct mars_client *cl, mars_time_t now, const char *why)
{
	bool answered = false;
	size_t i;

	for (i = 0; i < cl->nholders; i++) {
		if (!cl->holders[i].done)
			return;
		answered |= cl->holders[i].answered;
	}
	dereg_done(cl, now, answered ? NULL : why);
}

/* The copy of our deregistration LEAVE from one holder (§5.2.3). */
static void
dereg_answer(struct mars_client *cl, mars_time_t now,
    const struct mars_vc *vc, const struct mars_msg *m)
{
	size_t i;

	for (i = 0; i < cl->nholders; i++) {
		if (cl->holders[i].done || !client_vc_eq(vc, &cl->holders[i].vc))
			continue;
		cl->holders[i].done = cl->holders[i].answered = true;
		if (client_vc_eq(vc, &cl->cur_vc))
			cl->hsn = m->msn;
	}
	dereg_check(cl, now, NULL);
}

int
mars_client_vc_lost(struct mars_client *cl, mars_time_t now,
    const struct mars_vc *vc)
{
	struct mars_client_atm mars;
	bool used = false;
	size_t i;

	if (cl->state == MARS_CLIENT_DEREGISTERING) {
		for (i = 0; i < cl->nholders; i++)
			if (!cl->holders[i].done &&
			    client_vc_eq(vc, &cl->holders[i].vc))
				used = cl->holders[i].done = true;
		if (!used)
			return MARS_E_INVAL;
		dereg_check(cl, now, "deregistration: MARS unreachable");
		return 0;
	}
	if (cl->reg.active && client_vc_eq(vc, &cl->reg.vc)) {
		mars = cl->reg.mars;
		if (cl->reg.soft) {
			/* Stay with the current MARS. */
			cl->reg.active = false;
			emit_mars(cl, MARS_EV_GIVE_UP, now, &mars,
			    "soft redirect: new MARS unreachable");
		} else
			reg_attempt_failed(cl, now, &mars, "MARS unreachable");
		return 0;
	}
	if (cl->state == MARS_CLIENT_REGISTERED &&
	    client_vc_eq(vc, &cl->cur_vc)) {
		client_mars_failed(cl, now, "MARS unreachable");
		return 0;
	}
	return MARS_E_INVAL;
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

/*
 * Nonconformities a member lives with (client.h, PROTOCOL.md C8, C10,
 * C18); each is accepted only in the case named there.
 */
#define NC_TOLERATED	(MARS_NC_CHECKSUM | MARS_NC_CMI_ZERO | \
			    MARS_NC_NULL_SOURCE | MARS_NC_SEQXY)
#define NC_MAP		(MARS_NC_NULL_SOURCE | MARS_NC_SEQXY)

/* The request a reply of this op answers (§5.1.2, §5.2.2, §5.3). */
static uint8_t
request_of(uint8_t op)
{
	switch (op) {
	case MARS_MULTI:
	case MARS_NAK:
		return MARS_REQUEST;
	case MARS_GROUPLIST_REPLY:
		return MARS_GROUPLIST_REQUEST;
	case MARS_JOIN:
	case MARS_LEAVE:
		return op;
	default:
		return 0;
	}
}

/*
 * C10: a reply built by editing our message without recomputing the
 * checksum carries our source address and exactly the checksum we sent.
 */
static bool
stale_echo(const struct mars_client *cl, const struct mars_msg *m)
{
	uint8_t q = request_of(m->op);
	size_t i;

	if (q == 0 || m->chksum == 0 || !client_is_own(cl, m))
		return false;
	for (i = 0; i < MARS_CLIENT_ECHO_MAX; i++)
		if (cl->echo[i].op == q && cl->echo[i].sum == m->chksum)
			return true;
	return false;
}

static bool
tolerable(const struct mars_client *cl, const struct mars_msg *m)
{
	if ((m->nonconf & ~NC_TOLERATED) != 0)
		return false;
	if ((m->nonconf & MARS_NC_CHECKSUM) != 0 && !stale_echo(cl, m))
		return false;
	return (m->nonconf & NC_MAP) == 0 || m->op == MARS_REDIRECT_MAP;
}

static bool
pro_ours(const struct mars_client *cl, uint16_t pro)
{
	return pro == cl->conf.pro_type || (cl->pro_alt != 0 &&
	    pro == cl->pro_alt);
}

int
mars_client_input(struct mars_client *cl, mars_time_t now, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len)
{
	const struct mars_client_atm *who;
	struct mars_msg m;
	struct mars_err err;
	struct mars_event ev;
	bool from_cur, from_reg, member;
	uint16_t tolerated = 0;
	int rc;

	if (len < MARS_LLC_SNAP_LEN || memcmp(sdu, llc_mars, MARS_LLC_SNAP_LEN) != 0)
		return MARS_E_NOTOURS;
	memset(&err, 0, sizeof(err));
	rc = mars_decode(&m, sdu + MARS_LLC_SNAP_LEN, len - MARS_LLC_SNAP_LEN,
	    MARS_LLC_SNAP_LEN, 0, &err);
	if ((rc == MARS_E_NONCONF || rc == MARS_E_CHKSUM) &&
	    tolerable(cl, &m)) {
		tolerated = m.nonconf;
		rc = 0;
	}
	if (rc == 0 && (m.afn != MARS_AFN_ATM || !pro_ours(cl, m.pro_type)))
		rc = MARS_E_NOTOURS;
	if (rc != 0) {
		mars_event_init(&ev, MARS_EV_DROPPED, now);
		ev.detail = rc == MARS_E_NOTOURS ? "other protocol" :
		    mars_err_reason(rc);
		ev.nonconf = mars_err_parsed(rc) ? m.nonconf : 0;
		client_emit(cl, &ev);
		return rc;
	}
	member = cl->state == MARS_CLIENT_REGISTERED ||
	    cl->state == MARS_CLIENT_DEREGISTERING;
	from_cur = member && client_vc_eq(vc, &cl->cur_vc);
	from_reg = cl->reg.active && client_vc_eq(vc, &cl->reg.vc);
	if ((tolerated & MARS_NC_CHECKSUM) != 0) {
		who = from_reg ? &cl->reg.mars : cl->has_cur ? &cl->cur : NULL;
		client_warn(cl, now, MARS_CLIENT_WARN_NONCONF,
		    CLIENT_WARN_CHECKSUM, MARS_NC_CHECKSUM,
		    who != NULL ? who->num : NULL, who != NULL ? who->tl : 0, 0,
		    "reply echoes the mar$chksum of our message without "
		    "recomputing it: accepted (mar$chksum 0 avoids it)");
	}

	/* §5.2.3: the registration copy comes back privately only. */
	if (from_reg && is_reg_copy(cl, &m, MARS_JOIN)) {
		reg_done(cl, now, &m);
		/* C18: CMIs are non-zero; one server starts them at 0. */
		if (m.cmi == 0)
			client_warn(cl, now, MARS_CLIENT_WARN_NONCONF,
			    CLIENT_WARN_CMI_ZERO, MARS_NC_CMI_ZERO,
			    cl->cur.num, cl->cur.tl, 0,
			    "registration reply with CMI 0, which CMIs never "
			    "are: accepted");
		return 0;
	}
	/* ... and so does the copy of a deregistration, from each holder. */
	if (cl->state == MARS_CLIENT_DEREGISTERING &&
	    vc->kind != MARS_VC_CCVC && is_reg_copy(cl, &m, MARS_LEAVE)) {
		dereg_answer(cl, now, vc, &m);
		return 0;
	}
	if (m.op == MARS_REDIRECT_MAP) {
		client_map_seen(cl, now, vc, &m);
		if ((tolerated & NC_MAP) != 0)
			client_map_keepalive(cl, now, vc, &m);
		else
			client_map_input(cl, now, vc, &m);
		return 0;
	}
	if (!member || (vc->kind != MARS_VC_CCVC && !from_cur))
		return 0;

	switch (m.op) {
	case MARS_JOIN:
	case MARS_LEAVE:
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
	size_t i;

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
		if (cl->dereg_sent > cl->conf.retransmit_limit) {
			for (i = 0; i < cl->nholders; i++)
				cl->holders[i].done = true;
			dereg_check(cl, now, "deregistration: no answer");
		} else
			dereg_send(cl, now);
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

uint16_t
mars_client_pro_type(const struct mars_client *cl)
{
	return cl->conf.pro_type;
}

size_t
mars_client_memory(const struct mars_client *cl)
{
	return sizeof(*cl) + cl->conf.nmars * sizeof(*cl->mars) +
	    cl->capgroups * sizeof(*cl->groups) + client_resolve_memory(cl);
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
