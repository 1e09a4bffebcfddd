/*
 * test_data.h -- deterministic synthetic training data shared by the unit
 * tests of the solvers: a small generator and the arrays behind an fg_data;
 * and the exact log(1 + e^eta) their likelihoods are computed with.
 */
#ifndef FG_TEST_DATA_H
#define FG_TEST_DATA_H

#include "fg_core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

/* xorshift64*: plenty for test data, and the same on every platform */
static double __attribute__((unused))
uniform01(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return ((rng_state * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}

static double __attribute__((unused))
normal01(void)
{
	return sqrt(-2.0 * log(uniform01() + 1e-300)) * cos(6.283185307179586 * uniform01());
}

/*
 * log(1 + e^eta) by exact branches that never overflow: the tests evaluate
 * log-likelihoods with it, independently of the solver's own evaluation.
 */
static double __attribute__((unused))
log1pexp(double eta)
{
	if (eta > 35.0)
		return eta;
	if (eta > -35.0)
		return log1p(exp(eta));
	return exp(eta);
}

/* The arrays of a data set and the fg_data that views them. */
typedef struct test_set
{
	fg_data		data;
	double	   *x;
	uint8_t    *y;
	uint8_t    *s;
	uint32_t   *g;
} test_set;

/* Allocate N rows of p features (zeroed) and point data at them. */
static void __attribute__((unused))
test_set_alloc(test_set *t, size_t N, int p, uint32_t n_strata)
{
	t->x = calloc(N * p + 1, sizeof(double));
	t->y = calloc(N, 1);
	t->s = calloc(N, 1);
	t->g = calloc(N, sizeof(uint32_t));
	memset(&t->data, 0, sizeof(t->data));
	t->data.n_rows = N;
	t->data.p = p;
	t->data.n_strata = n_strata;
	t->data.x = t->x;
	t->data.y = t->y;
	t->data.s = t->s;
	t->data.stratum = n_strata ? t->g : NULL;
}

static void __attribute__((unused))
free_set(test_set *t)
{
	free(t->x);
	free(t->y);
	free(t->s);
	free(t->g);
}

#endif							/* FG_TEST_DATA_H */
