/*
 * Conformance checks on the one event stream (DESIGN.md rule 3): a rule
 * engine that consumes events (event.h) -- from a capture, a live member
 * or the simulator -- reconstructs what the MARS Group did and emits
 * findings against draft-armitage-ion-mars-scsp-03 and RFC 2022.
 * marsmap(1) runs it on captures and live clusters; the drill tool runs
 * the very same rules on simulated and lab clusters.
 *
 * Sans-I/O: mars_check_feed() one event at a time, mars_check_end() when
 * the stream is over (pending questions with no answer become "cannot
 * tell"), findings through a callback and an iterator, the reconstructed
 * state through accessors.  Memory is bounded by the entities, members
 * and groups seen (each table has a cap, and what does not fit is
 * counted), never by the number of events: findings are kept up to
 * conf.max_findings, the rest counted.
 *
 * The cluster file tells the engine the MARS Group (names, ATM addresses,
 * endpoints, priorities), the partitions with their order and CMI blocks,
 * and the timers (mars_check_conf_cluster()).  Without it the engine
 * infers what the messages show and says "cannot tell" where it would
 * need the file; it never reports a violation it cannot prove from what
 * it saw.  A capture may hold one copy of a ClusterControlVC message per
 * leaf (the lab fans a pt-mpt VC out into datagrams): a repeat with the
 * same mar$msn and the same octets is a copy, not a message.  Liveness is
 * judged per entity, from the SCSP Hellos each one receives: across a
 * network partition, or after a restart no silence shows, what an entity
 * did with its Living Group is judged by its own view of it.
 */
#ifndef MARS_CHECK_H
#define MARS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/event.h"
#include "mars/proto.h"
#include "mars/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The rules; their names are stable (marsmap --rules, marsmap(1)). */
enum mars_check_rule {
	MARS_CHECK_REDIRECT_WHOLE_GROUP = 0,	/* redirect-whole-group */
	MARS_CHECK_REDIRECT_ONLY_GROUP,		/* redirect-only-group */
	MARS_CHECK_REDIRECT_SENDER_FIRST,	/* redirect-sender-first */
	MARS_CHECK_REDIRECT_LIVING_FIRST,	/* redirect-living-first */
	MARS_CHECK_REDIRECT_STABLE,		/* redirect-stable */
	MARS_CHECK_REDIRECT_PARTITION,		/* redirect-partition */
	MARS_CHECK_REDIRECT_HARD_FROM_BACKUP,	/* redirect-hard-from-backup */
	MARS_CHECK_BACKUP_HARD_REDIRECT,	/* backup-hard-redirect */
	MARS_CHECK_SOFT_AFTER_SYNC,		/* soft-after-sync */
	MARS_CHECK_CMI_CONTINUITY,		/* cmi-continuity */
	MARS_CHECK_CMI_UNIQUE,			/* cmi-unique */
	MARS_CHECK_CMI_BLOCK,			/* cmi-block */
	MARS_CHECK_REGISTRATION_CSN,		/* registration-csn */
	MARS_CHECK_CSN_SEQUENCE,		/* csn-sequence */
	MARS_CHECK_MCS_JOIN_SUPPRESSED,		/* mcs-join-suppressed */
	MARS_CHECK_SINGLE_ACTIVE,		/* single-active */
};
#define MARS_CHECK_NRULES	16
#define MARS_CHECK_ALL_RULES	((1u << MARS_CHECK_NRULES) - 1)

enum mars_check_severity {
	MARS_CHECK_ERROR = 0,		/* breaks a MUST of the draft or RFC */
	MARS_CHECK_WARNING,		/* breaks what the draft calls desirable */
};

enum mars_check_verdict {
	MARS_CHECK_HELD = 0,		/* checked at least once, never broken */
	MARS_CHECK_BROKEN,		/* at least one finding */
	MARS_CHECK_CANNOT_TELL,		/* the stream could not decide it */
	MARS_CHECK_OFF,			/* not selected */
};

