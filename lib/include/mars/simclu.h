/*
 * A whole MARS cluster in the simulator (lab layer): the MARS entities of
 * a cluster file as redundancy machines (redund.h) and many cluster
 * members (client.h), wired as an ATM cluster would be -- every member
 * has a point-to-point VC to every entity, every pair of entities an
 * inter-server VC -- in the virtual time of sim.h.  What marsfail --sim
 * and its explorer run drills on, and what the failover tests use.
 *
 * Members.  Member k belongs to partition k mod P of a load-sharing file
 * (P partitions) and lists that partition's `mars =` entities in the
 * file's order; in the fault-tolerant model (no [partition]) it lists the
 * whole MARS Group in election order (priority, then lowest ATM address),
 * as marsping --cluster does.  It joins groups_each of the ngroups groups
 * 224.1.0.1, 224.1.0.2, ... (ff0e::1:1 ... for IPv6), starting at group
 * k mod ngroups.  Its timers are the cluster file's failure-timeout and
 * retransmit-interval with RFC 2022's others, or *timers.
 *
 * Faults act on entities by index (the cluster file's order): kill,
 * hang, resume, restart (a fresh machine with the file's configuration,
 * as a restarted marsd), partition between two sets of entities (the
 * members, which stay reachable from both sides unless `members_with` puts
 * them on one side), heal.
 *
 * Every happening and every delivered SDU (as a message event,
 * mars_sim_msg_event()) goes to conf.on_event, so the check layer can
 * judge the run; what each member lived through is kept for
 * mars_simclu_member().
 */
#ifndef MARS_SIMCLU_H
#define MARS_SIMCLU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/client.h"
#include "mars/config.h"
#include "mars/err.h"
#include "mars/event.h"
#include "mars/redund.h"
#include "mars/server.h"
#include "mars/sim.h"
#include "mars/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MARS_SIMCLU_MEMBERS_MAX		60000
#define MARS_SIMCLU_GROUPS_MAX		4096
#define MARS_SIMCLU_GROUPS_EACH_MAX	16

struct mars_simclu_conf {
	const struct mars_cluster_conf *cluster;	/* copied */
	size_t		 nmembers;	/* 0..MARS_SIMCLU_MEMBERS_MAX */
	size_t		 ngroups;	/* distinct groups, 0: none joined */
	size_t		 groups_each;	/* joined per member, <= ngroups */
	uint64_t	 seed;
	struct mars_sim_net net;	/* the network model */
	const struct mars_client_conf *timers;	/* NULL: as above */
	/* Redirect maps keep members alive, so the cluster file's timers
	 * apply; faults (redund.h MARS_REDUND_FI_*) on every entity. */
	unsigned	 faults;
	bool		 keep_log;	/* keep the simulator's event log */
	/* pt-mpt SDUs reach on_event once, as their first copy delivered
	 * (mars_sim_msg.first_copy), not once per leaf: what the check
	 * layer makes of them anyway, without a decode per leaf. */
	bool		 pmp_once;
	/* Every happening and every delivered SDU; may be NULL. */
	void		(*on_event)(void *ctx, const struct mars_event *ev);
	void		*ctx;
};

/* What one member has lived through (as mars_lab_member_info). */
struct mars_simclu_member_info {
	bool		 registered;
	int		 mars;			/* entity index, -1 */
	int		 partition;		/* its partition, 0 */
	uint16_t	 cmi;
	uint16_t	 first_cmi;
	unsigned	 registrations;
	mars_time_t	 first_registered;	/* MARS_TIME_NEVER: never */
	mars_time_t	 last_registered;
	unsigned	 failures;
	mars_time_t	 last_failure;		/* MARS_TIME_NEVER: none */
	unsigned	 redirects;
	unsigned	 maps;			/* redirect maps received */
	size_t		 ngroups;		/* wanted */
	size_t		 njoined;		/* confirmed */
};

struct mars_simclu;

int	mars_simclu_new(struct mars_simclu **out,
	    const struct mars_simclu_conf *conf, struct mars_err *err);
void	mars_simclu_free(struct mars_simclu *sc);

struct mars_sim	*mars_simclu_sim(struct mars_simclu *sc);
size_t	 mars_simclu_nmars(const struct mars_simclu *sc);
size_t	 mars_simclu_nmembers(const struct mars_simclu *sc);
mars_time_t mars_simclu_now(const struct mars_simclu *sc);
/* Run the simulation to t (absolute virtual ms). */
int	 mars_simclu_run_until(struct mars_simclu *sc, mars_time_t t,
	    struct mars_err *err);

/* Every member starts registering and joins its groups, now. */
int	 mars_simclu_start_members(struct mars_simclu *sc);

/* Faults on entity i; MARS_E_INVAL for a bad index or state. */
int	 mars_simclu_kill(struct mars_simclu *sc, unsigned i);
int	 mars_simclu_hang(struct mars_simclu *sc, unsigned i);
int	 mars_simclu_resume(struct mars_simclu *sc, unsigned i);
int	 mars_simclu_restart(struct mars_simclu *sc, unsigned i);
/* members_with: 0 reachable from both sides, 1 with a, 2 with b. */
int	 mars_simclu_partition(struct mars_simclu *sc, const unsigned *a,
	    size_t na, const unsigned *b, size_t nb, int members_with);
int	 mars_simclu_heal(struct mars_simclu *sc);
/* The network model from now on (every VC). */
void	 mars_simclu_set_net(struct mars_simclu *sc,
	    const struct mars_sim_net *net);
/* An MCS (RFC 2022 §6.2) serving group g (0-based) registers with the
 * entity members would register with now (the first living Active). */
int	 mars_simclu_mcs_serve(struct mars_simclu *sc, size_t g);

/* enum mars_sim_node_state of entity i. */
int	 mars_simclu_state(const struct mars_simclu *sc, unsigned i);
/* The role entity i claims (enum mars_redund_role); DEAD when killed. */
int	 mars_simclu_role(const struct mars_simclu *sc, unsigned i);
/* Its own view of the Active of partition p (-1: first served). */
int	 mars_simclu_active(const struct mars_simclu *sc, unsigned i, int p);
const struct mars_server *mars_simclu_server(const struct mars_simclu *sc,
	    unsigned i);
const struct mars_redund *mars_simclu_redund(const struct mars_simclu *sc,
	    unsigned i);

int	 mars_simclu_member(const struct mars_simclu *sc, size_t k,
	    struct mars_simclu_member_info *out);
/* Group j of member k (the address, its length), false past the end. */
bool	 mars_simclu_member_group(const struct mars_simclu *sc, size_t k,
	    size_t j, uint8_t *addr, size_t *len);
/* The member's ATM number (20 octets). */
const uint8_t *mars_simclu_member_atm(const struct mars_simclu *sc, size_t k);
/* The group address of group g (0-based), len octets. */
void	 mars_simclu_group_addr(const struct mars_simclu *sc, size_t g,
	    uint8_t *addr, size_t *len);
/* The simulator node of entity i and of member k. */
uint32_t mars_simclu_mars_node(const struct mars_simclu *sc, unsigned i);
uint32_t mars_simclu_member_node(const struct mars_simclu *sc, size_t k);

#ifdef __cplusplus
}
#endif

#endif
