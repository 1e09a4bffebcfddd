/*
 * train_state.c -- compact, growable storage of training rows.
 *
 * Growth policy (it bounds both the copying and the unused capacity):
 *  - every feature chunk but the last is full, 2^chunk_shift rows (about
 *    FG_TRAIN_CHUNK_BYTES);
 *  - the last chunk grows by a fifth at a time until it is full, so a small
 *    fit never holds more than about 1.2 times its rows;
 *  - once the state holds 8 full chunks, new chunks are allocated full
 *    (the unused tail is then at most 1/8 of the total) and nothing is copied
 *    any more; before that, a new chunk starts at 1/8 of a chunk.
 * Columns (y, s, stratum) grow by a fifth at a time, with one copy each time:
 * 2 to 6 bytes a row (7 more with a gaussian y), so the copying is small
 * next to the features.
 *
 * When the environment can reserve address space (env->reserve: in a
 * backend, an anonymous mapping advised for huge pages), the chunks are
 * carved from it one after the other.  The last chunk then grows in place,
 * nothing is copied, and writing the rows faults in 2 MB pages rather than
 * 4 kB ones, which in a backend cost more than the copying of the rows
 * itself.  Past the end of the region chunks come from alloc_uninit again.
 */
#include "train_state.h"
#include "le_bytes.h"
#include "model_format.h"

#include <math.h>
#include <string.h>

#define MIN_ROWS	16
#define REGION_ALIGN 64

static fg_status
nomem(fg_error *err, const char *what)
{
	return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL,
				   "Could not allocate the %s of the training rows.", what);
}

static int
shift_for(int p)
{
	int			shift = 0;

	if (p <= 0)
		return 0;
	while (((size_t) 8 * p << (shift + 1)) <= FG_TRAIN_CHUNK_BYTES && shift < 30)
		shift++;
	return shift;
}

static size_t
column_bytes_for(const fg_train *t, uint32_t n_attr)
{
	return (t->gaussian ? sizeof(double) : 1) + (n_attr > 0 ? sizeof(uint32_t) * n_attr : 1) +
		(t->uses_strata ? sizeof(uint32_t) : 0) + (t->weighted ? sizeof(double) : 0);
}

static size_t
column_bytes(const fg_train *t)
{
	return column_bytes_for(t, t->n_attr);
}

fg_status
fg_train_init(fg_train *t, const fg_env *env, bool uses_strata, int p, fg_error *err)
{
	memset(t, 0, sizeof(*t));
	t->env = env;
	t->uses_strata = uses_strata;
	t->p = -1;
	if (uses_strata)
	{
		fg_status	st = fg_dict_init(&t->dict, env, err);

		if (st != FG_OK)
		{
			fg_dict_free(&t->dict);	/* init may fail half-way */
			return st;
		}
	}
	if (p >= 0)
		return fg_train_set_p(t, p, err);
	return FG_OK;
}

/* ---------- feature chunks ---------- */

static size_t
region_round(size_t bytes)
{
	return (bytes + REGION_ALIGN - 1) & ~(size_t) (REGION_ALIGN - 1);
}

static double *
chunk_alloc(fg_train *t, size_t bytes)
{
	if (!t->region_tried)
	{
		t->region_tried = true;
		if (t->env->reserve != NULL)
			t->region = t->env->reserve(t->env->ctx, &t->region_size, &t->region_handle);
	}
	if (t->region != NULL && region_round(bytes) <= t->region_size - t->region_used)
	{
		double	   *p = (double *) (t->region + t->region_used);

		t->region_used += region_round(bytes);
		return p;
	}
	return fg_alloc_uninit(t->env, bytes);
}

static void
chunk_release(fg_train *t, double *p)
{
	if (!fg_train_in_region(t, p))
		fg_release(t->env, p);
}

/* The chunk c (old_bytes, of which used_bytes hold rows) with room for new_bytes. */
static double *
chunk_grow(fg_train *t, double *c, size_t used_bytes, size_t old_bytes, size_t new_bytes)
{
	double	   *p;

	if (fg_train_in_region(t, c))
	{
		size_t		off = (size_t) ((uint8_t *) c - t->region);

		/* the region's last chunk grows where it is */
		if (off + region_round(old_bytes) == t->region_used &&
			region_round(new_bytes) <= t->region_size - off)
		{
			t->region_used = off + region_round(new_bytes);
			return c;
		}
	}
	if ((p = chunk_alloc(t, new_bytes)) == NULL)
		return NULL;
	if (used_bytes > 0)
		memcpy(p, c, used_bytes);
	chunk_release(t, c);
	return p;
}

fg_status
fg_train_set_p(fg_train *t, int p, fg_error *err)
{
	if (p < 0)
		return fg_fail(err, FG_ERR_INVALID, "number of features must not be negative", NULL, NULL);
	if (t->p == p)
		return FG_OK;
	if (t->p >= 0)
		return fg_fail(err, FG_ERR_INVALID, "x arrays have different lengths",
					   "Every row of one fit needs the same features in the same order.",
					   "A row has %d features; earlier rows had %d.", p, t->p);
	t->p = p;
	t->chunk_shift = shift_for(p);
	return FG_OK;
}

