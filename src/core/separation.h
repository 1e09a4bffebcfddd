/*
 * separation.h -- recognising (quasi-)complete separation after a Newton
 * solve (core-internal).
 */
#ifndef FG_SEPARATION_H
#define FG_SEPARATION_H

#include "newton.h"

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
