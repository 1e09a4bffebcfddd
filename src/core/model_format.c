/*
 * model_format.c -- encoding and decoding of the binary model format.
 *
 * Every value is written byte by byte, little-endian, so the bytes do not
 * depend on the host that wrote them.  The decoder treats its input as
 * hostile: the header and the checksum are verified before the body is
 * parsed, and every count is compared with the bytes really present before
 * anything is allocated from it, so a forged count cannot cause a huge
 * allocation or a read past the end.
 *
 * Version 2, the one the encoder writes:
 *
 *   header      magic u32 "FGLM" | version u16 (2) | byte order mark u16 |
 *               flags u32 (0) | total length u64
 *   options     the options block of options.h: count u16, then per option
 *               name length u8 | name | type u8 | value (f64, i64 or u8),
 *               every option of the table but feature_names, in table order
 *   counts      rows_used u64 | rows_skipped u64 | p u32 | n_strata u32 |
 *               key_type u8 | has_feature_names u8
 *   fit         intercept f64 | p x beta f64 |
 *               [p x (name length u32 | name bytes)] |
 *               n_strata x (key length u32 | key bytes | b f64 | rows u64)
 *   statistics  iterations i32 | converged u8 | grad_norm, objective,
 *               multiplier, train_accuracy, train_di, train_cov f64 | q f64 |
 *               steps i32 | stop_reason u8 | bic f64 | has_selected u8 |
 *               [p x selected u32]
 *   separation  separated_rows u64 | n_unidentified u32 |
 *               n_unidentified x term index u32 (ascending, < 1 + p)
 *   fairness    weighted u8 | weight_sum f64 |
 *               n_attr u32 (<= 16) | n_attr x (key_type u8 | n_cats u32 |
 *               n_cats x (label length u32 | label bytes), labels strictly
 *               increasing) |
 *               n_terms u32 (<= 1024) | n_terms x (attr u32 | category u32 |
 *               outcome i8 | weight, share, cov, bound, multiplier f64) |
 *               n_attr_di u32 (0 or n_attr) | n_attr_di x f64
 *   inference   vcov_type u8 | has_vcov u8 | [(1 + p)^2 x f64, row-major] |
 *               has_b_se u8 | [n_strata x f64] | loglik, null_loglik, edf f64 |
 *               target_reached f64 (NaN without option "target") | created_at i64 |
 *               version length u8 (<= 32) | version bytes
 *   continuous  sigma2, rmse, r2 f64 (NaN for the binomial family) |
 *               sweeps i32 | threshold_gap, parity_ks f64 | n_thresholds u32
 *               (0 unless fair_threshold, then 1 .. 1000) |
 *               n_thresholds x f64 (strictly increasing)
 *   trailer     CRC-32C u32 of everything before it
 *
 * c is NaN exactly when the constrained form is not used (version 1 had a
 * separate flag).  Version 1 (fairglmm 1.0) had in place of the options
 * block: method u8 | rho, lambda, c, tol f64 | max_iter i32 | threshold f64 |
 * has_c u8; no separation part; and after the selection counts the boosting
 * options q0, tol_q f64 | max_steps i32 | nu f64 | probes i32 | seed u64 |
 * exact_trace u8.  It is still decoded, with the checks it always had;
 * options it lacks (l2) get their defaults.
 */
#include "model_format.h"
#include "le_bytes.h"
#include "options.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* magic, version, byte order mark, flags, total_length */
#define HEADER_SIZE			20
#define TRAILER_SIZE		4
#define BYTE_ORDER_MARK		0xFEFF

/* rows_used, rows_skipped, p, n_strata, key_type, has_feature_names */
#define COUNTS_SIZE			(2 * 8 + 4 + 4 + 1 + 1)
/* iterations, converged, six statistics, q, steps, stop_reason, bic, has_selected */
#define STATS_SIZE			(4 + 1 + 6 * 8 + 8 + 4 + 1 + 8 + 1)
/* version 2: separated_rows, n_unidentified (the indices come on top) */
#define SEPARATION_SIZE		(8 + 4)
/* version 2: weighted, weight_sum, n_attr, n_terms, n_attr_di (the entries come on top) */
#define FAIRNESS_SIZE		(1 + 8 + 4 + 4 + 4)
/* version 2: vcov_type, has_vcov, has_b_se, loglik, null_loglik, edf, target_reached, created_at, version length */
#define INFERENCE_SIZE		(1 + 1 + 1 + 4 * 8 + 8 + 1)
/* version 2: sigma2, rmse, r2, sweeps, threshold_gap, parity_ks, n_thresholds (the thresholds come on top) */
#define CONTINUOUS_SIZE		(3 * 8 + 4 + 2 * 8 + 4)
/* attr, category, outcome, weight, share, cov, bound, multiplier */
#define TERM_SIZE			(4 + 4 + 1 + 5 * 8)
/* version 1: method, rho, lambda, c, tol, max_iter, threshold, has_c */
#define V1_OPTIONS_SIZE		(1 + 4 * 8 + 4 + 8 + 1)
/* version 1: q0, tol_q, max_steps, nu, probes, seed, exact_trace (after the statistics) */
#define V1_BOOST_OPTIONS_SIZE	(8 + 8 + 4 + 8 + 4 + 8 + 1)
#define V1_TAIL_SIZE		(STATS_SIZE + V1_BOOST_OPTIONS_SIZE)
/* key_len, b, stratum_rows (the key bytes come on top) */
#define STRATUM_FIXED_SIZE	(4 + 8 + 8)
#define INT_KEY_LEN			8

#define CORRUPT_MESSAGE	"invalid fairglmm model"
#define CORRUPT_HINT \
	"Models are produced by fairglmm_fit; the value may have been truncated or altered."
#define INVALID_MESSAGE	"cannot encode fairglmm model"

/* ---------- stratum keys ---------- */

void
fg_key_from_int64(int64_t value, uint8_t out[8])
{
	/* flipping the sign bit maps INT64_MIN..INT64_MAX onto 0..UINT64_MAX */
	uint64_t	u = (uint64_t) value ^ UINT64_C(0x8000000000000000);

	/*
	 * Big-endian, spelled out byte by byte so that the compiler emits one
	 * byte swap and one 8-byte store: the dictionary reads the key back as
	 * a word at once, and a load after eight byte stores cannot be
	 * forwarded from the store buffer (it stalls until they retire).
	 */
	out[0] = (uint8_t) (u >> 56);
	out[1] = (uint8_t) (u >> 48);
	out[2] = (uint8_t) (u >> 40);
	out[3] = (uint8_t) (u >> 32);
	out[4] = (uint8_t) (u >> 24);
	out[5] = (uint8_t) (u >> 16);
	out[6] = (uint8_t) (u >> 8);
	out[7] = (uint8_t) u;
}

int64_t
fg_key_to_int64(const uint8_t in[8])
{
	uint64_t	u = 0;

	for (int i = 0; i < 8; i++)
		u = (u << 8) | in[i];
	u ^= UINT64_C(0x8000000000000000);

	/* unsigned to signed without relying on implementation-defined casts */
	if (u <= (uint64_t) INT64_MAX)
		return (int64_t) u;
	return -(int64_t) (~u) - 1;
}

int
fg_key_compare(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	size_t		common = a_len < b_len ? a_len : b_len;

	/* memcmp must not see a NULL pointer, even with a zero length */
	if (common > 0)
	{
		int			c = memcmp(a, b, common);

		if (c != 0)
			return c < 0 ? -1 : 1;
	}
	if (a_len == b_len)
		return 0;
	return a_len < b_len ? -1 : 1;
}

/* ---------- lookups on a decoded model ---------- */

/* Key i; keys may be NULL when every key is empty, so no arithmetic on it. */
static const uint8_t *
key_at(const fg_model *m, uint64_t i, size_t *len)
{
	uint64_t	start = m->key_offsets[i];

	*len = (size_t) (m->key_offsets[i + 1] - start);
	return m->keys == NULL ? NULL : m->keys + start;
}

double
fg_model_eta(const fg_model *model, const double *x, int64_t stratum_idx)
{
	double		eta = model->intercept;

	for (int j = 0; j < model->p; j++)
		eta += x[j] * model->beta[j];
	if (stratum_idx >= 0 && (uint64_t) stratum_idx < model->n_strata)
		eta += model->b[stratum_idx];
	return eta;
}

