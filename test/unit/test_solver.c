/*
 * test_solver.c -- the LR / CRLR family solver against facts that do not
 * depend on it: first-order optimality computed here with plain loops, a
 * dense solve of the Hessian, closed forms, limits and invariances.
 */
#include "unit.h"
#include "test_data.h"
#include "newton.h"

#include <lapacke.h>
#include <string.h>

/* ---------- deterministic synthetic data ---------- */

/* N rows, p features, n strata; s shifts both x1 and the label. */
/* The problem of the binary attribute's one term, as fg_fit_model builds it. */
static fg_status
one_term_problem(const fg_data *data, const fg_summary *sum, bool strata, const fg_options *o,
				 fg_problem *prob, fg_error *err)
{
	double		kappa = o->rho / (double) data->n_rows;

	return fg_problem_init(&unit_env, data, strata, o->lambda, o->l2, 1, sum->a, &kappa,
						   prob, err);
}

static void
make_set(test_set *t, size_t N, int p, uint32_t n, uint64_t seed)
{
	double	   *b = calloc(n ? n : 1, sizeof(double));

	rng_state = seed;
	test_set_alloc(t, N, p, n);
	for (uint32_t i = 0; i < n; i++)
		b[i] = 1.5 * normal01();
	for (size_t l = 0; l < N; l++)
	{
		double		eta = -0.5;

		t->s[l] = uniform01() < 0.4;
		t->g[l] = n ? (uint32_t) (uniform01() * n) % n : 0;
		for (int j = 0; j < p; j++)
		{
			t->x[l * p + j] = normal01() + (j == 0 ? 0.8 * t->s[l] : 0.0);
			eta += (j % 2 ? -0.7 : 0.9) * t->x[l * p + j] / (1 + j);
		}
		eta += 1.2 * t->s[l] + (n ? b[t->g[l]] : 0.0);
		t->y[l] = uniform01() < fg_sigmoid(eta);
	}
	free(b);
}

static void
free_fit(fg_fit *fit)
{
	fg_fit_release(&unit_env, fit);
}

static fg_options
opts(fg_method method, double rho, double lambda)
{
	fg_options	o;

	fg_options_default(&o);
	o.method = method;
	o.rho = rho;
	o.lambda = lambda;
	return o;
}

/* ---------- independent first-order conditions ---------- */

/* eta of row l from the fit, computed here */
static double
row_eta(const test_set *t, const fg_fit *fit, size_t l)
{
	double		e = fit->intercept;

	for (int j = 0; j < t->data.p; j++)
		e += fit->beta[j] * t->x[l * t->data.p + j];
	if (fit->n_strata)
		e += fit->b[t->g[l]];
	return e;
}

/*
 * Gradient of -loglik + lambda ||b||^2 + l2 ||beta||^2 + (rho/N)(a'delta)^2
 * into grad (1 + p + n entries), and the vector a into a.
 */
static void
exact_gradient(const test_set *t, const fg_fit *fit, double rho, double lambda,
			   double l2, double *grad, double *a)
{
	size_t		N = t->data.n_rows;
	int			p = t->data.p;
	uint32_t	n = fit->n_strata;
	int			m = 1 + p + n;
	double		s_bar = 0,
				cov_n = 0;

	memset(grad, 0, sizeof(double) * m);
	memset(a, 0, sizeof(double) * m);
	for (size_t l = 0; l < N; l++)
		s_bar += t->s[l];
	s_bar /= N;
	for (size_t l = 0; l < N; l++)
	{
		double		eta = row_eta(t, fit, l);
		double		r = fg_sigmoid(eta) - t->y[l];
		double		ds = t->s[l] - s_bar;

		grad[0] += r;
		a[0] += ds;
		for (int j = 0; j < p; j++)
		{
			grad[1 + j] += r * t->x[l * p + j];
			a[1 + j] += ds * t->x[l * p + j];
		}
		if (n)
		{
			grad[1 + p + t->g[l]] += r;
			a[1 + p + t->g[l]] += ds;
		}
		cov_n += ds * eta;
	}
	for (uint32_t i = 0; i < n; i++)
		grad[1 + p + i] += 2 * lambda * fit->b[i];
	for (int j = 0; j < p; j++)
		grad[1 + j] += 2 * l2 * fit->beta[j];
	for (int j = 0; j < m; j++)
		grad[j] += 2 * rho / N * cov_n * a[j];
}

static double
inf_norm(const double *v, int m)
{
	double		x = 0;

	for (int j = 0; j < m; j++)
		x = fmax(x, fabs(v[j]));
	return x;
}

/*
 * What a KKT residual may be at rounding level: 1e-9 per row, plus the
 * rounding of the penalty's gradient 2 (rho/N) (a'delta) a, which carries
 * that of a'delta, about eps sum |a_j delta_j|, times 2 (rho/N) max |a_j|.
 */
static double
kkt_tolerance(const fg_fit *fit, const double *a, double rho, size_t N)
{
	int			p = fit->p;
	double		ad = fabs(fit->intercept * a[0]),
				amax = fabs(a[0]);

	for (int j = 0; j < p; j++)
	{
		ad += fabs(fit->beta[j] * a[1 + j]);
		amax = fmax(amax, fabs(a[1 + j]));
	}
	for (uint32_t i = 0; i < fit->n_strata; i++)
	{
		ad += fabs(fit->b[i] * a[1 + p + i]);
		amax = fmax(amax, fabs(a[1 + p + i]));
	}
	return 1e-9 * N + 100 * 2.2e-16 * ad * 2 * rho / N * amax;
}

