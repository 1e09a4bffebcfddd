/*
 * passes.h -- a fit from passes over rows the core never holds all at once
 * (core-internal; fairglmm_train).
 *
 * A pass adds rows a block at a time into a flat array of doubles, its
 * accumulator, and two accumulators of the same pass merge by
 * fg_pass_merge: the state of a PostgreSQL (or Citus) aggregate that runs
 * on several workers.  What a pass computes is a set of sections, each the
 * sums one step of fg_fitter needs:
 *
 *   SUMMARY     the summary of summary.h (counts, means, centred
 *               co-moments, per-stratum sums) and the weights' sums
 *   TERMS       per attribute, outcome group and category the weight, the
 *               weighted sums of the centred features and the weight per
 *               stratum (fairness.c's building blocks of A)
 *   NEWTON      the rows' share of a Newton pass at a point: loss, max |eta|,
 *               gradient and, when asked, the Hessian blocks F and G
 *   FINAL       at the solution: the training metrics' counts, the
 *               gaussian residual sums and the per-stratum scores of the
 *               robust covariance
 *   SEPARATION  at the solution and its last step: the rows predicted
 *               perfectly and the features' magnitudes there
 *
 * Every section adds up over rows (centred sums merge by Chan's formula), so
 * the result does not depend on how the rows were split, up to rounding.
 */
#ifndef FG_PASSES_H
#define FG_PASSES_H

#include "fg_core.h"
#include "fairness.h"
#include "separation.h"
#include "summary.h"

#define FG_PASS_SUMMARY		0x01u
#define FG_PASS_TERMS		0x02u
#define FG_PASS_NEWTON		0x04u
#define FG_PASS_FINAL		0x08u
#define FG_PASS_SEPARATION	0x10u
#define FG_PASS_ALL_KINDS	0x1Fu

/* What one pass computes and at which point; the same in every worker. */
typedef struct fg_pass_spec
{
	uint32_t	kinds;			/* FG_PASS_* bits */
	int			p;
	uint32_t	n_strata;		/* strata of the rows (the dictionary's size) */
	bool		gaussian;
	bool		weighted;
	double		weight_factor;	/* every row's weight is taken times this (mean one) */
	/* sensitive attributes: 0 for the one binary s, else n_cats[0 .. n_attr - 1] */
	uint32_t	n_attr;
	uint32_t	n_cats[FG_MAX_ATTRIBUTES];
	/* the summary's per-stratum sums (the method or the robust covariance uses strata) */
	bool		summary_strata;
	/* TERMS: which rows each group covers, the strata of A, the summary's means (p) */
	fg_fairness_notion fairness;
	bool		terms_strata;
	const double *mean;
	/*
	 * NEWTON, FINAL, SEPARATION: the point (1 + p + n_model, n_model the
	 * random intercepts: n_strata or 0), the Hessian's weight floor
	 */
	uint32_t	n_model;
	const double *delta;
	int			need;			/* fg_pass_need (newton.h) */
	double		w_floor;
	/* FINAL: classification threshold, the binary s's mean and weighted mean, y's weighted mean */
	double		threshold;
	double		s_bar;
	double		s_bar_w;
	double		y_bar_w;
	bool		robust;			/* per-stratum scores */
	/* SEPARATION: the last Newton step (1 + p + n_model) */
	const double *step;
} fg_pass_spec;

/* Doubles of an accumulator for spec (every section its kinds ask for). */
size_t		fg_pass_size(const fg_pass_spec *spec);

/* An empty accumulator (size fg_pass_size). */
void		fg_pass_init(const fg_pass_spec *spec, double *acc);

/*
 * Add the rows of block (a few hundred rows whose strata and codes are
 * indices into the pass's dictionaries) to acc.
 */
fg_status	fg_pass_add(const fg_env *env, const fg_pass_spec *spec, const fg_data *block,
						double *acc, fg_error *err);

/* acc += other (both of spec). */
void		fg_pass_merge(const fg_pass_spec *spec, double *acc, const double *other);

/* Rows an accumulator counted. */
uint64_t	fg_pass_rows(const double *acc);

