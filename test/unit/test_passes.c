/*
 * test_passes.c -- a fit from passes (passes.h) equals the fit from the
 * rows in memory: the rows go in blocks of an odd size, dealt round-robin
 * to three accumulators (the workers of a parallel or distributed
 * aggregate) that are merged at the end of every pass.  Coefficients,
 * random intercepts, standard errors (model and robust), likelihoods,
 * training metrics, term covariances and multipliers must agree to 1e-8
 * for every Newton method, both families, weights, several categorical
 * attributes, the three fairness notions and the constrained form.
 * Checked too: the split of the rows does not matter, and methods that
 * need every row at once are refused.
 */
#include "unit.h"
#include "test_data.h"
#include "passes.h"

#include <string.h>

#define WORKERS 3

typedef struct block_runner
{
	const fg_data *data;
	size_t		block;			/* rows a block */
	int			passes;
} block_runner;

static void
run_blocks(void *ctx, const fg_pass_spec *spec, double *acc)
{
	block_runner *r = ctx;
	size_t		size = fg_pass_size(spec);
	double	   *part[WORKERS];
	fg_error	err;
	int			wk = 0;

	r->passes++;
	for (int i = 0; i < WORKERS; i++)
	{
		part[i] = malloc(sizeof(double) * size);
		fg_pass_init(spec, part[i]);
	}
	for (size_t r0 = 0; r0 < r->data->n_rows; r0 += r->block, wk = (wk + 1) % WORKERS)
	{
		size_t		rows = r->data->n_rows - r0 < r->block ? r->data->n_rows - r0 : r->block;
		fg_data		b = fg_data_slice(r->data, r0, rows);

		if (fg_pass_add(&unit_env, spec, &b, part[wk], &err) != FG_OK)
			fprintf(stderr, "fg_pass_add: %s\n", err.message);
	}
	fg_pass_init(spec, acc);
	for (int i = 0; i < WORKERS; i++)
	{
		fg_pass_merge(spec, acc, part[i]);
		free(part[i]);
	}
}

/* relative difference, with an absolute floor for values near 0 */
static bool
close(double a, double b, double tol)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return fabs(a - b) <= tol * fmax(1.0, fmax(fabs(a), fabs(b)));
}

#define CHECK_SAME(a, b, what) \
	CHECK(close((a), (b), 1e-8), "%s: %s %.17g vs %.17g", name, what, (double) (a), (double) (b))

static void
compare_fits(const char *name, const fg_fit *mem, const fg_fit *pas)
{
	int			k = 1 + mem->p;

	CHECK(mem->p == pas->p && mem->n_strata == pas->n_strata, "%s: shapes", name);
	CHECK_SAME(mem->intercept, pas->intercept, "intercept");
	for (int j = 0; j < mem->p; j++)
		CHECK_SAME(mem->beta[j], pas->beta[j], "beta");
	for (uint32_t g = 0; g < mem->n_strata; g++)
	{
		CHECK_SAME(mem->b[g], pas->b[g], "b");
		CHECK(mem->stratum_rows[g] == pas->stratum_rows[g], "%s: stratum rows", name);
	}
	CHECK(mem->converged == pas->converged, "%s: converged", name);
	CHECK_SAME(mem->objective, pas->objective, "objective");
	CHECK_SAME(mem->loglik, pas->loglik, "loglik");
	CHECK_SAME(mem->null_loglik, pas->null_loglik, "null loglik");
	CHECK_SAME(mem->edf, pas->edf, "edf");
	CHECK_SAME(mem->weight_sum, pas->weight_sum, "weight sum");
	CHECK_SAME(mem->train_accuracy, pas->train_accuracy, "accuracy");
	CHECK_SAME(mem->train_di, pas->train_di, "train_di");
	CHECK_SAME(mem->train_cov, pas->train_cov, "train_cov");
	CHECK_SAME(mem->rmse, pas->rmse, "rmse");
	CHECK_SAME(mem->r2, pas->r2, "r2");
	CHECK_SAME(mem->sigma2, pas->sigma2, "sigma2");
	CHECK_SAME(mem->multiplier, pas->multiplier, "multiplier");
	CHECK(mem->n_attr == pas->n_attr, "%s: attributes", name);
	for (uint32_t a = 0; a < mem->n_attr && a < pas->n_attr; a++)
		CHECK_SAME(mem->attr_di[a], pas->attr_di[a], "attr_di");
	CHECK(mem->n_terms == pas->n_terms, "%s: terms", name);
	for (uint32_t t = 0; t < mem->n_terms && t < pas->n_terms; t++)
	{
		CHECK_SAME(mem->terms[t].cov, pas->terms[t].cov, "term cov");
		CHECK_SAME(mem->terms[t].weight, pas->terms[t].weight, "term weight");
		CHECK_SAME(mem->terms[t].multiplier, pas->terms[t].multiplier, "term multiplier");
	}
	CHECK(mem->vcov_type == pas->vcov_type && (mem->vcov == NULL) == (pas->vcov == NULL),
		  "%s: vcov kind", name);
	if (mem->vcov && pas->vcov)
	{
		for (int i = 0; i < k * k; i++)
			CHECK_SAME(mem->vcov[i], pas->vcov[i], "vcov");
		for (uint32_t g = 0; g < mem->n_strata; g++)
			CHECK_SAME(mem->b_se[g], pas->b_se[g], "b_se");
	}
}