struct mars_check_rule_info {
	const char	*name;		/* "redirect-whole-group" */
	const char	*ref;		/* "draft-armitage-ion-mars-scsp-03 §3.5" */
	const char	*text;		/* what it requires, one sentence */
	int		 severity;	/* enum mars_check_severity */
};

/* The rule of that number, NULL past the last. */
const struct mars_check_rule_info *mars_check_rule_info(unsigned rule);
/* The number of a rule name, -1 if there is none. */
int	mars_check_rule_lookup(const char *name);
/*
 * A rule list as marsmap --rules takes it: names separated by commas,
 * "all", and "-name" to take one away ("all,-csn-sequence"; a list that
 * starts with a removal starts from all).  0, or MARS_E_PARSE with
 * err->field the unknown name (a pointer into a static copy, valid until
 * the next call) and err->offset its place in the list.
 */
int	mars_check_rules_parse(const char *list, uint32_t *mask,
	    struct mars_err *err);
const char *mars_check_verdict_name(int verdict);	/* "held", "broken", ... */

/* ---- configuration ---- */

#define MARS_CHECK_MARS_MAX	32	/* entities of the MARS Group */
#define MARS_CHECK_PART_MAX	32
#define MARS_CHECK_NAME_MAX	32	/* NUL included */

/* One entity of the MARS Group as the cluster file describes it. */
struct mars_check_mars_conf {
	char		 name[MARS_CHECK_NAME_MAX];
	uint8_t		 atm[MARS_ATM_ADDR_MAX];
	uint8_t		 atm_len;
	struct mars_end	 ends[2];	/* endpoint, peer-endpoint (lab) */
	size_t		 n_ends;
	uint8_t		 priority;
	bool		 has_cmi;	/* its own CMI range */
	uint16_t	 cmi_low;
	uint16_t	 cmi_high;
};

struct mars_check_part_conf {
	char		 name[MARS_CHECK_NAME_MAX];
	size_t		 n_mars;
	uint8_t		 mars[MARS_CHECK_MARS_MAX];	/* list order */
	uint16_t	 cmi_low;
	uint16_t	 cmi_high;
};

struct mars_check_finding;

struct mars_check_conf {
	bool		 has_cluster;	/* the fields below describe the cluster */
	size_t		 n_mars;
	struct mars_check_mars_conf mars[MARS_CHECK_MARS_MAX];
	size_t		 n_partitions;	/* 0: the fault-tolerant model */
	struct mars_check_part_conf partitions[MARS_CHECK_PART_MAX];
	mars_time_t	 redirect_interval;	/* 0: inferred from the maps */
	mars_time_t	 hello_interval;	/* 0: from SCSP Hellos if seen */
	unsigned	 dead_factor;
	/*
	 * marsd numbers SCSP Local Server IDs 1, 2, ... in file order; with
	 * this set, an SCSP sender ID names its entity when the transport
	 * does not (SunATM captures).
	 */
	bool		 lsid_by_index;

	uint32_t	 rules;		/* mask of enum mars_check_rule; 0: all */
	size_t		 max_findings;	/* kept; 0: 1000 */
	size_t		 max_members;	/* 0: 65536 */
	size_t		 max_groups;	/* distinct groups kept; 0: 65536 */

	/* Every finding as it is made (also past max_findings); may be NULL. */
	void		(*on_finding)(void *ctx, const struct mars_check_finding *f);
	void		*ctx;
};

void	mars_check_conf_init(struct mars_check_conf *c);

struct mars_cluster_conf;
/*
 * Fill c from a parsed cluster file (config.h): entities with their ATM
 * addresses and endpoints (numeric addresses; names are looked up),
 * partitions, timers; sets has_cluster and lsid_by_index.  0 or
 * MARS_E_INVAL (err->why says which endpoint could not be resolved).
 */
int	mars_check_conf_cluster(struct mars_check_conf *c,
	    const struct mars_cluster_conf *cc, struct mars_err *err);

/* ---- the engine ---- */

struct mars_check;

