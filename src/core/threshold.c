/*
 * threshold.c -- fairness at every threshold for a continuous outcome:
 * coordinate descent on least squares plus lambda_f times the largest gap
 * between a group's share above a threshold and everyone's (threshold.h).
 *
 * Along one coefficient t, with the others fixed, yhat_l = r_l + t z_l (z is
 * 1 for the intercept and the row's stratum, x_lk for a slope).  Row l
 * crosses threshold b_j at t = (b_j - r_l) / z_l.  Between two neighbouring
 * crossings every indicator 1[yhat > b_j] is constant, so the gap is, and
 * the fit term is a convex quadratic in t: the best point of such an
 * interval is the quadratic's minimiser clipped to it.  Sweeping the
 * crossings in order while counting the weight above each threshold
 * (overall and per group) gives every interval's value; the best of them
 * replaces t only when it is better than t itself, so J never increases.
 *
 * Three things keep this cheap and exact:
 *
 *  - Pruning.  The gap is >= 0, so a point t can only beat the current J if
 *    the fit term alone is below J there: it may have risen over its
 *    minimum F_min by less than J - F_min = (F(t_now) - F_min) +
 *    lambda_f gap(t_now), i.e. k2 (t - t*)^2 < J - F_min.  Only crossings
 *    in that window are generated.  When the coefficient moves few rows (a
 *    random intercept), the gap cannot fall below a floor (gap_floor) and
 *    the window is narrower still.  It shrinks further as better points are
 *    found (J_best replaces J), so the search starts at t* and goes outward,
 *    to one side and then the other.  Memory is one event per crossing in
 *    the part of the window swept at a time, about max(2^18, N) of them by
 *    default, instead of all N l crossings.
 *
 *  - Zones.  A crossing is widened to a zone of +-margin in yhat (margin/|z|
 *    in t), and a candidate point is only taken outside every zone.  So no
 *    row is ever left within rounding of a threshold: the side it is on is
 *    the same however yhat is recomputed (by the tests, or by SQL scoring the
 *    model).  Zones make ties of crossings harmless: between two crossings at
 *    the same t there is no candidate, whatever order they are swept in.
 *
 *  - Integer weights.  Row weights are scaled to integers (exactly 1 without
 *    weights) so the running weight sums are exact: a count updated along a
 *    sweep equals the same count made from scratch, whatever the order.
 *
 * Each candidate is checked before it is taken: the new predictions, their
 * threshold counts and J are computed afresh, and the change is undone
 * unless J fell by more than IMPROVEMENT_TOL.  Nothing depends on anything
 * but the data and the start: sorts are stable, ties are broken by row
 * order.
 */
#include "threshold.h"
#include "fairness.h"
#include "group_metrics.h"
#include "model_format.h"
#include "pass.h"

#include <math.h>
#include <string.h>

/*
 * A change of one coefficient is taken only when it lowers J by more than
 * this times 1 + J, so rounding cannot make the descent cycle and a
 * converged fit ends with a sweep that changes nothing.
 */
#define IMPROVEMENT_TOL 1e-12

/*
 * The half-width of a crossing's zone in yhat: MARGIN_SD * sd(y) +
 * MARGIN_REL * max |b_j|, thousands of times the rounding of yhat, and far
 * below any difference between predictions that matters.
 */
#define MARGIN_SD	1e-12
#define MARGIN_REL	1e-13

/* Crossings sorted and swept at a time by default: at least this many, or N. */
#define MIN_CHUNK_EVENTS ((size_t) 1 << 18)

/* Bins of the histogram that cuts a side of the window into parts. */
#define PART_BINS 4096

/* How far ahead of the sweep the moving rows of events are fetched. */
#define PREFETCH_AHEAD 16

#if defined(__GNUC__)
#define prefetch(address) __builtin_prefetch(address)
#else
#define prefetch(address) ((void) 0)
#endif

/* Events between interrupt checks in a sweep. */
#define POLL_EVENTS ((size_t) 1 << 16)

/* One crossing of one row over one threshold along the coefficient. */
typedef struct tcd_event
{
	uint64_t	key;			/* fg_score_key of the zone's start */
	uint32_t	mover;			/* index into the coefficient's moving rows */
	uint32_t	jdir;			/* threshold << 1, | 1 when the row rises above it */
} tcd_event;

/* A row whose prediction moves with the coefficient (z != 0). */
typedef struct tcd_mover
{
	double		r;				/* yhat without the coefficient's part */
	double		z;				/* the coefficient's column */
	double		m;				/* half-width of a zone in t; < 0: crossings out of range */
	uint32_t	row;
	uint32_t	group0;			/* its group of the first attribute */
} tcd_mover;

/* The workspace of one fit. */
typedef struct tcd
{
	const fg_env *env;
	const fg_data *data;
	const fg_threshold_settings *set;
	size_t		N;
	int			p;
	uint32_t	n_b;			/* random intercepts (0 without strata) */
	uint32_t	n_coef;
	double	   *delta;			/* the coefficients being fitted */

	uint32_t	L;				/* thresholds */
	double	   *thr;			/* ascending */
	double		margin;
	double		tss;			/* (1/2) sum w (y - ybar)^2 */

	/* groups: the categories of every attribute, numbered attribute by attribute */
	uint32_t	n_attr;
	uint32_t	G;
	uint32_t	attr_first[FG_MAX_ATTRIBUTES + 1];
	int64_t    *q;				/* integer row weights; NULL: every row weighs 1 */
	int64_t		W;
	int64_t    *Wg;				/* G */
	int64_t    *Wg_moving;		/* G: the weight of a coefficient's moving rows per group */

	/* the current model */
	double	   *yhat;
	uint16_t   *bucket;			/* thresholds below yhat */
	int64_t    *H;				/* (1 + G) x (L + 1): weight per bucket, all rows, then per group */
	double		F;				/* fit term */
	double		gap;
	double		J;

	uint32_t   *stratum_start;	/* n_b + 1 */
	uint32_t   *stratum_rows;	/* N, grouped by stratum */

	/* one coefficient */
	tcd_mover  *mv;
	size_t		n_mv;
	double	   *new_yhat;
	uint16_t   *new_bucket;
	int64_t    *H_base;			/* H without the moving rows */
	int64_t    *H_part;			/* the histogram at the start of a part of the window */

	/* the running counts of a sweep */
	int64_t    *A;				/* (1 + G) x L: weight above each threshold */
	double	   *gmin,
			   *gmax;			/* n_attr x L: smallest and largest group share */
	uint32_t   *argmin,
			   *argmax;
	double	   *gap_at;			/* L: each threshold's gap */
	double		gap_max;		/* the largest of them: the gap */
	uint32_t	gap_argmax;

	uint16_t   *next;			/* per moving row: its next crossing in the sweep */
	uint16_t   *stop;			/* and the first beyond the window */
	size_t	   *bin_count;		/* PART_BINS: crossings per bin of a side */
	double	   *part_end;		/* PART_BINS: where each part of a side ends */
	tcd_event  *ev,
			   *ev_tmp;
	size_t		ev_cap;
	size_t		budget;
	size_t		events_swept;
} tcd;

