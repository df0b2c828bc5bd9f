/*
 * The distributed MARS (draft-armitage-ion-mars-scsp-03, RFC 2443 over
 * RFC 2334), sans-I/O (fsm.h, DESIGN.md rule 2).
 *
 * One struct mars_redund is one MARS entity of the cluster file: one RFC
 * 2022 server (server.h) plus one SCSP node (scspfsm.h) to the other
 * entities.  mars_redund_input() hands SCSP SDUs (LLC PID 5, on MARS_VC_SERVER
 * VCs) to the SCSP node and MARS SDUs to the server; mars_redund_tick() runs
 * both and returns the earlier deadline.  Everything leaves through the
 * one fsm_io given to mars_redund_new(): SCSP on { MARS_VC_SERVER, peer vc },
 * MARS as the server sends it.
 *
 * Choices this layer makes where the draft leaves them open (marsd(8)):
 *
 * Identities.  The SCSP LSID of entity i (its index in the cluster file)
 * is the 4-octet big-endian i + 1 (RFC 2443 §4.1 wants 4 octets).  The
 * inter-server VC to entity j has id conf.mars[j].vc, or j + 1 when 0.
 *
 * Living Group (§1, §3.2).  Self is always living; a peer is living while
 * its Hello FSM is Bidirectional, so it dies HelloInterval x DeadFactor
 * after its last Hello (hello-interval, dead-factor of the cluster file).
 *
 * Election (§3.2, §3.4), identical at every member given the same view.
 * An entity is a candidate when it is living and *ready*:
 *   - a peer is ready when its Cache Alignment FSM with us is Aligned;
 *   - self becomes ready, for good until it restarts, once its cache is
 *     Aligned with every living peer, when every peer is living or two
 *     HelloIntervals after it started (every living entity's next Hello
 *     is at most a HelloInterval away: aligned with one peer only, that
 *     one may have restarted with us, as empty as we are, while another
 *     holding the cluster's database is still on its way into our Living
 *     Group), or once HelloInterval x DeadFactor has passed since it
 *     started without any living peer (it is alone).
 * So a returning entity takes over only after database synchronisation.
 * Nor does it answer a registration before it is ready (the member
 * retransmits): an old Active may see it ready, and soft-redirect members
 * to it, while it is still fetching entries, and a CMI handed out then
 * could clash with one the cluster has bound.  Hearing no peer is no
 * sign of being alone -- right after a restart the others' next Hellos
 * may be a HelloInterval away -- so this holds until the dead interval
 * has passed too.
 * The order of the whole cluster (fault-tolerant model, no [partition])
 * is: higher priority first, then the numerically lowest ATM address.
 * The Active is the first candidate in that order; when there is none
 * (we restarted and nothing is aligned yet) the first living peer is
 * taken as the Active we point members to, and we stay a Backup.  When
 * there is no living current Active, a living entity that is not ready
 * yet but comes before every candidate is waited for (pointed to, not
 * replaced): the group does not elect a lesser entity for the moment the
 * preferred one needs to align, as at boot.  A living, ready current
 * Active is kept until a better entity is ready; while an entity
 * preferred to that one is on its way back (living but not aligned yet,
 * or heard in Hellos that do not list us yet, RFC 2334 §2.1) it keeps the
 * role and waits for it: handing over to the lesser one would move the
 * members twice, softly to it and then, as it defers at once to the
 * preferred one, on with a hard redirect.
 * The election runs on every change of the Living Group or readiness.
 * A network partition gives each side its own Active (each is alone
 * with its members); after healing both realign and the loser
 * soft-redirects (below), so the group converges on one Active.
 * A Backup answers registrations with CMIs from its own [mars] cmi
 * range when it has one (so they cannot clash with the Active's), else
 * from the whole range.
 *
 * Redirect maps (§3.1, §3.5).  The Active lists the whole MARS Group:
 * itself, the other living entities in election order, then the dead
 * ones in election order.  Only the Active sends the periodic map (soft,
 * redirf bit 7 = 0).  A Backup sends none; a member that registers with
 * it is answered (and gets its CMI) and then at once sent the Active's
 * map privately with the hard bit set (§3.2).
 *
 * Soft redirect (§3.4).  When an Active loses the election to a living
 * entity (which is then aligned with it, by the readiness rule) it sends
 * the new map, new Active first, with redirf bit 7 = 0 on its
 * ClusterControlVC, and stops sending maps.
 *
 * Replication (RFC 2443 §5): each entity originates CSAs for what it
 * owns, i.e. what reached it over its own VCs, and the SCSP node floods
 * them to every living member:
 *   state 1  heartbeat (own ATM address), and, at an Active, one record
 *            per entry of each map it sends (the current map);
 *   state 3  member registration (register = 1, CMI, ATM, protocol
 *            address) and one record per single-group join (layer3grp as
 *            joined) or block join <min,max>;
 *   state 4  the same records once the member left / deregistered, or
 *            moved to another entity (it registered there);
 *   state 2  MCS registration (register = 1) and each group it serves;
 *   state 5  the same once unserved / deregistered / moved.
 * Cache Key (4 octets): octet 0 the record class (1 heartbeat, 2 map
 * entry, 3 registration, 4 group, 5 block, 6 MCS, 7 served group),
 * octets 1-3 a 24-bit number the originator gives the (class, ATM
 * address, group) identity the first time and keeps for it (a map entry:
 * partition + 1, position).  A leave re-originates the same key with
 * state 4/5, so a later re-join reuses it.  A restarted entity keeps the
 * numbers of its previous incarnation's records it takes back and gives
 * new facts numbers past them: one key, one fact.
 * Remote records are applied to the local server database with
 * server_import_*: a member keeps its CMI across failover (§3.3), and
 * the registration reply carries the new Active's own CSN (§2).  An
 * entity that restarts finds its previous incarnation's records in the
 * others' caches and takes them back (state 4/5: the members' VCs died
 * with it); the CMI of a deregistered member stays bound to it for the
 * server's cmi_hold at every entity -- the restarted one, and one that
 * never had the member -- so a member that comes back gets its own.  A remote
 * leave or deregistration is applied only when no other originator's
 * live record still says the opposite and the member is not attached to
 * us over a VC (an entity is authoritative for what it serves).  At an
 * Active (Sub-)MARS remote joins and leaves are relayed on its own
 * ClusterControlVC (mars_server_relay_group), at a Backup they are silent.
 *
 * MCS survival (§3.6).  Replicated MCS registrations make a new Active
 * treat the groups as MCS-served: members' re-JOINs go to
 * ServerControlVC, none on ClusterControlVC.  An MCS that has not
 * re-registered with the new Active mcs-timeout after it took over is
 * reverted with mars_server_mcs_revert(): a MARS_LEAVE naming the MCS per
 * group on ClusterControlVC, so members fall back to a VC mesh (the
 * draft's suggestion).  Only the Active reverts; the revert is not
 * replicated (each new Active decides by its own timer).
 *
 * Load sharing (§4.3-§4.6), when the cluster file has [partition]s.
 * Each partition has its own order, the `mars =` list as written, and a
 * CMI block.  Its Active Sub-MARS is the first candidate of that list
 * (else, as above, the first living entity of it); the others of the
 * list are its Backup Sub-MARS.  A shared pool of backups is simply an
 * entity named in several lists, in whatever order each list gives
 * (§4.5).  Every entity holds the whole cluster's database, so an Active
 * Sub-MARS answers MARS_REQUEST and MARS_GROUPLIST_REQUEST for the whole
 * cluster.  New CMIs come from the block of the first partition (in file
 * order) the entity is Active for; CMIs are bound cluster-wide by
 * replication, so they stay unique.  The map of a partition lists its
 * Active, the other living entities of its list in list order, then its
 * dead ones in list order.
 * An entity that is the Active of two or more partitions (both Actives
 * died, §4.5) serves all of them with one server: it sends no map on
 * ClusterControlVC but, every redirect interval, each member its own
 * partition's map privately (the draft's "targeted" maps); a member's
 * partition is the one whose CMI block holds its CMI (else the first one
 * served).  When a partition's preferred entity returns and is aligned,
 * that partition's members get a private soft redirect to it.
 *
 * Fault injection (test labs only; refused unless the cluster file says
 * fault-injection = yes): MARS_REDUND_FI_OMIT_DEAD leaves dead entities out of
 * maps (violates §3.5), MARS_REDUND_FI_FRESH_CMI gives a re-registering member
 * a new CMI (violates §3.3), MARS_REDUND_FI_SKIP_SYNC counts living peers as
 * ready before alignment, so soft redirects precede synchronisation
 * (violates §3.4).
 */
