/*
 * The Living Group (draft §1, §3.2: a peer lives while its SCSP Hello FSM
 * is Bidirectional) and the election that runs on every change of it,
 * with what an entity does when it wins or loses a partition (§3.4).
 * The pure parts (order, choice, map composition) are in redund_elect.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/redund.h"
#include "mars/scspfsm.h"
#include "mars/server.h"

#include "redund_int.h"

bool
redund_peer_alive(const struct mars_redund *r, unsigned j)
{
	return r->dcs_of[j] >= 0 && mars_scsp_hello_state(r->scsp,
	    (unsigned)r->dcs_of[j]) == MARS_SCSP_HS_BIDIR;
}

static bool
peer_aligned(const struct mars_redund *r, unsigned j)
{
	return r->dcs_of[j] >= 0 && mars_scsp_ca_state(r->scsp,
	    (unsigned)r->dcs_of[j]) == MARS_SCSP_CA_ALIGNED;
}

/*
 * Entity j is on its way into the Living Group: a peer that is living but
 * not aligned with us yet, or whose Hellos we hear without our ID in them
 * yet (Unidirectional, RFC 2334 §2.1); ourselves before we are ready.
 */
static bool
returning(const struct mars_redund *r, unsigned j)
{
	if (j == r->self)
		return !r->ready;
	if (r->view[j].alive)
		return !r->view[j].ready;
	return r->dcs_of[j] >= 0 && mars_scsp_hello_state(r->scsp,
	    (unsigned)r->dcs_of[j]) == MARS_SCSP_HS_UNIDIR;
}

/*
 * The Active of partition p.  Without a living current Active, a living
 * entity that is not ready yet but comes before every ready one is waited
 * for (it is aligning): the group does not elect a lesser entity for a
 * moment, as it would while booting.  It is only pointed to.
 * A living, ready current Active hands over (§3.4) only to the entity
 * that will keep the role: while one preferred to the best ready entity
 * is returning, it keeps the role and waits.  Handing over to the lesser
 * one would move the members twice -- softly to it, then, as it defers
 * to the preferred one at once, on with a hard redirect (§3.2).
 */
static int
choose(const struct mars_redund *r, size_t p, int cur)
{
	int a;
	size_t i;

	a = mars_redund_elect_active(r->view, r->plist[p], r->plen[p], false);
	if (a < 0)
		return mars_redund_elect_active(r->view, r->plist[p], r->plen[p],
		    true);
	if (cur >= 0 && r->view[cur].alive && r->view[cur].ready) {
		for (i = 0; i < r->plen[p] && r->plist[p][i] != a; i++)
			if (returning(r, r->plist[p][i]))
				return cur;
		return a;
	}
	for (i = 0; i < r->plen[p] && r->plist[p][i] != a; i++)
		if (r->view[r->plist[p][i]].alive)
			return r->plist[p][i];
	return a;
}

static void
set_map(struct mars_redund *r, const struct mars_server_atm *list, size_t k)
{
	int rc;

	if ((rc = mars_server_set_redirect_map(r->srv, list, k, false)) != 0)
		redund_error(r, MARS_REDUND_ERR_SERVER, rc,
		    "the server refused the redirect map");
}

static void
set_block(struct mars_redund *r, uint16_t lo, uint16_t hi)
{
	int rc;

	if ((rc = mars_server_set_cmi_block(r->srv, lo, hi)) != 0)
		redund_error(r, MARS_REDUND_ERR_SERVER, rc,
		    "the server refused the CMI block");
}

