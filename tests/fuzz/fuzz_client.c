/*
 * libFuzzer harness for the cluster-member state machine (client.h): a
 * sequence of datagrams from three MARSs and of the member's own calls,
 * with the clock moving between them (fuzz_seq.h), so that registration,
 * re-joins, redirects, failure and recovery run under hostile input.
 *
 * The first input octet picks the configuration: bit 0 IPv6 groups,
 * bit 1 no VC to a MARS learnt from a map (vc_lookup fails).
 *
 * Steps (op):
 *   0  data is an SDU on the point-to-point VC of MARS arg % 4 (3: a VC
 *      to no configured MARS, as one learnt from a map)
 *   1  data is an SDU on the ClusterControlVC rooted at MARS arg % 3
 *   2  join, 3 leave, 4 request, 5 grouplist (group from data, or group
 *      arg % 4 of a table when data is short)
 *   6  deregister;  7 start (again)
 *
 * Invariants after every step: every SDU the member sends decodes
 * cleanly as a MARS message of its protocol and goes on a VC it has; a
 * registered member has a MARS; the lists it keeps (MARSs, groups,
 * members of a MULTI, groups of a GROUPLIST_REPLY) stay within their
 * documented bounds and within what the input could have carried; the
 * next deadline moves past the clock.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/client.h"
#include "mars/pdu.h"
#include "mars/rng.h"

#include "fuzz_seq.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LEARNT_VC	9	/* the VC vc_lookup hands out */

struct world {
	struct mars_client	*cl;
	struct mars_rng		 rng;
	uint16_t		 pro;
	size_t			 glen;
	bool			 no_lookup;
	unsigned		 joins;
};

static uint8_t sdu[MARS_MTU + 64];

static const uint8_t mars_atm[3][20] = {
	{ 0x47, 0x00, 0x91, 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x20,
	  0x48, 0x00, 0x00, 0x01, 0x00 },
	{ 0x47, 0x00, 0x91, 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x20,
	  0x48, 0x00, 0x00, 0x02, 0x00 },
	{ 0x47, 0x00, 0x91, 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x20,
	  0x48, 0x00, 0x00, 0x03, 0x00 },
};

static void
on_send(void *ctx, const struct mars_vc *vc, const uint8_t *p, size_t len)
{
	struct world *w = ctx;
	struct mars_pdu pdu;

	FZ_CHECK(vc != NULL && vc->kind == MARS_VC_P2P);
	FZ_CHECK((vc->id >= 1 && vc->id <= 3) ||
	    (!w->no_lookup && vc->id == LEARNT_VC));
	FZ_CHECK(len <= MARS_MTU);
	FZ_CHECK(mars_pdu_decode(&pdu, p, len, 0) == 0);
	FZ_CHECK(pdu.kind == MARS_PDU_MARS);
	FZ_CHECK(pdu.u.mars.pro_type == w->pro);
	FZ_CHECK(pdu.u.mars.nonconf == 0);
}

static int
lookup(void *ctx, const struct mars_client_atm *mars, struct mars_vc *vc)
{
	struct world *w = ctx;

	if (w->no_lookup)
		return -1;
	vc->kind = MARS_VC_P2P;
	vc->id = LEARNT_VC;
	return 0;
}

static void
setup(struct world *w, uint8_t cfg)
{
	static const uint8_t own[20] = {
		0x47, 0x00, 0x91, 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00,
		0x20, 0x48, 0xaa, 0x00, 0x01, 0x00,
	};
	struct mars_client_mars mars[3];
	struct mars_client_conf c;
	struct mars_io io;
	unsigned i;

	memset(w, 0, sizeof(*w));
	w->pro = (cfg & 1) ? MARS_PRO_IPV6 : MARS_PRO_IPV4;
	w->glen = (cfg & 1) ? 16 : 4;
	w->no_lookup = (cfg & 2) != 0;
	memset(mars, 0, sizeof(mars));
	for (i = 0; i < 3; i++) {
		mars[i].atm.tl = 20;
		memcpy(mars[i].atm.num, mars_atm[i], 20);
		mars[i].vc.kind = MARS_VC_P2P;
		mars[i].vc.id = i + 1;
		mars[i].has_ccvc = true;
		mars[i].ccvc_id = i + 1;
	}
	memset(&c, 0, sizeof(c));
	c.pro_type = w->pro;
	c.own.tl = 20;
	memcpy(c.own.num, own, 20);
	c.own_pa.len = (uint8_t)w->glen;
	c.own_pa.addr[0] = 10;
	c.mars = mars;
	c.nmars = 3;
	c.vc_lookup = lookup;
	c.vc_ctx = w;
	/* Lab timers (the chaos test's), so that few steps reach them. */
	c.failure_timeout = 2000;
	c.retransmit_interval = 500;
	c.request_timeout = 500;
	c.part_timeout = 500;
	c.pass_pause = 5000;
	mars_rng_seed(&w->rng, cfg);
	c.rng = &w->rng;
	memset(&io, 0, sizeof(io));
	io.ctx = w;
	io.send = on_send;
	FZ_CHECK(mars_client_new(&w->cl, &c, &io, NULL) == 0);
}

