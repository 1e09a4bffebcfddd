/*
 * stream.c -- least squares from sums folded in as rows arrive (stream.h).
 */
#include "stream.h"
#include "inference.h"
#include "newton.h"
#include "pass.h"
#include "summary.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

bool
fg_stream_supports(const fg_options *opt)
{
	return opt->family == FG_FAMILY_GAUSSIAN &&
		(opt->method == FG_METHOD_LR || opt->method == FG_METHOD_CRLR) &&
		opt->vcov != FG_VCOV_ROBUST && isnan(opt->target) && !fg_options_constrained(opt) &&
		opt->folds == 0;
}

size_t
fg_stream_memory(int p, uint32_t cap)
{
	size_t		w = (size_t) p + 1;

	return sizeof(fg_stream) + 8 * (w * w + 5 * w + FG_BLOCK_ROWS * w) + 4 * FG_BLOCK_ROWS +
		(size_t) cap * (w + 1) * 8;
}

fg_status
fg_stream_init(fg_stream *s, const fg_env *env, int p, bool strata, fg_error *err)
{
	size_t		w = (size_t) p + 1;

	memset(s, 0, sizeof(*s));
	s->env = env;
	s->p = p;
	s->strata = strata;
	s->mean = fg_alloc(env, sizeof(double) * w);
	s->m2 = fg_alloc(env, sizeof(double) * w * w);
	s->amax = fg_alloc(env, sizeof(double) * w);
	s->shift = fg_alloc(env, sizeof(double) * w);
	s->tot = fg_alloc(env, sizeof(double) * w);
	s->scratch = fg_alloc(env, sizeof(double) * w);
	s->block = fg_alloc(env, sizeof(double) * FG_BLOCK_ROWS * w);
	s->block_stratum = fg_alloc(env, sizeof(uint32_t) * FG_BLOCK_ROWS);
	if (!s->mean || !s->m2 || !s->amax || !s->shift || !s->tot || !s->scratch || !s->block ||
		!s->block_stratum)
	{
		fg_stream_free(s);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL,
					   "The sums of a least-squares fit of %d features could not be allocated.", p);
	}
	return FG_OK;
}

void
fg_stream_free(fg_stream *s)
{
	if (s->env == NULL)
		return;
	fg_release(s->env, s->mean);
	fg_release(s->env, s->m2);
	fg_release(s->env, s->amax);
	fg_release(s->env, s->shift);
	fg_release(s->env, s->tot);
	fg_release(s->env, s->scratch);
	fg_release(s->env, s->block);
	fg_release(s->env, s->block_stratum);
	fg_release(s->env, s->s_rows);
	fg_release(s->env, s->s_sum);
	memset(s, 0, sizeof(*s));
}

/* Room for stratum g's sums. */
static fg_status
grow_strata(fg_stream *s, uint32_t count, fg_error *err)
{
	size_t		w = (size_t) s->p + 1;
	uint32_t	cap;
	double	   *rows,
			   *sum;

	if (count <= s->cap)
		return FG_OK;
	cap = s->cap < 16 ? 16 : s->cap;
	while (cap < count)
		cap = cap > UINT32_MAX / 2 ? count : cap * 2;
	rows = fg_alloc(s->env, sizeof(double) * cap);
	sum = fg_alloc(s->env, sizeof(double) * cap * w);
	if (!rows || !sum)
	{
		fg_release(s->env, rows);
		fg_release(s->env, sum);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL,
					   "The sums of %u strata could not be allocated.", count);
	}
	if (s->cap > 0)
	{
		memcpy(rows, s->s_rows, sizeof(double) * s->cap);
		memcpy(sum, s->s_sum, sizeof(double) * s->cap * w);
	}
	fg_release(s->env, s->s_rows);
	fg_release(s->env, s->s_sum);
	s->s_rows = rows;
	s->s_sum = sum;
	s->cap = cap;
	return FG_OK;
}

fg_status
fg_stream_set_strata(fg_stream *s, uint32_t count, fg_error *err)
{
	fg_status	st = grow_strata(s, count, err);

	if (st == FG_OK && count > s->n_strata)
		s->n_strata = count;
	return st;
}

/*
 * Fold the buffered block: per-stratum sums first, then the block's own
 * mean is removed and its co-moments merged with the running ones, the
 * difference of means entering as one rank-one term (summary.c's
 * comoments_add_block), so no sum grows with the data's distance from the
 * origin.
 */
