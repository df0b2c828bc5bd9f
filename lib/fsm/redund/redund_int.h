/*
 * Internals of one MARS entity (redund.h), shared by the files of this
 * folder: the entity (redund.c), the Living Group and election
 * (redund_living.c), the redirect maps (redund_maps.c), what it
 * replicates (redund_publish.c) and the admin accessors (redund_info.c).
 */
#ifndef REDUND_INT_H
#define REDUND_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/pdu.h"
#include "mars/redund.h"
#include "mars/scspfsm.h"

#define BODY_MAX	256

struct pub {
	struct mars_redund_rec rec;
	uint8_t		 key[MARS_SCSP_MARS_ID_LEN];
	bool		 mark;
	bool		 dirty;		/* to originate at the next publish */
	mars_time_t	 gone;		/* when it went state 4/5; NEVER */
	uint32_t	 anext;		/* next of the same address hash: index
					   + 1, 0 ends (redund_publish.c) */
};

/* A member or MCS the server noted as changed, in export order. */
struct owner {
	struct mars_server_atm atm;
	bool		 mcs;
	uint32_t	 handle;	/* the server's slot; UINT32_MAX: gone */
};

struct mars_redund {
	struct mars_redund_conf conf;
	struct mars_io	 io;
	struct mars_server *srv;
	struct mars_scsp_node *scsp;
	struct mars_scsp_dcs_conf dcs[MARS_REDUND_MAX];
	int		 dcs_of[MARS_REDUND_MAX];	/* entity -> DCS index */
	unsigned	 self;
	unsigned	 n;
	uint16_t	 pro;
	mars_time_t	 now;
	mars_time_t	 start;
	mars_time_t	 dead_ms;
	mars_time_t	 hello_ms;
	bool		 started;
	bool		 ready;
	unsigned	 faults;
	uint64_t	 dropped_unready;	/* registrations before ready */
	uint64_t	 errors[MARS_REDUND_ERR_MAX];
	uint64_t	 purged;		/* withdrawn records purged */

	struct mars_redund_view view[MARS_REDUND_MAX];
	size_t		 nparts;
	uint8_t		 plist[MARS_REDUND_PART_MAX][MARS_REDUND_MAX];
	size_t		 plen[MARS_REDUND_PART_MAX];
	uint16_t	 pcmi_lo[MARS_REDUND_PART_MAX];
	uint16_t	 pcmi_hi[MARS_REDUND_PART_MAX];
	int		 active[MARS_REDUND_PART_MAX];
	uint8_t		 map[MARS_REDUND_PART_MAX][MARS_REDUND_MAX];
	size_t		 maplen[MARS_REDUND_PART_MAX];
	unsigned	 nactive;
	bool		 elected;
	mars_time_t	 last_elect;
	unsigned	 elections;
	mars_time_t	 mcs_deadline;
	mars_time_t	 next_pmap;
	mars_time_t	 next_purge;	/* a withdrawn record of ours to purge */

	struct pub	*pub;
	size_t		 npub;
	size_t		 cappub;
	uint32_t	*pidx;		/* open-addressing index of pub by
					   identity: slot = pub index + 1 */
	size_t		 capidx;	/* a power of two, >= 2 x cappub */
	uint32_t	*aidx;		/* capidx chains of pub by address:
					   the first's index + 1 */
	uint32_t	 next_key;
	bool		 in_update;

	/* Incremental publishing (redund_publish.c). */
	bool		 tracking;	/* the server notes changes for us */
	bool		 full;		/* reconcile everything next time */
	bool		 full_always;	/* tests: every publish reconciles
					   the whole database */
	mars_time_t	 next_full;	/* the periodic whole reconcile */
	int		 pub_active[MARS_REDUND_PART_MAX];  /* as published */
	uint8_t		 pub_map[MARS_REDUND_PART_MAX][MARS_REDUND_MAX];
	size_t		 pub_maplen[MARS_REDUND_PART_MAX];
	struct owner	*own;		/* scratch: the noted owners */
	size_t		 capown;
	uint32_t	*stale;		/* scratch: records to withdraw */
	size_t		 capstale;

	struct mars_pdu	 pdu;
	uint8_t		 body[BODY_MAX];
};

/* redund.c: count and log a replication error (mars_redund_err). */
void	redund_error(struct mars_redund *r, int kind, int rc,
	    const char *what);

/* redund_maps.c */
struct mars_server_atm redund_entity_atm(const struct mars_redund *r,
	    unsigned i);
int	redund_member_part(const struct mars_redund *r, uint16_t cmi,
	    bool active_only);
size_t	redund_map_atms(const struct mars_redund *r, size_t p,
	    struct mars_server_atm *out);
void	redund_private_maps(struct mars_redund *r, int p, bool hard);

/* redund_living.c */
bool	redund_peer_alive(const struct mars_redund *r, unsigned j);
void	redund_elect(struct mars_redund *r);

/* redund_publish.c */
void	redund_publish(struct mars_redund *r);
void	redund_publish_free(struct mars_redund *r);
void	redund_on_update(void *ctx, const struct mars_scsp_update *u);

#endif
