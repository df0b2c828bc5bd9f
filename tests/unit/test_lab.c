/*
 * The lab layer (lab.h): a member pool registering over real UDP with a
 * MARS server machine driven on the same event loop; the marsd process
 * controller on stand-in programs (shell scripts), its reaping, and the
 * admin-socket query against a forked one-answer server.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mars/config.h"
#include "mars/endpoint.h"
#include "mars/evloop.h"
#include "mars/lab.h"
#include "mars/link.h"
#include "mars/server.h"

static char dir[] = "/tmp/test_lab.XXXXXX";

#include "fake_mars.h"

static bool
all_joined(void *arg)
{
	struct mars_lab_pool *p = arg;
	struct mars_lab_member_info mi;
	size_t i;

	for (i = 0; i < mars_lab_pool_size(p); i++) {
		mars_lab_member_get(p, i, &mi);
		if (!mi.registered || mi.njoined != mi.ngroups)
			return false;
	}
	return true;
}

static bool
none_registered(void *arg)
{
	return mars_lab_pool_registered(arg) == 0;
}

struct counter {
	unsigned	 registered[4];
};

static void
count_event(void *ctx, size_t member, const struct mars_event *ev)
{
	struct counter *c = ctx;

	if (ev->kind == MARS_EV_REGISTERED && member < 4)
		c->registered[member]++;
}

static void
test_pool_registers(void **state)
{
	struct mars_evloop *loop;
	struct fake_mars f;
	struct mars_cluster_conf cc;
	struct mars_lab_pool_conf pc;
	struct mars_lab_pool *p;
	struct mars_lab_member_info mi[4];
	struct counter cnt = { { 0 } };
	const uint8_t *g;
	size_t i, j, len;
	bool joined;
	uint8_t grp[4] = { 224, 1, 2, 0 };

	(void)state;
	assert_int_equal(mars_evloop_new(&loop, NULL), 0);
	fm_open(&f, loop, &cc);
	memset(&pc, 0, sizeof(pc));
	pc.cluster = &cc;
	pc.nmembers = 4;
	pc.tag = 0x01020304;
	pc.seed = 7;
	pc.on_event = count_event;
	pc.ctx = &cnt;
	assert_int_equal(mars_lab_pool_new(&p, &pc, loop, NULL), 0);
	assert_int_equal(mars_lab_pool_size(p), 4);
	for (i = 0; i < 4; i++) {
		grp[3] = (uint8_t)(1 + i % 2);
		assert_int_equal(mars_lab_pool_join(p, i, grp, 4), 0);
	}
	/* Nothing before start. */
	assert_int_equal(mars_lab_pool_registered(p), 0);
	assert_int_equal(mars_lab_pool_start(p, NULL), 0);
	assert_true(run_until(loop, all_joined, p));

	for (i = 0; i < 4; i++) {
		assert_int_equal(mars_lab_member_get(p, i, &mi[i]), 0);
		assert_true(mi[i].registered);
		assert_int_equal(mi[i].state, MARS_CLIENT_REGISTERED);
		assert_int_equal(mi[i].mars, 0);
		assert_int_not_equal(mi[i].cmi, 0);
		assert_int_equal(mi[i].first_cmi, mi[i].cmi);
		assert_int_equal(mi[i].registrations, 1);
		assert_int_equal(cnt.registered[i], 1);
		assert_true(mi[i].first_registered > 0);
		assert_int_equal(mi[i].ngroups, 1);
		assert_int_equal(mi[i].njoined, 1);
		/* own address: prefix, tag, index */
		assert_int_equal(mi[i].atm[13], 1);
		assert_int_equal(mi[i].atm[16], 4);
		assert_int_equal(mi[i].atm[18], i);
		assert_true(mars_lab_member_group(p, i, 0, &g, &len, &joined));
		assert_int_equal(len, 4);
		assert_int_equal(g[3], 1 + i % 2);
		assert_true(joined);
		assert_false(mars_lab_member_group(p, i, 1, &g, &len, &joined));
		assert_non_null(mars_lab_member_client(p, i));
		for (j = 0; j < i; j++) {
			assert_int_not_equal(mi[i].cmi, mi[j].cmi);
			assert_int_not_equal(mi[i].port, mi[j].port);
		}
	}
	/* The MARS sees four members, each over its own VC. */
	assert_int_equal(mars_server_member_count(f.srv), 4);
	assert_int_equal(mars_link_peer_count(f.link), 4);

	mars_lab_pool_deregister(p);
	assert_true(run_until(loop, none_registered, p));
	assert_int_equal(mars_server_member_count(f.srv), 0);
	mars_lab_pool_free(p);
	fm_close(&f);
	mars_evloop_free(loop);
}

