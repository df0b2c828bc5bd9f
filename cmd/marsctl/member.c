/*
 * marsctl as a cluster member (RFC 2022 §5): the library's live member
 * (watch.h) -- its lab link (mars-lab(7)) to the MARSs of a cluster
 * file or to one endpoint, the client state machine (client.h) on it,
 * every SDU and happening an event -- driven by commands.  Commands
 * that wait for the MARS (register, join, request ...) are jobs that
 * end on the member's event or on the timeout; whatever else the member
 * lives through (failures, redirects, CSN gaps) prints as it happens.
 *
 * When the MARS's ATM address is not known (connect ENDPOINT), the
 * member registers under a provisional all-zero address; the first
 * MARS_REDIRECT_MAP names the MARS in mar$sha (§5.4.3) and the member
 * registers again knowing it, with its groups (the MARS hands back the
 * same CMI), so that later maps are trusted.  That second registration
 * is not reported.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mars/atm.h"
#include "mars/frame.h"
#include "mars/pdu.h"
#include "mars/print.h"

#include "marsctl.h"
#include "member.h"

/* 13 octets of our NSAP; the watch adds pid and port. */
static const uint8_t own_prefix[13] = {
	0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00,
	0x6d, 0x63, 0x74, 0x6c,		/* "mctl" */
};

int
member_init(struct ctl *c)
{
	if ((c->mb = calloc(1, sizeof(*c->mb))) == NULL)
		return -1;
	return 0;
}

struct mars_client *
member_client(struct ctl *c)
{
	struct mars_client *cl;

	if (c->mb->w == NULL || (cl = mars_watch_client(c->mb->w)) == NULL ||
	    mars_client_state(cl) == MARS_CLIENT_IDLE)
		return NULL;
	return cl;
}

const uint8_t *
member_own_atm(struct ctl *c)
{
	static const uint8_t none[MARS_ATM_ADDR_MAX];

	return c->mb->w != NULL ? mars_watch_own_atm(c->mb->w) : none;
}

bool
member_registered(struct ctl *c)
{
	struct mars_client *cl = member_client(c);

	return cl != NULL && mars_client_registered(cl);
}

uint16_t
member_cmi(struct ctl *c)
{
	struct mars_client *cl = member_client(c);

	return cl != NULL ? mars_client_cmi(cl) : 0;
}

/* --- cluster file and names --- */

int
ctl_load_cluster(struct ctl *c, const char *path, char *msg, size_t len)
{
	struct mars_cluster_conf *cc;
	struct mars_err e;

	if (mars_config_load_new(&cc, path, &e, msg, len) != 0)
		return -1;
	free(c->cluster);
	c->cluster = cc;
	snprintf(c->cluster_path, sizeof(c->cluster_path), "%s", path);
	return 0;
}

int
ctl_find_mars(struct ctl *c, const char *what)
{
	size_t i;

	for (i = 0; i < c->nmars; i++)
		if (strcmp(c->mars[i].name, what) == 0 ||
		    strcmp(c->mars[i].text, what) == 0)
			return (int)i;
	return -1;
}

/* The name of a MARS by ATM address: entity name, else its hex. */
const char *
atm_name(struct ctl *c, const uint8_t *atm, uint8_t tl, char *buf, size_t len)
{
	size_t i, n = tl & MARS_ATM_TL_LEN;

	if (atm == NULL || n == 0)
		return "unknown";
	if (c->cluster != NULL)
		for (i = 0; i < c->cluster->n_mars; i++)
			if (c->cluster->mars[i].atm_len == n &&
			    memcmp(c->cluster->mars[i].atm, atm, n) == 0)
				return c->cluster->mars[i].name;
	if (n * 2 + 1 > len)
		n = (len - 1) / 2;
	mars_atm_hex(buf, atm, n);
	return buf;
}

static bool	need_link(struct ctl *);

/* --- output --- */

static void
kick(struct ctl *c)
{
	if (c->mb->w != NULL)
		mars_watch_kick(c->mb->w);
}

/* The MARS an event names, from the member's list. */
static const struct ctl_mars *
event_mars(struct ctl *c, const struct mars_event *ev)
{
	struct mars_watch_mars wm;
	size_t i, n;

	if (ev->atm == NULL || c->mb->w == NULL)
		return NULL;
	n = ev->atm_tl & MARS_ATM_TL_LEN;
	for (i = 0; i < c->nmars; i++)
		if (mars_watch_mars(c->mb->w, i, &wm) && wm.atm_known &&
		    n == MARS_ATM_ADDR_MAX && memcmp(wm.atm, ev->atm, n) == 0)
			return &c->mars[i];
	if (c->nmars > 0 && !c->mars[0].atm_known)
		return &c->mars[0];	/* the provisional address */
	return NULL;
}

