/*
 * fit_agg.c -- the fairglmm_fit aggregate: collects rows into compact
 * columnar arrays (no per-row Datums), then fits and encodes the model.
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

#include "fit_options.h"
#include "model_format.h"
#include "pg_glue.h"
#include "strata_dict.h"
#include "boosting.h"

typedef struct fg_fit_state
{
	MemoryContext mcxt;			/* the aggregate context everything lives in */
	fg_env		env;

	Oid			y_type;
	Oid			strata_type;
	Oid			s_type;

	fg_fit_settings settings;
	Jsonb	   *options;		/* copy, to check every row passes the same */
	bool		uses_strata;

	int			p;				/* features; -1 until the first usable row */
	uint64		n_rows;
	uint64		capacity;
	uint64		n_skipped;
	double	   *x;				/* n_rows x p, row-major */
	uint8	   *y;
	uint8	   *s;
	uint32	   *stratum;		/* dictionary index per row; NULL without strata */
	fg_strata_dict dict;
} fg_fit_state;

PG_FUNCTION_INFO_V1(fairglmm_fit_transfn);
PG_FUNCTION_INFO_V1(fairglmm_fit_finalfn);

static fg_key_type
key_type_for(Oid type)
{
	return type == TEXTOID ? FG_KEY_TEXT : FG_KEY_INT;
}

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

static fg_fit_state *
create_state(FunctionCallInfo fcinfo, MemoryContext aggcxt)
{
	MemoryContext old = MemoryContextSwitchTo(aggcxt);
	fg_fit_state *st = palloc0(sizeof(fg_fit_state));
	Jsonb	   *options = NULL;
	fg_error	err;

	st->mcxt = aggcxt;
	fg_pg_env_init(&st->env, aggcxt);
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
	fg_parse_fit_settings(PG_GETARG_FLOAT8(5), PG_GETARG_FLOAT8(6), options, &st->settings);
	st->uses_strata = fg_method_uses_strata(st->settings.opt.method);
	st->p = -1;
	if (st->uses_strata && fg_dict_init(&st->dict, &st->env, &err) != FG_OK)
		fg_report_error(&err);
	MemoryContextSwitchTo(old);
	return st;
}

/* rho, lambda and options must be the same in every row. */
static void
check_constant_args(FunctionCallInfo fcinfo, fg_fit_state *st)
{
	bool		same = !PG_ARGISNULL(5) && !PG_ARGISNULL(6) &&
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

static Size
state_bytes(const fg_fit_state *st, uint64 capacity)
{
	Size		per_row = sizeof(double) * st->p + 2 + (st->uses_strata ? sizeof(uint32) : 0);

	return (Size) capacity * per_row + (st->uses_strata ? fg_dict_memory(&st->dict) : 0);
}

static void *
resize(void *ptr, Size bytes)
{
	return ptr ? repalloc_huge(ptr, bytes) : MemoryContextAllocHuge(CurrentMemoryContext, bytes);
}

/* Grow by half each time: amortised linear copying, bounded overshoot. */
static void
ensure_capacity(fg_fit_state *st)
{
	uint64		cap;
	MemoryContext old;

	if (st->n_rows < st->capacity)
		return;
	cap = st->capacity < 1024 ? 1024 : st->capacity + st->capacity / 2;
	fg_check_training_memory(state_bytes(st, cap), "training data");

	old = MemoryContextSwitchTo(st->mcxt);
	if (st->p > 0)
		st->x = resize(st->x, (Size) cap * st->p * sizeof(double));
	st->y = resize(st->y, cap);
	st->s = resize(st->s, cap);
	if (st->uses_strata)
		st->stratum = resize(st->stratum, cap * sizeof(uint32));
	MemoryContextSwitchTo(old);
	st->capacity = cap;
}

/* Copy the features of one row; false when the row has a NULL element. */
static bool
read_features(fg_fit_state *st, ArrayType *arr, double *out_or_null)
{
	int			n;

	if (ARR_ELEMTYPE(arr) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("x must be a float8 array")));
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x must be a one-dimensional array"),
				 errdetail("A row has an array of %d dimensions.", ARR_NDIM(arr))));
	n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (array_contains_nulls(arr))
		return false;
	if (st->p < 0)
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
		st->p = n;
	}
	else if (n != st->p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x arrays have different lengths"),
				 errdetail("A row has %d features; earlier rows had %d.", n, st->p),
				 errhint("Every row of one fit needs the same features in the same order.")));

	if (out_or_null != NULL)
	{
		const double *v = (const double *) ARR_DATA_PTR(arr);

		for (int j = 0; j < n; j++)
		{
			if (!isfinite(v[j]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("x contains a non-finite value"),
						 errdetail("Element %d of a row's x is %g.", j + 1, v[j]),
						 errhint("Replace NaN and infinite values, or filter those rows out.")));
			out_or_null[j] = v[j];
		}
	}
	return true;
}

static uint32
intern_stratum(fg_fit_state *st, Datum d)
{
	uint8		ibuf[8];
	const uint8 *key;
	size_t		len;
	int64		idx;
	fg_error	err;

	if (st->strata_type == TEXTOID)
	{
		text	   *t = DatumGetTextPP(d);

		key = (const uint8 *) VARDATA_ANY(t);
		len = VARSIZE_ANY_EXHDR(t);
		if (len > FG_MODEL_MAX_KEY_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("stratum label is too long"),
					 errdetail("A label has %zu bytes; at most %d are supported.",
							   len, FG_MODEL_MAX_KEY_LEN)));
	}
	else
	{
		fg_key_from_int64(st->strata_type == INT8OID ? DatumGetInt64(d) : DatumGetInt32(d), ibuf);
		key = ibuf;
		len = 8;
	}
	idx = fg_dict_intern(&st->dict, key, len, &err);
	if (idx < 0)
		fg_report_error(&err);
	return (uint32) idx;
}

