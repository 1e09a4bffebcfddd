/*
 * test_hardening.c -- the core under extreme input and cancellation: the
 * collinearity check at every scale, interrupt checks often enough on wide
 * data, and an interrupt that jumps out of a fit in the middle.
 */
#include "unit.h"
#include "test_data.h"
#include "newton.h"
#include "summary.h"

#include <setjmp.h>
#include <string.h>

/*
 * The collinearity check on its own, as the fit runs it after its summary
 * pass.  Only these tests need it alone, so it lives here, not in the core.
 */
static fg_status
check_collinear(const fg_env *env, const fg_data *data, fg_error *err)
{
	fg_summary	sum;
	fg_status	st;

	if (data->p == 0)
		return FG_OK;
	if ((st = fg_summarize(env, data, false, &sum, err)) != FG_OK)
		return st;
	st = fg_summary_check_collinear(env, data, &sum, err);
	fg_summary_free(env, &sum);
	return st;
}

/* ---------- data ---------- */

static void
make_set(test_set *t, size_t N, int p, uint32_t n, uint64_t seed)
{
	rng_state = seed;
	test_set_alloc(t, N, p, n);
	for (size_t l = 0; l < N; l++)
	{
		double		eta = -0.3;

		t->s[l] = uniform01() < 0.4;
		t->g[l] = n ? (uint32_t) (l % n) : 0;
		for (int j = 0; j < p; j++)
		{
			t->x[l * p + j] = normal01();
			if (j < 3)
				eta += (j == 1 ? -0.6 : 0.8) * t->x[l * p + j];
		}
		t->y[l] = uniform01() < fg_sigmoid(eta + 0.7 * t->s[l]);
	}
}

static void
scale_column(test_set *t, int j, double k)
{
	for (size_t l = 0; l < t->data.n_rows; l++)
		t->x[l * t->data.p + j] *= k;
}

/* ---------- the collinearity check is the same at every scale ---------- */

static void
test_scales(void)
{
	static const double scales[] = {1e-140, 1e-100, 1e-20, 1e20, 1e100, 1e140};
	fg_error	err;
	fg_options	opt;
	fg_fit		base,
				fit;

	fg_options_default(&opt);
	opt.method = FG_METHOD_CRLR;
	opt.lambda = 1.0;
	for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++)
	{
		double		k = scales[i];
		test_set	t;

		make_set(&t, 500, 3, 10, 11);
		scale_column(&t, 0, k);
		CHECK(check_collinear(&unit_env, &t.data, &err) == FG_OK,
			  "scale %g: %s", k, err.detail);

		/* a copy of the scaled column, times 3: collinear */
		for (size_t l = 0; l < 500; l++)
			t.x[l * 3 + 2] = 3.0 * t.x[l * 3];
		CHECK(check_collinear(&unit_env, &t.data, &err) == FG_ERR_COLLINEAR &&
			  strcmp(err.message, "features are collinear") == 0,
			  "scale %g: %s", k, err.message);

		/* a constant column at that scale: constant */
		for (size_t l = 0; l < 500; l++)
			t.x[l * 3 + 2] = 5.0 * k;
		CHECK(check_collinear(&unit_env, &t.data, &err) == FG_ERR_COLLINEAR &&
			  strcmp(err.message, "feature is constant") == 0,
			  "scale %g: %s", k, err.message);
		free_set(&t);
	}

	/* the fit scales the coefficient back, from 1e-100 to 1e100 */
	{
		test_set	t;

		make_set(&t, 2000, 3, 20, 12);
		CHECK(fg_fit_model(&unit_env, &t.data, &opt, &base, &err) == FG_OK, "%s", err.message);
		for (int e = -100; e <= 100; e += 50)
		{
			double		k = pow(10.0, e);

			scale_column(&t, 0, k);
			if (CHECK(fg_fit_model(&unit_env, &t.data, &opt, &fit, &err) == FG_OK,
					  "scale 1e%d: %s", e, err.message))
			{
				CHECK_NEAR(fit.beta[0] * k / base.beta[0], 1.0, 1e-8);
				CHECK_NEAR(fit.intercept, base.intercept, 1e-8);
				fg_fit_release(&unit_env, &fit);
			}
			scale_column(&t, 0, 1.0 / k);
		}
		fg_fit_release(&unit_env, &base);
		free_set(&t);
	}
	CHECK(unit_live_allocs == 0, "%ld allocations left", unit_live_allocs);
}

/* ---------- interrupts ---------- */

static long polls;
static long jump_after = -1;
static jmp_buf jump_target;

static void
counting_poll(void *ctx)
{
	polls++;
	if (jump_after >= 0 && polls > jump_after)
		longjmp(jump_target, 1);
}

/*
 * An arena allocator, as the server's memory contexts are: whatever the
 * core holds when an interrupt jumps out is still freed by the caller.
 */
