/*
 * metrics_sql.c -- the count-based reporting aggregates: disparate_impact,
 * demographic_parity_difference, equal_opportunity_ratio/_difference,
 * equalized_odds_ratio/_difference and fairness_report.
 *
 * All of them share one state (per group of the sensitive attribute: rows,
 * weight, and the weight in each cell of the confusion matrix) and one pair
 * of transition functions per argument list: the "selection" functions take
 * (yhat, sensitive [, weight]), the "confusion" ones (yhat, y, sensitive
 * [, weight]).  The inverse transitions serve sliding window frames; they
 * decline (return NULL, so the frame is recomputed) when removing a row
 * would not be exact.  The final functions differ only in what they read
 * from the counts.  Combine, serialise and deserialise are in
 * metric_state_sql.c.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "metric_sql.h"
#include "pg_env.h"
#include "pg_errors.h"

PG_FUNCTION_INFO_V1(fairglmm_selection_transfn);
PG_FUNCTION_INFO_V1(fairglmm_selection_invfn);
PG_FUNCTION_INFO_V1(fairglmm_confusion_transfn);
PG_FUNCTION_INFO_V1(fairglmm_confusion_invfn);
PG_FUNCTION_INFO_V1(fairglmm_disparate_impact_final);
PG_FUNCTION_INFO_V1(fairglmm_dp_difference_final);
PG_FUNCTION_INFO_V1(fairglmm_eo_ratio_final);
PG_FUNCTION_INFO_V1(fairglmm_eo_difference_final);
PG_FUNCTION_INFO_V1(fairglmm_eodds_ratio_final);
PG_FUNCTION_INFO_V1(fairglmm_eodds_difference_final);
PG_FUNCTION_INFO_V1(fairglmm_report_final);

/*
 * Add (remove = false) or remove one row.  Rows with a NULL argument are
 * skipped, and so are rows with a NULL weight.  The state is created on the
 * first call even when that row is skipped, so that a window frame always
 * has one to remove rows from.
 */
static Datum
counts_update(FunctionCallInfo fcinfo, bool with_y, bool remove)
{
	MemoryContext aggcxt = fgsql_metric_aggcontext(fcinfo);
	int			s_arg = with_y ? 3 : 2;
	const fgsql_metric_args *a = fgsql_metric_args_get(fcinfo, 1, with_y ? 2 : -1, s_arg, -1, s_arg + 1);
	fgsql_metric_box *box;
	int			yhat,
				y = 0;
	double		w = 1.0;
	uint8		buf[8];
	const uint8 *key;
	size_t		len;
	fg_error	err;

	if (PG_ARGISNULL(0))
		box = fgsql_metric_box_new(aggcxt, FG_METRIC_COUNTS, a->kind, a->w_arg >= 0, NULL, 0);
	else
		box = (fgsql_metric_box *) PG_GETARG_POINTER(0);

	if (PG_ARGISNULL(1) || (with_y && PG_ARGISNULL(2)) || PG_ARGISNULL(s_arg))
		PG_RETURN_POINTER(box);
	if (a->w_arg >= 0 && !fgsql_metric_weight(fcinfo, a->w_arg, &w))
		PG_RETURN_POINTER(box);
	yhat = fgsql_metric_binary(PG_GETARG_DATUM(1), a->yhat_type, "yhat");
	if (with_y)
		y = fgsql_metric_binary(PG_GETARG_DATUM(2), a->y_type, "y");
	key = fgsql_metric_group_key(a, PG_GETARG_DATUM(s_arg), buf, &len);

	if (remove)
	{
		if (!fg_metric_remove_counts(&box->st, key, len, yhat, y, w))
			PG_RETURN_NULL();	/* not exactly removable: recompute the frame */
	}
	else if (fg_metric_add_counts(&box->st, key, len, yhat, y, w, &err) != FG_OK)
		fgsql_metric_error(fcinfo, box, &err);
	PG_RETURN_POINTER(box);
}

/* fairglmm_selection_transfn(internal, yhat "any", sensitive "any" [, weight float8]) */
Datum
fairglmm_selection_transfn(PG_FUNCTION_ARGS)
{
	return counts_update(fcinfo, false, false);
}

Datum
fairglmm_selection_invfn(PG_FUNCTION_ARGS)
{
	return counts_update(fcinfo, false, true);
}

/* fairglmm_confusion_transfn(internal, yhat "any", y "any", sensitive "any" [, weight float8]) */
Datum
fairglmm_confusion_transfn(PG_FUNCTION_ARGS)
{
	return counts_update(fcinfo, true, false);
}

Datum
fairglmm_confusion_invfn(PG_FUNCTION_ARGS)
{
	return counts_update(fcinfo, true, true);
}

/* The metrics of the state argument; false when there is no state. */
static bool
final_fairness(FunctionCallInfo fcinfo, fg_fairness *f)
{
	fgsql_metric_box *box;

	if (PG_ARGISNULL(0))
		return false;
	box = (fgsql_metric_box *) PG_GETARG_POINTER(0);
	fg_fairness_compute(&box->st.groups, NULL, f);
	return true;
}

#define RETURN_METRIC(field) \
	do { \
		fg_fairness f; \
\
		if (!final_fairness(fcinfo, &f) || isnan(f.field)) \
			PG_RETURN_NULL(); \
		PG_RETURN_FLOAT8(f.field); \
	} while (0)

