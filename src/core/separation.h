/*
 * separation.h -- recognising (quasi-)complete separation after a Newton
 * solve (core-internal).
 */
#ifndef FG_SEPARATION_H
#define FG_SEPARATION_H

#include "newton.h"

/* a separated row's eta still moves outward by at least this per step */
#define FG_SEPARATION_STEP 0.25
/*
 * ... and its fitted probability is within about 3e-7 of 0 or 1 already: a
 * solve stopped early by a loose tolerance also ends with large steps
 */
#define FG_SEPARATION_ETA 15.0

/* Is a row with outcome sign out (+1 for y = 1) at eta, moved by deta, running off? */
static inline bool
fg_row_separated(double out, double eta, double deta)
{
	return out * eta > FG_SEPARATION_ETA && out * deta > FG_SEPARATION_STEP;
}

/*
 * What the rows say at the solution: how many run off (with y = 1), how
 * many the fixed effects alone put on the wrong side, and per coefficient
 * (0 the intercept, scale 1) the largest |x| and the value all running-off
 * rows share (NAN if they differ).
 */
typedef struct fg_separation_stats
{
	uint64_t	rows;
	uint64_t	ones;
	uint64_t	wrong;
	const double *scale;
	const double *value;
} fg_separation_stats;

/*
 * fg_check_separation's conclusion from the statistics and the last step:
 * data gives p and the feature names, n_rows the number of rows.
 */
fg_status	fg_separation_verdict(const fg_env *env, const fg_data *data, size_t n_rows,
								  const fg_separation_stats *stats, const double *step,
								  fg_fit *fit, fg_error *err);

/*
 * After a converged fg_newton_solve whose workspace still holds the last
 * step (ws->step, and its change of the linear predictor ws->deta): find the
 * rows whose fitted probability is running off to 0 or 1 and the terms whose
 * coefficients run off with them, and record them in fit (separated_rows,
 * unidentified, separation_detail).  delta is the solution and max_abs_eta
 * the largest |eta| there (below 15 nothing is separated).  Complete
 * separation, every row strictly on its side by the fixed effects alone, is
 * FG_ERR_SEPARATION; otherwise FG_OK (or FG_ERR_NOMEM).
 */
fg_status	fg_check_separation(const fg_env *env, const fg_problem *prob,
								const fg_newton_ws *ws, const double *delta,
								double max_abs_eta, fg_fit *fit, fg_error *err);

/* Rows the last step of a solve moves outward beyond |eta| = 15 (see above). */
size_t		fg_count_separated(const fg_problem *prob, const fg_newton_ws *ws);

#endif							/* FG_SEPARATION_H */
