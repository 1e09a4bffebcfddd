/*
 * test_path_format.c -- the container of a rho path, with and without the
 * cross-validated metrics: round trips, every truncation and single-bit
 * flip rejected, forged fields and metrics under a valid checksum,
 * allocation bounded by the input, failing allocations, the encoder's
 * refusals.
 */
#include "unit.h"
#include "test_data.h"
#include "path_format.h"
#include "model_format.h"
#include "le_bytes.h"

#include <string.h>

#define COUNT		3
#define CV_OFFSET	(24 + 3 * 8 + 46)	/* where the metrics start in the test path */

static const size_t lengths[COUNT] = {5, 1, 40};

/* The metrics of the test path: one ratio undefined, values at the ends of their ranges. */
static const fg_cv_metrics metrics[COUNT] = {
	{0.75, 0.5, 1.0, 0.25, 0.6},
	{1.0, NAN, 0.0, NAN, 0.0},
	{0.0, 1.0, 0.125, 1.0, 12.5},
};

/* Encode the test path's models, filled with a pattern, with metrics unless cv is NULL. */
static uint8_t *
make_path(const fg_cv_metrics *cv, size_t *len)
{
	const uint8_t *models[COUNT];
	uint8_t    *bufs[COUNT];
	uint8_t    *out;
	fg_error	err;

	for (uint32_t i = 0; i < COUNT; i++)
	{
		bufs[i] = malloc(lengths[i]);
		for (size_t k = 0; k < lengths[i]; k++)
			bufs[i][k] = (uint8_t) (31 * i + 7 * k + 1);
		models[i] = bufs[i];
	}
	*len = fg_path_encoded_size(COUNT, lengths, cv != NULL);
	out = malloc(*len);
	CHECK(fg_path_encode(COUNT, models, lengths, cv, out, *len, &err) == FG_OK, "%s", err.detail);
	for (uint32_t i = 0; i < COUNT; i++)
		free(bufs[i]);
	return out;
}

/* Put v at off and fix the checksum, so only the field itself is wrong. */
static void
forge(uint8_t *buf, size_t len, size_t off, uint64_t v, int n)
{
	fg_le_store(buf + off, v, n);
	fg_le_store(buf + len - 4, fg_crc32c(0, buf, len - 4), 4);
}

