/*
 * test_group_metrics.c -- the reporting metrics over k groups.
 *
 * Every metric is recomputed here by brute force, straight from the rows
 * (loops over rows per group and per candidate threshold, no sorting, no
 * running sums), and compared with the core: disparate impact for two groups
 * against the 1.0 formula bit for bit, the count metrics and their edge
 * cases, parity_ks (ties, weights, many groups) and parity_gap, removal of
 * rows (sliding windows), merging (parallel parts), the serialised state
 * (round trips, every truncation, every flipped bit), the memory limit and
 * failing allocations.
 */
#include "group_metrics.h"
#include "model_format.h"
#include "unit.h"
#include "../splitmix.h"

#include <string.h>

#define MAX_ROWS 4000
#define MAX_GROUPS 64

/* A data set: rows with a group, labels, a score and a weight. */
typedef struct rows
{
	size_t		n;
	int			k;				/* groups 0..k-1 */
	int			group[MAX_ROWS];
	int			yhat[MAX_ROWS];
	int			y[MAX_ROWS];
	double		score[MAX_ROWS];
	double		w[MAX_ROWS];
} rows;

static rows data;

static double
unit01(uint64_t *seed)
{
	return (double) (splitmix_next(seed) >> 11) / 9007199254740992.0;
}

/*
 * Random rows.  ties: scores from a small set; weights: 0 none (all 1),
 * 1 whole numbers 0..3, 2 fractional (some zero).
 */
static void
make_rows(rows *d, size_t n, int k, int weights, bool ties, uint64_t seed)
{
	d->n = n;
	d->k = k;
	for (size_t i = 0; i < n; i++)
	{
		int			g = (int) (splitmix_next(&seed) % (uint64_t) k);
		double		u = unit01(&seed);

		d->group[i] = g;
		d->y[i] = unit01(&seed) < 0.3 + 0.1 * (g % 4);
		d->yhat[i] = unit01(&seed) < 0.2 + 0.15 * (g % 3) + 0.3 * d->y[i];
		d->score[i] = ties ? floor(u * 7.0) / 4.0 - 0.5 : u * (1.0 + g % 3) - 0.3;
		if (ties && i % 11 == 0)
			d->score[i] = -0.0;
		d->w[i] = weights == 0 ? 1.0 : weights == 1 ? (double) (splitmix_next(&seed) % 4)
			: (i % 13 == 0 ? 0.0 : 0.25 + 2.0 * unit01(&seed));
	}
}

static void
key_of(int g, uint8_t key[8])
{
	fg_key_from_int64((int64_t) g * 37 - 100, key);
}

static void
fill_counts(fg_metric_state *st, const rows *d, size_t from, size_t to, bool with_y)
{
	fg_error	err;
	uint8_t		key[8];

	for (size_t i = from; i < to; i++)
	{
		key_of(d->group[i], key);
		if (fg_metric_add_counts(st, key, 8, d->yhat[i], with_y ? d->y[i] : 0, d->w[i], &err) != FG_OK)
			CHECK(false, "add_counts: %s", err.message);
	}
}

static void
fill_scores(fg_metric_state *st, const rows *d, size_t from, size_t to)
{
	fg_error	err;
	uint8_t		key[8];

	for (size_t i = from; i < to; i++)
	{
		key_of(d->group[i], key);
		if (fg_metric_add_score(st, key, 8, d->score[i], d->w[i], &err) != FG_OK)
			CHECK(false, "add_score: %s", err.message);
	}
}

/* ---------- brute force ---------- */

typedef struct brute
{
	double		di,
				dpd,
				eo_ratio,
				eo_diff,
				eodds_ratio,
				eodds_diff;
} brute;

/* ratio and difference over the defined rates, by the header's rules */
static void
brute_compare(const double *r, int k, double *ratio, double *diff)
{
	double		lo = INFINITY,
				hi = -INFINITY;
	int			defined = 0;

	for (int g = 0; g < k; g++)
		if (!isnan(r[g]))
		{
			defined++;
			lo = fmin(lo, r[g]);
			hi = fmax(hi, r[g]);
		}
	if (defined < 2)
	{
		*ratio = *diff = NAN;
		return;
	}
	*diff = hi - lo;
	*ratio = lo == hi ? 1.0 : lo == 0.0 ? 0.0 : lo / hi;
}

static void
brute_metrics(const rows *d, brute *b)
{
	double		sel[MAX_GROUPS],
				tpr[MAX_GROUPS],
				fpr[MAX_GROUPS],
				fpr_ratio,
				fpr_diff;

	for (int g = 0; g < d->k; g++)
	{
		double		w = 0,
					s = 0,
					pos = 0,
					tp = 0,
					neg = 0,
					fp = 0;

		for (size_t i = 0; i < d->n; i++)
			if (d->group[i] == g)
			{
				w += d->w[i];
				s += d->w[i] * d->yhat[i];
				pos += d->w[i] * d->y[i];
				tp += d->w[i] * d->y[i] * d->yhat[i];
				neg += d->w[i] * (1 - d->y[i]);
				fp += d->w[i] * (1 - d->y[i]) * d->yhat[i];
			}
		sel[g] = w > 0 ? s / w : NAN;
		tpr[g] = pos > 0 ? tp / pos : NAN;
		fpr[g] = neg > 0 ? fp / neg : NAN;
	}
	brute_compare(sel, d->k, &b->di, &b->dpd);
	brute_compare(tpr, d->k, &b->eo_ratio, &b->eo_diff);
	brute_compare(fpr, d->k, &fpr_ratio, &fpr_diff);
	b->eodds_ratio = isnan(b->eo_ratio) || isnan(fpr_ratio) ? NAN : fmin(b->eo_ratio, fpr_ratio);
	b->eodds_diff = isnan(b->eo_diff) || isnan(fpr_diff) ? NAN : fmax(b->eo_diff, fpr_diff);
}

