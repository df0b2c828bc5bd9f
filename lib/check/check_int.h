/*
 * Internals of the check layer (check.h): the engine's state and the
 * entry points the rule files share.  One file per family of rules:
 *   entity.c    the MARS entities, who sent what, liveness
 *   member.c    cluster members and groups
 *   csn.c       CSN sequences, per-leaf copies (csn-sequence,
 *               registration-csn)
 *   redirect.c  redirect maps (redirect-*, backup-hard-redirect)
 *   active.c    Actives and epochs (single-active)
 *   cmi.c       registrations (cmi-continuity, cmi-unique, cmi-block)
 *   sync.c      SCSP: alignment, liveness (soft-after-sync)
 *   view.c      each entity's own Living Group, from the Hellos
 *   mcs.c       MCS-served groups (mcs-join-suppressed)
 *   rules.c     the rule registry and verdicts; conf.c the configuration
 */
#ifndef CHECK_INT_H
#define CHECK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/check.h"
#include "mars/msg.h"
#include "mars/pdu.h"
#include "mars/scsp.h"

#define ENT_MAX		64	/* entities: the MARS Group and strangers */
#define EPOCH_MAX	256
#define PEND_REG	8	/* registration-csn questions per entity */
#define PEND_HARD	64	/* backup-hard-redirect questions */
#define PEND_SOFT	16	/* redirect-sender-first questions */
#define PEND_STABLE	8	/* redirect-stable, -living-first questions */
#define MCS_MAX		32	/* multicast servers */
#define MCS_GROUP_MAX	1024
#define GROUPS_PER_MEMBER	16
#define SYNC_MAX	(ENT_MAX * 2)
#define GAPS_KEPT	8
#define VIEW_MAX	MARS_CHECK_MARS_MAX	/* entities with a view */
#define LSID_MAX	8

/*
 * A CSN (SSN) sequence of one MARS on one pt-mpt VC (RFC 2022 §6.1.4).
 * The VC is its label when the capture has one (two VCs of unknown kind
 * are told apart by it), else its kind.
 */
#define ENT_SEQS	4
struct seq {
	bool		 has;
	uint32_t	 key;		/* seq_key() */
	uint8_t		 kind;		/* MARS_VC_CCVC or MARS_VC_SCVC */
	uint32_t	 first;
	uint32_t	 last;
	uint32_t	 last_hash;	/* of the last message's octets */
	uint64_t	 last_frame;
	uint64_t	 last_us;
	uint64_t	 msgs;
	uint64_t	 gaps;
};

struct pend_reg {
	uint32_t	 msn;
	uint64_t	 frame;
	uint64_t	 us;
};

/* A MARS entity, from the cluster file or learnt from the messages. */
struct ent {
	char		 name[MARS_CHECK_NAME_MAX];
	uint8_t		 atm[MARS_ATM_ADDR_MAX];
	uint8_t		 atm_len;
	struct mars_end	 ends[4];
	uint8_t		 n_ends;
	uint8_t		 n_conf_ends;	/* the first ones, from the file */
	int		 conf;		/* index in conf.mars, -1 */
	int		 alias;		/* merged into that entity, -1 */
	/* liveness: heard from (any message it sent) */
	bool		 heard;
	bool		 scsp;		/* it speaks SCSP in this stream */
	uint64_t	 first_us;
	uint64_t	 last_us;
	uint64_t	 alive_since;	/* start of the current run of activity */
	uint64_t	 down_us;	/* when its last silence began, 0 none */
	/* maps */
	uint64_t	 maps;
	uint64_t	 last_own_us;	/* last map listing itself first */
	uint64_t	 own_run_us;	/* start of the current run of own maps */
	uint64_t	 own_gap_us;	/* smallest gap between own maps */
	uint64_t	 handed_us;	/* last soft map naming another first */
	uint64_t	 last_ccvc_us;	/* last own map on ClusterControlVC */
	uint64_t	 gaps[GAPS_KEPT];	/* between periodic maps */
	unsigned	 ngaps;
	int		 own_part;
	/* ClusterControlVC and ServerControlVC sequences */
	struct seq	 seq[ENT_SEQS];
	unsigned	 sequences;
	uint64_t	 ccvc_msgs;
	struct pend_reg	 pend_reg[PEND_REG];
	unsigned	 npend_reg;
	/* its view of the others (view.c) */
	uint8_t		 lsid[LSID_MAX];	/* SCSP Local Server ID */
	uint8_t		 lsid_len;
	uint64_t	 view_rx;	/* Hellos it received */
	uint64_t	 view_since;	/* the first of them */
	uint64_t	 view_changed_us;	/* its Living Group changed */
	bool		 hello_listed;	/* its last Hello listed a peer */
	uint64_t	 reset_us;	/* it may have restarted (ent_reset) */
	bool		 amnesic;	/* restarted, not aligned with one
					   that kept its database since */
	uint64_t	 amnesic_us;	/* its last (possible) restart */
};

