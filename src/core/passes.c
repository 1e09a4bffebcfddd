/*
 * passes.c -- the accumulators of passes.h: each section's layout, how a
 * block of rows adds to it, how two merge, and what the fitter reads back.
 */
#include "passes.h"
#include "inference.h"
#include "newton.h"
#include "pass.h"
#include "separation.h"

#include <math.h>
#include <string.h>

/* Slot 0 of every accumulator counts its rows. */
#define ACC_ROWS 0
#define ACC_HEADER 1

/* SUMMARY's fixed slots, then mean p, comoment p x p, amax p, xy p, a k + n, strata */
enum
{
	SUM_N = 0, SUM_Y_ONES, SUM_S_ONES, SUM_Y_BAR, SUM_S_BAR, SUM_W, SUM_WY, SUM_WS, SUM_LOGW,
	SUM_Y_MIN, SUM_Y_MAX, SUM_FIXED
};

/* FINAL's metric slots, then per attribute category the weight and the weight predicted 1 */
enum
{
	MET_CORRECT = 0, MET_ONES, MET_S_ONES, MET_S_PRED, MET_COV, MET_WCOV, MET_W, MET_RSS, MET_RSS0,
	MET_FIXED
};

/* SEPARATION's slots, then per coefficient the largest |x|, the common value and whether one was seen */
enum
{
	SEP_ROWS = 0, SEP_ONES, SEP_WRONG, SEP_FIXED
};

static uint32_t
strata_of_summary(const fg_pass_spec *spec)
{
	return spec->summary_strata ? spec->n_strata : 0;
}

static size_t
summary_size(const fg_pass_spec *spec)
{
	size_t		p = (size_t) spec->p;
	size_t		n = strata_of_summary(spec);

	return SUM_FIXED + p + p * p + p + p + (1 + p + n) + 2 * n + n * p;
}

/* The shell of the pass's attributes as fg_data describes them (no rows). */
static void
attribute_shell(const fg_pass_spec *spec, uint32_t n_strata, fg_data *shell)
{
	memset(shell, 0, sizeof(*shell));
	shell->p = spec->p;
	shell->n_strata = n_strata;
	shell->n_attr = spec->n_attr;
	shell->n_cats = spec->n_attr ? spec->n_cats : NULL;
}

static size_t
terms_size(const fg_pass_spec *spec)
{
	fg_data		shell;
	fg_options	opt;

	attribute_shell(spec, spec->n_strata, &shell);
	memset(&opt, 0, sizeof(opt));
	opt.fairness = spec->fairness;
	return fg_terms_sums_size(&shell, &opt, spec->terms_strata);
}

static size_t
newton_size(const fg_pass_spec *spec)
{
	size_t		k = 1 + (size_t) spec->p;

	/* loss, max |eta|, gradient, then F and G for the Hessian */
	return 2 + k + spec->n_model +
		(spec->need == FG_NEED_HESSIAN ? k * k + (size_t) spec->n_model * k : 0);
}

static size_t
metric_cells(const fg_pass_spec *spec)
{
	size_t		cells = 0;

	if (spec->n_attr == 0)
		return 2;
	for (uint32_t a = 0; a < spec->n_attr; a++)
		cells += spec->n_cats[a];
	return cells;
}

static size_t
final_size(const fg_pass_spec *spec)
{
	size_t		k = 1 + (size_t) spec->p;

	return MET_FIXED + 2 * metric_cells(spec) + (spec->robust ? spec->n_strata * (k + 1) : 0);
}

static size_t
separation_size(const fg_pass_spec *spec)
{
	return SEP_FIXED + 3 * (1 + (size_t) spec->p);
}

/* Offsets of the sections in the order of the bits; the size when kind is 0. */
static size_t
section(const fg_pass_spec *spec, uint32_t kind)
{
	size_t		off = ACC_HEADER;

	if (kind == FG_PASS_SUMMARY)
		return off;
	off += (spec->kinds & FG_PASS_SUMMARY) ? summary_size(spec) : 0;
	if (kind == FG_PASS_TERMS)
		return off;
	off += (spec->kinds & FG_PASS_TERMS) ? terms_size(spec) : 0;
	if (kind == FG_PASS_NEWTON)
		return off;
	off += (spec->kinds & FG_PASS_NEWTON) ? newton_size(spec) : 0;
	if (kind == FG_PASS_FINAL)
		return off;
	off += (spec->kinds & FG_PASS_FINAL) ? final_size(spec) : 0;
	if (kind == FG_PASS_SEPARATION)
		return off;
	off += (spec->kinds & FG_PASS_SEPARATION) ? separation_size(spec) : 0;
	return off;
}

