/*
 * summary.c -- one pass over the rows for the checks and the starting point
 * of the solver (see summary.h), and the collinearity check built on it.
 */
#include "summary.h"
#include "pass.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Magnitudes whose squares, summed over rows, stay far from over- and underflow. */
#define FG_SAFE_MAX 1e100
#define FG_SAFE_MIN 1e-100

/* Running mean and centred co-moments, merged a block of rows at a time. */
typedef struct comoments
{
	int			p;
	size_t		n;
	double	   *mean;			/* p */
	double	   *m2;				/* p x p, upper triangle */
	double	   *block_mean;		/* p scratch */
	double	   *block;			/* FG_BLOCK_ROWS x p scratch */
} comoments;

/*
 * Merge the rows the caller wrote into c->block (at most FG_BLOCK_ROWS,
 * row-major with leading dimension c->p), whose column sums the caller put
 * in c->block_mean while writing them.  The block's own mean is removed
 * before the cross-products, and the difference of means enters as one
 * rank-one term, so no sum grows with the distance of the data from the
 * origin.
 */
static void
comoments_add_block(comoments *c, size_t rows)
{
	int			p = c->p;
	double		nb = (double) rows;
	double		na = (double) c->n;
	double	   *restrict bmean = c->block_mean;
	double	   *restrict block = c->block;
	double	   *restrict mean = c->mean;
	double	   *restrict m2 = c->m2;

	for (int j = 0; j < p; j++)
		bmean[j] /= nb;
	for (size_t q = 0; q < rows; q++)
		for (int j = 0; j < p; j++)
			block[q * p + j] -= bmean[j];
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, p, (int) rows, 1.0,
				block, p, 1.0, m2, p);
	if (c->n > 0)
	{
		double		f = na * nb / (na + nb);

		for (int i = 0; i < p; i++)
		{
			double		di = f * (bmean[i] - mean[i]);

			for (int j = i; j < p; j++)
				m2[i * p + j] += di * (bmean[j] - mean[j]);
		}
	}
	for (int j = 0; j < p; j++)
		mean[j] += (bmean[j] - mean[j]) * (nb / (na + nb));
	c->n += rows;
}

/* Add rows of x (leading dimension c->p), each feature divided by divisor[j]. */
static void
comoments_add(comoments *c, const double *x, size_t rows, const double *divisor)
{
	int			p = c->p;
	double	   *restrict block = c->block;
	double	   *restrict bsum = c->block_mean;

	memset(bsum, 0, sizeof(double) * p);
	for (size_t q = 0; q < rows; q++)
		for (int j = 0; j < p; j++)
		{
			block[q * p + j] = x[q * p + j] / divisor[j];
			bsum[j] += block[q * p + j];
		}
	comoments_add_block(c, rows);
}

static bool
comoments_init(const fg_env *env, comoments *c, int p, double *mean, double *m2)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->mean = mean;
	c->m2 = m2;
	c->block_mean = fg_alloc(env, sizeof(double) * (p ? p : 1));
	c->block = fg_alloc(env, sizeof(double) * FG_BLOCK_ROWS * (p ? p : 1));
	return c->block_mean && c->block;
}

static void
comoments_free(const fg_env *env, comoments *c)
{
	fg_release(env, c->block_mean);
	fg_release(env, c->block);
}

void
fg_summary_free(const fg_env *env, fg_summary *sum)
{
	fg_release(env, sum->mean);
	fg_release(env, sum->comoment);
	fg_release(env, sum->amax);
	fg_release(env, sum->xy);
	fg_release(env, sum->a);
	fg_release(env, sum->stratum_rows);
	fg_release(env, sum->stratum_y);
	fg_release(env, sum->stratum_x);
	memset(sum, 0, sizeof(*sum));
}

