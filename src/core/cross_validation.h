/*
 * cross_validation.h -- option "folds" of fairglmm_path: K-fold
 * cross-validation of a rho path.
 *
 * Each row goes to one of K folds (fg_cv_assign_folds).  For each fold the
 * whole path is fitted on the rows outside it, with the same warm-started
 * fitter as the path itself, and the rows of the fold are scored; the
 * held-out predictions of all folds are pooled, and the metrics of each rho
 * are computed once over all rows (as scikit-learn's cross_val_predict
 * followed by a metric, not the mean of per-fold metrics).
 */
#ifndef FG_CROSS_VALIDATION_H
#define FG_CROSS_VALIDATION_H

#include "fg_core.h"

#define FG_CV_MIN_FOLDS		2
#define FG_CV_MAX_FOLDS		100
/* a stratum with no training rows in a fold */
#define FG_CV_UNSEEN		UINT32_MAX

/* The held-out metrics of one rho, pooled over the folds, weighted with the rows' weights. */
typedef struct fg_cv_metrics
{
	double		accuracy;		/* weighted share classified right at the threshold */
	/* fg_fairness_ratio's metrics, lowest over the attributes; NAN when undefined */
	double		disparate_impact;
	double		equal_opportunity_ratio;
	double		equalized_odds_ratio;
	double		log_loss;		/* weighted mean of -log P(y) */
} fg_cv_metrics;

/* The fold fits that ended unclean, for the caller's warnings. */
typedef struct fg_cv_stats
{
	uint32_t	fits;			/* folds x rhos */
	uint32_t	not_converged;	/* Newton or boosting stopped at its limit */
	uint32_t	separated;		/* some training rows predicted with probability 0 or 1 */
} fg_cv_stats;

/*
 * The fold (0 .. opt->folds - 1) of every row of data into fold[n_rows],
 * independent of the order of the rows:
 *
 *   fold_by strata: the strata that have rows, in the order of their codes,
 *   are shuffled by a generator seeded with opt->fold_seed and dealt round
 *   robin, so that the folds differ by one stratum at most.  Needs strata
 *   (FG_ERR_INVALID) and at least as many strata as folds (FG_ERR_DATA).
 *
 *   fold_by rows: within each stratum (all rows as one without strata) the
 *   rows are ordered by a hash of their values (y, the bits of x, stratum,
 *   sensitive codes) and the seed, and dealt round robin with a count that
 *   runs on from stratum to stratum: each stratum's folds, and all folds,
 *   differ by one row at most.  Identical rows share a hash, so which of
 *   them goes where may follow their order, but the rows each fold gets do
 *   not.  The weights are left out: rescaled to mean 1 they are rounded
 *   differently when the rows come in another order.
 */
fg_status	fg_cv_assign_folds(const fg_env *env, const fg_data *data, const fg_options *opt,
							   uint8_t *fold, fg_error *err);

/*
 * The training rows of fold k: every row whose fold is not k, in the order
 * of data, as the fit on those rows alone would see them: strata and the
 * categories of each attribute renumbered densely in the order of their
 * codes (so in sorted key order, as a fit of these rows in SQL numbers
 * them), weights rescaled to mean 1 again unless opt->weight_scale is
 * as_given.
 */
typedef struct fg_cv_subset
{
	fg_data		data;
	uint32_t   *stratum_map;	/* full-data stratum -> subset stratum or FG_CV_UNSEEN; NULL without strata */
	uint32_t	n_cats[FG_MAX_ATTRIBUTES];
	double	   *x;
	uint8_t    *y;
	uint8_t    *s;
	uint32_t   *codes;
	uint32_t   *stratum;
	double	   *w;
} fg_cv_subset;

fg_status	fg_cv_subset_build(const fg_env *env, const fg_data *data, const fg_options *opt,
							   const uint8_t *fold, uint32_t k, fg_cv_subset *sub, fg_error *err);
void		fg_cv_subset_free(const fg_env *env, fg_cv_subset *sub);

/*
 * Cross-validate the path of rhos (n_rhos of them) on data with
 * opt->folds folds: out[r] the pooled held-out metrics at rhos[r].  The fold
 * fits are those of opt with vcov none (no standard errors).  A held-out
 * row whose stratum has no training rows in its fold is scored with b = 0,
 * the population prediction.  A fit that fails in a fold fails the whole,
 * with the fold named in the message.
 */
fg_status	fg_cross_validate(const fg_env *env, const fg_data *data, const fg_options *opt,
							  const double *rhos, uint32_t n_rhos, fg_cv_metrics *out,
							  fg_cv_stats *stats, fg_error *err);

/* Bytes fg_cross_validate needs beyond the data and one fit's solver, for the memory limit. */
size_t		fg_cv_memory(const fg_data *data, const fg_options *opt, uint32_t n_rhos);

#endif							/* FG_CROSS_VALIDATION_H */
