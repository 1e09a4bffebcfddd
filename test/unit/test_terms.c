/*
 * test_terms.c -- fairness terms of several categorical attributes, the
 * three notions, row weights and the constrained form with several terms,
 * checked against facts computed here with plain loops from the fitted
 * coefficients: the KKT conditions of the penalised and constrained
 * problems, the definition of each term's covariance, invariances (a row of
 * weight 2 is the row twice; a two-category attribute given as codes is the
 * binary one).
 */
#include "unit.h"
#include "test_data.h"

#include <string.h>

/* A data set with two attributes: A with 4 categories, B binary; weights. */
typedef struct terms_set
{
	test_set	t;
	uint32_t   *codes;			/* N x 2 */
	uint32_t	n_cats[2];
	double	   *w;
} terms_set;

static void
make_terms_set(terms_set *ts, size_t N, int p, uint32_t n, uint64_t seed, bool weighted)
{
	double	   *b = calloc(n ? n : 1, sizeof(double));

	rng_state = seed;
	test_set_alloc(&ts->t, N, p, n);
	ts->codes = calloc(N * 2, sizeof(uint32_t));
	ts->w = calloc(N, sizeof(double));
	ts->n_cats[0] = 4;
	ts->n_cats[1] = 2;
	for (uint32_t i = 0; i < n; i++)
		b[i] = normal01();
	for (size_t l = 0; l < N; l++)
	{
		double		u = uniform01();
		/* category shares 0.5, 0.3, 0.15, 0.05: the last one rare */
		uint32_t	a = u < 0.5 ? 0 : u < 0.8 ? 1 : u < 0.95 ? 2 : 3;
		uint32_t	bb = uniform01() < 0.45;
		double		eta = -0.3 + 0.6 * a - 0.8 * bb;

		ts->codes[l * 2] = a;
		ts->codes[l * 2 + 1] = bb;
		ts->t.s[l] = (uint8_t) bb;
		ts->t.g[l] = n ? (uint32_t) (uniform01() * n) % n : 0;
		for (int j = 0; j < p; j++)
		{
			ts->t.x[l * p + j] = normal01() + (j == 0 ? 0.5 * a : j == 1 ? 0.7 * bb : 0.0);
			eta += (j % 2 ? -0.6 : 0.8) * ts->t.x[l * p + j] / (1 + j);
		}
		eta += n ? b[ts->t.g[l]] : 0.0;
		ts->t.y[l] = uniform01() < fg_sigmoid(eta);
		ts->w[l] = weighted ? 0.2 + 2.0 * uniform01() : 1.0;
	}
	ts->t.data.n_attr = 2;
	ts->t.data.codes = ts->codes;
	ts->t.data.n_cats = ts->n_cats;
	ts->t.data.w = weighted ? ts->w : NULL;
	free(b);
}

static void
free_terms_set(terms_set *ts)
{
	free(ts->codes);
	free(ts->w);
	free_set(&ts->t);
}

static fg_options
terms_opts(fg_method method, double rho, int fairness)
{
	fg_options	o;

	fg_options_default(&o);
	o.method = method;
	o.rho = rho;
	o.lambda = 1.0;
	o.fairness = fairness;
	return o;
}

static double
eta_of(const test_set *t, const fg_fit *f, size_t l)
{
	int			p = t->data.p;
	double		e = f->intercept;

	for (int j = 0; j < p; j++)
		e += f->beta[j] * t->x[l * p + j];
	if (f->n_strata > 0)
		e += f->b[t->g[l]];
	return e;
}

/* Row l in term tm's group, and its centred indicator (plain definitions). */
static bool
in_group(const test_set *t, const fg_term_fit *tm, size_t l)
{
	return tm->outcome < 0 || t->y[l] == (uint8_t) tm->outcome;
}

static uint32_t
category_of(const test_set *t, size_t l, uint32_t attr)
{
	return t->data.n_attr == 0 ? t->s[l] : t->data.codes[l * t->data.n_attr + attr];
}

