/*
 * The MARS server state machine (RFC 2022 §5.2.3, §6), sans-I/O
 * (DESIGN.md rule 2, conventions in fsm.h).
 *
 * One struct mars_server serves one protocol (mar$pro): RFC 2022 §6 and
 * §6.3 require separate tables, CMIs, CSN/SSN and control VCs per
 * protocol, so a daemon serving IPv4 and IPv6 runs two of them and hands
 * each SDU to the one whose mar$pro matches (mars_server_pro_type()).
 *
 * Driving it:
 *   mars_server_input()      one received AAL5 SDU (LLC/SNAP + message) on a VC;
 *   mars_server_tick()       timers (REDIRECT_MAP, expiry of held CMIs); returns
 *                       the next deadline;
 *   mars_server_leaf_lost()  the transport saw a member's or MCS's VC go away.
 * Every reply goes out through fsm_io.send on
 *   - the VC the request came in on (private replies), or
 *   - { MARS_VC_CCVC, 0 }  ClusterControlVC, mar$msn = CSN, CSN += 1 after;
 *   - { MARS_VC_SCVC, 0 }  ServerControlVC, mar$msn = SSN, SSN += 1 after.
 * The transport owns the pt-mpt VCs; the server tells it which peers are
 * leaves through server_conf.leaf (below): a peer is named by the id of
 * the point-to-point VC its registration arrived on (fsm_vc.id).
 *
 * Memory: tables grow (realloc) when members, groups or MCSs are added;
 * the steady path (requests, joins of known groups, timers) allocates
 * nothing.  A (member, group) membership costs two 32-bit slot numbers
 * plus array slack.
 *
 * The database is exportable (the iterators below) and importable
 * (server_import_*), so that SCSP replication (RFC 2443) can mirror
 * members, CMIs, memberships and MCS registrations between MARS entities.
 * A member's CMI is bound to its ATM address (number + subaddress): the
 * binding outlives deregistration for conf.cmi_hold ms, so a member that
 * re-registers (or fails over and comes back) gets its old CMI.
 */
#ifndef MARS_SERVER_H
#define MARS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/fsm.h"
#include "mars/msg.h"
#include "mars/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MARS_SERVER_PA_MAX		16	/* longest protocol/group address kept */
#define MARS_SERVER_MARS_MAX		16	/* MARS entries in a REDIRECT_MAP */

/* An ATM address (number and subaddress) held by value. */
struct mars_server_atm {
	uint8_t		 tl;			/* mar$shtl form; 0 = null */
	uint8_t		 addr[MARS_ATM_ADDR_MAX];
	uint8_t		 sub_tl;		/* mar$sstl form; 0 = none */
	uint8_t		 sub[MARS_ATM_ADDR_MAX];
};

/* Why a received message was dropped (server_stats.dropped[]). */
enum mars_server_drop {
	MARS_SRV_DROP_MALFORMED = 0,	/* does not decode, bad pair, bad lengths */
	MARS_SRV_DROP_CHECKSUM,	/* mar$chksum does not verify */
	MARS_SRV_DROP_TLV,		/* TLV with Type.x 1 or 2 (§10.2) */
	MARS_SRV_DROP_NOT_MARS,	/* SCSP, NHRP or another LLC/SNAP payload */
	MARS_SRV_DROP_UNKNOWN_OP,	/* mar$op.type not in §11 */
	MARS_SRV_DROP_UNEXPECTED_OP,	/* an op only the MARS sends (MULTI...) */
	MARS_SRV_DROP_PROTOCOL,	/* mar$pro not the one served (§6) */
	MARS_SRV_DROP_UNREGISTERED,	/* source not a registered member / MCS */
	MARS_SRV_DROP_COPY_SET,	/* JOIN/LEAVE with copy = 1 (§6.1.2) */
	MARS_SRV_DROP_PAIRS,		/* more than one pair, or none for a group op */
	MARS_SRV_DROP_WRONG_VC,	/* arrived on a pt-mpt or inter-server VC */
	MARS_SRV_DROP_LIMIT,		/* a configured limit was reached */
	MARS_SRV_DROP_UNSUPPORTED,	/* valid but not handled (block MSERV) */
	MARS_SRV_DROP_NONCONF,		/* parses, breaks a receiver's rule
					   (null source, reserved bits, ...) */
	MARS_SRV_DROP_MAX
};
const char	*mars_server_drop_name(int reason);	/* "malformed", ... */

struct mars_server_stats {
	uint64_t	 rx[MARS_OP_MAX + 1];	/* accepted messages, by op */
	uint64_t	 tx[MARS_OP_MAX + 1];	/* sent messages, by op */
	uint64_t	 dropped[MARS_SRV_DROP_MAX];
	uint64_t	 tx_ccvc;
	uint64_t	 tx_scvc;
	uint64_t	 tx_private;
	uint64_t	 encode_errors;		/* should stay 0 */
};

