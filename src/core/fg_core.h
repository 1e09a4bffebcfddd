/*
 * fg_core.h -- the plain-C numerical core of fairglmm.
 *
 * Nothing here includes PostgreSQL headers: data comes in as plain arrays,
 * results go out as plain structs, and memory comes from an allocator the
 * caller supplies (palloc inside the server, malloc in the unit tests).  The
 * caller's interrupt hook may longjmp out of the core; that is safe because
 * the core holds no memory other than what the caller's allocator handed out.
 */
#ifndef FG_CORE_H
#define FG_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------- environment: memory, cancellation, errors ---------- */

typedef struct fg_env
{
	/* Returns zeroed memory, or NULL when it cannot (the core then fails). */
	void	   *(*alloc) (void *ctx, size_t size);
	void		(*release) (void *ctx, void *ptr);
	/* Called between iterations; may not return (query cancel). May be NULL. */
	void		(*check_interrupts) (void *ctx);
	void	   *ctx;
	/*
	 * Optional: like alloc, but the memory need not be zeroed (bulk buffers
	 * that are written before they are read).  NULL: alloc is used.
	 */
	void	   *(*alloc_uninit) (void *ctx, size_t size);
	/*
	 * Optional: reserve address space for data that only grows (the training
	 * rows), backed by memory only where it is written.  Returns the base, or
	 * NULL to decline; sets *size to the bytes reserved and *handle to what
	 * unreserve takes back.  NULL: the rows live in alloc_uninit blocks.
	 */
	void	   *(*reserve) (void *ctx, size_t *size, void **handle);
	void		(*unreserve) (void *ctx, void *handle);
	/* Optional: one line of progress (option "verbose"); NULL: none. */
	void		(*progress) (void *ctx, const char *message);
} fg_env;

typedef enum fg_status
{
	FG_OK = 0,
	FG_ERR_INVALID,				/* bad argument or option value */
	FG_ERR_DATA,				/* data cannot support the fit (one class, ...) */
	FG_ERR_COLLINEAR,			/* singular design */
	FG_ERR_SEPARATION,			/* coefficients run off to infinity */
	FG_ERR_NOT_CONVERGED,		/* iteration limit reached */
	FG_ERR_NOMEM,				/* allocator returned NULL */
	FG_ERR_NUMERIC,				/* LAPACK failure or non-finite values */
	FG_ERR_CORRUPT				/* undecodable bytes (model format) */
} fg_status;

/* Error description, written in PostgreSQL's message style. */
typedef struct fg_error
{
	fg_status	status;
	char		message[160];	/* lowercase, no final period */
	char		detail[400];	/* full sentence(s), may be empty */
	char		hint[300];		/* full sentence(s), may be empty */
} fg_error;

/* Fill *err and return its status. printf-style detail; message/hint plain. */
fg_status	fg_fail(fg_error *err, fg_status status, const char *message,
					const char *hint, const char *detail_fmt,...)
#ifdef __GNUC__
			__attribute__((format(printf, 5, 6)))
#endif
			;

void	   *fg_alloc(const fg_env *env, size_t size);
void	   *fg_alloc_uninit(const fg_env *env, size_t size);
void		fg_release(const fg_env *env, void *ptr);

/* ---------- methods and options ---------- */

typedef enum fg_method
{
	FG_METHOD_NONE = 0,			/* six-argument form before fair_glmm exists */
	FG_METHOD_LR = 1,
	FG_METHOD_FAIR_LR = 2,
	FG_METHOD_CRLR = 3,
	FG_METHOD_FAIR_CRLR = 4,
	FG_METHOD_GLMM = 5,
	FG_METHOD_FAIR_GLMM = 6,
	FG_METHOD_FAIR_THRESHOLD = 7	/* gaussian: parity at every threshold, coordinate descent */
} fg_method;

const char *fg_method_name(fg_method method);	/* "lr", ...; NULL if unknown */
fg_method	fg_method_from_name(const char *name);	/* FG_METHOD_NONE if unknown */
bool		fg_method_uses_strata(fg_method method);
bool		fg_method_is_fair(fg_method method);
bool		fg_method_is_boosting(fg_method method);

/* The outcome's distribution (option "family"). */
typedef enum fg_family
{
	FG_FAMILY_BINOMIAL = 0,		/* y in {0, 1}: logistic regression */
	FG_FAMILY_GAUSSIAN = 1		/* continuous y: least squares */
} fg_family;

/*
 * Which rows a fairness term covers (option "fairness"): every row
 * (demographic parity), the rows with y = 1 (equal opportunity), or those
 * and, as separate terms, the rows with y = 0 (equalized odds).
 */
