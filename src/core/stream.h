/*
 * stream.h -- least squares without keeping the rows (core-internal).
 *
 * An unweighted gaussian lr or crlr fit needs only sums: the means and
 * centred co-moments of [x, y], the per-stratum counts and sums of x and y,
 * and the largest magnitudes of the features.  A stream folds rows into
 * them a block at a time (the block algorithm of summary.c), two streams
 * merge (Chan's formula), and fg_stream_fit solves the normal equations in
 * closed form with one factorisation of the arrow Hessian, filling the fit
 * as fg_fit_model does from the rows.
 *
 * Strata are the indices of the caller's dictionary (train_state.h) as rows
 * arrive; fg_stream_renumber applies the dictionary's sort before the fit.
 */
#ifndef FG_STREAM_H
#define FG_STREAM_H

#include "fg_core.h"

typedef struct fg_stream
{
	const fg_env *env;
	int			p;
	bool		strata;
	uint64_t	n;				/* rows folded into the co-moments */
	double	   *mean;			/* p + 1: [x, y] */
	double	   *m2;				/* (p + 1)^2, upper triangle */
	double	   *amax;			/* p */
	double		y_min;
	double		y_max;
	/* the first row's [x, y]: per-stratum sums are of the differences from it */
	double	   *shift;
	double	   *tot;			/* p + 1: sum of [x, y] - shift over every row */
	/* rows not yet folded */
	double	   *block;			/* FG_BLOCK_ROWS x (p + 1) */
	uint32_t   *block_stratum;
	size_t		fill;
	double	   *scratch;		/* p + 1 */
	/* per stratum, by dictionary index */
	uint32_t	n_strata;
	uint32_t	cap;
	double	   *s_rows;			/* cap */
	double	   *s_sum;			/* cap x (p + 1): sums of [x, y] - shift */
} fg_stream;

/* Bytes a stream of p features holds with room for cap strata. */
size_t		fg_stream_memory(int p, uint32_t cap);

fg_status	fg_stream_init(fg_stream *s, const fg_env *env, int p, bool strata, fg_error *err);
void		fg_stream_free(fg_stream *s);

/* Add one row (y finite, checked by the caller); g its stratum index. */
fg_status	fg_stream_add(fg_stream *s, const double *x, double y, uint32_t g, fg_error *err);

/* Room for strata 0 .. count - 1 (sums zero), for sums read from bytes. */
fg_status	fg_stream_set_strata(fg_stream *s, uint32_t count, fg_error *err);

/* Fold the buffered rows into the sums. */
void		fg_stream_flush(fg_stream *s);

/*
 * Add src's sums to dst (both p alike); src's stratum i becomes dst's
 * remap[i] (NULL without strata).  src is flushed first.
 */
fg_status	fg_stream_merge(fg_stream *dst, fg_stream *src, const uint32_t *remap,
							uint32_t src_strata, fg_error *err);

/* Stratum i becomes rank[i] (a permutation of n_strata); flushes first. */
fg_status	fg_stream_renumber(fg_stream *s, const uint32_t *rank, fg_error *err);

/*
 * The fit of opt (gaussian, lr or crlr, vcov model or none) from the sums:
 * data gives the feature names; n_attr the attributes the model lists (1
 * for a binary one), as fit->n_attr.
 */
fg_status	fg_stream_fit(const fg_env *env, fg_stream *s, const fg_options *opt,
						  const char *const *feature_names, uint32_t n_attr, fg_fit *fit,
						  fg_error *err);

/* Can opt be fitted from a stream? (unweighted is the caller's to know) */
bool		fg_stream_supports(const fg_options *opt);

#endif							/* FG_STREAM_H */
