/*
 * test_train_state.c -- the chunked row storage: contents survive growth,
 * memory stays within about 1.2 times the rows, the bulk is not copied once
 * the state is large, merging re-interns strata, allocation failures are
 * clean, the solver gives the same fit on chunked and contiguous rows, and
 * rows in a reserved region are never moved.  Categorical sensitive
 * attributes and weights: the switch from binary rows to codes, the
 * solver's view (sorted categories, two categories handed over as s),
 * merging every combination of binary, coded and weighted states, row
 * order invariance, and failing allocations in all of it.  A continuous y
 * (the gaussian family): a double a row kept bit for bit through growth,
 * merging and the view, memory within 1.2 times the rows, the family fixed
 * before the first row, non-finite outcomes refused.
 */
#include "model_format.h"
#include "train_state.h"
#include "unit.h"
#include "../coded_rows.h"
#include "train_compare.h"

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

/* ---------- categorical sensitive attributes and weights ---------- */

static const int64_t bin_ints[] = {0, 1};
static const int64_t mixed_ints[] = {0, 1, 5, -2};
static const int64_t ints_a[] = {10, -3, 2, 1000};
static const int64_t ints_b[] = {2, -100, 10, 77, 1000};
static const int64_t two_ints[] = {7, 3};
static const char *const texts_a[] = {"M", "F", "x", "\xc3\xa9t\xc3\xa9"};
static const char *const texts_b[] = {"", "F", "zz", "M", "a"};
static const char *const texts_fm[] = {"M", "F"};

static const crow_vals V_BIN = {bin_ints, NULL, 2};
static const crow_vals V_MIXED = {mixed_ints, NULL, 4};
static const crow_vals V_INTS_A = {ints_a, NULL, 4};
static const crow_vals V_INTS_B = {ints_b, NULL, 5};
static const crow_vals V_TWO_INTS = {two_ints, NULL, 2};
static const crow_vals V_TEXT_A = {NULL, texts_a, 4};
static const crow_vals V_TEXT_B = {NULL, texts_b, 5};
static const crow_vals V_TEXT_FM = {NULL, texts_fm, 2};

static const crow_kind K_INT = {false, 0};
static const crow_kind K_TEXT = {true, 0};

static int	crow_chunk_shift;	/* > 0: small chunks, so rows cross many boundaries */

/* A state of CROW_P features for coded rows, with a binary or continuous y. */
static fg_status
crow_init_family(fg_train *t, bool strata, bool weighted, bool gaussian, fg_error *err)
{
	fg_status	st = fg_train_init(t, &unit_env, strata, CROW_P, err);

	if (st == FG_OK)
		st = fg_train_set_weighted(t, weighted, err);
	if (st == FG_OK)
		st = fg_train_set_gaussian(t, gaussian, err);
	if (crow_chunk_shift > 0)
		t->chunk_shift = crow_chunk_shift;
	return st;
}

static fg_status
crow_init(fg_train *t, bool strata, bool weighted, fg_error *err)
{
	return crow_init_family(t, strata, weighted, false, err);
}

/* The label key of row l's attribute k after fg_train_data, into *len. */
static const uint8_t *
label_of(const fg_train *t, const fg_data *d, uint64_t l, uint32_t k, size_t *len)
{
	uint32_t	code = d->n_attr > 0 ? d->codes[l * d->n_attr + k] : d->s[l];

	return fg_dict_key(&t->attrs[k], code, len);
}

/*
 * Every row of t (after fg_train_data) carries the content and labels
 * crow_add gave its id, and its codes index the sorted dictionaries.
 */
