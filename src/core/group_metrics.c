/*
 * group_metrics.c -- groups of the sensitive attribute, the metric states
 * that count rows into them, and the count-based fairness metrics.
 * parity_ks and parity_gap are in score_metrics.c, the serialised state in
 * metric_format.c.
 */
#include "group_metrics.h"
#include "model_format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Whole-number weights whose total stays below this add and subtract exactly. */
#define FG_EXACT_WEIGHT_LIMIT 9007199254740992.0	/* 2^53 */

/* ---------- groups ---------- */

fg_status
fg_groups_init(fg_groups *g, const fg_env *env, uint32_t width, fg_error *err)
{
	memset(g, 0, sizeof(*g));
	g->env = env;
	g->width = width;
	return fg_dict_init(&g->dict, env, err);
}

void
fg_groups_free(fg_groups *g)
{
	if (g->env == NULL)
		return;
	fg_dict_free(&g->dict);
	fg_release(g->env, g->rows);
	fg_release(g->env, g->sums);
	memset(g, 0, sizeof(*g));
}

size_t
fg_groups_memory(const fg_groups *g)
{
	return fg_dict_memory(&g->dict) +
		(size_t) g->cap * (sizeof(int64_t) + sizeof(double) * g->width);
}

/* Bytes the group arrays take at cap groups. */
static size_t
groups_array_bytes(uint32_t width, uint64_t cap)
{
	return (size_t) cap * (sizeof(int64_t) + sizeof(double) * width);
}