static void
test_pool_refusals(void **state)
{
	struct mars_evloop *loop;
	struct fake_mars f;
	struct mars_cluster_conf cc;
	struct mars_lab_pool_conf pc;
	struct mars_lab_pool *p;
	struct mars_lab_member_info mi;
	struct mars_err err;
	uint8_t grp[16] = { 224, 1, 1, 1 };
	unsigned k;

	(void)state;
	assert_int_equal(mars_evloop_new(&loop, NULL), 0);
	fm_open(&f, loop, &cc);
	memset(&pc, 0, sizeof(pc));
	assert_int_equal(mars_lab_pool_new(&p, &pc, loop, &err), MARS_E_INVAL);
	assert_null(p);
	pc.cluster = &cc;
	assert_int_equal(mars_lab_pool_new(&p, &pc, loop, &err), MARS_E_INVAL);
	assert_string_equal(err.field, "nmembers");
	pc.nmembers = MARS_LAB_MEMBERS_MAX + 1;
	assert_int_equal(mars_lab_pool_new(&p, &pc, loop, &err), MARS_E_INVAL);
	pc.nmembers = 1;
	assert_int_equal(mars_lab_pool_new(&p, &pc, NULL, &err), MARS_E_INVAL);
	cc.mars[0].endpoint.kind = MARS_ENDPOINT_ATMPVC;
	assert_int_equal(mars_lab_pool_new(&p, &pc, loop, &err), MARS_E_INVAL);
	cc.mars[0].endpoint.kind = MARS_ENDPOINT_UDP;

	assert_int_equal(mars_lab_pool_new(&p, &pc, loop, &err), 0);
	assert_int_equal(mars_lab_member_get(p, 1, &mi), MARS_E_INVAL);
	assert_int_equal(mars_lab_pool_join(p, 1, grp, 4), MARS_E_INVAL);
	assert_int_equal(mars_lab_pool_join(p, 0, grp, 16), MARS_E_INVAL);
	for (k = 0; k < MARS_LAB_GROUPS_MAX; k++) {
		grp[3] = (uint8_t)k;
		assert_int_equal(mars_lab_pool_join(p, 0, grp, 4), 0);
	}
	grp[3] = 0xff;
	assert_int_equal(mars_lab_pool_join(p, 0, grp, 4), MARS_E_NOSPACE);
	assert_int_equal(mars_lab_member_get(p, 0, &mi), 0);
	assert_false(mi.registered);
	assert_int_equal(mi.mars, -1);
	assert_int_equal(mi.ngroups, MARS_LAB_GROUPS_MAX);
	assert_int_equal(mi.njoined, 0);
	assert_null(mars_lab_member_client(p, 1));
	assert_int_equal(mars_lab_pool_start(p, NULL), 0);
	assert_int_not_equal(mars_lab_pool_start(p, &err), 0);
	/* Freed while registering: nothing left on the loop. */
	mars_lab_pool_free(p);
	assert_int_equal(mars_evloop_run_once(loop, 0, NULL) >= 0, 1);
	fm_close(&f);
	mars_evloop_free(loop);
}

/* ---- the process controller ---- */

/* A stand-in for marsd: a shell script with this body. */
static const char *
script(const char *name, const char *body)
{
	static char path[4][256];
	static int n;
	char *p = path[n++ % 4];
	FILE *f;

	snprintf(p, 256, "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	assert_int_equal(chmod(p, 0755), 0);
	return p;
}

static pid_t	serve_once(const char *, const char *);

static struct mars_lab_daemon *
daemon_of(const char *prog)
{
	struct mars_lab_daemon_conf c;
	struct mars_lab_daemon *d;
	char admin[256];

	snprintf(admin, sizeof(admin), "%s/admin.sock", dir);
	memset(&c, 0, sizeof(c));
	c.marsd = prog;
	c.cluster_path = "c.conf";
	c.name = "m1";
	c.admin_path = admin;
	assert_int_equal(mars_lab_daemon_new(&d, &c, NULL), 0);
	return d;
}

/* The state letter of /proc/PID/stat; 0 when the process is gone. */
static char
proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] == '\0')
		return 0;
	return p[2];
}

/* Until the state of pid is want (0: gone or a zombie), 5 s at most. */
static bool
wait_state(pid_t pid, char want)
{
	int i;
	char s;

	for (i = 0; i < 500; i++) {
		s = proc_state(pid);
		if (want == 0 ? (s == 0 || s == 'Z') : s == want)
			return true;
		poll(NULL, 0, 10);
	}
	return false;
}

