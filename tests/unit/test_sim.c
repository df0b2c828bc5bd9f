/*
 * The deterministic simulator (sim.h) with a toy machine: queue order,
 * the network model (delay, jitter, loss, duplicates, partitions), node
 * faults, pt-mpt fan-out, the event budget, determinism and scripting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mars/capture.h"
#include "mars/sim.h"

/* ---- a toy machine ---- */

#define TOY_RX_MAX	20000

struct toy_rx {
	mars_time_t	 t;
	struct mars_vc	 vc;
	uint32_t	 seq;
};

struct toy {
	const struct mars_io *io;
	struct toy_rx	*rx;
	size_t		 nrx;
	mars_time_t	 next;		/* timer */
	mars_time_t	 period;	/* > 0: periodic timer */
	unsigned	 ticks;
	bool		 echo;		/* reply on the arrival VC */
	bool		 busy;		/* tick returns now: never ends */
	bool		 report;	/* an fsm event per arrival */
	int		*frees;
	unsigned	 kills;
	unsigned	 restarts;
};

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
toy_send(struct toy *t, const struct mars_vc *vc, uint32_t seq)
{
	uint8_t b[4] = { (uint8_t)(seq >> 24), (uint8_t)(seq >> 16),
	    (uint8_t)(seq >> 8), (uint8_t)seq };

	t->io->send(t->io->ctx, vc, b, sizeof(b));
}

static void
toy_input(void *m, mars_time_t now, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len)
{
	struct toy *t = m;
	struct mars_event ev;
	uint32_t seq;

	assert_int_equal(len, 4);
	seq = get32(sdu);
	assert_true(t->nrx < TOY_RX_MAX);
	t->rx[t->nrx].t = now;
	t->rx[t->nrx].vc = *vc;
	t->rx[t->nrx].seq = seq;
	t->nrx++;
	if (t->report) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = MARS_EV_MULTI;
		ev.when = now;
		ev.count = seq;
		ev.detail = "rx";
		t->io->event(t->io->ctx, &ev);
	}
	if (t->echo)
		toy_send(t, vc, seq + 1);
}

static mars_time_t
toy_tick(void *m, mars_time_t now)
{
	struct toy *t = m;

	if (t->busy)
		return now;
	if (t->next <= now) {
		t->ticks++;
		t->next = t->period ? now + t->period : MARS_TIME_NEVER;
	}
	return t->next;
}

static void
toy_kill(void *m, mars_time_t now)
{
	((struct toy *)m)->kills++;
}

static void
toy_restart(void *m, mars_time_t now)
{
	((struct toy *)m)->restarts++;
}

static void
toy_free(void *m)
{
	struct toy *t = m;

	if (t->frees != NULL)
		(*t->frees)++;
	free(t->rx);
	free(t);
}

static const struct mars_sim_node_ops toy_ops = {
	.input = toy_input,
	.tick = toy_tick,
	.on_kill = toy_kill,
	.on_restart = toy_restart,
	.free = toy_free,
};

static struct toy *
toy_new(struct mars_sim *s, uint32_t node)
{
	struct toy *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->rx = calloc(TOY_RX_MAX, sizeof(*t->rx));
	assert_non_null(t->rx);
	t->io = mars_sim_node_io(s, node);
	t->next = MARS_TIME_NEVER;
	return t;
}

static uint32_t
add_toy(struct mars_sim *s, const char *name, struct toy **tp)
{
	uint32_t id;
	struct toy *t;

	id = mars_sim_node_add(s, name, &toy_ops, NULL);
	assert_int_not_equal(id, MARS_SIM_NODE_NONE);
	t = toy_new(s, id);
	assert_int_equal(mars_sim_node_set_machine(s, id, t), 0);
	if (tp != NULL)
		*tp = t;
	return id;
}

/* ---- message trace ---- */

struct trace {
	unsigned	 fate[MARS_SIM_NO_VC + 1];
	mars_time_t	 min_lat, max_lat;
	unsigned	 ndup;
	uint8_t		 lost[10000];	/* by seq */
};

static void
on_msg(void *ctx, const struct mars_sim_msg *m)
{
	struct trace *tr = ctx;
	mars_time_t lat;
	uint32_t seq;

	tr->fate[m->fate]++;
	if (m->duplicate)
		tr->ndup++;
	if (m->fate == MARS_SIM_DELIVERED) {
		lat = m->time - m->sent;
		if (lat < tr->min_lat)
			tr->min_lat = lat;
		if (lat > tr->max_lat)
			tr->max_lat = lat;
	}
	if (m->fate == MARS_SIM_LOST && m->len == 4) {
		seq = get32(m->sdu);
		if (seq < 10000)
			tr->lost[seq] = 1;
	}
}

static struct mars_sim *
new_sim(uint64_t seed, struct trace *tr)
{
	struct mars_sim_conf c;
	struct mars_sim *s;

	memset(&c, 0, sizeof(c));
	c.seed = seed;
	if (tr != NULL) {
		memset(tr, 0, sizeof(*tr));
		tr->min_lat = MARS_TIME_NEVER;
		c.on_msg = on_msg;
		c.ctx = tr;
	}
	assert_int_equal(mars_sim_new(&s, &c, NULL), 0);
	return s;
}

/* ---- queue order ---- */

struct order {
	int		 seen[16];
	mars_time_t	 at[16];
	int		 n;
	struct mars_sim	*s;
};

static struct order order;
static int order_tags[16];

static void
record(struct mars_sim *s, void *arg)
{
	order.seen[order.n] = *(int *)arg;
	order.at[order.n] = mars_sim_now(s);
	order.n++;
}