/* ---------- capacity planning ---------- */

typedef struct plan
{
	uint64_t	n_chunks;
	uint64_t	last_cap;
	uint64_t	chunks_cap;
	uint64_t	col_cap;
} plan;

static uint64_t
max3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t	m = a > b ? a : b;

	return m > c ? m : c;
}

/* The capacities after making room for `rows` more rows (no allocation). */
static void
make_plan(const fg_train *t, uint64_t rows, plan *pl)
{
	uint64_t	need = t->n_rows + rows;
	uint64_t	R = (uint64_t) 1 << t->chunk_shift;

	pl->n_chunks = t->n_chunks;
	pl->last_cap = t->last_cap;
	pl->chunks_cap = t->chunks_cap;
	pl->col_cap = t->col_cap;

	if (need > pl->col_cap)
		pl->col_cap = max3(need, pl->col_cap + pl->col_cap / 5, MIN_ROWS);

	if (t->p > 0)
	{
		uint64_t	alloc = pl->n_chunks ? (pl->n_chunks - 1) * R + pl->last_cap : 0;

		while (alloc < need)
		{
			uint64_t	cap;

			if (pl->n_chunks > 0 && pl->last_cap < R)
			{
				/* grow the last chunk */
				cap = max3(pl->last_cap + pl->last_cap / 5, MIN_ROWS,
						   need - (pl->n_chunks - 1) * R);
				cap = cap < R ? cap : R;
				alloc += cap - pl->last_cap;
			}
			else
			{
				/* a new chunk: small while the state is small, full after */
				uint64_t	start = pl->n_chunks == 0 ? MIN_ROWS
					: alloc >= 8 * R ? R : R / 8;

				cap = max3(start, need - alloc, 1);
				cap = cap < R ? cap : R;
				pl->n_chunks++;
				alloc += cap;
			}
			pl->last_cap = cap;
		}
		if (pl->n_chunks > pl->chunks_cap)
			pl->chunks_cap = max3(pl->n_chunks, pl->chunks_cap * 2, 16);
	}
}

static size_t
plan_memory(const fg_train *t, const plan *pl)
{
	size_t		bytes = 0;

	if (t->p > 0 && pl->n_chunks > 0)
	{
		size_t		row = (size_t) 8 * t->p;
		size_t		R = (size_t) 1 << t->chunk_shift;

		bytes += ((size_t) (pl->n_chunks - 1) * R + pl->last_cap) * row;
		bytes += (size_t) pl->chunks_cap * sizeof(double *);
	}
	bytes += (size_t) pl->col_cap * column_bytes(t);
	if (t->uses_strata)
		bytes += fg_dict_memory(&t->dict);
	for (uint32_t k = 0; k < t->n_attr; k++)
		bytes += fg_dict_memory(&t->attrs[k]);
	return bytes;
}

size_t
fg_train_memory(const fg_train *t)
{
	plan		pl;

	if (t->stream_on)
	{
		/* sums: no rows, whatever the count */
		size_t		bytes = t->stream ? fg_stream_memory(t->p, t->stream->cap) : 0;

		if (t->uses_strata)
			bytes += fg_dict_memory(&t->dict);
		for (uint32_t k = 0; k < t->n_attr; k++)
			bytes += fg_dict_memory(&t->attrs[k]);
		return bytes;
	}

	make_plan(t, 0, &pl);
	return plan_memory(t, &pl);
}

size_t
fg_train_memory_after(const fg_train *t, uint64_t rows)
{
	plan		pl;

	make_plan(t, rows, &pl);
	return plan_memory(t, &pl);
}

/* A copy of old (old_bytes used) in a new block of new_bytes; old is freed. */
static void *
regrow(const fg_env *env, void *old, size_t old_bytes, size_t new_bytes)
{
	void	   *p = fg_alloc_uninit(env, new_bytes);

	if (p == NULL)
		return NULL;
	if (old != NULL && old_bytes > 0)
		memcpy(p, old, old_bytes);
	fg_release(env, old);
	return p;
}

