/*
 * test_gaussian_boosting.c -- glmm and fair_glmm for the gaussian family
 * (the linear mixed model): against a dense, naive Algorithm 1 written here
 * in the log-likelihood's own units (working weights v / sigma^2, N x N hat
 * matrices, sigma^2 and Q updated each step), with the standard errors
 * against the inverse of the dense Fisher matrix; Q, sigma^2 and the fixed
 * effects of a simulated LMM; the covariance with the sensitive attribute
 * falling with rho; a weight of 2 as the row twice; determinism, row order,
 * the scale of y; failures and out-of-memory paths.
 */
#include "unit.h"
#include "test_data.h"

#include <lapacke.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836

/* ---------- data ---------- */

typedef struct lmm_set
{
	test_set	t;
	double	   *y;
	double	   *w;
} lmm_set;

/*
 * n strata of `per` rows: y = 2 + x'beta + s_effect s + b_g + e with
 * b_g ~ N(0, q_true), e ~ N(0, sigma2_true), x1 correlated with s.
 */
static const double true_beta[3] = {1.0, -0.5, 0.25};

static void
make_lmm(lmm_set *ls, uint32_t n, int per, double q_true, double sigma2_true,
		 double s_effect, uint64_t seed)
{
	size_t		N = (size_t) n * per;
	int			p = 3;
	double	   *b = calloc(n, sizeof(double));

	rng_state = seed;
	test_set_alloc(&ls->t, N, p, n);
	ls->y = calloc(N, sizeof(double));
	ls->w = calloc(N, sizeof(double));
	for (uint32_t i = 0; i < n; i++)
		b[i] = sqrt(q_true) * normal01();
	for (size_t l = 0; l < N; l++)
	{
		double		mean = 2.0;

		ls->t.g[l] = (uint32_t) (l / per);
		ls->t.s[l] = uniform01() < 0.4;
		for (int j = 0; j < p; j++)
		{
			ls->t.x[l * p + j] = normal01() + (j == 0 ? 0.8 * ls->t.s[l] : 0.0);
			mean += true_beta[j] * ls->t.x[l * p + j];
		}
		ls->y[l] = mean + s_effect * ls->t.s[l] + b[ls->t.g[l]] + sqrt(sigma2_true) * normal01();
		ls->w[l] = 1.0;
	}
	ls->t.data.y = NULL;
	ls->t.data.y_real = ls->y;
	free(b);
}

static void
free_lmm(lmm_set *ls)
{
	free_set(&ls->t);
	free(ls->y);
	free(ls->w);
}

static fg_options
lmm_options(fg_method method, double rho)
{
	fg_options	o;

	fg_options_default(&o);
	o.family = FG_FAMILY_GAUSSIAN;
	o.method = method;
	o.rho = rho;
	o.lambda = 1.0;
	return o;
}

static bool
fit(const fg_data *d, fg_options o, fg_fit *f)
{
	fg_error	err;

	return CHECK(fg_fit_model(&unit_env, d, &o, f, &err) == FG_OK,
				 "%s: %s (%s)", fg_method_name(o.method), err.message, err.detail);
}

static double
fit_eta(const fg_data *d, const fg_fit *f, size_t l)
{
	double		e = f->intercept + f->b[d->stratum[l]];

	for (int j = 0; j < d->p; j++)
		e += d->x[l * d->p + j] * f->beta[j];
	return e;
}

/* ---------- dense helpers ---------- */

/* B = A^-1 B for an m x m A (copied) and m x c B */
static void
dense_solve(int m, const double *A, double *B, int c)
{
	double	   *Ac = malloc(sizeof(double) * m * m);
	lapack_int *ipiv = malloc(sizeof(lapack_int) * m);

	memcpy(Ac, A, sizeof(double) * m * m);
	CHECK(LAPACKE_dgesv(LAPACK_ROW_MAJOR, m, c, Ac, m, ipiv, B, c) == 0);
	free(Ac);
	free(ipiv);
}

/* Ainv = A^-1, m x m */
static void
dense_inverse(int m, const double *A, double *Ainv)
{
	memset(Ainv, 0, sizeof(double) * m * m);
	for (int i = 0; i < m; i++)
		Ainv[i * m + i] = 1.0;
	dense_solve(m, A, Ainv, m);
}

/*
 * For the design A (N x mc), row weights w: F = A'WA + K (1/Q on columns
 * from k_from) + pen a_c a_c' + ridge on column ridge_col; and, when M is
 * given, M = A D F^-1 A'W with column nu_col scaled by nu.
 */
