/*
 * train_pass.c -- fairglmm_train_pass, the aggregate behind each pass of
 * fairglmm_train (train_sql.c).
 *
 *   fairglmm_train_pass(y "any", x float8[], strata "any", sensitive "any",
 *                       weight float8, request bytea) -> bytea
 *
 * Rows are read exactly as fairglmm_fit reads them (fit_agg.c), into a
 * training state that never holds more than a block of rows: each full
 * block is added to the pass's accumulator (passes.h) with its strata and
 * categories renumbered by the first pass's sorted dictionaries, and
 * forgotten.  The first pass (a request of no kind) keeps only the
 * dictionaries.
 *
 * The state is a bytea, so that Citus can push the aggregate down to its
 * workers (it distributes an aggregate whose state type is not internal
 * and that has a combine function): while rows come in it is an expanded
 * object holding the live C state, and it becomes flat bytes
 * (pass_format.h) only when it leaves the backend, as a parallel worker's
 * or a Citus worker's partial state, or at the end.
 *
 * The request names the argument types too: Citus calls the transition
 * function without the call's expression, from which an "any" argument's
 * type would otherwise come.
 */
#include "postgres.h"

#include "access/transam.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "fit_state.h"
#include "model_format.h"
#include "pass_format.h"
#include "pg_env.h"
#include "pg_errors.h"
#include "train.h"

PG_FUNCTION_INFO_V1(fairglmm_train_pass_transfn);
PG_FUNCTION_INFO_V1(fairglmm_train_pass_combinefn);
PG_FUNCTION_INFO_V1(fairglmm_train_pass_finalfn);

/*
 * Rows buffered before they are added to the sums: about 4 MB of features,
 * 256 to 16384 rows.  Large blocks spread each block's fixed work (the
 * summary's per-stratum arrays, the solver's buffers) thin; the bound keeps
 * memory independent of the rows.
 */
#define PASS_BLOCK_BYTES ((size_t) 4 << 20)
#define PASS_BLOCK_MIN_ROWS 256
#define PASS_BLOCK_MAX_ROWS 16384

static uint64
block_rows(int p)
{
	size_t		rows = PASS_BLOCK_BYTES / (8 * (size_t) (p > 0 ? p : 1));

	return Max(PASS_BLOCK_MIN_ROWS, Min(PASS_BLOCK_MAX_ROWS, rows));
}

/* The request is the sixth argument (after the state, y, x, strata, sensitive, weight). */
#define REQUEST_ARG 6

typedef struct pass_state
{
	ExpandedObjectHeader hdr;
	MemoryContext cxt;
	fg_env		env;
	bool		first;			/* the first pass: dictionaries only */
	/* the rows' reader; NULL in a state decoded from bytes */
	fgsql_fit_state *reader;
	bytea	   *request;		/* a copy: the request's pointers point into it */
	fg_pass_request req;
	double	   *arrays;
	uint32		request_crc;
	/* the first pass: a state holding the merged dictionaries when decoded */
	fgsql_fit_state *dicts;
	/* later passes: the layout, the sums, and the first pass's sorted dictionaries */
	fg_pass_spec spec;
	double	   *acc;
	fgsql_fit_state *global;
	fg_data		global_data;
	uint32	   *strata_map;		/* reader's stratum index -> global (0: not yet known) */
	uint32		strata_mapped;
	uint32	   *cat_map[FG_MAX_ATTRIBUTES];
	uint32		cat_mapped[FG_MAX_ATTRIBUTES];
	/* one block of rows as the core takes them */
	uint32	   *b_stratum;
	uint8	   *b_s;
	uint32	   *b_codes;
} pass_state;

static Size pass_flat_size(ExpandedObjectHeader *eohptr);
static void pass_flatten(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods pass_methods = {pass_flat_size, pass_flatten};

static pass_state *
pass_new(MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "fairglmm_train pass state",
											  ALLOCSET_DEFAULT_SIZES);
	pass_state *ps = MemoryContextAllocZero(cxt, sizeof(pass_state));

	EOH_init_header(&ps->hdr, &pass_methods, cxt);
	ps->cxt = cxt;
	fgsql_env_init(&ps->env, cxt);
	return ps;
}