/* What entity O knows of entity E (view.c): c->view[O][E]. */
struct view {
	uint64_t	 bi_us;		/* last Hello from E listing O */
	uint64_t	 run_us;	/* E Bidirectional for O since; 0 not */
	uint64_t	 off_us;	/* last sign E is not Bidirectional */
	uint64_t	 dead_us;	/* E's HelloInterval x DeadFactor */
	bool		 listed_by;	/* O's last Hello to E listed E */
};

struct epoch {
	int		 part;
	int		 active;
	uint64_t	 start_us;
	uint64_t	 end_us;
	uint64_t	 frame;
	uint64_t	 maps;
};

struct member {
	uint8_t		 atm[MARS_ATM_ADDR_MAX];
	uint8_t		 atm_len;
	bool		 registered;
	uint16_t	 cmi;
	int		 mars;
	uint64_t	 reg_us;
	uint64_t	 regs;
	uint64_t	 known;		/* entities (bit i) that hold its
					   binding: registered it, got it
					   replicated or aligned with one */
	struct mars_end	 end;		/* where it sent from */
	uint8_t		 nhist;
	struct {
		uint16_t	 cmi;
		int16_t		 mars;
		int16_t		 epoch;
		uint64_t	 us;
	}		 hist[MARS_CHECK_CMI_HIST];
	uint32_t	*groups;	/* indices into the group table */
	uint16_t	 ngroups;
	uint16_t	 capg;
	uint32_t	 gdrop;
};

struct group {
	uint8_t		 len;
	uint8_t		 addr[MARS_CHECK_GROUP_ADDR_MAX];
};

/* backup-hard-redirect: a Backup answered a registration. */
struct pend_hard {
	int		 mars;
	struct mars_end	 to;		/* the member's end */
	uint32_t	 vc;		/* or its VC label */
	uint8_t		 atm[MARS_ATM_ADDR_MAX];
	uint8_t		 atm_len;
	uint64_t	 us;
	uint64_t	 frame;
};

/* redirect-sender-first: a soft map pointing elsewhere. */
struct pend_soft {
	int		 sender;
	int		 head;
	int		 part;
	uint64_t	 us;
	uint64_t	 frame;
};

/*
 * redirect-stable: a map reordered with no change in sight;
 * redirect-living-first: a map listing a dead entity before one alive:
 * the sender may have dropped a peer on its own (redirect.c).
 */
struct pend_stable {
	unsigned	 rule;		/* redirect-stable, -living-first */
	int		 sender;
	int		 peer;		/* living-first: the one seen alive */
	int		 dead;		/* living-first: the one before it */
	uint32_t	 key;		/* living-first: first_report()'s */
	uint64_t	 us;
	uint64_t	 frames[2];
	int		 prev[MARS_CHECK_MAP_MAX];	/* stable: the map */
	size_t		 nprev;				/* before */
	char		 text[MARS_CHECK_MSG_MAX];
};

/* SCSP Cache Alignment between two entities (RFC 2334 §2.2). */
struct sync_pair {
	int		 a, b;		/* a < b */
	bool		 used;
	bool		 negotiated;	/* an I-bit CA seen: alignment began */
	uint64_t	 start_us;
	bool		 summary_ab;	/* a CA past negotiation, a to b */
	bool		 summary_ba;
	uint64_t	 done_us;	/* both summaries seen, 0 not yet */
	uint64_t	 last_ca_us;	/* the last CA between them */
};

struct rule_state {
	uint64_t	 checked;	/* times decided held or broken */
	uint64_t	 broken;
	const char	*why;		/* first reason it could not be told */
};

