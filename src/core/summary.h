/*
 * summary.h -- one pass over the training rows that gathers what the checks
 * and the solver's starting point need (core-internal).
 *
 * From the pass come: the column means and centred co-moments of the
 * features (the collinearity check), the largest magnitudes (whether that
 * check can trust unscaled sums), the fairness vector a of newton.h, and
 * the sums that give the gradient and Hessian at the intercept-only start in
 * closed form (every weight is the same there).  Centred co-moments are
 * merged block by block (Chan, Golub and LeVeque), so they are as accurate
 * as a two-pass computation.
 */
#ifndef FG_SUMMARY_H
#define FG_SUMMARY_H

#include "fg_core.h"

typedef struct fg_summary
{
	size_t		n_rows;
	int			p;
	uint32_t	n;				/* strata summed (0 when not asked for) */
	size_t		y_ones;
	size_t		s_ones;
	double		y_bar;
	double		s_bar;
	double	   *mean;			/* p */
	double	   *comoment;		/* p x p, upper triangle: sum (x - mean)(x - mean)' */
	double	   *amax;			/* p: largest |x| of each feature */
	double	   *xy;				/* p: sum (y - y_bar) x */
	double	   *a;				/* 1 + p + n: sum (s - s_bar) [1, x, e_g] */
	double	   *stratum_rows;	/* n */
	double	   *stratum_y;		/* n: sum (y - y_bar) */
	double	   *stratum_x;		/* n x p: sum x */
} fg_summary;

/*
 * Summarise the rows; with_strata adds the per-stratum sums (data->stratum
 * must then be set).  Arrays are env-allocated; free with fg_summary_free.
 */
fg_status	fg_summarize(const fg_env *env, const fg_data *data, bool with_strata,
						 fg_summary *sum, fg_error *err);
void		fg_summary_free(const fg_env *env, fg_summary *sum);

/*
 * FG_ERR_COLLINEAR when [1, X] is rank deficient, naming the culprit.  Uses
 * the summary's co-moments when the features' magnitudes allow; otherwise
 * (values beyond 1e100 or below 1e-100) it reads the rows again with every
 * column rescaled, so the verdict does not depend on the units.
 */
fg_status	fg_summary_check_collinear(const fg_env *env, const fg_data *data,
									   const fg_summary *sum, fg_error *err);

/*
 * The same verdict from co-moments and magnitudes kept without the rows
 * (stream.h; data gives p, n_rows and the feature names).  Magnitudes
 * outside [1e-100, 1e100] cannot be rescaled without the rows: refused.
 */
fg_status	fg_summary_check_collinear_sums(const fg_env *env, const fg_data *data,
											const double *comoment, const double *amax,
											fg_error *err);

#endif							/* FG_SUMMARY_H */
