/*
 * bench_core.c -- times the plain-C core's solvers outside PostgreSQL, so a
 * change to the numerical code can be measured without a server's noise.
 *
 *   make -C bench/core run [ROWS=1000000 P=20 STRATA=1000 REPS=3]
 *
 * Data like bench/bench.py's table (same model, its own random numbers) are
 * collected into a training state exactly as the aggregate does, then each
 * method is fitted REPS times; the minimum counts.  Times are also shown
 * relative to one pass that reads every feature of every row (the memory
 * floor of any solver that looks at the data).
 *
 * THRESHOLD=1 times the threshold fit (threshold.c) instead: a continuous
 * outcome on ROWS x P features (STRATA random intercepts, 0 for none),
 * started from least squares, LAMBDA_F (default 1) and SWEEPS (default 3).
 */
#include "fg_core.h"
#include "model_format.h"
#include "threshold.h"
#include "train_state.h"

#include <lapacke.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *
bench_alloc(void *ctx, size_t size)
{
	return calloc(1, size);
}

static void *
bench_alloc_uninit(void *ctx, size_t size)
{
	return malloc(size);
}

static void
bench_release(void *ctx, void *ptr)
{
	free(ptr);
}

static const fg_env env = {bench_alloc, bench_release, NULL, NULL, bench_alloc_uninit};

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static double
uniform01(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return ((rng * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double
env_number(const char *name, double fallback)
{
	const char *v = getenv(name);

	return v && *v ? atof(v) : fallback;
}

/* Sum of every feature: one read of all the rows. */
static double
read_pass(const fg_data *data)
{
	double		sum = 0.0;

	for (size_t l = 0; l < data->n_rows;)
	{
		size_t		run = fg_data_run(data, l, data->n_rows - l);
		const double *x = fg_data_row(data, l);

		for (size_t i = 0; i < run * (size_t) data->p; i++)
			sum += x[i];
		l += run;
	}
	return sum;
}

/*
 * The threshold fit: y = x'beta + 0.8 s + b_g + noise with the first
 * feature leaning on s, from least squares (ridge lambda on b).  One
 * fit of one sweep, one of SWEEPS: the first sweep with the set-up (the
 * quantile sort, parity_ks at the end), and each later sweep.
 */
static int
bench_threshold(size_t N, int p, uint32_t n_strata, int reps)
{
	int			sweeps = (int) env_number("SWEEPS", 3);
	int			m = 1 + p + (int) n_strata;
	int			k = 1 + p;
	double	   *x = malloc(sizeof(double) * N * (size_t) (p > 0 ? p : 1));
	double	   *y = malloc(sizeof(double) * N);
	uint8_t    *s = malloc(N);
	uint32_t   *g = malloc(sizeof(uint32_t) * N);
	double	   *xtx = calloc((size_t) m * m, sizeof(double));
	double	   *ls = calloc((size_t) m, sizeof(double));
	double	   *delta = malloc(sizeof(double) * (size_t) m);
	double	   *row = malloc(sizeof(double) * k);
	lapack_int *ipiv = malloc(sizeof(lapack_int) * m);
	fg_data		data;
	fg_threshold_settings set;
	fg_error	err;
	double		t_one = INFINITY,
				t_all = INFINITY,
				t0;
	int			done = 0,
				updates = 0;
	double		J0 = 0,
				J1 = 0,
				gap0 = 0,
				gap1 = 0;

	for (size_t l = 0; l < N; l++)
	{
		double		eta = 0.8 * ((s[l] = uniform01() < 0.4));

		g[l] = n_strata ? (uint32_t) ((l * 7919) % n_strata) : 0;
		eta += n_strata ? 0.5 * sin(g[l] * 12.9898) : 0.0;
		for (int j = 0; j < p; j++)
		{
			double		v = (uniform01() - 0.5) * 3.4641 + (j == 0 && s[l] ? 0.7 : 0.0);

			x[l * p + j] = v;
			eta += (j < 4 ? (double[]) {0.8, -0.6, 0.4, 0.2}[j] : 0.05) * v;
		}
		y[l] = eta + 0.8 * (uniform01() + uniform01() + uniform01() - 1.5);
		/* the normal equations: fixed effects dense, the stratum's one column */
		row[0] = 1.0;
		memcpy(row + 1, x + l * p, sizeof(double) * p);
		for (int i = 0; i < k; i++)
		{
			ls[i] += row[i] * y[l];
			for (int j = 0; j <= i; j++)
				xtx[i * m + j] += row[i] * row[j];
			if (n_strata)
				xtx[(k + g[l]) * m + i] += row[i];
		}
		if (n_strata)
		{
			ls[k + g[l]] += y[l];
			xtx[(size_t) (k + g[l]) * m + k + g[l]] += 1.0;
		}
	}
	for (uint32_t j = 0; j < n_strata; j++)
		xtx[(size_t) (k + j) * m + k + j] += 2.0 * 1.0;	/* lambda 1, the default */
	for (int i = 0; i < m; i++)
		for (int j = i + 1; j < m; j++)
			xtx[i * m + j] = xtx[j * m + i];
	if (LAPACKE_dgesv(LAPACK_ROW_MAJOR, m, 1, xtx, m, ipiv, ls, 1) != 0)
		return 1;
	memset(&data, 0, sizeof(data));
	data.n_rows = N;
	data.p = p;
	data.n_strata = n_strata;
	data.x = x;
	data.y_real = y;
	data.s = s;
	data.stratum = n_strata ? g : NULL;
	fg_threshold_settings_default(&set);
	set.lambda_f = env_number("LAMBDA_F", 1.0);
	set.strata = n_strata > 0;
	for (int r = 0; r < reps; r++)
	{
		fg_threshold_result res;

		for (int pass = 0; pass < 2; pass++)
		{
			set.max_sweeps = pass == 0 ? 1 : sweeps;
			memcpy(delta, ls, sizeof(double) * (size_t) m);
			t0 = now();
			if (fg_threshold_fit(&env, &data, &set, delta, &res, &err) != FG_OK)
			{
				fprintf(stderr, "threshold: %s (%s)\n", err.message, err.detail);
				return 1;
			}
			if (pass == 0)
				t_one = fmin(t_one, now() - t0);
			else
			{
				t_all = fmin(t_all, now() - t0);
				done = res.sweeps;
				updates = res.updates;
				J0 = res.objective_start;
				J1 = res.objective;
				gap1 = res.gap;
			}
			fg_threshold_result_free(&env, &res);
		}
	}
	/* the start's gap: a fit that cannot move (lambda_f 0 from least squares) */
	{
		fg_threshold_result res;

		set.lambda_f = 0.0;
		set.max_sweeps = 1;
		memcpy(delta, ls, sizeof(double) * m);
		if (fg_threshold_fit(&env, &data, &set, delta, &res, &err) != FG_OK)
			return 1;
		gap0 = res.gap;
		fg_threshold_result_free(&env, &res);
	}
	printf("threshold fit: %zu rows x %d features x %u strata, lambda_f %g, %u thresholds\n",
		   N, p, n_strata, env_number("LAMBDA_F", 1.0), set.n_thresholds);
	printf("first sweep (with set-up) %.1f ms; later sweeps %.1f ms each (%d sweeps in %.1f ms)\n",
		   t_one * 1e3, done > 1 ? (t_all - t_one) / (done - 1) * 1e3 : NAN, done, t_all * 1e3);
	printf("J %.4f -> %.4f, gap %.4f -> %.4f, %d coefficient moves\n", J0, J1, gap0, gap1, updates);
	free(x);
	free(y);
	free(s);
	free(g);
	free(xtx);
	free(ls);
	free(delta);
	free(row);
	free(ipiv);
	return 0;
}

int
main(void)
{
	size_t		N = (size_t) env_number("ROWS", 1e6);
	int			p = (int) env_number("P", 20);
	uint32_t	n_strata = (uint32_t) env_number("STRATA", 1000);
	int			reps = (int) env_number("REPS", 3);
	static const struct
	{
		const char *name;
		fg_method	method;
		double		rho;
	}			methods[] = {
		{"lr", FG_METHOD_LR, 0.0},
		{"crlr", FG_METHOD_CRLR, 0.0},
		{"fair_crlr", FG_METHOD_FAIR_CRLR, 0.1},
		{"fair_glmm", FG_METHOD_FAIR_GLMM, 0.1},
	};
	fg_train	train;
	fg_data		data;
	fg_error	err;
	double	   *x = malloc(sizeof(double) * (p > 0 ? p : 1));
	double		t0,
				t_collect,
				t_read = INFINITY,
				sink = 0.0;

	if (env_number("THRESHOLD", 0) > 0)
	{
		free(x);
		return bench_threshold(N, p, n_strata, reps);
	}
	t0 = now();
	if (fg_train_init(&train, &env, true, p, &err) != FG_OK)
		return 1;
	for (size_t l = 0; l < N; l++)
	{
		uint32_t	g = (uint32_t) ((l * 7919) % n_strata);
		uint8_t		key[8];
		uint8_t		s = uniform01() < 0.5;
		double		eta = -0.3 + 0.5 * s + 1.2 * sin(g * 12.9898);

		for (int j = 0; j < p; j++)
		{
			x[j] = (uniform01() - 0.5) * 3.4641 + (j == 0 && s ? 0.5 : 0.0);
			eta += (j < 4 ? (double[]) {0.8, -0.6, 0.4, 0.2}[j] : 0.0) * x[j];
		}
		fg_key_from_int64(g, key);
		if (fg_train_add_row(&train, x, uniform01() < 1.0 / (1.0 + exp(-eta)), s,
							 key, 8, &err) != FG_OK)
			return 1;
	}
	t_collect = now() - t0;
	if (fg_train_data(&train, &data, &err) != FG_OK)
		return 1;
	for (int r = 0; r < reps; r++)
	{
		t0 = now();
		sink += read_pass(&data);
		t_read = fmin(t_read, now() - t0);
	}
	printf("%zu rows x %d features x %u strata; generating and collecting %.2f s\n",
		   N, p, n_strata, t_collect);
	printf("%-10s %10s %10s %6s\n", "method", "fit (ms)", "/ read", "iter");
	printf("%-10s %10.1f %10.2f\n", "read pass", t_read * 1e3, 1.0);
	for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++)
	{
		fg_options	opt;
		fg_fit		fit;
		double		best = INFINITY;
		int			iterations = 0;

		if (getenv("METHOD") && *getenv("METHOD") && strcmp(getenv("METHOD"), methods[m].name) != 0)
			continue;
		fg_options_default(&opt);
		opt.method = methods[m].method;
		opt.rho = methods[m].rho;
		opt.lambda = 1.0;
		/* VCOV=model|robust|none: the standard errors computed with the fit */
		if (getenv("VCOV") && *getenv("VCOV"))
			opt.vcov = strcmp(getenv("VCOV"), "robust") == 0 ? FG_VCOV_ROBUST :
				strcmp(getenv("VCOV"), "none") == 0 ? FG_VCOV_NONE : FG_VCOV_MODEL;
		for (int r = 0; r < reps; r++)
		{
			t0 = now();
			if (fg_fit_model(&env, &data, &opt, &fit, &err) != FG_OK)
			{
				fprintf(stderr, "%s: %s (%s)\n", methods[m].name, err.message, err.detail);
				return 1;
			}
			best = fmin(best, now() - t0);
			iterations = fit.iterations;
			sink += fit.intercept;
			fg_fit_release(&env, &fit);
		}
		printf("%-10s %10.1f %10.2f %6d\n", methods[m].name, best * 1e3, best / t_read, iterations);
	}
	/* PATH_RHOS=K: fair_crlr at K log-spaced rho (0.01 .. 560) through one fitter, as fairglmm_path */
	if (env_number("PATH_RHOS", 0) > 0)
	{
		int			K = (int) env_number("PATH_RHOS", 0);
		fg_options	opt;
		double		best = INFINITY,
					one = INFINITY;
		int			iterations = 0;

		fg_options_default(&opt);
		opt.method = FG_METHOD_FAIR_CRLR;
		opt.lambda = 1.0;
		if (getenv("VCOV") && strcmp(getenv("VCOV"), "none") == 0)
			opt.vcov = FG_VCOV_NONE;
		for (int r = 0; r < reps; r++)
		{
			fg_fitter  *f;
			fg_fit		fit;

			t0 = now();
			opt.rho = 1.0;
			if (fg_fit_model(&env, &data, &opt, &fit, &err) != FG_OK)
				return 1;
			one = fmin(one, now() - t0);
			fg_fit_release(&env, &fit);
			t0 = now();
			iterations = 0;
			if (fg_fitter_init(&env, &data, &opt, &f, &err) != FG_OK)
				return 1;
			for (int i = 0; i < K; i++)
			{
				if (fg_fitter_fit(f, pow(10.0, i * 4.75 / (K > 1 ? K - 1 : 1) - 2.0), &fit, &err) != FG_OK)
				{
					fprintf(stderr, "path: %s (%s)\n", err.message, err.detail);
					return 1;
				}
				iterations += fit.iterations;
				sink += fit.intercept;
				fg_fit_release(&env, &fit);
			}
			fg_fitter_free(f);
			best = fmin(best, now() - t0);
		}
		printf("path of %d rho: %.1f ms = %.2f x one fit (%.1f ms), %.2f / read; %.2f iterations per rho\n",
			   K, best * 1e3, best / one, one * 1e3, best / t_read, (double) iterations / K);
	}
	fg_train_free(&train);
	free(x);
	return sink == 12345.678;	/* keeps the work from being optimised away */
}
