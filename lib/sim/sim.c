/*
 * The deterministic simulator (sim.h): virtual clock, event queue, nodes,
 * VCs, the seeded network model and fault injection.  The event log and
 * its printers are in sim_log.c, ready-made machine ops in sim_machines.c.
 *
 * The queue is a binary min-heap of items keyed by (time, sequence): the
 * sequence number is taken at insertion, so items due at the same time
 * run in the order they were queued and a run depends on nothing but the
 * seed and the script.  The copies of one pt-mpt SDU that arrive at the
 * same time are one item (SIM_IT_FANOUT) delivered leaf after leaf: as
 * one item per copy would have been, since their sequence numbers would
 * have followed each other, but a ClusterControlVC of N leaves costs one
 * queue operation instead of N.
 */
#include <stdlib.h>
#include <string.h>

#include "mars/sim.h"
#include "sim_int.h"

/* ---- growable arrays ---- */

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	if ((np = realloc(*p, ncap * size)) == NULL)
		return MARS_E_NOSPACE;
	*p = np;
	*cap = ncap;
	return 0;
}

/* Copy a NUL-terminated text into dst[cap], cut to fit; NULL gives "". */
static void
copy_text(char *dst, size_t cap, const char *src)
{
	size_t l = src != NULL ? strlen(src) : 0;

	if (l >= cap)
		l = cap - 1;
	if (l > 0)
		memcpy(dst, src, l);
	dst[l] = '\0';
}

/* ---- SDU buffers ---- */

static struct sim_buf *
buf_new(const uint8_t *sdu, size_t len)
{
	struct sim_buf *b;

	if ((b = malloc(sizeof(*b) + len)) == NULL)
		return NULL;
	b->refs = 0;
	b->len = len;
	if (len > 0)
		memcpy(b->data, sdu, len);
	return b;
}

static void
buf_unref(struct sim_buf *b)
{
	if (b != NULL && --b->refs == 0)
		free(b);
}

/* ---- the queue ---- */

