/*
 * test_cross_validation.c -- option "folds" (cross_validation.h): the folds
 * are balanced and do not depend on the order of the rows; each fold's
 * training rows are those a fit of that subset alone would see, and its fit
 * equals such a fit; the pooled held-out metrics equal the ones recomputed
 * here by plain loops from separate (cold) fits of each fold; every error
 * names what is wrong; failing allocations leak nothing.
 */
#include "unit.h"
#include "test_data.h"
#include "cross_validation.h"

#include <string.h>

#define MAX_ROWS	1500

/* A data set: binary s, or two coded attributes (3 and 2 categories); weights optional. */
typedef struct cv_set
{
	test_set	t;
	double	   *w;
	uint32_t   *codes;
	uint32_t	n_cats[2];
} cv_set;

static void
make_cv_set(cv_set *c, size_t N, int p, uint32_t n_strata, bool weighted, bool coded,
			uint64_t seed)
{
	double	   *b = calloc(n_strata, sizeof(double));

	memset(c, 0, sizeof(*c));
	rng_state = seed;
	test_set_alloc(&c->t, N, p, n_strata);
	for (uint32_t i = 0; i < n_strata; i++)
		b[i] = normal01();
	if (weighted)
		c->w = malloc(sizeof(double) * N);
	if (coded)
	{
		c->codes = malloc(sizeof(uint32_t) * 2 * N);
		c->n_cats[0] = 3;
		c->n_cats[1] = 2;
	}
	for (size_t l = 0; l < N; l++)
	{
		double		eta = -0.2;
		uint8_t		s = uniform01() < 0.4;

		c->t.s[l] = s;
		c->t.g[l] = n_strata ? (uint32_t) (uniform01() * n_strata) % n_strata : 0;
		for (int j = 0; j < p; j++)
		{
			c->t.x[l * p + j] = normal01() + (j == 0 ? 0.8 * s : 0.0);
			eta += (j % 2 ? -0.5 : 0.7) * c->t.x[l * p + j];
		}
		eta += 0.9 * s + (n_strata ? b[c->t.g[l]] : 0.0);
		c->t.y[l] = uniform01() < fg_sigmoid(eta);
		if (weighted)
			c->w[l] = 0.5 + 2.0 * uniform01();
		if (coded)
		{
			c->codes[2 * l] = s ? 2 : (uniform01() < 0.5 ? 0 : 1);
			c->codes[2 * l + 1] = uniform01() < 0.5;
		}
	}
	if (weighted)
	{
		/* as the SQL layer hands them over: mean 1 */
		fg_weights_rescale(c->w, N);
		c->t.data.w = c->w;
	}
	if (coded)
	{
		c->t.data.s = NULL;
		c->t.data.n_attr = 2;
		c->t.data.codes = c->codes;
		c->t.data.n_cats = c->n_cats;
	}
	free(b);
}

static void
free_cv_set(cv_set *c)
{
	free_set(&c->t);
	free(c->w);
	free(c->codes);
}

static void
cv_options(fg_options *o, fg_method method, int folds, fg_fold_by by)
{
	fg_options_default(o);
	o->method = method;
	o->lambda = 1.0;
	o->tol = 1e-13;
	o->exact_trace = true;
	o->folds = folds;
	o->fold_by = by;
}

/* ---------- the folds ---------- */

