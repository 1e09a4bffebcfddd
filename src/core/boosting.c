/*
 * boosting.c -- Fair GLMM: componentwise boosting with a fairness penalty
 * (the paper's Algorithm 1, after Tutz & Groll 2010).
 *
 * Each step tries every covariate r with the update of (beta0, beta_r, b)
 * that one penalised Fisher-scoring step gives, scores each by
 *
 *   BIC_r = -2 [loglik(mu_r) - sum_t kappa_t (a_t'delta_r)^2 - l2 ||beta_r||^2]
 *           + 2 df_r log(n)
 *
 * (kappa_t (a_t'delta)^2 = rho N cov_t^2, fairness.h; the log-likelihood
 * weighted when rows carry weights) and keeps the best; then re-estimates
 * the random-intercept variance Q.  The per-candidate system
 * F_r = A_r'WA_r + K + sum_t 2 kappa_t a_t,r a_t,r' (+ 2 l2 on the slope) is
 * an arrow matrix (2 x 2 dense block, n diagonal) plus rank T, so each solve
 * costs O(n T) once the row sums are known.
 *
 * df_r = trace(I - (I - M_r) U) with U the product of (I - M) of earlier
 * steps.  Writing P = I - U, df_r = tr(P) + tr(M_r (I - P)).  Both traces
 * are estimated with the same Rademacher probes z_k, keeping h_k = P z_k up
 * to date (h_k += M_j (z_k - h_k) after each step); tr(M_r (I - P) ) is
 * mean_k (A_r'z_k)' F_r^-1 (A_r'W (z_k - h_k)), whose row sums are shared by
 * all candidates.  Estimating the trace of P, not of U = I - P, keeps the
 * variance at the scale of the degrees of freedom instead of N.  With
 * exact_trace the probes are the N unit vectors, which gives the exact
 * traces (dense, for small N and for testing the estimator).
 *
 * The gaussian family makes this a linear mixed model: working weights
 * v / sigma^2, the gaussian log-likelihood at the current sigma^2 in the
 * BIC, and after each step sigma^2 = sum v (y - eta)^2 / (nobs - df) from
 * the new residuals and Q by the same Harville update.  The fairness and
 * ridge penalties count against the loss (1/2) RSS, as in the Newton
 * solver, so in the log-likelihood's units they are divided by sigma^2.
 * Every system of a step is then sigma^2 times one with weights v, prior
 * precision sigma^2 / Q and the penalties as they are: the steps and the
 * hat matrices are solved in that form, which changes none of them.
 */
#include "boosting.h"
#include "exp_nonpositive.h"
#include "inference.h"
#include "pass.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FG_W_FLOOR 1e-10		/* keeps every weight positive */
#define FG_Q_FLOOR 1e-8			/* keeps 1/Q finite (gaussian: times sigma^2) */
#define FG_SIGMA2_FLOOR 1e-14	/* times the variance of y: an exact fit keeps sigma^2 > 0 */
#define FG_EXACT_TRACE_MAX_ROWS 5000

typedef struct boost
{
	const fg_env *env;
	const fg_data *data;
	const fg_options *opt;
	const fg_problem *prob;
	size_t		N;
	int			p;
	uint32_t	n;
	int			m;				/* probes */
	size_t		poll_mask;		/* rows between interrupt checks, minus 1 (a power of 2) */
	double		probe_weight;	/* 1/m for Rademacher probes, 1 for unit vectors */
	uint32_t	T;				/* fairness terms (0: none) */
	double	   *pen;			/* T: 2 kappa_t */
	double		invq;			/* 1 / Q (gaussian: sigma^2 / Q) */

	/*
	 * The gaussian family: the current residual variance, the observations
	 * its likelihood counts, (1/2) sum log v for precision weights, and the
	 * likelihood's part that the fit leaves alone,
	 * (1/2) sum log v - (nobs / 2) log(2 pi sigma^2).
	 */
	bool		gaussian;
	double		sigma2;
	double		sigma2_floor;
	double		nobs;
	double		log_weights;
	double		loglik_base;
	char		sigma2_text[40];	/* ", sigma^2 ..." for the progress messages */

	/* probes: h = P z per row (N x m), z from the row's rank and the seed */
	uint32_t   *rank;
	uint64_t   *probe_bits;		/* Rademacher signs, probe_words a row (bit set: +1) */
	size_t		probe_words;
	double	   *H;
	double	   *Z1,
			   *ZX,
			   *Zb;				/* fixed: sums of z, X'z (p x m), stratum sums (n x m) */
	double	   *T1,
			   *TX,
			   *Tb;				/* per step: the same sums of W (z - h) */
	double		trace_p;

	/* per step row sums */
	double		Sw,
				Sr;
	double	   *Swx,
			   *Swxx,
			   *Srx;			/* p */
	double	   *Dw,
			   *Srb;			/* n */
	double	   *Gx;				/* n x p: stratum sums of w x */

	/* the arrow system of one candidate */
	double	   *gx;				/* n: second coupling column */
	double	   *E;				/* n: Dw + 1/Q */
	double		Sinv[4];		/* inverse 2 x 2 Schur complement */
	int			kf;				/* 1 (intercept only) or 2 (intercept, x_r) */
	int			cand_r;			/* the prepared candidate (-1: intercept only) */
	/*
	 * The fairness terms' fold (as in newton.c), per step: at[i T + t] =
	 * sqrt(pen_t) a_b,t[i] / E_i, R the Cholesky factor of
	 * M = I + sum_i E_i at_i at_i', c0[t] = sum_i Dw_i a_b,t[i] / E_i.  Per
	 * candidate: chat (2 x T) = sqrt(pen_t) (a_f,t - G'E^-1 a_b,t).
	 */
	bool		fair;			/* the current candidate's system has the terms */
	bool		fair_ready;		/* at, R and c0 are of this step */
	double	   *at;				/* n x T */
	double	   *R;				/* T x T */
	double	   *c0;				/* T */
	double	   *chat;			/* 2 x T */
	double	   *tv;				/* 2 T scratch */
	double	   *cand_ad;		/* group x T: each candidate's a_t'delta after its step */

	/* scratch, 2 + n each */
	double	   *rhs,
			   *x,
			   *step,
			   *best_step;
	double	   *probe_solutions;	/* m x (2 + n) */
	double	   *probe_by_coef;	/* (2 + n) x m: the same, transposed */

	/* candidates whose log-likelihoods one pass over the rows evaluates */
	int			group;			/* at most this many at once */
	double	   *cand_step;		/* group x (2 + n): each candidate's step */
	double	   *cand_b;			/* n x group: the steps' stratum parts, by stratum */
	double	   *cand_acc;		/* 5 x group: fixed parts, then sums of the pass */
	double	   *cand_info;		/* 4 x group: usable, (unused), df, log-likelihood */
	double	   *block,
			   *zblock;			/* FG_BLOCK_ROWS x p, FG_BLOCK_ROWS x m */
	double	   *rowbuf;			/* 2 FG_BLOCK_ROWS + 3 m + 8: row_sums' scratch */
	double	   *sign_table;		/* 256 x 8: the signs of the 8 bits of a byte */
} boost;

/* ---------- probes ---------- */

