/*
 * chaos: three marsd entities and a pool of emulated members (lib/lab),
 * and round after round the Active MARS is killed -9 (then restarted) or
 * stopped and continued.  After every round, within a bounded time:
 *
 *   - the Living Group settles: every entity sees all three alive and
 *     aligned, and exactly one of them is Active in every view;
 *   - every member is registered with that Active under the CMI it got
 *     first, with every group joined; the Active's own table says the
 *     same (show members: registered over the member's own VC, that CMI,
 *     that many groups); and all of it holds, with no member registering
 *     again, for longer than the failure timeout (a member the Active
 *     does not reach would give up on it by then, RFC 2022 §5.4);
 *   - no two Actives coexist once they have heard each other: two
 *     entities that both claim the Active role while each sees the other
 *     alive for longer than the split-brain bound fail the round.
 *
 *   chaos [-k] [-v] [-a ACTION] [-b BIN] [-f FAULT] [-m MEMBERS]
 *         [-r ROUNDS] [-s SEED]
 *
 *   -r  rounds (3)          -m  members (30)        -s  seed (1)
 *   -a  kill, stop or any (the default): what each round does
 *   -b  marsd program (build/rel/bin/marsd)
 *   -f  a marsd fault to inject (marsd --fault), to see the test fail
 *   -k  keep the directory of cluster file and logs after a failure
 *   -v  say what happens in each round
 *
 * Ports are ephemeral ones on 127.0.0.1, tried again when a marsd cannot
 * bind them.  Every wait is for a condition, bounded; the only timed
 * pause is the length of a SIGSTOP, which is the fault itself.  Every
 * marsd is killed and reaped on the way out (lab.h).  Exits 0 when
 * every round passed, 1 when one failed (round, member, expected and
 * seen on stderr), 2 when the cluster could not be set up.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mars/atm.h"
#include "mars/config.h"
#include "mars/evloop.h"
#include "mars/lab.h"
#include "mars/rng.h"

#define NMARS		3
#define ANSWER_MAX	(1 << 16)
#define QUERY_MS	1000
#define START_MS	10000	/* a marsd answers its admin socket */
#define GROUP_UP_MS	15000	/* the Living Group forms */
#define SETTLE_MS	45000	/* a round's end state is reached */
#define SPLIT_MS	1500	/* two Actives that heard each other */
#define STABLE_MS	2500	/* the end state holds (failure-timeout + slack) */
#define POLL_MS		50

struct view {
	bool		 ok;		/* answered */
	bool		 alive[NMARS];
	bool		 aligned[NMARS];
	bool		 active[NMARS];	/* role=active in this view */
};

static struct {
	int			 verbose;
	bool			 keep;
	char			 dir[256];
	char			 conf[300];
	struct mars_cluster_conf cluster;
	struct mars_lab_daemon	*d[NMARS];
	struct mars_evloop	*loop;
	struct mars_lab_pool	*pool;
	size_t			 nmembers;
	uint16_t		*cmi;		/* first CMI of each member */
	struct mars_rng		 rng;
	int			 round;
	const char		*fault;
	char			 answer[ANSWER_MAX];
} C;

static const char *const names[NMARS] = { "m1", "m2", "m3" };

static void
say(const char *fmt, ...)
{
	va_list ap;

	if (!C.verbose)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "chaos: round %d: ", C.round);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- setup ---- */

static int
free_ports(uint16_t *ports, size_t n)
{
	struct sockaddr_in sin;
	socklen_t len;
	int fds[2 * NMARS];
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(sin);
		if (fds[i] == -1 || bind(fds[i], (struct sockaddr *)&sin,
		    sizeof(sin)) == -1 || getsockname(fds[i],
		    (struct sockaddr *)&sin, &len) == -1)
			rc = -1;
		ports[i] = ntohs(sin.sin_port);
	}
	for (i = 0; i < n; i++)
		if (fds[i] != -1)
			close(fds[i]);
	return rc;
}

