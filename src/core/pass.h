/*
 * pass.h -- what every pass over the training rows shares (core-internal):
 * the block size of the BLAS calls and how often to poll for a cancel.
 */
#ifndef FG_PASS_H
#define FG_PASS_H

#include "fg_core.h"

/* Rows handled per BLAS call: large enough for BLAS, small enough for cache. */
#define FG_BLOCK_ROWS 256
/*
 * For the functions whose per-row loops dominate a fit: compile them twice,
 * for AVX2 and for the baseline, and let the loader pick one for the CPU
 * (an ifunc).  FMA is left out on purpose: wider vectors then do the same
 * IEEE operations on each element in the same order, so a fit gives the
 * same bits whichever copy runs.  GCC only: clang 14 (the fuzz harnesses'
 * compiler) leaves the dispatcher of an extern clone undefined.
 */
#if defined(__x86_64__) && defined(__ELF__) && defined(__GNUC__) && !defined(__clang__) && \
	!defined(FG_NO_TARGET_CLONES)
#define FG_ROW_LOOPS __attribute__((target_clones("avx2", "default")))
#else
#define FG_ROW_LOOPS
#endif

/* Rows between interrupt checks in long passes. */
#define FG_INTERRUPT_ROWS (1 << 16)

static inline void
fg_poll_interrupts(const fg_env *env)
{
	if (env->check_interrupts)
		env->check_interrupts(env->ctx);
}

/*
 * Rows between interrupt checks in a pass that costs about k^2 per row (a
 * dsyrk over k columns): about 2^26 multiply-adds, a few milliseconds, at
 * any width.  Counting rows alone left 65536 rows x k^2 between checks, a
 * second or more once k reaches a few hundred.  A multiple of FG_BLOCK_ROWS.
 */
static inline size_t
fg_rows_between_polls(int k)
{
	size_t		rows = ((size_t) 1 << 26) / ((size_t) k * (size_t) k + 1);

	rows -= rows % FG_BLOCK_ROWS;
	if (rows < FG_BLOCK_ROWS)
		return FG_BLOCK_ROWS;
	return rows > FG_INTERRUPT_ROWS ? FG_INTERRUPT_ROWS : rows;
}

/*
 * Poll once the pass reaches row *next, then aim at the next multiple of
 * `every` (from fg_rows_between_polls; blocks never skip one).
 */
static inline void
fg_poll_at(const fg_env *env, size_t row, size_t *next, size_t every)
{
	if (row >= *next)
	{
		fg_poll_interrupts(env);
		*next += every;
	}
}

#endif							/* FG_PASS_H */