/* Our live state behind a datum, or NULL when the datum is flat bytes. */
static pass_state *
live_state(Datum d)
{
	ExpandedObjectHeader *eoh;

	if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
		return NULL;
	eoh = DatumGetEOHP(d);
	if (eoh->eoh_methods != &pass_methods)
		elog(ERROR, "fairglmm_train_pass called with a foreign state");
	return (pass_state *) eoh;
}

static void
bad_state(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid fairglmm_train pass state"),
			 errdetail("%s", detail)));
}

/* ---------- the first pass's dictionaries ---------- */

fgsql_fit_state *
fgsql_train_dictionaries(const uint8 *bytes, size_t len, MemoryContext cxt, bool sort)
{
	fg_env		env;
	fg_state_view view;
	fg_error	err;
	fgsql_fit_state *st;
	MemoryContext old;
	fg_status	status;

	fgsql_env_init(&env, cxt);
	if (fg_state_decode(&env, bytes, len, &view, &err) != FG_OK)
		fgsql_report_error(&err);
	if (!view.dictionaries)
		bad_state("The first pass's state holds rows or sums.");
	st = fgsql_fit_state_from_config(&view.config, false, cxt);
	old = MemoryContextSwitchTo(cxt);
	status = fg_train_set_dictionaries_only(&st->train, &err);
	if (status == FG_OK)
		status = fg_state_append(&st->train, &view, &err);
	if (status == FG_OK && sort)
	{
		fg_data		data;

		status = fg_train_data(&st->train, &data, &err);
	}
	MemoryContextSwitchTo(old);
	fg_state_view_release(&env, &view);
	if (status != FG_OK)
		fgsql_report_error(&err);
	return st;
}

/* ---------- creating a state from a request ---------- */

/*
 * The type of argument i (1 y, 3 strata, 4 sensitive): the call's, or the
 * request's when the call has no expression (Citus calls the transition
 * function so); the two must agree.  The request only names built-in
 * types, whose oids are the same on every node.
 */
static Oid
arg_type(FunctionCallInfo fcinfo, int i, Oid requested)
{
	Oid			t = get_fn_expr_argtype(fcinfo->flinfo, i);

	if (OidIsValid(t) && t != requested)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("argument %d of fairglmm_train_pass has type %s, but its request says %s",
						i, format_type_be(t), format_type_be(requested))));
	if (requested >= FirstNormalObjectId)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("fairglmm_train_pass takes built-in types only")));
	return requested;
}

/* The global description of the sensitive attributes, checked against the layout. */
static void
check_request_layout(pass_state *ps)
{
	fg_pass_spec *spec = &ps->spec;
	const fg_data *g = &ps->global_data;
	uint32		n_strata = ps->global->uses_strata ? g->n_strata : 0;

	if (spec->n_strata != n_strata || spec->n_attr != g->n_attr || spec->p != g->p ||
		spec->gaussian != ps->global->train.gaussian ||
		spec->weighted != ps->global->train.weighted)
		bad_state("The request's layout does not match its dictionaries.");
	for (uint32 a = 0; a < g->n_attr; a++)
		if (spec->n_cats[a] != g->n_cats[a])
			bad_state("The request's categories do not match its dictionaries.");
}

