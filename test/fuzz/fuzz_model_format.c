/*
 * fuzz_model_format.c -- fuzzes fg_model_decode, the decoder of the bytea
 * models that every scoring and introspection function accepts from users.
 *
 * Each input is decoded twice: as it is, which exercises the header and
 * checksum checks, and "resealed" (the header's total length and the CRC-32C
 * rewritten to match), so that mutations reach the body parser instead of
 * dying at the checksum.  What the decoder promises, and this harness checks:
 *
 *   - it never reads outside the input or misuses memory (ASan, UBSan);
 *   - it fails only with FG_ERR_CORRUPT and a complete message;
 *   - it releases everything on failure, and fg_model_release everything on
 *     success (the counting allocator is back at zero);
 *   - no allocation is out of proportion to the input: counts are checked
 *     against the bytes present before anything is sized from them;
 *   - an accepted model of version 2 is canonical: encoding it again gives
 *     the same bytes; one of version 1 (which the encoder no longer writes)
 *     either encodes to version 2 bytes that decode to the same model, or
 *     is refused as invalid by the encoder (version 1 stored options
 *     unchecked);
 *   - the list of unidentified terms is strictly increasing and in range;
 *   - a covariance is there exactly when its type is not "none", finite,
 *     symmetric with a non-negative diagonal; random-intercept standard
 *     errors only with strata and a covariance; the version printable;
 *   - every stratum of an accepted model is found at its own index;
 *   - when allocation number k fails, the decoder returns FG_ERR_NOMEM and
 *     leaks nothing.
 */
#include "fuzz.h"
#include "model_format.h"
#include "options.h"
#include "../find_stratum.h"
#include "../le_bytes.h"
#include "../model_v1.h"
#include "../splitmix.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* byte offsets of a few body fields of version 2, for the near-valid seeds */
#define OFF_OPTIONS		20
#define OFF_METHOD		30
#define OFF_P			550
#define OFF_N_STRATA	554
#define OFF_KEY_TYPE	558
#define OFF_HAS_NAMES	559
#define OFF_INTERCEPT	560
#define OFF_BETA		568
/* the same in version 1 */
#define V1_OFF_HAS_C	65
#define V1_OFF_P		82
#define V1_OFF_N_STRATA	86
/*
 * The statistics after the strata: iterations, converged, 6 statistics, q,
 * steps, stop_reason, bic, has_selected, then the selection counts (4 p
 * bytes, when present); then the separation report (separated_rows,
 * n_unidentified, 4 bytes per term).
 */
#define STATS_SIZE			(4 + 1 + 6 * 8 + 8 + 4 + 1 + 8 + 1)
#define SEPARATION_SIZE		(8 + 4)
#define OFF_TAIL_STOP		(4 + 1 + 6 * 8 + 8 + 4)

/* The decoder's allocations are bounded by the input size; this is generous. */
#define ALLOC_BOUND(len)	(4 * (len) + 1024)

/* Make the header's length and the checksum agree with the bytes. */
static void
check_error(const fg_error *err, fg_status st, fg_status expected)
{
	size_t		n;

	if (st != expected)
		fuzz_die("decoder returned status %d, expected %d (%s: %s)",
				 (int) st, (int) expected, err->message, err->detail);
	if (err->status != st)
		fuzz_die("error status %d differs from the returned %d", (int) err->status, (int) st);
	if (err->message[0] == '\0')
		fuzz_die("an error without a message");
	n = strlen(err->detail);
	if (n == 0 || err->detail[n - 1] != '.')
		fuzz_die("error detail is not a full sentence: \"%s\"", err->detail);
	if (st == FG_ERR_CORRUPT && strcmp(err->message, "invalid fairglmm model") != 0)
		fuzz_die("unexpected message for corrupt bytes: \"%s\"", err->message);
}

