/*
 * pass_format.c -- encoding and checked decoding of pass requests and pass
 * states (pass_format.h).
 */
#include "pass_format.h"
#include "le_bytes.h"
#include "model_format.h"
#include "newton.h"

#include <math.h>
#include <string.h>

#define FLAG_DICTIONARY 1u
/* the frame of the other formats: magic, version, byte order mark, flags, total length */
#define BYTE_ORDER_MARK 0xFEFF
#define FRAME_SIZE 20

static fg_status
corrupt(fg_error *err, const char *what, const char *detail)
{
	return fg_fail(err, FG_ERR_CORRUPT, what,
				   "Pass states and requests are made by fairglmm_train; do not build them by hand.",
				   "%s", detail);
}

static void
put_frame(fg_le_writer *w, uint32_t magic, uint32_t flags, size_t len)
{
	fg_le_put_u32(w, magic);
	fg_le_put_u16(w, FG_PASS_FORMAT_VERSION);
	fg_le_put_u16(w, BYTE_ORDER_MARK);
	fg_le_put_u32(w, flags);
	fg_le_put_u64(w, len);
}

/* ---------- the layout: what fixes an accumulator's size and meaning ---------- */

static size_t
layout_size(const fg_pass_spec *spec)
{
	return 4 + 4 + 4 + 4 + 4 * (size_t) spec->n_attr + 7 + 4;
}

static void
put_layout(fg_le_writer *w, const fg_pass_spec *spec)
{
	fg_le_put_u32(w, spec->kinds);
	fg_le_put_i32(w, spec->p);
	fg_le_put_u32(w, spec->n_strata);
	fg_le_put_u32(w, spec->n_attr);
	for (uint32_t a = 0; a < spec->n_attr; a++)
		fg_le_put_u32(w, spec->n_cats[a]);
	fg_le_put_u8(w, spec->gaussian);
	fg_le_put_u8(w, spec->weighted);
	fg_le_put_u8(w, spec->summary_strata);
	fg_le_put_u8(w, spec->terms_strata);
	fg_le_put_u8(w, (uint8_t) spec->fairness);
	fg_le_put_u8(w, spec->robust);
	fg_le_put_u8(w, (uint8_t) spec->need);
	fg_le_put_u32(w, spec->n_model);
}

static fg_status
get_layout(fg_le_reader *r, fg_pass_spec *spec, fg_error *err)
{
	uint8_t		flags[7];

	memset(spec, 0, sizeof(*spec));
	spec->kinds = fg_le_get_u32(r);
	spec->p = fg_le_get_i32(r);
	spec->n_strata = fg_le_get_u32(r);
	spec->n_attr = fg_le_get_u32(r);
	if (r->overrun)
		return corrupt(err, "pass bytes are truncated", "The layout is cut short.");
	if ((spec->kinds & ~FG_PASS_ALL_KINDS) != 0 || spec->p < 0 || spec->p > FG_MODEL_MAX_P ||
		spec->n_strata > FG_PASS_MAX_STRATA || spec->n_attr > FG_MAX_ATTRIBUTES)
		return corrupt(err, "pass layout is out of range", "A count or kind has no valid value.");
	for (uint32_t a = 0; a < spec->n_attr; a++)
	{
		spec->n_cats[a] = fg_le_get_u32(r);
		if (spec->n_cats[a] > FG_MAX_CATEGORIES)
			return corrupt(err, "pass layout is out of range", "An attribute has too many categories.");
	}
	for (int i = 0; i < 7; i++)
	{
		flags[i] = fg_le_get_u8(r);
		if (flags[i] > 2 || (i < 4 && flags[i] > 1) || (i == 5 && flags[i] > 1))
			return corrupt(err, "pass layout is out of range", "A flag has no valid value.");
	}
	spec->gaussian = flags[0];
	spec->weighted = flags[1];
	spec->summary_strata = flags[2];
	spec->terms_strata = flags[3];
	spec->fairness = (fg_fairness_notion) flags[4];
	spec->robust = flags[5];
	spec->need = flags[6];
	spec->n_model = fg_le_get_u32(r);
	if (r->overrun)
		return corrupt(err, "pass bytes are truncated", "The layout is cut short.");
	if (spec->n_model != 0 && spec->n_model != spec->n_strata)
		return corrupt(err, "pass layout is out of range", "The random intercepts do not match the strata.");
	/* the accumulator's size must stay far from overflow: k^2 and n k in doubles */
	if ((double) (1 + spec->p) * (1 + spec->p) + (double) spec->n_strata * (2 + spec->p) *
		(1 + (spec->n_attr ? FG_MAX_CATEGORIES : 2) * 2) > 1e12)
		return corrupt(err, "pass layout is out of range", "The accumulator would be too large.");
	return FG_OK;
}

