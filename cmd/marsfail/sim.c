/*
 * --sim: the drill's cluster in the simulator (simclu.h), in virtual
 * time, reproducible from the seed.  Every happening and every message
 * simclu reports (MARS messages as sent, SCSP as received) goes to the
 * checker as an event; the members' own
 * happenings to the run's measurements; -w writes the run as a SunATM
 * pcap (sim.h).
 */
#include <stdlib.h>
#include <string.h>

#include "mars/capture.h"
#include "mars/redund.h"
#include "mars/server.h"
#include "mars/simclu.h"

#include "marsfail.h"

struct simb {
	struct mars_simclu	*sc;
	uint64_t		 frames;
	uint32_t		*stamp;		/* membership check */
	uint32_t		 gen;
	bool			 pcap_open;
};

static struct simb *
SB(struct fail_run *r)
{
	return r->b.ctx;
}

static void
on_event(void *ctx, const struct mars_event *ev)
{
	struct fail_run *r = ctx;
	struct simb *sb = SB(r);
	struct mars_event copy;
	size_t nmars = r->b.nmars;

	if (ev->kind == MARS_EV_MESSAGE) {
		/* A pt-mpt SDU comes once per send (simclu.h). */
		copy = *ev;
		copy.frame = ++sb->frames;
		run_check_event(r, &copy);
		return;
	}
	if (ev->entity != MARS_SIM_NODE_NONE && ev->entity >= nmars &&
	    ev->entity < nmars + r->b.nmembers)
		run_member_event(r, ev->entity - nmars, ev);
	run_check_event(r, ev);
}

static void
check_conf(struct fail_run *r, struct mars_check_conf *cf)
{
	size_t i;

	for (i = 0; i < cf->n_mars && i < r->b.nmars; i++) {
		memset(cf->mars[i].ends, 0, sizeof(cf->mars[i].ends));
		cf->mars[i].ends[0].kind = MARS_END_NODE;
		cf->mars[i].ends[0].node = (uint32_t)i;
		cf->mars[i].n_ends = 1;
	}
}

static int
setup(struct fail_run *r, struct mars_err *err)
{
	struct simb *sb = SB(r);
	static char errbuf[MARS_CAP_ERRBUF_SIZE];
	struct mars_simclu_conf c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.cluster = r->d->cc;
	c.nmembers = r->d->clients;
	c.ngroups = r->d->groups;
	c.groups_each = r->d->groups_each;
	c.seed = r->seed;
	c.net = r->d->net;
	c.faults = r->d->faults;
	c.on_event = on_event;
	c.ctx = r;
	if ((rc = mars_simclu_new(&sb->sc, &c, err)) != 0)
		return rc;
	if (r->pcap != NULL) {
		if (mars_sim_pcap_open(mars_simclu_sim(sb->sc), r->pcap,
		    errbuf) != 0)
			return mars_err_set(err, MARS_E_INVAL, r->pcap,
			    errbuf);
		sb->pcap_open = true;
	}
	sb->stamp = calloc(r->b.nmembers + 1, sizeof(*sb->stamp));
	return sb->stamp == NULL ? mars_err_set(err, MARS_E_NOSPACE, "sim",
	    "no memory") : 0;
}

static int
start_members(struct fail_run *r, struct mars_err *err)
{
	int rc = mars_simclu_start_members(SB(r)->sc);

	return rc == 0 ? 0 : mars_err_set(err, rc, "members", "cannot start");
}

static mars_time_t
now(struct fail_run *r)
{
	return SB(r)->sc != NULL ? mars_simclu_now(SB(r)->sc) : 0;
}

static int
advance(struct fail_run *r, mars_time_t t, struct mars_err *err)
{
	return mars_simclu_run_until(SB(r)->sc, t, err);
}

static int
fault_rc(int rc, const char *what, struct mars_err *err)
{
	return rc == 0 ? 0 : mars_err_set(err, rc, what,
	    "not possible in this state");
}

static int
b_kill(struct fail_run *r, unsigned i, struct mars_err *err)
{
	return fault_rc(mars_simclu_kill(SB(r)->sc, i), "kill", err);
}