Datum
fairglmm_disparate_impact_final(PG_FUNCTION_ARGS)
{
	RETURN_METRIC(disparate_impact);
}

Datum
fairglmm_dp_difference_final(PG_FUNCTION_ARGS)
{
	RETURN_METRIC(dp_difference);
}

Datum
fairglmm_eo_ratio_final(PG_FUNCTION_ARGS)
{
	RETURN_METRIC(eo_ratio);
}

Datum
fairglmm_eo_difference_final(PG_FUNCTION_ARGS)
{
	RETURN_METRIC(eo_difference);
}

Datum
fairglmm_eodds_ratio_final(PG_FUNCTION_ARGS)
{
	RETURN_METRIC(eodds_ratio);
}

Datum
fairglmm_eodds_difference_final(PG_FUNCTION_ARGS)
{
	RETURN_METRIC(eodds_difference);
}

static void
json_key(StringInfo buf, const char *name, bool first)
{
	if (!first)
		appendStringInfoString(buf, ", ");
	appendStringInfo(buf, "\"%s\": ", name);
}

static void
json_rates(StringInfo buf, const fg_rates *r, bool first)
{
	json_key(buf, "selection_rate", first);
	fgsql_metric_number_json(buf, r->selection);
	json_key(buf, "tpr", false);
	fgsql_metric_number_json(buf, r->tpr);
	json_key(buf, "fpr", false);
	fgsql_metric_number_json(buf, r->fpr);
	json_key(buf, "precision", false);
	fgsql_metric_number_json(buf, r->precision);
	json_key(buf, "accuracy", false);
	fgsql_metric_number_json(buf, r->accuracy);
}

static void
json_group(StringInfo buf, const fg_metric_state *st, int64 g)
{
	size_t		len;
	const uint8 *key;

	if (g < 0)
	{
		appendStringInfoString(buf, "null");
		return;
	}
	key = fg_dict_key(&st->groups.dict, (uint32) g, &len);
	fgsql_metric_key_json(buf, st->key_kind, key, len);
}

/*
 * fairness_report's final function: per group (in key order) rows, weight
 * and rates; the rates of all rows; the summary metrics; the most and least
 * favoured groups.
 */
Datum
fairglmm_report_final(PG_FUNCTION_ARGS)
{
	fgsql_metric_box *box;
	const fg_metric_state *st;
	fg_env		env;
	fg_error	err;
	uint32	   *order;
	fg_fairness f;
	StringInfoData buf;
	bool		first = true;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	box = (fgsql_metric_box *) PG_GETARG_POINTER(0);
	st = &box->st;
	fgsql_env_init(&env, CurrentMemoryContext);
	if (fg_groups_order(&st->groups, &env, &order, &err) != FG_OK)
		fgsql_report_error(&err);
	fg_fairness_compute(&st->groups, order, &f);
	if (f.groups == 0)
		PG_RETURN_NULL();		/* every row was skipped */

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"groups\": [");
	for (uint32 r = 0; r < fg_groups_count(&st->groups); r++)
	{
		uint32		g = order[r];
		fg_rates	rates;

		if (st->groups.rows[g] <= 0)
			continue;
		appendStringInfoString(&buf, first ? "{" : ", {");
		first = false;
		json_key(&buf, "group", true);
		json_group(&buf, st, g);
		json_key(&buf, "rows", false);
		appendStringInfo(&buf, INT64_FORMAT, st->groups.rows[g]);
		json_key(&buf, "weight", false);
		fgsql_metric_number_json(&buf, fg_groups_sums(&st->groups, g)[FG_CM_WEIGHT]);
		fg_rates_of(fg_groups_sums(&st->groups, g), &rates);
		json_rates(&buf, &rates, false);
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoChar(&buf, ']');
	json_key(&buf, "rows", false);
	appendStringInfo(&buf, INT64_FORMAT, f.rows);
	json_key(&buf, "weight", false);
	fgsql_metric_number_json(&buf, f.weight);
	json_key(&buf, "overall", false);
	appendStringInfoChar(&buf, '{');
	json_rates(&buf, &f.overall, true);
	appendStringInfoChar(&buf, '}');
	json_key(&buf, "disparate_impact", false);
	fgsql_metric_number_json(&buf, f.disparate_impact);
	json_key(&buf, "demographic_parity_difference", false);
	fgsql_metric_number_json(&buf, f.dp_difference);
	json_key(&buf, "equal_opportunity_ratio", false);
	fgsql_metric_number_json(&buf, f.eo_ratio);
	json_key(&buf, "equal_opportunity_difference", false);
	fgsql_metric_number_json(&buf, f.eo_difference);
	json_key(&buf, "equalized_odds_ratio", false);
	fgsql_metric_number_json(&buf, f.eodds_ratio);
	json_key(&buf, "equalized_odds_difference", false);
	fgsql_metric_number_json(&buf, f.eodds_difference);
	json_key(&buf, "most_favoured", false);
	json_group(&buf, st, f.most_favoured);
	json_key(&buf, "least_favoured", false);
	json_group(&buf, st, f.least_favoured);
	appendStringInfoChar(&buf, '}');
	pfree(order);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
