/*
 * unit.h -- a minimal harness for the plain-C unit tests of the core.
 *
 * Each test_*.c includes this once, calls CHECK / CHECK_NEAR as it goes and
 * ends main() with "return unit_summary("name");".  Everything is static, as
 * every test is a program of its own.
 */
#ifndef FG_UNIT_H
#define FG_UNIT_H

#include "fg_core.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static long unit_passed;
static long unit_failed;

/* Record one check; print where and why when it fails. */
static bool unit_check(bool ok, const char *expr, const char *file, int line,
					   const char *fmt,...)
#ifdef __GNUC__
			__attribute__((format(printf, 5, 6), unused))
#endif
			;

static bool
unit_check(bool ok, const char *expr, const char *file, int line,
		   const char *fmt,...)
{
	va_list		ap;

	if (ok)
	{
		unit_passed++;
		return true;
	}
	unit_failed++;
	fprintf(stderr, "%s:%d: check failed: %s", file, line, expr);
	/* fmt always starts with the '-' that CHECK pastes in; skip it */
	if (fmt[0] != '\0' && fmt[1] != '\0')
	{
		fputs(": ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt + 1, ap);
		va_end(ap);
	}
	fputc('\n', stderr);
	return false;
}

/*
 * CHECK(cond) or CHECK(cond, "printf format", args...).  Pasting "-" in front
 * lets the message be left out while the format stays checked by the
 * compiler (an empty format would draw a warning).  Evaluates to whether the
 * check passed.
 */
#define CHECK(cond, ...) \
	unit_check((cond) ? true : false, #cond, __FILE__, __LINE__, "-" __VA_ARGS__)

/* Equal within an absolute tolerance; NaN never passes (use CHECK(isnan)). */
#define CHECK_NEAR(a, b, tol) \
	do { \
		double		unit_a_ = (a); \
		double		unit_b_ = (b); \
		double		unit_tol_ = (tol); \
		unit_check(fabs(unit_a_ - unit_b_) <= unit_tol_, \
				   #a " ~= " #b, __FILE__, __LINE__, \
				   "-%.17g vs %.17g (difference %.3g, tolerance %.3g)", \
				   unit_a_, unit_b_, fabs(unit_a_ - unit_b_), unit_tol_); \
	} while (0)

/*
 * A malloc-backed environment.  It keeps three numbers so tests can see that
 * code frees what it allocates and never asks for absurd sizes, and it can be
 * told to fail after a number of allocations to exercise out-of-memory paths.
 */
static long unit_live_allocs;	/* allocations not yet released */
static size_t unit_largest_alloc;	/* largest single request so far */
static long unit_fail_after = -1;	/* >= 0: succeed this many more times */

/* Count the request and honour unit_fail_after; zero the memory if asked. */
static void *
unit_counted_alloc(size_t size, bool zero)
{
	void	   *p;

	if (size > unit_largest_alloc)
		unit_largest_alloc = size;
	if (unit_fail_after == 0)
		return NULL;
	if (unit_fail_after > 0)
		unit_fail_after--;
	p = zero ? calloc(1, size) : malloc(size);
	if (p != NULL)
		unit_live_allocs++;
	return p;
}

static void *
unit_alloc(void *ctx, size_t size)
{
	return unit_counted_alloc(size, true);
}

/* The same without zeroing, so valgrind sees reads of unwritten memory. */
static void *
unit_alloc_uninit(void *ctx, size_t size)
{
	return unit_counted_alloc(size, false);
}

static void
unit_release(void *ctx, void *ptr)
{
	if (ptr != NULL)
		unit_live_allocs--;
	free(ptr);
}

static const fg_env unit_env __attribute__((unused)) = {
	.alloc = unit_alloc,
	.release = unit_release,
	.check_interrupts = NULL,
	.ctx = NULL,
	.alloc_uninit = unit_alloc_uninit,
};

/* Print the counts; the result is the process exit code. */
static int __attribute__((unused))
unit_summary(const char *name)
{
	printf("unit %s: %ld passed, %ld failed\n", name, unit_passed, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}

#endif							/* FG_UNIT_H */