static void
build_m(size_t N, int mc, const double *A, const double *w, int k_from, double invq,
		const double *a_c, double pen, int ridge_col, double ridge, int nu_col, double nu,
		double *F, double *M)
{
	double	   *G = malloc(sizeof(double) * mc * N);

	memset(F, 0, sizeof(double) * mc * mc);
	for (size_t l = 0; l < N; l++)
		for (int i = 0; i < mc; i++)
			for (int j = 0; j < mc; j++)
				F[i * mc + j] += A[l * mc + i] * w[l] * A[l * mc + j];
	for (int i = k_from; i < mc; i++)
		F[i * mc + i] += invq;
	for (int i = 0; i < mc; i++)
		for (int j = 0; j < mc; j++)
			F[i * mc + j] += pen * a_c[i] * a_c[j];
	if (ridge_col >= 0)
		F[ridge_col * mc + ridge_col] += ridge;
	if (M != NULL)
	{
		for (int i = 0; i < mc; i++)
			for (size_t l = 0; l < N; l++)
				G[i * N + l] = A[l * mc + i] * w[l];
		dense_solve(mc, F, G, (int) N);
		for (size_t l = 0; l < N; l++)
			for (size_t k = 0; k < N; k++)
			{
				double		v = 0;

				for (int i = 0; i < mc; i++)
					v += A[l * mc + i] * (i == nu_col ? nu : 1.0) * G[i * N + k];
				M[l * N + k] = v;
			}
	}
	free(G);
}

/* The full design [1, X, Z], N x (1 + p + n). */
static double *
full_design(const test_set *t)
{
	size_t		N = t->data.n_rows;
	int			p = t->data.p,
				mf = 1 + p + (int) t->data.n_strata;
	double	   *A = calloc(N * mf, sizeof(double));

	for (size_t l = 0; l < N; l++)
	{
		A[l * mf] = 1.0;
		for (int j = 0; j < p; j++)
			A[l * mf + 1 + j] = t->x[l * p + j];
		A[l * mf + 1 + p + t->g[l]] = 1.0;
	}
	return A;
}

typedef struct dense_result
{
	double		q,
				sigma2,
				bic,
				df;
	int			steps;
	uint32_t	selected[8];
	double		vcov[16];		/* (1 + p)^2 of the final Fisher matrix's inverse */
	double		b_var[8];		/* its diagonal in the random intercepts */
} dense_result;

/*
 * Dense Algorithm 1 for the LMM from the warm start delta (1 + p + n),
 * unweighted, with exact traces and everything in the log-likelihood's
 * units: W = I / sigma^2, K = I / Q, the fairness and ridge penalties
 * divided by sigma^2.  sigma^2 starts at the warm start's RSS / (N - edf),
 * edf = 1 + p + n - 2 lambda tr(H^-1)_bb with H = A'A + 2 lambda I_b
 * + 2 l2 I_beta; Q at q0 sigma^2.  The Harville update's Fisher matrix
 * has the ridge, not the fairness term (as for the binomial family).
 */