int	mars_check_new(struct mars_check **cp, const struct mars_check_conf *conf,
	    struct mars_err *err);
void	mars_check_free(struct mars_check *c);
/* One event.  Message events with pdu NULL are decoded here. */
void	mars_check_feed(struct mars_check *c, const struct mars_event *ev);
/*
 * Live streams: time has moved on to us (microseconds, the events'
 * clock) without an event; questions whose window has passed are
 * settled.  Feeding does this too.
 */
void	mars_check_tick(struct mars_check *c, uint64_t us);
/* The stream is over: what is still open becomes "cannot tell". */
void	mars_check_end(struct mars_check *c);

/* ---- findings ---- */

#define MARS_CHECK_FRAMES	4
#define MARS_CHECK_MSG_MAX	240

struct mars_check_finding {
	unsigned	 rule;		/* enum mars_check_rule */
	int		 severity;
	uint64_t	 us;		/* when it was broken (the event's time) */
	uint64_t	 frames[MARS_CHECK_FRAMES];	/* capture records, 0: none */
	unsigned	 nframes;	/* the breaking one first */
	int		 mars;		/* entity concerned, -1 */
	char		 message[MARS_CHECK_MSG_MAX];
};

/* Findings made, findings kept (<= max_findings), kept one i. */
uint64_t	 mars_check_finding_total(const struct mars_check *c);
size_t		 mars_check_finding_count(const struct mars_check *c);
const struct mars_check_finding *mars_check_finding(const struct mars_check *c,
		    size_t i);

/*
 * Verdict of a rule now (after mars_check_end(), the final one): held,
 * broken, cannot tell or off.  *why (may be NULL) gets why it could not
 * be told, or NULL.  *checked gets how many times the rule was decided.
 */
int		 mars_check_verdict(const struct mars_check *c, unsigned rule,
		    const char **why, uint64_t *checked);
/* Number of rules broken (selected ones only). */
unsigned	 mars_check_broken(const struct mars_check *c);

/* ---- the reconstructed cluster ---- */

struct mars_check_stats {
	uint64_t	 events;
	uint64_t	 messages;	/* message events */
	uint64_t	 copies;	/* per-leaf copies recognised */
	uint64_t	 mars_msgs;
	uint64_t	 scsp_msgs;
	uint64_t	 other;		/* NHRP, other LLC, no SDU */
	uint64_t	 malformed;
	uint64_t	 nonconforming;
	uint64_t	 happenings;
	uint64_t	 members_dropped;	/* members past max_members */
	uint64_t	 groups_dropped;
	uint64_t	 first_us;
	uint64_t	 last_us;
	uint64_t	 redirect_interval_us;	/* used (conf or inferred), 0 unknown */
	uint64_t	 dead_window_us;	/* hello x dead factor, 0 unknown */
	bool		 scsp_visible;	/* inter-server traffic seen */
};
const struct mars_check_stats *mars_check_stats(const struct mars_check *c);

enum mars_check_role {
	MARS_CHECK_ROLE_UNKNOWN = 0,
	MARS_CHECK_ROLE_DEAD,
	MARS_CHECK_ROLE_BACKUP,
	MARS_CHECK_ROLE_ACTIVE,
};
const char *mars_check_role_name(int role);	/* "unknown", "dead", ... */

struct mars_check_mars_info {
	char		 name[MARS_CHECK_NAME_MAX];	/* cluster file name, or "" */
	uint8_t		 atm[MARS_ATM_ADDR_MAX];
	uint8_t		 atm_len;	/* 0: not known yet */
	struct mars_end	 end;		/* where it sent from, when known */
	int		 role;		/* enum mars_check_role, now */
	int		 partition;	/* of its Active role, -1 */
	bool		 liveness_known;
	bool		 alive;
	uint64_t	 first_us;
	uint64_t	 last_us;	/* last heard */
	uint64_t	 maps;		/* redirect maps sent */
	uint64_t	 ccvc_msgs;	/* messages on its ClusterControlVC */
	bool		 has_csn;
	uint32_t	 csn_first;	/* of its current sequence */
	uint32_t	 csn_last;
	unsigned	 sequences;	/* 1 + restarts seen */
	uint64_t	 csn_gaps;
};
/* Entities in the order they were learnt (the cluster file's first). */
size_t		 mars_check_mars_count(const struct mars_check *c);
bool		 mars_check_mars(const struct mars_check *c, size_t i,
		    struct mars_check_mars_info *out);

