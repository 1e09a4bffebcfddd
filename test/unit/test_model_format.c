/*
 * test_model_format.c -- the binary model format: CRC, keys, round trips,
 * lookups and, mostly, refusal of damaged or forged bytes.
 */
#include "model_format.h"
#include "options.h"
#include "unit.h"
#include "../find_stratum.h"
#include "../le_bytes.h"
#include "../model_v1.h"
#include "../splitmix.h"

#include <string.h>

/*
 * Byte offsets of a few fields of format version 2, written out here on
 * purpose: if the layout moves, these tests should notice.  The options
 * block (options.h) holds 28 entries, 514 bytes with its count; the method
 * code is the value of its first entry.  The fairness part takes FAIR_TAIL
 * bytes for a model without attributes or terms; the inference part after it
 * INFER_TAIL bytes for a model without covariance and with an empty version
 * (drop_inference), plus 8 (1 + p)^2 for the covariance, 8 n_strata for the
 * random intercepts' standard errors and the version's bytes; then the
 * continuous-outcome part, CONT_TAIL bytes without thresholds.
 */
#define OFF_VERSION		4
#define OFF_BOM			6
#define OFF_FLAGS		8
#define OFF_TOTAL		12
#define OFF_OPTIONS		20
#define OFF_METHOD		30
#define OFF_COUNTS		534
#define OFF_P			550
#define OFF_N_STRATA	554
#define OFF_KEY_TYPE	558
#define OFF_HAS_NAMES	559
#define OFF_INTERCEPT	560
#define OFF_BETA		568
#define FAIR_TAIL		21
#define INFER_TAIL		44
#define CONT_TAIL		48
#define STRATUM_INT_SIZE	(4 + 8 + 8 + 8)
/* the same in version 1 */
#define V1_OFF_HAS_C	65
#define V1_OFF_P		82

/* ---------- helpers ---------- */

static uint64_t rng_state = 42;

/* Make a forgery pass the header and checksum checks again. */
static void
reseal(uint8_t *buf, size_t len)
{
	put_le(buf + OFF_TOTAL, len, 8);
	put_le(buf + len - 4, fg_crc32c(0, buf, len - 4), 4);
}

static void
put_double(uint8_t *p, double d)
{
	uint64_t	bits;

	memcpy(&bits, &d, 8);
	put_le(p, bits, 8);
}

/* The covariance type make_model gives its next model (cycling). */
static int	next_vcov = 0;

/*
 * The inference part: a symmetric covariance with a positive diagonal
 * (none for type "none" or when (1 + p)^2 would be huge), standard errors of
 * the random intercepts with strata, likelihoods, degrees of freedom, a time
 * and a version.
 */
static void
add_inference(fg_model *m, fg_vcov_type type)
{
	int			k = m->p + 1;

	if (m->p > 1000)
		type = FG_VCOV_NONE;
	fg_release(&unit_env, m->vcov);
	fg_release(&unit_env, m->b_se);
	m->vcov = NULL;
	m->b_se = NULL;
	m->vcov_type = type;
	m->opt.vcov = type;
	if (type != FG_VCOV_NONE)
	{
		m->vcov = fg_alloc(&unit_env, sizeof(double) * k * k);
		for (int i = 0; i < k; i++)
		{
			m->vcov[i * k + i] = 0.5 + splitmix_signed_unit(&rng_state) * 0.25;
			for (int j = 0; j < i; j++)
				m->vcov[i * k + j] = m->vcov[j * k + i] = splitmix_signed_unit(&rng_state) * 0.01;
		}
		if (m->n_strata > 0)
		{
			m->b_se = fg_alloc(&unit_env, sizeof(double) * m->n_strata);
			for (uint32_t i = 0; i < m->n_strata; i++)
				m->b_se[i] = 0.125 + 0.5 * (splitmix_signed_unit(&rng_state) + 1);
			m->b_se[0] = 0.0;	/* zero is allowed */
		}
	}
	m->loglik = -1234.5 - m->p;
	m->null_loglik = -2000.25;
	m->edf = m->p + 1.5;
	m->created_at = INT64_C(1795000000123456);
	snprintf(m->ext_version, sizeof(m->ext_version), "1.1");
}

/* No inference part to speak of: the layout of a 1.0-era fit, version empty. */
static void
drop_inference(fg_model *m)
{
	add_inference(m, FG_VCOV_NONE);
	m->loglik = m->null_loglik = m->edf = NAN;
	m->created_at = 0;
	m->ext_version[0] = '\0';
}

/*
 * A model with env-allocated arrays (so fg_model_release frees it).  Integer
 * keys are spread over the whole int64 range, text keys are varied strings
 * including the empty one; both are generated in increasing order.
 */
static fg_model
make_model(int p, uint32_t n_strata, fg_key_type key_type,
		   bool with_names, bool with_selected)
{
	fg_model	m;

	memset(&m, 0, sizeof(m));
	m.sigma2 = m.rmse = m.r2 = m.threshold_gap = m.parity_ks = NAN;
	fg_options_default(&m.opt);
	m.opt.method = n_strata > 0 ? FG_METHOD_FAIR_GLMM : FG_METHOD_FAIR_LR;
	m.opt.rho = 0.25;
	m.opt.lambda = 3.5;
	m.opt.max_iter = 77;
	m.opt.threshold = 0.4;
	if (splitmix_next(&rng_state) & 1)
	{
		m.has_c = true;
		m.opt.c = 0.01;
	}
	m.rows_used = 123456789012ULL;
	m.rows_skipped = 17;
	m.p = p;
	m.n_strata = n_strata;
	m.key_type = key_type;
	m.intercept = -0.75;
	m.beta = fg_alloc(&unit_env, sizeof(double) * p);
	for (int j = 0; j < p; j++)
		m.beta[j] = splitmix_signed_unit(&rng_state) * 10;
	if (with_names)
	{
		m.feature_names = fg_alloc(&unit_env, sizeof(char *) * p);
		for (int j = 0; j < p; j++)
		{
			m.feature_names[j] = fg_alloc(&unit_env, 32);
			snprintf(m.feature_names[j], 32, "x_%d\xc3\xa9", j);
		}
		if (p > 0)
			m.feature_names[0][0] = '\0';	/* an empty name is allowed */
	}
	if (n_strata > 0)
	{
		size_t		key_room = (size_t) n_strata * 16;
		uint64_t	off = 0;

		m.b = fg_alloc(&unit_env, sizeof(double) * n_strata);
		m.stratum_rows = fg_alloc(&unit_env, sizeof(uint64_t) * n_strata);
		m.key_offsets = fg_alloc(&unit_env, sizeof(uint64_t) * (n_strata + 1));
		m.keys = fg_alloc(&unit_env, key_room);
		for (uint32_t i = 0; i < n_strata; i++)
		{
			m.b[i] = splitmix_signed_unit(&rng_state);
			m.stratum_rows[i] = splitmix_next(&rng_state) % 1000;
			m.key_offsets[i] = off;
			if (key_type == FG_KEY_INT)
			{
				/*
				 * Evenly spaced from INT64_MIN up, the last one INT64_MAX.
				 * Built as the biased unsigned value the key stores, which
				 * avoids signed overflow.
				 */
				uint64_t	u = (uint64_t) i * (UINT64_MAX / (n_strata + 1));

				if (i == n_strata - 1 && n_strata > 2)
					u = UINT64_MAX;
				for (int k = 7; k >= 0; k--, u >>= 8)
					m.keys[off + k] = (uint8_t) u;
				off += 8;
			}
			else
			{
				/* "", then 4-byte big-endian counters with a varying tail */
				if (i > 0)
				{
					m.keys[off++] = (uint8_t) (i >> 24);
					m.keys[off++] = (uint8_t) (i >> 16);
					m.keys[off++] = (uint8_t) (i >> 8);
					m.keys[off++] = (uint8_t) i;
					for (uint32_t t = 0; t < i % 5; t++)
						m.keys[off++] = (uint8_t) ('a' + t);
				}
			}
		}
		m.key_offsets[n_strata] = off;
	}
	m.iterations = 12;
	m.converged = true;
	m.grad_norm = 1e-12;
	m.objective = 0.6931;
	m.multiplier = 0.0;
	m.train_accuracy = 0.8125;
	m.train_di = NAN;
	m.train_cov = -0.003;
	m.q = n_strata > 0 ? 0.42 : 0.0;
	m.steps = n_strata > 0 ? 250 : 0;
	m.stop_reason = n_strata > 0 ? FG_STOP_TOL_Q : FG_STOP_NONE;
	m.bic = 1234.5;
	if (with_selected)
	{
		m.selected = fg_alloc(&unit_env, sizeof(uint32_t) * p);
		for (int j = 0; j < p; j++)
			m.selected[j] = (uint32_t) (splitmix_next(&rng_state) % 300);
	}
	/* a separation report on some models: the intercept and the last feature */
	if (p > 0 && (splitmix_next(&rng_state) & 1))
	{
		m.separated_rows = 1 + splitmix_next(&rng_state) % 1000;
		m.n_unidentified = 2;
		m.unidentified = fg_alloc(&unit_env, sizeof(uint32_t) * 2);
		m.unidentified[0] = 0;
		m.unidentified[1] = (uint32_t) p;
	}
	add_inference(&m, (fg_vcov_type) (next_vcov++ % 3));
	return m;
}

