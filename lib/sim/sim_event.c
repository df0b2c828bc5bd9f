/*
 * The simulator as a producer of the one event type (event.h): every SDU
 * of its trace becomes a message event at its (virtual) time, observed
 * by the receiving node, with both nodes as the ends.
 */
#include <string.h>

#include "mars/event.h"
#include "mars/sim.h"

void
mars_sim_msg_event(const struct mars_sim *s, const struct mars_sim_msg *m,
    struct mars_event *ev)
{
	uint32_t at = m->to != MARS_SIM_NODE_NONE ? m->to : m->from;

	mars_event_init(ev, MARS_EV_MESSAGE, m->time);
	ev->us = (uint64_t)m->time * 1000u;
	ev->entity = at;
	ev->entity_name = mars_sim_node_name(s, at);
	ev->vc = m->to != MARS_SIM_NODE_NONE ? m->vc_to : m->vc_from;
	ev->dir = m->to != MARS_SIM_NODE_NONE ? MARS_DIR_RX : MARS_DIR_TX;
	ev->src.kind = MARS_END_NODE;
	ev->src.node = m->from;
	if (m->to != MARS_SIM_NODE_NONE) {
		ev->dst.kind = MARS_END_NODE;
		ev->dst.node = m->to;
	}
	ev->sdu = m->sdu;
	ev->sdu_len = m->len;
}
