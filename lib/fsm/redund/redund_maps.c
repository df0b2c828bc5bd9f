/*
 * The MARS_REDIRECT_MAPs an entity sends (draft §3.1, §3.5, §4.5): each
 * partition's map as ATM addresses, and the private maps an entity that
 * serves several partitions sends each member.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mars/redund.h"
#include "mars/server.h"

#include "redund_int.h"

struct mars_server_atm
redund_entity_atm(const struct mars_redund *r, unsigned i)
{
	struct mars_server_atm a;
	const struct mars_redund_entity *e = &r->conf.mars[i];

	memset(&a, 0, sizeof(a));
	a.tl = e->atm_len & MARS_ATM_TL_LEN;
	memcpy(a.addr, e->atm, e->atm_len);
	return a;
}

static bool
in_block(const struct mars_redund *r, size_t p, uint16_t cmi)
{
	return r->pcmi_hi[p] == 0 ||
	    (cmi >= r->pcmi_lo[p] && cmi <= r->pcmi_hi[p]);
}

/* The partition a member with that CMI belongs to, among those we serve
 * (active_only) or among all; -1 when there is none. */
int
redund_member_part(const struct mars_redund *r, uint16_t cmi, bool active_only)
{
	size_t p;
	int first = -1;

	for (p = 0; p < r->nparts; p++) {
		if (active_only && r->active[p] != (int)r->self)
			continue;
		if (in_block(r, p, cmi))
			return (int)p;
	}
	for (p = 0; p < r->nparts && first < 0; p++) {
		if (active_only ? r->active[p] == (int)r->self :
		    memchr(r->plist[p], (int)r->self, r->plen[p]) != NULL)
			first = (int)p;
	}
	return first >= 0 ? first : 0;
}

size_t
redund_map_atms(const struct mars_redund *r, size_t p, struct mars_server_atm *out)
{
	size_t i;

	for (i = 0; i < r->maplen[p] && i < MARS_SERVER_MARS_MAX; i++)
		out[i] = redund_entity_atm(r, r->map[p][i]);
	return i;
}

/* Partition p's map privately to each of its members attached to us. */
void
redund_private_maps(struct mars_redund *r, int p, bool hard)
{
	struct mars_server_atm list[MARS_SERVER_MARS_MAX];
	struct mars_server_member_info mi;
	struct mars_vc vc;
	uint32_t cur = 0, *vcs = NULL;
	int *parts = NULL;
	size_t n = 0, cap = 0, i, k;

	/* Collect first: sending may not change the database, but be safe. */
	while (mars_server_member_next(r->srv, &cur, &mi)) {
		if (!mi.registered || mi.vc_id == 0)
			continue;
		if (n == cap) {
			uint32_t *nv;
			int *np;

			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(vcs, cap * sizeof(*vcs))) == NULL)
				goto out;
			vcs = nv;
			if ((np = realloc(parts, cap * sizeof(*parts))) == NULL)
				goto out;
			parts = np;
		}
		vcs[n] = mi.vc_id;
		parts[n] = redund_member_part(r, mi.cmi, p < 0);
		n++;
	}
	for (i = 0; i < n; i++) {
		if (p >= 0 && parts[i] != p)
			continue;
		k = redund_map_atms(r, (size_t)parts[i], list);
		vc.kind = MARS_VC_P2P;
		vc.id = vcs[i];
		mars_server_send_redirect(r->srv, r->now, &vc, list, k, hard);
	}
out:
	free(vcs);
	free(parts);
}
