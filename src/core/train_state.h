/*
 * train_state.h -- the rows a fit collects before solving, kept compactly.
 *
 * Features go into fixed-size chunks of rows (no single huge allocation, no
 * copying of the bulk as the data grows); y, sensitive and the stratum index
 * go into plain arrays (2 to 6 bytes a row).  Stratum keys are interned in a
 * dictionary.  fg_train_data() hands the solver a view of the rows without
 * copying them.  Two states can be merged (the combine step of a parallel
 * aggregate), and a state can be written to and read from bytes (see
 * state_format.h).
 *
 * Memory: a state holds 8p + 2 (+ 4 with strata) bytes a row, plus at most
 * about a fifth on top while it grows, plus the dictionary.
 */
#ifndef FG_TRAIN_STATE_H
#define FG_TRAIN_STATE_H

#include "fg_core.h"
#include "strata_dict.h"

#include <string.h>

/* Bytes of features per full chunk (rounded down to a power of two of rows). */
#define FG_TRAIN_CHUNK_BYTES	(1u << 20)

typedef struct fg_train
{
	const fg_env *env;
	bool		uses_strata;
	int			p;				/* features; -1 until known */
	uint64_t	n_rows;
	uint64_t	n_skipped;		/* rows the caller skipped (NULLs), only counted */

	/* features: chunk i holds rows [i << chunk_shift, (i + 1) << chunk_shift) */
	int			chunk_shift;
	double	  **chunks;
	uint64_t	n_chunks;
	uint64_t	chunks_cap;
	uint64_t	last_cap;		/* rows allocated in the last chunk */
	/* chunks come from env->reserve's region while it lasts, in order */
	uint8_t    *region;
	size_t		region_size;
	size_t		region_used;
	void	   *region_handle;
	bool		region_tried;

	/* per-row columns, capacity col_cap rows */
	uint8_t    *y;
	uint8_t    *s;
	uint32_t   *stratum;		/* dictionary index; NULL without strata */
	uint64_t	col_cap;

	fg_strata_dict dict;
} fg_train;

/* An empty state.  p may be -1 (set by the first row or merge). */
fg_status	fg_train_init(fg_train *t, const fg_env *env, bool uses_strata, int p,
						  fg_error *err);

/* Is p a chunk carved from the reserved region (not released on its own)? */
static inline bool
fg_train_in_region(const fg_train *t, const void *p)
{
	return t->region != NULL && (const uint8_t *) p >= t->region &&
		(const uint8_t *) p < t->region + t->region_size;
}

/*
 * Release everything the state holds.  Inline so that only its callers (the
 * tests, the fuzz harnesses, the benchmark) compile it: the server never
 * calls it, since the rows and the region go with the aggregate's memory
 * context.
 */
static inline void
fg_train_free(fg_train *t)
{
	if (t->env == NULL)
		return;
	for (uint64_t i = 0; i < t->n_chunks; i++)
		if (!fg_train_in_region(t, t->chunks[i]))
			fg_release(t->env, t->chunks[i]);
	if (t->region != NULL && t->env->unreserve != NULL)
		t->env->unreserve(t->env->ctx, t->region_handle);
	fg_release(t->env, t->chunks);
	fg_release(t->env, t->y);
	fg_release(t->env, t->s);
	fg_release(t->env, t->stratum);
	if (t->uses_strata)
		fg_dict_free(&t->dict);
	memset(t, 0, sizeof(*t));
}

/* Fix the number of features (once; the first row usually does it). */
fg_status	fg_train_set_p(fg_train *t, int p, fg_error *err);

/* Bytes the state holds now. */
size_t		fg_train_memory(const fg_train *t);

/*
 * Bytes the state will hold after room for `rows` more rows is made, so the
 * caller can check a memory limit before fg_train_reserve allocates.
 */
size_t		fg_train_memory_after(const fg_train *t, uint64_t rows);

/* Make room for `rows` more rows. */
fg_status	fg_train_reserve(fg_train *t, uint64_t rows, fg_error *err);

/*
 * Append one row: p features, y and s in {0, 1}, and the stratum key (ignored
 * without strata).  Grows as needed (call fg_train_memory_after(t, 1) first to
 * check a limit).
 */
fg_status	fg_train_add_row(fg_train *t, const double *x, uint8_t y, uint8_t s,
							 const uint8_t *key, size_t key_len, fg_error *err);

/* True when one more row fits without growing (no allocation needed). */
static inline bool
fg_train_has_room(const fg_train *t)
{
	if (t->n_rows >= t->col_cap)
		return false;
	if (t->p > 0)
		return t->n_chunks > 0 &&
			t->n_rows < (t->n_chunks - 1) * ((uint64_t) 1 << t->chunk_shift) + t->last_cap;
	return true;
}

/* Where the features of row l live (p doubles). */
static inline double *
fg_train_row(const fg_train *t, uint64_t l)
{
	return t->chunks[l >> t->chunk_shift] +
		(size_t) (l & (((uint64_t) 1 << t->chunk_shift) - 1)) * (size_t) t->p;
}

/*
 * Append the rows of src to dst (src is left unchanged): strata are
 * re-interned in dst's dictionary, p must agree (or be unknown on one side).
 */
fg_status	fg_train_merge(fg_train *dst, const fg_train *src, fg_error *err);

/*
 * Sort the dictionary (so stratum numbers do not depend on row order),
 * renumber the rows' strata, and describe the rows in *data for the solver.
 * The view stays valid while t is not changed.  After this the state must
 * not receive more rows.
 */
fg_status	fg_train_data(fg_train *t, fg_data *data, fg_error *err);

#endif							/* FG_TRAIN_STATE_H */