fg_status
fg_train_reserve(fg_train *t, uint64_t rows, fg_error *err)
{
	plan		pl;
	size_t		R = (size_t) 1 << t->chunk_shift;
	size_t		row = (size_t) 8 * (t->p > 0 ? t->p : 0);

	make_plan(t, rows, &pl);

	if (pl.col_cap > t->col_cap)
	{
		size_t		n = (size_t) t->n_rows;
		uint8_t    *y;

		if (t->gaussian)
		{
			double	   *yr = regrow(t->env, t->y_real, n * sizeof(double),
									pl.col_cap * sizeof(double));

			if (yr == NULL)
				return nomem(err, "outcomes");
			t->y_real = yr;
		}
		else
		{
			if ((y = regrow(t->env, t->y, n, pl.col_cap)) == NULL)
				return nomem(err, "labels");
			t->y = y;
		}
		if (t->n_attr == 0)
		{
			if ((y = regrow(t->env, t->s, n, pl.col_cap)) == NULL)
				return nomem(err, "sensitive attribute");
			t->s = y;
		}
		else
		{
			uint32_t   *c = regrow(t->env, t->codes, n * sizeof(uint32_t) * t->n_attr,
								   pl.col_cap * sizeof(uint32_t) * t->n_attr);

			if (c == NULL)
				return nomem(err, "sensitive attributes");
			t->codes = c;
		}
		if (t->weighted)
		{
			double	   *w = regrow(t->env, t->w, n * sizeof(double), pl.col_cap * sizeof(double));

			if (w == NULL)
				return nomem(err, "weights");
			t->w = w;
		}
		if (t->uses_strata)
		{
			uint32_t   *g = regrow(t->env, t->stratum, n * sizeof(uint32_t),
								   pl.col_cap * sizeof(uint32_t));

			if (g == NULL)
				return nomem(err, "strata");
			t->stratum = g;
		}
		t->col_cap = pl.col_cap;
	}

	if (t->p <= 0 || (pl.n_chunks == t->n_chunks && pl.last_cap == t->last_cap))
		return FG_OK;

	if (pl.chunks_cap > t->chunks_cap)
	{
		double	  **c = regrow(t->env, t->chunks, t->n_chunks * sizeof(double *),
							   pl.chunks_cap * sizeof(double *));

		if (c == NULL)
			return nomem(err, "chunk list");
		t->chunks = c;
		t->chunks_cap = pl.chunks_cap;
	}

	/* the last chunk grows to full size if more chunks follow */
	if (t->n_chunks > 0 && t->last_cap < R)
	{
		uint64_t	cap = pl.n_chunks > t->n_chunks ? R : pl.last_cap;
		uint64_t	used = t->n_rows - (t->n_chunks - 1) * R;
		double	   *c = chunk_grow(t, t->chunks[t->n_chunks - 1], used * row,
								   t->last_cap * row, cap * row);

		if (c == NULL)
			return nomem(err, "features");
		t->chunks[t->n_chunks - 1] = c;
		t->last_cap = cap;
	}
	while (t->n_chunks < pl.n_chunks)
	{
		uint64_t	cap = t->n_chunks + 1 == pl.n_chunks ? pl.last_cap : R;
		double	   *c = chunk_alloc(t, cap * row);

		if (c == NULL)
			return nomem(err, "features");
		t->chunks[t->n_chunks++] = c;
		t->last_cap = cap;
	}
	return FG_OK;
}

fg_status
fg_train_set_weighted(fg_train *t, bool weighted, fg_error *err)
{
	if (t->weighted == weighted)
		return FG_OK;
	if (t->col_cap > 0)
		return fg_fail(err, FG_ERR_INVALID, "cannot add weights to training rows", NULL,
					   "Weights must be chosen before the first row.");
	t->weighted = weighted;
	return FG_OK;
}

fg_status
fg_train_set_gaussian(fg_train *t, bool gaussian, fg_error *err)
{
	if (t->gaussian == gaussian)
		return FG_OK;
	if (t->col_cap > 0)
		return fg_fail(err, FG_ERR_INVALID, "cannot change the outcome of training rows", NULL,
					   "The family must be chosen before the first row.");
	t->gaussian = gaussian;
	return FG_OK;
}

size_t
fg_train_memory_codes(const fg_train *t, uint32_t n_attr)
{
	size_t		now = fg_train_memory(t);

	if (n_attr == t->n_attr)
		return now;
	return now + (size_t) t->col_cap * (column_bytes_for(t, n_attr) - column_bytes(t)) +
		n_attr * 1024;
}

static fg_status
lengths_differ(fg_error *err, uint32_t now, uint32_t before)
{
	return fg_fail(err, FG_ERR_INVALID, "sensitive arrays have different lengths",
				   "Every row of one fit needs the same sensitive attributes in the same order.",
				   "A row has %u sensitive attributes; earlier rows had %u.", now, before);
}

