/*
 * The one-shot modes: --register (a registration round trip, RFC 2022
 * §5.2.3, and the redirect map that follows it, §5.4.3) and --grouplist
 * (MARS_GROUPLIST_REQUEST, §5.3).  Both deregister before leaving, from
 * whichever MARS holds the registration: a Backup that registers us and
 * hard-redirects us to the Active holds it until we deregister
 * (draft-armitage-ion-mars-scsp-03 §3.2).
 */
#include <stdio.h>
#include <string.h>

#include "mars/msg.h"

#include "cli/diag.h"
#include "marsping.h"

static struct {
	bool			 registered;
	bool			 reported;
	double			 rtt_ms;
	uint16_t		 cmi;
	uint32_t		 csn;
	bool			 map_seen;
	bool			 map_hard;
	struct mars_client_atm	 map[MARS_CLIENT_MARS_MAX];
	size_t			 nmap;
	mars_timer_id		 map_timer;
	uint64_t		 ask_ns;
	struct mars_client_pa	 gl_min, gl_max;	/* --grouplist range */
} R;

static void
no_answer(struct mp_session *s, const char *what)
{
	mp_no_answer(s, what);
}

static void
json_list(struct mars_out *ob, const struct mars_client_atm *a, size_t n)
{
	size_t i;

	mars_out_putc(ob, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			mars_out_putc(ob, ',');
		mp_json_atm(ob, &a[i]);
	}
	mars_out_putc(ob, ']');
}

/* --register */

static void
register_report(struct mp_session *s)
{
	struct mars_out *ob = &s->ob;
	size_t i;

	if (R.reported || !R.registered)
		return;
	R.reported = true;
	s->status = 0;
	if (s->o->json) {
		mars_out_puts(ob, "{\"type\":\"registered\",\"endpoint\":");
		mars_out_json_str(ob, mp_current_text(s));
		mars_out_puts(ob, ",\"mars\":");
		mp_json_atm(ob, mp_current_atm(s));
		mars_out_puts(ob, ",\"own\":\"");
		mars_out_hex(ob, s->own, MARS_ATM_ADDR_MAX);
		mars_out_puts(ob, "\",\"cmi\":");
		mars_out_u64(ob, R.cmi);
		mars_out_puts(ob, ",\"csn\":");
		mars_out_u64(ob, R.csn);
		mars_out_puts(ob, ",\"rtt_ms\":");
		mp_ms(ob, R.rtt_ms);
		mars_out_puts(ob, ",\"protocol\":");
		mars_out_puts(ob, mars_client_pro_type(s->cl) == MARS_PRO_IPV6 ?
		    "\"ipv6\"" : "\"ipv4\"");
		mars_out_puts(ob, ",\"redirect_map\":");
		if (R.map_seen) {
			mars_out_puts(ob, "{\"hard\":");
			mars_out_puts(ob, R.map_hard ? "true" : "false");
			mars_out_puts(ob, ",\"list\":");
			json_list(ob, R.map, R.nmap);
			mars_out_putc(ob, '}');
		} else
			mars_out_puts(ob, "null");
		mars_out_puts(ob, "}\n");
		return;
	}
	mars_out_puts(ob, "registered with ");
	mars_out_puts(ob, mp_current_text(s));
	mars_out_puts(ob, ": cmi=");
	mars_out_u64(ob, R.cmi);
	mars_out_puts(ob, " csn=");
	mars_out_u64(ob, R.csn);
	mars_out_puts(ob, " time=");
	mp_ms(ob, R.rtt_ms);
	mars_out_puts(ob, " ms");
	if (s->o->pro_auto) {
		mars_out_puts(ob, " protocol=");
		mars_out_puts(ob, mp_pro_name(mars_client_pro_type(s->cl)));
	}
	mars_out_puts(ob, "\nmars ");
	mp_text_atm(ob, mp_current_atm(s));
	mars_out_puts(ob, "\nown  ");
	mars_out_hex(ob, s->own, MARS_ATM_ADDR_MAX);
	mars_out_putc(ob, '\n');
	if (!R.map_seen) {
		mars_out_puts(ob, "redirect map: none within ");
		mars_out_u64(ob, s->o->timeout);
		mars_out_puts(ob, " ms\n");
		return;
	}
	mars_out_puts(ob, R.map_hard ? "redirect map (hard):" :
	    "redirect map (soft):");
	for (i = 0; i < R.nmap; i++) {
		mars_out_puts(ob, "\n  ");
		mars_out_u64(ob, i + 1);
		mars_out_puts(ob, ". ");
		mp_text_atm(ob, &R.map[i]);
	}
	mars_out_putc(ob, '\n');
}

static void
report_and_finish(struct mp_session *s)
{
	mp_finish(s, "done");
}

