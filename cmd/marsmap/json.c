/*
 * marsmap --json: one object (mars-json(7)), type "report", with the
 * verdict of every rule, the findings, and what was reconstructed;
 * live modes also write each finding as it is made, type "finding".
 * Times are seconds on the stream's clock (a capture's time stamps since
 * the Epoch) with six decimals, under "time" as each finding has it.
 */
#include <stdio.h>
#include <string.h>

#include "marsmap.h"

static void
jtime(struct mars_out *ob, uint64_t us)
{
	if (us == 0)
		mars_out_puts(ob, "null");
	else
		mars_out_printf(ob, "%llu.%06u",
		    (unsigned long long)(us / 1000000u),
		    (unsigned)(us % 1000000u));
}

static void
jhex(struct mars_out *ob, const uint8_t *p, size_t n)
{
	if (n == 0) {
		mars_out_puts(ob, "null");
		return;
	}
	mars_out_putc(ob, '"');
	mars_out_hex(ob, p, n);
	mars_out_putc(ob, '"');
}

static void
jname(struct mars_out *ob, const struct mars_check *c, int i)
{
	char name[64];

	if (i < 0)
		mars_out_puts(ob, "null");
	else
		mars_out_json_str(ob, mm_mars_name(c, i, name, sizeof(name)));
}

static void
jkey(struct mars_out *ob, bool *first, const char *key)
{
	if (!*first)
		mars_out_putc(ob, ',');
	*first = false;
	mars_out_putc(ob, '"');
	mars_out_puts(ob, key);
	mars_out_puts(ob, "\":");
}

static void
finding_body(struct mars_out *ob, const struct mars_check_finding *f)
{
	const struct mars_check_rule_info *ri = mars_check_rule_info(f->rule);
	unsigned k;

	mars_out_puts(ob, "\"rule\":");
	mars_out_json_str(ob, ri->name);
	mars_out_puts(ob, ",\"severity\":");
	mars_out_json_str(ob, f->severity == MARS_CHECK_WARNING ? "warning" :
	    "error");
	mars_out_puts(ob, ",\"frames\":[");
	for (k = 0; k < f->nframes; k++)
		mars_out_printf(ob, "%s%llu", k ? "," : "",
		    (unsigned long long)f->frames[k]);
	mars_out_puts(ob, "],\"time\":");
	jtime(ob, f->us);
	mars_out_puts(ob, ",\"message\":");
	mars_out_json_str(ob, f->message);
	mars_out_puts(ob, ",\"ref\":");
	mars_out_json_str(ob, ri->ref);
}

void
mm_json_finding(struct mars_out *ob, const struct mars_check_finding *f)
{
	mars_out_puts(ob, "{\"type\":\"finding\",");
	finding_body(ob, f);
	mars_out_puts(ob, "}\n");
}

static void
rules(struct mars_out *ob, const struct mars_check *c)
{
	const struct mars_check_rule_info *ri;
	const char *why;
	uint64_t checked;
	unsigned i;
	bool first = true;
	int v;

	mars_out_puts(ob, ",\"rules\":[");
	for (i = 0; (ri = mars_check_rule_info(i)) != NULL; i++) {
		v = mars_check_verdict(c, i, &why, &checked);
		if (v == MARS_CHECK_OFF)
			continue;
		mars_out_puts(ob, first ? "{" : ",{");
		first = false;
		mars_out_puts(ob, "\"rule\":");
		mars_out_json_str(ob, ri->name);
		mars_out_puts(ob, ",\"verdict\":");
		mars_out_json_str(ob, mars_check_verdict_name(v));
		mars_out_printf(ob, ",\"checked\":%llu,\"severity\":",
		    (unsigned long long)checked);
		mars_out_json_str(ob, ri->severity == MARS_CHECK_WARNING ?
		    "warning" : "error");
		mars_out_puts(ob, ",\"ref\":");
		mars_out_json_str(ob, ri->ref);
		mars_out_puts(ob, ",\"why\":");
		if (why != NULL)
			mars_out_json_str(ob, why);
		else
			mars_out_puts(ob, "null");
		mars_out_putc(ob, '}');
	}
	mars_out_putc(ob, ']');
}

static void
findings(struct mars_out *ob, const struct mars_check *c)
{
	const struct mars_check_finding *f;
	size_t i;

	mars_out_puts(ob, ",\"findings\":[");
	for (i = 0; (f = mars_check_finding(c, i)) != NULL; i++) {
		mars_out_puts(ob, i ? ",{" : "{");
		finding_body(ob, f);
		mars_out_puts(ob, ",\"mars\":");
		jname(ob, c, f->mars);
		mars_out_putc(ob, '}');
	}
	mars_out_printf(ob, "],\"findings_total\":%llu",
	    (unsigned long long)mars_check_finding_total(c));
}

