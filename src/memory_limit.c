/*
 * memory_limit.c -- the check against fairglmm.max_training_memory.  The
 * fit calls it before the rows grow and before the solver's workspace is
 * allocated, so that a fit too large fails at once with a hint instead of
 * after the server has handed out the memory.
 */
#include "postgres.h"

#include "memory_limit.h"
#include "module.h"

void
fgsql_check_training_memory(Size bytes, const fg_train *rows, int p, const char *what)
{
	Size		limit = (Size) fgsql_max_training_memory_kb * 1024;
	Size		mb = (bytes + (1 << 20) - 1) >> 20;

	if (bytes <= limit)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("fairglmm training needs more memory than fairglmm.max_training_memory allows"),
			 rows != NULL
			 ? errdetail("After " UINT64_FORMAT " rows the training data needs %zu MB, more than the limit of %zu MB; each row takes %zu bytes.",
						 rows->n_rows, mb, limit >> 20,
						 (Size) 8 * Max(p, 0) + 1 + (rows->n_attr > 0 ? 4 * rows->n_attr : 1) +
						 (rows->uses_strata ? 4 : 0) + (rows->weighted ? 8 : 0))
			 : errdetail("The %s needs %zu MB; the limit is %zu MB.", what, mb, limit >> 20),
			 errhint("Raise fairglmm.max_training_memory (SET fairglmm.max_training_memory = '4GB'), or train on a sample.")));
}