static inline uint64_t
mix64(uint64_t z)
{
	/* splitmix64 finaliser: decorrelates consecutive inputs */
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The Rademacher sign of probe k at row l, from (seed, rank, k). */
static inline bool
probe_sign_positive(const boost *bs, size_t l, int k)
{
	return mix64(bs->opt->seed ^ mix64(((uint64_t) bs->rank[l] << 20) ^ (uint64_t) k)) >> 63;
}

/*
 * Probe k at row l: a unit vector, or the Rademacher sign, which
 * probe_sums() hashes once and keeps as a bit: every boosting step reads
 * all N x m of them, and hashing each again cost most of a step's pass.
 */
static inline double
probe(const boost *bs, size_t l, int k)
{
	if (bs->opt->exact_trace)
		return bs->rank[l] == (uint32_t) k ? 1.0 : 0.0;
	return (bs->probe_bits[l * bs->probe_words + (k >> 6)] >> (k & 63)) & 1 ? 1.0 : -1.0;
}

/*
 * A row's place in the canonical order: stratum, y (binary y only), s,
 * then the bytes of its features.  The first 8 of those bytes, read
 * big-endian, order like memcmp does, so most comparisons never touch the
 * row itself.
 */
typedef struct row_key
{
	uint64_t	group;			/* stratum, y, s */
	uint64_t	lead;			/* the features' first 8 bytes, big-endian */
	uint32_t	row;
} row_key;

/* qsort has no context argument */
static const fg_data *rank_data;

static int
compare_rows(const void *pa, const void *pb)
{
	const row_key *a = pa,
			   *b = pb;
	const fg_data *d = rank_data;

	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if (a->lead != b->lead)
		return a->lead < b->lead ? -1 : 1;
	{
		int			c = memcmp(fg_data_row(d, a->row), fg_data_row(d, b->row),
							   sizeof(double) * d->p);

		/* rows alike so far differ only if their categories or weights do */
		if (c == 0 && d->n_attr > 0)
			c = memcmp(d->codes + (size_t) a->row * d->n_attr,
					   d->codes + (size_t) b->row * d->n_attr, sizeof(uint32_t) * d->n_attr);
		if (c == 0 && d->w != NULL && d->w[a->row] != d->w[b->row])
			c = d->w[a->row] < d->w[b->row] ? -1 : 1;
		/* a continuous y is no part of the group: it breaks the last ties */
		if (c == 0 && d->y_real != NULL && d->y_real[a->row] != d->y_real[b->row])
			c = d->y_real[a->row] < d->y_real[b->row] ? -1 : 1;
		return c;
	}
}

/*
 * Probes follow a canonical order of the rows (by stratum, y, s, x; a
 * continuous y last), so the same rows in another order get the same
 * probes: identical rows are interchangeable, whichever rank each one gets.
 */
static fg_status
rank_rows(boost *bs, fg_error *err)
{
	const fg_data *d = bs->data;
	row_key    *keys = fg_alloc_uninit(bs->env, sizeof(row_key) * (bs->N ? bs->N : 1));

	if (keys == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	for (size_t l = 0; l < bs->N; l++)
	{
		const uint8_t *x = (const uint8_t *) fg_data_row(d, l);
		uint64_t	lead = 0;

		for (size_t i = 0; i < 8 && i < sizeof(double) * (size_t) d->p; i++)
			lead |= (uint64_t) x[i] << (56 - 8 * i);
		keys[l].group = ((uint64_t) d->stratum[l] << 2) |
			((uint64_t) (d->y ? d->y[l] : 0) << 1) | (d->n_attr == 0 ? d->s[l] : 0);
		keys[l].lead = lead;
		keys[l].row = (uint32_t) l;
	}
	rank_data = d;
	qsort(keys, bs->N, sizeof(row_key), compare_rows);
	rank_data = NULL;
	for (size_t r = 0; r < bs->N; r++)
		bs->rank[keys[r].row] = (uint32_t) r;
	fg_release(bs->env, keys);
	return FG_OK;
}

/* ---------- the arrow system of one candidate ---------- */

/* a_t's entry j (0: intercept, 1 + r: feature r, k + i: stratum i) */
static inline double
term_entry(const boost *bs, uint32_t t, uint32_t j)
{
	return bs->prob->A[(size_t) t * (bs->prob->k + bs->prob->n) + j];
}

/*
 * The step's share of the fairness fold (E = Dw + 1/Q is the same for
 * every candidate of a step): at, the Cholesky factor R of M and c0.
 * Returns false when M cannot be factored (non-finite sums).
 */
static bool
fair_prepare_step(boost *bs)
{
	uint32_t	n = bs->n,
				k = bs->prob->k;
	int			T = (int) bs->T;

	if (T == 0)
	{
		bs->fair_ready = true;
		return true;
	}
	memset(bs->R, 0, sizeof(double) * T * T);
	for (int t = 0; t < T; t++)
	{
		double		sk = sqrt(bs->pen[t]);

		bs->R[t * T + t] = 1.0;
		bs->c0[t] = 0.0;
		for (uint32_t i = 0; i < n; i++)
		{
			double		e = bs->Dw[i] + bs->invq;
			double		ab = term_entry(bs, (uint32_t) t, k + i);

			bs->at[(size_t) i * T + t] = sk * ab / e;
			bs->c0[t] += bs->Dw[i] * ab / e;
		}
	}
	/* M = I + sum_i E_i at_i at_i' */
	for (uint32_t i = 0; i < n; i++)
	{
		double		e = bs->Dw[i] + bs->invq;
		const double *ai = bs->at + (size_t) i * T;

		for (int s = 0; s < T; s++)
			for (int t = s; t < T; t++)
				bs->R[s * T + t] += e * ai[s] * ai[t];
	}
	/* M >= I: only non-finite sums can make this fail */
	bs->fair_ready = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', T, bs->R, T) == 0;
	return bs->fair_ready;
}

/*
 * Prepare F = [B G; G' diag(E)] + sum_t pen_t a_t,r a_t,r' for candidate r
 * (r < 0: the intercept-only system of M_0, without the fairness terms).
 * The ridge l2 adds 2 l2 to the slope's diagonal.  The terms are folded
 * into the 2 x 2 Schur complement, as newton.c does for the full system:
 * S = B - G'E^-1 G + chat M^-1 chat'.  Returns false when S is singular.
 */
static bool
arrow_prepare(boost *bs, int r, bool fair)
{
	uint32_t	n = bs->n;
	int			T = (int) bs->T;
	double		S[4];

	bs->fair = fair && T > 0;
	bs->cand_r = r;
	if (bs->fair && !bs->fair_ready && !fair_prepare_step(bs))
		return false;
	bs->kf = r < 0 ? 1 : 2;
	S[0] = bs->Sw;
	S[1] = S[2] = r < 0 ? 0.0 : bs->Swx[r];
	S[3] = r < 0 ? 1.0 : bs->Swxx[r] + 2.0 * bs->prob->l2;
	for (uint32_t i = 0; i < n; i++)
	{
		double		gx = r < 0 ? 0.0 : bs->Gx[(size_t) i * bs->p + r];
		double		e = bs->Dw[i] + bs->invq;

		bs->gx[i] = gx;
		bs->E[i] = e;
		S[0] -= bs->Dw[i] * bs->Dw[i] / e;
		S[1] -= bs->Dw[i] * gx / e;
		S[3] -= gx * gx / e;
	}
	if (bs->fair)
	{
		double	   *z = bs->tv;

		for (int t = 0; t < T; t++)
		{
			double		sk = sqrt(bs->pen[t]);
			double		c1 = 0.0;

			/* sum_i gx_i a_b,t[i] / E_i = sum_i gx_i at[i, t] / sk */
			if (r >= 0)
				for (uint32_t i = 0; i < n; i++)
					c1 += bs->gx[i] * term_entry(bs, (uint32_t) t, bs->prob->k + i) / bs->E[i];
			bs->chat[t] = sk * (term_entry(bs, (uint32_t) t, 0) - bs->c0[t]);
			bs->chat[T + t] = r < 0 ? 0.0 : sk * (term_entry(bs, (uint32_t) t, 1 + r) - c1);
		}
		/* S += Z Z' with Z = chat R^-1 (two rows) */
		for (int row = 0; row < 2; row++)
		{
			memcpy(z + row * T, bs->chat + row * T, sizeof(double) * T);
			cblas_dtrsv(CblasRowMajor, CblasUpper, CblasTrans, CblasNonUnit, T, bs->R, T,
						z + row * T, 1);
		}
		S[0] += cblas_ddot(T, z, 1, z, 1);
		S[1] += cblas_ddot(T, z, 1, z + T, 1);
		S[3] += cblas_ddot(T, z + T, 1, z + T, 1);
	}
	S[2] = S[1];
	if (bs->kf == 1)
	{
		if (!(S[0] > 0))
			return false;
		bs->Sinv[0] = 1.0 / S[0];
		bs->Sinv[1] = bs->Sinv[2] = 0.0;
		bs->Sinv[3] = 0.0;
	}
	else
	{
		double		det = S[0] * S[3] - S[1] * S[2];

		if (!(det > 1e-14 * fabs(S[0] * S[3])) || !(S[0] > 0))
			return false;
		bs->Sinv[0] = S[3] / det;
		bs->Sinv[1] = bs->Sinv[2] = -S[1] / det;
		bs->Sinv[3] = S[0] / det;
	}
	return true;
}

/*
 * x = F^-1 v for the prepared candidate (vectors: 2 fixed slots, then n), by
 * block elimination with the stratum block E + A_b' K A_b inverted by
 * Woodbury (u = M^-1 at'v_b):
 *
 *   x_f = S^-1 (v_f - G'E^-1 v_b - chat u)
 *   q   = v_b - G x_f - sum_t pen_t (a_f,t'x_f) a_b,t
 *   x_b = E^-1 q - at M^-1 at'q
 */
static void
arrow_solve(const boost *bs, const double *v, double *x)
{
	uint32_t	n = bs->n;
	int			T = (int) bs->T;
	double		t0 = v[0],
				t1 = bs->kf == 2 ? v[1] : 0.0;
	double	   *u = bs->tv;

	if (bs->fair)
	{
		cblas_dgemv(CblasRowMajor, CblasTrans, (int) n, T, 1.0, bs->at, T, v + 2, 1, 0.0, u, 1);
		LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', T, 1, bs->R, T, u, 1);
		t0 -= cblas_ddot(T, bs->chat, 1, u, 1);
		t1 -= cblas_ddot(T, bs->chat + T, 1, u, 1);
	}
	for (uint32_t i = 0; i < n; i++)
	{
		t0 -= bs->Dw[i] * v[2 + i] / bs->E[i];
		t1 -= bs->gx[i] * v[2 + i] / bs->E[i];
	}
	x[0] = bs->Sinv[0] * t0 + bs->Sinv[1] * t1;
	x[1] = bs->kf == 2 ? bs->Sinv[2] * t0 + bs->Sinv[3] * t1 : 0.0;
	for (uint32_t i = 0; i < n; i++)
		x[2 + i] = v[2 + i] - bs->Dw[i] * x[0] - bs->gx[i] * x[1];
	if (bs->fair)
	{
		uint32_t	k = bs->prob->k;

		for (int t = 0; t < T; t++)
		{
			double		afx = term_entry(bs, (uint32_t) t, 0) * x[0] +
				(bs->kf == 2 ? term_entry(bs, (uint32_t) t, 1 + bs->cand_r) * x[1] : 0.0);
			double		coef = bs->pen[t] * afx;

			for (uint32_t i = 0; i < n; i++)
				x[2 + i] -= coef * term_entry(bs, (uint32_t) t, k + i);
		}
		for (uint32_t i = 0; i < n; i++)
			x[2 + i] /= bs->E[i];
		/* x_b -= at M^-1 at'q, with at'q = sum_i at_i E_i (q_i / E_i) */
		for (int t = 0; t < T; t++)
		{
			u[t] = 0.0;
			for (uint32_t i = 0; i < n; i++)
				u[t] += bs->at[(size_t) i * T + t] * bs->E[i] * x[2 + i];
		}
		LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', T, 1, bs->R, T, u, 1);
		cblas_dgemv(CblasRowMajor, CblasNoTrans, (int) n, T, -1.0, bs->at, T, u, 1, 1.0, x + 2, 1);
	}
	else
		for (uint32_t i = 0; i < n; i++)
			x[2 + i] /= bs->E[i];
}

/* ---------- row passes ---------- */

static inline void
poll(const boost *bs, size_t l)
{
	if ((l & bs->poll_mask) == 0 && bs->env->check_interrupts)
		bs->env->check_interrupts(bs->env->ctx);
}

/* Poll when rows [from, from + count) reach a multiple of poll_mask + 1. */
static inline void
poll_rows(const boost *bs, size_t from, size_t count)
{
	if ((from == 0 || (from - 1) / (bs->poll_mask + 1) != (from + count - 1) / (bs->poll_mask + 1)) &&
		bs->env->check_interrupts)
		bs->env->check_interrupts(bs->env->ctx);
}

/*
 * Probes 0 .. m-1 at row l into z (room for m rounded up to 8): the
 * Rademacher signs eight at a time, from a byte of their bits.
 */
static inline void
probe_signs(const boost *bs, size_t l, double *z)
{
	const uint64_t *bits = bs->probe_bits + l * bs->probe_words;

	if (bs->opt->exact_trace)
	{
		for (int k = 0; k < bs->m; k++)
			z[k] = probe(bs, l, k);
		return;
	}
	for (int k = 0; k < bs->m; k += 8)
		memcpy(z + k, bs->sign_table + ((bits[k >> 6] >> (k & 63)) & 0xff) * 8,
			   sizeof(double) * 8);
}

/*
 * mu = sigmoid(eta) from u = exp(-|eta|); weights mu (1 - mu), floored;
 * residuals y - mu; both times the row weights rw when given.
 */
static inline void
block_weights(size_t rows, const double *restrict eta, const uint8_t *restrict y,
			  const double *restrict rw, double *restrict w, double *restrict res)
{
	for (size_t q = 0; q < rows; q++)
	{
		double		e = eta[q];
		double		u = fg_exp_nonpositive(-fabs(e));
		double		iv = 1.0 / (1.0 + u);
		double		mu = e >= 0.0 ? iv : u * iv;
		double		wq = mu * (1.0 - mu);

		w[q] = wq > FG_W_FLOOR ? wq : FG_W_FLOOR;
		res[q] = y[q] - mu;
	}
	if (rw != NULL)
		for (size_t q = 0; q < rows; q++)
		{
			w[q] *= rw[q];
			res[q] *= rw[q];
		}
}

/*
 * The gaussian family's weights and residuals: v and v (y - eta), v the
 * row weight (1 without weights).  They are the working weights
 * v / sigma^2 and the score times sigma^2: every system of a step is
 * scaled by sigma^2 alike (K = sigma^2 / Q, see fg_boost), which leaves its
 * solutions and hat matrices as they are.
 */
static inline void
gaussian_block_weights(size_t rows, const double *restrict eta, const double *restrict y,
					   const double *restrict rw, double *restrict w, double *restrict res)
{
	if (rw == NULL)
		for (size_t q = 0; q < rows; q++)
		{
			w[q] = 1.0;
			res[q] = y[q] - eta[q];
		}
	else
		for (size_t q = 0; q < rows; q++)
		{
			w[q] = rw[q];
			res[q] = rw[q] * (y[q] - eta[q]);
		}
}

/* One row's feature sums: w x, w x^2, r x, and w x into its stratum's row. */
static inline void
feature_sums_row(int p, double w, double res, const double *restrict x,
				 double *restrict swx, double *restrict swxx, double *restrict srx,
				 double *restrict gg)
{
	for (int j = 0; j < p; j++)
	{
		double		wx = w * x[j];

		swx[j] += wx;
		swxx[j] += wx * x[j];
		srx[j] += res * x[j];
		gg[j] += wx;
	}
}

/* One row's probe terms: W (z - h) into zrow and its sums, z h into tr. */
static inline void
probe_row(int m, double w, const double *restrict z, const double *restrict h,
		  double *restrict zrow, double *restrict t1, double *restrict tg, double *restrict tr)
{
	for (int k = 0; k < m; k++)
	{
		double		wv = w * (z[k] - h[k]);

		tr[k] += z[k] * h[k];
		zrow[k] = wv;
		t1[k] += wv;
		tg[k] += wv;
	}
}

/*
 * One pass at the current eta: the weights' and residuals' row sums, and the
 * probe sums A'W(z - h); with initial = true only the sums M_0 needs, with
 * h = 0.  Per block: the weights in one vectorized loop, then the sums row
 * by row, their loops over features and probes vectorized too.
 */
FG_ROW_LOOPS static void
row_sums(boost *bs, const double *eta, bool initial)
{
	const fg_data *d = bs->data;
	size_t		N = bs->N;
	int			p = bs->p,
				m = bs->m;
	uint32_t	n = bs->n;
	double	   *wbuf = bs->rowbuf;
	double	   *rbuf = wbuf + FG_BLOCK_ROWS;
	double	   *zbuf = rbuf + FG_BLOCK_ROWS;
	double	   *tr = zbuf + m + 8;
	const double *zero_h = tr + m;

	bs->Sw = bs->Sr = 0.0;
	memset(bs->Swx, 0, sizeof(double) * p);
	memset(bs->Swxx, 0, sizeof(double) * p);
	memset(bs->Srx, 0, sizeof(double) * p);
	memset(bs->Dw, 0, sizeof(double) * n);
	memset(bs->Srb, 0, sizeof(double) * n);
	memset(bs->Gx, 0, sizeof(double) * n * p);
	memset(bs->T1, 0, sizeof(double) * m);
	memset(bs->TX, 0, sizeof(double) * p * m);
	memset(bs->Tb, 0, sizeof(double) * n * m);
	memset(tr, 0, sizeof(double) * m * 2);

	for (size_t r0 = 0, rows; r0 < N; r0 += rows)
	{
		/* a block must lie in one chunk of rows for the dgemm below */
		rows = fg_data_run(d, r0, N - r0 < FG_BLOCK_ROWS ? N - r0 : FG_BLOCK_ROWS);
		poll_rows(bs, r0, rows);
		if (d->y_real != NULL)
			gaussian_block_weights(rows, eta + r0, d->y_real + r0, d->w ? d->w + r0 : NULL,
								   wbuf, rbuf);
		else
			block_weights(rows, eta + r0, d->y + r0, d->w ? d->w + r0 : NULL, wbuf, rbuf);
		for (size_t q = 0; q < rows; q++)
		{
			size_t		l = r0 + q;
			double		w = wbuf[q];
			double		res = rbuf[q];
			uint32_t	g = d->stratum[l];

			bs->Sw += w;
			bs->Sr += res;
			bs->Dw[g] += w;
			bs->Srb[g] += res;
			feature_sums_row(p, w, res, fg_data_row(d, l), bs->Swx, bs->Swxx, bs->Srx,
							 bs->Gx + (size_t) g * p);
			probe_signs(bs, l, zbuf);
			probe_row(m, w, zbuf, initial ? zero_h : bs->H + l * m, bs->zblock + q * m,
					  bs->T1, bs->Tb + (size_t) g * m, tr);
		}
		if (p > 0)
			cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, p, m, (int) rows, 1.0,
						fg_data_row(d, r0), p, bs->zblock, m, 1.0, bs->TX, m);
	}
	bs->trace_p = 0.0;
	for (int k = 0; k < m && !initial; k++)
		bs->trace_p += tr[k];
	bs->trace_p *= bs->probe_weight;
}

/* a += z and b += z over m entries */
static inline void
add_to(int m, const double *restrict z, double *restrict a, double *restrict b)
{
	for (int k = 0; k < m; k++)
	{
		a[k] += z[k];
		b[k] += z[k];
	}
}

/* The probes' signs (kept as bits) and their fixed sums: sum z, X'z, stratum sums of z. */
static void
probe_sums(boost *bs)
{
	const fg_data *d = bs->data;
	int			p = bs->p,
				m = bs->m;

	for (size_t r0 = 0, rows; r0 < bs->N; r0 += rows)
	{
		rows = fg_data_run(d, r0, bs->N - r0 < FG_BLOCK_ROWS ? bs->N - r0 : FG_BLOCK_ROWS);
		poll_rows(bs, r0, rows);
		for (size_t q = 0; q < rows && !bs->opt->exact_trace; q++)
		{
			uint64_t   *bits = bs->probe_bits + (r0 + q) * bs->probe_words;

			for (int k = 0; k < m; k++)
				if (probe_sign_positive(bs, r0 + q, k))
					bits[k >> 6] |= UINT64_C(1) << (k & 63);
		}
		for (size_t q = 0; q < rows; q++)
		{
			size_t		l = r0 + q;
			double	   *z = bs->rowbuf;

			probe_signs(bs, l, z);
			memcpy(bs->zblock + q * m, z, sizeof(double) * m);
			add_to(m, z, bs->Z1, bs->Zb + (size_t) d->stratum[l] * m);
		}
		if (p > 0)
			cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, p, m, (int) rows, 1.0,
						fg_data_row(d, r0), p, bs->zblock, m, 1.0, bs->ZX, m);
	}
}

