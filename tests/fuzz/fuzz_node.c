/*
 * libFuzzer harness for an SCSP node (scspfsm.h, RFC 2334 §2): the Hello,
 * Cache Alignment and Cache State Update machines of one Local Server
 * with three Directly Connected Servers, fed a sequence of packets and
 * of the owner's calls with the clock moving between them (fuzz_seq.h).
 *
 * LSID 10.0.0.1; DCSs 10.0.0.2 on VC 1, 10.0.0.3 on VC 2, and one whose
 * ID is learnt from its first Hello on VC 3.  The first input octet picks
 * the configuration: bit 0 a 64-octet MTU (CSU Requests and summaries
 * split), bit 1 a CSA retransmit limit of 1 (abnormal events sooner).
 *
 * Steps (op):
 *   0  data is an SDU on inter-server VC 1 + arg % 4 (4: no DCS there)
 *   1  data is an SDU on a VC of kind arg % 5
 *   2  VC 1 + arg % 3 down;  3  up
 *   4  originate key arg % 4 with data as the body (when it is an RFC
 *      2443 §3 record, as the owner's always are);  5  withdraw it
 *   6  forget the tombstone of (originator arg % 4, key arg >> 2 % 4)
 *
 * Invariants after every step: every packet the node sends decodes
 * cleanly (checksum included) as SCSP of its protocol and server group,
 * from its LSID, on a DCS's VC; each update it reports is well formed;
 * states are named; the cache stays within what the input could have
 * carried, a retransmit queue within the cache and the tombstones the
 * owner dropped (one record per entry); the next deadline moves past
 * the clock.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/pdu.h"
#include "mars/scsp.h"
#include "mars/scspfsm.h"

#include "fuzz_seq.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NDCS	3

struct world {
	struct mars_scsp_node	*n;
	uint64_t		 updates;
	size_t			 forgotten;	/* tombstones dropped */
};

static uint8_t sdu[MARS_MTU + 64];

static void
on_send(void *ctx, const struct mars_vc *vc, const uint8_t *p, size_t len)
{
	struct mars_scsp_msg m;
	struct mars_err err;

	FZ_CHECK(vc->kind == MARS_VC_SERVER && vc->id >= 1 && vc->id <= NDCS);
	FZ_CHECK(len > MARS_LLC_SNAP_LEN);
	FZ_CHECK(memcmp(p, fz_llc_scsp, MARS_LLC_SNAP_LEN) == 0);
	FZ_CHECK(mars_scsp_decode(&m, p + MARS_LLC_SNAP_LEN,
	    len - MARS_LLC_SNAP_LEN, MARS_LLC_SNAP_LEN, 0, &err) == 0);
	FZ_CHECK(m.protocol_id == MARS_SCSP_PROTO_MARS && m.sgid == 1);
	FZ_CHECK(m.sender.len == 4 && memcmp(m.sender.p,
	    (const uint8_t[]){ 10, 0, 0, 1 }, 4) == 0);
}

static void
on_event(void *ctx, const struct mars_event *ev)
{
	if (ev->kind >= MARS_EV_PEER_UP) {
		FZ_CHECK(ev->peer != NULL && ev->peer_len > 0);
		FZ_CHECK(ev->count < NDCS);
	}
}

static void
on_update(void *ctx, const struct mars_scsp_update *u)
{
	struct world *w = ctx;

	w->updates++;
	FZ_CHECK(u->kind >= MARS_SCSP_UPD_ADDED &&
	    u->kind <= MARS_SCSP_UPD_REMOVED);
	FZ_CHECK(u->kind != MARS_SCSP_UPD_REMOVED || u->body == NULL);
	FZ_CHECK(u->oid.len > 0 && u->oid.len <= MARS_SCSP_ID_MAX);
	FZ_CHECK(u->key.len > 0 && u->key.len <= MARS_SCSP_ID_MAX);
	FZ_CHECK(u->dcs < NDCS);
}

