/*
 * The marsd process controller behind the lab commands: one marsd per
 * entity of a cluster file, each with its own admin socket and log in a
 * private directory, in a process group of its own (so that the
 * operator's Ctrl-C does not reach it) and killed with marsctl should it
 * die; kill -9, SIGSTOP, SIGCONT and restart by name; every process
 * reaped.  The lab commands (lab.c) use only this interface, which is
 * the shape of the lab layer's marsd controller (lib/lab) they move to.
 */
#ifndef MARSCTL_LABCTL_H
#define MARSCTL_LABCTL_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include "mars/config.h"
#include "mars/types.h"

enum labctl_state {
	LABCTL_RUNNING = 1,
	LABCTL_HUNG,		/* SIGSTOP */
	LABCTL_DEAD,		/* killed by us or exited */
};

struct labctl_info {
	const char	*name;
	pid_t		 pid;		/* 0 when dead */
	enum labctl_state state;
	int		 wstatus;	/* waitpid status once dead, -1 before */
	const char	*admin;		/* its admin socket */
	const char	*log;		/* its standard error */
	char		 endpoint[MARS_ENDPOINT_TEXT_MAX];
};

struct labctl;

/*
 * Start every entity of the cluster file with the marsd program given
 * (a path, or a name looked up in PATH) and wait at most timeout ms for
 * each to listen.  0, or -1 with msg saying why (nothing is left
 * running then).
 */
int	labctl_up(struct labctl **lp, const char *conf_path, const char *marsd,
	    mars_time_t timeout, char *msg, size_t msglen);
/* Stop every entity (SIGTERM, then SIGKILL after a grace), reap, clean up. */
void	labctl_down(struct labctl *l);

int	labctl_kill(struct labctl *l, const char *name, char *msg, size_t msglen);
int	labctl_hang(struct labctl *l, const char *name, char *msg, size_t msglen);
int	labctl_resume(struct labctl *l, const char *name, char *msg, size_t msglen);
/* Kill it if it runs, start it again and wait for it to listen. */
int	labctl_restart(struct labctl *l, const char *name, mars_time_t timeout,
	    char *msg, size_t msglen);

/*
 * Reap children that ended (SIGCHLD): for each entity that died without
 * being killed by us, fn(arg, info).  Returns how many were reaped.
 */
size_t	labctl_reap(struct labctl *l, void (*fn)(void *, const struct labctl_info *),
	    void *arg);

size_t	labctl_count(const struct labctl *l);
bool	labctl_info(const struct labctl *l, size_t i, struct labctl_info *info);
/* The entity of that name, -1 if none. */
int	labctl_find(const struct labctl *l, const char *name);
const struct mars_cluster_conf *labctl_cluster(const struct labctl *l);
const char *labctl_conf_path(const struct labctl *l);

#endif
