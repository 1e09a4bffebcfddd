/*
 * alloc.c -- allocation without zeroing, for bulk buffers.
 *
 * fg_alloc (common.c) hands out zeroed memory; filling hundreds of megabytes
 * of training rows with zeros just before writing them costs a second pass
 * over that memory, so buffers that are always written first use this.
 */
#include "fg_core.h"

void *
fg_alloc_uninit(const fg_env *env, size_t size)
{
	if (env->alloc_uninit == NULL)
		return fg_alloc(env, size);
	return env->alloc_uninit(env->ctx, size == 0 ? 1 : size);
}
