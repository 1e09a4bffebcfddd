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
 * plus the ridge 2 l2 on the slopes' diagonal and the fairness terms
 * sum_t 2 kappa_t a_t a_t' (rank T).  The system is solved by eliminating the
 * stratum block (Schur complement, Cholesky via LAPACKE), with the rank-T
 * term folded into the Schur complement (see factor()), so an iteration
 * costs O(N k^2 + n k (k + T) + k^3 + T^3) and memory stays O(N + n (k + T)).
 * With row weights every row's loss, gradient and Hessian contribution is
 * multiplied by its weight.
 */
#include "newton.h"
#include "exp_nonpositive.h"
#include "pass.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

/* |eta| beyond which a fitted probability is 0 or 1 to double precision. */
#define FG_SEPARATION_ETA 30.0
/* predicted next decrement / tolerance below which a chord step may end the solve */
#define FG_CHORD_MARGIN 0.01
/*
 * predicted next decrement / tolerance below which a run of chord steps
 * ends: their error shrinks by a factor per step, not quadratically, so the
 * last one must land far below the tolerance to be as close to the optimum
 * as a solve that ends with an exact Newton step
 */
#define FG_CHORD_END_MARGIN 1e-4
/* chord steps go on while each decrement is at most this share of the last */
#define FG_CHORD_CONTRACTION 0.1
/* per-row scratch columns of one block in assemble(): resid, h, inv, w, sqrt(w) */
#define FG_ROWBUF_COLS 5

static inline const double *
row_x(const fg_data *data, size_t l)
{
	return fg_data_row(data, l);
}

