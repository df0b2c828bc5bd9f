/*
 * A whole cluster in the simulator (simclu.h): redundancy machines for
 * the entities of a cluster file, client machines for the members, the
 * VCs between them, and what each member lived through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mars/msg.h"
#include "mars/simclu.h"

/* One MARS entity: the machine is replaced on restart. */
struct sc_ent {
	struct mars_simclu	*sc;
	unsigned		 idx;
	struct mars_redund	*r;
	bool			 started;
};

struct sc_member {
	struct mars_simclu	*sc;
	size_t			 idx;
	uint8_t			 atm[20];
	struct mars_simclu_member_info info;
};

struct mars_simclu {
	struct mars_sim		*s;
	struct mars_cluster_conf cc;
	size_t			 nmars;
	size_t			 n;
	size_t			 ngroups;
	size_t			 groups_each;
	size_t			 grp_len;
	unsigned		 faults;
	struct mars_client_conf	 timers;
	bool			 has_timers;
	struct sc_ent		 ent[MARS_CONF_MARS_MAX];
	uint32_t		 svc[MARS_CONF_MARS_MAX][MARS_CONF_MARS_MAX];
	uint32_t		*cvc;		/* [k * nmars + j]: at member k */
	struct sc_member	*m;
	uint8_t			 elect[MARS_CONF_MARS_MAX];
	int			 part_id;	/* current partition, -1 */
	uint32_t		 mcs;		/* node, MARS_SIM_NODE_NONE */
	uint32_t		 mcs_vc[MARS_CONF_MARS_MAX];
	void			(*on_event)(void *, const struct mars_event *);
	void			*ctx;
	bool			 pmp_once;
};

/* ---- the entities ---- */

static void
ent_input(void *m, mars_time_t now, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len)
{
	struct sc_ent *e = m;

	mars_redund_input(e->r, now, vc, sdu, len);
}

static mars_time_t
ent_tick(void *m, mars_time_t now)
{
	struct sc_ent *e = m;

	if (!e->started) {
		e->started = true;
		mars_redund_start(e->r, now);
	}
	return mars_redund_tick(e->r, now);
}

static const struct mars_sim_node_ops ent_ops = {
	.input = ent_input,
	.tick = ent_tick,
};

static int
ent_new(struct mars_simclu *sc, unsigned i, struct mars_err *err)
{
	struct mars_redund_conf rc;
	struct mars_redund *r;
	size_t j;
	int rc_;

	if ((rc_ = mars_config_redund(&sc->cc, i, &rc, err)) != 0)
		return rc_;
	for (j = 0; j < sc->nmars; j++)
		rc.mars[j].vc = sc->svc[i][j];
	rc.seed = 1000 + i;
	rc.leaf = mars_sim_server_leaf;
	if ((rc_ = mars_redund_new(&r, &rc, mars_sim_node_io(sc->s, i),
	    err)) != 0)
		return rc_;
	if (sc->faults != 0 && (rc_ = mars_redund_set_faults(r,
	    sc->faults)) != 0) {
		mars_redund_free(r);
		return mars_err_set(err, rc_, "faults",
		    "fault injection needs fault-injection = yes");
	}
	mars_redund_free(sc->ent[i].r);
	sc->ent[i].r = r;
	sc->ent[i].started = false;
	return 0;
}

/* ---- the members ---- */

static int
entity_of(const struct mars_simclu *sc, const uint8_t *atm, uint8_t tl)
{
	size_t i, n = tl & MARS_ATM_TL_LEN;

	if (atm == NULL)
		return -1;
	for (i = 0; i < sc->nmars; i++)
		if (sc->cc.mars[i].atm_len == n &&
		    memcmp(sc->cc.mars[i].atm, atm, n) == 0)
			return (int)i;
	return -1;
}

static int
vc_lookup(void *ctx, const struct mars_client_atm *mars, struct mars_vc *vc)
{
	struct sc_member *m = ctx;
	int j = entity_of(m->sc, mars->num, mars->tl);

	if (j < 0)
		return -1;
	vc->kind = MARS_VC_P2P;
	vc->id = m->sc->cvc[m->idx * m->sc->nmars + (size_t)j];
	return 0;
}

