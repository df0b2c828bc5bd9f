/*
 * marsd admin answers of a redundant MARS (marsd(8) ADMIN COMMANDS): the
 * Living Group, the election, SCSP and the redirect map being sent.
 * Same record style as show.c: text records of key=value fields, or one
 * mars-json(7) object on one line.
 */
#include <stdio.h>
#include <string.h>

#include "mars/atm.h"
#include "mars/scspfsm.h"
#include "marsd.h"

static const char *
role_name(int role)
{
	switch (role) {
	case MARS_REDUND_ACTIVE:
		return "active";
	case MARS_REDUND_BACKUP:
		return "backup";
	default:
		return "dead";
	}
}

static const char *
yes(bool b, bool json)
{
	return json ? (b ? "true" : "false") : (b ? "yes" : "no");
}

static void
put_entity_atm(struct mars_ctl_buf *b, const struct mars_entity_conf *e)
{
	char hex[MARS_ATM_HEX_MAX];

	mars_atm_hex(hex, e->atm, e->atm_len);
	mars_ctl_buf_puts(b, hex);
}

static unsigned long long
ago_ms(mars_time_t t)
{
	mars_time_t now = mars_evloop_now();

	return t == 0 || t > now ? 0 : (unsigned long long)(now - t);
}

/* Names of idx[n], comma-separated (text) or a JSON array of strings. */
static void
put_names(struct marsd *d, struct mars_ctl_buf *b, const uint8_t *idx, size_t n,
    bool json)
{
	size_t i;

	if (json)
		mars_ctl_buf_puts(b, "[");
	for (i = 0; i < n; i++) {
		if (json) {
			mars_ctl_buf_puts(b, i ? "," : "");
			mars_ctl_buf_json_str(b, d->cluster->mars[idx[i]].name);
		} else
			mars_ctl_buf_printf(b, "%s%s", i ? "," : "",
			    d->cluster->mars[idx[i]].name);
	}
	if (json)
		mars_ctl_buf_puts(b, "]");
	else if (n == 0)
		mars_ctl_buf_puts(b, "-");
}

static void
show_living(struct marsd *d, struct mars_ctl_buf *b, bool json)
{
	struct mars_redund_member_info mi;
	const struct mars_entity_conf *e;
	char ep[MARS_ENDPOINT_TEXT_MAX];
	size_t mark;
	unsigned i;

	if (json)
		mars_ctl_buf_puts(b, "{\"type\":\"living_group\",\"mars\":[");
	for (i = 0; mars_redund_member(d->red, i, &mi); i++) {
		e = &d->cluster->mars[i];
		mars_endpoint_format(&e->endpoint, ep, sizeof(ep));
		mark = b->len;
		if (json) {
			mars_ctl_buf_printf(b, "%s{\"name\":", i ? "," : "");
			mars_ctl_buf_json_str(b, mi.name);
			mars_ctl_buf_puts(b, ",\"atm\":\"");
			put_entity_atm(b, e);
			mars_ctl_buf_printf(b, "\",\"endpoint\":\"%s\",\"priority\":%u,"
			    "\"alive\":%s,\"aligned\":%s,\"role\":\"%s\","
			    "\"self\":%s}", ep, mi.priority, yes(mi.alive, true),
			    yes(mi.aligned, true), role_name(mi.role),
			    yes(mi.self, true));
			continue;
		}
		mars_ctl_buf_printf(b, "mars name=%s atm=", mi.name);
		put_entity_atm(b, e);
		mars_ctl_buf_printf(b, " endpoint=%s priority=%u alive=%s aligned=%s "
		    "role=%s self=%s", ep, mi.priority, yes(mi.alive, false),
		    yes(mi.aligned, false), role_name(mi.role),
		    yes(mi.self, false));
		mars_ctl_buf_end_line(b, mark);
	}
	if (json)
		mars_ctl_buf_puts(b, "]}\n");
}

static const char *
part_name(struct marsd *d, unsigned p)
{
	return d->cluster->n_partitions > 0 ?
	    d->cluster->partitions[p].name : "cluster";
}

