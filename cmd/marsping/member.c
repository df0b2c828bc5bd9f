/*
 * --join: a real cluster member (RFC 2022 §5) for failover drills.  It
 * registers, joins the groups, and lives through whatever the cluster
 * does -- redirect maps, redirects, MARS failures, re-registration and
 * re-joins (§5.4), CSN gaps and revalidation (§5.1.4.2) -- printing one
 * line (or one JSON object) per happening, until -w or a signal, when it
 * deregisters.  The JSON keys are documented in marsping(1).
 */
#include <stdio.h>
#include <string.h>

#include "mars/msg.h"
#include "mars/print.h"

#include "marsping.h"

/* Not a client event: the session learnt the MARS's address. */
#define MARS_EV_LEARNED		1000

static struct {
	bool			 have_map;
	bool			 map_hard;
	struct mars_client_atm	 map[MARS_CLIENT_MARS_MAX];
	size_t			 nmap;
} M;

static const char *
event_name(int kind)
{
	return kind == MARS_EV_LEARNED ? "mars_learned" :
	    mars_print_event_name(kind);
}

static bool
map_changed(const struct mars_client_atm *map, size_t n, bool hard)
{
	size_t i;

	if (!M.have_map || n != M.nmap || hard != M.map_hard)
		return true;
	for (i = 0; i < n; i++)
		if (map[i].tl != M.map[i].tl || memcmp(map[i].num,
		    M.map[i].num, map[i].tl & MARS_ATM_TL_LEN) != 0)
			return true;
	return false;
}

static void
event_atm(const struct mars_event *ev, struct mars_client_atm *a)
{
	memset(a, 0, sizeof(*a));
	if (ev->atm == NULL)
		return;
	a->tl = ev->atm_tl;
	memcpy(a->num, ev->atm, ev->atm_tl & MARS_ATM_TL_LEN);
}

static void
print_list_text(struct mars_out *ob, const struct mars_client_atm *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		mars_out_putc(ob, i == 0 ? ' ' : ',');
		mp_text_atm(ob, &a[i]);
	}
}

/* One event as text: "[ts] name: mars M cmi C csn N ...". */
static void
print_text(struct mp_session *s, const struct mars_event *ev,
    const struct mars_client_atm *mars, const struct mars_client_atm *list,
    size_t nlist)
{
	struct mars_out *ob = &s->ob;
	unsigned bit;

	mars_out_putc(ob, '[');
	mp_ts(ob);
	mars_out_puts(ob, "] ");
	mars_out_puts(ob, event_name(ev->kind));
	mars_out_puts(ob, ": mars ");
	mp_text_atm(ob, mars);
	switch (ev->kind) {
	case MARS_EV_REGISTERED:
		mars_out_puts(ob, " (");
		mars_out_puts(ob, mp_current_text(s));
		mars_out_puts(ob, ") cmi ");
		mars_out_u64(ob, ev->cmi);
		mars_out_puts(ob, " csn ");
		mars_out_u64(ob, ev->csn);
		break;
	case MARS_EV_JOINED:
	case MARS_EV_LEFT:
		mars_out_puts(ob, " group ");
		mp_text_pa(ob, ev->group, ev->group_len);
		mars_out_puts(ob, " csn ");
		mars_out_u64(ob, ev->csn);
		break;
	case MARS_EV_REDIRECT_MAP:
	case MARS_EV_REDIRECT:
		mars_out_puts(ob, ev->hard ? " hard" : " soft");
		mars_out_puts(ob, " list");
		print_list_text(ob, list, nlist);
		break;
	case MARS_EV_REJOINED:
		mars_out_puts(ob, " groups ");
		mars_out_u64(ob, ev->count);
		break;
	case MARS_EV_CSN_GAP:
		mars_out_puts(ob, " csn ");
		mars_out_u64(ob, ev->csn);
		mars_out_puts(ob, " gap ");
		mars_out_u64(ob, ev->count);
		if (ev->group != NULL && ev->group_len != 0) {
			mars_out_puts(ob, " group ");
			mp_text_pa(ob, ev->group, ev->group_len);
		}
		break;
	case MARS_EV_REVALIDATE:
		mars_out_puts(ob, " csn ");
		mars_out_u64(ob, ev->csn);
		break;
	case MARS_EV_GIVE_UP:
		if (ev->group != NULL && ev->group_len != 0) {
			mars_out_puts(ob, " group ");
			mp_text_pa(ob, ev->group, ev->group_len);
		}
		break;
	default:
		break;
	}
	if (ev->detail != NULL) {
		mars_out_puts(ob, " (");
		mars_out_puts(ob, ev->detail);
		mars_out_putc(ob, ')');
	}
	/* Why a conforming member drops it: the rules, as marsdump names them. */
	for (bit = 1; bit <= MARS_NC_ALL; bit <<= 1)
		if ((ev->nonconf & bit) && mars_nonconf_name(bit) != NULL) {
			mars_out_puts(ob, " [");
			mars_out_puts(ob, mars_nonconf_name(bit));
			mars_out_putc(ob, ']');
		}
	mars_out_putc(ob, '\n');
}

static void
print_atm(struct mars_print_atm *p, const struct mars_client_atm *a)
{
	p->len = a->tl & MARS_ATM_TL_LEN;
	memcpy(p->num, a->num, p->len);
}

