/*
 * The deterministic simulator (DESIGN.md "sim"): whole clusters -- MARS
 * entities and many cluster members, the sans-I/O machines of fsm.h --
 * run in virtual time over a seeded network model, with injected faults,
 * reproducibly from one seed.  Used by the failover unit tests and by
 * marsfail --simulate.
 *
 * Time.  A virtual clock in ms (mars_time_t), 0 at mars_sim_new().  Nothing
 * happens between events; mars_sim_run_until(t) executes every event due at or
 * before t in (time, sequence) order -- equal times are FIFO -- and leaves
 * the clock at t.  Every random choice (jitter, loss, duplication) comes
 * from one generator seeded by sim_conf.seed, drawn in event order, so the
 * same seed and script give byte-identical logs and traces.
 *
 * Nodes.  mars_sim_node_add() registers a machine with its ops (input, tick,
 * optional deadline, hooks).  mars_sim_node_io() is the struct mars_io the
 * machine must be created with: send routes through the network model,
 * event is recorded in the log (and passed to sim_conf.on_event), log
 * lines go to sim_conf.on_log.  Node ids are 0, 1, 2, ... in order of
 * addition.  The machine may be given later (mars_sim_node_set_machine), since
 * it is usually created from the node's io.
 *
 * Timers.  After every input and every tick the simulator re-reads the
 * node's next deadline (ops.deadline, or ops.tick(now) when there is none)
 * and schedules a tick there, replacing the previous one.  A deadline at or
 * before now is run at now, after the events already due.  A node gets a
 * first tick at the time it is added (or given a machine).  After every
 * scripted action (mars_sim_at) all running nodes are re-read, since a script
 * may have called mars_client_join() and the like; mars_sim_wake() does it for one
 * node when the caller drives a machine directly between runs.
 *
 * VCs.  Every VC end has the fsm_vc a machine sees:
 *   - point-to-point (MARS_VC_P2P) and inter-server (MARS_VC_SERVER) VCs
 *     join two nodes, mars_sim_vc_p2p() / mars_sim_vc_server(); each end gets its
 *     own id, numbered 1, 2, 3, ... per node, so a server tells its
 *     members apart by the id of their VC (the "peer" of server.h);
 *   - pt-mpt VCs (MARS_VC_CCVC, MARS_VC_SCVC): the root sends on
 *     {kind, 0}; a copy goes to every current leaf, which receives it on
 *     {kind, MARS_SIM_PMP_ID(root)} -- the id tells a leaf whose
 *     ClusterControlVC it is (mars_client_mars.ccvc_id).  Leaves change
 *     with mars_sim_pmp_leaf(), or mars_sim_leaf_by_peer() from the root's p2p VC
 *     id; mars_sim_server_leaf is a ready-made server_conf.leaf callback.
 * A VC never reorders: the arrival time on each (VC, direction) or
 * (pt-mpt VC, leaf) is at least the previous one's, as on ATM.
 *
 * Network model (struct mars_sim_net): delay + uniform jitter in [0, jitter],
 * loss and duplication in parts per million (integers: no floating point
 * in a run).  One global model, overridable per p2p VC and per pt-mpt VC.
 * Loss and partitions are decided at send time, node state at arrival.
 *
 * Faults.
 *   mars_sim_kill      kill -9: the machine is called no more; its ticks stop;
 *                 SDUs arriving for it are dropped.  SDUs it sent before
 *                 the kill are already on the wire and still arrive.
 *   mars_sim_hang      SIGSTOP: receives nothing (arrivals are dropped, as a
 *                 full socket buffer would), sends nothing, no ticks...
 *   mars_sim_resume    ...until resumed, state intact; overdue timers run at
 *                 once (a tick at now).
 *   mars_sim_restart   a fresh machine replaces the node's (the old one is
 *                 released through ops.free when set), as after a restart.
 *                 Choice: p2p and server VCs survive as addresses -- the
 *                 ATM numbers are the same, so the new machine is reached
 *                 on the same ids -- but SDUs still in flight to the old
 *                 incarnation are dropped, and the leaves of pt-mpt VCs
 *                 rooted at the node are cleared (the new machine adds its
 *                 own, e.g. as members register).  The node's membership
 *                 as a leaf of other nodes' pt-mpt VCs is kept: the root's
 *                 machine owns that topology.
 *   mars_sim_partition cuts every VC between two node sets until mars_sim_heal();
 *                 nodes added afterwards are on neither side.
 *
 * Ownership: the simulator owns a node's machine only when ops.free is set
 * (mars_sim_client_ops and mars_sim_server_ops set it); it is then released on
 * mars_sim_restart() and mars_sim_free().
 *
 * Errors: 0 or a negative MARS_E_*; MARS_E_INVAL for unknown nodes or VCs
 * and impossible requests; MARS_SIM_E_BUDGET when a run exceeds its event budget.
 */
