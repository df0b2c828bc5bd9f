/*
 * Reports of a run: text for people (per phase what was injected, how
 * long the failure took to be noticed, the re-registration times, CMIs
 * kept, memberships, maps, findings, two Actives, message rate; every
 * expect; a one-line verdict last), --json (mars-json(7) lines), --tap
 * and --junit for CI.
 */
#include <stdio.h>
#include <string.h>

#include "mars/redund.h"

#include "marsfail.h"

#define NEVER	MARS_TIME_NEVER

const char *
role_name(int role)
{
	switch (role) {
	case MARS_REDUND_DEAD:		return "dead";
	case MARS_REDUND_BACKUP:	return "backup";
	case MARS_REDUND_ACTIVE:	return "active";
	case ROLE_HUNG:			return "hung";
	}
	return "unknown";
}

void
fmt_ms(char *buf, size_t len, mars_time_t ms)
{
	if (ms == NEVER)
		snprintf(buf, len, "-");
	else if (ms < 1000)
		snprintf(buf, len, "%llu ms", (unsigned long long)ms);
	else
		snprintf(buf, len, "%.2f s", (double)ms / 1000.0);
}

static const char *
ent_name(const struct fail_run *r, int i)
{
	return i >= 0 && (size_t)i < r->d->cc->n_mars ?
	    r->d->cc->mars[i].name : "none";
}

static size_t
held_count(const struct fail_run *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->nres; i++)
		if (r->res[i].held)
			n++;
	return n;
}

const char *
verdict_line(struct fail_run *r, char *buf, size_t len)
{
	size_t held = held_count(r);

	if (r->error)
		snprintf(buf, len, "ERROR %s: %s", r->d->name, r->errmsg);
	else if (r->failed > 0)
		snprintf(buf, len, "FAIL %s: %d of %zu expects failed (%s, %zu "
		    "members)", r->d->name, r->failed, r->nres, r->b.mode,
		    r->b.nmembers);
	else
		snprintf(buf, len, "PASS %s: %zu of %zu expects held (%s, %zu "
		    "members)", r->d->name, held, r->nres, r->b.mode,
		    r->b.nmembers);
	return buf;
}

/* ---- text ---- */

static void
text_phase(FILE *fp, struct fail_run *r, const struct phase *ph, size_t n)
{
	char a[32], b[32], c[32], d[32];
	size_t i;

	fprintf(fp, "\nstep %zu, line %u, at %.3f s: %s\n", n + 1, ph->st->line,
	    (double)ph->t0 / 1000.0, ph->st->text);
	if (ph->st->kind != ST_START) {
		fmt_ms(a, sizeof(a), ph->detect_members);
		fmt_ms(b, sizeof(b), ph->detect_group);
		fprintf(fp, "  Active before %s, after %s; failure detected by "
		    "members after %s, new Active after %s\n",
		    ent_name(r, ph->active_before),
		    ent_name(r, ph->active_after), a, b);
	}
	fmt_ms(a, sizeof(a), ph->rereg_p50);
	fmt_ms(b, sizeof(b), ph->rereg_p99);
	fmt_ms(c, sizeof(c), ph->rereg_max);
	if (ph->rereg > 0)
		fprintf(fp, "  %s: %u of %zu members, p50 %s, p99 %s, max %s; "
		    "CMI kept by %u, changed for %u\n",
		    ph->st->kind == ST_START ? "registered" : "re-registered",
		    ph->rereg, r->b.nmembers, a, b, c, ph->kept_cmi,
		    ph->changed_cmi);
	else
		fprintf(fp, "  no member registered again\n");
	if (ph->membership_known)
		fprintf(fp, "  memberships: %llu lost, %llu invented\n",
		    (unsigned long long)ph->lost,
		    (unsigned long long)ph->invented);
	else
		fprintf(fp, "  memberships: cannot tell\n");
	fmt_ms(d, sizeof(d), ph->dual_ms);
	fprintf(fp, "  maps received %llu, findings %llu, two Actives %u "
	    "times (%s), %llu messages, %.0f/s\n",
	    (unsigned long long)ph->maps, (unsigned long long)ph->findings,
	    ph->dual_intervals, ph->dual_intervals > 0 ? d : "never",
	    (unsigned long long)ph->messages, ph->msgs_per_s);
	for (i = ph->first_expect; i < ph->first_expect + ph->nexpect; i++) {
		const struct expect_result *x = &r->res[i];

		fprintf(fp, "  %-4s line %u: %s -- %s\n",
		    x->held ? (x->told ? "ok" : "ok?") : "FAIL", x->st->line,
		    x->st->kind == ST_START ? "steady state" : x->st->text,
		    x->detail);
	}
}

