/*
 * test_boosting.c -- the componentwise boosting (glmm, fair_glmm) against a
 * dense, deliberately naive implementation of Algorithm 1 written here with
 * N x N matrices, and the trace estimator against the exact trace.
 */
#include "unit.h"
#include "test_data.h"

#include <lapacke.h>
#include <string.h>

/* ---------- data ---------- */

static void
make_set(test_set *t, size_t N, int p, uint32_t n, uint64_t seed)
{
	double		b[64];

	rng_state = seed;
	test_set_alloc(t, N, p, n);
	for (uint32_t i = 0; i < n && i < 64; i++)
		b[i] = 1.2 * normal01();
	for (size_t l = 0; l < N; l++)
	{
		double		eta = -0.4;

		t->s[l] = uniform01() < 0.5;
		t->g[l] = (uint32_t) (l % n);
		for (int j = 0; j < p; j++)
		{
			t->x[l * p + j] = normal01() + (j == p - 1 ? 1.0 * t->s[l] : 0.0);
			eta += (j == p - 1 ? 1.5 : 0.6 / (1 + j)) * t->x[l * p + j];
		}
		eta += b[t->g[l] % 64];
		t->y[l] = uniform01() < fg_sigmoid(eta);
	}
}

static void
free_fit(fg_fit *f)
{
	fg_fit_release(&unit_env, f);
}

static fg_options
boost_opts(fg_method method, double rho)
{
	fg_options	o;

	fg_options_default(&o);
	o.method = method;
	o.rho = rho;
	o.lambda = 1.0;
	return o;
}

static bool
fit(test_set *t, fg_options o, fg_fit *f)
{
	fg_error	err;

	return CHECK(fg_fit_model(&unit_env, &t->data, &o, f, &err) == FG_OK,
				 "%s: %s (%s)", fg_method_name(o.method), err.message, err.detail);
}

/* ---------- dense linear algebra helpers ---------- */

/* X = A^-1 B for an m x m A (copied) and m x c B (overwritten). */
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

/*
 * Dense Algorithm 1 from the warm start delta (1 + p + n), with exact
 * traces.  Fills delta, *q, *steps, *bic, selected.
 */
