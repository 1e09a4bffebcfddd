/*
 * inference.c -- the covariance of the fixed effects, the conditional
 * standard errors of the random intercepts, likelihoods and effective
 * degrees of freedom (see inference.h).
 *
 * Notation of newton.c after factor(): G holds Gs = E^-1/2 G (n x k), F the
 * Cholesky factor U of the Schur complement S = U'U, and with fairness
 * terms fair_L = L (n x T), fair_R the factor of M = I + L'L.  In the
 * coordinates y_b = E^1/2 x_b the Hessian is
 *
 *   [ H_ff  P' ]     P = Gs + L Ahat',  Ahat = [sqrt(2 kappa_t) a_f,t] (k x T)
 *   [ P     B  ]     B = I + L L'
 *
 * so that H^-1's stratum block is B^-1 + Q S^-1 Q' with Q = B^-1 P and
 * B^-1 = I - L M^-1 L', and H^-1 v has the fixed part S^-1 (v_f - Q'E^-1/2 v_b).
 */
#include "inference.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

typedef struct infer
{
	const fg_env *env;
	fg_problem *prob;
	fg_newton_ws *ws;
	int			k;
	uint32_t	n;
	int			T;
	double	   *Sinv;			/* k x k: S^-1 */
	double	   *Q;				/* n x k: B^-1 P, scaled coordinates */
	double	   *bdiag;			/* n: diagonal of H^-1's stratum block (unscaled) */
	/* active constraints of the constrained form */
	int			n_act;
	double	   *Hact;			/* n_act x m: H^-1 a_t of each active term */
	double	   *Cplus;			/* n_act x n_act: (A'H^-1 A)^+ */
	int			rank;			/* rank of A'H^-1 A */
} infer;

static void
infer_free(infer *in)
{
	fg_release(in->env, in->Sinv);
	fg_release(in->env, in->Q);
	fg_release(in->env, in->bdiag);
	fg_release(in->env, in->Hact);
	fg_release(in->env, in->Cplus);
}

/* S^-1 from U (upper, row-major), full symmetric. */
static fg_status
inverse_schur(infer *in, fg_error *err)
{
	int			k = in->k;

	memcpy(in->Sinv, in->ws->F, sizeof(double) * k * k);
	if (LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'U', k, in->Sinv, k) != 0)
		return fg_fail(err, FG_ERR_NUMERIC, "the Hessian could not be inverted", NULL,
					   "LAPACK's dpotri failed on the %d x %d Schur complement.", k, k);
	for (int i = 0; i < k; i++)
		for (int j = 0; j < i; j++)
			in->Sinv[i * k + j] = in->Sinv[j * k + i];
	return FG_OK;
}

/*
 * Q = B^-1 P (n x k) and the diagonal of H^-1's stratum block:
 * (1 - l_i'M^-1 l_i + q_i'S^-1 q_i) / E_i.
 */
