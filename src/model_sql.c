/*
 * model_sql.c -- SQL functions that read a model: scoring, classification
 * and introspection.
 *
 * A model is decoded once per query: the decoded form, with a hash index of
 * its strata, is cached in fn_extra and reused while the argument carries
 * the same bytes.  Scoring a row then costs a short comparison, one hash
 * probe and a dot product; x is read in place, never copied, unless it is
 * compressed or stored out of line.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "nodes/primnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "model_index.h"
#include "options.h"
#include "pg_env.h"
#include "pg_errors.h"

typedef struct model_cache
{
	MemoryContext mcxt;			/* holds the raw copy, the model and its index */
	bool		valid;
	bool		constant;		/* the model argument is a Const: never changes */
	Size		raw_len;
	char	   *raw;			/* the argument as passed: maybe compressed or a TOAST pointer */
	fg_model	model;
	fg_model_index index;
	Oid			strata_type;	/* of the strata argument at this call site, once known */
} model_cache;

PG_FUNCTION_INFO_V1(fairglmm_predict);
PG_FUNCTION_INFO_V1(fairglmm_predict_population);
PG_FUNCTION_INFO_V1(fairglmm_classify);
PG_FUNCTION_INFO_V1(fairglmm_seen);
PG_FUNCTION_INFO_V1(fairglmm_info);
PG_FUNCTION_INFO_V1(fairglmm_coefficients);
PG_FUNCTION_INFO_V1(fairglmm_random_effects);

static int
compare_cstrings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
corrupt_text(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid fairglmm model"),
			 errdetail("%s", detail),
			 errhint("Models are produced by fairglmm_fit; the value may have been altered.")));
}

/*
 * A checksum proves integrity, not origin: forged bytes can carry a valid
 * checksum.  So every text the model will hand out must be valid in the
 * database encoding, and feature names must obey the rules training enforces.
 */
static void
validate_model_text(const fg_model *m)
{
	if (m->feature_names)
	{
		char	  **sorted = palloc(sizeof(char *) * (m->p ? m->p : 1));

		for (int j = 0; j < m->p; j++)
		{
			const char *name = m->feature_names[j];

			if (name[0] == '\0' || !pg_verifymbstr(name, strlen(name), true))
				corrupt_text("A feature name is empty or not valid text in the database encoding.");
			if (strcmp(name, "intercept") == 0)
				corrupt_text("A feature is named \"intercept\".");
			sorted[j] = m->feature_names[j];
		}
		qsort(sorted, m->p, sizeof(char *), compare_cstrings);
		for (int j = 1; j < m->p; j++)
			if (strcmp(sorted[j - 1], sorted[j]) == 0)
				corrupt_text("Two features have the same name.");
		pfree(sorted);
	}
	if (m->key_type == FG_KEY_TEXT)
		for (uint32 i = 0; i < m->n_strata; i++)
		{
			const char *key = (const char *) m->keys + m->key_offsets[i];
			int			len = (int) (m->key_offsets[i + 1] - m->key_offsets[i]);

			if (!pg_verifymbstr(key, len, true) || memchr(key, '\0', len) != NULL)
				corrupt_text("A stratum label is not valid text in the database encoding.");
		}
}

/* Is argument argno of this call a constant in the query text? */
static bool
arg_is_const(FmgrInfo *flinfo, int argno)
{
	Node	   *expr = flinfo->fn_expr;
	List	   *args;
	Node	   *arg;

	if (expr == NULL)
		return false;
	if (IsA(expr, FuncExpr))
		args = ((FuncExpr *) expr)->args;
	else
		return false;
	if (argno < 0 || argno >= list_length(args))
		return false;
	arg = (Node *) list_nth(args, argno);
	while (arg && IsA(arg, RelabelType))
		arg = (Node *) ((RelabelType *) arg)->arg;
	return arg != NULL && IsA(arg, Const);
}

/*
 * The cache is keyed on the argument's raw bytes, before detoasting: equal
 * compressed bytes or an equal TOAST pointer mean an equal model, so a cache
 * hit costs one short memcmp instead of a decompression per row.  A model
 * written into the query as a constant is not even compared.  (A model
 * computed in the same query, e.g. in a CTE, is an uncompressed value in
 * memory and is compared in full on every row; store it in a table, or pass
 * it as a scalar subquery of one, to keep that comparison short.)
 */
