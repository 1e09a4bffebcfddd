/*
 * state_format.c -- encoding, decoding and validation of the serialised
 * training state (see state_format.h for the layout in words).
 *
 *   header    magic u32 | version u16 (2) | byte order mark u16 | flags u32 |
 *             total length u64
 *   settings  y_kind u8 | s_kind u8 | s_array u8 | strata_kind u8 | uses_strata u8 |
 *             has_options u8 | weighted u8 | the options block of options.h (every option of
 *             the table, method included; c NaN when unused) |
 *             n_feature_names i32 (-1: none) | names (u32 length, bytes) |
 *             options length u32 | options bytes | n_rhos u32 | n_rhos rho f64
 *   counts    p i32 (-1: unknown) | n_rows u64 | n_skipped u64 | n_strata u32 |
 *             key bytes u64 | n_strata key lengths u32 | key bytes |
 *             n_attr u32 | n_attr x (n_cats u32 | key bytes u64 |
 *             n_cats label lengths u32 | label bytes)
 *   rows      n_rows x p features f64 (row-major) |
 *             n_rows y u8 (binomial family) or n_rows y f64 (gaussian) |
 *             n_rows s u8 (n_attr = 0) or n_rows x n_attr codes u32 |
 *             n_rows stratum u32 (only with strata) | n_rows weight f64 (weighted)
 *             (flag 1, sums instead of rows: the binary sensitive values seen,
 *             2 u8 | with rows: y_min f64 | y_max f64 | mean (p + 1) f64 |
 *             co-moments' upper triangle (p + 1)(p + 2)/2 f64 | amax p f64 |
 *             shift (p + 1) f64 | tot (p + 1) f64 | per stratum: rows f64,
 *             sums (p + 1) f64; see stream.h)
 *   trailer   CRC-32C u32 of all bytes before it
 */
#include "state_format.h"
#include "le_bytes.h"
#include "model_format.h"
#include "options.h"
#include "path_format.h"
#include "stream.h"

#include <math.h>
#include <string.h>

#define HEADER_SIZE		20
#define TRAILER_SIZE	4
#define BYTE_ORDER_MARK	0xFEFF
/* the seven bytes before the options block, n_feature_names, options length, n_rhos */
#define SETTINGS_FIXED	(7 + 4 + 4 + 4)
#define COUNTS_FIXED	(4 + 8 + 8 + 4 + 8 + 4)
/* n_cats, key bytes of one coded attribute */
#define ATTR_FIXED		(4 + 8)
#define INT_KEY_LEN		8

#define CORRUPT_MESSAGE	"invalid fairglmm training state"
#define CORRUPT_HINT \
	"Training states are only exchanged between the processes of one parallel query; this is a bug or memory corruption."

/* ---------- writing ---------- */

/* a * b + c without overflow, or SIZE_MAX */
static size_t
mul_add(size_t a, size_t b, size_t c)
{
	if (b != 0 && a > (SIZE_MAX - c) / b)
		return SIZE_MAX;
	return a * b + c;
}

static size_t
settings_size(const fg_state_config *config)
{
	size_t		n = SETTINGS_FIXED + fg_options_block_size() + config->options_len +
		8 * (size_t) config->n_rhos;

	for (int j = 0; j < config->n_feature_names; j++)
		n += 4 + strlen(config->feature_names[j]);
	return n;
}

/* Bytes of the sums section (flag FG_STATE_FLAG_SUMS), SIZE_MAX on overflow. */
static size_t
sums_size(int p, uint32_t n_strata, uint64_t n_rows)
{
	size_t		w = (size_t) (p > 0 ? p : 0) + 1;
	size_t		doubles;

	if (n_rows == 0)
		return 2;
	/* w (w + 1) / 2 without overflow for w up to FG_MODEL_MAX_P + 1 */
	doubles = w % 2 == 0 ? mul_add(w / 2, w + 1, 0) : mul_add(w, (w + 1) / 2, 0);
	doubles = mul_add(1, doubles, 2 + w + (w - 1) + 2 * w);
	doubles = mul_add(n_strata, w + 1, doubles);
	return mul_add(doubles, 8, 2);
}

static size_t
encoded_size_sums(const fg_state_config *config, const fg_train *train)
{
	size_t		keys = 0;
	size_t		total;

	if (train->uses_strata)
		keys = mul_add(train->dict.count, 4, (size_t) train->dict.bytes_len);
	for (uint32_t k = 0; k < train->n_attr; k++)
		keys = mul_add(train->attrs[k].count, 4,
					   mul_add(1, keys, (size_t) train->attrs[k].bytes_len + ATTR_FIXED));
	total = mul_add(1, sums_size(train->p, train->uses_strata ? train->dict.count : 0,
								 train->n_rows), keys);
	total = mul_add(1, total, HEADER_SIZE + TRAILER_SIZE + COUNTS_FIXED);
	total = mul_add(1, total, settings_size(config));
	return total == SIZE_MAX ? 0 : total;
}

/* The sums section of a streaming state (fg_state_encode checked the counts). */
static void
write_sums(fg_le_writer *w, const fg_train *train)
{
	const fg_stream *s = train->stream;
	int			p = train->p;
	int			wd = p + 1;

	fg_le_put_u8(w, train->s_seen[0]);
	fg_le_put_u8(w, train->s_seen[1]);
	if (train->n_rows == 0)
		return;
	fg_le_put_f64(w, s->y_min);
	fg_le_put_f64(w, s->y_max);
	fg_le_put_f64_array(w, s->mean, wd);
	for (int i = 0; i < wd; i++)
		fg_le_put_f64_array(w, s->m2 + (size_t) i * wd + i, wd - i);
	fg_le_put_f64_array(w, s->amax, p);
	fg_le_put_f64_array(w, s->shift, wd);
	fg_le_put_f64_array(w, s->tot, wd);
	for (uint32_t g = 0; train->uses_strata && g < train->dict.count; g++)
	{
		fg_le_put_f64(w, g < s->n_strata ? s->s_rows[g] : 0.0);
		for (int j = 0; j < wd; j++)
			fg_le_put_f64(w, g < s->n_strata ? s->s_sum[(size_t) g * wd + j] : 0.0);
	}
}