/*
 * Gradient of J0 = sum w [log(1 + e^eta) - y eta] + lambda ||b||^2 + l2 ||beta||^2
 * into grad0, and of each term's covariance into dcov (T x m); cov (T)
 * recomputed from the definition: weights, shares and all.
 */
static void
plain_gradients(const test_set *t, const fg_fit *f, const fg_options *o, double *grad0,
				double *dcov, double *cov)
{
	size_t		N = t->data.n_rows;
	int			p = t->data.p;
	uint32_t	n = f->n_strata;
	int			m = 1 + p + (int) n;

	memset(grad0, 0, sizeof(double) * m);
	for (size_t l = 0; l < N; l++)
	{
		double		w = t->data.w ? t->data.w[l] : 1.0;
		double		r = w * (fg_sigmoid(eta_of(t, f, l)) - t->y[l]);

		grad0[0] += r;
		for (int j = 0; j < p; j++)
			grad0[1 + j] += r * t->x[l * p + j];
		if (n > 0)
			grad0[1 + p + t->g[l]] += r;
	}
	for (uint32_t i = 0; i < n; i++)
		grad0[1 + p + i] += 2 * o->lambda * f->b[i];
	for (int j = 0; j < p; j++)
		grad0[1 + j] += 2 * o->l2 * f->beta[j];

	for (uint32_t tt = 0; tt < f->n_terms; tt++)
	{
		const fg_term_fit *tm = &f->terms[tt];
		double		W = 0,
					Wj = 0,
					share,
					c = 0;
		double	   *d = dcov + (size_t) tt * m;

		for (size_t l = 0; l < N; l++)
			if (in_group(t, tm, l))
			{
				double		w = t->data.w ? t->data.w[l] : 1.0;

				W += w;
				Wj += category_of(t, l, tm->attr) == tm->category ? w : 0.0;
			}
		share = Wj / W;
		CHECK_NEAR(tm->weight, W, 1e-9 * W);
		CHECK_NEAR(tm->share, share, 1e-12);
		memset(d, 0, sizeof(double) * m);
		for (size_t l = 0; l < N; l++)
			if (in_group(t, tm, l))
			{
				double		w = t->data.w ? t->data.w[l] : 1.0;
				double		z = w * ((category_of(t, l, tm->attr) == tm->category) - share) / W;

				c += z * eta_of(t, f, l);
				d[0] += z;
				for (int j = 0; j < p; j++)
					d[1 + j] += z * t->x[l * p + j];
				if (n > 0)
					d[1 + p + t->g[l]] += z;
			}
		cov[tt] = c;
	}
}

static double
weight_total(const test_set *t)
{
	double		s = 0;

	for (size_t l = 0; l < t->data.n_rows; l++)
		s += t->data.w ? t->data.w[l] : 1.0;
	return s;
}

/* The penalised problem: grad J0 + 2 rho N sum_t cov_t dcov_t = 0. */
static void
check_penalised_kkt(const test_set *t, const fg_options *o, const char *what)
{
	fg_fit		f;
	fg_error	err;
	int			m;
	double	   *g,
			   *d,
			   *cov,
				Nw = weight_total(t),
				resid = 0;

	if (!CHECK(fg_fit_model(&unit_env, &t->data, o, &f, &err) == FG_OK, "%s: %s (%s)", what,
			   err.message, err.detail))
		return;
	m = 1 + t->data.p + (int) f.n_strata;
	g = calloc(m, sizeof(double));
	d = calloc((size_t) m * (f.n_terms + 1), sizeof(double));
	cov = calloc(f.n_terms + 1, sizeof(double));
	plain_gradients(t, &f, o, g, d, cov);
	for (uint32_t tt = 0; tt < f.n_terms; tt++)
	{
		CHECK_NEAR(f.terms[tt].cov, cov[tt], 1e-9 * (1e-3 + fabs(cov[tt])));
		for (int j = 0; j < m; j++)
			g[j] += 2 * o->rho * Nw * cov[tt] * d[(size_t) tt * m + j];
	}
	for (int j = 0; j < m; j++)
		resid = fmax(resid, fabs(g[j]));
	/* at the default tolerance a fit with a stiff penalty stops at ~2e-9 per row */
	CHECK(resid <= 1e-8 * Nw, "%s: KKT residual %g", what, resid);
	CHECK(f.converged, "%s did not converge", what);
	free(g);
	free(d);
	free(cov);
	fg_fit_release(&unit_env, &f);
}

