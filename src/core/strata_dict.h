/*
 * strata_dict.h -- maps stratum keys (byte strings) to dense indices in the
 * order they are first seen, and sorts them at the end so that the model does
 * not depend on row order.
 */
#ifndef FG_STRATA_DICT_H
#define FG_STRATA_DICT_H

#include "fg_core.h"

typedef struct fg_strata_dict
{
	const fg_env *env;
	uint32_t	count;			/* keys stored */
	uint32_t	n_slots;		/* hash slots, a power of two */
	uint32_t   *slots;			/* key index + 1, 0 = empty */
	uint64_t   *offsets;		/* count + 1 offsets into bytes */
	uint32_t	offsets_cap;
	uint8_t    *bytes;			/* keys back to back */
	uint64_t	bytes_len;
	uint64_t	bytes_cap;

	/*
	 * Integer keys (8 bytes) that lie in a short range, as survey strata
	 * codes usually do, are also found without hashing: direct[v - base]
	 * holds index + 1 of the key encoding v (0: none).  NULL when the
	 * range is too wide for the table's bound (twice the hash slots).
	 */
	uint32_t   *direct;
	uint64_t	direct_base;
	uint64_t	direct_len;
	uint64_t	int_keys;		/* 8-byte keys stored, and their range: */
	uint64_t	int_min;
	uint64_t	int_max;
} fg_strata_dict;

/* The hash of a stratum key used by the dictionary and the model index. */
uint64_t	fg_key_hash(const uint8_t *key, size_t len);

fg_status	fg_dict_init(fg_strata_dict *dict, const fg_env *env, fg_error *err);
void		fg_dict_free(fg_strata_dict *dict);

/* Index of key, inserting it when new; -1 with *err filled on failure. */
int64_t		fg_dict_intern(fg_strata_dict *dict, const uint8_t *key, size_t len,
						   fg_error *err);

/* Bytes the dictionary holds (for memory accounting). */
size_t		fg_dict_memory(const fg_strata_dict *dict);

/*
 * At most how many bytes the dictionary grows by when up to new_keys keys
 * of new_key_bytes bytes in all are interned: its arrays double, so the
 * bound counts them at twice (slots: four times) what the keys need.
 */
size_t		fg_dict_growth_bound(const fg_strata_dict *dict, uint64_t new_keys,
								 uint64_t new_key_bytes);

/*
 * Sort the keys by fg_key_compare.  rank[old] receives the new index of
 * each key (env-allocated, count entries); the dictionary itself is rebuilt
 * in sorted order so key i is the i-th smallest.
 */
fg_status	fg_dict_sort(fg_strata_dict *dict, uint32_t **rank, fg_error *err);

static inline const uint8_t *
fg_dict_key(const fg_strata_dict *dict, uint32_t i, size_t *len)
{
	*len = (size_t) (dict->offsets[i + 1] - dict->offsets[i]);
	return dict->bytes + dict->offsets[i];
}

#endif							/* FG_STRATA_DICT_H */