typedef enum fg_fairness_notion
{
	FG_FAIRNESS_DEMOGRAPHIC_PARITY = 0,
	FG_FAIRNESS_EQUAL_OPPORTUNITY = 1,
	FG_FAIRNESS_EQUALIZED_ODDS = 2
} fg_fairness_notion;

const char *fg_fairness_name(fg_fairness_notion fairness);	/* NULL if unknown (options.c) */

/* How row weights are taken (option "weights"). */
typedef enum fg_weight_scale
{
	FG_WEIGHTS_MEAN_ONE = 0,	/* rescaled to mean 1 over the rows used */
	FG_WEIGHTS_AS_GIVEN = 1		/* frequency weights: a weight of 2 is the row twice */
} fg_weight_scale;

/* The fixed effects' covariance stored with the model (option "vcov"). */
typedef enum fg_vcov_type
{
	FG_VCOV_MODEL = 0,			/* inverse Hessian of the minimised objective */
	FG_VCOV_ROBUST = 1,			/* sandwich clustered by stratum */
	FG_VCOV_NONE = 2			/* not computed (saves a pass over the rows) */
} fg_vcov_type;

/*
 * The training fairness metric option "target" asks for (a ratio in [0, 1]
 * of the lowest to the highest rate over the categories of an attribute,
 * the lowest over the attributes): the rate of positive predictions
 * (disparate impact), the true positive rate (equal opportunity), or the
 * smaller of the true and false positive rate ratios (equalized odds).
 */
typedef enum fg_target_metric
{
	FG_TARGET_DISPARATE_IMPACT = 0,
	FG_TARGET_EQUAL_OPPORTUNITY = 1,
	FG_TARGET_EQUALIZED_ODDS = 2
} fg_target_metric;

/* What option "folds" deals to the folds: whole strata, or rows within each stratum. */
typedef enum fg_fold_by
{
	FG_FOLD_BY_STRATA = 0,
	FG_FOLD_BY_ROWS = 1
} fg_fold_by;

/* Limits of the sensitive attributes. */
#define FG_MAX_ATTRIBUTES	16
#define FG_MAX_CATEGORIES	1000	/* per attribute */
/* fair_threshold's thresholds at most (option "thresholds") */
#define FG_MAX_THRESHOLDS	1000
#define FG_MAX_TERMS		1024

typedef struct fg_options
{
	fg_method	method;
	double		rho;			/* fairness penalty weight, >= 0 */
	double		lambda;			/* ridge weight on random intercepts, > 0 with strata */
	double		c;				/* constrained form abs(cov) <= c; NAN when unused */
	double		tol;			/* Newton decrement tolerance */
	int			max_iter;		/* Newton iterations (per solve) */
	double		threshold;		/* classification threshold for training metrics */
	double		l2;				/* ridge l2 ||beta||^2 on the slopes (not the intercept), >= 0 */

	/* boosting (glmm, fair_glmm) */
	double		q0;				/* initial random-intercept variance Q */
	double		tol_q;			/* stop when abs(Q_l - Q_{l-1}) / Q_l <= tol_q */
	int			max_steps;		/* boosting steps at most */
	double		nu;				/* step length of the selected covariate */
	int			probes;			/* Hutchinson probes for the hat-matrix trace */
	uint64_t	seed;			/* seed of the probes */
	bool		exact_trace;	/* dense exact trace instead of probes (small N only) */

	/* fairness terms and weights */
	int			fairness;		/* fg_fairness_notion */
	int			weight_scale;	/* fg_weight_scale */
	/*
	 * Per-attribute bounds of the constrained form (c given as a jsonb
	 * object); NAN where not given.  Attribute k's bound is c_attr[k] when
	 * set, else c (NAN: that attribute is not constrained).
	 */
	double		c_attr[FG_MAX_ATTRIBUTES];

	int			vcov;			/* fg_vcov_type */
	bool		verbose;		/* progress messages through env->progress */

	/*
	 * Option "target": fit the smallest rho whose model reaches target
	 * (NAN: unused) in target_metric (fg_target_metric) on the training
	 * rows; see fg_fit_target.
	 */
	double		target;
	int			target_metric;

	int			family;			/* fg_family */
	/* fair_threshold: thresholds of the disparity term, sweeps at most */
	int			thresholds;
	int			max_sweeps;
	/*
	 * Cross-validation of a rho path (fairglmm_path only): folds is 0 when
	 * not asked for, else 2 .. 100; fold_by (fg_fold_by) says what is dealt
	 * to the folds and fold_seed seeds the dealing (cross_validation.h).
	 */
	int			folds;
	int			fold_by;
	uint64_t	fold_seed;
} fg_options;

