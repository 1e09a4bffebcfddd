/*
 * common.c -- small shared pieces of the core: errors, allocation, method
 * names and numerically safe logistic functions (the options are in options.c).
 */
#include "fg_core.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

fg_status
fg_fail(fg_error *err, fg_status status, const char *message,
		const char *hint, const char *detail_fmt,...)
{
	va_list		ap;

	if (err == NULL)
		return status;
	err->status = status;
	snprintf(err->message, sizeof(err->message), "%s", message ? message : "");
	snprintf(err->hint, sizeof(err->hint), "%s", hint ? hint : "");
	err->detail[0] = '\0';
	if (detail_fmt != NULL)
	{
		va_start(ap, detail_fmt);
		vsnprintf(err->detail, sizeof(err->detail), detail_fmt, ap);
		va_end(ap);
	}
	return status;
}

void *
fg_alloc(const fg_env *env, size_t size)
{
	return env->alloc(env->ctx, size == 0 ? 1 : size);
}

void
fg_release(const fg_env *env, void *ptr)
{
	if (ptr != NULL)
		env->release(env->ctx, ptr);
}

static const char *const method_names[] = {
	[FG_METHOD_LR] = "lr",
	[FG_METHOD_FAIR_LR] = "fair_lr",
	[FG_METHOD_CRLR] = "crlr",
	[FG_METHOD_FAIR_CRLR] = "fair_crlr",
	[FG_METHOD_GLMM] = "glmm",
	[FG_METHOD_FAIR_GLMM] = "fair_glmm",
	[FG_METHOD_FAIR_THRESHOLD] = "fair_threshold",
};

const char *
fg_method_name(fg_method method)
{
	if (method < FG_METHOD_LR || method > FG_METHOD_FAIR_THRESHOLD)
		return NULL;
	return method_names[method];
}

fg_method
fg_method_from_name(const char *name)
{
	for (int m = FG_METHOD_LR; m <= FG_METHOD_FAIR_THRESHOLD; m++)
		if (strcmp(name, method_names[m]) == 0)
			return (fg_method) m;
	return FG_METHOD_NONE;
}

bool
fg_method_uses_strata(fg_method method)
{
	return method == FG_METHOD_CRLR || method == FG_METHOD_FAIR_CRLR ||
		method == FG_METHOD_GLMM || method == FG_METHOD_FAIR_GLMM ||
		method == FG_METHOD_FAIR_THRESHOLD;
}

bool
fg_method_is_fair(fg_method method)
{
	return method == FG_METHOD_FAIR_LR || method == FG_METHOD_FAIR_CRLR ||
		method == FG_METHOD_FAIR_GLMM || method == FG_METHOD_FAIR_THRESHOLD;
}

bool
fg_method_is_boosting(fg_method method)
{
	return method == FG_METHOD_GLMM || method == FG_METHOD_FAIR_GLMM;
}

double
fg_sigmoid(double eta)
{
	if (eta >= 0)
		return 1.0 / (1.0 + exp(-eta));
	else
	{
		double		e = exp(eta);

		return e / (1.0 + e);
	}
}

bool
fg_options_collects_strata(const fg_options *opt)
{
	return fg_method_uses_strata(opt->method) || opt->vcov == FG_VCOV_ROBUST ||
		(opt->folds > 0 && opt->fold_by == FG_FOLD_BY_STRATA);
}

bool
fg_options_constrained(const fg_options *opt)
{
	if (!isnan(opt->c))
		return true;
	for (int k = 0; k < FG_MAX_ATTRIBUTES; k++)
		if (!isnan(opt->c_attr[k]))
			return true;
	return false;
}

double
fg_options_bound(const fg_options *opt, uint32_t attr)
{
	if (attr < FG_MAX_ATTRIBUTES && !isnan(opt->c_attr[attr]))
		return opt->c_attr[attr];
	return isnan(opt->c) ? INFINITY : opt->c;
}