#define models_equal models_identical

/* The value of option name in an encoding (version 2); 0 if absent. */
static size_t
option_value_offset(const uint8_t *buf, const char *name)
{
	size_t		at = options_block_value_offset(buf + OFF_OPTIONS, name);

	return at == 0 ? 0 : OFF_OPTIONS + at;
}

static uint8_t *
encode_ok(const fg_model *m, size_t *len)
{
	uint8_t    *buf = NULL;
	fg_error	err;
	fg_status	st = fg_model_encode(&unit_env, m, &buf, len, &err);

	CHECK(st == FG_OK, "encode failed: %s", err.detail);
	return buf;
}

/*
 * Decode a copy sized exactly len, so the sanitizers and valgrind catch any
 * read past the end, and insist on FG_ERR_CORRUPT with the usual message and
 * hint, a detail containing want (when given), and nothing left allocated.
 */
static bool
expect_corrupt(const uint8_t *bytes, size_t len, const char *want)
{
	uint8_t    *copy = malloc(len > 0 ? len : 1);
	long		live = unit_live_allocs;
	fg_model	m;
	fg_error	err;
	fg_status	st;
	bool		ok;

	if (len > 0)
		memcpy(copy, bytes, len);
	memset(&err, 0, sizeof(err));
	st = fg_model_decode(&unit_env, copy, len, &m, &err);
	ok = CHECK(st == FG_ERR_CORRUPT, "status %d for %zu bytes, want %s",
			   (int) st, len, want ? want : "any corruption");
	if (st == FG_OK)
		fg_model_release(&unit_env, &m);
	else if (st == FG_ERR_CORRUPT)
	{
		ok &= CHECK(strcmp(err.message, "invalid fairglmm model") == 0);
		ok &= CHECK(strstr(err.hint, "fairglmm_fit") != NULL);
		ok &= CHECK(err.detail[0] != '\0');
		if (want != NULL)
			ok &= CHECK(strstr(err.detail, want) != NULL,
						"detail \"%s\" lacks \"%s\"", err.detail, want);
	}
	ok &= CHECK(unit_live_allocs == live, "%ld allocations leaked",
				unit_live_allocs - live);
	free(copy);
	return ok;
}

/* ---------- tests ---------- */

static void
test_crc(void)
{
	uint8_t		buf[32];
	const char *digits = "123456789";

	CHECK(fg_crc32c(0, digits, 9) == 0xE3069283u);
	CHECK(fg_crc32c(0, "", 0) == 0);

	/* chaining at every split point gives the one-shot value */
	for (size_t k = 0; k <= 9; k++)
		CHECK(fg_crc32c(fg_crc32c(0, digits, k), digits + k, 9 - k) == 0xE3069283u,
			  "split at %zu", k);

	/* the iSCSI test patterns (RFC 3720, B.4) */
	memset(buf, 0, sizeof(buf));
	CHECK(fg_crc32c(0, buf, 32) == 0x8A9136AAu);
	memset(buf, 0xFF, sizeof(buf));
	CHECK(fg_crc32c(0, buf, 32) == 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t) i;
	CHECK(fg_crc32c(0, buf, 32) == 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t) (31 - i);
	CHECK(fg_crc32c(0, buf, 32) == 0x113FDB5Cu);
}

static void
test_keys(void)
{
	static const int64_t values[] = {
		INT64_MIN, INT64_MIN + 1, -(INT64_C(1) << 40), -4294967296LL, -65536,
		-256, -255, -2, -1, 0, 1, 2, 255, 256, 65536, 4294967296LL,
		INT64_C(1) << 40, INT64_MAX - 1, INT64_MAX
	};
	const int	n = (int) (sizeof(values) / sizeof(values[0]));
	uint8_t		ka[8];
	uint8_t		kb[8];

	/* the listed values are increasing; the keys must compare the same way */
	for (int i = 0; i < n; i++)
	{
		fg_key_from_int64(values[i], ka);
		CHECK(fg_key_to_int64(ka) == values[i], "round trip of %lld",
			  (long long) values[i]);
		for (int j = 0; j < n; j++)
		{
			int			want = i < j ? -1 : (i > j ? 1 : 0);

			fg_key_from_int64(values[j], kb);
			CHECK(fg_key_compare(ka, 8, kb, 8) == want, "%lld vs %lld",
				  (long long) values[i], (long long) values[j]);
		}
	}

	/* random pairs */
	for (int t = 0; t < 10000; t++)
	{
		int64_t		a = (int64_t) splitmix_next(&rng_state);
		int64_t		b = (t % 3 == 0) ? a : (int64_t) splitmix_next(&rng_state);
		int			want = a < b ? -1 : (a > b ? 1 : 0);

		fg_key_from_int64(a, ka);
		fg_key_from_int64(b, kb);
		if (fg_key_compare(ka, 8, kb, 8) != want || fg_key_to_int64(ka) != a)
			CHECK(false, "%lld vs %lld", (long long) a, (long long) b);
	}
	CHECK(true);

	/* byte strings: unsigned bytes, then shorter first */
	CHECK(fg_key_compare((const uint8_t *) "", 0, (const uint8_t *) "a", 1) < 0);
	CHECK(fg_key_compare(NULL, 0, NULL, 0) == 0);
	CHECK(fg_key_compare((const uint8_t *) "a", 1, (const uint8_t *) "ab", 2) < 0);
	CHECK(fg_key_compare((const uint8_t *) "ab", 2, (const uint8_t *) "b", 1) < 0);
	CHECK(fg_key_compare((const uint8_t *) "b", 1, (const uint8_t *) "ab", 2) > 0);
	CHECK(fg_key_compare((const uint8_t *) "\x80", 1, (const uint8_t *) "\x7f", 1) > 0);
	CHECK(fg_key_compare((const uint8_t *) "abc", 3, (const uint8_t *) "abc", 3) == 0);
}

static void
roundtrip(int p, uint32_t n_strata, fg_key_type key_type,
		  bool with_names, bool with_selected)
{
	fg_model	m = make_model(p, n_strata, key_type, with_names, with_selected);
	fg_model	d;
	fg_error	err;
	uint8_t    *buf;
	uint8_t    *again;
	size_t		len;
	size_t		len2;

	buf = encode_ok(&m, &len);
	if (buf == NULL)
	{
		fg_model_release(&unit_env, &m);
		return;
	}
	if (CHECK(fg_model_decode(&unit_env, buf, len, &d, &err) == FG_OK,
			  "p=%d n_strata=%u: %s", p, n_strata, err.detail))
	{
		CHECK(models_equal(&m, &d), "p=%d n_strata=%u key_type=%d names=%d selected=%d",
			  p, n_strata, (int) key_type, with_names, with_selected);
		CHECK((d.feature_names != NULL) == with_names);
		CHECK((d.selected != NULL) == with_selected);
		CHECK(d.key_offsets != NULL && d.key_offsets[d.n_strata] ==
			  (d.n_strata > 0 ? m.key_offsets[m.n_strata] : 0));

		/* re-encoding the decoded model gives the same bytes */
		again = encode_ok(&d, &len2);
		CHECK(again != NULL && len2 == len && memcmp(again, buf, len) == 0);
		fg_release(&unit_env, again);
		fg_model_release(&unit_env, &d);
	}
	fg_release(&unit_env, buf);
	fg_model_release(&unit_env, &m);
}

static void
test_roundtrips(void)
{
	long		live = unit_live_allocs;

	for (int names = 0; names <= 1; names++)
		for (int sel = 0; sel <= 1; sel++)
		{
			roundtrip(1, 0, FG_KEY_NONE, names, sel);
			roundtrip(50, 0, FG_KEY_NONE, names, sel);
			roundtrip(1, 1, FG_KEY_INT, names, sel);
			roundtrip(1, 1, FG_KEY_TEXT, names, sel);	/* the one key is "" */
			roundtrip(50, 7, FG_KEY_INT, names, sel);
			roundtrip(50, 7, FG_KEY_TEXT, names, sel);
			roundtrip(1, 10000, FG_KEY_INT, names, sel);
			roundtrip(50, 10000, FG_KEY_TEXT, names, sel);
		}
	roundtrip(0, 0, FG_KEY_NONE, false, false);
	roundtrip(FG_MODEL_MAX_P, 3, FG_KEY_INT, true, true);
	CHECK(unit_live_allocs == live, "round trips leaked %ld allocations",
		  unit_live_allocs - live);
}

