/*
 * The RFC 2022 conformance suite (lab layer): cases that talk to one MARS
 * reachable over the lab transport (mars-lab(7)) as cluster members
 * would, and judge what it answers: registration hands out a CMI and
 * the CSN, mar$msn grows by one per ClusterControlVC message, JOIN/LEAVE
 * copies go out on ClusterControlVC, MULTI lists the members and splits
 * large groups into parts, NAK for empty groups, GROUPLIST, periodic
 * redirect maps, and the drop rules (bad checksum, unknown operation,
 * reserved bits, each TLV unknown-type rule, malformed lengths); given
 * the cluster file, the MARS Group of draft-armitage-ion-mars-scsp-03
 * too.  Every case cites its RFC section; mars-conformance(7) lists them.
 *
 * A run is synchronous: mars_conform_run() opens its own links, drives
 * its own event loop and returns when every selected case has a verdict;
 * each verdict is handed to the caller's callback as soon as it is known.
 */
#ifndef MARS_CONFORM_H
#define MARS_CONFORM_H

#include <stddef.h>
#include <stdint.h>

#include "mars/endpoint.h"
#include "mars/err.h"
#include "mars/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mars_cluster_conf;

enum mars_conform_verdict {
	MARS_CONFORM_PASS = 0,
	MARS_CONFORM_FAIL,
	MARS_CONFORM_SKIP,	/* could not be decided (detail says why) */
};

/* One case of the catalogue. */
struct mars_conform_case {
	const char	*id;		/* stable, e.g. "register-cmi" */
	const char	*title;		/* one line */
	const char	*ref;		/* "RFC 2022 §5.2.3" */
};

struct mars_conform_result {
	const struct mars_conform_case *tcase;
	int		 verdict;	/* enum mars_conform_verdict */
	const char	*detail;	/* why it failed or was skipped; NULL
					   when it passed; valid in the call */
	mars_time_t	 elapsed;	/* ms */
};

struct mars_conform_conf {
	struct mars_endpoint mars;	/* the MARS under test (udp:) */
	uint16_t	 pro;		/* MARS_PRO_IPV4 or MARS_PRO_IPV6;
					   0: IPv4 */
	mars_time_t	 timeout;	/* wait for one answer; 0: 2000 ms */
	const char	*only;		/* comma-separated ids or id prefixes
					   to run (a whole id selects that
					   case alone); NULL: every case */
	uint64_t	 seed;		/* members' random delays */

	/*
	 * Added to the first version of this interface (zero keeps the
	 * defaults):
	 *
	 * map_wait: how long, from the start of the run, the redirect-map
	 * cases wait for maps; 0: 125000 ms (RFC 2022 §6.1.3: at least one
	 * every 2 minutes).  A run lasts at least until it has seen two
	 * maps or this time has passed, when redirect-* cases are selected.
	 *
	 * cluster: the cluster file of the MARS under test (config.h), for
	 * the cluster-* cases (draft-armitage-ion-mars-scsp-03): the MARS
	 * Group is its [mars] entities (or, under load sharing, the list of
	 * the partition c->mars serves), c->mars one of their endpoints.
	 * NULL: those cases SKIP.  Not copied; valid during the run.
	 */
	mars_time_t	 map_wait;
	const struct mars_cluster_conf *cluster;
};

/* The i-th case of the catalogue, NULL past the end. */
const struct mars_conform_case *mars_conform_case(size_t i);

/*
 * Run the selected cases against c->mars, calling fn for each verdict in
 * catalogue order.  0 when every case ran (whatever the verdicts),
 * MARS_E_INVAL for a bad conf or an `only` that selects nothing
 * (err->why says which word), MARS_E_SYS when the links cannot be opened.
 */
int	mars_conform_run(const struct mars_conform_conf *c,
	    void (*fn)(void *ctx, const struct mars_conform_result *r),
	    void *ctx, struct mars_err *err);

#ifdef __cplusplus
}
#endif

#endif
