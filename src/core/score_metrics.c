/*
 * score_metrics.c -- fairness of continuous scores: parity_ks (the largest
 * distance between a group's distribution of scores and everyone's) and
 * parity_gap (the same, at given thresholds only).
 *
 * parity_ks is exact: the distribution functions are step functions that
 * change only at scores present in the data, so the supremum over all b is
 * the maximum over the data's distinct scores.  One in-place sort of the
 * rows, then one sweep that adds each block of equal scores to running
 * per-group weights and only then compares the groups with everyone.
 */
#include "group_metrics.h"

#include <math.h>
#include <string.h>

#define SIGN_BIT UINT64_C(0x8000000000000000)

/* rows between interrupt checks in the sweep; partitions at least this large check too */
#define CHECK_EVERY 65536

uint64_t
fg_score_key(double score)
{
	uint64_t	bits;

	if (score == 0.0)
		score = 0.0;			/* -0 sorts and ties with 0 */
	memcpy(&bits, &score, sizeof(bits));
	/* negative numbers: reverse their order; positive ones: above all negatives */
	return (bits & SIGN_BIT) ? ~bits : (bits | SIGN_BIT);
}

double
fg_score_from_key(uint64_t key)
{
	uint64_t	bits = (key & SIGN_BIT) ? (key & ~SIGN_BIT) : ~key;
	double		score;

	memcpy(&score, &bits, sizeof(score));
	return score;
}

static void
check_interrupts(const fg_env *env)
{
	if (env->check_interrupts)
		env->check_interrupts(env->ctx);
}

/*
 * Introsort on the key: quicksort with a median-of-three pivot and a
 * three-way partition (scores often repeat: rounded probabilities, integer
 * grades), heapsort below a depth limit, insertion sort on short ranges.
 * Written once for both row layouts.
 */
#define DEFINE_ROW_SORT(NAME, TYPE) \
static inline void \
NAME##_swap(TYPE *a, TYPE *b) \
{ \
	TYPE		t = *a; \
\
	*a = *b; \
	*b = t; \
} \
\
static void \
NAME##_insertion(TYPE *a, size_t n) \
{ \
	for (size_t i = 1; i < n; i++) \
	{ \
		TYPE		x = a[i]; \
		size_t		j = i; \
\
		while (j > 0 && a[j - 1].key > x.key) \
		{ \
			a[j] = a[j - 1]; \
			j--; \
		} \
		a[j] = x; \
	} \
} \
\
static void \
NAME##_sift(TYPE *a, size_t root, size_t n) \
{ \
	for (;;) \
	{ \
		size_t		child = 2 * root + 1; \
\
		if (child >= n) \
			return; \
		if (child + 1 < n && a[child + 1].key > a[child].key) \
			child++; \
		if (a[root].key >= a[child].key) \
			return; \
		NAME##_swap(&a[root], &a[child]); \
		root = child; \
	} \
} \
\
static void \
NAME##_heapsort(TYPE *a, size_t n) \
{ \
	for (size_t i = n / 2; i > 0; i--) \
		NAME##_sift(a, i - 1, n); \
	for (size_t end = n; end > 1; end--) \
	{ \
		NAME##_swap(&a[0], &a[end - 1]); \
		NAME##_sift(a, 0, end - 1); \
	} \
} \
\
static void \
NAME##_sort(const fg_env *env, TYPE *a, size_t n, int depth) \
{ \
	while (n > 24) \
	{ \
		uint64_t	x, y, z, pivot; \
		size_t		lt = 0, i = 0, gt = n; \
\
		if (depth-- <= 0) \
		{ \
			NAME##_heapsort(a, n); \
			return; \
		} \
		if (n >= CHECK_EVERY) \
			check_interrupts(env); \
		x = a[0].key; \
		y = a[n / 2].key; \
		z = a[n - 1].key; \
		pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y)); \
		/* [0, lt) < pivot, [lt, i) == pivot, [gt, n) > pivot */ \
		while (i < gt) \
		{ \
			if (a[i].key < pivot) \
				NAME##_swap(&a[lt++], &a[i++]); \
			else if (a[i].key > pivot) \
				NAME##_swap(&a[i], &a[--gt]); \
			else \
				i++; \
		} \
		/* recurse into the smaller side, loop on the larger */ \
		if (lt < n - gt) \
		{ \
			NAME##_sort(env, a, lt, depth); \
			a += gt; \
			n -= gt; \
		} \
		else \
		{ \
			NAME##_sort(env, a + gt, n - gt, depth); \
			n = lt; \
		} \
	} \
	NAME##_insertion(a, n); \
}