/*
 * The constrained problem: feasibility, complementarity, multiplier signs
 * and grad J0 + sum_t mu_t dcov_t = 0 with the reported multipliers.
 */
static void
check_constrained_kkt(const test_set *t, const fg_options *o, const char *what,
					  double *mu_out)
{
	fg_fit		f;
	fg_error	err;
	int			m;
	double	   *g,
			   *d,
			   *cov,
				Nw = weight_total(t),
				resid = 0;

	if (!CHECK(fg_fit_model(&unit_env, &t->data, o, &f, &err) == FG_OK, "%s: %s (%s)", what,
			   err.message, err.detail))
		return;
	m = 1 + t->data.p + (int) f.n_strata;
	g = calloc(m, sizeof(double));
	d = calloc((size_t) m * (f.n_terms + 1), sizeof(double));
	cov = calloc(f.n_terms + 1, sizeof(double));
	plain_gradients(t, &f, o, g, d, cov);
	for (uint32_t tt = 0; tt < f.n_terms; tt++)
	{
		double		bound = f.terms[tt].bound;
		double		mu = f.terms[tt].multiplier;
		double		tol = 1e-8 * (bound + 1e-2);

		CHECK(fabs(cov[tt]) <= bound + tol, "%s term %u: |cov| %g > bound %g", what, tt,
			  fabs(cov[tt]), bound);
		if (mu != 0.0)
		{
			CHECK_NEAR(fabs(cov[tt]), bound, tol);
			if (bound > 0)
				CHECK(mu * cov[tt] > 0, "%s term %u: multiplier %g has the wrong sign (cov %g)",
					  what, tt, mu, cov[tt]);
		}
		for (int j = 0; j < m; j++)
			g[j] += mu * d[(size_t) tt * m + j];
		if (mu_out)
			mu_out[tt] = mu;
	}
	for (int j = 0; j < m; j++)
		resid = fmax(resid, fabs(g[j]));
	CHECK(resid <= 1e-7 * Nw, "%s: constrained KKT residual %g", what, resid);
	free(g);
	free(d);
	free(cov);
	fg_fit_release(&unit_env, &f);
}

static void
test_penalised(void)
{
	static const fg_method methods[] = {FG_METHOD_FAIR_LR, FG_METHOD_FAIR_CRLR};

	for (int weighted = 0; weighted < 2; weighted++)
		for (int mi = 0; mi < 2; mi++)
			for (int fairness = 0; fairness < 3; fairness++)
				for (int ri = 0; ri < 3; ri++)
				{
					static const double rhos[] = {0.5, 50.0, 1e5};
					terms_set	ts;
					fg_options	o = terms_opts(methods[mi], rhos[ri], fairness);
					char		what[128];

					make_terms_set(&ts, 3000, 4, 25, 91 + ri, weighted);
					snprintf(what, sizeof(what), "%s %s rho=%g%s", fg_method_name(methods[mi]),
							 fg_fairness_name(fairness), rhos[ri], weighted ? " weighted" : "");
					check_penalised_kkt(&ts.t, &o, what);
					/* the attributes one at a time: the binary one as codes too */
					ts.t.data.n_attr = 1;
					check_penalised_kkt(&ts.t, &o, what);
					free_terms_set(&ts);
				}
}

