/*
 * options.c -- the table of fit options and everything derived from it:
 * defaults, range checks, messages, and the options block shared by the
 * model and training-state formats.  See options.h.
 */
#include "options.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define FIELD(f)	offsetof(fg_options, f), sizeof(((fg_options *) 0)->f)
#define NO_FIELD	0, 0

/*
 * The rows are in the order of fg_options, which is also the order of the
 * options block in the formats: a new option goes at the end of the block
 * only if it goes at the end of the table, but any position works, since a
 * new row changes the block and so needs a new format version anyway.
 */
const fg_option_def fg_option_table[] = {
	{"method", FG_OPTION_METHOD, 0, FG_METHOD_FAIR_GLMM, FG_METHOD_LR, FG_METHOD_FAIR_THRESHOLD,
		false, false, FIELD(method),
	"the fitting method (lr, fair_lr, crlr, fair_crlr, glmm, fair_glmm; fair_threshold for the gaussian family)"},
	{"rho", FG_OPTION_NUMBER, FG_OPTION_ARGUMENT, 0.0, 0.0, INFINITY, false, false, FIELD(rho),
	"the weight of the fairness penalty"},
	{"lambda", FG_OPTION_NUMBER, FG_OPTION_ARGUMENT, 1.0, 0.0, INFINITY, false, false, FIELD(lambda),
	"the ridge weight on the random intercepts"},
	{"c", FG_OPTION_NUMBER, FG_OPTION_UNSET, NAN, 0.0, INFINITY, false, false, FIELD(c),
	"the bound of the constrained form abs(cov) <= c on every fairness term, or per attribute as an object such as {\"2\": 0}; used instead of the rho penalty"},
	{"tol", FG_OPTION_NUMBER, 0, 1e-10, 0.0, INFINITY, true, false, FIELD(tol),
	"the tolerance of Newton's method, relative to max(1, objective)"},
	{"max_iter", FG_OPTION_INTEGER, 0, 100, 1, 100000, false, false, FIELD(max_iter),
	"the most Newton iterations per solve"},
	{"threshold", FG_OPTION_NUMBER, 0, 0.5, 0.0, 1.0, false, false, FIELD(threshold),
	"the classification threshold of the training metrics and of fairglmm_classify"},
	{"l2", FG_OPTION_NUMBER, 0, 0.0, 0.0, INFINITY, false, false, FIELD(l2),
	"the ridge penalty l2 * sum of squared slopes (not the intercept)"},
	{"q0", FG_OPTION_NUMBER, 0, 2.0, 0.0, INFINITY, true, false, FIELD(q0),
	"the initial random-intercept variance Q of boosting"},
	{"tol_q", FG_OPTION_NUMBER, 0, 1e-3, 0.0, INFINITY, false, false, FIELD(tol_q),
	"the relative change of Q at which boosting stops"},
	{"max_steps", FG_OPTION_INTEGER, 0, 100, 1, 100000, false, false, FIELD(max_steps),
	"the most boosting steps"},
	{"nu", FG_OPTION_NUMBER, 0, 1.0, 0.0, 1.0, true, false, FIELD(nu),
	"the boosting step length of the selected covariate"},
	{"probes", FG_OPTION_INTEGER, 0, 30, 1, 1000, false, false, FIELD(probes),
	"the number of Rademacher probes of the boosting trace estimate"},
	{"seed", FG_OPTION_INTEGER, 0, 42, 0, INT_MAX, false, false, FIELD(seed),
	"the seed of the boosting probes"},
	{"exact_trace", FG_OPTION_BOOLEAN, 0, 0, 0, 1, false, false, FIELD(exact_trace),
	"the switch from probes to the exact hat-matrix trace in boosting (at most 5,000 rows)"},
	{"fairness", FG_OPTION_ENUM, 0, FG_FAIRNESS_DEMOGRAPHIC_PARITY, FG_FAIRNESS_DEMOGRAPHIC_PARITY,
		FG_FAIRNESS_EQUALIZED_ODDS, false, false, FIELD(fairness),
	"the rows each fairness term covers: all (demographic_parity), y = 1 (equal_opportunity), or y = 1 and y = 0 as separate terms (equalized_odds)"},
	{"weights", FG_OPTION_ENUM, 0, FG_WEIGHTS_MEAN_ONE, FG_WEIGHTS_MEAN_ONE, FG_WEIGHTS_AS_GIVEN,
		false, false, FIELD(weight_scale),
	"how the weight argument is taken: rescaled to mean 1 (mean_one) or as frequencies (as_given)"},
	{"c_attr", FG_OPTION_BOUNDS, FG_OPTION_INTERNAL | FG_OPTION_UNSET, NAN, 0.0, INFINITY, false, false,
		FIELD(c_attr),
	"the bounds per sensitive attribute, given as option \"c\" with an object"},
	{"vcov", FG_OPTION_ENUM, 0, FG_VCOV_MODEL, FG_VCOV_MODEL, FG_VCOV_NONE, false, false, FIELD(vcov),
	"the covariance of the coefficients stored with the model: the inverse Hessian (model), the sandwich clustered by stratum (robust), or none"},
	{"verbose", FG_OPTION_BOOLEAN, 0, 0, 0, 1, false, false, FIELD(verbose),
	"the switch for progress NOTICEs: rows collected, Newton iterations, boosting steps"},
	{"target", FG_OPTION_NUMBER, FG_OPTION_UNSET, NAN, 0.0, 1.0, true, false, FIELD(target),
	"the training fairness level that the smallest rho must reach, such as {\"disparate_impact\": 0.8} (or equal_opportunity_ratio, equalized_odds_ratio)"},
	{"target_metric", FG_OPTION_ENUM, FG_OPTION_INTERNAL, FG_TARGET_DISPARATE_IMPACT,
		FG_TARGET_DISPARATE_IMPACT, FG_TARGET_EQUALIZED_ODDS, false, false, FIELD(target_metric),
	"the metric of option \"target\""},
	{"family", FG_OPTION_ENUM, 0, FG_FAMILY_BINOMIAL, FG_FAMILY_BINOMIAL, FG_FAMILY_GAUSSIAN,
		false, false, FIELD(family),
	"the distribution of y: binomial (logistic regression; the default for boolean and integer y) or gaussian (least squares; the default for float8 and numeric y)"},
	{"thresholds", FG_OPTION_INTEGER, 0, 40, 1, FG_MAX_THRESHOLDS, false, false, FIELD(thresholds),
	"fair_threshold: the number of thresholds of the disparity, at quantiles of the training y"},
	{"max_sweeps", FG_OPTION_INTEGER, 0, 1000, 1, 100000, false, false, FIELD(max_sweeps),
	"fair_threshold: the most coordinate-descent sweeps"},
	{"folds", FG_OPTION_INTEGER, FG_OPTION_UNSET, 0, 2, 100, false, false, FIELD(folds),
	"the number of cross-validation folds of fairglmm_path, which then reports held-out metrics per rho"},
	{"fold_by", FG_OPTION_ENUM, 0, FG_FOLD_BY_STRATA, FG_FOLD_BY_STRATA, FG_FOLD_BY_ROWS, false, false,
		FIELD(fold_by),
	"what option \"folds\" deals to the folds: whole strata (strata), or the rows of each stratum (rows)"},
	{"fold_seed", FG_OPTION_INTEGER, 0, 1, 0, INT_MAX, false, false, FIELD(fold_seed),
	"the seed of the random dealing to cross-validation folds"},
	{"feature_names", FG_OPTION_NAMES, 0, 0, 0, 0, false, false, NO_FIELD,
	"the names of the features, a text array of length p"},
};

