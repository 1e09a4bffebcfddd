/*
 * test_strata_dict.c -- the stratum dictionary.  Whatever finds a key (the
 * direct table of short integer ranges, or the hash table), it keeps the
 * index it got when first seen; sorting renumbers every way of finding it
 * alike; the direct table is there for dense integer codes and not for
 * sparse ones; and the memory stays within fg_dict_growth_bound.
 */
#include "model_format.h"
#include "strata_dict.h"
#include "unit.h"

#include <stdint.h>
#include <string.h>

#define MAX_KEYS 8192

/* The keys of one scenario in the order they are interned (with repeats). */
typedef struct key_list
{
	size_t		n;
	uint8_t		bytes[MAX_KEYS][16];
	size_t		len[MAX_KEYS];
} key_list;

static void
add_int(key_list *kl, int64_t v)
{
	fg_key_from_int64(v, kl->bytes[kl->n]);
	kl->len[kl->n++] = 8;
}

static void
add_text(key_list *kl, const char *s)
{
	size_t		len = strlen(s);

	memcpy(kl->bytes[kl->n], s, len);
	kl->len[kl->n++] = len;
}

/* Index of the first occurrence of key i among the distinct keys seen before. */
static uint32_t
reference_index(const key_list *kl, size_t i, const size_t *first, uint32_t distinct)
{
	for (uint32_t d = 0; d < distinct; d++)
		if (kl->len[first[d]] == kl->len[i] &&
			memcmp(kl->bytes[first[d]], kl->bytes[i], kl->len[i]) == 0)
			return d;
	return UINT32_MAX;
}