/* Gather probe k's sums for candidate r (r < 0: intercept only) into v. */
static void
gather(const boost *bs, const double *S1, const double *SX, const double *Sb, int r, int k,
	   double *v)
{
	v[0] = S1[k];
	v[1] = r < 0 ? 0.0 : SX[(size_t) r * bs->m + k];
	for (uint32_t i = 0; i < bs->n; i++)
		v[2 + i] = Sb[(size_t) i * bs->m + k];
}

/* One row of h: h_k += c0_k + c1_k x_r + cg_k for every probe k. */
static inline void
add_probe_update(int m, double xr, const double *restrict c0, const double *restrict c1,
				 const double *restrict cg, double *restrict h)
{
	for (int k = 0; k < m; k++)
		h[k] += c0[k] + c1[k] * xr + cg[k];
}

/* h_k += A_r diag(1, nu, 1..) F_r^-1 A_r'W (z_k - h_k) for every probe. */
static void
update_probes(boost *bs, int r, double nu)
{
	const fg_data *d = bs->data;
	int			m = bs->m;
	size_t		stride = 2 + bs->n;

	for (int k = 0; k < m; k++)
	{
		double	   *c = bs->probe_solutions + (size_t) k * stride;

		gather(bs, bs->T1, bs->TX, bs->Tb, r, k, bs->rhs);
		arrow_solve(bs, bs->rhs, c);
		c[1] *= nu;
	}
	/* by coefficient, so that the loop over the probes below is contiguous */
	for (int k = 0; k < m; k++)
		for (size_t i = 0; i < stride; i++)
			bs->probe_by_coef[i * m + k] = bs->probe_solutions[(size_t) k * stride + i];
	for (size_t l = 0; l < bs->N; l++)
	{
		double		xr = r < 0 ? 0.0 : fg_data_row(d, l)[r];

		poll(bs, l);
		add_probe_update(m, xr, bs->probe_by_coef, bs->probe_by_coef + m,
						 bs->probe_by_coef + (size_t) (2 + d->stratum[l]) * m, bs->H + l * m);
	}
}

