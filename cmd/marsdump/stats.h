/*
 * marsdump --stats: counters kept while reading, printed at the end as
 * text or as one JSON object.
 *
 * Messages that pass the display filter are counted by operation (those
 * that parse, nonconforming ones included), malformed ones by reason,
 * nonconforming ones by reason, and all by VC.  Every frame read feeds
 * the CSN check on ClusterControlVC, so a filter cannot hide the
 * messages that close a gap.
 */
#ifndef MARSDUMP_STATS_H
#define MARSDUMP_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/frame.h"
#include "mars/msg.h"
#include "mars/out.h"
#include "mars/pdu.h"
#include "mars/proto.h"

#define STATS_GAPS_KEPT		8	/* gaps listed by frame number */
#define STATS_REASONS		16	/* indexed by -MARS_E_* */
#define STATS_NC_REASONS	16	/* indexed by MARS_NC_* bit number */
#define STATS_SEQ_PER_VC	8	/* MARS sequences tracked per CCVC */

/*
 * One MARS's Cluster Sequence Number on one ClusterControlVC (RFC 2022
 * §5.1.4.2): each MARS numbers its own transmissions, so a new Active
 * after a failover starts a sequence of its own.  A sequence is named by
 * the MARS's ATM address, from the messages only a MARS sends with its
 * own mar$sha (REDIRECT_MAP, MIGRATE); len 0 while no such message has
 * named it.
 */
struct stats_seq {
	bool		 used;
	uint8_t		 len;
	uint8_t		 atm[MARS_ATM_ADDR_MAX];
	uint32_t	 csn_last;
	uint64_t	 last_use;	/* frame number, for reuse of the oldest */
};

struct stats_vc {
	bool		 used;
	bool		 has_vc;
	uint16_t	 vpi;
	uint16_t	 vci;
	uint8_t		 kind;		/* enum mars_vc_kind, last one seen */
	uint64_t	 messages;
	int		 cur;		/* the sequence of the latest message, -1 */
	struct stats_seq seq[STATS_SEQ_PER_VC];
};

struct stats_gap {
	uint64_t	 frame;
	bool		 has_vc;
	uint16_t	 vpi;
	uint16_t	 vci;
	uint8_t		 atm_len;	/* the MARS, when known */
	uint8_t		 atm[MARS_ATM_ADDR_MAX];
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
	uint64_t	 nonconforming;		/* messages */
	uint64_t	 nc_reason[STATS_NC_REASONS];

	/* Open-addressed VC table; grows only when a new VC appears. */
	struct stats_vc	*vc;
	size_t		 vc_cap;		/* power of two */
	size_t		 vc_used;

	uint64_t	 csn_sequences;		/* MARS sequences seen */
	uint64_t	 csn_gaps;
	uint64_t	 csn_missing;
	unsigned	 ngap;			/* kept in gap[] */
	struct stats_gap gap[STATS_GAPS_KEPT];
};

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
