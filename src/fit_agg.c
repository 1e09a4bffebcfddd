/*
 * fit_agg.c -- the fairglmm_fit aggregate: collects rows into the core's
 * compact training state (features in chunks of rows, no per-row Datums),
 * then fits and encodes the model.  The parallel support functions
 * (serialise, deserialise, combine) are in fit_parallel.c.
 *
 * One C transition function serves every overload: the argument types
 * (boolean or integer y and sensitive; integer, bigint or text strata) are
 * read once from the call site and kept in the state.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "boosting.h"
#include "fit_state.h"
#include "memory_limit.h"
#include "model_format.h"
#include "pg_args.h"
#include "pg_env.h"
#include "pg_errors.h"

PG_FUNCTION_INFO_V1(fairglmm_fit_transfn);
PG_FUNCTION_INFO_V1(fairglmm_fit_finalfn);

static void
check_arg_type(Oid type, const char *name, bool strata)
{
	bool		ok = strata ? (type == INT4OID || type == INT8OID || type == TEXTOID)
		: (type == BOOLOID || type == INT4OID);

	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s has type %s", name, format_type_be(type)),
				 errdetail(strata ? "strata must be integer, bigint or text."
						   : "This argument must be boolean or integer 0/1.")));
}

static fgsql_fit_state *
create_state(FunctionCallInfo fcinfo, MemoryContext aggcxt)
{
	MemoryContext old = MemoryContextSwitchTo(aggcxt);
	fgsql_fit_state *st = palloc0(sizeof(fgsql_fit_state));
	Jsonb	   *options = NULL;
	fg_error	err;

	st->tag = FGSQL_FIT_STATE_TAG;
	st->mcxt = aggcxt;
	fgsql_env_init(&st->env, aggcxt);
	st->y_type = get_fn_expr_argtype(fcinfo->flinfo, 1);
	st->strata_type = get_fn_expr_argtype(fcinfo->flinfo, 3);
	st->s_type = get_fn_expr_argtype(fcinfo->flinfo, 4);
	check_arg_type(st->y_type, "y", false);
	check_arg_type(st->strata_type, "strata", true);
	check_arg_type(st->s_type, "sensitive", false);

	if (PG_ARGISNULL(5) || PG_ARGISNULL(6))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rho and lambda must not be null"),
				 errhint("Pass 0 where a method does not use them.")));
	if (PG_NARGS() > 7 && !PG_ARGISNULL(7))
	{
		options = PG_GETARG_JSONB_P_COPY(7);
		st->options = options;
	}
	fgsql_parse_fit_settings(PG_GETARG_FLOAT8(5), PG_GETARG_FLOAT8(6), options, &st->settings);
	st->uses_strata = fg_method_uses_strata(st->settings.opt.method);
	st->settings_stable = get_fn_expr_arg_stable(fcinfo->flinfo, 5) &&
		get_fn_expr_arg_stable(fcinfo->flinfo, 6) &&
		(PG_NARGS() <= 7 || get_fn_expr_arg_stable(fcinfo->flinfo, 7));
	fgsql_fit_state_fill_config(st);
	if (fg_train_init(&st->train, &st->env, st->uses_strata, -1, &err) != FG_OK)
		fgsql_report_error(&err);
	MemoryContextSwitchTo(old);
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

	if (st->settings_stable)
		return;
	same = !PG_ARGISNULL(5) && !PG_ARGISNULL(6) &&
		PG_GETARG_FLOAT8(5) == st->settings.opt.rho &&
		PG_GETARG_FLOAT8(6) == st->settings.opt.lambda;

	if (same && PG_NARGS() > 7)
	{
		if (PG_ARGISNULL(7) || st->options == NULL)
			same = PG_ARGISNULL(7) && st->options == NULL;
		else
		{
			Jsonb	   *o = PG_GETARG_JSONB_P(7);

			same = VARSIZE(o) == VARSIZE(st->options) &&
				memcmp(o, st->options, VARSIZE(o)) == 0;
		}
	}
	if (!same)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rho, lambda and options must be the same for every row of a fit"),
				 errhint("Use GROUP BY to fit several models with different settings.")));
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
	if (st->strata_type == TEXTOID)
	{
		text	   *t = DatumGetTextPP(d);

		*len = VARSIZE_ANY_EXHDR(t);
		if (*len > FG_MODEL_MAX_KEY_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("stratum label is too long"),
					 errdetail("A label has %zu bytes; at most %d are supported.",
							   *len, FG_MODEL_MAX_KEY_LEN)));
		return (const uint8 *) VARDATA_ANY(t);
	}
	fg_key_from_int64(st->strata_type == INT8OID ? DatumGetInt64(d) : DatumGetInt32(d), ibuf);
	*len = 8;
	return ibuf;
}

/*
 * fairglmm_fit_transfn(state, y, x, strata, sensitive, rho, lambda [, options])
 */
