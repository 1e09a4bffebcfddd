/*
 * fit_agg.c -- the fairglmm_fit aggregate: collects rows into the core's
 * compact training state (features in chunks of rows, no per-row Datums),
 * then fits and encodes the model.  The parallel support functions
 * (serialise, deserialise, combine) are in fit_parallel.c.
 *
 * One C transition function serves every overload: the argument types
 * (boolean, integer, float or numeric y; boolean, integer or text sensitive;
 * integer, bigint or text strata) are read once from the call site and kept
 * in the state.  The type of y also gives the default of option "family":
 * gaussian for float and numeric y, binomial for boolean and integer y.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/execnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "boosting.h"
#include "cross_validation.h"
#include "fairness.h"
#include "fit_state.h"
#include "memory_limit.h"
#include "model_format.h"
#include "path_format.h"
#include "pg_env.h"
#include "pg_errors.h"
#include "stream.h"

/* The extension's default version, from fairglmm.control (see the Makefile). */
#ifndef FGSQL_EXTENSION_VERSION
#error "FGSQL_EXTENSION_VERSION must be defined (the Makefile takes it from fairglmm.control)"
#endif

PG_FUNCTION_INFO_V1(fairglmm_fit_transfn);
PG_FUNCTION_INFO_V1(fairglmm_fit_finalfn);
PG_FUNCTION_INFO_V1(fairglmm_path_transfn);
PG_FUNCTION_INFO_V1(fairglmm_path_finalfn);

/* Is y of a type whose default family is gaussian (a continuous outcome)? */
static bool
y_is_continuous(Oid type)
{
	return type == FLOAT8OID || type == FLOAT4OID || type == NUMERICOID;
}

/* y: boolean, an integer type, real, double precision or numeric. */
static void
check_y_type(Oid type)
{
	if (type != BOOLOID && type != INT2OID && type != INT4OID && type != INT8OID &&
		!y_is_continuous(type))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("y has type %s", format_type_be(type)),
				 errdetail("y must be boolean or integer (0/1, the binomial family), or double precision, real or numeric (a continuous outcome, the gaussian family).")));
}

static void
check_strata_type(Oid type)
{
	if (type != INT2OID && type != INT4OID && type != INT8OID && !fgsql_strata_is_text(type))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("strata has type %s", format_type_be(type)),
				 errdetail("strata must be integer, bigint or text.")));
}

/* The kind of one sensitive value (a scalar, or an array's element); false if none. */
static bool
sensitive_kind(Oid type, fg_arg_kind *kind)
{
	switch (type)
	{
		case BOOLOID:
			*kind = FG_ARG_BOOL;
			return true;
		case INT2OID:
		case INT4OID:
			*kind = FG_ARG_INT;
			return true;
		case INT8OID:
			*kind = FG_ARG_INT8;
			return true;
		case TEXTOID:
		case VARCHAROID:
		case UNKNOWNOID:
			*kind = FG_ARG_TEXT;
			return true;
		default:
			return false;
	}
}

static void
set_sensitive_type(fgsql_fit_state *st, Oid type)
{
	Oid			elem = get_element_type(type);

	st->s_array = OidIsValid(elem) && elem != UNKNOWNOID;
	st->s_type = st->s_array ? elem : type;
	if (!sensitive_kind(st->s_type, &st->s_kind) || (st->s_array && st->s_type == UNKNOWNOID))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("sensitive has type %s", format_type_be(type)),
				 errdetail("sensitive must be boolean, smallint, integer, bigint, text or varchar, or an array of one of these with one element per attribute.")));
}

/*
 * The rhos argument of fairglmm_path: a one-dimensional float8 array of 1
 * to FG_PATH_MAX_MODELS finite numbers >= 0, kept with its bytes.
 */
static void
read_rhos(fgsql_fit_state *st, ArrayType *arr)
{
	int			n;
	const double *v;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("rhos must be a one-dimensional array")));
	n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	if (n < 1 || n > FG_PATH_MAX_MODELS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rhos must have 1 to %d elements", FG_PATH_MAX_MODELS),
				 errdetail("The array has %d.", n)));
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rhos must not contain NULL")));
	v = (const double *) ARR_DATA_PTR(arr);
	for (int i = 0; i < n; i++)
		if (!isfinite(v[i]) || v[i] < 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rhos must be finite numbers >= 0"),
					 errdetail("Element %d is %g.", i + 1, v[i])));
	st->rhos_arg = arr;
	st->n_rhos = (uint32) n;
	st->rhos = palloc(sizeof(double) * n);
	memcpy(st->rhos, v, sizeof(double) * n);
}

/* What a path needs of the settings: a fair method with the rho penalty. */
static void
check_path_settings(const fgsql_fit_state *st)
{
	const fg_options *opt = &st->settings.opt;

	if (!fg_method_is_fair(opt->method))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fairglmm_path needs a fair method"),
				 errdetail("Method \"%s\" ignores rho, so every model of the path would be the same.",
						   fg_method_name(opt->method)),
				 opt->family == FG_FAMILY_GAUSSIAN
				 ? errhint("Use fair_lr, fair_crlr, fair_glmm or fair_threshold.")
				 : errhint("Use fair_lr, fair_crlr or fair_glmm.")));
	if (fg_options_constrained(opt))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fairglmm_path cannot be used with option \"c\""),
				 errdetail("Option \"c\" replaces the rho penalty by a constraint, so rho has no effect."),
				 errhint("Fit the constrained form with fairglmm_fit, one bound at a time.")));
	if (!isnan(opt->target))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fairglmm_path cannot be used with option \"target\""),
				 errhint("Use fairglmm_fit with option \"target\" to search for rho.")));
}

/*
 * Can the state keep least-squares sums instead of the rows (stream.h)?
 * An unweighted gaussian lr or crlr of fairglmm_fit whose fit needs no row
 * (no robust covariance), in a plain or partial aggregate (a window
 * aggregate keeps rows, as before); fit_parallel.c makes the same choice
 * for the leader's combined state.
 */
static bool
streams(FunctionCallInfo fcinfo, const fgsql_fit_state *st)
{
	if (st->path || st->weighted || !fg_stream_supports(&st->settings.opt))
		return false;
	return fcinfo->context != NULL && IsA(fcinfo->context, AggState);
}

