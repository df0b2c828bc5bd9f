/*
 * marsd processes for the lab commands (labctl.h).
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mars/evloop.h"

#include "labctl.h"

#define GRACE_MS	2000

struct entity {
	char		 name[MARS_CONF_NAME_MAX];
	pid_t		 pid;
	enum labctl_state state;
	int		 wstatus;
	bool		 killed;	/* by us: do not report it */
	char		 admin[MARS_CONF_PATH_MAX];
	char		 log[MARS_CONF_PATH_MAX];
};

struct labctl {
	char		 dir[128];
	char		 conf[MARS_CONF_PATH_MAX];
	char		 marsd[PATH_MAX];
	struct mars_cluster_conf *cc;
	struct entity	 e[MARS_CONF_MARS_MAX];
	size_t		 n;
};

static int	say(char *msg, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

static int
say(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* The child: its own process group, stdio to the log, marsd. */
static void __attribute__((noreturn))
child(const struct labctl *l, const struct entity *e, int ready_w)
{
	char *argv[12];
	int fd, i;
	long maxfd;

	(void)setpgid(0, 0);
#ifdef __linux__
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	if ((fd = open(e->log, O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (ready_w != 3) {
		dup2(ready_w, 3);
		close(ready_w);
	}
	maxfd = sysconf(_SC_OPEN_MAX);
	if (maxfd < 0 || maxfd > 4096)
		maxfd = 4096;
	for (i = 4; i < maxfd; i++)
		(void)close(i);
	i = 0;
	argv[i++] = (char *)"marsd";
	argv[i++] = (char *)"-c";
	argv[i++] = (char *)l->conf;
	argv[i++] = (char *)"-n";
	argv[i++] = (char *)e->name;
	argv[i++] = (char *)"--admin";
	argv[i++] = (char *)e->admin;
	argv[i++] = (char *)"--ready-fd";
	argv[i++] = (char *)"3";
	argv[i++] = (char *)"-v";
	argv[i] = NULL;
	execvp(l->marsd, argv);
	fprintf(stderr, "marsctl lab: %s: %s\n", l->marsd, strerror(errno));
	_exit(127);
}

static void
reap_one(struct entity *e, bool block)
{
	int st;
	pid_t p;

	if (e->pid <= 0)
		return;
	do
		p = waitpid(e->pid, &st, block ? 0 : WNOHANG);
	while (p < 0 && errno == EINTR);
	if (p == e->pid || (p < 0 && errno == ECHILD)) {
		e->wstatus = p == e->pid ? st : -1;
		e->pid = 0;
		e->state = LABCTL_DEAD;
	}
}

/* Start e and wait for its --ready-fd line. */
static int
spawn(struct labctl *l, struct entity *e, mars_time_t timeout, char *msg,
    size_t msglen)
{
	struct pollfd pfd;
	mars_time_t until;
	char buf[256];
	int fds[2], rc;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) != 0)
		return say(msg, msglen, "%s: pipe: %s", e->name, strerror(errno));
	(void)unlink(e->admin);
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return say(msg, msglen, "%s: fork: %s", e->name,
		    strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		child(l, e, fds[1]);
	}
	close(fds[1]);
	(void)setpgid(pid, pid);	/* both sides: no race with kill */
	e->pid = pid;
	e->state = LABCTL_RUNNING;
	e->wstatus = -1;
	e->killed = false;
	until = mars_evloop_now() + timeout;
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	for (;;) {
		mars_time_t now = mars_evloop_now();

		if (now >= until) {
			close(fds[0]);
			return say(msg, msglen, "%s: marsd did not start within "
			    "the timeout (log %s)", e->name, e->log);
		}
		rc = poll(&pfd, 1, (int)(until - now));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			continue;
		n = read(fds[0], buf, sizeof(buf) - 1);
		if (n < 0 && errno == EINTR)
			continue;
		close(fds[0]);
		if (n > 0)
			return 0;
		/* closed without a line: it died */
		reap_one(e, true);
		return say(msg, msglen, "%s: marsd exited at start (log %s)",
		    e->name, e->log);
	}
}

static void
kill_all(struct labctl *l)
{
	mars_time_t until;
	size_t i;
	bool left;

	for (i = 0; i < l->n; i++)
		if (l->e[i].pid > 0) {
			l->e[i].killed = true;
			kill(l->e[i].pid, SIGCONT);
			kill(l->e[i].pid, SIGTERM);
		}
	until = mars_evloop_now() + GRACE_MS;
	do {
		left = false;
		for (i = 0; i < l->n; i++) {
			reap_one(&l->e[i], false);
			if (l->e[i].pid > 0)
				left = true;
		}
		if (left) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	} while (left && mars_evloop_now() < until);
	for (i = 0; i < l->n; i++)
		if (l->e[i].pid > 0) {
			kill(l->e[i].pid, SIGKILL);
			reap_one(&l->e[i], true);
		}
}

static void
free_lab(struct labctl *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		(void)unlink(l->e[i].admin);
		(void)unlink(l->e[i].log);
	}
	if (l->dir[0] != '\0')
		(void)rmdir(l->dir);
	free(l->cc);
	free(l);
}

int
labctl_up(struct labctl **lp, const char *conf_path, const char *marsd,
    mars_time_t timeout, char *msg, size_t msglen)
{
	struct labctl *l;
	struct mars_err e;
	const char *tmp = getenv("TMPDIR");
	size_t i;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return say(msg, msglen, "out of memory");
	if (mars_config_load_new(&l->cc, conf_path, &e, msg, msglen) != 0) {
		free(l);
		return -1;
	}
	if (realpath(conf_path, l->conf) == NULL)
		snprintf(l->conf, sizeof(l->conf), "%s", conf_path);
	snprintf(l->marsd, sizeof(l->marsd), "%s", marsd);
	snprintf(l->dir, sizeof(l->dir), "%s/marsctl-lab.XXXXXX",
	    tmp != NULL && tmp[0] == '/' && strlen(tmp) < 60 ? tmp : "/tmp");
	if (mkdtemp(l->dir) == NULL) {
		say(msg, msglen, "%s: %s", l->dir, strerror(errno));
		l->dir[0] = '\0';
		free_lab(l);
		return -1;
	}
	for (i = 0; i < l->cc->n_mars; i++) {
		struct entity *en = &l->e[l->n++];

		char dir[sizeof(l->dir)], name[MARS_CONF_NAME_MAX];

		memcpy(dir, l->dir, sizeof(dir));
		snprintf(name, sizeof(name), "%s", l->cc->mars[i].name);
		memcpy(en->name, name, sizeof(name));
		snprintf(en->admin, sizeof(en->admin), "%s/%s.sock", dir, name);
		snprintf(en->log, sizeof(en->log), "%s/%s.log", dir, name);
		en->wstatus = -1;
	}
	for (i = 0; i < l->n; i++)
		if (spawn(l, &l->e[i], timeout, msg, msglen) != 0) {
			kill_all(l);
			free_lab(l);
			return -1;
		}
	*lp = l;
	return 0;
}

void
labctl_down(struct labctl *l)
{
	if (l == NULL)
		return;
	kill_all(l);
	free_lab(l);
}

int
labctl_find(const struct labctl *l, const char *name)
{
	size_t i;

	for (i = 0; l != NULL && i < l->n; i++)
		if (strcmp(l->e[i].name, name) == 0)
			return (int)i;
	return -1;
}

static struct entity *
running(struct labctl *l, const char *name, char *msg, size_t msglen)
{
	int i = labctl_find(l, name);

	if (i < 0) {
		say(msg, msglen, "no entity %s in the lab (%s)", name, l->conf);
		return NULL;
	}
	reap_one(&l->e[i], false);
	if (l->e[i].pid <= 0) {
		say(msg, msglen, "%s is not running", name);
		return NULL;
	}
	return &l->e[i];
}

int
labctl_kill(struct labctl *l, const char *name, char *msg, size_t msglen)
{
	struct entity *e;

	if ((e = running(l, name, msg, msglen)) == NULL)
		return -1;
	e->killed = true;
	kill(e->pid, SIGKILL);
	reap_one(e, true);
	return 0;
}

int
labctl_hang(struct labctl *l, const char *name, char *msg, size_t msglen)
{
	struct entity *e;

	if ((e = running(l, name, msg, msglen)) == NULL)
		return -1;
	if (e->state == LABCTL_HUNG)
		return say(msg, msglen, "%s is already hung", name);
	if (kill(e->pid, SIGSTOP) != 0)
		return say(msg, msglen, "%s: %s", name, strerror(errno));
	e->state = LABCTL_HUNG;
	return 0;
}

int
labctl_resume(struct labctl *l, const char *name, char *msg, size_t msglen)
{
	struct entity *e;

	if ((e = running(l, name, msg, msglen)) == NULL)
		return -1;
	if (e->state != LABCTL_HUNG)
		return say(msg, msglen, "%s is not hung", name);
	if (kill(e->pid, SIGCONT) != 0)
		return say(msg, msglen, "%s: %s", name, strerror(errno));
	e->state = LABCTL_RUNNING;
	return 0;
}

int
labctl_restart(struct labctl *l, const char *name, mars_time_t timeout,
    char *msg, size_t msglen)
{
	int i = labctl_find(l, name);
	struct entity *e;

	if (i < 0)
		return say(msg, msglen, "no entity %s in the lab (%s)", name,
		    l->conf);
	e = &l->e[i];
	reap_one(e, false);
	if (e->pid > 0) {
		e->killed = true;
		kill(e->pid, SIGKILL);
		reap_one(e, true);
	}
	return spawn(l, e, timeout, msg, msglen);
}

size_t
labctl_reap(struct labctl *l, void (*fn)(void *, const struct labctl_info *),
    void *arg)
{
	struct labctl_info info;
	size_t i, n = 0;
	bool was_killed;

	for (i = 0; l != NULL && i < l->n; i++) {
		if (l->e[i].pid <= 0)
			continue;
		was_killed = l->e[i].killed;
		reap_one(&l->e[i], false);
		if (l->e[i].pid > 0)
			continue;
		n++;
		if (!was_killed && fn != NULL && labctl_info(l, i, &info))
			fn(arg, &info);
	}
	return n;
}

size_t
labctl_count(const struct labctl *l)
{
	return l != NULL ? l->n : 0;
}

bool
labctl_info(const struct labctl *l, size_t i, struct labctl_info *info)
{
	const struct entity *e;
	const struct mars_entity_conf *ec;

	if (l == NULL || i >= l->n)
		return false;
	e = &l->e[i];
	memset(info, 0, sizeof(*info));
	info->name = e->name;
	info->pid = e->pid;
	info->state = e->state;
	info->wstatus = e->wstatus;
	info->admin = e->admin;
	info->log = e->log;
	if ((ec = mars_config_find_mars(l->cc, e->name)) != NULL)
		mars_endpoint_format(&ec->endpoint, info->endpoint,
		    sizeof(info->endpoint));
	return true;
}

const struct mars_cluster_conf *
labctl_cluster(const struct labctl *l)
{
	return l->cc;
}

const char *
labctl_conf_path(const struct labctl *l)
{
	return l->conf;
}