static void
dense_lmm_boost(const lmm_set *ls, const fg_options *o, double *delta, dense_result *res)
{
	const test_set *t = &ls->t;
	size_t		N = t->data.n_rows;
	int			p = t->data.p;
	int			n = (int) t->data.n_strata;
	int			mf = 1 + p + n;
	int			mr = 2 + n;
	double		kappa = o->rho / N;
	double		sigma2,
				Q;
	double	   *a = calloc(mf, sizeof(double));
	double	   *eta = calloc(N, sizeof(double));
	double	   *w = calloc(N, sizeof(double));
	double	   *P = calloc(N * N, sizeof(double));
	double	   *Ar = calloc(N * mr, sizeof(double));
	double	   *F = calloc(mr * mr, sizeof(double));
	double	   *M = calloc(N * N, sizeof(double));
	double	   *Mbest = calloc(N * N, sizeof(double));
	double	   *T = calloc(N * N, sizeof(double));
	double	   *Af = full_design(t);
	double	   *Ff = calloc(mf * mf, sizeof(double));
	double	   *Finv = calloc(mf * mf, sizeof(double));
	double	   *zero = calloc(mf, sizeof(double));
	double		best_step[64],
				step[64];
	double		s_bar = 0;

	for (size_t l = 0; l < N; l++)
		s_bar += t->s[l];
	s_bar /= N;
	for (size_t l = 0; l < N; l++)
		for (int j = 0; j < mf; j++)
			a[j] += (t->s[l] - s_bar) * Af[l * mf + j];
	for (size_t l = 0; l < N; l++)
	{
		eta[l] = 0;
		for (int j = 0; j < mf; j++)
			eta[l] += Af[l * mf + j] * delta[j];
	}

	/* sigma^2 from the warm start: RSS / (N - edf), edf = mf - 2 lambda tr(H^-1)_bb */
	{
		double		rss = 0,
					edf = mf;

		for (size_t l = 0; l < N; l++)
		{
			w[l] = 1.0;
			rss += (ls->y[l] - eta[l]) * (ls->y[l] - eta[l]);
		}
		build_m(N, mf, Af, w, 1 + p, 2.0 * o->lambda, zero, 0.0, -1, 0.0, -1, 1.0, Ff, NULL);
		for (int j = 1; j <= p; j++)
			Ff[j * mf + j] += 2.0 * o->l2;
		dense_inverse(mf, Ff, Finv);
		for (int i = 1 + p; i < mf; i++)
			edf -= 2.0 * o->lambda * Finv[i * mf + i];
		sigma2 = rss / (N - edf);
		Q = o->q0 * sigma2;
	}

	/* P_0 = M_0 with A_0 = [1, Z], no fairness term */
	{
		double	   *A0 = calloc(N * (1 + n), sizeof(double));
		double	   *F0 = calloc((1 + n) * (1 + n), sizeof(double));

		for (size_t l = 0; l < N; l++)
		{
			w[l] = 1.0 / sigma2;
			A0[l * (1 + n)] = 1;
			A0[l * (1 + n) + 1 + t->g[l]] = 1;
		}
		build_m(N, 1 + n, A0, w, 1, 1.0 / Q, zero, 0.0, -1, 0.0, -1, 1.0, F0, P);
		free(A0);
		free(F0);
	}

	res->steps = 0;
	memset(res->selected, 0, sizeof(res->selected));
	for (int it = 0; it < o->max_steps; it++)
	{
		double		ad = 0,
					best_bic = INFINITY,
					best_df = 0,
					tr_p = 0,
					Qn = 0,
					rss = 0,
					beta_sq = 0;
		int			best = -1;

		for (int j = 0; j < mf; j++)
			ad += a[j] * delta[j];
		for (int j = 0; j < p; j++)
			beta_sq += delta[1 + j] * delta[1 + j];
		for (size_t l = 0; l < N; l++)
		{
			w[l] = 1.0 / sigma2;
			tr_p += P[l * N + l];
		}
		for (int r = 0; r < p; r++)
		{
			double		a_r[64],
						rss_r = 0,
						ad_new,
						tr_m = 0,
						ll,
						beta_r,
						ridge,
						bic;

			a_r[0] = a[0];
			a_r[1] = a[1 + r];
			for (int i = 0; i < n; i++)
				a_r[2 + i] = a[1 + p + i];
			memset(Ar, 0, sizeof(double) * N * mr);
			for (size_t l = 0; l < N; l++)
			{
				Ar[l * mr] = 1;
				Ar[l * mr + 1] = t->x[l * p + r];
				Ar[l * mr + 2 + t->g[l]] = 1;
			}
			build_m(N, mr, Ar, w, 2, 1.0 / Q, a_r, 2.0 * kappa / sigma2, 1,
					2.0 * o->l2 / sigma2, 1, o->nu, F, M);
			for (int i = 0; i < mr; i++)
			{
				double		si = 0;

				for (size_t l = 0; l < N; l++)
					si += Ar[l * mr + i] * w[l] * (ls->y[l] - eta[l]);
				if (i >= 2)
					si -= delta[1 + p + i - 2] / Q;
				if (i == 1)
					si -= 2.0 * o->l2 * delta[1 + r] / sigma2;
				si -= 2.0 * kappa / sigma2 * a_r[i] * ad;
				step[i] = si;
			}
			dense_solve(mr, F, step, 1);
			ad_new = ad + a_r[0] * step[0] + a_r[1] * o->nu * step[1];
			for (int i = 0; i < n; i++)
				ad_new += a_r[2 + i] * step[2 + i];
			for (size_t l = 0; l < N; l++)
			{
				double		e = eta[l] + step[0] + o->nu * step[1] * t->x[l * p + r] +
					step[2 + t->g[l]];

				rss_r += (ls->y[l] - e) * (ls->y[l] - e);
			}
			ll = -rss_r / (2 * sigma2) - 0.5 * N * (LOG_2PI + log(sigma2));
			beta_r = delta[1 + r] + o->nu * step[1];
			ridge = o->l2 * (beta_sq - delta[1 + r] * delta[1 + r] + beta_r * beta_r);
			for (size_t l = 0; l < N; l++)
				for (size_t k = 0; k < N; k++)
					tr_m += M[l * N + k] * ((k == l) - P[k * N + l]);
			bic = -2 * (ll - (kappa * ad_new * ad_new + ridge) / sigma2) +
				2 * (tr_p + tr_m) * log((double) n);
			if (bic < best_bic)
			{
				best_bic = bic;
				best_df = tr_p + tr_m;
				best = r;
				memcpy(best_step, step, sizeof(double) * mr);
				memcpy(Mbest, M, sizeof(double) * N * N);
			}
		}
		delta[0] += best_step[0];
		delta[1 + best] += o->nu * best_step[1];
		for (int i = 0; i < n; i++)
			delta[1 + p + i] += best_step[2 + i];
		for (size_t l = 0; l < N; l++)
		{
			eta[l] += best_step[0] + o->nu * best_step[1] * t->x[l * p + best] +
				best_step[2 + t->g[l]];
			rss += (ls->y[l] - eta[l]) * (ls->y[l] - eta[l]);
		}
		for (size_t l = 0; l < N; l++)
			for (size_t k = 0; k < N; k++)
			{
				double		v = 0;

				for (size_t j = 0; j < N; j++)
					v += Mbest[l * N + j] * ((j == k) - P[j * N + k]);
				T[l * N + k] = P[l * N + k] + v;
			}
		memcpy(P, T, sizeof(double) * N * N);
		res->selected[best]++;
		res->steps = it + 1;
		res->bic = best_bic;
		res->df = best_df;

		/*
		 * The Fisher matrix with the last sigma^2; from its inverse the fit's
		 * degrees of freedom mf - sum_i Finv_ii / Q, sigma^2 from the new
		 * residuals with them, then Q with the variances at that sigma^2
		 */
		for (size_t l = 0; l < N; l++)
			w[l] = 1.0 / sigma2;
		build_m(N, mf, Af, w, 1 + p, 1.0 / Q, zero, 0.0, -1, 0.0, -1, 1.0, Ff, NULL);
		for (int j = 1; j <= p; j++)
			Ff[j * mf + j] += 2.0 * o->l2 / sigma2;
		dense_inverse(mf, Ff, Finv);
		{
			double		edf = (double) mf,
						old = sigma2;

			for (int i = 0; i < n; i++)
				edf -= Finv[(1 + p + i) * mf + 1 + p + i] / Q;
			sigma2 = rss / (N - edf);
			for (int i = 0; i < n; i++)
				Qn += Finv[(1 + p + i) * mf + 1 + p + i] * sigma2 / old +
					delta[1 + p + i] * delta[1 + p + i];
		}
		Qn /= n;
		if (fabs(Qn - Q) / Qn <= o->tol_q)
		{
			Q = Qn;
			break;
		}
		Q = Qn;
	}
	res->q = Q;
	res->sigma2 = sigma2;

	/*
	 * the standard errors: the fixed block of the inverse of the penalised
	 * Fisher matrix at the end, with the final Q and sigma^2 and the
	 * fairness and ridge terms (over sigma^2)
	 */
	for (size_t l = 0; l < N; l++)
		w[l] = 1.0 / sigma2;
	build_m(N, mf, Af, w, 1 + p, 1.0 / Q, a, 2.0 * kappa / sigma2, -1, 0.0, -1, 1.0, Ff, NULL);
	for (int j = 1; j <= p; j++)
		Ff[j * mf + j] += 2.0 * o->l2 / sigma2;
	dense_inverse(mf, Ff, Finv);
	for (int i = 0; i <= p; i++)
		for (int j = 0; j <= p; j++)
			res->vcov[i * (1 + p) + j] = Finv[i * mf + j];
	for (int i = 0; i < n; i++)
		res->b_var[i] = Finv[(1 + p + i) * mf + 1 + p + i];

	free(a);
	free(eta);
	free(w);
	free(P);
	free(Ar);
	free(F);
	free(M);
	free(Mbest);
	free(T);
	free(Af);
	free(Ff);
	free(Finv);
	free(zero);
}