static void
dense_boost(const test_set *t, const fg_options *o, double *delta, double *q, int *steps,
			double *bic_out, uint32_t *selected)
{
	size_t		N = t->data.n_rows;
	int			p = t->data.p;
	int			n = (int) t->data.n_strata;
	int			mf = 1 + p + n;		/* full parameter count */
	int			mr = 2 + n;		/* candidate parameter count */
	double		pen = 2.0 * o->rho / N;
	double		Q = o->q0;
	double	   *a = calloc(mf, sizeof(double));
	double	   *eta = calloc(N, sizeof(double));
	double	   *w = calloc(N, sizeof(double));
	double	   *P = calloc(N * N, sizeof(double));
	double	   *Ar = calloc(N * mr, sizeof(double));
	double	   *F = calloc(mr * mr, sizeof(double));
	double	   *G = calloc(mr * N, sizeof(double));	/* F^-1 A' W */
	double	   *M = calloc(N * N, sizeof(double));
	double	   *Mbest = calloc(N * N, sizeof(double));
	double	   *T = calloc(N * N, sizeof(double));
	double	   *Ff = calloc(mf * mf, sizeof(double));
	double	   *Finv = calloc(mf * mf, sizeof(double));
	double		best_step[64],
				step[64];
	double		s_bar = 0;

	for (size_t l = 0; l < N; l++)
		s_bar += t->s[l];
	s_bar /= N;
	for (size_t l = 0; l < N; l++)
	{
		double		ds = t->s[l] - s_bar;

		for (int j = 0; j < p; j++)
			a[1 + j] += ds * t->x[l * p + j];
		a[1 + p + t->g[l]] += ds;
	}


	for (size_t l = 0; l < N; l++)
	{
		double		e = delta[0] + delta[1 + p + t->g[l]];

		for (int j = 0; j < p; j++)
			e += delta[1 + j] * t->x[l * p + j];
		eta[l] = e;
	}

	/*
	 * M for the design A (N x mc) with penalty K and rank-one term
	 * (pen_a * a_c a_c'), scaled column nu_col by nu: M = A D F^-1 A' W.
	 */
#define BUILD_M(mc, A, K_from, a_c, pen_a, nu_col, nu) \
	do { \
		memset(F, 0, sizeof(double) * (mc) * (mc)); \
		for (size_t l_ = 0; l_ < N; l_++) \
			for (int i_ = 0; i_ < (mc); i_++) \
				for (int j_ = 0; j_ < (mc); j_++) \
					F[i_ * (mc) + j_] += A[l_ * (mc) + i_] * w[l_] * A[l_ * (mc) + j_]; \
		for (int i_ = (K_from); i_ < (mc); i_++) \
			F[i_ * (mc) + i_] += 1.0 / Q; \
		for (int i_ = 0; i_ < (mc); i_++) \
			for (int j_ = 0; j_ < (mc); j_++) \
				F[i_ * (mc) + j_] += (pen_a) * (a_c)[i_] * (a_c)[j_]; \
		for (int i_ = 0; i_ < (mc); i_++) \
			for (size_t l_ = 0; l_ < N; l_++) \
				G[i_ * N + l_] = A[l_ * (mc) + i_] * w[l_]; \
		dense_solve((mc), F, G, (int) N); \
		for (size_t l_ = 0; l_ < N; l_++) \
			for (size_t k_ = 0; k_ < N; k_++) \
			{ \
				double		v_ = 0; \
				for (int i_ = 0; i_ < (mc); i_++) \
					v_ += A[l_ * (mc) + i_] * (i_ == (nu_col) ? (nu) : 1.0) * G[i_ * N + k_]; \
				M[l_ * N + k_] = v_; \
			} \
	} while (0)

	/* P_0 = M_0 with A_0 = [1, Z] and no fairness term */
	{
		double	   *A0 = calloc(N * (1 + n), sizeof(double));
		double		a0[64] = {0};

		for (size_t l = 0; l < N; l++)
		{
			double		mu = fg_sigmoid(eta[l]);

			w[l] = fmax(mu * (1 - mu), 1e-10);
			A0[l * (1 + n)] = 1;
			A0[l * (1 + n) + 1 + t->g[l]] = 1;
		}
		BUILD_M(1 + n, A0, 1, a0, 0.0, -1, 1.0);
		memcpy(P, M, sizeof(double) * N * N);
		free(A0);
	}

	*steps = 0;
	for (int it = 0; it < o->max_steps; it++)
	{
		double		ad = 0,
					best_bic = INFINITY,
					tr_p = 0,
					Qn = 0;
		int			best = -1;

		for (int j = 0; j < mf; j++)
			ad += a[j] * delta[j];
		for (size_t l = 0; l < N; l++)
		{
			double		mu = fg_sigmoid(eta[l]);

			w[l] = fmax(mu * (1 - mu), 1e-10);
			tr_p += P[l * N + l];
		}
		for (int r = 0; r < p; r++)
		{
			double		a_r[64],
						ll = 0,
						ad_new,
						tr_m = 0,
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
			BUILD_M(mr, Ar, 2, a_r, pen, 1, o->nu);
			/* F still holds F_r (dense_solve copied it): the score and step */
			for (int i = 0; i < mr; i++)
			{
				double		si = 0;

				for (size_t l = 0; l < N; l++)
					si += Ar[l * mr + i] * (t->y[l] - fg_sigmoid(eta[l]));
				if (i >= 2)
					si -= delta[1 + p + i - 2] / Q;
				si -= pen * a_r[i] * ad;
				step[i] = si;
			}
			dense_solve(mr, F, step, 1);
			ad_new = ad + a_r[0] * step[0] + a_r[1] * o->nu * step[1];
			for (int i = 0; i < n; i++)
				ad_new += a_r[2 + i] * step[2 + i];
			for (size_t l = 0; l < N; l++)
			{
				double		e = eta[l] + step[0] + o->nu * step[1] * t->x[l * p + r] + step[2 + t->g[l]];

				ll += (t->y[l] ? e : 0) - log1pexp(e);
			}
			/* tr(M (I - P)) */
			for (size_t l = 0; l < N; l++)
				for (size_t k = 0; k < N; k++)
					tr_m += M[l * N + k] * ((k == l) - P[k * N + l]);
			bic = -2 * (ll - o->rho / N * ad_new * ad_new) + 2 * (tr_p + tr_m) * log((double) n);
			if (bic < best_bic)
			{
				best_bic = bic;
				best = r;
				memcpy(best_step, step, sizeof(double) * mr);
				memcpy(Mbest, M, sizeof(double) * N * N);
			}
		}
		/* update delta, eta, P = P + M (I - P) */
		delta[0] += best_step[0];
		delta[1 + best] += o->nu * best_step[1];
		for (int i = 0; i < n; i++)
			delta[1 + p + i] += best_step[2 + i];
		for (size_t l = 0; l < N; l++)
			eta[l] += best_step[0] + o->nu * best_step[1] * t->x[l * p + best] + best_step[2 + t->g[l]];
		for (size_t l = 0; l < N; l++)
			for (size_t k = 0; k < N; k++)
			{
				double		v = 0;

				for (size_t j = 0; j < N; j++)
					v += Mbest[l * N + j] * ((j == k) - P[j * N + k]);
				T[l * N + k] = P[l * N + k] + v;
			}
		memcpy(P, T, sizeof(double) * N * N);
		selected[best]++;
		*steps = it + 1;
		*bic_out = best_bic;

		/* Q from the inverse of the full Fisher matrix (unfloored weights) */
		memset(Ff, 0, sizeof(double) * mf * mf);
		for (size_t l = 0; l < N; l++)
		{
			double		row[64] = {0};
			double		mu = fg_sigmoid(eta[l]),
						wl = mu * (1 - mu);

			row[0] = 1;
			for (int j = 0; j < p; j++)
				row[1 + j] = t->x[l * p + j];
			row[1 + p + t->g[l]] = 1;
			for (int i = 0; i < mf; i++)
				for (int j = 0; j < mf; j++)
					Ff[i * mf + j] += wl * row[i] * row[j];
		}
		for (int i = 0; i < n; i++)
			Ff[(1 + p + i) * mf + 1 + p + i] += 1.0 / Q;
		memset(Finv, 0, sizeof(double) * mf * mf);
		for (int i = 0; i < mf; i++)
			Finv[i * mf + i] = 1;
		dense_solve(mf, Ff, Finv, mf);
		for (int i = 0; i < n; i++)
			Qn += Finv[(1 + p + i) * mf + 1 + p + i] + delta[1 + p + i] * delta[1 + p + i];
		Qn /= n;
		if (fabs(Qn - Q) / Qn <= o->tol_q)
		{
			Q = Qn;
			break;
		}
		Q = Qn;
	}
	*q = Q;
	free(a);
	free(eta);
	free(w);
	free(P);
	free(Ar);
	free(F);
	free(G);
	free(M);
	free(Mbest);
	free(T);
	free(Ff);
	free(Finv);
}

