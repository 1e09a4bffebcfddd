/*
 * newton.c -- damped Newton's method for LR, Fair LR, CRLR and Fair CRLR.
 *
 * One iteration makes one pass over the rows to build the gradient and the
 * arrow-structured Hessian
 *
 *        [ F   G ]     F = sum w [1,x][1,x]'        (k x k, dense, via dsyrk)
 *   H0 = [ G'  E ]     G = stratum sums of w [1,x]  (stored n x k)
 *                      E = diag(stratum sums of w + 2 lambda)
 *
 * plus the rank-one fairness term (2 rho / N) a a'.  H0 is solved by
 * eliminating the diagonal block (Schur complement S = F - G E^-1 G',
 * Cholesky via LAPACKE) and the rank-one term by Sherman-Morrison, so an
 * iteration costs O(N k^2 + n k^2 + k^3) and memory stays O(N + n k).
 */
#include "newton.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Rows handled per dsyrk call: large enough for BLAS, small enough for cache. */
#define FG_BLOCK_ROWS 256
/* Rows between interrupt checks in long passes. */
#define FG_INTERRUPT_ROWS (1 << 16)
/* |eta| beyond which a fitted probability is 0 or 1 to double precision. */
#define FG_SEPARATION_ETA 30.0

static inline void
poll_interrupts(const fg_env *env)
{
	if (env->check_interrupts)
		env->check_interrupts(env->ctx);
}

/*
 * Rows between interrupt checks in a pass that costs about k^2 per row (a
 * dsyrk over k columns): about 2^26 multiply-adds, a few milliseconds, at
 * any width.  Counting rows alone left 65536 rows x k^2 between checks, a
 * second or more once k reaches a few hundred.  A multiple of FG_BLOCK_ROWS.
 */
static size_t
poll_every(int k)
{
	size_t		rows = ((size_t) 1 << 26) / ((size_t) k * (size_t) k + 1);

	rows -= rows % FG_BLOCK_ROWS;
	if (rows < FG_BLOCK_ROWS)
		return FG_BLOCK_ROWS;
	return rows > FG_INTERRUPT_ROWS ? FG_INTERRUPT_ROWS : rows;
}

/* "x3" or the caller's name for feature j, for messages. */
static const char *
feature_label(const fg_data *data, int j, char *buf, size_t len)
{
	if (data->feature_names)
		return data->feature_names[j];
	snprintf(buf, len, "x%d", j + 1);
	return buf;
}

static inline const double *
row_x(const fg_data *data, size_t l)
{
	return fg_data_row(data, l);
}

fg_status
fg_problem_init(const fg_env *env, const fg_data *data, bool with_strata,
				double lambda, double rho, fg_problem *prob, fg_error *err)
{
	size_t		N = data->n_rows;
	int			p = data->p;
	double		s_sum = 0.0;

	memset(prob, 0, sizeof(*prob));
	prob->data = data;
	prob->k = 1 + p;
	prob->n = with_strata ? data->n_strata : 0;
	prob->lambda = with_strata ? lambda : 0.0;
	prob->rho_over_n = rho / (double) N;
	prob->a = fg_alloc(env, sizeof(double) * (prob->k + prob->n));
	if (prob->a == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);

	for (size_t l = 0; l < N; l++)
		s_sum += data->s[l];
	prob->s_bar = s_sum / (double) N;

	/* a's intercept entry is sum (s - s_bar) = 0 exactly in exact arithmetic */
	for (size_t l = 0; l < N; l++)
	{
		double		ds = data->s[l] - prob->s_bar;
		const double *x = row_x(data, l);

		for (int j = 0; j < p; j++)
			prob->a[1 + j] += ds * x[j];
		if (prob->n > 0)
			prob->a[prob->k + data->stratum[l]] += ds;
	}
	prob->a[0] = 0.0;
	return FG_OK;
}

void
fg_compute_eta(const fg_problem *prob, const double *delta, double *eta)
{
	const fg_data *data = prob->data;
	size_t		N = data->n_rows;
	int			p = data->p;

	if (p > 0)
	{
		/* chunks keep every BLAS dimension far below INT_MAX */
		for (size_t r0 = 0; r0 < N;)
		{
			size_t		rows = fg_data_run(data, r0, N - r0 < FG_INTERRUPT_ROWS ? N - r0 : FG_INTERRUPT_ROWS);

			cblas_dgemv(CblasRowMajor, CblasNoTrans, (int) rows, p, 1.0,
						row_x(data, r0), p, delta + 1, 1, 0.0, eta + r0, 1);
			r0 += rows;
		}
	}
	else
		memset(eta, 0, sizeof(double) * N);

	for (size_t l = 0; l < N; l++)
		eta[l] += delta[0];
	if (prob->n > 0)
		for (size_t l = 0; l < N; l++)
			eta[l] += delta[prob->k + data->stratum[l]];
}