fg_status
fg_problem_init(const fg_env *env, const fg_data *data, bool with_strata,
				double lambda, double l2, uint32_t n_terms, const double *A,
				const double *kappa, fg_problem *prob, fg_error *err)
{
	size_t		T = n_terms ? n_terms : 1;

	memset(prob, 0, sizeof(*prob));
	prob->data = data;
	prob->k = 1 + data->p;
	prob->n = with_strata ? data->n_strata : 0;
	prob->lambda = with_strata ? lambda : 0.0;
	prob->l2 = l2;
	prob->n_terms = n_terms;
	prob->A = A;
	prob->kappa = fg_alloc(env, sizeof(double) * T);
	prob->lin = fg_alloc(env, sizeof(double) * T);
	prob->ad = fg_alloc(env, sizeof(double) * 2 * T);
	if (!prob->kappa || !prob->lin || !prob->ad)
	{
		fg_problem_free(env, prob);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	if (n_terms > 0 && kappa != NULL)
		memcpy(prob->kappa, kappa, sizeof(double) * n_terms);
	return FG_OK;
}

void
fg_problem_free(const fg_env *env, fg_problem *prob)
{
	fg_release(env, prob->kappa);
	fg_release(env, prob->lin);
	fg_release(env, prob->ad);
	prob->kappa = prob->lin = prob->ad = NULL;
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

void
fg_term_dots(const fg_problem *prob, const double *v, double *out)
{
	uint32_t	m = prob->k + prob->n;

	for (uint32_t t = 0; t < prob->n_terms; t++)
	{
		const double *a = prob->A + (size_t) t * m;
		double		sum = 0.0;

		for (uint32_t j = 0; j < m; j++)
			sum += a[j] * v[j];
		out[t] = sum;
	}
}

/*
 * The rows of a pass go in blocks of at most FG_BLOCK_ROWS that lie
 * contiguously in memory (one BLAS call each).  Every pass uses the same
 * blocks, so sums taken blockwise round alike in every pass.
 */
static inline size_t
block_rows(const fg_data *data, size_t r0)
{
	size_t		left = data->n_rows - r0;

	return fg_data_run(data, r0, left < FG_BLOCK_ROWS ? left : FG_BLOCK_ROWS);
}

/*
 * The loss log(1 + e^eta) - y eta of a block of rows, written with
 * u = exp(-|eta|) so that nothing overflows.  The log(1 + u) terms are
 * summed as the log of their product: one log per block instead of one per
 * row (with at most FG_BLOCK_ROWS factors in [1, 2] the product stays below
 * 2^256).  Each factor v = 1 + u is rounded; subtracting ((v - 1) - u) / v
 * removes that to first order (Goldberg's correction), so the sum is as
 * accurate as a log1p per row.  Every evaluation of J goes through here
 * with the same blocks, so the line search compares values that round
 * alike.
 */
typedef struct loss_acc
{
	double		prod;
	double		corr;
	double		lin;
} loss_acc;

static inline void
loss_acc_start(loss_acc *acc)
{
	acc->prod = 1.0;
	acc->corr = 0.0;
	acc->lin = 0.0;
}

/*
 * exp(-|e| / 2) for |e| = ae.  Every pass takes u = exp(-|e|) as its square,
 * which the weights' square root needs anyway; all evaluations of J must
 * round u alike, so none calls exp(-|e|) directly.  Inline and branch-free,
 * so the per-row loop around it vectorizes.
 */
static inline double
half_exp(double ae)
{
	return fg_exp_nonpositive(-0.5 * ae);
}

/* Add one row given u = exp(-|e|) and inv = 1 / (1 + u). */
static inline void
loss_acc_add(loss_acc *acc, double e, double u, double inv, uint8_t y)
{
	double		v = 1.0 + u;

	acc->prod *= v;
	acc->corr += ((v - 1.0) - u) * inv;
	acc->lin += (e > 0.0 ? e : 0.0) - (y ? e : 0.0);
}

static inline double
loss_acc_end(const loss_acc *acc)
{
	return acc->lin + log(acc->prod) - acc->corr;
}

/*
 * The weighted loss of one row given u = exp(-|e|): weights rule out the
 * product of the factors, so each row takes its own log(1 + u), inline so
 * that the loop around it vectorizes.
 */
static inline double
weighted_row_loss(double e, double u, uint8_t y, double w)
{
	return w * (fg_log1p_unit(u) + (e > 0.0 ? e : 0.0) - (y ? e : 0.0));
}

/* The gaussian loss (1/2) sum v (y - e)^2 of a block of rows. */
static double
block_loss_gaussian(const fg_data *data, size_t r0, size_t rows, const double *e0,
					const double *de, double t)
{
	const double *y = data->y_real + r0;
	double		loss = 0.0;

	for (size_t q = 0; q < rows; q++)
	{
		double		r = (de ? e0[q] + t * de[q] : e0[q]) - y[q];

		loss += (data->w ? data->w[r0 + q] : 1.0) * r * r;
	}
	return 0.5 * loss;
}

/* The loss of the block of rows from r0 whose linear predictors are e0 + t de. */
static double
block_loss(const fg_data *data, size_t r0, size_t rows, const double *e0,
		   const double *de, double t)
{
	loss_acc	acc;

	if (data->y_real != NULL)
		return block_loss_gaussian(data, r0, rows, e0, de, t);
	if (data->w != NULL)
	{
		double		loss = 0.0;

		for (size_t q = 0; q < rows; q++)
		{
			double		e = de ? e0[q] + t * de[q] : e0[q];
			double		hq = half_exp(fabs(e));

			loss += weighted_row_loss(e, hq * hq, data->y[r0 + q], data->w[r0 + q]);
		}
		return loss;
	}
	loss_acc_start(&acc);
	for (size_t q = 0; q < rows; q++)
	{
		double		e = de ? e0[q] + t * de[q] : e0[q];
		double		hq = half_exp(fabs(e));
		double		u = hq * hq;

		loss_acc_add(&acc, e, u, 1.0 / (1.0 + u), data->y[r0 + q]);
	}
	return loss_acc_end(&acc);
}

/* Penalty and linear terms of J, which depend on delta only; ad[t] = a_t'delta. */
static double
penalty_terms(const fg_problem *prob, const double *delta, const double *ad)
{
	const double *b = delta + prob->k;
	double		bb = 0.0,
				ss = 0.0,
				fair = 0.0;

	for (uint32_t i = 0; i < prob->n; i++)
		bb += b[i] * b[i];
	if (prob->l2 > 0.0)
		for (int j = 1; j < prob->k; j++)
			ss += delta[j] * delta[j];
	for (uint32_t t = 0; t < prob->n_terms; t++)
		fair += prob->kappa[t] * ad[t] * ad[t] + prob->lin[t] * ad[t];
	return prob->lambda * bb + prob->l2 * ss + fair;
}

/* The loss at delta from the rows held elsewhere (prob->passes). */
static double
loss_elsewhere(const fg_problem *prob, const double *delta)
{
	double		max_abs_eta = 0.0;

	return prob->passes->newton(prob->passes->ctx, prob, delta, FG_NEED_LOSS, NULL, &max_abs_eta);
}

double
fg_objective(const fg_problem *prob, const double *delta, const double *eta)
{
	const fg_data *data = prob->data;
	double		loss = prob->passes ? loss_elsewhere(prob, delta) : 0.0;

	for (size_t r0 = 0, rows; r0 < data->n_rows; r0 += rows)
	{
		rows = block_rows(data, r0);
		loss += block_loss(data, r0, rows, eta + r0, NULL, 0.0);
	}
	fg_term_dots(prob, delta, prob->ad);
	return loss + penalty_terms(prob, delta, prob->ad);
}

/* J(delta + t step) from eta and deta; trial (k + n) receives the trial point. */
static double
objective_along(const fg_problem *prob, const double *delta, const double *step,
				const double *eta, const double *deta, double t, double *trial)
{
	const fg_data *data = prob->data;
	double		loss = 0.0;
	uint32_t	T = prob->n_terms;

	fg_term_dots(prob, delta, prob->ad);
	fg_term_dots(prob, step, prob->ad + T);
	for (uint32_t i = 0; i < T; i++)
		prob->ad[i] += t * prob->ad[T + i];
	for (size_t r0 = 0, rows; r0 < data->n_rows; r0 += rows)
	{
		rows = block_rows(data, r0);
		loss += block_loss(data, r0, rows, eta + r0, deta + r0, t);
	}
	for (uint32_t j = 0; j < prob->k + prob->n; j++)
		trial[j] = delta[j] + t * step[j];
	if (prob->passes != NULL)
		loss = loss_elsewhere(prob, trial);
	return loss + penalty_terms(prob, trial, prob->ad);
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
	ws->rowbuf = fg_alloc(env, sizeof(double) * FG_ROWBUF_COLS * FG_BLOCK_ROWS);
	ws->delta_next = fg_alloc(env, sizeof(double) * m);
	ws->grad = fg_alloc(env, sizeof(double) * m);
	ws->step = fg_alloc(env, sizeof(double) * m);
	ws->tmp = fg_alloc(env, sizeof(double) * m);
	ws->tmp2 = fg_alloc(env, sizeof(double) * m);
	{
		size_t		T = prob->n_terms ? prob->n_terms : 1;

		ws->fair_C = fg_alloc(env, sizeof(double) * k * T);
		ws->fair_L = fg_alloc(env, sizeof(double) * (prob->n ? prob->n : 1) * T);
		ws->fair_R = fg_alloc(env, sizeof(double) * T * T);
		ws->fair_tmp = fg_alloc(env, sizeof(double) * 2 * T);
		ws->fact_kappa = fg_alloc(env, sizeof(double) * T);
	}
	ws->F = fg_alloc(env, sizeof(double) * k * k);
	ws->S0 = fg_alloc(env, sizeof(double) * k * k);
	ws->G = fg_alloc(env, sizeof(double) * (prob->n ? prob->n : 1) * k);
	ws->E = fg_alloc(env, sizeof(double) * (prob->n ? prob->n : 1));
	/* also the k x T scratch of fold_terms() */
	ws->block = fg_alloc(env, sizeof(double) * k *
						 (prob->n_terms > FG_BLOCK_ROWS ? prob->n_terms : FG_BLOCK_ROWS));
	if (!ws->eta || !ws->deta || !ws->eta_next || !ws->rowbuf || !ws->delta_next ||
		!ws->grad || !ws->step ||
		!ws->tmp || !ws->tmp2 || !ws->fair_C || !ws->fair_L || !ws->fair_R ||
		!ws->fair_tmp || !ws->fact_kappa || !ws->F || !ws->S0 || !ws->G || !ws->E || !ws->block)
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
	fg_release(env, ws->rowbuf);
	fg_release(env, ws->delta_next);
	fg_release(env, ws->grad);
	fg_release(env, ws->step);
	fg_release(env, ws->tmp);
	fg_release(env, ws->tmp2);
	fg_release(env, ws->fair_C);
	fg_release(env, ws->fair_L);
	fg_release(env, ws->fair_R);
	fg_release(env, ws->fair_tmp);
	fg_release(env, ws->fact_kappa);
	fg_release(env, ws->F);
	fg_release(env, ws->S0);
	fg_release(env, ws->G);
	fg_release(env, ws->E);
	fg_release(env, ws->block);
	memset(ws, 0, sizeof(*ws));
}

/*
 * The gaussian family's share of assemble() for one block: the trial linear
 * predictor, the residual e - y (times the weight v), the Hessian weight v
 * and its square root; returns the block's loss (1/2) sum v (y - e)^2 and
 * adds the residuals to *grad0.
 */
static double
gaussian_rows(const fg_data *data, size_t r0, size_t rows, const double *eta,
			  const double *deta, double t, double *eta_next, double *resid, double *w,
			  double *sw, double *grad0)
{
	const double *restrict y = data->y_real + r0;
	const double *restrict weight = data->w ? data->w + r0 : NULL;
	double		loss = 0.0,
				g0 = 0.0;

	for (size_t q = 0; q < rows; q++)
	{
		double		e = t == 0.0 ? eta[q] : eta[q] + t * deta[q];
		double		v = weight ? weight[q] : 1.0;
		double		r = e - y[q];

		eta_next[q] = e;
		loss += v * r * r;
		resid[q] = v * r;
		w[q] = v;
		sw[q] = weight ? sqrt(v) : 1.0;
		g0 += resid[q];
	}
	*grad0 += g0;
	return 0.5 * loss;
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
FG_ROW_LOOPS static double
assemble_rows(const fg_env *env, const fg_problem *prob, const double *step, double t,
			  bool hessian, fg_newton_ws *ws, double *max_abs_eta)
{
	const fg_data *data = prob->data;
	size_t		N = data->n_rows;
	int			p = data->p;
	int			k = prob->k;
	uint32_t	n = prob->n;
	double		loss = 0.0;
	double		grad0 = 0.0;
	double		max_eta = 0.0;
	double		w_floor = prob->w_floor;
	double		sqrt_w_floor = sqrt(prob->w_floor);

	{
		/* locals: with -fno-strict-aliasing every store would reload the fields */
		const uint8_t *restrict y = data->y;
		const double *restrict weight = data->w;
		const uint32_t *restrict stratum = data->stratum;
		double	   *restrict grad = ws->grad;
		double	   *restrict G = ws->G;
		double	   *restrict resid = ws->rowbuf;
		double	   *restrict h = ws->rowbuf + FG_BLOCK_ROWS;
		double	   *restrict inv = ws->rowbuf + 2 * FG_BLOCK_ROWS;
		double	   *restrict w = ws->rowbuf + 3 * FG_BLOCK_ROWS;
		double	   *restrict sw = ws->rowbuf + 4 * FG_BLOCK_ROWS;
		double	   *restrict block = ws->block;
		double	   *restrict F = ws->F;

		for (size_t r0 = 0, rows, every = fg_rows_between_polls(k), next = 0; r0 < N; r0 += rows)
		{
			const double *x = row_x(data, r0);
			const double *restrict eta = ws->eta + r0;
			double	   *restrict deta = ws->deta + r0;
			double	   *restrict eta_next = ws->eta_next + r0;
			loss_acc	acc;

			rows = block_rows(data, r0);
			fg_poll_at(env, r0, &next, every);
			/* the step's change of the linear predictor: X step_beta by BLAS */
			if (step != NULL)
			{
				if (p > 0)
					cblas_dgemv(CblasRowMajor, CblasNoTrans, (int) rows, p, 1.0, x, p,
								step + 1, 1, 0.0, deta, 1);
				else
					memset(deta, 0, sizeof(double) * rows);
				for (size_t q = 0; q < rows; q++)
					deta[q] += step[0] + (n > 0 ? step[k + stratum[r0 + q]] : 0.0);
			}

			if (data->y_real != NULL)
			{
				/* gaussian: residual e - y, weight v (1 unweighted), no exponential */
				loss += gaussian_rows(data, r0, rows, eta, deta, t, eta_next, resid, w, sw, &grad0);
			}
			else
			{
				/* per row: the trial linear predictor and h = exp(-|e| / 2) */
				for (size_t q = 0; q < rows; q++)
				{
					double		e = t == 0.0 ? eta[q] : eta[q] + t * deta[q];

					eta_next[q] = e;
					h[q] = half_exp(fabs(e));
				}
				/* apart: a max reduction would keep the loop above scalar */
				for (size_t q = 0; q < rows; q++)
					max_eta = fabs(eta_next[q]) > max_eta ? fabs(eta_next[q]) : max_eta;
				/*
				 * u = h^2 = exp(-|e|) gives the loss, mu, the weight
				 * w = mu (1 - mu) = u / (1 + u)^2 and sqrt(w) = h / (1 + u)
				 * without a square root; this loop has no call and vectorizes.
				 */
				for (size_t q = 0; q < rows; q++)
				{
					double		e = eta_next[q];
					double		u = h[q] * h[q];
					double		iv = 1.0 / (1.0 + u);
					double		mu = e >= 0.0 ? iv : u * iv;

					inv[q] = iv;
					resid[q] = mu - y[r0 + q];
					w[q] = u * iv * iv;
					sw[q] = h[q] * iv;
				}
				if (w_floor > 0.0)
					for (size_t q = 0; q < rows; q++)
					{
						w[q] = w[q] > w_floor ? w[q] : w_floor;
						sw[q] = sw[q] > sqrt_w_floor ? sw[q] : sqrt_w_floor;
					}
				loss_acc_start(&acc);
				if (weight == NULL)
					for (size_t q = 0; q < rows; q++)
					{
						loss_acc_add(&acc, eta_next[q], h[q] * h[q], inv[q], y[r0 + q]);
						grad0 += resid[q];
					}
				else
				{
					/* every row's terms scaled by its weight */
					double		wloss = 0.0;

					for (size_t q = 0; q < rows; q++)
					{
						double		wt = weight[r0 + q];

						wloss += weighted_row_loss(eta_next[q], h[q] * h[q], y[r0 + q], wt);
						resid[q] *= wt;
						w[q] *= wt;
						sw[q] *= sqrt(wt);
						grad0 += resid[q];
					}
					loss += wloss;
				}
				if (weight == NULL)
					loss += loss_acc_end(&acc);
			}
			if (n > 0)
				for (size_t q = 0; q < rows; q++)
					grad[k + stratum[r0 + q]] += resid[q];
			if (hessian)
			{
				/* with strata, F's first row comes from G below: sqrt(w) x only */
				int			lead = n > 0 ? 0 : 1;
				int			width = p + lead;

				for (size_t q = 0; q < rows; q++)
				{
					const double *restrict xq = x + q * (size_t) p;
					double	   *restrict brow = block + q * width + lead;

					for (int j = 0; j < p; j++)
						brow[j] = sw[q] * xq[j];
				}
				for (size_t q = 0; lead && q < rows; q++)
					block[q * width] = sw[q];
				if (n > 0)
					for (size_t q = 0; q < rows; q++)
					{
						const double *restrict xq = x + q * (size_t) p;
						uint32_t	g = stratum[r0 + q];
						double	   *restrict Gg = G + (size_t) g * k;
						double		wq = w[q];

						Gg[0] += wq;
						for (int j = 0; j < p; j++)
							Gg[1 + j] += wq * xq[j];
					}
			}
			/* F += block' block, upper triangle (without its first row when n > 0) */
			if (hessian && n == 0)
				cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, k, (int) rows, 1.0,
							block, k, 1.0, F, k);
			else if (hessian && p > 0)
				cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, p, (int) rows, 1.0,
							block, p, 1.0, F + k + 1, k);
			/* gradient += X' resid */
			if (p > 0)
				cblas_dgemv(CblasRowMajor, CblasTrans, (int) rows, p, 1.0,
							x, p, resid, 1, 1.0, grad + 1, 1);
		}
	}
	ws->grad[0] += grad0;
	*max_abs_eta = max_eta > *max_abs_eta ? max_eta : *max_abs_eta;
	return loss;
}

/*
 * One pass at the trial point (see above): the rows' share from the rows
 * in memory or from prob->passes, then what the rows' sums imply and the
 * penalties' share.
 */
static double
assemble(const fg_env *env, const fg_problem *prob, const double *step, double t,
		 bool hessian, fg_newton_ws *ws, double *max_abs_eta)
{
	const double *delta = ws->delta_next;
	int			k = prob->k;
	uint32_t	n = prob->n;
	double		loss;

	ws->factored = false;
	memset(ws->grad, 0, sizeof(double) * (k + n));
	if (hessian)
	{
		memset(ws->F, 0, sizeof(double) * k * k);
		if (n > 0)
			memset(ws->G, 0, sizeof(double) * n * k);
	}
	*max_abs_eta = 0.0;
	if (prob->passes != NULL)
		loss = prob->passes->newton(prob->passes->ctx, prob, delta,
									hessian ? FG_NEED_HESSIAN : FG_NEED_GRADIENT, ws, max_abs_eta);
	else
		loss = assemble_rows(env, prob, step, t, hessian, ws, max_abs_eta);

	/*
	 * E is the stratum sums of w, which G's first column already holds; F's
	 * first row, the sums of w [1, x], is the sum of G's rows
	 */
	if (hessian)
		for (uint32_t g = 0; g < n; g++)
		{
			const double *Gg = ws->G + (size_t) g * k;

			ws->E[g] = Gg[0];
			for (int j = 0; j < k; j++)
				ws->F[j] += Gg[j];
		}

	/* penalty gradients */
	fg_term_dots(prob, delta, prob->ad);
	for (uint32_t i = 0; i < n; i++)
		ws->grad[k + i] += 2.0 * prob->lambda * delta[k + i];
	if (prob->l2 > 0.0)
		for (int j = 1; j < k; j++)
			ws->grad[j] += 2.0 * prob->l2 * delta[j];
	for (uint32_t t = 0; t < prob->n_terms; t++)
	{
		double		coef = 2.0 * prob->kappa[t] * prob->ad[t] + prob->lin[t];
		const double *a = prob->A + (size_t) t * (k + n);

		if (coef != 0.0)
			for (uint32_t j = 0; j < k + n; j++)
				ws->grad[j] += coef * a[j];
	}
	return loss + penalty_terms(prob, delta, prob->ad);
}

double
fg_newton_block_pass(const fg_env *env, const fg_problem *prob, const double *delta,
					 fg_pass_need need, fg_newton_ws *ws, double *max_abs_eta)
{
	const fg_data *data = prob->data;
	double		loss = 0.0;

	/*
	 * FG_BLOCK_ROWS rows at a time, each block's linear predictor just
	 * before its sums: the features are read twice while still in cache
	 */
	for (size_t r0 = 0, rows; r0 < data->n_rows; r0 += rows)
	{
		fg_data		sub;
		fg_problem	part = *prob;

		rows = block_rows(data, r0);
		sub = fg_data_slice(data, r0, rows);
		part.data = &sub;
		fg_compute_eta(&part, delta, ws->eta);
		if (need == FG_NEED_LOSS)
			loss += block_loss(&sub, 0, rows, ws->eta, NULL, 0.0);
		else
			loss += assemble_rows(env, &part, NULL, 0.0, need == FG_NEED_HESSIAN, ws, max_abs_eta);
	}
	return loss;
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

/*
 * The fairness terms' share of the factorisation.  With
 * H = H0 + A' K A (K = diag(2 kappa_t), A's rows a_t = [a_f,t, a_b,t]),
 * eliminating the stratum block E + A_b' K A_b (diagonal plus rank T)
 * gives, with v_t = E^-1/2 a_b,t, L = [v_t sqrt(2 kappa_t)],
 * Chat = [(a_f,t - Gs'v_t) sqrt(2 kappa_t)] and M = I + L'L,
 *
 *   S = F - Gs'Gs + Chat M^-1 Chat'
 *
 * a k x k matrix that is positive definite whenever H is.  M has every
 * eigenvalue >= 1, so its Cholesky factor is always well conditioned, even
 * when terms are linearly dependent (the one-vs-rest terms of one
 * attribute sum to zero) or kappa is huge.  Woodbury on top of H0^-1 would
 * need H0 to be well conditioned, which it is not where rows are nearly
 * separated: there H0^-1 a is huge while H^-1 a is not, and the difference
 * of the two large terms loses every digit.  Folded into S, nothing large
 * is ever formed.  Adds Chat M^-1 Chat' to ws->F (S - Gs'Gs so far).
 */
static fg_status
fold_terms(const fg_problem *prob, fg_newton_ws *ws, fg_error *err)
{
	int			k = prob->k;
	uint32_t	n = prob->n;
	int			T = (int) prob->n_terms;
	size_t		m = (size_t) k + n;
	double	   *C = ws->fair_C;
	double	   *L = ws->fair_L;
	double	   *R = ws->fair_R;
	lapack_int	info;

	ws->fair = false;
	for (int t = 0; t < T; t++)
		ws->fair |= prob->kappa[t] > 0.0;
	if (!ws->fair)
		return FG_OK;
	for (int t = 0; t < T; t++)
	{
		const double *a = prob->A + (size_t) t * m;
		double		sk = sqrt(2.0 * prob->kappa[t]);

		for (int j = 0; j < k; j++)
			C[(size_t) j * T + t] = sk * a[j];
		for (uint32_t i = 0; i < n; i++)
			L[(size_t) i * T + t] = sk * a[k + i] / sqrt(ws->E[i]);
	}
	/* Chat = sqrt(K) A_f' - Gs' L, and M = I + L'L */
	memset(R, 0, sizeof(double) * T * T);
	for (int t = 0; t < T; t++)
		R[t * T + t] = 1.0;
	if (n > 0)
	{
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, T, (int) n, -1.0,
					ws->G, k, L, T, 1.0, C, T);
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, T, (int) n, 1.0, L, T, 1.0, R, T);
	}
	info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', T, R, T);
	if (info != 0)
		return fg_fail(err, FG_ERR_NUMERIC, "the fairness terms are not finite",
					   "Lower rho, or rescale the features.",
					   "The %d x %d capacitance matrix of the fairness terms could not be factored.",
					   T, T);
	/* S += Chat R^-1 R^-T Chat' = Z Z' with Z = Chat R^-1 (into the workspace's G-sized scratch) */
	{
		double	   *Z = ws->block;	/* FG_BLOCK_ROWS x k, at least k x T (fg_newton_ws_init) */

		memcpy(Z, C, sizeof(double) * k * T);
		cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit,
					k, T, 1.0, R, T, Z, T);
		cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, k, T, 1.0, Z, T, 1.0, ws->F, k);
	}
	return FG_OK;
}

