/*
 * SCSP (RFC 2334 §2) as sans-I/O state machines (DESIGN.md rule 2,
 * conventions in fsm.h): the Hello FSM, the Cache Alignment FSM and the
 * Cache State Update protocol, over one cache of CSA entries.
 *
 * One struct mars_scsp_node is one Local Server (LS) of one SCSP instance
 * (Protocol ID, Server Group ID).  It is configured with its Directly
 * Connected Servers (DCS): for each, the DCS's ID and the fsm_vc id of the
 * inter-server VC to it ({ MARS_VC_SERVER, vc_id }).  Several DCSs may
 * share one vc_id (leaves of a point-to-multipoint VC): one Hello then
 * serves them all (RFC 2334 §2.1).
 *
 * Driving it:
 *   mars_scsp_start()    every DCS whose VC is usable goes Down -> Waiting and
 *                   the first Hellos go out;
 *   mars_scsp_input()    one received AAL5 SDU (LLC/SNAP + SCSP) on a VC;
 *   mars_scsp_tick()     timers; returns the next deadline (MARS_TIME_NEVER);
 *   mars_scsp_vc_down()/mars_scsp_vc_up()  NBMA connectivity to a DCS lost/back
 *                   (HFSM -> Down / -> Waiting).
 * Everything goes out through conf.io.send on { MARS_VC_SERVER, vc_id };
 * send, event and on_update must not call mars_scsp_input() or mars_scsp_tick() on
 * the same node (queue the SDU instead); on_update may call
 * mars_scsp_originate()/mars_scsp_withdraw().
 * Nothing reads a clock or a random source: `now` is the caller's
 * millisecond clock and the CA sequence numbers come from conf.seed.
 *
 * The owner (the MARS redundancy layer) feeds its own state in with
 * mars_scsp_originate()/mars_scsp_withdraw() and hears about the rest through
 * conf.on_update and the events:
 *   MARS_EV_PEER_UP       HFSM of a DCS reached Bidirectional
 *   MARS_EV_PEER_DOWN     HFSM left Bidirectional (dead, Waiting, Down);
 *                        detail says why
 *   MARS_EV_ALIGNED       CAFSM reached Aligned: both caches hold the same
 *   MARS_EV_CACHE_UPDATE  an entry was added, changed or removed by a CSA
 *                        from a DCS (on_update has the details)
 * Each carries ev.peer/peer_len = the DCS ID and ev.count = the DCS
 * index in conf.dcs (MARS_EV_CACHE_UPDATE: the DCS it came from, and
 * ev.csn = the CSA Sequence Number).
 *
 * Choices the RFC leaves open (PROTOCOL.md §5.12, §6.1):
 *   - IDs compare as unsigned octet strings, the longer winning a tie of
 *     the common part (master/slave, §2.2.1).
 *   - Cache entries are keyed by (Originator ID, Cache Key).  A purge
 *     (mars_scsp_withdraw) is a CSA with a larger sequence number and the N bit
 *     set, no protocol-specific part; servers keep it as a tombstone (it
 *     is summarised and solicited like any entry, so a withdrawn entry is
 *     not resurrected by a later alignment), and report the removal.
 *     mars_scsp_forget() drops tombstones the owner no longer needs.
 *   - A CSA naming this LS as originator that is newer than the local
 *     entry (a previous incarnation's, learned after a restart) does not
 *     replace it: the local entry is re-originated with that number + 1
 *     (RFC 2334 B.2.0.2 "previous number plus a constant").  When there
 *     is no local entry the CSA is cached like any other and reported, so
 *     the owner may re-originate or withdraw it.
 *   - Two instances with the same sequence number but different content
 *     (a restarted server re-used a number before it had aligned): every
 *     server keeps the "larger" (live over null, longer body, then octet
 *     order) and sends it back to a DCS that offered the other; the
 *     originator, seeing a different instance of its own entry at its
 *     number, numbers its entry past it.  After each alignment an LS
 *     sends a DCS its own entries that the DCS summarised at the same
 *     number, so such a conflict is found.
 *   - CSU Requests answering a CSUS carry the configured hop count, not
 *     B.2.0.2's suggested 1, so that what a server learns by alignment
 *     still floods on to its other DCSs (A-B-C where A-B comes up last);
 *     they are not put on the retransmit queue (the solicitor repeats its
 *     CSUS instead).  Whatever CSA (or null record) the DCS sends for a
 *     solicited key answers the solicitation, so a DCS that no longer has
 *     the advertised instance is not asked for ever.
 *   - Entries that change while a DCS is still negotiating or
 *     summarising wait on its retransmit queue and go out when it reaches
 *     Update Cache; a CAFSM that goes Down empties its queue (the next
 *     alignment carries everything).
 *   - A CSA with hop count h is kept with h - 1 for onward flooding and
 *     not flooded at 0; conf.hops should be at least the number of
 *     servers minus one (B.2.0.2).
 *   - Every CSU Request is sent to the DCS ID (never all 0xFF); received
 *     ones addressed to all 0xFF are accepted and replied to the sender.
 *   - A malformed SCSP packet, or a CSA not acknowledged after
 *     1 + csu_rexmt_limit sends, is an abnormal event: the HFSM of the
 *     DCS(s) on that VC goes to Waiting and forgets their DCSID, so both
 *     ends realign.
 *   - A received Hello makes the HFSM Bidirectional or Unidirectional at
 *     once, by whether it lists the LSID: a DCS that restarted (empty
 *     receiver list) therefore drops the adjacency and forces a new
 *     alignment.
 *   - Sequence-number wrap (B.2.0.2): a local entry that must change
 *     when its number is 2^31-2 is first purged with a null CSA at
 *     2^31-1 (MARS_SCSP_SEQ_WRAP); once no DCS retransmit queue holds
 *     that purge (every DCS up has acknowledged it) the new content goes
 *     out at MARS_SCSP_SEQ_FIRST.  Changes in between replace the
 *     content waiting.  So that every server accepts the restart, the
 *     order of mars_scsp_seq_newer() has one exception to the signed
 *     order: a negative number (the new epoch) is more recent than
 *     2^31-1, and 2^31-1 is not more recent than a negative number (a
 *     purge still being flooded by a third server never undoes the
 *     restart).  A DCS that offers one of our entries at 2^31-2 or more
 *     (a previous incarnation's) makes us wrap the same way.
 *   - Tombstones (B.2.0.2, §2.3): a null entry is dropped from the cache
 *     conf.tomb_hold ms after it became null, once no DCS retransmit
 *     queue holds it (every DCS has it) and it is not a wrap purge still
 *     waiting.  A DCS that solicits it afterwards gets the CSUS's own
 *     record with the N bit (§2.3).  A server that was away longer than
 *     the hold may offer the entry again; its originator, if alive,
 *     numbers its own instance past it, so it is purged again.
 *
 *   - Speed-ups that change no outcome: a Hello goes out at once when a
 *     DCS is first heard, and the CA that opens negotiation is resent at
 *     once when the DCS's own negotiation CA shows it has just come up.
 *
 * Memory: the cache is a sorted array (binary search), entry bodies are
 * heap copies; per DCS, the retransmit queue, the CSA Request List and
 * the CA summary snapshot grow as needed (the queue and the CRL are
 * searched linearly: fine for thousands of entries, not for millions).
 */
