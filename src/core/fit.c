/*
 * fit.c -- fg_fit_model: checks the data and options, runs the solver of the
 * chosen method (penalised or constrained form) and computes the training
 * metrics stored with the model.
 */
#include "fg_core.h"
#include "boosting.h"
#include "fairness.h"
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

	if (data->n_attr == 0 && data->s == NULL)
		return fg_fail(err, FG_ERR_INVALID, "no sensitive attribute", NULL, NULL);
	if (data->n_attr > FG_MAX_ATTRIBUTES ||
		(data->n_attr > 0 && (data->codes == NULL || data->n_cats == NULL)))
		return fg_fail(err, FG_ERR_INVALID, "bad sensitive attributes", NULL,
					   "%u attributes; at most %d are supported.", data->n_attr, FG_MAX_ATTRIBUTES);
	for (uint32_t a = 0; a < data->n_attr; a++)
		if (data->n_cats[a] > FG_MAX_CATEGORIES)
			return fg_fail(err, FG_ERR_INVALID, "too many categories",
						   "Merge rare categories.",
						   "Attribute %u has %u categories; at most %d are supported.",
						   a + 1, data->n_cats[a], FG_MAX_CATEGORIES);
	for (size_t l = 0; l < N; l++)
	{
		ones += data->y[l];
		if (data->n_attr == 0)
			s_ones += data->s[l];
		else
			for (uint32_t a = 0; a < data->n_attr; a++)
				if (data->codes[l * data->n_attr + a] >= data->n_cats[a])
					return fg_fail(err, FG_ERR_INVALID, "category code out of range", NULL,
								   "Row %zu has code %u for attribute %u of %u categories.",
								   l + 1, data->codes[l * data->n_attr + a], a + 1,
								   data->n_cats[a]);
		if (data->w != NULL && !(data->w[l] > 0.0 && isfinite(data->w[l])))
			return fg_fail(err, FG_ERR_INVALID, "weights must be positive and finite", NULL,
						   "Row %zu has weight %g.", l + 1, data->w[l]);
	}
	if (ones == 0 || ones == N)
		return fg_fail(err, FG_ERR_DATA, "y has only one class",
					   "Logistic regression needs rows with y = 0 and rows with y = 1.",
					   "All %zu rows used have y = %d.", N, ones ? 1 : 0);
	if (fg_method_is_fair(opt->method) && data->n_attr == 0 && (s_ones == 0 || s_ones == N))
		return fg_fail(err, FG_ERR_DATA, "the sensitive attribute is constant",
					   "A fair method needs rows with sensitive = 0 and rows with sensitive = 1; use the unfair method otherwise.",
					   "All %zu rows used have sensitive = %d, so the fairness covariance is identically zero.",
					   N, s_ones ? 1 : 0);
	return FG_OK;
}

/* The weight W_t of term t's rows: a_t'delta / W_t is its covariance. */
static double
term_weight(const fg_problem *prob, uint32_t t)
{
	return prob->terms[t].weight;
}

