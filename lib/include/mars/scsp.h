/*
 * SCSP (RFC 2334 App. B) and the MARS-specific CSA part (RFC 2443 §3–§5).
 *
 * mars_scsp_decode() validates the whole packet up front: fixed part, checksum,
 * mandatory common part, every record (and, for Protocol ID 3, every CSA's
 * MARS part) and the extension list.  Records are then walked with the
 * iterators below, which cannot fail on a decoded message.  The view
 * points into the caller's buffer; nothing is allocated.
 *
 * mars_scsp_encode() takes the same struct; the records come from `csas` (CA,
 * CSU Request, CSU Reply, CSUS) or `ids` (Hello's additional receiver IDs),
 * `nrec` of them.  Packet Size, Record Length, ID lengths, Start Of
 * Extensions and the checksum are computed.  Version 0 is sent as
 * MARS_SCSP_VERSION.  A record's body is written in every type (decode keeps
 * the octets a stand-alone CSAS carries beyond 12 + key + OID as its body,
 * so that encode(decode(p)) == p); CSA Sequence Number 0x80000000 and
 * inconsistent pointers/lengths are refused with MARS_E_INVAL.
 */
#ifndef MARS_SCSP_H
#define MARS_SCSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/msg.h"
#include "mars/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MARS_SCSP_EXT_MAX	4

struct mars_scsp_id {
	const uint8_t	*p;
	uint8_t		 len;
};

/* A CSAS record, or a CSA record (CSAS + protocol-specific body). */
struct mars_scsp_csas {
	uint16_t	 hops;
	uint16_t	 reclen;	/* decoded; computed on encode */
	bool		 null;		/* N bit */
	uint16_t	 unused;	/* bits 14-0 of the N-bit word */
	uint32_t	 seq;		/* CSA Sequence Number (signed on the wire) */
	struct mars_scsp_id	 key;
	struct mars_scsp_id	 oid;
	const uint8_t	*body;		/* protocol-specific part, CSA only */
	uint16_t	 body_len;
	uint32_t	 off;		/* decoded: offset of the record */
};

struct mars_scsp_ext {
	uint16_t	 type;
	uint16_t	 len;
	const uint8_t	*value;
};

struct mars_scsp_msg {
	/* Fixed part, B.1. */
	uint8_t		 version;
	uint8_t		 type;		/* enum mars_scsp_type */
	uint16_t	 size;		/* Packet Size */
	uint16_t	 chksum;
	uint16_t	 extoff;	/* Start Of Extensions */

	/* CA, B.2.1 */
	uint32_t	 ca_seq;
	/* Hello, B.2.5 */
	uint16_t	 hello_interval;
	uint16_t	 dead_factor;
	uint16_t	 hello_unused;
	uint16_t	 family_id;

	/* Mandatory Common Part, B.2.0.1 */
	uint16_t	 protocol_id;
	uint16_t	 sgid;
	uint16_t	 mcp_unused;
	uint16_t	 flags;		/* CA: M/I/O */
	struct mars_scsp_id	 sender;
	struct mars_scsp_id	 receiver;
	uint16_t	 nrec;		/* Number of Records */

	/* Decoded: the records area, walked by the iterators. */
	const uint8_t	*rec;
	uint32_t	 rec_len;
	uint32_t	 rec_off;	/* offset of rec from the SCSP version octet */

	/* Encode input: nrec records of the kind the type carries. */
	const struct mars_scsp_csas	*csas;
	const struct mars_scsp_id	*ids;

	/* Extensions, B.3, without the End marker. */
	bool		 has_ext;
	uint8_t		 next;
	struct mars_scsp_ext	 ext[MARS_SCSP_EXT_MAX];
	uint16_t	 next_total;	/* decoded: extensions seen, may exceed next */

	uint32_t	 len;		/* octets decoded */
};

/* The MARS-specific part of a CSA record (RFC 2443 §3). */
struct mars_scsp_mars_part {
	uint16_t	 hw_type;	/* 0x000f */
	uint16_t	 pro_type;
	uint8_t		 snap[5];
	uint8_t		 unused;
	uint8_t		 version;	/* 0 = MARS */
	uint8_t		 state;		/* enum mars_scsp_mars_state */
	uint16_t	 flags;
	uint16_t	 cmi;
	struct mars_pa	 spa;		/* before the ATM address (RFC 2443 order) */
	struct mars_atm	 atm;
	struct mars_atm	 sub;
	uint8_t		 grp_len;
	const uint8_t	*min;		/* grp_len octets, NULL when 0 */
	const uint8_t	*max;
};

#define MARS_SCSP_DEC_NOCHKSUM	0x01

/*
 * Decode the SCSP packet at p (the Version octet).  Returns 0 or MARS_E_*;
 * MARS_E_CHKSUM leaves *m complete (drop verdict), with err->have the
 * received and err->need the computed checksum.  Offsets count from p
 * plus base.  MARS_E_TRUNC means the buffer is shorter than Packet Size;
 * a field running past Packet Size is MARS_E_LENGTH.  Octets after Packet
 * Size are ignored.  Record offsets (scsp_csas.off) count from p.
 */
int	mars_scsp_decode(struct mars_scsp_msg *m, const uint8_t *p, size_t len,
	    uint32_t base, unsigned flags, struct mars_err *err);

#define MARS_SCSP_ENC_LLC		0x01	/* prepend AA AA 03 00 00 5E 00 05 */
int	mars_scsp_encode(const struct mars_scsp_msg *m, uint8_t *out, size_t cap,
	    size_t *outlen, unsigned flags, struct mars_err *err);

struct mars_scsp_iter {
	const uint8_t	*p;
	size_t		 left;
	uint32_t	 off;
	uint16_t	 i;
};
void	mars_scsp_iter_init(const struct mars_scsp_msg *m, struct mars_scsp_iter *it);
/* CA, CSU Request (with body), CSU Reply, CSUS.  false at the end. */
bool	mars_scsp_next_csas(struct mars_scsp_iter *it, struct mars_scsp_csas *rec);
/* Hello: additional receiver IDs.  false at the end. */
bool	mars_scsp_next_id(struct mars_scsp_iter *it, struct mars_scsp_id *id);

int	mars_scsp_mars_decode(struct mars_scsp_mars_part *mp, const uint8_t *p,
	    size_t len, uint32_t base, struct mars_err *err);
int	mars_scsp_mars_encode(const struct mars_scsp_mars_part *mp, uint8_t *out,
	    size_t cap, size_t *outlen, struct mars_err *err);

const char	*mars_scsp_type_name(uint8_t type);	/* "CA", "CSU_REQUEST", ..., NULL */
const char	*mars_scsp_mars_state_name(uint8_t state); /* "REDIRECT", ..., NULL */
const char	*mars_scsp_protocol_name(uint16_t pid);	/* "MARS", ..., NULL */

#ifdef __cplusplus
}
#endif

#endif
