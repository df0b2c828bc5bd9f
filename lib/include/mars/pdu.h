/*
 * One AAL5 SDU (LLC/SNAP + message) -> what it is and its decoded view.
 *
 * This is the entry point every program uses: it checks the LLC/SNAP
 * header, tells MARS from NHRP on their shared PID 0x0003 by op.version
 * (RFC 2022 §4.3.5, PROTOCOL.md §1.3), and hands MARS to mars_decode(),
 * SCSP to mars_scsp_decode().  NHRP is recognised and its fixed header decoded,
 * nothing more.
 */
#ifndef MARS_PDU_H
#define MARS_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/msg.h"
#include "mars/scsp.h"

#ifdef __cplusplus
extern "C" {
#endif

enum mars_pdu_kind {
	MARS_PDU_NONE = 0,		/* not even an LLC/SNAP header */
	MARS_PDU_MARS,
	MARS_PDU_SCSP,
	MARS_PDU_NHRP,
	MARS_PDU_LLC_OTHER,		/* another LLC/SNAP payload (data, ATMARP) */
};

/* NHRP fixed header, RFC 2332 §5.1. */
struct mars_nhrp_hdr {
	uint16_t	 afn;
	uint16_t	 pro_type;
	uint8_t		 pro_snap[5];
	uint8_t		 hopcnt;
	uint16_t	 pktsz;
	uint16_t	 chksum;
	uint16_t	 extoff;
	uint8_t		 op_version;
	uint8_t		 op_type;
	uint8_t		 shtl;
	uint8_t		 sstl;
};

struct mars_pdu {
	enum mars_pdu_kind	 kind;
	uint32_t	 oui;		/* from the SNAP header */
	uint16_t	 pid;
	int		 verdict;	/* 0, or MARS_E_*: malformed or must-drop */
	struct mars_err	 err;		/* offsets from the first LLC octet */
	const uint8_t	*sdu;
	uint32_t	 len;
	union {
		struct mars_msg	 mars;
		struct mars_scsp_msg	 scsp;
		struct mars_nhrp_hdr	 nhrp;
	} u;
};

#define MARS_PDU_DEC_NOCHKSUM	0x01

/* Returns pdu->verdict.  pdu->kind is set whenever the LLC header was read. */
int	mars_pdu_decode(struct mars_pdu *pdu, const uint8_t *sdu, size_t len,
	    unsigned flags);

/*
 * The two ways a PDU can be wrong (DESIGN.md rule 1), as every printer,
 * filter and counter tells them apart:
 *
 * malformed: it cannot be parsed (truncation, a count or length that
 * overruns, an unknown operation): the view is partial.  Another
 * LLC/SNAP payload is foreign, not malformed.
 *
 * nonconforming: it parsed and the view is complete, but a conforming
 * receiver would drop or distrust it.  The reasons are MARS_NC_* bits:
 * mars_msg.nonconf for MARS; MARS_NC_CHECKSUM for an SCSP packet whose
 * Checksum does not verify (RFC 2334 B.1).  0 for a clean or a malformed
 * PDU.
 */
bool		 mars_pdu_malformed(const struct mars_pdu *pdu);
unsigned	 mars_pdu_nonconf(const struct mars_pdu *pdu);

/* "MARS", "SCSP", "NHRP", "LLC" */
const char	*mars_pdu_kind_name(enum mars_pdu_kind kind);

#ifdef __cplusplus
}
#endif

#endif