/* a_0'v: the single term of the one-term constrained form */
static double
dot0(const fg_problem *prob, const double *v)
{
	double		sum = 0.0;

	for (uint32_t j = 0; j < prob->k + prob->n; j++)
		sum += prob->A[j] * v[j];
	return sum;
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
	double		N = term_weight(prob, 0);
	double		aa = 0.0;
	double		r;
	double		gap_before = INFINITY;
	fg_status	st;

	for (uint32_t j = 0; j < prob->k + prob->n; j++)
		aa += prob->A[j] * prob->A[j];
	/* the quadratic's curvature about that of the log-likelihood (N/4 per unit) */
	r = aa > 0.0 ? N / aa : 1.0;
	*lam = 0.0;
	for (int outer = 0; outer < FG_MULTIPLIER_MAX_ITER; outer++)
	{
		double		gap;

		prob->kappa[0] = r;
		prob->lin[0] = *lam - 2.0 * r * t;
		if ((st = fg_newton_solve(env, prob, opt, delta, ws, stats, err)) != FG_OK)
			return st;
		*iterations += stats->iterations;
		gap = dot0(prob, delta) - t;
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
				   FG_MULTIPLIER_MAX_ITER, dot0(prob, delta) - t);
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
							double bound, double cov0, double *delta, fg_newton_ws *ws,
							fg_solve_stats *stats, int *iterations, double *multiplier,
							fg_error *err)
{
	double		N = term_weight(prob, 0);
	uint32_t	m = prob->k + prob->n;
	double	   *start = fg_alloc(env, sizeof(double) * m);
	double		a_step = dot0(prob, ws->step);
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
		st = augmented_lagrangian(env, prob, opt, sg * bound * N,
								  1e-9 * N * (bound + fabs(cov0)), delta, ws, stats,
								  iterations, &lam, err);
		if (st != FG_OK)
			break;
		if (sg * lam <= 0.0 || bound == 0.0)
		{
			/* zeta of J + sg zeta cov: lam = sg zeta / N (both signs at c = 0) */
			*multiplier = fabs(lam) * N;
			prob->kappa[0] = 0.0;
			prob->lin[0] = lam;
			stats->objective = fg_objective(prob, delta, ws->eta);
			fg_release(env, start);
			return FG_OK;
		}
	}
	fg_release(env, start);
	prob->kappa[0] = 0.0;
	if (st != FG_OK)
		return st;
	return fg_fail(err, FG_ERR_NOT_CONVERGED,
				   "the search for the Lagrange multiplier did not converge",
				   "Add a small ridge penalty on the slopes (option \"l2\"), or use the rho penalty instead of option \"c\".",
				   "Some rows are separated, and neither bound of abs(cov) <= %g gave a multiplier of the right sign.",
				   bound);
}

/*
 * Constrained form with one term: minimise J s.t. abs(cov) <= c.  If the unconstrained
 * minimiser is feasible we are done; otherwise find zeta >= 0 such that the
 * minimiser of J + sg zeta cov has sg cov = c.  sg cov(zeta) decreases in
 * zeta with slope -a'H^-1 a / N^2, which gives safeguarded Newton steps.
 */
static fg_status
solve_constrained(const fg_env *env, fg_problem *prob, const fg_options *opt,
				  double bound, double *delta, fg_newton_ws *ws, fg_solve_stats *stats,
				  int *iterations, double *multiplier, fg_error *err)
{
	double		N = term_weight(prob, 0);
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
	prob->lin[0] = 0.0;
	if ((st = fg_newton_solve(env, prob, opt, delta, ws, stats, err)) != FG_OK)
		return st;
	*iterations += stats->iterations;
	cov0 = dot0(prob, delta) / N;
	if (fabs(cov0) <= bound)
		return FG_OK;

	/*
	 * Rows separated at the unconstrained solution: its minimum lies at
	 * infinity, cov0 is merely where the solve stopped, and the multiplier
	 * search's subproblems can have no minimum either.
	 */
	if (fg_count_separated(prob, ws) > 0)
		return solve_constrained_separated(env, prob, opt, bound, cov0, delta, ws, stats,
										   iterations, multiplier, err);

	sg = cov0 > 0 ? 1.0 : -1.0;
	phi = fabs(cov0);
	tol_c = 1e-9 * (bound + fabs(cov0));

	for (int outer = 0; outer < FG_MULTIPLIER_MAX_ITER; outer++)
	{
		double		slope,
					a_ha = 0.0,
					next;

		/* a'H^-1 a at the current point; ws holds its factorisation */
		fg_newton_solve_h(prob, ws, prob->A, ws->tmp);
		for (uint32_t j = 0; j < m; j++)
			a_ha += prob->A[j] * ws->tmp[j];
		slope = a_ha / (N * N);
		next = slope > 0 ? zeta + (phi - bound) / slope : NAN;
		/* aim slightly inside the feasible side so we land in [c - tol, c] */
		if (slope > 0)
			next += 0.25 * tol_c / slope;
		if (!(next > lo && next < hi))
			next = isfinite(hi) ? 0.5 * (lo + hi) : fmax(2.0 * zeta, 1.0);
		zeta = next;

		prob->lin[0] = sg * zeta / N;
		if ((st = fg_newton_solve(env, prob, opt, delta, ws, stats, err)) != FG_OK)
			return st;
		*iterations += stats->iterations;
		phi = sg * dot0(prob, delta) / N;
		if (phi <= bound && phi >= bound - tol_c)
		{
			*multiplier = zeta;
			return FG_OK;
		}
		if (phi > bound)
			lo = zeta;
		else
			hi = zeta;
	}
	return fg_fail(err, FG_ERR_NOT_CONVERGED,
				   "the search for the Lagrange multiplier did not converge",
				   "Try a larger value of option \"c\".",
				   "After %d solves the covariance was %g against the bound %g.",
				   FG_MULTIPLIER_MAX_ITER, sg * phi, bound);
}

