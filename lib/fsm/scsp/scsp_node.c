/*
 * One SCSP Local Server (scspfsm.h): configuration, the input dispatch
 * of RFC 2334 §2 (which sub-protocol, which DCS, whether the DCS's
 * machines are in a state that accepts it), timers, and the packet
 * building shared by the Hello, CA and CSU code.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "mars/pdu.h"
#include "mars/proto.h"
#include "mars/shim.h"
#include "mars/scspfsm.h"
#include "scsp_int.h"

#define SCSP_SDU_MAX	(MARS_LLC_SNAP_LEN + 65535)

void
scsp_log(struct mars_scsp_node *n, int level, const char *msg)
{
	if (n->conf.io.log != NULL)
		n->conf.io.log(n->conf.io.ctx, level, msg);
}

void
scsp_logf(struct mars_scsp_node *n, int level, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (n->conf.io.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n->conf.io.log(n->conf.io.ctx, level, line);
}

const char *
scsp_dcs_name(const struct scsp_dcs *d, char *buf)
{
	static const char hexd[] = "0123456789abcdef";
	size_t i;

	if (d->id_len == 0) {
		snprintf(buf, 2 * MARS_SCSP_ID_MAX + 1, "#%u", d->idx);
		return buf;
	}
	for (i = 0; i < d->id_len; i++) {
		buf[2 * i] = hexd[d->id[i] >> 4];
		buf[2 * i + 1] = hexd[d->id[i] & 15];
	}
	buf[2 * i] = '\0';
	return buf;
}

void
scsp_event(struct mars_scsp_node *n, int kind, const struct scsp_dcs *d,
    uint32_t seq, const char *detail)
{
	struct mars_event ev;

	if (n->conf.io.event == NULL)
		return;
	mars_event_init(&ev, kind, n->now);
	if (d != NULL) {
		ev.peer = d->id;
		ev.peer_len = d->id_len;
		ev.count = d->idx;
	}
	ev.csn = seq;
	ev.detail = detail;
	n->conf.io.event(n->conf.io.ctx, &ev);
}

bool
scsp_id_eq(const uint8_t *p, uint8_t len, const struct mars_scsp_id *id)
{
	return id->len == len && (len == 0 || memcmp(p, id->p, len) == 0);
}

/* Mandatory Common Part (B.2.0.1) from us to d. */
void
scsp_msg_init(struct mars_scsp_node *n, struct mars_scsp_msg *m, uint8_t type,
    const struct scsp_dcs *d)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->protocol_id = n->conf.protocol_id;
	m->sgid = n->conf.sgid;
	m->sender.p = n->conf.lsid;
	m->sender.len = n->conf.lsid_len;
	if (d != NULL) {
		m->receiver.p = d->id;
		m->receiver.len = d->id_len;
	}
}

struct mars_scsp_csas *
scsp_recs(struct mars_scsp_node *n, size_t count)
{
	struct mars_scsp_csas	*grown;
	size_t			 cap;

	if (count <= n->recs_cap)
		return n->recs;
	cap = n->recs_cap ? n->recs_cap : 64;
	while (cap < count)
		cap *= 2;
	if ((grown = realloc(n->recs, cap * sizeof(*grown))) == NULL)
		return NULL;
	n->recs = grown;
	n->recs_cap = cap;
	return n->recs;
}

/* Octets left for records in one packet of that type to d (B.1, B.2). */
static size_t
rec_budget(const struct mars_scsp_node *n, uint8_t type, const struct scsp_dcs *d)
{
	size_t fixed = MARS_SCSP_FIXED_LEN + MARS_SCSP_MCP_LEN + n->conf.lsid_len +
	    (d != NULL ? d->id_len : MARS_SCSP_ID_MAX);

	if (type == MARS_SCSP_CA)
		fixed += 4;
	else if (type == MARS_SCSP_HELLO)
		fixed += 8;
	return n->conf.mtu > fixed ? n->conf.mtu - fixed : 0;
}

size_t
scsp_rec_budget(const struct mars_scsp_node *n, uint8_t type)
{
	return rec_budget(n, type, NULL);
}