/* Use what an accepted model offers, the way the SQL layer does. */
static void
exercise(const fg_model *m, const uint8_t *bytes, size_t len)
{
	uint8_t    *again;
	size_t		again_len;
	fg_error	err;
	fg_status	st;
	double	   *zeros;

	for (uint32_t i = 0; i < m->n_strata; i++)
	{
		uint64_t	start = m->key_offsets[i];
		size_t		key_len = (size_t) (m->key_offsets[i + 1] - start);
		int64_t		found = find_stratum(m, m->keys == NULL ? NULL : m->keys + start,
												  key_len);

		if (found != (int64_t) i)
			fuzz_die("stratum %u found at index %lld", i, (long long) found);
	}
	if (m->feature_names != NULL)
		for (int j = 0; j < m->p; j++)
			if (strlen(m->feature_names[j]) > FG_MODEL_MAX_NAME_LEN)
				fuzz_die("feature name %d is longer than the limit", j);
	for (uint32_t k = 0; k < m->n_unidentified; k++)
		if ((int64_t) m->unidentified[k] > m->p || (k > 0 && m->unidentified[k] <= m->unidentified[k - 1]))
			fuzz_die("unidentified term %u is %u with p = %d", k, m->unidentified[k], m->p);
	if (m->format_version == FG_MODEL_VERSION_1 && (m->n_unidentified > 0 || m->opt.l2 != 0))
		fuzz_die("a version-1 model with fields version 1 does not have");
	if ((m->vcov != NULL) != (m->vcov_type != FG_VCOV_NONE) ||
		(m->b_se != NULL && (m->vcov == NULL || m->n_strata == 0)))
		fuzz_die("covariance type %d with a matrix %d and standard errors %d",
				 m->vcov_type, m->vcov != NULL, m->b_se != NULL);
	if (m->format_version == FG_MODEL_VERSION_1 &&
		(m->vcov_type != FG_VCOV_NONE || !isnan(m->loglik) || m->created_at != 0 || m->ext_version[0] != '\0'))
		fuzz_die("a version-1 model with an inference part");
	for (int i = 0; m->vcov != NULL && i <= m->p; i++)
	{
		double		d = m->vcov[(size_t) i * (m->p + 1) + i];

		if (!(d >= 0.0) || !isfinite(d))
			fuzz_die("variance %d is %g", i, d);
		for (int j = 0; j < i; j++)
			if (m->vcov[(size_t) i * (m->p + 1) + j] != m->vcov[(size_t) j * (m->p + 1) + i])
				fuzz_die("the covariance is not symmetric at (%d, %d)", i, j);
	}
	for (uint32_t i = 0; m->b_se != NULL && i < m->n_strata; i++)
		if (!(m->b_se[i] >= 0.0) || !isfinite(m->b_se[i]))
			fuzz_die("random-intercept standard error %u is %g", i, m->b_se[i]);
	if (strlen(m->ext_version) > FG_MODEL_MAX_VERSION_LEN)
		fuzz_die("a version of %zu bytes", strlen(m->ext_version));
	for (const char *v = m->ext_version; *v != '\0'; v++)
		if (*v < 0x20 || *v > 0x7e)
			fuzz_die("an unprintable version byte 0x%02x", (unsigned) (uint8_t) *v);

	zeros = calloc((size_t) m->p + 1, sizeof(double));
	if (zeros == NULL)
		fuzz_die("out of memory in the harness");
	(void) fg_model_eta(m, zeros, -1);
	if (m->n_strata > 0)
	{
		(void) fg_model_eta(m, zeros, 0);
		(void) fg_model_eta(m, zeros, (int64_t) m->n_strata - 1);
	}
	free(zeros);

	st = fg_model_encode(&fuzz_env, m, &again, &again_len, &err);
	if (m->format_version == FG_MODEL_VERSION_1)
	{
		fg_model	back;

		/*
		 * Version 1 held whatever 1.0 stored, unchecked; the encoder writes
		 * version 2 and may refuse such a model.  What it does write must
		 * decode to the same model.
		 */
		if (st != FG_OK)
		{
			if (st != FG_ERR_INVALID)
				fuzz_die("re-encoding a version-1 model failed with status %d", (int) st);
			return;
		}
		st = fg_model_decode(&fuzz_env, again, again_len, &back, &err);
		if (st != FG_OK)
			fuzz_die("a version-1 model re-encoded does not decode: %s", err.detail);
		if (back.format_version != FG_MODEL_VERSION || !models_identical(m, &back))
			fuzz_die("a version-1 model re-encoded decodes to another model");
		fg_model_release(&fuzz_env, &back);
		fuzz_env.release(fuzz_env.ctx, again);
		return;
	}
	if (m->format_version != FG_MODEL_VERSION)
		fuzz_die("accepted a model of format version %d", m->format_version);
	if (st != FG_OK)
		fuzz_die("an accepted model does not encode: %s: %s", err.message, err.detail);
	if (again_len != len || memcmp(again, bytes, len) != 0)
		fuzz_die("an accepted model encodes to other bytes (%zu, not %zu)", again_len, len);
	fuzz_env.release(fuzz_env.ctx, again);
}

void
fuzz_decode(const uint8_t *bytes, size_t len)
{
	fg_model	m;
	fg_error	err;
	fg_status	st;
	long		allocs;

	fuzz_env_reset(-1);
	memset(&err, 0, sizeof(err));
	st = fg_model_decode(&fuzz_env, bytes, len, &m, &err);
	allocs = fuzz_env_count();
	if (fuzz_env_largest() > ALLOC_BOUND(len))
		fuzz_die("allocation of %zu bytes for a %zu-byte input", fuzz_env_largest(), len);
	if (st != FG_OK)
	{
		check_error(&err, st, FG_ERR_CORRUPT);
		if (fuzz_env_live() != 0)
			fuzz_die("%ld allocations leaked by a failed decode", fuzz_env_live());
		return;
	}

	exercise(&m, bytes, len);
	fg_model_release(&fuzz_env, &m);
	if (fuzz_env_live() != 0)
		fuzz_die("%ld allocations leaked by decode + release", fuzz_env_live());

	/*
	 * Fail each allocation in turn (the first and last few when there are
	 * many): the decoder must report NOMEM and free what it had.
	 */
	for (long k = 0; k < allocs; k++)
	{
		if (allocs > 24 && k == 16)
			k = allocs - 8;
		fuzz_env_reset(k);
		memset(&err, 0, sizeof(err));
		st = fg_model_decode(&fuzz_env, bytes, len, &m, &err);
		if (st != FG_ERR_NOMEM)
			fuzz_die("allocation %ld of %ld failed but the decoder returned %d",
					 k, allocs, (int) st);
		if (fuzz_env_live() != 0)
			fuzz_die("%ld allocations leaked after allocation %ld failed",
					 fuzz_env_live(), k);
	}
}