/* One event as JSON: the object every member program writes (print.h). */
static void
print_event_json(struct ctl *c, const struct mars_event *ev,
    const struct ctl_mars *cm)
{
	struct mars_print_member pm;
	struct mars_print_atm mars;

	memset(&pm, 0, sizeof(pm));
	if (ev->atm != NULL && (ev->atm_tl & MARS_ATM_TL_LEN) != 0 &&
	    (cm == NULL || cm->atm_known)) {
		mars.len = ev->atm_tl & MARS_ATM_TL_LEN;
		memcpy(mars.num, ev->atm, mars.len);
		pm.mars = &mars;
	}
	pm.name = cm != NULL && cm->name[0] ? cm->name : NULL;
	pm.endpoint = cm != NULL ? cm->text : NULL;
	pm.cmi = member_cmi(c);
	pm.list = c->mb->map;
	pm.nlist = c->mb->nmap;
	mars_print_member_event(&c->ob, ev, &pm);
}

/* One event: a line, or the JSON object of type "event". */
static void
print_event(struct ctl *c, const struct mars_event *ev)
{
	const struct ctl_mars *cm = event_mars(c, ev);
	struct mars_out *ob = &c->ob;
	char name[MARS_ATM_HEX_MAX], pa[MARS_PA_TEXT_MAX];
	const char *who;
	size_t i;

	if (c->json) {
		print_event_json(c, ev, cm);
		return;
	}
	who = cm != NULL && cm->name[0] ? cm->name : cm != NULL &&
	    !cm->atm_known ? cm->text : atm_name(c, ev->atm, ev->atm_tl, name,
	    sizeof(name));
	if (ev->group != NULL && ev->group_len > 0)
		mars_pa_text(pa, ev->group, ev->group_len);
	mars_out_puts(ob, mars_print_event_name(ev->kind));
	mars_out_puts(ob, ": ");
	mars_out_puts(ob, who);
	switch (ev->kind) {
	case MARS_EV_REGISTERED:
		if (cm != NULL && cm->name[0] != '\0')
			mars_out_printf(ob, " (%s)", cm->text);
		mars_out_printf(ob, " cmi %u csn %u", ev->cmi, ev->csn);
		break;
	case MARS_EV_JOINED:
	case MARS_EV_LEFT:
		mars_out_printf(ob, " group %s csn %u", pa, ev->csn);
		break;
	case MARS_EV_REDIRECT_MAP:
	case MARS_EV_REDIRECT:
		mars_out_puts(ob, ev->hard ? " hard" : " soft");
		mars_out_puts(ob, " map");
		for (i = 0; i < c->mb->nmap; i++) {
			mars_out_putc(ob, i ? ',' : ' ');
			mars_out_puts(ob, atm_name(c, c->mb->map[i].num,
			    c->mb->map[i].len, name, sizeof(name)));
		}
		break;
	case MARS_EV_REJOINED:
		mars_out_printf(ob, " groups %u", ev->count);
		break;
	case MARS_EV_CSN_GAP:
		mars_out_printf(ob, " csn %u gap %u", ev->csn, ev->count);
		break;
	case MARS_EV_REVALIDATE:
		mars_out_printf(ob, " csn %u", ev->csn);
		break;
	default:
		if (ev->group != NULL && ev->group_len > 0)
			mars_out_printf(ob, " group %s", pa);
		break;
	}
	if (ev->detail != NULL)
		mars_out_printf(ob, " (%s)", ev->detail);
	mars_out_putc(ob, '\n');
}

/* The redirect map the client holds; true when it changed. */
bool
update_map(struct ctl *c)
{
	struct member *m = c->mb;
	struct mars_client *cl = member_client(c);
	const struct mars_client_atm *map;
	struct mars_print_atm a;
	size_t n = 0, i;
	bool hard = false, changed;

	map = cl != NULL ? mars_client_redirect_map(cl, &n, &hard) : NULL;
	if (n > MARS_CLIENT_MARS_MAX)
		n = MARS_CLIENT_MARS_MAX;
	changed = !m->have_map || n != m->nmap || hard != m->map_hard;
	for (i = 0; i < n; i++) {
		memset(&a, 0, sizeof(a));
		a.len = map[i].tl & MARS_ATM_TL_LEN;
		memcpy(a.num, map[i].num, a.len);
		if (a.len != m->map[i].len || memcmp(a.num, m->map[i].num,
		    a.len) != 0)
			changed = true;
		m->map[i] = a;
	}
	m->nmap = n;
	m->map_hard = hard;
	m->have_map = true;
	return changed;
}

static void
print_members(struct ctl *c, const char *group, bool nak)
{
	const struct mars_client_atm *mem = NULL;
	char hex[MARS_ATM_HEX_MAX];
	size_t i, n = 0;

	if (!nak)
		mem = mars_client_members(member_client(c), &n);
	if (c->json) {
		out_json_begin(c, "resolution");
		out_json_str(c, "group", group);
		out_json_str(c, "result", nak ? "nak" : "multi");
		mars_out_puts(&c->ob, ",\"members\":[");
		for (i = 0; i < n; i++) {
			mars_atm_hex(hex, mem[i].num, mem[i].tl & MARS_ATM_TL_LEN);
			mars_out_puts(&c->ob, i ? ",\"" : "\"");
			mars_out_puts(&c->ob, hex);
			mars_out_putc(&c->ob, '"');
		}
		mars_out_putc(&c->ob, ']');
		out_json_end(c);
		return;
	}
	if (nak) {
		out_line(c, "%s: no members (MARS_NAK)", group);
		return;
	}
	out_line(c, "%s: %zu member%s", group, n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		mars_atm_hex(hex, mem[i].num, mem[i].tl & MARS_ATM_TL_LEN);
		out_line(c, "  %s", hex);
	}
}