static fg_status
stratum_block(infer *in, fg_error *err)
{
	fg_problem *prob = in->prob;
	fg_newton_ws *ws = in->ws;
	int			k = in->k,
				T = in->T;
	uint32_t	n = in->n;
	size_t		m = (size_t) k + n;
	double	   *Y = NULL;
	double	   *W1 = NULL;
	double	   *QU = NULL;

	memcpy(in->Q, ws->G, sizeof(double) * n * k);
	for (uint32_t i = 0; i < n; i++)
		in->bdiag[i] = 1.0;
	if (ws->fair)
	{
		double	   *Ahat = fg_alloc(in->env, sizeof(double) * k * T);

		W1 = fg_alloc(in->env, sizeof(double) * T * k);
		Y = fg_alloc(in->env, sizeof(double) * n * T);
		if (!Ahat || !W1 || !Y)
		{
			fg_release(in->env, Ahat);
			fg_release(in->env, W1);
			fg_release(in->env, Y);
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		}
		for (int t = 0; t < T; t++)
		{
			double		sk = sqrt(2.0 * prob->kappa[t]);

			for (int j = 0; j < k; j++)
				Ahat[j * T + t] = sk * prob->A[(size_t) t * m + j];
		}
		/* P = Gs + L Ahat' */
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int) n, k, T, 1.0,
					ws->fair_L, T, Ahat, T, 1.0, in->Q, k);
		fg_release(in->env, Ahat);
		/* Q = P - L M^-1 (L'P) */
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, k, (int) n, 1.0,
					ws->fair_L, T, in->Q, k, 0.0, W1, k);
		/* R factors M = I + L'L, whose eigenvalues are >= 1: this cannot fail */
		(void) LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', T, k, ws->fair_R, T, W1, k);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) n, k, T, -1.0,
					ws->fair_L, T, W1, k, 1.0, in->Q, k);
		/* l_i'M^-1 l_i = ||row i of L R^-1||^2 */
		memcpy(Y, ws->fair_L, sizeof(double) * n * T);
		cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit,
					(int) n, T, 1.0, ws->fair_R, T, Y, T);
		for (uint32_t i = 0; i < n; i++)
			in->bdiag[i] -= cblas_ddot(T, Y + (size_t) i * T, 1, Y + (size_t) i * T, 1);
		fg_release(in->env, W1);
		fg_release(in->env, Y);
	}
	/* q_i'S^-1 q_i = ||q_i' U^-1||^2 */
	QU = fg_alloc_uninit(in->env, sizeof(double) * (n ? n : 1) * k);
	if (QU == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	memcpy(QU, in->Q, sizeof(double) * n * k);
	cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit,
				(int) n, k, 1.0, ws->F, k, QU, k);
	for (uint32_t i = 0; i < n; i++)
		in->bdiag[i] = (in->bdiag[i] + cblas_ddot(k, QU + (size_t) i * k, 1,
												  QU + (size_t) i * k, 1)) / ws->E[i];
	fg_release(in->env, QU);
	return FG_OK;
}

/*
 * The active constraints: H^-1 a_t for each, and the pseudo-inverse of
 * C = A'H^-1 A (eigenvalues below 1e-8 of the largest count as zero: the
 * one-vs-rest terms of an attribute are dependent, which rounding blurs).
 */
static fg_status
active_constraints(infer *in, const double *mu, fg_error *err)
{
	fg_problem *prob = in->prob;
	size_t		m = (size_t) in->k + in->n;
	int			na = 0;
	int		   *which;
	double	   *C,
			   *ev;

	for (int t = 0; t < in->T; t++)
		na += mu[t] != 0.0;
	in->n_act = na;
	if (na == 0)
		return FG_OK;
	which = fg_alloc(in->env, sizeof(int) * na);
	in->Hact = fg_alloc(in->env, sizeof(double) * na * m);
	in->Cplus = fg_alloc(in->env, sizeof(double) * na * na);
	C = fg_alloc(in->env, sizeof(double) * na * na);
	ev = fg_alloc(in->env, sizeof(double) * na);
	if (!which || !in->Hact || !in->Cplus || !C || !ev)
	{
		fg_release(in->env, which);
		fg_release(in->env, C);
		fg_release(in->env, ev);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	for (int t = 0, a = 0; t < in->T; t++)
		if (mu[t] != 0.0)
			which[a++] = t;
	for (int a = 0; a < na; a++)
		fg_newton_solve_h(prob, in->ws, prob->A + (size_t) which[a] * m, in->Hact + (size_t) a * m);
	for (int a = 0; a < na; a++)
		for (int b = 0; b < na; b++)
			C[a * na + b] = cblas_ddot((int) m, prob->A + (size_t) which[a] * m, 1,
									   in->Hact + (size_t) b * m, 1);
	/* symmetric eigendecomposition: C = V diag(ev) V' */
	if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', na, C, na, ev) != 0)
	{
		fg_release(in->env, which);
		fg_release(in->env, C);
		fg_release(in->env, ev);
		return fg_fail(err, FG_ERR_NUMERIC, "the active constraints could not be decomposed",
					   NULL, "LAPACK's dsyev failed on the %d x %d matrix A'H^-1 A.", na, na);
	}
	memset(in->Cplus, 0, sizeof(double) * na * na);
	in->rank = 0;
	for (int e = 0; e < na; e++)
	{
		if (!(ev[e] > 1e-8 * ev[na - 1]))
			continue;
		in->rank++;
		for (int a = 0; a < na; a++)
			for (int b = 0; b < na; b++)
				in->Cplus[a * na + b] += C[a * na + e] * C[b * na + e] / ev[e];
	}
	fg_release(in->env, which);
	fg_release(in->env, C);
	fg_release(in->env, ev);
	return FG_OK;
}

/* out -= Hf Cplus Hf' over the first rows x cols block of the projection (rows from r0, cols from c0) */
static void
project_fixed(const infer *in, double *V)
{
	size_t		m = (size_t) in->k + in->n;
	int			k = in->k,
				na = in->n_act;

	for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++)
		{
			double		s = 0.0;

			for (int a = 0; a < na; a++)
				for (int b = 0; b < na; b++)
					s += in->Hact[(size_t) a * m + i] * in->Cplus[a * na + b] *
						in->Hact[(size_t) b * m + j];
			V[i * k + j] -= s;
		}
}

