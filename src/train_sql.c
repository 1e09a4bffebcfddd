/*
 * train_sql.c -- fairglmm_train: a fit in passes over a table or query.
 *
 *   fairglmm_train(source, y, x, strata, sensitive [, weight], rho, lambda [, options])
 *
 * Each pass is one query, SELECT fairglmm_train_pass(...) FROM source, whose
 * aggregate adds the rows up into the sums the fitter needs (passes.h); the
 * fitter (fg_fitter_init_passes) decides the passes, as the in-memory fit
 * would read its rows.  The first pass collects the strata and the
 * sensitive categories; every later one takes them, sorted, in its request.
 * Memory stays O(p^2 + n p) in every process, whatever the number of rows,
 * and parallel or Citus workers each add up their share.
 *
 * The queries are built from the names given: the source is a table name
 * (resolved, then quoted) or one SELECT statement (checked by the parser
 * alone, then used as a subquery), and every column name is quoted, so no
 * argument can add a statement.  The function runs with the caller's
 * privileges, and all passes read the snapshot of the calling statement.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/timestamp.h"

#include "fit_state.h"
#include "pass_format.h"
#include "pg_env.h"
#include "pg_errors.h"
#include "train.h"

PG_FUNCTION_INFO_V1(fairglmm_train);

/* The driver's state between passes. */
typedef struct train_run
{
	MemoryContext cxt;			/* outlives every SPI call */
	fg_env		env;
	SPIPlanPtr	plan;			/* the pass query, $1 the request */
	double		rho;
	double		lambda;
	char	   *options;		/* the options' JSON text, with the family */
	const uint8 *dict;			/* the first pass's dictionaries (state_format bytes) */
	size_t		dict_len;
	uint64		n_rows;			/* rows the summary pass counted (0 before) */
	uint32		arg_types[3];	/* y, strata, sensitive */
	int			passes;
	bool		verbose;		/* option "verbose": a NOTICE a pass */
} train_run;

/* env->progress for option "verbose" */
static void
train_progress(void *ctx, const char *message)
{
	ereport(NOTICE, (errmsg_internal("fairglmm_train: %s", message)));
}

/* What a pass adds up, for its progress line. */
static const char *
pass_name(const fg_pass_spec *spec)
{
	if (spec->kinds == 0)
		return "strata and categories";
	if (spec->kinds & FG_PASS_SUMMARY)
		return "summary";
	if (spec->kinds & FG_PASS_TERMS)
		return "fairness terms";
	if ((spec->kinds & FG_PASS_NEWTON) && (spec->kinds & FG_PASS_FINAL))
		return spec->need == FG_NEED_HESSIAN ? "Newton, with the Hessian, and the metrics"
			: "Newton, gradient, and the metrics";
	if (spec->kinds & FG_PASS_NEWTON)
		return spec->need == FG_NEED_HESSIAN ? "Newton, with the Hessian"
			: spec->need == FG_NEED_GRADIENT ? "Newton, gradient" : "objective";
	if (spec->kinds & FG_PASS_FINAL)
		return "metrics at the solution";
	return "separation";
}

/* ---------- building the query ---------- */

/* Could s be a (qualified) name: no space or parenthesis outside double quotes? */
static bool
looks_like_name(const char *s)
{
	bool		quoted = false;

	for (; *s; s++)
	{
		if (*s == '"')
			quoted = !quoted;
		else if (!quoted && (isspace((unsigned char) *s) || *s == '(' || *s == ';'))
			return false;
	}
	return true;
}

/*
 * The FROM item of the source: a table (or view) name, resolved and
 * quoted, or one SELECT (WITH, VALUES, TABLE) statement as a subquery.
 */
static char *
source_sql(const char *source)
{
	if (!looks_like_name(source))
	{
		List	   *stmts = raw_parser(source, RAW_PARSE_DEFAULT);

		if (list_length(stmts) != 1 || !IsA(((RawStmt *) linitial(stmts))->stmt, SelectStmt))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("source must be a table name or a single query"),
					 list_length(stmts) != 1
					 ? errdetail("The source is parsed as %d statements.", list_length(stmts))
					 : errdetail("The source is a statement other than SELECT."),
					 errhint("Pass one SELECT statement, without a semicolon.")));
		/* line breaks around it: a trailing comment cannot swallow the parenthesis */
		return psprintf("(\n%s\n) AS fg_source", source);
	}
	else
	{
		List	   *names = stringToQualifiedNameList(source);
		RangeVar   *rv = makeRangeVarFromNameList(names);
		Oid			relid = RangeVarGetRelid(rv, NoLock, false);

		return psprintf("%s AS fg_source",
						quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												   get_rel_name(relid)));
	}
}