fgsql_fit_state *
fgsql_fit_state_new(MemoryContext cxt, Oid y_type, Oid strata_type, Oid s_type, bool weighted,
					bool path, double rho, double lambda, Jsonb *options)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	fgsql_fit_state *st = palloc0(sizeof(fgsql_fit_state));
	fg_family	family;

	st->tag = FGSQL_FIT_STATE_TAG;
	st->mcxt = cxt;
	st->path = path;
	fgsql_env_init(&st->env, cxt);
	st->weighted = weighted;
	st->y_type = y_type;
	st->strata_type = strata_type;
	if (!OidIsValid(st->y_type) || !OidIsValid(st->strata_type) || !OidIsValid(s_type))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("could not determine the argument types of %s",
						path ? "fairglmm_path" : "fairglmm_fit")));
	check_y_type(st->y_type);
	family = y_is_continuous(st->y_type) ? FG_FAMILY_GAUSSIAN : FG_FAMILY_BINOMIAL;
	check_strata_type(st->strata_type);
	set_sensitive_type(st, s_type);
	st->options = options;
	if (path)
		/* the settings as for rho = 0; each fit of the path sets its own */
		fgsql_parse_fit_settings(0.0, lambda, options, family, &st->settings);
	else
		fgsql_parse_fit_settings(rho, lambda, options, family, &st->settings);
	if (!st->weighted && st->settings.opt.weight_scale == FG_WEIGHTS_AS_GIVEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"weights\" needs the weight argument"),
				 errdetail("\"weights\": \"as_given\" says how to take row weights, and this call passes none."),
				 errhint("Pass the weights as the fifth argument: fairglmm_fit(y, x, strata, sensitive, weight, rho, lambda, options).")));
	/* lr and fair_lr collect strata too when the robust covariance clusters by them */
	st->uses_strata = fg_options_collects_strata(&st->settings.opt);
	st->strata_for_folds = st->uses_strata && !fg_method_uses_strata(st->settings.opt.method) &&
		st->settings.opt.vcov != FG_VCOV_ROBUST;
	MemoryContextSwitchTo(old);
	return st;
}

/* The training rows' state of a new state (after the path's settings are checked). */
void
fgsql_fit_state_start(fgsql_fit_state *st, bool stream)
{
	MemoryContext old = MemoryContextSwitchTo(st->mcxt);
	fg_error	err;

	fgsql_fit_state_fill_config(st);
	if (fg_train_init(&st->train, &st->env, st->uses_strata, -1, &err) != FG_OK ||
		fg_train_set_weighted(&st->train, st->weighted, &err) != FG_OK ||
		fg_train_set_gaussian(&st->train, st->settings.opt.family == FG_FAMILY_GAUSSIAN,
							  &err) != FG_OK ||
		(stream && fg_train_set_stream(&st->train, &err) != FG_OK))
		fgsql_report_error(&err);
	MemoryContextSwitchTo(old);
}

/*
 * Is argument i of the transition function (the aggregate's argument
 * i - 1) the same in every row: a constant or a query parameter?  The
 * transition function's own expression has placeholders for the
 * arguments, so the aggregate's are looked at.
 */
static bool
arg_stable(FunctionCallInfo fcinfo, int i)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	Node	   *e;

	if (get_fn_expr_arg_stable(fcinfo->flinfo, i))
		return true;
	if (aggref == NULL || i - 1 >= list_length(aggref->args))
		return false;
	e = (Node *) ((TargetEntry *) list_nth(aggref->args, i - 1))->expr;
	return IsA(e, Const) || (IsA(e, Param) && ((Param *) e)->paramkind == PARAM_EXTERN);
}

static fgsql_fit_state *
create_state(FunctionCallInfo fcinfo, MemoryContext aggcxt, bool path)
{
	fgsql_fit_state *st;
	Jsonb	   *options = NULL;
	/* (y, x, strata, sensitive [, weight], rho or rhos, lambda [, options]) */
	bool		weighted = PG_NARGS() == 9;
	int			a = weighted ? 6 : 5;

	if (PG_ARGISNULL(a) || PG_ARGISNULL(a + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 path ? errmsg("rhos and lambda must not be null")
				 : errmsg("rho and lambda must not be null"),
				 path ? 0 : errhint("Pass 0 where a method does not use them.")));
	if (PG_NARGS() > a + 2 && !PG_ARGISNULL(a + 2))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcxt);

		options = PG_GETARG_JSONB_P_COPY(a + 2);
		MemoryContextSwitchTo(old);
	}
	st = fgsql_fit_state_new(aggcxt, get_fn_expr_argtype(fcinfo->flinfo, 1),
							 get_fn_expr_argtype(fcinfo->flinfo, 3),
							 get_fn_expr_argtype(fcinfo->flinfo, 4), weighted, path,
							 path ? 0.0 : PG_GETARG_FLOAT8(a), PG_GETARG_FLOAT8(a + 1), options);
	st->rho_arg = a;
	if (path)
	{
		MemoryContext old = MemoryContextSwitchTo(aggcxt);

		read_rhos(st, PG_GETARG_ARRAYTYPE_P_COPY(a));
		MemoryContextSwitchTo(old);
		check_path_settings(st);
	}
	else if (st->settings.opt.folds > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"folds\" is for fairglmm_path"),
				 errdetail("fairglmm_fit fits one model on every row; cross-validation compares the rhos of a path on held-out rows."),
				 errhint("Use fairglmm_path with an array of rhos, or drop option \"folds\".")));
	st->settings_stable = arg_stable(fcinfo, a) && arg_stable(fcinfo, a + 1) &&
		(PG_NARGS() <= a + 2 || arg_stable(fcinfo, a + 2));
	fgsql_fit_state_start(st, streams(fcinfo, st));
	return st;
}

/*
 * rho, lambda and options must be the same in every row.  Constants and
 * query parameters are (the usual case), so only expressions are compared,
 * which spares a memcmp of the options per row.
 */
static void
check_constant_args(FunctionCallInfo fcinfo, fgsql_fit_state *st)
{
	bool		same;
	int			a = st->rho_arg;

	if (st->settings_stable)
		return;
	same = !PG_ARGISNULL(a) && !PG_ARGISNULL(a + 1) &&
		PG_GETARG_FLOAT8(a + 1) == st->settings.opt.lambda;
	if (same && st->path)
	{
		ArrayType  *r = PG_GETARG_ARRAYTYPE_P(a);

		same = VARSIZE(r) == VARSIZE(st->rhos_arg) &&
			memcmp(r, st->rhos_arg, VARSIZE(r)) == 0;
	}
	else if (same)
		same = PG_GETARG_FLOAT8(a) == st->settings.opt.rho;

	if (same && PG_NARGS() > a + 2)
	{
		if (PG_ARGISNULL(a + 2) || st->options == NULL)
			same = PG_ARGISNULL(a + 2) && st->options == NULL;
		else
		{
			Jsonb	   *o = PG_GETARG_JSONB_P(a + 2);

			same = VARSIZE(o) == VARSIZE(st->options) &&
				memcmp(o, st->options, VARSIZE(o)) == 0;
		}
	}
	if (!same && st->path)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rhos, lambda and options must be the same for every row of a path"),
				 errhint("Use GROUP BY to fit several paths with different settings.")));
	if (!same)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rho, lambda and options must be the same for every row of a fit"),
				 errhint("Use GROUP BY to fit several models with different settings.")));
}