void
fg_score_sums(const fg_data *data, const double *eta, double *sf, double *sb)
{
	int			k = 1 + data->p;

	for (size_t l = 0; l < data->n_rows; l++)
	{
		const double *x = fg_data_row(data, l);
		uint32_t	g = data->stratum[l];
		double		fitted = data->y_real ? eta[l] : fg_sigmoid(eta[l]);
		double		r = ((data->y_real ? data->y_real[l] : data->y[l]) - fitted) *
			(data->w ? data->w[l] : 1.0);
		double	   *s = sf + (size_t) g * k;

		s[0] += r;
		for (int j = 1; j < k; j++)
			s[j] += r * x[j - 1];
		sb[g] += r;
	}
}

/*
 * The robust covariance V M V, V the (projected) inverse Hessian and
 * M = G/(G - 1) sum_g s_g s_g', s_g the score of the log-likelihood over
 * cluster g's rows: nonzero only in the fixed part and, with strata, in b_g.
 * The fixed part of H^-1 s_g is S^-1 u_g with
 * u_g = s_g,f - (s_g,b / sqrt(E_g)) q_g; the active constraints take
 * H^-1 A C^+ (A'H^-1 s_g) off it.
 */
static fg_status
robust(infer *in, double *V, const fg_row_sums *sums, uint32_t n_strata, fg_error *err)
{
	fg_problem *prob = in->prob;
	const fg_data *data = prob->data;
	int			k = in->k,
				na = in->n_act;
	uint32_t	G = n_strata;
	size_t		m = (size_t) k + in->n;
	size_t		gg = G ? G : 1;
	double	   *sf = fg_alloc(in->env, sizeof(double) * gg * k);
	double	   *sb = fg_alloc(in->env, sizeof(double) * gg);
	double	   *U = fg_alloc(in->env, sizeof(double) * gg * k);
	double	   *Vs = fg_alloc(in->env, sizeof(double) * gg * k);
	double	   *d = fg_alloc(in->env, sizeof(double) * (na ? 2 * na : 1));
	fg_status	st = FG_OK;

	if (!sf || !sb || !U || !Vs || !d)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}
	/* scores per cluster: w (y - mu) [1, x], and their sum for b_g */
	if (sums != NULL && sums->scores_f != NULL)
	{
		memcpy(sf, sums->scores_f, sizeof(double) * G * k);
		memcpy(sb, sums->scores_b, sizeof(double) * G);
	}
	else
		fg_score_sums(data, in->ws->eta, sf, sb);
	for (uint32_t g = 0; g < G; g++)
	{
		double	   *u = U + (size_t) g * k;

		memcpy(u, sf + (size_t) g * k, sizeof(double) * k);
		if (in->n > 0)
		{
			double		c = sb[g] / sqrt(in->ws->E[g]);

			for (int j = 0; j < k; j++)
				u[j] -= c * in->Q[(size_t) g * k + j];
		}
	}
	/* rows of Vs: the fixed part of H^-1 s_g, S^-1 symmetric */
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) G, k, k, 1.0, U, k,
				in->Sinv, k, 0.0, Vs, k);
	for (uint32_t g = 0; g < G && na > 0; g++)
	{
		double	   *v = Vs + (size_t) g * k;
		double	   *e = d + na;

		for (int a = 0; a < na; a++)
		{
			const double *h = in->Hact + (size_t) a * m;

			d[a] = cblas_ddot(k, h, 1, sf + (size_t) g * k, 1) +
				(in->n > 0 ? h[k + g] * sb[g] : 0.0);
		}
		cblas_dgemv(CblasRowMajor, CblasNoTrans, na, na, 1.0, in->Cplus, na, d, 1, 0.0, e, 1);
		for (int a = 0; a < na; a++)
			cblas_daxpy(k, -e[a], in->Hact + (size_t) a * m, 1, v, 1);
	}
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, k, (int) G, 1.0, Vs, k, 0.0, V, k);
	for (int i = 0; i < k; i++)
		for (int j = 0; j < i; j++)
			V[i * k + j] = V[j * k + i];
	if (G > 1)
		for (int i = 0; i < k * k; i++)
			V[i] *= (double) G / (double) (G - 1);