static void
test_daemon_lifecycle(void **state)
{
	struct mars_lab_daemon *d;
	struct mars_lab_daemon_conf c;
	struct mars_err err;
	pid_t pid;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(mars_lab_daemon_new(&d, &c, &err), MARS_E_INVAL);
	assert_null(d);

	d = daemon_of(script("sleeper", "exec sleep 30"));
	assert_false(mars_lab_daemon_running(d));
	assert_int_equal(mars_lab_daemon_pid(d), 0);
	assert_int_equal(mars_lab_daemon_status(d), -1);
	assert_string_equal(mars_lab_daemon_name(d), "m1");
	assert_int_equal(mars_lab_daemon_kill(d, &err), MARS_E_INVAL);
	assert_int_equal(mars_lab_daemon_pause(d, &err), MARS_E_INVAL);

	assert_int_equal(mars_lab_daemon_start(d, &err), 0);
	pid = mars_lab_daemon_pid(d);
	assert_true(pid > 0);
	assert_true(mars_lab_daemon_running(d));
	assert_int_equal(mars_lab_daemon_start(d, &err), MARS_E_INVAL);

	/* No admin socket: a bounded wait that says so. */
	assert_int_equal(mars_lab_daemon_wait_ready(d, 200, &err), MARS_E_SYS);
	assert_int_equal(err.sys_errno, ETIMEDOUT);

	assert_int_equal(mars_lab_daemon_pause(d, &err), 0);
	assert_true(mars_lab_daemon_paused(d));
	assert_true(wait_state(pid, 'T'));
	assert_int_equal(mars_lab_daemon_resume(d, &err), 0);
	assert_false(mars_lab_daemon_paused(d));
	assert_true(wait_state(pid, 'S'));

	/* kill -9 of a stopped process, reaped at once. */
	assert_int_equal(mars_lab_daemon_pause(d, &err), 0);
	assert_int_equal(mars_lab_daemon_kill(d, &err), 0);
	assert_false(mars_lab_daemon_running(d));
	assert_int_equal(mars_lab_daemon_pid(d), 0);
	assert_true(WIFSIGNALED(mars_lab_daemon_status(d)));
	assert_int_equal(WTERMSIG(mars_lab_daemon_status(d)), SIGKILL);
	assert_int_equal(proc_state(pid), 0);

	/* Started again, asked to terminate. */
	assert_int_equal(mars_lab_daemon_start(d, &err), 0);
	pid = mars_lab_daemon_pid(d);
	assert_int_equal(mars_lab_daemon_terminate(d, 2000, &err), 0);
	assert_true(WIFSIGNALED(mars_lab_daemon_status(d)));
	assert_int_equal(WTERMSIG(mars_lab_daemon_status(d)), SIGTERM);
	assert_int_equal(proc_state(pid), 0);

	/* Freed while running: killed and reaped. */
	assert_int_equal(mars_lab_daemon_start(d, &err), 0);
	pid = mars_lab_daemon_pid(d);
	mars_lab_daemon_free(d);
	assert_int_equal(proc_state(pid), 0);
}

static void
test_daemon_exits(void **state)
{
	struct mars_lab_daemon *d;
	struct mars_err err;

	(void)state;
	/* A program that exits at once (a marsd refusing its config). */
	d = daemon_of(script("quitter", "exit 3"));
	assert_int_equal(mars_lab_daemon_restart(d, 5000, &err), MARS_E_SYS);
	assert_int_equal(err.sys_errno, ECHILD);
	assert_false(mars_lab_daemon_running(d));
	assert_true(WIFEXITED(mars_lab_daemon_status(d)));
	assert_int_equal(WEXITSTATUS(mars_lab_daemon_status(d)), 3);
	mars_lab_daemon_free(d);

	/* A program that cannot be executed. */
	d = daemon_of("/nonexistent/marsd");
	assert_int_equal(mars_lab_daemon_restart(d, 5000, &err), MARS_E_SYS);
	assert_int_equal(err.sys_errno, ECHILD);
	assert_int_equal(WEXITSTATUS(mars_lab_daemon_status(d)), 127);
	mars_lab_daemon_free(d);
}

/*
 * Ready once the socket answers, with an error too (a lone marsd has no
 * election); in a process group of its own when asked.
 */