size_t
fg_state_encoded_size(const fg_state_config *config, const fg_train *train)
{
	size_t		per_row = (train->gaussian ? 8 : 1) + (train->n_attr > 0 ? 4 * (size_t) train->n_attr : 1) +
		(train->uses_strata ? 4 : 0) + (train->weighted ? 8 : 0);
	size_t		p = train->p > 0 ? (size_t) train->p : 0;
	size_t		keys = 0;
	size_t		total;

	if (train->stream_on)
		return encoded_size_sums(config, train);
	if (train->dicts_only)
		per_row = p = 0;
	if (train->uses_strata)
		keys = mul_add(train->dict.count, 4, (size_t) train->dict.bytes_len);
	for (uint32_t k = 0; k < train->n_attr; k++)
		keys = mul_add(train->attrs[k].count, 4,
					   mul_add(1, keys, (size_t) train->attrs[k].bytes_len + ATTR_FIXED));
	per_row = mul_add(p, 8, per_row);
	total = mul_add((size_t) train->n_rows, per_row, keys);
	total = mul_add(1, total, HEADER_SIZE + TRAILER_SIZE + COUNTS_FIXED +
					(train->dicts_only ? 2 : 0));
	total = mul_add(1, total, settings_size(config));
	return total == SIZE_MAX ? 0 : total;
}

fg_status
fg_state_encode(const fg_state_config *config, const fg_train *train,
				uint8_t *buf, size_t len, fg_error *err)
{
	fg_le_writer w;
	size_t		p = train->p > 0 ? (size_t) train->p : 0;
	uint64_t	R = (uint64_t) 1 << train->chunk_shift;

	if (len == 0 || len != fg_state_encoded_size(config, train))
		return fg_fail(err, FG_ERR_INVALID, "cannot encode fairglmm training state", NULL,
					   "The buffer has %zu bytes; the state needs %zu.",
					   len, fg_state_encoded_size(config, train));
	if (config->n_feature_names > FG_MODEL_MAX_P || config->options_len > UINT32_MAX - 1 ||
		config->n_rhos > FG_PATH_MAX_MODELS)
		return fg_fail(err, FG_ERR_INVALID, "cannot encode fairglmm training state", NULL,
					   "The settings are too large.");
	/* c is NaN exactly when the constraint is unused: the decoder relies on it */
	if (config->has_c != !isnan(config->opt.c))
		return fg_fail(err, FG_ERR_INVALID, "cannot encode fairglmm training state", NULL,
					   "The constraint flag does not match the bound c.");
	if (config->weighted != train->weighted || train->finished ||
		train->gaussian != (config->opt.family == FG_FAMILY_GAUSSIAN))
		return fg_fail(err, FG_ERR_INVALID, "cannot encode fairglmm training state", NULL,
					   "The rows do not match the settings, or have been handed to the solver.");
	if (train->stream_on)
	{
		/* every row folded in, and a stratum's sums for every key */
		if (train->stream != NULL)
			fg_stream_flush(train->stream);
		if ((train->n_rows > 0) != (train->stream != NULL) ||
			(train->stream != NULL &&
			 (train->stream->n != train->n_rows ||
			  (train->uses_strata && train->stream->n_strata > train->dict.count))))
			return fg_fail(err, FG_ERR_INVALID, "cannot encode fairglmm training state", NULL,
						   "The least-squares sums do not match the row count.");
	}

	if (train->dicts_only && train->n_rows > 0)
		return fg_fail(err, FG_ERR_INVALID, "cannot encode fairglmm training state", NULL,
					   "A state of dictionaries still holds rows.");

	fg_le_writer_init(&w, buf, len);
	fg_le_put_u32(&w, FG_STATE_MAGIC);
	fg_le_put_u16(&w, FG_STATE_VERSION);
	fg_le_put_u16(&w, BYTE_ORDER_MARK);
	fg_le_put_u32(&w, train->stream_on ? FG_STATE_FLAG_SUMS
				  : train->dicts_only ? FG_STATE_FLAG_DICTIONARIES : 0);
	fg_le_put_u64(&w, len);

	fg_le_put_u8(&w, config->y_kind);
	fg_le_put_u8(&w, config->s_kind);
	fg_le_put_u8(&w, config->s_array);
	fg_le_put_u8(&w, config->strata_kind);
	fg_le_put_u8(&w, train->uses_strata);
	fg_le_put_u8(&w, config->has_options);
	fg_le_put_u8(&w, config->weighted);
	fg_options_block_write(&config->opt, &w);
	fg_le_put_i32(&w, config->n_feature_names);
	for (int j = 0; j < config->n_feature_names; j++)
	{
		size_t		n = strlen(config->feature_names[j]);

		fg_le_put_u32(&w, (uint32_t) n);
		fg_le_put_bytes(&w, config->feature_names[j], n);
	}
	fg_le_put_u32(&w, config->options_len);
	fg_le_put_bytes(&w, config->options, config->options_len);
	fg_le_put_u32(&w, config->n_rhos);
	for (uint32_t i = 0; i < config->n_rhos; i++)
		fg_le_put_f64(&w, config->rhos[i]);

	fg_le_put_i32(&w, train->p);
	fg_le_put_u64(&w, train->dicts_only ? train->n_forgotten : train->n_rows);
	fg_le_put_u64(&w, train->n_skipped);
	if (train->uses_strata)
	{
		fg_le_put_u32(&w, train->dict.count);
		fg_le_put_u64(&w, train->dict.bytes_len);
		for (uint32_t i = 0; i < train->dict.count; i++)
			fg_le_put_u32(&w, (uint32_t) (train->dict.offsets[i + 1] - train->dict.offsets[i]));
		fg_le_put_bytes(&w, train->dict.bytes, (size_t) train->dict.bytes_len);
	}
	else
	{
		fg_le_put_u32(&w, 0);
		fg_le_put_u64(&w, 0);
	}
	fg_le_put_u32(&w, train->n_attr);
	for (uint32_t k = 0; k < train->n_attr; k++)
	{
		const fg_strata_dict *d = &train->attrs[k];

		fg_le_put_u32(&w, d->count);
		fg_le_put_u64(&w, d->bytes_len);
		for (uint32_t i = 0; i < d->count; i++)
			fg_le_put_u32(&w, (uint32_t) (d->offsets[i + 1] - d->offsets[i]));
		fg_le_put_bytes(&w, d->bytes, (size_t) d->bytes_len);
	}

	if (train->stream_on)
		write_sums(&w, train);
	if (train->dicts_only)
	{
		fg_le_put_u8(&w, train->s_seen[0]);
		fg_le_put_u8(&w, train->s_seen[1]);
	}
	/* features chunk by chunk */
	for (uint64_t r = 0; !train->stream_on && !train->dicts_only && p > 0 && r < train->n_rows;
		 r += R)
	{
		uint64_t	rows = train->n_rows - r < R ? train->n_rows - r : R;

		fg_le_put_f64_array(&w, train->chunks[r >> train->chunk_shift], (size_t) rows * p);
	}
	if (train->stream_on)
		;
	else if (train->gaussian)
		fg_le_put_f64_array(&w, train->y_real, (size_t) train->n_rows);
	else
		fg_le_put_bytes(&w, train->y, (size_t) train->n_rows);
	if (train->stream_on)
		;
	else if (train->n_attr == 0)
		fg_le_put_bytes(&w, train->s, (size_t) train->n_rows);
	else if (fg_host_is_little_endian())
		fg_le_put_bytes(&w, train->codes, (size_t) train->n_rows * 4 * train->n_attr);
	else
		for (uint64_t i = 0; i < train->n_rows * train->n_attr; i++)
			fg_le_put_u32(&w, train->codes[i]);
	if (train->uses_strata && !train->stream_on)
	{
		if (fg_host_is_little_endian())
			fg_le_put_bytes(&w, train->stratum, (size_t) train->n_rows * 4);
		else
			for (uint64_t l = 0; l < train->n_rows; l++)
				fg_le_put_u32(&w, train->stratum[l]);
	}
	if (train->weighted && !train->stream_on)
		fg_le_put_f64_array(&w, train->w, (size_t) train->n_rows);
	fg_le_put_u32(&w, fg_crc32c(0, buf, len - TRAILER_SIZE));

	/* fg_state_encoded_size and the fields written must agree */
	if (w.overrun || w.pos != len)
		return fg_fail(err, FG_ERR_INVALID, "cannot encode fairglmm training state", NULL,
					   "The state does not fill the %zu bytes it was sized for.", len);
	return FG_OK;
}