#ifndef MARS_SCSPFSM_H
#define MARS_SCSPFSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/fsm.h"
#include "mars/scsp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MARS_SCSP_ID_MAX		8	/* longest server ID / cache key kept */
#define MARS_SCSP_DCS_MAX		64

/* Defaults (PROTOCOL.md §5.11: HARP's values; RFC 2334 gives none). */
#define MARS_SCSP_DEF_HELLO_S	3
#define MARS_SCSP_DEF_DEAD_FACTOR	3
#define MARS_SCSP_DEF_CA_REXMT	3000
#define MARS_SCSP_DEF_CSUS_REXMT	3000
#define MARS_SCSP_DEF_CSU_REXMT	2000
#define MARS_SCSP_DEF_CSU_LIMIT	5
#define MARS_SCSP_DEF_HOPS		3
#define MARS_SCSP_DEF_MTU		1500	/* largest SCSP packet built */
#define MARS_SCSP_DEF_TOMB_HOLD	(5 * 60 * 1000)	/* ms a tombstone is kept */

/* B.2.0.2: the number of the purge that precedes a wrap, 2^31-1. */
#define MARS_SCSP_SEQ_WRAP		0x7FFFFFFFu

enum mars_scsp_hello_state {
	MARS_SCSP_HS_DOWN = 0,
	MARS_SCSP_HS_WAITING,
	MARS_SCSP_HS_UNIDIR,
	MARS_SCSP_HS_BIDIR,
};