/*
 * Are n doubles all finite?  v x 0 is a zero for every finite v and NaN for
 * an infinity or a NaN, so the sum of those products is zero exactly when
 * all are finite.  The loop has no branch and vectorizes, where isfinite()
 * with an early exit ran a compare and a branch per feature of every
 * training row (half of the row reader's time at 20 features).
 */
static inline bool
all_finite(const double *v, int n)
{
	double		zero_or_nan = 0.0;

	for (int j = 0; j < n; j++)
		zero_or_nan += v[j] * 0.0;
	return zero_or_nan == 0.0;
}

/*
 * Check one row's features: false when x has a NULL element (the row is
 * skipped).  The first usable row fixes the number of features.
 */
static bool
check_features(fgsql_fit_state *st, ArrayType *arr)
{
	int			n;
	const double *v;
	fg_error	err;

	if (ARR_ELEMTYPE(arr) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("x must be a float8 array")));
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x must be a one-dimensional array"),
				 errdetail("A row has an array of %d dimensions.", ARR_NDIM(arr))));
	n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	if (array_contains_nulls(arr))
		return false;
	if (st->train.p < 0)
	{
		if (st->settings.n_feature_names >= 0 && st->settings.n_feature_names != n)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"feature_names\" has %d names but x has %d elements",
							st->settings.n_feature_names, n)));
		if (n > FG_MODEL_MAX_P)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("x has %d elements; at most %d features are supported", n, FG_MODEL_MAX_P)));
		if (fg_train_set_p(&st->train, n, &err) != FG_OK)
			fgsql_report_error(&err);
	}
	else if (n != st->train.p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x arrays have different lengths"),
				 errdetail("A row has %d features; earlier rows had %d.", n, st->train.p),
				 errhint("Every row of one fit needs the same features in the same order.")));

	v = (const double *) ARR_DATA_PTR(arr);
	if (!all_finite(v, n))
		for (int j = 0; j < n; j++)
			if (!isfinite(v[j]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("x contains a non-finite value"),
						 errdetail("Element %d of a row's x is %g.", j + 1, v[j]),
						 errhint("Replace NaN and infinite values, or filter those rows out.")));
	return true;
}

/* The stratum's dictionary key: 8 sortable bytes for integers, the bytes of text. */
static const uint8 *
stratum_key(fgsql_fit_state *st, Datum d, uint8 ibuf[8], size_t *len)
{
	if (fgsql_strata_is_text(st->strata_type))
	{
		const char *p;

		if (st->strata_type == UNKNOWNOID)
		{
			p = DatumGetCString(d);
			*len = strlen(p);
		}
		else
		{
			text	   *t = DatumGetTextPP(d);

			*len = VARSIZE_ANY_EXHDR(t);
			p = VARDATA_ANY(t);
		}
		if (*len > FG_MODEL_MAX_KEY_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("stratum label is too long"),
					 errdetail("A label has %zu bytes; at most %d are supported.",
							   *len, FG_MODEL_MAX_KEY_LEN)));
		return (const uint8 *) p;
	}
	fg_key_from_int64(st->strata_type == INT8OID ? DatumGetInt64(d)
					  : st->strata_type == INT2OID ? DatumGetInt16(d) : DatumGetInt32(d), ibuf);
	*len = 8;
	return ibuf;
}

/*
 * y as a finite double, from any type y may have (a boolean is 0 or 1).
 * NaN and infinities are refused, naming the input row; so is a numeric
 * beyond the range of double precision.
 */
static double
y_number(const fgsql_fit_state *st, Datum d)
{
	double		v;
	uint64		row = st->train.n_rows + st->train.n_forgotten + st->train.n_skipped + 1;

	switch (st->y_type)
	{
		case BOOLOID:
			return DatumGetBool(d) ? 1.0 : 0.0;
		case INT2OID:
			return (double) DatumGetInt16(d);
		case INT4OID:
			return (double) DatumGetInt32(d);
		case INT8OID:
			return (double) DatumGetInt64(d);
		case FLOAT4OID:
			v = (double) DatumGetFloat4(d);
			break;
		case FLOAT8OID:
			v = DatumGetFloat8(d);
			break;
		default:
			{
				Numeric		n = DatumGetNumeric(d);

				/* NaN and infinities convert as they are; finite numbers may overflow */
				v = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d));
				if (!isfinite(v) && !numeric_is_nan(n) && !numeric_is_inf(n))
					ereport(ERROR,
							(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							 errmsg("y is out of range for double precision"),
							 errdetail("Input row " UINT64_FORMAT " has a y beyond about 1.8e308.", row),
							 errhint("Rescale y, or filter that row out.")));
			}
	}
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("y must be finite"),
				 errdetail("Input row " UINT64_FORMAT " has y = %s.", row, float8out_internal(v)),
				 errhint("Replace NaN and infinite values of y, or filter those rows out; a NULL y skips the row.")));
	return v;
}

/* y as 0/1 for the binomial family, from any type y may have */
static uint8
y_label(const fgsql_fit_state *st, Datum d)
{
	Oid			type = st->y_type;
	int64		v;
	double		r;

	if (type == BOOLOID)
		return DatumGetBool(d) ? 1 : 0;
	if (!y_is_continuous(type))
	{
		v = type == INT8OID ? DatumGetInt64(d) : type == INT2OID ? DatumGetInt16(d) : DatumGetInt32(d);
		if (v != 0 && v != 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("y must be 0 or 1"),
					 errdetail("A row has y = " INT64_FORMAT ".", v),
					 errhint("Recode the column to 0/1 or pass a boolean; for a continuous outcome such as a score, pass option \"family\": \"gaussian\".")));
		return (uint8) v;
	}
	/* a float or numeric y with "family": "binomial" */
	r = y_number(st, d);
	if (r != 0.0 && r != 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("y must be 0 or 1"),
				 errdetail("A row has y = %s, and option \"family\" is \"binomial\".", float8out_internal(r)),
				 errhint("Recode the column to 0/1, or leave option \"family\" out to fit a %s y by least squares (the gaussian family).",
						 format_type_be(type))));
	return (uint8) r;
}