static bool
item_before(const struct sim_item *x, const struct sim_item *y)
{
	return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static int
heap_push(struct mars_sim *s, struct sim_item *it)
{
	struct sim_item tmp;
	size_t i, up;

	if (grow((void **)&s->heap, &s->cap_heap, s->nheap + 1,
	    sizeof(*s->heap)) != 0)
		return MARS_E_NOSPACE;
	it->seq = s->seq++;
	i = s->nheap++;
	s->heap[i] = *it;
	while (i > 0) {
		up = (i - 1) / 2;
		if (!item_before(&s->heap[i], &s->heap[up]))
			break;
		tmp = s->heap[up];
		s->heap[up] = s->heap[i];
		s->heap[i] = tmp;
		i = up;
	}
	return 0;
}

static void
heap_pop(struct mars_sim *s, struct sim_item *out)
{
	struct sim_item tmp;
	size_t i, l, r, m;

	*out = s->heap[0];
	s->heap[0] = s->heap[--s->nheap];
	i = 0;
	for (;;) {
		l = 2 * i + 1;
		r = l + 1;
		m = i;
		if (l < s->nheap && item_before(&s->heap[l], &s->heap[m]))
			m = l;
		if (r < s->nheap && item_before(&s->heap[r], &s->heap[m]))
			m = r;
		if (m == i)
			break;
		tmp = s->heap[m];
		s->heap[m] = s->heap[i];
		s->heap[i] = tmp;
		i = m;
	}
}

/* ---- nodes and timers ---- */

static struct sim_node *
node_get(const struct mars_sim *s, uint32_t id)
{
	return id < s->nnodes ? s->nodes[id] : NULL;
}

static bool
node_runs(const struct sim_node *n)
{
	return n->state == MARS_SIM_NODE_UP && n->machine != NULL;
}

/* One tick at d (clamped to now), replacing the scheduled one. */
static void
schedule_tick(struct mars_sim *s, struct sim_node *n, mars_time_t d)
{
	struct sim_item it;

	if (d == n->tick_at)
		return;
	n->tick_gen++;
	n->tick_at = d;
	if (d == MARS_TIME_NEVER)
		return;
	memset(&it, 0, sizeof(it));
	it.t = d < s->now ? s->now : d;
	it.type = SIM_IT_TICK;
	it.node = n->id;
	it.gen = n->tick_gen;
	if (heap_push(s, &it) != 0)
		n->tick_at = MARS_TIME_NEVER;	/* retried at the next reread */
}

static void
cancel_tick(struct sim_node *n)
{
	n->tick_gen++;
	n->tick_at = MARS_TIME_NEVER;
}

/* The machine may have new timers: learn its next deadline. */
static void
reread(struct mars_sim *s, struct sim_node *n)
{
	mars_time_t d;

	if (!node_runs(n))
		return;
	if (n->ops->deadline != NULL)
		d = n->ops->deadline(n->machine);
	else
		d = n->ops->tick(n->machine, s->now);
	if (node_runs(n))
		schedule_tick(s, n, d);
}

static void
sim_happening(struct mars_sim *s, uint32_t node, int kind, uint32_t count,
    const char *detail)
{
	struct mars_event ev;

	mars_event_init(&ev, kind, s->now);
	ev.count = count;
	ev.detail = detail;
	sim_log_add(s, node, &ev);
}

/* ---- the network ---- */

static void
trace(struct mars_sim *s, const struct mars_sim_msg *m)
{
	switch (m->fate) {
	case MARS_SIM_DELIVERED:
		s->stats.delivered++;
		break;
	case MARS_SIM_LOST:
		s->stats.lost++;
		break;
	case MARS_SIM_CUT:
		s->stats.cut++;
		break;
	case MARS_SIM_DOWN:
	case MARS_SIM_SENDER_DOWN:
		s->stats.down++;
		break;
	case MARS_SIM_NO_VC:
		s->stats.no_vc++;
		break;
	}
	if (s->conf.on_msg != NULL)
		s->conf.on_msg(s->conf.ctx, m);
}

static void
trace_drop(struct mars_sim *s, uint32_t from, uint32_t to,
    const struct mars_vc *vc_from, const struct mars_vc *vc_to,
    const uint8_t *sdu, size_t len, int fate)
{
	struct mars_sim_msg m;

	memset(&m, 0, sizeof(m));
	m.time = s->now;
	m.sent = s->now;
	m.from = from;
	m.to = to;
	m.vc_from = *vc_from;
	if (vc_to != NULL)
		m.vc_to = *vc_to;
	m.sdu = sdu;
	m.len = len;
	m.fate = fate;
	trace(s, &m);
}

bool
mars_sim_cut(const struct mars_sim *s, uint32_t a, uint32_t b)
{
	const struct sim_part *p;
	uint8_t sa, sb;
	size_t i;

	if (s->nactive_parts == 0)
		return false;
	for (i = 0; i < s->nparts; i++) {
		p = &s->parts[i];
		if (!p->active)
			continue;
		sa = a < p->nside ? p->side[a] : 0;
		sb = b < p->nside ? p->side[b] : 0;
		if (sa != 0 && sb != 0 && sa != sb)
			return true;
	}
	return false;
}

/* Everything one copy of an SDU needs to cross one VC to one node. */
struct hop {
	struct sim_node		*from;
	const struct mars_vc	*vc_from;
	uint32_t		 to;
	struct mars_vc		 vc_to;
	mars_time_t		*last;		/* FIFO on this VC direction */
	const struct mars_sim_net	*net;
	uint16_t		 vci;
	bool			 from_first;
};

/*
 * One copy crosses the network: partition and loss are decided now, the
 * arrival is delay + jitter from now but never before the previous SDU
 * on the same VC direction (AAL5 VCs do not reorder).  Draws are made in
 * a fixed order (loss, jitter, duplicate) so runs repeat exactly.  False
 * when it is dropped; else its arrival *tp and whether it comes twice.
 */
static bool
cross(struct mars_sim *s, const struct hop *h, const uint8_t *sdu, size_t len,
    mars_time_t *tp, bool *dup)
{
	const struct mars_sim_net *net = h->net;
	mars_time_t t;

	if (mars_sim_cut(s, h->from->id, h->to)) {
		trace_drop(s, h->from->id, h->to, h->vc_from, &h->vc_to, sdu,
		    len, MARS_SIM_CUT);
		return false;
	}
	if (net->loss_ppm > 0 &&
	    mars_rng_range(&s->rng, 0, 999999) < net->loss_ppm) {
		trace_drop(s, h->from->id, h->to, h->vc_from, &h->vc_to, sdu,
		    len, MARS_SIM_LOST);
		return false;
	}
	t = s->now + net->delay;
	if (net->jitter > 0)
		t += mars_rng_range(&s->rng, 0, net->jitter);
	if (t < *h->last)
		t = *h->last;
	*h->last = t;
	*dup = net->dup_ppm > 0 &&
	    mars_rng_range(&s->rng, 0, 999999) < net->dup_ppm;
	if (*dup)
		s->stats.duplicated++;
	*tp = t;
	return true;
}

/* The queue item for copies of the SDU crossing h, but for the leaf. */
static void
hop_item(struct mars_sim *s, const struct hop *h, struct sim_buf *buf,
    mars_time_t t, struct sim_item *it)
{
	memset(it, 0, sizeof(*it));
	it->t = t;
	it->type = SIM_IT_DELIVER;
	it->from = h->from->id;
	it->sent = s->now;
	it->vc_from = *h->vc_from;
	it->vc_to = h->vc_to;
	it->vci = h->vci;
	it->from_first = h->from_first;
	it->buf = buf;
}

static void
push_copy(struct mars_sim *s, struct sim_item *it, const struct sim_copy *c)
{
	it->node = c->node;
	it->dup = c->dup;
	if (heap_push(s, it) == 0)
		it->buf->refs++;
}

/* A point-to-point copy (and its duplicate). */
static void
transmit(struct mars_sim *s, const struct hop *h, const uint8_t *sdu, size_t len,
    struct sim_buf **bufp)
{
	struct sim_copy c;
	struct sim_item it;
	mars_time_t t;
	bool dup;

	if (!cross(s, h, sdu, len, &t, &dup))
		return;
	if (*bufp == NULL && (*bufp = buf_new(sdu, len)) == NULL)
		return;
	hop_item(s, h, *bufp, t, &it);
	c.node = h->to;
	c.dup = false;
	push_copy(s, &it, &c);
	if (dup) {
		c.dup = true;
		push_copy(s, &it, &c);
	}
}

/*
 * Fan-out arrays are as large as a ClusterControlVC has leaves and go
 * at the pace of its messages: the last few delivered are kept for the
 * next (memory freshly mapped would cost a page fault every 4 KiB).
 */
#define SPARE_MAX	8

static struct sim_fanout *
fan_get(struct mars_sim *s, size_t n)
{
	struct sim_fanout **pp, *f;

	for (pp = &s->spare; (f = *pp) != NULL; pp = &f->next)
		if (f->cap >= n) {
			*pp = f->next;
			s->nspare--;
			f->n = n;
			f->refs = 1;
			return f;
		}
	if ((f = malloc(sizeof(*f) + n * sizeof(f->c[0]))) == NULL)
		return NULL;
	f->n = f->cap = n;
	f->refs = 1;
	return f;
}

static void
fan_put(struct mars_sim *s, struct sim_fanout *f)
{
	struct sim_fanout **pp, *old;

	if (f == NULL || --f->refs > 0)
		return;
	if (s->nspare == SPARE_MAX) {
		/* drop the smallest */
		for (pp = &s->spare; (*pp)->next != NULL; pp = &(*pp)->next)
			;
		old = *pp;
		*pp = NULL;
		free(old);
		s->nspare--;
	}
	/* largest first: fan_get() takes the first that fits */
	for (pp = &s->spare; *pp != NULL && (*pp)->cap > f->cap;
	    pp = &(*pp)->next)
		;
	f->next = *pp;
	*pp = f;
	s->nspare++;
}

/* The pt-mpt VC's leaf set changed: sends from now on see the new one. */
static void
pmp_changed(struct mars_sim *s, struct sim_pmp *p)
{
	fan_put(s, p->snap);
	p->snap = NULL;
}

/*
 * The common case of a pt-mpt send, without a walk through cross():
 * no partition, loss, duplication or jitter, and no leaf's previous SDU
 * arriving later than this one would.  Every leaf then gets it at
 * now + delay, in leaf order: one item sharing the VC's leaf set.  No
 * random draw is skipped (cross() makes none in this case).  False when
 * cross() must decide leaf by leaf.
 */
static bool
fan_uniform(struct mars_sim *s, struct sim_pmp *p, const struct hop *h,
    const uint8_t *sdu, size_t len, struct sim_buf **bufp)
{
	const struct mars_sim_net *net = h->net;
	mars_time_t t = s->now + net->delay;
	struct sim_fanout *f;
	struct sim_item it;
	size_t i;

	if (s->nactive_parts > 0 || net->loss_ppm > 0 || net->dup_ppm > 0 ||
	    net->jitter > 0 || p->nleaves < 2)
		return false;
	for (i = 0; i < p->nleaves; i++) {
		if (p->leaves[i].last > t)
			return false;	/* cross() sets the same times */
		p->leaves[i].last = t;
	}
	if ((f = p->snap) == NULL) {
		if ((f = fan_get(s, p->nleaves)) == NULL)
			return false;
		for (i = 0; i < p->nleaves; i++) {
			f->c[i].node = p->leaves[i].node;
			f->c[i].dup = false;
		}
		p->snap = f;
	}
	if (*bufp == NULL && (*bufp = buf_new(sdu, len)) == NULL)
		return true;		/* lost for want of memory */
	hop_item(s, h, *bufp, t, &it);
	it.type = SIM_IT_FANOUT;
	it.fan = f;
	if (heap_push(s, &it) == 0) {
		f->refs++;
		(*bufp)->refs++;
	}
	return true;
}

static int
pend_cmp(const void *a, const void *b)
{
	const struct sim_pend *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Queue the n copies of one pt-mpt send (s->pend, in leaf order): those
 * due at one time as one SIM_IT_FANOUT item, in leaf order.
 */
static void
fan_out(struct mars_sim *s, const struct hop *h, size_t n, const uint8_t *sdu,
    size_t len, struct sim_buf **bufp)
{
	struct sim_fanout *f;
	struct sim_item it;
	size_t i, j, k;

	if (n == 0 || (*bufp == NULL && (*bufp = buf_new(sdu, len)) == NULL))
		return;
	for (i = 1; i < n && s->pend[i].t == s->pend[0].t; i++)
		;
	if (i < n)		/* jitter or FIFO: arrivals differ */
		qsort(s->pend, n, sizeof(*s->pend), pend_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && s->pend[j].t == s->pend[i].t; j++)
			;
		hop_item(s, h, *bufp, s->pend[i].t, &it);
		if (j - i == 1 || (f = fan_get(s, j - i)) == NULL) {
			for (k = i; k < j; k++)
				push_copy(s, &it, &s->pend[k].c);
			continue;
		}
		for (k = i; k < j; k++)
			f->c[k - i] = s->pend[k].c;
		it.type = SIM_IT_FANOUT;
		it.fan = f;
		if (heap_push(s, &it) == 0)
			(*bufp)->refs++;
		else
			fan_put(s, f);
	}
}

static int
pmp_index(uint8_t kind)
{
	if (kind == MARS_VC_CCVC)
		return 0;
	if (kind == MARS_VC_SCVC)
		return 1;
	return -1;
}

/* sim_conf.on_send: the SDU as its sender sends it. */
static void
trace_send(struct mars_sim *s, const struct sim_node *n,
    const struct mars_vc *vc_from, uint32_t to, const struct mars_vc *vc_to,
    const uint8_t *sdu, size_t len)
{
	struct mars_sim_msg m;

	if (s->conf.on_send == NULL)
		return;
	memset(&m, 0, sizeof(m));
	m.time = m.sent = s->now;
	m.from = n->id;
	m.to = to;
	m.vc_from = *vc_from;
	if (vc_to != NULL)
		m.vc_to = *vc_to;
	m.sdu = sdu;
	m.len = len;
	m.fate = MARS_SIM_DELIVERED;
	s->conf.on_send(s->conf.ctx, &m);
}

static void
sim_send(struct mars_sim *s, struct sim_node *n, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len)
{
	struct sim_buf *buf = NULL;
	struct sim_port *port;
	struct sim_pmp *pmp;
	struct sim_vc *v;
	struct hop h;
	mars_time_t t;
	size_t i, k, np;
	bool dup;
	int pi;

	s->stats.sent++;
	if (n->state != MARS_SIM_NODE_UP) {
		trace_drop(s, n->id, MARS_SIM_NODE_NONE, vc, NULL, sdu, len,
		    MARS_SIM_SENDER_DOWN);
		return;
	}
	memset(&h, 0, sizeof(h));
	h.from = n;
	h.vc_from = vc;
	if ((pi = pmp_index(vc->kind)) >= 0 && vc->id == 0) {
		pmp = &n->pmp[pi];
		h.net = pmp->has_net ? &pmp->net : &s->conf.net;
		h.vc_to.kind = vc->kind;
		h.vc_to.id = MARS_SIM_PMP_ID(n->id);
		h.vci = vc->kind == MARS_VC_CCVC ? 32 : 33;
		h.from_first = true;
		trace_send(s, n, vc, MARS_SIM_NODE_NONE, NULL, sdu, len);
		if (fan_uniform(s, pmp, &h, sdu, len, &buf))
			goto done;
		/* cross() never changes the leaves: the array is stable. */
		if (grow((void **)&s->pend, &s->cap_pend, 2 * pmp->nleaves,
		    sizeof(*s->pend)) != 0)
			return;
		for (i = np = 0; i < pmp->nleaves; i++) {
			h.to = pmp->leaves[i].node;
			h.last = &pmp->leaves[i].last;
			if (!cross(s, &h, sdu, len, &t, &dup))
				continue;
			for (k = 0; k < (dup ? 2u : 1u); k++, np++) {
				s->pend[np].t = t;
				s->pend[np].pos = (uint32_t)np;
				s->pend[np].c.node = h.to;
				s->pend[np].c.dup = k == 1;
			}
		}
		fan_out(s, &h, np, sdu, len, &buf);
	} else if ((vc->kind == MARS_VC_P2P || vc->kind == MARS_VC_SERVER) &&
	    vc->id >= 1 && vc->id <= n->nports &&
	    s->vcs[n->ports[vc->id - 1].vc].kind == vc->kind) {
		port = &n->ports[vc->id - 1];
		v = &s->vcs[port->vc];
		h.net = v->has_net ? &v->net : &s->conf.net;
		h.to = port->first ? v->b : v->a;
		h.vc_to.kind = v->kind;
		h.vc_to.id = port->first ? v->id_b : v->id_a;
		h.last = port->first ? &v->last_ab : &v->last_ba;
		h.vci = v->vci;
		h.from_first = port->first;
		trace_send(s, n, vc, h.to, &h.vc_to, sdu, len);
		transmit(s, &h, sdu, len, &buf);
	} else
		trace_drop(s, n->id, MARS_SIM_NODE_NONE, vc, NULL, sdu, len,
		    MARS_SIM_NO_VC);
done:
	if (buf != NULL && buf->refs == 0)
		free(buf);
}

/* ---- the machines' io ---- */

static void
io_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
	struct sim_node *n = ctx;

	if (vc == NULL || (sdu == NULL && len > 0))
		return;
	sim_send(n->sim, n, vc, sdu, len);
}