const int	fg_option_count = (int) (sizeof(fg_option_table) / sizeof(fg_option_table[0]));

const fg_option_def *
fg_option_find(const char *name, size_t len)
{
	for (int i = 0; i < fg_option_count; i++)
		if (strlen(fg_option_table[i].name) == len &&
			memcmp(fg_option_table[i].name, name, len) == 0)
			return &fg_option_table[i];
	return NULL;
}

/* ---------- enumerations ---------- */

static const char *const fairness_names[] = {"demographic_parity", "equal_opportunity", "equalized_odds"};
static const char *const weight_names[] = {"mean_one", "as_given"};
static const char *const vcov_names[] = {"model", "robust", "none"};
static const char *const target_names[] = {"disparate_impact", "equal_opportunity_ratio", "equalized_odds_ratio"};
static const char *const family_names[] = {"binomial", "gaussian"};
static const char *const fold_by_names[] = {"strata", "rows"};

const char *
fg_fairness_name(fg_fairness_notion fairness)
{
	if (fairness < FG_FAIRNESS_DEMOGRAPHIC_PARITY || fairness > FG_FAIRNESS_EQUALIZED_ODDS)
		return NULL;
	return fairness_names[fairness];
}

const char *const *
fg_option_enum_names(const fg_option_def *def, int *count)
{
	if (def->type != FG_OPTION_ENUM)
		return NULL;
	if (def->offset == offsetof(fg_options, fairness))
	{
		*count = (int) (sizeof(fairness_names) / sizeof(fairness_names[0]));
		return fairness_names;
	}
	if (def->offset == offsetof(fg_options, weight_scale))
	{
		*count = (int) (sizeof(weight_names) / sizeof(weight_names[0]));
		return weight_names;
	}
	if (def->offset == offsetof(fg_options, target_metric))
	{
		*count = (int) (sizeof(target_names) / sizeof(target_names[0]));
		return target_names;
	}
	if (def->offset == offsetof(fg_options, family))
	{
		*count = (int) (sizeof(family_names) / sizeof(family_names[0]));
		return family_names;
	}
	if (def->offset == offsetof(fg_options, vcov))
	{
		*count = (int) (sizeof(vcov_names) / sizeof(vcov_names[0]));
		return vcov_names;
	}
	if (def->offset == offsetof(fg_options, fold_by))
	{
		*count = (int) (sizeof(fold_by_names) / sizeof(fold_by_names[0]));
		return fold_by_names;
	}
	return NULL;
}

