/*
 * The seedable random source of the state machines and the simulator
 * (splitmix64): RFC 2022's 1-10 s random delays and fault schedules,
 * reproducible from one 64-bit seed.  Not for anything secret.
 */
#ifndef MARS_RNG_H
#define MARS_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mars_rng {
	uint64_t	 state;
};

void		mars_rng_seed(struct mars_rng *r, uint64_t seed);
uint64_t	mars_rng_next(struct mars_rng *r);
/* Uniform in [lo, hi] inclusive. */
uint64_t	mars_rng_range(struct mars_rng *r, uint64_t lo, uint64_t hi);

#ifdef __cplusplus
}
#endif

#endif