static void
test_order_fifo(void **state)
{
	struct mars_sim *s = new_sim(1, NULL);
	int i;

	memset(&order, 0, sizeof(order));
	for (i = 0; i < 16; i++)
		order_tags[i] = i;
	/* Equal times keep the order of scheduling; earlier times first. */
	assert_int_equal(mars_sim_at(s, 100, record, &order_tags[0]), 0);
	assert_int_equal(mars_sim_at(s, 50, record, &order_tags[1]), 0);
	assert_int_equal(mars_sim_at(s, 100, record, &order_tags[2]), 0);
	assert_int_equal(mars_sim_at(s, 100, record, &order_tags[3]), 0);
	assert_int_equal(mars_sim_at(s, 50, record, &order_tags[4]), 0);
	assert_int_equal(mars_sim_at(s, 200, record, &order_tags[5]), 0);
	assert_int_equal(mars_sim_next_time(s), 50);
	assert_int_equal(mars_sim_run_until(s, 150), 0);
	assert_int_equal(mars_sim_now(s), 150);
	assert_int_equal(order.n, 5);
	assert_int_equal(order.seen[0], 1);
	assert_int_equal(order.seen[1], 4);
	assert_int_equal(order.seen[2], 0);
	assert_int_equal(order.seen[3], 2);
	assert_int_equal(order.seen[4], 3);
	assert_int_equal(order.at[0], 50);
	assert_int_equal(order.at[4], 100);
	/* The past is closed. */
	assert_int_equal(mars_sim_at(s, 149, record, &order_tags[6]), MARS_E_INVAL);
	assert_int_equal(mars_sim_step(s), 1);
	assert_int_equal(order.n, 6);
	assert_int_equal(order.at[5], 200);
	assert_int_equal(mars_sim_step(s), 0);
	assert_int_equal(mars_sim_run_for(s, 1000), 0);
	assert_int_equal(mars_sim_now(s), 1200);
	mars_sim_free(s);
}

/* ---- delay, jitter, FIFO on a VC ---- */

struct sender {
	struct mars_sim	*s;
	uint32_t	 node;
	struct mars_vc	 vc;
	uint32_t	 seq;
	unsigned	 count;
	mars_time_t	 every;
};

/* Sends count SDUs numbered seq.., one every `every` ms from now. */
static void
send_some(struct mars_sim *s, void *arg)
{
	struct sender *sd = arg;
	const struct mars_io *io = mars_sim_node_io(s, sd->node);
	uint8_t b[4];

	b[0] = (uint8_t)(sd->seq >> 24);
	b[1] = (uint8_t)(sd->seq >> 16);
	b[2] = (uint8_t)(sd->seq >> 8);
	b[3] = (uint8_t)sd->seq;
	io->send(io->ctx, &sd->vc, b, 4);
	sd->seq++;
	if (--sd->count > 0)
		assert_int_equal(mars_sim_at(s, mars_sim_now(s) + sd->every, send_some,
		    sd), 0);
}

static void
test_delay_jitter(void **state)
{
	struct trace tr;
	struct mars_sim *s = new_sim(7, &tr);
	struct mars_sim_net net = { .delay = 5, .jitter = 10 };
	struct sender sd;
	struct toy *tb;
	uint32_t a, b, ia, ib;
	size_t i;

	mars_sim_set_net(s, &net);
	a = add_toy(s, "A", NULL);
	b = add_toy(s, "B", &tb);
	assert_int_equal(mars_sim_vc_p2p(s, a, b, &ia, &ib), 0);
	memset(&sd, 0, sizeof(sd));
	sd.node = a;
	sd.vc.kind = MARS_VC_P2P;
	sd.vc.id = ia;
	sd.count = 1000;
	sd.every = 1;		/* faster than the jitter: FIFO matters */
	assert_int_equal(mars_sim_at(s, 0, send_some, &sd), 0);
	assert_int_equal(mars_sim_run_for(s, 5000), 0);
	assert_int_equal(tb->nrx, 1000);
	assert_true(tr.min_lat >= 5);
	assert_true(tr.max_lat <= 15);
	assert_true(tr.max_lat > tr.min_lat);
	for (i = 0; i < tb->nrx; i++) {
		assert_int_equal(tb->rx[i].seq, i);	/* never reordered */
		assert_int_equal(tb->rx[i].vc.kind, MARS_VC_P2P);
		assert_int_equal(tb->rx[i].vc.id, ib);
		if (i > 0)
			assert_true(tb->rx[i].t >= tb->rx[i - 1].t);
	}
	assert_int_equal(mars_sim_get_stats(s)->delivered, 1000);
	mars_sim_free(s);
}

/* ---- loss ---- */

static unsigned
loss_run(uint64_t seed, struct trace *tr, unsigned *got)
{
	struct mars_sim *s = new_sim(seed, tr);
	struct mars_sim_net net = { .delay = 1, .loss_ppm = 100000 };	/* 10% */
	struct sender sd;
	struct toy *tb;
	uint32_t a, b, ia;
	unsigned lost;

	a = add_toy(s, "A", NULL);
	b = add_toy(s, "B", &tb);
	assert_int_equal(mars_sim_vc_p2p(s, a, b, &ia, NULL), 0);
	/* A per-VC model: the global one stays perfect. */
	assert_int_equal(mars_sim_vc_net(s, a, ia, &net), 0);
	memset(&sd, 0, sizeof(sd));
	sd.node = a;
	sd.vc.kind = MARS_VC_P2P;
	sd.vc.id = ia;
	sd.count = 10000;
	sd.every = 1;
	assert_int_equal(mars_sim_at(s, 0, send_some, &sd), 0);
	assert_int_equal(mars_sim_run_for(s, 20000), 0);
	lost = (unsigned)mars_sim_get_stats(s)->lost;
	*got = (unsigned)tb->nrx;
	mars_sim_free(s);
	return lost;
}