static char *
column(const char *name)
{
	return psprintf("fg_source.%s", quote_identifier(name));
}

/*
 * With Citus the pass aggregate has fixed argument types: Citus checks the
 * arguments it ships to its workers against the declared ones, which "any"
 * never matches.  The columns are cast to them (the request names the
 * types, and the original types describe the model as before).
 */
static char *
cast_y(const char *col, Oid type, Oid *to)
{
	*to = FLOAT8OID;
	return type == BOOLOID ? psprintf("(%s)::integer::float8", col) : psprintf("(%s)::float8", col);
}

static char *
cast_strata(const char *col, Oid type, Oid *to)
{
	*to = fgsql_strata_is_text(type) ? TEXTOID : INT8OID;
	return fgsql_strata_is_text(type) ? psprintf("(%s)::text", col)
		: psprintf("(%s)::bigint", col);
}

static char *
cast_sensitive(const char *col, Oid type, Oid *to)
{
	Oid			elem = get_element_type(type);
	bool		array = OidIsValid(elem);
	Oid			t = array ? elem : type;
	const char *arr = array ? "[]" : "";

	if (fgsql_strata_is_text(t))
	{
		*to = array ? TEXTARRAYOID : TEXTOID;
		return psprintf("(%s)::text%s", col, arr);
	}
	*to = array ? INT8ARRAYOID : INT8OID;
	if (t == BOOLOID)
		return psprintf("(%s)::integer%s::bigint%s", col, arr, arr);
	return psprintf("(%s)::bigint%s", col, arr);
}

/* ---------- running a pass ---------- */

static bytea *
run_query(train_run *r, const fg_pass_spec *spec, const uint8 *request, size_t len)
{
	TimestampTz start = GetCurrentTimestamp();
	bytea	   *arg = palloc(VARHDRSZ + len);
	Datum		values[1];
	bool		isnull;
	Datum		d;
	bytea	   *result = NULL;
	int			ret;

	SET_VARSIZE(arg, VARHDRSZ + len);
	memcpy(VARDATA(arg), request, len);
	values[0] = PointerGetDatum(arg);
	/* read-only: every pass sees the snapshot of the calling statement */
	/* no row limit: a limit would rule out parallel workers */
	ret = SPI_execute_plan(r->plan, values, NULL, true, 0);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "a pass of fairglmm_train returned no row (SPI code %d)", ret);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
	{
		MemoryContext old = MemoryContextSwitchTo(r->cxt);

		result = (bytea *) PG_DETOAST_DATUM_COPY(d);
		MemoryContextSwitchTo(old);
	}
	SPI_freetuptable(SPI_tuptable);
	pfree(arg);
	r->passes++;
	if (r->verbose)
		ereport(NOTICE,
				(errmsg_internal("fairglmm_train: pass %d (%s): %.1f ms", r->passes, pass_name(spec),
								 (double) (GetCurrentTimestamp() - start) / 1000.0)));
	CHECK_FOR_INTERRUPTS();
	return result;
}

static fg_pass_request
request_of(const train_run *r, const fg_pass_spec *spec)
{
	fg_pass_request req;

	memset(&req, 0, sizeof(req));
	req.spec = *spec;
	req.rho = r->rho;
	req.lambda = r->lambda;
	req.options = r->options;
	req.options_len = strlen(r->options);
	req.dict = r->dict;
	req.dict_len = r->dict_len;
	memcpy(req.arg_types, r->arg_types, sizeof(req.arg_types));
	return req;
}