/*
 * Quirks of the one widely shipped MARS, the Windows 2000 IP/ATM server,
 * to emulate it for tests (fault injection: marsd(8) FAULT INJECTION).
 * Each breaks one rule the way that server does (PROTOCOL.md §9):
 */
#define MARS_SERVER_Q_STALE_CHKSUM	0x01	/* C10: replies carry the
						   request's mar$chksum as
						   received, not recomputed */
#define MARS_SERVER_Q_CMI_ZERO		0x02	/* C18: CMIs handed out from 0
						   (the one tracked, minus 1) */
#define MARS_SERVER_Q_NAK_CSN		0x04	/* C9: the CSN in the last 4
						   octets of a NAK's mar$pad */
#define MARS_SERVER_Q_NULL_MAP		0x08	/* C8: periodic REDIRECT_MAP
						   with mar$shtl 0 (the 20
						   source octets still there)
						   and mar$seqxy 0 */
#define MARS_SERVER_Q_WIN2000		0x0f	/* all of them */

/* A change of leaves on a pt-mpt VC for the transport to apply. */
struct mars_server_leaf {
	uint8_t			 pmp;	/* MARS_VC_CCVC or MARS_VC_SCVC */
	bool			 add;	/* false: drop the leaf */
	uint32_t		 peer;	/* fsm_vc.id of the peer's p2p VC */
	const struct mars_server_atm	*atm;
};

struct mars_server_conf {
	uint16_t		 pro_type;	/* MARS_PRO_IPV4 or MARS_PRO_IPV6 */
	struct mars_server_atm	 self;		/* own ATM number, required */
	uint8_t			 self_pa[MARS_SERVER_PA_MAX];	/* own protocol */
	uint8_t			 self_pa_len;	/*  address (MIGRATE); 0 = null */
	uint16_t		 cmi_low;	/* CMI range; 0,0 = 1..65535 */
	uint16_t		 cmi_high;
	mars_time_t		 redirect_interval;	/* ms; 0 = 60000 (§6.1.3) */
	mars_time_t		 cmi_hold;	/* keep a CMI after deregistration */
						/* ms; 0 = 30 min */
	uint32_t		 initial_csn;
	uint32_t		 initial_ssn;
	/* REDIRECT_MAP list, most preferred first; 0 entries = just self. */
	struct mars_server_atm	 mars[MARS_SERVER_MARS_MAX];
	uint8_t			 nmars;
	bool			 redirect_hard;	/* mar$redirf bit 7 */
	bool			 no_checksum;	/* send mar$chksum = 0 */
	bool			 no_verify;	/* do not check received checksums */
	uint16_t		 mtu;		/* max SDU incl. LLC; 0 = 9180 */
	uint32_t		 max_members;	/* 0 = 65535 */
	uint32_t		 max_groups;	/* 0 = 1 << 20 */
	uint32_t		 max_mcs;	/* 0 = 256 */
	uint16_t		 max_blocks;	/* per member; 0 = 32 */
	unsigned		 quirks;	/* MARS_SERVER_Q_*: emulate a
						   nonconforming server (tests) */
	/*
	 * Leaf changes on ClusterControlVC / ServerControlVC, called with
	 * fsm_io.ctx; may be NULL (the transport then watches the
	 * MEMBER/MCS events, whose count field carries the peer id).
	 */
	void			(*leaf)(void *ctx, const struct mars_server_leaf *lf);
};

struct mars_server;

/* Fills defaults into a zeroed conf for protocol pro with ATM number atm. */
void		 mars_server_conf_init(struct mars_server_conf *c, uint16_t pro,
		    const uint8_t *atm, uint8_t atm_tl);

/*
 * A new server in *sp.  0, MARS_E_INVAL (err->field names the member of c
 * that is wrong: unknown protocol, no own ATM address, ...) or
 * MARS_E_NOSPACE (no memory).  c and io are copied.
 */
int	mars_server_new(struct mars_server **sp, const struct mars_server_conf *c,
	    const struct mars_io *io, struct mars_err *err);
void		 mars_server_free(struct mars_server *s);

/* Handle one received SDU; every reply goes through io.send. */
void		 mars_server_input(struct mars_server *s, mars_time_t now,
		    const struct mars_vc *vc, const uint8_t *sdu, size_t len);
/* Run due timers; returns the next deadline. */
mars_time_t	 mars_server_tick(struct mars_server *s, mars_time_t now);
/*
 * The VC or leaf of peer went away (RFC 2022 §6.1.2 ERR_L_RELEASE):
 * every member and MCS registered over it is deregistered silently.
 */
void		 mars_server_leaf_lost(struct mars_server *s, mars_time_t now,
		    uint32_t peer);

