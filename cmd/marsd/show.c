/*
 * marsd admin answers (ctl.h): the daemon sends records, clients format
 * them (STYLE.md §3.5).  Text: one record per line, a type word then
 * key=value fields ("-" for a value that is absent); json: one
 * mars-json(7) object on one line, "type" first, null for absent,
 * durations in _ms keys.  The records and their keys are listed in
 * marsd(8) ADMIN COMMANDS.
 */
#include <stdio.h>
#include <string.h>

#include "mars/atm.h"
#include "mars/msg.h"
#include "control.h"
#include "marsd.h"

void
show_json_str_or_null(struct mars_ctl_buf *b, const char *s)
{
	if (s == NULL || s[0] == '\0')
		mars_ctl_buf_puts(b, "null");
	else
		mars_ctl_buf_json_str(b, s);
}

static void
put_atm(struct mars_ctl_buf *b, const struct mars_server_atm *a)
{
	char hex[MARS_ATM_HEX_MAX];

	mars_atm_hex(hex, a->addr, a->tl & MARS_ATM_TL_LEN);
	mars_ctl_buf_puts(b, hex);
}

static void
put_sub(struct mars_ctl_buf *b, const struct mars_server_atm *a, bool json)
{
	char hex[MARS_ATM_HEX_MAX];

	if ((a->sub_tl & MARS_ATM_TL_LEN) == 0) {
		mars_ctl_buf_puts(b, json ? "null" : "-");
		return;
	}
	mars_atm_hex(hex, a->sub, a->sub_tl & MARS_ATM_TL_LEN);
	if (json)
		mars_ctl_buf_json_str(b, hex);
	else
		mars_ctl_buf_puts(b, hex);
}

/* The peer's endpoint, or "" when it has none (imported, gone). */
static void
peer_text(struct marsd *d, uint32_t peer, char *buf, size_t len)
{
	struct mars_endpoint ep;

	buf[0] = '\0';
	if (peer != 0 && mars_link_peer_endpoint(d->link, peer, &ep) == 0)
		mars_endpoint_format(&ep, buf, len);
}

static unsigned long long
age_ms(mars_time_t since)
{
	mars_time_t now = mars_evloop_now();

	return since > now ? 0 : (unsigned long long)(now - since);
}

static const char *
dash(const char *s)
{
	return s[0] != '\0' ? s : "-";
}

static void
show_members(struct marsd *d, struct mars_ctl_buf *b, bool json)
{
	struct mars_server_member_info mi;
	char pa[MARS_PA_TEXT_MAX], ep[MARS_ENDPOINT_TEXT_MAX];
	uint32_t cur = 0;
	size_t mark;
	bool first = true;

	if (json)
		mars_ctl_buf_puts(b, "{\"type\":\"members\",\"members\":[");
	while (mars_server_member_next(d->srv, &cur, &mi)) {
		pa[0] = '\0';
		if (mi.spa_len > 0)
			mars_pa_text(pa, mi.spa, mi.spa_len);
		peer_text(d, mi.vc_id, ep, sizeof(ep));
		if (json) {
			mars_ctl_buf_printf(b, "%s{\"cmi\":%u,\"atm\":\"",
			    first ? "" : ",", mi.cmi);
			put_atm(b, mi.atm);
			mars_ctl_buf_puts(b, "\",\"sub\":");
			put_sub(b, mi.atm, true);
			mars_ctl_buf_puts(b, ",\"spa\":");
			show_json_str_or_null(b, pa);
			mars_ctl_buf_printf(b, ",\"state\":\"%s\",\"vc\":",
			    mi.registered ? "registered" : "held");
			if (mi.vc_id != 0)
				mars_ctl_buf_printf(b, "%u", mi.vc_id);
			else
				mars_ctl_buf_puts(b, "null");
			mars_ctl_buf_puts(b, ",\"endpoint\":");
			show_json_str_or_null(b, ep);
			mars_ctl_buf_printf(b, ",\"age_ms\":%llu,\"groups\":%u,"
			    "\"blocks\":%u}", age_ms(mi.since), mi.ngroups,
			    mi.nblocks);
			first = false;
			continue;
		}
		mark = b->len;
		mars_ctl_buf_printf(b, "member cmi=%u atm=", mi.cmi);
		put_atm(b, mi.atm);
		mars_ctl_buf_puts(b, " sub=");
		put_sub(b, mi.atm, false);
		mars_ctl_buf_printf(b, " spa=%s state=%s vc=%u endpoint=%s "
		    "age=%.3f groups=%u blocks=%u", dash(pa), mi.registered ?
		    "registered" : "held", mi.vc_id, dash(ep),
		    (double)age_ms(mi.since) / 1000.0, mi.ngroups, mi.nblocks);
		mars_ctl_buf_end_line(b, mark);
	}
	if (json)
		mars_ctl_buf_puts(b, "]}\n");
}