static void
test_layout(void)
{
	fg_model	m = make_model(2, 0, FG_KEY_NONE, false, false);
	size_t		len;
	uint8_t    *buf;

	/* no separation report nor covariance, so that the length below is fixed */
	drop_inference(&m);
	fg_release(&unit_env, m.unidentified);
	m.unidentified = NULL;
	m.n_unidentified = 0;
	m.separated_rows = 0;
	buf = encode_ok(&m, &len);
	if (buf != NULL)
	{
		CHECK(memcmp(buf, "FGLM", 4) == 0);
		CHECK(buf[OFF_VERSION] == 2 && buf[OFF_VERSION + 1] == 0);
		CHECK(buf[OFF_BOM] == 0xFF && buf[OFF_BOM + 1] == 0xFE);
		CHECK(get_le(buf + OFF_FLAGS, 4) == 0);
		CHECK(get_le(buf + OFF_TOTAL, 8) == len);
		CHECK(get_le(buf + len - 4, 4) == fg_crc32c(0, buf, len - 4));
		/* the options block: 28 entries, the first one the method */
		CHECK(fg_options_block_size() == OFF_COUNTS - OFF_OPTIONS);
		CHECK(get_le(buf + OFF_OPTIONS, 2) == 28);
		CHECK(buf[OFF_OPTIONS + 2] == 6 && memcmp(buf + OFF_OPTIONS + 3, "method", 6) == 0 &&
			  buf[OFF_OPTIONS + 9] == FG_OPTION_METHOD);
		CHECK(buf[OFF_METHOD] == FG_METHOD_FAIR_LR);
		CHECK(option_value_offset(buf, "method") == OFF_METHOD);
		CHECK(option_value_offset(buf, "exact_trace") + 1 + 1 + 8 + 1 == option_value_offset(buf, "fairness"));
		CHECK(option_value_offset(buf, "c_attr") + 8 * FG_MAX_ATTRIBUTES + 1 + 4 + 1 == option_value_offset(buf, "vcov"));
		CHECK(buf[option_value_offset(buf, "vcov")] == FG_VCOV_NONE);
		CHECK(option_value_offset(buf, "verbose") + 1 + 1 + 6 + 1 == option_value_offset(buf, "target"));
		CHECK(get_le(buf + option_value_offset(buf, "target"), 8) == UINT64_C(0x7FF8000000000000));
		CHECK(option_value_offset(buf, "target_metric") + 1 + 1 + 6 + 1 == option_value_offset(buf, "family"));
		CHECK(option_value_offset(buf, "max_sweeps") + 8 + 1 + 5 + 1 == option_value_offset(buf, "folds"));
		CHECK(get_le(buf + option_value_offset(buf, "folds"), 8) == 0);	/* unset */
		CHECK(option_value_offset(buf, "folds") + 8 + 1 + 7 + 1 == option_value_offset(buf, "fold_by"));
		CHECK(option_value_offset(buf, "fold_by") + 1 + 1 + 9 + 1 == option_value_offset(buf, "fold_seed"));
		CHECK(option_value_offset(buf, "fold_seed") + 8 == OFF_COUNTS);
		CHECK(get_le(buf + option_value_offset(buf, "max_iter"), 8) == 77);
		CHECK(get_le(buf + option_value_offset(buf, "l2"), 8) == 0);	/* +0.0 */
		CHECK(get_le(buf + option_value_offset(buf, "c"), 8) ==
			  (m.has_c ? UINT64_C(0x3F847AE147AE147B) : UINT64_C(0x7FF8000000000000)));
		CHECK(get_le(buf + OFF_P, 4) == 2);
		CHECK(get_le(buf + OFF_N_STRATA, 4) == 0);
		CHECK(buf[OFF_KEY_TYPE] == FG_KEY_NONE && buf[OFF_HAS_NAMES] == 0);
		CHECK(get_le(buf + OFF_INTERCEPT, 8) == UINT64_C(0xBFE8000000000000));	/* -0.75 */
		/* header, options, counts, intercept, 2 betas, statistics, separation, fairness, inference, checksum */
		CHECK(len == 20 + 514 + 26 + 8 + 16 + 75 + 12 + FAIR_TAIL + INFER_TAIL + CONT_TAIL + 4, "length %zu", len);
		CHECK(get_le(buf + len - 16 - FAIR_TAIL - INFER_TAIL - CONT_TAIL, 8) == 0 &&
			  get_le(buf + len - 8 - FAIR_TAIL - INFER_TAIL - CONT_TAIL, 4) == 0);
		/* the inference part: type none, no matrix, no standard errors, NaN, 0, "" */
		CHECK(buf[len - 4 - CONT_TAIL - INFER_TAIL] == FG_VCOV_NONE && buf[len - 3 - CONT_TAIL - INFER_TAIL] == 0 &&
			  buf[len - 2 - CONT_TAIL - INFER_TAIL] == 0);
		CHECK(get_le(buf + len - 4 - CONT_TAIL - INFER_TAIL + 3, 8) == UINT64_C(0x7FF8000000000000));
		CHECK(get_le(buf + len - 4 - CONT_TAIL - 9, 8) == 0 && buf[len - 5 - CONT_TAIL] == 0);
	}
	fg_release(&unit_env, buf);
	fg_model_release(&unit_env, &m);
}

static void
test_lookup(void)
{
	fg_model	mi = make_model(3, 1000, FG_KEY_INT, false, false);
	fg_model	mt = make_model(3, 1000, FG_KEY_TEXT, false, false);
	fg_model	m0 = make_model(3, 0, FG_KEY_NONE, false, false);
	uint8_t		key[8];
	double		x[3] = {1.0, -2.0, 0.5};
	double		want;

	/* every stored key is found at its own index */
	for (uint32_t i = 0; i < mi.n_strata; i++)
	{
		uint64_t	o = mi.key_offsets[i];
		uint64_t	ot = mt.key_offsets[i];

		if (find_stratum(&mi, mi.keys + o, 8) != (int64_t) i ||
			find_stratum(&mt, mt.keys + ot,
								  mt.key_offsets[i + 1] - ot) != (int64_t) i)
			CHECK(false, "stratum %u not found", i);
	}
	CHECK(true);

	/* misses: just above each int key, below the first, above the last */
	for (uint32_t i = 0; i + 1 < mi.n_strata; i++)
	{
		int64_t		v = fg_key_to_int64(mi.keys + mi.key_offsets[i]);

		fg_key_from_int64(v + 1, key);
		if (find_stratum(&mi, key, 8) != -1)
			CHECK(false, "found a key after stratum %u", i);
	}
	fg_key_from_int64(INT64_MAX - 1, key);
	CHECK(find_stratum(&mi, key, 8) == -1);
	CHECK(find_stratum(&mi, key, 7) == -1);
	fg_key_from_int64(INT64_MIN, key);
	CHECK(find_stratum(&mi, key, 8) == 0);

	/* text misses: a prefix of a key, a key with a byte added, "zzz" */
	{
		uint64_t	o = mt.key_offsets[10];
		size_t		klen = mt.key_offsets[11] - o;
		uint8_t		longer[64];

		CHECK(find_stratum(&mt, mt.keys + o, klen - 1) == -1);
		memcpy(longer, mt.keys + o, klen);
		longer[klen] = 'z';
		CHECK(find_stratum(&mt, longer, klen + 1) == -1);
		CHECK(find_stratum(&mt, (const uint8_t *) "zzz", 3) == -1);
		CHECK(find_stratum(&mt, (const uint8_t *) "", 0) == 0);
	}
	CHECK(find_stratum(&m0, (const uint8_t *) "a", 1) == -1);

	/* linear predictor with and without a stratum */
	want = mi.intercept + x[0] * mi.beta[0] + x[1] * mi.beta[1] + x[2] * mi.beta[2];
	CHECK_NEAR(fg_model_eta(&mi, x, -1), want, 1e-12);
	CHECK_NEAR(fg_model_eta(&mi, x, 5), want + mi.b[5], 1e-12);

	fg_model_release(&unit_env, &mi);
	fg_model_release(&unit_env, &mt);
	fg_model_release(&unit_env, &m0);
}

