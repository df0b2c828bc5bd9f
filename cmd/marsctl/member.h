/*
 * The member's state, shared by member.c (connection, events, commands)
 * and status.c (the status command).
 */
#ifndef MARSCTL_MEMBER_H
#define MARSCTL_MEMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/client.h"
#include "mars/print.h"
#include "mars/watch.h"

#include "marsctl.h"

#define JOIN_MAX	256	/* groups one join or leave command may name */

enum wait_kind {
	W_NONE = 0,
	W_REGISTER,
	W_DEREGISTER,
	W_JOIN,
	W_LEAVE,
	W_REQUEST,
	W_GROUPLIST,
	W_WATCH,
};

struct member {
	struct mars_watch	*w;		/* the live member (watch.h) */
	uint64_t		 frames;
	bool			 replies;	/* print what arrives */
	bool			 relearn;	/* registering again, quietly,
						   once the map named the MARS */
	bool			 have_map;	/* last map, to print changes */
	size_t			 nmap;
	struct mars_print_atm	 map[MARS_CLIENT_MARS_MAX];
	bool			 map_hard;
	bool			 disconnecting;

	/* what the running command waits for */
	enum wait_kind		 wait;
	uint8_t			 wgroup[JOIN_MAX][MARS_CLIENT_PA_MAX];
	bool			 wdone[JOIN_MAX];
	size_t			 nwgroup;
	size_t			 wleft;
	int			 wlen;
};

/* The member's machine once it registers (or did), else NULL. */
struct mars_client *member_client(struct ctl *c);
/* The name of a MARS by ATM address: entity name, else its hex in buf. */
const char	*atm_name(struct ctl *c, const uint8_t *atm, uint8_t tl, char *buf,
		    size_t len);
/* Take the client's redirect map; true when it changed. */
bool		 update_map(struct ctl *c);

#endif
