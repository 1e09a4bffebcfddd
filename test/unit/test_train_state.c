/*
 * test_train_state.c -- the chunked row storage: contents survive growth,
 * memory stays within about 1.2 times the rows, the bulk is not copied once
 * the state is large, merging re-interns strata, allocation failures are
 * clean, the solver gives the same fit on chunked and contiguous rows, and
 * rows in a reserved region are never moved.
 */
#include "model_format.h"
#include "train_state.h"
#include "unit.h"

#include <string.h>

/* A uniform number that depends on l only (splitmix64 of l). */
static double
uniform_of(uint64_t l)
{
	uint64_t	z = l * UINT64_C(0x9E3779B97F4A7C15) + 99;

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return (double) ((z ^ (z >> 31)) >> 11) * (1.0 / 9007199254740992.0);
}

/* Row l of a deterministic data set: features, y, s, stratum key. */
static void
make_row(uint64_t l, int p, double *x, uint8_t *y, uint8_t *s, uint8_t key[8], uint32_t n_strata)
{
	double		eta = 0.3;
	uint64_t	g = (l * 2654435761u) % n_strata;

	for (int j = 0; j < p; j++)
	{
		x[j] = sin((double) (l + 1) * (j + 1.37)) + 0.01 * (double) j;
		eta += (j % 2 ? -0.8 : 0.6) * x[j];
	}
	*s = (uint8_t) ((l * 7 + g) % 3 == 0);
	eta += 0.5 * *s + ((double) g / n_strata - 0.5);
	*y = uniform_of(l) < fg_sigmoid(eta);
	fg_key_from_int64((int64_t) g * 1000 - 5, key);
}

static bool
fill(fg_train *t, uint64_t from, uint64_t n, uint32_t n_strata)
{
	double		x[512];
	uint8_t		y,
				s,
				key[8];
	fg_error	err;

	for (uint64_t l = from; l < from + n; l++)
	{
		make_row(l, t->p, x, &y, &s, key, n_strata);
		if (fg_train_add_row(t, x, y, s, key, 8, &err) != FG_OK)
			return false;
	}
	return true;
}

/* Row l of t matches what make_row produced for global row g. */
static bool
row_matches(const fg_train *t, uint64_t l, uint64_t g, uint32_t n_strata)
{
	double		x[512];
	uint8_t		y,
				s,
				key[8];
	size_t		len;

	make_row(g, t->p, x, &y, &s, key, n_strata);
	if (t->p > 0 && memcmp(fg_train_row(t, l), x, sizeof(double) * t->p) != 0)
		return false;
	if (t->y[l] != y || t->s[l] != s)
		return false;
	if (t->uses_strata)
	{
		const uint8_t *k = fg_dict_key(&t->dict, t->stratum[l], &len);

		if (len != 8 || memcmp(k, key, 8) != 0)
			return false;
	}
	return true;
}

