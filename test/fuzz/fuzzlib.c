/*
 * fuzzlib.c -- the counting allocator, failure reporting, resealing, seed
 * writing, libFuzzer's entry point and the seed-writing mode shared by every
 * harness (see fuzz.h).
 */
#include "fuzz.h"
#include "model_format.h"
#include "../le_bytes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long live_allocs;
static long alloc_count;
static long fail_at = -1;
static size_t largest_alloc;

static void *
counting_alloc(void *ctx, size_t size)
{
	void	   *p;

	if (size > largest_alloc)
		largest_alloc = size;
	if (alloc_count++ == fail_at)
		return NULL;
	p = calloc(1, size);
	if (p != NULL)
		live_allocs++;
	return p;
}

static void
counting_release(void *ctx, void *ptr)
{
	if (ptr != NULL)
		live_allocs--;
	free(ptr);
}

const fg_env fuzz_env = {
	.alloc = counting_alloc,
	.release = counting_release,
	.check_interrupts = NULL,
	.ctx = NULL,
};

void
fuzz_env_reset(long fail)
{
	live_allocs = 0;
	alloc_count = 0;
	largest_alloc = 0;
	fail_at = fail;
}

long
fuzz_env_live(void)
{
	return live_allocs;
}

long
fuzz_env_count(void)
{
	return alloc_count;
}

size_t
fuzz_env_largest(void)
{
	return largest_alloc;
}

void
fuzz_die(const char *fmt,...)
{
	va_list		ap;

	fputs("fuzz: broken promise: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void
fuzz_seed(const char *dir, const char *name, const uint8_t *data, size_t len)
{
	char		path[4096];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
		fuzz_die("cannot write seed %s", path);
}

void
fuzz_reseal(uint8_t *buf, size_t len)
{
	if (len < HEADER_SIZE + TRAILER_SIZE)
		return;
	put_le(buf + OFF_TOTAL, len, 8);
	put_le(buf + len - TRAILER_SIZE, fg_crc32c(0, buf, len - TRAILER_SIZE), 4);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *copy;

	/* a copy of exactly size bytes, so ASan sees any read past the end */
	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	fuzz_decode(copy, size);
	if (size >= HEADER_SIZE + TRAILER_SIZE)
	{
		fuzz_reseal(copy, size);
		fuzz_decode(copy, size);
	}
	free(copy);
	return 0;
}

/*
 * libFuzzer calls this once before fuzzing.  With FUZZ_WRITE_SEEDS=dir in the
 * environment the binary is the seed generator instead: write and exit.
 */
int			LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_WRITE_SEEDS");

	if (dir != NULL && dir[0] != '\0')
	{
		fuzz_write_seeds(dir);
		exit(0);
	}
	return 0;
}
