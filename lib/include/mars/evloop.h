/*
 * The one event loop (DESIGN.md rule 6): poll(2) over registered file
 * descriptors, one-shot timers on the monotonic clock, and signals turned
 * into callbacks in loop context.  It drives marsd, marsping, marsctl
 * (readline's callback interface) and the ncurses views.
 *
 * Callbacks run one at a time from evloop_run()/evloop_run_once() and may
 * add or remove descriptors, timers and signals, including their own.
 * Steady-state iterations allocate nothing: tables grow only when more fds
 * or timers are registered than ever before.
 *
 * Signals use a self-pipe written by the handler, so a process has at most
 * one loop with signal callbacks; evloop_signal_add() on a second loop
 * returns MARS_E_INVAL.
 */
#ifndef MARS_EVLOOP_H
#define MARS_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/fsm.h"		/* mars_time_t */

struct evloop;

/* events asked for and reported */
#define EVLOOP_READ	0x01
#define EVLOOP_WRITE	0x02
/* reported only */
#define EVLOOP_ERROR	0x04	/* POLLERR or POLLNVAL */
#define EVLOOP_HUP	0x08	/* POLLHUP */

/* A timer handle; never 0, so 0 can mean "no timer". */
typedef uint64_t evloop_timer_id;

/* Milliseconds of CLOCK_MONOTONIC: the `now` fed to the state machines. */
mars_time_t	evloop_now(void);

int	evloop_new(struct evloop **lp, struct mars_err *err);
/* Closes nothing the caller registered; restores signal dispositions. */
void	evloop_free(struct evloop *loop);

/*
 * File descriptors: at most one registration per fd.  events is a mask of
 * EVLOOP_READ / EVLOOP_WRITE (0 keeps the fd registered but idle); cb gets
 * the events that happened.  Returns 0 or MARS_E_INVAL (fd < 0, already
 * registered) / MARS_E_SYS (no memory).
 */
int	evloop_fd_add(struct evloop *loop, int fd, unsigned events,
	    void (*cb)(struct evloop *, int fd, unsigned revents, void *arg),
	    void *arg);
int	evloop_fd_mod(struct evloop *loop, int fd, unsigned events);
/* Forgets fd (does not close it); no-op if unknown. */
void	evloop_fd_del(struct evloop *loop, int fd);

/*
 * One-shot timer at an absolute deadline (evloop_now() milliseconds).
 * Timers with the same deadline fire in the order they were added.  A
 * deadline already past fires on the next iteration.  Returns the handle,
 * or 0 when out of memory.
 */
evloop_timer_id	evloop_timer_at(struct evloop *loop, mars_time_t deadline,
	    void (*cb)(struct evloop *, void *arg), void *arg);
/* Convenience: deadline = evloop_now() + ms. */
evloop_timer_id	evloop_timer_after(struct evloop *loop, mars_time_t ms,
	    void (*cb)(struct evloop *, void *arg), void *arg);
/* true if the timer was pending; a fired or unknown handle is a no-op. */
bool		evloop_timer_cancel(struct evloop *loop, evloop_timer_id id);
/* Earliest pending deadline, or MARS_TIME_NEVER. */
mars_time_t	evloop_next_deadline(const struct evloop *loop);

/*
 * Deliver signo as cb(loop, signo, arg) in loop context.  Several arrivals
 * between two iterations are reported once.  Returns 0, MARS_E_INVAL (bad
 * signal, already registered, signals owned by another loop) or
 * MARS_E_SYS.
 */
int	evloop_signal_add(struct evloop *loop, int signo,
	    void (*cb)(struct evloop *, int signo, void *arg), void *arg);
/* Restores the disposition signo had before evloop_signal_add(). */
void	evloop_signal_del(struct evloop *loop, int signo);

/*
 * One iteration: wait for at most timeout_ms (-1: no limit other than the
 * next timer), then run every ready callback and every due timer.  Returns
 * the number of callbacks run (0 on timeout) or MARS_E_SYS.
 */
int	evloop_run_once(struct evloop *loop, int timeout_ms,
	    struct mars_err *err);
/* Iterate until evloop_stop(); returns 0 or MARS_E_SYS. */
int	evloop_run(struct evloop *loop, struct mars_err *err);
/* Make evloop_run() return after the current callback. */
void	evloop_stop(struct evloop *loop);

#endif
