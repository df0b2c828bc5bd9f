/*
 * Round-trip time statistics as ping(8) reports them: min, average, max
 * and mean deviation (the standard deviation, as ping computes "mdev"),
 * plus the loss percentage of a probe run.  Pure arithmetic; marsping
 * feeds it the time between a MARS_REQUEST and its MULTI or NAK.
 */
#ifndef MARS_RTTSTAT_H
#define MARS_RTTSTAT_H

#include <stdint.h>

struct rttstat {
	uint64_t	 n;		/* samples */
	uint64_t	 min_ns;
	uint64_t	 max_ns;
	double		 mean_ns;	/* running mean (Welford) */
	double		 m2;		/* sum of squared deviations */
};

/* Results in milliseconds; all 0 when there is no sample. */
struct rttstat_summary {
	uint64_t	 n;
	double		 min_ms;
	double		 avg_ms;
	double		 max_ms;
	double		 mdev_ms;
};

void	rttstat_init(struct rttstat *st);
void	rttstat_add(struct rttstat *st, uint64_t rtt_ns);
void	rttstat_summary(const struct rttstat *st, struct rttstat_summary *sum);

/*
 * Percentage of probes without a reply, 0 to 100.  sent 0 gives 0;
 * received > sent (duplicates) counts as no loss.
 */
double	rttstat_loss_pct(uint64_t sent, uint64_t received);

/* Square root by Newton's method (libmars does not link libm). */
double	rttstat_sqrt(double x);

#endif
