/*
 * test_stream.c -- least squares from sums (stream.h) against the fit from
 * the rows: an unweighted gaussian lr or crlr kept as sums in a training
 * state gives the model fg_fit_model gives on the same rows kept as rows
 * (coefficients, random intercepts, stratum counts, objective, RMSE, R^2,
 * sigma^2, covariance, random-intercept standard errors, edf and
 * likelihoods within 1e-10 relative), with and without strata, with y
 * around 1e5 and a feature around 2000, binary and coded attributes; two
 * states merged equal one of every row; the errors (constant y, collinear
 * features) are the row path's; failing allocations leak nothing.  The
 * serialised state of sums (state_format.h, flag 1): parts through the
 * bytes combine to the fit of all rows (binary and coded attributes, an
 * empty part, either order); every truncation and flipped bit, and forged
 * sums with a valid checksum, are refused; failing allocations while
 * appending leak nothing.
 */
#include "model_format.h"
#include "state_format.h"
#include "train_state.h"
#include "unit.h"

#include <string.h>

static uint64_t rng = 12345;

static double
uni(void)
{
	rng = rng * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return (double) (rng >> 11) * (1.0 / 9007199254740992.0);
}

static double
gauss(void)
{
	double		u = uni() + 1e-300,
				v = uni();

	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

#define P 4
#define MAXN 6000

typedef struct rows
{
	size_t		N;
	double		x[MAXN * P];
	double		y[MAXN];
	uint8_t		s[MAXN];
	uint32_t	g[MAXN];
	char		label[MAXN][8];
} rows;

static rows R;

/* y around 1e5, x1 a year around 2000, x2 with an offset of 50 */
static void
make_rows(size_t N, uint32_t n_strata, int n_labels)
{
	double		b[64];

	R.N = N;
	for (uint32_t i = 0; i < n_strata; i++)
		b[i] = 2.0 * gauss();
	for (size_t l = 0; l < N; l++)
	{
		double	   *x = R.x + l * P;

		R.g[l] = n_strata ? (uint32_t) (uni() * n_strata) % n_strata : 0;
		R.s[l] = uni() < 0.4;
		snprintf(R.label[l], sizeof(R.label[l]), "c%d", (int) (uni() * n_labels));
		x[0] = 2000.0 + 10.0 * gauss();
		x[1] = 50.0 + gauss();
		x[2] = gauss();
		x[3] = 0.5 * x[2] + gauss();
		R.y[l] = 1e5 + 3.0 * (x[0] - 2000.0) - 2.0 * x[1] + x[2] + 0.5 * x[3] +
			(n_strata ? b[R.g[l]] : 0.0) + 4.0 * gauss();
	}
}

static fg_status
fill_state(fg_train *t, bool stream, bool strata, bool coded, size_t from, size_t to,
		   fg_error *err)
{
	fg_status	st;

	if ((st = fg_train_init(t, &unit_env, strata, P, err)) != FG_OK)
		return st;
	if ((st = fg_train_set_gaussian(t, true, err)) != FG_OK ||
		(stream && (st = fg_train_set_stream(t, err)) != FG_OK) ||
		(coded && (st = fg_train_use_codes(t, 1, err)) != FG_OK))
		return st;
	for (size_t l = from; l < to; l++)
	{
		uint8_t		key[8];
		fg_attr_key a;

		fg_key_from_int64((int64_t) R.g[l] * 1000 - 5, key);
		a.bytes = (const uint8_t *) R.label[l];
		a.len = strlen(R.label[l]);
		if ((st = fg_train_add_row_real(t, R.x + l * P, R.y[l], 1.0, R.s[l],
										coded ? &a : NULL, key, 8, err)) != FG_OK)
			return st;
	}
	return FG_OK;
}

/* |a - b| within tol of scale (NaN equal to NaN) */
static bool
near(double a, double b, double tol, double scale)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return fabs(a - b) <= tol * fmax(scale, 1e-300);
}

