/*
 * options_sql.c -- fairglmm_options(): the option table of the core as a
 * set of rows, so that SQL can list what fairglmm_fit accepts.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "options.h"

PG_FUNCTION_INFO_V1(fairglmm_options);

static const char *
option_type_name(fg_option_type type)
{
	switch (type)
	{
		case FG_OPTION_NUMBER:
			return "number";
		case FG_OPTION_INTEGER:
			return "integer";
		case FG_OPTION_BOOLEAN:
			return "boolean";
		case FG_OPTION_METHOD:
			return "method";
		case FG_OPTION_ENUM:
			return "text";
		default:
			return "text array";
	}
}

/*
 * fairglmm_options() returns table(name text, given_as text, type text,
 * default_value text, valid_values text, description text)
 */
Datum
fairglmm_options(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < fg_option_count; i++)
	{
		const fg_option_def *def = &fg_option_table[i];
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		char		dflt[64];
		char		range[256];

		if (def->flags & FG_OPTION_INTERNAL)
			continue;
		values[0] = CStringGetTextDatum(def->name);
		values[1] = CStringGetTextDatum(def->flags & FG_OPTION_ARGUMENT ? "argument" : "options key");
		values[2] = CStringGetTextDatum(def->offset == offsetof(fg_options, c) && def->size > 0
										? "number or object"
										: def->offset == offsetof(fg_options, target) && def->size > 0
										? "object" : option_type_name(def->type));
		if (fg_option_default_text(def, dflt, sizeof(dflt)))
			values[3] = CStringGetTextDatum(dflt);
		else
			nulls[3] = true;
		fg_option_range_text(def, range, sizeof(range));
		/* the target is an object of one metric and its level */
		if (def->offset == offsetof(fg_options, target) && def->size > 0)
			snprintf(range, sizeof(range),
					 "{\"disparate_impact\" | \"equal_opportunity_ratio\" | \"equalized_odds_ratio\": a level %s}",
					 "in (0, 1]");
		values[4] = CStringGetTextDatum(range);
		values[5] = CStringGetTextDatum(def->description);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
