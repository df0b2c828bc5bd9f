/*
 * Conventions shared by the sans-I/O state machines (DESIGN.md rule 2):
 * the MARS server (server.h), the cluster member (client.h) and, later,
 * the redundancy machines.
 *
 * A machine never touches a socket, a clock or a random source of its own.
 * It is driven by
 *   - input(machine, now, vc, sdu, len): a received AAL5 SDU on a VC;
 *   - tick(machine, now): timers; every call returns the next deadline;
 * and it acts through the callbacks in struct mars_io: send an SDU on a VC,
 * report a happening (registered, redirected, failed...: a struct
 * mars_event of event.h, the one event type), log a line.
 * Time is a monotonic count of milliseconds chosen by the caller, so the
 * same code runs over UDP in marsd, under a fake clock in unit tests and
 * in virtual time in the simulator.
 */
#ifndef MARS_FSM_H
#define MARS_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mars/event.h"
#include "mars/rng.h"
#include "mars/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mars_io {
	void	*ctx;
	/* Send one AAL5 SDU (LLC/SNAP + message) on vc. */
	void	(*send)(void *ctx, const struct mars_vc *vc, const uint8_t *sdu,
		    size_t len);
	/* A happening worth telling the user or a checker; may be NULL. */
	void	(*event)(void *ctx, const struct mars_event *ev);
	/* A log line (no newline); level as syslog(3); may be NULL. */
	void	(*log)(void *ctx, int level, const char *msg);
};

#ifdef __cplusplus
}
#endif

#endif
