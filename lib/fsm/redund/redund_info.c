/* Read-only views of an entity for the admin socket (redund.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/redund.h"
#include "mars/scspfsm.h"

#include "redund_int.h"

struct mars_server *
mars_redund_server(struct mars_redund *r)
{
	return r->srv;
}

const struct mars_server *
mars_redund_server_const(const struct mars_redund *r)
{
	return r->srv;
}

bool
mars_redund_member(const struct mars_redund *r, unsigned i,
    struct mars_redund_member_info *out)
{
	size_t p;

	if (i >= r->n)
		return false;
	memset(out, 0, sizeof(*out));
	out->name = r->conf.mars[i].name;
	out->self = i == r->self;
	out->alive = r->view[i].alive;
	out->aligned = r->view[i].ready;
	out->priority = r->view[i].priority;
	out->role = out->alive ? MARS_REDUND_BACKUP : MARS_REDUND_DEAD;
	for (p = 0; p < r->nparts; p++)
		if (r->active[p] == (int)i)
			out->role = MARS_REDUND_ACTIVE;
	return true;
}

int
mars_redund_role(const struct mars_redund *r)
{
	return r->nactive > 0 ? MARS_REDUND_ACTIVE : MARS_REDUND_BACKUP;
}

int
mars_redund_active(const struct mars_redund *r, int p)
{
	if (p < 0) {
		for (p = 0; p < (int)r->nparts; p++)
			if (r->active[p] == (int)r->self)
				return (int)r->self;
		return r->nparts > 0 ? r->active[0] : -1;
	}
	return (size_t)p < r->nparts ? r->active[p] : -1;
}

unsigned
mars_redund_active_count(const struct mars_redund *r)
{
	return r->nactive;
}

mars_time_t
mars_redund_last_election(const struct mars_redund *r)
{
	return r->last_elect;
}

unsigned
mars_redund_elections(const struct mars_redund *r)
{
	return r->elections;
}

size_t
mars_redund_map(const struct mars_redund *r, unsigned p, uint8_t *idx, size_t cap)
{
	size_t n;

	if (p >= r->nparts)
		return 0;
	n = r->maplen[p] < cap ? r->maplen[p] : cap;
	memcpy(idx, r->map[p], n);
	return n;
}

void
mars_redund_scsp_info(const struct mars_redund *r, struct mars_redund_scsp_info *out)
{
	const struct mars_scsp_stats *st;
	unsigned d;

	memset(out, 0, sizeof(*out));
	out->peers = mars_scsp_dcs_count(r->scsp);
	for (d = 0; d < out->peers; d++) {
		out->bidir += mars_scsp_hello_state(r->scsp, d) == MARS_SCSP_HS_BIDIR;
		out->aligned += mars_scsp_ca_state(r->scsp, d) == MARS_SCSP_CA_ALIGNED;
	}
	out->cache = mars_scsp_cache_len(r->scsp);
	out->own = r->npub;
	out->unready_drops = r->dropped_unready;
	memcpy(out->errors, r->errors, sizeof(out->errors));
	out->purged = r->purged;
	st = mars_scsp_node_stats(r->scsp);
	out->tombstones_purged = st->tombstones_purged;
	out->seq_wraps = st->seq_wraps;
}

int
mars_redund_peer_hello(const struct mars_redund *r, unsigned i)
{
	return i < r->n && r->dcs_of[i] >= 0 ?
	    mars_scsp_hello_state(r->scsp, (unsigned)r->dcs_of[i]) : -1;
}

int
mars_redund_peer_ca(const struct mars_redund *r, unsigned i)
{
	return i < r->n && r->dcs_of[i] >= 0 ?
	    mars_scsp_ca_state(r->scsp, (unsigned)r->dcs_of[i]) : -1;
}

unsigned
mars_redund_partitions(const struct mars_redund *r)
{
	return (unsigned)r->nparts;
}

size_t
mars_redund_order(const struct mars_redund *r, unsigned p, uint8_t *idx,
    size_t cap)
{
	size_t n;

	if (p >= r->nparts)
		return 0;
	n = r->plen[p] < cap ? r->plen[p] : cap;
	memcpy(idx, r->plist[p], n);
	return n;
}

/* The LSID of entity i is the 4-octet i + 1 (see "Identities"). */
void
mars_redund_cache_origin(const struct mars_redund *r, unsigned i, size_t *live,
    size_t *dead)
{
	struct mars_scsp_entry_view v;
	size_t k, n = mars_scsp_cache_len(r->scsp);
	uint32_t id;

	*live = *dead = 0;
	for (k = 0; k < n; k++) {
		if (!mars_scsp_cache_get(r->scsp, k, &v) || v.oid.len != 4)
			continue;
		id = (uint32_t)v.oid.p[0] << 24 | (uint32_t)v.oid.p[1] << 16 |
		    (uint32_t)v.oid.p[2] << 8 | v.oid.p[3];
		if (id != i + 1)
			continue;
		if (v.null)
			(*dead)++;
		else
			(*live)++;
	}
}