static void
print_grouplist(struct ctl *c)
{
	const struct mars_client_pa *g;
	char pa[MARS_PA_TEXT_MAX];
	size_t i, n;

	g = mars_client_grouplist_groups(member_client(c), &n);
	if (c->json) {
		out_json_begin(c, "grouplist");
		mars_out_puts(&c->ob, ",\"groups\":[");
		for (i = 0; i < n; i++) {
			mars_pa_text(pa, g[i].addr, g[i].len);
			if (i)
				mars_out_putc(&c->ob, ',');
			mars_out_json_str(&c->ob, pa);
		}
		mars_out_putc(&c->ob, ']');
		out_json_end(c);
		return;
	}
	out_line(c, "%zu group%s with members", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		mars_pa_text(pa, g[i].addr, g[i].len);
		note_group(c, pa);
		out_line(c, "  %s", pa);
	}
}

/* Does the event answer the running command?  Then it ends it. */
static bool
wait_event(struct ctl *c, const struct mars_event *ev)
{
	struct member *m = c->mb;
	char pa[MARS_PA_TEXT_MAX];
	size_t i;

	switch (m->wait) {
	case W_REGISTER:
		if (ev->kind != MARS_EV_REGISTERED)
			return false;
		print_event(c, ev);
		m->wait = W_NONE;
		job_end(c, 0);
		return true;
	case W_DEREGISTER:
		if (ev->kind == MARS_EV_DEREGISTERED) {
			print_event(c, ev);
			m->wait = W_NONE;
			job_end(c, 0);
			return true;
		}
		if (ev->kind == MARS_EV_GIVE_UP) {
			out_error(c, NULL, "the MARS did not answer the "
			    "deregistration");
			m->wait = W_NONE;
			job_end(c, EXIT_FAIL);
			return true;
		}
		return false;
	case W_JOIN:
	case W_LEAVE:
		if (ev->kind != (m->wait == W_JOIN ? MARS_EV_JOINED :
		    MARS_EV_LEFT) || ev->group == NULL)
			return false;
		for (i = 0; i < m->nwgroup; i++)
			if (!m->wdone[i] && ev->group_len == m->wlen &&
			    memcmp(ev->group, m->wgroup[i], ev->group_len) == 0)
				break;
		if (i == m->nwgroup)
			return false;
		m->wdone[i] = true;
		print_event(c, ev);
		if (--m->wleft == 0) {
			m->wait = W_NONE;
			job_end(c, 0);
		}
		return true;
	case W_REQUEST:
		if ((ev->kind != MARS_EV_MULTI && ev->kind != MARS_EV_NAK &&
		    ev->kind != MARS_EV_GIVE_UP) || ev->group == NULL ||
		    ev->group_len != m->wlen || memcmp(ev->group, m->wgroup[0],
		    ev->group_len) != 0)
			return false;
		mars_pa_text(pa, ev->group, ev->group_len);
		m->wait = W_NONE;
		if (ev->kind == MARS_EV_GIVE_UP) {
			out_error(c, pa, "no answer from the MARS%s%s",
			    ev->detail ? ": " : "", ev->detail ? ev->detail : "");
			job_end(c, EXIT_FAIL);
		} else {
			print_members(c, pa, ev->kind == MARS_EV_NAK);
			job_end(c, 0);
		}
		return true;
	case W_GROUPLIST:
		if (ev->kind == MARS_EV_GROUPLIST) {
			print_grouplist(c);
			m->wait = W_NONE;
			job_end(c, 0);
			return true;
		}
		if (ev->kind == MARS_EV_GIVE_UP && ev->group == NULL) {
			out_error(c, NULL, "no answer from the MARS");
			m->wait = W_NONE;
			job_end(c, EXIT_FAIL);
			return true;
		}
		return false;
	default:
		return false;
	}
}

/*
 * The member registered with another entity of the cluster (failover,
 * redirect): the prompt, the admin commands and send follow it.
 */
static void
follow(struct ctl *c, const struct mars_event *ev)
{
	const struct ctl_mars *cm = event_mars(c, ev);
	size_t i;

	if (cm == NULL || cm->name[0] == '\0' || cm == &c->mars[c->cur])
		return;
	i = (size_t)(cm - c->mars);
	c->cur = i;
	snprintf(c->target, sizeof(c->target), "%s", cm->name);
	snprintf(c->admin_path, sizeof(c->admin_path), "%s", cm->admin);
	c->role[0] = '\0';
	admin_refresh_role(c);
}

