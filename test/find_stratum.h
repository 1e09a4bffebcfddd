/*
 * find_stratum.h -- the stratum of a key in a decoded model by binary search
 * over its sorted keys: the reference that the hash index (model_index.h)
 * and the decoder's key order are checked against.  The server looks keys
 * up only through the index, so the search lives with the tests.
 */
#ifndef FG_TEST_FIND_STRATUM_H
#define FG_TEST_FIND_STRATUM_H

#include "model_format.h"

/* Index of the stratum with this key, or -1.  O(log n_strata). */
static int64_t __attribute__((unused))
find_stratum(const fg_model *model, const uint8_t *key, size_t key_len)
{
	uint64_t	lo = 0;
	uint64_t	hi = model->n_strata;

	/* invariant: the key, if present, has an index in [lo, hi) */
	while (lo < hi)
	{
		uint64_t	mid = lo + (hi - lo) / 2;
		uint64_t	start = model->key_offsets[mid];
		/* keys may be NULL when every key is empty, so no arithmetic on it */
		const uint8_t *mid_key = model->keys == NULL ? NULL : model->keys + start;
		int			c = fg_key_compare(mid_key, (size_t) (model->key_offsets[mid + 1] - start),
									   key, key_len);

		if (c == 0)
			return (int64_t) mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

#endif							/* FG_TEST_FIND_STRATUM_H */