/* ---------- reading ---------- */

static fg_status
corrupt(fg_error *err, const char *detail)
{
	return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT, "%s", detail);
}

/* The error once the reader has overrun: a field goes past the end. */
static fg_status
truncated(fg_error *err)
{
	return corrupt(err, "The state ends in the middle of a field.");
}

void
fg_state_view_release(const fg_env *env, fg_state_view *view)
{
	if (view->config.feature_names != NULL)
	{
		for (int j = 0; j < view->config.n_feature_names; j++)
			fg_release(env, view->config.feature_names[j]);
		fg_release(env, view->config.feature_names);
	}
	fg_release(env, view->config.rhos);
	fg_release(env, view->key_offsets);
	for (int k = 0; k < FG_MAX_ATTRIBUTES; k++)
		fg_release(env, view->attr_offsets[k]);
	memset(view, 0, sizeof(*view));
}

static fg_status
decode_settings(const fg_env *env, fg_le_reader *r, fg_state_view *v, fg_error *err)
{
	fg_state_config *c = &v->config;
	uint8_t		uses_strata,
				has_options,
				s_array,
				weighted;
	int32_t		n_names;
	fg_error	opt_err;
	char		why[300];

	c->y_kind = (fg_arg_kind) fg_le_get_u8(r);
	c->s_kind = (fg_arg_kind) fg_le_get_u8(r);
	s_array = fg_le_get_u8(r);
	c->strata_kind = (fg_strata_kind) fg_le_get_u8(r);
	uses_strata = fg_le_get_u8(r);
	has_options = fg_le_get_u8(r);
	weighted = fg_le_get_u8(r);
	if (r->overrun)
		return truncated(err);
	if (fg_options_block_read(r, &c->opt, why, sizeof(why)) != FG_OK)
		return corrupt(err, why);
	n_names = fg_le_get_i32(r);
	if (r->overrun)
		return truncated(err);

	if (uses_strata > 1 || has_options > 1 || s_array > 1 || weighted > 1)
		return corrupt(err, "A flag of the settings is neither 0 nor 1.");
	c->s_array = s_array;
	c->weighted = weighted;
	if ((c->y_kind != FG_ARG_BOOL && c->y_kind != FG_ARG_INT && c->y_kind != FG_ARG_FLOAT8 &&
		 c->y_kind != FG_ARG_NUMERIC) ||
		c->s_kind < FG_ARG_BOOL || c->s_kind > FG_ARG_TEXT ||
		c->strata_kind < FG_STRATA_INT4 || c->strata_kind > FG_STRATA_TEXT)
		return corrupt(err, "An argument type code is unknown.");
	if ((bool) uses_strata != fg_options_collects_strata(&c->opt))
		return corrupt(err, "The strata flag does not match the method and the covariance.");
	c->has_c = !isnan(c->opt.c);
	c->has_options = has_options;

	if (fg_options_check(&c->opt, &opt_err) != FG_OK)
		return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT,
					   "The settings are invalid: %s.", opt_err.message);
	v->uses_strata = uses_strata;

	/* feature names: each takes at least 5 bytes, so bound the count first */
	if (n_names < -1 || n_names > FG_MODEL_MAX_P || (n_names > 0 && (size_t) n_names > fg_le_left(r) / 5))
		return corrupt(err, "The number of feature names is out of range.");
	c->n_feature_names = n_names;
	if (n_names > 0)
	{
		c->feature_names = fg_alloc(env, sizeof(char *) * n_names);
		if (c->feature_names == NULL)
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		for (int j = 0; j < n_names; j++)
		{
			uint32_t	n = fg_le_get_u32(r);
			const uint8_t *name;

			if (r->overrun)
				return truncated(err);
			if (n == 0 || n > FG_MODEL_MAX_NAME_LEN)
				return corrupt(err, "A feature name has an invalid length.");
			if ((name = fg_le_take(r, n)) == NULL)
				return truncated(err);
			if (memchr(name, '\0', n) != NULL)
				return corrupt(err, "A feature name contains a NUL byte.");
			c->feature_names[j] = fg_alloc(env, (size_t) n + 1);
			if (c->feature_names[j] == NULL)
				return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
			memcpy(c->feature_names[j], name, n);
			for (int i = 0; i < j; i++)
				if (strcmp(c->feature_names[i], c->feature_names[j]) == 0)
					return corrupt(err, "A feature name appears twice.");
		}
	}
	c->options_len = fg_le_get_u32(r);
	if (r->overrun)
		return truncated(err);
	if (!has_options && c->options_len != 0)
		return corrupt(err, "Option bytes are present without the options flag.");
	if ((c->options = fg_le_take(r, c->options_len)) == NULL && c->options_len > 0)
		return truncated(err);
	c->n_rhos = fg_le_get_u32(r);
	if (r->overrun)
		return truncated(err);
	if (c->n_rhos > FG_PATH_MAX_MODELS || c->n_rhos > fg_le_left(r) / 8)
		return corrupt(err, "The number of rhos is out of range.");
	if (c->n_rhos > 0)
	{
		c->rhos = fg_alloc(env, sizeof(double) * c->n_rhos);
		if (c->rhos == NULL)
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		for (uint32_t i = 0; i < c->n_rhos; i++)
			if (!isfinite(c->rhos[i] = fg_le_get_f64(r)) || c->rhos[i] < 0.0)
				return corrupt(err, "A rho of the path is not a finite number >= 0.");
	}
	return FG_OK;
}