static void
member_event(struct mars_simclu *sc, struct sc_member *m,
    const struct mars_event *ev)
{
	struct mars_simclu_member_info *in = &m->info;

	switch (ev->kind) {
	case MARS_EV_REGISTERED:
		in->registrations++;
		if (in->first_registered == MARS_TIME_NEVER) {
			in->first_registered = ev->when;
			in->first_cmi = ev->cmi;
		}
		in->last_registered = ev->when;
		in->registered = true;
		in->cmi = ev->cmi;
		in->mars = entity_of(sc, ev->atm, ev->atm_tl);
		break;
	case MARS_EV_DEREGISTERED:
	case MARS_EV_MARS_FAILED:
		in->registered = false;
		if (ev->kind == MARS_EV_MARS_FAILED) {
			in->failures++;
			in->last_failure = ev->when;
		}
		break;
	case MARS_EV_REDIRECT:
		in->redirects++;
		break;
	case MARS_EV_REDIRECT_MAP:
		in->maps++;
		break;
	default:
		break;
	}
}

static void
on_sim_event(void *ctx, const struct mars_event *ev)
{
	struct mars_simclu *sc = ctx;

	if (ev->entity != MARS_SIM_NODE_NONE && ev->entity >= sc->nmars &&
	    ev->entity < sc->nmars + sc->n)
		member_event(sc, &sc->m[ev->entity - sc->nmars], ev);
	if (sc->on_event != NULL)
		sc->on_event(sc->ctx, ev);
}

static void
on_sim_msg(void *ctx, const struct mars_sim_msg *msg)
{
	struct mars_simclu *sc = ctx;
	struct mars_event ev;

	if (msg->fate != MARS_SIM_DELIVERED || sc->on_event == NULL ||
	    (sc->pmp_once && !msg->first_copy &&
	    (msg->vc_to.kind == MARS_VC_CCVC || msg->vc_to.kind == MARS_VC_SCVC)))
		return;
	mars_sim_msg_event(sc->s, msg, &ev);
	sc->on_event(sc->ctx, &ev);
}

void
mars_simclu_group_addr(const struct mars_simclu *sc, size_t g, uint8_t *addr,
    size_t *len)
{
	g++;
	if (sc->grp_len == 16) {
		static const uint8_t pfx[12] = { 0xff, 0x0e, 0, 0, 0, 0, 0, 0,
		    0, 0, 0, 0 };
		memcpy(addr, pfx, 12);
		addr[12] = 0;
		addr[13] = 1;
		addr[14] = (uint8_t)(g >> 8);
		addr[15] = (uint8_t)g;
	} else {
		addr[0] = 224;
		addr[1] = 1;
		addr[2] = (uint8_t)(g >> 8);
		addr[3] = (uint8_t)g;
	}
	*len = sc->grp_len;
}

/* The MARS list of member k: its partition's, or the election order. */
static size_t
member_list(const struct mars_simclu *sc, size_t k, uint8_t *list, int *part)
{
	const struct mars_partition_conf *p;

	if (sc->cc.n_partitions == 0) {
		*part = 0;
		memcpy(list, sc->elect, sc->nmars);
		return sc->nmars;
	}
	*part = (int)(k % sc->cc.n_partitions);
	p = &sc->cc.partitions[*part];
	memcpy(list, p->mars, p->n_mars);
	return p->n_mars;
}

static int
member_new(struct mars_simclu *sc, size_t k, struct mars_err *err)
{
	struct mars_client_mars mm[MARS_CONF_MARS_MAX];
	struct mars_client_conf cc;
	struct mars_client *cl;
	struct sc_member *m = &sc->m[k];
	uint8_t list[MARS_CONF_MARS_MAX];
	uint32_t node = (uint32_t)(sc->nmars + k);
	size_t n, j;
	int rc;

	n = member_list(sc, k, list, &m->info.partition);
	memset(mm, 0, sizeof(mm));
	for (j = 0; j < n; j++) {
		mm[j].atm.tl = sc->cc.mars[list[j]].atm_len;
		memcpy(mm[j].atm.num, sc->cc.mars[list[j]].atm, 20);
		mm[j].vc.kind = MARS_VC_P2P;
		mm[j].vc.id = sc->cvc[k * sc->nmars + list[j]];
		mm[j].has_ccvc = true;
		mm[j].ccvc_id = MARS_SIM_PMP_ID(list[j]);
	}
	if (sc->has_timers)
		cc = sc->timers;
	else {
		memset(&cc, 0, sizeof(cc));
		cc.failure_timeout = sc->cc.failure_timeout;
		cc.retransmit_interval = sc->cc.retransmit_interval;
	}
	cc.redirect_interval = sc->cc.redirect_interval;
	cc.pro_type = sc->grp_len == 16 ? MARS_PRO_IPV6 : MARS_PRO_IPV4;
	memset(&cc.own, 0, sizeof(cc.own));
	cc.own.tl = 20;
	memcpy(cc.own.num, m->atm, 20);
	memset(&cc.own_pa, 0, sizeof(cc.own_pa));
	cc.mars = mm;
	cc.nmars = n;
	cc.vc_lookup = vc_lookup;
	cc.vc_ctx = m;
	cc.rng = mars_sim_rng(sc->s);
	if ((rc = mars_client_new(&cl, &cc, mars_sim_node_io(sc->s, node),
	    err)) != 0)
		return rc;
	return mars_sim_node_set_machine(sc->s, node, cl);
}

