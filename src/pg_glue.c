/*
 * pg_glue.c -- the core's environment inside a backend, error mapping,
 * settings and module initialisation.
 */
#include "postgres.h"

#include <cblas.h>
#include <limits.h>
#include <sys/mman.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "pg_glue.h"

PG_MODULE_MAGIC;

int			fg_max_training_memory_kb = 1024 * 1024;	/* 1 GB */
int			fg_blas_threads = 1;

static void *
pg_alloc(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO | MCXT_ALLOC_NO_OOM);
}

static void *
pg_alloc_uninit(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
pg_release(void *ctx, void *ptr)
{
	pfree(ptr);
}

/*
 * The training rows' region: address space for fairglmm.max_training_memory,
 * aligned to and advised for 2 MB pages.  Untouched pages cost nothing
 * (MAP_NORESERVE), and a reset callback of the memory context unmaps it, so
 * an error or a cancelled query releases it like palloc'd memory.
 */
#define FG_HUGE_PAGE ((size_t) 2 << 20)

typedef struct pg_region
{
	MemoryContextCallback cb;
	void	   *base;
	size_t		size;
} pg_region;

static void
pg_region_unmap(void *arg)
{
	pg_region  *r = (pg_region *) arg;

	if (r->base != NULL)
		munmap(r->base, r->size);
	r->base = NULL;
}

static void *
pg_reserve(void *ctx, size_t *size, void **handle)
{
	size_t		want = ((size_t) fg_max_training_memory_kb * 1024 + FG_HUGE_PAGE - 1) &
		~(FG_HUGE_PAGE - 1);
	size_t		span = want + FG_HUGE_PAGE;
	pg_region  *r;
	uint8	   *raw,
			   *base;

	r = MemoryContextAllocExtended((MemoryContext) ctx, sizeof(pg_region),
								   MCXT_ALLOC_ZERO | MCXT_ALLOC_NO_OOM);
	if (r == NULL)
		return NULL;
	raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
	{
		pfree(r);
		return NULL;				/* e.g. strict overcommit: plain chunks instead */
	}
	/* keep the 2 MB-aligned middle */
	base = (uint8 *) (((uintptr_t) raw + FG_HUGE_PAGE - 1) & ~(uintptr_t) (FG_HUGE_PAGE - 1));
	if (base > raw)
		munmap(raw, base - raw);
	if (raw + span > base + want)
		munmap(base + want, raw + span - (base + want));
#ifdef MADV_HUGEPAGE
	(void) madvise(base, want, MADV_HUGEPAGE);
#endif
	r->base = base;
	r->size = want;
	r->cb.func = pg_region_unmap;
	r->cb.arg = r;
	MemoryContextRegisterResetCallback((MemoryContext) ctx, &r->cb);
	*size = want;
	*handle = r;
	return base;
}

static void
pg_unreserve(void *ctx, void *handle)
{
	pg_region_unmap(handle);
}

static void
pg_check_interrupts(void *ctx)
{
	CHECK_FOR_INTERRUPTS();
}

void
fg_pg_env_init(fg_env *env, MemoryContext mcxt)
{
	env->alloc = pg_alloc;
	env->release = pg_release;
	env->check_interrupts = pg_check_interrupts;
	env->ctx = mcxt;
	env->alloc_uninit = pg_alloc_uninit;
	env->reserve = pg_reserve;
	env->unreserve = pg_unreserve;
}

void
fg_report_error(const fg_error *err)
{
	int			code;

	switch (err->status)
	{
		case FG_ERR_INVALID:
			code = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
		case FG_ERR_DATA:
		case FG_ERR_COLLINEAR:
		case FG_ERR_SEPARATION:
			code = ERRCODE_DATA_EXCEPTION;
			break;
		case FG_ERR_NOMEM:
			code = ERRCODE_OUT_OF_MEMORY;
			break;
		case FG_ERR_CORRUPT:
			code = ERRCODE_DATA_CORRUPTED;
			break;
		case FG_ERR_NOT_CONVERGED:
		case FG_ERR_NUMERIC:
		default:
			code = ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
			break;
	}
	ereport(ERROR,
			(errcode(code),
			 errmsg("%s", err->message),
			 err->detail[0] ? errdetail("%s", err->detail) : 0,
			 err->hint[0] ? errhint("%s", err->hint) : 0));
	pg_unreachable();
}

void
fg_check_training_memory(Size bytes, const char *what)
{
	Size		limit = (Size) fg_max_training_memory_kb * 1024;

	if (bytes > limit)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("fairglmm training needs more memory than fairglmm.max_training_memory allows"),
				 errdetail("The %s needs %zu MB; the limit is %zu MB.",
						   what, (bytes + (1 << 20) - 1) >> 20, limit >> 20),
				 errhint("Raise fairglmm.max_training_memory (SET fairglmm.max_training_memory = '4GB'), or train on a sample.")));
}

uint8
fg_binary_datum(Datum value, Oid type, const char *name)
{
	int32		v;

	if (type == BOOLOID)
		return DatumGetBool(value) ? 1 : 0;
	v = DatumGetInt32(value);
	if (v != 0 && v != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be 0 or 1", name),
				 errdetail("A row has %s = %d.", name, v),
				 errhint("Recode the column to 0/1 or pass a boolean.")));
	return (uint8) v;
}

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
							&fg_max_training_memory_kb,
							1024 * 1024, 1024, INT_MAX,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("fairglmm.blas_threads",
							"Threads OpenBLAS may use inside one backend.",
							"1 (the default) keeps a backend single-threaded, with no idle BLAS threads; parallel query gives parallelism.",
							&fg_blas_threads,
							1, 1, 64,
							PGC_USERSET, 0,
							NULL, assign_blas_threads, NULL);
	MarkGUCPrefixReserved("fairglmm");
	apply_blas_threads(fg_blas_threads);
}