void
fg_model_release(const fg_env *env, fg_model *model)
{
	if (model->feature_names != NULL)
	{
		for (int j = 0; j < model->p; j++)
			fg_release(env, model->feature_names[j]);
		fg_release(env, model->feature_names);
	}
	fg_release(env, model->beta);
	fg_release(env, model->b);
	fg_release(env, model->stratum_rows);
	fg_release(env, model->keys);
	fg_release(env, model->key_offsets);
	fg_release(env, model->selected);
	fg_release(env, model->thresholds);
	fg_release(env, model->unidentified);
	if (model->attrs != NULL)
	{
		for (uint32_t k = 0; k < model->n_attr; k++)
		{
			fg_release(env, model->attrs[k].keys);
			fg_release(env, model->attrs[k].key_offsets);
		}
		fg_release(env, model->attrs);
	}
	fg_release(env, model->terms);
	fg_release(env, model->attr_di);
	fg_release(env, model->vcov);
	fg_release(env, model->b_se);
	memset(model, 0, sizeof(*model));
}

/* ---------- errors ---------- */

/*
 * Report a bad model: FG_ERR_CORRUPT for bytes being decoded, FG_ERR_INVALID
 * for a struct handed to the encoder.  The checks are shared so that the
 * encoder never writes bytes its own decoder would refuse.
 */
static fg_status reject(fg_error *err, fg_status status, const char *fmt,...)
#ifdef __GNUC__
			__attribute__((format(printf, 3, 4)))
#endif
			;

static fg_status
reject(fg_error *err, fg_status status, const char *fmt,...)
{
	char		detail[400];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (status == FG_ERR_CORRUPT)
		return fg_fail(err, status, CORRUPT_MESSAGE, CORRUPT_HINT, "%s", detail);
	return fg_fail(err, status, INVALID_MESSAGE, NULL, "%s", detail);
}

static fg_status
out_of_memory(fg_error *err, size_t size)
{
	return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL,
				   "Failed on request of size %zu while handling a fairglmm model.",
				   size);
}

/*
 * Checks that do not depend on how the model is stored: enumerations, the
 * relation between method, key type and strata, key shapes and order, and
 * finite coefficients.  The arrays must already have their stated sizes.
 */
static fg_status
check_model(const fg_model *m, fg_status status, fg_error *err)
{
	if (fg_method_name(m->opt.method) == NULL)
		return reject(err, status, "Method code %d is not a known fitting method.",
					  (int) m->opt.method);
	if (m->p < 0 || m->p > FG_MODEL_MAX_P)
		return reject(err, status, "The model has %d covariates; the limit is %d.",
					  m->p, FG_MODEL_MAX_P);
	if (m->n_strata > FG_MODEL_MAX_STRATA)
		return reject(err, status, "The model has %u strata; the limit is %u.",
					  m->n_strata, FG_MODEL_MAX_STRATA);
	if (m->key_type != FG_KEY_NONE && m->key_type != FG_KEY_INT &&
		m->key_type != FG_KEY_TEXT)
		return reject(err, status, "Stratum key type %d is not known.",
					  (int) m->key_type);
	if ((m->n_strata == 0) != (m->key_type == FG_KEY_NONE))
		return reject(err, status,
					  "The model has %u strata but its stratum key type is %d; a model has strata exactly when it has a key type.",
					  m->n_strata, (int) m->key_type);
	if (m->n_strata > 0 && !fg_method_uses_strata(m->opt.method))
		return reject(err, status,
					  "The model has %u strata, but method \"%s\" does not use strata.",
					  m->n_strata, fg_method_name(m->opt.method));
	if (m->stop_reason != FG_STOP_NONE && m->stop_reason != FG_STOP_TOL_Q &&
		m->stop_reason != FG_STOP_MAX_STEPS)
		return reject(err, status, "Stop reason code %d is not known.",
					  (int) m->stop_reason);

	if (m->n_strata > 0 && m->key_offsets[0] != 0)
		return reject(err, status, "The first stratum key does not start at offset 0.");
	for (uint32_t i = 0; i < m->n_strata; i++)
	{
		uint64_t	start = m->key_offsets[i];
		uint64_t	end = m->key_offsets[i + 1];

		if (end < start || end - start > FG_MODEL_MAX_KEY_LEN)
			return reject(err, status,
						  "Stratum %u has a key of invalid length; keys are at most %d bytes.",
						  i, FG_MODEL_MAX_KEY_LEN);
		if (m->key_type == FG_KEY_INT && end - start != INT_KEY_LEN)
			return reject(err, status,
						  "Stratum %u has an integer key of %llu bytes; integer keys are %d bytes.",
						  i, (unsigned long long) (end - start), INT_KEY_LEN);
		if (i > 0)
		{
			size_t		prev_len;
			size_t		cur_len;
			const uint8_t *prev_key = key_at(m, i - 1, &prev_len);
			const uint8_t *cur_key = key_at(m, i, &cur_len);

			if (fg_key_compare(prev_key, prev_len, cur_key, cur_len) >= 0)
				return reject(err, status,
							  "Stratum keys are not strictly increasing at stratum %u.",
							  i);
		}
	}

	if (!isfinite(m->intercept))
		return reject(err, status, "The intercept is not finite.");
	for (int j = 0; j < m->p; j++)
		if (!isfinite(m->beta[j]))
			return reject(err, status, "Coefficient %d is not finite.", j + 1);
	for (uint32_t i = 0; i < m->n_strata; i++)
		if (!isfinite(m->b[i]))
			return reject(err, status,
						  "The random intercept of stratum %u is not finite.", i);
	return FG_OK;
}

/*
 * The weights, attributes and terms of version 2: counts within their
 * limits, labels of the right shape in strictly increasing order, every
 * term naming an existing attribute and category, numbers in range.  The
 * arrays must have their stated sizes.
 */
static fg_status
check_fairness(const fg_model *m, fg_status status, fg_error *err)
{
	if (!isfinite(m->weight_sum) || m->weight_sum < 0.0)
		return reject(err, status, "The weight sum %g is not a finite number >= 0.", m->weight_sum);
	if (m->n_attr > FG_MAX_ATTRIBUTES)
		return reject(err, status, "The model has %u sensitive attributes; the limit is %d.",
					  m->n_attr, FG_MAX_ATTRIBUTES);
	for (uint32_t k = 0; k < m->n_attr; k++)
	{
		const fg_model_attr *a = &m->attrs[k];

		if (a->key_type != FG_KEY_INT && a->key_type != FG_KEY_TEXT && a->key_type != FG_KEY_BOOL)
			return reject(err, status, "Sensitive attribute %u has key type %d, which is not known.",
						  k + 1, (int) a->key_type);
		if (a->n_cats < 1 || a->n_cats > FG_MAX_CATEGORIES)
			return reject(err, status,
						  "Sensitive attribute %u has %u categories; it must have 1 to %d.",
						  k + 1, a->n_cats, FG_MAX_CATEGORIES);
		if (a->key_offsets[0] != 0)
			return reject(err, status, "The first label of sensitive attribute %u does not start at offset 0.",
						  k + 1);
		for (uint32_t i = 0; i < a->n_cats; i++)
		{
			uint64_t	start = a->key_offsets[i];
			uint64_t	end = a->key_offsets[i + 1];
			const uint8_t *key = a->keys == NULL ? NULL : a->keys + start;

			if (end < start || end - start > FG_MODEL_MAX_KEY_LEN)
				return reject(err, status,
							  "Category %u of sensitive attribute %u has a label of invalid length.",
							  i + 1, k + 1);
			if (a->key_type != FG_KEY_TEXT && end - start != INT_KEY_LEN)
				return reject(err, status,
							  "Category %u of sensitive attribute %u has an integer label of %llu bytes; integer labels are %d bytes.",
							  i + 1, k + 1, (unsigned long long) (end - start), INT_KEY_LEN);
			if (a->key_type == FG_KEY_BOOL && (uint64_t) fg_key_to_int64(key) > 1)
				return reject(err, status,
							  "Category %u of boolean sensitive attribute %u is neither false nor true.",
							  i + 1, k + 1);
			if (i > 0 &&
				fg_key_compare(a->keys + a->key_offsets[i - 1],
							   (size_t) (start - a->key_offsets[i - 1]), key,
							   (size_t) (end - start)) >= 0)
				return reject(err, status,
							  "The labels of sensitive attribute %u are not strictly increasing at category %u.",
							  k + 1, i + 1);
		}
	}
	if (m->n_terms > FG_MAX_TERMS)
		return reject(err, status, "The model has %u fairness terms; the limit is %d.",
					  m->n_terms, FG_MAX_TERMS);
	if (m->n_terms > 0 && !fg_method_is_fair(m->opt.method))
		return reject(err, status, "The model has fairness terms, but method \"%s\" has none.",
					  fg_method_name(m->opt.method));
	for (uint32_t t = 0; t < m->n_terms; t++)
	{
		const fg_term_fit *term = &m->terms[t];

		if (term->attr >= m->n_attr)
			return reject(err, status,
						  "Fairness term %u refers to sensitive attribute %u; the model has %u.",
						  t + 1, term->attr + 1, m->n_attr);
		if (term->category >= m->attrs[term->attr].n_cats)
			return reject(err, status,
						  "Fairness term %u refers to category %u of sensitive attribute %u, which has %u.",
						  t + 1, term->category + 1, term->attr + 1, m->attrs[term->attr].n_cats);
		if (term->outcome < -1 || term->outcome > 1)
			return reject(err, status, "Fairness term %u has outcome code %d; codes are -1, 0 and 1.",
						  t + 1, (int) term->outcome);
		if (!isfinite(term->weight) || term->weight < 0.0 ||
			!(term->share >= 0.0 && term->share <= 1.0) ||
			!isfinite(term->cov) || !isfinite(term->multiplier) ||
			!(term->bound >= 0.0))
			return reject(err, status,
						  "Fairness term %u has a weight, share, covariance, bound or multiplier out of range.",
						  t + 1);
	}
	if (m->n_attr_di != 0 && m->n_attr_di != m->n_attr)
		return reject(err, status,
					  "The model has disparate impacts for %u attributes but %u attributes.",
					  m->n_attr_di, m->n_attr);
	for (uint32_t k = 0; k < m->n_attr_di; k++)
		if (!isnan(m->attr_di[k]) && !(m->attr_di[k] >= 0.0 && m->attr_di[k] <= 1.0))
			return reject(err, status,
						  "The disparate impact of sensitive attribute %u is %g, outside [0, 1].",
						  k + 1, m->attr_di[k]);
	return FG_OK;
}

