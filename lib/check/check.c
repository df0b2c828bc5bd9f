/*
 * The rule engine (check.h): one event at a time, decoded when the
 * producer did not, the per-leaf copies of pt-mpt messages recognised,
 * then handed to the rule families (check_int.h names the files).
 */
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

#define MAX_FINDINGS_DEFAULT	1000
#define MAX_MEMBERS_DEFAULT	65536
#define MAX_GROUPS_DEFAULT	65536
#define CMI_SPACE		65536

/* What each rule needs that a stream may lack, when nothing decided it. */
static const char *const none_why[MARS_CHECK_NRULES] = {
	[MARS_CHECK_REDIRECT_WHOLE_GROUP] = "no redirect map in the stream",
	[MARS_CHECK_REDIRECT_ONLY_GROUP] = "no redirect map in the stream",
	[MARS_CHECK_REDIRECT_SENDER_FIRST] = "no soft redirect map in the "
	    "stream",
	[MARS_CHECK_REDIRECT_LIVING_FIRST] = "no redirect map in the stream",
	[MARS_CHECK_REDIRECT_STABLE] = "fewer than two maps from one Active",
	[MARS_CHECK_REDIRECT_PARTITION] = "no redirect map in the stream",
	[MARS_CHECK_REDIRECT_HARD_FROM_BACKUP] = "no hard redirect in the "
	    "stream",
	[MARS_CHECK_BACKUP_HARD_REDIRECT] = "no registration answered by a "
	    "Backup in the stream",
	[MARS_CHECK_SOFT_AFTER_SYNC] = "no soft redirect to another entity "
	    "in the stream",
	[MARS_CHECK_CMI_CONTINUITY] = "no member registered twice in the "
	    "stream",
	[MARS_CHECK_CMI_UNIQUE] = "no registration reply in the stream",
	[MARS_CHECK_CMI_BLOCK] = "no new CMI handed out by an Active in the "
	    "stream",
	[MARS_CHECK_REGISTRATION_CSN] = "no registration reply in the stream",
	[MARS_CHECK_CSN_SEQUENCE] = "fewer than two ClusterControlVC messages "
	    "from one MARS",
	[MARS_CHECK_MCS_JOIN_SUPPRESSED] = "no MCS-supported group in the "
	    "stream",
	[MARS_CHECK_SINGLE_ACTIVE] = "no map from an Active in the stream",
};

int
mars_check_new(struct mars_check **cp, const struct mars_check_conf *conf,
    struct mars_err *err)
{
	struct mars_check *c;
	size_t i, k;
	int e;

	*cp = NULL;
	if (conf->n_mars > MARS_CHECK_MARS_MAX ||
	    conf->n_partitions > MARS_CHECK_PART_MAX)
		return mars_err_set(err, MARS_E_INVAL, "conf",
		    "too many entities or partitions");
	for (i = 0; i < conf->n_partitions; i++)
		for (k = 0; k < conf->partitions[i].n_mars; k++)
			if (conf->partitions[i].mars[k] >= conf->n_mars)
				return mars_err_set(err, MARS_E_INVAL,
				    "partitions", "an entity past n_mars");
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return mars_err_set(err, MARS_E_NOSPACE, "check", "no memory");
	c->conf = *conf;
	if (c->conf.rules == 0)
		c->conf.rules = MARS_CHECK_ALL_RULES;
	c->conf.rules &= MARS_CHECK_ALL_RULES;
	if (c->conf.max_findings == 0)
		c->conf.max_findings = MAX_FINDINGS_DEFAULT;
	if (c->conf.max_members == 0)
		c->conf.max_members = MAX_MEMBERS_DEFAULT;
	if (c->conf.max_members > UINT32_MAX - 1)
		c->conf.max_members = UINT32_MAX - 1;
	if (c->conf.max_groups == 0)
		c->conf.max_groups = MAX_GROUPS_DEFAULT;
	c->found = calloc(c->conf.max_findings, sizeof(*c->found));
	c->cmi_owner = calloc(CMI_SPACE, sizeof(*c->cmi_owner));
	if (c->found == NULL || c->cmi_owner == NULL) {
		mars_check_free(c);
		return mars_err_set(err, MARS_E_NOSPACE, "check", "no memory");
	}
	c->seq_cur = -1;
	/* Without the file, partitions are inferred (active.c). */
	c->nparts = !conf->has_cluster ? 0 : conf->n_partitions > 0 ?
	    conf->n_partitions : 1;
	for (i = 0; i < MARS_CHECK_PART_MAX; i++) {
		c->active[i] = -1;
		c->prev_active[i] = -1;
		c->cur_epoch[i] = -1;
	}
	c->interval_us = conf->redirect_interval * 1000u;
	c->hello_us = conf->hello_interval * 1000u;
	c->dead_us = c->hello_us * conf->dead_factor;
	/* The file's entities first, so that index i is conf.mars[i]. */
	for (i = 0; conf->has_cluster && i < conf->n_mars; i++) {
		e = ent_add(c, conf->mars[i].atm, conf->mars[i].atm_len, NULL);
		if (e < 0)
			break;
		c->ent[e].conf = (int)i;
		memcpy(c->ent[e].name, conf->mars[i].name,
		    sizeof(c->ent[e].name) - 1);
		for (k = 0; k < conf->mars[i].n_ends && k < 2; k++)
			ent_bind_end(c, e, &conf->mars[i].ends[k]);
		c->ent[e].n_conf_ends = c->ent[e].n_ends;
	}
	*cp = c;
	return 0;
}