/* fg_pass_runner: one pass of spec over the source into acc */
static void
run_pass(void *ctx, const fg_pass_spec *spec, double *acc)
{
	train_run  *r = ctx;
	fg_pass_request req = request_of(r, spec);
	size_t		len = fg_pass_request_size(&req);
	uint8	   *bytes = palloc(len);
	bytea	   *result;
	fg_pass_spec got;
	double	   *sums;
	const uint8 *train;
	size_t		train_len;
	fg_error	err;

	fg_pass_request_encode(&req, bytes, len);
	result = run_query(r, spec, bytes, len);
	pfree(bytes);
	fg_pass_init(spec, acc);
	if (result != NULL)
	{
		if (fg_pass_state_decode(&r->env, (const uint8 *) VARDATA(result),
								 VARSIZE(result) - VARHDRSZ, &got, &sums, &train, &train_len,
								 &err) != FG_OK)
			fgsql_report_error(&err);
		if (sums == NULL || !fg_pass_same_layout(&got, spec))
			elog(ERROR, "a pass of fairglmm_train returned sums of another layout");
		memcpy(acc, sums, sizeof(double) * fg_pass_size(spec));
		pfree(sums);
		pfree(result);
	}
	/* every pass after the summary must see the summary's rows */
	if (spec->kinds & FG_PASS_SUMMARY)
		r->n_rows = fg_pass_rows(acc);
	else if (fg_pass_rows(acc) != r->n_rows)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the rows changed between the passes of fairglmm_train"),
				 errdetail("The summary pass counted " UINT64_FORMAT " rows, pass %d " UINT64_FORMAT ".",
						   r->n_rows, r->passes, fg_pass_rows(acc)),
				 errhint("Train on a table that is not being written to, or on a query that returns the same rows each time it runs (no random(), no LIMIT without ORDER BY).")));
}

/*
 * The first pass: every stratum and category label (sorted, in a state of
 * dictionaries in r->cxt; their bytes go into every later request).  NULL
 * when the source has no rows.
 */
static fgsql_fit_state *
first_pass(train_run *r, bool weighted, bool gaussian)
{
	fg_pass_spec first;
	fg_pass_request req;
	size_t		len;
	uint8	   *bytes;
	bytea	   *res;
	fg_pass_spec got;
	double	   *sums;
	const uint8 *train;
	size_t		train_len;
	fg_error	err;
	MemoryContext old;

	memset(&first, 0, sizeof(first));
	first.weighted = weighted;
	first.gaussian = gaussian;
	first.weight_factor = 1.0;
	req = request_of(r, &first);
	req.dict = NULL;
	req.dict_len = 0;
	len = fg_pass_request_size(&req);
	bytes = palloc(len);
	fg_pass_request_encode(&req, bytes, len);
	res = run_query(r, &first, bytes, len);
	if (res == NULL)
		return NULL;
	if (fg_pass_state_decode(&r->env, (const uint8 *) VARDATA(res), VARSIZE(res) - VARHDRSZ,
							 &got, &sums, &train, &train_len, &err) != FG_OK)
		fgsql_report_error(&err);
	if (train == NULL)
		elog(ERROR, "the first pass of fairglmm_train returned sums");
	old = MemoryContextSwitchTo(r->cxt);
	r->dict = palloc(train_len);
	memcpy((uint8 *) r->dict, train, train_len);
	r->dict_len = train_len;
	MemoryContextSwitchTo(old);
	return fgsql_train_dictionaries(r->dict, r->dict_len, r->cxt, true);
}

/* ---------- the function ---------- */

static char *
text_arg(FunctionCallInfo fcinfo, int i, const char *name, bool required)
{
	if (PG_ARGISNULL(i))
	{
		if (required)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", name)));
		return NULL;
	}
	return text_to_cstring(PG_GETARG_TEXT_PP(i));
}

/* The options with the family fairglmm_fit would take for y's type, unless they name one. */
static char *
options_with_family(Jsonb *options, fg_family family)
{
	Datum		fam = DirectFunctionCall1(jsonb_in,
										  CStringGetDatum(family == FG_FAMILY_GAUSSIAN
														  ? "{\"family\": \"gaussian\"}"
														  : "{\"family\": \"binomial\"}"));

	if (options != NULL)
		fam = DirectFunctionCall2(jsonb_concat, fam, JsonbPGetDatum(options));
	return DatumGetCString(DirectFunctionCall1(jsonb_out, fam));
}

/* Refuse what passes cannot fit, before reading any row. */
static void
check_trainable(const fgsql_fit_state *st, bool has_strata)
{
	const fg_options *opt = &st->settings.opt;

	if (fg_method_is_boosting(opt->method) || opt->method == FG_METHOD_FAIR_THRESHOLD)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("fairglmm_train fits the Newton methods only"),
				 errdetail("Method %s needs every row at once: %s.", fg_method_name(opt->method),
						   opt->method == FG_METHOD_FAIR_THRESHOLD
						   ? "its coordinate descent sorts the predictions"
						   : "boosting's variance update estimates a trace over the rows"),
				 errhint("Use the aggregate fairglmm_fit for this method, or lr, fair_lr, crlr or fair_crlr here.")));
	if (!isnan(opt->target))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("fairglmm_train does not search for rho (option \"target\")"),
				 errhint("Find rho with fairglmm_fit or fairglmm_path on a sample, then train with it.")));
	if (opt->folds > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"folds\" is for fairglmm_path")));
	if (st->uses_strata && !has_strata)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("method %s needs strata", fg_method_name(opt->method)),
				 opt->vcov == FG_VCOV_ROBUST && !fg_method_uses_strata(opt->method)
				 ? errdetail("The robust covariance clusters by stratum.") : 0,
				 errhint("Name the strata column.")));
}