static void
test_kkt(fg_method method, double rho, double lambda, double l2, size_t N, int p, uint32_t n)
{
	test_set	t;
	fg_fit		fit;
	fg_error	err;
	fg_options	o = opts(method, rho, lambda);
	int			m = 1 + p + (fg_method_uses_strata(method) ? n : 0);
	double	   *grad = calloc(m, sizeof(double));
	double	   *a = calloc(m, sizeof(double));

	o.l2 = l2;
	make_set(&t, N, p, n, 1234 + N + p);
	if (!CHECK(fg_fit_model(&unit_env, &t.data, &o, &fit, &err) == FG_OK,
			   "%s: %s (%s)", fg_method_name(method), err.message, err.detail))
		goto out;
	exact_gradient(&t, &fit, rho, lambda, l2, grad, a);
	CHECK(inf_norm(grad, m) <= kkt_tolerance(&fit, a, rho, N),
		  "%s rho=%g l2=%g: KKT residual %g", fg_method_name(method), rho, l2,
		  inf_norm(grad, m));
	{
		/* the stored objective and training metrics, recomputed plainly */
		double		J = 0,
					cov = 0,
					s_bar = 0,
					bb = 0;
		size_t		correct = 0;

		for (size_t l = 0; l < N; l++)
			s_bar += t.s[l] / (double) N;
		for (size_t l = 0; l < N; l++)
		{
			double		eta = row_eta(&t, &fit, l);
			int			yhat = fg_sigmoid(eta) >= o.threshold;

			J += log1pexp(eta) - t.y[l] * eta;
			cov += (t.s[l] - s_bar) * eta;
			correct += yhat == t.y[l];
		}
		for (uint32_t i = 0; i < fit.n_strata; i++)
			bb += fit.b[i] * fit.b[i];
		J += lambda * bb + rho / N * cov * cov;
		for (int j = 0; j < p; j++)
			J += l2 * fit.beta[j] * fit.beta[j];
		CHECK_NEAR(fit.objective, J, 1e-9 * fabs(J));
		CHECK_NEAR(fit.train_cov, cov / N, 1e-9);
		CHECK(fit.train_accuracy == (double) correct / (double) N,
			  "accuracy %g, recomputed %g", fit.train_accuracy, (double) correct / (double) N);
	}
	CHECK(fit.converged);
	CHECK(fit.iterations <= 15, "%s took %d Newton iterations", fg_method_name(method), fit.iterations);
	free_fit(&fit);
out:
	free(grad);
	free(a);
	free_set(&t);
}

/* ---------- the structured solve against a dense one ---------- */

static void
test_dense_hessian(void)
{
	test_set	t;
	fg_summary	sum;
	fg_problem	prob;
	fg_newton_ws ws;
	fg_solve_stats stats;
	fg_error	err;
	fg_options	o = opts(FG_METHOD_FAIR_CRLR, 3.0, 0.7);
	int			p = 3;
	uint32_t	n = 7;
	int			m = 1 + p + n;
	size_t		N = 300;
	double	   *delta = calloc(m, sizeof(double));
	double	   *H = calloc(m * m, sizeof(double));
	double	   *r = calloc(m, sizeof(double));
	double	   *x = calloc(m, sizeof(double));
	lapack_int *ipiv = calloc(m, sizeof(lapack_int));

	make_set(&t, N, p, n, 99);
	CHECK(fg_summarize(&unit_env, &t.data, true, &sum, &err) == FG_OK);
	CHECK(one_term_problem(&t.data, &sum, true, &o, &prob, &err) == FG_OK);
	CHECK(fg_newton_ws_init(&unit_env, &prob, &ws, &err) == FG_OK);
	/* one iteration from a non-trivial point leaves the factor of H there */
	o.max_iter = 18;
	for (int j = 0; j < m; j++)
		delta[j] = 0.1 * (j % 5) - 0.2;
	CHECK(fg_newton_solve(&unit_env, &prob, &o, delta, &ws, &stats, &err) == FG_OK);

	/* dense H = A'WA + 2 lambda diag(0, 1_n) + (2 rho / N) a a' at delta */
	for (size_t l = 0; l < N; l++)
	{
		double		row[16] = {0};
		double		eta = delta[0],
					mu,
					w;

		row[0] = 1;
		for (int j = 0; j < p; j++)
		{
			row[1 + j] = t.x[l * p + j];
			eta += delta[1 + j] * row[1 + j];
		}
		row[1 + p + t.g[l]] = 1;
		eta += delta[1 + p + t.g[l]];
		mu = fg_sigmoid(eta);
		w = mu * (1 - mu);
		for (int i = 0; i < m; i++)
			for (int j = 0; j < m; j++)
				H[i * m + j] += w * row[i] * row[j];
	}
	for (uint32_t i = 0; i < n; i++)
		H[(1 + p + i) * m + 1 + p + i] += 2 * o.lambda;
	for (int i = 0; i < m; i++)
		for (int j = 0; j < m; j++)
			H[i * m + j] += 2 * o.rho / N * sum.a[i] * sum.a[j];

	for (int j = 0; j < m; j++)
		r[j] = sin(1.0 + j);
	fg_newton_solve_h(&prob, &ws, r, x);
	CHECK(LAPACKE_dgesv(LAPACK_ROW_MAJOR, m, 1, H, m, ipiv, r, 1) == 0);
	for (int j = 0; j < m; j++)
		CHECK_NEAR(x[j], r[j], 1e-10 * fmax(1.0, fabs(r[j])));

	fg_newton_ws_free(&unit_env, &ws);
	fg_problem_free(&unit_env, &prob);
	fg_summary_free(&unit_env, &sum);
	free(delta);
	free(H);
	free(r);
	free(x);
	free(ipiv);
	free_set(&t);
}