static void
happening(struct ctl *c, const struct mars_event *ev)
{
	struct member *m = c->mb;
	char pa[MARS_PA_TEXT_MAX];
	bool changed = false;

	if (ev->group != NULL && ev->group_len > 0 && (ev->kind ==
	    MARS_EV_JOINED || ev->kind == MARS_EV_MULTI)) {
		mars_pa_text(pa, ev->group, ev->group_len);
		note_group(c, pa);
	}
	if (ev->kind == MARS_EV_REDIRECT_MAP || ev->kind == MARS_EV_REDIRECT)
		changed = update_map(c);
	if (m->relearn) {
		/* the quiet re-registration after learning the address */
		if (ev->kind == MARS_EV_REGISTERED)
			m->relearn = false;
		if (ev->kind != MARS_EV_MARS_FAILED)
			return;
	}
	if (ev->kind == MARS_EV_REGISTERED)
		follow(c, ev);
	if (ev->kind == MARS_EV_REGISTERED || ev->kind == MARS_EV_DEREGISTERED)
		shell_prompt_changed(c);
	if (wait_event(c, ev))
		return;
	if (m->wait == W_WATCH) {
		if (ev->kind != MARS_EV_REDIRECT_MAP || changed)
			print_event(c, ev);
		return;
	}
	switch (ev->kind) {
	case MARS_EV_REDIRECT_MAP:
		if (changed)
			print_event(c, ev);
		break;
	case MARS_EV_MULTI:
	case MARS_EV_NAK:
	case MARS_EV_GROUPLIST:
	case MARS_EV_DROPPED:
	case MARS_EV_JOINED:
	case MARS_EV_LEFT:
	case MARS_EV_REVALIDATE:
		break;
	default:
		print_event(c, ev);
	}
}

/* --- messages --- */

/* One SDU, printed with the shared printers (marsdump's output). */
static void
print_frame(struct ctl *c, const struct mars_event *ev,
    enum mars_print_mode mode)
{
	struct mars_print_opts po;
	struct mars_frame fr;
	struct mars_pdu pdu;

	memset(&po, 0, sizeof(po));
	po.mode = c->json ? MARS_PRINT_JSON : mode;
	po.hex = c->json;
	mars_event_frame(ev, &fr);
	fr.num = ++c->mb->frames;
	fr.has_vc = true;	/* the label, even 0/0, and the kind */
	mars_pdu_decode(&pdu, ev->sdu, ev->sdu_len, 0);
	mars_print_frame(&c->ob, &po, &fr, &pdu);
}

/* An SDU the member sent or received: captured, and shown when asked. */
static void
message(struct ctl *c, const struct mars_event *ev)
{
	capture_record(c, ev->dir, ev->vpi, ev->vci, ev->sdu, ev->sdu_len);
	if (ev->dir != MARS_DIR_RX)
		return;
	if (c->mb->replies)
		print_frame(c, ev, MARS_PRINT_VERBOSE);
	else if (c->mb->wait == W_WATCH)
		print_frame(c, ev, MARS_PRINT_LINE);
}

/* Everything the member lives through (watch.h). */
static void
on_event(void *ctx, const struct mars_event *ev)
{
	struct ctl *c = ctx;

	switch (ev->kind) {
	case MARS_EV_MESSAGE:
		message(c, ev);
		break;
	case MARS_EV_NOTE:
		if (ev->code == MARS_WATCH_NOTE_LEARNED && c->nmars > 0) {
			c->mars[0].atm_known = true;
			c->mb->relearn = true;
			c->mb->have_map = false;
		}
		break;
	default:
		happening(c, ev);
	}
	out_flush(c);
}

static uint64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Print a frame we send (send, raw): hex and the decoded fields. */
static void
print_sent(struct ctl *c, uint8_t kind, uint16_t vpi, uint16_t vci,
    const uint8_t *sdu, size_t len)
{
	struct mars_event ev;

	mars_event_init(&ev, MARS_EV_MESSAGE, mars_evloop_now());
	ev.us = wall_us();
	ev.vc.kind = kind;
	ev.vpi = vpi;
	ev.vci = vci;
	ev.dir = MARS_DIR_TX;
	ev.sdu = sdu;
	ev.sdu_len = len;
	if (!c->json)
		mars_print_hex(&c->ob, sdu, len);
	print_frame(c, &ev, MARS_PRINT_VERBOSE);
}

/* --- connecting --- */

static void
close_link(struct ctl *c)
{
	struct member *m = c->mb;

	mars_watch_free(m->w);
	m->w = NULL;
	m->relearn = false;
	m->have_map = false;
	c->connected = false;
	c->nmars = 0;
	c->cur = 0;
	c->target[0] = '\0';
	c->admin_path[0] = '\0';
	c->role[0] = '\0';
}

void
member_close(struct ctl *c)
{
	struct mars_client *cl = member_client(c);

	if (cl != NULL && mars_client_registered(cl))
		(void)mars_client_deregister(cl, mars_evloop_now());
	close_link(c);
}

void
member_free(struct ctl *c)
{
	if (c->mb == NULL)
		return;
	member_close(c);
	free(c->mb);
	c->mb = NULL;
}

/*
 * The member on the loop: with the cluster loaded (entity first first)
 * or one endpoint alone, registering on `register` only; then the MARSs
 * in the member's order, with their names and admin sockets.
 */