#define ARENA_MAX 4096
static void *arena[ARENA_MAX];
static int	arena_used;

static void *
arena_alloc(void *ctx, size_t size)
{
	void	   *p;

	if (arena_used == ARENA_MAX)
		return NULL;
	p = calloc(1, size);
	if (p != NULL)
		arena[arena_used++] = p;
	return p;
}

static void
arena_release(void *ctx, void *ptr)
{
	for (int i = 0; i < arena_used; i++)
		if (arena[i] == ptr)
		{
			free(ptr);
			arena[i] = arena[--arena_used];
			return;
		}
	unit_check(false, "release of a pointer the arena never gave out", __FILE__, __LINE__, "-");
}

static void
arena_reset(void)
{
	for (int i = 0; i < arena_used; i++)
		free(arena[i]);
	arena_used = 0;
}

static const fg_env poll_env = {
	.alloc = arena_alloc,
	.release = arena_release,
	.check_interrupts = counting_poll,
	.ctx = NULL,
};

static void
test_interrupts_on_wide_data(void)
{
	test_set	t;
	fg_error	err;
	fg_options	opt;
	fg_fit		fit;

	/*
	 * 2048 rows of 300 features: one pass costs 2048 x 301^2 multiply-adds.
	 * Polling every 65536 rows meant one check per pass; by work done it is
	 * one per 512 rows, four per pass.
	 */
	make_set(&t, 2048, 300, 16, 13);
	polls = 0;
	jump_after = -1;
	CHECK(check_collinear(&poll_env, &t.data, &err) == FG_OK, "%s", err.message);
	CHECK(polls >= 4, "the collinearity pass checked for interrupts %ld times", polls);
	arena_reset();

	fg_options_default(&opt);
	opt.method = FG_METHOD_CRLR;
	opt.lambda = 1.0;
	opt.max_iter = 2;
	polls = 0;
	(void) fg_fit_model(&poll_env, &t.data, &opt, &fit, &err);
	/* the summary pass and at least two Newton passes, four polls each */
	CHECK(polls >= 12, "a wide fit checked for interrupts %ld times", polls);
	arena_reset();
	free_set(&t);
}

/* Fit with the hook jumping out at check number at + 1; true if it did. */
static bool
fit_jumps_out(const fg_data *data, const fg_options *opt, long at)
{
	fg_error	err;
	fg_fit		fit;

	polls = 0;
	jump_after = at;
	if (setjmp(jump_target) == 0)
	{
		(void) fg_fit_model(&poll_env, data, opt, &fit, &err);
		jump_after = -1;
		return false;
	}
	jump_after = -1;
	return true;
}

/*
 * The server's interrupt hook does not return on a cancel: it jumps to the
 * error handler.  Jump out of every method at several depths; the arena
 * then frees what the core held, and the next fit is unaffected.
 */
static void
test_interrupt_jumps_out(void)
{
	static const fg_method methods[] = {FG_METHOD_LR, FG_METHOD_FAIR_LR, FG_METHOD_CRLR,
	FG_METHOD_FAIR_CRLR, FG_METHOD_GLMM, FG_METHOD_FAIR_GLMM};
	test_set	t;
	fg_error	err;
	fg_fit		fit;

	make_set(&t, 3000, 4, 30, 14);
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
	{
		fg_options	opt;
		long		total;

		fg_options_default(&opt);
		opt.method = methods[i];
		opt.rho = fg_method_is_fair(methods[i]) ? 0.5 : 0.0;
		opt.lambda = 1.0;
		opt.max_steps = 20;

		/* how many checks a whole fit makes */
		polls = 0;
		jump_after = -1;
		if (!CHECK(fg_fit_model(&poll_env, &t.data, &opt, &fit, &err) == FG_OK,
				   "%s: %s", fg_method_name(methods[i]), err.message))
			continue;
		total = polls;
		arena_reset();
		CHECK(total >= 3, "%s checked for interrupts %ld times", fg_method_name(methods[i]), total);

		for (long at = 0; at < total; at += total / 5 + 1)
		{
			CHECK(fit_jumps_out(&t.data, &opt, at),
				  "%s: no jump at check %ld of %ld", fg_method_name(methods[i]), at, total);
			arena_reset();
		}

		/* afterwards the same fit gives the same answer */
		jump_after = -1;
		polls = 0;
		if (CHECK(fg_fit_model(&poll_env, &t.data, &opt, &fit, &err) == FG_OK, "%s", err.message))
			CHECK(polls == total, "%s: %ld checks after the jumps, %ld before",
				  fg_method_name(methods[i]), polls, total);
		arena_reset();
	}
	free_set(&t);
}

int
main(void)
{
	test_scales();
	test_interrupts_on_wide_data();
	test_interrupt_jumps_out();
	return unit_summary("hardening");
}
