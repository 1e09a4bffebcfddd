/*
 * fit.c -- fg_fit_model: checks the data and options, runs the solver of the
 * chosen method (penalised or constrained form) and computes the training
 * metrics stored with the model.
 */
#include "fg_core.h"
#include "boosting.h"
#include "separation.h"

#include <math.h>
#include <string.h>

/* Outer iterations of the multiplier search in the constrained form. */
#define FG_MULTIPLIER_MAX_ITER 200

static fg_status
check_inputs(const fg_data *data, const fg_options *opt, fg_error *err)
{
	size_t		N = data->n_rows;
	size_t		ones = 0,
				s_ones = 0;
	bool		strata = fg_method_uses_strata(opt->method);
	fg_status	st;

	if ((st = fg_options_check(opt, err)) != FG_OK)
		return st;
	if (N == 0)
		return fg_fail(err, FG_ERR_DATA, "no rows to fit", NULL, NULL);
	if (strata && data->stratum == NULL)
		return fg_fail(err, FG_ERR_INVALID, "method needs strata", NULL, NULL);

	for (size_t l = 0; l < N; l++)
	{
		ones += data->y[l];
		s_ones += data->s[l];
	}
	if (ones == 0 || ones == N)
		return fg_fail(err, FG_ERR_DATA, "y has only one class",
					   "Logistic regression needs rows with y = 0 and rows with y = 1.",
					   "All %zu rows used have y = %d.", N, ones ? 1 : 0);
	if (fg_method_is_fair(opt->method) && (s_ones == 0 || s_ones == N))
		return fg_fail(err, FG_ERR_DATA, "the sensitive attribute is constant",
					   "A fair method needs rows with sensitive = 0 and rows with sensitive = 1; use the unfair method otherwise.",
					   "All %zu rows used have sensitive = %d, so the fairness covariance is identically zero.",
					   N, s_ones ? 1 : 0);
	return FG_OK;
}

/*
 * One side of the constrained form when rows are separated: minimise J
 * subject to a'delta = t by the augmented Lagrangian
 *
 *   J + lam (a'delta - t) + r (a'delta - t)^2,    lam += 2 r (a'delta - t)
 *
 * whose subproblems have a minimum whenever the separating direction moves
 * a'delta (the quadratic holds it), and whose Hessians the Newton solver
 * already handles (the fold of a rank-one term).  Returns the multiplier lam
 * in *lam, or a failure; tol bounds |a'delta - t| at the end.
 */
static fg_status
augmented_lagrangian(const fg_env *env, fg_problem *prob, const fg_options *opt, double t,
					 double tol, double *delta, fg_newton_ws *ws, fg_solve_stats *stats,
					 int *iterations, double *lam, fg_error *err)
{
	double		N = (double) prob->data->n_rows;
	double		aa = 0.0;
	double		r;
	double		gap_before = INFINITY;
	fg_status	st;

	for (uint32_t j = 0; j < prob->k + prob->n; j++)
		aa += prob->a[j] * prob->a[j];
	/* the quadratic's curvature about that of the log-likelihood (N/4 per unit) */
	r = aa > 0.0 ? N / aa : 1.0;
	*lam = 0.0;
	for (int outer = 0; outer < FG_MULTIPLIER_MAX_ITER; outer++)
	{
		double		gap;

		prob->rho_over_n = r;
		prob->lin = *lam - 2.0 * r * t;
		if ((st = fg_newton_solve(env, prob, opt, delta, ws, stats, err)) != FG_OK)
			return st;
		*iterations += stats->iterations;
		gap = fg_a_dot(prob, delta) - t;
		*lam += 2.0 * r * gap;
		if (fabs(gap) <= tol)
			return FG_OK;
		/* too slow: a stiffer quadratic */
		if (fabs(gap) > 0.25 * gap_before)
			r *= 10.0;
		gap_before = fabs(gap);
	}
	return fg_fail(err, FG_ERR_NOT_CONVERGED,
				   "the search for the Lagrange multiplier did not converge",
				   "Add a small ridge penalty on the slopes (option \"l2\"), or use the rho penalty instead of option \"c\".",
				   "Some rows are separated; after %d augmented Lagrangian solves a'delta was %g from its bound.",
				   FG_MULTIPLIER_MAX_ITER, fg_a_dot(prob, delta) - t);
}

