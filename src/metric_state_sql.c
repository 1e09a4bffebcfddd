/*
 * metric_state_sql.c -- the pieces every reporting aggregate shares: its
 * internal state, the run-time checks of its "any" arguments, group keys,
 * and the parallel support functions (combine, serialise, deserialise),
 * which serve every kind of metric state alike.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "nodes/primnodes.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "metric_sql.h"
#include "model_format.h"
#include "module.h"
#include "pg_env.h"
#include "pg_errors.h"

PG_FUNCTION_INFO_V1(fairglmm_metric_combinefn);
PG_FUNCTION_INFO_V1(fairglmm_metric_serialfn);
PG_FUNCTION_INFO_V1(fairglmm_metric_deserialfn);

/* ---------- arguments ---------- */

static Oid
base_arg_type(FunctionCallInfo fcinfo, int argno)
{
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, argno);

	if (!OidIsValid(type))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not determine the argument types of a fairglmm reporting aggregate")));
	/* a domain over an allowed type is allowed */
	return getBaseType(type);
}

static void
check_binary_type(Oid type, const char *name)
{
	if (type != BOOLOID && type != INT2OID && type != INT4OID && type != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s has type %s", name, format_type_be(type)),
				 errdetail("%s must be boolean, or smallint, integer or bigint 0/1.", name),
				 errhint("Cast the argument, for example %s::boolean, or compare a score with a threshold.",
						 name)));
}

static fg_group_kind
group_kind_of(Oid type)
{
	switch (type)
	{
		case BOOLOID:
			return FG_GROUP_BOOL;
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return FG_GROUP_INT;
		case TEXTOID:
		case VARCHAROID:
		case UNKNOWNOID:
			return FG_GROUP_TEXT;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("sensitive has type %s", format_type_be(type)),
					 errdetail("sensitive must be boolean, smallint, integer, bigint, text or varchar."),
					 errhint("Cast the argument, for example sensitive::text.")));
	}
	return FG_GROUP_NONE;		/* not reached */
}

const fgsql_metric_args *
fgsql_metric_args_get(FunctionCallInfo fcinfo, int yhat_arg, int y_arg, int s_arg, int t_arg,
				int w_arg)
{
	fgsql_metric_args *a = (fgsql_metric_args *) fcinfo->flinfo->fn_extra;

	if (a != NULL)
		return a;
	a = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(fgsql_metric_args));
	a->yhat_arg = yhat_arg;
	a->y_arg = y_arg;
	a->s_arg = s_arg;
	a->w_arg = w_arg < PG_NARGS() ? w_arg : -1;
	if (yhat_arg >= 0)
	{
		a->yhat_type = base_arg_type(fcinfo, yhat_arg);
		check_binary_type(a->yhat_type, "yhat");
	}
	if (y_arg >= 0)
	{
		a->y_type = base_arg_type(fcinfo, y_arg);
		check_binary_type(a->y_type, "y");
	}
	a->s_type = base_arg_type(fcinfo, s_arg);
	a->kind = group_kind_of(a->s_type);
	/* a constant or a query parameter cannot differ between rows */
	a->thresholds_stable = t_arg >= 0 && get_fn_expr_arg_stable(fcinfo->flinfo, t_arg);
	fcinfo->flinfo->fn_extra = a;
	return a;
}

int
fgsql_metric_binary(Datum d, Oid type, const char *name)
{
	int64		v;

	switch (type)
	{
		case BOOLOID:
			return DatumGetBool(d) ? 1 : 0;
		case INT2OID:
			v = DatumGetInt16(d);
			break;
		case INT4OID:
			v = DatumGetInt32(d);
			break;
		default:
			v = DatumGetInt64(d);
			break;
	}
	if (v != 0 && v != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be 0 or 1", name),
				 errdetail("A row has %s = " INT64_FORMAT ".", name, v),
				 errhint("Recode the column to 0/1 or pass a boolean.")));
	return (int) v;
}

