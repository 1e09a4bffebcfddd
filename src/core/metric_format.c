/*
 * metric_format.c -- the serialised form of a metric state, in which a
 * parallel worker's partial state travels to the leader.
 *
 *   offset  size  field
 *        0     4  magic "FGMS"
 *        4     2  format version (1)
 *        6     2  byte-order mark 0x0102
 *        8     4  flags (reserved, 0)
 *       12     8  total length in bytes
 *       20     1  kind (fg_metric_kind)      21  1  key kind (fg_group_kind)
 *       22     1  weighted (0/1)             23  1  inexact (0/1)
 *       24     8  weight added (double)
 *       32     4  thresholds t               36  4  doubles per group
 *       40     4  groups                     44  8  rows kept (parity_ks)
 *       52        t thresholds (double, ascending)
 *                 per group: key length (u32), key, rows (i64), the doubles
 *                 per row: score key (u64), group (u32), weight (double, if weighted)
 *      end-4   4  CRC-32C of every byte before it
 *
 * Everything is little-endian whatever the host.  Decoding checks the
 * header, the length and the checksum first, bounds every count by the
 * bytes present before allocating, and checks every value: a state that
 * decodes is one the transition functions could have built.
 */
#include "group_metrics.h"
#include "model_format.h"

#include <math.h>
#include <string.h>

#define HEADER_BYTES 52
#define BYTE_ORDER_MARK 0x0102

/* ---------- little-endian writing ---------- */

typedef struct writer
{
	uint8_t    *p;
} writer;

static void
put_bytes(writer *w, const void *src, size_t n)
{
	if (n > 0)
		memcpy(w->p, src, n);
	w->p += n;
}

static void
put_u8(writer *w, uint8_t v)
{
	*w->p++ = v;
}

static void
put_u16(writer *w, uint16_t v)
{
	put_u8(w, (uint8_t) v);
	put_u8(w, (uint8_t) (v >> 8));
}

static void
put_u32(writer *w, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		put_u8(w, (uint8_t) (v >> (8 * i)));
}

static void
put_u64(writer *w, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		put_u8(w, (uint8_t) (v >> (8 * i)));
}

static void
put_f64(writer *w, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	put_u64(w, bits);
}

/* ---------- little-endian reading, bounds-checked ---------- */

typedef struct reader
{
	const uint8_t *p;
	const uint8_t *end;
	bool		short_read;
} reader;

static bool
have(reader *r, uint64_t n)
{
	if ((uint64_t) (r->end - r->p) < n)
	{
		r->short_read = true;
		return false;
	}
	return true;
}

static uint64_t
get_le(reader *r, int bytes)
{
	uint64_t	v = 0;

	if (!have(r, bytes))
		return 0;
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t) r->p[i] << (8 * i);
	r->p += bytes;
	return v;
}

