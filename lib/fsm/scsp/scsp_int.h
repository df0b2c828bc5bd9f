/*
 * Private to the SCSP machines (scsp_node.c, scsp_hello.c, scsp_ca.c,
 * scsp_csu.c, scsp_cache.c); the contract is scspfsm.h.
 */
#ifndef MARS_SCSP_INT_H
#define MARS_SCSP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/fsm.h"
#include "mars/scsp.h"
#include "mars/scspfsm.h"

/* (Originator ID, Cache Key) held by value: what names a cache entry. */
struct scsp_key {
	uint8_t		 oid_len;
	uint8_t		 key_len;
	uint8_t		 oid[MARS_SCSP_ID_MAX];
	uint8_t		 key[MARS_SCSP_ID_MAX];
};

struct scsp_entry {
	struct scsp_key	 k;
	uint32_t	 seq;
	uint16_t	 hops;		/* hop count for the next flood */
	bool		 null;		/* tombstone */
	bool		 local;		/* originated by this incarnation */
	uint8_t		*body;
	uint16_t	 body_len;
	mars_time_t	 null_since;	/* tombstone: when it became one */
	/*
	 * A local entry being wrapped (B.2.0.2): purged at
	 * MARS_SCSP_SEQ_WRAP, the content to originate at
	 * MARS_SCSP_SEQ_FIRST once every DCS has acknowledged the purge.
	 */
	bool		 wrapping;
	bool		 pending_null;
	uint8_t		*pending;
	uint16_t	 pending_len;
};

/* A summary (CSAS) by value: CA snapshots, CRL, retransmit queue. */
struct scsp_sum {
	struct scsp_key	 k;
	uint32_t	 seq;
	bool		 asked;		/* CRL: in the outstanding CSUS */
	unsigned	 sent;		/* queue: times sent */
	mars_time_t	 due;		/* queue: next (re)send */
};

struct scsp_sumv {
	struct scsp_sum	*v;
	size_t		 n;
	size_t		 cap;
};

/* The retransmit queue (scsp_queue.c): links are slot + 1, 0 ends. */
struct scsp_qent {
	struct scsp_sum	 s;
	uint64_t	 stamp;		/* queue order; 0 when free */
	uint32_t	 hnext;		/* hash chain; free list */
	uint32_t	 prev, next;	/* the sent list */
	bool		 used;
	bool		 fresh;		/* on the fresh list, not the sent one */
};

struct scsp_qref {
	uint32_t	 link;
	uint64_t	 stamp;		/* stale when the slot's differs */
};

struct scsp_queue {
	struct scsp_qent *e;
	size_t		 cap;
	size_t		 nslot;		/* slots ever used */
	size_t		 n;		/* entries */
	uint32_t	 free;
	uint32_t	*bucket;
	size_t		 nbucket;	/* a power of two */
	uint32_t	 shead, stail;
	struct scsp_qref *fresh;
	size_t		 nfresh, capfresh;
	struct scsp_qref *due;		/* scsp_queue_due() */
	size_t		 ndue, capdue;
	uint64_t	 stamp;
};

struct scsp_dcs {
	unsigned	 idx;
	uint8_t		 id[MARS_SCSP_ID_MAX];
	uint8_t		 id_len;
	bool		 id_fixed;
	uint32_t	 vc_id;
	bool		 vc_down;

	/* Hello FSM, RFC 2334 §2.1 */
	int		 hs;
	bool		 heard;		/* DCSID is in our receiver list */
	mars_time_t	 last_any;	/* last Hello from it */
	mars_time_t	 last_bi;	/* last Hello listing our LSID */
	uint32_t	 dead_ms;	/* its HelloInterval x DeadFactor */
	mars_time_t	 hello_due;	/* next Hello on this VC (first DCS) */

	/* Cache Alignment FSM, §2.2 */
	int		 cs;
	bool		 master;
	uint32_t	 ca_seq;
	uint8_t		*last_ca;	/* last CA sent, for retransmission */
	size_t		 last_ca_len;
	mars_time_t	 ca_due;	/* retransmit; NEVER when none pending */
	mars_time_t	 keep_until;	/* slave: hold last CA in Update Cache */
	struct scsp_sumv summary;	/* snapshot of our cache being sent */
	size_t		 summary_pos;

	/* CSA Request List and CSUS, §2.2.3 */
	struct scsp_sumv crl;
	mars_time_t	 csus_due;	/* NEVER: no CSUS outstanding */

	/* DCS retransmit queue, §2.3 */
	struct scsp_queue queue;
};

struct mars_scsp_node {
	struct mars_scsp_conf conf;		/* defaults filled in */
	struct scsp_dcs	 dcs[MARS_SCSP_DCS_MAX];
	unsigned	 ndcs;
	bool		 started;
	unsigned	 busy;		/* inside mars_scsp_input(): no nested tick */
	struct mars_rng	 rng;
	mars_time_t	 now;

	struct scsp_entry *cache;	/* sorted by scsp_key_cmp */
	size_t		 ncache;
	size_t		 cache_cap;

	uint8_t		*buf;		/* one encoded SDU */
	size_t		 buf_cap;
	size_t		 buf_len;	/* octets of the last SDU sent */
	struct mars_scsp_csas *recs;		/* records of one packet being built */
	size_t		 recs_cap;
	struct mars_scsp_stats stats;
	mars_time_t	 tomb_due;	/* a tombstone may come of age */
	unsigned	 wraps;		/* local entries wrapping */
};

