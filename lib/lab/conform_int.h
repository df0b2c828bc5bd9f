/*
 * The conformance suite's insides (conform.h): a run, the emulated
 * members the cases speak through, and the helpers every family of
 * cases shares.
 *
 *   conform.c        the catalogue, case selection, mars_conform_run()
 *   conform_text.c   verdicts and their details
 *   conform_peer.c   members: links, receive queues, message builders,
 *                    waiting with bounded timeouts
 *   conform_ops.c    what members do: register, join, request, and
 *                    telling a dropped message from an accepted one
 *   conform_reg.c    registration, deregistration, CSN
 *   conform_join.c   JOIN/LEAVE copies, redundant joins, blocks
 *   conform_req.c    MARS_REQUEST, MULTI (parts), NAK, GROUPLIST
 *   conform_drop.c   drop rules: checksum, operation, reserved bits,
 *                    TLVs, malformed lengths
 *   conform_map.c    periodic redirect maps and the MARS Group cases
 *   conform_scsp.c   posing as an entity of the MARS Group over SCSP
 *
 * A member is what RFC 2022 §5 calls a cluster member, reduced to what a
 * tester needs: its own UDP lab link (one VC to the MARS, as
 * mars-lab(7) emulates ATM), an ATM number unique to the run, and a
 * queue of every SDU the MARS sent it, in arrival order, decoded.  The
 * cases send what they want (right or wrong, built with the codec and
 * patched) and read the queue; every wait is bounded by the run's
 * timeout, so a MARS that answers nothing costs one timeout per case at
 * most, and after a registration drew no answer at all, none.
 */
#ifndef CONFORM_INT_H
#define CONFORM_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/config.h"
#include "mars/conform.h"
#include "mars/evloop.h"
#include "mars/link.h"
#include "mars/msg.h"
#include "mars/pdu.h"

#define CF_DETAIL_MAX	1024
#define CF_QUEUE_MAX	1024	/* SDUs kept per member; more are counted */
#define CF_REGS_MAX	64	/* registration replies remembered */
#define CF_PA_MAX	16	/* IPv6 */
#define CF_DEFAULT_TIMEOUT	2000
/* RFC 2022 §6.1.3: a map at least every 2 minutes; a little slack. */
#define CF_MAP_MAX_GAP	(120 * 1000)
#define CF_DEFAULT_MAP_WAIT	(CF_MAP_MAX_GAP + 5000)

/* One SDU a member received. */
struct cf_msg {
	struct cf_msg	*next;
	mars_time_t	 at;		/* mars_evloop_now() */
	uint8_t		 kind;		/* MARS_VC_P2P, MARS_VC_CCVC ... */
	size_t		 len;
	int		 verdict;	/* mars_pdu_decode(), checksum not
					   verified */
	bool		 cksum_ok;	/* mar$chksum 0 or verifies */
	struct mars_pdu	 pdu;		/* views into sdu[] */
	uint8_t		 sdu[];
};

/* The MARS message of a received SDU, NULL when it is none. */
const struct mars_msg *cf_mars(const struct cf_msg *x);

struct cf_run;

struct cf_member {
	struct cf_run	*run;
	struct cf_member *next;		/* the run's open members */
	struct mars_link *link;
	uint32_t	 mars_peer;	/* the MARS's peer id on link */
	uint8_t		 atm[MARS_ATM_ADDR_MAX];
	uint8_t		 atm_tl;	/* mar$shtl form */
	uint8_t		 pa[CF_PA_MAX];	/* own protocol address */
	bool		 registered;
	bool		 unreachable;	/* ICMP: nothing listens there */
	bool		 keep_maps_only; /* the watcher */
	bool		 discard;	/* bulk members: keep only SDUs
					   with their own source */
	bool		 joined;	/* bulk members: group joined */
	bool		 elsewhere;	/* speaks to another MARS than the
					   one under test (cluster cases) */
	uint16_t	 cmi;
	uint32_t	 reg_msn;	/* mar$msn of the registration reply */
	struct cf_msg	*head;
	struct cf_msg	**tail;
	size_t		 nq;
	uint64_t	 overflow;	/* SDUs not kept, queue full */
	uint64_t	 nrx;		/* SDUs received */
};

