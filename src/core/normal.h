/*
 * normal.h -- the standard normal distribution for Wald tests and
 * intervals: the quantile function and the two-sided tail probability.
 */
#ifndef FG_NORMAL_H
#define FG_NORMAL_H

/*
 * The p-quantile of N(0, 1) (Wichura's algorithm AS 241, about 16 digits,
 * the algorithm R's qnorm uses): -infinity at 0, +infinity at 1, NaN
 * outside [0, 1] and for NaN.
 */
double		fg_qnorm(double p);

/* P(|Z| >= |z|) = erfc(|z| / sqrt 2): 1 at 0, NaN for NaN. */
double		fg_two_sided_p(double z);

#endif							/* FG_NORMAL_H */
