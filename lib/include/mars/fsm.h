/*
 * Conventions shared by the sans-I/O state machines (DESIGN.md rule 2):
 * the MARS server (server.h), the cluster member (client.h) and, later,
 * the redundancy machines.
 *
 * A machine never touches a socket, a clock or a random source of its own.
 * It is driven by
 *   - input(machine, now, vc, sdu, len): a received AAL5 SDU on a VC;
 *   - tick(machine, now): timers; every call returns the next deadline;
 * and it acts through the callbacks in struct mars_io: send an SDU on a VC,
 * report a happening (registered, redirected, failed...), log a line.
 * Time is a monotonic count of milliseconds chosen by the caller, so the
 * same code runs over UDP in marsd, under a fake clock in unit tests and
 * in virtual time in the simulator.
 */
#ifndef MARS_FSM_H
#define MARS_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/rng.h"
#include "mars/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Happenings reported by the machines (DESIGN.md rule 3: the one event
 * stream that marsping prints and the checkers consume).
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
};

struct mars_msg;

struct mars_event {
	int			 kind;		/* enum mars_event_kind */
	mars_time_t		 when;
	const uint8_t		*atm;		/* the MARS (member side) or the member */
	uint8_t			 atm_tl;
	uint16_t		 cmi;
	uint32_t		 csn;
	bool			 hard;		/* MARS_EV_REDIRECT */
	const uint8_t		*group;		/* MARS_EV_JOINED, MULTI, ... */
	uint8_t			 group_len;
	uint32_t		 count;		/* members in a MULTI, gap size, ... */
	const struct mars_msg	*msg;		/* message behind it, when one */
	const char		*detail;
	const uint8_t		*peer;		/* SCSP events: the DCS ID */
	uint8_t			 peer_len;
	uint16_t		 nonconf;	/* MARS_EV_WARNING, DROPPED: the
						   MARS_NC_* reasons (msg.h), 0 */
	int			 code;		/* MARS_EV_WARNING: which one
						   (enum mars_client_warning) */
};

/* A zeroed event of this kind at this time; the machines fill the rest. */
static inline void
mars_event_init(struct mars_event *ev, int kind, mars_time_t when)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->when = when;
}

struct mars_io {
	void	*ctx;
	/* Send one AAL5 SDU (LLC/SNAP + message) on vc. */
	void	(*send)(void *ctx, const struct mars_vc *vc, const uint8_t *sdu,
		    size_t len);
	/* A happening worth telling the user or a checker; may be NULL. */
	void	(*event)(void *ctx, const struct mars_event *ev);
	/* A log line (no newline); level as syslog(3); may be NULL. */
	void	(*log)(void *ctx, int level, const char *msg);
};

#ifdef __cplusplus
}
#endif

#endif
