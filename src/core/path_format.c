/*
 * path_format.c -- encoding and validating the container of a rho path
 * (see path_format.h for the layout).
 */
#include "path_format.h"
#include "le_bytes.h"
#include "model_format.h"

#include <math.h>
#include <string.h>

#define HEADER_SIZE		24		/* magic, version, byte order mark, flags, length, count */
#define BYTE_ORDER_MARK	0xFEFF
#define ENTRY_FIXED		8		/* the length of one model */
#define TRAILER_SIZE	4
#define CV_VALUES		5		/* f64 metrics per model */
#define CV_SIZE			(8 * CV_VALUES)

#define CORRUPT_MESSAGE	"invalid fairglmm path"
#define CORRUPT_HINT	"Pass a value returned by fairglmm_path, unchanged."

size_t
fg_path_encoded_size(uint32_t count, const size_t *lengths, bool cross_validated)
{
	size_t		n = HEADER_SIZE + TRAILER_SIZE + (cross_validated ? (size_t) count * CV_SIZE : 0);

	for (uint32_t i = 0; i < count; i++)
	{
		if (lengths[i] > SIZE_MAX - ENTRY_FIXED - n)
			return 0;
		n += ENTRY_FIXED + lengths[i];
	}
	return n;
}

/* A ratio: in [0, 1], or NaN where undefined. */
static bool
ratio_valid(double r)
{
	return isnan(r) || (r >= 0.0 && r <= 1.0);
}

/* The ranges the metrics of fg_cross_validate lie in, which the decoder insists on. */
static bool
metrics_valid(const fg_cv_metrics *m)
{
	return m->accuracy >= 0.0 && m->accuracy <= 1.0 &&
		ratio_valid(m->disparate_impact) && ratio_valid(m->equal_opportunity_ratio) &&
		ratio_valid(m->equalized_odds_ratio) &&
		isfinite(m->log_loss) && m->log_loss >= 0.0;
}

fg_status
fg_path_encode(uint32_t count, const uint8_t *const *models, const size_t *lengths,
			   const fg_cv_metrics *cv, uint8_t *buf, size_t len, fg_error *err)
{
	fg_le_writer w;

	if (count < 1 || count > FG_PATH_MAX_MODELS)
		return fg_fail(err, FG_ERR_INVALID, "cannot encode fairglmm path", NULL,
					   "A path holds 1 to %d models, not %u.", FG_PATH_MAX_MODELS, count);
	if (len == 0 || len != fg_path_encoded_size(count, lengths, cv != NULL))
		return fg_fail(err, FG_ERR_INVALID, "cannot encode fairglmm path", NULL,
					   "The buffer has %zu bytes; the path needs %zu.",
					   len, fg_path_encoded_size(count, lengths, cv != NULL));
	for (uint32_t i = 0; cv != NULL && i < count; i++)
		if (!metrics_valid(&cv[i]))
			return fg_fail(err, FG_ERR_INVALID, "cannot encode fairglmm path", NULL,
						   "The cross-validated metrics of model %u are out of range.", i + 1);
	fg_le_writer_init(&w, buf, len);
	fg_le_put_u32(&w, FG_PATH_MAGIC);
	fg_le_put_u16(&w, FG_PATH_VERSION);
	fg_le_put_u16(&w, BYTE_ORDER_MARK);
	fg_le_put_u32(&w, cv != NULL ? FG_PATH_CROSS_VALIDATED : 0);
	fg_le_put_u64(&w, (uint64_t) len);
	fg_le_put_u32(&w, count);
	for (uint32_t i = 0; i < count; i++)
	{
		fg_le_put_u64(&w, (uint64_t) lengths[i]);
		fg_le_put_bytes(&w, models[i], lengths[i]);
	}
	for (uint32_t i = 0; cv != NULL && i < count; i++)
	{
		fg_le_put_f64(&w, cv[i].accuracy);
		fg_le_put_f64(&w, cv[i].disparate_impact);
		fg_le_put_f64(&w, cv[i].equal_opportunity_ratio);
		fg_le_put_f64(&w, cv[i].equalized_odds_ratio);
		fg_le_put_f64(&w, cv[i].log_loss);
	}
	fg_le_put_u32(&w, fg_crc32c(0, buf, len - TRAILER_SIZE));
	return FG_OK;
}

static fg_status
corrupt(fg_error *err, const char *detail)
{
	return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT, "%s", detail);
}

void
fg_path_view_release(const fg_env *env, fg_path_view *view)
{
	fg_release(env, view->models);
	fg_release(env, view->lengths);
	fg_release(env, view->cv);
	memset(view, 0, sizeof(*view));
}

