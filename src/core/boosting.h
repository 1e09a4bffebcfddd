/*
 * boosting.h -- componentwise boosting for glmm and fair_glmm (core-internal).
 */
#ifndef FG_BOOSTING_H
#define FG_BOOSTING_H

#include "newton.h"

/*
 * Run Algorithm 1 from the warm start in delta (whose linear predictor is in
 * ws->eta).  prob carries a and rho / N of the fair problem (rho = 0 for
 * glmm).  Updates delta and fills the boosting fields of fit.
 */
fg_status	fg_boost(const fg_env *env, const fg_data *data, const fg_options *opt,
					 const fg_problem *prob, double *delta, fg_newton_ws *ws, fg_fit *fit,
					 fg_error *err);

/* Bytes boosting allocates beyond the Newton workspace. */
size_t		fg_boost_memory(size_t n_rows, int p, uint32_t n_strata, const fg_options *opt);

#endif							/* FG_BOOSTING_H */