/* ---------- tests ---------- */

/* The library's fit equals the dense one: steps, selections, coefficients, Q, sigma^2, BIC, df, vcov. */
static void
test_against_dense(fg_method method, double rho, double nu, double l2, int max_steps)
{
	lmm_set		ls;
	fg_fit		warm,
				boosted;
	fg_options	o = lmm_options(method, rho);
	fg_options	ow = lmm_options(method == FG_METHOD_GLMM ? FG_METHOD_CRLR : FG_METHOD_FAIR_CRLR,
								 method == FG_METHOD_GLMM ? 0 : rho);
	int			p = 3;
	uint32_t	n = 6;
	double		delta[1 + 3 + 6];
	dense_result dr;

	make_lmm(&ls, n, 15, 1.5, 2.0, 1.0, 2024 + max_steps);
	o.nu = nu;
	o.l2 = l2;
	o.max_steps = max_steps;
	o.exact_trace = true;
	ow.l2 = l2;
	if (!fit(&ls.t.data, ow, &warm))
		goto out;
	delta[0] = warm.intercept;
	memcpy(delta + 1, warm.beta, sizeof(double) * p);
	memcpy(delta + 1 + p, warm.b, sizeof(double) * n);
	dense_lmm_boost(&ls, &o, delta, &dr);

	if (fit(&ls.t.data, o, &boosted))
	{
		CHECK(boosted.steps == dr.steps, "%d steps against %d", boosted.steps, dr.steps);
		for (int j = 0; j < p; j++)
			CHECK(boosted.selected[j] == dr.selected[j], "covariate %d selected %u against %u times",
				  j + 1, boosted.selected[j], dr.selected[j]);
		CHECK_NEAR(boosted.intercept, delta[0], 1e-8);
		for (int j = 0; j < p; j++)
			CHECK_NEAR(boosted.beta[j], delta[1 + j], 1e-8);
		for (uint32_t i = 0; i < n; i++)
			CHECK_NEAR(boosted.b[i], delta[1 + p + i], 1e-8);
		CHECK_NEAR(boosted.q, dr.q, 1e-8 * dr.q);
		CHECK_NEAR(boosted.sigma2, dr.sigma2, 1e-8 * dr.sigma2);
		CHECK_NEAR(boosted.df, dr.df, 1e-8 * dr.df);
		CHECK_NEAR(boosted.edf, dr.df, 1e-8 * dr.df);
		CHECK_NEAR(boosted.bic, dr.bic, 1e-8 * fabs(dr.bic));
		for (int i = 0; i < (p + 1) * (p + 1); i++)
			CHECK_NEAR(boosted.vcov[i], dr.vcov[i],
					   1e-8 * sqrt(dr.vcov[(i / (p + 1)) * (p + 2)] * dr.vcov[(i % (p + 1)) * (p + 2)]));
		for (uint32_t i = 0; i < n; i++)
			CHECK_NEAR(boosted.b_se[i], sqrt(dr.b_var[i]), 1e-8 * sqrt(dr.b_var[i]));
		fg_fit_release(&unit_env, &boosted);
	}
	fg_fit_release(&unit_env, &warm);
out:
	free_lmm(&ls);
}

