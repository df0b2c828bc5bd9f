/*
 * The MARS server's database (RFC 2022 §6, §6.2): cluster members with
 * their CMIs and group memberships (the host maps), MCSs with the groups
 * they serve (the server maps).
 *
 * Layout, chosen for compactness and for replication:
 *   - members and groups live in slot arrays; a membership is one 32-bit
 *     entry in the group's member array (slot | layer3grp) and one in the
 *     member's group array, so both "who is in G" (MARS_REQUEST) and
 *     "what did M join" (deregistration, leaf loss) are direct;
 *   - block joins (<min,max> covering several groups, RFC 2022 §5.2.1.1)
 *     are kept per member as range sets and never expanded into groups;
 *     the members holding any are listed in `blockers`;
 *   - groups are also kept sorted by address for range walks
 *     (GROUPLIST, hole punching);
 *   - a CMI stays bound to its ATM address while the member is held
 *     after deregistration (state SRV_HELD), so it comes back unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "server_int.h"

#define CMIMAP_BYTES	(65536 / 8)

int
srv_addr_cmp(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, MARS_SERVER_PA_MAX);
}

bool
srv_addr_inc(uint8_t *a, uint8_t len)
{
	while (len-- > 0) {
		if (++a[len] != 0)
			return true;
	}
	return false;
}

bool
srv_addr_dec(uint8_t *a, uint8_t len)
{
	while (len-- > 0) {
		if (a[len]-- != 0)
			return true;
	}
	return false;
}

void
srv_addr_load(uint8_t *dst, const uint8_t *src, uint8_t len)
{
	memset(dst, 0, MARS_SERVER_PA_MAX);
	if (src != NULL && len > 0)
		memcpy(dst, src, len > MARS_SERVER_PA_MAX ? MARS_SERVER_PA_MAX : len);
}

static uint8_t
tl_copy_len(uint8_t tl)
{
	uint8_t n = tl & MARS_ATM_TL_LEN;

	return n > MARS_ATM_ADDR_MAX ? MARS_ATM_ADDR_MAX : n;
}

void
srv_atm_load(struct mars_server_atm *dst, const struct mars_atm *num,
    const struct mars_atm *sub)
{
	memset(dst, 0, sizeof(*dst));
	dst->tl = num->tl;
	if (num->addr != NULL)
		memcpy(dst->addr, num->addr, tl_copy_len(num->tl));
	if (sub != NULL) {
		dst->sub_tl = sub->tl;
		if (sub->addr != NULL)
			memcpy(dst->sub, sub->addr, tl_copy_len(sub->tl));
	}
	if (tl_copy_len(dst->tl) == 0)
		dst->tl = 0;
	if (tl_copy_len(dst->sub_tl) == 0)
		dst->sub_tl = 0;
}

static bool
atm_same(const struct mars_server_atm *a, const struct mars_server_atm *b)
{
	return a->tl == b->tl && a->sub_tl == b->sub_tl &&
	    memcmp(a->addr, b->addr, tl_copy_len(a->tl)) == 0 &&
	    memcmp(a->sub, b->sub, tl_copy_len(a->sub_tl)) == 0;
}

bool
srv_atm_eq(const struct mars_server_atm *a, const struct mars_atm *num,
    const struct mars_atm *sub)
{
	struct mars_server_atm b;

	srv_atm_load(&b, num, sub);
	return atm_same(a, &b);
}

/* FNV-1a over the T/L octets and the address octets. */
static uint32_t
atm_hash(const struct mars_server_atm *a)
{
	uint32_t h = 2166136261u;
	uint8_t i;

	h = (h ^ a->tl) * 16777619u;
	for (i = 0; i < tl_copy_len(a->tl); i++)
		h = (h ^ a->addr[i]) * 16777619u;
	h = (h ^ a->sub_tl) * 16777619u;
	for (i = 0; i < tl_copy_len(a->sub_tl); i++)
		h = (h ^ a->sub[i]) * 16777619u;
	return h;
}

