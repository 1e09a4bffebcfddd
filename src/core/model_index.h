/*
 * model_index.h -- constant-time lookup of a decoded model's strata.
 *
 * A model stores its stratum keys sorted (binary search works on it
 * directly); scoring looks one key up per row, so the SQL layer builds this
 * hash index once, when it decodes the model, and keeps it with the model.
 */
#ifndef FG_MODEL_INDEX_H
#define FG_MODEL_INDEX_H

#include "model_format.h"

typedef struct fg_model_index
{
	uint32_t	mask;			/* slots - 1; slots is a power of two */
	uint32_t   *slots;			/* stratum index + 1, 0 = empty */
	uint64_t   *int_keys;		/* integer keys as numbers (FG_KEY_INT), else NULL */
} fg_model_index;

/* Build the index of model's strata (env-allocated; an empty one without strata). */
fg_status	fg_model_index_build(const fg_env *env, const fg_model *model,
								 fg_model_index *index, fg_error *err);
void		fg_model_index_release(const fg_env *env, fg_model_index *index);

/* Index of the stratum with this key, or -1 (what a binary search of the sorted keys answers). */
int64_t		fg_model_index_find(const fg_model *model, const fg_model_index *index,
								const uint8_t *key, size_t key_len);

/* The same for an integer stratum (FG_KEY_INT models), without forming the key. */
int64_t		fg_model_index_find_int(const fg_model *model, const fg_model_index *index,
									int64_t value);

#endif							/* FG_MODEL_INDEX_H */