static pass_state *
pass_from_request(FunctionCallInfo fcinfo, MemoryContext aggcxt, bytea *request)
{
	pass_state *ps = pass_new(aggcxt);
	MemoryContext old = MemoryContextSwitchTo(ps->cxt);
	fg_error	err;
	Jsonb	   *options = NULL;
	Oid			y_type,
				strata_type,
				s_type;

	ps->request = (bytea *) PG_DETOAST_DATUM_COPY(PointerGetDatum(request));
	if (fg_pass_request_decode((const uint8 *) VARDATA(ps->request),
							   VARSIZE(ps->request) - VARHDRSZ, &ps->req, &err) != FG_OK ||
		fg_pass_request_arrays(&ps->env, &ps->req, &ps->arrays, &err) != FG_OK)
		fgsql_report_error(&err);
	y_type = arg_type(fcinfo, 1, ps->req.arg_types[0]);
	strata_type = arg_type(fcinfo, 3, ps->req.arg_types[1]);
	s_type = arg_type(fcinfo, 4, ps->req.arg_types[2]);
	memcpy(&ps->request_crc, (const char *) ps->request + VARSIZE(ps->request) - 4, 4);
	ps->first = ps->req.spec.kinds == 0;
	ps->spec = ps->req.spec;
	if (ps->req.options != NULL)
		options = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
													 CStringGetDatum(pnstrdup(ps->req.options,
																			  ps->req.options_len))));
	ps->reader = fgsql_fit_state_new(ps->cxt, y_type, strata_type, s_type, ps->spec.weighted,
									 false, ps->req.rho, ps->req.lambda, options);
	fgsql_fit_state_start(ps->reader, false);
	if (ps->first && fg_train_set_dictionaries_only(&ps->reader->train, &err) != FG_OK)
		fgsql_report_error(&err);
	if (!ps->first)
	{
		ps->global = fgsql_train_dictionaries(ps->req.dict, ps->req.dict_len, ps->cxt, true);
		if (fg_train_data(&ps->global->train, &ps->global_data, &err) != FG_OK)
			fgsql_report_error(&err);
		check_request_layout(ps);
		ps->acc = palloc(sizeof(double) * fg_pass_size(&ps->spec));
		fg_pass_init(&ps->spec, ps->acc);
		ps->b_stratum = palloc0(sizeof(uint32) * PASS_BLOCK_MAX_ROWS);
		ps->b_s = palloc0(PASS_BLOCK_MAX_ROWS);
		ps->b_codes = palloc0(sizeof(uint32) * PASS_BLOCK_MAX_ROWS * Max(ps->spec.n_attr, 1));
	}
	MemoryContextSwitchTo(old);
	return ps;
}

/* ---------- folding a block of rows ---------- */

/* The global index of a label in dictionary dict; an error when the first pass did not see it. */
static uint32
global_index(fg_strata_dict *dict, const uint8 *key, size_t len, const char *what)
{
	uint32		count = dict->count;
	fg_error	err;
	int64		idx = fg_dict_intern(dict, key, len, &err);

	if (idx < 0)
		fgsql_report_error(&err);
	if ((uint64) idx >= count)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the rows changed between the passes of fairglmm_train"),
				 errdetail("A %s appeared that the first pass over the source did not see.", what),
				 errhint("Train on a table that is not being written to, or inside a REPEATABLE READ transaction.")));
	return (uint32) idx;
}

/* Extend a map from the reader's dictionary to the global one for keys added since. */
static void
extend_map(pass_state *ps, const fg_strata_dict *local, fg_strata_dict *global, uint32 **map,
		   uint32 *mapped, const char *what)
{
	if (local->count <= *mapped)
		return;
	if (*map == NULL)
		*map = MemoryContextAlloc(ps->cxt, sizeof(uint32) * Max(local->count, 16));
	else
		*map = repalloc(*map, sizeof(uint32) * local->count);
	for (uint32 i = *mapped; i < local->count; i++)
	{
		size_t		len;
		const uint8 *key = fg_dict_key(local, i, &len);

		(*map)[i] = global_index(global, key, len, what);
	}
	*mapped = local->count;
}

/* The global category of the reader's row l for attribute a. */
static inline uint32
row_category(pass_state *ps, const fg_train *t, uint64 l, uint32 a)
{
	if (t->n_attr == 0)
	{
		/* a binary row where the first pass coded the attribute: labels 0 and 1 */
		uint8		key[8];

		fg_key_from_int64(t->s[l], key);
		return global_index(&ps->global->train.attrs[a], key, 8, "sensitive category");
	}
	return ps->cat_map[a][t->codes[l * t->n_attr + a]];
}