static int
open_member(struct ctl *c, const struct mars_endpoint *first, bool cluster,
    char *why, size_t whylen)
{
	struct mars_client_conf timers;
	struct mars_watch_conf wc;
	struct mars_watch_mars wm;
	struct mars_err e;
	struct ctl_mars *cm;
	const struct mars_entity_conf *ec;

	if (first->kind != MARS_ENDPOINT_UDP) {
		snprintf(why, whylen, "only udp: endpoints (the ATM sockets "
		    "backend is not built)");
		return -1;
	}
	memset(&timers, 0, sizeof(timers));
	if (cluster) {
		timers.failure_timeout = c->cluster->failure_timeout;
		timers.retransmit_interval = c->cluster->retransmit_interval;
	}
	timers.request_timeout = c->timeout / 3 > 0 ? c->timeout / 3 : 1;
	timers.request_retries = 2;
	memset(&wc, 0, sizeof(wc));
	wc.cluster = cluster ? c->cluster : NULL;
	wc.has_mars = true;
	wc.mars = *first;
	wc.seed = ((uint64_t)getpid() << 32) ^ (uint64_t)mars_evloop_now();
	wc.on_event = on_event;
	wc.ctx = c;
	wc.manual = true;
	memcpy(wc.atm_prefix, own_prefix, sizeof(own_prefix));
	wc.timers = &timers;
	memset(&e, 0, sizeof(e));
	if (mars_watch_new(&c->mb->w, c->loop, &wc, &e) != 0) {
		mars_err_format(&e, why, whylen);
		return -1;
	}
	for (c->nmars = 0; mars_watch_mars(c->mb->w, c->nmars, &wm);
	    c->nmars++) {
		cm = &c->mars[c->nmars];
		memset(cm, 0, sizeof(*cm));
		snprintf(cm->text, sizeof(cm->text), "%s", wm.endpoint);
		cm->peer = wm.peer;
		cm->atm_known = wm.atm_known;
		if (wm.entity < 0)
			continue;
		ec = &c->cluster->mars[wm.entity];
		snprintf(cm->name, sizeof(cm->name), "%s", ec->name);
		cm->has_peer_ep = ec->has_peer_endpoint;
		cm->peer_ep = ec->peer_endpoint;
		ctl_entity_admin(c, cm->name, cm->admin, sizeof(cm->admin));
	}
	c->connected = true;
	c->cur = 0;
	snprintf(c->target, sizeof(c->target), "%s", c->mars[0].name[0] ?
	    c->mars[0].name : c->mars[0].text);
	snprintf(c->admin_path, sizeof(c->admin_path), "%s", c->mars[0].admin);
	return 0;
}

/*
 * The admin socket of a cluster entity: the lab's, else the one marsd
 * takes for it -- its [mars] admin-socket, else [cluster]'s with %n as
 * its name, else the default of marsd(8) FILES.
 */
void
ctl_entity_admin(struct ctl *c, const char *name, char *buf, size_t len)
{
	const char *lab = lab_admin_path(c, name);

	if (lab != NULL)
		snprintf(buf, len, "%s", lab);
	else if (c->cluster == NULL || mars_config_admin_socket(c->cluster,
	    name, buf, len) != 0 || buf[0] == '\0')
		mars_config_default_admin(name, buf, len);
}

/* The entity named, else the one of highest priority, and the rest. */
static int
connect_cluster(struct ctl *c, const char *name, char *why, size_t whylen)
{
	const struct mars_cluster_conf *cc = c->cluster;
	int first = -1;
	size_t i;

	if (name != NULL && (first = mars_config_mars_index(cc, name)) < 0) {
		snprintf(why, whylen, "no [mars %s] in %s", name,
		    c->cluster_path);
		return -1;
	}
	for (i = 0; first < 0 && i < cc->n_mars; i++)
		if (first < 0 || cc->mars[i].priority >
		    cc->mars[first].priority)
			first = (int)i;
	return open_member(c, &cc->mars[first].endpoint, true, why, whylen);
}

static void
say_connected(struct ctl *c)
{
	struct mars_endpoint local;
	struct mars_err e;
	char loc[MARS_ENDPOINT_TEXT_MAX], hex[MARS_ATM_HEX_MAX];

	loc[0] = '\0';
	if (c->connected && mars_link_local(mars_watch_link(c->mb->w), &local,
	    &e) == 0)
		mars_endpoint_format(&local, loc, sizeof(loc));
	mars_atm_hex(hex, member_own_atm(c), MARS_ATM_ADDR_MAX);
	if (c->json) {
		out_json_begin(c, "connect");
		out_json_str(c, "mars", c->nmars > 0 && c->mars[0].name[0] ?
		    c->mars[0].name : NULL);
		out_json_str(c, "endpoint", c->nmars > 0 ? c->mars[0].text :
		    NULL);
		out_json_str(c, "local", c->connected ? loc : NULL);
		out_json_str(c, "atm", c->connected ? hex : NULL);
		out_json_str(c, "admin", c->admin_path[0] ? c->admin_path : NULL);
		out_json_end(c);
		return;
	}
	if (c->nmars > 0)
		out_line(c, "connected to %s%s%s%s from %s, atm %s",
		    c->mars[0].name, c->mars[0].name[0] ? " (" : "",
		    c->mars[0].text, c->mars[0].name[0] ? ")" : "", loc, hex);
	if (c->admin_path[0] != '\0')
		out_line(c, "admin socket %s", c->admin_path);
}