static uint64_t
f64_bits(double d)
{
	uint64_t	u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static void
expect_corrupt(const uint8_t *buf, size_t len, const char *what)
{
	fg_path_view v;
	fg_error	err;
	fg_status	st = fg_path_decode(&unit_env, buf, len, &v, &err);

	CHECK(st == FG_ERR_CORRUPT && err.detail[0] != '\0', "%s accepted (status %d)", what, (int) st);
	CHECK(unit_live_allocs == 0, "%s leaks", what);
}

static uint32_t
get_flags(const uint8_t *buf)
{
	return (uint32_t) fg_le_load(buf + 8, 4);
}

/* Field k of m, in the order the container stores them. */
static double *
metric_field(fg_cv_metrics *m, int k)
{
	switch (k)
	{
		case 0:
			return &m->accuracy;
		case 1:
			return &m->disparate_impact;
		case 2:
			return &m->equal_opportunity_ratio;
		case 3:
			return &m->equalized_odds_ratio;
		default:
			return &m->log_loss;
	}
}

static bool
same_double(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

/* Every check of one container: cross-validated or not. */
static void
check_container(bool validated)
{
	size_t		len;
	uint8_t    *buf = make_path(validated ? metrics : NULL, &len);
	fg_path_view v;
	fg_error	err;

	/* round trip */
	CHECK(len == 24 + 3 * 8 + 46 + (validated ? 3 * 40 : 0) + 4);
	CHECK(get_flags(buf) == (validated ? FG_PATH_CROSS_VALIDATED : 0u));
	if (CHECK(fg_path_decode(&unit_env, buf, len, &v, &err) == FG_OK, "%s", err.detail))
	{
		CHECK(v.count == COUNT);
		for (uint32_t i = 0; i < COUNT; i++)
		{
			CHECK(v.lengths[i] == lengths[i]);
			for (size_t k = 0; k < lengths[i]; k++)
				if (v.models[i][k] != (uint8_t) (31 * i + 7 * k + 1))
				{
					CHECK(false, "model %u byte %zu", i, k);
					break;
				}
		}
		CHECK((v.cv != NULL) == validated);
		for (uint32_t i = 0; validated && i < COUNT; i++)
			CHECK(same_double(v.cv[i].accuracy, metrics[i].accuracy) &&
				  same_double(v.cv[i].disparate_impact, metrics[i].disparate_impact) &&
				  same_double(v.cv[i].equal_opportunity_ratio, metrics[i].equal_opportunity_ratio) &&
				  same_double(v.cv[i].equalized_odds_ratio, metrics[i].equalized_odds_ratio) &&
				  same_double(v.cv[i].log_loss, metrics[i].log_loss), "metrics of model %u", i);
		/* re-encoding the view gives the same bytes */
		{
			uint8_t    *again = malloc(len);

			CHECK(fg_path_encode(v.count, v.models, v.lengths, v.cv, again, len, &err) == FG_OK);
			CHECK(memcmp(again, buf, len) == 0);
			free(again);
		}
		fg_path_view_release(&unit_env, &v);
	}
	CHECK(unit_live_allocs == 0);

	/* every truncation and every single-bit flip */
	for (size_t n = 0; n < len; n++)
		expect_corrupt(buf, n, "a truncation");
	for (size_t bit = 0; bit < len * 8; bit++)
	{
		buf[bit / 8] ^= (uint8_t) (1u << (bit % 8));
		expect_corrupt(buf, len, "a flipped bit");
		buf[bit / 8] ^= (uint8_t) (1u << (bit % 8));
	}

	/* forged fields with a valid checksum */
	{
		uint8_t    *f = malloc(len);
		size_t		last = 24 + 8 + 5 + 8 + 1;	/* the length of the last model */
		struct
		{
			size_t		off;
			uint64_t	v;
			int			n;
			const char *what;
		}			cases[] = {
			{0, FG_MODEL_MAGIC, 4, "a model's magic"},
			{4, 2, 2, "version 2"},
			{6, 0xFFFE, 2, "the wrong byte order mark"},
			{8, validated ? 0 : FG_PATH_CROSS_VALIDATED, 4, "the other container's flag"},
			{8, 2, 4, "an unknown flag"},
			{8, 0x80000001u, 4, "an unknown flag beside the known one"},
			{12, 1000, 8, "a wrong total length"},
			{20, 0, 4, "count 0"},
			{20, 4, 4, "count 4"},
			{20, 2, 4, "count 2"},
			{20, FG_PATH_MAX_MODELS + 1, 4, "too many models"},
			{20, 0xFFFFFFFFu, 4, "count 2^32 - 1"},
			{24, 0, 8, "an empty model"},
			{24, 6, 8, "a model longer by one"},
			{24, 4, 8, "a model shorter by one"},
			{24, UINT64_MAX, 8, "a length of 2^64 - 1"},
			{last, 41, 8, "the last model past its end"},
			{last, 39, 8, "a byte after the last model"},
			{last, validated ? 40 + 120 : 40, 8, "the last model over the metrics"},
		};

		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		{
			memcpy(f, buf, len);
			forge(f, len, cases[c].off, cases[c].v, cases[c].n);
			if (memcmp(f, buf, len) == 0)
				continue;		/* the field already had that value */
			unit_largest_alloc = 0;
			expect_corrupt(f, len, cases[c].what);
			CHECK(unit_largest_alloc <= len * 2, "%s: allocation of %zu bytes", cases[c].what,
				  unit_largest_alloc);
		}

		/* every metric out of its range, one at a time */
		if (validated)
		{
			static const double accuracy_bad[] = {-0.01, 1.01, NAN, INFINITY};
			static const double ratio_bad[] = {-1e-300, 1.0000001, INFINITY, -INFINITY};
			static const double loss_bad[] = {-1e-300, INFINITY, NAN, -1.0};

			for (uint32_t i = 0; i < COUNT; i++)
				for (int field = 0; field < 5; field++)
					for (int b = 0; b < 4; b++)
					{
						double		bad = field == 0 ? accuracy_bad[b]
							: field == 4 ? loss_bad[b] : ratio_bad[b];

						memcpy(f, buf, len);
						forge(f, len, CV_OFFSET + 40 * i + 8 * field, f64_bits(bad), 8);
						expect_corrupt(f, len, "a metric out of range");
					}
		}
		free(f);
	}

	/* random edits never crash, leak or pass with a different layout */
	rng_state = validated ? 6 : 5;
	for (int t = 0; t < 20000; t++)
	{
		uint8_t    *f = malloc(len);
		int			edits = 1 + (int) (uniform01() * 4);

		memcpy(f, buf, len);
		for (int e = 0; e < edits; e++)
			f[(size_t) (uniform01() * len) % len] = (uint8_t) (uniform01() * 256);
		fg_le_store(f + len - 4, fg_crc32c(0, f, len - 4), 4);
		if (fg_path_decode(&unit_env, f, len, &v, &err) == FG_OK)
		{
			size_t		sum = fg_path_encoded_size(v.count, v.lengths, v.cv != NULL);

			CHECK(sum == len, "an accepted edit of %zu bytes describes %zu", len, sum);
			fg_path_view_release(&unit_env, &v);
		}
		CHECK(unit_live_allocs == 0);
		free(f);
	}

	/* failing allocations: models, lengths, and the metrics */
	for (long k = 0; k < (validated ? 3 : 2); k++)
	{
		unit_fail_after = k;
		CHECK(fg_path_decode(&unit_env, buf, len, &v, &err) == FG_ERR_NOMEM);
		unit_fail_after = -1;
		CHECK(unit_live_allocs == 0);
	}
	free(buf);
}

int
main(void)
{
	check_container(false);
	check_container(true);

	/* the encoder's refusals: a count out of range, a wrong length, metrics out of range */
	{
		size_t		len;
		uint8_t    *buf = make_path(metrics, &len);
		const uint8_t *models[COUNT] = {buf, buf, buf};
		const uint8_t *none[1] = {buf};
		size_t		one[1] = {3};
		fg_cv_metrics bad[COUNT];
		fg_error	err;

		CHECK(fg_path_encode(0, none, one, NULL, buf, len, &err) == FG_ERR_INVALID);
		CHECK(fg_path_encode(1, none, one, NULL, buf, 10, &err) == FG_ERR_INVALID);
		CHECK(fg_path_encode(COUNT, models, lengths, NULL, buf, len, &err) == FG_ERR_INVALID);
		for (int field = 0; field < 5; field++)
		{
			memcpy(bad, metrics, sizeof(bad));
			*metric_field(&bad[2], field) = field == 0 || field == 4 ? NAN : 1.5;
			CHECK(fg_path_encode(COUNT, models, lengths, bad, buf, len, &err) == FG_ERR_INVALID,
				  "metric %d out of range encoded", field);
		}
		free(buf);
	}
	return unit_summary("path_format");
}
