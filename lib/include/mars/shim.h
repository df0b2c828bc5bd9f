/*
 * The UDP lab transport's shim header (DESIGN.md "Transports", mars-lab(7)).
 *
 * One UDP datagram carries one AAL5 SDU on one emulated VC:
 *
 *   0      4       5      6        8        10       12
 *   +------+-------+------+--------+--------+--------+-------------------
 *   | "MLAB" | ver=1 | kind | VPI    | VCI    | flags  | SDU (LLC/SNAP + msg)
 *   +------+-------+------+--------+--------+--------+-------------------
 *
 * magic 4D 4C 41 42, version 1, VC kind (below), VPI and VCI (16 bits
 * each, big-endian), flags (bit 0: sent by the MARS side of the VC;
 * others 0), then exactly the bytes the ATM VC would carry.
 */
#ifndef MARS_SHIM_H
#define MARS_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAB_SHIM_LEN		12
#define LAB_SHIM_MAGIC		0x4d4c4142u	/* "MLAB" */
#define LAB_SHIM_VERSION	1
#define LAB_SHIM_F_FROM_MARS	0x0001

enum lab_vc_kind {
	LAB_VC_UNKNOWN	= 0,
	LAB_VC_P2P	= 1,	/* point-to-point control VC */
	LAB_VC_CCVC	= 2,	/* ClusterControlVC (pt-mpt) */
	LAB_VC_SCVC	= 3,	/* ServerControlVC (pt-mpt) */
	LAB_VC_SERVER	= 4,	/* inter-server VC (SCSP) */
};
#define LAB_VC_KIND_MAX	4

struct lab_shim {
	uint8_t		 version;
	uint8_t		 kind;		/* enum lab_vc_kind */
	uint16_t	 vpi;
	uint16_t	 vci;
	uint16_t	 flags;
};

/* true and *sh filled when p starts with a valid shim. */
bool	lab_shim_decode(struct lab_shim *sh, const uint8_t *p, size_t len);
/* Writes LAB_SHIM_LEN octets. */
void	lab_shim_encode(const struct lab_shim *sh, uint8_t *out);
const char *lab_vc_kind_name(uint8_t kind);	/* "p2p", "ccvc", ... */

#endif
