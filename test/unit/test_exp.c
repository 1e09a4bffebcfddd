/*
 * test_exp.c -- fg_exp_nonpositive, the inline exponential of the Newton
 * passes, against libm: within one unit in the last place over [-708, 0]
 * (random points, powers of two, multiples of ln 2 / 2 where the range
 * reduction switches), exact at 0, and the documented clamp below -708;
 * fg_log1p_unit against log1p over [0, 1].
 */
#include "exp_nonpositive.h"
#include "unit.h"

#include <float.h>
#include <math.h>
#include <stdio.h>

/* Distance of a from b in units of b's last place. */
static double
ulps(double a, double b)
{
	if (a == b)
		return 0.0;
	return fabs(a - b) / (nextafter(b, INFINITY) - b);
}

static double worst;
static double worst_at;

static void
check_point(double x)
{
	double		e = ulps(fg_exp_nonpositive(x), exp(x));

	if (e > worst)
	{
		worst = e;
		worst_at = x;
	}
}

/* fg_log1p_unit against libm's log1p over [0, 1]: worst error in ulps */
static double
log1p_worst(void)
{
	uint64_t	state = UINT64_C(2463534242);
	double		w = 0.0;

	for (long i = 0; i < 2000000; i++)
	{
		double		u;

		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		u = (double) (state >> 11) * (1.0 / 9007199254740992.0);
		/* uniform, and small values down to 1e-300 */
		if (i % 2)
			u = pow(10.0, -300.0 * u);
		w = fmax(w, ulps(fg_log1p_unit(u), log1p(u)));
	}
	w = fmax(w, ulps(fg_log1p_unit(1.0), log1p(1.0)));
	return w;
}

int
main(void)
{
	uint64_t	state = UINT64_C(88172645463325252);

	/* random points: wide, moderate and small magnitudes */
	for (long i = 0; i < 3000000; i++)
	{
		double		u;

		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		u = (double) (state >> 11) * (1.0 / 9007199254740992.0);
		check_point(-u * (i % 3 == 0 ? 708.0 : i % 3 == 1 ? 40.0 : 1.0));
	}
	/* the reduction's seams n ln 2 / 2, and their neighbours */
	for (int n = 0; n <= 2042; n++)
	{
		double		x = -n * 0.34657359027997264;

		if (x < -708.0)
			break;
		check_point(x);
		check_point(nextafter(x, 0.0));
		check_point(nextafter(x, -INFINITY));
	}
	/* powers of two down to the smallest normals */
	for (int e = 9; e >= -1074; e--)
		if (-ldexp(1.0, e) >= -708.0)
			check_point(-ldexp(1.0, e));
	CHECK(worst <= 1.0, "%.3f ulp at %a", worst, worst_at);

	CHECK(fg_exp_nonpositive(0.0) == 1.0);
	CHECK(fg_exp_nonpositive(-0.0) == 1.0);
	CHECK(fg_exp_nonpositive(-DBL_MIN) == 1.0);
	CHECK(fg_exp_nonpositive(-M_LN2) == 0.5);
	/* below -708: exp(-708), a normal number, whatever the argument */
	CHECK(ulps(fg_exp_nonpositive(-708.0), exp(-708.0)) <= 1.0);
	CHECK(fg_exp_nonpositive(-708.5) == fg_exp_nonpositive(-708.0));
	CHECK(fg_exp_nonpositive(-1e300) == fg_exp_nonpositive(-708.0));
	CHECK(fg_exp_nonpositive(-INFINITY) == fg_exp_nonpositive(-708.0));
	CHECK(fg_exp_nonpositive(-708.0) >= DBL_MIN);
	CHECK(isnan(fg_exp_nonpositive(NAN)));

	{
		double		w = log1p_worst();

		CHECK(w <= 4.0, "fg_log1p_unit: %.3f ulp from log1p", w);
		printf("fg_log1p_unit: worst %.2f ulp from libm's log1p over [0, 1]\n", w);
	}
	CHECK(fg_log1p_unit(0.0) == 0.0);
	return unit_summary("exp");
}