fg_status
fg_train_use_codes(fg_train *t, uint32_t n_attr, fg_error *err)
{
	uint32_t   *codes = NULL;
	int64_t		idx[2] = {-1, -1};

	if (t->n_attr == n_attr)
		return FG_OK;
	if (t->n_attr > 0)
		return lengths_differ(err, n_attr, t->n_attr);
	if (n_attr < 1 || n_attr > FG_MAX_ATTRIBUTES)
		return fg_fail(err, FG_ERR_INVALID, "too many sensitive attributes",
					   NULL, "A row has %u; at most %d are supported.", n_attr, FG_MAX_ATTRIBUTES);
	if (t->n_rows > 0 && n_attr != 1)
		return lengths_differ(err, n_attr, 1);
	for (uint32_t k = 0; k < n_attr; k++)
	{
		fg_status	st = fg_dict_init(&t->attrs[k], t->env, err);

		if (st != FG_OK)
		{
			for (uint32_t j = 0; j <= k; j++)
				fg_dict_free(&t->attrs[j]);
			return st;
		}
	}
	if (t->col_cap > 0)
	{
		codes = fg_alloc_uninit(t->env, (size_t) t->col_cap * sizeof(uint32_t) * n_attr);
		if (codes == NULL)
		{
			for (uint32_t k = 0; k < n_attr; k++)
				fg_dict_free(&t->attrs[k]);
			return nomem(err, "sensitive attributes");
		}
	}
	/*
	 * binary rows so far: their values become the integer labels 0 and 1
	 * (of the rows forgotten, the values seen come first)
	 */
	for (uint64_t i = 0, forgotten = t->stream_on || t->dicts_only ? 2 : 0;
		 i < forgotten + (t->stream_on ? 0 : t->n_rows); i++)
	{
		uint64_t	l = i - forgotten;
		uint8_t		v = i < forgotten ? (uint8_t) i : t->s[l];

		if (i < forgotten && !t->s_seen[v])
			continue;

		if (idx[v] < 0)
		{
			uint8_t		key[8];

			fg_key_from_int64(v, key);
			if ((idx[v] = fg_dict_intern(&t->attrs[0], key, 8, err)) < 0)
			{
				/* leave the state binary, as it was */
				fg_release(t->env, codes);
				for (uint32_t k = 0; k < n_attr; k++)
					fg_dict_free(&t->attrs[k]);
				return err ? err->status : FG_ERR_NOMEM;
			}
		}
		if (i >= forgotten)
			codes[l] = (uint32_t) idx[v];
	}
	t->n_attr = n_attr;
	fg_release(t->env, t->s);
	t->s = NULL;
	t->codes = codes;
	return FG_OK;
}

static fg_status
too_many_categories(fg_error *err, uint32_t attr)
{
	return fg_fail(err, FG_ERR_DATA, "a sensitive attribute has too many categories",
				   "Group the categories, or pass the attribute as a feature instead.",
				   "Sensitive attribute %u has more than %d distinct values.",
				   attr + 1, FG_MAX_CATEGORIES);
}

int64_t
fg_train_intern_label(fg_train *t, uint32_t k, const uint8_t *key, size_t len, fg_error *err)
{
	int64_t		idx = fg_dict_intern(&t->attrs[k], key, len, err);

	if (idx >= FG_MAX_CATEGORIES)
	{
		too_many_categories(err, k);
		return -1;
	}
	return idx;
}

fg_status
fg_train_add_row(fg_train *t, const double *x, uint8_t y, uint8_t s,
				 const uint8_t *key, size_t key_len, fg_error *err)
{
	return fg_train_add_row_ex(t, x, y, 1.0, s, NULL, key, key_len, err);
}

/* A row's labels of the coded attributes, into their dictionaries; their codes into codes (or not). */
static inline fg_status
intern_attributes(fg_train *t, const fg_attr_key *attrs, uint32_t *codes, fg_error *err)
{
	if (attrs == NULL)
		return fg_fail(err, FG_ERR_INVALID, "a coded sensitive attribute needs labels", NULL, NULL);
	for (uint32_t k = 0; k < t->n_attr; k++)
	{
		int64_t		idx = fg_dict_intern(&t->attrs[k], attrs[k].bytes, attrs[k].len, err);

		if (idx < 0)
			return err ? err->status : FG_ERR_INVALID;
		if (idx >= FG_MAX_CATEGORIES)
			return too_many_categories(err, k);
		if (codes != NULL)
			codes[k] = (uint32_t) idx;
	}
	return FG_OK;
}

/*
 * Everything of a row but y, at row t->n_rows; the caller stores y and
 * counts the row.  Inline, so the binomial caller pays no call per row.
 */
static inline fg_status
put_row(fg_train *t, const double *x, double w, uint8_t s, const fg_attr_key *attrs,
		const uint8_t *key, size_t key_len, fg_error *err)
{
	fg_status	st;
	uint64_t	r = t->n_rows;

	if (t->p < 0)
		return fg_fail(err, FG_ERR_INVALID, "number of features is not set", NULL, NULL);
	if (!fg_train_has_room(t) && (st = fg_train_reserve(t, 1, err)) != FG_OK)
		return st;
	if (t->uses_strata)
	{
		int64_t		idx = fg_dict_intern(&t->dict, key, key_len, err);

		if (idx < 0)
			return err ? err->status : FG_ERR_INVALID;
		t->stratum[r] = (uint32_t) idx;
	}
	if (t->n_attr > 0)
	{
		if ((st = intern_attributes(t, attrs, t->codes + r * t->n_attr, err)) != FG_OK)
			return st;
	}
	else
		t->s[r] = s;
	if (t->p > 0)
		memcpy(fg_train_row(t, r), x, sizeof(double) * t->p);
	if (t->weighted)
		t->w[r] = w;
	return FG_OK;
}

