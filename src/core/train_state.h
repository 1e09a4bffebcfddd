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
 * The sensitive attribute is kept in one of two ways.  A single binary
 * attribute (boolean, or integers that are all 0 or 1) is one byte a row in
 * s, exactly as fairglmm 1.0 kept it.  Anything else (text, other integers,
 * arrays of K attributes) is kept as codes: per attribute a dictionary of
 * category labels (keys as for strata: fg_key_from_int64 for integers and
 * booleans, raw bytes for text) and per row K indices into them.  An integer
 * column that shows a value other than 0 or 1 moves from s to codes then.
 * fg_train_data sorts every dictionary, so the codes do not depend on the
 * order of the rows.  Weighted fits also keep one double a row.
 *
 * y is one byte a row (0 or 1) for the binomial family, and a double a row
 * for the gaussian family (y_real; y is NULL then): the family is chosen
 * before the first row, like the weights.
 *
 * Memory: a state holds 8p + 2 (+ 7 with a gaussian y, + 4 with strata, + 8
 * with weights, + 4K - 1 with K coded attributes) bytes a row, plus at most
 * about a fifth on top while it grows, plus the dictionaries.
 */
#ifndef FG_TRAIN_STATE_H
#define FG_TRAIN_STATE_H

#include "fg_core.h"
#include "strata_dict.h"
#include "stream.h"

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
	uint8_t    *y;				/* binomial: 0 or 1; NULL for gaussian */
	double	   *y_real;			/* gaussian: the outcome, finite; else NULL */
	uint8_t    *s;				/* the binary attribute (n_attr == 0), else NULL */
	uint32_t   *stratum;		/* dictionary index; NULL without strata */
	double	   *w;				/* weights (weighted only) */
	uint32_t   *codes;			/* n_attr per row (n_attr > 0), else NULL */
	uint64_t	col_cap;

	fg_strata_dict dict;

	bool		weighted;		/* set before the first row */
	bool		gaussian;		/* y kept as y_real; set before the first row */
	uint32_t	n_attr;			/* 0: binary s; else attributes coded */
	fg_strata_dict attrs[FG_MAX_ATTRIBUTES];	/* the first n_attr in use */

	/*
	 * Streaming (fg_train_set_stream): rows are folded into least-squares
	 * sums and not kept; the dictionaries are kept as usual, and for a
	 * binary attribute which of 0 and 1 appeared.
	 */
	fg_stream  *stream;
	bool		stream_on;
	bool		s_seen[2];

	/*
	 * Rows forgotten by fg_train_forget_rows (fairglmm_train's passes keep
	 * a block at a time) are counted in n_forgotten.  Dictionaries only
	 * (fg_train_set_dictionaries_only, its first pass): the state's bytes
	 * count those rows, and s_seen records which binary values they had.
	 */
	bool		dicts_only;
	uint64_t	n_forgotten;

	/* set by fg_train_data */
	bool		finished;
	bool		codes_as_s;		/* one attribute of <= 2 categories, handed over as s */
	uint32_t	n_cats[FG_MAX_ATTRIBUTES];
} fg_train;

/* One row's label of one attribute. */
typedef struct fg_attr_key
{
	const uint8_t *bytes;
	size_t		len;
} fg_attr_key;

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
	fg_release(t->env, t->y_real);
	fg_release(t->env, t->s);
	fg_release(t->env, t->stratum);
	fg_release(t->env, t->w);
	fg_release(t->env, t->codes);
	if (t->uses_strata)
		fg_dict_free(&t->dict);
	if (t->stream != NULL)
	{
		fg_stream_free(t->stream);
		fg_release(t->env, t->stream);
	}
	for (uint32_t k = 0; k < t->n_attr; k++)
		fg_dict_free(&t->attrs[k]);
	memset(t, 0, sizeof(*t));
}

/*
 * Forget the rows (their memory stays for the next ones) but keep the
 * dictionaries: a pass of fairglmm_train folds its rows into sums a block
 * at a time.
 */
static inline void
fg_train_forget_rows(fg_train *t)
{
	for (uint64_t l = 0; t->dicts_only && t->n_attr == 0 && l < t->n_rows; l++)
		t->s_seen[t->s[l] & 1] = true;
	t->n_forgotten += t->n_rows;
	t->n_rows = 0;
}

/* Keep the dictionaries only (before any row is added); see dicts_only. */
fg_status	fg_train_set_dictionaries_only(fg_train *t, fg_error *err);