static void
io_event(void *ctx, const struct mars_event *fe)
{
	struct sim_node *n = ctx;

	sim_log_add(n->sim, n->id, fe);
}

static void
io_log(void *ctx, int level, const char *msg)
{
	struct sim_node *n = ctx;

	if (n->sim->conf.on_log != NULL)
		n->sim->conf.on_log(n->sim->conf.ctx, n->id, level, msg);
}

/* ---- public: life cycle ---- */

int
mars_sim_new(struct mars_sim **sp, const struct mars_sim_conf *conf,
    struct mars_err *err)
{
	struct mars_sim *s;

	*sp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return mars_err_set(err, MARS_E_NOSPACE, "sim", "no memory");
	if (conf != NULL)
		s->conf = *conf;
	if (s->conf.max_events == 0)
		s->conf.max_events = MARS_SIM_MAX_EVENTS_DEFAULT;
	mars_rng_seed(&s->rng, s->conf.seed);
	*sp = s;
	return 0;
}

void
mars_sim_free(struct mars_sim *s)
{
	struct sim_node *n;
	size_t i;

	if (s == NULL)
		return;
	mars_sim_pcap_close(s);
	for (i = 0; i < s->nheap; i++) {
		if (s->heap[i].type == SIM_IT_DELIVER ||
		    s->heap[i].type == SIM_IT_FANOUT)
			buf_unref(s->heap[i].buf);
		fan_put(s, s->heap[i].fan);
	}
	free(s->heap);
	free(s->pend);
	for (i = 0; i < s->nnodes; i++) {
		pmp_changed(s, &s->nodes[i]->pmp[0]);
		pmp_changed(s, &s->nodes[i]->pmp[1]);
	}
	while (s->spare != NULL) {
		struct sim_fanout *f = s->spare;

		s->spare = f->next;
		free(f);
	}
	for (i = 0; i < s->nnodes; i++) {
		n = s->nodes[i];
		if (n->ops->free != NULL && n->machine != NULL)
			n->ops->free(n->machine);
		free(n->ports);
		free(n->pmp[0].leaves);
		free(n->pmp[1].leaves);
		free(n);
	}
	free(s->nodes);
	free(s->vcs);
	for (i = 0; i < s->nparts; i++)
		free(s->parts[i].side);
	free(s->parts);
	sim_log_free(s);
	free(s);
}