/* Grow *p (cap elements of size sz) to hold at least n; -1 on ENOMEM. */
static int
grow(void **p, uint32_t *cap, uint32_t n, size_t sz, uint32_t first)
{
	uint32_t ncap;
	void *np;

	if (n <= *cap)
		return 0;
	ncap = *cap == 0 ? first : *cap;
	while (ncap < n)
		ncap = ncap > UINT32_MAX / 2 ? n : ncap * 2;
	np = realloc(*p, (size_t)ncap * sz);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* ---- range sets ---- */

void
srv_rset_free(struct srv_rset *s)
{
	free(s->r);
	s->r = NULL;
	s->n = s->cap = 0;
}

void
srv_rset_clear(struct srv_rset *s)
{
	s->n = 0;
}

int
srv_rset_reserve(struct srv_rset *s, uint32_t n)
{
	return grow((void **)&s->r, &s->cap, n, sizeof(*s->r), 4);
}

int
srv_rset_copy(struct srv_rset *dst, const struct srv_rset *src)
{
	if (srv_rset_reserve(dst, src->n) == -1)
		return -1;
	if (src->n > 0)
		memcpy(dst->r, src->r, src->n * sizeof(*src->r));
	dst->n = src->n;
	return 0;
}

/* b starts at or after a; true when they overlap or touch. */
static bool
touches(const struct srv_range *a, const struct srv_range *b, uint8_t len)
{
	uint8_t next[MARS_SERVER_PA_MAX];

	memcpy(next, a->max, sizeof(next));
	if (!srv_addr_inc(next, len))
		return true;
	return srv_addr_cmp(b->min, next) <= 0;
}

int
srv_rset_add(struct srv_rset *s, const uint8_t *min, const uint8_t *max,
    uint8_t len)
{
	uint32_t i, out;

	if (srv_rset_reserve(s, s->n + 1) == -1)
		return -1;
	for (i = 0; i < s->n; i++)
		if (srv_addr_cmp(s->r[i].min, min) > 0)
			break;
	memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(*s->r));
	memcpy(s->r[i].min, min, MARS_SERVER_PA_MAX);
	memcpy(s->r[i].max, max, MARS_SERVER_PA_MAX);
	s->n++;
	for (i = 0, out = 0; i < s->n; i++) {
		if (out > 0 && touches(&s->r[out - 1], &s->r[i], len)) {
			if (srv_addr_cmp(s->r[i].max, s->r[out - 1].max) > 0)
				memcpy(s->r[out - 1].max, s->r[i].max,
				    MARS_SERVER_PA_MAX);
		} else
			s->r[out++] = s->r[i];
	}
	s->n = out;
	return 0;
}

int
srv_rset_sub(struct srv_rset *s, const uint8_t *min, const uint8_t *max,
    uint8_t len)
{
	struct srv_range *r;
	bool left, right;
	uint32_t i;

	/* At most one block is split in two: make room first. */
	if (srv_rset_reserve(s, s->n + 1) == -1)
		return -1;
	for (i = 0; i < s->n;) {
		r = &s->r[i];
		if (srv_addr_cmp(r->max, min) < 0 ||
		    srv_addr_cmp(r->min, max) > 0) {
			i++;
			continue;
		}
		left = srv_addr_cmp(r->min, min) < 0;
		right = srv_addr_cmp(r->max, max) > 0;
		if (left && right) {
			memmove(&s->r[i + 1], &s->r[i],
			    (s->n - i) * sizeof(*s->r));
			s->n++;
			memcpy(s->r[i].max, min, MARS_SERVER_PA_MAX);
			srv_addr_dec(s->r[i].max, len);
			memcpy(s->r[i + 1].min, max, MARS_SERVER_PA_MAX);
			srv_addr_inc(s->r[i + 1].min, len);
			i += 2;
		} else if (left) {
			memcpy(r->max, min, MARS_SERVER_PA_MAX);
			srv_addr_dec(r->max, len);
			i++;
		} else if (right) {
			memcpy(r->min, max, MARS_SERVER_PA_MAX);
			srv_addr_inc(r->min, len);
			i++;
		} else {
			memmove(&s->r[i], &s->r[i + 1],
			    (s->n - i - 1) * sizeof(*s->r));
			s->n--;
		}
	}
	return 0;
}

