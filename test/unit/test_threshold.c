/*
 * test_threshold.c -- fairness at every threshold by coordinate descent
 * (threshold.c), against plain loops.
 *
 * Everything the fit reports is recomputed here from its coefficients the
 * slow way: the predictions, the fit term, the gap at each threshold and
 * group, the thresholds (weighted quantiles by a sort), parity_ks by a
 * quadratic scan.  Along every coefficient of a converged fit a brute-force
 * scan evaluates J at every crossing of a row over a threshold, between
 * crossings and at the fit term's minimiser clipped to each interval, and
 * must find nothing better.  The least-squares start comes from the normal
 * equations.
 */
#include "unit.h"
#include "test_data.h"
#include "threshold.h"
#include "group_metrics.h"
#include "model_format.h"

#include <lapacke.h>
#include <string.h>

/* A data set with a continuous outcome. */
typedef struct tset
{
	fg_data		data;
	size_t		N;
	int			p;
	uint32_t	n_strata;
	double	   *x;
	double	   *y;
	double	   *w;				/* NULL unless weighted */
	uint8_t    *s;
	uint32_t   *codes;
	uint32_t	n_cats[2];
	uint32_t   *g;
} tset;

/*
 * y = 1 + x'beta + shift * (attribute) + b_g + noise.  n_attr 0: the binary
 * s; 1: one attribute of three categories; 2: that and a second of two.
 * The first feature leans on the attribute, so the fit's predictions
 * differ by group however the slopes go.  discrete: integer y and 0/1
 * features (ties everywhere).
 */
static void
make_tset(tset *t, size_t N, int p, uint32_t n_strata, uint32_t n_attr, bool weighted,
		  double shift, bool discrete, uint64_t seed)
{
	static const double beta[] = {0.8, -0.5, 0.3, 0.2, -0.1};

	memset(t, 0, sizeof(*t));
	rng_state = seed;
	t->N = N;
	t->p = p;
	t->n_strata = n_strata;
	t->x = calloc(N * (size_t) p + 1, sizeof(double));
	t->y = calloc(N, sizeof(double));
	t->s = calloc(N, 1);
	t->codes = calloc(N * 2, sizeof(uint32_t));
	t->g = calloc(N, sizeof(uint32_t));
	if (weighted)
		t->w = calloc(N, sizeof(double));
	for (size_t l = 0; l < N; l++)
	{
		uint32_t	cat = (uint32_t) (uniform01() * 3.0);
		uint32_t	cat2 = uniform01() < 0.4;
		uint32_t	g = n_strata ? (uint32_t) (uniform01() * n_strata) : 0;
		double		group = n_attr == 0 ? (double) (cat == 2) : (double) cat / 2.0;
		double		eta = 1.0 + shift * group + (n_strata ? 0.4 * sin(1.0 + g) : 0.0);

		if (n_attr == 0)
			t->s[l] = cat == 2;
		t->codes[l * (n_attr ? n_attr : 1)] = cat;
		if (n_attr == 2)
			t->codes[l * 2 + 1] = cat2;
		for (int j = 0; j < p; j++)
		{
			double		v = discrete ? (double) (uniform01() < 0.5) : normal01();

			if (j == 0)
				v += 0.7 * group;
			t->x[l * p + j] = v;
			eta += beta[j % 5] * v;
		}
		t->y[l] = eta + (n_attr == 2 ? 0.3 * cat2 : 0.0) + 0.6 * normal01();
		if (discrete)
			t->y[l] = round(2.0 * t->y[l]);
		t->g[l] = g;
		if (weighted)
			t->w[l] = 0.3 + 2.0 * uniform01();
	}
	t->n_cats[0] = 3;
	t->n_cats[1] = 2;
	t->data.n_rows = N;
	t->data.p = p;
	t->data.n_strata = n_strata;
	t->data.x = t->x;
	t->data.y_real = t->y;
	t->data.w = t->w;
	t->data.stratum = n_strata ? t->g : NULL;
	t->data.n_attr = n_attr;
	if (n_attr == 0)
		t->data.s = t->s;
	else
	{
		t->data.codes = t->codes;
		t->data.n_cats = t->n_cats;
	}
}

static void
free_tset(tset *t)
{
	free(t->x);
	free(t->y);
	free(t->w);
	free(t->s);
	free(t->codes);
	free(t->g);
}

