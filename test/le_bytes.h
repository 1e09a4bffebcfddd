/*
 * le_bytes.h -- little-endian integers in byte buffers, for the tests and
 * fuzz harnesses that build or forge encoded models and training states.
 */
#ifndef FG_TEST_LE_BYTES_H
#define FG_TEST_LE_BYTES_H

#include <stdint.h>

/* Write the n low bytes of v at p, least significant first. */
static inline void
put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/* Read n bytes at p, least significant first. */
static inline uint64_t
get_le(const uint8_t *p, int n)
{
	uint64_t	v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#endif							/* FG_TEST_LE_BYTES_H */
