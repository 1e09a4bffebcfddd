/*
 * threshold.h -- fairness at every threshold for a continuous outcome, by
 * coordinate descent (after Deza, Gomez & Atamturk, "Fair and Accurate
 * Regression").
 *
 * With yhat_l = intercept + x_l'beta + b_stratum(l), w_l the row weights and
 * ybar the weighted mean of y, the fit minimises
 *
 *   J = [ (1/2) sum w (y - yhat)^2 + lambda sum b^2 + l2 sum beta^2 ]
 *       / [ (1/2) sum w (y - ybar)^2 ]  +  lambda_f gap(yhat)
 *
 *   gap = max over thresholds b_j and groups g of
 *         | P_w(yhat > b_j) - P_w(yhat > b_j | g) |
 *
 * The first term is 1 - R^2 plus the ridge terms, free of y's units, so
 * lambda_f means the same for incomes in dollars and test scores.  The
 * groups are every category of every sensitive attribute (the binary s:
 * s = 0 and s = 1); gap is the reporting aggregate parity_gap at the
 * thresholds b_j, which are weighted quantiles of the training y.
 *
 * J is not convex and not continuous.  Coordinate descent minimises it
 * exactly along one coefficient at a time (see threshold.c), so J never
 * increases; the result is a point no single coefficient can improve, not a
 * global minimum.  Start from a good model (least squares, or a fair one).
 */
#ifndef FG_THRESHOLD_H
#define FG_THRESHOLD_H

#include "fg_core.h"


typedef struct fg_threshold_settings
{
	double		lambda_f;		/* weight of the gap, >= 0 */
	/*
	 * l: thresholds at the j/(l+1) weighted quantiles of the training y,
	 * j = 1..l; equal quantiles merged (fewer when y has few values)
	 */
	uint32_t	n_thresholds;
	int			max_sweeps;		/* sweeps over every coefficient at most */
	bool		strata;			/* random intercepts b (data->stratum) are coefficients too */
	double		lambda;			/* ridge lambda * sum b^2, >= 0 */
	double		l2;				/* ridge l2 * sum beta^2 (slopes only), >= 0 */
	/*
	 * Crossings of rows over thresholds held, sorted and swept at a time
	 * (16 bytes each, twice); 0: max(2^18, rows).  Fewer take less memory
	 * and more passes over the rows; the result is the same.
	 */
	size_t		chunk_events;
} fg_threshold_settings;

/* lambda_f 1, 40 thresholds, 100 sweeps, no strata, lambda 1, l2 0, chunk_events 0. */
void		fg_threshold_settings_default(fg_threshold_settings *set);

typedef struct fg_threshold_result
{
	int			sweeps;			/* sweeps made (the last changed nothing when converged) */
	bool		converged;		/* a whole sweep left every coefficient as it was */
	int			updates;		/* coefficient changes accepted, over all sweeps */
	double		objective_start;	/* J at the start */
	double		objective;		/* J at the end */
	double		fit_term;		/* J's first term at the end */
	double		gap;			/* gap at the end */
	/*
	 * The same disparity at every threshold, not only the b_j: the largest
	 * over groups of sup_b |F_group(b) - F(b)| of yhat (parity_ks); >= gap.
	 */
	double		parity_ks;
	uint32_t	n_thresholds;	/* thresholds used (after merging ties) */
	double	   *thresholds;		/* n_thresholds, ascending */
	double	   *trace;			/* J after each sweep (sweeps entries), never increasing */
} fg_threshold_result;

/*
 * Coordinate descent on J from delta = [intercept, beta_1..beta_p,
 * b_1..b_n] (b only when set->strata), which receives the result.  data
 * needs y_real and a sensitive attribute with at least two categories with
 * weight; y = NULL.  The coefficients are visited in that order, each sweep.
 * On failure delta is left as it was and *res is empty.  Memory comes from
 * env (about 100 bytes a row besides the data); env's interrupt hook is
 * polled between coefficients and every few milliseconds within one.
 */
fg_status	fg_threshold_fit(const fg_env *env, const fg_data *data,
							 const fg_threshold_settings *set, double *delta,
							 fg_threshold_result *res, fg_error *err);

/* Release the arrays of a result and zero it. */
void		fg_threshold_result_free(const fg_env *env, fg_threshold_result *res);

#endif							/* FG_THRESHOLD_H */