/* ---- building ---- */

static void
elect_order(struct mars_simclu *sc)
{
	struct mars_redund_view v[MARS_CONF_MARS_MAX];
	size_t i;

	memset(v, 0, sizeof(v));
	for (i = 0; i < sc->nmars; i++) {
		v[i].atm = sc->cc.mars[i].atm;
		v[i].atm_len = sc->cc.mars[i].atm_len;
		v[i].priority = sc->cc.mars[i].priority;
		v[i].alive = true;
		v[i].ready = true;
	}
	mars_redund_elect_order(v, sc->nmars, sc->elect);
}

static int
build(struct mars_simclu *sc, struct mars_err *err)
{
	char name[24];
	uint32_t a, b;
	size_t i, j, k;
	int rc;

	for (i = 0; i < sc->nmars; i++)
		if (mars_sim_node_add(sc->s, sc->cc.mars[i].name, &ent_ops,
		    NULL) != i)
			return mars_err_set(err, MARS_E_NOSPACE, "sim",
			    "cannot add a node");
	for (i = 0; i < sc->nmars; i++)
		for (j = i + 1; j < sc->nmars; j++) {
			if ((rc = mars_sim_vc_server(sc->s, (uint32_t)i,
			    (uint32_t)j, &a, &b)) != 0)
				return mars_err_set(err, rc, "sim",
				    "inter-server VC");
			sc->svc[i][j] = a;
			sc->svc[j][i] = b;
		}
	for (k = 0; k < sc->n; k++) {
		snprintf(name, sizeof(name), "C%zu", k + 1);
		if (mars_sim_node_add(sc->s, name, &mars_sim_client_ops,
		    NULL) != sc->nmars + k)
			return mars_err_set(err, MARS_E_NOSPACE, "sim",
			    "cannot add a node");
		for (j = 0; j < sc->nmars; j++)
			if ((rc = mars_sim_vc_p2p(sc->s,
			    (uint32_t)(sc->nmars + k), (uint32_t)j,
			    &sc->cvc[k * sc->nmars + j], &a)) != 0)
				return mars_err_set(err, rc, "sim",
				    "member VC");
	}
	for (i = 0; i < sc->nmars; i++) {
		sc->ent[i].sc = sc;
		sc->ent[i].idx = (unsigned)i;
		if ((rc = ent_new(sc, (unsigned)i, err)) != 0)
			return rc;
		if ((rc = mars_sim_node_set_machine(sc->s, (uint32_t)i,
		    &sc->ent[i])) != 0)
			return mars_err_set(err, rc, "sim", "entity machine");
	}
	for (k = 0; k < sc->n; k++) {
		struct sc_member *m = &sc->m[k];

		m->sc = sc;
		m->idx = k;
		memset(m->atm, 0x39, 20);
		m->atm[16] = (uint8_t)(k >> 16);
		m->atm[17] = (uint8_t)(k >> 8);
		m->atm[18] = (uint8_t)k;
		m->atm[19] = 0;
		m->info.mars = -1;
		m->info.first_registered = MARS_TIME_NEVER;
		m->info.last_failure = MARS_TIME_NEVER;
		m->info.ngroups = sc->groups_each;
		if ((rc = member_new(sc, k, err)) != 0)
			return rc;
	}
	return 0;
}

int
mars_simclu_new(struct mars_simclu **out, const struct mars_simclu_conf *conf,
    struct mars_err *err)
{
	struct mars_simclu *sc;
	struct mars_sim_conf simc;
	int rc;

