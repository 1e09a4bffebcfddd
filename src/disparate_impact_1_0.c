/*
 * disparate_impact_1_0.c -- the support functions of disparate_impact as
 * SQL API 1.0 declared it, kept in the library for databases whose
 * extension is still at version 1.0 (and for CREATE EXTENSION ... VERSION
 * '1.0').  ALTER EXTENSION fairglmm UPDATE moves those aggregates to the
 * shared state of metrics_sql.c and drops these functions from SQL.
 *
 * The state is int8[4] = {n0, pos0, n1, pos1}: plain SQL data, so the
 * aggregate combines across parallel workers without serialisation, and an
 * inverse transition makes sliding window frames cheap.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "fg_core.h"
#include "pg_args.h"

PG_FUNCTION_INFO_V1(fairglmm_di_transfn);
PG_FUNCTION_INFO_V1(fairglmm_di_invfn);
PG_FUNCTION_INFO_V1(fairglmm_di_combinefn);
PG_FUNCTION_INFO_V1(fairglmm_di_finalfn);

#define DI_STATE_LEN 4

/*
 * The support functions can be called directly with any bigint[]: check the
 * shape, and that the counts are possible (0 <= positives <= rows in each
 * group), so that a forged state gives an error rather than a "disparate
 * impact" outside [0, 1].
 */
static const int64 *
di_checked_counts(ArrayType *arr)
{
	const int64 *c;

	if (ARR_NDIM(arr) != 1 || ARR_DIMS(arr)[0] != DI_STATE_LEN ||
		ARR_HASNULL(arr) || ARR_ELEMTYPE(arr) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("disparate_impact state must be a bigint array of %d elements", DI_STATE_LEN)));
	c = (const int64 *) ARR_DATA_PTR(arr);
	if (c[0] < 0 || c[1] < 0 || c[1] > c[0] || c[2] < 0 || c[3] < 0 || c[3] > c[2])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid disparate_impact state"),
				 errdetail("The counts {n0, pos0, n1, pos1} are {" INT64_FORMAT ", " INT64_FORMAT
						   ", " INT64_FORMAT ", " INT64_FORMAT "}; positives must lie between 0 and the rows of their group.",
						   c[0], c[1], c[2], c[3])));
	return c;
}

/* The state array, copied unless we may modify it in place. */
static int64 *
di_state(FunctionCallInfo fcinfo, int argno, ArrayType **arr_out)
{
	ArrayType  *arr = AggCheckCallContext(fcinfo, NULL)
		? PG_GETARG_ARRAYTYPE_P(argno) : PG_GETARG_ARRAYTYPE_P_COPY(argno);

	di_checked_counts(arr);
	*arr_out = arr;
	return (int64 *) ARR_DATA_PTR(arr);
}

/* add (sign = 1) or remove (sign = -1) one row */
static Datum
di_update(FunctionCallInfo fcinfo, int sign)
{
	ArrayType  *arr;
	int64	   *c = di_state(fcinfo, 0, &arr);
	int			yhat,
				s;

	/* rows with a NULL prediction or group are not counted */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_ARRAYTYPE_P(arr);
	yhat = fgsql_binary_datum(PG_GETARG_DATUM(1), get_fn_expr_argtype(fcinfo->flinfo, 1), "yhat");
	s = fgsql_binary_datum(PG_GETARG_DATUM(2), get_fn_expr_argtype(fcinfo->flinfo, 2), "sensitive");
	c[s ? 2 : 0] += sign;
	c[s ? 3 : 1] += sign * yhat;
	PG_RETURN_ARRAYTYPE_P(arr);
}

Datum
fairglmm_di_transfn(PG_FUNCTION_ARGS)
{
	return di_update(fcinfo, 1);
}

Datum
fairglmm_di_invfn(PG_FUNCTION_ARGS)
{
	return di_update(fcinfo, -1);
}

Datum
fairglmm_di_combinefn(PG_FUNCTION_ARGS)
{
	ArrayType  *a1,
			   *a2;
	int64	   *c1 = di_state(fcinfo, 0, &a1);
	int64	   *c2 = di_state(fcinfo, 1, &a2);

	for (int i = 0; i < DI_STATE_LEN; i++)
		if (pg_add_s64_overflow(c1[i], c2[i], &c1[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("disparate_impact counts out of range")));
	PG_RETURN_ARRAYTYPE_P(a1);
}

Datum
fairglmm_di_finalfn(PG_FUNCTION_ARGS)
{
	const int64 *c = di_checked_counts(PG_GETARG_ARRAYTYPE_P(0));
	fg_di_counts counts;
	double		di;

	counts.n0 = c[0];
	counts.pos0 = c[1];
	counts.n1 = c[2];
	counts.pos1 = c[3];
	di = fg_disparate_impact(&counts);
	if (isnan(di))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(di);
}
