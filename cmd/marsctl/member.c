/*
 * marsctl as a cluster member (RFC 2022 §5): one lab link (mars-lab(7))
 * to the MARSs of a cluster file or to one endpoint, and the client
 * state machine (client.h) on it, as marsping --join runs it.  Commands
 * that wait for the MARS (register, join, request ...) are jobs that end
 * on the client's event or on the timeout; whatever else the member
 * lives through (failures, redirects, CSN gaps) prints as it happens.
 *
 * When the MARS's ATM address is not known (connect ENDPOINT), the
 * member registers under a provisional all-zero address: the copy is
 * recognised by our own source address and the VC (§5.2.3).  The first
 * MARS_REDIRECT_MAP from that endpoint names the MARS in mar$sha
 * (§5.4.3); the member then registers again knowing it (the MARS hands
 * back the same CMI) so that later maps are trusted.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

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


static const uint8_t own_prefix[13] = {
	0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00,
	0x6d, 0x63, 0x74, 0x6c,		/* "mctl" */
};

int
member_init(struct ctl *c)
{
	if ((c->mb = calloc(1, sizeof(*c->mb))) == NULL)
		return -1;
	mars_rng_seed(&c->mb->rng, ((uint64_t)getpid() << 32) ^
	    (uint64_t)mars_evloop_now());
	return 0;
}

const uint8_t *
member_own_atm(struct ctl *c)
{
	return c->mb->own;
}

bool
member_registered(struct ctl *c)
{
	return c->mb->cl != NULL && mars_client_registered(c->mb->cl);
}

uint16_t
member_cmi(struct ctl *c)
{
	return c->mb->cl != NULL ? mars_client_cmi(c->mb->cl) : 0;
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

/* --- the client's timer and output --- */

static void	kick(struct ctl *c);

static void
client_timer_cb(struct mars_evloop *loop, void *arg)
{
	struct ctl *c = arg;

	c->mb->timer = 0;
	if (c->mb->cl == NULL)
		return;
	mars_client_tick(c->mb->cl, mars_evloop_now());
	kick(c);
	out_flush(c);
}

static void
kick(struct ctl *c)
{
	struct member *m = c->mb;
	mars_time_t next;

	if (m->cl == NULL) {
		if (m->timer != 0)
			mars_evloop_timer_cancel(c->loop, m->timer);
		m->timer = 0;
		return;
	}
	next = mars_client_next_deadline(m->cl);
	if (m->timer != 0 && next == m->timer_at)
		return;
	if (m->timer != 0)
		mars_evloop_timer_cancel(c->loop, m->timer);
	m->timer = 0;
	m->timer_at = next;
	if (next != MARS_TIME_NEVER)
		m->timer = mars_evloop_timer_at(c->loop, next, client_timer_cb,
		    c);
}

/* The VC label of a send, for captures. */
static void
vc_label(struct ctl *c, const struct mars_vc *vc, uint16_t *vpi,
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
		if (mars_link_peer_vc(c->mb->link, vc->id, vpi, vci) != 0)
			*vci = 0;
	}
}

static int
link_send(struct ctl *c, const struct mars_vc *vc, const uint8_t *sdu,
    size_t len)
{
	struct mars_err e;
	uint16_t vpi, vci;
	char why[256];
	int rc;

	memset(&e, 0, sizeof(e));
	vc_label(c, vc, &vpi, &vci);
	capture_record(c, MARS_DIR_TX, vpi, vci, sdu, len);
	if ((rc = mars_link_send(c->mb->link, vc, sdu, len, &e)) != 0) {
		if (e.code == MARS_E_SYS && e.sys_errno != 0)
			snprintf(why, sizeof(why), "%s", strerror(e.sys_errno));
		else
			mars_err_format(&e, why, sizeof(why));
		out_warn(c, "send: %s", why);
	}
	return rc;
}

static void
io_send(void *ctx, const struct mars_vc *vc, const uint8_t *sdu, size_t len)
{
	link_send(ctx, vc, sdu, len);
}