/* sup over b of |F_g(b) - F(b)|, every distinct score tried as b */
static double
brute_ks(const rows *d)
{
	double		wg[MAX_GROUPS] = {0},
				total = 0,
				best = 0;
	int			active = 0;

	for (size_t i = 0; i < d->n; i++)
	{
		wg[d->group[i]] += d->w[i];
		total += d->w[i];
	}
	for (int g = 0; g < d->k; g++)
		active += wg[g] > 0;
	if (active < 2)
		return NAN;
	for (size_t j = 0; j < d->n; j++)
	{
		double		b = d->score[j],
					below[MAX_GROUPS] = {0},
					all = 0;

		for (size_t i = 0; i < d->n; i++)
			if (d->score[i] <= b)
			{
				below[d->group[i]] += d->w[i];
				all += d->w[i];
			}
		for (int g = 0; g < d->k; g++)
			if (wg[g] > 0)
				best = fmax(best, fabs(below[g] / wg[g] - all / total));
	}
	return best;
}

static double
brute_gap(const rows *d, const double *t, int nt)
{
	double		wg[MAX_GROUPS] = {0},
				total = 0,
				best = 0;
	int			active = 0;

	for (size_t i = 0; i < d->n; i++)
	{
		wg[d->group[i]] += d->w[i];
		total += d->w[i];
	}
	for (int g = 0; g < d->k; g++)
		active += wg[g] > 0;
	if (active < 2)
		return NAN;
	for (int j = 0; j < nt; j++)
	{
		double		above[MAX_GROUPS] = {0},
					all = 0;

		for (size_t i = 0; i < d->n; i++)
			if (d->score[i] > t[j])
			{
				above[d->group[i]] += d->w[i];
				all += d->w[i];
			}
		for (int g = 0; g < d->k; g++)
			if (wg[g] > 0)
				best = fmax(best, fabs(all / total - above[g] / wg[g]));
	}
	return best;
}

/* equal, both undefined, or within tol */
static bool
same(double a, double b, double tol)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return fabs(a - b) <= tol;
}

/* ---------- tests ---------- */

/* Two groups: bit for bit the 1.0 aggregate's disparate impact, every edge case. */
static void
test_two_groups_match_1_0(void)
{
	int			mismatches = 0;

	for (int n0 = 0; n0 <= 5; n0++)
		for (int p0 = 0; p0 <= n0; p0++)
			for (int n1 = 0; n1 <= 5; n1++)
				for (int p1 = 0; p1 <= n1; p1++)
				{
					fg_metric_state st;
					fg_error	err;
					fg_di_counts c = {n0, p0, n1, p1};
					fg_fairness f;
					uint8_t		k0[8],
								k1[8];
					double		old = fg_disparate_impact(&c);

					fg_key_from_int64(0, k0);
					fg_key_from_int64(1, k1);
					fg_metric_init(&st, &unit_env, FG_METRIC_COUNTS, FG_GROUP_BOOL, false, NULL, 0, &err);
					/* s = 1 first, so the group order is not the key order */
					for (int i = 0; i < n1; i++)
						fg_metric_add_counts(&st, k1, 8, i < p1, 0, 1.0, &err);
					for (int i = 0; i < n0; i++)
						fg_metric_add_counts(&st, k0, 8, i < p0, 0, 1.0, &err);
					fg_fairness_compute(&st.groups, NULL, &f);
					if (!(isnan(old) ? isnan(f.disparate_impact)
						  : memcmp(&old, &f.disparate_impact, sizeof(double)) == 0))
					{
						mismatches++;
						fprintf(stderr, "DI {%d,%d,%d,%d}: %.17g vs 1.0's %.17g\n",
								n0, p0, n1, p1, f.disparate_impact, old);
					}
					fg_metric_free(&st);
				}
	CHECK(mismatches == 0, "%d count combinations differ from 1.0", mismatches);
}

static void
check_counts_against_brute(const char *what, const rows *d, double tol)
{
	fg_metric_state st;
	fg_error	err;
	fg_fairness f;
	brute		b;

	fg_metric_init(&st, &unit_env, FG_METRIC_COUNTS, FG_GROUP_INT, true, NULL, 0, &err);
	fill_counts(&st, d, 0, d->n, true);
	fg_fairness_compute(&st.groups, NULL, &f);
	brute_metrics(d, &b);
	CHECK(same(f.disparate_impact, b.di, tol), "%s: DI %.17g vs %.17g", what, f.disparate_impact, b.di);
	CHECK(same(f.dp_difference, b.dpd, tol), "%s: DPD %.17g vs %.17g", what, f.dp_difference, b.dpd);
	CHECK(same(f.eo_ratio, b.eo_ratio, tol), "%s: EO ratio", what);
	CHECK(same(f.eo_difference, b.eo_diff, tol), "%s: EO difference", what);
	CHECK(same(f.eodds_ratio, b.eodds_ratio, tol), "%s: EOdds ratio %.17g vs %.17g", what,
		  f.eodds_ratio, b.eodds_ratio);
	CHECK(same(f.eodds_difference, b.eodds_diff, tol), "%s: EOdds difference", what);
	fg_metric_free(&st);
}