/* Sum of w[0 .. n) pairwise: error O(log n) ulps instead of O(n). */
static double
pairwise_sum(const double *w, size_t n)
{
	double		s = 0.0;

	if (n <= 128)
	{
		for (size_t i = 0; i < n; i++)
			s += w[i];
		return s;
	}
	return pairwise_sum(w, n / 2) + pairwise_sum(w + n / 2, n - n / 2);
}

fg_status
fg_check_attributes(const fg_data *data, fg_error *err)
{
	if (data->n_attr == 0 && data->s == NULL)
		return fg_fail(err, FG_ERR_INVALID, "no sensitive attribute", NULL, NULL);
	if (data->n_attr > 0 && (data->codes == NULL || data->n_cats == NULL))
		return fg_fail(err, FG_ERR_INVALID, "bad sensitive attributes", NULL,
					   "%u attributes without their codes.", data->n_attr);
	return fg_check_attribute_counts(data, err);
}

fg_status
fg_check_attribute_counts(const fg_data *data, fg_error *err)
{
	if (data->n_attr > FG_MAX_ATTRIBUTES || (data->n_attr > 0 && data->n_cats == NULL))
		return fg_fail(err, FG_ERR_INVALID, "bad sensitive attributes", NULL,
					   "%u attributes; at most %d are supported.", data->n_attr, FG_MAX_ATTRIBUTES);
	for (uint32_t a = 0; a < data->n_attr; a++)
		if (data->n_cats[a] > FG_MAX_CATEGORIES)
			return fg_fail(err, FG_ERR_INVALID, "too many categories",
						   "Merge rare categories.",
						   "Attribute %u has %u categories; at most %d are supported.",
						   a + 1, data->n_cats[a], FG_MAX_CATEGORIES);
	return FG_OK;
}

fg_status
fg_check_row(const fg_data *data, size_t l, fg_error *err)
{
	for (uint32_t a = 0; a < data->n_attr; a++)
		if (data->codes[l * data->n_attr + a] >= data->n_cats[a])
			return fg_fail(err, FG_ERR_INVALID, "category code out of range", NULL,
						   "Row %zu has code %u for attribute %u of %u categories.",
						   l + 1, data->codes[l * data->n_attr + a], a + 1, data->n_cats[a]);
	if (data->w != NULL && !(data->w[l] > 0.0 && isfinite(data->w[l])))
		return fg_fail(err, FG_ERR_INVALID, "weights must be positive and finite", NULL,
					   "Row %zu has weight %g.", l + 1, data->w[l]);
	return FG_OK;
}

double
fg_data_weight(const fg_data *data)
{
	return data->w ? pairwise_sum(data->w, data->n_rows) : (double) data->n_rows;
}

double
fg_weights_rescale(double *w, size_t n)
{
	double		total = pairwise_sum(w, n);
	double		factor = total > 0.0 ? (double) n / total : 1.0;

	if (factor != 1.0)
		for (size_t i = 0; i < n; i++)
			w[i] *= factor;
	return factor;
}

void
fg_progress(const fg_env *env, const fg_options *opt, const char *fmt,...)
{
	char		line[256];
	va_list		ap;

	if (!opt->verbose || env->progress == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	env->progress(env->ctx, line);
}

fg_data
fg_data_slice(const fg_data *data, size_t r0, size_t rows)
{
	fg_data		sub = *data;

	sub.n_rows = rows;
	sub.x = fg_data_row(data, r0);
	sub.x_chunks = NULL;
	sub.y = data->y ? data->y + r0 : NULL;
	sub.y_real = data->y_real ? data->y_real + r0 : NULL;
	sub.s = data->s ? data->s + r0 : NULL;
	sub.stratum = data->stratum ? data->stratum + r0 : NULL;
	sub.w = data->w ? data->w + r0 : NULL;
	sub.codes = data->codes ? data->codes + r0 * data->n_attr : NULL;
	return sub;
}