/* scsp_node.c */
void	scsp_log(struct mars_scsp_node *, int, const char *);
void	scsp_logf(struct mars_scsp_node *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* The DCS ID as hex, for log lines; buf of 2 * MARS_SCSP_ID_MAX + 1. */
const char *scsp_dcs_name(const struct scsp_dcs *, char *);
void	scsp_event(struct mars_scsp_node *, int, const struct scsp_dcs *,
	    uint32_t, const char *);
int	scsp_send(struct mars_scsp_node *, const struct scsp_dcs *,
	    struct mars_scsp_msg *);
void	scsp_send_records(struct mars_scsp_node *, const struct scsp_dcs *,
	    uint8_t, const struct mars_scsp_csas *, size_t);
void	scsp_msg_init(struct mars_scsp_node *, struct mars_scsp_msg *, uint8_t,
	    const struct scsp_dcs *);
struct mars_scsp_csas *scsp_recs(struct mars_scsp_node *, size_t);
size_t	scsp_rec_budget(const struct mars_scsp_node *, uint8_t);
bool	scsp_id_eq(const uint8_t *, uint8_t, const struct mars_scsp_id *);

/* scsp_cache.c */
int	scsp_key_cmp(const struct scsp_key *, const struct scsp_key *);
bool	scsp_key_from(struct scsp_key *, const struct mars_scsp_id *,
	    const struct mars_scsp_id *);
struct scsp_entry *scsp_cache_find(const struct mars_scsp_node *,
	    const struct scsp_key *);
struct scsp_entry *scsp_cache_put(struct mars_scsp_node *, const struct scsp_key *,
	    uint32_t, uint16_t, bool, const uint8_t *, uint16_t, int *,
	    uint8_t **, uint16_t *);
bool	scsp_newer(uint32_t, uint32_t);
mars_time_t scsp_cache_tick(struct mars_scsp_node *, mars_time_t);
void	scsp_cache_free_all(struct mars_scsp_node *);
bool	scsp_key_own(const struct mars_scsp_node *, const struct scsp_key *);
void	scsp_csas_of(struct mars_scsp_csas *, const struct scsp_key *, uint32_t);
int	scsp_sumv_push(struct scsp_sumv *, const struct scsp_key *, uint32_t);
struct scsp_sum *scsp_sumv_find(struct scsp_sumv *, const struct scsp_key *);
void	scsp_sumv_del(struct scsp_sumv *, size_t);
void	scsp_sumv_free(struct scsp_sumv *);
void	scsp_bump_local(struct mars_scsp_node *, struct scsp_entry *, uint32_t);

/* scsp_queue.c */
struct scsp_sum *scsp_queue_find(const struct scsp_queue *,
	    const struct scsp_key *);
int	scsp_queue_put(struct scsp_queue *, const struct scsp_key *, uint32_t,
	    mars_time_t);
void	scsp_queue_del(struct scsp_queue *, struct scsp_sum *);
void	scsp_queue_clear(struct scsp_queue *);
void	scsp_queue_free(struct scsp_queue *);
void	scsp_queue_all_due(struct scsp_queue *, mars_time_t);
int	scsp_queue_due(struct scsp_queue *, mars_time_t);
struct scsp_sum *scsp_queue_due_at(struct scsp_queue *, size_t);
void	scsp_queue_sent(struct scsp_queue *, struct scsp_sum *, mars_time_t);
void	scsp_queue_sent_all(struct scsp_queue *);
mars_time_t scsp_queue_next(const struct scsp_queue *);

/* scsp_hello.c */
void	scsp_hello_input(struct mars_scsp_node *, mars_time_t, uint32_t,
	    const struct mars_scsp_msg *);
mars_time_t scsp_hello_tick(struct mars_scsp_node *, mars_time_t);
void	scsp_hello_set(struct mars_scsp_node *, struct scsp_dcs *, int,
	    const char *);
void	scsp_abnormal(struct mars_scsp_node *, struct scsp_dcs *, const char *);

/* scsp_ca.c */
void	scsp_ca_up(struct mars_scsp_node *, struct scsp_dcs *);
void	scsp_ca_down(struct mars_scsp_node *, struct scsp_dcs *);
void	scsp_ca_input(struct mars_scsp_node *, struct scsp_dcs *,
	    const struct mars_scsp_msg *);
mars_time_t scsp_ca_tick(struct mars_scsp_node *, struct scsp_dcs *, mars_time_t);

/* scsp_csu.c */
void	scsp_flood(struct mars_scsp_node *, const struct scsp_entry *,
	    const struct scsp_dcs *);
void	scsp_csu_request_input(struct mars_scsp_node *, struct scsp_dcs *,
	    const struct mars_scsp_msg *);
void	scsp_csu_reply_input(struct mars_scsp_node *, struct scsp_dcs *,
	    const struct mars_scsp_msg *);
void	scsp_csus_input(struct mars_scsp_node *, struct scsp_dcs *,
	    const struct mars_scsp_msg *);
void	scsp_csus_send(struct mars_scsp_node *, struct scsp_dcs *);
void	scsp_crl_check(struct mars_scsp_node *, struct scsp_dcs *);
mars_time_t scsp_csu_tick(struct mars_scsp_node *, struct scsp_dcs *, mars_time_t);
void	scsp_consider(struct mars_scsp_node *, struct scsp_dcs *,
	    const struct mars_scsp_csas *);

#endif