bool
fg_pass_same_layout(const fg_pass_spec *a, const fg_pass_spec *b)
{
	if (a->kinds != b->kinds || a->p != b->p || a->n_strata != b->n_strata ||
		a->n_attr != b->n_attr || a->gaussian != b->gaussian || a->weighted != b->weighted ||
		a->summary_strata != b->summary_strata || a->terms_strata != b->terms_strata ||
		a->fairness != b->fairness || a->robust != b->robust || a->need != b->need ||
		a->n_model != b->n_model)
		return false;
	for (uint32_t i = 0; i < a->n_attr; i++)
		if (a->n_cats[i] != b->n_cats[i])
			return false;
	return true;
}

/* ---------- requests ---------- */

static size_t
point_len(const fg_pass_spec *spec)
{
	return (spec->kinds & (FG_PASS_NEWTON | FG_PASS_FINAL | FG_PASS_SEPARATION))
		? 1 + (size_t) spec->p + spec->n_model : 0;
}

size_t
fg_pass_request_size(const fg_pass_request *req)
{
	const fg_pass_spec *spec = &req->spec;
	size_t		p = (size_t) spec->p;

	return FRAME_SIZE + layout_size(spec) + 6 * 8 +
		((spec->kinds & FG_PASS_TERMS) ? p * 8 : 0) + point_len(spec) * 8 +
		((spec->kinds & FG_PASS_SEPARATION) ? point_len(spec) * 8 : 0) +
		3 * 4 + 8 + 8 + 4 + req->options_len + 8 + req->dict_len + 4;
}

void
fg_pass_request_encode(const fg_pass_request *req, uint8_t *buf, size_t len)
{
	const fg_pass_spec *spec = &req->spec;
	fg_le_writer w;

	fg_le_writer_init(&w, buf, len);
	put_frame(&w, FG_PASS_REQUEST_MAGIC, 0, len);
	put_layout(&w, spec);
	fg_le_put_f64(&w, spec->w_floor);
	fg_le_put_f64(&w, spec->threshold);
	fg_le_put_f64(&w, spec->s_bar);
	fg_le_put_f64(&w, spec->s_bar_w);
	fg_le_put_f64(&w, spec->y_bar_w);
	fg_le_put_f64(&w, spec->weight_factor);
	if (spec->kinds & FG_PASS_TERMS)
		fg_le_put_f64_array(&w, spec->mean, (size_t) spec->p);
	if (point_len(spec))
		fg_le_put_f64_array(&w, spec->delta, point_len(spec));
	if (spec->kinds & FG_PASS_SEPARATION)
		fg_le_put_f64_array(&w, spec->step, point_len(spec));
	for (int i = 0; i < 3; i++)
		fg_le_put_u32(&w, req->arg_types[i]);
	fg_le_put_f64(&w, req->rho);
	fg_le_put_f64(&w, req->lambda);
	fg_le_put_u32(&w, (uint32_t) req->options_len);
	fg_le_put_bytes(&w, req->options, req->options_len);
	fg_le_put_u64(&w, req->dict_len);
	fg_le_put_bytes(&w, req->dict, req->dict_len);
	fg_le_put_u32(&w, fg_crc32c(0, buf, w.pos));
}

