/*
 * Codec benchmark: decode PROTOCOL.md Example 1 (a registration MARS_JOIN,
 * 60 octets with LLC/SNAP, checksum 0x1F22 verified) through
 * mars_pdu_decode() for about a second, and beside it a baseline measured
 * in the same run: copy the same 60 octets and checksum the 52-octet
 * message, which is the least any verifying decoder must do.
 *
 * Usage: codec [seconds]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mars/msg.h"
#include "mars/pdu.h"

#include "../tests/unit/examples.h"

#define BATCH		100000
#define TARGET_RATE	20e6

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Keeps the compiler from discarding the work. */
static volatile uint32_t sink;

static double
run_decode(double seconds)
{
	struct mars_pdu pdu;
	double t0 = now(), t;
	uint64_t n = 0;
	uint32_t acc = 0;
	int i;

	do {
		for (i = 0; i < BATCH; i++) {
			if (mars_pdu_decode(&pdu, ex1_join, sizeof(ex1_join),
			    0) != 0 || pdu.kind != MARS_PDU_MARS) {
				fprintf(stderr, "codec: Example 1 does not "
				    "decode\n");
				exit(1);
			}
			acc += pdu.u.mars.flags + pdu.u.mars.sha.addr[19];
		}
		n += BATCH;
		t = now() - t0;
	} while (t < seconds);
	sink = acc;
	return (double)n / t;
}

static double
run_baseline(double seconds)
{
	uint8_t copy[sizeof(ex1_join)];
	double t0 = now(), t;
	uint64_t n = 0;
	uint32_t acc = 0;
	int i;

	do {
		for (i = 0; i < BATCH; i++) {
			memcpy(copy, ex1_join, sizeof(copy));
			/* An empty asm keeps the copy from being elided. */
			__asm__ volatile("" : : "r"(copy) : "memory");
			acc += mars_cksum(copy + 8, sizeof(copy) - 8);
		}
		n += BATCH;
		t = now() - t0;
	} while (t < seconds);
	sink = acc;
	return (double)n / t;
}

int
main(int argc, char *argv[])
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	double dec, base;

	if (seconds <= 0)
		seconds = 1.0;
	/* Warm up caches and the frequency governor. */
	run_decode(seconds / 10);
	dec = run_decode(seconds);
	base = run_baseline(seconds);

	printf("codec: MARS_JOIN (Example 1, LLC + checksum verified) "
	    "decode: %.2f M msg/s (%.1f ns/msg)\n", dec / 1e6, 1e9 / dec);
	printf("codec: baseline, copy 60 octets + checksum 52 octets:  "
	    "%.2f M msg/s (%.1f ns/msg)\n", base / 1e6, 1e9 / base);
	printf("codec: decode costs %.1fx the baseline; target %.0f M/s: "
	    "%s\n", base / dec, TARGET_RATE / 1e6,
	    dec >= TARGET_RATE ? "met" : "NOT met");
	return 0;
}