static void
show_election(struct marsd *d, struct mars_ctl_buf *b, bool json)
{
	uint8_t idx[MARS_REDUND_MAX];
	size_t n, mark;
	unsigned p, np = mars_redund_partitions(d->red);
	int a;

	mark = b->len;
	if (json)
		mars_ctl_buf_printf(b, "{\"type\":\"election\",\"self\":\"%s\","
		    "\"role\":\"%s\",\"active_for\":%u,\"elections\":%u,"
		    "\"last_ago_ms\":%llu,\"partitions\":[", d->set.name,
		    role_name(mars_redund_role(d->red)), mars_redund_active_count(d->red),
		    mars_redund_elections(d->red),
		    ago_ms(mars_redund_last_election(d->red)));
	else {
		mars_ctl_buf_printf(b, "election self=%s role=%s active_for=%u "
		    "elections=%u last_s_ago=%.3f", d->set.name,
		    role_name(mars_redund_role(d->red)), mars_redund_active_count(d->red),
		    mars_redund_elections(d->red),
		    (double)ago_ms(mars_redund_last_election(d->red)) / 1000.0);
		mars_ctl_buf_end_line(b, mark);
	}
	for (p = 0; p < np; p++) {
		a = mars_redund_active(d->red, (int)p);
		mark = b->len;
		if (json) {
			mars_ctl_buf_printf(b, "%s{\"partition\":", p ? "," : "");
			mars_ctl_buf_json_str(b, part_name(d, p));
			mars_ctl_buf_puts(b, ",\"active\":");
			if (a >= 0)
				mars_ctl_buf_json_str(b, d->cluster->mars[a].name);
			else
				mars_ctl_buf_puts(b, "null");
			mars_ctl_buf_puts(b, ",\"order\":");
		} else
			mars_ctl_buf_printf(b, "partition name=%s active=%s order=",
			    part_name(d, p), a >= 0 ? d->cluster->mars[a].name :
			    "-");
		n = mars_redund_order(d->red, p, idx, sizeof(idx));
		put_names(d, b, idx, n, json);
		mars_ctl_buf_puts(b, json ? ",\"map\":" : " map=");
		n = mars_redund_map(d->red, p, idx, sizeof(idx));
		put_names(d, b, idx, n, json);
		if (json)
			mars_ctl_buf_puts(b, "}");
		else
			mars_ctl_buf_end_line(b, mark);
	}
	if (json)
		mars_ctl_buf_puts(b, "]}\n");
}

/* Replication errors by kind (redund.h), text fields or a JSON object. */
static void
put_errors(struct mars_ctl_buf *b, const struct mars_redund_scsp_info *si,
    bool json)
{
	int k;

	if (json)
		mars_ctl_buf_puts(b, ",\"errors\":{");
	for (k = 0; k < MARS_REDUND_ERR_MAX; k++)
		mars_ctl_buf_printf(b, json ? "%s\"%s\":%llu" : "%s%s_errors=%llu",
		    json ? (k ? "," : "") : " ", mars_redund_err_name(k),
		    (unsigned long long)si->errors[k]);
	if (json)
		mars_ctl_buf_puts(b, "}");
}

static void
show_scsp(struct marsd *d, struct mars_ctl_buf *b, bool json)
{
	struct mars_redund_scsp_info si;
	struct mars_redund_member_info mi;
	const struct mars_link *l = d->plink != NULL ? d->plink : d->link;
	uint16_t vpi = 0, vci = 0;
	size_t live, dead, mark;
	unsigned i;
	int hs, ca;
	bool first = true;

	mars_redund_scsp_info(d->red, &si);
	mark = b->len;
	mars_ctl_buf_printf(b, json ? "{\"type\":\"scsp\",\"peers\":%u,"
	    "\"bidirectional\":%u,\"aligned\":%u,\"cache\":%zu,\"own\":%zu,"
	    "\"vc_losses\":%llu,\"unready_drops\":%llu,\"purged\":%llu,"
	    "\"tombstones_purged\":%llu,\"seq_wraps\":%llu" :
	    "scsp peers=%u bidirectional=%u aligned=%u cache=%zu own=%zu "
	    "vc_losses=%llu unready_drops=%llu purged=%llu "
	    "tombstones_purged=%llu seq_wraps=%llu", si.peers, si.bidir,
	    si.aligned, si.cache, si.own, (unsigned long long)d->peer_losses,
	    (unsigned long long)si.unready_drops, (unsigned long long)si.purged,
	    (unsigned long long)si.tombstones_purged,
	    (unsigned long long)si.seq_wraps);
	put_errors(b, &si, json);
	if (json)
		mars_ctl_buf_puts(b, ",\"entities\":[");
	else
		mars_ctl_buf_end_line(b, mark);
	for (i = 0; mars_redund_member(d->red, i, &mi); i++) {
		mars_redund_cache_origin(d->red, i, &live, &dead);
		hs = mars_redund_peer_hello(d->red, i);
		ca = mars_redund_peer_ca(d->red, i);
		if (!mi.self)
			(void)mars_link_peer_vc(l, d->peer_id[i], &vpi, &vci);
		mark = b->len;
		if (json) {
			mars_ctl_buf_printf(b, "%s{\"name\":", first ? "" : ",");
			mars_ctl_buf_json_str(b, mi.name);
			mars_ctl_buf_printf(b, ",\"self\":%s", yes(mi.self, true));
			if (mi.self)
				mars_ctl_buf_puts(b, ",\"hello\":null,\"ca\":null,"
				    "\"vc\":null,\"vc_down\":null");
			else
				mars_ctl_buf_printf(b, ",\"hello\":\"%s\",\"ca\":"
				    "\"%s\",\"vc\":\"%u/%u\",\"vc_down\":%s",
				    mars_scsp_hello_state_name(hs),
				    mars_scsp_ca_state_name(ca), vpi, vci,
				    yes(d->peer_down[i], true));
			mars_ctl_buf_printf(b, ",\"entries\":%zu,\"withdrawn\":%zu}",
			    live, dead);
		} else {
			mars_ctl_buf_printf(b, "peer name=%s self=%s", mi.name,
			    yes(mi.self, false));
			if (mi.self)
				mars_ctl_buf_puts(b, " hello=- ca=- vc=- vc_down=-");
			else
				mars_ctl_buf_printf(b, " hello=%s ca=%s vc=%u/%u "
				    "vc_down=%s", mars_scsp_hello_state_name(hs),
				    mars_scsp_ca_state_name(ca), vpi, vci,
				    yes(d->peer_down[i], false));
			mars_ctl_buf_printf(b, " entries=%zu withdrawn=%zu", live,
			    dead);
			mars_ctl_buf_end_line(b, mark);
		}
		first = false;
	}
	if (json)
		mars_ctl_buf_puts(b, "]}\n");
}