void
mars_check_free(struct mars_check *c)
{
	if (c == NULL)
		return;
	members_free(c);
	free(c->found);
	free(c->cmi_owner);
	free(c);
}

/*
 * The VC a message came on when the producer did not say: the messages
 * RFC 2022 sends on ClusterControlVC only (JOIN/LEAVE copies other than
 * registration replies §5.2.1, MIGRATE §5.1.6, the periodic soft map
 * §5.4.3), else a point-to-point VC.  A hard map is taken as the private
 * one a Backup sends (draft §3.2).
 */
static uint8_t
infer_vc(const struct mars_msg *m)
{
	switch (m->op) {
	case MARS_JOIN:
	case MARS_LEAVE:
		return (m->flags & (MARS_FLAG_COPY | MARS_FLAG_REGISTER)) ==
		    MARS_FLAG_COPY ? MARS_VC_CCVC : MARS_VC_P2P;
	case MARS_MIGRATE:
		return MARS_VC_CCVC;
	case MARS_REDIRECT_MAP:
		return (m->redirf & MARS_REDIRF_HARD) ? MARS_VC_P2P :
		    MARS_VC_CCVC;
	}
	return MARS_VC_P2P;
}

static void
mars_message(struct mars_check *c, struct msgctx *mc)
{
	const struct mars_msg *m = &mc->pdu->u.mars;

	mc->vc_known = mc->ev->vc.kind != MARS_VC_UNKNOWN;
	mc->vc = mc->vc_known ? mc->ev->vc.kind : infer_vc(m);
	mc->sender = sender_of(c, mc);
	if (csn_message(c, mc))
		return;			/* a per-leaf copy */
	if (mc->sender >= 0)
		ent_heard(c, mc->sender, mc->us);
	mcs_message(c, mc);
	switch (m->op) {
	case MARS_REDIRECT_MAP:
		redirect_map(c, mc);
		break;
	case MARS_JOIN:
		if ((m->flags & (MARS_FLAG_REGISTER | MARS_FLAG_COPY)) !=
		    (MARS_FLAG_REGISTER | MARS_FLAG_COPY) ||
		    mc->vc == MARS_VC_CCVC)
			break;
		if (m->cmi == 0) {
			/* RFC 2022 §5.2.3: no CMI to follow (nonconforming). */
			rule_unknown(c, MARS_CHECK_CMI_UNIQUE, "a registration "
			    "reply carried CMI 0 (RFC 2022 §5.2.3)");
			rule_unknown(c, MARS_CHECK_CMI_CONTINUITY, "a "
			    "registration reply carried CMI 0");
			break;
		}
		csn_registration(c, mc);
		cmi_registration(c, mc);
		break;
	case MARS_LEAVE:
		if (m->flags & MARS_FLAG_REGISTER)
			cmi_deregistration(c, mc);
		break;
	}
}

void
mars_check_tick(struct mars_check *c, uint64_t us)
{
	if (us > c->now)
		c->now = us;
	redirect_settle(c, c->now, false);
}

