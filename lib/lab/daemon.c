/*
 * marsd processes under control (lab.h): start one entity of a cluster
 * file with its own admin socket, wait until it answers, query it, stop,
 * continue, kill and restart it.  Every child is reaped by the calls
 * that end it (or by mars_lab_daemon_running() when it died on its own),
 * and is asked by the kernel to die with its parent (PR_SET_PDEATHSIG):
 * a controller that crashes leaves no marsd behind.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/ctl.h"
#include "mars/lab.h"

#define ARGS_MAX	32
#define READY_QUERY	"show election"
#define READY_POLL_MS	20	/* between two attempts to reach the socket */

struct mars_lab_daemon {
	char		*marsd;
	char		*cluster;
	char		*name;
	char		*admin;
	char		*log;
	char		*args[ARGS_MAX];
	size_t		 nargs;
	pid_t		 pid;
	bool		 paused;
	int		 status;
	bool		 own_group;
};

static int
sys_err(struct mars_err *err, const char *field, int e)
{
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->code = MARS_E_SYS;
		err->field = field;
		err->sys_errno = e;
	}
	return MARS_E_SYS;
}

static char *
dup_or_null(const char *s, bool *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*fail = true;
	return d;
}

int
mars_lab_daemon_new(struct mars_lab_daemon **dp,
    const struct mars_lab_daemon_conf *conf, struct mars_err *err)
{
	struct mars_lab_daemon *d;
	bool fail = false;
	size_t i;

	*dp = NULL;
	if (conf == NULL || conf->marsd == NULL || conf->cluster_path == NULL ||
	    conf->name == NULL || conf->admin_path == NULL)
		return mars_err_set(err, MARS_E_INVAL, "conf",
		    "marsd, cluster_path, name and admin_path are required");
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return mars_err_set(err, MARS_E_NOSPACE, "daemon", "no memory");
	d->status = -1;
	d->own_group = conf->own_group;
	d->marsd = dup_or_null(conf->marsd, &fail);
	d->cluster = dup_or_null(conf->cluster_path, &fail);
	d->name = dup_or_null(conf->name, &fail);
	d->admin = dup_or_null(conf->admin_path, &fail);
	d->log = dup_or_null(conf->log_path, &fail);
	for (i = 0; conf->args != NULL && conf->args[i] != NULL; i++) {
		if (i == ARGS_MAX - 8) {
			mars_lab_daemon_free(d);
			return mars_err_set(err, MARS_E_INVAL, "args",
			    "too many arguments");
		}
		d->args[d->nargs++] = dup_or_null(conf->args[i], &fail);
	}
	if (fail) {
		mars_lab_daemon_free(d);
		return mars_err_set(err, MARS_E_NOSPACE, "daemon", "no memory");
	}
	*dp = d;
	return 0;
}

void
mars_lab_daemon_free(struct mars_lab_daemon *d)
{
	size_t i;

	if (d == NULL)
		return;
	if (d->pid > 0)
		(void)mars_lab_daemon_kill(d, NULL);
	if (d->admin != NULL)
		(void)unlink(d->admin);
	free(d->marsd);
	free(d->cluster);
	free(d->name);
	free(d->admin);
	free(d->log);
	for (i = 0; i < d->nargs; i++)
		free(d->args[i]);
	free(d);
}

/* In the child: a clean process image for marsd, then exec. */
static void __attribute__((noreturn))
child(struct mars_lab_daemon *d, pid_t parent)
{
	char *argv[ARGS_MAX + 8];
	sigset_t none;
	size_t n = 0, i;
	int fd, s;

	/* Die with the controller; it may have died before this call. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(127);
	if (d->own_group)
		(void)setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (d->log == NULL)
			dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (d->log != NULL && (fd = open(d->log, O_WRONLY | O_CREAT |
	    O_APPEND, 0644)) != -1) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	/* The controller's sockets (a member pool's links) stay with it. */
	for (fd = STDERR_FILENO + 1; fd < 1024; fd++)
		close(fd);
	argv[n++] = d->marsd;
	argv[n++] = (char *)"-c";
	argv[n++] = d->cluster;
	argv[n++] = (char *)"-n";
	argv[n++] = d->name;
	argv[n++] = (char *)"--admin";
	argv[n++] = d->admin;
	for (i = 0; i < d->nargs; i++)
		argv[n++] = d->args[i];
	argv[n] = NULL;
	execv(d->marsd, argv);
	_exit(127);
}

