/*
 * Round-trip time statistics (rttstat.h).  Welford's running mean and
 * variance keep the sum of squares from losing precision over long runs,
 * which a plain sum of squared nanoseconds would after a few hours.
 */
#include <string.h>

#include "cli/rttstat.h"

void
rttstat_init(struct rttstat *st)
{
	memset(st, 0, sizeof(*st));
}

void
rttstat_add(struct rttstat *st, uint64_t rtt_ns)
{
	double x = (double)rtt_ns, delta;

	if (st->n == 0 || rtt_ns < st->min_ns)
		st->min_ns = rtt_ns;
	if (st->n == 0 || rtt_ns > st->max_ns)
		st->max_ns = rtt_ns;
	st->n++;
	delta = x - st->mean_ns;
	st->mean_ns += delta / (double)st->n;
	st->m2 += delta * (x - st->mean_ns);
}

double
rttstat_sqrt(double x)
{
	double r, prev;
	int i;

	if (!(x > 0))
		return 0;
	/* Start at or above the root so that the iteration decreases. */
	r = x > 1 ? x : 1;
	for (i = 0; i < 200; i++) {
		prev = r;
		r = 0.5 * (r + x / r);
		if (r >= prev)
			break;
	}
	return r;
}

void
rttstat_summary(const struct rttstat *st, struct rttstat_summary *sum)
{
	double var;

	memset(sum, 0, sizeof(*sum));
	sum->n = st->n;
	if (st->n == 0)
		return;
	/* Population variance, as ping's mdev. */
	var = st->m2 / (double)st->n;
	sum->min_ms = (double)st->min_ns / 1e6;
	sum->max_ms = (double)st->max_ns / 1e6;
	sum->avg_ms = st->mean_ns / 1e6;
	sum->mdev_ms = rttstat_sqrt(var > 0 ? var : 0) / 1e6;
}

double
rttstat_loss_pct(uint64_t sent, uint64_t received)
{
	if (sent == 0 || received >= sent)
		return 0;
	return 100.0 * (double)(sent - received) / (double)sent;
}
