/*
 * fuzz_state_format.c -- fuzzes fg_state_decode, the decoder of the
 * serialised fairglmm_fit state that parallel workers hand to the leader
 * (fairglmm_fit_deserialfn), and fg_state_append, which the combine step
 * runs on what the decoder accepted.
 *
 * Each input is decoded twice: as it is, which exercises the header and
 * checksum checks, and "resealed" (the header's total length and the CRC-32C
 * rewritten to match), so that mutations reach the body parser instead of
 * dying at the checksum.  What the decoder promises, and this harness checks:
 *
 *   - it never reads outside the input or misuses memory (ASan, UBSan);
 *   - it fails only with FG_ERR_CORRUPT and a complete message;
 *   - it releases everything on failure (and fg_state_view_release of the
 *     zeroed view is then harmless), and fg_state_view_release everything on
 *     success (the counting allocator is back at zero);
 *   - no allocation is out of proportion to the input: counts are checked
 *     against the bytes present before anything is sized from them;
 *   - an accepted view is what state_format.h describes: row data inside the
 *     input and filling it exactly, labels and sensitive values 0 or 1 (or a
 *     finite double y a row for the gaussian family),
 *     codes below their attribute's number of categories, label lengths
 *     valid for the argument type, weights finite and positive, stratum
 *     indices below n_strata, finite features, key offsets that add up, as
 *     many feature names as features;
 *   - an accepted state appends to an empty training state (and a second
 *     time to the result, as the combine of two workers does) without
 *     error, row for row, within fg_state_append_memory's estimate;
 *   - it round-trips: encoding the appended rows with the decoded settings
 *     and decoding that again gives an equal view.  state_format.h does not
 *     promise a canonical encoding (so equal bytes are not required), only
 *     that the settings and rows survive;
 *   - when allocation number k fails, the decoder returns FG_ERR_NOMEM and
 *     leaks nothing.
 */
#include "fuzz.h"
#include "model_format.h"
#include "options.h"
#include "state_format.h"
#include "../le_bytes.h"
#include "../splitmix.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * byte offsets of the fixed fields (state_format.c's layout, version 3); the
 * options block starts at 27, the values of the options inside it are found
 * with option_value_offset(), and the feature names follow the block (so
 * their offsets move with the options table)
 */
#define OFF_MAGIC		0
#define OFF_VERSION		4
#define OFF_BOM			6
#define OFF_FLAGS		8
#define OFF_Y_KIND		20
#define OFF_S_KIND		21
#define OFF_S_ARRAY		22
#define OFF_STRATA_KIND	23
#define OFF_USES_STRATA	24
#define OFF_HAS_OPTIONS	25
#define OFF_WEIGHTED	26
#define OFF_OPTIONS		27
#define OFF_METHOD		37
#define OFF_N_NAMES		(OFF_OPTIONS + fg_options_block_size())
#define OFF_NAMES		(OFF_N_NAMES + 4)

/* The decoder's allocations are bounded by the input size; this is generous. */
#define ALLOC_BOUND(len)	(4 * (len) + 1024)

#define CORRUPT_MESSAGE		"invalid fairglmm training state"

/* Make the header's length and the checksum agree with the bytes. */
static void
check_error(const fg_error *err, fg_status st, fg_status expected)
{
	size_t		n;

	if (st != expected)
		fuzz_die("decoder returned status %d, expected %d (%s: %s)",
				 (int) st, (int) expected, err->message, err->detail);
	if (err->status != st)
		fuzz_die("error status %d differs from the returned %d", (int) err->status, (int) st);
	if (err->message[0] == '\0')
		fuzz_die("an error without a message");
	if (st != FG_ERR_CORRUPT)
		return;
	if (strcmp(err->message, CORRUPT_MESSAGE) != 0)
		fuzz_die("unexpected message for corrupt bytes: \"%s\"", err->message);
	n = strlen(err->detail);
	if (n == 0 || err->detail[n - 1] != '.')
		fuzz_die("error detail is not a full sentence: \"%s\"", err->detail);
	if (err->hint[0] == '\0')
		fuzz_die("a corrupt state without the hint");
}

/* ---------- what an accepted state must be ---------- */

static bool
inside(const uint8_t *p, size_t n, const uint8_t *bytes, size_t len)
{
	return p >= bytes && (size_t) (p - bytes) <= len && n <= len - (size_t) (p - bytes);
}