int
mars_lab_daemon_start(struct mars_lab_daemon *d, struct mars_err *err)
{
	pid_t pid, parent = getpid();

	if (mars_lab_daemon_running(d))
		return mars_err_set(err, MARS_E_INVAL, d->name,
		    "already running");
	(void)unlink(d->admin);
	if ((pid = fork()) == -1)
		return sys_err(err, "fork", errno);
	if (pid == 0)
		child(d, parent);
	if (d->own_group)
		(void)setpgid(pid, pid);	/* both sides: no race with kill */
	d->pid = pid;
	d->paused = false;
	d->status = -1;
	return 0;
}

bool
mars_lab_daemon_running(struct mars_lab_daemon *d)
{
	pid_t r;
	int st;

	if (d->pid <= 0)
		return false;
	r = waitpid(d->pid, &st, WNOHANG);
	if (r == d->pid || (r == -1 && errno == ECHILD)) {
		d->status = r == d->pid ? st : -1;
		d->pid = 0;
		d->paused = false;
		return false;
	}
	return true;
}

/* Reap, retrying on EINTR; the child has been sent SIGKILL. */
static void
reap(struct mars_lab_daemon *d)
{
	int st = -1;

	while (waitpid(d->pid, &st, 0) == -1 && errno == EINTR)
		;
	d->status = st;
	d->pid = 0;
	d->paused = false;
}

int
mars_lab_daemon_kill(struct mars_lab_daemon *d, struct mars_err *err)
{
	if (!mars_lab_daemon_running(d))
		return mars_err_set(err, MARS_E_INVAL, d->name, "not running");
	if (kill(d->pid, SIGKILL) == -1)
		return sys_err(err, "kill", errno);
	reap(d);
	return 0;
}

int
mars_lab_daemon_terminate(struct mars_lab_daemon *d, mars_time_t timeout_ms,
    struct mars_err *err)
{
	mars_time_t until = mars_evloop_now() + timeout_ms;

	if (!mars_lab_daemon_running(d))
		return mars_err_set(err, MARS_E_INVAL, d->name, "not running");
	(void)kill(d->pid, SIGTERM);
	if (d->paused)
		(void)kill(d->pid, SIGCONT);
	while (mars_lab_daemon_running(d)) {
		if (mars_evloop_now() >= until)
			return mars_lab_daemon_kill(d, err);
		(void)poll(NULL, 0, 10);
	}
	return 0;
}

int
mars_lab_daemon_pause(struct mars_lab_daemon *d, struct mars_err *err)
{
	if (!mars_lab_daemon_running(d))
		return mars_err_set(err, MARS_E_INVAL, d->name, "not running");
	if (kill(d->pid, SIGSTOP) == -1)
		return sys_err(err, "kill", errno);
	d->paused = true;
	return 0;
}

int
mars_lab_daemon_resume(struct mars_lab_daemon *d, struct mars_err *err)
{
	if (!mars_lab_daemon_running(d))
		return mars_err_set(err, MARS_E_INVAL, d->name, "not running");
	if (kill(d->pid, SIGCONT) == -1)
		return sys_err(err, "kill", errno);
	d->paused = false;
	return 0;
}

bool
mars_lab_daemon_paused(const struct mars_lab_daemon *d)
{
	return d->pid > 0 && d->paused;
}

pid_t
mars_lab_daemon_pid(const struct mars_lab_daemon *d)
{
	return d->pid;
}

int
mars_lab_daemon_status(const struct mars_lab_daemon *d)
{
	return d->status;
}

const char *
mars_lab_daemon_name(const struct mars_lab_daemon *d)
{
	return d->name;
}

const char *
mars_lab_daemon_admin(const struct mars_lab_daemon *d)
{
	return d->admin;
}

int
mars_lab_daemon_wait_ready(struct mars_lab_daemon *d, mars_time_t timeout_ms,
    struct mars_err *err)
{
	mars_time_t now = mars_evloop_now(), until = now + timeout_ms;
	char buf[4096];
	int rc;

	for (;;) {
		if (!mars_lab_daemon_running(d))
			return sys_err(err, d->name, ECHILD);
		rc = mars_lab_admin_query(d->admin, READY_QUERY, buf,
		    sizeof(buf), NULL, until - now < 1000 ? until - now : 1000,
		    NULL);
		if (rc == 0 || rc == MARS_E_PARSE)	/* it answered */
			return 0;
		if ((now = mars_evloop_now()) >= until)
			return sys_err(err, d->name, ETIMEDOUT);
		(void)poll(NULL, 0, READY_POLL_MS);
		if ((now = mars_evloop_now()) >= until)
			return sys_err(err, d->name, ETIMEDOUT);
	}
}

