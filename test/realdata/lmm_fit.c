/*
 * lmm_fit.c -- fits the gaussian glmm (or fair_glmm) of a CSV file with the
 * plain-C core, no server, for test/realdata/lmm_compare.R.
 *
 *   lmm_fit FILE.csv [method [rho [option=value ...]]]
 *
 * FILE.csv: a header line, then per row y, the features, the stratum (an
 * integer from 0) and the sensitive attribute (0 or 1), comma-separated,
 * in that order.  Options: probes, seed, q0, tol_q, max_steps, nu, lambda,
 * exact_trace and verbose (0/1; the steps on stderr).  Prints "name value" lines: the fit's scalars, then
 * beta_j and se_j per feature and b_i per stratum.
 */
#include "fg_core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *
plain_alloc(void *ctx, size_t size)
{
	return calloc(1, size);
}

static void *
plain_alloc_uninit(void *ctx, size_t size)
{
	return malloc(size);
}

static void
plain_release(void *ctx, void *ptr)
{
	free(ptr);
}

static void
print_progress(void *ctx, const char *message)
{
	fprintf(stderr, "%s\n", message);
}

static void
die(const char *what)
{
	fprintf(stderr, "lmm_fit: %s\n", what);
	exit(2);
}

int
main(int argc, char **argv)
{
	fg_env		env = {0};
	fg_options	opt;
	fg_data		data;
	fg_fit		fit;
	fg_error	err;
	FILE	   *in;
	char		line[1 << 16];
	int			cols = 0;
	size_t		n_rows = 0,
				cap = 1024;
	double	   *y,
			   *x;
	uint32_t   *stratum;
	uint8_t    *s;
	uint32_t	n_strata = 0;
	int			p;

	if (argc < 2)
		die("usage: lmm_fit FILE.csv [method [rho [option=value ...]]]");
	env.alloc = plain_alloc;
	env.alloc_uninit = plain_alloc_uninit;
	env.release = plain_release;
	env.progress = print_progress;
	if ((in = fopen(argv[1], "r")) == NULL || fgets(line, sizeof(line), in) == NULL)
		die("cannot read the file");
	for (char *c = line; *c; c++)
		cols += *c == ',';
	cols += 1;
	p = cols - 3;
	if (p < 1)
		die("need y, a feature, stratum and s");
	y = malloc(sizeof(double) * cap);
	x = malloc(sizeof(double) * cap * p);
	stratum = malloc(sizeof(uint32_t) * cap);
	s = malloc(cap);
	while (fgets(line, sizeof(line), in) != NULL)
	{
		char	   *c = line,
				   *end;

		if (n_rows == cap)
		{
			cap *= 2;
			y = realloc(y, sizeof(double) * cap);
			x = realloc(x, sizeof(double) * cap * p);
			stratum = realloc(stratum, sizeof(uint32_t) * cap);
			s = realloc(s, cap);
		}
		y[n_rows] = strtod(c, &end);
		for (int j = 0; j < p; j++)
			x[n_rows * p + j] = strtod(c = end + 1, &end);
		stratum[n_rows] = (uint32_t) strtoul(c = end + 1, &end, 10);
		s[n_rows] = (uint8_t) strtoul(c = end + 1, &end, 10);
		if (stratum[n_rows] + 1 > n_strata)
			n_strata = stratum[n_rows] + 1;
		n_rows++;
	}
	fclose(in);

	memset(&data, 0, sizeof(data));
	data.n_rows = n_rows;
	data.p = p;
	data.n_strata = n_strata;
	data.x = x;
	data.y_real = y;
	data.s = s;
	data.stratum = stratum;

	fg_options_default(&opt);
	opt.family = FG_FAMILY_GAUSSIAN;
	opt.method = fg_method_from_name(argc > 2 ? argv[2] : "glmm");
	opt.rho = argc > 3 ? atof(argv[3]) : 0.0;
	for (int a = 4; a < argc; a++)
	{
		char	   *eq = strchr(argv[a], '=');
		double		v;

		if (eq == NULL)
			die("options are name=value");
		v = atof(eq + 1);
		*eq = '\0';
		if (strcmp(argv[a], "probes") == 0)
			opt.probes = (int) v;
		else if (strcmp(argv[a], "seed") == 0)
			opt.seed = (uint64_t) v;
		else if (strcmp(argv[a], "q0") == 0)
			opt.q0 = v;
		else if (strcmp(argv[a], "tol_q") == 0)
			opt.tol_q = v;
		else if (strcmp(argv[a], "max_steps") == 0)
			opt.max_steps = (int) v;
		else if (strcmp(argv[a], "nu") == 0)
			opt.nu = v;
		else if (strcmp(argv[a], "lambda") == 0)
			opt.lambda = v;
		else if (strcmp(argv[a], "exact_trace") == 0)
			opt.exact_trace = v != 0.0;
		else if (strcmp(argv[a], "verbose") == 0)
			opt.verbose = v != 0.0;
		else
			die("unknown option");
	}
	if (fg_fit_model(&env, &data, &opt, &fit, &err) != FG_OK)
	{
		fprintf(stderr, "lmm_fit: %s (%s)\n", err.message, err.detail);
		return 1;
	}
	printf("rows %zu\nstrata %u\nintercept %.17g\nse_intercept %.17g\n", n_rows, n_strata,
		   fit.intercept, sqrt(fit.vcov[0]));
	printf("q %.17g\nsigma2 %.17g\nsteps %d\nstop_reason %d\ndf %.17g\nbic %.17g\n", fit.q,
		   fit.sigma2, fit.steps, fit.stop_reason, fit.df, fit.bic);
	printf("loglik %.17g\nrmse %.17g\ncov %.17g\n", fit.loglik, fit.rmse,
		   fit.n_terms ? fit.terms[0].cov : NAN);
	for (int j = 0; j < p; j++)
		printf("beta_%d %.17g\nse_%d %.17g\nselected_%d %u\n", j + 1, fit.beta[j], j + 1,
			   sqrt(fit.vcov[(j + 1) * (p + 1) + j + 1]), j + 1, fit.selected[j]);
	for (uint32_t i = 0; i < n_strata; i++)
		printf("b_%u %.17g\n", i, fit.b[i]);
	fg_fit_release(&env, &fit);
	free(y);
	free(x);
	free(stratum);
	free(s);
	return 0;
}