static fg_status
wrong_family(fg_error *err, bool gaussian)
{
	return fg_fail(err, FG_ERR_INVALID, "training rows of another family", NULL,
				   gaussian ? "The state keeps a continuous y; add rows with fg_train_add_row_real."
				   : "The state keeps a binary y; add rows with fg_train_add_row_ex.");
}

fg_status
fg_train_add_row_ex(fg_train *t, const double *x, uint8_t y, double w, uint8_t s,
					const fg_attr_key *attrs, const uint8_t *key, size_t key_len, fg_error *err)
{
	fg_status	st;

	if (t->gaussian)
		return wrong_family(err, true);
	if ((st = put_row(t, x, w, s, attrs, key, key_len, err)) != FG_OK)
		return st;
	t->y[t->n_rows++] = y;
	return FG_OK;
}

fg_status
fg_train_set_dictionaries_only(fg_train *t, fg_error *err)
{
	if (t->stream_on || t->n_rows > 0)
		return fg_fail(err, FG_ERR_INVALID, "cannot keep only the dictionaries of these rows",
					   NULL, "Only a state without rows or sums can.");
	t->dicts_only = true;
	return FG_OK;
}

fg_status
fg_train_set_stream(fg_train *t, fg_error *err)
{
	if (!t->gaussian || t->weighted || t->n_rows > 0 || t->col_cap > 0)
		return fg_fail(err, FG_ERR_INVALID, "cannot stream these training rows", NULL,
					   "Only an unweighted gaussian state without rows can keep sums instead.");
	t->stream_on = true;
	return FG_OK;
}

fg_status
fg_train_stream_ready(fg_train *t, fg_error *err)
{
	fg_status	st;

	if (t->p < 0)
		return fg_fail(err, FG_ERR_INVALID, "number of features is not set", NULL, NULL);
	if (t->stream != NULL)
		return FG_OK;
	t->stream = fg_alloc(t->env, sizeof(fg_stream));
	if (t->stream == NULL)
		return nomem(err, "least-squares sums");
	if ((st = fg_stream_init(t->stream, t->env, t->p, t->uses_strata, err)) != FG_OK)
	{
		fg_release(t->env, t->stream);
		t->stream = NULL;
	}
	return st;
}

/* A row of a streaming state: the dictionaries as put_row keeps them, x and y into the sums. */
static fg_status
stream_row(fg_train *t, const double *x, double y, uint8_t s, const fg_attr_key *attrs,
		   const uint8_t *key, size_t key_len, fg_error *err)
{
	uint32_t	g = 0;
	fg_status	st;

	if ((st = fg_train_stream_ready(t, err)) != FG_OK)
		return st;
	if (t->uses_strata)
	{
		int64_t		idx = fg_dict_intern(&t->dict, key, key_len, err);

		if (idx < 0)
			return err ? err->status : FG_ERR_INVALID;
		g = (uint32_t) idx;
	}
	if (t->n_attr > 0)
	{
		if ((st = intern_attributes(t, attrs, NULL, err)) != FG_OK)
			return st;
	}
	else
		t->s_seen[s & 1] = true;
	if ((st = fg_stream_add(t->stream, x, y, g, err)) != FG_OK)
		return st;
	t->n_rows++;
	return FG_OK;
}

fg_status
fg_train_add_row_real(fg_train *t, const double *x, double y, double w, uint8_t s,
					  const fg_attr_key *attrs, const uint8_t *key, size_t key_len, fg_error *err)
{
	fg_status	st;

	if (!t->gaussian)
		return wrong_family(err, false);
	if (!isfinite(y))
		return fg_fail(err, FG_ERR_INVALID, "y must be finite", NULL, "A row has y = %g.", y);
	if (t->stream_on)
		return stream_row(t, x, y, s, attrs, key, key_len, err);
	if ((st = put_row(t, x, w, s, attrs, key, key_len, err)) != FG_OK)
		return st;
	t->y_real[t->n_rows++] = y;
	return FG_OK;
}

fg_status
fg_train_put_sensitive(fg_train *t, uint64_t base, uint64_t n, uint32_t src_n_attr,
					   const uint8_t *s, const uint32_t *codes, const uint8_t *codes_le,
					   uint32_t *const *remap, fg_error *err)
{
	fg_status	st;

	if (n == 0)
		return FG_OK;
	if (src_n_attr == 0 && t->n_attr == 0)
	{
		memcpy(t->s + base, s, (size_t) n);
		return FG_OK;
	}
	if (src_n_attr > 0 && (st = fg_train_use_codes(t, src_n_attr, err)) != FG_OK)
		return st;
	if (src_n_attr == 0)
	{
		/* binary rows into a coded state: labels 0 and 1 of its one attribute */
		int64_t		idx[2] = {-1, -1};

		if (t->n_attr != 1)
			return lengths_differ(err, 1, t->n_attr);
		for (uint64_t l = 0; l < n; l++)
		{
			uint8_t		v = s[l] & 1;

			if (idx[v] < 0)
			{
				uint8_t		key[8];

				fg_key_from_int64(v, key);
				if ((idx[v] = fg_dict_intern(&t->attrs[0], key, 8, err)) < 0)
					return err ? err->status : FG_ERR_NOMEM;
				if (idx[v] >= FG_MAX_CATEGORIES)
					return too_many_categories(err, 0);
			}
			t->codes[base + l] = (uint32_t) idx[v];
		}
		return FG_OK;
	}
	for (uint64_t l = 0; l < n; l++)
		for (uint32_t k = 0; k < src_n_attr; k++)
		{
			size_t		i = (size_t) l * src_n_attr + k;
			uint32_t	c = codes != NULL ? codes[i] : (uint32_t) fg_le_load(codes_le + 4 * i, 4);

			t->codes[(base + l) * src_n_attr + k] = remap[k][c];
		}
	return FG_OK;
}

