/*
 * lab up CLUSTERFILE, lab down, lab kill|hang|resume|restart NAME, lab
 * status: a cluster of marsd on this host for drills, one process per
 * entity under the lab layer's controller (lab.h), each with its admin
 * socket and log in a private directory, in a process group of its own
 * (the operator's Ctrl-C reaches marsctl only) and killed with marsctl
 * should it die.  Once the lab is up its cluster file is the one
 * loaded: `connect NAME` reaches an entity as a member and through the
 * admin socket the lab gave it.  An entity that dies on its own is
 * reported as it happens.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/lab.h"

#include "marsctl.h"

#define LAB_START_TIMEOUT	10000
#define LAB_FORM_TIMEOUT	10000	/* plus a dead interval */
#define LAB_GRACE		2000	/* SIGTERM, then SIGKILL */

struct entity {
	struct mars_lab_daemon	*d;
	char		 name[MARS_CONF_NAME_MAX];
	char		 endpoint[MARS_ENDPOINT_TEXT_MAX];
	char		 log[MARS_CONF_PATH_MAX];
	pid_t		 watched;	/* running as far as we know; 0 once
					   we ended it or saw it end */
};

struct lab {
	bool		 up;
	char		 dir[128];
	char		 conf[MARS_CONF_PATH_MAX];
	struct entity	 e[MARS_CONF_MARS_MAX];
	size_t		 n;
	bool		 sigchld;
	/* lab up waits for the Living Group: who sees everyone aligned */
	bool		 ready[MARS_CONF_MARS_MAX];
	size_t		 pending;	/* admin answers awaited */
	mars_timer_id	 poll;
};

static struct entity *
find(struct lab *l, const char *name)
{
	size_t i;

	for (i = 0; l != NULL && i < l->n; i++)
		if (strcmp(l->e[i].name, name) == 0)
			return &l->e[i];
	return NULL;
}

static const char *
state_name(struct entity *e)
{
	if (!mars_lab_daemon_running(e->d))
		return "dead";
	return mars_lab_daemon_paused(e->d) ? "hung" : "running";
}

/* "exited 1", "killed by signal 9", or NULL while it runs. */
static const char *
how_ended(struct entity *e, char *buf, size_t len)
{
	int st = mars_lab_daemon_status(e->d);

	if (mars_lab_daemon_running(e->d))
		return NULL;
	if (st < 0)
		snprintf(buf, len, "gone");
	else if (WIFEXITED(st))
		snprintf(buf, len, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, len, "ended");
	return buf;
}

/* What happened to an entity: "lab: m1 killed (pid 42)", or JSON. */
static void
said(struct ctl *c, struct entity *e, const char *what, const char *how)
{
	pid_t pid = mars_lab_daemon_pid(e->d);

	if (c->json) {
		out_json_begin(c, "lab_event");
		out_json_str(c, "name", e->name);
		out_json_str(c, "event", what);
		out_json_str(c, "how", how);
		out_json_end(c);
	} else if (how != NULL)
		out_line(c, "lab: %s %s (log %s)", e->name, how, e->log);
	else if (pid > 0)
		out_line(c, "lab: %s %s (pid %ld)", e->name, what, (long)pid);
	else
		out_line(c, "lab: %s %s", e->name, what);
}

/* SIGCHLD: an entity that died without our doing is reported. */
static void
sigchld_cb(struct mars_evloop *loop, int signo, void *arg)
{
	struct ctl *c = arg;
	struct lab *l = c->lab;
	char how[64];
	size_t i;

	if (l == NULL || !l->up) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		return;
	}
	for (i = 0; i < l->n; i++)
		if (l->e[i].watched != 0 &&
		    !mars_lab_daemon_running(l->e[i].d)) {
			l->e[i].watched = 0;
			said(c, &l->e[i], "died", how_ended(&l->e[i], how,
			    sizeof(how)));
		}
	out_flush(c);
}

/* marsd: $MARSD, else beside marsctl, else the first in PATH. */
static void
find_marsd(char *buf, size_t len)
{
	char self[PATH_MAX], *slash, path[PATH_MAX];
	const char *env = getenv("MARSD"), *p = getenv("PATH"), *colon;
	ssize_t n;

	if (env != NULL && env[0] != '\0') {
		snprintf(buf, len, "%s", env);
		return;
	}
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			snprintf(slash + 1, sizeof(self) - (size_t)(slash + 1 -
			    self), "marsd");
			if (access(self, X_OK) == 0) {
				snprintf(buf, len, "%s", self);
				return;
			}
		}
	}
	for (; p != NULL && *p != '\0'; p = *colon ? colon + 1 : colon) {
		colon = p + strcspn(p, ":");
		snprintf(path, sizeof(path), "%.*s/marsd", (int)(colon - p), p);
		if (colon > p && access(path, X_OK) == 0) {
			snprintf(buf, len, "%s", path);
			return;
		}
	}
	snprintf(buf, len, "marsd");	/* exec fails: "exited 127" */
}