void
report_text(FILE *fp, struct fail_run *r)
{
	const struct mars_check_finding *f;
	char buf[512];
	unsigned i, held = 0, broken = 0, unknown = 0;
	size_t k;
	int v;

	fprintf(fp, "drill %s (%s)%s%s\n", r->d->name, r->d->path,
	    r->d->title[0] != '\0' ? ": " : "", r->d->title);
	fprintf(fp, "%s mode, seed %llu, cluster %s (", r->b.mode,
	    (unsigned long long)r->seed, r->d->cluster_path);
	for (k = 0; k < r->d->cc->n_mars; k++)
		fprintf(fp, "%s%s", k > 0 ? " " : "", r->d->cc->mars[k].name);
	fprintf(fp, "), %zu members, %zu groups, %zu each\n", r->b.nmembers,
	    r->d->groups, r->d->groups_each);
	for (k = 0; k < r->nphases; k++)
		text_phase(fp, r, &r->phases[k], k);
	/* Expects before start have no phase. */
	for (k = 0; k < r->nres; k++)
		if (r->nphases == 0 || k < r->phases[0].first_expect)
			fprintf(fp, "  %-4s line %u: %s -- %s\n",
			    r->res[k].held ? "ok" : "FAIL", r->res[k].st->line,
			    r->res[k].st->text, r->res[k].detail);
	if (r->chk != NULL) {
		for (i = 0; i < MARS_CHECK_NRULES; i++) {
			v = mars_check_verdict(r->chk, i, NULL, NULL);
			if (v == MARS_CHECK_HELD)
				held++;
			else if (v == MARS_CHECK_BROKEN)
				broken++;
			else if (v == MARS_CHECK_CANNOT_TELL)
				unknown++;
		}
		fprintf(fp, "\nrules: %u held, %u broken, %u cannot tell; "
		    "%llu findings\n", held, broken, unknown,
		    (unsigned long long)mars_check_finding_total(r->chk));
		for (k = 0; (f = mars_check_finding(r->chk, k)) != NULL &&
		    (k < 10 || r->o->verbose > 0); k++)
			fprintf(fp, "  %.3f s %s: %s\n", (double)(f->us -
			    r->us_base) / 1e6 - (double)r->t_start / 1000.0,
			    mars_check_rule_info(f->rule)->name, f->message);
	}
	fprintf(fp, "%.1f s of cluster time in %.2f s, %llu messages\n",
	    (double)r->end / 1000.0, r->wall_s,
	    (unsigned long long)r->total_messages);
	if (r->o->html != NULL)
		fprintf(fp, "html report: %s\n", r->o->html);
	if (r->pcap != NULL)
		fprintf(fp, "capture: %s\n", r->pcap);
	fprintf(fp, "%s\n", verdict_line(r, buf, sizeof(buf)));
}

/* ---- JSON lines (mars-json(7)) ---- */

static void
json_ms(FILE *fp, const char *key, mars_time_t ms)
{
	if (ms == NEVER)
		fprintf(fp, ",\"%s\":null", key);
	else
		fprintf(fp, ",\"%s\":%llu", key, (unsigned long long)ms);
}

static void
json_ent(FILE *fp, const char *key, const struct fail_run *r, int i)
{
	fprintf(fp, ",\"%s\":", key);
	if (i < 0)
		fputs("null", fp);
	else
		diag_json_str(fp, ent_name(r, i));
}

