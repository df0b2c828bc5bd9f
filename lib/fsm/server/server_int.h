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

#include "mars/pdu.h"
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
	uint32_t	 noted;		/* change noted in generation (db) */
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
	uint32_t	 noted;		/* change noted in generation (db) */
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

	/* Change notes (mars_server_changes): each member or MCS once per
	 * generation, by its address, since its slot may be reused. */
	bool		 tracking;
	bool		 notes_lost;	/* no memory for a note */
	uint32_t	 note_gen;
	struct mars_server_change *notes;
	uint32_t	 nnotes;
	uint32_t	 capnotes;
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

/* Change notes: whatever replication exports of member mi / MCS ci
 * may have changed (mars_server_changes). */
void	srv_note_member(struct srv_db *db, uint32_t mi);
void	srv_note_mcs(struct srv_db *db, uint32_t ci);
void	srv_notes_clear(struct srv_db *db);

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

/* ---- the server, shared by the files of this folder ---- */

#define TX_CAP		(65536 + MARS_LLC_SNAP_LEN)
#define MTU_MIN		256

enum path {
	PATH_PRIVATE,		/* back on the VC the request came in on */
	PATH_CCVC,
	PATH_SCVC,
};

#define EMIT_MCS	0x01	/* private reply to an MCS: carries the SSN */
#define EMIT_NOBUMP	0x02	/* not the last part: keep CSN/SSN */
#define EMIT_NULLSRC	0x04	/* MARS_SERVER_Q_NULL_MAP: shtl, seqxy 0 */

struct mars_server {
	struct mars_server_conf	 conf;
	struct mars_io		 io;
	struct srv_db		 db;
	uint8_t			 grp_len;
	uint16_t		 mtu;
	uint32_t		 csn;
	uint32_t		 ssn;
	bool			 started;
	mars_time_t		 now;
	mars_time_t		 next_redirect;
	mars_time_t		 next_expiry;
	struct mars_server_atm	 mars[MARS_SERVER_MARS_MAX];
	uint8_t			 nmars;
	bool			 hard;
	struct mars_server_stats	 stats;
	struct mars_pdu		 pdu;
	uint8_t			*tx;
	uint8_t			*list;		/* one part's list, mtu octets */
	const struct mars_server_atm	**atms;		/* MULTI targets */
	uint32_t		 catms;
	bool			 in_request;	/* handling a received message */
	uint16_t		 req_chksum;	/* its mar$chksum as received */
	struct srv_rset		 ra;		/* hole punching scratch */
	struct srv_rset		 rb;
};

/* The CMI as this server hands it out (MARS_SERVER_Q_CMI_ZERO: from 0). */
static inline uint16_t
wire_cmi(const struct mars_server *s, uint16_t cmi)
{
	return (s->conf.quirks & MARS_SERVER_Q_CMI_ZERO) && cmi > 0 ?
	    (uint16_t)(cmi - 1) : cmi;
}

static inline uint8_t
tl_len(uint8_t tl)
{
	return tl & MARS_ATM_TL_LEN;
}

static inline struct mars_atm
atm_num(const struct mars_server_atm *a)
{
	struct mars_atm v;

	v.tl = a->tl;
	v.addr = tl_len(a->tl) ? a->addr : NULL;
	return v;
}

static inline struct mars_atm
atm_sub(const struct mars_server_atm *a)
{
	struct mars_atm v;

	v.tl = a->sub_tl;
	v.addr = tl_len(a->sub_tl) ? a->sub : NULL;
	return v;
}

/* server_state.c: happenings, and database changes with their happenings */
void	srv_event(struct mars_server *s, int kind,
	    const struct mars_server_atm *atm, uint16_t cmi,
	    const uint8_t *group, uint32_t count, const struct mars_msg *m,
	    const char *detail);
void	srv_drop(struct mars_server *s, int reason, const struct mars_msg *m);
void	srv_logmsg(struct mars_server *s, int level, const char *msg);
void	srv_leaf(struct mars_server *s, uint8_t pmp, bool add, uint32_t peer,
	    const struct mars_server_atm *atm);
uint32_t srv_collect_hosts(struct mars_server *s, uint32_t gi,
	    const uint8_t *addr);
uint32_t srv_collect_servers(struct mars_server *s, uint32_t gi);
void	srv_expiry_at(struct mars_server *s, mars_time_t t);
uint32_t srv_member_create(struct mars_server *s,
	    const struct mars_server_atm *a, uint16_t want);
void	srv_member_up(struct mars_server *s, uint32_t mi, uint32_t peer,
	    bool notify);
void	srv_member_down(struct mars_server *s, uint32_t mi, bool notify,
	    const char *why);
void	srv_mcs_down(struct mars_server *s, uint32_t ci, bool notify,
	    const char *why);
int	srv_single_apply(struct mars_server *s, uint32_t mi,
	    const uint8_t *addr, bool l3, bool join, bool *changed,
	    uint32_t *gip);
int	srv_block_apply(struct mars_server *s, uint32_t mi,
	    const uint8_t *min, const uint8_t *max, bool join);
bool	srv_punch_served(struct mars_server *s, const uint8_t *min,
	    const uint8_t *max, struct srv_rset *rs);

/* server_tx.c: transmission (RFC 2022 §5.1.4.2, §6.1.4, §6.2.5) */
void	srv_emit(struct mars_server *s, const struct mars_vc *vc,
	    struct mars_msg *m, enum path path, unsigned flags);
void	srv_emit_copy(struct mars_server *s, const struct mars_vc *vc,
	    const struct mars_msg *orig, uint8_t op, uint16_t set,
	    uint16_t clear, enum path path, unsigned flags);
void	srv_emit_pairs(struct mars_server *s, const struct mars_vc *vc,
	    const struct mars_msg *orig, uint8_t op, uint16_t set,
	    uint16_t clear, const struct srv_rset *rs, enum path path);
void	srv_send_nak(struct mars_server *s, const struct mars_vc *vc,
	    const uint8_t *sdu, size_t len, const struct mars_msg *req);
void	srv_emit_targets(struct mars_server *s, const struct mars_vc *vc,
	    struct mars_msg *r, const struct mars_server_atm *const *atms,
	    uint32_t n, enum path path, unsigned flags);
void	srv_send_multi(struct mars_server *s, const struct mars_vc *vc,
	    const struct mars_msg *req, uint32_t n, bool to_mcs);
void	srv_send_redirect(struct mars_server *s);

/* server_handle.c: message handlers */
void	srv_handle_join_leave(struct mars_server *s, const struct mars_vc *vc,
	    const struct mars_msg *m);
void	srv_handle_serve(struct mars_server *s, const struct mars_vc *vc,
	    const struct mars_msg *m);
void	srv_handle_request(struct mars_server *s, const struct mars_vc *vc,
	    const uint8_t *sdu, size_t len, const struct mars_msg *m);
void	srv_handle_grouplist(struct mars_server *s, const struct mars_vc *vc,
	    const struct mars_msg *m);

/* server.c: entry points */
void	srv_touch(struct mars_server *s, mars_time_t now);

#endif