static void
test_counts_random(void)
{
	char		what[64];

	for (int k = 1; k <= 7; k++)
		for (int weights = 0; weights <= 2; weights++)
			for (int rep = 0; rep < 4; rep++)
			{
				size_t		n = (size_t) (rep == 0 ? 5 : rep == 1 ? 40 : 700);

				make_rows(&data, n, k, weights, false, (uint64_t) (k * 100 + weights * 10 + rep));
				snprintf(what, sizeof(what), "k=%d weights=%d n=%zu", k, weights, n);
				/* whole-number weights: every sum exact, so the metrics are too */
				check_counts_against_brute(what, &data, weights == 2 ? 1e-13 : 0.0);
			}
}

/* The documented edge cases, one by one. */
static void
test_counts_edges(void)
{
	fg_metric_state st;
	fg_error	err;
	fg_fairness f;
	uint8_t		a[8],
				b[8],
				c[8];

	fg_key_from_int64(1, a);
	fg_key_from_int64(2, b);
	fg_key_from_int64(3, c);

	/* nothing counted */
	fg_metric_init(&st, &unit_env, FG_METRIC_COUNTS, FG_GROUP_INT, false, NULL, 0, &err);
	fg_fairness_compute(&st.groups, NULL, &f);
	CHECK(f.groups == 0 && isnan(f.disparate_impact) && isnan(f.eodds_difference) &&
		  f.most_favoured == -1 && isnan(f.overall.selection));

	/* one group: rates, but no comparison */
	fg_metric_add_counts(&st, a, 8, 1, 1, 1.0, &err);
	fg_metric_add_counts(&st, a, 8, 0, 1, 1.0, &err);
	fg_fairness_compute(&st.groups, NULL, &f);
	CHECK(f.groups == 1 && isnan(f.disparate_impact) && isnan(f.dp_difference) &&
		  f.overall.selection == 0.5 && f.overall.tpr == 0.5 && isnan(f.overall.fpr));

	/* all selection rates zero: parity */
	fg_metric_add_counts(&st, b, 8, 0, 0, 1.0, &err);
	fg_metric_free(&st);
	fg_metric_init(&st, &unit_env, FG_METRIC_COUNTS, FG_GROUP_INT, false, NULL, 0, &err);
	fg_metric_add_counts(&st, a, 8, 0, 1, 1.0, &err);
	fg_metric_add_counts(&st, b, 8, 0, 0, 1.0, &err);
	fg_fairness_compute(&st.groups, NULL, &f);
	CHECK(f.disparate_impact == 1.0 && f.dp_difference == 0.0 && f.most_favoured == -1 &&
		  f.least_favoured == -1);
	/* TPR defined in one group only, FPR in the other: equal opportunity undefined */
	CHECK(isnan(f.eo_ratio) && isnan(f.eo_difference) && isnan(f.eodds_ratio));

	/* smallest rate zero, largest not: 0 */
	fg_metric_add_counts(&st, c, 8, 1, 1, 1.0, &err);
	fg_metric_add_counts(&st, c, 8, 1, 0, 1.0, &err);
	fg_fairness_compute(&st.groups, NULL, &f);
	CHECK(f.disparate_impact == 0.0 && f.dp_difference == 1.0);
	CHECK(f.most_favoured == 2 && f.least_favoured == 0, "most %lld least %lld",
		  (long long) f.most_favoured, (long long) f.least_favoured);
	/* TPR now defined in a (0) and c (1), FPR in b (0) and c (1) */
	CHECK(f.eo_ratio == 0.0 && f.eo_difference == 1.0 && f.eodds_ratio == 0.0 &&
		  f.eodds_difference == 1.0);
	fg_metric_free(&st);

	/* zero weights: rows counted, rates undefined */
	fg_metric_init(&st, &unit_env, FG_METRIC_COUNTS, FG_GROUP_INT, true, NULL, 0, &err);
	fg_metric_add_counts(&st, a, 8, 1, 1, 0.0, &err);
	fg_metric_add_counts(&st, b, 8, 0, 1, 0.0, &err);
	fg_fairness_compute(&st.groups, NULL, &f);
	CHECK(f.groups == 2 && f.rows == 2 && f.weight == 0.0 && isnan(f.disparate_impact) &&
		  isnan(f.overall.accuracy));
	/* one weighted group among zero-weight ones: still no comparison */
	fg_metric_add_counts(&st, c, 8, 1, 1, 2.5, &err);
	fg_fairness_compute(&st.groups, NULL, &f);
	CHECK(isnan(f.disparate_impact) && f.overall.selection == 1.0);
	fg_metric_free(&st);

	/* ties for the highest rate: the first in the given order is named */
	fg_metric_init(&st, &unit_env, FG_METRIC_COUNTS, FG_GROUP_INT, false, NULL, 0, &err);
	fg_metric_add_counts(&st, c, 8, 1, 0, 1.0, &err);
	fg_metric_add_counts(&st, a, 8, 1, 0, 1.0, &err);
	fg_metric_add_counts(&st, b, 8, 0, 0, 1.0, &err);
	{
		uint32_t   *order;

		fg_groups_order(&st.groups, &unit_env, &order, &err);
		CHECK(order[0] == 1 && order[1] == 2 && order[2] == 0);
		fg_fairness_compute(&st.groups, order, &f);
		CHECK(f.most_favoured == 1 && f.least_favoured == 2);
		unit_release(NULL, order);
	}
	fg_metric_free(&st);
}

