/*
 * marsdump --stats: counters kept while reading, printed at the end as
 * text or as one JSON object.
 *
 * Messages that pass the display filter are counted by operation (or, when
 * malformed, by reason) and by VC; every frame read feeds the CSN check on
 * ClusterControlVC, so a filter cannot hide the messages that close a gap.
 */
#ifndef MARSDUMP_STATS_H
#define MARSDUMP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/frame.h"
#include "mars/out.h"
#include "mars/pdu.h"

#define STATS_GAPS_KEPT		8	/* gaps listed by frame number */
#define STATS_REASONS		16	/* indexed by -MARS_E_* */

struct stats_vc {
	bool		 used;
	bool		 has_vc;
	uint16_t	 vpi;
	uint16_t	 vci;
	uint8_t		 kind;		/* enum mars_vc_kind, last one seen */
	bool		 csn_seen;
	uint32_t	 csn_last;
	uint64_t	 messages;
};

struct stats_gap {
	uint64_t	 frame;
	bool		 has_vc;
	uint16_t	 vpi;
	uint16_t	 vci;
	uint32_t	 expected;
	uint32_t	 got;
};

struct stats {
	uint64_t	 frames;		/* records read */
	uint64_t	 printed;		/* passed the filter */
	uint64_t	 mars_op[256];
	uint64_t	 scsp_type[256];
	uint64_t	 nhrp;
	uint64_t	 llc_other;
	uint64_t	 malformed;
	uint64_t	 reason[STATS_REASONS];

	/* Open-addressed VC table; grows only when a new VC appears. */
	struct stats_vc	*vc;
	size_t		 vc_cap;		/* power of two */
	size_t		 vc_used;

	uint64_t	 csn_gaps;
	uint64_t	 csn_missing;
	unsigned	 ngap;			/* kept in gap[] */
	struct stats_gap gap[STATS_GAPS_KEPT];
};

/* Is this PDU malformed (as the printers show it)? */
bool	stats_pdu_malformed(const struct mars_pdu *pdu);

int	stats_init(struct stats *st);
void	stats_free(struct stats *st);

/* A frame that passed the filter: its PDU, or its link error (pdu NULL). */
void	stats_count(struct stats *st, const struct mars_frame *fr,
	    const struct mars_pdu *pdu, const struct mars_err *err);
/* Every decoded frame: mar$msn continuity on ClusterControlVC. */
void	stats_csn(struct stats *st, const struct mars_frame *fr,
	    const struct mars_pdu *pdu);
/* Count a capture file cut short inside a record as malformed. */
void	stats_read_error(struct stats *st, int code);

void	stats_print(struct mars_out *ob, const struct stats *st, bool json);

#endif