static void
print_status(struct ctl *c)
{
	struct lab *l = c->lab;
	struct entity *e;
	char how[64], pid[16];
	const char *ended;
	size_t i;

	if (!c->json)
		out_line(c, "%-12s %-8s %-8s %-24s %s", "NAME", "PID", "STATE",
		    "ENDPOINT", "ADMIN");
	for (i = 0; i < l->n; i++) {
		e = &l->e[i];
		ended = how_ended(e, how, sizeof(how));
		snprintf(pid, sizeof(pid), "%ld", (long)mars_lab_daemon_pid(e->d));
		if (c->json) {
			out_json_begin(c, "lab");
			out_json_str(c, "name", e->name);
			out_json_raw(c, "pid", ended == NULL ? pid : NULL);
			out_json_str(c, "state", state_name(e));
			out_json_str(c, "how", ended);
			out_json_str(c, "endpoint", e->endpoint);
			out_json_str(c, "admin", mars_lab_daemon_admin(e->d));
			out_json_str(c, "log", e->log);
			out_json_end(c);
			continue;
		}
		out_line(c, "%-12s %-8s %-8s %-24s %s%s%s%s", e->name,
		    ended == NULL ? pid : "-", state_name(e), e->endpoint,
		    mars_lab_daemon_admin(e->d), ended != NULL ? " (" : "",
		    ended != NULL ? ended : "", ended != NULL ? ")" : "");
	}
}

/* Every entity stopped (SIGTERM, then SIGKILL), its files removed. */
static void
lab_stop(struct lab *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		l->e[i].watched = 0;
		if (mars_lab_daemon_running(l->e[i].d))
			(void)mars_lab_daemon_terminate(l->e[i].d, LAB_GRACE,
			    NULL);
		mars_lab_daemon_free(l->e[i].d);
		(void)unlink(l->e[i].log);
	}
	if (l->dir[0] != '\0')
		(void)rmdir(l->dir);
	l->n = 0;
	l->dir[0] = '\0';
	l->up = false;
}

/* Why an entity is not up: what the controller said, and its log. */
static void
not_started(struct entity *e, const struct mars_err *err, char *msg,
    size_t len)
{
	if (err->code == MARS_E_SYS && err->sys_errno == ETIMEDOUT)
		snprintf(msg, len, "%s: marsd did not start within the "
		    "timeout (log %s)", e->name, e->log);
	else if (err->code == MARS_E_SYS && err->sys_errno == ECHILD)
		snprintf(msg, len, "%s: marsd exited at start (log %s)",
		    e->name, e->log);
	else
		mars_err_format(err, msg, len);
}