static int
write_conf(void)
{
	static const unsigned prio[NMARS] = { 200, 100, 50 };
	uint16_t ports[2 * NMARS];
	FILE *f;
	int i;

	if (free_ports(ports, 2 * NMARS) != 0 ||
	    (f = fopen(C.conf, "w")) == NULL)
		return -1;
	fprintf(f, "[cluster]\nredirect-interval = 500ms\n"
	    "failure-timeout = 2s\nretransmit-interval = 500ms\n"
	    "hello-interval = 200ms\ndead-factor = 3\nmcs-timeout = 5s\n"
	    "fault-injection = %s\n", C.fault != NULL ? "yes" : "no");
	for (i = 0; i < NMARS; i++)
		fprintf(f, "\n[mars %s]\n"
		    "atm = 47.0005.80ffe1000000f21a26d8.0020ea00000%d.00\n"
		    "endpoint = udp:127.0.0.1:%u\n"
		    "peer-endpoint = udp:127.0.0.1:%u\npriority = %u\n",
		    names[i], i + 1, ports[2 * i], ports[2 * i + 1], prio[i]);
	return fclose(f);
}

static const char *
errtext(const struct mars_err *e, char *buf, size_t len)
{
	if (e->code == MARS_E_SYS)
		snprintf(buf, len, "%s: %s", e->field != NULL ? e->field : "",
		    strerror(e->sys_errno));
	else
		mars_err_format(e, buf, len);
	return buf;
}

/* Three marsd answering their admin sockets; new ports on failure. */
static int
start_cluster(const char *marsd)
{
	const char *args[] = { "-v", NULL, NULL, NULL };
	struct mars_lab_daemon_conf dc;
	struct mars_err err;
	char admin[NMARS][300], log[NMARS][300], msg[MARS_CONF_MSG_MAX];
	char why[256];
	int try, i;

	if (C.fault != NULL) {
		args[1] = "--fault";
		args[2] = C.fault;
	}
	for (try = 1; try <= 3; try++) {
		if (write_conf() != 0 || mars_config_load(C.conf, &C.cluster,
		    &err, msg, sizeof(msg)) != 0) {
			fprintf(stderr, "chaos: cluster file: %s\n", msg);
			return -1;
		}
		for (i = 0; i < NMARS; i++) {
			snprintf(admin[i], sizeof(admin[i]), "%s/%s.sock", C.dir,
			    names[i]);
			snprintf(log[i], sizeof(log[i]), "%s/%s.log", C.dir,
			    names[i]);
			memset(&dc, 0, sizeof(dc));
			dc.marsd = marsd;
			dc.cluster_path = C.conf;
			dc.name = names[i];
			dc.admin_path = admin[i];
			dc.log_path = log[i];
			dc.args = args;
			mars_lab_daemon_free(C.d[i]);
			if (mars_lab_daemon_new(&C.d[i], &dc, &err) != 0 ||
			    mars_lab_daemon_start(C.d[i], &err) != 0) {
				fprintf(stderr, "chaos: %s: %s\n", names[i],
				    errtext(&err, why, sizeof(why)));
				return -1;
			}
		}
		for (i = 0; i < NMARS; i++)
			if (mars_lab_daemon_wait_ready(C.d[i], START_MS,
			    &err) != 0)
				break;
		if (i == NMARS)
			return 0;
		fprintf(stderr, "chaos: %s did not start (%s), new ports\n",
		    names[i], errtext(&err, why, sizeof(why)));
		for (i = 0; i < NMARS; i++)
			if (mars_lab_daemon_running(C.d[i]))
				mars_lab_daemon_kill(C.d[i], NULL);
	}
	return -1;
}

/* ---- what the entities say ---- */

/* The value of key= in a record line, copied into out. */
static bool
field(const char *line, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key), n;
	const char *p = line;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == line || p[-1] == ' ') && p[kl] == '=') {
			p += kl + 1;
			n = strcspn(p, " \n");
			if (n >= len)
				n = len - 1;
			memcpy(out, p, n);
			out[n] = '\0';
			return true;
		}
		p += kl;
	}
	return false;
}