static void
setup(struct world *w, uint8_t cfg)
{
	static struct mars_scsp_dcs_conf dcs[NDCS] = {
		{ .id = { 10, 0, 0, 2 }, .id_len = 4, .vc_id = 1 },
		{ .id = { 10, 0, 0, 3 }, .id_len = 4, .vc_id = 2 },
		{ .id_len = 0, .vc_id = 3 },
	};
	struct mars_scsp_conf c;

	memset(w, 0, sizeof(*w));
	memset(&c, 0, sizeof(c));
	memcpy(c.lsid, (const uint8_t[]){ 10, 0, 0, 1 }, 4);
	c.lsid_len = 4;
	c.protocol_id = MARS_SCSP_PROTO_MARS;
	c.sgid = 1;
	c.dcs = dcs;
	c.ndcs = NDCS;
	c.hello_interval = 1;
	c.ca_rexmt = 500;
	c.csus_rexmt = 500;
	c.csu_rexmt = 300;
	c.csu_rexmt_limit = (cfg & 2) ? 1 : 0;
	c.mtu = (cfg & 1) ? 64 : 0;
	c.seed = cfg;
	c.io.ctx = w;
	c.io.send = on_send;
	c.io.event = on_event;
	c.on_update = on_update;
	c.update_ctx = w;
	FZ_CHECK(mars_scsp_node_new(&w->n, &c, NULL) == 0);
}

static void
step(struct world *w, mars_time_t now, const struct fz_step *st)
{
	struct mars_scsp_mars_part mp;
	struct mars_scsp_id oid, key;
	uint8_t k = (uint8_t)(1 + st->arg % 4), o[4] = { 10, 0, 0, 0 };
	uint8_t kb;
	struct mars_vc vc;
	size_t len;

	if (st->op == FZ_OP_WAIT)
		return;
	switch (st->op % 7) {
	case 0:
	case 1:
		len = fz_sdu(st, sdu, sizeof(sdu));
		vc.kind = st->op % 7 == 0 ? MARS_VC_SERVER : st->arg % 5;
		vc.id = 1 + st->arg % 4;
		mars_scsp_input(w->n, now, &vc, sdu, len);
		break;
	case 2:
		mars_scsp_vc_down(w->n, now, 1 + st->arg % 3);
		break;
	case 3:
		mars_scsp_vc_up(w->n, now, 1 + st->arg % 3);
		break;
	case 4:
		/* The owner originates RFC 2443 §3 records only. */
		len = st->len > 512 ? 512 : st->len;
		if (mars_scsp_mars_decode(&mp, st->data, len, 0, NULL) == 0)
			(void)mars_scsp_originate(w->n, now, &k, 1, st->data,
			    (uint16_t)len, NULL);
		break;
	case 5:
		(void)mars_scsp_withdraw(w->n, now, &k, 1);
		break;
	case 6:
		o[3] = (uint8_t)(1 + st->arg % 4);
		kb = (uint8_t)(1 + (st->arg >> 2) % 4);
		oid.p = o;
		oid.len = 4;
		key.p = &kb;
		key.len = 1;
		/* A purge still unacknowledged stays queued for the DCS. */
		if (mars_scsp_forget(w->n, &oid, &key))
			w->forgotten++;
		break;
	}
}

static void
check(const struct world *w, size_t size)
{
	struct mars_scsp_entry_view v;
	size_t i, n = mars_scsp_cache_len(w->n);
	unsigned d;

	/* A cache entry arrives in a CSAS of at least 12 octets, or is ours. */
	FZ_CHECK(n <= 4 + size / 12);
	for (i = 0; i < n; i++) {
		FZ_CHECK(mars_scsp_cache_get(w->n, i, &v));
		FZ_CHECK(v.null || v.body_len == 0 || v.body != NULL);
	}
	FZ_CHECK(!mars_scsp_cache_get(w->n, n, &v));
	FZ_CHECK(mars_scsp_dcs_count(w->n) == NDCS);
	for (d = 0; d < NDCS; d++) {
		FZ_CHECK(mars_scsp_hello_state_name(
		    mars_scsp_hello_state(w->n, d)) != NULL);
		FZ_CHECK(mars_scsp_ca_state_name(
		    mars_scsp_ca_state(w->n, d)) != NULL);
		FZ_CHECK(mars_scsp_rexmt_len(w->n, d) <= n + w->forgotten);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world w;
	struct fz_reader r;
	struct fz_step st;
	mars_time_t now = 1000, next, to;
	unsigned ticks;

	if (size < 1)
		return 0;
	setup(&w, data[0]);
	mars_scsp_start(w.n, now);
	fz_init(&r, data + 1, size - 1);
	next = mars_scsp_tick(w.n, now);
	ticks = 0;
	while (fz_next(&r, &st) && ticks < FZ_TICKS_MAX) {
		to = now + st.delay;
		while (next <= to && ticks++ < FZ_TICKS_MAX) {
			if (next > now)
				now = next;
			next = mars_scsp_tick(w.n, now);
			FZ_CHECK(next > now);
		}
		now = to;
		step(&w, now, &st);
		next = mars_scsp_tick(w.n, now);
		FZ_CHECK(next > now);
		check(&w, size);
	}
	mars_scsp_node_free(w.n);
	return 0;
}