/* Does opt ask for the constrained form (c, or a bound for some attribute)? */
bool		fg_options_constrained(const fg_options *opt);

/*
 * Does a fit with opt need a stratum per row?  Its method's random
 * intercepts, or the robust covariance, which clusters by stratum also for
 * lr and fair_lr, or cross-validation folds made of whole strata.
 */
bool		fg_options_collects_strata(const fg_options *opt);

/* The bound on abs(cov) of attribute k's terms; INFINITY when unconstrained. */
double		fg_options_bound(const fg_options *opt, uint32_t attr);

void		fg_options_default(fg_options *opt);
/* Checks that need no data (ranges, combinations); FG_OK or FG_ERR_INVALID. */
fg_status	fg_options_check(const fg_options *opt, fg_error *err);

/* ---------- training data ---------- */

/*
 * Rows in columnar arrays.  x is row-major, n_rows x p, either in one array
 * (x) or in chunks of 2^x_chunk_shift rows each (x_chunks, with x NULL), so
 * that a large training set needs no single huge allocation and no copy.
 * Read rows through fg_data_row() and fg_data_run(), never through x
 * directly.  stratum[i] is a dense index in [0, n_strata), or stratum == NULL
 * for methods without strata.
 */
typedef struct fg_data
{
	size_t		n_rows;
	int			p;
	uint32_t	n_strata;
	const double *x;
	const uint8_t *y;			/* binomial family: 0 or 1 (NULL for gaussian) */
	const double *y_real;		/* gaussian family: the outcome (NULL for binomial) */
	const uint8_t *s;			/* the single binary attribute (when n_attr == 0) */
	const uint32_t *stratum;
	/*
	 * Row weights, positive and finite, used as given (the SQL layer
	 * rescales them first, see fg_weights_rescale); NULL: every row weighs 1.
	 */
	const double *w;
	/*
	 * Categorical sensitive attributes: codes[l * n_attr + k] in
	 * [0, n_cats[k]) is row l's category of attribute k.  n_attr == 0
	 * means the one binary attribute s (codes and n_cats NULL).
	 */
	uint32_t	n_attr;
	const uint32_t *codes;
	const uint32_t *n_cats;
	/* optional: p names used in error messages (x1..xp otherwise) */
	const char *const *feature_names;
	/* chunked x (used when not NULL): rows [i << shift, (i + 1) << shift) */
	const double *const *x_chunks;
	int			x_chunk_shift;
} fg_data;

/* Features of row l (p doubles, contiguous). */
static inline const double *
fg_data_row(const fg_data *data, size_t l)
{
	size_t		p = (size_t) data->p;

	if (data->x_chunks == NULL)
		return p > 0 ? data->x + l * p : data->x;
	return data->x_chunks[l >> data->x_chunk_shift] +
		(l & (((size_t) 1 << data->x_chunk_shift) - 1)) * p;
}

/*
 * How many rows from row l on, at most max, lie contiguously in memory (so
 * one BLAS call with leading dimension p can cover them).
 */
static inline size_t
fg_data_run(const fg_data *data, size_t l, size_t max)
{
	size_t		left;

	if (data->x_chunks == NULL)
		return max;
	left = ((size_t) 1 << data->x_chunk_shift) - (l & (((size_t) 1 << data->x_chunk_shift) - 1));
	return left < max ? left : max;
}

/*
 * Rows [r0, r0 + rows) of data as a data set of their own (views, no copy);
 * with chunked x they must lie in one chunk (fg_data_run).
 */
fg_data		fg_data_slice(const fg_data *data, size_t r0, size_t rows);

/*
 * Rescale w (n entries, positive) to mean 1 in place; returns the factor
 * applied.  Pairwise sums keep the mean accurate.
 */
double		fg_weights_rescale(double *w, size_t n);

/* The weight of the rows: sum of w, or the number of rows when unweighted. */
double		fg_data_weight(const fg_data *data);

/* The sensitive attributes' description: present, at most 16, categories within the limit. */
fg_status	fg_check_attributes(const fg_data *data, fg_error *err);
/* The limits alone (attributes and categories), for data without rows. */
fg_status	fg_check_attribute_counts(const fg_data *data, fg_error *err);
/* Row l's category codes within their attributes and its weight positive and finite. */
fg_status	fg_check_row(const fg_data *data, size_t l, fg_error *err);

/* ---------- fit result ---------- */