static void
test_loss_rate(void **state)
{
	static struct trace t1, t2, t3;
	unsigned l1, l2, l3, g1, g2, g3;

	l1 = loss_run(42, &t1, &g1);
	assert_true(l1 > 900 && l1 < 1100);
	assert_int_equal(l1 + g1, 10000);
	assert_int_equal(t1.fate[MARS_SIM_LOST], l1);
	/* Same seed: the very same SDUs are lost. */
	l2 = loss_run(42, &t2, &g2);
	assert_int_equal(l1, l2);
	assert_int_equal(g1, g2);
	assert_memory_equal(t1.lost, t2.lost, sizeof(t1.lost));
	/* Another seed: other SDUs. */
	l3 = loss_run(43, &t3, &g3);
	assert_true(l3 > 900 && l3 < 1100);
	assert_true(memcmp(t1.lost, t3.lost, sizeof(t1.lost)) != 0);
}

static void
test_duplicates(void **state)
{
	struct trace tr;
	struct mars_sim *s = new_sim(3, &tr);
	struct mars_sim_net net = { .delay = 2, .dup_ppm = 500000 };
	struct sender sd;
	struct toy *tb;
	uint32_t a, b, ia;

	mars_sim_set_net(s, &net);
	a = add_toy(s, "A", NULL);
	b = add_toy(s, "B", &tb);
	assert_int_equal(mars_sim_vc_p2p(s, a, b, &ia, NULL), 0);
	memset(&sd, 0, sizeof(sd));
	sd.node = a;
	sd.vc.kind = MARS_VC_P2P;
	sd.vc.id = ia;
	sd.count = 1000;
	sd.every = 10;
	assert_int_equal(mars_sim_at(s, 0, send_some, &sd), 0);
	assert_int_equal(mars_sim_run_for(s, 20000), 0);
	assert_true(tr.ndup > 400 && tr.ndup < 600);
	assert_int_equal(tb->nrx, 1000 + tr.ndup);
	assert_int_equal(mars_sim_get_stats(s)->duplicated, tr.ndup);
	mars_sim_free(s);
}

/* ---- partitions ---- */

static void
send_one(struct mars_sim *s, uint32_t from, uint32_t id)
{
	const struct mars_io *io = mars_sim_node_io(s, from);
	struct mars_vc vc = { MARS_VC_P2P, id };
	uint8_t b[4] = { 0, 0, 0, 9 };

	io->send(io->ctx, &vc, b, 4);
}

static void
test_partition_heal(void **state)
{
	struct trace tr;
	struct mars_sim *s = new_sim(1, &tr);
	struct toy *ta, *tb, *tc;
	uint32_t a, b, c, ab, ba, ac, bc, cb;
	uint32_t sa[1], sb[1];
	int p;

	a = add_toy(s, "A", &ta);
	b = add_toy(s, "B", &tb);
	c = add_toy(s, "C", &tc);
	assert_int_equal(mars_sim_vc_p2p(s, a, b, &ab, &ba), 0);
	assert_int_equal(mars_sim_vc_p2p(s, a, c, &ac, NULL), 0);
	assert_int_equal(mars_sim_vc_p2p(s, b, c, &bc, &cb), 0);
	sa[0] = a;
	sb[0] = b;
	p = mars_sim_partition(s, sa, 1, sb, 1);
	assert_true(p >= 0);
	assert_true(mars_sim_cut(s, a, b));
	assert_true(mars_sim_cut(s, b, a));
	assert_false(mars_sim_cut(s, a, c));
	send_one(s, a, ab);
	send_one(s, b, ba);
	send_one(s, a, ac);
	send_one(s, b, bc);
	send_one(s, c, cb);
	assert_int_equal(mars_sim_run_for(s, 10), 0);
	assert_int_equal(ta->nrx, 0);
	assert_int_equal(tb->nrx, 1);		/* from C */
	assert_int_equal(tc->nrx, 2);		/* from A and B */
	assert_int_equal(tr.fate[MARS_SIM_CUT], 2);
	/* Overlapping sets are refused. */
	assert_int_equal(mars_sim_partition(s, sa, 1, sa, 1), MARS_E_INVAL);
	assert_int_equal(mars_sim_heal(s, p), 0);
	assert_int_equal(mars_sim_heal(s, p), MARS_E_INVAL);
	assert_false(mars_sim_cut(s, a, b));
	send_one(s, a, ab);
	send_one(s, b, ba);
	assert_int_equal(mars_sim_run_for(s, 10), 0);
	assert_int_equal(ta->nrx, 1);
	assert_int_equal(tb->nrx, 2);
	/* Heal everything at once. */
	sb[0] = c;
	assert_true(mars_sim_partition(s, sa, 1, sb, 1) >= 0);
	sa[0] = b;
	assert_true(mars_sim_partition(s, sa, 1, sb, 1) >= 0);
	assert_true(mars_sim_cut(s, a, c) && mars_sim_cut(s, b, c));
	assert_int_equal(mars_sim_heal(s, -1), 0);
	assert_false(mars_sim_cut(s, a, c) || mars_sim_cut(s, b, c));
	mars_sim_free(s);
}

/* ---- faults ---- */

