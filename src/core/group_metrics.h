/*
 * group_metrics.h -- fairness metrics over any number of groups of a
 * sensitive attribute: the counting behind the SQL reporting aggregates,
 * the metrics computed from the counts, and the two metrics of continuous
 * scores (parity_ks, parity_gap).
 *
 * A metric state (fg_metric_state) holds one record per group, found by the
 * group's key (the encoded sensitive value, as the stratum dictionary stores
 * keys), and for parity_ks every row.  The SQL layer only decodes arguments
 * into keys, 0/1 values, scores and weights; everything else is here, so the
 * unit tests see exactly what the server computes.
 *
 * Conventions shared by every metric:
 *  - a row counts with a weight w >= 0 (1 when no weight is given); a row of
 *    weight 0 is counted in its group's rows and adds nothing to any sum;
 *  - a rate of a group is defined when its denominator (a weight sum) is > 0;
 *  - a comparison of one rate across groups uses the groups where it is
 *    defined and is undefined (NAN) when fewer than two groups define it;
 *  - a ratio is min / max, 1 when all rates are equal (all zero included) and
 *    0 when the smallest is 0 and the largest is not; a difference is
 *    max - min.
 */
#ifndef FG_GROUP_METRICS_H
#define FG_GROUP_METRICS_H

#include <float.h>

#include "fg_core.h"
#include "strata_dict.h"

/* How the sensitive attribute was typed; decides how keys are printed. */
typedef enum fg_group_kind
{
	FG_GROUP_NONE = 0,			/* not known yet: no row seen */
	FG_GROUP_BOOL = 1,			/* keys from fg_key_from_int64(0 or 1) */
	FG_GROUP_INT = 2,			/* keys from fg_key_from_int64 */
	FG_GROUP_TEXT = 3			/* keys are the text's bytes */
} fg_group_kind;

/* Longest text key, in bytes (as for stratum labels). */
#define FG_GROUP_KEY_MAX 4096

/* ---------- groups: keys and one record of sums each ---------- */

typedef struct fg_groups
{
	const fg_env *env;
	fg_strata_dict dict;		/* key -> group index, in order of first sight */
	uint32_t	width;			/* doubles per group; sums[0] is the weight */
	uint32_t	cap;			/* groups the arrays hold */
	int64_t    *rows;			/* rows counted per group */
	double	   *sums;			/* cap * width */
} fg_groups;

static inline uint32_t
fg_groups_count(const fg_groups *g)
{
	return g->dict.count;
}

static inline double *
fg_groups_sums(const fg_groups *g, uint32_t i)
{
	return g->sums + (size_t) i * g->width;
}

fg_status	fg_groups_init(fg_groups *g, const fg_env *env, uint32_t width, fg_error *err);
void		fg_groups_free(fg_groups *g);

/* Bytes the groups hold. */
size_t		fg_groups_memory(const fg_groups *g);

/* Rows counted over all groups (at most FG_ROWS_TOTAL_MAX in a valid state). */
int64_t		fg_groups_rows(const fg_groups *g);

/*
 * The group indices sorted by key (integers numerically, false before true,
 * text by its bytes): order[r] is the index of the r-th smallest key.
 * env-allocated, at least one entry.
 */
fg_status	fg_groups_order(const fg_groups *g, const fg_env *env, uint32_t **order,
							fg_error *err);

/* ---------- the count-based metrics ---------- */

/* Layout of one group's record in a counts state: weight, then the cells. */
enum
{
	FG_CM_WEIGHT = 0,
	FG_CM_TN = 1,				/* yhat = 0, y = 0 */
	FG_CM_FN = 2,				/* yhat = 0, y = 1 */
	FG_CM_FP = 3,				/* yhat = 1, y = 0 */
	FG_CM_TP = 4,				/* yhat = 1, y = 1 */
	FG_CM_WIDTH = 5
};

/* Rates of one group (or of all rows), NAN where undefined. */
typedef struct fg_rates
{
	double		selection;		/* P(yhat = 1) */
	double		tpr;			/* P(yhat = 1 | y = 1) */
	double		fpr;			/* P(yhat = 1 | y = 0) */
	double		precision;		/* P(y = 1 | yhat = 1) */
	double		accuracy;		/* P(yhat = y) */
} fg_rates;

void		fg_rates_of(const double *sums, fg_rates *out);

