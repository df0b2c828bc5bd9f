/*
 * MARS server internals shared by server.c (message handling) and
 * server_db.c (the member / group / MCS database).  Not a public header.
 *
 * Everything is addressed by 32-bit slot numbers into arrays that grow by
 * realloc, so a pointer to a record must not be kept across a call that
 * may add a record of the same kind.  Group and protocol addresses are
 * kept left-aligned and zero-padded to MARS_SERVER_PA_MAX octets, so that
 * memcmp over MARS_SERVER_PA_MAX orders addresses of one length correctly
 * (RFC 2022 §5.2.1: unsigned big-endian comparison).
 */
#ifndef MARS_SERVER_INT_H
#define MARS_SERVER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/server.h"

#define SRV_NIL		UINT32_MAX
#define SRV_L3		0x80000000u	/* layer3grp bit in a group member entry */
#define SRV_SLOT	0x7fffffffu

enum srv_state {
	SRV_FREE = 0,
	SRV_HELD,		/* deregistered: CMI binding kept */
	SRV_REG,
};

/* An inclusive block of group addresses. */
struct srv_range {
	uint8_t		 min[MARS_SERVER_PA_MAX];
	uint8_t		 max[MARS_SERVER_PA_MAX];
};

/* Sorted, disjoint, non-adjacent blocks. */
struct srv_rset {
	struct srv_range *r;
	uint32_t	 n;
	uint32_t	 cap;
};

struct srv_member {
	struct mars_server_atm atm;
	uint8_t		 spa[MARS_SERVER_PA_MAX];
	uint8_t		 spa_len;
	uint8_t		 state;		/* enum srv_state */
	uint16_t	 cmi;
	uint32_t	 vc_id;
	uint32_t	 hnext;		/* hash chain; free-list link */
	uint32_t	 mark;		/* de-duplication stamp */
	uint32_t	 ngroups;
	uint32_t	 capgroups;
	uint32_t	*groups;	/* group slots of single-group joins */
	struct srv_rset	 blocks;	/* block joins */
	mars_time_t	 since;
};

struct srv_group {
	uint8_t		 addr[MARS_SERVER_PA_MAX];
	bool		 used;
	uint32_t	 nmem;
	uint32_t	 capmem;
	uint32_t	 nl3;		/* members with layer3grp */
	uint32_t	*mem;		/* member slot | SRV_L3 */
	uint32_t	 nmcs;
	uint32_t	 capmcs;
	uint32_t	*mcs;		/* MCS slots: the server map */
	uint32_t	 link;		/* free-list link */
};

struct srv_mcs {
	struct mars_server_atm atm;
	uint8_t		 state;		/* SRV_FREE or SRV_REG */
	uint32_t	 vc_id;
	uint32_t	 ngroups;
	uint32_t	 capgroups;
	uint32_t	*groups;	/* group slots served */
	mars_time_t	 since;
};

struct srv_db {
	uint8_t		 grp_len;
	uint32_t	 max_members;
	uint32_t	 max_groups;
	uint32_t	 max_mcs;

	struct srv_member *mem;
	uint32_t	 nmem;		/* slots in use or freed */
	uint32_t	 capmem;
	uint32_t	 mem_free;	/* free-list head */
	uint32_t	 nreg;
	uint32_t	 nheld;
	uint32_t	*bucket;	/* hash of (number, subaddress) */
	uint32_t	 nbucket;	/* power of two */
	uint32_t	 mark_gen;

	uint32_t	*blockers;	/* member slots with block joins */
	uint32_t	 nblockers;
	uint32_t	 capblockers;

	struct srv_group *grp;
	uint32_t	 ngrp;
	uint32_t	 capgrp;
	uint32_t	 grp_free;
	uint32_t	*sorted;	/* group slots in address order */
	uint32_t	 nsorted;
	uint32_t	 capsorted;

	struct srv_mcs	*mcs;
	uint32_t	 nmcs;
	uint32_t	 capmcs;
	uint32_t	 nmcs_reg;

	uint8_t		*cmimap;	/* bit per CMI: bound */
	uint16_t	 cmi_low;
	uint16_t	 cmi_high;
	uint16_t	 cmi_next;
	uint16_t	 alloc_low;	/* allocation block (redundancy: the */
	uint16_t	 alloc_high;	/*  partition's); 0,0 = cmi_low..high */
};

