/*
 * poll(2) event loop with one-shot timers and self-pipe signals (evloop.h).
 *
 * Descriptors live in two parallel arrays (registrations and the pollfd
 * array handed to poll), so an iteration passes the kernel a ready-made
 * array.  A descriptor removed from inside a callback is only marked dead
 * (fd -1, which poll ignores) and squeezed out at the start of the next
 * iteration, so dispatch can keep walking by index.
 *
 * Timers are slots in a pool plus a binary min-heap of slot numbers keyed
 * by (deadline, sequence): equal deadlines fire in the order they were
 * set.  A handle is the slot number and the slot's generation, so a stale
 * handle (timer fired or cancelled, slot reused) cancels nothing.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mars/err.h"
#include "mars/evloop.h"

struct ev_fd {
	int		 fd;		/* -1: removed, awaiting compaction */
	unsigned	 events;
	void		(*cb)(struct mars_evloop *, int, unsigned, void *);
	void		*arg;
};

struct ev_timer {
	mars_time_t	 deadline;
	uint64_t	 seq;
	void		(*cb)(struct mars_evloop *, void *);
	void		*arg;
	uint32_t	 gen;
	int32_t		 heap_pos;	/* -1 when not pending */
	int32_t		 next_free;	/* free list link, -1 ends it */
};

struct ev_sig {
	bool		 on;
	bool		 pending;
	void		(*cb)(struct mars_evloop *, int, void *);
	void		*arg;
	struct sigaction old;
};

struct mars_evloop {
	struct ev_fd	*fds;
	struct pollfd	*pfds;
	size_t		 nfds;
	size_t		 capfds;
	bool		 fds_dirty;

	struct ev_timer	*timers;
	uint32_t	*heap;
	size_t		 heap_len;
	size_t		 captimers;
	int32_t		 free_timer;
	uint64_t	 seq;

	struct ev_sig	 sigs[NSIG];
	int		 sigpipe[2];

	bool		 stop;
	int		 ran;		/* callbacks run in this iteration */
};

/* The handler can only reach the loop through globals. */
static volatile sig_atomic_t sig_pipe_wr = -1;
static struct mars_evloop	*sig_owner;

mars_time_t
mars_evloop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (mars_time_t)ts.tv_sec * 1000 + (mars_time_t)ts.tv_nsec / 1000000;
}

static int
sys_fail(struct mars_err *err, const char *what)
{
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->code = MARS_E_SYS;
		err->field = what;
		err->sys_errno = errno;
	}
	return MARS_E_SYS;
}

int
mars_evloop_new(struct mars_evloop **lp, struct mars_err *err)
{
	struct mars_evloop *loop;

	if ((loop = calloc(1, sizeof(*loop))) == NULL)
		return sys_fail(err, "evloop");
	loop->free_timer = -1;
	loop->sigpipe[0] = loop->sigpipe[1] = -1;
	*lp = loop;
	return 0;
}

void
mars_evloop_free(struct mars_evloop *loop)
{
	int s;

	if (loop == NULL)
		return;
	for (s = 1; s < NSIG; s++)
		if (loop->sigs[s].on)
			mars_evloop_signal_del(loop, s);
	if (sig_owner == loop) {
		sig_pipe_wr = -1;
		sig_owner = NULL;
	}
	if (loop->sigpipe[0] != -1) {
		close(loop->sigpipe[0]);
		close(loop->sigpipe[1]);
	}
	free(loop->fds);
	free(loop->pfds);
	free(loop->timers);
	free(loop->heap);
	free(loop);
}

/* --- descriptors --- */

static short
poll_events(unsigned events)
{
	return (short)(((events & MARS_EVLOOP_READ) ? POLLIN : 0) |
	    ((events & MARS_EVLOOP_WRITE) ? POLLOUT : 0));
}

static ssize_t
fd_index(const struct mars_evloop *loop, int fd)
{
	size_t i;

	for (i = 0; i < loop->nfds; i++)
		if (loop->fds[i].fd == fd)
			return (ssize_t)i;
	return -1;
}

