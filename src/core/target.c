/*
 * target.c -- option "target": the training fairness ratios of a fit, and
 * the search for the smallest rho whose model reaches a level of one.
 */
#include "fg_core.h"
#include "fairness.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* first rho after 0, growth factor, cap, and the bracket's final width */
#define TARGET_RHO_START	0.01
#define TARGET_RHO_GROWTH	10.0
#define TARGET_RHO_CAP		1e10
#define TARGET_BRACKET		1.01
/* growth of an extrapolated step of the bracket phase, at least and at most */
#define TARGET_EXTRAPOLATE_MIN	2.0
#define TARGET_EXTRAPOLATE_MAX	100.0

/* The fit's linear predictor of row l. */
static double
row_eta(const fg_data *data, const fg_fit *fit, size_t l)
{
	const double *x = fg_data_row(data, l);
	double		eta = fit->intercept;

	for (int j = 0; j < data->p; j++)
		eta += x[j] * fit->beta[j];
	if (fit->n_strata > 0 && data->stratum != NULL)
		eta += fit->b[data->stratum[l]];
	return eta;
}

double
fg_attribute_ratio(uint32_t c, double *tot, double *pos, fg_target_metric metric)
{
	double		r;

	if (metric == FG_TARGET_DISPARATE_IMPACT)
	{
		for (uint32_t j = 0; j < c; j++)
		{
			tot[j] += tot[c + j];
			pos[j] += pos[c + j];
		}
		return fg_rate_ratio(pos, tot, c);
	}
	r = fg_rate_ratio(pos + c, tot + c, c);	/* true positive rates */
	if (metric == FG_TARGET_EQUALIZED_ODDS)
	{
		double		fpr = fg_rate_ratio(pos, tot, c);

		r = isnan(r) || fpr < r ? fpr : r;
	}
	return r;
}

double
fg_fairness_ratio(const fg_data *data, const fg_fit *fit, double threshold,
				  fg_target_metric metric)
{
	uint32_t	n_attr = data->n_attr == 0 ? 1 : data->n_attr;
	double		worst = NAN;

	for (uint32_t a = 0; a < n_attr; a++)
	{
		uint32_t	c = data->n_attr == 0 ? 2 : data->n_cats[a];
		/* per category and outcome group (0: y = 0, 1: y = 1): weight, weight predicted 1 */
		double		buf[2 * 2 * FG_MAX_CATEGORIES];
		double	   *tot = buf,
				   *pos = buf + 2 * c;
		double		r;

		memset(buf, 0, sizeof(double) * 4 * c);
		for (size_t l = 0; l < data->n_rows; l++)
		{
			double		w = data->w ? data->w[l] : 1.0;
			uint32_t	j = fg_row_category(data, l, a);
			int			yhat = fg_sigmoid(row_eta(data, fit, l)) >= threshold;
			size_t		cell = (size_t) data->y[l] * c + j;

			tot[cell] += w;
			pos[cell] += yhat ? w : 0.0;
		}
		r = fg_attribute_ratio(c, tot, pos, metric);
		if (!isnan(r) && !(worst <= r))
			worst = r;
	}
	return worst;
}

static const char *
metric_name(int metric)
{
	return metric == FG_TARGET_EQUAL_OPPORTUNITY ? "equal opportunity ratio"
		: metric == FG_TARGET_EQUALIZED_ODDS ? "equalized odds ratio" : "disparate impact";
}

/*
 * The next trial rho inside the bracket (x_lo, x_hi) of log rho, where the
 * metric minus the target is g_lo < 0 and g_hi >= 0 (NAN when unknown;
 * the end that has stayed is already scaled down, see fg_fit_target).
 * last_side: the end the last trial replaced (-1 lo, 1 hi).
 */
static double
next_trial(double x_lo, double x_hi, double g_lo, double g_hi, int last_side)
{
	double		width = x_hi - x_lo;
	double		step = log(TARGET_BRACKET) * 0.9;
	double		x;

	/* an end exactly at the target gives no slope to follow: bisect */
	if (!(g_lo < 0.0) || !(g_hi > 0.0))
		return exp(x_lo + width / 2.0);
	x = x_hi - g_hi * width / (g_hi - g_lo);
	/* the crossing is within 1 % of the last trial: step just across it */
	if (last_side == 1 && x > x_hi - step)
		x = x_hi - step;
	else if (last_side == -1 && x < x_lo + step)
		x = x_lo + step;
	else
		/* keep off the ends, where a trial tells little */
		x = fmin(fmax(x, x_lo + width / 20.0), x_hi - width / 20.0);
	if (!(x > x_lo && x < x_hi))
		x = x_lo + width / 2.0;
	return exp(x);
}

/*
 * The next rho of the bracket phase after the trials rho_a < rho_b (rho_a
 * 0 or g NAN when unusable) whose metrics minus the target are g_a, g_b < 0.
 */
static double
next_bracket_rho(double rho_a, double g_a, double rho_b, double g_b)
{
	double		factor;

	if (rho_b == 0.0)
		return TARGET_RHO_START;
	if (!(rho_a > 0.0) || !(g_b > g_a))
		return rho_b * TARGET_RHO_GROWTH;
	factor = 2.0 * exp(-g_b * log(rho_b / rho_a) / (g_b - g_a));
	return rho_b * fmin(fmax(factor, TARGET_EXTRAPOLATE_MIN), TARGET_EXTRAPOLATE_MAX);
}