/* Every prefix and every single-bit flip of a valid model is refused. */
static void
test_truncation_and_bit_flips(void)
{
	fg_model	m = make_model(3, 5, FG_KEY_TEXT, true, true);
	size_t		len;
	uint8_t    *buf = encode_ok(&m, &len);
	uint8_t    *copy;
	long		bad = 0;

	if (buf == NULL)
		return;
	for (size_t k = 0; k < len; k++)
		if (!expect_corrupt(buf, k, NULL))
			bad++;
	CHECK(bad == 0, "%ld prefixes not refused", bad);

	copy = malloc(len);
	bad = 0;
	for (size_t bit = 0; bit < len * 8; bit++)
	{
		memcpy(copy, buf, len);
		copy[bit / 8] ^= (uint8_t) (1u << (bit % 8));
		if (!expect_corrupt(copy, len, NULL))
			bad++;
	}
	CHECK(bad == 0, "%ld bit flips not refused", bad);
	free(copy);
	fg_release(&unit_env, buf);
	fg_model_release(&unit_env, &m);
}

static void
test_header_errors(void)
{
	fg_model	m = make_model(3, 4, FG_KEY_INT, false, false);
	size_t		len;
	uint8_t    *buf = encode_ok(&m, &len);
	uint8_t    *c;

	if (buf == NULL)
		return;
	c = malloc(len + 1);

	expect_corrupt(buf, 0, "shorter than");
	expect_corrupt(buf, 23, "shorter than");

	memcpy(c, buf, len);
	c[0] = 'X';
	expect_corrupt(c, len, "magic number 0x4D4C4758");

	memcpy(c, buf, len);
	put_le(c + OFF_VERSION, 3, 2);
	reseal(c, len);
	expect_corrupt(c, len, "version 3 is not supported; this build reads versions 1 and 2");
	memcpy(c, buf, len);
	put_le(c + OFF_VERSION, 0, 2);
	reseal(c, len);
	expect_corrupt(c, len, "version 0 is not supported");

	memcpy(c, buf, len);
	c[OFF_BOM] = 0xFE;
	c[OFF_BOM + 1] = 0xFF;
	expect_corrupt(c, len, "wrong byte order");

	memcpy(c, buf, len);
	c[OFF_BOM] = 0x00;
	expect_corrupt(c, len, "byte order mark");

	memcpy(c, buf, len);
	put_le(c + OFF_FLAGS, 1, 4);
	reseal(c, len);
	expect_corrupt(c, len, "flags");

	/* truncated and trailing bytes are told apart */
	expect_corrupt(buf, len - 1, "truncated");
	memcpy(c, buf, len);
	c[len] = 0;
	expect_corrupt(c, len + 1, "trailing");

	memcpy(c, buf, len);
	c[len - 1] ^= 0x40;
	expect_corrupt(c, len, "checksum");

	/* an extra byte inside, with length and checksum made to match */
	memcpy(c, buf, len - 4);
	c[len - 4] = 0;
	reseal(c, len + 1);
	expect_corrupt(c, len + 1, "unexpected bytes");

	free(c);
	fg_release(&unit_env, buf);
	fg_model_release(&unit_env, &m);
}

/* Forged counts with a valid checksum fail on bounds, not on allocation. */
static void
test_forged_counts(void)
{
	fg_model	m = make_model(2, 3, FG_KEY_INT, false, false);
	size_t		len;
	uint8_t    *buf = encode_ok(&m, &len);
	uint8_t    *c;
	static const uint32_t huge_p[] = {UINT32_MAX, FG_MODEL_MAX_P + 1, FG_MODEL_MAX_P, 1000};
	static const uint32_t huge_n[] = {UINT32_MAX, FG_MODEL_MAX_STRATA + 1, FG_MODEL_MAX_STRATA, 100};

	if (buf == NULL)
		return;
	c = malloc(len);

	for (size_t i = 0; i < sizeof(huge_p) / sizeof(huge_p[0]); i++)
	{
		memcpy(c, buf, len);
		put_le(c + OFF_P, huge_p[i], 4);
		reseal(c, len);
		unit_largest_alloc = 0;
		expect_corrupt(c, len, huge_p[i] > FG_MODEL_MAX_P ? "limit" : "need at least");
		CHECK(unit_largest_alloc <= len, "p=%u asked for %zu bytes",
			  huge_p[i], unit_largest_alloc);
	}
	for (size_t i = 0; i < sizeof(huge_n) / sizeof(huge_n[0]); i++)
	{
		memcpy(c, buf, len);
		put_le(c + OFF_N_STRATA, huge_n[i], 4);
		reseal(c, len);
		unit_largest_alloc = 0;
		expect_corrupt(c, len, huge_n[i] > FG_MODEL_MAX_STRATA ? "limit" : "need at least");
		CHECK(unit_largest_alloc <= len, "n_strata=%u asked for %zu bytes",
			  huge_n[i], unit_largest_alloc);
	}

	/* strata without a key type, and a key type without strata */
	memcpy(c, buf, len);
	c[OFF_KEY_TYPE] = FG_KEY_NONE;
	reseal(c, len);
	expect_corrupt(c, len, "key type");
	memcpy(c, buf, len);
	c[OFF_KEY_TYPE] = 3;
	reseal(c, len);
	expect_corrupt(c, len, "key type 3");

	/* a stratum key length far beyond the bytes present */
	memcpy(c, buf, len);
	put_le(c + OFF_BETA + 16, UINT32_MAX, 4);
	reseal(c, len);
	expect_corrupt(c, len, "stratum 0");

	/* an integer key of the wrong size (the bytes are still all there) */
	memcpy(c, buf, len);
	put_le(c + OFF_BETA + 16, 7, 4);
	reseal(c, len);
	expect_corrupt(c, len, "integer key");

	/* booleans other than 0 and 1, unknown enumerations */
	memcpy(c, buf, len);
	c[OFF_HAS_NAMES] = 0x80;
	reseal(c, len);
	expect_corrupt(c, len, "has_feature_names");
	memcpy(c, buf, len);
	c[OFF_METHOD] = 0;
	reseal(c, len);
	expect_corrupt(c, len, "no method given");
	memcpy(c, buf, len);
	c[OFF_METHOD] = 8;
	reseal(c, len);
	expect_corrupt(c, len, "unknown method code");
	memcpy(c, buf, len);
	c[OFF_METHOD] = FG_METHOD_LR;
	reseal(c, len);
	expect_corrupt(c, len, "does not use strata");

	free(c);
	fg_release(&unit_env, buf);
	fg_model_release(&unit_env, &m);
}

static void
test_semantic_errors(void)
{
	fg_model	m = make_model(2, 3, FG_KEY_INT, false, false);
	fg_model	mn = make_model(2, 0, FG_KEY_NONE, true, false);
	size_t		len;
	size_t		lenn;
	uint8_t    *buf = encode_ok(&m, &len);
	uint8_t    *bufn = encode_ok(&mn, &lenn);
	uint8_t    *c;
	size_t		s0 = OFF_BETA + 2 * 8;	/* first stratum */
	size_t		s1 = s0 + STRATUM_INT_SIZE;
	uint8_t		tmp[8];

	if (buf == NULL || bufn == NULL)
		return;
	c = malloc(len > lenn ? len : lenn);

	/* swap the first two keys */
	memcpy(c, buf, len);
	memcpy(tmp, c + s0 + 4, 8);
	memcpy(c + s0 + 4, c + s1 + 4, 8);
	memcpy(c + s1 + 4, tmp, 8);
	reseal(c, len);
	expect_corrupt(c, len, "not strictly increasing");

	/* duplicate keys */
	memcpy(c, buf, len);
	memcpy(c + s1 + 4, c + s0 + 4, 8);
	reseal(c, len);
	expect_corrupt(c, len, "not strictly increasing");

	/* non-finite coefficients */
	memcpy(c, buf, len);
	put_double(c + OFF_INTERCEPT, NAN);
	reseal(c, len);
	expect_corrupt(c, len, "intercept");
	memcpy(c, buf, len);
	put_double(c + OFF_BETA + 8, NAN);
	reseal(c, len);
	expect_corrupt(c, len, "Coefficient 2");
	memcpy(c, buf, len);
	put_double(c + OFF_BETA, -INFINITY);
	reseal(c, len);
	expect_corrupt(c, len, "Coefficient 1");
	memcpy(c, buf, len);
	put_double(c + s1 + 12, INFINITY);
	reseal(c, len);
	expect_corrupt(c, len, "stratum 1");

	/* a NUL inside a feature name; name 2 ("x_1é") starts after name 1 ("") */
	memcpy(c, bufn, lenn);
	c[OFF_BETA + 16 + 4 + 4 + 1] = 0;
	reseal(c, lenn);
	expect_corrupt(c, lenn, "zero byte");

	/* a feature name longer than the limit */
	memcpy(c, bufn, lenn);
	put_le(c + OFF_BETA + 16, FG_MODEL_MAX_NAME_LEN + 1, 4);
	reseal(c, lenn);
	expect_corrupt(c, lenn, "the limit is");

	free(c);
	fg_release(&unit_env, buf);
	fg_release(&unit_env, bufn);
	fg_model_release(&unit_env, &m);
	fg_model_release(&unit_env, &mn);
}