static const char *
event_name(int kind)
{
	switch (kind) {
	case MARS_EV_REGISTERED:	return "registered";
	case MARS_EV_DEREGISTERED:	return "deregistered";
	case MARS_EV_JOINED:		return "joined";
	case MARS_EV_LEFT:		return "left";
	case MARS_EV_REDIRECT:		return "redirect";
	case MARS_EV_REDIRECT_MAP:	return "redirect_map";
	case MARS_EV_MARS_FAILED:	return "mars_failed";
	case MARS_EV_REJOINED:		return "rejoined";
	case MARS_EV_CSN_GAP:		return "csn_gap";
	case MARS_EV_REVALIDATE:	return "revalidate";
	case MARS_EV_MULTI:		return "multi";
	case MARS_EV_NAK:		return "nak";
	case MARS_EV_GROUPLIST:		return "grouplist";
	case MARS_EV_GIVE_UP:		return "give_up";
	case MARS_EV_DROPPED:		return "dropped";
	}
	return "unknown";
}

/* The current MARS's list entry, for its endpoint. */
static const struct ctl_mars *
event_mars(struct ctl *c, const struct mars_event *ev)
{
	size_t i, n;

	if (ev->atm == NULL)
		return NULL;
	n = ev->atm_tl & MARS_ATM_TL_LEN;
	for (i = 0; i < c->nmars; i++)
		if (c->mars[i].atm_known && (c->mb->mars[i].atm.tl &
		    MARS_ATM_TL_LEN) == n && memcmp(c->mb->mars[i].atm.num,
		    ev->atm, n) == 0)
			return &c->mars[i];
	if (c->mb->learning && c->nmars > 0)
		return &c->mars[0];
	return NULL;
}