	*out = NULL;
	if (conf == NULL || conf->cluster == NULL ||
	    conf->cluster->n_mars == 0)
		return mars_err_set(err, MARS_E_INVAL, "cluster",
		    "no MARS entity");
	if (conf->nmembers > MARS_SIMCLU_MEMBERS_MAX)
		return mars_err_set(err, MARS_E_INVAL, "nmembers",
		    "more than MARS_SIMCLU_MEMBERS_MAX");
	if (conf->ngroups > MARS_SIMCLU_GROUPS_MAX ||
	    conf->groups_each > conf->ngroups ||
	    conf->groups_each > MARS_SIMCLU_GROUPS_EACH_MAX)
		return mars_err_set(err, MARS_E_INVAL, "groups",
		    "groups_each must be at most ngroups and 16");
	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return mars_err_set(err, MARS_E_NOSPACE, "simclu", "no memory");
	sc->cc = *conf->cluster;
	sc->nmars = sc->cc.n_mars;
	sc->n = conf->nmembers;
	sc->ngroups = conf->ngroups;
	sc->groups_each = conf->groups_each;
	sc->grp_len = sc->cc.protocol == MARS_CONF_PROTO_IPV6 ? 16 : 4;
	sc->faults = conf->faults;
	sc->part_id = -1;
	sc->mcs = MARS_SIM_NODE_NONE;
	sc->on_event = conf->on_event;
	sc->ctx = conf->ctx;
	sc->pmp_once = conf->pmp_once;
	if (conf->timers != NULL) {
		sc->timers = *conf->timers;
		sc->has_timers = true;
	}
	sc->cvc = calloc(sc->n * sc->nmars + 1, sizeof(*sc->cvc));
	sc->m = calloc(sc->n + 1, sizeof(*sc->m));
	if (sc->cvc == NULL || sc->m == NULL) {
		mars_simclu_free(sc);
		return mars_err_set(err, MARS_E_NOSPACE, "simclu", "no memory");
	}
	memset(&simc, 0, sizeof(simc));
	simc.seed = conf->seed;
	simc.net = conf->net;
	simc.no_log = !conf->keep_log;
	simc.on_event = on_sim_event;
	simc.on_msg = on_sim_msg;
	simc.ctx = sc;
	if ((rc = mars_sim_new(&sc->s, &simc, err)) != 0) {
		mars_simclu_free(sc);
		return rc;
	}
	elect_order(sc);
	if ((rc = build(sc, err)) != 0) {
		mars_simclu_free(sc);
		return rc;
	}
	*out = sc;
	return 0;
}

void
mars_simclu_free(struct mars_simclu *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	mars_sim_free(sc->s);
	for (i = 0; i < sc->nmars; i++)
		mars_redund_free(sc->ent[i].r);
	free(sc->cvc);
	free(sc->m);
	free(sc);
}

struct mars_sim *
mars_simclu_sim(struct mars_simclu *sc)
{
	return sc->s;
}

size_t
mars_simclu_nmars(const struct mars_simclu *sc)
{
	return sc->nmars;
}

size_t
mars_simclu_nmembers(const struct mars_simclu *sc)
{
	return sc->n;
}

mars_time_t
mars_simclu_now(const struct mars_simclu *sc)
{
	return mars_sim_now(sc->s);
}

int
mars_simclu_run_until(struct mars_simclu *sc, mars_time_t t,
    struct mars_err *err)
{
	int rc;

	if (t < mars_sim_now(sc->s))
		return 0;
	if ((rc = mars_sim_run_until(sc->s, t)) != 0)
		return mars_err_set(err, rc, "sim", "event budget exhausted");
	return 0;
}

int
mars_simclu_start_members(struct mars_simclu *sc)
{
	struct mars_client *cl;
	mars_time_t now = mars_sim_now(sc->s);
	uint8_t g[16];
	size_t k, j, len;
	int rc;

	for (k = 0; k < sc->n; k++) {
		uint32_t node = (uint32_t)(sc->nmars + k);

		cl = mars_sim_node_machine(sc->s, node);
		if ((rc = mars_client_start(cl, now)) != 0)
			return rc;
		for (j = 0; j < sc->groups_each; j++) {
			mars_simclu_group_addr(sc, (k + j) % sc->ngroups, g,
			    &len);
			if ((rc = mars_client_join(cl, now, g, len)) != 0)
				return rc;
		}
		if ((rc = mars_sim_wake(sc->s, node)) != 0)
			return rc;
	}
	return 0;
}

/* ---- faults ---- */

static int
check_ent(const struct mars_simclu *sc, unsigned i)
{
	return i < sc->nmars ? 0 : MARS_E_INVAL;
}