/*
 * Random byte edits behind a valid header and checksum: decoding must either
 * succeed or say CORRUPT, never crash or leak.  Run under the sanitizers and
 * valgrind, this is where out-of-bounds reads would show.
 */
static void
test_resealed_mutations(void)
{
	fg_model	m = make_model(4, 6, FG_KEY_TEXT, true, true);
	size_t		len;
	uint8_t    *buf = encode_ok(&m, &len);
	long		odd = 0;
	long		accepted = 0;
	long		live = unit_live_allocs;

	if (buf == NULL)
		return;
	for (int t = 0; t < 20000; t++)
	{
		uint8_t    *c = malloc(len);
		int			edits = 1 + (int) (splitmix_next(&rng_state) % 4);
		fg_model	d;
		fg_error	err;
		fg_status	st;

		memcpy(c, buf, len);
		for (int e = 0; e < edits; e++)
		{
			/* leave the header alone; it is tested on its own */
			size_t		pos = 20 + splitmix_next(&rng_state) % (len - 24);

			c[pos] = (splitmix_next(&rng_state) & 1) ? (uint8_t) splitmix_next(&rng_state) : c[pos] ^ 0xFF;
		}
		reseal(c, len);
		st = fg_model_decode(&unit_env, c, len, &d, &err);
		if (st == FG_OK)
		{
			accepted++;
			fg_model_release(&unit_env, &d);
		}
		else if (st != FG_ERR_CORRUPT)
			odd++;
		free(c);
	}
	CHECK(odd == 0, "%ld mutations gave a status other than OK or CORRUPT", odd);
	CHECK(unit_live_allocs == live, "mutations leaked %ld allocations",
		  unit_live_allocs - live);
	/* some edits only touch doubles, so a share must still decode */
	CHECK(accepted > 0 && accepted < 20000, "%ld of 20000 accepted", accepted);
	fg_release(&unit_env, buf);
	fg_model_release(&unit_env, &m);
}

/* Each allocation in turn fails: NOMEM, and everything freed. */
static void
test_out_of_memory(void)
{
	fg_model	m = make_model(3, 4, FG_KEY_TEXT, true, true);
	size_t		len;
	uint8_t    *buf = encode_ok(&m, &len);
	long		live = unit_live_allocs;
	int			k;

	if (buf == NULL)
		return;
	for (k = 0; k < 100; k++)
	{
		fg_model	d;
		fg_error	err;
		fg_status	st;

		unit_fail_after = k;
		st = fg_model_decode(&unit_env, buf, len, &d, &err);
		unit_fail_after = -1;
		if (st == FG_OK)
		{
			CHECK(models_equal(&m, &d));
			fg_model_release(&unit_env, &d);
			break;
		}
		CHECK(st == FG_ERR_NOMEM, "status %d after %d allocations", (int) st, k);
		CHECK(strcmp(err.message, "out of memory") == 0);
		CHECK(unit_live_allocs == live, "leak after failing allocation %d", k);
	}
	/* beta, names array, 3 names, b, rows, offsets, keys, selected, [unidentified, vcov, b_se] */
	CHECK(k == 10 + (m.n_unidentified > 0) + (m.vcov != NULL) + (m.b_se != NULL),
		  "decode needed %d allocations", k);

	{
		uint8_t    *out = NULL;
		size_t		out_len = 0;
		fg_error	err;

		unit_fail_after = 0;
		CHECK(fg_model_encode(&unit_env, &m, &out, &out_len, &err) == FG_ERR_NOMEM);
		unit_fail_after = -1;
		CHECK(out == NULL && out_len == 0);
	}
	fg_release(&unit_env, buf);
	fg_model_release(&unit_env, &m);
}

static void
expect_invalid(const fg_model *m, const char *want)
{
	uint8_t    *out = NULL;
	size_t		out_len = 0;
	fg_error	err;
	fg_status	st;

	memset(&err, 0, sizeof(err));
	st = fg_model_encode(&unit_env, m, &out, &out_len, &err);
	CHECK(st == FG_ERR_INVALID, "status %d, want INVALID (%s)", (int) st, want);
	CHECK(out == NULL);
	CHECK(strstr(err.detail, want) != NULL, "detail \"%s\" lacks \"%s\"",
		  err.detail, want);
	fg_release(&unit_env, out);
}

/* The encoder refuses what the decoder would refuse. */
static void
test_encode_invalid(void)
{
	fg_model	m = make_model(3, 4, FG_KEY_INT, true, false);
	fg_model	bad;
	uint8_t		keys_copy[32];
	char		long_name[FG_MODEL_MAX_NAME_LEN + 2];
	char	   *name0;

	bad = m;
	bad.p = -1;
	expect_invalid(&bad, "covariates");
	bad = m;
	bad.p = FG_MODEL_MAX_P + 1;
	expect_invalid(&bad, "covariates");
	bad = m;
	bad.opt.method = FG_METHOD_NONE;
	expect_invalid(&bad, "Method code 0");
	bad = m;
	bad.opt.method = FG_METHOD_LR;
	expect_invalid(&bad, "does not use strata");
	bad = m;
	bad.key_type = FG_KEY_NONE;
	expect_invalid(&bad, "key type");
	bad = m;
	bad.stop_reason = (fg_stop_reason) 9;
	expect_invalid(&bad, "Stop reason");
	bad = m;
	bad.beta = NULL;
	expect_invalid(&bad, "missing");

	memcpy(keys_copy, m.keys, 32);
	memcpy(m.keys + 8, keys_copy, 8);	/* key 1 = key 0 */
	expect_invalid(&m, "not strictly increasing");
	memcpy(m.keys, keys_copy, 32);

	m.beta[1] = NAN;
	expect_invalid(&m, "Coefficient 2");
	m.beta[1] = 0.5;
	m.b[3] = INFINITY;
	expect_invalid(&m, "stratum 3");
	m.b[3] = 0.5;

	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	name0 = m.feature_names[0];
	m.feature_names[0] = long_name;
	expect_invalid(&m, "longer than");
	m.feature_names[0] = name0;

	{
		size_t		len;
		uint8_t    *buf = encode_ok(&m, &len);

		fg_release(&unit_env, buf);
	}
	fg_model_release(&unit_env, &m);
}

/* Forged options, with a valid checksum: every entry is checked. */
static void
test_forged_options(void)
{
	fg_model	m = make_model(2, 3, FG_KEY_INT, false, false);
	size_t		len;
	uint8_t    *buf = encode_ok(&m, &len);
	uint8_t    *c;
	size_t		nu,
				seed,
				cval,
				trace,
				folds,
				fold_by;

	if (buf == NULL)
		return;
	c = malloc(len);
	nu = option_value_offset(buf, "nu");
	seed = option_value_offset(buf, "seed");
	cval = option_value_offset(buf, "c");
	trace = option_value_offset(buf, "exact_trace");
	folds = option_value_offset(buf, "folds");
	fold_by = option_value_offset(buf, "fold_by");
	CHECK(nu > 0 && seed > 0 && cval > 0 && trace > 0 && folds > 0 && fold_by > 0);

#define FORGE(off, value, n, want) \
	do { \
		memcpy(c, buf, len); \
		put_le(c + (off), (value), (n)); \
		reseal(c, len); \
		expect_corrupt(c, len, (want)); \
	} while (0)

	FORGE(OFF_OPTIONS, 14, 2, "14 options are stored; this build reads exactly 28");
	FORGE(OFF_OPTIONS, 0xFFFF, 2, "65535 options");
	FORGE(OFF_OPTIONS + 2, 5, 1, "not \"method\"");	/* name length */
	FORGE(OFF_OPTIONS + 3, 'M', 1, "not \"method\"");	/* name */
	FORGE(OFF_OPTIONS + 2, 255, 1, "not \"method\"");
	FORGE(OFF_OPTIONS + 9, FG_OPTION_NUMBER, 1, "type code 1");
	FORGE(OFF_METHOD, 0, 1, "no method given");
	FORGE(OFF_METHOD, 8, 1, "unknown method code");
	FORGE(nu, 0, 8, "option \"nu\" is invalid");	/* +0.0: nu must be > 0 */
	FORGE(nu, UINT64_C(0x7FF8000000000000), 8, "option \"nu\" must be a finite number");
	FORGE(seed, (uint64_t) INT32_MAX + 1, 8, "option \"seed\" must be an integer between 0 and 2147483647");
	FORGE(seed, UINT64_MAX, 8, "\"seed\"");		/* -1 */
	FORGE(cval, UINT64_C(0xBFF0000000000000), 8, "option \"c\"");	/* -1 */
	FORGE(trace, 2, 1, "\"exact_trace\"");
	/* folds: 0 when not given, else 2 to 100 */
	FORGE(folds, 1, 8, "option \"folds\" must be an integer between 2 and 100");
	FORGE(folds, 101, 8, "option \"folds\"");
	FORGE(folds, UINT64_MAX, 8, "option \"folds\"");
	FORGE(fold_by, 2, 1, "unknown code 2 of option \"fold_by\"");
	memcpy(c, buf, len);
	put_le(c + folds, 5, 8);
	reseal(c, len);
	{
		fg_model	d;
		fg_error	err;

		if (CHECK(fg_model_decode(&unit_env, c, len, &d, &err) == FG_OK, "%s", err.detail))
		{
			CHECK(d.opt.folds == 5);
			fg_model_release(&unit_env, &d);
		}
	}
	FORGE(OFF_METHOD, FG_METHOD_LR, 1, "does not use strata");
#undef FORGE

	/* a c given or not is read from c itself: NaN <-> a bound round trips */
	{
		fg_model	d;
		fg_error	err;

		memcpy(c, buf, len);
		put_double(c + cval, m.has_c ? NAN : 0.25);
		reseal(c, len);
		if (CHECK(fg_model_decode(&unit_env, c, len, &d, &err) == FG_OK, "%s", err.detail))
		{
			CHECK(d.has_c == !m.has_c);
			fg_model_release(&unit_env, &d);
		}
	}
	free(c);
	fg_release(&unit_env, buf);
	fg_model_release(&unit_env, &m);
}

