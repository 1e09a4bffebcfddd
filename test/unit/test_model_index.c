/*
 * test_model_index.c -- the hash index of a model's strata answers exactly
 * what the binary search over the sorted keys answers, for present and
 * absent keys, integer and text keys, and no strata at all.
 */
#include "model_index.h"
#include "unit.h"
#include "../find_stratum.h"
#include "../splitmix.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 7;

static int
compare_i64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a,
				y = *(const int64_t *) b;

	return x < y ? -1 : x > y;
}

/* A model with n sorted, distinct integer keys (only what lookups read). */
static void
int_model(fg_model *m, int64_t *values, uint32_t n)
{
	memset(m, 0, sizeof(*m));
	qsort(values, n, sizeof(int64_t), compare_i64);
	m->key_type = FG_KEY_INT;
	m->n_strata = n;
	m->keys = malloc(8 * (size_t) n + 1);
	m->key_offsets = malloc(sizeof(uint64_t) * ((size_t) n + 1));
	m->key_offsets[0] = 0;
	for (uint32_t i = 0; i < n; i++)
	{
		fg_key_from_int64(values[i], m->keys + 8 * (size_t) i);
		m->key_offsets[i + 1] = 8 * (uint64_t) (i + 1);
	}
}

static void
test_int_keys(void)
{
	uint32_t	sizes[] = {0, 1, 2, 7, 1000, 50000};

	for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++)
	{
		uint32_t	n = sizes[z];
		int64_t    *v = malloc(sizeof(int64_t) * (n + 3));
		uint32_t	k = 0;
		fg_model	m;
		fg_model_index ix;
		fg_error	err;

		/* distinct values, including the extremes and negatives */
		if (n >= 2)
		{
			v[k++] = INT64_MIN;
			v[k++] = INT64_MAX;
		}
		while (k < n)
		{
			int64_t		c = (int64_t) (splitmix_next(&rng_state) % 4000001) - 2000000;
			bool		dup = false;

			for (uint32_t i = 0; i < k && k < 5000; i++)
				dup = dup || v[i] == c;
			if (k >= 5000)
				c = (int64_t) k * 7919 + 3000000;	/* far from the random ones */
			if (!dup)
				v[k++] = c;
		}
		int_model(&m, v, n);
		CHECK(fg_model_index_build(&unit_env, &m, &ix, &err) == FG_OK);
		for (uint32_t i = 0; i < n; i++)
		{
			uint8_t		key[8];

			fg_key_from_int64(v[i], key);
			if (!CHECK(fg_model_index_find_int(&m, &ix, v[i]) == (int64_t) i, "n %u, key %u", n, i))
				break;
			CHECK(fg_model_index_find(&m, &ix, key, 8) == (int64_t) i);
		}
		for (int t = 0; t < 20000; t++)
		{
			int64_t		c = (int64_t) (splitmix_next(&rng_state) % 8000001) - 4000000;
			uint8_t		key[8];

			fg_key_from_int64(c, key);
			if (!CHECK(fg_model_index_find_int(&m, &ix, c) == find_stratum(&m, key, 8),
					   "n %u, probe %lld", n, (long long) c))
				break;
		}
		/* a key of another length is never found */
		CHECK(fg_model_index_find(&m, &ix, (const uint8_t *) "abc", 3) == -1);
		fg_model_index_release(&unit_env, &ix);
		free(m.keys);
		free(m.key_offsets);
		free(v);
	}
}

static void
test_text_keys(void)
{
	/* sorted by bytes, distinct, including the empty key and a prefix pair */
	const char *words[] = {"", "a", "ab", "abc", "b", "region 10", "region 2", "zz", "z\xc3\xa9"};
	uint32_t	n = sizeof(words) / sizeof(words[0]);
	fg_model	m;
	fg_model_index ix;
	fg_error	err;
	uint64_t	pos = 0;
	const char *probes[] = {"", "a", "ab", "abc", "abcd", "b", "c", "region 1", "region 10", "z", "zz", "zzz"};

	memset(&m, 0, sizeof(m));
	m.key_type = FG_KEY_TEXT;
	m.n_strata = n;
	m.keys = malloc(64);
	m.key_offsets = malloc(sizeof(uint64_t) * (n + 1));
	m.key_offsets[0] = 0;
	for (uint32_t i = 0; i < n; i++)
	{
		memcpy(m.keys + pos, words[i], strlen(words[i]));
		pos += strlen(words[i]);
		m.key_offsets[i + 1] = pos;
	}
	CHECK(fg_model_index_build(&unit_env, &m, &ix, &err) == FG_OK);
	CHECK(ix.int_keys == NULL);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		CHECK(fg_model_index_find(&m, &ix, (const uint8_t *) probes[i], strlen(probes[i])) ==
			  find_stratum(&m, (const uint8_t *) probes[i], strlen(probes[i])),
			  "probe \"%s\"", probes[i]);
	CHECK(fg_model_index_find(&m, &ix, (const uint8_t *) "region 2", 8) == 6);
	fg_model_index_release(&unit_env, &ix);

	/* allocation failures: an error, no leak */
	for (long k = 0; k < 3; k++)
	{
		fg_status	st;

		unit_fail_after = k;
		st = fg_model_index_build(&unit_env, &m, &ix, &err);
		unit_fail_after = -1;
		CHECK(st == FG_OK || st == FG_ERR_NOMEM);
		fg_model_index_release(&unit_env, &ix);
	}
	free(m.keys);
	free(m.key_offsets);

	/* a model without strata */
	memset(&m, 0, sizeof(m));
	CHECK(fg_model_index_build(&unit_env, &m, &ix, &err) == FG_OK);
	CHECK(fg_model_index_find(&m, &ix, (const uint8_t *) "a", 1) == -1);
	CHECK(fg_model_index_find_int(&m, &ix, 5) == -1);
	fg_model_index_release(&unit_env, &ix);
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

int
main(void)
{
	test_int_keys();
	test_text_keys();
	return unit_summary("model_index");
}