/* A permutation of 0..n-1 from a fixed linear congruential sequence. */
static void
shuffle(int64_t *v, size_t n, uint64_t seed)
{
	for (size_t i = n; i > 1; i--)
	{
		size_t		j;
		int64_t		t;

		seed = seed * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
		j = (size_t) ((seed >> 33) % i);
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

static void
run_scenario(const char *name, const key_list *kl, int expect_direct)
{
	static size_t first[MAX_KEYS];
	fg_strata_dict dict;
	fg_error	err;
	uint32_t	distinct = 0;
	uint64_t	key_bytes = 0;
	uint32_t   *rank = NULL;
	size_t		empty_memory;
	bool		ok = true;

	CHECK(fg_dict_init(&dict, &unit_env, &err) == FG_OK);
	empty_memory = fg_dict_memory(&dict);
	for (size_t i = 0; i < kl->n; i++)
	{
		uint32_t	expected = reference_index(kl, i, first, distinct);
		int64_t		got = fg_dict_intern(&dict, kl->bytes[i], kl->len[i], &err);

		if (expected == UINT32_MAX)
		{
			expected = distinct;
			first[distinct++] = i;
			key_bytes += kl->len[i];
		}
		ok = ok && CHECK(got == (int64_t) expected, "%s: key %zu got index %lld, expected %u",
						 name, i, (long long) got, expected);
	}
	CHECK(dict.count == distinct, "%s: %u keys stored, %u distinct", name, dict.count, distinct);
	if (expect_direct >= 0)
		CHECK((dict.direct != NULL) == (expect_direct != 0), "%s: direct table %s", name,
			  dict.direct ? "present" : "absent");
	{
		fg_strata_dict empty;

		CHECK(fg_dict_init(&empty, &unit_env, &err) == FG_OK);
		CHECK(fg_dict_memory(&dict) <= empty_memory + fg_dict_growth_bound(&empty, distinct, key_bytes),
			  "%s: %zu bytes held, bound %zu", name, fg_dict_memory(&dict),
			  empty_memory + fg_dict_growth_bound(&empty, distinct, key_bytes));
		fg_dict_free(&empty);
	}

	/* sorted: ascending keys, and every key now finds its rank */
	CHECK(fg_dict_sort(&dict, &rank, &err) == FG_OK);
	for (uint32_t d = 1; d < dict.count; d++)
	{
		size_t		la,
					lb;
		const uint8_t *a = fg_dict_key(&dict, d - 1, &la);
		const uint8_t *b = fg_dict_key(&dict, d, &lb);

		ok = ok && CHECK(fg_key_compare(a, la, b, lb) < 0, "%s: keys %u and %u out of order", name, d - 1, d);
	}
	for (size_t i = 0; i < kl->n && ok; i++)
	{
		uint32_t	before = reference_index(kl, i, first, distinct);
		int64_t		got = fg_dict_intern(&dict, kl->bytes[i], kl->len[i], &err);

		ok = CHECK(got == (int64_t) rank[before], "%s: after sorting key %zu got %lld, expected %u",
				   name, i, (long long) got, rank[before]);
	}
	CHECK(dict.count == distinct, "%s: sorting changed the number of keys", name);
	fg_release(&unit_env, rank);
	fg_dict_free(&dict);
}

/*
 * Sorting with each of its allocations failing in turn: FG_ERR_NOMEM, no
 * leak, and the dictionary as it was (every key at its first index), or
 * sorted when nothing failed.  (A failure after the keys had been
 * reordered once leaked the ranks and left hash slots of the old order.)
 */
static void
test_sort_failing_allocations(void)
{
	for (long k = 0; k < 10; k++)
	{
		fg_strata_dict dict;
		fg_error	err;
		uint32_t   *rank = NULL;
		fg_status	st;
		int64_t		codes[] = {40, -7, 1000003, 3, 12, -99999};
		int			n = 6;
		long		before = unit_live_allocs;

		CHECK(fg_dict_init(&dict, &unit_env, &err) == FG_OK);
		for (int i = 0; i < n; i++)
		{
			uint8_t		key[8];

			fg_key_from_int64(codes[i], key);
			CHECK(fg_dict_intern(&dict, key, 8, &err) == i);
		}
		CHECK(fg_dict_intern(&dict, (const uint8_t *) "text", 4, &err) == n);
		unit_fail_after = k;
		st = fg_dict_sort(&dict, &rank, &err);
		unit_fail_after = -1;
		CHECK(st == FG_OK || st == FG_ERR_NOMEM, "allocation %ld: status %d", k, st);
		for (int i = 0; i < n; i++)
		{
			uint8_t		key[8];

			fg_key_from_int64(codes[i], key);
			CHECK(fg_dict_intern(&dict, key, 8, &err) == (st == FG_OK ? (int64_t) rank[i] : (int64_t) i),
				  "allocation %ld: key %d", k, i);
		}
		CHECK(dict.count == (uint32_t) n + 1);
		if (st == FG_OK)
			fg_release(&unit_env, rank);
		fg_dict_free(&dict);
		CHECK(unit_live_allocs == before, "allocation %ld: %ld leaked", k, unit_live_allocs - before);
	}
}

int
main(void)
{
	static key_list kl;
	static int64_t v[MAX_KEYS];

	/* survey codes 1..1000 in random order, each seen five times */
	kl.n = 0;
	for (int rep = 0; rep < 5; rep++)
	{
		for (int i = 0; i < 1000; i++)
			v[i] = i + 1;
		shuffle(v, 1000, 17 + rep);
		for (int i = 0; i < 1000; i++)
			add_int(&kl, v[i]);
	}
	run_scenario("dense", &kl, 1);

	/* dense at both ends of the int64 range, where the table wraps around */
	kl.n = 0;
	for (int i = 0; i < 600; i++)
		add_int(&kl, INT64_MIN + (i * 7) % 600);
	run_scenario("lowest", &kl, 1);
	kl.n = 0;
	for (int i = 0; i < 600; i++)
		add_int(&kl, INT64_MAX - (i * 7) % 600);
	run_scenario("highest", &kl, 1);
	kl.n = 0;
	for (int i = 0; i < 600; i++)
		add_int(&kl, (i * 7) % 600 - 300);
	run_scenario("around zero", &kl, 1);

	/* sparse codes: no table, the hash finds everything */
	kl.n = 0;
	for (int i = 0; i < 3000; i++)
		add_int(&kl, (int64_t) ((i * 13) % 1000) * 1000003);
	run_scenario("sparse", &kl, 0);

	/* two far-apart codes first, then enough codes between them to make the range dense */
	kl.n = 0;
	add_int(&kl, 0);
	add_int(&kl, 5000);
	for (int i = 0; i < 5001; i++)
		v[i] = i;
	shuffle(v, 5001, 99);
	for (int i = 0; i < 5001; i++)
		add_int(&kl, v[i]);
	run_scenario("filling in", &kl, 1);

	/* text labels, some of exactly eight bytes, mixed with integer codes */
	kl.n = 0;
	for (int i = 0; i < 2000; i++)
	{
		char		label[16];

		if (i % 3 == 0)
			add_int(&kl, i % 400);
		else
		{
			snprintf(label, sizeof(label), i % 3 == 1 ? "region%02d" : "r%d", i % 97);
			add_text(&kl, label);
		}
	}
	run_scenario("mixed", &kl, -1);
	test_sort_failing_allocations();

	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
	return unit_summary("strata_dict");
}