static fg_status
decode_strata(const fg_env *env, fg_le_reader *r, fg_state_view *v, fg_error *err)
{
	uint64_t	key_bytes;
	const uint8_t *lens;
	fg_strata_dict seen;
	fg_status	st = FG_OK;

	v->n_strata = fg_le_get_u32(r);
	key_bytes = fg_le_get_u64(r);
	if (r->overrun)
		return truncated(err);
	if (!v->uses_strata && (v->n_strata != 0 || key_bytes != 0))
		return corrupt(err, "A state without strata has stratum keys.");
	if (v->n_strata > FG_MODEL_MAX_STRATA || v->n_strata > v->n_rows)
		return corrupt(err, "The number of strata is out of range.");
	/* both counts against the bytes present before any allocation */
	if ((uint64_t) v->n_strata * 4 > fg_le_left(r) ||
		key_bytes > fg_le_left(r) - (uint64_t) v->n_strata * 4)
		return corrupt(err, "The stratum keys extend past the end of the state.");
	if ((lens = fg_le_take(r, (size_t) v->n_strata * 4)) == NULL && v->n_strata > 0)
		return truncated(err);
	if ((v->keys = fg_le_take(r, (size_t) key_bytes)) == NULL && key_bytes > 0)
		return truncated(err);
	if (!v->uses_strata)
		return FG_OK;

	v->key_offsets = fg_alloc(env, sizeof(uint64_t) * ((size_t) v->n_strata + 1));
	if (v->key_offsets == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	for (uint32_t i = 0; i < v->n_strata; i++)
	{
		uint32_t	n = (uint32_t) fg_le_load(lens + 4 * (size_t) i, 4);

		if (v->config.strata_kind == FG_STRATA_TEXT ? n > FG_MODEL_MAX_KEY_LEN : n != INT_KEY_LEN)
			return corrupt(err, "A stratum key has an invalid length.");
		if (n > key_bytes - v->key_offsets[i])
			return corrupt(err, "The stratum key lengths exceed the key bytes.");
		v->key_offsets[i + 1] = v->key_offsets[i] + n;
	}
	if (v->key_offsets[v->n_strata] != key_bytes)
		return corrupt(err, "The stratum key lengths do not add up to the key bytes.");

	/* no key twice: merging relies on one index per key */
	if ((st = fg_dict_init(&seen, env, err)) != FG_OK)
	{
		fg_dict_free(&seen);	/* init may fail half-way */
		return st;
	}
	for (uint32_t i = 0; i < v->n_strata && st == FG_OK; i++)
	{
		int64_t		idx = fg_dict_intern(&seen, v->keys + v->key_offsets[i],
										 (size_t) (v->key_offsets[i + 1] - v->key_offsets[i]), err);

		if (idx < 0)
			st = err->status;
		else if ((uint64_t) idx != i)
			st = corrupt(err, "A stratum key appears twice.");
	}
	fg_dict_free(&seen);
	return st;
}

/*
 * The coded attributes' dictionaries: counts against the bytes present,
 * label lengths by kind, no label twice.  How many attributes there may be
 * follows from the sensitive argument's type.
 */
static fg_status
decode_attrs(const fg_env *env, fg_le_reader *r, fg_state_view *v, fg_error *err)
{
	const fg_state_config *c = &v->config;
	uint32_t	max_attr = c->s_array ? FG_MAX_ATTRIBUTES : c->s_kind == FG_ARG_BOOL ? 0 : 1;

	v->n_attr = fg_le_get_u32(r);
	if (r->overrun)
		return truncated(err);
	if (v->n_attr > max_attr)
		return corrupt(err, "The number of sensitive attributes is out of range.");
	if (v->n_attr == 0 && v->n_rows > 0 && (c->s_array || c->s_kind == FG_ARG_TEXT))
		return corrupt(err, "Rows of a coded sensitive attribute have no codes.");
	for (uint32_t k = 0; k < v->n_attr; k++)
	{
		uint32_t	n = fg_le_get_u32(r);
		uint64_t	key_bytes = fg_le_get_u64(r);
		const uint8_t *lens;
		fg_strata_dict seen;
		fg_status	st = FG_OK;

		if (r->overrun)
			return truncated(err);
		if (n > FG_MAX_CATEGORIES || n > v->n_rows)
			return corrupt(err, "The number of categories of a sensitive attribute is out of range.");
		if ((uint64_t) n * 4 > fg_le_left(r) || key_bytes > fg_le_left(r) - (uint64_t) n * 4)
			return corrupt(err, "The category labels extend past the end of the state.");
		lens = fg_le_take(r, (size_t) n * 4);
		v->attr_keys[k] = fg_le_take(r, (size_t) key_bytes);
		v->n_cats[k] = n;
		v->attr_offsets[k] = fg_alloc(env, sizeof(uint64_t) * ((size_t) n + 1));
		if (v->attr_offsets[k] == NULL)
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		for (uint32_t i = 0; i < n; i++)
		{
			uint32_t	len = (uint32_t) fg_le_load(lens + 4 * (size_t) i, 4);

			if (c->s_kind == FG_ARG_TEXT ? len > FG_MODEL_MAX_KEY_LEN : len != INT_KEY_LEN)
				return corrupt(err, "A category label has an invalid length.");
			if (len > key_bytes - v->attr_offsets[k][i])
				return corrupt(err, "The category label lengths exceed the label bytes.");
			v->attr_offsets[k][i + 1] = v->attr_offsets[k][i] + len;
		}
		if (v->attr_offsets[k][n] != key_bytes)
			return corrupt(err, "The category label lengths do not add up to the label bytes.");
		if ((st = fg_dict_init(&seen, env, err)) != FG_OK)
		{
			fg_dict_free(&seen);
			return st;
		}
		for (uint32_t i = 0; i < n && st == FG_OK; i++)
		{
			int64_t		idx = fg_dict_intern(&seen, v->attr_keys[k] + v->attr_offsets[k][i],
											 (size_t) (v->attr_offsets[k][i + 1] - v->attr_offsets[k][i]),
											 err);

			if (idx < 0)
				st = err->status;
			else if ((uint64_t) idx != i)
				st = corrupt(err, "A category label appears twice.");
		}
		fg_dict_free(&seen);
		if (st != FG_OK)
			return st;
	}
	return FG_OK;
}

/* Does any of n little-endian doubles at p have all exponent bits set (NaN, infinity)? */
static bool
any_nonfinite(const uint8_t *p, size_t n)
{
	uint64_t	nonfinite = 0;

	for (size_t i = 0; i < n; i++)
	{
		uint64_t	w;

		if (fg_host_is_little_endian())
			memcpy(&w, p + 8 * i, 8);
		else
			w = fg_le_load(p + 8 * i, 8);
		nonfinite |= (~w & UINT64_C(0x7FF0000000000000)) == 0;
	}
	return nonfinite != 0;
}

/*
 * Every label and sensitive value 0 or 1 (or every outcome finite), every
 * stratum index in range, every feature finite.  These loops run over hundreds of megabytes in the
 * leader of a parallel fit, so they are written to be cheap: OR-reductions,
 * and word loads instead of byte assembly (the byte order only matters for
 * the stratum index, and only on big-endian hosts).
 */
static bool
rows_valid(const fg_state_view *v, fg_error *err)
{
	size_t		n = (size_t) v->n_rows;
	size_t		nx = n * (size_t) (v->p > 0 ? v->p : 0);
	uint8_t		bits = 0;

	for (size_t l = 0; l < n; l++)
		bits |= (v->y != NULL ? v->y[l] : 0) | (v->s != NULL ? v->s[l] : 0);
	if (bits > 1)
	{
		corrupt(err, "A label or sensitive value is neither 0 nor 1.");
		return false;
	}
	if (v->y_real != NULL && any_nonfinite(v->y_real, n))
	{
		corrupt(err, "An outcome y is not finite.");
		return false;
	}
	for (size_t l = 0; l < n && v->n_attr > 0; l++)
		for (uint32_t k = 0; k < v->n_attr; k++)
			if (fg_le_load(v->codes + 4 * (l * v->n_attr + k), 4) >= v->n_cats[k])
			{
				corrupt(err, "A row refers to a category that does not exist.");
				return false;
			}
	for (size_t l = 0; v->w != NULL && l < n; l++)
	{
		double		w = fg_le_load_f64(v->w + 8 * l);

		if (!(isfinite(w) && w > 0.0))
		{
			corrupt(err, "A weight is not a finite positive number.");
			return false;
		}
	}
	if (v->stratum != NULL)
	{
		uint32_t	top = 0;

		for (size_t l = 0; l < n; l++)
		{
			uint32_t	g;

			if (fg_host_is_little_endian())
				memcpy(&g, v->stratum + 4 * l, 4);
			else
				g = (uint32_t) fg_le_load(v->stratum + 4 * l, 4);
			top = g > top ? g : top;
		}
		if (n > 0 && top >= v->n_strata)
		{
			corrupt(err, "A row refers to a stratum that does not exist.");
			return false;
		}
	}
	if (any_nonfinite(v->x, nx))
	{
		corrupt(err, "A feature value is not finite.");
		return false;
	}
	return true;
}

/*
 * The sums section: only for the settings that stream (fairglmm_fit,
 * gaussian lr or crlr, unweighted), exactly as long as p and the strata
 * say, every number finite, counts that are whole, within the rows and
 * add up to them, spreads and magnitudes not negative.
 */
static fg_status
decode_sums(fg_le_reader *r, fg_state_view *v, fg_error *err)
{
	int			p = v->p > 0 ? v->p : 0;
	size_t		w = (size_t) p + 1;
	size_t		need = sums_size(v->p, v->uses_strata ? v->n_strata : 0, v->n_rows);
	const uint8_t *d;
	double		total = 0.0;

	if (v->config.opt.family != FG_FAMILY_GAUSSIAN || v->config.weighted ||
		v->config.n_rhos > 0 || !fg_stream_supports(&v->config.opt))
		return corrupt(err, "Least-squares sums are only kept for unweighted gaussian lr and crlr fits.");
	if (need == SIZE_MAX || fg_le_left(r) != need)
		return corrupt(err, "The least-squares sums do not match the number of features and strata.");
	v->sums = true;
	for (int i = 0; i < 2; i++)
	{
		uint8_t		b = fg_le_get_u8(r);

		if (b > 1)
			return corrupt(err, "A sensitive value seen is neither 0 nor 1.");
		v->s_seen[i] = b;
	}
	if (v->n_rows == 0)
		return FG_OK;
	if (v->n_rows > (UINT64_C(1) << 53))
		return corrupt(err, "The row count is beyond the exact range of the sums.");
	d = fg_le_take(r, fg_le_left(r));
	v->sums_data = d;
	if (any_nonfinite(d, (need - 2) / 8))
		return corrupt(err, "A least-squares sum is not finite.");
	if (!(fg_le_load_f64(d) <= fg_le_load_f64(d + 8)))
		return corrupt(err, "The smallest y exceeds the largest.");
	d += 16 + 8 * w;			/* to the co-moments */
	for (size_t i = 0; i < w; i++)
	{
		if (!(fg_le_load_f64(d) >= 0.0))
			return corrupt(err, "A sum of squares is negative.");
		d += 8 * (w - i);
	}
	for (int j = 0; j < p; j++, d += 8)
		if (!(fg_le_load_f64(d) >= 0.0))
			return corrupt(err, "A largest magnitude is negative.");
	d += 16 * w;				/* shift, tot */
	for (uint32_t g = 0; v->uses_strata && g < v->n_strata; g++, d += 8 * (w + 1))
	{
		double		c = fg_le_load_f64(d);

		if (!(c >= 0.0 && c <= (double) v->n_rows && c == floor(c)))
			return corrupt(err, "A stratum's row count is not a whole number within the rows.");
		total += c;
	}
	if (v->uses_strata && total != (double) v->n_rows)
		return corrupt(err, "The strata's row counts do not add up to the rows.");
	return FG_OK;
}

fg_status
fg_state_decode(const fg_env *env, const uint8_t *bytes, size_t len,
				fg_state_view *out, fg_error *err)
{
	fg_le_reader r;
	fg_error	local;
	fg_status	st;
	int32_t		p;
	size_t		per_row;
	bool		gaussian;

	if (err == NULL)
		err = &local;
	memset(out, 0, sizeof(*out));
	if (bytes == NULL || len < HEADER_SIZE + TRAILER_SIZE)
		return corrupt(err, "The state is shorter than its header.");
	if (fg_le_load(bytes, 4) != FG_STATE_MAGIC)
		return corrupt(err, "The state does not start with the magic number.");
	if (fg_le_load(bytes + 4, 2) != FG_STATE_VERSION)
		return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT,
					   "The state has format version %u; this build reads version %d.",
					   (unsigned) fg_le_load(bytes + 4, 2), FG_STATE_VERSION);
	if (fg_le_load(bytes + 6, 2) != BYTE_ORDER_MARK)
		return corrupt(err, "The byte order mark is wrong.");
	if (fg_le_load(bytes + 8, 4) != 0 && fg_le_load(bytes + 8, 4) != FG_STATE_FLAG_SUMS &&
		fg_le_load(bytes + 8, 4) != FG_STATE_FLAG_DICTIONARIES)
		return corrupt(err, "Reserved flags are set.");
	if (fg_le_load(bytes + 12, 8) != len)
		return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT,
					   "The state says it has %llu bytes but %zu are present.",
					   (unsigned long long) fg_le_load(bytes + 12, 8), len);
	if (fg_crc32c(0, bytes, len - TRAILER_SIZE) != fg_le_load(bytes + len - TRAILER_SIZE, 4))
		return corrupt(err, "The checksum does not match.");

	fg_le_reader_init(&r, bytes + HEADER_SIZE, len - HEADER_SIZE - TRAILER_SIZE);

	if ((st = decode_settings(env, &r, out, err)) != FG_OK)
		goto fail;

	p = fg_le_get_i32(&r);
	out->n_rows = fg_le_get_u64(&r);
	out->n_skipped = fg_le_get_u64(&r);
	if (r.overrun)
	{
		st = truncated(err);
		goto fail;
	}
	if (p < -1 || p > FG_MODEL_MAX_P)
	{
		st = corrupt(err, "The number of features is out of range.");
		goto fail;
	}
	if (p == -1 && out->n_rows != 0)
	{
		st = corrupt(err, "The state has rows but no number of features.");
		goto fail;
	}
	if (p >= 0 && out->config.n_feature_names >= 0 && out->config.n_feature_names != p)
	{
		st = corrupt(err, "The number of feature names differs from the number of features.");
		goto fail;
	}
	out->p = p;
	if ((st = decode_strata(env, &r, out, err)) != FG_OK ||
		(st = decode_attrs(env, &r, out, err)) != FG_OK)
		goto fail;

	gaussian = out->config.opt.family == FG_FAMILY_GAUSSIAN;
	if (fg_le_load(bytes + 8, 4) == FG_STATE_FLAG_DICTIONARIES)
	{
		/* no rows: which binary values the rows read had, and nothing after */
		out->dictionaries = true;
		for (int i = 0; i < 2; i++)
		{
			uint8_t		b = fg_le_get_u8(&r);

			if (b > 1)
			{
				st = corrupt(err, "A sensitive value seen is neither 0 nor 1.");
				goto fail;
			}
			out->s_seen[i] = b;
		}
		if (r.overrun || fg_le_left(&r) != 0)
		{
			st = corrupt(err, "A state of dictionaries has bytes after them.");
			goto fail;
		}
		return FG_OK;
	}
	if (fg_le_load(bytes + 8, 4) & FG_STATE_FLAG_SUMS)
	{
		if ((st = decode_sums(&r, out, err)) != FG_OK)
			goto fail;
		return FG_OK;
	}
	/* the rows must fill the rest exactly; the family says how wide y is */
	per_row = (size_t) (p > 0 ? p : 0) * 8 + (gaussian ? 8 : 1) + (out->n_attr > 0 ? 4 * (size_t) out->n_attr : 1) +
		(out->uses_strata ? 4 : 0) + (out->config.weighted ? 8 : 0);
	if (out->n_rows > fg_le_left(&r) / per_row || out->n_rows * per_row != fg_le_left(&r))
	{
		st = corrupt(err, "The row data do not match the row count.");
		goto fail;
	}
	{
		const uint8_t *next;

		out->x = fg_le_take(&r, fg_le_left(&r));
		next = out->x + (size_t) out->n_rows * (size_t) (p > 0 ? p : 0) * 8;
		if (gaussian)
		{
			out->y_real = next;
			next += (size_t) out->n_rows * 8;
		}
		else
		{
			out->y = next;
			next += out->n_rows;
		}
		if (out->n_attr == 0)
		{
			out->s = next;
			next += out->n_rows;
		}
		else
		{
			out->codes = next;
			next += (size_t) out->n_rows * 4 * out->n_attr;
		}
		out->stratum = out->uses_strata ? next : NULL;
		if (out->uses_strata)
			next += (size_t) out->n_rows * 4;
		out->w = out->config.weighted ? next : NULL;
	}

	if (!rows_valid(out, err))
	{
		st = err->status;
		goto fail;
	}
	return FG_OK;

