/*
 * test_path_format.c -- the container of a rho path: round trips, every
 * truncation and single-bit flip rejected, forged fields under a valid
 * checksum, allocation bounded by the input, failing allocations.
 */
#include "unit.h"
#include "test_data.h"
#include "path_format.h"
#include "model_format.h"
#include "le_bytes.h"

#include <string.h>

/* Encode count models of the given lengths, filled with a pattern. */
static uint8_t *
make_path(uint32_t count, const size_t *lengths, size_t *len)
{
	const uint8_t *models[8];
	uint8_t    *bufs[8];
	uint8_t    *out;
	fg_error	err;

	for (uint32_t i = 0; i < count; i++)
	{
		bufs[i] = malloc(lengths[i]);
		for (size_t k = 0; k < lengths[i]; k++)
			bufs[i][k] = (uint8_t) (31 * i + 7 * k + 1);
		models[i] = bufs[i];
	}
	*len = fg_path_encoded_size(count, lengths);
	out = malloc(*len);
	CHECK(fg_path_encode(count, models, lengths, out, *len, &err) == FG_OK, "%s", err.detail);
	for (uint32_t i = 0; i < count; i++)
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

static void
expect_corrupt(const uint8_t *buf, size_t len, const char *what)
{
	fg_path_view v;
	fg_error	err;
	fg_status	st = fg_path_decode(&unit_env, buf, len, &v, &err);

	CHECK(st == FG_ERR_CORRUPT && err.detail[0] != '\0', "%s accepted (status %d)", what, (int) st);
	CHECK(unit_live_allocs == 0, "%s leaks", what);
}

int
main(void)
{
	static const size_t lengths[] = {5, 1, 40};
	size_t		len;
	uint8_t    *buf = make_path(3, lengths, &len);
	fg_path_view v;
	fg_error	err;

	/* round trip */
	CHECK(len == 24 + 3 * 8 + 46 + 4);
	if (CHECK(fg_path_decode(&unit_env, buf, len, &v, &err) == FG_OK, "%s", err.detail))
	{
		CHECK(v.count == 3);
		for (uint32_t i = 0; i < 3; i++)
		{
			CHECK(v.lengths[i] == lengths[i]);
			for (size_t k = 0; k < lengths[i]; k++)
				if (v.models[i][k] != (uint8_t) (31 * i + 7 * k + 1))
				{
					CHECK(false, "model %u byte %zu", i, k);
					break;
				}
		}
		/* re-encoding the view gives the same bytes */
		{
			uint8_t    *again = malloc(len);

			CHECK(fg_path_encode(v.count, v.models, v.lengths, again, len, &err) == FG_OK);
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
			{8, 1, 4, "a flag"},
			{12, 1000, 8, "a wrong total length"},
			{20, 0, 4, "count 0"},
			{20, 4, 4, "count 4"},
			{20, FG_PATH_MAX_MODELS + 1, 4, "too many models"},
			{20, 0xFFFFFFFFu, 4, "count 2^32 - 1"},
			{24, 0, 8, "an empty model"},
			{24, 6, 8, "a model longer by one"},
			{24, 4, 8, "a model shorter by one"},
			{24, UINT64_MAX, 8, "a length of 2^64 - 1"},
			{24 + 8 + 5 + 8 + 1, 41, 8, "the last model past the end"},
			{24 + 8 + 5 + 8 + 1, 39, 8, "a byte after the last model"},
		};

		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		{
			memcpy(f, buf, len);
			forge(f, len, cases[c].off, cases[c].v, cases[c].n);
			unit_largest_alloc = 0;
			expect_corrupt(f, len, cases[c].what);
			CHECK(unit_largest_alloc <= len * 2, "%s: allocation of %zu bytes", cases[c].what,
				  unit_largest_alloc);
		}
		free(f);
	}

	/* random edits never crash, leak or pass with a different count */
	rng_state = 5;
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
			size_t		sum = fg_path_encoded_size(v.count, v.lengths);

			CHECK(sum == len, "an accepted edit of %zu bytes describes %zu", len, sum);
			fg_path_view_release(&unit_env, &v);
		}
		CHECK(unit_live_allocs == 0);
		free(f);
	}

	/* failing allocations */
	for (long k = 0; k < 2; k++)
	{
		unit_fail_after = k;
		CHECK(fg_path_decode(&unit_env, buf, len, &v, &err) == FG_ERR_NOMEM);
		unit_fail_after = -1;
		CHECK(unit_live_allocs == 0);
	}

	/* the encoder's refusals */
	{
		const uint8_t *none[1] = {buf};
		size_t		one[1] = {3};

		CHECK(fg_path_encode(0, none, one, buf, len, &err) == FG_ERR_INVALID);
		CHECK(fg_path_encode(1, none, one, buf, 10, &err) == FG_ERR_INVALID);
	}
	free(buf);
	return unit_summary("path_format");
}