FG_ROW_LOOPS fg_status
fg_summarize(const fg_env *env, const fg_data *data, bool with_strata,
			 fg_summary *sum, fg_error *err)
{
	size_t		N = data->n_rows;
	int			p = data->p;
	int			k = 1 + p;
	/* co-moments of [x, y, s]: the last two columns give xy and a */
	int			w = p + 2;
	uint32_t	n = with_strata ? data->n_strata : 0;
	size_t		pp = p ? (size_t) p : 1;
	double	   *wide_mean = fg_alloc(env, sizeof(double) * w);
	double	   *wide_m2 = fg_alloc(env, sizeof(double) * w * w);
	double	   *stratum_s = n > 0 ? fg_alloc(env, sizeof(double) * n) : NULL;
	comoments	c;
	fg_status	st = FG_OK;

	memset(sum, 0, sizeof(*sum));
	sum->n_rows = N;
	sum->p = p;
	sum->n = n;
	for (size_t l = 0; l < N; l++)
	{
		sum->y_ones += data->y ? data->y[l] : 0;
		sum->s_ones += data->s ? data->s[l] : 0;
	}
	sum->y_bar = N ? (double) sum->y_ones / (double) N : 0.0;
	if (data->y_real != NULL && N > 0)
	{
		/* the gaussian outcome's mean, for the centred sums below */
		double		total = 0.0;

		for (size_t l = 0; l < N; l++)
			total += data->y_real[l];
		sum->y_bar = total / (double) N;
	}
	sum->s_bar = N ? (double) sum->s_ones / (double) N : 0.0;

	sum->mean = fg_alloc(env, sizeof(double) * pp);
	sum->comoment = fg_alloc(env, sizeof(double) * pp * pp);
	sum->amax = fg_alloc(env, sizeof(double) * pp);
	sum->xy = fg_alloc(env, sizeof(double) * pp);
	sum->a = fg_alloc(env, sizeof(double) * (k + n));
	if (n > 0)
	{
		sum->stratum_rows = fg_alloc(env, sizeof(double) * n);
		sum->stratum_y = fg_alloc(env, sizeof(double) * n);
		sum->stratum_x = fg_alloc(env, sizeof(double) * n * pp);
	}
	if (!comoments_init(env, &c, w, wide_mean, wide_m2) || !wide_mean || !wide_m2 ||
		!sum->mean || !sum->comoment || !sum->amax || !sum->xy || !sum->a ||
		(n > 0 && (!sum->stratum_rows || !sum->stratum_y || !sum->stratum_x || !stratum_s)))
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL,
					 "The summary of %zu training rows could not be allocated.", N);
		goto done;
	}

	{
		/* locals: with -fno-strict-aliasing every store would reload the fields */
		const uint8_t *restrict y = data->y;
		const double *restrict y_real = data->y_real;
		const uint8_t *restrict s = data->s;
		const uint32_t *restrict stratum = data->stratum;
		double	   *restrict amax = sum->amax;
		double	   *restrict srows = sum->stratum_rows;
		double	   *restrict sy = sum->stratum_y;
		double	   *restrict ss = stratum_s;
		double	   *restrict sx = sum->stratum_x;
		double	   *restrict block = c.block;
		double	   *restrict bsum = c.block_mean;

		for (size_t r0 = 0, rows, every = fg_rows_between_polls(w), next = 0; r0 < N; r0 += rows)
		{
			const double *x = fg_data_row(data, r0);

			rows = fg_data_run(data, r0, N - r0 < FG_BLOCK_ROWS ? N - r0 : FG_BLOCK_ROWS);
			fg_poll_at(env, r0, &next, every);
			memset(bsum, 0, sizeof(double) * w);
			for (size_t q = 0; q < rows; q++)
			{
				const double *restrict xq = x + q * p;
				double	   *restrict bq = block + q * w;

				for (int j = 0; j < p; j++)
				{
					double		m = fabs(xq[j]);

					bq[j] = xq[j];
					bsum[j] += xq[j];
					amax[j] = m > amax[j] ? m : amax[j];
				}
				bq[p] = y_real ? y_real[r0 + q] : y[r0 + q];
				bq[p + 1] = s ? s[r0 + q] : 0;
				bsum[p] += bq[p];
				bsum[p + 1] += s ? s[r0 + q] : 0;
			}
			/* per stratum: counts now, centred below */
			for (size_t q = 0; q < rows && n > 0; q++)
			{
				size_t		l = r0 + q;
				uint32_t	g = stratum[l];
				const double *restrict xq = x + q * p;
				double	   *restrict sxg = sx + (size_t) g * p;

				srows[g] += 1.0;
				sy[g] += y_real ? y_real[l] : y[l];
				ss[g] += s ? s[l] : 0;
				for (int j = 0; j < p; j++)
					sxg[j] += xq[j];
			}
			comoments_add_block(&c, rows);
		}
	}
	for (int i = 0; i < p; i++)
	{
		sum->mean[i] = wide_mean[i];
		memcpy(sum->comoment + (size_t) i * p, wide_m2 + (size_t) i * w, sizeof(double) * p);
		/* sum (y - y_bar) x = sum (y - y_bar)(x - x_bar), likewise for s */
		sum->xy[i] = wide_m2[(size_t) i * w + p];
		sum->a[1 + i] = wide_m2[(size_t) i * w + p + 1];
	}
	for (uint32_t g = 0; g < n; g++)
	{
		sum->stratum_y[g] -= sum->stratum_rows[g] * sum->y_bar;
		sum->a[k + g] = stratum_s[g] - sum->stratum_rows[g] * sum->s_bar;
	}
	/* a's intercept entry, sum (s - s_bar), is zero in exact arithmetic */
	sum->a[0] = 0.0;

