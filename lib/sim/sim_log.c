/*
 * The simulator's event log (sim.h): recording, iteration, the text and
 * JSON Lines printers marsfail uses, and the LINKTYPE_SUNATM trace.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "mars/atm.h"
#include "mars/capture.h"
#include "mars/frame.h"
#include "mars/sim.h"
#include "sim_int.h"

/* SunATM pseudo-header octet 0 (libpcap sunatmpos.h): direction, type. */
#define SUNATM_DIR_TX		0x80
#define SUNATM_TYPE_LLC		0x02
#define SUNATM_HDR_LEN		4
#define SIM_PCAP_SNAP		65535

static const char *const kind_names[] = {
	[MARS_EV_REGISTERED] = "registered",
	[MARS_EV_DEREGISTERED] = "deregistered",
	[MARS_EV_JOINED] = "joined",
	[MARS_EV_LEFT] = "left",
	[MARS_EV_REDIRECT] = "redirect",
	[MARS_EV_REDIRECT_MAP] = "redirect-map",
	[MARS_EV_MARS_FAILED] = "mars-failed",
	[MARS_EV_REJOINED] = "rejoined",
	[MARS_EV_CSN_GAP] = "csn-gap",
	[MARS_EV_REVALIDATE] = "revalidate",
	[MARS_EV_MULTI] = "multi",
	[MARS_EV_NAK] = "nak",
	[MARS_EV_GROUPLIST] = "grouplist",
	[MARS_EV_GIVE_UP] = "give-up",
	[MARS_EV_MEMBER_ADDED] = "member-added",
	[MARS_EV_MEMBER_REMOVED] = "member-removed",
	[MARS_EV_MEMBER_TIMEOUT] = "member-timeout",
	[MARS_EV_GROUP_JOIN] = "group-join",
	[MARS_EV_GROUP_LEAVE] = "group-leave",
	[MARS_EV_MCS_ADDED] = "mcs-added",
	[MARS_EV_MCS_REMOVED] = "mcs-removed",
	[MARS_EV_MIGRATE] = "migrate",
	[MARS_EV_DROPPED] = "dropped",
	[MARS_EV_WARNING] = "warning",
	[MARS_SIM_EV_KILL] = "kill",
	[MARS_SIM_EV_HANG] = "hang",
	[MARS_SIM_EV_RESUME] = "resume",
	[MARS_SIM_EV_RESTART] = "restart",
	[MARS_SIM_EV_PARTITION] = "partition",
	[MARS_SIM_EV_HEAL] = "heal",
	[MARS_EV_MESSAGE] = "message",
	[MARS_EV_NOTE] = "note",
};

const char *
mars_sim_event_kind_name(int kind)
{
	if (kind < 0 || (size_t)kind >= sizeof(kind_names) /
	    sizeof(kind_names[0]) || kind_names[kind] == NULL)
		return "unknown";
	return kind_names[kind];
}

/*
 * Copy ev into the log as the virtual time's event of node: the
 * addresses and text into the entry (cut to what it holds), the
 * machine's transient pointers (msg, peer) dropped.
 */
static void
log_fill(const struct mars_sim *s, uint32_t node, const struct mars_event *ev,
    struct sim_logent *le)
{
	size_t l;

	le->ev = *ev;
	le->ev.when = s->now;
	le->ev.us = (uint64_t)s->now * 1000u;
	le->ev.entity = node;
	le->ev.entity_name = node == MARS_SIM_NODE_NONE ? NULL :
	    mars_sim_node_name(s, node);
	le->ev.msg = NULL;
	le->ev.peer = NULL;
	le->ev.peer_len = 0;
	le->ev.sdu = NULL;
	le->ev.sdu_len = 0;
	le->ev.pdu = NULL;
	le->ev.fr = NULL;
	le->ev.atm = NULL;
	if (ev->atm != NULL && (l = ev->atm_tl & MARS_ATM_TL_LEN) > 0) {
		if (l > MARS_ATM_ADDR_MAX)
			l = MARS_ATM_ADDR_MAX;
		memcpy(le->atm, ev->atm, l);
		le->ev.atm = le->atm;
		le->ev.atm_tl = (uint8_t)((ev->atm_tl & ~MARS_ATM_TL_LEN) | l);
	}
	le->ev.group = NULL;
	le->ev.group_len = 0;
	if (ev->group != NULL && ev->group_len > 0) {
		l = ev->group_len > MARS_SIM_GROUP_MAX ? MARS_SIM_GROUP_MAX :
		    ev->group_len;
		memcpy(le->group, ev->group, l);
		le->ev.group = le->group;
		le->ev.group_len = (uint8_t)l;
	}
	le->ev.detail = NULL;
	if (ev->detail != NULL && ev->detail[0] != '\0') {
		snprintf(le->detail, sizeof(le->detail), "%s", ev->detail);
		le->ev.detail = le->detail;
	}
}