/* The options block alone: every prefix refused, the whole accepted. */
static void
test_options_block(void)
{
	size_t		size = fg_options_block_size();
	uint8_t    *block = malloc(size);
	fg_options	opt,
				back;
	fg_le_writer w;
	fg_le_reader r;
	char		why[300];
	long		bad = 0;

	fg_options_default(&opt);
	opt.l2 = 0.125;
	opt.seed = 7;
	fg_le_writer_init(&w, block, size);
	fg_options_block_write(&opt, &w);
	CHECK(!w.overrun && w.pos == size, "the block took %zu bytes of %zu", w.pos, size);
	for (size_t k = 0; k < size; k++)
	{
		uint8_t    *prefix = malloc(k + 1);

		memcpy(prefix, block, k);
		why[0] = '\0';
		fg_le_reader_init(&r, prefix, k);
		/* a refused block leaves the reader where it was */
		if (fg_options_block_read(&r, &back, why, sizeof(why)) != FG_ERR_CORRUPT ||
			r.pos != 0 || why[0] == '\0' || why[strlen(why) - 1] != '.')
			bad++;
		free(prefix);
	}
	CHECK(bad == 0, "%ld prefixes of the options block accepted", bad);
	fg_le_reader_init(&r, block, size);
	CHECK(fg_options_block_read(&r, &back, why, sizeof(why)) == FG_OK, "%s", why);
	CHECK(r.pos == size && fg_options_first_difference(&opt, &back) == NULL);
	CHECK(back.l2 == 0.125 && back.seed == 7 && isnan(back.c));
	/* one byte short: refused inside the last option */
	fg_le_reader_init(&r, block, size - 1);
	CHECK(fg_options_block_read(&r, &back, why, sizeof(why)) == FG_ERR_CORRUPT);
	CHECK(strstr(why, "option 28") != NULL, "%s", why);
	free(block);
}

/* The separation report: round trip, and every forged list refused. */
static void
test_separation(void)
{
	fg_model	m = make_model(3, 0, FG_KEY_NONE, true, false);
	fg_model	d;
	fg_error	err;
	size_t		len;
	uint8_t    *buf;
	uint8_t    *c;
	size_t		list;

	drop_inference(&m);
	fg_release(&unit_env, m.unidentified);
	m.separated_rows = UINT64_C(12345678901);
	m.n_unidentified = 3;
	m.unidentified = fg_alloc(&unit_env, sizeof(uint32_t) * 3);
	m.unidentified[0] = 0;
	m.unidentified[1] = 2;
	m.unidentified[2] = 3;
	buf = encode_ok(&m, &len);
	if (buf == NULL)
		return;
	list = len - 4 - CONT_TAIL - INFER_TAIL - FAIR_TAIL - 12;
	CHECK(get_le(buf + list - 12, 8) == m.separated_rows);
	CHECK(get_le(buf + list - 4, 4) == 3);
	if (CHECK(fg_model_decode(&unit_env, buf, len, &d, &err) == FG_OK, "%s", err.detail))
	{
		CHECK(d.format_version == 2);
		CHECK(d.separated_rows == m.separated_rows && d.n_unidentified == 3 &&
			  d.unidentified[0] == 0 && d.unidentified[1] == 2 && d.unidentified[2] == 3);
		CHECK(models_equal(&m, &d));
		fg_model_release(&unit_env, &d);
	}

	c = malloc(len + 64);
#define FORGE(off, value, n, want) \
	do { \
		memcpy(c, buf, len); \
		put_le(c + (off), (value), (n)); \
		reseal(c, len); \
		expect_corrupt(c, len, (want)); \
	} while (0)
	FORGE(list, 4, 4, "index 4; the model has terms 0 to 3");	/* x4 of 3 features */
	FORGE(list + 4, 0, 4, "not strictly increasing at entry 2");
	FORGE(list + 8, 2, 4, "not strictly increasing at entry 3");	/* a duplicate */
	FORGE(list - 4, 5, 4, "5 unidentified terms but has only 4");
	FORGE(list - 4, UINT32_MAX, 4, "unidentified terms but has only 4");
	FORGE(list - 4, 4, 4, "ends inside its list of unidentified terms");
	FORGE(list - 4, 2, 4, "flag weighted has value 3");	/* the third term read as the flag */
#undef FORGE
	/* the list cut off, the length field made to agree */
	memcpy(c, buf, list + 8);
	memcpy(c + list + 8, buf + list + 12, len - list - 12);
	reseal(c, len - 4);
	expect_corrupt(c, len - 4, "ends inside its list of unidentified terms");
	free(c);

	/* the encoder refuses what the decoder would */
	m.unidentified[1] = 0;
	{
		uint8_t    *out = NULL;
		size_t		out_len;

		CHECK(fg_model_encode(&unit_env, &m, &out, &out_len, &err) == FG_ERR_INVALID);
		CHECK(strstr(err.detail, "strictly increasing") != NULL, "%s", err.detail);
		m.unidentified[1] = 9;
		CHECK(fg_model_encode(&unit_env, &m, &out, &out_len, &err) == FG_ERR_INVALID);
		CHECK(strstr(err.detail, "index 9") != NULL, "%s", err.detail);
		fg_release(&unit_env, m.unidentified);
		m.unidentified = NULL;
		CHECK(fg_model_encode(&unit_env, &m, &out, &out_len, &err) == FG_ERR_INVALID);
		CHECK(strstr(err.detail, "missing") != NULL, "%s", err.detail);
		m.n_unidentified = 0;
		m.separated_rows = 7;	/* rows without named terms: allowed */
		out = encode_ok(&m, &out_len);
		fg_release(&unit_env, out);
	}
	fg_release(&unit_env, buf);
	fg_model_release(&unit_env, &m);
}

/*
 * Every stored option set to a value other than its default (the middle
 * of its range, or the other boolean, or another method) survives the
 * round trip, as do the separation fields.
 */