void
report_json(FILE *fp, struct fail_run *r)
{
	const struct mars_check_finding *f;
	const struct mars_check_rule_info *ri;
	const struct phase *ph;
	const struct expect_result *x;
	uint64_t checked;
	char buf[512];
	size_t k, j;
	unsigned i;

	fputs("{\"type\":\"drill\",\"name\":", fp);
	diag_json_str(fp, r->d->name);
	fputs(",\"file\":", fp);
	diag_json_str(fp, r->d->path);
	fputs(",\"title\":", fp);
	diag_json_str(fp, r->d->title[0] != '\0' ? r->d->title : NULL);
	fprintf(fp, ",\"mode\":\"%s\",\"seed\":%llu,\"cluster\":", r->b.mode,
	    (unsigned long long)r->seed);
	diag_json_str(fp, r->d->cluster_path);
	fputs(",\"mars\":[", fp);
	for (k = 0; k < r->d->cc->n_mars; k++) {
		fputs(k > 0 ? "," : "", fp);
		diag_json_str(fp, r->d->cc->mars[k].name);
	}
	fprintf(fp, "],\"members\":%zu,\"groups\":%zu,\"groups_each\":%zu}\n",
	    r->b.nmembers, r->d->groups, r->d->groups_each);
	for (k = 0; k < r->nphases; k++) {
		ph = &r->phases[k];
		fprintf(fp, "{\"type\":\"phase\",\"index\":%zu,\"line\":%u,"
		    "\"step\":", k + 1, ph->st->line);
		diag_json_str(fp, ph->st->text);
		json_ms(fp, "start_ms", ph->t0);
		json_ms(fp, "end_ms", ph->t1);
		json_ent(fp, "active_before", r, ph->active_before);
		json_ent(fp, "active_after", r, ph->active_after);
		json_ms(fp, "detect_members_ms", ph->detect_members);
		json_ms(fp, "detect_group_ms", ph->detect_group);
		fprintf(fp, ",\"reregistered\":%u", ph->rereg);
		json_ms(fp, "rereg_p50_ms", ph->rereg > 0 ? ph->rereg_p50 :
		    NEVER);
		json_ms(fp, "rereg_p99_ms", ph->rereg > 0 ? ph->rereg_p99 :
		    NEVER);
		json_ms(fp, "rereg_max_ms", ph->rereg > 0 ? ph->rereg_max :
		    NEVER);
		fprintf(fp, ",\"cmi_kept\":%u,\"cmi_changed\":%u",
		    ph->kept_cmi, ph->changed_cmi);
		if (ph->membership_known)
			fprintf(fp, ",\"memberships_lost\":%llu,"
			    "\"memberships_invented\":%llu",
			    (unsigned long long)ph->lost,
			    (unsigned long long)ph->invented);
		else
			fputs(",\"memberships_lost\":null,"
			    "\"memberships_invented\":null", fp);
		fprintf(fp, ",\"maps\":%llu,\"findings\":%llu,"
		    "\"dual_active_intervals\":%u,\"dual_active_ms\":%llu,"
		    "\"messages\":%llu,\"messages_per_s\":%.1f}\n",
		    (unsigned long long)ph->maps,
		    (unsigned long long)ph->findings, ph->dual_intervals,
		    (unsigned long long)ph->dual_ms,
		    (unsigned long long)ph->messages, ph->msgs_per_s);
		for (j = ph->first_expect; j < ph->first_expect + ph->nexpect;
		    j++) {
			x = &r->res[j];
			fprintf(fp, "{\"type\":\"expect\",\"line\":%u,"
			    "\"expect\":", x->st->line);
			diag_json_str(fp, x->st->kind == ST_START ? "steady state" :
			    x->st->text);
			fprintf(fp, ",\"phase\":%zu,\"held\":%s,\"told\":%s",
			    k + 1, x->held ? "true" : "false",
			    x->told ? "true" : "false");
			json_ms(fp, "at_ms", x->held ? x->at : NEVER);
			fputs(",\"detail\":", fp);
			diag_json_str(fp, x->detail);
			fputs("}\n", fp);
		}
	}
	for (i = 0; r->chk != NULL && i < MARS_CHECK_NRULES; i++) {
		ri = mars_check_rule_info(i);
		fputs("{\"type\":\"rule\",\"name\":", fp);
		diag_json_str(fp, ri->name);
		fputs(",\"ref\":", fp);
		diag_json_str(fp, ri->ref);
		fprintf(fp, ",\"verdict\":\"%s\"", mars_check_verdict_name(
		    mars_check_verdict(r->chk, i, NULL, &checked)));
		fprintf(fp, ",\"checked\":%llu}\n",
		    (unsigned long long)checked);
	}
	for (k = 0; r->chk != NULL && (f = mars_check_finding(r->chk, k)) !=
	    NULL; k++) {
		fputs("{\"type\":\"finding\",\"rule\":", fp);
		diag_json_str(fp, mars_check_rule_info(f->rule)->name);
		fprintf(fp, ",\"severity\":\"%s\",\"time_ms\":%llu",
		    f->severity == MARS_CHECK_ERROR ? "error" : "warning",
		    (unsigned long long)((f->us - r->us_base) / 1000 -
		    r->t_start));
		json_ent(fp, "mars", r, f->mars);
		fputs(",\"message\":", fp);
		diag_json_str(fp, f->message);
		fputs("}\n", fp);
	}
	fprintf(fp, "{\"type\":\"summary\",\"verdict\":\"%s\",\"expects\":%zu,"
	    "\"held\":%zu,\"failed\":%d,\"duration_ms\":%llu,\"wall_ms\":%.0f,"
	    "\"messages\":%llu,\"html\":", r->error ? "error" :
	    r->failed > 0 ? "fail" : "pass", r->nres, held_count(r), r->failed,
	    (unsigned long long)r->end, r->wall_s * 1000.0,
	    (unsigned long long)r->total_messages);
	diag_json_str(fp, r->o->html);
	fputs(",\"pcap\":", fp);
	diag_json_str(fp, r->pcap);
	fputs(",\"message\":", fp);
	diag_json_str(fp, verdict_line(r, buf, sizeof(buf)));
	fputs("}\n", fp);
}