/* The pass constants of data. */
static fg_pass_spec
spec_of(const fg_data *d)
{
	fg_pass_spec spec;

	memset(&spec, 0, sizeof(spec));
	spec.p = d->p;
	spec.n_strata = d->n_strata;
	spec.gaussian = d->y_real != NULL;
	spec.weighted = d->w != NULL;
	spec.weight_factor = 1.0;
	spec.n_attr = d->n_attr;
	for (uint32_t a = 0; a < d->n_attr; a++)
		spec.n_cats[a] = d->n_cats[a];
	return spec;
}

/* A runner over data in blocks of block rows, the pass constants and the data's shell. */
static void
passes_of(const fg_data *data, size_t block, block_runner *br, fg_pass_spec *spec,
		  fg_data *shell)
{
	br->data = data;
	br->block = block;
	br->passes = 0;
	*spec = spec_of(data);
	*shell = fg_data_slice(data, 0, 0);
}

/* Fit opt from memory and from passes in blocks of block rows; compare. */
static void
check_same(const char *name, const fg_data *data, const fg_options *opt, size_t block)
{
	fg_fit		mem,
				pas;
	fg_error	err;
	fg_fitter  *f = NULL;
	block_runner br = {data, block, 0};
	fg_pass_runner runner = {&br, run_blocks};
	fg_pass_spec spec = spec_of(data);
	fg_data		shell = fg_data_slice(data, 0, 0);
	fg_status	st;

	st = fg_fit_model(&unit_env, data, opt, &mem, &err);
	if (!CHECK(st == FG_OK, "%s: in memory: %s", name, err.message))
		return;
	st = fg_fitter_init_passes(&unit_env, &shell, opt, &runner, &spec, data->stratum != NULL,
							   &f, &err);
	if (st == FG_OK)
		st = fg_fitter_fit(f, opt->rho, &pas, &err);
	fg_fitter_free(f);
	if (!CHECK(st == FG_OK, "%s: from passes: %s", name, err.message))
	{
		fg_fit_release(&unit_env, &mem);
		return;
	}
	CHECK(br.passes >= 3, "%s: %d passes", name, br.passes);
	compare_fits(name, &mem, &pas);
	fg_fit_release(&unit_env, &mem);
	fg_fit_release(&unit_env, &pas);
}

/* binary or coded attributes, weights, strata; y from a logistic model */
typedef struct pass_set
{
	test_set	t;
	uint32_t   *codes;
	uint32_t	n_cats[2];
	double	   *w;
	double	   *y_real;
} pass_set;

static void
make_set(pass_set *ps, size_t N, int p, uint32_t n, uint64_t seed, bool weighted, bool coded,
		 bool gaussian)
{
	double	   *b = calloc(n ? n : 1, sizeof(double));

	rng_state = seed;
	test_set_alloc(&ps->t, N, p, n);
	ps->codes = calloc(N * 2, sizeof(uint32_t));
	ps->w = calloc(N, sizeof(double));
	ps->y_real = calloc(N, sizeof(double));
	ps->n_cats[0] = 4;
	ps->n_cats[1] = 2;
	for (uint32_t i = 0; i < n; i++)
		b[i] = 0.7 * normal01();
	for (size_t l = 0; l < N; l++)
	{
		double		u = uniform01();
		uint32_t	a = u < 0.5 ? 0 : u < 0.8 ? 1 : u < 0.95 ? 2 : 3;
		uint32_t	bb = uniform01() < 0.4;
		double		eta = -0.2 + 0.5 * a - 0.7 * bb;

		ps->codes[l * 2] = a;
		ps->codes[l * 2 + 1] = bb;
		ps->t.s[l] = (uint8_t) bb;
		ps->t.g[l] = n ? (uint32_t) (uniform01() * n) % n : 0;
		for (int j = 0; j < p; j++)
		{
			/* raw scales: the third feature in the thousands */
			double		x = normal01() + (j == 0 ? 0.4 * a : j == 1 ? 0.6 * bb : 0.0);

			ps->t.x[l * p + j] = j == 2 ? 1000.0 + 50.0 * x : x;
			eta += (j % 2 ? -0.5 : 0.7) * x / (1 + j);
		}
		eta += n ? b[ps->t.g[l]] : 0.0;
		ps->t.y[l] = uniform01() < fg_sigmoid(eta);
		ps->y_real[l] = 3.0 + 2.0 * eta + normal01();
		ps->w[l] = 0.2 + 2.0 * uniform01();
	}
	if (weighted)
	{
		fg_weights_rescale(ps->w, N);
		ps->t.data.w = ps->w;
	}
	if (coded)
	{
		ps->t.data.n_attr = 2;
		ps->t.data.codes = ps->codes;
		ps->t.data.n_cats = ps->n_cats;
		ps->t.data.s = NULL;
	}
	if (gaussian)
	{
		ps->t.data.y_real = ps->y_real;
		ps->t.data.y = NULL;
	}
	free(b);
}