fg_status
fg_path_decode(const fg_env *env, const uint8_t *bytes, size_t len,
			   fg_path_view *out, fg_error *err)
{
	fg_le_reader r;
	uint32_t	magic,
				count,
				stored_crc;
	uint32_t	flags;
	uint64_t	total;
	unsigned	version,
				bom;
	bool		validated;
	size_t		entry_min;

	memset(out, 0, sizeof(*out));
	if (len < HEADER_SIZE + TRAILER_SIZE)
		return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT,
					   "The value has %zu bytes; a path has at least %d.",
					   len, HEADER_SIZE + TRAILER_SIZE);
	fg_le_reader_init(&r, bytes, len - TRAILER_SIZE);
	magic = fg_le_get_u32(&r);
	version = fg_le_get_u16(&r);
	bom = fg_le_get_u16(&r);
	flags = fg_le_get_u32(&r);
	total = fg_le_get_u64(&r);
	count = fg_le_get_u32(&r);
	if (magic != FG_PATH_MAGIC)
		return corrupt(err, magic == FG_MODEL_MAGIC
					   ? "The value is a single model, not a path."
					   : "The value does not start with the path magic number.");
	if (version != FG_PATH_VERSION)
		return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT,
					   "The path has format version %u; this build reads version %d.",
					   version, FG_PATH_VERSION);
	if (total != (uint64_t) len)
		return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT,
					   "The path says it has %llu bytes but the value has %zu.",
					   (unsigned long long) total, len);
	stored_crc = (uint32_t) fg_le_load(bytes + len - TRAILER_SIZE, 4);
	if (fg_crc32c(0, bytes, len - TRAILER_SIZE) != stored_crc)
		return corrupt(err, "The checksum does not match the contents.");
	if (bom != BYTE_ORDER_MARK)
		return corrupt(err, "The byte order mark is wrong.");
	if ((flags & ~(uint32_t) FG_PATH_CROSS_VALIDATED) != 0)
		return corrupt(err, "Unknown flags are set.");
	validated = (flags & FG_PATH_CROSS_VALIDATED) != 0;
	if (count < 1 || count > FG_PATH_MAX_MODELS)
		return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT,
					   "The path holds %u models; a path holds 1 to %d.", count, FG_PATH_MAX_MODELS);
	/* each entry takes its 8-byte length (and its metrics) at least: bound the count before allocating */
	entry_min = ENTRY_FIXED + (validated ? CV_SIZE : 0);
	if ((size_t) count > fg_le_left(&r) / entry_min)
		return corrupt(err, "The path is shorter than its count of models.");

	out->count = count;
	out->models = fg_alloc(env, sizeof(const uint8_t *) * count);
	out->lengths = fg_alloc(env, sizeof(size_t) * count);
	if (validated)
		out->cv = fg_alloc(env, sizeof(fg_cv_metrics) * count);
	if (out->models == NULL || out->lengths == NULL || (validated && out->cv == NULL))
	{
		fg_path_view_release(env, out);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	for (uint32_t i = 0; i < count; i++)
	{
		uint64_t	n = fg_le_get_u64(&r);

		if (r.overrun || n > fg_le_left(&r))
		{
			fg_path_view_release(env, out);
			return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT,
						   "Model %u of the path runs past its end.", i + 1);
		}
		if (n == 0)
		{
			fg_path_view_release(env, out);
			return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT,
						   "Model %u of the path is empty.", i + 1);
		}
		out->lengths[i] = (size_t) n;
		out->models[i] = fg_le_take(&r, (size_t) n);
	}
	if (fg_le_left(&r) != (validated ? (size_t) count * CV_SIZE : 0))
	{
		size_t		left = fg_le_left(&r);

		fg_path_view_release(env, out);
		if (!validated)
			return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT,
						   "%zu bytes follow the last model.", left);
		return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT,
					   "%zu bytes follow the last model; the cross-validated metrics take %zu.",
					   left, (size_t) count * CV_SIZE);
	}
	for (uint32_t i = 0; validated && i < count; i++)
	{
		fg_cv_metrics *m = &out->cv[i];

		m->accuracy = fg_le_get_f64(&r);
		m->disparate_impact = fg_le_get_f64(&r);
		m->equal_opportunity_ratio = fg_le_get_f64(&r);
		m->equalized_odds_ratio = fg_le_get_f64(&r);
		m->log_loss = fg_le_get_f64(&r);
		if (!metrics_valid(m))
		{
			fg_path_view_release(env, out);
			return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT,
						   "The cross-validated metrics of model %u are out of range.", i + 1);
		}
	}
	return FG_OK;
}