/* ---------- tests ---------- */

static void
test_against_dense(fg_method method, double rho, double nu, int max_steps)
{
	test_set	t;
	fg_fit		warm,
				boosted;
	fg_options	o = boost_opts(method, rho);
	int			p = 3;
	uint32_t	n = 6;
	double		delta[1 + 3 + 6],
				q,
				bic;
	int			steps;
	uint32_t	selected[3] = {0};

	make_set(&t, 90, p, n, 2024 + max_steps);
	o.nu = nu;
	o.max_steps = max_steps;
	o.exact_trace = true;
	if (!fit(&t, boost_opts(method == FG_METHOD_GLMM ? FG_METHOD_CRLR : FG_METHOD_FAIR_CRLR,
							 method == FG_METHOD_GLMM ? 0 : rho), &warm))
		goto out;
	delta[0] = warm.intercept;
	memcpy(delta + 1, warm.beta, sizeof(double) * p);
	memcpy(delta + 1 + p, warm.b, sizeof(double) * n);
	dense_boost(&t, &o, delta, &q, &steps, &bic, selected);

	if (fit(&t, o, &boosted))
	{
		CHECK(boosted.steps == steps, "%d steps against %d", boosted.steps, steps);
		for (int j = 0; j < p; j++)
			CHECK(boosted.selected[j] == selected[j], "covariate %d selected %u against %u times",
				  j + 1, boosted.selected[j], selected[j]);
		CHECK_NEAR(boosted.intercept, delta[0], 1e-8);
		for (int j = 0; j < p; j++)
			CHECK_NEAR(boosted.beta[j], delta[1 + j], 1e-8);
		for (uint32_t i = 0; i < n; i++)
			CHECK_NEAR(boosted.b[i], delta[1 + p + i], 1e-8);
		CHECK_NEAR(boosted.q, q, 1e-8 * q);
		CHECK_NEAR(boosted.bic, bic, 1e-8 * fabs(bic));
		free_fit(&boosted);
	}
	free_fit(&warm);
out:
	free_set(&t);
}

/* The Hutchinson estimate of df agrees with the exact trace. */
static void
test_trace_estimate(int max_steps)
{
	test_set	t;
	fg_fit		exact,
				est;
	fg_options	o = boost_opts(FG_METHOD_FAIR_GLMM, 0.5);
	double		rel_sum = 0;
	int			seeds = 5;

	make_set(&t, 1000, 3, 25, 77);
	o.max_steps = max_steps;
	o.tol_q = 0;				/* run every step */
	o.exact_trace = true;
	if (!fit(&t, o, &exact))
		goto out;
	o.exact_trace = false;
	for (int k = 0; k < seeds; k++)
	{
		o.seed = 1000 + k;
		o.probes = 30;
		if (!fit(&t, o, &est))
			break;
		rel_sum += fabs(est.df - exact.df) / exact.df;
		/* one run may be off by more, but not wildly */
		CHECK(fabs(est.df - exact.df) / exact.df < 0.10, "df %g against exact %g", est.df, exact.df);
		free_fit(&est);
	}
	CHECK(rel_sum / seeds < 0.04, "mean relative error of df %.4f (exact df %g)",
		  rel_sum / seeds, exact.df);
	free_fit(&exact);
out:
	free_set(&t);
}