/* Address arithmetic over len octets, big-endian; false on wrap. */
int	srv_addr_cmp(const uint8_t *a, const uint8_t *b);
bool	srv_addr_inc(uint8_t *a, uint8_t len);
bool	srv_addr_dec(uint8_t *a, uint8_t len);
void	srv_addr_load(uint8_t *dst, const uint8_t *src, uint8_t len);
bool	srv_atm_eq(const struct mars_server_atm *a, const struct mars_atm *num,
	    const struct mars_atm *sub);
void	srv_atm_load(struct mars_server_atm *dst, const struct mars_atm *num,
	    const struct mars_atm *sub);

/* Range sets; -1 only when out of memory. */
void	srv_rset_free(struct srv_rset *s);
void	srv_rset_clear(struct srv_rset *s);
int	srv_rset_copy(struct srv_rset *dst, const struct srv_rset *src);
int	srv_rset_add(struct srv_rset *s, const uint8_t *min,
	    const uint8_t *max, uint8_t len);
int	srv_rset_sub(struct srv_rset *s, const uint8_t *min,
	    const uint8_t *max, uint8_t len);
int	srv_rset_clip(struct srv_rset *s, const uint8_t *min,
	    const uint8_t *max);
bool	srv_rset_has(const struct srv_rset *s, const uint8_t *a);
bool	srv_rset_is(const struct srv_rset *s, const uint8_t *min,
	    const uint8_t *max);
int	srv_rset_reserve(struct srv_rset *s, uint32_t n);

int	srv_db_init(struct srv_db *db, uint8_t grp_len, uint16_t cmi_low,
	    uint16_t cmi_high, uint32_t max_members, uint32_t max_groups,
	    uint32_t max_mcs);
void	srv_db_free(struct srv_db *db);
size_t	srv_db_bytes(const struct srv_db *db);

/* Members (keyed by ATM number + subaddress). */
uint32_t srv_member_find(const struct srv_db *db, const struct mars_server_atm *a);
uint32_t srv_member_lookup(const struct srv_db *db, const struct mars_atm *num,
	    const struct mars_atm *sub);
uint32_t srv_member_new(struct srv_db *db, const struct mars_server_atm *a);
void	srv_member_release(struct srv_db *db, uint32_t mi);
int	srv_member_set_blocks(struct srv_db *db, uint32_t mi,
	    const struct srv_rset *blocks);
bool	srv_member_covers(const struct srv_db *db, uint32_t mi,
	    const uint8_t *addr);

/* CMIs. */
bool	srv_cmi_bound(const struct srv_db *db, uint16_t cmi);
void	srv_cmi_bind(struct srv_db *db, uint16_t cmi);
void	srv_cmi_unbind(struct srv_db *db, uint16_t cmi);
uint16_t srv_cmi_alloc(struct srv_db *db);	/* 0: none free */
uint32_t srv_cmi_owner(const struct srv_db *db, uint16_t cmi);

/* Groups. */
uint32_t srv_group_find(const struct srv_db *db, const uint8_t *addr);
uint32_t srv_group_add(struct srv_db *db, const uint8_t *addr);
void	srv_group_gc(struct srv_db *db, uint32_t gi);
uint32_t srv_group_lower(const struct srv_db *db, const uint8_t *addr);

/* Single-group memberships. */
int	srv_single_index(const struct srv_db *db, uint32_t mi, uint32_t gi);
int	srv_single_add(struct srv_db *db, uint32_t mi, uint32_t gi, bool l3);
void	srv_single_set_l3(struct srv_db *db, uint32_t mi, uint32_t gi);
void	srv_single_del(struct srv_db *db, uint32_t mi, uint32_t gi);

/* MCSs and server maps. */
uint32_t srv_mcs_find(const struct srv_db *db, const struct mars_server_atm *a);
uint32_t srv_mcs_lookup(const struct srv_db *db, const struct mars_atm *num,
	    const struct mars_atm *sub);
uint32_t srv_mcs_new(struct srv_db *db, const struct mars_server_atm *a);
void	srv_mcs_release(struct srv_db *db, uint32_t ci);
bool	srv_serves(const struct srv_db *db, uint32_t ci, uint32_t gi);
int	srv_serve_add(struct srv_db *db, uint32_t ci, uint32_t gi);
void	srv_serve_del(struct srv_db *db, uint32_t ci, uint32_t gi);

#endif