mars_time_t
mars_sim_now(const struct mars_sim *s)
{
	return s->now;
}

struct mars_rng *
mars_sim_rng(struct mars_sim *s)
{
	return &s->rng;
}

const struct mars_sim_stats *
mars_sim_get_stats(const struct mars_sim *s)
{
	return &s->stats;
}

/* ---- public: nodes ---- */

uint32_t
mars_sim_node_add(struct mars_sim *s, const char *name, const struct mars_sim_node_ops *ops,
    void *machine)
{
	struct sim_node *n;

	if (ops == NULL || ops->input == NULL || ops->tick == NULL ||
	    s->nnodes >= MARS_SIM_NODE_NONE - 1 ||
	    grow((void **)&s->nodes, &s->cap_nodes, s->nnodes + 1,
	    sizeof(*s->nodes)) != 0 ||
	    (n = calloc(1, sizeof(*n))) == NULL)
		return MARS_SIM_NODE_NONE;
	n->sim = s;
	n->id = (uint32_t)s->nnodes;
	copy_text(n->name, sizeof(n->name), name);
	n->ops = ops;
	n->state = MARS_SIM_NODE_UP;
	n->tick_at = MARS_TIME_NEVER;
	n->io.ctx = n;
	n->io.send = io_send;
	n->io.event = io_event;
	n->io.log = io_log;
	s->nodes[s->nnodes++] = n;
	if (machine != NULL)
		mars_sim_node_set_machine(s, n->id, machine);
	return n->id;
}

