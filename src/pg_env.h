/*
 * pg_env.h -- the core's environment (fg_env) inside a backend.
 */
#ifndef FGSQL_PG_ENV_H
#define FGSQL_PG_ENV_H

#include "postgres.h"

#include "fg_core.h"

/*
 * An fg_env that allocates in mcxt (huge allocations allowed), honours query
 * cancellation, and reserves the training rows' region with huge pages.
 */
void		fgsql_env_init(fg_env *env, MemoryContext mcxt);

#endif							/* FGSQL_PG_ENV_H */
