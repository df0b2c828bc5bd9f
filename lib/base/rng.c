/*
 * The seedable random source of the state machines (rng.h): splitmix64,
 * small, fast and reproducible from a 64-bit seed, which is all the RFC
 * 2022 random delays and the simulator's fault schedules need.  Not for
 * anything secret.
 */
#include <stdint.h>

#include "mars/rng.h"

void
mars_rng_seed(struct mars_rng *r, uint64_t seed)
{
	r->state = seed;
}

uint64_t
mars_rng_next(struct mars_rng *r)
{
	uint64_t z;

	r->state += 0x9e3779b97f4a7c15ull;
	z = r->state;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * Uniform in [lo, hi]: draws below the largest multiple of the span are
 * kept, the rest redrawn, so no value is favoured by the modulo.
 */
uint64_t
mars_rng_range(struct mars_rng *r, uint64_t lo, uint64_t hi)
{
	uint64_t span, limit, v;

	if (hi <= lo)
		return lo;
	span = hi - lo + 1;
	if (span == 0)			/* [0, UINT64_MAX] */
		return mars_rng_next(r);
	limit = UINT64_MAX - UINT64_MAX % span;
	do
		v = mars_rng_next(r);
	while (v >= limit);
	return lo + v % span;
}