/* The continuous part: statistics of the gaussian family, the thresholds of fair_threshold. */
static fg_status
check_continuous(const fg_model *m, fg_status status, fg_error *err)
{
	bool		gaussian = m->opt.family == FG_FAMILY_GAUSSIAN;
	bool		threshold = m->opt.method == FG_METHOD_FAIR_THRESHOLD;

	if (threshold && !gaussian)
		return reject(err, status, "Method fair_threshold needs the gaussian family.");
	if (gaussian ? !((m->rmse >= 0.0 && isfinite(m->rmse)) &&
					 (isnan(m->sigma2) || (m->sigma2 >= 0.0 && isfinite(m->sigma2))) &&
					 (isnan(m->r2) || m->r2 <= 1.0) && !isinf(m->r2))
		: !(isnan(m->sigma2) && isnan(m->rmse) && isnan(m->r2)))
		return reject(err, status, "The residual statistics %g, %g, %g do not fit the %s family.",
					  m->sigma2, m->rmse, m->r2, gaussian ? "gaussian" : "binomial");
	if (threshold != (m->n_thresholds > 0) || m->n_thresholds > FG_MAX_THRESHOLDS)
		return reject(err, status, "The model has %u thresholds; fair_threshold has 1 to %d, other methods none.",
					  m->n_thresholds, FG_MAX_THRESHOLDS);
	if (threshold ? !(m->sweeps >= 0 && m->threshold_gap >= 0.0 && m->threshold_gap <= 1.0 &&
					  m->parity_ks >= 0.0 && m->parity_ks <= 1.0)
		: !(m->sweeps == 0 && isnan(m->threshold_gap) && isnan(m->parity_ks)))
		return reject(err, status, "The threshold statistics %d, %g, %g do not fit method %s.",
					  m->sweeps, m->threshold_gap, m->parity_ks, fg_method_name(m->opt.method));
	for (uint32_t j = 0; j < m->n_thresholds; j++)
		if (!isfinite(m->thresholds[j]) || (j > 0 && !(m->thresholds[j] > m->thresholds[j - 1])))
			return reject(err, status, "Threshold %u is %g; they are finite and strictly increasing.",
						  j + 1, m->thresholds[j]);
	return FG_OK;
}

/*
 * The inference part: a known covariance type with a matrix exactly when
 * it is not "none", finite, symmetric, with a non-negative diagonal;
 * standard errors finite and >= 0; log-likelihoods <= 0 and the degrees of
 * freedom >= 0 where known (NaN); a printable version.
 */
static fg_status
check_inference(const fg_model *m, fg_status status, fg_error *err)
{
	int			k = m->p + 1;

	if (m->vcov_type < FG_VCOV_MODEL || m->vcov_type > FG_VCOV_NONE)
		return reject(err, status, "Covariance type %d is not known.", m->vcov_type);
	if ((m->vcov != NULL) != (m->vcov_type != FG_VCOV_NONE))
		return reject(err, status, "The covariance type and the covariance matrix disagree.");
	if (m->b_se != NULL && (m->vcov == NULL || m->n_strata == 0))
		return reject(err, status, "The model has random-intercept standard errors without a covariance or strata.");
	for (int i = 0; m->vcov != NULL && i < k; i++)
	{
		if (!(m->vcov[i * k + i] >= 0.0) || !isfinite(m->vcov[i * k + i]))
			return reject(err, status, "Variance %d of the covariance matrix is %g.", i + 1,
						  m->vcov[i * k + i]);
		for (int j = 0; j < i; j++)
			if (!isfinite(m->vcov[i * k + j]) || m->vcov[i * k + j] != m->vcov[j * k + i])
				return reject(err, status,
							  "The covariance matrix is not finite and symmetric at (%d, %d).",
							  i + 1, j + 1);
	}
	for (uint32_t i = 0; m->b_se != NULL && i < m->n_strata; i++)
		if (!(m->b_se[i] >= 0.0) || !isfinite(m->b_se[i]))
			return reject(err, status, "The standard error of random intercept %u is %g.",
						  i + 1, m->b_se[i]);
	/* a gaussian density can exceed 1: only the binomial likelihoods are <= 0 */
	if ((m->opt.family == FG_FAMILY_BINOMIAL &&
		 (!(isnan(m->loglik) || m->loglik <= 0.0) || !(isnan(m->null_loglik) || m->null_loglik <= 0.0))) ||
		isinf(m->loglik) || isinf(m->null_loglik))
		return reject(err, status, "The log-likelihoods %g and %g are not both <= 0.",
					  m->loglik, m->null_loglik);
	if (!(isnan(m->edf) || (m->edf >= 0.0 && isfinite(m->edf))))
		return reject(err, status, "The degrees of freedom are %g.", m->edf);
	/* microseconds since 1970: from 0 (unknown) to year 294,000-odd, well inside int64 */
	if (m->created_at < 0 || m->created_at > INT64_C(1) << 62)
		return reject(err, status, "The creation time %lld is out of range.",
					  (long long) m->created_at);
	if (!(isnan(m->target_reached) || (m->target_reached >= 0.0 && m->target_reached <= 1.0)))
		return reject(err, status, "The fairness level reached is %g.", m->target_reached);
	for (size_t i = 0; i < sizeof(m->ext_version) && m->ext_version[i] != '\0'; i++)
		if (m->ext_version[i] < 0x20 || m->ext_version[i] > 0x7e)
			return reject(err, status, "The extension version has a byte 0x%02X that is not printable.",
						  (unsigned) (uint8_t) m->ext_version[i]);
	return check_continuous(m, status, err);
}

/*
 * What version 2 adds to check_model: every option in its range, the
 * constraint flag agreeing with c, and the separation report (terms
 * strictly increasing, each one of intercept, x1 .. xp).  The array of
 * unidentified terms must have its stated size.
 */