int
mars_sim_node_set_machine(struct mars_sim *s, uint32_t node, void *machine)
{
	struct sim_node *n = node_get(s, node);

	if (n == NULL)
		return MARS_E_INVAL;
	n->machine = machine;
	if (machine != NULL && n->state == MARS_SIM_NODE_UP)
		schedule_tick(s, n, s->now);
	return 0;
}

void *
mars_sim_node_machine(const struct mars_sim *s, uint32_t node)
{
	struct sim_node *n = node_get(s, node);

	return n != NULL ? n->machine : NULL;
}

const struct mars_io *
mars_sim_node_io(const struct mars_sim *s, uint32_t node)
{
	struct sim_node *n = node_get(s, node);

	return n != NULL ? &n->io : NULL;
}

const char *
mars_sim_node_name(const struct mars_sim *s, uint32_t node)
{
	struct sim_node *n = node_get(s, node);

	return n != NULL ? n->name : "-";
}

size_t
mars_sim_node_count(const struct mars_sim *s)
{
	return s->nnodes;
}

uint32_t
mars_sim_node_find(const struct mars_sim *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nnodes; i++)
		if (strcmp(s->nodes[i]->name, name) == 0)
			return (uint32_t)i;
	return MARS_SIM_NODE_NONE;
}

int
mars_sim_node_state(const struct mars_sim *s, uint32_t node)
{
	struct sim_node *n = node_get(s, node);

	return n != NULL ? n->state : MARS_E_INVAL;
}

int
mars_sim_wake(struct mars_sim *s, uint32_t node)
{
	struct sim_node *n = node_get(s, node);

	if (n == NULL)
		return MARS_E_INVAL;
	reread(s, n);
	return 0;
}