enum mars_scsp_ca_state {
	MARS_SCSP_CA_DOWN = 0,
	MARS_SCSP_CA_NEGOTIATE,	/* Master/Slave Negotiation */
	MARS_SCSP_CA_SUMMARIZE,	/* Cache Summarize */
	MARS_SCSP_CA_UPDATE,		/* Update Cache */
	MARS_SCSP_CA_ALIGNED,
};

struct mars_scsp_dcs_conf {
	uint8_t		 id[MARS_SCSP_ID_MAX];
	uint8_t		 id_len;	/* 0: learn it from the first Hello */
	uint32_t	 vc_id;		/* fsm_vc { MARS_VC_SERVER, vc_id } */
};

enum mars_scsp_update_kind {
	MARS_SCSP_UPD_ADDED = 1,
	MARS_SCSP_UPD_CHANGED,
	MARS_SCSP_UPD_REMOVED,	/* purged (N bit): body is NULL */
};

/* One change to the cache caused by a DCS (not by the owner's calls). */
struct mars_scsp_update {
	int			 kind;		/* enum mars_scsp_update_kind */
	struct mars_scsp_id		 oid;
	struct mars_scsp_id		 key;
	uint32_t		 seq;
	const uint8_t		*body;		/* protocol-specific part */
	uint16_t		 body_len;
	bool			 own;		/* oid is this LS's ID */
	unsigned		 dcs;		/* index of the DCS it came from */
	/* MARS_SCSP_UPD_REMOVED, _CHANGED: the part the entry had before. */
	const uint8_t		*old_body;
	uint16_t		 old_body_len;
};

struct mars_scsp_conf {
	uint8_t			 lsid[MARS_SCSP_ID_MAX];
	uint8_t			 lsid_len;	/* 4 for MARS (RFC 2443 §4.1) */
	uint16_t		 protocol_id;	/* MARS_SCSP_PROTO_MARS */
	uint16_t		 sgid;
	uint16_t		 family_id;
	const struct mars_scsp_dcs_conf *dcs;
	unsigned		 ndcs;
	/* 0 = default (SCSP_DEF_*). */
	uint16_t		 hello_interval;	/* seconds, advertised */
	uint16_t		 dead_factor;
	uint32_t		 ca_rexmt;		/* ms */
	uint32_t		 csus_rexmt;		/* ms */
	uint32_t		 csu_rexmt;		/* ms */
	unsigned		 csu_rexmt_limit;
	uint16_t		 hops;		/* CSA hop count when originating */
	size_t			 mtu;		/* SCSP octets per packet, >= 64 */
	mars_time_t		 tomb_hold;	/* ms a tombstone is kept; 0 =
						   MARS_SCSP_DEF_TOMB_HOLD */
	uint64_t		 seed;		/* CA sequence numbers */
	struct mars_io		 io;
	void			(*on_update)(void *ctx,
				    const struct mars_scsp_update *u);
	void			*update_ctx;
};

/* A cache entry as the owner sees it; valid until the cache next changes. */
struct mars_scsp_entry_view {
	struct mars_scsp_id		 oid;
	struct mars_scsp_id		 key;
	uint32_t		 seq;
	uint16_t		 hops;
	bool			 null;		/* withdrawn (tombstone) */
	bool			 own;		/* originated by this LS */
	const uint8_t		*body;
	uint16_t		 body_len;
};

struct mars_scsp_stats {
	uint64_t		 rx[MARS_SCSP_HELLO + 1];	/* accepted, by type */
	uint64_t		 tx[MARS_SCSP_HELLO + 1];
	uint64_t		 malformed;
	uint64_t		 ignored;	/* well-formed but not for us now */
	uint64_t		 csa_rexmt;	/* CSA records sent again */
	uint64_t		 abnormal;	/* HFSM forced to Waiting */
	uint64_t		 tombstones_purged;	/* null entries dropped */
	uint64_t		 seq_wraps;	/* local entries restarted at
						   MARS_SCSP_SEQ_FIRST */
};