void
fg_stream_flush(fg_stream *s)
{
	int			w = s->p + 1;
	size_t		rows = s->fill;
	double		nb = (double) rows;
	double		na = (double) s->n;
	double	   *restrict bmean = s->scratch;
	double	   *restrict block = s->block;
	double	   *restrict mean = s->mean;
	double	   *restrict m2 = s->m2;
	const double *restrict shift = s->shift;

	if (rows == 0)
		return;
	/*
	 * The rows as differences from the first row (shift), once: the block
	 * mean, the totals and the per-stratum sums all take them, and centring
	 * them by their mean gives the rows less the block's mean as before.
	 */
	{
		/* the features' magnitudes and y's range (locals: the loops vectorize) */
		double	   *restrict amax = s->amax;
		double		y_min = s->y_min,
					y_max = s->y_max;

		for (size_t q = 0; q < rows; q++)
		{
			const double *restrict bq = block + q * w;
			double		yq = bq[w - 1];

			for (int j = 0; j < w - 1; j++)
			{
				double		m = fabs(bq[j]);

				amax[j] = m > amax[j] ? m : amax[j];
			}
			y_min = yq < y_min ? yq : y_min;
			y_max = yq > y_max ? yq : y_max;
		}
		s->y_min = y_min;
		s->y_max = y_max;
	}
	memset(bmean, 0, sizeof(double) * w);
	for (size_t q = 0; q < rows; q++)
	{
		double	   *restrict bq = block + q * w;

		for (int j = 0; j < w; j++)
		{
			double		d = bq[j] - shift[j];

			bq[j] = d;
			bmean[j] += d;
		}
	}
	for (int j = 0; j < w; j++)
		s->tot[j] += bmean[j];
	if (s->strata)
		for (size_t q = 0; q < rows; q++)
		{
			uint32_t	g = s->block_stratum[q];
			double	   *restrict sg = s->s_sum + (size_t) g * w;
			const double *restrict bq = block + q * w;

			s->s_rows[g] += 1.0;
			for (int j = 0; j < w; j++)
				sg[j] += bq[j];
		}
	for (int j = 0; j < w; j++)
		bmean[j] /= nb;
	for (size_t q = 0; q < rows; q++)
		for (int j = 0; j < w; j++)
			block[q * w + j] -= bmean[j];
	/* the block's mean itself, no longer relative to the shift */
	for (int j = 0; j < w; j++)
		bmean[j] += shift[j];
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, w, (int) rows, 1.0,
				block, w, 1.0, m2, w);
	if (s->n > 0)
	{
		double		f = na * nb / (na + nb);

		for (int i = 0; i < w; i++)
		{
			double		di = f * (bmean[i] - mean[i]);

			for (int j = i; j < w; j++)
				m2[i * w + j] += di * (bmean[j] - mean[j]);
		}
	}
	for (int j = 0; j < w; j++)
		mean[j] += (bmean[j] - mean[j]) * (nb / (na + nb));
	s->n += rows;
	s->fill = 0;
}

fg_status
fg_stream_add(fg_stream *s, const double *x, double y, uint32_t g, fg_error *err)
{
	int			p = s->p;
	double	   *restrict row = s->block + s->fill * (size_t) (p + 1);

	if (s->strata && g >= s->n_strata)
	{
		fg_status	st = grow_strata(s, g + 1, err);

		if (st != FG_OK)
			return st;
		s->n_strata = g + 1;
	}
	if (s->n == 0 && s->fill == 0)
	{
		memcpy(s->shift, x, sizeof(double) * p);
		s->shift[p] = y;
		s->y_min = s->y_max = y;
	}
	/* magnitudes and y's range are taken a block at a time (fg_stream_flush) */
	memcpy(row, x, sizeof(double) * p);
	row[p] = y;
	s->block_stratum[s->fill] = g;
	if (++s->fill == FG_BLOCK_ROWS)
		fg_stream_flush(s);
	return FG_OK;
}