static void
test_all_options(void)
{
	fg_model	m = make_model(4, 5, FG_KEY_TEXT, true, true);
	fg_options	dflt;
	fg_model	d;
	fg_error	err;
	size_t		len,
				len2;
	uint8_t    *buf,
			   *again;
	int			changed = 0;

	fg_options_default(&dflt);
	for (int i = 0; i < fg_option_count; i++)
	{
		const fg_option_def *def = &fg_option_table[i];

		switch (def->type)
		{
			case FG_OPTION_NUMBER:
				fg_option_set_number(&m.opt, def, isinf(def->max) ? def->min + 0.375 + i
									 : 0.5 * (def->min + def->max) + 0.0625);
				break;
			case FG_OPTION_INTEGER:
				fg_option_set_integer(&m.opt, def, (int64_t) def->min + 3 + i);
				break;
			case FG_OPTION_BOOLEAN:
				fg_option_set_integer(&m.opt, def, def->default_value == 0);
				break;
			case FG_OPTION_METHOD:
				fg_option_set_integer(&m.opt, def, FG_METHOD_GLMM);
				break;
			case FG_OPTION_ENUM:
				fg_option_set_integer(&m.opt, def, (int64_t) def->max);
				break;
			default:
				continue;
		}
		changed++;
		CHECK(fg_options_first_difference(&m.opt, &dflt) != NULL, "option %s", def->name);
	}
	CHECK(changed == 27);
	m.has_c = true;
	fg_release(&unit_env, m.unidentified);
	m.separated_rows = 42;
	m.n_unidentified = 5;
	m.unidentified = fg_alloc(&unit_env, sizeof(uint32_t) * 5);
	for (uint32_t k = 0; k < 5; k++)
		m.unidentified[k] = k;

	/* each option differs from its default */
	for (int i = 0; i < fg_option_count; i++)
	{
		const fg_option_def *def = &fg_option_table[i];
		fg_options	one = dflt;

		/* c_attr aside: it cannot go with c, which is set */
		if (def->size == 0 || def->type == FG_OPTION_BOUNDS)
			continue;
		if (def->type == FG_OPTION_NUMBER)
			fg_option_set_number(&one, def, fg_option_get_number(&m.opt, def));
		else
			fg_option_set_integer(&one, def, fg_option_get_integer(&m.opt, def));
		CHECK(fg_options_first_difference(&one, &dflt) == def, "option %s", def->name);
	}

	/* every enum at its last value makes the model gaussian: its statistics */
	m.sigma2 = 2.5;
	m.rmse = 1.5;
	m.r2 = 0.25;
	buf = encode_ok(&m, &len);
	if (buf != NULL &&
		CHECK(fg_model_decode(&unit_env, buf, len, &d, &err) == FG_OK, "%s", err.detail))
	{
		CHECK(models_equal(&m, &d));
		CHECK(fg_options_first_difference(&m.opt, &d.opt) == NULL);
		CHECK(d.opt.l2 == m.opt.l2 && d.opt.l2 > 0);
		CHECK(d.opt.method == FG_METHOD_GLMM && d.opt.exact_trace);
		again = encode_ok(&d, &len2);
		CHECK(again != NULL && len2 == len && memcmp(again, buf, len) == 0);
		fg_release(&unit_env, again);
		fg_model_release(&unit_env, &d);
	}
	fg_release(&unit_env, buf);
	fg_model_release(&unit_env, &m);
}

/*
 * The inference part: round trips of each covariance type, and every forged
 * field refused: the type, the flags, the matrix (NaN, asymmetric, negative
 * variance), standard errors without strata or negative, log-likelihoods
 * above 0, the degrees of freedom, the version's length and bytes, and a
 * model cut short inside each piece (length and checksum made to agree;
 * the checks look ahead, so a cut is refused at the earliest piece that
 * cannot be followed by the fixed size of the rest).
 */
static void
test_inference(void)
{
	fg_model	m = make_model(2, 3, FG_KEY_INT, false, false);
	fg_model	mn = make_model(2, 0, FG_KEY_NONE, false, false);
	fg_model	d;
	fg_error	err;
	size_t		len,
				lenn;
	uint8_t    *buf,
			   *bufn,
			   *c;
	size_t		inf,
				vc,
				bse,
				ll,
				ver,
				infn;
	const int	k = 3;

	for (int t = FG_VCOV_MODEL; t <= FG_VCOV_NONE; t++)
	{
		add_inference(&m, (fg_vcov_type) t);
		buf = encode_ok(&m, &len);
		if (buf != NULL &&
			CHECK(fg_model_decode(&unit_env, buf, len, &d, &err) == FG_OK, "%s", err.detail))
		{
			CHECK(models_equal(&m, &d), "type %d", t);
			CHECK(d.vcov_type == t && (d.vcov != NULL) == (t != FG_VCOV_NONE) &&
				  (d.b_se != NULL) == (t != FG_VCOV_NONE));
			CHECK(strcmp(d.ext_version, "1.1") == 0 && d.created_at == m.created_at);
			fg_model_release(&unit_env, &d);
		}
		fg_release(&unit_env, buf);
	}
	add_inference(&m, FG_VCOV_ROBUST);
	add_inference(&mn, FG_VCOV_MODEL);
	buf = encode_ok(&m, &len);
	bufn = encode_ok(&mn, &lenn);
	if (buf == NULL || bufn == NULL)
		return;
	/* where the pieces lie: type, has_vcov, matrix, has_b_se, b_se, likelihoods, version */
	inf = len - 4 - CONT_TAIL - (INFER_TAIL + 8 * k * k + 8 * 3 + 3);
	vc = inf + 2;
	bse = vc + 8 * k * k + 1;
	ll = bse + 8 * 3;
	ver = ll + 40;
	infn = lenn - 4 - CONT_TAIL - (INFER_TAIL + 8 * k * k + 3);
	CHECK(buf[inf] == FG_VCOV_ROBUST && buf[inf + 1] == 1 && buf[bse - 1] == 1);
	CHECK(buf[ver] == 3 && memcmp(buf + ver + 1, "1.1", 3) == 0);
	CHECK(bufn[infn] == FG_VCOV_MODEL && bufn[infn + 1] == 1 && bufn[infn + 2 + 8 * k * k] == 0);
	c = malloc(len + lenn);

#define FORGE(off, value, n, want) \
	do { \
		memcpy(c, buf, len); \
		put_le(c + (off), (value), (n)); \
		reseal(c, len); \
		expect_corrupt(c, len, (want)); \
	} while (0)
#define FORGE_D(off, value, want) \
	do { \
		memcpy(c, buf, len); \
		put_double(c + (off), (value)); \
		reseal(c, len); \
		expect_corrupt(c, len, (want)); \
	} while (0)
	FORGE(inf, 3, 1, "Covariance type 3 is not known");
	FORGE(inf, 255, 1, "Covariance type 255");
	FORGE(inf, FG_VCOV_NONE, 1, "covariance type and the covariance matrix disagree");
	FORGE(inf + 1, 2, 1, "has_vcov");
	FORGE(bse - 1, 7, 1, "has_b_se");
	FORGE_D(vc, NAN, "Variance 1 of the covariance matrix");
	FORGE_D(vc + 8 * (k + 1), -0.5, "Variance 2 of the covariance matrix");
	FORGE_D(vc + 8 * (k * k - 1), INFINITY, "Variance 3");
	FORGE_D(vc + 8 * 1, 0.75, "not finite and symmetric at (2, 1)");
	FORGE_D(vc + 8 * (2 * k + 1), NAN, "not finite and symmetric at (3, 2)");
	FORGE_D(bse + 8, -1.0, "standard error of random intercept 2");
	FORGE_D(bse + 16, NAN, "standard error of random intercept 3");
	FORGE_D(ll, 0.5, "log-likelihoods");
	FORGE_D(ll + 8, 1e-300, "log-likelihoods");
	FORGE_D(ll, -INFINITY, "log-likelihoods");
	FORGE_D(ll + 16, -1.0, "degrees of freedom");
	FORGE_D(ll + 16, INFINITY, "degrees of freedom");
	FORGE_D(ll + 24, 1.5, "fairness level reached");
	FORGE_D(ll + 24, -0.25, "fairness level reached");
	FORGE(ver, 33, 1, "The extension version is 33 bytes; at most 32 fit");
	FORGE(ver, 4, 1, "");	/* the checksum read as a version byte: too short then */
	FORGE(ver + 2, 0x0A, 1, "byte 0x0A that is not printable");
	FORGE(ver + 2, 0x80, 1, "byte 0x80 that is not printable");
	FORGE(ver + 2, 0x00, 1, "zero byte");
#undef FORGE
#undef FORGE_D

	/* standard errors without strata: the flag of a strata-less model set */
	memcpy(c, bufn, lenn);
	c[infn + 2 + 8 * k * k] = 1;
	reseal(c, lenn);
	expect_corrupt(c, lenn, "random-intercept standard errors without strata");
	/* a matrix flagged under type none, and no matrix under type model */
	memcpy(c, bufn, lenn);
	c[infn] = FG_VCOV_NONE;
	reseal(c, lenn);
	expect_corrupt(c, lenn, "disagree");
	memcpy(c, bufn, infn + 1);
	c[infn + 1] = 0;
	memcpy(c + infn + 2, bufn + infn + 2 + 8 * k * k, lenn - (infn + 2 + 8 * k * k));
	reseal(c, lenn - 8 * k * k);
	expect_corrupt(c, lenn - 8 * k * k, "disagree");

	/* cut short inside each piece */
	{
		static const struct
		{
			int			piece;
			size_t		extra;
			const char *want;
		}			cuts[] = {
			/* each check looks ahead to the fixed size of what follows */
			{0, 0, "ends inside its list of unidentified terms"},
			{0, 1, "ends inside its list of unidentified terms"},
			{1, 8, "ends inside its list of unidentified terms"},
			{1, 8 * 9 - 1, "ends inside its covariance matrix"},
			{2, 8, "ends inside its covariance matrix"},
			{3, 20, "ends inside its random-intercept standard errors"},
			{3, 39, "ends inside its random-intercept standard errors"},
			{4, 1, "ends inside its extension version"},
			{4, 3, "ends inside its extension version"},
		};

		for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		{
			size_t		base = cuts[i].piece == 0 ? inf : cuts[i].piece == 1 ? vc :
				cuts[i].piece == 2 ? bse : cuts[i].piece == 3 ? ll : ver;
			size_t		cut = base + cuts[i].extra;

			/* the continuous part kept after the cut, so only the inference part is short */
			memcpy(c, buf, cut);
			memcpy(c + cut, buf + len - 4 - CONT_TAIL, CONT_TAIL);
			reseal(c, cut + CONT_TAIL + 4);
			expect_corrupt(c, cut + CONT_TAIL + 4, cuts[i].want);
		}
	}

	/* the encoder refuses what the decoder would */
	m.vcov[1] = 0.75;
	expect_invalid(&m, "symmetric");
	m.vcov[1] = m.vcov[k];
	m.loglik = 1.0;
	expect_invalid(&m, "log-likelihoods");
	m.loglik = -1.0;
	m.edf = -2.0;
	expect_invalid(&m, "degrees of freedom");
	m.edf = 2.0;
	m.target_reached = 1.5;
	expect_invalid(&m, "fairness level reached");
	m.target_reached = 0.8;
	m.vcov_type = FG_VCOV_NONE;
	expect_invalid(&m, "disagree");
	m.vcov_type = 7;
	expect_invalid(&m, "Covariance type 7");
	m.vcov_type = FG_VCOV_ROBUST;
	m.ext_version[0] = '\x01';
	expect_invalid(&m, "not printable");
	memset(m.ext_version, 'v', FG_MODEL_MAX_VERSION_LEN);
	m.ext_version[FG_MODEL_MAX_VERSION_LEN] = '\0';
	{
		uint8_t    *out = encode_ok(&m, &len);	/* 32 bytes fit */

		if (out != NULL &&
			CHECK(fg_model_decode(&unit_env, out, len, &d, &err) == FG_OK, "%s", err.detail))
		{
			CHECK(models_equal(&m, &d));
			fg_model_release(&unit_env, &d);
		}
		fg_release(&unit_env, out);
	}
	free(c);
	fg_release(&unit_env, buf);
	fg_release(&unit_env, bufn);
	fg_model_release(&unit_env, &m);
	fg_model_release(&unit_env, &mn);
}