static void
check_view(const fg_state_view *v, const uint8_t *bytes, size_t len)
{
	const fg_state_config *c = &v->config;
	size_t		p = v->p > 0 ? (size_t) v->p : 0;
	size_t		n = (size_t) v->n_rows;
	const uint8_t *end = bytes + len - TRAILER_SIZE;
	const uint8_t *rows_end;
	bool		gaussian = c->opt.family == FG_FAMILY_GAUSSIAN;

	if (fg_method_name(c->opt.method) == NULL ||
		v->uses_strata != fg_options_collects_strata(&c->opt))
		fuzz_die("accepted method %d with strata flag %d", (int) c->opt.method, v->uses_strata);
	if ((c->y_kind != FG_ARG_BOOL && c->y_kind != FG_ARG_INT && c->y_kind != FG_ARG_FLOAT8 &&
		 c->y_kind != FG_ARG_NUMERIC) || c->s_kind < FG_ARG_BOOL ||
		c->s_kind > FG_ARG_TEXT || c->strata_kind < FG_STRATA_INT4 ||
		c->strata_kind > FG_STRATA_TEXT)
		fuzz_die("accepted argument kinds %d, %d, %d", (int) c->y_kind, (int) c->s_kind,
				 (int) c->strata_kind);
	if (c->has_c ? !isfinite(c->opt.c) : !isnan(c->opt.c))
		fuzz_die("accepted constraint bound %g with has_c %d", c->opt.c, c->has_c);
	if (v->p < -1 || v->p > FG_MODEL_MAX_P || (v->p == -1 && v->n_rows != 0))
		fuzz_die("accepted p = %d with %llu rows", v->p, (unsigned long long) v->n_rows);
	if (c->n_feature_names < -1 || c->n_feature_names > FG_MODEL_MAX_P ||
		(v->p >= 0 && c->n_feature_names >= 0 && c->n_feature_names != v->p))
		fuzz_die("accepted %d feature names for p = %d", c->n_feature_names, v->p);
	for (int j = 0; j < c->n_feature_names; j++)
		if (strlen(c->feature_names[j]) == 0 || strlen(c->feature_names[j]) > FG_MODEL_MAX_NAME_LEN)
			fuzz_die("feature name %d has length %zu", j, strlen(c->feature_names[j]));
	if (!c->has_options && c->options_len != 0)
		fuzz_die("option bytes without the options flag");
	{
		fg_error	err;

		if (fg_options_check(&c->opt, &err) != FG_OK)
			fuzz_die("accepted settings that fail the options check: %s", err.message);
	}
	if (c->options_len > 0 && !inside(c->options, c->options_len, bytes, len - TRAILER_SIZE))
		fuzz_die("the option bytes are not inside the input");

	/* the dictionary */
	if (!v->uses_strata && (v->n_strata != 0 || v->key_offsets != NULL))
		fuzz_die("a state without strata has %u strata", v->n_strata);
	if (v->n_strata > FG_MODEL_MAX_STRATA)
		fuzz_die("accepted %u strata", v->n_strata);
	if (v->uses_strata)
	{
		if (v->key_offsets == NULL || v->key_offsets[0] != 0)
			fuzz_die("the key offsets do not start at 0");
		for (uint32_t i = 0; i < v->n_strata; i++)
		{
			uint64_t	klen = v->key_offsets[i + 1] - v->key_offsets[i];

			if (v->key_offsets[i + 1] < v->key_offsets[i] ||
				(c->strata_kind == FG_STRATA_TEXT ? klen > FG_MODEL_MAX_KEY_LEN : klen != 8))
				fuzz_die("stratum key %u has length %lld", i,
						 (long long) (v->key_offsets[i + 1] - v->key_offsets[i]));
		}
		if (v->key_offsets[v->n_strata] > 0 &&
			!inside(v->keys, (size_t) v->key_offsets[v->n_strata], bytes, len - TRAILER_SIZE))
			fuzz_die("the stratum keys are not inside the input");
	}

	/* the coded attributes' dictionaries */
	if (v->n_attr > (c->s_array ? FG_MAX_ATTRIBUTES : c->s_kind == FG_ARG_BOOL ? 0 : 1))
		fuzz_die("accepted %u attributes (array %d, kind %d)", v->n_attr, c->s_array,
				 (int) c->s_kind);
	if (v->n_attr == 0 && n > 0 && (c->s_array || c->s_kind == FG_ARG_TEXT))
		fuzz_die("accepted rows of a coded attribute without codes");
	for (uint32_t k = 0; k < FG_MAX_ATTRIBUTES; k++)
	{
		if (k >= v->n_attr)
		{
			if (v->attr_offsets[k] != NULL || v->n_cats[k] != 0)
				fuzz_die("attribute %u of %u has a dictionary", k, v->n_attr);
			continue;
		}
		if (v->n_cats[k] > FG_MAX_CATEGORIES || v->n_cats[k] > n)
			fuzz_die("accepted %u categories for %zu rows", v->n_cats[k], n);
		if (v->attr_offsets[k] == NULL || v->attr_offsets[k][0] != 0)
			fuzz_die("the label offsets of attribute %u do not start at 0", k);
		for (uint32_t i = 0; i < v->n_cats[k]; i++)
		{
			uint64_t	llen = v->attr_offsets[k][i + 1] - v->attr_offsets[k][i];

			if (v->attr_offsets[k][i + 1] < v->attr_offsets[k][i] ||
				(c->s_kind == FG_ARG_TEXT ? llen > FG_MODEL_MAX_KEY_LEN : llen != 8))
				fuzz_die("label %u of attribute %u has length %lld", i, k, (long long) llen);
		}
		if (v->attr_offsets[k][v->n_cats[k]] > 0 &&
			!inside(v->attr_keys[k], (size_t) v->attr_offsets[k][v->n_cats[k]], bytes,
					len - TRAILER_SIZE))
			fuzz_die("the labels of attribute %u are not inside the input", k);
	}

	if (v->dictionaries)
	{
		/* the labels only: no row, no sum, and nothing after the two bytes of values seen */
		if (v->sums || v->x != NULL || v->y != NULL || v->y_real != NULL || v->s != NULL ||
			v->codes != NULL || v->stratum != NULL || v->w != NULL || v->sums_data != NULL)
			fuzz_die("a state of dictionaries has rows or sums");
		return;
	}
	if (v->sums)
	{
		size_t		w = p + 1;
		size_t		doubles = n == 0 ? 0 : 2 + w + w * (w + 1) / 2 + (w - 1) + 2 * w +
			(size_t) v->n_strata * (w + 1);

		if (c->opt.family != FG_FAMILY_GAUSSIAN || c->weighted || c->n_rhos > 0 ||
			(c->opt.method != FG_METHOD_LR && c->opt.method != FG_METHOD_CRLR))
			fuzz_die("accepted sums for settings that keep rows");
		if (v->x != NULL || v->y != NULL || v->y_real != NULL || v->s != NULL ||
			v->codes != NULL || v->stratum != NULL || v->w != NULL)
			fuzz_die("a state of sums has row arrays");
		if (n > 0 && (v->sums_data != end - 8 * doubles || !inside(v->sums_data, 8 * doubles, bytes, len)))
			fuzz_die("the sums are not where they belong");
		for (size_t i = 0; i < doubles; i++)
		{
			uint64_t	bits = get_le(v->sums_data + 8 * i, 8);
			double		d;

			memcpy(&d, &bits, 8);
			if (!isfinite(d))
				fuzz_die("sum %zu is %g", i, d);
		}
		return;
	}

	/* the rows fill the rest of the input exactly */
	if (v->n_rows > len)
		fuzz_die("accepted %llu rows in %zu bytes", (unsigned long long) v->n_rows, len);
	if (!inside(v->x, n * p * 8, bytes, len - TRAILER_SIZE) ||
		(gaussian ? v->y_real != v->x + n * p * 8 || v->y != NULL
		 : v->y != v->x + n * p * 8 || v->y_real != NULL))
		fuzz_die("the row arrays are not where they belong");
	rows_end = v->x + n * p * 8 + n * (gaussian ? 8 : 1);
	if (v->n_attr == 0 ? v->s != rows_end || v->codes != NULL
		: v->codes != rows_end || v->s != NULL)
		fuzz_die("the sensitive values are not where they belong");
	rows_end += v->n_attr == 0 ? n : 4 * n * v->n_attr;
	if (v->uses_strata)
	{
		if (v->stratum != rows_end)
			fuzz_die("the stratum indices are not where they belong");
		rows_end += 4 * n;
	}
	else if (v->stratum != NULL)
		fuzz_die("a state without strata has stratum indices");
	if (c->weighted)
	{
		if (v->w != rows_end)
			fuzz_die("the weights are not where they belong");
		rows_end += 8 * n;
	}
	else if (v->w != NULL)
		fuzz_die("a state without weights has weights");
	if (rows_end != end)
		fuzz_die("the rows end %lld bytes before the trailer", (long long) (end - rows_end));

	for (size_t l = 0; l < n; l++)
	{
		if ((v->y != NULL && v->y[l] > 1) || (v->s != NULL && v->s[l] > 1))
			fuzz_die("row %zu has y = %u, s = %u", l, v->y ? v->y[l] : 0, v->s ? v->s[l] : 0);
		if (v->y_real != NULL)
		{
			uint64_t	bits = get_le(v->y_real + 8 * l, 8);
			double		yr;

			memcpy(&yr, &bits, 8);
			if (!isfinite(yr))
				fuzz_die("row %zu has y = %g", l, yr);
		}
		if (v->uses_strata && get_le(v->stratum + 4 * l, 4) >= v->n_strata)
			fuzz_die("row %zu refers to stratum %llu of %u", l,
					 (unsigned long long) get_le(v->stratum + 4 * l, 4), v->n_strata);
		for (uint32_t k = 0; k < v->n_attr; k++)
			if (get_le(v->codes + 4 * (l * v->n_attr + k), 4) >= v->n_cats[k])
				fuzz_die("row %zu refers to category %llu of %u", l,
						 (unsigned long long) get_le(v->codes + 4 * (l * v->n_attr + k), 4),
						 v->n_cats[k]);
		if (v->w != NULL)
		{
			uint64_t	bits = get_le(v->w + 8 * l, 8);
			double		w;

			memcpy(&w, &bits, 8);
			if (!(isfinite(w) && w > 0))
				fuzz_die("row %zu has weight %g", l, w);
		}
	}
	for (size_t i = 0; i < n * p; i++)
	{
		uint64_t	bits = get_le(v->x + 8 * i, 8);
		double		d;

		memcpy(&d, &bits, 8);
		if (!isfinite(d))
			fuzz_die("feature value %zu is %g", i, d);
	}
}

/* Two views of one state: the same settings, counts, keys and rows. */
static void
check_same(const fg_state_view *a, const fg_state_view *b)
{
	const fg_options *oa = &a->config.opt;
	const fg_options *ob = &b->config.opt;
	fg_error	err;
	size_t		n = (size_t) a->n_rows;
	size_t		p = a->p > 0 ? (size_t) a->p : 0;

	if (fg_state_config_check_equal(&a->config, &b->config, &err) != FG_OK)
		fuzz_die("the re-decoded settings differ: %s", err.detail);
	for (int i = 0; i < fg_option_count; i++)
	{
		const fg_option_def *def = &fg_option_table[i];
		double		x,
					y;

		if (def->size == 0)
			continue;
		if (def->type != FG_OPTION_NUMBER)
		{
			if (fg_option_get_integer(oa, def) != fg_option_get_integer(ob, def))
				fuzz_die("re-decoded option %s differs", def->name);
			continue;
		}
		x = fg_option_get_number(oa, def);
		y = fg_option_get_number(ob, def);
		if (memcmp(&x, &y, 8) != 0)
			fuzz_die("re-decoded option %s differs in its bits", def->name);
	}
	if (a->uses_strata != b->uses_strata || a->p != b->p || a->n_rows != b->n_rows ||
		a->n_skipped != b->n_skipped || a->n_strata != b->n_strata)
		fuzz_die("re-decoded counts differ: p %d/%d, rows %llu/%llu, skipped %llu/%llu, "
				 "strata %u/%u",
				 a->p, b->p, (unsigned long long) a->n_rows, (unsigned long long) b->n_rows,
				 (unsigned long long) a->n_skipped, (unsigned long long) b->n_skipped,
				 a->n_strata, b->n_strata);
	for (uint32_t i = 0; i < a->n_strata; i++)
	{
		size_t		la = (size_t) (a->key_offsets[i + 1] - a->key_offsets[i]);
		size_t		lb = (size_t) (b->key_offsets[i + 1] - b->key_offsets[i]);

		if (la != lb ||
			(la > 0 && memcmp(a->keys + a->key_offsets[i], b->keys + b->key_offsets[i], la) != 0))
			fuzz_die("re-decoded stratum key %u differs", i);
	}
	/*
	 * A state without rows appends nothing, not even its (empty)
	 * dictionaries, so it may come back binary.
	 */
	if (a->n_attr != b->n_attr && n > 0)
		fuzz_die("re-decoded attributes differ: %u/%u", a->n_attr, b->n_attr);
	for (uint32_t k = 0; k < a->n_attr && n > 0; k++)
	{
		if (a->n_cats[k] != b->n_cats[k] ||
			a->attr_offsets[k][a->n_cats[k]] != b->attr_offsets[k][b->n_cats[k]] ||
			memcmp(a->attr_offsets[k], b->attr_offsets[k], 8 * ((size_t) a->n_cats[k] + 1)) != 0 ||
			(a->attr_offsets[k][a->n_cats[k]] > 0 &&
			 memcmp(a->attr_keys[k], b->attr_keys[k], (size_t) a->attr_offsets[k][a->n_cats[k]]) != 0))
			fuzz_die("re-decoded labels of attribute %u differ", k);
	}
	if (a->dictionaries != b->dictionaries ||
		(a->dictionaries && a->n_attr == 0 && b->n_attr == 0 && memcmp(a->s_seen, b->s_seen, 2) != 0))
		fuzz_die("re-decoded states of dictionaries differ");
	if (a->dictionaries)
		return;
	if (a->sums != b->sums || (a->sums && n == 0 && a->n_attr == 0 && b->n_attr == 0 &&
								  memcmp(a->s_seen, b->s_seen, 2) != 0) ||
		(a->sums && n > 0 && memcmp(a->s_seen, b->s_seen, 2) != 0 && a->n_attr == 0))
		fuzz_die("re-decoded kinds of state differ");
	if (a->sums)
	{
		/* the same numbers (a merge into an empty state may turn -0 into 0) */
		size_t		w = p + 1;
		size_t		doubles = n == 0 ? 0 : 2 + w + w * (w + 1) / 2 + (w - 1) + 2 * w +
			(size_t) a->n_strata * (w + 1);

		for (size_t i = 0; i < doubles; i++)
		{
			uint64_t	ba = get_le(a->sums_data + 8 * i, 8),
						bb = get_le(b->sums_data + 8 * i, 8);
			double		da,
						db;

			memcpy(&da, &ba, 8);
			memcpy(&db, &bb, 8);
			if (da != db)
				fuzz_die("re-decoded sum %zu differs: %g / %g", i, da, db);
		}
		return;
	}
	if ((n * p > 0 && memcmp(a->x, b->x, n * p * 8) != 0) ||
		(n > 0 && (a->y == NULL) != (b->y == NULL)) ||
		(n > 0 && a->y != NULL && memcmp(a->y, b->y, n) != 0) ||
		(n > 0 && a->y_real != NULL && memcmp(a->y_real, b->y_real, 8 * n) != 0) ||
		(n > 0 && a->s != NULL && (b->s == NULL || memcmp(a->s, b->s, n) != 0)) ||
		(n > 0 && a->codes != NULL && memcmp(a->codes, b->codes, 4 * n * a->n_attr) != 0) ||
		(n > 0 && a->w != NULL && memcmp(a->w, b->w, 8 * n) != 0) ||
		(a->uses_strata && n > 0 && memcmp(a->stratum, b->stratum, 4 * n) != 0))
		fuzz_die("re-decoded rows differ");
}