static model_cache *
get_model_cache(FunctionCallInfo fcinfo, int argno)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	Size		raw_len;
	model_cache *cache = (model_cache *) fcinfo->flinfo->fn_extra;
	bytea	   *arg;
	fg_env		env;
	fg_error	err;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(model_cache));
		cache->mcxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "fairglmm model cache",
											ALLOCSET_SMALL_SIZES);
		cache->constant = arg_is_const(fcinfo->flinfo, argno);
		cache->strata_type = InvalidOid;
		fcinfo->flinfo->fn_extra = cache;
	}
	if (cache->valid && cache->constant)
		return cache;
	raw_len = VARSIZE_ANY(raw);
	if (cache->valid && cache->raw_len == raw_len && memcmp(cache->raw, raw, raw_len) == 0)
		return cache;

	cache->valid = false;
	MemoryContextReset(cache->mcxt);
	arg = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(argno));
	fgsql_env_init(&env, cache->mcxt);
	if (fg_model_decode(&env, (const uint8 *) VARDATA_ANY(arg), VARSIZE_ANY_EXHDR(arg),
						&cache->model, &err) != FG_OK)
		fgsql_report_error(&err);
	validate_model_text(&cache->model);
	if (fg_model_index_build(&env, &cache->model, &cache->index, &err) != FG_OK)
		fgsql_report_error(&err);
	if (!cache->constant)
	{
		cache->raw = MemoryContextAlloc(cache->mcxt, raw_len);
		memcpy(cache->raw, raw, raw_len);
		cache->raw_len = raw_len;
	}
	cache->valid = true;
	return cache;
}

/* The model argument, decoded once and cached across the calls of one query. */
static const fg_model *
get_model(FunctionCallInfo fcinfo, int argno)
{
	return &get_model_cache(fcinfo, argno)->model;
}

/*
 * A short (1-byte header) varlena as a 4-byte-header copy on the caller's
 * stack: arrays of up to 12 doubles are stored that way, and the generic
 * detoasting would palloc a copy for every row.
 */
typedef union short_array_buf
{
	ArrayType	array;
	char		bytes[VARHDRSZ + VARATT_SHORT_MAX];
	double		align;
} short_array_buf;

/* Features of one row for scoring; false when x has a NULL element. */
static bool
scoring_features(const fg_model *model, Datum d, short_array_buf *buf, const double **x)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	ArrayType  *arr;
	int			n;

	/*
	 * Short inline only: an external or expanded datum (a PL/pgSQL array
	 * variable) also has a one-byte header, but no inline payload.
	 */
	if (VARATT_IS_SHORT(v) && !VARATT_IS_EXTERNAL(v))
	{
		Size		len = VARSIZE_SHORT(v) - VARHDRSZ_SHORT;

		SET_VARSIZE(&buf->array, len + VARHDRSZ);
		memcpy(VARDATA(&buf->array), VARDATA_SHORT(v), len);
		arr = &buf->array;
	}
	else if (VARATT_IS_EXTENDED(v))
		arr = DatumGetArrayTypeP(d);
	else
		arr = (ArrayType *) v;

	if (ARR_ELEMTYPE(arr) != FLOAT8OID || ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("x must be a one-dimensional float8 array")));
	n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	if (n != model->p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x has %d elements but the model has %d features", n, model->p),
				 errhint("Pass the features in the order used for training.")));
	if (ARR_HASNULL(arr) && array_contains_nulls(arr))
		return false;
	*x = (const double *) ARR_DATA_PTR(arr);
	return true;
}

/* After a non-finite eta: fail if x has a non-finite element (else it overflowed). */
static void
check_finite_features(const double *x, int p)
{
	for (int j = 0; j < p; j++)
		if (!isfinite(x[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("x contains a non-finite value"),
					 errdetail("Element %d is %g.", j + 1, x[j])));
}

/* The model's index of the stratum argument, or -1 (unseen, NULL, no strata). */
static int64
stratum_index(FunctionCallInfo fcinfo, model_cache *cache, int argno)
{
	const fg_model *model = &cache->model;
	Oid			type;

	if (model->key_type == FG_KEY_NONE || PG_ARGISNULL(argno))
		return -1;
	if (cache->strata_type == InvalidOid)
		cache->strata_type = get_fn_expr_argtype(fcinfo->flinfo, argno);
	type = cache->strata_type;
	if ((type == TEXTOID) != (model->key_type == FG_KEY_TEXT))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("strata has type %s but the model was trained on %s strata",
						format_type_be(type),
						model->key_type == FG_KEY_TEXT ? "text" : "integer"),
				 errhint("Cast strata to the type used for training.")));
	if (type == TEXTOID)
	{
		text	   *t = PG_GETARG_TEXT_PP(argno);

		return fg_model_index_find(model, &cache->index, (const uint8 *) VARDATA_ANY(t),
								   VARSIZE_ANY_EXHDR(t));
	}
	return fg_model_index_find_int(model, &cache->index,
								   type == INT8OID ? PG_GETARG_INT64(argno) : PG_GETARG_INT32(argno));
}

