/*
 * model_sql.c -- SQL functions that read a model: scoring, classification
 * and introspection.  A model of the binomial family predicts P(y = 1); one
 * of the gaussian family predicts the mean of y, and has no classes.
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
#include "utils/timestamp.h"

#include "model_index.h"
#include "module.h"
#include "normal.h"
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
PG_FUNCTION_INFO_V1(fairglmm_vcov);
PG_FUNCTION_INFO_V1(fairglmm_summary);

/* stratum_index's answer for a stratum the model has no random intercept for */
#define UNSEEN_STRATUM	(-2)

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
	/* the text categories of the sensitive attributes are handed out too */
	for (uint32 k = 0; k < m->n_attr; k++)
	{
		const fg_model_attr *a = &m->attrs[k];

		if (a->key_type != FG_KEY_TEXT)
			continue;
		for (uint32 i = 0; i < a->n_cats; i++)
		{
			const char *label = (const char *) a->keys + a->key_offsets[i];
			int			len = (int) (a->key_offsets[i + 1] - a->key_offsets[i]);

			if (!pg_verifymbstr(label, len, true) || memchr(label, '\0', len) != NULL)
				corrupt_text("A category of a sensitive attribute is not valid text in the database encoding.");
		}
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

/*
 * The model's index of the stratum argument; -1 for a NULL stratum or a
 * model without strata, UNSEEN_STRATUM for a stratum the model has not seen.
 */
static int64
stratum_index(FunctionCallInfo fcinfo, model_cache *cache, int argno)
{
	int64		idx;

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

		idx = fg_model_index_find(model, &cache->index, (const uint8 *) VARDATA_ANY(t),
								  VARSIZE_ANY_EXHDR(t));
	}
	else
		idx = fg_model_index_find_int(model, &cache->index,
									  type == INT8OID ? PG_GETARG_INT64(argno) : PG_GETARG_INT32(argno));
	return idx >= 0 ? idx : UNSEEN_STRATUM;
}

/*
 * A stratum the model has not seen, under fairglmm.unseen_strata: -1 (score
 * at population level), false (return NULL), or an error naming it.
 */
static bool
unseen_stratum(FunctionCallInfo fcinfo, model_cache *cache, int argno, int64 *idx)
{
	char	   *label;

	switch (fgsql_unseen_strata)
	{
		case FGSQL_UNSEEN_NULL:
			return false;
		case FGSQL_UNSEEN_ERROR:
			if (cache->strata_type == TEXTOID)
				label = text_to_cstring(PG_GETARG_TEXT_PP(argno));
			else
				label = psprintf(INT64_FORMAT, cache->strata_type == INT8OID
								 ? PG_GETARG_INT64(argno) : (int64) PG_GETARG_INT32(argno));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("stratum \"%s\" is not in the model", label),
					 errdetail_plural("The model has a random intercept for %u stratum seen in training, and fairglmm.unseen_strata is \"error\".",
									  "The model has random intercepts for %u strata seen in training, and fairglmm.unseen_strata is \"error\".",
									  cache->model.n_strata, cache->model.n_strata),
					 errhint("Set fairglmm.unseen_strata to \"population\" to score such rows without a random intercept, or to \"null\" to get NULL for them; fairglmm_seen(model, strata) tells which rows they are.")));
			break;
		default:
			break;
	}
	*idx = -1;
	return true;
}

static bool
is_gaussian(const fg_model *m)
{
	return m->opt.family == FG_FAMILY_GAUSSIAN;
}

/*
 * P(y = 1) for one call (the predicted mean for a gaussian model), or false
 * for a NULL result.
 */
