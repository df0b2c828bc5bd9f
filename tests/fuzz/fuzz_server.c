/*
 * libFuzzer harness for the MARS server state machine (server.h): not one
 * message but a sequence of them from up to eight members, with the clock
 * moving between them (fuzz_seq.h), the redundancy hooks mixed in.
 *
 * The first input octet picks the configuration: bit 0 checksums not
 * verified, bit 1 a 256-octet MTU (MULTIs split into parts), bit 2 room
 * for 4 members, 4 groups and 2 MCSs (the limits), bit 3 IPv6, bit 4 a
 * CMI range of 1-6 (exhaustion), bit 5 checksums not sent.
 *
 * Steps (op):
 *   0  data is an SDU from member arg % 8 on its point-to-point VC
 *   1  data is an SDU on a VC of kind arg % 5 (not p2p: wrong-vc drops)
 *   2  the VC of member arg % 8 is lost (leaf_lost)
 *   3  REDIRECT_MAP at once;  4  a new map of arg % 5 entries, hard = arg bit 4
 *   5  import a member (ATM address arg % 8 of the table, CMI from data)
 *   6  import a deregistration;  7  import a CMI binding
 *   8  import/relay a join or leave (arg bits 3-4) of the group in data
 *   9  import/relay an MCS, a serve or unserve;  10 MCS revert
 *   11 forget a member;  12 a CMI block from data
 *
 * Invariants after every step: every SDU sent decodes cleanly as a MARS
 * message of the served protocol, private replies go where a member is,
 * the counters add up (tx by op, by path, and the sends seen), the
 * registered-member and group counts match the tables, nothing fails to
 * encode, the next deadline moves past the clock, and the memory held by
 * the database is bounded by the input's size.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/pdu.h"
#include "mars/server.h"

#include "fuzz_seq.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PEERS		8

struct world {
	struct mars_server	*srv;
	uint16_t		 pro;
	uint64_t		 sends;
	uint64_t		 leaves;
};

static uint8_t sdu[MARS_MTU + 64];

/* The member addresses of tests/unit/examples.h and seven more. */
static void
table_atm(struct mars_server_atm *a, unsigned i)
{
	static const uint8_t base[20] = {
		0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x01, 0x00, 0x20, 0x48, 0xaa, 0x00, 0x01, 0x00,
	};

	memset(a, 0, sizeof(*a));
	a->tl = 20;
	memcpy(a->addr, base, 20);
	a->addr[18] = (uint8_t)(1 + i % PEERS);
}

static void
on_send(void *ctx, const struct mars_vc *vc, const uint8_t *p, size_t len)
{
	struct world *w = ctx;
	struct mars_pdu pdu;

	w->sends++;
	FZ_CHECK(vc != NULL);
	FZ_CHECK(vc->kind == MARS_VC_P2P || vc->kind == MARS_VC_CCVC ||
	    vc->kind == MARS_VC_SCVC);
	FZ_CHECK(vc->kind != MARS_VC_P2P || (vc->id >= 1 && vc->id <= PEERS));
	FZ_CHECK(len <= MARS_MTU);
	FZ_CHECK(mars_pdu_decode(&pdu, p, len, 0) == 0);
	FZ_CHECK(pdu.kind == MARS_PDU_MARS);
	FZ_CHECK(pdu.u.mars.pro_type == w->pro);
	FZ_CHECK(pdu.u.mars.nonconf == 0);
}

static void
on_leaf(void *ctx, const struct mars_server_leaf *lf)
{
	struct world *w = ctx;

	w->leaves++;
	FZ_CHECK(lf->pmp == MARS_VC_CCVC || lf->pmp == MARS_VC_SCVC);
}

static void
setup(struct world *w, uint8_t cfg)
{
	static const uint8_t self[20] = {
		0x47, 0x00, 0x91, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x01, 0x00, 0x20, 0x48, 0x00, 0x00, 0x01, 0x00,
	};
	struct mars_server_conf c;
	struct mars_io io;

	memset(w, 0, sizeof(*w));
	w->pro = (cfg & 0x08) ? MARS_PRO_IPV6 : MARS_PRO_IPV4;
	mars_server_conf_init(&c, w->pro, self, 20);
	c.redirect_interval = 1000;
	c.cmi_hold = 5000;
	c.no_verify = (cfg & 0x01) != 0;
	c.mtu = (cfg & 0x02) ? 256 : 0;
	if (cfg & 0x04) {
		c.max_members = 4;
		c.max_groups = 4;
		c.max_mcs = 2;
		c.max_blocks = 2;
	}
	if (cfg & 0x10) {
		c.cmi_low = 1;
		c.cmi_high = 6;
	}
	c.no_checksum = (cfg & 0x20) != 0;
	c.leaf = on_leaf;
	memset(&io, 0, sizeof(io));
	io.ctx = w;
	io.send = on_send;
	FZ_CHECK(mars_server_new(&w->srv, &c, &io, NULL) == 0);
}

/* A group address of the served length from data (zero-padded). */
static const uint8_t *
group_of(const struct world *w, const struct fz_step *st, uint8_t *g)
{
	size_t n = w->pro == MARS_PRO_IPV6 ? 16 : 4;

	memset(g, 0, 16);
	memcpy(g, st->data, st->len < n ? st->len : n);
	return g;
}