const uint8 *
fgsql_metric_group_key(const fgsql_metric_args *a, Datum d, uint8 buf[8], size_t *len)
{
	const char *bytes;

	switch (a->s_type)
	{
		case BOOLOID:
			fg_key_from_int64(DatumGetBool(d) ? 1 : 0, buf);
			*len = 8;
			return buf;
		case INT2OID:
			fg_key_from_int64(DatumGetInt16(d), buf);
			*len = 8;
			return buf;
		case INT4OID:
			fg_key_from_int64(DatumGetInt32(d), buf);
			*len = 8;
			return buf;
		case INT8OID:
			fg_key_from_int64(DatumGetInt64(d), buf);
			*len = 8;
			return buf;
		case UNKNOWNOID:
			/* an untyped literal: its text, as a C string */
			bytes = DatumGetCString(d);
			*len = strlen(bytes);
			break;
		default:
			{
				text	   *t = DatumGetTextPP(d);

				bytes = VARDATA_ANY(t);
				*len = VARSIZE_ANY_EXHDR(t);
			}
			break;
	}
	if (*len > FG_GROUP_KEY_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sensitive value is too long"),
				 errdetail("A value has %zu bytes; at most %d are allowed.", *len, FG_GROUP_KEY_MAX),
				 errhint("Use shorter labels for the groups, or codes.")));
	return (const uint8 *) bytes;
}

bool
fgsql_metric_weight(FunctionCallInfo fcinfo, int argno, double *w)
{
	if (PG_ARGISNULL(argno))
		return false;
	*w = PG_GETARG_FLOAT8(argno);
	if (!fg_weight_valid(*w))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight must be a finite number >= 0"),
				 errdetail("A row has weight %g.", *w),
				 errhint("Pass a NULL weight to leave a row out; a weight of 0 keeps it in the row counts only.")));
	return true;
}

MemoryContext
fgsql_metric_aggcontext(FunctionCallInfo fcinfo)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("fairglmm reporting support functions can only be called by their aggregates")));
	return aggcxt;
}

fgsql_metric_box *
fgsql_metric_box_new(MemoryContext mcxt, fg_metric_kind kind, fg_group_kind key_kind, bool weighted,
			   const double *thresholds, uint32 n_thresholds)
{
	fgsql_metric_box *box = MemoryContextAllocZero(mcxt, sizeof(fgsql_metric_box));
	fg_error	err;

	fgsql_env_init(&box->env, mcxt);
	/* rows go into palloc'd arrays, not into the training rows' region */
	box->env.reserve = NULL;
	box->env.unreserve = NULL;
	if (fg_metric_init(&box->st, &box->env, kind, key_kind, weighted, thresholds, n_thresholds,
					   &err) != FG_OK)
		fgsql_report_error(&err);
	box->st.limit = (size_t) fgsql_max_training_memory_kb * 1024;
	return box;
}

/* The name of the aggregate this support function serves, for messages. */
static const char *
aggregate_name(FunctionCallInfo fcinfo)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	char	   *name = aggref ? get_func_name(aggref->aggfnoid) : NULL;

	return name ? name : "a fairglmm reporting aggregate";
}

void
fgsql_metric_error(FunctionCallInfo fcinfo, const fgsql_metric_box *box, const fg_error *err)
{
	const fg_metric_state *st = &box->st;

	if (st->over_limit)
	{
		size_t		limit_mb = st->limit >> 20;

		if (st->kind == FG_METRIC_KS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s needs more memory than fairglmm.max_training_memory allows",
							aggregate_name(fcinfo)),
					 errdetail("After " UINT64_FORMAT " rows the state needs more than %zu MB; each row takes %zu bytes.",
							   st->n_rows, limit_mb, fg_ks_row_size(st->weighted)),
					 errhint("Raise fairglmm.max_training_memory (SET fairglmm.max_training_memory = '4GB'), or compute it on a sample.")));
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s needs more memory than fairglmm.max_training_memory allows",
						aggregate_name(fcinfo)),
				 errdetail("%u groups of the sensitive attribute need more than %zu MB.",
						   fg_groups_count(&st->groups), limit_mb),
				 errhint("Group the sensitive attribute into fewer values, or raise fairglmm.max_training_memory.")));
	}
	fgsql_report_error(err);
}

