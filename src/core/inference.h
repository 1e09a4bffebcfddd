/*
 * inference.h -- standard errors, likelihoods and degrees of freedom of a
 * fitted model (core-internal).
 *
 * Everything is computed once, at fit time, from the Hessian H of the
 * minimised objective J at the solution (newton.h), through the arrow
 * structure: the fixed effects' covariance is the inverse Schur complement
 * S^-1 ((1 + p) x (1 + p)), a random intercept's conditional variance the
 * diagonal entry of H^-1's stratum block, neither ever forming H^-1.  Both
 * are model-based and conditional on rho, lambda (or boosting's Q) and l2.
 *
 * With the constrained form the active constraints a_t'delta = W_t r_t take
 * dimensions away: the covariance is the projected inverse
 * H^-1 - H^-1 A (A'H^-1 A)^+ A'H^-1 over the active terms (a pseudo-inverse:
 * the one-vs-rest terms of one attribute are dependent).
 *
 * vcov "robust" is the sandwich V M V clustered by stratum,
 * M = G / (G - 1) sum_g s_g s_g', s_g the log-likelihood's score summed over
 * cluster g's rows (weighted with weights), V the model-based covariance:
 * R's sandwich::vcovCL(type = "HC0") with its default cluster adjustment.
 */
#ifndef FG_INFERENCE_H
#define FG_INFERENCE_H

#include "newton.h"

/*
 * Fill fit's vcov, b_se, loglik, null_loglik and edf (gaussian: sigma2)
 * for the solution delta of prob (for boosting, prob->lambda already
 * 1 / (2 Q), gaussian sigma^2 / (2 Q)).  mu holds the multipliers of the
 * constrained form (NULL when unconstrained): the terms with mu_t != 0 are
 * active.  Builds and factors H at delta with one pass over the rows (a
 * second for "robust").  edf_given >= 0 replaces the effective degrees of
 * freedom (boosting's hat-matrix trace); boosting's gaussian sigma2, its
 * own last estimate, is kept.
 */
fg_status	fg_inference(const fg_env *env, fg_problem *prob, fg_newton_ws *ws,
						 const double *delta, const fg_options *opt, const double *mu,
						 double edf_given, fg_fit *fit, fg_error *err);

/*
 * The gaussian likelihood's pieces, shared with boosting: the weighted
 * residual sum of squares about eta (about the weighted mean of y when eta
 * is NULL), the observations it counts (the rows, or the weight sum for
 * frequency weights, option weight_scale as_given), its (1/2) sum log v
 * for precision weights (0 otherwise), and the log-likelihood of a
 * weighted residual sum of squares rss at residual variance sigma2.
 */
/*
 * What the likelihoods, sigma^2 and the robust covariance need from the
 * rows when the rows are gone (the streaming fit of stream.h, the passes
 * of passes.h): for a gaussian y the observations (see fg_gaussian_nobs),
 * the residual sums of squares at the solution and about the weighted
 * mean, and (1/2) sum log v; for a binary y the weight and the weight of
 * the ones; and for "robust" the per-stratum scores (n_strata x (1 + p),
 * then n_strata; NULL without).
 */
typedef struct fg_row_sums
{
	bool		gaussian;
	double		nobs;
	double		rss;
	double		rss0;
	double		log_weights;
	double		weight;
	double		wy;
	const double *scores_f;
	const double *scores_b;
} fg_row_sums;

/*
 * fg_inference for a fit without its rows: ws holds the factor of the
 * Hessian at the solution (fg_newton_factor_given, or the last pass of a
 * solve), and the likelihoods and scores come from sums.  The rows' strata
 * for "robust": n_strata.
 */
fg_status	fg_inference_sums(const fg_env *env, fg_problem *prob, fg_newton_ws *ws,
							  const double *delta, const fg_options *opt, const double *mu,
							  const fg_row_sums *sums, uint32_t n_strata, fg_fit *fit,
							  fg_error *err);

/*
 * Add each row's score of the log-likelihood, w (y - mu) [1, x] at linear
 * predictor eta, to its stratum's sums sf (n_strata x (1 + p)), and
 * w (y - mu) to sb (n_strata): the clusters of the robust covariance.
 */
void		fg_score_sums(const fg_data *data, const double *eta, double *sf, double *sb);

double		fg_gaussian_rss(const fg_data *data, const double *eta);
double		fg_gaussian_nobs(const fg_data *data, const fg_options *opt);
double		fg_gaussian_log_weights(const fg_data *data, const fg_options *opt);
double		fg_gaussian_loglik(double nobs, double log_weights, double rss, double sigma2);

#endif							/* FG_INFERENCE_H */
