/*
 * The one event type (DESIGN.md rule 3): everything that happens in a
 * MARS cluster, as the checkers (check.h) consume it, is an event
 *
 *   (time, entity, VC, direction, message or happening)
 *
 * A *message* event (kind MARS_EV_MESSAGE) is one AAL5 SDU seen on a VC:
 * a capture record (capture.h, mars_cap_event()), an SDU a live member
 * received, or an SDU the simulator carried (sim.h).  A *happening* is
 * what a state machine or the simulator reports: registered, redirected,
 * failed, killed ... (MARS_EV_* below, MARS_SIM_EV_* of sim.h).
 *
 * Producers fill what they know and leave the rest zero; pointers are
 * valid during the call that hands the event over only.
 */
#ifndef MARS_EVENT_H
#define MARS_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/frame.h"
#include "mars/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The kinds: the happenings the state machines report (fsm.h), then the
 * simulator's own (sim.h, MARS_SIM_EV_*, from 64), then a message and a
 * producer's remark.
 */
enum mars_event_kind {
	/* cluster member side */
	MARS_EV_REGISTERED = 1,	/* registration copy came back: cmi, csn, mars */
	MARS_EV_DEREGISTERED,
	MARS_EV_JOINED,		/* group join confirmed (copy received) */
	MARS_EV_LEFT,
	MARS_EV_REDIRECT,	/* redirect map acted on: hard, mars = new head */
	MARS_EV_REDIRECT_MAP,	/* a map arrived (not necessarily acted on) */
	MARS_EV_MARS_FAILED,	/* failure detected: no map / no answer */
	MARS_EV_REJOINED,	/* every group re-joined after failure or hard redirect */
	MARS_EV_CSN_GAP,		/* msn - HSN not in {0,1}: revalidation scheduled */
	MARS_EV_REVALIDATE,
	MARS_EV_MULTI,		/* resolution complete: group, members */
	MARS_EV_NAK,
	MARS_EV_GROUPLIST,
	MARS_EV_GIVE_UP,		/* retries exhausted */
	/* server side */
	MARS_EV_MEMBER_ADDED,	/* cmi, atm */
	MARS_EV_MEMBER_REMOVED,
	MARS_EV_MEMBER_TIMEOUT,
	MARS_EV_GROUP_JOIN,	/* member cmi joined group */
	MARS_EV_GROUP_LEAVE,
	MARS_EV_MCS_ADDED,
	MARS_EV_MCS_REMOVED,
	MARS_EV_MIGRATE,
	MARS_EV_DROPPED,		/* a received message was ignored; detail says why */
	/* SCSP (scspfsm.h): peer = the DCS ID, count = DCS index */
	MARS_EV_PEER_UP,		/* Hello FSM reached Bidirectional */
	MARS_EV_PEER_DOWN,	/* Hello FSM left Bidirectional; detail says why */
	MARS_EV_ALIGNED,		/* Cache Alignment FSM reached Aligned */
	MARS_EV_CACHE_UPDATE,	/* a CSA from a DCS changed the cache; csn = seq */
	/* cluster member side, continued */
	MARS_EV_WARNING,		/* lived with something wrong: detail, nonconf */
	/* the one event type's own */
	MARS_EV_MESSAGE = 256,	/* an SDU seen on a VC (sdu, pdu, frame) */
	MARS_EV_NOTE,		/* a producer's remark (detail) */
};

/* The entity of an event that no producer numbered. */
#define MARS_EVENT_ENTITY_NONE	UINT32_MAX

/*
 * One end of a message: the UDP endpoint of lab traffic, or a simulated
 * node.  Two ends are the same end when mars_end_equal() says so.
 */
enum mars_end_kind {
	MARS_END_NONE = 0,
	MARS_END_UDP4,		/* addr[0..3], port */
	MARS_END_UDP6,		/* addr[0..15], port */
	MARS_END_NODE,		/* node (sim.h node id) */
};