struct cf_reg {
	uint8_t		 atm[MARS_ATM_ADDR_MAX];
	uint8_t		 atm_tl;
	uint16_t	 cmi;
};

struct cf_run {
	const struct mars_conform_conf *conf;
	struct mars_evloop *loop;
	struct mars_endpoint mars;	/* the MARS under test */
	int		 family;	/* AF_INET, AF_INET6 */
	uint16_t	 pro;		/* mar$pro.type */
	uint8_t		 grp_len;	/* 4 or 16 */
	mars_time_t	 timeout;
	mars_time_t	 map_wait;
	uint32_t	 tag;		/* in every ATM number of the run */
	uint32_t	 nmembers;	/* ATM numbers handed out */
	uint32_t	 nranges;	/* group ranges handed out */
	bool		 silent;	/* a registration drew no answer */
	bool		 acted;		/* cf_expect_dropped() failed because
					   the MARS acted on the message */
	char		 silent_why[160];
	struct cf_reg	 regs[CF_REGS_MAX];
	size_t		 nregs;
	struct cf_member *members;	/* open, newest first */
	struct cf_member *watch;	/* registered for the whole run */
	mars_time_t	 watch_since;
	size_t		 want_maps;	/* what wait_maps() waits for */
	char		 watch_why[CF_DETAIL_MAX / 2];	/* no watcher: why */
	uint8_t		 rxbuf[MARS_LINK_DGRAM_MAX];
	char		 detail[CF_DETAIL_MAX];
};

/* A case: returns its verdict, with r->detail set unless it passed. */
typedef int (*cf_case_fn)(struct cf_run *r);