static void
entities(struct mars_out *ob, const struct mars_check *c)
{
	struct mars_check_mars_info mi;
	char end[64];
	size_t i;
	bool first = true;

	mars_out_puts(ob, ",\"mars\":[");
	for (i = 0; i < mars_check_mars_count(c); i++) {
		if (!mars_check_mars(c, i, &mi))
			continue;
		mars_out_puts(ob, first ? "{\"name\":" : ",{\"name\":");
		first = false;
		if (mi.name[0] != '\0')
			mars_out_json_str(ob, mi.name);
		else
			mars_out_puts(ob, "null");
		mars_out_puts(ob, ",\"atm\":");
		jhex(ob, mi.atm, mi.atm_len);
		mars_out_puts(ob, ",\"endpoint\":");
		if (mi.end.kind == MARS_END_UDP4 ||
		    mi.end.kind == MARS_END_UDP6) {
			mars_end_format(&mi.end, end, sizeof(end));
			mars_out_json_str(ob, end);
		} else
			mars_out_puts(ob, "null");
		mars_out_puts(ob, ",\"role\":");
		mars_out_json_str(ob, mars_check_role_name(mi.role));
		mars_out_puts(ob, ",\"alive\":");
		mars_out_puts(ob, !mi.liveness_known ? "null" : mi.alive ?
		    "true" : "false");
		mars_out_printf(ob, ",\"maps\":%llu,\"ccvc_messages\":%llu",
		    (unsigned long long)mi.maps,
		    (unsigned long long)mi.ccvc_msgs);
		if (mi.has_csn)
			mars_out_printf(ob, ",\"csn_first\":%u,\"csn_last\":%u",
			    mi.csn_first, mi.csn_last);
		else
			mars_out_puts(ob, ",\"csn_first\":null,"
			    "\"csn_last\":null");
		mars_out_printf(ob, ",\"sequences\":%u,\"csn_gaps\":%llu}",
		    mi.sequences, (unsigned long long)mi.csn_gaps);
	}
	mars_out_putc(ob, ']');
}

static void
sequences(struct mars_out *ob, const struct mars_check *c)
{
	struct mars_check_seq_info si;
	size_t i;

	mars_out_puts(ob, ",\"csn\":[");
	for (i = 0; mars_check_seq(c, i, &si); i++) {
		mars_out_puts(ob, i ? ",{\"mars\":" : "{\"mars\":");
		jname(ob, c, si.mars);
		mars_out_puts(ob, ",\"vc\":");
		mars_out_json_str(ob, si.vc == MARS_VC_SCVC ? "scvc" : "ccvc");
		mars_out_puts(ob, ",\"label\":");
		if (si.has_label)
			mars_out_printf(ob, "\"%u/%u\"", si.vpi, si.vci);
		else
			mars_out_puts(ob, "null");
		mars_out_printf(ob, ",\"first\":%u,\"last\":%u,"
		    "\"messages\":%llu,\"gaps\":%llu}", si.first, si.last,
		    (unsigned long long)si.messages,
		    (unsigned long long)si.gaps);
	}
	mars_out_putc(ob, ']');
}

static void
epochs(struct mars_out *ob, const struct mars_check *c)
{
	struct mars_check_epoch_info ep;
	size_t i;

	mars_out_puts(ob, ",\"epochs\":[");
	for (i = 0; mars_check_epoch(c, i, &ep); i++) {
		mars_out_puts(ob, i ? ",{\"partition\":" : "{\"partition\":");
		mars_out_json_str(ob, mars_check_partition_name(c,
		    (size_t)ep.partition));
		mars_out_puts(ob, ",\"active\":");
		jname(ob, c, ep.active);
		mars_out_puts(ob, ",\"from\":");
		jtime(ob, ep.start_us);
		mars_out_puts(ob, ",\"to\":");
		jtime(ob, ep.end_us);
		mars_out_printf(ob, ",\"maps\":%llu,\"frame\":%llu}",
		    (unsigned long long)ep.maps,
		    (unsigned long long)ep.first_frame);
	}
	mars_out_putc(ob, ']');
}

static void
maps(struct mars_out *ob, const struct mars_check *c)
{
	struct mars_check_map_info mi;
	size_t p, k;
	bool first = true;

	mars_out_puts(ob, ",\"maps\":[");
	for (p = 0; p < mars_check_partition_count(c); p++) {
		if (!mars_check_current_map(c, p, &mi))
			continue;
		mars_out_puts(ob, first ? "{" : ",{");
		mars_out_puts(ob, "\"partition\":");
		first = false;
		mars_out_json_str(ob, mars_check_partition_name(c, p));
		mars_out_puts(ob, ",\"sender\":");
		jname(ob, c, mi.sender);
		mars_out_printf(ob, ",\"hard\":%s,\"private\":%s,\"time\":",
		    mi.hard ? "true" : "false",
		    mi.private_vc ? "true" : "false");
		jtime(ob, mi.us);
		mars_out_printf(ob, ",\"frame\":%llu,\"msn\":%u,\"list\":[",
		    (unsigned long long)mi.frame, mi.msn);
		for (k = 0; k < mi.n; k++) {
			if (k)
				mars_out_putc(ob, ',');
			jname(ob, c, mi.entries[k]);
		}
		mars_out_puts(ob, "]}");
	}
	mars_out_putc(ob, ']');
}