/* ---------- merging ---------- */

/*
 * remap[k][i]: dst's index of src attribute k's label i, interned into dst
 * (which is switched to codes first).  NULL entries when src is binary.
 */
static fg_status
remap_attrs(fg_train *dst, uint32_t n_attr, const fg_strata_dict *src_attrs,
			uint32_t *remap[FG_MAX_ATTRIBUTES], fg_error *err)
{
	fg_status	st;

	memset(remap, 0, sizeof(uint32_t *) * FG_MAX_ATTRIBUTES);
	if (n_attr == 0)
		return FG_OK;
	if ((st = fg_train_use_codes(dst, n_attr, err)) != FG_OK)
		return st;
	for (uint32_t k = 0; k < n_attr; k++)
	{
		remap[k] = fg_alloc(dst->env, sizeof(uint32_t) * (src_attrs[k].count ? src_attrs[k].count : 1));
		if (remap[k] == NULL)
			return nomem(err, "category map");
		for (uint32_t i = 0; i < src_attrs[k].count; i++)
		{
			size_t		len;
			const uint8_t *key = fg_dict_key(&src_attrs[k], i, &len);
			int64_t		idx = fg_dict_intern(&dst->attrs[k], key, len, err);

			if (idx < 0)
				return err ? err->status : FG_ERR_INVALID;
			if (idx >= FG_MAX_CATEGORIES)
				return too_many_categories(err, k);
			remap[k][i] = (uint32_t) idx;
		}
	}
	return FG_OK;
}

static void
free_remap(const fg_env *env, uint32_t *remap[FG_MAX_ATTRIBUTES])
{
	for (int k = 0; k < FG_MAX_ATTRIBUTES; k++)
		fg_release(env, remap[k]);
}

/*
 * The labels of src's attributes, or the binary values it saw (a state
 * whose rows are gone: sums, or dictionaries only), into dst's.
 */
static fg_status
merge_labels(fg_train *dst, const fg_train *src, fg_error *err)
{
	uint32_t   *attr_remap[FG_MAX_ATTRIBUTES];
	fg_status	st;

	if ((st = remap_attrs(dst, src->n_attr, src->attrs, attr_remap, err)) != FG_OK)
	{
		free_remap(dst->env, attr_remap);
		return st;
	}
	free_remap(dst->env, attr_remap);
	if (src->n_attr == 0 && dst->n_attr == 0)
	{
		dst->s_seen[0] |= src->s_seen[0];
		dst->s_seen[1] |= src->s_seen[1];
	}
	else if (src->n_attr == 0)
	{
		/* binary values into a coded state: the labels 0 and 1 that appeared */
		if (dst->n_attr != 1)
			return lengths_differ(err, 1, dst->n_attr);
		for (int v = 0; v < 2; v++)
			if (src->s_seen[v])
			{
				uint8_t		key[8];
				int64_t		idx;

				fg_key_from_int64(v, key);
				if ((idx = fg_dict_intern(&dst->attrs[0], key, 8, err)) < 0)
					return err ? err->status : FG_ERR_NOMEM;
				if (idx >= FG_MAX_CATEGORIES)
					return too_many_categories(err, 0);
			}
	}
	return FG_OK;
}

/* fg_train_merge of two states of dictionaries only. */
static fg_status
merge_dictionaries(fg_train *dst, const fg_train *src, fg_error *err)
{
	fg_status	st;

	if (dst->n_rows > 0 || src->n_rows > 0)
		return fg_fail(err, FG_ERR_INVALID, "cannot merge dictionaries with rows not yet forgotten",
					   NULL, NULL);
	if ((st = merge_labels(dst, src, err)) != FG_OK)
		return st;
	for (uint32_t i = 0; src->uses_strata && i < src->dict.count; i++)
	{
		size_t		len;
		const uint8_t *k = fg_dict_key(&src->dict, i, &len);

		if (fg_dict_intern(&dst->dict, k, len, err) < 0)
			return err ? err->status : FG_ERR_INVALID;
	}
	dst->n_forgotten += src->n_forgotten;
	dst->n_skipped += src->n_skipped;
	return FG_OK;
}