done:
	fg_release(in->env, sf);
	fg_release(in->env, sb);
	fg_release(in->env, U);
	fg_release(in->env, Vs);
	fg_release(in->env, d);
	return st;
}

/* The penalties of J at delta: lambda ||b||^2 + l2 ||beta||^2 + sum_t kappa_t (a_t'delta)^2. */
static double
penalties(fg_problem *prob, const double *delta)
{
	double		pen = 0.0;

	for (uint32_t i = 0; i < prob->n; i++)
		pen += prob->lambda * delta[prob->k + i] * delta[prob->k + i];
	for (int j = 1; j < prob->k; j++)
		pen += prob->l2 * delta[j] * delta[j];
	fg_term_dots(prob, delta, prob->ad);
	for (uint32_t t = 0; t < prob->n_terms; t++)
		pen += prob->kappa[t] * prob->ad[t] * prob->ad[t];
	return pen;
}

#define LOG_2PI 1.8378770664093454836	/* log(2 pi) */

/*
 * The number of observations the gaussian likelihood counts: the rows for
 * weights rescaled to mean one (precision weights, as lm's), the weight
 * sum for frequency weights (a weight of 2 is the row twice).
 */
double
fg_gaussian_nobs(const fg_data *data, const fg_options *opt)
{
	double		total = 0.0;

	if (data->w == NULL || opt->weight_scale != FG_WEIGHTS_AS_GIVEN)
		return (double) data->n_rows;
	for (size_t l = 0; l < data->n_rows; l++)
		total += data->w[l];
	return total;
}

/* The weighted residual sum of squares about the fitted values, or about the weighted mean. */
double
fg_gaussian_rss(const fg_data *data, const double *eta)
{
	double		rss = 0.0,
				wt = 0.0,
				wy = 0.0,
				ybar;

	if (eta != NULL)
	{
		for (size_t l = 0; l < data->n_rows; l++)
		{
			double		r = data->y_real[l] - eta[l];

			rss += (data->w ? data->w[l] : 1.0) * r * r;
		}
		return rss;
	}
	for (size_t l = 0; l < data->n_rows; l++)
	{
		wt += data->w ? data->w[l] : 1.0;
		wy += (data->w ? data->w[l] : 1.0) * data->y_real[l];
	}
	ybar = wy / wt;
	for (size_t l = 0; l < data->n_rows; l++)
	{
		double		r = data->y_real[l] - ybar;

		rss += (data->w ? data->w[l] : 1.0) * r * r;
	}
	return rss;
}