static void
test_order(void)
{
	fg_metric_state st;
	fg_error	err;
	uint32_t   *order;
	int64_t		ints[] = {5, -3, INT64_MIN, 0, INT64_MAX, -1};
	const char *texts[] = {"b", "", "ab", "a", "B", "\xc3\xa9"};

	fg_metric_init(&st, &unit_env, FG_METRIC_COUNTS, FG_GROUP_INT, false, NULL, 0, &err);
	for (int i = 0; i < 6; i++)
	{
		uint8_t		key[8];

		fg_key_from_int64(ints[i], key);
		fg_metric_add_counts(&st, key, 8, 0, 0, 1.0, &err);
	}
	fg_groups_order(&st.groups, &unit_env, &order, &err);
	CHECK(order[0] == 2 && order[1] == 1 && order[2] == 5 && order[3] == 3 && order[4] == 0 &&
		  order[5] == 4);
	unit_release(NULL, order);
	fg_metric_free(&st);

	fg_metric_init(&st, &unit_env, FG_METRIC_COUNTS, FG_GROUP_TEXT, false, NULL, 0, &err);
	for (int i = 0; i < 6; i++)
		fg_metric_add_counts(&st, (const uint8_t *) texts[i], strlen(texts[i]), 0, 0, 1.0, &err);
	fg_groups_order(&st.groups, &unit_env, &order, &err);
	/* "", "B", "a", "ab", "b", "é": by bytes */
	CHECK(order[0] == 1 && order[1] == 4 && order[2] == 3 && order[3] == 2 && order[4] == 0 &&
		  order[5] == 5);
	unit_release(NULL, order);
	fg_metric_free(&st);
}

static bool
same_groups(const fg_metric_state *a, const fg_metric_state *b, double tol)
{
	uint32_t	n = fg_groups_count(&a->groups);

	if (n != fg_groups_count(&b->groups) || a->groups.width != b->groups.width)
		return false;
	for (uint32_t i = 0; i < n; i++)
	{
		size_t		la,
					lb;
		const uint8_t *ka = fg_dict_key(&a->groups.dict, i, &la);
		int64_t		j = -1;

		for (uint32_t m = 0; m < n; m++)
		{
			const uint8_t *kb = fg_dict_key(&b->groups.dict, m, &lb);

			if (la == lb && memcmp(ka, kb, la) == 0)
				j = m;
		}
		if (j < 0 || a->groups.rows[i] != b->groups.rows[j])
			return false;
		for (uint32_t c = 0; c < a->groups.width; c++)
			if (fabs(fg_groups_sums(&a->groups, i)[c] - fg_groups_sums(&b->groups, (uint32_t) j)[c]) > tol)
				return false;
	}
	return true;
}

/* A sliding window: remove the oldest rows, compare with a state of the rest. */
static void
test_remove(void)
{
	fg_metric_state st,
				ref,
				gap,
				gref;
	fg_error	err;
	uint8_t		key[8];
	double		t[] = {0.5, -0.25, 1.0};

	make_rows(&data, 600, 4, 1, true, 77);
	fg_metric_init(&st, &unit_env, FG_METRIC_COUNTS, FG_GROUP_INT, true, NULL, 0, &err);
	fg_metric_init(&gap, &unit_env, FG_METRIC_GAP, FG_GROUP_INT, true, t, 3, &err);
	fill_counts(&st, &data, 0, 600, true);
	fill_scores(&gap, &data, 0, 600);
	for (size_t i = 0; i < 450; i++)
	{
		key_of(data.group[i], key);
		if (!fg_metric_remove_counts(&st, key, 8, data.yhat[i], data.y[i], data.w[i]) ||
			!fg_metric_remove_score(&gap, key, 8, data.score[i], data.w[i]))
		{
			CHECK(false, "row %zu not removed", i);
			break;
		}
	}
	fg_metric_init(&ref, &unit_env, FG_METRIC_COUNTS, FG_GROUP_INT, true, NULL, 0, &err);
	fg_metric_init(&gref, &unit_env, FG_METRIC_GAP, FG_GROUP_INT, true, t, 3, &err);
	fill_counts(&ref, &data, 450, 600, true);
	fill_scores(&gref, &data, 450, 600);
	CHECK(same_groups(&st, &ref, 0.0), "counts after removal differ from the rows left");
	CHECK(same_groups(&gap, &gref, 0.0), "gap buckets after removal differ from the rows left");
	/* a key never seen is not removed */
	fg_key_from_int64(999999, key);
	CHECK(!fg_metric_remove_counts(&st, key, 8, 1, 1, 1.0));
	fg_metric_free(&ref);
	fg_metric_free(&gref);

	/* a fractional weight makes the sums inexact: removal refused, nothing changed */
	key_of(0, key);
	fg_metric_add_counts(&st, key, 8, 1, 1, 0.1, &err);
	fg_metric_init(&ref, &unit_env, FG_METRIC_COUNTS, FG_GROUP_INT, true, NULL, 0, &err);
	fg_metric_merge(&ref, &st, &err);
	CHECK(st.inexact && !fg_metric_remove_counts(&st, key, 8, 1, 1, 0.1));
	CHECK(same_groups(&st, &ref, 0.0));
	fg_metric_free(&ref);
	fg_metric_free(&st);
	fg_metric_free(&gap);

	/* a total above 2^53 is inexact too */
	fg_metric_init(&st, &unit_env, FG_METRIC_COUNTS, FG_GROUP_INT, true, NULL, 0, &err);
	fg_metric_add_counts(&st, key, 8, 1, 1, 9007199254740992.0, &err);
	CHECK(!st.inexact);
	fg_metric_add_counts(&st, key, 8, 1, 1, 2.0, &err);
	CHECK(st.inexact);
	fg_metric_free(&st);
}

