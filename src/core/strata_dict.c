/*
 * strata_dict.c -- open-addressing hash table of stratum keys.
 */
#include "strata_dict.h"
#include "model_format.h"

#include <stdlib.h>
#include <string.h>

#define FG_DICT_MAX_KEYS 0x7fffffffu

/*
 * Integer strata (every key 8 bytes) are hashed as one word with the
 * MurmurHash3 finaliser: the training scan interns one key per row, and the
 * byte loop below costs eight dependent multiplications.  Other keys: FNV-1a;
 * they are short and a simple well-mixed hash is enough.
 */
uint64_t
fg_key_hash(const uint8_t *key, size_t len)
{
	uint64_t	h = 1469598103934665603ull;

	if (len == 8)
	{
		memcpy(&h, key, 8);
		h ^= h >> 33;
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 33;
		h *= 0xc4ceb9fe1a85ec53ull;
		return h ^ (h >> 33);
	}
	for (size_t i = 0; i < len; i++)
	{
		h ^= key[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

static void *
grow(const fg_env *env, void *old, size_t old_bytes, size_t new_bytes)
{
	void	   *p = fg_alloc(env, new_bytes);

	if (p != NULL && old != NULL)
		memcpy(p, old, old_bytes);
	fg_release(env, old);
	return p;
}

fg_status
fg_dict_init(fg_strata_dict *dict, const fg_env *env, fg_error *err)
{
	memset(dict, 0, sizeof(*dict));
	dict->env = env;
	dict->n_slots = 64;
	dict->offsets_cap = 32;
	dict->bytes_cap = 256;
	dict->slots = fg_alloc(env, sizeof(uint32_t) * dict->n_slots);
	dict->offsets = fg_alloc(env, sizeof(uint64_t) * (dict->offsets_cap + 1));
	dict->bytes = fg_alloc(env, dict->bytes_cap);
	if (!dict->slots || !dict->offsets || !dict->bytes)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	return FG_OK;
}

void
fg_dict_free(fg_strata_dict *dict)
{
	if (dict->env == NULL)
		return;
	fg_release(dict->env, dict->direct);
	fg_release(dict->env, dict->slots);
	fg_release(dict->env, dict->offsets);
	fg_release(dict->env, dict->bytes);
	memset(dict, 0, sizeof(*dict));
}

size_t
fg_dict_memory(const fg_strata_dict *dict)
{
	return sizeof(uint32_t) * dict->n_slots + sizeof(uint64_t) * (dict->offsets_cap + 1) +
		dict->bytes_cap + sizeof(uint32_t) * dict->direct_len;
}

size_t
fg_dict_growth_bound(const fg_strata_dict *dict, uint64_t new_keys, uint64_t new_key_bytes)
{
	uint64_t	keys = (uint64_t) dict->count + new_keys;
	uint64_t	bytes = dict->bytes_len + new_key_bytes;
	/* slots: load factor kept at or below 1/2, doubled past it; offsets and bytes: doubled */
	uint64_t	slots = keys * 4 > 64 ? keys * 4 : 64;
	uint64_t	offsets = (keys + 1) * 2 > 32 ? (keys + 1) * 2 : 32;
	uint64_t	key_bytes = bytes * 2 > 256 ? bytes * 2 : 256;
	/* the direct table has at most twice as many entries as the slots */
	uint64_t	after = sizeof(uint32_t) * slots * 3 + sizeof(uint64_t) * (offsets + 1) + key_bytes;
	uint64_t	now = fg_dict_memory(dict);

	return after > now ? (size_t) (after - now) : 0;
}

/*
 * The number an 8-byte key encodes (big-endian), as the direct table
 * indexes it; spelled out so that the compiler makes it one load and a
 * byte swap.
 */
static inline uint64_t
key_word(const uint8_t *k)
{
	return ((uint64_t) k[0] << 56) | ((uint64_t) k[1] << 48) | ((uint64_t) k[2] << 40) |
		((uint64_t) k[3] << 32) | ((uint64_t) k[4] << 24) | ((uint64_t) k[5] << 16) |
		((uint64_t) k[6] << 8) | (uint64_t) k[7];
}

/* Point the direct table at the 8-byte keys in its range (after a renumbering). */
static void
direct_fill(fg_strata_dict *dict)
{
	if (dict->direct == NULL)
		return;
	memset(dict->direct, 0, sizeof(uint32_t) * dict->direct_len);
	for (uint32_t i = 0; i < dict->count; i++)
	{
		size_t		len;
		const uint8_t *k = fg_dict_key(dict, i, &len);
		uint64_t	off;

		if (len == 8 && (off = key_word(k) - dict->direct_base) < dict->direct_len)
			dict->direct[off] = i + 1;
	}
}

/*
 * Record the new 8-byte key w.  Outside the table's range, the table is
 * rebuilt over the range of all 8-byte keys with as much room again for
 * keys to come, if that fits the bound of twice the hash slots; else it is
 * dropped until the keys are dense enough.  False when the new table could
 * not be allocated: like any failed allocation, that fails the call.
 */
static bool
direct_note(fg_strata_dict *dict, uint64_t w, uint32_t index)
{
	uint64_t	limit = (uint64_t) dict->n_slots * 2;
	uint64_t	span,
				len,
				slack;

	if (dict->int_keys++ == 0)
		dict->int_min = dict->int_max = w;
	dict->int_min = w < dict->int_min ? w : dict->int_min;
	dict->int_max = w > dict->int_max ? w : dict->int_max;
	if (dict->direct && w - dict->direct_base < dict->direct_len)
	{
		dict->direct[w - dict->direct_base] = index + 1;
		return true;
	}
	fg_release(dict->env, dict->direct);
	dict->direct = NULL;
	dict->direct_len = 0;
	span = dict->int_max - dict->int_min;	/* entries needed, minus one */
	if (span >= limit)
		return true;
	len = 2 * (span + 1) < limit ? 2 * (span + 1) : limit;
	slack = (len - (span + 1)) / 2;
	/* keys in the middle; offsets are taken modulo 2^64, so the range may wrap */
	dict->direct_base = dict->int_min - slack;
	dict->direct = fg_alloc(dict->env, sizeof(uint32_t) * len);
	if (dict->direct == NULL)
		return false;
	dict->direct_len = len;
	direct_fill(dict);
	return true;
}

static bool
key_equals(const fg_strata_dict *dict, uint32_t i, const uint8_t *key, size_t len)
{
	size_t		klen;
	const uint8_t *k = fg_dict_key(dict, i, &klen);

	if (klen != len)
		return false;
	/* integer strata: one word compare instead of a call to memcmp */
	if (len == 8)
	{
		uint64_t	a,
					b;

		memcpy(&a, k, 8);
		memcpy(&b, key, 8);
		return a == b;
	}
	return memcmp(k, key, len) == 0;
}

/* Hash every key into slots (n_slots of them, zeroed), which replace the old. */
static void
fill_slots(fg_strata_dict *dict, uint32_t *slots, uint32_t n_slots)
{
	for (uint32_t i = 0; i < dict->count; i++)
	{
		size_t		len;
		const uint8_t *k = fg_dict_key(dict, i, &len);
		uint64_t	pos = fg_key_hash(k, len) & (n_slots - 1);

		while (slots[pos] != 0)
			pos = (pos + 1) & (n_slots - 1);
		slots[pos] = i + 1;
	}
	fg_release(dict->env, dict->slots);
	dict->slots = slots;
	dict->n_slots = n_slots;
}

static fg_status
rehash(fg_strata_dict *dict, uint32_t n_slots, fg_error *err)
{
	uint32_t   *slots = fg_alloc(dict->env, sizeof(uint32_t) * n_slots);

	if (slots == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	fill_slots(dict, slots, n_slots);
	return FG_OK;
}

int64_t
fg_dict_intern(fg_strata_dict *dict, const uint8_t *key, size_t len, fg_error *err)
{
	uint64_t	pos;
	uint32_t	index;

	if (len == 8 && dict->direct != NULL)
	{
		uint64_t	off = key_word(key) - dict->direct_base;

		if (off < dict->direct_len && dict->direct[off] != 0)
			return dict->direct[off] - 1;
	}
	pos = fg_key_hash(key, len) & (dict->n_slots - 1);
	while (dict->slots[pos] != 0)
	{
		if (key_equals(dict, dict->slots[pos] - 1, key, len))
			return dict->slots[pos] - 1;
		pos = (pos + 1) & (dict->n_slots - 1);
	}

	if (dict->count >= FG_DICT_MAX_KEYS)
	{
		fg_fail(err, FG_ERR_INVALID, "too many strata", NULL,
				"At most %u distinct strata are supported.", FG_DICT_MAX_KEYS);
		return -1;
	}
	if (dict->count + 1 > dict->offsets_cap)
	{
		uint32_t	cap = dict->offsets_cap * 2;

		dict->offsets = grow(dict->env, dict->offsets, sizeof(uint64_t) * (dict->offsets_cap + 1),
							 sizeof(uint64_t) * ((size_t) cap + 1));
		if (dict->offsets == NULL)
			goto nomem;
		dict->offsets_cap = cap;
	}
	if (dict->bytes_len + len > dict->bytes_cap)
	{
		uint64_t	cap = dict->bytes_cap * 2;

		while (cap < dict->bytes_len + len)
			cap *= 2;
		dict->bytes = grow(dict->env, dict->bytes, dict->bytes_len, cap);
		if (dict->bytes == NULL)
			goto nomem;
		dict->bytes_cap = cap;
	}
	memcpy(dict->bytes + dict->bytes_len, key, len);
	dict->bytes_len += len;
	dict->offsets[dict->count + 1] = dict->bytes_len;
	dict->slots[pos] = ++dict->count;
	index = dict->count - 1;

	/* keep the load factor at or below one half */
	if ((uint64_t) dict->count * 2 > dict->n_slots &&
		rehash(dict, dict->n_slots * 2, err) != FG_OK)
		return -1;
	if (len == 8 && !direct_note(dict, key_word(key), index))
		goto nomem;
	return index;

nomem:
	fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	return -1;
}

/* qsort has no context argument, so the dictionary being sorted is kept here */
static const fg_strata_dict *sorting_dict;

static int
compare_index(const void *a, const void *b)
{
	size_t		la,
				lb;
	const uint8_t *ka = fg_dict_key(sorting_dict, *(const uint32_t *) a, &la);
	const uint8_t *kb = fg_dict_key(sorting_dict, *(const uint32_t *) b, &lb);

	return fg_key_compare(ka, la, kb, lb);
}

fg_status
fg_dict_sort(fg_strata_dict *dict, uint32_t **rank_out, fg_error *err)
{
	uint32_t	n = dict->count;
	uint32_t   *order = fg_alloc(dict->env, sizeof(uint32_t) * (n ? n : 1));
	uint32_t   *rank = fg_alloc(dict->env, sizeof(uint32_t) * (n ? n : 1));
	uint64_t   *offsets = fg_alloc(dict->env, sizeof(uint64_t) * ((size_t) n + 1));
	uint8_t    *bytes = fg_alloc(dict->env, dict->bytes_len ? dict->bytes_len : 1);
	/*
	 * The new hash slots too, before anything changes: a failure after the
	 * keys were reordered leaked rank and left slots that index the old order.
	 */
	uint32_t   *slots = fg_alloc(dict->env, sizeof(uint32_t) * dict->n_slots);
	uint64_t	pos = 0;

	if (!order || !rank || !offsets || !bytes || !slots)
	{
		fg_release(dict->env, order);
		fg_release(dict->env, rank);
		fg_release(dict->env, offsets);
		fg_release(dict->env, bytes);
		fg_release(dict->env, slots);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	sorting_dict = dict;
	qsort(order, n, sizeof(uint32_t), compare_index);
	sorting_dict = NULL;

	offsets[0] = 0;
	for (uint32_t r = 0; r < n; r++)
	{
		size_t		len;
		const uint8_t *k = fg_dict_key(dict, order[r], &len);

		memcpy(bytes + pos, k, len);
		pos += len;
		offsets[r + 1] = pos;
		rank[order[r]] = r;
	}
	fg_release(dict->env, order);
	fg_release(dict->env, dict->offsets);
	fg_release(dict->env, dict->bytes);
	dict->offsets = offsets;
	dict->offsets_cap = n;
	dict->bytes = bytes;
	dict->bytes_cap = dict->bytes_len ? dict->bytes_len : 1;
	fill_slots(dict, slots, dict->n_slots);
	direct_fill(dict);
	*rank_out = rank;
	return FG_OK;
}