static void
test_kill_hang_resume_restart(void **state)
{
	struct trace tr;
	struct mars_sim *s = new_sim(1, &tr);
	struct mars_sim_net net = { .delay = 50 };
	struct toy *ta, *tb, *tb2;
	uint32_t a, b, ab, ba;
	unsigned ticks;
	int frees = 0;

	mars_sim_set_net(s, &net);
	a = add_toy(s, "A", &ta);
	b = add_toy(s, "B", &tb);
	tb->frees = &frees;
	assert_int_equal(mars_sim_vc_p2p(s, a, b, &ab, &ba), 0);
	tb->next = 100;
	tb->period = 100;
	assert_int_equal(mars_sim_wake(s, b), 0);
	assert_int_equal(mars_sim_run_until(s, 1000), 0);
	assert_int_equal(tb->ticks, 10);		/* 100, 200, ... 1000 */

	/* Hang: no ticks, nothing received, nothing sent. */
	assert_int_equal(mars_sim_hang(s, b), 0);
	assert_int_equal(mars_sim_node_state(s, b), MARS_SIM_NODE_HUNG);
	assert_int_equal(mars_sim_hang(s, b), MARS_E_INVAL);
	send_one(s, a, ab);
	send_one(s, b, ba);
	assert_int_equal(mars_sim_run_until(s, 1550), 0);
	assert_int_equal(tb->ticks, 10);
	assert_int_equal(tb->nrx, 0);
	assert_int_equal(ta->nrx, 0);
	assert_int_equal(tr.fate[MARS_SIM_DOWN], 1);
	assert_int_equal(tr.fate[MARS_SIM_SENDER_DOWN], 1);
	/* Resume: the overdue timer fires at once, state kept. */
	assert_int_equal(mars_sim_resume(s, b), 0);
	assert_int_equal(mars_sim_run_until(s, 1550), 0);
	assert_int_equal(tb->ticks, 11);
	assert_int_equal(mars_sim_run_until(s, 1900), 0);
	assert_int_equal(tb->ticks, 14);		/* 1650, 1750, 1850 */
	send_one(s, a, ab);
	assert_int_equal(mars_sim_run_until(s, 2000), 0);
	assert_int_equal(tb->nrx, 1);

	/* Kill: the hook runs, ticks stop, arrivals drop. */
	assert_int_equal(mars_sim_kill(s, b), 0);
	assert_int_equal(tb->kills, 1);
	assert_int_equal(mars_sim_resume(s, b), MARS_E_INVAL);
	ticks = tb->ticks;
	send_one(s, a, ab);
	assert_int_equal(mars_sim_run_until(s, 3000), 0);
	assert_int_equal(tb->ticks, ticks);
	assert_int_equal(tb->nrx, 1);
	assert_int_equal(tr.fate[MARS_SIM_DOWN], 2);

	/* Restart: the old machine is released; the VC id still reaches it,
	 * but what was in flight to the old incarnation is dropped. */
	assert_int_equal(mars_sim_pmp_leaf(s, b, MARS_VC_CCVC, a, true), 0);
	send_one(s, a, ab);			/* arrives at 3050 */
	assert_int_equal(mars_sim_run_until(s, 3010), 0);
	tb2 = toy_new(s, b);
	assert_int_equal(mars_sim_restart(s, b, tb2), 0);
	assert_int_equal(frees, 1);
	assert_int_equal(tb2->restarts, 1);
	assert_int_equal(mars_sim_node_machine(s, b), tb2);
	assert_int_equal(mars_sim_pmp_leaf_count(s, b, MARS_VC_CCVC), 0);
	assert_int_equal(mars_sim_run_until(s, 3100), 0);
	assert_int_equal(tb2->nrx, 0);
	assert_int_equal(tr.fate[MARS_SIM_DOWN], 3);
	send_one(s, a, ab);
	assert_int_equal(mars_sim_run_until(s, 3200), 0);
	assert_int_equal(tb2->nrx, 1);
	assert_int_equal(tb2->rx[0].vc.id, ba);
	send_one(s, b, ba);
	assert_int_equal(mars_sim_run_until(s, 3300), 0);
	assert_int_equal(ta->nrx, 1);
	mars_sim_free(s);
}

/* ---- pt-mpt ---- */

static void
test_pmp_fanout(void **state)
{
	struct trace tr;
	struct mars_sim *s = new_sim(1, &tr);
	struct toy *tl[3];
	uint32_t r, l[3], at_r[3], at_l[3];
	struct mars_vc cc = { MARS_VC_CCVC, 0 }, sc = { MARS_VC_SCVC, 0 };
	struct mars_vc bad = { MARS_VC_CCVC, 5 };
	const struct mars_io *io;
	uint8_t b[4] = { 0, 0, 0, 1 };
	int i;

	r = add_toy(s, "R", NULL);
	for (i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "L%d", i);
		l[i] = add_toy(s, name, &tl[i]);
		assert_int_equal(mars_sim_vc_p2p(s, l[i], r, &at_l[i], &at_r[i]),
		    0);
		/* Ids are per node: each leaf sees its first VC as 1. */
		assert_int_equal(at_l[i], 1);
		assert_int_equal(at_r[i], (uint32_t)i + 1);
		assert_int_equal(mars_sim_vc_peer(s, r, at_r[i], NULL), l[i]);
	}
	assert_int_equal(mars_sim_node_find(s, "L2"), l[2]);
	assert_int_equal(mars_sim_leaf_by_peer(s, r, MARS_VC_CCVC, at_r[0], true), 0);
	assert_int_equal(mars_sim_leaf_by_peer(s, r, MARS_VC_CCVC, at_r[2], true), 0);
	assert_int_equal(mars_sim_leaf_by_peer(s, r, MARS_VC_CCVC, at_r[2], true), 0);
	assert_int_equal(mars_sim_leaf_by_peer(s, r, MARS_VC_SCVC, at_r[1], true), 0);
	assert_int_equal(mars_sim_leaf_by_peer(s, r, MARS_VC_CCVC, 99, true),
	    MARS_E_INVAL);
	assert_int_equal(mars_sim_pmp_leaf_count(s, r, MARS_VC_CCVC), 2);
	io = mars_sim_node_io(s, r);
	io->send(io->ctx, &cc, b, 4);
	io->send(io->ctx, &sc, b, 4);
	io->send(io->ctx, &bad, b, 4);
	assert_int_equal(mars_sim_run_for(s, 1), 0);
	assert_int_equal(tl[0]->nrx, 1);
	assert_int_equal(tl[1]->nrx, 1);
	assert_int_equal(tl[2]->nrx, 1);
	assert_int_equal(tl[0]->rx[0].vc.kind, MARS_VC_CCVC);
	assert_int_equal(tl[0]->rx[0].vc.id, MARS_SIM_PMP_ID(r));
	assert_int_equal(tl[1]->rx[0].vc.kind, MARS_VC_SCVC);
	assert_int_equal(tl[2]->rx[0].vc.id, MARS_SIM_PMP_ID(r));
	assert_int_equal(tr.fate[MARS_SIM_NO_VC], 1);
	/* Removing a leaf (and a non-leaf, harmlessly). */
	assert_int_equal(mars_sim_leaf_by_peer(s, r, MARS_VC_CCVC, at_r[0], false),
	    0);
	assert_int_equal(mars_sim_leaf_by_peer(s, r, MARS_VC_CCVC, at_r[1], false),
	    0);
	io->send(io->ctx, &cc, b, 4);
	assert_int_equal(mars_sim_run_for(s, 1), 0);
	assert_int_equal(tl[0]->nrx, 1);
	assert_int_equal(tl[2]->nrx, 2);
	/* A leaf cannot send on the root's pt-mpt VC: it has none. */
	io = mars_sim_node_io(s, l[2]);
	io->send(io->ctx, &cc, b, 4);
	assert_int_equal(mars_sim_run_for(s, 1), 0);
	assert_int_equal(tl[0]->nrx + tl[1]->nrx + tl[2]->nrx, 4);
	mars_sim_free(s);
}

