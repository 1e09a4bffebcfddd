/*
 * test_inference.c -- the standard errors, likelihoods and degrees of
 * freedom of a fit (inference.c) against dense computations done here from
 * the exported coefficients: the full Hessian of the objective built by
 * plain loops and inverted by LAPACK, its projection for active
 * constraints, the clustered sandwich, the trace of the hat matrix.
 */
#include "unit.h"
#include "test_data.h"

#include <lapacke.h>
#include <string.h>

/* Two sensitive attributes (4 and 2 categories), strata, weights. */
typedef struct inf_set
{
	test_set	t;
	uint32_t   *codes;
	uint32_t	n_cats[2];
	double	   *w;
} inf_set;

static void
make_inf_set(inf_set *is, size_t N, int p, uint32_t n, uint64_t seed, bool weighted, bool coded)
{
	double	   *b = calloc(n ? n : 1, sizeof(double));

	rng_state = seed;
	test_set_alloc(&is->t, N, p, n);
	is->codes = calloc(N * 2, sizeof(uint32_t));
	is->w = calloc(N, sizeof(double));
	is->n_cats[0] = 4;
	is->n_cats[1] = 2;
	for (uint32_t i = 0; i < n; i++)
		b[i] = 0.8 * normal01();
	for (size_t l = 0; l < N; l++)
	{
		uint32_t	a = (uint32_t) (uniform01() * 4) % 4;
		uint32_t	s = uniform01() < 0.4;
		double		eta = -0.2 + 0.3 * a - 0.6 * s;

		is->codes[l * 2] = a;
		is->codes[l * 2 + 1] = s;
		is->t.s[l] = (uint8_t) s;
		is->t.g[l] = n ? (uint32_t) (uniform01() * n) % n : 0;
		for (int j = 0; j < p; j++)
		{
			is->t.x[l * p + j] = normal01() + (j == 0 ? 0.4 * a : 0.0);
			eta += (j % 2 ? -0.5 : 0.7) * is->t.x[l * p + j];
		}
		eta += n ? b[is->t.g[l]] : 0.0;
		is->t.y[l] = uniform01() < fg_sigmoid(eta);
		is->w[l] = weighted ? 0.3 + 1.4 * uniform01() : 1.0;
	}
	if (coded)
	{
		is->t.data.n_attr = 2;
		is->t.data.codes = is->codes;
		is->t.data.n_cats = is->n_cats;
	}
	is->t.data.w = weighted ? is->w : NULL;
	free(b);
}

static void
free_inf_set(inf_set *is)
{
	free(is->codes);
	free(is->w);
	free_set(&is->t);
}

static double
row_eta(const test_set *t, const fg_fit *f, size_t l)
{
	int			p = t->data.p;
	double		e = f->intercept;

	for (int j = 0; j < p; j++)
		e += f->beta[j] * t->x[l * p + j];
	return e + (f->n_strata ? f->b[t->g[l]] : 0.0);
}

static uint32_t
category(const test_set *t, size_t l, uint32_t attr)
{
	return t->data.n_attr == 0 ? t->s[l] : t->data.codes[l * t->data.n_attr + attr];
}

/* z_l: the design row (1, x, indicator of the stratum) */
static void
design_row(const test_set *t, uint32_t n, size_t l, double *z)
{
	int			p = t->data.p;

	memset(z, 0, sizeof(double) * (1 + p + n));
	z[0] = 1.0;
	for (int j = 0; j < p; j++)
		z[1 + j] = t->x[l * p + j];
	if (n > 0)
		z[1 + p + t->g[l]] = 1.0;
}

/* d cov_t / d delta for term tm (plain definition) into d (m) */
static void
term_gradient(const test_set *t, const fg_term_fit *tm, uint32_t n, double *d)
{
	size_t		N = t->data.n_rows;
	int			m = 1 + t->data.p + (int) n;
	double		W = 0,
				Wj = 0;
	double	   *z = calloc(m, sizeof(double));

	for (size_t l = 0; l < N; l++)
		if (tm->outcome < 0 || t->y[l] == (uint8_t) tm->outcome)
		{
			double		w = t->data.w ? t->data.w[l] : 1.0;

			W += w;
			Wj += category(t, l, tm->attr) == tm->category ? w : 0.0;
		}
	memset(d, 0, sizeof(double) * m);
	for (size_t l = 0; l < N; l++)
		if (tm->outcome < 0 || t->y[l] == (uint8_t) tm->outcome)
		{
			double		w = t->data.w ? t->data.w[l] : 1.0;
			double		c = w * ((category(t, l, tm->attr) == tm->category) - Wj / W) / W;

			design_row(t, n, l, z);
			for (int i = 0; i < m; i++)
				d[i] += c * z[i];
		}
	free(z);
}