static void
fold_block(pass_state *ps)
{
	fg_train   *t = &ps->reader->train;
	const fg_data *g = &ps->global_data;
	uint64		n = t->n_rows;
	fg_data		block;
	fg_error	err;
	fg_status	status;
	MemoryContext old;

	if (n == 0)
		return;
	if (ps->first)
	{
		fg_train_forget_rows(t);
		return;
	}
	old = MemoryContextSwitchTo(ps->cxt);
	memset(&block, 0, sizeof(block));
	block.n_rows = (size_t) n;
	block.p = g->p;
	block.n_strata = g->n_strata;
	if (t->p != g->p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x arrays have different lengths"),
				 errdetail("A row has %d features; the first pass found %d.", t->p, g->p)));
	if (t->p > 0)
	{
		block.x_chunks = (const double *const *) t->chunks;
		block.x_chunk_shift = t->chunk_shift;
	}
	block.y = t->gaussian ? NULL : t->y;
	block.y_real = t->gaussian ? t->y_real : NULL;
	if (t->weighted)
	{
		block.w = t->w;
	}
	if (ps->global->uses_strata)
	{
		extend_map(ps, &t->dict, &ps->global->train.dict, &ps->strata_map, &ps->strata_mapped,
				   "stratum");
		for (uint64 l = 0; l < n; l++)
			ps->b_stratum[l] = ps->strata_map[t->stratum[l]];
		block.stratum = ps->b_stratum;
	}
	/* the attributes as the first pass described them: one binary s, s from two codes, or codes */
	if (ps->global->train.n_attr == 0)
	{
		if (t->n_attr != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the rows changed between the passes of fairglmm_train"),
					 errdetail("A sensitive value other than 0 and 1 appeared that the first pass did not see.")));
		block.s = t->s;
	}
	else
	{
		uint32		na = ps->global->train.n_attr;

		if (t->n_attr != 0 && t->n_attr != na)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("sensitive arrays have different lengths"),
					 errdetail("A row has %u attributes; the first pass found %u.", t->n_attr, na)));
		for (uint32 a = 0; a < na && t->n_attr > 0; a++)
			extend_map(ps, &t->attrs[a], &ps->global->train.attrs[a], &ps->cat_map[a],
					   &ps->cat_mapped[a], "sensitive category");
		if (g->n_attr == 0)
		{
			/* two categories, handed over as s: s = 1 for the second in sorted order */
			for (uint64 l = 0; l < n; l++)
				ps->b_s[l] = (uint8) row_category(ps, t, l, 0);
			block.s = ps->b_s;
		}
		else
		{
			for (uint64 l = 0; l < n; l++)
				for (uint32 a = 0; a < na; a++)
					ps->b_codes[l * na + a] = row_category(ps, t, l, a);
			block.n_attr = na;
			block.codes = ps->b_codes;
			block.n_cats = g->n_cats;
		}
	}
	status = fg_pass_add(&ps->env, &ps->spec, &block, ps->acc, &err);
	MemoryContextSwitchTo(old);
	if (status != FG_OK)
		fgsql_report_error(&err);
	fg_train_forget_rows(t);
}

/* ---------- flat bytes ---------- */

static Size
pass_flat_size(ExpandedObjectHeader *eohptr)
{
	pass_state *ps = (pass_state *) eohptr;

	if (ps->reader != NULL)
		fold_block(ps);
	if (ps->first)
	{
		const fgsql_fit_state *d = ps->dicts ? ps->dicts : ps->reader;

		return VARHDRSZ + fg_pass_dict_size(fg_state_encoded_size(&d->config, &d->train));
	}
	return VARHDRSZ + fg_pass_state_size(&ps->spec);
}

static void
pass_flatten(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	pass_state *ps = (pass_state *) eohptr;
	uint8	   *out = (uint8 *) VARDATA(result);
	size_t		len = allocated_size - VARHDRSZ;

	SET_VARSIZE(result, allocated_size);
	if (ps->first)
	{
		const fgsql_fit_state *d = ps->dicts ? ps->dicts : ps->reader;
		size_t		train_len = fg_state_encoded_size(&d->config, &d->train);
		uint8	   *train = palloc(train_len);
		fg_error	err;

		if (fg_state_encode(&d->config, &d->train, train, train_len, &err) != FG_OK)
			fgsql_report_error(&err);
		fg_pass_dict_encode(train, train_len, out, len);
		pfree(train);
		return;
	}
	fg_pass_state_encode(&ps->spec, ps->acc, out, len);
}