/* ---------- closed forms, limits, invariances ---------- */

static void
test_intercept_only(void)
{
	test_set	t;
	fg_fit		fit;
	fg_error	err;
	fg_options	o = opts(FG_METHOD_LR, 0, 0);
	double		ones = 0;

	make_set(&t, 1000, 0, 0, 5);
	for (size_t l = 0; l < 1000; l++)
		ones += t.y[l];
	CHECK(fg_fit_model(&unit_env, &t.data, &o, &fit, &err) == FG_OK);
	/* the MLE of an intercept-only logit is the logit of the share of ones */
	CHECK_NEAR(fit.intercept, log(ones / (1000 - ones)), 1e-12);
	free_fit(&fit);
	free_set(&t);
}

static bool
fit_ok(test_set *t, fg_options o, fg_fit *fit)
{
	fg_error	err;

	return CHECK(fg_fit_model(&unit_env, &t->data, &o, fit, &err) == FG_OK,
				 "%s: %s (%s)", fg_method_name(o.method), err.message, err.detail);
}

static void
test_limits(void)
{
	test_set	t;
	fg_fit		lr,
				crlr,
				fair0,
				big;

	make_set(&t, 2000, 3, 20, 77);

	/* rho = 0: the fair method is the unfair one */
	fit_ok(&t, opts(FG_METHOD_CRLR, 0, 1), &crlr);
	fit_ok(&t, opts(FG_METHOD_FAIR_CRLR, 0, 1), &fair0);
	CHECK_NEAR(fair0.intercept, crlr.intercept, 1e-12);
	for (int j = 0; j < 3; j++)
		CHECK_NEAR(fair0.beta[j], crlr.beta[j], 1e-12);

	/* lambda -> infinity: b -> 0 and crlr -> lr */
	fit_ok(&t, opts(FG_METHOD_LR, 0, 0), &lr);
	fit_ok(&t, opts(FG_METHOD_CRLR, 0, 1e9), &big);
	CHECK(inf_norm(big.b, 20) < 1e-6, "max |b| = %g", inf_norm(big.b, 20));
	CHECK_NEAR(big.intercept, lr.intercept, 1e-5);
	for (int j = 0; j < 3; j++)
		CHECK_NEAR(big.beta[j], lr.beta[j], 1e-5);
	free_fit(&big);

	/* abs(cov) falls as rho grows */
	{
		double		prev = INFINITY;
		double		rhos[] = {0, 0.1, 1, 10, 100};

		for (int i = 0; i < 5; i++)
		{
			fg_fit		f;

			if (!fit_ok(&t, opts(FG_METHOD_FAIR_CRLR, rhos[i], 1), &f))
				break;
			CHECK(fabs(f.train_cov) < prev, "rho %g: |cov| %g not below %g",
				  rhos[i], fabs(f.train_cov), prev);
			prev = fabs(f.train_cov);
			free_fit(&f);
		}
	}
	free_fit(&lr);
	free_fit(&crlr);
	free_fit(&fair0);
	free_set(&t);
}

static void
test_constrained(fg_method method, double c)
{
	test_set	t;
	fg_fit		fit,
				free_fit_;
	fg_options	o = opts(method, 0, 1);
	uint32_t	n = fg_method_uses_strata(method) ? 15 : 0;
	int			p = 3,
				m = 1 + p + n;
	double	   *grad = calloc(m, sizeof(double));
	double	   *a = calloc(m, sizeof(double));
	double		num = 0,
				den = 0,
				nu,
				resid = 0;
	size_t		N = 1500;

	make_set(&t, N, p, 15, 4242);
	fit_ok(&t, opts(method == FG_METHOD_FAIR_LR ? FG_METHOD_LR : FG_METHOD_CRLR, 0, 1), &free_fit_);
	o.c = c;
	if (!fit_ok(&t, o, &fit))
		goto out;
	/* feasible; c = 0 can only be met to the search's relative tolerance */
	CHECK(fabs(fit.train_cov) <= (c > 0 ? c : 1e-9 * fabs(free_fit_.train_cov)),
		  "|cov| %.17g > c %g", fabs(fit.train_cov), c);
	if (fabs(free_fit_.train_cov) > c)
	{
		CHECK(fit.multiplier > 0, "multiplier %g", fit.multiplier);
		/* active: the bound is met with equality (to the search's tolerance) */
		CHECK_NEAR(fabs(fit.train_cov), c, 1e-8 * (c + fabs(free_fit_.train_cov)));
	}
	else
		CHECK(fit.multiplier == 0);

	/* KKT: grad J + nu a / N = 0 for one scalar nu with |nu| = multiplier */
	exact_gradient(&t, &fit, 0, 1, 0, grad, a);
	for (int j = 0; j < m; j++)
	{
		num += a[j] * grad[j];
		den += a[j] * a[j];
	}
	nu = -num / den * N;
	for (int j = 0; j < m; j++)
		resid = fmax(resid, fabs(grad[j] + nu * a[j] / N));
	CHECK(resid <= 1e-8 * N, "constrained KKT residual %g", resid);
	CHECK_NEAR(fabs(nu), fit.multiplier, 1e-6 * fmax(1.0, fit.multiplier));
	free_fit(&fit);
out:
	free_fit(&free_fit_);
	free(grad);
	free(a);
	free_set(&t);
}