static int
index_of(const char *name)
{
	int i;

	for (i = 0; i < NMARS; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* Entity i's Living Group view; ok false when it cannot answer. */
static void
get_view(int i, struct view *v)
{
	char name[32], val[32], *line, *save = NULL;
	int j;

	memset(v, 0, sizeof(*v));
	if (!mars_lab_daemon_running(C.d[i]) || mars_lab_daemon_paused(C.d[i]) ||
	    mars_lab_daemon_query(C.d[i], "show living-group", C.answer,
	    sizeof(C.answer), NULL, QUERY_MS, NULL) != 0)
		return;
	v->ok = true;
	for (line = strtok_r(C.answer, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "mars ", 5) != 0 ||
		    !field(line, "name", name, sizeof(name)) ||
		    (j = index_of(name)) < 0)
			continue;
		v->alive[j] = field(line, "alive", val, sizeof(val)) &&
		    strcmp(val, "yes") == 0;
		v->aligned[j] = field(line, "aligned", val, sizeof(val)) &&
		    strcmp(val, "yes") == 0;
		v->active[j] = field(line, "role", val, sizeof(val)) &&
		    strcmp(val, "active") == 0;
	}
}

static void
get_views(struct view *v)
{
	int i;

	for (i = 0; i < NMARS; i++)
		get_view(i, &v[i]);
}

/*
 * The one Active every view agrees on, every entity but `gone` (-1: none)
 * alive and aligned, `gone` dead in every view; -1 when the group has
 * not settled.
 */
static int
settled_active(const struct view *v, int gone)
{
	int i, j, active = -1;

	for (i = 0; i < NMARS; i++) {
		if (i == gone)
			continue;
		if (!v[i].ok)
			return -1;
		for (j = 0; j < NMARS; j++) {
			if (j == gone ? v[i].alive[j] :
			    !v[i].alive[j] || !v[i].aligned[j])
				return -1;
			if (v[i].active[j] && active >= 0 && active != j)
				return -1;
			if (v[i].active[j])
				active = j;
		}
	}
	for (i = 0; i < NMARS && active >= 0; i++)
		if (i != gone && !v[i].active[active])
			return -1;
	return active;
}

/* Entities that claim the Active role for themselves and see each other
 * alive: a split brain.  Returns how many such pairs. */
static int
split_pairs(const struct view *v, int *a, int *b)
{
	int i, j, n = 0;

	for (i = 0; i < NMARS; i++)
		for (j = i + 1; j < NMARS; j++)
			if (v[i].ok && v[j].ok && v[i].active[i] &&
			    v[j].active[j] && v[i].alive[j] && v[j].alive[i]) {
				*a = i;
				*b = j;
				n++;
			}
	return n;
}

static void
print_views(const struct view *v)
{
	int i, j;

	for (i = 0; i < NMARS; i++) {
		fprintf(stderr, "chaos:   %s sees:", names[i]);
		if (!v[i].ok) {
			fprintf(stderr, " (no answer%s)\n",
			    mars_lab_daemon_paused(C.d[i]) ? ", stopped" :
			    !mars_lab_daemon_running(C.d[i]) ? ", not running" :
			    "");
			continue;
		}
		for (j = 0; j < NMARS; j++)
			fprintf(stderr, " %s=%s%s%s", names[j],
			    v[i].alive[j] ? "alive" : "dead",
			    v[i].aligned[j] ? "+aligned" : "",
			    v[i].active[j] ? "+ACTIVE" : "");
		fputc('\n', stderr);
	}
}

/* ---- the members ---- */

static void
atm_hex(char *out, const uint8_t *a)
{
	size_t i;

	for (i = 0; i < MARS_ATM_ADDR_MAX; i++)
		snprintf(out + 2 * i, 3, "%02x", a[i]);
}

/*
 * Every member registered with entity `active` under its first CMI with
 * its groups, in its own view and in the Active's table.  report: print
 * each member that is not (at most 10) and return how many.
 */
static size_t
members_bad(int active, bool report)
{
	struct mars_lab_member_info mi;
	char hex[2 * MARS_ATM_ADDR_MAX + 1], *p, val[64], state[32];
	size_t i, bad = 0;
	bool table = mars_lab_daemon_query(C.d[active], "show members",
	    C.answer, sizeof(C.answer), NULL, QUERY_MS, NULL) == 0;

	for (i = 0; i < C.nmembers; i++) {
		mars_lab_member_get(C.pool, i, &mi);
		if (!mi.registered || mi.mars != active || mi.cmi != C.cmi[i] ||
		    mi.njoined != mi.ngroups) {
			if (report && bad < 10)
				fail("member %zu: expected registered with %s "
				    "cmi %u groups %zu/%zu; seen %s%s%s cmi %u "
				    "groups %zu/%zu (%u registrations, %u "
				    "failures)", i, names[active], C.cmi[i],
				    mi.ngroups, mi.ngroups, mi.registered ?
				    "registered with " : "not registered",
				    mi.registered && mi.mars >= 0 ?
				    names[mi.mars] : "", mi.registered &&
				    mi.mars < 0 ? "an unknown MARS" : "",
				    mi.cmi, mi.njoined, mi.ngroups,
				    mi.registrations, mi.failures);
			bad++;
			continue;
		}
		/* The Active's record of this member. */
		atm_hex(hex, mi.atm);
		p = table ? strstr(C.answer, hex) : NULL;
		while (p != NULL && p > C.answer && p[-1] != '=')
			p = strstr(p + 1, hex);
		if (p != NULL) {
			while (p > C.answer && p[-1] != '\n')
				p--;
		}
		if (p == NULL || !field(p, "cmi", val, sizeof(val)) ||
		    (unsigned)atoi(val) != C.cmi[i] ||
		    !field(p, "state", state, sizeof(state)) ||
		    strcmp(state, "registered") != 0 ||
		    !field(p, "vc", val, sizeof(val)) || atoi(val) == 0 ||
		    !field(p, "groups", val, sizeof(val)) ||
		    (size_t)atoi(val) != mi.ngroups) {
			if (report && bad < 10)
				fail("member %zu: expected in %s's table as "
				    "registered over its VC, cmi %u, %zu groups; "
				    "seen %s",
				    i, names[active], C.cmi[i], mi.ngroups,
				    !table ? "no answer to show members" :
				    p == NULL ? "no record" : "another record");
			bad++;
		}
	}
	if (report && bad > 10)
		fail("... and %zu more members", bad - 10);
	return bad;
}

/* Registrations of every member so far. */
static unsigned long
registrations(void)
{
	struct mars_lab_member_info mi;
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < C.nmembers; i++) {
		mars_lab_member_get(C.pool, i, &mi);
		n += mi.registrations;
	}
	return n;
}