/* ---------- seeds ---------- */

static uint64_t rng_state = 20240515;

typedef struct seed_spec
{
	const char *name;
	fg_method	method;
	int			p;
	uint32_t	n_strata;
	fg_key_type key_type;
	bool		names;
	bool		selected;
	bool		has_c;
	int			key_len;		/* text keys: 0 = varied short keys */
	int			name_len;		/* 0 = short names */
	uint32_t	unidentified;	/* terms 0 .. this - 1 are not identified (separation) */
} seed_spec;

static const seed_spec specs[] = {
	{"lr_p0", FG_METHOD_LR, 0, 0, FG_KEY_NONE, false, false, false, 0, 0, 0},
	{"lr_p3", FG_METHOD_LR, 3, 0, FG_KEY_NONE, false, false, false, 0, 0, 2},
	{"fair_lr_c_names", FG_METHOD_FAIR_LR, 3, 0, FG_KEY_NONE, true, false, true, 0, 0, 0},
	{"crlr_int", FG_METHOD_CRLR, 3, 6, FG_KEY_INT, false, false, false, 0, 0, 4},
	{"fair_crlr_text_names", FG_METHOD_FAIR_CRLR, 2, 5, FG_KEY_TEXT, true, false, false, 0, 0, 1},
	{"fair_crlr_c_int", FG_METHOD_FAIR_CRLR, 1, 3, FG_KEY_INT, false, false, true, 0, 0, 0},
	{"fair_glmm_selected", FG_METHOD_FAIR_GLMM, 4, 3, FG_KEY_INT, true, true, false, 0, 0, 0},
	{"glmm_text", FG_METHOD_GLMM, 2, 2, FG_KEY_TEXT, false, true, false, 0, 0, 3},
	{"long_key", FG_METHOD_CRLR, 1, 1, FG_KEY_TEXT, false, false, false, FG_MODEL_MAX_KEY_LEN, 0, 0},
	{"long_name", FG_METHOD_LR, 1, 0, FG_KEY_NONE, true, false, false, 0, FG_MODEL_MAX_NAME_LEN, 0},
	{"many_strata", FG_METHOD_CRLR, 2, 40, FG_KEY_INT, false, false, false, 0, 0, 0},
};

/* Build the model of a spec with calloc'd arrays (freed by the caller). */
static void add_attributes(fg_model *m);