static double
vmax(const double *v, size_t n)
{
	double		m = 0.0;

	for (size_t i = 0; i < n; i++)
		m = fmax(m, fabs(v[i]));
	return m;
}

static void
compare_fits(const char *what, const fg_fit *a, const fg_fit *b)
{
	double		tol = 1e-10;
	double		bs = fmax(vmax(a->beta, a->p), fabs(a->intercept));
	int			k = 1 + a->p;

	CHECK(a->p == b->p && a->n_strata == b->n_strata, "%s: shapes", what);
	if (a->p != b->p || a->n_strata != b->n_strata)
		return;
	CHECK(near(a->intercept, b->intercept, tol, fabs(a->intercept)), "%s: intercept %.17g vs %.17g",
		  what, a->intercept, b->intercept);
	for (int j = 0; j < a->p; j++)
		CHECK(near(a->beta[j], b->beta[j], tol, bs), "%s: beta %d %.17g vs %.17g", what, j,
			  a->beta[j], b->beta[j]);
	for (uint32_t g = 0; g < a->n_strata; g++)
	{
		CHECK(near(a->b[g], b->b[g], tol, vmax(a->b, a->n_strata)), "%s: b %u %.17g vs %.17g",
			  what, g, a->b[g], b->b[g]);
		CHECK(a->stratum_rows[g] == b->stratum_rows[g], "%s: stratum_rows %u", what, g);
	}
	CHECK(near(a->objective, b->objective, tol, a->objective), "%s: objective %.17g vs %.17g",
		  what, a->objective, b->objective);
	CHECK(near(a->rmse, b->rmse, tol, a->rmse), "%s: rmse", what);
	CHECK(near(a->r2, b->r2, tol, 1.0), "%s: r2", what);
	CHECK(near(a->sigma2, b->sigma2, tol, fabs(a->sigma2)), "%s: sigma2 %.17g vs %.17g", what,
		  a->sigma2, b->sigma2);
	CHECK(near(a->edf, b->edf, tol, fabs(a->edf)), "%s: edf %.17g vs %.17g", what, a->edf, b->edf);
	CHECK(near(a->loglik, b->loglik, tol, fabs(a->loglik)), "%s: loglik %.17g vs %.17g", what,
		  a->loglik, b->loglik);
	CHECK(near(a->null_loglik, b->null_loglik, tol, fabs(a->null_loglik)), "%s: null loglik", what);
	CHECK(a->weight_sum == b->weight_sum, "%s: weight sum", what);
	CHECK(a->n_attr == b->n_attr, "%s: n_attr %u vs %u", what, a->n_attr, b->n_attr);
	CHECK(a->converged == b->converged, "%s: converged", what);
	/* the rows take a second, rounding-level Newton step; the sums one solve */
	CHECK(b->iterations == 1, "%s: %d iterations", what, b->iterations);
	CHECK(isnan(b->train_accuracy) && isnan(b->train_di) && isnan(b->train_cov), "%s: no classification", what);
	CHECK(a->vcov_type == b->vcov_type && (a->vcov == NULL) == (b->vcov == NULL), "%s: vcov type", what);
	if (a->vcov != NULL && b->vcov != NULL)
	{
		for (int i = 0; i < k; i++)
			for (int j = 0; j < k; j++)
			{
				double		scale = sqrt(a->vcov[i * k + i] * a->vcov[j * k + j]);

				CHECK(near(a->vcov[i * k + j], b->vcov[i * k + j], tol, scale),
					  "%s: vcov %d %d %.17g vs %.17g", what, i, j, a->vcov[i * k + j],
					  b->vcov[i * k + j]);
			}
		for (uint32_t g = 0; g < a->n_strata; g++)
			CHECK(near(a->b_se[g], b->b_se[g], tol, a->b_se[g]), "%s: b_se %u", what, g);
	}
}

