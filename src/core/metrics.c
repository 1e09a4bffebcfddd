/*
 * metrics.c -- fairness and accuracy metrics shared by the fit (training
 * metrics) and the SQL aggregates.
 */
#include "fg_core.h"

#include <math.h>

double
fg_disparate_impact(const fg_di_counts *counts)
{
	double		rate0,
				rate1;

	/* a ratio between groups needs both groups */
	if (counts->n0 <= 0 || counts->n1 <= 0)
		return NAN;
	rate0 = (double) counts->pos0 / (double) counts->n0;
	rate1 = (double) counts->pos1 / (double) counts->n1;
	/* equal rates, including both zero, are perfect parity */
	if (rate0 == rate1)
		return 1.0;
	/* exactly one rate is zero: the most extreme disparity */
	if (rate0 == 0.0 || rate1 == 0.0)
		return 0.0;
	return rate1 < rate0 ? rate1 / rate0 : rate0 / rate1;
}

double
fg_rate_ratio(const double *pos, const double *tot, uint32_t n)
{
	double		lo = INFINITY,
				hi = 0.0;

	for (uint32_t j = 0; j < n; j++)
	{
		double		r;

		if (!(tot[j] > 0.0))
			continue;
		r = pos[j] / tot[j];
		lo = r < lo ? r : lo;
		hi = r > hi ? r : hi;
	}
	return !(lo <= hi) ? NAN : hi == 0.0 ? 1.0 : lo / hi;
}
