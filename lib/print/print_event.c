/*
 * Events as cluster members print them (print.h): the names of the
 * kinds of event.h, and a member's happening as one JSON object, so
 * that marsping --join and marsctl write the very same objects for the
 * same events (mars-json(7), DESIGN.md rule 4).
 */
#include <time.h>

#include "mars/atm.h"
#include "mars/print.h"

static const char *const event_names[] = {
	[MARS_EV_REGISTERED] = "registered",
	[MARS_EV_DEREGISTERED] = "deregistered",
	[MARS_EV_JOINED] = "joined",
	[MARS_EV_LEFT] = "left",
	[MARS_EV_REDIRECT] = "redirect",
	[MARS_EV_REDIRECT_MAP] = "redirect_map",
	[MARS_EV_MARS_FAILED] = "mars_failed",
	[MARS_EV_REJOINED] = "rejoined",
	[MARS_EV_CSN_GAP] = "csn_gap",
	[MARS_EV_REVALIDATE] = "revalidate",
	[MARS_EV_MULTI] = "multi",
	[MARS_EV_NAK] = "nak",
	[MARS_EV_GROUPLIST] = "grouplist",
	[MARS_EV_GIVE_UP] = "give_up",
	[MARS_EV_MEMBER_ADDED] = "member_added",
	[MARS_EV_MEMBER_REMOVED] = "member_removed",
	[MARS_EV_MEMBER_TIMEOUT] = "member_timeout",
	[MARS_EV_GROUP_JOIN] = "group_join",
	[MARS_EV_GROUP_LEAVE] = "group_leave",
	[MARS_EV_MCS_ADDED] = "mcs_added",
	[MARS_EV_MCS_REMOVED] = "mcs_removed",
	[MARS_EV_MIGRATE] = "migrate",
	[MARS_EV_DROPPED] = "dropped",
	[MARS_EV_PEER_UP] = "peer_up",
	[MARS_EV_PEER_DOWN] = "peer_down",
	[MARS_EV_ALIGNED] = "aligned",
	[MARS_EV_CACHE_UPDATE] = "cache_update",
	[MARS_EV_WARNING] = "warning",
};

const char *
mars_print_event_name(int kind)
{
	if (kind == MARS_EV_MESSAGE)
		return "message";
	if (kind == MARS_EV_NOTE)
		return "note";
	if (kind <= 0 || (size_t)kind >= sizeof(event_names) /
	    sizeof(event_names[0]) || event_names[kind] == NULL)
		return "unknown";
	return event_names[kind];
}

static void
json_atm(struct mars_out *ob, const struct mars_print_atm *a)
{
	if (a == NULL || a->len == 0) {
		mars_out_puts(ob, "null");
		return;
	}
	mars_out_putc(ob, '"');
	mars_out_hex(ob, a->num, a->len < MARS_ATM_ADDR_MAX ? a->len :
	    MARS_ATM_ADDR_MAX);
	mars_out_putc(ob, '"');
}

static void
json_str(struct mars_out *ob, const char *key, const char *s)
{
	mars_out_puts(ob, key);
	if (s == NULL)
		mars_out_puts(ob, "null");
	else
		mars_out_json_str(ob, s);
}

/* A count that applies to this kind only, else null. */
static void
json_count(struct mars_out *ob, const char *key, bool applies, uint32_t v)
{
	mars_out_puts(ob, key);
	if (applies)
		mars_out_u64(ob, v);
	else
		mars_out_puts(ob, "null");
}

void
mars_print_member_event(struct mars_out *ob, const struct mars_event *ev,
    const struct mars_print_member *m)
{
	bool map = ev->kind == MARS_EV_REDIRECT_MAP ||
	    ev->kind == MARS_EV_REDIRECT;
	char pa[MARS_PA_TEXT_MAX];
	uint64_t us = ev->us;
	struct timespec ts;
	size_t i;

	if (us == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		us = (uint64_t)ts.tv_sec * 1000000u +
		    (uint64_t)ts.tv_nsec / 1000u;
	}
	json_str(ob, "{\"type\":\"event\",\"event\":", m->event != NULL ?
	    m->event : mars_print_event_name(ev->kind));
	mars_out_printf(ob, ",\"ts\":%llu.%06u", (unsigned long long)(us /
	    1000000u), (unsigned)(us % 1000000u));
	mars_out_puts(ob, ",\"mars\":");
	json_atm(ob, m->mars);
	json_str(ob, ",\"name\":", m->name);
	json_str(ob, ",\"endpoint\":", m->endpoint);
	mars_out_puts(ob, ",\"cmi\":");
	mars_out_u64(ob, ev->kind == MARS_EV_REGISTERED ? ev->cmi : m->cmi);
	mars_out_puts(ob, ",\"csn\":");
	mars_out_u64(ob, ev->csn);
	if (ev->group != NULL && ev->group_len != 0)
		mars_pa_text(pa, ev->group, ev->group_len);
	json_str(ob, ",\"group\":", ev->group != NULL && ev->group_len != 0 ?
	    pa : NULL);
	mars_out_puts(ob, ",\"hard\":");
	mars_out_puts(ob, !map ? "null" : ev->hard ? "true" : "false");
	mars_out_puts(ob, ",\"list\":");
	if (map) {
		mars_out_putc(ob, '[');
		for (i = 0; i < m->nlist; i++) {
			if (i > 0)
				mars_out_putc(ob, ',');
			json_atm(ob, &m->list[i]);
		}
		mars_out_putc(ob, ']');
	} else
		mars_out_puts(ob, "null");
	json_count(ob, ",\"gap\":", ev->kind == MARS_EV_CSN_GAP, ev->count);
	json_count(ob, ",\"groups\":", ev->kind == MARS_EV_REJOINED,
	    ev->count);
	json_str(ob, ",\"detail\":", ev->detail);
	mars_out_puts(ob, "}\n");
}
