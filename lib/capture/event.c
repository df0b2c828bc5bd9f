/*
 * The capture layer as a producer of the one event type (event.h): a
 * record becomes a message event carrying its time stamp to the
 * microsecond, its VC label and kind, its direction, the frame number,
 * the SDU and, for lab traffic, both UDP endpoints of the datagram.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mars/capture.h"
#include "mars/event.h"
#include "mars/shim.h"

/* One end of the datagram from the IP and UDP headers the adapter found. */
static void
end_at(const struct mars_frame *fr, bool dst, struct mars_end *e)
{
	size_t alen = fr->ip_ver == 4 ? 4 : 16;
	size_t aoff = fr->ip_ver == 4 ? (dst ? 16 : 12) : (dst ? 24 : 8);
	size_t poff = dst ? 2 : 0;
	const uint8_t *p;

	memset(e, 0, sizeof(*e));
	if ((size_t)fr->ip_off + aoff + alen > fr->caplen ||
	    (size_t)fr->udp_off + poff + 2 > fr->caplen)
		return;
	memcpy(e->addr, fr->data + fr->ip_off + aoff, alen);
	p = fr->data + fr->udp_off + poff;
	e->port = (uint16_t)(p[0] << 8 | p[1]);
	e->kind = fr->ip_ver == 4 ? MARS_END_UDP4 : MARS_END_UDP6;
}

void
mars_cap_event(struct mars_event *ev, const struct mars_frame *fr,
    const struct mars_pdu *pdu)
{
	mars_event_init(ev, MARS_EV_MESSAGE, 0);
	ev->us = (uint64_t)fr->ts_sec * 1000000u + fr->ts_usec;
	ev->when = ev->us / 1000u;
	ev->vc.kind = fr->vc_kind;
	ev->has_label = fr->has_vc;
	ev->vpi = fr->vpi;
	ev->vci = fr->vci;
	ev->vc.id = fr->has_vc ? (uint32_t)fr->vpi << 16 | fr->vci : 0;
	ev->dir = fr->dir;
	ev->frame = fr->num;
	ev->sdu = fr->sdu;
	ev->sdu_len = fr->sdu != NULL ? fr->sdu_len : 0;
	ev->pdu = pdu;
	ev->fr = fr;
	if (fr->sdu != NULL && (fr->ip_ver == 4 || fr->ip_ver == 6)) {
		end_at(fr, false, &ev->src);
		end_at(fr, true, &ev->dst);
		ev->from_mars = (fr->lab_flags & MARS_SHIM_F_FROM_MARS) != 0;
	}
}