const char *
fg_option_enum_name(const fg_option_def *def, int64_t value)
{
	int			n = 0;
	const char *const *names = fg_option_enum_names(def, &n);

	if (names == NULL || value < 0 || value >= n)
		return NULL;
	return names[value];
}

int
fg_option_enum_value(const fg_option_def *def, const char *name, size_t len)
{
	int			n = 0;
	const char *const *names = fg_option_enum_names(def, &n);

	for (int i = 0; names != NULL && i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return i;
	return -1;
}

/* "demographic_parity, equal_opportunity or equalized_odds" */
static void
enum_list(const fg_option_def *def, char *buf, size_t len)
{
	int			n = 0;
	const char *const *names = fg_option_enum_names(def, &n);
	size_t		used = 0;

	buf[0] = '\0';
	for (int i = 0; names != NULL && i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", names[i],
						 i + 2 < n ? ", " : i + 2 == n ? " or " : "");
}

/* ---------- field access ---------- */

double
fg_option_get_number(const fg_options *opt, const fg_option_def *def)
{
	double		v;

	memcpy(&v, (const char *) opt + def->offset, sizeof(v));
	return v;
}

void
fg_option_set_number(fg_options *opt, const fg_option_def *def, double value)
{
	memcpy((char *) opt + def->offset, &value, sizeof(value));
}

int64_t
fg_option_get_integer(const fg_options *opt, const fg_option_def *def)
{
	const char *p = (const char *) opt + def->offset;

	switch (def->type)
	{
		case FG_OPTION_METHOD:
			{
				fg_method	m;

				memcpy(&m, p, sizeof(m));
				return (int64_t) m;
			}
		case FG_OPTION_BOOLEAN:
			{
				bool		b;

				memcpy(&b, p, sizeof(b));
				return b ? 1 : 0;
			}
		case FG_OPTION_ENUM:
			{
				int			e;

				memcpy(&e, p, sizeof(e));
				return e;
			}
		case FG_OPTION_INTEGER:
			if (def->size == sizeof(uint64_t))
			{
				uint64_t	u;

				memcpy(&u, p, sizeof(u));
				/* unsigned to signed without implementation-defined casts */
				return u <= (uint64_t) INT64_MAX ? (int64_t) u : -(int64_t) (~u) - 1;
			}
			else
			{
				int			i;

				memcpy(&i, p, sizeof(i));
				return i;
			}
		default:
			return 0;
	}
}

void
fg_option_set_integer(fg_options *opt, const fg_option_def *def, int64_t value)
{
	char	   *p = (char *) opt + def->offset;

	switch (def->type)
	{
		case FG_OPTION_METHOD:
			{
				fg_method	m = (fg_method) value;

				memcpy(p, &m, sizeof(m));
				break;
			}
		case FG_OPTION_BOOLEAN:
			{
				bool		b = value != 0;

				memcpy(p, &b, sizeof(b));
				break;
			}
		case FG_OPTION_ENUM:
			{
				int			e = (int) value;

				memcpy(p, &e, sizeof(e));
				break;
			}
		case FG_OPTION_INTEGER:
			if (def->size == sizeof(uint64_t))
			{
				uint64_t	u = (uint64_t) value;

				memcpy(p, &u, sizeof(u));
			}
			else
			{
				int			i = (int) value;

				memcpy(p, &i, sizeof(i));
			}
			break;
		default:
			break;
	}
}

void
fg_options_default(fg_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	for (int i = 0; i < fg_option_count; i++)
	{
		const fg_option_def *def = &fg_option_table[i];

		if (def->size == 0 || def->type == FG_OPTION_BOUNDS)
			continue;
		if (def->type == FG_OPTION_NUMBER)
			fg_option_set_number(opt, def, def->default_value);
		else
			fg_option_set_integer(opt, def, (int64_t) def->default_value);
	}
	for (int k = 0; k < FG_MAX_ATTRIBUTES; k++)
		opt->c_attr[k] = NAN;
}

/* ---------- messages ---------- */

void
fg_method_list(char *buf, size_t len)
{
	size_t		used = 0;

	buf[0] = '\0';
	for (int m = FG_METHOD_FAIR_THRESHOLD; m >= FG_METHOD_LR && used < len; m--)
		used += snprintf(buf + used, len - used, "%s%s", fg_method_name((fg_method) m),
						 m > FG_METHOD_LR ? ", " : "");
}

void
fg_option_key_list(char *buf, size_t len)
{
	const char *names[64];
	int			n = 0;
	size_t		used = 0;

	for (int i = 0; i < fg_option_count && n < 64; i++)
		if (!(fg_option_table[i].flags & (FG_OPTION_ARGUMENT | FG_OPTION_INTERNAL)))
			names[n++] = fg_option_table[i].name;
	/* insertion sort: a few dozen names */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--)
		{
			const char *t = names[j];

			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	buf[0] = '\0';
	for (int i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", names[i], i + 1 < n ? ", " : "");
}

bool
fg_option_default_text(const fg_option_def *def, char *buf, size_t len)
{
	switch (def->type)
	{
		case FG_OPTION_NUMBER:
			if (def->flags & FG_OPTION_UNSET)
			{
				snprintf(buf, len, "unset");
				return false;
			}
			snprintf(buf, len, "%g", def->default_value);
			break;
		case FG_OPTION_INTEGER:
			if (def->flags & FG_OPTION_UNSET)
			{
				snprintf(buf, len, "unset");
				return false;
			}
			snprintf(buf, len, "%.0f", def->default_value);
			break;
		case FG_OPTION_BOOLEAN:
			snprintf(buf, len, "%s", def->default_value != 0 ? "true" : "false");
			break;
		case FG_OPTION_METHOD:
			snprintf(buf, len, "%s", fg_method_name((fg_method) def->default_value));
			break;
		case FG_OPTION_ENUM:
			snprintf(buf, len, "%s", fg_option_enum_name(def, (int64_t) def->default_value));
			break;
		case FG_OPTION_BOUNDS:
			snprintf(buf, len, "unset");
			return false;
		default:
			snprintf(buf, len, "x1 .. xp");
			break;
	}
	return true;
}

void
fg_option_hint(const fg_option_def *def, char *buf, size_t len)
{
	char		dflt[64];

	if (!fg_option_default_text(def, dflt, sizeof(dflt)))
		snprintf(buf, len, "Option \"%s\" is %s; it is not set by default.",
				 def->name, def->description);
	else
		snprintf(buf, len, "Option \"%s\" is %s; its default is %s.", def->name,
				 def->description, dflt);
}

/* "> 0", ">= 0", "in (0, 1]" */
static void
range_text(const fg_option_def *def, char *buf, size_t len)
{
	if (isinf(def->max))
		snprintf(buf, len, "%s %g", def->min_open ? ">" : ">=", def->min);
	else
		snprintf(buf, len, "in %c%g, %g%c", def->min_open ? '(' : '[', def->min, def->max,
				 def->max_open ? ')' : ']');
}

void
fg_option_range_text(const fg_option_def *def, char *buf, size_t len)
{
	switch (def->type)
	{
		case FG_OPTION_NUMBER:
			range_text(def, buf, len);
			if (def->offset == offsetof(fg_options, c))
			{
				size_t		used = strlen(buf);

				snprintf(buf + used, len - used,
						 ", or an object of attribute numbers (\"1\" .. \"%d\") to numbers >= 0",
						 FG_MAX_ATTRIBUTES);
			}
			break;
		case FG_OPTION_BOUNDS:
			snprintf(buf, len, "%d numbers >= 0 or unset", FG_MAX_ATTRIBUTES);
			break;
		case FG_OPTION_ENUM:
			enum_list(def, buf, len);
			break;
		case FG_OPTION_INTEGER:
			snprintf(buf, len, "an integer in [%.0f, %.0f]", def->min, def->max);
			break;
		case FG_OPTION_BOOLEAN:
			snprintf(buf, len, "true or false");
			break;
		case FG_OPTION_METHOD:
			fg_method_list(buf, len);
			break;
		default:
			snprintf(buf, len, "p distinct names of 1 to 1024 bytes, none \"intercept\"");
			break;
	}
}

/*
 * fg_option_check_value and fg_option_check_given: the stored value of an
 * integer option that may be unset is 0 when it was not given, which is
 * not a value one can give.
 */
static fg_status
check_value(const fg_option_def *def, double value, bool unset_allowed, fg_error *err)
{
	char		message[160];
	char		hint[300];
	char		range[64];
	char		methods[128];
	bool		ok;

	hint[0] = '\0';
	if (!(def->flags & FG_OPTION_ARGUMENT))
		fg_option_hint(def, hint, sizeof(hint));

	switch (def->type)
	{
		case FG_OPTION_NUMBER:
			if ((def->flags & FG_OPTION_UNSET) && isnan(value))
				return FG_OK;
			ok = isfinite(value) &&
				(def->min_open ? value > def->min : value >= def->min) &&
				(isinf(def->max) || (def->max_open ? value < def->max : value <= def->max));
			if (ok)
				return FG_OK;
			range_text(def, range, sizeof(range));
			if (def->flags & FG_OPTION_ARGUMENT)
				snprintf(message, sizeof(message), "%s must be a finite number %s", def->name, range);
			else
				snprintf(message, sizeof(message), "option \"%s\" must be a finite number %s",
						 def->name, range);
			return fg_fail(err, FG_ERR_INVALID, message, hint, "%s is %g.", def->name, value);

		case FG_OPTION_INTEGER:
			if ((value == floor(value) && value >= def->min && value <= def->max) ||
				(unset_allowed && (def->flags & FG_OPTION_UNSET) && value == 0.0))
				return FG_OK;
			snprintf(message, sizeof(message), "option \"%s\" must be an integer between %.0f and %.0f",
					 def->name, def->min, def->max);
			return fg_fail(err, FG_ERR_INVALID, message, hint, "The value given is %g.", value);

		case FG_OPTION_BOOLEAN:
			if (value == 0.0 || value == 1.0)
				return FG_OK;
			snprintf(message, sizeof(message), "option \"%s\" must be a boolean", def->name);
			return fg_fail(err, FG_ERR_INVALID, message, hint, "The value given is %g.", value);

		case FG_OPTION_ENUM:
			if (value == floor(value) && value >= def->min && value <= def->max)
				return FG_OK;
			enum_list(def, methods, sizeof(methods));
			snprintf(message, sizeof(message), "unknown code %g of option \"%s\"", value, def->name);
			return fg_fail(err, FG_ERR_INVALID, message, hint, "Valid values are: %s.", methods);

		case FG_OPTION_BOUNDS:
			/* one entry; NaN means the attribute has no bound of its own */
			if (isnan(value) || (isfinite(value) && value >= 0.0))
				return FG_OK;
			return fg_fail(err, FG_ERR_INVALID, "option \"c\" must give finite numbers >= 0",
						   NULL, "A bound is %g.", value);

		case FG_OPTION_METHOD:
			if (value == floor(value) && value >= def->min && value <= def->max)
				return FG_OK;
			fg_method_list(methods, sizeof(methods));
			if (value == FG_METHOD_NONE)
				return fg_fail(err, FG_ERR_INVALID, "no method given", hint,
							   "Valid methods are: %s.", methods);
			snprintf(message, sizeof(message), "unknown method code %g", value);
			return fg_fail(err, FG_ERR_INVALID, message, hint, "Valid methods are: %s.", methods);

		default:
			return FG_OK;
	}
}

fg_status
fg_option_check_value(const fg_option_def *def, double value, fg_error *err)
{
	return check_value(def, value, true, err);
}

fg_status
fg_option_check_given(const fg_option_def *def, double value, fg_error *err)
{
	return check_value(def, value, false, err);
}

/* ---------- checks ---------- */

fg_status
fg_option_check_stored(const fg_options *opt, const fg_option_def *def, fg_error *err)
{
	if (def->size == 0)
		return FG_OK;
	if (def->type == FG_OPTION_BOUNDS)
	{
		double		v[FG_MAX_ATTRIBUTES];

		memcpy(v, (const char *) opt + def->offset, sizeof(v));
		for (int k = 0; k < FG_MAX_ATTRIBUTES; k++)
		{
			fg_status	st = fg_option_check_value(def, v[k], err);

			if (st != FG_OK)
				return st;
		}
		return FG_OK;
	}
	return fg_option_check_value(def, def->type == FG_OPTION_NUMBER
								 ? fg_option_get_number(opt, def)
								 : (double) fg_option_get_integer(opt, def), err);
}

fg_status
fg_options_check(const fg_options *opt, fg_error *err)
{
	bool		strata,
				constrained = fg_options_constrained(opt);

	/* every value in its range, in table order */
	for (int i = 0; i < fg_option_count; i++)
	{
		fg_status	st = fg_option_check_stored(opt, &fg_option_table[i], err);

		if (st != FG_OK)
			return st;
	}
	if (!isnan(opt->c))
		for (int k = 0; k < FG_MAX_ATTRIBUTES; k++)
			if (!isnan(opt->c_attr[k]))
				return fg_fail(err, FG_ERR_INVALID,
							   "option \"c\" is either one number or an object of bounds", NULL,
							   "Both a bound for every term and a bound for attribute %d are set.", k + 1);

	/* the combinations */
	strata = fg_method_uses_strata(opt->method);
	if (strata && !(opt->lambda > 0.0))
		return fg_fail(err, FG_ERR_INVALID, "lambda must be positive when strata are used",
					   "Use lambda > 0 (the paper uses 1), or method lr / fair_lr to ignore strata.",
					   "With lambda = 0 the random intercepts are not identified: they are collinear with the overall intercept.");
	if (constrained && !fg_method_is_fair(opt->method))
		return fg_fail(err, FG_ERR_INVALID, "option \"c\" needs a fair method",
					   "Use method fair_lr or fair_crlr with option \"c\".",
					   "Method \"%s\" has no fairness constraint.", fg_method_name(opt->method));
	if (constrained && opt->rho != 0.0)
		return fg_fail(err, FG_ERR_INVALID, "rho and option \"c\" cannot both be used",
					   "Pass rho = 0 with option \"c\", or drop \"c\" to use the penalty.",
					   "Option \"c\" replaces the rho penalty by the constraint abs(cov) <= c.");
	if (!isnan(opt->target))
	{
		if (!fg_method_is_fair(opt->method))
			return fg_fail(err, FG_ERR_INVALID, "option \"target\" needs a fair method",
						   "Use fair_lr, fair_crlr or fair_glmm with option \"target\".",
						   "Method \"%s\" has no fairness penalty whose weight could be searched.",
						   fg_method_name(opt->method));
		if (constrained)
			return fg_fail(err, FG_ERR_INVALID, "options \"target\" and \"c\" cannot both be used",
						   "Drop \"c\": option \"target\" searches the rho penalty.", NULL);
		if (opt->rho != 0.0)
			return fg_fail(err, FG_ERR_INVALID, "rho and option \"target\" cannot both be used",
						   "Pass rho = 0 with option \"target\"; the search chooses rho.",
						   "rho is %g.", opt->rho);
	}
	if (opt->folds > 0 && !isnan(opt->target))
		return fg_fail(err, FG_ERR_INVALID, "options \"folds\" and \"target\" cannot both be used",
					   "Use option \"target\" with fairglmm_fit, or option \"folds\" with fairglmm_path.",
					   "Option \"target\" searches rho on the training rows; option \"folds\" cross-validates the rhos of a path.");
	if (constrained && fg_method_is_boosting(opt->method))
		return fg_fail(err, FG_ERR_INVALID, "option \"c\" is not available with boosting",
					   "Use the rho penalty with glmm and fair_glmm, or method fair_crlr with \"c\".",
					   "Componentwise boosting needs an unconstrained objective.");
	return FG_OK;
}

const fg_option_def *
fg_options_first_difference(const fg_options *a, const fg_options *b)
{
	for (int i = 0; i < fg_option_count; i++)
	{
		const fg_option_def *def = &fg_option_table[i];

		if (def->size == 0)
			continue;
		if (def->type == FG_OPTION_BOUNDS)
		{
			for (int k = 0; k < FG_MAX_ATTRIBUTES; k++)
			{
				double		x = a->c_attr[k];
				double		y = b->c_attr[k];

				if (!(x == y || (isnan(x) && isnan(y))))
					return def;
			}
		}
		else if (def->type == FG_OPTION_NUMBER)
		{
			double		x = fg_option_get_number(a, def);
			double		y = fg_option_get_number(b, def);

			if (!(x == y || (isnan(x) && isnan(y))))
				return def;
		}
		else if (fg_option_get_integer(a, def) != fg_option_get_integer(b, def))
			return def;
	}
	return NULL;
}

/* ---------- the options block ---------- */

static size_t
value_size(fg_option_type type)
{
	if (type == FG_OPTION_BOUNDS)
		return 8 * FG_MAX_ATTRIBUTES;
	return type == FG_OPTION_NUMBER || type == FG_OPTION_INTEGER ? 8 : 1;
}

static int
stored_count(void)
{
	int			n = 0;

	for (int i = 0; i < fg_option_count; i++)
		n += fg_option_table[i].size > 0;
	return n;
}

size_t
fg_options_block_size(void)
{
	size_t		n = 2;

	for (int i = 0; i < fg_option_count; i++)
	{
		const fg_option_def *def = &fg_option_table[i];

		if (def->size > 0)
			n += 1 + strlen(def->name) + 1 + value_size(def->type);
	}
	return n;
}

void
fg_options_block_write(const fg_options *opt, fg_le_writer *w)
{
	fg_le_put_u16(w, (uint16_t) stored_count());
	for (int i = 0; i < fg_option_count; i++)
	{
		const fg_option_def *def = &fg_option_table[i];
		size_t		name_len = strlen(def->name);

		if (def->size == 0)
			continue;
		fg_le_put_u8(w, (uint8_t) name_len);
		fg_le_put_bytes(w, def->name, name_len);
		fg_le_put_u8(w, (uint8_t) def->type);
		if (def->type == FG_OPTION_BOUNDS)
			for (int k = 0; k < FG_MAX_ATTRIBUTES; k++)
				fg_le_put_f64(w, opt->c_attr[k]);
		else if (def->type == FG_OPTION_NUMBER)
			fg_le_put_f64(w, fg_option_get_number(opt, def));
		else
			fg_le_put(w, (uint64_t) fg_option_get_integer(opt, def), (int) value_size(def->type));
	}
}

fg_status
fg_options_block_read(fg_le_reader *in, fg_options *opt, char *why, size_t why_len)
{
	fg_le_reader r = *in;		/* *in moves on only past a valid block */
	unsigned	count;
	int			k = 0;

	fg_options_default(opt);
	if (fg_le_left(&r) < 2)
	{
		snprintf(why, why_len, "The options end before their count.");
		return FG_ERR_CORRUPT;
	}
	count = fg_le_get_u16(&r);
	if (count != (unsigned) stored_count())
	{
		snprintf(why, why_len, "%u options are stored; this build reads exactly %d.",
				 count, stored_count());
		return FG_ERR_CORRUPT;
	}
	for (int i = 0; i < fg_option_count; i++)
	{
		const fg_option_def *def = &fg_option_table[i];
		size_t		name_len = strlen(def->name);
		size_t		vsize = value_size(def->type);
		size_t		stored_len;
		const uint8_t *name;
		uint8_t		type;
		double		value;
		uint64_t	raw;
		fg_error	err;

		if (def->size == 0)
			continue;
		k++;
		/* name length, name, type code and value must all be there */
		stored_len = fg_le_get_u8(&r);
		if (r.overrun || fg_le_left(&r) < stored_len + 1 + vsize)
		{
			snprintf(why, why_len, "The options end inside option %d.", k);
			return FG_ERR_CORRUPT;
		}
		name = fg_le_take(&r, stored_len);
		if (stored_len != name_len || memcmp(name, def->name, name_len) != 0)
		{
			snprintf(why, why_len, "Stored option %d is not \"%s\", the option expected there.",
					 k, def->name);
			return FG_ERR_CORRUPT;
		}
		type = fg_le_get_u8(&r);
		if (type != (uint8_t) def->type)
		{
			snprintf(why, why_len, "Option \"%s\" is stored with type code %u, not %d.",
					 def->name, type, (int) def->type);
			return FG_ERR_CORRUPT;
		}
		if (def->type == FG_OPTION_BOUNDS)
		{
			for (int j = 0; j < FG_MAX_ATTRIBUTES; j++)
				opt->c_attr[j] = fg_le_get_f64(&r);
			if (fg_option_check_stored(opt, def, &err) != FG_OK)
			{
				snprintf(why, why_len, "The stored value of option \"%s\" is invalid: %s.",
						 def->name, err.message);
				return FG_ERR_CORRUPT;
			}
			continue;
		}
		raw = fg_le_get(&r, (int) vsize);
		if (def->type == FG_OPTION_NUMBER)
			memcpy(&value, &raw, sizeof(value));
		else if (def->type == FG_OPTION_INTEGER)
		{
			/* an i64; beyond 2^53 the double is inexact but far out of range */
			int64_t		v = raw <= (uint64_t) INT64_MAX ? (int64_t) raw : -(int64_t) (~raw) - 1;

			value = (double) v;
		}
		else
			value = (double) raw;
		if (fg_option_check_value(def, value, &err) != FG_OK)
		{
			snprintf(why, why_len, "The stored value of option \"%s\" is invalid: %s.",
					 def->name, err.message);
			return FG_ERR_CORRUPT;
		}
		if (def->type == FG_OPTION_NUMBER)
			fg_option_set_number(opt, def, value);
		else
			fg_option_set_integer(opt, def, (int64_t) value);
	}
	*in = r;
	return FG_OK;
}