done:
	comoments_free(env, &c);
	fg_release(env, wide_mean);
	fg_release(env, wide_m2);
	fg_release(env, stratum_s);
	if (st != FG_OK)
		fg_summary_free(env, sum);
	return st;
}

/* "x3" or the caller's name for feature j, for messages. */
static const char *
feature_label(const fg_data *data, int j, char *buf, size_t len)
{
	if (data->feature_names)
		return data->feature_names[j];
	snprintf(buf, len, "x%d", j + 1);
	return buf;
}

/*
 * The verdict from centred co-moments m2 (overwritten) of columns whose
 * largest magnitude is colmax[j] (1 for every column when NULL): a column
 * with no spread is a copy of the intercept; otherwise a pivoted Cholesky of
 * the correlation matrix finds the first column that adds (almost) nothing
 * new.
 */
static fg_status
rank_verdict(const fg_env *env, const fg_data *data, double *m2, const double *colmax,
			 fg_error *err)
{
	int			p = data->p;
	double		N = (double) data->n_rows;
	double	   *scale = fg_alloc(env, sizeof(double) * p);
	lapack_int *piv = fg_alloc(env, sizeof(lapack_int) * p);
	lapack_int	rank = 0,
				info;
	char		label[32];
	fg_status	st = FG_OK;

	if (!scale || !piv)
	{
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
		goto done;
	}
	for (int j = 0; j < p; j++)
	{
		double		cm = colmax ? colmax[j] : 1.0;

		if (!(m2[j * p + j] > 1e-24 * cm * cm * N))
		{
			st = fg_fail(err, FG_ERR_COLLINEAR, "feature is constant",
						 "Drop the feature; the intercept already models a constant.",
						 "Feature %s takes the same value in every row used for training.",
						 feature_label(data, j, label, sizeof(label)));
			goto done;
		}
		scale[j] = 1.0 / sqrt(m2[j * p + j]);
	}
	for (int i = 0; i < p; i++)
		for (int j = i; j < p; j++)
			m2[i * p + j] *= scale[i] * scale[j];

	info = LAPACKE_dpstrf(LAPACK_ROW_MAJOR, 'U', p, m2, p, piv, &rank, 1e-10);
	if (info < 0)
		st = fg_fail(err, FG_ERR_NUMERIC, "could not check the features for collinearity",
					 NULL, "LAPACKE_dpstrf returned %d.", (int) info);
	else if (rank < p)
		st = fg_fail(err, FG_ERR_COLLINEAR, "features are collinear",
					 "Drop one of the collinear features.",
					 "Feature %s is a linear combination of the intercept and the other features (rank %d of %d).",
					 feature_label(data, piv[rank] - 1, label, sizeof(label)),
					 (int) rank + 1, p + 1);
done:
	fg_release(env, scale);
	fg_release(env, piv);
	return st;
}