/* Outer iterations of the active set, and augmented Lagrangian solves in all. */
#define FG_ACTIVE_SET_MAX_ITER 50
#define FG_TERMS_AL_MAX_SOLVES 400

/* cov[t] = a_t'delta / W_t for every term */
static void
term_covs(fg_problem *prob, const double *delta, double *cov)
{
	fg_term_dots(prob, delta, cov);
	for (uint32_t t = 0; t < prob->n_terms; t++)
		cov[t] = term_weight(prob, t) > 0.0 ? cov[t] / term_weight(prob, t) : 0.0;
}

/*
 * Constrained form with several terms: minimise J subject to
 * abs(cov_t) <= bound_t for every term.  An active set of terms is held at
 * their bounds, cov_t = r_t (r_t = +-bound_t), by the augmented Lagrangian
 *
 *   J + sum_{t active} [mu_t (cov_t - r_t) + (sigma_t / 2)(cov_t - r_t)^2],
 *   mu_t += sigma_t (cov_t - r_t) after each solve,
 *
 * which needs no Hessian other than the penalised one newton.c already
 * solves, copes with dependent constraints (the one-vs-rest terms of an
 * attribute sum to zero) and, through the quadratic, with separated rows.
 * Once the active constraints hold, a term violating its bound joins the
 * set and the one whose multiplier has the wrong sign (pulls cov_t away
 * from the bound it is held at) leaves it, until neither happens: then
 * the KKT conditions hold.  mu (T) receives the multipliers of
 * J + sum_t mu_t cov_t: positive when cov_t <= bound_t binds, negative when
 * cov_t >= -bound_t does, zero when inactive.
 */