size_t
fg_pass_size(const fg_pass_spec *spec)
{
	return section(spec, 0);
}

uint64_t
fg_pass_rows(const double *acc)
{
	return (uint64_t) acc[ACC_ROWS];
}

void
fg_pass_init(const fg_pass_spec *spec, double *acc)
{
	memset(acc, 0, sizeof(double) * fg_pass_size(spec));
	if (spec->kinds & FG_PASS_SUMMARY)
	{
		double	   *s = acc + section(spec, FG_PASS_SUMMARY);

		s[SUM_Y_MIN] = INFINITY;
		s[SUM_Y_MAX] = -INFINITY;
	}
	if (spec->kinds & FG_PASS_SEPARATION)
	{
		double	   *s = acc + section(spec, FG_PASS_SEPARATION) + SEP_FIXED;

		s[0] = 1.0;				/* the intercept's scale */
	}
}

/* ---------- SUMMARY ---------- */

/* Pointers into a summary section. */
typedef struct summary_view
{
	double	   *fixed;
	double	   *mean,
			   *comoment,
			   *amax,
			   *xy,
			   *a,
			   *stratum_rows,
			   *stratum_y,
			   *stratum_x;
} summary_view;

static void
summary_view_of(const fg_pass_spec *spec, double *s, summary_view *v)
{
	size_t		p = (size_t) spec->p;
	size_t		n = strata_of_summary(spec);

	v->fixed = s;
	v->mean = s + SUM_FIXED;
	v->comoment = v->mean + p;
	v->amax = v->comoment + p * p;
	v->xy = v->amax + p;
	v->a = v->xy + p;
	v->stratum_rows = v->a + 1 + p + n;
	v->stratum_y = v->stratum_rows + n;
	v->stratum_x = v->stratum_y + n;
}

/*
 * dst += src for two summary sections: counts and per-stratum sums add,
 * centred sums by Chan's formula M = M1 + M2 + n1 n2 / n d1 d2', means
 * weighted by counts.  The per-stratum sums of y and s are centred by the
 * means of their own rows, so they move with them.
 */
static void
summary_merge(const fg_pass_spec *spec, double *dst, const double *src_in)
{
	int			p = spec->p;
	uint32_t	n = strata_of_summary(spec);
	size_t		k = 1 + (size_t) p;
	summary_view d,
				s;
	double		n1 = dst[SUM_N],
				n2 = src_in[SUM_N],
				nn = n1 + n2,
				f,
				dy,
				ds;

	summary_view_of(spec, dst, &d);
	summary_view_of(spec, (double *) src_in, &s);
	if (n2 == 0.0)
		return;
	for (int c = SUM_W; c <= SUM_LOGW; c++)
		dst[c] += src_in[c];
	dst[SUM_Y_MIN] = fmin(dst[SUM_Y_MIN], src_in[SUM_Y_MIN]);
	dst[SUM_Y_MAX] = fmax(dst[SUM_Y_MAX], src_in[SUM_Y_MAX]);
	for (int j = 0; j < p; j++)
		d.amax[j] = fmax(d.amax[j], s.amax[j]);
	if (n1 == 0.0)
	{
		memcpy(dst, src_in, sizeof(double) * summary_size(spec));
		return;
	}
	f = n1 * n2 / nn;
	dy = s.fixed[SUM_Y_BAR] - d.fixed[SUM_Y_BAR];
	ds = s.fixed[SUM_S_BAR] - d.fixed[SUM_S_BAR];
	for (int i = 0; i < p; i++)
	{
		double		di = s.mean[i] - d.mean[i];

		for (int j = i; j < p; j++)
			d.comoment[(size_t) i * p + j] += s.comoment[(size_t) i * p + j] +
				f * di * (s.mean[j] - d.mean[j]);
		d.xy[i] += s.xy[i] + f * di * dy;
		d.a[1 + i] += s.a[1 + i] + f * di * ds;
	}
	for (uint32_t g = 0; g < n; g++)
	{
		/* back to raw sums, added, then centred by the merged means below */
		d.stratum_y[g] += d.stratum_rows[g] * d.fixed[SUM_Y_BAR] +
			s.stratum_y[g] + s.stratum_rows[g] * s.fixed[SUM_Y_BAR];
		d.a[k + g] += d.stratum_rows[g] * d.fixed[SUM_S_BAR] +
			s.a[k + g] + s.stratum_rows[g] * s.fixed[SUM_S_BAR];
		d.stratum_rows[g] += s.stratum_rows[g];
		for (int j = 0; j < p; j++)
			d.stratum_x[(size_t) g * p + j] += s.stratum_x[(size_t) g * p + j];
	}
	for (int i = 0; i < p; i++)
		d.mean[i] += (n2 / nn) * (s.mean[i] - d.mean[i]);
	dst[SUM_N] = nn;
	dst[SUM_Y_ONES] += src_in[SUM_Y_ONES];
	dst[SUM_S_ONES] += src_in[SUM_S_ONES];
	/* binary y and s: the shares of ones exactly, as fg_summarize has them */
	dst[SUM_Y_BAR] = spec->gaussian ? dst[SUM_Y_BAR] + (n2 / nn) * dy
		: dst[SUM_Y_ONES] / nn;
	dst[SUM_S_BAR] = dst[SUM_S_ONES] / nn;
	for (uint32_t g = 0; g < n; g++)
	{
		d.stratum_y[g] -= d.stratum_rows[g] * dst[SUM_Y_BAR];
		d.a[k + g] -= d.stratum_rows[g] * dst[SUM_S_BAR];
	}
}