static void
test_row_order(void)
{
	test_set	t,
				u;
	fg_fit		f1,
				f2;
	size_t		N = 1000;
	int			p = 2;

	make_set(&t, N, p, 10, 31);
	make_set(&u, N, p, 10, 31);
	/* reverse the rows of u */
	for (size_t l = 0; l < N; l++)
	{
		size_t		r = N - 1 - l;

		memcpy(u.x + l * p, t.x + r * p, sizeof(double) * p);
		u.y[l] = t.y[r];
		u.s[l] = t.s[r];
		u.g[l] = t.g[r];
	}
	fit_ok(&t, opts(FG_METHOD_FAIR_CRLR, 2, 1), &f1);
	fit_ok(&u, opts(FG_METHOD_FAIR_CRLR, 2, 1), &f2);
	CHECK_NEAR(f1.intercept, f2.intercept, 1e-10);
	for (int j = 0; j < p; j++)
		CHECK_NEAR(f1.beta[j], f2.beta[j], 1e-10);
	for (int i = 0; i < 10; i++)
		CHECK_NEAR(f1.b[i], f2.b[i], 1e-10);
	free_fit(&f1);
	free_fit(&f2);
	free_set(&t);
	free_set(&u);
}

/* ---------- failures ---------- */

static fg_status
fit_status(test_set *t, fg_options o, char *message, size_t len)
{
	fg_fit		fit;
	fg_error	err;
	fg_status	st = fg_fit_model(&unit_env, &t->data, &o, &fit, &err);

	if (st == FG_OK)
		free_fit(&fit);
	else if (message)
		snprintf(message, len, "%s", err.message);
	return st;
}

static void
test_failures(void)
{
	test_set	t;
	char		msg[200];
	long		live_before = unit_live_allocs;

	make_set(&t, 500, 3, 5, 8);

	/* one class only */
	memset(t.y, 0, 500);
	CHECK(fit_status(&t, opts(FG_METHOD_LR, 0, 0), msg, sizeof msg) == FG_ERR_DATA);
	free_set(&t);

	/* a constant sensitive attribute with a fair method, but fine for lr */
	make_set(&t, 500, 3, 5, 8);
	memset(t.s, 1, 500);
	CHECK(fit_status(&t, opts(FG_METHOD_FAIR_LR, 1, 0), msg, sizeof msg) == FG_ERR_DATA);
	CHECK(fit_status(&t, opts(FG_METHOD_LR, 0, 0), NULL, 0) == FG_OK);
	free_set(&t);

	/* collinear and constant features */
	make_set(&t, 500, 3, 5, 8);
	for (size_t l = 0; l < 500; l++)
		t.x[l * 3 + 2] = 2 * t.x[l * 3] - t.x[l * 3 + 1] + 1;
	CHECK(fit_status(&t, opts(FG_METHOD_LR, 0, 0), msg, sizeof msg) == FG_ERR_COLLINEAR);
	for (size_t l = 0; l < 500; l++)
		t.x[l * 3 + 2] = 4.5;
	CHECK(fit_status(&t, opts(FG_METHOD_CRLR, 0, 1), msg, sizeof msg) == FG_ERR_COLLINEAR);
	CHECK(strstr(msg, "constant") != NULL, "%s", msg);
	free_set(&t);

	/* complete separation: y = (x1 > 0) */
	make_set(&t, 500, 3, 5, 8);
	for (size_t l = 0; l < 500; l++)
		t.y[l] = t.x[l * 3] > 0;
	CHECK(fit_status(&t, opts(FG_METHOD_LR, 0, 0), msg, sizeof msg) == FG_ERR_SEPARATION, "%s", msg);

	/* bad options */
	CHECK(fit_status(&t, opts(FG_METHOD_CRLR, 0, 0), NULL, 0) == FG_ERR_INVALID);
	CHECK(fit_status(&t, opts(FG_METHOD_FAIR_LR, -1, 0), NULL, 0) == FG_ERR_INVALID);
	CHECK(fit_status(&t, opts(FG_METHOD_CRLR, 0, -1), NULL, 0) == FG_ERR_INVALID);
	{
		fg_options	o = opts(FG_METHOD_FAIR_LR, 0, 0);

		o.c = -0.1;
		CHECK(fit_status(&t, o, NULL, 0) == FG_ERR_INVALID);
		o.c = 0.1;
		o.rho = 1;
		CHECK(fit_status(&t, o, NULL, 0) == FG_ERR_INVALID);
		o = opts(FG_METHOD_LR, 0, 0);
		o.c = 0.1;
		CHECK(fit_status(&t, o, NULL, 0) == FG_ERR_INVALID);
	}
	free_set(&t);
	CHECK(unit_live_allocs == live_before, "%ld allocations leaked",
		  unit_live_allocs - live_before);
}

static void
test_out_of_memory(void)
{
	test_set	t;
	long		live_before = unit_live_allocs;

	make_set(&t, 300, 2, 4, 3);
	/* every allocation point fails cleanly and frees what it had */
	for (long k = 0; k < 40; k++)
	{
		fg_status	st;

		unit_fail_after = k;
		st = fit_status(&t, opts(FG_METHOD_FAIR_CRLR, 1, 1), NULL, 0);
		unit_fail_after = -1;
		CHECK(st == FG_OK || st == FG_ERR_NOMEM, "status %d after %ld allocations", st, k);
		CHECK(unit_live_allocs == live_before, "leak after failing allocation %ld", k);
	}
	free_set(&t);
}

