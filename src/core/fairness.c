/*
 * fairness.c -- building the fairness terms of fairness.h from the rows.
 *
 * For each attribute and outcome group one pass over the rows gathers, per
 * category, the weight, the weighted sums of the centred features and the
 * weight per stratum; a term's vector is then its category's sums less its
 * share of the group's sums.  Centring the features (by the summary's
 * column means; any constant would do, since the indicator is centred)
 * keeps raw-scale columns from cancelling digits.
 */
#include "fairness.h"
#include "pass.h"

#include <math.h>
#include <string.h>

/* Largest A (doubles): T x (1 + p + n) beyond this is refused as too big. */
#define FG_TERMS_MAX_DOUBLES ((size_t) 1 << 27)

static uint32_t
categories_of(const fg_data *data, uint32_t attr)
{
	return data->n_attr == 0 ? 2 : data->n_cats[attr];
}

/* Terms of one attribute in one group: one when binary, else one a category. */
static uint32_t
terms_per_group(uint32_t n_cats)
{
	return n_cats == 2 ? 1 : n_cats;
}

static int
group_count(const fg_options *opt)
{
	return opt->fairness == FG_FAIRNESS_EQUALIZED_ODDS ? 2 : 1;
}

/* The outcome of group index gi: -1 (all rows), 1 or 0. */
static int32_t
group_outcome(const fg_options *opt, int gi)
{
	switch (opt->fairness)
	{
		case FG_FAIRNESS_EQUAL_OPPORTUNITY:
			return 1;
		case FG_FAIRNESS_EQUALIZED_ODDS:
			return gi == 0 ? 1 : 0;
		default:
			return -1;
	}
}

size_t
fg_terms_memory(const fg_data *data, const fg_options *opt, bool with_strata)
{
	size_t		k = 1 + (size_t) data->p;
	size_t		m = k + (with_strata ? data->n_strata : 0);
	uint32_t	n_attr = data->n_attr == 0 ? 1 : data->n_attr;
	size_t		T = 0;

	if (!fg_method_is_fair(opt->method))
		return 0;
	for (uint32_t a = 0; a < n_attr; a++)
	{
		size_t		c = categories_of(data, a);

		T += (size_t) terms_per_group((uint32_t) c) * group_count(opt);
	}
	/*
	 * A and the building's per-category sums; the Newton fold (k x T twice,
	 * n x T, T x T); boosting's n x T and 2 x T; the training metrics' rows
	 */
	return sizeof(double) * (T * m + fg_terms_sums_size(data, opt, with_strata) + 2 * k * T + m * T + T * T + 4 * T) +
		(fg_method_is_boosting(opt->method) ? sizeof(double) * (m + 2) * T : 0) +
		data->n_rows;
}

void
fg_terms_free(const fg_env *env, fg_terms *terms)
{
	fg_release(env, terms->term);
	fg_release(env, terms->A);
	memset(terms, 0, sizeof(*terms));
}

size_t
fg_terms_sums_size(const fg_data *data, const fg_options *opt, bool with_strata)
{
	size_t		m = 1 + (size_t) data->p + (with_strata ? data->n_strata : 0);
	uint32_t	n_attr = data->n_attr == 0 ? 1 : data->n_attr;
	size_t		cells = 0;

	for (uint32_t a = 0; a < n_attr; a++)
		cells += categories_of(data, a);
	return cells * group_count(opt) * m;
}

FG_ROW_LOOPS void
fg_terms_accumulate(const fg_data *data, const fg_options *opt, const double *mean,
					bool with_strata, double *sums)
{
	int			p = data->p;
	uint32_t	k = 1 + (uint32_t) p;
	uint32_t	n = with_strata ? data->n_strata : 0;
	uint32_t	m = k + n;
	uint32_t	n_attr = data->n_attr == 0 ? 1 : data->n_attr;
	int			groups = group_count(opt);
	double	   *cat = sums;

	for (uint32_t a = 0; a < n_attr; a++)
	{
		uint32_t	c = categories_of(data, a);

		for (int gi = 0; gi < groups; gi++, cat += (size_t) c * m)
		{
			int32_t		outcome = group_outcome(opt, gi);

			/* slot 0 of a category's row is its weight; 1 .. p the sums; then strata */
			for (size_t l = 0; l < data->n_rows; l++)
			{
				const double *x = fg_data_row(data, l);
				double		w = data->w ? data->w[l] : 1.0;
				double	   *row;

				if (outcome >= 0 && data->y[l] != (uint8_t) outcome)
					continue;
				row = cat + (size_t) fg_row_category(data, l, a) * m;
				row[0] += w;
				for (int j = 0; j < p; j++)
					row[1 + j] += w * (x[j] - mean[j]);
				if (n > 0)
					row[k + data->stratum[l]] += w;
			}
		}
	}
}

