/*
 * fit_parallel.c -- what makes fairglmm_fit a parallel aggregate: each worker
 * collects its share of the rows, serialises its state (state_format.h), and
 * the leader deserialises and combines the parts before the final function
 * fits once on all rows.  The model equals the serial one up to the rounding
 * of sums taken in another row order.
 *
 * Deserialisation copies nothing: it validates the bytes and hands the
 * combine function a view into them; the combine function appends the rows
 * to the leader's state.  So the leader holds its state plus one worker's
 * serialised part at a time.
 *
 * A serialised part is a bytea, which PostgreSQL limits to 1 GB: with p
 * features a worker can pass on about 1 GB / (8p + 6) rows (6 million at
 * p = 20; 7 bytes a row more with a continuous y).  Beyond that the serialisation fails with a hint to run the fit
 * without parallel workers, where the state has no such limit.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/memutils.h"

#include "fit_state.h"
#include "memory_limit.h"
#include "pg_env.h"
#include "pg_errors.h"

PG_FUNCTION_INFO_V1(fairglmm_fit_serialfn);
PG_FUNCTION_INFO_V1(fairglmm_fit_deserialfn);
PG_FUNCTION_INFO_V1(fairglmm_fit_combinefn);

static void
check_aggregate_context(FunctionCallInfo fcinfo, MemoryContext *aggcxt, const char *name)
{
	if (!AggCheckCallContext(fcinfo, aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in a non-aggregate context", name)));
}

/* fairglmm_fit_serialfn(internal) returns bytea */
Datum
fairglmm_fit_serialfn(PG_FUNCTION_ARGS)
{
	fgsql_fit_state *st;
	size_t		len;
	bytea	   *result;
	fg_error	err;

	check_aggregate_context(fcinfo, NULL, "fairglmm_fit_serialfn");
	st = (fgsql_fit_state *) PG_GETARG_POINTER(0);
	if (st->tag != FGSQL_FIT_STATE_TAG)
		elog(ERROR, "fairglmm_fit_serialfn called with a foreign state");

	len = fg_state_encoded_size(&st->config, &st->train);
	if (len == 0 || len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the partial training state of a parallel fairglmm_fit exceeds 1 GB"),
				 errdetail("A parallel worker collected " UINT64_FORMAT " rows (%zu MB); parts of a parallel aggregate are passed as bytea, which holds at most 1 GB.",
						   st->train.n_rows, len >> 20),
				 errhint("Run the fit without parallel workers (SET max_parallel_workers_per_gather = 0), where the training state is limited only by fairglmm.max_training_memory.")));
	result = (bytea *) palloc(VARHDRSZ + len);
	SET_VARSIZE(result, VARHDRSZ + len);
	if (fg_state_encode(&st->config, &st->train, (uint8 *) VARDATA(result), len, &err) != FG_OK)
		fgsql_report_error(&err);
	PG_RETURN_BYTEA_P(result);
}

/* fairglmm_fit_deserialfn(bytea, internal) returns internal */
Datum
fairglmm_fit_deserialfn(PG_FUNCTION_ARGS)
{
	bytea	   *bytes;
	fgsql_fit_view *v;
	fg_env		env;
	fg_error	err;

	check_aggregate_context(fcinfo, NULL, "fairglmm_fit_deserialfn");
	/* called in the per-input-tuple context, which outlives the next combine */
	bytes = PG_GETARG_BYTEA_PP(0);
	v = palloc0(sizeof(fgsql_fit_view));
	v->tag = FGSQL_FIT_VIEW_TAG;
	fgsql_env_init(&env, CurrentMemoryContext);
	if (fg_state_decode(&env, (const uint8 *) VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes),
						&v->view, &err) != FG_OK)
		fgsql_report_error(&err);
	PG_RETURN_POINTER(v);
}