/*
 * A CSN sequence: one MARS's numbering of one pt-mpt VC (ClusterControlVC
 * or ServerControlVC), from its first message seen or its last restart.
 */
struct mars_check_seq_info {
	int		 mars;		/* entity index */
	uint8_t		 vc;		/* MARS_VC_CCVC or MARS_VC_SCVC */
	bool		 has_label;	/* the capture's VPI/VCI */
	uint16_t	 vpi;
	uint16_t	 vci;
	uint32_t	 first;
	uint32_t	 last;
	uint64_t	 messages;	/* copies not counted */
	uint64_t	 gaps;
};
/* Sequences in entity order; false past the last. */
bool		 mars_check_seq(const struct mars_check *c, size_t i,
		    struct mars_check_seq_info *out);

/* An epoch: one entity Active for one partition, from start to end. */
struct mars_check_epoch_info {
	int		 partition;
	int		 active;	/* entity index */
	uint64_t	 start_us;
	uint64_t	 end_us;	/* last map as Active */
	uint64_t	 first_frame;
	uint64_t	 maps;
};
size_t		 mars_check_epoch_count(const struct mars_check *c);
bool		 mars_check_epoch(const struct mars_check *c, size_t i,
		    struct mars_check_epoch_info *out);

#define MARS_CHECK_MAP_MAX	32
/* A redirect map as received. */
struct mars_check_map_info {
	int		 sender;	/* entity index, -1 */
	int		 partition;
	bool		 hard;
	bool		 private_vc;	/* sent on a point-to-point VC */
	uint64_t	 us;
	uint64_t	 frame;
	uint32_t	 msn;
	size_t		 n;
	int		 entries[MARS_CHECK_MAP_MAX];	/* entity indices */
};
/* Partitions: the cluster file's, or 1 (inferred). */
size_t		 mars_check_partition_count(const struct mars_check *c);
const char	*mars_check_partition_name(const struct mars_check *c, size_t p);
/* The last map the partition's Active sent; false when none yet. */
bool		 mars_check_current_map(const struct mars_check *c, size_t p,
		    struct mars_check_map_info *out);

#define MARS_CHECK_CMI_HIST	4
#define MARS_CHECK_GROUP_ADDR_MAX	16
struct mars_check_member_info {
	uint8_t		 atm[MARS_ATM_ADDR_MAX];
	uint8_t		 atm_len;
	bool		 registered;
	uint16_t	 cmi;		/* current, 0 none */
	int		 mars;		/* entity it registered with, -1 */
	uint64_t	 registered_us;
	size_t		 nhist;		/* CMI per registration, oldest first */
	struct {
		uint16_t	 cmi;
		int		 mars;
		int		 epoch;	/* index, -1 */
		uint64_t	 us;
	}		 hist[MARS_CHECK_CMI_HIST];
	uint64_t	 registrations;
	size_t		 ngroups;	/* groups it joined (single-group joins) */
	size_t		 groups_dropped;
};
/* Members in the order first seen; i < count. */
size_t		 mars_check_member_count(const struct mars_check *c);
bool		 mars_check_member(const struct mars_check *c, size_t i,
		    struct mars_check_member_info *out);
/* Group k of member i as text ("224.1.2.3"), false past the end. */
bool		 mars_check_member_group(const struct mars_check *c, size_t i,
		    size_t k, char *buf, size_t len);

/* Groups an MCS serves (MARS_MSERV, MARS_MIGRATE), as text. */
size_t		 mars_check_mcs_group_count(const struct mars_check *c);
bool		 mars_check_mcs_group(const struct mars_check *c, size_t i,
		    char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