#ifndef MARS_REDUND_H
#define MARS_REDUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/fsm.h"
#include "mars/proto.h"
#include "mars/server.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MARS_REDUND_MAX		32	/* entities in the MARS Group */
#define MARS_REDUND_PART_MAX	32	/* partitions */
#define MARS_REDUND_NAME_MAX	32	/* NUL included */

enum mars_redund_role {
	MARS_REDUND_DEAD = 0,	/* not in the Living Group */
	MARS_REDUND_BACKUP,
	MARS_REDUND_ACTIVE,		/* Active MARS / Active Sub-MARS */
};

/* Fault-injection switches (mars_redund_set_faults). */
#define MARS_REDUND_FI_OMIT_DEAD	0x01
#define MARS_REDUND_FI_FRESH_CMI	0x02
#define MARS_REDUND_FI_SKIP_SYNC	0x04

/* ---- election and map composition: pure functions ---- */

/* What one entity knows of one member of the MARS Group. */
struct mars_redund_view {
	const uint8_t	*atm;		/* ATM address octets */
	uint8_t		 atm_len;
	uint8_t		 priority;
	bool		 alive;		/* in the Living Group */
	bool		 ready;		/* aligned (self: see above) */
};

/*
 * Election order of n entities (priority descending, then ATM address
 * ascending, then index): writes the indices into order[n].
 */