static void
free_pass_set(pass_set *ps)
{
	free(ps->codes);
	free(ps->w);
	free(ps->y_real);
	free_set(&ps->t);
}

static fg_options
opts(fg_method method, double rho, bool gaussian)
{
	fg_options	o;

	fg_options_default(&o);
	o.method = method;
	o.rho = rho;
	o.lambda = 1.0;
	o.family = gaussian ? FG_FAMILY_GAUSSIAN : FG_FAMILY_BINOMIAL;
	return o;
}

/* Every Newton method on data at rho in blocks of block rows; also with robust errors. */
static void
each_method(const char *family, const fg_data *data, bool gaussian, double rho, size_t block,
			bool robust)
{
	const fg_method methods[] = {FG_METHOD_LR, FG_METHOD_FAIR_LR, FG_METHOD_CRLR, FG_METHOD_FAIR_CRLR};

	for (int i = 0; i < 4; i++)
	{
		fg_options	o = opts(methods[i], rho, gaussian);
		char		name[64];

		snprintf(name, sizeof(name), "%s %s", family, fg_method_name(methods[i]));
		check_same(name, data, &o, block);
		if (!robust)
			continue;
		o.vcov = FG_VCOV_ROBUST;
		snprintf(name, sizeof(name), "%s %s robust", family, fg_method_name(methods[i]));
		check_same(name, data, &o, 256);
	}
}

static void
binomial_methods(void)
{
	pass_set	ps;
	fg_options	o;

	make_set(&ps, 3000, 4, 25, 11, false, false, false);
	each_method("binomial", &ps.t.data, false, 20.0, 37, true);
	o = opts(FG_METHOD_FAIR_CRLR, 20.0, false);
	o.l2 = 0.5;
	check_same("binomial fair_crlr l2", &ps.t.data, &o, 101);
	o = opts(FG_METHOD_FAIR_CRLR, 0.0, false);
	o.c = 0.002;
	check_same("binomial constrained", &ps.t.data, &o, 64);
	o = opts(FG_METHOD_LR, 0.0, false);
	o.vcov = FG_VCOV_NONE;
	check_same("binomial lr vcov none", &ps.t.data, &o, 1);
	free_pass_set(&ps);
}

static void
weighted_and_coded(void)
{
	pass_set	ps;
	fg_options	o;
	const fg_fairness_notion notions[] = {
		FG_FAIRNESS_DEMOGRAPHIC_PARITY, FG_FAIRNESS_EQUAL_OPPORTUNITY, FG_FAIRNESS_EQUALIZED_ODDS
	};

	make_set(&ps, 2500, 3, 15, 23, true, true, false);
	for (int i = 0; i < 3; i++)
	{
		char		name[64];

		o = opts(FG_METHOD_FAIR_CRLR, 8.0, false);
		o.fairness = notions[i];
		snprintf(name, sizeof(name), "weighted coded %s", fg_fairness_name(notions[i]));
		check_same(name, &ps.t.data, &o, 53);
	}
	o = opts(FG_METHOD_FAIR_LR, 0.0, false);
	o.c = 0.005;
	o.fairness = FG_FAIRNESS_EQUALIZED_ODDS;
	check_same("weighted coded constrained equalized odds", &ps.t.data, &o, 200);
	o = opts(FG_METHOD_FAIR_CRLR, 3.0, false);
	o.weight_scale = FG_WEIGHTS_AS_GIVEN;
	o.vcov = FG_VCOV_ROBUST;
	check_same("weighted coded as_given robust", &ps.t.data, &o, 97);
	free_pass_set(&ps);

	make_set(&ps, 2000, 3, 10, 29, true, false, false);
	o = opts(FG_METHOD_FAIR_CRLR, 5.0, false);
	check_same("weighted binary", &ps.t.data, &o, 77);
	free_pass_set(&ps);
}