fail:
	fg_state_view_release(env, out);
	return st;
}

/* ---------- combining ---------- */

fg_status
fg_state_config_check_equal(const fg_state_config *a, const fg_state_config *b, fg_error *err)
{
	const char *what = NULL;
	const fg_option_def *differs = fg_options_first_difference(&a->opt, &b->opt);

	if (differs != NULL)
		what = differs->type == FG_OPTION_METHOD ? "method"
			: (differs->flags & FG_OPTION_ARGUMENT) ? "rho or lambda" : "options";
	else if (a->has_c != b->has_c)
		what = "options";
	else if (a->y_kind != b->y_kind || a->s_kind != b->s_kind || a->strata_kind != b->strata_kind ||
			 a->s_array != b->s_array || a->weighted != b->weighted)
		what = "argument types";
	else if (a->has_options != b->has_options || a->options_len != b->options_len ||
			 (a->options_len > 0 && memcmp(a->options, b->options, a->options_len) != 0))
		what = "options";
	else if (a->n_rhos != b->n_rhos ||
			 (a->n_rhos > 0 && memcmp(a->rhos, b->rhos, sizeof(double) * a->n_rhos) != 0))
		what = "rhos";
	else if (a->n_feature_names != b->n_feature_names)
		what = "feature names";
	else
		for (int j = 0; j < a->n_feature_names; j++)
			if (strcmp(a->feature_names[j], b->feature_names[j]) != 0)
				what = "feature names";
	if (what == NULL)
		return FG_OK;
	return fg_fail(err, FG_ERR_INVALID,
				   "rho, lambda and options must be the same for every row of a fit",
				   "Use GROUP BY to fit several models with different settings.",
				   "Two parts of one parallel fit differ in their %s.", what);
}