static void
test_daemon_ready_on_error(void **state)
{
	struct mars_lab_daemon_conf c;
	struct mars_lab_daemon *d;
	struct mars_err err;
	char admin[256];
	pid_t srv, pid;
	int st;

	(void)state;
	snprintf(admin, sizeof(admin), "%s/lone.sock", dir);
	memset(&c, 0, sizeof(c));
	c.marsd = script("lone", "exec sleep 30");
	c.cluster_path = "c.conf";
	c.name = "m1";
	c.admin_path = admin;
	c.own_group = true;
	assert_int_equal(mars_lab_daemon_new(&d, &c, NULL), 0);
	assert_int_equal(mars_lab_daemon_start(d, &err), 0);
	pid = mars_lab_daemon_pid(d);
	assert_int_equal(getpgid(pid), pid);
	srv = serve_once(admin, ".error not a redundant MARS\n");
	assert_int_equal(mars_lab_daemon_wait_ready(d, 5000, &err), 0);
	waitpid(srv, &st, 0);
	mars_lab_daemon_free(d);
	assert_true(wait_state(pid, 0));
}

/* The controller's process dies without cleaning up: so does marsd. */
static void
test_daemon_dies_with_parent(void **state)
{
	struct mars_lab_daemon *d;
	int fds[2], st;
	pid_t mid, pid = 0;
	const char *prog = script("orphan", "exec sleep 30");

	(void)state;
	assert_int_equal(pipe(fds), 0);
	if ((mid = fork()) == 0) {
		close(fds[0]);
		d = daemon_of(prog);
		if (mars_lab_daemon_start(d, NULL) != 0)
			_exit(1);
		pid = mars_lab_daemon_pid(d);
		if (write(fds[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(1);
		_exit(0);	/* no free, no kill */
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &pid, sizeof(pid)), sizeof(pid));
	close(fds[0]);
	assert_int_equal(waitpid(mid, &st, 0), mid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(wait_state(pid, 0));
}

/* A one-answer admin server in a child: reads a line, writes answer. */
static pid_t
serve_once(const char *path, const char *answer)
{
	struct sockaddr_un sa;
	char line[256];
	pid_t pid;
	int s, c;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 4), 0);
	if ((pid = fork()) == 0) {
		if ((c = accept(s, NULL, NULL)) < 0)
			_exit(1);
		if (read(c, line, sizeof(line)) <= 0)
			_exit(1);
		if (answer != NULL &&
		    write(c, answer, strlen(answer)) != (ssize_t)strlen(answer))
			_exit(1);
		poll(NULL, 0, answer != NULL ? 0 : 2000);
		_exit(0);
	}
	close(s);
	return pid;
}

static void
test_admin_query(void **state)
{
	char path[256], buf[256];
	struct mars_err err;
	size_t len;
	pid_t pid;
	int st;

	(void)state;
	snprintf(path, sizeof(path), "%s/q.sock", dir);
	pid = serve_once(path, "election self=m1 role=active\n..dot\n.\n");
	assert_int_equal(mars_lab_admin_query(path, "show election", buf,
	    sizeof(buf), &len, 2000, &err), 0);
	assert_string_equal(buf, "election self=m1 role=active\n.dot\n");
	assert_int_equal(len, strlen(buf));
	waitpid(pid, &st, 0);

	pid = serve_once(path, ".error unknown command \"x\"\n");
	assert_int_equal(mars_lab_admin_query(path, "x", buf, sizeof(buf),
	    NULL, 2000, &err), MARS_E_PARSE);
	assert_string_equal(buf, "unknown command \"x\"");
	waitpid(pid, &st, 0);

	pid = serve_once(path, "a line longer than the buffer of eight\n.\n");
	assert_int_equal(mars_lab_admin_query(path, "x", buf, 8, NULL, 2000,
	    &err), MARS_E_NOSPACE);
	waitpid(pid, &st, 0);

	/* Accepted, never answered (a stopped marsd): bounded. */
	pid = serve_once(path, NULL);
	assert_int_equal(mars_lab_admin_query(path, "show stats", buf,
	    sizeof(buf), NULL, 200, &err), MARS_E_SYS);
	assert_int_equal(err.sys_errno, ETIMEDOUT);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);

	unlink(path);
	assert_int_equal(mars_lab_admin_query(path, "show stats", buf,
	    sizeof(buf), NULL, 200, &err), MARS_E_SYS);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_registers),
		cmocka_unit_test(test_pool_refusals),
		cmocka_unit_test(test_daemon_lifecycle),
		cmocka_unit_test(test_daemon_exits),
		cmocka_unit_test(test_daemon_ready_on_error),
		cmocka_unit_test(test_daemon_dies_with_parent),
		cmocka_unit_test(test_admin_query),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
