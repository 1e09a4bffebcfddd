/*
 * path_format.h -- the byte container of a rho path: the models of one
 * fairglmm_path call, in the order of its rhos, and with option "folds"
 * the cross-validated metrics of each.
 *
 *   magic u32 ("FGPT") | version u16 (1) | byte order mark u16 | flags u32 |
 *   total length u64 | count u32 | count x (model length u64 | model bytes) |
 *   [flag FG_PATH_CROSS_VALIDATED: count x 5 f64: accuracy, disparate
 *    impact, equal opportunity ratio, equalized odds ratio, log loss] |
 *   CRC-32C u32 of all bytes before it
 *
 * Little-endian throughout; the 20-byte header is that of the model and
 * training-state formats.  The container does not look inside the models:
 * each is an ordinary model (model_format.h), which fg_model_decode
 * validates when it is used.  The decoder checks the container alone: magic,
 * version, byte order mark, flags (no unknown bit), total length, checksum,
 * every length against the bytes really present before anything is
 * allocated, and the range of every metric (the encoder writes no other):
 * accuracy in [0, 1], each ratio in [0, 1] or NaN (undefined), log loss
 * finite and >= 0.
 */
#ifndef FG_PATH_FORMAT_H
#define FG_PATH_FORMAT_H

#include "cross_validation.h"

#define FG_PATH_MAGIC		0x54504746u	/* "FGPT" read as little-endian u32 */
#define FG_PATH_VERSION		1
#define FG_PATH_MAX_MODELS	1000		/* rhos of one path at most */
#define FG_PATH_CROSS_VALIDATED	0x1		/* flag: the metrics follow the models */

/* A decoded path: views into the bytes it was decoded from. */
typedef struct fg_path_view
{
	uint32_t	count;
	const uint8_t **models;		/* count pointers into the bytes */
	size_t	   *lengths;		/* count lengths */
	fg_cv_metrics *cv;			/* count metrics, decoded; NULL when not cross-validated */
} fg_path_view;

/*
 * Bytes the container of count models with these lengths takes, with the
 * metrics when cross_validated (0 on overflow).
 */
size_t		fg_path_encoded_size(uint32_t count, const size_t *lengths, bool cross_validated);

/*
 * Write the container of count models (1 .. FG_PATH_MAX_MODELS) and, unless
 * cv is NULL, their count metrics into buf, whose length must be exactly
 * fg_path_encoded_size(); FG_ERR_INVALID otherwise, or when a metric is out
 * of its range.
 */
fg_status	fg_path_encode(uint32_t count, const uint8_t *const *models, const size_t *lengths,
						   const fg_cv_metrics *cv, uint8_t *buf, size_t len, fg_error *err);

/* Decode and validate; FG_ERR_CORRUPT with a precise detail on bad bytes. */
fg_status	fg_path_decode(const fg_env *env, const uint8_t *bytes, size_t len,
						   fg_path_view *out, fg_error *err);

/* Release what fg_path_decode allocated and zero the view. */
void		fg_path_view_release(const fg_env *env, fg_path_view *view);

#endif							/* FG_PATH_FORMAT_H */