struct mars_check {
	struct mars_check_conf	 conf;
	struct mars_check_stats	 st;
	uint64_t		 now;	/* us of the latest event */

	struct ent		 ent[ENT_MAX];
	size_t			 nent;
	int			 seq_cur;	/* sequence used last (csn.c) */
	uint64_t		 ent_dropped;

	/* timers, from the conf or learnt */
	uint64_t		 interval_us;	/* redirect interval */
	uint64_t		 dead_us;	/* hello x dead factor */
	uint64_t		 hello_us;

	/* partitions and their Actives */
	size_t			 nparts;
	int			 active[MARS_CHECK_PART_MAX];
	uint64_t		 active_us[MARS_CHECK_PART_MAX];
	int			 prev_active[MARS_CHECK_PART_MAX];
	uint64_t		 changed_us[MARS_CHECK_PART_MAX];
	int			 cur_epoch[MARS_CHECK_PART_MAX];
	bool			 claimed[MARS_CHECK_PART_MAX];	/* the Active
					   sent a map of its own since */
	struct mars_check_map_info map[MARS_CHECK_PART_MAX];
	bool			 has_map[MARS_CHECK_PART_MAX];
	bool			 multi_active;	/* no file: several at once */
	uint64_t		 first_map_us;
	/* what the maps say the MARS Group is, without the file */
	bool			 listed[MARS_CHECK_PART_MAX][ENT_MAX];
	uint64_t		 last_change_us;	/* liveness changes */
	int			 single_warned[ENT_MAX];
	uint32_t		 reported[ENT_MAX][MARS_CHECK_NRULES];
	/* ends seen with two MARS behind them: they name nobody */
	struct mars_end		 shared_end[8];
	size_t			 nshared;
	uint32_t		 part_pair_done[MARS_CHECK_PART_MAX];

	struct epoch		 epoch[EPOCH_MAX];
	size_t			 nepoch;
	uint64_t		 epoch_dropped;

	/* members */
	struct member		*mem;
	size_t			 nmem;
	size_t			 capmem;
	uint32_t		*midx;		/* hash: member index + 1 */
	size_t			 capidx;
	uint32_t		*cmi_owner;	/* 65536: member index + 1 */
	/* groups */
	struct group		*grp;
	size_t			 ngrp;
	size_t			 capgrp;
	uint32_t		*gidx;
	size_t			 capgidx;

	/* MCS */
	uint8_t			 mcs[MCS_MAX][MARS_ATM_ADDR_MAX];
	size_t			 nmcs;
	uint32_t		 mcs_grp[MCS_GROUP_MAX];	/* group indices */
	size_t			 nmcs_grp;

	struct pend_hard	 hard[PEND_HARD];
	size_t			 nhard;
	struct pend_soft	 soft[PEND_SOFT];
	size_t			 nsoft;
	struct pend_stable	 stable[PEND_STABLE];
	size_t			 nstable;
	struct sync_pair	 sync[SYNC_MAX];
	struct view		 view[VIEW_MAX][VIEW_MAX];
	bool			 aligned_events;	/* entities report
						   MARS_EV_ALIGNED */

	/* findings */
	struct rule_state	 rule[MARS_CHECK_NRULES];
	struct mars_check_finding *found;
	size_t			 nfound;
	uint64_t		 total_found;
	bool			 ended;
};

/* What check.c hands the rule files for one message. */
struct msgctx {
	const struct mars_event	*ev;
	const struct mars_pdu	*pdu;
	uint64_t		 us;
	uint64_t		 frame;
	uint8_t			 vc;	/* VC kind, inferred when unknown */
	bool			 vc_known;
	int			 sender;	/* entity, -1 */
	uint32_t		 hash;		/* of the SDU */
};

/* rules.c */
bool	rule_on(const struct mars_check *c, unsigned rule);
void	rule_held(struct mars_check *c, unsigned rule);
void	rule_unknown(struct mars_check *c, unsigned rule, const char *why);
void	finding(struct mars_check *c, unsigned rule, uint64_t us, int mars,
	    const uint64_t *frames, unsigned nframes, const char *fmt, ...)
	    __attribute__((format(printf, 7, 8)));