DEFINE_ROW_SORT(rows16, fg_ks_row)
DEFINE_ROW_SORT(rows24, fg_ks_wrow)

static int
depth_limit(size_t n)
{
	int			d = 0;

	while (n > 1)
	{
		n >>= 1;
		d++;
	}
	return 2 * d + 2;
}

/*
 * A min-heap of the groups by their distribution function's current value.
 * Values only grow (weights are >= 0), so an update only sifts down.
 */
typedef struct ks_heap
{
	uint32_t	n;
	uint32_t   *heap;			/* group indices */
	uint32_t   *pos;			/* position of each group in heap */
	const double *f;			/* the value of each group */
} ks_heap;

static void
heap_place(ks_heap *h, uint32_t at, uint32_t g)
{
	h->heap[at] = g;
	h->pos[g] = at;
}

static void
heap_sift_down(ks_heap *h, uint32_t at)
{
	uint32_t	g = h->heap[at];

	for (;;)
	{
		uint32_t	child = 2 * at + 1;

		if (child >= h->n)
			break;
		if (child + 1 < h->n && h->f[h->heap[child + 1]] < h->f[h->heap[child]])
			child++;
		if (h->f[g] <= h->f[h->heap[child]])
			break;
		heap_place(h, at, h->heap[child]);
		at = child;
	}
	heap_place(h, at, g);
}

/* The row fields the sweep reads, whichever the layout. */
static inline void
row_at(const fg_metric_state *st, uint64_t r, uint64_t *key, uint32_t *group, double *weight)
{
	if (st->weighted)
	{
		const fg_ks_wrow *row = (const fg_ks_wrow *) st->rows + r;

		*key = row->key;
		*group = row->group;
		*weight = row->weight;
	}
	else
	{
		const fg_ks_row *row = (const fg_ks_row *) st->rows + r;

		*key = row->key;
		*group = row->group;
		*weight = 1.0;
	}
}