/* n doubles at the reader's position as a pointer into the bytes (aligned or not) */
static const double *
take_doubles(fg_le_reader *r, size_t n, double **copy, const fg_env *env)
{
	const uint8_t *p = fg_le_take(r, n * 8);

	if (p == NULL)
		return NULL;
	*copy = fg_alloc(env, sizeof(double) * (n ? n : 1));
	if (*copy == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		(*copy)[i] = fg_le_load_f64(p + 8 * i);
	return *copy;
}

/* The checks shared by both formats: magic, version, byte order, flags, length, checksum. */
static fg_status
check_frame(const uint8_t *bytes, size_t len, uint32_t magic, uint32_t *flags, fg_le_reader *r,
			fg_error *err)
{
	uint64_t	total;

	if (bytes == NULL || len < FRAME_SIZE + 4)
		return corrupt(err, "pass bytes are truncated", "Fewer than 24 bytes.");
	fg_le_reader_init(r, bytes, len);
	if (fg_le_get_u32(r) != magic)
		return corrupt(err, "bytes are not a fairglmm pass", "The magic number is wrong.");
	if (fg_le_get_u16(r) != FG_PASS_FORMAT_VERSION)
		return corrupt(err, "unsupported pass format version", "Version is not 1.");
	if (fg_le_get_u16(r) != BYTE_ORDER_MARK)
		return corrupt(err, "pass bytes are corrupt", "The byte order mark is wrong.");
	*flags = fg_le_get_u32(r);
	total = fg_le_get_u64(r);
	if (total != len)
		return corrupt(err, "pass bytes are truncated", "The stored length differs from the bytes given.");
	if (fg_crc32c(0, bytes, len - 4) != (uint32_t) fg_le_load(bytes + len - 4, 4))
		return corrupt(err, "pass bytes are corrupt", "The checksum does not match.");
	/* the checksum is not content */
	r->end = len - 4;
	return FG_OK;
}

static bool
finite_array(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

fg_status
fg_pass_request_decode(const uint8_t *bytes, size_t len, fg_pass_request *req, fg_error *err)
{
	fg_le_reader r;
	uint32_t	flags;
	fg_status	st;
	fg_pass_spec *spec = &req->spec;
	size_t		n;

	memset(req, 0, sizeof(*req));
	if ((st = check_frame(bytes, len, FG_PASS_REQUEST_MAGIC, &flags, &r, err)) != FG_OK)
		return st;
	if (flags != 0)
		return corrupt(err, "pass request has unknown flags", "Flags must be 0.");
	if ((st = get_layout(&r, spec, err)) != FG_OK)
		return st;
	spec->w_floor = fg_le_get_f64(&r);
	spec->threshold = fg_le_get_f64(&r);
	spec->s_bar = fg_le_get_f64(&r);
	spec->s_bar_w = fg_le_get_f64(&r);
	spec->y_bar_w = fg_le_get_f64(&r);
	spec->weight_factor = fg_le_get_f64(&r);
	if (r.overrun)
		return corrupt(err, "pass bytes are truncated", "The constants are cut short.");
	if (!(spec->weight_factor > 0.0) || !isfinite(spec->weight_factor) ||
		!(spec->w_floor >= 0.0 && spec->w_floor <= 1.0) ||
		!(spec->threshold >= 0.0 && spec->threshold <= 1.0) || isnan(spec->s_bar) ||
		isnan(spec->s_bar_w) || isnan(spec->y_bar_w))
		return corrupt(err, "pass request is out of range", "A constant has no valid value.");
	/* arrays: read into place later by the caller's copy (kept as raw bytes here) */
	n = (spec->kinds & FG_PASS_TERMS) ? (size_t) spec->p : 0;
	spec->mean = (const double *) fg_le_take(&r, n * 8);
	n = point_len(spec);
	spec->delta = (const double *) fg_le_take(&r, n * 8);
	spec->step = (const double *) fg_le_take(&r, (spec->kinds & FG_PASS_SEPARATION) ? n * 8 : 0);
	for (int i = 0; i < 3; i++)
		req->arg_types[i] = fg_le_get_u32(&r);
	req->rho = fg_le_get_f64(&r);
	req->lambda = fg_le_get_f64(&r);
	req->options_len = fg_le_get_u32(&r);
	req->options = (const char *) fg_le_take(&r, req->options_len);
	req->dict_len = (size_t) fg_le_get_u64(&r);
	if (r.overrun || req->dict_len > fg_le_left(&r))
		return corrupt(err, "pass bytes are truncated", "The request is cut short.");
	req->dict = fg_le_take(&r, req->dict_len);
	if (r.overrun || fg_le_left(&r) != 0)
		return corrupt(err, "pass request has trailing bytes", "The request is longer than its contents.");
	if (req->options_len == 0)
		req->options = NULL;
	if (req->dict_len == 0)
		req->dict = NULL;
	if ((spec->kinds != 0) != (req->dict != NULL))
		return corrupt(err, "pass request is inconsistent", "Every pass but the first carries the dictionaries.");
	return FG_OK;
}

/*
 * The arrays of a decoded request as doubles: the bytes hold them
 * little-endian and perhaps unaligned, so they are copied (env-allocated;
 * free with fg_pass_request_arrays_free).
 */
fg_status
fg_pass_request_arrays(const fg_env *env, fg_pass_request *req, double **store, fg_error *err)
{
	fg_pass_spec *spec = &req->spec;
	size_t		p = (size_t) spec->p,
				m = point_len(spec);
	size_t		n_mean = (spec->kinds & FG_PASS_TERMS) ? p : 0,
				n_step = (spec->kinds & FG_PASS_SEPARATION) ? m : 0;
	double	   *v = fg_alloc(env, sizeof(double) * (n_mean + m + n_step + 1));
	const uint8_t *src[3] = {(const uint8_t *) spec->mean, (const uint8_t *) spec->delta,
	(const uint8_t *) spec->step};
	size_t		len[3] = {n_mean, m, n_step};
	size_t		off = 0;

	*store = v;
	if (v == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	for (int a = 0; a < 3; a++)
	{
		for (size_t i = 0; i < len[a]; i++)
			v[off + i] = fg_le_load_f64(src[a] + 8 * i);
		if (!finite_array(v + off, len[a]))
			return corrupt(err, "pass request is out of range", "A coefficient is not finite.");
		off += len[a];
	}
	spec->mean = n_mean ? v : NULL;
	spec->delta = m ? v + n_mean : NULL;
	spec->step = n_step ? v + n_mean + m : NULL;
	return FG_OK;
}

/* ---------- states ---------- */

size_t
fg_pass_state_size(const fg_pass_spec *spec)
{
	return FRAME_SIZE + layout_size(spec) + 8 + 8 * fg_pass_size(spec) + 4;
}

void
fg_pass_state_encode(const fg_pass_spec *spec, const double *acc, uint8_t *buf, size_t len)
{
	fg_le_writer w;

	fg_le_writer_init(&w, buf, len);
	put_frame(&w, FG_PASS_STATE_MAGIC, 0, len);
	put_layout(&w, spec);
	fg_le_put_u64(&w, fg_pass_size(spec));
	fg_le_put_f64_array(&w, acc, fg_pass_size(spec));
	fg_le_put_u32(&w, fg_crc32c(0, buf, w.pos));
}

size_t
fg_pass_dict_size(size_t train_len)
{
	return FRAME_SIZE + 8 + train_len + 4;
}

void
fg_pass_dict_encode(const uint8_t *train, size_t train_len, uint8_t *buf, size_t len)
{
	fg_le_writer w;

	fg_le_writer_init(&w, buf, len);
	put_frame(&w, FG_PASS_STATE_MAGIC, FLAG_DICTIONARY, len);
	fg_le_put_u64(&w, train_len);
	fg_le_put_bytes(&w, train, train_len);
	fg_le_put_u32(&w, fg_crc32c(0, buf, w.pos));
}

fg_status
fg_pass_state_decode(const fg_env *env, const uint8_t *bytes, size_t len, fg_pass_spec *spec,
					 double **acc, const uint8_t **train, size_t *train_len, fg_error *err)
{
	fg_le_reader r;
	uint32_t	flags;
	uint64_t	n;
	fg_status	st;

	*acc = NULL;
	*train = NULL;
	*train_len = 0;
	if ((st = check_frame(bytes, len, FG_PASS_STATE_MAGIC, &flags, &r, err)) != FG_OK)
		return st;
	if (flags == FLAG_DICTIONARY)
	{
		n = fg_le_get_u64(&r);
		if (r.overrun || n != fg_le_left(&r))
			return corrupt(err, "pass bytes are truncated", "The dictionaries are cut short.");
		*train = fg_le_take(&r, (size_t) n);
		*train_len = (size_t) n;
		memset(spec, 0, sizeof(*spec));
		return FG_OK;
	}
	if (flags != 0)
		return corrupt(err, "pass state has unknown flags", "Flags must be 0 or 1.");
	if ((st = get_layout(&r, spec, err)) != FG_OK)
		return st;
	if (spec->kinds == 0)
		return corrupt(err, "pass layout is out of range", "A state of sums has no section.");
	n = fg_le_get_u64(&r);
	if (r.overrun || n != fg_pass_size(spec) || n * 8 != fg_le_left(&r))
		return corrupt(err, "pass bytes are truncated", "The sums do not match the layout.");
	*acc = (double *) take_doubles(&r, (size_t) n, acc, env);
	if (*acc == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	if (!((*acc)[0] >= 0.0 && (*acc)[0] <= 9007199254740992.0))
	{
		fg_release(env, *acc);
		*acc = NULL;
		return corrupt(err, "pass state is out of range", "The row count is not valid.");
	}
	return FG_OK;
}
