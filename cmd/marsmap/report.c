/*
 * The summary table (marsmap without --json): the MARS entities and
 * their roles, who was Active when (epochs), the current redirect maps,
 * the members with their CMI per registration, the MCS-supported
 * groups, every rule's verdict and the findings with frames and section.
 * Fits 80 columns but for ATM addresses, which are printed whole.
 */
#include <stdio.h>
#include <string.h>

#include "marsmap.h"

#define MEMBERS_SHOWN	50	/* without -v */

static void
hex(struct mars_out *ob, const uint8_t *p, size_t n)
{
	if (n == 0)
		mars_out_puts(ob, "-");
	else
		mars_out_hex(ob, p, n);
}

static void
section(struct mars_out *ob, const char *title)
{
	mars_out_putc(ob, '\n');
	mars_out_puts(ob, title);
	mars_out_putc(ob, '\n');
}

static void
entities(struct mars_out *ob, const struct mars_check *c)
{
	struct mars_check_mars_info mi;
	char name[48], end[64];
	size_t i;

	section(ob, "MARS entities");
	mars_out_printf(ob, "  %-8s %-40s %-7s %-5s %5s %s\n", "name", "atm",
	    "role", "alive", "maps", "csn (first..last, sequences, gaps)");
	for (i = 0; i < mars_check_mars_count(c); i++) {
		if (!mars_check_mars(c, i, &mi))
			continue;
		mm_mars_name(c, (int)i, name, sizeof(name));
		mars_out_printf(ob, "  %-8.8s ", mi.name[0] ? mi.name : "-");
		if (mi.atm_len > 0)
			hex(ob, mi.atm, mi.atm_len);
		else {
			mars_end_format(&mi.end, end, sizeof(end));
			mars_out_printf(ob, "%-40s", end[0] ? end : "-");
		}
		mars_out_printf(ob, " %-7s %-5s %5llu ",
		    mars_check_role_name(mi.role),
		    !mi.liveness_known ? "?" : mi.alive ? "yes" : "no",
		    (unsigned long long)mi.maps);
		if (mi.has_csn)
			mars_out_printf(ob, "%u..%u, %u, %llu", mi.csn_first,
			    mi.csn_last, mi.sequences,
			    (unsigned long long)mi.csn_gaps);
		else
			mars_out_puts(ob, "-");
		mars_out_putc(ob, '\n');
	}
}

static void
epochs(struct mars_out *ob, const struct mars_check *c)
{
	struct mars_check_epoch_info ep;
	char name[48], t1[32], t2[32];
	size_t i;

	section(ob, "Epochs (who was Active, from its first map to its last)");
	if (mars_check_epoch_count(c) == 0) {
		mars_out_puts(ob, "  none: no Active sent a map\n");
		return;
	}
	mars_out_printf(ob, "  %-10s %-12s %-12s %-12s %6s %8s\n", "partition",
	    "active", "from", "to", "maps", "frame");
	for (i = 0; mars_check_epoch(c, i, &ep); i++) {
		mm_time_text(ep.start_us, t1, sizeof(t1));
		mm_time_text(ep.end_us, t2, sizeof(t2));
		mars_out_printf(ob, "  %-10.10s %-12.12s %-12s %-12s %6llu "
		    "%8llu\n", mars_check_partition_name(c,
		    (size_t)ep.partition), mm_mars_short(c, ep.active, name,
		    sizeof(name)), t1, t2, (unsigned long long)ep.maps,
		    (unsigned long long)ep.first_frame);
	}
}