fg_status
fg_fit_target(const fg_env *env, const fg_data *data, const fg_options *opt,
			  fg_fit *fit, double *rho_found, fg_error *err)
{
	fg_fitter  *f;
	fg_fit		hi_fit,
				trial;
	double		lo = 0.0,
				hi,
				best = -1.0,
				best_rho = 0.0,
				m,
				g_lo = NAN,
				g_hi,
				lo_prev = 0.0,	/* the trial before lo, and its metric minus the target */
				g_prev = NAN;
	int			last_side = 1;	/* which end the last trial moved: -1 lo, 1 hi */
	fg_status	st;

	memset(fit, 0, sizeof(*fit));
	memset(&hi_fit, 0, sizeof(hi_fit));
	if ((st = fg_fitter_init(env, data, opt, &f, err)) != FG_OK)
		return st;
	/* the trials need no standard errors: the model found gets them at the end */
	fg_fitter_set_vcov(f, FG_VCOV_NONE);

	/*
	 * rho = 0, then growing steps until the target is reached: tenfold, or
	 * where the last two trials rose, twice the rho where their line in
	 * log rho crosses the target (a step of 2 to 100 fold)
	 */
	for (hi = 0.0;; hi = fmin(next_bracket_rho(lo_prev, g_prev, lo, g_lo), TARGET_RHO_CAP))
	{
		/* the cap itself was tried and missed */
		if (lo >= TARGET_RHO_CAP)
		{
			fg_fitter_free(f);
			if (best < 0.0)
				return fg_fail(err, FG_ERR_DATA, "option \"target\" cannot be reached",
							   "Check that every group has rows the metric counts (for the ratios of rates: rows with y = 1, and y = 0).",
							   "The target %s is %g; it was undefined on the training rows at every rho from 0 up to %g.",
							   metric_name(opt->target_metric), opt->target, TARGET_RHO_CAP);
			return fg_fail(err, FG_ERR_DATA, "option \"target\" cannot be reached",
						   "Lower the target, or check that the sensitive attribute and the features allow it: a model that is nearly constant may classify every row alike.",
						   "The target %s is %g; the highest reached on the training rows is %g, at rho %g (rho was tried from 0 up to %g).",
						   metric_name(opt->target_metric), opt->target, best, best_rho, TARGET_RHO_CAP);
		}
		if ((st = fg_fitter_fit(f, hi, &trial, err)) != FG_OK)
			goto fail;
		m = fg_fairness_ratio(data, &trial, opt->threshold, opt->target_metric);
		fg_progress(env, opt, "target: rho %g gives %s %g", hi, metric_name(opt->target_metric), m);
		if (!isnan(m) && m > best)
		{
			best = m;
			best_rho = hi;
		}
		if (!isnan(m) && m >= opt->target)
		{
			hi_fit = trial;
			hi_fit.target_reached = m;
			break;
		}
		fg_fit_release(env, &trial);
		lo_prev = lo;
		g_prev = g_lo;
		lo = hi;
		g_lo = m - opt->target;
	}

	/*
	 * Shrink the bracket [lo, hi] of log rho until hi is within 1 % of lo
	 * (none when rho = 0 reaches it).  The metric is nearly smooth in log
	 * rho at survey sizes, so a false-position step (Illinois variant: the
	 * gap of an end that stays while the other moves again is halved, so
	 * both ends move) gets close in a few fits; once its estimate of the crossing lies within 1 % of the
	 * last trial, the next trial goes just across it to close the bracket.
	 * Bisection where the metric is undefined at an end.
	 */
	/* the metric minus the target at each end; halved each time the end stays again */
	g_hi = hi_fit.target_reached - opt->target;
	while (hi > 0.0 && (lo == 0.0 || hi > lo * TARGET_BRACKET))
	{
		double		mid;

		if (lo == 0.0)
		{
			/* below the first step: go down tenfold until a rho does not reach the target */
			mid = hi / TARGET_RHO_GROWTH;
			if (mid < TARGET_RHO_START * 1e-6)
				break;
		}
		else
			mid = next_trial(log(lo), log(hi), g_lo, g_hi, last_side);
		if ((st = fg_fitter_fit(f, mid, &trial, err)) != FG_OK)
			goto fail;
		m = fg_fairness_ratio(data, &trial, opt->threshold, opt->target_metric);
		fg_progress(env, opt, "target: rho %g gives %s %g", mid, metric_name(opt->target_metric), m);
		if (!isnan(m) && m >= opt->target)
		{
			fg_fit_release(env, &hi_fit);
			hi_fit = trial;
			hi_fit.target_reached = m;
			hi = mid;
			g_hi = m - opt->target;
			if (last_side == 1)
				g_lo /= 2.0;
			last_side = 1;
		}
		else
		{
			fg_fit_release(env, &trial);
			lo = mid;
			g_lo = m - opt->target;
			if (last_side == -1)
				g_hi /= 2.0;
			last_side = -1;
		}
	}
	/*
	 * The model at the rho found again, now with its standard errors: from
	 * the last trial's solution, a few passes (none of the trials needed a
	 * Hessian at its solution)
	 */
	/*
	 * The standard errors of the model found, at its own coefficients (the
	 * trial solved to the tolerance): one Hessian pass, no refit that could
	 * move a row across the threshold
	 */
	if (opt->vcov != FG_VCOV_NONE)
	{
		fg_fitter_set_vcov(f, opt->vcov);
		if ((st = fg_fitter_infer(f, hi, &hi_fit, err)) != FG_OK)
			goto fail;
	}
	fg_fitter_free(f);
	*fit = hi_fit;
	*rho_found = hi;
	return FG_OK;

fail:
	fg_fit_release(env, &hi_fit);
	fg_fitter_free(f);
	return st;
}
