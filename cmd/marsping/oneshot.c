/*
 * The one-shot modes: --register (a registration round trip, RFC 2022
 * §5.2.3, and the redirect map that follows it, §5.4.3) and --grouplist
 * (MARS_GROUPLIST_REQUEST, §5.3).  Both deregister before leaving.
 */
#include <stdio.h>
#include <string.h>

#include "mars/msg.h"

#include "marsping.h"

static struct {
	bool			 registered;
	bool			 reported;
	double			 rtt_ms;
	uint16_t		 cmi;
	uint32_t		 csn;
	bool			 map_seen;
	bool			 map_hard;
	struct mars_client_atm	 map[CLIENT_MARS_MAX];
	size_t			 nmap;
	evloop_timer_id		 map_timer;
	uint64_t		 ask_ns;
} R;

static void
no_answer(struct mp_session *s, const char *what)
{
	fprintf(stderr, "marsping: %s: no answer from %s\n", what,
	    mp_current_text(s));
	s->status = EXIT_NOREPLY;
}

static void
json_list(struct outbuf *ob, const struct mars_client_atm *a, size_t n)
{
	size_t i;

	ob_putc(ob, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			ob_putc(ob, ',');
		mp_json_atm(ob, &a[i]);
	}
	ob_putc(ob, ']');
}

/* --register */

static void
register_report(struct mp_session *s)
{
	struct outbuf *ob = &s->ob;
	size_t i;

	if (R.reported || !R.registered)
		return;
	R.reported = true;
	s->status = 0;
	if (s->o->json) {
		ob_puts(ob, "{\"event\":\"registered\",\"endpoint\":");
		ob_json_str(ob, mp_current_text(s));
		ob_puts(ob, ",\"mars\":");
		mp_json_atm(ob, mp_current_atm(s));
		ob_puts(ob, ",\"own\":\"");
		ob_hex(ob, s->own, ATM_ADDR_MAX);
		ob_puts(ob, "\",\"cmi\":");
		ob_u64(ob, R.cmi);
		ob_puts(ob, ",\"csn\":");
		ob_u64(ob, R.csn);
		ob_puts(ob, ",\"rtt_ms\":");
		mp_ms(ob, R.rtt_ms);
		ob_puts(ob, ",\"redirect_map\":");
		if (R.map_seen) {
			ob_puts(ob, "{\"hard\":");
			ob_puts(ob, R.map_hard ? "true" : "false");
			ob_puts(ob, ",\"list\":");
			json_list(ob, R.map, R.nmap);
			ob_putc(ob, '}');
		} else
			ob_puts(ob, "null");
		ob_puts(ob, "}\n");
		return;
	}
	ob_puts(ob, "registered with ");
	ob_puts(ob, mp_current_text(s));
	ob_puts(ob, ": cmi=");
	ob_u64(ob, R.cmi);
	ob_puts(ob, " csn=");
	ob_u64(ob, R.csn);
	ob_puts(ob, " time=");
	mp_ms(ob, R.rtt_ms);
	ob_puts(ob, " ms\nmars ");
	mp_text_atm(ob, mp_current_atm(s));
	ob_puts(ob, "\nown  ");
	ob_hex(ob, s->own, ATM_ADDR_MAX);
	ob_putc(ob, '\n');
	if (!R.map_seen) {
		ob_puts(ob, "redirect map: none within ");
		ob_u64(ob, s->o->timeout);
		ob_puts(ob, " ms\n");
		return;
	}
	ob_puts(ob, R.map_hard ? "redirect map (hard):" :
	    "redirect map (soft):");
	for (i = 0; i < R.nmap; i++) {
		ob_puts(ob, "\n  ");
		ob_u64(ob, i + 1);
		ob_puts(ob, ". ");
		mp_text_atm(ob, &R.map[i]);
	}
	ob_putc(ob, '\n');
}

static void
report_and_finish(struct mp_session *s)
{
	mp_finish(s, "done");
}

static void
map_wait_cb(struct evloop *loop, void *arg)
{
	R.map_timer = 0;
	mp_finish(arg, "done");
}

static void
register_start(struct mp_session *s)
{
}

static void
copy_map(struct mp_session *s)
{
	const struct mars_client_atm *map;

	map = client_redirect_map(s->cl, &R.nmap, &R.map_hard);
	if (R.nmap > CLIENT_MARS_MAX)
		R.nmap = CLIENT_MARS_MAX;
	memcpy(R.map, map, R.nmap * sizeof(R.map[0]));
	R.map_seen = true;
}

