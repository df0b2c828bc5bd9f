/*
 * Running a drill: every step on the backend (sim.c, lab.c) in order,
 * the cluster sampled every tick (each entity's role, the members
 * registered), every event through the checker (check.h: the rules
 * marsmap applies), and per phase -- a fault and what follows until the
 * next one -- what the members lived through.  Expects are judged when
 * they come: a `within' bound counts from the phase's fault.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mars/redund.h"

#include "marsfail.h"

#define NEVER		MARS_TIME_NEVER

mars_time_t
run_now(struct fail_run *r)
{
	return r->b.ops->now(r) - r->t_start;
}

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL)
		diag_fatal(EXIT_USAGE, NULL, 0, "no memory");
	return p;
}

/* ---- events ---- */

void
run_member_event(struct fail_run *r, size_t k, const struct mars_event *ev)
{
	mars_time_t now;

	if (k >= r->b.nmembers)
		return;
	switch (ev->kind) {
	case MARS_EV_REGISTERED:
		if (r->rereg_at[k] == NEVER) {
			now = run_now(r);
			r->rereg_at[k] = now;
		}
		break;
	case MARS_EV_MARS_FAILED:
		now = run_now(r);
		if (r->first_failed == NEVER || now < r->first_failed)
			r->first_failed = now;
		break;
	case MARS_EV_REDIRECT_MAP:
		r->maps++;
		break;
	default:
		break;
	}
}

void
run_check_event(struct fail_run *r, const struct mars_event *ev)
{
	if (ev->kind == MARS_EV_MESSAGE) {
		r->messages++;
		r->total_messages++;
	}
	if (r->chk != NULL)
		mars_check_feed(r->chk, ev);
}

static void
on_finding(void *ctx, const struct mars_check_finding *f)
{
	struct fail_run *r = ctx;

	(void)f;
	r->findings_seen++;
}

/* ---- sampling ---- */

static void
seg_close(struct fail_run *r, unsigned i, mars_time_t now)
{
	if (r->cur_seg[i] != (size_t)-1)
		r->segs[r->cur_seg[i]].end = now;
}

static void
sample(struct fail_run *r)
{
	mars_time_t now = run_now(r);
	struct curve_pt *last;
	uint32_t reg;
	unsigned i, actives = 0;
	int role;

	for (i = 0; i < r->b.nmars; i++) {
		role = r->b.ops->role(r, i);
		if (role == MARS_REDUND_ACTIVE && r->b.ops->up(r, i))
			actives++;
		if (role == r->cur_role[i] && r->cur_seg[i] != (size_t)-1) {
			r->segs[r->cur_seg[i]].end = now;
			continue;
		}
		seg_close(r, i, now);
		if (r->nsegs == r->capsegs) {
			r->capsegs = r->capsegs == 0 ? 64 : r->capsegs * 2;
			r->segs = xrealloc(r->segs, r->capsegs *
			    sizeof(*r->segs));
		}
		r->segs[r->nsegs].ent = i;
		r->segs[r->nsegs].role = role;
		r->segs[r->nsegs].start = now;
		r->segs[r->nsegs].end = now;
		r->cur_seg[i] = r->nsegs++;
		r->cur_role[i] = role;
	}
	/* Two Actives where one is expected (fault-tolerant model, no cut). */
	if (r->d->cc->n_partitions == 0 && actives > 1 && !r->cut) {
		if (r->dual_since == NEVER)
			r->dual_since = now;
	} else if (r->dual_since != NEVER) {
		r->dual_ms += now - r->dual_since;
		r->dual_count++;
		r->dual_since = NEVER;
	}
	if (!r->started)
		return;
	reg = (uint32_t)r->b.ops->registered(r);
	last = r->ncurve > 0 ? &r->curve[r->ncurve - 1] : NULL;
	if (last != NULL && last->registered == reg && r->ncurve > 1 &&
	    r->curve[r->ncurve - 2].registered == reg) {
		last->t = now;
		return;
	}
	if (r->ncurve == r->capcurve) {
		r->capcurve = r->capcurve == 0 ? 256 : r->capcurve * 2;
		r->curve = xrealloc(r->curve, r->capcurve * sizeof(*r->curve));
	}
	r->curve[r->ncurve].t = now;
	r->curve[r->ncurve].registered = reg;
	r->ncurve++;
}

