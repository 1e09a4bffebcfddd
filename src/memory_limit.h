/*
 * memory_limit.h -- the one check of fairglmm.max_training_memory.
 */
#ifndef FG_MEMORY_LIMIT_H
#define FG_MEMORY_LIMIT_H

#include "postgres.h"

#include "train_state.h"

/*
 * Fail, with a hint to raise the setting, when training would need more than
 * bytes allow.  The detail says what needs them: with rows, the collected
 * rows (their count so far and the bytes each of p features takes); without,
 * the thing named by what.
 */
void		fg_check_training_memory(Size bytes, const fg_train *rows, int p,
										const char *what);

#endif							/* FG_MEMORY_LIMIT_H */