double
fg_a_dot(const fg_problem *prob, const double *delta)
{
	double		sum = 0.0;

	for (uint32_t j = 0; j < prob->k + prob->n; j++)
		sum += prob->a[j] * delta[j];
	return sum;
}

/*
 * log(1 + u) for u in [0, 1], given inv = 1 / (1 + u).  With v = 1 + u
 * rounded, log(v) is off by the rounding error of v, which
 * ((v - 1) - u) / v removes to first order (Goldberg's correction); this
 * is as accurate as log1p and, with the reciprocal already at hand, a good
 * deal cheaper than glibc's log1p, which dominated a Newton pass.
 */
static inline double
log1p_unit(double u, double inv)
{
	double		v = 1.0 + u;

	return log(v) - ((v - 1.0) - u) * inv;
}

/*
 * The loss of one row, log(1 + e^eta) - y eta, written with u = exp(-|eta|)
 * so that it never overflows; assemble() computes the same expression from
 * the u it shares with mu, so every evaluation of J rounds alike.
 */
static inline double
row_loss(double eta, uint8_t y)
{
	double		u = exp(-fabs(eta));

	return (eta > 0.0 ? eta : 0.0) + log1p_unit(u, 1.0 / (1.0 + u)) - (y ? eta : 0.0);
}

/* Penalty and linear terms of J, which depend on delta only. */
static double
penalty_terms(const fg_problem *prob, const double *b, double a_delta)
{
	double		bb = 0.0;

	for (uint32_t i = 0; i < prob->n; i++)
		bb += b[i] * b[i];
	return prob->lambda * bb + prob->rho_over_n * a_delta * a_delta + prob->lin * a_delta;
}

double
fg_objective(const fg_problem *prob, const double *delta, const double *eta)
{
	const fg_data *data = prob->data;
	double		loss = 0.0;

	for (size_t l = 0; l < data->n_rows; l++)
		loss += row_loss(eta[l], data->y[l]);
	return loss + penalty_terms(prob, delta + prob->k, fg_a_dot(prob, delta));
}

/* J(delta + t step) from eta and deta, without storing the trial point. */
static double
objective_along(const fg_problem *prob, const double *delta, const double *step,
				const double *eta, const double *deta, double t, double *trial_b)
{
	const fg_data *data = prob->data;
	double		loss = 0.0;
	double		a_delta = fg_a_dot(prob, delta) + t * fg_a_dot(prob, step);

	for (size_t l = 0; l < data->n_rows; l++)
	{
		double		e = eta[l] + t * deta[l];

		loss += row_loss(e, data->y[l]);
	}
	for (uint32_t i = 0; i < prob->n; i++)
		trial_b[i] = delta[prob->k + i] + t * step[prob->k + i];
	return loss + penalty_terms(prob, trial_b, a_delta);
}

fg_status
fg_newton_ws_init(const fg_env *env, const fg_problem *prob, fg_newton_ws *ws, fg_error *err)
{
	size_t		N = prob->data->n_rows;
	size_t		m = (size_t) prob->k + prob->n;
	size_t		k = prob->k;

	memset(ws, 0, sizeof(*ws));
	/* N-vectors are always written before they are read: no zeroing */
	ws->eta = fg_alloc_uninit(env, sizeof(double) * N);
	ws->deta = fg_alloc_uninit(env, sizeof(double) * N);
	ws->eta_next = fg_alloc_uninit(env, sizeof(double) * N);
	ws->resid = fg_alloc(env, sizeof(double) * FG_BLOCK_ROWS);
	ws->delta_next = fg_alloc(env, sizeof(double) * m);
	ws->grad = fg_alloc(env, sizeof(double) * m);
	ws->step = fg_alloc(env, sizeof(double) * m);
	ws->tmp = fg_alloc(env, sizeof(double) * m);
	ws->tmp2 = fg_alloc(env, sizeof(double) * m);
	ws->Ha = fg_alloc(env, sizeof(double) * m);
	ws->F = fg_alloc(env, sizeof(double) * k * k);
	ws->G = fg_alloc(env, sizeof(double) * (prob->n ? prob->n : 1) * k);
	ws->E = fg_alloc(env, sizeof(double) * (prob->n ? prob->n : 1));
	ws->block = fg_alloc(env, sizeof(double) * FG_BLOCK_ROWS * k);
	if (!ws->eta || !ws->deta || !ws->eta_next || !ws->resid || !ws->delta_next ||
		!ws->grad || !ws->step ||
		!ws->tmp || !ws->tmp2 || !ws->Ha || !ws->F || !ws->G || !ws->E || !ws->block)
	{
		fg_newton_ws_free(env, ws);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL,
					   "The Newton workspace for %zu rows could not be allocated.", N);
	}
	return FG_OK;
}