/* The rows in the order perm (row l of the copy is row perm[l] of t). */
static void
permute_tset(const tset *t, tset *out, const size_t *perm)
{
	uint32_t	n_attr = t->data.n_attr;
	uint32_t	width = n_attr ? n_attr : 1;

	*out = *t;
	out->x = calloc(t->N * (size_t) t->p + 1, sizeof(double));
	out->y = calloc(t->N, sizeof(double));
	out->s = calloc(t->N, 1);
	out->codes = calloc(t->N * 2, sizeof(uint32_t));
	out->g = calloc(t->N, sizeof(uint32_t));
	out->w = t->w ? calloc(t->N, sizeof(double)) : NULL;
	for (size_t l = 0; l < t->N; l++)
	{
		size_t		o = perm[l];

		memcpy(out->x + l * t->p, t->x + o * t->p, sizeof(double) * t->p);
		out->y[l] = t->y[o];
		out->s[l] = t->s[o];
		memcpy(out->codes + l * width, t->codes + o * width, sizeof(uint32_t) * width);
		out->g[l] = t->g[o];
		if (t->w)
			out->w[l] = t->w[o];
	}
	out->data.x = out->x;
	out->data.y_real = out->y;
	out->data.w = out->w;
	out->data.stratum = t->n_strata ? out->g : NULL;
	if (n_attr == 0)
		out->data.s = out->s;
	else
	{
		out->data.codes = out->codes;
		out->data.n_cats = out->n_cats;
	}
}

/* ---------- the objective by plain loops ---------- */

static double
weight_of(const tset *t, size_t l)
{
	return t->w ? t->w[l] : 1.0;
}

static uint32_t
n_coef_of(const tset *t, bool strata)
{
	return 1 + (uint32_t) t->p + (strata ? t->n_strata : 0);
}

static double
predict(const tset *t, const double *delta, bool strata, size_t l)
{
	double		v = delta[0];

	for (int j = 0; j < t->p; j++)
		v += t->x[l * t->p + j] * delta[1 + j];
	if (strata)
		v += delta[1 + t->p + t->g[l]];
	return v;
}

static double
plain_fit_term(const tset *t, const double *delta, const double *yhat, bool strata,
			   double lambda, double l2)
{
	double		sw = 0,
				swy = 0,
				tss = 0,
				rss = 0,
				rb = 0,
				rbeta = 0;

	for (size_t l = 0; l < t->N; l++)
	{
		sw += weight_of(t, l);
		swy += weight_of(t, l) * t->y[l];
	}
	for (size_t l = 0; l < t->N; l++)
	{
		tss += weight_of(t, l) * (t->y[l] - swy / sw) * (t->y[l] - swy / sw);
		rss += weight_of(t, l) * (t->y[l] - yhat[l]) * (t->y[l] - yhat[l]);
	}
	for (int j = 0; j < t->p; j++)
		rbeta += delta[1 + j] * delta[1 + j];
	if (strata)
		for (uint32_t g = 0; g < t->n_strata; g++)
			rb += delta[1 + t->p + g] * delta[1 + t->p + g];
	return (0.5 * rss + lambda * rb + l2 * rbeta) / (0.5 * tss);
}

/* Category of row l of attribute a (the binary s is attribute 0). */
static uint32_t
category(const tset *t, size_t l, uint32_t a)
{
	return t->data.n_attr == 0 ? t->s[l] : t->codes[l * t->data.n_attr + a];
}

/* max over thresholds and groups of |P(yhat > b) - P(yhat > b | group)|, double weights */
static double
plain_gap(const tset *t, const double *yhat, const double *thr, uint32_t L)
{
	uint32_t	n_attr = t->data.n_attr ? t->data.n_attr : 1;
	double		gap = 0.0;

	for (uint32_t j = 0; j < L; j++)
		for (uint32_t a = 0; a < n_attr; a++)
			for (uint32_t cat = 0; cat < 3; cat++)
			{
				double		all = 0,
							all_above = 0,
							mine = 0,
							mine_above = 0;

				for (size_t l = 0; l < t->N; l++)
				{
					double		w = weight_of(t, l);
					bool		above = yhat[l] > thr[j];

					all += w;
					all_above += above ? w : 0;
					if (category(t, l, a) == cat)
					{
						mine += w;
						mine_above += above ? w : 0;
					}
				}
				if (mine > 0)
					gap = fmax(gap, fabs(all_above / all - mine_above / mine));
			}
	return gap;
}

/* sup over b of |F_group(b) - F(b)|, the largest over groups: every data value tried */
static double
plain_ks(const tset *t, const double *yhat)
{
	uint32_t	n_attr = t->data.n_attr ? t->data.n_attr : 1;
	double		best = 0.0;

	for (uint32_t a = 0; a < n_attr; a++)
		for (uint32_t cat = 0; cat < 3; cat++)
			for (size_t i = 0; i < t->N; i++)
			{
				double		all = 0,
							below = 0,
							mine = 0,
							mine_below = 0;

				for (size_t l = 0; l < t->N; l++)
				{
					double		w = weight_of(t, l);
					bool		at_or_below = yhat[l] <= yhat[i];

					all += w;
					below += at_or_below ? w : 0;
					if (category(t, l, a) == cat)
					{
						mine += w;
						mine_below += at_or_below ? w : 0;
					}
				}
				if (mine > 0)
					best = fmax(best, fabs(below / all - mine_below / mine));
			}
	return best;
}