size_t
fg_state_append_memory(const fg_train *train, const fg_state_view *view)
{
	fg_train	probe = *train;	/* a shallow copy: only its counts are read */
	size_t		bytes;

	if (view->sums || view->dictionaries)
	{
		/* no rows: the dictionaries, and the sums with room for every stratum doubled */
		uint64_t	strata = (uint64_t) (train->stream ? train->stream->cap : 0) +
			view->n_strata + 16;

		bytes = fg_train_memory(train) + (view->dictionaries ? 0 :
			fg_stream_memory(view->p, (uint32_t) (strata * 2 > UINT32_MAX ? UINT32_MAX : strata * 2)));
		if (view->uses_strata && view->n_strata > 0)
			bytes += fg_dict_growth_bound(&train->dict, view->n_strata,
										  view->key_offsets[view->n_strata]);
		for (uint32_t k = 0; k < view->n_attr; k++)
			bytes += fg_dict_growth_bound(&train->attrs[k], view->n_cats[k],
										  view->attr_offsets[k][view->n_cats[k]]) + 1024;
		return bytes;
	}

	/* a state that has no rows yet takes the view's number of features */
	if (probe.p < 0 && view->p >= 0)
		fg_train_set_p(&probe, view->p, NULL);
	bytes = fg_train_memory_after(&probe, view->n_rows);

	/* the dictionary may take every new key, and its arrays double as they grow */
	if (view->uses_strata && view->n_strata > 0)
		bytes += fg_dict_growth_bound(&train->dict, view->n_strata,
									  view->key_offsets[view->n_strata]);
	/* codes instead of the binary column, and the labels' dictionaries */
	if (view->n_attr > 0 && train->n_attr == 0)
		bytes += (size_t) (probe.n_rows + view->n_rows) * 4 * view->n_attr;
	for (uint32_t k = 0; k < view->n_attr; k++)
		bytes += fg_dict_growth_bound(&train->attrs[k], view->n_cats[k],
									  view->attr_offsets[k][view->n_cats[k]]) + 1024;
	return bytes;
}

