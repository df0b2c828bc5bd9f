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
	[FSM_EV_REGISTERED] = "registered",
	[FSM_EV_DEREGISTERED] = "deregistered",
	[FSM_EV_JOINED] = "joined",
	[FSM_EV_LEFT] = "left",
	[FSM_EV_REDIRECT] = "redirect",
	[FSM_EV_REDIRECT_MAP] = "redirect-map",
	[FSM_EV_MARS_FAILED] = "mars-failed",
	[FSM_EV_REJOINED] = "rejoined",
	[FSM_EV_CSN_GAP] = "csn-gap",
	[FSM_EV_REVALIDATE] = "revalidate",
	[FSM_EV_MULTI] = "multi",
	[FSM_EV_NAK] = "nak",
	[FSM_EV_GROUPLIST] = "grouplist",
	[FSM_EV_GIVE_UP] = "give-up",
	[FSM_EV_MEMBER_ADDED] = "member-added",
	[FSM_EV_MEMBER_REMOVED] = "member-removed",
	[FSM_EV_MEMBER_TIMEOUT] = "member-timeout",
	[FSM_EV_GROUP_JOIN] = "group-join",
	[FSM_EV_GROUP_LEAVE] = "group-leave",
	[FSM_EV_MCS_ADDED] = "mcs-added",
	[FSM_EV_MCS_REMOVED] = "mcs-removed",
	[FSM_EV_MIGRATE] = "migrate",
	[FSM_EV_DROPPED] = "dropped",
	[SIM_EV_KILL] = "kill",
	[SIM_EV_HANG] = "hang",
	[SIM_EV_RESUME] = "resume",
	[SIM_EV_RESTART] = "restart",
	[SIM_EV_PARTITION] = "partition",
	[SIM_EV_HEAL] = "heal",
	[SIM_EV_NOTE] = "note",
};

const char *
sim_event_kind_name(int kind)
{
	if (kind < 0 || (size_t)kind >= sizeof(kind_names) /
	    sizeof(kind_names[0]) || kind_names[kind] == NULL)
		return "unknown";
	return kind_names[kind];
}

void
sim_log_add(struct sim *s, const struct sim_event *ev)
{
	struct sim_event *nl;
	size_t ncap;

	if (!s->conf.no_log) {
		if (s->nlog == s->cap_log) {
			ncap = s->cap_log ? 2 * s->cap_log : 256;
			nl = realloc(s->log, ncap * sizeof(*nl));
			if (nl != NULL) {
				s->log = nl;
				s->cap_log = ncap;
			}
		}
		if (s->nlog < s->cap_log)
			s->log[s->nlog++] = *ev;
	}
	if (s->conf.on_event != NULL)
		s->conf.on_event(s->conf.ctx, ev);
}

void
sim_log_free(struct sim *s)
{
	free(s->log);
	s->log = NULL;
	s->nlog = s->cap_log = 0;
}

size_t
sim_log_count(const struct sim *s)
{
	return s->nlog;
}

const struct sim_event *
sim_log_get(const struct sim *s, size_t i)
{
	return i < s->nlog ? &s->log[i] : NULL;
}

const struct sim_event *
sim_log_next(const struct sim *s, size_t *cursor)
{
	if (*cursor >= s->nlog)
		return NULL;
	return &s->log[(*cursor)++];
}

void
sim_log_clear(struct sim *s)
{
	s->nlog = 0;
}

/* ---- printers ---- */

static void
print_text(const struct sim *s, const struct sim_event *ev,
    struct outbuf *ob)
{
	char tmp[64 + ATM_HEX_MAX + PA_TEXT_MAX];