double
fg_gaussian_log_weights(const fg_data *data, const fg_options *opt)
{
	double		logw = 0.0;

	if (data->w != NULL && opt->weight_scale != FG_WEIGHTS_AS_GIVEN)
		for (size_t l = 0; l < data->n_rows; l++)
			logw += log(data->w[l]);
	return 0.5 * logw;
}

double
fg_gaussian_loglik(double nobs, double log_weights, double rss, double sigma2)
{
	return log_weights - 0.5 * nobs * (LOG_2PI + log(sigma2)) - 0.5 * rss / sigma2;
}

/*
 * The gaussian log-likelihood at the maximum-likelihood variance RSS / n
 * (lm's logLik), and the same for the intercept-only model.
 */
static void
gaussian_likelihoods(fg_problem *prob, const double *eta, const fg_options *opt,
					 const fg_row_sums *sums, fg_fit *fit)
{
	const fg_data *data = prob->data;
	double		nobs = sums ? sums->nobs : fg_gaussian_nobs(data, opt);
	double		rss = sums ? sums->rss : fg_gaussian_rss(data, eta);
	double		rss0 = sums ? sums->rss0 : fg_gaussian_rss(data, NULL);
	double		logw = sums ? sums->log_weights : fg_gaussian_log_weights(data, opt);

	/* fg_gaussian_loglik at sigma2 = RSS / n; an exact fit's is +infinity: undefined */
	fit->loglik = rss > 0.0 ? logw - 0.5 * nobs * (LOG_2PI + log(rss / nobs) + 1.0) : NAN;
	fit->null_loglik = logw - 0.5 * nobs * (LOG_2PI + log(rss0 / nobs) + 1.0);
}

/*
 * The residual variance RSS / (n - edf) (lm's sigma^2 without penalties);
 * NAN when undefined.  Boosting estimates its own as it goes (with its
 * fit's degrees of freedom, not the step trace it reports as edf): kept.
 */
static void
gaussian_sigma2(fg_problem *prob, const double *eta, const fg_options *opt,
				const fg_row_sums *sums, fg_fit *fit)
{
	double		nobs = sums ? sums->nobs : fg_gaussian_nobs(prob->data, opt);
	double		rss = sums ? sums->rss : fg_gaussian_rss(prob->data, eta);

	if (fg_method_is_boosting(opt->method) && !isnan(fit->sigma2))
		return;
	fit->sigma2 = nobs > fit->edf ? rss / (nobs - fit->edf) : NAN;
}