int
srv_rset_clip(struct srv_rset *s, const uint8_t *min, const uint8_t *max)
{
	uint32_t i, out;

	for (i = 0, out = 0; i < s->n; i++) {
		if (srv_addr_cmp(s->r[i].max, min) < 0 ||
		    srv_addr_cmp(s->r[i].min, max) > 0)
			continue;
		s->r[out] = s->r[i];
		if (srv_addr_cmp(s->r[out].min, min) < 0)
			memcpy(s->r[out].min, min, MARS_SERVER_PA_MAX);
		if (srv_addr_cmp(s->r[out].max, max) > 0)
			memcpy(s->r[out].max, max, MARS_SERVER_PA_MAX);
		out++;
	}
	s->n = out;
	return 0;
}

bool
srv_rset_has(const struct srv_rset *s, const uint8_t *a)
{
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		if (srv_addr_cmp(a, s->r[i].min) < 0)
			return false;
		if (srv_addr_cmp(a, s->r[i].max) <= 0)
			return true;
	}
	return false;
}

bool
srv_rset_is(const struct srv_rset *s, const uint8_t *min, const uint8_t *max)
{
	return s->n == 1 && srv_addr_cmp(s->r[0].min, min) == 0 &&
	    srv_addr_cmp(s->r[0].max, max) == 0;
}

/* ---- database ---- */

int
srv_db_init(struct srv_db *db, uint8_t grp_len, uint16_t cmi_low,
    uint16_t cmi_high, uint32_t max_members, uint32_t max_groups,
    uint32_t max_mcs)
{
	memset(db, 0, sizeof(*db));
	db->grp_len = grp_len;
	db->cmi_low = cmi_low;
	db->cmi_high = cmi_high;
	db->cmi_next = cmi_low;
	db->max_members = max_members;
	db->max_groups = max_groups;
	db->max_mcs = max_mcs;
	db->mem_free = SRV_NIL;
	db->grp_free = SRV_NIL;
	db->cmimap = calloc(1, CMIMAP_BYTES);
	db->nbucket = 64;
	db->bucket = malloc(db->nbucket * sizeof(*db->bucket));
	if (db->cmimap == NULL || db->bucket == NULL) {
		srv_db_free(db);
		return -1;
	}
	memset(db->bucket, 0xff, db->nbucket * sizeof(*db->bucket));
	return 0;
}

void
srv_db_free(struct srv_db *db)
{
	uint32_t i;

	for (i = 0; i < db->nmem; i++) {
		free(db->mem[i].groups);
		srv_rset_free(&db->mem[i].blocks);
	}
	for (i = 0; i < db->ngrp; i++) {
		free(db->grp[i].mem);
		free(db->grp[i].mcs);
	}
	for (i = 0; i < db->nmcs; i++)
		free(db->mcs[i].groups);
	free(db->mem);
	free(db->bucket);
	free(db->blockers);
	free(db->grp);
	free(db->sorted);
	free(db->mcs);
	free(db->cmimap);
	free(db->notes);
	memset(db, 0, sizeof(*db));
}

size_t
srv_db_bytes(const struct srv_db *db)
{
	size_t n;
	uint32_t i;

	n = (size_t)db->capmem * sizeof(*db->mem) +
	    (size_t)db->nbucket * sizeof(*db->bucket) +
	    (size_t)db->capblockers * sizeof(*db->blockers) +
	    (size_t)db->capgrp * sizeof(*db->grp) +
	    (size_t)db->capsorted * sizeof(*db->sorted) +
	    (size_t)db->capmcs * sizeof(*db->mcs) + CMIMAP_BYTES;
	for (i = 0; i < db->nmem; i++)
		n += (size_t)db->mem[i].capgroups * sizeof(uint32_t) +
		    (size_t)db->mem[i].blocks.cap * sizeof(struct srv_range);
	for (i = 0; i < db->ngrp; i++)
		n += ((size_t)db->grp[i].capmem + db->grp[i].capmcs) *
		    sizeof(uint32_t);
	for (i = 0; i < db->nmcs; i++)
		n += (size_t)db->mcs[i].capgroups * sizeof(uint32_t);
	return n;
}