/* The search along one coefficient. */
typedef struct tcd_line
{
	double		t_now;			/* the coefficient's value */
	double		t_star;			/* minimiser of the fit term along the line */
	double		k2;				/* fit term = F_min + k2 (t - t_star)^2 */
	double		F_min;
	double		J_best;			/* the best J found, J at t_now to begin with */
	double		t_best;
	double		reach;			/* t_star + radius(): no point beyond beats J_best */
	double		floor;			/* lambda_f times a lower bound of the gap on the line */
} tcd_line;

/* ---------- small pieces ---------- */

static inline int64_t
row_weight(const tcd *c, size_t l)
{
	return c->q ? c->q[l] : 1;
}

/* Row l's group of attribute a (groups numbered over all attributes). */
static inline uint32_t
row_group(const tcd *c, size_t l, uint32_t a)
{
	return c->attr_first[a] + fg_row_category(c->data, l, a);
}

/* Add dq to row l's weight in bucket k, for all rows and for its groups. */
static inline void
hist_add(const tcd *c, int64_t *H, size_t l, uint32_t k, int64_t dq)
{
	size_t		width = (size_t) c->L + 1;

	H[k] += dq;
	for (uint32_t a = 0; a < c->n_attr; a++)
		H[(1 + (size_t) row_group(c, l, a)) * width + k] += dq;
}

/* Where the zone of row mv's crossing of threshold j starts, in t. */
static inline double
zone_start(const tcd *c, const tcd_mover *mv, uint32_t j)
{
	return (c->thr[j] - mv->r) / mv->z - mv->m;
}

/* The threshold of a row's k-th crossing, in the order t rises. */
static inline uint32_t
crossing(const tcd *c, const tcd_mover *mv, uint32_t k)
{
	return mv->z > 0.0 ? k : c->L - 1 - k;
}

/*
 * How many of the row's zones start before T: its first crossings, those
 * behind a point at T.  Zone starts rise with k (division and subtraction
 * are monotone in floating point too), so this is a binary search; it is
 * made on the thresholds against the prediction at T + m, which needs no
 * division, and then put right by the zone starts themselves, so that it
 * agrees exactly with zone_start wherever that is used.
 */
static uint32_t
zones_before(const tcd *c, const tcd_mover *mv, double T)
{
	double		v = mv->r + (T + mv->m) * mv->z;
	const double *base = c->thr;
	uint32_t	n = c->L,
				lo;

	/* z > 0: thresholds below v; z < 0: those above it (branch-free halving) */
	if (mv->z > 0.0)
	{
		while (n > 1)
		{
			uint32_t	half = n / 2;

			base = base[half] < v ? base + half : base;
			n -= half;
		}
		lo = (uint32_t) (base - c->thr) + (*base < v);
	}
	else
	{
		while (n > 1)
		{
			uint32_t	half = n / 2;

			base = base[half] <= v ? base + half : base;
			n -= half;
		}
		lo = c->L - ((uint32_t) (base - c->thr) + (*base <= v));
	}
	while (lo > 0 && !(zone_start(c, mv, crossing(c, mv, lo - 1)) < T))
		lo--;
	while (lo < c->L && zone_start(c, mv, crossing(c, mv, lo)) < T)
		lo++;
	return lo;
}

/*
 * Sort events by key, stably (equal keys stay in the order made: by moving
 * row, then by crossing), least significant byte first; bytes every key
 * shares are skipped, as the high ones of a narrow window are.
 */
static void
sort_events(const fg_env *env, tcd_event *a, tcd_event *tmp, size_t n)
{
	size_t		count[8][256];
	tcd_event  *src = a,
			   *dst = tmp;

	if (n < 2)
		return;
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < 8; d++)
			count[d][(a[i].key >> (8 * d)) & 255]++;
	for (int d = 0; d < 8; d++)
	{
		size_t		sum = 0;
		tcd_event  *t;

		if (count[d][(a[0].key >> (8 * d)) & 255] == n)
			continue;
		for (int b = 0; b < 256; b++)
		{
			size_t		k = count[d][b];

			count[d][b] = sum;
			sum += k;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[d][(src[i].key >> (8 * d)) & 255]++] = src[i];
		t = src;
		src = dst;
		dst = t;
		if (n >= POLL_EVENTS)
			fg_poll_interrupts(env);
	}
	if (src != a)
		memcpy(a, src, sizeof(tcd_event) * n);
}

