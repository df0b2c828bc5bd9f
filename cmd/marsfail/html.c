/*
 * --html FILE: one self-contained page (no script, no outside resource)
 * with an SVG timeline of the run -- each MARS's role over time as a band
 * (Active green, Backup blue, dead grey, hung amber), the members'
 * registration curve, every fault as a dashed line and every finding as
 * a red mark -- then the phases and expects as tables.  The layout is
 * fixed so that a screenshot can be checked: the SVG is at the page's
 * top left, the time axis runs from x = 100 (run start) to x = 980 (run
 * end), entity i's band fills y = 40 + 40 i to 70 + 40 i.
 */
#include <stdio.h>
#include <string.h>

#include "mars/redund.h"

#include "marsfail.h"

#define X0	100.0
#define X1	980.0
#define ROW0	40
#define ROWH	40
#define BANDH	30
#define CURVEH	120

static const char *
role_colour(int role)
{
	switch (role) {
	case MARS_REDUND_ACTIVE:	return "#2e7d32";
	case MARS_REDUND_BACKUP:	return "#1565c0";
	case MARS_REDUND_DEAD:		return "#9e9e9e";
	case ROLE_HUNG:			return "#f9a825";
	}
	return "#e0e0e0";
}

static void
html_str(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '<':	fputs("&lt;", fp); break;
		case '>':	fputs("&gt;", fp); break;
		case '&':	fputs("&amp;", fp); break;
		case '"':	fputs("&quot;", fp); break;
		default:	putc(*s, fp);
		}
}

static double
xpos(const struct fail_run *r, double ms)
{
	double end = r->end > 0 ? (double)r->end : 1.0;

	if (ms < 0)
		ms = 0;
	if (ms > end)
		ms = end;
	return X0 + (X1 - X0) * ms / end;
}

static void
svg(FILE *fp, struct fail_run *r)
{
	const struct mars_check_finding *f;
	const struct role_seg *sg;
	size_t i, n = r->b.nmars, k;
	double curve_top = ROW0 + (double)n * ROWH + 30, y, x, w, t;
	double height = curve_top + CURVEH + 60;
	uint32_t maxreg = (uint32_t)(r->b.nmembers > 0 ? r->b.nmembers : 1);

	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1000\" "
	    "height=\"%.0f\" viewBox=\"0 0 1000 %.0f\" "
	    "shape-rendering=\"crispEdges\" font-family=\"sans-serif\" "
	    "font-size=\"12\" style=\"display:block\">\n", height, height);
	fprintf(fp, "<rect x=\"0\" y=\"0\" width=\"1000\" height=\"%.0f\" "
	    "fill=\"#ffffff\"/>\n", height);
	fprintf(fp, "<text x=\"%.0f\" y=\"20\">roles over %.1f s "
	    "(green Active, blue Backup, grey dead, amber hung)</text>\n",
	    X0, (double)r->end / 1000.0);
	for (i = 0; i < n; i++) {
		y = ROW0 + (double)i * ROWH;
		fprintf(fp, "<text x=\"10\" y=\"%.0f\">", y + 20);
		html_str(fp, r->d->cc->mars[i].name);
		fprintf(fp, "</text>\n<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" "
		    "height=\"%d\" fill=\"#e0e0e0\"/>\n", X0, y, X1 - X0,
		    BANDH);
	}
	for (k = 0; k < r->nsegs; k++) {
		sg = &r->segs[k];
		x = xpos(r, (double)sg->start);
		w = xpos(r, (double)sg->end) - x;
		if (w < 1)
			w = 1;
		y = ROW0 + (double)sg->ent * ROWH;
		fprintf(fp, "<rect class=\"role-%s\" x=\"%.1f\" y=\"%.0f\" "
		    "width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>", 
		    role_name(sg->role), x, y, w, BANDH,
		    role_colour(sg->role));
		html_str(fp, r->d->cc->mars[sg->ent].name);
		fprintf(fp, " %s %.3f-%.3f s</title></rect>\n",
		    role_name(sg->role), (double)sg->start / 1000.0,
		    (double)sg->end / 1000.0);
	}
	/* The registration curve. */
	fprintf(fp, "<text x=\"%.0f\" y=\"%.0f\">members registered (of "
	    "%zu)</text>\n", X0, curve_top - 8, r->b.nmembers);
	fprintf(fp, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%d\" "
	    "fill=\"#fafafa\" stroke=\"#bdbdbd\"/>\n", X0, curve_top, X1 - X0,
	    CURVEH);
	fputs("<polyline class=\"curve\" fill=\"none\" stroke=\"#6a1b9a\" "
	    "stroke-width=\"2\" shape-rendering=\"auto\" points=\"", fp);
	for (k = 0; k < r->ncurve; k++)
		fprintf(fp, "%.1f,%.1f ", xpos(r, (double)r->curve[k].t),
		    curve_top + CURVEH - (double)CURVEH *
		    r->curve[k].registered / maxreg);
	fputs("\"/>\n", fp);
	/* Faults. */
	for (k = 0; k < r->nphases; k++) {
		x = xpos(r, (double)r->phases[k].t0);
		fprintf(fp, "<line class=\"fault\" x1=\"%.1f\" y1=\"%d\" "
		    "x2=\"%.1f\" y2=\"%.0f\" stroke=\"#000000\" "
		    "stroke-dasharray=\"4 3\"/>\n<text x=\"%.1f\" y=\"%.0f\" "
		    "font-size=\"10\">", x, ROW0 - 5, x, curve_top + CURVEH, x + 2,
		    curve_top + CURVEH + 14 + (double)(k % 3) * 12);
		html_str(fp, r->phases[k].st->text);
		fputs("</text>\n", fp);
	}
	/* Findings, on the row of their entity or above the bands. */
	for (k = 0; r->chk != NULL && (f = mars_check_finding(r->chk, k)) !=
	    NULL; k++) {
		t = (double)(f->us - r->us_base) / 1000.0 -
		    (double)r->t_start;
		x = xpos(r, t);
		y = f->mars >= 0 && (size_t)f->mars < n ?
		    ROW0 + (double)f->mars * ROWH + BANDH / 2.0 : ROW0 - 10;
		fprintf(fp, "<circle class=\"finding\" cx=\"%.1f\" cy=\"%.1f\" "
		    "r=\"5\" fill=\"#d50000\" shape-rendering=\"auto\">"
		    "<title>", x, y);
		html_str(fp, mars_check_rule_info(f->rule)->name);
		fputs(": ", fp);
		html_str(fp, f->message);
		fputs("</title></circle>\n", fp);
	}
	fputs("</svg>\n", fp);
}