/* Parts merged in any grouping equal the whole. */
static void
test_merge(void)
{
	double		t[] = {0.1, 0.7, -0.2, 0.1};

	for (int kind = FG_METRIC_COUNTS; kind <= FG_METRIC_GAP; kind++)
	{
		fg_metric_state whole,
					parts[3],
					empty;
		fg_error	err;
		size_t		cut[4] = {0, 100, 100, 900};	/* the second part is empty */
		double		a,
					b;

		make_rows(&data, 900, 5, 1, true, 4242 + kind);
		fg_metric_init(&whole, &unit_env, kind, FG_GROUP_INT, true, t, 4, &err);
		if (kind == FG_METRIC_COUNTS)
			fill_counts(&whole, &data, 0, 900, true);
		else
			fill_scores(&whole, &data, 0, 900);
		for (int p = 0; p < 3; p++)
		{
			fg_metric_init(&parts[p], &unit_env, kind, p == 1 ? FG_GROUP_NONE : FG_GROUP_INT, true,
						   t, 4, &err);
			if (kind == FG_METRIC_COUNTS)
				fill_counts(&parts[p], &data, cut[p], cut[p + 1], true);
			else
				fill_scores(&parts[p], &data, cut[p], cut[p + 1]);
		}
		/* the third part first: its groups come in another order */
		CHECK(fg_metric_merge(&parts[2], &parts[1], &err) == FG_OK);
		CHECK(fg_metric_merge(&parts[2], &parts[0], &err) == FG_OK);
		CHECK(fg_metric_copy(&empty, &unit_env, &parts[2], &err) == FG_OK);
		CHECK(same_groups(&whole, &parts[2], 0.0), "kind %d: merged groups differ", kind);
		CHECK(same_groups(&whole, &empty, 0.0), "kind %d: copied groups differ", kind);
		if (kind == FG_METRIC_KS)
		{
			fg_parity_ks(&whole, &a, &err);
			fg_parity_ks(&parts[2], &b, &err);
			CHECK(whole.n_rows == 900 && parts[2].n_rows == 900 && a == b, "ks %.17g vs %.17g", a, b);
		}
		if (kind == FG_METRIC_GAP)
		{
			fg_parity_gap(&whole, &unit_env, &a, &err);
			fg_parity_gap(&parts[2], &unit_env, &b, &err);
			CHECK(a == b);
		}
		for (int p = 0; p < 3; p++)
			fg_metric_free(&parts[p]);
		fg_metric_free(&empty);
		fg_metric_free(&whole);
	}

	/* what cannot be merged */
	{
		fg_metric_state x,
					y;
		fg_error	err;
		double		t2[] = {0.1, 0.7, -0.2, 0.2};

		fg_metric_init(&x, &unit_env, FG_METRIC_GAP, FG_GROUP_INT, false, t, 4, &err);
		fg_metric_init(&y, &unit_env, FG_METRIC_GAP, FG_GROUP_INT, false, t2, 4, &err);
		CHECK(fg_metric_merge(&x, &y, &err) == FG_ERR_INVALID);
		fg_metric_free(&y);
		fg_metric_init(&y, &unit_env, FG_METRIC_GAP, FG_GROUP_TEXT, false, t, 4, &err);
		CHECK(fg_metric_merge(&x, &y, &err) == FG_ERR_INVALID);
		fg_metric_free(&y);
		fg_metric_init(&y, &unit_env, FG_METRIC_GAP, FG_GROUP_INT, true, t, 4, &err);
		CHECK(fg_metric_merge(&x, &y, &err) == FG_ERR_INVALID);
		fg_metric_free(&y);
		/* the same thresholds in another order are the same thresholds */
		{
			double		t3[] = {0.7, 0.1, 0.1, -0.2};

			fg_metric_init(&y, &unit_env, FG_METRIC_GAP, FG_GROUP_INT, false, t3, 4, &err);
			CHECK(fg_metric_merge(&x, &y, &err) == FG_OK);
			double		t4[] = {0.7, 0.1, 0.2, -0.2};

			/* in any order, row by row as across parts; another set is not */
			CHECK(fg_metric_same_thresholds(&x, t, 4) && fg_metric_same_thresholds(&x, t3, 4) &&
				  fg_metric_same_thresholds(&x, t, 4) && !fg_metric_same_thresholds(&x, t4, 4));
			fg_metric_free(&y);
		}
		fg_metric_free(&x);
	}
}