#ifndef MARS_SIM_H
#define MARS_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/event.h"
#include "mars/fsm.h"
#include "mars/out.h"
#include "mars/proto.h"
#include "mars/shim.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mars_sim;
struct mars_server_leaf;

#define MARS_SIM_NODE_NONE		UINT32_MAX
#define MARS_SIM_NAME_MAX		32	/* node names, NUL included */
#define MARS_SIM_DETAIL_MAX		64	/* event detail copied, NUL included */
#define MARS_SIM_GROUP_MAX		16	/* group octets copied */
/* The id a leaf sees on a pt-mpt VC rooted at node root. */
#define MARS_SIM_PMP_ID(root)	(0x80000000u | (uint32_t)(root))
/* sim_run_*: the event budget ran out (a run that would not end). */
#define MARS_SIM_E_BUDGET		MARS_E_NOSPACE
#define MARS_SIM_MAX_EVENTS_DEFAULT	50000000u

/* The network between two VC ends. */
struct mars_sim_net {
	mars_time_t	 delay;		/* ms, fixed part */
	mars_time_t	 jitter;	/* ms, uniform extra in [0, jitter] */
	uint32_t	 loss_ppm;	/* SDUs lost per million */
	uint32_t	 dup_ppm;	/* SDUs delivered twice per million */
};

/* What the simulator did with one SDU (the trace). */
enum mars_sim_fate {
	MARS_SIM_DELIVERED = 0,	/* handed to the receiving machine */
	MARS_SIM_LOST,		/* loss_ppm */
	MARS_SIM_CUT,		/* a partition lies between the ends */
	MARS_SIM_DOWN,		/* receiver killed, hung or restarted since */
	MARS_SIM_SENDER_DOWN,	/* sent by a killed or hung node */
	MARS_SIM_NO_VC,		/* sent on a VC the sender does not have */
};

struct mars_sim_msg {
	mars_time_t	 time;		/* arrival, or send time for drops */
	mars_time_t	 sent;		/* send time */
	uint32_t	 from;		/* node ids */
	uint32_t	 to;		/* MARS_SIM_NODE_NONE for MARS_SIM_NO_VC */
	struct mars_vc	 vc_from;	/* as the sender named it */
	struct mars_vc	 vc_to;		/* as the receiver sees it */
	const uint8_t	*sdu;		/* valid during the call only */
	size_t		 len;
	int		 fate;		/* enum mars_sim_fate */
	bool		 duplicate;	/* the second copy of a duplicated SDU */
};

/*
 * Happenings of the simulator itself, logged beside the machines' ones:
 * kinds of the one event type (event.h), from 64.
 */
enum mars_sim_event_kind {
	MARS_SIM_EV_KILL = 64,
	MARS_SIM_EV_HANG,
	MARS_SIM_EV_RESUME,
	MARS_SIM_EV_RESTART,
	MARS_SIM_EV_PARTITION,	/* node = MARS_SIM_NODE_NONE; count = partition id */
	MARS_SIM_EV_HEAL,		/* likewise */
	MARS_SIM_EV_NOTE = MARS_EV_NOTE,	/* mars_sim_note(): detail */
};

/*
 * The log holds events of the one type (event.h): a machine's happening
 * as it reported it, or a MARS_SIM_EV_*, with the virtual time (when, in
 * ms, and us), the node that reported it (entity, MARS_SIM_NODE_NONE for
 * the whole simulation; entity_name its name) and the addresses and text
 * copied into the log (the machine's pointers are transient; a longer
 * group or detail is cut).  msg and peer are not kept.
 */

struct mars_sim_node_ops {
	/* One arriving SDU. */
	void		(*input)(void *machine, mars_time_t now,
			    const struct mars_vc *vc, const uint8_t *sdu,
			    size_t len);
	/* Run timers due at now; the next deadline (MARS_TIME_NEVER). */
	mars_time_t	(*tick)(void *machine, mars_time_t now);
	/* Optional: the next deadline without running anything. */
	mars_time_t	(*deadline)(const void *machine);
	/* Optional hooks: after mars_sim_kill, after mars_sim_restart (new machine). */
	void		(*on_kill)(void *machine, mars_time_t now);
	void		(*on_restart)(void *machine, mars_time_t now);
	/* Optional: the simulator owns machines and releases them with it. */
	void		(*free)(void *machine);
};

/* Ready-made ops for client.h and server.h machines (free set). */
extern const struct mars_sim_node_ops mars_sim_client_ops;
extern const struct mars_sim_node_ops mars_sim_server_ops;