static fg_status
check_model_v2(const fg_model *m, fg_status status, fg_error *err)
{
	for (int i = 0; i < fg_option_count; i++)
	{
		const fg_option_def *def = &fg_option_table[i];
		fg_error	opt_err;
		double		v;

		if (def->size == 0)
			continue;
		v = def->type == FG_OPTION_NUMBER ? fg_option_get_number(&m->opt, def)
			: (double) fg_option_get_integer(&m->opt, def);
		if (fg_option_check_value(def, v, &opt_err) != FG_OK)
			return reject(err, status, "The value of option \"%s\" is invalid: %s.",
						  def->name, opt_err.message);
	}
	if (m->has_c == (isnan(m->opt.c) != 0))
		return reject(err, status,
					  "The constraint flag says %s but c is %g; c is NaN exactly when the constraint is unused.",
					  m->has_c ? "used" : "unused", m->opt.c);
	if ((uint64_t) m->n_unidentified > (uint64_t) m->p + 1)
		return reject(err, status,
					  "The model lists %u unidentified terms but has only %d.",
					  m->n_unidentified, m->p + 1);
	if (m->separated_rows > m->rows_used)
		return reject(err, status,
					  "The model says %llu of its %llu training rows are separated.",
					  (unsigned long long) m->separated_rows,
					  (unsigned long long) m->rows_used);
	if (m->n_unidentified > 0 && m->separated_rows == 0)
		return reject(err, status,
					  "The model lists %u unidentified terms but no separated rows.",
					  m->n_unidentified);
	for (uint32_t k = 0; k < m->n_unidentified; k++)
	{
		if ((uint64_t) m->unidentified[k] > (uint64_t) m->p)
			return reject(err, status,
						  "Unidentified term %u has index %u; the model has terms 0 to %d.",
						  k + 1, m->unidentified[k], m->p);
		if (k > 0 && m->unidentified[k] <= m->unidentified[k - 1])
			return reject(err, status,
						  "The unidentified terms are not strictly increasing at entry %u.", k + 1);
	}
	{
		fg_status	st = check_fairness(m, status, err);

		if (st != FG_OK)
			return st;
	}
	return check_inference(m, status, err);
}

/* ---------- encoding ---------- */

/* a flag is stored as one byte, 0 or 1 (get_bool below insists on it) */
static void
put_bool(fg_le_writer *w, bool v)
{
	fg_le_put_u8(w, v ? 1 : 0);
}

fg_status
fg_model_encode(const fg_env *env, const fg_model *model,
				uint8_t **out, size_t *out_len, fg_error *err)
{
	const fg_model *m = model;
	uint64_t	total;
	size_t		len;
	fg_le_writer w;
	uint8_t    *buf;
	fg_status	status;

	*out = NULL;
	*out_len = 0;

	/* shapes first, so that check_model may index the arrays */
	if (m->p < 0 || m->p > FG_MODEL_MAX_P)
		return reject(err, FG_ERR_INVALID,
					  "The model has %d covariates; the limit is %d.",
					  m->p, FG_MODEL_MAX_P);
	if (m->n_strata > FG_MODEL_MAX_STRATA)
		return reject(err, FG_ERR_INVALID,
					  "The model has %u strata; the limit is %u.",
					  m->n_strata, FG_MODEL_MAX_STRATA);
	if (m->p > 0 && m->beta == NULL)
		return reject(err, FG_ERR_INVALID, "The coefficient array is missing.");
	if (m->n_strata > 0 &&
		(m->b == NULL || m->stratum_rows == NULL || m->key_offsets == NULL))
		return reject(err, FG_ERR_INVALID, "The stratum arrays are missing.");
	if (m->n_strata > 0 && m->key_offsets[m->n_strata] > 0 && m->keys == NULL)
		return reject(err, FG_ERR_INVALID, "The stratum key bytes are missing.");

	if (m->n_unidentified > 0 && m->unidentified == NULL)
		return reject(err, FG_ERR_INVALID, "The list of unidentified terms is missing.");
	if (m->n_attr > FG_MAX_ATTRIBUTES || m->n_terms > FG_MAX_TERMS ||
		m->n_attr_di > FG_MAX_ATTRIBUTES)
		return reject(err, FG_ERR_INVALID, "The model has too many attributes or fairness terms.");
	if ((m->n_attr > 0 && m->attrs == NULL) || (m->n_terms > 0 && m->terms == NULL) ||
		(m->n_attr_di > 0 && m->attr_di == NULL))
		return reject(err, FG_ERR_INVALID, "The arrays of the fairness terms are missing.");
	for (uint32_t k = 0; k < m->n_attr; k++)
		if (m->attrs[k].n_cats > FG_MAX_CATEGORIES || m->attrs[k].key_offsets == NULL ||
			(m->attrs[k].key_offsets[m->attrs[k].n_cats] > 0 && m->attrs[k].keys == NULL))
			return reject(err, FG_ERR_INVALID, "The labels of sensitive attribute %u are missing.",
						  k + 1);

	status = check_model(m, FG_ERR_INVALID, err);
	if (status == FG_OK)
		status = check_model_v2(m, FG_ERR_INVALID, err);
	if (status != FG_OK)
		return status;

	/* size the output exactly; 64-bit arithmetic cannot overflow here */
	total = HEADER_SIZE + fg_options_block_size() + COUNTS_SIZE + 8 +
		(uint64_t) 8 * m->p + STATS_SIZE + SEPARATION_SIZE +
		(uint64_t) 4 * m->n_unidentified + FAIRNESS_SIZE +
		(uint64_t) TERM_SIZE * m->n_terms + (uint64_t) 8 * m->n_attr_di + INFERENCE_SIZE +
		(m->vcov ? (uint64_t) 8 * (m->p + 1) * (m->p + 1) : 0) +
		(m->b_se ? (uint64_t) 8 * m->n_strata : 0) +
		strnlen(m->ext_version, sizeof(m->ext_version)) +
		CONTINUOUS_SIZE + (uint64_t) 8 * m->n_thresholds + TRAILER_SIZE;
	for (uint32_t k = 0; k < m->n_attr; k++)
		total += 1 + 4 + (uint64_t) 4 * m->attrs[k].n_cats +
			m->attrs[k].key_offsets[m->attrs[k].n_cats];
	if (m->feature_names != NULL)
	{
		for (int j = 0; j < m->p; j++)
		{
			size_t		name_len;

			if (m->feature_names[j] == NULL)
				return reject(err, FG_ERR_INVALID,
							  "The name of covariate %d is missing.", j + 1);
			name_len = strnlen(m->feature_names[j], FG_MODEL_MAX_NAME_LEN + 1);
			if (name_len > FG_MODEL_MAX_NAME_LEN)
				return reject(err, FG_ERR_INVALID,
							  "The name of covariate %d is longer than %d bytes.",
							  j + 1, FG_MODEL_MAX_NAME_LEN);
			total += 4 + name_len;
		}
	}
	if (m->n_strata > 0)
		total += (uint64_t) STRATUM_FIXED_SIZE * m->n_strata +
			m->key_offsets[m->n_strata];
	if (m->selected != NULL)
		total += (uint64_t) 4 * m->p;
	if (total > SIZE_MAX)
		return reject(err, FG_ERR_INVALID,
					  "The encoded model would be %llu bytes, more than this platform can hold.",
					  (unsigned long long) total);

	len = (size_t) total;
	buf = fg_alloc(env, len);
	if (buf == NULL)
		return out_of_memory(err, len);
	fg_le_writer_init(&w, buf, len);

	/* header */
	fg_le_put_u32(&w, FG_MODEL_MAGIC);
	fg_le_put_u16(&w, FG_MODEL_VERSION);
	fg_le_put_u16(&w, BYTE_ORDER_MARK);
	fg_le_put_u32(&w, 0);				/* flags */
	fg_le_put_u64(&w, total);

	/* options */
	fg_options_block_write(&m->opt, &w);

	/* counts */
	fg_le_put_u64(&w, m->rows_used);
	fg_le_put_u64(&w, m->rows_skipped);
	fg_le_put_u32(&w, (uint32_t) m->p);
	fg_le_put_u32(&w, m->n_strata);
	fg_le_put_u8(&w, (uint8_t) m->key_type);
	put_bool(&w, m->feature_names != NULL);

	/* coefficients and names */
	fg_le_put_f64(&w, m->intercept);
	for (int j = 0; j < m->p; j++)
		fg_le_put_f64(&w, m->beta[j]);
	if (m->feature_names != NULL)
	{
		for (int j = 0; j < m->p; j++)
		{
			size_t		name_len = strlen(m->feature_names[j]);

			fg_le_put_u32(&w, (uint32_t) name_len);
			fg_le_put_bytes(&w, m->feature_names[j], name_len);
		}
	}

	/* strata */
	for (uint32_t i = 0; i < m->n_strata; i++)
	{
		uint64_t	start = m->key_offsets[i];
		uint64_t	key_len = m->key_offsets[i + 1] - start;

		fg_le_put_u32(&w, (uint32_t) key_len);
		fg_le_put_bytes(&w, m->keys + start, (size_t) key_len);
		fg_le_put_f64(&w, m->b[i]);
		fg_le_put_u64(&w, m->stratum_rows[i]);
	}

	/* fit statistics */
	fg_le_put_i32(&w, m->iterations);
	put_bool(&w, m->converged);
	fg_le_put_f64(&w, m->grad_norm);
	fg_le_put_f64(&w, m->objective);
	fg_le_put_f64(&w, m->multiplier);
	fg_le_put_f64(&w, m->train_accuracy);
	fg_le_put_f64(&w, m->train_di);
	fg_le_put_f64(&w, m->train_cov);
	fg_le_put_f64(&w, m->q);
	fg_le_put_i32(&w, m->steps);
	fg_le_put_u8(&w, (uint8_t) m->stop_reason);
	fg_le_put_f64(&w, m->bic);
	put_bool(&w, m->selected != NULL);
	if (m->selected != NULL)
	{
		for (int j = 0; j < m->p; j++)
			fg_le_put_u32(&w, m->selected[j]);
	}

	/* separation */
	fg_le_put_u64(&w, m->separated_rows);
	fg_le_put_u32(&w, m->n_unidentified);
	for (uint32_t k = 0; k < m->n_unidentified; k++)
		fg_le_put_u32(&w, m->unidentified[k]);

	/* weights, attributes, terms */
	put_bool(&w, m->weighted);
	fg_le_put_f64(&w, m->weight_sum);
	fg_le_put_u32(&w, m->n_attr);
	for (uint32_t k = 0; k < m->n_attr; k++)
	{
		const fg_model_attr *a = &m->attrs[k];

		fg_le_put_u8(&w, (uint8_t) a->key_type);
		fg_le_put_u32(&w, a->n_cats);
		for (uint32_t i = 0; i < a->n_cats; i++)
		{
			uint64_t	start = a->key_offsets[i];
			uint64_t	n = a->key_offsets[i + 1] - start;

			fg_le_put_u32(&w, (uint32_t) n);
			if (n > 0)
				fg_le_put_bytes(&w, a->keys + start, (size_t) n);
		}
	}
	fg_le_put_u32(&w, m->n_terms);
	for (uint32_t t = 0; t < m->n_terms; t++)
	{
		const fg_term_fit *term = &m->terms[t];

		fg_le_put_u32(&w, term->attr);
		fg_le_put_u32(&w, term->category);
		fg_le_put_u8(&w, (uint8_t) (int8_t) term->outcome);
		fg_le_put_f64(&w, term->weight);
		fg_le_put_f64(&w, term->share);
		fg_le_put_f64(&w, term->cov);
		fg_le_put_f64(&w, term->bound);
		fg_le_put_f64(&w, term->multiplier);
	}
	fg_le_put_u32(&w, m->n_attr_di);
	for (uint32_t k = 0; k < m->n_attr_di; k++)
		fg_le_put_f64(&w, m->attr_di[k]);

	/* inference */
	fg_le_put_u8(&w, (uint8_t) m->vcov_type);
	put_bool(&w, m->vcov != NULL);
	for (size_t i = 0; m->vcov != NULL && i < (size_t) (m->p + 1) * (m->p + 1); i++)
		fg_le_put_f64(&w, m->vcov[i]);
	put_bool(&w, m->b_se != NULL);
	for (uint32_t i = 0; m->b_se != NULL && i < m->n_strata; i++)
		fg_le_put_f64(&w, m->b_se[i]);
	fg_le_put_f64(&w, m->loglik);
	fg_le_put_f64(&w, m->null_loglik);
	fg_le_put_f64(&w, m->edf);
	fg_le_put_f64(&w, m->target_reached);
	fg_le_put_u64(&w, (uint64_t) m->created_at);
	{
		size_t		vlen = strnlen(m->ext_version, sizeof(m->ext_version));

		fg_le_put_u8(&w, (uint8_t) vlen);
		fg_le_put_bytes(&w, m->ext_version, vlen);
	}

	/* continuous */
	fg_le_put_f64(&w, m->sigma2);
	fg_le_put_f64(&w, m->rmse);
	fg_le_put_f64(&w, m->r2);
	fg_le_put_u32(&w, (uint32_t) m->sweeps);
	fg_le_put_f64(&w, m->threshold_gap);
	fg_le_put_f64(&w, m->parity_ks);
	fg_le_put_u32(&w, m->n_thresholds);
	for (uint32_t j = 0; j < m->n_thresholds; j++)
		fg_le_put_f64(&w, m->thresholds[j]);

	fg_le_put_u32(&w, fg_crc32c(0, buf, w.pos));

	/* the size computed above and the fields written must agree */
	if (w.overrun || w.pos != len)
	{
		fg_release(env, buf);
		return reject(err, FG_ERR_INVALID,
					  "The encoded model does not fill the %zu bytes it was sized for.", len);
	}
	*out = buf;
	*out_len = len;
	return FG_OK;
}