fg_status
fg_stream_merge(fg_stream *dst, fg_stream *src, const uint32_t *remap, uint32_t src_strata,
				fg_error *err)
{
	int			w = dst->p + 1;
	double		na,
				nb;
	fg_status	st;

	if (src->p != dst->p || src->strata != dst->strata)
		return fg_fail(err, FG_ERR_INVALID, "cannot merge least-squares sums of different shapes",
					   NULL, NULL);
	fg_stream_flush(src);
	fg_stream_flush(dst);
	if (src->n == 0)
		return FG_OK;
	na = (double) dst->n;
	nb = (double) src->n;
	if (dst->n == 0)
	{
		/* take src's shift, so its sums carry over unchanged */
		memcpy(dst->shift, src->shift, sizeof(double) * w);
		memset(dst->tot, 0, sizeof(double) * w);
		dst->y_min = src->y_min;
		dst->y_max = src->y_max;
	}
	if (dst->strata)
	{
		uint32_t	top = dst->n_strata;

		for (uint32_t i = 0; i < src_strata && i < src->n_strata; i++)
			top = remap[i] + 1 > top ? remap[i] + 1 : top;
		if ((st = grow_strata(dst, top, err)) != FG_OK)
			return st;
		dst->n_strata = top;
		for (uint32_t i = 0; i < src_strata && i < src->n_strata; i++)
		{
			const double *sg = src->s_sum + (size_t) i * w;
			double	   *dg = dst->s_sum + (size_t) remap[i] * w;
			double		c = src->s_rows[i];

			dst->s_rows[remap[i]] += c;
			/* src's sums are of differences from src's shift */
			for (int j = 0; j < w; j++)
				dg[j] += sg[j] + c * (src->shift[j] - dst->shift[j]);
		}
	}
	for (int j = 0; j < w; j++)
		dst->tot[j] += src->tot[j] + nb * (src->shift[j] - dst->shift[j]);
	for (int j = 0; j < dst->p; j++)
		dst->amax[j] = src->amax[j] > dst->amax[j] ? src->amax[j] : dst->amax[j];
	dst->y_min = src->y_min < dst->y_min ? src->y_min : dst->y_min;
	dst->y_max = src->y_max > dst->y_max ? src->y_max : dst->y_max;
	/* Chan, Golub and LeVeque: M2 = M2a + M2b + (na nb / n) d d' */
	{
		double		f = na * nb / (na + nb);

		for (int i = 0; i < w; i++)
		{
			double		di = src->mean[i] - dst->mean[i];

			for (int j = i; j < w; j++)
				dst->m2[i * w + j] += src->m2[i * w + j] +
					f * di * (src->mean[j] - dst->mean[j]);
		}
		for (int j = 0; j < w; j++)
			dst->mean[j] += (src->mean[j] - dst->mean[j]) * (nb / (na + nb));
	}
	dst->n += src->n;
	return FG_OK;
}