/*
 * fairglmm_fit_transfn(state, y, x, strata, sensitive, rho, lambda [, options])
 */
Datum
fairglmm_fit_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	fg_fit_state *st;
	ArrayType  *arr;
	uint64		r;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("fairglmm_fit_transfn called in a non-aggregate context")));

	if (PG_ARGISNULL(0))
		st = create_state(fcinfo, aggcxt);
	else
	{
		st = (fg_fit_state *) PG_GETARG_POINTER(0);
		check_constant_args(fcinfo, st);
	}

	/* rows with a missing value are skipped and counted */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(4) ||
		(st->uses_strata && PG_ARGISNULL(3)))
	{
		st->n_skipped++;
		PG_RETURN_POINTER(st);
	}
	arr = PG_GETARG_ARRAYTYPE_P(2);
	if (!read_features(st, arr, NULL))
	{
		st->n_skipped++;
		PG_RETURN_POINTER(st);
	}

	ensure_capacity(st);
	r = st->n_rows;
	if (st->p > 0)
		read_features(st, arr, st->x + r * st->p);
	st->y[r] = fg_binary_datum(PG_GETARG_DATUM(1), st->y_type, "y");
	st->s[r] = fg_binary_datum(PG_GETARG_DATUM(4), st->s_type, "sensitive");
	if (st->uses_strata)
	{
		MemoryContext old = MemoryContextSwitchTo(st->mcxt);

		st->stratum[r] = intern_stratum(st, PG_GETARG_DATUM(3));
		MemoryContextSwitchTo(old);
	}
	st->n_rows++;
	PG_RETURN_POINTER(st);
}

/* Solver memory beyond the rows: a few N-vectors and the stratum blocks. */
static Size
solver_bytes(const fg_fit_state *st)
{
	Size		k = 1 + st->p;
	Size		n = st->uses_strata ? st->dict.count : 0;
	Size		newton = (Size) st->n_rows * 4 * sizeof(double) + (n + 8) * (k + 8) * sizeof(double) +
		k * k * 2 * sizeof(double);

	if (fg_method_is_boosting(st->settings.opt.method))
		newton += fg_boost_memory(st->n_rows, st->p, (uint32) n, &st->settings.opt);
	return newton;
}

static bytea *
encode_model(const fg_fit_state *st, const fg_fit *fit, fg_env *env)
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
	model.rows_used = st->n_rows;
	model.rows_skipped = st->n_skipped;
	model.p = st->p;
	model.n_strata = fit->n_strata;
	model.key_type = fit->n_strata > 0 ? key_type_for(st->strata_type) : FG_KEY_NONE;
	model.feature_names = st->settings.n_feature_names >= 0 ? st->settings.feature_names : NULL;
	model.intercept = fit->intercept;
	model.beta = fit->beta;
	model.b = fit->b;
	model.stratum_rows = fit->stratum_rows;
	if (fit->n_strata > 0)
	{
		model.keys = st->dict.bytes;
		model.key_offsets = st->dict.offsets;
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

	if (fg_model_encode(env, &model, &bytes, &len, &err) != FG_OK)
		fg_report_error(&err);
	result = palloc(VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), bytes, len);
	return result;
}

Datum
fairglmm_fit_finalfn(PG_FUNCTION_ARGS)
{
	fg_fit_state *st;
	fg_data		data;
	fg_fit		fit;
	fg_error	err;
	fg_env		env;
	MemoryContext work,
				old;
	bytea	   *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (fg_fit_state *) PG_GETARG_POINTER(0);
	if (st->n_rows == 0)
	{
		ereport(NOTICE,
				(errmsg("fairglmm_fit found no usable rows"),
				 errdetail("All " UINT64_FORMAT " rows had a NULL in y, x, sensitive or strata.",
						   st->n_skipped)));
		PG_RETURN_NULL();
	}
	fg_check_training_memory(state_bytes(st, st->capacity) + solver_bytes(st),
							 "training data and solver workspace");

	/* strata are numbered by sorted key so that row order does not matter */
	if (st->uses_strata)
	{
		uint32	   *rank;
		MemoryContext o = MemoryContextSwitchTo(st->mcxt);

		if (fg_dict_sort(&st->dict, &rank, &err) != FG_OK)
			fg_report_error(&err);
		for (uint64 r = 0; r < st->n_rows; r++)
			st->stratum[r] = rank[st->stratum[r]];
		pfree(rank);
		MemoryContextSwitchTo(o);
	}

	work = AllocSetContextCreate(CurrentMemoryContext, "fairglmm fit", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	fg_pg_env_init(&env, work);

	memset(&data, 0, sizeof(data));
	data.n_rows = st->n_rows;
	data.p = st->p;
	data.x = st->x;
	data.y = st->y;
	data.s = st->s;
	data.stratum = st->uses_strata ? st->stratum : NULL;
	data.n_strata = st->uses_strata ? st->dict.count : 0;
	data.feature_names = st->settings.n_feature_names >= 0
		? (const char *const *) st->settings.feature_names : NULL;

	if (fg_fit_model(&env, &data, &st->settings.opt, &fit, &err) != FG_OK)
		fg_report_error(&err);
	if (!fit.converged)
		ereport(WARNING,
				(errmsg("fairglmm_fit did not converge"),
				 errdetail("Newton's method stopped after %d iterations.", fit.iterations),
				 errhint("Raise option \"max_iter\" or loosen \"tol\"; fairglmm_info shows \"converged\": false for this model.")));

	MemoryContextSwitchTo(old);
	result = encode_model(st, &fit, &env);
	MemoryContextDelete(work);
	PG_RETURN_BYTEA_P(result);
}
