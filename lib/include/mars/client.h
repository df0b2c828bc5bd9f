/*
 * The cluster member (MARS client) state machine, RFC 2022 §5, as every
 * tool that acts as a cluster member uses it (marsping --join, marsfail's
 * emulated clients, the simulator).  Sans-I/O (fsm.h, DESIGN.md rule 2).
 *
 * What it does:
 *   - registration (§5.2.3): MARS_JOIN register=1, no pairs, retransmitted
 *     every retransmit_interval until the copy comes back privately with a
 *     non-zero mar$cmi; the HSN is then reset to the copy's mar$msn (the
 *     new MARS's CSN; draft-armitage-ion-mars-scsp-03 §2);
 *   - HSN tracking (§5.1.4.2) on every message carrying mar$msn that
 *     arrives on ClusterControlVC or privately from the current MARS; a
 *     jump reports FSM_EV_CSN_GAP and, 1-10 s later, FSM_EV_REVALIDATE;
 *   - group JOIN/LEAVE (§5.2.1, §5.2.2): one pair <G,G>, layer3grp set,
 *     retransmitted until a copy arrives on ClusterControlVC or privately;
 *   - MARS_REQUEST (§5.1.1) with multi-part MULTI reassembly, NAK,
 *     GROUPLIST_REQUEST (§5.3);
 *   - MARS_REDIRECT_MAP (§5.4.3): keeps the MARS alive, installs the
 *     MARS list, hard and soft redirects;
 *   - failure detection and recovery (§5.4, §5.4.1, §5.4.2): no map within
 *     failure_timeout, JOIN/LEAVE or REQUEST retries exhausted, or no
 *     answer to a registration -> FSM_EV_MARS_FAILED, a random 1-10 s wait,
 *     registration with the next MARS of the list (wrapping, a longer pause
 *     after each full pass), then every group re-joined with random spacing
 *     (FSM_EV_REJOINED) and a revalidation scheduled.
 *
 * Events (struct fsm_event), by kind:
 *   REGISTERED     atm = the MARS, cmi, csn = its CSN; detail "recovery" or
 *                  "soft redirect" when it was one
 *   DEREGISTERED   the deregistration LEAVE came back
 *   JOINED, LEFT   group; csn of the copy
 *   REDIRECT_MAP   atm = the map's source, count = entries, hard
 *   REDIRECT       atm = the new head, hard (acted on: a hard one re-registers
 *                  after a random wait, a soft one registers at once)
 *   MARS_FAILED    atm = the MARS given up on, detail says why (also for
 *                  each MARS that does not answer a registration)
 *   REJOINED       count = groups joined once the re-join round is over
 *   CSN_GAP        csn = the msn, count = msn - HSN; group, when set, is the
 *                  group whose MULTI showed the jump (exempt, §5.1.5.2)
 *   REVALIDATE     1-10 s after a gap or a recovery: revalidate data VCs
 *   MULTI, NAK     group; MULTI count = members (client_members())
 *   GROUPLIST      count = groups (client_grouplist_groups())
 *   GIVE_UP        a query's retries ran out (group), or it was aborted by
 *                  a failure, redirect or deregistration (detail), or a
 *                  soft redirect's new MARS did not answer (atm; the client
 *                  stays with its MARS), or deregistration was not answered
 *   DROPPED        an undecodable message (detail = reason), or a soft
 *                  redirect map not from the current MARS
 *
 * The MARS list the client walks is the last REDIRECT_MAP received with
 * the configured MARSs not in it appended (§5.4.3: the map goes "at the
 * top of the locally held list"); before any map, the configured list.
 *
 * All random delays are drawn from a generator seeded once, in
 * client_new(), from conf->rng: a run is reproducible from its seed.
 *
 * Callbacks (io->send, io->event, io->log) may call client_join(),
 * client_leave(), client_request() and the accessors, never client_free().
 * Pointers in an event (atm, group, msg) are valid only during the call.
 */
