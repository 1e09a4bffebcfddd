/*
 * fit.c -- fg_fit_model: checks the data and options, runs the solver of the
 * chosen method (penalised or constrained form) and computes the training
 * metrics stored with the model.
 */
#include "fg_core.h"
#include "boosting.h"
#include "constrained.h"
#include "fairness.h"
#include "inference.h"
#include "passes.h"
#include "separation.h"
#include "threshold.h"

#include <math.h>
#include <string.h>

/* The checks of the settings against the family that need no rows. */
static fg_status
check_family_settings(const fg_options *opt, bool gaussian, fg_error *err)
{
	if (!gaussian)
	{
		if (opt->method == FG_METHOD_FAIR_THRESHOLD)
			return fg_fail(err, FG_ERR_INVALID, "method fair_threshold needs the gaussian family",
						   "Use a continuous y (float8 or numeric), or \"family\": \"gaussian\".",
						   "Fairness at every threshold compares the distributions of a continuous prediction.");
		return FG_OK;
	}
	if (opt->fairness != FG_FAIRNESS_DEMOGRAPHIC_PARITY && fg_method_is_fair(opt->method))
		return fg_fail(err, FG_ERR_INVALID, "the gaussian family supports demographic parity only",
					   "Leave option \"fairness\" at demographic_parity, or use method fair_threshold for parity at every threshold.",
					   "Notion %s conditions on y = 1 and y = 0, which a continuous outcome does not have.",
					   fg_fairness_name(opt->fairness));
	if (!isnan(opt->target))
		return fg_fail(err, FG_ERR_INVALID, "option \"target\" needs the binomial family",
					   "Choose rho with fairglmm_path and the reporting aggregates parity_ks or parity_gap.",
					   "The target metrics are ratios of rates of classified rows.");
	if (opt->method == FG_METHOD_FAIR_THRESHOLD && fg_options_constrained(opt))
		return fg_fail(err, FG_ERR_INVALID, "method fair_threshold has no constrained form",
					   "Remove option \"c\"; rho weighs the disparity.", NULL);
	return FG_OK;
}

/*
 * The checks of the rows' totals: both classes of a binary y (ones of N),
 * a continuous y that varies (y0, one of its values), and for a fair
 * method both values of the one binary attribute (s_ones of N).
 */
static fg_status
check_totals(const fg_options *opt, const fg_data *data, bool gaussian, size_t N, size_t ones,
			 bool y_varies, double y0, size_t s_ones, fg_error *err)
{
	if (gaussian && !y_varies)
		return fg_fail(err, FG_ERR_DATA, "y is constant",
					   "A least-squares fit needs at least two values of y.",
					   "All %zu rows used have y = %g.", N, y0);
	if (!gaussian && (ones == 0 || ones == N))
		return fg_fail(err, FG_ERR_DATA, "y has only one class",
					   "Logistic regression needs rows with y = 0 and rows with y = 1.",
					   "All %zu rows used have y = %d.", N, ones ? 1 : 0);
	if (fg_method_is_fair(opt->method) && data->n_attr == 0 && (s_ones == 0 || s_ones == N))
		return fg_fail(err, FG_ERR_DATA, "the sensitive attribute is constant",
					   "A fair method needs rows with sensitive = 0 and rows with sensitive = 1; use the unfair method otherwise.",
					   gaussian ? "All %zu rows used have sensitive = %d."
					   : "All %zu rows used have sensitive = %d, so the fairness covariance is identically zero.",
					   N, s_ones ? 1 : 0);
	return FG_OK;
}

/* The checks of check_inputs() that need no rows. */
static fg_status
check_shape(const fg_data *data, const fg_options *opt, size_t N, bool has_strata, bool rows,
			fg_error *err)
{
	fg_status	st;

	if ((st = fg_options_check(opt, err)) != FG_OK)
		return st;
	if (N == 0)
		return fg_fail(err, FG_ERR_DATA, "no rows to fit", NULL, NULL);
	if (fg_method_uses_strata(opt->method) && !has_strata)
		return fg_fail(err, FG_ERR_INVALID, "method needs strata", NULL, NULL);
	return rows ? fg_check_attributes(data, err) : fg_check_attribute_counts(data, err);
}

static fg_status
check_inputs(const fg_data *data, const fg_options *opt, fg_error *err)
{
	size_t		N = data->n_rows;
	size_t		ones = 0,
				s_ones = 0;
	bool		gaussian = opt->family == FG_FAMILY_GAUSSIAN;
	bool		varies = false;
	fg_status	st;

	if ((st = check_shape(data, opt, N, data->stratum != NULL, true, err)) != FG_OK)
		return st;
	if ((data->y_real != NULL) != gaussian || (data->y_real == NULL && data->y == NULL))
		return fg_fail(err, FG_ERR_INVALID, "the outcome does not match the family", NULL,
					   "Option \"family\" is %s, but the rows hold %s outcome.",
					   gaussian ? "gaussian" : "binomial",
					   data->y_real ? "a continuous" : "a binary");
	if ((st = check_family_settings(opt, gaussian, err)) != FG_OK)
		return st;
	for (size_t l = 0; l < N; l++)
	{
		if (gaussian)
		{
			if (!isfinite(data->y_real[l]))
				return fg_fail(err, FG_ERR_INVALID, "y must be finite", NULL,
							   "Row %zu has y = %g.", l + 1, data->y_real[l]);
			varies |= data->y_real[l] != data->y_real[0];
		}
		else
			ones += data->y[l];
		if (data->n_attr == 0 && data->s != NULL)
			s_ones += data->s[l];
		if ((st = fg_check_row(data, l, err)) != FG_OK)
			return st;
	}
	return check_totals(opt, data, gaussian, N, ones, varies, gaussian ? data->y_real[0] : 0.0,
						s_ones, err);
}