static void
test_disparate_impact(void)
{
	fg_di_counts c = {0};

	CHECK(isnan(fg_disparate_impact(&c)));
	c = (fg_di_counts) {.n0 = 10, .pos0 = 0, .n1 = 5, .pos1 = 0};
	CHECK(fg_disparate_impact(&c) == 1.0);
	c = (fg_di_counts) {.n0 = 10, .pos0 = 3, .n1 = 5, .pos1 = 0};
	CHECK(fg_disparate_impact(&c) == 0.0);
	c = (fg_di_counts) {.n0 = 10, .pos0 = 5, .n1 = 4, .pos1 = 1};
	CHECK_NEAR(fg_disparate_impact(&c), 0.5, 1e-15);
	c = (fg_di_counts) {.n0 = 4, .pos0 = 1, .n1 = 10, .pos1 = 5};
	CHECK_NEAR(fg_disparate_impact(&c), 0.5, 1e-15);
	c = (fg_di_counts) {.n0 = 0, .pos0 = 0, .n1 = 10, .pos1 = 5};
	CHECK(isnan(fg_disparate_impact(&c)));
}

/* ---------- the one-pass summary and the start it gives ---------- */

/*
 * fg_summarize against plain two-pass loops, on rows far from the origin
 * (so uncentred sums would lose digits) and split into chunks of 32 rows
 * (so blocks end at chunk boundaries as in the server's training state).
 */
static void
test_summary(void)
{
	test_set	t;
	fg_summary	sum;
	fg_error	err;
	size_t		N = 1000;
	int			p = 3;
	uint32_t	n = 13;
	const double *chunks[(1000 + 31) / 32];
	double		y_bar = 0,
				s_bar = 0,
				mean[3] = {0},
				m2[9] = {0};

	make_set(&t, N, p, n, 2024);
	for (size_t l = 0; l < N; l++)
		t.x[l * p + 1] += 1e6;
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++)
		chunks[c] = t.x + c * 32 * p;
	t.data.x = NULL;
	t.data.x_chunks = chunks;
	t.data.x_chunk_shift = 5;
	CHECK(fg_summarize(&unit_env, &t.data, true, &sum, &err) == FG_OK, "%s", err.message);

	for (size_t l = 0; l < N; l++)
	{
		y_bar += t.y[l] / (double) N;
		s_bar += t.s[l] / (double) N;
		for (int j = 0; j < p; j++)
			mean[j] += t.x[l * p + j] / (double) N;
	}
	CHECK_NEAR(sum.y_bar, y_bar, 1e-12);
	CHECK_NEAR(sum.s_bar, s_bar, 1e-12);
	for (size_t l = 0; l < N; l++)
		for (int i = 0; i < p; i++)
			for (int j = i; j < p; j++)
				m2[i * p + j] += (t.x[l * p + i] - mean[i]) * (t.x[l * p + j] - mean[j]);
	for (int i = 0; i < p; i++)
	{
		double		amax = 0,
					xy = 0,
					a = 0;

		CHECK_NEAR(sum.mean[i], mean[i], 1e-12 * fmax(1.0, fabs(mean[i])));
		for (int j = i; j < p; j++)
			CHECK_NEAR(sum.comoment[i * p + j], m2[i * p + j], 1e-9 * sqrt(m2[i * p + i] * m2[j * p + j]));
		for (size_t l = 0; l < N; l++)
		{
			amax = fmax(amax, fabs(t.x[l * p + i]));
			xy += (t.y[l] - y_bar) * t.x[l * p + i];
			a += (t.s[l] - s_bar) * t.x[l * p + i];
		}
		CHECK(sum.amax[i] == amax);
		CHECK_NEAR(sum.xy[i], xy, 1e-9 * N * fmax(1.0, fabs(mean[i])));
		CHECK_NEAR(sum.a[1 + i], a, 1e-9 * N * fmax(1.0, fabs(mean[i])));
	}
	for (uint32_t g = 0; g < n; g++)
	{
		double		rows = 0,
					dy = 0,
					ds = 0,
					x0 = 0;

		for (size_t l = 0; l < N; l++)
			if (t.g[l] == g)
			{
				rows += 1;
				dy += t.y[l] - y_bar;
				ds += t.s[l] - s_bar;
				x0 += t.x[l * p];
			}
		CHECK(sum.stratum_rows[g] == rows);
		CHECK_NEAR(sum.stratum_y[g], dy, 1e-9);
		CHECK_NEAR(sum.a[1 + p + g], ds, 1e-9);
		CHECK_NEAR(sum.stratum_x[g * p], x0, 1e-9 * fmax(1.0, fabs(x0)));
	}
	fg_summary_free(&unit_env, &sum);
	free_set(&t);
}

/*
 * A problem ready for fg_newton_solve: N rows of make_set(seed) with p
 * features and n strata, summarised, with its workspace and two m-vectors.
 */
typedef struct solver_case
{
	test_set	t;
	fg_summary	sum;
	fg_problem	prob;
	fg_newton_ws ws;
	int			m;
	double	   *d1;
	double	   *d2;
} solver_case;

static void
solver_case_init(solver_case *c, size_t N, int p, uint32_t n, uint64_t seed, const fg_options *o)
{
	fg_error	err;

	make_set(&c->t, N, p, n, seed);
	c->m = 1 + p + n;
	c->d1 = calloc(c->m, sizeof(double));
	c->d2 = calloc(c->m, sizeof(double));
	CHECK(fg_summarize(&unit_env, &c->t.data, n > 0, &c->sum, &err) == FG_OK);
	CHECK(one_term_problem(&c->t.data, &c->sum, n > 0, o, &c->prob, &err) == FG_OK);
	CHECK(fg_newton_ws_init(&unit_env, &c->prob, &c->ws, &err) == FG_OK);
}

static void
solver_case_free(solver_case *c)
{
	fg_newton_ws_free(&unit_env, &c->ws);
	fg_problem_free(&unit_env, &c->prob);
	fg_summary_free(&unit_env, &c->sum);
	free(c->d1);
	free(c->d2);
	free_set(&c->t);
}

