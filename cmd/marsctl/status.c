/*
 * status: where marsctl is connected, what the member is (state, CMI,
 * HSN, groups, redirect map) and the MARS's CSN from its admin socket.
 */
#include <stdio.h>
#include <string.h>

#include "mars/atm.h"

#include "marsctl.h"
#include "member.h"

static char statusreq[32];

static const char *
grp_state(enum mars_client_group_state st)
{
	switch (st) {
	case MARS_CLIENT_GRP_JOINING:
		return "joining";
	case MARS_CLIENT_GRP_JOINED:
		return "joined";
	case MARS_CLIENT_GRP_LEAVING:
		return "leaving";
	}
	return "?";
}

static void
print_status(struct ctl *c, const char *csn)
{
	struct member *m = c->mb;
	struct mars_client *cl = member_client(c);
	const struct mars_client_atm *cur = NULL;
	const struct mars_client_pa *g;
	enum mars_client_group_state st;
	struct mars_endpoint local;
	struct mars_err e;
	char loc[MARS_ENDPOINT_TEXT_MAX], hex[MARS_ATM_HEX_MAX],
	    name[MARS_ATM_HEX_MAX], pa[MARS_PA_TEXT_MAX], line[2048];
	const char *state = "unregistered", *curname = NULL;
	size_t i, n, used;
	bool reg = cl != NULL && mars_client_registered(cl);

	loc[0] = '\0';
	if (c->connected && mars_link_local(mars_watch_link(m->w), &local,
	    &e) == 0)
		mars_endpoint_format(&local, loc, sizeof(loc));
	mars_atm_hex(hex, member_own_atm(c), MARS_ATM_ADDR_MAX);
	if (cl != NULL) {
		state = mars_client_state_name(mars_client_state(cl));
		if ((cur = mars_client_current_mars(cl)) != NULL &&
		    c->mars[0].atm_known)
			curname = atm_name(c, cur->num, cur->tl, name,
			    sizeof(name));
	}
	if (cl != NULL && reg)
		update_map(c);
	if (c->json) {
		out_json_begin(c, "status");
		out_json_str(c, "target", c->target[0] ? c->target : NULL);
		out_json_str(c, "endpoint", c->connected ?
		    c->mars[c->cur].text : NULL);
		out_json_str(c, "local", c->connected ? loc : NULL);
		out_json_str(c, "atm", c->connected ? hex : NULL);
		out_json_str(c, "admin", c->admin_path[0] ? c->admin_path : NULL);
		out_json_str(c, "role", c->role[0] ? c->role : NULL);
		out_json_str(c, "state", c->connected ? state : NULL);
		out_json_str(c, "mars", curname);
		if (reg) {
			out_json_num(c, "cmi", mars_client_cmi(cl));
			out_json_num(c, "hsn", mars_client_hsn(cl));
		} else {
			out_json_raw(c, "cmi", NULL);
			out_json_raw(c, "hsn", NULL);
		}
		out_json_raw(c, "csn", csn);
		mars_out_puts(&c->ob, ",\"groups\":[");
		for (i = 0; cl != NULL && i < mars_client_group_count(cl);
		    i++) {
			if ((g = mars_client_group(cl, i, &st)) == NULL)
				continue;
			mars_pa_text(pa, g->addr, g->len);
			mars_out_puts(&c->ob, i ? ",{\"group\":" : "{\"group\":");
			mars_out_json_str(&c->ob, pa);
			mars_out_puts(&c->ob, ",\"state\":");
			mars_out_json_str(&c->ob, grp_state(st));
			mars_out_putc(&c->ob, '}');
		}
		mars_out_putc(&c->ob, ']');
		if (reg && m->nmap > 0) {
			mars_out_puts(&c->ob, ",\"redirect_map\":[");
			for (i = 0; i < m->nmap; i++) {
				if (i)
					mars_out_putc(&c->ob, ',');
				mars_out_json_str(&c->ob, atm_name(c,
				    m->map[i].num, m->map[i].len, name,
				    sizeof(name)));
			}
			mars_out_putc(&c->ob, ']');
			out_json_bool(c, "hard", m->map_hard);
		} else {
			out_json_raw(c, "redirect_map", NULL);
			out_json_raw(c, "hard", NULL);
		}
		out_json_end(c);
		return;
	}
	if (!c->connected && c->admin_path[0] == '\0') {
		out_line(c, "not connected");
		return;
	}
	if (c->connected) {
		out_line(c, "mars       %s%s%s%s", c->mars[c->cur].name,
		    c->mars[c->cur].name[0] ? " (" : "", c->mars[c->cur].text,
		    c->mars[c->cur].name[0] ? ")" : "");
		if (c->nmars > 1) {
			used = 0;
			line[0] = '\0';
			for (i = 0; i < c->nmars && used < sizeof(line); i++)
				used += (size_t)snprintf(line + used,
				    sizeof(line) - used, "%s%s", i ? " " : "",
				    c->mars[i].name);
			out_line(c, "cluster    %s: %s", c->cluster_path, line);
		}
		out_line(c, "local      %s atm %s", loc, hex);
	}
	if (c->admin_path[0] != '\0')
		out_line(c, "admin      %s%s%s%s", c->admin_path,
		    c->role[0] ? " (" : "", c->role, c->role[0] ? ")" : "");
	if (!c->connected)
		return;
	if (reg)
		out_line(c, "member     %s with %s cmi %u hsn %u", state,
		    curname != NULL ? curname : c->mars[0].text,
		    mars_client_cmi(cl), mars_client_hsn(cl));
	else
		out_line(c, "member     %s", state);
	if (csn != NULL && strcmp(csn, "null") != 0)
		out_line(c, "csn        %s (the MARS's, from its admin socket)",
		    csn);
	n = cl != NULL ? mars_client_group_count(cl) : 0;
	used = 0;
	line[0] = '\0';
	for (i = 0; i < n && used < sizeof(line); i++) {
		if ((g = mars_client_group(cl, i, &st)) == NULL)
			continue;
		mars_pa_text(pa, g->addr, g->len);
		used += (size_t)snprintf(line + used, sizeof(line) - used,
		    "%s%s%s", used ? ", " : "", pa,
		    st == MARS_CLIENT_GRP_JOINED ? "" : st ==
		    MARS_CLIENT_GRP_JOINING ? " (joining)" : " (leaving)");
	}
	out_line(c, "groups     %s", n == 0 ? "none" : line);
	if (reg && m->nmap > 0) {
		used = 0;
		line[0] = '\0';
		for (i = 0; i < m->nmap && used < sizeof(line); i++)
			used += (size_t)snprintf(line + used,
			    sizeof(line) - used, "%s%s", i ? " " : "",
			    atm_name(c, m->map[i].num, m->map[i].len, name,
			    sizeof(name)));
		out_line(c, "map        %s (%s)", line, m->map_hard ? "hard" :
		    "soft");
	} else if (reg)
		out_line(c, "map        none yet");
}

static void
status_cb(struct ctl *c, void *arg, int st, const char *text, size_t len)
{
	char csn[24];
	const char *p;

	snprintf(csn, sizeof(csn), "null");
	if (st == 0 && ((p = strstr(text, " csn=")) != NULL ||
	    (p = strstr(text, "\"csn\":")) != NULL)) {
		p += p[0] == ' ' ? 5 : 6;
		snprintf(csn, sizeof(csn), "%.*s", (int)strspn(p, "0123456789"),
		    p);
		if (csn[0] == '\0')
			snprintf(csn, sizeof(csn), "null");
	}
	print_status(c, csn);
	job_end(c, 0);
}

static void
status_cancel(struct ctl *c)
{
	admin_cancel(c, status_cb);
	job_end(c, EXIT_FAIL);
}

int
cmd_status(struct ctl *c, const struct cmdtab_result *r)
{
	if (c->admin_path[0] == '\0') {
		print_status(c, NULL);
		return 0;
	}
	snprintf(statusreq, sizeof(statusreq), "show stats");
	job_begin(c, 0, NULL, status_cancel);
	admin_request(c, c->admin_path, statusreq, status_cb, NULL);
	return CMD_ASYNC;
}