struct mars_scsp_node;

/*
 * A new node in *np; conf is copied.  0, MARS_E_INVAL (err->field names
 * the member of conf: IDs too long, ndcs > MARS_SCSP_DCS_MAX) or
 * MARS_E_NOSPACE (no memory).
 */
int	mars_scsp_node_new(struct mars_scsp_node **np,
	    const struct mars_scsp_conf *conf, struct mars_err *err);
void		 mars_scsp_node_free(struct mars_scsp_node *n);

void		 mars_scsp_start(struct mars_scsp_node *n, mars_time_t now);
void		 mars_scsp_input(struct mars_scsp_node *n, mars_time_t now,
		    const struct mars_vc *vc, const uint8_t *sdu, size_t len);
mars_time_t	 mars_scsp_tick(struct mars_scsp_node *n, mars_time_t now);
void		 mars_scsp_vc_down(struct mars_scsp_node *n, mars_time_t now,
		    uint32_t vc_id);
void		 mars_scsp_vc_up(struct mars_scsp_node *n, mars_time_t now,
		    uint32_t vc_id);

/*
 * A new or changed local entry (Originator ID = LSID): stored with the
 * next sequence number (0x80000001 first) and flooded to every DCS; past
 * 2^31-2 the entry wraps (above).  key_len 1..MARS_SCSP_ID_MAX.  Returns
 * 0 or MARS_E_INVAL / MARS_E_SYS (no memory).  *seq (may be NULL)
 * receives the number used (MARS_SCSP_SEQ_WRAP while a wrap waits).
 */
int		 mars_scsp_originate(struct mars_scsp_node *n, mars_time_t now,
		    const uint8_t *key, uint8_t key_len, const uint8_t *body,
		    uint16_t body_len, uint32_t *seq);
/* Purge a local entry: next sequence number, N bit, flooded. */
int		 mars_scsp_withdraw(struct mars_scsp_node *n, mars_time_t now,
		    const uint8_t *key, uint8_t key_len);
/* Drop a tombstone (any originator) without telling anyone. */
bool		 mars_scsp_forget(struct mars_scsp_node *n, const struct mars_scsp_id *oid,
		    const struct mars_scsp_id *key);

size_t		 mars_scsp_cache_len(const struct mars_scsp_node *n);
/* Entries in (Originator ID, Cache Key) order, tombstones included. */
bool		 mars_scsp_cache_get(const struct mars_scsp_node *n, size_t i,
		    struct mars_scsp_entry_view *v);
bool		 mars_scsp_lookup(const struct mars_scsp_node *n,
		    const struct mars_scsp_id *oid, const struct mars_scsp_id *key,
		    struct mars_scsp_entry_view *v);

unsigned	 mars_scsp_dcs_count(const struct mars_scsp_node *n);
/* Index of the DCS with that ID, or -1. */
int		 mars_scsp_dcs_find(const struct mars_scsp_node *n,
		    const struct mars_scsp_id *id);
int		 mars_scsp_hello_state(const struct mars_scsp_node *n, unsigned dcs);
int		 mars_scsp_ca_state(const struct mars_scsp_node *n, unsigned dcs);
bool		 mars_scsp_is_master(const struct mars_scsp_node *n, unsigned dcs);
/* CSA records waiting for an acknowledgement from that DCS. */
size_t		 mars_scsp_rexmt_len(const struct mars_scsp_node *n, unsigned dcs);
const struct mars_scsp_stats *mars_scsp_node_stats(const struct mars_scsp_node *n);

const char	*mars_scsp_hello_state_name(int state);	/* "DOWN", ... */
const char	*mars_scsp_ca_state_name(int state);	/* "NEGOTIATE", ... */

/* Unsigned octet-string order, longer wins a tie: <0, 0, >0. */
int		 mars_scsp_id_cmp(const struct mars_scsp_id *a, const struct mars_scsp_id *b);
/* RFC 2334 B.2.0.2: signed 32-bit order ("larger" = more recent), with
 * the wrap exception above (negative numbers follow 2^31-1). */
bool		 mars_scsp_seq_newer(uint32_t a, uint32_t b);

#ifdef __cplusplus
}
#endif

#endif