static void
test_term_layout(void)
{
	terms_set	ts;
	fg_fit		f;
	fg_error	err;
	fg_options	o = terms_opts(FG_METHOD_FAIR_CRLR, 1.0, FG_FAIRNESS_EQUALIZED_ODDS);

	make_terms_set(&ts, 2000, 3, 10, 5, true);
	if (CHECK(fg_fit_model(&unit_env, &ts.t.data, &o, &f, &err) == FG_OK, "%s", err.message))
	{
		/* A: 4 terms per group, B: 1 per group; y = 1 before y = 0 */
		static const uint32_t attr[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1};
		static const uint32_t cat[] = {0, 1, 2, 3, 0, 1, 2, 3, 1, 1};
		static const int32_t out[] = {1, 1, 1, 1, 0, 0, 0, 0, 1, 0};

		CHECK(f.n_terms == 10, "%u terms", f.n_terms);
		for (uint32_t t = 0; t < f.n_terms && t < 10; t++)
			CHECK(f.terms[t].attr == attr[t] && f.terms[t].category == cat[t] &&
				  f.terms[t].outcome == out[t], "term %u is (%u, %u, %d)", t,
				  f.terms[t].attr, f.terms[t].category, f.terms[t].outcome);
		CHECK(f.n_attr == 2 && f.attr_di != NULL);
		for (uint32_t a = 0; a < f.n_attr; a++)
			CHECK(f.attr_di[a] >= 0 && f.attr_di[a] <= 1, "attr_di %g", f.attr_di[a]);
		fg_fit_release(&unit_env, &f);
	}
	free_terms_set(&ts);
}

static void
test_constrained_terms(void)
{
	for (int weighted = 0; weighted < 2; weighted++)
		for (int fairness = 0; fairness < 3; fairness++)
		{
			static const double cs[] = {0.05, 0.01, 0.0};

			for (int ci = 0; ci < 3; ci++)
			{
				terms_set	ts;
				fg_options	o = terms_opts(FG_METHOD_FAIR_CRLR, 0, fairness);
				char		what[128];
				double		mu[16] = {0};

				o.c = cs[ci];
				make_terms_set(&ts, 3000, 4, 20, 17 + ci, weighted);
				snprintf(what, sizeof(what), "constrained %s c=%g%s", fg_fairness_name(fairness),
						 cs[ci], weighted ? " weighted" : "");
				check_constrained_kkt(&ts.t, &o, what, mu);
				/* at c = 0 the categories' multipliers of A sum to zero, per group */
				if (cs[ci] == 0.0)
				{
					int			groups = fairness == FG_FAIRNESS_EQUALIZED_ODDS ? 2 : 1;

					for (int g = 0; g < groups; g++)
					{
						double		sum = 0,
									mag = 0;

						for (int j = 0; j < 4; j++)
						{
							sum += mu[g * 4 + j];
							mag += fabs(mu[g * 4 + j]);
						}
						CHECK(fabs(sum) <= 1e-9 * (1 + mag), "%s: multipliers sum to %g", what, sum);
					}
				}
				/* a bound per attribute: only A constrained */
				o.c = NAN;
				o.c_attr[0] = cs[ci] + 0.002;
				check_constrained_kkt(&ts.t, &o, what, NULL);
				free_terms_set(&ts);
			}
		}
}