static void
map_wait_cb(struct mars_evloop *loop, void *arg)
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

	map = mars_client_redirect_map(s->cl, &R.nmap, &R.map_hard);
	if (R.nmap > MARS_CLIENT_MARS_MAX)
		R.nmap = MARS_CLIENT_MARS_MAX;
	memcpy(R.map, map, R.nmap * sizeof(R.map[0]));
	R.map_seen = true;
}

static void
register_event(struct mp_session *s, const struct mars_event *ev)
{
	switch (ev->kind) {
	case MARS_EV_REGISTERED:
		if (R.registered)
			break;
		R.registered = true;
		R.rtt_ms = (double)(mp_mono_ns() - s->last_send_ns) / 1e6;
		R.cmi = ev->cmi;
		R.csn = ev->csn;
		if (R.map_seen)
			mp_defer(s, report_and_finish);
		else
			R.map_timer = mars_evloop_timer_after(s->loop,
			    s->o->timeout, map_wait_cb, s);
		break;
	case MARS_EV_REDIRECT_MAP:
		if (R.map_seen)
			break;
		copy_map(s);
		if (R.registered)
			mp_defer(s, report_and_finish);
		break;
	case MARS_EV_MARS_FAILED:
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
		mars_evloop_timer_cancel(s->loop, R.map_timer);
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
	/* No range and no protocol given: every group of the one found. */
	if (o->pro_auto)
		opts_default_range(mars_client_pro_type(s->cl), &R.gl_min,
		    &R.gl_max);
	else {
		R.gl_min = o->gl_min;
		R.gl_max = o->gl_max;
	}
	R.ask_ns = mp_mono_ns();
	if (mars_client_grouplist(s->cl, mars_evloop_now(), R.gl_min.addr,
	    R.gl_max.addr, R.gl_min.len) != 0) {
		diag_error("cannot ask for the group list");
		s->status = EXIT_USAGE;
		mp_finish(s, "error");
	}
}

static void
grouplist_print(struct mp_session *s, const struct mars_event *ev)
{
	const struct mp_opts *o = s->o;
	struct mars_out *ob = &s->ob;
	const struct mars_client_pa *g;
	size_t i, n;
	double ms = (double)(mp_mono_ns() - s->last_send_ns) / 1e6;

	g = mars_client_grouplist_groups(s->cl, &n);
	if (o->json) {
		mars_out_puts(ob, "{\"type\":\"grouplist\",\"endpoint\":");
		mars_out_json_str(ob, mp_current_text(s));
		mars_out_puts(ob, ",\"mars\":");
		mp_json_atm(ob, mp_current_atm(s));
		mars_out_puts(ob, ",\"min\":");
		mp_json_pa(ob, R.gl_min.addr, R.gl_min.len);
		mars_out_puts(ob, ",\"max\":");
		mp_json_pa(ob, R.gl_max.addr, R.gl_max.len);
		mars_out_puts(ob, ",\"csn\":");
		mars_out_u64(ob, ev->csn);
		mars_out_puts(ob, ",\"rtt_ms\":");
		mp_ms(ob, ms);
		mars_out_puts(ob, ",\"count\":");
		mars_out_u64(ob, n);
		mars_out_puts(ob, ",\"groups\":[");
		for (i = 0; i < n; i++) {
			if (i > 0)
				mars_out_putc(ob, ',');
			mp_json_pa(ob, g[i].addr, g[i].len);
		}
		mars_out_puts(ob, "]}\n");
		return;
	}
	if (o->verbose > 0) {
		mars_out_puts(ob, "groups with members in ");
		mp_text_pa(ob, R.gl_min.addr, R.gl_min.len);
		mars_out_putc(ob, '-');
		mp_text_pa(ob, R.gl_max.addr, R.gl_max.len);
		mars_out_puts(ob, " at ");
		mars_out_puts(ob, mp_current_text(s));
		mars_out_puts(ob, ": ");
		mars_out_u64(ob, n);
		mars_out_puts(ob, " time=");
		mp_ms(ob, ms);
		mars_out_puts(ob, " ms\n");
	}
	for (i = 0; i < n; i++) {
		mp_text_pa(ob, g[i].addr, g[i].len);
		mars_out_putc(ob, '\n');
	}
}

static void
grouplist_event(struct mp_session *s, const struct mars_event *ev)
{
	switch (ev->kind) {
	case MARS_EV_REGISTERED:
		if (!R.registered) {
			R.registered = true;
			mp_defer(s, grouplist_ask);
		}
		break;
	case MARS_EV_GROUPLIST:
		if (R.reported)
			break;
		R.reported = true;
		grouplist_print(s, ev);
		s->status = 0;
		mp_defer(s, report_and_finish);
		break;
	case MARS_EV_GIVE_UP:
		if (R.reported || s->stopping)
			break;
		R.reported = true;
		no_answer(s, "MARS_GROUPLIST_REQUEST");
		mp_defer(s, report_and_finish);
		break;
	case MARS_EV_MARS_FAILED:
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