/* P(y = 1) for one call, or false for a NULL result. */
static bool
predict_one(FunctionCallInfo fcinfo, bool with_strata, double *prob)
{
	model_cache *cache;
	const double *x;
	short_array_buf buf;
	double		eta;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return false;
	cache = get_model_cache(fcinfo, 0);
	if (!scoring_features(&cache->model, PG_GETARG_DATUM(1), &buf, &x))
		return false;
	eta = fg_model_eta(&cache->model, x, with_strata ? stratum_index(fcinfo, cache, 2) : -1);
	/* the features are checked only when the result says something is off */
	if (!isfinite(eta))
		check_finite_features(x, cache->model.p);
	/* +-infinity is a sure 1 or 0; both at once is no probability at all */
	if (isnan(eta))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the linear predictor is not a number"),
				 errdetail("Terms of x'beta overflow to +infinity and -infinity, so P(y = 1) is undefined."),
				 errhint("Rescale the features; values near the double precision limit overflow.")));
	*prob = fg_sigmoid(eta);
	return true;
}

/* fairglmm_predict(model, x, strata): P(y = 1), b = 0 for unseen strata */
Datum
fairglmm_predict(PG_FUNCTION_ARGS)
{
	double		prob;

	if (!predict_one(fcinfo, true, &prob))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(prob);
}

/* fairglmm_predict(model, x): population-level prediction, b = 0 */
Datum
fairglmm_predict_population(PG_FUNCTION_ARGS)
{
	double		prob;

	if (!predict_one(fcinfo, false, &prob))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(prob);
}

/* fairglmm_classify(model, x, strata [, threshold]) */
Datum
fairglmm_classify(PG_FUNCTION_ARGS)
{
	double		prob;
	double		threshold;

	if (!predict_one(fcinfo, true, &prob))
		PG_RETURN_NULL();
	if (PG_NARGS() > 3)
	{
		if (PG_ARGISNULL(3))
			PG_RETURN_NULL();
		threshold = PG_GETARG_FLOAT8(3);
		if (!(threshold >= 0.0 && threshold <= 1.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("threshold must lie in [0, 1]"),
					 errdetail("threshold is %g.", threshold)));
	}
	else
		threshold = get_model(fcinfo, 0)->opt.threshold;
	PG_RETURN_BOOL(prob >= threshold);
}

/*
 * fairglmm_seen(model, strata): whether the model has a random effect for
 * the stratum, i.e. whether fairglmm_predict(model, x, strata) differs from
 * the population-level prediction by a fitted b.  false for a NULL stratum
 * and for models without strata, which predict with b = 0 there as well;
 * NULL for a NULL model.
 */
Datum
fairglmm_seen(PG_FUNCTION_ARGS)
{
	model_cache *cache;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	cache = get_model_cache(fcinfo, 0);
	PG_RETURN_BOOL(stratum_index(fcinfo, cache, 1) >= 0);
}

static void
json_number(StringInfo buf, double v)
{
	if (isfinite(v))
		appendStringInfoString(buf, float8out_internal(v));
	else
		appendStringInfoString(buf, "null");
}

static void
json_key(StringInfo buf, const char *key, bool first)
{
	if (!first)
		appendStringInfoString(buf, ", ");
	escape_json(buf, key);
	appendStringInfoString(buf, ": ");
}

/* c: a number, an object of bounds per attribute ("1" .. "16"), or null */
static void
json_c(StringInfo buf, const fg_model *m)
{
	bool		any = false;

	if (m->has_c)
	{
		json_number(buf, m->opt.c);
		return;
	}
	for (int k = 0; k < FG_MAX_ATTRIBUTES; k++)
		if (!isnan(m->opt.c_attr[k]))
		{
			char		key[8];

			appendStringInfoString(buf, any ? ", " : "{");
			snprintf(key, sizeof(key), "%d", k + 1);
			json_key(buf, key, true);
			json_number(buf, m->opt.c_attr[k]);
			any = true;
		}
	appendStringInfoString(buf, any ? "}" : "null");
}