/* The labels of the view's attributes (or its binary values) in train's dictionaries. */
static fg_status
append_labels(fg_train *train, const fg_state_view *view, fg_error *err)
{
	fg_status	st;

	if (view->n_attr > 0)
	{
		if ((st = fg_train_use_codes(train, view->n_attr, err)) != FG_OK)
			return st;
		for (uint32_t k = 0; k < view->n_attr; k++)
			for (uint32_t i = 0; i < view->n_cats[k]; i++)
				if (fg_train_intern_label(train, k, view->attr_keys[k] + view->attr_offsets[k][i],
										  (size_t) (view->attr_offsets[k][i + 1] -
													view->attr_offsets[k][i]), err) < 0)
					return err->status;
		return FG_OK;
	}
	if (train->n_attr == 0)
	{
		train->s_seen[0] |= view->s_seen[0];
		train->s_seen[1] |= view->s_seen[1];
		return FG_OK;
	}
	if (train->n_attr != 1)
		return fg_fail(err, FG_ERR_INVALID, "sensitive arrays have different lengths", NULL,
					   "A part has 1 attribute; the state has %u.", train->n_attr);
	for (int v = 0; v < 2; v++)
		if (view->s_seen[v])
		{
			uint8_t		key[INT_KEY_LEN];

			fg_key_from_int64(v, key);
			if (fg_train_intern_label(train, 0, key, INT_KEY_LEN, err) < 0)
				return err->status;
		}
	return FG_OK;
}

/* fg_state_append of a view of sums: the dictionaries, then Chan's merge. */
static fg_status
append_sums(fg_train *train, const fg_state_view *view, fg_error *err)
{
	int			p = view->p;
	size_t		w = (size_t) p + 1;
	uint32_t	n = view->uses_strata ? view->n_strata : 0;
	uint32_t   *remap = NULL;
	const uint8_t *d = view->sums_data;
	fg_stream	src;
	fg_status	st;

	memset(&src, 0, sizeof(src));
	if ((st = append_labels(train, view, err)) != FG_OK ||
		(st = fg_train_stream_ready(train, err)) != FG_OK)
		return st;
	if (n > 0)
	{
		remap = fg_alloc(train->env, sizeof(uint32_t) * n);
		if (remap == NULL)
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		for (uint32_t i = 0; i < n; i++)
		{
			int64_t		idx = fg_dict_intern(&train->dict, view->keys + view->key_offsets[i],
											 (size_t) (view->key_offsets[i + 1] - view->key_offsets[i]),
											 err);

			if (idx < 0)
			{
				fg_release(train->env, remap);
				return err->status;
			}
			remap[i] = (uint32_t) idx;
		}
	}
	if ((st = fg_stream_init(&src, train->env, p, view->uses_strata, err)) != FG_OK ||
		(n > 0 && (st = fg_stream_set_strata(&src, n, err)) != FG_OK))
		goto done;
	src.y_min = fg_le_load_f64(d);
	src.y_max = fg_le_load_f64(d + 8);
	d += 16;
	for (size_t j = 0; j < w; j++, d += 8)
		src.mean[j] = fg_le_load_f64(d);
	for (size_t i = 0; i < w; i++)
		for (size_t j = i; j < w; j++, d += 8)
			src.m2[i * w + j] = fg_le_load_f64(d);
	for (int j = 0; j < p; j++, d += 8)
		src.amax[j] = fg_le_load_f64(d);
	for (size_t j = 0; j < w; j++, d += 8)
		src.shift[j] = fg_le_load_f64(d);
	for (size_t j = 0; j < w; j++, d += 8)
		src.tot[j] = fg_le_load_f64(d);
	for (uint32_t g = 0; g < n; g++)
	{
		src.s_rows[g] = fg_le_load_f64(d);
		d += 8;
		for (size_t j = 0; j < w; j++, d += 8)
			src.s_sum[(size_t) g * w + j] = fg_le_load_f64(d);
	}
	src.n = view->n_rows;
	if ((st = fg_stream_merge(train->stream, &src, remap, n, err)) == FG_OK)
	{
		train->n_rows += view->n_rows;
		train->n_skipped += view->n_skipped;
	}
done:
	fg_stream_free(&src);
	fg_release(train->env, remap);
	return st;
}

