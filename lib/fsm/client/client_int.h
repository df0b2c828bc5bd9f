/*
 * Internals of the cluster member machine (client.h), shared by
 * client.c (registration, HSN, failure, timers), client_redirect.c
 * (REDIRECT_MAP), client_groups.c (JOIN/LEAVE) and client_resolve.c
 * (REQUEST/MULTI, GROUPLIST).
 */
#ifndef MARS_CLIENT_INT_H
#define MARS_CLIENT_INT_H

#include "mars/client.h"
#include "mars/msg.h"

/* A group the local layer 3 joined or is leaving (§5.2). */
struct mars_client_group {
	struct mars_client_pa	 pa;
	uint8_t			 op;	/* 0, or MARS_JOIN / MARS_LEAVE to send */
	bool			 joined;	/* a copy of our JOIN came back */
	bool			 rejoin;	/* part of a re-join round (§5.4.1) */
	unsigned		 sent;	/* transmissions of op so far */
	mars_time_t		 next;	/* first send or next retransmission */
};

/* A REQUEST or GROUPLIST_REQUEST and its reply being reassembled (§5.1.1). */
struct client_query {
	bool			 active;
	uint8_t			 op;	/* MARS_REQUEST, MARS_GROUPLIST_REQUEST */
	struct mars_client_pa	 min;	/* the group (REQUEST), or <min,max> */
	struct mars_client_pa	 max;
	unsigned		 sent;
	mars_time_t		 next;	/* reply or next-part deadline */
	bool			 assembling;
	bool			 broken;	/* wait for the last part, discard */
	uint16_t		 next_y;
	uint32_t		 msn;
	bool			 truncated;	/* more than list_max entries */
	struct mars_client_atm	*atm;	/* MULTI parts so far */
	struct mars_client_pa	*grp;	/* GROUPLIST_REPLY parts so far */
	size_t			 n, atm_cap, grp_cap;
};

/* A MARS that may hold our registration (§5.2.3), and its answer to our
 * deregistration. */
struct client_holder {
	struct mars_client_atm	 atm;
	struct mars_vc		 vc;
	bool			 done;	/* answered, or given up on */
	bool			 answered;
};

/* Warnings reported once (client.h "Other warnings"). */
#define CLIENT_WARN_FLAP_CONF	0x01
#define CLIENT_WARN_FLAP_SEEN	0x02
#define CLIENT_WARN_MARS_ADDR	0x04
/* Per MARS: reset when we register with another one. */
#define CLIENT_WARN_CMI_ZERO	0x10
#define CLIENT_WARN_MAP_SOURCE	0x20
#define CLIENT_WARN_CHECKSUM	0x40
#define CLIENT_WARN_PER_MARS	0xf0

/* A registration (§5.2.3) in progress: initial, recovery or soft redirect. */
struct client_reg {
	bool			 active;
	bool			 soft;	/* soft redirect: stay with the old MARS */
	struct mars_client_atm	 mars;
	struct mars_vc		 vc;
	unsigned		 sent;
	mars_time_t		 next;
};

struct mars_client {
	struct mars_client_conf	 conf;		/* conf.mars points at mars[] */
	struct mars_client_mars	*mars;
	struct mars_io		 io;
	struct mars_rng		 rng;

	enum mars_client_state	 state;
	bool			 recovering;	/* re-join every group on success */
	bool			 has_cur;
	struct mars_client_atm	 cur;		/* the current MARS */
	struct mars_vc		 cur_vc;
	uint16_t		 cmi;
	uint32_t		 hsn;
	struct client_reg	 reg;
	unsigned		 dereg_sent;
	mars_time_t		 dereg_next;
	struct client_holder	 holders[MARS_CLIENT_MARS_MAX];
	size_t			 nholders;
	uint16_t		 pro_alt;	/* conf.pro_type_alt until settled */

	/* Checksums of what we sent, to recognise a stale echo (C10). */
	struct {
		uint8_t		 op;
		uint16_t	 sum;
	}			 echo[MARS_CLIENT_ECHO_MAX];
	unsigned		 echo_next;
	unsigned		 warned;	/* CLIENT_WARN_* */
	bool			 has_last_map;
	mars_time_t		 last_map_at;	/* last map from the current MARS */

