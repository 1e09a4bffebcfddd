/*
 * model_format.h -- the versioned binary format of a fitted model.
 *
 * A model is a self-describing byte string: magic, format version, a byte
 * order mark, the total length, the fit, and a CRC-32C of everything before
 * it.  All integers and doubles are written little-endian whatever the host.
 * Decoding trusts nothing: every length is checked against the bytes that are
 * really there before it is used, and the checksum is verified first.
 *
 * The encoder writes version 2 (options as the named entries of the options
 * block of options.h, the separation report, the weights and the fairness
 * terms); the decoder reads version
 * 2 and, unchanged, version 1, the format of fairglmm 1.0.  model_format.c
 * spells out both layouts.
 */
#ifndef FG_MODEL_FORMAT_H
#define FG_MODEL_FORMAT_H

#include "fg_core.h"

#define FG_MODEL_MAGIC			0x4D4C4746u	/* "FGLM" read as little-endian u32 */
#define FG_MODEL_VERSION		2		/* what the encoder writes */
#define FG_MODEL_VERSION_1		1		/* fairglmm 1.0; still read */
#define FG_MODEL_MAX_P			100000
#define FG_MODEL_MAX_STRATA		100000000u
#define FG_MODEL_MAX_NAME_LEN	1024	/* feature name bytes */
#define FG_MODEL_MAX_KEY_LEN	4096	/* stratum key bytes */
#define FG_MODEL_MAX_VERSION_LEN 32		/* extension version text */

typedef enum fg_key_type
{
	FG_KEY_NONE = 0,			/* model without strata */
	FG_KEY_INT = 1,				/* integer / bigint strata, keys from fg_key_from_int64 */
	FG_KEY_TEXT = 2,			/* text strata, keys are the raw bytes */
	FG_KEY_BOOL = 3				/* sensitive attributes only: boolean, keys of int64 0 and 1 */
} fg_key_type;

/*
 * A sensitive attribute as the model records it: how its values were typed
 * and its category labels in sorted order (category i of the fit's terms is
 * label i).  Labels are stored like stratum keys.
 */
typedef struct fg_model_attr
{
	fg_key_type key_type;		/* FG_KEY_INT, FG_KEY_TEXT or FG_KEY_BOOL */
	uint32_t	n_cats;			/* 1 .. FG_MAX_CATEGORIES */
	uint8_t    *keys;			/* label i is keys[key_offsets[i] .. key_offsets[i+1]) */
	uint64_t   *key_offsets;	/* n_cats + 1 */
} fg_model_attr;

typedef enum fg_stop_reason
{
	FG_STOP_NONE = 0,			/* not a boosting fit */
	FG_STOP_TOL_Q = 1,
	FG_STOP_MAX_STEPS = 2
} fg_stop_reason;

/*
 * The decoded model.  Arrays belong to the allocator that decoded it.
 * Stratum keys are stored back to back in keys; key i is
 * keys[key_offsets[i] .. key_offsets[i+1]), sorted by fg_key_compare,
 * with no duplicates.
 */