int
scsp_send(struct mars_scsp_node *n, const struct scsp_dcs *d, struct mars_scsp_msg *m)
{
	struct mars_vc	 vc;
	struct mars_err	 err;
	size_t		 len;
	int		 rc;

	rc = mars_scsp_encode(m, n->buf, n->buf_cap, &len, MARS_SCSP_ENC_LLC, &err);
	if (rc != 0) {
		scsp_log(n, LOG_ERR, "scsp: cannot encode a message");
		return rc;
	}
	n->buf_len = len;
	n->stats.tx[m->type]++;
	vc.kind = MARS_VC_SERVER;
	vc.id = d->vc_id;
	if (n->conf.io.send != NULL)
		n->conf.io.send(n->conf.io.ctx, &vc, n->buf, len);
	return 0;
}

static size_t
rec_len(const struct mars_scsp_csas *r)
{
	return (size_t)MARS_SCSP_CSAS_LEN + r->key.len + r->oid.len + r->body_len;
}

/*
 * CSU Request, CSU Reply or CSUS carrying `count` records to d, split
 * over as many packets as conf.mtu asks (one record at least each).
 */
void
scsp_send_records(struct mars_scsp_node *n, const struct scsp_dcs *d,
    uint8_t type, const struct mars_scsp_csas *recs, size_t count)
{
	struct mars_scsp_msg	 m;
	size_t		 budget = rec_budget(n, type, d), i = 0, j, used;

	while (i < count) {
		used = rec_len(&recs[i]);
		for (j = i + 1; j < count && j - i < UINT16_MAX; j++) {
			if (used + rec_len(&recs[j]) > budget)
				break;
			used += rec_len(&recs[j]);
		}
		scsp_msg_init(n, &m, type, d);
		m.csas = &recs[i];
		m.nrec = (uint16_t)(j - i);
		(void)scsp_send(n, d, &m);
		i = j;
	}
}

/* ---- life cycle ---- */

int
mars_scsp_node_new(struct mars_scsp_node **np, const struct mars_scsp_conf *conf,
    struct mars_err *err)
{
	struct mars_scsp_node	*n;
	struct scsp_dcs		*d;
	unsigned		 i;

	*np = NULL;
	if (conf->lsid_len == 0 || conf->lsid_len > MARS_SCSP_ID_MAX)
		return mars_err_set(err, MARS_E_INVAL, "lsid_len",
		    "not 1 to MARS_SCSP_ID_MAX");
	if (conf->ndcs > MARS_SCSP_DCS_MAX)
		return mars_err_set(err, MARS_E_INVAL, "ndcs",
		    "more than MARS_SCSP_DCS_MAX");
	if (conf->ndcs > 0 && conf->dcs == NULL)
		return mars_err_set(err, MARS_E_INVAL, "dcs", "missing");
	for (i = 0; i < conf->ndcs; i++)
		if (conf->dcs[i].id_len > MARS_SCSP_ID_MAX)
			return mars_err_set(err, MARS_E_INVAL, "dcs[].id_len",
			    "more than MARS_SCSP_ID_MAX");
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return mars_err_set(err, MARS_E_NOSPACE, "scsp node",
		    "no memory");
	n->conf = *conf;
	n->conf.dcs = NULL;
	if (n->conf.hello_interval == 0)
		n->conf.hello_interval = MARS_SCSP_DEF_HELLO_S;
	if (n->conf.dead_factor == 0)
		n->conf.dead_factor = MARS_SCSP_DEF_DEAD_FACTOR;
	if (n->conf.ca_rexmt == 0)
		n->conf.ca_rexmt = MARS_SCSP_DEF_CA_REXMT;
	if (n->conf.csus_rexmt == 0)
		n->conf.csus_rexmt = MARS_SCSP_DEF_CSUS_REXMT;
	if (n->conf.csu_rexmt == 0)
		n->conf.csu_rexmt = MARS_SCSP_DEF_CSU_REXMT;
	if (n->conf.csu_rexmt_limit == 0)
		n->conf.csu_rexmt_limit = MARS_SCSP_DEF_CSU_LIMIT;
	if (n->conf.hops == 0)
		n->conf.hops = MARS_SCSP_DEF_HOPS;
	if (n->conf.mtu == 0)
		n->conf.mtu = MARS_SCSP_DEF_MTU;
	if (n->conf.mtu < 64)
		n->conf.mtu = 64;
	if (n->conf.mtu > 65535)
		n->conf.mtu = 65535;
	if (n->conf.tomb_hold == 0)
		n->conf.tomb_hold = MARS_SCSP_DEF_TOMB_HOLD;
	n->tomb_due = MARS_TIME_NEVER;
	mars_rng_seed(&n->rng, conf->seed);
	n->buf_cap = SCSP_SDU_MAX;
	if ((n->buf = malloc(n->buf_cap)) == NULL) {
		free(n);
		return mars_err_set(err, MARS_E_NOSPACE, "scsp node",
		    "no memory");
	}
	n->ndcs = conf->ndcs;
	for (i = 0; i < n->ndcs; i++) {
		d = &n->dcs[i];
		d->idx = i;
		d->id_len = conf->dcs[i].id_len;
		d->id_fixed = d->id_len > 0;
		memcpy(d->id, conf->dcs[i].id, d->id_len);
		d->vc_id = conf->dcs[i].vc_id;
		d->hs = MARS_SCSP_HS_DOWN;
		d->cs = MARS_SCSP_CA_DOWN;
		d->ca_due = d->keep_until = d->csus_due = MARS_TIME_NEVER;
	}
	*np = n;
	return 0;
}