/*
 * Log-likelihood of y after each candidate's step, for candidates
 * r0 .. r0 + g - 1 with steps in bs->cand_step, into ll[0 .. g-1].  One pass
 * over the rows serves them all, reading each row once; the loop over the
 * candidates has no call or branch and vectorizes.  log(1 + e^eta) is
 * max(eta, 0) + log1p(u) with u = exp(-|eta|), and the log1p terms of a
 * block are summed as the log of their product, less Goldberg's
 * correction ((v - 1) - u) / v for the rounding of each factor v = 1 + u,
 * as the Newton passes do (newton.c).
 */
/* One row's terms for every candidate (parameters, so restrict is seen). */
static inline void
loglik_row(int g, double e0, double yl, const double *restrict c0, const double *restrict c1,
		   const double *restrict xr, const double *restrict bg, double *restrict prod,
		   double *restrict corr, double *restrict lin)
{
	for (int j = 0; j < g; j++)
	{
		double		e = e0 + c0[j] + c1[j] * xr[j] + bg[j];
		double		u = fg_exp_nonpositive(-fabs(e));
		double		v = 1.0 + u;

		prod[j] *= v;
		corr[j] += ((v - 1.0) - u) / v;
		lin[j] += yl * e - (e > 0.0 ? e : 0.0);
	}
}