typedef struct fg_model
{
	/* the format version the model was decoded from; the encoder ignores it */
	int			format_version;

	/* what was asked */
	fg_options	opt;
	bool		has_c;			/* opt.c is meaningful; in version 2, exactly when c is not NaN */

	/* the data */
	uint64_t	rows_used;
	uint64_t	rows_skipped;
	int			p;
	uint32_t	n_strata;
	fg_key_type key_type;
	char	  **feature_names;	/* NULL, or p NUL-terminated names */

	/* the fit */
	double		intercept;
	double	   *beta;			/* p */
	double	   *b;				/* n_strata */
	uint64_t   *stratum_rows;	/* n_strata */
	uint8_t    *keys;
	uint64_t   *key_offsets;	/* n_strata + 1 */

	int			iterations;
	bool		converged;
	double		grad_norm;
	double		objective;
	double		multiplier;
	double		train_accuracy;
	double		train_di;
	double		train_cov;

	/* boosting (glmm / fair_glmm); zero for other methods */
	double		q;				/* random-intercept variance */
	int			steps;
	fg_stop_reason stop_reason;
	double		bic;
	uint32_t   *selected;		/* p: times each covariate was selected, or NULL */

	/*
	 * The separation report of fg_fit (version 2; zero in version-1 models):
	 * rows whose fitted probability reached 0 or 1, and the terms whose
	 * coefficients are not identified, as ascending indices into
	 * (intercept, x1 .. xp), 0 being the intercept.
	 */
	uint64_t	separated_rows;
	uint32_t	n_unidentified;
	uint32_t   *unidentified;	/* n_unidentified entries, or NULL when none */

	/*
	 * Weights and fairness terms (version 2; zero in version-1 models):
	 * whether the fit had a weight argument and the sum of the weights it
	 * used (after rescaling; the rows when unweighted), the sensitive
	 * attributes with their category labels, every fairness term of the
	 * fit, and the disparate impact of the training predictions per
	 * attribute (n_attr_di is 0 or n_attr).
	 */
	bool		weighted;
	double		weight_sum;
	uint32_t	n_attr;
	fg_model_attr *attrs;		/* n_attr */
	uint32_t	n_terms;
	fg_term_fit *terms;			/* n_terms */
	uint32_t	n_attr_di;
	double	   *attr_di;		/* n_attr_di; NaN where undefined */

	/*
	 * Inference (version 2; a version-1 model has vcov_type FG_VCOV_NONE,
	 * the likelihoods and edf NaN, created_at 0 and an empty version):
	 * vcov the (1 + p) x (1 + p) covariance of (intercept, beta),
	 * row-major and symmetric, NULL for FG_VCOV_NONE; b_se the conditional
	 * standard errors of the random intercepts (NULL without strata or
	 * vcov); created_at microseconds since 1970-01-01 UTC; ext_version the
	 * extension version that fitted it.
	 */
	int			vcov_type;
	double	   *vcov;
	double	   *b_se;
	double		loglik;
	double		null_loglik;
	double		edf;
	/* option "target": the metric reached on the training rows (version 2); NaN otherwise */
	double		target_reached;
	int64_t		created_at;
	char		ext_version[FG_MODEL_MAX_VERSION_LEN + 1];

	/*
	 * Continuous outcomes (version 2; NaN / 0 / NULL for the binomial
	 * family and version 1): the gaussian fit's residual variance, RMSE and
	 * R^2 on the training rows; fair_threshold's coordinate sweeps, its
	 * disparity at the thresholds and over every threshold (parity_ks),
	 * and the thresholds, strictly increasing.
	 */
	double		sigma2;
	double		rmse;
	double		r2;
	int			sweeps;
	double		threshold_gap;
	double		parity_ks;
	uint32_t	n_thresholds;
	double	   *thresholds;
} fg_model;

/* Encode into env-allocated *out, *out_len bytes.  Fails only on NOMEM/INVALID. */
fg_status	fg_model_encode(const fg_env *env, const fg_model *model,
							uint8_t **out, size_t *out_len, fg_error *err);

/* Decode and validate; FG_ERR_CORRUPT with a precise detail on bad bytes. */
fg_status	fg_model_decode(const fg_env *env, const uint8_t *bytes, size_t len,
							fg_model *model, fg_error *err);

/* Release the arrays of a model (as decoded) and zero it. */
void		fg_model_release(const fg_env *env, fg_model *model);

/* Linear predictor intercept + x'beta (+ b of the stratum when idx >= 0). */
double		fg_model_eta(const fg_model *model, const double *x, int64_t stratum_idx);

/* Keys: 8 bytes big-endian with the sign bit flipped, so memcmp sorts numerically. */
void		fg_key_from_int64(int64_t value, uint8_t out[8]);
int64_t		fg_key_to_int64(const uint8_t in[8]);
int			fg_key_compare(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);

/* CRC-32C (Castagnoli), software. */
uint32_t	fg_crc32c(uint32_t crc, const void *data, size_t len);

#endif							/* FG_MODEL_FORMAT_H */