/* Append v to t as the combine step does, and check the rows arrived. */
static void
append(fg_train *t, const fg_state_view *v)
{
	fg_error	err;
	size_t		estimate = fg_state_append_memory(t, v);
	uint64_t	base = t->n_rows;
	uint64_t	skipped = t->n_skipped;
	size_t		p = v->p > 0 ? (size_t) v->p : 0;

	uint64_t	forgotten = t->n_forgotten;

	if (fg_state_append(t, v, &err) != FG_OK)
		fuzz_die("an accepted state does not append: %s: %s", err.message, err.detail);
	if (fg_train_memory(t) > estimate)
		fuzz_die("appending took %zu bytes, estimated %zu", fg_train_memory(t), estimate);
	if (v->dictionaries)
	{
		/* the rows read are counted, none is kept, every label arrives */
		if (t->n_rows != 0 || t->n_forgotten != forgotten + v->n_rows ||
			t->n_skipped != skipped + v->n_skipped ||
			(v->uses_strata && t->dict.count < v->n_strata))
			fuzz_die("appending dictionaries gave %llu rows, %llu read",
					 (unsigned long long) t->n_rows, (unsigned long long) t->n_forgotten);
		for (uint32_t k = 0; k < v->n_attr; k++)
			if (t->n_attr != v->n_attr || t->attrs[k].count < v->n_cats[k])
				fuzz_die("appending dictionaries lost labels of attribute %u", k);
		return;
	}
	if (t->n_rows != base + v->n_rows || t->n_skipped != skipped + v->n_skipped)
		fuzz_die("appending gave %llu rows", (unsigned long long) t->n_rows);
	if (v->n_rows == 0)
		return;
	if (t->p != v->p || (v->uses_strata && t->dict.count != v->n_strata))
		fuzz_die("appending gave p = %d and %u strata", t->p, t->dict.count);
	/* t starts empty and gets the same view twice: it is coded when the view is */
	if (t->n_attr != v->n_attr)
		fuzz_die("appending gave %u attributes, the view has %u", t->n_attr, v->n_attr);
	for (uint32_t k = 0; k < v->n_attr; k++)
		if (t->attrs[k].count != v->n_cats[k])
			fuzz_die("appending gave %u labels of attribute %u, the view has %u",
					 t->attrs[k].count, k, v->n_cats[k]);
	if (v->sums)
	{
		if (t->stream == NULL || t->stream->n != t->n_rows)
			fuzz_die("appending sums gave %llu rows of sums",
					 (unsigned long long) (t->stream ? t->stream->n : 0));
		return;
	}
	for (uint64_t l = 0; l < v->n_rows; l++)
	{
		if ((p > 0 && memcmp(fg_train_row(t, base + l), v->x + 8 * p * l, 8 * p) != 0) ||
			(v->y != NULL && t->y[base + l] != v->y[l]) ||
			(v->y_real != NULL && memcmp(&t->y_real[base + l], v->y_real + 8 * l, 8) != 0) ||
			(v->s != NULL && t->s[base + l] != v->s[l]) ||
			(v->w != NULL && memcmp(&t->w[base + l], v->w + 8 * l, 8) != 0))
			fuzz_die("appended row %llu differs", (unsigned long long) l);
		for (uint32_t k = 0; k < v->n_attr; k++)
		{
			uint64_t	i = get_le(v->codes + 4 * (l * v->n_attr + k), 4);
			size_t		llen;
			const uint8_t *lab = fg_dict_key(&t->attrs[k], t->codes[(base + l) * t->n_attr + k],
											 &llen);

			if (llen != v->attr_offsets[k][i + 1] - v->attr_offsets[k][i] ||
				(llen > 0 && memcmp(lab, v->attr_keys[k] + v->attr_offsets[k][i], llen) != 0))
				fuzz_die("appended row %llu has another label of attribute %u",
						 (unsigned long long) l, k);
		}
		if (v->uses_strata)
		{
			uint64_t	g = get_le(v->stratum + 4 * l, 4);
			size_t		klen;
			const uint8_t *k = fg_dict_key(&t->dict, t->stratum[base + l], &klen);

			if (klen != v->key_offsets[g + 1] - v->key_offsets[g] ||
				(klen > 0 && memcmp(k, v->keys + v->key_offsets[g], klen) != 0))
				fuzz_die("appended row %llu has another stratum key", (unsigned long long) l);
		}
	}
}

/* Use what an accepted state offers, the way the combine step does. */
static void
exercise(const fg_state_view *v, const uint8_t *bytes, size_t len)
{
	fg_train	t;
	fg_state_view again;
	fg_error	err;
	fg_status	st;
	uint8_t    *buf;
	size_t		buf_len;

	check_view(v, bytes, len);

	/* a collecting state starts with p unknown, as state_from_config's */
	if (fg_train_init(&t, &fuzz_env, v->uses_strata, -1, &err) != FG_OK ||
		fg_train_set_weighted(&t, v->config.weighted, &err) != FG_OK ||
		fg_train_set_gaussian(&t, v->config.opt.family == FG_FAMILY_GAUSSIAN, &err) != FG_OK ||
		(v->sums && fg_train_set_stream(&t, &err) != FG_OK) ||
		(v->dictionaries && fg_train_set_dictionaries_only(&t, &err) != FG_OK))
		fuzz_die("cannot make a training state: %s", err.message);
	append(&t, v);

	/* rows and settings survive encoding: decode the encoding again */
	if (t.p < 0 && v->p >= 0)
		fg_train_set_p(&t, v->p, NULL);
	buf_len = fg_state_encoded_size(&v->config, &t);
	if (buf_len == 0)
		fuzz_die("an accepted state has no encoded size");
	buf = malloc(buf_len);
	if (buf == NULL)
		fuzz_die("out of memory in the harness");
	st = fg_state_encode(&v->config, &t, buf, buf_len, &err);
	if (st != FG_OK)
		fuzz_die("an accepted state does not encode: %s: %s", err.message, err.detail);
	st = fg_state_decode(&fuzz_env, buf, buf_len, &again, &err);
	if (st != FG_OK)
		fuzz_die("a re-encoded state does not decode: %s", err.detail);
	check_same(v, &again);
	fg_state_view_release(&fuzz_env, &again);
	free(buf);

	/* a second worker with the same keys: the dictionary is reused */
	append(&t, v);
	fg_train_free(&t);
}

void
fuzz_decode(const uint8_t *bytes, size_t len)
{
	fg_state_view v;
	fg_error	err;
	fg_status	st;
	long		allocs;

	fuzz_env_reset(-1);
	memset(&err, 0, sizeof(err));
	st = fg_state_decode(&fuzz_env, bytes, len, &v, &err);
	allocs = fuzz_env_count();
	if (fuzz_env_largest() > ALLOC_BOUND(len))
		fuzz_die("allocation of %zu bytes for a %zu-byte input", fuzz_env_largest(), len);
	if (st != FG_OK)
	{
		check_error(&err, st, FG_ERR_CORRUPT);
		if (fuzz_env_live() != 0)
			fuzz_die("%ld allocations leaked by a failed decode", fuzz_env_live());
		fg_state_view_release(&fuzz_env, &v);	/* what the unit tests do */
		return;
	}

	exercise(&v, bytes, len);
	fg_state_view_release(&fuzz_env, &v);
	if (fuzz_env_live() != 0)
		fuzz_die("%ld allocations leaked by decode + use + release", fuzz_env_live());

	/*
	 * Fail each allocation in turn (the first and last few when there are
	 * many): the decoder must report NOMEM and free what it had.
	 */
	for (long k = 0; k < allocs; k++)
	{
		if (allocs > 24 && k == 16)
			k = allocs - 8;
		fuzz_env_reset(k);
		memset(&err, 0, sizeof(err));
		st = fg_state_decode(&fuzz_env, bytes, len, &v, &err);
		if (st != FG_ERR_NOMEM)
			fuzz_die("allocation %ld of %ld failed but the decoder returned %d",
					 k, allocs, (int) st);
		check_error(&err, st, FG_ERR_NOMEM);
		if (fuzz_env_live() != 0)
			fuzz_die("%ld allocations leaked after allocation %ld failed",
					 fuzz_env_live(), k);
		fg_state_view_release(&fuzz_env, &v);
	}
}

