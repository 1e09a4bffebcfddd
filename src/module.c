/*
 * module.c -- module initialisation: the magic block, the settings
 * (fairglmm.max_training_memory, fairglmm.blas_threads,
 * fairglmm.unseen_strata) and OpenBLAS's threads.
 */
#include "postgres.h"

#include <cblas.h>
#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "module.h"

PG_MODULE_MAGIC;

int			fgsql_max_training_memory_kb = 1024 * 1024;	/* 1 GB */
int			fgsql_unseen_strata = FGSQL_UNSEEN_POPULATION;

static const struct config_enum_entry unseen_strata_options[] = {
	{"population", FGSQL_UNSEEN_POPULATION, false},
	{"error", FGSQL_UNSEEN_ERROR, false},
	{"null", FGSQL_UNSEEN_NULL, false},
	{NULL, 0, false}
};

/* fairglmm.blas_threads; only its assign hook acts on it */
static int	blas_threads = 1;

void		_PG_init(void);

/*
 * OpenBLAS threading.  A backend is single-threaded, like the rest of
 * PostgreSQL; parallel query is where the parallelism of a fit comes from.
 * But the pthread build of OpenBLAS starts a pool of (cores - 1) threads the
 * moment it is loaded, so every backend that ever touched fairglmm would keep
 * idle threads.  With fairglmm.blas_threads = 1 the pool is stopped again.
 * blas_thread_shutdown_ is what OpenBLAS itself calls around fork(); it is
 * exported but not documented, so it is referenced weakly: with a BLAS that
 * lacks it, nothing happens.  OpenBLAS starts the pool again by itself when a
 * larger setting asks for threads (openblas_set_num_threads does that).
 */
extern int	blas_thread_shutdown_(void) __attribute__((weak));

static void
apply_blas_threads(int threads)
{
	openblas_set_num_threads(threads);
	if (threads == 1 && blas_thread_shutdown_ != NULL)
		blas_thread_shutdown_();
}

static void
assign_blas_threads(int newval, void *extra)
{
	apply_blas_threads(newval);
}

void
_PG_init(void)
{
	DefineCustomIntVariable("fairglmm.max_training_memory",
							"Largest amount of memory one fairglmm_fit may use for its rows and solver.",
							"Training stops with an error before it would exceed this.",
							&fgsql_max_training_memory_kb,
							1024 * 1024, 1024, INT_MAX,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("fairglmm.blas_threads",
							"Threads OpenBLAS may use inside one backend.",
							"1 (the default) keeps a backend single-threaded, with no idle BLAS threads; parallel query gives parallelism.",
							&blas_threads,
							1, 1, 64,
							PGC_USERSET, 0,
							NULL, assign_blas_threads, NULL);
	DefineCustomEnumVariable("fairglmm.unseen_strata",
							 "What fairglmm_predict and fairglmm_classify do with a stratum the model has no random intercept for.",
							 "population (the default) scores it without a random intercept, error raises an error, null returns NULL.",
							 &fgsql_unseen_strata,
							 FGSQL_UNSEEN_POPULATION, unseen_strata_options,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("fairglmm");
	apply_blas_threads(blas_threads);
}