struct mars_end {
	uint8_t		 kind;		/* enum mars_end_kind */
	uint16_t	 port;
	uint32_t	 node;
	uint8_t		 addr[16];
};

struct mars_pdu;
struct mars_msg;

struct mars_event {
	int		 kind;		/* enum mars_event_kind, sim.h's */
	/*
	 * Time: us is microseconds -- a capture's time stamp since the
	 * epoch, a live producer's wall clock, or the simulator's virtual
	 * time -- and 0 when the producer has only when, the machine clock
	 * in milliseconds.  mars_event_us() picks the one there is.
	 */
	uint64_t	 us;
	mars_time_t	 when;
	/* Who reports or observes it: a sim node, a member, a capture. */
	uint32_t	 entity;	/* MARS_EVENT_ENTITY_NONE: not numbered */
	const char	*entity_name;	/* NULL when unknown */
	/* The VC: its kind and, for captures, its VPI/VCI label. */
	struct mars_vc	 vc;
	bool		 has_label;
	uint16_t	 vpi;
	uint16_t	 vci;
	int		 dir;		/* enum mars_dir, at the observer */
	/* Both ends of a message, when the producer knows them. */
	struct mars_end	 src;
	struct mars_end	 dst;
	bool		 from_mars;	/* sent by the MARS side of the VC */

	/* A message: the SDU, and what the producer decoded of it. */
	uint64_t	 frame;		/* 1-based capture record; 0 none */
	const uint8_t	*sdu;		/* LLC/SNAP first */
	size_t		 sdu_len;
	const struct mars_pdu *pdu;	/* NULL: not decoded */
	const struct mars_frame *fr;	/* the capture record, when one */

	/* A happening: the kinds above (and client.h) say what each fills. */
	const uint8_t	*atm;		/* the MARS (member side) or the member */
	uint8_t		 atm_tl;
	uint16_t	 cmi;
	uint32_t	 csn;
	bool		 hard;
	const uint8_t	*group;
	uint8_t		 group_len;
	uint32_t	 count;
	const struct mars_msg *msg;	/* message behind it, when one */
	const char	*detail;
	const uint8_t	*peer;		/* SCSP happenings: the DCS ID */
	uint8_t		 peer_len;
	uint16_t	 nonconf;	/* MARS_EV_WARNING, DROPPED: the
					   MARS_NC_* reasons (msg.h), 0 */
	int		 code;		/* MARS_EV_WARNING: which one (the
					   producer's enum), 0 */
};

/* A zeroed event of this kind at this time (ms); the producer fills the rest. */
static inline void
mars_event_init(struct mars_event *ev, int kind, mars_time_t when)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->when = when;
	ev->entity = MARS_EVENT_ENTITY_NONE;
	ev->dir = MARS_DIR_UNKNOWN;
}

/* The event's time in microseconds: us, else when x 1000. */
static inline uint64_t
mars_event_us(const struct mars_event *ev)
{
	return ev->us != 0 ? ev->us : (uint64_t)ev->when * 1000u;
}

/*
 * The record of a message event, as the printers take it (print.h):
 * *ev->fr when the producer had one, else one made of the event's SDU,
 * VC (its label when it has one), direction, frame number and time.
 */
void	mars_event_frame(const struct mars_event *ev, struct mars_frame *fr);

struct sockaddr;
/* The end of an IPv4 or IPv6 socket address; MARS_E_INVAL otherwise. */
int	mars_end_from_sockaddr(struct mars_end *e, const struct sockaddr *sa);
/* The same end: kind, address, port or node. */
bool	mars_end_equal(const struct mars_end *a, const struct mars_end *b);
/*
 * "udp:127.0.0.1:4501", "udp:[::1]:4601", "node 3", "" for none, as the
 * endpoints of mars-lab(7) are written.  Returns what snprintf would.
 */
int	mars_end_format(const struct mars_end *e, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