/* fg_inference; with sums, a gaussian fit whose rows are gone (fg_inference_sums) */
static fg_status
inference(const fg_env *env, fg_problem *prob, fg_newton_ws *ws,
		  const double *delta, const fg_options *opt, const double *mu,
		  double edf_given, const fg_row_sums *sums, uint32_t n_strata, fg_fit *fit,
		  fg_error *err)
{
	const fg_data *data = prob->data;
	bool		gaussian = sums != NULL ? sums->gaussian : data->y_real != NULL;
	infer		in;
	int			k = prob->k;
	uint32_t	n = prob->n;
	size_t		m = (size_t) k + n;
	double		wy = 0.0,
				wt = 0.0,
				ybar;
	bool		penalised = n > 0 || prob->l2 > 0.0;
	fg_status	st;

	for (uint32_t t = 0; t < prob->n_terms; t++)
		penalised |= prob->kappa[t] > 0.0 || (mu && mu[t] != 0.0);

	fit->edf = edf_given >= 0.0 ? edf_given : penalised ? NAN : (double) k;
	if (gaussian)
		gaussian_likelihoods(prob, ws->eta, opt, sums, fit);
	else
	{
		/*
		 * likelihoods: J less its penalties (at most 0: rounding of a large
		 * penalty must not make it positive); the intercept-only model in
		 * closed form
		 */
		fit->loglik = fmin(-(fit->objective - penalties(prob, delta)), 0.0);
		if (sums != NULL)
		{
			wt = sums->weight;
			wy = sums->wy;
		}
		for (size_t l = 0; sums == NULL && l < data->n_rows; l++)
		{
			double		w = data->w ? data->w[l] : 1.0;

			wt += w;
			wy += data->y[l] ? w : 0.0;
		}
		ybar = wy / wt;
		fit->null_loglik = wy * log(ybar) + (wt - wy) * log1p(-ybar);
	}
	fit->vcov_type = opt->vcov;
	if (opt->vcov == FG_VCOV_NONE)
	{
		/* without the Hessian a penalised fit has no edf, so no sigma^2 either */
		if (gaussian)
			gaussian_sigma2(prob, ws->eta, opt, sums, fit);
		return FG_OK;
	}

	memset(&in, 0, sizeof(in));
	in.env = env;
	in.prob = prob;
	in.ws = ws;
	in.k = k;
	in.n = n;
	in.T = (int) prob->n_terms;
	fit->vcov = fg_alloc(env, sizeof(double) * k * k);
	fit->b_se = fg_alloc(env, sizeof(double) * (n ? n : 1));
	in.Sinv = fg_alloc(env, sizeof(double) * k * k);
	in.Q = fg_alloc(env, sizeof(double) * (n ? n : 1) * k);
	in.bdiag = fg_alloc(env, sizeof(double) * (n ? n : 1));
	if (!fit->vcov || !fit->b_se || !in.Sinv || !in.Q || !in.bdiag)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}
	fg_progress(env, opt, "standard errors: the Hessian at the solution");
	/* the solve's last factor when it is of this Hessian at the solution; else a pass */
	if ((!fg_newton_factored_for(prob, ws) &&
		 (st = fg_newton_factor_at(env, prob, delta, ws, err)) != FG_OK) ||
		(st = inverse_schur(&in, err)) != FG_OK ||
		(n > 0 && (st = stratum_block(&in, err)) != FG_OK) ||
		(mu != NULL && (st = active_constraints(&in, mu, err)) != FG_OK))
		goto done;

	/* model-based: S^-1, less the active constraints' projection */
	memcpy(fit->vcov, in.Sinv, sizeof(double) * k * k);
	if (in.n_act > 0)
	{
		project_fixed(&in, fit->vcov);
		for (uint32_t i = 0; i < n; i++)
		{
			double		s = 0.0;

			for (int a = 0; a < in.n_act; a++)
				for (int b = 0; b < in.n_act; b++)
					s += in.Hact[(size_t) a * m + k + i] * in.Cplus[a * in.n_act + b] *
						in.Hact[(size_t) b * m + k + i];
			in.bdiag[i] -= s;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		fit->b_se[i] = sqrt(fmax(in.bdiag[i], 0.0));

	/*
	 * Effective degrees of freedom, the trace of H_p^-1 H_loglik with H_p^-1
	 * the (projected) inverse: (k + n - rank) less its trace against the
	 * penalties' Hessian 2 l2 (slopes) + 2 lambda (b) + sum_t 2 kappa_t a_t a_t'.
	 */
	if (edf_given < 0.0)
	{
		double		edf = (double) m - in.rank;

		for (int j = 1; j < k; j++)
			edf -= 2.0 * prob->l2 * fit->vcov[j * k + j];
		for (uint32_t i = 0; i < n; i++)
			edf -= 2.0 * prob->lambda * in.bdiag[i];
		for (uint32_t t = 0; t < prob->n_terms; t++)
		{
			double	   *h = ws->tmp;

			if (!(prob->kappa[t] > 0.0))
				continue;
			fg_newton_solve_h(prob, ws, prob->A + (size_t) t * m, h);
			edf -= 2.0 * prob->kappa[t] * cblas_ddot((int) m, prob->A + (size_t) t * m, 1, h, 1);
		}
		/* the trace lies in [0, m]; a huge penalty can round it just outside */
		fit->edf = fmin(fmax(edf, 0.0), (double) m);
	}

	/*
	 * gaussian: the loss is (1/2) RSS, so H^-1 is the covariance per unit
	 * of residual variance (lm's sigma^2 (X'VX)^-1); the sandwich below
	 * needs no such factor.  Boosting keeps the sigma^2 of its last step
	 * (gaussian_sigma2), and prob->lambda = sigma^2 / (2 Q) makes
	 * sigma^2 H^-1 the inverse of its Fisher matrix.
	 */
	if (gaussian)
	{
		gaussian_sigma2(prob, ws->eta, opt, sums, fit);
		for (int i = 0; i < k * k; i++)
			fit->vcov[i] *= fit->sigma2;
		for (uint32_t i = 0; i < n; i++)
			fit->b_se[i] *= sqrt(fit->sigma2);
		if (isnan(fit->sigma2))
		{
			st = fg_fail(err, FG_ERR_DATA, "the residual variance is undefined",
						 "Fit fewer parameters than rows, or pass \"vcov\": \"none\".",
						 "The fit has %g effective parameters for a weight of %g.", fit->edf,
						 sums ? sums->nobs : fg_gaussian_nobs(data, opt));
			goto done;
		}
	}

	if (opt->vcov == FG_VCOV_ROBUST)
	{
		if (data->stratum == NULL && (sums == NULL || sums->scores_f == NULL))
		{
			st = fg_fail(err, FG_ERR_INVALID, "robust standard errors need strata",
						 "Pass a stratum for every row; the robust covariance is clustered by stratum.",
						 NULL);
			goto done;
		}
		fg_progress(env, opt, "standard errors: the sandwich clustered by %u strata", n_strata);
		st = robust(&in, fit->vcov, sums, n_strata, err);
	}

	/*
	 * The projection and the sandwich are symmetric only up to rounding;
	 * the stored matrix is exactly symmetric, and a variance that rounding
	 * took below zero (a coefficient pinned by the constraints) is zero.
	 */
	if (st == FG_OK)
	{
		double		top = 0.0;

		for (int i = 0; i < k; i++)
			top = fmax(top, fabs(fit->vcov[i * k + i]));
		for (int i = 0; i < k; i++)
		{
			for (int j = 0; j < i; j++)
				fit->vcov[i * k + j] = fit->vcov[j * k + i] =
					0.5 * (fit->vcov[i * k + j] + fit->vcov[j * k + i]);
			if (fit->vcov[i * k + i] < 0.0 && fit->vcov[i * k + i] >= -1e-12 * top)
				fit->vcov[i * k + i] = 0.0;
		}
	}

done:
	infer_free(&in);
	if (st != FG_OK)
	{
		fg_release(env, fit->vcov);
		fg_release(env, fit->b_se);
		fit->vcov = fit->b_se = NULL;
		fit->vcov_type = FG_VCOV_NONE;
	}
	return st;
}

fg_status
fg_inference(const fg_env *env, fg_problem *prob, fg_newton_ws *ws,
			 const double *delta, const fg_options *opt, const double *mu,
			 double edf_given, fg_fit *fit, fg_error *err)
{
	return inference(env, prob, ws, delta, opt, mu, edf_given, NULL, prob->data->n_strata, fit,
					 err);
}

fg_status
fg_inference_sums(const fg_env *env, fg_problem *prob, fg_newton_ws *ws,
				  const double *delta, const fg_options *opt, const double *mu,
				  const fg_row_sums *sums, uint32_t n_strata, fg_fit *fit, fg_error *err)
{
	return inference(env, prob, ws, delta, opt, mu, -1.0, sums, n_strata, fit, err);
}