/*
 * The constrained form when the unconstrained minimum lies at infinity.  The
 * bound that is active is found by trying each: the solution of
 * a'delta = sg c N is the constrained optimum when its multiplier pushes
 * away from the bound (sg lam <= 0 for J + lam a'delta).  The problem is
 * left as the plain Lagrangian J + lin a'delta at the solution, so the
 * caller's objective and metrics read as for the ordinary search.
 */
static fg_status
solve_constrained_separated(const fg_env *env, fg_problem *prob, const fg_options *opt,
							double cov0, double *delta, fg_newton_ws *ws,
							fg_solve_stats *stats, int *iterations, double *multiplier,
							fg_error *err)
{
	double		N = (double) prob->data->n_rows;
	uint32_t	m = prob->k + prob->n;
	double	   *start = fg_alloc(env, sizeof(double) * m);
	double		a_step = fg_a_dot(prob, ws->step);
	/* first the side cov runs off to along the separating direction */
	double		first = a_step > 0.0 ? 1.0 : -1.0;
	fg_status	st = FG_OK;

	if (start == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	memcpy(start, delta, sizeof(double) * m);
	for (int side = 0; side < 2; side++)
	{
		double		sg = side == 0 ? first : -first;
		double		lam;

		memcpy(delta, start, sizeof(double) * m);
		/* the ordinary search's tolerance on cov, in units of a'delta */
		st = augmented_lagrangian(env, prob, opt, sg * opt->c * N,
								  1e-9 * N * (opt->c + fabs(cov0)), delta, ws, stats,
								  iterations, &lam, err);
		if (st != FG_OK)
			break;
		if (sg * lam <= 0.0 || opt->c == 0.0)
		{
			/* zeta of J + sg zeta cov: lam = sg zeta / N (both signs at c = 0) */
			*multiplier = fabs(lam) * N;
			prob->rho_over_n = 0.0;
			prob->lin = lam;
			stats->objective = fg_objective(prob, delta, ws->eta);
			fg_release(env, start);
			return FG_OK;
		}
	}
	fg_release(env, start);
	prob->rho_over_n = 0.0;
	if (st != FG_OK)
		return st;
	return fg_fail(err, FG_ERR_NOT_CONVERGED,
				   "the search for the Lagrange multiplier did not converge",
				   "Add a small ridge penalty on the slopes (option \"l2\"), or use the rho penalty instead of option \"c\".",
				   "Some rows are separated, and neither bound of abs(cov) <= %g gave a multiplier of the right sign.",
				   opt->c);
}

/*
 * Constrained form: minimise J s.t. abs(cov) <= c.  If the unconstrained
 * minimiser is feasible we are done; otherwise find zeta >= 0 such that the
 * minimiser of J + sg zeta cov has sg cov = c.  sg cov(zeta) decreases in
 * zeta with slope -a'H^-1 a / N^2, which gives safeguarded Newton steps.
 */
static fg_status
solve_constrained(const fg_env *env, fg_problem *prob, const fg_options *opt,
				  double *delta, fg_newton_ws *ws, fg_solve_stats *stats,
				  int *iterations, double *multiplier, fg_error *err)
{
	double		N = (double) prob->data->n_rows;
	uint32_t	m = prob->k + prob->n;
	double		cov0,
				sg,
				phi,
				tol_c,
				zeta = 0.0,
				lo = 0.0,
				hi = INFINITY;
	fg_status	st;

	*multiplier = 0.0;
	prob->lin = 0.0;
	if ((st = fg_newton_solve(env, prob, opt, delta, ws, stats, err)) != FG_OK)
		return st;
	*iterations += stats->iterations;
	cov0 = fg_a_dot(prob, delta) / N;
	if (fabs(cov0) <= opt->c)
		return FG_OK;

	/*
	 * Rows separated at the unconstrained solution: its minimum lies at
	 * infinity, cov0 is merely where the solve stopped, and the multiplier
	 * search's subproblems can have no minimum either.
	 */
	if (fg_count_separated(prob, ws) > 0)
		return solve_constrained_separated(env, prob, opt, cov0, delta, ws, stats,
										   iterations, multiplier, err);

	sg = cov0 > 0 ? 1.0 : -1.0;
	phi = fabs(cov0);
	tol_c = 1e-9 * (opt->c + fabs(cov0));

	for (int outer = 0; outer < FG_MULTIPLIER_MAX_ITER; outer++)
	{
		double		slope,
					a_ha = 0.0,
					next;

		/* a'H^-1 a at the current point; ws holds its factorisation */
		fg_newton_solve_h(prob, ws, prob->a, ws->tmp);
		for (uint32_t j = 0; j < m; j++)
			a_ha += prob->a[j] * ws->tmp[j];
		slope = a_ha / (N * N);
		next = slope > 0 ? zeta + (phi - opt->c) / slope : NAN;
		/* aim slightly inside the feasible side so we land in [c - tol, c] */
		if (slope > 0)
			next += 0.25 * tol_c / slope;
		if (!(next > lo && next < hi))
			next = isfinite(hi) ? 0.5 * (lo + hi) : fmax(2.0 * zeta, 1.0);
		zeta = next;

		prob->lin = sg * zeta / N;
		if ((st = fg_newton_solve(env, prob, opt, delta, ws, stats, err)) != FG_OK)
			return st;
		*iterations += stats->iterations;
		phi = sg * fg_a_dot(prob, delta) / N;
		if (phi <= opt->c && phi >= opt->c - tol_c)
		{
			*multiplier = zeta;
			return FG_OK;
		}
		if (phi > opt->c)
			lo = zeta;
		else
			hi = zeta;
	}
	return fg_fail(err, FG_ERR_NOT_CONVERGED,
				   "the search for the Lagrange multiplier did not converge",
				   "Try a larger value of option \"c\".",
				   "After %d solves the covariance was %g against the bound %g.",
				   FG_MULTIPLIER_MAX_ITER, sg * phi, opt->c);
}

static void
training_metrics(const fg_problem *prob, const fg_options *opt, const double *eta,
				 fg_fit *fit)
{
	const fg_data *data = prob->data;
	size_t		N = data->n_rows;
	const uint8_t *restrict y = data->y;
	const uint8_t *restrict s = data->s;
	size_t		correct = 0,
				ones = 0,
				s_ones = 0,
				s_ones_predicted = 0;
	fg_di_counts counts;
	double		cov = 0.0;
	/*
	 * sigmoid(eta) >= threshold compares eta with logit(threshold); only
	 * rows within a hair of that cut need the sigmoid itself, so the
	 * verdict is the one fairglmm_classify gives, without an exp per row.
	 * Counting with adds instead of branches: y, s and the verdict are
	 * coin flips to the branch predictor.
	 */
	double		cut = log(opt->threshold / (1.0 - opt->threshold));
	bool		use_cut = opt->threshold > 0.0 && opt->threshold < 1.0 && isfinite(cut);
	double		margin = 1e-6 * (1.0 + fabs(cut));

	for (size_t l = 0; l < N; l++)
	{
		int			yhat = use_cut ? eta[l] > cut : fg_sigmoid(eta[l]) >= opt->threshold;

		if (use_cut && fabs(eta[l] - cut) <= margin)
			yhat = fg_sigmoid(eta[l]) >= opt->threshold;
		correct += yhat == y[l];
		ones += yhat;
		s_ones += s[l];
		s_ones_predicted += yhat & s[l];
		cov += (s[l] - prob->s_bar) * eta[l];
	}
	counts.n1 = (int64_t) s_ones;
	counts.pos1 = (int64_t) s_ones_predicted;
	counts.n0 = (int64_t) (N - s_ones);
	counts.pos0 = (int64_t) (ones - s_ones_predicted);
	fit->train_accuracy = (double) correct / (double) N;
	fit->train_di = fg_disparate_impact(&counts);
	fit->train_cov = cov / (double) N;
}

fg_status
fg_fit_model(const fg_env *env, const fg_data *data, const fg_options *opt,
			 fg_fit *fit, fg_error *err)
{
	fg_summary	sum;
	fg_problem	prob;
	fg_newton_ws ws;
	fg_solve_stats stats;
	double	   *delta = NULL;
	bool		strata = fg_method_uses_strata(opt->method);
	bool		constrained = !isnan(opt->c);
	/* unfair methods ignore rho; constrained ones replace it by c */
	double		rho = fg_method_is_fair(opt->method) && !constrained ? opt->rho : 0.0;
	uint32_t	m;
	fg_status	st;

	memset(fit, 0, sizeof(*fit));
	memset(&ws, 0, sizeof(ws));
	memset(&prob, 0, sizeof(prob));
	memset(&sum, 0, sizeof(sum));
	if ((st = check_inputs(data, opt, err)) != FG_OK)
		return st;
	/* one pass gives the collinearity check, a, and the first Newton iteration */
	if ((st = fg_summarize(env, data, strata, &sum, err)) != FG_OK)
		return st;
	/* a ridge on the slopes identifies collinear features too */
	if ((opt->l2 == 0.0 && (st = fg_summary_check_collinear(env, data, &sum, err)) != FG_OK) ||
		(st = fg_problem_init(env, data, &sum, strata, opt->lambda, rho, opt->l2, &prob, err)) != FG_OK)
		goto done;
	/* only the constrained search solves with the final Hessian */
	prob.final_gradient_only = !constrained;
	if ((st = fg_newton_ws_init(env, &prob, &ws, err)) != FG_OK)
		goto done;

	m = prob.k + prob.n;
	delta = fg_alloc(env, sizeof(double) * m);
	fit->beta = fg_alloc(env, sizeof(double) * (data->p ? data->p : 1));
	fit->b = fg_alloc(env, sizeof(double) * (prob.n ? prob.n : 1));
	fit->stratum_rows = fg_alloc(env, sizeof(uint64_t) * (prob.n ? prob.n : 1));
	if (!delta || !fit->beta || !fit->b || !fit->stratum_rows)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}

	/* start from the intercept-only fit: logit of the share of ones */
	fg_newton_start_intercept_only(&prob, &sum, delta, &ws);

	if (constrained)
		st = solve_constrained(env, &prob, opt, delta, &ws, &stats,
							   &fit->iterations, &fit->multiplier, err);
	else
	{
		st = fg_newton_solve(env, &prob, opt, delta, &ws, &stats, err);
		fit->iterations = stats.iterations;
	}
	/*
	 * The last step tells whether the minimum lies at infinity; also when
	 * max_iter stopped the solve.  With l2 > 0 the objective is coercive:
	 * there is a finite minimiser, whatever the rows do.
	 */
	if (st == FG_OK && opt->l2 == 0.0)
		st = fg_check_separation(env, &prob, &ws, delta, stats.max_abs_eta, fit, err);
	/* boosting starts from the (fair) CRLR solution */
	if (st == FG_OK && fg_method_is_boosting(opt->method))
		st = fg_boost(env, data, opt, &prob, delta, &ws, fit, err);
	if (st != FG_OK)
		goto done;

	fit->p = data->p;
	fit->n_strata = prob.n;
	fit->intercept = delta[0];
	memcpy(fit->beta, delta + 1, sizeof(double) * data->p);
	memcpy(fit->b, delta + prob.k, sizeof(double) * prob.n);
	/* the summary counted them (exactly: doubles hold integers up to 2^53) */
	for (uint32_t g = 0; g < prob.n; g++)
		fit->stratum_rows[g] = (uint64_t) sum.stratum_rows[g];
	fit->converged = stats.converged;
	/* after boosting, the warm start's gradient says nothing about the result */
	fit->grad_norm = fg_method_is_boosting(opt->method) ? NAN : stats.grad_norm;
	/*
	 * Report J itself, without the multiplier's linear term: the last pass
	 * computed J at delta with the same blocks fg_objective uses.  For
	 * boosting the ridge on b is the fitted prior 1 / (2 Q).
	 */
	if (fg_method_is_boosting(opt->method))
	{
		prob.lin = 0.0;
		prob.lambda = 0.5 / fit->q;
		fit->objective = fg_objective(&prob, delta, ws.eta);
	}
	else
		fit->objective = stats.objective - prob.lin * fg_a_dot(&prob, delta);
	prob.lin = 0.0;
	training_metrics(&prob, opt, ws.eta, fit);

done:
	fg_summary_free(env, &sum);
	fg_release(env, delta);
	fg_newton_ws_free(env, &ws);
	fg_release(env, prob.a);
	if (st != FG_OK)
	{
		fg_release(env, fit->beta);
		fg_release(env, fit->b);
		fg_release(env, fit->stratum_rows);
		fg_release(env, fit->selected);
		fg_release(env, fit->unidentified);
		memset(fit, 0, sizeof(*fit));
	}
	return st;
}