/* entity.c */
int	ent_by_end(const struct mars_check *c, const struct mars_end *e);
int	ent_by_atm(const struct mars_check *c, const uint8_t *atm, uint8_t len);
int	ent_add(struct mars_check *c, const uint8_t *atm, uint8_t len,
	    const struct mars_end *e);
int	ent_canon(const struct mars_check *c, int i);
void	ent_merge(struct mars_check *c, int p, int e);
void	ent_bind_end(struct mars_check *c, int i, const struct mars_end *e);
void	ent_heard(struct mars_check *c, int i, uint64_t us);
void	ent_reset(struct mars_check *c, int i, uint64_t us);
void	ent_forgot(struct mars_check *c, int i, uint64_t us);
void	ent_learnt(struct mars_check *c, int a, int b);
void	ent_happening(struct mars_check *c, const struct mars_event *ev);
const char *ent_label(const struct mars_check *c, int i, char *buf, size_t len);
bool	ent_known_alive(const struct mars_check *c, int i, uint64_t us);
bool	ent_known_dead(const struct mars_check *c, int i, uint64_t us);
bool	liveness_visible(const struct mars_check *c);
int	sender_of(struct mars_check *c, struct msgctx *mc);

/* member.c */
struct member *member_get(struct mars_check *c, const uint8_t *atm,
	    uint8_t len, bool create);
uint32_t group_index(struct mars_check *c, const uint8_t *addr, uint8_t len,
	    bool create);
void	member_join(struct mars_check *c, struct member *m, uint32_t g,
	    bool join);
void	group_text(const struct mars_check *c, uint32_t g, char *buf,
	    size_t len);
void	members_free(struct mars_check *c);

/* csn.c */
struct seq *ccvc_seq(const struct mars_check *c, int e);
bool	csn_message(struct mars_check *c, struct msgctx *mc);
void	csn_registration(struct mars_check *c, struct msgctx *mc);
void	csn_end(struct mars_check *c);

/* redirect.c */
void	redirect_map(struct mars_check *c, struct msgctx *mc);
void	redirect_registration(struct mars_check *c, struct msgctx *mc,
	    const struct member *m);
void	redirect_settle(struct mars_check *c, uint64_t us, bool end);

/* active.c */
int	map_partition(struct mars_check *c, int sender, const int *ent,
	    size_t n, uint64_t us);
void	active_claim(struct mars_check *c, struct msgctx *mc, int part);
void	active_handover(struct mars_check *c, struct msgctx *mc, int part,
	    int to);
int	active_of(const struct mars_check *c, int part, uint64_t us);
bool	is_active_anywhere(const struct mars_check *c, int e, uint64_t us);
bool	ent_claims(const struct mars_check *c, int e, uint64_t us);
int	current_epoch(const struct mars_check *c, int part);

/* cmi.c */
void	cmi_registration(struct mars_check *c, struct msgctx *mc);
void	cmi_replicated(struct mars_check *c, const struct mars_scsp_msg *m,
	    int r);
void	cmi_learnt(struct mars_check *c, int i, int p);
void	cmi_forgot(struct mars_check *c, int i);
void	cmi_deregistration(struct mars_check *c, struct msgctx *mc);

/* sync.c */
void	sync_scsp(struct mars_check *c, struct msgctx *mc);
bool	sync_done(const struct mars_check *c, int a, int b, bool *known);
uint64_t sync_done_at(const struct mars_check *c, int a, int b);

/* view.c */
int	view_by_lsid(const struct mars_check *c, const struct mars_scsp_id *id);
void	view_hello(struct mars_check *c, struct msgctx *mc, int s);
bool	view_visible(const struct mars_check *c, int o);
bool	view_alive(const struct mars_check *c, int o, int e, uint64_t us);
bool	view_dead(const struct mars_check *c, int o, int e, uint64_t us);
bool	view_changed(const struct mars_check *c, int o, uint64_t since);
bool	view_mutual(const struct mars_check *c, int a, int b, uint64_t us,
	    uint64_t *since);

/* mcs.c */
void	mcs_message(struct mars_check *c, struct msgctx *mc);

/* helpers */
uint32_t sdu_hash(const uint8_t *p, size_t n);
uint64_t interval_us(const struct mars_check *c);

#endif