/* fg_train_merge of two streaming states: the dictionaries, then the sums. */
static fg_status
merge_streams(fg_train *dst, const fg_train *src, fg_error *err)
{
	uint32_t   *remap = NULL;
	fg_status	st;

	if ((st = fg_train_stream_ready(dst, err)) != FG_OK)
		return st;
	if ((st = merge_labels(dst, src, err)) != FG_OK)
		return st;
	if (src->uses_strata)
	{
		remap = fg_alloc(dst->env, sizeof(uint32_t) * (src->dict.count ? src->dict.count : 1));
		if (remap == NULL)
			return nomem(err, "strata map");
		for (uint32_t i = 0; i < src->dict.count; i++)
		{
			size_t		len;
			const uint8_t *k = fg_dict_key(&src->dict, i, &len);
			int64_t		idx = fg_dict_intern(&dst->dict, k, len, err);

			if (idx < 0)
			{
				fg_release(dst->env, remap);
				return err ? err->status : FG_ERR_INVALID;
			}
			remap[i] = (uint32_t) idx;
		}
	}
	/* src is const to the caller; flushing its buffer leaves its sums the same */
	st = fg_stream_merge(dst->stream, src->stream, remap, src->uses_strata ? src->dict.count : 0,
						 err);
	fg_release(dst->env, remap);
	if (st != FG_OK)
		return st;
	dst->n_rows += src->n_rows;
	dst->n_skipped += src->n_skipped;
	return FG_OK;
}

fg_status
fg_train_stream_fit(fg_train *t, const fg_env *env, const fg_options *opt,
					const char *const *feature_names, fg_fit *fit, fg_error *err)
{
	uint32_t	n_attr;
	fg_status	st;

	memset(fit, 0, sizeof(*fit));
	if (!t->stream_on || t->stream == NULL)
		return fg_fail(err, FG_ERR_DATA, "no rows to fit", NULL, NULL);
	if (!t->finished)
	{
		if (t->uses_strata)
		{
			uint32_t   *rank;

			if ((st = fg_dict_sort(&t->dict, &rank, err)) != FG_OK)
				return st;
			st = fg_stream_renumber(t->stream, rank, err);
			fg_release(t->env, rank);
			if (st != FG_OK)
				return st;
		}
		for (uint32_t k = 0; k < t->n_attr; k++)
		{
			uint32_t   *rank;

			if ((st = fg_dict_sort(&t->attrs[k], &rank, err)) != FG_OK)
				return st;
			fg_release(t->env, rank);
			t->n_cats[k] = t->attrs[k].count;
		}
		t->codes_as_s = t->n_attr == 1 && t->n_cats[0] <= 2;
		t->finished = true;
	}
	/* what fg_fit_model reports for the attributes the rows would have had */
	n_attr = t->n_attr == 0 || t->codes_as_s ? 1 : t->n_attr;
	return fg_stream_fit(env, t->stream, opt, feature_names, n_attr, fit, err);
}

