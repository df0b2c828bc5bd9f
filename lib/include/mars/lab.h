/*
 * The lab layer (DESIGN.md "lab"): what failover drills, the operator
 * shell and the chaos test stand on.
 *
 * 1. A pool of emulated cluster members in one process.  Each member is a
 *    cluster-member state machine (client.h) with a UDP lab link of its
 *    own (its own port, so a MARS sees N members), all driven by the
 *    caller's event loop (evloop.h).  The MARSs come from a cluster file
 *    (config.h), in the order of their priority, as marsping --cluster
 *    takes them; each member joins the groups given to it.  Everything a
 *    member lives through is kept for mars_lab_member_get(): registered
 *    or not, with which MARS, under which CMI, its first CMI, how many
 *    registrations and when, its groups.
 *
 * 2. A controller for marsd processes: start one entity of a cluster file
 *    with its own admin socket, wait until the socket answers, query it,
 *    kill -9, SIGSTOP/SIGCONT, restart; every child is reaped, and is
 *    killed when its controller is freed or its process dies (Linux
 *    PR_SET_PDEATHSIG), so nothing is left behind on any exit path.
 *
 * Errors: 0 or a negative MARS_E_* with a caller's struct mars_err
 * (err.h); a wait that runs out is MARS_E_SYS with sys_errno ETIMEDOUT.
 * Waits are bounded and poll conditions, never sleep blindly.
 */
#ifndef MARS_LAB_H
#define MARS_LAB_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mars/client.h"
#include "mars/config.h"
#include "mars/err.h"
#include "mars/evloop.h"
#include "mars/fsm.h"
#include "mars/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- emulated members ---- */

#define MARS_LAB_MEMBERS_MAX	1024
#define MARS_LAB_GROUPS_MAX	16	/* groups per member */

struct mars_lab_pool_conf {
	/* The cluster: protocol, MARS entities, failure-timeout and
	 * retransmit-interval.  Copied. */
	const struct mars_cluster_conf *cluster;
	size_t		 nmembers;	/* 1..MARS_LAB_MEMBERS_MAX */
	/*
	 * Own ATM numbers: these 13 octets, then 4 octets of `tag` (the
	 * process id when 0, so that pools of two processes never collide;
	 * two pools of one process need tags of their own), 2 of the member
	 * index and a 0 selector.  All-zero prefix: 47.0005.80ffe1
	 * 0000006c6162 ("lab").
	 */
	uint8_t		 atm_prefix[13];
	uint32_t	 tag;
	/*
	 * Timers of every member's machine: the timer fields of *timers
	 * (0 = client.h's default) when not NULL, else the cluster file's
	 * failure-timeout and retransmit-interval and RFC 2022's others.
	 */
	const struct mars_client_conf *timers;
	uint64_t	 seed;		/* every random delay, reproducible */
	/*
	 * Where the members' links are bound, "udp:HOST:0": NULL is the
	 * loopback of the cluster's family.  A lab whose MARSs sit in
	 * network namespaces behind a bridge binds to the bridge's address.
	 */
	const char	*bind;
	/* Every member's happenings, after the pool has recorded them;
	 * may be NULL.  Same rules as struct mars_io's event callback. */
	void		(*on_event)(void *ctx, size_t member,
			    const struct mars_event *ev);
	void		*ctx;
};

/* What one member has lived through. */
struct mars_lab_member_info {
	uint8_t		 atm[MARS_ATM_ADDR_MAX];	/* own ATM number */
	uint16_t	 port;			/* own UDP port */
	int		 state;			/* enum mars_client_state */
	bool		 registered;
	int		 mars;			/* entity index in the cluster
						   file, -1 when none */
	uint16_t	 cmi;			/* current (0 before registering) */
	uint16_t	 first_cmi;		/* of the first registration */
	unsigned	 registrations;		/* MARS_EV_REGISTERED seen */
	mars_time_t	 first_registered;	/* evloop time, 0 = never */
	mars_time_t	 last_registered;
	unsigned	 failures;		/* MARS_EV_MARS_FAILED seen */
	mars_time_t	 last_failure;
	unsigned	 redirects;		/* MARS_EV_REDIRECT acted on */
	size_t		 ngroups;		/* groups wanted */
	size_t		 njoined;		/* of which confirmed (JOINED) */
};

struct mars_lab_pool;

/*
 * A pool of conf->nmembers members in *pp, their links open on the
 * loopback of the cluster's family and registered with loop; nothing is
 * sent before mars_lab_pool_start().  0, MARS_E_INVAL (err->field names
 * what in conf), MARS_E_NOSPACE, or the link's errors (MARS_E_SYS...).
 */
int	mars_lab_pool_new(struct mars_lab_pool **pp,
	    const struct mars_lab_pool_conf *conf, struct mars_evloop *loop,
	    struct mars_err *err);
/* Closes every link and timer; sends nothing (a member that vanishes). */
void	mars_lab_pool_free(struct mars_lab_pool *p);

size_t	mars_lab_pool_size(const struct mars_lab_pool *p);

/*
 * Member i joins a group (len octets, the cluster's protocol length):
 * queued until it registers, sent at once when it is.  MARS_E_INVAL for
 * a bad index or length, MARS_E_NOSPACE past MARS_LAB_GROUPS_MAX.
 */
int	mars_lab_pool_join(struct mars_lab_pool *p, size_t i,
	    const uint8_t *group, size_t len);