static bool
is_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

int
cmd_connect(struct ctl *c, const struct cmdtab_result *r)
{
	const char *a0 = cmdtab_arg(r, 0), *a1 = cmdtab_arg(r, 1);
	char why[MARS_CONF_MSG_MAX];
	struct mars_endpoint ep;
	struct mars_err e;

	if (c->job.active)
		return EXIT_FAIL;
	member_close(c);
	memset(&e, 0, sizeof(e));
	switch (r->action) {
	case A_CONNECT_ADMIN:
		if (!is_socket(a0)) {
			out_error(c, a0, "not a socket");
			return EXIT_FAIL;
		}
		snprintf(c->admin_path, sizeof(c->admin_path), "%s", a0);
		snprintf(c->target, sizeof(c->target), "%s", a0);
		break;
	case A_CONNECT_CLUSTER:
		if (ctl_load_cluster(c, a0, why, sizeof(why)) != 0) {
			out_error(c, a0, "%s", why);
			return EXIT_USAGE;
		}
		if (connect_cluster(c, a1, why, sizeof(why)) != 0) {
			out_error(c, a1 != NULL ? a1 : a0, "%s", why);
			close_link(c);
			return EXIT_FAIL;
		}
		break;
	default:
		if (strchr(a0, ':') == NULL && c->cluster != NULL &&
		    mars_config_mars_index(c->cluster, a0) >= 0) {
			if (connect_cluster(c, a0, why, sizeof(why)) != 0) {
				out_error(c, a0, "%s", why);
				close_link(c);
				return EXIT_FAIL;
			}
			break;
		}
		if (mars_endpoint_parse(&ep, a0, &e) != 0) {
			out_error(c, a0, "neither an endpoint (%s) nor an "
			    "entity of %s", e.why != NULL ? e.why : "bad",
			    c->cluster != NULL ? c->cluster_path :
			    "a cluster file (none loaded)");
			return EXIT_USAGE;
		}
		if (ep.kind == MARS_ENDPOINT_UDP && ep.port == 0) {
			out_error(c, a0, "port 0: give the port the MARS "
			    "listens on");
			return EXIT_USAGE;
		}
		if (open_member(c, &ep, false, why, sizeof(why)) != 0) {
			out_error(c, a0, "%s", why);
			close_link(c);
			return EXIT_FAIL;
		}
		if (a1 != NULL) {
			if (!is_socket(a1)) {
				out_error(c, a1, "not a socket");
				close_link(c);
				return EXIT_FAIL;
			}
			snprintf(c->admin_path, sizeof(c->admin_path), "%s", a1);
		}
		break;
	}
	c->role[0] = '\0';
	if (!c->quiet)
		say_connected(c);
	shell_prompt_changed(c);
	return 0;
}

static void
wait_cancel(struct ctl *c)
{
	c->mb->wait = W_NONE;
	job_end(c, EXIT_FAIL);
}

static void
disconnect_done(struct ctl *c, int status)
{
	close_link(c);
	if (c->json) {
		out_json_begin(c, "disconnect");
		out_json_end(c);
	} else
		out_line(c, "disconnected");
	shell_prompt_changed(c);
	c->mb->disconnecting = false;
	job_end(c, status);
}

static void
disconnect_expire(struct ctl *c)
{
	out_warn(c, "the MARS did not answer the deregistration");
	c->mb->wait = W_NONE;
	disconnect_done(c, 0);
}

int
cmd_disconnect(struct ctl *c, const struct cmdtab_result *r)
{
	struct member *m = c->mb;
	struct mars_client *cl = member_client(c);

	if (!c->connected && c->admin_path[0] == '\0') {
		out_error(c, NULL, "not connected");
		return EXIT_FAIL;
	}
	if (cl != NULL && mars_client_registered(cl) &&
	    mars_client_deregister(cl, mars_evloop_now()) == 0) {
		m->wait = W_DEREGISTER;
		m->disconnecting = true;
		job_begin(c, c->timeout, disconnect_expire, wait_cancel);
		kick(c);
		return CMD_ASYNC;
	}
	close_link(c);
	if (c->json) {
		out_json_begin(c, "disconnect");
		out_json_end(c);
	} else
		out_line(c, "disconnected");
	shell_prompt_changed(c);
	return 0;
}

static bool
need_link(struct ctl *c)
{
	if (c->connected)
		return true;
	out_error(c, NULL, "not connected to a MARS endpoint (connect "
	    "ENDPOINT, connect --cluster FILE)");
	return false;
}

static bool
need_registered(struct ctl *c)
{
	if (!need_link(c))
		return false;
	if (member_client(c) != NULL)
		return true;
	out_error(c, NULL, "not registered (register first)");
	return false;
}

static void
register_expire(struct ctl *c)
{
	out_error(c, NULL, "no answer from %s", c->mars[0].name[0] ?
	    c->mars[0].name : c->mars[0].text);
	c->mb->wait = W_NONE;
	mars_watch_reset(c->mb->w);
	job_end(c, EXIT_FAIL);
}

static void
register_cancel(struct ctl *c)
{
	c->mb->wait = W_NONE;
	mars_watch_reset(c->mb->w);
	job_end(c, EXIT_FAIL);
}