static void
one_case(const char *what, fg_method method, double lambda, double l2, fg_vcov_type vcov,
		 bool coded, int n_labels, size_t split)
{
	fg_train	rows_state,
				sums,
				other;
	fg_data		data;
	fg_options	opt;
	fg_fit		a,
				b;
	fg_error	err;
	bool		strata = fg_method_uses_strata(method);
	char		name[160];

	(void) n_labels;
	fg_options_default(&opt);
	opt.family = FG_FAMILY_GAUSSIAN;
	opt.method = method;
	opt.lambda = lambda;
	opt.l2 = l2;
	opt.vcov = vcov;
	snprintf(name, sizeof(name), "%s%s", what, split ? ", merged" : "");
	CHECK(fill_state(&rows_state, false, strata, coded, 0, R.N, &err) == FG_OK, "%s", err.message);
	CHECK(fg_train_data(&rows_state, &data, &err) == FG_OK);
	CHECK(fg_fit_model(&unit_env, &data, &opt, &a, &err) == FG_OK, "%s: row fit: %s", name, err.message);
	if (split == 0)
		CHECK(fill_state(&sums, true, strata, coded, 0, R.N, &err) == FG_OK, "%s", err.message);
	else
	{
		/* the second part first: the merge must not depend on the order of the parts */
		CHECK(fill_state(&sums, true, strata, coded, split, R.N, &err) == FG_OK, "%s", err.message);
		CHECK(fill_state(&other, true, strata, false, 0, split, &err) == FG_OK, "%s", err.message);
		if (coded)
		{
			/* the other part coded too, so labels merge through the dictionaries */
			fg_train_free(&other);
			CHECK(fill_state(&other, true, strata, true, 0, split, &err) == FG_OK);
		}
		CHECK(fg_train_merge(&sums, &other, &err) == FG_OK, "%s: merge: %s", name, err.message);
		fg_train_free(&other);
	}
	CHECK(fg_train_data(&sums, &data, &err) != FG_OK, "%s: a streaming state has no rows", name);
	CHECK(fg_train_stream_fit(&sums, &unit_env, &opt, NULL, &b, &err) == FG_OK,
		  "%s: stream fit: %s", name, err.message);
	CHECK(sums.n_rows == rows_state.n_rows);
	compare_fits(name, &a, &b);
	if (strata)
		CHECK(sums.dict.count == rows_state.dict.count &&
			  memcmp(sums.dict.bytes, rows_state.dict.bytes,
					 rows_state.dict.offsets[rows_state.dict.count]) == 0,
			  "%s: the same sorted strata", name);
	if (coded)
		CHECK(sums.n_attr == rows_state.n_attr && sums.attrs[0].count == rows_state.attrs[0].count,
			  "%s: the same categories", name);
	fg_fit_release(&unit_env, &a);
	fg_fit_release(&unit_env, &b);
	fg_train_free(&rows_state);
	fg_train_free(&sums);
}