static fg_model
build_model(const seed_spec *sp, fg_vcov_type vcov_type)
{
	fg_model	m;
	uint64_t	off = 0;

	memset(&m, 0, sizeof(m));
	fg_options_default(&m.opt);
	m.opt.method = sp->method;
	m.opt.rho = fg_method_is_fair(sp->method) && !sp->has_c ? 0.8 : 0.0;
	m.opt.lambda = fg_method_uses_strata(sp->method) ? 1.0 : 0.0;
	m.has_c = sp->has_c;
	m.opt.c = sp->has_c ? 0.05 : NAN;
	m.rows_used = 1000 + splitmix_next(&rng_state) % 100000;
	m.rows_skipped = splitmix_next(&rng_state) % 7;
	m.p = sp->p;
	m.n_strata = sp->n_strata;
	m.key_type = sp->key_type;
	m.intercept = splitmix_signed_unit(&rng_state);
	m.beta = calloc((size_t) sp->p + 1, sizeof(double));
	for (int j = 0; j < sp->p; j++)
		m.beta[j] = 3 * splitmix_signed_unit(&rng_state);
	if (sp->names)
	{
		m.feature_names = calloc((size_t) sp->p + 1, sizeof(char *));
		for (int j = 0; j < sp->p; j++)
		{
			int			len = sp->name_len > 0 ? sp->name_len : 12;

			m.feature_names[j] = calloc((size_t) len + 1, 1);
			if (sp->name_len > 0)
				memset(m.feature_names[j], 'n', (size_t) len);
			else
				snprintf(m.feature_names[j], (size_t) len + 1, "feat_%d\xc3\xa9", j);
		}
	}
	if (sp->n_strata > 0)
	{
		size_t		room = (size_t) sp->n_strata * (sp->key_len > 0 ? sp->key_len : 16);

		m.b = calloc(sp->n_strata, sizeof(double));
		m.stratum_rows = calloc(sp->n_strata, sizeof(uint64_t));
		m.key_offsets = calloc((size_t) sp->n_strata + 1, sizeof(uint64_t));
		m.keys = calloc(room + 1, 1);
		for (uint32_t i = 0; i < sp->n_strata; i++)
		{
			m.b[i] = splitmix_signed_unit(&rng_state);
			m.stratum_rows[i] = 1 + splitmix_next(&rng_state) % 500;
			m.key_offsets[i] = off;
			if (sp->key_type == FG_KEY_INT)
			{
				/* increasing, spread over the int64 range, negatives included */
				int64_t		v = (int64_t) i * 1000003 - 20;

				if (i == sp->n_strata - 1 && i > 0)
					v = INT64_MAX;
				fg_key_from_int64(i == 0 ? INT64_MIN : v, m.keys + off);
				off += 8;
			}
			else if (sp->key_len > 0)
			{
				memset(m.keys + off, 'k', (size_t) sp->key_len);
				off += (uint64_t) sp->key_len;
			}
			else
			{
				/* "" < "a" < "b\xc3\xa9" < "c..." : sorted by bytes */
				int			len = (int) i;

				if (i > 0)
				{
					m.keys[off] = (uint8_t) ('a' + i - 1);
					for (int c = 1; c < len; c++)
						m.keys[off + c] = (uint8_t) ('0' + c);
				}
				off += (uint64_t) len;
			}
		}
		m.key_offsets[sp->n_strata] = off;
	}
	m.iterations = 7;
	m.converged = true;
	m.grad_norm = 1e-13;
	m.objective = 612.5;
	m.multiplier = sp->has_c ? 3.25 : 0.0;
	m.train_accuracy = 0.75;
	m.train_di = sp->n_strata == 2 ? NAN : 0.6;	/* NaN is a valid statistic */
	m.train_cov = 0.01;
	if (sp->method == FG_METHOD_GLMM || sp->method == FG_METHOD_FAIR_GLMM)
	{
		m.opt.nu = 0.1;
		m.opt.max_steps = 500;
		m.opt.seed = 987654321;
		m.opt.exact_trace = sp->method == FG_METHOD_GLMM;
		m.q = 0.9;
		m.steps = 120;
		m.stop_reason = FG_STOP_MAX_STEPS;
		m.bic = 1234.5;
	}
	if (sp->selected)
	{
		m.selected = calloc((size_t) sp->p + 1, sizeof(uint32_t));
		for (int j = 0; j < sp->p; j++)
			m.selected[j] = (uint32_t) (splitmix_next(&rng_state) % 50);
	}
	if (sp->unidentified > 0)
	{
		m.separated_rows = 1 + splitmix_next(&rng_state) % 100;
		m.n_unidentified = sp->unidentified;
		m.unidentified = calloc(sp->unidentified, sizeof(uint32_t));
		for (uint32_t k = 0; k < sp->unidentified; k++)
			m.unidentified[k] = k;
		m.opt.l2 = 0;
	}
	else
		m.opt.l2 = sp->p > 1 ? 0.01 : 0.0;
	add_attributes(&m);
	/* the inference part: a covariance of the given type, standard errors with strata */
	m.vcov_type = vcov_type;
	m.opt.vcov = vcov_type;
	if (vcov_type != FG_VCOV_NONE)
	{
		size_t		k = (size_t) sp->p + 1;

		m.vcov = calloc(k * k, sizeof(double));
		for (size_t i = 0; i < k; i++)
		{
			m.vcov[i * k + i] = 0.25 + 0.125 * splitmix_signed_unit(&rng_state);
			for (size_t j = 0; j < i; j++)
				m.vcov[i * k + j] = m.vcov[j * k + i] = 0.01 * splitmix_signed_unit(&rng_state);
		}
		if (sp->n_strata > 0)
		{
			m.b_se = calloc(sp->n_strata, sizeof(double));
			for (uint32_t i = 0; i < sp->n_strata; i++)
				m.b_se[i] = 0.5 + 0.25 * splitmix_signed_unit(&rng_state);
		}
	}
	m.loglik = -600.5;
	m.null_loglik = vcov_type == FG_VCOV_NONE ? NAN : -700.25;
	m.edf = sp->p + 1.0;
	m.target_reached = vcov_type == FG_VCOV_MODEL ? 0.8 : NAN;
	m.created_at = INT64_C(1795000000000000) + (int64_t) (splitmix_next(&rng_state) % 1000000);
	snprintf(m.ext_version, sizeof(m.ext_version), "%s", vcov_type == FG_VCOV_ROBUST ? "" : "1.1");
	/* the robust seeds are gaussian fits, so the continuous part varies too */
	m.sigma2 = m.rmse = m.r2 = m.threshold_gap = m.parity_ks = NAN;
	if (vcov_type == FG_VCOV_ROBUST)
	{
		m.opt.family = FG_FAMILY_GAUSSIAN;
		m.sigma2 = 2.25;
		m.rmse = 1.5;
		m.r2 = 0.375;
	}
	return m;
}

/* Bytes of the inference part of m's encoding. */
static size_t
inference_size(const fg_model *m)
{
	return 1 + 1 + 1 + 4 * 8 + 8 + 1 + strlen(m->ext_version) +
		(m->vcov != NULL ? 8 * ((size_t) m->p + 1) * ((size_t) m->p + 1) : 0) +
		(m->b_se != NULL ? 8 * (size_t) m->n_strata : 0);
}

/* the continuous-outcome part: three statistics, sweeps, two disparities, the thresholds */
static size_t
continuous_size(const fg_model *m)
{
	return 3 * 8 + 4 + 2 * 8 + 4 + 8 * (size_t) m->n_thresholds;
}