/*
 * A simulated LMM of 400 strata x 20 rows: Q and sigma^2 within 4 of their
 * asymptotic standard errors (sigma^2: sigma^2 sqrt(2 / (N - n)); Q:
 * sqrt(2 / n) (Q + sigma^2 / 20), balanced one-way ANOVA), the fixed
 * effects within 3 of the model's standard errors.  The data are fixed,
 * so this cannot flake; 4 SE leaves room for boosting's trace df, which
 * counts the random intercepts as almost unshrunk and so raises sigma^2 by
 * about (N - df_ml) / (N - df) - 1, under 1% here (docs/gaussian-boosting.md).
 */
static void
test_recovery(void)
{
	lmm_set		ls;
	fg_fit		f;
	uint32_t	n = 400;
	int			per = 20;
	double		q_true = 1.0,
				sigma2_true = 4.0;
	size_t		N = (size_t) n * per;

	make_lmm(&ls, n, per, q_true, sigma2_true, 0.0, 31);
	if (fit(&ls.t.data, lmm_options(FG_METHOD_GLMM, 0.0), &f))
	{
		double		se_sigma2 = sigma2_true * sqrt(2.0 / (double) (N - n));
		double		se_q = sqrt(2.0 / n) * (q_true + sigma2_true / per);
		double		rss = 0.0;

		CHECK(fabs(f.sigma2 - sigma2_true) <= 4.0 * se_sigma2, "sigma^2 %g, true %g, SE %g",
			  f.sigma2, sigma2_true, se_sigma2);
		CHECK(fabs(f.q - q_true) <= 4.0 * se_q, "Q %g, true %g, SE %g", f.q, q_true, se_q);
		CHECK(fabs(f.intercept - 2.0) <= 3.0 * sqrt(f.vcov[0]), "intercept %g (SE %g)",
			  f.intercept, sqrt(f.vcov[0]));
		for (int j = 0; j < 3; j++)
			CHECK(fabs(f.beta[j] - true_beta[j]) <= 3.0 * sqrt(f.vcov[(j + 1) * 5]),
				  "beta %d: %g, true %g, SE %g", j + 1, f.beta[j], true_beta[j],
				  sqrt(f.vcov[(j + 1) * 5]));
		CHECK(f.stop_reason == 1 && f.steps < 100, "stop %d after %d steps", f.stop_reason, f.steps);
		/*
		 * sigma^2 is boosting's last update, RSS / (N - edf) with the fit's
		 * degrees of freedom: between the fixed effects alone and the step
		 * trace, not re-estimated afterwards
		 */
		for (size_t l = 0; l < N; l++)
			rss += (ls.y[l] - fit_eta(&ls.t.data, &f, l)) * (ls.y[l] - fit_eta(&ls.t.data, &f, l));
		CHECK(f.sigma2 > rss / ((double) N - 4.0) && f.sigma2 < rss / ((double) N - f.df),
			  "sigma^2 %g outside (%g, %g)", f.sigma2, rss / ((double) N - 4.0), rss / ((double) N - f.df));
		CHECK(f.edf == f.df && isfinite(f.loglik) && f.rmse > 0 && f.r2 > 0 && f.r2 < 1);
		fg_fit_release(&unit_env, &f);
	}
	free_lmm(&ls);
}

