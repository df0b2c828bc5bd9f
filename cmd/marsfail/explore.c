/*
 * marsfail explore: random fault schedules in simulation.  Run i of a
 * call uses seed S + i for everything -- the schedule and the network --
 * so `explore --seed S+i --runs 1' repeats it.  A schedule is a drill
 * built in memory: start, then faults (kill, hang for a while, restart,
 * partition, heal, a network with delay, jitter, loss and duplicates)
 * each followed by a random wait, then everything brought back and
 * `expect reregistered' and `expect membership-intact'.
 * Every rule of the check layer is an invariant after every step.  A
 * failing schedule is shrunk -- fault steps taken away one at a time
 * while it still fails the same way -- and printed as a drill file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mars/redund.h"
#include "mars/rng.h"

#include "marsfail.h"


struct sched_step {
	char		 text[FAIL_LINE_MAX];
	bool		 fault;		/* removable as a unit with its wait */
};

static size_t	alive(const bool *, size_t);

struct sched {
	struct sched_step st[64];
	size_t		 n;
};

static void
add(struct sched *s, bool fault, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
add(struct sched *s, bool fault, const char *fmt, ...)
{
	va_list ap;

	if (s->n == sizeof(s->st) / sizeof(s->st[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(s->st[s->n].text, sizeof(s->st[s->n].text), fmt, ap);
	va_end(ap);
	s->st[s->n++].fault = fault;
}

/* A random schedule for the cluster cc. */
static void
generate(struct sched *s, const struct mars_cluster_conf *cc, uint64_t seed,
    size_t nfaults)
{
	struct mars_rng rng;
	bool dead[32] = { false };
	bool cut = false;
	size_t i, n = cc->n_mars, k, e, f;

	mars_rng_seed(&rng, seed * 0x9e3779b97f4a7c15ull + 1);
	s->n = 0;
	for (f = 0; f < nfaults; f++) {
		e = (size_t)mars_rng_range(&rng, 0, n - 1);
		k = (size_t)mars_rng_range(&rng, 0, 5);
		/*
		 * While the network is cut, no entity dies or restarts: one
		 * that restarts alone on its side has nobody to learn the
		 * database from, and loses CMIs by necessity, not by a bug.
		 */
		if (cut && (k <= 2 || k == 5))
			k = 3;
		switch (k) {
		case 0:
		case 1:
			if (dead[e])
				add(s, true, "restart %s", cc->mars[e].name);
			else if (alive(dead, n) > 1)
				add(s, true, "kill %s", cc->mars[e].name);
			else
				break;
			dead[e] = !dead[e];
			break;
		case 2:
			if (dead[e])
				add(s, true, "restart %s", cc->mars[e].name);
			else
				add(s, true, "hang %s %llums", cc->mars[e].name,
				    (unsigned long long)mars_rng_range(&rng,
				    500, 6000));
			dead[e] = false;
			break;
		case 3:
			if (cut || n < 2 || alive(dead, n) < n) {
				add(s, true, "heal");
				cut = false;
				break;
			}
			{
				char line[FAIL_LINE_MAX];

				k = (size_t)mars_rng_range(&rng, 1, n - 1);
				snprintf(line, sizeof(line), "partition");
				for (i = 0; i < n; i++) {
					if (i == k)
						strcat(line, " |");
					strcat(line, " ");
					strcat(line, cc->mars[i].name);
				}
				add(s, true, "%s", line);
				cut = true;
			}
			break;
		case 4:
			/*
			 * The whole network model: the checker sees what each
			 * MARS sends and the SCSP each one receives (simclu.h),
			 * so loss, jitter and duplicates hide nothing from it.
			 */
			{
				char line[FAIL_LINE_MAX];
				unsigned long long j, l, u;
				size_t o;

				o = (size_t)snprintf(line, sizeof(line),
				    "net delay %llums", (unsigned long long)
				    mars_rng_range(&rng, 1, 20));
				j = mars_rng_range(&rng, 0, 20);
				l = mars_rng_range(&rng, 0, 50);	/* 0.1% */
				u = mars_rng_range(&rng, 0, 20);
				if (j > 0 && o < sizeof(line))
					o += (size_t)snprintf(line + o,
					    sizeof(line) - o, " jitter %llums", j);
				if (l > 0 && o < sizeof(line))
					o += (size_t)snprintf(line + o,
					    sizeof(line) - o, " loss %llu.%llu%%",
					    l / 10, l % 10);
				if (u > 0 && o < sizeof(line))
					snprintf(line + o, sizeof(line) - o,
					    " dup %llu.%llu%%", u / 10, u % 10);
				add(s, true, "%s", line);
			}
			break;
		default:
			if (dead[e]) {
				add(s, true, "restart %s", cc->mars[e].name);
				dead[e] = false;
			} else if (alive(dead, n) > 1) {
				add(s, true, "kill %s", cc->mars[e].name);
				dead[e] = true;
			}
			break;
		}
		add(s, false, "wait %llums", (unsigned long long)
		    mars_rng_range(&rng, 200, 8000));
	}
	(void)cut;
}

static size_t
alive(const bool *dead, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!dead[i])
			k++;
	return k;
}

static void
drill_text(char *buf, size_t len, const char *cluster, size_t members,
    uint64_t seed, unsigned faults, const struct sched *s, const bool *keep)
{
	char fb[64], down[32][MARS_CONF_NAME_MAX];
	size_t i, off, nd = 0;
	bool cut = false, lossy = false;

	off = (size_t)snprintf(buf, len, "# marsfail explore --seed %llu\n"
	    "cluster %s\nclients %zu groups 4 each 2\nseed %llu\n",
	    (unsigned long long)seed, cluster, members,
	    (unsigned long long)seed);
	if (faults != 0 && off < len)
		off += (size_t)snprintf(buf + off, len - off, "fault %s\n",
		    fault_names(faults, fb, sizeof(fb)));
	if (off < len)
		off += (size_t)snprintf(buf + off, len - off, "start\n");
	for (i = 0; i < s->n && off < len; i++)
		if (keep == NULL || keep[i])
			off += (size_t)snprintf(buf + off, len - off, "%s\n",
			    s->st[i].text);
	/* Bring back what the kept steps left down: it must recover. */
	for (i = 0; i < s->n; i++) {
		const char *t = s->st[i].text;
		size_t k;

		if (keep != NULL && !keep[i])
			continue;
		if (strncmp(t, "partition", 9) == 0)
			cut = true;
		else if (strcmp(t, "heal") == 0)
			cut = false;
		else if (strncmp(t, "net ", 4) == 0)
			lossy = true;
		for (k = 0; k < nd; k++)
			if (strcmp(t + (strncmp(t, "kill ", 5) == 0 ? 5 :
			    strncmp(t, "restart ", 8) == 0 ? 8 : 0), down[k]) ==
			    0)
				break;
		if (strncmp(t, "kill ", 5) == 0 && k == nd && nd < 32)
			snprintf(down[nd++], sizeof(down[0]), "%s", t + 5);
		else if (strncmp(t, "restart ", 8) == 0 && k < nd)
			memmove(down[k], down[--nd], sizeof(down[0]));
	}
	if (lossy && off < len)
		off += (size_t)snprintf(buf + off, len - off,
		    "net delay 1ms\n");
	if (cut && off < len)
		off += (size_t)snprintf(buf + off, len - off, "heal\n");
	for (i = 0; i < nd && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "restart %s\n",
		    down[i]);
	/*
	 * RFC 2022 §5.4.2: a member that found no MARS answering in a whole
	 * pass of its list waits at least a minute before the next; then a
	 * pass with its random delays and retransmissions.
	 */
	if (off < len)
		snprintf(buf + off, len - off, "expect reregistered within "
		    "120s\nexpect membership-intact within 120s\n"
		    "expect no-findings\n");
}

struct outcome {
	bool		 failed;
	bool		 error;
	char		 why[2048];
};

/* Run one drill text; the first broken invariant or failed expect. */
static void
try_text(const struct fail_opts *o, const char *text, const char *dir,
    struct outcome *out)
{
	static struct fail_run r;
	struct fail_opts ro;
	struct drill d;
	char msg[512];
	unsigned line;
	size_t i;

	memset(out, 0, sizeof(*out));
	memset(&d, 0, sizeof(d));
	memset(&ro, 0, sizeof(ro));
	ro.mode = MODE_SIM;
	if (drill_parse_text(&d, text, "explore.drill", dir, NULL, msg,
	    sizeof(msg), &line) != 0) {
		out->error = true;
		snprintf(out->why, sizeof(out->why), "line %u: %s", line, msg);
		drill_free(&d);
		return;
	}
	ro.explore = true;
	(void)o;
	if (run_drill(&r, &ro, &d) != 0 && r.errmsg[0] != '\0' &&
	    !r.explore_stopped) {
		/* A step that cannot run in this state is not a bug. */
		out->error = true;
		snprintf(out->why, sizeof(out->why), "%s", r.errmsg);
	} else if (r.explore_stopped) {
		out->failed = true;
		snprintf(out->why, sizeof(out->why), "after `%s': %s",
		    d.steps[r.explore_failed_step].text, r.errmsg);
	} else
		for (i = 0; i < r.nres; i++)
			if (!r.res[i].held) {
				out->failed = true;
				snprintf(out->why, sizeof(out->why),
				    "line %u `%s': %s", r.res[i].st->line,
				    r.res[i].st->kind == ST_START ? "start" :
				    r.res[i].st->text, r.res[i].detail);
				break;
			}
	run_free(&r);
	drill_free(&d);
}

/* The rule or expect a failure is about, to shrink towards the same. */
static void
failure_key(const char *why, char *key, size_t len)
{
	const char *colon = strchr(why, ':');
	const char *q = strstr(why, "': ");

	if (q != NULL)
		why = q + 3;
	colon = strchr(why, ':');
	snprintf(key, len, "%.*s", colon != NULL ? (int)(colon - why) :
	    (int)strlen(why), why);
}

static void
shrink(const struct fail_opts *o, const char *cluster, const char *dir,
    size_t members, uint64_t seed, unsigned faults, const struct sched *s,
    bool *keep, const char *key0)
{
	static char text[16384];
	struct outcome out;
	char key[256];
	bool changed = true;
	size_t i;

	while (changed) {
		changed = false;
		for (i = 0; i < s->n; i++) {
			if (!keep[i] || !s->st[i].fault)
				continue;
			keep[i] = false;
			if (i + 1 < s->n && !s->st[i + 1].fault &&
			    strncmp(s->st[i + 1].text, "wait", 4) == 0)
				keep[i + 1] = false;
			drill_text(text, sizeof(text), cluster, members, seed,
			    faults, s, keep);
			try_text(o, text, dir, &out);
			failure_key(out.why, key, sizeof(key));
			if (out.failed && strcmp(key, key0) == 0) {
				changed = true;
				continue;
			}
			keep[i] = true;
			if (i + 1 < s->n && !s->st[i + 1].fault)
				keep[i + 1] = true;
		}
	}
}

int
explore_main(const struct fail_opts *o)
{
	static char text[16384], minimal[16384], first_why[2048];
	struct mars_cluster_conf *cc = NULL;
	uint64_t nfail = 0, first_seed = 0;
	struct mars_err err;
	struct outcome out;
	struct sched s;
	char msg[MARS_CONF_MSG_MAX], cluster[FAIL_PATH_MAX], dir[FAIL_PATH_MAX];
	char key[256], *slash;
	const char *env = getenv("MARSFAIL_DRILLS");
	uint64_t runs = o->runs != 0 ? o->runs : 100, i, seed0, errors = 0;
	size_t members = o->explore_members != 0 ? o->explore_members : 5;
	size_t nsteps = o->explore_steps != 0 ? o->explore_steps : 6;
	unsigned faults = 0;
	bool keep[64];
	struct timespec t0, t1;
	double secs;

	if (o->cluster_path != NULL)
		snprintf(cluster, sizeof(cluster), "%s", o->cluster_path);
	else
		snprintf(cluster, sizeof(cluster), "%s/ft3.conf",
		    env != NULL && *env != '\0' ? env : MARS_DRILLDIR);
	/* The drill printed names it wherever it is run from. */
	if (realpath(cluster, dir) != NULL)
		snprintf(cluster, sizeof(cluster), "%s", dir);
	if (nsteps > 30)
		diag_usage("--steps %zu: at most 30", nsteps);
	if (members > 1000)
		diag_usage("--members %zu: at most 1000", members);
	memset(&err, 0, sizeof(err));
	if (mars_config_load_new(&cc, cluster, &err, msg, sizeof(msg)) != 0)
		diag_fatal(EXIT_USAGE, cluster, 0, "%s", msg);
	if (cc->n_mars == 0 || cc->n_mars > 32)
		diag_fatal(EXIT_USAGE, cluster, 0, "needs 1 to 32 entities");
	if (o->explore_fault_text != NULL) {
		char f[256];

		snprintf(text, sizeof(text), "cluster %s\nfault %s\nstart\n",
		    cluster, o->explore_fault_text);
		{
			struct drill d;
			unsigned line;

			memset(&d, 0, sizeof(d));
			if (drill_parse_text(&d, text, "--fault", NULL, NULL,
			    f, sizeof(f), &line) != 0)
				diag_usage("--fault: %s", f);
			faults = d.faults;
			drill_free(&d);
		}
	}
	/* The drill text names the cluster as given; parse it from here. */
	snprintf(dir, sizeof(dir), ".");
	(void)slash;
	seed0 = o->has_seed ? o->seed : (uint64_t)time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < runs; i++) {
		uint64_t seed = seed0 + i;

		generate(&s, cc, seed, nsteps);
		drill_text(text, sizeof(text), cluster, members, seed, faults,
		    &s, NULL);
		try_text(o, text, dir, &out);
		if (out.error) {
			errors++;
			continue;
		}
		if (!out.failed)
			continue;
		if (nfail++ == 0) {
			first_seed = seed;
			snprintf(first_why, sizeof(first_why), "%s", out.why);
			failure_key(out.why, key, sizeof(key));
			memset(keep, 1, sizeof(keep));
			shrink(o, cluster, dir, members, seed, faults, &s, keep,
			    key);
			drill_text(minimal, sizeof(minimal), cluster, members,
			    seed, faults, &s, keep);
		}
		if (o->json) {
			fprintf(stdout, "{\"type\":\"failure\",\"seed\":%llu,"
			    "\"why\":", (unsigned long long)seed);
			diag_json_str(stdout, out.why);
			fputs("}\n", stdout);
		} else
			printf("seed %llu fails: %s\n",
			    (unsigned long long)seed, out.why);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (o->json) {
		printf("{\"type\":\"explore\",\"verdict\":\"%s\",\"seed\":%llu,"
		    "\"runs\":%llu,\"failed\":%llu,\"skipped\":%llu,"
		    "\"wall_ms\":%.0f,\"per_minute\":%.0f,\"first_seed\":",
		    nfail > 0 ? "fail" : "pass", (unsigned long long)seed0,
		    (unsigned long long)runs, (unsigned long long)nfail,
		    (unsigned long long)errors, secs * 1000.0,
		    secs > 0 ? (double)runs * 60.0 / secs : 0.0);
		if (nfail > 0) {
			printf("%llu,\"why\":", (unsigned long long)first_seed);
			diag_json_str(stdout, first_why);
			fputs(",\"drill\":", stdout);
			diag_json_str(stdout, minimal);
			fputs("}\n", stdout);
		} else
			fputs("null,\"why\":null,\"drill\":null}\n", stdout);
	} else {
		printf("explore: %llu schedules (seeds %llu..%llu, %zu members, "
		    "%zu faults each), %llu failed, %llu skipped; %.2f s, %.0f "
		    "schedules a minute\n", (unsigned long long)runs,
		    (unsigned long long)seed0,
		    (unsigned long long)(seed0 + runs - 1), members, nsteps,
		    (unsigned long long)nfail, (unsigned long long)errors, secs,
		    secs > 0 ? (double)runs * 60.0 / secs : 0.0);
		if (nfail > 0)
			printf("first failure, seed %llu: %s\nminimal drill "
			    "(marsfail explore --seed %llu --runs 1 repeats "
			    "the schedule):\n%s", (unsigned long long)first_seed,
			    first_why, (unsigned long long)first_seed, minimal);
	}
	free(cc);
	return nfail > 0 ? EXIT_FAILED : EXIT_HELD;
}