/*
 * A member registered under a CMI other than its first one: CMI
 * continuity (draft-armitage-ion-mars-scsp-03 §3.3) is broken for good,
 * no need to wait for the round to settle.  Reports it; true if any.
 */
static bool
cmi_changed(void)
{
	struct mars_lab_member_info mi;
	size_t i;

	for (i = 0; i < C.nmembers; i++) {
		mars_lab_member_get(C.pool, i, &mi);
		if (mi.registered && mi.cmi != C.cmi[i]) {
			fail("member %zu: expected CMI %u kept; seen registered "
			    "with %s under CMI %u", i, C.cmi[i], mi.mars >= 0 ?
			    names[mi.mars] : "an unknown MARS", mi.cmi);
			return true;
		}
	}
	return false;
}

/* ---- waiting ---- */

/* Run the members for up to ms (the loop's timers and sockets). */
static void
run_for(mars_time_t ms)
{
	mars_time_t until = mars_evloop_now() + ms, now;

	while ((now = mars_evloop_now()) < until)
		mars_evloop_run_once(C.loop, (int)(until - now), NULL);
}

/*
 * Poll until the group (without `gone`, -1: all three) settles with
 * every member at its Active; watch for split brains meanwhile.  Returns
 * the Active, or -1 (reported).
 */
