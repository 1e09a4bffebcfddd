/*
 * model_v1.h -- for the tests and fuzz harnesses: the model format as
 * fairglmm 1.0 wrote it (version 1), and a field-by-field comparison of
 * decoded models.  The library only reads version 1 any more; this writer
 * makes the version-1 byte strings its reader is tested on.
 *
 * Version 1, after the 20-byte header (version field 1):
 *   method u8 | rho, lambda, c, tol f64 | max_iter i32 | threshold f64 | has_c u8
 *   counts, coefficients, names, strata: as in version 2
 *   iterations i32 | converged u8 | six statistics f64 | q f64 | steps i32 |
 *   stop_reason u8 | bic f64 | has_selected u8 | [p x selected u32]
 *   q0, tol_q f64 | max_steps i32 | nu f64 | probes i32 | seed u64 | exact_trace u8
 *   CRC-32C u32
 */
#ifndef FG_TEST_MODEL_V1_H
#define FG_TEST_MODEL_V1_H

#include "model_format.h"
#include "options.h"

#include <stdlib.h>
#include <string.h>

typedef struct v1_writer
{
	uint8_t    *buf;
	size_t		pos;
	size_t		cap;
} v1_writer;

static void
v1_put(v1_writer *w, uint64_t v, int n)
{
	if (w->pos + (size_t) n > w->cap)
	{
		w->cap = 2 * (w->pos + (size_t) n) + 64;
		w->buf = realloc(w->buf, w->cap);
	}
	for (int i = 0; i < n; i++)
		w->buf[w->pos + i] = (uint8_t) (v >> (8 * i));
	w->pos += (size_t) n;
}

static void
v1_put_f64(v1_writer *w, double d)
{
	uint64_t	bits;

	memcpy(&bits, &d, 8);
	v1_put(w, bits, 8);
}

static void
v1_put_bytes(v1_writer *w, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v1_put(w, ((const uint8_t *) p)[i], 1);
}

/*
 * The version-1 encoding of m, malloc'd; no checks (it writes whatever m
 * holds, so forged version-1 models can be made too).
 */
static uint8_t * __attribute__((unused))
encode_model_v1(const fg_model *m, size_t *len)
{
	v1_writer	w = {NULL, 0, 0};
	uint32_t	crc;

	v1_put(&w, FG_MODEL_MAGIC, 4);
	v1_put(&w, 1, 2);
	v1_put(&w, 0xFEFF, 2);
	v1_put(&w, 0, 4);
	v1_put(&w, 0, 8);			/* total length, set below */

	v1_put(&w, (uint64_t) m->opt.method, 1);
	v1_put_f64(&w, m->opt.rho);
	v1_put_f64(&w, m->opt.lambda);
	v1_put_f64(&w, m->opt.c);
	v1_put_f64(&w, m->opt.tol);
	v1_put(&w, (uint32_t) m->opt.max_iter, 4);
	v1_put_f64(&w, m->opt.threshold);
	v1_put(&w, m->has_c ? 1 : 0, 1);

	v1_put(&w, m->rows_used, 8);
	v1_put(&w, m->rows_skipped, 8);
	v1_put(&w, (uint32_t) m->p, 4);
	v1_put(&w, m->n_strata, 4);
	v1_put(&w, (uint64_t) m->key_type, 1);
	v1_put(&w, m->feature_names != NULL, 1);
	v1_put_f64(&w, m->intercept);
	for (int j = 0; j < m->p; j++)
		v1_put_f64(&w, m->beta[j]);
	if (m->feature_names != NULL)
		for (int j = 0; j < m->p; j++)
		{
			size_t		n = strlen(m->feature_names[j]);

			v1_put(&w, n, 4);
			v1_put_bytes(&w, m->feature_names[j], n);
		}
	for (uint32_t i = 0; i < m->n_strata; i++)
	{
		uint64_t	start = m->key_offsets[i];
		uint64_t	n = m->key_offsets[i + 1] - start;

		v1_put(&w, n, 4);
		v1_put_bytes(&w, m->keys + start, (size_t) n);
		v1_put_f64(&w, m->b[i]);
		v1_put(&w, m->stratum_rows[i], 8);
	}

	v1_put(&w, (uint32_t) m->iterations, 4);
	v1_put(&w, m->converged ? 1 : 0, 1);
	v1_put_f64(&w, m->grad_norm);
	v1_put_f64(&w, m->objective);
	v1_put_f64(&w, m->multiplier);
	v1_put_f64(&w, m->train_accuracy);
	v1_put_f64(&w, m->train_di);
	v1_put_f64(&w, m->train_cov);
	v1_put_f64(&w, m->q);
	v1_put(&w, (uint32_t) m->steps, 4);
	v1_put(&w, (uint64_t) m->stop_reason, 1);
	v1_put_f64(&w, m->bic);
	v1_put(&w, m->selected != NULL, 1);
	if (m->selected != NULL)
		for (int j = 0; j < m->p; j++)
			v1_put(&w, m->selected[j], 4);
	v1_put_f64(&w, m->opt.q0);
	v1_put_f64(&w, m->opt.tol_q);
	v1_put(&w, (uint32_t) m->opt.max_steps, 4);
	v1_put_f64(&w, m->opt.nu);
	v1_put(&w, (uint32_t) m->opt.probes, 4);
	v1_put(&w, m->opt.seed, 8);
	v1_put(&w, m->opt.exact_trace ? 1 : 0, 1);

	v1_put(&w, 0, 4);			/* room for the checksum */
	for (int i = 0; i < 8; i++)
		w.buf[12 + i] = (uint8_t) ((uint64_t) w.pos >> (8 * i));
	crc = fg_crc32c(0, w.buf, w.pos - 4);
	for (int i = 0; i < 4; i++)
		w.buf[w.pos - 4 + i] = (uint8_t) (crc >> (8 * i));
	*len = w.pos;
	return w.buf;
}