/*
 * The map this entity sends: the Active's of each partition it is Active
 * for.  A Backup sends none on ClusterControlVC; it shows the map it
 * hard-redirects registering members with (sending=no).
 */
void
show_cluster_redirect(struct marsd *d, struct mars_ctl_buf *b, bool json)
{
	const struct mars_entity_conf *e;
	uint8_t idx[MARS_REDUND_MAX];
	unsigned p, np = mars_redund_partitions(d->red);
	size_t i, n, mark;
	int a;
	bool sending;

	if (json)
		mars_ctl_buf_printf(b, "{\"type\":\"redirect_map\","
		    "\"interval_ms\":%llu,\"hard\":false,\"csn\":%u,"
		    "\"role\":\"%s\",\"partitions\":[", (unsigned long long)
		    d->cluster->redirect_interval, mars_server_csn(d->srv),
		    role_name(mars_redund_role(d->red)));
	for (p = 0; p < np; p++) {
		a = mars_redund_active(d->red, (int)p);
		sending = a >= 0 && (unsigned)a == (unsigned)d->set.self;
		n = mars_redund_map(d->red, p, idx, sizeof(idx));
		mark = b->len;
		if (json) {
			mars_ctl_buf_printf(b, "%s{\"partition\":", p ? "," : "");
			mars_ctl_buf_json_str(b, part_name(d, p));
			mars_ctl_buf_printf(b, ",\"sending\":%s,\"mars\":[",
			    yes(sending, true));
		} else {
			mars_ctl_buf_printf(b, "redirect-map partition=%s "
			    "interval_ms=%llu hard=no csn=%u count=%zu "
			    "sending=%s", part_name(d, p), (unsigned long long)
			    d->cluster->redirect_interval, mars_server_csn(d->srv),
			    n, yes(sending, false));
			mars_ctl_buf_end_line(b, mark);
		}
		for (i = 0; i < n; i++) {
			e = &d->cluster->mars[idx[i]];
			mark = b->len;
			if (json) {
				mars_ctl_buf_printf(b, "%s{\"name\":", i ? "," : "");
				mars_ctl_buf_json_str(b, e->name);
				mars_ctl_buf_puts(b, ",\"atm\":\"");
				put_entity_atm(b, e);
				mars_ctl_buf_printf(b, "\",\"self\":%s}",
				    yes(idx[i] == d->set.self, true));
			} else {
				mars_ctl_buf_printf(b, "mars partition=%s index=%zu "
				    "name=%s atm=", part_name(d, p), i,
				    e->name);
				put_entity_atm(b, e);
				mars_ctl_buf_printf(b, " self=%s",
				    yes(idx[i] == d->set.self, false));
				mars_ctl_buf_end_line(b, mark);
			}
		}
		if (json)
			mars_ctl_buf_puts(b, "]}");
	}
	if (json)
		mars_ctl_buf_puts(b, "]}\n");
}

void
show_cluster(struct marsd *d, const struct mars_ctl_request *req,
    struct mars_ctl_buf *out)
{
	if (d->red == NULL) {
		mars_ctl_buf_end_error(out, "not a redundant MARS: the cluster file "
		    "has one [mars] entity (or --listen was given)");
		return;
	}
	switch (req->cmd) {
	case MARS_CTL_SHOW_LIVING_GROUP:
		show_living(d, out, req->json);
		break;
	case MARS_CTL_SHOW_ELECTION:
		show_election(d, out, req->json);
		break;
	case MARS_CTL_SHOW_SCSP:
		show_scsp(d, out, req->json);
		break;
	default:
		mars_ctl_buf_end_error(out, "not implemented");
		return;
	}
	mars_ctl_buf_end_ok(out);
}
