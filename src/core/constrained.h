/*
 * constrained.h -- the constrained form abs(cov_t) <= c_t of the fair
 * Newton methods (core-internal).
 */
#ifndef FG_CONSTRAINED_H
#define FG_CONSTRAINED_H

#include "newton.h"

/*
 * Minimise J subject to every term's bound (prob->terms[t].bound, INFINITY
 * for none), from delta (updated in place).  mu (n_terms) receives the
 * multipliers of J + sum_t mu_t cov_t, and *multiplier 1.0's one-term
 * multiplier abs(mu) (NAN with several terms).  On return the problem is
 * the plain Lagrangian (kappa 0, lin_t = mu_t / W_t) and ws and stats
 * describe the solution, as after fg_newton_solve.
 */
fg_status	fg_solve_constrained(const fg_env *env, fg_problem *prob, const fg_options *opt,
								 double *delta, fg_newton_ws *ws, fg_solve_stats *stats,
								 int *iterations, double *mu, double *multiplier,
								 fg_error *err);

#endif							/* FG_CONSTRAINED_H */