/* Count the terms and allocate them; fails as fg_terms_build does. */
static fg_status
terms_alloc(const fg_env *env, const fg_data *data, const fg_options *opt, bool with_strata,
			double weight_sum, size_t n_rows, fg_terms *terms, fg_error *err)
{
	uint32_t	m = 1 + (uint32_t) data->p + (with_strata ? data->n_strata : 0);
	uint32_t	n_attr = data->n_attr == 0 ? 1 : data->n_attr;
	size_t		T = 0;

	memset(terms, 0, sizeof(*terms));
	terms->m = m;
	terms->n_attr = n_attr;
	terms->n_cats = data->n_attr == 0 ? NULL : data->n_cats;
	terms->weight_sum = weight_sum;
	for (uint32_t a = 0; a < n_attr; a++)
	{
		uint32_t	c = categories_of(data, a);

		if (c < 2)
			return fg_fail(err, FG_ERR_DATA, "the sensitive attribute is constant",
						   "A fair method needs at least two categories of each sensitive attribute; use the unfair method otherwise.",
						   "Attribute %u has one category among the %zu rows used.", a + 1, n_rows);
		T += (size_t) terms_per_group(c) * group_count(opt);
	}
	if (T > FG_MAX_TERMS || T * m > FG_TERMS_MAX_DOUBLES)
		return fg_fail(err, FG_ERR_INVALID, "too many fairness terms",
					   "Merge rare categories, use fewer sensitive attributes, or fewer strata.",
					   "The attributes give %zu terms over %u coefficients each; at most %d terms and %zu values in all are supported.",
					   T, m, FG_MAX_TERMS, (size_t) FG_TERMS_MAX_DOUBLES);
	terms->n_terms = (uint32_t) T;
	terms->term = fg_alloc(env, sizeof(fg_term_fit) * T);
	terms->A = fg_alloc(env, sizeof(double) * T * m);
	if (!terms->term || !terms->A)
	{
		fg_terms_free(env, terms);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	return FG_OK;
}

/* The one binary attribute, unweighted, every row: the summary has a (1.0's arithmetic). */
static bool
terms_from_summary(const fg_data *data, const fg_options *opt, bool weighted)
{
	return data->n_attr == 0 && !weighted && opt->fairness == FG_FAIRNESS_DEMOGRAPHIC_PARITY;
}

fg_status
fg_terms_from_sums(const fg_env *env, const fg_data *data, const fg_options *opt,
				   const fg_summary *sum, bool weighted, const double *sums, bool with_strata,
				   double weight_sum, fg_terms *terms, fg_error *err)
{
	uint32_t	m;
	uint32_t	n_attr = data->n_attr == 0 ? 1 : data->n_attr;
	int			groups = group_count(opt);
	double	   *tot;
	const double *cat = sums;
	uint32_t	t = 0;
	fg_status	st;

	if ((st = terms_alloc(env, data, opt, with_strata, weight_sum, sum->n_rows, terms, err)) != FG_OK)
		return st;
	m = terms->m;
	if (terms_from_summary(data, opt, weighted))
	{
		memcpy(terms->A, sum->a, sizeof(double) * m);
		terms->term[0].attr = 0;
		terms->term[0].category = 1;
		terms->term[0].outcome = -1;
		terms->term[0].weight = (double) sum->n_rows;
		terms->term[0].share = sum->s_bar;
		terms->term[0].bound = fg_options_bound(opt, 0);
		return FG_OK;
	}
	tot = fg_alloc(env, sizeof(double) * m);
	if (!tot)
	{
		fg_terms_free(env, terms);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	for (uint32_t a = 0; a < n_attr; a++)
	{
		uint32_t	c = categories_of(data, a);

		for (int gi = 0; gi < groups; gi++, cat += (size_t) c * m)
		{
			int32_t		outcome = group_outcome(opt, gi);

			memset(tot, 0, sizeof(double) * m);
			for (uint32_t j = 0; j < c; j++)
				for (uint32_t i = 0; i < m; i++)
					tot[i] += cat[(size_t) j * m + i];
			for (uint32_t j = (c == 2 ? 1 : 0); j < c; j++, t++)
			{
				const double *row = cat + (size_t) j * m;
				double	   *at = terms->A + (size_t) t * m;
				double		share = tot[0] > 0.0 ? row[0] / tot[0] : 0.0;

				/* the intercept entry, the centred indicator's sum, is zero */
				at[0] = 0.0;
				for (uint32_t i = 1; i < m; i++)
					at[i] = row[i] - share * tot[i];
				terms->term[t].attr = a;
				terms->term[t].category = j;
				terms->term[t].outcome = outcome;
				terms->term[t].weight = tot[0];
				terms->term[t].share = share;
				terms->term[t].bound = fg_options_bound(opt, a);
			}
		}
	}
	fg_release(env, tot);
	return FG_OK;
}

fg_status
fg_terms_build(const fg_env *env, const fg_data *data, const fg_options *opt,
			   const fg_summary *sum, bool with_strata, fg_terms *terms, fg_error *err)
{
	double	   *sums = NULL;
	fg_status	st;

	if (!terms_from_summary(data, opt, data->w != NULL))
	{
		fg_terms terms_probe;

		/* the checks first: they bound the sums' size */
		if ((st = terms_alloc(env, data, opt, with_strata, 0.0, data->n_rows, &terms_probe,
							  err)) != FG_OK)
			return st;
		fg_terms_free(env, &terms_probe);
		sums = fg_alloc(env, sizeof(double) * fg_terms_sums_size(data, opt, with_strata));
		if (sums == NULL)
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		fg_terms_accumulate(data, opt, sum->mean, with_strata, sums);
	}
	st = fg_terms_from_sums(env, data, opt, sum, data->w != NULL, sums, with_strata,
							fg_data_weight(data), terms, err);
	fg_release(env, sums);
	return st;
}