/*
 * Replace the REDIRECT_MAP list (n = 0: just self) and the hard flag;
 * takes effect at the next map.  mars_server_redirect_now() sends it at once
 * and restarts the interval.  MARS_E_INVAL if n > MARS_SERVER_MARS_MAX.
 */
int		 mars_server_set_redirect_map(struct mars_server *s,
		    const struct mars_server_atm *list, size_t n, bool hard);
void		 mars_server_redirect_now(struct mars_server *s, mars_time_t now);

/* Switch the emulated quirks (MARS_SERVER_Q_*); MARS_E_INVAL for
 * unknown bits. */
int		 mars_server_set_quirks(struct mars_server *s, unsigned quirks);
unsigned	 mars_server_quirks(const struct mars_server *s);

/* Read-only state for the admin socket. */
uint16_t	 mars_server_pro_type(const struct mars_server *s);
uint32_t	 mars_server_csn(const struct mars_server *s);
uint32_t	 mars_server_ssn(const struct mars_server *s);
const struct mars_server_stats *mars_server_get_stats(const struct mars_server *s);
uint32_t	 mars_server_member_count(const struct mars_server *s);	/* registered */
uint32_t	 mars_server_group_count(const struct mars_server *s);
uint32_t	 mars_server_mcs_count(const struct mars_server *s);
/* Octets held by the database (tables, arrays with their slack). */
size_t		 mars_server_mem_usage(const struct mars_server *s);

struct mars_server_member_info {
	uint32_t		 handle;	/* for the per-member accessors */
	const struct mars_server_atm	*atm;
	const uint8_t		*spa;		/* last non-null one seen */
	uint8_t			 spa_len;
	uint16_t		 cmi;
	bool			 registered;	/* false: a held CMI binding */
	uint32_t		 vc_id;		/* peer; 0 = none (imported) */
	mars_time_t		 since;		/* (de)registration time */
	uint32_t		 ngroups;	/* single-group joins */
	uint32_t		 nblocks;	/* block joins (<min,max>, min<max) */
};

struct mars_server_group_info {
	uint32_t		 handle;
	const uint8_t		*addr;
	uint8_t			 len;
	uint32_t		 nmembers;	/* single-group joins */
	uint32_t		 nlayer3;	/* of which layer3grp */
	uint32_t		 nmcs;		/* server map size */
};

struct mars_server_mcs_info {
	uint32_t		 handle;
	const struct mars_server_atm	*atm;
	uint32_t		 vc_id;
	mars_time_t		 since;
	uint32_t		 ngroups;	/* groups served */
};

/*
 * Iterators: start with *cursor = 0; each call fills *out and returns
 * true, false at the end.  Members include held bindings (registered =
 * false); groups come in ascending address order.  Any change to the
 * server invalidates cursors and pointers.
 */
bool	mars_server_member_next(const struct mars_server *s, uint32_t *cursor,
	    struct mars_server_member_info *out);
bool	mars_server_member_get(const struct mars_server *s, uint32_t handle,
	    struct mars_server_member_info *out);
bool	mars_server_member_find(const struct mars_server *s,
	    const struct mars_server_atm *atm, struct mars_server_member_info *out);
bool	mars_server_member_group(const struct mars_server *s, uint32_t handle,
	    uint32_t i, const uint8_t **group, bool *layer3grp);
bool	mars_server_member_block(const struct mars_server *s, uint32_t handle,
	    uint32_t i, const uint8_t **min, const uint8_t **max);
bool	mars_server_group_next(const struct mars_server *s, uint32_t *cursor,
	    struct mars_server_group_info *out);
bool	mars_server_group_find(const struct mars_server *s, const uint8_t *addr,
	    struct mars_server_group_info *out);
/* i-th single-group member of a group: its member handle and layer3grp. */
bool	mars_server_group_member(const struct mars_server *s, uint32_t ghandle,
	    uint32_t i, uint32_t *mhandle, bool *layer3grp);
bool	mars_server_group_mcs(const struct mars_server *s, uint32_t ghandle,
	    uint32_t i, uint32_t *mcs_handle);
bool	mars_server_mcs_next(const struct mars_server *s, uint32_t *cursor,
	    struct mars_server_mcs_info *out);
bool	mars_server_mcs_get(const struct mars_server *s, uint32_t handle,
	    struct mars_server_mcs_info *out);
bool	mars_server_mcs_group(const struct mars_server *s, uint32_t handle,
	    uint32_t i, const uint8_t **group);

/*
 * Import (replication).  These change the database silently: nothing is
 * sent, no leaf callback, no CSN change; events are still reported.
 * Return 0 or MARS_E_INVAL (bad argument, CMI outside the range or bound
 * to another address), MARS_E_NOSPACE (a limit).
 */
