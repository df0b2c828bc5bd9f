/*
 * lab up CLUSTERFILE, lab down, lab kill|hang|resume|restart NAME, lab
 * status: a cluster of marsd on this host for drills, run by the process
 * controller of labctl.h.  Once the lab is up its cluster file is the
 * one loaded: `connect NAME` reaches an entity as a member and through
 * the admin socket the lab gave it.  An entity that dies on its own is
 * reported as it happens.
 */
#include <sys/wait.h>

#include <limits.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labctl.h"
#include "marsctl.h"

#define LAB_START_TIMEOUT	10000
#define LAB_FORM_TIMEOUT	10000	/* plus a dead interval */

struct lab {
	struct labctl	*ctl;
	bool		 sigchld;
	/* lab up waits for the Living Group: who sees everyone aligned */
	bool		 ready[MARS_CONF_MARS_MAX];
	size_t		 pending;	/* admin answers awaited */
	mars_timer_id	 poll;
};

static const char *
state_name(const struct labctl_info *in)
{
	switch (in->state) {
	case LABCTL_RUNNING:
		return "running";
	case LABCTL_HUNG:
		return "hung";
	default:
		return "dead";
	}
}

/* "exited 1", "killed by signal 9", or NULL while it runs. */
static const char *
how_ended(const struct labctl_info *in, char *buf, size_t len)
{
	if (in->state != LABCTL_DEAD)
		return NULL;
	if (in->wstatus < 0)
		snprintf(buf, len, "gone");
	else if (WIFEXITED(in->wstatus))
		snprintf(buf, len, "exited %d", WEXITSTATUS(in->wstatus));
	else if (WIFSIGNALED(in->wstatus))
		snprintf(buf, len, "killed by signal %d",
		    WTERMSIG(in->wstatus));
	else
		snprintf(buf, len, "ended");
	return buf;
}

static void
died(void *arg, const struct labctl_info *in)
{
	struct ctl *c = arg;
	char how[64];

	if (c->json) {
		out_json_begin(c, "lab_event");
		out_json_str(c, "name", in->name);
		out_json_str(c, "event", "died");
		out_json_str(c, "how", how_ended(in, how, sizeof(how)));
		out_json_end(c);
	} else
		out_line(c, "lab: %s %s (log %s)", in->name,
		    how_ended(in, how, sizeof(how)), in->log);
}

static void
sigchld_cb(struct mars_evloop *loop, int signo, void *arg)
{
	struct ctl *c = arg;

	if (c->lab != NULL && c->lab->ctl != NULL)
		labctl_reap(c->lab->ctl, died, c);
	else
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	out_flush(c);
}

/* marsd: $MARSD, else beside marsctl, else from PATH. */
static void
find_marsd(char *buf, size_t len)
{
	char self[PATH_MAX], *slash;
	const char *env = getenv("MARSD");
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
	snprintf(buf, len, "marsd");
}

static void
print_status(struct ctl *c)
{
	struct labctl_info in;
	char how[64];
	size_t i;

	if (c->json) {
		for (i = 0; labctl_info(c->lab->ctl, i, &in); i++) {
			out_json_begin(c, "lab");
			out_json_str(c, "name", in.name);
			if (in.pid > 0)
				out_json_num(c, "pid", (uint64_t)in.pid);
			else
				out_json_raw(c, "pid", NULL);
			out_json_str(c, "state", state_name(&in));
			out_json_str(c, "how", how_ended(&in, how, sizeof(how)));
			out_json_str(c, "endpoint", in.endpoint);
			out_json_str(c, "admin", in.admin);
			out_json_str(c, "log", in.log);
			out_json_end(c);
		}
		return;
	}
	out_line(c, "%-12s %-8s %-8s %-24s %s", "NAME", "PID", "STATE",
	    "ENDPOINT", "ADMIN");
	for (i = 0; labctl_info(c->lab->ctl, i, &in); i++) {
		char pid[16];

		snprintf(pid, sizeof(pid), "%ld", (long)in.pid);
		out_line(c, "%-12s %-8s %-8s %-24s %s%s%s%s", in.name,
		    in.pid > 0 ? pid : "-", state_name(&in), in.endpoint,
		    in.admin, in.state == LABCTL_DEAD ? " (" : "",
		    in.state == LABCTL_DEAD ? how_ended(&in, how, sizeof(how)) :
		    "", in.state == LABCTL_DEAD ? ")" : "");
	}
}