/* ---- what the senders send (sim_conf.on_send) ---- */

struct sends {
	unsigned	 n;
	struct mars_sim_msg last;
};

static void
on_send(void *ctx, const struct mars_sim_msg *m)
{
	struct sends *sn = ctx;

	sn->n++;
	sn->last = *m;
	sn->last.sdu = NULL;
}

/*
 * One report per SDU sent, whatever the network then does with it: a
 * pt-mpt SDU once for all its leaves, or none; one lost on the way.
 */
static void
test_on_send(void **state)
{
	struct mars_sim_conf c;
	struct mars_sim_net lossy = { .delay = 2, .loss_ppm = 1000000 };
	struct mars_sim *s;
	struct sends sn;
	struct mars_vc cc = { MARS_VC_CCVC, 0 }, p2p = { MARS_VC_P2P, 0 };
	const struct mars_io *io;
	uint32_t r, a, b, at_r, at_a, at_b;
	uint8_t buf[4] = { 0, 0, 0, 1 };

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&sn, 0, sizeof(sn));
	c.on_send = on_send;
	c.ctx = &sn;
	assert_int_equal(mars_sim_new(&s, &c, NULL), 0);
	r = add_toy(s, "R", NULL);
	a = add_toy(s, "A", NULL);
	b = add_toy(s, "B", NULL);
	assert_int_equal(mars_sim_vc_p2p(s, a, r, &at_a, &at_r), 0);
	assert_int_equal(mars_sim_vc_p2p(s, b, r, &at_b, &at_r), 0);
	io = mars_sim_node_io(s, r);
	/* No leaves yet: sent all the same. */
	io->send(io->ctx, &cc, buf, 4);
	assert_int_equal(sn.n, 1);
	assert_int_equal(sn.last.to, MARS_SIM_NODE_NONE);
	assert_int_equal(sn.last.vc_from.kind, MARS_VC_CCVC);
	assert_int_equal(mars_sim_pmp_leaf(s, r, MARS_VC_CCVC, a, true), 0);
	assert_int_equal(mars_sim_pmp_leaf(s, r, MARS_VC_CCVC, b, true), 0);
	mars_sim_set_net(s, &lossy);
	io->send(io->ctx, &cc, buf, 4);
	assert_int_equal(sn.n, 2);
	assert_int_equal(sn.last.from, r);
	/* Point to point: the other end and its VC id. */
	p2p.id = at_a;
	io = mars_sim_node_io(s, a);
	io->send(io->ctx, &p2p, buf, 4);
	assert_int_equal(sn.n, 3);
	assert_int_equal(sn.last.to, r);
	assert_int_equal(sn.last.vc_to.kind, MARS_VC_P2P);
	assert_int_equal(mars_sim_run_for(s, 10), 0);
	assert_int_equal(mars_sim_get_stats(s)->lost, 3);
	/* A hung node sends nothing; a VC it does not have is no send. */
	assert_int_equal(mars_sim_hang(s, a), 0);
	io->send(io->ctx, &p2p, buf, 4);
	p2p.id = 77;
	io = mars_sim_node_io(s, b);
	io->send(io->ctx, &p2p, buf, 4);
	assert_int_equal(sn.n, 3);
	mars_sim_free(s);
}

/*
 * The copies of pt-mpt sends, whatever the network does to them, arrive
 * as one queue item per copy would have made them: each leaf gets the
 * sends in order, and what arrives at one time comes send by send, leaf
 * by leaf in the VC's order.  A leaf added after a send does not get it,
 * one removed after still does, one restarted after drops it.
 */
#define FAN_LEAVES	40
#define FAN_SENDS	60

struct fan_rx {
	mars_time_t	 t;
	uint32_t	 send;
	uint32_t	 leaf;
	bool		 dup;
};

struct fan_log {
	struct fan_rx	 rx[FAN_LEAVES * FAN_SENDS * 2 + 16];
	size_t		 n;
	unsigned	 down;
};

static void
fan_on_msg(void *ctx, const struct mars_sim_msg *m)
{
	struct fan_log *fl = ctx;
	uint32_t seq;

	if (m->len != 4 || m->vc_to.kind != MARS_VC_CCVC)
		return;
	seq = get32(m->sdu);
	if (m->fate == MARS_SIM_DOWN)
		fl->down++;
	if (m->fate != MARS_SIM_DELIVERED)
		return;
	assert_true(fl->n < sizeof(fl->rx) / sizeof(fl->rx[0]));
	fl->rx[fl->n].t = m->time;
	fl->rx[fl->n].send = seq;
	fl->rx[fl->n].leaf = m->to;
	fl->rx[fl->n].dup = m->duplicate;
	fl->n++;
}

static void
fan_send(struct mars_sim *s, uint32_t root, uint32_t seq)
{
	const struct mars_io *io = mars_sim_node_io(s, root);
	struct mars_vc cc = { MARS_VC_CCVC, 0 };
	uint8_t b[4] = { (uint8_t)(seq >> 24), (uint8_t)(seq >> 16),
	    (uint8_t)(seq >> 8), (uint8_t)seq };

	io->send(io->ctx, &cc, b, 4);
}