/* ---------- seeds ---------- */

static uint64_t rng_state = 20240611;

typedef struct seed_spec
{
	const char *name;
	fg_method	method;
	int			p;				/* -1: no row seen (only skipped ones) */
	uint32_t	n_rows;
	fg_strata_kind strata_kind;
	uint32_t	n_keys;			/* distinct stratum keys, cycled over the rows */
	int			key_len;		/* text keys: 0 = varied short keys */
	int			n_names;		/* -1: none; else p names (or this many when p = -1) */
	int			name_len;		/* 0 = short names */
	bool		has_c;
	int			options;		/* -1: no options; else that many option bytes */
	fg_arg_kind y_kind;
	fg_arg_kind s_kind;
	/*
	 * coded sensitive attributes: n_attr 0 keeps s binary; a scalar integer
	 * attribute (n_attr 1, !s_array) starts binary and switches to codes
	 * half-way, as the SQL layer does at the first value not 0 or 1
	 */
	uint32_t	n_attr;
	bool		s_array;
	uint32_t	n_cats;			/* distinct labels per attribute, cycled */
	bool		weighted;
	bool		gaussian;		/* a continuous y (the gaussian family) */
	bool		sums;			/* least-squares sums instead of rows (stream.h) */
} seed_spec;

#define B FG_ARG_BOOL
#define I FG_ARG_INT
#define I8 FG_ARG_INT8
#define T FG_ARG_TEXT
#define F8 FG_ARG_FLOAT8
#define N FG_ARG_NUMERIC
#define K4 FG_STRATA_INT4
#define K8 FG_STRATA_INT8
#define KT FG_STRATA_TEXT
static const seed_spec specs[] = {
	{"lr_empty", FG_METHOD_LR, -1, 0, K4, 0, 0, -1, 0, false, -1, B, B, 0, false, 0, false, false, false},
	{"lr_p0", FG_METHOD_LR, 0, 5, K4, 0, 0, -1, 0, false, -1, I, B, 0, false, 0, false, false, false},
	{"lr_p1_one_row", FG_METHOD_LR, 1, 1, K8, 0, 0, 1, 0, false, -1, B, I, 0, false, 0, false, false, false},
	{"fair_lr_p3_names_options", FG_METHOD_FAIR_LR, 3, 20, KT, 0, 0, 3, 0, false, 40, B, I, 0, false, 0, false, false, false},
	{"fair_lr_c_empty_options", FG_METHOD_FAIR_LR, 2, 8, K4, 0, 0, -1, 0, true, 0, I, I, 0, false, 0, false, false, false},
	{"crlr_int4", FG_METHOD_CRLR, 3, 30, K4, 6, 0, -1, 0, false, -1, B, B, 0, false, 0, false, false, false},
	{"crlr_int8_p0", FG_METHOD_CRLR, 0, 10, K8, 3, 0, -1, 0, false, 24, B, B, 0, false, 0, false, false, false},
	{"crlr_no_rows_p3", FG_METHOD_CRLR, 3, 0, KT, 0, 0, 3, 0, false, -1, B, B, 0, false, 0, false, false, false},
	{"crlr_empty_names", FG_METHOD_CRLR, -1, 0, K8, 0, 0, 2, 0, false, 16, I, B, 0, false, 0, false, false, false},
	{"fair_crlr_text_names", FG_METHOD_FAIR_CRLR, 2, 25, KT, 5, 0, 2, 0, false, 40, B, I, 0, false, 0, false, false, false},
	{"fair_crlr_c_text", FG_METHOD_FAIR_CRLR, 1, 6, KT, 2, 0, -1, 0, true, -1, I, B, 0, false, 0, false, false, false},
	{"glmm_int8", FG_METHOD_GLMM, 4, 12, K8, 4, 0, -1, 0, false, 32, B, B, 0, false, 0, false, false, false},
	{"fair_glmm_p0_names", FG_METHOD_FAIR_GLMM, 0, 4, KT, 4, 0, 0, 0, false, -1, I, I, 0, false, 0, false, false, false},
	{"long_key", FG_METHOD_CRLR, 1, 2, KT, 2, FG_MODEL_MAX_KEY_LEN, -1, 0, false, -1, B, B, 0, false, 0, false, false, false},
	{"long_name", FG_METHOD_LR, 1, 1, K4, 0, 0, 1, FG_MODEL_MAX_NAME_LEN, false, -1, B, B, 0, false, 0, false, false, false},
	{"many_strata", FG_METHOD_CRLR, 1, 200, K4, 200, 0, -1, 0, false, -1, B, B, 0, false, 0, false, false, false},
	{"many_rows", FG_METHOD_FAIR_LR, 2, 500, K4, 0, 0, -1, 0, false, -1, B, B, 0, false, 0, false, false, false},
	{"wide", FG_METHOD_LR, 64, 4, K4, 0, 0, 64, 0, false, -1, B, B, 0, false, 0, false, false, false},
	/* coded sensitive attributes and weights */
	{"weighted_binary", FG_METHOD_FAIR_LR, 2, 12, K4, 0, 0, -1, 0, false, -1, B, I, 0, false, 0, true, false, false},
	{"weighted_crlr", FG_METHOD_CRLR, 1, 9, K8, 3, 0, 1, 0, false, -1, I, B, 0, false, 0, true, false, false},
	{"int_switched", FG_METHOD_FAIR_LR, 2, 16, K4, 0, 0, -1, 0, false, -1, B, I, 1, false, 4, false, false, false},
	{"int_switched_weighted", FG_METHOD_FAIR_CRLR, 1, 20, K8, 4, 0, -1, 0, false, 24, B, I, 1, false, 5, true, false, false},
	{"int8_codes", FG_METHOD_FAIR_GLMM, 2, 10, KT, 3, 0, 2, 0, false, -1, B, I8, 1, false, 3, false, false, false},
	{"text_two", FG_METHOD_FAIR_LR, 1, 8, K4, 0, 0, -1, 0, true, -1, I, T, 1, false, 2, true, false, false},
	{"text_many", FG_METHOD_FAIR_CRLR, 2, 40, KT, 5, 0, -1, 0, false, -1, B, T, 1, false, 12, true, false, false},
	{"text_long_label", FG_METHOD_FAIR_LR, 1, 4, K4, 0, 0, -1, 0, false, -1, B, T, 1, false, 2, false, false, false},
	{"array_text3", FG_METHOD_FAIR_CRLR, 1, 15, K4, 3, 0, -1, 0, false, -1, B, T, 3, true, 4, true, false, false},
	{"array_int2", FG_METHOD_FAIR_LR, 2, 12, K4, 0, 0, -1, 0, false, 16, B, I, 2, true, 3, false, false, false},
	{"array_bool1", FG_METHOD_FAIR_LR, 1, 6, K4, 0, 0, -1, 0, false, -1, B, B, 1, true, 2, true, false, false},
	{"array_int8_16", FG_METHOD_LR, 0, 5, K4, 0, 0, -1, 0, false, -1, B, I8, 16, true, 2, false, false, false},
	{"coded_no_rows", FG_METHOD_FAIR_LR, 2, 0, K4, 0, 0, -1, 0, false, -1, B, T, 1, false, 0, true, false, false},
	{"many_categories", FG_METHOD_FAIR_LR, 1, 300, K4, 0, 0, -1, 0, false, -1, B, I, 1, false, 250, false, false, false},
	/* the gaussian family: a double y a row, whatever the type of y */
	{"gaussian_lr_float8", FG_METHOD_LR, 3, 20, K4, 0, 0, 3, 0, false, -1, F8, B, 0, false, 0, false, true, false},
	{"gaussian_empty", FG_METHOD_FAIR_LR, -1, 0, K4, 0, 0, -1, 0, false, 16, F8, I, 0, false, 0, false, true, false},
	{"gaussian_crlr_numeric_weighted", FG_METHOD_CRLR, 2, 24, K8, 4, 0, -1, 0, false, 24, N, I, 0, false, 0, true, true, false},
	{"gaussian_int_y_text", FG_METHOD_FAIR_CRLR, 1, 18, KT, 3, 0, -1, 0, false, -1, I, T, 1, false, 4, true, true, false},
	{"gaussian_fair_threshold", FG_METHOD_FAIR_THRESHOLD, 2, 30, K4, 5, 0, 2, 0, false, 32, F8, I, 1, false, 3, false, true, false},
	{"gaussian_c", FG_METHOD_FAIR_LR, 1, 10, K4, 0, 0, -1, 0, true, -1, F8, B, 0, false, 0, false, true, false},
	/* unweighted gaussian lr and crlr: sums instead of rows */
	{"sums_lr", FG_METHOD_LR, 3, 20, K4, 0, 0, 3, 0, false, -1, F8, B, 0, false, 0, false, true, true},
	{"sums_empty", FG_METHOD_CRLR, -1, 0, KT, 0, 0, -1, 0, false, 16, F8, I, 0, false, 0, false, true, true},
	{"sums_crlr_text", FG_METHOD_CRLR, 2, 24, KT, 5, 0, -1, 0, false, 24, N, T, 1, false, 4, false, true, true},
	{"sums_crlr_switch", FG_METHOD_CRLR, 4, 30, K8, 7, 0, -1, 0, false, -1, F8, I, 1, false, 5, false, true, true},
	{"sums_crlr_p0", FG_METHOD_CRLR, 0, 9, K4, 3, 0, -1, 0, false, -1, I, B, 0, false, 0, false, true, true},
	{"binomial_float8_y", FG_METHOD_FAIR_LR, 2, 12, K4, 0, 0, -1, 0, false, -1, F8, B, 0, false, 0, false, false, false},
};
#undef B
#undef I
#undef I8
#undef T
#undef F8
#undef N
#undef K4
#undef K8
#undef KT

