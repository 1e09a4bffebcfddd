/*
 * test_normal.c -- the normal quantile and two-sided p-values against R
 * (qnorm and 2 * pnorm(-z) of R 4, printed with 17 digits), to 1e-12
 * relative; symmetry, monotonicity and the edges.
 */
#include "normal.h"
#include "unit.h"

#include <math.h>

static const double qnorm_r[][2] = {
	{0.5, 0},
	{0.75, 0.67448975019608171},
	{0.80000000000000004, 0.84162123357291441},
	{0.90000000000000002, 1.2815515655446008},
	{0.94999999999999996, 1.6448536269514715},
	{0.97499999999999998, 1.9599639845400536},
	{0.995, 2.5758293035488999},
	{0.99950000000000006, 3.2905267314919255},
	{0.99999899999999997, 4.7534243088170891},
	{0.99999999989999999, 6.3613408896974208},
	{0.50000000099999997, 2.5066282037387119e-09},
	{0.59999999999999998, 0.25334710313579978},
	{0.52500000000000002, 0.062706777943213832},
	{1e-300, -37.047096299361201},
	{9.9999999999999995e-21, -9.2623400897984052},
	{0.024250000000000001, -1.9729610513118845},
	{0.02, -2.0537489106318225},
	{0.97575000000000001, 1.9729610513118847},
	{0.29999999999999999, -0.52440051270804067},
};

static const double pvalue_r[][2] = {
	{0, 1},
	{0.5, 0.61707507745197387},
	{1.96, 0.049995790296440856},
	{3, 0.0026997960632601892},
	{8.3000000000000007, 1.041113948978051e-16},
	{10, 1.5239706048321054e-23},
	{38, 0},
};

static bool
close_rel(double got, double want, double tol)
{
	if (want == 0.0)
		return fabs(got) <= tol;
	return fabs(got - want) <= tol * fabs(want);
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(qnorm_r) / sizeof(qnorm_r[0]); i++)
		CHECK(close_rel(fg_qnorm(qnorm_r[i][0]), qnorm_r[i][1], 1e-12),
			  "qnorm(%.17g) = %.17g, R %.17g", qnorm_r[i][0], fg_qnorm(qnorm_r[i][0]), qnorm_r[i][1]);
	for (size_t i = 0; i < sizeof(pvalue_r) / sizeof(pvalue_r[0]); i++)
	{
		CHECK(close_rel(fg_two_sided_p(pvalue_r[i][0]), pvalue_r[i][1], 1e-12),
			  "p(%g) = %.17g, R %.17g", pvalue_r[i][0], fg_two_sided_p(pvalue_r[i][0]), pvalue_r[i][1]);
		CHECK(fg_two_sided_p(-pvalue_r[i][0]) == fg_two_sided_p(pvalue_r[i][0]));
	}
	/* symmetric, increasing, and the quantile of the p-value back */
	{
		double		last = -INFINITY;
		bool		ok = true;

		for (int k = 1; k < 100000; k++)
		{
			double		p = k / 100000.0;
			double		q = fg_qnorm(p);

			ok &= q > last && fabs(q + fg_qnorm(1.0 - p)) <= 1e-12 * fmax(1.0, fabs(q));
			ok &= close_rel(fg_two_sided_p(q), 2.0 * fmin(p, 1.0 - p), 1e-12) ||
				fabs(fg_two_sided_p(q) - 2.0 * fmin(p, 1.0 - p)) < 1e-15;
			last = q;
		}
		CHECK(ok);
	}
	CHECK(fg_qnorm(0.0) == -INFINITY && fg_qnorm(1.0) == INFINITY);
	CHECK(isnan(fg_qnorm(-0.1)) && isnan(fg_qnorm(1.5)) && isnan(fg_qnorm(NAN)));
	CHECK(isnan(fg_two_sided_p(NAN)) && fg_two_sided_p(INFINITY) == 0.0);
	return unit_summary("normal");
}