/* Leaf l's position on the VC for send k: the leaves as added. */
static void
fan_check(const struct fan_log *fl, const uint32_t *leaf, size_t nleaf)
{
	const struct fan_rx *a, *b;
	uint32_t last[FAN_LEAVES + 8];
	size_t i, pa, pb;

	memset(last, 0, sizeof(last));
	for (i = 0; i < fl->n; i++) {
		a = &fl->rx[i];
		/* each leaf: the sends in order (a duplicate repeats one) */
		assert_true(a->leaf < FAN_LEAVES + 8);
		assert_true(a->send >= last[a->leaf]);
		assert_true(a->send > last[a->leaf] || a->dup);
		last[a->leaf] = a->send;
		if (i == 0)
			continue;
		b = &fl->rx[i - 1];
		assert_true(a->t >= b->t);
		if (a->t != b->t || a->send != b->send)
			continue;
		/* one send's copies at one time: in leaf order */
		for (pa = pb = 0; pa < nleaf && leaf[pa] != a->leaf; pa++)
			;
		for (; pb < nleaf && leaf[pb] != b->leaf; pb++)
			;
		assert_true(pa > pb || (pa == pb && a->dup));
	}
}

static void
fan_run(const struct mars_sim_net *net, bool cut)
{
	static struct fan_log fl;
	struct mars_sim_conf c;
	struct mars_sim *s;
	uint32_t r, l[FAN_LEAVES], k;
	struct toy *tl[FAN_LEAVES];
	size_t i;

	memset(&fl, 0, sizeof(fl));
	memset(&c, 0, sizeof(c));
	c.seed = 11;
	c.on_msg = fan_on_msg;
	c.ctx = &fl;
	assert_int_equal(mars_sim_new(&s, &c, NULL), 0);
	r = add_toy(s, "R", NULL);
	for (i = 0; i < FAN_LEAVES; i++) {
		l[i] = add_toy(s, "L", &tl[i]);
		assert_int_equal(mars_sim_pmp_leaf(s, r, MARS_VC_CCVC, l[i], true),
		    0);
	}
	mars_sim_set_net(s, net);
	for (k = 1; k <= FAN_SENDS; k++) {
		fan_send(s, r, k);
		if (k == FAN_SENDS / 3) {
			/* the model changes: copies in flight arrive later
			 * than the new delay would bring the next ones */
			struct mars_sim_net fast = *net;

			fast.delay = net->delay / 4;
			mars_sim_set_net(s, &fast);
		}
		if (cut && k == FAN_SENDS / 2)
			assert_true(mars_sim_partition(s, &r, 1, &l[3], 1) >= 0);
		if (cut && k == FAN_SENDS / 2 + 5)
			assert_int_equal(mars_sim_heal(s, -1), 0);
		assert_int_equal(mars_sim_run_for(s, k % 3), 0);
	}
	assert_int_equal(mars_sim_run_for(s, 10000), 0);
	fan_check(&fl, l, FAN_LEAVES);
	if (net->loss_ppm == 0 && net->dup_ppm == 0 && !cut) {
		assert_int_equal(fl.n, FAN_LEAVES * FAN_SENDS);
		for (i = 0; i < FAN_LEAVES; i++)
			assert_int_equal(tl[i]->nrx, FAN_SENDS);
	}
	mars_sim_free(s);
}

static void
test_pmp_fanout_order(void **state)
{
	struct mars_sim_net plain = { .delay = 8 };
	struct mars_sim_net jitter = { .delay = 8, .jitter = 6 };
	struct mars_sim_net rough = { .delay = 8, .jitter = 3,
	    .loss_ppm = 100000, .dup_ppm = 100000 };

	(void)state;
	fan_run(&plain, false);
	fan_run(&jitter, false);
	fan_run(&rough, false);
	fan_run(&plain, true);
}

/* The leaf set a send goes to is the one at the send. */
static void
test_pmp_leaves_at_send(void **state)
{
	static struct fan_log fl;
	struct mars_sim_conf c;
	struct mars_sim_net net = { .delay = 10 };
	struct mars_sim *s;
	struct toy *ta, *tb, *tc, *tc2;
	uint32_t r, a, b, cc;

	(void)state;
	memset(&fl, 0, sizeof(fl));
	memset(&c, 0, sizeof(c));
	c.on_msg = fan_on_msg;
	c.ctx = &fl;
	assert_int_equal(mars_sim_new(&s, &c, NULL), 0);
	mars_sim_set_net(s, &net);
	r = add_toy(s, "R", NULL);
	a = add_toy(s, "A", &ta);
	b = add_toy(s, "B", &tb);
	cc = add_toy(s, "C", &tc);
	assert_int_equal(mars_sim_pmp_leaf(s, r, MARS_VC_CCVC, a, true), 0);
	assert_int_equal(mars_sim_pmp_leaf(s, r, MARS_VC_CCVC, b, true), 0);
	assert_int_equal(mars_sim_pmp_leaf(s, r, MARS_VC_CCVC, cc, true), 0);
	fan_send(s, r, 1);			/* A, B, C */
	assert_int_equal(mars_sim_pmp_leaf(s, r, MARS_VC_CCVC, b, false), 0);
	fan_send(s, r, 2);			/* A, C */
	assert_int_equal(mars_sim_pmp_leaf(s, r, MARS_VC_CCVC, b, true), 0);
	assert_int_equal(tc->nrx, 0);
	tc2 = toy_new(s, cc);			/* tc goes with the restart */
	assert_int_equal(mars_sim_restart(s, cc, tc2), 0);	/* 1, 2 drop */
	fan_send(s, r, 3);			/* A, C, B */
	assert_int_equal(mars_sim_run_for(s, 100), 0);
	assert_int_equal(ta->nrx, 3);
	assert_int_equal(tb->nrx, 2);
	assert_int_equal(tb->rx[0].seq, 1);
	assert_int_equal(tb->rx[1].seq, 3);
	assert_int_equal(tc2->nrx, 1);
	assert_int_equal(tc2->rx[0].seq, 3);
	assert_int_equal(fl.down, 2);
	/* send 3 went A, C, B: the order of the leaves then */
	assert_int_equal(fl.n, 6);
	assert_int_equal(fl.rx[3].leaf, a);
	assert_int_equal(fl.rx[4].leaf, cc);
	assert_int_equal(fl.rx[5].leaf, b);
	mars_sim_free(s);
}