static fg_status
solve_constrained_terms(const fg_env *env, fg_problem *prob, const fg_options *opt,
						double *delta, fg_newton_ws *ws, fg_solve_stats *stats,
						int *iterations, double *mu, fg_error *err)
{
	uint32_t	T = prob->n_terms;
	uint32_t	m = prob->k + prob->n;
	double		N = (double) prob->data->n_rows;
	double	   *work = fg_alloc(env, sizeof(double) * 7 * T);
	double	   *cov,
			   *sigma0,
			   *cov0,
			   *sigma,
			   *target,
			   *gap_before,
			   *tol;
	uint8_t    *active = fg_alloc(env, T);
	int			solves = 0;
	fg_status	st = FG_OK;

	if (work == NULL || active == NULL)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}
	cov = work;
	cov0 = cov + T;
	sigma = cov0 + T;
	target = sigma + T;
	gap_before = target + T;
	tol = gap_before + T;
	sigma0 = tol + T;

	memset(mu, 0, sizeof(double) * T);
	for (uint32_t t = 0; t < T; t++)
		prob->kappa[t] = prob->lin[t] = 0.0;
	if ((st = fg_newton_solve(env, prob, opt, delta, ws, stats, err)) != FG_OK)
		goto done;
	*iterations += stats->iterations;
	term_covs(prob, delta, cov0);
	for (uint32_t t = 0; t < T; t++)
	{
		const double *a = prob->A + (size_t) t * m;
		double		aa = 0.0,
					W = term_weight(prob, t),
					bound = prob->terms[t].bound;

		for (uint32_t j = 0; j < m; j++)
			aa += a[j] * a[j];
		/* the quadratic's curvature about that of the log-likelihood, as for one term */
		sigma[t] = sigma0[t] = aa > 0.0 ? 2.0 * W * W * N / aa : 0.0;
		tol[t] = 1e-9 * (bound + fabs(cov0[t]));
		active[t] = 0;
		cov[t] = cov0[t];
	}

	for (int outer = 0;; outer++)
	{
		bool		changed = false;
		int			drop = -1,
					add = -1;
		double		worst = 0.0,
					most = 0.0;
		bool		any = false;

		/*
		 * One violated term joins at a time, the worst first: its bound may
		 * bring others within theirs, and a set of targets chosen all at
		 * once can contradict the identity that an attribute's covariances
		 * sum to zero.
		 */
		for (uint32_t t = 0; t < T; t++)
		{
			double		bound = prob->terms[t].bound;
			double		excess = (fabs(cov[t]) - bound) / (bound + fabs(cov0[t]));

			if (!active[t] && sigma[t] > 0.0 && fabs(cov[t]) > bound + tol[t] && excess > most)
			{
				most = excess;
				add = (int) t;
			}
		}
		if (add >= 0)
		{
			active[add] = 1;
			target[add] = cov[add] > 0.0 ? prob->terms[add].bound : -prob->terms[add].bound;
			mu[add] = 0.0;
		}
		for (uint32_t t = 0; t < T; t++)
		{
			any |= active[t];
			gap_before[t] = INFINITY;
		}
		/* hold the active terms at their bounds */
		while (any)
		{
			bool		met = true;

			if (++solves > FG_TERMS_AL_MAX_SOLVES)
			{
				st = fg_fail(err, FG_ERR_NOT_CONVERGED,
							 "the search for the Lagrange multipliers did not converge",
							 "Loosen the bounds (option \"c\"), or use the rho penalty instead.",
							 "After %d augmented Lagrangian solves some covariance was still off its bound.",
							 FG_TERMS_AL_MAX_SOLVES);
				goto done;
			}
			for (uint32_t t = 0; t < T; t++)
			{
				double		W = term_weight(prob, t);

				prob->kappa[t] = active[t] ? sigma[t] / (2.0 * W * W) : 0.0;
				prob->lin[t] = active[t] ? (mu[t] - sigma[t] * target[t]) / W : 0.0;
			}
			if ((st = fg_newton_solve(env, prob, opt, delta, ws, stats, err)) != FG_OK)
				goto done;
			*iterations += stats->iterations;
			term_covs(prob, delta, cov);
			for (uint32_t t = 0; t < T; t++)
			{
				double		gap = cov[t] - target[t];

				if (!active[t])
					continue;
				mu[t] += sigma[t] * gap;
				if (fabs(gap) > tol[t])
				{
					met = false;
					/*
					 * too slow: a stiffer quadratic, though not beyond 1e8
					 * times the start (there the fold's Schur complement
					 * would lose the log-likelihood's curvature to rounding)
					 */
					if (fabs(gap) > 0.25 * gap_before[t] && sigma[t] < 1e8 * sigma0[t])
						sigma[t] *= 10.0;
				}
				gap_before[t] = fabs(gap);
			}
			if (met)
				break;
		}
		/* KKT: a term off its bound joins (next round); the worst wrong-signed multiplier leaves */
		for (uint32_t t = 0; t < T; t++)
		{
			double		bound = prob->terms[t].bound;

			if (!active[t] && sigma[t] > 0.0 && fabs(cov[t]) > bound + tol[t])
				changed = true;
			else if (active[t] && bound > 0.0 && mu[t] * target[t] < 0.0 &&
					 fabs(mu[t]) > worst)
			{
				worst = fabs(mu[t]);
				drop = (int) t;
			}
		}
		if (drop >= 0)
		{
			active[drop] = 0;
			mu[drop] = 0.0;
			changed = true;
		}
		if (!changed)
			break;
		if (outer + 1 >= FG_ACTIVE_SET_MAX_ITER)
		{
			st = fg_fail(err, FG_ERR_NOT_CONVERGED,
						 "the active set of the fairness constraints did not settle",
						 "Loosen the bounds (option \"c\"), or use the rho penalty instead.",
						 "After %d changes of the set of binding constraints the KKT conditions still failed.",
						 FG_ACTIVE_SET_MAX_ITER);
			goto done;
		}
	}

	/*
	 * Bounded at zero, the one-vs-rest terms of one attribute and group all
	 * bind (the last one holds once the others do: their covariances sum
	 * to zero), and for the same reason their multipliers are determined
	 * only up to a common constant: report the ones summing to zero.
	 */
	for (uint32_t t0 = 0; t0 < T;)
	{
		uint32_t	t1 = t0 + 1;
		bool		all_zero_bound = prob->terms[t0].bound == 0.0;
		double		mean = mu[t0];

		while (t1 < T && prob->terms[t1].attr == prob->terms[t0].attr &&
			   prob->terms[t1].outcome == prob->terms[t0].outcome)
		{
			all_zero_bound &= prob->terms[t1].bound == 0.0;
			mean += mu[t1];
			t1++;
		}
		if (all_zero_bound && t1 - t0 > 1)
			for (uint32_t t = t0; t < t1; t++)
				mu[t] -= mean / (double) (t1 - t0);
		t0 = t1;
	}

	/* leave the plain Lagrangian J + sum mu_t cov_t, as the one-term search does */
	for (uint32_t t = 0; t < T; t++)
	{
		prob->kappa[t] = 0.0;
		prob->lin[t] = mu[t] / term_weight(prob, t);
	}
	stats->objective = fg_objective(prob, delta, ws->eta);

