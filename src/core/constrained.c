/*
 * constrained.c -- the constrained form of the fair Newton methods: 1.0's
 * multiplier search for one term, an augmented Lagrangian when the
 * unconstrained minimum lies at infinity, and an active set for several
 * terms.  docs/design.md ("The constrained form") has the reasoning.
 */
#include "constrained.h"
#include "separation.h"

#include <math.h>
#include <string.h>

/* Outer iterations of the multiplier search in the constrained form. */
#define FG_MULTIPLIER_MAX_ITER 200

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
	double	   *work = fg_alloc(env, sizeof(double) * 7 * T);
	double		N = 0.0;
	double		cov_scale = 0.0;
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
	/* the weight of every row (rows when unweighted), and the covariances' scale */
	N = prob->passes ? prob->passes->weight : fg_data_weight(prob->data);
	for (uint32_t t = 0; t < T; t++)
		cov_scale = fmax(cov_scale, fabs(cov0[t]));
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
		/* 1.0's tolerance, but on the largest covariance's scale: a term already near 0 needs no more */
		tol[t] = 1e-9 * ((isfinite(bound) ? bound : 0.0) + cov_scale);
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
		/* the last term held was let go: the point without any bound */
		if (!any && outer > 0)
		{
			for (uint32_t t = 0; t < T; t++)
				prob->kappa[t] = prob->lin[t] = 0.0;
			if ((st = fg_newton_solve(env, prob, opt, delta, ws, stats, err)) != FG_OK)
				goto done;
			*iterations += stats->iterations;
			term_covs(prob, delta, cov);
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
			/* the next round solves again without it */
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


fg_status
fg_solve_constrained(const fg_env *env, fg_problem *prob, const fg_options *opt,
					 double *delta, fg_newton_ws *ws, fg_solve_stats *stats,
					 int *iterations, double *mu, double *multiplier, fg_error *err)
{
	fg_status	st;

	if (prob->n_terms == 1)
	{
		st = solve_constrained(env, prob, opt, prob->terms[0].bound, delta, ws, stats,
							   iterations, multiplier, err);
		/* the signed multiplier of J + mu cov, as the search leaves it in lin */
		mu[0] = prob->lin[0] * term_weight(prob, 0);
		return st;
	}
	*multiplier = NAN;
	return solve_constrained_terms(env, prob, opt, delta, ws, stats, iterations, mu, err);
}
