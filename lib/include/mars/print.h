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

enum print_mode {
	PRINT_LINE = 0,		/* default: one line per message */
	PRINT_VERBOSE,		/* -v: every field, one line per message part */
	PRINT_TREE,		/* -vv: field tree, one field per line */
	PRINT_JSON,		/* --json */
};

struct print_opts {
	enum print_mode	 mode;
	bool		 hex;		/* -x: hex dump of the SDU after the text */
	bool		 numeric;	/* -n: no symbolic names for VCs/numbers */
	bool		 abs_time;	/* time as seconds since epoch */
};

/* Print one frame.  A malformed PDU prints as "MALFORMED <reason> at offset N (field)". */
void	print_frame(struct outbuf *ob, const struct print_opts *po,
	    const struct mars_frame *fr, const struct mars_pdu *pdu);

/* A frame that carried no SDU we could locate (truncated record, bad link header). */
void	print_frame_error(struct outbuf *ob, const struct print_opts *po,
	    const struct mars_frame *fr, const struct mars_err *err);

/* Hex dump, 16 octets a line, offsets from 0 (tcpdump -x style). */
void	print_hex(struct outbuf *ob, const uint8_t *p, size_t n);

#endif