void	mars_redund_elect_order(const struct mars_redund_view *v, size_t n,
	    uint8_t *order);
/*
 * The Active among the entities of list[n] (indices into v, preference
 * order): the first living and ready one, else the first living one when
 * fallback is true; -1 if none.
 */
int	mars_redund_elect_active(const struct mars_redund_view *v, const uint8_t *list,
	    size_t n, bool fallback);
/*
 * The MARS_REDIRECT_MAP of list[n] with active first: active, the other
 * living ones in list order, then the dead ones in list order (those are
 * left out when omit_dead).  Writes indices to map; returns the count.
 */
size_t	mars_redund_compose_map(const struct mars_redund_view *v, const uint8_t *list,
	    size_t n, int active, bool omit_dead, uint8_t *map);

/* ---- the entity ---- */

/* One entity of the MARS Group, as the others know it. */
struct mars_redund_entity {
	char		 name[MARS_REDUND_NAME_MAX];	/* for the admin socket */
	uint8_t		 atm[MARS_ATM_ADDR_MAX];	/* NSAP octets */
	uint8_t		 atm_len;
	uint8_t		 priority;		/* higher wins the election */
	bool		 has_cmi;		/* a Backup's own CMI range */
	uint16_t	 cmi_low;
	uint16_t	 cmi_high;
	uint32_t	 vc;			/* inter-server VC id; 0: index + 1 */
};

/* Load sharing (§4): one partition of the cluster. */
struct mars_redund_partition {
	size_t		 n_mars;
	uint8_t		 mars[MARS_REDUND_MAX];	/* entity indices, Active first */
	uint16_t	 cmi_low;		/* its CMI block */
	uint16_t	 cmi_high;
};

/*
 * What the machine needs of the cluster and nothing else (marsd builds it
 * from the cluster file with mars_config_redund(), config.h).
 */
struct mars_redund_conf {
	unsigned	 self;			/* index in mars[] */
	size_t		 n_mars;
	struct mars_redund_entity mars[MARS_REDUND_MAX];
	size_t		 n_partitions;		/* 0: the fault-tolerant model */
	struct mars_redund_partition partitions[MARS_REDUND_PART_MAX];
	uint16_t	 pro;			/* MARS_PRO_IPV4 or MARS_PRO_IPV6 */
	mars_time_t	 redirect_interval;
	mars_time_t	 hello_interval;	/* whole seconds on the wire */
	unsigned	 dead_factor;
	mars_time_t	 mcs_timeout;		/* §3.6 */
	bool		 fault_injection;	/* allow mars_redund_set_faults() */
	uint64_t	 seed;			/* SCSP CA sequence numbers */
	mars_time_t	 cmi_hold;		/* server; 0 = its default */
	/* Server leaf callback (server_conf.leaf), may be NULL. */
	void		(*leaf)(void *ctx, const struct mars_server_leaf *lf);
};

