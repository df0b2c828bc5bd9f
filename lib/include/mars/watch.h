/*
 * A live cluster member as a producer of the one event type (event.h,
 * DESIGN.md rule 3): a cluster member state machine (client.h) over the
 * lab transport (link.h), driven by the caller's event loop (evloop.h).
 * It registers with the cluster and joins no group; every SDU it
 * receives -- on ClusterControlVC and on its point-to-point VC to the
 * MARS -- and every SDU it sends is a message event with both UDP
 * endpoints as its ends, and every happening of the member (registered,
 * redirected, MARS failed ...) a happening event.  marsmap -m and
 * --cluster check a live cluster with it; an operator shell can watch
 * one the same way.
 *
 * Without the MARS's ATM address (no cluster file naming it) the member
 * starts with a provisional all-zero one: the registration reply is
 * recognised by our own address (RFC 2022 §5.2.3); the first map from
 * the MARS names it in mar$sha (§5.4.3) and the member registers again
 * knowing it (a MARS_EV_NOTE says so), so that later maps are trusted.
 */
#ifndef MARS_WATCH_H
#define MARS_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "mars/client.h"
#include "mars/config.h"
#include "mars/endpoint.h"
#include "mars/err.h"
#include "mars/event.h"
#include "mars/evloop.h"
#include "mars/link.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mars_watch;

struct mars_watch_conf {
	/*
	 * The cluster: its entities are tried in priority order, its
	 * protocol and member timers are used (read by mars_watch_new()
	 * only, as is everything here).  NULL: mars alone.
	 */
	const struct mars_cluster_conf *cluster;
	/* Start with this MARS (with cluster: one of its endpoints). */
	bool			 has_mars;
	struct mars_endpoint	 mars;
	uint64_t		 seed;		/* the member's random delays */
	/* Every event; the pointers in it live during the call. */
	void			(*on_event)(void *ctx, const struct mars_event *ev);
	void			*ctx;
	/*
	 * A member driven by commands (an operator shell): it registers on
	 * mars_watch_start() only, and the caller asks its machine for
	 * joins and resolutions (mars_watch_client()).
	 */
	bool			 manual;
	/* The first 13 octets of the member's NSAP (then pid and UDP
	 * port); all zero: 47.0005.80ffe1 0000006d6d6170 ("mmap"). */
	uint8_t			 atm_prefix[13];
	/* The timer fields of *timers (0: client.h's defaults) when not
	 * NULL, else the cluster file's failure and retransmit timers. */
	const struct mars_client_conf *timers;
};

/*
 * The code of the MARS_EV_NOTE a member makes when a map named the MARS
 * it did not know (it registers again, with the groups it has).
 */
#define MARS_WATCH_NOTE_LEARNED	1

/*
 * A member on loop, registering at once.  0, MARS_E_INVAL (err->why:
 * no MARS, an endpoint not in the cluster, one that does not resolve) or
 * MARS_E_SYS (the socket).
 */
int	mars_watch_new(struct mars_watch **wp, struct mars_evloop *loop,
	    const struct mars_watch_conf *conf, struct mars_err *err);
/*
 * Leave: deregister, then call done(ctx) once the MARS answered or
 * grace_ms passed (at once when not registered).
 */
void	mars_watch_stop(struct mars_watch *w, mars_time_t grace_ms,
	    void (*done)(void *ctx), void *ctx);
void	mars_watch_free(struct mars_watch *w);

bool	mars_watch_registered(const struct mars_watch *w);
bool	mars_watch_ever_registered(const struct mars_watch *w);
/* The endpoint of the MARS tried first, as written. */
const char *mars_watch_first_mars(const struct mars_watch *w);

/* ---- a member driven by commands (conf.manual) ---- */

/* Register now.  0, or MARS_E_INVAL when it is registering already. */
int	mars_watch_start(struct mars_watch *w);
/*
 * Give up the registration and the groups without a word to the MARS
 * (a command that timed out): the member is as it was before start.
 */
void	mars_watch_reset(struct mars_watch *w);
/*
 * The member's machine, for what a command asks of it (join, leave,
 * request, grouplist, deregister); then mars_watch_kick() arms its
 * timer.  Valid until the next mars_watch_reset() or a map that names
 * the MARS (the member then registers again with a new machine).
 */
struct mars_client *mars_watch_client(struct mars_watch *w);
void	mars_watch_kick(struct mars_watch *w);
/*
 * The link, for SDUs the caller sends itself.  A peer added with
 * mars_watch_peer_add() is heard: its SDUs are message events too,
 * which the member's machine does not see.
 */
struct mars_link *mars_watch_link(struct mars_watch *w);
int	mars_watch_peer_add(struct mars_watch *w, const struct mars_endpoint *ep,
	    uint32_t *peer, struct mars_err *err);

/* The i-th MARS the member tries, in its order. */
struct mars_watch_mars {
	int		 entity;	/* index in the cluster file, -1 */
	const char	*endpoint;	/* as written */
	uint32_t	 peer;		/* its peer on mars_watch_link() */
	bool		 atm_known;	/* false until a map names it */
	const uint8_t	*atm;		/* MARS_ATM_ADDR_MAX octets */
};
bool	mars_watch_mars(const struct mars_watch *w, size_t i,
	    struct mars_watch_mars *out);
/* The member's own ATM number, MARS_ATM_ADDR_MAX octets. */
const uint8_t *mars_watch_own_atm(const struct mars_watch *w);

#ifdef __cplusplus
}
#endif

#endif
