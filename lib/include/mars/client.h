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
 *     jump reports MARS_EV_CSN_GAP and, 1-10 s later, MARS_EV_REVALIDATE;
 *   - group JOIN/LEAVE (§5.2.1, §5.2.2): one pair <G,G>, layer3grp set,
 *     retransmitted until a copy arrives on ClusterControlVC or privately;
 *   - MARS_REQUEST (§5.1.1) with multi-part MULTI reassembly, NAK,
 *     GROUPLIST_REQUEST (§5.3);
 *   - MARS_REDIRECT_MAP (§5.4.3): keeps the MARS alive, installs the
 *     MARS list, hard and soft redirects;
 *   - failure detection and recovery (§5.4, §5.4.1, §5.4.2): no map within
 *     failure_timeout, JOIN/LEAVE or REQUEST retries exhausted, no answer
 *     to a registration, or the VC to the MARS lost (mars_client_vc_lost)
 *     -> MARS_EV_MARS_FAILED, a random 1-10 s wait, registration with the
 *     next MARS of the list (wrapping, a longer pause after each full
 *     pass), then every group re-joined with random spacing
 *     (MARS_EV_REJOINED) and a revalidation scheduled;
 *   - deregistration (§5.2.3) from every MARS that may hold the
 *     registration: each that answered a registration JOIN since the last
 *     deregistration (the current one, one that hard-redirected us, the
 *     old one of a soft redirect) and the one of a registration still
 *     outstanding.
 *
 * Living with a nonconforming MARS (PROTOCOL.md C8, C10, C18).  A
 * conforming member drops what RFC 2022 tells it to distrust; one widely
 * shipped server sends such messages all the time.  The client accepts
 * exactly these, each with a MARS_EV_WARNING (once per reason and MARS):
 *   - a registration reply with mar$cmi 0 (§5.2.3 says non-zero; C18);
 *   - a MARS_REDIRECT_MAP with a null mar$shtl and/or mar$seqxy 0 (§4.3,
 *     §5.1.2; C8) from the current MARS -- its source octets in place
 *     (mars_msg.sha_inferred) name it, or it came on that MARS's VC --
 *     taken as a keep-alive only (§5.4): its list is not installed;
 *   - a reply whose mar$chksum does not verify but equals the checksum of
 *     one of the last MARS_CLIENT_ECHO_MAX messages we sent that it
 *     answers (JOIN for JOIN, LEAVE for LEAVE, MULTI and NAK for REQUEST,
 *     GROUPLIST_REPLY for GROUPLIST_REQUEST) and carries our source
 *     address: the server edited our message into its reply without
 *     recomputing the checksum (C10).  Any other bad checksum is still
 *     dropped: a checksum that merely differs could be corruption, one
 *     equal to the one we sent is explained.  conf.no_checksum (send
 *     mar$chksum 0, §4.3.3) avoids the question.
 * Everything else nonconforming is dropped (MARS_EV_DROPPED, nonconf
 * says why).
 *
 * Other warnings (MARS_EV_WARNING, nonconf 0):
 *   - at mars_client_start(), when conf.redirect_interval is known and
 *     failure_timeout is not longer: the member would declare its MARS
 *     dead between two maps and flap (count = the redirect interval);
 *   - when maps from the current MARS arrive further apart than
 *     failure_timeout (count = the gap seen, ms);
 *   - when a map on the VC of a configured MARS names another source:
 *     the configured ATM address is probably wrong, so its maps are not
 *     trusted (atm = the map's source, count = index in conf.mars).
 * Each is reported once.
 *
 * Sizes from the wire are capped: a MULTI or GROUPLIST_REPLY being
 * reassembled keeps at most conf.list_max entries (default
 * MARS_CLIENT_LIST_MAX); the rest are counted out and the event says
 * "truncated".  Map reassembly keeps MARS_CLIENT_MARS_MAX entries.
 * mars_client_memory() tells how many octets the client holds.
 *
 * Events (struct mars_event), by kind:
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
 *   MULTI, NAK     group; MULTI count = members (mars_client_members())
 *   GROUPLIST      count = groups (mars_client_grouplist_groups())
 *   GIVE_UP        a query's retries ran out (group), or it was aborted by
 *                  a failure, redirect or deregistration (detail), or a
 *                  soft redirect's new MARS did not answer (atm; the client
 *                  stays with its MARS), or deregistration was not answered
 *   DROPPED        an undecodable or nonconforming message (detail =
 *                  reason, nonconf = MARS_NC_* bits), or a redirect map
 *                  not from the current MARS (neither installed nor acted
 *                  on)
 *   WARNING        see above: code (enum mars_client_warning), detail,
 *                  nonconf (MARS_NC_* or 0), atm, count
 *
 * The MARS list the client walks is the last REDIRECT_MAP received from
 * the current MARS with the configured MARSs not in it appended (§5.4.3:
 * the current MARS's map goes "at the top of the locally held list");
 * before any map, the configured list.
 *
 * All random delays are drawn from a generator seeded once, in
 * mars_client_new(), from conf->rng: a run is reproducible from its seed.
 *
 * Callbacks (io->send, io->event, io->log) may call mars_client_join(),
 * mars_client_leave(), mars_client_request() and the accessors, never mars_client_free().
 * Pointers in an event (atm, group, msg) are valid only during the call.
 */
#ifndef MARS_CLIENT_H
#define MARS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/fsm.h"
#include "mars/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MARS_CLIENT_MARS_MAX		32	/* MARS entries kept from a map + conf */
#define MARS_CLIENT_PA_MAX		16	/* protocol (group) address octets */
#define MARS_CLIENT_QUERY_MAX	8	/* REQUEST/GROUPLIST outstanding at once */
/*
 * Entries kept from one multi-part MULTI or GROUPLIST_REPLY: the default
 * and the largest conf.list_max (a cluster has at most 65,535 CMIs, so
 * no group has more members).
 */
#define MARS_CLIENT_LIST_MAX	4096
#define MARS_CLIENT_LIST_LIMIT	65535
#define MARS_CLIENT_ECHO_MAX	8	/* sent checksums remembered (C10) */

/* An ATM address: number and (optional) subaddress, each T/L + octets. */
struct mars_client_atm {
	uint8_t		 tl;			/* MARS_ATM_TL_E164 | length */
	uint8_t		 stl;			/* subaddress T/L, 0 = none */
	uint8_t		 num[MARS_ATM_ADDR_MAX];
	uint8_t		 sub[MARS_ATM_ADDR_MAX];
};

/* A protocol address (a group); len 0 = none. */
struct mars_client_pa {
	uint8_t		 len;
	uint8_t		 addr[MARS_CLIENT_PA_MAX];
};

/* One configured MARS and the point-to-point VC that reaches it. */
struct mars_client_mars {
	struct mars_client_atm	 atm;
	struct mars_vc		 vc;		/* kind MARS_VC_P2P, transport id */
	/*
	 * When the transport can tell ClusterControlVCs apart (the lab knows
	 * which endpoint a pt-mpt datagram came from), the id it gives the
	 * CCVC rooted at this MARS; a soft redirect must then arrive on it
	 * (§5.4.3 trust check).  has_ccvc false: only mar$sha is checked.
	 */
	bool			 has_ccvc;
	uint32_t		 ccvc_id;
	/*
	 * atm is a placeholder until the caller learns the real address:
	 * no warning when maps on this MARS's VCs name another source.
	 */
	bool			 provisional;
};

struct mars_client_conf {
	uint16_t		 pro_type;	/* mar$pro.type, e.g. MARS_PRO_IPV4 */
	/*
	 * 0, or a second mar$pro.type for a caller that does not know which
	 * protocol the cluster serves: until the first registration is
	 * answered, registration JOINs alternate between pro_type and this
	 * one, and the protocol of the answer is kept
	 * (mars_client_pro_type()).
	 */
	uint16_t		 pro_type_alt;
	bool			 no_checksum;	/* send mar$chksum 0 (§4.3.3) */
	size_t			 list_max;	/* 0: MARS_CLIENT_LIST_MAX */
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
				    struct mars_vc *vc);
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
	/* The MARS's redirect interval when known (cluster file), else 0:
	 * only for the warning above. */
	mars_time_t		 redirect_interval;

	/*
	 * The client's generator is seeded from one draw of *rng in
	 * mars_client_new(); NULL seeds it with 0.
	 */
	struct mars_rng		*rng;
};