void
fg_newton_ws_free(const fg_env *env, fg_newton_ws *ws)
{
	fg_release(env, ws->eta);
	fg_release(env, ws->deta);
	fg_release(env, ws->eta_next);
	fg_release(env, ws->resid);
	fg_release(env, ws->delta_next);
	fg_release(env, ws->grad);
	fg_release(env, ws->step);
	fg_release(env, ws->tmp);
	fg_release(env, ws->tmp2);
	fg_release(env, ws->Ha);
	fg_release(env, ws->F);
	fg_release(env, ws->G);
	fg_release(env, ws->E);
	fg_release(env, ws->block);
	memset(ws, 0, sizeof(*ws));
}

/*
 * One pass over the rows at the trial point ws->delta_next, whose linear
 * predictor is eta + t deta.  deta is taken from ws->deta, or, when step is
 * given, computed in the same pass as [1, x, e_g]'step and stored in
 * ws->deta (for a shorter step later).  The pass stores the trial linear
 * predictor in ws->eta_next, returns the objective there, and builds the
 * gradient (ws->grad) and, when hessian is set, the blocks F, G and E of the
 * Hessian (E without the ridge yet).  Objective and Hessian share one
 * exponential per row, so a Newton iteration that accepts its full step
 * costs one pass over the rows.
 */
static double
assemble(const fg_env *env, const fg_problem *prob, const double *step, double t,
		 bool hessian, fg_newton_ws *ws, double *max_abs_eta)
{
	const fg_data *data = prob->data;
	const double *delta = ws->delta_next;
	const double *eta = ws->eta;
	double	   *deta = ws->deta;
	size_t		N = data->n_rows;
	int			p = data->p;
	int			k = prob->k;
	uint32_t	n = prob->n;
	double		a_delta;
	double		loss = 0.0;
	double		grad0 = 0.0;
	double		max_eta = 0.0;

	memset(ws->grad, 0, sizeof(double) * (k + n));
	if (hessian)
	{
		memset(ws->F, 0, sizeof(double) * k * k);
		if (n > 0)
		{
			memset(ws->G, 0, sizeof(double) * n * k);
			memset(ws->E, 0, sizeof(double) * n);
		}
	}

	for (size_t r0 = 0, every = poll_every(k); r0 < N; r0 += FG_BLOCK_ROWS)
	{
		size_t		rows = N - r0 < FG_BLOCK_ROWS ? N - r0 : FG_BLOCK_ROWS;

		if (r0 % every == 0)
			poll_interrupts(env);

		for (size_t q = 0; q < rows; q++)
		{
			size_t		l = r0 + q;
			const double *restrict x = row_x(data, l);
			uint32_t	g = n > 0 ? data->stratum[l] : 0;
			double		e,
						ae,
						u,
						inv,
						mu,
						w,
						r;

			if (step != NULL)
			{
				double		d = step[0] + (n > 0 ? step[k + g] : 0.0);

				for (int j = 0; j < p; j++)
					d += step[1 + j] * x[j];
				deta[l] = d;
			}
			e = t == 0.0 ? eta[l] : eta[l] + t * deta[l];
			ae = fabs(e);
			/* u = exp(-|e|) gives the loss, mu and w = mu (1 - mu) = u / (1 + u)^2 */
			u = exp(-ae);
			inv = 1.0 / (1.0 + u);
			mu = e >= 0.0 ? inv : u * inv;
			w = u * inv * inv;
			r = mu - data->y[l];

			ws->eta_next[l] = e;
			if (ae > max_eta)
				max_eta = ae;
			loss += (e > 0.0 ? e : 0.0) + log1p_unit(u, inv) - (data->y[l] ? e : 0.0);
			ws->resid[q] = r;
			grad0 += r;
			if (n > 0)
				ws->grad[k + g] += r;
			if (hessian)
			{
				double		sw = sqrt(w);
				double	   *restrict brow = ws->block + q * k;

				brow[0] = sw;
				for (int j = 0; j < p; j++)
					brow[1 + j] = sw * x[j];
				if (n > 0)
				{
					double	   *restrict Gg = ws->G + (size_t) g * k;

					/* w [1, x] = sw * brow */
					for (int j = 0; j < k; j++)
						Gg[j] += sw * brow[j];
					ws->E[g] += w;
				}
			}
		}
		/* F += block' block, upper triangle */
		if (hessian)
			cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, k, (int) rows, 1.0,
						ws->block, k, 1.0, ws->F, k);
		/* gradient += X' resid, one BLAS call per contiguous run of rows */
		for (size_t q0 = 0; p > 0 && q0 < rows;)
		{
			size_t		run = fg_data_run(data, r0 + q0, rows - q0);

			cblas_dgemv(CblasRowMajor, CblasTrans, (int) run, p, 1.0,
						row_x(data, r0 + q0), p, ws->resid + q0, 1, 1.0, ws->grad + 1, 1);
			q0 += run;
		}
	}
	ws->grad[0] += grad0;

	/* penalty gradients */
	a_delta = fg_a_dot(prob, delta);
	for (uint32_t i = 0; i < n; i++)
		ws->grad[k + i] += 2.0 * prob->lambda * delta[k + i];
	{
		double		coef = 2.0 * prob->rho_over_n * a_delta + prob->lin;

		if (coef != 0.0)
			for (uint32_t j = 0; j < k + n; j++)
				ws->grad[j] += coef * prob->a[j];
	}
	*max_abs_eta = max_eta;
	return loss + penalty_terms(prob, delta + k, a_delta);
}