/* Room for n events (the contents need not survive). */
static fg_status
reserve_events(tcd *c, size_t n, fg_error *err)
{
	if (n <= c->ev_cap)
		return FG_OK;
	fg_release(c->env, c->ev);
	fg_release(c->env, c->ev_tmp);
	c->ev = fg_alloc_uninit(c->env, sizeof(tcd_event) * n);
	c->ev_tmp = fg_alloc_uninit(c->env, sizeof(tcd_event) * n);
	c->ev_cap = n;
	if (c->ev == NULL || c->ev_tmp == NULL)
	{
		c->ev_cap = 0;
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	return FG_OK;
}

/* ---------- the gap from counts ---------- */

/* max and min without libm's NaN rules (no NaN reaches them): inlined */
static inline double
max2(double a, double b)
{
	return a > b ? a : b;
}

static inline double
min2(double a, double b)
{
	return a < b ? a : b;
}

static inline double
share(int64_t part, int64_t whole)
{
	return (double) part / (double) whole;
}

/* The largest |share of all - share of a group| at threshold j. */
static inline double
threshold_gap(const tcd *c, uint32_t j)
{
	double		pj = share(c->A[j], c->W);
	double		d = 0.0;

	for (uint32_t a = 0; a < c->n_attr; a++)
	{
		size_t		i = (size_t) a * c->L + j;

		d = max2(d, max2(c->gmax[i] - pj, pj - c->gmin[i]));
	}
	return d;
}

/* The largest threshold gap, found again. */
static void
rescan_gap(tcd *c)
{
	c->gap_max = c->gap_at[0];
	c->gap_argmax = 0;
	for (uint32_t j = 1; j < c->L; j++)
		if (c->gap_at[j] > c->gap_max)
		{
			c->gap_max = c->gap_at[j];
			c->gap_argmax = j;
		}
}

/*
 * Threshold j's gap is now value.  Only when the largest falls must all be
 * looked at again: about one event in L, so O(1) an event on average.
 */
static inline void
set_gap(tcd *c, uint32_t j, double value)
{
	c->gap_at[j] = value;
	if (value >= c->gap_max)
	{
		c->gap_max = value;
		c->gap_argmax = j;
	}
	else if (j == c->gap_argmax)
		rescan_gap(c);
}

/* Recompute the smallest and largest share of attribute a's groups at j. */
static void
rescan_groups(tcd *c, uint32_t a, uint32_t j)
{
	size_t		i = (size_t) a * c->L + j;

	c->gmin[i] = INFINITY;
	c->gmax[i] = -INFINITY;
	for (uint32_t g = c->attr_first[a]; g < c->attr_first[a + 1]; g++)
	{
		double		pg;

		if (c->Wg[g] == 0)
			continue;
		pg = share(c->A[(1 + (size_t) g) * c->L + j], c->Wg[g]);
		if (pg < c->gmin[i])
		{
			c->gmin[i] = pg;
			c->argmin[i] = g;
		}
		if (pg > c->gmax[i])
		{
			c->gmax[i] = pg;
			c->argmax[i] = g;
		}
	}
}

/* The running counts from a histogram H; returns the gap. */
static double
counts_from_hist(tcd *c, const int64_t *H)
{
	size_t		width = (size_t) c->L + 1;

	for (size_t s = 0; s <= c->G; s++)
	{
		int64_t		above = 0;

		for (uint32_t k = c->L; k > 0; k--)
		{
			above += H[s * width + k];
			c->A[s * c->L + k - 1] = above;
		}
	}
	for (uint32_t j = 0; j < c->L; j++)
	{
		for (uint32_t a = 0; a < c->n_attr; a++)
			rescan_groups(c, a, j);
		c->gap_at[j] = threshold_gap(c, j);
	}
	rescan_gap(c);
	return c->gap_max;
}

/* Row mv crosses threshold j: its weight dq (negative: it drops below) moves. */
static inline void
count_crossing(tcd *c, const tcd_mover *mv, uint32_t j, int64_t dq)
{
	c->A[j] += dq;
	for (uint32_t a = 0; a < c->n_attr; a++)
	{
		uint32_t	g = a == 0 ? mv->group0 : row_group(c, mv->row, a);
		size_t		i = (size_t) a * c->L + j;
		int64_t    *cell = &c->A[(1 + (size_t) g) * c->L + j];
		double		pg;

		*cell += dq;
		pg = share(*cell, c->Wg[g]);
		if (pg > c->gmax[i])
		{
			c->gmax[i] = pg;
			c->argmax[i] = g;
		}
		else if (c->argmax[i] == g && pg < c->gmax[i])
			rescan_groups(c, a, j);
		if (pg < c->gmin[i])
		{
			c->gmin[i] = pg;
			c->argmin[i] = g;
		}
		else if (c->argmin[i] == g && pg > c->gmin[i])
			rescan_groups(c, a, j);
	}
	set_gap(c, j, threshold_gap(c, j));
}

/* ---------- the fit term ---------- */

/* J's first term at the current predictions and coefficients, from scratch. */
static double
fit_term(const tcd *c)
{
	const fg_data *data = c->data;
	double		rss = 0.0,
				ridge_b = 0.0,
				ridge_beta = 0.0;

	for (size_t l = 0; l < c->N; l++)
	{
		double		e = data->y_real[l] - c->yhat[l];

		rss += (data->w ? data->w[l] : 1.0) * e * e;
	}
	for (int j = 0; j < c->p; j++)
		ridge_beta += c->delta[1 + j] * c->delta[1 + j];
	for (uint32_t g = 0; g < c->n_b; g++)
		ridge_b += c->delta[1 + c->p + g] * c->delta[1 + c->p + g];
	return (0.5 * rss + c->set->lambda * ridge_b + c->set->l2 * ridge_beta) / c->tss;
}

static inline double
tolerance(double J)
{
	return IMPROVEMENT_TOL * (1.0 + fabs(J));
}

/* ---------- the search along one coefficient ---------- */

/* How far from t_star a point can be and still beat J_best. */
static inline double
radius(const tcd_line *ln)
{
	double		r2 = (ln->J_best - ln->floor - ln->F_min) / ln->k2;

	return r2 > 0.0 ? sqrt(r2) : 0.0;
}

/* Consider the interval [u, v] of t, whose gap is gap_max. */
static inline void
consider(tcd *c, tcd_line *ln, double u, double v)
{
	double		t = min2(max2(ln->t_star, u), v);
	double		d = t - ln->t_star;
	double		F = ln->F_min + ln->k2 * d * d;
	double		J;

	if (!(F + ln->floor < ln->J_best))
		return;
	J = F + c->set->lambda_f * c->gap_max;
	if (J < ln->J_best)
	{
		ln->J_best = J;
		ln->t_best = t;
		ln->reach = ln->t_star + radius(ln);
	}
}

/* Add event (key s, mover i, threshold j) to the part being made, growing it if need be. */
static inline fg_status
emit(tcd *c, size_t *n, double s, size_t i, uint32_t j, bool rises, fg_error *err)
{
	if (*n == c->ev_cap)
	{
		size_t		cap = c->ev_cap + c->ev_cap / 2 + 1024;
		tcd_event  *ev = fg_alloc_uninit(c->env, sizeof(tcd_event) * cap);
		tcd_event  *tmp = fg_alloc_uninit(c->env, sizeof(tcd_event) * cap);

		if (ev == NULL || tmp == NULL)
		{
			fg_release(c->env, ev);
			fg_release(c->env, tmp);
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		}
		memcpy(ev, c->ev, sizeof(tcd_event) * *n);
		fg_release(c->env, c->ev);
		fg_release(c->env, c->ev_tmp);
		c->ev = ev;
		c->ev_tmp = tmp;
		c->ev_cap = cap;
	}
	c->ev[(*n)++] = (tcd_event) {fg_score_key(s), (uint32_t) i, j << 1 | (rises ? 1u : 0u)};
	return FG_OK;
}

/*
 * Where to cut [T0, T1] so that each part holds at most budget crossings
 * (one bin more when a bin alone holds more): a histogram of the zone
 * starts in PART_BINS bins.  Returns the number of parts; part_end[p] is
 * where part p ends (the last at T1).
 */
static uint32_t
cut_parts(tcd *c, double T0, double T1, size_t total)
{
	double		width = (T1 - T0) / PART_BINS;
	uint32_t	n_parts = 0;
	size_t		acc = 0;

	if (total <= c->budget || !(width > 0.0) || !isfinite(width))
	{
		c->part_end[0] = T1;
		return 1;
	}
	memset(c->bin_count, 0, sizeof(size_t) * PART_BINS);
	for (size_t i = 0; i < c->n_mv; i++)
	{
		const tcd_mover *mv = &c->mv[i];

		if (mv->m < 0.0)
			continue;
		for (uint32_t k = c->next[i]; k < c->stop[i]; k++)
		{
			double		b = (zone_start(c, mv, crossing(c, mv, k)) - T0) / width;

			c->bin_count[b < PART_BINS - 1 ? (size_t) b : PART_BINS - 1]++;
		}
	}
	for (uint32_t b = 0; b < PART_BINS; b++)
	{
		if (acc > 0 && acc + c->bin_count[b] > c->budget)
		{
			c->part_end[n_parts++] = T0 + b * width;
			acc = 0;
		}
		acc += c->bin_count[b];
	}
	c->part_end[n_parts++] = T1;
	return n_parts;
}

/*
 * Sweep rightward from t_star to T1: the counts at t_star, then the
 * crossings whose zones start in [t_star, T1) in order, part by part, and
 * the intervals between zones.  The left side is the same sweep with z
 * negated (see descend_coefficient).
 */
static fg_status
sweep_side(tcd *c, tcd_line *ln, double T1, fg_error *err)
{
	size_t		width = (size_t) c->L + 1;
	double		T0 = ln->t_star;
	double		max_end = -INFINITY;
	double		from;
	size_t		total = 0;
	size_t		next_poll = FG_INTERRUPT_ROWS;
	uint32_t	n_parts;

	ln->reach = T0 + radius(ln);
	T1 = min2(T1, ln->reach);
	if (!(T0 <= T1))
		return FG_OK;

	/* each row's state at T0 and the crossings it has left up to T1 */
	memcpy(c->H_part, c->H_base, sizeof(int64_t) * (1 + (size_t) c->G) * width);
	for (size_t i = 0; i < c->n_mv; i++)
	{
		const tcd_mover *mv = &c->mv[i];
		uint32_t	n0;

		fg_poll_at(c->env, i, &next_poll, FG_INTERRUPT_ROWS);
		if (mv->m < 0.0)
			continue;			/* counted in H_base */
		n0 = zones_before(c, mv, T0);
		c->next[i] = (uint16_t) n0;
		c->stop[i] = (uint16_t) zones_before(c, mv, T1);
		total += c->stop[i] - n0;
		/* z > 0: above the first n0 thresholds; z < 0: above all but the top n0 */
		hist_add(c, c->H_part, mv->row, mv->z > 0.0 ? n0 : c->L - n0, row_weight(c, mv->row));
		/* zones begun before T0 that reach beyond it */
		for (uint32_t k = n0; k > 0; k--)
		{
			double		end = zone_start(c, mv, crossing(c, mv, k - 1)) + 2.0 * mv->m;

			if (!(end > T0))
				break;
			max_end = max2(max_end, end);
		}
	}
	counts_from_hist(c, c->H_part);
	n_parts = cut_parts(c, T0, T1, total);

	from = max2(T0, max_end);
	for (uint32_t part = 0; part < n_parts; part++)
	{
		double		A1 = c->part_end[part];
		bool		last = part + 1 == n_parts;
		size_t		n = 0;

		/* every interval from here on lies beyond what can beat J_best */
		if (from > ln->reach)
			return FG_OK;
		fg_poll_interrupts(c->env);
		for (size_t i = 0; i < c->n_mv; i++)
		{
			const tcd_mover *mv = &c->mv[i];
			uint32_t	k = c->next[i];

			if (mv->m < 0.0)
				continue;
			for (; k < c->stop[i]; k++)
			{
				uint32_t	j = crossing(c, mv, k);
				double		s = zone_start(c, mv, j);
				fg_status	st;

				if (!last && !(s < A1))
					break;
				if ((st = emit(c, &n, s, i, j, mv->z > 0.0, err)) != FG_OK)
					return st;
			}
			c->next[i] = (uint16_t) k;
		}
		sort_events(c->env, c->ev, c->ev_tmp, n);

		for (size_t e = 0; e < n; e++)
		{
			const tcd_event *ev = &c->ev[e];
			const tcd_mover *mv = &c->mv[ev->mover];
			double		s = fg_score_from_key(ev->key);
			int64_t		q = row_weight(c, mv->row);

			/* the movers of sorted events lie anywhere: fetch ahead */
			if (e + PREFETCH_AHEAD < n)
				prefetch(&c->mv[c->ev[e + PREFETCH_AHEAD].mover]);
			if (from > ln->reach)
				return FG_OK;
			if (from <= s)
				consider(c, ln, from, s);
			count_crossing(c, mv, ev->jdir >> 1, (ev->jdir & 1) ? q : -q);
			max_end = max2(max_end, s + 2.0 * mv->m);
			from = max2(T0, max_end);
			if (++c->events_swept % POLL_EVENTS == 0)
				fg_poll_interrupts(c->env);
		}
	}
	if (from <= T1)
		consider(c, ln, from, T1);
	return FG_OK;
}

/* Mirror the line t -> -t: the left side of t_star becomes a right side. */
static void
mirror(tcd *c, tcd_line *ln)
{
	for (size_t i = 0; i < c->n_mv; i++)
		c->mv[i].z = -c->mv[i].z;
	ln->t_now = -ln->t_now;
	ln->t_star = -ln->t_star;
	ln->t_best = -ln->t_best;
}

/*
 * Move coefficient k to t when that lowers J by more than the tolerance,
 * everything recomputed: the predictions of the moving rows, their buckets,
 * the counts and the gap.
 */
static fg_status
try_move(tcd *c, const tcd_line *ln, uint32_t k, double t, bool *changed, fg_error *err)
{
	double		d = t - ln->t_star;
	double		F = ln->F_min + ln->k2 * d * d;
	double		gap,
				J;

	for (size_t i = 0; i < c->n_mv; i++)
	{
		const tcd_mover *mv = &c->mv[i];
		double		y = mv->r + t * mv->z;
		uint32_t	b;

		if (!isfinite(y))
			return fg_fail(err, FG_ERR_NUMERIC, "non-finite prediction in the threshold fit",
						   "Rescale the features or the outcome.",
						   "Row %zu's prediction overflows at coefficient %u = %g.",
						   (size_t) mv->row + 1, k + 1, t);
		b = fg_gap_bucket(c->thr, c->L, y);
		c->new_yhat[i] = y;
		c->new_bucket[i] = (uint16_t) b;
		if (b != c->bucket[mv->row])
		{
			hist_add(c, c->H, mv->row, c->bucket[mv->row], -row_weight(c, mv->row));
			hist_add(c, c->H, mv->row, b, row_weight(c, mv->row));
		}
	}
	gap = counts_from_hist(c, c->H);
	J = F + c->set->lambda_f * gap;
	if (J < c->J - tolerance(c->J))
	{
		for (size_t i = 0; i < c->n_mv; i++)
		{
			c->yhat[c->mv[i].row] = c->new_yhat[i];
			c->bucket[c->mv[i].row] = c->new_bucket[i];
		}
		c->delta[k] = t;
		c->F = F;
		c->gap = gap;
		c->J = J;
		*changed = true;
		return FG_OK;
	}
	/* not better after all: put the counts back */
	for (size_t i = 0; i < c->n_mv; i++)
	{
		const tcd_mover *mv = &c->mv[i];

		if (c->new_bucket[i] != c->bucket[mv->row])
		{
			hist_add(c, c->H, mv->row, c->new_bucket[i], -row_weight(c, mv->row));
			hist_add(c, c->H, mv->row, c->bucket[mv->row], row_weight(c, mv->row));
		}
	}
	return FG_OK;
}

/*
 * A lower bound of the gap wherever the coefficient goes: its moving rows
 * can move the share of all rows above a threshold by at most their weight
 * over all the weight, and a group's share by at most their weight in the
 * group over the group's, so no threshold's gap can change by more than
 * the sum of the two.  Small for a random intercept or a rare dummy, whose
 * fit term is flat: without this floor their window would span every
 * threshold.  A little slack covers the rounding of the shares.
 */
static double
gap_floor(tcd *c)
{
	int64_t		moving = 0;
	double		change,
				group_change = 0.0;

	for (size_t i = 0; i < c->n_mv; i++)
		moving += row_weight(c, c->mv[i].row);
	change = share(moving, c->W);
	if (change >= c->gap)
		return 0.0;
	memset(c->Wg_moving, 0, sizeof(int64_t) * c->G);
	for (size_t i = 0; i < c->n_mv; i++)
		for (uint32_t a = 0; a < c->n_attr; a++)
			c->Wg_moving[row_group(c, c->mv[i].row, a)] += row_weight(c, c->mv[i].row);
	for (uint32_t g = 0; g < c->G; g++)
		if (c->Wg[g] > 0)
			group_change = max2(group_change, share(c->Wg_moving[g], c->Wg[g]));
	return max2(0.0, c->gap - change - group_change - 1e-12);
}

/* One coefficient: 0 the intercept, 1..p the slopes, then the random intercepts. */
static fg_status
descend_coefficient(tcd *c, uint32_t k, bool *changed, fg_error *err)
{
	const fg_data *data = c->data;
	const fg_threshold_settings *set = c->set;
	bool		slope = k >= 1 && k <= (uint32_t) c->p;
	bool		random = k > (uint32_t) c->p;
	const uint32_t *rows = NULL;
	size_t		n_rows = c->N;
	double		pen = slope ? set->l2 : random ? set->lambda : 0.0;
	double		szz = 0.0,
				szy = 0.0,
				first = INFINITY,
				last = -INFINITY,
				a,
				lo,
				hi;
	tcd_line	ln;
	size_t		width = (size_t) c->L + 1;
	size_t		next_poll = FG_INTERRUPT_ROWS;

	ln.t_now = c->delta[k];
	if (random)
	{
		uint32_t	g = k - 1 - (uint32_t) c->p;

		rows = c->stratum_rows + c->stratum_start[g];
		n_rows = c->stratum_start[g + 1] - c->stratum_start[g];
	}

	/* the moving rows, and the fit term along the line */
	c->n_mv = 0;
	for (size_t i = 0; i < n_rows; i++)
	{
		size_t		l = rows ? rows[i] : i;
		double		z = slope ? fg_data_row(data, l)[k - 1] : 1.0;
		double		w = data->w ? data->w[l] : 1.0;
		tcd_mover  *mv;
		double		t0,
					t1;

		fg_poll_at(c->env, i, &next_poll, FG_INTERRUPT_ROWS);
		if (z == 0.0)
			continue;
		mv = &c->mv[c->n_mv++];
		mv->r = c->yhat[l] - ln.t_now * z;
		mv->z = z;
		mv->row = (uint32_t) l;
		mv->group0 = row_group(c, l, 0);
		szz += w * z * z;
		szy += w * z * (data->y_real[l] - mv->r);
		/*
		 * A row whose crossings are out of floating-point range (z all but
		 * zero) cannot cross within any finite window: it keeps its bucket
		 * in the sweep, and try_move checks what it really does.
		 */
		mv->m = c->margin / fabs(z);
		t0 = zone_start(c, mv, 0);
		t1 = zone_start(c, mv, c->L - 1);
		if (isfinite(t0) && isfinite(t1) && isfinite(mv->m) &&
			isfinite(max2(t0, t1) + 2.0 * mv->m))
		{
			first = min2(first, min2(t0, t1));
			last = max2(last, max2(t0, t1) + 2.0 * mv->m);
		}
		else
			mv->m = -1.0;
	}
	a = szz + 2.0 * pen;
	if (!(a > 0.0))
		return FG_OK;
	ln.t_star = szy / a;
	ln.k2 = a / (2.0 * c->tss);
	ln.F_min = c->F - ln.k2 * (ln.t_now - ln.t_star) * (ln.t_now - ln.t_star);
	ln.J_best = c->J;
	ln.t_best = ln.t_now;
	ln.floor = set->lambda_f > 0.0 ? set->lambda_f * gap_floor(c) : 0.0;
	if (!isfinite(ln.t_star) || !isfinite(ln.F_min))
		return FG_OK;

	if (set->lambda_f == 0.0)
	{
		/* the plain least-squares step */
		ln.J_best = ln.F_min;
		ln.t_best = ln.t_star;
	}
	else
	{
		double		R = radius(&ln);

		/*
		 * The window where the fit term alone is below J.  Beyond the
		 * outermost zones nothing changes any more, so it need not reach
		 * further than they do (or than t_star and t_now).
		 */
		lo = fmax(ln.t_star - R, fmin(first, fmin(ln.t_star, ln.t_now)));
		hi = fmin(ln.t_star + R, fmax(last, fmax(ln.t_star, ln.t_now)));
		memcpy(c->H_base, c->H, sizeof(int64_t) * (1 + (size_t) c->G) * width);
		for (size_t i = 0; i < c->n_mv; i++)
			if (c->mv[i].m >= 0.0)
				hist_add(c, c->H_base, c->mv[i].row, c->bucket[c->mv[i].row],
						 -row_weight(c, c->mv[i].row));
		/*
		 * Outward from t_star on either side, the side of t_now first (where
		 * earlier steps found the gap smaller); the left side as the right
		 * side of the mirrored line.
		 */
		if (isfinite(lo) && isfinite(hi))
		{
			bool		left_first = ln.t_now < ln.t_star;
			fg_status	st;

			for (int side = 0; side < 2; side++)
			{
				bool		left = (side == 0) == left_first;

				if (left)
					mirror(c, &ln);
				st = sweep_side(c, &ln, left ? -lo : hi, err);
				if (left)
					mirror(c, &ln);
				if (st != FG_OK)
					return st;
			}
		}
	}
	if (ln.J_best < c->J - tolerance(c->J) && ln.t_best != ln.t_now)
		return try_move(c, &ln, k, ln.t_best, changed, err);
	return FG_OK;
}

/* ---------- set-up ---------- */

static fg_status
check_input(const fg_data *data, const fg_threshold_settings *set, const double *delta,
			fg_error *err)
{
	size_t		N = data->n_rows;
	uint32_t	n_b;
	fg_status	st;

	if (!(set->lambda_f >= 0.0 && isfinite(set->lambda_f)))
		return fg_fail(err, FG_ERR_INVALID, "lambda_f must be a non-negative number", NULL,
					   "lambda_f is %g.", set->lambda_f);
	if (set->n_thresholds < 1 || set->n_thresholds > FG_MAX_THRESHOLDS)
		return fg_fail(err, FG_ERR_INVALID, "the number of thresholds must be between 1 and 1000",
					   NULL, "It is %u.", set->n_thresholds);
	if (set->max_sweeps < 1)
		return fg_fail(err, FG_ERR_INVALID, "max_sweeps must be at least 1", NULL,
					   "It is %d.", set->max_sweeps);
	if (!(set->lambda >= 0.0 && isfinite(set->lambda)) || !(set->l2 >= 0.0 && isfinite(set->l2)))
		return fg_fail(err, FG_ERR_INVALID, "lambda and l2 must be non-negative numbers", NULL,
					   "lambda is %g, l2 is %g.", set->lambda, set->l2);
	if (data->y_real == NULL)
		return fg_fail(err, FG_ERR_INVALID, "the threshold fit needs a continuous outcome",
					   "Fairness at every threshold is for the gaussian family.", NULL);
	if (N == 0)
		return fg_fail(err, FG_ERR_DATA, "no rows to fit", NULL, NULL);
	if (N > UINT32_MAX)
		return fg_fail(err, FG_ERR_INVALID, "too many rows for the threshold fit", NULL,
					   "%zu rows; at most %u are supported.", N, UINT32_MAX);
	if (data->p < 0)
		return fg_fail(err, FG_ERR_INVALID, "negative number of features", NULL, NULL);
	if (set->strata && (data->stratum == NULL || data->n_strata == 0))
		return fg_fail(err, FG_ERR_INVALID, "random intercepts need strata", NULL, NULL);
	if ((st = fg_check_attributes(data, err)) != FG_OK)
		return st;
	for (size_t l = 0; l < N; l++)
	{
		if (!isfinite(data->y_real[l]))
			return fg_fail(err, FG_ERR_INVALID, "y must be finite", NULL,
						   "Row %zu has y = %g.", l + 1, data->y_real[l]);
		if (data->n_attr == 0 && data->s[l] > 1)
			return fg_fail(err, FG_ERR_INVALID, "the binary sensitive attribute must be 0 or 1",
						   NULL, "Row %zu has %u.", l + 1, data->s[l]);
		if ((st = fg_check_row(data, l, err)) != FG_OK)
			return st;
		if (set->strata && data->stratum[l] >= data->n_strata)
			return fg_fail(err, FG_ERR_INVALID, "stratum index out of range", NULL,
						   "Row %zu has stratum %u of %u.", l + 1, data->stratum[l], data->n_strata);
	}
	n_b = set->strata ? data->n_strata : 0;
	for (size_t i = 0; i < 1 + (size_t) data->p + n_b; i++)
		if (!isfinite(delta[i]))
			return fg_fail(err, FG_ERR_INVALID, "the start coefficients must be finite", NULL,
						   "Coefficient %zu is %g.", i + 1, delta[i]);
	return FG_OK;
}

/*
 * Integer weights: w scaled by a power of two so that they add up to less
 * than 2^62 (no sum can overflow) and rounded; without weights, 1 each.
 * Rounding moves a share by at most N 2^-62 relative.
 */
static fg_status
integer_weights(tcd *c, fg_error *err)
{
	const double *w = c->data->w;
	double		total = 0.0;
	int			e;

	c->W = 0;
	if (w == NULL)
	{
		c->W = (int64_t) c->N;
		return FG_OK;
	}
	c->q = fg_alloc_uninit(c->env, sizeof(int64_t) * c->N);
	if (c->q == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	for (size_t l = 0; l < c->N; l++)
		total += w[l];
	if (!isfinite(total))
		return fg_fail(err, FG_ERR_INVALID, "the weights are too large", "Rescale the weights.",
					   "They add up to more than the largest double.");
	(void) frexp(total, &e);	/* total < 2^e */
	/* w * 2^(61 - e) < 2^61 for every row: ldexp per row, as 2^(61 - e) alone can overflow */
	for (size_t l = 0; l < c->N; l++)
	{
		c->q[l] = (int64_t) llround(ldexp(w[l], 61 - e));
		c->W += c->q[l];
	}
	if (c->W <= 0)
		return fg_fail(err, FG_ERR_DATA, "the weights add up to nothing", NULL, NULL);
	return FG_OK;
}

/* Every group's weight; each attribute needs two groups with weight. */
static fg_status
group_weights(tcd *c, fg_error *err)
{
	for (size_t l = 0; l < c->N; l++)
		for (uint32_t a = 0; a < c->n_attr; a++)
			c->Wg[row_group(c, l, a)] += row_weight(c, l);
	for (uint32_t a = 0; a < c->n_attr; a++)
	{
		uint32_t	with_weight = 0;

		for (uint32_t g = c->attr_first[a]; g < c->attr_first[a + 1]; g++)
			with_weight += c->Wg[g] > 0;
		if (with_weight < 2)
			return fg_fail(err, FG_ERR_DATA, "the sensitive attribute is constant",
						   "Fairness needs at least two categories of each sensitive attribute.",
						   "Attribute %u has one category among the %zu rows used.", a + 1, c->N);
	}
	return FG_OK;
}

/*
 * The thresholds: the j/(l+1) weighted quantiles of y, j = 1..l (the
 * smallest y whose weight at or below it reaches that share), equal ones
 * merged.  The sort is stable and ties share one y, so the result does not
 * depend on the order of the rows.
 */
static void
quantile_thresholds(tcd *c, uint32_t l)
{
	const double *y = c->data->y_real;
	int64_t		cum = 0;
	uint32_t	j = 1;

	for (size_t i = 0; i < c->N; i++)
		c->ev[i] = (tcd_event) {fg_score_key(y[i]), (uint32_t) i, 0};
	sort_events(c->env, c->ev, c->ev_tmp, c->N);
	c->L = 0;
	for (size_t i = 0; i < c->N && j <= l; i++)
	{
		uint32_t	row = c->ev[i].mover;

		cum += row_weight(c, row);
		while (j <= l && (double) cum >= (double) j / (double) (l + 1) * (double) c->W)
		{
			double		b = y[row] == 0.0 ? 0.0 : y[row];

			if (c->L == 0 || b > c->thr[c->L - 1])
				c->thr[c->L++] = b;
			j++;
		}
	}
}

/* Rows of each stratum together (a counting sort), for the random intercepts. */
static void
group_strata(tcd *c)
{
	const uint32_t *s = c->data->stratum;

	for (size_t l = 0; l < c->N; l++)
		c->stratum_start[s[l] + 1]++;
	for (uint32_t g = 0; g < c->n_b; g++)
		c->stratum_start[g + 1] += c->stratum_start[g];
	for (size_t l = 0; l < c->N; l++)
		c->stratum_rows[c->stratum_start[s[l]]++] = (uint32_t) l;
	/* the starts moved to the ends: shift them back */
	for (uint32_t g = c->n_b; g > 0; g--)
		c->stratum_start[g] = c->stratum_start[g - 1];
	c->stratum_start[0] = 0;
}

/* Predictions, buckets and counts at the start; TSS; the margin. */
static fg_status
start_model(tcd *c, fg_error *err)
{
	const fg_data *data = c->data;
	double		wsum = 0.0,
				wy = 0.0,
				ybar,
				tss = 0.0;
	size_t		next_poll = FG_INTERRUPT_ROWS;

	for (size_t l = 0; l < c->N; l++)
	{
		const double *x = fg_data_row(data, l);
		double		v = c->delta[0];

		fg_poll_at(c->env, l, &next_poll, FG_INTERRUPT_ROWS);
		for (int j = 0; j < c->p; j++)
			v += x[j] * c->delta[1 + j];
		if (c->n_b > 0)
			v += c->delta[1 + c->p + data->stratum[l]];
		if (!isfinite(v))
			return fg_fail(err, FG_ERR_NUMERIC, "non-finite prediction in the threshold fit",
						   "Rescale the features or the outcome.",
						   "Row %zu's prediction from the start coefficients is %g.", l + 1, v);
		c->yhat[l] = v;
		c->bucket[l] = (uint16_t) fg_gap_bucket(c->thr, c->L, v);
		hist_add(c, c->H, l, c->bucket[l], row_weight(c, l));
	}
	for (size_t l = 0; l < c->N; l++)
	{
		double		w = data->w ? data->w[l] : 1.0;

		wsum += w;
		wy += w * data->y_real[l];
	}
	ybar = wy / wsum;
	for (size_t l = 0; l < c->N; l++)
	{
		double		e = data->y_real[l] - ybar;

		tss += (data->w ? data->w[l] : 1.0) * e * e;
	}
	c->tss = 0.5 * tss;
	/* all y equal: the weighted mean may still miss them by a rounding */
	if (c->thr[0] == c->thr[c->L - 1] && c->thr[0] == data->y_real[0])
	{
		bool		constant = true;

		for (size_t l = 1; l < c->N && constant; l++)
			constant = data->y_real[l] == data->y_real[0];
		if (constant)
			c->tss = 0.0;
	}
	if (c->tss == 0.0)
		return fg_fail(err, FG_ERR_DATA, "the outcome is constant",
					   "A constant outcome has nothing to fit and no gap to close.",
					   "Every row used has y = %g.", data->y_real[0]);
	if (!isfinite(c->tss))
		return fg_fail(err, FG_ERR_NUMERIC, "the outcome's sum of squares overflows",
					   "Rescale the outcome.", NULL);
	c->margin = MARGIN_SD * sqrt(tss / wsum) +
		MARGIN_REL * fmax(fabs(c->thr[0]), fabs(c->thr[c->L - 1]));
	c->F = fit_term(c);
	c->gap = counts_from_hist(c, c->H);
	c->J = c->F + c->set->lambda_f * c->gap;
	return FG_OK;
}

/* The workspace's arrays (the events' are also the quantiles' sort space). */
static fg_status
allocate(tcd *c, fg_error *err)
{
	const fg_env *env = c->env;
	size_t		N = c->N;
	size_t		hist = (1 + (size_t) c->G) * ((size_t) c->set->n_thresholds + 1);
	size_t		counts = (size_t) c->n_attr * c->set->n_thresholds;

	c->delta = fg_alloc(env, sizeof(double) * c->n_coef);
	c->thr = fg_alloc(env, sizeof(double) * c->set->n_thresholds);
	c->Wg = fg_alloc(env, sizeof(int64_t) * c->G);
	c->Wg_moving = fg_alloc(env, sizeof(int64_t) * c->G);
	c->yhat = fg_alloc_uninit(env, sizeof(double) * N);
	c->bucket = fg_alloc_uninit(env, sizeof(uint16_t) * N);
	c->H = fg_alloc(env, sizeof(int64_t) * hist);
	c->H_base = fg_alloc(env, sizeof(int64_t) * hist);
	c->H_part = fg_alloc(env, sizeof(int64_t) * hist);
	c->A = fg_alloc(env, sizeof(int64_t) * (1 + (size_t) c->G) * c->set->n_thresholds);
	c->gmin = fg_alloc(env, sizeof(double) * counts);
	c->gmax = fg_alloc(env, sizeof(double) * counts);
	c->argmin = fg_alloc(env, sizeof(uint32_t) * counts);
	c->argmax = fg_alloc(env, sizeof(uint32_t) * counts);
	c->gap_at = fg_alloc(env, sizeof(double) * c->set->n_thresholds);
	c->mv = fg_alloc_uninit(env, sizeof(tcd_mover) * N);
	c->new_yhat = fg_alloc_uninit(env, sizeof(double) * N);
	c->new_bucket = fg_alloc_uninit(env, sizeof(uint16_t) * N);
	c->next = fg_alloc_uninit(env, sizeof(uint16_t) * N);
	c->stop = fg_alloc_uninit(env, sizeof(uint16_t) * N);
	c->bin_count = fg_alloc_uninit(env, sizeof(size_t) * PART_BINS);
	c->part_end = fg_alloc_uninit(env, sizeof(double) * PART_BINS);
	if (c->n_b > 0)
	{
		c->stratum_start = fg_alloc(env, sizeof(uint32_t) * ((size_t) c->n_b + 1));
		c->stratum_rows = fg_alloc_uninit(env, sizeof(uint32_t) * N);
		if (c->stratum_start == NULL || c->stratum_rows == NULL)
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	if (!c->delta || !c->thr || !c->Wg || !c->Wg_moving || !c->yhat || !c->bucket || !c->H || !c->H_base ||
		!c->H_part || !c->A || !c->gmin || !c->gmax || !c->argmin || !c->argmax || !c->gap_at ||
		!c->mv || !c->new_yhat || !c->new_bucket || !c->next || !c->stop || !c->bin_count ||
		!c->part_end)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	return reserve_events(c, N, err);
}

/* The large arrays of the sweep, released before parity_ks needs its own. */
static void
release_sweep_arrays(tcd *c)
{
	const fg_env *env = c->env;

	fg_release(env, c->ev);
	fg_release(env, c->ev_tmp);
	fg_release(env, c->mv);
	fg_release(env, c->new_yhat);
	fg_release(env, c->new_bucket);
	fg_release(env, c->next);
	fg_release(env, c->stop);
	fg_release(env, c->bin_count);
	fg_release(env, c->part_end);
	c->next = c->stop = NULL;
	c->bin_count = NULL;
	c->part_end = NULL;
	c->ev = c->ev_tmp = NULL;
	c->ev_cap = 0;
	c->mv = NULL;
	c->new_yhat = NULL;
	c->new_bucket = NULL;
}

static void
release_all(tcd *c)
{
	const fg_env *env = c->env;

	release_sweep_arrays(c);
	fg_release(env, c->delta);
	fg_release(env, c->thr);
	fg_release(env, c->q);
	fg_release(env, c->Wg);
	fg_release(env, c->Wg_moving);
	fg_release(env, c->yhat);
	fg_release(env, c->bucket);
	fg_release(env, c->H);
	fg_release(env, c->H_base);
	fg_release(env, c->H_part);
	fg_release(env, c->A);
	fg_release(env, c->gmin);
	fg_release(env, c->gmax);
	fg_release(env, c->argmin);
	fg_release(env, c->argmax);
	fg_release(env, c->gap_at);
	fg_release(env, c->stratum_start);
	fg_release(env, c->stratum_rows);
}

/*
 * parity_ks of the final predictions by the reporting aggregate's own code,
 * attribute by attribute; the largest.
 */
static fg_status
final_parity_ks(tcd *c, double *result, fg_error *err)
{
	const fg_data *data = c->data;

	*result = 0.0;
	for (uint32_t a = 0; a < c->n_attr; a++)
	{
		fg_metric_state st;
		fg_status	s;
		double		ks = NAN;

		if ((s = fg_metric_init(&st, c->env, FG_METRIC_KS, FG_GROUP_INT, data->w != NULL,
								NULL, 0, err)) != FG_OK)
			return s;
		for (size_t l = 0; l < c->N && s == FG_OK; l++)
		{
			uint8_t		key[8];

			fg_key_from_int64(fg_row_category(data, l, a), key);
			s = fg_metric_add_score(&st, key, sizeof(key), c->yhat[l],
									data->w ? data->w[l] : 1.0, err);
		}
		if (s == FG_OK)
			s = fg_parity_ks(&st, &ks, err);
		fg_metric_free(&st);
		if (s != FG_OK)
			return s;
		if (ks > *result)
			*result = ks;
	}
	return FG_OK;
}

/* ---------- the fit ---------- */

void
fg_threshold_settings_default(fg_threshold_settings *set)
{
	memset(set, 0, sizeof(*set));
	set->lambda_f = 1.0;
	set->n_thresholds = 40;
	set->max_sweeps = 100;
	set->strata = false;
	set->lambda = 1.0;
	set->l2 = 0.0;
	set->chunk_events = 0;
}

void
fg_threshold_result_free(const fg_env *env, fg_threshold_result *res)
{
	fg_release(env, res->thresholds);
	fg_release(env, res->trace);
	memset(res, 0, sizeof(*res));
}

fg_status
fg_threshold_fit(const fg_env *env, const fg_data *data, const fg_threshold_settings *set,
				 double *delta, fg_threshold_result *res, fg_error *err)
{
	tcd			c;
	fg_status	st;

	memset(res, 0, sizeof(*res));
	if ((st = check_input(data, set, delta, err)) != FG_OK)
		return st;

	memset(&c, 0, sizeof(c));
	c.env = env;
	c.data = data;
	c.set = set;
	c.N = data->n_rows;
	c.p = data->p;
	c.n_b = set->strata ? data->n_strata : 0;
	c.n_coef = 1 + (uint32_t) c.p + c.n_b;
	c.n_attr = data->n_attr == 0 ? 1 : data->n_attr;
	for (uint32_t a = 0; a < c.n_attr; a++)
		c.attr_first[a + 1] = c.attr_first[a] + (data->n_attr == 0 ? 2 : data->n_cats[a]);
	c.G = c.attr_first[c.n_attr];
	c.budget = set->chunk_events > 0 ? set->chunk_events :
		c.N > MIN_CHUNK_EVENTS ? c.N : MIN_CHUNK_EVENTS;

	if ((st = allocate(&c, err)) != FG_OK ||
		(st = integer_weights(&c, err)) != FG_OK ||
		(st = group_weights(&c, err)) != FG_OK)
		goto done;
	memcpy(c.delta, delta, sizeof(double) * c.n_coef);
	quantile_thresholds(&c, set->n_thresholds);
	if (c.n_b > 0)
		group_strata(&c);
	if ((st = start_model(&c, err)) != FG_OK)
		goto done;

	res->objective_start = c.J;
	res->trace = fg_alloc(env, sizeof(double) * (size_t) set->max_sweeps);
	res->thresholds = fg_alloc(env, sizeof(double) * c.L);
	if (res->trace == NULL || res->thresholds == NULL)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}
	while (res->sweeps < set->max_sweeps)
	{
		bool		changed = false;

		for (uint32_t k = 0; k < c.n_coef; k++)
		{
			bool		moved = false;

			fg_poll_interrupts(env);
			if ((st = descend_coefficient(&c, k, &moved, err)) != FG_OK)
				goto done;
			res->updates += moved;
			changed |= moved;
		}
		/* the fit term afresh, so rounding does not pile up over sweeps */
		c.F = fit_term(&c);
		c.J = c.F + set->lambda_f * c.gap;
		res->trace[res->sweeps++] = c.J;
		if (!changed)
		{
			res->converged = true;
			break;
		}
	}

	release_sweep_arrays(&c);
	if ((st = final_parity_ks(&c, &res->parity_ks, err)) != FG_OK)
		goto done;
	res->objective = c.J;
	res->fit_term = c.F;
	res->gap = c.gap;
	res->n_thresholds = c.L;
	memcpy(res->thresholds, c.thr, sizeof(double) * c.L);
	memcpy(delta, c.delta, sizeof(double) * c.n_coef);

done:
	release_all(&c);
	if (st != FG_OK)
		fg_threshold_result_free(env, res);
	return st;
}