static void
error_cases(void)
{
	fg_train	rows_state,
				sums;
	fg_data		data;
	fg_options	opt;
	fg_fit		a,
				b;
	fg_error	ea,
				eb;

	fg_options_default(&opt);
	opt.family = FG_FAMILY_GAUSSIAN;
	opt.method = FG_METHOD_LR;

	/* a copy of a feature: the row path's message */
	make_rows(500, 0, 2);
	for (size_t l = 0; l < R.N; l++)
		R.x[l * P + 3] = 2.0 * R.x[l * P + 2] + 1.0;
	CHECK(fill_state(&rows_state, false, false, false, 0, R.N, &ea) == FG_OK);
	CHECK(fg_train_data(&rows_state, &data, &ea) == FG_OK);
	CHECK(fg_fit_model(&unit_env, &data, &opt, &a, &ea) == FG_ERR_COLLINEAR);
	CHECK(fill_state(&sums, true, false, false, 0, R.N, &eb) == FG_OK);
	CHECK(fg_train_stream_fit(&sums, &unit_env, &opt, NULL, &b, &eb) == FG_ERR_COLLINEAR);
	CHECK(strcmp(ea.message, eb.message) == 0 && strcmp(ea.detail, eb.detail) == 0,
		  "collinear: \"%s\" / \"%s\" vs \"%s\" / \"%s\"", ea.message, ea.detail, eb.message, eb.detail);
	fg_train_free(&rows_state);
	fg_train_free(&sums);

	/* constant y */
	make_rows(300, 0, 2);
	for (size_t l = 0; l < R.N; l++)
		R.y[l] = 7.5;
	CHECK(fill_state(&rows_state, false, false, false, 0, R.N, &ea) == FG_OK);
	CHECK(fg_train_data(&rows_state, &data, &ea) == FG_OK);
	CHECK(fg_fit_model(&unit_env, &data, &opt, &a, &ea) == FG_ERR_DATA);
	CHECK(fill_state(&sums, true, false, false, 0, R.N, &eb) == FG_OK);
	CHECK(fg_train_stream_fit(&sums, &unit_env, &opt, NULL, &b, &eb) == FG_ERR_DATA);
	CHECK(strcmp(ea.message, eb.message) == 0 && strcmp(ea.detail, eb.detail) == 0,
		  "constant y: \"%s\" vs \"%s\"", ea.detail, eb.detail);
	fg_train_free(&rows_state);
	fg_train_free(&sums);

	/* weighted and binomial states do not stream */
	CHECK(fg_train_init(&sums, &unit_env, false, P, &eb) == FG_OK);
	CHECK(fg_train_set_stream(&sums, &eb) != FG_OK, "binomial");
	CHECK(fg_train_set_gaussian(&sums, true, &eb) == FG_OK);
	CHECK(fg_train_set_weighted(&sums, true, &eb) == FG_OK);
	CHECK(fg_train_set_stream(&sums, &eb) != FG_OK, "weighted");
	fg_train_free(&sums);
}

/* Every allocation of filling and fitting made to fail in turn: an error, no leak. */
static void
failing_allocations(void)
{
	fg_options	opt;
	int			failures = 0;

	fg_options_default(&opt);
	opt.family = FG_FAMILY_GAUSSIAN;
	opt.method = FG_METHOD_CRLR;
	opt.lambda = 1.0;
	make_rows(700, 20, 3);
	for (long after = 0; after < 400; after++)
	{
		fg_train	sums;
		fg_fit		fit;
		fg_error	err;
		long		live = unit_live_allocs;
		fg_status	st;

		unit_fail_after = after;
		st = fill_state(&sums, true, true, true, 0, R.N, &err);
		if (st == FG_OK)
			st = fg_train_stream_fit(&sums, &unit_env, &opt, NULL, &fit, &err);
		unit_fail_after = -1;
		if (st == FG_OK)
		{
			fg_fit_release(&unit_env, &fit);
			fg_train_free(&sums);
			CHECK(unit_live_allocs == live, "leak on success");
			break;
		}
		failures++;
		CHECK(st == FG_ERR_NOMEM, "allocation %ld: status %d", after, (int) st);
		fg_train_free(&sums);
		CHECK(unit_live_allocs == live, "allocation %ld: %ld leaked", after,
			  unit_live_allocs - live);
	}
	CHECK(failures > 10, "%d allocations failed in turn", failures);
}

static void
config_for(fg_state_config *c, fg_method method, double lambda, bool coded)
{
	memset(c, 0, sizeof(*c));
	fg_options_default(&c->opt);
	c->opt.family = FG_FAMILY_GAUSSIAN;
	c->opt.method = method;
	c->opt.lambda = lambda;
	c->n_feature_names = -1;
	c->y_kind = FG_ARG_FLOAT8;
	c->s_kind = coded ? FG_ARG_TEXT : FG_ARG_INT;
	c->strata_kind = FG_STRATA_INT8;
}