static int
settle(int gone, mars_time_t *took)
{
	mars_time_t t0 = mars_evloop_now(), until = t0 + SETTLE_MS;
	mars_time_t split_since = 0, stable_since = 0;
	struct view v[NMARS];
	unsigned long regs, stable_regs = 0;
	int active, a = 0, b = 0, stable_active = -1;

	for (;;) {
		get_views(v);
		if (split_pairs(v, &a, &b) > 0) {
			if (split_since == 0)
				split_since = mars_evloop_now();
			else if (mars_evloop_now() - split_since > SPLIT_MS) {
				fail("two Actives: %s and %s both Active and "
				    "hearing each other for more than %d ms",
				    names[a], names[b], SPLIT_MS);
				print_views(v);
				return -1;
			}
		} else
			split_since = 0;
		if (cmi_changed()) {
			print_views(v);
			return -1;
		}
		active = settled_active(v, gone);
		if (active >= 0 && members_bad(active, false) == 0) {
			regs = registrations();
			if (stable_since == 0 || active != stable_active ||
			    regs != stable_regs) {
				stable_since = mars_evloop_now();
				stable_active = active;
				stable_regs = regs;
			} else if (mars_evloop_now() - stable_since >=
			    STABLE_MS) {
				*took = stable_since - t0;
				return active;
			}
		} else
			stable_since = 0;
		if (mars_evloop_now() >= until)
			break;
		run_for(POLL_MS);
	}
	fail("not settled within %d ms", SETTLE_MS);
	print_views(v);
	if (active >= 0)
		(void)members_bad(active, true);
	else
		fail("no single Active that every entity agrees on");
	return -1;
}

/* The group without `gone`: the others alive, one of them Active. */
static int
survivors_elect(int gone, mars_time_t *took)
{
	mars_time_t t0 = mars_evloop_now(), until = t0 + GROUP_UP_MS;
	struct view v[NMARS];
	int i, j, active;

	for (;;) {
		get_views(v);
		for (i = 0, active = -1; i < NMARS; i++) {
			if (i == gone)
				continue;
			if (!v[i].ok || v[i].alive[gone])
				break;
			for (j = 0; j < NMARS; j++)
				if (j != gone && v[i].active[j])
					active = j;
		}
		if (i == NMARS && active >= 0) {
			*took = mars_evloop_now() - t0;
			return active;
		}
		if (mars_evloop_now() >= until) {
			fail("the others did not elect a new Active within "
			    "%d ms after %s went away", GROUP_UP_MS,
			    names[gone]);
			print_views(v);
			return -1;
		}
		run_for(POLL_MS);
	}
}

/* ---- rounds ---- */

static int
round_kill(int active)
{
	struct mars_err err;
	mars_time_t took;
	char why[256];
	int next;

	say("round %d: kill -9 %s (Active)\n", C.round, names[active]);
	if (mars_lab_daemon_kill(C.d[active], &err) != 0) {
		fail("kill %s: %s", names[active], errtext(&err, why,
		    sizeof(why)));
		return -1;
	}
	if ((next = survivors_elect(active, &took)) < 0)
		return -1;
	say("round %d:   %s Active after %.1f s\n", C.round, names[next],
	    (double)took / 1000);
	/* Half the time the members move to the new Active first. */
	if (mars_rng_range(&C.rng, 0, 1) == 0) {
		if ((next = settle(active, &took)) < 0)
			return -1;
		say("round %d:   settled in %.1f s without %s: %s Active, "
		    "every member with it\n", C.round, (double)took / 1000,
		    names[active], names[next]);
	}
	say("round %d:   restarting %s\n", C.round, names[active]);
	if (mars_lab_daemon_restart(C.d[active], START_MS, &err) != 0) {
		fail("restart %s: %s", names[active], errtext(&err, why,
		    sizeof(why)));
		return -1;
	}
	return 0;
}

static int
round_stop(int active)
{
	mars_time_t pause = 800 + mars_rng_range(&C.rng, 0, 3200);
	struct mars_err err;
	char why[256];

	say("round %d: SIGSTOP %s (Active) for %.1f s\n", C.round,
	    names[active], (double)pause / 1000);
	if (mars_lab_daemon_pause(C.d[active], &err) != 0) {
		fail("stop %s: %s", names[active], errtext(&err, why,
		    sizeof(why)));
		return -1;
	}
	run_for(pause);		/* the fault lasts this long */
	if (mars_lab_daemon_resume(C.d[active], &err) != 0) {
		fail("continue %s: %s", names[active], errtext(&err, why,
		    sizeof(why)));
		return -1;
	}
	return 0;
}

