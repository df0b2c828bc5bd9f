/*
 * Printers shared by every program (DESIGN.md rule 4): a decoded PDU and
 * its frame -> one-line summary, verbose fields, field tree (RFC names),
 * hex, or one JSON object (JSON Lines).
 */
#ifndef MARS_PRINT_H
#define MARS_PRINT_H

#include <stdbool.h>

#include "mars/frame.h"
#include "mars/out.h"
#include "mars/pdu.h"

#ifdef __cplusplus
extern "C" {
#endif

enum mars_print_mode {
	MARS_PRINT_LINE = 0,		/* default: one line per message */
	MARS_PRINT_VERBOSE,		/* -v: every field, one line per message part */
	MARS_PRINT_TREE,		/* -vv: field tree, one field per line */
	MARS_PRINT_JSON,		/* --json */
};

struct mars_print_opts {
	enum mars_print_mode	 mode;
	bool		 hex;		/* -x: hex dump of the SDU after the text */
	bool		 numeric;	/* -n: no symbolic names for VCs/numbers */
	bool		 abs_time;	/* time as seconds since epoch */
};

/*
 * Output shapes (MARS_PRINT_LINE):
 *   "HH:MM:SS.uuuuuu [vpi/vci dir kind] OP fields..."   local time, or
 *   "sec.uuuuuu ..." with abs_time; the VC bracket only when fr->has_vc.
 * A malformed PDU (pdu.h) prints its operation when it was read, then
 * "MALFORMED <reason> at offset N (field)" plus ": need X, have Y"
 * (truncation) or ": why".  A nonconforming one prints as any other,
 * followed by " NONCONFORMING name (RFC section), ..." for every reason.
 * -v / -vv add the fields after the line (unless malformed) and, for a
 * nonconforming PDU, a "\tnonconforming name (section): sentence" line
 * per reason; -x adds mars_print_hex() of the SDU.  MARS_PRINT_JSON
 * writes exactly one object of type "message" (mars-json(7)) and a
 * newline per frame; keys are the RFC field names without "mar$", dots
 * as underscores, "malformed" and "nonconforming" as in the text, and
 * "hex" with -x.  The local time of day is cached in the outbuf (once
 * per second).
 */

/* Print one frame. */
void	mars_print_frame(struct mars_out *ob, const struct mars_print_opts *po,
	    const struct mars_frame *fr, const struct mars_pdu *pdu);

/* A frame that carried no SDU we could locate (truncated record, bad link header). */
void	mars_print_frame_error(struct mars_out *ob, const struct mars_print_opts *po,
	    const struct mars_frame *fr, const struct mars_err *err);

/* Hex dump, 16 octets a line, offsets from 0 (tcpdump -x style). */
void	mars_print_hex(struct mars_out *ob, const uint8_t *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif
