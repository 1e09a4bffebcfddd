/*
 * exp_nonpositive.h -- exp(x) for x <= 0 in straight-line code (core-internal).
 *
 * The Newton passes need exp(-|eta| / 2) for every row.  A call to libm's
 * exp per row keeps the loop around it scalar; this inline version has no
 * branch and no call, so that loop vectorizes.  It is accurate to about
 * one unit in the last place (test_exp checks it against libm), and it
 * uses only adds, multiplies and integer bit operations, so every
 * vectorized copy of a loop computes the same bits.
 */
#ifndef FG_EXP_NONPOSITIVE_H
#define FG_EXP_NONPOSITIVE_H

#include <stdint.h>
#include <string.h>

/*
 * exp(x) for x <= 0.  Below -708 it returns exp(-708) (about 3e-308), not
 * the true, subnormal or zero, value: callers square it or add it to 1, where
 * the difference vanishes, and the scale 2^n stays a normal number.
 */
static inline double
fg_exp_nonpositive(double x)
{
	/* 1.5 * 2^52: adding it rounds to an integer, which lands in the low bits */
	const double shift = 0x1.8p52;
	const uint64_t shift_bits = UINT64_C(0x4338000000000000);
	/* ln 2 in two parts; n * ln2_hi is exact for |n| < 2^11 */
	const double ln2_hi = 0x1.62e42fee00000p-1;
	const double ln2_lo = 0x1.a39ef35793c76p-33;
	double		kd,
				r,
				p,
				scale;
	uint64_t	kbits,
				sbits;

	x = x < -708.0 ? -708.0 : x;
	/* x = n ln 2 + r with n = round(x / ln 2), |r| <= ln 2 / 2 */
	kd = x * 0x1.71547652b82fep0 + shift;
	memcpy(&kbits, &kd, sizeof(kbits));
	kd -= shift;
	r = (x - kd * ln2_hi) - kd * ln2_lo;
	/* exp(r) by its Taylor series to r^13: the rest is below 1e-17 relative */
	p = 1.0 / 6227020800.0;
	p = p * r + 1.0 / 479001600.0;
	p = p * r + 1.0 / 39916800.0;
	p = p * r + 1.0 / 3628800.0;
	p = p * r + 1.0 / 362880.0;
	p = p * r + 1.0 / 40320.0;
	p = p * r + 1.0 / 5040.0;
	p = p * r + 1.0 / 720.0;
	p = p * r + 1.0 / 120.0;
	p = p * r + 1.0 / 24.0;
	p = p * r + 1.0 / 6.0;
	p = p * r + 0.5;
	p = p * r + 1.0;
	p = p * r + 1.0;
	/* 2^n from the exponent bits: n = kbits - shift_bits, -1022 <= n <= 0 */
	sbits = (kbits - shift_bits + 1023) << 52;
	memcpy(&scale, &sbits, sizeof(scale));
	return p * scale;
}

/*
 * log(1 + u) for u in [0, 1], also straight-line code, for the weighted
 * passes (whose rows cannot share one log of a product).  With
 * s = u / (2 + u) in [0, 1/3], log(1 + u) = 2 atanh(s) =
 * 2 s (1 + s^2/3 + s^4/5 + ...); sixteen terms leave a relative error
 * below 2e-17, so the result is within a few units in the last place of
 * libm's log1p (test_exp checks it).
 */
static inline double
fg_log1p_unit(double u)
{
	double		s = u / (2.0 + u);
	double		s2 = s * s;
	double		p = 1.0 / 31.0;

	p = p * s2 + 1.0 / 29.0;
	p = p * s2 + 1.0 / 27.0;
	p = p * s2 + 1.0 / 25.0;
	p = p * s2 + 1.0 / 23.0;
	p = p * s2 + 1.0 / 21.0;
	p = p * s2 + 1.0 / 19.0;
	p = p * s2 + 1.0 / 17.0;
	p = p * s2 + 1.0 / 15.0;
	p = p * s2 + 1.0 / 13.0;
	p = p * s2 + 1.0 / 11.0;
	p = p * s2 + 1.0 / 9.0;
	p = p * s2 + 1.0 / 7.0;
	p = p * s2 + 1.0 / 5.0;
	p = p * s2 + 1.0 / 3.0;
	p = p * s2 + 1.0;
	return 2.0 * s * p;
}

#endif							/* FG_EXP_NONPOSITIVE_H */
