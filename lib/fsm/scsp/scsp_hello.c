/*
 * The Hello FSM, one per DCS (RFC 2334 §2.1, Hello format B.2.5):
 * Down / Waiting / Unidirectional / Bidirectional, the receiver list,
 * and the dead interval the DCS advertises (HelloInterval x DeadFactor).
 */
#include <string.h>
#include <syslog.h>

#include "mars/scspfsm.h"
#include "scsp_int.h"

void
scsp_hello_set(struct mars_scsp_node *n, struct scsp_dcs *d, int st,
    const char *why)
{
	char name[2 * MARS_SCSP_ID_MAX + 1];
	int old = d->hs;

	if (old == st)
		return;
	d->hs = st;
	if (strncmp(why, "scsp: ", 6) == 0)
		why += 6;
	/* Up and down are news; the steps in between are detail. */
	scsp_logf(n, old == MARS_SCSP_HS_BIDIR || st == MARS_SCSP_HS_BIDIR ?
	    LOG_INFO : LOG_DEBUG, "scsp: DCS %s Hello %s -> %s: %s",
	    scsp_dcs_name(d, name), mars_scsp_hello_state_name(old),
	    mars_scsp_hello_state_name(st), why);
	if (old == MARS_SCSP_HS_BIDIR) {
		/* §2.2: leaving Bidirectional takes the CAFSM Down. */
		scsp_ca_down(n, d);
		scsp_event(n, MARS_EV_PEER_DOWN, d, 0, why);
	}
	if (st == MARS_SCSP_HS_BIDIR) {
		scsp_event(n, MARS_EV_PEER_UP, d, 0, why);
		scsp_ca_up(n, d);
	}
}

/* §2.1: an abnormal event (malformed packet, CSU limit) -> Waiting. */
void
scsp_abnormal(struct mars_scsp_node *n, struct scsp_dcs *d, const char *why)
{
	n->stats.abnormal++;
	d->heard = false;
	scsp_hello_set(n, d, MARS_SCSP_HS_WAITING, why);
}

static bool
lists_us(const struct mars_scsp_node *n, const struct mars_scsp_msg *m)
{
	struct mars_scsp_iter	 it;
	struct mars_scsp_id		 id;

	if (scsp_id_eq(n->conf.lsid, n->conf.lsid_len, &m->receiver))
		return true;
	mars_scsp_iter_init(m, &it);
	while (mars_scsp_next_id(&it, &id))
		if (scsp_id_eq(n->conf.lsid, n->conf.lsid_len, &id))
			return true;
	return false;
}

/* The DCS on that VC this Hello is from; learns an unconfigured ID. */
static struct scsp_dcs *
hello_dcs(struct mars_scsp_node *n, uint32_t vc_id, const struct mars_scsp_id *sender)
{
	unsigned i;

	for (i = 0; i < n->ndcs; i++)
		if (n->dcs[i].vc_id == vc_id && n->dcs[i].id_len > 0 &&
		    scsp_id_eq(n->dcs[i].id, n->dcs[i].id_len, sender))
			return &n->dcs[i];
	for (i = 0; i < n->ndcs; i++) {
		if (n->dcs[i].vc_id != vc_id || n->dcs[i].id_fixed ||
		    n->dcs[i].id_len > 0)
			continue;
		memcpy(n->dcs[i].id, sender->p, sender->len);
		n->dcs[i].id_len = sender->len;
		return &n->dcs[i];
	}
	return NULL;
}

static uint32_t
dead_ms(uint16_t interval, uint16_t factor)
{
	return (uint32_t)interval * factor * 1000u;
}

/* First DCS on d's VC: the one whose hello_due paces that VC's Hellos. */
static struct scsp_dcs *
vc_leader(struct mars_scsp_node *n, uint32_t vc_id)
{
	unsigned i;

	for (i = 0; i < n->ndcs; i++)
		if (n->dcs[i].vc_id == vc_id)
			return &n->dcs[i];
	return NULL;
}