/* ---- public: topology ---- */

static int
port_add(struct sim_node *n, uint32_t vc, bool first, uint32_t *id)
{
	if (grow((void **)&n->ports, &n->cap_ports, n->nports + 1,
	    sizeof(*n->ports)) != 0)
		return MARS_E_NOSPACE;
	n->ports[n->nports].vc = vc;
	n->ports[n->nports].first = first;
	*id = (uint32_t)++n->nports;
	return 0;
}

static int
vc_new(struct mars_sim *s, uint8_t kind, uint32_t a, uint32_t b, uint32_t *ia,
    uint32_t *ib)
{
	struct sim_node *na = node_get(s, a), *nb = node_get(s, b);
	struct sim_vc *v;
	uint32_t idx;

	if (na == NULL || nb == NULL || a == b)
		return MARS_E_INVAL;
	if (grow((void **)&s->vcs, &s->cap_vcs, s->nvcs + 1,
	    sizeof(*s->vcs)) != 0 ||
	    grow((void **)&na->ports, &na->cap_ports, na->nports + 1,
	    sizeof(*na->ports)) != 0 ||
	    grow((void **)&nb->ports, &nb->cap_ports, nb->nports + 1,
	    sizeof(*nb->ports)) != 0)
		return MARS_E_NOSPACE;
	idx = (uint32_t)s->nvcs++;
	v = &s->vcs[idx];
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->a = a;
	v->b = b;
	/* VCI labels as link.h gives them (see mars_sim_pcap_open). */
	if (kind == MARS_VC_SERVER)
		v->vci = (uint16_t)(34 + s->nserver++);
	else
		v->vci = (uint16_t)(100 + s->np2p++);
	(void)port_add(na, idx, true, &v->id_a);	/* room made above */
	(void)port_add(nb, idx, false, &v->id_b);
	if (ia != NULL)
		*ia = v->id_a;
	if (ib != NULL)
		*ib = v->id_b;
	return 0;
}

int
mars_sim_vc_p2p(struct mars_sim *s, uint32_t a, uint32_t b, uint32_t *id_at_a,
    uint32_t *id_at_b)
{
	return vc_new(s, MARS_VC_P2P, a, b, id_at_a, id_at_b);
}

int
mars_sim_vc_server(struct mars_sim *s, uint32_t a, uint32_t b, uint32_t *id_at_a,
    uint32_t *id_at_b)
{
	return vc_new(s, MARS_VC_SERVER, a, b, id_at_a, id_at_b);
}

static struct sim_vc *
vc_at(const struct mars_sim *s, uint32_t node, uint32_t id, bool *first)
{
	struct sim_node *n = node_get(s, node);

	if (n == NULL || id < 1 || id > n->nports)
		return NULL;
	*first = n->ports[id - 1].first;
	return &s->vcs[n->ports[id - 1].vc];
}

uint32_t
mars_sim_vc_peer(const struct mars_sim *s, uint32_t node, uint32_t id,
    uint32_t *peer_id)
{
	struct sim_vc *v;
	bool first;

	if ((v = vc_at(s, node, id, &first)) == NULL)
		return MARS_SIM_NODE_NONE;
	if (peer_id != NULL)
		*peer_id = first ? v->id_b : v->id_a;
	return first ? v->b : v->a;
}

int
mars_sim_pmp_leaf(struct mars_sim *s, uint32_t root, uint8_t pmp, uint32_t leaf,
    bool add)
{
	struct sim_node *r = node_get(s, root);
	struct sim_pmp *p;
	size_t i;
	int pi;

	if (r == NULL || node_get(s, leaf) == NULL || leaf == root ||
	    (pi = pmp_index(pmp)) < 0)
		return MARS_E_INVAL;
	p = &r->pmp[pi];
	for (i = 0; i < p->nleaves; i++)
		if (p->leaves[i].node == leaf)
			break;
	if (add) {
		if (i < p->nleaves)
			return 0;
		if (grow((void **)&p->leaves, &p->cap, p->nleaves + 1,
		    sizeof(*p->leaves)) != 0)
			return MARS_E_NOSPACE;
		p->leaves[p->nleaves].node = leaf;
		p->leaves[p->nleaves].last = 0;
		p->nleaves++;
		pmp_changed(s, p);
	} else if (i < p->nleaves) {
		/* Keep the order: fan-out order is part of a run. */
		memmove(&p->leaves[i], &p->leaves[i + 1],
		    (p->nleaves - i - 1) * sizeof(*p->leaves));
		p->nleaves--;
		pmp_changed(s, p);
	}
	return 0;
}

int
mars_sim_leaf_by_peer(struct mars_sim *s, uint32_t root, uint8_t pmp, uint32_t peer_id,
    bool add)
{
	uint32_t leaf;

	if ((leaf = mars_sim_vc_peer(s, root, peer_id, NULL)) == MARS_SIM_NODE_NONE)
		return MARS_E_INVAL;
	return mars_sim_pmp_leaf(s, root, pmp, leaf, add);
}