fg_status
fg_train_merge(fg_train *dst, const fg_train *src, fg_error *err)
{
	uint32_t   *remap = NULL;
	uint32_t   *attr_remap[FG_MAX_ATTRIBUTES];
	fg_status	st;
	uint64_t	base = dst->n_rows;

	if (dst->uses_strata != src->uses_strata)
		return fg_fail(err, FG_ERR_INVALID, "cannot merge training states of different methods",
					   NULL, NULL);
	if (dst->weighted != src->weighted)
		return fg_fail(err, FG_ERR_INVALID, "cannot merge weighted and unweighted training states",
					   NULL, NULL);
	if (dst->gaussian != src->gaussian)
		return fg_fail(err, FG_ERR_INVALID, "cannot merge training states of different families",
					   NULL, NULL);
	if (dst->stream_on != src->stream_on)
		return fg_fail(err, FG_ERR_INVALID, "cannot merge least-squares sums with training rows",
					   NULL, NULL);
	if (dst->dicts_only != src->dicts_only)
		return fg_fail(err, FG_ERR_INVALID, "cannot merge dictionaries with training rows",
					   NULL, NULL);
	if (src->dicts_only)
	{
		if (src->p >= 0 && (st = fg_train_set_p(dst, src->p, err)) != FG_OK)
			return st;
		return merge_dictionaries(dst, src, err);
	}
	if (src->p < 0 || src->n_rows == 0)
	{
		dst->n_skipped += src->n_skipped;
		return FG_OK;
	}
	if ((st = fg_train_set_p(dst, src->p, err)) != FG_OK)
		return st;
	if (src->stream_on)
		return merge_streams(dst, src, err);
	if ((st = remap_attrs(dst, src->n_attr, src->attrs, attr_remap, err)) != FG_OK)
	{
		free_remap(dst->env, attr_remap);
		return st;
	}

	if (src->uses_strata)
	{
		remap = fg_alloc(dst->env, sizeof(uint32_t) * (src->dict.count ? src->dict.count : 1));
		if (remap == NULL)
		{
			/* the category maps are already allocated (they leaked here before) */
			free_remap(dst->env, attr_remap);
			return nomem(err, "strata map");
		}
		for (uint32_t i = 0; i < src->dict.count; i++)
		{
			size_t		len;
			const uint8_t *k = fg_dict_key(&src->dict, i, &len);
			int64_t		idx = fg_dict_intern(&dst->dict, k, len, err);

			if (idx < 0)
			{
				fg_release(dst->env, remap);
				free_remap(dst->env, attr_remap);
				return err ? err->status : FG_ERR_INVALID;
			}
			remap[i] = (uint32_t) idx;
		}
	}
	if ((st = fg_train_reserve(dst, src->n_rows, err)) != FG_OK ||
		(st = fg_train_put_sensitive(dst, base, src->n_rows, src->n_attr, src->s, src->codes,
									 NULL, attr_remap, err)) != FG_OK)
	{
		fg_release(dst->env, remap);
		free_remap(dst->env, attr_remap);
		return st;
	}
	free_remap(dst->env, attr_remap);
	if (src->weighted)
		memcpy(dst->w + base, src->w, (size_t) src->n_rows * sizeof(double));

	/* features, one memcpy per stretch that is contiguous on both sides */
	if (src->p > 0)
	{
		uint64_t	done = 0;
		uint64_t	Rs = (uint64_t) 1 << src->chunk_shift;
		uint64_t	Rd = (uint64_t) 1 << dst->chunk_shift;

		while (done < src->n_rows)
		{
			uint64_t	d = base + done;
			uint64_t	run_s = Rs - (done & (Rs - 1));
			uint64_t	run_d = Rd - (d & (Rd - 1));
			uint64_t	run = src->n_rows - done;

			run = run < run_s ? run : run_s;
			run = run < run_d ? run : run_d;
			memcpy(fg_train_row(dst, d), fg_train_row(src, done),
				   (size_t) run * sizeof(double) * src->p);
			done += run;
		}
	}
	if (src->gaussian)
		memcpy(dst->y_real + base, src->y_real, (size_t) src->n_rows * sizeof(double));
	else
		memcpy(dst->y + base, src->y, (size_t) src->n_rows);
	if (src->uses_strata)
		for (uint64_t l = 0; l < src->n_rows; l++)
			dst->stratum[base + l] = remap[src->stratum[l]];
	fg_release(dst->env, remap);
	dst->n_rows += src->n_rows;
	dst->n_skipped += src->n_skipped;
	return FG_OK;
}

/* ---------- the solver's view ---------- */

fg_status
fg_train_data(fg_train *t, fg_data *data, fg_error *err)
{
	memset(data, 0, sizeof(*data));
	if (t->stream_on)
		return fg_fail(err, FG_ERR_INVALID, "the state keeps sums, not rows", NULL, NULL);
	if (!t->finished && t->uses_strata)
	{
		uint32_t   *rank;
		fg_status	st = fg_dict_sort(&t->dict, &rank, err);

		if (st != FG_OK)
			return st;
		for (uint64_t l = 0; l < t->n_rows; l++)
			t->stratum[l] = rank[t->stratum[l]];
		fg_release(t->env, rank);
		data->stratum = t->stratum;
		data->n_strata = t->dict.count;
	}
	if (t->uses_strata)
	{
		data->stratum = t->stratum;
		data->n_strata = t->dict.count;
	}
	if (!t->finished)
	{
		for (uint32_t k = 0; k < t->n_attr; k++)
		{
			uint32_t   *rank;
			fg_status	st = fg_dict_sort(&t->attrs[k], &rank, err);

			if (st != FG_OK)
				return st;
			for (uint64_t l = 0; l < t->n_rows; l++)
				t->codes[l * t->n_attr + k] = rank[t->codes[l * t->n_attr + k]];
			fg_release(t->env, rank);
			t->n_cats[k] = t->attrs[k].count;
		}
		if (t->n_attr == 1 && t->n_cats[0] <= 2)
		{
			/*
			 * Two categories are the binary case: s = 1 for the second.  The
			 * bytes go over the codes in place; byte l lies in code l / 4,
			 * which has been read by then.
			 */
			uint8_t    *s = (uint8_t *) t->codes;

			for (uint64_t l = 0; l < t->n_rows; l++)
				s[l] = (uint8_t) t->codes[l];
			t->codes_as_s = true;
		}
		t->finished = true;
	}
	data->n_rows = (size_t) t->n_rows;
	data->p = t->p < 0 ? 0 : t->p;
	data->y = t->gaussian ? NULL : t->y;
	data->y_real = t->gaussian ? t->y_real : NULL;
	data->w = t->weighted ? t->w : NULL;
	if (t->n_attr == 0)
		data->s = t->s;
	else if (t->codes_as_s)
		data->s = (const uint8_t *) t->codes;
	else
	{
		data->n_attr = t->n_attr;
		data->codes = t->codes;
		data->n_cats = t->n_cats;
	}
	if (t->p > 0 && t->n_chunks > 0)
	{
		data->x_chunks = (const double *const *) t->chunks;
		data->x_chunk_shift = t->chunk_shift;
	}
	return FG_OK;
}