static int
advance_to(struct fail_run *r, mars_time_t t, struct mars_err *err)
{
	mars_time_t now, next;
	int rc;

	for (;;) {
		now = run_now(r);
		if (now >= t)
			return 0;
		next = now + r->tick < t ? now + r->tick : t;
		if ((rc = r->b.ops->advance(r, next + r->t_start, err)) != 0)
			return rc;
		sample(r);
	}
}

/* ---- conditions ---- */

/* The entity Active for partition p (the file's, 0 in the FT model). */
static int
active_of(struct fail_run *r, int p)
{
	return r->b.ops->active(r, p);
}

/* Members not registered with their partition's Active, or not joined. */
static size_t
unsettled(struct fail_run *r, bool joined, mars_time_t *last)
{
	struct fail_member m;
	int act[MARS_CONF_PARTITION_MAX + 1];
	size_t k, bad = 0, np;

	np = r->d->cc->n_partitions == 0 ? 1 : r->d->cc->n_partitions;
	for (k = 0; k < np; k++)
		act[k] = active_of(r, (int)k);
	if (last != NULL)
		*last = 0;
	for (k = 0; k < r->b.nmembers; k++) {
		r->b.ops->member(r, k, &m);
		if (!m.registered || m.mars < 0 ||
		    m.mars != act[m.partition < (int)np ? m.partition : 0] ||
		    (joined && m.njoined < m.ngroups))
			bad++;
		else if (last != NULL && r->rereg_at[k] != NEVER &&
		    r->rereg_at[k] > *last)
			*last = r->rereg_at[k];
	}
	return bad;
}

/* Members with a group not confirmed. */
static size_t
unjoined(struct fail_run *r)
{
	struct fail_member m;
	size_t k, bad = 0;

	for (k = 0; k < r->b.nmembers; k++) {
		r->b.ops->member(r, k, &m);
		if (m.njoined < m.ngroups)
			bad++;
	}
	return bad;
}

/* Every partition has an Active that its living entities agree on. */
static bool
elected(struct fail_run *r)
{
	size_t p, np = r->d->cc->n_partitions == 0 ? 1 :
	    r->d->cc->n_partitions;

	for (p = 0; p < np; p++)
		if (active_of(r, (int)p) < 0)
			return false;
	return true;
}

static mars_time_t
default_bound(struct fail_run *r)
{
	const struct mars_cluster_conf *cc = r->d->cc;

	/* Detection (failure-timeout or dead window), the §5.4.1 random
	 * delay (10 s), retransmissions: generous, but bounded. */
	return cc->failure_timeout + cc->hello_interval * cc->dead_factor * 2 +
	    cc->retransmit_interval * 6 + 20000;
}

/* ---- phases ---- */

static int
cmp_time(const void *a, const void *b)
{
	mars_time_t x = *(const mars_time_t *)a, y = *(const mars_time_t *)b;

	return x < y ? -1 : x > y;
}

static void
phase_close(struct fail_run *r)
{
	struct phase *ph;
	struct fail_member m;
	mars_time_t *t, now = run_now(r);
	size_t k, n = 0;
	int role;
	unsigned i;

	if (r->nphases == 0)
		return;
	ph = &r->phases[r->nphases - 1];
	if (ph->t1 != NEVER)
		return;
	ph->t1 = now;
	t = xrealloc(NULL, (r->b.nmembers + 1) * sizeof(*t));
	for (k = 0; k < r->b.nmembers; k++) {
		if (r->rereg_at[k] == NEVER)
			continue;
		t[n++] = r->rereg_at[k] - ph->t0;
		r->b.ops->member(r, k, &m);
		if (r->cmi_before[k] != 0 && m.cmi == r->cmi_before[k])
			ph->kept_cmi++;
		else if (r->cmi_before[k] != 0)
			ph->changed_cmi++;
	}
	qsort(t, n, sizeof(*t), cmp_time);
	ph->rereg = (uint32_t)n;
	if (n > 0) {
		ph->rereg_p50 = t[(n - 1) / 2];
		ph->rereg_p99 = t[(n * 99 + 99) / 100 - 1];
		ph->rereg_max = t[n - 1];
	}
	free(t);
	ph->detect_members = r->first_failed == NEVER ? NEVER :
	    r->first_failed - ph->t0;
	ph->active_after = active_of(r, 0);
	for (k = 0; k < r->nsegs; k++) {
		role = r->segs[k].role;
		i = r->segs[k].ent;
		if (r->segs[k].start >= ph->t0 && role == MARS_REDUND_ACTIVE &&
		    (int)i != ph->active_before) {
			ph->detect_group = r->segs[k].start - ph->t0;
			break;
		}
	}
	ph->membership_known = r->b.ops->membership(r, &ph->lost,
	    &ph->invented) == 0;
	ph->maps = r->maps;
	ph->messages = r->messages;
	ph->findings = r->findings_seen - r->phase_findings0;
	if (r->dual_since != NEVER) {
		r->dual_ms += now - r->dual_since;
		r->dual_count++;
		r->dual_since = now;
	}
	ph->dual_intervals = r->dual_count;
	ph->dual_ms = r->dual_ms;
	ph->msgs_per_s = now > ph->t0 ? (double)r->messages * 1000.0 /
	    (double)(now - ph->t0) : 0.0;
	ph->nexpect = r->nres - ph->first_expect;
}

