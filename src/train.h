/*
 * train.h -- what fairglmm_train's driver (train_sql.c) and its pass
 * aggregate (train_pass.c) share.
 */
#ifndef FGSQL_TRAIN_H
#define FGSQL_TRAIN_H

#include "postgres.h"

#include "fit_state.h"

/*
 * A state holding the dictionaries of the first pass, from the training
 * state's bytes (state_format.h, no rows), in cxt; sorted as the fit sorts
 * them when sort.
 */
fgsql_fit_state *fgsql_train_dictionaries(const uint8 *bytes, size_t len, MemoryContext cxt,
										  bool sort);

#endif							/* FGSQL_TRAIN_H */
