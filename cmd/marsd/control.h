/*
 * marsd admin socket (ctl.h framing): a UNIX stream socket, mode 0600,
 * several clients at once, never blocking the daemon.
 */
#ifndef MARSD_CONTROL_H
#define MARSD_CONTROL_H

#include <stddef.h>

#include "mars/ctl.h"
#include "mars/evloop.h"

struct control;

#define CONTROL_CLIENTS_MAX	32
#define CONTROL_REPLY_MAX	(16u << 20)	/* octets of one answer */

/* Answers one parsed request into out (end line included). */
typedef void	(*control_answer_fn)(void *arg, const struct mars_ctl_request *req,
		    struct mars_ctl_buf *out);

/*
 * Create the socket at path (a stale socket left by a dead daemon is
 * replaced; a live one is an error).  0, or -1 with msg filled.
 */
int	control_open(struct control **cp, struct mars_evloop *loop,
	    const char *path, control_answer_fn answer, void *arg,
	    char *msg, size_t msglen);
/* Close every client and the socket, and remove the socket file. */
void	control_close(struct control *c);
size_t	control_clients(const struct control *c);

#endif