static double
get_f64(reader *r)
{
	uint64_t	bits = get_le(r, 8);
	double		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* ---------- encoding ---------- */

size_t
fg_metric_encoded_size(const fg_metric_state *st)
{
	const fg_groups *g = &st->groups;
	uint32_t	n = fg_groups_count(g);
	uint64_t	size = HEADER_BYTES + 8 * (uint64_t) st->n_thresholds + 4;
	uint64_t	row_bytes = st->weighted ? 20 : 12;

	size += (uint64_t) n * (4 + 8 + 8 * (uint64_t) g->width) + g->dict.bytes_len;
	if (st->n_rows > (UINT64_MAX - size) / row_bytes)
		return 0;
	size += st->n_rows * row_bytes;
	return size > SIZE_MAX ? 0 : (size_t) size;
}

fg_status
fg_metric_encode(const fg_metric_state *st, uint8_t *buf, size_t len, fg_error *err)
{
	const fg_groups *g = &st->groups;
	uint32_t	n = fg_groups_count(g);
	writer		w = {buf};
	uint32_t	crc;

	if (len == 0 || len != fg_metric_encoded_size(st))
		return fg_fail(err, FG_ERR_INVALID, "wrong buffer length for the metric state", NULL,
					   "The buffer has %zu bytes; the state needs %zu.", len,
					   fg_metric_encoded_size(st));
	put_u32(&w, FG_METRIC_MAGIC);
	put_u16(&w, FG_METRIC_VERSION);
	put_u16(&w, BYTE_ORDER_MARK);
	put_u32(&w, 0);
	put_u64(&w, len);
	put_u8(&w, (uint8_t) st->kind);
	put_u8(&w, (uint8_t) st->key_kind);
	put_u8(&w, st->weighted ? 1 : 0);
	put_u8(&w, st->inexact ? 1 : 0);
	put_f64(&w, st->added_weight);
	put_u32(&w, st->n_thresholds);
	put_u32(&w, g->width);
	put_u32(&w, n);
	put_u64(&w, st->n_rows);
	for (uint32_t i = 0; i < st->n_thresholds; i++)
		put_f64(&w, st->thresholds[i]);
	for (uint32_t i = 0; i < n; i++)
	{
		size_t		klen;
		const uint8_t *key = fg_dict_key(&g->dict, i, &klen);
		const double *s = fg_groups_sums(g, i);

		put_u32(&w, (uint32_t) klen);
		put_bytes(&w, key, klen);
		put_u64(&w, (uint64_t) g->rows[i]);
		for (uint32_t c = 0; c < g->width; c++)
			put_f64(&w, s[c]);
	}
	for (uint64_t r = 0; r < st->n_rows; r++)
	{
		if (st->weighted)
		{
			const fg_ks_wrow *row = (const fg_ks_wrow *) st->rows + r;

			put_u64(&w, row->key);
			put_u32(&w, row->group);
			put_f64(&w, row->weight);
		}
		else
		{
			const fg_ks_row *row = (const fg_ks_row *) st->rows + r;

			put_u64(&w, row->key);
			put_u32(&w, row->group);
		}
	}
	crc = fg_crc32c(0, buf, (size_t) (w.p - buf));
	put_u32(&w, crc);
	return FG_OK;
}

/* ---------- decoding ---------- */

static fg_status
corrupt(fg_error *err, const char *what)
{
	return fg_fail(err, FG_ERR_CORRUPT, "invalid fairglmm metric state",
				   "The state is passed between the processes of one parallel query; it cannot be given directly.",
				   "%s", what);
}

fg_status
fg_metric_decode(fg_metric_state *st, const fg_env *env, const uint8_t *bytes, size_t len,
				 fg_error *err)
{
	reader		r = {bytes, bytes + len, false};
	uint32_t	magic,
				version,
				bom,
				flags,
				n_thresholds,
				width,
				n_groups,
				crc;
	uint64_t	total,
				n_rows;
	int			kind,
				key_kind,
				weighted,
				inexact;
	double		added;
	double	   *thresholds = NULL;
	const uint8_t *thresholds_at;
	uint64_t	per_group,
				row_bytes;
	double		bound,
				row_weights = 0.0;
	int64_t		total_rows = 0;
	fg_status	s;

	memset(st, 0, sizeof(*st));
	if (len < HEADER_BYTES + 4)
		return corrupt(err, "It is shorter than its header.");
	magic = (uint32_t) get_le(&r, 4);
	version = (uint32_t) get_le(&r, 2);
	bom = (uint32_t) get_le(&r, 2);
	flags = (uint32_t) get_le(&r, 4);
	total = get_le(&r, 8);
	if (magic != FG_METRIC_MAGIC)
		return corrupt(err, "It does not start with the magic number.");
	if (version != FG_METRIC_VERSION)
		return corrupt(err, "Its format version is not one this build reads.");
	if (bom != BYTE_ORDER_MARK || flags != 0)
		return corrupt(err, "Its byte-order mark or reserved flags are wrong.");
	if (total != len)
		return corrupt(err, "Its recorded length differs from its size.");
	crc = (uint32_t) bytes[len - 4] | (uint32_t) bytes[len - 3] << 8 |
		(uint32_t) bytes[len - 2] << 16 | (uint32_t) bytes[len - 1] << 24;
	if (crc != fg_crc32c(0, bytes, len - 4))
		return corrupt(err, "Its checksum does not match.");
	r.end = bytes + len - 4;

	kind = (int) get_le(&r, 1);
	key_kind = (int) get_le(&r, 1);
	weighted = (int) get_le(&r, 1);
	inexact = (int) get_le(&r, 1);
	added = get_f64(&r);
	n_thresholds = (uint32_t) get_le(&r, 4);
	width = (uint32_t) get_le(&r, 4);
	n_groups = (uint32_t) get_le(&r, 4);
	n_rows = get_le(&r, 8);
	if (kind < FG_METRIC_COUNTS || kind > FG_METRIC_GAP)
		return corrupt(err, "Its kind is unknown.");
	if (key_kind < FG_GROUP_NONE || key_kind > FG_GROUP_TEXT ||
		(key_kind == FG_GROUP_NONE && n_groups > 0))
		return corrupt(err, "Its key kind is unknown.");
	if (weighted > 1 || inexact > 1 || !(added >= 0.0 && added <= FG_WEIGHT_TOTAL_MAX))
		return corrupt(err, "A flag or the added weight is out of range.");
	if (kind == FG_METRIC_GAP ? (n_thresholds < 1 || n_thresholds > FG_GAP_MAX_THRESHOLDS)
		: n_thresholds != 0)
		return corrupt(err, "The number of thresholds is out of range.");
	if (width != (kind == FG_METRIC_COUNTS ? FG_CM_WIDTH : kind == FG_METRIC_KS ? 1u : 2 + n_thresholds))
		return corrupt(err, "The group record width does not fit the kind.");
	if (kind != FG_METRIC_KS && n_rows != 0)
		return corrupt(err, "Only parity_ks states keep rows.");

	/* bound every count by the bytes present before allocating anything */
	per_group = 4 + 8 + 8 * (uint64_t) width;
	row_bytes = weighted ? 20 : 12;
	if (!have(&r, 8 * (uint64_t) n_thresholds))
		return corrupt(err, "It is too short for its thresholds.");
	thresholds_at = r.p;
	r.p += 8 * (size_t) n_thresholds;
	if ((uint64_t) (r.end - r.p) / per_group < n_groups)
		return corrupt(err, "It is too short for its groups.");
	if ((uint64_t) (r.end - r.p) / row_bytes < n_rows)
		return corrupt(err, "It is too short for its rows.");

	if (n_thresholds > 0)
	{
		reader		tr = {thresholds_at, thresholds_at + 8 * (size_t) n_thresholds, false};

		thresholds = fg_alloc(env, sizeof(double) * n_thresholds);
		if (thresholds == NULL)
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		for (uint32_t i = 0; i < n_thresholds; i++)
		{
			thresholds[i] = get_f64(&tr);
			if (!isfinite(thresholds[i]) || (i > 0 && !(thresholds[i - 1] <= thresholds[i])) ||
				(thresholds[i] == 0.0 && signbit(thresholds[i])))
			{
				fg_release(env, thresholds);
				return corrupt(err, "Its thresholds are not finite and ascending.");
			}
		}
	}
	s = fg_metric_init(st, env, (fg_metric_kind) kind, (fg_group_kind) key_kind, weighted != 0,
					   thresholds, n_thresholds, err);
	fg_release(env, thresholds);
	if (s != FG_OK)
		return s;
	st->inexact = inexact != 0;
	st->added_weight = added;
	/* every sum is part of the weight added, up to rounding */
	bound = added * (1.0 + 1e-6);

	for (uint32_t i = 0; i < n_groups; i++)
	{
		uint32_t	klen = (uint32_t) get_le(&r, 4);
		const uint8_t *key = r.p;
		int64_t		index;
		double	   *sums;

		if (klen > FG_GROUP_KEY_MAX || !have(&r, (uint64_t) klen + 8 + 8 * (uint64_t) width))
		{
			fg_metric_free(st);
			return corrupt(err, "A group key is too long or cut off.");
		}
		if (key_kind != FG_GROUP_TEXT && klen != 8)
		{
			fg_metric_free(st);
			return corrupt(err, "An integer group key does not have 8 bytes.");
		}
		if (key_kind == FG_GROUP_BOOL)
		{
			uint8_t		no[8],
						yes[8];

			fg_key_from_int64(0, no);
			fg_key_from_int64(1, yes);
			if (memcmp(key, no, 8) != 0 && memcmp(key, yes, 8) != 0)
			{
				fg_metric_free(st);
				return corrupt(err, "A boolean group key is neither false nor true.");
			}
		}
		r.p += klen;
		index = fg_dict_intern(&st->groups.dict, key, klen, err);
		if (index < 0)
		{
			fg_metric_free(st);
			return err->status;
		}
		if ((uint32_t) index != i)
		{
			fg_metric_free(st);
			return corrupt(err, "A group key occurs twice.");
		}
		if (st->groups.cap <= i)
		{
			/* the arrays hold every group of the state at once */
			int64_t    *rows = fg_alloc(env, sizeof(int64_t) * n_groups);
			double	   *all = fg_alloc(env, sizeof(double) * width * (size_t) n_groups);

			if (rows == NULL || all == NULL)
			{
				fg_release(env, rows);
				fg_release(env, all);
				fg_metric_free(st);
				return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
			}
			st->groups.rows = rows;
			st->groups.sums = all;
			st->groups.cap = n_groups;
		}
		st->groups.rows[i] = (int64_t) get_le(&r, 8);
		sums = fg_groups_sums(&st->groups, i);
		for (uint32_t c = 0; c < width; c++)
			sums[c] = get_f64(&r);
		if (st->groups.rows[i] < 0 || st->groups.rows[i] > FG_ROWS_TOTAL_MAX - total_rows)
		{
			fg_metric_free(st);
			return corrupt(err, "A group's row count is negative, or the rows add up to more than 2^53.");
		}
		total_rows += st->groups.rows[i];
		for (uint32_t c = 0; c < width; c++)
			if (!(sums[c] >= 0.0 && sums[c] <= bound))
			{
				fg_metric_free(st);
				return corrupt(err, "A group's sums are negative or above the weight added.");
			}
		if (width > 1)
		{
			/* the cells (buckets) split the group's weight: they add up to it */
			double		parts = 0.0;

			for (uint32_t c = 1; c < width; c++)
				parts += sums[c];
			if (!(fabs(parts - sums[0]) <= 1e-6 * sums[0]))
			{
				fg_metric_free(st);
				return corrupt(err, "A group's cells do not add up to its weight.");
			}
		}
	}

	if (n_rows > 0)
	{
		size_t		row_size = fg_ks_row_size(weighted != 0);

		st->rows = fg_alloc_uninit(env, (size_t) n_rows * row_size);
		if (st->rows == NULL)
		{
			fg_metric_free(st);
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		}
		st->cap_rows = n_rows;
		for (uint64_t i = 0; i < n_rows; i++)
		{
			uint64_t	key = get_le(&r, 8);
			uint32_t	group = (uint32_t) get_le(&r, 4);
			double		w = weighted ? get_f64(&r) : 1.0;
			double		score = fg_score_from_key(key);

			row_weights += w;
			if (group >= n_groups || isnan(score) || fg_score_key(score) != key ||
				!fg_weight_valid(w) || !(row_weights <= bound))
			{
				fg_metric_free(st);
				return corrupt(err, "A row has an unknown group, no score or an invalid weight.");
			}
			if (weighted)
			{
				fg_ks_wrow	row = {key, group, 0, w};

				memcpy(st->rows + i * row_size, &row, sizeof(row));
			}
			else
			{
				fg_ks_row	row = {key, group, 0};

				memcpy(st->rows + i * row_size, &row, sizeof(row));
			}
		}
		st->n_rows = n_rows;
	}
	if (r.short_read || r.p != r.end)
	{
		fg_metric_free(st);
		return corrupt(err, "Its length does not match its contents.");
	}
	return FG_OK;
}