/* Bind atm -> cmi (held unless already registered with that CMI). */
int	mars_server_import_cmi(struct mars_server *s, mars_time_t now,
	    const struct mars_server_atm *atm, uint16_t cmi);
/* Register (or refresh) a member; cmi 0 = allocate; peer 0 = no VC. */
int	mars_server_import_member(struct mars_server *s, mars_time_t now,
	    const struct mars_server_atm *atm, uint16_t cmi, uint32_t peer);
int	mars_server_import_deregister(struct mars_server *s, mars_time_t now,
	    const struct mars_server_atm *atm);
/* Join (join = true) or leave the block <min,max> (min = max: one group). */
int	mars_server_import_group(struct mars_server *s, mars_time_t now,
	    const struct mars_server_atm *atm, const uint8_t *min,
	    const uint8_t *max, bool layer3grp, bool join);
int	mars_server_import_mcs(struct mars_server *s, mars_time_t now,
	    const struct mars_server_atm *atm, uint32_t peer, bool add);
int	mars_server_import_serve(struct mars_server *s, mars_time_t now,
	    const struct mars_server_atm *mcs, const uint8_t *group, bool serve);

/*
 * Redundancy hooks (redund.h, draft-armitage-ion-mars-scsp-03).  They let
 * the redundancy layer steer one server as Active, Backup or Active
 * Sub-MARS; a server used on its own never needs them.
 */
/* Restrict CMI allocation to [low, high] (a partition's block, §4.3);
 * imports keep accepting the whole conf range.  MARS_E_INVAL if outside. */
int	mars_server_set_cmi_block(struct mars_server *s, uint16_t low,
	    uint16_t high);
/* Stop the periodic REDIRECT_MAP (a Backup, §3.2); mars_server_redirect_now()
 * starts it again. */
void	mars_server_redirect_stop(struct mars_server *s);
/* One REDIRECT_MAP privately on vc (§3.2 hard redirect of a member that
 * registered with a Backup; §4.5 targeted maps).  n = 0: just self. */
void	mars_server_send_redirect(struct mars_server *s, mars_time_t now,
	    const struct mars_vc *vc, const struct mars_server_atm *list, size_t n,
	    bool hard);
/*
 * Apply a join/leave learnt from another Active Sub-MARS (§4.3) and, when
 * the membership changed, send the equivalent MARS_JOIN/LEAVE (copy = 1)
 * on our ClusterControlVC with our CSN, or an SJOIN/SLEAVE on
 * ServerControlVC when an MCS serves the group (§4.6).
 */
int	mars_server_relay_group(struct mars_server *s, mars_time_t now,
	    const struct mars_server_atm *atm, const uint8_t *min,
	    const uint8_t *max, bool layer3grp, bool join);
/* Serve/unserve learnt from another Active Sub-MARS: imported, then the
 * MARS_MIGRATE (first MCS of a meshed group) or the MCS's MARS_LEAVE
 * (group back to a mesh) on our ClusterControlVC (RFC 2443 §5). */
int	mars_server_relay_serve(struct mars_server *s, mars_time_t now,
	    const struct mars_server_atm *mcs, const uint8_t *group, bool serve);
/*
 * An MCS that did not re-register after a failover (draft §3.6): for each
 * group it served that no other MCS serves, a MARS_LEAVE naming the MCS
 * (layer3grp = 0, as for an UNSERV) goes on ClusterControlVC so that members
 * fall back to a VC mesh; then the MCS is forgotten.
 */
int	mars_server_mcs_revert(struct mars_server *s, mars_time_t now,
	    const struct mars_server_atm *mcs);
/* Forget a member and its CMI binding at once (fault injection only). */
int	mars_server_forget_member(struct mars_server *s, mars_time_t now,
	    const struct mars_server_atm *atm);

/*
 * Change notes, so that replication (redund.h) re-exports only what
 * changed instead of the whole database on every message.  Once
 * tracking is on, every member whose registration, VC, CMI, protocol
 * address, group joins or block joins change, and every MCS whose
 * registration, VC or served groups change, is noted by its ATM address
 * (each at most once between two mars_server_changes_clear(), whatever
 * happened to it meanwhile: it may be gone).  mars_server_changes()
 * lists the notes in the order they were taken, valid until the server
 * changes; *lost is set when a note could not be kept (no memory): the
 * caller must then look at the whole database.  Turning tracking off
 * drops the notes.
 */
struct mars_server_change {
	struct mars_server_atm	 atm;
	bool			 mcs;		/* an MCS, else a member */
};

void	mars_server_track_changes(struct mars_server *s, bool on);
size_t	mars_server_changes(const struct mars_server *s,
	    const struct mars_server_change **list, bool *lost);
void	mars_server_changes_clear(struct mars_server *s);

#ifdef __cplusplus
}
#endif

#endif