static void
register_event(struct mp_session *s, const struct fsm_event *ev)
{
	switch (ev->kind) {
	case FSM_EV_REGISTERED:
		if (R.registered)
			break;
		R.registered = true;
		R.rtt_ms = (double)(mp_mono_ns() - s->last_send_ns) / 1e6;
		R.cmi = ev->cmi;
		R.csn = ev->csn;
		if (R.map_seen)
			mp_defer(s, report_and_finish);
		else
			R.map_timer = evloop_timer_after(s->loop,
			    s->o->timeout, map_wait_cb, s);
		break;
	case FSM_EV_REDIRECT_MAP:
		if (R.map_seen)
			break;
		copy_map(s);
		if (R.registered)
			mp_defer(s, report_and_finish);
		break;
	case FSM_EV_MARS_FAILED:
		if (!R.registered)
			mp_finish(s, "no answer");
		break;
	default:
		break;
	}
}

static void
register_finish(struct mp_session *s, const char *why)
{
	if (R.map_timer != 0)
		evloop_timer_cancel(s->loop, R.map_timer);
	R.map_timer = 0;
	if (R.registered)
		register_report(s);
	else
		no_answer(s, "registration");
	mp_stop(s);
}

const struct mp_mode_ops register_ops = {
	.start = register_start,
	.event = register_event,
	.finish = register_finish,
};

/* --grouplist */

static void
grouplist_ask(struct mp_session *s)
{
	const struct mp_opts *o = s->o;

	if (s->finished)
		return;
	R.ask_ns = mp_mono_ns();
	if (client_grouplist(s->cl, evloop_now(), o->gl_min.addr,
	    o->gl_max.addr, o->gl_min.len) != 0) {
		fprintf(stderr, "marsping: cannot ask for the group list\n");
		s->status = EXIT_USAGE;
		mp_finish(s, "error");
	}
}

static void
grouplist_print(struct mp_session *s, const struct fsm_event *ev)
{
	const struct mp_opts *o = s->o;
	struct outbuf *ob = &s->ob;
	const struct mars_client_pa *g;
	size_t i, n;
	double ms = (double)(mp_mono_ns() - s->last_send_ns) / 1e6;

	g = client_grouplist_groups(s->cl, &n);
	if (o->json) {
		ob_puts(ob, "{\"event\":\"grouplist\",\"endpoint\":");
		ob_json_str(ob, mp_current_text(s));
		ob_puts(ob, ",\"mars\":");
		mp_json_atm(ob, mp_current_atm(s));
		ob_puts(ob, ",\"min\":");
		mp_json_pa(ob, o->gl_min.addr, o->gl_min.len);
		ob_puts(ob, ",\"max\":");
		mp_json_pa(ob, o->gl_max.addr, o->gl_max.len);
		ob_puts(ob, ",\"csn\":");
		ob_u64(ob, ev->csn);
		ob_puts(ob, ",\"rtt_ms\":");
		mp_ms(ob, ms);
		ob_puts(ob, ",\"count\":");
		ob_u64(ob, n);
		ob_puts(ob, ",\"groups\":[");
		for (i = 0; i < n; i++) {
			if (i > 0)
				ob_putc(ob, ',');
			mp_json_pa(ob, g[i].addr, g[i].len);
		}
		ob_puts(ob, "]}\n");
		return;
	}
	if (o->verbose > 0) {
		ob_puts(ob, "groups with members in ");
		mp_text_pa(ob, o->gl_min.addr, o->gl_min.len);
		ob_putc(ob, '-');
		mp_text_pa(ob, o->gl_max.addr, o->gl_max.len);
		ob_puts(ob, " at ");
		ob_puts(ob, mp_current_text(s));
		ob_puts(ob, ": ");
		ob_u64(ob, n);
		ob_puts(ob, " time=");
		mp_ms(ob, ms);
		ob_puts(ob, " ms\n");
	}
	for (i = 0; i < n; i++) {
		mp_text_pa(ob, g[i].addr, g[i].len);
		ob_putc(ob, '\n');
	}
}

static void
grouplist_event(struct mp_session *s, const struct fsm_event *ev)
{
	switch (ev->kind) {
	case FSM_EV_REGISTERED:
		if (!R.registered) {
			R.registered = true;
			mp_defer(s, grouplist_ask);
		}
		break;
	case FSM_EV_GROUPLIST:
		if (R.reported)
			break;
		R.reported = true;
		grouplist_print(s, ev);
		s->status = 0;
		mp_defer(s, report_and_finish);
		break;
	case FSM_EV_GIVE_UP:
		if (R.reported || s->stopping)
			break;
		R.reported = true;
		no_answer(s, "MARS_GROUPLIST_REQUEST");
		mp_defer(s, report_and_finish);
		break;
	case FSM_EV_MARS_FAILED:
		if (!R.registered)
			mp_finish(s, "no answer");
		break;
	default:
		break;
	}
}

static void
grouplist_finish(struct mp_session *s, const char *why)
{
	if (!R.reported) {
		R.reported = true;
		no_answer(s, R.registered ? "MARS_GROUPLIST_REQUEST" :
		    "registration");
	}
	mp_stop(s);
}

const struct mp_mode_ops grouplist_ops = {
	.start = register_start,
	.event = grouplist_event,
	.finish = grouplist_finish,
};
