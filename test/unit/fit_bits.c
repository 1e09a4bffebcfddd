/*
 * fit_bits.c -- prints every number of a few fits exactly (hexadecimal
 * floating point), for `make same-bits`.
 *
 * The hot per-row loops of the core are compiled twice (FG_ROW_LOOPS in
 * pass.h: AVX2 and baseline copies, one picked at load time).  That is only
 * sound if both copies give the same bits; same-bits builds this program
 * with and without the copies and compares the two outputs byte for byte.
 * Seven features and 2 501 rows leave remainders for the vector loops of
 * either width.  Five binomial fits and one gaussian fair_glmm.
 */
#include "fg_core.h"
#include "test_data.h"
#include "unit.h"

#include <stdio.h>

static void
print_fit(const char *name, const fg_fit *f)
{
	printf("%s intercept %a objective %a grad %a q %a acc %a di %a cov %a\n", name,
		   f->intercept, f->objective, f->grad_norm, f->q, f->train_accuracy, f->train_di, f->train_cov);
	for (int j = 0; j < f->p; j++)
		printf("%s beta%d %a\n", name, j, f->beta[j]);
	for (uint32_t g = 0; g < f->n_strata; g++)
		printf("%s b%u %a\n", name, g, f->b[g]);
}

int
main(void)
{
	static const struct
	{
		fg_method	method;
		double		rho;
	}			fits[] = {
		{FG_METHOD_LR, 0.0},
		{FG_METHOD_FAIR_LR, 0.5},
		{FG_METHOD_CRLR, 0.0},
		{FG_METHOD_FAIR_CRLR, 0.5},
		{FG_METHOD_FAIR_GLMM, 0.5},
	};
	size_t		N = 2501;
	int			p = 7;
	uint32_t	n_strata = 37;
	test_set	t;
	int			failures = 0;

	rng_state = 20241122;
	test_set_alloc(&t, N, p, n_strata);
	for (size_t l = 0; l < N; l++)
	{
		double		eta = -0.4;

		t.g[l] = (uint32_t) ((l * 13) % n_strata);
		t.s[l] = uniform01() < 0.4;
		for (int j = 0; j < p; j++)
		{
			t.x[l * p + j] = normal01() + (j == 0 ? 0.7 * t.s[l] : 0.0);
			eta += (j % 3 - 1) * 0.5 * t.x[l * p + j];
		}
		eta += 0.3 * t.s[l] + 0.8 * sin((double) t.g[l]);
		t.y[l] = uniform01() < 1.0 / (1.0 + exp(-eta));
	}
	for (size_t i = 0; i < sizeof(fits) / sizeof(fits[0]); i++)
	{
		fg_options	opt;
		fg_fit		f;
		fg_error	err;

		fg_options_default(&opt);
		opt.method = fits[i].method;
		opt.rho = fits[i].rho;
		opt.lambda = 1.0;
		t.data.stratum = fg_method_uses_strata(opt.method) ? t.g : NULL;
		t.data.n_strata = fg_method_uses_strata(opt.method) ? n_strata : 0;
		if (fg_fit_model(&unit_env, &t.data, &opt, &f, &err) != FG_OK)
		{
			fprintf(stderr, "%s: %s\n", fg_method_name(opt.method), err.message);
			failures++;
			continue;
		}
		print_fit(fg_method_name(opt.method), &f);
		fg_fit_release(&unit_env, &f);
	}
	/* the gaussian family's boosting (its own loop over the candidates) on y = eta + noise */
	{
		double	   *y = malloc(sizeof(double) * N);
		fg_options	opt;
		fg_fit		f;
		fg_error	err;

		for (size_t l = 0; l < N; l++)
			y[l] = 3.0 * t.y[l] + normal01();
		t.data.y = NULL;
		t.data.y_real = y;
		t.data.stratum = t.g;
		t.data.n_strata = n_strata;
		fg_options_default(&opt);
		opt.family = FG_FAMILY_GAUSSIAN;
		opt.method = FG_METHOD_FAIR_GLMM;
		opt.rho = 0.5;
		opt.lambda = 1.0;
		if (fg_fit_model(&unit_env, &t.data, &opt, &f, &err) != FG_OK)
		{
			fprintf(stderr, "gaussian fair_glmm: %s\n", err.message);
			failures++;
		}
		else
		{
			printf("gaussian sigma2 %a\n", f.sigma2);
			print_fit("gaussian_fair_glmm", &f);
			fg_fit_release(&unit_env, &f);
		}
		t.data.y = t.y;
		t.data.y_real = NULL;
		free(y);
	}
	free_set(&t);
	return failures > 0;
}
