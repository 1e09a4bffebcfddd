/*
 * score_metrics_sql.c -- the reporting aggregates of continuous scores:
 * parity_ks(score, sensitive [, weight]) and parity_gap(score, sensitive,
 * thresholds [, weight]).
 *
 * parity_ks keeps every row (score key, group, weight) and computes the
 * exact statistic in its final function, which sorts the rows in place.
 * That changes their order, never the multiset of rows the state stands
 * for, and the statistic does not depend on the order; so the final
 * function is declared read-only (FINALFUNC_MODIFY's default): a state it
 * has sorted may take more rows (a growing window frame) or be finalised
 * again (two calls sharing one state) with the same results.  SHAREABLE
 * would forbid the window form for no gain.  parity_gap keeps, per group, the weight of
 * the rows between consecutive thresholds, so it needs no rows, combines by
 * addition and removes rows for sliding window frames.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"

#include "metric_sql.h"
#include "pg_env.h"
#include "pg_errors.h"

PG_FUNCTION_INFO_V1(fairglmm_ks_transfn);
PG_FUNCTION_INFO_V1(fairglmm_ks_final);
PG_FUNCTION_INFO_V1(fairglmm_gap_transfn);
PG_FUNCTION_INFO_V1(fairglmm_gap_invfn);
PG_FUNCTION_INFO_V1(fairglmm_gap_final);

#define SCORE_ARG 1
#define SENSITIVE_ARG 2
#define THRESHOLDS_ARG 3

/* The thresholds argument: a one-dimensional float8 array without NULLs. */
static const double *
thresholds_arg(FunctionCallInfo fcinfo, uint32 *n)
{
	ArrayType  *arr;

	if (PG_ARGISNULL(THRESHOLDS_ARG))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("thresholds must not be null"),
				 errhint("Pass an array of the score thresholds to compare at, for example ARRAY[0.3, 0.5, 0.7].")));
	arr = PG_GETARG_ARRAYTYPE_P(THRESHOLDS_ARG);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("thresholds must be a one-dimensional array")));
	if (ARR_HASNULL(arr) && array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("thresholds must not contain NULL")));
	*n = (uint32) ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	return (const double *) ARR_DATA_PTR(arr);
}

static Datum
score_update(FunctionCallInfo fcinfo, fg_metric_kind kind, bool remove)
{
	MemoryContext aggcxt = fgsql_metric_aggcontext(fcinfo);
	bool		gap = kind == FG_METRIC_GAP;
	const fgsql_metric_args *a = fgsql_metric_args_get(fcinfo, -1, -1, SENSITIVE_ARG,
										   gap ? THRESHOLDS_ARG : -1,
										   gap ? THRESHOLDS_ARG + 1 : SENSITIVE_ARG + 1);
	fgsql_metric_box *box;
	double		score,
				w = 1.0;
	uint8		buf[8];
	const uint8 *key;
	size_t		len;
	fg_error	err;

	if (PG_ARGISNULL(0))
	{
		const double *t = NULL;
		uint32		n = 0;

		if (gap)
			t = thresholds_arg(fcinfo, &n);
		box = fgsql_metric_box_new(aggcxt, kind, a->kind, a->w_arg >= 0, t, n);
	}
	else
	{
		box = (fgsql_metric_box *) PG_GETARG_POINTER(0);
		if (gap && !a->thresholds_stable)
		{
			uint32		n;
			const double *t = thresholds_arg(fcinfo, &n);

			if (!fg_metric_same_thresholds(&box->st, t, n))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("thresholds must be the same for every row of parity_gap"),
						 errhint("Pass the thresholds as a constant or a query parameter.")));
		}
	}

	if (PG_ARGISNULL(SCORE_ARG) || PG_ARGISNULL(SENSITIVE_ARG))
		PG_RETURN_POINTER(box);
	if (a->w_arg >= 0 && !fgsql_metric_weight(fcinfo, a->w_arg, &w))
		PG_RETURN_POINTER(box);
	score = PG_GETARG_FLOAT8(SCORE_ARG);
	key = fgsql_metric_group_key(a, PG_GETARG_DATUM(SENSITIVE_ARG), buf, &len);
	if (remove)
	{
		if (!fg_metric_remove_score(&box->st, key, len, score, w))
			PG_RETURN_NULL();	/* not exactly removable: recompute the frame */
	}
	else if (fg_metric_add_score(&box->st, key, len, score, w, &err) != FG_OK)
		fgsql_metric_error(fcinfo, box, &err);
	PG_RETURN_POINTER(box);
}

/* fairglmm_ks_transfn(internal, score float8, sensitive "any" [, weight float8]) */
Datum
fairglmm_ks_transfn(PG_FUNCTION_ARGS)
{
	return score_update(fcinfo, FG_METRIC_KS, false);
}

/* fairglmm_gap_transfn(internal, score float8, sensitive "any", thresholds float8[] [, weight float8]) */
Datum
fairglmm_gap_transfn(PG_FUNCTION_ARGS)
{
	return score_update(fcinfo, FG_METRIC_GAP, false);
}

Datum
fairglmm_gap_invfn(PG_FUNCTION_ARGS)
{
	return score_update(fcinfo, FG_METRIC_GAP, true);
}

Datum
fairglmm_ks_final(PG_FUNCTION_ARGS)
{
	fgsql_metric_box *box;
	double		ks;
	fg_error	err;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	box = (fgsql_metric_box *) PG_GETARG_POINTER(0);
	if (fg_parity_ks(&box->st, &ks, &err) != FG_OK)
		fgsql_report_error(&err);
	if (isnan(ks))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(ks);
}

Datum
fairglmm_gap_final(PG_FUNCTION_ARGS)
{
	fgsql_metric_box *box;
	fg_env		env;
	double		gap;
	fg_error	err;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	box = (fgsql_metric_box *) PG_GETARG_POINTER(0);
	fgsql_env_init(&env, CurrentMemoryContext);
	if (fg_parity_gap(&box->st, &env, &gap, &err) != FG_OK)
		fgsql_report_error(&err);
	if (isnan(gap))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(gap);
}