/*
 * The metrics stored with the model: accuracy; each attribute's disparate
 * impact, min over its categories of the (weighted) share predicted 1 over
 * the max, the first attribute's also as train_di; for a binary attribute
 * 1.0's covariance train_cov (weighted with weights; NAN otherwise); and
 * each term's covariance.  Unweighted, one binary attribute: 1.0's
 * arithmetic.
 */
/* Every fairness term of the fit with its covariance a_t'delta / W_t. */
static fg_status
term_covariances(const fg_env *env, fg_problem *prob, const fg_terms *terms,
				 const double *delta, fg_fit *fit, fg_error *err)
{
	if (terms->n_terms == 0)
		return FG_OK;
	fit->n_terms = terms->n_terms;
	fit->terms = fg_alloc(env, sizeof(fg_term_fit) * terms->n_terms);
	if (fit->terms == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	memcpy(fit->terms, terms->term, sizeof(fg_term_fit) * terms->n_terms);
	fg_term_dots(prob, delta, prob->ad);
	for (uint32_t t = 0; t < terms->n_terms; t++)
		fit->terms[t].cov = fit->terms[t].weight > 0.0 ? prob->ad[t] / fit->terms[t].weight : 0.0;
	return FG_OK;
}

/*
 * The gaussian family's training metrics: RMSE and R^2 (weighted), no
 * classification, and the fairness terms' covariances.
 */
static fg_status
gaussian_metrics(const fg_env *env, fg_problem *prob, const fg_terms *terms,
				 const double *delta, const double *eta, fg_fit *fit, fg_error *err)
{
	const fg_data *data = prob->data;
	uint32_t	n_attr = data->n_attr == 0 ? 1 : data->n_attr;
	double		rss = fg_gaussian_rss(data, eta),
				tss = fg_gaussian_rss(data, NULL),
				wt = fg_data_weight(data);

	fit->rmse = sqrt(rss / wt);
	fit->r2 = tss > 0.0 ? 1.0 - rss / tss : NAN;
	fit->train_accuracy = NAN;
	fit->train_di = NAN;
	fit->train_cov = NAN;
	fit->n_attr = n_attr;
	fit->attr_di = fg_alloc(env, sizeof(double) * n_attr);
	if (fit->attr_di == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	for (uint32_t a = 0; a < n_attr; a++)
		fit->attr_di[a] = NAN;
	return term_covariances(env, prob, terms, delta, fit, err);
}

static fg_status
training_metrics(const fg_env *env, fg_problem *prob, const fg_options *opt,
				 const fg_terms *terms, const double *delta, const double *eta, fg_fit *fit,
				 fg_error *err)
{
	const fg_data *data = prob->data;
	size_t		N = data->n_rows;
	double		s_bar = 0.0,
				s_bar_w = 0.0;
	double	   *acc = fg_alloc(env, sizeof(double) * fg_metrics_size(data));
	fg_status	st;

	if (acc == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	if (data->s != NULL)
	{
		size_t		s_ones = 0;
		double		ws = 0.0,
					wt = 0.0;

		for (size_t l = 0; l < N; l++)
			s_ones += data->s[l];
		s_bar = N ? (double) s_ones / (double) N : 0.0;
		for (size_t l = 0; data->w != NULL && l < N; l++)
		{
			wt += data->w[l];
			ws += data->s[l] ? data->w[l] : 0.0;
		}
		s_bar_w = data->w != NULL ? ws / wt : s_bar;
	}
	fg_metrics_accumulate(data, opt->threshold, s_bar, s_bar_w, eta, acc);
	st = fg_metrics_finish(env, data, N, acc, fit, err);
	fg_release(env, acc);
	if (st != FG_OK)
		return st;
	return term_covariances(env, prob, terms, delta, fit, err);
}

/* The intercept-only point for weighted rows: logit of the weighted share of ones. */
static void
weighted_start(const fg_data *data, uint32_t m, double *delta)
{
	double		wy = 0.0,
				wt = 0.0;

	for (size_t l = 0; l < data->n_rows; l++)
	{
		wt += data->w[l];
		wy += data->y[l] ? data->w[l] : 0.0;
	}
	memset(delta, 0, sizeof(double) * m);
	delta[0] = log(wy / (wt - wy));
}

/* The gaussian start: the weighted mean of y as the intercept, every other entry 0. */
static void
gaussian_start(const fg_data *data, uint32_t m, double *delta)
{
	double		wy = 0.0,
				wt = 0.0;

	for (size_t l = 0; l < data->n_rows; l++)
	{
		double		w = data->w ? data->w[l] : 1.0;

		wt += w;
		wy += w * data->y_real[l];
	}
	memset(delta, 0, sizeof(double) * m);
	delta[0] = wy / wt;
}

/*
 * Everything a fit needs beyond the rows, built once: the summary, the
 * fairness terms, the problem and the Newton workspace; and the last Newton
 * solution, from which the next fit at another rho starts.
 */
struct fg_fitter
{
	const fg_env *env;
	const fg_data *data;
	fg_options	opt;
	bool		strata;
	bool		fair;
	bool		constrained;
	fg_summary	sum;
	fg_terms	terms;
	fg_problem	prob;
	fg_newton_ws ws;
	uint32_t	m;
	double	   *delta;
	double	   *warm;			/* the last Newton (CRLR) solution */
	bool		has_warm;
	/* what the next Newton method's solve resumes from: no first pass */
	fg_newton_resume resume;
	double	   *kappa_unit;		/* T: kappa_t / rho = (1 / W_t)(N / W_t) */
	double	   *mu;
	/*
	 * Rows held elsewhere (fg_fitter_init_passes): data is a shell without
	 * rows, and every step that reads rows runs a pass through runner.
	 */
	const fg_pass_runner *runner;
	fg_pass_spec spec;			/* the passes' constants */
	fg_row_passes passes;		/* prob.passes */
	double	   *newton_acc;		/* a Newton pass's accumulator (with the Hessian) */
	/*
	 * The metrics at the point of a solve's last pass, which adds them up
	 * too (final_spec's kinds 0: none yet); final_point is that point.
	 */
	fg_pass_spec final_spec;
	double	   *final_acc;
	double	   *final_point;
	fg_pass_summary_extra extra;
	size_t		n_rows;			/* rows used */
	bool		weighted;
	double		weight;			/* their weight (the rows when unweighted) */
};

void
fg_fitter_free(fg_fitter *f)
{
	const fg_env *env;

	if (f == NULL)
		return;
	env = f->env;
	fg_summary_free(env, &f->sum);
	fg_release(env, f->delta);
	fg_release(env, f->warm);
	fg_release(env, f->kappa_unit);
	fg_release(env, f->mu);
	fg_release(env, f->newton_acc);
	fg_release(env, f->final_acc);
	fg_release(env, f->final_point);
	fg_newton_resume_free(env, &f->resume);
	fg_newton_ws_free(env, &f->ws);
	fg_problem_free(env, &f->prob);
	fg_terms_free(env, &f->terms);
	fg_release(env, f);
}

static fg_fitter *
fitter_new(const fg_env *env, const fg_data *data, const fg_options *opt)
{
	fg_fitter  *f = fg_alloc(env, sizeof(fg_fitter));

	if (f == NULL)
		return NULL;
	f->env = env;
	f->data = data;
	f->opt = *opt;
	f->strata = fg_method_uses_strata(opt->method);
	f->fair = fg_method_is_fair(opt->method);
	f->constrained = fg_options_constrained(opt);
	f->n_rows = data->n_rows;
	f->weighted = data->w != NULL;
	return f;
}

/* After the summary and the fairness terms: the problem and the solver's workspace. */
static fg_status
fitter_prepare(fg_fitter *f, fg_error *err)
{
	const fg_env *env = f->env;
	const fg_options *opt = &f->opt;
	uint32_t	T = f->terms.n_terms ? f->terms.n_terms : 1;
	fg_status	st;

	f->kappa_unit = fg_alloc(env, sizeof(double) * T);
	f->mu = fg_alloc(env, sizeof(double) * T);
	if (!f->kappa_unit || !f->mu)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	for (uint32_t t = 0; t < f->terms.n_terms; t++)
		f->kappa_unit[t] = f->terms.term[t].weight;
	if ((st = fg_problem_init(env, f->data, f->strata, opt->lambda, opt->l2, f->terms.n_terms,
							  f->terms.A, NULL, &f->prob, err)) != FG_OK)
		return st;
	f->prob.terms = f->terms.term;
	if (f->runner != NULL)
		f->prob.passes = &f->passes;
	/*
	 * the constrained search needs every Hessian, the standard errors the
	 * last one; fair_threshold has none (its least-squares start needs no
	 * Hessian at the end)
	 */
	fg_fitter_set_vcov(f, opt->method == FG_METHOD_FAIR_THRESHOLD ? FG_VCOV_NONE : opt->vcov);
	if ((st = fg_newton_ws_init(env, &f->prob, &f->ws, err)) != FG_OK)
		return st;
	if ((st = fg_newton_resume_init(env, &f->prob, &f->resume, err)) != FG_OK)
		return st;
	f->m = f->prob.k + f->prob.n;
	f->delta = fg_alloc(env, sizeof(double) * f->m);
	f->warm = fg_alloc(env, sizeof(double) * f->m);
	if (!f->delta || !f->warm)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	return FG_OK;
}

fg_status
fg_fitter_init(const fg_env *env, const fg_data *data, const fg_options *opt,
			   fg_fitter **out, fg_error *err)
{
	fg_fitter  *f;
	fg_status	st;

	*out = NULL;
	if ((st = check_inputs(data, opt, err)) != FG_OK)
		return st;
	if ((f = fitter_new(env, data, opt)) == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	f->weight = fg_data_weight(data);

	/* one pass gives the collinearity check, a, and the first Newton iteration */
	if ((st = fg_summarize(env, data, f->strata, &f->sum, err)) != FG_OK)
		goto fail;
	/* a ridge on the slopes identifies collinear features too */
	if (opt->l2 == 0.0 && (st = fg_summary_check_collinear(env, data, &f->sum, err)) != FG_OK)
		goto fail;
	/* fair_threshold's penalty is not made of covariance terms */
	if (f->fair && opt->method != FG_METHOD_FAIR_THRESHOLD &&
		(st = fg_terms_build(env, data, opt, &f->sum, f->strata, &f->terms, err)) != FG_OK)
		goto fail;
	if ((st = fitter_prepare(f, err)) != FG_OK)
		goto fail;
	*out = f;
	return FG_OK;

fail:
	fg_fitter_free(f);
	return st;
}

/* ---------- rows held elsewhere ---------- */

/* Run one pass of spec over every row; the accumulator is env-allocated (NULL: out of memory). */
static double *
run_pass(fg_fitter *f, const fg_pass_spec *spec, fg_error *err)
{
	double	   *acc = fg_alloc(f->env, sizeof(double) * fg_pass_size(spec));

	if (acc == NULL)
	{
		fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		return NULL;
	}
	f->runner->run(f->runner->ctx, spec, acc);
	return acc;
}

/* The constants of a pass with the FINAL section at delta (the metrics, the likelihoods' sums). */
static fg_pass_spec
final_spec_at(const fg_fitter *f, const double *delta)
{
	fg_pass_spec ps = f->spec;

	ps.kinds = FG_PASS_FINAL;
	ps.n_model = f->prob.n;
	ps.delta = delta;
	ps.s_bar = f->sum.s_bar;
	ps.s_bar_w = f->weighted && f->weight > 0.0 ? f->extra.ws / f->weight : f->sum.s_bar;
	ps.y_bar_w = f->extra.wy / f->weight;
	return ps;
}

/*
 * prob.passes' Newton pass: one pass of kind NEWTON at delta; the pass
 * that ends a solve adds up the metrics at its point too, which saves
 * fg_fitter_fit a pass of its own (final_elsewhere).
 */
static double
newton_elsewhere(void *ctx, const fg_problem *prob, const double *delta, fg_pass_need need,
				 fg_newton_ws *ws, double *max_abs_eta)
{
	fg_fitter  *f = ctx;
	fg_pass_spec spec = f->spec;
	double	   *acc = f->newton_acc;
	size_t		m = (size_t) prob->k + prob->n;

	spec.kinds = FG_PASS_NEWTON;
	spec.n_model = prob->n;
	spec.delta = delta;
	spec.need = (int) need;
	spec.w_floor = prob->w_floor;
	if (ws != NULL && ws->last_pass && f->final_point != NULL)
	{
		fg_pass_spec fs = final_spec_at(f, delta);

		spec.kinds |= FG_PASS_FINAL;
		spec.s_bar = fs.s_bar;
		spec.s_bar_w = fs.s_bar_w;
		spec.y_bar_w = fs.y_bar_w;
		fg_release(f->env, f->final_acc);
		f->final_spec.kinds = 0;
		f->final_acc = acc = fg_alloc(f->env, sizeof(double) * fg_pass_size(&spec));
		if (acc == NULL)
			acc = f->newton_acc;	/* the metrics then take a pass of their own */
		else
		{
			f->final_spec = spec;
			memcpy(f->final_point, delta, sizeof(double) * m);
		}
		if (acc == f->newton_acc)
			spec.kinds = FG_PASS_NEWTON;
	}
	f->runner->run(f->runner->ctx, &spec, acc);
	return fg_pass_newton(&spec, acc, max_abs_eta, ws ? ws->grad : NULL,
						  ws ? ws->F : NULL, ws ? ws->G : NULL);
}

fg_status
fg_fitter_init_passes(const fg_env *env, const fg_data *shell, const fg_options *opt,
					  const fg_pass_runner *runner, const fg_pass_spec *spec, bool has_strata,
					  fg_fitter **out, fg_error *err)
{
	fg_fitter  *f;
	fg_pass_spec ps;
	double	   *acc = NULL;
	bool		gaussian = opt->family == FG_FAMILY_GAUSSIAN;
	fg_status	st;

	*out = NULL;
	if ((st = fg_options_check(opt, err)) != FG_OK)
		return st;
	if (fg_method_is_boosting(opt->method) || opt->method == FG_METHOD_FAIR_THRESHOLD)
		return fg_fail(err, FG_ERR_INVALID, "fairglmm_train fits the Newton methods only",
					   "Use the aggregate fairglmm_fit for this method.",
					   "Method %s needs every row at once (%s).", fg_method_name(opt->method),
					   opt->method == FG_METHOD_FAIR_THRESHOLD
					   ? "its coordinate descent sorts the predictions"
					   : "boosting's variance update takes a trace over the rows");
	if (gaussian != spec->gaussian)
		return fg_fail(err, FG_ERR_INVALID, "the outcome does not match the family", NULL, NULL);
	if ((f = fitter_new(env, shell, opt)) == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	f->runner = runner;
	f->spec = *spec;
	f->spec.kinds = 0;
	f->spec.summary_strata = f->strata;
	f->spec.terms_strata = f->strata;
	f->spec.fairness = opt->fairness;
	f->spec.threshold = opt->threshold;
	f->spec.robust = opt->vcov == FG_VCOV_ROBUST && has_strata;
	f->weighted = spec->weighted;
	f->passes.ctx = f;
	f->passes.newton = newton_elsewhere;

	/* the summary: counts, means, co-moments, the weights' sums */
	ps = f->spec;
	ps.kinds = FG_PASS_SUMMARY;
	if ((acc = run_pass(f, &ps, err)) == NULL)
	{
		st = FG_ERR_NOMEM;
		goto fail;
	}
	if ((st = fg_pass_summary(env, &ps, acc, &f->sum, &f->extra, err)) != FG_OK)
		goto fail;
	fg_release(env, acc);
	acc = NULL;
	f->n_rows = f->sum.n_rows;
	f->spec.weight_factor = 1.0;
	if ((st = check_shape(shell, opt, f->n_rows, has_strata, false, err)) != FG_OK ||
		(st = check_family_settings(opt, gaussian, err)) != FG_OK ||
		(st = check_totals(opt, shell, gaussian, f->n_rows, f->sum.y_ones,
						   f->extra.y_min != f->extra.y_max, f->extra.y_min, f->sum.s_ones,
						   err)) != FG_OK)
		goto fail;
	if (f->weighted && opt->weight_scale == FG_WEIGHTS_MEAN_ONE)
	{
		/* weights rescaled to mean one, as the SQL layer rescales the rows it holds */
		double		c = (double) f->n_rows / f->extra.weight;

		f->spec.weight_factor = c;
		f->extra.wy *= c;
		f->extra.ws *= c;
		f->extra.log_weights += (double) f->n_rows * log(c);
		f->extra.weight = (double) f->n_rows;
	}
	f->weight = f->weighted ? f->extra.weight : (double) f->n_rows;
	f->passes.weight = f->weight;
	if (opt->l2 == 0.0)
	{
		fg_data		counted = *shell;

		counted.n_rows = f->n_rows;
		if ((st = fg_summary_check_collinear_sums(env, &counted, f->sum.comoment, f->sum.amax,
												  err)) != FG_OK)
			goto fail;
	}
	if (f->fair)
	{
		if (shell->n_attr == 0 && !f->weighted && opt->fairness == FG_FAIRNESS_DEMOGRAPHIC_PARITY)
			st = fg_terms_from_sums(env, shell, opt, &f->sum, false, NULL, f->strata, f->weight,
									&f->terms, err);
		else
		{
			ps = f->spec;
			ps.kinds = FG_PASS_TERMS;
			ps.mean = f->sum.mean;
			if ((acc = run_pass(f, &ps, err)) == NULL)
			{
				st = FG_ERR_NOMEM;
				goto fail;
			}
			st = fg_pass_terms(env, &ps, opt, acc, f->weight, f->n_rows, &f->terms, err);
			fg_release(env, acc);
			acc = NULL;
		}
		if (st != FG_OK)
			goto fail;
	}
	if ((st = fitter_prepare(f, err)) != FG_OK)
		goto fail;
	ps = f->spec;
	ps.kinds = FG_PASS_NEWTON;
	ps.n_model = f->prob.n;
	ps.need = FG_NEED_HESSIAN;
	f->newton_acc = fg_alloc(env, sizeof(double) * fg_pass_size(&ps));
	f->final_point = fg_alloc(env, sizeof(double) * f->m);
	if (f->newton_acc == NULL || f->final_point == NULL)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto fail;
	}
	*out = f;
	return FG_OK;

fail:
	fg_release(env, acc);
	fg_fitter_free(f);
	return st;
}

/*
 * The training metrics, the likelihoods' sums and the robust scores at the
 * solution from one pass; the caller frees *acc_out (the sums point into it).
 */
static fg_status
final_elsewhere(fg_fitter *f, const fg_options *opt, const double *delta, fg_fit *fit,
				fg_row_sums *sums, double **acc_out, fg_error *err)
{
	fg_pass_spec ps = final_spec_at(f, delta);
	double	   *acc;
	fg_status	st = FG_OK;
	bool		gaussian = opt->family == FG_FAMILY_GAUSSIAN;

	if (f->final_spec.kinds != 0 &&
		memcmp(f->final_point, delta, sizeof(double) * f->m) == 0)
	{
		/* the solve's last pass was at this point: its sums serve (the same layout) */
		ps = f->final_spec;
		ps.delta = delta;
		*acc_out = acc = f->final_acc;
		f->final_acc = NULL;
		f->final_spec.kinds = 0;
	}
	else if ((*acc_out = acc = run_pass(f, &ps, err)) == NULL)
		return FG_ERR_NOMEM;
	memset(sums, 0, sizeof(*sums));
	sums->gaussian = gaussian;
	sums->nobs = f->weighted && opt->weight_scale == FG_WEIGHTS_AS_GIVEN ? f->weight
		: (double) f->n_rows;
	sums->log_weights = f->weighted && opt->weight_scale != FG_WEIGHTS_AS_GIVEN
		? 0.5 * f->extra.log_weights : 0.0;
	sums->weight = f->weight;
	sums->wy = f->extra.wy;
	if (ps.robust)
		fg_pass_scores(&ps, acc, &sums->scores_f, &sums->scores_b);
	if (gaussian)
	{
		uint32_t	n_attr = f->data->n_attr == 0 ? 1 : f->data->n_attr;

		fg_pass_gaussian_rss(&ps, acc, &sums->rss, &sums->rss0);
		fit->rmse = sqrt(sums->rss / f->weight);
		fit->r2 = sums->rss0 > 0.0 ? 1.0 - sums->rss / sums->rss0 : NAN;
		fit->train_accuracy = fit->train_di = fit->train_cov = NAN;
		fit->n_attr = n_attr;
		fit->attr_di = fg_alloc(f->env, sizeof(double) * n_attr);
		if (fit->attr_di == NULL)
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		for (uint32_t a = 0; a < n_attr; a++)
			fit->attr_di[a] = NAN;
	}
	else
		st = fg_pass_metrics(f->env, &ps, acc, fit, err);
	if (st == FG_OK)
		st = term_covariances(f->env, &f->prob, &f->terms, delta, fit, err);
	return st;
}

/* fg_check_separation from a pass at the solution and its last step */
static fg_status
separation_elsewhere(fg_fitter *f, const double *delta, double max_abs_eta, fg_fit *fit,
					 fg_error *err)
{
	fg_pass_spec ps = f->spec;
	fg_separation_stats stats;
	double	   *acc;
	fg_status	st;

	if (!(max_abs_eta > FG_SEPARATION_ETA))
		return FG_OK;
	ps.kinds = FG_PASS_SEPARATION;
	ps.n_model = f->prob.n;
	ps.delta = delta;
	ps.step = f->ws.step;
	if ((acc = run_pass(f, &ps, err)) == NULL)
		return FG_ERR_NOMEM;
	fg_pass_separation(&ps, acc, &stats);
	st = fg_separation_verdict(f->env, f->data, f->n_rows, &stats, f->ws.step, fit, err);
	fg_release(f->env, acc);
	return st;
}

/*
 * fair_threshold: from the least-squares solution in f->delta, the
 * coordinate descent of threshold.c with weight lambda_f on the disparity;
 * its statistics into fit, the linear predictor of the result into the
 * workspace.  The next fit at another lambda_f solves the least squares
 * again from the beginning (see fg_fitter_fit).
 */
static fg_status
threshold_descent(fg_fitter *f, double lambda_f, fg_fit *fit, fg_error *err)
{
	fg_threshold_settings set;
	fg_threshold_result res;
	fg_status	st;

	fg_threshold_settings_default(&set);
	set.lambda_f = lambda_f;
	set.n_thresholds = (uint32_t) f->opt.thresholds;
	set.max_sweeps = f->opt.max_sweeps;
	set.strata = true;
	set.lambda = f->opt.lambda;
	set.l2 = f->opt.l2;
	f->resume.valid = false;
	if ((st = fg_threshold_fit(f->env, f->data, &set, f->delta, &res, err)) != FG_OK)
		return st;
	fit->sweeps = res.sweeps;
	fit->converged = res.converged;
	fit->objective = res.objective;
	fit->grad_norm = NAN;
	fit->threshold_gap = res.gap;
	fit->parity_ks = res.parity_ks;
	fit->n_thresholds = res.n_thresholds;
	fit->thresholds = res.thresholds;
	res.thresholds = NULL;
	fg_threshold_result_free(f->env, &res);
	fg_progress(f->env, &f->opt, "fair_threshold: %d sweeps, disparity %g at the thresholds, %g over all",
				fit->sweeps, fit->threshold_gap, fit->parity_ks);
	fg_compute_eta(&f->prob, f->delta, f->ws.eta);
	return FG_OK;
}

/* The fairness terms' weights at rho: rho N cov_t^2 = kappa_t (a_t'delta)^2 (rho / N for W_t = N) */
static void
set_penalties(fg_fitter *f, double rho)
{
	for (uint32_t t = 0; t < f->terms.n_terms; t++)
	{
		double		W = f->kappa_unit[t];

		f->prob.kappa[t] = W > 0.0 ? (rho / W) * (f->terms.weight_sum / W) : 0.0;
		f->prob.lin[t] = 0.0;
		f->mu[t] = 0.0;
	}
}

fg_status
fg_fitter_infer(fg_fitter *f, double rho_arg, fg_fit *fit, fg_error *err)
{
	fg_problem *prob = &f->prob;
	double	   *delta = f->delta;
	fg_status	st;

	if (f->constrained || fit->vcov != NULL)
		return fg_fail(err, FG_ERR_INVALID, "cannot add standard errors to this fit", NULL, NULL);
	set_penalties(f, f->fair ? rho_arg : 0.0);
	delta[0] = fit->intercept;
	memcpy(delta + 1, fit->beta, sizeof(double) * f->data->p);
	memcpy(delta + prob->k, fit->b, sizeof(double) * prob->n);
	/* boosting's fit has its own prior on b, 1 / (2 Q) (gaussian sigma^2 / (2 Q)) */
	if (fg_method_is_boosting(f->opt.method))
		prob->lambda = f->data->y_real != NULL ? 0.5 * fit->sigma2 / fit->q : 0.5 / fit->q;
	fg_compute_eta(prob, delta, f->ws.eta);
	f->resume.valid = false;
	st = fg_inference(f->env, prob, &f->ws, delta, &f->opt, NULL,
					  fg_method_is_boosting(f->opt.method) ? fit->df : -1.0, fit, err);
	prob->lambda = f->strata ? f->opt.lambda : 0.0;
	return st;
}

void
fg_fitter_set_vcov(fg_fitter *f, fg_vcov_type vcov)
{
	f->opt.vcov = vcov;
	f->prob.final_gradient_only = !f->constrained && vcov == FG_VCOV_NONE;
	f->prob.final_hessian = !f->constrained && vcov != FG_VCOV_NONE;
}

fg_status
fg_fitter_fit(fg_fitter *f, double rho_arg, fg_fit *fit, fg_error *err)
{
	const fg_env *env = f->env;
	const fg_data *data = f->data;
	fg_options	opt = f->opt;
	fg_problem *prob = &f->prob;
	fg_newton_ws *ws = &f->ws;
	double	   *delta = f->delta;
	double	   *mu = f->mu;
	bool		constrained = f->constrained;
	/* unfair methods ignore rho; constrained ones replace it by c */
	double		rho = f->fair && !constrained ? rho_arg : 0.0;
	fg_solve_stats stats;
	fg_status	st;

	memset(fit, 0, sizeof(*fit));
	fit->target_reached = NAN;
	fit->sigma2 = fit->rmse = fit->r2 = fit->threshold_gap = fit->parity_ks = NAN;
	memset(&stats, 0, sizeof(stats));
	opt.rho = rho;
	set_penalties(f, rho);
	prob->lambda = f->strata ? opt.lambda : 0.0;
	fit->beta = fg_alloc(env, sizeof(double) * (data->p ? data->p : 1));
	fit->b = fg_alloc(env, sizeof(double) * (prob->n ? prob->n : 1));
	fit->stratum_rows = fg_alloc(env, sizeof(uint64_t) * (prob->n ? prob->n : 1));
	if (!fit->beta || !fit->b || !fit->stratum_rows)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}

	/*
	 * Start from the last fit's Newton solution, or from the intercept-only
	 * fit: logit of the share of ones (closed form when unweighted), the
	 * weighted mean of a continuous y.  fair_threshold starts each descent
	 * from the same least squares, solved from the same start: the descent
	 * is not continuous in its start, so a path's fits equal single fits
	 * only from the same bits.
	 */
	if (f->has_warm && opt.method != FG_METHOD_FAIR_THRESHOLD)
	{
		memcpy(delta, f->warm, sizeof(double) * f->m);
		/*
		 * After a Newton method's solve the workspace still holds the
		 * solution's linear predictor: start there with no pass over the
		 * rows (boosting moves away from the solve it starts from)
		 */
		if (f->resume.valid && !constrained && !fg_method_is_boosting(opt.method) &&
			(st = fg_newton_resume_load(prob, ws, &f->resume, delta, err)) != FG_OK)
			goto done;
	}
	else if (opt.family == FG_FAMILY_GAUSSIAN && f->runner == NULL)
		/* least squares: J is quadratic, so one Newton step from anywhere lands on the minimum */
		gaussian_start(data, f->m, delta);
	else if (!f->weighted && opt.family == FG_FAMILY_BINOMIAL)
		fg_newton_start_intercept_only(prob, &f->sum, delta, ws);
	else if (f->runner == NULL)
		weighted_start(data, f->m, delta);
	else
	{
		/* the same points from the summary's weighted sums */
		memset(delta, 0, sizeof(double) * f->m);
		delta[0] = opt.family == FG_FAMILY_GAUSSIAN ? f->extra.wy / f->weight
			: log(f->extra.wy / (f->weight - f->extra.wy));
	}

	if (constrained)
		st = fg_solve_constrained(env, prob, &opt, delta, ws, &stats, &fit->iterations, mu,
								  &fit->multiplier, err);
	else
	{
		f->resume.valid = false;
		st = fg_newton_solve(env, prob, &opt, delta, ws, &stats, err);
		fit->iterations = stats.iterations;
		if (st == FG_OK && !fg_method_is_boosting(opt.method))
			fg_newton_resume_save(prob, ws, &stats, &f->resume);
	}
	if (st == FG_OK)
	{
		memcpy(f->warm, delta, sizeof(double) * f->m);
		f->has_warm = true;
	}
	/*
	 * The last step tells whether the minimum lies at infinity; also when
	 * max_iter stopped the solve.  With l2 > 0 the objective is coercive:
	 * there is a finite minimiser, whatever the rows do.
	 */
	if (st == FG_OK && opt.l2 == 0.0 && opt.family == FG_FAMILY_BINOMIAL)
		st = f->runner ? separation_elsewhere(f, delta, stats.max_abs_eta, fit, err)
			: fg_check_separation(env, prob, ws, delta, stats.max_abs_eta, fit, err);
	/* boosting starts from the (fair) CRLR solution */
	if (st == FG_OK && fg_method_is_boosting(opt.method))
		st = fg_boost(env, data, &opt, prob, delta, ws, fit, err);
	if (st != FG_OK)
		goto done;

	fit->p = data->p;
	fit->n_strata = prob->n;
	fit->weight_sum = f->terms.n_terms ? f->terms.weight_sum : f->weight;
	fit->intercept = delta[0];
	memcpy(fit->beta, delta + 1, sizeof(double) * data->p);
	memcpy(fit->b, delta + prob->k, sizeof(double) * prob->n);
	/* the summary counted them (exactly: doubles hold integers up to 2^53) */
	for (uint32_t g = 0; g < prob->n; g++)
		fit->stratum_rows[g] = (uint64_t) f->sum.stratum_rows[g];
	fit->converged = stats.converged;
	/* after boosting, the warm start's gradient says nothing about the result */
	fit->grad_norm = fg_method_is_boosting(opt.method) ? NAN : stats.grad_norm;
	/*
	 * Report J itself, without the multipliers' linear terms: the last pass
	 * computed J at delta with the same blocks fg_objective uses.  For
	 * boosting the ridge on b is the fitted prior 1 / (2 Q); gaussian
	 * sigma^2 / (2 Q), J being the loss (1/2) RSS, sigma^2 times the
	 * negative log-likelihood.
	 */
	fg_term_dots(prob, delta, prob->ad);
	if (fg_method_is_boosting(opt.method))
	{
		for (uint32_t t = 0; t < prob->n_terms; t++)
			prob->lin[t] = 0.0;
		prob->lambda = data->y_real != NULL ? 0.5 * fit->sigma2 / fit->q : 0.5 / fit->q;
		fit->objective = fg_objective(prob, delta, ws->eta);
	}
	else
	{
		double		linear = 0.0;

		for (uint32_t t = 0; t < prob->n_terms; t++)
			linear += prob->lin[t] * prob->ad[t];
		fit->objective = stats.objective - linear;
	}
	for (uint32_t t = 0; t < prob->n_terms; t++)
		prob->lin[t] = 0.0;
	/* fairness at every threshold: coordinate descent from the least-squares fit */
	if (opt.method == FG_METHOD_FAIR_THRESHOLD)
	{
		if ((st = threshold_descent(f, rho_arg, fit, err)) != FG_OK)
			goto done;
		fit->intercept = delta[0];
		memcpy(fit->beta, delta + 1, sizeof(double) * data->p);
		memcpy(fit->b, delta + prob->k, sizeof(double) * prob->n);
		/* no standard errors for its nonsmooth objective (docs/gaussian.md) */
		opt.vcov = FG_VCOV_NONE;
	}
	if (f->runner != NULL)
	{
		/* one pass at the solution for the metrics and the likelihoods' sums */
		fg_row_sums sums;
		double	   *acc = NULL;

		st = final_elsewhere(f, &opt, delta, fit, &sums, &acc, err);
		for (uint32_t t = 0; st == FG_OK && t < fit->n_terms; t++)
			fit->terms[t].multiplier = constrained ? mu[t] : 0.0;
		if (st == FG_OK)
			st = fg_inference_sums(env, prob, ws, delta, &opt, constrained ? mu : NULL, &sums,
								   f->spec.n_strata, fit, err);
		fg_release(env, acc);
		goto done;
	}
	st = data->y_real != NULL ? gaussian_metrics(env, prob, &f->terms, delta, ws->eta, fit, err)
		: training_metrics(env, prob, &opt, &f->terms, delta, ws->eta, fit, err);
	if (st != FG_OK)
		goto done;
	for (uint32_t t = 0; t < fit->n_terms; t++)
		fit->terms[t].multiplier = constrained ? mu[t] : 0.0;
	/* standard errors and likelihoods at the solution (boosting: with its Q) */
	st = fg_inference(env, prob, ws, delta, &opt, constrained ? mu : NULL,
					  fg_method_is_boosting(opt.method) ? fit->df : -1.0, fit, err);

done:
	/* the next fit solves the method's own problem again */
	prob->lambda = f->strata ? f->opt.lambda : 0.0;
	if (st != FG_OK)
		fg_fit_release(env, fit);
	return st;
}

fg_status
fg_fit_model(const fg_env *env, const fg_data *data, const fg_options *opt,
			 fg_fit *fit, fg_error *err)
{
	fg_fitter  *f;
	fg_status	st;

	memset(fit, 0, sizeof(*fit));
	if ((st = fg_fitter_init(env, data, opt, &f, err)) != FG_OK)
		return st;
	st = fg_fitter_fit(f, opt->rho, fit, err);
	fg_fitter_free(f);
	return st;
}

void
fg_fit_release(const fg_env *env, fg_fit *fit)
{
	fg_release(env, fit->beta);
	fg_release(env, fit->b);
	fg_release(env, fit->stratum_rows);
	fg_release(env, fit->selected);
	fg_release(env, fit->unidentified);
	fg_release(env, fit->terms);
	fg_release(env, fit->attr_di);
	fg_release(env, fit->vcov);
	fg_release(env, fit->b_se);
	fg_release(env, fit->thresholds);
	memset(fit, 0, sizeof(*fit));
}