FG_ROW_LOOPS static void
loglik_group(const boost *bs, const double *eta, int r0, int g, double nu, double *ll)
{
	const fg_data *d = bs->data;
	double	   *c0 = bs->cand_acc;
	double	   *c1 = c0 + g;
	double	   *lin = c1 + g;
	double	   *corr = lin + g;
	double	   *prod = corr + g;
	const double *cb = bs->cand_b;
	size_t		stride = 2 + bs->n;

	for (int j = 0; j < g; j++)
	{
		c0[j] = bs->cand_step[j * stride];
		c1[j] = nu * bs->cand_step[j * stride + 1];
		lin[j] = corr[j] = 0.0;
		ll[j] = 0.0;
	}
	for (size_t l0 = 0, rows; l0 < bs->N; l0 += rows)
	{
		rows = fg_data_run(d, l0, bs->N - l0 < FG_BLOCK_ROWS ? bs->N - l0 : FG_BLOCK_ROWS);
		poll_rows(bs, l0, rows);
		for (int j = 0; j < g; j++)
			prod[j] = 1.0;
		for (size_t l = l0; l < l0 + rows; l++)
		{
			const double *xr = fg_data_row(d, l) + r0;
			const double *bg = cb + (size_t) d->stratum[l] * g;
			double		e0 = eta[l];
			double		yl = d->y[l];

			if (d->w != NULL)
			{
				/* weighted: each row its own log(1 + u), into lin */
				double		wl = d->w[l];

				for (int j = 0; j < g; j++)
				{
					double		e = e0 + c0[j] + c1[j] * xr[j] + bg[j];

					lin[j] += wl * (yl * e - (e > 0.0 ? e : 0.0) -
									fg_log1p_unit(fg_exp_nonpositive(-fabs(e))));
				}
				continue;
			}
			loglik_row(g, e0, yl, c0, c1, xr, bg, prod, corr, lin);
		}
		/* at most FG_BLOCK_ROWS factors in [1, 2]: no overflow */
		for (int j = 0; j < g; j++)
			ll[j] -= log(prod[j]);
	}
	for (int j = 0; j < g; j++)
		ll[j] += lin[j] + corr[j];
}

/* One row's weighted squared residual after each candidate's step. */
static inline void
rss_row(int g, double e0, double yl, double v, const double *restrict c0,
		const double *restrict c1, const double *restrict xr, const double *restrict bg,
		double *restrict rss)
{
	for (int j = 0; j < g; j++)
	{
		double		r = yl - (e0 + c0[j] + c1[j] * xr[j] + bg[j]);

		rss[j] += v * r * r;
	}
}

/*
 * The gaussian log-likelihood after each candidate's step at the current
 * residual variance, -RSS_j / (2 sigma^2) + bs->loglik_base, as
 * loglik_group does for the binomial family.
 */
FG_ROW_LOOPS static void
gaussian_loglik_group(const boost *bs, const double *eta, int r0, int g, double nu, double *ll)
{
	const fg_data *d = bs->data;
	double	   *c0 = bs->cand_acc;
	double	   *c1 = c0 + g;
	double	   *rss = c1 + g;
	const double *cb = bs->cand_b;
	size_t		stride = 2 + bs->n;

	for (int j = 0; j < g; j++)
	{
		c0[j] = bs->cand_step[j * stride];
		c1[j] = nu * bs->cand_step[j * stride + 1];
		rss[j] = 0.0;
	}
	for (size_t l0 = 0, rows; l0 < bs->N; l0 += rows)
	{
		rows = fg_data_run(d, l0, bs->N - l0 < FG_BLOCK_ROWS ? bs->N - l0 : FG_BLOCK_ROWS);
		poll_rows(bs, l0, rows);
		for (size_t l = l0; l < l0 + rows; l++)
			rss_row(g, eta[l], d->y_real[l], d->w ? d->w[l] : 1.0, c0, c1,
					fg_data_row(d, l) + r0, cb + (size_t) d->stratum[l] * g, rss);
	}
	for (int j = 0; j < g; j++)
		ll[j] = bs->loglik_base - rss[j] / (2.0 * bs->sigma2);
}

/* ---------- setup ---------- */

static void
boost_free(boost *bs)
{
	const fg_env *env = bs->env;
	void	   *ptrs[] = {bs->rank, bs->H, bs->Z1, bs->ZX, bs->Zb, bs->T1, bs->TX, bs->Tb,
		bs->Swx, bs->Swxx, bs->Srx, bs->Dw, bs->Srb, bs->Gx, bs->gx, bs->E,
		bs->rhs, bs->x, bs->step, bs->best_step, bs->probe_solutions, bs->block, bs->zblock,
		bs->cand_step, bs->cand_b, bs->cand_acc, bs->cand_info, bs->probe_bits, bs->rowbuf,
		bs->sign_table, bs->probe_by_coef, bs->pen, bs->at, bs->R, bs->c0, bs->chat, bs->tv,
	bs->cand_ad};

	for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++)
		fg_release(env, ptrs[i]);
}

/* Candidates per pass: all of them unless their steps would pass 2^20 doubles. */
static int
candidate_group(int p, uint32_t n)
{
	size_t		fit = ((size_t) 1 << 20) / ((size_t) n + 2);

	return fit < 1 ? 1 : fit < (size_t) p ? (int) fit : (p > 0 ? p : 1);
}