fg_status
fg_state_append(fg_train *train, const fg_state_view *view, fg_error *err)
{
	uint32_t   *attr_remap[FG_MAX_ATTRIBUTES];
	uint32_t   *remap = NULL;
	uint64_t	base = train->n_rows;
	fg_status	st;

	if (train->uses_strata != view->uses_strata)
		return fg_fail(err, FG_ERR_INVALID, "cannot merge training states of different methods",
					   NULL, NULL);
	if (train->weighted != view->config.weighted)
		return fg_fail(err, FG_ERR_INVALID, "cannot merge weighted and unweighted training states",
					   NULL, NULL);
	if (train->gaussian != (view->config.opt.family == FG_FAMILY_GAUSSIAN))
		return fg_fail(err, FG_ERR_INVALID, "cannot merge training states of different families",
					   NULL, NULL);
	if (view->sums != train->stream_on)
		return fg_fail(err, FG_ERR_INVALID, "cannot merge least-squares sums with training rows",
					   NULL, NULL);
	if (view->dictionaries != train->dicts_only)
		return fg_fail(err, FG_ERR_INVALID, "cannot merge dictionaries with training rows",
					   NULL, NULL);
	if (view->dictionaries)
	{
		/* the labels and strata the rows had; their count */
		if (view->p >= 0 && (st = fg_train_set_p(train, view->p, err)) != FG_OK)
			return st;
		if ((st = append_labels(train, view, err)) != FG_OK)
			return st;
		for (uint32_t i = 0; view->uses_strata && i < view->n_strata; i++)
			if (fg_dict_intern(&train->dict, view->keys + view->key_offsets[i],
							   (size_t) (view->key_offsets[i + 1] - view->key_offsets[i]),
							   err) < 0)
				return err->status;
		train->n_forgotten += view->n_rows;
		train->n_skipped += view->n_skipped;
		return FG_OK;
	}
	if (view->p < 0 || view->n_rows == 0)
	{
		train->n_skipped += view->n_skipped;
		if (view->sums && train->n_attr == 0 && view->n_attr == 0)
		{
			train->s_seen[0] |= view->s_seen[0];
			train->s_seen[1] |= view->s_seen[1];
		}
		return FG_OK;
	}
	if ((st = fg_train_set_p(train, view->p, err)) != FG_OK)
		return st;
	if (view->sums)
		return append_sums(train, view, err);
	if (view->uses_strata)
	{
		remap = fg_alloc(train->env, sizeof(uint32_t) * (view->n_strata ? view->n_strata : 1));
		if (remap == NULL)
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		for (uint32_t i = 0; i < view->n_strata; i++)
		{
			int64_t		idx = fg_dict_intern(&train->dict, view->keys + view->key_offsets[i],
											 (size_t) (view->key_offsets[i + 1] - view->key_offsets[i]),
											 err);

			if (idx < 0)
			{
				fg_release(train->env, remap);
				return err->status;
			}
			remap[i] = (uint32_t) idx;
		}
	}
	if (view->n_attr > 0 && (st = fg_train_use_codes(train, view->n_attr, err)) != FG_OK)
	{
		fg_release(train->env, remap);
		return st;
	}
	memset(attr_remap, 0, sizeof(attr_remap));
	st = FG_OK;
	for (uint32_t k = 0; k < view->n_attr; k++)
	{
		attr_remap[k] = fg_alloc(train->env, sizeof(uint32_t) * (view->n_cats[k] ? view->n_cats[k] : 1));
		if (attr_remap[k] == NULL)
			st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		for (uint32_t i = 0; st == FG_OK && i < view->n_cats[k]; i++)
		{
			int64_t		idx = fg_train_intern_label(train, k, view->attr_keys[k] + view->attr_offsets[k][i],
													(size_t) (view->attr_offsets[k][i + 1] - view->attr_offsets[k][i]),
													err);

			if (idx < 0)
				st = err->status;
			else
				attr_remap[k][i] = (uint32_t) idx;
		}
		if (st != FG_OK)
			break;
	}
	if (st == FG_OK)
		st = fg_train_reserve(train, view->n_rows, err);
	if (st == FG_OK)
		st = fg_train_put_sensitive(train, base, view->n_rows, view->n_attr, view->s, NULL,
									view->codes, attr_remap, err);
	for (uint32_t k = 0; k < view->n_attr; k++)
		fg_release(train->env, attr_remap[k]);
	if (st != FG_OK)
	{
		fg_release(train->env, remap);
		return st;
	}
	if (view->w != NULL)
	{
		if (fg_host_is_little_endian())
			memcpy(train->w + base, view->w, (size_t) view->n_rows * 8);
		else
			for (uint64_t l = 0; l < view->n_rows; l++)
				train->w[base + l] = fg_le_load_f64(view->w + 8 * l);
	}

	if (view->p > 0)
	{
		size_t		p = (size_t) view->p;
		uint64_t	R = (uint64_t) 1 << train->chunk_shift;
		uint64_t	done = 0;

		while (done < view->n_rows)
		{
			uint64_t	d = base + done;
			uint64_t	run = R - (d & (R - 1));
			double	   *dst;
			const uint8_t *src = view->x + (size_t) done * p * 8;

			if (run > view->n_rows - done)
				run = view->n_rows - done;
			dst = fg_train_row(train, d);
			if (fg_host_is_little_endian())
				memcpy(dst, src, (size_t) run * p * 8);
			else
				for (size_t i = 0; i < (size_t) run * p; i++)
					dst[i] = fg_le_load_f64(src + 8 * i);
			done += run;
		}
	}
	if (view->y_real != NULL)
	{
		if (fg_host_is_little_endian())
			memcpy(train->y_real + base, view->y_real, (size_t) view->n_rows * 8);
		else
			for (uint64_t l = 0; l < view->n_rows; l++)
				train->y_real[base + l] = fg_le_load_f64(view->y_real + 8 * l);
	}
	else
		memcpy(train->y + base, view->y, (size_t) view->n_rows);
	if (view->uses_strata)
		for (uint64_t l = 0; l < view->n_rows; l++)
			train->stratum[base + l] = remap[fg_le_load(view->stratum + 4 * l, 4)];
	fg_release(train->env, remap);
	train->n_rows += view->n_rows;
	train->n_skipped += view->n_skipped;
	return FG_OK;
}