/* The j/(l+1) weighted quantiles of y by a sort, ties merged. */
static uint32_t
plain_thresholds(const tset *t, uint32_t l, double *out)
{
	size_t	   *order = malloc(sizeof(size_t) * t->N);
	double		total = 0,
				cum = 0;
	uint32_t	n = 0,
				j = 1;

	for (size_t i = 0; i < t->N; i++)
	{
		order[i] = i;
		total += weight_of(t, i);
	}
	/* insertion sort by y: the data sets are small */
	for (size_t i = 1; i < t->N; i++)
		for (size_t k = i; k > 0 && t->y[order[k - 1]] > t->y[order[k]]; k--)
		{
			size_t		tmp = order[k];

			order[k] = order[k - 1];
			order[k - 1] = tmp;
		}
	for (size_t i = 0; i < t->N && j <= l; i++)
	{
		cum += weight_of(t, order[i]);
		/* a relative slack: the fit sums integer weights, this doubles */
		while (j <= l && cum >= (double) j / (l + 1) * total * (1 - 1e-12))
		{
			if (n == 0 || t->y[order[i]] > out[n - 1])
				out[n++] = t->y[order[i]];
			j++;
		}
	}
	free(order);
	return n;
}

/* Least squares with the ridge terms, by the normal equations. */
static void
least_squares(const tset *t, bool strata, double lambda, double l2, double *delta)
{
	int			m = (int) n_coef_of(t, strata);
	double	   *M = calloc((size_t) m * m, sizeof(double));
	double	   *row = calloc(m, sizeof(double));
	lapack_int *ipiv = calloc(m, sizeof(lapack_int));

	memset(delta, 0, sizeof(double) * m);
	for (size_t l = 0; l < t->N; l++)
	{
		double		w = weight_of(t, l);

		memset(row, 0, sizeof(double) * m);
		row[0] = 1;
		for (int j = 0; j < t->p; j++)
			row[1 + j] = t->x[l * t->p + j];
		if (strata)
			row[1 + t->p + t->g[l]] = 1;
		for (int i = 0; i < m; i++)
		{
			delta[i] += w * row[i] * t->y[l];
			for (int k = 0; k < m; k++)
				M[i * m + k] += w * row[i] * row[k];
		}
	}
	for (int j = 0; j < t->p; j++)
		M[(1 + j) * m + 1 + j] += 2 * l2;
	if (strata)
		for (uint32_t g = 0; g < t->n_strata; g++)
			M[(1 + t->p + g) * m + 1 + t->p + g] += 2 * lambda;
	CHECK(LAPACKE_dgesv(LAPACK_ROW_MAJOR, m, 1, M, m, ipiv, delta, 1) == 0);
	free(M);
	free(row);
	free(ipiv);
}

/* J by plain loops at delta. */
static double
plain_objective(const tset *t, const fg_threshold_settings *set, const double *delta,
				const double *thr, uint32_t L, double *fit_out, double *gap_out)
{
	double	   *yhat = malloc(sizeof(double) * t->N);
	double		fit,
				gap;

	for (size_t l = 0; l < t->N; l++)
		yhat[l] = predict(t, delta, set->strata, l);
	fit = plain_fit_term(t, delta, yhat, set->strata, set->lambda, set->l2);
	gap = plain_gap(t, yhat, thr, L);
	free(yhat);
	if (fit_out)
		*fit_out = fit;
	if (gap_out)
		*gap_out = gap;
	return fit + set->lambda_f * gap;
}

/* ---------- checks of one fit ---------- */