static uint8_t *
encode_state(const fg_state_config *c, const fg_train *t, size_t *len)
{
	fg_error	err;
	uint8_t    *buf;

	*len = fg_state_encoded_size(c, t);
	buf = malloc(*len ? *len : 1);
	CHECK(*len > 0 && fg_state_encode(c, t, buf, *len, &err) == FG_OK, "encode: %s", err.message);
	return buf;
}

static void
reseal(uint8_t *buf, size_t len)
{
	uint32_t	crc = fg_crc32c(0, buf, len - 4);

	for (int i = 0; i < 4; i++)
		buf[len - 4 + i] = (uint8_t) (crc >> (8 * i));
}

/*
 * Parts [0, a), [a, b), [b, N) as states of sums; the second and third go
 * through the bytes into the first (or an empty state first); the fit
 * equals the one of every row kept as rows.
 */
static void
through_bytes(const char *what, fg_method method, double lambda, bool coded, size_t a, size_t b,
			  bool empty_first)
{
	fg_state_config c;
	fg_train	rows_state,
				parts[3],
				dst;
	fg_data		data;
	fg_options	opt;
	fg_fit		fa,
				fb;
	fg_error	err;
	bool		strata = fg_method_uses_strata(method);
	size_t		cut[4] = {0, a, b, R.N};

	config_for(&c, method, lambda, coded);
	opt = c.opt;
	CHECK(fill_state(&rows_state, false, strata, coded, 0, R.N, &err) == FG_OK);
	CHECK(fg_train_data(&rows_state, &data, &err) == FG_OK);
	CHECK(fg_fit_model(&unit_env, &data, &opt, &fa, &err) == FG_OK, "%s", err.message);
	for (int i = 0; i < 3; i++)
		CHECK(fill_state(&parts[i], true, strata, coded, cut[i], cut[i + 1], &err) == FG_OK,
			  "%s", err.message);
	if (empty_first)
	{
		CHECK(fill_state(&dst, true, strata, false, 0, 0, &err) == FG_OK);
		dst.p = -1;
	}
	for (int i = empty_first ? 0 : 1; i < 3; i++)
	{
		size_t		len;
		uint8_t    *buf = encode_state(&c, &parts[i], &len);
		fg_state_view v;

		CHECK(fg_state_decode(&unit_env, buf, len, &v, &err) == FG_OK, "%s: decode: %s", what,
			  err.message);
		CHECK(v.sums && v.n_rows == parts[i].n_rows, "%s: a view of sums", what);
		CHECK(fg_state_append(empty_first ? &dst : &parts[0], &v, &err) == FG_OK,
			  "%s: append: %s", what, err.message);
		fg_state_view_release(&unit_env, &v);
		free(buf);
	}
	CHECK(fg_train_stream_fit(empty_first ? &dst : &parts[0], &unit_env, &opt, NULL, &fb, &err) == FG_OK,
		  "%s: %s", what, err.message);
	compare_fits(what, &fa, &fb);
	fg_fit_release(&unit_env, &fa);
	fg_fit_release(&unit_env, &fb);
	fg_train_free(&rows_state);
	for (int i = 0; i < 3; i++)
		fg_train_free(&parts[i]);
	if (empty_first)
		fg_train_free(&dst);
}

