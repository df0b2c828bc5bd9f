/* Read-only views of the server's database for the admin socket (server.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "server_int.h"

/* ---- read-only accessors ---- */

uint16_t
mars_server_pro_type(const struct mars_server *s)
{
	return s->conf.pro_type;
}

uint32_t
mars_server_csn(const struct mars_server *s)
{
	return s->csn;
}

uint32_t
mars_server_ssn(const struct mars_server *s)
{
	return s->ssn;
}

const struct mars_server_stats *
mars_server_get_stats(const struct mars_server *s)
{
	return &s->stats;
}

uint32_t
mars_server_member_count(const struct mars_server *s)
{
	return s->db.nreg;
}

uint32_t
mars_server_group_count(const struct mars_server *s)
{
	return s->db.nsorted;
}

uint32_t
mars_server_mcs_count(const struct mars_server *s)
{
	return s->db.nmcs_reg;
}

size_t
mars_server_mem_usage(const struct mars_server *s)
{
	return srv_db_bytes(&s->db);
}

bool
mars_server_member_get(const struct mars_server *s, uint32_t handle,
    struct mars_server_member_info *out)
{
	const struct srv_member *m;

	if (handle >= s->db.nmem || s->db.mem[handle].state == SRV_FREE)
		return false;
	m = &s->db.mem[handle];
	out->handle = handle;
	out->atm = &m->atm;
	out->spa = m->spa;
	out->spa_len = m->spa_len;
	out->cmi = m->cmi;
	out->registered = m->state == SRV_REG;
	out->vc_id = m->vc_id;
	out->since = m->since;
	out->ngroups = m->ngroups;
	out->nblocks = m->blocks.n;
	return true;
}

bool
mars_server_member_next(const struct mars_server *s, uint32_t *cursor,
    struct mars_server_member_info *out)
{
	while (*cursor < s->db.nmem)
		if (mars_server_member_get(s, (*cursor)++, out))
			return true;
	return false;
}

bool
mars_server_member_find(const struct mars_server *s, const struct mars_server_atm *atm,
    struct mars_server_member_info *out)
{
	uint32_t mi = srv_member_find(&s->db, atm);

	return mi != SRV_NIL && mars_server_member_get(s, mi, out);
}

bool
mars_server_member_group(const struct mars_server *s, uint32_t handle, uint32_t i,
    const uint8_t **group, bool *layer3grp)
{
	const struct srv_group *g;
	uint32_t k;

	if (handle >= s->db.nmem || i >= s->db.mem[handle].ngroups)
		return false;
	g = &s->db.grp[s->db.mem[handle].groups[i]];
	*group = g->addr;
	if (layer3grp != NULL) {
		*layer3grp = false;
		for (k = 0; k < g->nmem; k++)
			if ((g->mem[k] & SRV_SLOT) == handle)
				*layer3grp = (g->mem[k] & SRV_L3) != 0;
	}
	return true;
}

bool
mars_server_member_block(const struct mars_server *s, uint32_t handle, uint32_t i,
    const uint8_t **min, const uint8_t **max)
{
	if (handle >= s->db.nmem || i >= s->db.mem[handle].blocks.n)
		return false;
	*min = s->db.mem[handle].blocks.r[i].min;
	*max = s->db.mem[handle].blocks.r[i].max;
	return true;
}

static void
group_info(const struct mars_server *s, uint32_t gi,
    struct mars_server_group_info *out)
{
	const struct srv_group *g = &s->db.grp[gi];

	out->handle = gi;
	out->addr = g->addr;
	out->len = s->grp_len;
	out->nmembers = g->nmem;
	out->nlayer3 = g->nl3;
	out->nmcs = g->nmcs;
}

bool
mars_server_group_next(const struct mars_server *s, uint32_t *cursor,
    struct mars_server_group_info *out)
{
	if (*cursor >= s->db.nsorted)
		return false;
	group_info(s, s->db.sorted[(*cursor)++], out);
	return true;
}

bool
mars_server_group_find(const struct mars_server *s, const uint8_t *addr,
    struct mars_server_group_info *out)
{
	uint8_t a[MARS_SERVER_PA_MAX];
	uint32_t gi;

	srv_addr_load(a, addr, s->grp_len);
	if ((gi = srv_group_find(&s->db, a)) == SRV_NIL)
		return false;
	group_info(s, gi, out);
	return true;
}

bool
mars_server_group_member(const struct mars_server *s, uint32_t ghandle, uint32_t i,
    uint32_t *mhandle, bool *layer3grp)
{
	const struct srv_group *g;

	if (ghandle >= s->db.ngrp || !s->db.grp[ghandle].used ||
	    i >= s->db.grp[ghandle].nmem)
		return false;
	g = &s->db.grp[ghandle];
	*mhandle = g->mem[i] & SRV_SLOT;
	if (layer3grp != NULL)
		*layer3grp = (g->mem[i] & SRV_L3) != 0;
	return true;
}

bool
mars_server_group_mcs(const struct mars_server *s, uint32_t ghandle, uint32_t i,
    uint32_t *mcs_handle)
{
	if (ghandle >= s->db.ngrp || !s->db.grp[ghandle].used ||
	    i >= s->db.grp[ghandle].nmcs)
		return false;
	*mcs_handle = s->db.grp[ghandle].mcs[i];
	return true;
}

bool
mars_server_mcs_get(const struct mars_server *s, uint32_t handle,
    struct mars_server_mcs_info *out)
{
	const struct srv_mcs *c;

	if (handle >= s->db.nmcs || s->db.mcs[handle].state != SRV_REG)
		return false;
	c = &s->db.mcs[handle];
	out->handle = handle;
	out->atm = &c->atm;
	out->vc_id = c->vc_id;
	out->since = c->since;
	out->ngroups = c->ngroups;
	return true;
}

bool
mars_server_mcs_next(const struct mars_server *s, uint32_t *cursor,
    struct mars_server_mcs_info *out)
{
	while (*cursor < s->db.nmcs)
		if (mars_server_mcs_get(s, (*cursor)++, out))
			return true;
	return false;
}

bool
mars_server_mcs_group(const struct mars_server *s, uint32_t handle, uint32_t i,
    const uint8_t **group)
{
	if (handle >= s->db.nmcs || s->db.mcs[handle].state != SRV_REG ||
	    i >= s->db.mcs[handle].ngroups)
		return false;
	*group = s->db.grp[s->db.mcs[handle].groups[i]].addr;
	return true;
}

