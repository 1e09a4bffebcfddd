/*
 * test_path.c -- fits at several rho through one fitter (warm starts, the
 * summary and terms made once) equal separate fits at each rho, to 1e-8
 * when both are solved to a tight tolerance.
 */
#include "unit.h"
#include "test_data.h"

#include <string.h>

static void
make_path_set(test_set *t, size_t N, int p, uint32_t n, uint64_t seed)
{
	double	   *b = calloc(n, sizeof(double));

	rng_state = seed;
	test_set_alloc(t, N, p, n);
	for (uint32_t i = 0; i < n; i++)
		b[i] = normal01();
	for (size_t l = 0; l < N; l++)
	{
		double		eta = -0.3;

		t->s[l] = uniform01() < 0.4;
		t->g[l] = (uint32_t) (uniform01() * n) % n;
		for (int j = 0; j < p; j++)
		{
			t->x[l * p + j] = normal01() + (j == 0 ? 0.7 * t->s[l] : 0.0);
			eta += (j % 2 ? -0.6 : 0.8) * t->x[l * p + j];
		}
		eta += 0.9 * t->s[l] + b[t->g[l]];
		t->y[l] = uniform01() < fg_sigmoid(eta);
	}
	free(b);
}

static double
max_rel_diff(const fg_fit *a, const fg_fit *b)
{
	double		d = fabs(a->intercept - b->intercept) / fmax(1.0, fabs(b->intercept));

	for (int j = 0; j < a->p; j++)
		d = fmax(d, fabs(a->beta[j] - b->beta[j]) / fmax(1.0, fabs(b->beta[j])));
	for (uint32_t i = 0; i < a->n_strata; i++)
		d = fmax(d, fabs(a->b[i] - b->b[i]) / fmax(1.0, fabs(b->b[i])));
	return d;
}

int
main(void)
{
	static const fg_method methods[] = {FG_METHOD_FAIR_LR, FG_METHOD_FAIR_CRLR, FG_METHOD_FAIR_GLMM};
	static const double rhos[] = {0.0, 0.1, 1.0, 10.0, 100.0, 3.0};
	test_set	t;

	make_path_set(&t, 2000, 4, 15, 12);
	/* with standard errors every resumed solve starts from an exact factor, without from a chord */
	for (int mi = 0; mi < 6; mi++)
	{
		fg_options	o;
		fg_fitter  *f;
		fg_error	err;

		fg_options_default(&o);
		o.method = methods[mi % 3];
		o.vcov = mi < 3 ? FG_VCOV_MODEL : FG_VCOV_NONE;
		o.lambda = 1.0;
		o.exact_trace = true;
		/*
		 * Solved tightly: at the default tolerance (1e-10 relative decrement)
		 * a stiff penalty (rho 100) leaves either start ~3e-8 from the optimum
		 */
		o.tol = 1e-13;
		if (!CHECK(fg_fitter_init(&unit_env, &t.data, &o, &f, &err) == FG_OK, "%s", err.message))
			continue;
		for (int r = 0; r < 6; r++)
		{
			fg_fit		warm,
						cold;

			o.rho = rhos[r];
			if (!CHECK(fg_fitter_fit(f, rhos[r], &warm, &err) == FG_OK, "%s", err.message))
				continue;
			if (CHECK(fg_fit_model(&unit_env, &t.data, &o, &cold, &err) == FG_OK, "%s", err.message))
			{
				double		d = max_rel_diff(&warm, &cold);

				CHECK(d <= 1e-8, "%s rho %g: warm and cold fits differ by %g",
					  fg_method_name(methods[mi % 3]), rhos[r], d);
				CHECK(fabs(warm.objective - cold.objective) <= 1e-10 * fabs(cold.objective));
				CHECK(warm.steps == cold.steps);
				if (warm.vcov && cold.vcov)
					CHECK(fabs(warm.vcov[0] - cold.vcov[0]) <= 1e-7 * cold.vcov[0]);
				fg_fit_release(&unit_env, &cold);
			}
			fg_fit_release(&unit_env, &warm);
		}
		fg_fitter_free(f);
	}
	/*
	 * The target search: the model found reaches the level, the one at a
	 * rho 1 % smaller does not (the metric grows with rho on these rows),
	 * and its standard errors are those of a fit at that rho
	 */
	for (int level = 0; level < 3; level++)
	{
		static const double levels[] = {0.7, 0.85, 0.95};
		fg_options	o;
		fg_fit		found,
					below,
					direct;
		fg_error	err;
		double		rho = -1.0;

		fg_options_default(&o);
		o.method = FG_METHOD_FAIR_CRLR;
		o.lambda = 1.0;
		o.target = levels[level];
		o.target_metric = FG_TARGET_DISPARATE_IMPACT;
		if (!CHECK(fg_fit_target(&unit_env, &t.data, &o, &found, &rho, &err) == FG_OK, "%s", err.message))
			continue;
		CHECK(found.target_reached >= levels[level], "target %g: reached %g", levels[level],
			  found.target_reached);
		CHECK(found.target_reached == fg_fairness_ratio(&t.data, &found, 0.5, o.target_metric));
		o.target = NAN;
		o.rho = rho / 1.01;
		if (rho > 0.0 && CHECK(fg_fit_model(&unit_env, &t.data, &o, &below, &err) == FG_OK, "%s", err.message))
		{
			CHECK(fg_fairness_ratio(&t.data, &below, 0.5, o.target_metric) < levels[level],
				  "target %g: rho %g / 1.01 reaches it too", levels[level], rho);
			fg_fit_release(&unit_env, &below);
		}
		o.rho = rho;
		if (CHECK(fg_fit_model(&unit_env, &t.data, &o, &direct, &err) == FG_OK, "%s", err.message))
		{
			CHECK(max_rel_diff(&found, &direct) <= 1e-6, "target %g: %g from a direct fit",
				  levels[level], max_rel_diff(&found, &direct));
			CHECK(found.vcov != NULL && direct.vcov != NULL &&
				  fabs(found.vcov[0] - direct.vcov[0]) <= 1e-6 * direct.vcov[0]);
			fg_fit_release(&unit_env, &direct);
		}
		fg_fit_release(&unit_env, &found);
	}
	free_set(&t);
	CHECK(unit_live_allocs == 0, "%ld allocations left", unit_live_allocs);
	return unit_summary("path");
}
