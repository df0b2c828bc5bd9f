/*
 * MARS control messages (RFC 2022 §4–§6, §10): decode and encode.
 *
 * struct mars_msg is both the decoded view and the encoder's input.
 * Decoding is pure and allocation-free: variable fields point into the
 * caller's buffer, lists of fixed-stride entries are kept as one pointer and
 * a count and read with the accessors below.  Encoding derives every length
 * octet, mar$extoff and mar$chksum from the struct and refuses structs that
 * contradict themselves (MARS_E_INVAL).
 *
 * Which fields are meaningful depends on the layout family (PROTOCOL.md 3.2):
 *   A  REQUEST, NAK                     spln thtl tstl tpln pad; sha ssa spa tpa tha tsa
 *   B  MULTI, MIGRATE                   tnum seqxy msn; sha ssa spa tpa, list = tnum x (tha,tsa)
 *   B' GROUPLIST_REPLY                  tnum seqxy msn; sha ssa spa, list = tnum x group (grp_len)
 *   B" REDIRECT_MAP                     redirf tnum seqxy msn; sha ssa, list = tnum x (tha,tsa)
 *   C  JOIN LEAVE MSERV UNSERV SJOIN SLEAVE GROUPLIST_REQUEST
 *                                       pnum flags cmi msn; sha ssa spa, list = pnum x (min,max)
 * In family B, B" the target list's T/L octets are thtl/tstl.  In MIGRATE,
 * seqxy holds mar$resv.
 */
#ifndef MARS_MSG_H
#define MARS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/proto.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MARS_TLV_MAX	8	/* TLVs kept in the view; more are validated, counted */

/* An ATM number or subaddress: its type/length octet and its octets. */
struct mars_atm {
	const uint8_t	*addr;		/* NULL when tl length is 0 */
	uint8_t		 tl;		/* MARS_ATM_TL_E164 | length */
};

/* A protocol (layer 3) address; len 0 = null. */
struct mars_pa {
	const uint8_t	*addr;
	uint8_t		 len;
};

struct mars_tlv {
	uint16_t	 type;		/* Type.x | Type.y */
	uint16_t	 len;		/* valid value octets */
	const uint8_t	*value;
};

enum mars_family {
	MARS_FAM_UNKNOWN = 0,
	MARS_FAM_A,		/* REQUEST, NAK */
	MARS_FAM_B,		/* MULTI, MIGRATE */
	MARS_FAM_B1,		/* GROUPLIST_REPLY */
	MARS_FAM_B2,		/* REDIRECT_MAP */
	MARS_FAM_C,		/* JOIN family */
};

struct mars_msg {
	/* Fixed header, §4.3. */
	uint16_t	 afn;
	uint16_t	 pro_type;
	uint8_t		 pro_snap[5];
	uint8_t		 hdrrsv[3];
	uint16_t	 chksum;	/* as received; computed on encode */
	uint16_t	 extoff;	/* as received; computed on encode */
	uint8_t		 op_version;
	uint8_t		 op;		/* enum mars_op */

	/* Source, every family. */
	struct mars_atm	 sha;		/* never null in a valid message */
	struct mars_atm	 ssa;
	struct mars_pa	 spa;		/* not in REDIRECT_MAP */

	/* Mandatory part, by family. */
	uint8_t		 thtl;		/* B, B": T/L of every list entry's number */
	uint8_t		 tstl;		/* B, B": T/L of every list entry's subaddress */
	uint8_t		 grp_len;	/* B', C: octets per group address in list */
	uint8_t		 redirf;	/* B" */
	uint8_t		 pad[8];	/* A: mar$pad, tolerated non-zero (C9) */
	uint16_t	 tnum;		/* B, B', B" */
	uint16_t	 seqxy;		/* B, B', B"; mar$resv in MIGRATE */
	uint16_t	 pnum;		/* C */
	uint16_t	 flags;		/* C */
	uint16_t	 cmi;		/* C */
	uint32_t	 msn;		/* B, B', B", C */
	struct mars_pa	 tpa;		/* A, B: the group */
	struct mars_atm	 tha;		/* A */
	struct mars_atm	 tsa;		/* A */
	const uint8_t	*list;		/* B, B', B", C: see family table */

	/* TLV list, §10: the non-NULL TLVs in order. */
	bool		 has_tlvs;	/* extoff != 0 */
	uint8_t		 ntlv;		/* kept in tlv[] */
	uint16_t	 ntlv_total;	/* seen, may exceed MARS_TLV_MAX */
	struct mars_tlv	 tlv[MARS_TLV_MAX];

	uint32_t	 len;		/* message octets, mar$afn to last TLV */

	/* What a conforming receiver would drop it for (MARS_NC_*). */
	uint16_t	 nonconf;
	bool		 sha_inferred;	/* null mar$shtl, source taken from
					   the octets in place (C8) */
};

/*
 * Nonconformities (DESIGN.md rule 1): the message parses and every field
 * above is valid, but RFC 2022 tells a receiver to drop or distrust it.
 * Decoders report them; only the state machines drop.
 */