size_t
mars_sim_pmp_leaf_count(const struct mars_sim *s, uint32_t root, uint8_t pmp)
{
	struct sim_node *r = node_get(s, root);
	int pi = pmp_index(pmp);

	return r != NULL && pi >= 0 ? r->pmp[pi].nleaves : 0;
}

/* ---- public: network model ---- */

void
mars_sim_set_net(struct mars_sim *s, const struct mars_sim_net *net)
{
	if (net != NULL)
		s->conf.net = *net;
	else
		memset(&s->conf.net, 0, sizeof(s->conf.net));
}

int
mars_sim_vc_net(struct mars_sim *s, uint32_t node, uint32_t id,
    const struct mars_sim_net *net)
{
	struct sim_vc *v;
	bool first;

	if ((v = vc_at(s, node, id, &first)) == NULL)
		return MARS_E_INVAL;
	v->has_net = net != NULL;
	if (net != NULL)
		v->net = *net;
	return 0;
}

int
mars_sim_pmp_net(struct mars_sim *s, uint32_t root, uint8_t pmp,
    const struct mars_sim_net *net)
{
	struct sim_node *r = node_get(s, root);
	int pi = pmp_index(pmp);

	if (r == NULL || pi < 0)
		return MARS_E_INVAL;
	r->pmp[pi].has_net = net != NULL;
	if (net != NULL)
		r->pmp[pi].net = *net;
	return 0;
}

/* ---- public: faults ---- */

int
mars_sim_kill(struct mars_sim *s, uint32_t node)
{
	struct sim_node *n = node_get(s, node);

	if (n == NULL || n->state == MARS_SIM_NODE_DEAD)
		return MARS_E_INVAL;
	n->state = MARS_SIM_NODE_DEAD;
	cancel_tick(n);
	sim_happening(s, node, MARS_SIM_EV_KILL, 0, NULL);
	if (n->ops->on_kill != NULL && n->machine != NULL)
		n->ops->on_kill(n->machine, s->now);
	return 0;
}

int
mars_sim_hang(struct mars_sim *s, uint32_t node)
{
	struct sim_node *n = node_get(s, node);

	if (n == NULL || n->state != MARS_SIM_NODE_UP)
		return MARS_E_INVAL;
	n->state = MARS_SIM_NODE_HUNG;
	cancel_tick(n);
	sim_happening(s, node, MARS_SIM_EV_HANG, 0, NULL);
	return 0;
}

int
mars_sim_resume(struct mars_sim *s, uint32_t node)
{
	struct sim_node *n = node_get(s, node);

	if (n == NULL || n->state != MARS_SIM_NODE_HUNG)
		return MARS_E_INVAL;
	n->state = MARS_SIM_NODE_UP;
	sim_happening(s, node, MARS_SIM_EV_RESUME, 0, NULL);
	if (n->machine != NULL)
		schedule_tick(s, n, s->now);	/* overdue timers run now */
	return 0;
}

int
mars_sim_restart(struct mars_sim *s, uint32_t node, void *machine)
{
	struct sim_node *n = node_get(s, node);

	if (n == NULL || machine == NULL)
		return MARS_E_INVAL;
	if (n->ops->free != NULL && n->machine != NULL &&
	    n->machine != machine)
		n->ops->free(n->machine);
	n->machine = machine;
	n->incarnation++;
	n->restart_seq = s->seq;	/* SDUs in flight to the old one drop */
	n->state = MARS_SIM_NODE_UP;
	n->pmp[0].nleaves = 0;
	n->pmp[1].nleaves = 0;
	pmp_changed(s, &n->pmp[0]);
	pmp_changed(s, &n->pmp[1]);
	cancel_tick(n);
	sim_happening(s, node, MARS_SIM_EV_RESTART, n->incarnation, NULL);
	schedule_tick(s, n, s->now);
	if (n->ops->on_restart != NULL)
		n->ops->on_restart(machine, s->now);
	return 0;
}

int
mars_sim_partition(struct mars_sim *s, const uint32_t *a, size_t na, const uint32_t *b,
    size_t nb)
{
	struct sim_part *p;
	size_t i;
	uint8_t *side;

	if ((na > 0 && a == NULL) || (nb > 0 && b == NULL))
		return MARS_E_INVAL;
	if ((side = calloc(s->nnodes ? s->nnodes : 1, 1)) == NULL)
		return MARS_E_NOSPACE;
	for (i = 0; i < na; i++) {
		if (a[i] >= s->nnodes) {
			free(side);
			return MARS_E_INVAL;
		}
		side[a[i]] = 1;
	}
	for (i = 0; i < nb; i++) {
		if (b[i] >= s->nnodes || side[b[i]] == 1) {
			free(side);
			return MARS_E_INVAL;
		}
		side[b[i]] = 2;
	}
	p = realloc(s->parts, (s->nparts + 1) * sizeof(*s->parts));
	if (p == NULL || s->nparts >= INT32_MAX) {
		free(side);
		if (p != NULL)
			s->parts = p;
		return MARS_E_NOSPACE;
	}
	s->parts = p;
	p = &s->parts[s->nparts];
	p->active = true;
	p->side = side;
	p->nside = s->nnodes;
	s->nactive_parts++;
	sim_happening(s, MARS_SIM_NODE_NONE, MARS_SIM_EV_PARTITION,
	    (uint32_t)s->nparts, NULL);
	return (int)s->nparts++;
}