/*
 * fairglmm_train(source, y, x, strata, sensitive [, weight], rho, lambda, options)
 */
Datum
fairglmm_train(PG_FUNCTION_ARGS)
{
	bool		weighted_call = PG_NARGS() == 9;
	int			a = weighted_call ? 6 : 5;
	char	   *source = text_arg(fcinfo, 0, "source", true);
	char	   *y = text_arg(fcinfo, 1, "y", true);
	char	   *x = text_arg(fcinfo, 2, "x", true);
	char	   *strata = text_arg(fcinfo, 3, "strata", false);
	char	   *sensitive = text_arg(fcinfo, 4, "sensitive", true);
	char	   *weight = weighted_call ? text_arg(fcinfo, 5, "weight", false) : NULL;
	Jsonb	   *options = PG_NARGS() > a + 2 && !PG_ARGISNULL(a + 2) ? PG_GETARG_JSONB_P_COPY(a + 2) : NULL;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "fairglmm_train",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old;
	train_run	run;
	char	   *from,
			   *cols[5] = {NULL};
	Oid			types[5];
	int			ncols = weight ? 5 : 4;
	fgsql_fit_state *st,
			   *dicts;
	StringInfoData q;
	Oid			argtypes[1] = {BYTEAOID};
	const char *schema;
	fg_data		shell;
	fg_pass_spec spec;
	fg_pass_runner runner = {&run, run_pass};
	fg_fitter  *fitter = NULL;
	fg_fit		fit;
	fg_error	err;
	fg_status	status;
	bytea	   *result;
	uint64		skipped;
	bool		typed;

	if (PG_ARGISNULL(a) || PG_ARGISNULL(a + 1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rho and lambda must not be null"),
				 errhint("Pass 0 where a method does not use them.")));
	memset(&run, 0, sizeof(run));
	run.cxt = cxt;
	run.rho = PG_GETARG_FLOAT8(a);
	run.lambda = PG_GETARG_FLOAT8(a + 1);
	fgsql_env_init(&run.env, cxt);
	schema = pstrdup(quote_identifier(get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid))));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	from = source_sql(source);
	cols[0] = column(y);
	cols[1] = column(x);
	cols[2] = strata ? column(strata) : pstrdup("NULL::integer");
	cols[3] = column(sensitive);
	if (weight)
		cols[4] = column(weight);

	/* the columns' types, and the caller's right to read them */
	initStringInfo(&q);
	appendStringInfo(&q, "SELECT %s, %s, %s, %s%s%s FROM %s LIMIT 0", cols[0], cols[1], cols[2],
					 cols[3], weight ? ", " : "", weight ? cols[4] : "", from);
	if (SPI_execute(q.data, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "fairglmm_train could not read the source");
	for (int i = 0; i < ncols; i++)
		types[i] = SPI_gettypeid(SPI_tuptable->tupdesc, i + 1);
	SPI_freetuptable(SPI_tuptable);
	if (types[1] != FLOAT8ARRAYOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("x has type %s", format_type_be(types[1])),
				 errdetail("x must be a float8 array."),
				 errhint("Name a double precision[] column, or pass a query that builds one (ARRAY[a, b]::float8[] AS x).")));
	if (weight && types[4] != FLOAT8OID && types[4] != FLOAT4OID && types[4] != NUMERICOID &&
		types[4] != INT4OID && types[4] != INT8OID && types[4] != INT2OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("weight has type %s", format_type_be(types[4])),
				 errdetail("weight must be a number.")));

	/*
	 * the settings as fairglmm_fit takes them, for the original types; the
	 * method fair_crlr unless the options name one (fairglmm_fit's default,
	 * fair_glmm, boosts)
	 */
	{
		Datum		method = DirectFunctionCall1(jsonb_in,
												 CStringGetDatum("{\"method\": \"fair_crlr\"}"));

		old = MemoryContextSwitchTo(cxt);
		if (options != NULL)
			method = DirectFunctionCall2(jsonb_concat, method, JsonbPGetDatum(options));
		options = DatumGetJsonbP(method);
		MemoryContextSwitchTo(old);
	}
	st = fgsql_fit_state_new(cxt, types[0], strata ? types[2] : INT4OID, types[3],
							 weight != NULL, false, run.rho, run.lambda, options);
	check_trainable(st, strata != NULL);
	run.verbose = st->settings.opt.verbose;
	old = MemoryContextSwitchTo(cxt);
	run.options = options_with_family(options, st->settings.opt.family);
	MemoryContextSwitchTo(old);

	resetStringInfo(&q);
	run.arg_types[0] = types[0];
	run.arg_types[1] = strata ? types[2] : INT4OID;
	run.arg_types[2] = types[3];
	typed = OidIsValid(get_extension_oid("citus", true));
	if (typed)
	{
		cols[0] = cast_y(cols[0], types[0], &run.arg_types[0]);
		cols[2] = cast_strata(cols[2], run.arg_types[1], &run.arg_types[1]);
		cols[3] = cast_sensitive(cols[3], types[3], &run.arg_types[2]);
	}
	appendStringInfo(&q, "SELECT %s.fairglmm_train_pass%s(%s, %s, %s, %s, %s, $1) FROM %s", schema,
					 typed ? "_typed" : "", cols[0], cols[1], cols[2], cols[3],
					 weight ? psprintf("(%s)::float8", cols[4]) : "1::float8", from);
	/* parallel plans allowed: each worker adds up its share of the rows */
	run.plan = SPI_prepare_cursor(q.data, 1, argtypes, CURSOR_OPT_PARALLEL_OK);
	if (run.plan == NULL)
		elog(ERROR, "fairglmm_train could not prepare its pass: %s",
			 SPI_result_code_string(SPI_result));

	/* the first pass: the strata and the sensitive categories */
	dicts = first_pass(&run, weight != NULL, st->settings.opt.family == FG_FAMILY_GAUSSIAN);
	if (dicts == NULL)
	{
		SPI_finish();
		ereport(NOTICE, (errmsg("fairglmm_train found no rows in the source")));
		PG_RETURN_NULL();
	}
	skipped = dicts->train.n_skipped;
	if (dicts->train.p < 0)
	{
		SPI_finish();
		ereport(NOTICE,
				(errmsg("fairglmm_train found no usable rows"),
				 errdetail("All " UINT64_FORMAT " rows had a NULL in y, x, sensitive%s.", skipped,
						   weight ? ", strata or weight, or a weight of 0" : " or strata")));
		PG_RETURN_NULL();
	}

	/* the rows without the rows: the dictionaries' description */
	old = MemoryContextSwitchTo(cxt);
	if (fg_train_data(&dicts->train, &shell, &err) != FG_OK)
		fgsql_report_error(&err);
	shell.n_rows = 0;
	shell.feature_names = st->settings.n_feature_names >= 0
		? (const char *const *) st->settings.feature_names : NULL;
	memset(&spec, 0, sizeof(spec));
	spec.p = shell.p;
	spec.n_strata = dicts->uses_strata ? shell.n_strata : 0;
	spec.gaussian = st->settings.opt.family == FG_FAMILY_GAUSSIAN;
	spec.weighted = weight != NULL;
	spec.weight_factor = 1.0;
	spec.n_attr = shell.n_attr;
	for (uint32 i = 0; i < shell.n_attr; i++)
		spec.n_cats[i] = shell.n_cats[i];
	/* the model describes what the first pass found, with the original types */
	st->train = dicts->train;
	st->train.n_rows = dicts->train.n_forgotten;	/* the rows read, for messages */
	fgsql_check_attributes(st);
	if (st->settings.opt.verbose)
		run.env.progress = train_progress;
	status = fg_fitter_init_passes(&run.env, &shell, &st->settings.opt, &runner, &spec,
								   strata != NULL, &fitter, &err);
	if (status == FG_OK)
		status = fg_fitter_fit(fitter, st->settings.opt.rho, &fit, &err);
	fg_fitter_free(fitter);
	MemoryContextSwitchTo(old);
	if (status != FG_OK)
		fgsql_report_error(&err);
	fg_progress(&run.env, &st->settings.opt, "%d passes over " UINT64_FORMAT " rows", run.passes,
				run.n_rows);
	SPI_finish();
	fgsql_warn_about_fit(&fit, st->settings.opt.method, "fairglmm_train");
	st->train.n_rows = run.n_rows;
	st->train.n_skipped = skipped;
	result = fgsql_encode_model(st, &shell, &fit, &run.env, st->settings.opt.rho);
	PG_RETURN_BYTEA_P(result);
}
