/*
 * test_stream.c -- least squares from sums (stream.h) against the fit from
 * the rows: an unweighted gaussian lr or crlr kept as sums in a training
 * state gives the model fg_fit_model gives on the same rows kept as rows
 * (coefficients, random intercepts, stratum counts, objective, RMSE, R^2,
 * sigma^2, covariance, random-intercept standard errors, edf and
 * likelihoods within 1e-10 relative), with and without strata, with y
 * around 1e5 and a feature around 2000, binary and coded attributes; two
 * states merged equal one of every row; the errors (constant y, collinear
 * features) are the row path's; failing allocations leak nothing.
 */
#include "model_format.h"
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
	error_cases();
	failing_allocations();
	return unit_summary("test_stream");
}
