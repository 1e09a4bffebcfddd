/*
 * coded_rows.h -- training rows with categorical sensitive attributes and
 * weights, added the way the SQL layer adds them (read_sensitive in
 * src/fit_agg.c): a scalar integer attribute stays binary while its values
 * are 0 or 1 and switches to codes at the first other value; text
 * attributes and arrays are coded from the first row.  Everything else a
 * row holds (features, label or continuous outcome, weight, stratum key)
 * follows from its id, so the same rows can be added to several states,
 * split and in any order; a gaussian state (fg_train_set_gaussian) gets
 * crow_y_real's outcome instead of the label.
 * Shared by the unit tests and the state-format fuzz harness's seeds.
 */
#ifndef FG_TEST_CODED_ROWS_H
#define FG_TEST_CODED_ROWS_H

#include "model_format.h"
#include "train_state.h"

#include <math.h>
#include <string.h>

#define CROW_P 2

typedef struct crow_kind
{
	bool		text;			/* text labels, else integers */
	uint32_t	n_attr;			/* 0: one scalar attribute; else an array of n_attr */
} crow_kind;

/* The values a run of rows draws its labels from (one of the two arrays). */
typedef struct crow_vals
{
	const int64_t *ints;
	const char *const *texts;
	uint32_t	n;
} crow_vals;

/* Row id's features (x[0] is the id itself), label, weight and stratum key. */
static inline void
crow_content(uint64_t id, double x[CROW_P], uint8_t *y, double *w, uint8_t key[8])
{
	x[0] = (double) id;
	x[1] = sin((double) id * 0.7) * 3.0;
	*y = (uint8_t) (((id * 2654435761u) >> 7) % 3 == 0);
	*w = 0.25 + (double) (id % 5);
	fg_key_from_int64((int64_t) ((id * 13) % 7) - 3, key);
}

/*
 * Row id's continuous outcome: ordinary values with both signs, now and then
 * -0.0, a subnormal and a huge one, all finite.
 */
static inline double
crow_y_real(uint64_t id)
{
	if (id % 29 == 3)
		return -0.0;
	if (id % 31 == 7)
		return 4.9e-324;
	if (id % 37 == 11)
		return -1e300;
	return cos((double) id * 1.3) * 50.0 + (double) (id % 7) - 2.5;
}

/* Which of vals attribute k of row id takes. */
static inline uint32_t
crow_pick(uint64_t id, uint32_t k, const crow_vals *vals)
{
	return (uint32_t) ((id * 7 + k * 3 + (id >> 2) * (k + 1)) % vals->n);
}

/*
 * Add row id, whose attribute k takes the value vals[crow_pick(id, k)]:
 * binary while the state is binary and the (scalar, integer) value is 0 or
 * 1, else switching the state to codes first.
 */
static inline fg_status
crow_add(fg_train *t, crow_kind kind, uint64_t id, const crow_vals *vals, fg_error *err)
{
	uint8_t		ibuf[FG_MAX_ATTRIBUTES][8];
	fg_attr_key labels[FG_MAX_ATTRIBUTES];
	uint32_t	n = kind.n_attr > 0 ? kind.n_attr : 1;
	double		x[CROW_P],
				w;
	uint8_t		y,
				s = 0,
				key[8];
	int64_t		first = 0;
	fg_status	st;

	crow_content(id, x, &y, &w, key);
	for (uint32_t k = 0; k < n; k++)
	{
		uint32_t	i = crow_pick(id, k, vals);

		if (kind.text)
		{
			labels[k].bytes = (const uint8_t *) vals->texts[i];
			labels[k].len = strlen(vals->texts[i]);
		}
		else
		{
			if (k == 0)
				first = vals->ints[i];
			fg_key_from_int64(vals->ints[i], ibuf[k]);
			labels[k].bytes = ibuf[k];
			labels[k].len = 8;
		}
	}
	if (kind.n_attr == 0 && !kind.text && t->n_attr == 0 && (first == 0 || first == 1))
		s = (uint8_t) first;
	else if ((st = fg_train_use_codes(t, n, err)) != FG_OK)
		return st;
	if (t->p < 0 && (st = fg_train_set_p(t, CROW_P, err)) != FG_OK)
		return st;
	if (t->gaussian)
		return fg_train_add_row_real(t, x, crow_y_real(id), w, s, t->n_attr > 0 ? labels : NULL,
									 key, 8, err);
	return fg_train_add_row_ex(t, x, y, w, s, t->n_attr > 0 ? labels : NULL, key, 8, err);
}

/* Rows ids[0 .. n) (or from .. from + n when ids is NULL). */
static inline fg_status
crow_add_rows(fg_train *t, crow_kind kind, const uint64_t *ids, uint64_t from, uint64_t n,
			  const crow_vals *vals, fg_error *err)
{
	for (uint64_t i = 0; i < n; i++)
	{
		fg_status	st = crow_add(t, kind, ids != NULL ? ids[i] : from + i, vals, err);

		if (st != FG_OK)
			return st;
	}
	return FG_OK;
}

#endif							/* FG_TEST_CODED_ROWS_H */