static const uint8_t *
group_of(const struct world *w, const struct fz_step *st, uint8_t *g)
{
	memset(g, 0, 16);
	if (st->len >= w->glen)
		memcpy(g, st->data, w->glen);
	else {
		g[0] = w->glen == 4 ? 224 : 0xff;
		g[1] = 1;
		g[w->glen - 1] = (uint8_t)(1 + st->arg % 4);
	}
	return g;
}

static void
step(struct world *w, mars_time_t now, const struct fz_step *st)
{
	uint8_t g[16], g2[16];
	struct mars_vc vc;
	size_t len;

	if (st->op == FZ_OP_WAIT)
		return;
	switch (st->op % 8) {
	case 0:
	case 1:
		len = fz_sdu(st, sdu, sizeof(sdu));
		vc.kind = st->op % 8 == 0 ? MARS_VC_P2P : MARS_VC_CCVC;
		vc.id = vc.kind == MARS_VC_P2P ?
		    (st->arg % 4 == 3 ? LEARNT_VC : 1 + st->arg % 4) :
		    1 + st->arg % 3;
		(void)mars_client_input(w->cl, now, &vc, sdu, len);
		break;
	case 2:
		if (mars_client_join(w->cl, now, group_of(w, st, g),
		    w->glen) == 0)
			w->joins++;
		break;
	case 3:
		(void)mars_client_leave(w->cl, now, group_of(w, st, g), w->glen);
		break;
	case 4:
		(void)mars_client_request(w->cl, now, group_of(w, st, g),
		    w->glen);
		break;
	case 5:
		group_of(w, st, g);
		memcpy(g2, g, sizeof(g2));
		g2[w->glen - 1] = 0xff;
		(void)mars_client_grouplist(w->cl, now, g, g2, w->glen);
		break;
	case 6:
		(void)mars_client_deregister(w->cl, now);
		break;
	case 7:
		(void)mars_client_start(w->cl, now);
		break;
	}
}

static void
check(const struct world *w, size_t size)
{
	size_t n, i;
	enum mars_client_group_state gs;
	bool hard;

	FZ_CHECK(mars_client_state_name(mars_client_state(w->cl)) != NULL);
	if (mars_client_registered(w->cl))
		FZ_CHECK(mars_client_current_mars(w->cl) != NULL);
	(void)mars_client_mars_list(w->cl, &n);
	FZ_CHECK(n <= MARS_CLIENT_MARS_MAX);
	(void)mars_client_redirect_map(w->cl, &n, &hard);
	FZ_CHECK(n <= MARS_CLIENT_MARS_MAX);
	FZ_CHECK(mars_client_group_count(w->cl) <= w->joins);
	for (i = 0; i < mars_client_group_count(w->cl); i++)
		FZ_CHECK(mars_client_group(w->cl, i, &gs) != NULL);
	/* A member of a MULTI takes octets on the wire: never more than sent. */
	(void)mars_client_members(w->cl, &n);
	FZ_CHECK(n <= size);
	(void)mars_client_grouplist_groups(w->cl, &n);
	FZ_CHECK(n <= size);
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
	FZ_CHECK(mars_client_start(w.cl, now) == 0);
	fz_init(&r, data + 1, size - 1);
	next = mars_client_next_deadline(w.cl);
	ticks = 0;
	while (fz_next(&r, &st) && ticks < FZ_TICKS_MAX) {
		to = now + st.delay;
		while (next <= to && ticks++ < FZ_TICKS_MAX) {
			if (next > now)
				now = next;
			next = mars_client_tick(w.cl, now);
			FZ_CHECK(next > now);
		}
		now = to;
		step(&w, now, &st);
		next = mars_client_tick(w.cl, now);
		FZ_CHECK(next > now);
		check(&w, size);
	}
	mars_client_free(w.cl);
	return 0;
}