done:
	fg_release(env, work);
	fg_release(env, active);
	return st;
}

/*
 * The metrics stored with the model: accuracy, the covariance and
 * disparate impact of 1.0 (binary attribute: unweighted formulas, as
 * there), each term's covariance, and each attribute's weighted disparate
 * impact, min over its categories of the share predicted 1 over the max.
 */
static fg_status
training_metrics(const fg_env *env, fg_problem *prob, const fg_options *opt,
				 const fg_terms *terms, const double *delta, const double *eta, fg_fit *fit,
				 fg_error *err)
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
	double		s_bar = 0.0;
	uint32_t	n_attr = data->n_attr == 0 ? 1 : data->n_attr;
	size_t		cells = 0;
	double	   *rate = NULL;
	uint8_t    *yhat_all = NULL;
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

	for (uint32_t a = 0; a < n_attr; a++)
		cells += data->n_attr == 0 ? 2 : data->n_cats[a];
	fit->n_attr = n_attr;
	fit->attr_di = fg_alloc(env, sizeof(double) * n_attr);
	rate = fg_alloc(env, sizeof(double) * 2 * cells);
	if (data->n_attr > 0 || data->w != NULL)
		yhat_all = fg_alloc(env, N ? N : 1);
	if (!fit->attr_di || !rate || ((data->n_attr > 0 || data->w != NULL) && !yhat_all))
	{
		fg_release(env, rate);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	if (s != NULL)
		for (size_t l = 0; l < N; l++)
			s_ones += s[l];
	s_bar = N ? (double) s_ones / (double) N : 0.0;
	s_ones = 0;
	for (size_t l = 0; l < N; l++)
	{
		int			yhat = use_cut ? eta[l] > cut : fg_sigmoid(eta[l]) >= opt->threshold;

		if (use_cut && fabs(eta[l] - cut) <= margin)
			yhat = fg_sigmoid(eta[l]) >= opt->threshold;
		correct += yhat == y[l];
		ones += yhat;
		if (s != NULL)
		{
			s_ones += s[l];
			s_ones_predicted += yhat & s[l];
			cov += (s[l] - s_bar) * eta[l];
		}
		if (yhat_all)
			yhat_all[l] = (uint8_t) yhat;
	}
	fit->train_accuracy = (double) correct / (double) N;
	fit->train_di = NAN;
	if (s != NULL)
	{
		counts.n1 = (int64_t) s_ones;
		counts.pos1 = (int64_t) s_ones_predicted;
		counts.n0 = (int64_t) (N - s_ones);
		counts.pos0 = (int64_t) (ones - s_ones_predicted);
		fit->train_di = fg_disparate_impact(&counts);
		fit->train_cov = cov / (double) N;
	}
	if (yhat_all == NULL)
		fit->attr_di[0] = fit->train_di;
	else
	{
		/* weighted rates per attribute and category: weight, then weight predicted 1 */
		double	   *w_cat = rate;
		double	   *w_pos = rate + cells;

		memset(rate, 0, sizeof(double) * 2 * cells);
		for (size_t l = 0; l < N; l++)
		{
			double		w = data->w ? data->w[l] : 1.0;
			size_t		base = 0;

			for (uint32_t a = 0; a < n_attr; a++)
			{
				uint32_t	j = fg_row_category(data, l, a);

				w_cat[base + j] += w;
				w_pos[base + j] += yhat_all[l] ? w : 0.0;
				base += data->n_attr == 0 ? 2 : data->n_cats[a];
			}
		}
		for (uint32_t a = 0, base = 0; a < n_attr; a++)
		{
			uint32_t	c = data->n_attr == 0 ? 2 : data->n_cats[a];
			double		lo = INFINITY,
						hi = 0.0;

			for (uint32_t j = 0; j < c; j++)
			{
				double		r = w_cat[base + j] > 0.0 ? w_pos[base + j] / w_cat[base + j] : NAN;

				if (isnan(r))
					continue;
				lo = r < lo ? r : lo;
				hi = r > hi ? r : hi;
			}
			fit->attr_di[a] = !(lo <= hi) ? NAN : hi == 0.0 ? 1.0 : lo / hi;
			base += c;
		}
		if (data->n_attr > 0)
			fit->train_di = fit->attr_di[0];
	}
	fg_release(env, rate);
	fg_release(env, yhat_all);

	/* every term's covariance */
	if (terms->n_terms > 0)
	{
		fit->n_terms = terms->n_terms;
		fit->terms = fg_alloc(env, sizeof(fg_term_fit) * terms->n_terms);
		if (fit->terms == NULL)
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		memcpy(fit->terms, terms->term, sizeof(fg_term_fit) * terms->n_terms);
		fg_term_dots(prob, delta, prob->ad);
		for (uint32_t t = 0; t < terms->n_terms; t++)
			fit->terms[t].cov = fit->terms[t].weight > 0.0 ? prob->ad[t] / fit->terms[t].weight : 0.0;
		if (data->n_attr > 0)
			fit->train_cov = fit->terms[0].cov;
	}
	return FG_OK;
}