/* fair_glmm: rho = 0 is glmm; the covariance with s falls as rho grows. */
static void
test_fairness(void)
{
	lmm_set		ls;
	fg_fit		glmm,
				fair;
	double		last = INFINITY,
				first = 0.0;

	make_lmm(&ls, 60, 20, 1.0, 4.0, 1.5, 8);
	if (!fit(&ls.t.data, lmm_options(FG_METHOD_GLMM, 0.0), &glmm))
		goto out;
	for (int r = 0; r < 5; r++)
	{
		double		rho = (double[]) {0.0, 0.3, 3.0, 30.0, 300.0}[r];

		if (!fit(&ls.t.data, lmm_options(FG_METHOD_FAIR_GLMM, rho), &fair))
			break;
		if (rho == 0.0)
		{
			CHECK(fair.intercept == glmm.intercept && fair.q == glmm.q &&
				  fair.sigma2 == glmm.sigma2);
			CHECK(fair.n_terms == 1 && fabs(fair.terms[0].cov) > 0.1, "cov %g", fair.terms[0].cov);
			first = fabs(fair.terms[0].cov);
		}
		CHECK(fabs(fair.terms[0].cov) < last, "rho %g: cov %g after %g", rho, fair.terms[0].cov,
			  last);
		/* the fit pays for it */
		CHECK(fair.sigma2 >= glmm.sigma2 * (1.0 - 1e-12), "rho %g: sigma^2 %g below %g", rho,
			  fair.sigma2, glmm.sigma2);
		if (rho == 300.0)
			CHECK(fabs(fair.terms[0].cov) < 0.1 * first, "rho %g: cov %g", rho, fair.terms[0].cov);
		last = fabs(fair.terms[0].cov);
		fg_fit_release(&unit_env, &fair);
	}
	fg_fit_release(&unit_env, &glmm);
out:
	free_lmm(&ls);
}

/* A frequency weight of 2 (weight_scale as_given) is the row twice; exact traces, so the df match too. */
static void
test_weight_two(void)
{
	lmm_set		ls,
				twice;
	uint32_t	n = 8;
	int			per = 12,
				p = 3;
	size_t		N = (size_t) n * per;
	fg_options	o = lmm_options(FG_METHOD_FAIR_GLMM, 2.0);
	fg_fit		a,
				b;

	make_lmm(&ls, n, per, 1.0, 2.0, 1.0, 12);
	make_lmm(&twice, n, per, 1.0, 2.0, 1.0, 12);
	/* twice: the same rows and row 5 once more at the end */
	free_set(&twice.t);
	free(twice.y);
	test_set_alloc(&twice.t, N + 1, p, n);
	twice.y = calloc(N + 1, sizeof(double));
	memcpy(twice.t.x, ls.t.x, sizeof(double) * N * p);
	memcpy(twice.y, ls.y, sizeof(double) * N);
	memcpy(twice.t.s, ls.t.s, N);
	memcpy(twice.t.g, ls.t.g, sizeof(uint32_t) * N);
	memcpy(twice.t.x + N * p, ls.t.x + 5 * p, sizeof(double) * p);
	twice.y[N] = ls.y[5];
	twice.t.s[N] = ls.t.s[5];
	twice.t.g[N] = ls.t.g[5];
	twice.t.data.y = NULL;
	twice.t.data.y_real = twice.y;
	ls.w[5] = 2.0;
	ls.t.data.w = ls.w;
	o.weight_scale = FG_WEIGHTS_AS_GIVEN;
	o.exact_trace = true;
	o.tol_q = 1e-6;
	if (fit(&ls.t.data, o, &a))
	{
		if (fit(&twice.t.data, o, &b))
		{
			CHECK(a.steps == b.steps, "%d vs %d steps", a.steps, b.steps);
			CHECK_NEAR(a.intercept, b.intercept, 1e-9 * fabs(b.intercept));
			for (int j = 0; j < p; j++)
				CHECK_NEAR(a.beta[j], b.beta[j], 1e-9);
			for (uint32_t i = 0; i < n; i++)
				CHECK_NEAR(a.b[i], b.b[i], 1e-9);
			CHECK_NEAR(a.q, b.q, 1e-9 * b.q);
			CHECK_NEAR(a.sigma2, b.sigma2, 1e-9 * b.sigma2);
			CHECK_NEAR(a.df, b.df, 1e-9 * b.df);
			CHECK_NEAR(a.bic, b.bic, 1e-9 * fabs(b.bic));
			CHECK_NEAR(a.loglik, b.loglik, 1e-9 * fabs(b.loglik));
			for (int i = 0; i < (p + 1) * (p + 1); i++)
				CHECK_NEAR(a.vcov[i], b.vcov[i], 1e-9 * sqrt(b.vcov[0]));
			fg_fit_release(&unit_env, &b);
		}
		fg_fit_release(&unit_env, &a);
	}
	free_lmm(&ls);
	free_lmm(&twice);
}