/* One event: a line, or an object of type "event". */
static void
print_event(struct ctl *c, const struct mars_event *ev)
{
	const struct ctl_mars *cm = event_mars(c, ev);
	struct mars_out *ob = &c->ob;
	char name[MARS_ATM_HEX_MAX], hex[MARS_ATM_HEX_MAX], pa[MARS_PA_TEXT_MAX];
	const char *who;
	size_t i;

	who = cm != NULL && cm->name[0] ? cm->name : cm != NULL &&
	    !cm->atm_known ? cm->text : atm_name(c, ev->atm, ev->atm_tl, name,
	    sizeof(name));
	if (ev->group != NULL && ev->group_len > 0)
		mars_pa_text(pa, ev->group, ev->group_len);
	if (c->json) {
		out_json_begin(c, "event");
		out_json_str(c, "event", event_name(ev->kind));
		mars_out_puts(ob, ",\"ts\":");
		out_ts(c);
		if (ev->atm != NULL && (ev->atm_tl & MARS_ATM_TL_LEN) != 0 &&
		    (cm == NULL || cm->atm_known)) {
			mars_atm_hex(hex, ev->atm, ev->atm_tl & MARS_ATM_TL_LEN);
			out_json_str(c, "mars", hex);
		} else
			out_json_str(c, "mars", NULL);
		out_json_str(c, "name", cm != NULL && cm->name[0] ? cm->name :
		    NULL);
		out_json_str(c, "endpoint", cm != NULL ? cm->text : NULL);
		out_json_num(c, "cmi", ev->kind == MARS_EV_REGISTERED ? ev->cmi :
		    member_cmi(c));
		out_json_num(c, "csn", ev->csn);
		out_json_str(c, "group", ev->group != NULL && ev->group_len ?
		    pa : NULL);
		if (ev->kind == MARS_EV_REDIRECT_MAP ||
		    ev->kind == MARS_EV_REDIRECT) {
			out_json_bool(c, "hard", ev->hard);
			mars_out_puts(ob, ",\"list\":[");
			for (i = 0; i < c->mb->nmap; i++) {
				mars_atm_hex(hex, c->mb->map[i].num,
				    c->mb->map[i].tl & MARS_ATM_TL_LEN);
				mars_out_puts(ob, i ? ",\"" : "\"");
				mars_out_puts(ob, hex);
				mars_out_putc(ob, '"');
			}
			mars_out_putc(ob, ']');
		} else {
			out_json_raw(c, "hard", NULL);
			out_json_raw(c, "list", NULL);
		}
		if (ev->kind == MARS_EV_CSN_GAP || ev->kind == MARS_EV_REJOINED)
			out_json_num(c, "count", ev->count);
		else
			out_json_raw(c, "count", NULL);
		out_json_str(c, "detail", ev->detail);
		out_json_end(c);
		return;
	}
	mars_out_puts(ob, event_name(ev->kind));
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
			    c->mb->map[i].tl, name, sizeof(name)));
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
	const struct mars_client_atm *map;
	size_t n, i;
	bool hard, changed;

	map = mars_client_redirect_map(m->cl, &n, &hard);
	if (n > MARS_CLIENT_MARS_MAX)
		n = MARS_CLIENT_MARS_MAX;
	changed = !m->have_map || n != m->nmap || hard != m->map_hard;
	for (i = 0; !changed && i < n; i++)
		if (map[i].tl != m->map[i].tl || memcmp(map[i].num,
		    m->map[i].num, map[i].tl & MARS_ATM_TL_LEN) != 0)
			changed = true;
	memcpy(m->map, map, n * sizeof(map[0]));
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
		mem = mars_client_members(c->mb->cl, &n);
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

	g = mars_client_grouplist_groups(c->mb->cl, &n);
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
io_event(void *ctx, const struct mars_event *ev)
{
	struct ctl *c = ctx;
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

static void
io_log(void *ctx, int level, const char *msg)
{
}

/* --- the client --- */

static int
make_client(struct ctl *c, char *why, size_t whylen)
{
	struct member *m = c->mb;
	struct mars_client_conf conf;
	struct mars_io io;
	struct mars_err e;

	memset(&conf, 0, sizeof(conf));
	conf.pro_type = c->cluster != NULL && c->cluster->protocol ==
	    MARS_CONF_PROTO_IPV6 && c->nmars > 0 && c->mars[0].name[0] ?
	    MARS_PRO_IPV6 : MARS_PRO_IPV4;
	conf.own.tl = MARS_ATM_ADDR_MAX;
	memcpy(conf.own.num, m->own, MARS_ATM_ADDR_MAX);
	conf.mars = m->mars;
	conf.nmars = c->nmars;
	if (c->cluster != NULL && c->mars[0].name[0] != '\0') {
		conf.failure_timeout = c->cluster->failure_timeout;
		conf.retransmit_interval = c->cluster->retransmit_interval;
	}
	conf.request_timeout = c->timeout / 3 > 0 ? c->timeout / 3 : 1;
	conf.request_retries = 2;
	conf.rng = &m->rng;
	memset(&io, 0, sizeof(io));
	io.ctx = c;
	io.send = io_send;
	io.event = io_event;
	io.log = io_log;
	memset(&e, 0, sizeof(e));
	if (mars_client_new(&m->cl, &conf, &io, &e) != 0) {
		mars_err_format(&e, why, whylen);
		return -1;
	}
	return 0;
}

static void
free_client(struct ctl *c)
{
	if (c->mb->cl != NULL)
		mars_client_free(c->mb->cl);
	c->mb->cl = NULL;
	c->mb->have_map = false;
	kick(c);
}

/* §5.4.3: a REDIRECT_MAP's mar$sha is the MARS that sent it. */
static void
learn(struct ctl *c, const struct mars_link_rx *rx)
{
	struct member *m = c->mb;
	const struct mars_client_pa *g;
	struct mars_client_pa groups[JOIN_MAX];
	enum mars_client_group_state st;
	struct mars_pdu pdu;
	const struct mars_msg *msg = &pdu.u.mars;
	char why[256];
	size_t i, n = 0;

	if (c->nmars == 0 || rx->peer != c->mars[0].peer ||
	    mars_pdu_decode(&pdu, rx->sdu, rx->len, 0) != 0 ||
	    pdu.kind != MARS_PDU_MARS || msg->op != MARS_REDIRECT_MAP ||
	    (msg->sha.tl & MARS_ATM_TL_LEN) == 0 || m->cl == NULL ||
	    !mars_client_registered(m->cl))
		return;
	memset(&m->mars[0].atm, 0, sizeof(m->mars[0].atm));
	m->mars[0].atm.tl = msg->sha.tl;
	memcpy(m->mars[0].atm.num, msg->sha.addr, msg->sha.tl & MARS_ATM_TL_LEN);
	c->mars[0].atm_known = true;
	m->learning = false;
	for (i = 0; i < mars_client_group_count(m->cl) && n < JOIN_MAX; i++)
		if ((g = mars_client_group(m->cl, i, &st)) != NULL &&
		    st != MARS_CLIENT_GRP_LEAVING)
			groups[n++] = *g;
	free_client(c);
	if (make_client(c, why, sizeof(why)) != 0)
		return;
	m->relearn = true;
	mars_client_start(m->cl, mars_evloop_now());
	for (i = 0; i < n; i++)
		mars_client_join(m->cl, mars_evloop_now(), groups[i].addr,
		    groups[i].len);
	kick(c);
}

/* --- receiving --- */

static void
print_frame(struct ctl *c, const struct mars_link_rx *rx, int dir,
    enum mars_print_mode mode)
{
	struct mars_print_opts po;
	struct mars_frame fr;
	struct mars_pdu pdu;
	struct timespec ts;

	memset(&po, 0, sizeof(po));
	po.mode = c->json ? MARS_PRINT_JSON : mode;
	po.hex = c->json;
	memset(&fr, 0, sizeof(fr));
	clock_gettime(CLOCK_REALTIME, &ts);
	fr.num = ++c->mb->frames;
	fr.ts_sec = ts.tv_sec;
	fr.ts_usec = (uint32_t)(ts.tv_nsec / 1000);
	fr.has_vc = true;
	fr.vpi = rx->vpi;
	fr.vci = rx->vci;
	fr.dir = dir;
	fr.vc_kind = rx->vc.kind;
	fr.data = fr.sdu = rx->sdu;
	fr.caplen = fr.wirelen = fr.sdu_len = (uint32_t)rx->len;
	mars_pdu_decode(&pdu, rx->sdu, rx->len, 0);
	mars_print_frame(&c->ob, &po, &fr, &pdu);
}

/* Print a frame we send (send, raw): hex and the decoded fields. */
void	member_print_sent(struct ctl *c, uint8_t kind, uint16_t vpi,
	    uint16_t vci, const uint8_t *sdu, size_t len);

void
member_print_sent(struct ctl *c, uint8_t kind, uint16_t vpi, uint16_t vci,
    const uint8_t *sdu, size_t len)
{
	struct mars_link_rx rx;

	memset(&rx, 0, sizeof(rx));
	rx.vc.kind = kind;
	rx.vpi = vpi;
	rx.vci = vci;
	rx.sdu = sdu;
	rx.len = len;
	if (!c->json)
		mars_print_hex(&c->ob, sdu, len);
	print_frame(c, &rx, MARS_DIR_TX, MARS_PRINT_VERBOSE);
}

static void
drain_errqueue(int fd)
{
	uint8_t data[256], ctl[512];
	struct iovec iov;
	struct msghdr mh;
	int i;

	for (i = 0; i < 64; i++) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = data;
		iov.iov_len = sizeof(data);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
	}
}