static void
show_groups(struct marsd *d, struct mars_ctl_buf *b, bool json)
{
	struct mars_server_group_info gi;
	struct mars_server_member_info mi;
	char pa[MARS_PA_TEXT_MAX];
	uint32_t cur = 0, i, mh, n;
	size_t mark;
	bool l3, first = true;

	if (json)
		mars_ctl_buf_puts(b, "{\"type\":\"groups\",\"groups\":[");
	while (mars_server_group_next(d->srv, &cur, &gi)) {
		mars_pa_text(pa, gi.addr, gi.len);
		mark = b->len;
		if (json)
			mars_ctl_buf_printf(b, "%s{\"group\":\"%s\",\"members\":%u,"
			    "\"layer3\":%u,\"mcs\":%u,\"cmis\":[", first ? "" :
			    ",", pa, gi.nmembers, gi.nlayer3, gi.nmcs);
		else
			mars_ctl_buf_printf(b, "group addr=%s members=%u layer3=%u "
			    "mcs=%u cmis=", pa, gi.nmembers, gi.nlayer3,
			    gi.nmcs);
		for (i = 0, n = 0; mars_server_group_member(d->srv, gi.handle, i,
		    &mh, &l3); i++) {
			if (!mars_server_member_get(d->srv, mh, &mi))
				continue;
			mars_ctl_buf_printf(b, "%s%u", n++ ? "," : "", mi.cmi);
		}
		if (json)
			mars_ctl_buf_puts(b, "]}");
		else {
			if (n == 0)
				mars_ctl_buf_puts(b, "-");
			mars_ctl_buf_end_line(b, mark);
		}
		first = false;
	}
	if (json)
		mars_ctl_buf_puts(b, "]}\n");
}

static void
show_mcs(struct marsd *d, struct mars_ctl_buf *b, bool json)
{
	struct mars_server_mcs_info ci;
	char ep[MARS_ENDPOINT_TEXT_MAX];
	uint32_t cur = 0;
	size_t mark;
	bool first = true;

	if (json)
		mars_ctl_buf_puts(b, "{\"type\":\"mcs\",\"mcs\":[");
	while (mars_server_mcs_next(d->srv, &cur, &ci)) {
		peer_text(d, ci.vc_id, ep, sizeof(ep));
		mark = b->len;
		mars_ctl_buf_puts(b, json ? (first ? "{\"atm\":\"" :
		    ",{\"atm\":\"") : "mcs atm=");
		put_atm(b, ci.atm);
		if (json) {
			mars_ctl_buf_puts(b, "\",\"vc\":");
			if (ci.vc_id != 0)
				mars_ctl_buf_printf(b, "%u", ci.vc_id);
			else
				mars_ctl_buf_puts(b, "null");
			mars_ctl_buf_puts(b, ",\"endpoint\":");
			show_json_str_or_null(b, ep);
			mars_ctl_buf_printf(b, ",\"age_ms\":%llu,\"groups\":%u}",
			    age_ms(ci.since), ci.ngroups);
		} else {
			mars_ctl_buf_printf(b, " vc=%u endpoint=%s age=%.3f "
			    "groups=%u", ci.vc_id, dash(ep),
			    (double)age_ms(ci.since) / 1000.0, ci.ngroups);
			mars_ctl_buf_end_line(b, mark);
		}
		first = false;
	}
	if (json)
		mars_ctl_buf_puts(b, "]}\n");
}

/*
 * A lone MARS: its list, always sent.  Same JSON shape as a redundant
 * MARS's (show_cluster_redirect()), with null for what it has not.
 */
