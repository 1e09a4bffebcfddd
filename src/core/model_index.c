/*
 * model_index.c -- open-addressing hash index over a model's stratum keys.
 */
#include "model_index.h"
#include "strata_dict.h"

#include <string.h>

/* The 8-byte key of an integer as the number fg_key_from_int64 encodes. */
static inline uint64_t
int_key_word(int64_t value)
{
	return (uint64_t) value ^ UINT64_C(0x8000000000000000);
}

static inline uint64_t
word_of_key(const uint8_t *k)
{
	uint64_t	w = 0;

	for (int i = 0; i < 8; i++)
		w = (w << 8) | k[i];
	return w;
}

/* Mix an integer key word (the MurmurHash3 finaliser). */
static inline uint64_t
hash_word(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

static inline const uint8_t *
key_at(const fg_model *m, uint32_t i, size_t *len)
{
	*len = (size_t) (m->key_offsets[i + 1] - m->key_offsets[i]);
	return *len > 0 ? m->keys + m->key_offsets[i] : (const uint8_t *) "";
}

fg_status
fg_model_index_build(const fg_env *env, const fg_model *model, fg_model_index *index,
					 fg_error *err)
{
	uint64_t	slots = 2;
	bool		ints = model->key_type == FG_KEY_INT;

	memset(index, 0, sizeof(*index));
	/* load factor at most one half */
	while (slots < (uint64_t) model->n_strata * 2)
		slots *= 2;
	index->slots = fg_alloc(env, sizeof(uint32_t) * slots);
	if (ints && model->n_strata > 0)
		index->int_keys = fg_alloc(env, sizeof(uint64_t) * model->n_strata);
	if (index->slots == NULL || (ints && model->n_strata > 0 && index->int_keys == NULL))
	{
		fg_model_index_release(env, index);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL,
					   "The stratum index of a model with %u strata could not be allocated.",
					   model->n_strata);
	}
	index->mask = (uint32_t) (slots - 1);
	for (uint32_t i = 0; i < model->n_strata; i++)
	{
		size_t		len;
		const uint8_t *k = key_at(model, i, &len);
		uint64_t	pos;

		if (ints)
		{
			/* decoding checked that integer keys have 8 bytes */
			index->int_keys[i] = word_of_key(k);
			pos = hash_word(index->int_keys[i]) & index->mask;
		}
		else
			pos = fg_key_hash(k, len) & index->mask;
		while (index->slots[pos] != 0)
			pos = (pos + 1) & index->mask;
		index->slots[pos] = i + 1;
	}
	return FG_OK;
}

void
fg_model_index_release(const fg_env *env, fg_model_index *index)
{
	fg_release(env, index->slots);
	fg_release(env, index->int_keys);
	memset(index, 0, sizeof(*index));
}

int64_t
fg_model_index_find_int(const fg_model *model, const fg_model_index *index, int64_t value)
{
	uint64_t	w = int_key_word(value);
	uint64_t	pos;

	if (index->int_keys == NULL)
		return -1;
	pos = hash_word(w) & index->mask;
	for (;;)
	{
		uint32_t	s = index->slots[pos];

		if (s == 0)
			return -1;
		if (index->int_keys[s - 1] == w)
			return (int64_t) s - 1;
		pos = (pos + 1) & index->mask;
	}
}

int64_t
fg_model_index_find(const fg_model *model, const fg_model_index *index,
					const uint8_t *key, size_t key_len)
{
	uint64_t	pos;

	if (index->slots == NULL || model->n_strata == 0)
		return -1;
	if (index->int_keys != NULL)
		return key_len == 8 ? fg_model_index_find_int(model, index,
													  (int64_t) (word_of_key(key) ^ UINT64_C(0x8000000000000000)))
			: -1;
	pos = fg_key_hash(key, key_len) & index->mask;
	for (;;)
	{
		uint32_t	s = index->slots[pos];
		size_t		len;
		const uint8_t *k;

		if (s == 0)
			return -1;
		k = key_at(model, s - 1, &len);
		if (len == key_len && (len == 0 || memcmp(k, key, len) == 0))
			return (int64_t) s - 1;
		pos = (pos + 1) & index->mask;
	}
}