struct mars_sim_conf {
	uint64_t	 seed;
	struct mars_sim_net	 net;		/* global model */
	uint64_t	 max_events;	/* per run call; 0 = default */
	bool		 no_log;	/* do not keep the event log */
	/* Called for every logged event (even with no_log). */
	void		(*on_event)(void *ctx, const struct mars_event *ev);
	/* Every SDU delivered or dropped. */
	void		(*on_msg)(void *ctx, const struct mars_sim_msg *m);
	/*
	 * Every SDU a running machine sends on a VC it has, once, as it
	 * sends it -- a pt-mpt SDU once whatever its leaves, before the
	 * network decides anything: time = sent = now; to is the other end
	 * of a point-to-point or inter-server VC (vc_to as it sees it) and
	 * MARS_SIM_NODE_NONE on a pt-mpt VC; fate is MARS_SIM_DELIVERED.
	 * What a tap at the sender would see, loss and jitter aside.
	 */
	void		(*on_send)(void *ctx, const struct mars_sim_msg *m);
	/* The machines' log lines (fsm_io.log). */
	void		(*on_log)(void *ctx, uint32_t node, int level,
			    const char *msg);
	void		*ctx;
};

struct mars_sim_stats {
	uint64_t	 events;	/* queue items executed */
	uint64_t	 sent;		/* SDUs sent by machines (pt-mpt: one) */
	uint64_t	 delivered;
	uint64_t	 lost;
	uint64_t	 cut;
	uint64_t	 down;		/* MARS_SIM_DOWN + MARS_SIM_SENDER_DOWN */
	uint64_t	 no_vc;
	uint64_t	 duplicated;
	uint64_t	 ticks;
};

/*
 * A new simulator in *sp; conf may be NULL (seed 0, ideal network).  0 or
 * MARS_E_NOSPACE (no memory).
 */
int		 mars_sim_new(struct mars_sim **sp, const struct mars_sim_conf *conf,
		    struct mars_err *err);
void		 mars_sim_free(struct mars_sim *s);
mars_time_t	 mars_sim_now(const struct mars_sim *s);
/* The simulator's generator, for scripts and machine seeds (client conf). */
struct mars_rng	*mars_sim_rng(struct mars_sim *s);
const struct mars_sim_stats *mars_sim_get_stats(const struct mars_sim *s);

/* Nodes. */
uint32_t	 mars_sim_node_add(struct mars_sim *s, const char *name,
		    const struct mars_sim_node_ops *ops, void *machine);
int		 mars_sim_node_set_machine(struct mars_sim *s, uint32_t node,
		    void *machine);
void		*mars_sim_node_machine(const struct mars_sim *s, uint32_t node);
const struct mars_io *mars_sim_node_io(const struct mars_sim *s, uint32_t node);
const char	*mars_sim_node_name(const struct mars_sim *s, uint32_t node);
size_t		 mars_sim_node_count(const struct mars_sim *s);
/* By name; MARS_SIM_NODE_NONE when there is none. */
uint32_t	 mars_sim_node_find(const struct mars_sim *s, const char *name);
enum mars_sim_node_state {
	MARS_SIM_NODE_UP = 0,
	MARS_SIM_NODE_HUNG,
	MARS_SIM_NODE_DEAD,
};
int		 mars_sim_node_state(const struct mars_sim *s, uint32_t node);
/* Re-read the node's deadline now (after driving its machine directly). */
int		 mars_sim_wake(struct mars_sim *s, uint32_t node);

/* Topology. */
int		 mars_sim_vc_p2p(struct mars_sim *s, uint32_t a, uint32_t b,
		    uint32_t *id_at_a, uint32_t *id_at_b);
int		 mars_sim_vc_server(struct mars_sim *s, uint32_t a, uint32_t b,
		    uint32_t *id_at_a, uint32_t *id_at_b);
/* The node at the other end of node's VC id, or MARS_SIM_NODE_NONE. */
uint32_t	 mars_sim_vc_peer(const struct mars_sim *s, uint32_t node, uint32_t id,
		    uint32_t *peer_id);
/* pmp is MARS_VC_CCVC or MARS_VC_SCVC; adding twice or removing a non-leaf
 * is harmless. */
int		 mars_sim_pmp_leaf(struct mars_sim *s, uint32_t root, uint8_t pmp,
		    uint32_t leaf, bool add);
int		 mars_sim_leaf_by_peer(struct mars_sim *s, uint32_t root, uint8_t pmp,
		    uint32_t peer_id, bool add);
size_t		 mars_sim_pmp_leaf_count(const struct mars_sim *s, uint32_t root,
		    uint8_t pmp);