	snprintf(tmp, sizeof(tmp), "%8" PRIu64 ".%03u %s %s",
	    ev->time / 1000, (unsigned)(ev->time % 1000),
	    ev->node == SIM_NODE_NONE ? "-" : sim_node_name(s, ev->node),
	    sim_event_kind_name(ev->kind));
	ob_puts(ob, tmp);
	if (ev->cmi != 0) {
		ob_puts(ob, " cmi=");
		ob_u64(ob, ev->cmi);
	}
	if (ev->csn != 0) {
		ob_puts(ob, " csn=");
		ob_u64(ob, ev->csn);
	}
	if (ev->count != 0) {
		ob_puts(ob, " count=");
		ob_u64(ob, ev->count);
	}
	if (ev->hard)
		ob_puts(ob, " hard");
	if (ev->atm_len > 0) {
		atm_hex(tmp, ev->atm, ev->atm_len);
		ob_puts(ob, " atm=");
		ob_puts(ob, tmp);
	}
	if (ev->group_len > 0) {
		pa_text(tmp, ev->group, ev->group_len);
		ob_puts(ob, " group=");
		ob_puts(ob, tmp);
	}
	if (ev->detail[0] != '\0') {
		ob_puts(ob, " detail=");
		ob_json_str(ob, ev->detail);
	}
	ob_putc(ob, '\n');
}

static void
print_json(const struct sim *s, const struct sim_event *ev,
    struct outbuf *ob)
{
	char tmp[ATM_HEX_MAX + PA_TEXT_MAX];

	ob_puts(ob, "{\"time\":");
	ob_u64(ob, ev->time);
	ob_puts(ob, ",\"node\":");
	if (ev->node == SIM_NODE_NONE)
		ob_puts(ob, "null");
	else
		ob_json_str(ob, sim_node_name(s, ev->node));
	ob_puts(ob, ",\"event\":");
	ob_json_str(ob, sim_event_kind_name(ev->kind));
	ob_puts(ob, ",\"cmi\":");
	ob_u64(ob, ev->cmi);
	ob_puts(ob, ",\"csn\":");
	ob_u64(ob, ev->csn);
	ob_puts(ob, ",\"count\":");
	ob_u64(ob, ev->count);
	ob_puts(ob, ev->hard ? ",\"hard\":true" : ",\"hard\":false");
	if (ev->atm_len > 0) {
		atm_hex(tmp, ev->atm, ev->atm_len);
		ob_puts(ob, ",\"atm\":\"");
		ob_puts(ob, tmp);
		ob_putc(ob, '"');
	}
	if (ev->group_len > 0) {
		pa_text(tmp, ev->group, ev->group_len);
		ob_puts(ob, ",\"group\":");
		ob_json_str(ob, tmp);
	}
	if (ev->detail[0] != '\0') {
		ob_puts(ob, ",\"detail\":");
		ob_json_str(ob, ev->detail);
	}
	ob_puts(ob, "}\n");
}

void
sim_event_print(const struct sim *s, const struct sim_event *ev,
    struct outbuf *ob, bool json)
{
	if (json)
		print_json(s, ev, ob);
	else
		print_text(s, ev, ob);
}

void
sim_log_print(const struct sim *s, struct outbuf *ob, bool json)
{
	size_t i;

	for (i = 0; i < s->nlog; i++)
		sim_event_print(s, &s->log[i], ob, json);
}

/* ---- pcap trace ---- */

int
sim_pcap_open(struct sim *s, const char *path, char *errbuf)
{
	int rc;

	if (s->pcap != NULL)
		return MARS_E_INVAL;
	if ((s->pcap_buf = malloc(SUNATM_HDR_LEN + SIM_PCAP_SNAP)) == NULL)
		return MARS_E_NOSPACE;
	rc = cap_dump_open_dlt(&s->pcap, DLT_SUNATM, SUNATM_HDR_LEN +
	    SIM_PCAP_SNAP, path, errbuf);
	if (rc != 0) {
		free(s->pcap_buf);
		s->pcap_buf = NULL;
		s->pcap = NULL;
	}
	return rc;
}

int
sim_pcap_close(struct sim *s)
{
	int rc;

	if (s->pcap == NULL)
		return 0;
	rc = cap_dump_close(s->pcap);
	s->pcap = NULL;
	free(s->pcap_buf);
	s->pcap_buf = NULL;
	return rc;
}

/* One delivered SDU behind a SunATM pseudo-header, at its arrival time. */
void
sim_pcap_write(struct sim *s, const struct sim_item *it)
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
	(void)cap_dump_write(s->pcap, &fr);
}