/* ---- change notes (mars_server_changes) ---- */

static void
note(struct srv_db *db, uint32_t *noted, const struct mars_server_atm *a,
    bool mcs)
{
	struct mars_server_change *c;

	if (!db->tracking || *noted == db->note_gen)
		return;
	if (grow((void **)&db->notes, &db->capnotes, db->nnotes + 1,
	    sizeof(*db->notes), 64) == -1) {
		db->notes_lost = true;
		return;
	}
	*noted = db->note_gen;
	c = &db->notes[db->nnotes++];
	c->atm = *a;
	c->mcs = mcs;
}

void
srv_note_member(struct srv_db *db, uint32_t mi)
{
	note(db, &db->mem[mi].noted, &db->mem[mi].atm, false);
}

void
srv_note_mcs(struct srv_db *db, uint32_t ci)
{
	note(db, &db->mcs[ci].noted, &db->mcs[ci].atm, true);
}

/* A new generation: every slot may be noted again (0 is never one). */
void
srv_notes_clear(struct srv_db *db)
{
	uint32_t i;

	db->nnotes = 0;
	db->notes_lost = false;
	if (++db->note_gen != 0)
		return;
	for (i = 0; i < db->nmem; i++)
		db->mem[i].noted = 0;
	for (i = 0; i < db->nmcs; i++)
		db->mcs[i].noted = 0;
	db->note_gen = 1;
}

/* ---- members ---- */

uint32_t
srv_member_find(const struct srv_db *db, const struct mars_server_atm *a)
{
	uint32_t i;

	i = db->bucket[atm_hash(a) & (db->nbucket - 1)];
	for (; i != SRV_NIL; i = db->mem[i].hnext)
		if (atm_same(&db->mem[i].atm, a))
			return i;
	return SRV_NIL;
}

uint32_t
srv_member_lookup(const struct srv_db *db, const struct mars_atm *num,
    const struct mars_atm *sub)
{
	struct mars_server_atm a;

	srv_atm_load(&a, num, sub);
	return srv_member_find(db, &a);
}

static int
rehash(struct srv_db *db, uint32_t nbucket)
{
	uint32_t *nb, i, h;

	nb = malloc((size_t)nbucket * sizeof(*nb));
	if (nb == NULL)
		return -1;
	memset(nb, 0xff, (size_t)nbucket * sizeof(*nb));
	for (i = 0; i < db->nmem; i++) {
		if (db->mem[i].state == SRV_FREE)
			continue;
		h = atm_hash(&db->mem[i].atm) & (nbucket - 1);
		db->mem[i].hnext = nb[h];
		nb[h] = i;
	}
	free(db->bucket);
	db->bucket = nb;
	db->nbucket = nbucket;
	return 0;
}

uint32_t
srv_member_new(struct srv_db *db, const struct mars_server_atm *a)
{
	struct srv_member *m;
	uint32_t mi, h;

	if (db->mem_free != SRV_NIL) {
		mi = db->mem_free;
		db->mem_free = db->mem[mi].hnext;
	} else {
		if (grow((void **)&db->mem, &db->capmem, db->nmem + 1,
		    sizeof(*db->mem), 16) == -1)
			return SRV_NIL;
		mi = db->nmem++;
	}
	m = &db->mem[mi];
	memset(m, 0, sizeof(*m));
	m->atm = *a;
	m->state = SRV_HELD;
	db->nheld++;
	srv_note_member(db, mi);
	h = atm_hash(a) & (db->nbucket - 1);
	db->mem[mi].hnext = db->bucket[h];
	db->bucket[h] = mi;
	/* rehash() relinks every live member, this one included. */
	if (db->nreg + db->nheld > db->nbucket)
		(void)rehash(db, db->nbucket * 2);	/* else chains grow */
	return mi;
}