static int
mars_by_peer(struct ctl *c, uint32_t peer)
{
	size_t i;

	for (i = 0; i < c->nmars; i++)
		if (c->mars[i].peer == peer || (c->mars[i].speer != 0 &&
		    c->mars[i].speer == peer))
			return (int)i;
	return -1;
}

static void
link_cb(struct mars_evloop *loop, int fd, unsigned revents, void *arg)
{
	struct ctl *c = arg;
	struct member *m = c->mb;
	static uint8_t buf[MARS_LINK_DGRAM_MAX];
	struct mars_link_rx rx;
	struct mars_err e;
	struct mars_vc vc;
	uint32_t lost;
	int i, rc;

	if (revents & MARS_EVLOOP_ERROR) {
		while (mars_link_lost(m->link, &lost) == 1)
			;
		drain_errqueue(fd);
	}
	for (i = 0; i < 256 && m->link != NULL; i++) {
		rc = mars_link_recv(m->link, buf, sizeof(buf), &rx, &e);
		if (rc == 0)
			break;
		if (rc < 0)
			continue;
		if (mars_by_peer(c, rx.peer) < 0)
			continue;	/* only the MARSs we know speak to us */
		capture_record(c, MARS_DIR_RX, rx.vpi, rx.vci, rx.sdu, rx.len);
		if (m->replies)
			print_frame(c, &rx, MARS_DIR_RX, MARS_PRINT_VERBOSE);
		else if (m->wait == W_WATCH)
			print_frame(c, &rx, MARS_DIR_RX, MARS_PRINT_LINE);
		vc = rx.vc;
		if (vc.kind == MARS_VC_CCVC)
			vc.id = rx.peer;	/* which MARS's CCVC */
		if (m->learning)
			learn(c, &rx);
		if (m->cl != NULL && vc.kind != MARS_VC_SERVER) {
			mars_client_input(m->cl, mars_evloop_now(), &vc, rx.sdu,
			    rx.len);
			kick(c);
		}
	}
	out_flush(c);
}