/*
 * The closed-form start must be the point an ordinary first pass builds:
 * one Newton iteration from it lands where one from a computed start does.
 */
static void
test_primed_start(double rho, double lin)
{
	solver_case c;
	fg_solve_stats primed,
				plain;
	fg_error	err;
	fg_options	o = opts(FG_METHOD_FAIR_CRLR, rho, 0.7);

	solver_case_init(&c, 2000, 4, 9, 77, &o);
	c.prob.lin[0] = lin;
	o.max_iter = 18;

	fg_newton_start_intercept_only(&c.prob, &c.sum, c.d1, &c.ws);
	CHECK(c.ws.primed);
	CHECK(fg_newton_solve(&unit_env, &c.prob, &o, c.d1, &c.ws, &primed, &err) == FG_OK, "%s", err.message);
	CHECK(!c.ws.primed, "a solve uses the start once");

	c.d2[0] = log((double) c.sum.y_ones / (double) (c.t.data.n_rows - c.sum.y_ones));
	CHECK(fg_newton_solve(&unit_env, &c.prob, &o, c.d2, &c.ws, &plain, &err) == FG_OK, "%s", err.message);
	for (int j = 0; j < c.m; j++)
		CHECK_NEAR(c.d1[j], c.d2[j], 1e-10 * fmax(1.0, fabs(c.d2[j])));
	CHECK_NEAR(primed.objective, plain.objective, 1e-10 * fabs(plain.objective));
	CHECK_NEAR(primed.grad_norm, plain.grad_norm, 1e-8 * fmax(1.0, plain.grad_norm));
	solver_case_free(&c);
}

/*
 * A solve that may end with a chord step (final_gradient_only) against the
 * same solve forced to build every Hessian: it must save a Hessian pass and
 * land on the exact-Newton optimum to about 1e-10.
 */
static void
test_chord_ending(fg_method method, double rho, size_t N, uint32_t n)
{
	solver_case c;
	fg_solve_stats chord,
				exact;
	fg_error	err;
	fg_options	o = opts(method, rho, 0.5);

	solver_case_init(&c, N, 6, n, 4242, &o);
	c.prob.final_gradient_only = true;
	fg_newton_start_intercept_only(&c.prob, &c.sum, c.d1, &c.ws);
	CHECK(fg_newton_solve(&unit_env, &c.prob, &o, c.d1, &c.ws, &chord, &err) == FG_OK, "%s", err.message);
	c.prob.final_gradient_only = false;
	fg_newton_start_intercept_only(&c.prob, &c.sum, c.d2, &c.ws);
	CHECK(fg_newton_solve(&unit_env, &c.prob, &o, c.d2, &c.ws, &exact, &err) == FG_OK, "%s", err.message);

	CHECK(chord.converged && exact.converged);
	/* the exact solve also builds the final Hessian: two more than the chord one */
	CHECK(chord.hessian_passes + 2 == exact.hessian_passes,
		  "Hessian passes %d (chord) vs %d (exact)", chord.hessian_passes, exact.hessian_passes);
	for (int j = 0; j < c.m; j++)
		CHECK_NEAR(c.d1[j], c.d2[j], 1e-9 * fmax(1.0, fabs(c.d2[j])));
	CHECK_NEAR(chord.objective, exact.objective, 1e-13 * fabs(exact.objective));
	CHECK(chord.grad_norm <= 1e-10 * (double) N, "gradient %g", chord.grad_norm);
	solver_case_free(&c);
}

/* ---------- separation ---------- */

enum sep_case
{
	SEP_DUMMY_ONES,				/* a rare dummy whose 5 rows all have y = 1 */
	SEP_DUMMY_ZEROS,			/* a dummy whose 26 rows all have y = 0 */
	SEP_SINGLE_ROW,				/* a dummy with a single row */
	SEP_STRATUM_ONE_CLASS,		/* a stratum whose rows all have y = 1 */
	SEP_CASES
};

/* 400 rows, x1..x3 (x3 on a raw scale) and a 4th column, the dummy of the case. */
static void
make_separated(test_set *t, enum sep_case c)
{
	test_set	base;

	make_set(&base, 400, 3, 8, 77 + c);
	test_set_alloc(t, 400, 4, 8);
	for (size_t l = 0; l < 400; l++)
	{
		memcpy(t->x + l * 4, base.x + l * 3, 3 * sizeof(double));
		/* a raw-scale column, like a balance: 1e5 times the dummy's scale */
		t->x[l * 4 + 2] = 2e4 * t->x[l * 4 + 2] + 3e4;
		t->y[l] = base.y[l];
		t->s[l] = base.s[l];
		t->g[l] = base.g[l];
	}
	free_set(&base);
	for (size_t l = 0; l < 400; l++)
	{
		switch (c)
		{
			case SEP_DUMMY_ONES:
				t->x[l * 4 + 3] = l % 80 == 3;
				if (l % 80 == 3)
					t->y[l] = 1;
				break;
			case SEP_DUMMY_ZEROS:
				t->x[l * 4 + 3] = l % 15 == 2;
				if (l % 15 == 2)
					t->y[l] = 0;
				break;
			case SEP_SINGLE_ROW:
				t->x[l * 4 + 3] = l == 17;
				break;
			case SEP_STRATUM_ONE_CLASS:
				t->x[l * 4 + 3] = t->x[l * 4] * t->x[l * 4 + 1];
				if (t->g[l] == 5)
					t->y[l] = 1;
				break;
			default:
				break;
		}
	}
}

/*
 * Every method and rho in {0, 1e-3, 1, 1e3, 1e6} x N returns a model with
 * finite coefficients and a finite objective; the unfair methods name the
 * dummy when its rows are separated; with l2 > 0 nothing is separated and
 * the penalised objective's gradient vanishes.
 */