static void
test_growth_and_memory(void)
{
	int			ps[] = {0, 1, 3, 20, 300};

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
	{
		int			p = ps[i];
		fg_train	t;
		fg_error	err;
		uint64_t	N = p >= 300 ? 20000 : 150000;
		double		worst = 0.0;
		double	   *first = NULL;
		bool		ok = true;

		CHECK(fg_train_init(&t, &unit_env, true, p, &err) == FG_OK);
		for (uint64_t l = 0; l < N && ok; l++)
		{
			size_t		raw,
						mem;

			ok = fill(&t, l, 1, 50);
			raw = (size_t) t.n_rows * (8 * (size_t) p + 6);
			mem = fg_train_memory(&t) - fg_dict_memory(&t.dict);
			/* past the first few kilobytes, at most a fifth on top */
			if (raw > 65536 && (double) mem / raw > worst)
				worst = (double) mem / raw;
			/* once the state holds many chunks the first is never moved again */
			if (p > 0 && t.n_chunks == 12 && first == NULL)
				first = t.chunks[0];
		}
		CHECK(ok, "p = %d: rows could not be added", p);
		CHECK(worst <= 1.21, "p = %d: memory reached %.3f times the rows", p, worst);
		CHECK(first == NULL || t.chunks[0] == first, "p = %d: the first chunk moved", p);
		if (p == 20)
			CHECK(first != NULL, "p = 20 should need more than 12 chunks");
		CHECK(fg_train_memory_after(&t, 0) == fg_train_memory(&t));
		for (uint64_t l = 0; l < N; l += 997)
			CHECK(row_matches(&t, l, l, 50), "p = %d, row %llu", p, (unsigned long long) l);
		CHECK(row_matches(&t, N - 1, N - 1, 50));
		fg_train_free(&t);
	}
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

static void
test_errors(void)
{
	fg_train	t;
	fg_error	err;
	double		x[3] = {1, 2, 3};

	CHECK(fg_train_init(&t, &unit_env, false, -1, &err) == FG_OK);
	CHECK(fg_train_add_row(&t, x, 1, 0, NULL, 0, &err) == FG_ERR_INVALID);
	CHECK(fg_train_set_p(&t, 3, &err) == FG_OK);
	CHECK(fg_train_set_p(&t, 3, &err) == FG_OK);
	CHECK(fg_train_set_p(&t, 4, &err) == FG_ERR_INVALID);
	CHECK(strstr(err.message, "different lengths") != NULL);
	CHECK(fg_train_add_row(&t, x, 1, 0, NULL, 0, &err) == FG_OK);
	fg_train_free(&t);

	/* every allocation made to fail in turn: an error, never a leak */
	for (long k = 0; k < 60; k++)
	{
		fg_status	st;
		bool		ok;

		unit_fail_after = k;
		st = fg_train_init(&t, &unit_env, true, 5, &err);
		ok = st == FG_OK && fill(&t, 0, 3000, 40);
		unit_fail_after = -1;
		CHECK(st == FG_OK ? true : st == FG_ERR_NOMEM);
		if (!ok && st == FG_OK)
			CHECK(err.status == FG_ERR_NOMEM);
		fg_train_free(&t);
		CHECK(unit_live_allocs == 0, "failing allocation %ld leaked", k);
	}
}

static void
test_merge(void)
{
	fg_train	a,
				b,
				all,
				empty;
	fg_error	err;
	uint64_t	na = 5000,
				nb = 7003;

	/* a: rows [0, na) with strata 0..29; b: rows [na, na+nb) with strata 0..59 */
	CHECK(fg_train_init(&a, &unit_env, true, 4, &err) == FG_OK);
	CHECK(fg_train_init(&b, &unit_env, true, 4, &err) == FG_OK);
	CHECK(fg_train_init(&empty, &unit_env, true, -1, &err) == FG_OK);
	a.chunk_shift = b.chunk_shift = 7;	/* small chunks: many boundaries */
	CHECK(fill(&a, 0, na, 60) && fill(&b, na, nb, 60));
	b.n_skipped = 4;
	empty.n_skipped = 2;

	CHECK(fg_train_merge(&a, &b, &err) == FG_OK);
	CHECK(fg_train_merge(&a, &empty, &err) == FG_OK);
	CHECK(a.n_rows == na + nb && a.n_skipped == 6);
	CHECK(a.dict.count == 60);
	for (uint64_t l = 0; l < na + nb; l++)
		if (!CHECK(row_matches(&a, l, l, 60), "row %llu", (unsigned long long) l))
			break;

	/* merging into an empty state takes the rows and p over */
	CHECK(fg_train_merge(&empty, &b, &err) == FG_OK);
	CHECK(empty.p == 4 && empty.n_rows == nb && empty.n_skipped == 6);
	CHECK(row_matches(&empty, 17, na + 17, 60));

	/* the solver sees the same fit on merged, chunked and contiguous rows */
	{
		fg_data		d1,
					d2;
		fg_fit		f1,
					f2;
		fg_options	opt;
		double	   *xc = malloc(sizeof(double) * 4 * (na + nb));

		CHECK(fg_train_init(&all, &unit_env, true, 4, &err) == FG_OK);
		CHECK(fill(&all, 0, na + nb, 60));
		CHECK(fg_train_data(&a, &d1, &err) == FG_OK);
		CHECK(fg_train_data(&all, &d2, &err) == FG_OK);
		CHECK(d1.x_chunks != NULL && d1.x_chunk_shift == 7);
		for (uint64_t l = 0; l < na + nb; l++)
			memcpy(xc + 4 * l, fg_train_row(&all, l), sizeof(double) * 4);
		d2.x_chunks = NULL;
		d2.x = xc;

		fg_options_default(&opt);
		opt.method = FG_METHOD_FAIR_CRLR;
		opt.rho = 0.5;
		opt.lambda = 2.0;
		CHECK(fg_fit_model(&unit_env, &d1, &opt, &f1, &err) == FG_OK, "%s: %s", err.message, err.detail);
		CHECK(fg_fit_model(&unit_env, &d2, &opt, &f2, &err) == FG_OK, "%s: %s", err.message, err.detail);
		CHECK_NEAR(f1.intercept, f2.intercept, 1e-10);
		for (int j = 0; j < 4; j++)
			CHECK_NEAR(f1.beta[j], f2.beta[j], 1e-10);
		for (uint32_t i = 0; i < f1.n_strata; i++)
			CHECK_NEAR(f1.b[i], f2.b[i], 1e-10);
		CHECK(f1.n_strata == 60 && f2.n_strata == 60);
		fg_fit_release(&unit_env, &f1);
		fg_fit_release(&unit_env, &f2);
		free(xc);
		fg_train_free(&all);
	}

	/* different p, or strata against none, cannot merge */
	{
		fg_train	c;

		CHECK(fg_train_init(&c, &unit_env, true, 5, &err) == FG_OK);
		CHECK(fill(&c, 0, 10, 3));
		CHECK(fg_train_merge(&b, &c, &err) == FG_ERR_INVALID);
		fg_train_free(&c);
		CHECK(fg_train_init(&c, &unit_env, false, 4, &err) == FG_OK);
		CHECK(fill(&c, 0, 10, 3));
		CHECK(fg_train_merge(&b, &c, &err) == FG_ERR_INVALID);
		fg_train_free(&c);
	}
	fg_train_free(&a);
	fg_train_free(&b);
	fg_train_free(&empty);
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

/* ---------- rows in a reserved region ---------- */

static size_t region_bytes;		/* what the test env reserves */
static int	region_reserved,
			region_released;

static void *
region_reserve(void *ctx, size_t *size, void **handle)
{
	void	   *p = malloc(region_bytes);

	region_reserved++;
	*size = region_bytes;
	*handle = p;
	return p;
}

static void
region_unreserve(void *ctx, void *handle)
{
	region_released++;
	free(handle);
}

static const fg_env region_env = {
	.alloc = unit_alloc,
	.release = unit_release,
	.alloc_uninit = unit_alloc_uninit,
	.reserve = region_reserve,
	.unreserve = region_unreserve,
};

/*
 * With a region the chunks are carved from it in order and the last one
 * grows in place: no chunk ever moves, the chunks are contiguous, and rows
 * beyond the region go to ordinary chunks.  Memory accounting is unchanged.
 */
static void
test_region(void)
{
	int			p = 20;
	uint64_t	N = 150000;			/* 24 MB of features */
	size_t		bytes[] = {3u << 20, 64u << 20};

	for (size_t i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++)
	{
		fg_train	t,
					plain,
					merged;
		fg_error	err;
		double	   *first = NULL;
		bool		ok = true,
					moved = false;
		uint64_t	R;
		uint64_t	in_region = 0;

		region_bytes = bytes[i];
		region_reserved = region_released = 0;
		CHECK(fg_train_init(&t, &region_env, true, p, &err) == FG_OK);
		CHECK(fg_train_init(&plain, &unit_env, true, p, &err) == FG_OK);
		for (uint64_t l = 0; l < N && ok; l++)
		{
			ok = fill(&t, l, 1, 50) && fill(&plain, l, 1, 50);
			if (first == NULL && t.n_chunks > 0)
				first = t.chunks[0];
			moved |= t.chunks[0] != first;
			CHECK(fg_train_memory(&t) == fg_train_memory(&plain));
		}
		CHECK(ok, "rows could not be added");
		CHECK(!moved, "the first chunk moved");
		CHECK(region_reserved == 1, "reserved %d times", region_reserved);
		R = (uint64_t) 1 << t.chunk_shift;
		for (uint64_t c = 0; c + 1 < t.n_chunks; c++)
			if ((uint8_t *) t.chunks[c] >= t.region &&
				(uint8_t *) t.chunks[c] < t.region + t.region_size)
			{
				in_region++;
				CHECK(t.chunks[c + 1] == t.chunks[c] + R * p ||
					  (uint8_t *) (t.chunks[c] + 2 * R * p) > t.region + t.region_size,
					  "chunk %llu is not followed by the next", (unsigned long long) c);
			}
		CHECK(in_region > 0 && (in_region < t.n_chunks - 1) == (region_bytes < 24u << 20),
			  "%llu of %llu chunks in the region", (unsigned long long) in_region,
			  (unsigned long long) t.n_chunks);
		for (uint64_t l = 0; l < N; l += 331)
			CHECK(row_matches(&t, l, l, 50), "row %llu", (unsigned long long) l);
		CHECK(row_matches(&t, N - 1, N - 1, 50));

		/* a merge into a region-backed state */
		CHECK(fg_train_init(&merged, &region_env, true, p, &err) == FG_OK);
		CHECK(fg_train_merge(&merged, &plain, &err) == FG_OK);
		CHECK(fg_train_merge(&merged, &t, &err) == FG_OK);
		for (uint64_t l = 0; l < 2 * N; l += 503)
			CHECK(row_matches(&merged, l, l % N, 50), "merged row %llu", (unsigned long long) l);

		fg_train_free(&t);
		fg_train_free(&merged);
		fg_train_free(&plain);
		CHECK(region_released == 2, "released %d of 2 regions", region_released);
	}
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

int
main(void)
{
	test_growth_and_memory();
	test_errors();
	test_merge();
	test_region();
	return unit_summary("train_state");
}