/* ---- the event budget ---- */

static void
test_event_budget(void **state)
{
	struct mars_sim_conf c;
	struct mars_sim *s;
	struct toy *ta, *tb;
	uint32_t a, b, ab;

	memset(&c, 0, sizeof(c));
	c.max_events = 1000;
	assert_int_equal(mars_sim_new(&s, &c, NULL), 0);
	/* A timer that is always due. */
	a = add_toy(s, "A", &ta);
	ta->busy = true;
	assert_int_equal(mars_sim_wake(s, a), 0);
	assert_int_equal(mars_sim_run_until(s, 10), MARS_SIM_E_BUDGET);
	assert_int_equal(mars_sim_now(s), 0);
	ta->busy = false;
	assert_int_equal(mars_sim_run_until(s, 10), 0);
	assert_int_equal(mars_sim_now(s), 10);
	/* Ping-pong in zero time. */
	b = add_toy(s, "B", &tb);
	assert_int_equal(mars_sim_vc_p2p(s, a, b, &ab, NULL), 0);
	ta->echo = tb->echo = true;
	send_one(s, a, ab);
	assert_int_equal(mars_sim_run_for(s, 1), MARS_SIM_E_BUDGET);
	assert_true(ta->nrx + tb->nrx >= 900);
	mars_sim_free(s);
}

/* ---- determinism and the log ---- */

static void
chatter(uint64_t seed, struct mars_out *ob, bool json)
{
	struct mars_sim *s = new_sim(seed, NULL);
	struct mars_sim_net net = { .delay = 3, .jitter = 20, .loss_ppm = 200000,
	    .dup_ppm = 100000 };
	struct sender sd[3];
	struct toy *t;
	uint32_t n[4], id;
	int i;

	mars_sim_set_net(s, &net);
	for (i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "N%d", i);
		n[i] = add_toy(s, name, &t);
		t->report = true;
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(mars_sim_vc_p2p(s, n[i], n[3], &id, NULL), 0);
		memset(&sd[i], 0, sizeof(sd[i]));
		sd[i].node = n[i];
		sd[i].vc.kind = MARS_VC_P2P;
		sd[i].vc.id = id;
		sd[i].seq = 1000u * (unsigned)i;
		sd[i].count = 100;
		sd[i].every = 7;
		assert_int_equal(mars_sim_at(s, (mars_time_t)i, send_some, &sd[i]),
		    0);
	}
	assert_int_equal(mars_sim_run_for(s, 5000), 0);
	assert_true(mars_sim_log_count(s) > 150);
	mars_sim_log_print(s, ob, json);
	mars_sim_free(s);
}

static void
test_determinism(void **state)
{
	static char b1[1 << 16], b2[1 << 16], b3[1 << 16];
	struct mars_out o1, o2, o3;

	mars_out_init(&o1, -1, b1, sizeof(b1));
	mars_out_init(&o2, -1, b2, sizeof(b2));
	mars_out_init(&o3, -1, b3, sizeof(b3));
	chatter(99, &o1, false);
	chatter(99, &o2, false);
	chatter(100, &o3, false);
	assert_true(o1.len > 1000 && o1.len < sizeof(b1));
	assert_int_equal(o1.len, o2.len);
	assert_memory_equal(b1, b2, o1.len);
	assert_true(o1.len != o3.len || memcmp(b1, b3, o1.len) != 0);
	/* JSON likewise. */
	mars_out_init(&o1, -1, b1, sizeof(b1));
	mars_out_init(&o2, -1, b2, sizeof(b2));
	chatter(5, &o1, true);
	chatter(5, &o2, true);
	assert_int_equal(o1.len, o2.len);
	assert_memory_equal(b1, b2, o1.len);
	assert_memory_equal(b1, "{\"time\":", 8);
}

static void
test_log_format(void **state)
{
	struct mars_sim *s = new_sim(1, NULL);
	const struct mars_io *io;
	struct mars_event ev;
	const struct mars_event *e;
	static const uint8_t atm[3] = { 0x47, 0x00, 0x91 };
	static const uint8_t grp[4] = { 224, 1, 2, 3 };
	char buf[1024];
	struct mars_out ob;
	size_t cur = 0;
	uint32_t m;

	m = mars_sim_node_add(s, "M1", &toy_ops, NULL);
	io = mars_sim_node_io(s, m);
	assert_int_equal(mars_sim_run_until(s, 12345), 0);
	memset(&ev, 0, sizeof(ev));
	ev.kind = MARS_EV_JOINED;
	ev.atm = atm;
	ev.atm_tl = 3;
	ev.cmi = 7;
	ev.csn = 42;
	ev.group = grp;
	ev.group_len = 4;
	ev.detail = "a \"quoted\" why";
	io->event(io->ctx, &ev);
	mars_sim_note(s, MARS_SIM_NODE_NONE, "drill starts");
	assert_int_equal(mars_sim_log_count(s), 2);
	e = mars_sim_log_next(s, &cur);
	assert_non_null(e);
	assert_int_equal(e->when, 12345);
	assert_int_equal(e->entity, m);
	assert_int_equal(e->atm_tl & MARS_ATM_TL_LEN, 3);
	assert_memory_equal(e->group, grp, 4);
	assert_non_null(mars_sim_log_next(s, &cur));
	assert_null(mars_sim_log_next(s, &cur));

	mars_out_init(&ob, -1, buf, sizeof(buf));
	mars_sim_log_print(s, &ob, false);
	mars_out_putc(&ob, '\0');
	assert_string_equal(buf,
	    "      12.345 M1 joined cmi=7 csn=42 atm=470091 group=224.1.2.3"
	    " detail=\"a \\\"quoted\\\" why\"\n"
	    "      12.345 - note detail=\"drill starts\"\n");
	mars_out_init(&ob, -1, buf, sizeof(buf));
	mars_sim_event_print(s, mars_sim_log_get(s, 0), &ob, true);
	mars_out_putc(&ob, '\0');
	assert_string_equal(buf,
	    "{\"time\":12345,\"node\":\"M1\",\"event\":\"joined\",\"cmi\":7,"
	    "\"csn\":42,\"count\":0,\"hard\":false,\"atm\":\"470091\","
	    "\"group\":\"224.1.2.3\",\"detail\":\"a \\\"quoted\\\" why\"}\n");
	assert_string_equal(mars_sim_event_kind_name(MARS_EV_MARS_FAILED),
	    "mars-failed");
	assert_string_equal(mars_sim_event_kind_name(MARS_SIM_EV_KILL), "kill");
	assert_string_equal(mars_sim_event_kind_name(999), "unknown");
	mars_sim_log_clear(s);
	assert_int_equal(mars_sim_log_count(s), 0);
	mars_sim_free(s);
}