static void
maps(struct mars_out *ob, const struct mars_check *c)
{
	struct mars_check_map_info mi;
	char name[48], t[32];
	size_t p, k;

	section(ob, "Current redirect maps");
	for (p = 0; p < mars_check_partition_count(c); p++) {
		mars_out_printf(ob, "  %-10.10s ",
		    mars_check_partition_name(c, p));
		if (!mars_check_current_map(c, p, &mi)) {
			mars_out_puts(ob, "none\n");
			continue;
		}
		mm_time_text(mi.us, t, sizeof(t));
		mars_out_printf(ob, "from %s, %s%s, %s, frame %llu:",
		    mm_mars_name(c, mi.sender, name, sizeof(name)),
		    mi.hard ? "hard" : "soft", mi.private_vc ? " private" : "",
		    t, (unsigned long long)mi.frame);
		for (k = 0; k < mi.n; k++)
			mars_out_printf(ob, " %s", mm_mars_name(c,
			    mi.entries[k], name, sizeof(name)));
		mars_out_putc(ob, '\n');
	}
}

static void
members(struct mars_out *ob, const struct mars_check *c, int verbose)
{
	struct mars_check_member_info mb;
	char name[48], g[64];
	size_t i, k, n = mars_check_member_count(c);

	section(ob, "Members (CMI per registration: cmi@mars)");
	if (n == 0) {
		mars_out_puts(ob, "  none seen\n");
		return;
	}
	mars_out_printf(ob, "  %-40s %5s %-12s %s\n", "atm", "cmi", "mars",
	    "history / groups");
	for (i = 0; i < n && (verbose > 0 || i < MEMBERS_SHOWN); i++) {
		if (!mars_check_member(c, i, &mb))
			continue;
		mars_out_puts(ob, "  ");
		hex(ob, mb.atm, mb.atm_len);
		if (mb.cmi != 0)
			mars_out_printf(ob, " %5u", mb.cmi);
		else
			mars_out_printf(ob, " %5s", "-");
		mars_out_printf(ob, " %-12.12s", mb.mars >= 0 ? mm_mars_short(c,
		    mb.mars, name, sizeof(name)) : "-");
		for (k = 0; k < mb.nhist; k++)
			mars_out_printf(ob, "%s%u@%s", k ? " " : " ",
			    mb.hist[k].cmi, mm_mars_short(c, mb.hist[k].mars,
			    name, sizeof(name)));
		if (mb.ngroups > 0) {
			mars_out_puts(ob, mb.nhist ? " /" : " ");
			for (k = 0; mars_check_member_group(c, i, k, g,
			    sizeof(g)); k++)
				mars_out_printf(ob, " %s", g);
			if (mb.groups_dropped)
				mars_out_printf(ob, " (+%zu)",
				    mb.groups_dropped);
		}
		if (!mb.registered && mb.nhist > 0)
			mars_out_puts(ob, " (deregistered)");
		mars_out_putc(ob, '\n');
	}
	if (i < n)
		mars_out_printf(ob, "  ... and %zu more (-v shows them all)\n",
		    n - i);
}

static void
mcs(struct mars_out *ob, const struct mars_check *c)
{
	char g[64];
	size_t i;

	if (mars_check_mcs_group_count(c) == 0)
		return;
	section(ob, "MCS-supported groups");
	mars_out_puts(ob, " ");
	for (i = 0; mars_check_mcs_group(c, i, g, sizeof(g)); i++)
		mars_out_printf(ob, " %s", g);
	mars_out_putc(ob, '\n');
}

static void
rules(struct mars_out *ob, const struct mars_check *c)
{
	const struct mars_check_rule_info *ri;
	const char *why;
	uint64_t checked;
	unsigned i;
	int v;

	section(ob, "Rules");
	mars_out_printf(ob, "  %-26s %-11s %7s  %s\n", "rule", "verdict",
	    "checked", "section / why not told");
	for (i = 0; (ri = mars_check_rule_info(i)) != NULL; i++) {
		v = mars_check_verdict(c, i, &why, &checked);
		if (v == MARS_CHECK_OFF)
			continue;
		mars_out_printf(ob, "  %-26s %-11s %7llu  %s\n", ri->name,
		    mars_check_verdict_name(v), (unsigned long long)checked,
		    v == MARS_CHECK_CANNOT_TELL ? why : ri->ref);
	}
}

