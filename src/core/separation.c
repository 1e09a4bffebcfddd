/*
 * separation.c -- what a converged solve tells about separation.
 *
 * When some rows are predicted perfectly by a combination of the features
 * (quasi-complete separation), the objective decreases without bound along
 * that direction and has no finite minimiser.  Newton's method then behaves
 * in a recognisable way: along the recession direction the loss and its
 * curvature both decay like e^-t, so every step still moves the separated
 * rows' linear predictors outward by about one unit, while the decrement,
 * and every identified quantity, converges.  The solve stops when the
 * decrement falls below the tolerance (at |eta| around 20 to 30, where
 * R's glm stops too); the last step then shows which rows are separated
 * (those it still moves outward) and which coefficients run off (those it
 * still changes).
 */
#include "separation.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* a coefficient runs off when its part of the last step moves eta this much */
#define FG_SEPARATION_TERM 0.01

typedef struct text_buf
{
	char	   *buf;
	size_t		size;
	size_t		len;
} text_buf;

/* Append, keeping room for an ellipsis should the text not fit. */
static void append(text_buf *t, const char *fmt,...)
#ifdef __GNUC__
			__attribute__((format(printf, 2, 3)))
#endif
			;

static void
append(text_buf *t, const char *fmt,...)
{
	va_list		ap;
	int			n;
	size_t		room;

	if (t->len + 4 >= t->size)
		return;
	room = t->size - t->len - 4;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, room + 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t) n > room)
	{
		t->len += room;
		strcpy(t->buf + t->len, "...");
		t->len = t->size;		/* full */
	}
	else
		t->len += (size_t) n;
}

static void
term_name(const fg_data *data, uint32_t j, char *out, size_t size)
{
	if (j == 0)
		snprintf(out, size, "intercept");
	else if (data->feature_names != NULL && data->feature_names[j - 1] != NULL)
		snprintf(out, size, "%s", data->feature_names[j - 1]);
	else
		snprintf(out, size, "x%u", j);
}

static inline bool
row_separated(const fg_newton_ws *ws, const fg_data *data, size_t l)
{
	return fg_row_separated(data->y[l] ? 1.0 : -1.0, ws->eta[l], ws->deta[l]);
}

size_t
fg_count_separated(const fg_problem *prob, const fg_newton_ws *ws)
{
	size_t		sep = 0;

	/* least squares has a finite minimum whatever the rows */
	if (prob->data->y_real != NULL)
		return 0;
	for (size_t l = 0; l < prob->data->n_rows; l++)
		sep += row_separated(ws, prob->data, l);
	return sep;
}

fg_status
fg_separation_verdict(const fg_env *env, const fg_data *data, size_t n_rows,
					  const fg_separation_stats *stats, const double *step, fg_fit *fit,
					  fg_error *err)
{
	int			p = data->p;
	uint32_t	count = 0;
	text_buf	t = {fit->separation_detail, sizeof(fit->separation_detail), 0};

	if (stats->rows == 0)
		return FG_OK;
	/*
	 * Complete separation: the fixed part of eta (the unpenalised
	 * coefficients) puts every row strictly on its own side.  Then that
	 * direction itself separates the classes and the loss has no minimum
	 * at all; rows near the boundary need not have run off yet.
	 */
	if (stats->wrong == 0)
		return fg_fail(err, FG_ERR_SEPARATION,
					   "the classes are separated by the features",
					   "Add a small ridge penalty on the slopes (option \"l2\", for example 0.01), or remove the features that predict y perfectly.",
					   "A linear combination of the features puts every one of the %zu rows on the side of its class, so the coefficients have no finite maximum likelihood estimate.",
					   n_rows);
	fit->unidentified = fg_alloc(env, sizeof(uint32_t) * (p + 1));
	if (!fit->unidentified)
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	for (int j = 0; j <= p; j++)
		if (fabs(step[j]) * stats->scale[j] > FG_SEPARATION_TERM)
			fit->unidentified[count++] = (uint32_t) j;

	fit->separated_rows = stats->rows;
	fit->n_unidentified = count;
	append(&t, "%" PRIu64 " of the %zu training rows are predicted perfectly (%" PRIu64
		   " with y = 1, %" PRIu64 " with y = 0)", stats->rows, n_rows, stats->ones,
		   stats->rows - stats->ones);
	if (count > 0)
	{
		append(&t, "; the coefficients that run off to infinity are those of ");
		for (uint32_t c = 0; c < count; c++)
		{
			uint32_t	j = fit->unidentified[c];
			char		name[64];

			term_name(data, j, name, sizeof(name));
			append(&t, "%s%s", c == 0 ? "" : ", ", name);
			if (j > 0 && !isnan(stats->value[j]))
				append(&t, " (%g on all of those rows)", stats->value[j]);
		}
	}
	append(&t, ".");
	return FG_OK;
}

fg_status
fg_check_separation(const fg_env *env, const fg_problem *prob, const fg_newton_ws *ws,
					const double *delta, double max_abs_eta, fg_fit *fit, fg_error *err)
{
	const fg_data *data = prob->data;
	size_t		N = data->n_rows;
	int			p = data->p;
	fg_separation_stats stats;
	double	   *scale = NULL;
	double	   *value = NULL;	/* a feature's value on the separated rows, NAN if it varies */
	fg_status	st;

	/* no row is that far out: nothing to look for (the usual case, no pass) */
	if (!(max_abs_eta > FG_SEPARATION_ETA))
		return FG_OK;
	memset(&stats, 0, sizeof(stats));
	for (size_t l = 0; l < N; l++)
		if (row_separated(ws, data, l))
		{
			stats.rows++;
			stats.ones += data->y[l];
		}
	if (stats.rows == 0)
		return FG_OK;
	for (size_t l = 0; l < N; l++)
	{
		double		e = ws->eta[l] - (prob->n > 0 ? delta[prob->k + data->stratum[l]] : 0.0);

		stats.wrong += (data->y[l] ? e : -e) <= 0.0;
	}

	/* per feature: the largest magnitude, and whether it is constant on the separated rows */
	scale = fg_alloc(env, sizeof(double) * (p + 1));
	value = fg_alloc(env, sizeof(double) * (p + 1));
	if (!scale || !value)
	{
		fg_release(env, scale);
		fg_release(env, value);
		return fg_fail(err, FG_ERR_NOMEM, "out of memory", NULL, NULL);
	}
	scale[0] = 1.0;
	for (int j = 0; j < p; j++)
		value[1 + j] = NAN;
	{
		bool		first = true;

		for (size_t l = 0; l < N; l++)
		{
			const double *x = fg_data_row(data, l);
			bool		s = row_separated(ws, data, l);

			for (int j = 0; j < p; j++)
			{
				double		a = fabs(x[j]);

				scale[1 + j] = a > scale[1 + j] ? a : scale[1 + j];
				if (s && first)
					value[1 + j] = x[j];
				else if (s && value[1 + j] != x[j])
					value[1 + j] = NAN;
			}
			if (s)
				first = false;
		}
	}
	stats.scale = scale;
	stats.value = value;
	st = fg_separation_verdict(env, data, N, &stats, ws->step, fit, err);
	fg_release(env, scale);
	fg_release(env, value);
	return st;
}