fg_status
fg_stream_renumber(fg_stream *s, const uint32_t *rank, fg_error *err)
{
	size_t		w = (size_t) s->p + 1;
	double	   *rows,
			   *sum;

	fg_stream_flush(s);
	if (!s->strata || s->n_strata == 0)
		return FG_OK;
	rows = fg_alloc(s->env, sizeof(double) * s->cap);
	sum = fg_alloc(s->env, sizeof(double) * s->cap * w);
	if (!rows || !sum)
	{
		fg_release(s->env, rows);
		fg_release(s->env, sum);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	for (uint32_t i = 0; i < s->n_strata; i++)
	{
		rows[rank[i]] = s->s_rows[i];
		memcpy(sum + (size_t) rank[i] * w, s->s_sum + (size_t) i * w, sizeof(double) * w);
	}
	fg_release(s->env, s->s_rows);
	fg_release(s->env, s->s_sum);
	s->s_rows = rows;
	s->s_sum = sum;
	return FG_OK;
}

/*
 * The normal equations in coordinates centred at the means: with
 * d = (alpha - y_bar, beta, b) and alpha = beta0 + mean'beta the intercept
 * at the mean, the Hessian H has the fixed block [N, 0; 0, C] (C the
 * features' co-moments), the stratum block diag(n_g) and their coupling
 * [n_g, sum_g (x - mean)]; the gradient at d = 0 is -r with
 * r = [0, sum (y - y_bar)(x - mean), sum_g (y - y_bar)].  J is quadratic:
 * d = H^-1 r, and RSS = M2_yy - d'r - d'Dd (D the ridges' Hessian).
 * Centred, H is as well conditioned as the features allow; the covariance
 * of (beta0, beta) is T V T' with T = [1, -mean'; 0, I], and the random
 * intercepts' block, edf and the likelihoods do not depend on the centring.
 */
fg_status
fg_stream_fit(const fg_env *env, fg_stream *s, const fg_options *opt,
			  const char *const *feature_names, uint32_t n_attr, fg_fit *fit, fg_error *err)
{
	int			p = s->p;
	int			w = p + 1;
	int			k = 1 + p;
	bool		strata = fg_method_uses_strata(opt->method);
	uint32_t	n = strata ? s->n_strata : 0;
	size_t		m = (size_t) k + n;
	double		N;
	double		ybar,
				m2yy,
				rss,
				pen = 0.0,
				dr = 0.0;
	fg_data		data;
	fg_problem	prob;
	fg_newton_ws ws;
	double	   *comoment = NULL,
			   *r = NULL,
			   *d = NULL,
			   *H_F = NULL,
			   *H_G = NULL;
	fg_row_sums sums;
	fg_status	st;

	memset(fit, 0, sizeof(*fit));
	memset(&prob, 0, sizeof(prob));
	memset(&ws, 0, sizeof(ws));
	fit->target_reached = NAN;
	fit->sigma2 = fit->rmse = fit->r2 = fit->threshold_gap = fit->parity_ks = NAN;
	if ((st = fg_options_check(opt, err)) != FG_OK)
		return st;
	if (!fg_stream_supports(opt) || (strata && !s->strata))
		return fg_fail(err, FG_ERR_INVALID, "the options need the training rows", NULL,
					   "Method %s with these options is not fitted from sums.",
					   fg_method_name(opt->method));
	fg_stream_flush(s);
	if (s->n == 0)
		return fg_fail(err, FG_ERR_DATA, "no rows to fit", NULL, NULL);
	if (s->y_min == s->y_max)
		return fg_fail(err, FG_ERR_DATA, "y is constant",
					   "A least-squares fit needs at least two values of y.",
					   "All %zu rows used have y = %g.", (size_t) s->n, s->y_min);
	N = (double) s->n;
	ybar = s->mean[p];
	m2yy = s->m2[p * w + p];

	/* a stand-in for the rows: the shape, the names, one row for the workspace's sizes */
	memset(&data, 0, sizeof(data));
	data.p = p;
	data.n_rows = (size_t) s->n;
	data.n_strata = n;
	data.feature_names = feature_names;
	comoment = fg_alloc(env, sizeof(double) * (p ? p : 1) * (p ? p : 1));
	r = fg_alloc(env, sizeof(double) * m);
	d = fg_alloc(env, sizeof(double) * m);
	H_F = fg_alloc(env, sizeof(double) * k * k);
	H_G = fg_alloc(env, sizeof(double) * (n ? n : 1) * k);
	fit->beta = fg_alloc(env, sizeof(double) * (p ? p : 1));
	fit->b = fg_alloc(env, sizeof(double) * (n ? n : 1));
	fit->stratum_rows = fg_alloc(env, sizeof(uint64_t) * (n ? n : 1));
	fit->attr_di = fg_alloc(env, sizeof(double) * (n_attr ? n_attr : 1));
	if (!comoment || !r || !d || !H_F || !H_G || !fit->beta || !fit->b || !fit->stratum_rows ||
		!fit->attr_di)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}
	for (int i = 0; i < p; i++)
		memcpy(comoment + (size_t) i * p, s->m2 + (size_t) i * w, sizeof(double) * p);
	/* a ridge on the slopes identifies collinear features too */
	if (opt->l2 == 0.0 &&
		(st = fg_summary_check_collinear_sums(env, &data, comoment, s->amax, err)) != FG_OK)
		goto done;

	data.n_rows = 1;
	if ((st = fg_problem_init(env, &data, strata, opt->lambda, opt->l2, 0, NULL, NULL, &prob,
							  err)) != FG_OK ||
		(st = fg_newton_ws_init(env, &prob, &ws, err)) != FG_OK)
		goto done;
	data.n_rows = (size_t) s->n;

	/* the Hessian's blocks and r, centred */
	/*
	 * sum (x - mean) and sum (y - y_bar) are 0 but for the rounding of the
	 * means; taken from the sums of differences, they keep the intercept
	 * consistent with the strata's sums (where y is far from 0, a
	 * difference of y_bar's last bit moves b by a few 1e-10 otherwise)
	 */
	memset(ws.F, 0, sizeof(double) * k * k);
	ws.F[0] = N;
	for (int j = 0; j < p; j++)
		ws.F[1 + j] = s->tot[j] - N * (s->mean[j] - s->shift[j]);
	for (int i = 0; i < p; i++)
		for (int j = i; j < p; j++)
			ws.F[(1 + i) * k + 1 + j] = s->m2[i * w + j];
	r[0] = s->tot[p] - N * (ybar - s->shift[p]);
	for (int j = 0; j < p; j++)
		r[1 + j] = s->m2[j * w + p];
	for (uint32_t g = 0; g < n; g++)
	{
		const double *sg = s->s_sum + (size_t) g * w;
		double		c = s->s_rows[g];
		double	   *Gg = ws.G + (size_t) g * k;

		Gg[0] = c;
		/* sum_g (x - mean) from the sums of x - shift */
		for (int j = 0; j < p; j++)
			Gg[1 + j] = sg[j] - c * (s->mean[j] - s->shift[j]);
		ws.E[g] = c;
		r[k + g] = sg[p] - c * (ybar - s->shift[p]);
		fit->stratum_rows[g] = (uint64_t) c;
	}
	memcpy(H_F, ws.F, sizeof(double) * k * k);
	memcpy(H_G, ws.G, sizeof(double) * n * k);
	if ((st = fg_newton_factor_given(&prob, &ws, err)) != FG_OK)
		goto done;
	fg_newton_solve_h(&prob, &ws, r, d);

	/* RSS = M2_yy - d'r - d'Dd, and J = RSS / 2 + d'Dd / 2 */
	for (size_t i = 0; i < m; i++)
		dr += d[i] * r[i];
	for (int j = 1; j < k; j++)
		pen += prob.l2 * d[j] * d[j];
	for (uint32_t g = 0; g < n; g++)
		pen += prob.lambda * d[k + g] * d[k + g];
	rss = fmax(m2yy - dr - 2.0 * pen, 0.0);

	/* the gradient left at d, H d - r, for the record (rounding level) */
	{
		double		g2 = 0.0;

		for (int i = 0; i < k; i++)
		{
			double		gi = -r[i];

			for (int j = 0; j < k; j++)
				gi += (i <= j ? H_F[i * k + j] : H_F[j * k + i]) * d[j];
			if (i >= 1)
				gi += 2.0 * prob.l2 * d[i];
			for (uint32_t g = 0; g < n; g++)
				gi += H_G[(size_t) g * k + i] * d[k + g];
			g2 += gi * gi;
		}
		for (uint32_t g = 0; g < n; g++)
		{
			double		gi = -r[k + g] + (s->s_rows[g] + 2.0 * prob.lambda) * d[k + g];

			for (int j = 0; j < k; j++)
				gi += H_G[(size_t) g * k + j] * d[j];
			g2 += gi * gi;
		}
		fit->grad_norm = sqrt(g2);
	}

	fit->p = p;
	fit->n_strata = n;
	fit->iterations = 1;
	fit->converged = true;
	fit->weight_sum = N;
	fit->intercept = ybar + d[0];
	for (int j = 0; j < p; j++)
	{
		fit->beta[j] = d[1 + j];
		fit->intercept -= s->mean[j] * d[1 + j];
	}
	memcpy(fit->b, d + k, sizeof(double) * n);
	fit->objective = 0.5 * rss + pen;
	fit->rmse = sqrt(rss / N);
	fit->r2 = m2yy > 0.0 ? 1.0 - rss / m2yy : NAN;
	fit->train_accuracy = fit->train_di = fit->train_cov = NAN;
	fit->n_attr = n_attr ? n_attr : 1;
	for (uint32_t a = 0; a < fit->n_attr; a++)
		fit->attr_di[a] = NAN;

	memset(&sums, 0, sizeof(sums));
	sums.gaussian = true;
	sums.nobs = N;
	sums.rss = rss;
	sums.rss0 = m2yy;
	if ((st = fg_inference_sums(env, &prob, &ws, NULL, opt, NULL, &sums, 0, fit, err)) != FG_OK)
		goto done;
	if (fit->vcov != NULL && p > 0)
	{
		/* back from the centred intercept: V = T Vc T', T = [1, -mean'; 0, I] */
		double	   *V = fit->vcov;
		double	   *u = comoment;	/* k scratch (p x p >= k when p >= 2; else below) */
		double		v00;

		if ((size_t) p * p < (size_t) k)
			u = H_F;
		/* u_j = Vc[0][j] - sum_i mean_i Vc[1 + i][j] */
		for (int j = 0; j < k; j++)
		{
			double		t = V[j];

			for (int i = 0; i < p; i++)
				t -= s->mean[i] * V[(1 + i) * k + j];
			u[j] = t;
		}
		v00 = u[0];
		for (int i = 0; i < p; i++)
			v00 -= s->mean[i] * u[1 + i];
		V[0] = v00;
		for (int j = 1; j < k; j++)
			V[j] = V[j * k] = u[j];
	}

done:
	fg_newton_ws_free(env, &ws);
	fg_problem_free(env, &prob);
	fg_release(env, comoment);
	fg_release(env, r);
	fg_release(env, d);
	fg_release(env, H_F);
	fg_release(env, H_G);
	if (st != FG_OK)
		fg_fit_release(env, fit);
	return st;
}