static void
test_separation(void)
{
	static const fg_method methods[] = {FG_METHOD_LR, FG_METHOD_FAIR_LR, FG_METHOD_CRLR,
	FG_METHOD_FAIR_CRLR, FG_METHOD_GLMM, FG_METHOD_FAIR_GLMM};
	static const double rhos[] = {0, 1e-3, 1, 1e3, 1e6};
	long		live_before = unit_live_allocs;

	for (int c = 0; c < SEP_CASES; c++)
	{
		test_set	t;

		make_separated(&t, (enum sep_case) c);
		for (size_t mi = 0; mi < sizeof(methods) / sizeof(methods[0]); mi++)
			for (size_t ri = 0; ri < sizeof(rhos) / sizeof(rhos[0]); ri++)
			{
				fg_method	method = methods[mi];
				fg_options	o = opts(method, rhos[ri] * 400, 1.0);
				fg_fit		fit;
				fg_error	err;
				bool		finite = true;

				if (!fg_method_is_fair(method) && ri > 0)
					continue;
				if (!CHECK(fg_fit_model(&unit_env, &t.data, &o, &fit, &err) == FG_OK,
						   "case %d %s rho=%g N: %s (%s)", c, fg_method_name(method), rhos[ri],
						   err.message, err.detail))
					continue;
				finite = isfinite(fit.intercept) && isfinite(fit.objective);
				for (int j = 0; j < 4; j++)
					finite = finite && isfinite(fit.beta[j]);
				CHECK(finite, "case %d %s rho=%g N: non-finite fit", c, fg_method_name(method), rhos[ri]);
				/* the unfair Newton methods on a separated dummy name it */
				if ((c == SEP_DUMMY_ONES || c == SEP_DUMMY_ZEROS || c == SEP_SINGLE_ROW) &&
					(method == FG_METHOD_LR || method == FG_METHOD_CRLR))
				{
					bool		named = false;

					for (uint32_t u = 0; u < fit.n_unidentified; u++)
						named = named || fit.unidentified[u] == 4;
					CHECK(fit.separated_rows == (c == SEP_DUMMY_ONES ? 5u : c == SEP_DUMMY_ZEROS ? 27u : 1u) &&
						  named && strstr(fit.separation_detail, "x4 (1 on all") != NULL,
						  "case %d %s: %llu rows separated, %u terms: %s", c, fg_method_name(method),
						  (unsigned long long) fit.separated_rows, fit.n_unidentified,
						  fit.separation_detail);
				}
				/* a one-class stratum is held in by the ridge on b: nothing runs off */
				if (c == SEP_STRATUM_ONE_CLASS && !fg_method_is_boosting(method))
					CHECK(fit.separated_rows == 0, "case %d %s rho=%g N: %s", c,
						  fg_method_name(method), rhos[ri], fit.separation_detail);
				free_fit(&fit);

				/* with a ridge on the slopes: finite, nothing separated, KKT */
				o.l2 = 0.01;
				if (!fg_method_is_boosting(method) &&
					CHECK(fg_fit_model(&unit_env, &t.data, &o, &fit, &err) == FG_OK,
						  "l2 case %d %s: %s", c, fg_method_name(method), err.message))
				{
					int			m = 5 + fit.n_strata;
					double		grad[5 + 8],
								a[5 + 8];

					exact_gradient(&t, &fit, o.rho, fg_method_uses_strata(method) ? 1.0 : 0.0,
								   0.01, grad, a);
					/* per unit of each feature's scale: x3's raw scale would swamp the rest */
					for (int j = 0; j < 4; j++)
					{
						double		scale = 0;

						for (size_t l = 0; l < 400; l++)
							scale = fmax(scale, fabs(t.x[l * 4 + j]));
						grad[1 + j] /= scale;
						a[1 + j] /= scale;
					}
					CHECK(fit.separated_rows == 0 && fit.converged);
					CHECK(inf_norm(grad, m) <= kkt_tolerance(&fit, a, o.rho, 400), "l2 case %d %s rho=%g N: KKT residual %g",
						  c, fg_method_name(method), rhos[ri], inf_norm(grad, m));
					free_fit(&fit);
				}
			}
		free_set(&t);
	}

	/* stopped by max_iter on separated rows: a model, not converged, the rows and x4 reported */
	{
		test_set	t;
		fg_fit		fit;
		fg_error	err;
		fg_options	o = opts(FG_METHOD_LR, 0, 0);

		make_separated(&t, SEP_DUMMY_ZEROS);
		o.max_iter = 18;
		if (CHECK(fg_fit_model(&unit_env, &t.data, &o, &fit, &err) == FG_OK, "%s", err.message))
		{
			CHECK(!fit.converged && isfinite(fit.beta[3]) && fit.separated_rows == 27 &&
				  fit.n_unidentified >= 1 && fit.unidentified[fit.n_unidentified - 1] == 4,
				  "converged %d, %llu separated", fit.converged,
				  (unsigned long long) fit.separated_rows);
			free_fit(&fit);
		}
		free_set(&t);
	}

	/* the constrained form on the separated cases: a model whose covariance meets the bound */
	for (int c = 0; c < SEP_CASES; c++)
	{
		static const double bounds[] = {0.0, 0.001, 0.05};
		test_set	t;

		make_separated(&t, (enum sep_case) c);
		for (int mi = 0; mi < 2; mi++)
			for (size_t bi = 0; bi < sizeof(bounds) / sizeof(bounds[0]); bi++)
			{
				fg_options	o = opts(mi ? FG_METHOD_FAIR_CRLR : FG_METHOD_FAIR_LR, 0, 1.0);
				fg_fit		fit;
				fg_error	err;

				o.c = bounds[bi];
				if (!CHECK(fg_fit_model(&unit_env, &t.data, &o, &fit, &err) == FG_OK,
						   "constrained case %d %s c=%g: %s (%s)", c, fg_method_name(o.method),
						   o.c, err.message, err.detail))
					continue;
				CHECK(isfinite(fit.intercept) && fabs(fit.train_cov) <= o.c + 1e-8,
					  "constrained case %d %s c=%g: cov %g", c, fg_method_name(o.method), o.c,
					  fit.train_cov);
				if (fit.separated_rows == 0)
				{
					/* KKT: grad J + nu a = 0, |nu| N the multiplier (per unit of feature scale) */
					int			m = 5 + fit.n_strata;
					double		grad[5 + 8],
								a[5 + 8],
								num = 0,
								den = 0,
								nu;

					exact_gradient(&t, &fit, 0, mi ? 1.0 : 0.0, 0, grad, a);
					for (int j = 0; j < 4; j++)
					{
						double		scale = 0;

						for (size_t l = 0; l < 400; l++)
							scale = fmax(scale, fabs(t.x[l * 4 + j]));
						grad[1 + j] /= scale;
						a[1 + j] /= scale;
					}
					for (int j = 0; j < m; j++)
					{
						num += a[j] * grad[j];
						den += a[j] * a[j];
					}
					nu = -num / den;
					for (int j = 0; j < m; j++)
						grad[j] += nu * a[j];
					CHECK(inf_norm(grad, m) <= 1e-9 * 400 && fabs(fabs(nu) * 400 - fit.multiplier) <= 1e-6 * (1 + fit.multiplier),
						  "constrained case %d %s c=%g: KKT residual %g, multiplier %g against %g",
						  c, fg_method_name(o.method), o.c, inf_norm(grad, m), fit.multiplier,
						  fabs(nu) * 400);
				}
				free_fit(&fit);
			}
		free_set(&t);
	}

	/* complete separation: refused, with the l2 hint; l2 > 0 fits it */
	{
		test_set	t;
		fg_fit		fit;
		fg_error	err;
		fg_options	o = opts(FG_METHOD_LR, 0, 0);
		fg_status	st;

		make_set(&t, 500, 3, 5, 8);
		for (size_t l = 0; l < 500; l++)
			t.y[l] = t.x[l * 3] > 0;
		st = fg_fit_model(&unit_env, &t.data, &o, &fit, &err);
		CHECK(st == FG_ERR_SEPARATION && strstr(err.hint, "\"l2\"") != NULL, "%s / %s",
			  err.message, err.hint);
		if (st == FG_OK)
			free_fit(&fit);
		o.l2 = 0.01;
		if (CHECK(fg_fit_model(&unit_env, &t.data, &o, &fit, &err) == FG_OK, "%s", err.message))
		{
			CHECK(fit.separated_rows == 0 && isfinite(fit.beta[0]) && fit.beta[0] > 5,
				  "beta1 %g", fit.beta[0]);
			free_fit(&fit);
		}
		free_set(&t);
	}
	CHECK(unit_live_allocs == live_before, "%ld allocations leaked",
		  unit_live_allocs - live_before);
}

