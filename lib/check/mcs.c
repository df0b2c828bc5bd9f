/*
 * Multicast servers (RFC 2022 §6.2; draft §3.6): which groups an MCS
 * supports, and rule mcs-join-suppressed.  A MARS_JOIN for an
 * MCS-supported group goes back to the member privately, never on
 * ClusterControlVC (RFC 2022 §6.2.4); the draft adds that a new Active
 * must know the MCS-supported groups at once, so that the members'
 * re-joins after a failover do not storm ClusterControlVC (§3.6).  A
 * group stops being MCS-supported with MARS_UNSERV, or when the Active
 * withdraws an MCS that did not come back with a MARS_LEAVE naming it on
 * ClusterControlVC (marsd's answer to the draft's open question).
 */
#include <stdio.h>
#include <string.h>

#include "check_int.h"

static int
mcs_find(const struct mars_check *c, const uint8_t *atm, uint8_t len)
{
	size_t i;

	if (len != MARS_ATM_ADDR_MAX)
		return -1;
	for (i = 0; i < c->nmcs; i++)
		if (memcmp(c->mcs[i], atm, len) == 0)
			return (int)i;
	return -1;
}

static void
mcs_add(struct mars_check *c, const uint8_t *atm, uint8_t len)
{
	if (len != MARS_ATM_ADDR_MAX || mcs_find(c, atm, len) >= 0 ||
	    c->nmcs >= MCS_MAX)
		return;
	memcpy(c->mcs[c->nmcs++], atm, len);
}

static int
served(const struct mars_check *c, uint32_t g)
{
	size_t i;

	for (i = 0; i < c->nmcs_grp; i++)
		if (c->mcs_grp[i] == g)
			return (int)i;
	return -1;
}

static void
serve(struct mars_check *c, uint32_t g, bool on)
{
	int i = served(c, g);

	if (g == UINT32_MAX)
		return;
	if (on && i < 0 && c->nmcs_grp < MCS_GROUP_MAX)
		c->mcs_grp[c->nmcs_grp++] = g;
	else if (!on && i >= 0)
		c->mcs_grp[i] = c->mcs_grp[--c->nmcs_grp];
}

/* Single groups <G,G> of a JOIN-family message, one call each. */
static void
each_group(struct mars_check *c, const struct mars_msg *m,
    void (*fn)(struct mars_check *, struct msgctx *, uint32_t),
    struct msgctx *mc)
{
	const uint8_t *min, *max;
	unsigned i;
	uint32_t g;

	if (m->grp_len == 0 || m->grp_len > MARS_CHECK_GROUP_ADDR_MAX)
		return;
	for (i = 0; i < m->pnum; i++) {
		mars_pair(m, i, &min, &max);
		if (min == NULL || max == NULL ||
		    memcmp(min, max, m->grp_len) != 0)
			continue;
		g = group_index(c, min, m->grp_len, true);
		if (g != UINT32_MAX)
			fn(c, mc, g);
	}
}

static void
on_serve(struct mars_check *c, struct msgctx *mc, uint32_t g)
{
	serve(c, g, true);
}

static void
on_unserve(struct mars_check *c, struct msgctx *mc, uint32_t g)
{
	serve(c, g, false);
}

static void
on_join_copy(struct mars_check *c, struct msgctx *mc, uint32_t g)
{
	const struct mars_msg *m = &mc->pdu->u.mars;
	struct member *mb;
	char who[64], grp[64];

	if ((mb = member_get(c, m->sha.addr, m->sha.tl & MARS_ATM_TL_LEN,
	    true)) != NULL)
		member_join(c, mb, g, m->op == MARS_JOIN);
	if (m->op != MARS_JOIN || mc->vc != MARS_VC_CCVC)
		return;
	if (!rule_on(c, MARS_CHECK_MCS_JOIN_SUPPRESSED))
		return;
	if (c->nmcs_grp == 0) {
		rule_unknown(c, MARS_CHECK_MCS_JOIN_SUPPRESSED,
		    "no MCS-supported group in the stream");
		return;
	}
	if (served(c, g) < 0) {
		rule_held(c, MARS_CHECK_MCS_JOIN_SUPPRESSED);
		return;
	}
	if (mc->sender >= 0 && c->reported[mc->sender]
	    [MARS_CHECK_MCS_JOIN_SUPPRESSED] == g + 1) {
		c->rule[MARS_CHECK_MCS_JOIN_SUPPRESSED].checked++;
		c->rule[MARS_CHECK_MCS_JOIN_SUPPRESSED].broken++;
		return;
	}
	if (mc->sender >= 0)
		c->reported[mc->sender][MARS_CHECK_MCS_JOIN_SUPPRESSED] = g + 1;
	group_text(c, g, grp, sizeof(grp));
	finding(c, MARS_CHECK_MCS_JOIN_SUPPRESSED, mc->us, mc->sender,
	    &mc->frame, 1, "%s sends a MARS_JOIN for %s, an MCS-supported "
	    "group, on ClusterControlVC", ent_label(c, mc->sender, who,
	    sizeof(who)), grp);
}

void
mcs_message(struct mars_check *c, struct msgctx *mc)
{
	const struct mars_msg *m = &mc->pdu->u.mars;
	uint8_t len = m->sha.tl & MARS_ATM_TL_LEN;
	uint32_t g;

	if (mc->pdu->kind != MARS_PDU_MARS || m->sha.addr == NULL)
		return;
	switch (m->op) {
	case MARS_MSERV:
		mcs_add(c, m->sha.addr, len);
		if (!(m->flags & MARS_FLAG_REGISTER))
			each_group(c, m, on_serve, mc);
		break;
	case MARS_UNSERV:
		if (!(m->flags & MARS_FLAG_REGISTER))
			each_group(c, m, on_unserve, mc);
		break;
	case MARS_MIGRATE:
		if (m->tpa.len > 0 && m->tpa.addr != NULL) {
			g = group_index(c, m->tpa.addr, m->tpa.len, true);
			serve(c, g, true);
		}
		break;
	case MARS_JOIN:
	case MARS_LEAVE:
		if ((m->flags & (MARS_FLAG_COPY | MARS_FLAG_REGISTER)) !=
		    MARS_FLAG_COPY)
			break;
		if (m->op == MARS_LEAVE && mc->vc == MARS_VC_CCVC &&
		    mcs_find(c, m->sha.addr, len) >= 0) {
			/* The MCS withdrawn: the group is a mesh again. */
			each_group(c, m, on_unserve, mc);
			break;
		}
		each_group(c, m, on_join_copy, mc);
		break;
	}
}

size_t
mars_check_mcs_group_count(const struct mars_check *c)
{
	return c->nmcs_grp;
}

bool
mars_check_mcs_group(const struct mars_check *c, size_t i, char *buf,
    size_t len)
{
	if (i >= c->nmcs_grp)
		return false;
	group_text(c, c->mcs_grp[i], buf, len);
	return true;
}