static void
show_redirect(struct marsd *d, struct mars_ctl_buf *b, bool json)
{
	size_t i, mark;

	mark = b->len;
	if (json)
		mars_ctl_buf_printf(b, "{\"type\":\"redirect_map\","
		    "\"interval_ms\":%llu,\"hard\":false,\"csn\":%u,"
		    "\"role\":null,\"partitions\":[{\"partition\":null,"
		    "\"sending\":true,\"mars\":[",
		    (unsigned long long)d->set.redirect_interval,
		    mars_server_csn(d->srv));
	else {
		mars_ctl_buf_printf(b, "redirect-map interval_ms=%llu hard=no "
		    "csn=%u count=%u", (unsigned long long)
		    d->set.redirect_interval, mars_server_csn(d->srv),
		    (unsigned)d->set.nmars);
		mars_ctl_buf_end_line(b, mark);
	}
	for (i = 0; i < d->set.nmars; i++) {
		mark = b->len;
		if (json) {
			mars_ctl_buf_puts(b, i ? ",{\"name\":null,\"atm\":\"" :
			    "{\"name\":null,\"atm\":\"");
			put_atm(b, &d->set.mars[i]);
			mars_ctl_buf_printf(b, "\",\"self\":%s}", i == 0 ? "true" :
			    "false");
		} else {
			mars_ctl_buf_printf(b, "mars index=%zu atm=", i);
			put_atm(b, &d->set.mars[i]);
			mars_ctl_buf_printf(b, " self=%s", i == 0 ? "yes" : "no");
			mars_ctl_buf_end_line(b, mark);
		}
	}
	if (json)
		mars_ctl_buf_puts(b, "]}]}\n");
}

/* One counter, as a text record field or a JSON member. */
static void
counter(struct mars_ctl_buf *b, bool json, bool *first, const char *name,
    unsigned long long v)
{
	if (json)
		mars_ctl_buf_printf(b, "%s\"%s\":%llu", *first ? "" : ",", name, v);
	else
		mars_ctl_buf_printf(b, " %s=%llu", name, v);
	*first = false;
}

/* The transport's counters (mars-lab(7), link.h). */
static void
link_counters(struct mars_ctl_buf *b, bool json, const struct mars_link *l)
{
	struct mars_link_stats ls;
	bool first = true;

	mars_link_get_stats(l, &ls);
	counter(b, json, &first, "rx_dgrams", ls.rx_dgrams);
	counter(b, json, &first, "rx_octets", ls.rx_octets);
	counter(b, json, &first, "tx_dgrams", ls.tx_dgrams);
	counter(b, json, &first, "tx_octets", ls.tx_octets);
	counter(b, json, &first, "rx_bad_shim", ls.rx_bad_shim);
	counter(b, json, &first, "rx_oversize", ls.rx_oversize);
	counter(b, json, &first, "rx_errors", ls.rx_errors);
	counter(b, json, &first, "tx_errors", ls.tx_errors);
	counter(b, json, &first, "tx_full", ls.tx_full);
	counter(b, json, &first, "tx_queued", ls.tx_queued);
	counter(b, json, &first, "tx_retried", ls.tx_retried);
	counter(b, json, &first, "tx_dropped", ls.tx_dropped);
	counter(b, json, &first, "tx_pending", mars_link_pending(l));
	counter(b, json, &first, "peers_learned", ls.peers_learned);
	counter(b, json, &first, "peers_lost", ls.peers_lost);
}