void
mm_text_finding(struct mars_out *ob, const struct mars_check *c,
    const struct mars_check_finding *f)
{
	const struct mars_check_rule_info *ri = mars_check_rule_info(f->rule);
	char t[32];
	unsigned k;

	mm_time_text(f->us, t, sizeof(t));
	mars_out_printf(ob, "  %s %s %s", t, ri->name,
	    f->severity == MARS_CHECK_WARNING ? "(warning)" : "(error)");
	if (f->nframes > 0) {
		mars_out_puts(ob, f->nframes > 1 ? " frames" : " frame");
		for (k = 0; k < f->nframes; k++)
			mars_out_printf(ob, "%s%llu", k ? "," : " ",
			    (unsigned long long)f->frames[k]);
	}
	mars_out_printf(ob, "\n      %s [%s]\n", f->message, ri->ref);
}

static void
findings(struct mars_out *ob, const struct mars_check *c)
{
	uint64_t total = mars_check_finding_total(c);
	size_t i, n = mars_check_finding_count(c);

	mars_out_printf(ob, "\nFindings (%llu)\n", (unsigned long long)total);
	if (total == 0) {
		mars_out_puts(ob, "  none\n");
		return;
	}
	for (i = 0; i < n; i++)
		mm_text_finding(ob, c, mars_check_finding(c, i));
	if (total > n)
		mars_out_printf(ob, "  ... and %llu more not kept\n",
		    (unsigned long long)(total - n));
}

void
mm_report(struct mars_out *ob, const struct mars_check *c,
    const struct mm_opts *o, const char *source)
{
	const struct mars_check_stats *st = mars_check_stats(c);
	unsigned broken = mars_check_broken(c);

	mars_out_printf(ob, "marsmap: %s: %llu messages (%llu per-leaf copies, "
	    "%llu malformed, %llu nonconforming) over %.1f s\n", source,
	    (unsigned long long)st->messages, (unsigned long long)st->copies,
	    (unsigned long long)st->malformed,
	    (unsigned long long)st->nonconforming,
	    st->last_us > st->first_us ?
	    (double)(st->last_us - st->first_us) / 1e6 : 0.0);
	mars_out_printf(ob, "cluster file: %s; inter-server traffic: %s\n",
	    o->cfile != NULL ? o->cfile : "none (what needs it cannot be told)",
	    st->scsp_visible ? "seen (liveness known)" :
	    "not seen (liveness unknown)");
	entities(ob, c);
	epochs(ob, c);
	maps(ob, c);
	members(ob, c, o->verbose);
	mcs(ob, c);
	rules(ob, c);
	findings(ob, c);
	mars_out_printf(ob, "\n%s: %u rule%s broken\n",
	    broken ? "BROKEN" : "OK", broken, broken == 1 ? "" : "s");
}

void
mm_list_rules(struct mars_out *ob, bool json)
{
	const struct mars_check_rule_info *ri;
	unsigned i;

	for (i = 0; (ri = mars_check_rule_info(i)) != NULL; i++) {
		if (json) {
			mars_out_puts(ob, "{\"type\":\"rule\",\"rule\":");
			mars_out_json_str(ob, ri->name);
			mars_out_puts(ob, ",\"severity\":");
			mars_out_json_str(ob, ri->severity ==
			    MARS_CHECK_WARNING ? "warning" : "error");
			mars_out_puts(ob, ",\"ref\":");
			mars_out_json_str(ob, ri->ref);
			mars_out_puts(ob, ",\"text\":");
			mars_out_json_str(ob, ri->text);
			mars_out_puts(ob, "}\n");
		} else
			mars_out_printf(ob, "%-26s %-7s %s\n    %s\n", ri->name,
			    ri->severity == MARS_CHECK_WARNING ? "warning" :
			    "error", ri->ref, ri->text);
	}
}