/* A state from flat bytes (a worker's partial state), in a new object under parent. */
static pass_state *
pass_from_bytes(bytea *bytes, MemoryContext parent)
{
	pass_state *ps = pass_new(parent);
	MemoryContext old = MemoryContextSwitchTo(ps->cxt);
	const uint8 *train;
	size_t		train_len;
	fg_error	err;

	if (fg_pass_state_decode(&ps->env, (const uint8 *) VARDATA_ANY(bytes),
							 VARSIZE_ANY_EXHDR(bytes), &ps->spec, &ps->acc, &train, &train_len,
							 &err) != FG_OK)
		fgsql_report_error(&err);
	ps->first = train != NULL;
	if (ps->first)
		ps->dicts = fgsql_train_dictionaries(train, train_len, ps->cxt, false);
	MemoryContextSwitchTo(old);
	return ps;
}

/* ---------- the aggregate's functions ---------- */

/* fairglmm_train_pass_transfn(bytea, "any", float8[], "any", "any", float8, bytea) */
Datum
fairglmm_train_pass_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	pass_state *ps;
	bytea	   *request;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("fairglmm_train_pass_transfn called in a non-aggregate context")));
	if (PG_ARGISNULL(REQUEST_ARG))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the request of fairglmm_train_pass must not be null"),
				 errhint("fairglmm_train_pass is run by fairglmm_train; call that instead.")));
	request = PG_GETARG_BYTEA_PP(REQUEST_ARG);
	if (PG_ARGISNULL(0))
		ps = pass_from_request(fcinfo, aggcxt, request);
	else
	{
		ps = live_state(PG_GETARG_DATUM(0));
		if (ps == NULL || ps->reader == NULL)
			elog(ERROR, "fairglmm_train_pass_transfn called with a foreign state");
		/* the same request in every row: its checksum (the last 4 bytes) and length */
		if (VARSIZE_ANY_EXHDR(request) != VARSIZE(ps->request) - VARHDRSZ ||
			memcmp(VARDATA_ANY(request) + VARSIZE_ANY_EXHDR(request) - 4,
				   &ps->request_crc, 4) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the request of fairglmm_train_pass must be the same for every row")));
	}
	fgsql_fit_add_row(fcinfo, ps->reader);
	if (ps->reader->train.n_rows >= block_rows(ps->reader->train.p))
		fold_block(ps);
	PG_RETURN_DATUM(EOHPGetRWDatum(&ps->hdr));
}

/* The state behind argument i as a live object in aggcxt (decoded when flat). */
static pass_state *
state_arg(FunctionCallInfo fcinfo, int i, MemoryContext aggcxt)
{
	pass_state *ps = live_state(PG_GETARG_DATUM(i));

	if (ps == NULL)
		return pass_from_bytes(PG_GETARG_BYTEA_PP(i), aggcxt);
	if (ps->reader != NULL)
		fold_block(ps);
	return ps;
}

/* fairglmm_train_pass_combinefn(bytea, bytea) returns bytea */
Datum
fairglmm_train_pass_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	pass_state *a,
			   *b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("fairglmm_train_pass_combinefn called in a non-aggregate context")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = state_arg(fcinfo, 1, aggcxt);
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(EOHPGetRWDatum(&b->hdr));
	a = state_arg(fcinfo, 0, aggcxt);
	if (a->first != b->first)
		bad_state("A first pass's state cannot be combined with another pass's.");
	if (a->first)
	{
		fgsql_fit_state *da = a->dicts ? a->dicts : a->reader;
		fgsql_fit_state *db = b->dicts ? b->dicts : b->reader;
		fg_error	err;
		fg_status	status;
		MemoryContext old;

		if (fg_state_config_check_equal(&da->config, &db->config, &err) != FG_OK)
			fgsql_report_error(&err);
		old = MemoryContextSwitchTo(da->mcxt);
		status = fg_train_merge(&da->train, &db->train, &err);
		MemoryContextSwitchTo(old);
		if (status != FG_OK)
			fgsql_report_error(&err);
	}
	else
	{
		if (!fg_pass_same_layout(&a->spec, &b->spec))
			bad_state("Two partial states of one pass have different layouts.");
		fg_pass_merge(&a->spec, a->acc, b->acc);
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&a->hdr));
}

/* fairglmm_train_pass_finalfn(bytea) returns bytea: the flat state */
Datum
fairglmm_train_pass_finalfn(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	/* detoasting an expanded state flattens it (pass_flat_size folds the last block) */
	PG_RETURN_BYTEA_P(PG_GETARG_BYTEA_P_COPY(0));
}
