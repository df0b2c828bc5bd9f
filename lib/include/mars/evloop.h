/*
 * The one event loop (DESIGN.md rule 6): poll(2) over registered file
 * descriptors, one-shot timers on the monotonic clock, and signals turned
 * into callbacks in loop context.  It drives marsd, marsping, marsctl
 * (readline's callback interface) and the ncurses views.
 *
 * Callbacks run one at a time from mars_evloop_run()/mars_evloop_run_once() and may
 * add or remove descriptors, timers and signals, including their own.
 * Steady-state iterations allocate nothing: tables grow only when more fds
 * or timers are registered than ever before.
 *
 * Signals use a self-pipe written by the handler, so a process has at most
 * one loop with signal callbacks; mars_evloop_signal_add() on a second loop
 * returns MARS_E_INVAL.
 */
#ifndef MARS_EVLOOP_H
#define MARS_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "mars/err.h"
#include "mars/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mars_evloop;

/* events asked for and reported */
#define MARS_EVLOOP_READ	0x01
#define MARS_EVLOOP_WRITE	0x02
/* reported only */
#define MARS_EVLOOP_ERROR	0x04	/* POLLERR or POLLNVAL */
#define MARS_EVLOOP_HUP	0x08	/* POLLHUP */

/* A timer handle; never 0, so 0 can mean "no timer". */
typedef uint64_t mars_timer_id;

/* Milliseconds of CLOCK_MONOTONIC: the `now` fed to the state machines. */
mars_time_t	mars_evloop_now(void);

int	mars_evloop_new(struct mars_evloop **lp, struct mars_err *err);
/* Closes nothing the caller registered; restores signal dispositions. */
void	mars_evloop_free(struct mars_evloop *loop);

/*
 * File descriptors: at most one registration per fd.  events is a mask of
 * MARS_EVLOOP_READ / MARS_EVLOOP_WRITE (0 keeps the fd registered but idle); cb gets
 * the events that happened.  Returns 0 or MARS_E_INVAL (fd < 0, already
 * registered) / MARS_E_SYS (no memory).
 */
int	mars_evloop_fd_add(struct mars_evloop *loop, int fd, unsigned events,
	    void (*cb)(struct mars_evloop *, int fd, unsigned revents, void *arg),
	    void *arg);
int	mars_evloop_fd_mod(struct mars_evloop *loop, int fd, unsigned events);
/* Forgets fd (does not close it); no-op if unknown. */
void	mars_evloop_fd_del(struct mars_evloop *loop, int fd);

/*
 * One-shot timer at an absolute deadline (mars_evloop_now() milliseconds).
 * Timers with the same deadline fire in the order they were added.  A
 * deadline already past fires on the next iteration.  Returns the handle,
 * or 0 when out of memory.
 */
mars_timer_id	mars_evloop_timer_at(struct mars_evloop *loop, mars_time_t deadline,
	    void (*cb)(struct mars_evloop *, void *arg), void *arg);
/* Convenience: deadline = mars_evloop_now() + ms. */
mars_timer_id	mars_evloop_timer_after(struct mars_evloop *loop, mars_time_t ms,
	    void (*cb)(struct mars_evloop *, void *arg), void *arg);
/* true if the timer was pending; a fired or unknown handle is a no-op. */
bool		mars_evloop_timer_cancel(struct mars_evloop *loop, mars_timer_id id);
/* Earliest pending deadline, or MARS_TIME_NEVER. */
mars_time_t	mars_evloop_next_deadline(const struct mars_evloop *loop);

/*
 * One timer kept on a moving deadline, such as a state machine's next
 * deadline (fsm.h): mars_alarm_set() re-arms it only when the deadline
 * changes, so a machine polled after every input costs no heap work.
 * Start from a zeroed struct; the callback calls mars_alarm_fired()
 * before anything else.  MARS_TIME_NEVER disarms.
 */
struct mars_alarm {
	mars_timer_id	 id;	/* 0: not armed */
	mars_time_t	 at;
};
void	mars_alarm_set(struct mars_evloop *loop, struct mars_alarm *a,
	    mars_time_t deadline, void (*cb)(struct mars_evloop *, void *arg),
	    void *arg);
void	mars_alarm_fired(struct mars_alarm *a);
void	mars_alarm_cancel(struct mars_evloop *loop, struct mars_alarm *a);

/*
 * Deliver signo as cb(loop, signo, arg) in loop context.  Several arrivals
 * between two iterations are reported once.  Returns 0, MARS_E_INVAL (bad
 * signal, already registered, signals owned by another loop) or
 * MARS_E_SYS.
 */
int	mars_evloop_signal_add(struct mars_evloop *loop, int signo,
	    void (*cb)(struct mars_evloop *, int signo, void *arg), void *arg);
/* Restores the disposition signo had before mars_evloop_signal_add(). */
void	mars_evloop_signal_del(struct mars_evloop *loop, int signo);

/*
 * One iteration: wait for at most timeout_ms (-1: no limit other than the
 * next timer), then run every ready callback and every due timer.  Returns
 * the number of callbacks run (0 on timeout) or MARS_E_SYS.
 */
int	mars_evloop_run_once(struct mars_evloop *loop, int timeout_ms,
	    struct mars_err *err);
/* Iterate until mars_evloop_stop(); returns 0 or MARS_E_SYS. */
int	mars_evloop_run(struct mars_evloop *loop, struct mars_err *err);
/* Make mars_evloop_run() return after the current callback. */
void	mars_evloop_stop(struct mars_evloop *loop);

#ifdef __cplusplus
}
#endif

#endif