/* Every member starts registering (with the first MARS of its list). */
int	mars_lab_pool_start(struct mars_lab_pool *p, struct mars_err *err);

/*
 * Every registered member deregisters (RFC 2022 §5.2.3); run the loop
 * until mars_lab_pool_registered() is 0 or a bound of your choice.
 */
void	mars_lab_pool_deregister(struct mars_lab_pool *p);

/* Members registered now, or whose deregistration is outstanding. */
size_t	mars_lab_pool_registered(const struct mars_lab_pool *p);

/* 0, or MARS_E_INVAL for a bad index. */
int	mars_lab_member_get(const struct mars_lab_pool *p, size_t i,
	    struct mars_lab_member_info *out);
/* Group k of member i and whether it is confirmed; false past the end. */
bool	mars_lab_member_group(const struct mars_lab_pool *p, size_t i,
	    size_t k, const uint8_t **group, size_t *len, bool *joined);
/* The machine itself, for what the summary does not say. */
const struct mars_client *mars_lab_member_client(const struct mars_lab_pool *p,
	    size_t i);

/* ---- marsd processes ---- */

struct mars_lab_daemon_conf {
	const char	*marsd;		/* program path, e.g. bin/marsd */
	const char	*cluster_path;	/* -c */
	const char	*name;		/* -n: the entity */
	const char	*admin_path;	/* --admin */
	const char	*log_path;	/* stderr appended here; NULL: /dev/null */
	const char *const *args;	/* more arguments, NULL-terminated;
					   may be NULL (e.g. "-vv") */
	/*
	 * A process group of its own, so that a terminal's Ctrl-C (SIGINT
	 * to the foreground group) reaches the controller only (a shell
	 * that runs a lab); false: the controller's group.
	 */
	bool		 own_group;
};

struct mars_lab_daemon;

/* A controller in *dp (nothing started); conf's strings are copied. */
int	mars_lab_daemon_new(struct mars_lab_daemon **dp,
	    const struct mars_lab_daemon_conf *conf, struct mars_err *err);
/* Kills (-9) and reaps the process if there is one, removes the socket. */
void	mars_lab_daemon_free(struct mars_lab_daemon *d);

/*
 * Start marsd (a stale admin socket file is removed first).  MARS_E_INVAL
 * when one is already running, MARS_E_SYS when fork/exec fails.
 */
int	mars_lab_daemon_start(struct mars_lab_daemon *d, struct mars_err *err);
/*
 * Wait, at most timeout_ms, until the admin socket answers a request
 * (an error answer too: a lone MARS has no election to show).
 * MARS_E_SYS with sys_errno ETIMEDOUT when it does not, ECHILD when the
 * process exited first (mars_lab_daemon_status() says how).
 */
int	mars_lab_daemon_wait_ready(struct mars_lab_daemon *d,
	    mars_time_t timeout_ms, struct mars_err *err);
/* start, then wait_ready. */
int	mars_lab_daemon_restart(struct mars_lab_daemon *d, mars_time_t timeout_ms,
	    struct mars_err *err);

/* kill -9 and reap.  MARS_E_INVAL when not running. */
int	mars_lab_daemon_kill(struct mars_lab_daemon *d, struct mars_err *err);
/* SIGTERM, wait at most timeout_ms for the exit, then kill -9; reaped. */
int	mars_lab_daemon_terminate(struct mars_lab_daemon *d,
	    mars_time_t timeout_ms, struct mars_err *err);
/* SIGSTOP / SIGCONT.  MARS_E_INVAL when not running. */
int	mars_lab_daemon_pause(struct mars_lab_daemon *d, struct mars_err *err);
int	mars_lab_daemon_resume(struct mars_lab_daemon *d, struct mars_err *err);

/* Reaps an exited child; true while the process exists (stopped too). */
bool	mars_lab_daemon_running(struct mars_lab_daemon *d);
bool	mars_lab_daemon_paused(const struct mars_lab_daemon *d);
pid_t	mars_lab_daemon_pid(const struct mars_lab_daemon *d);	/* 0: none */
/* The last wait(2) status of an exited process, -1 before any. */
int	mars_lab_daemon_status(const struct mars_lab_daemon *d);
const char *mars_lab_daemon_name(const struct mars_lab_daemon *d);
const char *mars_lab_daemon_admin(const struct mars_lab_daemon *d);

/*
 * One admin request (ctl.h), e.g. "show election": the data lines of the
 * answer, each ending in '\n', into buf (always NUL-terminated; *len the
 * length when not NULL).  Waits at most timeout_ms.  0; MARS_E_PARSE with
 * err->why "error line" and the daemon's message in buf when it answered
 * with an error; MARS_E_NOSPACE when the answer does not fit; MARS_E_SYS
 * (ETIMEDOUT, or the socket's errno).
 */
int	mars_lab_daemon_query(struct mars_lab_daemon *d, const char *request,
	    char *buf, size_t cap, size_t *len, mars_time_t timeout_ms,
	    struct mars_err *err);

/*
 * The same for any admin socket path, for programs that did not start
 * the daemon.
 */
int	mars_lab_admin_query(const char *path, const char *request, char *buf,
	    size_t cap, size_t *len, mars_time_t timeout_ms,
	    struct mars_err *err);

#ifdef __cplusplus
}
#endif

#endif