/* ---------- decoding ---------- */

/*
 * Reads are bounded by the start of the checksum.  The decoder checks the
 * space before each group of reads so it can say what is missing; the reader
 * checks again and sets overrun rather than read past the end, so that a
 * mistake in those checks cannot turn into an out-of-bounds read.
 */

/* a stored boolean must be exactly 0 or 1 */
static fg_status
get_bool(fg_le_reader *r, bool *out, const char *what, fg_error *err)
{
	uint8_t		v = fg_le_get_u8(r);

	if (v > 1)
		return reject(err, FG_ERR_CORRUPT,
					  "The flag %s has value %u; flags are 0 or 1.", what, v);
	*out = (v == 1);
	return FG_OK;
}

#define TRY(expr) \
	do { \
		fg_status	try_status_ = (expr); \
		if (try_status_ != FG_OK) \
			return try_status_; \
	} while (0)

#define ALLOC_OR_FAIL(ptr, size) \
	do { \
		size_t		alloc_size_ = (size); \
		(ptr) = fg_alloc(env, alloc_size_); \
		if ((ptr) == NULL) \
			return out_of_memory(err, alloc_size_); \
	} while (0)

/*
 * Version 1's options (a fixed record); the boosting options come at the end.
 * The options version 1 did not have keep their defaults.
 */
static fg_status
decode_v1_options(fg_le_reader *r, fg_model *m, fg_error *err)
{
	uint8_t		method;

	fg_options_default(&m->opt);
	method = fg_le_get_u8(r);
	/* version 1 knew the six methods of the paper */
	if (method > FG_METHOD_FAIR_GLMM || fg_method_name((fg_method) method) == NULL)
		return reject(err, FG_ERR_CORRUPT,
					  "Method code %u is not a known fitting method.", method);
	m->opt.method = (fg_method) method;
	m->opt.rho = fg_le_get_f64(r);
	m->opt.lambda = fg_le_get_f64(r);
	m->opt.c = fg_le_get_f64(r);
	m->opt.tol = fg_le_get_f64(r);
	m->opt.max_iter = fg_le_get_i32(r);
	m->opt.threshold = fg_le_get_f64(r);
	return get_bool(r, &m->has_c, "has_c", err);
}

/*
 * What both versions share: the counts, coefficients, feature names and
 * strata.  tail is the least the rest of the body can take, for the bound
 * on the counts.
 */