/*
 * One sensitive value as a category label: 8 sortable bytes for booleans
 * and integers (a boolean is 0 or 1), the bytes of text.  *ival receives
 * the integer value (-1 for text).
 */
static fg_attr_key
sensitive_label(Oid type, Datum d, uint8 *ibuf, int64 *ival)
{
	fg_attr_key key;

	*ival = -1;
	switch (type)
	{
		case BOOLOID:
			*ival = DatumGetBool(d) ? 1 : 0;
			break;
		case INT2OID:
			*ival = DatumGetInt16(d);
			break;
		case INT4OID:
			*ival = DatumGetInt32(d);
			break;
		case INT8OID:
			*ival = DatumGetInt64(d);
			break;
		case UNKNOWNOID:
			key.bytes = (const uint8 *) DatumGetCString(d);
			key.len = strlen((const char *) key.bytes);
			goto text;
		default:
			{
				text	   *t = DatumGetTextPP(d);

				key.bytes = (const uint8 *) VARDATA_ANY(t);
				key.len = VARSIZE_ANY_EXHDR(t);
			}
	text:
			if (key.len > FG_MODEL_MAX_KEY_LEN)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("sensitive label is too long"),
						 errdetail("A label has %zu bytes; at most %d are supported.",
								   key.len, FG_MODEL_MAX_KEY_LEN)));
			return key;
	}
	fg_key_from_int64(*ival, ibuf);
	key.bytes = ibuf;
	key.len = 8;
	return key;
}

/* Switch the rows to coded sensitive attributes, within the memory limit. */
static void
use_codes(fgsql_fit_state *st, uint32 n_attr)
{
	fg_error	err;
	fg_status	status;
	MemoryContext old;

	if (st->train.n_attr == n_attr)
		return;
	if (st->train.n_attr > 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("sensitive arrays have different lengths"),
				 errdetail("A row has an array of %u elements; earlier rows had %u.", n_attr,
						   st->train.n_attr),
				 errhint("Every row of one fit needs the same sensitive attributes in the same order.")));
	fgsql_check_training_memory(fg_train_memory_codes(&st->train, n_attr), &st->train,
								st->train.p, NULL);
	old = MemoryContextSwitchTo(st->mcxt);
	status = fg_train_use_codes(&st->train, n_attr, &err);
	MemoryContextSwitchTo(old);
	if (status != FG_OK)
		fgsql_report_error(&err);
}

/*
 * Read the row's sensitive value into *s (binary rows) or labels (coded
 * rows).  false when an array has a NULL element (the row is skipped).
 */
static bool
read_sensitive(fgsql_fit_state *st, Datum d, uint8 *s, fg_attr_key *labels,
			   uint8 ibuf[FG_MAX_ATTRIBUTES][8])
{
	int64		v;

	if (!st->s_array)
	{
		labels[0] = sensitive_label(st->s_type, d, ibuf[0], &v);
		/* booleans and integers 0/1 stay binary: 1 byte a row, 1.0's model */
		if (st->train.n_attr == 0 && (v == 0 || v == 1))
		{
			*s = (uint8) v;
			return true;
		}
		use_codes(st, 1);
		return true;
	}
	else
	{
		ArrayType  *arr = DatumGetArrayTypeP(d);
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int16		typlen;
		bool		typbyval;
		char		typalign;

		if (ARR_NDIM(arr) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("sensitive must be a one-dimensional array"),
					 errdetail("A row has an array of %d dimensions.", ARR_NDIM(arr))));
		n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
		if (n < 1 || n > FG_MAX_ATTRIBUTES)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("sensitive arrays must have 1 to %d elements", FG_MAX_ATTRIBUTES),
					 errdetail("A row has %d.", n)));
		if (st->train.n_attr > 0 && (uint32) n != st->train.n_attr)
			use_codes(st, (uint32) n);	/* raises the error naming both lengths */
		if (array_contains_nulls(arr))
			return false;
		use_codes(st, (uint32) n);
		get_typlenbyvalalign(st->s_type, &typlen, &typbyval, &typalign);
		deconstruct_array(arr, st->s_type, typlen, typbyval, typalign, &elems, &nulls, &n);
		for (int k = 0; k < n; k++)
			labels[k] = sensitive_label(st->s_type, elems[k], ibuf[k], &v);
		return true;
	}
}

/*
 * fairglmm_fit_transfn(state, y, x, strata, sensitive [, weight], rho, lambda [, options])
 * fairglmm_path_transfn(state, y, x, strata, sensitive [, weight], rhos, lambda, options)
 */
/*
 * Add the row of a call whose arguments 1 to 4 are (y, x, strata,
 * sensitive) and 5 the weight when st->weighted; a row with a NULL where
 * the fit needs a value is skipped and counted.
 */