/* server_conf.leaf for a server created with mars_sim_node_io(). */
void		 mars_sim_server_leaf(void *io_ctx, const struct mars_server_leaf *lf);

/* Network model; net NULL restores the global one. */
void		 mars_sim_set_net(struct mars_sim *s, const struct mars_sim_net *net);
int		 mars_sim_vc_net(struct mars_sim *s, uint32_t node, uint32_t id,
		    const struct mars_sim_net *net);
int		 mars_sim_pmp_net(struct mars_sim *s, uint32_t root, uint8_t pmp,
		    const struct mars_sim_net *net);

/* Faults. */
int		 mars_sim_kill(struct mars_sim *s, uint32_t node);
int		 mars_sim_hang(struct mars_sim *s, uint32_t node);
int		 mars_sim_resume(struct mars_sim *s, uint32_t node);
/* machine created with mars_sim_node_io(s, node); a dead or hung node runs. */
int		 mars_sim_restart(struct mars_sim *s, uint32_t node, void *machine);
/* Returns a partition id (>= 0) or MARS_E_*; the sets must be disjoint. */
int		 mars_sim_partition(struct mars_sim *s, const uint32_t *a, size_t na,
		    const uint32_t *b, size_t nb);
/* Heal one partition, or every one with id -1. */
int		 mars_sim_heal(struct mars_sim *s, int id);
bool		 mars_sim_cut(const struct mars_sim *s, uint32_t a, uint32_t b);

/* Scripting and running. */
typedef void	(*mars_sim_fn)(struct mars_sim *s, void *arg);
/* Run fn at time t (>= now; MARS_E_INVAL otherwise). */
int		 mars_sim_at(struct mars_sim *s, mars_time_t t, mars_sim_fn fn, void *arg);
/* One queue item: 1 executed, 0 queue empty. */
int		 mars_sim_step(struct mars_sim *s);
/* Every item due at or before t; the clock ends at t.  0 or MARS_SIM_E_BUDGET
 * (the clock then stays where the budget ran out). */
int		 mars_sim_run_until(struct mars_sim *s, mars_time_t t);
int		 mars_sim_run_for(struct mars_sim *s, mars_time_t dt);
/* The time of the next queued item, MARS_TIME_NEVER when idle. */
mars_time_t	 mars_sim_next_time(const struct mars_sim *s);
/* A line in the log, e.g. from a drill script. */
void		 mars_sim_note(struct mars_sim *s, uint32_t node, const char *text);

/* Event log. */
size_t		 mars_sim_log_count(const struct mars_sim *s);
const struct mars_event *mars_sim_log_get(const struct mars_sim *s, size_t i);
/* Start with *cursor = 0; NULL at the end. */
const struct mars_event *mars_sim_log_next(const struct mars_sim *s, size_t *cursor);
void		 mars_sim_log_clear(struct mars_sim *s);
/* "registered", "mars-failed", "kill", ...; "unknown" otherwise. */
const char	*mars_sim_event_kind_name(int kind);
/*
 * One event as a line: text
 *   "   12.345 M1 registered cmi=3 csn=0 atm=4700... group=224.1.2.3"
 * or JSON ({"time":12345,"node":"M1","event":"registered",...}).
 */
void		 mars_sim_event_print(const struct mars_sim *s, const struct mars_event *ev,
		    struct mars_out *ob, bool json);
void		 mars_sim_log_print(const struct mars_sim *s, struct mars_out *ob, bool json);

/*
 * Write every delivered SDU to a pcap of LINKTYPE_SUNATM, readable by
 * marsdump: VPI 0; VCI 32 for ClusterControlVC, 33 ServerControlVC, 34 + n
 * for the n-th inter-server VC and 100 + n for the n-th p2p VC (counted
 * from 0 in order of creation, as link.h labels them); the direction bit
 * says sent by the VC's first node (mars_sim_vc_p2p's a, the pt-mpt root).
 * Time stamps are the virtual arrival times.  errbuf: MARS_CAP_ERRBUF_SIZE.
 */
int		 mars_sim_pcap_open(struct mars_sim *s, const char *path, char *errbuf);
int		 mars_sim_pcap_close(struct mars_sim *s);

/*
 * One SDU of the trace (sim_conf.on_msg) as a message event (event.h,
 * DESIGN.md rule 3): at its arrival time (microseconds and ms), observed
 * by the receiving node (the sender for an SDU that reached nobody), on
 * the VC as that node sees it, with both nodes as the ends (MARS_END_NODE).
 * ev points into m: valid during the on_msg call.
 */
void		 mars_sim_msg_event(const struct mars_sim *s,
		    const struct mars_sim_msg *m, struct mars_event *ev);

#ifdef __cplusplus
}
#endif

#endif