	/* Failure recovery walk (§5.4.1, §5.4.2). */
	size_t			 walk_idx;	/* next entry of list[] to try */
	size_t			 walk_tries;	/* attempts in this pass */
	mars_time_t		 wait_until;
	mars_time_t		 fail_at;	/* no REDIRECT_MAP by then: failed */
	mars_time_t		 revalidate_at;
	bool			 rejoining;

	/* MARS list: last map, then configured entries not in it. */
	struct mars_client_atm	 list[MARS_CLIENT_MARS_MAX];
	size_t			 nlist;
	struct mars_client_atm	 map[MARS_CLIENT_MARS_MAX];
	size_t			 nmap;
	bool			 map_hard;
	/* Multi-part REDIRECT_MAP reassembly (§5.4.3). */
	struct mars_client_atm	 masm[MARS_CLIENT_MARS_MAX];
	size_t			 nmasm;
	bool			 masm_active;
	bool			 masm_broken;
	uint16_t		 masm_next_y;
	uint32_t		 masm_msn;
	mars_time_t		 masm_deadline;

	struct mars_client_group	*groups;
	size_t			 ngroups, capgroups;
	struct client_query	 q[MARS_CLIENT_QUERY_MAX];
	/* Results of the last completed MULTI / GROUPLIST_REPLY. */
	struct mars_client_atm	*members;
	size_t			 nmembers, capmembers;
	struct mars_client_pa	*glist;
	size_t			 nglist, capglist;
};

/* client.c */
void	client_log(struct mars_client *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	client_emit(struct mars_client *, struct mars_event *);
void	client_emit_group(struct mars_client *, int, mars_time_t,
	    const struct mars_client_pa *, uint32_t, const struct mars_msg *,
	    const char *);
int	client_send(struct mars_client *, const struct mars_vc *,
	    const struct mars_msg *);
void	client_msg_init(struct mars_client *, struct mars_msg *, uint8_t);
bool	client_atm_eq(const struct mars_atm *, const struct mars_atm *,
	    const struct mars_client_atm *);
bool	client_vc_eq(const struct mars_vc *, const struct mars_vc *);
void	client_atm_set(struct mars_client_atm *, const struct mars_atm *,
	    const struct mars_atm *);
bool	client_is_own(const struct mars_client *, const struct mars_msg *);
void	client_track_msn(struct mars_client *, mars_time_t, uint32_t,
	    const struct mars_client_pa *);
void	client_mars_failed(struct mars_client *, mars_time_t, const char *);
mars_time_t client_rand(struct mars_client *, mars_time_t, mars_time_t);
bool	client_atm_same(const struct mars_client_atm *,
	    const struct mars_client_atm *);
void	client_list_rebuild(struct mars_client *);
void	client_reg_begin(struct mars_client *, mars_time_t,
	    const struct mars_client_atm *, bool);
void	client_warn(struct mars_client *, mars_time_t, int, unsigned,
	    uint16_t, const uint8_t *, uint8_t, uint32_t, const char *);
bool	client_vc_is_cur(const struct mars_client *, const struct mars_vc *);

/* client_redirect.c */
void	client_map_input(struct mars_client *, mars_time_t,
	    const struct mars_vc *, const struct mars_msg *);
void	client_map_seen(struct mars_client *, mars_time_t,
	    const struct mars_vc *, const struct mars_msg *);
void	client_map_keepalive(struct mars_client *, mars_time_t,
	    const struct mars_vc *, const struct mars_msg *);
void	client_min(mars_time_t *, mars_time_t);

/* client_groups.c */
struct mars_client_group *client_group_find(struct mars_client *,
	    const uint8_t *, size_t);
void	client_groups_input(struct mars_client *, mars_time_t,
	    const struct mars_msg *);
void	client_groups_tick(struct mars_client *, mars_time_t);
mars_time_t client_groups_next(const struct mars_client *);
void	client_groups_registered(struct mars_client *, mars_time_t, bool);
void	client_groups_clear(struct mars_client *);
void	*client_grow(void *, size_t *, size_t, size_t, size_t);

/* client_resolve.c */
void	client_resolve_input(struct mars_client *, mars_time_t,
	    const struct mars_msg *);
void	client_resolve_tick(struct mars_client *, mars_time_t);
mars_time_t client_resolve_next(const struct mars_client *);
void	client_resolve_abort(struct mars_client *, mars_time_t, const char *);
void	client_resolve_free(struct mars_client *);
size_t	client_resolve_memory(const struct mars_client *);

#endif