int
mars_simclu_kill(struct mars_simclu *sc, unsigned i)
{
	return check_ent(sc, i) != 0 ? MARS_E_INVAL : mars_sim_kill(sc->s, i);
}

int
mars_simclu_hang(struct mars_simclu *sc, unsigned i)
{
	return check_ent(sc, i) != 0 ? MARS_E_INVAL : mars_sim_hang(sc->s, i);
}

int
mars_simclu_resume(struct mars_simclu *sc, unsigned i)
{
	return check_ent(sc, i) != 0 ? MARS_E_INVAL : mars_sim_resume(sc->s, i);
}

int
mars_simclu_restart(struct mars_simclu *sc, unsigned i)
{
	int rc;

	if (check_ent(sc, i) != 0)
		return MARS_E_INVAL;
	if ((rc = ent_new(sc, i, NULL)) != 0)
		return rc;
	return mars_sim_restart(sc->s, i, &sc->ent[i]);
}

int
mars_simclu_partition(struct mars_simclu *sc, const unsigned *a, size_t na,
    const unsigned *b, size_t nb, int members_with)
{
	uint32_t *sa, *sb;
	size_t i, ka = 0, kb = 0, extra;
	int rc;

	extra = members_with != 0 ? sc->n + 1 : 0;
	sa = calloc(na + extra + 1, sizeof(*sa));
	sb = calloc(nb + extra + 1, sizeof(*sb));
	if (sa == NULL || sb == NULL) {
		free(sa);
		free(sb);
		return MARS_E_NOSPACE;
	}
	for (i = 0; i < na; i++)
		sa[ka++] = a[i];
	for (i = 0; i < nb; i++)
		sb[kb++] = b[i];
	for (i = 0; members_with != 0 && i < sc->n; i++) {
		if (members_with == 1)
			sa[ka++] = (uint32_t)(sc->nmars + i);
		else
			sb[kb++] = (uint32_t)(sc->nmars + i);
	}
	if (sc->part_id >= 0)
		(void)mars_sim_heal(sc->s, -1);
	rc = mars_sim_partition(sc->s, sa, ka, sb, kb);
	free(sa);
	free(sb);
	if (rc < 0)
		return rc;
	sc->part_id = rc;
	return 0;
}

int
mars_simclu_heal(struct mars_simclu *sc)
{
	sc->part_id = -1;
	return mars_sim_heal(sc->s, -1);
}

void
mars_simclu_set_net(struct mars_simclu *sc, const struct mars_sim_net *net)
{
	mars_sim_set_net(sc->s, net);
}

/* ---- an MCS (RFC 2022 §6.2) ---- */

static void
mcs_input(void *m, mars_time_t now, const struct mars_vc *vc,
    const uint8_t *sdu, size_t len)
{
	(void)m;
	(void)now;
	(void)vc;
	(void)sdu;
	(void)len;
}

static mars_time_t
mcs_tick(void *m, mars_time_t now)
{
	(void)m;
	(void)now;
	return MARS_TIME_NEVER;
}

static const struct mars_sim_node_ops mcs_ops = {
	.input = mcs_input,
	.tick = mcs_tick,
};

static void
mcs_send(struct mars_simclu *sc, unsigned j, const uint8_t *group)
{
	uint8_t atm[20], buf[256], pair[32];
	struct mars_msg m;
	struct mars_vc vc;
	const struct mars_io *io = mars_sim_node_io(sc->s, sc->mcs);
	size_t n;

	memset(atm, 0x3a, 20);
	memset(&m, 0, sizeof(m));
	m.afn = MARS_AFN_ATM;
	m.pro_type = sc->grp_len == 16 ? MARS_PRO_IPV6 : MARS_PRO_IPV4;
	m.op = MARS_MSERV;
	m.sha.addr = atm;
	m.sha.tl = 20;
	m.grp_len = (uint8_t)sc->grp_len;
	if (group == NULL)
		m.flags = MARS_FLAG_REGISTER;
	else {
		memcpy(pair, group, sc->grp_len);
		memcpy(pair + sc->grp_len, group, sc->grp_len);
		m.pnum = 1;
		m.list = pair;
	}
	if (mars_encode(&m, buf, sizeof(buf), &n, MARS_ENC_LLC, NULL) != 0)
		return;
	vc.kind = MARS_VC_P2P;
	vc.id = sc->mcs_vc[j];
	io->send(io->ctx, &vc, buf, n);
}

struct mcs_job {
	struct mars_simclu	*sc;
	unsigned		 ent;
	uint8_t			 group[16];
};