/*
 * The probes follow the rows, not their order: also rows that differ only
 * in y (ordered by y); the same data give the same bits.
 */
static void
test_order_and_determinism(void)
{
	lmm_set		ls,
				perm;
	uint32_t	n = 40;
	int			per = 15,
				p = 3;
	size_t		N = (size_t) n * per;
	fg_options	o = lmm_options(FG_METHOD_FAIR_GLMM, 0.8);
	fg_fit		f1,
				f2,
				f3;

	make_lmm(&ls, n, per, 1.0, 3.0, 1.0, 5);
	make_lmm(&perm, n, per, 1.0, 3.0, 1.0, 5);
	/* every fifth row a copy of the row before it (same stratum) but for y */
	for (size_t l = 1; l < N; l += 5)
	{
		memcpy(ls.t.x + l * p, ls.t.x + (l - 1) * p, sizeof(double) * p);
		ls.t.s[l] = ls.t.s[l - 1];
	}
	for (size_t l = 0; l < N; l++)
	{
		size_t		r = (l * 7 + 3) % N;	/* a permutation: 7 is coprime to 600 */

		memcpy(perm.t.x + l * p, ls.t.x + r * p, sizeof(double) * p);
		perm.y[l] = ls.y[r];
		perm.t.s[l] = ls.t.s[r];
		perm.t.g[l] = ls.t.g[r];
	}
	if (fit(&ls.t.data, o, &f1) && fit(&perm.t.data, o, &f2) && fit(&ls.t.data, o, &f3))
	{
		CHECK(f1.steps == f2.steps);
		CHECK_NEAR(f1.intercept, f2.intercept, 1e-9);
		for (int j = 0; j < p; j++)
			CHECK_NEAR(f1.beta[j], f2.beta[j], 1e-9);
		CHECK_NEAR(f1.q, f2.q, 1e-9 * f1.q);
		CHECK_NEAR(f1.sigma2, f2.sigma2, 1e-9 * f1.sigma2);
		CHECK_NEAR(f1.df, f2.df, 1e-9 * f1.df);
		CHECK(f1.intercept == f3.intercept && f1.q == f3.q && f1.sigma2 == f3.sigma2 &&
			  f1.bic == f3.bic && f1.df == f3.df &&
			  memcmp(f1.beta, f3.beta, sizeof(double) * p) == 0 &&
			  memcmp(f1.b, f3.b, sizeof(double) * n) == 0 &&
			  memcmp(f1.vcov, f3.vcov, sizeof(double) * (p + 1) * (p + 1)) == 0);
		fg_fit_release(&unit_env, &f1);
		fg_fit_release(&unit_env, &f2);
		fg_fit_release(&unit_env, &f3);
	}
	free_lmm(&ls);
	free_lmm(&perm);
}

/*
 * y times c: coefficients times c, Q and sigma^2 times c^2, the same steps
 * and df, the BIC up by 2 N log c.  The penalties weigh against (1/2) RSS,
 * so lambda and rho mean the same at every scale of y.
 */
static void
test_scale(void)
{
	lmm_set		ls;
	uint32_t	n = 30;
	int			per = 12,
				p = 3;
	size_t		N = (size_t) n * per;
	double		c = 1000.0;
	fg_options	o = lmm_options(FG_METHOD_FAIR_GLMM, 5.0);
	fg_fit		f1,
				f2;

	make_lmm(&ls, n, per, 1.0, 3.0, 1.0, 6);
	o.probes = 12;
	if (!fit(&ls.t.data, o, &f1))
		goto out;
	for (size_t l = 0; l < N; l++)
		ls.y[l] *= c;
	if (fit(&ls.t.data, o, &f2))
	{
		CHECK(f1.steps == f2.steps, "%d vs %d steps", f1.steps, f2.steps);
		CHECK_NEAR(f2.intercept, c * f1.intercept, 1e-9 * c * fabs(f1.intercept));
		for (int j = 0; j < p; j++)
			CHECK_NEAR(f2.beta[j], c * f1.beta[j], 1e-9 * c);
		for (uint32_t i = 0; i < n; i++)
			CHECK_NEAR(f2.b[i], c * f1.b[i], 1e-9 * c);
		CHECK_NEAR(f2.q, c * c * f1.q, 1e-9 * c * c * f1.q);
		CHECK_NEAR(f2.sigma2, c * c * f1.sigma2, 1e-9 * c * c * f1.sigma2);
		CHECK_NEAR(f2.df, f1.df, 1e-9 * f1.df);
		CHECK_NEAR(f2.bic, f1.bic + 2.0 * N * log(c), 1e-9 * fabs(f2.bic));
		CHECK_NEAR(f2.terms[0].cov, c * f1.terms[0].cov, 1e-9 * c);
		CHECK_NEAR(f2.vcov[5], c * c * f1.vcov[5], 1e-9 * c * c * f1.vcov[5]);
		fg_fit_release(&unit_env, &f2);
	}
	fg_fit_release(&unit_env, &f1);
out:
	free_lmm(&ls);
}