/* Settings and rows of a spec; names and options are calloc'd (see free_seed). */
static void
build_seed(const seed_spec *sp, fg_state_config *c, fg_train *t)
{
	bool		strata = fg_method_uses_strata(sp->method);
	int			n_names = sp->n_names < 0 ? -1 : sp->p >= 0 ? sp->p : sp->n_names;
	fg_error	err;
	double	   *x = calloc((size_t) (sp->p > 0 ? sp->p : 0) + 1, sizeof(double));
	uint8_t		key[FG_MODEL_MAX_KEY_LEN];

	memset(c, 0, sizeof(*c));
	fg_options_default(&c->opt);
	c->opt.method = sp->method;
	c->opt.rho = fg_method_is_fair(sp->method) && !sp->has_c ? 0.8 : 0.0;
	c->opt.lambda = strata ? 1.0 : 0.0;
	c->has_c = sp->has_c;
	c->opt.c = sp->has_c ? 0.05 : NAN;
	if (sp->options > 0)
	{
		/* settings other than the defaults, as options would give */
		c->opt.tol = 1e-8;
		c->opt.max_iter = 250;
		c->opt.threshold = 0.4;
		c->opt.l2 = 0.01;
		if (fg_method_is_boosting(sp->method))
		{
			c->opt.q0 = 3;
			c->opt.tol_q = 1e-4;
			c->opt.max_steps = 7;
			c->opt.nu = 0.3;
			c->opt.probes = 11;
			c->opt.seed = 2024;
			c->opt.exact_trace = true;
		}
	}
	c->opt.family = sp->gaussian ? FG_FAMILY_GAUSSIAN : FG_FAMILY_BINOMIAL;
	c->y_kind = sp->y_kind;
	c->s_kind = sp->s_kind;
	c->strata_kind = sp->strata_kind;
	c->n_feature_names = n_names;
	if (n_names > 0)
	{
		c->feature_names = calloc((size_t) n_names, sizeof(char *));
		for (int j = 0; j < n_names; j++)
		{
			int			len = sp->name_len > 0 ? sp->name_len : 12;

			c->feature_names[j] = calloc((size_t) len + 1, 1);
			if (sp->name_len > 0)
				memset(c->feature_names[j], 'n', (size_t) len);
			else
				snprintf(c->feature_names[j], (size_t) len + 1, "feat_%02d\xc3\xa9", j);
		}
	}
	c->has_options = sp->options >= 0;
	if (sp->options > 0)
	{
		/* shaped like the jsonb value it stands for: a varlena header first */
		uint8_t    *o = calloc((size_t) sp->options, 1);

		snprintf((char *) o + 4, (size_t) sp->options - 4, "{\"tol\": 1e-8, \"max_iter\": 250}");
		put_le(o, (uint64_t) sp->options << 2, 4);
		c->options = o;
		c->options_len = (uint32_t) sp->options;
	}

	c->s_array = sp->s_array;
	c->weighted = sp->weighted;
	if (fg_train_init(t, &fuzz_env, strata, sp->p, &err) != FG_OK ||
		fg_train_set_weighted(t, sp->weighted, &err) != FG_OK ||
		fg_train_set_gaussian(t, sp->gaussian, &err) != FG_OK ||
		(sp->sums && fg_train_set_stream(t, &err) != FG_OK))
		fuzz_die("seed %s: %s", sp->name, err.message);
	/* text and arrays are coded from the start, a scalar integer half-way */
	if (sp->n_attr > 0 && (sp->s_array || sp->s_kind == FG_ARG_TEXT) &&
		fg_train_use_codes(t, sp->n_attr, &err) != FG_OK)
		fuzz_die("seed %s: %s", sp->name, err.message);
	for (uint32_t l = 0; l < sp->n_rows; l++)
	{
		uint32_t	g = sp->n_keys > 0 ? l % sp->n_keys : 0;
		size_t		key_len = 0;
		uint8_t		labels[FG_MAX_ATTRIBUTES][FG_MODEL_MAX_KEY_LEN];
		fg_attr_key attrs[FG_MAX_ATTRIBUTES];
		/* the smallest subnormal, a huge one, then ordinary weights */
		double		w = l == 0 ? 4.9e-324 : l == 1 ? 1e300 : 0.25 + (double) (l % 4);

		/* (sums of squares of 1e300 overflow: sums get ordinary values only) */
		for (int j = 0; j < sp->p; j++)
			x[j] = sp->sums ? 10 * splitmix_signed_unit(&rng_state) :
				l == 0 && j == 0 ? -0.0 : l == 1 && j == 0 ? 1e300 :
				l == 2 && j == 0 ? 4.9e-324 : 10 * splitmix_signed_unit(&rng_state);
		if (sp->strata_kind != FG_STRATA_TEXT)
		{
			/* increasing, over the range of the type, negatives included */
			bool		int4 = sp->strata_kind == FG_STRATA_INT4;

			fg_key_from_int64(g == 0 ? (int4 ? INT32_MIN : INT64_MIN) :
							  g + 1 == sp->n_keys ? (int4 ? INT32_MAX : INT64_MAX) :
							  (int64_t) g * 1000003 - 20, key);
			key_len = 8;
		}
		else if (sp->key_len > 0)
		{
			memset(key, 'k', (size_t) sp->key_len);
			key[sp->key_len - 1] = (uint8_t) ('a' + g);
			key_len = (size_t) sp->key_len;
		}
		else if (g > 0)
		{
			/* "" (stratum 0), "a", "b\xc3\xa9", "c23", ... */
			key[0] = (uint8_t) ('a' + g - 1);
			key_len = g;
			for (uint32_t i = 1; i < g; i++)
				key[i] = (uint8_t) ('0' + i % 10);
			if (g == 2)
			{
				memcpy(key + 1, "\xc3\xa9", 2);
				key_len = 3;
			}
		}
		if (sp->n_attr > 0 && t->n_attr == 0 && l >= sp->n_rows / 2 &&
			fg_train_use_codes(t, sp->n_attr, &err) != FG_OK)
			fuzz_die("seed %s: %s", sp->name, err.message);
		for (uint32_t k = 0; k < t->n_attr; k++)
		{
			/* category i of attribute k, spread over the rows */
			uint32_t	i = (l * (k + 1) + k + l / 3) % sp->n_cats;

			if (sp->s_kind == FG_ARG_TEXT)
			{
				/* "", "c1", "c2é", ... and in one seed a label of the longest length */
				size_t		n = i == 0 ? 0 : (size_t) snprintf((char *) labels[k], 16, i % 2 ? "c%u" : "c%u\xc3\xa9", i);

				if (strcmp(sp->name, "text_long_label") == 0 && i == 1)
				{
					memset(labels[k], 'L', FG_MODEL_MAX_KEY_LEN);
					n = FG_MODEL_MAX_KEY_LEN;
				}
				attrs[k].len = n;
			}
			else
			{
				/* the switched integers keep 0 and 1 among their values */
				int64_t		v = i < 2 ? (int64_t) i : i == 2 ? (sp->s_kind == FG_ARG_INT8 ? INT64_MIN : -7)
					: i == 3 ? (sp->s_kind == FG_ARG_INT8 ? INT64_MAX : 1000) : (int64_t) i * 31 - 500;

				fg_key_from_int64(v, labels[k]);
				attrs[k].len = 8;
			}
			attrs[k].bytes = labels[k];
		}
		if (sp->gaussian)
		{
			/* -0.0, the smallest subnormal and a huge value first, then ordinary ones */
			double		y = sp->sums ? 1e5 + 100 * splitmix_signed_unit(&rng_state) :
				l == 0 ? -0.0 : l == 1 ? 4.9e-324 : l == 2 ? -1e300 :
				100 * splitmix_signed_unit(&rng_state);

			if (fg_train_add_row_real(t, x, y, w, (uint8_t) (l % 3 == 1),
									  t->n_attr > 0 ? attrs : NULL, key, key_len, &err) != FG_OK)
				fuzz_die("seed %s: row %u: %s", sp->name, l, err.message);
		}
		else if (fg_train_add_row_ex(t, x, (uint8_t) (splitmix_next(&rng_state) % 2), w,
									 (uint8_t) (l % 3 == 1), t->n_attr > 0 ? attrs : NULL, key,
									 key_len, &err) != FG_OK)
			fuzz_die("seed %s: row %u: %s", sp->name, l, err.message);
	}
	t->n_skipped = sp->n_rows % 4;
	free(x);
}

static void
free_seed(fg_state_config *c, fg_train *t)
{
	for (int j = 0; j < c->n_feature_names; j++)
		free(c->feature_names[j]);
	free(c->feature_names);
	free((void *) c->options);
	fg_train_free(t);
}

/* Where the variable-length parts of an encoding start, found by walking it. */
typedef struct layout
{
	size_t		names;			/* first name length (if any) */
	size_t		options_len;	/* the options length */
	size_t		p;				/* the counts */
	size_t		n_rows;
	size_t		n_skipped;
	size_t		n_strata;
	size_t		key_bytes;
	size_t		key_lens;		/* n_strata u32 */
	size_t		keys;
	size_t		n_attr;			/* coded attributes */
	size_t		n_cats;			/* of the first (when n_attr > 0) */
	size_t		label_bytes;
	size_t		label_lens;
	size_t		labels;
	size_t		x;				/* the rows */
	size_t		y;
	size_t		s;				/* or the codes */
	size_t		stratum;
	size_t		w;
	size_t		end;			/* the trailer */
} layout;

