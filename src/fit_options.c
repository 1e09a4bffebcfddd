/*
 * fit_options.c -- parses the options of fairglmm_fit from jsonb.
 *
 * What an option is (name, type, default, range) comes from the core's
 * table (src/core/options.c); this file only maps jsonb values onto it and
 * reports what does not fit in PostgreSQL's style.
 */
#include "postgres.h"

#include <errno.h>
#include <math.h>

#include "utils/builtins.h"
#include "utils/numeric.h"

#include "fit_options.h"
#include "options.h"
#include "pg_errors.h"

static const char *
jsonb_type_name(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		default:
			return "an array or object";
	}
}

/* The description of an option, as the hint of an error about it. */
static char *
option_hint(const fg_option_def *def)
{
	char		hint[300];

	fg_option_hint(def, hint, sizeof(hint));
	return pstrdup(hint);
}

static void
wrong_type(const fg_option_def *def, const char *wanted, const JsonbValue *v)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("option \"%s\" must be %s", def->name, wanted),
			 errdetail("The value given is %s.", jsonb_type_name(v)),
			 errhint("%s", option_hint(def))));
}

/* A number or integer option: its value as a double, finite and in range. */
static double
number_value(const fg_option_def *def, const JsonbValue *v)
{
	double		d;
	fg_error	err;

	if (v->type != jbvNumeric)
		wrong_type(def, "a number", v);
	/* beyond double range: infinity (or 0), not a cast error quoting 400 digits */
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
										   NumericGetDatum(v->val.numeric)));
	if (!isfinite(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be finite", def->name),
				 errdetail("The value given is beyond the range of double precision."),
				 errhint("%s", option_hint(def))));
	if (fg_option_check_given(def, d, &err) != FG_OK)
		fgsql_report_error(&err);
	return d;
}

static fg_method
method_value(const fg_option_def *def, const JsonbValue *v)
{
	char		methods[128];
	char	   *name;
	fg_method	method;

	fg_method_list(methods, sizeof(methods));
	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be a string", def->name),
				 errdetail("Valid methods are: %s.", methods),
				 errhint("%s", option_hint(def))));
	name = pnstrdup(v->val.string.val, v->val.string.len);
	method = fg_method_from_name(name);
	if (method == FG_METHOD_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown method \"%s\"", name),
				 errdetail("Valid methods are: %s.", methods),
				 errhint("%s", option_hint(def))));
	return method;
}

static int
enum_value(const fg_option_def *def, const JsonbValue *v)
{
	char		valid[256];
	int			n = 0;
	const char *const *names = fg_option_enum_names(def, &n);
	int			value;

	valid[0] = '\0';
	for (int i = 0; i < n; i++)
	{
		strlcat(valid, names[i], sizeof(valid));
		if (i + 1 < n)
			strlcat(valid, ", ", sizeof(valid));
	}
	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be a string", def->name),
				 errdetail("Valid values are: %s.", valid),
				 errhint("%s", option_hint(def))));
	value = fg_option_enum_value(def, v->val.string.val, v->val.string.len);
	if (value < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown value \"%s\" of option \"%s\"",
						pnstrdup(v->val.string.val, v->val.string.len), def->name),
				 errdetail("Valid values are: %s.", valid),
				 errhint("%s", option_hint(def))));
	return value;
}

/*
 * Option "c" as an object: keys are attribute numbers "1" .. "16" (the
 * elements of an array sensitive, 1-based), values bounds >= 0.
 */
static void
parse_c_object(const fg_option_def *def, const JsonbValue *v, fgsql_fit_settings *settings)
{
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	int			attr = -1;
	int			given = 0;

	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		wrong_type(def, "a number or an object", v);
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			char	   *key = pnstrdup(elem.val.string.val, elem.val.string.len);
			char	   *end;
			long		k;

			errno = 0;
			k = strtol(key, &end, 10);
			if (elem.val.string.len == 0 || *end != '\0' || errno != 0 || key[0] == '+' ||
				key[0] == '0' || k < 1 || k > FG_MAX_ATTRIBUTES)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"c\" has an invalid key \"%s\"", key),
						 errdetail("The keys of an object \"c\" are attribute numbers from \"1\" to \"%d\": the positions in an array sensitive, or \"1\" for a single attribute.",
								   FG_MAX_ATTRIBUTES),
						 errhint("%s", option_hint(def))));
			attr = (int) k - 1;
		}
		else if (tok == WJB_VALUE)
		{
			double		d;

			if (elem.type != jbvNumeric)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"c\" must map attribute numbers to numbers"),
						 errdetail("The bound of attribute %d is %s.", attr + 1, jsonb_type_name(&elem)),
						 errhint("%s", option_hint(def))));
			d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
												   NumericGetDatum(elem.val.numeric)));
			if (!isfinite(d) || d < 0.0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"c\" must give finite bounds >= 0"),
						 errdetail("The bound of attribute %d is %g.", attr + 1, d),
						 errhint("%s", option_hint(def))));
			settings->opt.c_attr[attr] = d;
			given++;
		}
	}
	if (given == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"c\" is an empty object"),
				 errdetail("An object \"c\" must bound at least one attribute."),
				 errhint("%s", option_hint(def))));
}