void
mars_scsp_node_free(struct mars_scsp_node *n)
{
	unsigned i;

	if (n == NULL)
		return;
	for (i = 0; i < n->ndcs; i++) {
		free(n->dcs[i].last_ca);
		scsp_sumv_free(&n->dcs[i].summary);
		scsp_sumv_free(&n->dcs[i].crl);
		scsp_queue_free(&n->dcs[i].queue);
	}
	scsp_cache_free_all(n);
	free(n->recs);
	free(n->buf);
	free(n);
}

/* RFC 2334 §2.1: NBMA connectivity is there, HFSM Down -> Waiting. */
void
mars_scsp_start(struct mars_scsp_node *n, mars_time_t now)
{
	unsigned i;

	n->now = now;
	n->started = true;
	/* A CA sequence number the DCSs have not seen (§2.2): seed + now. */
	mars_rng_seed(&n->rng, n->conf.seed ^ (now * 0x9e3779b97f4a7c15ull));
	scsp_logf(n, LOG_INFO, "scsp: start, %u DCS%s, Hello every %u s",
	    n->ndcs, n->ndcs == 1 ? "" : "s", n->conf.hello_interval);
	for (i = 0; i < n->ndcs; i++) {
		n->dcs[i].hello_due = now;
		if (!n->dcs[i].vc_down)
			scsp_hello_set(n, &n->dcs[i], MARS_SCSP_HS_WAITING, "start");
	}
	(void)mars_scsp_tick(n, now);
}

void
mars_scsp_vc_down(struct mars_scsp_node *n, mars_time_t now, uint32_t vc_id)
{
	unsigned i;

	n->now = now;
	for (i = 0; i < n->ndcs; i++) {
		if (n->dcs[i].vc_id != vc_id)
			continue;
		n->dcs[i].vc_down = true;
		n->dcs[i].heard = false;
		scsp_hello_set(n, &n->dcs[i], MARS_SCSP_HS_DOWN, "VC lost");
	}
}

void
mars_scsp_vc_up(struct mars_scsp_node *n, mars_time_t now, uint32_t vc_id)
{
	unsigned i;

	n->now = now;
	for (i = 0; i < n->ndcs; i++) {
		if (n->dcs[i].vc_id != vc_id)
			continue;
		n->dcs[i].vc_down = false;
		n->dcs[i].hello_due = now;
		if (n->started && n->dcs[i].hs == MARS_SCSP_HS_DOWN)
			scsp_hello_set(n, &n->dcs[i], MARS_SCSP_HS_WAITING,
			    "VC up");
	}
	if (n->started)
		(void)mars_scsp_tick(n, now);
}