/* Make the trial point of the last assemble() the current one. */
static void
accept_trial(const fg_problem *prob, double *delta, fg_newton_ws *ws)
{
	double	   *tmp = ws->eta;

	memcpy(delta, ws->delta_next, sizeof(double) * (prob->k + prob->n));
	ws->eta = ws->eta_next;
	ws->eta_next = tmp;
}

/* Schur complement and its Cholesky factor in ws->F; G is scaled by E^-1/2. */
static fg_status
factor(const fg_problem *prob, fg_newton_ws *ws, double max_abs_eta, fg_error *err)
{
	int			k = prob->k;
	uint32_t	n = prob->n;
	lapack_int	info;

	if (n > 0)
	{
		for (uint32_t i = 0; i < n; i++)
		{
			double		e = ws->E[i] + 2.0 * prob->lambda;
			double		inv_sqrt = 1.0 / sqrt(e);

			ws->E[i] = e;
			for (int j = 0; j < k; j++)
				ws->G[(size_t) i * k + j] *= inv_sqrt;
		}
		/* S = F - Gs' Gs */
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, k, (int) n, -1.0,
					ws->G, k, 1.0, ws->F, k);
	}
	info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', k, ws->F, k);
	if (info != 0)
	{
		if (max_abs_eta > FG_SEPARATION_ETA)
			return fg_fail(err, FG_ERR_SEPARATION,
						   "the classes are separated by the features",
						   "Remove or merge the features that predict y perfectly.",
						   "Fitted probabilities reached 0 or 1 and the Hessian became singular, so the coefficients have no finite maximum likelihood estimate.");
		/* LAPACKE's own NaN check reports an "illegal" argument */
		if (info < 0)
			return fg_fail(err, FG_ERR_NUMERIC, "the Hessian is not finite",
						   "Rescale the features; values beyond about 1e150 in magnitude overflow double precision.",
						   "The %d x %d Schur complement has infinite or NaN entries.", k, k);
		return fg_fail(err, FG_ERR_NUMERIC, "the Hessian is not positive definite",
					   "Rescale the features or check them for near-collinearity.",
					   "The Cholesky factorisation of the %d x %d Schur complement failed at column %d.",
					   k, k, (int) info);
	}
	return FG_OK;
}

