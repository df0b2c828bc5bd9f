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
 * magic 4D 4C 41 42, version 1, VC kind (enum mars_vc_kind, types.h), VPI and VCI (16 bits
 * each, big-endian), flags (bit 0: sent by the MARS side of the VC;
 * others 0), then exactly the bytes the ATM VC would carry.
 */
#ifndef MARS_SHIM_H
#define MARS_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MARS_SHIM_LEN		12
#define MARS_SHIM_MAGIC		0x4d4c4142u	/* "MLAB" */
#define MARS_SHIM_VERSION	1
#define MARS_SHIM_F_FROM_MARS	0x0001


struct mars_shim {
	uint8_t		 version;
	uint8_t		 kind;		/* enum mars_vc_kind */
	uint16_t	 vpi;
	uint16_t	 vci;
	uint16_t	 flags;
};

/* true and *sh filled when p starts with a valid shim. */
bool	mars_shim_decode(struct mars_shim *sh, const uint8_t *p, size_t len);
/* Writes MARS_SHIM_LEN octets. */
void	mars_shim_encode(const struct mars_shim *sh, uint8_t *out);

#ifdef __cplusplus
}
#endif

#endif