/* Co-moments of every column divided by its largest magnitude: one more pass. */
static fg_status
rescaled_comoments(const fg_env *env, const fg_data *data, const double *amax,
				   double *mean, double *m2, fg_error *err)
{
	size_t		N = data->n_rows;
	int			p = data->p;
	double	   *divisor = fg_alloc(env, sizeof(double) * p);
	comoments	c;
	fg_status	st = FG_OK;

	if (!comoments_init(env, &c, p, mean, m2) || !divisor)
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	else
	{
		for (int j = 0; j < p; j++)
			divisor[j] = amax[j] > 0.0 ? amax[j] : 1.0;	/* all zero: constant */
		for (size_t r0 = 0, every = fg_rows_between_polls(p), next = 0; r0 < N;)
		{
			size_t		rows = fg_data_run(data, r0, N - r0 < FG_BLOCK_ROWS ? N - r0 : FG_BLOCK_ROWS);

			fg_poll_at(env, r0, &next, every);
			comoments_add(&c, fg_data_row(data, r0), rows, divisor);
			r0 += rows;
		}
	}
	comoments_free(env, &c);
	fg_release(env, divisor);
	return st;
}

fg_status
fg_summary_check_collinear(const fg_env *env, const fg_data *data,
						   const fg_summary *sum, fg_error *err)
{
	int			p = data->p;
	bool		safe = true;
	double	   *mean,
			   *m2;
	fg_status	st;

	if (p == 0)
		return FG_OK;
	for (int j = 0; j < p; j++)
		if (sum->amax[j] > FG_SAFE_MAX || (sum->amax[j] > 0.0 && sum->amax[j] < FG_SAFE_MIN))
			safe = false;
	mean = fg_alloc(env, sizeof(double) * p);
	m2 = fg_alloc(env, sizeof(double) * p * p);
	if (!mean || !m2)
		st = fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	else if (safe)
	{
		memcpy(m2, sum->comoment, sizeof(double) * p * p);
		st = rank_verdict(env, data, m2, sum->amax, err);
	}
	else if ((st = rescaled_comoments(env, data, sum->amax, mean, m2, err)) == FG_OK)
		st = rank_verdict(env, data, m2, NULL, err);
	fg_release(env, mean);
	fg_release(env, m2);
	return st;
}

fg_status
fg_summary_check_collinear_sums(const fg_env *env, const fg_data *data,
								const double *comoment, const double *amax, fg_error *err)
{
	int			p = data->p;
	double	   *m2;
	fg_status	st;

	if (p == 0)
		return FG_OK;
	for (int j = 0; j < p; j++)
		if (amax[j] > FG_SAFE_MAX || (amax[j] > 0.0 && amax[j] < FG_SAFE_MIN))
			return fg_fail(err, FG_ERR_INVALID, "features too large or too small for a fit without the rows",
						   "Rescale the features, or pass \"vcov\": \"robust\" (which keeps the rows).",
						   "A feature reaches %g in magnitude; the streaming least-squares fit needs magnitudes between 1e-100 and 1e100.",
						   amax[j]);
	m2 = fg_alloc(env, sizeof(double) * p * p);
	if (m2 == NULL)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	memcpy(m2, comoment, sizeof(double) * p * p);
	st = rank_verdict(env, data, m2, amax, err);
	fg_release(env, m2);
	return st;
}