/*
 * The dense Hessian of J at the fit: sum w mu (1 - mu) z z' + 2 lambda (b)
 * + 2 l2 (slopes) + sum_t 2 rho N dcov_t dcov_t' (penalised form only),
 * and the log-likelihood's part alone in Hll.
 */
static void
dense_hessian(const test_set *t, const fg_fit *f, const fg_options *o, double lambda,
			  double *H, double *Hll, double *D)
{
	size_t		N = t->data.n_rows;
	uint32_t	n = f->n_strata;
	int			p = t->data.p,
				m = 1 + p + (int) n;
	double	   *z = calloc(m, sizeof(double));
	double		Nw = 0;

	memset(H, 0, sizeof(double) * m * m);
	for (size_t l = 0; l < N; l++)
	{
		double		w = t->data.w ? t->data.w[l] : 1.0;
		double		mu = fg_sigmoid(row_eta(t, f, l));

		Nw += w;
		design_row(t, n, l, z);
		for (int i = 0; i < m; i++)
			for (int j = 0; j < m; j++)
				H[i * m + j] += w * mu * (1 - mu) * z[i] * z[j];
	}
	memcpy(Hll, H, sizeof(double) * m * m);
	for (uint32_t i = 0; i < n; i++)
		H[(1 + p + i) * m + 1 + p + i] += 2 * lambda;
	for (int j = 1; j <= p; j++)
		H[j * m + j] += 2 * o->l2;
	if (isnan(o->c) && o->rho > 0)
		for (uint32_t tt = 0; tt < f->n_terms; tt++)
		{
			term_gradient(t, &f->terms[tt], n, D + (size_t) tt * m);
			for (int i = 0; i < m; i++)
				for (int j = 0; j < m; j++)
					H[i * m + j] += 2 * o->rho * Nw * D[(size_t) tt * m + i] * D[(size_t) tt * m + j];
		}
	free(z);
}

static void
invert(double *A, int m)
{
	lapack_int *ipiv = calloc(m, sizeof(lapack_int));

	CHECK(LAPACKE_dgetrf(LAPACK_ROW_MAJOR, m, m, A, m, ipiv) == 0);
	CHECK(LAPACKE_dgetri(LAPACK_ROW_MAJOR, m, A, m, ipiv) == 0);
	free(ipiv);
}