/* A model in version 1 decodes exactly as fairglmm 1.0 decoded it. */
static void
v1_model_decodes(fg_model *m)
{
	fg_model	d;
	fg_error	err;
	size_t		len;
	uint8_t    *buf;
	long		live;

	/* version 1 has neither l2, a separation report nor inference */
	m->opt.l2 = 0.0;
	drop_inference(m);
	fg_release(&unit_env, m->unidentified);
	m->unidentified = NULL;
	m->n_unidentified = 0;
	m->separated_rows = 0;
	live = unit_live_allocs;
	buf = encode_model_v1(m, &len);
	CHECK(buf[4] == 1 && get_le(buf + 12, 8) == len);
	if (CHECK(fg_model_decode(&unit_env, buf, len, &d, &err) == FG_OK, "%s", err.detail))
	{
		CHECK(d.format_version == 1);
		CHECK(models_equal(m, &d), "p=%d n_strata=%u", m->p, m->n_strata);
		fg_model_release(&unit_env, &d);
	}
	free(buf);
	CHECK(unit_live_allocs == live);
}

static void
test_version_1(void)
{
	fg_model	m;
	fg_model	d;
	fg_error	err;
	size_t		len;
	uint8_t    *buf;
	uint8_t    *c;
	long		bad = 0;

	/* the shapes of the round-trip test, and every option non-default */
	for (int names = 0; names <= 1; names++)
		for (int sel = 0; sel <= 1; sel++)
		{
			m = make_model(3, 0, FG_KEY_NONE, names, sel);
			v1_model_decodes(&m);
			fg_model_release(&unit_env, &m);
			m = make_model(3, 7, FG_KEY_INT, names, sel);
			v1_model_decodes(&m);
			fg_model_release(&unit_env, &m);
			m = make_model(2, 9, FG_KEY_TEXT, names, sel);
			m.opt.method = FG_METHOD_GLMM;
			m.opt.q0 = 3;
			m.opt.tol_q = 1e-4;
			m.opt.max_steps = 7;
			m.opt.nu = 0.25;
			m.opt.probes = 99;
			m.opt.seed = 12345;
			m.opt.exact_trace = true;
			m.opt.tol = 1e-9;
			v1_model_decodes(&m);
			fg_model_release(&unit_env, &m);
		}
	m = make_model(0, 0, FG_KEY_NONE, false, false);
	v1_model_decodes(&m);
	fg_model_release(&unit_env, &m);

	/*
	 * Version 1 took what 1.0 stored, unchecked: a Newton fit with an
	 * out-of-range boosting option, a has_c flag with c NaN.  Such a model
	 * still decodes; version 2 cannot hold it, so re-encoding is refused.
	 */
	m = make_model(2, 3, FG_KEY_INT, false, false);
	m.opt.method = FG_METHOD_CRLR;
	m.opt.nu = 5;
	m.opt.tol_q = -1;
	m.has_c = true;
	m.opt.c = NAN;
	fg_release(&unit_env, m.unidentified);
	m.unidentified = NULL;
	m.n_unidentified = 0;
	m.separated_rows = 0;
	buf = encode_model_v1(&m, &len);
	if (CHECK(fg_model_decode(&unit_env, buf, len, &d, &err) == FG_OK, "%s", err.detail))
	{
		uint8_t    *out = NULL;
		size_t		out_len;

		CHECK(d.opt.nu == 5 && d.opt.tol_q == -1 && d.has_c && isnan(d.opt.c) && d.opt.l2 == 0);
		CHECK(fg_model_encode(&unit_env, &d, &out, &out_len, &err) == FG_ERR_INVALID);
		CHECK(strstr(err.detail, "option \"tol_q\"") != NULL, "%s", err.detail);
		fg_model_release(&unit_env, &d);
	}
	free(buf);
	fg_model_release(&unit_env, &m);

	/* version 1's own refusals: truncation, bit flips, its fields forged */
	m = make_model(3, 5, FG_KEY_TEXT, true, true);
	fg_release(&unit_env, m.unidentified);
	m.unidentified = NULL;
	m.n_unidentified = 0;
	m.separated_rows = 0;
	m.opt.l2 = 0;
	buf = encode_model_v1(&m, &len);
	for (size_t k = 0; k < len; k++)
		if (!expect_corrupt(buf, k, NULL))
			bad++;
	c = malloc(len);
	for (size_t bit = 0; bit < len * 8; bit++)
	{
		memcpy(c, buf, len);
		c[bit / 8] ^= (uint8_t) (1u << (bit % 8));
		if (!expect_corrupt(c, len, NULL))
			bad++;
	}
	CHECK(bad == 0, "%ld damaged version-1 models accepted", bad);
	memcpy(c, buf, len);
	c[V1_OFF_HAS_C] = 2;
	reseal(c, len);
	expect_corrupt(c, len, "has_c");
	memcpy(c, buf, len);
	put_le(c + V1_OFF_P, UINT32_MAX, 4);
	reseal(c, len);
	expect_corrupt(c, len, "limit");
	memcpy(c, buf, len);
	c[20] = 9;
	reseal(c, len);
	expect_corrupt(c, len, "Method code 9");
	memcpy(c, buf, 170);
	reseal(c, 174);
	expect_corrupt(c, 174, "shorter than the 196 bytes of the smallest model");
	free(c);
	free(buf);
	fg_model_release(&unit_env, &m);
}

int
main(void)
{
	long		live = unit_live_allocs;

	test_crc();
	test_keys();
	test_roundtrips();
	test_layout();
	test_lookup();
	test_truncation_and_bit_flips();
	test_header_errors();
	test_forged_counts();
	test_semantic_errors();
	test_resealed_mutations();
	test_out_of_memory();
	test_encode_invalid();
	test_options_block();
	test_forged_options();
	test_separation();
	test_inference();
	test_all_options();
	test_version_1();
	CHECK(unit_live_allocs == live, "%ld allocations never released",
		  unit_live_allocs - live);
	return unit_summary("model_format");
}