static fg_status
boost_alloc(boost *bs, fg_error *err)
{
	size_t		N = bs->N,
				p = bs->p ? bs->p : 1,
				n = bs->n,
				m = bs->m;
	const fg_env *env = bs->env;

	bs->H = fg_alloc(env, sizeof(double) * N * m);
	bs->Z1 = fg_alloc(env, sizeof(double) * m);
	bs->ZX = fg_alloc(env, sizeof(double) * p * m);
	bs->Zb = fg_alloc(env, sizeof(double) * n * m);
	bs->T1 = fg_alloc(env, sizeof(double) * m);
	bs->TX = fg_alloc(env, sizeof(double) * p * m);
	bs->Tb = fg_alloc(env, sizeof(double) * n * m);
	bs->Swx = fg_alloc(env, sizeof(double) * p);
	bs->Swxx = fg_alloc(env, sizeof(double) * p);
	bs->Srx = fg_alloc(env, sizeof(double) * p);
	bs->Dw = fg_alloc(env, sizeof(double) * n);
	bs->Srb = fg_alloc(env, sizeof(double) * n);
	bs->Gx = fg_alloc(env, sizeof(double) * n * p);
	bs->gx = fg_alloc(env, sizeof(double) * n);
	bs->E = fg_alloc(env, sizeof(double) * n);
	bs->rhs = fg_alloc(env, sizeof(double) * (n + 2));
	bs->x = fg_alloc(env, sizeof(double) * (n + 2));
	bs->step = fg_alloc(env, sizeof(double) * (n + 2));
	bs->best_step = fg_alloc(env, sizeof(double) * (n + 2));
	bs->probe_solutions = fg_alloc(env, sizeof(double) * m * (n + 2));
	bs->probe_by_coef = fg_alloc(env, sizeof(double) * m * (n + 2));
	bs->block = fg_alloc(env, sizeof(double) * FG_BLOCK_ROWS * p);
	bs->zblock = fg_alloc(env, sizeof(double) * FG_BLOCK_ROWS * m);
	bs->rowbuf = fg_alloc(env, sizeof(double) * (2 * FG_BLOCK_ROWS + 3 * m + 8));
	bs->sign_table = fg_alloc(env, sizeof(double) * 256 * 8);
	for (int b = 0; bs->sign_table && b < 256; b++)
		for (int i = 0; i < 8; i++)
			bs->sign_table[b * 8 + i] = (b >> i) & 1 ? 1.0 : -1.0;
	bs->probe_words = bs->opt->exact_trace ? 0 : (m + 63) / 64;
	/* zeroed: probe_sums() only sets bits */
	bs->probe_bits = fg_alloc(env, sizeof(uint64_t) * (N * bs->probe_words + 1));
	bs->group = candidate_group(bs->p, bs->n);
	bs->cand_step = fg_alloc(env, sizeof(double) * bs->group * (n + 2));
	bs->cand_b = fg_alloc(env, sizeof(double) * bs->group * (n ? n : 1));
	bs->cand_acc = fg_alloc(env, sizeof(double) * bs->group * 5);
	bs->cand_info = fg_alloc(env, sizeof(double) * bs->group * 4);
	{
		size_t		T = bs->T ? bs->T : 1;

		bs->at = fg_alloc(env, sizeof(double) * (n ? n : 1) * T);
		bs->R = fg_alloc(env, sizeof(double) * T * T);
		bs->c0 = fg_alloc(env, sizeof(double) * T);
		bs->chat = fg_alloc(env, sizeof(double) * 2 * T);
		bs->tv = fg_alloc(env, sizeof(double) * 2 * T);
		bs->cand_ad = fg_alloc(env, sizeof(double) * bs->group * T);
		if (!bs->at || !bs->R || !bs->c0 || !bs->chat || !bs->tv || !bs->cand_ad)
			return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	if (!bs->cand_step || !bs->cand_b || !bs->cand_acc || !bs->cand_info || !bs->probe_bits ||
		!bs->rowbuf || !bs->sign_table || !bs->probe_by_coef)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	if (!bs->H || !bs->Z1 || !bs->ZX || !bs->Zb || !bs->T1 || !bs->TX ||
		!bs->Tb || !bs->Swx || !bs->Swxx || !bs->Srx || !bs->Dw || !bs->Srb || !bs->Gx ||
		!bs->gx || !bs->E || !bs->rhs || !bs->x || !bs->step || !bs->best_step ||
		!bs->probe_solutions || !bs->block || !bs->zblock)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL,
					   "Boosting needs %zu MB for %zu rows and %zu probes.",
					   (N * (m * 8 + 4)) >> 20, N, m);
	return FG_OK;
}

size_t
fg_boost_memory(size_t n_rows, int p, uint32_t n_strata, const fg_options *opt)
{
	size_t		m = opt->exact_trace ? n_rows : (size_t) opt->probes;
	size_t		words = opt->exact_trace ? 0 : ((size_t) opt->probes + 63) / 64;

	/* per row: the probes, or before them the sort keys and merge sort's copy (48 bytes) */
	size_t		per_row = m * sizeof(double) + words * sizeof(uint64_t);

	per_row = per_row > 2 * sizeof(row_key) ? per_row : 2 * sizeof(row_key);
	return n_rows * (per_row + sizeof(uint32_t) * 2) +
		(size_t) (n_strata + 2) * (m * 5 + (size_t) p * 2 + 16) * sizeof(double) +
		(size_t) candidate_group(p, n_strata) * ((size_t) n_strata * 2 + 16) * sizeof(double);
}

/* ---------- the gaussian family's residual variance ---------- */

static void
set_sigma2(boost *bs, double sigma2)
{
	bs->sigma2 = fmax(sigma2, bs->sigma2_floor);
	bs->loglik_base = fg_gaussian_loglik(bs->nobs, bs->log_weights, 0.0, bs->sigma2);
}

/*
 * The start: the residual variance of the warm start (the ridge fit with
 * the user's lambda), RSS / (nobs - edf) with edf = k + n - 2 lambda
 * tr(H^-1)_bb the trace of its hat matrix, leaving out the ridge on the
 * slopes and the fairness terms (a start, not an estimate).  Uses var_b as
 * scratch.  Without residual degrees of freedom, the variance of y.
 */
static fg_status
gaussian_start_sigma2(boost *bs, fg_problem *fisher, const double *delta, fg_newton_ws *ws,
					  double *var_b, fg_error *err)
{
	const fg_data *d = bs->data;
	double		tss = fg_gaussian_rss(d, NULL),
				edf = (double) (bs->prob->k + bs->n);
	fg_status	st;

	bs->nobs = fg_gaussian_nobs(d, bs->opt);
	bs->log_weights = fg_gaussian_log_weights(d, bs->opt);
	/* variance of y per observation counted; a constant y has no scale to keep */
	bs->sigma2_floor = FG_SIGMA2_FLOOR * (tss > 0.0 ? tss / bs->nobs : 1.0);

	fisher->lambda = bs->prob->lambda;
	if ((st = fg_newton_factor_at(bs->env, fisher, delta, ws, err)) != FG_OK)
		return st;
	fg_newton_b_variances(fisher, ws, var_b);
	for (uint32_t i = 0; i < bs->n; i++)
		edf -= 2.0 * fisher->lambda * var_b[i];
	set_sigma2(bs, bs->nobs - edf > 0.5 ? fg_gaussian_rss(d, ws->eta) / (bs->nobs - edf)
			   : tss / bs->nobs);
	return FG_OK;
}