void
redund_elect(struct mars_redund *r)
{
	struct mars_server_atm list[MARS_SERVER_MARS_MAX];
	int old[MARS_REDUND_PART_MAX];
	uint8_t oldmap[MARS_REDUND_PART_MAX][MARS_REDUND_MAX];
	size_t oldlen[MARS_REDUND_PART_MAX], p, k;
	unsigned j, oldn = r->nactive, any_alive = 0, any_aligned = 0;
	bool settled;
	bool changed = false, skip = (r->faults & MARS_REDUND_FI_SKIP_SYNC) != 0;
	const struct mars_redund_entity *me;
	int first = -1;

	if (!r->started)
		return;
	for (j = 0; j < r->n; j++) {
		if (j == r->self)
			continue;
		r->view[j].alive = redund_peer_alive(r, j);
		r->view[j].ready = r->view[j].alive &&
		    (skip || peer_aligned(r, j));
		any_alive += r->view[j].alive;
		any_aligned += r->view[j].alive && peer_aligned(r, j);
	}
	/*
	 * Ready: aligned with every living peer once each could have been
	 * heard -- every peer living, or two HelloIntervals since we
	 * started (a living peer's next Hello is at most one away) -- or
	 * alone for the dead interval.  Aligned with one peer only, that
	 * one may have restarted with us, as empty as we are, while another
	 * holding the cluster's database is still on its way into our
	 * Living Group.
	 */
	settled = any_alive + 1 == r->n ||
	    r->now >= r->start + 2 * r->hello_ms;
	if (!r->ready && ((any_alive > 0 && any_aligned == any_alive &&
	    settled) || (skip && any_alive > 0) ||
	    (any_alive == 0 && r->now >= r->start + r->dead_ms)))
		r->ready = true;
	/* An entity that is not ready never points members at itself. */
	r->view[r->self].alive = r->ready;
	r->view[r->self].ready = r->ready;

	memcpy(old, r->active, sizeof(old));
	memcpy(oldmap, r->map, sizeof(oldmap));
	memcpy(oldlen, r->maplen, sizeof(oldlen));
	r->nactive = 0;
	for (p = 0; p < r->nparts; p++) {
		r->active[p] = choose(r, p, old[p]);
		r->view[r->self].alive = true;
		r->maplen[p] = mars_redund_compose_map(r->view, r->plist[p],
		    r->plen[p], r->active[p],
		    (r->faults & MARS_REDUND_FI_OMIT_DEAD) != 0, r->map[p]);
		if (r->active[p] == (int)r->self) {
			r->nactive++;
			if (first < 0)
				first = (int)p;
		}
		if (old[p] != r->active[p])
			changed = true;
		r->view[r->self].alive = r->ready;
	}
	r->view[r->self].alive = true;
	if (changed || !r->elected) {
		r->elections++;
		r->last_elect = r->now;
		r->elected = true;
	}

	/* §3.4: we lost a partition to a living entity: soft redirect. */
	for (p = 0; p < r->nparts; p++) {
		if (old[p] != (int)r->self || r->active[p] == (int)r->self ||
		    r->active[p] < 0)
			continue;
		if (oldn == 1) {
			k = redund_map_atms(r, p, list);
			set_map(r, list, k);
			mars_server_redirect_now(r->srv, r->now);
		} else
			redund_private_maps(r, (int)p, false);
	}
	if (r->nactive == 0) {
		mars_server_redirect_stop(r->srv);
		/* A Backup registers members from its own [mars] cmi range. */
		me = &r->conf.mars[r->self];
		set_block(r, me->has_cmi ? me->cmi_low : 0,
		    me->has_cmi ? me->cmi_high : 0);
		r->next_pmap = MARS_TIME_NEVER;
		r->mcs_deadline = MARS_TIME_NEVER;
		return;
	}
	set_block(r, r->pcmi_lo[first], r->pcmi_hi[first]);
	if (oldn == 0) {
		/* Takeover: §3.6 clock for MCSs that must re-register. */
		r->mcs_deadline = r->now + r->conf.mcs_timeout;
	}
	if (r->nactive == 1) {
		r->next_pmap = MARS_TIME_NEVER;
		k = redund_map_atms(r, (size_t)first, list);
		set_map(r, list, k);
		if (oldn != 1 || old[first] != (int)r->self ||
		    oldlen[first] != r->maplen[first] ||
		    memcmp(oldmap[first], r->map[first], r->maplen[first]) != 0)
			mars_server_redirect_now(r->srv, r->now);
	} else {
		mars_server_redirect_stop(r->srv);
		if (oldn < 2 || memcmp(oldmap, r->map, sizeof(oldmap)) != 0)
			r->next_pmap = r->now;
	}
}