/*
 * Option "target": an object of one metric name and a level in (0, 1], such
 * as {"disparate_impact": 0.8}.
 */
static void
parse_target(const fg_option_def *def, const JsonbValue *v, fgsql_fit_settings *settings)
{
	const fg_option_def *metric_def = fg_option_find("target_metric", 13);
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	int			given = 0;
	int			metric = -1;
	char		names[128];
	int			n = 0;
	const char *const *list = fg_option_enum_names(metric_def, &n);

	snprintf(names, sizeof(names), "%s, %s or %s", list[0], list[1], list[2]);
	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		wrong_type(def, "an object", v);
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			metric = fg_option_enum_value(metric_def, elem.val.string.val, elem.val.string.len);
			if (metric < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown metric \"%s\" of option \"target\"",
								pnstrdup(elem.val.string.val, elem.val.string.len)),
						 errdetail("Valid metrics are: %s.", names),
						 errhint("%s", option_hint(def))));
		}
		else if (tok == WJB_VALUE)
		{
			double		d;

			if (elem.type != jbvNumeric)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"target\" must map a metric to a number"),
						 errdetail("The level given is %s.", jsonb_type_name(&elem)),
						 errhint("%s", option_hint(def))));
			d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
												   NumericGetDatum(elem.val.numeric)));
			if (!(d > 0.0 && d <= 1.0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the level of option \"target\" must be in (0, 1]"),
						 errdetail("The level given is %g.", d),
						 errhint("%s", option_hint(def))));
			settings->opt.target = d;
			fg_option_set_integer(&settings->opt, metric_def, metric);
			given++;
		}
	}
	if (given != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"target\" must name exactly one metric"),
				 errdetail("The object has %d entries.", given),
				 errhint("%s", option_hint(def))));
}

static void
parse_feature_names(const JsonbValue *v, fgsql_fit_settings *settings)
{
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	int			n = 0;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"feature_names\" must be an array of strings")));
	settings->feature_names = palloc0(sizeof(char *) *
									  (JsonContainerSize(v->val.binary.data) + 1));
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (elem.type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"feature_names\" must be an array of strings"),
					 errdetail("Element %d is %s.", n + 1, jsonb_type_name(&elem))));
		if (elem.val.string.len == 0 || elem.val.string.len > 1024 ||
			memchr(elem.val.string.val, '\0', elem.val.string.len) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("feature name %d must have 1 to 1024 bytes", n + 1)));
		settings->feature_names[n] = pnstrdup(elem.val.string.val, elem.val.string.len);
		for (int j = 0; j < n; j++)
			if (strcmp(settings->feature_names[j], settings->feature_names[n]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("feature name \"%s\" appears twice", settings->feature_names[n])));
		if (strcmp(settings->feature_names[n], "intercept") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"intercept\" cannot be a feature name"),
					 errdetail("fairglmm_coefficients reports the intercept under that name.")));
		n++;
	}
	settings->n_feature_names = n;
}