/* --- connecting --- */

static void
close_link(struct ctl *c)
{
	struct member *m = c->mb;

	free_client(c);
	if (m->link != NULL) {
		mars_evloop_fd_del(c->loop, mars_link_fd(m->link));
		mars_link_close(m->link);
	}
	m->link = NULL;
	m->learning = m->relearn = false;
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
	struct member *m = c->mb;

	if (m->cl != NULL && mars_client_registered(m->cl))
		(void)mars_client_deregister(m->cl, mars_evloop_now());
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

static int
open_link(struct ctl *c, char *why, size_t whylen)
{
	struct member *m = c->mb;
	struct sockaddr_storage ss;
	struct mars_endpoint bind, local;
	struct mars_err e;
	socklen_t sslen;
	bool v6 = false;
	uint32_t pid;
	size_t i;

	for (i = 0; i < c->nmars; i++) {
		memset(&e, 0, sizeof(e));
		if (c->mars[i].ep.kind != MARS_ENDPOINT_UDP) {
			snprintf(why, whylen, "%s: only udp: endpoints (the "
			    "ATM sockets backend is not built)", c->mars[i].text);
			return -1;
		}
		if (mars_endpoint_resolve(&c->mars[i].ep, AF_UNSPEC, false, &ss,
		    &sslen, &e) != 0) {
			snprintf(why, whylen, "%s: %s", c->mars[i].text,
			    e.why != NULL ? e.why : "does not resolve");
			return -1;
		}
		if (ss.ss_family == AF_INET6)
			v6 = true;
	}
	memset(&e, 0, sizeof(e));
	mars_endpoint_parse(&bind, v6 ? "udp:[::]:0" : "udp:0.0.0.0:0", &e);
	if (mars_link_open(&m->link, &bind, 0, &e) != 0) {
		mars_err_format(&e, why, whylen);
		return -1;
	}
	for (i = 0; i < c->nmars; i++) {
		memset(&e, 0, sizeof(e));
		if (mars_link_peer_add(m->link, &c->mars[i].ep, &c->mars[i].peer,
		    &e) != 0) {
			snprintf(why, whylen, "%s: cannot add the peer",
			    c->mars[i].text);
			return -1;
		}
		m->mars[i].vc.kind = MARS_VC_P2P;
		m->mars[i].vc.id = c->mars[i].peer;
		m->mars[i].has_ccvc = true;
		m->mars[i].ccvc_id = c->mars[i].peer;
	}
	pid = (uint32_t)getpid();
	if (mars_link_local(m->link, &local, &e) != 0)
		local.port = 0;
	memcpy(m->own, own_prefix, sizeof(own_prefix));
	m->own[13] = (uint8_t)(pid >> 24);
	m->own[14] = (uint8_t)(pid >> 16);
	m->own[15] = (uint8_t)(pid >> 8);
	m->own[16] = (uint8_t)pid;
	m->own[17] = (uint8_t)(local.port >> 8);
	m->own[18] = (uint8_t)local.port;
	m->own[19] = 0;
	if (mars_evloop_fd_add(c->loop, mars_link_fd(m->link), MARS_EVLOOP_READ,
	    link_cb, c) != 0) {
		snprintf(why, whylen, "event loop full");
		return -1;
	}
	c->connected = true;
	return 0;
}

static void
add_mars(struct ctl *c, const char *name, const struct mars_endpoint *ep,
    const uint8_t *atm, size_t atm_len)
{
	struct ctl_mars *cm = &c->mars[c->nmars];
	struct mars_client_mars *mm = &c->mb->mars[c->nmars];

	memset(cm, 0, sizeof(*cm));
	memset(mm, 0, sizeof(*mm));
	snprintf(cm->name, sizeof(cm->name), "%s", name);
	cm->ep = *ep;
	mars_endpoint_format(ep, cm->text, sizeof(cm->text));
	mm->atm.tl = MARS_ATM_ADDR_MAX;
	if (atm != NULL && atm_len == MARS_ATM_ADDR_MAX) {
		memcpy(mm->atm.num, atm, atm_len);
		cm->atm_known = true;
	}
	c->nmars++;
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

/* Every entity of the cluster, first the one named, then by priority. */
static int
connect_cluster(struct ctl *c, const char *name, char *why, size_t whylen)
{
	const struct mars_cluster_conf *cc = c->cluster;
	bool used[MARS_CONF_MARS_MAX] = { false };
	size_t i, k, best;
	int first = -1;

	if (name != NULL && (first = mars_config_mars_index(cc, name)) < 0) {
		snprintf(why, whylen, "no [mars %s] in %s", name,
		    c->cluster_path);
		return -1;
	}
	if (first < 0) {
		/* the entity of highest priority */
		for (i = 0; i < cc->n_mars; i++)
			if (first < 0 || cc->mars[i].priority >
			    cc->mars[first].priority)
				first = (int)i;
	}
	add_mars(c, cc->mars[first].name, &cc->mars[first].endpoint,
	    cc->mars[first].atm, cc->mars[first].atm_len);
	used[first] = true;
	for (k = 1; k < cc->n_mars; k++) {
		best = cc->n_mars;
		for (i = 0; i < cc->n_mars; i++)
			if (!used[i] && (best == cc->n_mars ||
			    cc->mars[i].priority > cc->mars[best].priority))
				best = i;
		used[best] = true;
		add_mars(c, cc->mars[best].name, &cc->mars[best].endpoint,
		    cc->mars[best].atm, cc->mars[best].atm_len);
	}
	for (i = 0; i < c->nmars; i++) {
		const struct mars_entity_conf *ec =
		    mars_config_find_mars(cc, c->mars[i].name);

		c->mars[i].has_peer_ep = ec->has_peer_endpoint;
		c->mars[i].peer_ep = ec->peer_endpoint;
		ctl_entity_admin(c, c->mars[i].name, c->mars[i].admin,
		    sizeof(c->mars[i].admin));
	}
	if (open_link(c, why, whylen) != 0)
		return -1;
	c->cur = 0;
	snprintf(c->target, sizeof(c->target), "%s", c->mars[0].name);
	snprintf(c->admin_path, sizeof(c->admin_path), "%s", c->mars[0].admin);
	return 0;
}

static void
say_connected(struct ctl *c)
{
	struct mars_endpoint local;
	struct mars_err e;
	char loc[MARS_ENDPOINT_TEXT_MAX], hex[MARS_ATM_HEX_MAX];

	loc[0] = '\0';
	if (c->connected && mars_link_local(c->mb->link, &local, &e) == 0)
		mars_endpoint_format(&local, loc, sizeof(loc));
	mars_atm_hex(hex, c->mb->own, MARS_ATM_ADDR_MAX);
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
		add_mars(c, "", &ep, NULL, 0);
		c->mb->learning = true;
		if (open_link(c, why, sizeof(why)) != 0) {
			out_error(c, a0, "%s", why);
			close_link(c);
			return EXIT_FAIL;
		}
		snprintf(c->target, sizeof(c->target), "%s", c->mars[0].text);
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

	if (!c->connected && c->admin_path[0] == '\0') {
		out_error(c, NULL, "not connected");
		return EXIT_FAIL;
	}
	if (m->cl != NULL && mars_client_registered(m->cl) &&
	    mars_client_deregister(m->cl, mars_evloop_now()) == 0) {
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
	if (c->mb->cl != NULL)
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
	free_client(c);
	job_end(c, EXIT_FAIL);
}

static void
register_cancel(struct ctl *c)
{
	c->mb->wait = W_NONE;
	free_client(c);
	job_end(c, EXIT_FAIL);
}

int
cmd_register(struct ctl *c, const struct cmdtab_result *r)
{
	struct member *m = c->mb;
	char why[256];

	if (!need_link(c))
		return EXIT_FAIL;
	if (m->cl != NULL && mars_client_registered(m->cl)) {
		out_line(c, "already registered (cmi %u)", mars_client_cmi(m->cl));
		return 0;
	}
	if (m->cl == NULL && make_client(c, why, sizeof(why)) != 0) {
		out_error(c, NULL, "%s", why);
		return EXIT_FAIL;
	}
	m->wait = W_REGISTER;
	job_begin(c, c->timeout, register_expire, register_cancel);
	if (mars_client_state(m->cl) == MARS_CLIENT_IDLE)
		mars_client_start(m->cl, mars_evloop_now());
	kick(c);
	out_flush(c);
	return CMD_ASYNC;
}

static void
deregister_expire(struct ctl *c)
{
	out_error(c, NULL, "the MARS did not answer the deregistration");
	c->mb->wait = W_NONE;
	free_client(c);
	job_end(c, EXIT_FAIL);
}

int
cmd_deregister(struct ctl *c, const struct cmdtab_result *r)
{
	struct member *m = c->mb;

	if (!need_registered(c))
		return EXIT_FAIL;
	if (mars_client_deregister(m->cl, mars_evloop_now()) != 0) {
		out_error(c, NULL, "not registered (state %s)",
		    mars_client_state_name(mars_client_state(m->cl)));
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
		rc = join ? mars_client_join(m->cl, mars_evloop_now(),
		    m->wgroup[i], (size_t)len) : mars_client_leave(m->cl,
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
	if ((rc = mars_client_request(m->cl, mars_evloop_now(), m->wgroup[0],
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
	if ((rc = mars_client_grouplist(m->cl, mars_evloop_now(), lo, hi,
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
	if (c->mb->cl == NULL || !mars_client_registered(c->mb->cl))
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

	if (i >= c->nmars)
		return 0;
	if (!scsp)
		return c->mars[i].peer;
	if (!c->mars[i].has_peer_ep)
		return 0;
	if (c->mars[i].speer == 0 && mars_link_peer_add(c->mb->link,
	    &c->mars[i].peer_ep, &c->mars[i].speer, &e) != 0)
		return 0;
	return c->mars[i].speer;
}

int
member_send(struct ctl *c, uint8_t kind, uint32_t peer, const uint8_t *sdu,
    size_t len)
{
	struct member *m = c->mb;
	struct mars_vc vc;
	uint16_t vpi, vci;
	int rc;

	if (!need_link(c))
		return -1;
	vc.kind = kind;
	vc.id = kind == MARS_VC_CCVC || kind == MARS_VC_SCVC ? 0 : peer;
	vc_label(c, &vc, &vpi, &vci);
	/* a pt-mpt kind: the MARS is the one leaf, for this datagram */
	if (vc.id == 0)
		mars_link_leaf_add(m->link, kind, peer);
	member_print_sent(c, kind, vpi, vci, sdu, len);
	rc = link_send(c, &vc, sdu, len);
	if (vc.id == 0)
		mars_link_leaf_del(m->link, kind, peer);
	return rc;
}

void
member_show_replies(struct ctl *c, bool on)
{
	c->mb->replies = on;
}