/* Keep a weight per row (before any row is added). */
fg_status	fg_train_set_weighted(fg_train *t, bool weighted, fg_error *err);

/*
 * Keep y as a double per row, for the gaussian family (before any row is
 * added).  Rows then go in through fg_train_add_row_real only.
 */
fg_status	fg_train_set_gaussian(fg_train *t, bool gaussian, fg_error *err);

/*
 * Keep least-squares sums instead of the rows (stream.h), for an
 * unweighted gaussian state, before the first row.  Rows go in through
 * fg_train_add_row_real as before; fg_train_data is then refused and
 * fg_train_stream_fit fits.
 */
fg_status	fg_train_set_stream(fg_train *t, fg_error *err);

/* The sums of a streaming state whose p is known, allocated when first needed. */
fg_status	fg_train_stream_ready(fg_train *t, fg_error *err);

/*
 * Sort the dictionaries as fg_train_data does and fit opt from the sums of
 * a streaming state (allocations of the fit from env).
 */
fg_status	fg_train_stream_fit(fg_train *t, const fg_env *env, const fg_options *opt,
								const char *const *feature_names, fg_fit *fit,
								fg_error *err);

/*
 * Keep the sensitive attribute as codes of n_attr attributes (1 ..
 * FG_MAX_ATTRIBUTES).  A state that holds binary rows converts them (its
 * values become the integer labels 0 and 1), which needs n_attr == 1.  A
 * state already coded must have the same n_attr.
 */
fg_status	fg_train_use_codes(fg_train *t, uint32_t n_attr, fg_error *err);

/*
 * Index of label key in attribute k's dictionary of a coded state, adding
 * it when new; -1 with *err filled on failure (FG_ERR_DATA beyond
 * FG_MAX_CATEGORIES labels).
 */
int64_t		fg_train_intern_label(fg_train *t, uint32_t k, const uint8_t *key, size_t len,
								  fg_error *err);

/* Bytes the state would hold after fg_train_use_codes(t, n_attr). */
size_t		fg_train_memory_codes(const fg_train *t, uint32_t n_attr);

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

/*
 * The same with a weight (stored only when the state is weighted) and, for
 * a coded state, the row's n_attr labels in attrs (s is then ignored).  A
 * label beyond FG_MAX_CATEGORIES distinct ones of an attribute fails with
 * FG_ERR_DATA.
 */
fg_status	fg_train_add_row_ex(fg_train *t, const double *x, uint8_t y, double w, uint8_t s,
								const fg_attr_key *attrs, const uint8_t *key, size_t key_len,
								fg_error *err);

/*
 * fg_train_add_row_ex for a gaussian state: y is a finite double
 * (FG_ERR_INVALID otherwise, and on a binomial state, as fg_train_add_row_ex
 * is on a gaussian one).
 */
fg_status	fg_train_add_row_real(fg_train *t, const double *x, double y, double w, uint8_t s,
								  const fg_attr_key *attrs, const uint8_t *key, size_t key_len,
								  fg_error *err);

/*
 * Append n rows' sensitive values and weights at row base (room reserved,
 * n_rows not yet advanced): from binary values s (src_n_attr == 0) or from
 * codes (n x src_n_attr little-endian u32 at codes_le, or host u32 at
 * codes) whose attribute k maps through remap[k].  Used by merging.
 */
fg_status	fg_train_put_sensitive(fg_train *t, uint64_t base, uint64_t n, uint32_t src_n_attr,
								   const uint8_t *s, const uint32_t *codes,
								   const uint8_t *codes_le, uint32_t *const *remap,
								   fg_error *err);

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
 * re-interned in dst's dictionary, p must agree (or be unknown on one side),
 * and so must the weights and the family.
 */
fg_status	fg_train_merge(fg_train *dst, const fg_train *src, fg_error *err);

/*
 * Sort the dictionaries (so stratum numbers and category codes do not
 * depend on row order), renumber the rows, and describe the rows in *data
 * for the solver.  A single coded attribute with at most two categories is
 * handed over as the binary s (1 for the second category in sorted order),
 * rewritten in place over its codes.  data->w is the weights as stored (the
 * caller rescales them).  The view stays valid while t is not changed;
 * after this the state must not receive more rows.  A second call gives
 * the same view.  data->y is the binomial labels, data->y_real the gaussian
 * outcome (the other NULL).
 */
fg_status	fg_train_data(fg_train *t, fg_data *data, fg_error *err);

#endif							/* FG_TRAIN_STATE_H */
