/*
 * test_state_format.c -- the serialised training state: round trips, and
 * refusal of every truncation, every flipped bit and forged fields (with a
 * valid checksum), counts bounded before allocation, random edits, failing
 * allocations, and the settings comparison of the combine step.  Coded
 * sensitive attributes and weights: round trips, the combine through the
 * bytes equal to one state of every row, forged counts, labels, codes and
 * weights, random edits and failing allocations.  A continuous y (the
 * gaussian family): round trips bit for bit, the family and the rows must
 * agree, non-finite outcomes refused, damage and random edits.
 */
#include "model_format.h"
#include "options.h"
#include "state_format.h"
#include "unit.h"
#include "../le_bytes.h"
#include "../splitmix.h"
#include "../coded_rows.h"
#include "train_compare.h"

#include <string.h>

/*
 * Offsets of the fixed fields, written out so that a layout change is
 * noticed.  The options block (options.h) starts at 27 and takes 514 bytes;
 * the values of method, rho, c and nu lie where its entries put them.
 */
#define OFF_VERSION		4
#define OFF_FLAGS		8
#define OFF_TOTAL		12
#define OFF_Y_KIND		20
#define OFF_S_KIND		21
#define OFF_S_ARRAY		22
#define OFF_STRATA_KIND	23
#define OFF_USES_STRATA	24
#define OFF_HAS_OPTIONS	25
#define OFF_WEIGHTED	26
#define OFF_OPTIONS		27
#define OFF_METHOD		37
#define OFF_RHO			43
#define OFF_C			70
#define OFF_NU			190
#define OFF_N_NAMES		541
#define OFF_NAMES		545

static uint64_t rng_state = 4242;

/* Up to 8 characters as a little-endian number, for put_le. */
static uint64_t
text_le(const char *t)
{
	uint64_t	v = 0;

	for (int i = 0; t[i] != '\0' && i < 8; i++)
		v |= (uint64_t) (uint8_t) t[i] << (8 * i);
	return v;
}

static void
reseal(uint8_t *buf, size_t len)
{
	put_le(buf + OFF_TOTAL, len, 8);
	put_le(buf + len - 4, fg_crc32c(0, buf, len - 4), 4);
}

/* Where the variable-length parts start, found by walking the names. */
typedef struct layout
{
	size_t		options_len;	/* offset of the options length */
	size_t		n_rhos;			/* offset of the number of rhos */
	size_t		p;				/* offset of p */
	size_t		n_rows;
	size_t		n_strata;
	size_t		key_lens;
	size_t		keys;
	size_t		x;				/* first feature value */
	size_t		y;
	size_t		s;
	size_t		stratum;
} layout;

static layout
locate(const uint8_t *buf, int p, uint64_t n_rows)
{
	layout		L;
	size_t		o = OFF_NAMES;
	int32_t		n_names = (int32_t) get_le(buf + OFF_N_NAMES, 4);
	uint32_t	n_strata;

	for (int j = 0; j < n_names; j++)
		o += 4 + get_le(buf + o, 4);
	L.options_len = o;
	o += 4 + get_le(buf + o, 4);
	L.n_rhos = o;
	o += 4 + 8 * get_le(buf + o, 4);
	L.p = o;
	L.n_rows = o + 4;
	L.n_strata = o + 20;
	n_strata = (uint32_t) get_le(buf + L.n_strata, 4);
	L.key_lens = o + 32;
	L.keys = L.key_lens + 4 * (size_t) n_strata;
	/* then the number of coded attributes (0 in these samples) */
	L.x = L.keys + get_le(buf + o + 24, 8) + 4;
	L.y = L.x + 8 * (size_t) p * n_rows;
	L.s = L.y + n_rows;
	L.stratum = L.s + n_rows;
	return L;
}

/* ---------- a sample state ---------- */

static char *sample_names[] = {"age", "income", "sex"};
static const uint8_t sample_options[] = "{\"method\": \"fair_crlr\"} as jsonb bytes";
static double sample_rhos[] = {0.0, 1.5, 0.25};

static void
sample_config(fg_state_config *c)
{
	memset(c, 0, sizeof(*c));
	fg_options_default(&c->opt);
	c->opt.method = FG_METHOD_FAIR_CRLR;
	c->opt.rho = 0.8;
	c->opt.lambda = 1.0;
	c->n_feature_names = 3;
	c->feature_names = sample_names;
	c->y_kind = FG_ARG_BOOL;
	c->s_kind = FG_ARG_INT;
	c->strata_kind = FG_STRATA_TEXT;
	c->has_options = true;
	c->options = sample_options;
	c->options_len = sizeof(sample_options) - 1;
	c->n_rhos = 3;
	c->rhos = sample_rhos;
}

static const char *sample_keys[] = {"north", "south", "", "east-west", "z"};

/* The sample rows with a binary y, or with a continuous one (crow_y_real's). */
static void
sample_train_family(fg_train *t, uint64_t n_rows, bool strata, bool gaussian)
{
	fg_error	err;

	fg_train_init(t, &unit_env, strata, 3, &err);
	fg_train_set_gaussian(t, gaussian, &err);
	for (uint64_t l = 0; l < n_rows; l++)
	{
		double		x[3] = {(double) l, -0.5 * (double) l, l % 2 ? 1e300 : -1e-300};
		const char *k = sample_keys[(l * 3) % 5];

		if (gaussian)
			fg_train_add_row_real(t, x, crow_y_real(l), 1.0, (uint8_t) (l % 2), NULL,
								  (const uint8_t *) k, strlen(k), &err);
		else
			fg_train_add_row(t, x, (uint8_t) (l % 3 == 0), (uint8_t) (l % 2), (const uint8_t *) k,
							 strlen(k), &err);
	}
	t->n_skipped = 7;
}

static void
sample_train(fg_train *t, uint64_t n_rows, bool strata)
{
	sample_train_family(t, n_rows, strata, false);
}

/* An empty state that takes the view's rows: its strata, weights and family. */
static void
init_for_view(fg_train *t, const fg_state_view *v)
{
	fg_error	err;

	fg_train_init(t, &unit_env, v->uses_strata, -1, &err);
	fg_train_set_weighted(t, v->config.weighted, &err);
	fg_train_set_gaussian(t, v->config.opt.family == FG_FAMILY_GAUSSIAN, &err);
}

static uint8_t *
encode(const fg_state_config *c, const fg_train *t, size_t *len)
{
	fg_error	err;
	uint8_t    *buf;

	*len = fg_state_encoded_size(c, t);
	buf = malloc(*len);
	if (!CHECK(fg_state_encode(c, t, buf, *len, &err) == FG_OK, "%s", err.detail))
		return buf;
	return buf;
}

static fg_status
decode(const uint8_t *buf, size_t len, fg_error *err)
{
	fg_state_view v;
	fg_status	st = fg_state_decode(&unit_env, buf, len, &v, err);

	fg_state_view_release(&unit_env, &v);
	return st;
}

/* ---------- tests ---------- */