static void
said(struct ctl *c, const char *name, const char *what)
{
	struct labctl_info in;
	int i = labctl_find(c->lab->ctl, name);

	if (i < 0 || !labctl_info(c->lab->ctl, (size_t)i, &in))
		return;
	if (c->json) {
		out_json_begin(c, "lab_event");
		out_json_str(c, "name", name);
		out_json_str(c, "event", what);
		out_json_raw(c, "how", NULL);
		out_json_end(c);
	} else if (in.pid > 0)
		out_line(c, "lab: %s %s (pid %ld)", name, what, (long)in.pid);
	else
		out_line(c, "lab: %s %s", name, what);
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
	size_t i = (size_t)(uintptr_t)arg, n = labctl_count(l->ctl), alive = 0,
	    aligned = 0;
	const char *p;

	for (p = text; status == 0 && (p = strstr(p, " alive=yes")) != NULL;
	    p++)
		alive++;
	for (p = text; status == 0 && (p = strstr(p, " aligned=yes")) != NULL;
	    p++)
		aligned++;
	if (alive == n && aligned == n && strstr(text, "role=active") != NULL)
		l->ready[i] = true;
	if (--l->pending > 0)
		return;
	for (i = 0; i < n; i++)
		if (!l->ready[i])
			break;
	if (i == n) {
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
	struct labctl_info in;
	size_t i;

	l->poll = 0;
	for (i = 0; labctl_info(l->ctl, i, &in); i++)
		if (!l->ready[i]) {
			l->pending++;
			admin_request(c, in.admin, "show living-group", living_cb,
			    (void *)(uintptr_t)i);
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
	char marsd[PATH_MAX], msg[MARS_CONF_MSG_MAX];
	struct labctl *lc;

	if (c->lab != NULL && c->lab->ctl != NULL) {
		out_error(c, file, "a lab is up already (%s): lab down first",
		    labctl_conf_path(c->lab->ctl));
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
	find_marsd(marsd, sizeof(marsd));
	if (labctl_up(&lc, file, marsd, LAB_START_TIMEOUT, msg,
	    sizeof(msg)) != 0) {
		out_error(c, file, "%s", msg);
		return EXIT_FAIL;
	}
	c->lab->ctl = lc;
	/* the lab's cluster is the one names come from */
	if (ctl_load_cluster(c, file, msg, sizeof(msg)) != 0)
		out_warn(c, "%s", msg);
	if (labctl_count(lc) < 2) {
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

int
cmd_lab(struct ctl *c, const struct cmdtab_result *r)
{
	const char *name = cmdtab_arg(r, 0);
	char msg[MARS_CONF_MSG_MAX];
	int rc = 0;

	if (r->action == A_LAB_UP)
		return lab_up(c, name);
	if (c->lab == NULL || c->lab->ctl == NULL) {
		out_error(c, NULL, "no lab is up (lab up CLUSTERFILE)");
		return EXIT_FAIL;
	}
	switch (r->action) {
	case A_LAB_DOWN:
		labctl_down(c->lab->ctl);
		c->lab->ctl = NULL;
		if (c->json) {
			out_json_begin(c, "lab_event");
			out_json_raw(c, "name", NULL);
			out_json_str(c, "event", "down");
			out_json_raw(c, "how", NULL);
			out_json_end(c);
		} else
			out_line(c, "lab: down");
		return 0;
	case A_LAB_STATUS:
		labctl_reap(c->lab->ctl, NULL, NULL);
		print_status(c);
		return 0;
	case A_LAB_KILL:
		if ((rc = labctl_kill(c->lab->ctl, name, msg, sizeof(msg))) == 0)
			said(c, name, "killed");
		break;
	case A_LAB_HANG:
		if ((rc = labctl_hang(c->lab->ctl, name, msg, sizeof(msg))) == 0)
			said(c, name, "hung");
		break;
	case A_LAB_RESUME:
		if ((rc = labctl_resume(c->lab->ctl, name, msg,
		    sizeof(msg))) == 0)
			said(c, name, "resumed");
		break;
	case A_LAB_RESTART:
		if ((rc = labctl_restart(c->lab->ctl, name, LAB_START_TIMEOUT,
		    msg, sizeof(msg))) == 0)
			said(c, name, "restarted");
		break;
	default:
		return EXIT_USAGE;
	}
	if (rc != 0) {
		out_error(c, name, "%s", msg);
		return EXIT_FAIL;
	}
	return 0;
}

void
lab_shutdown(struct ctl *c)
{
	if (c->lab == NULL)
		return;
	labctl_down(c->lab->ctl);
	c->lab->ctl = NULL;
	free(c->lab);
	c->lab = NULL;
}

const char *
lab_admin_path(struct ctl *c, const char *name)
{
	struct labctl_info in;
	int i;

	if (c->lab == NULL || c->lab->ctl == NULL ||
	    (i = labctl_find(c->lab->ctl, name)) < 0 ||
	    !labctl_info(c->lab->ctl, (size_t)i, &in))
		return NULL;
	return in.admin;
}

size_t
lab_complete(struct ctl *c, const char *prefix, cmdtab_add_fn add, void *actx)
{
	struct labctl_info in;
	size_t i, n = 0;

	if (c->lab == NULL || c->lab->ctl == NULL)
		return 0;
	for (i = 0; labctl_info(c->lab->ctl, i, &in); i++)
		if (strncmp(in.name, prefix, strlen(prefix)) == 0) {
			add(actx, in.name);
			n++;
		}
	return n;
}
