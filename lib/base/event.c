/*
 * Message events (event.h): their record, and their ends compared and
 * written.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mars/err.h"
#include "mars/event.h"

bool
mars_end_equal(const struct mars_end *a, const struct mars_end *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case MARS_END_UDP4:
		return a->port == b->port && memcmp(a->addr, b->addr, 4) == 0;
	case MARS_END_UDP6:
		return a->port == b->port && memcmp(a->addr, b->addr, 16) == 0;
	case MARS_END_NODE:
		return a->node == b->node;
	}
	return true;
}

int
mars_end_format(const struct mars_end *e, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	switch (e->kind) {
	case MARS_END_UDP4:
		if (inet_ntop(AF_INET, e->addr, ip, sizeof(ip)) == NULL)
			break;
		return snprintf(buf, len, "udp:%s:%u", ip, e->port);
	case MARS_END_UDP6:
		if (inet_ntop(AF_INET6, e->addr, ip, sizeof(ip)) == NULL)
			break;
		return snprintf(buf, len, "udp:[%s]:%u", ip, e->port);
	case MARS_END_NODE:
		return snprintf(buf, len, "node %u", e->node);
	}
	return snprintf(buf, len, "%s", "");
}

int
mars_end_from_sockaddr(struct mars_end *e, const struct sockaddr *sa)
{
	memset(e, 0, sizeof(*e));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)
		    (const void *)sa;

		e->kind = MARS_END_UDP4;
		memcpy(e->addr, &sin->sin_addr, 4);
		e->port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)
		    (const void *)sa;

		e->kind = MARS_END_UDP6;
		memcpy(e->addr, &s6->sin6_addr, 16);
		e->port = ntohs(s6->sin6_port);
		return 0;
	}
	return MARS_E_INVAL;
}

void
mars_event_frame(const struct mars_event *ev, struct mars_frame *fr)
{
	uint64_t us = mars_event_us(ev);

	if (ev->fr != NULL) {
		*fr = *ev->fr;
		return;
	}
	memset(fr, 0, sizeof(*fr));
	fr->num = ev->frame;
	fr->ts_sec = (int64_t)(us / 1000000u);
	fr->ts_usec = (uint32_t)(us % 1000000u);
	fr->has_vc = ev->has_label;
	fr->vpi = ev->vpi;
	fr->vci = ev->vci;
	fr->dir = ev->dir;
	fr->vc_kind = ev->vc.kind;
	fr->data = fr->sdu = ev->sdu;
	fr->caplen = fr->wirelen = fr->sdu_len = (uint32_t)ev->sdu_len;
}