static void
blockers_del(struct srv_db *db, uint32_t mi)
{
	uint32_t i;

	for (i = 0; i < db->nblockers; i++) {
		if (db->blockers[i] == mi) {
			db->blockers[i] = db->blockers[--db->nblockers];
			return;
		}
	}
}

void
srv_member_release(struct srv_db *db, uint32_t mi)
{
	struct srv_member *m = &db->mem[mi];
	uint32_t *pp;

	srv_note_member(db, mi);
	pp = &db->bucket[atm_hash(&m->atm) & (db->nbucket - 1)];
	while (*pp != SRV_NIL && *pp != mi)
		pp = &db->mem[*pp].hnext;
	if (*pp == mi)
		*pp = m->hnext;
	if (m->blocks.n > 0)
		blockers_del(db, mi);
	if (m->cmi != 0)
		srv_cmi_unbind(db, m->cmi);
	if (m->state == SRV_REG)
		db->nreg--;
	else if (m->state == SRV_HELD)
		db->nheld--;
	free(m->groups);
	srv_rset_free(&m->blocks);
	memset(m, 0, sizeof(*m));
	m->state = SRV_FREE;
	m->hnext = db->mem_free;
	db->mem_free = mi;
}

int
srv_member_set_blocks(struct srv_db *db, uint32_t mi,
    const struct srv_rset *blocks)
{
	struct srv_member *m = &db->mem[mi];
	bool had = m->blocks.n > 0;

	if (blocks->n > 0 && !had && grow((void **)&db->blockers,
	    &db->capblockers, db->nblockers + 1, sizeof(uint32_t), 8) == -1)
		return -1;
	srv_note_member(db, mi);
	if (srv_rset_copy(&m->blocks, blocks) == -1)
		return -1;
	if (blocks->n > 0 && !had)
		db->blockers[db->nblockers++] = mi;
	else if (blocks->n == 0 && had)
		blockers_del(db, mi);
	return 0;
}

bool
srv_member_covers(const struct srv_db *db, uint32_t mi, const uint8_t *addr)
{
	return srv_rset_has(&db->mem[mi].blocks, addr);
}

/* ---- CMIs ---- */

bool
srv_cmi_bound(const struct srv_db *db, uint16_t cmi)
{
	return (db->cmimap[cmi >> 3] & (1u << (cmi & 7))) != 0;
}

void
srv_cmi_bind(struct srv_db *db, uint16_t cmi)
{
	db->cmimap[cmi >> 3] |= (uint8_t)(1u << (cmi & 7));
}

void
srv_cmi_unbind(struct srv_db *db, uint16_t cmi)
{
	db->cmimap[cmi >> 3] &= (uint8_t)~(1u << (cmi & 7));
}

/* Next unbound CMI after the last one given, so freed CMIs rest a while. */
uint16_t
srv_cmi_alloc(struct srv_db *db)
{
	uint16_t lo = db->alloc_high != 0 ? db->alloc_low : db->cmi_low;
	uint16_t hi = db->alloc_high != 0 ? db->alloc_high : db->cmi_high;
	uint32_t span = (uint32_t)hi - lo + 1, i;
	uint16_t c = db->cmi_next;

	for (i = 0; i < span; i++) {
		if (c < lo || c > hi)
			c = lo;
		if (!srv_cmi_bound(db, c)) {
			srv_cmi_bind(db, c);
			db->cmi_next = c == hi ? lo : (uint16_t)(c + 1);
			return c;
		}
		c = c == hi ? lo : (uint16_t)(c + 1);
	}
	return 0;
}

uint32_t
srv_cmi_owner(const struct srv_db *db, uint16_t cmi)
{
	uint32_t i;

	if (cmi == 0 || !srv_cmi_bound(db, cmi))
		return SRV_NIL;
	for (i = 0; i < db->nmem; i++)
		if (db->mem[i].state != SRV_FREE && db->mem[i].cmi == cmi)
			return i;
	return SRV_NIL;
}

/* ---- groups ---- */