static int
compare_doubles(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/*
 * Along coefficient k, J at every crossing, between neighbouring crossings,
 * just beside each, and at the fit term's minimiser clipped to each
 * interval: the lowest, by plain loops.
 */
static double
brute_force_line(const tset *t, const fg_threshold_settings *set, const double *delta,
				 uint32_t k, const double *thr, uint32_t L, double *where)
{
	size_t		N = t->N;
	uint32_t	m = n_coef_of(t, set->strata);
	double	   *d = malloc(sizeof(double) * m);
	double	   *z = malloc(sizeof(double) * N);
	double	   *cross = malloc(sizeof(double) * (N * L + 1));
	size_t		n = 0;
	double		szz = 0,
				szy = 0,
				pen,
				t_star,
				best = INFINITY;

	memcpy(d, delta, sizeof(double) * m);
	for (size_t l = 0; l < N; l++)
	{
		double		r;

		z[l] = k == 0 ? 1.0 : k <= (uint32_t) t->p ? t->x[l * t->p + k - 1] :
			(double) (t->g[l] == k - 1 - (uint32_t) t->p);
		r = predict(t, delta, set->strata, l) - delta[k] * z[l];
		szz += weight_of(t, l) * z[l] * z[l];
		szy += weight_of(t, l) * z[l] * (t->y[l] - r);
		if (z[l] != 0)
			for (uint32_t j = 0; j < L; j++)
				cross[n++] = (thr[j] - r) / z[l];
	}
	pen = k == 0 ? 0 : k <= (uint32_t) t->p ? set->l2 : set->lambda;
	t_star = szy / (szz + 2 * pen);
	qsort(cross, n, sizeof(double), compare_doubles);
	for (size_t i = 0; i <= n; i++)
	{
		double		lo = i > 0 ? cross[i - 1] : -INFINITY;
		double		hi = i < n ? cross[i] : INFINITY;
		double		cand[6];
		int			nc = 0;

		cand[nc++] = fmin(fmax(t_star, lo), hi);
		if (i < n)
		{
			double		eps = 1e-9 * (1 + fabs(hi));

			cand[nc++] = hi;
			cand[nc++] = hi - eps;
			cand[nc++] = hi + eps;
			if (i > 0)
				cand[nc++] = 0.5 * (lo + hi);
		}
		for (int c = 0; c < nc; c++)
		{
			double		J;

			if (!isfinite(cand[c]))
				continue;
			d[k] = cand[c];
			J = plain_objective(t, set, d, thr, L, NULL, NULL);
			if (J < best)
			{
				best = J;
				*where = cand[c];
			}
		}
	}
	free(d);
	free(z);
	free(cross);
	return best;
}

/*
 * Fit from delta (in: the start) and check everything the result says
 * against plain loops; brute: also each coefficient's optimality.
 */
static void
check_fit(const char *name, const tset *t, const fg_threshold_settings *set, double *delta,
		  fg_threshold_result *res, bool brute)
{
	fg_error	err;
	uint32_t	m = n_coef_of(t, set->strata);
	double	   *start = malloc(sizeof(double) * m);
	double	   *yhat = malloc(sizeof(double) * t->N);
	double		thr[FG_MAX_THRESHOLDS];
	uint32_t	L;
	double		fit,
				gap,
				J;
	fg_status	st;

	memcpy(start, delta, sizeof(double) * m);
	st = fg_threshold_fit(&unit_env, &t->data, set, delta, res, &err);
	if (!CHECK(st == FG_OK, "%s: %s (%s)", name, err.message, err.detail))
	{
		free(start);
		free(yhat);
		return;
	}
	CHECK(res->converged, "%s: %d sweeps", name, res->sweeps);
	CHECK(res->sweeps >= 1 && res->trace[res->sweeps - 1] == res->objective, "%s", name);
	for (int i = 1; i < res->sweeps; i++)
		CHECK(res->trace[i] <= res->trace[i - 1], "%s: sweep %d raised J from %.17g to %.17g",
			  name, i + 1, res->trace[i - 1], res->trace[i]);
	CHECK(res->objective <= res->objective_start, "%s", name);

	/* the thresholds are the weighted quantiles */
	L = plain_thresholds(t, set->n_thresholds, thr);
	CHECK(L == res->n_thresholds, "%s: %u thresholds, expected %u", name, res->n_thresholds, L);
	for (uint32_t j = 0; j < L && j < res->n_thresholds; j++)
		CHECK(thr[j] == res->thresholds[j], "%s: threshold %u", name, j);

	/* the start's J, and the end's J, fit term and gap, recomputed */
	CHECK_NEAR(plain_objective(t, set, start, res->thresholds, res->n_thresholds, NULL, NULL),
			   res->objective_start, 1e-10);
	J = plain_objective(t, set, delta, res->thresholds, res->n_thresholds, &fit, &gap);
	CHECK_NEAR(fit, res->fit_term, 1e-10 * (1 + fit));
	CHECK_NEAR(gap, res->gap, 1e-12);
	CHECK_NEAR(J, res->objective, 1e-10 * (1 + J));

	/* the gap and parity_ks of the reporting aggregates agree; ks >= gap */
	for (size_t l = 0; l < t->N; l++)
		yhat[l] = predict(t, delta, set->strata, l);
	{
		uint32_t	n_attr = t->data.n_attr ? t->data.n_attr : 1;
		double		agg_gap = 0;

		for (uint32_t a = 0; a < n_attr; a++)
		{
			fg_metric_state ms;
			double		v;

			CHECK(fg_metric_init(&ms, &unit_env, FG_METRIC_GAP, FG_GROUP_INT, t->w != NULL,
								 res->thresholds, res->n_thresholds, &err) == FG_OK);
			for (size_t l = 0; l < t->N; l++)
			{
				uint8_t		key[8];

				fg_key_from_int64(category(t, l, a), key);
				CHECK(fg_metric_add_score(&ms, key, 8, yhat[l], weight_of(t, l), &err) == FG_OK);
			}
			CHECK(fg_parity_gap(&ms, &unit_env, &v, &err) == FG_OK);
			agg_gap = fmax(agg_gap, v);
			fg_metric_free(&ms);
		}
		CHECK_NEAR(agg_gap, res->gap, 1e-12);
	}
	CHECK(res->parity_ks >= res->gap - 1e-12, "%s: ks %.17g < gap %.17g", name,
		  res->parity_ks, res->gap);
	CHECK_NEAR(plain_ks(t, yhat), res->parity_ks, 1e-12);

	/* no coefficient alone can do better */
	if (brute)
		for (uint32_t k = 0; k < m; k++)
		{
			double		where = NAN;
			double		best = brute_force_line(t, set, delta, k, res->thresholds,
												res->n_thresholds, &where);

			CHECK(best >= res->objective - 1e-9,
				  "%s: coefficient %u: J %.17g at %.17g beats %.17g at %.17g", name, k,
				  best, where, res->objective, delta[k]);
		}
	free(start);
	free(yhat);
}

/* ---------- the tests ---------- */

/* One configuration: LS start, fit, every check, determinism, row order. */
static void
test_config(const char *name, uint32_t n_attr, uint32_t n_strata, bool weighted,
			double lambda_f, bool brute, bool discrete)
{
	tset		t,
				u;
	fg_threshold_settings set;
	fg_threshold_result res,
				again,
				perm_res;
	fg_error	err;
	size_t		N = brute ? 240 : 1500;
	uint32_t	m;
	double	   *delta,
			   *d2,
			   *d3;
	size_t	   *perm;
	long		live = unit_live_allocs;

	make_tset(&t, N, 3, n_strata, n_attr, weighted, 1.2, discrete, 0x1234567ull + N + n_attr);
	fg_threshold_settings_default(&set);
	set.lambda_f = lambda_f;
	set.n_thresholds = brute ? 9 : 40;
	set.strata = n_strata > 0;
	set.lambda = 0.7;
	set.l2 = 0.05;
	set.max_sweeps = 400;
	m = n_coef_of(&t, set.strata);
	delta = malloc(sizeof(double) * m);
	d2 = malloc(sizeof(double) * m);
	d3 = malloc(sizeof(double) * m);
	least_squares(&t, set.strata, set.lambda, set.l2, delta);
	memcpy(d2, delta, sizeof(double) * m);
	memcpy(d3, delta, sizeof(double) * m);

	check_fit(name, &t, &set, delta, &res, brute);
	if (discrete)
		CHECK(res.n_thresholds < set.n_thresholds, "%s: %u thresholds from few values",
			  name, res.n_thresholds);

	/* the same run twice: the same bits */
	CHECK(fg_threshold_fit(&unit_env, &t.data, &set, d2, &again, &err) == FG_OK);
	CHECK(memcmp(delta, d2, sizeof(double) * m) == 0, "%s: not deterministic", name);
	CHECK(again.sweeps == res.sweeps &&
		  memcmp(again.trace, res.trace, sizeof(double) * res.sweeps) == 0, "%s", name);
	fg_threshold_result_free(&unit_env, &again);

	/*
	 * Rows in another order: the same fit up to rounding (the integer
	 * counts and the zones do not depend on the order; sums of doubles do,
	 * in the last bits, which decides only exact ties between candidates).
	 */
	perm = malloc(sizeof(size_t) * N);
	for (size_t l = 0; l < N; l++)
		perm[l] = l;
	for (size_t l = N - 1; l > 0; l--)
	{
		size_t		k = (size_t) (uniform01() * (l + 1));
		size_t		tmp = perm[l];

		perm[l] = perm[k];
		perm[k] = tmp;
	}
	permute_tset(&t, &u, perm);
	CHECK(fg_threshold_fit(&unit_env, &u.data, &set, d3, &perm_res, &err) == FG_OK);
	CHECK_NEAR(perm_res.objective, res.objective, 1e-10);
	CHECK(perm_res.sweeps == res.sweeps, "%s: %d sweeps permuted, %d not", name,
		  perm_res.sweeps, res.sweeps);
	for (uint32_t i = 0; i < m; i++)
		CHECK_NEAR(d3[i], delta[i], 1e-8 * (1 + fabs(delta[i])));
	fg_threshold_result_free(&unit_env, &perm_res);
	fg_threshold_result_free(&unit_env, &res);
	free_tset(&u);
	free(perm);
	free(delta);
	free(d2);
	free(d3);
	free_tset(&t);
	CHECK(unit_live_allocs == live, "%s: leak", name);
}

/* lambda_f = 0: the least-squares start is already optimal and stays. */
static void
test_least_squares_kept(uint32_t n_attr, uint32_t n_strata, bool weighted)
{
	tset		t;
	fg_threshold_settings set;
	fg_threshold_result res;
	fg_error	err;
	uint32_t	m;
	double	   *ls,
			   *delta;

	make_tset(&t, 800, 4, n_strata, n_attr, weighted, 1.0, false, 99 + n_strata);
	fg_threshold_settings_default(&set);
	set.lambda_f = 0;
	set.strata = n_strata > 0;
	set.lambda = 0.5;
	set.l2 = 0.1;
	m = n_coef_of(&t, set.strata);
	ls = malloc(sizeof(double) * m);
	delta = malloc(sizeof(double) * m);
	least_squares(&t, set.strata, set.lambda, set.l2, ls);
	memcpy(delta, ls, sizeof(double) * m);
	CHECK(fg_threshold_fit(&unit_env, &t.data, &set, delta, &res, &err) == FG_OK);
	CHECK(res.converged && res.sweeps == 1, "%d sweeps", res.sweeps);
	for (uint32_t i = 0; i < m; i++)
		CHECK_NEAR(delta[i], ls[i], 1e-8);
	CHECK_NEAR(res.objective, res.objective_start, 1e-12);
	fg_threshold_result_free(&unit_env, &res);

	/*
	 * From zero, coordinate descent walks to the same least squares.  Not
	 * with strata: the intercept and the random intercepts are nearly
	 * collinear there, and cyclic descent crawls along that valley.
	 */
	if (n_strata > 0)
	{
		free(ls);
		free(delta);
		free_tset(&t);
		return;
	}
	memset(delta, 0, sizeof(double) * m);
	set.max_sweeps = 1000;
	CHECK(fg_threshold_fit(&unit_env, &t.data, &set, delta, &res, &err) == FG_OK);
	CHECK(res.converged);
	for (uint32_t i = 0; i < m; i++)
		CHECK_NEAR(delta[i], ls[i], 1e-4);
	{
		double		J_ls = plain_objective(&t, &set, ls, res.thresholds, res.n_thresholds,
										   NULL, NULL);

		CHECK(res.objective >= J_ls - 1e-12 && res.objective <= J_ls + 1e-9,
			  "%.17g vs least squares %.17g", res.objective, J_ls);
	}
	fg_threshold_result_free(&unit_env, &res);
	free(ls);
	free(delta);
	free_tset(&t);
}

/* The gap falls as lambda_f grows, on data where the attribute shifts y. */
static void
test_gap_falls(uint32_t n_attr, bool weighted)
{
	static const double lambdas[] = {0, 0.03, 0.1, 0.3, 1, 3, 10};
	tset		t;
	fg_threshold_settings set;
	fg_error	err;
	uint32_t	m;
	double	   *ls,
			   *delta;
	double		gaps[7],
				fits[7];

	make_tset(&t, 2000, 3, 0, n_attr, weighted, 1.5, false, 4242 + n_attr);
	fg_threshold_settings_default(&set);
	set.max_sweeps = 400;
	m = n_coef_of(&t, false);
	ls = malloc(sizeof(double) * m);
	delta = malloc(sizeof(double) * m);
	least_squares(&t, false, set.lambda, set.l2, ls);
	for (int i = 0; i < 7; i++)
	{
		fg_threshold_result res;

		set.lambda_f = lambdas[i];
		memcpy(delta, ls, sizeof(double) * m);
		CHECK(fg_threshold_fit(&unit_env, &t.data, &set, delta, &res, &err) == FG_OK);
		gaps[i] = res.gap;
		fits[i] = res.fit_term;
		fg_threshold_result_free(&unit_env, &res);
		if (i > 0)
		{
			/* local optima: allow a little slack, never a real rise */
			CHECK(gaps[i] <= gaps[i - 1] + 0.01, "gap %.4f at lambda_f %g after %.4f at %g",
				  gaps[i], lambdas[i], gaps[i - 1], lambdas[i - 1]);
			CHECK(fits[i] >= fits[i - 1] - 0.01, "fit %.4f at lambda_f %g after %.4f",
				  fits[i], lambdas[i], fits[i - 1]);
		}
	}
	CHECK(gaps[0] > 0.1, "least squares gap %.4f", gaps[0]);
	CHECK(gaps[6] < 0.25 * gaps[0], "gap %.4f at lambda_f 10, %.4f at 0", gaps[6], gaps[0]);
	free(ls);
	free(delta);
	free_tset(&t);
}

/* Bad input: a clean error, delta untouched, nothing allocated. */
static void
test_errors(void)
{
	tset		t;
	fg_threshold_settings set;
	fg_threshold_result res;
	fg_error	err;
	double		delta[4] = {0.5, 0.1, 0.2, 0.3},
				kept[4];
	long		live = unit_live_allocs;

#define EXPECT_FAIL(status_) \
	do { \
		memcpy(kept, delta, sizeof(delta)); \
		CHECK(fg_threshold_fit(&unit_env, &t.data, &set, delta, &res, &err) == (status_), \
			  "%s", err.message); \
		CHECK(memcmp(kept, delta, sizeof(delta)) == 0 && res.trace == NULL); \
		CHECK(unit_live_allocs == live); \
	} while (0)

	make_tset(&t, 200, 3, 4, 0, true, 1.0, false, 7);
	fg_threshold_settings_default(&set);
	set.lambda_f = -1;
	EXPECT_FAIL(FG_ERR_INVALID);
	set.lambda_f = NAN;
	EXPECT_FAIL(FG_ERR_INVALID);
	fg_threshold_settings_default(&set);
	set.n_thresholds = 0;
	EXPECT_FAIL(FG_ERR_INVALID);
	set.n_thresholds = FG_MAX_THRESHOLDS + 1;
	EXPECT_FAIL(FG_ERR_INVALID);
	fg_threshold_settings_default(&set);
	set.max_sweeps = 0;
	EXPECT_FAIL(FG_ERR_INVALID);
	fg_threshold_settings_default(&set);
	set.l2 = -1;
	EXPECT_FAIL(FG_ERR_INVALID);
	fg_threshold_settings_default(&set);

	t.data.y_real = NULL;
	EXPECT_FAIL(FG_ERR_INVALID);
	t.data.y_real = t.y;
	t.y[5] = INFINITY;
	EXPECT_FAIL(FG_ERR_INVALID);
	t.y[5] = 1;
	t.w[7] = 0;
	EXPECT_FAIL(FG_ERR_INVALID);
	t.w[7] = 1;
	t.s[9] = 2;
	EXPECT_FAIL(FG_ERR_INVALID);
	t.s[9] = 1;
	delta[2] = NAN;
	EXPECT_FAIL(FG_ERR_INVALID);
	delta[2] = 0.2;

	/* strata asked for, none given; a stratum out of range */
	set.strata = true;
	t.data.stratum = NULL;
	EXPECT_FAIL(FG_ERR_INVALID);
	t.data.stratum = t.g;
	t.g[3] = 4;
	EXPECT_FAIL(FG_ERR_INVALID);
	t.g[3] = 0;
	set.strata = false;

	/* constant outcome; constant attribute */
	for (size_t l = 0; l < t.N; l++)
		t.y[l] = 3.0;
	EXPECT_FAIL(FG_ERR_DATA);
	free_tset(&t);
	make_tset(&t, 200, 3, 0, 0, false, 1.0, false, 8);
	memset(t.s, 1, t.N);
	EXPECT_FAIL(FG_ERR_DATA);
	free_tset(&t);

	/* a category code out of range; a categorical attribute with one category used */
	make_tset(&t, 200, 3, 0, 1, false, 1.0, false, 9);
	t.codes[11] = 3;
	EXPECT_FAIL(FG_ERR_INVALID);
	for (size_t l = 0; l < t.N; l++)
		t.codes[l] = 1;
	EXPECT_FAIL(FG_ERR_DATA);
	t.data.n_rows = 0;
	EXPECT_FAIL(FG_ERR_DATA);
	free_tset(&t);
#undef EXPECT_FAIL
}

/* Every allocation failing in turn: a clean error, nothing leaked. */
static void
test_out_of_memory(void)
{
	tset		t;
	fg_threshold_settings set;
	fg_error	err;
	double		ls[8],
				delta[8];
	long		live = unit_live_allocs;
	bool		succeeded = false;

	make_tset(&t, 300, 3, 4, 2, true, 1.0, false, 11);
	fg_threshold_settings_default(&set);
	set.strata = true;
	least_squares(&t, true, set.lambda, set.l2, ls);
	for (long k = 0; k < 200 && !succeeded; k++)
	{
		fg_threshold_result res;
		fg_status	st;

		memcpy(delta, ls, sizeof(ls));
		unit_fail_after = k;
		st = fg_threshold_fit(&unit_env, &t.data, &set, delta, &res, &err);
		unit_fail_after = -1;
		CHECK(st == FG_OK || st == FG_ERR_NOMEM, "status %d", st);
		if (st == FG_OK)
		{
			succeeded = true;
			fg_threshold_result_free(&unit_env, &res);
		}
		else
			CHECK(memcmp(delta, ls, sizeof(ls)) == 0);
		CHECK(unit_live_allocs == live, "leak after failing allocation %ld", k);
	}
	CHECK(succeeded);
	free_tset(&t);
}

static long interrupt_calls;

static void
count_interrupt(void *ctx)
{
	interrupt_calls++;
}

/* The interrupt hook is polled at least once per coefficient and sweep. */
static void
test_interrupts(void)
{
	tset		t;
	fg_threshold_settings set;
	fg_threshold_result res;
	fg_error	err;
	fg_env		env = unit_env;
	double		delta[8];

	make_tset(&t, 500, 3, 4, 0, false, 1.0, false, 12);
	fg_threshold_settings_default(&set);
	set.strata = true;
	least_squares(&t, true, set.lambda, set.l2, delta);
	env.check_interrupts = count_interrupt;
	interrupt_calls = 0;
	CHECK(fg_threshold_fit(&env, &t.data, &set, delta, &res, &err) == FG_OK);
	CHECK(interrupt_calls >= (long) res.sweeps * 8, "%ld polls in %d sweeps",
		  interrupt_calls, res.sweeps);
	fg_threshold_result_free(&unit_env, &res);
	free_tset(&t);
}

/* Chunked features (the training state's layout) give the same fit as one array. */
static void
test_chunked_rows(void)
{
	tset		t;
	fg_threshold_settings set;
	fg_threshold_result a,
				b;
	fg_error	err;
	double		d1[4],
				d2[4];
	const double *chunks[8];
	fg_data		chunked;

	make_tset(&t, 1000, 3, 0, 0, true, 1.2, false, 13);
	fg_threshold_settings_default(&set);
	least_squares(&t, false, set.lambda, set.l2, d1);
	memcpy(d2, d1, sizeof(d1));
	chunked = t.data;
	chunked.x = NULL;
	for (int i = 0; i < 8; i++)
		chunks[i] = t.x + (size_t) i * 128 * 3;
	chunked.x_chunks = chunks;
	chunked.x_chunk_shift = 7;
	CHECK(fg_threshold_fit(&unit_env, &t.data, &set, d1, &a, &err) == FG_OK);
	CHECK(fg_threshold_fit(&unit_env, &chunked, &set, d2, &b, &err) == FG_OK);
	CHECK(memcmp(d1, d2, sizeof(d1)) == 0 && a.objective == b.objective);
	fg_threshold_result_free(&unit_env, &a);
	fg_threshold_result_free(&unit_env, &b);
	free_tset(&t);
}

/*
 * The window searched in parts of a few crossings each (halved again and
 * again, the nearer half first) finds what one part finds.
 */
static void
test_small_parts(uint32_t n_strata, bool weighted)
{
	tset		t;
	fg_threshold_settings set;
	fg_threshold_result a,
				b;
	fg_error	err;
	double		d1[16],
				d2[16];
	uint32_t	m;

	make_tset(&t, 1200, 3, n_strata, 1, weighted, 1.2, false, 14 + n_strata);
	fg_threshold_settings_default(&set);
	set.strata = n_strata > 0;
	set.max_sweeps = 400;
	m = n_coef_of(&t, set.strata);
	least_squares(&t, set.strata, set.lambda, set.l2, d1);
	memcpy(d2, d1, sizeof(double) * m);
	CHECK(fg_threshold_fit(&unit_env, &t.data, &set, d1, &a, &err) == FG_OK);
	set.chunk_events = 64;
	CHECK(fg_threshold_fit(&unit_env, &t.data, &set, d2, &b, &err) == FG_OK);
	CHECK_NEAR(a.objective, b.objective, 1e-12);
	for (uint32_t i = 0; i < m; i++)
		CHECK_NEAR(d1[i], d2[i], 1e-12 * (1 + fabs(d1[i])));
	fg_threshold_result_free(&unit_env, &a);
	fg_threshold_result_free(&unit_env, &b);
	free_tset(&t);
}

int
main(void)
{
	/* every coefficient checked by brute force: both attribute kinds, strata, weights */
	test_config("binary", 0, 0, false, 1.0, true, false);
	test_config("binary weighted strata", 0, 4, true, 0.5, true, false);
	test_config("three categories", 1, 0, true, 2.0, true, false);
	test_config("three categories strata", 1, 3, false, 1.0, true, false);
	test_config("two attributes strata weighted", 2, 3, true, 3.0, true, false);
	test_config("discrete", 0, 3, false, 1.0, true, true);
	/* strong fairness: the best points lie far from the fit term's minimiser */
	test_config("binary strong", 0, 0, false, 10.0, true, false);
	test_config("three categories strata strong", 1, 4, true, 8.0, true, false);
	/* small strata: their random intercepts' window is cut by the gap's floor */
	test_config("binary many strata", 0, 80, false, 3.0, true, false);
	test_config("three categories many strata weighted", 1, 60, true, 5.0, true, false);
	/* larger sets, 40 thresholds: determinism and row order */
	test_config("binary 1500", 0, 0, false, 1.0, false, false);
	test_config("categories 1500 strata weighted", 1, 8, true, 1.0, false, false);
	test_least_squares_kept(0, 0, false);
	test_least_squares_kept(1, 5, true);
	test_gap_falls(0, false);
	test_gap_falls(1, true);
	test_errors();
	test_out_of_memory();
	test_interrupts();
	test_chunked_rows();
	test_small_parts(0, false);
	test_small_parts(5, true);
	return unit_summary("threshold");
}
