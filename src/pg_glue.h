/*
 * pg_glue.h -- what the SQL layer shares: the core's environment backed by
 * palloc and CHECK_FOR_INTERRUPTS, error reporting, and the settings.
 */
#ifndef FG_PG_GLUE_H
#define FG_PG_GLUE_H

#include "postgres.h"

#include "fg_core.h"
#include "model_format.h"

/* fairglmm.max_training_memory, in kB */
extern int	fg_max_training_memory_kb;
/* fairglmm.blas_threads */
extern int	fg_blas_threads;

/* An fg_env that allocates in mcxt (huge allocations allowed). */
void		fg_pg_env_init(fg_env *env, MemoryContext mcxt);

/* ereport(ERROR) for a core failure, with the errcode its status calls for. */
void		fg_report_error(const fg_error *err) pg_attribute_noreturn();

/* Fail with a hint to raise the setting when bytes exceed the training limit. */
void		fg_check_training_memory(Size bytes, const char *what);

/* A 0/1 argument given as boolean or integer; other integers are an error. */
uint8		fg_binary_datum(Datum value, Oid type, const char *name);

/* Decode a model argument, caching the decoded form across calls of one query. */
const fg_model *fg_get_model(FunctionCallInfo fcinfo, int argno);

#endif							/* FG_PG_GLUE_H */