/* The entry for log index i, in its chunk. */
static struct sim_logent *
log_at(const struct mars_sim *s, size_t i)
{
	return &s->log[i / SIM_LOG_CHUNK][i % SIM_LOG_CHUNK];
}

void
sim_log_add(struct mars_sim *s, uint32_t node, const struct mars_event *ev)
{
	struct sim_logent tmp, *le = &tmp, **nc;

	if (!s->conf.no_log) {
		if (s->nlog == s->nchunks * SIM_LOG_CHUNK &&
		    (nc = realloc(s->log, (s->nchunks + 1) * sizeof(*nc))) !=
		    NULL) {
			s->log = nc;
			if ((nc[s->nchunks] = malloc(SIM_LOG_CHUNK *
			    sizeof(**nc))) != NULL)
				s->nchunks++;
		}
		if (s->nlog < s->nchunks * SIM_LOG_CHUNK)
			le = log_at(s, s->nlog++);
	}
	log_fill(s, node, ev, le);
	if (s->conf.on_event != NULL)
		s->conf.on_event(s->conf.ctx, &le->ev);
}

void
sim_log_free(struct mars_sim *s)
{
	size_t i;

	for (i = 0; i < s->nchunks; i++)
		free(s->log[i]);
	free(s->log);
	s->log = NULL;
	s->nlog = s->nchunks = 0;
}

size_t
mars_sim_log_count(const struct mars_sim *s)
{
	return s->nlog;
}

const struct mars_event *
mars_sim_log_get(const struct mars_sim *s, size_t i)
{
	return i < s->nlog ? &log_at(s, i)->ev : NULL;
}

const struct mars_event *
mars_sim_log_next(const struct mars_sim *s, size_t *cursor)
{
	if (*cursor >= s->nlog)
		return NULL;
	return &log_at(s, (*cursor)++)->ev;
}

void
mars_sim_log_clear(struct mars_sim *s)
{
	s->nlog = 0;
}

/* ---- printers ---- */

/* The octets of an event's ATM address, 0 when it has none. */
static size_t
atm_len(const struct mars_event *ev)
{
	return ev->atm != NULL ? (size_t)(ev->atm_tl & MARS_ATM_TL_LEN) : 0;
}

static bool
has_detail(const struct mars_event *ev)
{
	return ev->detail != NULL && ev->detail[0] != '\0';
}

static void
print_text(const struct mars_sim *s, const struct mars_event *ev,
    struct mars_out *ob)
{
	char tmp[64 + MARS_ATM_HEX_MAX + MARS_PA_TEXT_MAX];

	snprintf(tmp, sizeof(tmp), "%8" PRIu64 ".%03u %s %s",
	    ev->when / 1000, (unsigned)(ev->when % 1000),
	    ev->entity == MARS_SIM_NODE_NONE ? "-" :
	    mars_sim_node_name(s, ev->entity),
	    mars_sim_event_kind_name(ev->kind));
	mars_out_puts(ob, tmp);
	if (ev->cmi != 0) {
		mars_out_puts(ob, " cmi=");
		mars_out_u64(ob, ev->cmi);
	}
	if (ev->csn != 0) {
		mars_out_puts(ob, " csn=");
		mars_out_u64(ob, ev->csn);
	}
	if (ev->count != 0) {
		mars_out_puts(ob, " count=");
		mars_out_u64(ob, ev->count);
	}
	if (ev->hard)
		mars_out_puts(ob, " hard");
	if (atm_len(ev) > 0) {
		mars_atm_hex(tmp, ev->atm, atm_len(ev));
		mars_out_puts(ob, " atm=");
		mars_out_puts(ob, tmp);
	}
	if (ev->group != NULL && ev->group_len > 0) {
		mars_pa_text(tmp, ev->group, ev->group_len);
		mars_out_puts(ob, " group=");
		mars_out_puts(ob, tmp);
	}
	if (has_detail(ev)) {
		mars_out_puts(ob, " detail=");
		mars_out_json_str(ob, ev->detail);
	}
	mars_out_putc(ob, '\n');
}