/* ---- input ---- */

static void
malformed(struct mars_scsp_node *n, uint32_t vc_id, const char *why)
{
	unsigned i;

	n->stats.malformed++;
	scsp_log(n, LOG_WARNING, why);
	/* RFC 2334 §2.1: an abnormal event puts the HFSM in Waiting. */
	for (i = 0; i < n->ndcs; i++)
		if (n->dcs[i].vc_id == vc_id && n->dcs[i].hs != MARS_SCSP_HS_DOWN)
			scsp_abnormal(n, &n->dcs[i], why);
}

static void
ignored(struct mars_scsp_node *n, const char *why)
{
	n->stats.ignored++;
	scsp_log(n, LOG_DEBUG, why);
	scsp_event(n, MARS_EV_DROPPED, NULL, 0, why);
}

static struct scsp_dcs *
dcs_by_sender(struct mars_scsp_node *n, uint32_t vc_id, const struct mars_scsp_id *id)
{
	unsigned i;

	for (i = 0; i < n->ndcs; i++)
		if (n->dcs[i].vc_id == vc_id && n->dcs[i].id_len > 0 &&
		    scsp_id_eq(n->dcs[i].id, n->dcs[i].id_len, id))
			return &n->dcs[i];
	return NULL;
}

static bool
for_us(const struct mars_scsp_node *n, const struct mars_scsp_id *r, bool all_ok)
{
	unsigned i;

	if (scsp_id_eq(n->conf.lsid, n->conf.lsid_len, r))
		return true;
	if (!all_ok || r->len == 0)
		return false;
	for (i = 0; i < r->len; i++)
		if (r->p[i] != 0xff)
			return false;
	return true;
}

static bool
vc_known(const struct mars_scsp_node *n, uint32_t vc_id)
{
	unsigned i;

	for (i = 0; i < n->ndcs; i++)
		if (n->dcs[i].vc_id == vc_id && n->dcs[i].hs != MARS_SCSP_HS_DOWN)
			return true;
	return false;
}

static void
dispatch(struct mars_scsp_node *n, uint32_t vc_id, const struct mars_scsp_msg *m)
{
	struct scsp_dcs *d;

	if (m->protocol_id != n->conf.protocol_id || m->sgid != n->conf.sgid) {
		ignored(n, "scsp: another Protocol ID / Server Group");
		return;
	}
	if (m->sender.len == 0 || m->sender.len > MARS_SCSP_ID_MAX) {
		malformed(n, vc_id, "scsp: bad Sender ID length");
		return;
	}
	if (m->type == MARS_SCSP_HELLO) {
		scsp_hello_input(n, n->now, vc_id, m);
		return;
	}
	d = dcs_by_sender(n, vc_id, &m->sender);
	/* §2.1: until Bidirectional, anything but Hello is ignored. */
	if (d == NULL || d->hs != MARS_SCSP_HS_BIDIR) {
		ignored(n, "scsp: not from a Bidirectional DCS");
		return;
	}
	switch (m->type) {
	case MARS_SCSP_CA:
		/* §2.2.3: CA or CSUS for another LSID is discarded. */
		if (!for_us(n, &m->receiver, false))
			break;
		n->stats.rx[m->type]++;
		scsp_ca_input(n, d, m);
		return;
	case MARS_SCSP_CSUS:
		if (!for_us(n, &m->receiver, false) ||
		    (d->cs != MARS_SCSP_CA_UPDATE && d->cs != MARS_SCSP_CA_ALIGNED))
			break;
		n->stats.rx[m->type]++;
		scsp_csus_input(n, d, m);
		return;
	case MARS_SCSP_CSU_REQUEST:
	case MARS_SCSP_CSU_REPLY:
		/* §2.3: LSID or all 0xFF; only in Update Cache or Aligned. */
		if (!for_us(n, &m->receiver, true) ||
		    (d->cs != MARS_SCSP_CA_UPDATE && d->cs != MARS_SCSP_CA_ALIGNED))
			break;
		n->stats.rx[m->type]++;
		if (m->type == MARS_SCSP_CSU_REQUEST)
			scsp_csu_request_input(n, d, m);
		else
			scsp_csu_reply_input(n, d, m);
		return;
	default:
		break;
	}
	ignored(n, "scsp: not expected in this state");
}

