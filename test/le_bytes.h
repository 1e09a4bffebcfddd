/*
 * le_bytes.h -- little-endian integers in byte buffers, for the tests and
 * fuzz harnesses that build or forge encoded models and training states.
 */
#ifndef FG_TEST_LE_BYTES_H
#define FG_TEST_LE_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/*
 * The offset of option name's value in an options block (a u16 count, then
 * per option: name length u8, name, type code u8, value of 8 bytes for
 * numbers and integers, 1 otherwise), from the block's start; 0 if absent.
 * The type codes are options.h's FG_OPTION_NUMBER (1) and _INTEGER (2).
 */
static inline size_t
options_block_value_offset(const uint8_t *block, const char *name)
{
	size_t		pos = 2;

	for (unsigned k = 0; k < get_le(block, 2); k++)
	{
		size_t		n = block[pos];
		uint8_t		type = block[pos + 1 + n];

		if (n == strlen(name) && memcmp(block + pos + 1, name, n) == 0)
			return pos + 2 + n;
		/* numbers and integers 8 bytes, bounds (type 7) 16 doubles, the rest 1 */
		pos += 2 + n + (type == 1 || type == 2 ? 8 : type == 7 ? 8 * 16 : 1);
	}
	return 0;
}

#endif							/* FG_TEST_LE_BYTES_H */