static void
gaussian_methods(void)
{
	pass_set	ps;
	fg_options	o;

	make_set(&ps, 2000, 3, 12, 31, false, false, true);
	each_method("gaussian", &ps.t.data, true, 10.0, 45, false);
	free_pass_set(&ps);
	make_set(&ps, 2000, 3, 12, 37, true, true, true);
	o = opts(FG_METHOD_FAIR_CRLR, 10.0, true);
	o.vcov = FG_VCOV_ROBUST;
	check_same("gaussian weighted coded robust", &ps.t.data, &o, 99);
	free_pass_set(&ps);
}

/* The same fit whatever the blocks: one row each, or all in one. */
static void
split_does_not_matter(void)
{
	pass_set	ps;
	fg_options	o = opts(FG_METHOD_FAIR_CRLR, 15.0, false);

	make_set(&ps, 800, 2, 8, 41, true, true, false);
	check_same("blocks of 1", &ps.t.data, &o, 1);
	check_same("one block", &ps.t.data, &o, 800);
	free_pass_set(&ps);
}

/* Quasi-separation: found from a pass at the solution, reported alike. */
static void
separation(void)
{
	pass_set	ps;
	fg_options	o = opts(FG_METHOD_CRLR, 0.0, false);
	fg_fit		mem,
				pas;
	fg_error	err;
	fg_fitter  *f = NULL;
	block_runner br;
	fg_pass_runner runner = {&br, run_blocks};
	fg_pass_spec spec;
	fg_data		shell;

	make_set(&ps, 1500, 3, 6, 47, false, false, false);
	/* an indicator on a tenth of the rows, all of them with y = 1 */
	for (size_t l = 0; l < 1500; l++)
	{
		ps.t.x[l * 3 + 1] = l % 10 == 0 ? 1.0 : 0.0;
		if (l % 10 == 0)
			ps.t.y[l] = 1;
	}
	passes_of(&ps.t.data, 61, &br, &spec, &shell);
	CHECK(fg_fit_model(&unit_env, &ps.t.data, &o, &mem, &err) == FG_OK);
	CHECK(fg_fitter_init_passes(&unit_env, &shell, &o, &runner, &spec, true, &f, &err) == FG_OK &&
		  fg_fitter_fit(f, 0.0, &pas, &err) == FG_OK, "%s", err.message);
	fg_fitter_free(f);
	CHECK(mem.separated_rows == 150 && pas.separated_rows == mem.separated_rows,
		  "separated %llu and %llu", (unsigned long long) mem.separated_rows,
		  (unsigned long long) pas.separated_rows);
	CHECK(strcmp(mem.separation_detail, pas.separation_detail) == 0, "%s | %s",
		  mem.separation_detail, pas.separation_detail);
	fg_fit_release(&unit_env, &mem);
	fg_fit_release(&unit_env, &pas);
	free_pass_set(&ps);
}

static void
refusals(void)
{
	pass_set	ps;
	fg_options	o = opts(FG_METHOD_FAIR_GLMM, 1.0, false);
	fg_error	err;
	fg_fitter  *f = NULL;
	block_runner br;
	fg_pass_runner runner = {&br, run_blocks};
	fg_pass_spec spec;
	fg_data		shell;

	make_set(&ps, 300, 2, 5, 43, false, false, false);
	passes_of(&ps.t.data, 10, &br, &spec, &shell);
	CHECK(fg_fitter_init_passes(&unit_env, &shell, &o, &runner, &spec, true, &f, &err) ==
		  FG_ERR_INVALID && strstr(err.message, "Newton") != NULL && br.passes == 0);
	/* one class: the summary pass finds it */
	memset(ps.t.y, 0, 300);
	o = opts(FG_METHOD_LR, 0.0, false);
	CHECK(fg_fitter_init_passes(&unit_env, &shell, &o, &runner, &spec, true, &f, &err) ==
		  FG_ERR_DATA && strstr(err.message, "one class") != NULL);
	free_pass_set(&ps);
}

int
main(void)
{
	binomial_methods();
	weighted_and_coded();
	gaussian_methods();
	split_does_not_matter();
	separation();
	refusals();
	return unit_summary("passes");
}