static fg_status
decode_fit(const fg_env *env, fg_le_reader *r, fg_model *m, size_t tail, fg_error *err)
{
	uint8_t		key_type;
	uint32_t	p;
	uint32_t	n_strata;
	bool		has_names = false;
	uint64_t	need;
	size_t		strata_pos;
	uint64_t	key_bytes = 0;

	/* counts, checked before they size anything */
	m->rows_used = fg_le_get_u64(r);
	m->rows_skipped = fg_le_get_u64(r);
	p = fg_le_get_u32(r);
	n_strata = fg_le_get_u32(r);
	key_type = fg_le_get_u8(r);
	TRY(get_bool(r, &has_names, "has_feature_names", err));

	if (p > FG_MODEL_MAX_P)
		return reject(err, FG_ERR_CORRUPT,
					  "The model has %u covariates; the limit is %d.",
					  p, FG_MODEL_MAX_P);
	if (n_strata > FG_MODEL_MAX_STRATA)
		return reject(err, FG_ERR_CORRUPT,
					  "The model has %u strata; the limit is %u.",
					  n_strata, FG_MODEL_MAX_STRATA);
	if (key_type != FG_KEY_NONE && key_type != FG_KEY_INT &&
		key_type != FG_KEY_TEXT)
		return reject(err, FG_ERR_CORRUPT,
					  "Stratum key type %u is not known.", key_type);
	if ((n_strata == 0) != (key_type == FG_KEY_NONE))
		return reject(err, FG_ERR_CORRUPT,
					  "The model has %u strata but its stratum key type is %u; a model has strata exactly when it has a key type.",
					  n_strata, key_type);

	/*
	 * The least the rest can take given these counts (names and text keys
	 * empty, no selection counts).  Once it fits, every allocation below is
	 * at most a small multiple of the input length.
	 */
	need = 8 + (uint64_t) 8 * p + tail +
		(has_names ? (uint64_t) 4 * p : 0) +
		(uint64_t) n_strata * (STRATUM_FIXED_SIZE +
							   (key_type == FG_KEY_INT ? INT_KEY_LEN : 0));
	if (need > fg_le_left(r))
		return reject(err, FG_ERR_CORRUPT,
					  "The model declares %u covariates and %u strata, which need at least %llu more bytes, but only %zu remain.",
					  p, n_strata, (unsigned long long) need, fg_le_left(r));
	m->p = (int) p;
	m->key_type = (fg_key_type) key_type;

	/* coefficients */
	m->intercept = fg_le_get_f64(r);
	ALLOC_OR_FAIL(m->beta, (size_t) p * sizeof(double));
	for (uint32_t j = 0; j < p; j++)
		m->beta[j] = fg_le_get_f64(r);

	/* feature names */
	if (has_names)
	{
		ALLOC_OR_FAIL(m->feature_names, (size_t) p * sizeof(char *));
		for (uint32_t j = 0; j < p; j++)
		{
			uint32_t	name_len;
			const uint8_t *name;

			if (fg_le_left(r) < 4)
				return reject(err, FG_ERR_CORRUPT,
							  "The model ends inside the name of covariate %u.", j + 1);
			name_len = fg_le_get_u32(r);
			if (name_len > FG_MODEL_MAX_NAME_LEN)
				return reject(err, FG_ERR_CORRUPT,
							  "The name of covariate %u is %u bytes long; the limit is %d.",
							  j + 1, name_len, FG_MODEL_MAX_NAME_LEN);
			name = fg_le_take(r, name_len);
			if (name == NULL)
				return reject(err, FG_ERR_CORRUPT,
							  "The model ends inside the name of covariate %u.", j + 1);
			if (name_len > 0 && memchr(name, '\0', name_len) != NULL)
				return reject(err, FG_ERR_CORRUPT,
							  "The name of covariate %u contains a zero byte.", j + 1);
			ALLOC_OR_FAIL(m->feature_names[j], (size_t) name_len + 1);
			if (name_len > 0)
				memcpy(m->feature_names[j], name, name_len);
			m->feature_names[j][name_len] = '\0';
		}
	}

	/*
	 * Strata, in two passes: the first checks every entry's framing and adds
	 * up the key bytes without allocating, the second copies.
	 */
	strata_pos = r->pos;
	for (uint32_t i = 0; i < n_strata; i++)
	{
		uint32_t	key_len;

		if (fg_le_left(r) < 4)
			return reject(err, FG_ERR_CORRUPT,
						  "The model ends inside stratum %u.", i);
		key_len = fg_le_get_u32(r);
		if (key_len > FG_MODEL_MAX_KEY_LEN)
			return reject(err, FG_ERR_CORRUPT,
						  "The key of stratum %u is %u bytes long; the limit is %d.",
						  i, key_len, FG_MODEL_MAX_KEY_LEN);
		if (key_type == FG_KEY_INT && key_len != INT_KEY_LEN)
			return reject(err, FG_ERR_CORRUPT,
						  "Stratum %u has an integer key of %u bytes; integer keys are %d bytes.",
						  i, key_len, INT_KEY_LEN);
		if (fg_le_left(r) < (size_t) key_len + STRATUM_FIXED_SIZE - 4)
			return reject(err, FG_ERR_CORRUPT,
						  "The model ends inside stratum %u.", i);
		(void) fg_le_take(r, (size_t) key_len + STRATUM_FIXED_SIZE - 4);
		key_bytes += key_len;
	}
	m->n_strata = n_strata;
	/*
	 * key_offsets always has n_strata + 1 entries, so that even a model
	 * without strata has key_offsets[n_strata] == 0 to read.
	 */
	ALLOC_OR_FAIL(m->key_offsets, ((size_t) n_strata + 1) * sizeof(uint64_t));
	if (n_strata > 0)
	{
		ALLOC_OR_FAIL(m->b, (size_t) n_strata * sizeof(double));
		ALLOC_OR_FAIL(m->stratum_rows, (size_t) n_strata * sizeof(uint64_t));
		ALLOC_OR_FAIL(m->keys, (size_t) key_bytes);
	}
	r->pos = strata_pos;
	key_bytes = 0;
	for (uint32_t i = 0; i < n_strata; i++)
	{
		uint32_t	key_len = fg_le_get_u32(r);
		const uint8_t *key = fg_le_take(r, key_len);

		if (key == NULL)
			break;				/* cannot happen after the first pass */
		m->key_offsets[i] = key_bytes;
		if (key_len > 0)
			memcpy(m->keys + key_bytes, key, key_len);
		key_bytes += key_len;
		m->b[i] = fg_le_get_f64(r);
		m->stratum_rows[i] = fg_le_get_u64(r);
	}
	m->key_offsets[n_strata] = key_bytes;
	return FG_OK;
}

/*
 * The fit statistics up to the selection counts, which both versions share;
 * after them, at least after bytes must remain.
 */
static fg_status
decode_statistics(const fg_env *env, fg_le_reader *r, fg_model *m, size_t after, fg_error *err)
{
	uint8_t		stop_reason;
	bool		has_selected = false;
	uint32_t	p = (uint32_t) m->p;

	if (fg_le_left(r) < STATS_SIZE + after)
		return reject(err, FG_ERR_CORRUPT,
					  "The model ends inside its fit statistics.");
	m->iterations = fg_le_get_i32(r);
	TRY(get_bool(r, &m->converged, "converged", err));
	m->grad_norm = fg_le_get_f64(r);
	m->objective = fg_le_get_f64(r);
	m->multiplier = fg_le_get_f64(r);
	m->train_accuracy = fg_le_get_f64(r);
	m->train_di = fg_le_get_f64(r);
	m->train_cov = fg_le_get_f64(r);
	m->q = fg_le_get_f64(r);
	m->steps = fg_le_get_i32(r);
	stop_reason = fg_le_get_u8(r);
	if (stop_reason > FG_STOP_MAX_STEPS)
		return reject(err, FG_ERR_CORRUPT,
					  "Stop reason code %u is not known.", stop_reason);
	m->stop_reason = (fg_stop_reason) stop_reason;
	m->bic = fg_le_get_f64(r);
	TRY(get_bool(r, &has_selected, "has_selected", err));
	if (has_selected)
	{
		if (fg_le_left(r) < (size_t) 4 * p + after)
			return reject(err, FG_ERR_CORRUPT,
						  "The model ends inside its selection counts.");
		ALLOC_OR_FAIL(m->selected, (size_t) p * sizeof(uint32_t));
		for (uint32_t j = 0; j < p; j++)
			m->selected[j] = fg_le_get_u32(r);
	}
	return FG_OK;
}

static fg_status
decode_end(fg_le_reader *r, fg_error *err)
{
	if (r->overrun)
		return reject(err, FG_ERR_CORRUPT, "The model ends before its last field.");
	if (fg_le_left(r) > 0)
		return reject(err, FG_ERR_CORRUPT,
					  "The model has %zu unexpected bytes after its last field.",
					  fg_le_left(r));
	return FG_OK;
}

/*
 * Parse a version-1 body (between header and checksum) into *m.  On failure,
 * whatever was allocated so far is still reachable from *m for the caller to
 * release.  The checks and messages are those of fairglmm 1.0.
 */