static void
show_stats(struct marsd *d, struct mars_ctl_buf *b, bool json)
{
	const struct mars_server_stats *st = mars_server_get_stats(d->srv);
	struct mars_server_member_info mi;
	unsigned long long memberships = 0, held = 0;
	uint32_t cur = 0;
	size_t mark;
	bool first = false;
	int i;

	while (mars_server_member_next(d->srv, &cur, &mi)) {
		if (mi.registered)
			memberships += mi.ngroups;
		else
			held++;
	}
	mark = b->len;
	mars_ctl_buf_puts(b, json ? "{\"type\":\"stats\"" : "stats");
	counter(b, json, &first, "uptime_ms", mars_evloop_now() - d->started);
	counter(b, json, &first, "members", mars_server_member_count(d->srv));
	counter(b, json, &first, "held", held);
	counter(b, json, &first, "groups", mars_server_group_count(d->srv));
	counter(b, json, &first, "mcs", mars_server_mcs_count(d->srv));
	counter(b, json, &first, "memberships", memberships);
	counter(b, json, &first, "db_octets", mars_server_mem_usage(d->srv));
	counter(b, json, &first, "csn", mars_server_csn(d->srv));
	counter(b, json, &first, "ssn", mars_server_ssn(d->srv));
	counter(b, json, &first, "ccvc_leaves",
	    mars_link_leaf_count(d->link, MARS_VC_CCVC));
	counter(b, json, &first, "scvc_leaves",
	    mars_link_leaf_count(d->link, MARS_VC_SCVC));
	counter(b, json, &first, "peers", mars_link_peer_count(d->link));
	counter(b, json, &first, "peers_lost", d->peers_lost);
	counter(b, json, &first, "reloads", d->reloads);
	counter(b, json, &first, "reload_errors", d->reload_errors);
	counter(b, json, &first, "encode_errors", st->encode_errors);
	counter(b, json, &first, "tx_ccvc", st->tx_ccvc);
	counter(b, json, &first, "tx_scvc", st->tx_scvc);
	counter(b, json, &first, "tx_private", st->tx_private);
	if (!json)
		mars_ctl_buf_end_line(b, mark);

	mark = b->len;
	mars_ctl_buf_puts(b, json ? ",\"link\":{" : "link");
	link_counters(b, json, d->link);
	if (json)
		mars_ctl_buf_puts(b, "}");
	else
		mars_ctl_buf_end_line(b, mark);
	if (d->plink != NULL) {
		/* the inter-server socket (peer-endpoint) */
		mark = b->len;
		mars_ctl_buf_puts(b, json ? ",\"peer_link\":{" : "peer-link");
		link_counters(b, json, d->plink);
		if (json)
			mars_ctl_buf_puts(b, "}");
		else
			mars_ctl_buf_end_line(b, mark);
	} else if (json)
		mars_ctl_buf_puts(b, ",\"peer_link\":null");

	/* per-op and per-reason counters */
	if (json) {
		mars_ctl_buf_puts(b, ",\"rx\":{");
		first = true;
		for (i = 1; i <= MARS_OP_MAX; i++)
			counter(b, true, &first, mars_op_short((uint8_t)i),
			    st->rx[i]);
		mars_ctl_buf_puts(b, "},\"tx\":{");
		first = true;
		for (i = 1; i <= MARS_OP_MAX; i++)
			counter(b, true, &first, mars_op_short((uint8_t)i),
			    st->tx[i]);
		mars_ctl_buf_puts(b, "},\"dropped\":{");
		first = true;
		for (i = 0; i < MARS_SRV_DROP_MAX; i++)
			counter(b, true, &first, mars_server_drop_name(i),
			    st->dropped[i]);
		mars_ctl_buf_puts(b, "}}\n");
		return;
	}
	for (i = 1; i <= MARS_OP_MAX; i++) {
		mark = b->len;
		mars_ctl_buf_printf(b, "op name=%s rx=%llu tx=%llu",
		    mars_op_short((uint8_t)i), (unsigned long long)st->rx[i],
		    (unsigned long long)st->tx[i]);
		mars_ctl_buf_end_line(b, mark);
	}
	for (i = 0; i < MARS_SRV_DROP_MAX; i++) {
		mark = b->len;
		mars_ctl_buf_printf(b, "dropped reason=%s count=%llu",
		    mars_server_drop_name(i), (unsigned long long)st->dropped[i]);
		mars_ctl_buf_end_line(b, mark);
	}
}

/* Every command of the table with its arguments and what it does. */
static void
show_help(struct mars_ctl_buf *b, bool json)
{
	char words[64];
	size_t mark;
	int c;

	if (json)
		mars_ctl_buf_puts(b, "{\"type\":\"help\",\"commands\":[");
	for (c = MARS_CTL_NONE + 1; c < MARS_CTL_CMD_MAX; c++) {
		snprintf(words, sizeof(words), "%s%s%s", mars_ctl_cmd_name(c),
		    mars_ctl_cmd_args(c)[0] ? " " : "", mars_ctl_cmd_args(c));
		if (json) {
			mars_ctl_buf_printf(b, "%s{\"command\":", c > 1 ? "," : "");
			mars_ctl_buf_json_str(b, words);
			mars_ctl_buf_puts(b, ",\"help\":");
			mars_ctl_buf_json_str(b, mars_ctl_cmd_help(c));
			mars_ctl_buf_puts(b, "}");
			continue;
		}
		mark = b->len;
		mars_ctl_buf_printf(b, "%-24s %s", words, mars_ctl_cmd_help(c));
		mars_ctl_buf_end_line(b, mark);
	}
	if (json)
		mars_ctl_buf_puts(b, "]}\n");
	else {
		mark = b->len;
		mars_ctl_buf_puts(b, "(words may be shortened; a trailing "
		    "\"json\" asks for JSON)");
		mars_ctl_buf_end_line(b, mark);
	}
}

