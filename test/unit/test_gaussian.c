/*
 * test_gaussian.c -- the gaussian family against computations made here by
 * plain loops: lr against the normal equations (coefficients, lm's standard
 * errors, residual variance, log-likelihood, R^2); crlr, fair_lr and
 * fair_crlr against their first-order conditions; the constrained form's
 * gradient parallel to the constraint's; a weight of 2 as the row twice;
 * warm fits through one fitter equal cold ones.
 */
#include "unit.h"
#include "test_data.h"

#include <lapacke.h>
#include <string.h>

typedef struct gaussian_set
{
	test_set	t;
	double	   *y;
	double	   *w;
} gaussian_set;

static void
make_gaussian(gaussian_set *gs, size_t N, int p, uint32_t n, uint64_t seed)
{
	double	   *b = calloc(n ? n : 1, sizeof(double));

	rng_state = seed;
	test_set_alloc(&gs->t, N, p, n);
	gs->y = calloc(N, sizeof(double));
	gs->w = calloc(N, sizeof(double));
	for (uint32_t i = 0; i < n; i++)
		b[i] = 1.5 * normal01();
	for (size_t l = 0; l < N; l++)
	{
		double		mean = 10.0;

		gs->t.s[l] = uniform01() < 0.35;
		gs->t.g[l] = n ? (uint32_t) (uniform01() * n) % n : 0;
		for (int j = 0; j < p; j++)
		{
			gs->t.x[l * p + j] = normal01() + (j == 0 ? 0.8 * gs->t.s[l] : 0.0);
			mean += (j % 2 ? -1.5 : 2.0) * gs->t.x[l * p + j];
		}
		mean += 3.0 * gs->t.s[l] + (n ? b[gs->t.g[l]] : 0.0);
		gs->y[l] = mean + 2.0 * normal01();
		gs->w[l] = 0.5 + uniform01();
	}
	gs->t.data.y = NULL;
	gs->t.data.y_real = gs->y;
	free(b);
}

static void
free_gaussian(gaussian_set *gs)
{
	free_set(&gs->t);
	free(gs->y);
	free(gs->w);
}

/* eta of row l from a fit */
static double
fit_eta(const fg_data *d, const fg_fit *f, size_t l)
{
	double		e = f->intercept;

	for (int j = 0; j < d->p; j++)
		e += d->x[l * d->p + j] * f->beta[j];
	if (f->n_strata > 0)
		e += f->b[d->stratum[l]];
	return e;
}

static fg_options
gaussian_options(fg_method method, double rho)
{
	fg_options	o;

	fg_options_default(&o);
	o.family = FG_FAMILY_GAUSSIAN;
	o.method = method;
	o.rho = rho;
	o.lambda = 1.0;
	o.tol = 1e-14;
	return o;
}