/* The intercept-only point for weighted rows: logit of the weighted share of ones. */
static void
weighted_start(const fg_data *data, uint32_t m, double *delta)
{
	double		wy = 0.0,
				wt = 0.0;

	for (size_t l = 0; l < data->n_rows; l++)
	{
		wt += data->w[l];
		wy += data->y[l] ? data->w[l] : 0.0;
	}
	memset(delta, 0, sizeof(double) * m);
	delta[0] = log(wy / (wt - wy));
}

fg_status
fg_fit_model(const fg_env *env, const fg_data *data, const fg_options *opt,
			 fg_fit *fit, fg_error *err)
{
	fg_summary	sum;
	fg_problem	prob;
	fg_newton_ws ws;
	fg_solve_stats stats;
	fg_terms	terms;
	double	   *delta = NULL;
	double	   *kappa = NULL;
	double	   *mu = NULL;
	bool		strata = fg_method_uses_strata(opt->method);
	bool		fair = fg_method_is_fair(opt->method);
	bool		constrained = fg_options_constrained(opt);
	/* unfair methods ignore rho; constrained ones replace it by c */
	double		rho = fair && !constrained ? opt->rho : 0.0;
	uint32_t	m;
	fg_status	st;

	memset(fit, 0, sizeof(*fit));
	memset(&ws, 0, sizeof(ws));
	memset(&prob, 0, sizeof(prob));
	memset(&sum, 0, sizeof(sum));
	memset(&terms, 0, sizeof(terms));
	if ((st = check_inputs(data, opt, err)) != FG_OK)
		return st;
	/* one pass gives the collinearity check, a, and the first Newton iteration */
	if ((st = fg_summarize(env, data, strata, &sum, err)) != FG_OK)
		return st;
	/* a ridge on the slopes identifies collinear features too */
	if (opt->l2 == 0.0 && (st = fg_summary_check_collinear(env, data, &sum, err)) != FG_OK)
		goto done;
	if (fair && (st = fg_terms_build(env, data, opt, &sum, strata, &terms, err)) != FG_OK)
		goto done;
	kappa = fg_alloc(env, sizeof(double) * (terms.n_terms ? terms.n_terms : 1));
	mu = fg_alloc(env, sizeof(double) * (terms.n_terms ? terms.n_terms : 1));
	if (!kappa || !mu)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}
	/* rho N cov_t^2 = kappa_t (a_t'delta)^2; for W_t = N this is rho / N exactly */
	for (uint32_t t = 0; t < terms.n_terms; t++)
	{
		double		W = terms.term[t].weight;

		kappa[t] = W > 0.0 ? (rho / W) * (terms.weight_sum / W) : 0.0;
	}
	if ((st = fg_problem_init(env, data, strata, opt->lambda, opt->l2, terms.n_terms, terms.A,
							  kappa, &prob, err)) != FG_OK)
		goto done;
	prob.terms = terms.term;
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
	if (data->w == NULL)
		fg_newton_start_intercept_only(&prob, &sum, delta, &ws);
	else
		weighted_start(data, m, delta);

	if (constrained && terms.n_terms == 1)
	{
		st = solve_constrained(env, &prob, opt, terms.term[0].bound, delta, &ws, &stats,
							   &fit->iterations, &fit->multiplier, err);
		/* the signed multiplier of J + mu cov, as the search leaves it in lin */
		mu[0] = prob.lin[0] * term_weight(&prob, 0);
	}
	else if (constrained)
		st = solve_constrained_terms(env, &prob, opt, delta, &ws, &stats,
									 &fit->iterations, mu, err);
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
	fit->weight_sum = terms.n_terms ? terms.weight_sum : (double) data->n_rows;
	if (data->w != NULL && terms.n_terms == 0)
	{
		fit->weight_sum = 0.0;
		for (size_t l = 0; l < data->n_rows; l++)
			fit->weight_sum += data->w[l];
	}
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
	 * Report J itself, without the multipliers' linear terms: the last pass
	 * computed J at delta with the same blocks fg_objective uses.  For
	 * boosting the ridge on b is the fitted prior 1 / (2 Q).
	 */
	fg_term_dots(&prob, delta, prob.ad);
	if (fg_method_is_boosting(opt->method))
	{
		for (uint32_t t = 0; t < prob.n_terms; t++)
			prob.lin[t] = 0.0;
		prob.lambda = 0.5 / fit->q;
		fit->objective = fg_objective(&prob, delta, ws.eta);
	}
	else
	{
		double		linear = 0.0;

		for (uint32_t t = 0; t < prob.n_terms; t++)
			linear += prob.lin[t] * prob.ad[t];
		fit->objective = stats.objective - linear;
	}
	for (uint32_t t = 0; t < prob.n_terms; t++)
		prob.lin[t] = 0.0;
	if ((st = training_metrics(env, &prob, opt, &terms, delta, ws.eta, fit, err)) != FG_OK)
		goto done;
	for (uint32_t t = 0; t < fit->n_terms; t++)
		fit->terms[t].multiplier = constrained ? mu[t] : 0.0;

done:
	fg_summary_free(env, &sum);
	fg_release(env, delta);
	fg_release(env, kappa);
	fg_release(env, mu);
	fg_newton_ws_free(env, &ws);
	fg_problem_free(env, &prob);
	fg_terms_free(env, &terms);
	if (st != FG_OK)
		fg_fit_release(env, fit);
	return st;
}

void
fg_fit_release(const fg_env *env, fg_fit *fit)
{
	fg_release(env, fit->beta);
	fg_release(env, fit->b);
	fg_release(env, fit->stratum_rows);
	fg_release(env, fit->selected);
	fg_release(env, fit->unidentified);
	fg_release(env, fit->terms);
	fg_release(env, fit->attr_di);
	memset(fit, 0, sizeof(*fit));
}