/* A collecting state with the settings of a partial state, no rows yet. */
fgsql_fit_state *
fgsql_fit_state_from_config(const fg_state_config *c, bool sums, MemoryContext aggcxt)
{
	MemoryContext old = MemoryContextSwitchTo(aggcxt);
	fgsql_fit_state *st = palloc0(sizeof(fgsql_fit_state));
	fg_error	err;

	st->tag = FGSQL_FIT_STATE_TAG;
	st->mcxt = aggcxt;
	fgsql_env_init(&st->env, aggcxt);
	st->y_type = c->y_kind == FG_ARG_BOOL ? BOOLOID : c->y_kind == FG_ARG_NUMERIC ? NUMERICOID
		: c->y_kind == FG_ARG_FLOAT8 ? FLOAT8OID : INT4OID;
	/* the kinds are all a combined state needs; it decodes no Datums */
	st->s_kind = c->s_kind;
	st->s_array = c->s_array;
	st->s_type = c->s_kind == FG_ARG_BOOL ? BOOLOID : c->s_kind == FG_ARG_TEXT ? TEXTOID
		: c->s_kind == FG_ARG_INT8 ? INT8OID : INT4OID;
	st->weighted = c->weighted;
	st->rho_arg = c->weighted ? 6 : 5;
	st->strata_type = c->strata_kind == FG_STRATA_TEXT ? TEXTOID
		: c->strata_kind == FG_STRATA_INT8 ? INT8OID : INT4OID;

	st->settings.opt = c->opt;
	st->settings.has_c = c->has_c;
	st->settings.n_feature_names = c->n_feature_names;
	if (c->n_feature_names > 0)
	{
		st->settings.feature_names = palloc0(sizeof(char *) * c->n_feature_names);
		for (int j = 0; j < c->n_feature_names; j++)
			st->settings.feature_names[j] = pstrdup(c->feature_names[j]);
	}
	if (c->has_options)
	{
		/* the bytes of a jsonb value; never used as jsonb unless they are one */
		if (c->options_len < VARHDRSZ || VARSIZE(c->options) != c->options_len)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("invalid fairglmm training state"),
					 errdetail("The options are not a complete jsonb value.")));
		st->options = palloc(c->options_len);
		memcpy(st->options, c->options, c->options_len);
	}
	if (c->n_rhos > 0)
	{
		/* a path: the final function needs only the values */
		st->path = true;
		st->n_rhos = c->n_rhos;
		st->rhos = palloc(sizeof(double) * c->n_rhos);
		memcpy(st->rhos, c->rhos, sizeof(double) * c->n_rhos);
	}
	st->uses_strata = fg_options_collects_strata(&c->opt);
	fgsql_fit_state_fill_config(st);
	if (fg_train_init(&st->train, &st->env, st->uses_strata, -1, &err) != FG_OK ||
		fg_train_set_weighted(&st->train, st->weighted, &err) != FG_OK ||
		fg_train_set_gaussian(&st->train, c->opt.family == FG_FAMILY_GAUSSIAN, &err) != FG_OK ||
		(sums && fg_train_set_stream(&st->train, &err) != FG_OK))
		fgsql_report_error(&err);
	MemoryContextSwitchTo(old);
	return st;
}

/*
 * fairglmm_fit_combinefn(internal, internal) returns internal
 *
 * The first argument is the leader's state (NULL at first), the second a
 * deserialised part (or, should PostgreSQL ever combine without
 * serialising, another collecting state).  Settings must agree exactly.
 */
Datum
fairglmm_fit_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	fgsql_fit_state *st = PG_ARGISNULL(0) ? NULL : (fgsql_fit_state *) PG_GETARG_POINTER(0);
	void	   *other = PG_ARGISNULL(1) ? NULL : PG_GETARG_POINTER(1);
	const fg_state_config *config;
	fg_error	err;
	fg_status	status;

	check_aggregate_context(fcinfo, &aggcxt, "fairglmm_fit_combinefn");
	if (other == NULL)
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	if (st != NULL && st->tag != FGSQL_FIT_STATE_TAG)
		elog(ERROR, "fairglmm_fit_combinefn called with a foreign state");

	if (*(uint32 *) other == FGSQL_FIT_VIEW_TAG)
		config = &((fgsql_fit_view *) other)->view.config;
	else if (*(uint32 *) other == FGSQL_FIT_STATE_TAG)
		config = &((fgsql_fit_state *) other)->config;
	else
		elog(ERROR, "fairglmm_fit_combinefn called with a foreign state");

	if (st == NULL)
		/* the part says whether the workers kept sums (fit_agg.c decides alike) */
		st = fgsql_fit_state_from_config(config,
							   *(uint32 *) other == FGSQL_FIT_VIEW_TAG
							   ? ((fgsql_fit_view *) other)->view.sums
							   : ((fgsql_fit_state *) other)->train.stream_on, aggcxt);
	else if (fg_state_config_check_equal(&st->config, config, &err) != FG_OK)
		fgsql_report_error(&err);

	old = MemoryContextSwitchTo(st->mcxt);
	if (*(uint32 *) other == FGSQL_FIT_VIEW_TAG)
	{
		const fg_state_view *view = &((fgsql_fit_view *) other)->view;

		fgsql_check_training_memory(fg_state_append_memory(&st->train, view), &st->train,
									view->p, NULL);
		status = fg_state_append(&st->train, view, &err);
	}
	else
	{
		const fg_train *rows = &((fgsql_fit_state *) other)->train;
		fg_train	probe = st->train;	/* shallow copy, for the estimate only */
		Size		attr_bytes = 0;

		/* as fg_state_append_memory: the rows, and every key possibly new */
		if (probe.p < 0 && rows->p >= 0)
			fg_train_set_p(&probe, rows->p, NULL);
		for (uint32 k = 0; k < rows->n_attr; k++)
			attr_bytes += fg_dict_growth_bound(&st->train.attrs[k], rows->attrs[k].count,
											   rows->attrs[k].bytes_len) + 1024;
		if (rows->n_attr > 0 && st->train.n_attr == 0)
			attr_bytes += (Size) (st->train.n_rows + rows->n_rows) * 4 * rows->n_attr;
		fgsql_check_training_memory((rows->stream_on ? fg_train_memory(&st->train)
									 : fg_train_memory_after(&probe, rows->n_rows)) + attr_bytes +
									(rows->uses_strata
									 ? fg_dict_growth_bound(&st->train.dict, rows->dict.count,
															rows->dict.bytes_len)
									 : 0),
									&st->train, rows->p, NULL);
		status = fg_train_merge(&st->train, rows, &err);
	}
	MemoryContextSwitchTo(old);
	if (status != FG_OK)
		fgsql_report_error(&err);
	PG_RETURN_POINTER(st);
}