static void
test_row_order_and_seed(void)
{
	test_set	t,
				u;
	fg_fit		f1,
				f2,
				f3;
	fg_options	o = boost_opts(FG_METHOD_FAIR_GLMM, 0.8);
	size_t		N = 600;
	int			p = 3;

	make_set(&t, N, p, 12, 5);
	make_set(&u, N, p, 12, 5);
	for (size_t l = 0; l < N; l++)
	{
		size_t		r = (l * 7 + 3) % N;	/* a permutation: 7 is coprime to 600 */

		memcpy(u.x + l * p, t.x + r * p, sizeof(double) * p);
		u.y[l] = t.y[r];
		u.s[l] = t.s[r];
		u.g[l] = t.g[r];
	}
	if (fit(&t, o, &f1) && fit(&u, o, &f2) && fit(&t, o, &f3))
	{
		/* the probes follow the rows, not their order */
		CHECK(f1.steps == f2.steps);
		CHECK_NEAR(f1.intercept, f2.intercept, 1e-9);
		for (int j = 0; j < p; j++)
			CHECK_NEAR(f1.beta[j], f2.beta[j], 1e-9);
		CHECK_NEAR(f1.q, f2.q, 1e-9);
		/* the same seed gives the same model */
		CHECK(f1.intercept == f3.intercept && f1.q == f3.q && f1.bic == f3.bic);
		free_fit(&f1);
		free_fit(&f2);
		free_fit(&f3);
	}
	free_set(&t);
	free_set(&u);
}

static void
test_fairness_and_defaults(void)
{
	test_set	t;
	fg_fit		glmm,
				fair0,
				fair;

	make_set(&t, 1500, 3, 20, 9);
	if (fit(&t, boost_opts(FG_METHOD_GLMM, 0), &glmm) &&
		fit(&t, boost_opts(FG_METHOD_FAIR_GLMM, 0), &fair0) &&
		fit(&t, boost_opts(FG_METHOD_FAIR_GLMM, 200), &fair))
	{
		/* rho = 0: fair_glmm is glmm */
		CHECK_NEAR(fair0.intercept, glmm.intercept, 1e-12);
		CHECK_NEAR(fair0.q, glmm.q, 1e-12);
		/* the penalty lowers the covariance and raises disparate impact */
		CHECK(fabs(fair.train_cov) < 0.5 * fabs(glmm.train_cov), "cov %g vs %g",
			  fair.train_cov, glmm.train_cov);
		CHECK(fair.train_di > glmm.train_di, "DI %g vs %g", fair.train_di, glmm.train_di);
		CHECK(glmm.q > 0 && glmm.steps >= 1 && glmm.stop_reason >= 1);
		free_fit(&glmm);
		free_fit(&fair0);
		free_fit(&fair);
	}
	free_set(&t);
}

static void
test_failures_and_memory(void)
{
	test_set	t;
	fg_fit		f;
	fg_error	err;
	fg_options	o = boost_opts(FG_METHOD_FAIR_GLMM, 0.8);
	long		live = unit_live_allocs;

	make_set(&t, 300, 2, 5, 3);
	o.c = 0.1;
	CHECK(fg_fit_model(&unit_env, &t.data, &o, &f, &err) == FG_ERR_INVALID);
	o = boost_opts(FG_METHOD_GLMM, 0);
	o.nu = 0;
	CHECK(fg_fit_model(&unit_env, &t.data, &o, &f, &err) == FG_ERR_INVALID);
	/* every allocation failing in turn: a clean error, nothing leaked */
	o = boost_opts(FG_METHOD_FAIR_GLMM, 0.8);
	for (long k = 0; k < 80; k++)
	{
		fg_status	st;

		unit_fail_after = k;
		st = fg_fit_model(&unit_env, &t.data, &o, &f, &err);
		unit_fail_after = -1;
		CHECK(st == FG_OK || st == FG_ERR_NOMEM, "status %d", st);
		if (st == FG_OK)
			free_fit(&f);
		CHECK(unit_live_allocs == live, "leak after failing allocation %ld", k);
	}
	free_set(&t);
}

int
main(void)
{
	test_against_dense(FG_METHOD_GLMM, 0, 1.0, 1);
	test_against_dense(FG_METHOD_GLMM, 0, 1.0, 6);
	test_against_dense(FG_METHOD_FAIR_GLMM, 2.0, 1.0, 6);
	test_against_dense(FG_METHOD_FAIR_GLMM, 2.0, 0.3, 8);
	test_trace_estimate(1);
	test_trace_estimate(4);
	test_row_order_and_seed();
	test_fairness_and_defaults();
	test_failures_and_memory();
	return unit_summary("boosting");
}