/* Truncations, flipped bits, forged sums under a valid checksum: all refused. */
static void
damaged_bytes(void)
{
	fg_state_config c;
	fg_train	t,
				rows_state;
	fg_error	err;
	size_t		len;
	uint8_t    *buf,
			   *copy;
	fg_state_view v;
	size_t		w = P + 1;
	size_t		sums_end;
	size_t		n_strata;

	make_rows(300, 5, 2);
	config_for(&c, FG_METHOD_CRLR, 1.0, false);
	CHECK(fill_state(&t, true, true, false, 0, R.N, &err) == FG_OK);
	n_strata = t.dict.count;
	buf = encode_state(&c, &t, &len);
	copy = malloc(len);
	for (size_t cut = 0; cut < len; cut++)
		CHECK(fg_state_decode(&unit_env, buf, cut, &v, &err) == FG_ERR_CORRUPT, "cut at %zu", cut);
	for (size_t bit = 0; bit < 8 * len; bit++)
	{
		memcpy(copy, buf, len);
		copy[bit / 8] ^= (uint8_t) (1u << (bit % 8));
		CHECK(fg_state_decode(&unit_env, copy, len, &v, &err) == FG_ERR_CORRUPT, "bit %zu", bit);
	}
	/* forged numbers with a valid checksum: the sums section ends before the CRC */
	sums_end = len - 4;
	{
		size_t		per_g = 8 * (w + 1);
		size_t		strata_at = sums_end - n_strata * per_g;
		size_t		tot_at = strata_at - 8 * w;
		size_t		amax_at = tot_at - 8 * w - 8 * (w - 1);
		size_t		ymin_at = amax_at - 8 * (w * (w + 1) / 2) - 8 * w - 16;
		struct
		{
			size_t		off;
			double		v;
			const char *what;
		}			forged[] = {
			{strata_at, 2.5, "whole number"},
			{strata_at, -1.0, "whole number"},
			{strata_at, 1e9, "whole number"},
			{strata_at + per_g, 0.0, "add up"},
			{ymin_at, 1e300, "smallest y"},
			{amax_at, -1.0, "magnitude"},
			{ymin_at + 16 + 8 * w, -1.0, "sum of squares"},
			{tot_at, NAN, "not finite"},
			{ymin_at + 8, INFINITY, "not finite"},
		};

		for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++)
		{
			uint64_t	bits;

			memcpy(copy, buf, len);
			memcpy(&bits, &forged[i].v, 8);
			for (int b = 0; b < 8; b++)
				copy[forged[i].off + b] = (uint8_t) (bits >> (8 * b));
			reseal(copy, len);
			CHECK(fg_state_decode(&unit_env, copy, len, &v, &err) == FG_ERR_CORRUPT &&
				  strstr(err.detail, forged[i].what) != NULL,
				  "forged %s: %s", forged[i].what, err.detail);
		}
		/* a seen value of 2 */
		memcpy(copy, buf, len);
		copy[ymin_at - 1] = 2;
		reseal(copy, len);
		CHECK(fg_state_decode(&unit_env, copy, len, &v, &err) == FG_ERR_CORRUPT);
		/* the flag on a state of rows, and its absence on sums */
		memcpy(copy, buf, len);
		copy[8] = 0;
		reseal(copy, len);
		CHECK(fg_state_decode(&unit_env, copy, len, &v, &err) == FG_ERR_CORRUPT, "sums read as rows");
	}
	CHECK(fill_state(&rows_state, false, true, false, 0, R.N, &err) == FG_OK);
	{
		size_t		rlen;
		uint8_t    *rbuf = encode_state(&c, &rows_state, &rlen);

		rbuf[8] = 1;
		reseal(rbuf, rlen);
		CHECK(fg_state_decode(&unit_env, rbuf, rlen, &v, &err) == FG_ERR_CORRUPT, "rows read as sums");
		/* a view of rows does not go into sums, nor sums into rows */
		rbuf[8] = 0;
		reseal(rbuf, rlen);
		CHECK(fg_state_decode(&unit_env, rbuf, rlen, &v, &err) == FG_OK);
		CHECK(fg_state_append(&t, &v, &err) == FG_ERR_INVALID);
		fg_state_view_release(&unit_env, &v);
		CHECK(fg_state_decode(&unit_env, buf, len, &v, &err) == FG_OK);
		CHECK(fg_state_append(&rows_state, &v, &err) == FG_ERR_INVALID);
		fg_state_view_release(&unit_env, &v);
		free(rbuf);
	}
	/* settings that do not stream carry no sums */
	{
		fg_state_config bad = c;

		bad.opt.method = FG_METHOD_FAIR_CRLR;
		fg_train_free(&rows_state);
		free(copy);
		copy = NULL;
		{
			size_t		blen = fg_state_encoded_size(&bad, &t);
			uint8_t    *bbuf = malloc(blen);

			CHECK(fg_state_encode(&bad, &t, bbuf, blen, &err) == FG_OK);
			CHECK(fg_state_decode(&unit_env, bbuf, blen, &v, &err) == FG_ERR_CORRUPT &&
				  strstr(err.detail, "Least-squares") != NULL, "fair_crlr with sums: %s", err.detail);
			free(bbuf);
		}
	}
	/* failing allocations while appending: an error and nothing leaked */
	CHECK(fg_state_decode(&unit_env, buf, len, &v, &err) == FG_OK);
	for (long after = 0; after < 200; after++)
	{
		fg_train	dst;
		long		live;
		fg_status	st;

		CHECK(fill_state(&dst, true, true, false, 0, 0, &err) == FG_OK);
		dst.p = -1;
		live = unit_live_allocs;
		unit_fail_after = after;
		st = fg_state_append(&dst, &v, &err);
		unit_fail_after = -1;
		fg_train_free(&dst);
		CHECK(unit_live_allocs <= live, "append, allocation %ld", after);
		if (st == FG_OK)
			break;
		CHECK(st == FG_ERR_NOMEM, "append, allocation %ld: %d", after, (int) st);
	}
	fg_state_view_release(&unit_env, &v);
	free(buf);
	free(copy);
	fg_train_free(&t);
}