/* sigma^2 for a progress message; empty for the binomial family */
static const char *
sigma2_note(boost *bs)
{
	bs->sigma2_text[0] = '\0';
	if (bs->gaussian)
		snprintf(bs->sigma2_text, sizeof(bs->sigma2_text), ", sigma^2 %.6g", bs->sigma2);
	return bs->sigma2_text;
}

/* After a step, with df the fit's degrees of freedom: sigma^2 = RSS / (nobs - df). */
static fg_status
gaussian_update_sigma2(boost *bs, const double *eta, double df, int step, fg_error *err)
{
	if (!(bs->nobs > df))
		return fg_fail(err, FG_ERR_DATA, "the residual variance is undefined",
					   "Use fewer strata than rows, or a smaller q0.",
					   "Boosting step %d has %g degrees of freedom for a weight of %g.",
					   step + 1, df, bs->nobs);
	set_sigma2(bs, fg_gaussian_rss(bs->data, eta) / (bs->nobs - df));
	return FG_OK;
}

/* ---------- the algorithm ---------- */

fg_status
fg_boost(const fg_env *env, const fg_data *data, const fg_options *opt,
		 const fg_problem *prob, double *delta, fg_newton_ws *ws, fg_fit *fit,
		 fg_error *err)
{
	boost		bs;
	fg_problem	fisher;
	double	   *eta = ws->eta;	/* at delta on entry, kept current */
	double	   *var_b = NULL;
	double		Q = opt->q0;
	double		log_n;
	int			k = prob->k;
	fg_status	st;

	memset(&bs, 0, sizeof(bs));
	bs.env = env;
	bs.data = data;
	bs.opt = opt;
	bs.prob = prob;
	bs.N = data->n_rows;
	bs.p = data->p;
	bs.n = prob->n;
	bs.T = prob->n_terms;
	log_n = log((double) bs.n);

	if (bs.p < 1)
		return fg_fail(err, FG_ERR_INVALID, "boosting needs at least one feature",
					   "Use method crlr or fair_crlr for an intercept-only model.", NULL);
	if (opt->exact_trace && bs.N > FG_EXACT_TRACE_MAX_ROWS)
		return fg_fail(err, FG_ERR_INVALID, "the exact trace is only for small data",
					   "Use the default trace estimate (option \"probes\").",
					   "Option \"exact_trace\" keeps an N x N matrix; it is limited to %d rows and this fit has %zu.",
					   FG_EXACT_TRACE_MAX_ROWS, bs.N);
	bs.m = opt->exact_trace ? (int) bs.N : opt->probes;
	bs.probe_weight = opt->exact_trace ? 1.0 : 1.0 / bs.m;
	/*
	 * A row costs about (p + 1)(m + 1) in the passes: check for interrupts
	 * every 2^26 of that (a few ms), not every 65536 rows whatever p and m.
	 */
	for (bs.poll_mask = FG_INTERRUPT_ROWS; bs.poll_mask > FG_BLOCK_ROWS &&
		 bs.poll_mask * (size_t) (bs.p + 1) * (size_t) (bs.m + 1) > ((size_t) 1 << 26);
		 bs.poll_mask /= 2)
		;
	bs.poll_mask -= 1;

	bs.pen = fg_alloc(env, sizeof(double) * (bs.T ? bs.T : 1));
	if (bs.pen == NULL)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}
	for (uint32_t t = 0; t < bs.T; t++)
		bs.pen[t] = 2.0 * prob->kappa[t];
	/* terms without weight (rho = 0) change nothing: leave them out */
	{
		bool		any = false;

		for (uint32_t t = 0; t < bs.T; t++)
			any |= bs.pen[t] > 0.0;
		if (!any)
			bs.T = 0;
	}

	/* the canonical order first: its sort keys are gone before the probes take their memory */
	bs.rank = fg_alloc(env, sizeof(uint32_t) * (bs.N ? bs.N : 1));
	if (bs.rank == NULL)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}
	if ((st = rank_rows(&bs, err)) != FG_OK ||
		(st = boost_alloc(&bs, err)) != FG_OK)
		goto done;
	fit->selected = fg_alloc(env, sizeof(uint32_t) * bs.p);
	var_b = fg_alloc(env, sizeof(double) * bs.n);
	if (!fit->selected || !var_b)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}
	probe_sums(&bs);

	/* the Fisher matrix of the full model, for the variance of b */
	fisher = *prob;
	fisher.n_terms = 0;
	fisher.w_floor = FG_W_FLOOR;

	/*
	 * gaussian: sigma^2 from the warm start, and Q measured in it (Q has
	 * the units of y^2; q0 = 2 means twice the residual variance)
	 */
	bs.gaussian = data->y_real != NULL;
	if (bs.gaussian)
	{
		if ((st = gaussian_start_sigma2(&bs, &fisher, delta, ws, var_b, err)) != FG_OK)
			goto done;
		Q = opt->q0 * bs.sigma2;
	}

	/* P_0 = M_0 = A_0 (A_0'WA_0 + K_0)^-1 A_0'W with A_0 = [1, Z] */
	bs.invq = bs.gaussian ? bs.sigma2 / Q : 1.0 / Q;
	row_sums(&bs, eta, true);
	if (!arrow_prepare(&bs, -1, false))
	{
		st = fg_fail(err, FG_ERR_NUMERIC, "the boosting start is degenerate", NULL,
					 "The intercept-only Fisher matrix is singular.");
		goto done;
	}
	update_probes(&bs, -1, 1.0);

	fit->stop_reason = 2;		/* FG_STOP_MAX_STEPS unless Q settles */
	for (int step = 0; step < opt->max_steps; step++)
	{
		double	   *a_delta = prob->ad;
		double		l2 = prob->l2;
		double		beta_sq = 0.0;
		double		best_bic = INFINITY,
					best_df = 0.0;
		int			best = -1;
		double		Q_new = 0.0;

		if (env->check_interrupts)
			env->check_interrupts(env->ctx);
		fg_term_dots(prob, delta, a_delta);
		bs.invq = bs.gaussian ? bs.sigma2 / Q : 1.0 / Q;
		row_sums(&bs, eta, false);
		bs.fair_ready = false;
		for (int j = 0; j < bs.p; j++)
			beta_sq += delta[1 + j] * delta[1 + j];

		/*
		 * Each candidate's step, a'delta after it and df first; then one
		 * pass over the rows for the log-likelihoods of a group of them.
		 */
		for (int r0 = 0; r0 < bs.p; r0 += bs.group)
		{
			int			g = bs.p - r0 < bs.group ? bs.p - r0 : bs.group;
			double	   *usable = bs.cand_info;
			double	   *ad_new = bs.cand_ad;
			double	   *dfs = usable + 2 * g;
			double	   *ll = dfs + g;
			size_t		stride = 2 + bs.n;

			for (int j = 0; j < g; j++)
			{
				int			r = r0 + j;
				double	   *stp = bs.cand_step + (size_t) j * stride;
				double		tr = 0.0;

				usable[j] = arrow_prepare(&bs, r, true);
				if (!usable[j])
				{
					/* a zero step keeps the pass's arithmetic finite */
					memset(stp, 0, sizeof(double) * stride);
					for (uint32_t i = 0; i < bs.n; i++)
						bs.cand_b[(size_t) i * g + j] = 0.0;
					continue;
				}
				/* score s_r = A_r'(y - mu) - K delta_r - sum_t pen_t a_t,r (a_t'delta) */
				bs.rhs[0] = bs.Sr;
				bs.rhs[1] = bs.Srx[r] - 2.0 * l2 * delta[1 + r];
				for (uint32_t i = 0; i < bs.n; i++)
					bs.rhs[2 + i] = bs.Srb[i] - delta[k + i] * bs.invq;
				for (uint32_t t = 0; t < bs.T; t++)
				{
					double		coef = bs.pen[t] * a_delta[t];

					bs.rhs[0] -= coef * term_entry(&bs, t, 0);
					bs.rhs[1] -= coef * term_entry(&bs, t, 1 + r);
					for (uint32_t i = 0; i < bs.n; i++)
						bs.rhs[2 + i] -= coef * term_entry(&bs, t, k + i);
				}
				arrow_solve(&bs, bs.rhs, stp);
				for (uint32_t i = 0; i < bs.n; i++)
					bs.cand_b[(size_t) i * g + j] = stp[2 + i];

				for (uint32_t t = 0; t < bs.T; t++)
				{
					double		adn = a_delta[t] + term_entry(&bs, t, 0) * stp[0] +
						term_entry(&bs, t, 1 + r) * opt->nu * stp[1];

					for (uint32_t i = 0; i < bs.n; i++)
						adn += term_entry(&bs, t, k + i) * stp[2 + i];
					ad_new[(size_t) j * bs.T + t] = adn;
				}

				/* tr(M_r (I - P)) from the shared probe sums */
				for (int q = 0; q < bs.m; q++)
				{
					double		dot;

					gather(&bs, bs.T1, bs.TX, bs.Tb, r, q, bs.rhs);
					arrow_solve(&bs, bs.rhs, bs.x);
					bs.x[1] *= opt->nu;
					gather(&bs, bs.Z1, bs.ZX, bs.Zb, r, q, bs.rhs);
					dot = 0.0;
					for (uint32_t i = 0; i < bs.n + 2; i++)
						dot += bs.rhs[i] * bs.x[i];
					tr += dot;
				}
				dfs[j] = bs.trace_p + bs.probe_weight * tr;
			}
			if (bs.gaussian)
				gaussian_loglik_group(&bs, eta, r0, g, opt->nu, ll);
			else
				loglik_group(&bs, eta, r0, g, opt->nu, ll);
			for (int j = 0; j < g; j++)
			{
				double		bic,
							beta_r,
							ridge = 0.0;

				if (!usable[j])
					continue;
				if (l2 > 0.0)
				{
					beta_r = delta[1 + r0 + j] + opt->nu * bs.cand_step[(size_t) j * stride + 1];
					ridge = l2 * (beta_sq - delta[1 + r0 + j] * delta[1 + r0 + j] + beta_r * beta_r);
				}
				{
					double		fair = 0.0;

					for (uint32_t t = 0; t < bs.T; t++)
						fair += prob->kappa[t] * ad_new[(size_t) j * bs.T + t] *
							ad_new[(size_t) j * bs.T + t];
					/* gaussian: the penalties weigh against (1/2) RSS */
					if (bs.gaussian)
					{
						fair /= bs.sigma2;
						ridge /= bs.sigma2;
					}
					bic = -2.0 * (ll[j] - fair - ridge) + 2.0 * dfs[j] * log_n;
				}
				if (bic < best_bic)
				{
					best_bic = bic;
					best_df = dfs[j];
					best = r0 + j;
					memcpy(bs.best_step, bs.cand_step + (size_t) j * stride,
						   sizeof(double) * stride);
				}
			}
		}
		if (best < 0 && bs.T > 0 && !bs.fair_ready)
		{
			st = fg_fail(err, FG_ERR_NUMERIC, "the fairness terms are not finite",
						 "Lower rho, or rescale the features.",
						 "The capacitance matrix of the fairness terms could not be factored at boosting step %d.",
						 step + 1);
			goto done;
		}
		if (best < 0)
		{
			st = fg_fail(err, FG_ERR_NUMERIC, "no covariate could be updated",
						 "Check the features for near-collinearity with the strata.",
						 "Every candidate's Fisher matrix was singular at boosting step %d.", step + 1);
			goto done;
		}

		/* take the step of the best covariate (prepared once already: it succeeds) */
		(void) arrow_prepare(&bs, best, true);
		update_probes(&bs, best, opt->nu);
		delta[0] += bs.best_step[0];
		delta[1 + best] += opt->nu * bs.best_step[1];
		for (uint32_t i = 0; i < bs.n; i++)
			delta[k + i] += bs.best_step[2 + i];
		for (size_t l = 0; l < bs.N; l++)
			eta[l] += bs.best_step[0] + opt->nu * bs.best_step[1] * fg_data_row(data, l)[best] +
				bs.best_step[2 + data->stratum[l]];
		fit->selected[best]++;
		fit->steps = step + 1;
		fit->bic = best_bic;
		fit->df = best_df;

		/*
		 * Q = mean(V_i + b_i^2), V_i from the inverse Fisher matrix
		 * (Harville); gaussian: that matrix is H / sigma^2 with H the
		 * Hessian of (1/2) RSS + (sigma^2 / (2 Q)) ||b||^2
		 */
		fisher.lambda = bs.gaussian ? 0.5 * bs.sigma2 / Q : 0.5 / Q;
		if ((st = fg_newton_factor_at(env, &fisher, delta, ws, err)) != FG_OK)
			goto done;
		fg_newton_b_variances(&fisher, ws, var_b);
		if (bs.gaussian)
		{
			/*
			 * sigma^2 = RSS / (nobs - edf) with edf the trace of that
			 * penalised fit's hat matrix, k + n - (sigma^2 / Q) sum_i
			 * (H^-1)_ii: the degrees of freedom its shrunk random intercepts
			 * really use.  The boosting step's own trace counts them as
			 * nearly unshrunk, which inflates sigma^2 (by a fifth with four
			 * rows a stratum); with this one, Q and sigma^2 settle where
			 * REML puts them (docs/gaussian-boosting.md).
			 */
			double		edf = (double) (k + bs.n);

			for (uint32_t i = 0; i < bs.n; i++)
				edf -= bs.sigma2 / Q * var_b[i];
			if ((st = gaussian_update_sigma2(&bs, eta, edf, step, err)) != FG_OK)
				goto done;
			for (uint32_t i = 0; i < bs.n; i++)
				var_b[i] *= bs.sigma2;
		}
		for (uint32_t i = 0; i < bs.n; i++)
			Q_new += var_b[i] + delta[k + i] * delta[k + i];
		Q_new = fmax(Q_new / bs.n, bs.gaussian ? FG_Q_FLOOR * bs.sigma2 : FG_Q_FLOOR);
		if (fabs(Q_new - Q) / Q_new <= opt->tol_q)
		{
			fg_progress(env, opt, "boosting step %d: covariate %d, BIC %.10g, Q %.6g%s (settled)",
						step + 1, best + 1, best_bic, Q_new, sigma2_note(&bs));
			Q = Q_new;
			fit->stop_reason = 1;	/* FG_STOP_TOL_Q */
			break;
		}
		fg_progress(env, opt, "boosting step %d: covariate %d, BIC %.10g, Q %.6g%s",
					step + 1, best + 1, best_bic, Q_new, sigma2_note(&bs));
		Q = Q_new;
	}
	fit->q = Q;
	if (bs.gaussian)
		fit->sigma2 = bs.sigma2;
	st = FG_OK;

done:
	fg_release(env, var_b);
	boost_free(&bs);
	if (st != FG_OK)
	{
		fg_release(env, fit->selected);
		fit->selected = NULL;
	}
	return st;
}
