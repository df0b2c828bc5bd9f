/*
 * The base types every layer shares: time as the state machines see it,
 * and the identity of a VC (DESIGN.md "Transports": a VC is a kind and,
 * for point-to-point VCs, which one).
 */
#ifndef MARS_TYPES_H
#define MARS_TYPES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t mars_time_t;		/* milliseconds, monotonic */
#define MARS_TIME_NEVER	UINT64_MAX

/*
 * VC kinds.  The numbers are also the lab transport's shim codes
 * (mars-lab(7)) and SunATM captures' VC labels, so they never change.
 */
enum mars_vc_kind {
	MARS_VC_UNKNOWN	= 0,
	MARS_VC_P2P	= 1,	/* point-to-point control VC */
	MARS_VC_CCVC	= 2,	/* ClusterControlVC (pt-mpt, MARS to members) */
	MARS_VC_SCVC	= 3,	/* ServerControlVC (pt-mpt, MARS to MCSs) */
	MARS_VC_SERVER	= 4,	/* inter-server VC (SCSP) */
};
#define MARS_VC_KIND_MAX	4

/*
 * A VC as the state machines see it.  kind is enum mars_vc_kind; id tells
 * point-to-point VCs apart (the transport's handle for that peer: a
 * member's VC at the server, a peer MARS's VC); 0 for the pt-mpt VCs,
 * which the transport fans out to every leaf.
 */
struct mars_vc {
	uint8_t		 kind;
	uint32_t	 id;
};

/* "p2p", "ccvc", "scvc", "server", or "unknown". */
const char	*mars_vc_kind_name(uint8_t kind);

#ifdef __cplusplus
}
#endif

#endif
