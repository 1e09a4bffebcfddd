/*
 * splitmix.h -- splitmix64, the small deterministic generator the tests and
 * fuzz harnesses use for forged bytes and seed data.  Each caller keeps its
 * own state (its seed).
 */
#ifndef FG_TEST_SPLITMIX_H
#define FG_TEST_SPLITMIX_H

#include <stdint.h>

static inline uint64_t
splitmix_next(uint64_t *state)
{
	uint64_t	z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Uniform in [-1, 1), from the top 53 bits. */
static inline double
splitmix_signed_unit(uint64_t *state)
{
	return (double) (splitmix_next(state) >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

#endif							/* FG_TEST_SPLITMIX_H */