/* Make room for cap groups (new records zeroed). */
static fg_status
groups_reserve(fg_groups *g, uint32_t cap, fg_error *err)
{
	int64_t    *rows;
	double	   *sums;

	if (cap <= g->cap)
		return FG_OK;
	rows = fg_alloc(g->env, sizeof(int64_t) * cap);
	sums = fg_alloc(g->env, sizeof(double) * g->width * (size_t) cap);
	if (rows == NULL || sums == NULL)
	{
		fg_release(g->env, rows);
		fg_release(g->env, sums);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	if (g->cap > 0)
	{
		memcpy(rows, g->rows, sizeof(int64_t) * g->cap);
		memcpy(sums, g->sums, sizeof(double) * g->width * (size_t) g->cap);
	}
	fg_release(g->env, g->rows);
	fg_release(g->env, g->sums);
	g->rows = rows;
	g->sums = sums;
	g->cap = cap;
	return FG_OK;
}

int64_t
fg_groups_rows(const fg_groups *g)
{
	int64_t		total = 0;

	for (uint32_t i = 0; i < fg_groups_count(g); i++)
		total += g->rows[i];
	return total;
}

/* qsort has no context argument: the groups being ordered are kept here */
static const fg_groups *ordering_groups;

static int
compare_group_keys(const void *a, const void *b)
{
	size_t		la,
				lb;
	const uint8_t *ka = fg_dict_key(&ordering_groups->dict, *(const uint32_t *) a, &la);
	const uint8_t *kb = fg_dict_key(&ordering_groups->dict, *(const uint32_t *) b, &lb);

	return fg_key_compare(ka, la, kb, lb);
}

fg_status
fg_groups_order(const fg_groups *g, const fg_env *env, uint32_t **order_out, fg_error *err)
{
	uint32_t	n = fg_groups_count(g);
	uint32_t   *order = fg_alloc(env, sizeof(uint32_t) * (n ? n : 1));

	if (order == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	ordering_groups = g;
	qsort(order, n, sizeof(uint32_t), compare_group_keys);
	ordering_groups = NULL;
	*order_out = order;
	return FG_OK;
}

/* ---------- rates and their comparison ---------- */

static double
rate(double num, double den)
{
	return den > 0.0 ? num / den : NAN;
}

void
fg_rates_of(const double *s, fg_rates *out)
{
	out->selection = rate(s[FG_CM_FP] + s[FG_CM_TP], s[FG_CM_WEIGHT]);
	out->tpr = rate(s[FG_CM_TP], s[FG_CM_FN] + s[FG_CM_TP]);
	out->fpr = rate(s[FG_CM_FP], s[FG_CM_TN] + s[FG_CM_FP]);
	out->precision = rate(s[FG_CM_TP], s[FG_CM_FP] + s[FG_CM_TP]);
	out->accuracy = rate(s[FG_CM_TN] + s[FG_CM_TP], s[FG_CM_WEIGHT]);
}

static void
spread_init(fg_spread *s)
{
	s->defined = 0;
	s->min = s->max = NAN;
	s->argmin = s->argmax = -1;
}

/* Note group g's rate r; a NAN rate (undefined) is skipped. */
static void
spread_note(fg_spread *s, double r, uint32_t g)
{
	if (isnan(r))
		return;
	if (s->defined++ == 0)
	{
		s->min = s->max = r;
		s->argmin = s->argmax = g;
		return;
	}
	if (r < s->min)
	{
		s->min = r;
		s->argmin = g;
	}
	if (r > s->max)
	{
		s->max = r;
		s->argmax = g;
	}
}

double
fg_spread_ratio(const fg_spread *s)
{
	if (s->defined < 2)
		return NAN;
	/* equal rates, all zero included, are parity */
	if (s->min == s->max)
		return 1.0;
	/* some group is never selected while another is: the extreme */
	if (s->min == 0.0)
		return 0.0;
	return s->min / s->max;
}

double
fg_spread_difference(const fg_spread *s)
{
	if (s->defined < 2)
		return NAN;
	return s->max - s->min;
}

/* the worse of two comparisons, undefined unless both are defined */
static double
worst_ratio(double a, double b)
{
	return isnan(a) || isnan(b) ? NAN : (a < b ? a : b);
}

static double
worst_difference(double a, double b)
{
	return isnan(a) || isnan(b) ? NAN : (a > b ? a : b);
}

void
fg_fairness_compute(const fg_groups *g, const uint32_t *order, fg_fairness *out)
{
	uint32_t	n = fg_groups_count(g);
	double		all[FG_CM_WIDTH] = {0};
	fg_spread	sel,
				tpr,
				fpr;
	double		tpr_ratio,
				fpr_ratio;

	memset(out, 0, sizeof(*out));
	spread_init(&sel);
	spread_init(&tpr);
	spread_init(&fpr);
	for (uint32_t r = 0; r < n; r++)
	{
		uint32_t	i = order ? order[r] : r;
		const double *s = fg_groups_sums(g, i);
		fg_rates	rates;

		/* a group whose rows were all removed (a window frame moved on) */
		if (g->rows[i] <= 0)
			continue;
		out->groups++;
		out->rows += g->rows[i];
		for (int c = 0; c < FG_CM_WIDTH; c++)
			all[c] += s[c];
		fg_rates_of(s, &rates);
		spread_note(&sel, rates.selection, i);
		spread_note(&tpr, rates.tpr, i);
		spread_note(&fpr, rates.fpr, i);
	}
	out->weight = all[FG_CM_WEIGHT];
	fg_rates_of(all, &out->overall);
	out->disparate_impact = fg_spread_ratio(&sel);
	out->dp_difference = fg_spread_difference(&sel);
	out->eo_ratio = fg_spread_ratio(&tpr);
	out->eo_difference = fg_spread_difference(&tpr);
	tpr_ratio = out->eo_ratio;
	fpr_ratio = fg_spread_ratio(&fpr);
	out->eodds_ratio = worst_ratio(tpr_ratio, fpr_ratio);
	out->eodds_difference = worst_difference(out->eo_difference, fg_spread_difference(&fpr));
	/* a group is favoured only if the rates differ at all */
	if (sel.defined >= 2 && sel.min < sel.max)
	{
		out->most_favoured = sel.argmax;
		out->least_favoured = sel.argmin;
	}
	else
		out->most_favoured = out->least_favoured = -1;
}

/* ---------- metric states ---------- */

static int
compare_doubles(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

static uint32_t
width_of(fg_metric_kind kind, uint32_t n_thresholds)
{
	switch (kind)
	{
		case FG_METRIC_COUNTS:
			return FG_CM_WIDTH;
		case FG_METRIC_KS:
			return 1;
		case FG_METRIC_GAP:
			return 2 + n_thresholds;
	}
	return 0;
}

fg_status
fg_metric_init(fg_metric_state *st, const fg_env *env, fg_metric_kind kind,
			   fg_group_kind key_kind, bool weighted,
			   const double *thresholds, uint32_t n_thresholds, fg_error *err)
{
	fg_status	s;

	memset(st, 0, sizeof(*st));
	st->env = env;
	st->kind = kind;
	st->key_kind = key_kind;
	st->weighted = weighted;
	if (kind != FG_METRIC_COUNTS && kind != FG_METRIC_KS && kind != FG_METRIC_GAP)
		return fg_fail(err, FG_ERR_INVALID, "unknown metric state kind", NULL, NULL);
	if (kind == FG_METRIC_GAP)
	{
		if (n_thresholds < 1 || n_thresholds > FG_GAP_MAX_THRESHOLDS)
			return fg_fail(err, FG_ERR_INVALID, "thresholds must have between 1 and 100000 elements",
						   NULL, "thresholds has %u elements.", n_thresholds);
		for (uint32_t i = 0; i < n_thresholds; i++)
			if (!isfinite(thresholds[i]))
				return fg_fail(err, FG_ERR_INVALID, "thresholds must be finite numbers",
							   "Leave NaN and infinite values out: no score lies above +infinity, every score above -infinity.",
							   "Element %u is %g.", i + 1, thresholds[i]);
		st->thresholds = fg_alloc(env, sizeof(double) * n_thresholds);
		st->given = fg_alloc(env, sizeof(double) * n_thresholds);
		if (st->thresholds == NULL || st->given == NULL)
		{
			fg_metric_free(st);
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		}
		memcpy(st->thresholds, thresholds, sizeof(double) * n_thresholds);
		memcpy(st->given, thresholds, sizeof(double) * n_thresholds);
		qsort(st->thresholds, n_thresholds, sizeof(double), compare_doubles);
		/* -0 and 0 are the same threshold; store one spelling */
		for (uint32_t i = 0; i < n_thresholds; i++)
			if (st->thresholds[i] == 0.0)
				st->thresholds[i] = 0.0;
		st->n_thresholds = n_thresholds;
	}
	if ((s = fg_groups_init(&st->groups, env, width_of(kind, st->n_thresholds), err)) != FG_OK)
	{
		fg_metric_free(st);
		return s;
	}
	return FG_OK;
}

void
fg_metric_free(fg_metric_state *st)
{
	if (st->env == NULL)
		return;
	fg_groups_free(&st->groups);
	fg_release(st->env, st->thresholds);
	fg_release(st->env, st->given);
	fg_release(st->env, st->rows);
	memset(st, 0, sizeof(*st));
}

size_t
fg_metric_memory(const fg_metric_state *st)
{
	return sizeof(*st) + fg_groups_memory(&st->groups) +
		2 * sizeof(double) * st->n_thresholds +
		(size_t) st->cap_rows * fg_ks_row_size(st->weighted);
}

static fg_status
over_limit(fg_metric_state *st, fg_error *err, size_t need)
{
	st->over_limit = true;
	return fg_fail(err, FG_ERR_NOMEM, "the metric state would exceed its memory limit", NULL,
				   "It would need %zu bytes; the limit is %zu bytes.", need, st->limit);
}

/*
 * The group index of key, adding the group when new.  The group arrays grow
 * before the key goes in, so a failure leaves a consistent state.
 */
static int64_t
metric_group(fg_metric_state *st, const uint8_t *key, size_t len, fg_error *err)
{
	fg_groups  *g = &st->groups;
	uint32_t	n = fg_groups_count(g);
	int64_t		i;

	if (len > FG_GROUP_KEY_MAX)
	{
		fg_fail(err, FG_ERR_INVALID, "sensitive value is too long", "Use shorter labels for the groups.",
				"A label has %zu bytes; at most %d are allowed.", len, FG_GROUP_KEY_MAX);
		return -1;
	}
	if (n >= g->cap)
	{
		uint64_t	cap = g->cap < 8 ? 8 : (uint64_t) g->cap * 2;
		size_t		need;

		if (cap > UINT32_MAX)
			cap = UINT32_MAX;
		need = fg_metric_memory(st) - groups_array_bytes(g->width, g->cap) +
			groups_array_bytes(g->width, cap) + fg_dict_growth_bound(&g->dict, 1, len);
		if (st->limit > 0 && need > st->limit)
		{
			over_limit(st, err, need);
			return -1;
		}
		if (groups_reserve(g, (uint32_t) cap, err) != FG_OK)
			return -1;
	}
	i = fg_dict_intern(&g->dict, key, len, err);
	if (i >= 0 && (uint32_t) i == n && st->limit > 0 && fg_metric_memory(st) > st->limit)
	{
		over_limit(st, err, fg_metric_memory(st));
		return -1;
	}
	return i;
}

/* Whether weight w may still be added: the total stays at most FG_WEIGHT_TOTAL_MAX. */
static fg_status
check_total(const fg_metric_state *st, double w, fg_error *err)
{
	if (st->added_weight + w <= FG_WEIGHT_TOTAL_MAX)
		return FG_OK;
	return fg_fail(err, FG_ERR_INVALID, "the weights add up to more than 1e300",
				   "Scale the weights down; only their ratios matter.", NULL);
}

/* Track whether every sum is still exact (see inexact in the header). */
static void
note_weight(fg_metric_state *st, double w)
{
	st->added_weight += w;
	if (w != floor(w) || st->added_weight > FG_EXACT_WEIGHT_LIMIT)
		st->inexact = true;
}

fg_status
fg_metric_add_counts(fg_metric_state *st, const uint8_t *key, size_t len,
					 int yhat, int y, double weight, fg_error *err)
{
	int64_t		i;
	double	   *s;

	if (st->kind != FG_METRIC_COUNTS)
		return fg_fail(err, FG_ERR_INVALID, "not a state of counts", NULL, NULL);
	if (check_total(st, weight, err) != FG_OK)
		return err->status;
	if ((i = metric_group(st, key, len, err)) < 0)
		return err->status;
	s = fg_groups_sums(&st->groups, (uint32_t) i);
	st->groups.rows[i]++;
	s[FG_CM_WEIGHT] += weight;
	s[1 + 2 * (yhat != 0) + (y != 0)] += weight;
	note_weight(st, weight);
	return FG_OK;
}

/* The group of an existing key, or -1 (the key is not there); adds nothing. */
static int64_t
existing_group(const fg_metric_state *st, const uint8_t *key, size_t len)
{
	const fg_strata_dict *d = &st->groups.dict;
	uint64_t	pos;

	if (d->slots == NULL)
		return -1;
	pos = fg_key_hash(key, len) & (d->n_slots - 1);
	while (d->slots[pos] != 0)
	{
		size_t		klen;
		uint32_t	i = d->slots[pos] - 1;
		const uint8_t *k = fg_dict_key(d, i, &klen);

		if (klen == len && (len == 0 || memcmp(k, key, len) == 0))
			return i;
		pos = (pos + 1) & (d->n_slots - 1);
	}
	return -1;
}

bool
fg_metric_remove_counts(fg_metric_state *st, const uint8_t *key, size_t len,
						int yhat, int y, double weight)
{
	int64_t		i;
	double	   *s;

	if (st->kind != FG_METRIC_COUNTS || st->inexact)
		return false;
	i = existing_group(st, key, len);
	if (i < 0 || st->groups.rows[i] <= 0)
		return false;
	s = fg_groups_sums(&st->groups, (uint32_t) i);
	st->groups.rows[i]--;
	s[FG_CM_WEIGHT] -= weight;
	s[1 + 2 * (yhat != 0) + (y != 0)] -= weight;
	return true;
}

static fg_status
ks_reserve(fg_metric_state *st, uint64_t rows, fg_error *err)
{
	size_t		row_size = fg_ks_row_size(st->weighted);
	size_t		other = fg_metric_memory(st) - (size_t) st->cap_rows * row_size;
	uint64_t	cap;
	uint8_t    *p;

	if (rows <= st->cap_rows)
		return FG_OK;
	cap = st->cap_rows < 1024 ? 1024 : st->cap_rows + st->cap_rows / 2;
	if (cap < rows)
		cap = rows;
	if (cap > SIZE_MAX / row_size / 2)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	if (st->limit > 0 && other + cap * row_size > st->limit)
	{
		/* as many rows as fit, if that is at least what is asked for */
		uint64_t	fit = st->limit > other ? (st->limit - other) / row_size : 0;

		if (fit < rows)
			return over_limit(st, err, other + rows * row_size);
		cap = fit;
	}
	p = fg_alloc_uninit(st->env, cap * row_size);
	if (p == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	if (st->n_rows > 0)
		memcpy(p, st->rows, st->n_rows * row_size);
	fg_release(st->env, st->rows);
	st->rows = p;
	st->cap_rows = cap;
	return FG_OK;
}

fg_status
fg_metric_add_score(fg_metric_state *st, const uint8_t *key, size_t len,
					double score, double weight, fg_error *err)
{
	int64_t		i;
	double	   *s;

	if (st->kind == FG_METRIC_COUNTS)
		return fg_fail(err, FG_ERR_INVALID, "not a state of scores", NULL, NULL);
	if (isnan(score))
		return fg_fail(err, FG_ERR_INVALID, "score must not be NaN",
					   "Leave such rows out (pass NULL) or replace NaN by a number.", NULL);
	if (check_total(st, weight, err) != FG_OK)
		return err->status;
	if (st->kind == FG_METRIC_KS && st->n_rows >= st->cap_rows &&
		ks_reserve(st, st->n_rows + 1, err) != FG_OK)
		return err->status;
	if ((i = metric_group(st, key, len, err)) < 0)
		return err->status;
	s = fg_groups_sums(&st->groups, (uint32_t) i);
	st->groups.rows[i]++;
	s[0] += weight;
	note_weight(st, weight);
	if (st->kind == FG_METRIC_GAP)
		s[1 + fg_gap_bucket(st->thresholds, st->n_thresholds, score)] += weight;
	else
	{
		uint8_t    *row = st->rows + st->n_rows * fg_ks_row_size(st->weighted);

		if (st->weighted)
		{
			fg_ks_wrow	r = {fg_score_key(score), (uint32_t) i, 0, weight};

			memcpy(row, &r, sizeof(r));
		}
		else
		{
			fg_ks_row	r = {fg_score_key(score), (uint32_t) i, 0};

			memcpy(row, &r, sizeof(r));
		}
		st->n_rows++;
	}
	return FG_OK;
}

bool
fg_metric_remove_score(fg_metric_state *st, const uint8_t *key, size_t len,
					   double score, double weight)
{
	int64_t		i;
	double	   *s;

	if (st->kind != FG_METRIC_GAP || st->inexact || isnan(score))
		return false;
	i = existing_group(st, key, len);
	if (i < 0 || st->groups.rows[i] <= 0)
		return false;
	s = fg_groups_sums(&st->groups, (uint32_t) i);
	st->groups.rows[i]--;
	s[0] -= weight;
	s[1 + fg_gap_bucket(st->thresholds, st->n_thresholds, score)] -= weight;
	return true;
}

bool
fg_metric_same_thresholds(fg_metric_state *st, const double *thresholds, uint32_t n)
{
	double	   *sorted;
	bool		same = true;

	if (n != st->n_thresholds)
		return false;
	/* the usual case: the same array as the row before */
	if (memcmp(thresholds, st->given, sizeof(double) * n) == 0)
		return true;
	/*
	 * Another order (or spelling of 0) of the same set is the same
	 * thresholds, as when parallel parts are combined: compare sorted, and
	 * remember this order for the rows that follow.
	 */
	sorted = fg_alloc(st->env, sizeof(double) * n);
	if (sorted == NULL)
		return false;
	memcpy(sorted, thresholds, sizeof(double) * n);
	qsort(sorted, n, sizeof(double), compare_doubles);
	for (uint32_t i = 0; i < n && same; i++)
		same = sorted[i] == st->thresholds[i];
	fg_release(st->env, sorted);
	if (same)
		memcpy(st->given, thresholds, sizeof(double) * n);
	return same;
}

fg_status
fg_metric_merge(fg_metric_state *into, const fg_metric_state *from, fg_error *err)
{
	const fg_groups *fg = &from->groups;
	uint32_t	n = fg_groups_count(fg);
	uint32_t   *map = NULL;
	size_t		row_size = fg_ks_row_size(into->weighted);

	if (into->kind != from->kind || into->weighted != from->weighted ||
		(into->key_kind != FG_GROUP_NONE && from->key_kind != FG_GROUP_NONE &&
		 into->key_kind != from->key_kind))
		return fg_fail(err, FG_ERR_INVALID, "cannot combine metric states of different kinds", NULL,
					   "The states are of kinds %d/%d, key kinds %d/%d, weighted %d/%d.",
					   (int) into->kind, (int) from->kind, (int) into->key_kind,
					   (int) from->key_kind, (int) into->weighted, (int) from->weighted);
	if (into->n_thresholds != from->n_thresholds ||
		(into->n_thresholds > 0 &&
		 memcmp(into->thresholds, from->thresholds, sizeof(double) * into->n_thresholds) != 0))
		return fg_fail(err, FG_ERR_INVALID, "thresholds must be the same for every row of parity_gap",
					   "Pass the thresholds as a constant or a query parameter.",
					   "Two parts of the aggregate were given different thresholds.");
	if (check_total(into, from->added_weight, err) != FG_OK)
		return err->status;
	if (fg_groups_rows(&into->groups) + fg_groups_rows(fg) > FG_ROWS_TOTAL_MAX)
		return fg_fail(err, FG_ERR_INVALID, "row counts out of range", NULL,
					   "The parts count more than 2^53 rows together.");
	if (into->key_kind == FG_GROUP_NONE)
		into->key_kind = from->key_kind;
	if (from->kind == FG_METRIC_KS)
	{
		map = fg_alloc(into->env, sizeof(uint32_t) * (n ? n : 1));
		if (map == NULL)
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		if (ks_reserve(into, into->n_rows + from->n_rows, err) != FG_OK)
		{
			fg_release(into->env, map);
			return err->status;
		}
	}
	for (uint32_t k = 0; k < n; k++)
	{
		size_t		len;
		const uint8_t *key = fg_dict_key(&fg->dict, k, &len);
		int64_t		i = metric_group(into, key, len, err);
		int64_t		rows;
		double	   *dst;
		const double *src = fg_groups_sums(fg, k);

		if (i < 0)
		{
			fg_release(into->env, map);
			return err->status;
		}
		dst = fg_groups_sums(&into->groups, (uint32_t) i);
		if (__builtin_add_overflow(into->groups.rows[i], fg->rows[k], &rows))
		{
			fg_release(into->env, map);
			return fg_fail(err, FG_ERR_INVALID, "row counts out of range", NULL,
						   "A group would have more than 2^63 rows.");
		}
		into->groups.rows[i] = rows;
		for (uint32_t c = 0; c < fg->width; c++)
			dst[c] += src[c];
		if (map)
			map[k] = (uint32_t) i;
	}
	if (map)
	{
		for (uint64_t r = 0; r < from->n_rows; r++)
		{
			uint8_t    *dst = into->rows + (into->n_rows + r) * row_size;
			uint32_t	group;

			memcpy(dst, from->rows + r * row_size, row_size);
			memcpy(&group, dst + offsetof(fg_ks_row, group), sizeof(group));
			group = map[group];
			memcpy(dst + offsetof(fg_ks_row, group), &group, sizeof(group));
		}
		into->n_rows += from->n_rows;
		fg_release(into->env, map);
	}
	into->added_weight += from->added_weight;
	if (from->inexact || into->added_weight > FG_EXACT_WEIGHT_LIMIT)
		into->inexact = true;
	return FG_OK;
}

fg_status
fg_metric_copy(fg_metric_state *out, const fg_env *env, const fg_metric_state *from,
			   fg_error *err)
{
	fg_status	s = fg_metric_init(out, env, from->kind, from->key_kind, from->weighted,
								   from->given, from->n_thresholds, err);

	if (s != FG_OK)
		return s;
	out->limit = from->limit;
	if ((s = fg_metric_merge(out, from, err)) != FG_OK)
	{
		fg_metric_free(out);
		return s;
	}
	return FG_OK;
}
