/*
 * Error values shared by every libmars module.
 *
 * Functions return 0 or a negative MARS_E_* code; the detail (byte offset,
 * field name, how many octets were needed) goes into a caller-owned
 * struct mars_err, so the library never prints and never exits.
 */
#ifndef MARS_ERR_H
#define MARS_ERR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum mars_errcode {
	MARS_OK           =   0,
	MARS_E_TRUNC      =  -1,	/* message ends inside a field */
	MARS_E_FIELD      =  -2,	/* a field holds a value the spec forbids */
	MARS_E_CHKSUM     =  -3,	/* checksum does not verify */
	MARS_E_OP         =  -4,	/* unknown operation / type code */
	MARS_E_TLV_DROP   =  -5,	/* unknown TLV with Type.x = 1: drop silently */
	MARS_E_TLV_ERROR  =  -6,	/* unknown TLV with Type.x = 2: drop, log */
	MARS_E_LENGTH     =  -7,	/* a length/count/offset field disagrees with the data */
	MARS_E_NOSPACE    =  -8,	/* encode: output buffer too small */
	MARS_E_INVAL      =  -9,	/* encode or API: inconsistent input */
	MARS_E_NOTOURS    = -10,	/* not MARS, SCSP or NHRP (other LLC/SNAP, other UDP) */
	MARS_E_SYS        = -11,	/* a system call failed; errno is in mars_err.sys_errno */
	MARS_E_PARSE      = -12,	/* text input (filter, config, address) does not parse */
	MARS_E_LINKTYPE   = -13,	/* capture link type not supported */
	MARS_E_NONCONF    = -14,	/* parses, but breaks a rule a receiver
					   enforces (mars_msg.nonconf) */
};

/*
 * Where and why decoding failed.  Offsets count from the first octet of the
 * AAL5 SDU (the LLC header) when the error comes through mars_pdu_decode(),
 * from the start of the buffer handed to a lower-level decoder otherwise.
 */
struct mars_err {
	int		 code;		/* MARS_E_* */
	uint32_t	 offset;	/* first octet of the offending field */
	const char	*field;		/* RFC field name, e.g. "mar$sha" */
	uint32_t	 need;		/* MARS_E_TRUNC: octets the field needs */
	uint32_t	 have;		/* MARS_E_TRUNC: octets that were left */
	const char	*why;		/* static text for MARS_E_FIELD and friends */
	int		 sys_errno;	/* MARS_E_SYS */
};

const char	*mars_strerror(int code);

/*
 * Render e as one line, e.g.
 *   "truncated mar$sha at offset 36: need 20, have 12"
 *   "bad checksum at offset 12 (mar$chksum): 0x1f23, computed 0x1f22"
 * Always NUL-terminates; returns what snprintf would.
 */
int		 mars_err_format(const struct mars_err *e, char *buf, size_t len);

/*
 * Fill e (when not NULL) with code, the member or call it concerns and a
 * static reason; returns code, so that `return mars_err_set(...)` reads
 * as one statement.  MARS_E_INVAL and MARS_E_NOSPACE format as
 * "field: why".
 */
int		 mars_err_set(struct mars_err *e, int code, const char *field,
		    const char *why);

/*
 * True for 0 and the verdicts of a message that parsed (MARS_E_CHKSUM,
 * MARS_E_NONCONF, MARS_E_TLV_DROP, MARS_E_TLV_ERROR): the decoded struct
 * is complete and can be shown; false for a malformed one.
 */
int		 mars_err_parsed(int code);

/* Short reason word for one-line output: "truncated", "checksum", ... */
const char	*mars_err_reason(int code);

#ifdef __cplusplus
}
#endif

#endif