static void
print_json(const struct mars_sim *s, const struct mars_event *ev,
    struct mars_out *ob)
{
	char tmp[MARS_ATM_HEX_MAX + MARS_PA_TEXT_MAX];

	mars_out_puts(ob, "{\"time\":");
	mars_out_u64(ob, ev->when);
	mars_out_puts(ob, ",\"node\":");
	if (ev->entity == MARS_SIM_NODE_NONE)
		mars_out_puts(ob, "null");
	else
		mars_out_json_str(ob, mars_sim_node_name(s, ev->entity));
	mars_out_puts(ob, ",\"event\":");
	mars_out_json_str(ob, mars_sim_event_kind_name(ev->kind));
	mars_out_puts(ob, ",\"cmi\":");
	mars_out_u64(ob, ev->cmi);
	mars_out_puts(ob, ",\"csn\":");
	mars_out_u64(ob, ev->csn);
	mars_out_puts(ob, ",\"count\":");
	mars_out_u64(ob, ev->count);
	mars_out_puts(ob, ev->hard ? ",\"hard\":true" : ",\"hard\":false");
	if (atm_len(ev) > 0) {
		mars_atm_hex(tmp, ev->atm, atm_len(ev));
		mars_out_puts(ob, ",\"atm\":\"");
		mars_out_puts(ob, tmp);
		mars_out_putc(ob, '"');
	}
	if (ev->group != NULL && ev->group_len > 0) {
		mars_pa_text(tmp, ev->group, ev->group_len);
		mars_out_puts(ob, ",\"group\":");
		mars_out_json_str(ob, tmp);
	}
	if (has_detail(ev)) {
		mars_out_puts(ob, ",\"detail\":");
		mars_out_json_str(ob, ev->detail);
	}
	mars_out_puts(ob, "}\n");
}

void
mars_sim_event_print(const struct mars_sim *s, const struct mars_event *ev,
    struct mars_out *ob, bool json)
{
	if (json)
		print_json(s, ev, ob);
	else
		print_text(s, ev, ob);
}

void
mars_sim_log_print(const struct mars_sim *s, struct mars_out *ob, bool json)
{
	size_t i;

	for (i = 0; i < s->nlog; i++)
		mars_sim_event_print(s, &log_at(s, i)->ev, ob, json);
}

/* ---- pcap trace ---- */

int
mars_sim_pcap_open(struct mars_sim *s, const char *path, char *errbuf)
{
	int rc;

	if (s->pcap != NULL)
		return MARS_E_INVAL;
	if ((s->pcap_buf = malloc(SUNATM_HDR_LEN + SIM_PCAP_SNAP)) == NULL)
		return MARS_E_NOSPACE;
	rc = mars_cap_dump_open_dlt(&s->pcap, DLT_SUNATM, SUNATM_HDR_LEN +
	    SIM_PCAP_SNAP, path, errbuf);
	if (rc != 0) {
		free(s->pcap_buf);
		s->pcap_buf = NULL;
		s->pcap = NULL;
	}
	return rc;
}

int
mars_sim_pcap_close(struct mars_sim *s)
{
	int rc;

	if (s->pcap == NULL)
		return 0;
	rc = mars_cap_dump_close(s->pcap);
	s->pcap = NULL;
	free(s->pcap_buf);
	s->pcap_buf = NULL;
	return rc;
}

/* One delivered SDU behind a SunATM pseudo-header, at its arrival time. */
void
sim_pcap_write(struct mars_sim *s, const struct sim_item *it)
{
	struct mars_frame fr;
	uint8_t *p = s->pcap_buf;
	size_t n = it->buf->len;

	if (n > SIM_PCAP_SNAP)
		n = SIM_PCAP_SNAP;
	p[0] = (uint8_t)((it->from_first ? SUNATM_DIR_TX : 0) |
	    SUNATM_TYPE_LLC);
	p[1] = 0;				/* VPI */
	p[2] = (uint8_t)(it->vci >> 8);
	p[3] = (uint8_t)it->vci;
	memcpy(p + SUNATM_HDR_LEN, it->buf->data, n);
	memset(&fr, 0, sizeof(fr));
	fr.ts_sec = (int64_t)(s->now / 1000);
	fr.ts_usec = (uint32_t)(s->now % 1000) * 1000;
	fr.data = p;
	fr.caplen = (uint32_t)(SUNATM_HDR_LEN + n);
	fr.wirelen = (uint32_t)(SUNATM_HDR_LEN + it->buf->len);
	(void)mars_cap_dump_write(s->pcap, &fr);
}
