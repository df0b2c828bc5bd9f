/*
 * Cluster members and multicast groups (check.h): open-addressing hash
 * tables over arrays that double up to a cap, so memory follows the
 * members and groups of the cluster, never the length of the stream.
 * What does not fit is counted (members_dropped, groups_dropped).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mars/atm.h"
#include "check_int.h"

static uint32_t
hash_bytes(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

uint32_t
sdu_hash(const uint8_t *p, size_t n)
{
	return hash_bytes(p, n);
}

/* Rebuild an index of cap slots (a power of two) over n keys. */
static uint32_t *
index_build(size_t cap, size_t n, const uint8_t *(*key)(const void *, size_t,
    uint8_t *), const void *arr)
{
	uint32_t *idx;
	const uint8_t *k;
	uint8_t len;
	size_t i, h;

	if ((idx = calloc(cap, sizeof(*idx))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		k = key(arr, i, &len);
		h = hash_bytes(k, len) & (cap - 1);
		while (idx[h] != 0)
			h = (h + 1) & (cap - 1);
		idx[h] = (uint32_t)(i + 1);
	}
	return idx;
}

static const uint8_t *
member_key(const void *arr, size_t i, uint8_t *len)
{
	const struct member *m = arr;

	*len = m[i].atm_len;
	return m[i].atm;
}

static const uint8_t *
group_key(const void *arr, size_t i, uint8_t *len)
{
	const struct group *g = arr;

	*len = g[i].len;
	return g[i].addr;
}

struct member *
member_get(struct mars_check *c, const uint8_t *atm, uint8_t len,
    bool create)
{
	struct member *m, *nm;
	uint32_t *ni;
	size_t h, ncap;

	if (len == 0 || len > MARS_ATM_ADDR_MAX)
		return NULL;
	if (c->capidx > 0) {
		h = hash_bytes(atm, len) & (c->capidx - 1);
		while (c->midx[h] != 0) {
			m = &c->mem[c->midx[h] - 1];
			if (m->atm_len == len && memcmp(m->atm, atm, len) == 0)
				return m;
			h = (h + 1) & (c->capidx - 1);
		}
	}
	if (!create)
		return NULL;
	if (c->nmem >= c->conf.max_members) {
		c->st.members_dropped++;
		return NULL;
	}
	if (c->nmem == c->capmem) {
		ncap = c->capmem ? 2 * c->capmem : 64;
		if (ncap > c->conf.max_members)
			ncap = c->conf.max_members;
		if ((nm = realloc(c->mem, ncap * sizeof(*nm))) == NULL) {
			c->st.members_dropped++;
			return NULL;
		}
		c->mem = nm;
		c->capmem = ncap;
	}
	if (2 * (c->nmem + 1) > c->capidx) {
		ncap = c->capidx ? 2 * c->capidx : 128;
		if ((ni = index_build(ncap, c->nmem, member_key, c->mem)) ==
		    NULL) {
			c->st.members_dropped++;
			return NULL;
		}
		free(c->midx);
		c->midx = ni;
		c->capidx = ncap;
	}
	m = &c->mem[c->nmem];
	memset(m, 0, sizeof(*m));
	memcpy(m->atm, atm, len);
	m->atm_len = len;
	m->mars = -1;
	h = hash_bytes(atm, len) & (c->capidx - 1);
	while (c->midx[h] != 0)
		h = (h + 1) & (c->capidx - 1);
	c->midx[h] = (uint32_t)(++c->nmem);
	return m;
}

/* The index of a group (its protocol address), UINT32_MAX when none. */
uint32_t
group_index(struct mars_check *c, const uint8_t *addr, uint8_t len,
    bool create)
{
	struct group *ng, *g;
	uint32_t *ni;
	size_t h, ncap;

	if (len == 0 || len > MARS_CHECK_GROUP_ADDR_MAX)
		return UINT32_MAX;
	if (c->capgidx > 0) {
		h = hash_bytes(addr, len) & (c->capgidx - 1);
		while (c->gidx[h] != 0) {
			g = &c->grp[c->gidx[h] - 1];
			if (g->len == len && memcmp(g->addr, addr, len) == 0)
				return c->gidx[h] - 1;
			h = (h + 1) & (c->capgidx - 1);
		}
	}
	if (!create)
		return UINT32_MAX;
	if (c->ngrp >= c->conf.max_groups) {
		c->st.groups_dropped++;
		return UINT32_MAX;
	}
	if (c->ngrp == c->capgrp) {
		ncap = c->capgrp ? 2 * c->capgrp : 64;
		if (ncap > c->conf.max_groups)
			ncap = c->conf.max_groups;
		if ((ng = realloc(c->grp, ncap * sizeof(*ng))) == NULL) {
			c->st.groups_dropped++;
			return UINT32_MAX;
		}
		c->grp = ng;
		c->capgrp = ncap;
	}
	if (2 * (c->ngrp + 1) > c->capgidx) {
		ncap = c->capgidx ? 2 * c->capgidx : 128;
		if ((ni = index_build(ncap, c->ngrp, group_key, c->grp)) ==
		    NULL) {
			c->st.groups_dropped++;
			return UINT32_MAX;
		}
		free(c->gidx);
		c->gidx = ni;
		c->capgidx = ncap;
	}
	g = &c->grp[c->ngrp];
	memset(g, 0, sizeof(*g));
	memcpy(g->addr, addr, len);
	g->len = len;
	h = hash_bytes(addr, len) & (c->capgidx - 1);
	while (c->gidx[h] != 0)
		h = (h + 1) & (c->capgidx - 1);
	c->gidx[h] = (uint32_t)(++c->ngrp);
	return (uint32_t)(c->ngrp - 1);
}

/* Member m joined (left) group g; a member keeps GROUPS_PER_MEMBER. */
void
member_join(struct mars_check *c, struct member *m, uint32_t g, bool join)
{
	uint32_t *ng;
	uint16_t i, ncap;

	for (i = 0; i < m->ngroups; i++)
		if (m->groups[i] == g)
			break;
	if (!join) {
		if (i < m->ngroups)
			m->groups[i] = m->groups[--m->ngroups];
		return;
	}
	if (i < m->ngroups)
		return;
	if (m->ngroups == m->capg) {
		if (m->capg >= GROUPS_PER_MEMBER) {
			m->gdrop++;
			return;
		}
		ncap = m->capg ? (uint16_t)(2 * m->capg) : 2;
		if ((ng = realloc(m->groups, ncap * sizeof(*ng))) == NULL) {
			m->gdrop++;
			return;
		}
		m->groups = ng;
		m->capg = ncap;
	}
	m->groups[m->ngroups++] = g;
}

void
group_text(const struct mars_check *c, uint32_t g, char *buf, size_t len)
{
	char t[MARS_PA_TEXT_MAX];

	if (g >= c->ngrp) {
		snprintf(buf, len, "?");
		return;
	}
	mars_pa_text(t, c->grp[g].addr, c->grp[g].len);
	snprintf(buf, len, "%s", t);
}

void
members_free(struct mars_check *c)
{
	size_t i;

	for (i = 0; i < c->nmem; i++)
		free(c->mem[i].groups);
	free(c->mem);
	free(c->midx);
	free(c->grp);
	free(c->gidx);
	c->mem = NULL;
	c->midx = NULL;
	c->grp = NULL;
	c->gidx = NULL;
}

size_t
mars_check_member_count(const struct mars_check *c)
{
	return c->nmem;
}

bool
mars_check_member(const struct mars_check *c, size_t i,
    struct mars_check_member_info *out)
{
	const struct member *m;
	size_t k;

	if (i >= c->nmem)
		return false;
	m = &c->mem[i];
	memset(out, 0, sizeof(*out));
	memcpy(out->atm, m->atm, m->atm_len);
	out->atm_len = m->atm_len;
	out->registered = m->registered;
	out->cmi = m->cmi;
	out->mars = m->mars >= 0 ? ent_canon(c, m->mars) : -1;
	out->registered_us = m->reg_us;
	out->registrations = m->regs;
	out->nhist = m->nhist;
	for (k = 0; k < m->nhist; k++) {
		out->hist[k].cmi = m->hist[k].cmi;
		out->hist[k].mars = m->hist[k].mars >= 0 ?
		    ent_canon(c, m->hist[k].mars) : -1;
		out->hist[k].epoch = m->hist[k].epoch;
		out->hist[k].us = m->hist[k].us;
	}
	out->ngroups = m->ngroups;
	out->groups_dropped = m->gdrop;
	return true;
}

bool
mars_check_member_group(const struct mars_check *c, size_t i, size_t k,
    char *buf, size_t len)
{
	if (i >= c->nmem || k >= c->mem[i].ngroups)
		return false;
	group_text(c, c->mem[i].groups[k], buf, len);
	return true;
}