static fg_status
decode_body_v1(const fg_env *env, fg_le_reader *r, fg_model *m, fg_error *err)
{
	if (fg_le_left(r) < V1_OPTIONS_SIZE + COUNTS_SIZE + 8 + V1_TAIL_SIZE)
		return reject(err, FG_ERR_CORRUPT,
					  "The model body is %zu bytes, shorter than the %d bytes of the smallest model.",
					  fg_le_left(r), V1_OPTIONS_SIZE + COUNTS_SIZE + 8 + V1_TAIL_SIZE);
	/* 1.0 stored no inference */
	m->vcov_type = FG_VCOV_NONE;
	m->loglik = m->null_loglik = m->edf = m->target_reached = NAN;
	m->sigma2 = m->rmse = m->r2 = m->threshold_gap = m->parity_ks = NAN;
	TRY(decode_v1_options(r, m, err));
	m->opt.vcov = FG_VCOV_NONE;
	TRY(decode_fit(env, r, m, V1_TAIL_SIZE, err));
	TRY(decode_statistics(env, r, m, V1_BOOST_OPTIONS_SIZE, err));
	m->opt.q0 = fg_le_get_f64(r);
	m->opt.tol_q = fg_le_get_f64(r);
	m->opt.max_steps = fg_le_get_i32(r);
	m->opt.nu = fg_le_get_f64(r);
	m->opt.probes = fg_le_get_i32(r);
	m->opt.seed = fg_le_get_u64(r);
	TRY(get_bool(r, &m->opt.exact_trace, "exact_trace", err));
	TRY(decode_end(r, err));
	return check_model(m, FG_ERR_CORRUPT, err);
}

/*
 * The fairness part of version 2.  Counts are bounded by their limits and by
 * the bytes left before anything is allocated from them; the labels of an
 * attribute are framed in a first pass that allocates nothing.
 */
static fg_status
decode_fairness(const fg_env *env, fg_le_reader *r, fg_model *m, fg_error *err)
{
	uint32_t	n_attr;

	TRY(get_bool(r, &m->weighted, "weighted", err));
	m->weight_sum = fg_le_get_f64(r);
	n_attr = fg_le_get_u32(r);
	if (n_attr > FG_MAX_ATTRIBUTES)
		return reject(err, FG_ERR_CORRUPT, "The model has %u sensitive attributes; the limit is %d.",
					  n_attr, FG_MAX_ATTRIBUTES);
	if ((uint64_t) n_attr * 5 + 8 > fg_le_left(r))
		return reject(err, FG_ERR_CORRUPT, "The model ends inside its sensitive attributes.");
	if (n_attr > 0)
		ALLOC_OR_FAIL(m->attrs, (size_t) n_attr * sizeof(fg_model_attr));
	for (uint32_t k = 0; k < n_attr; k++)
	{
		fg_model_attr *a = &m->attrs[k];
		uint8_t		key_type = fg_le_get_u8(r);
		uint32_t	n_cats = fg_le_get_u32(r);
		size_t		pos;
		uint64_t	bytes = 0;

		m->n_attr = k + 1;		/* what is allocated can be released */
		a->key_type = (fg_key_type) key_type;
		if (r->overrun)
			return reject(err, FG_ERR_CORRUPT, "The model ends inside sensitive attribute %u.", k + 1);
		if (n_cats < 1 || n_cats > FG_MAX_CATEGORIES)
			return reject(err, FG_ERR_CORRUPT,
						  "Sensitive attribute %u has %u categories; it must have 1 to %d.",
						  k + 1, n_cats, FG_MAX_CATEGORIES);
		if ((uint64_t) n_cats * 4 > fg_le_left(r))
			return reject(err, FG_ERR_CORRUPT, "The model ends inside sensitive attribute %u.", k + 1);
		pos = r->pos;
		for (uint32_t i = 0; i < n_cats; i++)
		{
			uint32_t	n = fg_le_get_u32(r);

			if (r->overrun || n > FG_MODEL_MAX_KEY_LEN || fg_le_take(r, n) == NULL)
				return reject(err, FG_ERR_CORRUPT,
							  "Category %u of sensitive attribute %u has a label of invalid length.",
							  i + 1, k + 1);
			bytes += n;
		}
		ALLOC_OR_FAIL(a->key_offsets, ((size_t) n_cats + 1) * sizeof(uint64_t));
		if (bytes > 0)
			ALLOC_OR_FAIL(a->keys, (size_t) bytes);
		a->n_cats = n_cats;
		r->pos = pos;
		bytes = 0;
		for (uint32_t i = 0; i < n_cats; i++)
		{
			uint32_t	n = fg_le_get_u32(r);
			const uint8_t *key = fg_le_take(r, n);

			a->key_offsets[i] = bytes;
			if (n > 0 && key != NULL)
				memcpy(a->keys + bytes, key, n);
			bytes += n;
		}
		a->key_offsets[n_cats] = bytes;
	}

	m->n_terms = fg_le_get_u32(r);
	if (r->overrun)
		return reject(err, FG_ERR_CORRUPT, "The model ends before its fairness terms.");
	if (m->n_terms > FG_MAX_TERMS)
		return reject(err, FG_ERR_CORRUPT, "The model has %u fairness terms; the limit is %d.",
					  m->n_terms, FG_MAX_TERMS);
	if ((uint64_t) m->n_terms * TERM_SIZE + 4 > fg_le_left(r))
		return reject(err, FG_ERR_CORRUPT, "The model ends inside its fairness terms.");
	if (m->n_terms > 0)
		ALLOC_OR_FAIL(m->terms, (size_t) m->n_terms * sizeof(fg_term_fit));
	for (uint32_t t = 0; t < m->n_terms; t++)
	{
		fg_term_fit *term = &m->terms[t];

		term->attr = fg_le_get_u32(r);
		term->category = fg_le_get_u32(r);
		term->outcome = (int8_t) fg_le_get_u8(r);
		term->weight = fg_le_get_f64(r);
		term->share = fg_le_get_f64(r);
		term->cov = fg_le_get_f64(r);
		term->bound = fg_le_get_f64(r);
		term->multiplier = fg_le_get_f64(r);
	}
	m->n_attr_di = fg_le_get_u32(r);
	if (r->overrun)
		return reject(err, FG_ERR_CORRUPT, "The model ends before its disparate impacts.");
	if (m->n_attr_di > FG_MAX_ATTRIBUTES)
		return reject(err, FG_ERR_CORRUPT,
					  "The model has disparate impacts for %u attributes; the limit is %d.",
					  m->n_attr_di, FG_MAX_ATTRIBUTES);
	if ((uint64_t) m->n_attr_di * 8 > fg_le_left(r))
		return reject(err, FG_ERR_CORRUPT, "The model ends inside its disparate impacts.");
	if (m->n_attr_di > 0)
		ALLOC_OR_FAIL(m->attr_di, (size_t) m->n_attr_di * sizeof(double));
	for (uint32_t k = 0; k < m->n_attr_di; k++)
		m->attr_di[k] = fg_le_get_f64(r);
	return FG_OK;
}

