/*
 * pg_env.c -- the core's environment inside a backend: palloc for memory,
 * CHECK_FOR_INTERRUPTS for cancellation, and a huge-page region for the
 * training rows, all of it released with a memory context.
 */
#include "postgres.h"

#include <sys/mman.h>

#include "miscadmin.h"

#include "module.h"
#include "pg_env.h"

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
	size_t		want = ((size_t) fgsql_max_training_memory_kb * 1024 + FG_HUGE_PAGE - 1) &
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
fgsql_env_init(fg_env *env, MemoryContext mcxt)
{
	env->alloc = pg_alloc;
	env->release = pg_release;
	env->check_interrupts = pg_check_interrupts;
	env->ctx = mcxt;
	env->alloc_uninit = pg_alloc_uninit;
	env->reserve = pg_reserve;
	env->unreserve = pg_unreserve;
}
