/*
 * fit_options.c -- parses and checks the options of fairglmm_fit.
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "utils/builtins.h"
#include "utils/numeric.h"

#include "fit_options.h"
#include "pg_glue.h"

#define VALID_OPTIONS "c, exact_trace, feature_names, max_iter, max_steps, method, nu, probes, q0, seed, threshold, tol, tol_q"
#define VALID_METHODS "fair_glmm, glmm, fair_crlr, crlr, fair_lr, lr"

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

static double
number_option(const char *key, const JsonbValue *v)
{
	double		d;

	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be a number", key),
				 errdetail("The value given is %s.", jsonb_type_name(v))));
	/* beyond double range: infinity (or 0), not a cast error quoting 400 digits */
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
										   NumericGetDatum(v->val.numeric)));
	if (!isfinite(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be finite", key),
				 errdetail("The value given is beyond the range of double precision.")));
	return d;
}

/* An integer option in [lo, hi]. */
static int
integer_option(const char *key, const JsonbValue *v, double lo, double hi)
{
	double		d = number_option(key, v);

	if (d != floor(d) || d < lo || d > hi)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be an integer between %.0f and %.0f", key, lo, hi),
				 errdetail("The value given is %g.", d)));
	return (int) d;
}

static void
parse_method(const JsonbValue *v, fg_fit_settings *settings)
{
	char	   *name;
	fg_method	method;

	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"method\" must be a string"),
				 errdetail("Valid methods are: " VALID_METHODS ".")));
	name = pnstrdup(v->val.string.val, v->val.string.len);
	method = fg_method_from_name(name);
	if (method == FG_METHOD_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown method \"%s\"", name),
				 errdetail("Valid methods are: " VALID_METHODS ".")));
	settings->opt.method = method;
}

static void
parse_feature_names(const JsonbValue *v, fg_fit_settings *settings)
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

void
fg_parse_fit_settings(double rho, double lambda, Jsonb *options, fg_fit_settings *settings)
{
	memset(settings, 0, sizeof(*settings));
	fg_options_default(&settings->opt);
	settings->n_feature_names = -1;
	settings->opt.rho = rho;
	settings->opt.lambda = lambda;

	if (options != NULL)
	{
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken tok;
		char	   *key = NULL;

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
				key = pnstrdup(v.val.string.val, v.val.string.len);
				continue;
			}
			if (tok != WJB_VALUE)
				continue;

			if (strcmp(key, "method") == 0)
				parse_method(&v, settings);
			else if (strcmp(key, "c") == 0)
			{
				settings->opt.c = number_option(key, &v);
				settings->has_c = true;
			}
			else if (strcmp(key, "tol") == 0)
				settings->opt.tol = number_option(key, &v);
			else if (strcmp(key, "threshold") == 0)
				settings->opt.threshold = number_option(key, &v);
			else if (strcmp(key, "max_iter") == 0)
				settings->opt.max_iter = integer_option(key, &v, 1, 100000);
			else if (strcmp(key, "max_steps") == 0)
				settings->opt.max_steps = integer_option(key, &v, 1, 100000);
			else if (strcmp(key, "probes") == 0)
				settings->opt.probes = integer_option(key, &v, 1, 1000);
			else if (strcmp(key, "seed") == 0)
				settings->opt.seed = (uint64) integer_option(key, &v, 0, INT_MAX);
			else if (strcmp(key, "q0") == 0)
				settings->opt.q0 = number_option(key, &v);
			else if (strcmp(key, "tol_q") == 0)
				settings->opt.tol_q = number_option(key, &v);
			else if (strcmp(key, "nu") == 0)
				settings->opt.nu = number_option(key, &v);
			else if (strcmp(key, "exact_trace") == 0)
			{
				if (v.type != jbvBool)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("option \"exact_trace\" must be a boolean"),
							 errdetail("The value given is %s.", jsonb_type_name(&v))));
				settings->opt.exact_trace = v.val.boolean;
			}
			else if (strcmp(key, "feature_names") == 0)
				parse_feature_names(&v, settings);
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown option \"%s\"", key),
						 errdetail("Valid options are: " VALID_OPTIONS ".")));
		}
	}

	/* the paper's headline method is the default */
	if (settings->opt.method == FG_METHOD_NONE)
		settings->opt.method = FG_METHOD_FAIR_GLMM;
	{
		fg_error	err;

		if (fg_options_check(&settings->opt, &err) != FG_OK)
			fg_report_error(&err);
	}
}