static layout
locate(const uint8_t *buf, const fg_state_config *c, const fg_train *t)
{
	layout		L;
	size_t		o = OFF_NAMES;
	size_t		n = (size_t) t->n_rows;
	size_t		p = t->p > 0 ? (size_t) t->p : 0;

	L.names = o;
	for (int j = 0; j < c->n_feature_names; j++)
		o += 4 + get_le(buf + o, 4);
	L.options_len = o;
	o += 4 + get_le(buf + o, 4);
	o += 4 + 8 * get_le(buf + o, 4);	/* the rhos of a path */
	L.p = o;
	L.n_rows = o + 4;
	L.n_skipped = o + 12;
	L.n_strata = o + 20;
	L.key_bytes = o + 24;
	L.key_lens = o + 32;
	L.keys = L.key_lens + 4 * (size_t) get_le(buf + L.n_strata, 4);
	L.n_attr = L.keys + get_le(buf + L.key_bytes, 8);
	o = L.n_attr + 4;
	L.n_cats = o;
	L.label_bytes = o + 4;
	L.label_lens = o + 12;
	L.labels = L.label_lens;
	for (uint32_t k = 0; k < t->n_attr; k++)
	{
		size_t		lens = o + 12;
		size_t		labels = lens + 4 * (size_t) get_le(buf + o, 4);

		if (k == 0)
			L.labels = labels;
		o = labels + get_le(buf + o + 4, 8);
	}
	L.x = o;
	if (t->stream_on)
	{
		/* the sums section; row fields forged at these offsets land in it */
		size_t		w = p + 1;
		size_t		strata = t->uses_strata ? t->dict.count : 0;

		L.y = L.s = L.stratum = L.w = L.x + 2;
		L.end = L.x + 2 + (n == 0 ? 0 : 8 * (2 + w + w * (w + 1) / 2 + (w - 1) + 2 * w +
											 strata * (w + 1)));
		return L;
	}
	L.y = L.x + 8 * p * n;
	L.s = L.y + n * (t->gaussian ? 8 : 1);
	L.stratum = L.s + n * (t->n_attr > 0 ? 4 * (size_t) t->n_attr : 1);
	L.w = L.stratum + (t->uses_strata ? 4 * n : 0);
	L.end = L.w + (t->weighted ? 8 * n : 0);
	return L;
}

/*
 * Write the damaged copy v (len bytes) of the encoding bytes twice: with the
 * checksum it has ("<base>-<what>") and resealed ("<base>-<what>-sealed"),
 * leaving out either when it is the valid encoding itself.  Frees v.
 */
static void
write_both(const char *dir, const char *base, const char *what,
		   const uint8_t *bytes, size_t orig_len, uint8_t *v, size_t len)
{
	char		name[256];

	for (int seal = 0; seal < 2; seal++)
	{
		if (seal)
			fuzz_reseal(v, len);
		if (len == orig_len && memcmp(v, bytes, len) == 0)
			continue;
		snprintf(name, sizeof(name), "%s-%s%s", base, what, seal ? "-sealed" : "");
		fuzz_seed(dir, name, v, len);
	}
	free(v);
}

/* The first len bytes of bytes (zeros past its end), with patch at at. */
static void
variant(const char *dir, const char *base, const char *what,
		const uint8_t *bytes, size_t orig_len, size_t len,
		size_t at, const uint8_t *patch, size_t patch_len)
{
	uint8_t    *v = calloc(len + 1, 1);

	memcpy(v, bytes, len < orig_len ? len : orig_len);
	if (patch_len > 0 && at + patch_len <= len)
		memcpy(v + at, patch, patch_len);
	write_both(dir, base, what, bytes, orig_len, v, len);
}

static void
field(const char *dir, const char *base, const char *what,
	  const uint8_t *bytes, size_t len, size_t at, uint64_t value, int width)
{
	uint8_t		b[8];

	put_le(b, value, width);
	variant(dir, base, what, bytes, len, len, at, b, (size_t) width);
}

/* The values of two fields of width bytes exchanged. */
static void
swapped(const char *dir, const char *base, const char *what,
		const uint8_t *bytes, size_t len, size_t a, size_t b, int width)
{
	uint8_t    *v = malloc(len);

	memcpy(v, bytes, len);
	memcpy(v + a, bytes + b, (size_t) width);
	memcpy(v + b, bytes + a, (size_t) width);
	write_both(dir, base, what, bytes, len, v, len);
}

static void
cut(const char *dir, const char *base, const char *what,
	const uint8_t *bytes, size_t len, size_t new_len)
{
	variant(dir, base, what, bytes, len, new_len, 0, NULL, 0);
}

/* Where the value of option name lies in an encoding. */
static size_t
option_value_offset(const uint8_t *buf, const char *name)
{
	size_t		at = options_block_value_offset(buf + OFF_OPTIONS, name);

	if (at == 0)
		fuzz_die("option %s not found in a seed", name);
	return OFF_OPTIONS + at;
}

