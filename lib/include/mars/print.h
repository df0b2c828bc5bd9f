/*
 * Printers shared by every program (DESIGN.md rule 4): a decoded PDU and
 * its frame -> one-line summary, verbose fields, field tree (RFC names),
 * hex, or one JSON object (JSON Lines).
 */
#ifndef MARS_PRINT_H
#define MARS_PRINT_H

#include <stdbool.h>

#include "mars/atm.h"
#include "mars/event.h"
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

/*
 * Events (event.h) as the programs that are cluster members write them
 * (marsping --join, marsctl).  The name of a kind, lowercase with
 * underscores: "registered", "redirect_map", "mars_failed", "csn_gap",
 * "give_up", "message", "note" ...; "unknown" for a kind not in event.h.
 */
const char *mars_print_event_name(int kind);

/* An ATM address of a member's view: len octets of num (0: unknown). */
struct mars_print_atm {
	uint8_t		 len;
	uint8_t		 num[MARS_ATM_ADDR_MAX];
};

/* What the member knows around one of its events. */
struct mars_print_member {
	const char	*event;		/* NULL: mars_print_event_name() */
	const struct mars_print_atm *mars;	/* the MARS concerned, NULL */
	const char	*name;		/* its entity name, NULL */
	const char	*endpoint;	/* its endpoint, NULL */
	uint16_t	 cmi;		/* the member's CMI now */
	const struct mars_print_atm *list;	/* its redirect map, for */
	size_t		 nlist;			/* map and redirect events */
};

/*
 * A member's happening as one object of type "event" (mars-json(7)) and
 * a newline, always with the same keys, null where they do not apply:
 *
 *   {"type":"event","event":"registered","ts":1795389109.186336,
 *    "mars":"4700...0100","name":"m1","endpoint":"udp:127.0.0.1:4501",
 *    "cmi":3,"csn":0,"group":null,"hard":null,"list":null,"gap":null,
 *    "groups":null,"detail":null}
 *
 * ts is ev->us, or the wall clock now when 0; cmi is ev->cmi for
 * "registered", else m->cmi; hard and list are the map's for
 * "redirect_map" and "redirect"; gap is ev->count for "csn_gap", groups
 * ev->count for "rejoined".
 */
void	mars_print_member_event(struct mars_out *ob, const struct mars_event *ev,
	    const struct mars_print_member *m);

#ifdef __cplusplus
}
#endif

#endif