int
mars_evloop_fd_add(struct mars_evloop *loop, int fd, unsigned events,
    void (*cb)(struct mars_evloop *, int, unsigned, void *), void *arg)
{
	struct ev_fd *nf;
	struct pollfd *np;
	size_t cap;

	if (fd < 0 || cb == NULL || fd_index(loop, fd) >= 0)
		return MARS_E_INVAL;
	if (loop->nfds == loop->capfds) {
		cap = loop->capfds ? 2 * loop->capfds : 8;
		if ((nf = realloc(loop->fds, cap * sizeof(*nf))) == NULL)
			return MARS_E_SYS;
		loop->fds = nf;
		if ((np = realloc(loop->pfds, cap * sizeof(*np))) == NULL)
			return MARS_E_SYS;
		loop->pfds = np;
		loop->capfds = cap;
	}
	loop->fds[loop->nfds] = (struct ev_fd){ fd, events, cb, arg };
	loop->pfds[loop->nfds] = (struct pollfd){ fd, poll_events(events), 0 };
	loop->nfds++;
	return 0;
}

int
mars_evloop_fd_mod(struct mars_evloop *loop, int fd, unsigned events)
{
	ssize_t i;

	if (fd < 0 || (i = fd_index(loop, fd)) < 0)
		return MARS_E_INVAL;
	loop->fds[i].events = events;
	loop->pfds[i].events = poll_events(events);
	return 0;
}

void
mars_evloop_fd_del(struct mars_evloop *loop, int fd)
{
	ssize_t i;

	if (fd < 0 || (i = fd_index(loop, fd)) < 0)
		return;
	loop->fds[i].fd = -1;
	loop->pfds[i].fd = -1;
	loop->pfds[i].revents = 0;
	loop->fds_dirty = true;
}

static void
fds_compact(struct mars_evloop *loop)
{
	size_t i, j;

	for (i = j = 0; i < loop->nfds; i++) {
		if (loop->fds[i].fd < 0)
			continue;
		loop->fds[j] = loop->fds[i];
		loop->pfds[j] = loop->pfds[i];
		j++;
	}
	loop->nfds = j;
	loop->fds_dirty = false;
}

/* --- timers --- */

static bool
timer_before(const struct mars_evloop *loop, uint32_t a, uint32_t b)
{
	const struct ev_timer *ta = &loop->timers[a], *tb = &loop->timers[b];

	if (ta->deadline != tb->deadline)
		return ta->deadline < tb->deadline;
	return ta->seq < tb->seq;
}

static void
heap_set(struct mars_evloop *loop, size_t pos, uint32_t slot)
{
	loop->heap[pos] = slot;
	loop->timers[slot].heap_pos = (int32_t)pos;
}

static void
heap_up(struct mars_evloop *loop, size_t pos)
{
	uint32_t slot = loop->heap[pos];
	size_t parent;

	while (pos > 0) {
		parent = (pos - 1) / 2;
		if (!timer_before(loop, slot, loop->heap[parent]))
			break;
		heap_set(loop, pos, loop->heap[parent]);
		pos = parent;
	}
	heap_set(loop, pos, slot);
}

static void
heap_down(struct mars_evloop *loop, size_t pos)
{
	uint32_t slot = loop->heap[pos];
	size_t child;

	for (;;) {
		child = 2 * pos + 1;
		if (child >= loop->heap_len)
			break;
		if (child + 1 < loop->heap_len &&
		    timer_before(loop, loop->heap[child + 1], loop->heap[child]))
			child++;
		if (!timer_before(loop, loop->heap[child], slot))
			break;
		heap_set(loop, pos, loop->heap[child]);
		pos = child;
	}
	heap_set(loop, pos, slot);
}

/* Take slot out of the heap and put it on the free list. */
static void
timer_release(struct mars_evloop *loop, uint32_t slot)
{
	struct ev_timer *t = &loop->timers[slot];
	size_t pos = (size_t)t->heap_pos;

	loop->heap_len--;
	if (pos != loop->heap_len) {
		heap_set(loop, pos, loop->heap[loop->heap_len]);
		heap_down(loop, pos);
		heap_up(loop, (size_t)loop->timers[loop->heap[pos]].heap_pos);
	}
	t->heap_pos = -1;
	t->gen++;
	t->next_free = loop->free_timer;
	loop->free_timer = (int32_t)slot;
}