static fg_status factor_folded(const fg_problem *prob, fg_newton_ws *ws, double max_abs_eta,
							   fg_error *err);

/*
 * The Schur complement of the stratum block and its Cholesky factor, in
 * ws->F; G is left scaled by E^-1/2 (Gs).  The fairness terms are folded in
 * by fold_terms().
 */
static fg_status
factor(const fg_problem *prob, fg_newton_ws *ws, double max_abs_eta, fg_error *err)
{
	int			k = prob->k;
	uint32_t	n = prob->n;

	if (prob->l2 > 0.0)
		for (int j = 1; j < k; j++)
			ws->F[j * k + j] += 2.0 * prob->l2;
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
	/* kept for a refold at other penalty weights (fg_newton_resume_load) */
	memcpy(ws->S0, ws->F, sizeof(double) * k * k);
	return factor_folded(prob, ws, max_abs_eta, err);
}

/* The end of factor(): fold the fairness terms into S (in ws->F) and factor it. */
static fg_status
factor_folded(const fg_problem *prob, fg_newton_ws *ws, double max_abs_eta, fg_error *err)
{
	int			k = prob->k;
	lapack_int	info;
	fg_status	st;

	if ((st = fold_terms(prob, ws, err)) != FG_OK)
		return st;
	info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', k, ws->F, k);
	if (info != 0)
	{
		if (max_abs_eta > FG_SEPARATION_ETA)
			return fg_fail(err, FG_ERR_SEPARATION,
						   "the classes are separated by the features",
						   "Add a small ridge penalty on the slopes (option \"l2\", for example 0.01), or remove the features that predict y perfectly.",
						   "Fitted probabilities reached 0 or 1 and the Hessian became singular, so the coefficients have no finite maximum likelihood estimate.");
		/* LAPACKE's own NaN check reports an "illegal" argument */
		if (info < 0)
			return fg_fail(err, FG_ERR_NUMERIC, "the Hessian is not finite",
						   "Rescale the features; values beyond about 1e150 in magnitude overflow double precision.",
						   "The %d x %d Schur complement has infinite or NaN entries.", k, k);
		return fg_fail(err, FG_ERR_NUMERIC, "the Hessian is not positive definite",
					   ws->fair ? "Lower rho, or rescale the features; a fairness penalty many orders of magnitude above the log-likelihood swamps its curvature."
					   : "Rescale the features or check them for near-collinearity.",
					   "The Cholesky factorisation of the %d x %d Schur complement failed at column %d.",
					   k, k, (int) info);
	}
	ws->factored = true;
	ws->fact_lambda = prob->lambda;
	ws->fact_l2 = prob->l2;
	ws->fact_w_floor = prob->w_floor;
	if (prob->n_terms > 0)
		memcpy(ws->fact_kappa, prob->kappa, sizeof(double) * prob->n_terms);
	return FG_OK;
}