int
cmd_register(struct ctl *c, const struct cmdtab_result *r)
{
	struct member *m = c->mb;

	if (!need_link(c))
		return EXIT_FAIL;
	if (member_registered(c)) {
		out_line(c, "already registered (cmi %u)", member_cmi(c));
		return 0;
	}
	m->wait = W_REGISTER;
	job_begin(c, c->timeout, register_expire, register_cancel);
	(void)mars_watch_start(m->w);	/* unless registering already */
	kick(c);
	out_flush(c);
	return CMD_ASYNC;
}

static void
deregister_expire(struct ctl *c)
{
	out_error(c, NULL, "the MARS did not answer the deregistration");
	c->mb->wait = W_NONE;
	mars_watch_reset(c->mb->w);
	job_end(c, EXIT_FAIL);
}

int
cmd_deregister(struct ctl *c, const struct cmdtab_result *r)
{
	struct member *m = c->mb;
	struct mars_client *cl;

	if (!need_registered(c))
		return EXIT_FAIL;
	cl = member_client(c);
	if (mars_client_deregister(cl, mars_evloop_now()) != 0) {
		out_error(c, NULL, "not registered (state %s)",
		    mars_client_state_name(mars_client_state(cl)));
		return EXIT_FAIL;
	}
	m->wait = W_DEREGISTER;
	job_begin(c, c->timeout, deregister_expire, wait_cancel);
	kick(c);
	return CMD_ASYNC;
}

static void
join_expire(struct ctl *c)
{
	struct member *m = c->mb;
	char pa[MARS_PA_TEXT_MAX];
	size_t i;

	for (i = 0; i < m->nwgroup; i++)
		if (!m->wdone[i]) {
			mars_pa_text(pa, m->wgroup[i], (size_t)m->wlen);
			out_error(c, pa, "not confirmed by the MARS within "
			    "%llu ms", (unsigned long long)c->timeout);
		}
	m->wait = W_NONE;
	job_end(c, EXIT_FAIL);
}

/* Add lo..hi to the wanted groups; false when too many. */
static bool
add_range(struct member *m, uint8_t *lo, const uint8_t *hi, int len)
{
	int k;

	for (;;) {
		if (m->nwgroup == JOIN_MAX)
			return false;
		memcpy(m->wgroup[m->nwgroup], lo, (size_t)len);
		m->wdone[m->nwgroup++] = false;
		if (memcmp(lo, hi, (size_t)len) == 0)
			return true;
		for (k = len - 1; k >= 0 && ++lo[k] == 0; k--)
			;
	}
}

int
cmd_join(struct ctl *c, const struct cmdtab_result *r)
{
	struct member *m = c->mb;
	struct mars_client *cl = member_client(c);
	uint8_t lo[MARS_CLIENT_PA_MAX], hi[MARS_CLIENT_PA_MAX];
	bool join = r->action == A_JOIN;
	const char *a;
	size_t i;
	int len, rc;

	if (!need_registered(c))
		return EXIT_FAIL;
	m->nwgroup = 0;
	m->wlen = 0;
	for (i = 0; (a = cmdtab_arg(r, i)) != NULL; i++) {
		if (parse_range(a, lo, hi, &len) != 0) {
			out_error(c, a, "not a group or an ascending range of "
			    "groups of one family (224.1.1.1, "
			    "224.1.1.1-224.1.1.9, ff05::1)");
			return EXIT_USAGE;
		}
		if (m->wlen != 0 && len != m->wlen) {
			out_error(c, a, "IPv4 and IPv6 groups mixed");
			return EXIT_USAGE;
		}
		m->wlen = len;
		if (!add_range(m, lo, hi, len)) {
			out_error(c, a, "more than %d groups in one command",
			    JOIN_MAX);
			return EXIT_USAGE;
		}
	}
	m->wleft = m->nwgroup;
	for (i = 0; i < m->nwgroup; i++) {
		rc = join ? mars_client_join(cl, mars_evloop_now(),
		    m->wgroup[i], (size_t)len) : mars_client_leave(cl,
		    mars_evloop_now(), m->wgroup[i], (size_t)len);
		if (rc != 0) {
			char pa[MARS_PA_TEXT_MAX];

			mars_pa_text(pa, m->wgroup[i], (size_t)len);
			out_error(c, pa, join ? "cannot join: %s" :
			    "not joined: %s", mars_strerror(rc));
			kick(c);
			return EXIT_FAIL;
		}
	}
	m->wait = join ? W_JOIN : W_LEAVE;
	job_begin(c, c->timeout, join_expire, wait_cancel);
	kick(c);
	return CMD_ASYNC;
}

static void
request_expire(struct ctl *c)
{
	out_error(c, NULL, "no answer within %llu ms",
	    (unsigned long long)c->timeout);
	c->mb->wait = W_NONE;
	job_end(c, EXIT_FAIL);
}