void
mars_scsp_input(struct mars_scsp_node *n, mars_time_t now, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len)
{
	struct mars_pdu	 pdu;

	n->now = now;
	if (!n->started || vc == NULL || !vc_known(n, vc->id)) {
		ignored(n, "scsp: not on a live inter-server VC");
		return;
	}
	(void)mars_pdu_decode(&pdu, sdu, len, 0);
	if (pdu.kind != MARS_PDU_SCSP) {
		ignored(n, "scsp: not an SCSP packet");
		return;
	}
	if (pdu.verdict != 0) {
		malformed(n, vc->id, "scsp: malformed packet");
		(void)mars_scsp_tick(n, now);
		return;
	}
	n->busy++;
	dispatch(n, vc->id, &pdu.u.scsp);
	n->busy--;
	(void)mars_scsp_tick(n, now);
}

/* ---- timers ---- */

static mars_time_t
earliest(mars_time_t a, mars_time_t b)
{
	return a < b ? a : b;
}

mars_time_t
mars_scsp_tick(struct mars_scsp_node *n, mars_time_t now)
{
	mars_time_t	 next;
	unsigned	 i;

	n->now = now;
	if (!n->started)
		return MARS_TIME_NEVER;
	next = scsp_hello_tick(n, now);
	for (i = 0; i < n->ndcs; i++) {
		next = earliest(next, scsp_ca_tick(n, &n->dcs[i], now));
		next = earliest(next, scsp_csu_tick(n, &n->dcs[i], now));
	}
	next = earliest(next, scsp_cache_tick(n, now));
	return next;
}

/* ---- introspection ---- */

unsigned
mars_scsp_dcs_count(const struct mars_scsp_node *n)
{
	return n->ndcs;
}

int
mars_scsp_dcs_find(const struct mars_scsp_node *n, const struct mars_scsp_id *id)
{
	unsigned i;

	for (i = 0; i < n->ndcs; i++)
		if (n->dcs[i].id_len > 0 &&
		    scsp_id_eq(n->dcs[i].id, n->dcs[i].id_len, id))
			return (int)i;
	return -1;
}

int
mars_scsp_hello_state(const struct mars_scsp_node *n, unsigned dcs)
{
	return dcs < n->ndcs ? n->dcs[dcs].hs : MARS_SCSP_HS_DOWN;
}

int
mars_scsp_ca_state(const struct mars_scsp_node *n, unsigned dcs)
{
	return dcs < n->ndcs ? n->dcs[dcs].cs : MARS_SCSP_CA_DOWN;
}

bool
mars_scsp_is_master(const struct mars_scsp_node *n, unsigned dcs)
{
	return dcs < n->ndcs && n->dcs[dcs].cs != MARS_SCSP_CA_DOWN &&
	    n->dcs[dcs].cs != MARS_SCSP_CA_NEGOTIATE && n->dcs[dcs].master;
}

size_t
mars_scsp_rexmt_len(const struct mars_scsp_node *n, unsigned dcs)
{
	return dcs < n->ndcs ? n->dcs[dcs].queue.n : 0;
}

const struct mars_scsp_stats *
mars_scsp_node_stats(const struct mars_scsp_node *n)
{
	return &n->stats;
}

const char *
mars_scsp_hello_state_name(int state)
{
	static const char *const names[] = {
		"DOWN", "WAITING", "UNIDIRECTIONAL", "BIDIRECTIONAL"
	};

	if (state < 0 || state > MARS_SCSP_HS_BIDIR)
		return NULL;
	return names[state];
}

const char *
mars_scsp_ca_state_name(int state)
{
	static const char *const names[] = {
		"DOWN", "NEGOTIATE", "SUMMARIZE", "UPDATE", "ALIGNED"
	};

	if (state < 0 || state > MARS_SCSP_CA_ALIGNED)
		return NULL;
	return names[state];
}