/* ---- TAP ---- */

static void
tap_line(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++)
		putc(*s == '#' ? '_' : *s == '\n' ? ' ' : *s, fp);
}

void
report_tap(FILE *fp, struct fail_run *r)
{
	const struct expect_result *x;
	char buf[512];
	size_t k;

	fprintf(fp, "TAP version 13\n1..%zu\n", r->nres + (r->error ? 1 : 0));
	for (k = 0; k < r->nres; k++) {
		x = &r->res[k];
		fprintf(fp, "%s %zu - %s line %u: ", x->held ? "ok" : "not ok",
		    k + 1, r->d->name, x->st->line);
		tap_line(fp, x->st->kind == ST_START ? "start: steady state" :
		    x->st->text);
		fputs(" # ", fp);
		if (!x->told)
			fputs("cannot tell: ", fp);
		tap_line(fp, x->detail);
		putc('\n', fp);
	}
	if (r->error) {
		fprintf(fp, "not ok %zu - %s line %u: ", r->nres + 1,
		    r->d->name, r->errline);
		tap_line(fp, r->errmsg);
		putc('\n', fp);
	}
	fputs("# ", fp);
	tap_line(fp, verdict_line(r, buf, sizeof(buf)));
	putc('\n', fp);
}

/* ---- JUnit XML ---- */

static void
xml_str(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '<':	fputs("&lt;", fp); break;
		case '>':	fputs("&gt;", fp); break;
		case '&':	fputs("&amp;", fp); break;
		case '"':	fputs("&quot;", fp); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				putc(*s, fp);
		}
}

void
report_junit(FILE *fp, struct fail_run *r)
{
	const struct expect_result *x;
	size_t k;

	fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites>\n<testsuite name=\"");
	xml_str(fp, r->d->name);
	fprintf(fp, "\" tests=\"%zu\" failures=\"%d\" errors=\"%d\" "
	    "time=\"%.3f\">\n", r->nres + (r->error ? 1 : 0), r->failed,
	    r->error ? 1 : 0, r->wall_s);
	for (k = 0; k < r->nres; k++) {
		x = &r->res[k];
		fputs("  <testcase classname=\"marsfail.", fp);
		xml_str(fp, r->d->name);
		fprintf(fp, "\" name=\"line %u: ", x->st->line);
		xml_str(fp, x->st->kind == ST_START ? "start: steady state" :
		    x->st->text);
		fputs("\" time=\"0\"", fp);
		if (x->held) {
			fputs("/>\n", fp);
			continue;
		}
		fputs(">\n    <failure message=\"", fp);
		xml_str(fp, x->detail);
		fputs("\"/>\n  </testcase>\n", fp);
	}
	if (r->error) {
		fputs("  <testcase classname=\"marsfail.", fp);
		xml_str(fp, r->d->name);
		fprintf(fp, "\" name=\"line %u\" time=\"0\">\n    <error "
		    "message=\"", r->errline);
		xml_str(fp, r->errmsg);
		fputs("\"/>\n  </testcase>\n", fp);
	}
	fputs("</testsuite>\n</testsuites>\n", fp);
}