/* The last n lines of a log on stderr, each after "chaos: WHO: ". */
static void
print_tail(const char *path, const char *who, int n)
{
	static char lines[32][512];
	int i, k = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(lines[k % 32], sizeof(lines[0]), f) != NULL)
		k++;
	fclose(f);
	for (i = k > n ? k - n : 0; i < k; i++)
		fprintf(stderr, "chaos: %s: %s", who, lines[i % 32]);
}

static void
cleanup(bool failed)
{
	char path[600];
	int i;

	if (C.pool != NULL) {
		mars_lab_pool_deregister(C.pool);
		for (i = 0; i < 40 && mars_lab_pool_registered(C.pool) > 0; i++)
			run_for(POLL_MS);
		mars_lab_pool_free(C.pool);
	}
	for (i = 0; i < NMARS; i++) {
		if (C.d[i] != NULL && mars_lab_daemon_running(C.d[i]))
			mars_lab_daemon_terminate(C.d[i], 3000, NULL);
		mars_lab_daemon_free(C.d[i]);
	}
	if (C.loop != NULL)
		mars_evloop_free(C.loop);
	if (failed && C.keep) {
		fprintf(stderr, "chaos: kept %s (cluster file, marsd logs)\n",
		    C.dir);
		return;
	}
	if (failed)
		for (i = 0; i < NMARS; i++) {
			snprintf(path, sizeof(path), "%s/%s.log", C.dir,
			    names[i]);
			print_tail(path, names[i], 15);
		}
	for (i = 0; i < NMARS; i++) {
		snprintf(path, sizeof(path), "%s/%s.log", C.dir, names[i]);
		unlink(path);
	}
	unlink(C.conf);
	rmdir(C.dir);
}

static int
setup_members(uint64_t seed)
{
	struct mars_lab_pool_conf pc;
	struct mars_client_conf timers;
	struct mars_err err;
	uint8_t g[4];
	char why[256];
	size_t i;

	/* Lab timers (RFC 2022 App. E's, scaled down as the file's are). */
	memset(&timers, 0, sizeof(timers));
	timers.failure_timeout = C.cluster.failure_timeout;
	timers.retransmit_interval = C.cluster.retransmit_interval;
	timers.request_timeout = 1000;
	timers.reregister_min = 200;
	timers.reregister_max = 1500;
	timers.revalidate_min = 200;
	timers.revalidate_max = 1000;
	timers.rejoin_min = 50;
	timers.rejoin_max = 300;
	timers.pass_pause = 3000;
	memset(&pc, 0, sizeof(pc));
	pc.cluster = &C.cluster;
	pc.nmembers = C.nmembers;
	pc.timers = &timers;
	pc.seed = seed;
	if (mars_lab_pool_new(&C.pool, &pc, C.loop, &err) != 0) {
		fprintf(stderr, "chaos: members: %s\n",
		    errtext(&err, why, sizeof(why)));
		return -1;
	}
	for (i = 0; i < C.nmembers; i++) {
		/* one group of its own, one shared by a fifth of them */
		g[0] = 224; g[1] = 10; g[2] = (uint8_t)(i >> 8); g[3] = (uint8_t)i;
		mars_lab_pool_join(C.pool, i, g, 4);
		g[1] = 11; g[2] = 0; g[3] = (uint8_t)(i % 5);
		mars_lab_pool_join(C.pool, i, g, 4);
	}
	return mars_lab_pool_start(C.pool, &err);
}