static bool
predict_one(FunctionCallInfo fcinfo, bool with_strata, double *prob)
{
	model_cache *cache;
	const double *x;
	short_array_buf buf;
	double		eta;
	int64		idx = -1;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return false;
	cache = get_model_cache(fcinfo, 0);
	if (!scoring_features(&cache->model, PG_GETARG_DATUM(1), &buf, &x))
		return false;
	if (with_strata)
	{
		idx = stratum_index(fcinfo, cache, 2);
		if (idx == UNSEEN_STRATUM && !unseen_stratum(fcinfo, cache, 2, &idx))
			return false;
	}
	eta = fg_model_eta(&cache->model, x, idx);
	/* the features are checked only when the result says something is off */
	if (!isfinite(eta))
		check_finite_features(x, cache->model.p);
	/* a mean: the linear predictor itself, which must not overflow */
	if (is_gaussian(&cache->model))
	{
		if (!isfinite(eta))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("the predicted mean is out of range for double precision"),
					 errdetail("Terms of x'beta overflow, so the prediction of this gaussian model is not a number."),
					 errhint("Rescale the features; values near the double precision limit overflow.")));
		*prob = eta;
		return true;
	}
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

/*
 * fairglmm_predict(model, x, strata): P(y = 1); b = 0 for a NULL stratum,
 * and for an unseen one as fairglmm.unseen_strata says
 */
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

	/* refused whatever the row holds, so the mistake shows on the first call */
	if (!PG_ARGISNULL(0) && is_gaussian(get_model(fcinfo, 0)))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("fairglmm_classify needs a model of the binomial family"),
				 errdetail("The model was fitted with option \"family\" \"gaussian\": it predicts the mean of a continuous y, not a probability."),
				 errhint("Use fairglmm_predict for the predicted mean, and compare it with a cut of your own where classes are needed.")));
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

/* rho, lambda and c (null when unused), at the top level as in 1.0 */
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

/* Options shown at the top level of fairglmm_info (where 1.0 had them), not in "options". */
static bool
top_level_option(const fg_option_def *def)
{
	return strcmp(def->name, "method") == 0 || strcmp(def->name, "rho") == 0 ||
		strcmp(def->name, "lambda") == 0 || strcmp(def->name, "c") == 0;
}

/* target: an object of the metric and its level, or null */
static void
json_target(StringInfo buf, const fg_model *m)
{
	const fg_option_def *def = fg_option_find("target_metric", 13);

	if (isnan(m->opt.target))
	{
		appendStringInfoString(buf, "null");
		return;
	}
	appendStringInfoChar(buf, '{');
	escape_json(buf, fg_option_enum_name(def, m->opt.target_metric));
	appendStringInfoString(buf, ": ");
	json_number(buf, m->opt.target);
	appendStringInfoChar(buf, '}');
}