static void
test_round_trip(void)
{
	bool		with_strata[] = {true, false};

	for (int w = 0; w < 2; w++)
	{
		fg_state_config c;
		fg_train	t,
					back;
		fg_state_view v;
		fg_error	err;
		size_t		len,
					estimate;
		uint8_t    *buf;

		sample_config(&c);
		if (!with_strata[w])
			c.opt.method = FG_METHOD_FAIR_LR;
		sample_train(&t, 41, with_strata[w]);
		buf = encode(&c, &t, &len);
		CHECK(get_le(buf, 4) == FG_STATE_MAGIC && get_le(buf + OFF_VERSION, 2) == FG_STATE_VERSION);
		CHECK(get_le(buf + OFF_TOTAL, 8) == len);
		CHECK(fg_state_encode(&c, &t, buf, len - 1, &err) == FG_ERR_INVALID);

		CHECK(fg_state_decode(&unit_env, buf, len, &v, &err) == FG_OK, "%s", err.detail);
		CHECK(fg_state_config_check_equal(&c, &v.config, &err) == FG_OK, "%s", err.detail);
		CHECK(v.p == 3 && v.n_rows == 41 && v.n_skipped == 7);
		CHECK(v.uses_strata == with_strata[w]);
		CHECK(v.n_strata == (with_strata[w] ? 5u : 0u));

		/* appended to an empty state the rows come back exactly */
		fg_train_init(&back, &unit_env, with_strata[w], -1, &err);
		estimate = fg_state_append_memory(&back, &v);
		CHECK(fg_state_append(&back, &v, &err) == FG_OK, "%s", err.detail);
		/* the estimate a memory limit is checked against bounds what was taken */
		CHECK(fg_train_memory(&back) <= estimate, "%zu > %zu", fg_train_memory(&back), estimate);
		CHECK(back.n_rows == 41 && back.n_skipped == 7 && back.p == 3);
		for (uint64_t l = 0; l < 41; l++)
		{
			CHECK(memcmp(fg_train_row(&back, l), fg_train_row(&t, l), 3 * sizeof(double)) == 0);
			CHECK(back.y[l] == t.y[l] && back.s[l] == t.s[l]);
			if (with_strata[w])
			{
				size_t		la,
							lb;
				const uint8_t *ka = fg_dict_key(&back.dict, back.stratum[l], &la);
				const uint8_t *kb = fg_dict_key(&t.dict, t.stratum[l], &lb);

				CHECK(la == lb && (la == 0 || memcmp(ka, kb, la) == 0));
			}
		}
		/* appending again doubles the rows and keeps the dictionary */
		CHECK(fg_state_append(&back, &v, &err) == FG_OK);
		CHECK(back.n_rows == 82 && back.n_skipped == 14);
		CHECK(!with_strata[w] || back.dict.count == 5);

		fg_state_view_release(&unit_env, &v);
		fg_train_free(&back);
		fg_train_free(&t);
		free(buf);
	}

	/* a state that saw only skipped rows, without options or names */
	{
		fg_state_config c;
		fg_train	t;
		fg_state_view v;
		fg_error	err;
		size_t		len;
		uint8_t    *buf;

		sample_config(&c);
		c.has_options = false;
		c.options = NULL;
		c.options_len = 0;
		c.n_feature_names = -1;
		c.feature_names = NULL;
		c.strata_kind = FG_STRATA_INT8;
		fg_train_init(&t, &unit_env, true, -1, &err);
		t.n_skipped = 3;
		buf = encode(&c, &t, &len);
		CHECK(fg_state_decode(&unit_env, buf, len, &v, &err) == FG_OK, "%s", err.detail);
		CHECK(v.p == -1 && v.n_rows == 0 && v.n_skipped == 3 && v.config.n_feature_names == -1);
		CHECK(fg_state_config_check_equal(&c, &v.config, &err) == FG_OK);
		fg_state_view_release(&unit_env, &v);
		fg_train_free(&t);
		free(buf);
	}
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

/*
 * Every option travels: a boosting fit's settings with each option away from
 * its default come back from the bytes unchanged (format version 1 carried
 * only some of them, so a parallel glmm fit lost nu, max_steps and the
 * other boosting options).
 */
static void
test_every_option_travels(void)
{
	fg_state_config c;
	fg_train	t;
	fg_state_view v;
	fg_error	err;
	size_t		len;
	uint8_t    *buf;
	fg_options	dflt;

	sample_config(&c);
	c.opt.method = FG_METHOD_GLMM;
	c.opt.rho = 0.5;
	c.opt.lambda = 2;
	c.opt.tol = 1e-9;
	c.opt.max_iter = 50;
	c.opt.threshold = 0.4;
	c.opt.l2 = 0.25;
	c.opt.q0 = 3;
	c.opt.tol_q = 1e-4;
	c.opt.max_steps = 3;
	c.opt.nu = 0.3;
	c.opt.probes = 7;
	c.opt.seed = 9;
	c.opt.exact_trace = true;
	c.opt.fairness = FG_FAIRNESS_EQUALIZED_ODDS;
	c.opt.weight_scale = FG_WEIGHTS_AS_GIVEN;
	c.opt.vcov = FG_VCOV_ROBUST;
	c.opt.verbose = true;
	c.opt.target_metric = FG_TARGET_EQUALIZED_ODDS;
	c.opt.family = FG_FAMILY_GAUSSIAN;
	c.opt.thresholds = 12;
	c.opt.max_sweeps = 5;
	c.opt.folds = 4;
	c.opt.fold_by = FG_FOLD_BY_ROWS;
	c.opt.fold_seed = 11;
	fg_options_default(&dflt);
	for (int i = 0; i < fg_option_count; i++)
	{
		const fg_option_def *def = &fg_option_table[i];
		fg_options	one = dflt;

		if (def->size == 0 || def->flags & FG_OPTION_UNSET)
			continue;
		/* c aside (it cannot go with glmm), each option differs from its default */
		if (def->type == FG_OPTION_NUMBER)
			fg_option_set_number(&one, def, fg_option_get_number(&c.opt, def));
		else
			fg_option_set_integer(&one, def, fg_option_get_integer(&c.opt, def));
		CHECK(fg_options_first_difference(&one, &dflt) == def, "option %s", def->name);
	}
	/* the gaussian family keeps a continuous y */
	sample_train_family(&t, 17, true, true);
	buf = encode(&c, &t, &len);
	CHECK(get_le(buf + OFF_VERSION, 2) == FG_STATE_VERSION);
	if (CHECK(fg_state_decode(&unit_env, buf, len, &v, &err) == FG_OK, "%s", err.detail))
	{
		CHECK(fg_options_first_difference(&c.opt, &v.config.opt) == NULL);
		CHECK(v.config.opt.nu == 0.3 && v.config.opt.max_steps == 3 && v.config.opt.l2 == 0.25 &&
			  v.config.opt.exact_trace && v.config.opt.seed == 9 && !v.config.has_c &&
			  v.config.opt.vcov == FG_VCOV_ROBUST && v.config.opt.verbose);
		CHECK(v.config.opt.folds == 4 && v.config.opt.fold_by == FG_FOLD_BY_ROWS &&
			  v.config.opt.fold_seed == 11);
		CHECK(fg_state_config_check_equal(&c, &v.config, &err) == FG_OK, "%s", err.detail);
		fg_state_view_release(&unit_env, &v);
	}
	free(buf);

	/* the constrained form's bound travels too, and a flag that disagrees is refused */
	c.opt.method = FG_METHOD_FAIR_CRLR;
	c.opt.rho = 0;
	c.has_c = true;
	c.opt.c = 0.05;
	buf = encode(&c, &t, &len);
	if (CHECK(fg_state_decode(&unit_env, buf, len, &v, &err) == FG_OK, "%s", err.detail))
	{
		CHECK(v.config.has_c && v.config.opt.c == 0.05);
		fg_state_view_release(&unit_env, &v);
	}
	c.has_c = false;
	CHECK(fg_state_encode(&c, &t, buf, len, &err) == FG_ERR_INVALID);
	free(buf);
	fg_train_free(&t);
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

static void
test_damage(void)
{
	fg_state_config c;
	fg_train	t;
	fg_error	err;
	size_t		len;
	uint8_t    *buf,
			   *copy;

	sample_config(&c);
	sample_train(&t, 23, true);
	buf = encode(&c, &t, &len);
	copy = malloc(len);

	for (size_t n = 0; n < len; n++)
		CHECK(decode(buf, n, &err) == FG_ERR_CORRUPT, "truncated to %zu bytes", n);
	CHECK(decode(NULL, 0, &err) == FG_ERR_CORRUPT);

	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++)
		{
			memcpy(copy, buf, len);
			copy[i] ^= (uint8_t) (1u << bit);
			if (!CHECK(decode(copy, len, &err) == FG_ERR_CORRUPT, "bit %d of byte %zu", bit, i))
				i = len;
		}
	free(copy);
	free(buf);
	fg_train_free(&t);
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

/* Change n bytes at off to v, reseal, and expect a refusal mentioning what. */
static void
forge(const uint8_t *buf, size_t len, size_t off, uint64_t v, int n, const char *what)
{
	uint8_t    *copy = malloc(len);
	fg_error	err;
	fg_status	st;

	memcpy(copy, buf, len);
	put_le(copy + off, v, n);
	reseal(copy, len);
	unit_largest_alloc = 0;
	st = decode(copy, len, &err);
	CHECK(st == FG_ERR_CORRUPT, "forged %s: status %d", what, st);
	CHECK(st != FG_ERR_CORRUPT || strstr(err.detail, what) != NULL,
		  "forged %s: detail was \"%s\"", what, err.detail);
	CHECK(strcmp(err.message, "invalid fairglmm training state") == 0 || st != FG_ERR_CORRUPT);
	/* nothing large was allocated on the strength of a forged count */
	CHECK(unit_largest_alloc < 4096, "forged %s: allocated %zu bytes", what, unit_largest_alloc);
	free(copy);
}

static void
test_forgeries(void)
{
	fg_state_config c;
	fg_train	t;
	size_t		len;
	uint8_t    *buf;
	layout		L;
	double		nan_value = NAN;
	uint64_t	nan_bits;

	sample_config(&c);
	sample_train(&t, 23, true);
	buf = encode(&c, &t, &len);
	L = locate(buf, 3, 23);
	memcpy(&nan_bits, &nan_value, 8);

	forge(buf, len, OFF_VERSION, 2, 2, "format version 2; this build reads version 3");
	forge(buf, len, OFF_VERSION, 4, 2, "format version 4");
	forge(buf, len, OFF_FLAGS, 4, 4, "flags");	/* 1 marks sums, 2 dictionaries only */
	forge(buf, len, OFF_FLAGS, 2, 4, "dictionaries");	/* rows behind a dictionaries flag */
	forge(buf, len, 0, 0x4C4D4746u, 4, "magic");
	forge(buf, len, OFF_METHOD, 99, 1, "unknown method code 99");
	forge(buf, len, OFF_METHOD, FG_METHOD_FAIR_LR, 1, "strata flag");
	forge(buf, len, OFF_HAS_OPTIONS, 2, 1, "flag");
	forge(buf, len, OFF_OPTIONS, 3, 2, "3 options are stored");
	forge(buf, len, OFF_OPTIONS + 3, 'n', 1, "not \"method\"");
	forge(buf, len, OFF_Y_KIND, 0, 1, "argument type");
	forge(buf, len, OFF_STRATA_KIND, 4, 1, "argument type");
	forge(buf, len, OFF_S_KIND, 5, 1, "argument type");
	forge(buf, len, OFF_S_ARRAY, 2, 1, "flag");
	forge(buf, len, OFF_WEIGHTED, 2, 1, "flag");
	forge(buf, len, OFF_WEIGHTED, 1, 1, "row data");
	forge(buf, len, OFF_USES_STRATA, 0, 1, "strata flag");
	forge(buf, len, OFF_RHO, 0xBFF0000000000000ull, 8, "option \"rho\" is invalid");	/* -1.0 */
	forge(buf, len, OFF_NU, 0, 8, "option \"nu\" is invalid");
	/* a bound c as well as rho > 0: each valid, together not */
	forge(buf, len, OFF_C, 0x3FF0000000000000ull, 8, "settings are invalid");
	forge(buf, len, OFF_N_NAMES, 0x7FFFFFFF, 4, "feature names");
	forge(buf, len, OFF_N_NAMES, 0xFFFFFFFE, 4, "feature names");
	forge(buf, len, OFF_N_NAMES, 2, 4, "");
	forge(buf, len, OFF_NAMES, 0, 4, "feature name");
	forge(buf, len, OFF_NAMES + 4, 0, 1, "NUL");
	forge(buf, len, OFF_NAMES + 7 + 10 + 4, text_le("age"), 3, "twice");	/* "sex" -> "age" */
	forge(buf, len, L.options_len, 0x10000000, 4, "");
	forge(buf, len, L.n_rhos, 0x10000000, 4, "number of rhos");
	forge(buf, len, L.n_rhos, 4, 4, "");
	forge(buf, len, L.n_rhos + 4 + 8, nan_bits, 8, "rho of the path");
	forge(buf, len, L.n_rhos + 4 + 16, 0xBFF0000000000000ull, 8, "rho of the path");	/* -1.0 */
	forge(buf, len, L.p, 4, 4, "");
	forge(buf, len, L.p, 0xFFFFFFFF, 4, "no number of features");
	forge(buf, len, L.p, 100001, 4, "out of range");
	forge(buf, len, L.n_rows, UINT64_MAX / 2, 8, "");
	forge(buf, len, L.n_rows, 22, 8, "");
	forge(buf, len, L.n_strata, 0x7FFFFFFF, 4, "out of range");
	forge(buf, len, L.n_strata, 6, 4, "");
	forge(buf, len, L.key_lens, 5000, 4, "invalid length");
	forge(buf, len, L.key_lens, 6, 4, "");
	forge(buf, len, L.keys + 5 + 9, text_le("north"), 5, "twice");	/* "south" -> "north" */
	forge(buf, len, L.x + 8 * 4, nan_bits, 8, "not finite");
	forge(buf, len, L.x + 8 * 7, 0x7FF0000000000000ull, 8, "not finite");
	forge(buf, len, L.y + 3, 2, 1, "neither 0 nor 1");
	forge(buf, len, L.s + 22, 255, 1, "neither 0 nor 1");
	forge(buf, len, L.stratum + 4 * 9, 5, 4, "does not exist");
	forge(buf, len, L.stratum + 4 * 22, 0xFFFFFFFF, 4, "does not exist");

	free(buf);
	fg_train_free(&t);

	/* integer strata keys must be 8 bytes */
	sample_config(&c);
	c.strata_kind = FG_STRATA_INT4;
	sample_train(&t, 23, true);
	buf = encode(&c, &t, &len);
	forge(buf, len, 0, FG_STATE_MAGIC, 4, "invalid length");
	free(buf);
	fg_train_free(&t);
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

static void
test_random_edits(void)
{
	fg_state_config c;
	fg_train	t;
	size_t		len;
	uint8_t    *buf,
			   *copy;
	int			accepted = 0;

	sample_config(&c);
	sample_train(&t, 30, true);
	buf = encode(&c, &t, &len);
	copy = malloc(len);

	for (int it = 0; it < 20000; it++)
	{
		fg_state_view v;
		fg_error	err;
		fg_status	st;
		int			edits = 1 + (int) (splitmix_next(&rng_state) % 4);

		memcpy(copy, buf, len);
		for (int e = 0; e < edits; e++)
		{
			/* favour the header, settings and counts, where forgeries bite */
			size_t		off = splitmix_next(&rng_state) % 2 ? splitmix_next(&rng_state) % 200 : splitmix_next(&rng_state) % (len - 4);

			copy[off] = (uint8_t) splitmix_next(&rng_state);
		}
		reseal(copy, len);
		st = fg_state_decode(&unit_env, copy, len, &v, &err);
		CHECK(st == FG_OK || st == FG_ERR_CORRUPT, "status %d", st);
		if (st == FG_OK)
		{
			fg_train	back;

			/* whatever passes validation must be safe to use */
			accepted++;
			init_for_view(&back, &v);
			CHECK(fg_state_append(&back, &v, &err) == FG_OK, "%s", err.message);
			fg_train_free(&back);
		}
		fg_state_view_release(&unit_env, &v);
	}
	CHECK(accepted > 0, "no edit kept the state valid; the test does not test acceptance");
	free(copy);
	free(buf);
	fg_train_free(&t);
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

static void
test_failing_allocations(void)
{
	fg_state_config c;
	fg_train	t;
	size_t		len;
	uint8_t    *buf;

	sample_config(&c);
	sample_train(&t, 12, true);
	buf = encode(&c, &t, &len);
	for (long k = 0; k < 40; k++)
	{
		fg_error	err;
		fg_status	st;
		long		before = unit_live_allocs;

		unit_fail_after = k;
		st = decode(buf, len, &err);
		unit_fail_after = -1;
		CHECK(st == FG_OK || st == FG_ERR_NOMEM, "allocation %ld: status %d", k, st);
		CHECK(unit_live_allocs == before, "allocation %ld: %ld leaked", k, unit_live_allocs - before);
	}
	free(buf);
	fg_train_free(&t);
}

static void
test_config_equal(void)
{
	fg_state_config a,
				b;
	fg_error	err;
	char	   *other_names[] = {"age", "income", "gender"};
	uint8_t		other_options[sizeof(sample_options)];

	sample_config(&a);
	sample_config(&b);
	CHECK(fg_state_config_check_equal(&a, &b, &err) == FG_OK);

#define DIFFERS(change, what) \
	do { \
		sample_config(&b); \
		change; \
		CHECK(fg_state_config_check_equal(&a, &b, &err) == FG_ERR_INVALID, "%s", what); \
		CHECK(strstr(err.detail, what) != NULL, "detail \"%s\"", err.detail); \
	} while (0)

	DIFFERS(b.opt.method = FG_METHOD_CRLR, "method");
	DIFFERS(b.opt.rho = 0.9, "rho or lambda");
	DIFFERS(b.opt.lambda = 2, "rho or lambda");
	DIFFERS((b.has_c = true, b.opt.c = 0.1), "options");
	DIFFERS(b.opt.tol = 1e-8, "options");
	DIFFERS(b.opt.max_iter = 5, "options");
	DIFFERS(b.opt.threshold = 0.3, "options");
	DIFFERS(b.opt.l2 = 0.01, "options");
	DIFFERS(b.opt.q0 = 3, "options");
	DIFFERS(b.opt.tol_q = 0.01, "options");
	DIFFERS(b.opt.max_steps = 3, "options");
	DIFFERS(b.opt.nu = 0.3, "options");
	DIFFERS(b.opt.probes = 5, "options");
	DIFFERS(b.opt.seed = 7, "options");
	DIFFERS(b.opt.exact_trace = true, "options");
	DIFFERS(b.y_kind = FG_ARG_INT, "argument types");
	DIFFERS(b.strata_kind = FG_STRATA_INT4, "argument types");
	DIFFERS(b.has_options = false, "options");
	DIFFERS(b.options_len--, "options");
	memcpy(other_options, sample_options, sizeof(sample_options));
	other_options[3] ^= 1;
	DIFFERS(b.options = other_options, "options");
	DIFFERS(b.n_feature_names = -1, "feature names");
	DIFFERS(b.feature_names = other_names, "feature names");
	CHECK(strstr(err.message, "must be the same") != NULL);
#undef DIFFERS
}

/* ---------- coded sensitive attributes and weights ---------- */

static const int64_t sf_bin[] = {0, 1};
static const int64_t sf_mixed[] = {0, 1, 5, -2};
static const int64_t sf_ints_a[] = {10, -3, 2, 1000};
static const int64_t sf_ints_b[] = {2, -100, 10, 77};
static const char *const sf_texts_a[] = {"M", "F", "x", "\xc3\xa9t\xc3\xa9"};
static const char *const sf_texts_b[] = {"", "F", "zz", "M", "a"};

static const crow_vals SF_BIN = {sf_bin, NULL, 2};
static const crow_vals SF_MIXED = {sf_mixed, NULL, 4};
static const crow_vals SF_INTS_A = {sf_ints_a, NULL, 4};
static const crow_vals SF_INTS_B = {sf_ints_b, NULL, 4};
static const crow_vals SF_TEXT_A = {NULL, sf_texts_a, 4};
static const crow_vals SF_TEXT_B = {NULL, sf_texts_b, 5};

/* One kind of coded state: its argument types and where its rows' labels come from. */
typedef struct coded_case
{
	const char *what;
	crow_kind	kind;
	fg_arg_kind s_kind;
	bool		strata;
	bool		weighted;
	const crow_vals *va;		/* worker a's values */
	const crow_vals *vb;		/* worker b's */
	bool		gaussian;		/* a continuous y */
} coded_case;

static const coded_case coded_cases[] = {
	{"integers switched to codes, weighted", {false, 0}, FG_ARG_INT, true, true, &SF_MIXED, &SF_BIN, false},
	{"binary then coded, weighted", {false, 0}, FG_ARG_INT, false, true, &SF_BIN, &SF_INTS_A, false},
	{"binary, weighted", {false, 0}, FG_ARG_INT, true, true, &SF_BIN, &SF_BIN, false},
	{"bigint codes", {false, 0}, FG_ARG_INT8, true, false, &SF_INTS_A, &SF_INTS_B, false},
	{"text", {true, 0}, FG_ARG_TEXT, false, false, &SF_TEXT_A, &SF_TEXT_B, false},
	{"text, weighted", {true, 0}, FG_ARG_TEXT, true, true, &SF_TEXT_B, &SF_TEXT_A, false},
	{"array of three text", {true, 3}, FG_ARG_TEXT, true, true, &SF_TEXT_A, &SF_TEXT_B, false},
	{"array of two integers", {false, 2}, FG_ARG_INT, false, true, &SF_INTS_B, &SF_INTS_A, false},
	{"array of two booleans", {false, 2}, FG_ARG_BOOL, true, false, &SF_BIN, &SF_BIN, false},
	{"gaussian, integers switched to codes, weighted", {false, 0}, FG_ARG_INT, true, true, &SF_MIXED, &SF_BIN, true},
	{"gaussian, binary", {false, 0}, FG_ARG_BOOL, false, false, &SF_BIN, &SF_BIN, true},
	{"gaussian, array of two text, weighted", {true, 2}, FG_ARG_TEXT, true, true, &SF_TEXT_B, &SF_TEXT_A, true},
};

static void
coded_config(fg_state_config *c, const coded_case *cc)
{
	sample_config(c);
	c->opt.method = cc->strata ? FG_METHOD_FAIR_CRLR : FG_METHOD_FAIR_LR;
	c->n_feature_names = -1;
	c->feature_names = NULL;
	c->s_kind = cc->s_kind;
	c->s_array = cc->kind.n_attr > 0;
	c->weighted = cc->weighted;
	c->strata_kind = FG_STRATA_INT8;
	if (cc->gaussian)
	{
		c->opt.family = FG_FAMILY_GAUSSIAN;
		c->y_kind = FG_ARG_FLOAT8;
	}
}

/* Rows [from, from + n) of a case, each taking its labels from vals. */
static void
coded_train(fg_train *t, const coded_case *cc, uint64_t from, uint64_t n, const crow_vals *vals)
{
	fg_error	err;

	CHECK(fg_train_init(t, &unit_env, cc->strata, -1, &err) == FG_OK);
	CHECK(fg_train_set_weighted(t, cc->weighted, &err) == FG_OK);
	CHECK(fg_train_set_gaussian(t, cc->gaussian, &err) == FG_OK);
	CHECK(crow_add_rows(t, cc->kind, NULL, from, n, vals, &err) == FG_OK, "%s: %s", cc->what,
		  err.message);
}

/* Decode buf and append it to t as the combine step does; false on failure. */
static bool
append_bytes(fg_train *t, const uint8_t *buf, size_t len, const char *what)
{
	fg_state_view v;
	fg_error	err;
	size_t		estimate;
	bool		ok;

	if (!CHECK(fg_state_decode(&unit_env, buf, len, &v, &err) == FG_OK, "%s: %s", what, err.detail))
		return false;
	estimate = fg_state_append_memory(t, &v);
	ok = CHECK(fg_state_append(t, &v, &err) == FG_OK, "%s: %s", what, err.message);
	CHECK(fg_train_memory(t) <= estimate, "%s: appending took %zu bytes, estimated %zu", what,
		  fg_train_memory(t), estimate);
	fg_state_view_release(&unit_env, &v);
	return ok;
}

/*
 * Round trips of coded and weighted states: the view describes the
 * dictionaries and rows, and appended to an empty state the rows come back
 * as they were.  Then the parallel combine through the bytes: two workers'
 * states (binary and coded, or coded with different dictionaries) appended
 * in either order to an empty state equal one state that got every row,
 * and so does fg_train_merge of the two.
 */
static void
test_coded_round_trip(void)
{
	uint64_t	na = 37,
				nb = 52;

	for (size_t i = 0; i < sizeof(coded_cases) / sizeof(coded_cases[0]); i++)
	{
		const coded_case *cc = &coded_cases[i];
		fg_state_config c;
		fg_train	a,
					b,
					whole,
					back,
					ab,
					ba,
					merged;
		fg_state_view v;
		fg_error	err;
		size_t		len_a,
					len_b;
		uint8_t    *buf_a,
				   *buf_b;

		coded_config(&c, cc);
		coded_train(&a, cc, 0, na, cc->va);
		coded_train(&b, cc, na, nb, cc->vb);
		coded_train(&whole, cc, 0, na, cc->va);
		CHECK(crow_add_rows(&whole, cc->kind, NULL, na, nb, cc->vb, &err) == FG_OK);
		a.n_skipped = 2;
		b.n_skipped = 5;
		whole.n_skipped = 7;
		buf_a = encode(&c, &a, &len_a);
		buf_b = encode(&c, &b, &len_b);

		/* the view of a */
		if (CHECK(fg_state_decode(&unit_env, buf_a, len_a, &v, &err) == FG_OK, "%s: %s", cc->what,
				  err.detail))
		{
			CHECK(fg_state_config_check_equal(&c, &v.config, &err) == FG_OK);
			CHECK(v.n_attr == a.n_attr && v.n_rows == na && v.n_skipped == 2 && v.p == CROW_P);
			CHECK((v.w != NULL) == cc->weighted && (v.s != NULL) == (a.n_attr == 0) &&
				  (v.codes != NULL) == (a.n_attr > 0));
			CHECK((v.y_real != NULL) == cc->gaussian && (v.y != NULL) == !cc->gaussian);
			for (uint32_t k = 0; k < v.n_attr; k++)
			{
				CHECK(v.n_cats[k] == a.attrs[k].count);
				for (uint32_t j = 0; j < v.n_cats[k]; j++)
				{
					size_t		len;
					const uint8_t *key = fg_dict_key(&a.attrs[k], j, &len);

					CHECK(v.attr_offsets[k][j + 1] - v.attr_offsets[k][j] == len &&
						  (len == 0 || memcmp(v.attr_keys[k] + v.attr_offsets[k][j], key, len) == 0),
						  "%s: label %u of attribute %u", cc->what, j, k);
				}
			}
			for (uint64_t l = 0; l < na; l++)
			{
				if (cc->weighted)
					CHECK(fg_le_load_f64(v.w + 8 * l) == a.w[l]);
				if (cc->gaussian)
				{
					double		yr = fg_le_load_f64(v.y_real + 8 * l);

					CHECK(memcmp(&yr, &a.y_real[l], 8) == 0, "%s: outcome %llu", cc->what,
						  (unsigned long long) l);
				}
				for (uint32_t k = 0; k < v.n_attr; k++)
					CHECK(get_le(v.codes + 4 * (l * v.n_attr + k), 4) == a.codes[l * a.n_attr + k]);
			}
			fg_state_view_release(&unit_env, &v);
		}

		/* a's rows back from its bytes */
		CHECK(fg_train_init(&back, &unit_env, cc->strata, -1, &err) == FG_OK);
		CHECK(fg_train_set_weighted(&back, cc->weighted, &err) == FG_OK);
		CHECK(fg_train_set_gaussian(&back, cc->gaussian, &err) == FG_OK);
		CHECK(append_bytes(&back, buf_a, len_a, cc->what));
		CHECK(back.n_skipped == 2);
		/* the combine of workers a and b, in both orders, and a merge */
		CHECK(fg_train_init(&ab, &unit_env, cc->strata, -1, &err) == FG_OK);
		CHECK(fg_train_set_weighted(&ab, cc->weighted, &err) == FG_OK);
		CHECK(fg_train_set_gaussian(&ab, cc->gaussian, &err) == FG_OK);
		CHECK(append_bytes(&ab, buf_a, len_a, cc->what) && append_bytes(&ab, buf_b, len_b, cc->what));
		CHECK(ab.n_rows == na + nb && ab.n_skipped == 7);
		CHECK(fg_train_init(&ba, &unit_env, cc->strata, -1, &err) == FG_OK);
		CHECK(fg_train_set_weighted(&ba, cc->weighted, &err) == FG_OK);
		CHECK(fg_train_set_gaussian(&ba, cc->gaussian, &err) == FG_OK);
		CHECK(append_bytes(&ba, buf_b, len_b, cc->what) && append_bytes(&ba, buf_a, len_a, cc->what));
		coded_train(&merged, cc, 0, na, cc->va);
		CHECK(fg_train_merge(&merged, &b, &err) == FG_OK, "%s: %s", cc->what, err.message);
		/* a state that went through the bytes encodes again, and the same */
		{
			size_t		len;
			uint8_t    *again = encode(&c, &ab, &len);
			fg_train	twice;

			CHECK(fg_train_init(&twice, &unit_env, cc->strata, -1, &err) == FG_OK);
			CHECK(fg_train_set_weighted(&twice, cc->weighted, &err) == FG_OK);
			CHECK(fg_train_set_gaussian(&twice, cc->gaussian, &err) == FG_OK);
			CHECK(append_bytes(&twice, again, len, cc->what));
			CHECK(same_data(&twice, &whole, cc->what));
			fg_train_free(&twice);
			free(again);
		}
		CHECK(same_data(&back, &a, cc->what));
		CHECK(same_data(&ab, &whole, cc->what));
		CHECK(same_data(&merged, &whole, cc->what));
		/* b's rows first: rows differ in order, the dictionaries do not */
		CHECK(ba.n_rows == na + nb && ba.n_attr == whole.n_attr);
		{
			fg_data		d;

			CHECK(fg_train_data(&ba, &d, &err) == FG_OK);
			for (uint32_t k = 0; k < ba.n_attr; k++)
				CHECK(same_dict(&ba.attrs[k], &whole.attrs[k]));
		}

		fg_train_free(&a);
		fg_train_free(&b);
		fg_train_free(&whole);
		fg_train_free(&back);
		fg_train_free(&ab);
		fg_train_free(&ba);
		fg_train_free(&merged);
		free(buf_a);
		free(buf_b);
		CHECK(unit_live_allocs == 0, "%s: %ld allocations leaked", cc->what, unit_live_allocs);
	}

	/* states of different kinds do not combine */
	{
		fg_state_config c;
		fg_train	weighted,
					plain,
					two;
		fg_state_view v;
		fg_error	err;
		size_t		len;
		uint8_t    *buf;

		coded_config(&c, &coded_cases[0]);
		coded_train(&weighted, &coded_cases[0], 0, 20, &SF_MIXED);
		buf = encode(&c, &weighted, &len);
		CHECK(fg_train_init(&plain, &unit_env, true, -1, &err) == FG_OK);
		CHECK(fg_state_decode(&unit_env, buf, len, &v, &err) == FG_OK);
		CHECK(fg_state_append(&plain, &v, &err) == FG_ERR_INVALID);
		CHECK(plain.n_rows == 0);
		fg_state_view_release(&unit_env, &v);
		free(buf);

		/* two attributes into a state of one */
		coded_config(&c, &coded_cases[6]);
		coded_train(&two, &coded_cases[6], 0, 20, &SF_TEXT_A);
		buf = encode(&c, &two, &len);
		CHECK(fg_state_decode(&unit_env, buf, len, &v, &err) == FG_OK);
		CHECK(fg_state_append(&weighted, &v, &err) == FG_ERR_INVALID);
		CHECK(weighted.n_rows == 20 && weighted.n_attr == 1);
		fg_state_view_release(&unit_env, &v);
		free(buf);
		fg_train_free(&weighted);
		fg_train_free(&plain);
		fg_train_free(&two);
		CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
	}
}

/* Where the parts of a coded state lie, found by walking it. */
typedef struct coded_layout
{
	size_t		n_strata;
	size_t		n_attr;
	size_t		n_cats[FG_MAX_ATTRIBUTES];
	size_t		label_bytes[FG_MAX_ATTRIBUTES];
	size_t		label_lens[FG_MAX_ATTRIBUTES];
	size_t		labels[FG_MAX_ATTRIBUTES];
	size_t		x;
	size_t		y;
	size_t		codes;			/* or s */
	size_t		stratum;
	size_t		w;
	size_t		end;
} coded_layout;

static coded_layout
locate_coded(const uint8_t *buf, const fg_train *t)
{
	coded_layout L;
	layout		base = locate(buf, 0, 0);
	size_t		o = base.keys + get_le(buf + base.n_strata + 4, 8);
	size_t		n = (size_t) t->n_rows;
	uint32_t	n_attr;

	memset(&L, 0, sizeof(L));
	L.n_strata = base.n_strata;
	L.n_attr = o;
	n_attr = (uint32_t) get_le(buf + o, 4);
	o += 4;
	for (uint32_t k = 0; k < n_attr; k++)
	{
		L.n_cats[k] = o;
		L.label_bytes[k] = o + 4;
		L.label_lens[k] = o + 12;
		L.labels[k] = L.label_lens[k] + 4 * (size_t) get_le(buf + o, 4);
		o = L.labels[k] + get_le(buf + L.label_bytes[k], 8);
	}
	L.x = o;
	L.y = L.x + 8 * (size_t) (t->p > 0 ? t->p : 0) * n;
	L.codes = L.y + n * (t->gaussian ? 8 : 1);
	L.stratum = L.codes + n * (n_attr > 0 ? 4 * (size_t) n_attr : 1);
	L.w = L.stratum + (t->uses_strata ? 4 * n : 0);
	L.end = L.w + (t->weighted ? 8 * n : 0);
	return L;
}

static uint64_t
f64_bits(double d)
{
	uint64_t	u;

	memcpy(&u, &d, 8);
	return u;
}

/*
 * Corrupt counts, label lengths, labels, codes and weights of coded and
 * weighted states (with a valid checksum): FG_ERR_CORRUPT saying what.
 * Then every truncation and flipped bit, random edits (whatever passes
 * must append), and failing allocations in decoding and appending.
 */
static void
test_coded_damage(void)
{
	fg_state_config c;
	fg_train	t;
	size_t		len;
	uint8_t    *buf;
	coded_layout L;
	uint32_t	n = 23;

	/* integers switched to codes, weighted, with strata */
	coded_config(&c, &coded_cases[0]);
	coded_train(&t, &coded_cases[0], 0, n, &SF_MIXED);
	CHECK(t.n_attr == 1 && t.attrs[0].count == 4);
	buf = encode(&c, &t, &len);
	L = locate_coded(buf, &t);
	CHECK(L.end + 4 == len, "layout %zu + 4 != %zu", L.end, len);
	CHECK(get_le(buf + L.n_attr, 4) == 1 && get_le(buf + L.n_cats[0], 4) == 4);

	forge(buf, len, L.n_attr, 2, 4, "number of sensitive attributes is out of range");
	forge(buf, len, L.n_attr, 17, 4, "out of range");
	forge(buf, len, L.n_attr, 0xFFFFFFFF, 4, "out of range");
	forge(buf, len, OFF_S_KIND, FG_ARG_BOOL, 1, "number of sensitive attributes is out of range");
	forge(buf, len, L.n_cats[0], FG_MAX_CATEGORIES + 1, 4, "categories of a sensitive attribute");
	forge(buf, len, L.n_cats[0], n + 1, 4, "categories of a sensitive attribute");
	forge(buf, len, L.n_cats[0], 0xFFFFFFFF, 4, "categories of a sensitive attribute");
	forge(buf, len, L.n_cats[0], 3, 4, "");
	forge(buf, len, L.n_cats[0], 5, 4, "");
	forge(buf, len, L.label_bytes[0], UINT64_MAX, 8, "extend past the end");
	forge(buf, len, L.label_bytes[0], len, 8, "extend past the end");
	forge(buf, len, L.label_bytes[0], 33, 8, "");
	forge(buf, len, L.label_bytes[0], 31, 8, "");
	forge(buf, len, L.label_lens[0], 7, 4, "label has an invalid length");
	forge(buf, len, L.label_lens[0] + 4, 9, 4, "label has an invalid length");
	forge(buf, len, L.label_lens[0], 0, 4, "invalid length");
	/* label 1 a copy of label 0 */
	forge(buf, len, L.labels[0] + 8, get_le(buf + L.labels[0], 8), 8, "appears twice");
	forge(buf, len, L.codes, 4, 4, "category that does not exist");
	forge(buf, len, L.codes + 4 * (n - 1), 0xFFFFFFFF, 4, "category that does not exist");
	forge(buf, len, L.codes + 4 * 7, 0x100, 4, "category that does not exist");
	forge(buf, len, L.w, f64_bits(-1.0), 8, "not a finite positive number");
	forge(buf, len, L.w + 8 * 5, f64_bits(NAN), 8, "not a finite positive number");
	forge(buf, len, L.w + 8 * (n - 1), f64_bits(0.0), 8, "not a finite positive number");
	forge(buf, len, L.w + 8 * 3, f64_bits(-0.0), 8, "not a finite positive number");
	forge(buf, len, L.w + 8 * 2, f64_bits(INFINITY), 8, "not a finite positive number");
	forge(buf, len, L.w + 8 * 2, f64_bits(-INFINITY), 8, "not a finite positive number");
	forge(buf, len, OFF_WEIGHTED, 0, 1, "row data");
	forge(buf, len, L.y + 4, 2, 1, "neither 0 nor 1");
	forge(buf, len, L.stratum, 7, 4, "stratum that does not exist");

	/* every truncation, every flipped bit */
	{
		uint8_t    *copy = malloc(len);
		fg_error	err;

		for (size_t m = 0; m < len; m++)
			CHECK(decode(buf, m, &err) == FG_ERR_CORRUPT, "truncated to %zu bytes", m);
		for (size_t i = 0; i < len; i++)
			for (int bit = 0; bit < 8; bit++)
			{
				memcpy(copy, buf, len);
				copy[i] ^= (uint8_t) (1u << bit);
				if (!CHECK(decode(copy, len, &err) == FG_ERR_CORRUPT, "bit %d of byte %zu", bit, i))
					i = len;
			}
		free(copy);
	}
	free(buf);
	fg_train_free(&t);

	/* text labels, an array of three */
	coded_config(&c, &coded_cases[6]);
	coded_train(&t, &coded_cases[6], 0, n, &SF_TEXT_A);
	buf = encode(&c, &t, &len);
	L = locate_coded(buf, &t);
	CHECK(L.end + 4 == len, "layout %zu + 4 != %zu", L.end, len);
	CHECK(get_le(buf + L.n_attr, 4) == 3);
	forge(buf, len, L.n_attr, 17, 4, "number of sensitive attributes is out of range");
	forge(buf, len, L.n_attr, 2, 4, "");
	forge(buf, len, L.n_attr, 0, 4, "");
	forge(buf, len, OFF_S_ARRAY, 0, 1, "number of sensitive attributes is out of range");
	forge(buf, len, L.label_lens[1], FG_MODEL_MAX_KEY_LEN + 1, 4, "label has an invalid length");
	forge(buf, len, L.label_lens[2], 0xFFFFFFFF, 4, "label has an invalid length");
	forge(buf, len, L.label_lens[0], get_le(buf + L.label_lens[0], 4) + 1, 4, "label");
	forge(buf, len, L.label_bytes[2], get_le(buf + L.label_bytes[2], 8) + 1, 8, "");
	forge(buf, len, L.n_cats[1], n + 1, 4, "categories of a sensitive attribute");
	forge(buf, len, L.codes + 4 * 2, get_le(buf + L.n_cats[2], 4), 4, "category that does not exist");
	forge(buf, len, L.codes + 4 * (3 * n - 1), 0x80000000, 4, "category that does not exist");
	forge(buf, len, L.w + 8 * 4, f64_bits(-2.5), 8, "not a finite positive number");
	/* a duplicate label: one of attribute 1 over a later one of the same length */
	{
		uint32_t	cats = (uint32_t) get_le(buf + L.n_cats[1], 4);
		size_t		at = L.labels[1];
		bool		done = false;

		for (uint32_t a = 0; a < cats && !done; a++)
		{
			size_t		la = get_le(buf + L.label_lens[1] + 4 * a, 4);
			size_t		bt = at + la;

			for (uint32_t b = a + 1; b < cats && !done; b++)
			{
				size_t		lb = get_le(buf + L.label_lens[1] + 4 * b, 4);

				if (la == lb && la > 0 && la <= 8)
				{
					forge(buf, len, bt, get_le(buf + at, (int) la), (int) la, "appears twice");
					done = true;
				}
				bt += lb;
			}
			at += la;
		}
		CHECK(done, "no two labels of one length");
	}
	free(buf);
	fg_train_free(&t);

	/* text (or array) arguments whose rows have no codes */
	{
		coded_case	bc = coded_cases[4];

		bc.kind = (crow_kind) {false, 0};
		coded_config(&c, &coded_cases[4]);
		coded_train(&t, &bc, 0, n, &SF_BIN);
		CHECK(t.n_attr == 0);
		buf = encode(&c, &t, &len);
		forge(buf, len, 0, FG_STATE_MAGIC, 4, "have no codes");
		{
			/* integers may stay binary */
			uint8_t    *copy = malloc(len);
			fg_error	err;

			memcpy(copy, buf, len);
			copy[OFF_S_KIND] = FG_ARG_INT;
			reseal(copy, len);
			CHECK(decode(copy, len, &err) == FG_OK);
			free(copy);
		}
		forge(buf, len, OFF_S_ARRAY, 1, 1, "have no codes");
		free(buf);
		fg_train_free(&t);
	}
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

/* Random edits of coded, weighted states: refused, or usable by the combine step. */
static void
test_coded_random_edits(void)
{
	int			accepted = 0;

	for (size_t i = 0; i < sizeof(coded_cases) / sizeof(coded_cases[0]); i++)
	{
		const coded_case *cc = &coded_cases[i];
		fg_state_config c;
		fg_train	t;
		size_t		len;
		uint8_t    *buf,
				   *copy;
		coded_layout L;

		coded_config(&c, cc);
		coded_train(&t, cc, 0, 19, cc->va);
		buf = encode(&c, &t, &len);
		L = locate_coded(buf, &t);
		copy = malloc(len);
		for (int it = 0; it < 2000; it++)
		{
			fg_state_view v;
			fg_error	err;
			fg_status	st;
			int			edits = 1 + (int) (splitmix_next(&rng_state) % 3);

			memcpy(copy, buf, len);
			for (int e = 0; e < edits; e++)
			{
				/* mostly in the counts, labels and rows of the new sections */
				size_t		off = splitmix_next(&rng_state) % 4 == 0
					? splitmix_next(&rng_state) % (len - 4)
					: L.n_strata + splitmix_next(&rng_state) % (len - 4 - L.n_strata);
				uint64_t	r = splitmix_next(&rng_state);

				copy[off] = r % 3 == 0 ? (uint8_t) r : (uint8_t) (copy[off] + (r % 5) - 2);
			}
			reseal(copy, len);
			st = fg_state_decode(&unit_env, copy, len, &v, &err);
			CHECK(st == FG_OK || st == FG_ERR_CORRUPT, "%s: status %d", cc->what, st);
			if (st == FG_OK)
			{
				fg_train	back;
				fg_data		d;

				accepted++;
				init_for_view(&back, &v);
				CHECK(fg_state_append(&back, &v, &err) == FG_OK, "%s: %s", cc->what, err.message);
				CHECK(fg_state_append(&back, &v, &err) == FG_OK, "%s: %s", cc->what, err.message);
				CHECK(fg_train_data(&back, &d, &err) == FG_OK);
				for (size_t l = 0; l < d.n_rows && d.codes != NULL; l++)
					for (uint32_t k = 0; k < d.n_attr; k++)
						CHECK(d.codes[l * d.n_attr + k] < d.n_cats[k]);
				fg_train_free(&back);
			}
			fg_state_view_release(&unit_env, &v);
		}
		free(copy);
		free(buf);
		fg_train_free(&t);
	}
	CHECK(accepted > 0, "no edit kept a state valid; the test does not test acceptance");
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

/*
 * Each allocation failing in turn while a coded, weighted state is decoded
 * and appended: to an empty state, to binary rows (which switch to codes)
 * and to coded rows with other labels.  FG_ERR_NOMEM or success, never a
 * leak, and the state can still be freed.
 */
static void
test_coded_failing_allocations(void)
{
	for (size_t i = 0; i < sizeof(coded_cases) / sizeof(coded_cases[0]); i++)
	{
		const coded_case *cc = &coded_cases[i];
		fg_state_config c;
		fg_train	src;
		size_t		len;
		uint8_t    *buf;

		coded_config(&c, cc);
		coded_train(&src, cc, 100, 30, cc->vb);
		buf = encode(&c, &src, &len);
		for (int into = 0; into < 3; into++)
		{
			bool		finished = false;
			long		k;

			for (k = 0; k < 500 && !finished; k++)
			{
				fg_train	t;
				fg_state_view v;
				fg_error	err;
				fg_status	st;
				long		before = unit_live_allocs;

				/* the destination, built before allocations fail */
				coded_train(&t, cc, 0, into == 0 ? 0 : 25, into == 1 && cc->kind.n_attr == 0 &&
							!cc->kind.text ? &SF_BIN : cc->va);
				unit_fail_after = k;
				st = fg_state_decode(&unit_env, buf, len, &v, &err);
				if (st == FG_OK)
				{
					st = fg_state_append(&t, &v, &err);
					fg_state_view_release(&unit_env, &v);
				}
				unit_fail_after = -1;
				if (st == FG_OK)
				{
					finished = true;
					CHECK(t.n_rows == (into == 0 ? 30u : 55u));
				}
				else
					CHECK(st == FG_ERR_NOMEM, "%s, allocation %ld: status %d", cc->what, k, st);
				fg_train_free(&t);
				CHECK(unit_live_allocs == before, "%s, allocation %ld: %ld leaked", cc->what, k,
					  unit_live_allocs - before);
			}
			CHECK(finished, "%s: still failing after %ld allocations", cc->what, k);
		}
		free(buf);
		fg_train_free(&src);
	}
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

/* ---------- a continuous y ---------- */

static void
gaussian_config(fg_state_config *c, bool strata)
{
	sample_config(c);
	c->opt.method = strata ? FG_METHOD_FAIR_CRLR : FG_METHOD_FAIR_LR;
	c->opt.family = FG_FAMILY_GAUSSIAN;
	c->y_kind = FG_ARG_FLOAT8;
}

/*
 * The gaussian family: the outcomes travel bit for bit (-0.0, subnormals,
 * huge values), the view has y_real and no y, the family of the settings
 * and of the rows must agree on both sides, and a gaussian part does not
 * combine with a binomial state.
 */
static void
test_gaussian_round_trip(void)
{
	for (int w = 0; w < 2; w++)
	{
		bool		strata = w == 0;
		fg_state_config c;
		fg_train	t,
					back,
					binary;
		fg_state_view v;
		fg_error	err;
		size_t		len,
					estimate;
		uint8_t    *buf;

		gaussian_config(&c, strata);
		sample_train_family(&t, 41, strata, true);
		buf = encode(&c, &t, &len);
		/* 8 bytes of y a row instead of 1 */
		{
			fg_train	t1;
			fg_state_config c1 = c;

			c1.opt.family = FG_FAMILY_BINOMIAL;
			sample_train(&t1, 41, strata);
			CHECK(len == fg_state_encoded_size(&c1, &t1) + 7 * 41);
			/* the settings and the rows must agree on the family */
			CHECK(fg_state_encode(&c1, &t, buf, len, &err) == FG_ERR_INVALID);
			CHECK(fg_state_encode(&c, &t1, buf, fg_state_encoded_size(&c, &t1), &err) == FG_ERR_INVALID);
			fg_train_free(&t1);
			CHECK(fg_state_encode(&c, &t, buf, len, &err) == FG_OK);
		}
		if (!CHECK(fg_state_decode(&unit_env, buf, len, &v, &err) == FG_OK, "%s", err.detail))
			continue;
		CHECK(fg_state_config_check_equal(&c, &v.config, &err) == FG_OK, "%s", err.detail);
		CHECK(v.y == NULL && v.y_real != NULL && v.s != NULL && v.n_rows == 41);
		for (uint64_t l = 0; l < 41; l++)
		{
			double		yr = fg_le_load_f64(v.y_real + 8 * l);

			CHECK(memcmp(&yr, &t.y_real[l], 8) == 0, "outcome %llu", (unsigned long long) l);
		}

		init_for_view(&back, &v);
		estimate = fg_state_append_memory(&back, &v);
		CHECK(fg_state_append(&back, &v, &err) == FG_OK, "%s", err.message);
		CHECK(fg_train_memory(&back) <= estimate);
		CHECK(same_data(&back, &t, "gaussian round trip"));

		/* a binomial state does not take gaussian rows, and is left as it was */
		sample_train(&binary, 5, strata);
		CHECK(fg_state_append(&binary, &v, &err) == FG_ERR_INVALID);
		CHECK(strstr(err.message, "families") != NULL && binary.n_rows == 5);
		fg_train_free(&binary);

		fg_state_view_release(&unit_env, &v);
		fg_train_free(&back);
		fg_train_free(&t);
		free(buf);
	}
	/* numeric y (the kind only says how the argument was typed), and an integer y */
	{
		fg_state_config c;
		fg_train	t;
		fg_state_view v;
		fg_error	err;
		size_t		len;
		uint8_t    *buf;
		fg_arg_kind kinds[] = {FG_ARG_NUMERIC, FG_ARG_INT, FG_ARG_BOOL};

		for (size_t k = 0; k < 3; k++)
		{
			gaussian_config(&c, false);
			c.y_kind = kinds[k];
			sample_train_family(&t, 9, false, true);
			buf = encode(&c, &t, &len);
			CHECK(fg_state_decode(&unit_env, buf, len, &v, &err) == FG_OK, "%s", err.detail);
			CHECK(v.config.y_kind == kinds[k] && v.y_real != NULL);
			fg_state_view_release(&unit_env, &v);
			free(buf);
			fg_train_free(&t);
		}
		/* and a binomial fit of a float8 y stores labels */
		sample_config(&c);
		c.y_kind = FG_ARG_FLOAT8;
		sample_train(&t, 9, true);
		buf = encode(&c, &t, &len);
		CHECK(fg_state_decode(&unit_env, buf, len, &v, &err) == FG_OK, "%s", err.detail);
		CHECK(v.y != NULL && v.y_real == NULL);
		fg_state_view_release(&unit_env, &v);
		free(buf);
		fg_train_free(&t);
	}
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

/*
 * A gaussian state with a forged outcome, family or y kind (and a valid
 * checksum) is refused saying what; every truncation and flipped bit is
 * refused; random edits are refused or usable; failing allocations leak
 * nothing.
 */
static void
test_gaussian_damage(void)
{
	fg_state_config c;
	fg_train	t;
	size_t		len;
	uint8_t    *buf,
			   *copy;
	layout		L;
	size_t		y,
				family;
	uint32_t	n = 23;
	int			accepted = 0;

	gaussian_config(&c, true);
	sample_train_family(&t, n, true, true);
	buf = encode(&c, &t, &len);
	L = locate(buf, 3, n);
	y = L.y;
	family = OFF_OPTIONS + options_block_value_offset(buf + OFF_OPTIONS, "family");
	CHECK(family > OFF_OPTIONS && buf[family] == FG_FAMILY_GAUSSIAN);
	/* the rows end with the stratum indices: 8 bytes of y, 1 of s a row */
	CHECK(y + 8 * n + n + 4 * n + 4 == len);

	forge(buf, len, y, f64_bits(NAN), 8, "outcome y is not finite");
	forge(buf, len, y + 8 * (n - 1), f64_bits(INFINITY), 8, "not finite");
	forge(buf, len, y + 8 * 5, f64_bits(-INFINITY), 8, "not finite");
	forge(buf, len, family, FG_FAMILY_BINOMIAL, 1, "row data");
	forge(buf, len, family, 2, 1, "option \"family\" is invalid");
	forge(buf, len, OFF_Y_KIND, 0, 1, "argument type");
	forge(buf, len, OFF_Y_KIND, FG_ARG_TEXT, 1, "argument type");
	forge(buf, len, OFF_Y_KIND, FG_ARG_NUMERIC + 1, 1, "argument type");
	forge(buf, len, y + 8 * n + 3, 2, 1, "neither 0 nor 1");	/* s */

	/* a binomial state whose family says gaussian */
	{
		fg_state_config cb;
		fg_train	tb;
		size_t		lb;
		uint8_t    *bb;

		sample_config(&cb);
		sample_train(&tb, n, true);
		bb = encode(&cb, &tb, &lb);
		forge(bb, lb, OFF_OPTIONS + options_block_value_offset(bb + OFF_OPTIONS, "family"),
			  FG_FAMILY_GAUSSIAN, 1, "row data");
		free(bb);
		fg_train_free(&tb);
	}

	/* every truncation, every flipped bit */
	copy = malloc(len);
	{
		fg_error	err;

		for (size_t m = 0; m < len; m++)
			CHECK(decode(buf, m, &err) == FG_ERR_CORRUPT, "truncated to %zu bytes", m);
		for (size_t i = 0; i < len; i++)
			for (int bit = 0; bit < 8; bit++)
			{
				memcpy(copy, buf, len);
				copy[i] ^= (uint8_t) (1u << bit);
				if (!CHECK(decode(copy, len, &err) == FG_ERR_CORRUPT, "bit %d of byte %zu", bit, i))
					i = len;
			}
	}

	/* random edits, mostly in the outcomes */
	for (int it = 0; it < 5000; it++)
	{
		fg_state_view v;
		fg_error	err;
		fg_status	st;

		memcpy(copy, buf, len);
		for (int e = 0; e < 1 + (int) (splitmix_next(&rng_state) % 3); e++)
		{
			size_t		off = splitmix_next(&rng_state) % 3
				? y + splitmix_next(&rng_state) % (8 * (size_t) n)
				: splitmix_next(&rng_state) % (len - 4);

			copy[off] = (uint8_t) splitmix_next(&rng_state);
		}
		reseal(copy, len);
		st = fg_state_decode(&unit_env, copy, len, &v, &err);
		CHECK(st == FG_OK || st == FG_ERR_CORRUPT, "status %d", st);
		if (st == FG_OK)
		{
			fg_train	back;
			fg_data		d;

			accepted++;
			init_for_view(&back, &v);
			CHECK(fg_state_append(&back, &v, &err) == FG_OK, "%s", err.message);
			CHECK(fg_train_data(&back, &d, &err) == FG_OK);
			for (size_t l = 0; d.y_real != NULL && l < d.n_rows; l++)
				CHECK(isfinite(d.y_real[l]));
			fg_train_free(&back);
		}
		fg_state_view_release(&unit_env, &v);
	}
	CHECK(accepted > 0, "no edit kept the state valid; the test does not test acceptance");

	/* each allocation failing in turn while decoding */
	for (long k = 0; k < 40; k++)
	{
		fg_error	err;
		fg_status	st;
		long		before = unit_live_allocs;

		unit_fail_after = k;
		st = decode(buf, len, &err);
		unit_fail_after = -1;
		CHECK(st == FG_OK || st == FG_ERR_NOMEM, "allocation %ld: status %d", k, st);
		CHECK(unit_live_allocs == before, "allocation %ld: %ld leaked", k, unit_live_allocs - before);
	}
	free(copy);
	free(buf);
	fg_train_free(&t);
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

/*
 * A state of dictionaries only (fairglmm_train's first pass): rows are
 * forgotten a block at a time; the bytes keep the labels, the strata and
 * the count; merging a binary part into a coded one adds only the values
 * the binary rows had; a state still holding rows is not encoded.
 */
static void
test_dictionaries(void)
{
	fg_state_config c;
	fg_train	a,
				b,
				m,
				held;
	fg_error	err;
	fg_state_view va,
				vb;
	uint8_t    *ba,
			   *bb;
	size_t		la,
				lb;

	sample_config(&c);
	c.n_rhos = 0;
	c.rhos = NULL;
	fg_train_init(&a, &unit_env, true, 3, &err);
	CHECK(fg_train_set_dictionaries_only(&a, &err) == FG_OK);
	for (uint64_t l = 0; l < 100; l++)
	{
		double		x[3] = {(double) l, 1.0, 2.0};
		const char *k = sample_keys[l % 3];

		fg_train_add_row(&a, x, (uint8_t) (l % 2), 0, (const uint8_t *) k, strlen(k), &err);
		if (l % 16 == 15)
			fg_train_forget_rows(&a);
	}
	fg_train_forget_rows(&a);
	a.n_skipped = 4;
	fg_train_init(&b, &unit_env, true, 3, &err);
	fg_train_set_dictionaries_only(&b, &err);
	CHECK(fg_train_use_codes(&b, 1, &err) == FG_OK);
	for (uint64_t l = 0; l < 50; l++)
	{
		double		x[3] = {1.0, (double) l, 3.0};
		uint8_t		key[8];
		fg_attr_key label = {key, 8};
		const char *k = sample_keys[3 + l % 2];

		fg_key_from_int64(l % 2 ? 5 : 7, key);
		fg_train_add_row_ex(&b, x, (uint8_t) (l % 2), 1.0, 0, &label, (const uint8_t *) k,
							strlen(k), &err);
	}
	fg_train_forget_rows(&b);

	ba = encode(&c, &a, &la);
	bb = encode(&c, &b, &lb);
	CHECK(fg_state_decode(&unit_env, ba, la, &va, &err) == FG_OK, "%s", err.detail);
	CHECK(fg_state_decode(&unit_env, bb, lb, &vb, &err) == FG_OK, "%s", err.detail);
	CHECK(va.dictionaries && va.n_rows == 100 && va.n_strata == 3 && va.n_skipped == 4 &&
		  va.s_seen[0] && !va.s_seen[1] && va.n_attr == 0);
	CHECK(vb.dictionaries && vb.n_rows == 50 && vb.n_strata == 2 && vb.n_attr == 1 &&
		  vb.n_cats[0] == 2);

	/* from bytes: the binary part's one value joins the coded part's two */
	init_for_view(&m, &va);
	fg_train_set_dictionaries_only(&m, &err);
	CHECK(fg_state_append(&m, &va, &err) == FG_OK, "%s", err.message);
	CHECK(fg_state_append(&m, &vb, &err) == FG_OK, "%s", err.message);
	CHECK(m.n_forgotten == 150 && m.n_skipped == 4 && m.dict.count == 5 && m.n_attr == 1 &&
		  m.attrs[0].count == 3, "forgotten %llu, strata %u, categories %u",
		  (unsigned long long) m.n_forgotten, m.dict.count, m.n_attr ? m.attrs[0].count : 0);
	/* live: the same */
	CHECK(fg_train_merge(&a, &b, &err) == FG_OK, "%s", err.message);
	CHECK(a.n_forgotten == 150 && a.dict.count == 5 && a.n_attr == 1 && a.attrs[0].count == 3);
	/* a state of dictionaries and one of rows do not mix */
	sample_train(&held, 10, true);
	CHECK(fg_train_merge(&held, &b, &err) == FG_ERR_INVALID);
	CHECK(fg_state_append(&held, &vb, &err) == FG_ERR_INVALID);
	/* rows not yet forgotten are not encoded */
	{
		double		x[3] = {0, 0, 0};
		uint8_t		key[8];
		fg_attr_key label = {key, 8};
		size_t		len;
		uint8_t    *buf;

		fg_key_from_int64(5, key);
		fg_train_add_row_ex(&b, x, 0, 1.0, 0, &label, (const uint8_t *) "z", 1, &err);
		len = fg_state_encoded_size(&c, &b);
		buf = malloc(len);
		CHECK(fg_state_encode(&c, &b, buf, len, &err) == FG_ERR_INVALID);
		free(buf);
	}
	fg_state_view_release(&unit_env, &va);
	fg_state_view_release(&unit_env, &vb);
	free(ba);
	free(bb);
	fg_train_free(&a);
	fg_train_free(&b);
	fg_train_free(&m);
	fg_train_free(&held);
}

int
main(void)
{
	test_round_trip();
	test_every_option_travels();
	test_damage();
	test_forgeries();
	test_random_edits();
	test_failing_allocations();
	test_config_equal();
	test_coded_round_trip();
	test_coded_damage();
	test_coded_random_edits();
	test_coded_failing_allocations();
	test_gaussian_round_trip();
	test_gaussian_damage();
	test_dictionaries();
	return unit_summary("state_format");
}