int
main(void)
{
	test_kkt(FG_METHOD_LR, 0, 0, 0, 3000, 4, 0);
	test_kkt(FG_METHOD_FAIR_LR, 2.0, 0, 0, 3000, 4, 0);
	test_kkt(FG_METHOD_CRLR, 0, 1.0, 0, 3000, 4, 30);
	test_kkt(FG_METHOD_FAIR_CRLR, 0.8, 1.0, 0, 3000, 4, 30);
	test_kkt(FG_METHOD_FAIR_CRLR, 50.0, 0.1, 0, 5000, 6, 500);
	test_kkt(FG_METHOD_CRLR, 0, 1.0, 0, 400, 0, 40);
	test_kkt(FG_METHOD_LR, 0, 0, 0.5, 3000, 4, 0);
	test_kkt(FG_METHOD_FAIR_LR, 2.0, 0, 3.0, 3000, 4, 0);
	test_kkt(FG_METHOD_CRLR, 0, 1.0, 0.01, 3000, 4, 30);
	test_kkt(FG_METHOD_FAIR_CRLR, 0.8, 1.0, 10.0, 3000, 4, 30);
	test_kkt(FG_METHOD_FAIR_CRLR, 5e6, 1.0, 0, 3000, 4, 30);
	test_kkt(FG_METHOD_FAIR_LR, 3e9, 0, 0, 3000, 4, 0);
	test_separation();
	test_dense_hessian();
	test_summary();
	test_primed_start(0.0, 0.0);
	test_primed_start(3.0, 0.0);
	test_primed_start(3.0, -0.4);
	test_chord_ending(FG_METHOD_LR, 0.0, 200000, 0);
	test_chord_ending(FG_METHOD_CRLR, 0.0, 200000, 50);
	test_chord_ending(FG_METHOD_FAIR_CRLR, 0.2, 200000, 30);
	test_intercept_only();
	test_limits();
	test_constrained(FG_METHOD_FAIR_LR, 0.01);
	test_constrained(FG_METHOD_FAIR_CRLR, 0.02);
	test_constrained(FG_METHOD_FAIR_CRLR, 0.0);
	test_constrained(FG_METHOD_FAIR_CRLR, 10.0);
	test_row_order();
	test_failures();
	test_out_of_memory();
	test_disparate_impact();
	return unit_summary("solver");
}