/* x = H0^-1 r using the factor: the arrow system only, no rank-one term. */
static void
solve_h0(const fg_problem *prob, fg_newton_ws *ws, const double *r, double *x)
{
	int			k = prob->k;
	uint32_t	n = prob->n;

	memcpy(x, r, sizeof(double) * k);
	if (n > 0)
	{
		/* x_f = r_f - Gs' (r_b ./ sqrt(E)) */
		for (uint32_t i = 0; i < n; i++)
			ws->tmp2[i] = r[k + i] / sqrt(ws->E[i]);
		cblas_dgemv(CblasRowMajor, CblasTrans, (int) n, k, -1.0, ws->G, k,
					ws->tmp2, 1, 1.0, x, 1);
	}
	LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', k, 1, ws->F, k, x, 1);
	if (n > 0)
	{
		/* x_b = r_b / E - (Gs x_f) ./ sqrt(E) */
		cblas_dgemv(CblasRowMajor, CblasNoTrans, (int) n, k, 1.0, ws->G, k,
					x, 1, 0.0, ws->tmp2, 1);
		for (uint32_t i = 0; i < n; i++)
			x[k + i] = r[k + i] / ws->E[i] - ws->tmp2[i] / sqrt(ws->E[i]);
	}
}

/* After factor(): prepare the Sherman-Morrison vector H0^-1 a. */
static void
prepare_rank_one(const fg_problem *prob, fg_newton_ws *ws)
{
	if (prob->rho_over_n > 0.0)
		solve_h0(prob, ws, prob->a, ws->Ha);
}

void
fg_newton_solve_h(const fg_problem *prob, fg_newton_ws *ws, const double *r, double *x)
{
	solve_h0(prob, ws, r, x);
	if (prob->rho_over_n > 0.0)
	{
		uint32_t	m = prob->k + prob->n;
		double		pen = 2.0 * prob->rho_over_n;
		double		a_x = 0.0,
					a_ha = 0.0;

		for (uint32_t j = 0; j < m; j++)
		{
			a_x += prob->a[j] * x[j];
			a_ha += prob->a[j] * ws->Ha[j];
		}
		{
			double		scale = pen * a_x / (1.0 + pen * a_ha);

			for (uint32_t j = 0; j < m; j++)
				x[j] -= scale * ws->Ha[j];
		}
	}
}

fg_status
fg_newton_factor_at(const fg_env *env, const fg_problem *prob, const double *delta,
					fg_newton_ws *ws, fg_error *err)
{
	double		max_abs_eta;

	/*
	 * A pass at delta itself: a zero step from ws->eta.  The trial buffers
	 * are not swapped in, so ws->eta stays the caller's linear predictor.
	 */
	memcpy(ws->delta_next, delta, sizeof(double) * (prob->k + prob->n));
	memset(ws->deta, 0, sizeof(double) * prob->data->n_rows);
	(void) assemble(env, prob, NULL, 0.0, true, ws, &max_abs_eta);
	return factor(prob, ws, 0.0, err);
}

void
fg_newton_b_variances(const fg_problem *prob, fg_newton_ws *ws, double *v)
{
	int			k = prob->k;
	uint32_t	n = prob->n;

	/*
	 * With H = [F G; G' E] and S = F - G E^-1 G' = U'U, the b block of H^-1
	 * is E^-1 + E^-1 G' S^-1 G E^-1; its diagonal entry i is
	 * (1 + ||U^-T Gs_i||^2) / E_i, where Gs_i = G_i / sqrt(E_i) is what
	 * factor() left in ws->G.  Solve for all strata at once.
	 */
	cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit,
				(int) n, k, 1.0, ws->F, k, ws->G, k);
	for (uint32_t i = 0; i < n; i++)
	{
		double		q = 0.0;

		for (int j = 0; j < k; j++)
			q += ws->G[(size_t) i * k + j] * ws->G[(size_t) i * k + j];
		v[i] = (1.0 + q) / ws->E[i];
	}
}

static double
norm2(const double *v, size_t len)
{
	double		s = 0.0;

	for (size_t i = 0; i < len; i++)
		s += v[i] * v[i];
	return sqrt(s);
}