void
fgsql_fit_add_row(FunctionCallInfo fcinfo, fgsql_fit_state *st)
{
	MemoryContext old;
	ArrayType  *arr;
	uint8		y = 0,
				s = 0,
				ibuf[8];
	double		y_real = 0.0;
	uint8		lbuf[FG_MAX_ATTRIBUTES][8];
	fg_attr_key labels[FG_MAX_ATTRIBUTES];
	const uint8 *key = NULL;
	size_t		key_len = 0;
	double		w = 1.0;
	fg_error	err;
	fg_status	status;

	/* rows with a missing value are skipped and counted */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(4) ||
		(st->uses_strata && !st->strata_for_folds && PG_ARGISNULL(3)) ||
		(st->weighted && PG_ARGISNULL(5)))
	{
		st->train.n_skipped++;
		return;
	}
	if (st->weighted)
	{
		w = PG_GETARG_FLOAT8(5);
		if (!isfinite(w) || w < 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weight must be a finite number >= 0"),
					 errdetail("Input row " UINT64_FORMAT " has weight %g.",
							   st->train.n_rows + st->train.n_forgotten + st->train.n_skipped + 1, w),
					 errhint("A NULL weight skips the row, and so does a weight of 0.")));
		if (w == 0.0)
		{
			st->train.n_skipped++;
			return;
		}
	}
	arr = PG_GETARG_ARRAYTYPE_P(2);
	if (!check_features(st, arr))
	{
		st->train.n_skipped++;
		return;
	}
	if (!read_sensitive(st, PG_GETARG_DATUM(4), &s, labels, lbuf))
	{
		st->train.n_skipped++;
		return;
	}
	/*
	 * Strata that only the folds need: skipping a row without one would fit
	 * the path's models on other rows than fairglmm_fit uses.
	 */
	if (st->strata_for_folds && PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("option \"fold_by\": \"strata\" needs a stratum in every row"),
				 errdetail("Input row " UINT64_FORMAT " has a NULL stratum; method %s does not use strata otherwise, so skipping the row would change the models of the path.",
						   st->train.n_rows + st->train.n_forgotten + st->train.n_skipped + 1,
						   fg_method_name(st->settings.opt.method)),
				 errhint("Pass the strata (such as survey areas), leave out the rows without one, or use \"fold_by\": \"rows\".")));
	if (st->train.gaussian)
		y_real = y_number(st, PG_GETARG_DATUM(1));
	else
		y = y_label(st, PG_GETARG_DATUM(1));
	if (st->uses_strata)
		key = stratum_key(st, PG_GETARG_DATUM(3), ibuf, &key_len);

	/*
	 * growing is the only time memory is allocated: check the limit first;
	 * sums grow only with new strata and categories, checked now and then
	 */
	if (st->train.stream_on)
	{
		if ((st->train.n_rows & 0xFFFF) == 0)
			fgsql_check_training_memory(fg_train_memory(&st->train), NULL, 0,
										"state of least-squares sums");
	}
	else if (!fg_train_has_room(&st->train))
		fgsql_check_training_memory(fg_train_memory_after(&st->train, 1), &st->train,
									st->train.p, NULL);
	old = MemoryContextSwitchTo(st->mcxt);
	status = st->train.gaussian
		? fg_train_add_row_real(&st->train, (const double *) ARR_DATA_PTR(arr), y_real, w, s,
								st->train.n_attr > 0 ? labels : NULL, key, key_len, &err)
		: fg_train_add_row_ex(&st->train, (const double *) ARR_DATA_PTR(arr), y, w, s,
							  st->train.n_attr > 0 ? labels : NULL, key, key_len, &err);
	MemoryContextSwitchTo(old);
	if (status != FG_OK)
		fgsql_report_error(&err);
}


static Datum
transfn(FunctionCallInfo fcinfo, bool path)
{
	MemoryContext aggcxt;
	fgsql_fit_state *st;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in a non-aggregate context",
						path ? "fairglmm_path_transfn" : "fairglmm_fit_transfn")));

	if (PG_ARGISNULL(0))
		st = create_state(fcinfo, aggcxt, path);
	else
	{
		st = (fgsql_fit_state *) PG_GETARG_POINTER(0);
		if (st->tag != FGSQL_FIT_STATE_TAG || st->path != path)
			elog(ERROR, "%s called with a foreign state",
				 path ? "fairglmm_path_transfn" : "fairglmm_fit_transfn");
		check_constant_args(fcinfo, st);
	}

	fgsql_fit_add_row(fcinfo, st);
	PG_RETURN_POINTER(st);
}

Datum
fairglmm_fit_transfn(PG_FUNCTION_ARGS)
{
	return transfn(fcinfo, false);
}

Datum
fairglmm_path_transfn(PG_FUNCTION_ARGS)
{
	return transfn(fcinfo, true);
}

/* The strata argument's key type in a model. */
static fg_key_type
key_type_for(Oid type)
{
	return fgsql_strata_is_text(type) ? FG_KEY_TEXT : FG_KEY_INT;
}

/* Solver memory beyond the rows: a few N-vectors and the stratum blocks. */
static Size
solver_bytes(const fgsql_fit_state *st, const fg_data *data)
{
	Size		k = 1 + data->p;
	Size		n = data->n_strata;
	Size		newton = (Size) data->n_rows * 3 * sizeof(double) + (n + 8) * (k + 8) * sizeof(double) +
		k * k * 2 * sizeof(double);

	/* what a fitter keeps to resume the next fit without a pass (newton.h): S0 twice, G, E, grad */
	newton += (n * k + 2 * k * k + 2 * (k + n)) * sizeof(double);

	if (fg_method_is_boosting(st->settings.opt.method))
		newton += fg_boost_memory(data->n_rows, data->p, (uint32) n, &st->settings.opt);
	newton += fg_terms_memory(data, &st->settings.opt, fg_method_uses_strata(st->settings.opt.method));
	/* fair_threshold's descent (threshold.h): about 100 bytes a row, and 32 a crossing held */
	if (st->settings.opt.method == FG_METHOD_FAIR_THRESHOLD)
		newton += (Size) data->n_rows * 100 + (Size) Max(data->n_rows, (Size) 1 << 18) * 32;
	return newton;
}

/* The model's description of the sensitive attributes: labels in sorted order. */
static void
describe_attributes(const fgsql_fit_state *st, fg_model *model)
{
	fg_key_type type = st->s_kind == FG_ARG_TEXT ? FG_KEY_TEXT
		: st->s_kind == FG_ARG_BOOL ? FG_KEY_BOOL : FG_KEY_INT;

	if (st->train.n_attr == 0)
	{
		/* the binary attribute: labels 0 and 1 (false and true) */
		fg_model_attr *a = palloc0(sizeof(fg_model_attr));

		a->key_type = type;
		a->n_cats = 2;
		a->keys = palloc(16);
		fg_key_from_int64(0, a->keys);
		fg_key_from_int64(1, a->keys + 8);
		a->key_offsets = palloc(3 * sizeof(uint64));
		a->key_offsets[0] = 0;
		a->key_offsets[1] = 8;
		a->key_offsets[2] = 16;
		model->n_attr = 1;
		model->attrs = a;
		return;
	}
	model->n_attr = st->train.n_attr;
	model->attrs = palloc0(sizeof(fg_model_attr) * st->train.n_attr);
	for (uint32 k = 0; k < st->train.n_attr; k++)
	{
		model->attrs[k].key_type = type;
		model->attrs[k].n_cats = st->train.attrs[k].count;
		model->attrs[k].keys = st->train.attrs[k].bytes;
		model->attrs[k].key_offsets = st->train.attrs[k].offsets;
	}
}