#ifndef MARS_CLIENT_H
#define MARS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/fsm.h"
#include "mars/proto.h"

#define CLIENT_MARS_MAX		32	/* MARS entries kept from a map + conf */
#define CLIENT_PA_MAX		16	/* protocol (group) address octets */
#define CLIENT_QUERY_MAX	8	/* REQUEST/GROUPLIST outstanding at once */

/* An ATM address: number and (optional) subaddress, each T/L + octets. */
struct mars_client_atm {
	uint8_t		 tl;			/* ATM_TL_E164 | length */
	uint8_t		 stl;			/* subaddress T/L, 0 = none */
	uint8_t		 num[ATM_ADDR_MAX];
	uint8_t		 sub[ATM_ADDR_MAX];
};

/* A protocol address (a group); len 0 = none. */
struct mars_client_pa {
	uint8_t		 len;
	uint8_t		 addr[CLIENT_PA_MAX];
};

/* One configured MARS and the point-to-point VC that reaches it. */
struct mars_client_mars {
	struct mars_client_atm	 atm;
	struct fsm_vc		 vc;		/* kind LAB_VC_P2P, transport id */
	/*
	 * When the transport can tell ClusterControlVCs apart (the lab knows
	 * which endpoint a pt-mpt datagram came from), the id it gives the
	 * CCVC rooted at this MARS; a soft redirect must then arrive on it
	 * (§5.4.3 trust check).  has_ccvc false: only mar$sha is checked.
	 */
	bool			 has_ccvc;
	uint32_t		 ccvc_id;
};

struct mars_client_conf {
	uint16_t		 pro_type;	/* mar$pro.type, e.g. MARS_PRO_IPV4 */
	struct mars_client_atm	 own;		/* our ATM number (+ subaddress) */
	struct mars_client_pa	 own_pa;	/* our protocol address, may be null */

	/* MARSs in preference order; at least one (§5.4). */
	const struct mars_client_mars *mars;
	size_t			 nmars;
	/*
	 * VC to a MARS that is not in mars[] (learnt from a REDIRECT_MAP):
	 * return 0 and fill *vc, or -1 when no VC can be had (counted as a
	 * failed registration, §5.4).  May be NULL: such MARSs are then
	 * unreachable.
	 */
	int			(*vc_lookup)(void *ctx, const struct mars_client_atm *mars,
				    struct fsm_vc *vc);
	void			*vc_ctx;

	/* Timers in ms; 0 takes the default shown (RFC 2022 App. E). */
	mars_time_t		 failure_timeout;	/* 240000: no map -> failed */
	mars_time_t		 retransmit_interval;	/* 10000: JOIN/LEAVE */
	unsigned		 retransmit_limit;	/* 5 retransmissions */
	mars_time_t		 request_timeout;	/* 10000: REQUEST, GROUPLIST */
	unsigned		 request_retries;	/* 3 */
	mars_time_t		 part_timeout;		/* 10000: between parts */
	mars_time_t		 reregister_min;	/* 1000 */
	mars_time_t		 reregister_max;	/* 10000 */
	mars_time_t		 revalidate_min;	/* 1000 */
	mars_time_t		 revalidate_max;	/* 10000 */
	mars_time_t		 rejoin_min;		/* 1000: spacing of re-joins */
	mars_time_t		 rejoin_max;		/* 10000 */
	mars_time_t		 pass_pause;		/* 60000: after a full pass */

	/*
	 * The client's generator is seeded from one draw of *rng in
	 * client_new(); NULL seeds it with 0.
	 */
	struct mars_rng		*rng;
};

enum client_state {
	CLIENT_IDLE = 0,	/* not started, or deregistered */
	CLIENT_REGISTERING,	/* registration JOIN outstanding */
	CLIENT_REGISTERED,
	CLIENT_WAITING,		/* after a failure, before the next registration */
	CLIENT_DEREGISTERING,	/* deregistration LEAVE outstanding */
};