/* Start and wait for every entity of the file; 0, or -1 with msg. */
static int
lab_start(struct lab *l, const char *file, char *msg, size_t len)
{
	static const char *const args[] = { "-v", NULL };
	struct mars_cluster_conf *cc;
	struct mars_lab_daemon_conf dc;
	char marsd[PATH_MAX], admin[MARS_CONF_PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	struct mars_err err;
	struct entity *e;
	bool failed = false;
	size_t i;

	memset(&err, 0, sizeof(err));
	if (mars_config_load_new(&cc, file, &err, msg, len) != 0)
		return -1;
	if (realpath(file, l->conf) == NULL)
		snprintf(l->conf, sizeof(l->conf), "%s", file);
	snprintf(l->dir, sizeof(l->dir), "%s/marsctl-lab.XXXXXX",
	    tmp != NULL && tmp[0] == '/' && strlen(tmp) < 60 ? tmp : "/tmp");
	if (mkdtemp(l->dir) == NULL) {
		snprintf(msg, len, "%s: %s", l->dir, strerror(errno));
		l->dir[0] = '\0';
		free(cc);
		return -1;
	}
	find_marsd(marsd, sizeof(marsd));
	l->up = true;
	/* started side by side, then each waited for */
	for (i = 0; i < cc->n_mars && !failed; i++) {
		e = &l->e[l->n];
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%s", cc->mars[i].name);
		mars_endpoint_format(&cc->mars[i].endpoint, e->endpoint,
		    sizeof(e->endpoint));
		snprintf(admin, sizeof(admin), "%s/%s.sock", l->dir,
		    cc->mars[i].name);
		snprintf(e->log, sizeof(e->log), "%s/%s.log", l->dir,
		    cc->mars[i].name);
		memset(&dc, 0, sizeof(dc));
		dc.marsd = marsd;
		dc.cluster_path = l->conf;
		dc.name = e->name;
		dc.admin_path = admin;
		dc.log_path = e->log;
		dc.args = args;
		dc.own_group = true;
		if (mars_lab_daemon_new(&e->d, &dc, &err) != 0) {
			mars_err_format(&err, msg, len);
			failed = true;
			break;
		}
		l->n++;
		if (mars_lab_daemon_start(e->d, &err) != 0) {
			not_started(e, &err, msg, len);
			failed = true;
		}
		e->watched = mars_lab_daemon_pid(e->d);
	}
	free(cc);
	for (i = 0; i < l->n && !failed; i++)
		if (mars_lab_daemon_wait_ready(l->e[i].d, LAB_START_TIMEOUT,
		    &err) != 0) {
			not_started(&l->e[i], &err, msg, len);
			failed = true;
		}
	if (failed)
		lab_stop(l);
	return failed ? -1 : 0;
}

/*
 * A redundant lab is up when every entity sees every other alive and
 * aligned (marsd(8) show living-group): only then does a member that
 * registers meet an elected Active.
 */
static void	poll_living(struct ctl *);

static void
poll_cb(struct mars_evloop *loop, void *arg)
{
	poll_living(arg);
}

static void
living_cb(struct ctl *c, void *arg, int status, const char *text, size_t len)
{
	struct lab *l = c->lab;
	size_t i = (size_t)(uintptr_t)arg, alive = 0, aligned = 0;
	const char *p;

	for (p = text; status == 0 && (p = strstr(p, " alive=yes")) != NULL;
	    p++)
		alive++;
	for (p = text; status == 0 && (p = strstr(p, " aligned=yes")) != NULL;
	    p++)
		aligned++;
	if (alive == l->n && aligned == l->n &&
	    strstr(text, "role=active") != NULL)
		l->ready[i] = true;
	if (--l->pending > 0)
		return;
	for (i = 0; i < l->n; i++)
		if (!l->ready[i])
			break;
	if (i == l->n) {
		print_status(c);
		job_end(c, 0);
		return;
	}
	l->poll = mars_evloop_timer_after(c->loop, 100, poll_cb, c);
}

static void
poll_living(struct ctl *c)
{
	struct lab *l = c->lab;
	size_t i;

	l->poll = 0;
	for (i = 0; i < l->n; i++)
		if (!l->ready[i]) {
			l->pending++;
			admin_request(c, mars_lab_daemon_admin(l->e[i].d),
			    "show living-group", living_cb, (void *)(uintptr_t)i);
		}
}

static void
living_stop(struct ctl *c)
{
	admin_cancel(c, living_cb);
	if (c->lab->poll != 0)
		mars_evloop_timer_cancel(c->loop, c->lab->poll);
	c->lab->poll = 0;
	c->lab->pending = 0;
}

static void
living_expire(struct ctl *c)
{
	living_stop(c);
	print_status(c);
	out_error(c, NULL, "the Living Group did not form within the "
	    "timeout (lab status, show living-group)");
	job_end(c, EXIT_FAIL);
}

static void
living_cancel(struct ctl *c)
{
	living_stop(c);
	job_end(c, EXIT_FAIL);
}

static int
lab_up(struct ctl *c, const char *file)
{
	char msg[MARS_CONF_MSG_MAX];

	if (c->lab != NULL && c->lab->up) {
		out_error(c, file, "a lab is up already (%s): lab down first",
		    c->lab->conf);
		return EXIT_FAIL;
	}
	if (c->lab == NULL && (c->lab = calloc(1, sizeof(*c->lab))) == NULL) {
		out_error(c, file, "out of memory");
		return EXIT_FAIL;
	}
	if (!c->lab->sigchld) {
		if (mars_evloop_signal_add(c->loop, SIGCHLD, sigchld_cb, c) != 0) {
			out_error(c, file, "cannot catch SIGCHLD");
			return EXIT_FAIL;
		}
		c->lab->sigchld = true;
	}
	if (lab_start(c->lab, file, msg, sizeof(msg)) != 0) {
		out_error(c, file, "%s", msg);
		return EXIT_FAIL;
	}
	/* the lab's cluster is the one names come from */
	if (ctl_load_cluster(c, file, msg, sizeof(msg)) != 0)
		out_warn(c, "%s", msg);
	if (c->lab->n < 2) {
		print_status(c);
		return 0;
	}
	memset(c->lab->ready, 0, sizeof(c->lab->ready));
	c->lab->pending = 0;
	job_begin(c, LAB_FORM_TIMEOUT + (c->cluster != NULL ?
	    c->cluster->hello_interval * c->cluster->dead_factor : 0),
	    living_expire, living_cancel);
	poll_living(c);
	return CMD_ASYNC;
}

/* kill, hang, resume, restart: 0, or -1 with msg. */
static int
lab_act(struct ctl *c, int action, struct entity *e, char *msg, size_t len)
{
	struct mars_err err;
	bool running = mars_lab_daemon_running(e->d), hang;

	memset(&err, 0, sizeof(err));
	if (action != A_LAB_RESTART && !running) {
		snprintf(msg, len, "%s is not running", e->name);
		return -1;
	}
	switch (action) {
	case A_LAB_KILL:
		e->watched = 0;
		if (mars_lab_daemon_kill(e->d, &err) == 0)
			return 0;
		break;
	case A_LAB_HANG:
	case A_LAB_RESUME:
		hang = action == A_LAB_HANG;
		if (mars_lab_daemon_paused(e->d) == hang) {
			snprintf(msg, len, "%s is %s", e->name, hang ?
			    "already hung" : "not hung");
			return -1;
		}
		if ((hang ? mars_lab_daemon_pause : mars_lab_daemon_resume)(e->d,
		    &err) == 0)
			return 0;
		break;
	case A_LAB_RESTART:
		e->watched = 0;
		if (running)
			(void)mars_lab_daemon_kill(e->d, NULL);
		if (mars_lab_daemon_restart(e->d, LAB_START_TIMEOUT,
		    &err) != 0) {
			not_started(e, &err, msg, len);
			return -1;
		}
		e->watched = mars_lab_daemon_pid(e->d);
		return 0;
	}
	mars_err_format(&err, msg, len);
	return -1;
}

int
cmd_lab(struct ctl *c, const struct cmdtab_result *r)
{
	static const char *const done[] = {
		[A_LAB_KILL] = "killed", [A_LAB_HANG] = "hung",
		[A_LAB_RESUME] = "resumed", [A_LAB_RESTART] = "restarted",
	};
	const char *name = cmdtab_arg(r, 0);
	char msg[MARS_CONF_MSG_MAX];
	struct entity *e;

	if (r->action == A_LAB_UP)
		return lab_up(c, name);
	if (c->lab == NULL || !c->lab->up) {
		out_error(c, NULL, "no lab is up (lab up CLUSTERFILE)");
		return EXIT_FAIL;
	}
	switch (r->action) {
	case A_LAB_DOWN:
		lab_stop(c->lab);
		if (c->json) {
			out_json_begin(c, "lab_event");
			out_json_str(c, "name", NULL);
			out_json_str(c, "event", "down");
			out_json_str(c, "how", NULL);
			out_json_end(c);
		} else
			out_line(c, "lab: down");
		return 0;
	case A_LAB_STATUS:
		print_status(c);
		return 0;
	case A_LAB_KILL:
	case A_LAB_HANG:
	case A_LAB_RESUME:
	case A_LAB_RESTART:
		break;
	default:
		return EXIT_USAGE;
	}
	if ((e = find(c->lab, name)) == NULL) {
		out_error(c, name, "no entity %s in the lab (%s)", name,
		    c->lab->conf);
		return EXIT_FAIL;
	}
	if (lab_act(c, r->action, e, msg, sizeof(msg)) != 0) {
		out_error(c, name, "%s", msg);
		return EXIT_FAIL;
	}
	said(c, e, done[r->action], NULL);
	return 0;
}

void
lab_shutdown(struct ctl *c)
{
	if (c->lab == NULL)
		return;
	if (c->lab->up)
		lab_stop(c->lab);
	free(c->lab);
	c->lab = NULL;
}

const char *
lab_admin_path(struct ctl *c, const char *name)
{
	struct entity *e;

	if (c->lab == NULL || !c->lab->up || (e = find(c->lab, name)) == NULL)
		return NULL;
	return mars_lab_daemon_admin(e->d);
}

size_t
lab_complete(struct ctl *c, const char *prefix, cmdtab_add_fn add, void *actx)
{
	size_t i, n = 0;

	if (c->lab == NULL || !c->lab->up)
		return 0;
	for (i = 0; i < c->lab->n; i++)
		if (strncmp(c->lab->e[i].name, prefix, strlen(prefix)) == 0) {
			add(actx, c->lab->e[i].name);
			n++;
		}
	return n;
}