struct mars_redund;

/*
 * A new entity in *rp.  0, MARS_E_INVAL (err->field names the member of c
 * that is wrong, err->why says how) or MARS_E_NOSPACE (no memory).  c and
 * io are copied.
 */
int	mars_redund_new(struct mars_redund **rp, const struct mars_redund_conf *c,
	    const struct mars_io *io, struct mars_err *err);
void		 mars_redund_free(struct mars_redund *r);
/* Starts SCSP (Hellos) at now. */
void		 mars_redund_start(struct mars_redund *r, mars_time_t now);
void		 mars_redund_input(struct mars_redund *r, mars_time_t now,
		    const struct mars_vc *vc, const uint8_t *sdu, size_t len);
mars_time_t	 mars_redund_tick(struct mars_redund *r, mars_time_t now);
/* A member's or MCS's VC went away (mars_server_leaf_lost). */
void		 mars_redund_leaf_lost(struct mars_redund *r, mars_time_t now,
		    uint32_t peer);
/* The inter-server VC to a peer went down / came back. */
void		 mars_redund_peer_vc(struct mars_redund *r, mars_time_t now,
		    uint32_t vc_id, bool up);

/* MARS_E_INVAL unless the cluster file set fault-injection = yes. */
int		 mars_redund_set_faults(struct mars_redund *r, unsigned mask);

/* ---- read-only accessors (admin socket) ---- */

struct mars_server *mars_redund_server(struct mars_redund *r);
const struct mars_server *mars_redund_server_const(const struct mars_redund *r);

struct mars_redund_member_info {
	const char	*name;
	bool		 self;
	bool		 alive;
	bool		 aligned;	/* self: ready */
	int		 role;		/* enum mars_redund_role, in our view */
	uint8_t		 priority;
};
/* i < cluster->n_mars; false past the end. */
bool		 mars_redund_member(const struct mars_redund *r, unsigned i,
		    struct mars_redund_member_info *out);
int		 mars_redund_role(const struct mars_redund *r);
/* The Active of the cluster (partition p; -1 = the first one served or
 * the whole cluster), as an index, -1 when unknown. */
int		 mars_redund_active(const struct mars_redund *r, int p);
/* Number of partitions this entity is Active for. */
unsigned	 mars_redund_active_count(const struct mars_redund *r);
mars_time_t	 mars_redund_last_election(const struct mars_redund *r);
unsigned	 mars_redund_elections(const struct mars_redund *r);
/* The last map composed for partition p (0 in the fault-tolerant model). */
size_t		 mars_redund_map(const struct mars_redund *r, unsigned p,
		    uint8_t *idx, size_t cap);
/* Partitions: 1 in the fault-tolerant model, else the file's. */
unsigned	 mars_redund_partitions(const struct mars_redund *r);
/* Preference order of partition p (the election order in the
 * fault-tolerant model, the `mars =` list otherwise); returns the count. */
size_t		 mars_redund_order(const struct mars_redund *r, unsigned p,
		    uint8_t *idx, size_t cap);

/*
 * Replication errors, by kind (mars_redund_scsp_info.errors[]): each is
 * logged through fsm_io.log (the first of a kind, then at every power of
 * two) and counted, so that a database drifting from the others' shows
 * in `show scsp`.
 */
enum mars_redund_err {
	MARS_REDUND_ERR_ENCODE = 0,	/* one of our records does not encode */
	MARS_REDUND_ERR_ORIGINATE,	/* SCSP refused to originate or purge it */
	MARS_REDUND_ERR_EXPORT,		/* our database could not be listed */
	MARS_REDUND_ERR_DECODE,		/* a received record does not decode */
	MARS_REDUND_ERR_APPLY,		/* a received record was refused by our
					   database (CMI clash, a limit) */
	MARS_REDUND_ERR_REVERT,		/* an MCS could not be reverted (§3.6) */
	MARS_REDUND_ERR_SERVER,		/* the server refused a setting
					   (redirect map, CMI block) */
	MARS_REDUND_ERR_MAX
};
/* "encode", "originate", ...; "unknown" out of range. */
const char	*mars_redund_err_name(int kind);

