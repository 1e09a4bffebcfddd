/*
 * cross_validation.c -- option "folds" of fairglmm_path: the folds, the
 * training rows of each, the fits along the path and the pooled held-out
 * metrics (see cross_validation.h).
 */
#include "cross_validation.h"
#include "fairness.h"
#include "model_format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- the folds ---------- */

/* splitmix64's finaliser: a 64-bit mix in which every input bit moves about half the output bits */
static inline uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* splitmix64: the next number of the stream *state */
static inline uint64_t
next_random(uint64_t *state)
{
	*state += UINT64_C(0x9E3779B97F4A7C15);
	return mix64(*state);
}

/* A hash of row l's values and the seed (not its position, nor its weight). */
static uint64_t
row_hash(const fg_data *data, size_t l, uint64_t seed)
{
	const double *x = fg_data_row(data, l);
	uint64_t	h = mix64(seed + UINT64_C(0x9E3779B97F4A7C15));

	h = mix64(h ^ data->y[l]);
	for (int j = 0; j < data->p; j++)
	{
		uint64_t	bits;

		memcpy(&bits, &x[j], sizeof(bits));
		h = mix64(h ^ bits);
	}
	if (data->stratum != NULL)
		h = mix64(h ^ data->stratum[l]);
	if (data->n_attr == 0)
		h = mix64(h ^ data->s[l]);
	else
		for (uint32_t a = 0; a < data->n_attr; a++)
			h = mix64(h ^ data->codes[l * data->n_attr + a]);
	return h;
}

typedef struct hashed_row
{
	uint64_t	hash;
	size_t		row;
	uint32_t	stratum;
} hashed_row;

static int
compare_hashed_rows(const void *pa, const void *pb)
{
	const hashed_row *a = pa;
	const hashed_row *b = pb;

	if (a->stratum != b->stratum)
		return a->stratum < b->stratum ? -1 : 1;
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	return a->row < b->row ? -1 : a->row > b->row;
}