static void
members(struct mars_out *ob, const struct mars_check *c)
{
	struct mars_check_member_info mb;
	char g[64];
	size_t i, k;

	mars_out_puts(ob, ",\"members\":[");
	for (i = 0; mars_check_member(c, i, &mb); i++) {
		mars_out_puts(ob, i ? ",{\"atm\":" : "{\"atm\":");
		jhex(ob, mb.atm, mb.atm_len);
		mars_out_puts(ob, ",\"cmi\":");
		if (mb.cmi != 0)
			mars_out_u64(ob, mb.cmi);
		else
			mars_out_puts(ob, "null");
		mars_out_printf(ob, ",\"registered\":%s,\"mars\":",
		    mb.registered ? "true" : "false");
		jname(ob, c, mb.mars);
		mars_out_printf(ob, ",\"registrations\":%llu,\"history\":[",
		    (unsigned long long)mb.registrations);
		for (k = 0; k < mb.nhist; k++) {
			mars_out_printf(ob, "%s{\"cmi\":%u,\"mars\":",
			    k ? "," : "", mb.hist[k].cmi);
			jname(ob, c, mb.hist[k].mars);
			mars_out_puts(ob, ",\"epoch\":");
			if (mb.hist[k].epoch >= 0)
				mars_out_u64(ob, (uint64_t)mb.hist[k].epoch);
			else
				mars_out_puts(ob, "null");
			mars_out_puts(ob, ",\"time\":");
			jtime(ob, mb.hist[k].us);
			mars_out_putc(ob, '}');
		}
		mars_out_puts(ob, "],\"groups\":[");
		for (k = 0; mars_check_member_group(c, i, k, g, sizeof(g));
		    k++) {
			if (k)
				mars_out_putc(ob, ',');
			mars_out_json_str(ob, g);
		}
		mars_out_puts(ob, "]}");
	}
	mars_out_putc(ob, ']');
}

void
mm_json(struct mars_out *ob, const struct mars_check *c,
    const struct mm_opts *o, const char *source)
{
	const struct mars_check_stats *st = mars_check_stats(c);
	unsigned broken = mars_check_broken(c), i;
	bool untold = false, first = true;
	char g[64];

	for (i = 0; i < MARS_CHECK_NRULES; i++)
		if (mars_check_verdict(c, i, NULL, NULL) ==
		    MARS_CHECK_CANNOT_TELL)
			untold = true;
	mars_out_puts(ob, "{\"type\":\"report\",\"source\":");
	mars_out_json_str(ob, source);
	mars_out_puts(ob, ",\"cluster_file\":");
	if (o->cfile != NULL)
		mars_out_json_str(ob, o->cfile);
	else
		mars_out_puts(ob, "null");
	mars_out_puts(ob, ",\"verdict\":");
	mars_out_json_str(ob, broken ? "broken" : untold ? "held, some not "
	    "told" : "held");
	mars_out_printf(ob, ",\"broken\":%u,\"stats\":{", broken);
	jkey(ob, &first, "messages");
	mars_out_u64(ob, st->messages);
	jkey(ob, &first, "copies");
	mars_out_u64(ob, st->copies);
	jkey(ob, &first, "mars_messages");
	mars_out_u64(ob, st->mars_msgs);
	jkey(ob, &first, "scsp_messages");
	mars_out_u64(ob, st->scsp_msgs);
	jkey(ob, &first, "malformed");
	mars_out_u64(ob, st->malformed);
	jkey(ob, &first, "nonconforming");
	mars_out_u64(ob, st->nonconforming);
	jkey(ob, &first, "first");
	jtime(ob, st->first_us);
	jkey(ob, &first, "last");
	jtime(ob, st->last_us);
	jkey(ob, &first, "scsp_visible");
	mars_out_puts(ob, st->scsp_visible ? "true" : "false");
	jkey(ob, &first, "redirect_interval_ms");
	if (st->redirect_interval_us != 0)
		mars_out_u64(ob, st->redirect_interval_us / 1000u);
	else
		mars_out_puts(ob, "null");
	jkey(ob, &first, "dead_window_ms");
	if (st->dead_window_us != 0)
		mars_out_u64(ob, st->dead_window_us / 1000u);
	else
		mars_out_puts(ob, "null");
	jkey(ob, &first, "members_dropped");
	mars_out_u64(ob, st->members_dropped);
	mars_out_putc(ob, '}');
	rules(ob, c);
	findings(ob, c);
	entities(ob, c);
	sequences(ob, c);
	epochs(ob, c);
	maps(ob, c);
	members(ob, c);
	mars_out_puts(ob, ",\"mcs_groups\":[");
	for (i = 0; mars_check_mcs_group(c, i, g, sizeof(g)); i++) {
		if (i)
			mars_out_putc(ob, ',');
		mars_out_json_str(ob, g);
	}
	mars_out_puts(ob, "]}\n");
}