static void
test_score_keys(void)
{
	uint64_t	seed = 5;
	double		special[] = {-INFINITY, -1e308, -1.0, -4.9e-324, -0.0, 0.0, 4.9e-324, 2.2250738585072014e-308,
		1.0, 1e308, INFINITY};
	int			bad = 0;

	for (int i = 0; i < 11; i++)
		for (int j = 0; j < 11; j++)
		{
			double		a = special[i],
						b = special[j];
			uint64_t	ka = fg_score_key(a),
						kb = fg_score_key(b);

			if ((a < b) != (ka < kb) || (a == b) != (ka == kb))
				bad++;
		}
	for (int i = 0; i < 100000; i++)
	{
		double		a = splitmix_signed_unit(&seed) * pow(10.0, (double) (i % 40) - 20.0),
					b = splitmix_signed_unit(&seed) * pow(10.0, (double) (i % 31) - 15.0);

		if ((a < b) != (fg_score_key(a) < fg_score_key(b)) || fg_score_from_key(fg_score_key(a)) != a)
			bad++;
	}
	CHECK(bad == 0, "%d key comparisons or round trips wrong", bad);
	CHECK(!signbit(fg_score_from_key(fg_score_key(-0.0))));
}

static void
test_ks(void)
{
	char		what[80];

	for (int k = 1; k <= 40; k += (k < 6 ? 1 : 17))
		for (int weights = 0; weights <= 2; weights++)
			for (int ties = 0; ties <= 1; ties++)
			{
				fg_metric_state st;
				fg_error	err;
				double		got,
							want;
				size_t		n = (size_t) (k < 6 ? 500 : 1500);

				make_rows(&data, n, k, weights, ties, (uint64_t) (k * 7 + weights * 3 + ties));
				fg_metric_init(&st, &unit_env, FG_METRIC_KS, FG_GROUP_INT, weights != 0, NULL, 0, &err);
				fill_scores(&st, &data, 0, n);
				CHECK(fg_parity_ks(&st, &got, &err) == FG_OK);
				want = brute_ks(&data);
				snprintf(what, sizeof(what), "ks k=%d weights=%d ties=%d", k, weights, ties);
				CHECK(same(got, want, weights == 2 ? 1e-13 : 0.0), "%s: %.17g vs %.17g", what, got, want);
				/*
				 * again, from the sorted rows: the same (to rounding with
				 * fractional weights: rows that tie may come in another order)
				 */
				CHECK(fg_parity_ks(&st, &want, &err) == FG_OK &&
					  same(got, want, weights == 2 ? 1e-14 : 0.0), "%s again", what);
				fg_metric_free(&st);
			}

	/* two groups with identical scores: 0; disjoint ranges: 1 */
	{
		fg_metric_state st;
		fg_error	err;
		double		got;
		uint8_t		a[8],
					b[8];

		fg_key_from_int64(0, a);
		fg_key_from_int64(1, b);
		fg_metric_init(&st, &unit_env, FG_METRIC_KS, FG_GROUP_BOOL, false, NULL, 0, &err);
		for (int i = 0; i < 10; i++)
		{
			fg_metric_add_score(&st, a, 8, i, 1.0, &err);
			fg_metric_add_score(&st, b, 8, i, 1.0, &err);
		}
		fg_parity_ks(&st, &got, &err);
		CHECK(got == 0.0);
		fg_metric_free(&st);
		fg_metric_init(&st, &unit_env, FG_METRIC_KS, FG_GROUP_BOOL, false, NULL, 0, &err);
		for (int i = 0; i < 10; i++)
		{
			fg_metric_add_score(&st, a, 8, i, 1.0, &err);
			fg_metric_add_score(&st, b, 8, 100 + i, 1.0, &err);
		}
		fg_parity_ks(&st, &got, &err);
		CHECK(got == 0.5, "disjoint, equal sizes: |1 - 1/2| = 0.5, got %g", got);
		CHECK(fg_metric_add_score(&st, a, 8, NAN, 1.0, &err) == FG_ERR_INVALID);
		fg_metric_free(&st);
	}
}

/* The sort on many rows: ascending, and the same multiset of rows. */
static void
test_ks_sort_large(void)
{
	fg_metric_state st;
	fg_error	err;
	uint64_t	seed = 99;
	double		got;
	size_t		n = 300000;
	uint64_t	sum_before = 0,
				sum_after = 0;
	bool		sorted = true;
	uint8_t		key[8];

	fg_metric_init(&st, &unit_env, FG_METRIC_KS, FG_GROUP_INT, false, NULL, 0, &err);
	for (size_t i = 0; i < n; i++)
	{
		/* runs of equal and of descending scores too, the quicksort's bad cases */
		double		s = i < n / 3 ? splitmix_signed_unit(&seed)
			: i < 2 * n / 3 ? (double) (i % 5) : (double) (n - i);

		key_of((int) (i % 3), key);
		fg_metric_add_score(&st, key, 8, s, 1.0, &err);
		sum_before += fg_score_key(s) * 3 + (i % 3);
	}
	CHECK(fg_parity_ks(&st, &got, &err) == FG_OK && got >= 0.0 && got <= 1.0);
	for (size_t i = 0; i < n; i++)
	{
		const fg_ks_row *r = (const fg_ks_row *) st.rows + i;

		if (i > 0 && r[-1].key > r->key)
			sorted = false;
		sum_after += r->key * 3 + r->group;
	}
	CHECK(sorted && sum_before == sum_after);
	fg_metric_free(&st);
}