void
fgsql_metric_key_json(StringInfo buf, fg_group_kind kind, const uint8 *key, size_t len)
{
	switch (kind)
	{
		case FG_GROUP_BOOL:
			appendStringInfoString(buf, fg_key_to_int64(key) ? "true" : "false");
			break;
		case FG_GROUP_INT:
			appendStringInfo(buf, INT64_FORMAT, fg_key_to_int64(key));
			break;
		default:
			{
				char	   *s = pnstrdup((const char *) key, len);

				escape_json(buf, s);
				pfree(s);
			}
			break;
	}
}

void
fgsql_metric_number_json(StringInfo buf, double v)
{
	char		digits[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (!isfinite(v))
	{
		appendStringInfoString(buf, "null");
		return;
	}
	/* independent of extra_float_digits: always the exact shortest form */
	double_to_shortest_decimal_buf(v, digits);
	appendStringInfoString(buf, digits);
}

/* ---------- parallel aggregation ---------- */

/* fairglmm_metric_combinefn(internal, internal) returns internal */
Datum
fairglmm_metric_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = fgsql_metric_aggcontext(fcinfo);
	fgsql_metric_box *a = PG_ARGISNULL(0) ? NULL : (fgsql_metric_box *) PG_GETARG_POINTER(0);
	fgsql_metric_box *b = PG_ARGISNULL(1) ? NULL : (fgsql_metric_box *) PG_GETARG_POINTER(1);
	fg_error	err;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		/* the other side lives in a short-lived context: copy it */
		a = fgsql_metric_box_new(aggcxt, b->st.kind, b->st.key_kind, b->st.weighted,
						   b->st.thresholds, b->st.n_thresholds);
	}
	if (fg_metric_merge(&a->st, &b->st, &err) != FG_OK)
		fgsql_metric_error(fcinfo, a, &err);
	PG_RETURN_POINTER(a);
}

/* fairglmm_metric_serialfn(internal) returns bytea */
Datum
fairglmm_metric_serialfn(PG_FUNCTION_ARGS)
{
	fgsql_metric_box *box = (fgsql_metric_box *) PG_GETARG_POINTER(0);
	size_t		len = fg_metric_encoded_size(&box->st);
	bytea	   *out;
	fg_error	err;

	if (len == 0 || len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a parallel worker's part of %s is too large to pass to the leader",
						aggregate_name(fcinfo)),
				 errdetail("It holds " UINT64_FORMAT " rows; a part may take at most 1 GB.",
						   box->st.n_rows),
				 errhint("Run the query without parallel workers: SET max_parallel_workers_per_gather = 0.")));
	out = (bytea *) palloc(len + VARHDRSZ);
	SET_VARSIZE(out, len + VARHDRSZ);
	if (fg_metric_encode(&box->st, (uint8 *) VARDATA(out), len, &err) != FG_OK)
		fgsql_report_error(&err);
	PG_RETURN_BYTEA_P(out);
}

/* fairglmm_metric_deserialfn(bytea, internal) returns internal */
Datum
fairglmm_metric_deserialfn(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	fgsql_metric_box *box;
	fg_error	err;

	(void) fgsql_metric_aggcontext(fcinfo);
	box = MemoryContextAllocZero(CurrentMemoryContext, sizeof(fgsql_metric_box));
	fgsql_env_init(&box->env, CurrentMemoryContext);
	box->env.reserve = NULL;
	box->env.unreserve = NULL;
	if (fg_metric_decode(&box->st, &box->env, (const uint8 *) VARDATA_ANY(in),
						 VARSIZE_ANY_EXHDR(in), &err) != FG_OK)
		fgsql_report_error(&err);
	PG_RETURN_POINTER(box);
}