/* lr: the normal equations solved by LAPACK, lm's standard errors and logLik */
static void
test_lr(void)
{
	gaussian_set gs;
	const fg_data *d = &gs.t.data;
	int			p = 3,
				k = p + 1;
	size_t		N = 500;
	double		XtX[16] = {0},
				Xty[4] = {0},
				inv[16] = {0},
				rss = 0.0,
				tss = 0.0,
				ybar = 0.0;
	fg_options	o = gaussian_options(FG_METHOD_LR, 0.0);
	fg_fit		fit;
	fg_error	err;

	make_gaussian(&gs, N, p, 0, 7);
	for (size_t l = 0; l < N; l++)
	{
		double		z[4] = {1.0, d->x[l * p], d->x[l * p + 1], d->x[l * p + 2]};

		for (int i = 0; i < k; i++)
		{
			Xty[i] += z[i] * gs.y[l];
			for (int j = 0; j < k; j++)
				XtX[i * k + j] += z[i] * z[j];
		}
		ybar += gs.y[l] / (double) N;
	}
	memcpy(inv, XtX, sizeof(inv));
	{
		double		id[16] = {0};

		for (int i = 0; i < k; i++)
			id[i * k + i] = 1.0;
		CHECK(LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', k, 1, XtX, k, Xty, 1) == 0);
		CHECK(LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', k, k, inv, k, id, k) == 0);
		memcpy(inv, id, sizeof(inv));
	}
	if (!CHECK(fg_fit_model(&unit_env, d, &o, &fit, &err) == FG_OK, "%s: %s", err.message, err.detail))
		return;
	CHECK(fabs(fit.intercept - Xty[0]) <= 1e-10 * fabs(Xty[0]), "%g vs %g", fit.intercept, Xty[0]);
	for (int j = 0; j < p; j++)
		CHECK(fabs(fit.beta[j] - Xty[1 + j]) <= 1e-10 * fabs(Xty[1 + j]), "beta %d: %g vs %g",
			  j, fit.beta[j], Xty[1 + j]);
	for (size_t l = 0; l < N; l++)
	{
		double		r = gs.y[l] - fit_eta(d, &fit, l);

		rss += r * r;
		tss += (gs.y[l] - ybar) * (gs.y[l] - ybar);
	}
	CHECK(fabs(fit.sigma2 - rss / (double) (N - k)) <= 1e-10 * fit.sigma2);
	CHECK(fabs(fit.edf - k) <= 1e-9);
	CHECK(fabs(fit.rmse - sqrt(rss / N)) <= 1e-10 * fit.rmse);
	CHECK(fabs(fit.r2 - (1.0 - rss / tss)) <= 1e-12);
	CHECK(fabs(fit.loglik + 0.5 * N * (log(2.0 * 3.14159265358979323846 * rss / N) + 1.0)) <=
		  1e-9 * fabs(fit.loglik), "loglik %.15g", fit.loglik);
	for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++)
			CHECK(fabs(fit.vcov[i * k + j] - fit.sigma2 * inv[i * k + j]) <=
				  1e-9 * sqrt(fit.vcov[i * k + i] * fit.vcov[j * k + j]), "vcov %d %d", i, j);
	CHECK(isnan(fit.train_accuracy) && fit.separated_rows == 0);
	fg_fit_release(&unit_env, &fit);
	free_gaussian(&gs);
}

/*
 * The gradient of J = (1/2) sum v (eta - y)^2 + lambda b'b + rho N cov^2 at
 * a fit, by plain loops, with cov = sum v (s - s_bar) eta / W (W = N
 * unweighted); its largest entry relative to the largest per-row term.
 */
static double
gradient_norm(const gaussian_set *gs, const fg_fit *f, double lambda, double rho, bool weighted,
			  double *cov_out, double *gcov_out)
{
	const fg_data *d = &gs->t.data;
	int			p = d->p,
				k = p + 1;
	uint32_t	n = f->n_strata;
	size_t		N = d->n_rows;
	double	   *g = calloc(k + n, sizeof(double));
	double	   *gc = calloc(k + n, sizeof(double));
	double		W = 0.0,
				ws = 0.0,
				cov = 0.0,
				scale = 0.0,
				worst = 0.0;

	for (size_t l = 0; l < N; l++)
	{
		double		v = weighted ? gs->w[l] : 1.0;

		W += v;
		ws += v * d->s[l];
	}
	for (size_t l = 0; l < N; l++)
	{
		double		v = weighted ? gs->w[l] : 1.0;
		double		e = fit_eta(d, f, l);
		double		r = v * (e - gs->y[l]);
		double		c = v * (d->s[l] - ws / W);

		cov += c * e / W;
		g[0] += r;
		gc[0] += c / W;
		for (int j = 0; j < p; j++)
		{
			g[1 + j] += r * d->x[l * p + j];
			gc[1 + j] += c * d->x[l * p + j] / W;
		}
		if (n > 0)
		{
			g[k + d->stratum[l]] += r;
			gc[k + d->stratum[l]] += c / W;
		}
		scale = fmax(scale, fabs(r));
	}
	for (uint32_t i = 0; i < n; i++)
		g[k + i] += 2.0 * lambda * f->b[i];
	for (uint32_t i = 0; i < k + n; i++)
	{
		double		gi = g[i] + 2.0 * rho * W * cov * gc[i];

		worst = fmax(worst, fabs(gi));
		if (gcov_out)
			gcov_out[i] = g[i];
	}
	if (gcov_out)
		memcpy(gcov_out + k + n, gc, sizeof(double) * (k + n));
	*cov_out = cov;
	free(g);
	free(gc);
	return worst / (scale * (double) N);
}

static void
test_penalised(void)
{
	static const fg_method methods[] = {FG_METHOD_CRLR, FG_METHOD_FAIR_LR, FG_METHOD_FAIR_CRLR};
	gaussian_set gs;

	make_gaussian(&gs, 2000, 3, 15, 11);
	for (int weighted = 0; weighted < 2; weighted++)
		for (int mi = 0; mi < 3; mi++)
			for (int ri = 0; ri < 3; ri++)
			{
				double		rho = (double[]) {0.0, 1.0, 100.0}[ri];
				fg_options	o = gaussian_options(methods[mi], rho);
				fg_fit		fit;
				fg_error	err;
				double		cov,
							gn;
				bool		strata = methods[mi] != FG_METHOD_FAIR_LR;

				gs.t.data.w = weighted ? gs.w : NULL;
				gs.t.data.stratum = gs.t.g;
				o.weight_scale = FG_WEIGHTS_AS_GIVEN;
				if (!CHECK(fg_fit_model(&unit_env, &gs.t.data, &o, &fit, &err) == FG_OK, "%s: %s",
						   err.message, err.detail))
					continue;
				gn = gradient_norm(&gs, &fit, strata ? 1.0 : 0.0,
								   fg_method_is_fair(methods[mi]) ? rho : 0.0, weighted, &cov, NULL);
				CHECK(gn <= 1e-10, "%s rho %g weighted %d: gradient %g",
					  fg_method_name(methods[mi]), rho, weighted, gn);
				if (fit.n_terms == 1)
					CHECK(fabs(fit.terms[0].cov - cov) <= 1e-9 * (fabs(cov) + 1e-3), "cov %g vs %g",
						  fit.terms[0].cov, cov);
				CHECK(fit.sigma2 > 0.0 && isfinite(fit.sigma2) && fit.r2 > 0.2 && fit.r2 < 1.0,
					  "%s rho %g: sigma2 %g r2 %g", fg_method_name(methods[mi]), rho, fit.sigma2, fit.r2);
				fg_fit_release(&unit_env, &fit);
			}
	gs.t.data.w = NULL;
	free_gaussian(&gs);
}

/* The constrained form: abs(cov) <= c holds, and the loss gradient is parallel to cov's. */
static void
test_constrained(void)
{
	gaussian_set gs;
	fg_options	o = gaussian_options(FG_METHOD_FAIR_CRLR, 0.0);
	fg_fit		fit;
	fg_error	err;
	double		cov;
	uint32_t	m;
	double	   *g;

	make_gaussian(&gs, 1500, 3, 10, 5);
	o.c = 0.05;
	if (!CHECK(fg_fit_model(&unit_env, &gs.t.data, &o, &fit, &err) == FG_OK, "%s: %s",
			   err.message, err.detail))
		return;
	m = 4 + fit.n_strata;
	g = calloc(2 * m, sizeof(double));
	(void) gradient_norm(&gs, &fit, 1.0, 0.0, false, &cov, g);
	CHECK(fabs(cov) <= 0.05 * (1.0 + 1e-8), "cov %g", cov);
	CHECK(fabs(fabs(cov) - 0.05) <= 1e-8, "the bound is active: cov %g", cov);
	{
		/* g = -mu gc for some mu: the residual after projecting g on gc */
		double		gg = 0.0,
					gc = 0.0,
					cc = 0.0,
					worst = 0.0;

		for (uint32_t i = 0; i < m; i++)
		{
			gc += g[i] * g[m + i];
			cc += g[m + i] * g[m + i];
			gg += g[i] * g[i];
		}
		for (uint32_t i = 0; i < m; i++)
			worst = fmax(worst, fabs(g[i] - gc / cc * g[m + i]));
		CHECK(worst <= 1e-7 * sqrt(gg), "off the constraint's gradient by %g of %g", worst, sqrt(gg));
	}
	free(g);
	fg_fit_release(&unit_env, &fit);
	free_gaussian(&gs);
}

/* A weight of 2 (frequency) is the row twice; warm fits equal cold ones. */
static void
test_weights_and_warm(void)
{
	gaussian_set gs,
				twice;
	size_t		N = 400;
	int			p = 2;
	fg_options	o = gaussian_options(FG_METHOD_FAIR_CRLR, 2.0);
	fg_fit		a,
				b;
	fg_error	err;
	fg_fitter  *f;

	make_gaussian(&gs, N, p, 6, 3);
	make_gaussian(&twice, N + 1, p, 6, 3);
	/* row 0 repeated at the end, and weight 2 on it in gs */
	memcpy(twice.t.x, gs.t.x, sizeof(double) * N * p);
	memcpy(twice.y, gs.y, sizeof(double) * N);
	memcpy(twice.t.s, gs.t.s, N);
	memcpy(twice.t.g, gs.t.g, sizeof(uint32_t) * N);
	memcpy(twice.t.x + N * p, gs.t.x, sizeof(double) * p);
	twice.y[N] = gs.y[0];
	twice.t.s[N] = gs.t.s[0];
	twice.t.g[N] = gs.t.g[0];
	for (size_t l = 0; l < N; l++)
		gs.w[l] = l == 0 ? 2.0 : 1.0;
	gs.t.data.w = gs.w;
	o.weight_scale = FG_WEIGHTS_AS_GIVEN;
	if (CHECK(fg_fit_model(&unit_env, &gs.t.data, &o, &a, &err) == FG_OK, "%s", err.detail) &&
		CHECK(fg_fit_model(&unit_env, &twice.t.data, &o, &b, &err) == FG_OK, "%s", err.detail))
	{
		CHECK(fabs(a.intercept - b.intercept) <= 1e-10 * fabs(b.intercept));
		for (int j = 0; j < p; j++)
			CHECK(fabs(a.beta[j] - b.beta[j]) <= 1e-10 * fmax(1.0, fabs(b.beta[j])));
		CHECK(fabs(a.sigma2 - b.sigma2) <= 1e-10 * b.sigma2);
		CHECK(fabs(a.loglik - b.loglik) <= 1e-10 * fabs(b.loglik), "loglik %.15g vs %.15g",
			  a.loglik, b.loglik);
		fg_fit_release(&unit_env, &a);
		fg_fit_release(&unit_env, &b);
	}
	gs.t.data.w = NULL;
	if (CHECK(fg_fitter_init(&unit_env, &gs.t.data, &o, &f, &err) == FG_OK, "%s", err.detail))
	{
		for (int r = 0; r < 4; r++)
		{
			double		rho = (double[]) {0.1, 3.0, 30.0, 1.0}[r];

			o.rho = rho;
			if (CHECK(fg_fitter_fit(f, rho, &a, &err) == FG_OK, "%s", err.detail) &&
				CHECK(fg_fit_model(&unit_env, &gs.t.data, &o, &b, &err) == FG_OK, "%s", err.detail))
			{
				CHECK(fabs(a.intercept - b.intercept) <= 1e-9 * fabs(b.intercept));
				for (int j = 0; j < p; j++)
					CHECK(fabs(a.beta[j] - b.beta[j]) <= 1e-9 * fmax(1.0, fabs(b.beta[j])),
						  "rho %g beta %d: %.15g vs %.15g", rho, j, a.beta[j], b.beta[j]);
				fg_fit_release(&unit_env, &b);
			}
			fg_fit_release(&unit_env, &a);
		}
		fg_fitter_free(f);
	}
	free_gaussian(&gs);
	free_gaussian(&twice);
}

/* What the gaussian family refuses. */
static void
test_refusals(void)
{
	gaussian_set gs;
	fg_options	o = gaussian_options(FG_METHOD_FAIR_LR, 1.0);
	fg_fit		fit;
	fg_error	err;

	make_gaussian(&gs, 50, 2, 0, 1);
	o.fairness = FG_FAIRNESS_EQUAL_OPPORTUNITY;
	CHECK(fg_fit_model(&unit_env, &gs.t.data, &o, &fit, &err) == FG_ERR_INVALID &&
		  strstr(err.message, "demographic parity") != NULL, "%s", err.message);
	o.fairness = FG_FAIRNESS_DEMOGRAPHIC_PARITY;
	o.target = 0.8;
	CHECK(fg_fit_model(&unit_env, &gs.t.data, &o, &fit, &err) == FG_ERR_INVALID &&
		  strstr(err.message, "target") != NULL, "%s", err.message);
	o.target = NAN;
	gs.y[7] = NAN;
	CHECK(fg_fit_model(&unit_env, &gs.t.data, &o, &fit, &err) == FG_ERR_INVALID &&
		  strstr(err.detail, "Row 8") != NULL, "%s", err.detail);
	gs.y[7] = 1.0;
	o.family = FG_FAMILY_BINOMIAL;
	CHECK(fg_fit_model(&unit_env, &gs.t.data, &o, &fit, &err) == FG_ERR_INVALID &&
		  strstr(err.message, "family") != NULL, "%s", err.message);
	free_gaussian(&gs);
}

/*
 * fair_threshold through the fitter: at lambda_f 0 the least-squares crlr
 * fit; the disparity falls as lambda_f grows; warm fits through one
 * fitter equal cold ones bit for bit; no standard errors.
 */
static void
test_fair_threshold(void)
{
	gaussian_set gs;
	fg_options	o = gaussian_options(FG_METHOD_FAIR_THRESHOLD, 0.0);
	fg_options	ls = gaussian_options(FG_METHOD_CRLR, 0.0);
	fg_fit		a,
				b;
	fg_error	err;
	fg_fitter  *f;
	double		last_gap = INFINITY;

	make_gaussian(&gs, 800, 3, 8, 21);
	if (CHECK(fg_fit_model(&unit_env, &gs.t.data, &o, &a, &err) == FG_OK, "%s: %s", err.message, err.detail) &&
		CHECK(fg_fit_model(&unit_env, &gs.t.data, &ls, &b, &err) == FG_OK, "%s", err.detail))
	{
		CHECK(fabs(a.intercept - b.intercept) <= 1e-9 * fabs(b.intercept));
		for (int j = 0; j < 3; j++)
			CHECK(fabs(a.beta[j] - b.beta[j]) <= 1e-9 * fmax(1.0, fabs(b.beta[j])));
		CHECK(a.n_thresholds == 40 && a.vcov == NULL && a.vcov_type == FG_VCOV_NONE &&
			  a.parity_ks >= a.threshold_gap - 1e-12 && a.rmse > 0.0);
		last_gap = a.threshold_gap;
		fg_fit_release(&unit_env, &a);
		fg_fit_release(&unit_env, &b);
	}
	if (CHECK(fg_fitter_init(&unit_env, &gs.t.data, &o, &f, &err) == FG_OK, "%s", err.detail))
	{
		for (int r = 0; r < 3; r++)
		{
			double		lambda_f = (double[]) {0.2, 1.0, 5.0}[r];

			o.rho = lambda_f;
			if (CHECK(fg_fitter_fit(f, lambda_f, &a, &err) == FG_OK, "%s", err.detail) &&
				CHECK(fg_fit_model(&unit_env, &gs.t.data, &o, &b, &err) == FG_OK, "%s", err.detail))
			{
				CHECK(a.intercept == b.intercept && a.objective == b.objective &&
					  memcmp(a.beta, b.beta, sizeof(double) * 3) == 0,
					  "lambda_f %g: warm and cold differ", lambda_f);
				CHECK(a.threshold_gap <= last_gap + 1e-12, "lambda_f %g: gap %g after %g",
					  lambda_f, a.threshold_gap, last_gap);
				last_gap = a.threshold_gap;
				fg_fit_release(&unit_env, &b);
			}
			fg_fit_release(&unit_env, &a);
		}
		fg_fitter_free(f);
	}
	/* frequency weights far below 1 (integer counts scaled by a power of two inside) */
	for (size_t l = 0; l < 800; l++)
		gs.w[l] = 1e-300;
	gs.t.data.w = gs.w;
	o.weight_scale = FG_WEIGHTS_AS_GIVEN;
	o.rho = 1.0;
	if (CHECK(fg_fit_model(&unit_env, &gs.t.data, &o, &a, &err) == FG_OK, "%s: %s", err.message, err.detail))
	{
		CHECK(a.threshold_gap >= 0.0 && a.threshold_gap <= 1.0 && a.n_thresholds > 0);
		fg_fit_release(&unit_env, &a);
	}
	gs.t.data.w = NULL;
	o.method = FG_METHOD_FAIR_THRESHOLD;
	o.family = FG_FAMILY_BINOMIAL;
	CHECK(fg_fit_model(&unit_env, &gs.t.data, &o, &a, &err) == FG_ERR_INVALID);
	free_gaussian(&gs);
}

int
main(void)
{
	test_fair_threshold();
	test_lr();
	test_penalised();
	test_constrained();
	test_weights_and_warm();
	test_refusals();
	CHECK(unit_live_allocs == 0, "%ld allocations left", unit_live_allocs);
	return unit_summary("gaussian");
}