/* fault NAME on|off: any MARS (quirks), redundancy faults need one. */
static void
show_fault(struct marsd *d, const struct mars_ctl_request *req,
    struct mars_ctl_buf *b)
{
	char msg[192], names[192];
	unsigned faults, quirks;
	size_t mark;

	if (fault_parse(req->arg, &faults, &quirks, msg, sizeof(msg)) != 0) {
		mars_ctl_buf_end_error(b, "%s", msg);
		return;
	}
	if (req->on) {
		faults |= d->set.faults;
		quirks |= d->set.quirks;
	} else {
		faults = d->set.faults & ~faults;
		quirks = d->set.quirks & ~quirks;
	}
	if (fault_apply(d, faults, quirks, msg, sizeof(msg)) != 0) {
		mars_ctl_buf_end_error(b, "%s", msg);
		return;
	}
	fault_names(d->set.faults, d->set.quirks, names, sizeof(names));
	mark = b->len;
	if (req->json) {
		char *w = names, *comma;

		mars_ctl_buf_puts(b, "{\"type\":\"faults\",\"active\":[");
		if (strcmp(names, "none") != 0)
			for (;;) {
				comma = strchr(w, ',');
				if (comma != NULL)
					*comma = '\0';
				mars_ctl_buf_json_str(b, w);
				if (comma == NULL)
					break;
				mars_ctl_buf_puts(b, ",");
				w = comma + 1;
			}
		mars_ctl_buf_puts(b, "]}\n");
	} else {
		mars_ctl_buf_printf(b, "faults active=%s", names);
		mars_ctl_buf_end_line(b, mark);
	}
	mars_ctl_buf_end_ok(b);
}

/*
 * reload: what SIGHUP does (serve_reload()), answered once it is done:
 * "reload file= applied= reloads=", applied=no when a redundant MARS
 * only checked the file; an .error line when nothing could be reread.
 */
static void
show_reload(struct marsd *d, const struct mars_ctl_request *req,
    struct mars_ctl_buf *b)
{
	char msg[MARS_CONF_MSG_MAX];
	enum reload_result rr;
	size_t mark;

	if ((rr = serve_reload(d, msg, sizeof(msg))) == RELOAD_FAILED) {
		mars_ctl_buf_end_error(b, "%s", msg);
		return;
	}
	mark = b->len;
	if (req->json) {
		mars_ctl_buf_puts(b, "{\"type\":\"reload\",\"file\":");
		mars_ctl_buf_json_str(b, d->conf_real);
		mars_ctl_buf_printf(b, ",\"applied\":%s,\"reloads\":%llu}\n",
		    rr == RELOAD_APPLIED ? "true" : "false",
		    (unsigned long long)d->reloads);
	} else {
		mars_ctl_buf_printf(b, "reload file=%s applied=%s reloads=%llu",
		    d->conf_real, rr == RELOAD_APPLIED ? "yes" : "no",
		    (unsigned long long)d->reloads);
		mars_ctl_buf_end_line(b, mark);
	}
	mars_ctl_buf_end_ok(b);
}

void
show_answer(struct marsd *d, const struct mars_ctl_request *req,
    struct mars_ctl_buf *out)
{
	switch (req->cmd) {
	case MARS_CTL_SHOW_MEMBERS:
		show_members(d, out, req->json);
		break;
	case MARS_CTL_SHOW_GROUPS:
		show_groups(d, out, req->json);
		break;
	case MARS_CTL_SHOW_MCS:
		show_mcs(d, out, req->json);
		break;
	case MARS_CTL_SHOW_REDIRECT_MAP:
		if (d->red != NULL)
			show_cluster_redirect(d, out, req->json);
		else
			show_redirect(d, out, req->json);
		break;
	case MARS_CTL_SHOW_STATS:
		show_stats(d, out, req->json);
		break;
	case MARS_CTL_HELP:
		show_help(out, req->json);
		break;
	case MARS_CTL_FAULT:
		show_fault(d, req, out);
		return;
	case MARS_CTL_RELOAD:
		show_reload(d, req, out);
		return;
	case MARS_CTL_SHOW_LIVING_GROUP:
	case MARS_CTL_SHOW_ELECTION:
	case MARS_CTL_SHOW_SCSP:
		show_cluster(d, req, out);
		return;
	default:
		mars_ctl_buf_end_error(out, "not implemented");
		return;
	}
	mars_ctl_buf_end_ok(out);
}