bytea *
fgsql_encode_model(const fgsql_fit_state *st, const fg_data *data, fg_fit *fit, fg_env *env,
			 double rho)
{
	fg_model	model;
	uint8	   *bytes;
	size_t		len;
	fg_error	err;
	bytea	   *result;

	memset(&model, 0, sizeof(model));
	model.opt = st->settings.opt;
	model.opt.rho = rho;
	/* record what the fit used: unfair methods ignore rho and the notion, strata-free ones lambda */
	if (!fg_method_is_fair(model.opt.method) || fg_options_constrained(&model.opt))
		model.opt.rho = 0.0;
	if (!fg_method_is_fair(model.opt.method))
		model.opt.fairness = FG_FAIRNESS_DEMOGRAPHIC_PARITY;
	if (!fg_method_uses_strata(model.opt.method))
		model.opt.lambda = 0.0;
	/* fair_threshold's nonsmooth objective has no standard errors, whatever "vcov" asked */
	if (model.opt.method == FG_METHOD_FAIR_THRESHOLD)
		model.opt.vcov = FG_VCOV_NONE;
	model.has_c = st->settings.has_c;
	model.rows_used = st->train.n_rows;
	model.rows_skipped = st->train.n_skipped;
	model.p = st->train.p;
	model.n_strata = fit->n_strata;
	model.key_type = fit->n_strata > 0 ? key_type_for(st->strata_type) : FG_KEY_NONE;
	model.feature_names = st->settings.n_feature_names >= 0 ? st->settings.feature_names : NULL;
	model.intercept = fit->intercept;
	model.beta = fit->beta;
	model.b = fit->b;
	model.stratum_rows = fit->stratum_rows;
	if (fit->n_strata > 0)
	{
		model.keys = st->train.dict.bytes;
		model.key_offsets = st->train.dict.offsets;
	}
	model.iterations = fit->iterations;
	model.converged = fit->converged;
	model.grad_norm = fit->grad_norm;
	model.objective = fit->objective;
	model.multiplier = fit->multiplier;
	model.train_accuracy = fit->train_accuracy;
	model.train_di = fit->train_di;
	model.train_cov = fit->train_cov;
	model.q = fit->q;
	model.steps = fit->steps;
	model.stop_reason = (fg_stop_reason) fit->stop_reason;
	model.bic = fit->bic;
	model.selected = fit->selected;
	model.separated_rows = fit->separated_rows;
	model.n_unidentified = fit->n_unidentified;
	model.unidentified = fit->unidentified;

	model.weighted = st->weighted;
	model.weight_sum = fit->weight_sum;
	describe_attributes(st, &model);
	model.n_terms = fit->n_terms;
	model.terms = fit->terms;
	if (fit->n_attr == model.n_attr)
	{
		model.n_attr_di = fit->n_attr;
		model.attr_di = fit->attr_di;
	}

	/* inference (the core leaves the covariance exactly symmetric), and when and by which version */
	model.vcov_type = fit->vcov_type;
	model.vcov = fit->vcov;
	model.b_se = fit->n_strata > 0 ? fit->b_se : NULL;
	model.loglik = fit->loglik;
	model.null_loglik = fit->null_loglik;
	model.edf = fit->edf;
	model.target_reached = fit->target_reached;
	model.sigma2 = fit->sigma2;
	model.rmse = fit->rmse;
	model.r2 = fit->r2;
	model.sweeps = fit->sweeps;
	model.threshold_gap = fit->threshold_gap;
	model.parity_ks = fit->parity_ks;
	model.n_thresholds = fit->n_thresholds;
	model.thresholds = fit->thresholds;
	model.created_at = (int64) GetCurrentTimestamp() +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
	strlcpy(model.ext_version, FGSQL_EXTENSION_VERSION, sizeof(model.ext_version));

	if (fg_model_encode(env, &model, &bytes, &len, &err) != FG_OK)
		fgsql_report_error(&err);
	result = palloc(VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), bytes, len);
	/* a path encodes many models: do not keep each one twice */
	fg_release(env, bytes);
	return result;
}

/*
 * What the fit needs of the attributes: with a fair method, two categories
 * at least in each; bounds of option "c" only for attributes that exist.
 */
void
fgsql_check_attributes(const fgsql_fit_state *st)
{
	uint32		n_attr = st->train.n_attr > 0 ? st->train.n_attr : 1;

	for (uint32 k = n_attr; k < FG_MAX_ATTRIBUTES; k++)
		if (!isnan(st->settings.opt.c_attr[k]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"c\" bounds sensitive attribute %u, which does not exist", k + 1),
					 errdetail_plural("sensitive has %u attribute.", "sensitive has %u attributes.",
									  n_attr, n_attr),
					 errhint("The keys of an object \"c\" are positions in the sensitive array, from \"1\".")));
	if (!fg_method_is_fair(st->settings.opt.method))
		return;
	for (uint32 k = 0; k < st->train.n_attr; k++)
		if (st->train.n_cats[k] < 2)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sensitive attribute %u is constant", k + 1),
					 errdetail("All " UINT64_FORMAT " rows used have the same value of attribute %u, so its fairness terms are identically zero.",
							   st->train.n_rows, k + 1),
					 errhint("A fair method needs two categories or more in every sensitive attribute; leave this one out, or use the unfair method.")));
}

/* env->progress with option "verbose": one NOTICE per line of the core. */
void
fgsql_progress_notice(void *ctx, const char *message)
{
	ereport(NOTICE, (errmsg_internal("fairglmm_fit: %s", message)));
}

/*
 * Warnings about one fit: not converged, boosting at its step limit,
 * separation, fairness terms that constrain nothing.  what names the fit in
 * the messages ("fairglmm_fit", "fairglmm_path at rho 0.5").
 */