void
fuzz_write_seeds(const char *dir)
{
	for (size_t sp_i = 0; sp_i < sizeof(specs) / sizeof(specs[0]); sp_i++)
	{
		const seed_spec *sp = &specs[sp_i];
		const char *nm = sp->name;
		fg_state_config c;
		fg_train	t;
		fg_error	err;
		uint8_t    *bytes;
		size_t		len;
		layout		L;
		uint64_t	n_rows,
					key_bytes;
		uint32_t	n_strata;
		int32_t		p;
		uint64_t	nan_bits = UINT64_C(0x7FF8000000000000);
		uint64_t	inf_bits = UINT64_C(0x7FF0000000000000);

		build_seed(sp, &c, &t);
		len = fg_state_encoded_size(&c, &t);
		bytes = malloc(len);
		if (len == 0 || bytes == NULL || fg_state_encode(&c, &t, bytes, len, &err) != FG_OK)
			fuzz_die("seed %s does not encode: %s: %s", nm, err.message, err.detail);
		L = locate(bytes, &c, &t);
		if (L.end + TRAILER_SIZE != len)
			fuzz_die("seed %s: layout disagrees with the encoder", nm);
		p = (int32_t) get_le(bytes + L.p, 4);
		n_rows = get_le(bytes + L.n_rows, 8);
		n_strata = (uint32_t) get_le(bytes + L.n_strata, 4);
		key_bytes = get_le(bytes + L.key_bytes, 8);

		/* the valid encoding, which must decode to what was encoded */
		{
			fg_state_view v;

			if (fg_state_decode(&fuzz_env, bytes, len, &v, &err) != FG_OK)
				fuzz_die("seed %s does not decode: %s", nm, err.detail);
			if (fg_state_config_check_equal(&c, &v.config, &err) != FG_OK || v.p != t.p ||
				v.n_rows != t.n_rows || v.n_skipped != t.n_skipped ||
				v.n_strata != (t.uses_strata ? t.dict.count : 0))
				fuzz_die("seed %s decodes to another state", nm);
			fg_state_view_release(&fuzz_env, &v);
		}
		fuzz_seed(dir, nm, bytes, len);

		/* truncations, and one byte more */
		cut(dir, nm, "cut-last", bytes, len, len - 1);
		cut(dir, nm, "cut-half", bytes, len, len / 2);
		cut(dir, nm, "cut-counts", bytes, len, L.p + TRAILER_SIZE);
		cut(dir, nm, "cut-rows", bytes, len, L.x + TRAILER_SIZE);
		cut(dir, nm, "one-more", bytes, len, len + 1);

		/* one flipped byte in the settings and in the rows */
		{
			uint8_t		b = bytes[len / 3] ^ 0x5A;

			variant(dir, nm, "flip", bytes, len, len, len / 3, &b, 1);
			b = bytes[L.x + (L.end - L.x) / 2] ^ 0x81;
			if (L.end > L.x)
				variant(dir, nm, "flip-rows", bytes, len, len, L.x + (L.end - L.x) / 2, &b, 1);
		}

		/* the header */
		field(dir, nm, "magic-model", bytes, len, OFF_MAGIC, 0x4D4C4746u, 4);	/* "FGLM" */
		field(dir, nm, "version-2", bytes, len, OFF_VERSION, FG_STATE_VERSION - 1, 2);
		field(dir, nm, "version-4", bytes, len, OFF_VERSION, FG_STATE_VERSION + 1, 2);
		field(dir, nm, "bom-swapped", bytes, len, OFF_BOM, 0xFFFE, 2);
		field(dir, nm, "flags-1", bytes, len, OFF_FLAGS, 1, 4);
		field(dir, nm, "flags-0", bytes, len, OFF_FLAGS, 0, 4);
		field(dir, nm, "flags-2", bytes, len, OFF_FLAGS, 2, 4);
		field(dir, nm, "total-huge", bytes, len, OFF_TOTAL, UINT64_MAX, 8);

		/* enumerations, flags and options out of range */
		field(dir, nm, "method-0", bytes, len, OFF_METHOD, 0, 1);
		field(dir, nm, "method-past", bytes, len, OFF_METHOD, FG_METHOD_FAIR_THRESHOLD + 1, 1);
		field(dir, nm, "method-other-strata", bytes, len, OFF_METHOD,
			  fg_method_uses_strata(sp->method) ? FG_METHOD_LR : FG_METHOD_CRLR, 1);
		field(dir, nm, "options-count-14", bytes, len, OFF_OPTIONS, 14, 2);
		field(dir, nm, "option-name", bytes, len, OFF_OPTIONS + 3, 'M', 1);
		field(dir, nm, "option-type", bytes, len, OFF_OPTIONS + 9, FG_OPTION_NUMBER, 1);
		for (int i = 0; i < fg_option_count; i++)
		{
			const fg_option_def *def = &fg_option_table[i];
			size_t		at;
			char		what[64];

			if (def->size == 0)
				continue;
			at = option_value_offset(bytes, def->name);
			snprintf(what, sizeof(what), "%s-zero", def->name);
			field(dir, nm, what, bytes, len, at, 0,
				  def->type == FG_OPTION_NUMBER || def->type == FG_OPTION_INTEGER ? 8 : 1);
			if (def->type == FG_OPTION_NUMBER)
			{
				snprintf(what, sizeof(what), "%s-nan", def->name);
				field(dir, nm, what, bytes, len, at, nan_bits, 8);
				snprintf(what, sizeof(what), "%s-minus-one", def->name);
				field(dir, nm, what, bytes, len, at, UINT64_C(0xBFF0000000000000), 8);
			}
		}
		field(dir, nm, "y-kind-0", bytes, len, OFF_Y_KIND, 0, 1);
		field(dir, nm, "y-kind-past", bytes, len, OFF_Y_KIND, FG_ARG_NUMERIC + 1, 1);
		field(dir, nm, "y-kind-text", bytes, len, OFF_Y_KIND, FG_ARG_TEXT, 1);
		field(dir, nm, "y-kind-float8", bytes, len, OFF_Y_KIND, FG_ARG_FLOAT8, 1);
		/* the other family: the rows no longer fill the state */
		field(dir, nm, "family-toggled", bytes, len, option_value_offset(bytes, "family"),
			  !sp->gaussian, 1);
		field(dir, nm, "s-kind-3", bytes, len, OFF_S_KIND, 3, 1);
		field(dir, nm, "strata-kind-0", bytes, len, OFF_STRATA_KIND, 0, 1);
		field(dir, nm, "strata-kind-4", bytes, len, OFF_STRATA_KIND, 4, 1);
		field(dir, nm, "strata-kind-other", bytes, len, OFF_STRATA_KIND,
			  sp->strata_kind == FG_STRATA_TEXT ? FG_STRATA_INT8 : FG_STRATA_TEXT, 1);
		field(dir, nm, "uses-strata-toggled", bytes, len, OFF_USES_STRATA,
			  !fg_method_uses_strata(sp->method), 1);
		field(dir, nm, "has-options-2", bytes, len, OFF_HAS_OPTIONS, 2, 1);
		field(dir, nm, "has-options-toggled", bytes, len, OFF_HAS_OPTIONS, !c.has_options, 1);
		field(dir, nm, "c-toggled", bytes, len, option_value_offset(bytes, "c"),
			  sp->has_c ? nan_bits : UINT64_C(0x3FF0000000000000), 8);
		field(dir, nm, "c-inf", bytes, len, option_value_offset(bytes, "c"), inf_bits, 8);
		field(dir, nm, "threshold-2", bytes, len, option_value_offset(bytes, "threshold"),
			  UINT64_C(0x4000000000000000), 8);
		field(dir, nm, "max-iter-negative", bytes, len, option_value_offset(bytes, "max_iter"),
			  UINT64_MAX, 8);
		field(dir, nm, "seed-past-int", bytes, len, option_value_offset(bytes, "seed"),
			  UINT64_C(0x80000000), 8);
		/* folds: 0 (not given) or 2 to 100 */
		field(dir, nm, "folds-1", bytes, len, option_value_offset(bytes, "folds"), 1, 8);
		field(dir, nm, "folds-101", bytes, len, option_value_offset(bytes, "folds"), 101, 8);
		field(dir, nm, "fold-by-2", bytes, len, option_value_offset(bytes, "fold_by"), 2, 1);

		/* the feature names */
		field(dir, nm, "names-huge", bytes, len, OFF_N_NAMES, 0x7FFFFFFF, 4);
		field(dir, nm, "names-minus2", bytes, len, OFF_N_NAMES, 0xFFFFFFFE, 4);
		field(dir, nm, "names-limit", bytes, len, OFF_N_NAMES, FG_MODEL_MAX_P, 4);
		field(dir, nm, "names-plus1", bytes, len, OFF_N_NAMES,
			  (uint32_t) (c.n_feature_names + 1), 4);
		if (c.n_feature_names > 0)
		{
			field(dir, nm, "names-none", bytes, len, OFF_N_NAMES, 0xFFFFFFFF, 4);
			field(dir, nm, "name-len-huge", bytes, len, L.names, UINT32_MAX, 4);
			field(dir, nm, "name-len-limit", bytes, len, L.names, FG_MODEL_MAX_NAME_LEN + 1, 4);
			field(dir, nm, "name-len-zero", bytes, len, L.names, 0, 4);
			field(dir, nm, "name-len-rest", bytes, len, L.names,
				  (uint32_t) (len - L.names - 4 - TRAILER_SIZE), 4);
			field(dir, nm, "name-nul", bytes, len, L.names + 5, 0, 1);
		}
		if (c.n_feature_names > 1 &&
			strlen(c.feature_names[0]) == strlen(c.feature_names[1]))
		{
			size_t		e = 4 + strlen(c.feature_names[0]);

			/* the second name a copy of the first */
			variant(dir, nm, "name-duplicate", bytes, len, len, L.names + e, bytes + L.names, e);
		}

		/* the options */
		field(dir, nm, "options-len-huge", bytes, len, L.options_len, UINT32_MAX, 4);
		field(dir, nm, "options-len-plus1", bytes, len, L.options_len, c.options_len + 1, 4);
		field(dir, nm, "options-len-rest", bytes, len, L.options_len,
			  (uint32_t) (len - L.options_len - 4 - TRAILER_SIZE), 4);

		/* the counts: huge, at and past the limits, off by one, swapped */
		field(dir, nm, "p-huge", bytes, len, L.p, 0x7FFFFFFF, 4);
		field(dir, nm, "p-unknown", bytes, len, L.p, 0xFFFFFFFF, 4);
		field(dir, nm, "p-minus2", bytes, len, L.p, 0xFFFFFFFE, 4);
		field(dir, nm, "p-limit", bytes, len, L.p, FG_MODEL_MAX_P, 4);
		field(dir, nm, "p-limit-plus1", bytes, len, L.p, FG_MODEL_MAX_P + 1, 4);
		field(dir, nm, "p-plus1", bytes, len, L.p, (uint32_t) (p + 1), 4);
		if (p > 0)
			field(dir, nm, "p-minus1", bytes, len, L.p, (uint32_t) (p - 1), 4);
		field(dir, nm, "rows-huge", bytes, len, L.n_rows, UINT64_MAX, 8);
		field(dir, nm, "rows-wrap", bytes, len, L.n_rows,
			  UINT64_MAX / (8 * (uint64_t) (p > 0 ? p : 0) + 2 + (t.uses_strata ? 4 : 0)) + 1, 8);
		field(dir, nm, "rows-plus1", bytes, len, L.n_rows, n_rows + 1, 8);
		field(dir, nm, "rows-zero", bytes, len, L.n_rows, 0, 8);
		if (n_rows > 0)
			field(dir, nm, "rows-minus1", bytes, len, L.n_rows, n_rows - 1, 8);
		field(dir, nm, "skipped-huge", bytes, len, L.n_skipped, UINT64_MAX, 8);
		swapped(dir, nm, "rows-skipped-swapped", bytes, len, L.n_rows, L.n_skipped, 8);
		swapped(dir, nm, "rows-key-bytes-swapped", bytes, len, L.n_rows, L.key_bytes, 8);
		swapped(dir, nm, "p-strata-swapped", bytes, len, L.p, L.n_strata, 4);
		field(dir, nm, "strata-huge", bytes, len, L.n_strata, UINT32_MAX, 4);
		field(dir, nm, "strata-limit-plus1", bytes, len, L.n_strata, FG_MODEL_MAX_STRATA + 1, 4);
		field(dir, nm, "strata-plus1", bytes, len, L.n_strata, n_strata + 1, 4);
		if (n_strata > 0)
			field(dir, nm, "strata-minus1", bytes, len, L.n_strata, n_strata - 1, 4);
		field(dir, nm, "key-bytes-huge", bytes, len, L.key_bytes, UINT64_MAX, 8);
		field(dir, nm, "key-bytes-plus1", bytes, len, L.key_bytes, key_bytes + 1, 8);
		if (key_bytes > 0)
			field(dir, nm, "key-bytes-minus1", bytes, len, L.key_bytes, key_bytes - 1, 8);

		/* the stratum keys */
		if (n_strata > 0)
		{
			uint32_t	l0 = (uint32_t) get_le(bytes + L.key_lens, 4);

			field(dir, nm, "key-len-huge", bytes, len, L.key_lens, UINT32_MAX, 4);
			field(dir, nm, "key-len-limit-plus1", bytes, len, L.key_lens,
				  FG_MODEL_MAX_KEY_LEN + 1, 4);
			field(dir, nm, "key-len-zero", bytes, len, L.key_lens, 0, 4);
			field(dir, nm, "key-len-plus1", bytes, len, L.key_lens, l0 + 1, 4);
			field(dir, nm, "key-len-all", bytes, len, L.key_lens, (uint32_t) key_bytes, 4);
		}
		if (n_strata > 1)
		{
			uint32_t	l0 = (uint32_t) get_le(bytes + L.key_lens, 4);
			uint32_t	l1 = (uint32_t) get_le(bytes + L.key_lens + 4, 4);

			/* the first two lengths swapped: the keys are cut elsewhere */
			swapped(dir, nm, "key-lens-swapped", bytes, len, L.key_lens, L.key_lens + 4, 4);
			if (l0 == l1 && l0 > 0)
			{
				uint8_t    *two = malloc(2 * (size_t) l0);

				/* the first two keys exchanged (a valid state), and a duplicate */
				memcpy(two, bytes + L.keys + l0, l0);
				memcpy(two + l0, bytes + L.keys, l0);
				variant(dir, nm, "keys-swapped", bytes, len, len, L.keys, two, 2 * (size_t) l0);
				variant(dir, nm, "key-duplicate", bytes, len, len, L.keys + l0, bytes + L.keys, l0);
				free(two);
			}
		}

		/* the rows */
		if (n_rows > 0 && t.gaussian)
		{
			field(dir, nm, "y-nan", bytes, len, L.y, nan_bits, 8);
			field(dir, nm, "y-inf", bytes, len, L.y + 8 * (n_rows - 1), inf_bits, 8);
			field(dir, nm, "y-minus-inf", bytes, len, L.y + 8 * (n_rows / 2),
				  inf_bits | UINT64_C(0x8000000000000000), 8);
		}
		if (n_rows > 0)
		{
			if (!t.gaussian)
				field(dir, nm, "y-2", bytes, len, L.y, 2, 1);
			field(dir, nm, "s-255", bytes, len, L.s + n_rows - 1, 255, 1);
			if (t.uses_strata)
			{
				field(dir, nm, "stratum-past", bytes, len, L.stratum + 4 * (n_rows - 1),
					  n_strata, 4);
				field(dir, nm, "stratum-huge", bytes, len, L.stratum, UINT32_MAX, 4);
			}
			if (p > 0)
			{
				field(dir, nm, "x-nan", bytes, len, L.x, nan_bits, 8);
				field(dir, nm, "x-minus-inf", bytes, len, L.y - 8,
					  inf_bits | UINT64_C(0x8000000000000000), 8);
			}
		}

		/* the coded attributes and the weights */
		field(dir, nm, "attrs-17", bytes, len, L.n_attr, FG_MAX_ATTRIBUTES + 1, 4);
		field(dir, nm, "attrs-huge", bytes, len, L.n_attr, UINT32_MAX, 4);
		field(dir, nm, "attrs-plus1", bytes, len, L.n_attr, t.n_attr + 1, 4);
		field(dir, nm, "s-array-toggled", bytes, len, OFF_S_ARRAY, !c.s_array, 1);
		field(dir, nm, "s-kind-bool", bytes, len, OFF_S_KIND, FG_ARG_BOOL, 1);
		field(dir, nm, "s-kind-text", bytes, len, OFF_S_KIND, FG_ARG_TEXT, 1);
		field(dir, nm, "weighted-toggled", bytes, len, OFF_WEIGHTED, !c.weighted, 1);
		if (t.n_attr > 0)
		{
			uint32_t	cats = (uint32_t) get_le(bytes + L.n_cats, 4);
			uint64_t	label_bytes = get_le(bytes + L.label_bytes, 8);

			field(dir, nm, "attrs-zero", bytes, len, L.n_attr, 0, 4);
			if (t.n_attr > 1)
				field(dir, nm, "attrs-minus1", bytes, len, L.n_attr, t.n_attr - 1, 4);
			field(dir, nm, "cats-huge", bytes, len, L.n_cats, UINT32_MAX, 4);
			field(dir, nm, "cats-limit-plus1", bytes, len, L.n_cats, FG_MAX_CATEGORIES + 1, 4);
			field(dir, nm, "cats-rows-plus1", bytes, len, L.n_cats, (uint32_t) n_rows + 1, 4);
			field(dir, nm, "cats-plus1", bytes, len, L.n_cats, cats + 1, 4);
			field(dir, nm, "cats-zero", bytes, len, L.n_cats, 0, 4);
			if (cats > 0)
				field(dir, nm, "cats-minus1", bytes, len, L.n_cats, cats - 1, 4);
			field(dir, nm, "label-bytes-huge", bytes, len, L.label_bytes, UINT64_MAX, 8);
			field(dir, nm, "label-bytes-plus1", bytes, len, L.label_bytes, label_bytes + 1, 8);
			if (label_bytes > 0)
				field(dir, nm, "label-bytes-minus1", bytes, len, L.label_bytes, label_bytes - 1, 8);
			swapped(dir, nm, "rows-label-bytes-swapped", bytes, len, L.n_rows, L.label_bytes, 8);
			if (cats > 0)
			{
				uint32_t	l0 = (uint32_t) get_le(bytes + L.label_lens, 4);

				field(dir, nm, "label-len-huge", bytes, len, L.label_lens, UINT32_MAX, 4);
				field(dir, nm, "label-len-limit-plus1", bytes, len, L.label_lens,
					  FG_MODEL_MAX_KEY_LEN + 1, 4);
				field(dir, nm, "label-len-plus1", bytes, len, L.label_lens, l0 + 1, 4);
				field(dir, nm, "label-len-7", bytes, len, L.label_lens, 7, 4);
				field(dir, nm, "label-len-all", bytes, len, L.label_lens, (uint32_t) label_bytes, 4);
			}
			if (cats > 1)
			{
				uint32_t	l0 = (uint32_t) get_le(bytes + L.label_lens, 4);
				uint32_t	l1 = (uint32_t) get_le(bytes + L.label_lens + 4, 4);

				swapped(dir, nm, "label-lens-swapped", bytes, len, L.label_lens, L.label_lens + 4, 4);
				if (l0 == l1 && l0 > 0)
				{
					uint8_t    *two = malloc(2 * (size_t) l0);

					/* the first two labels exchanged (a valid state), and a duplicate */
					memcpy(two, bytes + L.labels + l0, l0);
					memcpy(two + l0, bytes + L.labels, l0);
					variant(dir, nm, "labels-swapped", bytes, len, len, L.labels, two, 2 * (size_t) l0);
					variant(dir, nm, "label-duplicate", bytes, len, len, L.labels + l0,
							bytes + L.labels, l0);
					free(two);
				}
			}
			if (n_rows > 0)
			{
				field(dir, nm, "code-past", bytes, len, L.s + 4 * ((size_t) n_rows * t.n_attr - 1),
					  t.attrs[t.n_attr - 1].count, 4);
				field(dir, nm, "code-huge", bytes, len, L.s, UINT32_MAX, 4);
				field(dir, nm, "code-limit", bytes, len, L.s, FG_MAX_CATEGORIES, 4);
			}
		}
		if (t.weighted && n_rows > 0)
		{
			field(dir, nm, "w-negative", bytes, len, L.w, UINT64_C(0xBFF0000000000000), 8);
			field(dir, nm, "w-nan", bytes, len, L.w + 8 * (n_rows - 1), nan_bits, 8);
			field(dir, nm, "w-zero", bytes, len, L.w, 0, 8);
			field(dir, nm, "w-minus-zero", bytes, len, L.w, UINT64_C(0x8000000000000000), 8);
			field(dir, nm, "w-inf", bytes, len, L.w, inf_bits, 8);
		}

		free_seed(&c, &t);
		if (fuzz_env_live() != 0)
			fuzz_die("seed %s leaked %ld allocations", nm, fuzz_env_live());
		/* and passes everything the harness checks */
		fuzz_decode(bytes, len);
		free(bytes);
	}

	/*
	 * states of dictionaries only (fairglmm_train's first pass): binary,
	 * then coded labels, with strata; rows read and forgotten
	 */
	for (int coded = 0; coded < 2; coded++)
	{
		fg_state_config c;
		fg_train	t,
					rows;
		fg_error	err;
		uint8_t    *bytes;
		size_t		len;

		build_seed(&specs[0], &c, &rows);
		fg_train_free(&rows);
		c.weighted = false;
		c.opt.family = FG_FAMILY_BINOMIAL;
		fg_train_init(&t, &fuzz_env, true, 2, &err);
		fg_train_set_dictionaries_only(&t, &err);
		if (coded)
			fg_train_use_codes(&t, 1, &err);
		for (int l = 0; l < 40; l++)
		{
			double		x[2] = {l, -l};
			uint8_t		key[8],
						label[8];
			fg_attr_key attr = {label, 8};

			fg_key_from_int64(l % 7, key);
			fg_key_from_int64(l % 3, label);
			fg_train_add_row_ex(&t, x, (uint8_t) (l % 2), 1.0, (uint8_t) (l % 2),
								coded ? &attr : NULL, key, 8, &err);
			if (l % 16 == 15)
				fg_train_forget_rows(&t);
		}
		fg_train_forget_rows(&t);
		len = fg_state_encoded_size(&c, &t);
		bytes = malloc(len);
		if (len == 0 || bytes == NULL || fg_state_encode(&c, &t, bytes, len, &err) != FG_OK)
			fuzz_die("dictionaries seed does not encode: %s: %s", err.message, err.detail);
		fuzz_seed(dir, coded ? "dictionaries-coded" : "dictionaries-binary", bytes, len);
		fuzz_decode(bytes, len);
		free(bytes);
		fg_train_free(&t);
	}

	/* nothing, a bare header, and a header whose length field is absurd */
	{
		uint8_t		h[HEADER_SIZE + TRAILER_SIZE] = {0x46, 0x47, 0x53, 0x54, FG_STATE_VERSION, 0, 0xff, 0xfe};

		fuzz_seed(dir, "empty", h, 0);
		fuzz_reseal(h, sizeof(h));
		fuzz_seed(dir, "header-only", h, sizeof(h));
		put_le(h + OFF_TOTAL, UINT64_MAX, 8);
		fuzz_seed(dir, "header-total-huge", h, sizeof(h));
	}
}