int
mars_sim_heal(struct mars_sim *s, int id)
{
	size_t i;

	if (id < -1 || (id >= 0 && ((size_t)id >= s->nparts ||
	    !s->parts[id].active)))
		return MARS_E_INVAL;
	for (i = 0; i < s->nparts; i++) {
		if (!s->parts[i].active || (id >= 0 && (size_t)id != i))
			continue;
		s->parts[i].active = false;
		free(s->parts[i].side);
		s->parts[i].side = NULL;
		s->parts[i].nside = 0;
		s->nactive_parts--;
		sim_happening(s, MARS_SIM_NODE_NONE, MARS_SIM_EV_HEAL, (uint32_t)i,
		    NULL);
	}
	return 0;
}

/* ---- public: running ---- */

int
mars_sim_at(struct mars_sim *s, mars_time_t t, mars_sim_fn fn, void *arg)
{
	struct sim_item it;

	if (fn == NULL || t < s->now || t == MARS_TIME_NEVER)
		return MARS_E_INVAL;
	memset(&it, 0, sizeof(it));
	it.t = t;
	it.type = SIM_IT_CALL;
	it.fn = fn;
	it.arg = arg;
	return heap_push(s, &it);
}

static void
deliver(struct mars_sim *s, const struct sim_item *it)
{
	struct sim_node *n = s->nodes[it->node];
	struct mars_sim_msg m;

	memset(&m, 0, sizeof(m));
	m.time = s->now;
	m.sent = it->sent;
	m.from = it->from;
	m.to = it->node;
	m.vc_from = it->vc_from;
	m.vc_to = it->vc_to;
	m.sdu = it->buf->data;
	m.len = it->buf->len;
	m.duplicate = it->dup;
	if (!node_runs(n) || it->seq < n->restart_seq) {
		m.fate = MARS_SIM_DOWN;
		trace(s, &m);
		return;
	}
	m.fate = MARS_SIM_DELIVERED;
	trace(s, &m);
	if (s->pcap != NULL)
		sim_pcap_write(s, it);
	n->ops->input(n->machine, s->now, &it->vc_to, it->buf->data,
	    it->buf->len);
	reread(s, n);
}

static void
run_tick(struct mars_sim *s, const struct sim_item *it)
{
	struct sim_node *n = s->nodes[it->node];
	mars_time_t d;

	if (!node_runs(n) || it->gen != n->tick_gen)
		return;			/* replaced or cancelled */
	n->tick_at = MARS_TIME_NEVER;
	s->stats.ticks++;
	d = n->ops->tick(n->machine, s->now);
	if (node_runs(n))
		schedule_tick(s, n, d);
}

int
mars_sim_step(struct mars_sim *s)
{
	struct sim_item it, one;
	size_t i;

	if (s->nheap == 0)
		return 0;
	heap_pop(s, &it);
	s->now = it.t;
	s->stats.events++;
	switch (it.type) {
	case SIM_IT_DELIVER:
		deliver(s, &it);
		buf_unref(it.buf);
		break;
	case SIM_IT_FANOUT:
		one = it;
		one.type = SIM_IT_DELIVER;
		for (i = 0; i < it.fan->n; i++) {
			one.node = it.fan->c[i].node;
			one.dup = it.fan->c[i].dup;
			deliver(s, &one);
		}
		buf_unref(it.buf);
		fan_put(s, it.fan);
		break;
	case SIM_IT_TICK:
		run_tick(s, &it);
		break;
	case SIM_IT_CALL:
		it.fn(s, it.arg);
		/* The script may have driven any machine directly. */
		for (i = 0; i < s->nnodes; i++)
			reread(s, s->nodes[i]);
		break;
	}
	return 1;
}

int
mars_sim_run_until(struct mars_sim *s, mars_time_t t)
{
	uint64_t n = 0;

	while (s->nheap > 0 && s->heap[0].t <= t) {
		if (n++ >= s->conf.max_events)
			return MARS_SIM_E_BUDGET;
		mars_sim_step(s);
	}
	if (t > s->now && t != MARS_TIME_NEVER)
		s->now = t;
	return 0;
}

int
mars_sim_run_for(struct mars_sim *s, mars_time_t dt)
{
	mars_time_t t = s->now + dt;

	if (t < s->now)			/* wrapped */
		t = MARS_TIME_NEVER;
	return mars_sim_run_until(s, t);
}

mars_time_t
mars_sim_next_time(const struct mars_sim *s)
{
	return s->nheap > 0 ? s->heap[0].t : MARS_TIME_NEVER;
}

void
mars_sim_note(struct mars_sim *s, uint32_t node, const char *text)
{
	sim_happening(s, node, MARS_SIM_EV_NOTE, 0, text);
}