/* A row of weight 2 is that row twice, with weights taken as given. */
static void
test_weight_two(void)
{
	static const fg_method methods[] = {FG_METHOD_LR, FG_METHOD_FAIR_LR, FG_METHOD_CRLR,
	FG_METHOD_FAIR_CRLR, FG_METHOD_FAIR_GLMM};

	for (int mi = 0; mi < 5; mi++)
	{
		terms_set	a,
					b;
		size_t		N = 1500;
		fg_fit		fa,
					fb;
		fg_error	err;
		fg_options	o = terms_opts(methods[mi], 2.0, FG_FAIRNESS_EQUAL_OPPORTUNITY);

		o.exact_trace = true;
		make_terms_set(&a, N, 3, 12, 8, false);
		make_terms_set(&b, N + 3, 3, 12, 8, false);
		/* b = a with rows 0, 7 and 100 repeated at the end */
		{
			static const size_t dup[] = {0, 7, 100};

			for (size_t l = 0; l < N; l++)
			{
				memcpy(b.t.x + l * 3, a.t.x + l * 3, sizeof(double) * 3);
				b.t.y[l] = a.t.y[l];
				b.t.s[l] = a.t.s[l];
				b.t.g[l] = a.t.g[l];
				memcpy(b.codes + l * 2, a.codes + l * 2, sizeof(uint32_t) * 2);
				b.w[l] = 1.0;
				a.w[l] = 1.0;
			}
			for (int d = 0; d < 3; d++)
			{
				size_t		l = dup[d],
							q = N + d;

				memcpy(b.t.x + q * 3, a.t.x + l * 3, sizeof(double) * 3);
				b.t.y[q] = a.t.y[l];
				b.t.s[q] = a.t.s[l];
				b.t.g[q] = a.t.g[l];
				memcpy(b.codes + q * 2, a.codes + l * 2, sizeof(uint32_t) * 2);
				a.w[l] = 2.0;
			}
		}
		a.t.data.w = a.w;
		b.t.data.w = NULL;
		if (CHECK(fg_fit_model(&unit_env, &a.t.data, &o, &fa, &err) == FG_OK, "%s", err.message))
		{
			if (CHECK(fg_fit_model(&unit_env, &b.t.data, &o, &fb, &err) == FG_OK, "%s", err.message))
			{
				double		tol = methods[mi] == FG_METHOD_FAIR_GLMM ? 1e-8 : 1e-10;

				CHECK_NEAR(fa.intercept, fb.intercept, tol * fmax(1, fabs(fb.intercept)));
				for (int j = 0; j < 3; j++)
					CHECK_NEAR(fa.beta[j], fb.beta[j], tol * fmax(1, fabs(fb.beta[j])));
				for (uint32_t i = 0; i < fa.n_strata; i++)
					CHECK_NEAR(fa.b[i], fb.b[i], tol * fmax(1, fabs(fb.b[i])));
				CHECK_NEAR(fa.objective, fb.objective, tol * fabs(fb.objective));
				CHECK(fa.steps == fb.steps);
				fg_fit_release(&unit_env, &fb);
			}
			fg_fit_release(&unit_env, &fa);
		}
		free_terms_set(&a);
		free_terms_set(&b);
	}
}

/*
 * One binary attribute as codes (the general terms) equals it as s (1.0's
 * arithmetic), penalised and constrained; unit weights given explicitly
 * equal no weights.
 */
static void
test_binary_paths_agree(void)
{
	static const fg_method methods[] = {FG_METHOD_FAIR_LR, FG_METHOD_FAIR_CRLR, FG_METHOD_FAIR_GLMM};

	for (int mi = 0; mi < 3; mi++)
		for (int constrained = 0; constrained < 2; constrained++)
		{
			terms_set	ts;
			fg_fit		f_s,
						f_codes,
						f_w;
			fg_error	err;
			fg_options	o = terms_opts(methods[mi], 3.0, 0);
			uint32_t   *b_codes;

			if (constrained && methods[mi] == FG_METHOD_FAIR_GLMM)
				continue;
			if (constrained)
			{
				o.rho = 0;
				o.c = 0.01;
			}
			make_terms_set(&ts, 2500, 3, 15, 3, false);
			b_codes = calloc(2500, sizeof(uint32_t));
			for (size_t l = 0; l < 2500; l++)
				b_codes[l] = ts.t.s[l];
			ts.t.data.n_attr = 0;
			CHECK(fg_fit_model(&unit_env, &ts.t.data, &o, &f_s, &err) == FG_OK, "%s", err.message);
			ts.t.data.n_attr = 1;
			ts.t.data.codes = b_codes;
			ts.t.data.n_cats = ts.n_cats + 1;
			CHECK(fg_fit_model(&unit_env, &ts.t.data, &o, &f_codes, &err) == FG_OK, "%s", err.message);
			ts.t.data.w = ts.w;	/* all 1 */
			CHECK(fg_fit_model(&unit_env, &ts.t.data, &o, &f_w, &err) == FG_OK, "%s", err.message);
			for (int j = 0; j < 3; j++)
			{
				CHECK_NEAR(f_codes.beta[j], f_s.beta[j], 1e-9 * fmax(1, fabs(f_s.beta[j])));
				CHECK_NEAR(f_w.beta[j], f_s.beta[j], 1e-9 * fmax(1, fabs(f_s.beta[j])));
			}
			CHECK_NEAR(f_codes.multiplier, f_s.multiplier, 1e-6 * fmax(1, f_s.multiplier));
			/* the codes' top-level covariance is left unset; their term has it */
			CHECK(isnan(f_codes.train_cov));
			CHECK_NEAR(f_codes.terms[0].cov, f_s.train_cov, 1e-10);
			CHECK_NEAR(f_codes.train_di, f_s.train_di, 1e-12);
			CHECK(f_s.n_terms == 1 && f_codes.n_terms == 1);
			CHECK_NEAR(f_s.terms[0].multiplier, f_codes.terms[0].multiplier,
					   1e-6 * fmax(1, fabs(f_s.terms[0].multiplier)));
			CHECK_NEAR(fabs(f_s.terms[0].multiplier), f_s.multiplier, 1e-12 * fmax(1, f_s.multiplier));
			fg_fit_release(&unit_env, &f_s);
			fg_fit_release(&unit_env, &f_codes);
			fg_fit_release(&unit_env, &f_w);
			free(b_codes);
			free_terms_set(&ts);
		}
}

