/*
 * Registrations and Cluster Member IDs (RFC 2022 §5.2.3; draft §3.3,
 * §4.3): rules cmi-continuity, cmi-unique and cmi-block.
 *
 * A registration reply is a MARS_JOIN (register = 1, copy = 1) the MARS
 * returns on the member's own VC with mar$cmi filled in; a
 * deregistration is the MARS_LEAVE (register = 1) that comes back.  A
 * member that registers again without deregistering -- after a failover,
 * a hard redirect or a restart of its MARS -- must get the CMI it had
 * (§3.3: the Backups know every member's CMI), and no two registered
 * members may hold one CMI.  With partitions, an Active Sub-MARS hands
 * out new CMIs from its partition's block (§4.3); a Backup's temporary
 * answer before its hard redirect is not held to a block.
 */
#include <stdio.h>
#include <string.h>

#include "check_int.h"

static void
atm_hex(const struct member *m, char *buf, size_t len)
{
	size_t k, o = 0;

	buf[0] = '\0';
	for (k = 0; k < m->atm_len && o + 3 <= len; k++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", m->atm[k]);
}

static void
hist_add(struct mars_check *c, struct member *m, uint16_t cmi, int mars,
    uint64_t us)
{
	int ep = -1;
	size_t p;

	for (p = 0; p < c->nparts; p++)
		if (c->active[p] == mars && c->cur_epoch[p] >= 0)
			ep = c->cur_epoch[p];
	if (ep < 0 && c->nparts > 0)
		ep = c->cur_epoch[0];
	if (m->nhist == MARS_CHECK_CMI_HIST) {
		/* Keep the first registration and the latest ones. */
		memmove(&m->hist[1], &m->hist[2],
		    (MARS_CHECK_CMI_HIST - 2) * sizeof(m->hist[0]));
		m->nhist--;
	}
	m->hist[m->nhist].cmi = cmi;
	m->hist[m->nhist].mars = (int16_t)mars;
	m->hist[m->nhist].epoch = (int16_t)ep;
	m->hist[m->nhist].us = us;
	m->nhist++;
}

/* Within the blocks entity s may hand new CMIs out of as an Active. */
static void
check_block(struct mars_check *c, struct msgctx *mc, uint16_t cmi,
    const char *who_m)
{
	const struct mars_check_mars_conf *mc_conf;
	const struct mars_check_part_conf *pc;
	char who[64], blocks[160];
	size_t p, o = 0;
	bool any = false, in = false;
	int s = mc->sender, cf;

	if (!c->conf.has_cluster) {
		rule_unknown(c, MARS_CHECK_CMI_BLOCK,
		    "CMI blocks are known from the cluster file (-c) only");
		return;
	}
	if (s < 0 || (cf = c->ent[s].conf) < 0) {
		rule_unknown(c, MARS_CHECK_CMI_BLOCK,
		    "a registration was answered by a MARS that could not be "
		    "named");
		return;
	}
	if (!is_active_anywhere(c, s, mc->us))
		return;
	blocks[0] = '\0';
	mc_conf = &c->conf.mars[cf];
	if (mc_conf->has_cmi) {
		any = true;
		in |= cmi >= mc_conf->cmi_low && cmi <= mc_conf->cmi_high;
		o += (size_t)snprintf(blocks + o, sizeof(blocks) - o, "%u-%u",
		    mc_conf->cmi_low, mc_conf->cmi_high);
	}
	for (p = 0; p < c->conf.n_partitions; p++) {
		pc = &c->conf.partitions[p];
		if (active_of(c, (int)p, mc->us) != s || pc->cmi_low == 0)
			continue;
		any = true;
		in |= cmi >= pc->cmi_low && cmi <= pc->cmi_high;
		if (o < sizeof(blocks))
			o += (size_t)snprintf(blocks + o, sizeof(blocks) - o,
			    "%s%u-%u (%s)", o ? ", " : "", pc->cmi_low,
			    pc->cmi_high, pc->name);
	}
	if (!any) {
		rule_unknown(c, MARS_CHECK_CMI_BLOCK,
		    "the cluster file gives the answering MARS no CMI block");
		return;
	}
	if (in)
		rule_held(c, MARS_CHECK_CMI_BLOCK);
	else
		finding(c, MARS_CHECK_CMI_BLOCK, mc->us, s, &mc->frame, 1,
		    "%s, Active, gives %s the new CMI %u, outside its block %s",
		    ent_label(c, s, who, sizeof(who)), who_m, cmi, blocks);
}

/*
 * s has lost its database since us and not learnt it again (entity.c):
 * the cluster may have lost every CMI bound before (all its entities
 * restarted), and RFC 2022 members re-register afresh then.
 */
static bool
amnesic_since(const struct mars_check *c, int s, uint64_t us)
{
	return s >= 0 && c->ent[s].amnesic && c->ent[s].amnesic_us >= us;
}

/*
 * Who holds a member's binding.  The MARS that registered it; an entity
 * a CSU Request carrying its registration record (RFC 2443 §3) reached;
 * an entity that aligned its cache with one holding it.  One that lost
 * its database (entity.c) holds none.  A MARS never reached by the
 * binding -- the record still on its way when the one that had it died,
 * lost on the network -- cannot be held to it: that is replication's
 * failure or the network's, not a CMI given away.  An entity never seen
 * in the inter-server traffic is taken to hold every binding, as RFC
 * 2022's single MARS would.
 */
static uint64_t
ent_bit(int i)
{
	return i >= 0 && i < 64 ? (uint64_t)1 << i : 0;
}

static bool
holds(const struct mars_check *c, int s, const struct member *mb)
{
	return s < 0 || !c->ent[s].scsp || (mb->known & ent_bit(s)) != 0;
}

/* A CSU Request reached r: the registrations it carries are r's now. */
void
cmi_replicated(struct mars_check *c, const struct mars_scsp_msg *m, int r)
{
	struct mars_scsp_mars_part mp;
	struct mars_scsp_iter it;
	struct mars_scsp_csas rec;
	struct mars_err err;
	struct member *mb;

	if (m->protocol_id != MARS_SCSP_PROTO_MARS || ent_bit(r) == 0)
		return;
	mars_scsp_iter_init(m, &it);
	while (mars_scsp_next_csas(&it, &rec)) {
		if (rec.null || rec.body_len == 0)
			continue;
		memset(&err, 0, sizeof(err));
		if (mars_scsp_mars_decode(&mp, rec.body, rec.body_len, 0,
		    &err) != 0 || mp.state != MARS_SCSP_MARS_CLIENT_JOIN ||
		    !(mp.flags & MARS_FLAG_REGISTER) || mp.atm.addr == NULL)
			continue;
		mb = member_get(c, mp.atm.addr, mp.atm.tl & MARS_ATM_TL_LEN,
		    false);
		if (mb != NULL && mb->registered && mb->cmi == mp.cmi)
			mb->known |= ent_bit(r);
	}
}

/* i aligned its cache with p: it holds whatever p holds. */
void
cmi_learnt(struct mars_check *c, int i, int p)
{
	size_t k;

	if (ent_bit(i) == 0 || ent_bit(p) == 0)
		return;
	for (k = 0; k < c->nmem; k++)
		if (c->mem[k].known & ent_bit(p))
			c->mem[k].known |= ent_bit(i);
}

/* i lost its database. */
void
cmi_forgot(struct mars_check *c, int i)
{
	size_t k;

	for (k = 0; k < c->nmem; k++)
		c->mem[k].known &= ~ent_bit(i);
}

void
cmi_registration(struct mars_check *c, struct msgctx *mc)
{
	const struct mars_msg *m = &mc->pdu->u.mars;
	struct member *mb, *other;
	char who[64], mem[48], oth[48];
	uint64_t fr[2];
	uint32_t owner;
	uint8_t len = m->sha.tl & MARS_ATM_TL_LEN;
	uint16_t cmi = m->cmi;
	size_t idx;
	bool fresh;
	int s = mc->sender;

	if (len == 0 || m->sha.addr == NULL || cmi == 0)
		return;
	if ((mb = member_get(c, m->sha.addr, len, true)) == NULL) {
		rule_unknown(c, MARS_CHECK_CMI_UNIQUE,
		    "more members than the checker keeps");
		return;
	}
	idx = (size_t)(mb - c->mem);
	atm_hex(mb, mem, sizeof(mem));
	fresh = !mb->registered || mb->cmi == 0;

	/* cmi-continuity */
	if (!fresh && mb->cmi == cmi)
		rule_held(c, MARS_CHECK_CMI_CONTINUITY);
	else if (!fresh && amnesic_since(c, s, mb->reg_us))
		rule_unknown(c, MARS_CHECK_CMI_CONTINUITY, "the answering "
		    "MARS restarted since the member's last registration and "
		    "did not align with an entity that kept the CMIs");
	else if (!fresh && !holds(c, s, mb))
		rule_unknown(c, MARS_CHECK_CMI_CONTINUITY, "the member's "
		    "registration never reached the answering MARS");
	else if (!fresh) {
		fr[0] = mc->frame;
		fr[1] = 0;
		finding(c, MARS_CHECK_CMI_CONTINUITY, mc->us, s, fr, 1,
		    "member %s registers again with %s and gets CMI %u, not "
		    "the CMI %u it had", mem, ent_label(c, s, who, sizeof(who)),
		    cmi, mb->cmi);
	}

	/* cmi-unique */
	owner = c->cmi_owner[cmi];
	if (owner != 0 && owner - 1 != idx) {
		other = &c->mem[owner - 1];
		if (other->registered && other->cmi == cmi &&
		    (amnesic_since(c, s, other->reg_us) ||
		    !holds(c, s, other))) {
			rule_unknown(c, MARS_CHECK_CMI_UNIQUE, "the answering "
			    "MARS restarted since the holder registered and did "
			    "not align with an entity that kept the CMIs");
		} else if (other->registered && other->cmi == cmi) {
			atm_hex(other, oth, sizeof(oth));
			finding(c, MARS_CHECK_CMI_UNIQUE, mc->us, s, &mc->frame,
			    1, "%s gives CMI %u to member %s while member %s "
			    "holds it", ent_label(c, s, who, sizeof(who)), cmi,
			    mem, oth);
		} else
			rule_held(c, MARS_CHECK_CMI_UNIQUE);
	} else
		rule_held(c, MARS_CHECK_CMI_UNIQUE);

	/* cmi-block: only a CMI the member did not have already. */
	if (fresh || mb->cmi != cmi)
		check_block(c, mc, cmi, mem);

	if (mb->cmi != 0 && mb->cmi != cmi && c->cmi_owner[mb->cmi] == idx + 1)
		c->cmi_owner[mb->cmi] = 0;
	c->cmi_owner[cmi] = (uint32_t)(idx + 1);
	if (fresh || mb->cmi != cmi)
		mb->known = 0;
	mb->known |= ent_bit(s);
	mb->registered = true;
	mb->cmi = cmi;
	mb->mars = s;
	mb->reg_us = mc->us;
	mb->regs++;
	mb->end = mc->ev->dst;
	hist_add(c, mb, cmi, s, mc->us);
	redirect_registration(c, mc, mb);
}

void
cmi_deregistration(struct mars_check *c, struct msgctx *mc)
{
	const struct mars_msg *m = &mc->pdu->u.mars;
	struct member *mb;
	uint8_t len = m->sha.tl & MARS_ATM_TL_LEN;
	uint32_t idx;

	if (len == 0 || m->sha.addr == NULL ||
	    (mb = member_get(c, m->sha.addr, len, false)) == NULL)
		return;
	idx = (uint32_t)(mb - c->mem) + 1;
	if (mb->cmi != 0 && c->cmi_owner[mb->cmi] == idx)
		c->cmi_owner[mb->cmi] = 0;
	mb->registered = false;
}