/* Set the option of one key of the options object. */
static void
parse_option(const char *key, int key_len, const JsonbValue *v, fgsql_fit_settings *settings)
{
	const fg_option_def *def = fg_option_find(key, key_len);

	if (def == NULL || (def->flags & (FG_OPTION_ARGUMENT | FG_OPTION_INTERNAL)))
	{
		char		valid[512];

		fg_option_key_list(valid, sizeof(valid));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown option \"%s\"", pnstrdup(key, key_len)),
				 errdetail("Valid options are: %s.", valid)));
	}
	switch (def->type)
	{
		case FG_OPTION_NUMBER:
			/* c may also bound each attribute on its own */
			if (def->offset == offsetof(fg_options, c) && v->type == jbvBinary)
				parse_c_object(def, v, settings);
			else if (def->offset == offsetof(fg_options, target))
				parse_target(def, v, settings);
			else
				fg_option_set_number(&settings->opt, def, number_value(def, v));
			break;
		case FG_OPTION_ENUM:
			fg_option_set_integer(&settings->opt, def, enum_value(def, v));
			break;
		case FG_OPTION_BOUNDS:
			break;
		case FG_OPTION_INTEGER:
			fg_option_set_integer(&settings->opt, def, (int64) number_value(def, v));
			break;
		case FG_OPTION_BOOLEAN:
			if (v->type != jbvBool)
				wrong_type(def, "a boolean", v);
			fg_option_set_integer(&settings->opt, def, v->val.boolean ? 1 : 0);
			break;
		case FG_OPTION_METHOD:
			fg_option_set_integer(&settings->opt, def, method_value(def, v));
			break;
		case FG_OPTION_NAMES:
			parse_feature_names(v, settings);
			break;
	}
}

/*
 * What the family rules out, said at the first row; the core refuses the
 * same at fit time (fit.c's check_gaussian, cross_validation.c), in the same
 * words.
 */
static void
check_family(const fg_options *opt)
{
	if (opt->family == FG_FAMILY_GAUSSIAN)
	{
		if (opt->fairness != FG_FAIRNESS_DEMOGRAPHIC_PARITY && fg_method_is_fair(opt->method))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the gaussian family supports demographic parity only"),
					 errdetail("Notion %s conditions on y = 1 and y = 0, which a continuous outcome does not have.",
							   fg_fairness_name((fg_fairness_notion) opt->fairness)),
					 errhint("Leave option \"fairness\" at demographic_parity, or use method fair_threshold for parity at every threshold.")));
		if (!isnan(opt->target))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"target\" needs the binomial family"),
					 errdetail("The target metrics are ratios of rates of classified rows."),
					 errhint("Choose rho with fairglmm_path and the reporting aggregates parity_ks or parity_gap.")));
		if (opt->folds > 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"folds\" needs a binary outcome"),
					 errdetail("The held-out metrics of cross-validation are those of a classifier."),
					 errhint("Drop option \"folds\", or use the binomial family.")));
		if (opt->method == FG_METHOD_FAIR_THRESHOLD && fg_options_constrained(opt))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("method fair_threshold has no constrained form"),
					 errhint("Remove option \"c\"; rho weighs the disparity.")));
	}
	else if (opt->method == FG_METHOD_FAIR_THRESHOLD)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method fair_threshold needs the gaussian family"),
				 errdetail("Fairness at every threshold compares the distributions of a continuous prediction."),
				 errhint("Use a continuous y (float8 or numeric), or \"family\": \"gaussian\".")));
}

void
fgsql_parse_fit_settings(double rho, double lambda, Jsonb *options, fg_family family,
						 fgsql_fit_settings *settings)
{
	fg_error	err;

	memset(settings, 0, sizeof(*settings));
	fg_options_default(&settings->opt);
	settings->n_feature_names = -1;
	settings->opt.rho = rho;
	settings->opt.lambda = lambda;
	/* the default family follows from the type of y; option "family" overrides it */
	settings->opt.family = family;

	/* the two arguments first, as their errors came first before options existed */
	if (fg_option_check_value(fg_option_find("rho", 3), rho, &err) != FG_OK ||
		fg_option_check_value(fg_option_find("lambda", 6), lambda, &err) != FG_OK)
		fgsql_report_error(&err);

	if (options != NULL)
	{
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;
		const char *key = NULL;
		int			key_len = 0;

		if (!JB_ROOT_IS_OBJECT(options) || JB_ROOT_IS_SCALAR(options))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options must be a jsonb object"),
					 errhint("For example '{\"method\": \"fair_crlr\"}'.")));

		it = JsonbIteratorInit(&options->root);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
			{
				key = v.val.string.val;
				key_len = v.val.string.len;
			}
			else if (tok == WJB_VALUE)
				parse_option(key, key_len, &v, settings);
		}
	}

	/* the paper's headline method is the default */
	if (settings->opt.method == FG_METHOD_NONE)
		settings->opt.method = FG_METHOD_FAIR_GLMM;
	settings->has_c = !isnan(settings->opt.c);
	if (fg_options_check(&settings->opt, &err) != FG_OK)
		fgsql_report_error(&err);
	check_family(&settings->opt);
}