uint32_t
srv_group_lower(const struct srv_db *db, const uint8_t *addr)
{
	uint32_t lo = 0, hi = db->nsorted, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (srv_addr_cmp(db->grp[db->sorted[mid]].addr, addr) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t
srv_group_find(const struct srv_db *db, const uint8_t *addr)
{
	uint32_t i = srv_group_lower(db, addr);

	if (i < db->nsorted &&
	    srv_addr_cmp(db->grp[db->sorted[i]].addr, addr) == 0)
		return db->sorted[i];
	return SRV_NIL;
}

uint32_t
srv_group_add(struct srv_db *db, const uint8_t *addr)
{
	struct srv_group *g;
	uint32_t gi, pos;

	gi = srv_group_find(db, addr);
	if (gi != SRV_NIL)
		return gi;
	if (db->nsorted >= db->max_groups)
		return SRV_NIL;
	if (grow((void **)&db->sorted, &db->capsorted, db->nsorted + 1,
	    sizeof(*db->sorted), 16) == -1)
		return SRV_NIL;
	if (db->grp_free != SRV_NIL) {
		gi = db->grp_free;
		db->grp_free = db->grp[gi].link;
	} else {
		if (grow((void **)&db->grp, &db->capgrp, db->ngrp + 1,
		    sizeof(*db->grp), 16) == -1)
			return SRV_NIL;
		gi = db->ngrp++;
	}
	g = &db->grp[gi];
	memset(g, 0, sizeof(*g));
	memcpy(g->addr, addr, MARS_SERVER_PA_MAX);
	g->used = true;
	pos = srv_group_lower(db, addr);
	memmove(&db->sorted[pos + 1], &db->sorted[pos],
	    (db->nsorted - pos) * sizeof(*db->sorted));
	db->sorted[pos] = gi;
	db->nsorted++;
	return gi;
}

/* Forget a group nobody joined and nobody serves. */
void
srv_group_gc(struct srv_db *db, uint32_t gi)
{
	struct srv_group *g = &db->grp[gi];
	uint32_t pos;

	if (!g->used || g->nmem > 0 || g->nmcs > 0)
		return;
	pos = srv_group_lower(db, g->addr);
	if (pos < db->nsorted && db->sorted[pos] == gi) {
		memmove(&db->sorted[pos], &db->sorted[pos + 1],
		    (db->nsorted - pos - 1) * sizeof(*db->sorted));
		db->nsorted--;
	}
	free(g->mem);
	free(g->mcs);
	memset(g, 0, sizeof(*g));
	g->link = db->grp_free;
	db->grp_free = gi;
}

/* ---- single-group memberships ---- */

int
srv_single_index(const struct srv_db *db, uint32_t mi, uint32_t gi)
{
	const struct srv_member *m = &db->mem[mi];
	uint32_t i;

	for (i = 0; i < m->ngroups; i++)
		if (m->groups[i] == gi)
			return (int)i;
	return -1;
}

int
srv_single_add(struct srv_db *db, uint32_t mi, uint32_t gi, bool l3)
{
	struct srv_member *m = &db->mem[mi];
	struct srv_group *g = &db->grp[gi];

	if (grow((void **)&m->groups, &m->capgroups, m->ngroups + 1,
	    sizeof(uint32_t), 4) == -1 ||
	    grow((void **)&g->mem, &g->capmem, g->nmem + 1,
	    sizeof(uint32_t), 4) == -1)
		return -1;
	srv_note_member(db, mi);
	m->groups[m->ngroups++] = gi;
	g->mem[g->nmem++] = mi | (l3 ? SRV_L3 : 0);
	if (l3)
		g->nl3++;
	return 0;
}

void
srv_single_set_l3(struct srv_db *db, uint32_t mi, uint32_t gi)
{
	struct srv_group *g = &db->grp[gi];
	uint32_t i;

	for (i = 0; i < g->nmem; i++) {
		if ((g->mem[i] & SRV_SLOT) == mi) {
			if ((g->mem[i] & SRV_L3) == 0) {
				g->mem[i] |= SRV_L3;
				g->nl3++;
				srv_note_member(db, mi);
			}
			return;
		}
	}
}

void
srv_single_del(struct srv_db *db, uint32_t mi, uint32_t gi)
{
	struct srv_member *m = &db->mem[mi];
	struct srv_group *g = &db->grp[gi];
	int k = srv_single_index(db, mi, gi);
	uint32_t i;

	srv_note_member(db, mi);
	if (k >= 0)
		m->groups[k] = m->groups[--m->ngroups];
	for (i = 0; i < g->nmem; i++) {
		if ((g->mem[i] & SRV_SLOT) == mi) {
			if (g->mem[i] & SRV_L3)
				g->nl3--;
			g->mem[i] = g->mem[--g->nmem];
			return;
		}
	}
}

/* ---- MCSs ---- */

uint32_t
srv_mcs_find(const struct srv_db *db, const struct mars_server_atm *a)
{
	uint32_t i;

	for (i = 0; i < db->nmcs; i++)
		if (db->mcs[i].state == SRV_REG && atm_same(&db->mcs[i].atm, a))
			return i;
	return SRV_NIL;
}

uint32_t
srv_mcs_lookup(const struct srv_db *db, const struct mars_atm *num,
    const struct mars_atm *sub)
{
	struct mars_server_atm a;

	srv_atm_load(&a, num, sub);
	return srv_mcs_find(db, &a);
}

uint32_t
srv_mcs_new(struct srv_db *db, const struct mars_server_atm *a)
{
	uint32_t i;

	if (db->nmcs_reg >= db->max_mcs)
		return SRV_NIL;
	for (i = 0; i < db->nmcs; i++)
		if (db->mcs[i].state == SRV_FREE)
			break;
	if (i == db->nmcs) {
		if (grow((void **)&db->mcs, &db->capmcs, db->nmcs + 1,
		    sizeof(*db->mcs), 4) == -1)
			return SRV_NIL;
		db->nmcs++;
	}
	memset(&db->mcs[i], 0, sizeof(db->mcs[i]));
	db->mcs[i].atm = *a;
	db->mcs[i].state = SRV_REG;
	db->nmcs_reg++;
	srv_note_mcs(db, i);
	return i;
}

/* The caller has emptied the MCS's server maps first. */
void
srv_mcs_release(struct srv_db *db, uint32_t ci)
{
	srv_note_mcs(db, ci);
	free(db->mcs[ci].groups);
	memset(&db->mcs[ci], 0, sizeof(db->mcs[ci]));
	db->nmcs_reg--;
}

bool
srv_serves(const struct srv_db *db, uint32_t ci, uint32_t gi)
{
	const struct srv_group *g = &db->grp[gi];
	uint32_t i;

	for (i = 0; i < g->nmcs; i++)
		if (g->mcs[i] == ci)
			return true;
	return false;
}

int
srv_serve_add(struct srv_db *db, uint32_t ci, uint32_t gi)
{
	struct srv_mcs *c = &db->mcs[ci];
	struct srv_group *g = &db->grp[gi];

	if (grow((void **)&c->groups, &c->capgroups, c->ngroups + 1,
	    sizeof(uint32_t), 4) == -1 ||
	    grow((void **)&g->mcs, &g->capmcs, g->nmcs + 1,
	    sizeof(uint32_t), 2) == -1)
		return -1;
	srv_note_mcs(db, ci);
	c->groups[c->ngroups++] = gi;
	g->mcs[g->nmcs++] = ci;
	return 0;
}

void
srv_serve_del(struct srv_db *db, uint32_t ci, uint32_t gi)
{
	struct srv_mcs *c = &db->mcs[ci];
	struct srv_group *g = &db->grp[gi];
	uint32_t i;

	srv_note_mcs(db, ci);
	for (i = 0; i < c->ngroups; i++) {
		if (c->groups[i] == gi) {
			c->groups[i] = c->groups[--c->ngroups];
			break;
		}
	}
	for (i = 0; i < g->nmcs; i++) {
		if (g->mcs[i] == ci) {
			/* Keep the server map's order: first MCS first. */
			memmove(&g->mcs[i], &g->mcs[i + 1],
			    (g->nmcs - i - 1) * sizeof(uint32_t));
			g->nmcs--;
			break;
		}
	}
}