/* MARS_EV_WARNING codes (mars_event.code); see "Living with" above. */
enum mars_client_warning {
	MARS_CLIENT_WARN_NONCONF = 1,	/* a nonconformity lived with: nonconf */
	MARS_CLIENT_WARN_FLAP_CONF,	/* failure_timeout <= redirect_interval */
	MARS_CLIENT_WARN_FLAP_SEEN,	/* maps further apart than failure_timeout */
	MARS_CLIENT_WARN_MARS_ADDR,	/* a configured MARS address looks wrong */
};

enum mars_client_state {
	MARS_CLIENT_IDLE = 0,	/* not started, or deregistered */
	MARS_CLIENT_REGISTERING,	/* registration JOIN outstanding */
	MARS_CLIENT_REGISTERED,
	MARS_CLIENT_WAITING,		/* after a failure, before the next registration */
	MARS_CLIENT_DEREGISTERING,	/* deregistration LEAVE outstanding */
};

/* Where a group stands. */
enum mars_client_group_state {
	MARS_CLIENT_GRP_JOINING = 1,	/* JOIN queued or outstanding */
	MARS_CLIENT_GRP_JOINED,	/* copy of our JOIN received */
	MARS_CLIENT_GRP_LEAVING,	/* LEAVE queued or outstanding */
};

struct mars_client;