static fg_status
deal_strata(const fg_env *env, const fg_data *data, const fg_options *opt, uint8_t *fold,
			fg_error *err)
{
	uint32_t	K = (uint32_t) opt->folds;
	uint32_t   *order;
	uint8_t    *fold_of;
	uint32_t	n = 0;
	uint64_t	state = opt->fold_seed;

	if (data->stratum == NULL)
		return fg_fail(err, FG_ERR_INVALID, "option \"fold_by\": \"strata\" needs strata",
					   "Pass the strata as the third argument, or use \"fold_by\": \"rows\".",
					   "Folds of whole strata hold out survey areas the fit has not seen; these rows have no strata.");
	order = fg_alloc(env, sizeof(uint32_t) * (data->n_strata ? data->n_strata : 1));
	fold_of = fg_alloc(env, data->n_strata ? data->n_strata : 1);
	if (order == NULL || fold_of == NULL)
	{
		fg_release(env, order);
		fg_release(env, fold_of);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	/* the strata that have rows, in the order of their codes */
	for (size_t l = 0; l < data->n_rows; l++)
		fold_of[data->stratum[l]] = 1;
	for (uint32_t g = 0; g < data->n_strata; g++)
		if (fold_of[g])
			order[n++] = g;
	if (n < K)
	{
		fg_release(env, order);
		fg_release(env, fold_of);
		return fg_fail(err, FG_ERR_DATA, "fewer strata than folds",
					   "Use fewer folds, or \"fold_by\": \"rows\" to deal the rows of each stratum to the folds.",
					   "Option \"folds\" is %u, and the rows have %u strata; with \"fold_by\": \"strata\" each fold needs a stratum of its own.",
					   K, n);
	}
	/* Fisher-Yates, then round robin */
	for (uint32_t i = n - 1; i > 0; i--)
	{
		uint32_t	j = (uint32_t) (next_random(&state) % ((uint64_t) i + 1));
		uint32_t	t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (uint32_t i = 0; i < n; i++)
		fold_of[order[i]] = (uint8_t) (i % K);
	for (size_t l = 0; l < data->n_rows; l++)
		fold[l] = fold_of[data->stratum[l]];
	fg_release(env, order);
	fg_release(env, fold_of);
	return FG_OK;
}

static fg_status
deal_rows(const fg_env *env, const fg_data *data, const fg_options *opt, uint8_t *fold,
		  fg_error *err)
{
	size_t		N = data->n_rows;
	uint32_t	K = (uint32_t) opt->folds;
	hashed_row *rows;

	if (N < K)
		return fg_fail(err, FG_ERR_DATA, "fewer rows than folds", "Use fewer folds.",
					   "Option \"folds\" is %u, and there are %zu rows.", K, N);
	rows = fg_alloc_uninit(env, sizeof(hashed_row) * N);
	if (rows == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	for (size_t l = 0; l < N; l++)
	{
		rows[l].hash = row_hash(data, l, opt->fold_seed);
		rows[l].row = l;
		rows[l].stratum = data->stratum ? data->stratum[l] : 0;
	}
	if (env->check_interrupts)
		env->check_interrupts(env->ctx);
	qsort(rows, N, sizeof(hashed_row), compare_hashed_rows);
	for (size_t i = 0; i < N; i++)
		fold[rows[i].row] = (uint8_t) (i % K);
	fg_release(env, rows);
	return FG_OK;
}

fg_status
fg_cv_assign_folds(const fg_env *env, const fg_data *data, const fg_options *opt,
				   uint8_t *fold, fg_error *err)
{
	/* the held-out metrics are those of a classifier */
	if (data->y == NULL)
		return fg_fail(err, FG_ERR_INVALID, "option \"folds\" needs a binary outcome",
					   "Drop option \"folds\", or use the binomial family.", NULL);
	if (opt->folds < FG_CV_MIN_FOLDS || opt->folds > FG_CV_MAX_FOLDS)
		return fg_fail(err, FG_ERR_INVALID, "option \"folds\" must be an integer between 2 and 100",
					   NULL, "The value given is %d.", opt->folds);
	if (opt->fold_by == FG_FOLD_BY_STRATA)
		return deal_strata(env, data, opt, fold, err);
	return deal_rows(env, data, opt, fold, err);
}

/* ---------- the training rows of a fold ---------- */

void
fg_cv_subset_free(const fg_env *env, fg_cv_subset *sub)
{
	fg_release(env, sub->stratum_map);
	fg_release(env, sub->x);
	fg_release(env, sub->y);
	fg_release(env, sub->s);
	fg_release(env, sub->codes);
	fg_release(env, sub->stratum);
	fg_release(env, sub->w);
	memset(sub, 0, sizeof(*sub));
}

fg_status
fg_cv_subset_build(const fg_env *env, const fg_data *data, const fg_options *opt,
				   const uint8_t *fold, uint32_t k, fg_cv_subset *sub, fg_error *err)
{
	size_t		N = data->n_rows;
	size_t		n = 0;
	size_t		p = (size_t) data->p;
	uint32_t	A = data->n_attr;
	uint32_t	total_cats = 0;
	uint32_t   *cat_map = NULL;
	uint32_t	n_strata = 0;

	memset(sub, 0, sizeof(*sub));
	for (size_t l = 0; l < N; l++)
		n += fold[l] != k;
	for (uint32_t a = 0; a < A; a++)
		total_cats += data->n_cats[a];
	sub->x = fg_alloc_uninit(env, sizeof(double) * (n * p > 0 ? n * p : 1));
	sub->y = fg_alloc_uninit(env, n ? n : 1);
	if (A == 0)
		sub->s = fg_alloc_uninit(env, n ? n : 1);
	else
	{
		sub->codes = fg_alloc_uninit(env, sizeof(uint32_t) * (n * A > 0 ? n * A : 1));
		cat_map = fg_alloc(env, sizeof(uint32_t) * (total_cats ? total_cats : 1));
	}
	if (data->w != NULL)
		sub->w = fg_alloc_uninit(env, sizeof(double) * (n ? n : 1));
	if (data->stratum != NULL)
	{
		sub->stratum = fg_alloc_uninit(env, sizeof(uint32_t) * (n ? n : 1));
		sub->stratum_map = fg_alloc(env, sizeof(uint32_t) * (data->n_strata ? data->n_strata : 1));
	}
	if (!sub->x || !sub->y || (A == 0 && !sub->s) || (A > 0 && (!sub->codes || !cat_map)) ||
		(data->w && !sub->w) || (data->stratum && (!sub->stratum || !sub->stratum_map)))
	{
		fg_release(env, cat_map);
		fg_cv_subset_free(env, sub);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}

	/* which strata and categories the training rows have, numbered in code order */
	for (size_t l = 0; l < N; l++)
	{
		if (fold[l] == k)
			continue;
		if (sub->stratum_map)
			sub->stratum_map[data->stratum[l]] = 1;
		for (uint32_t a = 0, base = 0; a < A; base += data->n_cats[a], a++)
			cat_map[base + data->codes[l * A + a]] = 1;
	}
	if (sub->stratum_map)
		for (uint32_t g = 0; g < data->n_strata; g++)
			sub->stratum_map[g] = sub->stratum_map[g] ? n_strata++ : FG_CV_UNSEEN;
	for (uint32_t a = 0, base = 0; a < A; base += data->n_cats[a], a++)
		for (uint32_t j = 0; j < data->n_cats[a]; j++)
			cat_map[base + j] = cat_map[base + j] ? sub->n_cats[a]++ : FG_CV_UNSEEN;

	for (size_t l = 0, i = 0; l < N; l++)
	{
		if (fold[l] == k)
			continue;
		if (p > 0)
			memcpy(sub->x + i * p, fg_data_row(data, l), sizeof(double) * p);
		sub->y[i] = data->y[l];
		if (A == 0)
			sub->s[i] = data->s[l];
		for (uint32_t a = 0, base = 0; a < A; base += data->n_cats[a], a++)
			sub->codes[i * A + a] = cat_map[base + data->codes[l * A + a]];
		if (sub->w)
			sub->w[i] = data->w[l];
		if (sub->stratum)
			sub->stratum[i] = sub->stratum_map[data->stratum[l]];
		i++;
	}
	fg_release(env, cat_map);
	if (sub->w && opt->weight_scale == FG_WEIGHTS_MEAN_ONE)
		fg_weights_rescale(sub->w, n);

	sub->data.n_rows = n;
	sub->data.p = data->p;
	sub->data.n_strata = n_strata;
	sub->data.x = sub->x;
	sub->data.y = sub->y;
	sub->data.s = sub->s;
	sub->data.stratum = sub->stratum;
	sub->data.w = sub->w;
	sub->data.n_attr = A;
	sub->data.codes = sub->codes;
	sub->data.n_cats = A > 0 ? sub->n_cats : NULL;
	sub->data.feature_names = data->feature_names;
	return FG_OK;
}

/* ---------- pooled held-out metrics ---------- */

/* doubles per rho: weight, weight classified right, weighted loss, then the fairness counts */
#define ACC_FIXED	3

/* Categories over all attributes (2 for the binary attribute). */
static size_t
category_count(const fg_data *data)
{
	size_t		c = 0;

	if (data->n_attr == 0)
		return 2;
	for (uint32_t a = 0; a < data->n_attr; a++)
		c += data->n_cats[a];
	return c;
}

/* -log P(y | eta) = log(1 + exp(-eta)) for y = 1, log(1 + exp(eta)) for y = 0, without overflow */
static double
log_loss(double eta, int y)
{
	double		z = y ? -eta : eta;

	return (z > 0.0 ? z : 0.0) + log1p(exp(-fabs(z)));
}

/*
 * Add the rows of fold k (held out) scored by fit to one rho's accumulator:
 * its fixed doubles, then per attribute of c categories the weights tot[2c]
 * and pos[2c] laid out as fg_attribute_ratio takes them.
 */
static void
score_held_out(const fg_data *data, const fg_fit *fit, const uint32_t *stratum_map,
			   const size_t *rows, size_t n_rows, double threshold, double *acc)
{
	uint32_t	n_attr = data->n_attr == 0 ? 1 : data->n_attr;

	for (size_t i = 0; i < n_rows; i++)
	{
		size_t		l = rows[i];
		const double *x = fg_data_row(data, l);
		double		eta = fit->intercept;
		double		w = data->w ? data->w[l] : 1.0;
		int			yhat;
		double	   *cells = acc + ACC_FIXED;

		for (int j = 0; j < data->p; j++)
			eta += x[j] * fit->beta[j];
		/* a stratum without training rows gets b = 0: the population prediction */
		if (fit->n_strata > 0 && stratum_map != NULL &&
			stratum_map[data->stratum[l]] != FG_CV_UNSEEN)
			eta += fit->b[stratum_map[data->stratum[l]]];
		yhat = fg_sigmoid(eta) >= threshold;
		acc[0] += w;
		acc[1] += yhat == data->y[l] ? w : 0.0;
		acc[2] += w * log_loss(eta, data->y[l]);
		for (uint32_t a = 0; a < n_attr; a++)
		{
			uint32_t	c = data->n_attr == 0 ? 2 : data->n_cats[a];
			size_t		cell = (size_t) data->y[l] * c + fg_row_category(data, l, a);

			cells[cell] += w;
			cells[2 * c + cell] += yhat ? w : 0.0;
			cells += 4 * c;
		}
	}
}

/* One ratio metric from a rho's accumulator: the lowest over the attributes. */
static double
pooled_ratio(const fg_data *data, const double *acc, double *scratch, fg_target_metric metric)
{
	uint32_t	n_attr = data->n_attr == 0 ? 1 : data->n_attr;
	const double *cells = acc + ACC_FIXED;
	double		worst = NAN;

	for (uint32_t a = 0; a < n_attr; a++)
	{
		uint32_t	c = data->n_attr == 0 ? 2 : data->n_cats[a];
		double		r;

		/* fg_attribute_ratio may overwrite the counts it is given */
		memcpy(scratch, cells, sizeof(double) * 4 * c);
		r = fg_attribute_ratio(c, scratch, scratch + 2 * c, metric);
		if (!isnan(r) && !(worst <= r))
			worst = r;
		cells += 4 * c;
	}
	return worst;
}

/*
 * A fit of fold k failed: say so in the message and which rows it had in
 * the detail, keeping the hint.  Out of memory stays as it is.
 */
static fg_status
fold_failed(fg_error *err, uint32_t k, uint32_t K, size_t n_train, double rho)
{
	char		message[sizeof(err->message)];
	char		detail[sizeof(err->detail)];
	size_t		used,
				more;

	if (err->status == FG_ERR_NOMEM)
		return err->status;
	snprintf(message, sizeof(message), "cross-validation fold %u of %u: ", k + 1, K);
	used = strlen(message);
	more = strnlen(err->message, sizeof(err->message));
	more = more < sizeof(message) - 1 - used ? more : sizeof(message) - 1 - used;
	memcpy(message + used, err->message, more);
	message[used + more] = '\0';

	if (isnan(rho))
		snprintf(detail, sizeof(detail), "The fold's training rows are the %zu rows outside it.", n_train);
	else
		snprintf(detail, sizeof(detail),
				 "The fold's training rows are the %zu rows outside it; the fit at rho %g failed.",
				 n_train, rho);
	used = strlen(detail);
	more = strnlen(err->detail, sizeof(err->detail));
	if (more > 0 && used + 2 < sizeof(detail))
	{
		detail[used++] = ' ';
		more = more < sizeof(detail) - 1 - used ? more : sizeof(detail) - 1 - used;
		memcpy(detail + used, err->detail, more);
		detail[used + more] = '\0';
	}
	memcpy(err->message, message, sizeof(message));
	memcpy(err->detail, detail, sizeof(detail));
	return err->status;
}

size_t
fg_cv_memory(const fg_data *data, const fg_options *opt, uint32_t n_rhos)
{
	size_t		N = data->n_rows;
	size_t		row = sizeof(double) * (size_t) data->p + 2 + 4 * (size_t) data->n_attr +
		(data->w ? 8 : 0) + (data->stratum ? 4 : 0);
	size_t		dealing = opt->fold_by == FG_FOLD_BY_ROWS ? sizeof(hashed_row) * N
		: 5 * (size_t) data->n_strata;
	size_t		cells = ACC_FIXED + 4 * category_count(data);

	/* the folds and the held-out rows; the larger of the dealing and the training rows */
	return N + sizeof(size_t) * N + (dealing > row * N ? dealing : row * N) +
		sizeof(uint32_t) * ((size_t) data->n_strata + category_count(data)) +
		sizeof(double) * cells * (n_rhos + 1);
}

fg_status
fg_cross_validate(const fg_env *env, const fg_data *data, const fg_options *opt,
				  const double *rhos, uint32_t n_rhos, fg_cv_metrics *out,
				  fg_cv_stats *stats, fg_error *err)
{
	size_t		N = data->n_rows;
	uint32_t	K = (uint32_t) opt->folds;
	size_t		stride = ACC_FIXED + 4 * category_count(data);
	fg_options	fold_opt = *opt;
	uint8_t    *fold;
	size_t	   *held_out;
	double	   *acc;
	double	   *scratch;
	fg_status	st = FG_OK;

	memset(stats, 0, sizeof(*stats));
	/* scoring needs no standard errors: a Hessian pass and the inference fewer per fit */
	fold_opt.vcov = FG_VCOV_NONE;
	if (data->y == NULL)
		return fg_cv_assign_folds(env, data, opt, NULL, err);
	fold = fg_alloc_uninit(env, N ? N : 1);
	held_out = fg_alloc_uninit(env, sizeof(size_t) * (N ? N : 1));
	acc = fg_alloc(env, sizeof(double) * stride * n_rhos);
	scratch = fg_alloc(env, sizeof(double) * stride);
	if (!fold || !held_out || !acc || !scratch)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}
	if ((st = fg_cv_assign_folds(env, data, opt, fold, err)) != FG_OK)
		goto done;

	for (uint32_t k = 0; k < K && st == FG_OK; k++)
	{
		fg_cv_subset sub;
		fg_fitter  *fitter;
		size_t		n_held = 0;

		for (size_t l = 0; l < N; l++)
			if (fold[l] == k)
				held_out[n_held++] = l;
		if ((st = fg_cv_subset_build(env, data, opt, fold, k, &sub, err)) != FG_OK)
			break;
		fg_progress(env, opt, "cross-validation: fold %u of %u, %zu training rows, %zu held out",
					k + 1, K, sub.data.n_rows, n_held);
		if ((st = fg_fitter_init(env, &sub.data, &fold_opt, &fitter, err)) != FG_OK)
		{
			fold_failed(err, k, K, sub.data.n_rows, NAN);
			fg_cv_subset_free(env, &sub);
			break;
		}
		for (uint32_t r = 0; r < n_rhos; r++)
		{
			fg_fit		fit;

			if ((st = fg_fitter_fit(fitter, rhos[r], &fit, err)) != FG_OK)
			{
				fold_failed(err, k, K, sub.data.n_rows, rhos[r]);
				break;
			}
			stats->fits++;
			stats->not_converged += !fit.converged || fit.stop_reason == FG_STOP_MAX_STEPS;
			stats->separated += fit.separated_rows > 0;
			score_held_out(data, &fit, sub.stratum_map, held_out, n_held, opt->threshold,
						   acc + stride * r);
			fg_fit_release(env, &fit);
			if (env->check_interrupts)
				env->check_interrupts(env->ctx);
		}
		fg_fitter_free(fitter);
		fg_cv_subset_free(env, &sub);
	}
	if (st != FG_OK)
		goto done;

	for (uint32_t r = 0; r < n_rhos; r++)
	{
		const double *a = acc + stride * r;

		out[r].accuracy = a[1] / a[0];
		out[r].log_loss = a[2] / a[0];
		out[r].disparate_impact = pooled_ratio(data, a, scratch, FG_TARGET_DISPARATE_IMPACT);
		out[r].equal_opportunity_ratio = pooled_ratio(data, a, scratch, FG_TARGET_EQUAL_OPPORTUNITY);
		out[r].equalized_odds_ratio = pooled_ratio(data, a, scratch, FG_TARGET_EQUALIZED_ODDS);
	}

done:
	fg_release(env, fold);
	fg_release(env, held_out);
	fg_release(env, acc);
	fg_release(env, scratch);
	return st;
}