#define MARS_NC_CHECKSUM	0x0001	/* §4.3.3: mar$chksum does not verify */
#define MARS_NC_NULL_SOURCE	0x0002	/* §4.3: mar$shtl null */
#define MARS_NC_RESERVED	0x0004	/* reserved bits set (T/L bit 7,
					   mar$flags 11-8) */
#define MARS_NC_SEQXY		0x0008	/* §5.1.2: part number y = 0 */
#define MARS_NC_CMI_ZERO	0x0010	/* §5.2.3: registration reply, CMI 0 */
#define MARS_NC_TLV_DROP	0x0020	/* §10.2: unknown TLV, Type.x = 1 */
#define MARS_NC_TLV_ERROR	0x0040	/* §10.2: unknown TLV, Type.x = 2 */
#define MARS_NC_ALL		0x007f

/*
 * For one MARS_NC_* bit: a short name ("null-source"), the RFC section
 * ("RFC 2022 §4.3"), and a sentence; NULL for anything else.
 */
const char	*mars_nonconf_name(unsigned bit);
const char	*mars_nonconf_ref(unsigned bit);
const char	*mars_nonconf_text(unsigned bit);
/* The bit of a name, 0 if unknown. */
unsigned	 mars_nonconf_lookup(const char *name);

/* Decode flags. */
#define MARS_DEC_NOCHKSUM	0x01	/* do not verify mar$chksum */

/*
 * Decode the MARS message at p (first octet of mar$afn).  Returns 0, or a
 * MARS_E_* code with err filled.  For MARS_E_CHKSUM, MARS_E_NONCONF,
 * MARS_E_TLV_DROP and MARS_E_TLV_ERROR (mars_err_parsed()) the message
 * was well-formed and *m is complete, m->nonconf lists every reason: the
 * code is the verdict of a conforming receiver, which must drop it.  For
 * any other error (malformed: it cannot be parsed) *m is partial.
 * Offsets in err count from p plus `base`.
 *
 * Details: a malformed message outranks a bad checksum, which outranks
 * the other nonconformities (err names the first found), which outrank a
 * TLV drop verdict.  For MARS_E_CHKSUM err->have holds the received and
 * err->need the computed mar$chksum (as mars_scsp_decode does).  The checksum covers all len octets.
 * Octets after the address area are tolerated when there is no TLV list
 * (m->len says where the message ended).  In family A, thtl/tstl mirror
 * tha.tl/tsa.tl; in GROUPLIST_REPLY they hold the unused octets as
 * received; REDIRECT_MAP's reserved mar$spln is not kept (sent as 0).
 * has_tlvs is (extoff & 0xFFFC) != 0.
 */
int	mars_decode(struct mars_msg *m, const uint8_t *p, size_t len,
	    uint32_t base, unsigned flags, struct mars_err *err);

/* Encode flags. */
#define MARS_ENC_LLC		0x01	/* prepend AA AA 03 00 00 5E 00 03 */
#define MARS_ENC_NOCHKSUM	0x02	/* send mar$chksum = 0 */

/*
 * Encode *m into out[cap].  Every length octet, mar$extoff and the checksum
 * are computed; tnum/pnum say how many list entries `list` holds.  Returns
 * 0 and sets *outlen, MARS_E_NOSPACE (err->need/have: octets needed and
 * cap), or MARS_E_INVAL (err->field names the offending struct member).
 * mar$op.version is always 0; TLVs (when ntlv > 0 or has_tlvs) start at
 * the first 4-octet boundary after the addresses; a computed checksum of
 * 0 is sent as 0xFFFF.  In family A the T/L octets come from tha/tsa.
 */
int	mars_encode(const struct mars_msg *m, uint8_t *out, size_t cap,
	    size_t *outlen, unsigned flags, struct mars_err *err);

enum mars_family	 mars_op_family(uint8_t op);
const char		*mars_op_name(uint8_t op);	/* "MARS_JOIN", NULL if unknown */
const char		*mars_op_short(uint8_t op);	/* "JOIN", NULL if unknown */
int			 mars_op_lookup(const char *name); /* either form, any case; -1 */

/* Octets per list entry and list accessors (no bounds beyond the count). */
size_t	mars_list_stride(const struct mars_msg *m);
void	mars_target(const struct mars_msg *m, unsigned i,
	    struct mars_atm *tha, struct mars_atm *tsa);	/* B, B" */
void	mars_pair(const struct mars_msg *m, unsigned i,
	    const uint8_t **min, const uint8_t **max);		/* C */
const uint8_t *mars_group(const struct mars_msg *m, unsigned i);	/* B' */

/*
 * True when a and b carry the same message: every field the family of
 * a->op puts on the wire, the list entries and the kept TLVs, compared by
 * value.  Derived fields (chksum, extoff, len, ntlv_total) are ignored.
 */
bool	mars_msg_same(const struct mars_msg *a, const struct mars_msg *b);

/*
 * RFC 1071: the value for a checksum field, i.e. the one's complement of
 * the one's-complement sum of the 16-bit big-endian words, an odd final
 * octet padded with zero.  Over data holding a correct checksum it is 0.
 */
uint16_t	mars_cksum(const uint8_t *p, size_t len);

#ifdef __cplusplus
}
#endif

#endif