/* rho, lambda and c (null when unused): in the options and at the top level */
static void
json_rho_lambda_c(StringInfo buf, const fg_model *m, bool first)
{
	json_key(buf, "rho", first);
	json_number(buf, m->opt.rho);
	json_key(buf, "lambda", false);
	json_number(buf, m->opt.lambda);
	json_key(buf, "c", false);
	json_c(buf, m);
}

static const char *
feature_name(const fg_model *model, int j, char *buf, size_t len)
{
	if (model->feature_names)
		return model->feature_names[j];
	snprintf(buf, len, "x%d", j + 1);
	return buf;
}

/* The "options" object: every row of the core's option table. */
static void
json_options(StringInfo buf, const fg_model *m)
{
	appendStringInfoChar(buf, '{');
	for (int i = 0; i < fg_option_count; i++)
	{
		const fg_option_def *def = &fg_option_table[i];

		/* the per-attribute bounds appear as option "c" */
		if (def->flags & FG_OPTION_INTERNAL)
			continue;
		json_key(buf, def->name, i == 0);
		switch (def->type)
		{
			case FG_OPTION_NUMBER:
				/*
				 * An option that was not given is null.  c is the only one
				 * that may be unset; has_c says whether it was given as a
				 * number (in version 2 exactly when c is not NaN), and it
				 * may have been given as an object of bounds instead.
				 */
				if (def->flags & FG_OPTION_UNSET)
					json_c(buf, m);
				else
					json_number(buf, fg_option_get_number(&m->opt, def));
				break;
			case FG_OPTION_ENUM:
				escape_json(buf, fg_option_enum_name(def, fg_option_get_integer(&m->opt, def)));
				break;
			case FG_OPTION_BOUNDS:
				break;
			case FG_OPTION_INTEGER:
				if (def->size == sizeof(uint64))
					appendStringInfo(buf, UINT64_FORMAT,
									 (uint64) fg_option_get_integer(&m->opt, def));
				else
					appendStringInfo(buf, INT64_FORMAT, fg_option_get_integer(&m->opt, def));
				break;
			case FG_OPTION_BOOLEAN:
				appendStringInfoString(buf, fg_option_get_integer(&m->opt, def) ? "true" : "false");
				break;
			case FG_OPTION_METHOD:
				escape_json(buf, fg_method_name((fg_method) fg_option_get_integer(&m->opt, def)));
				break;
			case FG_OPTION_NAMES:
				if (m->feature_names)
				{
					appendStringInfoChar(buf, '[');
					for (int j = 0; j < m->p; j++)
					{
						if (j > 0)
							appendStringInfoString(buf, ", ");
						escape_json(buf, m->feature_names[j]);
					}
					appendStringInfoChar(buf, ']');
				}
				else
					appendStringInfoString(buf, "null");
				break;
		}
	}
	appendStringInfoChar(buf, '}');
}

/* Category i of attribute a as text: an integer, false/true, or the text label. */
static void
json_label(StringInfo buf, const fg_model_attr *a, uint32 i)
{
	const uint8 *key = a->keys == NULL ? NULL : a->keys + a->key_offsets[i];
	size_t		len = (size_t) (a->key_offsets[i + 1] - a->key_offsets[i]);

	if (a->key_type == FG_KEY_TEXT)
		escape_json(buf, len > 0 ? pnstrdup((const char *) key, len) : "");
	else if (a->key_type == FG_KEY_BOOL)
		escape_json(buf, fg_key_to_int64(key) ? "true" : "false");
	else
	{
		char		num[32];

		snprintf(num, sizeof(num), INT64_FORMAT, fg_key_to_int64(key));
		escape_json(buf, num);
	}
}

/*
 * Weights, the sensitive attributes (their categories and the disparate
 * impact of the training predictions) and every fairness term.
 */