void
scsp_hello_input(struct mars_scsp_node *n, mars_time_t now, uint32_t vc_id,
    const struct mars_scsp_msg *m)
{
	struct scsp_dcs	*d;
	bool		 newly;

	if (scsp_id_eq(n->conf.lsid, n->conf.lsid_len, &m->sender) ||
	    (d = hello_dcs(n, vc_id, &m->sender)) == NULL ||
	    d->hs == MARS_SCSP_HS_DOWN) {
		n->stats.ignored++;
		scsp_log(n, LOG_DEBUG, "scsp: Hello from an unknown server");
		return;
	}
	n->stats.rx[MARS_SCSP_HELLO]++;
	d->last_any = now;
	d->dead_ms = dead_ms(m->hello_interval, m->dead_factor);
	if (d->dead_ms == 0)
		d->dead_ms = dead_ms(n->conf.hello_interval,
		    n->conf.dead_factor);
	newly = !d->heard;
	d->heard = true;
	if (lists_us(n, m)) {
		d->last_bi = now;
		scsp_hello_set(n, d, MARS_SCSP_HS_BIDIR, "scsp: DCS Bidirectional");
	} else
		scsp_hello_set(n, d, MARS_SCSP_HS_UNIDIR,
		    "scsp: DCS Hello does not list us");
	/* Tell it at once that it is heard, rather than a HelloInterval on. */
	if (newly)
		vc_leader(n, vc_id)->hello_due = now;
}

/* B.2.5 and the filling rules of §2.1 (PROTOCOL.md §5.5). */
static void
hello_send(struct mars_scsp_node *n, struct scsp_dcs *lead)
{
	struct mars_scsp_msg	 m;
	struct mars_scsp_id	 ids[MARS_SCSP_DCS_MAX];
	const struct scsp_dcs *first = NULL;
	unsigned	 i, k = 0;

	scsp_msg_init(n, &m, MARS_SCSP_HELLO, NULL);
	m.hello_interval = n->conf.hello_interval;
	m.dead_factor = n->conf.dead_factor;
	m.family_id = n->conf.family_id;
	for (i = 0; i < n->ndcs; i++) {
		const struct scsp_dcs *d = &n->dcs[i];

		if (d->vc_id != lead->vc_id || !d->heard || d->id_len == 0 ||
		    d->hs == MARS_SCSP_HS_DOWN || d->hs == MARS_SCSP_HS_WAITING)
			continue;
		if (first == NULL) {
			first = d;
			continue;
		}
		ids[k].p = d->id;
		ids[k].len = d->id_len;
		k++;
	}
	if (first != NULL) {
		m.receiver.p = first->id;
		m.receiver.len = first->id_len;
	}
	m.ids = ids;
	m.nrec = (uint16_t)k;
	(void)scsp_send(n, lead, &m);
}

static bool
vc_alive(const struct mars_scsp_node *n, uint32_t vc_id)
{
	unsigned i;

	for (i = 0; i < n->ndcs; i++)
		if (n->dcs[i].vc_id == vc_id && n->dcs[i].hs != MARS_SCSP_HS_DOWN)
			return true;
	return false;
}

mars_time_t
scsp_hello_tick(struct mars_scsp_node *n, mars_time_t now)
{
	struct scsp_dcs	*d;
	mars_time_t	 next = MARS_TIME_NEVER, t;
	unsigned	 i;

	for (i = 0; i < n->ndcs; i++) {
		d = &n->dcs[i];
		/*
		 * §2.1: no Hello listing us for HelloInterval x DeadFactor:
		 * stalled.  Unidirectional if Hellos still came, else Waiting
		 * with the DCSID out of our receiver list.
		 */
		if (d->hs == MARS_SCSP_HS_BIDIR && now >= d->last_bi + d->dead_ms) {
			if (now < d->last_any + d->dead_ms)
				scsp_hello_set(n, d, MARS_SCSP_HS_UNIDIR,
				    "scsp: DCS stalled (Hellos lack our ID)");
			else {
				d->heard = false;
				scsp_hello_set(n, d, MARS_SCSP_HS_WAITING,
				    "scsp: DCS dead");
			}
		}
		if (d->hs == MARS_SCSP_HS_UNIDIR && now >= d->last_any + d->dead_ms) {
			d->heard = false;
			scsp_hello_set(n, d, MARS_SCSP_HS_WAITING, "scsp: DCS dead");
		}
		if (d->hs == MARS_SCSP_HS_BIDIR)
			t = d->last_bi + d->dead_ms;
		else if (d->hs == MARS_SCSP_HS_UNIDIR)
			t = d->last_any + d->dead_ms;
		else
			t = MARS_TIME_NEVER;
		if (t < next)
			next = t;
	}
	for (i = 0; i < n->ndcs; i++) {
		d = &n->dcs[i];
		if (vc_leader(n, d->vc_id) != d || !vc_alive(n, d->vc_id))
			continue;
		if (now >= d->hello_due) {
			hello_send(n, d);
			d->hello_due = now + n->conf.hello_interval * 1000ull;
		}
		if (d->hello_due < next)
			next = d->hello_due;
	}
	return next;
}