fg_status
fg_newton_solve(const fg_env *env, const fg_problem *prob, const fg_options *opt,
				double *delta, fg_newton_ws *ws, fg_solve_stats *stats, fg_error *err)
{
	uint32_t	m = prob->k + prob->n;
	double		J;
	fg_status	st;
	int			it = 0;
	bool		finishing = false;

	memset(stats, 0, sizeof(*stats));
	fg_compute_eta(prob, delta, ws->eta);
	memcpy(ws->delta_next, delta, sizeof(double) * m);
	J = assemble(env, prob, NULL, 0.0, true, ws, &stats->max_abs_eta);
	accept_trial(prob, delta, ws);

	for (;;)
	{
		double		dec = 0.0;
		double		t = 1.0;
		double		Jt;
		bool		accepted = false;

		/* here grad, F, G and E describe the current point delta */
		poll_interrupts(env);
		stats->grad_norm = norm2(ws->grad, m);
		if (finishing && prob->final_gradient_only)
			break;
		if ((st = factor(prob, ws, stats->max_abs_eta, err)) != FG_OK)
			return st;
		prepare_rank_one(prob, ws);
		/* the gradient and factor now describe the point we return */
		if (finishing || it >= opt->max_iter)
			break;

		fg_newton_solve_h(prob, ws, ws->grad, ws->step);
		for (uint32_t j = 0; j < m; j++)
		{
			ws->step[j] = -ws->step[j];
			dec -= ws->grad[j] * ws->step[j];
		}
		if (!(dec >= 0.0) || !isfinite(dec))
			return fg_fail(err, FG_ERR_NUMERIC, "Newton's method produced a non-finite step",
						   "Rescale the features, or lower rho; very large values overflow double precision.",
						   "The Newton decrement was %g.", dec);
		/*
		 * Converged when the predicted decrease dec/2 is negligible: one last
		 * full step costs one pass and, by quadratic convergence, leaves the
		 * gradient at rounding level.  Otherwise backtrack (Armijo).  The
		 * full step is tried with a complete pass, which the next iteration
		 * reuses when the step is accepted, as it nearly always is.  That
		 * pass also computes the step's change of the linear predictor
		 * (eta is linear in delta), kept for shorter steps.
		 */
		finishing = dec / 2.0 <= opt->tol * fmax(1.0, fabs(J));
		for (uint32_t j = 0; j < m; j++)
			ws->delta_next[j] = delta[j] + ws->step[j];
		Jt = assemble(env, prob, ws->step, 1.0, !(finishing && prob->final_gradient_only),
					  ws, &stats->max_abs_eta);
		if (finishing || Jt <= J - 1e-4 * dec)
			accepted = true;
		else
		{
			/* shorter steps, objective only; then one full pass at the one taken */
			for (int halvings = 1; halvings < 60 && !accepted; halvings++)
			{
				/* each trial is a pass over the rows; at the rounding floor all 60 run */
				poll_interrupts(env);
				t *= 0.5;
				Jt = objective_along(prob, delta, ws->step, ws->eta, ws->deta, t, ws->tmp);
				accepted = Jt <= J - 1e-4 * t * dec;
			}
			if (accepted)
			{
				for (uint32_t j = 0; j < m; j++)
					ws->delta_next[j] = delta[j] + t * ws->step[j];
				Jt = assemble(env, prob, NULL, t, true, ws, &stats->max_abs_eta);
			}
		}
		if (!accepted)
		{
			/* no decrease is measurable: we sit at the rounding floor of J */
			if (dec / 2.0 <= 1e-9 * fmax(1.0, fabs(J)))
			{
				/* the blocks were overwritten by trial points: rebuild them here */
				memcpy(ws->delta_next, delta, sizeof(double) * m);
				J = assemble(env, prob, NULL, 0.0, true, ws, &stats->max_abs_eta);
				accept_trial(prob, delta, ws);
				stats->grad_norm = norm2(ws->grad, m);
				if ((st = factor(prob, ws, stats->max_abs_eta, err)) != FG_OK)
					return st;
				prepare_rank_one(prob, ws);
				stats->converged = true;
				break;
			}
			return fg_fail(err, FG_ERR_NUMERIC, "line search failed to decrease the objective",
						   "Rescale the features, or lower rho; badly scaled problems can defeat the line search.",
						   "After 60 halvings the step still did not decrease the objective (Newton decrement %g).", dec);
		}
		if (finishing)
			stats->converged = true;
		accept_trial(prob, delta, ws);
		J = Jt;
		it++;
	}

	stats->iterations = it;
	stats->objective = J;
	if (stats->max_abs_eta > FG_SEPARATION_ETA)
		return fg_fail(err, FG_ERR_SEPARATION,
					   "the classes are separated by the features",
					   "Remove or merge the features that predict y perfectly.",
					   "Some fitted probabilities are 0 or 1 to double precision (|eta| > %.0f), so the maximum likelihood estimate does not exist.",
					   FG_SEPARATION_ETA);
	return FG_OK;
}