/* ---- verdicts ---- */
int	cf_fail(struct cf_run *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	cf_skip(struct cf_run *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Appends to r->detail. */
void	cf_note(struct cf_run *r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* One line about a received SDU, for details. */
void	cf_describe(const struct cf_msg *x, char *buf, size_t len);
/* Hex of an ATM number or group address (short, for details). */
void	cf_hex(const uint8_t *p, size_t n, char *buf, size_t len);
void	cf_group_text(const struct cf_run *r, const uint8_t *g, char *buf,
	    size_t len);

/* ---- members ---- */
#define CF_M_E164	0x01	/* a native E.164 number instead of an NSAP */
#define CF_M_DISCARD	0x02	/* keep only SDUs with our source (bulk) */
int	cf_member_new(struct cf_run *r, struct cf_member **mp, unsigned flags);
/* The same, speaking to another MARS (the cluster cases). */
int	cf_member_new_at(struct cf_run *r, struct cf_member **mp,
	    unsigned flags, const struct mars_endpoint *ep);
/* A second VC for the same member: same ATM number, new link. */
int	cf_member_clone(struct cf_run *r, const struct cf_member *of,
	    struct cf_member **mp);
/* Deregisters (bounded wait) and closes; NULL is fine. */
void	cf_member_free(struct cf_member *m);
/* Every member the run opened since mark (or all: NULL). */
void	cf_members_release(struct cf_run *r, struct cf_member *mark);

int	cf_send(struct cf_member *m, const uint8_t *sdu, size_t len);
/* Encode (with LLC/SNAP, checksum computed unless nock) and send. */
int	cf_send_msg(struct cf_member *m, const struct mars_msg *msg, bool nock);
int	cf_encode(const struct mars_msg *msg, uint8_t *buf, size_t cap,
	    size_t *len, bool nock);

/* Builders: every field a member sets, for the run's protocol. */
void	cf_msg_join(const struct cf_member *m, struct mars_msg *msg,
	    uint8_t op, const uint8_t *min, const uint8_t *max, uint16_t flags,
	    uint8_t *pairs);	/* pairs: 2 * grp_len octets of storage */
void	cf_msg_register(const struct cf_member *m, struct mars_msg *msg,
	    uint8_t op);	/* MARS_JOIN: register, MARS_LEAVE: deregister */
void	cf_msg_request(const struct cf_member *m, struct mars_msg *msg,
	    const uint8_t *group);

/* Fresh groups: a block of 256 no one else uses, base + k. */
void	cf_range(struct cf_run *r, uint8_t *base);
void	cf_group_at(const struct cf_run *r, const uint8_t *base, unsigned k,
	    uint8_t *g);

/* ---- waiting ---- */
mars_time_t cf_now(void);
mars_time_t cf_deadline(const struct cf_run *r);	/* now + timeout */
/* Run the loop until pred(arg) holds or the deadline; true if it holds. */
bool	cf_wait(struct cf_run *r, mars_time_t deadline,
	    bool (*pred)(void *), void *arg);
/* Run the loop for ms milliseconds (a quiet window). */
void	cf_settle(struct cf_run *r, mars_time_t ms);
/* The oldest queued SDU, removed; NULL at the deadline. */
struct cf_msg *cf_first(struct cf_run *r, struct cf_member *m,
	    mars_time_t deadline);
/*
 * The oldest queued SDU for which match() is true, removed (the others
 * stay queued); NULL at the deadline.
 */
struct cf_msg *cf_take(struct cf_run *r, struct cf_member *m,
	    mars_time_t deadline, bool (*match)(const struct cf_msg *,
	    const void *), const void *arg);
/* A MARS message of operation op on a VC of kind (0: any). */
struct cf_msg *cf_take_op(struct cf_run *r, struct cf_member *m,
	    mars_time_t deadline, uint8_t op, uint8_t kind);
/* Drop every queued SDU. */
void	cf_flush(struct cf_member *m);
void	cf_msg_free(struct cf_msg *x);

/* ---- registration ---- */
/*
 * Register m (RFC 2022 §5.2.3) and wait for the reply: 0 with
 * m->registered, m->cmi and, when reply is not NULL, the reply (the
 * caller frees it).  -1 with r->detail saying what happened: nothing at
 * all (r->silent is set, later cases skip), or no registration reply.
 */
int	cf_register(struct cf_run *r, struct cf_member *m,
	    struct cf_msg **reply);
/* A member, registered; on failure r->detail says why (-1). */
int	cf_registered(struct cf_run *r, struct cf_member **mp);
/* Deregister and wait for the reply: 0, or -1 with r->detail. */
int	cf_deregister(struct cf_run *r, struct cf_member *m,
	    struct cf_msg **reply);
/* The skip verdict of a case that cannot register its members. */
int	cf_skip_unregistered(struct cf_run *r);

/*
 * Join or leave <min,max> (flags added to the member's, e.g.
 * MARS_FLAG_LAYER3GRP) and wait for the copy the member itself receives
 * (on ClusterControlVC, or privately).  0 with *copy (may be NULL), -1
 * with r->detail.
 */
int	cf_join(struct cf_run *r, struct cf_member *m, uint8_t op,
	    const uint8_t *min, const uint8_t *max, uint16_t flags,
	    struct cf_msg **copy);

/* The answer to a MARS_REQUEST: NAK, or the MULTI parts. */
#define CF_PARTS_MAX	64
struct cf_answer {
	struct cf_msg	*nak;
	struct cf_msg	*part[CF_PARTS_MAX];
	size_t		 nparts;
	bool		 complete;	/* a NAK or a part with x = 1 */
};
/*
 * Send a MARS_REQUEST for group and collect the answer until it is
 * complete or the deadline (each part restarts the wait).  0 when an
 * answer is complete; -1 with r->detail.
 */
int	cf_request(struct cf_run *r, struct cf_member *m, const uint8_t *group,
	    struct cf_answer *a);
void	cf_answer_free(struct cf_answer *a);
/* Whether the answer's MULTI parts list the ATM number of m. */
bool	cf_answer_lists(const struct cf_answer *a, const struct cf_member *m);
size_t	cf_answer_count(const struct cf_answer *a);

/*
 * After m sent something the MARS must drop: m's REQUEST for the empty
 * group g draws a NAK and nothing else, o (may be NULL) saw nothing.
 * Returns the verdict, with r->detail when it failed.
 */
int	cf_expect_dropped(struct cf_run *r, struct cf_member *m,
	    struct cf_member *o, const uint8_t *g, const char *what);
/* Send a JOIN-family SDU of <g,g> from m; 0 when its copy comes back. */
int	cf_send_expect_copy(struct cf_run *r, struct cf_member *m,
	    const uint8_t *sdu, size_t len, uint8_t op, const uint8_t *g);

/*
 * Wait until o has received the copy of from's op whose first pair
 * starts at g (o sees ClusterControlVC a moment after the member that
 * acted, the MARS fanning out one leaf at a time); with flush, o's queue
 * is then emptied.  0, or -1 with r->detail.
 */
int	cf_await(struct cf_run *r, struct cf_member *o,
	    const struct cf_member *from, uint8_t op, const uint8_t *g,
	    bool flush);

/* Same ATM number (and subaddress) as member m. */
bool	cf_is_from(const struct mars_msg *msg, const struct cf_member *m);
/* Pair 0 of a JOIN-family message is <min,max>. */
bool	cf_pair_is(const struct cf_run *r, const struct mars_msg *msg,
	    unsigned i, const uint8_t *min, const uint8_t *max);

/* ---- the watcher (conform_map.c) ---- */
/* Register the run-long member that records redirect maps. */
void	cf_watch_start(struct cf_run *r);

/* ---- the cases, by family ---- */
int	cf_case_register_cmi(struct cf_run *r);
int	cf_case_register_private(struct cf_run *r);
int	cf_case_register_again(struct cf_run *r);
int	cf_case_register_new_vc(struct cf_run *r);
int	cf_case_register_unique(struct cf_run *r);
int	cf_case_register_csn(struct cf_run *r);
int	cf_case_csn_increment(struct cf_run *r);
int	cf_case_csn_private(struct cf_run *r);
int	cf_case_deregister(struct cf_run *r);

int	cf_case_join_copy(struct cf_run *r);
int	cf_case_leave_copy(struct cf_run *r);
int	cf_case_join_redundant(struct cf_run *r);
int	cf_case_leave_redundant(struct cf_run *r);
int	cf_case_join_block(struct cf_run *r);
int	cf_case_join_block_punch(struct cf_run *r);
int	cf_case_join_pairs(struct cf_run *r);
int	cf_case_join_copy_set(struct cf_run *r);
int	cf_case_join_unregistered(struct cf_run *r);

int	cf_case_request_multi(struct cf_run *r);
int	cf_case_request_nak(struct cf_run *r);
int	cf_case_request_parts(struct cf_run *r);
int	cf_case_request_types(struct cf_run *r);
int	cf_case_request_unregistered(struct cf_run *r);
int	cf_case_grouplist(struct cf_run *r);
int	cf_case_grouplist_pnum0(struct cf_run *r);

int	cf_case_checksum_reply(struct cf_run *r);
int	cf_case_checksum_zero(struct cf_run *r);
int	cf_case_checksum_bad(struct cf_run *r);
int	cf_case_drop_null_source(struct cf_run *r);
int	cf_case_drop_unknown_op(struct cf_run *r);
int	cf_case_drop_op_version(struct cf_run *r);
int	cf_case_drop_protocol(struct cf_run *r);
int	cf_case_drop_reserved_flags(struct cf_run *r);
int	cf_case_drop_reserved_tl(struct cf_run *r);
int	cf_case_tlv_null(struct cf_run *r);
int	cf_case_tlv_extoff_bits(struct cf_run *r);
int	cf_case_tlv_skip(struct cf_run *r);
int	cf_case_tlv_drop(struct cf_run *r);
int	cf_case_tlv_drop_log(struct cf_run *r);
int	cf_case_tlv_reserved(struct cf_run *r);
int	cf_case_length_truncated(struct cf_run *r);
int	cf_case_length_shtl(struct cf_run *r);
int	cf_case_length_pnum(struct cf_run *r);
int	cf_case_length_extoff(struct cf_run *r);
int	cf_case_length_tlv(struct cf_run *r);

int	cf_case_redirect_map(struct cf_run *r);
int	cf_case_redirect_interval(struct cf_run *r);
int	cf_case_cluster_map_group(struct cf_run *r);
int	cf_case_cluster_map_first(struct cf_run *r);
int	cf_case_cluster_backup_redirect(struct cf_run *r);
int	cf_case_cluster_backup_cmi(struct cf_run *r);
int	cf_case_cluster_soft_after_sync(struct cf_run *r);

#endif
