/*
 * memory_limit.h -- the one check of fairglmm.max_training_memory.
 */
#ifndef FGSQL_MEMORY_LIMIT_H
#define FGSQL_MEMORY_LIMIT_H

#include "postgres.h"

#include "train_state.h"

/*
 * Fail, with a hint to raise the setting, when training would need more than
 * bytes allow.  The detail says what needs them: with rows, the collected
 * rows (their count so far and the bytes each of p features takes); without,
 * the thing named by what.
 */
void		fgsql_check_training_memory(Size bytes, const fg_train *rows, int p,
										const char *what);

#endif							/* FGSQL_MEMORY_LIMIT_H */
