/*
 * Simulator internals shared by sim.c (clock, queue, network, faults),
 * sim_log.c (event log, printers, pcap) and sim_machines.c.
 */
#ifndef MARS_SIM_INT_H
#define MARS_SIM_INT_H

#include "mars/sim.h"

struct mars_cap_dump;

/* A refcounted SDU: one copy serves every leaf of a pt-mpt send. */
struct sim_buf {
	unsigned	 refs;
	size_t		 len;
	uint8_t		 data[];
};

enum sim_item_type {
	SIM_IT_DELIVER = 1,
	SIM_IT_TICK,
	SIM_IT_CALL,
	SIM_IT_FANOUT,		/* copies of one pt-mpt SDU due at one time */
};

/* One leaf's copy in a SIM_IT_FANOUT item. */
struct sim_copy {
	uint32_t	 node;
	bool		 dup;
};

/*
 * The leaves of a SIM_IT_FANOUT item.  Shared (refs) when it is a
 * pt-mpt VC's leaf set as it stands (sim_pmp.snap): every send until the
 * set changes delivers to the same leaves.
 */
struct sim_fanout {
	unsigned	 refs;
	size_t		 n;
	size_t		 cap;
	struct sim_fanout *next;	/* on the spare list */
	struct sim_copy	 c[];
};

/* One queue entry; ordered by (t, seq). */
struct sim_item {
	mars_time_t	 t;
	uint64_t	 seq;
	uint8_t		 type;
	bool		 dup;
	uint32_t	 node;		/* DELIVER: receiver; TICK: the node */
	uint32_t	 gen;		/* TICK: tick gen */
	uint32_t	 from;
	mars_time_t	 sent;
	struct mars_vc	 vc_from;
	struct mars_vc	 vc_to;
	uint16_t	 vci;		/* pcap label */
	bool		 from_first;	/* sent by the VC's first node */
	struct sim_buf	*buf;
	struct sim_fanout *fan;		/* FANOUT: the leaves, in order */
	mars_sim_fn		 fn;
	void		*arg;
};

/* One end of a p2p or server VC, indexed by the node's id - 1. */
struct sim_port {
	uint32_t	 vc;		/* index in sim.vcs */
	bool		 first;		/* this node is the VC's a */
};

struct sim_vc {
	uint8_t		 kind;		/* MARS_VC_P2P or MARS_VC_SERVER */
	uint32_t	 a, b;
	uint32_t	 id_a, id_b;
	uint16_t	 vci;
	bool		 has_net;
	struct mars_sim_net	 net;
	mars_time_t	 last_ab;	/* latest arrival a -> b (FIFO) */
	mars_time_t	 last_ba;
};

struct sim_leaf {
	uint32_t	 node;
	mars_time_t	 last;		/* latest arrival (FIFO) */
};

struct sim_pmp {
	struct sim_leaf	*leaves;
	size_t		 nleaves;
	size_t		 cap;
	bool		 has_net;
	struct mars_sim_net	 net;
	struct sim_fanout *snap;	/* the leaves as sends share them;
					   NULL once they change */
};

/* A copy on its way to one leaf, while a pt-mpt send is fanned out. */
struct sim_pend {
	mars_time_t	 t;
	uint32_t	 pos;		/* order of the send */
	struct sim_copy	 c;
};

struct sim_node {
	struct mars_sim	*sim;
	uint32_t	 id;
	char		 name[MARS_SIM_NAME_MAX];
	const struct mars_sim_node_ops *ops;
	void		*machine;
	int		 state;		/* enum mars_sim_node_state */
	uint32_t	 incarnation;
	uint64_t	 restart_seq;	/* queue sequence at the last restart:
					   SDUs queued before are for the
					   previous incarnation */
	struct mars_io	 io;
	mars_time_t	 tick_at;	/* scheduled tick, NEVER if none */
	uint32_t	 tick_gen;
	struct sim_port	*ports;
	size_t		 nports;
	size_t		 cap_ports;
	struct sim_pmp	 pmp[2];	/* [0] CCVC, [1] SCVC */
};

struct sim_part {
	bool		 active;
	uint8_t		*side;		/* per node: 0 none, 1 a, 2 b */
	size_t		 nside;
};

struct mars_sim {
	struct mars_sim_conf	 conf;
	struct mars_rng	 rng;
	mars_time_t	 now;
	uint64_t	 seq;

	struct sim_item	*heap;
	size_t		 nheap;
	size_t		 cap_heap;

	struct sim_node	**nodes;
	size_t		 nnodes;
	size_t		 cap_nodes;

	struct sim_vc	*vcs;
	size_t		 nvcs;
	size_t		 cap_vcs;
	uint16_t	 np2p;
	uint16_t	 nserver;

	struct sim_part	*parts;
	size_t		 nparts;
	size_t		 nactive_parts;

	/* The log in chunks that never move: events point into them. */
	struct sim_logent	**log;
	size_t		 nlog;
	size_t		 nchunks;

	struct sim_pend	*pend;		/* scratch of sim_send() */
	size_t		 cap_pend;
	struct sim_fanout *spare;	/* delivered fan-outs, for reuse */
	size_t		 nspare;

	struct mars_cap_dump	*pcap;
	uint8_t		*pcap_buf;
	struct mars_sim_stats stats;
};

/* One logged event and the octets it points to. */
#define SIM_LOG_CHUNK	1024
struct sim_logent {
	struct mars_event	 ev;
	uint8_t			 atm[MARS_ATM_ADDR_MAX];
	uint8_t			 group[MARS_SIM_GROUP_MAX];
	char			 detail[MARS_SIM_DETAIL_MAX];
};

/* sim_log.c: log ev (a machine's or the simulator's) for node at now. */
void	sim_log_add(struct mars_sim *s, uint32_t node,
	    const struct mars_event *ev);
void	sim_log_free(struct mars_sim *s);
void	sim_pcap_write(struct mars_sim *s, const struct sim_item *it);

#endif
