/*
 * path_sql.c -- fairglmm_path_report: one row per model of a rho path
 * (fairglmm_path's bytea; path_format.h), with the model itself, what it
 * records about its fit, and the cross-validated metrics of its rho when
 * the path has them.  For a gaussian path the log-likelihood and the
 * fairness covariances carry over; accuracy and disparate impact are NULL.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"

#include "model_format.h"
#include "path_format.h"
#include "pg_env.h"
#include "pg_errors.h"

PG_FUNCTION_INFO_V1(fairglmm_path_report);

#define REPORT_COLUMNS	13

static Datum
float_or_null(double v, bool *isnull)
{
	*isnull = !isfinite(v);
	return Float8GetDatum(*isnull ? 0.0 : v);
}

/* The fairness terms' covariances as a jsonb array, in the model's term order. */
static Datum
covariances(const fg_model *m)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (uint32 t = 0; t < m->n_terms; t++)
	{
		if (t > 0)
			appendStringInfoString(&buf, ", ");
		if (isfinite(m->terms[t].cov))
			appendStringInfoString(&buf, float8out_internal(m->terms[t].cov));
		else
			appendStringInfoString(&buf, "null");
	}
	appendStringInfoChar(&buf, ']');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

static void
model_context(void *arg)
{
	errcontext("model %u of the path", *(uint32 *) arg + 1);
}

/*
 * fairglmm_path_report(path bytea) RETURNS TABLE(rho, model, objective,
 * loglik, train_accuracy, train_disparate_impact, covariances, iterations,
 * cv_accuracy, cv_disparate_impact, cv_equal_opportunity_ratio,
 * cv_equalized_odds_ratio, cv_log_loss)
 */
Datum
fairglmm_path_report(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bytea	   *path = PG_GETARG_BYTEA_PP(0);
	fg_path_view view;
	fg_env		env;
	fg_error	err;
	uint32		i;
	ErrorContextCallback callback;

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != REPORT_COLUMNS)
		elog(ERROR, "fairglmm_path_report declared with %d columns", rsinfo->setDesc->natts);
	fgsql_env_init(&env, CurrentMemoryContext);
	if (fg_path_decode(&env, (const uint8 *) VARDATA_ANY(path), VARSIZE_ANY_EXHDR(path),
					   &view, &err) != FG_OK)
		fgsql_report_error(&err);

	callback.callback = model_context;
	callback.arg = &i;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	for (i = 0; i < view.count; i++)
	{
		fg_model	m;
		Datum		values[REPORT_COLUMNS];
		bool		nulls[REPORT_COLUMNS] = {0};
		bytea	   *model;

		if (fg_model_decode(&env, view.models[i], view.lengths[i], &m, &err) != FG_OK)
			fgsql_report_error(&err);
		model = palloc(VARHDRSZ + view.lengths[i]);
		SET_VARSIZE(model, VARHDRSZ + view.lengths[i]);
		memcpy(VARDATA(model), view.models[i], view.lengths[i]);

		values[0] = Float8GetDatum(m.opt.rho);
		values[1] = PointerGetDatum(model);
		values[2] = float_or_null(m.objective, &nulls[2]);
		values[3] = float_or_null(m.loglik, &nulls[3]);
		/* classification metrics: NULL for a gaussian model, which has no classes */
		values[4] = float_or_null(m.opt.family == FG_FAMILY_GAUSSIAN ? NAN : m.train_accuracy,
								  &nulls[4]);
		values[5] = float_or_null(m.opt.family == FG_FAMILY_GAUSSIAN ? NAN : m.train_di, &nulls[5]);
		values[6] = covariances(&m);
		values[7] = Int32GetDatum(m.iterations);
		/* NULL without option "folds", and where a ratio is undefined */
		for (int c = 8; c < REPORT_COLUMNS; c++)
			nulls[c] = true;
		if (view.cv != NULL)
		{
			values[8] = float_or_null(view.cv[i].accuracy, &nulls[8]);
			values[9] = float_or_null(view.cv[i].disparate_impact, &nulls[9]);
			values[10] = float_or_null(view.cv[i].equal_opportunity_ratio, &nulls[10]);
			values[11] = float_or_null(view.cv[i].equalized_odds_ratio, &nulls[11]);
			values[12] = float_or_null(view.cv[i].log_loss, &nulls[12]);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		fg_model_release(&env, &m);
	}
	error_context_stack = callback.previous;
	fg_path_view_release(&env, &view);
	return (Datum) 0;
}