Datum
fairglmm_fit_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	fgsql_fit_state *st;
	ArrayType  *arr;
	uint8		y,
				s,
				ibuf[8];
	const uint8 *key = NULL;
	size_t		key_len = 0;
	fg_error	err;
	fg_status	status;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("fairglmm_fit_transfn called in a non-aggregate context")));

	if (PG_ARGISNULL(0))
		st = create_state(fcinfo, aggcxt);
	else
	{
		st = (fgsql_fit_state *) PG_GETARG_POINTER(0);
		check_constant_args(fcinfo, st);
	}

	/* rows with a missing value are skipped and counted */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(4) ||
		(st->uses_strata && PG_ARGISNULL(3)))
	{
		st->train.n_skipped++;
		PG_RETURN_POINTER(st);
	}
	arr = PG_GETARG_ARRAYTYPE_P(2);
	if (!check_features(st, arr))
	{
		st->train.n_skipped++;
		PG_RETURN_POINTER(st);
	}
	y = fgsql_binary_datum(PG_GETARG_DATUM(1), st->y_type, "y");
	s = fgsql_binary_datum(PG_GETARG_DATUM(4), st->s_type, "sensitive");
	if (st->uses_strata)
		key = stratum_key(st, PG_GETARG_DATUM(3), ibuf, &key_len);

	/* growing is the only time memory is allocated: check the limit first */
	if (!fg_train_has_room(&st->train))
		fgsql_check_training_memory(fg_train_memory_after(&st->train, 1), &st->train,
									st->train.p, NULL);
	old = MemoryContextSwitchTo(st->mcxt);
	status = fg_train_add_row(&st->train, (const double *) ARR_DATA_PTR(arr), y, s,
							  key, key_len, &err);
	MemoryContextSwitchTo(old);
	if (status != FG_OK)
		fgsql_report_error(&err);
	PG_RETURN_POINTER(st);
}

/* The strata argument's key type in a model. */
static fg_key_type
key_type_for(Oid type)
{
	return type == TEXTOID ? FG_KEY_TEXT : FG_KEY_INT;
}

/* Solver memory beyond the rows: a few N-vectors and the stratum blocks. */
static Size
solver_bytes(const fgsql_fit_state *st, const fg_data *data)
{
	Size		k = 1 + data->p;
	Size		n = data->n_strata;
	Size		newton = (Size) data->n_rows * 3 * sizeof(double) + (n + 8) * (k + 8) * sizeof(double) +
		k * k * 2 * sizeof(double);

	if (fg_method_is_boosting(st->settings.opt.method))
		newton += fg_boost_memory(data->n_rows, data->p, (uint32) n, &st->settings.opt);
	return newton;
}

static bytea *
encode_model(const fgsql_fit_state *st, const fg_fit *fit, fg_env *env)
{
	fg_model	model;
	uint8	   *bytes;
	size_t		len;
	fg_error	err;
	bytea	   *result;

	memset(&model, 0, sizeof(model));
	model.opt = st->settings.opt;
	/* record what the fit used: unfair methods ignore rho, strata-free ones lambda */
	if (!fg_method_is_fair(model.opt.method) || st->settings.has_c)
		model.opt.rho = 0.0;
	if (!st->uses_strata)
		model.opt.lambda = 0.0;
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

	if (fg_model_encode(env, &model, &bytes, &len, &err) != FG_OK)
		fgsql_report_error(&err);
	result = palloc(VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), bytes, len);
	return result;
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
	fg_status	status;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (fgsql_fit_state *) PG_GETARG_POINTER(0);
	if (st->tag != FGSQL_FIT_STATE_TAG)
		elog(ERROR, "fairglmm_fit_finalfn called with a foreign state");
	if (st->train.n_rows == 0)
	{
		ereport(NOTICE,
				(errmsg("fairglmm_fit found no usable rows"),
				 errdetail("All " UINT64_FORMAT " rows had a NULL in y, x, sensitive or strata.",
						   st->train.n_skipped)));
		PG_RETURN_NULL();
	}

	/* strata are numbered by sorted key so that row order does not matter */
	old = MemoryContextSwitchTo(st->mcxt);
	status = fg_train_data(&st->train, &data, &err);
	MemoryContextSwitchTo(old);
	if (status != FG_OK)
		fgsql_report_error(&err);
	data.feature_names = st->settings.n_feature_names >= 0
		? (const char *const *) st->settings.feature_names : NULL;
	fgsql_check_training_memory(fg_train_memory(&st->train) + solver_bytes(st, &data), NULL, 0,
								"training data and solver workspace");

	work = AllocSetContextCreate(CurrentMemoryContext, "fairglmm fit", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	fgsql_env_init(&env, work);

	if (fg_fit_model(&env, &data, &st->settings.opt, &fit, &err) != FG_OK)
		fgsql_report_error(&err);
	if (!fit.converged)
		ereport(WARNING,
				(errmsg("fairglmm_fit did not converge"),
				 errdetail("Newton's method stopped after %d iterations.", fit.iterations),
				 errhint("Raise option \"max_iter\" or loosen \"tol\"; fairglmm_info shows \"converged\": false for this model.")));
	if (fit.stop_reason == FG_STOP_MAX_STEPS)
		ereport(WARNING,
				(errmsg("fairglmm_fit boosting did not converge"),
				 errdetail_plural("Boosting stopped at its limit of %d step before the random-intercept variance settled to option \"tol_q\".",
								  "Boosting stopped at its limit of %d steps before the random-intercept variance settled to option \"tol_q\".",
								  fit.steps, fit.steps),
				 errhint("Raise option \"max_steps\" or loosen \"tol_q\"; fairglmm_info shows \"stop_reason\": \"max_steps\" for this model.")));
	/* quasi-complete separation: the core names the terms in separation_detail */
	if (fit.separated_rows > 0)
		ereport(WARNING,
				(errmsg("some training rows are predicted with probability 0 or 1"),
				 fit.separation_detail[0] != '\0' ? errdetail("%s", fit.separation_detail) : 0,
				 fit.n_unidentified > 0
				 ? errhint("The coefficients of the named terms are not identified (fairglmm_info lists them under \"unidentified\"); a small ridge penalty such as option \"l2\" = 0.01 gives finite estimates.")
				 : errhint("A small ridge penalty such as option \"l2\" = 0.01 gives finite estimates.")));

	MemoryContextSwitchTo(old);
	result = encode_model(st, &fit, &env);
	MemoryContextDelete(work);
	PG_RETURN_BYTEA_P(result);
}