void
fgsql_warn_about_fit(const fg_fit *fit, fg_method method, const char *what)
{
	if (!fit->converged && method == FG_METHOD_FAIR_THRESHOLD)
		ereport(WARNING,
				(errmsg("%s did not converge", what),
				 errdetail("The coordinate descent stopped after %d sweeps, and a coordinate could still improve the objective.",
						   fit->sweeps),
				 errhint("Raise option \"max_sweeps\"; fairglmm_info shows \"converged\": false for this model.")));
	else if (!fit->converged)
		ereport(WARNING,
				(errmsg("%s did not converge", what),
				 errdetail("Newton's method stopped after %d iterations.", fit->iterations),
				 errhint("Raise option \"max_iter\" or loosen \"tol\"; fairglmm_info shows \"converged\": false for this model.")));
	if (fit->stop_reason == FG_STOP_MAX_STEPS)
		ereport(WARNING,
				(errmsg("%s boosting did not converge", what),
				 errdetail_plural("Boosting stopped at its limit of %d step before the random-intercept variance settled to option \"tol_q\".",
								  "Boosting stopped at its limit of %d steps before the random-intercept variance settled to option \"tol_q\".",
								  fit->steps, fit->steps),
				 errhint("Raise option \"max_steps\" or loosen \"tol_q\"; fairglmm_info shows \"stop_reason\": \"max_steps\" for this model.")));
	/* quasi-complete separation: the core names the terms in separation_detail */
	if (fit->separated_rows > 0)
		ereport(WARNING,
				(errmsg("some training rows are predicted with probability 0 or 1"),
				 fit->separation_detail[0] != '\0' ? errdetail("%s", fit->separation_detail) : 0,
				 fit->n_unidentified > 0
				 ? errhint("The coefficients of the named terms are not identified (fairglmm_info lists them under \"unidentified\"); a small ridge penalty such as option \"l2\" = 0.01 gives finite estimates.")
				 : errhint("A small ridge penalty such as option \"l2\" = 0.01 gives finite estimates.")));

	/*
	 * A term whose group has no row of its category (or only such rows) is
	 * identically zero: the notion cannot act on that category there.
	 */
	{
		uint32		blind = 0,
					first = 0;

		for (uint32 t = 0; t < fit->n_terms; t++)
			if (fit->terms[t].share <= 0.0 || fit->terms[t].share >= 1.0)
			{
				if (blind++ == 0)
					first = t;
			}
		if (blind > 0)
			ereport(WARNING,
					(errmsg_plural("%u fairness term constrains nothing",
								   "%u fairness terms constrain nothing", blind, blind),
					 errdetail("Attribute %u, category %u in sorted order, has %s of the rows with %s, so its covariance is zero whatever the model; fairglmm_info lists every term under \"fairness_terms\" (share 0 or 1).",
							   fit->terms[first].attr + 1, fit->terms[first].category + 1,
							   fit->terms[first].share <= 0.0 ? "none" : "all",
							   fit->terms[first].outcome < 0 ? "any outcome" :
							   fit->terms[first].outcome == 1 ? "y = 1" : "y = 0"),
					 errhint("Merge rare categories, or use demographic_parity, whose terms cover every row.")));
	}
}

/*
 * The final function's preparation: the rows as the solver takes them, the
 * memory check, and a work context with its environment, which the caller
 * switches back from and deletes.  false (after a NOTICE) when no row was
 * usable.
 */