static bool
timers_grow(struct mars_evloop *loop)
{
	struct ev_timer *nt;
	uint32_t *nh;
	size_t cap, i;

	cap = loop->captimers ? 2 * loop->captimers : 16;
	if (cap > INT32_MAX)
		return false;
	if ((nt = realloc(loop->timers, cap * sizeof(*nt))) == NULL)
		return false;
	loop->timers = nt;
	if ((nh = realloc(loop->heap, cap * sizeof(*nh))) == NULL)
		return false;
	loop->heap = nh;
	for (i = cap; i-- > loop->captimers; ) {
		memset(&nt[i], 0, sizeof(nt[i]));
		nt[i].heap_pos = -1;
		nt[i].next_free = loop->free_timer;
		loop->free_timer = (int32_t)i;
	}
	loop->captimers = cap;
	return true;
}

mars_timer_id
mars_evloop_timer_at(struct mars_evloop *loop, mars_time_t deadline,
    void (*cb)(struct mars_evloop *, void *), void *arg)
{
	struct ev_timer *t;
	uint32_t slot;

	if (cb == NULL)
		return 0;
	if (loop->free_timer < 0 && !timers_grow(loop))
		return 0;
	slot = (uint32_t)loop->free_timer;
	t = &loop->timers[slot];
	loop->free_timer = t->next_free;
	t->deadline = deadline;
	t->seq = loop->seq++;
	t->cb = cb;
	t->arg = arg;
	t->next_free = -1;
	heap_set(loop, loop->heap_len, slot);
	loop->heap_len++;
	heap_up(loop, loop->heap_len - 1);
	return ((mars_timer_id)t->gen << 32) | (slot + 1);
}

mars_timer_id
mars_evloop_timer_after(struct mars_evloop *loop, mars_time_t ms,
    void (*cb)(struct mars_evloop *, void *), void *arg)
{
	mars_time_t now = mars_evloop_now();

	return mars_evloop_timer_at(loop, ms > MARS_TIME_NEVER - now ?
	    MARS_TIME_NEVER : now + ms, cb, arg);
}

bool
mars_evloop_timer_cancel(struct mars_evloop *loop, mars_timer_id id)
{
	uint64_t slot = (id & 0xffffffffu);
	struct ev_timer *t;

	if (slot == 0 || slot > loop->captimers)
		return false;
	t = &loop->timers[slot - 1];
	if (t->gen != (uint32_t)(id >> 32) || t->heap_pos < 0)
		return false;
	timer_release(loop, (uint32_t)(slot - 1));
	return true;
}

mars_time_t
mars_evloop_next_deadline(const struct mars_evloop *loop)
{
	if (loop->heap_len == 0)
		return MARS_TIME_NEVER;
	return loop->timers[loop->heap[0]].deadline;
}

void
mars_alarm_set(struct mars_evloop *loop, struct mars_alarm *a,
    mars_time_t deadline, void (*cb)(struct mars_evloop *, void *), void *arg)
{
	if (a->id != 0 && a->at == deadline)
		return;
	mars_alarm_cancel(loop, a);
	a->at = deadline;
	if (deadline != MARS_TIME_NEVER)
		a->id = mars_evloop_timer_at(loop, deadline, cb, arg);
}

void
mars_alarm_fired(struct mars_alarm *a)
{
	a->id = 0;
}

void
mars_alarm_cancel(struct mars_evloop *loop, struct mars_alarm *a)
{
	if (a->id != 0)
		mars_evloop_timer_cancel(loop, a->id);
	a->id = 0;
}

/*
 * Fire the timers due at `now` that existed when the pass began; those a
 * callback sets for `now` or earlier wait for the next iteration, so a
 * timer re-arming itself at the same instant cannot starve the loop.
 */
static void
timers_run(struct mars_evloop *loop, mars_time_t now)
{
	uint64_t pass = loop->seq;
	struct ev_timer *t;
	void (*cb)(struct mars_evloop *, void *);
	void *arg;
	uint32_t slot;

	while (loop->heap_len > 0 && !loop->stop) {
		slot = loop->heap[0];
		t = &loop->timers[slot];
		if (t->deadline > now || t->seq >= pass)
			break;
		cb = t->cb;
		arg = t->arg;
		timer_release(loop, slot);
		loop->ran++;
		cb(loop, arg);
	}
}

/* --- signals --- */

static void
sig_handler(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;
	ssize_t r;

	r = write(sig_pipe_wr, &b, 1);
	(void)r;
	errno = saved;
}