/* The same data with its rows in another order: row i of out is row perm[i] of in. */
static void
permuted(const cv_set *in, cv_set *out, size_t *perm)
{
	const fg_data *d = &in->t.data;
	size_t		N = d->n_rows;
	int			p = d->p;

	for (size_t i = 0; i < N; i++)
		perm[i] = i;
	for (size_t i = N - 1; i > 0; i--)
	{
		size_t		j = (size_t) (uniform01() * (double) (i + 1)) % (i + 1);
		size_t		t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	*out = *in;
	test_set_alloc(&out->t, N, p, d->n_strata);
	out->w = in->w ? malloc(sizeof(double) * N) : NULL;
	out->codes = in->codes ? malloc(sizeof(uint32_t) * 2 * N) : NULL;
	for (size_t i = 0; i < N; i++)
	{
		size_t		l = perm[i];

		memcpy(out->t.x + i * p, in->t.x + l * p, sizeof(double) * p);
		out->t.y[i] = in->t.y[l];
		out->t.s[i] = in->t.s[l];
		out->t.g[i] = in->t.g[l];
		if (in->w)
			out->w[i] = in->w[l];
		if (in->codes)
		{
			out->codes[2 * i] = in->codes[2 * l];
			out->codes[2 * i + 1] = in->codes[2 * l + 1];
		}
	}
	out->t.data.stratum = d->stratum ? out->t.g : NULL;
	out->t.data.w = out->w;
	if (in->codes)
	{
		out->t.data.s = NULL;
		out->t.data.n_attr = 2;
		out->t.data.codes = out->codes;
		out->t.data.n_cats = out->n_cats;
	}
}

static void
test_folds(void)
{
	cv_set		c,
				q;
	size_t		N = 1000;
	uint32_t	n_strata = 23;
	uint8_t    *fold = malloc(N),
			   *fold2 = malloc(N);
	size_t	   *perm = malloc(sizeof(size_t) * N);
	fg_options	o;
	fg_error	err;

	make_cv_set(&c, N, 3, n_strata, true, true, 31);

	/* whole strata: each stratum in one fold, the folds 4 or 5 strata each */
	cv_options(&o, FG_METHOD_FAIR_CRLR, 5, FG_FOLD_BY_STRATA);
	if (CHECK(fg_cv_assign_folds(&unit_env, &c.t.data, &o, fold, &err) == FG_OK, "%s", err.message))
	{
		int			stratum_fold[23];
		int			per_fold[5] = {0};

		for (uint32_t g = 0; g < n_strata; g++)
			stratum_fold[g] = -1;
		for (size_t l = 0; l < N; l++)
		{
			CHECK(fold[l] < 5);
			if (stratum_fold[c.t.g[l]] < 0)
				stratum_fold[c.t.g[l]] = fold[l];
			CHECK(stratum_fold[c.t.g[l]] == fold[l], "stratum %u split", c.t.g[l]);
		}
		for (uint32_t g = 0; g < n_strata; g++)
			if (stratum_fold[g] >= 0)
				per_fold[stratum_fold[g]]++;
		for (int k = 0; k < 5; k++)
			CHECK(per_fold[k] == 4 || per_fold[k] == 5, "fold %d has %d strata", k, per_fold[k]);

		/* the order of the rows does not matter; the seed does */
		rng_state = 77;
		permuted(&c, &q, perm);
		if (CHECK(fg_cv_assign_folds(&unit_env, &q.t.data, &o, fold2, &err) == FG_OK))
			for (size_t i = 0; i < N; i++)
				if (!CHECK(fold2[i] == fold[perm[i]], "row %zu moved folds", perm[i]))
					break;
		free_cv_set(&q);
		o.fold_seed = 2;
		if (CHECK(fg_cv_assign_folds(&unit_env, &c.t.data, &o, fold2, &err) == FG_OK))
			CHECK(memcmp(fold, fold2, N) != 0, "another seed deals the same folds");
	}

	/* rows within strata: each stratum's folds, and all folds, differ by one row at most */
	cv_options(&o, FG_METHOD_FAIR_CRLR, 4, FG_FOLD_BY_ROWS);
	if (CHECK(fg_cv_assign_folds(&unit_env, &c.t.data, &o, fold, &err) == FG_OK, "%s", err.message))
	{
		int			counts[23][4];
		int			total[4] = {0};

		memset(counts, 0, sizeof(counts));
		for (size_t l = 0; l < N; l++)
		{
			counts[c.t.g[l]][fold[l]]++;
			total[fold[l]]++;
		}
		for (uint32_t g = 0; g < n_strata; g++)
		{
			int			lo = counts[g][0],
						hi = counts[g][0];

			for (int k = 1; k < 4; k++)
			{
				lo = counts[g][k] < lo ? counts[g][k] : lo;
				hi = counts[g][k] > hi ? counts[g][k] : hi;
			}
			CHECK(hi - lo <= 1, "stratum %u: folds of %d to %d rows", g, lo, hi);
		}
		for (int k = 0; k < 4; k++)
			CHECK(total[k] == 250, "fold %d has %d rows", k, total[k]);

		rng_state = 78;
		permuted(&c, &q, perm);
		if (CHECK(fg_cv_assign_folds(&unit_env, &q.t.data, &o, fold2, &err) == FG_OK))
			for (size_t i = 0; i < N; i++)
				if (!CHECK(fold2[i] == fold[perm[i]], "row %zu moved folds", perm[i]))
					break;
		free_cv_set(&q);
		o.fold_seed = 2;
		if (CHECK(fg_cv_assign_folds(&unit_env, &c.t.data, &o, fold2, &err) == FG_OK))
			CHECK(memcmp(fold, fold2, N) != 0, "another seed deals the same folds");
	}

	/* without strata the rows are one group */
	c.t.data.stratum = NULL;
	cv_options(&o, FG_METHOD_FAIR_LR, 3, FG_FOLD_BY_ROWS);
	if (CHECK(fg_cv_assign_folds(&unit_env, &c.t.data, &o, fold, &err) == FG_OK, "%s", err.message))
	{
		int			total[3] = {0};

		for (size_t l = 0; l < N; l++)
			total[fold[l]]++;
		CHECK(total[0] == 334 && total[1] == 333 && total[2] == 333);
	}
	CHECK(unit_live_allocs == 0);
	free(fold);
	free(fold2);
	free(perm);
	free_cv_set(&c);
}

/* ---------- a fold's training rows, built here by plain loops ---------- */

typedef struct direct_subset
{
	test_set	t;
	double	   *w;
	uint32_t   *codes;
	uint32_t	n_cats[2];
	uint32_t   *stratum_of;		/* full stratum -> subset stratum, or UINT32_MAX */
} direct_subset;

static void
direct_build(const cv_set *c, const uint8_t *fold, uint32_t k, bool rescale, direct_subset *d)
{
	const fg_data *full = &c->t.data;
	size_t		n = 0;
	int			p = full->p;
	uint32_t	n_strata = 0;
	bool		seen_stratum[64] = {false};
	bool		seen_cat[2][3] = {{false}};
	uint32_t	cat_of[2][3];

	for (size_t l = 0; l < full->n_rows; l++)
		if (fold[l] != k)
		{
			n++;
			if (full->stratum)
				seen_stratum[full->stratum[l]] = true;
			for (uint32_t a = 0; a < full->n_attr; a++)
				seen_cat[a][full->codes[2 * l + a]] = true;
		}
	memset(d, 0, sizeof(*d));
	d->stratum_of = malloc(sizeof(uint32_t) * 64);
	for (uint32_t g = 0; g < full->n_strata; g++)
		d->stratum_of[g] = seen_stratum[g] ? n_strata++ : UINT32_MAX;
	for (uint32_t a = 0; a < full->n_attr; a++)
		for (uint32_t j = 0; j < full->n_cats[a]; j++)
			cat_of[a][j] = seen_cat[a][j] ? d->n_cats[a]++ : UINT32_MAX;
	test_set_alloc(&d->t, n, p, full->stratum ? n_strata : 0);
	if (full->w)
		d->w = malloc(sizeof(double) * n);
	if (full->n_attr)
		d->codes = malloc(sizeof(uint32_t) * 2 * n);
	for (size_t l = 0, i = 0; l < full->n_rows; l++)
	{
		if (fold[l] == k)
			continue;
		for (int j = 0; j < p; j++)
			d->t.x[i * p + j] = full->x[l * p + j];
		d->t.y[i] = full->y[l];
		if (full->s)
			d->t.s[i] = full->s[l];
		if (full->stratum)
			d->t.g[i] = d->stratum_of[full->stratum[l]];
		if (full->w)
			d->w[i] = full->w[l];
		for (uint32_t a = 0; a < full->n_attr; a++)
			d->codes[2 * i + a] = cat_of[a][full->codes[2 * l + a]];
		i++;
	}
	if (full->w)
	{
		double		sum = 0.0;

		for (size_t i = 0; i < n; i++)
			sum += d->w[i];
		for (size_t i = 0; rescale && i < n; i++)
			d->w[i] *= (double) n / sum;
		d->t.data.w = d->w;
	}
	if (full->n_attr)
	{
		d->t.data.s = NULL;
		d->t.data.n_attr = 2;
		d->t.data.codes = d->codes;
		d->t.data.n_cats = d->n_cats;
	}
}

static void
direct_free(direct_subset *d)
{
	free_set(&d->t);
	free(d->w);
	free(d->codes);
	free(d->stratum_of);
}

static double
max_rel_diff(const fg_fit *a, const fg_fit *b)
{
	double		d = fabs(a->intercept - b->intercept) / fmax(1.0, fabs(b->intercept));

	if (a->p != b->p || a->n_strata != b->n_strata)
		return INFINITY;
	for (int j = 0; j < a->p; j++)
		d = fmax(d, fabs(a->beta[j] - b->beta[j]) / fmax(1.0, fabs(b->beta[j])));
	for (uint32_t i = 0; i < a->n_strata; i++)
		d = fmax(d, fabs(a->b[i] - b->b[i]) / fmax(1.0, fabs(b->b[i])));
	return d;
}

/* The core's training rows of fold k are the direct ones, and fit the same. */
static void
check_subset(const cv_set *c, const fg_options *o, const uint8_t *fold, uint32_t k)
{
	fg_cv_subset sub;
	direct_subset d;
	fg_error	err;
	const fg_data *a,
			   *b;
	bool		same = true;

	if (!CHECK(fg_cv_subset_build(&unit_env, &c->t.data, o, fold, k, &sub, &err) == FG_OK, "%s",
			   err.message))
		return;
	direct_build(c, fold, k, o->weight_scale == FG_WEIGHTS_MEAN_ONE, &d);
	a = &sub.data;
	b = &d.t.data;
	CHECK(a->n_rows == b->n_rows && a->p == b->p && a->n_strata == b->n_strata &&
		  a->n_attr == b->n_attr && (a->stratum == NULL) == (b->stratum == NULL) &&
		  (a->w == NULL) == (b->w == NULL));
	for (uint32_t at = 0; at < a->n_attr; at++)
		CHECK(a->n_cats[at] == b->n_cats[at]);
	for (size_t i = 0; same && i < a->n_rows; i++)
	{
		same = a->y[i] == b->y[i] && memcmp(fg_data_row(a, i), fg_data_row(b, i), sizeof(double) * a->p) == 0;
		if (a->stratum)
			same = same && a->stratum[i] == b->stratum[i];
		if (a->n_attr == 0)
			same = same && a->s[i] == b->s[i];
		for (uint32_t at = 0; at < a->n_attr; at++)
			same = same && a->codes[i * 2 + at] == b->codes[i * 2 + at];
		if (a->w)
			same = same && fabs(a->w[i] - b->w[i]) <= 1e-13 * b->w[i];
	}
	CHECK(same, "fold %u: training row differs", k);
	for (uint32_t g = 0; a->stratum && g < c->t.data.n_strata; g++)
		CHECK((sub.stratum_map[g] == FG_CV_UNSEEN) == (d.stratum_of[g] == UINT32_MAX) &&
			  (sub.stratum_map[g] == FG_CV_UNSEEN || sub.stratum_map[g] == d.stratum_of[g]));
	{
		fg_fit		fa,
					fb;
		fg_options	one = *o;

		one.rho = 2.0;
		if (CHECK(fg_fit_model(&unit_env, a, &one, &fa, &err) == FG_OK, "%s", err.message))
		{
			if (CHECK(fg_fit_model(&unit_env, b, &one, &fb, &err) == FG_OK, "%s", err.message))
			{
				CHECK(max_rel_diff(&fa, &fb) <= 1e-10, "fold %u: fits differ by %g", k,
					  max_rel_diff(&fa, &fb));
				fg_fit_release(&unit_env, &fb);
			}
			fg_fit_release(&unit_env, &fa);
		}
	}
	fg_cv_subset_free(&unit_env, &sub);
	direct_free(&d);
}

/* ---------- pooled metrics by plain loops ---------- */

/* min over categories with weight of the rates pos / tot over max; NAN without two such */
static double
plain_ratio(const double *pos, const double *tot, uint32_t c)
{
	double		lo = INFINITY,
				hi = -INFINITY;
	int			groups = 0;

	for (uint32_t j = 0; j < c; j++)
		if (tot[j] > 0.0)
		{
			double		r = pos[j] / tot[j];

			lo = r < lo ? r : lo;
			hi = r > hi ? r : hi;
			groups++;
		}
	if (groups == 0)
		return NAN;
	if (hi == 0.0)
		return 1.0;
	return lo / hi;
}

/*
 * metric 0: disparate impact, 1: equal opportunity ratio, 2: equalized
 * odds ratio, the lowest over the attributes.
 */
static double
plain_fairness(const fg_data *d, const uint8_t *yhat, int metric)
{
	uint32_t	n_attr = d->n_attr ? d->n_attr : 1;
	double		worst = NAN;

	for (uint32_t a = 0; a < n_attr; a++)
	{
		uint32_t	c = d->n_attr ? d->n_cats[a] : 2;
		double		tot[3][3] = {{0}},	/* [outcome: 0, 1, all][category] */
					pos[3][3] = {{0}};
		double		r;

		for (size_t l = 0; l < d->n_rows; l++)
		{
			uint32_t	j = d->n_attr ? d->codes[l * d->n_attr + a] : d->s[l];
			double		w = d->w ? d->w[l] : 1.0;

			tot[d->y[l]][j] += w;
			tot[2][j] += w;
			pos[d->y[l]][j] += yhat[l] ? w : 0.0;
			pos[2][j] += yhat[l] ? w : 0.0;
		}
		if (metric == 0)
			r = plain_ratio(pos[2], tot[2], c);
		else
		{
			double		tpr = plain_ratio(pos[1], tot[1], c);
			double		fpr = plain_ratio(pos[0], tot[0], c);

			r = metric == 1 ? tpr : (isnan(tpr) || fpr < tpr ? fpr : tpr);
		}
		if (!isnan(r) && (isnan(worst) || r < worst))
			worst = r;
	}
	return worst;
}

/*
 * fg_cross_validate against separate cold fits of each fold's rows, built
 * by plain loops, scored and pooled here.
 */
static void
check_pooled(const cv_set *c, const fg_options *o, const double *rhos, uint32_t R)
{
	const fg_data *full = &c->t.data;
	size_t		N = full->n_rows;
	uint8_t    *fold = malloc(N);
	double	   *eta = malloc(sizeof(double) * N * R);
	uint8_t    *yhat = malloc(N);
	fg_cv_metrics out[8];
	fg_cv_stats stats;
	fg_error	err;

	if (!CHECK(fg_cv_assign_folds(&unit_env, full, o, fold, &err) == FG_OK, "%s", err.message))
		goto done;
	if (!CHECK(fg_cross_validate(&unit_env, full, o, rhos, R, out, &stats, &err) == FG_OK,
			   "%s: %s", err.message, err.detail))
		goto done;
	CHECK(stats.fits == (uint32_t) o->folds * R);
	for (uint32_t k = 0; k < (uint32_t) o->folds; k++)
	{
		direct_subset d;

		check_subset(c, o, fold, k);
		direct_build(c, fold, k, o->weight_scale == FG_WEIGHTS_MEAN_ONE, &d);
		for (uint32_t r = 0; r < R; r++)
		{
			fg_options	one = *o;
			fg_fit		f;

			one.rho = rhos[r];
			one.vcov = FG_VCOV_NONE;	/* as the fold fits */
			if (!CHECK(fg_fit_model(&unit_env, &d.t.data, &one, &f, &err) == FG_OK, "%s", err.message))
				continue;
			for (size_t l = 0; l < N; l++)
			{
				double		e = f.intercept;

				if (fold[l] != k)
					continue;
				for (int j = 0; j < full->p; j++)
					e += full->x[l * full->p + j] * f.beta[j];
				/* a stratum the fold's fit has not seen: b = 0 */
				if (f.n_strata > 0 && d.stratum_of[full->stratum[l]] != UINT32_MAX)
					e += f.b[d.stratum_of[full->stratum[l]]];
				eta[r * N + l] = e;
			}
			fg_fit_release(&unit_env, &f);
		}
		direct_free(&d);
	}
	for (uint32_t r = 0; r < R; r++)
	{
		double		wsum = 0.0,
					right = 0.0,
					loss = 0.0;

		for (size_t l = 0; l < N; l++)
		{
			double		w = full->w ? full->w[l] : 1.0;
			double		e = eta[r * N + l];

			yhat[l] = fg_sigmoid(e) >= o->threshold;
			wsum += w;
			right += yhat[l] == full->y[l] ? w : 0.0;
			loss += w * (full->y[l] ? log1pexp(-e) : log1pexp(e));
		}
		CHECK_NEAR(out[r].accuracy, right / wsum, 1e-12);
		CHECK_NEAR(out[r].log_loss, loss / wsum, 1e-8);
		for (int m = 0; m < 3; m++)
		{
			double		want = plain_fairness(full, yhat, m);
			double		got = m == 0 ? out[r].disparate_impact
				: m == 1 ? out[r].equal_opportunity_ratio : out[r].equalized_odds_ratio;

			if (isnan(want))
				CHECK(isnan(got), "metric %d: %g, want undefined", m, got);
			else
				CHECK_NEAR(got, want, 1e-12);
		}
		CHECK(out[r].accuracy > 0.5 && out[r].accuracy < 1.0);
	}
	/* a larger rho brings the held-out rates together on these data */
	if (R >= 2)
		CHECK(out[R - 1].disparate_impact > out[0].disparate_impact, "%g then %g",
			  out[0].disparate_impact, out[R - 1].disparate_impact);
	CHECK(unit_live_allocs == 0);
done:
	free(fold);
	free(eta);
	free(yhat);
}

static void
test_pooled(void)
{
	static const double rhos[] = {0.0, 1.0, 20.0};
	cv_set		c;
	fg_options	o;

	/* random intercepts, folds of whole strata: every held-out stratum unseen */
	make_cv_set(&c, 900, 3, 14, false, false, 5);
	cv_options(&o, FG_METHOD_FAIR_CRLR, 4, FG_FOLD_BY_STRATA);
	check_pooled(&c, &o, rhos, 3);
	/* the rows of each stratum dealt to the folds: strata seen in training */
	cv_options(&o, FG_METHOD_FAIR_CRLR, 5, FG_FOLD_BY_ROWS);
	check_pooled(&c, &o, rhos, 3);
	/* boosting */
	cv_options(&o, FG_METHOD_FAIR_GLMM, 3, FG_FOLD_BY_STRATA);
	check_pooled(&c, &o, rhos, 2);
	free_cv_set(&c);

	/* weights (mean 1 again in each fold, or as given), two coded attributes, no strata */
	make_cv_set(&c, 1200, 2, 10, true, true, 6);
	c.t.data.stratum = NULL;
	c.t.data.n_strata = 0;
	cv_options(&o, FG_METHOD_FAIR_LR, 4, FG_FOLD_BY_ROWS);
	check_pooled(&c, &o, rhos, 3);
	o.weight_scale = FG_WEIGHTS_AS_GIVEN;
	check_pooled(&c, &o, rhos, 3);
	/* equal opportunity terms, strata used for the folds only */
	c.t.data.stratum = c.t.g;
	c.t.data.n_strata = 10;
	cv_options(&o, FG_METHOD_FAIR_LR, 5, FG_FOLD_BY_STRATA);
	o.fairness = FG_FAIRNESS_EQUAL_OPPORTUNITY;
	check_pooled(&c, &o, rhos, 2);
	free_cv_set(&c);
}

/* ---------- errors and failing allocations ---------- */

static void
test_errors(void)
{
	static const double rhos[] = {0.0, 1.0};
	cv_set		c;
	fg_options	o;
	fg_cv_metrics out[2];
	fg_cv_stats stats;
	fg_error	err;
	fg_status	st;
	long		k;

	make_cv_set(&c, 300, 2, 6, false, false, 9);

	/* strata needed, and at least as many as folds */
	cv_options(&o, FG_METHOD_FAIR_LR, 3, FG_FOLD_BY_STRATA);
	c.t.data.stratum = NULL;
	st = fg_cross_validate(&unit_env, &c.t.data, &o, rhos, 2, out, &stats, &err);
	CHECK(st == FG_ERR_INVALID && strstr(err.message, "needs strata") != NULL, "%s", err.message);
	c.t.data.stratum = c.t.g;
	o.folds = 7;
	st = fg_cross_validate(&unit_env, &c.t.data, &o, rhos, 2, out, &stats, &err);
	CHECK(st == FG_ERR_DATA && strstr(err.message, "fewer strata than folds") != NULL &&
		  strstr(err.detail, "7") != NULL, "%s: %s", err.message, err.detail);
	/* a real-valued outcome has no classification metrics */
	o.folds = 3;
	c.t.data.y = NULL;
	st = fg_cross_validate(&unit_env, &c.t.data, &o, rhos, 2, out, &stats, &err);
	CHECK(st == FG_ERR_INVALID && strstr(err.message, "binary outcome") != NULL, "%s", err.message);
	c.t.data.y = c.t.y;
	o.folds = 1;
	CHECK(fg_cross_validate(&unit_env, &c.t.data, &o, rhos, 2, out, &stats, &err) == FG_ERR_INVALID);
	o.folds = 101;
	CHECK(fg_cross_validate(&unit_env, &c.t.data, &o, rhos, 2, out, &stats, &err) == FG_ERR_INVALID);

	/* y = 0 only in stratum 0: the fold that holds it out trains on one class */
	for (size_t l = 0; l < c.t.data.n_rows; l++)
		c.t.y[l] = c.t.g[l] == 0 ? (l % 2) : 1;
	o.folds = 3;
	st = fg_cross_validate(&unit_env, &c.t.data, &o, rhos, 2, out, &stats, &err);
	CHECK(st == FG_ERR_DATA && strncmp(err.message, "cross-validation fold ", 22) == 0 &&
		  strstr(err.message, "of 3: y has only one class") != NULL &&
		  strstr(err.detail, "training rows are the") != NULL &&
		  strstr(err.hint, "y = 0") != NULL, "%s: %s", err.message, err.detail);
	CHECK(unit_live_allocs == 0);
	free_cv_set(&c);

	/* fewer rows than folds */
	make_cv_set(&c, 3, 1, 0, false, false, 9);
	cv_options(&o, FG_METHOD_FAIR_LR, 4, FG_FOLD_BY_ROWS);
	st = fg_cross_validate(&unit_env, &c.t.data, &o, rhos, 2, out, &stats, &err);
	CHECK(st == FG_ERR_DATA && strstr(err.message, "fewer rows than folds") != NULL, "%s", err.message);
	free_cv_set(&c);

	/* every allocation made to fail in turn: out of memory, nothing left behind */
	make_cv_set(&c, 200, 2, 6, true, true, 10);
	cv_options(&o, FG_METHOD_FAIR_CRLR, 3, FG_FOLD_BY_STRATA);
	for (k = 0; k < 100000; k++)
	{
		unit_fail_after = k;
		st = fg_cross_validate(&unit_env, &c.t.data, &o, rhos, 2, out, &stats, &err);
		unit_fail_after = -1;
		CHECK(unit_live_allocs == 0, "allocation %ld failing leaks", k);
		if (st != FG_ERR_NOMEM)
			break;
	}
	CHECK(st == FG_OK && k > 10, "status %d after %ld allocations", (int) st, k);
	free_cv_set(&c);
}

int
main(void)
{
	test_folds();
	test_pooled();
	test_errors();
	CHECK(unit_live_allocs == 0, "%ld allocations left", unit_live_allocs);
	return unit_summary("cross_validation");
}