fg_status
fg_check_collinear(const fg_env *env, const fg_data *data, fg_error *err)
{
	size_t		N = data->n_rows;
	int			p = data->p;
	double	   *amax,
			   *mean,
			   *scale,
			   *R,
			   *block;
	lapack_int *piv;
	lapack_int	rank = 0,
				info;
	fg_status	st = FG_OK;
	char		label[32];

	if (p == 0)
		return FG_OK;
	amax = fg_alloc(env, sizeof(double) * p);
	mean = fg_alloc(env, sizeof(double) * p);
	scale = fg_alloc(env, sizeof(double) * p);
	R = fg_alloc(env, sizeof(double) * p * p);
	block = fg_alloc(env, sizeof(double) * FG_BLOCK_ROWS * p);
	piv = fg_alloc(env, sizeof(lapack_int) * p);
	if (!amax || !mean || !scale || !R || !block || !piv)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}

	/*
	 * Work on every column divided by its largest magnitude, so that the
	 * sums of squares below neither overflow (|x| near 1e300) nor underflow
	 * (|x| near 1e-300): the test is the same at every scale.
	 */
	for (size_t l = 0; l < N; l++)
		for (int j = 0; j < p; j++)
			amax[j] = fmax(amax[j], fabs(row_x(data, l)[j]));
	for (int j = 0; j < p; j++)
		if (amax[j] == 0.0)
			amax[j] = 1.0;		/* all zero: constant, found below */
	for (size_t l = 0; l < N; l++)
		for (int j = 0; j < p; j++)
			mean[j] += row_x(data, l)[j] / amax[j];
	for (int j = 0; j < p; j++)
		mean[j] /= (double) N;
	for (size_t l = 0; l < N; l++)
		for (int j = 0; j < p; j++)
		{
			double		d = row_x(data, l)[j] / amax[j] - mean[j];

			scale[j] += d * d;
		}
	for (int j = 0; j < p; j++)
	{
		/* a column with no spread is a copy of the intercept */
		if (!(scale[j] > 1e-24 * fmax(1.0, mean[j] * mean[j]) * (double) N))
		{
			st = fg_fail(err, FG_ERR_COLLINEAR, "feature is constant",
						 "Drop the feature; the intercept already models a constant.",
						 "Feature %s takes the same value in every row used for training.",
						 feature_label(data, j, label, sizeof(label)));
			goto done;
		}
		scale[j] = 1.0 / sqrt(scale[j]);
	}

	/* correlation matrix of the columns, blockwise */
	for (size_t r0 = 0, every = poll_every(p); r0 < N; r0 += FG_BLOCK_ROWS)
	{
		size_t		rows = N - r0 < FG_BLOCK_ROWS ? N - r0 : FG_BLOCK_ROWS;

		if (r0 % every == 0)
			poll_interrupts(env);
		for (size_t q = 0; q < rows; q++)
			for (int j = 0; j < p; j++)
				block[q * p + j] = (row_x(data, r0 + q)[j] / amax[j] - mean[j]) * scale[j];
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, p, (int) rows, 1.0,
					block, p, 1.0, R, p);
	}

	/* pivoted Cholesky: a column that adds (almost) nothing new ends the rank */
	info = LAPACKE_dpstrf(LAPACK_ROW_MAJOR, 'U', p, R, p, piv, &rank, 1e-10);
	if (info < 0)
		st = fg_fail(err, FG_ERR_NUMERIC, "could not check the features for collinearity",
					 NULL, "LAPACKE_dpstrf returned %d.", (int) info);
	else if (rank < p)
	{
		st = fg_fail(err, FG_ERR_COLLINEAR, "features are collinear",
					 "Drop one of the collinear features.",
					 "Feature %s is a linear combination of the intercept and the other features (rank %d of %d).",
					 feature_label(data, piv[rank] - 1, label, sizeof(label)),
					 (int) rank + 1, p + 1);
	}

done:
	fg_release(env, amax);
	fg_release(env, mean);
	fg_release(env, scale);
	fg_release(env, R);
	fg_release(env, block);
	fg_release(env, piv);
	return st;
}