static bool
prepare_fit(fgsql_fit_state *st, const char *name, fg_data *data, fg_env *env,
			MemoryContext *work)
{
	fg_error	err;
	fg_status	status;
	MemoryContext old;

	if (st->train.n_rows == 0)
	{
		ereport(NOTICE,
				(errmsg("%s found no usable rows", name),
				 st->weighted
				 ? errdetail("All " UINT64_FORMAT " rows had a NULL in y, x, sensitive, strata or weight, or a weight of 0.",
							 st->train.n_skipped)
				 : errdetail("All " UINT64_FORMAT " rows had a NULL in y, x, sensitive or strata.",
							 st->train.n_skipped)));
		return false;
	}

	/* strata are numbered by sorted key so that row order does not matter */
	old = MemoryContextSwitchTo(st->mcxt);
	status = fg_train_data(&st->train, data, &err);
	MemoryContextSwitchTo(old);
	if (status != FG_OK)
		fgsql_report_error(&err);
	data->feature_names = st->settings.n_feature_names >= 0
		? (const char *const *) st->settings.feature_names : NULL;
	fgsql_check_attributes(st);
	/* the weights as the solver takes them: mean 1 unless given as frequencies */
	if (data->w != NULL && st->settings.opt.weight_scale == FG_WEIGHTS_MEAN_ONE)
		fg_weights_rescale((double *) data->w, data->n_rows);
	/* cross-validation copies the training rows of one fold at a time */
	fgsql_check_training_memory(fg_train_memory(&st->train) + solver_bytes(st, data) +
								(st->path && st->settings.opt.folds > 0
								 ? fg_cv_memory(data, &st->settings.opt, st->n_rhos) : 0),
								NULL, 0,
								st->path && st->settings.opt.folds > 0
								? "training data, solver workspace and cross-validation folds"
								: "training data and solver workspace");

	*work = AllocSetContextCreate(CurrentMemoryContext, "fairglmm fit", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(*work);
	fgsql_env_init(env, *work);
	/* option "verbose": the core's progress lines as NOTICEs, after the rows collected */
	if (st->settings.opt.verbose)
	{
		env->progress = fgsql_progress_notice;
		fg_progress(env, &st->settings.opt, "collected " UINT64_FORMAT " rows (" UINT64_FORMAT " skipped)",
					(uint64) st->train.n_rows, (uint64) st->train.n_skipped);
	}
	return true;
}

static fgsql_fit_state *
final_state(FunctionCallInfo fcinfo, bool path)
{
	fgsql_fit_state *st = (fgsql_fit_state *) PG_GETARG_POINTER(0);

	if (st->tag != FGSQL_FIT_STATE_TAG || st->path != path)
		elog(ERROR, "%s called with a foreign state",
			 path ? "fairglmm_path_finalfn" : "fairglmm_fit_finalfn");
	return st;
}

/*
 * fairglmm_fit_finalfn of a state that kept sums: the closed-form fit,
 * encoded as the fit from rows would be.
 */
static Datum
stream_finalfn(FunctionCallInfo fcinfo, fgsql_fit_state *st)
{
	fg_data		data;
	fg_fit		fit;
	fg_error	err;
	fg_env		env;
	fg_status	status;
	MemoryContext work,
				old = CurrentMemoryContext;
	bytea	   *result;

	if (st->train.n_rows == 0)
	{
		ereport(NOTICE,
				(errmsg("fairglmm_fit found no usable rows"),
				 errdetail("All " UINT64_FORMAT " rows had a NULL in y, x, sensitive or strata.",
						   st->train.n_skipped)));
		PG_RETURN_NULL();
	}
	fgsql_check_attributes(st);
	work = AllocSetContextCreate(CurrentMemoryContext, "fairglmm fit", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(work);
	fgsql_env_init(&env, work);
	if (st->settings.opt.verbose)
	{
		env.progress = fgsql_progress_notice;
		fg_progress(&env, &st->settings.opt,
					"folded " UINT64_FORMAT " rows (" UINT64_FORMAT " skipped) into least-squares sums",
					(uint64) st->train.n_rows, (uint64) st->train.n_skipped);
	}
	/* the dictionaries are sorted in the state's own memory, as fg_train_data does */
	MemoryContextSwitchTo(st->mcxt);
	status = fg_train_stream_fit(&st->train, &env, &st->settings.opt,
								 st->settings.n_feature_names >= 0
								 ? (const char *const *) st->settings.feature_names : NULL,
								 &fit, &err);
	MemoryContextSwitchTo(work);
	if (status != FG_OK)
		fgsql_report_error(&err);
	fgsql_warn_about_fit(&fit, st->settings.opt.method, "fairglmm_fit");
	MemoryContextSwitchTo(old);
	memset(&data, 0, sizeof(data));
	result = fgsql_encode_model(st, &data, &fit, &env, st->settings.opt.rho);
	MemoryContextDelete(work);
	PG_RETURN_BYTEA_P(result);
}

Datum
fairglmm_fit_finalfn(PG_FUNCTION_ARGS)
{
	fgsql_fit_state *st;
	fg_data		data;
	fg_fit		fit;
	fg_error	err;
	fg_env		env;
	MemoryContext work,
				old;
	bytea	   *result;
	double		rho;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = final_state(fcinfo, false);
	old = CurrentMemoryContext;
	if (st->train.stream_on)
		return stream_finalfn(fcinfo, st);
	if (!prepare_fit(st, "fairglmm_fit", &data, &env, &work))
		PG_RETURN_NULL();

	rho = st->settings.opt.rho;
	/* option "target": the smallest rho reaching it, searched with warm starts */
	if (!isnan(st->settings.opt.target)
		? fg_fit_target(&env, &data, &st->settings.opt, &fit, &rho, &err) != FG_OK
		: fg_fit_model(&env, &data, &st->settings.opt, &fit, &err) != FG_OK)
		fgsql_report_error(&err);
	fgsql_warn_about_fit(&fit, st->settings.opt.method, "fairglmm_fit");

	MemoryContextSwitchTo(old);
	result = fgsql_encode_model(st, &data, &fit, &env, rho);
	MemoryContextDelete(work);
	PG_RETURN_BYTEA_P(result);
}

typedef struct path_context_arg
{
	const fgsql_fit_state *st;
	uint32		fit;
} path_context_arg;

static void
path_context(void *arg)
{
	const path_context_arg *c = arg;

	errcontext("fit %u of the path, at rho %g", c->fit + 1, c->st->rhos[c->fit]);
}

/*
 * Option "folds": the path on the rows outside each fold, the held-out
 * metrics pooled into cv (st->n_rhos entries); one WARNING when some fold
 * fits ended unclean, as the fits on all rows warn each.
 */
static void
cross_validate_path(const fgsql_fit_state *st, const fg_data *data, fg_env *env,
					fg_cv_metrics *cv)
{
	fg_cv_stats stats;
	fg_error	err;

	if (fg_cross_validate(env, data, &st->settings.opt, st->rhos, st->n_rhos, cv, &stats,
						  &err) != FG_OK)
		fgsql_report_error(&err);
	if (stats.not_converged > 0 || stats.separated > 0)
		ereport(WARNING,
				(errmsg("%u of the %u cross-validation fits did not end cleanly",
						stats.not_converged + stats.separated, stats.fits),
				 errdetail("%u stopped at their iteration or step limit; %u predicted some training rows with probability 0 or 1.",
						   stats.not_converged, stats.separated),
				 errhint("The fits on all rows warn about the same causes, with their remedies; the held-out metrics of such fits are less reliable.")));
}

/*
 * fairglmm_path_finalfn: every rho in the order given, with one fitter (the
 * checks, summary and fairness terms made once; each fit starts from the
 * previous one), the models in a path container; with option "folds" also
 * the cross-validated metrics of each rho.
 */
Datum
fairglmm_path_finalfn(PG_FUNCTION_ARGS)
{
	fgsql_fit_state *st;
	fg_data		data;
	fg_error	err;
	fg_env		env;
	fg_fitter  *fitter;
	MemoryContext work,
				old;
	bytea	  **models;
	const uint8 **bytes;
	size_t	   *lengths;
	size_t		len;
	bytea	   *result;
	path_context_arg context;
	ErrorContextCallback callback;
	fg_cv_metrics *cv = NULL;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = final_state(fcinfo, true);
	old = CurrentMemoryContext;
	if (!prepare_fit(st, "fairglmm_path", &data, &env, &work))
		PG_RETURN_NULL();

	models = palloc(sizeof(bytea *) * st->n_rhos);
	bytes = palloc(sizeof(uint8 *) * st->n_rhos);
	lengths = palloc(sizeof(size_t) * st->n_rhos);
	if (fg_fitter_init(&env, &data, &st->settings.opt, &fitter, &err) != FG_OK)
		fgsql_report_error(&err);
	/* errors and warnings of a fit say which rho it had */
	context.st = st;
	context.fit = 0;
	callback.callback = path_context;
	callback.arg = &context;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	for (uint32 i = 0; i < st->n_rhos; i++)
	{
		fg_fit		fit;

		context.fit = i;
		if (fg_fitter_fit(fitter, st->rhos[i], &fit, &err) != FG_OK)
			fgsql_report_error(&err);
		fgsql_warn_about_fit(&fit, st->settings.opt.method, "fairglmm_path");
		models[i] = fgsql_encode_model(st, &data, &fit, &env, st->rhos[i]);
		bytes[i] = (const uint8 *) VARDATA(models[i]);
		lengths[i] = VARSIZE(models[i]) - VARHDRSZ;
		fg_fit_release(&env, &fit);
	}
	error_context_stack = callback.previous;
	fg_fitter_free(fitter);
	if (st->settings.opt.folds > 0)
	{
		cv = palloc(sizeof(fg_cv_metrics) * st->n_rhos);
		cross_validate_path(st, &data, &env, cv);
	}

	len = fg_path_encoded_size(st->n_rhos, lengths, cv != NULL);
	if (len == 0 || len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the path of %u models exceeds 1 GB", st->n_rhos),
				 errhint("Fit fewer rhos at a time.")));
	MemoryContextSwitchTo(old);
	result = palloc(VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	if (fg_path_encode(st->n_rhos, bytes, lengths, cv, (uint8 *) VARDATA(result), len, &err) != FG_OK)
		fgsql_report_error(&err);
	MemoryContextDelete(work);
	PG_RETURN_BYTEA_P(result);
}