static void
sig_pipe_read(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	unsigned char buf[64];
	ssize_t n, i;
	int s;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			if (buf[i] > 0 && buf[i] < NSIG)
				loop->sigs[buf[i]].pending = true;
	for (s = 1; s < NSIG; s++) {
		if (!loop->sigs[s].pending)
			continue;
		loop->sigs[s].pending = false;
		if (loop->sigs[s].on) {
			loop->ran++;
			loop->sigs[s].cb(loop, s, loop->sigs[s].arg);
		}
	}
}

int
mars_evloop_signal_add(struct mars_evloop *loop, int signo,
    void (*cb)(struct mars_evloop *, int, void *), void *arg)
{
	struct sigaction sa;
	int rc;

	if (signo <= 0 || signo >= NSIG || signo == SIGKILL ||
	    signo == SIGSTOP || cb == NULL || loop->sigs[signo].on)
		return MARS_E_INVAL;
	if (sig_owner != NULL && sig_owner != loop)
		return MARS_E_INVAL;
	if (loop->sigpipe[0] == -1) {
		if (pipe2(loop->sigpipe, O_NONBLOCK | O_CLOEXEC) == -1)
			return MARS_E_SYS;
		rc = mars_evloop_fd_add(loop, loop->sigpipe[0], MARS_EVLOOP_READ,
		    sig_pipe_read, NULL);
		if (rc != 0) {
			close(loop->sigpipe[0]);
			close(loop->sigpipe[1]);
			loop->sigpipe[0] = loop->sigpipe[1] = -1;
			return rc;
		}
	}
	sig_owner = loop;
	sig_pipe_wr = loop->sigpipe[1];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sig_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, &loop->sigs[signo].old) == -1)
		return MARS_E_SYS;
	loop->sigs[signo].on = true;
	loop->sigs[signo].pending = false;
	loop->sigs[signo].cb = cb;
	loop->sigs[signo].arg = arg;
	return 0;
}

void
mars_evloop_signal_del(struct mars_evloop *loop, int signo)
{
	if (signo <= 0 || signo >= NSIG || !loop->sigs[signo].on)
		return;
	sigaction(signo, &loop->sigs[signo].old, NULL);
	loop->sigs[signo].on = false;
	loop->sigs[signo].pending = false;
}

/* --- running --- */

int
mars_evloop_run_once(struct mars_evloop *loop, int timeout_ms, struct mars_err *err)
{
	mars_time_t next, now;
	size_t i, n;
	unsigned rev;
	short re;
	int timeout = timeout_ms, rc;

	if (loop->fds_dirty)
		fds_compact(loop);
	next = mars_evloop_next_deadline(loop);
	if (next != MARS_TIME_NEVER) {
		now = mars_evloop_now();
		if (next <= now)
			timeout = 0;
		else if (timeout < 0 || next - now < (mars_time_t)timeout)
			timeout = next - now > INT_MAX ? INT_MAX : (int)(next - now);
	}
	loop->ran = 0;
	loop->stop = false;
	rc = poll(loop->pfds, (nfds_t)loop->nfds, timeout);
	if (rc == -1 && errno != EINTR)
		return sys_fail(err, "poll");
	if (rc > 0) {
		n = loop->nfds;		/* fds added by callbacks wait a turn */
		for (i = 0; i < n && !loop->stop; i++) {
			re = loop->pfds[i].revents;
			loop->pfds[i].revents = 0;
			if (re == 0 || loop->fds[i].fd < 0)
				continue;
			rev = ((re & POLLIN) ? MARS_EVLOOP_READ : 0) |
			    ((re & POLLOUT) ? MARS_EVLOOP_WRITE : 0) |
			    ((re & (POLLERR | POLLNVAL)) ? MARS_EVLOOP_ERROR : 0) |
			    ((re & POLLHUP) ? MARS_EVLOOP_HUP : 0);
			if (loop->fds[i].cb == sig_pipe_read) {
				sig_pipe_read(loop, loop->fds[i].fd, rev, NULL);
				continue;
			}
			loop->ran++;
			loop->fds[i].cb(loop, loop->fds[i].fd, rev,
			    loop->fds[i].arg);
		}
	}
	if (loop->heap_len > 0)
		timers_run(loop, mars_evloop_now());
	return loop->ran;
}

int
mars_evloop_run(struct mars_evloop *loop, struct mars_err *err)
{
	int rc;

	do {
		if ((rc = mars_evloop_run_once(loop, -1, err)) < 0)
			return rc;
	} while (!loop->stop);
	return 0;
}

void
mars_evloop_stop(struct mars_evloop *loop)
{
	loop->stop = true;
}