static fg_status
summary_add(const fg_env *env, const fg_pass_spec *spec, const fg_data *block, double *acc,
			double *scratch, fg_error *err)
{
	fg_summary	bs;
	summary_view v;
	fg_status	st;
	int			p = spec->p;
	uint32_t	n = strata_of_summary(spec);
	size_t		N = block->n_rows;

	if (N == 0)
		return FG_OK;
	if ((st = fg_summarize(env, block, n > 0, &bs, err)) != FG_OK)
		return st;
	memset(scratch, 0, sizeof(double) * summary_size(spec));
	summary_view_of(spec, scratch, &v);
	v.fixed[SUM_N] = (double) bs.n_rows;
	v.fixed[SUM_Y_ONES] = (double) bs.y_ones;
	v.fixed[SUM_S_ONES] = (double) bs.s_ones;
	v.fixed[SUM_Y_BAR] = bs.y_bar;
	v.fixed[SUM_S_BAR] = bs.s_bar;
	v.fixed[SUM_Y_MIN] = INFINITY;
	v.fixed[SUM_Y_MAX] = -INFINITY;
	for (size_t l = 0; l < N; l++)
	{
		double		w = block->w ? block->w[l] : 1.0;
		double		y = block->y_real ? block->y_real[l] : block->y[l];

		v.fixed[SUM_W] += w;
		v.fixed[SUM_WY] += w * y;
		v.fixed[SUM_WS] += block->n_attr == 0 && block->s[l] ? w : 0.0;
		v.fixed[SUM_LOGW] += block->w ? log(w) : 0.0;
		v.fixed[SUM_Y_MIN] = fmin(v.fixed[SUM_Y_MIN], y);
		v.fixed[SUM_Y_MAX] = fmax(v.fixed[SUM_Y_MAX], y);
	}
	memcpy(v.mean, bs.mean, sizeof(double) * p);
	memcpy(v.comoment, bs.comoment, sizeof(double) * p * p);
	memcpy(v.amax, bs.amax, sizeof(double) * p);
	memcpy(v.xy, bs.xy, sizeof(double) * p);
	memcpy(v.a, bs.a, sizeof(double) * (1 + p + n));
	if (n > 0)
	{
		memcpy(v.stratum_rows, bs.stratum_rows, sizeof(double) * n);
		memcpy(v.stratum_y, bs.stratum_y, sizeof(double) * n);
		memcpy(v.stratum_x, bs.stratum_x, sizeof(double) * n * p);
	}
	fg_summary_free(env, &bs);
	summary_merge(spec, acc + section(spec, FG_PASS_SUMMARY), scratch);
	return FG_OK;
}