static void
json_fairness(StringInfo buf, const fg_model *m)
{
	json_key(buf, "weighted", false);
	appendStringInfoString(buf, m->weighted ? "true" : "false");
	json_key(buf, "weight_sum", false);
	/* version 1 had no weights: every row weighed 1 */
	json_number(buf, m->format_version < 2 ? (double) m->rows_used : m->weight_sum);

	json_key(buf, "sensitive_attributes", false);
	appendStringInfoChar(buf, '[');
	for (uint32 k = 0; k < m->n_attr; k++)
	{
		const fg_model_attr *a = &m->attrs[k];

		if (k > 0)
			appendStringInfoString(buf, ", ");
		appendStringInfoChar(buf, '{');
		json_key(buf, "attribute", true);
		appendStringInfo(buf, "%u", k + 1);
		json_key(buf, "type", false);
		escape_json(buf, a->key_type == FG_KEY_TEXT ? "text"
					: a->key_type == FG_KEY_BOOL ? "boolean" : "integer");
		json_key(buf, "categories", false);
		appendStringInfoChar(buf, '[');
		for (uint32 i = 0; i < a->n_cats; i++)
		{
			if (i > 0)
				appendStringInfoString(buf, ", ");
			json_label(buf, a, i);
		}
		appendStringInfoChar(buf, ']');
		json_key(buf, "train_disparate_impact", false);
		json_number(buf, k < m->n_attr_di ? m->attr_di[k] : NAN);
		appendStringInfoChar(buf, '}');
	}
	appendStringInfoChar(buf, ']');

	json_key(buf, "fairness_terms", false);
	appendStringInfoChar(buf, '[');
	for (uint32 t = 0; t < m->n_terms; t++)
	{
		const fg_term_fit *term = &m->terms[t];

		if (t > 0)
			appendStringInfoString(buf, ", ");
		appendStringInfoChar(buf, '{');
		json_key(buf, "attribute", true);
		appendStringInfo(buf, "%u", term->attr + 1);
		json_key(buf, "category", false);
		/* the decoder checked attr and category against the attributes */
		json_label(buf, &m->attrs[term->attr], term->category);
		json_key(buf, "notion", false);
		escape_json(buf, term->outcome < 0 ? "demographic_parity"
					: m->opt.fairness == FG_FAIRNESS_EQUALIZED_ODDS ? "equalized_odds"
					: "equal_opportunity");
		json_key(buf, "rows", false);
		escape_json(buf, term->outcome < 0 ? "all" : term->outcome == 1 ? "y = 1" : "y = 0");
		json_key(buf, "weight", false);
		json_number(buf, term->weight);
		json_key(buf, "share", false);
		json_number(buf, term->share);
		json_key(buf, "covariance", false);
		json_number(buf, term->cov);
		json_key(buf, "bound", false);
		json_number(buf, term->bound);	/* null when unconstrained (infinite) */
		json_key(buf, "multiplier", false);
		json_number(buf, term->multiplier);
		appendStringInfoChar(buf, '}');
	}
	appendStringInfoChar(buf, ']');
}