static int
b_hang(struct fail_run *r, unsigned i, struct mars_err *err)
{
	return fault_rc(mars_simclu_hang(SB(r)->sc, i), "hang", err);
}

static int
b_resume(struct fail_run *r, unsigned i, struct mars_err *err)
{
	return fault_rc(mars_simclu_resume(SB(r)->sc, i), "resume", err);
}

static int
b_restart(struct fail_run *r, unsigned i, struct mars_err *err)
{
	return fault_rc(mars_simclu_restart(SB(r)->sc, i), "restart", err);
}

static int
b_partition(struct fail_run *r, const struct step *st, struct mars_err *err)
{
	unsigned a[32], b[32];
	size_t na = 0, nb = 0, i;

	for (i = 0; i < r->b.nmars; i++) {
		if (st->seta & (1u << i))
			a[na++] = (unsigned)i;
		if (st->setb & (1u << i))
			b[nb++] = (unsigned)i;
	}
	return fault_rc(mars_simclu_partition(SB(r)->sc, a, na, b, nb,
	    st->members_with), "partition", err);
}

static int
b_heal(struct fail_run *r, struct mars_err *err)
{
	return fault_rc(mars_simclu_heal(SB(r)->sc), "heal", err);
}

static int
b_net(struct fail_run *r, const struct mars_sim_net *n, struct mars_err *err)
{
	(void)err;
	mars_simclu_set_net(SB(r)->sc, n);
	return 0;
}

static int
b_mcs(struct fail_run *r, size_t g, struct mars_err *err)
{
	return fault_rc(mars_simclu_mcs_serve(SB(r)->sc, g), "mcs", err);
}

static bool
up(struct fail_run *r, unsigned i)
{
	return mars_simclu_state(SB(r)->sc, i) == MARS_SIM_NODE_UP;
}

static int
role(struct fail_run *r, unsigned i)
{
	int st = mars_simclu_state(SB(r)->sc, i);

	if (st == MARS_SIM_NODE_HUNG)
		return ROLE_HUNG;
	return mars_simclu_role(SB(r)->sc, i);
}

/* The Active of partition p most living entities point to, if it is
 * living and claims the role itself. */
static int
active(struct fail_run *r, int p)
{
	struct mars_simclu *sc = SB(r)->sc;
	unsigned votes[32] = { 0 }, i, best = 0;
	int a, pick = -1;

	for (i = 0; i < r->b.nmars; i++) {
		if (!up(r, i))
			continue;
		a = mars_simclu_active(sc, i, r->d->cc->n_partitions == 0 ?
		    -1 : p);
		if (a >= 0 && a < 32 && ++votes[a] > best) {
			best = votes[a];
			pick = a;
		}
	}
	if (pick < 0 || !up(r, (unsigned)pick) ||
	    mars_simclu_role(sc, (unsigned)pick) != MARS_REDUND_ACTIVE)
		return -1;
	return pick;
}

static size_t
registered(struct fail_run *r)
{
	struct mars_simclu_member_info m;
	size_t k, n = 0;

	for (k = 0; k < r->b.nmembers; k++)
		if (mars_simclu_member(SB(r)->sc, k, &m) == 0 && m.registered)
			n++;
	return n;
}

/* Member k is registered with entity i over its own VC (simclu's numbers). */
static bool
known_to(struct fail_run *r, size_t k, int i)
{
	const struct mars_server *s;
	struct mars_server_member_info mi;
	struct mars_server_atm a;

	if (i < 0 || (s = mars_simclu_server(SB(r)->sc, (unsigned)i)) == NULL)
		return false;
	memset(&a, 0, sizeof(a));
	a.tl = 20;
	memset(a.addr, 0x39, 16);
	a.addr[16] = (uint8_t)(k >> 16);
	a.addr[17] = (uint8_t)(k >> 8);
	a.addr[18] = (uint8_t)k;
	return mars_server_member_find(s, &a, &mi) && mi.registered &&
	    mi.vc_id != 0;
}