static void
phase_open(struct fail_run *r, const struct step *st)
{
	struct phase *ph;
	struct fail_member m;
	size_t k;

	phase_close(r);
	r->phases = xrealloc(r->phases, (r->nphases + 1) * sizeof(*r->phases));
	ph = &r->phases[r->nphases++];
	memset(ph, 0, sizeof(*ph));
	ph->st = st;
	ph->t0 = run_now(r);
	ph->t1 = NEVER;
	ph->detect_members = NEVER;
	ph->detect_group = NEVER;
	ph->active_before = r->started ? active_of(r, 0) : -1;
	ph->active_after = -1;
	ph->first_expect = r->nres;
	r->fault_at = ph->t0;
	r->first_failed = NEVER;
	r->maps = 0;
	r->messages = 0;
	r->phase_findings0 = r->findings_seen;
	r->dual_count = 0;
	r->dual_ms = 0;
	for (k = 0; k < r->b.nmembers; k++) {
		r->rereg_at[k] = NEVER;
		if (r->started) {
			r->b.ops->member(r, k, &m);
			r->cmi_before[k] = m.registered ? m.cmi : 0;
		} else
			r->cmi_before[k] = 0;
	}
}

/* ---- expects ---- */

static struct expect_result *
result_add(struct fail_run *r, const struct step *st)
{
	struct expect_result *x;

	r->res = xrealloc(r->res, (r->nres + 1) * sizeof(*r->res));
	x = &r->res[r->nres++];
	memset(x, 0, sizeof(*x));
	x->st = st;
	x->told = true;
	return x;
}

