/*
 * path_format.h -- the byte container of a rho path: the models of one
 * fairglmm_path call, in the order of its rhos.
 *
 *   magic u32 ("FGPT") | version u16 (1) | byte order mark u16 | flags u32 (0) |
 *   total length u64 | count u32 | count x (model length u64 | model bytes) |
 *   CRC-32C u32 of all bytes before it
 *
 * Little-endian throughout; the 20-byte header is that of the model and
 * training-state formats.  The container does not look inside the models:
 * each is an ordinary model (model_format.h), which fg_model_decode
 * validates when it is used.  The decoder checks the container alone: magic,
 * version, byte order mark, flags, total length, checksum, and every length against the bytes
 * really present before anything is allocated.
 */
#ifndef FG_PATH_FORMAT_H
#define FG_PATH_FORMAT_H

#include "fg_core.h"

#define FG_PATH_MAGIC		0x54504746u	/* "FGPT" read as little-endian u32 */
#define FG_PATH_VERSION		1
#define FG_PATH_MAX_MODELS	1000		/* rhos of one path at most */

/* A decoded path: views into the bytes it was decoded from. */
typedef struct fg_path_view
{
	uint32_t	count;
	const uint8_t **models;		/* count pointers into the bytes */
	size_t	   *lengths;		/* count lengths */
} fg_path_view;

/* Bytes the container of count models with these lengths takes (0 on overflow). */
size_t		fg_path_encoded_size(uint32_t count, const size_t *lengths);

/*
 * Write the container of count models (1 .. FG_PATH_MAX_MODELS) into buf,
 * whose length must be exactly fg_path_encoded_size(); FG_ERR_INVALID
 * otherwise.
 */
fg_status	fg_path_encode(uint32_t count, const uint8_t *const *models, const size_t *lengths,
						   uint8_t *buf, size_t len, fg_error *err);

/* Decode and validate; FG_ERR_CORRUPT with a precise detail on bad bytes. */
fg_status	fg_path_decode(const fg_env *env, const uint8_t *bytes, size_t len,
						   fg_path_view *out, fg_error *err);

/* Release what fg_path_decode allocated and zero the view. */
void		fg_path_view_release(const fg_env *env, fg_path_view *view);

#endif							/* FG_PATH_FORMAT_H */