static void
member(struct fail_run *r, size_t k, struct fail_member *out)
{
	struct mars_simclu_member_info m;

	memset(out, 0, sizeof(*out));
	out->mars = -1;
	if (mars_simclu_member(SB(r)->sc, k, &m) != 0)
		return;
	/*
	 * Registered: in the member's view, and in its MARS's database
	 * over its VC -- a MARS that restarted at once has forgotten a
	 * member that has not noticed yet.
	 */
	if (m.registered && !known_to(r, k, m.mars))
		m.registered = false;
	out->registered = m.registered;
	out->mars = m.registered ? m.mars : -1;
	out->cmi = m.cmi;
	out->ngroups = m.ngroups;
	out->njoined = m.njoined;
	out->partition = m.partition;
}

/* Member index of a server's member: simclu's ATM numbers. */
static long
member_of(const struct mars_server_atm *a, size_t n)
{
	size_t k, i;

	if (a == NULL || (a->tl & MARS_ATM_TL_LEN) != 20)
		return -1;
	for (i = 0; i < 16; i++)
		if (a->addr[i] != 0x39)
			return -1;
	k = ((size_t)a->addr[16] << 16) | ((size_t)a->addr[17] << 8) |
	    a->addr[18];
	return k < n ? (long)k : -1;
}

static int
membership(struct fail_run *r, uint64_t *lost, uint64_t *invented)
{
	struct simb *sb = SB(r);
	const struct mars_server *s;
	struct mars_server_group_info gi;
	struct mars_server_member_info mi;
	uint8_t addr[16];
	size_t g, k, len, ng = r->d->groups, each = r->d->groups_each;
	uint32_t i, mh;
	long m;
	bool l3;
	int a;

	*lost = *invented = 0;
	if ((a = active(r, 0)) < 0 ||
	    (s = mars_simclu_server(sb->sc, (unsigned)a)) == NULL)
		return -1;
	for (g = 0; g < ng; g++) {
		sb->gen++;
		mars_simclu_group_addr(sb->sc, g, addr, &len);
		if (mars_server_group_find(s, addr, &gi))
			for (i = 0; mars_server_group_member(s, gi.handle, i,
			    &mh, &l3); i++) {
				if (!mars_server_member_get(s, mh, &mi) ||
				    (m = member_of(mi.atm,
				    r->b.nmembers)) < 0)
					continue;
				if ((g + ng - (size_t)m % ng) % ng >= each)
					(*invented)++;
				else
					sb->stamp[m] = sb->gen;
			}
		for (k = 0; k < r->b.nmembers; k++)
			if ((g + ng - k % ng) % ng < each &&
			    sb->stamp[k] != sb->gen)
				(*lost)++;
	}
	return 0;
}

static void
finish(struct fail_run *r)
{
	struct simb *sb = SB(r);

	if (sb->pcap_open)
		mars_sim_pcap_close(mars_simclu_sim(sb->sc));
	sb->pcap_open = false;
}

static void
sim_free(struct fail_run *r)
{
	struct simb *sb = SB(r);

	if (sb == NULL)
		return;
	mars_simclu_free(sb->sc);
	free(sb->stamp);
	free(sb);
	r->b.ctx = NULL;
}

static const struct backend_ops ops = {
	.setup = setup,
	.start_members = start_members,
	.now = now,
	.advance = advance,
	.kill = b_kill,
	.hang = b_hang,
	.resume = b_resume,
	.restart = b_restart,
	.partition = b_partition,
	.heal = b_heal,
	.net = b_net,
	.mcs = b_mcs,
	.role = role,
	.active = active,
	.check_conf = check_conf,
	.up = up,
	.registered = registered,
	.member = member,
	.membership = membership,
	.finish = finish,
	.free = sim_free,
};

int
sim_backend(struct fail_run *r, struct backend *b)
{
	struct simb *sb;

	if ((sb = calloc(1, sizeof(*sb))) == NULL)
		return MARS_E_NOSPACE;
	memset(b, 0, sizeof(*b));
	b->mode = "sim";
	b->ctx = sb;
	b->nmars = r->d->cc->n_mars;
	b->nmembers = r->d->clients;
	b->ops = &ops;
	r->tick = 100;
	return 0;
}