/*
 * How the fitter runs a pass over its rows: fill acc (fg_pass_size(spec)
 * doubles) with the pass's sums over every row.  May not return (an
 * error in the server).
 */
typedef struct fg_pass_runner
{
	void	   *ctx;
	void		(*run) (void *ctx, const fg_pass_spec *spec, double *acc);
} fg_pass_runner;

/*
 * What the fitter reads back from the accumulators (passes.c); the layout
 * stays in passes.c.
 */
typedef struct fg_pass_summary_extra
{
	double		weight;			/* sum w */
	double		wy;				/* sum w y */
	double		ws;				/* sum w s (binary s) */
	double		log_weights;	/* sum log w */
	double		y_min;
	double		y_max;
} fg_pass_summary_extra;

/* The summary of every row from a SUMMARY accumulator (arrays env-allocated). */
fg_status	fg_pass_summary(const fg_env *env, const fg_pass_spec *spec, const double *acc,
							fg_summary *sum, fg_pass_summary_extra *extra, fg_error *err);

/* The fairness terms from a TERMS accumulator (see fg_terms_build). */
fg_status	fg_pass_terms(const fg_env *env, const fg_pass_spec *spec, const fg_options *opt,
						  const double *acc, double weight_sum, size_t n_rows,
						  fg_terms *terms, fg_error *err);

/* A NEWTON section: loss, max |eta|, gradient (1 + p + n_model), F, G. */
double		fg_pass_newton(const fg_pass_spec *spec, const double *acc, double *max_abs_eta,
						   double *grad, double *F, double *G);

/* The training metrics' counts (FINAL) into fit, as fit.c's training_metrics. */
fg_status	fg_pass_metrics(const fg_env *env, const fg_pass_spec *spec, const double *acc,
							fg_fit *fit, fg_error *err);

/* FINAL's gaussian sums: the weighted RSS about eta and about y's weighted mean. */
void		fg_pass_gaussian_rss(const fg_pass_spec *spec, const double *acc, double *rss,
								 double *rss0);

/* FINAL's per-stratum scores (n_strata x (1 + p), then n_strata), when spec->robust. */
void		fg_pass_scores(const fg_pass_spec *spec, const double *acc, const double **sf,
						   const double **sb);

/*
 * A fitter (fg_core.h) over rows held elsewhere: shell describes them
 * without rows (p, n_strata, the attributes and their categories, feature
 * names), spec the passes' constants (p, n_strata, gaussian, weighted,
 * attributes; the rest is the fitter's), has_strata whether the rows carry
 * strata.  Runs the summary pass (and the fairness terms' pass) now and the
 * others as fg_fitter_fit needs them; the Newton methods only (boosting
 * and fair_threshold need every row at once).  shell and runner must
 * outlive the fitter.
 */
fg_status	fg_fitter_init_passes(const fg_env *env, const fg_data *shell, const fg_options *opt,
								  const fg_pass_runner *runner, const fg_pass_spec *spec,
								  bool has_strata, fg_fitter **out, fg_error *err);

/* SEPARATION's statistics (pointers into acc). */
fg_status	fg_pass_separation(const fg_pass_spec *spec, const double *acc,
							   fg_separation_stats *stats);

/*
 * The training metrics of a binomial fit in two steps: counts over rows
 * (doubles: fg_metrics_size, zeroed first) at their linear predictors eta,
 * with the binary s's mean s_bar and weighted mean s_bar_w; then the
 * metrics of n_rows rows from the counts (accuracy, disparate impact per
 * attribute, the binary s's covariance) into fit.  data gives the
 * attributes and whether there are weights.
 */
size_t		fg_metrics_size(const fg_data *data);
void		fg_metrics_accumulate(const fg_data *data, double threshold, double s_bar,
								  double s_bar_w, const double *eta, double *acc);
fg_status	fg_metrics_finish(const fg_env *env, const fg_data *data, size_t n_rows,
							  const double *acc, fg_fit *fit, fg_error *err);

#endif							/* FG_PASSES_H */