static void
mcs_join_later(struct mars_sim *s, void *arg)
{
	struct mcs_job *job = arg;

	(void)s;
	mcs_send(job->sc, job->ent, job->group);
	free(job);
}

int
mars_simclu_mcs_serve(struct mars_simclu *sc, size_t g)
{
	struct mcs_job *job;
	uint32_t other;
	size_t i, len;
	int target = -1;

	if (g >= sc->ngroups)
		return MARS_E_INVAL;
	if (sc->mcs == MARS_SIM_NODE_NONE) {
		sc->mcs = mars_sim_node_add(sc->s, "MCS", &mcs_ops, sc);
		if (sc->mcs == MARS_SIM_NODE_NONE)
			return MARS_E_NOSPACE;
		for (i = 0; i < sc->nmars; i++)
			if (mars_sim_vc_p2p(sc->s, sc->mcs, (uint32_t)i,
			    &sc->mcs_vc[i], &other) != 0)
				return MARS_E_NOSPACE;
	}
	for (i = 0; i < sc->nmars && target < 0; i++)
		if (mars_simclu_role(sc, (unsigned)i) == MARS_REDUND_ACTIVE)
			target = (int)i;
	if (target < 0)
		return MARS_E_INVAL;
	if ((job = calloc(1, sizeof(*job))) == NULL)
		return MARS_E_NOSPACE;
	job->sc = sc;
	job->ent = (unsigned)target;
	mars_simclu_group_addr(sc, g, job->group, &len);
	mcs_send(sc, (unsigned)target, NULL);
	/* The group once the registration is answered (RFC 2022 §6.2.2). */
	if (mars_sim_at(sc->s, mars_sim_now(sc->s) + 500, mcs_join_later,
	    job) != 0) {
		free(job);
		return MARS_E_NOSPACE;
	}
	return 0;
}

/* ---- looking ---- */

int
mars_simclu_state(const struct mars_simclu *sc, unsigned i)
{
	return mars_sim_node_state(sc->s, i);
}

int
mars_simclu_role(const struct mars_simclu *sc, unsigned i)
{
	if (i >= sc->nmars ||
	    mars_sim_node_state(sc->s, i) == MARS_SIM_NODE_DEAD)
		return MARS_REDUND_DEAD;
	return mars_redund_role(sc->ent[i].r);
}

int
mars_simclu_active(const struct mars_simclu *sc, unsigned i, int p)
{
	if (i >= sc->nmars)
		return -1;
	return mars_redund_active(sc->ent[i].r, p);
}

const struct mars_server *
mars_simclu_server(const struct mars_simclu *sc, unsigned i)
{
	return i < sc->nmars ? mars_redund_server_const(sc->ent[i].r) : NULL;
}

const struct mars_redund *
mars_simclu_redund(const struct mars_simclu *sc, unsigned i)
{
	return i < sc->nmars ? sc->ent[i].r : NULL;
}

int
mars_simclu_member(const struct mars_simclu *sc, size_t k,
    struct mars_simclu_member_info *out)
{
	const struct mars_client *cl;
	enum mars_client_group_state st;
	size_t j;

	if (k >= sc->n)
		return MARS_E_INVAL;
	*out = sc->m[k].info;
	cl = mars_sim_node_machine(sc->s, (uint32_t)(sc->nmars + k));
	out->registered = mars_client_registered(cl);
	out->njoined = 0;
	for (j = 0; j < mars_client_group_count(cl); j++)
		if (mars_client_group(cl, j, &st) != NULL &&
		    st == MARS_CLIENT_GRP_JOINED)
			out->njoined++;
	return 0;
}

bool
mars_simclu_member_group(const struct mars_simclu *sc, size_t k, size_t j,
    uint8_t *addr, size_t *len)
{
	if (k >= sc->n || j >= sc->groups_each)
		return false;
	mars_simclu_group_addr(sc, (k + j) % sc->ngroups, addr, len);
	return true;
}

const uint8_t *
mars_simclu_member_atm(const struct mars_simclu *sc, size_t k)
{
	return k < sc->n ? sc->m[k].atm : NULL;
}

uint32_t
mars_simclu_mars_node(const struct mars_simclu *sc, unsigned i)
{
	return i < sc->nmars ? i : MARS_SIM_NODE_NONE;
}

uint32_t
mars_simclu_member_node(const struct mars_simclu *sc, size_t k)
{
	return k < sc->n ? (uint32_t)(sc->nmars + k) : MARS_SIM_NODE_NONE;
}