static void
test_gap(void)
{
	double		thresholds[][5] = {{0.0}, {0.5, -0.25, 0.25, 0.25, 1.0}, {-100, 100}};
	int			nt[] = {1, 5, 2};

	for (int k = 1; k <= 6; k++)
		for (int weights = 0; weights <= 2; weights++)
			for (int c = 0; c < 3; c++)
			{
				fg_metric_state st;
				fg_error	err;
				double		got,
							want;

				make_rows(&data, 400, k, weights, true, (uint64_t) (k * 31 + weights * 5 + c));
				fg_metric_init(&st, &unit_env, FG_METRIC_GAP, FG_GROUP_INT, weights != 0,
							   thresholds[c], nt[c], &err);
				fill_scores(&st, &data, 0, 400);
				CHECK(fg_parity_gap(&st, &unit_env, &got, &err) == FG_OK);
				want = brute_gap(&data, thresholds[c], nt[c]);
				CHECK(same(got, want, weights == 2 ? 1e-13 : 0.0), "gap k=%d w=%d set %d: %.17g vs %.17g",
					  k, weights, c, got, want);
				fg_metric_free(&st);
			}

	/* a score equal to a threshold is not above it */
	{
		double		t[] = {1.0, 2.0, 3.0};

		CHECK(fg_gap_bucket(t, 3, 0.5) == 0 && fg_gap_bucket(t, 3, 1.0) == 0 &&
			  fg_gap_bucket(t, 3, 1.5) == 1 && fg_gap_bucket(t, 3, 3.0) == 2 &&
			  fg_gap_bucket(t, 3, INFINITY) == 3);
	}
	/* threshold lists that are refused */
	{
		fg_metric_state st;
		fg_error	err;
		double		t[] = {0.5, NAN};

		CHECK(fg_metric_init(&st, &unit_env, FG_METRIC_GAP, FG_GROUP_INT, false, t, 2, &err) == FG_ERR_INVALID);
		CHECK(fg_metric_init(&st, &unit_env, FG_METRIC_GAP, FG_GROUP_INT, false, t, 0, &err) == FG_ERR_INVALID);
	}
}

/* Encode, decode: the same state; every truncation and every flipped bit refused. */
static void
test_format(void)
{
	double		t[] = {0.25, -1.0};

	for (int kind = FG_METRIC_COUNTS; kind <= FG_METRIC_GAP; kind++)
		for (int weighted = 0; weighted <= 1; weighted++)
		{
			fg_metric_state st,
						back;
			fg_error	err;
			size_t		len;
			uint8_t    *buf;
			int			accepted_cut = 0,
						accepted_flip = 0;

			make_rows(&data, 30, 3, weighted ? 2 : 0, true, (uint64_t) (kind * 2 + weighted));
			fg_metric_init(&st, &unit_env, kind, FG_GROUP_TEXT, weighted != 0, t, 2, &err);
			for (size_t i = 0; i < data.n; i++)
			{
				char		label[16];

				snprintf(label, sizeof(label), "group %d", data.group[i]);
				if (kind == FG_METRIC_COUNTS)
					fg_metric_add_counts(&st, (const uint8_t *) label, strlen(label), data.yhat[i],
										 data.y[i], data.w[i], &err);
				else
					fg_metric_add_score(&st, (const uint8_t *) label, strlen(label), data.score[i],
										data.w[i], &err);
			}
			len = fg_metric_encoded_size(&st);
			buf = malloc(len);
			CHECK(fg_metric_encode(&st, buf, len, &err) == FG_OK);
			CHECK(fg_metric_encode(&st, buf, len - 1, &err) == FG_ERR_INVALID);
			CHECK(fg_metric_decode(&back, &unit_env, buf, len, &err) == FG_OK, "%s", err.detail);
			CHECK(same_groups(&st, &back, 0.0) && back.n_rows == st.n_rows &&
				  back.inexact == st.inexact && back.added_weight == st.added_weight &&
				  back.key_kind == FG_GROUP_TEXT && back.weighted == st.weighted);
			if (st.n_rows > 0)
				CHECK(memcmp(back.rows, st.rows, st.n_rows * fg_ks_row_size(st.weighted)) == 0);
			fg_metric_free(&back);
			for (size_t cut = 0; cut < len; cut++)
				if (fg_metric_decode(&back, &unit_env, buf, cut, &err) == FG_OK)
				{
					accepted_cut++;
					fg_metric_free(&back);
				}
			for (size_t bit = 0; bit < len * 8; bit++)
			{
				buf[bit / 8] ^= (uint8_t) (1u << (bit % 8));
				if (fg_metric_decode(&back, &unit_env, buf, len, &err) == FG_OK)
				{
					accepted_flip++;
					fg_metric_free(&back);
				}
				buf[bit / 8] ^= (uint8_t) (1u << (bit % 8));
			}
			CHECK(accepted_cut == 0 && accepted_flip == 0, "kind %d: %d truncations, %d flips accepted",
				  kind, accepted_cut, accepted_flip);
			free(buf);
			fg_metric_free(&st);
		}
	CHECK(unit_live_allocs == 0, "%ld allocations left", unit_live_allocs);
}