fg_status
fg_parity_ks(fg_metric_state *st, double *result, fg_error *err)
{
	const fg_env *env = st->env;
	uint32_t	k = fg_groups_count(&st->groups);
	double	   *w,
			   *c,
			   *f;
	uint32_t   *dirty;
	uint8_t    *is_dirty;
	ks_heap		h;
	uint32_t	active = 0;
	double		total = 0.0,
				running = 0.0,
				fmax = 0.0,
				best = 0.0;
	uint64_t	n = st->n_rows;
	fg_status	status = FG_OK;

	*result = NAN;
	if (st->kind != FG_METRIC_KS)
		return fg_fail(err, FG_ERR_INVALID, "not a parity_ks state", NULL, NULL);
	if (k < 2)
		return FG_OK;

	w = fg_alloc(env, sizeof(double) * k);
	c = fg_alloc(env, sizeof(double) * k);
	f = fg_alloc(env, sizeof(double) * k);
	dirty = fg_alloc(env, sizeof(uint32_t) * k);
	is_dirty = fg_alloc(env, k);
	h.heap = fg_alloc(env, sizeof(uint32_t) * k);
	h.pos = fg_alloc(env, sizeof(uint32_t) * k);
	if (!w || !c || !f || !dirty || !is_dirty || !h.heap || !h.pos)
	{
		status = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}

	if (st->weighted)
		rows24_sort(env, (fg_ks_wrow *) st->rows, n, depth_limit(n));
	else
		rows16_sort(env, (fg_ks_row *) st->rows, n, depth_limit(n));

	/*
	 * The weights per group, summed in the order of the sweep below, so
	 * that each group's running sum ends at exactly its total (and every
	 * distribution function at exactly 1).
	 */
	for (uint64_t r = 0; r < n; r++)
	{
		uint64_t	key;
		uint32_t	g;
		double		wt;

		row_at(st, r, &key, &g, &wt);
		w[g] += wt;
		total += wt;
	}
	h.n = 0;
	h.f = f;
	for (uint32_t g = 0; g < k; g++)
		if (w[g] > 0.0)
		{
			heap_place(&h, h.n++, g);
			active++;
		}
	if (active < 2)
		goto done;

	for (uint64_t r = 0; r < n;)
	{
		uint64_t	key,
					block_key;
		uint32_t	g,
					n_dirty = 0;
		double		wt,
					fall,
					d;

		row_at(st, r, &block_key, &g, &wt);
		/* every row with this score, before anything is compared */
		do
		{
			c[g] += wt;
			running += wt;
			if (!is_dirty[g])
			{
				is_dirty[g] = 1;
				dirty[n_dirty++] = g;
			}
			if (++r % CHECK_EVERY == 0)
				check_interrupts(env);
			if (r == n)
				break;
			row_at(st, r, &key, &g, &wt);
		} while (key == block_key);

		for (uint32_t i = 0; i < n_dirty; i++)
		{
			uint32_t	dg = dirty[i];

			is_dirty[dg] = 0;
			if (w[dg] > 0.0)
			{
				f[dg] = c[dg] / w[dg];
				if (f[dg] > fmax)
					fmax = f[dg];
				heap_sift_down(&h, h.pos[dg]);
			}
		}
		fall = running / total;
		d = fmax - fall;
		if (fall - f[h.heap[0]] > d)
			d = fall - f[h.heap[0]];
		if (d > best)
			best = d;
	}
	*result = best;

done:
	fg_release(env, w);
	fg_release(env, c);
	fg_release(env, f);
	fg_release(env, dirty);
	fg_release(env, is_dirty);
	fg_release(env, h.heap);
	fg_release(env, h.pos);
	return status;
}

uint32_t
fg_gap_bucket(const double *thresholds, uint32_t n, double score)
{
	uint32_t	lo = 0,
				hi = n;

	/* the first threshold that is not below score */
	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;

		if (thresholds[mid] < score)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

fg_status
fg_parity_gap(const fg_metric_state *st, const fg_env *env, double *result, fg_error *err)
{
	const fg_groups *g = &st->groups;
	uint32_t	k = fg_groups_count(g);
	uint32_t	t = st->n_thresholds;
	uint32_t	active = 0;
	double	   *above;			/* weight of all rows above each threshold */
	double		total = 0.0,
				best = 0.0;

	*result = NAN;
	if (st->kind != FG_METRIC_GAP)
		return fg_fail(err, FG_ERR_INVALID, "not a parity_gap state", NULL, NULL);
	for (uint32_t i = 0; i < k; i++)
		if (g->rows[i] > 0 && fg_groups_sums(g, i)[0] > 0.0)
			active++;
	if (active < 2)
		return FG_OK;
	above = fg_alloc(env, sizeof(double) * (t + 1));
	if (above == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);

	/* buckets summed over groups, then suffix sums: above[b] = weight above threshold b */
	for (uint32_t i = 0; i < k; i++)
	{
		const double *s = fg_groups_sums(g, i);

		total += s[0];
		for (uint32_t j = 0; j <= t; j++)
			above[j] += s[1 + j];
	}
	for (uint32_t j = t; j > 0; j--)
		above[j - 1] += above[j];

	for (uint32_t i = 0; i < k; i++)
	{
		const double *s = fg_groups_sums(g, i);
		double		mine = 0.0;

		if (g->rows[i] <= 0 || !(s[0] > 0.0))
			continue;
		/* threshold b (0-based) has the rows of buckets b + 1 .. t above it */
		for (uint32_t b = t; b > 0; b--)
		{
			double		d;

			mine += s[1 + b];
			d = fabs(above[b] / total - mine / s[0]);
			if (d > best)
				best = d;
		}
	}
	fg_release(env, above);
	*result = best;
	return FG_OK;
}