/* fair_glmm with several terms and weights: runs, and fairness moves with rho. */
static void
test_boosting_terms(void)
{
	double		last = INFINITY;

	for (int ri = 0; ri < 3; ri++)
	{
		static const double rhos[] = {0.0, 10.0, 1000.0};
		terms_set	ts;
		fg_fit		f;
		fg_error	err;
		fg_options	o = terms_opts(FG_METHOD_FAIR_GLMM, rhos[ri], FG_FAIRNESS_DEMOGRAPHIC_PARITY);

		make_terms_set(&ts, 3000, 4, 20, 44, true);
		if (CHECK(fg_fit_model(&unit_env, &ts.t.data, &o, &f, &err) == FG_OK, "%s (%s)",
				  err.message, err.detail))
		{
			double		ss = 0;

			for (uint32_t t = 0; t < f.n_terms; t++)
				ss += f.terms[t].cov * f.terms[t].cov;
			CHECK(f.n_terms == 5 && f.steps > 0);
			CHECK(ss <= last * (1 + 1e-9), "rho %g: sum of squared covariances %g rose from %g",
				  rhos[ri], ss, last);
			last = ss;
			fg_fit_release(&unit_env, &f);
		}
		free_terms_set(&ts);
	}
}

static void
test_bad_data(void)
{
	terms_set	ts;
	fg_fit		f;
	fg_error	err;
	fg_options	o = terms_opts(FG_METHOD_FAIR_LR, 1.0, 0);
	uint32_t	one_cat[2] = {4, 1};

	make_terms_set(&ts, 500, 2, 0, 9, true);
	ts.w[3] = -1.0;
	CHECK(fg_fit_model(&unit_env, &ts.t.data, &o, &f, &err) == FG_ERR_INVALID);
	ts.w[3] = NAN;
	CHECK(fg_fit_model(&unit_env, &ts.t.data, &o, &f, &err) == FG_ERR_INVALID);
	ts.w[3] = 1.0;
	ts.codes[5 * 2] = 4;
	CHECK(fg_fit_model(&unit_env, &ts.t.data, &o, &f, &err) == FG_ERR_INVALID);
	ts.codes[5 * 2] = 0;
	for (size_t l = 0; l < 500; l++)
		ts.codes[l * 2 + 1] = 0;
	ts.t.data.n_cats = one_cat;
	CHECK(fg_fit_model(&unit_env, &ts.t.data, &o, &f, &err) == FG_ERR_DATA);
	CHECK(strstr(err.detail, "Attribute 2") != NULL, "%s", err.detail);
	free_terms_set(&ts);
}

int
main(void)
{
	test_term_layout();
	test_penalised();
	test_constrained_terms();
	test_weight_two();
	test_binary_paths_agree();
	test_boosting_terms();
	test_bad_data();
	return unit_summary("terms");
}