/* The "options" object: every other row of the core's option table. */
static void
json_options(StringInfo buf, const fg_model *m)
{
	bool		first = true;

	appendStringInfoChar(buf, '{');
	for (int i = 0; i < fg_option_count; i++)
	{
		const fg_option_def *def = &fg_option_table[i];

		/* the per-attribute bounds appear as option "c" */
		if ((def->flags & FG_OPTION_INTERNAL) || top_level_option(def))
			continue;
		json_key(buf, def->name, first);
		first = false;
		switch (def->type)
		{
			case FG_OPTION_NUMBER:
				/*
				 * An option that was not given is null.  c is the only one
				 * that may be unset; has_c says whether it was given as a
				 * number (in version 2 exactly when c is not NaN), and it
				 * may have been given as an object of bounds instead.
				 */
				if (def->offset == offsetof(fg_options, target))
					json_target(buf, m);
				else if (def->flags & FG_OPTION_UNSET)
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
				/* an integer that may be unset is 0 when it was not given */
				if ((def->flags & FG_OPTION_UNSET) && fg_option_get_integer(&m->opt, def) == 0)
					appendStringInfoString(buf, "null");
				else if (def->size == sizeof(uint64))
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
		json_number(buf, k < m->n_attr_di && !is_gaussian(m) ? m->attr_di[k] : NAN);
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

/* The fit statistics of a model; get_fit_stats is false when it records no likelihood (1.0). */
typedef struct fit_stats
{
	double		loglik,
				deviance,
				null_deviance,
				df,
				aic,
				bic;
} fit_stats;

static bool get_fit_stats(const fg_model *m, fit_stats *f);
static char *created_text(int64 unix_usec);

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
	/* classification metrics: a gaussian model has no classes */
	json_key(&buf, "train_accuracy", false);
	json_number(&buf, is_gaussian(m) ? NAN : m->train_accuracy);
	json_key(&buf, "train_disparate_impact", false);
	json_number(&buf, is_gaussian(m) ? NAN : m->train_di);
	json_key(&buf, "train_covariance", false);
	json_number(&buf, m->train_cov);
	/* option "target": the rho the search found and the level it reached */
	if (!isnan(m->opt.target))
	{
		json_key(&buf, "target_rho", false);
		json_number(&buf, m->opt.rho);
		json_key(&buf, "target_reached", false);
		json_number(&buf, m->target_reached);
	}
	/* fair_threshold: the sweeps, the disparity at its thresholds and over every threshold */
	if (m->opt.method == FG_METHOD_FAIR_THRESHOLD)
	{
		json_key(&buf, "sweeps", false);
		appendStringInfo(&buf, "%d", m->sweeps);
		json_key(&buf, "threshold_disparity", false);
		json_number(&buf, m->threshold_gap);
		json_key(&buf, "parity_ks", false);
		json_number(&buf, m->parity_ks);
		json_key(&buf, "thresholds", false);
		appendStringInfoChar(&buf, '[');
		for (uint32 j = 0; j < m->n_thresholds; j++)
		{
			if (j > 0)
				appendStringInfoString(&buf, ", ");
			json_number(&buf, m->thresholds[j]);
		}
		appendStringInfoChar(&buf, ']');
	}
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

	/*
	 * Fit statistics of every method (null for models of 1.0, df and what
	 * needs it also for a penalised fit without covariance), in an object of
	 * their own: the top-level "bic" is boosting's criterion since 1.0.
	 */
	{
		fit_stats	fs;
		bool		known = get_fit_stats(m, &fs);

		json_key(&buf, "fit_statistics", false);
		appendStringInfoChar(&buf, '{');
		json_key(&buf, "loglik", true);
		json_number(&buf, known ? fs.loglik : NAN);
		/* least squares reports its residuals below instead of deviances */
		json_key(&buf, "deviance", false);
		json_number(&buf, known && !is_gaussian(m) ? fs.deviance : NAN);
		json_key(&buf, "null_deviance", false);
		json_number(&buf, known && !is_gaussian(m) ? fs.null_deviance : NAN);
		json_key(&buf, "df", false);
		json_number(&buf, known ? fs.df : NAN);
		json_key(&buf, "aic", false);
		json_number(&buf, known ? fs.aic : NAN);
		json_key(&buf, "bic", false);
		json_number(&buf, known ? fs.bic : NAN);
		if (is_gaussian(m))
		{
			json_key(&buf, "residual_variance", false);
			json_number(&buf, m->sigma2);
			json_key(&buf, "rmse", false);
			json_number(&buf, m->rmse);
			json_key(&buf, "r_squared", false);
			json_number(&buf, m->r2);
		}
		appendStringInfoChar(&buf, '}');
	}
	/* when and by which version: null for models of 1.0 */
	{
		char	   *when = m->created_at != 0 ? created_text(m->created_at) : NULL;

		json_key(&buf, "created_at", false);
		if (when != NULL)
			escape_json(&buf, when);
		else
			appendStringInfoString(&buf, "null");
		json_key(&buf, "extension_version", false);
		if (m->ext_version[0] != '\0')
			escape_json(&buf, m->ext_version);
		else
			appendStringInfoString(&buf, "null");
	}
	appendStringInfoChar(&buf, '}');

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/* The standard error of coefficient j of (intercept, beta); NaN without a covariance. */
static double
coef_se(const fg_model *m, int j)
{
	int			k = m->p + 1;

	return m->vcov != NULL ? sqrt(m->vcov[(size_t) j * k + j]) : NAN;
}

static const char *
coef_name(const fg_model *m, int j, char *buf, size_t len)
{
	return j == 0 ? "intercept" : feature_name(m, j - 1, buf, len);
}

/* The level argument of the Wald intervals: strictly between 0 and 1. */
static double
wald_level(FunctionCallInfo fcinfo, int argno)
{
	double		level = PG_NARGS() > argno ? PG_GETARG_FLOAT8(argno) : 0.95;

	if (!(level > 0.0 && level < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("level must lie strictly between 0 and 1"),
				 errdetail("level is %g.", level),
				 errhint("Pass the confidence level as a fraction, such as 0.95.")));
	return level;
}

/*
 * fairglmm_coefficients(model [, level]) returns table(term, estimate,
 * std_error, z_value, p_value, conf_low, conf_high, odds_ratio): Wald tests
 * and intervals from the stored covariance; the inference columns are NULL
 * when the model has none (vcov "none", models of 1.0), z and p also when a
 * standard error is 0 (a coefficient an active constraint fixes), and
 * odds_ratio for a gaussian model.  A database
 * still at extension version 1.0 declares the function with two columns
 * (term, estimate): the result's row type says which.
 */
Datum
fairglmm_coefficients(PG_FUNCTION_ARGS)
{
	const fg_model *m = get_model(fcinfo, 0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[8];
	bool		nulls[8];
	char		name[32];
	double		q = 0.0;
	int			natts;

	InitMaterializedSRF(fcinfo, 0);
	natts = rsinfo->setDesc->natts;
	if (natts != 2 && natts != 8)
		elog(ERROR, "fairglmm_coefficients declared with %d columns", natts);
	if (natts == 8)
		q = fg_qnorm((1.0 + wald_level(fcinfo, 1)) / 2.0);
	for (int j = 0; j <= m->p; j++)
	{
		double		est = j == 0 ? m->intercept : m->beta[j - 1];
		double		se = coef_se(m, j);

		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum(coef_name(m, j, name, sizeof(name)));
		values[1] = Float8GetDatum(est);
		if (natts == 8)
		{
			values[2] = Float8GetDatum(se);
			values[3] = Float8GetDatum(est / se);
			values[4] = Float8GetDatum(fg_two_sided_p(est / se));
			values[5] = Float8GetDatum(est - q * se);
			values[6] = Float8GetDatum(est + q * se);
			values[7] = Float8GetDatum(exp(est));
			nulls[2] = nulls[5] = nulls[6] = isnan(se);
			nulls[3] = nulls[4] = !(se > 0.0);
			/* a coefficient of least squares is a difference in means, not a log odds ratio */
			nulls[7] = is_gaussian(m);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * fairglmm_vcov(model) returns table(row_term, col_term, covariance): the
 * (1 + p)^2 entries of the fixed effects' covariance, row by row; no rows
 * for a model without one.
 */
Datum
fairglmm_vcov(PG_FUNCTION_ARGS)
{
	const fg_model *m = get_model(fcinfo, 0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	char		name[32];
	int			k = m->p + 1;
	Datum	   *names;

	InitMaterializedSRF(fcinfo, 0);
	if (m->vcov == NULL)
		return (Datum) 0;
	names = palloc(sizeof(Datum) * k);
	for (int j = 0; j < k; j++)
		names[j] = CStringGetTextDatum(coef_name(m, j, name, sizeof(name)));
	for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++)
		{
			values[0] = names[i];
			values[1] = names[j];
			values[2] = Float8GetDatum(m->vcov[(size_t) i * k + j]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	return (Datum) 0;
}

/* Stratum i's key as text: the integer, or the text label. */
static char *
stratum_label(const fg_model *m, uint32 i)
{
	const char *key = (const char *) m->keys + m->key_offsets[i];
	int			len = (int) (m->key_offsets[i + 1] - m->key_offsets[i]);

	if (m->key_type == FG_KEY_INT)
		return psprintf(INT64_FORMAT, fg_key_to_int64((const uint8 *) key));
	return pnstrdup(key, len);	/* validated when the model was decoded */
}

/*
 * fairglmm_random_effects(model) returns table(stratum text, effect float8,
 * n bigint, std_error float8): std_error is the conditional standard error
 * of the random intercept (NULL when the model stores none); a database at
 * 1.0 declares the first three columns only.
 */
Datum
fairglmm_random_effects(PG_FUNCTION_ARGS)
{
	const fg_model *m = get_model(fcinfo, 0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	int			natts;

	InitMaterializedSRF(fcinfo, 0);
	natts = rsinfo->setDesc->natts;
	if (natts != 3 && natts != 4)
		elog(ERROR, "fairglmm_random_effects declared with %d columns", natts);
	nulls[3] = m->b_se == NULL;
	for (uint32 i = 0; i < m->n_strata; i++)
	{
		values[0] = CStringGetTextDatum(stratum_label(m, i));
		values[1] = Float8GetDatum(m->b[i]);
		values[2] = Int64GetDatum((int64) m->stratum_rows[i]);
		values[3] = Float8GetDatum(m->b_se != NULL ? m->b_se[i] : 0.0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------- fairglmm_summary ---------- */

/* R's significance stars */
static const char *
stars(double p)
{
	if (isnan(p))
		return "";
	return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : p < 0.1 ? "." : "";
}

/* A number in at most width characters and 4 significant digits; "NA" for NaN. */
static char *
num(double v)
{
	if (isnan(v))
		return pstrdup("NA");
	if (isinf(v))
		return pstrdup(v > 0 ? "Inf" : "-Inf");
	if (v == 0.0)
		return pstrdup("0");
	return psprintf("%.4g", v);
}

/* A p-value the way R prints one: "< 2e-16" below the double precision epsilon. */
static char *
pval(double p)
{
	if (isnan(p))
		return pstrdup("NA");
	if (p < 2.220446e-16)
		return pstrdup("< 2e-16");
	return psprintf("%.3g", p);
}

static const char *
vcov_words(int type)
{
	return type == FG_VCOV_MODEL ? "model-based"
		: type == FG_VCOV_ROBUST ? "robust, clustered by stratum" : "none";
}

/* created_at as "YYYY-MM-DD HH:MM:SS.ffffff+00" (UTC whatever the session's time zone) */
static char *
created_text(int64 unix_usec)
{
	Timestamp	ts = (Timestamp) (unix_usec -
								  (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY);
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		return NULL;
	return psprintf("%04d-%02d-%02d %02d:%02d:%02d.%06d+00", tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, (int) fsec);
}


static bool
get_fit_stats(const fg_model *m, fit_stats *f)
{
	/* a gaussian model also estimates sigma^2: one parameter more, as R's AIC(lm) counts */
	double		k = m->edf + (is_gaussian(m) ? 1.0 : 0.0);

	f->loglik = m->loglik;
	f->deviance = -2.0 * m->loglik;
	f->null_deviance = -2.0 * m->null_loglik;
	f->df = m->edf;
	f->aic = f->deviance + 2.0 * k;
	f->bic = f->deviance + k * log((double) m->rows_used);
	return !isnan(m->loglik);
}

/* Category label i of attribute a as plain text. */
static char *
attr_label(const fg_model_attr *a, uint32 i)
{
	const uint8 *key = a->keys == NULL ? NULL : a->keys + a->key_offsets[i];
	size_t		len = (size_t) (a->key_offsets[i + 1] - a->key_offsets[i]);

	if (a->key_type == FG_KEY_TEXT)
		return pnstrdup((const char *) key, len);
	if (a->key_type == FG_KEY_BOOL)
		return pstrdup(fg_key_to_int64(key) ? "true" : "false");
	return psprintf(INT64_FORMAT, fg_key_to_int64(key));
}

/* Pad s with spaces to width w, on the left (right-aligned) or right. */
static void
cell(StringInfo buf, const char *s, int w, bool right)
{
	int			n = pg_mbstrlen(s);

	if (right)
		appendStringInfoSpaces(buf, Max(w - n, 0));
	appendStringInfoString(buf, s);
	if (!right)
		appendStringInfoSpaces(buf, Max(w - n, 0));
}

/*
 * fairglmm_summary(model) returns text: the model as summary(glmer) shows
 * one, in lines of plain text for psql; a gaussian model as summary(lm)
 * would, with its residuals and R^2 where a binomial one has deviances,
 * accuracy and separation.
 */
Datum
fairglmm_summary(PG_FUNCTION_ARGS)
{
	const fg_model *m = get_model(fcinfo, 0);
	StringInfoData buf;
	char		name[32];
	int			k = m->p + 1;
	int			w = 9;
	bool		boosted = fg_method_is_boosting(m->opt.method);
	bool		gaussian = is_gaussian(m);
	bool		threshold = m->opt.method == FG_METHOD_FAIR_THRESHOLD;
	fit_stats	fs;
	char	   *when = m->created_at != 0 ? created_text(m->created_at) : NULL;

	initStringInfo(&buf);

	/* what, by whom and when */
	appendStringInfo(&buf, "fairglmm model: %s", fg_method_name(m->opt.method));
	if (fg_method_is_fair(m->opt.method))
		appendStringInfo(&buf, ", %s", fg_fairness_name((fg_fairness_notion) m->opt.fairness));
	if (gaussian)
		appendStringInfoString(&buf, ", gaussian family (least squares)");
	if (m->ext_version[0] != '\0')
		appendStringInfo(&buf, "; fitted by fairglmm %s", m->ext_version);
	if (when != NULL)
		appendStringInfo(&buf, " at %s", when);
	appendStringInfo(&buf, " (model format %d)\n", m->format_version);

	/* the data */
	appendStringInfo(&buf, "Data: " UINT64_FORMAT " rows used, " UINT64_FORMAT " skipped; %d feature%s",
					 m->rows_used, m->rows_skipped, m->p, m->p == 1 ? "" : "s");
	if (m->n_strata > 0)
		appendStringInfo(&buf, "; %u strata (%s keys)", m->n_strata,
						 m->key_type == FG_KEY_TEXT ? "text" : "integer");
	if (m->weighted)
		appendStringInfo(&buf, "; weighted (%s, weight sum %s)",
						 m->opt.weight_scale == FG_WEIGHTS_AS_GIVEN ? "as_given" : "mean_one",
						 num(m->weight_sum));
	appendStringInfoString(&buf, "\n");
	appendStringInfo(&buf, "Settings: rho %s, lambda %s, l2 %s", num(m->opt.rho), num(m->opt.lambda),
					 num(m->opt.l2));
	if (m->has_c)
		appendStringInfo(&buf, ", c %s", num(m->opt.c));
	/* a gaussian model classifies nothing: no threshold to show */
	if (threshold)
		appendStringInfo(&buf, ", %u thresholds\n", m->n_thresholds);
	else if (gaussian)
		appendStringInfoString(&buf, "\n");
	else
		appendStringInfo(&buf, ", threshold %s\n", num(m->opt.threshold));

	/* the fairness terms */
	if (m->n_terms > 0)
	{
		appendStringInfoString(&buf, "\nFairness terms (covariance of the category's indicator with the linear predictor):\n");
		appendStringInfoString(&buf, "  attribute  category              notion              rows    covariance     bound  multiplier\n");
		for (uint32 t = 0; t < m->n_terms; t++)
		{
			const fg_term_fit *term = &m->terms[t];
			char	   *label = attr_label(&m->attrs[term->attr], term->category);

			appendStringInfoString(&buf, "  ");
			cell(&buf, psprintf("%u", term->attr + 1), 9, true);
			appendStringInfoString(&buf, "  ");
			cell(&buf, label, 20, false);
			appendStringInfoString(&buf, "  ");
			cell(&buf, term->outcome < 0 ? "demographic_parity"
				 : m->opt.fairness == FG_FAIRNESS_EQUALIZED_ODDS ? "equalized_odds" : "equal_opportunity",
				 18, false);
			cell(&buf, term->outcome < 0 ? "all" : term->outcome == 1 ? "y = 1" : "y = 0", 6, true);
			cell(&buf, num(term->cov), 14, true);
			cell(&buf, isinf(term->bound) ? "none" : num(term->bound), 10, true);
			cell(&buf, num(term->multiplier), 12, true);
			appendStringInfoString(&buf, "\n");
		}
	}

	/* the fixed effects */
	for (int j = 0; j < k; j++)
		w = Max(w, pg_mbstrlen(coef_name(m, j, name, sizeof(name))));
	appendStringInfo(&buf, "\nFixed effects (standard errors: %s", vcov_words(m->vcov_type));
	if (m->vcov != NULL)
		appendStringInfoString(&buf, ", given rho, lambda or Q, and l2");
	appendStringInfoString(&buf, "):\n");
	cell(&buf, "", w, false);
	appendStringInfoString(&buf, "    Estimate  Std. Error   z value  Pr(>|z|)\n");
	for (int j = 0; j < k; j++)
	{
		double		est = j == 0 ? m->intercept : m->beta[j - 1];
		double		se = coef_se(m, j);
		double		z = se > 0.0 ? est / se : NAN;
		double		p = fg_two_sided_p(z);

		cell(&buf, coef_name(m, j, name, sizeof(name)), w, false);
		cell(&buf, num(est), 12, true);
		cell(&buf, num(se), 12, true);
		cell(&buf, isnan(z) ? "NA" : psprintf("%.3f", z), 10, true);
		cell(&buf, pval(p), 10, true);
		if (stars(p)[0] != '\0')
			appendStringInfo(&buf, " %s", stars(p));
		appendStringInfoString(&buf, "\n");
	}
	if (m->vcov != NULL)
		appendStringInfoString(&buf, "---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n");
	else if (threshold)
		appendStringInfoString(&buf, "(no standard errors: the disparity at the thresholds makes the objective nonsmooth)\n");
	else
		appendStringInfoString(&buf, "(no covariance stored: fit with option \"vcov\" \"model\" or \"robust\" for standard errors)\n");

	/* the random intercepts */
	if (m->n_strata > 0)
	{
		double		lo = INFINITY,
					hi = -INFINITY;

		for (uint32 i = 0; i < m->n_strata; i++)
		{
			lo = Min(lo, m->b[i]);
			hi = Max(hi, m->b[i]);
		}
		appendStringInfo(&buf, "\nRandom intercepts: %u strata, from %s to %s\n", m->n_strata, num(lo), num(hi));
		if (boosted)
			appendStringInfo(&buf, "  variance Q %s (SD %s), estimated by boosting\n",
							 num(m->q), num(sqrt(m->q)));
		else if (gaussian)
		{
			/* the squared loss is sigma^2 times the negative log-likelihood */
			double		v = m->sigma2 / (2.0 * m->opt.lambda);

			appendStringInfo(&buf, "  ridge lambda %s: the penalty of a normal prior with variance sigma^2/(2 lambda) = %s (SD %s); fixed, not estimated\n",
							 num(m->opt.lambda), num(v), num(sqrt(v)));
		}
		else
			appendStringInfo(&buf, "  ridge lambda %s: the penalty of a normal prior with variance 1/(2 lambda) = %s (SD %s); fixed, not estimated\n",
							 num(m->opt.lambda), num(1.0 / (2.0 * m->opt.lambda)),
							 num(sqrt(1.0 / (2.0 * m->opt.lambda))));
	}

	/* fit statistics */
	if (gaussian)
	{
		get_fit_stats(m, &fs);
		appendStringInfo(&buf, "\nFit: log-likelihood %s, AIC %s, BIC %s, df %s\n",
						 num(fs.loglik), num(fs.aic), num(fs.bic), num(fs.df));
		appendStringInfo(&buf, "Residuals: standard error %s (variance %s); on the training rows RMSE %s, R^2 %s\n",
						 num(sqrt(m->sigma2)), num(m->sigma2), num(m->rmse), num(m->r2));
		if (threshold)
			appendStringInfo(&buf, "Fairness at every threshold: largest gap %s at the %u thresholds, %s over every threshold (parity_ks)\n",
							 num(m->threshold_gap), m->n_thresholds, num(m->parity_ks));
	}
	else
	{
		if (get_fit_stats(m, &fs))
			appendStringInfo(&buf, "\nFit: log-likelihood %s, deviance %s (null %s), AIC %s, BIC %s, df %s\n",
							 num(fs.loglik), num(fs.deviance), num(fs.null_deviance),
							 num(fs.aic), num(fs.bic), num(fs.df));
		else
			appendStringInfoString(&buf, "\nFit: no likelihood recorded (a model of fairglmm 1.0)\n");
		appendStringInfo(&buf, "Training: accuracy %s, disparate impact %s (threshold %s)\n",
						 num(m->train_accuracy), num(m->train_di), num(m->opt.threshold));
	}

	/* convergence, separation, warnings */
	if (threshold)
		appendStringInfo(&buf, "Convergence: %s after %d coordinate sweep%s (max_sweeps %d)\n",
						 m->converged ? "converged" : "did not converge",
						 m->sweeps, m->sweeps == 1 ? "" : "s", m->opt.max_sweeps);
	else if (boosted)
		appendStringInfo(&buf, "Convergence: %d boosting step%s, stopped by %s; Newton warm start %s after %d iteration%s\n",
						 m->steps, m->steps == 1 ? "" : "s",
						 m->stop_reason == FG_STOP_TOL_Q ? "tol_q" : "max_steps",
						 m->converged ? "converged" : "did not converge",
						 m->iterations, m->iterations == 1 ? "" : "s");
	else
		appendStringInfo(&buf, "Convergence: %s after %d Newton iteration%s (gradient norm %s)\n",
						 m->converged ? "converged" : "did not converge",
						 m->iterations, m->iterations == 1 ? "" : "s", num(m->grad_norm));
	if (gaussian)
	{
		/* least squares has no separation */
	}
	else if (m->separated_rows > 0)
	{
		appendStringInfo(&buf, "Separation: " UINT64_FORMAT " training row%s predicted with probability 0 or 1",
						 m->separated_rows, m->separated_rows == 1 ? "" : "s");
		for (uint32 t = 0; t < m->n_unidentified; t++)
			appendStringInfo(&buf, "%s%s", t == 0 ? "; not identified: " : ", ",
							 coef_name(m, (int) m->unidentified[t], name, sizeof(name)));
		appendStringInfoString(&buf, "\n");
	}
	else
		appendStringInfoString(&buf, "Separation: none\n");
	{
		bool		any = false;

		if (!m->converged)
		{
			appendStringInfoString(&buf, threshold
								   ? "Warning: the coordinate descent did not converge (raise \"max_sweeps\")\n"
								   : "Warning: Newton's method did not converge (raise \"max_iter\")\n");
			any = true;
		}
		if (boosted && m->stop_reason == FG_STOP_MAX_STEPS)
		{
			appendStringInfoString(&buf, "Warning: boosting stopped at \"max_steps\" before Q settled\n");
			any = true;
		}
		for (uint32 t = 0; t < m->n_terms; t++)
			if (m->terms[t].share <= 0.0 || m->terms[t].share >= 1.0)
			{
				appendStringInfo(&buf, "Warning: fairness term %u constrains nothing (share %s)\n",
								 t + 1, num(m->terms[t].share));
				any = true;
			}
		if (!any)
			appendStringInfoString(&buf, "Warnings: none\n");
	}
	/* no final newline: psql shows the text as it is */
	if (buf.len > 0 && buf.data[buf.len - 1] == '\n')
		buf.data[--buf.len] = '\0';
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}