/* fairglmm_info(model) returns jsonb */
Datum
fairglmm_info(PG_FUNCTION_ARGS)
{
	const fg_model *m = get_model(fcinfo, 0);
	StringInfoData buf;
	char		name[32];

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	json_key(&buf, "format_version", true);
	appendStringInfo(&buf, "%d", m->format_version);
	json_key(&buf, "method", false);
	escape_json(&buf, fg_method_name(m->opt.method));

	json_key(&buf, "options", false);
	json_options(&buf, m);

	json_key(&buf, "rows_used", false);
	appendStringInfo(&buf, UINT64_FORMAT, m->rows_used);
	json_key(&buf, "rows_skipped", false);
	appendStringInfo(&buf, UINT64_FORMAT, m->rows_skipped);
	json_key(&buf, "p", false);
	appendStringInfo(&buf, "%d", m->p);
	json_key(&buf, "n_strata", false);
	appendStringInfo(&buf, "%u", m->n_strata);
	json_key(&buf, "strata_type", false);
	appendStringInfoString(&buf, m->key_type == FG_KEY_TEXT ? "\"text\"" :
						   m->key_type == FG_KEY_INT ? "\"integer\"" : "null");

	json_key(&buf, "coefficients", false);
	appendStringInfoChar(&buf, '{');
	json_key(&buf, "intercept", true);
	json_number(&buf, m->intercept);
	for (int j = 0; j < m->p; j++)
	{
		json_key(&buf, feature_name(m, j, name, sizeof(name)), false);
		json_number(&buf, m->beta[j]);
	}
	appendStringInfoChar(&buf, '}');

	json_rho_lambda_c(&buf, m, false);
	json_key(&buf, "multiplier", false);
	json_number(&buf, m->multiplier);
	json_key(&buf, "iterations", false);
	appendStringInfo(&buf, "%d", m->iterations);
	json_key(&buf, "converged", false);
	appendStringInfoString(&buf, m->converged ? "true" : "false");
	json_key(&buf, "gradient_norm", false);
	json_number(&buf, m->grad_norm);
	json_key(&buf, "objective", false);
	json_number(&buf, m->objective);
	json_key(&buf, "train_accuracy", false);
	json_number(&buf, m->train_accuracy);
	json_key(&buf, "train_disparate_impact", false);
	json_number(&buf, m->train_di);
	json_key(&buf, "train_covariance", false);
	json_number(&buf, m->train_cov);
	json_fairness(&buf, m);

	/* the separation report: terms by name, 0 being the intercept */
	json_key(&buf, "separated_rows", false);
	appendStringInfo(&buf, UINT64_FORMAT, m->separated_rows);
	json_key(&buf, "unidentified", false);
	appendStringInfoChar(&buf, '[');
	for (uint32 k = 0; k < m->n_unidentified; k++)
	{
		uint32		term = m->unidentified[k];

		if (k > 0)
			appendStringInfoString(&buf, ", ");
		/* the decoder checked term <= p */
		escape_json(&buf, term == 0 ? "intercept" : feature_name(m, (int) term - 1, name, sizeof(name)));
	}
	appendStringInfoChar(&buf, ']');

	/* boosting results; null for the Newton methods */
	{
		bool		boosted = fg_method_is_boosting(m->opt.method);

		json_key(&buf, "random_intercept_variance", false);
		json_number(&buf, boosted ? m->q : NAN);
		json_key(&buf, "random_intercept_sd", false);
		json_number(&buf, boosted ? sqrt(m->q) : NAN);
		json_key(&buf, "steps", false);
		if (boosted)
			appendStringInfo(&buf, "%d", m->steps);
		else
			appendStringInfoString(&buf, "null");
		json_key(&buf, "stop_reason", false);
		appendStringInfoString(&buf, !boosted ? "null" :
							   m->stop_reason == FG_STOP_TOL_Q ? "\"tol_q\"" : "\"max_steps\"");
		json_key(&buf, "bic", false);
		json_number(&buf, boosted ? m->bic : NAN);
		json_key(&buf, "selected", false);
		if (m->selected)
		{
			appendStringInfoChar(&buf, '{');
			for (int j = 0; j < m->p; j++)
			{
				json_key(&buf, feature_name(m, j, name, sizeof(name)), j == 0);
				appendStringInfo(&buf, "%u", m->selected[j]);
			}
			appendStringInfoChar(&buf, '}');
		}
		else
			appendStringInfoString(&buf, "null");
	}
	appendStringInfoChar(&buf, '}');

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/* fairglmm_coefficients(model) returns table(term text, estimate float8) */
Datum
fairglmm_coefficients(PG_FUNCTION_ARGS)
{
	const fg_model *m = get_model(fcinfo, 0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	char		name[32];

	InitMaterializedSRF(fcinfo, 0);
	values[0] = CStringGetTextDatum("intercept");
	values[1] = Float8GetDatum(m->intercept);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	for (int j = 0; j < m->p; j++)
	{
		values[0] = CStringGetTextDatum(feature_name(m, j, name, sizeof(name)));
		values[1] = Float8GetDatum(m->beta[j]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* fairglmm_random_effects(model) returns table(stratum text, effect float8, n bigint) */
Datum
fairglmm_random_effects(PG_FUNCTION_ARGS)
{
	const fg_model *m = get_model(fcinfo, 0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	InitMaterializedSRF(fcinfo, 0);
	for (uint32 i = 0; i < m->n_strata; i++)
	{
		const char *key = (const char *) m->keys + m->key_offsets[i];
		int			len = (int) (m->key_offsets[i + 1] - m->key_offsets[i]);

		if (m->key_type == FG_KEY_INT)
			values[0] = CStringGetTextDatum(psprintf(INT64_FORMAT,
													 fg_key_to_int64((const uint8 *) key)));
		else					/* validated when the model was decoded */
			values[0] = PointerGetDatum(cstring_to_text_with_len(key, len));
		values[1] = Float8GetDatum(m->b[i]);
		values[2] = Int64GetDatum((int64) m->stratum_rows[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