/*
 * A new member in *clp; conf is copied (mars[] included), io too.  0,
 * MARS_E_INVAL (err->field names the member of conf that is unusable: no
 * MARS, bad lengths) or MARS_E_NOSPACE (no memory).
 */
int	mars_client_new(struct mars_client **clp,
	    const struct mars_client_conf *conf, const struct mars_io *io,
	    struct mars_err *err);
void		mars_client_free(struct mars_client *cl);

/* Begin registration with the first configured MARS.  MARS_E_INVAL if started. */
int		mars_client_start(struct mars_client *cl, mars_time_t now);

/* A received AAL5 SDU (LLC/SNAP + message). 0, or why it was dropped. */
int		mars_client_input(struct mars_client *cl, mars_time_t now,
		    const struct mars_vc *vc, const uint8_t *sdu, size_t len);

/* Run the timers due at now; returns the next deadline (MARS_TIME_NEVER). */
mars_time_t	mars_client_tick(struct mars_client *cl, mars_time_t now);
mars_time_t	mars_client_next_deadline(const struct mars_client *cl);

/*
 * Join or leave one group (§5.2.1.1: pair <G,G>, layer3grp set).  Sent at
 * once when registered, otherwise queued until registration succeeds.
 * 0, or MARS_E_INVAL (bad length; leave of a group not joined).
 */
int		mars_client_join(struct mars_client *cl, mars_time_t now,
		    const uint8_t *group, size_t len);
int		mars_client_leave(struct mars_client *cl, mars_time_t now,
		    const uint8_t *group, size_t len);

/*
 * Resolve a group: MARS_EV_MULTI (members through mars_client_members()) or
 * MARS_EV_NAK, or MARS_EV_GIVE_UP after request_retries (which §5.4 counts
 * as a MARS failure).  A request for a group already being resolved is
 * merged with it.  MARS_E_NOSPACE when MARS_CLIENT_QUERY_MAX are outstanding.
 */
int		mars_client_request(struct mars_client *cl, mars_time_t now,
		    const uint8_t *group, size_t len);
/* MARS_GROUPLIST_REQUEST for <min,max> (§5.3): MARS_EV_GROUPLIST. */
int		mars_client_grouplist(struct mars_client *cl, mars_time_t now,
		    const uint8_t *min, const uint8_t *max, size_t len);

/*
 * Deregistration LEAVE (§5.2.3) to every MARS that may hold our
 * registration (see above), in any state: MARS_EV_DEREGISTERED once each
 * answered or was given up on and one answered, GIVE_UP when none did.
 * MARS_E_INVAL when no MARS holds a registration (never registered, or
 * deregistered already) or a deregistration is under way.
 */
int		mars_client_deregister(struct mars_client *cl, mars_time_t now);

/*
 * The VC went away: the far end released it, or (lab transport) an ICMP
 * unreachable came back for it.  A registration outstanding on it fails
 * at once (§5.4.2: the next MARS is tried), the current MARS reached
 * over it has failed (§5.4), a deregistration stops waiting for it.  0,
 * or MARS_E_INVAL when the client uses no such VC.
 */
int		mars_client_vc_lost(struct mars_client *cl, mars_time_t now,
		    const struct mars_vc *vc);

/* Accessors. */
enum mars_client_state mars_client_state(const struct mars_client *cl);
const char	*mars_client_state_name(enum mars_client_state st);
bool		 mars_client_registered(const struct mars_client *cl);
/* The current MARS (NULL before the first registration) and its index in
 * mars_client_mars_list() (-1 when it is not in the list). */
const struct mars_client_atm *mars_client_current_mars(const struct mars_client *cl);
int		 mars_client_current_index(const struct mars_client *cl);
const struct mars_client_atm *mars_client_mars_list(const struct mars_client *cl,
		    size_t *n);
uint16_t	 mars_client_cmi(const struct mars_client *cl);
/* conf.pro_type, or the protocol a registration was answered in. */
uint16_t	 mars_client_pro_type(const struct mars_client *cl);
/* Octets the client holds on the heap, for tests and limits. */
size_t		 mars_client_memory(const struct mars_client *cl);
uint32_t	 mars_client_hsn(const struct mars_client *cl);
/* Groups wanted or being left; i < mars_client_group_count(). */
size_t		 mars_client_group_count(const struct mars_client *cl);
const struct mars_client_pa *mars_client_group(const struct mars_client *cl, size_t i,
		    enum mars_client_group_state *st);
/* Last REDIRECT_MAP received (n = 0 before the first one). */
const struct mars_client_atm *mars_client_redirect_map(const struct mars_client *cl,
		    size_t *n, bool *hard);
/* Members of the last completed MULTI; groups of the last GROUPLIST_REPLY. */
const struct mars_client_atm *mars_client_members(const struct mars_client *cl,
		    size_t *n);
const struct mars_client_pa *mars_client_grouplist_groups(const struct mars_client *cl,
		    size_t *n);

#ifdef __cplusplus
}
#endif

#endif