int
report_html(const char *path, struct fail_run *r)
{
	const struct expect_result *x;
	const struct phase *ph;
	char buf[512], a[32], b[32], c[32];
	FILE *fp;
	size_t k;

	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<title>marsfail ", fp);
	html_str(fp, r->d->name);
	fputs("</title>\n<style>body{margin:0;font-family:sans-serif;"
	    "font-size:13px}main{margin:8px}table{border-collapse:collapse}"
	    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}"
	    ".pass{color:#2e7d32}.fail{color:#d50000}</style></head>\n<body>\n",
	    fp);
	svg(fp, r);
	fputs("<main>\n<h1>", fp);
	html_str(fp, r->d->name);
	if (r->d->title[0] != '\0') {
		fputs(": ", fp);
		html_str(fp, r->d->title);
	}
	fprintf(fp, "</h1>\n<p class=\"%s\" id=\"verdict\">",
	    r->error || r->failed > 0 ? "fail" : "pass");
	html_str(fp, verdict_line(r, buf, sizeof(buf)));
	fprintf(fp, "</p>\n<p>%s mode, seed %llu, %zu members, cluster ",
	    r->b.mode, (unsigned long long)r->seed, r->b.nmembers);
	html_str(fp, r->d->cluster_path);
	fputs("</p>\n<h2>Steps</h2>\n<table><tr><th>line</th><th>step</th>"
	    "<th>at</th><th>Active before / after</th><th>detected</th>"
	    "<th>re-registered</th><th>p50</th><th>p99</th><th>max</th>"
	    "<th>CMI kept</th><th>lost / invented</th><th>maps</th>"
	    "<th>findings</th><th>two Actives</th><th>msgs/s</th></tr>\n", fp);
	for (k = 0; k < r->nphases; k++) {
		ph = &r->phases[k];
		fmt_ms(a, sizeof(a), ph->rereg_p50);
		fmt_ms(b, sizeof(b), ph->rereg_p99);
		fmt_ms(c, sizeof(c), ph->rereg_max);
		fprintf(fp, "<tr><td>%u</td><td>", ph->st->line);
		html_str(fp, ph->st->text);
		fprintf(fp, "</td><td>%.3f s</td><td>%s / %s</td>",
		    (double)ph->t0 / 1000.0,
		    ph->active_before >= 0 ?
		    r->d->cc->mars[ph->active_before].name : "-",
		    ph->active_after >= 0 ?
		    r->d->cc->mars[ph->active_after].name : "-");
		fmt_ms(buf, sizeof(buf), ph->detect_members);
		fprintf(fp, "<td>%s</td><td>%u</td><td>%s</td><td>%s</td>"
		    "<td>%s</td><td>%u</td>", buf, ph->rereg,
		    ph->rereg ? a : "-", ph->rereg ? b : "-",
		    ph->rereg ? c : "-", ph->kept_cmi);
		if (ph->membership_known)
			fprintf(fp, "<td>%llu / %llu</td>",
			    (unsigned long long)ph->lost,
			    (unsigned long long)ph->invented);
		else
			fputs("<td>?</td>", fp);
		fprintf(fp, "<td>%llu</td><td>%llu</td><td>%u</td>"
		    "<td>%.0f</td></tr>\n", (unsigned long long)ph->maps,
		    (unsigned long long)ph->findings, ph->dual_intervals,
		    ph->msgs_per_s);
	}
	fputs("</table>\n<h2>Expects</h2>\n<table><tr><th>line</th>"
	    "<th>expect</th><th>result</th><th>detail</th></tr>\n", fp);
	for (k = 0; k < r->nres; k++) {
		x = &r->res[k];
		fprintf(fp, "<tr><td>%u</td><td>", x->st->line);
		html_str(fp, x->st->kind == ST_START ? "start: steady state" :
		    x->st->text);
		fprintf(fp, "</td><td class=\"%s\">%s</td><td>",
		    x->held ? "pass" : "fail", x->held ? (x->told ? "held" :
		    "cannot tell") : "FAILED");
		html_str(fp, x->detail);
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n</main>\n</body></html>\n", fp);
	return fclose(fp) == 0 ? 0 : -1;
}
