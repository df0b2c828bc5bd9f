/*
 * The input format of the state-machine harnesses (fuzz_server.c,
 * fuzz_client.c, fuzz_node.c): a sequence of steps, each
 *
 *   +-------+------+-----+--------+------------------+
 *   | delay |  op  | arg | len:16 | data (len octets) |
 *   +-------+------+-----+--------+------------------+
 *
 * delay  how far the clock moves before the step, the machine's timers
 *        running on the way: bits 7-6 pick the unit (1 ms, 10 ms, 100 ms,
 *        1 s), bits 5-0 the count, so that one octet reaches every timer
 *        of the harnesses' lab configurations (up to a minute);
 * op     bits 6-0 what the step does (each harness has its table, the
 *        op taken modulo its size; 0x7f only lets the time pass); bit 7
 *        asks for the checksum of the data to be made right (MARS: set to
 *        0, "none", RFC 2022 §4.3.3; SCSP: recomputed, RFC 2334 B.1), so
 *        that mutations reach the state machine instead of dying at the
 *        checksum;
 * arg    which VC, peer or table entry the step uses;
 * len    big-endian; a longer len than what is left takes what is left.
 *
 * A harness runs at most FZ_STEPS_MAX steps and FZ_TICKS_MAX timer runs
 * per input (then it stops: an hour of 500 ms timers is not a finding).
 * A machine whose next deadline does not move past the clock after a
 * tick would spin marsd's loop, and is reported.  Header-only: each harness is one translation unit, and
 * the replay driver (replay.c) links with any of them.
 */
#ifndef FUZZ_SEQ_H
#define FUZZ_SEQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mars/msg.h"
#include "mars/proto.h"
#include "mars/types.h"

#define FZ_STEPS_MAX	128
#define FZ_TICKS_MAX	4096
#define FZ_HDR_LEN	5
#define FZ_FIX_CKSUM	0x80
#define FZ_OP_WAIT	0x7f

struct fz_step {
	mars_time_t	 delay;
	uint8_t		 op;		/* without FZ_FIX_CKSUM */
	bool		 fix;
	uint8_t		 arg;
	const uint8_t	*data;
	size_t		 len;
};

struct fz_reader {
	const uint8_t	*p;
	size_t		 left;
	unsigned	 steps;
};

static inline void
fz_init(struct fz_reader *r, const uint8_t *data, size_t size)
{
	r->p = data;
	r->left = size;
	r->steps = 0;
}

static const mars_time_t fz_units[4] = { 1, 10, 100, 1000 };

static inline mars_time_t
fz_delay(uint8_t b)
{
	return fz_units[b >> 6] * (b & 0x3f);
}

/* The next step, false at the end of the input or after FZ_STEPS_MAX. */
static inline bool
fz_next(struct fz_reader *r, struct fz_step *st)
{
	size_t len;

	if (r->left < FZ_HDR_LEN || r->steps == FZ_STEPS_MAX)
		return false;
	st->delay = fz_delay(r->p[0]);
	st->op = r->p[1] & 0x7f;
	st->fix = (r->p[1] & FZ_FIX_CKSUM) != 0;
	st->arg = r->p[2];
	len = (size_t)r->p[3] << 8 | r->p[4];
	r->p += FZ_HDR_LEN;
	r->left -= FZ_HDR_LEN;
	if (len > r->left)
		len = r->left;
	st->data = r->p;
	st->len = len;
	r->p += len;
	r->left -= len;
	r->steps++;
	return true;
}

/* A broken invariant: say which, and stop like a sanitizer would. */
#define FZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

static const uint8_t fz_llc_mars[MARS_LLC_SNAP_LEN] = {
	0xaa, 0xaa, 0x03, 0x00, 0x00, 0x5e, 0x00, 0x03,
};
static const uint8_t fz_llc_scsp[MARS_LLC_SNAP_LEN] = {
	0xaa, 0xaa, 0x03, 0x00, 0x00, 0x5e, 0x00, 0x05,
};

/*
 * Copy data into buf (cap octets) and, when asked, make its checksum
 * right: a MARS message gets mar$chksum 0 (not computed, §4.3.3), an SCSP
 * packet the RFC 1071 sum over its Packet Size octets.  Returns the length.
 */
static inline size_t
fz_sdu(const struct fz_step *st, uint8_t *buf, size_t cap)
{
	size_t len = st->len < cap ? st->len : cap, size;
	uint16_t sum;

	memcpy(buf, st->data, len);
	if (!st->fix || len < MARS_LLC_SNAP_LEN + 20)
		return len;
	if (memcmp(buf, fz_llc_mars, MARS_LLC_SNAP_LEN) == 0) {
		buf[MARS_LLC_SNAP_LEN + 12] = 0;
		buf[MARS_LLC_SNAP_LEN + 13] = 0;
	} else if (memcmp(buf, fz_llc_scsp, MARS_LLC_SNAP_LEN) == 0) {
		uint8_t *p = buf + MARS_LLC_SNAP_LEN;

		size = (size_t)p[2] << 8 | p[3];
		if (size > len - MARS_LLC_SNAP_LEN)
			size = len - MARS_LLC_SNAP_LEN;
		p[4] = p[5] = 0;
		sum = mars_cksum(p, size);
		p[4] = (uint8_t)(sum >> 8);
		p[5] = (uint8_t)sum;
	}
	return len;
}

#endif
