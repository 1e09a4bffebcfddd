/*
 * path_format.c -- encoding and validating the container of a rho path
 * (see path_format.h for the layout).
 */
#include "path_format.h"
#include "le_bytes.h"
#include "model_format.h"

#include <string.h>

#define HEADER_SIZE		24		/* magic, version, byte order mark, flags, length, count */
#define BYTE_ORDER_MARK	0xFEFF
#define ENTRY_FIXED		8		/* the length of one model */
#define TRAILER_SIZE	4

#define CORRUPT_MESSAGE	"invalid fairglmm path"
#define CORRUPT_HINT	"Pass a value returned by fairglmm_path, unchanged."

size_t
fg_path_encoded_size(uint32_t count, const size_t *lengths)
{
	size_t		n = HEADER_SIZE + TRAILER_SIZE;

	for (uint32_t i = 0; i < count; i++)
	{
		if (lengths[i] > SIZE_MAX - ENTRY_FIXED - n)
			return 0;
		n += ENTRY_FIXED + lengths[i];
	}
	return n;
}

fg_status
fg_path_encode(uint32_t count, const uint8_t *const *models, const size_t *lengths,
			   uint8_t *buf, size_t len, fg_error *err)
{
	fg_le_writer w;

	if (count < 1 || count > FG_PATH_MAX_MODELS)
		return fg_fail(err, FG_ERR_INVALID, "cannot encode fairglmm path", NULL,
					   "A path holds 1 to %d models, not %u.", FG_PATH_MAX_MODELS, count);
	if (len == 0 || len != fg_path_encoded_size(count, lengths))
		return fg_fail(err, FG_ERR_INVALID, "cannot encode fairglmm path", NULL,
					   "The buffer has %zu bytes; the path needs %zu.",
					   len, fg_path_encoded_size(count, lengths));
	fg_le_writer_init(&w, buf, len);
	fg_le_put_u32(&w, FG_PATH_MAGIC);
	fg_le_put_u16(&w, FG_PATH_VERSION);
	fg_le_put_u16(&w, BYTE_ORDER_MARK);
	fg_le_put_u32(&w, 0);
	fg_le_put_u64(&w, (uint64_t) len);
	fg_le_put_u32(&w, count);
	for (uint32_t i = 0; i < count; i++)
	{
		fg_le_put_u64(&w, (uint64_t) lengths[i]);
		fg_le_put_bytes(&w, models[i], lengths[i]);
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
	if (flags != 0)
		return corrupt(err, "The reserved flags are not zero.");
	if (count < 1 || count > FG_PATH_MAX_MODELS)
		return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT,
					   "The path holds %u models; a path holds 1 to %d.", count, FG_PATH_MAX_MODELS);
	/* each entry takes its 8-byte length at least: bound the count before allocating */
	if ((size_t) count > fg_le_left(&r) / ENTRY_FIXED)
		return corrupt(err, "The path is shorter than its count of models.");

	out->count = count;
	out->models = fg_alloc(env, sizeof(const uint8_t *) * count);
	out->lengths = fg_alloc(env, sizeof(size_t) * count);
	if (out->models == NULL || out->lengths == NULL)
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
	if (fg_le_left(&r) != 0)
	{
		size_t		extra = fg_le_left(&r);

		fg_path_view_release(env, out);
		return fg_fail(err, FG_ERR_CORRUPT, CORRUPT_MESSAGE, CORRUPT_HINT,
					   "%zu bytes follow the last model.", extra);
	}
	return FG_OK;
}