int
main(void)
{
	make_rows(5000, 0, 2);
	one_case("lr", FG_METHOD_LR, 0.0, 0.0, FG_VCOV_MODEL, false, 2, 0);
	one_case("lr, vcov none", FG_METHOD_LR, 0.0, 0.0, FG_VCOV_NONE, false, 2, 0);
	one_case("lr, l2", FG_METHOD_LR, 0.0, 3.0, FG_VCOV_MODEL, false, 2, 0);
	one_case("lr", FG_METHOD_LR, 0.0, 0.0, FG_VCOV_MODEL, false, 2, 1234);
	make_rows(6000, 40, 3);
	one_case("crlr", FG_METHOD_CRLR, 2.0, 0.0, FG_VCOV_MODEL, false, 3, 0);
	one_case("crlr, coded", FG_METHOD_CRLR, 2.0, 0.0, FG_VCOV_MODEL, true, 3, 0);
	one_case("crlr, l2, vcov none", FG_METHOD_CRLR, 0.5, 1.0, FG_VCOV_NONE, false, 3, 0);
	one_case("crlr", FG_METHOD_CRLR, 2.0, 0.0, FG_VCOV_MODEL, false, 3, 2500);
	one_case("crlr, coded", FG_METHOD_CRLR, 2.0, 0.0, FG_VCOV_MODEL, true, 3, 3001);
	one_case("lr, coded", FG_METHOD_LR, 0.0, 0.0, FG_VCOV_MODEL, true, 3, 0);
	make_rows(4000, 40, 2);
	one_case("crlr, two categories", FG_METHOD_CRLR, 0.1, 0.0, FG_VCOV_MODEL, true, 2, 0);
	through_bytes("crlr, through bytes", FG_METHOD_CRLR, 2.0, false, 2000, 3500, false);
	through_bytes("crlr, coded, through bytes", FG_METHOD_CRLR, 2.0, true, 1000, 3999, false);
	through_bytes("lr, through bytes into an empty state", FG_METHOD_LR, 0.0, false, 10, 20, true);
	through_bytes("crlr, coded, through bytes into an empty state", FG_METHOD_CRLR, 0.5, true, 0, 2000, true);
	error_cases();
	failing_allocations();
	damaged_bytes();
	return unit_summary("test_stream");
}