/* Where a group stands. */
enum client_group_state {
	CLIENT_GRP_JOINING = 1,	/* JOIN queued or outstanding */
	CLIENT_GRP_JOINED,	/* copy of our JOIN received */
	CLIENT_GRP_LEAVING,	/* LEAVE queued or outstanding */
};

struct mars_client;

/*
 * conf is copied (mars[] included); io is copied.  NULL when the conf is
 * unusable (no MARS, bad lengths) or memory is short.
 */
struct mars_client *client_new(const struct mars_client_conf *conf,
		    const struct fsm_io *io);
void		client_free(struct mars_client *cl);

/* Begin registration with the first configured MARS.  MARS_E_INVAL if started. */
int		client_start(struct mars_client *cl, mars_time_t now);

/* A received AAL5 SDU (LLC/SNAP + message). 0, or why it was dropped. */
int		client_input(struct mars_client *cl, mars_time_t now,
		    const struct fsm_vc *vc, const uint8_t *sdu, size_t len);

/* Run the timers due at now; returns the next deadline (MARS_TIME_NEVER). */
mars_time_t	client_tick(struct mars_client *cl, mars_time_t now);
mars_time_t	client_next_deadline(const struct mars_client *cl);

/*
 * Join or leave one group (§5.2.1.1: pair <G,G>, layer3grp set).  Sent at
 * once when registered, otherwise queued until registration succeeds.
 * 0, or MARS_E_INVAL (bad length; leave of a group not joined).
 */
int		client_join(struct mars_client *cl, mars_time_t now,
		    const uint8_t *group, size_t len);
int		client_leave(struct mars_client *cl, mars_time_t now,
		    const uint8_t *group, size_t len);

/*
 * Resolve a group: FSM_EV_MULTI (members through client_members()) or
 * FSM_EV_NAK, or FSM_EV_GIVE_UP after request_retries (which §5.4 counts
 * as a MARS failure).  A request for a group already being resolved is
 * merged with it.  MARS_E_NOSPACE when CLIENT_QUERY_MAX are outstanding.
 */
int		client_request(struct mars_client *cl, mars_time_t now,
		    const uint8_t *group, size_t len);
/* MARS_GROUPLIST_REQUEST for <min,max> (§5.3): FSM_EV_GROUPLIST. */
int		client_grouplist(struct mars_client *cl, mars_time_t now,
		    const uint8_t *min, const uint8_t *max, size_t len);

/* Deregistration LEAVE (§5.2.3): FSM_EV_DEREGISTERED, or GIVE_UP. */
int		client_deregister(struct mars_client *cl, mars_time_t now);

/* Accessors. */
enum client_state client_state(const struct mars_client *cl);
const char	*client_state_name(enum client_state st);
bool		 client_registered(const struct mars_client *cl);
/* The current MARS (NULL before the first registration) and its index in
 * client_mars_list() (-1 when it is not in the list). */
const struct mars_client_atm *client_current_mars(const struct mars_client *cl);
int		 client_current_index(const struct mars_client *cl);
const struct mars_client_atm *client_mars_list(const struct mars_client *cl,
		    size_t *n);
uint16_t	 client_cmi(const struct mars_client *cl);
uint32_t	 client_hsn(const struct mars_client *cl);
/* Groups wanted or being left; i < client_group_count(). */
size_t		 client_group_count(const struct mars_client *cl);
const struct mars_client_pa *client_group(const struct mars_client *cl, size_t i,
		    enum client_group_state *st);
/* Last REDIRECT_MAP received (n = 0 before the first one). */
const struct mars_client_atm *client_redirect_map(const struct mars_client *cl,
		    size_t *n, bool *hard);
/* Members of the last completed MULTI; groups of the last GROUPLIST_REPLY. */
const struct mars_client_atm *client_members(const struct mars_client *cl,
		    size_t *n);
const struct mars_client_pa *client_grouplist_groups(const struct mars_client *cl,
		    size_t *n);

#endif