fg_status
fg_pass_summary(const fg_env *env, const fg_pass_spec *spec, const double *acc,
				fg_summary *sum, fg_pass_summary_extra *extra, fg_error *err)
{
	summary_view v;
	size_t		p = (size_t) spec->p;
	size_t		pp = p ? p : 1;
	uint32_t	n = strata_of_summary(spec);

	summary_view_of(spec, (double *) acc + section(spec, FG_PASS_SUMMARY), &v);
	memset(sum, 0, sizeof(*sum));
	sum->n_rows = (size_t) v.fixed[SUM_N];
	sum->p = spec->p;
	sum->n = n;
	sum->y_ones = (size_t) v.fixed[SUM_Y_ONES];
	sum->s_ones = (size_t) v.fixed[SUM_S_ONES];
	sum->y_bar = v.fixed[SUM_Y_BAR];
	sum->s_bar = v.fixed[SUM_S_BAR];
	sum->mean = fg_alloc(env, sizeof(double) * pp);
	sum->comoment = fg_alloc(env, sizeof(double) * pp * pp);
	sum->amax = fg_alloc(env, sizeof(double) * pp);
	sum->xy = fg_alloc(env, sizeof(double) * pp);
	sum->a = fg_alloc(env, sizeof(double) * (1 + p + n));
	if (n > 0)
	{
		sum->stratum_rows = fg_alloc(env, sizeof(double) * n);
		sum->stratum_y = fg_alloc(env, sizeof(double) * n);
		sum->stratum_x = fg_alloc(env, sizeof(double) * n * pp);
	}
	if (!sum->mean || !sum->comoment || !sum->amax || !sum->xy || !sum->a ||
		(n > 0 && (!sum->stratum_rows || !sum->stratum_y || !sum->stratum_x)))
	{
		fg_summary_free(env, sum);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	memcpy(sum->mean, v.mean, sizeof(double) * p);
	memcpy(sum->comoment, v.comoment, sizeof(double) * p * p);
	memcpy(sum->amax, v.amax, sizeof(double) * p);
	memcpy(sum->xy, v.xy, sizeof(double) * p);
	memcpy(sum->a, v.a, sizeof(double) * (1 + p + n));
	sum->a[0] = 0.0;
	if (n > 0)
	{
		memcpy(sum->stratum_rows, v.stratum_rows, sizeof(double) * n);
		memcpy(sum->stratum_y, v.stratum_y, sizeof(double) * n);
		memcpy(sum->stratum_x, v.stratum_x, sizeof(double) * n * p);
	}
	extra->weight = v.fixed[SUM_W];
	extra->wy = v.fixed[SUM_WY];
	extra->ws = v.fixed[SUM_WS];
	extra->log_weights = v.fixed[SUM_LOGW];
	extra->y_min = v.fixed[SUM_Y_MIN];
	extra->y_max = v.fixed[SUM_Y_MAX];
	return FG_OK;
}

/* ---------- TERMS ---------- */

fg_status
fg_pass_terms(const fg_env *env, const fg_pass_spec *spec, const fg_options *opt,
			  const double *acc, double weight_sum, size_t n_rows, fg_terms *terms,
			  fg_error *err)
{
	fg_data		shell;
	fg_summary	sum;

	attribute_shell(spec, spec->n_strata, &shell);
	memset(&sum, 0, sizeof(sum));
	sum.n_rows = n_rows;
	return fg_terms_from_sums(env, &shell, opt, &sum, true, acc + section(spec, FG_PASS_TERMS),
							  spec->terms_strata, weight_sum, terms, err);
}

/* ---------- NEWTON ---------- */

/*
 * The block's rows as a Newton problem over the model's strata, and a
 * workspace whose per-row buffers hold them, summing into the section.
 */
static fg_status
newton_add(const fg_env *env, const fg_pass_spec *spec, const fg_data *block, double *acc,
		   fg_error *err)
{
	double	   *s = acc + section(spec, FG_PASS_NEWTON);
	size_t		k = 1 + (size_t) spec->p;
	size_t		N = FG_BLOCK_ROWS;	/* fg_newton_block_pass goes FG_BLOCK_ROWS rows at a time */
	fg_problem	prob;
	fg_newton_ws ws;
	double		max_abs_eta = s[1];

	memset(&prob, 0, sizeof(prob));
	prob.data = block;
	prob.k = (int) k;
	prob.n = spec->n_model;
	prob.w_floor = spec->w_floor;
	memset(&ws, 0, sizeof(ws));
	ws.eta = fg_alloc_uninit(env, sizeof(double) * N);
	ws.eta_next = fg_alloc_uninit(env, sizeof(double) * N);
	ws.rowbuf = fg_alloc(env, sizeof(double) * 5 * FG_BLOCK_ROWS);
	ws.block = fg_alloc(env, sizeof(double) * k * FG_BLOCK_ROWS);
	if (!ws.eta || !ws.eta_next || !ws.rowbuf || !ws.block)
	{
		fg_release(env, ws.eta);
		fg_release(env, ws.eta_next);
		fg_release(env, ws.rowbuf);
		fg_release(env, ws.block);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	ws.grad = s + 2;
	ws.F = ws.grad + k + spec->n_model;
	ws.G = ws.F + k * k;
	s[0] += fg_newton_block_pass(env, &prob, spec->delta, (fg_pass_need) spec->need, &ws,
								 &max_abs_eta);
	s[1] = max_abs_eta;
	fg_release(env, ws.eta);
	fg_release(env, ws.eta_next);
	fg_release(env, ws.rowbuf);
	fg_release(env, ws.block);
	return FG_OK;
}

double
fg_pass_newton(const fg_pass_spec *spec, const double *acc, double *max_abs_eta,
			   double *grad, double *F, double *G)
{
	const double *s = acc + section(spec, FG_PASS_NEWTON);
	size_t		k = 1 + (size_t) spec->p;
	size_t		m = k + spec->n_model;

	*max_abs_eta = s[1];
	if (spec->need != FG_NEED_LOSS)
		for (size_t j = 0; j < m; j++)
			grad[j] += s[2 + j];
	if (spec->need == FG_NEED_HESSIAN)
	{
		for (size_t j = 0; j < k * k; j++)
			F[j] += s[2 + m + j];
		for (size_t j = 0; j < (size_t) spec->n_model * k; j++)
			G[j] += s[2 + m + k * k + j];
	}
	return s[0];
}

/* ---------- FINAL ---------- */

/* The linear predictor of the block's rows at spec->delta, into eta. */
static void
block_eta(const fg_pass_spec *spec, const fg_data *block, double *eta)
{
	fg_problem	prob;

	memset(&prob, 0, sizeof(prob));
	prob.data = block;
	prob.k = 1 + spec->p;
	prob.n = spec->n_model;
	fg_compute_eta(&prob, spec->delta, eta);
}

void
fg_metrics_accumulate(const fg_data *data, double threshold, double s_bar, double s_bar_w,
					  const double *eta, double *acc)
{
	size_t		N = data->n_rows;
	const uint8_t *restrict y = data->y;
	const uint8_t *restrict s = data->s;
	uint32_t	n_attr = data->n_attr == 0 ? 1 : data->n_attr;
	double	   *w_cat = acc + MET_FIXED;
	size_t		cells = 0;
	double	   *w_pos;

	/*
	 * sigmoid(eta) >= threshold compares eta with logit(threshold); only
	 * rows within a hair of that cut need the sigmoid itself, so the
	 * verdict is the one fairglmm_classify gives, without an exp per row.
	 */
	double		cut = log(threshold / (1.0 - threshold));
	bool		use_cut = threshold > 0.0 && threshold < 1.0 && isfinite(cut);
	double		margin = 1e-6 * (1.0 + fabs(cut));
	size_t		correct = 0,
				ones = 0,
				s_ones = 0,
				s_pred = 0;
	double		cov = 0.0,
				wcov = 0.0,
				wt = 0.0;

	for (uint32_t a = 0; a < n_attr; a++)
		cells += data->n_attr == 0 ? 2 : data->n_cats[a];
	w_pos = w_cat + cells;
	for (size_t l = 0; l < N; l++)
	{
		int			yhat = use_cut ? eta[l] > cut : fg_sigmoid(eta[l]) >= threshold;
		double		w = data->w ? data->w[l] : 1.0;
		size_t		base = 0;

		if (use_cut && fabs(eta[l] - cut) <= margin)
			yhat = fg_sigmoid(eta[l]) >= threshold;
		wt += w;
		correct += yhat == y[l];
		ones += yhat;
		if (s != NULL)
		{
			s_ones += s[l];
			s_pred += yhat & s[l];
			cov += (s[l] - s_bar) * eta[l];
			if (data->w != NULL)
				wcov += data->w[l] * (s[l] - s_bar_w) * eta[l];
		}
		for (uint32_t a = 0; a < n_attr; a++)
		{
			uint32_t	j = fg_row_category(data, l, a);

			w_cat[base + j] += w;
			w_pos[base + j] += yhat ? w : 0.0;
			base += data->n_attr == 0 ? 2 : data->n_cats[a];
		}
	}
	acc[MET_CORRECT] += (double) correct;
	acc[MET_ONES] += (double) ones;
	acc[MET_S_ONES] += (double) s_ones;
	acc[MET_S_PRED] += (double) s_pred;
	acc[MET_COV] += cov;
	acc[MET_WCOV] += wcov;
	acc[MET_W] += wt;
}

size_t
fg_metrics_size(const fg_data *data)
{
	size_t		cells = 0;

	if (data->n_attr == 0)
		cells = 2;
	for (uint32_t a = 0; a < data->n_attr; a++)
		cells += data->n_cats[a];
	return MET_FIXED + 2 * cells;
}

fg_status
fg_metrics_finish(const fg_env *env, const fg_data *data, size_t n_rows, const double *acc,
				  fg_fit *fit, fg_error *err)
{
	uint32_t	n_attr = data->n_attr == 0 ? 1 : data->n_attr;
	double		N = (double) n_rows;
	const double *w_cat = acc + MET_FIXED;
	const double *w_pos;
	size_t		cells = (fg_metrics_size(data) - MET_FIXED) / 2;
	bool		binary = data->n_attr == 0;

	w_pos = w_cat + cells;
	fit->n_attr = n_attr;
	fit->attr_di = fg_alloc(env, sizeof(double) * n_attr);
	if (!fit->attr_di)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	fit->train_accuracy = acc[MET_CORRECT] / N;
	fit->train_di = NAN;
	if (binary)
	{
		fg_di_counts counts;

		counts.n1 = (int64_t) acc[MET_S_ONES];
		counts.pos1 = (int64_t) acc[MET_S_PRED];
		counts.n0 = (int64_t) (N - acc[MET_S_ONES]);
		counts.pos0 = (int64_t) (acc[MET_ONES] - acc[MET_S_PRED]);
		fit->train_di = fg_disparate_impact(&counts);
		fit->train_cov = acc[MET_COV] / N;
	}
	if (binary && !data->w)
		fit->attr_di[0] = fit->train_di;
	else
	{
		/* weighted rates per attribute and category */
		for (uint32_t a = 0, base = 0; a < n_attr; a++)
		{
			uint32_t	c = binary ? 2 : data->n_cats[a];

			fit->attr_di[a] = fg_rate_ratio(w_pos + base, w_cat + base, c);
			base += c;
		}
		fit->train_di = fit->attr_di[0];
	}
	/* with weights, 1.0's covariance of the binary attribute weighted too */
	if (binary && data->w != NULL)
		fit->train_cov = acc[MET_WCOV] / acc[MET_W];
	/* several categories or attributes: no single covariance (see the terms) */
	if (!binary)
		fit->train_cov = NAN;
	return FG_OK;
}

static fg_status
final_add(const fg_env *env, const fg_pass_spec *spec, const fg_data *block, double *acc,
		  fg_error *err)
{
	double	   *s = acc + section(spec, FG_PASS_FINAL);
	size_t		N = block->n_rows;
	double	   *eta = fg_alloc_uninit(env, sizeof(double) * (N ? N : 1));

	if (eta == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	block_eta(spec, block, eta);
	if (block->y_real != NULL)
		for (size_t l = 0; l < N; l++)
		{
			double		w = block->w ? block->w[l] : 1.0;
			double		r = block->y_real[l] - eta[l],
						r0 = block->y_real[l] - spec->y_bar_w;

			s[MET_RSS] += w * r * r;
			s[MET_RSS0] += w * r0 * r0;
		}
	else
		fg_metrics_accumulate(block, spec->threshold, spec->s_bar, spec->s_bar_w, eta, s);
	if (spec->robust)
	{
		double	   *sf = s + MET_FIXED + 2 * metric_cells(spec);

		fg_score_sums(block, eta, sf, sf + (size_t) spec->n_strata * (1 + spec->p));
	}
	fg_release(env, eta);
	return FG_OK;
}

fg_status
fg_pass_metrics(const fg_env *env, const fg_pass_spec *spec, const double *acc,
				fg_fit *fit, fg_error *err)
{
	fg_data		shell;

	attribute_shell(spec, spec->n_strata, &shell);
	/* only whether there are weights matters: any non-NULL pointer */
	shell.w = spec->weighted ? acc : NULL;
	return fg_metrics_finish(env, &shell, (size_t) acc[ACC_ROWS],
							 acc + section(spec, FG_PASS_FINAL), fit, err);
}

void
fg_pass_gaussian_rss(const fg_pass_spec *spec, const double *acc, double *rss, double *rss0)
{
	const double *s = acc + section(spec, FG_PASS_FINAL);

	*rss = s[MET_RSS];
	*rss0 = s[MET_RSS0];
}

void
fg_pass_scores(const fg_pass_spec *spec, const double *acc, const double **sf,
			   const double **sb)
{
	const double *s = acc + section(spec, FG_PASS_FINAL) + MET_FIXED + 2 * metric_cells(spec);

	*sf = s;
	*sb = s + (size_t) spec->n_strata * (1 + spec->p);
}

/* ---------- SEPARATION ---------- */

static fg_status
separation_add(const fg_env *env, const fg_pass_spec *spec, const fg_data *block, double *acc,
			   fg_error *err)
{
	double	   *s = acc + section(spec, FG_PASS_SEPARATION);
	int			p = spec->p;
	double	   *scale = s + SEP_FIXED;
	double	   *value = scale + 1 + p;
	double	   *seen = value + 1 + p;
	size_t		N = block->n_rows;
	double	   *eta = fg_alloc_uninit(env, sizeof(double) * 2 * (N ? N : 1));
	double	   *deta = eta + (N ? N : 1);
	fg_pass_spec step = *spec;

	if (eta == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	block_eta(spec, block, eta);
	step.delta = spec->step;
	block_eta(&step, block, deta);
	for (size_t l = 0; l < N; l++)
	{
		const double *x = fg_data_row(block, l);
		double		out = block->y[l] ? 1.0 : -1.0;
		bool		sep = fg_row_separated(out, eta[l], deta[l]);
		double		e = eta[l] - (spec->n_model > 0 ? spec->delta[1 + p + block->stratum[l]] : 0.0);

		s[SEP_WRONG] += (block->y[l] ? e : -e) <= 0.0;
		s[SEP_ROWS] += sep;
		s[SEP_ONES] += sep && block->y[l];
		for (int j = 0; j < p; j++)
		{
			scale[1 + j] = fmax(scale[1 + j], fabs(x[j]));
			if (!sep)
				continue;
			if (seen[1 + j] == 0.0)
			{
				seen[1 + j] = 1.0;
				value[1 + j] = x[j];
			}
			else if (value[1 + j] != x[j])
				value[1 + j] = NAN;
		}
	}
	fg_release(env, eta);
	return FG_OK;
}

static void
separation_merge(const fg_pass_spec *spec, double *d, const double *s)
{
	int			p = spec->p;

	for (int c = 0; c < SEP_FIXED; c++)
		d[c] += s[c];
	for (int j = 1; j <= p; j++)
	{
		double	   *dv = d + SEP_FIXED + 1 + p + j,
				   *ds = d + SEP_FIXED + 2 * (1 + p) + j;
		const double *sv = s + SEP_FIXED + 1 + p + j,
				   *ss = s + SEP_FIXED + 2 * (1 + p) + j;

		d[SEP_FIXED + j] = fmax(d[SEP_FIXED + j], s[SEP_FIXED + j]);
		if (*ss == 0.0)
			continue;
		if (*ds == 0.0)
			*dv = *sv;
		else if (!(*dv == *sv))
			*dv = NAN;
		*ds = 1.0;
	}
}

fg_status
fg_pass_separation(const fg_pass_spec *spec, const double *acc, fg_separation_stats *stats)
{
	const double *s = acc + section(spec, FG_PASS_SEPARATION);

	stats->rows = (uint64_t) s[SEP_ROWS];
	stats->ones = (uint64_t) s[SEP_ONES];
	stats->wrong = (uint64_t) s[SEP_WRONG];
	stats->scale = s + SEP_FIXED;
	stats->value = s + SEP_FIXED + 1 + spec->p;
	return FG_OK;
}

/* ---------- every section ---------- */

static fg_status add_sections(const fg_env *env, const fg_pass_spec *spec, const fg_data *block,
							  double *acc, fg_error *err);

fg_status
fg_pass_add(const fg_env *env, const fg_pass_spec *spec, const fg_data *block, double *acc,
			fg_error *err)
{
	fg_data		scaled;
	double	   *w = NULL;
	fg_status	st;

	if (block->n_rows == 0)
		return FG_OK;
	if (block->w != NULL && spec->weight_factor != 1.0)
	{
		/* the weights as the fit takes them */
		w = fg_alloc_uninit(env, sizeof(double) * block->n_rows);
		if (w == NULL)
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		for (size_t l = 0; l < block->n_rows; l++)
			w[l] = block->w[l] * spec->weight_factor;
		scaled = *block;
		scaled.w = w;
		block = &scaled;
	}
	st = add_sections(env, spec, block, acc, err);
	fg_release(env, w);
	return st;
}

static fg_status
add_sections(const fg_env *env, const fg_pass_spec *spec, const fg_data *block, double *acc,
			 fg_error *err)
{
	fg_status	st = FG_OK;

	acc[ACC_ROWS] += (double) block->n_rows;
	if (spec->kinds & FG_PASS_SUMMARY)
	{
		double	   *scratch = fg_alloc(env, sizeof(double) * summary_size(spec));

		if (scratch == NULL)
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		st = summary_add(env, spec, block, acc, scratch, err);
		fg_release(env, scratch);
		if (st != FG_OK)
			return st;
	}
	if (spec->kinds & FG_PASS_TERMS)
	{
		fg_options	opt;

		memset(&opt, 0, sizeof(opt));
		opt.fairness = spec->fairness;
		fg_terms_accumulate(block, &opt, spec->mean, spec->terms_strata,
							acc + section(spec, FG_PASS_TERMS));
	}
	if ((spec->kinds & FG_PASS_NEWTON) && (st = newton_add(env, spec, block, acc, err)) != FG_OK)
		return st;
	if ((spec->kinds & FG_PASS_FINAL) && (st = final_add(env, spec, block, acc, err)) != FG_OK)
		return st;
	if ((spec->kinds & FG_PASS_SEPARATION) &&
		(st = separation_add(env, spec, block, acc, err)) != FG_OK)
		return st;
	return FG_OK;
}

void
fg_pass_merge(const fg_pass_spec *spec, double *acc, const double *other)
{
	if (other[ACC_ROWS] == 0.0)
		return;
	for (uint32_t kind = 1; kind <= FG_PASS_SEPARATION; kind <<= 1)
	{
		size_t		off = section(spec, kind);
		size_t		end;

		if (!(spec->kinds & kind))
			continue;
		end = off + (kind == FG_PASS_SUMMARY ? summary_size(spec) :
					 kind == FG_PASS_TERMS ? terms_size(spec) :
					 kind == FG_PASS_NEWTON ? newton_size(spec) :
					 kind == FG_PASS_FINAL ? final_size(spec) : separation_size(spec));
		if (kind == FG_PASS_SUMMARY)
			summary_merge(spec, acc + off, other + off);
		else if (kind == FG_PASS_SEPARATION)
			separation_merge(spec, acc + off, other + off);
		else
		{
			/* max |eta| is a maximum, not a sum */
			double		max_abs_eta = fmax(acc[off + 1], other[off + 1]);

			for (size_t j = off; j < end; j++)
				acc[j] += other[j];
			if (kind == FG_PASS_NEWTON)
				acc[off + 1] = max_abs_eta;
		}
	}
	acc[ACC_ROWS] += other[ACC_ROWS];
}