static void
test_limit(void)
{
	fg_metric_state st;
	fg_error	err;
	uint8_t		key[8];
	size_t		i;

	fg_metric_init(&st, &unit_env, FG_METRIC_KS, FG_GROUP_INT, false, NULL, 0, &err);
	st.limit = 200000;
	for (i = 0; i < 100000; i++)
	{
		key_of((int) (i % 2), key);
		if (fg_metric_add_score(&st, key, 8, (double) i, 1.0, &err) != FG_OK)
			break;
	}
	CHECK(st.over_limit && err.status == FG_ERR_NOMEM && i > 5000 && i < 12500,
		  "stopped after %zu rows", i);
	CHECK(fg_metric_memory(&st) <= st.limit);
	fg_metric_free(&st);

	/* groups count too */
	fg_metric_init(&st, &unit_env, FG_METRIC_COUNTS, FG_GROUP_INT, false, NULL, 0, &err);
	st.limit = 50000;
	for (i = 0; i < 100000; i++)
	{
		fg_key_from_int64((int64_t) i * 1000003, key);
		if (fg_metric_add_counts(&st, key, 8, 0, 0, 1.0, &err) != FG_OK)
			break;
	}
	CHECK(st.over_limit && i < 2000, "stopped after %zu groups", i);
	fg_metric_free(&st);

	/* weights may add up to 1e300, no more, so that no sum overflows */
	{
		fg_metric_state a,
					b;

		fg_metric_init(&a, &unit_env, FG_METRIC_KS, FG_GROUP_INT, true, NULL, 0, &err);
		fg_metric_init(&b, &unit_env, FG_METRIC_KS, FG_GROUP_INT, true, NULL, 0, &err);
		key_of(1, key);
		CHECK(fg_metric_add_score(&a, key, 8, 0.5, 6e299, &err) == FG_OK);
		CHECK(fg_metric_add_score(&a, key, 8, 0.5, 6e299, &err) == FG_ERR_INVALID);
		CHECK(fg_metric_add_score(&b, key, 8, 0.5, 6e299, &err) == FG_OK);
		CHECK(fg_metric_merge(&a, &b, &err) == FG_ERR_INVALID && a.n_rows == 1);
		CHECK(fg_metric_add_counts(&a, key, 8, 1, 1, 1e308, &err) == FG_ERR_INVALID);
		fg_metric_free(&a);
		fg_metric_free(&b);
	}
}

/* Every allocation fails in turn: a clean error each time, nothing leaked. */
static void
test_failing_allocations(void)
{
	int			failures = 0,
				successes = 0;
	double		t[] = {0.0, 0.5};

	make_rows(&data, 200, 9, 2, true, 1234);
	for (long fail = 0; fail < 400; fail++)
		for (int kind = FG_METRIC_COUNTS; kind <= FG_METRIC_GAP; kind++)
		{
			fg_metric_state a,
						b,
						c;
			fg_error	err;
			bool		ok = true;
			uint8_t    *buf = NULL;
			size_t		len;
			double		r;

			unit_fail_after = fail;
			if (fg_metric_init(&a, &unit_env, kind, FG_GROUP_INT, true, t, 2, &err) != FG_OK)
			{
				failures++;
				unit_fail_after = -1;
				continue;
			}
			for (size_t i = 0; ok && i < data.n; i++)
			{
				uint8_t		key[8];

				key_of(data.group[i], key);
				ok = (kind == FG_METRIC_COUNTS
					  ? fg_metric_add_counts(&a, key, 8, data.yhat[i], data.y[i], data.w[i], &err)
					  : fg_metric_add_score(&a, key, 8, data.score[i], data.w[i], &err)) == FG_OK;
			}
			if (ok && (ok = fg_metric_copy(&b, &unit_env, &a, &err) == FG_OK))
			{
				len = fg_metric_encoded_size(&b);
				buf = malloc(len);
				fg_metric_encode(&b, buf, len, &err);
				if ((ok = fg_metric_decode(&c, &unit_env, buf, len, &err) == FG_OK))
				{
					if (kind == FG_METRIC_KS)
						ok = fg_parity_ks(&c, &r, &err) == FG_OK;
					else if (kind == FG_METRIC_GAP)
						ok = fg_parity_gap(&c, &unit_env, &r, &err) == FG_OK;
					fg_metric_free(&c);
				}
				free(buf);
				fg_metric_free(&b);
			}
			if (ok)
				successes++;
			else
				failures++;
			fg_metric_free(&a);
			unit_fail_after = -1;
		}
	CHECK(failures > 0 && successes > 0);
	CHECK(unit_live_allocs == 0, "%ld allocations left after failures", unit_live_allocs);
}

int
main(void)
{
	test_two_groups_match_1_0();
	test_counts_random();
	test_counts_edges();
	test_order();
	test_remove();
	test_merge();
	test_score_keys();
	test_ks();
	test_ks_sort_large();
	test_gap();
	test_format();
	test_limit();
	test_failing_allocations();
	CHECK(unit_live_allocs == 0, "%ld allocations left", unit_live_allocs);
	return unit_summary("group_metrics");
}