int
main(int argc, char **argv)
{
	const char *marsd = "build/rel/bin/marsd", *tmp;
	struct mars_lab_member_info mi;
	struct mars_err err;
	mars_time_t took, worst = 0;
	struct view v[NMARS];
	unsigned long rounds = 3, kills = 0, stops = 0;
	uint64_t seed = 1;
	size_t i, j;
	int ch, active, next, action = -1;

	C.nmembers = 30;
	while ((ch = getopt(argc, argv, "a:b:f:km:r:s:v")) != -1) {
		switch (ch) {
		case 'a':
			action = strcmp(optarg, "kill") == 0 ? 0 :
			    strcmp(optarg, "stop") == 0 ? 1 : -1;
			if (action < 0 && strcmp(optarg, "any") != 0) {
				fprintf(stderr, "chaos: -a kill, stop or any\n");
				return 2;
			}
			break;
		case 'f':
			C.fault = optarg;
			break;
		case 'b':
			marsd = optarg;
			break;
		case 'k':
			C.keep = true;
			break;
		case 'm':
			C.nmembers = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = strtoul(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'v':
			C.verbose++;
			break;
		default:
			fprintf(stderr, "usage: chaos [-kv] [-a action] "
			    "[-b marsd] [-f fault] [-m members] [-r rounds] "
			    "[-s seed]\n");
			return 2;
		}
	}
	if (C.nmembers == 0 || C.nmembers > MARS_LAB_MEMBERS_MAX) {
		fprintf(stderr, "chaos: -m: 1 to %d members\n",
		    MARS_LAB_MEMBERS_MAX);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	mars_rng_seed(&C.rng, seed);
	tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	snprintf(C.dir, sizeof(C.dir), "%s/chaos.XXXXXX", tmp);
	if (mkdtemp(C.dir) == NULL) {
		perror("chaos: mkdtemp");
		return 2;
	}
	snprintf(C.conf, sizeof(C.conf), "%s/c.conf", C.dir);
	if (mars_evloop_new(&C.loop, &err) != 0 || start_cluster(marsd) != 0) {
		cleanup(true);
		return 2;
	}
	C.round = 0;
	for (took = 0;; took += POLL_MS) {
		get_views(v);
		if ((active = settled_active(v, -1)) >= 0)
			break;
		if (took >= GROUP_UP_MS) {
			fail("the Living Group did not form");
			print_views(v);
			cleanup(true);
			return 2;
		}
		run_for(POLL_MS);
	}
	say("cluster up: %s Active; %zu members joining\n", names[active],
	    C.nmembers);
	if ((C.cmi = calloc(C.nmembers, sizeof(*C.cmi))) == NULL ||
	    setup_members(seed) != 0) {
		cleanup(true);
		return 2;
	}
	/* Registration: the first CMIs, all distinct. */
	for (took = 0;; took += POLL_MS) {
		for (i = 0; i < C.nmembers; i++) {
			mars_lab_member_get(C.pool, i, &mi);
			if (!mi.registered || mi.mars != active ||
			    mi.njoined != mi.ngroups)
				break;
			C.cmi[i] = mi.cmi;
		}
		if (i == C.nmembers)
			break;
		if (took >= SETTLE_MS) {
			fail("member %zu did not register with %s and join "
			    "its groups", i, names[active]);
			cleanup(true);
			return 1;
		}
		run_for(POLL_MS);
	}
	for (i = 0; i < C.nmembers; i++)
		for (j = i + 1; j < C.nmembers; j++)
			if (C.cmi[i] == C.cmi[j]) {
				fail("members %zu and %zu share CMI %u", i, j,
				    C.cmi[i]);
				cleanup(true);
				return 1;
			}
	say("%zu members registered with %s, groups joined\n", C.nmembers,
	    names[active]);

	for (C.round = 1; C.round <= (int)rounds; C.round++) {
		get_views(v);
		if ((active = settled_active(v, -1)) < 0) {
			fail("no settled Active at the start of the round");
			print_views(v);
			cleanup(true);
			return 1;
		}
		if ((action < 0 ? (int)mars_rng_range(&C.rng, 0, 1) : action) ==
		    0) {
			kills++;
			if (round_kill(active) != 0) {
				cleanup(true);
				return 1;
			}
		} else {
			stops++;
			if (round_stop(active) != 0) {
				cleanup(true);
				return 1;
			}
		}
		if ((next = settle(-1, &took)) < 0) {
			cleanup(true);
			return 1;
		}
		if (took > worst)
			worst = took;
		say("round %d:   settled in %.1f s: %s Active, %zu members "
		    "registered with it under their CMIs, groups joined\n",
		    C.round, (double)took / 1000, names[next], C.nmembers);
	}
	printf("chaos: %lu rounds (%lu kill -9, %lu SIGSTOP/SIGCONT), %zu "
	    "members: all passed; slowest round settled in %.1f s\n",
	    rounds, kills, stops, C.nmembers, (double)worst / 1000);
	cleanup(false);
	return 0;
}