/* attribute k: n labels, integer keys 10, 20, ... or text "a", "b", ... */
static void
set_attr(fg_model_attr *a, fg_key_type type, uint32_t n)
{
	a->key_type = type;
	a->n_cats = n;
	a->key_offsets = calloc(n + 1, sizeof(uint64_t));
	a->keys = calloc(8 * (size_t) n + 1, 1);
	for (uint32_t i = 0; i < n; i++)
	{
		size_t		len = type == FG_KEY_TEXT ? 1 : 8;

		if (type == FG_KEY_TEXT)
			a->keys[a->key_offsets[i]] = (uint8_t) ('a' + i);
		else
			fg_key_from_int64(type == FG_KEY_BOOL ? (int64_t) i : 10 * (int64_t) i - 5, a->keys + a->key_offsets[i]);
		a->key_offsets[i + 1] = a->key_offsets[i] + len;
	}
}

/*
 * The fairness part: fair methods get an integer attribute of three
 * categories and a text one of two, weights and a term per category (the
 * second attribute bounded); others one boolean attribute and no terms.
 */
static void
add_attributes(fg_model *m)
{
	bool		fair = fg_method_is_fair(m->opt.method);

	m->n_attr = fair ? 2 : 1;
	m->attrs = calloc(m->n_attr, sizeof(fg_model_attr));
	m->n_attr_di = m->n_attr;
	m->attr_di = calloc(m->n_attr, sizeof(double));
	m->weight_sum = (double) m->rows_used;
	if (!fair)
	{
		set_attr(&m->attrs[0], FG_KEY_BOOL, 2);
		m->attr_di[0] = 0.75;
		return;
	}
	set_attr(&m->attrs[0], FG_KEY_INT, 3);
	set_attr(&m->attrs[1], FG_KEY_TEXT, 2);
	m->attr_di[0] = 0.5;
	m->attr_di[1] = NAN;
	m->weighted = true;
	m->weight_sum = 123.5;
	m->n_terms = 4;
	m->terms = calloc(4, sizeof(fg_term_fit));
	for (uint32_t t = 0; t < 4; t++)
	{
		m->terms[t].attr = t < 3 ? 0 : 1;
		m->terms[t].category = t < 3 ? t : 1;
		m->terms[t].outcome = t == 1 ? 1 : t == 2 ? 0 : -1;
		m->terms[t].weight = 100.0 + t;
		m->terms[t].share = 0.25;
		m->terms[t].cov = 0.01 * t - 0.015;
		m->terms[t].bound = t < 3 ? INFINITY : 0.0;
		m->terms[t].multiplier = t < 3 ? 0.0 : 1.5;
	}
}

/* Bytes of the fairness part of m's encoding. */
static size_t
fairness_size(const fg_model *m)
{
	size_t		n = 1 + 8 + 4 + 4 + 4 + (4 + 4 + 1 + 40) * (size_t) m->n_terms + 8 * (size_t) m->n_attr_di;

	for (uint32_t k = 0; k < m->n_attr; k++)
		n += 1 + 4 + 4 * (size_t) m->attrs[k].n_cats + (size_t) m->attrs[k].key_offsets[m->attrs[k].n_cats];
	return n;
}

static void
free_model(fg_model *m)
{
	for (uint32_t k = 0; k < m->n_attr; k++)
	{
		free(m->attrs[k].keys);
		free(m->attrs[k].key_offsets);
	}
	free(m->attrs);
	free(m->terms);
	free(m->attr_di);
	if (m->feature_names != NULL)
		for (int j = 0; j < m->p; j++)
			free(m->feature_names[j]);
	free(m->feature_names);
	free(m->beta);
	free(m->b);
	free(m->stratum_rows);
	free(m->keys);
	free(m->key_offsets);
	free(m->selected);
	free(m->unidentified);
	free(m->vcov);
	free(m->b_se);
}

/* Offsets of the names, the strata and the tail in an encoding of m. */
static void
layout(const fg_model *m, size_t *names, size_t *strata, size_t *tail)
{
	size_t		pos = OFF_BETA + 8 * (size_t) m->p;

	*names = pos;
	if (m->feature_names != NULL)
		for (int j = 0; j < m->p; j++)
			pos += 4 + strlen(m->feature_names[j]);
	*strata = pos;
	for (uint32_t i = 0; i < m->n_strata; i++)
		pos += 4 + (size_t) (m->key_offsets[i + 1] - m->key_offsets[i]) + 16;
	*tail = pos;
}

/* Write a variant: a copy of bytes with a change, optionally resealed. */
static void
variant(const char *dir, const char *base, const char *what,
		const uint8_t *bytes, size_t len, size_t at, const uint8_t *patch, size_t patch_len,
		bool seal)
{
	uint8_t    *v = malloc(len + 1);
	char		name[256];

	memcpy(v, bytes, len);
	if (patch_len > 0 && at + patch_len <= len)
		memcpy(v + at, patch, patch_len);
	if (seal)
		fuzz_reseal(v, len);
	snprintf(name, sizeof(name), "%s-%s", base, what);
	fuzz_seed(dir, name, v, len);
	free(v);
}