/* min and max of one rate over the groups that define it */
typedef struct fg_spread
{
	uint32_t	defined;		/* groups where the rate is defined */
	double		min;
	double		max;
	int64_t		argmin;			/* group index of the first minimum, -1 if none */
	int64_t		argmax;
} fg_spread;

/* The ratio and difference rules of the header comment; NAN when undefined. */
double		fg_spread_ratio(const fg_spread *s);
double		fg_spread_difference(const fg_spread *s);

/* Everything fairness_report says, from a counts state's groups. */
typedef struct fg_fairness
{
	uint32_t	groups;			/* groups with at least one row */
	int64_t		rows;
	double		weight;
	fg_rates	overall;		/* rates of all rows together */
	double		disparate_impact;	/* selection-rate ratio */
	double		dp_difference;	/* selection-rate difference */
	double		eo_ratio;		/* true-positive-rate ratio */
	double		eo_difference;
	double		eodds_ratio;	/* min of the TPR and FPR ratios */
	double		eodds_difference;	/* max of the TPR and FPR differences */
	int64_t		most_favoured;	/* highest selection rate; -1 if none stands out */
	int64_t		least_favoured; /* lowest selection rate; -1 likewise */
} fg_fairness;

/*
 * Compute every metric from groups of width FG_CM_WIDTH.  order (NULL for
 * index order) decides which group is named when several share the highest
 * or lowest selection rate: the first in that order.
 */
void		fg_fairness_compute(const fg_groups *g, const uint32_t *order, fg_fairness *out);

/* ---------- a metric state ---------- */

typedef enum fg_metric_kind
{
	FG_METRIC_COUNTS = 1,		/* confusion cells per group */
	FG_METRIC_KS = 2,			/* every row's score, for parity_ks */
	FG_METRIC_GAP = 3			/* weight above each threshold per group, for parity_gap */
} fg_metric_kind;

/* One row kept by parity_ks; weighted states keep fg_ks_wrow instead. */
typedef struct fg_ks_row
{
	uint64_t	key;			/* fg_score_key(score) */
	uint32_t	group;
	uint32_t	unused;
} fg_ks_row;

typedef struct fg_ks_wrow
{
	uint64_t	key;
	uint32_t	group;
	uint32_t	unused;
	double		weight;
} fg_ks_wrow;

/* Thresholds parity_gap accepts at most. */
#define FG_GAP_MAX_THRESHOLDS 100000

typedef struct fg_metric_state
{
	const fg_env *env;
	fg_metric_kind kind;
	fg_group_kind key_kind;
	bool		weighted;		/* rows come with a weight argument */

	/*
	 * Removing rows (a sliding window frame) is exact only while every sum
	 * is: weights that are whole numbers, all of them together at most
	 * 2^53.  Otherwise fg_metric_remove refuses, and the caller recomputes.
	 */
	bool		inexact;
	double		added_weight;	/* all weight ever added */

	/* at most this many bytes (0: no limit); over_limit says it was hit */
	size_t		limit;
	bool		over_limit;

	/*
	 * Groups: width FG_CM_WIDTH (counts), 1 (ks: the weight), or 2 +
	 * n_thresholds (gap: the weight, then the weight of the rows in each
	 * bucket: bucket j holds scores above exactly j of the thresholds).
	 */
	fg_groups	groups;

	/* FG_METRIC_GAP: thresholds ascending, and as given (for comparison) */
	uint32_t	n_thresholds;
	double	   *thresholds;
	double	   *given;

	/* FG_METRIC_KS: rows of row_size bytes each */
	uint64_t	n_rows;
	uint64_t	cap_rows;
	uint8_t    *rows;
} fg_metric_state;

/*
 * Set up an empty state.  thresholds (n_thresholds of them, finite, at least
 * one, at most FG_GAP_MAX_THRESHOLDS) are for FG_METRIC_GAP only.
 */
fg_status	fg_metric_init(fg_metric_state *st, const fg_env *env, fg_metric_kind kind,
						   fg_group_kind key_kind, bool weighted,
						   const double *thresholds, uint32_t n_thresholds, fg_error *err);
void		fg_metric_free(fg_metric_state *st);
size_t		fg_metric_memory(const fg_metric_state *st);

/* Bytes per row parity_ks keeps: 16, or 24 with weights. */
static inline size_t
fg_ks_row_size(bool weighted)
{
	return weighted ? sizeof(fg_ks_wrow) : sizeof(fg_ks_row);
}