static bool
rows_as_added(fg_train *t, crow_kind kind, const crow_vals *vals, const char *what)
{
	fg_data		d;
	fg_error	err;
	uint32_t	n = kind.n_attr > 0 ? kind.n_attr : 1;

	if (!CHECK(fg_train_data(t, &d, &err) == FG_OK, "%s: %s", what, err.message))
		return false;
	for (size_t l = 0; l < d.n_rows; l++)
	{
		double		x[CROW_P],
					w;
		uint8_t		y,
					key[8];
		uint64_t	id = (uint64_t) fg_data_row(&d, l)[0];
		size_t		len;
		const uint8_t *k;

		crow_content(id, x, &y, &w, key);
		if (t->gaussian)
		{
			double		yr = crow_y_real(id);

			if (!CHECK(d.y == NULL && memcmp(&d.y_real[l], &yr, sizeof(double)) == 0,
					   "%s: outcome of row %zu (id %llu)", what, l, (unsigned long long) id))
				return false;
		}
		else if (!CHECK(d.y_real == NULL && d.y[l] == y, "%s: label of row %zu (id %llu)", what, l,
						(unsigned long long) id))
			return false;
		if (!CHECK(memcmp(fg_data_row(&d, l), x, sizeof(x)) == 0 &&
				   (d.w == NULL || d.w[l] == w), "%s: row %zu (id %llu)", what, l,
				   (unsigned long long) id))
			return false;
		if (t->uses_strata)
		{
			k = fg_dict_key(&t->dict, d.stratum[l], &len);
			if (!CHECK(len == 8 && memcmp(k, key, 8) == 0, "%s: stratum of row %zu", what, l))
				return false;
		}
		for (uint32_t a = 0; a < n; a++)
		{
			uint32_t	i = crow_pick(id, a, vals);
			uint8_t		ik[8];
			const uint8_t *want = ik;
			size_t		want_len = 8;

			if (kind.text)
			{
				want = (const uint8_t *) vals->texts[i];
				want_len = strlen(vals->texts[i]);
			}
			else
				fg_key_from_int64(vals->ints[i], ik);
			if (t->n_attr == 0)
			{
				/* still binary: s is the value itself */
				if (!CHECK(!kind.text && d.s[l] == vals->ints[i], "%s: s of row %zu", what, l))
					return false;
				continue;
			}
			k = label_of(t, &d, l, a, &len);
			if (!CHECK(len == want_len && (len == 0 || memcmp(k, want, len) == 0),
					   "%s: label %u of row %zu", what, a, l))
				return false;
		}
	}
	for (uint32_t a = 0; a < t->n_attr; a++)
		if (!CHECK(dict_sorted(&t->attrs[a]), "%s: attribute %u unsorted", what, a))
			return false;
	return true;
}