/*
 * One fairness term: the covariance between the indicator of one category
 * of one attribute and eta, over the rows of one outcome group, weighted:
 *
 *   cov = sum_l w_l (1[s_lk = category] - share) eta_l / weight
 *
 * the sums over the group's rows, weight their weight sum and share the
 * weighted share of the category among them.  A binary attribute has one
 * term (the indicator of its second category); one with three or more
 * categories a term per category (one-vs-rest).
 */
typedef struct fg_term_fit
{
	uint32_t	attr;			/* attribute index (0-based) */
	uint32_t	category;		/* category index within it */
	int32_t		outcome;		/* -1: all rows; 1: rows with y = 1; 0: rows with y = 0 */
	double		weight;			/* the group's weight sum (rows when unweighted) */
	double		share;			/* weighted share of the category in the group */
	double		cov;			/* at the solution */
	double		bound;			/* the constraint's bound; INFINITY when unconstrained */
	double		multiplier;		/* Lagrange multiplier; 0 when the bound is inactive */
} fg_term_fit;

typedef struct fg_fit
{
	int			p;
	uint32_t	n_strata;		/* 0 for lr / fair_lr */
	double		intercept;
	double	   *beta;			/* p */
	double	   *b;				/* n_strata random intercepts */
	uint64_t   *stratum_rows;	/* n_strata: training rows per stratum */

	int			iterations;		/* Newton iterations, summed over all solves */
	bool		converged;
	double		grad_norm;		/* Euclidean norm of the objective's gradient */
	double		objective;		/* value of the minimised objective */
	double		multiplier;		/* Lagrange multiplier of abs(cov) <= c; 0 if inactive/unused */
	double		weight_sum;		/* sum of the weights used (N when unweighted) */

	double		train_accuracy;
	double		train_di;		/* NAN when undefined */
	double		train_cov;		/* (1/N) sum (s - s_bar) eta */
	/* with option "target": the metric's value reached on the training rows; NAN otherwise */
	double		target_reached;

	/*
	 * Every fairness term (fair methods; none otherwise), in the order:
	 * attribute, then outcome group (all; or y = 1 before y = 0), then
	 * category.  multiplier above is terms[0]'s when there is one term.
	 */
	uint32_t	n_terms;
	fg_term_fit *terms;
	/*
	 * Weighted disparate impact of the predictions on the training rows,
	 * per attribute (min over categories of the positive rate over max);
	 * n_attr entries (1 for the binary attribute s).
	 */
	uint32_t	n_attr;
	double	   *attr_di;

	/*
	 * Inference (inference.h): vcov_type as computed (FG_VCOV_NONE: vcov
	 * and b_se NULL); vcov the (1 + p) x (1 + p) covariance of
	 * (intercept, beta), row-major; b_se the conditional standard errors of
	 * the random intercepts.  loglik is the (weighted) log-likelihood at the
	 * solution, null_loglik that of the intercept-only model, edf the
	 * effective degrees of freedom (trace of the penalised fit's hat
	 * matrix; boosting: the trace its BIC uses).
	 */
	int			vcov_type;
	double	   *vcov;
	double	   *b_se;
	double		loglik;
	double		null_loglik;
	double		edf;

	/* boosting only */
	double		q;				/* final random-intercept variance */
	int			steps;
	int			stop_reason;	/* fg_stop_reason of model_format.h */
	double		bic;			/* BIC of the last step */
	double		df;				/* hat-matrix trace of the last step */
	uint32_t   *selected;		/* p: times each covariate was selected; NULL otherwise */

	/*
	 * Quasi-complete separation: the objective has no finite minimiser and
	 * the solver stopped where the fitted probabilities of separated_rows
	 * rows had reached 0 or 1 to tolerance.  unidentified lists the
	 * coefficients that run off, as indices into (intercept, x1 .. xp):
	 * 0 is the intercept, j the j-th feature.  separation_detail is a
	 * sentence naming them (and their values on the separated rows), for
	 * the warning.  All zero / NULL / empty when there was no separation.
	 */
	uint64_t	separated_rows;
	uint32_t	n_unidentified;
	uint32_t   *unidentified;	/* n_unidentified indices, ascending */
	char		separation_detail[400];

	/*
	 * gaussian family (NAN for binomial): residual variance RSS / (W - edf)
	 * (boosting: its estimate), root mean squared error and R^2 on the
	 * training rows (weighted)
	 */
	double		sigma2;
	double		rmse;
	double		r2;

	/*
	 * fair_threshold: the disparity at the thresholds (max over thresholds
	 * and groups of abs(P(yhat > b) - P(yhat > b | group))), its exact
	 * version over every threshold (parity_ks), the coordinate sweeps, and
	 * the thresholds; 0 / NAN / NULL for other methods
	 */
	double		threshold_gap;
	double		parity_ks;
	int			sweeps;
	uint32_t	n_thresholds;
	double	   *thresholds;
} fg_fit;

