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

#include "mars/config.h"
#include "mars/endpoint.h"
#include "mars/err.h"
#include "mars/event.h"
#include "mars/evloop.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mars_watch;

struct mars_watch_conf {
	/*
	 * The cluster: its entities are tried in priority order, its
	 * protocol and member timers are used.  NULL: mars alone.
	 */
	const struct mars_cluster_conf *cluster;
	/* Start with this MARS (with cluster: one of its endpoints). */
	bool			 has_mars;
	struct mars_endpoint	 mars;
	uint64_t		 seed;		/* the member's random delays */
	/* Every event; the pointers in it live during the call. */
	void			(*on_event)(void *ctx, const struct mars_event *ev);
	void			*ctx;
};

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

#ifdef __cplusplus
}
#endif

#endif