/*
 * The weights of one state may add up to at most this; beyond it adding or
 * merging fails.  Far below the largest double, so that no sum, whatever
 * the order of its terms, can overflow.
 */
#define FG_WEIGHT_TOTAL_MAX 1e300

/* Rows one state may count, over all its groups (decoding and merging check it). */
#define FG_ROWS_TOTAL_MAX (INT64_C(1) << 53)

/* Whether a row of this weight may be added (finite and >= 0). */
static inline bool
fg_weight_valid(double w)
{
	return w >= 0.0 && w <= DBL_MAX;	/* false for NaN and +infinity */
}

/*
 * Add a row (counts: yhat, y in {0, 1}; y is 0 when the metric has no
 * labels).  weight must satisfy fg_weight_valid.
 */
fg_status	fg_metric_add_counts(fg_metric_state *st, const uint8_t *key, size_t len,
								 int yhat, int y, double weight, fg_error *err);
fg_status	fg_metric_add_score(fg_metric_state *st, const uint8_t *key, size_t len,
								double score, double weight, fg_error *err);

/*
 * Remove a row that was added (counts and gap states).  false, with nothing
 * changed, when removal would not be exact (see inexact above).
 */
bool		fg_metric_remove_counts(fg_metric_state *st, const uint8_t *key, size_t len,
									int yhat, int y, double weight);
bool		fg_metric_remove_score(fg_metric_state *st, const uint8_t *key, size_t len,
								   double score, double weight);

/*
 * Whether thresholds are those of a gap state, in any order (as when
 * parallel parts are combined); an order seen last is checked first.
 */
bool		fg_metric_same_thresholds(fg_metric_state *st, const double *thresholds,
									  uint32_t n);

/*
 * Add everything in from to into.  Both must be of the same kind, key kind,
 * weighting and thresholds (FG_ERR_INVALID otherwise).
 */
fg_status	fg_metric_merge(fg_metric_state *into, const fg_metric_state *from, fg_error *err);

/*
 * A new state with the contents of from (allocated from env): the combine
 * step starts from a copy when its own side is empty.
 */
fg_status	fg_metric_copy(fg_metric_state *out, const fg_env *env,
						   const fg_metric_state *from, fg_error *err);

/* ---------- scores ---------- */

/*
 * An unsigned key that sorts as the score does (-0 is 0); score must not be
 * NaN.  fg_score_from_key inverts it.
 */
uint64_t	fg_score_key(double score);
double		fg_score_from_key(uint64_t key);

/*
 * parity_ks: the largest over groups of sup_b |F_group(b) - F_all(b)|, the
 * weighted empirical distribution functions of the scores; NAN when fewer
 * than two groups have weight > 0.  Sorts the state's rows in place (the
 * result does not depend on their order).
 */
fg_status	fg_parity_ks(fg_metric_state *st, double *result, fg_error *err);

/*
 * parity_gap: the largest over groups g and thresholds b of
 * |P(score > b) - P(score > b | g)|, weighted; NAN when fewer than two
 * groups have weight > 0.  Works in memory from env (one double per bucket).
 */
fg_status	fg_parity_gap(const fg_metric_state *st, const fg_env *env, double *result,
						  fg_error *err);

/* How many of the ascending thresholds lie strictly below score. */
uint32_t	fg_gap_bucket(const double *thresholds, uint32_t n, double score);

/* ---------- serialised form (parallel aggregation) ---------- */

/*
 * Bytes: magic "FGMS", format version, byte-order mark, flags (reserved,
 * 0), total length, kind, key kind, weighted, inexact, the weight added,
 * thresholds, groups (key, rows, sums), rows (parity_ks), CRC-32C of all
 * before it; little-endian throughout.
 */
#define FG_METRIC_MAGIC		0x534d4746u /* "FGMS" read as little-endian u32 */
#define FG_METRIC_VERSION	1

/* Bytes fg_metric_encode writes (0 if that would overflow size_t). */
size_t		fg_metric_encoded_size(const fg_metric_state *st);
fg_status	fg_metric_encode(const fg_metric_state *st, uint8_t *buf, size_t len, fg_error *err);

/* Decode bytes into a new state (FG_ERR_CORRUPT for anything inconsistent). */
fg_status	fg_metric_decode(fg_metric_state *st, const fg_env *env, const uint8_t *bytes,
							 size_t len, fg_error *err);

#endif							/* FG_GROUP_METRICS_H */