/* Vp = Hinv - Hinv A (A'Hinv A)^+ A'Hinv over the active terms (gradients in D) */
static int
project(double *Vp, const double *Hinv, const double *D, const fg_fit *f, int m)
{
	int			na = 0,
				rank = 0;
	int			idx[64];
	double	   *HA,
			   *C,
			   *ev;

	memcpy(Vp, Hinv, sizeof(double) * m * m);
	for (uint32_t t = 0; t < f->n_terms; t++)
		if (f->terms[t].multiplier != 0.0 && na < 64)
			idx[na++] = (int) t;
	if (na == 0)
		return 0;
	HA = calloc((size_t) na * m, sizeof(double));
	C = calloc((size_t) na * na, sizeof(double));
	ev = calloc(na, sizeof(double));
	for (int a = 0; a < na; a++)
		for (int i = 0; i < m; i++)
			for (int j = 0; j < m; j++)
				HA[a * m + i] += Hinv[i * m + j] * D[(size_t) idx[a] * m + j];
	for (int a = 0; a < na; a++)
		for (int b = 0; b < na; b++)
			for (int i = 0; i < m; i++)
				C[a * na + b] += D[(size_t) idx[a] * m + i] * HA[b * m + i];
	CHECK(LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', na, C, na, ev) == 0);
	for (int e = 0; e < na; e++)
	{
		if (!(ev[e] > 1e-8 * ev[na - 1]))
			continue;
		rank++;
		for (int a = 0; a < na; a++)
			for (int b = 0; b < na; b++)
			{
				double		cab = C[a * na + e] * C[b * na + e] / ev[e];

				for (int i = 0; i < m; i++)
					for (int j = 0; j < m; j++)
						Vp[i * m + j] -= HA[a * m + i] * cab * HA[b * m + j];
			}
	}
	free(HA);
	free(C);
	free(ev);
	return rank;
}

/* V M V with M = G/(G-1) sum_g s_g s_g', s_g the loglik score over stratum g */
static void
sandwich(const test_set *t, const fg_fit *f, const double *Vp, int m, double *out)
{
	uint32_t	G = t->data.n_strata;
	uint32_t	n = f->n_strata;
	double	   *S = calloc((size_t) G * m, sizeof(double));
	double	   *z = calloc(m, sizeof(double));
	double	   *u = calloc(m, sizeof(double));

	for (size_t l = 0; l < t->data.n_rows; l++)
	{
		double		w = t->data.w ? t->data.w[l] : 1.0;
		double		r = w * (t->y[l] - fg_sigmoid(row_eta(t, f, l)));

		design_row(t, n, l, z);
		for (int i = 0; i < m; i++)
			S[(size_t) t->g[l] * m + i] += r * z[i];
	}
	memset(out, 0, sizeof(double) * m * m);
	for (uint32_t g = 0; g < G; g++)
	{
		for (int i = 0; i < m; i++)
		{
			u[i] = 0;
			for (int j = 0; j < m; j++)
				u[i] += Vp[i * m + j] * S[(size_t) g * m + j];
		}
		for (int i = 0; i < m; i++)
			for (int j = 0; j < m; j++)
				out[i * m + j] += u[i] * u[j] * G / (G - 1.0);
	}
	free(S);
	free(z);
	free(u);
}

static double
rel(double a, double b)
{
	return fabs(a - b) / fmax(fabs(b), 1e-300);
}

static void
check_case(fg_method method, double rho, double c, int vcov, bool weighted, bool coded,
		   double l2, int fairness)
{
	inf_set		is;
	fg_fit		f;
	fg_error	err;
	fg_options	o;
	int			p = 3;
	uint32_t	n = 12;
	char		what[160];

	fg_options_default(&o);
	o.method = method;
	o.rho = rho;
	o.c = c;
	o.lambda = 0.7;
	o.l2 = l2;
	o.vcov = vcov;
	o.fairness = fairness;
	o.exact_trace = true;
	o.tol = 1e-14;
	snprintf(what, sizeof(what), "%s rho=%g c=%g vcov=%d%s%s l2=%g fairness=%d",
			 fg_method_name(method), rho, c, vcov, weighted ? " weighted" : "",
			 coded ? " coded" : "", l2, fairness);
	make_inf_set(&is, 1500, p, n, 71, weighted, coded);
	if (!CHECK(fg_fit_model(&unit_env, &is.t.data, &o, &f, &err) == FG_OK, "%s: %s (%s)", what,
			   err.message, err.detail))
	{
		free_inf_set(&is);
		return;
	}
	{
		uint32_t	nb = f.n_strata;
		int			k = 1 + p,
					m = k + (int) nb;
		double	   *H = calloc((size_t) m * m, sizeof(double));
		double	   *Hll = calloc((size_t) m * m, sizeof(double));
		double	   *D = calloc((size_t) m * (f.n_terms + 1), sizeof(double));
		double	   *Vp = calloc((size_t) m * m, sizeof(double));
		double	   *R = calloc((size_t) m * m, sizeof(double));
		double		lambda = fg_method_is_boosting(method) ? 0.5 / f.q : o.lambda;
		double		worst = 0,
					loglik = 0,
					edf = 0;
		int			rank;

		if (!fg_method_uses_strata(method))
			lambda = 0;
		dense_hessian(&is.t, &f, &o, lambda, H, Hll, D);
		/* the constrained form: gradients of every term for the projection */
		if (!isnan(c))
			for (uint32_t tt = 0; tt < f.n_terms; tt++)
				term_gradient(&is.t, &f.terms[tt], nb, D + (size_t) tt * m);
		invert(H, m);
		rank = project(Vp, H, D, &f, m);
		if (vcov == FG_VCOV_ROBUST)
			sandwich(&is.t, &f, Vp, m, R);
		else
			memcpy(R, Vp, sizeof(double) * m * m);
		CHECK(f.vcov_type == vcov && f.vcov != NULL, "%s: no covariance", what);
		for (int i = 0; i < k && f.vcov; i++)
			for (int j = 0; j < k; j++)
				/* on the scale of the unconstrained SEs (held terms can pin a coefficient) */
				worst = fmax(worst, fabs(f.vcov[i * k + j] - R[i * m + j]) /
							 sqrt(fmax(R[i * m + i], H[i * m + i]) * fmax(R[j * m + j], H[j * m + j])));
		CHECK(worst <= 1e-7, "%s: covariance off by %g (relative to the SEs)", what, worst);
		for (uint32_t i = 0; i < nb && f.b_se; i++)
			CHECK(rel(f.b_se[i], sqrt(Vp[(k + i) * m + k + i])) <= 1e-7,
				  "%s: SE of b%u %.12g, dense %.12g", what, i, f.b_se[i],
				  sqrt(Vp[(k + i) * m + k + i]));
		/* log-likelihood by plain loops; edf = trace(Vp Hll) */
		for (size_t l = 0; l < is.t.data.n_rows; l++)
		{
			double		e = row_eta(&is.t, &f, l);
			double		w = is.t.data.w ? is.t.data.w[l] : 1.0;

			loglik += w * (is.t.y[l] * e - log1pexp(e));
		}
		CHECK(rel(f.loglik, loglik) <= 1e-10, "%s: loglik %.15g, plain %.15g", what, f.loglik, loglik);
		for (int i = 0; i < m; i++)
			for (int j = 0; j < m; j++)
				edf += Vp[i * m + j] * Hll[j * m + i];
		if (fg_method_is_boosting(method))
			CHECK(f.edf == f.df, "%s: boosting's edf %g is not its trace %g", what, f.edf, f.df);
		else
			CHECK(fabs(f.edf - edf) <= 1e-7 * m, "%s: edf %.12g, dense %.12g (rank %d)", what,
				  f.edf, edf, rank);
		free(H);
		free(Hll);
		free(D);
		free(Vp);
		free(R);
	}
	fg_fit_release(&unit_env, &f);
	free_inf_set(&is);
}

/* lr without penalties: edf = p + 1, null loglik in closed form, vcov none */
static void
check_plain_lr(void)
{
	inf_set		is;
	fg_fit		f;
	fg_error	err;
	fg_options	o;

	fg_options_default(&o);
	o.method = FG_METHOD_LR;
	o.lambda = 0;
	o.vcov = FG_VCOV_NONE;
	make_inf_set(&is, 800, 3, 0, 5, true, false);
	if (CHECK(fg_fit_model(&unit_env, &is.t.data, &o, &f, &err) == FG_OK, "%s", err.message))
	{
		double		wy = 0,
					wt = 0;

		for (size_t l = 0; l < 800; l++)
		{
			wt += is.w[l];
			wy += is.t.y[l] ? is.w[l] : 0;
		}
		CHECK(f.vcov == NULL && f.b_se == NULL && f.vcov_type == FG_VCOV_NONE);
		CHECK(f.edf == 4.0);
		CHECK(rel(f.null_loglik, wy * log(wy / wt) + (wt - wy) * log(1 - wy / wt)) <= 1e-12);
		CHECK(f.loglik > f.null_loglik);
		fg_fit_release(&unit_env, &f);
	}
	free_inf_set(&is);
}

int
main(void)
{
	static const int vcovs[] = {FG_VCOV_MODEL, FG_VCOV_ROBUST};

	for (int v = 0; v < 2; v++)
		for (int weighted = 0; weighted < 2; weighted++)
		{
			check_case(FG_METHOD_LR, 0, NAN, vcovs[v], weighted, false, 0, 0);
			check_case(FG_METHOD_CRLR, 0, NAN, vcovs[v], weighted, false, 0, 0);
			check_case(FG_METHOD_CRLR, 0, NAN, vcovs[v], weighted, false, 0.5, 0);
			check_case(FG_METHOD_FAIR_LR, 2.0, NAN, vcovs[v], weighted, false, 0, 0);
			check_case(FG_METHOD_FAIR_CRLR, 2.0, NAN, vcovs[v], weighted, false, 0, 0);
			check_case(FG_METHOD_FAIR_CRLR, 30.0, NAN, vcovs[v], weighted, true, 0, 2);
			/* the constrained form: one term, several, and at c = 0 (dependent terms) */
			check_case(FG_METHOD_FAIR_CRLR, 0, 0.01, vcovs[v], weighted, false, 0, 0);
			check_case(FG_METHOD_FAIR_CRLR, 0, 0.01, vcovs[v], weighted, true, 0, 0);
			check_case(FG_METHOD_FAIR_LR, 0, 0.0, vcovs[v], weighted, true, 0, 1);
			check_case(FG_METHOD_GLMM, 0, NAN, vcovs[v], weighted, false, 0, 0);
			check_case(FG_METHOD_FAIR_GLMM, 5.0, NAN, vcovs[v], weighted, true, 0, 0);
		}
	check_plain_lr();
	return unit_summary("inference");
}