/* ---- scripting ---- */

struct drill {
	uint32_t	 victim;
	int		 phase;
};

static void
drill_kill(struct mars_sim *s, void *arg)
{
	struct drill *d = arg;

	mars_sim_note(s, MARS_SIM_NODE_NONE, "kill B");
	assert_int_equal(mars_sim_kill(s, d->victim), 0);
	d->phase = 1;
}

static void
drill_plan(struct mars_sim *s, void *arg)
{
	/* Scripts may schedule more of the script. */
	assert_int_equal(mars_sim_at(s, 10000, drill_kill, arg), 0);
}

static void
test_script(void **state)
{
	struct mars_sim *s = new_sim(1, NULL);
	struct drill d;
	struct toy *tb;
	const struct mars_event *e;
	uint32_t b;

	add_toy(s, "A", NULL);
	b = add_toy(s, "B", &tb);
	tb->next = 1000;
	tb->period = 1000;
	memset(&d, 0, sizeof(d));
	d.victim = b;
	assert_int_equal(mars_sim_at(s, 500, drill_plan, &d), 0);
	assert_int_equal(mars_sim_run_until(s, 9999), 0);
	assert_int_equal(d.phase, 0);
	assert_int_equal(tb->ticks, 9);
	assert_int_equal(mars_sim_run_until(s, 20000), 0);
	assert_int_equal(d.phase, 1);
	/* The kill was queued (at 500) before the tick due at 10000. */
	assert_int_equal(tb->ticks, 9);
	assert_int_equal(mars_sim_node_state(s, b), MARS_SIM_NODE_DEAD);
	assert_int_equal(mars_sim_log_count(s), 2);
	e = mars_sim_log_get(s, 1);
	assert_int_equal(e->kind, MARS_SIM_EV_KILL);
	assert_int_equal(e->when, 10000);
	assert_string_equal(mars_sim_node_name(s, e->entity), "B");
	mars_sim_free(s);
}

/* ---- pcap ---- */

static void
test_pcap(void **state)
{
	struct mars_sim *s = new_sim(1, NULL);
	char path[] = "/tmp/test_sim_XXXXXX";
	char errbuf[MARS_CAP_ERRBUF_SIZE];
	struct mars_frame fr;
	struct mars_err err;
	struct mars_cap *c;
	uint32_t a, b, ab, ba;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	a = add_toy(s, "A", NULL);
	b = add_toy(s, "B", NULL);
	assert_int_equal(mars_sim_vc_p2p(s, a, b, &ab, &ba), 0);
	assert_int_equal(mars_sim_pmp_leaf(s, a, MARS_VC_CCVC, b, true), 0);
	assert_int_equal(mars_sim_pcap_open(s, path, errbuf), 0);
	assert_int_equal(mars_sim_run_until(s, 1500), 0);
	send_one(s, a, ab);
	send_one(s, b, ba);
	{
		const struct mars_io *io = mars_sim_node_io(s, a);
		struct mars_vc cc = { MARS_VC_CCVC, 0 };
		uint8_t x[4] = { 1, 2, 3, 4 };

		io->send(io->ctx, &cc, x, 4);
	}
	assert_int_equal(mars_sim_run_for(s, 1), 0);
	assert_int_equal(mars_sim_pcap_close(s), 0);
	mars_sim_free(s);

	assert_int_equal(mars_cap_open_file(&c, path, errbuf), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(mars_cap_next(c, &fr, &err), 1);
	assert_int_equal(fr.ts_sec, 1);
	assert_int_equal(fr.ts_usec, 500000);
	assert_true(fr.has_vc);
	assert_int_equal(fr.vci, 100);
	assert_int_equal(fr.dir, MARS_DIR_TX);
	assert_int_equal(mars_cap_next(c, &fr, &err), 1);
	assert_int_equal(fr.vci, 100);
	assert_int_equal(fr.dir, MARS_DIR_RX);
	assert_int_equal(mars_cap_next(c, &fr, &err), 1);
	assert_int_equal(fr.vci, 32);
	assert_int_equal(fr.caplen, 8);
	assert_int_equal(fr.data[7], 4);
	assert_int_equal(mars_cap_next(c, &fr, &err), 0);
	mars_cap_close(c);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_fifo),
		cmocka_unit_test(test_delay_jitter),
		cmocka_unit_test(test_loss_rate),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_partition_heal),
		cmocka_unit_test(test_kill_hang_resume_restart),
		cmocka_unit_test(test_pmp_fanout),
		cmocka_unit_test(test_on_send),
		cmocka_unit_test(test_pmp_fanout_order),
		cmocka_unit_test(test_pmp_leaves_at_send),
		cmocka_unit_test(test_event_budget),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_log_format),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_pcap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