int
mars_lab_daemon_restart(struct mars_lab_daemon *d, mars_time_t timeout_ms,
    struct mars_err *err)
{
	int rc;

	if ((rc = mars_lab_daemon_start(d, err)) != 0)
		return rc;
	return mars_lab_daemon_wait_ready(d, timeout_ms, err);
}

int
mars_lab_daemon_query(struct mars_lab_daemon *d, const char *request,
    char *buf, size_t cap, size_t *len, mars_time_t timeout_ms,
    struct mars_err *err)
{
	return mars_lab_admin_query(d->admin, request, buf, cap, len,
	    timeout_ms, err);
}

/* Wait for fd to be ready for events until `until`; 0, or an errno. */
static int
wait_fd(int fd, short events, mars_time_t until)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	mars_time_t now;
	int rc;

	for (;;) {
		if ((now = mars_evloop_now()) >= until)
			return ETIMEDOUT;
		rc = poll(&pfd, 1, (int)(until - now));
		if (rc > 0)
			return 0;
		if (rc == 0)
			return ETIMEDOUT;
		if (errno != EINTR)
			return errno;
	}
}

/* The data lines of one answer (ctl.h framing) into buf. */
static int
read_answer(int fd, char *buf, size_t cap, size_t *outlen, mars_time_t until,
    struct mars_err *err)
{
	char in[8192], *nl;
	const char *text;
	size_t inlen = 0, used = 0, n;
	ssize_t r;
	int e;

	buf[0] = '\0';
	for (;;) {
		while ((nl = memchr(in, '\n', inlen)) != NULL) {
			*nl = '\0';
			switch (mars_ctl_line_kind(in, &text)) {
			case MARS_CTL_LINE_END:
				if (outlen != NULL)
					*outlen = used;
				return 0;
			case MARS_CTL_LINE_ERROR:
				snprintf(buf, cap, "%s", text);
				return mars_err_set(err, MARS_E_PARSE, "answer",
				    "error line");
			case MARS_CTL_LINE_DATA:
				n = strlen(text);
				if (used + n + 2 > cap)
					return mars_err_set(err, MARS_E_NOSPACE,
					    "answer", "larger than the buffer");
				memcpy(buf + used, text, n);
				used += n;
				buf[used++] = '\n';
				buf[used] = '\0';
				break;
			}
			inlen -= (size_t)(nl + 1 - in);
			memmove(in, nl + 1, inlen);
		}
		if (inlen == sizeof(in))
			return mars_err_set(err, MARS_E_NOSPACE, "answer",
			    "a line longer than 8 KB");
		if ((e = wait_fd(fd, POLLIN, until)) != 0)
			return sys_err(err, "admin socket", e);
		r = read(fd, in + inlen, sizeof(in) - inlen);
		if (r == 0)
			return sys_err(err, "admin socket", ECONNRESET);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return sys_err(err, "admin socket", errno);
		}
		inlen += (size_t)r;
	}
}

int
mars_lab_admin_query(const char *path, const char *request, char *buf,
    size_t cap, size_t *len, mars_time_t timeout_ms, struct mars_err *err)
{
	mars_time_t until = mars_evloop_now() + timeout_ms;
	char req[MARS_CTL_REQUEST_MAX];
	size_t n;
	int fd, rc, e;

	if (buf == NULL || cap < 2 || request == NULL)
		return mars_err_set(err, MARS_E_INVAL, "buf", "missing");
	n = (size_t)snprintf(req, sizeof(req), "%s\n", request);
	if (n >= sizeof(req))
		return mars_err_set(err, MARS_E_INVAL, "request", "too long");
	if ((fd = mars_ctl_connect(path, err)) < 0)
		return fd;
	/* A stopped daemon accepts (the kernel does) but never answers. */
	if ((e = wait_fd(fd, POLLOUT, until)) != 0 ||
	    write(fd, req, n) != (ssize_t)n) {
		rc = sys_err(err, "admin socket", e != 0 ? e : errno);
		close(fd);
		return rc;
	}
	rc = read_answer(fd, buf, cap, len, until, err);
	close(fd);
	return rc;
}