fg_status
fg_newton_factor_given(const fg_problem *prob, fg_newton_ws *ws, fg_error *err)
{
	return factor(prob, ws, 0.0, err);
}

bool
fg_newton_factored_for(const fg_problem *prob, const fg_newton_ws *ws)
{
	if (!ws->factored || ws->fact_lambda != prob->lambda || ws->fact_l2 != prob->l2 ||
		ws->fact_w_floor != prob->w_floor)
		return false;
	for (uint32_t t = 0; t < prob->n_terms; t++)
		if (ws->fact_kappa[t] != prob->kappa[t])
			return false;
	return true;
}

fg_status
fg_newton_resume_init(const fg_env *env, const fg_problem *prob, fg_newton_resume *r,
					  fg_error *err)
{
	size_t		k = prob->k;
	size_t		n = prob->n ? prob->n : 1;

	memset(r, 0, sizeof(*r));
	r->S0 = fg_alloc(env, sizeof(double) * k * k);
	r->G = fg_alloc(env, sizeof(double) * n * k);
	r->E = fg_alloc(env, sizeof(double) * n);
	r->grad = fg_alloc(env, sizeof(double) * (k + prob->n));
	r->kappa = fg_alloc(env, sizeof(double) * (prob->n_terms ? prob->n_terms : 1));
	if (!r->S0 || !r->G || !r->E || !r->grad || !r->kappa)
	{
		fg_newton_resume_free(env, r);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	return FG_OK;
}

void
fg_newton_resume_free(const fg_env *env, fg_newton_resume *r)
{
	fg_release(env, r->S0);
	fg_release(env, r->G);
	fg_release(env, r->E);
	fg_release(env, r->grad);
	fg_release(env, r->kappa);
	memset(r, 0, sizeof(*r));
}

void
fg_newton_resume_save(const fg_problem *prob, const fg_newton_ws *ws,
					  const fg_solve_stats *stats, fg_newton_resume *r)
{
	size_t		k = prob->k;
	size_t		n = prob->n;

	memcpy(r->S0, ws->S0, sizeof(double) * k * k);
	memcpy(r->G, ws->G, sizeof(double) * n * k);
	memcpy(r->E, ws->E, sizeof(double) * n);
	memcpy(r->grad, ws->grad, sizeof(double) * (k + n));
	memcpy(r->kappa, prob->kappa, sizeof(double) * prob->n_terms);
	r->objective = stats->objective;
	r->max_abs_eta = stats->max_abs_eta;
	/* no pass since factor(): the factor is of the solution */
	r->exact = ws->factored;
	r->valid = true;
}

fg_status
fg_newton_resume_load(const fg_problem *prob, fg_newton_ws *ws, const fg_newton_resume *r,
					  const double *delta, fg_error *err)
{
	size_t		k = prob->k;
	size_t		n = prob->n;
	size_t		m = k + n;
	fg_status	st;

	memcpy(ws->S0, r->S0, sizeof(double) * k * k);
	memcpy(ws->F, r->S0, sizeof(double) * k * k);
	memcpy(ws->G, r->G, sizeof(double) * n * k);
	memcpy(ws->E, r->E, sizeof(double) * n);
	memcpy(ws->grad, r->grad, sizeof(double) * m);
	/* only the penalty kappa_t (a_t'delta)^2 changed: its gradient and value */
	ws->primed_objective = r->objective;
	fg_term_dots(prob, delta, prob->ad);
	for (uint32_t t = 0; t < prob->n_terms; t++)
	{
		double		dk = prob->kappa[t] - r->kappa[t];
		const double *a = prob->A + (size_t) t * m;

		ws->primed_objective += dk * prob->ad[t] * prob->ad[t];
		if (dk != 0.0)
			for (size_t j = 0; j < m; j++)
				ws->grad[j] += 2.0 * dk * prob->ad[t] * a[j];
	}
	if ((st = factor_folded(prob, ws, r->max_abs_eta, err)) != FG_OK)
		return st;
	ws->factored = r->exact;
	ws->primed_max_abs_eta = r->max_abs_eta;
	ws->resumed = true;
	ws->resumed_exact = r->exact;
	return FG_OK;
}

/*
 * x = H^-1 r with the factor of factor().  With rs = E^-1/2 r_b and the
 * notation of fold_terms():
 *
 *   x_f = S^-1 (r_f - Gs'rs - Chat M^-1 L'rs)
 *   q   = rs - Gs x_f - L sqrt(K) A_f x_f
 *   x_b = E^-1/2 (q - L M^-1 L'q)
 *
 * which is block elimination of H with the stratum block I + L L' (in the
 * scaled coordinates) inverted by Woodbury: always well conditioned, since
 * E >= 2 lambda and M >= I.
 */
void
fg_newton_solve_h(const fg_problem *prob, fg_newton_ws *ws, const double *r, double *x)
{
	int			k = prob->k;
	uint32_t	n = prob->n;
	int			T = (int) prob->n_terms;
	double	   *rs = ws->tmp2;
	double	   *u = ws->fair_tmp;
	const double *L = ws->fair_L;

	memcpy(x, r, sizeof(double) * k);
	if (n > 0)
	{
		for (uint32_t i = 0; i < n; i++)
			rs[i] = r[k + i] / sqrt(ws->E[i]);
		cblas_dgemv(CblasRowMajor, CblasTrans, (int) n, k, -1.0, ws->G, k,
					rs, 1, 1.0, x, 1);
		if (ws->fair)
		{
			/* x_f -= Chat M^-1 L'rs */
			cblas_dgemv(CblasRowMajor, CblasTrans, (int) n, T, 1.0, L, T, rs, 1, 0.0, u, 1);
			LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', T, 1, ws->fair_R, T, u, 1);
			cblas_dgemv(CblasRowMajor, CblasNoTrans, k, T, -1.0, ws->fair_C, T, u, 1, 1.0, x, 1);
		}
	}
	LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', k, 1, ws->F, k, x, 1);
	if (n > 0)
	{
		double	   *q = x + k;

		/* q = rs - Gs x_f, then the fairness parts */
		cblas_dgemv(CblasRowMajor, CblasNoTrans, (int) n, k, -1.0, ws->G, k,
					x, 1, 0.0, q, 1);
		for (uint32_t i = 0; i < n; i++)
			q[i] += rs[i];
		if (ws->fair)
		{
			size_t		m = (size_t) k + n;

			/* u = sqrt(K) A_f x_f */
			for (int t = 0; t < T; t++)
			{
				const double *a = prob->A + (size_t) t * m;
				double		af_x = 0.0;

				for (int j = 0; j < k; j++)
					af_x += a[j] * x[j];
				u[t] = sqrt(2.0 * prob->kappa[t]) * af_x;
			}
			cblas_dgemv(CblasRowMajor, CblasNoTrans, (int) n, T, -1.0, L, T, u, 1, 1.0, q, 1);
			/* q -= L M^-1 L'q */
			cblas_dgemv(CblasRowMajor, CblasTrans, (int) n, T, 1.0, L, T, q, 1, 0.0, u, 1);
			LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', T, 1, ws->fair_R, T, u, 1);
			cblas_dgemv(CblasRowMajor, CblasNoTrans, (int) n, T, -1.0, L, T, u, 1, 1.0, q, 1);
		}
		for (uint32_t i = 0; i < n; i++)
			q[i] /= sqrt(ws->E[i]);
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
	/* G is overwritten: the factorisation cannot be reused after this */
	ws->factored = false;
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

void
fg_newton_start_intercept_only(const fg_problem *prob, const fg_summary *sum,
							   double *delta, fg_newton_ws *ws)
{
	size_t		N = prob->data->n_rows;	/* 0 when the rows live elsewhere */
	int			p = prob->data->p;
	int			k = prob->k;
	uint32_t	n = prob->n;
	double		Nd = (double) sum->n_rows;
	double		ones = (double) sum->y_ones;
	double		e0 = log(ones / (Nd - ones));
	/* mu and w as assemble() computes them */
	double		h0 = half_exp(fabs(e0));
	double		u = h0 * h0;
	double		inv = 1.0 / (1.0 + u);
	double		mu = e0 >= 0.0 ? inv : u * inv;
	double		w = u * inv * inv;
	double		dmu = mu - sum->y_bar;	/* at rounding level */
	loss_acc	acc;

	memset(delta, 0, sizeof(double) * (k + n));
	delta[0] = e0;
	memcpy(ws->delta_next, delta, sizeof(double) * (k + n));
	for (size_t l = 0; l < N; l++)
		ws->eta[l] = e0;

	/* loss: N rows at e0, of which `ones` have y = 1 */
	loss_acc_start(&acc);
	loss_acc_add(&acc, e0, u, inv, 0);
	ws->primed_objective = Nd * loss_acc_end(&acc) - ones * e0;
	ws->primed_max_abs_eta = fabs(e0);

	/* gradient: sum (mu - y) [1, x, e_g] = dmu sums - (y - y_bar) sums */
	ws->grad[0] = Nd * mu - ones;
	for (int j = 0; j < p; j++)
		ws->grad[1 + j] = dmu * Nd * sum->mean[j] - sum->xy[j];
	for (uint32_t g = 0; g < n; g++)
		ws->grad[k + g] = dmu * sum->stratum_rows[g] - sum->stratum_y[g];
	/* the ridge and the fairness penalty have zero gradient at b = 0, a'delta = 0 */
	for (uint32_t t = 0; t < prob->n_terms; t++)
		if (prob->lin[t] != 0.0)
			for (uint32_t j = 0; j < (uint32_t) k + n; j++)
				ws->grad[j] += prob->lin[t] * prob->A[(size_t) t * (k + n) + j];

	/* Hessian blocks: w times the sums of [1, x][1, x]' and their stratum sums */
	memset(ws->F, 0, sizeof(double) * k * k);
	ws->F[0] = w * Nd;
	for (int i = 0; i < p; i++)
	{
		ws->F[1 + i] = w * Nd * sum->mean[i];
		for (int j = i; j < p; j++)
			ws->F[(1 + i) * k + 1 + j] =
				w * (sum->comoment[i * p + j] + Nd * sum->mean[i] * sum->mean[j]);
	}
	for (uint32_t g = 0; g < n; g++)
	{
		double	   *Gg = ws->G + (size_t) g * k;

		Gg[0] = w * sum->stratum_rows[g];
		for (int j = 0; j < p; j++)
			Gg[1 + j] = w * sum->stratum_x[(size_t) g * p + j];
		ws->E[g] = w * sum->stratum_rows[g];
	}
	ws->primed = true;
}

static double
norm2(const double *v, size_t len)
{
	double		s = 0.0;

	for (size_t i = 0; i < len; i++)
		s += v[i] * v[i];
	return sqrt(s);
}

/* assemble() for fg_newton_solve, counting the passes that build a Hessian */
static double
counted_pass(const fg_env *env, const fg_problem *prob, const double *step, double t,
			 bool hessian, fg_newton_ws *ws, fg_solve_stats *stats)
{
	stats->hessian_passes += hessian;
	return assemble(env, prob, step, t, hessian, ws, &stats->max_abs_eta);
}

/*
 * Whether the next point may keep the current Hessian factor (a chord
 * step) instead of paying for its own.  Near the optimum Newton's
 * decrements shrink quadratically, dec' ~ C dec^2; C estimated from the last
 * two exact full steps predicts the next decrement.  When that is far below
 * the tolerance, the next step is the last one, and a chord step there,
 * whose error is the current one times a factor of order sqrt(dec'/dec),
 * still lands at rounding level.  A wrong guess costs no extra pass: the
 * chord step is then taken like any other, with a Hessian built after it.
 */
static bool
chord_will_finish(double dec, double last_dec, double tol_abs)
{
	double		ratio;

	if (!(last_dec > 0.0) || !(dec < last_dec))
		return false;
	ratio = dec / last_dec;
	return dec * ratio * ratio / 2.0 <= FG_CHORD_MARGIN * tol_abs;
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
	bool		fresh = true;	/* F, G, E were built at delta, not yet factored */
	double		last_dec = 0.0; /* decrement of the last full exact Newton step */
	/*
	 * Resumed at another kappa (fg_newton_resume_load): chord steps on the
	 * factor while they contract fast.  exact: the factor is of the current
	 * point; chord_dec: decrement of the last step on the same factor (0
	 * when unknown).
	 */
	bool		resumed = ws->resumed;
	bool		exact = false;
	double		chord_dec = 0.0;

	memset(stats, 0, sizeof(*stats));
	if (ws->primed)
	{
		/* fg_newton_start_intercept_only did the first pass's work */
		J = ws->primed_objective;
		stats->max_abs_eta = ws->primed_max_abs_eta;
		ws->primed = false;
	}
	else if (resumed)
	{
		/* fg_newton_resume_load made the gradient and the factor */
		J = ws->primed_objective;
		stats->max_abs_eta = ws->primed_max_abs_eta;
		ws->resumed = false;
		fresh = false;
		exact = ws->resumed_exact;
	}
	else
	{
		fg_compute_eta(prob, delta, ws->eta);
		memcpy(ws->delta_next, delta, sizeof(double) * m);
		J = counted_pass(env, prob, NULL, 0.0, true, ws, stats);
		accept_trial(prob, delta, ws);
	}

	for (;;)
	{
		double		dec = 0.0;
		double		t = 1.0;
		double		Jt;
		bool		accepted = false;
		bool		hessian;

		/*
		 * here grad describes the current point delta; F, G and E do too
		 * when fresh, else they still hold the previous point's factor
		 */
		fg_poll_interrupts(env);
		stats->grad_norm = norm2(ws->grad, m);
		if (finishing && prob->final_gradient_only)
			break;
		if (fresh)
		{
			if ((st = factor(prob, ws, stats->max_abs_eta, err)) != FG_OK)
				return st;
		}
		/* without final_gradient_only every pass builds the Hessian: the factor is of this point */
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
		hessian = !(finishing && prob->final_gradient_only) &&
			!((prob->final_gradient_only || (prob->final_hessian && !finishing)) && fresh &&
			  chord_will_finish(dec, last_dec, opt->tol * fmax(1.0, fabs(J))));
		if (resumed)
		{
			/*
			 * A chord step's error is the last one's times a contraction
			 * factor, not its square: it ends the solve only when the
			 * predicted next decrement is far below the tolerance.  The
			 * next point gets its own Hessian when the chord steps stall,
			 * and at the end if the caller wants the Hessian there.
			 */
			double		tol_abs = opt->tol * fmax(1.0, fabs(J));

			if (!exact)
				finishing = chord_dec > 0.0 && dec <= FG_CHORD_CONTRACTION * chord_dec &&
					dec * (dec / chord_dec) <= FG_CHORD_END_MARGIN * tol_abs;
			hessian = finishing ? !prob->final_gradient_only :
				!(exact || (chord_dec > 0.0 && dec <= FG_CHORD_CONTRACTION * chord_dec));
		}
		for (uint32_t j = 0; j < m; j++)
			ws->delta_next[j] = delta[j] + ws->step[j];
		ws->last_pass = finishing;
		Jt = counted_pass(env, prob, ws->step, 1.0, hessian, ws, stats);
		ws->last_pass = false;
		if (finishing || Jt <= J - 1e-4 * dec)
			accepted = true;
		else
		{
			/* shorter steps, objective only; then one full pass at the one taken */
			for (int halvings = 1; halvings < 60 && !accepted; halvings++)
			{
				/* each trial is a pass over the rows; at the rounding floor all 60 run */
				fg_poll_interrupts(env);
				t *= 0.5;
				Jt = objective_along(prob, delta, ws->step, ws->eta, ws->deta, t, ws->tmp);
				accepted = Jt <= J - 1e-4 * t * dec;
			}
			if (accepted)
			{
				for (uint32_t j = 0; j < m; j++)
					ws->delta_next[j] = delta[j] + t * ws->step[j];
				hessian = true;
				Jt = counted_pass(env, prob, NULL, t, true, ws, stats);
			}
		}
		if (!accepted)
		{
			/* no decrease is measurable: we sit at the rounding floor of J */
			if (dec / 2.0 <= 1e-9 * fmax(1.0, fabs(J)))
			{
				/* the blocks were overwritten by trial points: rebuild them here */
				memcpy(ws->delta_next, delta, sizeof(double) * m);
				J = counted_pass(env, prob, NULL, 0.0, true, ws, stats);
				accept_trial(prob, delta, ws);
				stats->grad_norm = norm2(ws->grad, m);
				if ((st = factor(prob, ws, stats->max_abs_eta, err)) != FG_OK)
					return st;
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
		fg_progress(env, opt, "Newton iteration %d: objective %.10g, decrement %.3g, step %g",
					it + 1, Jt, dec, t);
		J = Jt;
		last_dec = fresh && t == 1.0 ? dec : 0.0;
		fresh = hessian;
		exact = hessian;
		chord_dec = hessian ? 0.0 : dec;
		it++;
	}

	stats->iterations = it;
	stats->objective = J;
	return FG_OK;
}