/* The entity of --cluster at the current MARS's endpoint, or NULL. */
static const char *
current_name(struct mp_session *s)
{
	const struct mars_cluster_conf *cc = s->o->cluster;
	char text[MARS_ENDPOINT_TEXT_MAX];
	size_t k;

	for (k = 0; cc != NULL && k < cc->n_mars; k++) {
		mars_endpoint_format(&cc->mars[k].endpoint, text, sizeof(text));
		if (strcmp(text, mp_current_text(s)) == 0)
			return cc->mars[k].name;
	}
	return NULL;
}

/* One event as JSON: the object every member program writes (print.h). */
static void
print_json(struct mp_session *s, const struct mars_event *ev,
    const struct mars_client_atm *mars, const struct mars_client_atm *list,
    size_t nlist)
{
	struct mars_print_atm pm, pl[MARS_CLIENT_MARS_MAX];
	struct mars_print_member m;
	size_t i;

	memset(&m, 0, sizeof(m));
	m.event = ev->kind == MARS_EV_LEARNED ? event_name(ev->kind) : NULL;
	if (mars != NULL) {
		print_atm(&pm, mars);
		m.mars = &pm;
	}
	m.name = current_name(s);
	m.endpoint = mp_current_text(s);
	m.cmi = mars_client_cmi(s->cl);
	for (i = 0; i < nlist && i < MARS_CLIENT_MARS_MAX; i++)
		print_atm(&pl[i], &list[i]);
	m.list = pl;
	m.nlist = i;
	mars_print_member_event(&s->ob, ev, &m);
}

static void
member_event(struct mp_session *s, const struct mars_event *ev)
{
	struct mars_client_atm mars, list[MARS_CLIENT_MARS_MAX];
	const struct mars_client_atm *map, *mp = &mars;
	size_t nlist = 0;
	bool hard;

	if (ev->kind == MARS_EV_REGISTERED)
		s->status = 0;
	/* Query results and drops are not a member's life story. */
	if (ev->kind == MARS_EV_MULTI || ev->kind == MARS_EV_NAK ||
	    ev->kind == MARS_EV_GROUPLIST ||
	    (ev->kind == MARS_EV_DROPPED && s->o->verbose == 0))
		return;
	event_atm(ev, &mars);
	if (ev->atm == NULL)
		mp = NULL;
	/* The provisional address is no address (session.c). */
	if (mp != NULL && s->learning && memcmp(mars.num,
	    s->mars[0].atm.num, MARS_ATM_ADDR_MAX) == 0)
		mp = NULL;
	if (ev->kind == MARS_EV_REDIRECT_MAP || ev->kind == MARS_EV_REDIRECT) {
		map = mars_client_redirect_map(s->cl, &nlist, &hard);
		if (nlist > MARS_CLIENT_MARS_MAX)
			nlist = MARS_CLIENT_MARS_MAX;
		memcpy(list, map, nlist * sizeof(list[0]));
		if (ev->kind == MARS_EV_REDIRECT_MAP) {
			bool changed = map_changed(list, nlist, ev->hard);

			M.have_map = true;
			M.map_hard = ev->hard;
			M.nmap = nlist;
			memcpy(M.map, list, nlist * sizeof(list[0]));
			if (!changed && s->o->verbose == 0)
				return;
		}
	}
	if (s->o->quiet && ev->kind != MARS_EV_MARS_FAILED &&
	    ev->kind != MARS_EV_REDIRECT && ev->kind != MARS_EV_REGISTERED)
		return;
	if (s->o->json)
		print_json(s, ev, mp, list, nlist);
	else
		print_text(s, ev, mp, list, nlist);
}

static void
join_all(struct mp_session *s)
{
	const struct mp_opts *o = s->o;
	size_t i;

	for (i = 0; i < o->njoin; i++)
		mars_client_join(s->cl, mars_evloop_now(), o->join[i].addr,
		    o->join[i].len);
	mp_kick(s);
}

static void
member_start(struct mp_session *s)
{
	join_all(s);
}

/*
 * The MARS named itself in a redirect map: register again knowing its
 * address (it hands back the same CMI, §5.2.3) and join again, so that
 * its maps are trusted from now on (session.c).
 */
static void
member_learned(struct mp_session *s)
{
	struct mars_out *ob = &s->ob;

	if (s->o->json) {
		struct mars_event ev;

		mars_event_init(&ev, MARS_EV_LEARNED, 0);
		ev.detail = "from its redirect map";
		print_json(s, &ev, &s->mars[0].atm, NULL, 0);
	} else if (!s->o->quiet) {
		mars_out_putc(ob, '[');
		mp_ts(ob);
		mars_out_puts(ob, "] mars_learned: mars ");
		mp_text_atm(ob, &s->mars[0].atm);
		mars_out_puts(ob, " (");
		mars_out_puts(ob, s->mi[0].text);
		mars_out_puts(ob, ")\n");
	}
	M.have_map = false;
	if (mp_restart(s) == 0)
		join_all(s);
}

static void
member_finish(struct mp_session *s, const char *why)
{
	if (!s->ever_registered)
		mp_no_answer(s, "registration");
	s->status = s->ever_registered ? 0 : EXIT_NOREPLY;
	mp_stop(s);
}

const struct mp_mode_ops member_ops = {
	.start = member_start,
	.event = member_event,
	.finish = member_finish,
	.learned = member_learned,
};