struct mars_redund_scsp_info {
	unsigned	 peers;
	unsigned	 bidir;		/* Hello FSMs Bidirectional */
	unsigned	 aligned;	/* CA FSMs Aligned */
	size_t		 cache;		/* entries, tombstones included */
	size_t		 own;		/* records we originate */
	uint64_t	 unready_drops;	/* registrations not answered before
					   our cache was aligned */
	uint64_t	 errors[MARS_REDUND_ERR_MAX];	/* by kind */
	uint64_t	 purged;	/* withdrawn records of ours purged
					   after cmi_hold (RFC 2334 B.2.0.2) */
	uint64_t	 tombstones_purged;	/* SCSP: null entries dropped */
	uint64_t	 seq_wraps;	/* SCSP: sequence numbers restarted */
};
void		 mars_redund_scsp_info(const struct mars_redund *r,
		    struct mars_redund_scsp_info *out);
/* Cache entries originated by entity i: live ones and tombstones. */
void		 mars_redund_cache_origin(const struct mars_redund *r, unsigned i,
		    size_t *live, size_t *dead);
/* Hello and CA state of peer i (scspfsm.h enums); -1 for self. */
int		 mars_redund_peer_hello(const struct mars_redund *r, unsigned i);
int		 mars_redund_peer_ca(const struct mars_redund *r, unsigned i);

/* ---- CSA <-> database (redund_repl.c) ---- */

/* Record classes: octet 0 of the Cache Key. */
enum mars_redund_class {
	MARS_REDUND_K_HEARTBEAT = 1,
	MARS_REDUND_K_MAP,
	MARS_REDUND_K_REGISTER,
	MARS_REDUND_K_GROUP,
	MARS_REDUND_K_BLOCK,
	MARS_REDUND_K_MCS,
	MARS_REDUND_K_SERVE,
};

/* One replicated fact, independent of the wire. */
struct mars_redund_rec {
	uint8_t			 cls;		/* enum mars_redund_class */
	bool			 live;		/* state 1/2/3, else 4/5 */
	struct mars_server_atm	 atm;
	uint16_t		 cmi;
	bool			 layer3grp;
	uint8_t			 spa[MARS_SERVER_PA_MAX];
	uint8_t			 spa_len;
	uint8_t			 grp_len;
	uint8_t			 min[MARS_SERVER_PA_MAX];
	uint8_t			 max[MARS_SERVER_PA_MAX];
};

/* RFC 2443 §3, §5: the CSA body of rec for protocol pro.  0 or MARS_E_*. */
int	mars_redund_rec_encode(const struct mars_redund_rec *rec, uint16_t pro,
	    uint8_t *out, size_t cap, size_t *outlen);
/* The reverse, given the Cache Key's class octet. */
int	mars_redund_rec_decode(struct mars_redund_rec *rec, uint8_t cls,
	    const uint8_t *body, size_t len);
/* Same identity (class, address, group): the fact a key stands for. */
bool	mars_redund_rec_same(const struct mars_redund_rec *a, const struct mars_redund_rec *b);
/* Records of one member (the same ATM address and subaddress). */
bool	mars_redund_rec_same_member(const struct mars_redund_rec *a,
	    const struct mars_redund_rec *b);
/*
 * The records an entity originates for what s holds over its own VCs
 * (vc_id != 0): calls fn for each; stops and returns fn's non-zero value.
 */
int	mars_redund_rec_export(const struct mars_server *s,
	    int (*fn)(void *ctx, const struct mars_redund_rec *rec), void *ctx);
/*
 * The same for one member (mcs false) or MCS, by its ATM address, in the
 * order mars_redund_rec_export() gives them: nothing when s does not hold
 * it over a VC of its own.
 */
int	mars_redund_rec_export_one(const struct mars_server *s,
	    const struct mars_server_atm *atm, bool mcs,
	    int (*fn)(void *ctx, const struct mars_redund_rec *rec), void *ctx);
/*
 * Apply a remote record to s (RFC 2443 §5).  relay: an Active
 * (Sub-)MARS tells its own ClusterControlVC.  A leave/deregister only
 * when `held` is false (no other live record says otherwise).
 */
int	mars_redund_rec_apply(struct mars_server *s, mars_time_t now,
	    const struct mars_redund_rec *rec, bool relay, bool held);

#ifdef __cplusplus
}
#endif

#endif