/* The inference part of a version-2 body (checked by check_inference). */
static fg_status
decode_inference(const fg_env *env, fg_le_reader *r, fg_model *m, fg_error *err)
{
	size_t		kk = (size_t) (m->p + 1) * (size_t) (m->p + 1);
	bool		has_vcov = false,
				has_b_se = false;
	uint8_t		vlen;

	if (fg_le_left(r) < INFERENCE_SIZE + CONTINUOUS_SIZE)
		return reject(err, FG_ERR_CORRUPT, "The model ends before its standard errors.");
	m->vcov_type = fg_le_get_u8(r);
	TRY(get_bool(r, &has_vcov, "has_vcov", err));
	if (has_vcov)
	{
		if ((uint64_t) kk * 8 + INFERENCE_SIZE - 2 + CONTINUOUS_SIZE > fg_le_left(r))
			return reject(err, FG_ERR_CORRUPT, "The model ends inside its covariance matrix.");
		ALLOC_OR_FAIL(m->vcov, kk * sizeof(double));
		for (size_t i = 0; i < kk; i++)
			m->vcov[i] = fg_le_get_f64(r);
	}
	TRY(get_bool(r, &has_b_se, "has_b_se", err));
	if (has_b_se && m->n_strata == 0)
		return reject(err, FG_ERR_CORRUPT,
					  "The model has random-intercept standard errors without strata.");
	if (has_b_se)
	{
		if ((uint64_t) m->n_strata * 8 + INFERENCE_SIZE - 3 + CONTINUOUS_SIZE > fg_le_left(r))
			return reject(err, FG_ERR_CORRUPT, "The model ends inside its random-intercept standard errors.");
		if (m->n_strata > 0)
			ALLOC_OR_FAIL(m->b_se, (size_t) m->n_strata * sizeof(double));
		for (uint32_t i = 0; i < m->n_strata; i++)
			m->b_se[i] = fg_le_get_f64(r);
	}
	if (fg_le_left(r) < INFERENCE_SIZE - 3 + CONTINUOUS_SIZE)
		return reject(err, FG_ERR_CORRUPT, "The model ends inside its likelihoods.");
	m->loglik = fg_le_get_f64(r);
	m->null_loglik = fg_le_get_f64(r);
	m->edf = fg_le_get_f64(r);
	m->target_reached = fg_le_get_f64(r);
	m->created_at = (int64_t) fg_le_get_u64(r);
	vlen = fg_le_get_u8(r);
	if (vlen > FG_MODEL_MAX_VERSION_LEN)
		return reject(err, FG_ERR_CORRUPT, "The extension version is %u bytes; at most %d fit.",
					  vlen, FG_MODEL_MAX_VERSION_LEN);
	if ((size_t) vlen + CONTINUOUS_SIZE > fg_le_left(r))
		return reject(err, FG_ERR_CORRUPT, "The model ends inside its extension version.");
	{
		const uint8_t *v = fg_le_take(r, vlen);

		if (v != NULL && vlen > 0 && memchr(v, 0, vlen) != NULL)
			return reject(err, FG_ERR_CORRUPT, "The extension version has a zero byte.");
		if (v != NULL && vlen > 0)
			memcpy(m->ext_version, v, vlen);
		m->ext_version[vlen] = '\0';
	}
	if (r->overrun)
		return reject(err, FG_ERR_CORRUPT, "The model ends inside its inference part.");

	/* continuous */
	if (fg_le_left(r) < CONTINUOUS_SIZE)
		return reject(err, FG_ERR_CORRUPT, "The model ends before its continuous-outcome part.");
	m->sigma2 = fg_le_get_f64(r);
	m->rmse = fg_le_get_f64(r);
	m->r2 = fg_le_get_f64(r);
	m->sweeps = (int32_t) fg_le_get_u32(r);
	m->threshold_gap = fg_le_get_f64(r);
	m->parity_ks = fg_le_get_f64(r);
	m->n_thresholds = fg_le_get_u32(r);
	if (m->n_thresholds > FG_MAX_THRESHOLDS)
		return reject(err, FG_ERR_CORRUPT, "The model has %u thresholds; at most %d fit.",
					  m->n_thresholds, FG_MAX_THRESHOLDS);
	if ((uint64_t) m->n_thresholds * 8 > fg_le_left(r))
		return reject(err, FG_ERR_CORRUPT, "The model ends inside its thresholds.");
	if (m->n_thresholds > 0)
		ALLOC_OR_FAIL(m->thresholds, (size_t) m->n_thresholds * sizeof(double));
	for (uint32_t j = 0; j < m->n_thresholds; j++)
		m->thresholds[j] = fg_le_get_f64(r);
	return r->overrun ? reject(err, FG_ERR_CORRUPT, "The model ends inside its continuous-outcome part.") : FG_OK;
}

/* The same for a version-2 body, with the checks version 2 adds. */
static fg_status
decode_body_v2(const fg_env *env, fg_le_reader *r, fg_model *m, fg_error *err)
{
	size_t		options_size = fg_options_block_size();
	char		why[300];

	if (fg_le_left(r) < options_size + COUNTS_SIZE + 8 + STATS_SIZE + SEPARATION_SIZE + FAIRNESS_SIZE)
		return reject(err, FG_ERR_CORRUPT,
					  "The model body is %zu bytes, shorter than the %zu bytes of the smallest model.",
					  fg_le_left(r),
					  options_size + COUNTS_SIZE + 8 + STATS_SIZE + SEPARATION_SIZE + FAIRNESS_SIZE);
	if (fg_options_block_read(r, &m->opt, why, sizeof(why)) != FG_OK)
		return reject(err, FG_ERR_CORRUPT, "%s", why);
	m->has_c = !isnan(m->opt.c);

	TRY(decode_fit(env, r, m, STATS_SIZE + SEPARATION_SIZE + FAIRNESS_SIZE, err));
	TRY(decode_statistics(env, r, m, SEPARATION_SIZE + FAIRNESS_SIZE, err));

	m->separated_rows = fg_le_get_u64(r);
	m->n_unidentified = fg_le_get_u32(r);
	if ((uint64_t) m->n_unidentified > (uint64_t) m->p + 1)
		return reject(err, FG_ERR_CORRUPT,
					  "The model lists %u unidentified terms but has only %d.",
					  m->n_unidentified, m->p + 1);
	if (fg_le_left(r) < (size_t) 4 * m->n_unidentified + FAIRNESS_SIZE + INFERENCE_SIZE + CONTINUOUS_SIZE)
		return reject(err, FG_ERR_CORRUPT,
					  "The model ends inside its list of unidentified terms.");
	if (m->n_unidentified > 0)
	{
		ALLOC_OR_FAIL(m->unidentified, (size_t) m->n_unidentified * sizeof(uint32_t));
		for (uint32_t k = 0; k < m->n_unidentified; k++)
			m->unidentified[k] = fg_le_get_u32(r);
	}
	TRY(decode_fairness(env, r, m, err));
	TRY(decode_inference(env, r, m, err));
	TRY(decode_end(r, err));
	TRY(check_model(m, FG_ERR_CORRUPT, err));
	return check_model_v2(m, FG_ERR_CORRUPT, err);
}

fg_status
fg_model_decode(const fg_env *env, const uint8_t *bytes, size_t len,
				fg_model *model, fg_error *err)
{
	uint32_t	magic;
	uint16_t	version;
	uint16_t	bom;
	uint32_t	flags;
	uint64_t	total;
	uint32_t	stored_crc;
	uint32_t	actual_crc;
	fg_le_reader r;
	fg_status	status;

	memset(model, 0, sizeof(*model));

	if (bytes == NULL || len < HEADER_SIZE + TRAILER_SIZE)
		return reject(err, FG_ERR_CORRUPT,
					  "The value is %zu bytes long, shorter than the %d-byte header and checksum of a model.",
					  bytes == NULL ? (size_t) 0 : len, HEADER_SIZE + TRAILER_SIZE);

	magic = (uint32_t) fg_le_load(bytes, 4);
	if (magic != FG_MODEL_MAGIC)
		return reject(err, FG_ERR_CORRUPT,
					  "The value starts with magic number 0x%08X, not 0x%08X.",
					  magic, FG_MODEL_MAGIC);

	/* read the version as stored so a newer one is named, not misparsed */
	version = (uint16_t) fg_le_load(bytes + 4, 2);
	if (version != FG_MODEL_VERSION && version != FG_MODEL_VERSION_1)
		return reject(err, FG_ERR_CORRUPT,
					  "Format version %u is not supported; this build reads versions %d and %d.",
					  version, FG_MODEL_VERSION_1, FG_MODEL_VERSION);

	bom = (uint16_t) fg_le_load(bytes + 6, 2);
	if (bom == 0xFFFE)
		return reject(err, FG_ERR_CORRUPT,
					  "The byte order mark is swapped: the model was written in the wrong byte order.");
	if (bom != BYTE_ORDER_MARK)
		return reject(err, FG_ERR_CORRUPT,
					  "The byte order mark is 0x%04X, not 0x%04X.", bom, BYTE_ORDER_MARK);

	flags = (uint32_t) fg_le_load(bytes + 8, 4);
	if (flags != 0)
		return reject(err, FG_ERR_CORRUPT,
					  "The reserved flags are 0x%08X; this build reads only models with flags 0.",
					  flags);

	total = fg_le_load(bytes + 12, 8);
	if (total > len)
		return reject(err, FG_ERR_CORRUPT,
					  "The model is truncated: its header says %llu bytes, but only %zu are present.",
					  (unsigned long long) total, len);
	if (total < len)
		return reject(err, FG_ERR_CORRUPT,
					  "The model has trailing data: its header says %llu bytes, but %zu are present.",
					  (unsigned long long) total, len);

	stored_crc = (uint32_t) fg_le_load(bytes + len - TRAILER_SIZE, 4);
	actual_crc = fg_crc32c(0, bytes, len - TRAILER_SIZE);
	if (stored_crc != actual_crc)
		return reject(err, FG_ERR_CORRUPT,
					  "The checksum does not match: stored 0x%08X, computed 0x%08X.",
					  stored_crc, actual_crc);

	fg_le_reader_init(&r, bytes + HEADER_SIZE, len - HEADER_SIZE - TRAILER_SIZE);
	model->format_version = version;
	if (version == FG_MODEL_VERSION_1)
		status = decode_body_v1(env, &r, model, err);
	else
		status = decode_body_v2(env, &r, model, err);
	if (status != FG_OK)
		fg_model_release(env, model);
	return status;
}