static void
step(struct world *w, mars_time_t now, const struct fz_step *st)
{
	struct mars_server_atm a, list[5];
	struct mars_vc vc;
	uint8_t g1[16], g2[16];
	uint16_t cmi;
	size_t len, i;

	table_atm(&a, st->arg);
	cmi = st->len >= 2 ? (uint16_t)(st->data[0] << 8 | st->data[1]) : 0;
	if (st->op == FZ_OP_WAIT)
		return;
	switch (st->op % 13) {
	case 0:
	case 1:
		len = fz_sdu(st, sdu, sizeof(sdu));
		vc.kind = st->op % 13 == 0 ? MARS_VC_P2P : st->arg % 5;
		vc.id = vc.kind == MARS_VC_P2P ? 1 + st->arg % PEERS : 0;
		mars_server_input(w->srv, now, &vc, sdu, len);
		break;
	case 2:
		mars_server_leaf_lost(w->srv, now, 1 + st->arg % PEERS);
		break;
	case 3:
		mars_server_redirect_now(w->srv, now);
		break;
	case 4:
		for (i = 0; i < st->arg % 5; i++)
			table_atm(&list[i], (unsigned)i + 4);
		FZ_CHECK(mars_server_set_redirect_map(w->srv, list,
		    st->arg % 5, (st->arg & 0x10) != 0) == 0);
		break;
	case 5:
		(void)mars_server_import_member(w->srv, now, &a, cmi,
		    (st->arg & 0x08) ? 0 : 1 + st->arg % PEERS);
		break;
	case 6:
		(void)mars_server_import_deregister(w->srv, now, &a);
		break;
	case 7:
		(void)mars_server_import_cmi(w->srv, now, &a, cmi);
		break;
	case 8:
		group_of(w, st, g1);
		memcpy(g2, g1, sizeof(g2));
		if (st->len > 16)
			group_of(w, &(struct fz_step){ .data = st->data + 16,
			    .len = st->len - 16 }, g2);
		if (st->arg & 0x10)
			(void)mars_server_relay_group(w->srv, now, &a, g1, g2,
			    (st->arg & 0x20) != 0, (st->arg & 0x08) != 0);
		else
			(void)mars_server_import_group(w->srv, now, &a, g1, g2,
			    (st->arg & 0x20) != 0, (st->arg & 0x08) != 0);
		break;
	case 9:
		group_of(w, st, g1);
		if (st->arg & 0x20)
			(void)mars_server_import_mcs(w->srv, now, &a,
			    1 + st->arg % PEERS, (st->arg & 0x08) != 0);
		else if (st->arg & 0x10)
			(void)mars_server_relay_serve(w->srv, now, &a, g1,
			    (st->arg & 0x08) != 0);
		else
			(void)mars_server_import_serve(w->srv, now, &a, g1,
			    (st->arg & 0x08) != 0);
		break;
	case 10:
		(void)mars_server_mcs_revert(w->srv, now, &a);
		break;
	case 11:
		(void)mars_server_forget_member(w->srv, now, &a);
		break;
	case 12:
		(void)mars_server_set_cmi_block(w->srv, cmi,
		    st->len >= 4 ? (uint16_t)(st->data[2] << 8 | st->data[3]) :
		    cmi);
		if (st->arg & 1)
			mars_server_redirect_stop(w->srv);
		break;
	}
}

/* Tables and counters agree with each other. */
static void
check(const struct world *w, size_t consumed)
{
	const struct mars_server_stats *st = mars_server_get_stats(w->srv);
	struct mars_server_member_info mi;
	struct mars_server_group_info gi;
	struct mars_server_mcs_info ci;
	uint64_t tx = 0;
	uint32_t cur, nreg = 0, ngrp = 0, nmcs = 0;
	unsigned op;

	for (op = 0; op <= MARS_OP_MAX; op++)
		tx += st->tx[op];
	FZ_CHECK(st->encode_errors == 0);
	FZ_CHECK(tx == w->sends);
	FZ_CHECK(st->tx_ccvc + st->tx_scvc + st->tx_private == w->sends);
	for (cur = 0; mars_server_member_next(w->srv, &cur, &mi); ) {
		FZ_CHECK(mi.cmi != 0);
		if (mi.registered)
			nreg++;
	}
	FZ_CHECK(nreg == mars_server_member_count(w->srv));
	for (cur = 0; mars_server_group_next(w->srv, &cur, &gi); )
		ngrp++;
	FZ_CHECK(ngrp == mars_server_group_count(w->srv));
	for (cur = 0; mars_server_mcs_next(w->srv, &cur, &ci); )
		nmcs++;
	FZ_CHECK(nmcs == mars_server_mcs_count(w->srv));
	/* What the steps can register, join and serve; never more. */
	FZ_CHECK(mars_server_mem_usage(w->srv) <= (1u << 20) + 64 * consumed);
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
	fz_init(&r, data + 1, size - 1);
	next = mars_server_tick(w.srv, now);
	ticks = 0;
	while (fz_next(&r, &st) && ticks < FZ_TICKS_MAX) {
		to = now + st.delay;
		while (next <= to && ticks++ < FZ_TICKS_MAX) {
			if (next > now)
				now = next;
			next = mars_server_tick(w.srv, now);
			FZ_CHECK(next > now);
		}
		now = to;
		step(&w, now, &st);
		next = mars_server_tick(w.srv, now);
		FZ_CHECK(next > now);
		check(&w, size);
	}
	mars_server_free(w.srv);
	return 0;
}