static void
test_switch_to_codes(void)
{
	for (int variant = 0; variant < 4; variant++)
	{
		bool		strata = variant & 1,
					weighted = variant & 2;
		fg_train	t;
		fg_data		d;
		fg_error	err;
		uint8_t		key[8];
		size_t		len,
					predicted;
		/* binary rows: 1 first, so label 1 is interned before 0 */
		int64_t		values[] = {1, 0, 1, 1, 0, 5, 0, -2, 5, 1};
		uint32_t	first_seen[] = {0, 1, 0, 0, 1, 2, 1, 3, 2, 0};
		/* sorted numerically: -2, 0, 1, 5 */
		uint32_t	sorted[] = {2, 1, 2, 2, 1, 3, 1, 0, 3, 2};

		CHECK(crow_init(&t, strata, weighted, &err) == FG_OK);
		for (int l = 0; l < 10; l++)
		{
			crow_vals	one = {&values[l], NULL, 1};

			if (l == 5)
			{
				/* five binary rows so far */
				CHECK(t.n_attr == 0 && t.s != NULL && t.codes == NULL);
				for (int j = 0; j < 5; j++)
					CHECK(t.s[j] == values[j]);
				predicted = fg_train_memory_codes(&t, 1);
				CHECK(predicted > fg_train_memory(&t));
			}
			CHECK(crow_add(&t, K_INT, (uint64_t) l, &one, &err) == FG_OK, "row %d: %s", l,
				  err.message);
			if (l == 5)
			{
				CHECK(fg_train_memory(&t) <= predicted, "%zu > %zu", fg_train_memory(&t), predicted);
				CHECK(t.n_attr == 1 && t.s == NULL && t.codes != NULL);
			}
		}
		CHECK(t.n_rows == 10 && t.attrs[0].count == 4);
		for (int l = 0; l < 10; l++)
		{
			CHECK(t.codes[l] == first_seen[l], "row %d: code %u", l, t.codes[l]);
			fg_key_from_int64(values[l], key);
			CHECK(memcmp(fg_dict_key(&t.attrs[0], t.codes[l], &len), key, 8) == 0 && len == 8);
			CHECK(fg_train_row(&t, (uint64_t) l)[0] == l);
		}
		/* the other columns came through the switch */
		for (int l = 0; l < 10; l++)
		{
			double		x[CROW_P],
						w;
			uint8_t		y;

			crow_content((uint64_t) l, x, &y, &w, key);
			CHECK(t.y[l] == y && (!weighted || t.w[l] == w));
			if (strata)
				CHECK(memcmp(fg_dict_key(&t.dict, t.stratum[l], &len), key, 8) == 0);
		}

		/* a binary row is refused now that the state is coded */
		{
			double		x[CROW_P] = {0, 0};

			CHECK(fg_train_add_row(&t, x, 0, 1, key, 8, &err) == FG_ERR_INVALID);
			CHECK(fg_train_use_codes(&t, 2, &err) == FG_ERR_INVALID);
			CHECK(strstr(err.message, "different lengths") != NULL);
			CHECK(fg_train_use_codes(&t, 1, &err) == FG_OK);
		}

		CHECK(fg_train_data(&t, &d, &err) == FG_OK);
		CHECK(d.n_attr == 1 && d.s == NULL && d.codes != NULL && d.n_cats[0] == 4);
		CHECK((d.w != NULL) == weighted && (d.stratum != NULL) == strata);
		for (int l = 0; l < 10; l++)
			CHECK(d.codes[l] == sorted[l], "row %d: sorted code %u", l, d.codes[l]);
		CHECK(dict_sorted(&t.attrs[0]));
		fg_key_from_int64(-2, key);
		CHECK(memcmp(fg_dict_key(&t.attrs[0], 0, &len), key, 8) == 0);
		/* a second call gives the same view */
		{
			fg_data		again;

			CHECK(fg_train_data(&t, &again, &err) == FG_OK);
			CHECK(again.codes == d.codes && again.n_cats[0] == 4 && again.n_attr == 1);
			for (int l = 0; l < 10; l++)
				CHECK(again.codes[l] == sorted[l]);
		}
		fg_train_free(&t);
	}

	/* the switch needs one attribute when rows exist, and a sane count */
	{
		fg_train	t;
		fg_error	err;

		CHECK(crow_init(&t, false, false, &err) == FG_OK);
		/* 0 attributes is what a binary state has: nothing to do */
		CHECK(fg_train_use_codes(&t, 0, &err) == FG_OK && t.n_attr == 0);
		CHECK(fg_train_use_codes(&t, FG_MAX_ATTRIBUTES + 1, &err) == FG_ERR_INVALID);
		CHECK(crow_add_rows(&t, K_INT, NULL, 0, 4, &V_BIN, &err) == FG_OK);
		CHECK(fg_train_use_codes(&t, 2, &err) == FG_ERR_INVALID);
		CHECK(t.n_attr == 0 && t.n_rows == 4);
		fg_train_free(&t);

		/* an empty state may take any number of attributes */
		CHECK(crow_init(&t, false, false, &err) == FG_OK);
		CHECK(fg_train_use_codes(&t, 3, &err) == FG_OK && t.n_attr == 3);
		CHECK(crow_add_rows(&t, (crow_kind) {true, 3}, NULL, 0, 50, &V_TEXT_A, &err) == FG_OK);
		CHECK(rows_as_added(&t, (crow_kind) {true, 3}, &V_TEXT_A, "three text attributes"));
		fg_train_free(&t);

		/* weights must be chosen before the first row */
		CHECK(crow_init(&t, false, false, &err) == FG_OK);
		CHECK(crow_add_rows(&t, K_INT, NULL, 0, 1, &V_BIN, &err) == FG_OK);
		CHECK(fg_train_set_weighted(&t, true, &err) == FG_ERR_INVALID);
		fg_train_free(&t);
	}
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

/*
 * One attribute of two categories is handed over as the binary s (1 for the
 * second category in sorted order), exactly what a boolean state gives.
 */
static void
test_two_categories_as_s(void)
{
	struct
	{
		const char *what;
		crow_kind	kind;
		const crow_vals *vals;
		int64_t		second;		/* the value that sorts second */
		const char *second_text;
	}			cases[] = {
		{"text F/M", K_TEXT, &V_TEXT_FM, 0, "M"},
		{"integers {7, 3}", K_INT, &V_TWO_INTS, 7, NULL},
		{"array of one text", {true, 1}, &V_TEXT_FM, 0, "M"},
		{"array of one integer", {false, 1}, &V_TWO_INTS, 7, NULL},
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (int variant = 0; variant < 4; variant++)
		{
			bool		strata = variant & 1,
						weighted = variant & 2;
			fg_train	coded,
						binary;
			fg_data		dc,
						db;
			fg_error	err;
			uint64_t	N = 300;

			CHECK(crow_init(&coded, strata, weighted, &err) == FG_OK);
			CHECK(crow_init(&binary, strata, weighted, &err) == FG_OK);
			CHECK(crow_add_rows(&coded, cases[c].kind, NULL, 0, N, cases[c].vals, &err) == FG_OK);
			CHECK(coded.n_attr == 1 && coded.attrs[0].count == 2, "%s", cases[c].what);
			/* the same rows with s = 1 where the value sorts second */
			for (uint64_t id = 0; id < N; id++)
			{
				uint32_t	i = crow_pick(id, 0, cases[c].vals);
				int64_t		s = cases[c].second_text != NULL
					? strcmp(cases[c].vals->texts[i], cases[c].second_text) == 0
					: cases[c].vals->ints[i] == cases[c].second;
				crow_vals	one = {&s, NULL, 1};

				/* crow_pick of a one-element table is 0: the row takes s */
				CHECK(crow_add(&binary, K_INT, id, &one, &err) == FG_OK);
			}
			CHECK(binary.n_attr == 0);
			CHECK(same_data(&coded, &binary, cases[c].what));
			CHECK(coded.codes_as_s);
			CHECK(fg_train_data(&coded, &dc, &err) == FG_OK && fg_train_data(&binary, &db, &err) == FG_OK);
			CHECK(dc.n_attr == 0 && dc.codes == NULL && dc.n_cats == NULL && dc.s != NULL);
			CHECK(dc.s == (const uint8_t *) coded.codes);
			fg_train_free(&coded);
			fg_train_free(&binary);
		}

	/* one category: s is 0 throughout; two attributes of two: codes */
	{
		fg_train	t;
		fg_data		d;
		fg_error	err;
		static const char *const only[] = {"only"};
		crow_vals	one = {NULL, only, 1};

		CHECK(crow_init(&t, false, false, &err) == FG_OK);
		CHECK(crow_add_rows(&t, K_TEXT, NULL, 0, 20, &one, &err) == FG_OK);
		CHECK(fg_train_data(&t, &d, &err) == FG_OK);
		CHECK(d.n_attr == 0 && d.s != NULL);
		for (size_t l = 0; l < d.n_rows; l++)
			CHECK(d.s[l] == 0);
		fg_train_free(&t);

		CHECK(crow_init(&t, false, false, &err) == FG_OK);
		CHECK(crow_add_rows(&t, (crow_kind) {true, 2}, NULL, 0, 40, &V_TEXT_FM, &err) == FG_OK);
		CHECK(fg_train_data(&t, &d, &err) == FG_OK);
		CHECK(d.n_attr == 2 && d.s == NULL && d.n_cats[0] == 2 && d.n_cats[1] == 2);
		CHECK(rows_as_added(&t, (crow_kind) {true, 2}, &V_TEXT_FM, "two attributes of two"));
		fg_train_free(&t);
	}
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

/*
 * Merging: a holds ids [0, na), b ids [na, na + nb), each drawing labels
 * from its own values; the merge must equal one state that got every row.
 */
typedef struct merge_case
{
	const char *what;
	crow_kind	kind;
	const crow_vals *va;
	const crow_vals *vb;
} merge_case;

static fg_status
build_split(fg_train *t, const merge_case *mc, bool strata, bool weighted, bool gaussian,
			uint64_t from, uint64_t n, const crow_vals *vals, fg_error *err)
{
	fg_status	st = crow_init_family(t, strata, weighted, gaussian, err);

	if (st == FG_OK)
		st = crow_add_rows(t, mc->kind, NULL, from, n, vals, err);
	return st;
}

/* The reference: every row in one state, each run with its own values. */
static fg_status
build_whole(fg_train *t, const merge_case *mc, bool strata, bool weighted, bool gaussian,
			uint64_t na, uint64_t nb, fg_error *err)
{
	fg_status	st = crow_init_family(t, strata, weighted, gaussian, err);

	if (st == FG_OK)
		st = crow_add_rows(t, mc->kind, NULL, 0, na, mc->va, err);
	if (st == FG_OK)
		st = crow_add_rows(t, mc->kind, NULL, na, nb, mc->vb, err);
	return st;
}

static const merge_case merge_cases[] = {
	{"coded + binary", {false, 0}, &V_MIXED, &V_BIN},
	{"binary + coded", {false, 0}, &V_BIN, &V_MIXED},
	{"binary + binary", {false, 0}, &V_BIN, &V_BIN},
	{"coded + coded, integers", {false, 0}, &V_INTS_A, &V_INTS_B},
	{"coded + coded, text", {true, 0}, &V_TEXT_A, &V_TEXT_B},
	{"coded + coded, three text attributes", {true, 3}, &V_TEXT_B, &V_TEXT_A},
	{"coded + coded, two integer attributes", {false, 2}, &V_INTS_B, &V_INTS_A},
	{"two categories + two others", {true, 0}, &V_TEXT_FM, &V_TEXT_B},
};

static void
test_merge_codes(void)
{
	uint64_t	na = 157,
				nb = 203;

	for (size_t c = 0; c < sizeof(merge_cases) / sizeof(merge_cases[0]); c++)
		for (int variant = 0; variant < 8; variant++)
		{
			const merge_case *mc = &merge_cases[c];
			bool		strata = variant & 1,
						weighted = variant & 2,
						gaussian = variant & 4;
			fg_train	a,
						b,
						whole,
						empty;
			fg_error	err;
			char		what[128];

			snprintf(what, sizeof(what), "%s%s%s%s", mc->what, strata ? ", strata" : "",
					 weighted ? ", weighted" : "", gaussian ? ", gaussian" : "");
			/* small chunks in a and b, of another size in the merged states */
			crow_chunk_shift = 5;
			CHECK(build_split(&a, mc, strata, weighted, gaussian, 0, na, mc->va, &err) == FG_OK,
				  "%s", what);
			CHECK(build_split(&b, mc, strata, weighted, gaussian, na, nb, mc->vb, &err) == FG_OK,
				  "%s", what);
			crow_chunk_shift = 4;
			CHECK(build_whole(&whole, mc, strata, weighted, gaussian, na, nb, &err) == FG_OK,
				  "%s", what);
			b.n_skipped = 3;

			/* merging into an empty state first, as a combine of nothing and a does */
			CHECK(crow_init_family(&empty, strata, weighted, gaussian, &err) == FG_OK);
			CHECK(fg_train_merge(&empty, &a, &err) == FG_OK, "%s: %s", what, err.message);
			CHECK(fg_train_merge(&empty, &b, &err) == FG_OK, "%s: %s", what, err.message);
			crow_chunk_shift = 0;
			CHECK(fg_train_merge(&a, &b, &err) == FG_OK, "%s: %s", what, err.message);
			CHECK(a.n_rows == na + nb && a.n_skipped == 3, "%s", what);
			/* src is left as it was */
			CHECK(b.n_rows == nb);
			CHECK(same_data(&a, &whole, what));
			CHECK(same_data(&empty, &whole, what));
			fg_train_free(&a);
			fg_train_free(&b);
			fg_train_free(&whole);
			fg_train_free(&empty);
		}
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

/* States that cannot merge fail cleanly and stay usable. */
static void
test_merge_incompatible(void)
{
	struct
	{
		const char *what;
		bool		dst_weighted,
					src_weighted;
		crow_kind	dst_kind,
					src_kind;
		const crow_vals *dst_vals,
				   *src_vals;
		bool		dst_gaussian,
					src_gaussian;
	}			cases[] = {
		{"weighted into unweighted", false, true, K_INT, K_INT, &V_BIN, &V_BIN, false, false},
		{"unweighted into weighted", true, false, K_TEXT, K_TEXT, &V_TEXT_A, &V_TEXT_A, false, false},
		{"two attributes into one", false, false, K_TEXT, {true, 2}, &V_TEXT_A, &V_TEXT_A, false, false},
		{"one attribute into two", false, false, {true, 2}, K_TEXT, &V_TEXT_A, &V_TEXT_A, false, false},
		{"binary into two", false, false, {false, 2}, K_INT, &V_INTS_A, &V_BIN, false, false},
		{"two into binary", false, false, K_INT, {false, 2}, &V_BIN, &V_INTS_A, false, false},
		{"three into two", true, true, {false, 2}, {false, 3}, &V_INTS_A, &V_INTS_B, false, false},
		{"gaussian into binomial", false, false, K_INT, K_INT, &V_BIN, &V_BIN, false, true},
		{"binomial into gaussian", true, true, K_TEXT, K_TEXT, &V_TEXT_A, &V_TEXT_B, true, false},
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (int strata = 0; strata < 2; strata++)
		{
			fg_train	dst,
						src,
						ref;
			fg_error	err;
			fg_status	st;

			CHECK(crow_init_family(&dst, strata, cases[c].dst_weighted, cases[c].dst_gaussian,
								   &err) == FG_OK);
			CHECK(crow_init_family(&ref, strata, cases[c].dst_weighted, cases[c].dst_gaussian,
								   &err) == FG_OK);
			CHECK(crow_init_family(&src, strata, cases[c].src_weighted, cases[c].src_gaussian,
								   &err) == FG_OK);
			CHECK(crow_add_rows(&dst, cases[c].dst_kind, NULL, 0, 40, cases[c].dst_vals, &err) == FG_OK);
			CHECK(crow_add_rows(&ref, cases[c].dst_kind, NULL, 0, 40, cases[c].dst_vals, &err) == FG_OK);
			CHECK(crow_add_rows(&src, cases[c].src_kind, NULL, 40, 30, cases[c].src_vals, &err) == FG_OK);
			memset(&err, 0, sizeof(err));
			st = fg_train_merge(&dst, &src, &err);
			CHECK(st == FG_ERR_INVALID && err.status == FG_ERR_INVALID && err.message[0] != '\0',
				  "%s: status %d", cases[c].what, st);
			/* the rows dst had are still all it has */
			CHECK(dst.n_rows == 40 && dst.n_skipped == 0, "%s", cases[c].what);
			CHECK(same_data(&dst, &ref, cases[c].what));
			fg_train_free(&dst);
			fg_train_free(&src);
			fg_train_free(&ref);
			CHECK(unit_live_allocs == 0, "%s: %ld allocations leaked", cases[c].what,
				  unit_live_allocs);
		}
}

/* The same rows in two orders: each row gets the same codes and stratum. */
static void
test_row_order_codes(void)
{
	uint64_t	N = 400;
	uint64_t   *ids = malloc(sizeof(uint64_t) * N);
	crow_kind	kinds[] = {K_INT, K_TEXT, {true, 3}, {false, 2}};
	const crow_vals *vals[] = {&V_MIXED, &V_TEXT_B, &V_TEXT_A, &V_INTS_B};

	/* a permutation that puts other values first (and the switch elsewhere) */
	for (uint64_t i = 0; i < N; i++)
		ids[i] = (i * 263 + 17) % N;
	for (size_t c = 0; c < sizeof(kinds) / sizeof(kinds[0]); c++)
	{
		fg_train	fwd,
					perm;
		fg_data		df,
					dp;
		fg_error	err;
		uint64_t   *row_of = malloc(sizeof(uint64_t) * N);
		uint32_t	n = kinds[c].n_attr > 0 ? kinds[c].n_attr : 1;

		CHECK(crow_init(&fwd, true, true, &err) == FG_OK);
		CHECK(crow_init(&perm, true, true, &err) == FG_OK);
		CHECK(crow_add_rows(&fwd, kinds[c], NULL, 0, N, vals[c], &err) == FG_OK);
		CHECK(crow_add_rows(&perm, kinds[c], ids, 0, N, vals[c], &err) == FG_OK);
		CHECK(rows_as_added(&fwd, kinds[c], vals[c], "in order"));
		CHECK(rows_as_added(&perm, kinds[c], vals[c], "permuted"));
		CHECK(fg_train_data(&fwd, &df, &err) == FG_OK && fg_train_data(&perm, &dp, &err) == FG_OK);
		CHECK(df.n_attr == dp.n_attr && df.n_strata == dp.n_strata);
		for (uint32_t k = 0; k < df.n_attr; k++)
			CHECK(df.n_cats[k] == dp.n_cats[k]);
		for (uint64_t l = 0; l < N; l++)
			row_of[(uint64_t) fg_data_row(&dp, l)[0]] = l;
		for (uint64_t id = 0; id < N; id++)
		{
			uint64_t	l = row_of[id];

			CHECK(df.stratum[id] == dp.stratum[l]);
			for (uint32_t k = 0; k < n; k++)
				CHECK((df.codes ? df.codes[id * n + k] : df.s[id]) ==
					  (dp.codes ? dp.codes[l * n + k] : dp.s[l]), "id %llu, attribute %u",
					  (unsigned long long) id, k);
		}
		free(row_of);
		fg_train_free(&fwd);
		fg_train_free(&perm);
	}

	/* integers are numbered by value: -100 < -3 < 2 < 10 < 77 < 1000 */
	{
		static const int64_t vals6[] = {77, 1000, -3, 2, -100, 10};
		static const uint32_t rank6[] = {4, 5, 1, 2, 0, 3};
		crow_vals	v = {vals6, NULL, 6};
		fg_train	t;
		fg_data		d;
		fg_error	err;

		CHECK(crow_init(&t, false, false, &err) == FG_OK);
		CHECK(crow_add_rows(&t, K_INT, ids, 0, N, &v, &err) == FG_OK);
		CHECK(fg_train_data(&t, &d, &err) == FG_OK && d.n_cats[0] == 6);
		for (uint64_t l = 0; l < N; l++)
			CHECK(d.codes[l] == rank6[crow_pick((uint64_t) fg_data_row(&d, l)[0], 0, &v)]);
		fg_train_free(&t);
	}
	free(ids);
	CHECK(unit_live_allocs == 0, "%ld allocations leaked", unit_live_allocs);
}

/*
 * Every allocation made to fail in turn while rows switch to codes, while
 * binary and coded states merge, and while the view is made: an error of
 * FG_ERR_NOMEM, never a leak, and a state that can still be freed.  The
 * sources are built before allocations start failing.
 */
static void
test_codes_failing_allocations(void)
{
	for (int variant = 0; variant < 4; variant++)
	{
		bool		strata = variant != 1,
					weighted = variant != 2,
					gaussian = variant == 3;
		fg_train	src_bin,
					src_coded,
					src_text,
					ref;
		fg_error	err;
		bool		finished = false;
		long		k;

		CHECK(crow_init_family(&src_bin, strata, weighted, gaussian, &err) == FG_OK);
		CHECK(crow_init_family(&src_coded, strata, weighted, gaussian, &err) == FG_OK);
		CHECK(crow_init_family(&src_text, strata, weighted, gaussian, &err) == FG_OK);
		CHECK(crow_add_rows(&src_bin, K_INT, NULL, 100, 50, &V_BIN, &err) == FG_OK);
		CHECK(crow_add_rows(&src_coded, K_INT, NULL, 150, 60, &V_INTS_B, &err) == FG_OK);
		CHECK(crow_add_rows(&src_text, (crow_kind) {true, 2}, NULL, 0, 30, &V_TEXT_A, &err) == FG_OK);
		/* the reference of the sequence below, built without failures */
		CHECK(crow_init_family(&ref, strata, weighted, gaussian, &err) == FG_OK);
		CHECK(crow_add_rows(&ref, K_INT, NULL, 0, 40, &V_BIN, &err) == FG_OK);
		CHECK(crow_add_rows(&ref, K_INT, NULL, 40, 60, &V_MIXED, &err) == FG_OK);
		CHECK(fg_train_merge(&ref, &src_bin, &err) == FG_OK);
		CHECK(fg_train_merge(&ref, &src_coded, &err) == FG_OK);

		for (k = 0; k < 5000 && !finished; k++)
		{
			fg_train	t,
						b;
			fg_data		d;
			fg_status	st;
			long		before = unit_live_allocs;

			unit_fail_after = k;
			st = crow_init_family(&t, strata, weighted, gaussian, &err);
			if (st == FG_OK)
				st = crow_add_rows(&t, K_INT, NULL, 0, 40, &V_BIN, &err);
			if (st == FG_OK)	/* switches to codes on the first value not 0 or 1 */
				st = crow_add_rows(&t, K_INT, NULL, 40, 60, &V_MIXED, &err);
			if (st == FG_OK)
				st = fg_train_merge(&t, &src_bin, &err);
			if (st == FG_OK)
				st = fg_train_merge(&t, &src_coded, &err);
			if (st == FG_OK)
				st = fg_train_data(&t, &d, &err);
			/* a binary state switched to codes by a merge, and a merge refused */
			if (st == FG_OK)
				st = crow_init_family(&b, strata, weighted, gaussian, &err);
			else
				memset(&b, 0, sizeof(b));
			if (st == FG_OK)
				st = crow_add_rows(&b, K_INT, NULL, 0, 30, &V_BIN, &err);
			if (st == FG_OK)
				st = fg_train_merge(&b, &src_coded, &err);
			if (st == FG_OK)
			{
				/* refused before anything is allocated */
				fg_error	refused;

				CHECK(fg_train_merge(&b, &src_text, &refused) == FG_ERR_INVALID);
			}
			if (st == FG_OK)
				st = fg_train_merge(&b, &src_bin, &err);
			unit_fail_after = -1;

			if (st == FG_OK)
			{
				finished = true;
				CHECK(same_data(&t, &ref, "no allocation failed"));
				CHECK(b.n_rows == 140 && b.n_attr == 1);
			}
			else
				CHECK(st == FG_ERR_NOMEM && err.status == FG_ERR_NOMEM,
					  "allocation %ld: status %d (%s)", k, st, err.message);
			fg_train_free(&t);
			fg_train_free(&b);
			CHECK(unit_live_allocs == before, "allocation %ld (variant %d): %ld leaked", k,
				  variant, unit_live_allocs - before);
		}
		CHECK(finished, "variant %d: still failing after %ld allocations", variant, k);
		fg_train_free(&src_bin);
		fg_train_free(&src_coded);
		fg_train_free(&src_text);
		fg_train_free(&ref);
	}

	/* a failed switch leaves the binary rows as they were */
	for (long k = 0; k < 40; k++)
	{
		fg_train	t;
		fg_error	err;
		fg_status	st;
		long		before = unit_live_allocs;

		CHECK(crow_init(&t, true, true, &err) == FG_OK);
		CHECK(crow_add_rows(&t, K_INT, NULL, 0, 50, &V_BIN, &err) == FG_OK);
		unit_fail_after = k;
		st = fg_train_use_codes(&t, 1, &err);
		unit_fail_after = -1;
		CHECK(st == FG_OK || st == FG_ERR_NOMEM);
		if (st != FG_OK)
		{
			CHECK(t.n_attr == 0 && t.s != NULL && t.codes == NULL);
			CHECK(rows_as_added(&t, K_INT, &V_BIN, "after a failed switch"));
		}
		else
		{
			CHECK(t.n_attr == 1);
			CHECK(rows_as_added(&t, K_INT, &V_BIN, "after the switch"));
		}
		fg_train_free(&t);
		CHECK(unit_live_allocs == before, "allocation %ld: %ld leaked", k, unit_live_allocs - before);
	}
}

/* ---------- a continuous y ---------- */

/*
 * The gaussian family: the family is fixed before the first row, rows go
 * in through fg_train_add_row_real only and with a finite y, the outcomes
 * come back bit for bit through growth (p = 0 too) and in the solver's
 * view (y NULL), and memory stays within 1.2 times the rows.
 */
static void
test_gaussian(void)
{
	int			ps[] = {0, 3, 20};

	/* the family is chosen before the first row, and rows of the other family are refused */
	{
		fg_train	t;
		fg_error	err;
		double		x[CROW_P] = {1, 2};
		uint8_t		key[8];

		fg_key_from_int64(4, key);
		CHECK(crow_init_family(&t, true, false, true, &err) == FG_OK);
		CHECK(fg_train_set_gaussian(&t, true, &err) == FG_OK);
		CHECK(fg_train_add_row_ex(&t, x, 1, 1.0, 0, NULL, key, 8, &err) == FG_ERR_INVALID);
		CHECK(fg_train_add_row(&t, x, 1, 0, key, 8, &err) == FG_ERR_INVALID);
		CHECK(fg_train_add_row_real(&t, x, NAN, 1.0, 0, NULL, key, 8, &err) == FG_ERR_INVALID);
		CHECK(fg_train_add_row_real(&t, x, INFINITY, 1.0, 0, NULL, key, 8, &err) == FG_ERR_INVALID);
		CHECK(fg_train_add_row_real(&t, x, -INFINITY, 1.0, 0, NULL, key, 8, &err) == FG_ERR_INVALID);
		CHECK(strstr(err.message, "finite") != NULL);
		/* refused rows leave nothing behind, not even their stratum */
		CHECK(t.n_rows == 0 && t.dict.count == 0);
		CHECK(fg_train_add_row_real(&t, x, 2.5, 1.0, 1, NULL, key, 8, &err) == FG_OK);
		CHECK(fg_train_set_gaussian(&t, false, &err) == FG_ERR_INVALID);
		CHECK(fg_train_set_gaussian(&t, true, &err) == FG_OK);
		CHECK(t.n_rows == 1 && t.y == NULL && t.y_real[0] == 2.5 && t.s[0] == 1);
		fg_train_free(&t);

		CHECK(crow_init(&t, false, false, &err) == FG_OK);
		CHECK(fg_train_add_row_real(&t, x, 2.5, 1.0, 0, NULL, NULL, 0, &err) == FG_ERR_INVALID);
		CHECK(fg_train_add_row(&t, x, 1, 0, NULL, 0, &err) == FG_OK);
		CHECK(fg_train_set_gaussian(&t, true, &err) == FG_ERR_INVALID);
		CHECK(!t.gaussian && t.y_real == NULL);
		fg_train_free(&t);
	}

	/* growth: every outcome intact, memory within a fifth on top, the view */
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
	{
		int			p = ps[i];
		fg_train	t;
		fg_data		d;
		fg_error	err;
		uint64_t	N = 120000;
		double		worst = 0.0;
		double		x[32];
		bool		ok = true;

		CHECK(fg_train_init(&t, &unit_env, true, p, &err) == FG_OK);
		CHECK(fg_train_set_gaussian(&t, true, &err) == FG_OK);
		for (uint64_t l = 0; l < N && ok; l++)
		{
			uint8_t		y,
						s,
						key[8];
			size_t		raw,
						mem;

			make_row(l, p, x, &y, &s, key, 50);
			ok = fg_train_add_row_real(&t, x, crow_y_real(l), 1.0, s, NULL, key, 8, &err) == FG_OK;
			/* features, a double y, s and the stratum index */
			raw = (size_t) t.n_rows * (8 * (size_t) p + 13);
			mem = fg_train_memory(&t) - fg_dict_memory(&t.dict);
			if (raw > 65536 && (double) mem / raw > worst)
				worst = (double) mem / raw;
		}
		CHECK(ok, "p = %d: rows could not be added: %s", p, err.message);
		CHECK(worst <= 1.21, "p = %d: memory reached %.3f times the rows", p, worst);
		CHECK(fg_train_data(&t, &d, &err) == FG_OK);
		CHECK(d.y == NULL && d.y_real == t.y_real && d.n_rows == N);
		for (uint64_t l = 0; l < N; l++)
		{
			double		want = crow_y_real(l);
			uint8_t		y,
						s,
						key[8];

			make_row(l, p, x, &y, &s, key, 50);
			if (!CHECK(memcmp(&d.y_real[l], &want, sizeof(double)) == 0 && d.s[l] == s &&
					   (p == 0 || memcmp(fg_data_row(&d, l), x, sizeof(double) * p) == 0),
					   "p = %d, row %llu", p, (unsigned long long) l))
				break;
		}
		fg_train_free(&t);
	}

	/* the same rows through coded attributes and the merge of two halves */
	{
		fg_train	a,
					b,
					whole;
		fg_error	err;

		CHECK(crow_init_family(&a, true, true, true, &err) == FG_OK);
		CHECK(crow_init_family(&b, true, true, true, &err) == FG_OK);
		CHECK(crow_init_family(&whole, true, true, true, &err) == FG_OK);
		CHECK(crow_add_rows(&a, K_TEXT, NULL, 0, 300, &V_TEXT_A, &err) == FG_OK);
		CHECK(crow_add_rows(&b, K_TEXT, NULL, 300, 200, &V_TEXT_A, &err) == FG_OK);
		CHECK(crow_add_rows(&whole, K_TEXT, NULL, 0, 500, &V_TEXT_A, &err) == FG_OK);
		CHECK(fg_train_merge(&a, &b, &err) == FG_OK, "%s", err.message);
		CHECK(same_data(&a, &whole, "gaussian halves"));
		CHECK(rows_as_added(&a, K_TEXT, &V_TEXT_A, "gaussian halves"));
		fg_train_free(&a);
		fg_train_free(&b);
		fg_train_free(&whole);
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
	test_switch_to_codes();
	test_two_categories_as_s();
	test_merge_codes();
	test_merge_incompatible();
	test_row_order_codes();
	test_codes_failing_allocations();
	test_gaussian();
	return unit_summary("train_state");
}