int
cmd_request(struct ctl *c, const struct cmdtab_result *r)
{
	struct member *m = c->mb;
	const char *a = cmdtab_arg(r, 0);
	int len, rc;

	if (!need_registered(c))
		return EXIT_FAIL;
	if ((len = parse_group(a, m->wgroup[0])) < 0) {
		out_error(c, a, "not a group address");
		return EXIT_USAGE;
	}
	note_group(c, a);
	m->wlen = len;
	if ((rc = mars_client_request(member_client(c), mars_evloop_now(),
	    m->wgroup[0],
	    (size_t)len)) != 0) {
		out_error(c, a, "%s", mars_strerror(rc));
		return EXIT_FAIL;
	}
	m->wait = W_REQUEST;
	job_begin(c, c->timeout, request_expire, wait_cancel);
	kick(c);
	return CMD_ASYNC;
}

int
cmd_grouplist(struct ctl *c, const struct cmdtab_result *r)
{
	struct member *m = c->mb;
	const char *a = cmdtab_arg(r, 0);
	uint8_t lo[MARS_CLIENT_PA_MAX], hi[MARS_CLIENT_PA_MAX];
	int len, rc;

	if (!need_registered(c))
		return EXIT_FAIL;
	if (a == NULL)
		a = "224.0.0.0-239.255.255.255";
	if (parse_range(a, lo, hi, &len) != 0) {
		out_error(c, a, "not a range MIN-MAX of groups");
		return EXIT_USAGE;
	}
	if ((rc = mars_client_grouplist(member_client(c), mars_evloop_now(),
	    lo, hi,
	    (size_t)len)) != 0) {
		out_error(c, a, "%s", mars_strerror(rc));
		return EXIT_FAIL;
	}
	m->wait = W_GROUPLIST;
	job_begin(c, c->timeout, request_expire, wait_cancel);
	kick(c);
	return CMD_ASYNC;
}

static void
watch_end(struct ctl *c)
{
	c->mb->wait = W_NONE;
	job_end(c, 0);
}

int
cmd_watch(struct ctl *c, const struct cmdtab_result *r)
{
	const char *a = cmdtab_arg(r, 0);
	mars_time_t ms = 0;

	if (a != NULL && parse_duration(a, &ms) != 0) {
		out_error(c, a, "not a duration (30s, 2m, 500ms)");
		return EXIT_USAGE;
	}
	if (!need_link(c))
		return EXIT_FAIL;
	if (!member_registered(c))
		out_warn(c, "not registered: ClusterControlVC brings nothing "
		    "until then");
	if (!c->json && c->interactive)
		out_line(c, "watching %s; Ctrl-C ends", c->target);
	out_flush(c);
	c->mb->wait = W_WATCH;
	job_begin(c, ms, watch_end, watch_end);
	return CMD_ASYNC;
}

/* --- crafted messages --- */

uint32_t
member_peer(struct ctl *c, size_t i, bool scsp)
{
	struct mars_err e;

	if (i >= c->nmars || c->mb->w == NULL)
		return 0;
	if (!scsp)
		return c->mars[i].peer;
	if (!c->mars[i].has_peer_ep)
		return 0;
	/* the peer endpoint is heard too: its replies are printed */
	if (c->mars[i].speer == 0 && mars_watch_peer_add(c->mb->w,
	    &c->mars[i].peer_ep, &c->mars[i].speer, &e) != 0)
		return 0;
	return c->mars[i].speer;
}

/* The VC label of a send, for captures. */
static void
vc_label(struct mars_link *l, const struct mars_vc *vc, uint16_t *vpi,
    uint16_t *vci)
{
	*vpi = 0;
	switch (vc->kind) {
	case MARS_VC_CCVC:
		*vci = MARS_LINK_VCI_CCVC;
		break;
	case MARS_VC_SCVC:
		*vci = MARS_LINK_VCI_SCVC;
		break;
	default:
		if (mars_link_peer_vc(l, vc->id, vpi, vci) != 0)
			*vci = 0;
	}
}

int
member_send(struct ctl *c, uint8_t kind, uint32_t peer, const uint8_t *sdu,
    size_t len)
{
	struct mars_link *l;
	struct mars_vc vc;
	struct mars_err e;
	uint16_t vpi, vci;
	char why[256];
	int rc;

	if (!need_link(c))
		return -1;
	l = mars_watch_link(c->mb->w);
	vc.kind = kind;
	vc.id = kind == MARS_VC_CCVC || kind == MARS_VC_SCVC ? 0 : peer;
	vc_label(l, &vc, &vpi, &vci);
	/* a pt-mpt kind: the MARS is the one leaf, for this datagram */
	if (vc.id == 0)
		mars_link_leaf_add(l, kind, peer);
	print_sent(c, kind, vpi, vci, sdu, len);
	capture_record(c, MARS_DIR_TX, vpi, vci, sdu, len);
	memset(&e, 0, sizeof(e));
	if ((rc = mars_link_send(l, &vc, sdu, len, &e)) != 0) {
		if (e.code == MARS_E_SYS && e.sys_errno != 0)
			snprintf(why, sizeof(why), "%s", strerror(e.sys_errno));
		else
			mars_err_format(&e, why, sizeof(why));
		out_warn(c, "send: %s", why);
	}
	if (vc.id == 0)
		mars_link_leaf_del(l, kind, peer);
	return rc;
}

void
member_show_replies(struct ctl *c, bool on)
{
	c->mb->replies = on;
}