static bool __attribute__((unused))
same_bits(double a, double b)
{
	return memcmp(&a, &b, sizeof(double)) == 0;
}

/* Every option of the table, doubles compared bit for bit. */
static bool __attribute__((unused))
options_identical(const fg_options *a, const fg_options *b)
{
	for (int i = 0; i < fg_option_count; i++)
	{
		const fg_option_def *def = &fg_option_table[i];

		if (def->size == 0)
			continue;
		if (def->type == FG_OPTION_NUMBER
			? !same_bits(fg_option_get_number(a, def), fg_option_get_number(b, def))
			: fg_option_get_integer(a, def) != fg_option_get_integer(b, def))
			return false;
	}
	return true;
}

/* Field by field (the format version aside), doubles bit for bit. */
static bool __attribute__((unused))
models_identical(const fg_model *a, const fg_model *b)
{
	if (!options_identical(&a->opt, &b->opt) ||
		a->has_c != b->has_c ||
		a->rows_used != b->rows_used || a->rows_skipped != b->rows_skipped ||
		a->p != b->p || a->n_strata != b->n_strata ||
		a->key_type != b->key_type ||
		(a->feature_names == NULL) != (b->feature_names == NULL) ||
		!same_bits(a->intercept, b->intercept) ||
		a->iterations != b->iterations || a->converged != b->converged ||
		!same_bits(a->grad_norm, b->grad_norm) ||
		!same_bits(a->objective, b->objective) ||
		!same_bits(a->multiplier, b->multiplier) ||
		!same_bits(a->train_accuracy, b->train_accuracy) ||
		!same_bits(a->train_di, b->train_di) ||
		!same_bits(a->train_cov, b->train_cov) ||
		!same_bits(a->q, b->q) || a->steps != b->steps ||
		a->stop_reason != b->stop_reason || !same_bits(a->bic, b->bic) ||
		(a->selected == NULL) != (b->selected == NULL) ||
		a->separated_rows != b->separated_rows ||
		a->n_unidentified != b->n_unidentified ||
		a->vcov_type != b->vcov_type ||
		(a->vcov == NULL) != (b->vcov == NULL) ||
		(a->b_se == NULL) != (b->b_se == NULL) ||
		!same_bits(a->loglik, b->loglik) ||
		!same_bits(a->null_loglik, b->null_loglik) ||
		!same_bits(a->edf, b->edf) ||
		a->created_at != b->created_at ||
		strcmp(a->ext_version, b->ext_version) != 0)
		return false;
	for (size_t i = 0; a->vcov != NULL && i < (size_t) (a->p + 1) * (a->p + 1); i++)
		if (!same_bits(a->vcov[i], b->vcov[i]))
			return false;
	for (uint32_t i = 0; a->b_se != NULL && i < a->n_strata; i++)
		if (!same_bits(a->b_se[i], b->b_se[i]))
			return false;
	for (int j = 0; j < a->p; j++)
	{
		if (!same_bits(a->beta[j], b->beta[j]))
			return false;
		if (a->feature_names != NULL &&
			strcmp(a->feature_names[j], b->feature_names[j]) != 0)
			return false;
		if (a->selected != NULL && a->selected[j] != b->selected[j])
			return false;
	}
	for (uint32_t k = 0; k < a->n_unidentified; k++)
		if (a->unidentified[k] != b->unidentified[k])
			return false;
	for (uint32_t i = 0; i < a->n_strata; i++)
	{
		if (!same_bits(a->b[i], b->b[i]) ||
			a->stratum_rows[i] != b->stratum_rows[i] ||
			a->key_offsets[i + 1] != b->key_offsets[i + 1])
			return false;
	}
	if (a->n_strata > 0 &&
		(a->key_offsets[0] != 0 || b->key_offsets[0] != 0 ||
		 (a->key_offsets[a->n_strata] > 0 &&
		  memcmp(a->keys, b->keys, a->key_offsets[a->n_strata]) != 0)))
		return false;
	return true;
}

#endif							/* FG_TEST_MODEL_V1_H */