/*
 * Fit one model.  On success *fit is filled with env-allocated arrays and
 * FG_OK is returned; on failure *err says why.
 */
fg_status	fg_fit_model(const fg_env *env, const fg_data *data,
						 const fg_options *opt, fg_fit *fit, fg_error *err);

/* Print one line of progress when opt->verbose (printf-style). */
void		fg_progress(const fg_env *env, const fg_options *opt, const char *fmt,...)
#ifdef __GNUC__
			__attribute__((format(printf, 3, 4)))
#endif
			;

/*
 * Several fits of the same rows and options at different rho: the checks,
 * the summary and the fairness terms are made once, and each fit starts
 * from the previous one's Newton solution (a warm start).  fg_fit_model is
 * fg_fitter_init, one fg_fitter_fit at opt->rho and fg_fitter_free.  The
 * data must outlive the fitter.
 */
typedef struct fg_fitter fg_fitter;

fg_status	fg_fitter_init(const fg_env *env, const fg_data *data, const fg_options *opt,
						   fg_fitter **out, fg_error *err);
/* One fit at rho (unfair and constrained methods ignore it, as fg_fit_model does). */
fg_status	fg_fitter_fit(fg_fitter *f, double rho, fg_fit *fit, fg_error *err);
void		fg_fitter_free(fg_fitter *f);
/* The standard errors of the next fits (the target search fits its trials without) */
void		fg_fitter_set_vcov(fg_fitter *f, fg_vcov_type vcov);
/*
 * The standard errors and likelihoods (fg_fitter_set_vcov's kind) of fit,
 * one of this fitter's unconstrained fits at rho made without them: one
 * Hessian pass at its coefficients, no new solve.
 */
fg_status	fg_fitter_infer(fg_fitter *f, double rho, fg_fit *fit, fg_error *err);

/*
 * The ratio metric of fg_target_metric for fit on the rows of data, the
 * predictions classified at threshold (weighted when data has weights).
 * NAN when no attribute has two categories with rows in the groups the
 * metric compares.
 */
double		fg_fairness_ratio(const fg_data *data, const fg_fit *fit, double threshold,
							  fg_target_metric metric);

/*
 * The ratio metric of one attribute of c categories from its weighted
 * counts: tot[y * c + j] the weight of the rows of category j with outcome
 * y, pos[...] the weight of those predicted 1.  NAN as fg_fairness_ratio.
 * Disparate impact adds the y = 1 counts into the y = 0 ones.
 */
double		fg_attribute_ratio(uint32_t c, double *tot, double *pos, fg_target_metric metric);

/*
 * Option "target": the model at the smallest rho reaching opt->target in
 * opt->target_metric on the training rows, by a search on log rho with warm
 * starts: rho = 0; then 0.01, growing tenfold up to 1e10; then bisection of
 * log rho until the bracket is within 1 %.  The fit returned is that of the
 * bracket's upper end; *rho_found is its rho and fit->target_reached its
 * metric.  FG_ERR_DATA, naming the best value reached and its rho, when no
 * rho up to the cap reaches the target.
 */
fg_status	fg_fit_target(const fg_env *env, const fg_data *data, const fg_options *opt,
						  fg_fit *fit, double *rho_found, fg_error *err);

/* Release the arrays of a fit filled by fg_fit_model and zero it. */
void		fg_fit_release(const fg_env *env, fg_fit *fit);

/* ---------- the logistic function ---------- */

/* 1 / (1 + exp(-eta)) computed without overflow */
double		fg_sigmoid(double eta);

/* ---------- metrics ---------- */

typedef struct fg_di_counts
{
	int64_t		n0, pos0;		/* rows with s = 0, and how many predicted 1 */
	int64_t		n1, pos1;		/* rows with s = 1, ... */
} fg_di_counts;

/*
 * Disparate impact min(r, 1/r), r = P(yhat=1|s=1) / P(yhat=1|s=0).
 * NAN when a group has no rows; 1 when both rates are equal (including both
 * zero); 0 when exactly one rate is zero.
 */
double		fg_disparate_impact(const fg_di_counts *counts);

/*
 * The smallest of the groups' rates pos[j] / tot[j] over the largest, the
 * groups without weight left out: NAN with none, 1 when every rate is 0.
 */
double		fg_rate_ratio(const double *pos, const double *tot, uint32_t n);

#endif							/* FG_CORE_H */