static void
u32_variant(const char *dir, const char *base, const char *what,
			const uint8_t *bytes, size_t len, size_t at, uint32_t value)
{
	uint8_t		b[4];

	put_le(b, value, 4);
	variant(dir, base, what, bytes, len, at, b, 4, true);
}

/* Where the value of option name lies in an encoding. */
static size_t
option_value_offset(const uint8_t *buf, const char *name)
{
	size_t		at = options_block_value_offset(buf + OFF_OPTIONS, name);

	if (at == 0)
		fuzz_die("option %s not found in a seed", name);
	return OFF_OPTIONS + at;
}

void
fuzz_write_seeds(const char *dir)
{
	for (size_t s = 0; s < sizeof(specs) / sizeof(specs[0]); s++)
	{
		const seed_spec *sp = &specs[s];
		fg_model	m = build_model(sp, (fg_vcov_type) (s % 3));
		uint8_t    *bytes;
		size_t		len;
		fg_error	err;
		size_t		names,
					strata,
					tail,
					separation,
					fairness,
					inference;
		uint8_t		byte;
		char		what[64];

		if (fg_model_encode(&fuzz_env, &m, &bytes, &len, &err) != FG_OK)
			fuzz_die("seed %s does not encode: %s: %s", sp->name, err.message, err.detail);
		layout(&m, &names, &strata, &tail);
		separation = tail + STATS_SIZE + (m.selected ? 4 * (size_t) m.p : 0);
		fairness = separation + SEPARATION_SIZE + 4 * (size_t) m.n_unidentified;
		inference = fairness + fairness_size(&m);
		if (inference + inference_size(&m) + continuous_size(&m) + TRAILER_SIZE != len)
			fuzz_die("seed %s: layout disagrees with the encoder", sp->name);

		/* the valid encoding */
		fuzz_seed(dir, sp->name, bytes, len);

		/* truncations, plain and resealed */
		variant(dir, sp->name, "cut-last", bytes, len - 1, 0, NULL, 0, false);
		variant(dir, sp->name, "cut-half-sealed", bytes, len / 2, 0, NULL, 0, true);
		variant(dir, sp->name, "cut-tail-sealed", bytes, tail + TRAILER_SIZE, 0, NULL, 0, true);

		/* one flipped byte in the body, with and without a valid checksum */
		byte = bytes[len / 3] ^ 0x5A;
		variant(dir, sp->name, "flip", bytes, len, len / 3, &byte, 1, false);
		variant(dir, sp->name, "flip-sealed", bytes, len, len / 3, &byte, 1, true);

		/* the fairness part: counts beyond their limits, a term out of range */
		u32_variant(dir, sp->name, "attrs-huge", bytes, len, fairness + 9, UINT32_MAX);
		u32_variant(dir, sp->name, "attrs-limit", bytes, len, fairness + 9, FG_MAX_ATTRIBUTES + 1);
		u32_variant(dir, sp->name, "cats-zero", bytes, len, fairness + 14, 0);
		u32_variant(dir, sp->name, "cats-limit", bytes, len, fairness + 14, FG_MAX_CATEGORIES + 1);
		if (m.n_terms > 0)
		{
			size_t		terms = fairness + fairness_size(&m) - 8 * (size_t) m.n_attr_di - 4 -
				(4 + 4 + 1 + 40) * (size_t) m.n_terms;

			u32_variant(dir, sp->name, "terms-limit", bytes, len, terms - 4, FG_MAX_TERMS + 1);
			u32_variant(dir, sp->name, "term-attr", bytes, len, terms, m.n_attr);
			u32_variant(dir, sp->name, "term-category", bytes, len, terms + 4, 3);
		}

		/* the inference part: type, flags, matrix, standard errors, likelihoods, version */
		{
			size_t		k = (size_t) m.p + 1;
			size_t		vc = inference + 2;
			size_t		bse = vc + (m.vcov != NULL ? 8 * k * k : 0) + 1;
			size_t		ll = bse + (m.b_se != NULL ? 8 * (size_t) m.n_strata : 0);
			size_t		ver = ll + 40;
			uint8_t		nan_bits[8] = {0, 0, 0, 0, 0, 0, 0xf8, 0x7f};
			uint8_t		minus_one[8] = {0, 0, 0, 0, 0, 0, 0xf0, 0xbf};
			uint8_t		one[8] = {0, 0, 0, 0, 0, 0, 0xf0, 0x3f};

			byte = 3;
			variant(dir, sp->name, "vcov-type-3", bytes, len, inference, &byte, 1, true);
			byte = m.vcov_type == FG_VCOV_NONE ? FG_VCOV_MODEL : FG_VCOV_NONE;
			variant(dir, sp->name, "vcov-type-toggled", bytes, len, inference, &byte, 1, true);
			byte = m.vcov != NULL ? 0 : 1;
			variant(dir, sp->name, "has-vcov-toggled", bytes, len, inference + 1, &byte, 1, true);
			byte = m.b_se != NULL ? 0 : 1;
			variant(dir, sp->name, "has-b-se-toggled", bytes, len, bse - 1, &byte, 1, true);
			if (m.vcov != NULL)
			{
				variant(dir, sp->name, "variance-nan", bytes, len, vc, nan_bits, 8, true);
				variant(dir, sp->name, "variance-negative", bytes, len, vc, minus_one, 8, true);
				if (k > 1)
					variant(dir, sp->name, "vcov-asymmetric", bytes, len, vc + 8, one, 8, true);
				variant(dir, sp->name, "cut-vcov-sealed", bytes, vc + 8 + TRAILER_SIZE, 0, NULL, 0, true);
			}
			if (m.b_se != NULL)
				variant(dir, sp->name, "b-se-negative", bytes, len, bse, minus_one, 8, true);
			variant(dir, sp->name, "loglik-positive", bytes, len, ll, one, 8, true);
			variant(dir, sp->name, "edf-negative", bytes, len, ll + 16, minus_one, 8, true);
			variant(dir, sp->name, "target-reached-negative", bytes, len, ll + 24, minus_one, 8, true);
			byte = FG_MODEL_MAX_VERSION_LEN + 1;
			variant(dir, sp->name, "version-long", bytes, len, ver, &byte, 1, true);
			if (m.ext_version[0] != '\0')
			{
				byte = 0x07;
				variant(dir, sp->name, "version-unprintable", bytes, len, ver + 1, &byte, 1, true);
				byte = 0;
				variant(dir, sp->name, "version-zero-byte", bytes, len, ver + 1, &byte, 1, true);
			}
			variant(dir, sp->name, "cut-version-sealed", bytes, ver + 1 + TRAILER_SIZE, 0, NULL, 0, true);
		}

		/* huge and swapped counts */
		u32_variant(dir, sp->name, "p-huge", bytes, len, OFF_P, UINT32_MAX);
		u32_variant(dir, sp->name, "p-limit", bytes, len, OFF_P, FG_MODEL_MAX_P);
		u32_variant(dir, sp->name, "p-plus1", bytes, len, OFF_P, (uint32_t) m.p + 1);
		u32_variant(dir, sp->name, "strata-huge", bytes, len, OFF_N_STRATA, UINT32_MAX);
		u32_variant(dir, sp->name, "strata-limit", bytes, len, OFF_N_STRATA, FG_MODEL_MAX_STRATA);
		u32_variant(dir, sp->name, "strata-plus1", bytes, len, OFF_N_STRATA, m.n_strata + 1);
		{
			uint8_t		sw[8];

			memcpy(sw, bytes + OFF_N_STRATA, 4);
			memcpy(sw + 4, bytes + OFF_P, 4);
			variant(dir, sp->name, "p-strata-swapped", bytes, len, OFF_P, sw, 8, true);
		}
		if (m.feature_names != NULL && m.p > 0)
		{
			u32_variant(dir, sp->name, "name-len-huge", bytes, len, names, UINT32_MAX);
			u32_variant(dir, sp->name, "name-len-limit", bytes, len, names,
						FG_MODEL_MAX_NAME_LEN + 1);
			u32_variant(dir, sp->name, "name-len-rest", bytes, len, names,
						(uint32_t) (len - names - 4 - TRAILER_SIZE));
		}
		if (m.n_strata > 0)
		{
			u32_variant(dir, sp->name, "key-len-huge", bytes, len, strata, UINT32_MAX);
			u32_variant(dir, sp->name, "key-len-limit", bytes, len, strata,
						FG_MODEL_MAX_KEY_LEN + 1);
			u32_variant(dir, sp->name, "key-len-zero", bytes, len, strata, 0);
		}
		if (m.n_strata > 1)
		{
			/* the first two strata entries exchanged: keys out of order */
			size_t		e0 = 4 + (size_t) (m.key_offsets[1] - m.key_offsets[0]) + 16;
			size_t		e1 = 4 + (size_t) (m.key_offsets[2] - m.key_offsets[1]) + 16;
			uint8_t    *v = malloc(len);

			memcpy(v, bytes, len);
			memcpy(v + strata, bytes + strata + e0, e1);
			memcpy(v + strata + e1, bytes + strata, e0);
			fuzz_reseal(v, len);
			fuzz_seed(dir, strcat(strcpy(what, sp->name), "-strata-swapped"), v, len);
			/* and the second a copy of the first: a duplicate key */
			memcpy(v, bytes, len);
			if (e0 == e1)
			{
				memcpy(v + strata + e0, bytes + strata, e0);
				fuzz_reseal(v, len);
				fuzz_seed(dir, strcat(strcpy(what, sp->name), "-strata-duplicate"), v, len);
			}
			free(v);
		}

		/* enumerations and flags out of range */
		byte = 0;
		variant(dir, sp->name, "method-0", bytes, len, OFF_METHOD, &byte, 1, true);
		byte = 7;
		variant(dir, sp->name, "method-7", bytes, len, OFF_METHOD, &byte, 1, true);
		byte = 2;
		variant(dir, sp->name, "has-names-2", bytes, len, OFF_HAS_NAMES, &byte, 1, true);
		byte = 3;
		variant(dir, sp->name, "key-type-3", bytes, len, OFF_KEY_TYPE, &byte, 1, true);
		variant(dir, sp->name, "stop-3", bytes, len, tail + OFF_TAIL_STOP, &byte, 1, true);
		byte = 2;
		variant(dir, sp->name, "fold-by-2", bytes, len, option_value_offset(bytes, "fold_by"), &byte, 1, true);
		byte = m.feature_names != NULL ? 0 : 1;
		variant(dir, sp->name, "has-names-toggled", bytes, len, OFF_HAS_NAMES, &byte, 1, true);
		{
			uint8_t		nan_bits[8] = {0, 0, 0, 0, 0, 0, 0xf8, 0x7f};

			variant(dir, sp->name, "intercept-nan", bytes, len, OFF_INTERCEPT, nan_bits, 8, true);
		}

		/* the options block: count, a name, a type, values out of range */
		{
			uint8_t		b2[2] = {14, 0};
			uint8_t		nan_bits[8] = {0, 0, 0, 0, 0, 0, 0xf8, 0x7f};
			uint8_t		zero[8] = {0};
			uint8_t		minus_one[8] = {0, 0, 0, 0, 0, 0, 0xf0, 0xbf};

			variant(dir, sp->name, "options-count-14", bytes, len, OFF_OPTIONS, b2, 2, true);
			byte = 'M';
			variant(dir, sp->name, "option-name", bytes, len, OFF_OPTIONS + 3, &byte, 1, true);
			byte = FG_OPTION_NUMBER;
			variant(dir, sp->name, "option-type", bytes, len, OFF_OPTIONS + 9, &byte, 1, true);
			for (int i = 0; i < fg_option_count; i++)
			{
				const fg_option_def *def = &fg_option_table[i];
				size_t		at;

				if (def->size == 0)
					continue;
				at = option_value_offset(bytes, def->name);
				snprintf(what, sizeof(what), "%s-nan", def->name);
				if (def->type == FG_OPTION_NUMBER)
					variant(dir, sp->name, what, bytes, len, at, nan_bits, 8, true);
				snprintf(what, sizeof(what), "%s-zero", def->name);
				variant(dir, sp->name, what, bytes, len, at, zero,
						def->type == FG_OPTION_NUMBER || def->type == FG_OPTION_INTEGER ? 8 : 1, true);
				snprintf(what, sizeof(what), "%s-minus-one", def->name);
				if (def->type == FG_OPTION_NUMBER)
					variant(dir, sp->name, what, bytes, len, at, minus_one, 8, true);
			}
		}

		/* the separation report */
		u32_variant(dir, sp->name, "unidentified-huge", bytes, len, separation + 8, UINT32_MAX);
		u32_variant(dir, sp->name, "unidentified-all", bytes, len, separation + 8, (uint32_t) m.p + 1);
		u32_variant(dir, sp->name, "unidentified-plus1", bytes, len, separation + 8,
					m.n_unidentified + 1);
		if (m.n_unidentified > 0)
		{
			u32_variant(dir, sp->name, "unidentified-past", bytes, len, separation + 12,
						(uint32_t) m.p + 1);
			if (m.n_unidentified > 1)
				u32_variant(dir, sp->name, "unidentified-duplicate", bytes, len, separation + 16, 0);
		}

		/* the same model in version 1, valid and damaged */
		if (m.n_unidentified == 0)
		{
			size_t		v1_len;
			uint8_t    *v1;

			m.opt.l2 = 0;
			v1 = encode_model_v1(&m, &v1_len);
			snprintf(what, sizeof(what), "%s-v1", sp->name);
			fuzz_seed(dir, what, v1, v1_len);
			variant(dir, what, "cut-last", v1, v1_len - 1, 0, NULL, 0, false);
			byte = v1[v1_len / 3] ^ 0x5A;
			variant(dir, what, "flip-sealed", v1, v1_len, v1_len / 3, &byte, 1, true);
			byte = 2;
			variant(dir, what, "has-c-2", v1, v1_len, V1_OFF_HAS_C, &byte, 1, true);
			u32_variant(dir, what, "p-huge", v1, v1_len, V1_OFF_P, UINT32_MAX);
			u32_variant(dir, what, "strata-plus1", v1, v1_len, V1_OFF_N_STRATA, m.n_strata + 1);
			byte = 7;
			variant(dir, what, "method-7", v1, v1_len, 20, &byte, 1, true);
			free(v1);
		}

		/* one byte more, resealed: trailing data */
		{
			uint8_t    *v = calloc(len + 1, 1);

			memcpy(v, bytes, len);
			fuzz_reseal(v, len + 1);
			fuzz_seed(dir, strcat(strcpy(what, sp->name), "-one-more-sealed"), v, len + 1);
			free(v);
		}

		fuzz_env.release(fuzz_env.ctx, bytes);
		free_model(&m);
	}

	/* a bare header, and a header whose length field is absurd */
	{
		uint8_t		h[HEADER_SIZE + TRAILER_SIZE] = {0x46, 0x47, 0x4c, 0x4d, 2, 0, 0xff, 0xfe};

		fuzz_reseal(h, sizeof(h));
		fuzz_seed(dir, "header-only", h, sizeof(h));
		put_le(h + OFF_TOTAL, UINT64_MAX, 8);
		fuzz_seed(dir, "header-total-huge", h, sizeof(h));
	}
}