/*
 * vcov none and robust keep boosting's sigma^2 and model; one row per
 * stratum, a constant y: a model or a clean error; every allocation failing
 * in turn: a clean error, nothing leaked.
 */
static void
test_edges_and_memory(void)
{
	lmm_set		ls;
	fg_options	o = lmm_options(FG_METHOD_FAIR_GLMM, 1.0);
	fg_fit		f,
				g;
	fg_error	err;
	long		live = unit_live_allocs;
	fg_status	st;

	make_lmm(&ls, 12, 10, 1.0, 2.0, 1.0, 4);
	if (fit(&ls.t.data, o, &f))
	{
		o.vcov = FG_VCOV_NONE;
		if (fit(&ls.t.data, o, &g))
		{
			CHECK(g.sigma2 == f.sigma2 && g.q == f.q && g.intercept == f.intercept && g.vcov == NULL);
			fg_fit_release(&unit_env, &g);
		}
		o.vcov = FG_VCOV_ROBUST;
		if (fit(&ls.t.data, o, &g))
		{
			CHECK(g.sigma2 == f.sigma2 && g.vcov[0] > 0 && g.vcov[0] != f.vcov[0]);
			fg_fit_release(&unit_env, &g);
		}
		fg_fit_release(&unit_env, &f);
	}
	o = lmm_options(FG_METHOD_FAIR_GLMM, 1.0);
	for (long k = 0; k < 120; k++)
	{
		unit_fail_after = k;
		st = fg_fit_model(&unit_env, &ls.t.data, &o, &f, &err);
		unit_fail_after = -1;
		CHECK(st == FG_OK || st == FG_ERR_NOMEM, "status %d", st);
		if (st == FG_OK)
			fg_fit_release(&unit_env, &f);
		CHECK(unit_live_allocs == live, "leak after failing allocation %ld", k);
	}
	free_lmm(&ls);

	/* one row per stratum: nothing separates b from the residual */
	make_lmm(&ls, 60, 1, 1.0, 2.0, 0.0, 9);
	st = fg_fit_model(&unit_env, &ls.t.data, &o, &f, &err);
	CHECK(st == FG_OK || st == FG_ERR_DATA, "status %d: %s", st, err.message);
	if (st == FG_OK)
	{
		CHECK(isfinite(f.intercept) && isfinite(f.q) && f.sigma2 > 0, "Q %g sigma^2 %g", f.q,
			  f.sigma2);
		fg_fit_release(&unit_env, &f);
	}
	/* a constant y */
	for (size_t l = 0; l < ls.t.data.n_rows; l++)
		ls.y[l] = 3.0;
	st = fg_fit_model(&unit_env, &ls.t.data, &o, &f, &err);
	CHECK(st == FG_OK || st == FG_ERR_DATA || st == FG_ERR_NUMERIC, "status %d: %s", st,
		  err.message);
	if (st == FG_OK)
	{
		CHECK(fabs(f.intercept - 3.0) < 1e-9 && isfinite(f.q) && isfinite(f.sigma2),
			  "intercept %g Q %g sigma^2 %g", f.intercept, f.q, f.sigma2);
		fg_fit_release(&unit_env, &f);
	}
	free_lmm(&ls);
	CHECK(unit_live_allocs == live, "%ld allocations left", unit_live_allocs - live);
}

int
main(void)
{
	test_against_dense(FG_METHOD_GLMM, 0, 1.0, 0.0, 1);
	test_against_dense(FG_METHOD_GLMM, 0, 1.0, 0.0, 6);
	test_against_dense(FG_METHOD_FAIR_GLMM, 2.0, 1.0, 0.0, 6);
	test_against_dense(FG_METHOD_FAIR_GLMM, 2.0, 0.3, 0.5, 8);
	test_recovery();
	test_fairness();
	test_weight_two();
	test_order_and_determinism();
	test_scale();
	test_edges_and_memory();
	return unit_summary("gaussian_boosting");
}