void
mars_check_feed(struct mars_check *c, const struct mars_event *ev)
{
	struct mars_pdu local;
	struct msgctx mc;
	uint64_t us = mars_event_us(ev);

	if (c->ended)
		return;
	c->st.events++;
	if (c->st.first_us == 0 || us < c->st.first_us)
		c->st.first_us = us;
	if (us > c->st.last_us)
		c->st.last_us = us;
	if (us > c->now)
		c->now = us;
	if (c->nhard > 0 || c->nsoft > 0 || c->nstable > 0)
		redirect_settle(c, c->now, false);
	if (ev->kind != MARS_EV_MESSAGE) {
		c->st.happenings++;
		ent_happening(c, ev);
		return;
	}
	c->st.messages++;
	memset(&mc, 0, sizeof(mc));
	mc.ev = ev;
	mc.us = us;
	mc.frame = ev->frame;
	mc.sender = -1;
	if (ev->sdu == NULL || ev->sdu_len == 0) {
		c->st.other++;
		return;
	}
	if ((mc.pdu = ev->pdu) == NULL) {
		(void)mars_pdu_decode(&local, ev->sdu, ev->sdu_len, 0);
		mc.pdu = &local;
	}
	if (mars_pdu_malformed(mc.pdu)) {
		c->st.malformed++;
		return;
	}
	if (mars_pdu_nonconf(mc.pdu) != 0)
		c->st.nonconforming++;
	mc.hash = sdu_hash(ev->sdu, ev->sdu_len);
	switch (mc.pdu->kind) {
	case MARS_PDU_MARS:
		c->st.mars_msgs++;
		mars_message(c, &mc);
		break;
	case MARS_PDU_SCSP:
		c->st.scsp_msgs++;
		if (ev->src.kind != MARS_END_NONE)
			mc.sender = ent_by_end(c, &ev->src);
		sync_scsp(c, &mc);
		break;
	default:
		c->st.other++;
		break;
	}
	c->st.redirect_interval_us = c->interval_us;
}

void
mars_check_end(struct mars_check *c)
{
	unsigned i;

	if (c->ended)
		return;
	redirect_settle(c, c->now, true);
	csn_end(c);
	for (i = 0; i < MARS_CHECK_NRULES; i++)
		rule_unknown(c, i, none_why[i]);
	c->ended = true;
}

const struct mars_check_stats *
mars_check_stats(const struct mars_check *c)
{
	return &c->st;
}

const char *
mars_check_role_name(int role)
{
	switch (role) {
	case MARS_CHECK_ROLE_DEAD:	return "dead";
	case MARS_CHECK_ROLE_BACKUP:	return "backup";
	case MARS_CHECK_ROLE_ACTIVE:	return "active";
	}
	return "unknown";
}

size_t
mars_check_mars_count(const struct mars_check *c)
{
	return c->nent;
}

bool
mars_check_mars(const struct mars_check *c, size_t i,
    struct mars_check_mars_info *out)
{
	const struct ent *en;
	const struct seq *s;
	size_t p;

	if (i >= c->nent || c->ent[i].alias >= 0)
		return false;
	en = &c->ent[i];
	memset(out, 0, sizeof(*out));
	memcpy(out->name, en->name, sizeof(out->name));
	memcpy(out->atm, en->atm, en->atm_len);
	out->atm_len = en->atm_len;
	if (en->n_ends > 0)
		out->end = en->ends[0];
	out->partition = -1;
	for (p = 0; p < c->nparts; p++)
		if (active_of(c, (int)p, c->now) == (int)i) {
			out->role = MARS_CHECK_ROLE_ACTIVE;
			out->partition = (int)p;
			break;
		}
	out->liveness_known = liveness_visible(c) && en->scsp;
	if (out->liveness_known)
		out->alive = en->heard && c->now <= en->last_us + c->dead_us;
	else if (out->role == MARS_CHECK_ROLE_ACTIVE)
		out->alive = true;
	if (out->role != MARS_CHECK_ROLE_ACTIVE) {
		if (ent_known_dead(c, (int)i, c->now))
			out->role = MARS_CHECK_ROLE_DEAD;
		else if (out->liveness_known && out->alive)
			out->role = MARS_CHECK_ROLE_BACKUP;
	}
	out->first_us = en->first_us;
	out->last_us = en->last_us;
	out->maps = en->maps;
	out->ccvc_msgs = en->ccvc_msgs;
	if ((s = ccvc_seq(c, (int)i)) != NULL) {
		out->has_csn = true;
		out->csn_first = s->first;
		out->csn_last = s->last;
		out->csn_gaps = s->gaps;
	}
	out->sequences = en->sequences;
	return true;
}