static void
result_set(struct fail_run *r, struct expect_result *x, bool held,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
result_set(struct fail_run *r, struct expect_result *x, bool held,
    const char *fmt, ...)
{
	va_list ap;

	x->held = held;
	if (!held)
		r->failed++;
	va_start(ap, fmt);
	vsnprintf(x->detail, sizeof(x->detail), fmt, ap);
	va_end(ap);
}

/* The start of entity i's current Active stretch, NEVER when not Active. */
static mars_time_t
active_since(struct fail_run *r, unsigned i)
{
	size_t s = r->cur_seg[i];

	if (s == (size_t)-1 || r->segs[s].role != MARS_REDUND_ACTIVE)
		return NEVER;
	return r->segs[s].start;
}

static int
expect_active(struct fail_run *r, const struct step *st,
    struct expect_result *x, struct mars_err *err)
{
	mars_time_t deadline, since;
	char b1[32], b2[32];
	int rc;

	deadline = r->fault_at + (st->has_within ? st->dur : 0);
	while ((since = active_since(r, st->ent)) == NEVER &&
	    run_now(r) < deadline)
		if ((rc = advance_to(r, run_now(r) + r->tick, err)) != 0)
			return rc;
	since = active_since(r, st->ent);
	if (since != NEVER && since <= deadline) {
		x->at = since > r->fault_at ? since - r->fault_at : 0;
		fmt_ms(b1, sizeof(b1), x->at);
		result_set(r, x, true, "%s Active %s after the fault",
		    r->d->cc->mars[st->ent].name, b1);
	} else {
		int a = active_of(r, 0);

		fmt_ms(b2, sizeof(b2), deadline - r->fault_at);
		result_set(r, x, false, "%s not Active within %s (Active: %s)",
		    r->d->cc->mars[st->ent].name, b2,
		    a >= 0 ? r->d->cc->mars[a].name : "none");
	}
	return 0;
}

static int
expect_rereg(struct fail_run *r, const struct step *st,
    struct expect_result *x, struct mars_err *err)
{
	mars_time_t deadline, last = 0;
	size_t bad;
	char b1[32], b2[32];
	int rc;

	deadline = r->fault_at + (st->has_within ? st->dur : 0);
	while ((bad = unsettled(r, false, &last)) > 0 &&
	    run_now(r) < deadline)
		if ((rc = advance_to(r, run_now(r) + r->tick, err)) != 0)
			return rc;
	fmt_ms(b2, sizeof(b2), deadline - r->fault_at);
	if (bad > 0) {
		result_set(r, x, false, "%zu of %zu members not registered "
		    "with the Active within %s", bad, r->b.nmembers, b2);
		return 0;
	}
	x->at = last > r->fault_at ? last - r->fault_at : 0;
	fmt_ms(b1, sizeof(b1), x->at);
	if (last > deadline)
		result_set(r, x, false, "the last member registered %s after "
		    "the fault, later than %s", b1, b2);
	else
		result_set(r, x, true, "all %zu members registered with the "
		    "Active, the last %s after the fault", r->b.nmembers, b1);
	return 0;
}

static void
expect_rules(struct fail_run *r, const struct step *st,
    struct expect_result *x)
{
	const struct mars_check_finding *f;
	const char *why;
	char names[FAIL_LINE_MAX] = "", unknown[FAIL_LINE_MAX] = "";
	unsigned i, broken = 0, held = 0;
	size_t k;
	int v;

	for (i = 0; i < MARS_CHECK_NRULES; i++) {
		if (!(st->rules & (1u << i)))
			continue;
		v = mars_check_verdict(r->chk, i, &why, NULL);
		if (v == MARS_CHECK_BROKEN) {
			broken++;
			if (names[0] != '\0')
				strncat(names, ",", sizeof(names) -
				    strlen(names) - 1);
			strncat(names, mars_check_rule_info(i)->name,
			    sizeof(names) - strlen(names) - 1);
		} else if (v == MARS_CHECK_HELD)
			held++;
		else if (unknown[0] == '\0')
			snprintf(unknown, sizeof(unknown), "%s: cannot tell "
			    "(%s)", mars_check_rule_info(i)->name,
			    why != NULL ? why : "not exercised yet");
	}
	if (st->ex == EX_BROKEN) {
		if (broken > 0)
			result_set(r, x, true, "%s broken, as expected", names);
		else
			result_set(r, x, false, "%s not broken",
			    mars_check_rule_info((unsigned)
			    __builtin_ctz(st->rules))->name);
		return;
	}
	if (broken == 0) {
		if (held == 0) {
			x->told = false;
			result_set(r, x, !r->o->strict, "%s", unknown);
		} else
			result_set(r, x, true, "held");
		return;
	}
	for (k = 0; (f = mars_check_finding(r->chk, k)) != NULL; k++)
		if (st->rules & (1u << f->rule))
			break;
	result_set(r, x, false, "%s broken: %s", names,
	    f != NULL ? f->message : "");
}

static int
run_expect(struct fail_run *r, const struct step *st, struct mars_err *err)
{
	struct expect_result *x = result_add(r, st);
	uint64_t lost = 0, invented = 0, total;
	mars_time_t deadline;
	size_t bad;
	int rc;

	switch (st->ex) {
	case EX_ACTIVE:
		return expect_active(r, st, x, err);
	case EX_REREGISTERED:
		return expect_rereg(r, st, x, err);
	case EX_RULES:
	case EX_BROKEN:
		expect_rules(r, st, x);
		return 0;
	case EX_NO_DUAL:
		expect_rules(r, st, x);
		if (x->held && r->dual_since != NEVER)
			snprintf(x->detail, sizeof(x->detail), "held (two "
			    "entities claim Active now, no map shows it)");
		return 0;
	case EX_NO_FINDINGS:
		total = mars_check_finding_total(r->chk);
		if (total == 0)
			result_set(r, x, true, "no finding");
		else
			result_set(r, x, false, "%llu findings, the first: %s",
			    (unsigned long long)total,
			    mars_check_finding(r->chk, 0)->message);
		return 0;
	case EX_MEMBERSHIP:
		/*
		 * Re-joins are spaced by the §5.4.1 delays: wait for them,
		 * and for the Active's database to show them -- members
		 * that have not noticed their MARS restarted still think
		 * themselves joined.  The database is read once a second.
		 */
		deadline = r->fault_at + (st->has_within ? st->dur :
		    default_bound(r));
		for (;;) {
			if ((bad = unjoined(r)) == 0 &&
			    r->b.ops->membership(r, &lost, &invented) == 0 &&
			    lost == 0 && invented == 0)
				break;
			if (run_now(r) >= deadline)
				break;
			if ((rc = advance_to(r, bad > 0 ? run_now(r) +
			    r->tick : run_now(r) + 1000 < deadline ?
			    run_now(r) + 1000 : deadline, err)) != 0)
				return rc;
		}
		if (r->b.ops->membership(r, &lost, &invented) != 0) {
			x->told = false;
			result_set(r, x, bad == 0, "%zu members with a group "
			    "not confirmed; the Active's database cannot be "
			    "read", bad);
		} else if (lost == 0 && invented == 0 && bad == 0)
			result_set(r, x, true, "every membership in the "
			    "Active's database, none invented");
		else
			result_set(r, x, false, "%llu memberships lost, %llu "
			    "invented, %zu members with a group not "
			    "confirmed", (unsigned long long)lost,
			    (unsigned long long)invented, bad);
		return 0;
	}
	return 0;
}

/* ---- steps ---- */

static int
run_start(struct fail_run *r, const struct step *st, struct mars_err *err)
{
	struct expect_result *x;
	mars_time_t bound, deadline, last;
	size_t bad;
	char b[32];
	int rc;

	bound = st->has_within ? st->dur : default_bound(r) * 2;
	deadline = run_now(r) + bound;
	while (!elected(r) && run_now(r) < deadline)
		if ((rc = advance_to(r, run_now(r) + r->tick, err)) != 0)
			return rc;
	if (r->d->mcs_first > 0) {
		if ((rc = r->b.ops->mcs(r, r->d->mcs_first - 1, err)) != 0 ||
		    (rc = advance_to(r, run_now(r) + 1000, err)) != 0)
			return rc;
	}
	if ((rc = r->b.ops->start_members(r, err)) != 0)
		return rc;
	r->started = true;
	phase_open(r, st);
	while ((bad = unsettled(r, true, &last)) > 0 && run_now(r) < deadline)
		if ((rc = advance_to(r, run_now(r) + r->tick, err)) != 0)
			return rc;
	x = result_add(r, st);
	fmt_ms(b, sizeof(b), bound);
	if (bad > 0)
		result_set(r, x, false, "no steady state within %s: %zu of %zu "
		    "members not registered and joined with the Active", b,
		    bad, r->b.nmembers);
	else {
		x->at = last;
		fmt_ms(b, sizeof(b), run_now(r));
		result_set(r, x, true, "steady: %zu members registered and "
		    "joined, Active %s", r->b.nmembers,
		    active_of(r, 0) >= 0 ?
		    r->d->cc->mars[active_of(r, 0)].name : "per partition");
	}
	return 0;
}

static int
run_step(struct fail_run *r, const struct step *st, struct mars_err *err)
{
	int rc;

	switch (st->kind) {
	case ST_START:
		return run_start(r, st, err);
	case ST_WAIT:
		return advance_to(r, run_now(r) + st->dur, err);
	case ST_EXPECT:
		return run_expect(r, st, err);
	default:
		break;
	}
	phase_open(r, st);
	switch (st->kind) {
	case ST_KILL:
		rc = r->b.ops->kill(r, st->ent, err);
		break;
	case ST_HANG:
		if ((rc = r->b.ops->hang(r, st->ent, err)) != 0 || st->dur == 0)
			break;
		sample(r);
		if ((rc = advance_to(r, run_now(r) + st->dur, err)) != 0)
			break;
		rc = r->b.ops->resume(r, st->ent, err);
		break;
	case ST_RESUME:
		rc = r->b.ops->resume(r, st->ent, err);
		break;
	case ST_RESTART:
		rc = r->b.ops->restart(r, st->ent, err);
		break;
	case ST_PARTITION:
		r->cut = true;
		rc = r->b.ops->partition(r, st, err);
		break;
	case ST_HEAL:
		r->cut = false;
		rc = r->b.ops->heal(r, err);
		break;
	case ST_NET:
		rc = r->b.ops->net(r, &st->net, err);
		break;
	case ST_MCS:
		rc = r->b.ops->mcs(r, st->group, err);
		break;
	default:
		rc = 0;
		break;
	}
	sample(r);
	return rc;
}

int
run_invariants(struct fail_run *r, char *buf, size_t len)
{
	const struct mars_check_finding *f;

	if (mars_check_finding_total(r->chk) == 0)
		return 0;
	f = mars_check_finding(r->chk, 0);
	snprintf(buf, len, "%s: %s", mars_check_rule_info(f->rule)->name,
	    f->message);
	return -1;
}

static int
make_checker(struct fail_run *r, struct mars_err *err)
{
	struct mars_check_conf cf;
	int rc;

	mars_check_conf_init(&cf);
	if ((rc = mars_check_conf_cluster(&cf, r->d->cc, err)) != 0)
		return rc;
	cf.on_finding = on_finding;
	cf.ctx = r;
	if (r->b.ops->check_conf != NULL)
		r->b.ops->check_conf(r, &cf);
	return mars_check_new(&r->chk, &cf, err);
}

int
run_drill(struct fail_run *r, const struct fail_opts *o, struct drill *d)
{
	struct mars_err err;
	double w0;
	size_t i;
	int rc;

	memset(&err, 0, sizeof(err));
	memset(r, 0, sizeof(*r));
	r->o = o;
	r->d = d;
	r->seed = o->has_seed ? o->seed : d->has_seed ? d->seed : 1;
	r->dual_since = NEVER;
	r->pcap = o->pcap;
	r->explore = o->explore;
	for (i = 0; i < 32; i++) {
		r->cur_role[i] = -2;
		r->cur_seg[i] = (size_t)-1;
	}
	w0 = wall_now();
	rc = o->mode == MODE_SIM ? sim_backend(r, &r->b) :
	    lab_backend(r, &r->b);
	if (rc != 0)
		return rc;
	r->rereg_at = xrealloc(NULL, (r->b.nmembers + 1) *
	    sizeof(*r->rereg_at));
	r->cmi_before = xrealloc(NULL, (r->b.nmembers + 1) *
	    sizeof(*r->cmi_before));
	for (i = 0; i < r->b.nmembers; i++)
		r->rereg_at[i] = NEVER;
	if ((rc = r->b.ops->setup(r, &err)) != 0 ||
	    (rc = make_checker(r, &err)) != 0) {
		snprintf(r->errmsg, sizeof(r->errmsg), "%s%s%s",
		    err.field != NULL ? err.field : "",
		    err.field != NULL ? ": " : "",
		    err.why != NULL ? err.why : mars_strerror(rc));
		r->error = true;
		return rc;
	}
	r->t_start = r->b.ops->now(r);
	if (r->tick == 0)
		r->tick = 100;
	sample(r);
	for (i = 0; i < d->nsteps; i++) {
		memset(&err, 0, sizeof(err));
		if ((rc = run_step(r, &d->steps[i], &err)) != 0) {
			snprintf(r->errmsg, sizeof(r->errmsg), "%s: %s%s%s",
			    d->steps[i].text,
			    err.field != NULL ? err.field : "",
			    err.field != NULL ? ": " : "",
			    err.why != NULL ? err.why : mars_strerror(rc));
			r->errline = d->steps[i].line;
			r->error = true;
			break;
		}
		if (r->explore) {
			char why[FAIL_LINE_MAX];

			if (run_invariants(r, why, sizeof(why)) != 0) {
				r->explore_failed_step = i;
				r->explore_stopped = true;
				snprintf(r->errmsg, sizeof(r->errmsg), "%s", why);
				break;
			}
		}
	}
	phase_close(r);
	r->end = run_now(r);
	mars_check_end(r->chk);
	for (i = 0; i < r->b.nmars; i++)
		seg_close(r, (unsigned)i, r->end);
	if (r->b.ops->finish != NULL)
		r->b.ops->finish(r);
	r->wall_s = wall_now() - w0;
	return r->error ? -1 : 0;
}

void
run_free(struct fail_run *r)
{
	mars_check_free(r->chk);
	if (r->b.ops->free != NULL)
		r->b.ops->free(r);
	free(r->rereg_at);
	free(r->cmi_before);
	free(r->segs);
	free(r->curve);
	free(r->phases);
	free(r->res);
	r->chk = NULL;
}
